/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * multipart/form-data (RFC 7578) over a body already whole in memory: the parts
 * are views into it, so a 64 MiB document is never copied. Internal to the server;
 * fuzzed by fuzz/fuzz_server_multipart.c.
 */
#ifndef ES_SERVER_MULTIPART_H
#define ES_SERVER_MULTIPART_H
#include "es_int.h"

#define ES_MULTIPART_MAX_PARTS 24
#define ES_MULTIPART_MAX_HEADERS 4096 /* bytes of one part's header block */

typedef struct es_part {
	char name[64];      /* Content-Disposition name */
	char filename[128]; /* "" when not given */
	char type[96];      /* Content-Type of the part, "" when not given */
	es_bytes data;      /* a view into the body */
} es_part;

/*
 * Split @p body, sent with Content-Type @p content_type (which must be
 * multipart/form-data with a boundary), into at most @p max parts.
 * 0 and *@p n parts, or ES_EMALFORMED / ES_ELIMIT saying what is wrong.
 */
int es_multipart_parse(const uint8_t *body, size_t len, const char *content_type, es_part *parts, size_t max,
		       size_t *n);

/* The part named @p name, or NULL. */
const es_part *es_multipart_get(const es_part *parts, size_t n, const char *name);

#endif
