/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * ES_ACCOUNT_SYSTEM is an account id, never an actor: passing it where a
 * `const es_actor *` is wanted must not compile (ctest compile-actor-system-id
 * expects this file to fail with ES_BAD_ACTOR defined, and to build without it).
 */
#include "eseal/es_platform.h"
#include "eseal/es_auth.h"

int actor_system_probe(es_platform *p, const es_actor *a);
int actor_system_probe(es_platform *p, const es_actor *a)
{
#ifdef ES_BAD_ACTOR
	(void)a;
	return es_platform_allowed(p, ES_ACCOUNT_SYSTEM, ES_ACT_READ, -1);
#else
	return es_actor_account(a) == ES_ACCOUNT_SYSTEM ? 0 : es_platform_allowed(p, a, ES_ACT_READ, -1);
#endif
}
