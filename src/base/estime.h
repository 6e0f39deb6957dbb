/* SPDX-License-Identifier: AGPL-3.0-or-later */
#ifndef ES_ESTIME_H
#define ES_ESTIME_H
#include "eseal/es_types.h"

es_time es_time_now(void);
/* Broken-down UTC -> es_time; returns -1 for out-of-range fields. */
int es_time_from_fields(es_time *out, int year, int mon, int day, int hour, int min, int sec);
/* "2025-01-31T08:00:00Z" into @out (at least 21 bytes). */
void es_time_iso(char out[32], es_time t);
/* Parse "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SSZ" or "YYYYMMDDHHMMSSZ". */
int es_time_parse(es_time *out, const char *s);

#endif
