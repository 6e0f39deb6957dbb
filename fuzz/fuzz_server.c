/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* What an HTTP client controls before any handler runs: the method and path
 * (routing, path parameters) and a JSON body with its Content-Type.
 * Input: "METHOD PATH\nCONTENT-TYPE\nBODY". */
#include "es_int.h"
#include "fuzz.h"
#include "server/server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	char *text = es_malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	char *line2 = strchr(text, '\n');
	char *body = NULL;
	const char *type = "application/json";
	if (line2) {
		*line2++ = 0;
		body = strchr(line2, '\n');
		if (body) {
			*body++ = 0;
			type = line2;
		}
	}
	char *space = strchr(text, ' ');
	const char *method = text, *path = "";
	if (space) {
		*space = 0;
		path = space + 1;
	}
	es_req rq;
	bool known;
	memset(&rq, 0, sizeof(rq));
	int i = es_route_match(method, path, &rq, &known);
	if (i >= (int)es_nroutes || (i >= 0 && rq.nparams > ES_ARRAY_LEN(rq.params)))
		__builtin_trap();
	for (unsigned k = 0; i >= 0 && k < rq.nparams; k++)
		if (strlen(rq.params[k]) >= sizeof(rq.params[k]) || strchr(rq.params[k], '/'))
			__builtin_trap();
	if (body) {
		static const char *const fields[] = { "login", "password", "approve", "reason", NULL };
		json_t *v = NULL;
		int rc = es_body_parse((const uint8_t *)body, size - (size_t)(body - text), type, fields, &v);
		if ((rc == 0) != (v != NULL))
			__builtin_trap();
		json_decref(v);
	}
	es_error_clear();
	es_free(text);
	return 0;
}
