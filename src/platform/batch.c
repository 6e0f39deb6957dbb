/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Batch sealing jobs (es_jobs.h, docs/batch-jobs.md): many documents under one approved
 * use request covering their manifest, kept in the store with every item's result.
 *
 * Exactly once: a worker claims an item (state 'sealing', a random claim token, a lease)
 * in one short transaction, signs outside any transaction, then writes the usage record,
 * the sealed copy and the item's 'done' in one transaction that checks the item still
 * carries its token. A worker killed before that commit leaves the item claimed and
 * nothing recorded: the next worker takes the item once the lease has run out (or at
 * once when told the worker is gone) and signs it again; only the commit of the
 * current holder of the claim can succeed. PostgreSQL workers skip each other's locked
 * rows (FOR UPDATE SKIP LOCKED); SQLite serialises the claim under BEGIN IMMEDIATE.
 */
#include "es_int.h"
#include "batch_int.h"
#include "estime.h"
#include "text.h"
#include "eseal/es_crypto.h"
#include "eseal/es_seal.h"
#include <jansson.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static const char *const place_names[] = { "position", "keyword", "riding" };

int es_job_manifest(uint8_t out[32], const es_job_doc *docs, size_t n)
{
	ES_ASSERT_ARG(out && (docs || n == 0));
	es_sm3_ctx *h = NULL;
	uint8_t d[32];
	int err = es_sm3_new(&h);
	for (size_t i = 0; i < n && err == 0; i++)
		if ((err = es_sm3(d, docs[i].doc ? docs[i].doc : (const uint8_t *)"", docs[i].len)) == 0)
			err = es_sm3_update(h, d, 32);
	if (err == 0)
		err = es_sm3_final(h, out);
	es_sm3_free(h);
	return err;
}

/* An item's name: a file name for the results zip (no folders, no control characters). */
static int check_item_name(const char *name, size_t i)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > ES_JOB_MAX_NAME)
		return es_error_set(ES_EINVAL, "document %zu: a name of 1 to %d bytes is needed", i + 1, ES_JOB_MAX_NAME);
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strpbrk(name, "/\\"))
		return es_error_set(ES_EINVAL, "document %zu: the name is a file name, without folders", i + 1);
	if (es_text_check_name("document name", name, ES_JOB_MAX_NAME, true) < 0)
		return es_error_set(ES_EINVAL, "document %zu: the name must be UTF-8 text without control characters",
				    i + 1);
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Two documents of one job never share a name (they would share a file of the results). */
static int names_unique(const es_job_doc *docs, size_t n)
{
	const char **v = es_calloc(n, sizeof(*v));
	int err = 0;
	if (!v)
		return es_error_set(ES_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		v[i] = docs[i].name;
	qsort(v, n, sizeof(*v), name_cmp);
	for (size_t i = 1; i < n && err == 0; i++)
		if (strcmp(v[i - 1], v[i]) == 0)
			err = es_error_set(ES_EINVAL, "two documents are named '%s': each name once", v[i]);
	es_free(v);
	return err;
}

static int64_t um(double mm)
{
	return (int64_t)(mm * 1000.0 + (mm >= 0 ? 0.5 : -0.5));
}

/* ---- the job row ------------------------------------------------------------------------------- */

typedef struct job_row {
	int64_t id, owner, request, total, page;
	char esid[15], state[12], place[12];
	uint8_t manifest[32];
	int64_t x, y, w, h;
	char keyword[257], reason[513];
	es_time created, started, finished, purged;
} job_row;

#define JOB_COLS                                                                                               \
	"id, owner, esid, request_id, manifest, state, place, page, x_um, y_um, w_um, h_um, keyword, reason, total, " \
	"created_at, started_at, finished_at, purged_at"

static int job_row_fn(void *vctx, const es_sval *c, size_t n)
{
	job_row *r = vctx;
	if (n < 19)
		return es_error_set(ES_EDB, "jobs: short row");
	r->id = c[0].i;
	r->owner = c[1].i;
	es_platform__copy(r->esid, sizeof(r->esid), &c[2]);
	r->request = c[3].type == ES_SV_INT ? c[3].i : 0;
	if (c[4].type == ES_SV_BLOB && c[4].len == 32)
		memcpy(r->manifest, c[4].b, 32);
	es_platform__copy(r->state, sizeof(r->state), &c[5]);
	es_platform__copy(r->place, sizeof(r->place), &c[6]);
	r->page = c[7].i;
	r->x = c[8].i;
	r->y = c[9].i;
	r->w = c[10].i;
	r->h = c[11].i;
	es_platform__copy(r->keyword, sizeof(r->keyword), &c[12]);
	es_platform__copy(r->reason, sizeof(r->reason), &c[13]);
	r->total = c[14].i;
	r->created = c[15].i;
	r->started = c[16].type == ES_SV_INT ? c[16].i : 0;
	r->finished = c[17].type == ES_SV_INT ? c[17].i : 0;
	r->purged = c[18].type == ES_SV_INT ? c[18].i : 0;
	return 1;
}

static int job_load(es_platform *p, int64_t job, job_row *r, bool lock)
{
	memset(r, 0, sizeof(*r));
	r->id = -1;
	es_sval pv[1] = { ES_SV_I(job) };
	bool pg = strcmp(es_store_backend(p->st), "postgres") == 0;
	int err = es_store_exec(p->st,
				lock && pg ? "SELECT " JOB_COLS " FROM jobs WHERE id = ? FOR UPDATE"
					   : "SELECT " JOB_COLS " FROM jobs WHERE id = ?",
				pv, 1, job_row_fn, r, NULL);
	if (err < 0)
		return err;
	if (r->id != job)
		return es_error_set(ES_ENOTFOUND, "no job %lld", (long long)job);
	return 0;
}

/* The owner, else an account allowed ES_ACT_JOBS (audited when refused). */
static int owner_or_jobs(es_platform *p, int64_t actor, const job_row *r)
{
	if (actor >= 0 && actor == r->owner && actor != ES_ACCOUNT_SYSTEM)
		return 0;
	return es_platform__authorize(p, actor, ES_ACT_JOBS, -1, NULL);
}

static void job_options(const job_row *r, es_seal_document_options *o)
{
	es_seal_document_options z = ES_SEAL_DOCUMENT_OPTIONS_INIT;
	*o = z;
	o->esid = r->esid;
	o->place = strcmp(r->place, "keyword") == 0  ? ES_DOC_PLACE_KEYWORD
		   : strcmp(r->place, "riding") == 0 ? ES_DOC_PLACE_RIDING
						     : ES_DOC_PLACE_POSITION;
	o->page = (unsigned)r->page;
	o->x_mm = (double)r->x / 1000.0;
	o->y_mm = (double)r->y / 1000.0;
	o->w_mm = (double)r->w / 1000.0;
	o->h_mm = (double)r->h / 1000.0;
	o->keyword = r->keyword[0] ? r->keyword : NULL;
	o->reason = r->reason[0] ? r->reason : NULL;
}

/* ---- create and authorise ---------------------------------------------------------------------- */

typedef struct create_ctx {
	int64_t actor;
	const es_job_options *o;
	const es_job_doc *docs;
	size_t n;
	const uint8_t *manifest;
	const uint8_t (*hashes)[32];
	int64_t id;
} create_ctx;

static int bind_request(es_platform *p, int64_t actor, const job_row *r, int64_t request)
{
	char detail[160], mh[65];
	int err;
	if (r->request)
		return es_error_set(ES_ESTATE, "job %lld already runs under use request %lld", (long long)r->id,
				    (long long)r->request);
	if (strcmp(r->state, "queued") != 0)
		return es_error_set(ES_ESTATE, "job %lld is %s: only a queued job is authorised", (long long)r->id, r->state);
	if ((err = es_platform__request_covers(p, request, r->esid, r->manifest)) < 0) {
		if (err == ES_EDENIED)
			es_error_set(ES_EDENIED, "use request %lld does not cover seal %s and this job's manifest: file a use "
						 "request for the manifest of job %lld",
				     (long long)request, r->esid, (long long)r->id);
		return err;
	}
	if ((err = es_platform__request_use(p, request, r->esid)) < 0)
		return err;
	es_sval pv[2] = { ES_SV_I(request), ES_SV_I(r->id) };
	if ((err = es_store_exec(p->st, "UPDATE jobs SET request_id = ? WHERE id = ?", pv, 2, NULL, NULL, NULL)) < 0)
		return err;
	es_hex(mh, r->manifest, 32);
	snprintf(detail, sizeof(detail), "job %lld under use request %lld (manifest %s)", (long long)r->id,
		 (long long)request, mh);
	return es_platform__audit(p, actor, "job-authorise", "seal", r->esid, detail, NULL);
}

static int create_tx(es_platform *p, void *vctx)
{
	create_ctx *c = vctx;
	const es_job_options *o = c->o;
	char detail[200], mh[65];
	int err;
	if ((err = es_platform__use_check(p, c->actor, o->esid)) < 0 || (err = es_platform__seal_usable(p, o->esid, NULL)) < 0)
		return err;
	{
		int64_t dev = 0;
		es_sval pv[1] = { ES_SV_S(o->esid) };
		if ((err = es_store_int(p->st, &dev, "SELECT COUNT(*) FROM tokens WHERE esid = ? AND kind = 'device'", pv,
					1)) < 0)
			return err;
		if (dev)
			return es_error_set(ES_EDENIED, "seal %s is a device seal: its key never enters the platform, so the "
							"platform cannot run a batch job with it",
					    o->esid);
	}
	if ((err = es_store_next(p->st, &c->id, "job")) < 0)
		return err;
	es_time now = es_platform__now(p);
	es_sval jv[15] = { ES_SV_I(c->id),
			   ES_SV_I(c->actor),
			   ES_SV_S(o->esid),
			   ES_SV_B(c->manifest, 32),
			   ES_SV_S(place_names[o->place]),
			   ES_SV_I(o->page),
			   ES_SV_I(um(o->x_mm)),
			   ES_SV_I(um(o->y_mm)),
			   ES_SV_I(um(o->w_mm)),
			   ES_SV_I(um(o->h_mm)),
			   ES_SV_S(o->keyword),
			   ES_SV_S(o->reason),
			   ES_SV_I(c->n),
			   ES_SV_I(now),
			   ES_SV_NUL };
	if ((err = es_store_exec(p->st,
				 "INSERT INTO jobs (id, owner, esid, manifest, state, place, page, x_um, y_um, w_um, h_um, "
				 "keyword, reason, total, created_at) VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				 jv, 14, NULL, NULL, NULL)) < 0)
		return err;
	for (size_t i = 0; i < c->n; i++) {
		es_sval iv[5] = { ES_SV_I(c->id), ES_SV_I(i + 1), ES_SV_S(c->docs[i].name),
				  ES_SV_B(c->docs[i].doc ? c->docs[i].doc : (const uint8_t *)"", c->docs[i].len),
				  ES_SV_B(c->hashes[i], 32) };
		if ((err = es_store_exec(p->st,
					 "INSERT INTO job_items (job_id, seq, name, doc, doc_hash, state, attempts) "
					 "VALUES (?, ?, ?, ?, ?, 'pending', 0)",
					 iv, 5, NULL, NULL, NULL)) < 0)
			return err;
	}
	es_hex(mh, c->manifest, 32);
	snprintf(detail, sizeof(detail), "job %lld: %zu documents, %s placement, manifest %s", (long long)c->id, c->n,
		 place_names[o->place], mh);
	if ((err = es_platform__audit(p, c->actor, "job-create", "seal", o->esid, detail, NULL)) < 0)
		return err;
	if (o->request) {
		job_row r;
		if ((err = job_load(p, c->id, &r, false)) < 0)
			return err;
		return bind_request(p, c->actor, &r, o->request);
	}
	return 0;
}

int es_platform_job_create(es_platform *p, const es_actor *who, const es_job_options *o, const es_job_doc *docs, size_t n,
			   int64_t *job, uint8_t manifest[32])
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && o && (docs || n == 0));
	uint8_t (*hashes)[32] = NULL;
	uint8_t mf[32];
	size_t total = 0;
	int err;
	if (o->version != ES_JOB_OPTIONS_VERSION)
		return es_error_set(ES_EINVAL, "job: unknown options version %u", o->version);
	if (!o->esid || es_esid_check(o->esid) < 0)
		return es_error_set(ES_EINVAL, "job: the seal is named by its 14-digit esID");
	if ((unsigned)o->place > ES_DOC_PLACE_RIDING)
		return es_error_set(ES_EINVAL, "job: placement is position, keyword or riding");
	if (o->place == ES_DOC_PLACE_KEYWORD && (!o->keyword || !o->keyword[0] || strlen(o->keyword) > 256))
		return es_error_set(ES_EINVAL, "job: keyword placement needs a keyword of 1 to 256 bytes");
	if (o->keyword && strlen(o->keyword) > 256)
		return es_error_set(ES_EINVAL, "job: the keyword has at most 256 bytes");
	if (o->page > 100000 || !(o->x_mm >= 0 && o->x_mm <= 5000 && o->y_mm >= 0 && o->y_mm <= 5000 && o->w_mm >= 0 &&
				  o->w_mm <= 1000 && o->h_mm >= 0 && o->h_mm <= 1000))
		return es_error_set(ES_EINVAL, "job: page up to 100000, position 0 to 5000 mm, size 0 to 1000 mm");
	if (o->reason && strlen(o->reason) > 512)
		return es_error_set(ES_EINVAL, "job: the reason has at most 512 bytes");
	if (o->request < 0)
		return es_error_set(ES_EINVAL, "job: a use request id is positive");
	if (n == 0 || n > ES_JOB_MAX_ITEMS)
		return es_error_set(ES_ELIMIT, "a job has 1 to %d documents (this one: %zu)", ES_JOB_MAX_ITEMS, n);
	for (size_t i = 0; i < n; i++) {
		if ((err = check_item_name(docs[i].name, i)) < 0)
			return err;
		if (!docs[i].doc && docs[i].len)
			return es_error_set(ES_EINVAL, "document %zu has no bytes", i + 1);
		if (docs[i].len > ES_JOB_MAX_DOC)
			return es_error_set(ES_ELIMIT, "document %zu (%s) is larger than %zu MiB", i + 1, docs[i].name,
					    ES_JOB_MAX_DOC >> 20);
		total += docs[i].len;
		if (total > ES_JOB_MAX_TOTAL)
			return es_error_set(ES_ELIMIT, "the documents of a job add up to at most %zu MiB: split it",
					    ES_JOB_MAX_TOTAL >> 20);
	}
	if ((err = names_unique(docs, n)) < 0)
		return err;
	/* the role first (audited by the role table) */
	if ((err = es_platform__authorize(p, actor, ES_ACT_SEAL_USE, -1, NULL)) < 0)
		return err;
	if (!(hashes = es_calloc(n, sizeof(*hashes))))
		return es_error_set(ES_ENOMEM, "out of memory");
	for (size_t i = 0; i < n && err == 0; i++)
		err = es_sm3(hashes[i], docs[i].doc ? docs[i].doc : (const uint8_t *)"", docs[i].len);
	if (err == 0)
		err = es_job_manifest(mf, docs, n);
	if (err == 0) {
		create_ctx c = { .actor = actor, .o = o, .docs = docs, .n = n, .manifest = mf,
				 .hashes = (const uint8_t(*)[32])hashes };
		if ((err = es_platform__tx(p, create_tx, &c)) == 0) {
			if (job)
				*job = c.id;
			if (manifest)
				memcpy(manifest, mf, 32);
		}
	}
	es_free(hashes);
	return err;
}

typedef struct auth_ctx {
	int64_t actor, job, request;
} auth_ctx;

static int authorise_tx(es_platform *p, void *vctx)
{
	auth_ctx *c = vctx;
	job_row r;
	int err = job_load(p, c->job, &r, true);
	if (err < 0)
		return err;
	if (c->actor != r.owner)
		return es_error_set(ES_EDENIED, "only the account that made job %lld binds its use request",
				    (long long)c->job);
	return bind_request(p, c->actor, &r, c->request);
}

int es_platform_job_authorise(es_platform *p, const es_actor *who, int64_t job, int64_t request)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p);
	int err;
	if (request <= 0)
		return es_error_set(ES_EINVAL, "which use request? (a positive id)");
	if ((err = es_platform__authorize(p, actor, ES_ACT_SEAL_USE, -1, NULL)) < 0)
		return err;
	auth_ctx c = { actor, job, request };
	return es_platform__tx(p, authorise_tx, &c);
}

/* ---- claims ------------------------------------------------------------------------------------ */

static int state_row(void *vctx, const es_sval *c, size_t n)
{
	if (n >= 1)
		es_platform__copy(vctx, 12, &c[0]);
	return 1;
}

int es_platform__job_claim_check(es_platform *p, const es_job_claim *c)
{
	char state[12] = "";
	int64_t n = 0;
	es_sval jv[1] = { ES_SV_I(c->job) };
	int err = es_store_exec(p->st, "SELECT state FROM jobs WHERE id = ?", jv, 1, state_row, state, NULL);
	if (err < 0)
		return err;
	if (strcmp(state, "cancelled") == 0)
		return es_error_set(ES_ESTATE, "job %lld was cancelled", (long long)c->job);
	es_sval pv[3] = { ES_SV_I(c->job), ES_SV_I(c->seq), ES_SV_S(c->token) };
	if ((err = es_store_int(p->st, &n,
				"SELECT COUNT(*) FROM job_items WHERE job_id = ? AND seq = ? AND state = 'sealing' AND claim = ?",
				pv, 3)) < 0)
		return err;
	if (n != 1)
		return es_error_set(ES_ECONFLICT, "job %lld item %lld was taken over by another worker", (long long)c->job,
				    (long long)c->seq);
	return 0;
}

int es_platform__job_claim_done(es_platform *p, const es_job_claim *c, int64_t usage, const uint8_t *sealed, size_t len,
				const uint8_t out_sm3[32])
{
	int64_t changes = 0;
	es_sval pv[7] = { ES_SV_B(sealed, len), ES_SV_B(out_sm3, 32), ES_SV_I(usage), ES_SV_I(es_platform__now(p)),
			  ES_SV_I(c->job),      ES_SV_I(c->seq),        ES_SV_S(c->token) };
	int err = es_store_exec(p->st,
				"UPDATE job_items SET state = 'done', sealed = ?, out_hash = ?, usage_id = ?, finished_at = ?, "
				"claim = NULL, lease_until = NULL WHERE job_id = ? AND seq = ? AND state = 'sealing' AND claim = ?",
				pv, 7, NULL, NULL, &changes);
	if (err == 0 && changes != 1)
		err = es_error_set(ES_ECONFLICT, "job %lld item %lld was taken over by another worker", (long long)c->job,
				   (long long)c->seq);
	return err;
}

typedef struct claim_ctx {
	int64_t actor;
	const job_row *job;
	const char *token;
	bool reclaim;
	unsigned lease;
	int64_t seq; /* 0: nothing left */
	bool started;
} claim_ctx;

static int seq_row(void *vctx, const es_sval *c, size_t n)
{
	if (n >= 1 && c[0].type == ES_SV_INT)
		*(int64_t *)vctx = c[0].i;
	return 1;
}

static int claim_tx(es_platform *p, void *vctx)
{
	claim_ctx *c = vctx;
	job_row r;
	int err;
	c->seq = 0;
	c->started = false;
	if ((err = job_load(p, c->job->id, &r, false)) < 0)
		return err;
	if (strcmp(r.state, "queued") != 0 && strcmp(r.state, "running") != 0)
		return 0;
	es_time now = es_platform__now(p);
	bool pg = strcmp(es_store_backend(p->st), "postgres") == 0;
	/* one statement: pick the first free item (PostgreSQL: skipping rows other workers hold) and take it */
	es_sval pv[8] = { ES_SV_S(c->token), ES_SV_I(now + (int64_t)c->lease), ES_SV_I(r.id),     ES_SV_I(r.id),
			  ES_SV_I(now),      ES_SV_I(c->reclaim ? 1 : 0),     ES_SV_S(c->token), ES_SV_NUL };
	if ((err = es_store_exec(p->st,
				 pg ? "UPDATE job_items SET state = 'sealing', claim = ?, lease_until = ?, attempts = attempts + 1 "
				      "WHERE job_id = ? AND seq = (SELECT seq FROM job_items WHERE job_id = ? AND (state = "
				      "'pending' OR (state = 'sealing' AND (lease_until <= ? OR (? = 1 AND claim <> ?)))) "
				      "ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING seq"
				    : "UPDATE job_items SET state = 'sealing', claim = ?, lease_until = ?, attempts = attempts + 1 "
				      "WHERE job_id = ? AND seq = (SELECT seq FROM job_items WHERE job_id = ? AND (state = "
				      "'pending' OR (state = 'sealing' AND (lease_until <= ? OR (? = 1 AND claim <> ?)))) "
				      "ORDER BY seq LIMIT 1) RETURNING seq",
				 pv, 7, seq_row, &c->seq, NULL)) < 0)
		return err;
	if (c->seq > 0 && strcmp(r.state, "queued") == 0) {
		char detail[96];
		es_sval sv[2] = { ES_SV_I(now), ES_SV_I(r.id) };
		int64_t changes = 0;
		if ((err = es_store_exec(p->st,
					 "UPDATE jobs SET state = 'running', started_at = ? WHERE id = ? AND state = 'queued'", sv,
					 2, NULL, NULL, &changes)) < 0)
			return err;
		if (changes == 1) {
			snprintf(detail, sizeof(detail), "job %lld started", (long long)r.id);
			if ((err = es_platform__audit(p, c->actor, "job-start", "seal", r.esid, detail, NULL)) < 0)
				return err;
		}
	}
	return 0;
}

/* Nothing left to claim: the job ends (once, whichever worker sees it first). */
static int finish_tx(es_platform *p, void *vctx)
{
	claim_ctx *c = vctx;
	int64_t open = 0, done = 0, changes = 0;
	char detail[128];
	es_sval pv[1] = { ES_SV_I(c->job->id) };
	int err = es_store_int(p->st, &open,
			       "SELECT COUNT(*) FROM job_items WHERE job_id = ? AND state IN ('pending', 'sealing')", pv, 1);
	if (err < 0 || open > 0)
		return err;
	if ((err = es_store_int(p->st, &done, "SELECT COUNT(*) FROM job_items WHERE job_id = ? AND state = 'done'", pv,
				1)) < 0)
		return err;
	const char *to = done > 0 ? "done" : "failed";
	es_sval uv[3] = { ES_SV_S(to), ES_SV_I(es_platform__now(p)), ES_SV_I(c->job->id) };
	if ((err = es_store_exec(p->st,
				 "UPDATE jobs SET state = ?, finished_at = ? WHERE id = ? AND state IN ('queued', 'running')", uv,
				 3, NULL, NULL, &changes)) < 0 ||
	    changes != 1)
		return err;
	snprintf(detail, sizeof(detail), "job %lld %s: %lld of %lld sealed", (long long)c->job->id, to, (long long)done,
		 (long long)c->job->total);
	if ((err = es_platform__audit(p, c->actor, "job-finish", "seal", c->job->esid, detail, NULL)) < 0)
		return err;
	/* subscribers of the seal's unit hear of it (webhooks.c) */
	int64_t unit = 0;
	es_sval sv[1] = { ES_SV_S(c->job->esid) };
	if ((err = es_store_int(p->st, &unit, "SELECT COALESCE(unit_id, 0) FROM seals WHERE esid = ?", sv, 1)) < 0)
		return err;
	char ids[24];
	snprintf(ids, sizeof(ids), "%lld", (long long)c->job->id);
	json_t *d = json_pack("{s:s, s:s, s:I, s:I, s:I}", "esid", c->job->esid, "state", to, "total",
			      (json_int_t)c->job->total, "done", (json_int_t)done, "failed",
			      (json_int_t)(c->job->total - done));
	if (!d)
		return es_error_set(ES_ENOMEM, "out of memory");
	err = es_platform__webhook_event(p, "job.finished", unit, ids, d);
	json_decref(d);
	return err;
}

typedef struct item_end_ctx {
	int64_t actor;
	const job_row *job;
	const es_job_claim *claim;
	const char *error; /* NULL: hand the item back */
} item_end_ctx;

static int item_end_tx(es_platform *p, void *vctx)
{
	item_end_ctx *c = vctx;
	int64_t changes = 0;
	int err;
	if (!c->error) {
		es_sval pv[3] = { ES_SV_I(c->claim->job), ES_SV_I(c->claim->seq), ES_SV_S(c->claim->token) };
		return es_store_exec(p->st,
				     "UPDATE job_items SET state = 'pending', claim = NULL, lease_until = NULL WHERE job_id = ? "
				     "AND seq = ? AND state = 'sealing' AND claim = ?",
				     pv, 3, NULL, NULL, NULL);
	}
	es_sval pv[5] = { ES_SV_S(c->error), ES_SV_I(es_platform__now(p)), ES_SV_I(c->claim->job), ES_SV_I(c->claim->seq),
			  ES_SV_S(c->claim->token) };
	if ((err = es_store_exec(p->st,
				 "UPDATE job_items SET state = 'failed', error = ?, finished_at = ?, claim = NULL, lease_until "
				 "= NULL WHERE job_id = ? AND seq = ? AND state = 'sealing' AND claim = ?",
				 pv, 5, NULL, NULL, &changes)) < 0 ||
	    changes != 1)
		return err;
	char detail[400];
	snprintf(detail, sizeof(detail), "job %lld item %lld failed: %s", (long long)c->claim->job, (long long)c->claim->seq,
		 c->error);
	return es_platform__audit(p, c->actor, "job-item-failed", "seal", c->job->esid, detail, NULL);
}

/*
 * A test build only (ES_TEST_FAULTS): $ESEAL_TEST_JOB_ITEM_MS holds each claimed item that
 * many milliseconds before it is sealed, so a test can kill a worker with -9 while it holds
 * a claim, whatever the machine's speed. $ESEAL_TEST_JOB_GATE names a file: while it exists,
 * each claimed item waits (ten minutes at most), so a test holds a run where it wants it and
 * lets it go by removing the file. A release build has no such pause.
 */
static void test_pause_after_claim(void)
{
#ifdef ES_TEST_FAULTS
	const char *ms = getenv("ESEAL_TEST_JOB_ITEM_MS");
	long v = ms ? strtol(ms, NULL, 10) : 0;
	if (v > 0 && v <= 10000) {
		struct timespec ts = { v / 1000, (v % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
	const char *gate = getenv("ESEAL_TEST_JOB_GATE");
	for (int i = 0; gate && *gate && i < 30000 && access(gate, F_OK) == 0; i++) {
		struct timespec ts = { 0, 20 * 1000000L };
		nanosleep(&ts, NULL);
	}
#endif
}

int es_platform_job_run(es_platform *p, const es_actor *who, int64_t job, const char *pin, bool reclaim,
			es_job_run_result *res)
{
	es_job_run_options o = ES_JOB_RUN_OPTIONS_INIT;
	o.pin = pin;
	o.reclaim = reclaim;
	return es_platform_job_run_with(p, who, job, &o, res);
}

int es_platform_job_run_with(es_platform *p, const es_actor *who, int64_t job, const es_job_run_options *ro,
			     es_job_run_result *res)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && ro);
	job_row r;
	es_job_claim claim;
	uint8_t rnd[16];
	unsigned sealed = 0, failed = 0, claims = 0;
	int err;
	if (res)
		memset(res, 0, sizeof(*res));
	if (ro->version != ES_JOB_RUN_OPTIONS_VERSION)
		return es_error_set(ES_EINVAL, "job run: unknown options version %u", ro->version);
	if (ro->lease_s && (ro->lease_s < ES_JOB_LEASE_MIN || ro->lease_s > ES_JOB_LEASE_MAX))
		return es_error_set(ES_EINVAL, "job run: a lease of %d to %d seconds", ES_JOB_LEASE_MIN, ES_JOB_LEASE_MAX);
	const char *pin = ro->pin;
	bool reclaim = ro->reclaim;
	if ((err = job_load(p, job, &r, false)) < 0 || (err = owner_or_jobs(p, actor, &r)) < 0)
		return err;
	if (strcmp(r.state, "queued") == 0 && !r.request)
		return es_error_set(ES_ESTATE, "job %lld has no use request yet: file one for its manifest and bind it "
					       "(eseal platform job authorise)",
				    (long long)job);
	if ((err = es_random(rnd, sizeof(rnd))) < 0)
		return err;
	memset(&claim, 0, sizeof(claim));
	claim.job = job;
	claim.request = r.request;
	es_hex(claim.token, rnd, sizeof(rnd));
	es_seal_document_options o;
	job_options(&r, &o);
	o.pin = pin;
	for (;;) {
		if (ro->max_items && claims == ro->max_items)
			break; /* the slice is over: the job goes on at the next call */
		claim_ctx cc = { .actor = actor, .job = &r, .token = claim.token, .reclaim = reclaim,
				 .lease = ro->lease_s ? ro->lease_s : ES_JOB_LEASE };
		if ((err = es_platform__tx(p, claim_tx, &cc)) < 0)
			break;
		if (cc.seq == 0) {
			err = es_platform__tx(p, finish_tx, &cc);
			break;
		}
		claim.seq = cc.seq;
		claims++;
		test_pause_after_claim();
		es_buf doc = ES_BUF_INIT, out;
		es_buf_init(&out, ES_JOB_MAX_DOC + ((size_t)8 << 20));
		es_sval pv[2] = { ES_SV_I(job), ES_SV_I(claim.seq) };
		bool fault = false;
		/* a claimed item without its row seals nothing: an empty document, refused as such */
		err = es_store_blob(p->st, &doc, "SELECT doc FROM job_items WHERE job_id = ? AND seq = ?", pv, 2);
		if (err == ES_ENOTFOUND)
			err = 0;
		if (err == 0)
			err = es_platform__seal_job_item(p, r.owner, &o, doc.ptr, doc.len, &claim, &out, &fault);
		es_buf_release(&doc);
		es_buf_release(&out);
		if (err == 0) {
			sealed++;
			continue;
		}
		if (err == ES_ECONFLICT) {
			/* another worker took the item over (reclaim): its commit counts, not ours */
			es_error_clear();
			err = 0;
			continue;
		}
		char msg[256];
		es_text_copy(msg, sizeof(msg), es_error_last()->message);
		es_error saved = *es_error_last();
		item_end_ctx ec = { actor, &r, &claim, fault ? msg : NULL };
		int e2 = es_platform__tx(p, item_end_tx, &ec);
		if (fault && e2 == 0) {
			failed++;
			err = 0;
			continue;
		}
		if (e2 < 0)
			es_error_clear();
		es_error_set(saved.code, "job %lld item %lld: %s", (long long)job, (long long)claim.seq, saved.message);
		break;
	}
	if (res) {
		res->sealed = sealed;
		res->failed = failed;
		job_row now;
		if (job_load(p, job, &now, false) == 0)
			snprintf(res->state, sizeof(res->state), "%s", now.state);
	}
	es_wipe(claim.token, sizeof(claim.token));
	return err;
}

/* ---- cancel and read --------------------------------------------------------------------------- */

typedef struct cancel_ctx {
	int64_t actor, job;
} cancel_ctx;

static int cancel_tx(es_platform *p, void *vctx)
{
	cancel_ctx *c = vctx;
	job_row r;
	int64_t n = 0;
	char detail[128];
	int err = job_load(p, c->job, &r, true);
	if (err < 0 || (err = owner_or_jobs(p, c->actor, &r)) < 0)
		return err;
	if (strcmp(r.state, "queued") != 0 && strcmp(r.state, "running") != 0)
		return es_error_set(ES_ESTATE, "job %lld is %s: only a queued or running job is cancelled", (long long)c->job,
				    r.state);
	es_time now = es_platform__now(p);
	es_sval pv[2] = { ES_SV_I(now), ES_SV_I(c->job) };
	if ((err = es_store_exec(p->st,
				 "UPDATE job_items SET state = 'cancelled', finished_at = ?, claim = NULL, lease_until = NULL "
				 "WHERE job_id = ? AND state IN ('pending', 'sealing')",
				 pv, 2, NULL, NULL, &n)) < 0 ||
	    (err = es_store_exec(p->st, "UPDATE jobs SET state = 'cancelled', finished_at = ? WHERE id = ?", pv, 2, NULL,
				 NULL, NULL)) < 0)
		return err;
	snprintf(detail, sizeof(detail), "job %lld cancelled: %lld documents not sealed", (long long)c->job, (long long)n);
	return es_platform__audit(p, c->actor, "job-cancel", "seal", r.esid, detail, NULL);
}

int es_platform_job_cancel(es_platform *p, const es_actor *who, int64_t job)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p);
	cancel_ctx c = { actor, job };
	return es_platform__tx(p, cancel_tx, &c);
}

typedef struct count_ctx {
	es_job_info *o;
} count_ctx;

static int count_row(void *vctx, const es_sval *c, size_t n)
{
	es_job_info *o = vctx;
	if (n < 2 || c[0].type != ES_SV_TEXT)
		return 0;
	int64_t v = c[1].i;
	if (strcmp(c[0].s, "pending") == 0)
		o->pending = v;
	else if (strcmp(c[0].s, "sealing") == 0)
		o->sealing = v;
	else if (strcmp(c[0].s, "done") == 0)
		o->done = v;
	else if (strcmp(c[0].s, "failed") == 0)
		o->failed = v;
	else if (strcmp(c[0].s, "cancelled") == 0)
		o->cancelled = v;
	return 0;
}

static int purged_error(const job_row *r)
{
	char at[32];
	es_time_iso(at, r->purged);
	return es_error_set(ES_ESTATE, "job %lld was purged at %s (its retention ran out): its documents and sealed "
				       "copies are gone; its results and usage records remain",
			    (long long)r->id, at);
}

static int reader(es_platform *p, int64_t actor, int64_t job, job_row *r)
{
	int err = job_load(p, job, r, false);
	if (err < 0)
		return err;
	return owner_or_jobs(p, actor, r);
}

int es_platform_job_get(es_platform *p, const es_actor *who, int64_t job, es_job_info *out)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && out);
	job_row r;
	memset(out, 0, sizeof(*out));
	int err = reader(p, actor, job, &r);
	if (err < 0)
		return err;
	out->id = r.id;
	out->owner = r.owner;
	snprintf(out->esid, sizeof(out->esid), "%s", r.esid);
	out->request = r.request;
	memcpy(out->manifest, r.manifest, 32);
	snprintf(out->state, sizeof(out->state), "%s", r.state);
	out->total = r.total;
	out->created_at = r.created;
	out->started_at = r.started;
	out->finished_at = r.finished;
	out->purged_at = r.purged;
	es_sval pv[1] = { ES_SV_I(job) };
	return es_store_exec(p->st, "SELECT state, COUNT(*) FROM job_items WHERE job_id = ? GROUP BY state", pv, 1,
			     count_row, out, NULL);
}

typedef struct item_ctx {
	es_job_item *it;
	es_buf *sealed;
	bool found;
} item_ctx;

static int item_row(void *vctx, const es_sval *c, size_t n)
{
	item_ctx *x = vctx;
	es_job_item *it = x->it;
	if (n < 9)
		return es_error_set(ES_EDB, "job_items: short row");
	x->found = true;
	it->seq = c[0].i;
	es_platform__copy(it->name, sizeof(it->name), &c[1]);
	es_platform__copy(it->state, sizeof(it->state), &c[2]);
	if (c[3].type == ES_SV_BLOB && c[3].len == 32)
		memcpy(it->in_sm3, c[3].b, 32);
	if (c[4].type == ES_SV_BLOB && c[4].len == 32)
		memcpy(it->out_sm3, c[4].b, 32);
	it->usage_id = c[5].type == ES_SV_INT ? c[5].i : 0;
	it->attempts = c[6].i;
	es_platform__copy(it->error, sizeof(it->error), &c[7]);
	if (x->sealed && c[8].type == ES_SV_BLOB && c[8].len && es_buf_put(x->sealed, c[8].b, c[8].len) < 0)
		return ES_ENOMEM;
	return 0;
}

int es_platform_job_item(es_platform *p, const es_actor *who, int64_t job, int64_t seq, es_job_item *out, es_buf *sealed)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && out);
	job_row r;
	memset(out, 0, sizeof(*out));
	int err = reader(p, actor, job, &r);
	if (err < 0)
		return err;
	if (sealed && r.purged)
		return purged_error(&r);
	item_ctx x = { out, sealed, false };
	es_sval pv[2] = { ES_SV_I(job), ES_SV_I(seq) };
	if ((err = es_store_exec(p->st,
				 sealed ? "SELECT seq, name, state, doc_hash, out_hash, usage_id, attempts, error, sealed FROM "
					  "job_items WHERE job_id = ? AND seq = ?"
					: "SELECT seq, name, state, doc_hash, out_hash, usage_id, attempts, error, NULL FROM "
					  "job_items WHERE job_id = ? AND seq = ?",
				 pv, 2, item_row, &x, NULL)) < 0)
		return err;
	if (!x.found)
		return es_error_set(ES_ENOTFOUND, "job %lld has no item %lld", (long long)job, (long long)seq);
	return 0;
}

static void iso_or_null(json_t *o, const char *key, es_time t)
{
	char b[32];
	if (!t) {
		json_object_set_new(o, key, json_null());
		return;
	}
	es_time_iso(b, t);
	json_object_set_new(o, key, json_string(b));
}

typedef struct json_items {
	json_t *arr;
} json_items;

static int json_item_row(void *vctx, const es_sval *c, size_t n)
{
	json_items *x = vctx;
	es_job_item it;
	item_ctx ic = { &it, NULL, false };
	char hi[65] = "", ho[65] = "";
	memset(&it, 0, sizeof(it));
	int err = item_row(&ic, c, n);
	if (err < 0)
		return err;
	es_hex(hi, it.in_sm3, 32);
	bool done = strcmp(it.state, "done") == 0;
	if (done)
		es_hex(ho, it.out_sm3, 32);
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:I}", "seq", (json_int_t)it.seq, "name", it.name, "state", it.state,
			      "in_sm3", hi, "attempts", (json_int_t)it.attempts);
	if (!o)
		return es_error_set(ES_ENOMEM, "out of memory");
	json_object_set_new(o, "out_sm3", done ? json_string(ho) : json_null());
	json_object_set_new(o, "usage", done ? json_integer(it.usage_id) : json_null());
	json_object_set_new(o, "error", it.error[0] ? json_string(it.error) : json_null());
	return json_array_append_new(x->arr, o) < 0 ? es_error_set(ES_ENOMEM, "out of memory") : 0;
}

int es_platform_job_json(es_platform *p, const es_actor *who, int64_t job, es_buf *json)
{
	ES_ASSERT_ARG(p && json);
	es_job_info j;
	char mh[65];
	int err = es_platform_job_get(p, who, job, &j);
	if (err < 0)
		return err;
	es_hex(mh, j.manifest, 32);
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "id", (json_int_t)j.id,
			      "esid", j.esid, "state", j.state, "manifest_sm3", mh, "owner", (json_int_t)j.owner, "total",
			      (json_int_t)j.total, "pending", (json_int_t)j.pending, "sealing", (json_int_t)j.sealing, "done",
			      (json_int_t)j.done, "failed", (json_int_t)j.failed, "cancelled", (json_int_t)j.cancelled,
			      "finished", (json_int_t)(j.done + j.failed + j.cancelled));
	json_items x = { json_array() };
	if (!o || !x.arr) {
		json_decref(o);
		json_decref(x.arr);
		return es_error_set(ES_ENOMEM, "out of memory");
	}
	json_object_set_new(o, "use_request", j.request ? json_integer(j.request) : json_null());
	iso_or_null(o, "created_at", j.created_at);
	iso_or_null(o, "started_at", j.started_at);
	iso_or_null(o, "finished_at", j.finished_at);
	iso_or_null(o, "purged_at", j.purged_at);
	es_sval pv[1] = { ES_SV_I(job) };
	err = es_store_exec(p->st,
			    "SELECT seq, name, state, doc_hash, out_hash, usage_id, attempts, error, NULL FROM job_items "
			    "WHERE job_id = ? ORDER BY seq",
			    pv, 1, json_item_row, &x, NULL);
	json_object_set_new(o, "items", x.arr);
	if (err == 0) {
		char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
		err = text ? es_buf_puts(json, text) : es_error_set(ES_ENOMEM, "out of memory");
		free(text);
	}
	json_decref(o);
	return err;
}

/* ---- background workers and retention ------------------------------------------------------------ */

int es_platform_job_next(es_platform *p, const es_actor *who, int64_t after, int64_t *job)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && job);
	int err;
	*job = 0;
	if ((err = es_platform__authorize(p, actor, ES_ACT_JOBS, -1, NULL)) < 0)
		return err;
	es_sval pv[2] = { ES_SV_I(after), ES_SV_I(es_platform__now(p)) };
	return es_store_exec(p->st,
			     "SELECT j.id FROM jobs j WHERE j.state IN ('queued', 'running') AND j.request_id IS NOT NULL "
			     "AND j.id > ? AND NOT EXISTS (SELECT 1 FROM tokens t WHERE t.esid = j.esid AND t.kind IN "
			     "('soft', 'keystore', 'device')) AND EXISTS (SELECT 1 FROM job_items i WHERE i.job_id = j.id AND "
			     "(i.state = 'pending' OR (i.state = 'sealing' AND i.lease_until <= ?))) ORDER BY j.id LIMIT 1",
			     pv, 2, seq_row, job, NULL);
}

typedef struct purge_ctx {
	int64_t actor, job;
	es_time before;
	bool purged;
} purge_ctx;

static int purge_tx(es_platform *p, void *vctx)
{
	purge_ctx *c = vctx;
	job_row r;
	int64_t items = 0, changes = 0;
	char detail[160], at[32];
	int err = job_load(p, c->job, &r, true);
	c->purged = false;
	if (err < 0)
		return err;
	if (r.purged || !r.finished || r.finished > c->before ||
	    (strcmp(r.state, "done") != 0 && strcmp(r.state, "failed") != 0 && strcmp(r.state, "cancelled") != 0))
		return 0; /* another node purged it meanwhile, or it is not due */
	es_time now = es_platform__now(p);
	es_sval iv[2] = { ES_SV_B((const uint8_t *)"", 0), ES_SV_I(c->job) };
	if ((err = es_store_exec(p->st, "UPDATE job_items SET doc = ?, sealed = NULL WHERE job_id = ?", iv, 2, NULL, NULL,
				 &items)) < 0)
		return err;
	es_sval jv[2] = { ES_SV_I(now), ES_SV_I(c->job) };
	if ((err = es_store_exec(p->st, "UPDATE jobs SET purged_at = ? WHERE id = ? AND purged_at IS NULL", jv, 2, NULL, NULL,
				 &changes)) < 0 ||
	    changes != 1)
		return err;
	es_time_iso(at, r.finished);
	snprintf(detail, sizeof(detail), "job %lld purged: %lld documents and their sealed copies removed (%s at %s)",
		 (long long)c->job, (long long)items, r.state, at);
	c->purged = true;
	return es_platform__audit(p, c->actor, "job-purge", "seal", r.esid, detail, NULL);
}

typedef struct id_list {
	int64_t v[64];
	size_t n;
} id_list;

static int id_row(void *vctx, const es_sval *c, size_t n)
{
	id_list *l = vctx;
	if (n >= 1 && c[0].type == ES_SV_INT && l->n < ES_ARRAY_LEN(l->v))
		l->v[l->n++] = c[0].i;
	return 0;
}

int es_platform_job_purge(es_platform *p, const es_actor *who, unsigned days, unsigned *purged)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && purged);
	int err;
	*purged = 0;
	if (days < 1 || days > 36500)
		return es_error_set(ES_EINVAL, "job retention: 1 to 36500 days (got %u)", days);
	if ((err = es_platform__authorize(p, actor, ES_ACT_JOBS, -1, NULL)) < 0)
		return err;
	es_time before = es_platform__now(p) - (es_time)days * 86400;
	int64_t after = 0;
	for (;;) {
		id_list l = { .n = 0 };
		es_sval pv[2] = { ES_SV_I(before), ES_SV_I(after) };
		if ((err = es_store_exec(p->st,
					 "SELECT id FROM jobs WHERE state IN ('done', 'failed', 'cancelled') AND purged_at IS NULL "
					 "AND finished_at <= ? AND id > ? ORDER BY id LIMIT 64",
					 pv, 2, id_row, &l, NULL)) < 0)
			return err;
		for (size_t i = 0; i < l.n; i++) {
			purge_ctx c = { actor, l.v[i], before, false };
			if ((err = es_platform__tx(p, purge_tx, &c)) < 0)
				return err;
			*purged += c.purged;
			after = l.v[i];
		}
		if (l.n < ES_ARRAY_LEN(l.v))
			return 0;
	}
}
