/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* A batch job's zip of documents (outside input of POST /api/v1/jobs): es_job_docs_from_zip. */
#include "es_int.h"
#include "fuzz.h"
#include "eseal/es_jobs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	es_job_docs d;
	if (es_job_docs_from_zip(&d, data, size) == 0) {
		size_t total = 0;
		if (d.n == 0 || d.n > ES_JOB_MAX_ITEMS)
			__builtin_trap();
		for (size_t i = 0; i < d.n; i++) {
			/* a name is a last path component of bounded length; the bytes are readable */
			if (!d.v[i].name || !d.v[i].name[0] || strchr(d.v[i].name, '/') || strlen(d.v[i].name) > ES_JOB_MAX_NAME ||
			    d.v[i].len > ES_JOB_MAX_DOC)
				__builtin_trap();
			for (size_t k = 0; k < d.v[i].len; k++)
				total += d.v[i].doc[k];
		}
		(void)total;
		es_job_docs_free(&d);
	}
	es_error_clear();
	return 0;
}
