/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Shared by the sign-service handlers (handlers_sign.c, handlers_svs.c). */
#ifndef ES_HANDLERS_SIGN_H
#define ES_HANDLERS_SIGN_H
#include "server.h"
#include "multipart.h"

/* A caller signed in with an API key may sign only with the seals granted to that key. */
int es_sign_key_may_use(es_req *rq, const char *esid);
/* Form fields (multipart/form-data): the text of part @p f into @p out; the text of the field
 * @p name, a whole number up to @p max and millimetres 0..5000 (1: given, 0: absent and @p out
 * untouched, negative: ES_EINVAL naming the field). */
int es_form_text(const es_part *f, const char *name, char *out, size_t cap);
int es_form_field(const es_part *parts, size_t n, const char *name, char *out, size_t cap);
int es_form_uint(const es_part *parts, size_t n, const char *name, unsigned long long max, unsigned long long *out);
int es_form_mm(const es_part *parts, size_t n, const char *name, double *out);
/* Every part of the form is one of @p fields (NULL-terminated): ES_EINVAL naming the first other. */
int es_form_known(const es_part *parts, size_t n, const char *const *fields);
/* The placement fields (placement, page, x_mm, y_mm, width_mm, height_mm, keyword, reason) into
 * @p o; the texts live in @p t. */
typedef struct es_form_place_text {
	char keyword[260], reason[516];
} es_form_place_text;
int es_form_placement(const es_part *parts, size_t n, es_seal_document_options *o, es_form_place_text *t);
/* The batch job schemas (handlers_jobs.c), added by es_sign_schemas. */
int es_jobs_schemas(json_t *schemas);
/* The /svs/v1/ schemas (handlers_svs.c), added by es_sign_schemas. */
int es_svs_schemas(json_t *schemas);

#endif
