/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Shared fixture of the platform tests: one fresh store per test, on SQLite
 * and (when tests/platform/pg.sh can start a cluster) on PostgreSQL. */
#ifndef TP_H
#define TP_H
#include "es_int.h"
#include "testutil.h"
#include "eseal/es_platform.h"
#include "eseal/es_auth.h"
#include "eseal/es_store.h"
#include "eseal/es_seal.h"
#include "eseal/es_render.h"
#include "eseal/es_pki.h"
#include "eseal/es_ofd.h"
#include "eseal/es_pdf.h"
#include "eseal/es_verify.h"
#include "estime.h"
#include "file.h"
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define TP_DAY 86400LL
#define TP_T0 "2026-01-01T00:00:00Z"
#define TP_CODE_PROV "91350100100000016G"
#define TP_CODE_CITY "91350100100000024B"
#define TP_CODE_COUNTY "913501001000000326"
#define TP_CODE_SUB "913501001000000401"
#define TP_CODE_OTHER "91350100100000059X"
#define TP_CODE_LEGACY "91350100M0001TGQXM"
#define TP_RID1 "350102198001010011"
#define TP_RID2 "350102199002020021"
#define TP_RID3 "350102198511110039"

typedef struct tp_env {
	es_platform *p;
	char dir[512];
	char store[512];
	/* the accounts, signed in (API keys of every action their roles allow), and their ids */
	es_actor *sys, *admin, *maker, *maker2, *reviewer, *makrev, *applicant, *applicant_other, *auditor, *county_maker,
		*city_maker, *unit_admin, *sub_applicant;
	int64_t admin_id, maker_id, maker2_id, reviewer_id, makrev_id, applicant_id, applicant_other_id, auditor_id,
		county_maker_id, city_maker_id, unit_admin_id, sub_applicant_id;
	es_actor *actors[32]; /* every actor tp_actor() made, freed by tp_teardown() */
	size_t nactors;
	int64_t unit, unit_other, unit_county, unit_sub, person;
} tp_env;

extern const char *tp_backend; /* "sqlite" or "postgres" */
extern char tp_pg_dir[256];
extern int tp_pg_port;

/* Fresh store URI for a test (sqlite file or a new PostgreSQL database). */
void tp_store_uri(char *out, size_t cap, const char *dir);
/* Open the platform on env->store and env->dir. */
void tp_open(tp_env *e, const char *outbox_url);
/* Sign @p login in with a new API key (scope: everything its roles allow); freed by tp_teardown(). */
es_actor *tp_actor(tp_env *e, const char *login);
/* The answer of one SQL count on the test's store (a connection of its own). */
int64_t tp_count(tp_env *e, const char *sql);
/* A new account "approver" (use approver), signed in. */
es_actor *tp_approver(tp_env *e);
/* Fresh store, open, regions, units, accounts. */
void tp_setup(tp_env *e);
void tp_teardown(tp_env *e);
void tp_now(const char *iso);
void tp_now_days(long days);
/* Application through to an active seal. */
void tp_seal(tp_env *e, int kind, int function, const char *name, int64_t holder, char esid[15]);
es_app_form tp_form(tp_env *e, int business, const char *target);
/* Run the approval chain (submit, check, review) and make; returns the esID concerned. */
void tp_process(tp_env *e, int64_t app, char esid[15]);
/* @p doc verifies (valid, @p nsigs signatures, each time-stamped) with the platform's root and status. */
void tp_verifies(tp_env *e, const es_buf *doc, size_t nsigs);
/* A loopback socket listening on @p port (0: any), and a port free a moment ago (receivers of outbox tests). */
int tp_listen_on(int port);
int tp_free_port(void);
/* Run all test groups on both backends. */
int tp_main(const struct CMUnitTest *tests, size_t n, const char *name);

#define TP_DENIED(expr)                                                                  \
	do {                                                                             \
		int tp_e_ = (expr);                                                      \
		if (tp_e_ != ES_EDENIED)                                                 \
			fail_msg("%s: expected EDENIED, got %d (%s)", #expr, tp_e_, es_error_last()->message); \
	} while (0)

/* Refused with exactly @p code (ES_EAUTH, ES_ESTATE, ...). */
#define TP_CODE(expr, code)                                                                             \
	do {                                                                                            \
		int tp_e_ = (expr);                                                                     \
		if (tp_e_ != (code))                                                                    \
			fail_msg("%s: expected %s, got %s (%s)", #expr, es_error_name(code), es_error_name(tp_e_), \
				 es_error_last()->message);                                             \
	} while (0)
#define TP_STATE(expr) TP_CODE(expr, ES_ESTATE)
#define TP_AUTH(expr) TP_CODE(expr, ES_EAUTH)

/* Refused by the separation of duties (FG 二.2), not by a role or a state. */
#define TP_SEPARATED(expr)                                                               \
	do {                                                                             \
		int tp_e_ = (expr);                                                      \
		if (tp_e_ != ES_EDENIED || !strstr(es_error_last()->message, "separation of duties")) \
			fail_msg("%s: expected a separation-of-duties refusal, got %d (%s)", #expr, tp_e_, \
				 es_error_last()->message);                              \
	} while (0)

#endif
