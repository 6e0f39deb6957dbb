/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* /metrics in the Prometheus text format, written directly (SERVICE.md §3). */
#include "server.h"

static const char *const bucket_le[] = { "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025",
					 "0.05",   "0.1",   "0.25",   "0.5",   "1",    "+Inf" };

int es_metrics_text(es_server *s, es_buf *out)
{
	es_metrics *m = &s->metrics;
	int err = es_buf_puts(out, "# HELP eseal_http_requests_total Requests answered, by route pattern and status class.\n"
				   "# TYPE eseal_http_requests_total counter\n");
	for (size_t r = 0; err == 0 && r < ES_METRIC_ROUTES; r++) {
		const char *route = r < es_nroutes && r < ES_METRIC_ROUTES - 1 ? es_routes[r].pattern
				    : r == ES_METRIC_ROUTES - 1			 ? "(none)"
										 : NULL;
		const char *method = r < es_nroutes ? es_routes[r].method : "";
		if (!route)
			continue;
		for (unsigned c = 1; err == 0 && c <= 5; c++) {
			uint64_t v = atomic_load(&m->requests[r][c]);
			if (v)
				err = es_buf_printf(out, "eseal_http_requests_total{method=\"%s\",route=\"%s\",status=\"%uxx\"} %llu\n",
						    method, route, c, (unsigned long long)v);
		}
	}
	if (err == 0)
		err = es_buf_puts(out, "# HELP eseal_http_request_duration_seconds Time from the first byte to the answer.\n"
				       "# TYPE eseal_http_request_duration_seconds histogram\n");
	uint64_t cum = 0;
	for (size_t b = 0; err == 0 && b < ES_ARRAY_LEN(bucket_le); b++) {
		cum += atomic_load(&m->latency_bucket[b]);
		err = es_buf_printf(out, "eseal_http_request_duration_seconds_bucket{le=\"%s\"} %llu\n", bucket_le[b],
				    (unsigned long long)cum);
	}
	if (err == 0)
		err = es_buf_printf(out,
				    "eseal_http_request_duration_seconds_sum %.6f\n"
				    "eseal_http_request_duration_seconds_count %llu\n"
				    "# HELP eseal_http_in_flight Requests being answered now.\n"
				    "# TYPE eseal_http_in_flight gauge\n"
				    "eseal_http_in_flight %lld\n"
				    "# HELP eseal_worker_queue Slow requests queued or running on the worker pool.\n"
				    "# TYPE eseal_worker_queue gauge\n"
				    "eseal_worker_queue %zu\n"
				    "# HELP eseal_job_runs Explicit job runs (POST /api/v1/jobs/{id}/run) queued or sealing.\n"
				    "# TYPE eseal_job_runs gauge\n"
				    "eseal_job_runs %zu\n"
				    "# HELP eseal_signin_failures_total Refused sign-ins (password, API key).\n"
				    "# TYPE eseal_signin_failures_total counter\n"
				    "eseal_signin_failures_total %llu\n",
				    (double)atomic_load(&m->latency_sum_us) / 1e6,
				    (unsigned long long)atomic_load(&m->latency_count),
				    (long long)atomic_load(&m->in_flight) - 1 /* not counting this request */,
				    es_workers_depth(&s->workers),
				    es_workers_depth(&s->runs),
				    (unsigned long long)atomic_load(&m->signin_failures));
	return err;
}
