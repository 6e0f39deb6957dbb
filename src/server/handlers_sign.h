/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Shared by the sign-service handlers (handlers_sign.c, handlers_svs.c). */
#ifndef ES_HANDLERS_SIGN_H
#define ES_HANDLERS_SIGN_H
#include "server.h"

/* A caller signed in with an API key may sign only with the seals granted to that key. */
int es_sign_key_may_use(es_req *rq, const char *esid);
/* The /svs/v1/ schemas (handlers_svs.c), added by es_sign_schemas. */
int es_svs_schemas(json_t *schemas);

#endif
