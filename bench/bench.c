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
#include "doc/pdf/pdf_int.h"
#include "estime.h"
#include "file.h"
#include <unistd.h>
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
 * The document rates of `make bench`, measured twice in one run: in this
 * process (our SM2/SM3 unless ESEAL_CRYPTO=openssl was already set) and in
 * a child of this program run with ESEAL_CRYPTO=openssl (the switch is
 * read once per process), which prints them as "name value" lines.
 */
typedef struct doc_rates {
	double ses_verify; /* full SES verifications (report, chain, 4 SM2 verifications) */
	double ofd_mem;    /* one-page licence sealed in memory, kept signer */
	double ofd_disk;   /* licence file read, sealed, written (atomic write with fsync) */
	double pdf;        /* one-page PDF sealed in memory */
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

/* A one-page licence like es_ofd_bench's: eleven lines of text and a ~14 KB photo. */
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

static void measure_docs(const bench_fixture *f, double seconds, doc_rates *r)
{
	char dir[] = "/tmp/eseal-bench-ofd-XXXXXX", in[64], outp[64];
	es_buf doc = ES_BUF_INIT, sealed = ES_BUF_INIT, rd = ES_BUF_INIT;
	es_ofd_sign_options so = ES_OFD_SIGN_OPTIONS_INIT;
	es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
	es_pdf_bench_result pb;
	unsigned long n;
	double rate;

	memset(r, 0, sizeof(*r));
	vo.trust = f->trust;
	vo.original = f->msg;
	vo.original_len = sizeof(f->msg);
	vo.has_original = true;
	RUN_FOR(seconds, n, {
		es_report rep;
		es_report_init(&rep);
		if (es_verify_file(&rep, f->sig.ptr, f->sig.len, &vo)) die("verify");
		es_report_release(&rep);
	});
	r->ses_verify = rate;

	make_licence(&doc);
	r->ofd_bytes = doc.len;
	so.x = 120;
	so.y = 60;
	if (es_ses_signer_new(&so.signer, f->seal, f->signer, f->sk))
		die("ses signer");
	RUN_FOR(seconds, n, {
		sealed.len = 0;
		if (es_ofd_sign(&sealed, doc.ptr, doc.len, &so, f->seal, f->signer, f->sk)) die("ofd sign");
	});
	r->ofd_mem = rate;
	if (!mkdtemp(dir))
		die("mkdtemp");
	snprintf(in, sizeof(in), "%s/licence.ofd", dir);
	if (es_file_write(in, doc.ptr, doc.len, 0600))
		die("write licence");
	RUN_FOR(seconds, n, {
		snprintf(outp, sizeof(outp), "%s/sealed-%lu.ofd", dir, n % 64);
		rd.len = 0;
		sealed.len = 0;
		if (es_file_read(&rd, in, 1 << 24) ||
		    es_ofd_sign(&sealed, rd.ptr, rd.len, &so, f->seal, f->signer, f->sk) ||
		    es_file_write(outp, sealed.ptr, sealed.len, 0600)) die("ofd end to end");
	});
	r->ofd_disk = rate;
	for (unsigned long i = 0; i < 64; i++) {
		snprintf(outp, sizeof(outp), "%s/sealed-%lu.ofd", dir, i);
		(void)remove(outp);
	}
	(void)remove(in);
	(void)rmdir(dir);
	if (es_pdf_bench(&pb, seconds / 2, NULL, 0, f->seal, f->signer, f->sk) == 0)
		r->pdf = pb.pdf_per_s;
	es_ses_signer_free(so.signer);
	es_buf_release(&doc);
	es_buf_release(&sealed);
	es_buf_release(&rd);
}

/* The child's half: ESEAL_CRYPTO is already set by the parent. */
static int docs_child(void)
{
	bench_fixture f;
	doc_rates r;
	fixture_setup(&f);
	measure_docs(&f, 2.0, &r);
	printf("implementation %s\nses_verify %f\nofd_mem %f\nofd_disk %f\npdf %f\n", es_crypto_implementation(),
	       r.ses_verify, r.ofd_mem, r.ofd_disk, r.pdf);
	fixture_release(&f);
	return 0;
}

static int docs_openssl(doc_rates *r)
{
	char line[256], impl[32] = "", self[4096], cmd[4200];
	FILE *p;
	ssize_t len;
	int ok = 0;

	memset(r, 0, sizeof(*r));
	/* this program's own path (in the shell, /proc/self/exe would be the shell) */
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0 || (size_t)len >= sizeof(self) - 1)
		return -1;
	self[len] = 0;
	if (strchr(self, '\'') || (size_t)snprintf(cmd, sizeof(cmd), "ESEAL_CRYPTO=openssl '%s' --docs-rates", self) >= sizeof(cmd))
		return -1;
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		double v;
		char name[32];
		if (sscanf(line, "implementation %31s", impl) == 1)
			continue;
		if (sscanf(line, "%31s %lf", name, &v) != 2)
			continue;
		ok++;
		if (strcmp(name, "ses_verify") == 0)
			r->ses_verify = v;
		else if (strcmp(name, "ofd_mem") == 0)
			r->ofd_mem = v;
		else if (strcmp(name, "ofd_disk") == 0)
			r->ofd_disk = v;
		else if (strcmp(name, "pdf") == 0)
			r->pdf = v;
	}
	if (pclose(p) != 0 || ok != 4 || strcmp(impl, "openssl") != 0)
		return -1;
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

	fixture_setup(&f);
	measure_docs(&f, 2.0, &ours);
	printf("\ndocuments, one core: this process (%s) beside a child with ESEAL_CRYPTO=openssl, same run\n", impl);
	if (docs_openssl(&ossl) < 0) {
		printf("  (the OpenSSL-mode child failed; rates of this process only)\n");
		memset(&ossl, 0, sizeof(ossl));
	}
	printf("%-44s %12s %12s %8s\n", "", impl, "openssl", "ratio");
#define DOC_LINE(label, field)                                                                          \
	printf("%-44s %12.1f %12.1f %8.2f\n", label, ours.field, ossl.field, ossl.field > 0 ? ours.field / ossl.field : 0)
	DOC_LINE("SES verifications/s (full report)", ses_verify);
	DOC_LINE("OFD licences sealed/s, in memory", ofd_mem);
	DOC_LINE("OFD licences sealed/s, file to file (fsync)", ofd_disk);
	DOC_LINE("one-page PDFs sealed/s, in memory", pdf);
#undef DOC_LINE
	printf("%-44s %12zu\n", "  licence size, bytes", ours.ofd_bytes);
	fixture_release(&f);
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
	if (argc == 2 && strcmp(argv[1], "--docs") == 0) {
		print_docs(); /* the documents section alone */
		return 0;
	}
	if (argc != 1) {
		fprintf(stderr, "usage: eseal_bench [--docs] (make bench)\n");
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
