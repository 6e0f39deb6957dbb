/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Peering over HTTP (docs/peering.md; R8 互信互认): a peer's filings in, peers registered
 * by an administrator, their seals listed, their status lists fetched on demand. Each
 * handler reads the request and calls one platform function (es_peers.h): the platform
 * decides who may do what.
 */
#include "server.h"
#include "eseal/es_peers.h"
#include "eseal/es_read.h"
#include <strings.h>

static int reply_buf(es_req *rq, unsigned status, es_buf *b)
{
	return es_reply_text(rq, status, "application/json; charset=utf-8", b->ptr, b->len);
}

static bool is_json(es_req *rq)
{
	const char *type = es_header(rq, "Content-Type");
	return type && strncasecmp(type, "application/json", 16) == 0 && (type[16] == 0 || type[16] == ';');
}

/* POST /api/v1/filings: the body is the filing JSON our own outbox sends (es_filing.h). */
int h_filing_receive(es_req *rq)
{
	es_filing_result r;
	int err;
	if (!is_json(rq)) {
		es_error_set(ES_ENOTSUPPORTED, "send the filing as Content-Type: application/json");
		return 415;
	}
	if ((err = es_platform_filing_receive(rq->p, rq->actor, es_header(rq, "Idempotency-Key"), rq->body.ptr,
					      rq->body.len, &r)) < 0)
		return err;
	json_t *v = json_pack("{s:s, s:I, s:s, s:b, s:b}", "esid", r.esid, "peer", (json_int_t)r.peer, "state", r.state,
			      "duplicate", r.duplicate, "new_seal", r.new_seal);
	err = es_reply_json(rq, r.new_seal ? 201 : 200, v);
	json_decref(v);
	return err;
}

int h_peer_add(es_req *rq)
{
	int64_t id = 0;
	int err;
	if (!is_json(rq)) {
		es_error_set(ES_ENOTSUPPORTED, "send the peer as Content-Type: application/json");
		return 415;
	}
	if ((err = es_platform_peer_add(rq->p, rq->actor, rq->body.ptr, rq->body.len, &id)) < 0)
		return err;
	json_t *v = json_pack("{s:I}", "id", (json_int_t)id);
	err = es_reply_json(rq, 201, v);
	json_decref(v);
	return err;
}

/* GET /api/v1/peers?limit=&after=: a page of peers, by id */
int h_peer_list(es_req *rq)
{
	static const char *const params[] = { "limit", "after", NULL };
	int64_t limit = 0;
	int err;
	if ((err = es_query_known(rq, params)) < 0 || (err = es_query_int(rq, "limit", 1, ES_LIST_LIMIT_MAX, &limit)) < 0)
		return err;
	es_buf b = ES_BUF_INIT;
	if ((err = es_platform_peers_page(rq->p, rq->actor, es_query(rq, "after"), (unsigned)limit, &b)) == 0)
		err = reply_buf(rq, 200, &b);
	es_buf_release(&b);
	return err;
}

int h_peer_remove(es_req *rq)
{
	int64_t id;
	int err;
	if ((err = es_req_id(rq, &id)) < 0 || (err = es_platform_peer_remove(rq->p, rq->actor, id)) < 0)
		return err;
	json_t *v = json_pack("{s:b}", "ok", 1);
	err = es_reply_json(rq, 200, v);
	json_decref(v);
	return err;
}

/* Fetch one peer's status list now, from its configured URL (the body names nothing). */
int h_peer_fetch(es_req *rq)
{
	int64_t id;
	unsigned failed = 0;
	int err;
	if ((err = es_req_id(rq, &id)) < 0)
		return err;
	if ((err = es_platform_peer_fetch(rq->p, id, &failed)) < 0)
		return err;
	es_buf b = ES_BUF_INIT;
	if ((err = es_platform_peers_json(rq->p, rq->actor, &b)) < 0) {
		es_buf_release(&b);
		return err;
	}
	json_t *all = json_loadb((const char *)b.ptr, b.len, 0, NULL), *one = NULL, *p;
	size_t i;
	es_buf_release(&b);
	json_array_foreach(all, i, p)
	{
		if (json_integer_value(json_object_get(p, "id")) == id)
			one = p;
	}
	if (!one) {
		json_decref(all);
		return es_error_set(ES_ENOTFOUND, "no peer %lld", (long long)id);
	}
	err = es_reply_json(rq, failed ? 502 : 200, one);
	json_decref(all);
	return err;
}

/* GET /api/v1/peer-seals?peer=&limit=&after=: a page of filed seals, by esID */
int h_peer_seals(es_req *rq)
{
	static const char *const params[] = { "peer", "limit", "after", NULL };
	int64_t peer = 0, limit = 0;
	int err;
	if ((err = es_query_known(rq, params)) < 0 || (err = es_query_int(rq, "peer", 1, INT64_MAX, &peer)) < 0 ||
	    (err = es_query_int(rq, "limit", 1, ES_LIST_LIMIT_MAX, &limit)) < 0)
		return err;
	es_buf b = ES_BUF_INIT;
	if ((err = es_platform_peer_seals_page(rq->p, rq->actor, peer, es_query(rq, "after"), (unsigned)limit, &b)) == 0)
		err = reply_buf(rq, 200, &b);
	es_buf_release(&b);
	return err;
}

/* ---- OpenAPI ----------------------------------------------------------------------------- */

int es_peer_schemas(json_t *s)
{
	json_t *str = json_pack("{s:s}", "type", "string"), *num = json_pack("{s:s}", "type", "integer");
	json_t *time = json_pack("{s:s, s:s}", "type", "string", "format", "date-time");
	json_t *tnull = json_pack("{s:[s,s], s:s}", "type", "string", "null", "format", "date-time");
	json_t *snull = json_pack("{s:[s,s]}", "type", "string", "null");
	int n = 0;
	n |= json_object_set_new(
		s, "Filing",
		json_pack("{s:s, s:s, s:{s:{s:s, s:[i]}, s:{s:s, s:[s,s,s,s,s,s,s]}, s:{s:s, s:s}, s:O, s:O, s:{s:s, "
			  "s:[s,s,s,s,s,s]}, s:O, s:{s:s, s:s}}, s:[s,s,s,s], s:b}",
			  "type", "object", "description",
			  "one change of a peer's seal, as an eseal outbox sends it (Idempotency-Key header required)",
			  "properties", "version", "type", "integer", "enum", 1, "event", "type", "string", "enum", "made",
			  "renewed", "active", "suspended", "lost", "revoked", "expired", "esid", "type", "string", "pattern",
			  "^[0-9]{14}$", "at", time, "transition", num, "state", "type", "string", "enum", "made", "active",
			  "suspended", "lost", "revoked", "expired", "reason", str, "seal", "type", "string", "description",
			  "the SESeal (DER, base64): required on a seal's first filing", "required", "version", "event",
			  "esid", "at", "additionalProperties", 0));
	n |= json_object_set_new(s, "FilingResult",
				 json_pack("{s:s, s:{s:O, s:O, s:O, s:{s:s}, s:{s:s}}, s:[s,s,s,s,s]}", "type", "object",
					   "properties", "esid", str, "peer", num, "state", str, "duplicate", "type",
					   "boolean", "new_seal", "type", "boolean", "required", "esid", "peer", "state",
					   "duplicate", "new_seal"));
	n |= json_object_set_new(
		s, "PeerRequest",
		json_pack("{s:s, s:s, s:{s:O, s:{s:s}, s:O, s:{s:s, s:O}, s:O, s:O}, s:[s], s:b}", "type", "object",
			  "description",
			  "the peer's GET /api/v1/trust document as 'trust', or its maker certificate and anchors as PEM",
			  "properties", "name", str, "trust", "type", "object", "maker", str, "anchors", "type", "array",
			  "items", str, "status_url", str, "api_key", num, "required", "name", "additionalProperties", 0));
	n |= json_object_set_new(
		s, "Peer",
		json_pack("{s:s, s:{s:O, s:O, s:O, s:O, s:{s:[s,s]}, s:O, s:O, s:{s:s, s:{s:O, s:O, s:O, s:O, s:O, s:O}}, "
			  "s:O}, s:[s,s,s,s,s]}",
			  "type", "object", "properties", "id", num, "name", str, "maker", str, "status_url", snull,
			  "api_key", "type", "integer", "null", "state", str, "seals", num, "status_list", "type", "object",
			  "properties", "last_attempt", tnull, "last_success", tnull, "last_error", snull, "etag", snull,
			  "generated", tnull, "next_update", tnull, "created", time, "required", "id", "name", "maker",
			  "state", "status_list"));
	n |= json_object_set_new(s, "PeerSeal",
				 json_pack("{s:s, s:{s:O, s:O, s:O, s:O, s:O, s:O, s:{s:s, s:[s,s]}, s:O, s:O, s:O},"
					   " s:[s,s,s,s]}",
					   "type", "object", "properties", "esid", str, "peer", num, "name", str, "state", str,
					   "since", time, "reason", snull, "source", "type", "string", "enum", "filing",
					   "status-list", "filed", time, "valid_start", time, "valid_end", time, "required",
					   "esid", "peer", "state", "filed"));
	/* pages like every list: {"items": [...], "next": the cursor of the next page or null} */
	for (int i = 0; i < 2; i++)
		n |= json_object_set_new(s, i ? "PeerSealList" : "PeerList",
					 json_pack("{s:s, s:{s:{s:s, s:{s:s}}, s:{s:[s,s]}}, s:[s,s], s:b}", "type", "object",
						   "properties", "items", "type", "array", "items", "$ref",
						   i ? "#/components/schemas/PeerSeal" : "#/components/schemas/Peer",
						   "next", "type", "string", "null", "required", "items", "next",
						   "additionalProperties", 0));
	json_decref(str);
	json_decref(num);
	json_decref(time);
	json_decref(tnull);
	json_decref(snull);
	return n ? es_error_set(ES_ENOMEM, "out of memory") : 0;
}

/* ---- the schedule: every peer's status list, every peer_fetch_s seconds ---------------------- */

struct es_peer_sched {
	es_server *srv;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stopping;
};

static void *sched_run(void *arg)
{
	struct es_peer_sched *ps = arg;
	unsigned every = ps->srv->cfg.peer_fetch_s;
	pthread_mutex_lock(&ps->mu);
	while (!ps->stopping) {
		pthread_mutex_unlock(&ps->mu);
		es_platform *p = es_pool_take(&ps->srv->pool);
		unsigned failed = 0;
		/* each outcome is recorded on its peer (last_error, audited): nothing more to do here */
		if (es_platform_peer_fetch(p, 0, &failed) < 0 && ps->srv->log) {
			pthread_mutex_lock(&ps->srv->log_mu);
			fprintf(ps->srv->log, "eseal: fetching the peers' status lists: %s\n", es_error_last()->message);
			pthread_mutex_unlock(&ps->srv->log_mu);
		}
		es_error_clear();
		es_pool_give(&ps->srv->pool, p);
		pthread_mutex_lock(&ps->mu);
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += every;
		while (!ps->stopping && pthread_cond_timedwait(&ps->cv, &ps->mu, &until) == 0)
			;
	}
	pthread_mutex_unlock(&ps->mu);
	return NULL;
}

int es_peers_start(es_server *s)
{
	/* a verify node writes nothing it would have to sign for (audit checkpoints): full nodes fetch */
	if (s->cfg.peer_fetch_s == 0 || s->cfg.role_verify)
		return 0;
	struct es_peer_sched *ps = es_calloc(1, sizeof(*ps));
	if (!ps)
		return es_error_set(ES_ENOMEM, "out of memory");
	ps->srv = s;
	pthread_mutex_init(&ps->mu, NULL);
	pthread_cond_init(&ps->cv, NULL);
	if (pthread_create(&ps->thread, NULL, sched_run, ps) != 0) {
		pthread_mutex_destroy(&ps->mu);
		pthread_cond_destroy(&ps->cv);
		es_free(ps);
		return es_error_set(ES_EINTERNAL, "cannot start the peers' status-list thread");
	}
	s->peers = ps;
	return 0;
}

void es_peers_stop(es_server *s)
{
	struct es_peer_sched *ps = s->peers;
	if (!ps)
		return;
	pthread_mutex_lock(&ps->mu);
	ps->stopping = true;
	pthread_cond_signal(&ps->cv);
	pthread_mutex_unlock(&ps->mu);
	pthread_join(ps->thread, NULL);
	pthread_mutex_destroy(&ps->mu);
	pthread_cond_destroy(&ps->cv);
	es_free(ps);
	s->peers = NULL;
}
