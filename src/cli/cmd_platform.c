/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* eseal platform ... | eseal jobs run | eseal registry import (docs/cli/platform.md) */
#include "cli.h"
#include "eseal/es_auth.h"
#include "eseal/es_platform.h"
#include "eseal/es_jobs.h"
#include "eseal/es_webhooks.h"
#include "eseal/es_peers.h"
#include "eseal/es_read.h"
#include "eseal/es_seal.h"
#include "eseal/es_crypto.h"
#include "estime.h"
#include "file.h"
#include "text.h"
#include <dirent.h>
#include <getopt.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

/* Refused by a rule or a role (ES_EDENIED). */
#define ES_EXIT_DENIED 4

static const char platform_usage[] =
	"usage: eseal platform [--dir DIR] [--store URI] [--as LOGIN [--password-file F]] [--json] COMMAND ...\n"
	"\n"
	"  init                                   create DIR, its master key, the schema and\n"
	"                                         the authority; account 'admin' (sysadmin)\n"
	"  region add CODE NAME                   GB/T 2260 region (province, city, county)\n"
	"  unit add --name N --credit-code C --region R [--superior ID] [--legal-rep N]\n"
	"  person add --name N --id RESIDENT-ID [--mobile M] [--unit ID]\n"
	"  person show ID                         ID and mobile masked unless your role needs them\n"
	"  account add LOGIN --roles R[,R] [--unit ID] [--region CODE]\n"
	"                                         roles: applicant maker reviewer unit-admin\n"
	"                                         use-approver auditor sysadmin\n"
	"  account roles LOGIN --roles R[,R]      replace an account's roles (audited: old\n"
	"                                         and new roles, by whom)\n"
	"  account otp LOGIN                      print a one-time password for LOGIN (changed\n"
	"                                         at the first sign-in; docs/identity.md)\n"
	"  account disable|enable LOGIN           stop (or allow again) every sign-in of LOGIN\n"
	"  password --as LOGIN [--new-password-file F]\n"
	"                                         change LOGIN's password (the current or one-time\n"
	"                                         one from --password-file or the terminal)\n"
	"  app create --business B --unit ID --name SEAL-NAME --handler N --handler-mobile M\n"
	"             --handler-id ID [--kind K] [--function F] [--size WxH] [--holder PERSON]\n"
	"             [--target ESID] [--reason R] [--impression PNG] [--multi-cert-reason R]\n"
	"             [--batch ID]                 business: apply renew change revoke loss\n"
	"                                         reissue pin-unlock reenable\n"
	"  app attach APP --kind K FILE           red-header letter, ID copy, summary table\n"
	"  app submit|forward|check|make|file|deliver APP\n"
	"  app approve APP [--reason R]  |  app reject APP --reason R\n"
	"  app state APP  |  app batch-summary BATCH   (申请汇总表, JSON)\n"
	"  seal confirm|use|show ESID            confirm the impression (activates the seal)\n"
	"  seal export ESID -o FILE               the seal (.esl, DER)\n"
	"  seal authorise ESID --unit ID --from DATE --to DATE --letter TEXT\n"
	"  use request ESID --document FILE --purpose P   用印申请 (SM3 of FILE)\n"
	"  use request ESID --sm3 HEX --purpose P         ... of a given SM3 (a job's manifest)\n"
	"  use approve ID  |  use reject ID --reason R    (use-approver)\n"
	"  use state ID\n"
	"  seal sign ESID --document FILE --request ID -o SIG\n"
	"                                         SES_Signature over FILE's SM3 hash;\n"
	"                                         a token seal takes its PIN from $ESEAL_PIN\n"
	"  seal bind-device ESID --csr FILE -o CERT   device seal from its PKCS#10 request\n"
	"  seal bind-key ESID --location LOC -o CERT  seal whose key is in a key store:\n"
	"                                         LOC token:ESID | pkcs11:MODULE|TOKEN|KEY[|MECH|TYPE];\n"
	"                                         $ESEAL_PIN (optional) proves the key is there\n"
	"  seal key-location ESID                 where the seal's key is (empty: platform/device)\n"
	"  seal batch ESID --from DATE --to DATE --purpose P   standing batch authorisation\n"
	"  seal device-use ESID --document FILE   record a device seal's use (batch)\n"
	"  seal document ESID --document IN --request ID -o OUT\n"
	"             [--page N] [--x MM --y MM | --keyword TEXT | --riding]\n"
	"             [--width MM --height MM] [--reason R] [--pin-file F]\n"
	"                                         seal a PDF or OFD with the seal's key wherever\n"
	"                                         it is held, under the approved use request for\n"
	"                                         IN (time-stamped); default: page 1, 20/20 mm;\n"
	"                                         PIN: --pin-file, $ESEAL_PIN or the terminal\n"
	"  token init ESID                        software token: $ESEAL_PIN, $ESEAL_ADMIN_PIN\n"
	"  token check ESID                       check $ESEAL_PIN\n"
	"  token change-pin ESID                  $ESEAL_PIN -> $ESEAL_NEW_PIN\n"
	"  token reset ESID                       after a pin-unlock application:\n"
	"                                         $ESEAL_ADMIN_PIN, new PIN $ESEAL_NEW_PIN\n"
	"  token status ESID\n"
	"  list KIND [--after CURSOR] [--limit N] [filters]\n"
	"                                         a page of the records you may read, in key\n"
	"                                         order; the last line (--json: \"next\") is the\n"
	"                                         cursor of the next page. KIND: application seal\n"
	"                                         unit person account region use-request usage\n"
	"                                         audit outbox api-key job webhook. filters: --state S\n"
	"                                         --business B --unit ID --office REGION --batch ID\n"
	"                                         --waiting (waiting for me) --kind SEAL-KIND\n"
	"                                         --expiring-days N --holder PERSON --esid ESID\n"
	"                                         --from DATE --to DATE --object O --by ACCOUNT\n"
	"  get KIND ID                            one record (an application with its attachments\n"
	"                                         and history); ID: number, esID or region code\n"
	"  api-key create LOGIN --name N --expires DATE [--scope A[,A]] [--allow-from CIDR[,CIDR]]\n"
	"                                         a registered system's API key, printed once\n"
	"  api-key list [--after CURSOR] [--limit N]  |  api-key revoke ID\n"
	"  status ESID                            status lookup (the verifier's source)\n"
	"  status list [-o FILE]                  the signed status list (FILE.sig: SM2 signature)\n"
	"  outbox deliver                         deliver due filings (备案)\n"
	"  job create ESID DIR [--request ID] [--placement position|keyword|riding]\n"
	"             [--page N] [--x MM --y MM] [--w MM --h MM] [--keyword K] [--reason R]\n"
	"                                         a batch job of every file in DIR (by name);\n"
	"                                         prints its id and manifest (the SM3 a use\n"
	"                                         request must cover: docs/batch-jobs.md)\n"
	"  job authorise JOB --request ID         bind the approved use request of the manifest\n"
	"  job run JOB [--reclaim]                seal its items (a token seal: $ESEAL_PIN);\n"
	"                                         --reclaim: take over the items of a worker\n"
	"                                         that is gone\n"
	"  job show JOB                           progress (--json: every item's result)\n"
	"  job results JOB -o DIR                 the sealed copies as DIR/NAME, results.json\n"
	"  job cancel JOB                         items not yet sealed are cancelled\n"
	"  job list [--state S] [--esid ESID]     one's jobs (all: auditors, run-jobs), a page at a\n"
	"                                         time (--after CURSOR --limit N)\n"
	"  job purge --days N                     remove the documents and sealed copies of jobs\n"
	"                                         ended more than N days ago (audited)\n"
	"  webhook add URL --events E[,E] [--unit ID]\n"
	"                                         subscribe http://HOST:PORT/PATH to events\n"
	"                                         (application.state seal.status job.finished)\n"
	"                                         of one unit or all; prints its secret once\n"
	"                                         (docs/webhooks.md)\n"
	"  webhook list                           the subscriptions (never their secrets)\n"
	"  webhook remove ID                      stop it (undelivered events are dropped)\n"
	"  peer add --name N --trust FILE [--status-url URL] [--key ID]\n"
	"                                         register another platform (docs/peering.md):\n"
	"                                         FILE is its GET /api/v1/trust document; its\n"
	"                                         signed status list is fetched from URL; API\n"
	"                                         key ID files its seals here\n"
	"  peer list  |  peer remove ID  |  peer fetch [ID]  |  peer seals [--peer ID]\n"
	"                                         peers with their last fetch; fetch their\n"
	"                                         status lists now; the seals they filed\n"
	"  bench [N [THREADS]]                    applications end to end per second (THREADS sessions)\n"
	"\n"
	"  --dir DIR      platform folder (default $ESEAL_PLATFORM_DIR or ./eseal-platform)\n"
	"  --store URI    sqlite:PATH (default sqlite:DIR/platform.db) or postgres:CONNINFO\n"
	"                 (also $ESEAL_STORE)\n"
	"  --as LOGIN     sign in as LOGIN: the password typed at the terminal or the first\n"
	"                 line of --password-file FILE, or the API key in $ESEAL_API_KEY\n"
	"                 (default: the system account: local administration only)\n"
	"  --outbox-url U deliver filings by HTTP POST to U (also $ESEAL_OUTBOX_URL)\n"
	"  master key     $ESEAL_MASTER_KEY (64 hex digits) or DIR/master.key\n"
	"  legacy codes   DIR/legacy-codes.txt: credit codes accepted despite a failing\n"
	"                 check character (one a line)\n"
	"\n"
	"exit codes: 0 done, 3 usage or I/O error, 4 refused by a rule or a role\n";

static const char jobs_usage[] = "usage: eseal jobs run [--dir DIR] [--store URI] [--as LOGIN] [--json]\n"
				 "                      [--job-retention-days N]\n"
				 "\n"
				 "Expire seals past their validity, suspend seals unused for a year,\n"
				 "deliver due filings. Run it daily (cron, systemd timer).\n"
				 "--job-retention-days N: also remove the documents and sealed copies of\n"
				 "batch jobs ended more than N days ago (docs/batch-jobs.md).\n"
				 "exit codes: 0 done, 3 usage or I/O error, 4 refused\n";

static const char registry_usage[] =
	"usage: eseal registry import FILE [--dir DIR] [--store URI] [--as LOGIN] [--json]\n"
	"       eseal registry psb-import FILE [...]\n"
	"\n"
	"psb-import: seal codes and impressions from a public-security export (JSON\n"
	"array of {seal_code, credit_code, name, kind, impression: base64 PNG}); a later\n"
	"application of that unit, kind and name takes the code and the impression.\n"
	"\n"
	"import:"
	"Commercial registration feed (H§7): CSV with the header\n"
	"name,credit_code,region,legal_rep, or a JSON array of objects with those\n"
	"keys. Each entity gets its unit record and a standard official seal, active\n"
	"at once, without application. Rerunning skips entities already done.\n"
	"exit codes: 0 done, 3 usage or I/O error, 4 refused\n";

typedef struct popts {
	const char *dir, *store, *as, *outbox_url, *password_file, *new_password_file;
	bool json;
	/* subcommand options */
	const char *name, *credit, *region, *legal_rep, *id, *mobile, *roles, *business, *kind, *function, *size,
		*handler, *handler_mobile, *handler_id, *target, *reason, *impression, *multi, *output, *from, *to, *letter,
		*document, *purpose, *csr, *location, *anchor, *sm3, *placement, *events;
	/* peers */
	const char *trust, *status_url;
	int64_t key, peer;
	/* list filters, seal document, api keys */
	const char *state, *office, *esid, *object, *after, *expires, *scope, *allow_from, *keyword, *pin_file;
	int64_t unit, superior, holder, batch, request, limit, by, expiring_days, page, days;
	double x_mm, y_mm, w_mm, h_mm;
	bool have_unit, waiting, riding, have_x, have_y, reclaim;
	int nargs;
	char *args[8];
} popts;

static int parse_opts(popts *o, int argc, char **argv, const char *usage)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 1 },         { "store", required_argument, NULL, 2 },
		{ "as", required_argument, NULL, 3 },          { "json", no_argument, NULL, 4 },
		{ "name", required_argument, NULL, 5 },        { "credit-code", required_argument, NULL, 6 },
		{ "region", required_argument, NULL, 7 },      { "superior", required_argument, NULL, 8 },
		{ "legal-rep", required_argument, NULL, 9 },   { "id", required_argument, NULL, 10 },
		{ "mobile", required_argument, NULL, 11 },     { "unit", required_argument, NULL, 12 },
		{ "roles", required_argument, NULL, 13 },      { "business", required_argument, NULL, 14 },
		{ "kind", required_argument, NULL, 15 },       { "function", required_argument, NULL, 16 },
		{ "size", required_argument, NULL, 17 },       { "holder", required_argument, NULL, 18 },
		{ "handler", required_argument, NULL, 19 },    { "handler-mobile", required_argument, NULL, 20 },
		{ "handler-id", required_argument, NULL, 21 }, { "target", required_argument, NULL, 22 },
		{ "reason", required_argument, NULL, 23 },     { "impression", required_argument, NULL, 24 },
		{ "multi-cert-reason", required_argument, NULL, 25 }, { "output", required_argument, NULL, 'o' },
		{ "from", required_argument, NULL, 26 },       { "to", required_argument, NULL, 27 },
		{ "letter", required_argument, NULL, 28 },     { "batch", required_argument, NULL, 29 },
		{ "outbox-url", required_argument, NULL, 30 }, { "help", no_argument, NULL, 'h' },
		{ "document", required_argument, NULL, 31 },   { "purpose", required_argument, NULL, 32 },
		{ "request", required_argument, NULL, 33 },    { "csr", required_argument, NULL, 34 },
		{ "location", required_argument, NULL, 35 },   { "anchor", required_argument, NULL, 36 },
		{ "password-file", required_argument, NULL, 37 }, { "new-password-file", required_argument, NULL, 38 },
		{ "state", required_argument, NULL, 39 },      { "office", required_argument, NULL, 40 },
		{ "esid", required_argument, NULL, 41 },       { "object", required_argument, NULL, 42 },
		{ "after", required_argument, NULL, 43 },      { "limit", required_argument, NULL, 44 },
		{ "by", required_argument, NULL, 45 },         { "expiring-days", required_argument, NULL, 46 },
		{ "waiting", no_argument, NULL, 47 },          { "expires", required_argument, NULL, 48 },
		{ "scope", required_argument, NULL, 49 },      { "allow-from", required_argument, NULL, 50 },
		{ "keyword", required_argument, NULL, 51 },    { "riding", no_argument, NULL, 52 },
		{ "page", required_argument, NULL, 53 },       { "x", required_argument, NULL, 54 },
		{ "y", required_argument, NULL, 55 },          { "width", required_argument, NULL, 56 },
		{ "height", required_argument, NULL, 57 },     { "pin-file", required_argument, NULL, 58 },
		{ "sm3", required_argument, NULL, 59 },        { "placement", required_argument, NULL, 60 },
		{ "w", required_argument, NULL, 56 },          { "h", required_argument, NULL, 57 },
		{ "reclaim", no_argument, NULL, 61 },         { "events", required_argument, NULL, 62 },
		{ "days", required_argument, NULL, 63 },       { "job-retention-days", required_argument, NULL, 63 },
		{ "trust", required_argument, NULL, 64 },     { "status-url", required_argument, NULL, 65 },
		{ "key", required_argument, NULL, 66 },       { "peer", required_argument, NULL, 67 },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	memset(o, 0, sizeof(*o));
	o->by = -1;
	optind = 0;
	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		char *end = NULL;
		switch (c) {
		case 1: o->dir = optarg; break;
		case 2: o->store = optarg; break;
		case 3: o->as = optarg; break;
		case 4: o->json = true; break;
		case 5: o->name = optarg; break;
		case 6: o->credit = optarg; break;
		case 7: o->region = optarg; break;
		case 8: o->superior = strtoll(optarg, &end, 10); break;
		case 9: o->legal_rep = optarg; break;
		case 10: o->id = optarg; break;
		case 11: o->mobile = optarg; break;
		case 12: o->unit = strtoll(optarg, &end, 10); o->have_unit = true; break;
		case 13: o->roles = optarg; break;
		case 14: o->business = optarg; break;
		case 15: o->kind = optarg; break;
		case 16: o->function = optarg; break;
		case 17: o->size = optarg; break;
		case 18: o->holder = strtoll(optarg, &end, 10); break;
		case 19: o->handler = optarg; break;
		case 20: o->handler_mobile = optarg; break;
		case 21: o->handler_id = optarg; break;
		case 22: o->target = optarg; break;
		case 23: o->reason = optarg; break;
		case 24: o->impression = optarg; break;
		case 25: o->multi = optarg; break;
		case 'o': o->output = optarg; break;
		case 26: o->from = optarg; break;
		case 27: o->to = optarg; break;
		case 28: o->letter = optarg; break;
		case 29: o->batch = strtoll(optarg, &end, 10); break;
		case 30: o->outbox_url = optarg; break;
		case 31: o->document = optarg; break;
		case 32: o->purpose = optarg; break;
		case 33: o->request = strtoll(optarg, &end, 10); break;
		case 34: o->csr = optarg; break;
		case 35: o->location = optarg; break;
		case 36: o->anchor = optarg; break;
		case 37: o->password_file = optarg; break;
		case 38: o->new_password_file = optarg; break;
		case 39: o->state = optarg; break;
		case 40: o->office = optarg; break;
		case 41: o->esid = optarg; break;
		case 42: o->object = optarg; break;
		case 43: o->after = optarg; break;
		case 44: o->limit = strtoll(optarg, &end, 10); break;
		case 45: o->by = strtoll(optarg, &end, 10); break;
		case 46: o->expiring_days = strtoll(optarg, &end, 10); break;
		case 47: o->waiting = true; break;
		case 48: o->expires = optarg; break;
		case 49: o->scope = optarg; break;
		case 50: o->allow_from = optarg; break;
		case 51: o->keyword = optarg; break;
		case 52: o->riding = true; break;
		case 53: o->page = strtoll(optarg, &end, 10); break;
		case 54: o->x_mm = strtod(optarg, &end); o->have_x = true; break;
		case 55: o->y_mm = strtod(optarg, &end); o->have_y = true; break;
		case 56: o->w_mm = strtod(optarg, &end); break;
		case 57: o->h_mm = strtod(optarg, &end); break;
		case 58: o->pin_file = optarg; break;
		case 59: o->sm3 = optarg; break;
		case 60: o->placement = optarg; break;
		case 61: o->reclaim = true; break;
		case 62: o->events = optarg; break;
		case 63: o->days = strtoll(optarg, &end, 10); break;
		case 64: o->trust = optarg; break;
		case 65: o->status_url = optarg; break;
		case 66: o->key = strtoll(optarg, &end, 10); break;
		case 67: o->peer = strtoll(optarg, &end, 10); break;
		case 'h': fputs(usage, stdout); return -1;
		default: return -2;
		}
		if (end && (*end || end == optarg)) {
			fprintf(stderr, "eseal: option '%s' needs a number\n", optarg);
			return -2;
		}
	}
	/* GNU getopt moved the positional words (in order) behind the options */
	while (optind < argc && o->nargs < (int)ES_ARRAY_LEN(o->args))
		o->args[o->nargs++] = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "eseal: too many arguments\n");
		return -2;
	}
	if (!o->dir)
		o->dir = getenv("ESEAL_PLATFORM_DIR");
	if (!o->dir)
		o->dir = "eseal-platform";
	if (!o->store)
		o->store = getenv("ESEAL_STORE");
	if (!o->outbox_url)
		o->outbox_url = getenv("ESEAL_OUTBOX_URL");
	return 0;
}

/* The master key of DIR (es_platform_master_key); with @p create, a new one is made first. */
static int master_key(uint8_t key[32], const char *dir, bool create)
{
	char path[4096];
	int err;
	snprintf(path, sizeof(path), "%s/master.key", dir);
	if (create && !getenv("ESEAL_MASTER_KEY") && es_file_exists(path) != 1) {
		char hex[65];
		uint8_t k[32];
		if ((err = es_random(k, sizeof(k))) < 0)
			return err;
		es_hex(hex, k, sizeof(k));
		es_wipe(k, sizeof(k));
		err = es_mkdirs(dir, 0700);
		if (err == 0)
			err = es_file_write(path, hex, 64, 0600);
		es_wipe(hex, sizeof(hex));
		if (err < 0)
			return err;
	}
	return es_platform_master_key(key, dir);
}

typedef struct legacy_list {
	char *v[256];
	size_t n;
	es_buf text;
} legacy_list;

static void legacy_load(legacy_list *l, const char *dir)
{
	char path[4096];
	memset(l, 0, sizeof(*l));
	es_buf_init(&l->text, 1 << 20);
	snprintf(path, sizeof(path), "%s/legacy-codes.txt", dir);
	if (es_file_exists(path) != 1 || es_file_read(&l->text, path, 1 << 20) < 0 || es_buf_put(&l->text, "", 1) < 0) {
		es_error_clear();
		return;
	}
	char *p = (char *)l->text.ptr;
	while (*p && l->n < ES_ARRAY_LEN(l->v)) {
		size_t n = strcspn(p, "\r\n");
		char *next = p + n + (p[n] ? 1 : 0);
		p[n] = 0;
		if (n && p[0] != '#')
			l->v[l->n++] = p;
		p = next;
	}
}

static int open_platform(es_platform **p, const popts *o, bool create, legacy_list *legacy)
{
	uint8_t key[32];
	char store[4200];
	es_platform_options po = ES_PLATFORM_OPTIONS_INIT;
	int err;
	if ((err = master_key(key, o->dir, create)) < 0)
		return err;
	if (!create && es_file_exists(o->dir) != 1)
		return es_error_set(ES_ENOTFOUND, "no platform folder '%s': run 'eseal platform init'", o->dir);
	if (o->store)
		snprintf(store, sizeof(store), "%s", o->store);
	else
		snprintf(store, sizeof(store), "sqlite:%s/platform.db", o->dir);
	legacy_load(legacy, o->dir);
	po.store = store;
	po.dir = o->dir;
	po.master_key = key;
	po.outbox_url = o->outbox_url;
	/* a secret: from the environment only, never a flag (docs/peering.md) */
	po.outbox_api_key = getenv("ESEAL_OUTBOX_API_KEY");
	if (po.outbox_api_key && !*po.outbox_api_key)
		po.outbox_api_key = NULL;
	po.legacy_codes = (const char *const *)legacy->v;
	po.nlegacy = legacy->n;
	err = es_platform_open(p, &po);
	es_wipe(key, sizeof(key));
	return err;
}

/*
 * A password: the first line of @p file, or typed at the terminal (not echoed).
 * Never from the command line or the environment, where other users see it.
 */
static int read_password(char *out, size_t cap, const char *file, const char *prompt)
{
	out[0] = 0;
	if (file) {
		es_buf b = ES_BUF_INIT;
		int err = es_file_read(&b, file, 4096);
		if (err < 0)
			return err;
		size_t n = 0;
		while (n < b.len && b.ptr[n] != '\n' && b.ptr[n] != '\r')
			n++;
		if (n >= cap) {
			es_buf_release_secret(&b);
			return es_error_set(ES_EINVAL, "%s: the password is longer than %zu characters", file, cap - 1);
		}
		memcpy(out, b.ptr, n);
		out[n] = 0;
		es_buf_release_secret(&b);
		return 0;
	}
	if (!isatty(STDIN_FILENO))
		return es_error_set(ES_EAUTH, "no password: give --password-file FILE, type it at a terminal, or set "
					      "ESEAL_API_KEY");
	struct termios old, quiet;
	bool echo_off = tcgetattr(STDIN_FILENO, &old) == 0;
	fprintf(stderr, "%s", prompt);
	fflush(stderr);
	if (echo_off) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	char *got = fgets(out, (int)cap, stdin);
	if (echo_off)
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fputc('\n', stderr);
	if (!got)
		return es_error_set(ES_EAUTH, "no password typed");
	out[strcspn(out, "\r\n")] = 0;
	return 0;
}

/*
 * Who acts. Without --as: the system account, which the role table lets do only
 * the local administration of the data directory. With --as LOGIN: a sign-in like
 * any other (audited, counted towards the lock-out) with the API key in
 * $ESEAL_API_KEY, or a password from --password-file or the terminal.
 */
static int actor_of(es_platform *p, const popts *o, es_actor **out)
{
	*out = NULL;
	if (!o->as)
		return es_actor_system(out);
	char pw[ES_PASSWORD_MAX + 2];
	const char *key = getenv("ESEAL_API_KEY");
	es_credential c = { .kind = ES_AUTH_PASSWORD, .login = o->as, .password = pw, .source_addr = "local" };
	int err = 0;
	if (key && *key) {
		c.kind = ES_AUTH_API_KEY;
		c.api_key = key;
		c.password = NULL;
	} else {
		char prompt[128];
		snprintf(prompt, sizeof(prompt), "password of %.64s: ", o->as);
		err = read_password(pw, sizeof(pw), o->password_file, prompt);
	}
	if (err == 0)
		err = es_platform_authenticate(p, &c, out);
	es_wipe(pw, sizeof(pw));
	if (err == 0 && strcmp(es_actor_login(*out), o->as) != 0) {
		es_actor_free(*out);
		*out = NULL;
		err = es_error_set(ES_EAUTH, "the API key in ESEAL_API_KEY is not an API key of '%s'", o->as);
	}
	return err;
}

/* eseal platform password --as LOGIN: change one's own password (a one-time one first). */
static int plat_password(es_platform *p, const popts *o)
{
	char old[ES_PASSWORD_MAX + 2], pw[ES_PASSWORD_MAX + 2], again[ES_PASSWORD_MAX + 2];
	int err;
	if (!o->as)
		return es_error_set(ES_EINVAL, "whose password? give --as LOGIN");
	if ((err = read_password(old, sizeof(old), o->password_file, "current (or one-time) password: ")) == 0 &&
	    (err = read_password(pw, sizeof(pw), o->new_password_file, "new password: ")) == 0) {
		if (!o->new_password_file &&
		    ((err = read_password(again, sizeof(again), NULL, "new password again: ")) < 0 || strcmp(pw, again) != 0))
			err = err < 0 ? err : es_error_set(ES_EINVAL, "the two new passwords differ: type them again");
		if (err == 0)
			err = es_platform_password_change(p, o->as, old, pw);
	}
	es_wipe(old, sizeof(old));
	es_wipe(pw, sizeof(pw));
	es_wipe(again, sizeof(again));
	return err;
}

static int done_rc(const popts *o, int err, const char *what)
{
	if (err == 0)
		return ES_EXIT_OK;
	if (o->json)
		cli_fail_json(what);
	else
		cli_fail("%s", what);
	/* refusals: by role or rule, a wrong credential, a wrong state, a lost race */
	return err == ES_EDENIED || err == ES_EAUTH || err == ES_ESTATE || err == ES_ECONFLICT ? ES_EXIT_DENIED : ES_EXIT_USAGE;
}

static void print_id(const popts *o, const char *key, int64_t id)
{
	if (o->json)
		cli_print_json(json_pack("{s:I}", key, (json_int_t)id));
	else
		printf("%s %lld\n", key, (long long)id);
}

static int need(const popts *o, int n, const char *what)
{
	if (o->nargs < n)
		return cli_usage_error("platform", "%s", what);
	return 0;
}

static int64_t num(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	return *end ? -1 : v;
}

/* eseal platform peer ... (docs/peering.md): the same JSON the HTTP route takes. */
static int plat_peer(es_platform *p, const popts *o, const es_actor *actor)
{
	static const char usage[] = "peer add --name N --trust FILE [--status-url URL] [--key ID] | peer list | "
				    "peer remove ID | peer fetch [ID] | peer seals [--peer ID]";
	const char *sub = o->nargs >= 2 ? o->args[1] : "";
	es_buf b = ES_BUF_INIT;
	int err;
	if (strcmp(sub, "add") == 0 && o->nargs == 2) {
		json_error_t je;
		json_t *trust = NULL;
		int64_t id = 0;
		if (!o->name || !o->trust)
			return cli_usage_error("platform", "%s", usage);
		if ((err = es_file_read(&b, o->trust, ES_PEER_MAX_BODY)) < 0)
			return done_rc(o, err, "peer add");
		trust = json_loadb((const char *)b.ptr, b.len, 0, &je);
		b.len = 0;
		if (!trust) {
			es_buf_release(&b);
			return done_rc(o, es_error_set(ES_EMALFORMED, "%s is not JSON: %s (the peer's GET /api/v1/trust)",
						       o->trust, je.text),
				       "peer add");
		}
		json_t *req = json_pack("{s:s, s:o}", "name", o->name, "trust", trust);
		if (o->status_url)
			json_object_set_new(req, "status_url", json_string(o->status_url));
		if (o->key)
			json_object_set_new(req, "api_key", json_integer(o->key));
		char *text = json_dumps(req, JSON_COMPACT);
		json_decref(req);
		err = text ? es_platform_peer_add(p, actor, (const uint8_t *)text, strlen(text), &id)
			   : es_error_set(ES_ENOMEM, "out of memory");
		free(text); /* jansson's */
		es_buf_release(&b);
		if (err == 0)
			print_id(o, "peer", id);
		return done_rc(o, err, "peer add");
	}
	if (strcmp(sub, "remove") == 0 && o->nargs == 3 && num(o->args[2]) > 0) {
		if ((err = es_platform_peer_remove(p, actor, num(o->args[2]))) == 0)
			print_id(o, "removed", num(o->args[2]));
		return done_rc(o, err, "peer remove");
	}
	if (strcmp(sub, "fetch") == 0 && (o->nargs == 2 || (o->nargs == 3 && num(o->args[2]) > 0))) {
		unsigned failed = 0;
		if ((err = es_platform_allowed(p, actor, ES_ACT_ACCOUNT_ADD, -1)) == 0)
			err = es_platform_peer_fetch(p, o->nargs == 3 ? num(o->args[2]) : 0, &failed);
		if (err == 0 && failed)
			err = es_error_set(ES_EIO, "%u peer(s) failed: see last_error in 'eseal platform peer list'", failed);
		if (err == 0 && !o->json)
			printf("fetched\n");
		else if (err == 0)
			cli_print_json(json_pack("{s:i}", "failed", 0));
		return done_rc(o, err, "peer fetch");
	}
	if ((strcmp(sub, "list") == 0 || strcmp(sub, "seals") == 0) && o->nargs == 2) {
		err = sub[0] == 'l' ? es_platform_peers_json(p, actor, &b) : es_platform_peer_seals_json(p, actor, o->peer, &b);
		if (err == 0)
			printf("%.*s\n", (int)b.len, (const char *)b.ptr);
		es_buf_release(&b);
		return done_rc(o, err, sub[0] == 'l' ? "peer list" : "peer seals");
	}
	return cli_usage_error("platform", "%s", usage);
}

static int plat_init(es_platform *p, const popts *o, const es_actor *actor)
{
	int64_t id;
	es_buf root = ES_BUF_INIT;
	char path[4096];
	int err = es_platform_account_find(p, "admin", &id);
	if (err == ES_ENOTFOUND) {
		es_error_clear();
		err = es_platform_account_add(p, actor, "admin", ES_ROLE_SYSADMIN, 0, NULL, &id);
	}
	if (err == 0) {
		snprintf(path, sizeof(path), "%s/trust", o->dir);
		if ((err = es_mkdirs(path, 0755)) == 0 && (err = es_platform_authority_pem(p, &root, NULL)) == 0) {
			snprintf(path, sizeof(path), "%s/trust/root.crt", o->dir);
			err = es_file_write(path, root.ptr, root.len, 0644);
		}
	}
	es_buf_release(&root);
	if (err == 0) {
		if (o->json)
			cli_print_json(json_pack("{s:s, s:s, s:I}", "dir", o->dir, "trust", path, "admin", (json_int_t)id));
		else
			printf("platform ready in %s (trust anchor %s, account 'admin')\n", o->dir, path);
	}
	return done_rc(o, err, "platform init");
}

static int parse_size(const char *s, unsigned *w, unsigned *h)
{
	unsigned a, b;
	char x;
	if (!s) {
		*w = *h = 42;
		return 0;
	}
	if (sscanf(s, "%u%c%u", &a, &x, &b) != 3 || (x != 'x' && x != 'X'))
		return es_error_set(ES_EINVAL, "--size must be WIDTHxLENGTH in millimetres, e.g. 42x42");
	*w = a;
	*h = b;
	return 0;
}

static int plat_app(es_platform *p, const popts *o, const es_actor *actor)
{
	const char *verb = o->args[1];
	int err;
	if (strcmp(verb, "create") == 0) {
		es_app_form f = ES_APP_FORM_INIT;
		es_buf imp = ES_BUF_INIT;
		int64_t id = 0;
		f.business = es_business_parse(o->business ? o->business : "apply");
		f.kind = es_seal_kind_from_name(o->kind ? o->kind : "official");
		f.function = o->function ? es_seal_function_from_name(o->function) : 0;
		if (f.business < 0 || f.kind < 0 || f.function < 0)
			return cli_usage_error("platform", "unknown --business, --kind or --function");
		if (!o->have_unit)
			return cli_usage_error("platform", "app create needs --unit");
		f.unit_id = o->unit;
		f.seal_name = o->name;
		f.holder_person = o->holder;
		f.handler_name = o->handler;
		f.handler_mobile = o->handler_mobile;
		f.handler_id = o->handler_id;
		f.target_esid = o->target;
		f.reason = o->reason;
		f.multi_cert_reason = o->multi;
		f.batch_id = o->batch;
		if ((err = parse_size(o->size, &f.width_mm, &f.height_mm)) < 0)
			return done_rc(o, err, "app create");
		if (o->impression) {
			if ((err = cli_read_file(&imp, o->impression)) < 0)
				return done_rc(o, err, "reading the impression");
			f.impression = imp.ptr;
			f.impression_len = imp.len;
		}
		err = es_platform_app_create(p, actor, &f, &id);
		es_buf_release(&imp);
		if (err == 0)
			print_id(o, "application", id);
		return done_rc(o, err, "app create");
	}
	if (need(o, 3, "which application?"))
		return ES_EXIT_USAGE;
	int64_t app = num(o->args[2]);
	char esid[15] = "";
	if (strcmp(verb, "submit") == 0)
		err = es_platform_app_submit(p, actor, app);
	else if (strcmp(verb, "forward") == 0)
		err = es_platform_app_forward(p, actor, app);
	else if (strcmp(verb, "check") == 0)
		err = es_platform_app_check(p, actor, app);
	else if (strcmp(verb, "approve") == 0)
		err = es_platform_app_review(p, actor, app, true, o->reason);
	else if (strcmp(verb, "reject") == 0)
		err = es_platform_app_review(p, actor, app, false, o->reason);
	else if (strcmp(verb, "make") == 0)
		err = es_platform_app_make(p, actor, app, esid);
	else if (strcmp(verb, "file") == 0)
		err = es_platform_app_file(p, actor, app);
	else if (strcmp(verb, "deliver") == 0)
		err = es_platform_app_deliver(p, actor, app);
	else if (strcmp(verb, "attach") == 0) {
		es_buf data = ES_BUF_INIT;
		if (o->nargs < 4 || !o->kind)
			return cli_usage_error("platform", "app attach APP --kind K FILE");
		if ((err = cli_read_file(&data, o->args[3])) == 0) {
			const char *base = strrchr(o->args[3], '/');
			err = es_platform_app_attach(p, actor, app, o->kind, base ? base + 1 : o->args[3], data.ptr, data.len);
		}
		es_buf_release(&data);
	} else if (strcmp(verb, "batch-summary") == 0) {
		es_buf js = ES_BUF_INIT;
		if ((err = es_platform_batch_summary(p, actor, app, &js)) == 0) {
			fwrite(js.ptr, 1, js.len, stdout);
			fputc('\n', stdout);
		}
		es_buf_release(&js);
		return done_rc(o, err, "batch summary");
	} else if (strcmp(verb, "state") == 0) {
		char st[16];
		if ((err = es_platform_app_state(p, app, st, sizeof(st))) == 0) {
			if (o->json)
				cli_print_json(json_pack("{s:I, s:s}", "application", (json_int_t)app, "state", st));
			else
				printf("%s\n", st);
		}
		return done_rc(o, err, "app state");
	} else {
		return cli_usage_error("platform", "unknown app command '%s'", verb);
	}
	if (err == 0) {
		char st[16] = "";
		es_seal_record sr;
		memset(&sr, 0, sizeof(sr));
		if (es_platform_app_state(p, app, st, sizeof(st)) < 0)
			es_error_clear();
		/* what became of the seal: made for a new seal, revoked, lost, ... for the others */
		if (esid[0] && es_platform_seal_get(p, esid, &sr) < 0)
			es_error_clear();
		if (o->json)
			cli_print_json(json_pack("{s:I, s:s, s:s, s:s}", "application", (json_int_t)app, "state", st, "esid",
						 esid, "seal_state", sr.state));
		else if (esid[0] && strcmp(sr.state, "made") == 0)
			printf("application %lld %s; seal %s made: confirm its impression ('seal confirm %s')\n",
			       (long long)app, st, esid, esid);
		else if (esid[0] && sr.state[0])
			printf("application %lld %s; seal %s is %s\n", (long long)app, st, esid, sr.state);
		else
			printf("application %lld %s\n", (long long)app, st);
	}
	return done_rc(o, err, verb);
}

static int plat_seal_status(es_platform *p, const popts *o, const char *esid)
{
	es_status_info si;
	char since[32];
	int err = es_platform_status_fn(&si, esid, p);
	if (err == 0) {
		es_time_iso(since, si.since);
		if (o->json)
			cli_print_json(json_pack("{s:s, s:s, s:s, s:s}", "esid", esid, "status", es_seal_status_name(si.status),
						 "since", since, "reason", si.reason));
		else
			printf("%s %s since %s%s%s\n", esid, es_seal_status_name(si.status), since, si.reason[0] ? ": " : "",
			       si.reason);
	}
	return done_rc(o, err, "status");
}

/* SM3 of a document file. */
static int doc_hash(uint8_t h[32], const char *path)
{
	es_buf b = ES_BUF_INIT;
	int err = cli_read_file(&b, path);
	if (err == 0)
		err = es_sm3(h, b.ptr, b.len);
	es_buf_release(&b);
	return err;
}

/* The usage of the seal and use subcommands, for a wrong or missing one. */
static const char seal_cmds[] = "seal confirm|use|show|export|authorise|sign|document|device-use|bind-device|"
				"bind-key|key-location|batch ESID [options]";
static const char use_cmds[] = "use request ESID --document FILE|--sm3 HEX --purpose P | use approve|reject|state ID";

static bool known_verb(const char *verb, const char *const *verbs)
{
	for (; *verbs; verbs++)
		if (strcmp(verb, *verbs) == 0)
			return true;
	return false;
}

static int plat_seal_document(es_platform *p, const popts *o, const es_actor *actor, const char *esid);

static int plat_seal(es_platform *p, const popts *o, const es_actor *actor)
{
	static const char *const verbs[] = { "confirm", "use", "authorise", "authorize", "sign", "device-use",
					     "bind-device", "bind-key", "key-location", "batch", "export", "show",
					     "document", NULL };
	const char *verb = o->args[1];
	int err;
	if (!known_verb(verb, verbs))
		return cli_usage_error("platform", "unknown seal command '%s': %s", verb, seal_cmds);
	if (o->nargs < 3)
		return cli_usage_error("platform", "seal %s needs the esID: %s", verb, seal_cmds);
	const char *esid = o->args[2];
	if (strcmp(verb, "document") == 0)
		return plat_seal_document(p, o, actor, esid);
	if (strcmp(verb, "confirm") == 0) {
		err = es_platform_seal_confirm(p, actor, esid);
	} else if (strcmp(verb, "use") == 0) {
		err = es_platform_seal_use(p, actor, esid);
	} else if (strcmp(verb, "authorise") == 0 || strcmp(verb, "authorize") == 0) {
		es_time from, to;
		if (!o->have_unit || !o->from || !o->to || es_time_parse(&from, o->from) != 0 || es_time_parse(&to, o->to) != 0)
			return cli_usage_error("platform", "seal authorise needs --unit, --from DATE and --to DATE");
		err = es_platform_seal_authorise(p, actor, esid, o->unit, from, to, o->letter);
	} else if (strcmp(verb, "sign") == 0 || strcmp(verb, "device-use") == 0) {
		uint8_t h[32];
		es_buf sig = ES_BUF_INIT;
		int64_t usage = 0;
		bool sign = strcmp(verb, "sign") == 0;
		if (!o->document || (sign && (!o->output || o->request <= 0)))
			return cli_usage_error("platform", "seal %s needs --document FILE%s", verb,
					       sign ? ", --request ID and -o SIG" : "");
		if ((err = doc_hash(h, o->document)) == 0) {
			if (sign)
				err = es_platform_seal_sign(p, actor, esid, h, o->request, getenv("ESEAL_PIN"), &sig);
			else
				err = es_platform_device_use(p, actor, esid, h, &usage);
		}
		if (err == 0 && sign)
			err = cli_write_file(o->output, sig.ptr, sig.len);
		es_buf_release(&sig);
		if (err == 0 && !sign)
			print_id(o, "usage", usage);
		if (err == 0 && sign && strcmp(o->output, "-") != 0 && o->json)
			cli_print_json(json_pack("{s:s}", "signed", esid));
		else if (err == 0 && sign && strcmp(o->output, "-") != 0)
			printf("signed %s\n", esid);
		return done_rc(o, err, verb);
	} else if (strcmp(verb, "bind-device") == 0) {
		es_buf csr = ES_BUF_INIT, cert = ES_BUF_INIT;
		if (!o->csr || !o->output)
			return cli_usage_error("platform", "seal bind-device ESID --csr FILE -o CERT");
		if ((err = cli_read_file(&csr, o->csr)) == 0 &&
		    (err = es_platform_seal_bind_device(p, actor, esid, csr.ptr, csr.len, &cert)) == 0)
			err = cli_write_file(o->output, cert.ptr, cert.len);
		es_buf_release(&csr);
		es_buf_release(&cert);
		return done_rc(o, err, verb);
	} else if (strcmp(verb, "bind-key") == 0) {
		es_buf cert = ES_BUF_INIT;
		if (!o->location || !o->output)
			return cli_usage_error("platform", "seal bind-key ESID --location LOC -o CERT");
		if ((err = es_platform_seal_bind_keystore(p, actor, esid, o->location, getenv("ESEAL_PIN"), &cert)) == 0)
			err = cli_write_file(o->output, cert.ptr, cert.len);
		es_buf_release(&cert);
		return done_rc(o, err, verb);
	} else if (strcmp(verb, "key-location") == 0) {
		char loc[ES_KEY_LOCATION_MAX + 1];
		if ((err = es_platform_seal_key_location(p, esid, loc, sizeof(loc))) == 0) {
			if (o->json) {
				cli_print_json(json_pack("{s:s, s:s}", "esid", esid, "location", loc));
			} else {
				printf("%s\n", loc);
			}
		}
		return done_rc(o, err, verb);
	} else if (strcmp(verb, "batch") == 0) {
		es_time from, to;
		int64_t id = 0;
		if (!o->from || !o->to || !o->purpose || es_time_parse(&from, o->from) != 0 || es_time_parse(&to, o->to) != 0)
			return cli_usage_error("platform", "seal batch needs --from DATE --to DATE --purpose P");
		err = es_platform_batch_authorise(p, actor, esid, o->purpose, from, to, &id);
		if (err == 0)
			print_id(o, "batch", id);
		return done_rc(o, err, verb);
	} else if (strcmp(verb, "export") == 0) {
		es_buf der = ES_BUF_INIT;
		if (!o->output)
			return cli_usage_error("platform", "seal export needs -o FILE");
		if ((err = es_platform_allowed(p, actor, ES_ACT_READ, -1)) == 0 &&
		    (err = es_platform_seal_der(p, esid, &der)) == 0)
			err = cli_write_file(o->output, der.ptr, der.len);
		es_buf_release(&der);
		return done_rc(o, err, "seal export");
	} else if (strcmp(verb, "show") == 0) {
		es_seal_record r;
		char vs[32], ve[32], since[32];
		if ((err = es_platform_allowed(p, actor, ES_ACT_READ, -1)) == 0 && (err = es_platform_seal_get(p, esid, &r)) == 0) {
			es_time_iso(vs, r.valid_start);
			es_time_iso(ve, r.valid_end);
			es_time_iso(since, r.state_since);
			if (o->json)
				cli_print_json(json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:b}", "esid", r.esid,
							 "state", r.state, "kind", r.kind, "name", r.name, "unit",
							 (json_int_t)r.unit_id, "valid_start", vs, "valid_end", ve, "since", since,
							 "reason", r.state_reason, "replaced_by", r.replaced_by, "confirmed",
							 r.confirmed));
			else
				printf("esid %s\nstate %s since %s%s%s\nkind %s\nname %s\nunit %lld\nvalid %s .. %s\n%s%s%s",
				       r.esid, r.state, since, r.state_reason[0] ? ": " : "", r.state_reason, r.kind, r.name,
				       (long long)r.unit_id, vs, ve, r.replaced_by[0] ? "replaced by " : "", r.replaced_by,
				       r.replaced_by[0] ? "\n" : "");
		}
		return done_rc(o, err, "seal show");
	} else {
		return cli_usage_error("platform", "unknown seal command '%s'", verb);
	}
	if (err == 0) {
		if (o->json)
			cli_print_json(json_pack("{s:s, s:s}", "esid", esid, "done", verb));
		else
			printf("seal %s: %s done\n", esid, verb);
	}
	return done_rc(o, err, verb);
}

static int plat_use(es_platform *p, const popts *o, const es_actor *actor)
{
	static const char *const verbs[] = { "request", "approve", "reject", "state", NULL };
	const char *verb = o->args[1];
	int err;
	int64_t id = 0;
	if (!known_verb(verb, verbs))
		return cli_usage_error("platform", "unknown use command '%s': %s", verb, use_cmds);
	if (strcmp(verb, "request") == 0) {
		uint8_t h[32];
		if (o->nargs < 3 || !o->document == !o->sm3 || !o->purpose)
			return cli_usage_error("platform", "use request ESID --document FILE|--sm3 HEX --purpose P");
		if (o->sm3 && (strlen(o->sm3) != 64 || es_unhex(h, 32, o->sm3, 64, true) < 0))
			return cli_usage_error("platform", "--sm3 takes 64 hex digits");
		if (o->sm3 || (err = doc_hash(h, o->document)) == 0)
			err = es_platform_use_request(p, actor, o->args[2], h, o->purpose, &id);
		if (err == 0)
			print_id(o, "request", id);
		return done_rc(o, err, "use request");
	}
	if (o->nargs < 3 || (id = num(o->args[2])) <= 0)
		return cli_usage_error("platform", "use %s ID", verb);
	if (strcmp(verb, "approve") == 0 || strcmp(verb, "reject") == 0) {
		err = es_platform_use_decide(p, actor, id, verb[0] == 'a', o->reason);
		if (err == 0 && o->json)
			cli_print_json(json_pack("{s:I, s:s}", "request", (json_int_t)id, "done", verb));
		else if (err == 0)
			printf("request %lld: %s done\n", (long long)id, verb);
		return done_rc(o, err, verb);
	}
	if (strcmp(verb, "state") == 0) {
		char st[16];
		if ((err = es_platform_allowed(p, actor, ES_ACT_READ, -1)) == 0 &&
		    (err = es_platform_use_state(p, id, st, sizeof(st))) == 0) {
			if (o->json)
				cli_print_json(json_pack("{s:I, s:s}", "request", (json_int_t)id, "state", st));
			else
				printf("request %lld %s\n", (long long)id, st);
		}
		return done_rc(o, err, "use state");
	}
	return cli_usage_error("platform", "unknown use command '%s'", verb);
}

/* ---- batch jobs (docs/batch-jobs.md) ---------------------------------------------------------- */

static const char job_cmds[] = "job create ESID DIR [options] | job authorise JOB --request ID | job run JOB [--reclaim] | "
			       "job show|cancel JOB | job results JOB -o DIR | job list | job purge --days N";

typedef struct job_files {
	es_job_doc *v;
	es_buf *bufs;
	char **names;
	size_t n;
} job_files;

static void job_files_free(job_files *f)
{
	for (size_t i = 0; i < f->n; i++) {
		es_buf_release(&f->bufs[i]);
		es_free(f->names[i]);
	}
	es_free(f->v);
	es_free(f->bufs);
	es_free(f->names);
	memset(f, 0, sizeof(*f));
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of @p dir (not hidden), by name. */
static int job_files_read(job_files *f, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t cap = 0;
	int err = 0;
	memset(f, 0, sizeof(*f));
	if (!d)
		return es_error_set(ES_EIO, "cannot read the folder '%s'", dir);
	while ((e = readdir(d)) != NULL) {
		char path[4096];
		struct stat st;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (f->n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			char **nn = es_realloc(f->names, nc * sizeof(*nn));
			if (!nn) {
				err = es_error_set(ES_ENOMEM, "out of memory");
				break;
			}
			f->names = nn;
			cap = nc;
		}
		if (!(f->names[f->n] = es_strdup(e->d_name))) {
			err = es_error_set(ES_ENOMEM, "out of memory");
			break;
		}
		f->n++;
		if (f->n > ES_JOB_MAX_ITEMS) {
			err = es_error_set(ES_ELIMIT, "a job has at most %d documents: '%s' has more", ES_JOB_MAX_ITEMS, dir);
			break;
		}
	}
	closedir(d);
	if (err == 0 && f->n == 0)
		err = es_error_set(ES_EINVAL, "the folder '%s' has no documents", dir);
	if (err == 0) {
		qsort(f->names, f->n, sizeof(*f->names), name_cmp);
		f->v = es_calloc(f->n, sizeof(*f->v));
		f->bufs = es_calloc(f->n, sizeof(*f->bufs));
		if (!f->v || !f->bufs)
			err = es_error_set(ES_ENOMEM, "out of memory");
	}
	for (size_t i = 0; err == 0 && i < f->n; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, f->names[i]);
		es_buf_init(&f->bufs[i], ES_JOB_MAX_DOC);
		if ((err = cli_read_file(&f->bufs[i], path)) == 0) {
			f->v[i].name = f->names[i];
			f->v[i].doc = f->bufs[i].ptr;
			f->v[i].len = f->bufs[i].len;
		}
	}
	if (err < 0 && !f->bufs) {
		for (size_t i = 0; i < f->n; i++)
			es_free(f->names[i]);
		es_free(f->names);
		es_free(f->v);
		memset(f, 0, sizeof(*f));
	}
	return err;
}

static int job_print(const popts *o, es_platform *p, const es_actor *actor, int64_t job)
{
	es_job_info j;
	int err;
	if (o->json) {
		es_buf js = ES_BUF_INIT;
		if ((err = es_platform_job_json(p, actor, job, &js)) == 0)
			printf("%.*s\n", (int)js.len, (const char *)js.ptr);
		es_buf_release(&js);
		return err;
	}
	if ((err = es_platform_job_get(p, actor, job, &j)) == 0)
		printf("job %lld %s: %lld documents, %lld sealed, %lld failed, %lld pending, %lld being sealed, %lld "
		       "cancelled\n",
		       (long long)j.id, j.state, (long long)j.total, (long long)j.done, (long long)j.failed,
		       (long long)j.pending, (long long)j.sealing, (long long)j.cancelled);
	return err;
}

static int job_results(const popts *o, es_platform *p, const es_actor *actor, int64_t job)
{
	es_job_info j;
	es_buf js = ES_BUF_INIT;
	char path[4096];
	unsigned written = 0;
	int err;
	if ((err = es_platform_job_get(p, actor, job, &j)) < 0)
		return err;
	if ((err = es_mkdirs(o->output, 0700)) < 0)
		return err;
	for (int64_t seq = 1; seq <= j.total && err == 0; seq++) {
		es_job_item it;
		es_buf sealed;
		es_buf_init(&sealed, ES_JOB_MAX_DOC + ((size_t)8 << 20));
		if ((err = es_platform_job_item(p, actor, job, seq, &it, &sealed)) == 0 && strcmp(it.state, "done") == 0) {
			snprintf(path, sizeof(path), "%s/%s", o->output, it.name);
			if ((err = cli_write_file(path, sealed.ptr, sealed.len)) == 0)
				written++;
		}
		es_buf_release(&sealed);
	}
	if (err == 0 && (err = es_platform_job_json(p, actor, job, &js)) == 0) {
		snprintf(path, sizeof(path), "%s/results.json", o->output);
		err = cli_write_file(path, js.ptr, js.len);
	}
	es_buf_release(&js);
	if (err == 0) {
		if (o->json)
			cli_print_json(json_pack("{s:I, s:s, s:i}", "job", (json_int_t)job, "state", j.state, "written",
						 (int)written));
		else
			printf("job %lld %s: %u sealed documents in %s\n", (long long)job, j.state, written, o->output);
	}
	return err;
}

static int plat_read(es_platform *p, const popts *o, const es_actor *actor, bool list);

static int plat_job(es_platform *p, const popts *o, const es_actor *actor)
{
	static const char *const verbs[] = { "create", "authorise", "authorize", "run",	 "show",
					     "results", "cancel",    "list",	  "purge", NULL };
	const char *verb = o->args[1];
	int64_t job = 0;
	int err;
	if (!known_verb(verb, verbs))
		return cli_usage_error("platform", "unknown job command '%s': %s", verb, job_cmds);
	if (strcmp(verb, "list") == 0) {
		popts l = *o;
		if (o->nargs != 2)
			return cli_usage_error("platform", "job list [--state S] [--esid ESID] [--after CURSOR] [--limit N]");
		l.args[1] = (char *)"job";
		return plat_read(p, &l, actor, true);
	}
	if (strcmp(verb, "purge") == 0) {
		unsigned purged = 0;
		if (o->nargs != 2 || o->days < 1 || o->days > 36500)
			return cli_usage_error("platform", "job purge --days N (1..36500)");
		if ((err = es_platform_job_purge(p, actor, (unsigned)o->days, &purged)) == 0) {
			if (o->json)
				cli_print_json(json_pack("{s:i}", "jobs_purged", (int)purged));
			else
				printf("%u jobs purged (ended more than %lld days ago)\n", purged, (long long)o->days);
		}
		return done_rc(o, err, "job purge");
	}
	if (strcmp(verb, "create") == 0) {
		es_job_options jo = ES_JOB_OPTIONS_INIT;
		job_files f;
		uint8_t mf[32];
		char mh[65];
		if (o->nargs != 4)
			return cli_usage_error("platform", "job create ESID DIR [--request ID] [placement options]");
		jo.esid = o->args[2];
		jo.request = o->request;
		if (!o->placement || strcmp(o->placement, "position") == 0)
			jo.place = ES_DOC_PLACE_POSITION;
		else if (strcmp(o->placement, "keyword") == 0)
			jo.place = ES_DOC_PLACE_KEYWORD;
		else if (strcmp(o->placement, "riding") == 0)
			jo.place = ES_DOC_PLACE_RIDING;
		else
			return cli_usage_error("platform", "--placement is position, keyword or riding");
		if (o->page < 0 || o->page > 100000)
			return cli_usage_error("platform", "--page takes a page number");
		jo.page = (unsigned)o->page;
		jo.x_mm = o->x_mm;
		jo.y_mm = o->y_mm;
		jo.w_mm = o->w_mm;
		jo.h_mm = o->h_mm;
		jo.keyword = o->keyword;
		jo.reason = o->reason;
		if ((err = job_files_read(&f, o->args[3])) == 0)
			err = es_platform_job_create(p, actor, &jo, f.v, f.n, &job, mf);
		if (err == 0) {
			es_hex(mh, mf, 32);
			if (o->json)
				cli_print_json(json_pack("{s:I, s:s, s:I, s:b}", "job", (json_int_t)job, "manifest_sm3", mh,
							 "documents", (json_int_t)f.n, "authorised", o->request > 0));
			else
				printf("job %lld: %zu documents, manifest %s%s\n", (long long)job, f.n, mh,
				       o->request > 0 ? "" : " (file a use request for it, then: job authorise)");
		}
		job_files_free(&f);
		return done_rc(o, err, "job create");
	}
	if (o->nargs != 3 || (job = num(o->args[2])) <= 0)
		return cli_usage_error("platform", "job %s JOB (a job id)", verb);
	if (strcmp(verb, "authorise") == 0 || strcmp(verb, "authorize") == 0) {
		if (o->request <= 0)
			return cli_usage_error("platform", "job authorise JOB --request ID");
		if ((err = es_platform_job_authorise(p, actor, job, o->request)) == 0)
			err = job_print(o, p, actor, job);
		return done_rc(o, err, "job authorise");
	}
	if (strcmp(verb, "run") == 0) {
		es_job_run_result r;
		err = es_platform_job_run(p, actor, job, getenv("ESEAL_PIN"), o->reclaim, &r);
		if (err == 0) {
			if (o->json)
				cli_print_json(json_pack("{s:I, s:i, s:i, s:s}", "job", (json_int_t)job, "sealed", (int)r.sealed,
							 "failed", (int)r.failed, "state", r.state));
			else
				printf("job %lld: this run sealed %u, failed %u; the job is %s\n", (long long)job, r.sealed,
				       r.failed, r.state);
		}
		return done_rc(o, err, "job run");
	}
	if (strcmp(verb, "show") == 0)
		return done_rc(o, job_print(o, p, actor, job), "job show");
	if (strcmp(verb, "cancel") == 0) {
		if ((err = es_platform_job_cancel(p, actor, job)) == 0)
			err = job_print(o, p, actor, job);
		return done_rc(o, err, "job cancel");
	}
	if (!o->output)
		return cli_usage_error("platform", "job results JOB -o DIR");
	return done_rc(o, job_results(o, p, actor, job), "job results");
}

static int plat_token(es_platform *p, const popts *o, const es_actor *actor)
{
	const char *verb = o->args[1];
	const char *pin = getenv("ESEAL_PIN"), *admin = getenv("ESEAL_ADMIN_PIN"), *newpin = getenv("ESEAL_NEW_PIN");
	int err;
	if (o->nargs < 3)
		return cli_usage_error("platform", "token %s ESID", verb);
	const char *esid = o->args[2];
	if (strcmp(verb, "init") == 0) {
		err = es_platform_token_init(p, actor, esid, pin, admin);
	} else if (strcmp(verb, "check") == 0) {
		err = es_platform_token_check(p, actor, esid, pin);
	} else if (strcmp(verb, "change-pin") == 0) {
		err = es_platform_token_change_pin(p, actor, esid, pin, newpin);
	} else if (strcmp(verb, "reset") == 0) {
		err = es_platform_token_reset(p, actor, esid, admin, newpin);
	} else if (strcmp(verb, "status") == 0) {
		bool locked = false;
		int fails = 0;
		if ((err = es_platform_allowed(p, actor, ES_ACT_READ, -1)) == 0 &&
		    (err = es_platform_token_status(p, esid, &locked, &fails)) == 0) {
			if (o->json)
				cli_print_json(json_pack("{s:s, s:b, s:i}", "esid", esid, "locked", locked, "wrong_pins", fails));
			else
				printf("locked %s, wrong PINs %d\n", locked ? "true" : "false", fails);
		}
		return done_rc(o, err, "token status");
	} else {
		return cli_usage_error("platform", "unknown token command '%s'", verb);
	}
	if (err == 0 && o->json)
		cli_print_json(json_pack("{s:s, s:s}", "esid", esid, "done", verb));
	else if (err == 0)
		printf("token %s: %s done\n", esid, verb);
	return done_rc(o, err, verb);
}

/* ---- eseal platform list | get (the read side, es_read.h) ---------------------------- */

/* One value for text output: strings as they are, everything else as compact JSON. */
static void print_value(FILE *to, json_t *v)
{
	if (json_is_string(v)) {
		fputs(json_string_value(v), to);
		return;
	}
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
	if (s)
		fputs(s, to);
	free(s);
}

/* A record as text: "key: value" lines (a get), or one line of key=value (a list). */
static void print_record(json_t *rec, bool one_line)
{
	const char *key;
	json_t *v;
	bool first = true;
	json_object_foreach(rec, key, v)
	{
		if (json_is_null(v))
			continue;
		if (one_line) {
			printf("%s%s=", first ? "" : "  ", key);
			print_value(stdout, v);
		} else {
			printf("%s: ", key);
			print_value(stdout, v);
			putchar('\n');
		}
		first = false;
	}
	if (one_line)
		putchar('\n');
}

/* The JSON the library made, printed as --json prints (indented) or as text. */
static int print_read(const popts *o, const es_buf *js, bool list)
{
	json_error_t je;
	json_t *v = json_loadb((const char *)js->ptr, js->len, 0, &je);
	if (!v)
		return es_error_set(ES_EINTERNAL, "the library's JSON does not parse: %s", je.text);
	if (o->json) {
		cli_print_json(v);
		return 0;
	}
	if (!list) {
		print_record(v, false);
	} else {
		size_t i;
		json_t *rec;
		json_array_foreach(json_object_get(v, "items"), i, rec)
			print_record(rec, true);
		const char *next = json_string_value(json_object_get(v, "next"));
		if (next)
			printf("more: --after %s\n", next);
	}
	json_decref(v);
	return 0;
}

static const char read_kinds[] = "application, seal, unit, person, account, region, use-request, usage, audit, outbox, "
				 "api-key, job, webhook";

static int plat_read(es_platform *p, const popts *o, const es_actor *actor, bool list)
{
	es_buf js = ES_BUF_INIT;
	int kind, err;
	if (o->nargs != (list ? 2 : 3))
		return cli_usage_error("platform", list ? "list KIND [filters] (KIND: %s)" : "get KIND ID (KIND: %s)",
				       read_kinds);
	if ((kind = es_record_kind_parse(o->args[1])) < 0)
		return cli_usage_error("platform", "unknown record kind '%s': one of %s", o->args[1], read_kinds);
	if (list) {
		es_list_query q = ES_LIST_QUERY_INIT;
		if (o->limit < 0 || o->limit > ES_LIST_LIMIT_MAX)
			return cli_usage_error("platform", "--limit is 1..%d", ES_LIST_LIMIT_MAX);
		if (o->expiring_days < 0 || o->expiring_days > 3650)
			return cli_usage_error("platform", "--expiring-days is 1..3650");
		if ((o->from && es_time_parse(&q.from, o->from) != 0) || (o->to && es_time_parse(&q.to, o->to) != 0))
			return cli_usage_error("platform", "--from and --to take a date (2026-01-31) or a time "
							   "(2026-01-31T08:00:00Z)");
		q.after = o->after;
		q.limit = (unsigned)o->limit;
		q.state = o->state;
		q.business = o->business;
		q.unit = o->have_unit ? o->unit : 0;
		q.office = o->office;
		q.batch = o->batch;
		q.waiting_for_me = o->waiting;
		q.seal_kind = o->kind;
		q.expiring_days = (int)o->expiring_days;
		q.holder = o->holder;
		q.esid = o->esid;
		q.object = o->object;
		q.by = o->by;
		err = es_platform_list(p, actor, (es_record_kind)kind, &q, &js);
	} else {
		err = es_platform_get(p, actor, (es_record_kind)kind, o->args[2], &js);
	}
	if (err == 0)
		err = print_read(o, &js, list);
	es_buf_release(&js);
	return done_rc(o, err, list ? "list" : "get");
}

/* ---- eseal platform api-key create | list | revoke (es_auth.h) ------------------------- */

static int plat_api_key(es_platform *p, const popts *o, const es_actor *actor)
{
	const char *verb = o->nargs >= 2 ? o->args[1] : "";
	int err;
	if (strcmp(verb, "create") == 0) {
		es_api_key_spec s = { 0 };
		char key[ES_API_KEY_MAX];
		int64_t id = 0;
		if (o->nargs != 3 || !o->name || !o->expires)
			return cli_usage_error("platform", "api-key create LOGIN --name N --expires DATE [--scope A[,A]] "
							   "[--allow-from CIDR[,CIDR]]");
		s.login = o->args[2];
		s.name = o->name;
		s.allow_from = o->allow_from;
		if (es_time_parse(&s.expires, o->expires) != 0)
			return cli_usage_error("platform", "--expires takes a date (2027-01-31) or a time (2027-01-31T00:00:00Z)");
		if ((o->scope && (err = es_scope_parse(o->scope, &s.scope)) < 0) ||
		    (err = es_platform_api_key_create(p, actor, &s, key, &id)) < 0)
			return done_rc(o, err, "api-key create");
		/* shown once: only its SM3 is kept */
		if (o->json)
			cli_print_json(json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "login", s.login, "key", key));
		else
			printf("API key %lld of %s (shown once, keep it now):\n%s\n", (long long)id, s.login, key);
		es_wipe(key, sizeof(key));
		return ES_EXIT_OK;
	}
	if (strcmp(verb, "list") == 0) {
		popts l = *o;
		l.args[1] = (char *)"api-key";
		return plat_read(p, &l, actor, true);
	}
	if (strcmp(verb, "revoke") == 0) {
		int64_t id = o->nargs == 3 ? num(o->args[2]) : -1;
		if (id <= 0)
			return cli_usage_error("platform", "api-key revoke ID");
		if ((err = es_platform_api_key_revoke(p, actor, id)) == 0) {
			if (o->json)
				cli_print_json(json_pack("{s:I, s:s}", "api_key", (json_int_t)id, "done", "revoke"));
			else
				printf("API key %lld revoked\n", (long long)id);
		}
		return done_rc(o, err, "api-key revoke");
	}
	return cli_usage_error("platform", "api-key create|list|revoke");
}

/* ---- eseal platform seal document (es_platform_seal_document) --------------------------- */

/* A PIN: the first line of --pin-file, $ESEAL_PIN, or typed at the terminal when the key needs one. */
static int document_pin(es_platform *p, const popts *o, const char *esid, char *pin, size_t cap, bool *have)
{
	char loc[ES_KEY_LOCATION_MAX + 1];
	const char *env = getenv("ESEAL_PIN");
	int err;
	*have = false;
	if (o->pin_file) {
		if ((err = read_password(pin, cap, o->pin_file, "")) < 0)
			return err;
		*have = true;
		return 0;
	}
	if (env) {
		if (strlen(env) >= cap)
			return es_error_set(ES_EINVAL, "$ESEAL_PIN is longer than %zu characters", cap - 1);
		snprintf(pin, cap, "%s", env);
		*have = true;
		return 0;
	}
	/* the platform's own key needs no PIN; a token or key store does */
	if ((err = es_platform_seal_key_location(p, esid, loc, sizeof(loc))) < 0)
		return err;
	if (!loc[0] || !isatty(STDIN_FILENO))
		return 0;
	char prompt[64];
	snprintf(prompt, sizeof(prompt), "PIN of seal %.14s: ", esid);
	if ((err = read_password(pin, cap, NULL, prompt)) < 0)
		return err;
	*have = true;
	return 0;
}

static int plat_seal_document(es_platform *p, const popts *o, const es_actor *actor, const char *esid)
{
	es_seal_document_options so = ES_SEAL_DOCUMENT_OPTIONS_INIT;
	es_seal_document_result res;
	es_buf in = ES_BUF_INIT, out = ES_BUF_INIT;
	char pin[ES_PASSWORD_MAX + 2] = "";
	bool have_pin = false;
	int err;
	if (!o->document || !o->output || o->request <= 0)
		return cli_usage_error("platform", "seal document ESID --document FILE --request ID -o OUT "
						   "[--page N --x MM --y MM | --keyword TEXT | --riding]");
	if ((o->keyword != NULL) + o->riding + (o->have_x || o->have_y) > 1)
		return cli_usage_error("platform", "one placement: --x/--y (position), --keyword TEXT or --riding");
	if (o->page < 0 || o->w_mm < 0 || o->h_mm < 0 || o->x_mm < 0 || o->y_mm < 0)
		return cli_usage_error("platform", "--page, --x, --y, --width and --height are not negative");
	so.esid = esid;
	so.request = o->request;
	so.place = o->keyword ? ES_DOC_PLACE_KEYWORD : o->riding ? ES_DOC_PLACE_RIDING : ES_DOC_PLACE_POSITION;
	so.page = (unsigned)o->page;
	so.x_mm = o->have_x ? o->x_mm : 20;
	so.y_mm = o->have_y ? o->y_mm : 20;
	if (o->riding && !o->have_y)
		so.y_mm = 0;
	so.w_mm = o->w_mm;
	so.h_mm = o->h_mm;
	so.keyword = o->keyword;
	so.reason = o->reason;
	if ((err = cli_read_file(&in, o->document)) == 0 &&
	    (err = document_pin(p, o, esid, pin, sizeof(pin), &have_pin)) == 0) {
		so.pin = have_pin ? pin : NULL;
		err = es_platform_seal_document(p, actor, &so, in.ptr, in.len, &out, &res);
	}
	es_wipe(pin, sizeof(pin));
	if (err == 0)
		err = cli_write_file(o->output, out.ptr, out.len);
	if (err == 0 && strcmp(o->output, "-") != 0) {
		char hin[65], hout[65], at[32];
		es_hex(hin, res.in_sm3, 32);
		es_hex(hout, res.out_sm3, 32);
		es_time_iso(at, res.signed_at);
		if (o->json)
			cli_print_json(json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:s}", "esid", esid, "output", o->output,
						 "format", res.format, "usage", (json_int_t)res.usage_id, "input_sm3", hin,
						 "output_sm3", hout, "signed_at", at));
		else
			printf("sealed %s (%s) with seal %s at %s: usage record %lld\n", o->output, res.format, esid, at,
			       (long long)res.usage_id);
	}
	es_buf_release(&in);
	es_buf_release(&out);
	return done_rc(o, err, "seal document");
}

static int plat_status(es_platform *p, const popts *o)
{
	if (o->nargs >= 2 && strcmp(o->args[1], "list") != 0)
		return plat_seal_status(p, o, o->args[1]);
	es_buf json = ES_BUF_INIT, sig = ES_BUF_INIT;
	char path[4096];
	int err = es_platform_status_list(p, &json, &sig);
	if (err == 0) {
		if (o->output && strcmp(o->output, "-") != 0) {
			snprintf(path, sizeof(path), "%s.sig", o->output);
			if ((err = cli_write_file(o->output, json.ptr, json.len)) == 0)
				err = cli_write_file(path, sig.ptr, sig.len);
		} else {
			fwrite(json.ptr, 1, json.len, stdout);
			fputc('\n', stdout);
		}
	}
	es_buf_release(&json);
	es_buf_release(&sig);
	return done_rc(o, err, "status list");
}

int cmd_platform(int argc, char **argv)
{
	popts o;
	es_platform *p = NULL;
	legacy_list legacy;
	es_actor *actor = NULL;
	int64_t id = 0;
	int rc, err = 0;
	memset(&legacy, 0, sizeof(legacy));
	rc = parse_opts(&o, argc, argv, platform_usage);
	if (rc == -1)
		return ES_EXIT_OK;
	if (rc < 0)
		return cli_usage_error("platform", "bad option");
	if (o.nargs < 1)
		return cli_usage_error("platform", "which command? (init, region, unit, person, account, api-key, app, seal, "
						   "use, token, list, get, status, outbox, bench)");
	const char *cmd = o.args[0];
	if (strcmp(cmd, "bench") == 0) {
		double rate = 0;
		unsigned n = o.nargs >= 2 ? (unsigned)num(o.args[1]) : 20;
		unsigned threads = o.nargs >= 3 ? (unsigned)num(o.args[2]) : 1;
		char store[4200];
		if (threads < 1 || threads > 64)
			return cli_usage_error("platform", "bench N THREADS: THREADS is 1-64");
		if (o.store)
			snprintf(store, sizeof(store), "%s", o.store);
		else
			snprintf(store, sizeof(store), "sqlite:%s/bench.db", o.dir);
		if ((err = es_mkdirs(o.dir, 0700)) == 0)
			err = es_platform_bench_threads(store, o.dir, n ? n : 20, threads, &rate);
		if (err == 0) {
			if (o.json)
				cli_print_json(json_pack("{s:I, s:I, s:f}", "applications", (json_int_t)n, "threads",
							 (json_int_t)threads, "per_second", rate));
			else
				printf("%.2f applications/s end to end (%u, %u thread%s)\n", rate, n, threads,
				       threads == 1 ? "" : "s");
		}
		return done_rc(&o, err, "bench");
	}
	bool init = strcmp(cmd, "init") == 0;
	if ((err = open_platform(&p, &o, init, &legacy)) < 0) {
		rc = done_rc(&o, err, "opening the platform");
		goto done;
	}
	/* password checks the current password itself */
	if (strcmp(cmd, "password") != 0 && (err = actor_of(p, &o, &actor)) < 0) {
		rc = done_rc(&o, err, "--as");
		goto done;
	}
	if (init) {
		rc = plat_init(p, &o, actor);
	} else if (strcmp(cmd, "password") == 0) {
		rc = done_rc(&o, plat_password(p, &o), "password");
		if (rc == 0 && !o.json)
			printf("password of %s changed\n", o.as);
	} else if (strcmp(cmd, "region") == 0) {
		if (o.nargs < 4 || strcmp(o.args[1], "add") != 0) {
			rc = cli_usage_error("platform", "region add CODE NAME");
			goto done;
		}
		rc = done_rc(&o, es_platform_region_add(p, actor, o.args[2], o.args[3]), "region add");
		if (rc == 0 && o.json)
			cli_print_json(json_pack("{s:s}", "region", o.args[2]));
		else if (rc == 0)
			printf("region %s\n", o.args[2]);
	} else if (strcmp(cmd, "unit") == 0) {
		es_unit_info u = { o.name, o.credit, o.region, o.superior, o.legal_rep };
		if (o.nargs < 2 || strcmp(o.args[1], "add") != 0) {
			rc = cli_usage_error("platform", "unit add --name N --credit-code C --region R");
			goto done;
		}
		err = es_platform_unit_add(p, actor, &u, &id);
		if (err == 0)
			print_id(&o, "unit", id);
		rc = done_rc(&o, err, "unit add");
	} else if (strcmp(cmd, "person") == 0) {
		if (o.nargs >= 3 && strcmp(o.args[1], "show") == 0) {
			char name[256], rid[32], mob[32];
			err = es_platform_person_get(p, actor, num(o.args[2]), name, sizeof(name), rid, mob, sizeof(rid));
			if (err == 0) {
				if (o.json)
					cli_print_json(json_pack("{s:s, s:s, s:s}", "name", name, "id", rid, "mobile", mob));
				else
					printf("%s %s %s\n", name, rid, mob);
			}
			rc = done_rc(&o, err, "person show");
		} else if (o.nargs >= 2 && strcmp(o.args[1], "add") == 0) {
			err = es_platform_person_add(p, actor, o.name, o.id, o.mobile, o.unit, &id);
			if (err == 0)
				print_id(&o, "person", id);
			rc = done_rc(&o, err, "person add");
		} else {
			rc = cli_usage_error("platform", "person add|show");
		}
	} else if (strcmp(cmd, "account") == 0) {
		if (o.nargs == 3 && strcmp(o.args[1], "otp") == 0) {
			/* a one-time password, printed once: the account changes it at its first sign-in */
			char otp[ES_OTP_LEN + 1];
			if ((err = es_platform_account_otp(p, actor, o.args[2], otp)) == 0) {
				if (o.json)
					cli_print_json(json_pack("{s:s, s:s}", "login", o.args[2], "one_time_password", otp));
				else
					printf("%s\n", otp);
				es_wipe(otp, sizeof(otp));
			}
			rc = done_rc(&o, err, "account otp");
			goto done;
		}
		if (o.nargs == 3 && (strcmp(o.args[1], "disable") == 0 || strcmp(o.args[1], "enable") == 0)) {
			err = es_platform_account_disable(p, actor, o.args[2], o.args[1][0] == 'd');
			rc = done_rc(&o, err, "account disable");
			goto done;
		}
		if (o.nargs < 3 || (strcmp(o.args[1], "add") != 0 && strcmp(o.args[1], "roles") != 0)) {
			rc = cli_usage_error("platform", "account add LOGIN --roles R | account roles LOGIN --roles R | "
							 "account otp LOGIN | account disable|enable LOGIN");
			goto done;
		}
		unsigned roles = es_role_parse(o.roles);
		if (!roles) {
			rc = cli_usage_error("platform", "--roles: applicant, maker, reviewer, unit-admin, use-approver, auditor, "
							 "sysadmin (comma-separated)");
			goto done;
		}
		if (strcmp(o.args[1], "roles") == 0) {
			err = es_platform_account_set_roles(p, actor, o.args[2], roles);
			if (err == 0 && o.json)
				cli_print_json(json_pack("{s:s, s:s}", "account", o.args[2], "roles", o.roles));
			else if (err == 0)
				printf("account %s: roles %s\n", o.args[2], o.roles);
			rc = done_rc(&o, err, "account roles");
			goto done;
		}
		err = es_platform_account_add(p, actor, o.args[2], roles, o.unit, o.region, &id);
		if (err == 0)
			print_id(&o, "account", id);
		rc = done_rc(&o, err, "account add");
	} else if (strcmp(cmd, "app") == 0) {
		rc = o.nargs < 2 ? cli_usage_error("platform", "app what?") : plat_app(p, &o, actor);
	} else if (strcmp(cmd, "seal") == 0) {
		rc = o.nargs < 2 ? cli_usage_error("platform", "%s", seal_cmds) : plat_seal(p, &o, actor);
	} else if (strcmp(cmd, "use") == 0) {
		rc = o.nargs < 2 ? cli_usage_error("platform", "%s", use_cmds) : plat_use(p, &o, actor);
	} else if (strcmp(cmd, "webhook") == 0) {
		if (o.nargs == 3 && strcmp(o.args[1], "add") == 0) {
			char secret[ES_WEBHOOK_SECRET_LEN + 1];
			if ((err = es_platform_webhook_add(p, actor, o.args[2], o.events, o.have_unit ? o.unit : 0, &id,
							   secret)) == 0) {
				if (o.json)
					cli_print_json(json_pack("{s:I, s:s}", "webhook", (json_int_t)id, "secret", secret));
				else
					printf("webhook %lld\nsecret %s\n", (long long)id, secret);
				es_wipe(secret, sizeof(secret));
			}
			rc = done_rc(&o, err, "webhook add");
		} else if (o.nargs == 2 && strcmp(o.args[1], "list") == 0) {
			popts l = o;
			l.args[1] = (char *)"webhook";
			rc = plat_read(p, &l, actor, true);
		} else if (o.nargs == 3 && strcmp(o.args[1], "remove") == 0 && num(o.args[2]) > 0) {
			if ((err = es_platform_webhook_remove(p, actor, num(o.args[2]))) == 0)
				print_id(&o, "removed", num(o.args[2]));
			rc = done_rc(&o, err, "webhook remove");
		} else {
			rc = cli_usage_error("platform",
					     "webhook add URL --events E[,E] [--unit ID] | webhook list | webhook remove ID");
		}
	} else if (strcmp(cmd, "peer") == 0) {
		rc = plat_peer(p, &o, actor);
	} else if (strcmp(cmd, "job") == 0) {
		rc = o.nargs < 2 ? cli_usage_error("platform", "%s", job_cmds) : plat_job(p, &o, actor);
	} else if (strcmp(cmd, "token") == 0) {
		rc = o.nargs < 2 ? cli_usage_error("platform", "token what?") : plat_token(p, &o, actor);
	} else if (strcmp(cmd, "status") == 0) {
		rc = plat_status(p, &o);
	} else if (strcmp(cmd, "list") == 0 || strcmp(cmd, "get") == 0) {
		rc = plat_read(p, &o, actor, cmd[0] == 'l');
	} else if (strcmp(cmd, "api-key") == 0) {
		rc = plat_api_key(p, &o, actor);
	} else if (strcmp(cmd, "outbox") == 0) {
		unsigned sent = 0, failed = 0;
		if ((err = es_platform_allowed(p, actor, ES_ACT_OUTBOX, -1)) == 0)
			err = es_platform_outbox_deliver(p, &sent, &failed);
		if (err == 0) {
			if (o.json)
				cli_print_json(json_pack("{s:i, s:i}", "sent", (int)sent, "failed", (int)failed));
			else
				printf("filings sent %u, failed %u (retried later)\n", sent, failed);
		}
		rc = done_rc(&o, err, "outbox deliver");
	} else {
		rc = cli_usage_error("platform", "unknown command '%s'", cmd);
	}
done:
	es_actor_free(actor);
	es_platform_close(p);
	es_buf_release(&legacy.text);
	return rc;
}

int cmd_jobs(int argc, char **argv)
{
	popts o;
	es_platform *p = NULL;
	legacy_list legacy;
	es_actor *actor = NULL;
	es_jobs_result jr;
	int rc = parse_opts(&o, argc, argv, jobs_usage), err;
	if (rc == -1)
		return ES_EXIT_OK;
	if (rc < 0 || o.nargs < 1 || strcmp(o.args[0], "run") != 0)
		return cli_usage_error("jobs", "usage: eseal jobs run");
	memset(&legacy, 0, sizeof(legacy));
	unsigned purged = 0;
	if (o.days < 0 || o.days > 36500)
		return cli_usage_error("jobs", "--job-retention-days is 1..36500");
	if ((err = open_platform(&p, &o, false, &legacy)) == 0 && (err = actor_of(p, &o, &actor)) == 0 &&
	    (err = es_platform_jobs_run(p, actor, &jr)) == 0 &&
	    (o.days == 0 || (err = es_platform_job_purge(p, actor, (unsigned)o.days, &purged)) == 0)) {
		if (o.json)
			cli_print_json(json_pack("{s:i, s:i, s:i, s:i, s:i}", "expired", (int)jr.expired, "suspended",
						 (int)jr.suspended, "filings_sent", (int)jr.delivered, "filings_failed",
						 (int)jr.failed, "jobs_purged", (int)purged));
		else
			printf("expired %u, suspended %u, filings sent %u, failed %u, jobs purged %u\n", jr.expired, jr.suspended,
			       jr.delivered, jr.failed, purged);
	}
	rc = done_rc(&o, err, "jobs run");
	es_actor_free(actor);
	es_platform_close(p);
	es_buf_release(&legacy.text);
	return rc;
}

int cmd_registry(int argc, char **argv)
{
	popts o;
	es_platform *p = NULL;
	legacy_list legacy;
	es_actor *actor = NULL;
	es_registry_result rr;
	es_buf feed = ES_BUF_INIT;
	int rc = parse_opts(&o, argc, argv, registry_usage), err;
	if (rc == -1)
		return ES_EXIT_OK;
	if (rc < 0 || o.nargs < 2 || (strcmp(o.args[0], "import") != 0 && strcmp(o.args[0], "psb-import") != 0))
		return cli_usage_error("registry", "usage: eseal registry import|psb-import FILE");
	if (strcmp(o.args[0], "psb-import") == 0) {
		unsigned n = 0;
		memset(&legacy, 0, sizeof(legacy));
		if ((err = cli_read_file(&feed, o.args[1])) == 0 && (err = open_platform(&p, &o, false, &legacy)) == 0 &&
		    (err = actor_of(p, &o, &actor)) == 0 && (err = es_platform_psb_import(p, actor, feed.ptr, feed.len, &n)) == 0) {
			if (o.json)
				cli_print_json(json_pack("{s:i}", "imported", (int)n));
			else
				printf("seal codes imported %u\n", n);
		}
		rc = done_rc(&o, err, "registry psb-import");
		es_actor_free(actor);
		es_platform_close(p);
		es_buf_release(&feed);
		es_buf_release(&legacy.text);
		return rc;
	}
	memset(&legacy, 0, sizeof(legacy));
	memset(&rr, 0, sizeof(rr));
	if ((err = cli_read_file(&feed, o.args[1])) == 0 && (err = open_platform(&p, &o, false, &legacy)) == 0 &&
	    (err = actor_of(p, &o, &actor)) == 0)
		err = es_platform_registry_import(p, actor, feed.ptr, feed.len, &rr);
	if (err == 0 || rr.entities) {
		if (o.json && err == 0)
			cli_print_json(json_pack("{s:i, s:i, s:i}", "entities", (int)rr.entities, "seals_made",
						 (int)rr.seals_made, "skipped", (int)rr.skipped));
		else if (!o.json)
			printf("entities %u, seals made %u, skipped (done before) %u\n", rr.entities, rr.seals_made, rr.skipped);
	}
	rc = done_rc(&o, err, "registry import");
	es_actor_free(actor);
	es_platform_close(p);
	es_buf_release(&feed);
	es_buf_release(&legacy.text);
	return rc;
}

/* ---- eseal audit | backup | restore (docs/cli/audit.md, backup.md, restore.md) ---- */

static const char audit_usage[] =
	"usage: eseal audit verify [--anchor FILE] [--dir DIR] [--store URI] [--as LOGIN] [--json]\n"
	"       eseal audit anchor [-o FILE] [--dir DIR] [--store URI] [--as LOGIN] [--json]\n"
	"\n"
	"verify: check the audit log: the SM3 hash chain of every entry, the SM2-signed\n"
	"and time-stamped checkpoints (one due every audit_every entries, each naming the\n"
	"one before it), the anchor file DIR/audit-anchor.json, and that time never runs\n"
	"backwards. Names the first entry that is missing, altered or out of place.\n"
	"With --anchor FILE (an 'audit anchor' output kept elsewhere): also proves the\n"
	"log still extends that anchor.\n"
	"anchor: sign and time-stamp a checkpoint over the head now and print it (head\n"
	"seq and hash, the signed statement) for an operator to keep outside the platform;\n"
	"-o FILE writes it there (JSON, as --json prints it).\n"
	"--as: an auditor or a system administrator, signed in (default: the system account).\n"
	"exit codes: 0 intact, 1 broken, 3 usage or I/O error, 4 refused\n";

static const char backup_usage[] =
	"usage: eseal backup FILE [--dir DIR] [--store URI] [--as LOGIN] [--json]\n"
	"\n"
	"A consistent online snapshot of the platform store (SQLite backup API, or\n"
	"pg_dump for PostgreSQL), sealed with SM4 and authenticated under a key\n"
	"derived from the master key; written through a temporary file, fsync and\n"
	"rename. Keys inside stay wrapped.\n"
	"exit codes: 0 done, 3 usage or I/O error, 4 refused\n";

static const char restore_usage[] =
	"usage: eseal restore FILE --dir NEW-DIR [--store URI] [--json]\n"
	"\n"
	"Check FILE (made with the same master key: $ESEAL_MASTER_KEY or the\n"
	"master.key copied into NEW-DIR), load it into a fresh store (default\n"
	"sqlite:NEW-DIR/platform.db; a PostgreSQL store must be an empty database),\n"
	"then verify the audit chain and write NEW-DIR/trust/root.crt and\n"
	"NEW-DIR/status/ again (no 'platform init' needed). An altered file or a\n"
	"wrong key is refused.\n"
	"exit codes: 0 restored and verified, 1 audit chain broken, 3 usage, I/O or\n"
	"refused file\n";

static void print_report(const popts *o, const es_audit_report *r)
{
	char head[65];
	es_hex(head, r->head, 32);
	if (o->json) {
		cli_print_json(json_pack("{s:b, s:I, s:I, s:I, s:s, s:s}", "intact", r->first_bad == 0, "entries",
					 (json_int_t)r->entries, "checkpoints", (json_int_t)r->checkpoints, "first_bad",
					 (json_int_t)r->first_bad, "problem", r->problem, "head", head));
	} else if (r->first_bad) {
		printf("audit log BROKEN at entry %lld: %s\n", (long long)r->first_bad, r->problem);
	} else {
		printf("audit log intact: %lld entries, %lld signed checkpoints, head %s\n", (long long)r->entries,
		       (long long)r->checkpoints, head);
	}
}

static int audit_anchor(es_platform *p, const popts *o, const es_actor *actor)
{
	es_audit_anchor *a = es_calloc(1, sizeof(*a));
	es_buf json = ES_BUF_INIT;
	int err;
	if (!a)
		return done_rc(o, es_error_set(ES_ENOMEM, "out of memory"), "audit anchor");
	if ((err = es_platform_audit_anchor(p, actor, a)) == 0 && (err = es_audit_anchor_json(&json, a)) == 0 &&
	    o->output)
		err = es_file_write(o->output, json.ptr, json.len, 0600);
	if (err == 0) {
		if (o->json) {
			fwrite(json.ptr, 1, json.len, stdout);
		} else {
			char h[65], at[32];
			es_hex(h, a->hash, 32);
			es_time_iso(at, a->at);
			printf("audit head: entry %lld, hash %s, signed and time-stamped at %s\n", (long long)a->seq, h, at);
			if (o->output)
				printf("anchor written to %s: keep it outside the platform; check with 'eseal audit verify "
				       "--anchor %s'\n",
				       o->output, o->output);
			else
				fwrite(json.ptr, 1, json.len, stdout);
		}
	}
	es_free(a);
	es_buf_release(&json);
	return done_rc(o, err, "audit anchor");
}

int cmd_audit(int argc, char **argv)
{
	popts o;
	es_platform *p = NULL;
	legacy_list legacy;
	es_actor *actor = NULL;
	es_audit_report r;
	es_audit_anchor *given = NULL;
	es_buf text = ES_BUF_INIT;
	int rc = parse_opts(&o, argc, argv, audit_usage), err;
	if (rc == -1)
		return ES_EXIT_OK;
	if (rc < 0 || o.nargs != 1 || (strcmp(o.args[0], "verify") != 0 && strcmp(o.args[0], "anchor") != 0))
		return cli_usage_error("audit", "usage: eseal audit verify [--anchor FILE] | eseal audit anchor [-o FILE]");
	bool anchor = strcmp(o.args[0], "anchor") == 0;
	if (anchor && o.anchor)
		return cli_usage_error("audit", "--anchor is for 'audit verify'; 'audit anchor' writes with -o FILE");
	memset(&legacy, 0, sizeof(legacy));
	memset(&r, 0, sizeof(r));
	if (o.anchor) {
		if (!(given = es_calloc(1, sizeof(*given))))
			return done_rc(&o, es_error_set(ES_ENOMEM, "out of memory"), "audit verify");
		if ((err = es_file_read(&text, o.anchor, 65536 /* the parser names the real limit */)) < 0 ||
		    (err = es_audit_anchor_parse(given, text.ptr, text.len)) < 0) {
			es_error_wrap(err, "anchor '%s'", o.anchor);
			rc = done_rc(&o, err, "audit verify --anchor");
			goto done;
		}
	}
	if ((err = open_platform(&p, &o, false, &legacy)) < 0 || (err = actor_of(p, &o, &actor)) < 0) {
		rc = done_rc(&o, err, anchor ? "audit anchor" : "audit verify");
		goto done;
	}
	if (anchor) {
		rc = audit_anchor(p, &o, actor);
		goto done;
	}
	err = given ? es_platform_audit_verify_anchor(p, actor, given, &r) : es_platform_audit_verify(p, actor, &r);
	if (err == 0 || (err == ES_EVERIFY && r.first_bad)) {
		print_report(&o, &r);
		rc = err == 0 ? ES_EXIT_OK : ES_EXIT_INVALID;
	} else {
		rc = done_rc(&o, err, "audit verify");
		if (err == ES_EVERIFY)
			rc = ES_EXIT_INVALID;
	}
done:
	es_actor_free(actor);
	es_platform_close(p);
	es_free(given);
	es_buf_release(&text);
	es_buf_release(&legacy.text);
	return rc;
}

int cmd_backup(int argc, char **argv)
{
	popts o;
	es_platform *p = NULL;
	legacy_list legacy;
	es_actor *actor = NULL;
	int rc = parse_opts(&o, argc, argv, backup_usage), err;
	if (rc == -1)
		return ES_EXIT_OK;
	if (rc < 0 || o.nargs != 1)
		return cli_usage_error("backup", "usage: eseal backup FILE");
	memset(&legacy, 0, sizeof(legacy));
	if ((err = open_platform(&p, &o, false, &legacy)) == 0 && (err = actor_of(p, &o, &actor)) == 0)
		err = es_platform_backup(p, actor, o.args[0]);
	if (err == 0 && o.json)
		cli_print_json(json_pack("{s:s}", "backup", o.args[0]));
	else if (err == 0)
		printf("backup written to %s\n", o.args[0]);
	rc = done_rc(&o, err, "backup");
	es_actor_free(actor);
	es_platform_close(p);
	es_buf_release(&legacy.text);
	return rc;
}

int cmd_restore(int argc, char **argv)
{
	popts o;
	uint8_t key[32];
	char store[4200];
	es_audit_report r;
	int rc = parse_opts(&o, argc, argv, restore_usage), err;
	if (rc == -1)
		return ES_EXIT_OK;
	if (rc < 0 || o.nargs != 1 || !o.dir)
		return cli_usage_error("restore", "usage: eseal restore FILE --dir NEW-DIR");
	if ((err = master_key(key, o.dir, false)) == ES_ENOTFOUND)
		err = es_error_set(ES_ENOTFOUND,
				   "no master key: copy the original platform's master.key into '%s' (or set "
				   "ESEAL_MASTER_KEY); a new key (eseal platform init) can never open this backup",
				   o.dir);
	if (err < 0)
		return done_rc(&o, err, "restore");
	if (o.store)
		snprintf(store, sizeof(store), "%s", o.store);
	else
		snprintf(store, sizeof(store), "sqlite:%s/platform.db", o.dir);
	err = es_platform_restore(o.args[0], key, store, o.dir, &r);
	es_wipe(key, sizeof(key));
	if (err == 0 || (err == ES_EVERIFY && r.entries + r.first_bad > 0)) {
		print_report(&o, &r);
		return err == 0 ? ES_EXIT_OK : ES_EXIT_INVALID;
	}
	return done_rc(&o, err, "restore");
}
