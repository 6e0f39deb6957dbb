/* SPDX-License-Identifier: AGPL-3.0-or-later */
#ifndef ES_FUZZ_H
#define ES_FUZZ_H
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
#endif
