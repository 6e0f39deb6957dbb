/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * make bench: rates of our paths beside the raw OpenSSL rates measured on
 * the same machine (`openssl speed sm2`, `openssl speed -evp sm3`), as
 * ratios. Prints figures; asserts nothing.
 */
#include "es_int.h"
#include "eseal/es_crypto.h"
#include "eseal/es_pki.h"
#include "eseal/es_seal.h"
#include "eseal/es_verify.h"
#include "eseal/es_render.h"
#include "eseal/es_platform.h"
#include "eseal/es_ofd.h"
#include "eseal/es_ofd_render.h"
#include "eseal/es_pdf.h"
#include "doc/pdf/pdf_int.h"
#include "estime.h"
#include "file.h"
#include <unistd.h>
#include <sys/wait.h>
#include <pthread.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

#define RUN_FOR(seconds, count, body)                                  \
	do {                                                           \
		double t0_ = now_s(), el_;                             \
		count = 0;                                             \
		do {                                                   \
			for (int k_ = 0; k_ < 16; k_++) {              \
				body;                                  \
				count++;                               \
			}                                              \
			el_ = now_s() - t0_;                           \
		} while (el_ < (seconds));                             \
		rate = (double)count / el_;                            \
	} while (0)

static void die(const char *what) __attribute__((noreturn));
static void die(const char *what)
{
	fprintf(stderr, "bench: %s: %s\n", what, es_error_last()->message);
	exit(3);
}

/* Parse "sm2 ... sign/s verify/s" and the SM3 16384-byte column from openssl speed. */
static void openssl_rates(double *sign, double *verify, double *sm3_mbs)
{
	char line[1024];
	FILE *p = popen("openssl speed -seconds 2 sm2 2>/dev/null", "r");
	*sign = *verify = *sm3_mbs = 0;
	while (p && fgets(line, sizeof(line), p)) {
		double a, b, c, d;
		/* " 256 bits SM2 (CurveSM2)   0.0003s   0.0011s   3279.2    935.3" */
		char *s = strstr(line, "(CurveSM2)");
		if (s && sscanf(s + 10, "%lfs %lfs %lf %lf", &a, &b, &c, &d) == 4) {
			*sign = c;
			*verify = d;
		}
	}
	if (p)
		pclose(p);
	p = popen("openssl speed -seconds 2 -bytes 16384 -evp sm3 2>/dev/null", "r");
	while (p && fgets(line, sizeof(line), p)) {
		double kbs;
		if (strncmp(line, "sm3", 3) == 0 && sscanf(line + 3, "%lfk", &kbs) == 1)
			*sm3_mbs = kbs / 1000.0;
	}
	if (p)
		pclose(p);
}

static es_cert *issue(es_sm2_key *key, int profile, const char *subj, const es_cert *iss, es_sm2_key *iss_key)
{
	es_issue_options io = ES_ISSUE_OPTIONS_INIT;
	es_cert *c = NULL;
	es_time now = es_time_now();
	io.profile = profile;
	io.subject = subj;
	io.not_before = now - 86400;
	io.not_after = now + 365 * 86400;
	if (es_cert_issue(&c, &io, key, iss, iss_key) < 0)
		die("issue");
	return c;
}

/* ---- documents, ours beside OpenSSL mode ------------------------------------ */

/*
 * The document rates of `make bench`, ours beside OpenSSL's: this process
 * (our SM2/SM3 unless ESEAL_CRYPTO=openssl was already set) and a child of
 * this program run with ESEAL_CRYPTO=openssl (the switch is read once per
 * process) take turns, slice by slice (DOC_SLICE seconds each, DOC_ROUNDS
 * rounds), so both halves see the same load and the ratio holds still when
 * the machine is busy. The child reads "METRIC SECONDS" lines on stdin and
 * answers "METRIC RATE" on stdout.
 */
#define DOC_ROUNDS 8
#define DOC_SLICE 0.25
#define DOC_BATCH 64

enum { M_SES, M_OFD, M_OFD_MANY, M_OFD_DISK, M_PDF, M_COUNT };
static const char *const metric_names[M_COUNT] = { "ses_verify", "ofd_mem", "ofd_many", "ofd_disk", "pdf" };

typedef struct doc_rates {
	double v[M_COUNT]; /* per second: see metric_names */
	size_t ofd_bytes;
} doc_rates;

typedef struct bench_fixture {
	es_sm2_key *rk, *mk, *sk;
	es_cert *root, *maker, *signer;
	es_trust *trust;
	es_seal *seal;
	es_buf png, seal_der, sig;
	uint8_t msg[32];
} bench_fixture;

static void fixture_setup(bench_fixture *f)
{
	es_seal_make_options mo = ES_SEAL_MAKE_OPTIONS_INIT;
	es_sign_options so = ES_SIGN_OPTIONS_INIT;
	es_render_options ro = ES_RENDER_OPTIONS_INIT;

	memset(f, 0, sizeof(*f));
	f->png = f->seal_der = f->sig = (es_buf)ES_BUF_INIT;
	f->msg[0] = 1;
	if (es_sm2_key_generate(&f->rk) || es_sm2_key_generate(&f->mk) || es_sm2_key_generate(&f->sk))
		die("keygen");
	f->root = issue(f->rk, ES_PROFILE_ROOT_CA, "/C=CN/O=Bench/CN=Root", NULL, f->rk);
	f->maker = issue(f->mk, ES_PROFILE_SEAL_MAKER, "/C=CN/O=Bench/CN=Maker", f->root, f->rk);
	f->signer = issue(f->sk, ES_PROFILE_SIGNER, "/C=CN/O=91110105061311021A示例/CN=11010500000001", f->root, f->rk);
	if (es_trust_new(&f->trust) || es_trust_add_anchor(f->trust, es_cert_ref(f->root)))
		die("trust");
	ro.name = "示例科技有限公司";
	ro.dpi = 300;
	if (es_render_png(&f->png, &ro))
		die("render");
	mo.esid = "11010500000001";
	mo.name = "示例科技有限公司";
	mo.signers = &f->signer;
	mo.nsigners = 1;
	mo.picture_type = "PNG";
	mo.picture = f->png.ptr;
	mo.picture_len = f->png.len;
	mo.width_mm = mo.height_mm = 42;
	if (es_seal_make(&f->seal_der, &mo, f->maker, f->mk, NULL) || es_seal_parse(&f->seal, f->seal_der.ptr, f->seal_der.len))
		die("seal");
	so.data = f->msg;
	so.data_len = sizeof(f->msg);
	if (es_ses_sign(&f->sig, &so, f->seal, f->signer, f->sk))
		die("ses sign");
}

static void fixture_release(bench_fixture *f)
{
	es_seal_free(f->seal);
	es_buf_release(&f->png);
	es_buf_release(&f->seal_der);
	es_buf_release(&f->sig);
	es_trust_free(f->trust);
	es_cert_free(f->root);
	es_cert_free(f->maker);
	es_cert_free(f->signer);
	es_sm2_key_free(f->rk);
	es_sm2_key_free(f->mk);
	es_sm2_key_free(f->sk);
}

/* A one-page licence like es_ofd_bench's: eleven lines of text and a ~14 KB photo (random: each call's differs). */
static void make_licence(es_buf *out)
{
	static const char *const lines[] = {
		"中华人民共和国 营业执照", "统一社会信用代码 91110105061311021A", "名称 示例科技有限公司",
		"类型 有限责任公司（自然人投资或控股）", "法定代表人 张三", "注册资本 壹佰万元整",
		"成立日期 2020年01月01日", "住所 北京市朝阳区示例路1号", "经营范围 技术开发、技术服务。",
		"登记机关（盖章）", "2025年01月01日",
	};
	static uint8_t photo[14 * 1024];
	es_ofd_make_options mo = ES_OFD_MAKE_OPTIONS_INIT;
	es_ofd_image im = { 1, "PNG", NULL, 0, 140, 30, 30, 40 };

	if (es_random(photo, sizeof(photo)))
		die("random");
	im.data = photo;
	im.len = sizeof(photo);
	mo.lines = lines;
	mo.nlines = sizeof(lines) / sizeof(lines[0]);
	mo.images = &im;
	mo.nimages = 1;
	mo.title = "营业执照";
	if (es_ofd_make(out, &mo))
		die("ofd make");
}

/* What the document metrics work on, made once per process. */
typedef struct doc_state {
	const bench_fixture *f;
	es_verify_options vo;
	es_ofd_sign_options so;
	es_buf doc, sealed, rd;
	es_buf bdocs[DOC_BATCH], bouts[DOC_BATCH]; /* DOC_BATCH different licences (own photos) */
	const uint8_t *bptr[DOC_BATCH];
	size_t blen[DOC_BATCH];
	char dir[64], in[96];
	unsigned long seq;
} doc_state;

static void doc_state_init(doc_state *s, const bench_fixture *f)
{
	memset(s, 0, sizeof(*s));
	s->f = f;
	s->doc = s->sealed = s->rd = (es_buf)ES_BUF_INIT;
	s->vo = (es_verify_options)ES_VERIFY_OPTIONS_INIT;
	s->vo.trust = f->trust;
	s->vo.original = f->msg;
	s->vo.original_len = sizeof(f->msg);
	s->vo.has_original = true;
	s->so = (es_ofd_sign_options)ES_OFD_SIGN_OPTIONS_INIT;
	s->so.x = 120;
	s->so.y = 60;
	/* a kept signer, as batches use: the seal is hashed once */
	if (es_ses_signer_new(&s->so.signer, f->seal, f->signer, f->sk))
		die("ses signer");
	make_licence(&s->doc);
	for (size_t i = 0; i < DOC_BATCH; i++) {
		s->bdocs[i] = s->bouts[i] = (es_buf)ES_BUF_INIT;
		make_licence(&s->bdocs[i]);
		s->bptr[i] = s->bdocs[i].ptr;
		s->blen[i] = s->bdocs[i].len;
	}
	snprintf(s->dir, sizeof(s->dir), "/tmp/eseal-bench-ofd-XXXXXX");
	if (!mkdtemp(s->dir))
		die("mkdtemp");
	snprintf(s->in, sizeof(s->in), "%s/licence.ofd", s->dir);
	if (es_file_write(s->in, s->doc.ptr, s->doc.len, 0600))
		die("write licence");
}

static void doc_state_release(doc_state *s)
{
	char p[128];
	for (unsigned long i = 0; i < 64; i++) {
		snprintf(p, sizeof(p), "%s/sealed-%lu.ofd", s->dir, i);
		(void)remove(p);
	}
	(void)remove(s->in);
	(void)rmdir(s->dir);
	for (size_t i = 0; i < DOC_BATCH; i++) {
		es_buf_release(&s->bdocs[i]);
		es_buf_release(&s->bouts[i]);
	}
	es_ses_signer_free(s->so.signer);
	es_buf_release(&s->doc);
	es_buf_release(&s->sealed);
	es_buf_release(&s->rd);
}

/* Metric @m measured for about @seconds: its rate per second. */
static double measure_metric(doc_state *s, int m, double seconds)
{
	const bench_fixture *f = s->f;
	unsigned long n;
	double rate = 0;
	char outp[128];

	switch (m) {
	case M_SES:
		RUN_FOR(seconds, n, {
			es_report rep;
			es_report_init(&rep);
			if (es_verify_file(&rep, f->sig.ptr, f->sig.len, &s->vo)) die("verify");
			es_report_release(&rep);
		});
		return rate;
	case M_OFD:
		RUN_FOR(seconds, n, {
			s->sealed.len = 0;
			if (es_ofd_sign(&s->sealed, s->doc.ptr, s->doc.len, &s->so, f->seal, f->signer, f->sk)) die("ofd sign");
		});
		return rate;
	case M_OFD_MANY: {
		double t0 = now_s(), el;
		n = 0;
		do {
			for (size_t i = 0; i < DOC_BATCH; i++)
				s->bouts[i].len = 0;
			if (es_ofd_sign_many(s->bouts, s->bptr, s->blen, DOC_BATCH, &s->so, f->seal, f->signer, f->sk, NULL))
				die("ofd sign many");
			n += DOC_BATCH;
			el = now_s() - t0;
		} while (el < seconds);
		return (double)n / el;
	}
	case M_OFD_DISK:
		RUN_FOR(seconds, n, {
			snprintf(outp, sizeof(outp), "%s/sealed-%lu.ofd", s->dir, s->seq++ % 64);
			s->rd.len = 0;
			s->sealed.len = 0;
			if (es_file_read(&s->rd, s->in, 1 << 24) ||
			    es_ofd_sign(&s->sealed, s->rd.ptr, s->rd.len, &s->so, f->seal, f->signer, f->sk) ||
			    es_file_write(outp, s->sealed.ptr, s->sealed.len, 0600)) die("ofd end to end");
		});
		return rate;
	case M_PDF: {
		es_pdf_bench_result pb;
		/* es_pdf_bench alternates with es_sm2_sign: about 2 x its argument */
		return es_pdf_bench(&pb, seconds / 2, NULL, 0, f->seal, f->signer, f->sk) == 0 ? pb.pdf_per_s : 0;
	}
	}
	return 0;
}

/* The child's half: ESEAL_CRYPTO is already set by the parent; one slice per command line. */
static int docs_child(void)
{
	bench_fixture f;
	doc_state s;
	char line[128];

	fixture_setup(&f);
	doc_state_init(&s, &f);
	printf("implementation %s\n", es_crypto_implementation());
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		char name[32];
		double secs;
		int m;
		if (sscanf(line, "%31s %lf", name, &secs) != 2)
			break;
		for (m = 0; m < M_COUNT && strcmp(name, metric_names[m]) != 0; m++)
			;
		printf("%s %f\n", name, m < M_COUNT ? measure_metric(&s, m, secs) : 0.0);
		fflush(stdout);
	}
	doc_state_release(&s);
	fixture_release(&f);
	return 0;
}

/* The OpenSSL-mode child: this program again with ESEAL_CRYPTO=openssl, talked to through two pipes. */
typedef struct child {
	pid_t pid;
	FILE *to, *from;
} child;

static int child_start(child *c)
{
	char self[4096];
	int in[2], out[2];
	ssize_t len;

	memset(c, 0, sizeof(*c));
	/* this program's own path (in the shell, /proc/self/exe would be the shell) */
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0 || (size_t)len >= sizeof(self) - 1)
		return -1;
	self[len] = 0;
	if (pipe(in) < 0)
		return -1;
	if (pipe(out) < 0) {
		close(in[0]);
		close(in[1]);
		return -1;
	}
	fflush(stdout);
	c->pid = fork();
	if (c->pid < 0)
		return -1;
	if (c->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		setenv("ESEAL_CRYPTO", "openssl", 1);
		execl(self, self, "--docs-rates", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	c->to = fdopen(in[1], "w");
	c->from = fdopen(out[0], "r");
	return c->to && c->from ? 0 : -1;
}

static void child_stop(child *c)
{
	int st;
	if (c->to)
		fclose(c->to); /* EOF: the child leaves its loop */
	if (c->from)
		fclose(c->from);
	if (c->pid > 0)
		(void)waitpid(c->pid, &st, 0);
}

/* One slice of metric @m in the child; < 0 when the child is gone. */
static double child_slice(child *c, int m, double seconds)
{
	char line[128], name[32];
	double v;
	if (fprintf(c->to, "%s %f\n", metric_names[m], seconds) < 0 || fflush(c->to) != 0 ||
	    !fgets(line, sizeof(line), c->from) || sscanf(line, "%31s %lf", name, &v) != 2 ||
	    strcmp(name, metric_names[m]) != 0)
		return -1;
	return v;
}

/* Ours and the child's, slice by slice; ossl zeroed (and false returned) when the child failed. */
static bool measure_docs_interleaved(const bench_fixture *f, doc_rates *ours, doc_rates *ossl)
{
	doc_state s;
	child c;
	char line[128], impl[32] = "";
	bool ok;

	memset(ours, 0, sizeof(*ours));
	memset(ossl, 0, sizeof(*ossl));
	doc_state_init(&s, f);
	ours->ofd_bytes = s.doc.len;
	ok = child_start(&c) == 0 && fgets(line, sizeof(line), c.from) &&
	     sscanf(line, "implementation %31s", impl) == 1 && strcmp(impl, "openssl") == 0;
	for (int r = 0; r < DOC_ROUNDS; r++)
		for (int m = 0; m < M_COUNT; m++) {
			ours->v[m] += measure_metric(&s, m, DOC_SLICE) / DOC_ROUNDS;
			if (ok) {
				double v = child_slice(&c, m, DOC_SLICE);
				if (v < 0)
					ok = false;
				else
					ossl->v[m] += v / DOC_ROUNDS;
			}
		}
	child_stop(&c);
	doc_state_release(&s);
	if (!ok)
		memset(ossl, 0, sizeof(*ossl));
	return ok;
}

/* ---- in-process rates for the HTTP bench (bench/http.sh) -------------------- */

/*
 * What `POST /api/v1/verify` does per request, in this process: es_verify_file
 * with the platform's anchors (es_platform_trust_new, loaded once and shared)
 * and its live seal status (one store session per thread), then the JSON
 * report, on @threads threads for @seconds: the ceiling the route is compared
 * with (the difference is HTTP).
 */
typedef struct verify_worker {
	pthread_t th;
	es_platform *p;
	const es_trust *trust;
	es_bytes doc;
	double seconds;
	unsigned long n;
	int err;
} verify_worker;

static int status_at_fn(es_status_info *out, const char *esid, es_time at, void *payload)
{
	return es_platform_seal_status_at(payload, esid, at, out);
}

static void *verify_loop(void *arg)
{
	verify_worker *w = arg;
	es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
	double t0 = now_s();
	vo.trust = w->trust;
	vo.status = es_platform_status_fn;
	vo.status_at = status_at_fn;
	vo.status_payload = w->p;
	do {
		es_report rep;
		es_buf json = ES_BUF_INIT;
		es_report_init(&rep);
		if (es_verify_file(&rep, w->doc.ptr, w->doc.len, &vo) < 0 || rep.verdict != ES_VERDICT_VALID)
			w->err = -1;
		/* the answer the route sends */
		es_report_finish(&rep);
		if (es_report_json(&json, &rep) < 0)
			w->err = -1;
		es_buf_release(&json);
		es_report_release(&rep);
		w->n++;
	} while (!w->err && now_s() - t0 < w->seconds);
	return NULL;
}

static int verify_rate(const char *dir, const char *file, unsigned threads, double seconds)
{
	es_buf doc = ES_BUF_INIT;
	es_trust *trust = NULL;
	verify_worker w[16];
	double t0, el;
	unsigned long total = 0;
	int bad = 0;

	if (threads == 0 || threads > 16)
		threads = 1;
	es_verify_register_pdf(es_pdf_verify_file);
	es_verify_register_ofd(es_ofd_verify);
	if (es_file_read(&doc, file, 1 << 26))
		die("read the document");
	memset(w, 0, sizeof(w));
	for (unsigned i = 0; i < threads; i++)
		if (es_platform_open_dir(&w[i].p, dir, NULL, NULL))
			die("open the platform");
	if (es_platform_trust_new(w[0].p, &trust))
		die("the platform's anchors");
	t0 = now_s();
	for (unsigned i = 0; i < threads; i++) {
		w[i].trust = trust;
		w[i].doc.ptr = doc.ptr;
		w[i].doc.len = doc.len;
		w[i].seconds = seconds;
		if (pthread_create(&w[i].th, NULL, verify_loop, &w[i]) != 0)
			die("thread");
	}
	for (unsigned i = 0; i < threads; i++) {
		pthread_join(w[i].th, NULL);
		total += w[i].n;
		bad |= w[i].err;
		es_platform_close(w[i].p);
	}
	el = now_s() - t0;
	printf("verify_per_s %.1f\n", bad ? 0.0 : (double)total / el);
	es_trust_free(trust);
	es_buf_release(&doc);
	if (bad) {
		fprintf(stderr, "bench: the document does not verify as valid in this process\n");
		return 3;
	}
	return 0;
}

/* Documents sealed through the platform in this process (use request, key, time stamp, audit), as the sign route does. */
static int seal_rate(void)
{
	char dir[] = "/tmp/eseal-bench-seal-XXXXXX", uri[128];
	double plat = 0, raw = 0;
	if (!mkdtemp(dir))
		die("mkdtemp");
	snprintf(uri, sizeof(uri), "sqlite:%s/documents.db", dir);
	if (es_platform_bench_documents(uri, dir, 100, &plat, &raw))
		die("platform documents");
	printf("seal_per_s %.1f\nraw_seal_per_s %.1f\n", plat, raw);
	snprintf(uri, sizeof(uri), "rm -rf '%s'", dir); /* mkdtemp's name: no quote in it */
	if (system(uri) != 0)
		fprintf(stderr, "bench: could not remove %s\n", dir);
	return 0;
}

/* Applications end to end with 1, 2 and 4 threads, each on its own session of one context. */
static void bench_platform(const char *uri, const char *dir, const char *backend)
{
	static const unsigned threads[] = { 1, 2, 4 };
	for (size_t i = 0; i < sizeof(threads) / sizeof(threads[0]); i++) {
		char what[64];
		double per = 0;
		snprintf(what, sizeof(what), "applications end to end/s (%s, %u thr)", backend, threads[i]);
		if (es_platform_bench_threads(uri, dir, 40, threads[i], &per) == 0)
			printf("%-44s %12.1f\n", what, per);
		else
			printf("%-44s %12s  (%s)\n", what, "failed", es_error_last()->message);
	}
}

static void print_docs(void)
{
	bench_fixture f;
	doc_rates ours, ossl;
	const char *impl = es_crypto_implementation();
	static const char *const labels[M_COUNT] = {
		"SES verifications/s (full report)", "OFD licences sealed/s, in memory",
		"  in batches of 64 (es_ofd_sign_many)", "OFD licences sealed/s, file to file (fsync)",
		"one-page PDFs sealed/s, in memory",
	};

	fixture_setup(&f);
	printf("\ndocuments, one core: this process (%s) and a child with ESEAL_CRYPTO=openssl taking turns,\n"
	       "%d rounds of %.2f s slices each (both halves see the same load)\n",
	       impl, DOC_ROUNDS, DOC_SLICE);
	if (!measure_docs_interleaved(&f, &ours, &ossl))
		printf("  (the OpenSSL-mode child failed; rates of this process only)\n");
	printf("%-44s %12s %12s %8s\n", "", impl, "openssl", "ratio");
	for (int m = 0; m < M_COUNT; m++)
		printf("%-44s %12.1f %12.1f %8.2f\n", labels[m], ours.v[m], ossl.v[m],
		       ossl.v[m] > 0 ? ours.v[m] / ossl.v[m] : 0);
	printf("%-44s %12.2f %12s   (goal >= 1.0: 10 000/s)\n", "  OFD in memory, batches: / 10 000", ours.v[M_OFD_MANY] / 10000, "");
	printf("%-44s %12zu\n", "  licence size, bytes", ours.ofd_bytes);
	fixture_release(&f);
}

/*
 * --ofd-loop N: N licences sealed in memory one by one, then N in batches of DOC_BATCH, with
 * the time of each: a fixed amount of work, for profilers (valgrind --tool=callgrind, perf).
 */
static int ofd_loop(unsigned long n)
{
	bench_fixture f;
	doc_state s;
	fixture_setup(&f);
	doc_state_init(&s, &f);
	double t0 = now_s();
	for (unsigned long i = 0; i < n; i++) {
		s.sealed.len = 0;
		if (es_ofd_sign(&s.sealed, s.doc.ptr, s.doc.len, &s.so, f.seal, f.signer, f.sk))
			die("ofd sign");
	}
	double t1 = now_s();
	for (unsigned long i = 0; i < n; i += DOC_BATCH) {
		for (size_t k = 0; k < DOC_BATCH; k++)
			s.bouts[k].len = 0;
		if (es_ofd_sign_many(s.bouts, s.bptr, s.blen, DOC_BATCH, &s.so, f.seal, f.signer, f.sk, NULL))
			die("ofd sign many");
	}
	double t2 = now_s();
	printf("ofd-loop: %lu one by one in %.3f s (%.0f/s); %lu in batches of %d in %.3f s (%.0f/s)\n", n, t1 - t0,
	       (double)n / (t1 - t0), n, DOC_BATCH, t2 - t1, (double)n / (t2 - t1));
	doc_state_release(&s);
	fixture_release(&f);
	return 0;
}

int main(int argc, char **argv)
{
	double raw_sign, raw_verify, raw_sm3, rate;
	unsigned long n;
	es_sm2_key *rk = NULL, *mk = NULL, *sk = NULL;
	es_cert *root, *maker, *signer;
	es_trust *trust;
	es_buf png = ES_BUF_INIT, seal_der = ES_BUF_INIT, sig = ES_BUF_INIT, tmp = ES_BUF_INIT;
	es_seal *seal = NULL;
	es_seal_make_options mo = ES_SEAL_MAKE_OPTIONS_INIT;
	es_sign_options so = ES_SIGN_OPTIONS_INIT;
	es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
	es_render_options ro = ES_RENDER_OPTIONS_INIT;
	uint8_t msg[32] = { 1 }, h[32];
	static uint8_t big[1 << 20];
	es_sm2_signer *signer_ctx = NULL;

	es_process_tune(); /* as the eseal command does */
	if (argc == 2 && strcmp(argv[1], "--docs-rates") == 0)
		return docs_child();
	if ((argc == 4 || argc == 5) && strcmp(argv[1], "--verify-rate") == 0)
		return verify_rate(argv[2], argv[3], argc == 5 ? (unsigned)strtoul(argv[4], NULL, 10) : 1, 5.0);
	if (argc == 2 && strcmp(argv[1], "--seal-rate") == 0)
		return seal_rate();
	if (argc == 3 && strcmp(argv[1], "--ofd-loop") == 0)
		return ofd_loop(strtoul(argv[2], NULL, 10));
	if (argc == 2 && strcmp(argv[1], "--docs") == 0) {
		print_docs(); /* the documents section alone */
		return 0;
	}
	if (argc != 1) {
		fprintf(stderr, "usage: eseal_bench [--docs | --seal-rate | --ofd-loop N | --verify-rate DIR FILE [THREADS]] (make bench)\n");
		return 3;
	}
	printf("eseal %s benchmark (one core; rates per second)\n\n", es_version());
	openssl_rates(&raw_sign, &raw_verify, &raw_sm3);
	printf("%-44s %12.1f\n", "openssl speed sm2: sign/s", raw_sign);
	printf("%-44s %12.1f\n", "openssl speed sm2: verify/s", raw_verify);
	printf("%-44s %12.1f\n\n", "openssl speed -evp sm3 (16 KiB): MB/s", raw_sm3);

	if (es_sm2_key_generate(&rk) || es_sm2_key_generate(&mk) || es_sm2_key_generate(&sk))
		die("keygen");
	root = issue(rk, ES_PROFILE_ROOT_CA, "/C=CN/O=Bench/CN=Root", NULL, rk);
	maker = issue(mk, ES_PROFILE_SEAL_MAKER, "/C=CN/O=Bench/CN=Maker", root, rk);
	signer = issue(sk, ES_PROFILE_SIGNER, "/C=CN/O=91110105061311021A示例/CN=11010500000001", root, rk);
	if (es_trust_new(&trust) || es_trust_add_anchor(trust, es_cert_ref(root)))
		die("trust");

	/* SM2 primitives through our layer */
	RUN_FOR(2.0, n, { tmp.len = 0; if (es_sm2_sign(&tmp, sk, NULL, 0, msg, sizeof(msg))) die("sign"); });
	printf("%-44s %12.1f   ratio %.2f\n", "es_sm2_sign (32-byte message): sign/s", rate, rate / raw_sign);
	if (es_sm2_signer_new(&signer_ctx, sk, NULL, 0))
		die("signer");
	RUN_FOR(2.0, n, { tmp.len = 0; if (es_sm2_signer_sign(signer_ctx, &tmp, msg, sizeof(msg))) die("sign"); });
	printf("%-44s %12.1f   ratio %.2f\n", "es_sm2_signer (Z cached): sign/s", rate, rate / raw_sign);
	{
		es_buf s1 = ES_BUF_INIT;
		if (es_sm2_sign(&s1, sk, NULL, 0, msg, sizeof(msg)))
			die("sign");
		RUN_FOR(2.0, n, { if (es_sm2_verify(sk, NULL, 0, msg, sizeof(msg), s1.ptr, s1.len)) die("verify"); });
		printf("%-44s %12.1f   ratio %.2f\n", "es_sm2_verify: verify/s", rate, rate / raw_verify);
		es_buf_release(&s1);
	}
	memset(big, 0x61, sizeof(big));
	RUN_FOR(2.0, n, { if (es_sm3(h, big, sizeof(big))) die("sm3"); });
	printf("%-44s %12.1f   ratio %.2f\n\n", "es_sm3 (1 MiB): MB/s", rate * 1.048576, raw_sm3 > 0 ? rate * 1.048576 / raw_sm3 : 0);

	/* seals */
	ro.name = "示例科技有限公司";
	ro.dpi = 300;
	if (es_render_png(&png, &ro))
		die("render");
	mo.esid = "11010500000001";
	mo.name = "示例科技有限公司";
	mo.signers = &signer;
	mo.nsigners = 1;
	mo.picture_type = "PNG";
	mo.picture = png.ptr;
	mo.picture_len = png.len;
	mo.width_mm = mo.height_mm = 42;
	RUN_FOR(2.0, n, { seal_der.len = 0; if (es_seal_make(&seal_der, &mo, maker, mk, NULL)) die("seal make"); });
	printf("%-44s %12.1f   ratio %.2f (one SM2 signature each)\n", "seals made/s (Ø42 PNG impression)", rate,
	       rate / raw_sign);
	printf("%-44s %12zu\n", "  seal size, bytes", seal_der.len);
	if (es_seal_parse(&seal, seal_der.ptr, seal_der.len))
		die("parse");
	so.data = msg;
	so.data_len = sizeof(msg);
	RUN_FOR(2.0, n, { sig.len = 0; if (es_ses_sign(&sig, &so, seal, signer, sk)) die("ses sign"); });
	printf("%-44s %12.1f   ratio %.2f (one SM2 signature each)\n", "SES signatures/s", rate, rate / raw_sign);

	vo.trust = trust;
	vo.original = msg;
	vo.original_len = sizeof(msg);
	vo.has_original = true;
	RUN_FOR(2.0, n, {
		es_report r;
		es_report_init(&r);
		if (es_verify_file(&r, sig.ptr, sig.len, &vo)) die("verify");
		es_report_release(&r);
	});
	/* a full verification does 2 SM2 verifications (maker over SES_SealInfo,
	 * signer over TBS_Sign) plus 2 certificate-path checks (2 more) */
	printf("%-44s %12.1f   ratio %.2f per SM2 verification (4 each)\n", "SES verifications/s (full report)", rate,
	       rate * 4 / raw_verify);

	RUN_FOR(2.0, n, { png.len = 0; ro.dpi = 600; if (es_render_png(&png, &ro)) die("render"); });
	printf("\n%-44s %12.1f\n", "renders/s (Ø42 official seal, 600 DPI PNG)", rate);
	RUN_FOR(2.0, n, { png.len = 0; if (es_render_svg(&png, &ro)) die("render"); });
	printf("%-44s %12.1f\n", "renders/s (Ø42 official seal, SVG)", rate);

	/* documents */
	{
		es_pdf_bench_result pb;
		if (es_pdf_bench(&pb, 2.0, NULL, 0, seal, signer, sk) == 0)
			printf("\n%-44s %12.1f   ratio %.2f (%zu-byte sealed PDF)\n"
			       "%-44s %12s   ratio %.2f (interleaved with es_sm2_sign)\n",
			       "one-page PDFs sealed/s (CMS, seal's PNG)", pb.pdf_per_s, pb.pdf_per_s / raw_sign, pb.pdf_bytes,
			       "", "", pb.ratio);
		else
			printf("\n%-44s %12s  (%s)\n", "one-page PDFs sealed/s", "failed", es_error_last()->message);
		png.len = 0;
		if (es_render_svg(&png, &ro) == 0 && es_pdf_bench(&pb, 2.0, png.ptr, png.len, seal, signer, sk) == 0)
			printf("%-44s %12.1f   ratio %.2f (%zu-byte sealed PDF, interleaved %.2f)\n",
			       "one-page PDFs sealed/s (CMS, SVG picture)", pb.pdf_per_s, pb.pdf_per_s / raw_sign,
			       pb.pdf_bytes, pb.ratio);
	}

	{
		es_ofd_bench_result br;
		memset(&br, 0, sizeof(br));
		if (es_ofd_bench(&br, 2.0, seal, signer, sk) == 0)
			printf("%-44s %12.1f   ratio %.2f (one-page licence, %zu bytes)\n"
			       "%-44s %12s   ratio %.2f (interleaved with es_sm2_sign, goal >= 0.7)\n",
			       "OFD documents sealed/s (Type=Seal)", br.ofd_per_s, br.ofd_per_s / raw_sign, br.ofd_bytes,
			       "", "", br.ratio);
		else
			printf("%-44s %12s  (%s)\n", "OFD documents sealed/s", "failed", es_error_last()->message);
	}

	/* OFD pages drawn (eseal ofd render), seal included */
	{
		es_ofd_render_bench_result rb;
		if (es_ofd_render_bench(&rb, 2.0, seal, signer, sk) == 0) {
			printf("%-44s %12.1f   (one-page licence, %zu bytes, sealed)\n", "OFD pages rendered/s, 150 DPI PNG",
			       rb.licence_png_per_s, rb.licence_bytes);
			printf("%-44s %12.1f\n", "OFD pages rendered/s, PDF", rb.licence_pdf_per_s);
			printf("%-44s %12.1f   (one-page invoice, %zu bytes, sealed)\n", "OFD pages rendered/s, 150 DPI PNG",
			       rb.invoice_png_per_s, rb.invoice_bytes);
			printf("%-44s %12.1f\n\n", "OFD pages rendered/s, PDF", rb.invoice_pdf_per_s);
		} else {
			printf("%-44s %12s  (%s)\n", "OFD pages rendered/s", "failed", es_error_last()->message);
		}
	}

	/* the platform: applications processed end to end (apply ... deliver, confirm) */
	{
		char dir[] = "/tmp/eseal-bench-XXXXXX", uri[512], line[512];
		FILE *p;
		if (mkdtemp(dir)) {
			snprintf(uri, sizeof(uri), "sqlite:%s/platform.db", dir);
			bench_platform(uri, dir, "SQLite");
			double plat = 0, raw = 0;
			snprintf(uri, sizeof(uri), "sqlite:%s/documents.db", dir);
			if (es_platform_bench_documents(uri, dir, 100, &plat, &raw) == 0) {
				printf("%-44s %12.1f\n", "OFD sealed/s through the platform (SQLite)", plat);
				printf("%-44s %12.1f   (platform / raw %.2f)\n", "OFD sealed/s by es_ofd_sign, same seal+TSA", raw,
				       raw > 0 ? plat / raw : 0);
			} else {
				printf("%-44s %12s  (%s)\n", "OFD sealed/s through the platform", "failed",
				       es_error_last()->message);
			}
		}
		/* PostgreSQL: a throwaway cluster on loopback, as the tests use */
		p = popen("bash tests/platform/pg.sh start 2>/dev/null", "r");
		if (p && fgets(line, sizeof(line), p)) {
			char pgdir[256], cmd[512];
			int port;
			pclose(p);
			p = NULL;
			if (sscanf(line, "%255s %d", pgdir, &port) == 2) {
				snprintf(cmd, sizeof(cmd), "bash tests/platform/pg.sh createdb %s %d bench >/dev/null 2>&1", pgdir, port);
				if (system(cmd) == 0) {
					char pdir[] = "/tmp/eseal-bench-pg-XXXXXX";
					snprintf(uri, sizeof(uri), "postgres:host=127.0.0.1 port=%d user=postgres dbname=bench", port);
					if (mkdtemp(pdir))
						bench_platform(uri, pdir, "PostgreSQL");
				}
				snprintf(cmd, sizeof(cmd), "bash tests/platform/pg.sh stop %s >/dev/null 2>&1", pgdir);
				if (system(cmd) != 0)
					fprintf(stderr, "bench: could not stop the PostgreSQL cluster in %s\n", pgdir);
			}
		} else {
			printf("%-44s %12s\n", "applications end to end/s (PostgreSQL)", "skipped: no PostgreSQL");
		}
		if (p)
			pclose(p);
	}

	print_docs();

	es_sm2_signer_free(signer_ctx);
	es_seal_free(seal);
	es_buf_release(&png);
	es_buf_release(&seal_der);
	es_buf_release(&sig);
	es_buf_release(&tmp);
	es_trust_free(trust);
	es_cert_free(root);
	es_cert_free(maker);
	es_cert_free(signer);
	es_sm2_key_free(rk);
	es_sm2_key_free(mk);
	es_sm2_key_free(sk);
	return 0;
}
