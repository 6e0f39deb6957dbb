/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Opening the platform of a data directory: master key, store, legacy codes
 * (the one place the CLI and the server share; docs/cli/platform.md). */
#include "es_int.h"
#include "platform_int.h"
#include "file.h"
#include "text.h"

#define LEGACY_MAX 256
#define LEGACY_FILE_MAX (1 << 20)

static int parse_key(uint8_t key[32], const char *hex, size_t len)
{
	while (len && (hex[len - 1] == '\n' || hex[len - 1] == '\r' || hex[len - 1] == ' '))
		len--;
	if (es_unhex(key, 32, hex, len, true) < 0)
		return es_error_set(ES_EINVAL, "the master key must be 64 hex digits");
	return 0;
}

int es_platform_master_key(uint8_t key[32], const char *dir)
{
	ES_ASSERT_ARG(key && dir);
	const char *env = getenv("ESEAL_MASTER_KEY");
	char path[4096];
	es_buf b = ES_BUF_INIT;
	int err;
	if (env)
		return parse_key(key, env, strlen(env));
	snprintf(path, sizeof(path), "%s/master.key", dir);
	if (es_file_exists(path) != 1)
		return es_error_set(ES_ENOTFOUND,
				    "no master key in '%s': run 'eseal platform init' for a new platform, or copy the "
				    "platform's original master.key there or set ESEAL_MASTER_KEY (a new key cannot open "
				    "existing data)",
				    dir);
	if ((err = es_file_read(&b, path, 4096)) < 0)
		return err;
	err = parse_key(key, (const char *)b.ptr, b.len);
	es_buf_release_secret(&b);
	return err;
}

int es_platform_open_dir(es_platform **out, const char *dir, const char *store, const es_platform_options *base)
{
	ES_ASSERT_ARG(out && dir);
	es_platform_options o = ES_PLATFORM_OPTIONS_INIT;
	uint8_t key[32] = { 0 };
	char uri[4200], path[4096];
	es_buf text = ES_BUF_INIT;
	const char *legacy[LEGACY_MAX];
	size_t nlegacy = 0;
	int err;
	*out = NULL;
	if (base)
		o = *base;
	if (es_file_exists(dir) != 1)
		return es_error_set(ES_ENOTFOUND, "no platform folder '%s': run 'eseal platform init --dir %s'", dir, dir);
	/* a verify node never reads the master key (es_platform_options.public_only) */
	if (!o.public_only && (err = es_platform_master_key(key, dir)) < 0)
		return err;
	if (store)
		snprintf(uri, sizeof(uri), "%s", store);
	else
		snprintf(uri, sizeof(uri), "sqlite:%s/platform.db", dir);
	snprintf(path, sizeof(path), "%s/legacy-codes.txt", dir);
	es_buf_init(&text, LEGACY_FILE_MAX);
	if (es_file_exists(path) == 1 && es_file_read(&text, path, LEGACY_FILE_MAX) == 0 && es_buf_put(&text, "", 1) == 0) {
		char *p = (char *)text.ptr;
		while (*p && nlegacy < LEGACY_MAX) {
			size_t n = strcspn(p, "\r\n");
			char *next = p + n + (p[n] ? 1 : 0);
			p[n] = 0;
			if (n && p[0] != '#')
				legacy[nlegacy++] = p;
			p = next;
		}
	}
	es_error_clear();
	o.store = uri;
	o.dir = dir;
	o.master_key = o.public_only ? NULL : key;
	o.legacy_codes = legacy;
	o.nlegacy = nlegacy;
	err = es_platform_open(out, &o);
	es_wipe(key, sizeof(key));
	es_buf_release(&text);
	return err;
}

int es_platform_context_open_dir(es_platform_context **out, const char *dir, const char *store,
				 const es_platform_options *base)
{
	ES_ASSERT_ARG(out);
	es_platform *p;
	*out = NULL;
	int err = es_platform_open_dir(&p, dir, store, base);
	if (err < 0)
		return err;
	*out = es_platform__context_keep(p);
	return 0;
}

int es_platform_ping(es_platform *p)
{
	ES_ASSERT_ARG(p);
	int64_t have = 0;
	int err = es_store_int(p->st, &have, "SELECT MAX(version) FROM schema_migrations", NULL, 0);
	if (err < 0)
		return es_error_wrap(err, "the store does not answer");
	if (have != es_store_schema_version(p->st))
		return es_error_set(ES_EDB, "the store's schema is at %lld, this program expects %lld: restart it after the upgrade",
				    (long long)have, (long long)es_store_schema_version(p->st));
	return 0;
}
