/* SPDX-License-Identifier: AGPL-3.0-or-later */
#ifndef ES_CLI_SEAL_H
#define ES_CLI_SEAL_H
#include "cli.h"

/*
 * Render the standard impression for a seal of @kind/@function named @name
 * (PNG into @out, size in mm into @w/@h unless @keep_size). Implemented on
 * the render layer (src/cli/render_glue.c).
 */
int cli_render_impression(es_buf *out, unsigned *w, unsigned *h, int kind, int function, const char *name,
			  const char *esid, bool keep_size);
#endif
