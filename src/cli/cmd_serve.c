/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* eseal serve: the platform over HTTP (docs/server.md, docs/cli/serve.md). Every
 * setting is one key of one table: its flag, its environment variable, its key in
 * the config file, its default, minimum and maximum. */
#include "cli.h"
#include "server/server.h"
#include "file.h"
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <sys/stat.h>

static const char serve_usage[] =
	"usage: eseal serve [--config FILE] [--dir DIR] [--store URI] [--listen HOST:PORT]\n"
	"                   [--threads N] [--public-url URL] [--port-file FILE] [--quiet]\n"
	"                   [--trusted-proxies CIDRS] [...] [--print-config] [--print-openapi]\n"
	"\n"
	"Run the platform of data directory DIR as a JSON API over HTTP (docs/server.md;\n"
	"the routes are in GET /api/openapi.json). It binds the loopback address by\n"
	"default: put a TLS terminator (nginx, docs/deploy.md) in front to serve others.\n"
	"SIGINT or SIGTERM stop it: no new connections, in-flight requests finish (30 s at\n"
	"most), the audit checkpoint is written, exit 0.\n"
	"\n"
	"Each setting is a flag, an environment variable and a key of the JSON config\n"
	"file (--config FILE, or $ESEAL_SERVE_CONFIG); flags win over the environment,\n"
	"the environment over the file, the file over the defaults:\n";

typedef struct serve_settings {
	es_server_config cfg;
	const char *port_file;
	unsigned max_document_mib; /* cfg.body_document in MiB */
	unsigned keep_days;        /* cfg.keep_s in days */
	const char *role;          /* "all", "sign" or "verify" */
	const char *web;           /* the console's folder, or "none" */
} serve_settings;

enum ktype { K_STR, K_UINT, K_SIZE, K_BOOL };

typedef struct key_doc {
	const char *key;   /* config file key; the flag is --KEY with '_' as '-' */
	const char *arg;   /* the flag's argument name, NULL for a switch */
	enum ktype type;
	size_t off;        /* in serve_settings */
	unsigned long long min, max;
	const char *def, *what;
} key_doc;

#define OFF(f) offsetof(serve_settings, f)
static const key_doc keys[] = {
	{ "dir", "DIR", K_STR, OFF(cfg.dir), 0, 0, "data", "the data directory (made by 'eseal platform init')" },
	{ "store", "URI", K_STR, OFF(cfg.store), 0, 0, "sqlite:DIR/platform.db",
	  "the store: sqlite:PATH or postgres:CONNINFO (several nodes share one PostgreSQL)" },
	{ "listen", "HOST:PORT", K_STR, OFF(cfg.listen), 0, 0, "127.0.0.1:8080",
	  "where to listen: an IPv4 or [IPv6] address; port 0 picks one" },
	{ "threads", "N", K_UINT, OFF(cfg.threads), 1, 64, "4", "poll threads, each with its own store connection" },
	{ "workers", "N", K_UINT, OFF(cfg.workers), 0, 64, "2",
	  "threads for slow work (SM2 signing, password and PIN hashing, imports, backups); 0: on the poll threads" },
	{ "public_url", "URL", K_STR, OFF(cfg.public_url), 0, 0, "none",
	  "the address people use, behind the TLS terminator; https://... makes cookies Secure" },
	{ "port_file", "FILE", K_STR, OFF(port_file), 0, 0, "none", "write the bound port there once listening" },
	{ "quiet", NULL, K_BOOL, OFF(cfg.quiet), 0, 1, "false", "no access log on stderr" },
	{ "max_connections", "N", K_UINT, OFF(cfg.max_connections), 16, 100000, "512", "open connections at most" },
	{ "per_ip_connections", "N", K_UINT, OFF(cfg.per_ip_connections), 1, 100000, "64",
	  "connections from one address at most (a TLS terminator is one address)" },
	{ "timeout_s", "SECONDS", K_UINT, OFF(cfg.timeout_s), 1, 3600, "30", "idle connections are closed after this" },
	{ "body_small", "BYTES", K_SIZE, OFF(cfg.body_small), 1024, 1u << 20, "16384",
	  "body limit before authentication (sign-in)" },
	{ "body_large", "BYTES", K_SIZE, OFF(cfg.body_large), 65536, 256u << 20, "268435456",
	  "body limit after authentication (routes and uploads may allow less)" },
	{ "signin_per_ip_per_minute", "N", K_UINT, OFF(cfg.signin_per_ip), 1, 100000, "20",
	  "refused sign-ins and API keys per address per minute, then 429" },
	{ "trusted_proxies", "CIDRS", K_STR, OFF(cfg.trusted_proxies), 0, 0, "none",
	  "TLS terminators (CIDR list) whose X-Forwarded-For and client-certificate header are believed" },
	{ "max_document", "MIB", K_UINT, OFF(max_document_mib), 1, 256, "64",
	  "largest document POST /api/v1/verify takes, in MiB (public: before any sign-in)" },
	{ "keep_days", "N", K_UINT, OFF(keep_days), 1, 3650, "30", "how long a kept verification (?keep=1) lives" },
	{ "trust", "DIR", K_STR, OFF(cfg.trust_dir), 0, 0, "none",
	  "a folder of certificates and CRLs the verify route trusts besides this platform's own" },
	{ "peer_fetch_s", "SECONDS", K_UINT, OFF(cfg.peer_fetch_s), 0, 86400, "300",
	  "fetch the registered peers' signed status lists this often (docs/peering.md); 0: never" },
	{ "role", "ROLE", K_STR, OFF(role), 0, 0, "all",
	  "all; sign: every route but document verification; verify: the public reads only (verify, status, "
	  "status list, trust, health), never opening the master key (docs/public-services.md)" },
	{ "web", "DIR", K_STR, OFF(web), 0, 0, "web/ of the source tree (developer builds), else PREFIX/share/eseal/web",
	  "the web console's files, served at / (a folder, or none)" },
	{ "client_cert_header", "NAME", K_STR, OFF(cfg.client_cert_header), 0, 0, "X-SSL-Client-Cert",
	  "their header with the client certificate, URL-encoded PEM (nginx $ssl_client_escaped_cert)" },
	/* batch jobs (docs/batch-jobs.md) */
	{ "job_workers", "N", K_UINT, OFF(cfg.job_workers), 0, 16, "1",
	  "threads that seal authorised batch jobs in the background (0: only explicit runs)" },
	{ "job_runs", "N", K_UINT, OFF(cfg.job_runs), 1, 16, "2",
	  "explicit job runs (POST /api/v1/jobs/{id}/run) sealing at once, each on its own thread; more wait (16), "
	  "then 503" },
	{ "job_lease_s", "SECONDS", K_UINT, OFF(cfg.job_lease_s), 5, 3600, "120",
	  "lease of a job item a worker claims: a dead node's items are taken over after it" },
	{ "job_poll_ms", "MS", K_UINT, OFF(cfg.job_poll_ms), 100, 60000, "1000",
	  "how often idle job workers look for work, and long-polls for progress" },
	{ "job_retention_days", "N", K_UINT, OFF(cfg.job_retention_days), 0, 36500, "0",
	  "POST /api/v1/jobs/run purges the documents of jobs ended this long ago (0: kept)" },
};

static void flag_of(char *out, size_t cap, const char *key)
{
	snprintf(out, cap, "--%s", key);
	for (char *c = out; *c; c++)
		if (*c == '_')
			*c = '-';
}

static void env_of(char *out, size_t cap, const char *key)
{
	snprintf(out, cap, "ESEAL_SERVE_%s", key);
	for (char *c = out; *c; c++)
		if (*c >= 'a' && *c <= 'z')
			*c = (char)(*c - 32);
}

static void print_usage(FILE *to)
{
	fputs(serve_usage, to);
	for (size_t i = 0; i < ES_ARRAY_LEN(keys); i++) {
		char flag[64], env[64], range[64] = "";
		flag_of(flag, sizeof(flag), keys[i].key);
		env_of(env, sizeof(env), keys[i].key);
		if (keys[i].type == K_UINT || keys[i].type == K_SIZE)
			snprintf(range, sizeof(range), "; %llu-%llu", keys[i].min, keys[i].max);
		fprintf(to, "  %s%s%s\n      %s\n      default %s%s; $%s; key \"%s\"\n", flag, keys[i].arg ? " " : "",
			keys[i].arg ? keys[i].arg : "", keys[i].what, keys[i].def, range, env, keys[i].key);
	}
	fputs("  --config FILE\n      read the settings from a JSON object of the keys above ($ESEAL_SERVE_CONFIG)\n"
	      "  --print-config       print the settings in force as JSON (a config file), and exit\n"
	      "  --print-openapi      print the OpenAPI 3.1 document of the routes, and exit\n",
	      to);
}

/* Set key @p k from text (flag, environment). 0, or an es_error naming the key and where it came from. */
static int set_text(serve_settings *s, const key_doc *k, const char *v, const char *from)
{
	char *p = (char *)s + k->off;
	if (k->type == K_STR) {
		*(const char **)p = v;
		return 0;
	}
	if (k->type == K_BOOL) {
		bool b;
		if (!strcmp(v, "on") || !strcmp(v, "true") || !strcmp(v, "1"))
			b = true;
		else if (!strcmp(v, "off") || !strcmp(v, "false") || !strcmp(v, "0"))
			b = false;
		else
			return es_error_set(ES_EINVAL, "%s: '%s' must be on or off (true or false)", from, k->key);
		*(bool *)p = b;
		return 0;
	}
	char *end;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (!*v || *end || *v == '-' || errno || n < k->min || n > k->max)
		return es_error_set(ES_EINVAL, "%s: '%s' must be a number %llu-%llu (got '%.32s')", from, k->key, k->min,
				    k->max, v);
	if (k->type == K_UINT)
		*(unsigned *)p = (unsigned)n;
	else
		*(size_t *)p = (size_t)n;
	return 0;
}

/* The config file: a JSON object of known keys only; strings stay in @p root. */
static int load_config(serve_settings *s, const char *path, json_t **root)
{
	json_error_t je;
	es_buf text = ES_BUF_INIT;
	int err = es_file_read(&text, path, 1u << 20);
	if (err < 0)
		return es_error_wrap(err, "config file '%s'", path);
	*root = json_loadb((const char *)text.ptr, text.len, JSON_REJECT_DUPLICATES, &je);
	es_buf_release(&text);
	if (!*root)
		return es_error_set(ES_EMALFORMED, "config file '%s': not JSON: %s (line %d, column %d)", path, je.text, je.line,
				    je.column);
	if (!json_is_object(*root))
		return es_error_set(ES_EMALFORMED, "config file '%s': must be a JSON object of settings", path);
	const char *key;
	json_t *v;
	json_object_foreach(*root, key, v)
	{
		const key_doc *k = NULL;
		for (size_t i = 0; i < ES_ARRAY_LEN(keys); i++)
			if (strcmp(keys[i].key, key) == 0)
				k = &keys[i];
		if (!k)
			return es_error_set(ES_EINVAL, "config file '%s': unknown key '%.64s' (eseal serve --help lists them)",
					    path, key);
		char *p = (char *)s + k->off;
		if (k->type == K_STR && (json_is_string(v) || json_is_null(v))) {
			*(const char **)p = json_is_string(v) ? json_string_value(v) : NULL;
		} else if (k->type == K_BOOL && json_is_boolean(v)) {
			*(bool *)p = json_is_true(v);
		} else if ((k->type == K_UINT || k->type == K_SIZE) && json_is_integer(v)) {
			json_int_t n = json_integer_value(v);
			if (n < 0 || (unsigned long long)n < k->min || (unsigned long long)n > k->max)
				return es_error_set(ES_EINVAL, "config file '%s': '%s' must be %llu-%llu", path, key, k->min,
						    k->max);
			if (k->type == K_UINT)
				*(unsigned *)p = (unsigned)n;
			else
				*(size_t *)p = (size_t)n;
		} else {
			return es_error_set(ES_EINVAL, "config file '%s': '%s' must be %s", path, key,
					    k->type == K_STR    ? "a string (or null)"
					    : k->type == K_BOOL ? "true or false"
								: "a whole number");
		}
	}
	return 0;
}

static json_t *settings_json(const serve_settings *s)
{
	json_t *o = json_object();
	for (size_t i = 0; i < ES_ARRAY_LEN(keys); i++) {
		const char *p = (const char *)s + keys[i].off;
		json_t *v;
		switch (keys[i].type) {
		case K_STR: v = *(const char *const *)p ? json_string(*(const char *const *)p) : json_null(); break;
		case K_BOOL: v = json_boolean(*(const bool *)p); break;
		case K_UINT: v = json_integer((json_int_t) * (const unsigned *)p); break;
		default: v = json_integer((json_int_t) * (const size_t *)p); break;
		}
		json_object_set_new(o, keys[i].key, v);
	}
	return o;
}

int cmd_serve(int argc, char **argv)
{
	struct option longopts[ES_ARRAY_LEN(keys) + 5];
	char names[ES_ARRAY_LEN(keys)][40];
	for (size_t i = 0; i < ES_ARRAY_LEN(keys); i++) {
		flag_of(names[i], sizeof(names[i]), keys[i].key);
		longopts[i] = (struct option){ names[i] + 2, keys[i].arg ? required_argument : no_argument, NULL, (int)(256 + i) };
	}
	size_t n = ES_ARRAY_LEN(keys);
	longopts[n++] = (struct option){ "config", required_argument, NULL, 'f' };
	longopts[n++] = (struct option){ "print-config", no_argument, NULL, 'c' };
	longopts[n++] = (struct option){ "print-openapi", no_argument, NULL, 'o' };
	longopts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[n] = (struct option){ NULL, 0, NULL, 0 };

	serve_settings s;
	memset(&s, 0, sizeof(s));
	es_server_config_defaults(&s.cfg);
	s.cfg.dir = "data";
	s.max_document_mib = 64;
	s.keep_days = 30;
	s.role = "all";
	s.web = ES_WEB_DIR;
	json_t *root = NULL;
	bool print = false;
	int c, rc = ES_EXIT_OK;
	/* the first pass: --config, --help, --print-openapi */
	const char *config = getenv("ESEAL_SERVE_CONFIG");
	if (config && !*config)
		config = NULL;
	optind = 0;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'f') {
			config = optarg;
		} else if (c == 'h') {
			print_usage(stdout);
			return ES_EXIT_OK;
		} else if (c == 'o') {
			es_buf b = ES_BUF_INIT;
			int err = es_openapi(&b);
			if (err == 0)
				fwrite(b.ptr, 1, b.len, stdout);
			es_buf_release(&b);
			return err == 0 ? ES_EXIT_OK : cli_fail("openapi");
		} else if (c == '?') {
			print_usage(stderr);
			return ES_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error("serve", "unexpected argument '%s'", argv[optind]);
	if (config && load_config(&s, config, &root) < 0) {
		json_decref(root);
		return cli_usage_error("serve", "%s", es_error_last()->message);
	}
	/* the environment, then the flags */
	for (size_t i = 0; i < ES_ARRAY_LEN(keys); i++) {
		char env[64];
		env_of(env, sizeof(env), keys[i].key);
		const char *v = getenv(env);
		if (v && *v && set_text(&s, &keys[i], v, env) < 0) {
			rc = cli_usage_error("serve", "%s", es_error_last()->message);
			goto done;
		}
	}
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'c') {
			print = true;
		} else if (c >= 256 && c < 256 + (int)ES_ARRAY_LEN(keys)) {
			const key_doc *k = &keys[c - 256];
			char flag[64];
			flag_of(flag, sizeof(flag), k->key);
			if (set_text(&s, k, k->arg ? optarg : "on", flag) < 0) {
				rc = cli_usage_error("serve", "%s", es_error_last()->message);
				goto done;
			}
		}
	}
	if (!s.role || (strcmp(s.role, "all") != 0 && strcmp(s.role, "verify") != 0 && strcmp(s.role, "sign") != 0)) {
		rc = cli_usage_error("serve", "role '%s': expected all, sign or verify", s.role ? s.role : "");
		goto done;
	}
	s.cfg.role_verify = strcmp(s.role, "verify") == 0;
	s.cfg.role_sign = strcmp(s.role, "sign") == 0;
	{
		struct stat st;
		bool given = s.web && strcmp(s.web, ES_WEB_DIR) != 0;
		s.cfg.web_root = NULL;
		if (s.web && strcmp(s.web, "none") != 0) {
			if (stat(s.web, &st) == 0 && S_ISDIR(st.st_mode))
				s.cfg.web_root = s.web;
			else if (given) {
				rc = cli_usage_error("serve", "web '%s' is not a folder (the console's files, e.g. web/ of the "
							      "source tree)", s.web);
				goto done;
			}
		}
	}
	s.cfg.body_document = (size_t)s.max_document_mib << 20;
	s.cfg.keep_s = s.keep_days * 86400u;
	if (s.cfg.per_ip_connections > s.cfg.max_connections) {
		rc = cli_usage_error("serve", "per_ip_connections (%u) is more than max_connections (%u)",
				     s.cfg.per_ip_connections, s.cfg.max_connections);
		goto done;
	}
	if (s.cfg.trusted_proxies && *s.cfg.trusted_proxies && es_cidr_list_check(s.cfg.trusted_proxies) < 0) {
		rc = cli_usage_error("serve", "trusted_proxies: %s", es_error_last()->message);
		goto done;
	}
	if (!s.cfg.client_cert_header || !*s.cfg.client_cert_header ||
	    strspn(s.cfg.client_cert_header, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") !=
		    strlen(s.cfg.client_cert_header)) {
		rc = cli_usage_error("serve", "client_cert_header must be a header name (letters, digits, '-')");
		goto done;
	}
	if (print) {
		cli_print_json(settings_json(&s));
		goto done;
	}
	{
		/*
		 * The signals are taken by this thread alone: the server's threads never see them.
		 * A shell starts a background job with SIGINT ignored, and an ignored signal never
		 * reaches sigwait(): the default disposition first, so that SIGINT always stops it.
		 */
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGINT);
		sigaddset(&set, SIGTERM);
		pthread_sigmask(SIG_BLOCK, &set, NULL);
		signal(SIGPIPE, SIG_IGN);
		es_server *srv = es_calloc(1, sizeof(*srv));
		if (!srv) {
			rc = cli_fail("serve");
			goto done;
		}
		if (es_server_start(srv, &s.cfg) < 0) {
			es_free(srv);
			rc = cli_fail("serve");
			goto done;
		}
		unsigned port = es_server_port(srv);
		if (s.port_file) {
			char text[16];
			snprintf(text, sizeof(text), "%u\n", port);
			if (es_file_write(s.port_file, text, strlen(text), 0644) < 0) {
				es_server_stop(srv, 0);
				es_free(srv);
				rc = cli_fail("writing '%s'", s.port_file);
				goto done;
			}
		}
		fprintf(stderr, "eseal: serving %s on port %u (%u threads, %u workers); Ctrl-C stops\n", s.cfg.dir, port,
			s.cfg.threads, s.cfg.workers);
		if (s.cfg.web_root)
			fprintf(stderr, "eseal: the web console at / from %s\n", s.cfg.web_root);
		else
			fprintf(stderr, "eseal: no web console (--web DIR names its folder)\n");
		int sig = 0;
		sigwait(&set, &sig);
		fprintf(stderr, "eseal: %s: finishing requests in flight\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
		es_server_stop(srv, 30);
		es_free(srv);
		fprintf(stderr, "eseal: stopped\n");
	}
done:
	json_decref(root);
	return rc;
}
