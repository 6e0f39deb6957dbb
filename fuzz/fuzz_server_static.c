/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The console's static files (src/server/static.c): what a client's path
 * becomes before any file is opened. Input: "METHOD PATH" (the path as
 * libmicrohttpd hands it over, already percent-decoded). A path taken must
 * stay inside the root: no empty, "." or ".." segment, no hidden name, no
 * backslash or control byte, a served type, and never node_modules outside
 * /vendor/. */
#include "es_int.h"
#include "fuzz.h"
#include "server/server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	char *text = es_malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	char *space = strchr(text, ' ');
	const char *method = "GET", *url = text;
	if (space) {
		*space = 0;
		method = text;
		url = space + 1;
	}
	char rel[600];
	bool vendor = true;
	bool wants = es_static_wants(method, url);
	if (wants && (strncmp(url, "/api/", 5) == 0 || url[0] != '/'))
		__builtin_trap();
	if (es_static_path(url, rel, sizeof(rel), &vendor) == 0) {
		size_t n = strlen(rel);
		if (n == 0 || n >= sizeof(rel) || rel[0] == '/' || rel[0] == '.' || strstr(rel, "//") || strstr(rel, "/.") ||
		    strchr(rel, '\\') || !es_static_type(rel))
			__builtin_trap();
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)rel[i] < 0x20 || rel[i] == 0x7f)
				__builtin_trap();
		if (!vendor && strncmp(rel, "node_modules", 12) == 0 && (rel[12] == '/' || rel[12] == 0))
			__builtin_trap();
		if (vendor != (strncmp(url, "/vendor/", 8) == 0))
			__builtin_trap();
	}
	es_error_clear();
	es_free(text);
	return 0;
}
