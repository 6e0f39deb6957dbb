/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* eseal serve: the platform over HTTP (docs/server.md, docs/cli/serve.md). */
#include "cli.h"
#include "server/server.h"
#include "file.h"
#include <getopt.h>
#include <signal.h>
#include <sys/stat.h>

static const char serve_usage[] =
	"usage: eseal serve [--dir DIR] [--store URI] [--listen HOST:PORT] [--threads N]\n"
	"                   [--public-url URL] [--port-file FILE] [--quiet] [--print-config]\n"
	"                   [--web DIR] [--print-openapi]\n"
	"\n"
	"Run the platform of data directory DIR as a JSON API over HTTP (docs/server.md;\n"
	"the routes are in GET /api/openapi.json). It binds the loopback address by\n"
	"default: put a TLS terminator (nginx, docs/deploy.md) in front to serve others.\n"
	"SIGINT or SIGTERM stop it: no new connections, in-flight requests finish (30 s at\n"
	"most), the audit checkpoint is written, exit 0.\n"
	"\n"
	"options (each also as an environment variable ESEAL_SERVE_<NAME>, flags win):\n";

typedef struct opt_doc {
	const char *flag, *env, *def, *range, *what;
} opt_doc;

static const opt_doc docs[] = {
	{ "--dir DIR", "ESEAL_SERVE_DIR", "data", "a folder made by 'eseal platform init'", "the data directory" },
	{ "--store URI", "ESEAL_SERVE_STORE", "sqlite:DIR/platform.db", "sqlite:PATH or postgres:CONNINFO",
	  "the store (several nodes share one PostgreSQL)" },
	{ "--listen HOST:PORT", "ESEAL_SERVE_LISTEN", "127.0.0.1:8080", "an IPv4 or [IPv6] address; port 0 picks one",
	  "where to listen" },
	{ "--threads N", "ESEAL_SERVE_THREADS", "4", "1-64", "poll threads, each with its own store connection" },
	{ "--public-url URL", "ESEAL_SERVE_PUBLIC_URL", "(none)", "https://… makes cookies Secure",
	  "the address people use, behind the TLS terminator" },
	{ "--port-file FILE", "ESEAL_SERVE_PORT_FILE", "(none)", "a path", "write the bound port there once listening" },
	{ "--quiet", "ESEAL_SERVE_QUIET", "off", "on/off", "no access log on stderr" },
	{ "--web DIR", "ESEAL_SERVE_WEB", ES_WEB_DIR, "a folder, or 'none'", "the web console's files, served at /" },
};

static void print_usage(FILE *to)
{
	fputs(serve_usage, to);
	for (size_t i = 0; i < ES_ARRAY_LEN(docs); i++)
		fprintf(to, "  %-20s %s (default %s; %s)\n", docs[i].flag, docs[i].what, docs[i].def, docs[i].range);
	fputs("  --print-config       print the settings in force as JSON, and exit\n"
	      "  --print-openapi      print the OpenAPI 3.1 document of the routes, and exit\n", to);
	fputs("\nfixed limits: body before sign-in 16 KiB, uploads 256 MiB, 512 connections, 64 per\n"
	      "address, idle timeout 30 s, 20 refused sign-ins per address per minute (then 429)\n",
	      to);
}

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);
	return v && *v ? v : def;
}

int cmd_serve(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },      { "store", required_argument, NULL, 's' },
		{ "listen", required_argument, NULL, 'l' },   { "threads", required_argument, NULL, 't' },
		{ "public-url", required_argument, NULL, 'u' }, { "port-file", required_argument, NULL, 'p' },
		{ "quiet", no_argument, NULL, 'q' },          { "print-config", no_argument, NULL, 'c' },
		{ "print-openapi", no_argument, NULL, 'o' },  { "help", no_argument, NULL, 'h' },
		{ "web", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	es_server_config cfg;
	es_server_config_defaults(&cfg);
	cfg.dir = env_or("ESEAL_SERVE_DIR", "data");
	cfg.store = env_or("ESEAL_SERVE_STORE", NULL);
	cfg.listen = env_or("ESEAL_SERVE_LISTEN", cfg.listen);
	cfg.public_url = env_or("ESEAL_SERVE_PUBLIC_URL", NULL);
	const char *threads = env_or("ESEAL_SERVE_THREADS", NULL), *port_file = env_or("ESEAL_SERVE_PORT_FILE", NULL);
	const char *quiet = env_or("ESEAL_SERVE_QUIET", NULL);
	const char *web = env_or("ESEAL_SERVE_WEB", NULL);
	cfg.quiet = quiet && strcmp(quiet, "on") == 0;
	bool print = false;
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': cfg.dir = optarg; break;
		case 's': cfg.store = optarg; break;
		case 'l': cfg.listen = optarg; break;
		case 't': threads = optarg; break;
		case 'u': cfg.public_url = optarg; break;
		case 'p': port_file = optarg; break;
		case 'q': cfg.quiet = true; break;
		case 'w': web = optarg; break;
		case 'c': print = true; break;
		case 'o': {
			es_buf b = ES_BUF_INIT;
			int err = es_openapi(&b);
			if (err == 0)
				fwrite(b.ptr, 1, b.len, stdout);
			es_buf_release(&b);
			return err == 0 ? ES_EXIT_OK : cli_fail("openapi");
		}
		case 'h': print_usage(stdout); return ES_EXIT_OK;
		default: print_usage(stderr); return ES_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error("serve", "unexpected argument '%s'", argv[optind]);
	if (threads) {
		char *end;
		long n = strtol(threads, &end, 10);
		if (*end || n < 1 || n > 64)
			return cli_usage_error("serve", "--threads must be 1-64");
		cfg.threads = (unsigned)n;
	}
	/* the console: a folder given must exist; the built-in default may be absent (no console) */
	if (web && strcmp(web, "none") != 0) {
		if (!is_dir(web))
			return cli_usage_error("serve", "--web '%s' is not a folder (the console's files, e.g. web/ of the source tree)", web);
		cfg.web_root = web;
	} else if (!web && is_dir(ES_WEB_DIR)) {
		cfg.web_root = ES_WEB_DIR;
	}
	if (print) {
		json_t *v = json_pack("{s:s, s:s, s:s, s:i, s:s, s:i, s:i, s:i, s:I, s:I, s:i, s:b, s:s}", "dir", cfg.dir, "store",
				      cfg.store ? cfg.store : "(sqlite in dir)", "listen", cfg.listen, "threads",
				      (int)cfg.threads, "public_url", cfg.public_url ? cfg.public_url : "", "max_connections",
				      (int)cfg.max_connections, "per_ip_connections", (int)cfg.per_ip_connections,
				      "timeout_s", (int)cfg.timeout_s, "body_small", (json_int_t)cfg.body_small,
				      "body_large", (json_int_t)cfg.body_large, "signin_per_ip_per_minute",
				      (int)cfg.signin_per_ip, "quiet", cfg.quiet, "web", cfg.web_root ? cfg.web_root : "");
		cli_print_json(v);
		return ES_EXIT_OK;
	}
	/* the signals are taken by this thread alone: the server's threads never see them */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	es_server *s = es_calloc(1, sizeof(*s));
	if (!s)
		return cli_fail("serve");
	if (es_server_start(s, &cfg) < 0) {
		es_free(s);
		return cli_fail("serve");
	}
	unsigned port = es_server_port(s);
	if (port_file) {
		char text[16];
		snprintf(text, sizeof(text), "%u\n", port);
		if (es_file_write(port_file, text, strlen(text), 0644) < 0) {
			es_server_stop(s, 0);
			es_free(s);
			return cli_fail("writing '%s'", port_file);
		}
	}
	fprintf(stderr, "eseal: serving %s on port %u (%u threads); Ctrl-C stops\n", cfg.dir, port, cfg.threads);
	if (cfg.web_root)
		fprintf(stderr, "eseal: the web console at / from %s\n", cfg.web_root);
	else
		fprintf(stderr, "eseal: no web console (--web DIR names its folder)\n");
	int sig = 0;
	sigwait(&set, &sig);
	fprintf(stderr, "eseal: %s: finishing requests in flight\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
	es_server_stop(s, 30);
	es_free(s);
	fprintf(stderr, "eseal: stopped\n");
	return ES_EXIT_OK;
}
