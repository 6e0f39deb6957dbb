/* SPDX-License-Identifier: AGPL-3.0-or-later */
/**
 * @file es_apps.h
 * @brief Applications (申请) and their review: the Fujian form, batch forms, attachments, the workflow steps (REQUIREMENTS R1, R4).
 *
 * Part of the platform API (es_platform.h, which includes every part): the
 * conventions there hold here (an actor on every call, one transaction each,
 * refusal codes). Included on its own, it brings es_platform.h and so the rest.
 */
/* outside the guard: es_platform.h declares the parts in their order */
#include "es_platform.h"
#ifndef ESEAL_ES_APPS_H
#define ESEAL_ES_APPS_H
#ifdef __cplusplus
extern "C" {
#endif

/* ---- applications --------------------------------------------------------- */

/** The Fujian application form (seeds 004, FG 二.3–二.8). */
typedef struct es_app_form {
	int business;              /**< es_business */
	int64_t unit_id;
	int kind;                  /**< es_seal_kind */
	int function;              /**< es_seal_function (special seals) */
	const char *seal_name;     /**< 印章名称 */
	unsigned width_mm, height_mm;
	int64_t holder_person;     /**< personal/position seals: the holder (0 none) */
	const char *handler_name;  /**< 经办人 */
	const char *handler_mobile;
	const char *handler_id;
	const char *target_esid;   /**< renew/change/revoke/loss/reissue/unlock/reenable: the seal concerned */
	const char *reason;        /**< why (required for change, revoke, loss) */
	const uint8_t *impression; /**< uploaded impression (PNG) or NULL: rendered */
	size_t impression_len;
	const char *multi_cert_reason; /**< needed when the impression is already bound to a certificate */
	int64_t batch_id;          /**< batch form: applications with the same batch id */
} es_app_form;
#define ES_APP_FORM_INIT { .business = ES_BIZ_APPLY, .kind = 1 /* ES_KIND_OFFICIAL */ }

ES_EXTERN(int) es_platform_app_create(es_platform *p, const es_actor *actor, const es_app_form *f, int64_t *id) ES_WARN_UNUSED;
/**
 * The batch form (FG 四): @p n forms of one unit created in one transaction under one
 * new batch id; @p ids (may be NULL) receives the application ids.
 */
ES_EXTERN(int) es_platform_app_batch(es_platform *p, const es_actor *actor, const es_app_form *forms, size_t n,
				     int64_t *batch_id, int64_t *ids) ES_WARN_UNUSED;
/** The batch summary table (申请汇总表) as JSON, appended to @p json. */
ES_EXTERN(int) es_platform_batch_summary(es_platform *p, const es_actor *actor, int64_t batch_id, es_buf *json) ES_WARN_UNUSED;
/** Attach a file (red-header letter "letter", ID copy "id-copy", summary "summary", ...). */
ES_EXTERN(int) es_platform_app_attach(es_platform *p, const es_actor *actor, int64_t app, const char *kind, const char *name,
				      const uint8_t *data, size_t len) ES_WARN_UNUSED;
/**
 * The filer corrects a draft or a rejected application before (re)submitting it. The
 * fields of @p changes that are set replace the filed ones: strings that are not NULL
 * ("" clears an optional one), numbers and kinds that are not 0, the impression if not
 * NULL. The business, unit and batch cannot change (0 or the filed value). The result is
 * checked as a new form is (the handler's mobile and ID only when given). Only the
 * account that filed it may, in state draft or rejected (ES_EDENIED, ES_ESTATE). Audited
 * "application-edited" with the names of the fields that changed, never their values;
 * nothing changed, nothing recorded. Start from a zeroed es_app_form, not ES_APP_FORM_INIT.
 */
ES_EXTERN(int) es_platform_app_edit(es_platform *p, const es_actor *actor, int64_t app,
				    const es_app_form *changes) ES_WARN_UNUSED;
/** draft/rejected → submitted. A loss report stops the seal at once. */
ES_EXTERN(int) es_platform_app_submit(es_platform *p, const es_actor *actor, int64_t app) ES_WARN_UNUSED;
/** County/city office forwards a submitted application to the province (J§10). */
ES_EXTERN(int) es_platform_app_forward(es_platform *p, const es_actor *actor, int64_t app) ES_WARN_UNUSED;
/** Maker checks: submitted → checked. */
ES_EXTERN(int) es_platform_app_check(es_platform *p, const es_actor *actor, int64_t app) ES_WARN_UNUSED;
/** Reviewer: checked → approved, or rejected with a reason (required). */
ES_EXTERN(int) es_platform_app_review(es_platform *p, const es_actor *actor, int64_t app, bool approve,
				      const char *reason) ES_WARN_UNUSED;
/** Maker carries out the approved business: approved → made (@p esid_out: the seal made or concerned). */
ES_EXTERN(int) es_platform_app_make(es_platform *p, const es_actor *actor, int64_t app, char esid_out[15]) ES_WARN_UNUSED;
/** made → filed (filing records are already in the outbox). */
ES_EXTERN(int) es_platform_app_file(es_platform *p, const es_actor *actor, int64_t app) ES_WARN_UNUSED;
/** filed → delivered. */
ES_EXTERN(int) es_platform_app_deliver(es_platform *p, const es_actor *actor, int64_t app) ES_WARN_UNUSED;
/** Application state name into @p out ("draft", "submitted", ...). */
ES_EXTERN(int) es_platform_app_state(es_platform *p, int64_t app, char *out, size_t cap) ES_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
