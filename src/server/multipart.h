/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* multipart/form-data bodies (RFC 7578, RFC 2046 §5.1): what agency systems send
 * documents with. Internal to the server; fuzz/fuzz_server_multipart.c drives it. */
#ifndef ES_MULTIPART_H
#define ES_MULTIPART_H
#include "es_int.h"

#define ES_MULTIPART_MAX_PARTS 24
#define ES_MULTIPART_MAX_HEADER 1024 /* bytes of one header line of a part */
#define ES_MULTIPART_MAX_HEADERS 8   /* header lines of one part */

/* One part: its name, file name and type as sent, its bytes a view into the body. */
typedef struct es_part {
	char name[64];
	char filename[128]; /* "" when none */
	char type[96];      /* the part's Content-Type, "" when none */
	const uint8_t *data;
	size_t len;
} es_part;

/*
 * Split @body (Content-Type @content_type: "multipart/form-data; boundary=B")
 * into at most @max parts (*n set). Each part needs a Content-Disposition
 * "form-data" with a name; names are unique; the body ends with the closing
 * delimiter. ES_ENOTSUPPORTED: not multipart/form-data; ES_EMALFORMED naming what is
 * wrong; ES_ELIMIT: too many parts, a header too long.
 */
int es_multipart_parse(const uint8_t *body, size_t len, const char *content_type, es_part *parts, size_t max,
		       size_t *n);
/* The part named @name, or NULL. */
const es_part *es_multipart_get(const es_part *parts, size_t n, const char *name);

#endif
