/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * eseal ofd sign|verify|make|bench — OFD documents (GB/T 33190 §18).
 */
#include "cli_pki.h"
#include "file.h"
#include "estime.h"
#include "eseal/es_ofd.h"
#include <getopt.h>
#include <dirent.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char ofd_usage[] =
	"usage: eseal ofd sign IN.ofd -o OUT.ofd (--dir DIR --esid ESID | --seal S --cert C --key K) [options]\n"
	"       eseal ofd sign --batch IN_DIR OUT_DIR (--dir DIR --esid ESID | ...) [options]\n"
	"       eseal ofd verify FILE.ofd [--trust DIR] [--cert FILE] [--json]\n"
	"       eseal ofd make -o OUT.ofd [--title T] [--image FMT:FILE:PAGE:X:Y:W:H] [--text FILE]\n"
	"                          [--font FILE.ttf] [--font-name NAME] [--page-size WxH]\n"
	"                          [--margin MM] [LINE...]\n"
	"       eseal ofd bench (--dir DIR --esid ESID | ...) [--seconds S]\n"
	"       eseal ofd render FILE.ofd [--page N | --pages 1,3-5 | --all] [--dpi 150] -o OUT.png|.svg|.pdf\n"
	"                          (a converted copy only; see 'eseal ofd render --help')\n"
	"\n"
	"Seal (Type=Seal, GB/T 38540 SES_Signature v4) or sign (Type=Sign, GM/T 0010\n"
	"SignedData) an OFD; earlier signatures stay valid unless --whole was used.\n"
	"\n"
	"sign options:\n"
	"  --type seal|sign        signature type (default seal)\n"
	"  --page N --x MM --y MM  put the stamp's top-left corner there (default page 1, 0 0)\n"
	"  --keyword TEXT          centre the stamp on TEXT (every occurrence, or --nth N)\n"
	"  --riding                riding seal (骑缝章) across the right edges (--pages 1,3,4)\n"
	"  --riding-y MM           top of the riding seal (default: centred)\n"
	"  --size WxH              stamp size in mm (default: the seal picture's size)\n"
	"  --no-stamp              Type=Sign without a visible stamp\n"
	"  --whole                 protect Signatures.xml: no further signature allowed\n"
	"  --tsa                   time-stamp the signature (DIR's time-stamping authority)\n"
	"  --batch IN_DIR OUT_DIR  seal every *.ofd of IN_DIR into OUT_DIR on all cores;\n"
	"                          resumable: an output already in OUT_DIR is skipped when\n"
	"                          it is a complete package carrying this seal (and signer),\n"
	"                          otherwise sealed again; a killed run's temporary files\n"
	"                          are removed\n"
	"  -j N                    worker threads for --batch (default: all cores)\n"
	"  --json                  print the result as JSON\n"
	"\n"
	"make options:\n"
	"  --text FILE             lines from FILE; a line holding only a form feed starts a page\n"
	"  --image FMT:FILE:PAGE:X:Y:W:H  an image (PNG, JPEG, BMP, GIF) at X,Y mm, W x H mm\n"
	"  --font FILE.ttf         embed this font (default: referenced by name only)\n"
	"  --font-name NAME        font name (default 宋体)\n"
	"  --page-size WxH         page size in mm (default 210x297); 42x42 with an\n"
	"                          --image makes an OFD seal picture for 'seal make'\n"
	"  --margin MM             text margin in mm (default 20)\n"
	"\n"
	"exit codes: 0 success (verify: valid), 1 invalid / batch failures,\n"
	"            2 indeterminate, 3 usage or I/O error or refused\n";

/* ---- batch ------------------------------------------------------------------ */

typedef struct batch {
	const char *in_dir, *out_dir;
	char **names;
	size_t n, next, done, skipped, failed;
	const es_ofd_sign_options *so;
	const cli_signer *sg;
	const char *subject; /* the signer certificate's subject, for resume */
	pthread_mutex_t mu;
	json_t *failures;
	bool json;
	double t0;
} batch;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress(batch *b)
{
	size_t finished = b->done + b->skipped + b->failed;
	double el = now_s() - b->t0;
	int width = 30, fill = b->n ? (int)((double)finished / (double)b->n * width) : width;
	if (b->json || !isatty(2))
		return;
	fprintf(stderr, "\r[%.*s%*s] %zu/%zu  %.1f/s ", fill, "##############################", width - fill, "",
		finished, b->n, el > 0 ? (double)b->done / el : 0.0);
	fflush(stderr);
}

/*
 * Resume: an output of an earlier run counts as done only when it is a whole
 * OFD package carrying this run's seal: a signature of this esID and signer
 * whose checks (seal, signature, files, references, stamp) fail nowhere.
 * 0-byte, cut-short and unsealed files are sealed again.
 */
static bool sealed_before(const char *path, const cli_signer *sg, const es_ofd_sign_options *so, const char *subject)
{
	es_buf data = ES_BUF_INIT;
	es_report r;
	es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
	const es_seal_fields *sf = sg->seal ? es_seal_fields_get(sg->seal) : NULL;
	bool found = false;

	es_report_init(&r);
	if (es_file_read(&data, path, ES_MAX_INPUT_FILE) < 0 || es_ofd_verify(&r, data.ptr, data.len, &vo) < 0)
		goto done;
	for (size_t i = 0; i < r.nsigs && !found; i++) {
		const es_sig_report *e = &r.sigs[i];
		bool clean = strncmp(e->signer, subject, sizeof(e->signer) - 1) == 0; /* the report keeps 511 bytes */
		if (so->type == ES_OFD_SEAL)
			clean = clean && sf && strlen(e->esid) == sf->esid.len &&
				memcmp(e->esid, sf->esid.ptr, sf->esid.len) == 0;
		for (size_t k = 0; clean && k < e->nchecks; k++)
			if (e->checks[k].result == ES_RESULT_FAIL)
				clean = false;
		found = clean;
	}
done:
	es_error_clear();
	es_report_release(&r);
	es_buf_release(&data);
	return found;
}

static void *worker(void *arg)
{
	batch *b = arg;
	es_ofd_sign_options so = *b->so;

	/* one kept signer per thread: the seal is hashed once, not per document */
	so.signer = NULL;
	if (so.type == ES_OFD_SEAL && es_ses_signer_new(&so.signer, b->sg->seal, b->sg->cert, b->sg->key) < 0)
		so.signer = NULL; /* es_ofd_sign reports the same problem per document */
	for (;;) {
		size_t i;
		char in[4096], out[4096];
		es_buf data = ES_BUF_INIT, res = ES_BUF_INIT;
		int err;
		pthread_mutex_lock(&b->mu);
		i = b->next++;
		pthread_mutex_unlock(&b->mu);
		if (i >= b->n) {
			es_ses_signer_free(so.signer);
			return NULL;
		}
		snprintf(in, sizeof(in), "%s/%s", b->in_dir, b->names[i]);
		snprintf(out, sizeof(out), "%s/%s", b->out_dir, b->names[i]);
		/* a temporary file of a killed run is never a result */
		if (es_file_clean_temps(out, NULL) < 0)
			es_error_clear();
		if (es_file_exists(out) > 0 && sealed_before(out, b->sg, b->so, b->subject)) {
			pthread_mutex_lock(&b->mu);
			b->skipped++;
			progress(b);
			pthread_mutex_unlock(&b->mu);
			continue;
		}
		err = es_file_read(&data, in, ES_MAX_INPUT_FILE);
		if (err == 0)
			err = es_ofd_sign(&res, data.ptr, data.len, &so, b->sg->seal, b->sg->cert, b->sg->key);
		if (err == 0)
			err = es_file_write(out, res.ptr, res.len, 0644);
		pthread_mutex_lock(&b->mu);
		if (err < 0) {
			b->failed++;
			json_array_append_new(b->failures, json_pack("{s:s,s:s,s:s}", "file", b->names[i], "code",
								     es_error_name(err), "reason",
								     es_error_last()->message));
		} else {
			b->done++;
		}
		progress(b);
		pthread_mutex_unlock(&b->mu);
		es_buf_release(&data);
		es_buf_release(&res);
	}
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_batch(const char *in_dir, const char *out_dir, const es_ofd_sign_options *so, const cli_signer *sg,
		     long jobs, bool json)
{
	batch b;
	DIR *d;
	struct dirent *e;
	pthread_t th[64];
	size_t cap = 0, nth;
	int rc = ES_EXIT_OK;
	double el;
	es_buf subject = ES_BUF_INIT;

	memset(&b, 0, sizeof(b));
	b.in_dir = in_dir;
	b.out_dir = out_dir;
	b.so = so;
	b.sg = sg;
	b.json = json;
	b.failures = json_array();
	pthread_mutex_init(&b.mu, NULL);
	if (es_cert_subject(&subject, sg->cert) < 0 || es_buf_put(&subject, "", 1) < 0) {
		rc = cli_fail("batch");
		goto done;
	}
	b.subject = (const char *)subject.ptr;
	if (es_mkdirs(out_dir, 0755) < 0) {
		rc = cli_fail("cannot make '%s'", out_dir);
		goto done;
	}
	d = opendir(in_dir);
	if (!d) {
		es_error_set(ES_EIO, "cannot open folder '%s'", in_dir);
		rc = cli_fail("batch");
		goto done;
	}
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);
		if (l < 5 || strcasecmp(e->d_name + l - 4, ".ofd") != 0)
			continue;
		if (b.n == cap) {
			char **nv = es_realloc(b.names, (cap ? cap * 2 : 64) * sizeof(*nv));
			if (!nv)
				break;
			b.names = nv;
			cap = cap ? cap * 2 : 64;
		}
		b.names[b.n] = es_strdup(e->d_name);
		if (b.names[b.n])
			b.n++;
	}
	closedir(d);
	qsort(b.names, b.n, sizeof(*b.names), name_cmp);
	nth = jobs > 0 ? (size_t)jobs : (size_t)sysconf(_SC_NPROCESSORS_ONLN);
	if (nth < 1)
		nth = 1;
	if (nth > ES_ARRAY_LEN(th))
		nth = ES_ARRAY_LEN(th);
	b.t0 = now_s();
	for (size_t i = 0; i < nth; i++)
		if (pthread_create(&th[i], NULL, worker, &b) != 0)
			nth = i;
	if (nth == 0)
		worker(&b);
	for (size_t i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	el = now_s() - b.t0;
	if (!json && isatty(2))
		fputc('\n', stderr);
	if (json) {
		cli_print_json(json_pack("{s:I,s:I,s:I,s:I,s:f,s:f,s:O}", "total", (json_int_t)b.n, "sealed",
					 (json_int_t)b.done, "skipped", (json_int_t)b.skipped, "failed",
					 (json_int_t)b.failed, "seconds", el, "per_second",
					 el > 0 ? (double)b.done / el : 0.0, "failures", b.failures));
	} else {
		size_t i;
		json_t *f;
		printf("%zu documents: %zu sealed, %zu skipped (already in %s), %zu failed; %.2f s, %.1f/s\n", b.n,
		       b.done, b.skipped, out_dir, b.failed, el, el > 0 ? (double)b.done / el : 0.0);
		json_array_foreach(b.failures, i, f)
			printf("failed: %s: %s\n", json_string_value(json_object_get(f, "file")),
			       json_string_value(json_object_get(f, "reason")));
	}
	rc = b.failed ? ES_EXIT_INVALID : ES_EXIT_OK;
done:
	for (size_t i = 0; i < b.n; i++)
		es_free(b.names[i]);
	es_free(b.names);
	json_decref(b.failures);
	pthread_mutex_destroy(&b.mu);
	es_buf_release(&subject);
	return rc;
}

/* ---- sign ------------------------------------------------------------------- */

static int parse_pages(unsigned *out, size_t cap, size_t *n, const char *s)
{
	char *end;
	*n = 0;
	while (*s) {
		unsigned long v = strtoul(s, &end, 10);
		if (end == s || v == 0 || v > 100000 || *n >= cap)
			return -1;
		out[(*n)++] = (unsigned)v;
		s = end;
		if (*s == ',')
			s++;
		else if (*s)
			return -1;
	}
	return *n ? 0 : -1;
}

static int parse_double(double *out, const char *s)
{
	char *end;
	*out = strtod(s, &end);
	return end == s || *end || *out < 0 || *out > 100000 ? -1 : 0;
}

static int ofd_sign(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_SIGNER_LONGOPTS,
		{ "type", required_argument, NULL, 'T' },
		{ "page", required_argument, NULL, 'p' },    { "x", required_argument, NULL, 'X' },
		{ "y", required_argument, NULL, 'Y' },       { "keyword", required_argument, NULL, 'K' },
		{ "nth", required_argument, NULL, 'N' },     { "riding", no_argument, NULL, 'R' },
		{ "pages", required_argument, NULL, 'P' },   { "riding-y", required_argument, NULL, 'r' },
		{ "size", required_argument, NULL, 'S' },    { "whole", no_argument, NULL, 'W' },
		{ "no-stamp", no_argument, NULL, 'n' },      { "tsa", no_argument, NULL, 't' },
		{ "batch", no_argument, NULL, 'B' },         { "output", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'J' },          { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	cli_signer_files files = { 0 };
	const char *output = NULL;
	bool json = false, tsa = false, batch_mode = false;
	long jobs = 0;
	int c, rc = ES_EXIT_USAGE;
	unsigned pages[256];
	es_ofd_sign_options so = ES_OFD_SIGN_OPTIONS_INIT;
	cli_signer sg;
	es_buf in = ES_BUF_INIT, out = ES_BUF_INIT;

	memset(&sg, 0, sizeof(sg));
	optind = 0;
	while ((c = getopt_long(argc, argv, "ho:j:", longopts, NULL)) != -1) {
		if (cli_signer_option(&files, c, optarg))
			continue;
		switch (c) {
		case 'T':
			if (strcmp(optarg, "seal") == 0)
				so.type = ES_OFD_SEAL;
			else if (strcmp(optarg, "sign") == 0)
				so.type = ES_OFD_SIGN;
			else
				return cli_usage_error("ofd sign", "--type is seal or sign");
			break;
		case 'p':
			if (parse_pages(pages, 1, &so.npages, optarg) < 0)
				return cli_usage_error("ofd sign", "--page takes a page number (1-based)");
			so.page = pages[0];
			so.npages = 0;
			break;
		case 'X':
			if (parse_double(&so.x, optarg) < 0)
				return cli_usage_error("ofd sign", "--x takes millimetres");
			break;
		case 'Y':
			if (parse_double(&so.y, optarg) < 0)
				return cli_usage_error("ofd sign", "--y takes millimetres");
			break;
		case 'K': so.place = ES_OFD_PLACE_KEYWORD; so.keyword = optarg; break;
		case 'N': {
			size_t n;
			if (parse_pages(pages, 1, &n, optarg) < 0)
				return cli_usage_error("ofd sign", "--nth takes a number (1-based)");
			so.occurrence = pages[0];
			break;
		}
		case 'R': so.place = ES_OFD_PLACE_RIDING; break;
		case 'P':
			if (parse_pages(pages, ES_ARRAY_LEN(pages), &so.npages, optarg) < 0)
				return cli_usage_error("ofd sign", "--pages takes page numbers: 1,2,5");
			so.pages = pages;
			break;
		case 'r':
			if (parse_double(&so.riding_y, optarg) < 0)
				return cli_usage_error("ofd sign", "--riding-y takes millimetres");
			break;
		case 'S':
			if (sscanf(optarg, "%lfx%lf", &so.w, &so.h) != 2 || so.w <= 0 || so.h <= 0 || so.w > 1000 ||
			    so.h > 1000)
				return cli_usage_error("ofd sign", "--size takes WxH in mm, e.g. 40x40");
			break;
		case 'W': so.whole = true; break;
		case 'n': so.place = ES_OFD_PLACE_NONE; break;
		case 't': tsa = true; break;
		case 'B': batch_mode = true; break;
		case 'j': jobs = strtol(optarg, NULL, 10); break;
		case 'o': output = optarg; break;
		case 'J': json = true; break;
		case 'h': fputs(ofd_usage, stdout); return ES_EXIT_OK;
		default: return cli_usage_error("ofd sign", "unknown option");
		}
	}
	if (batch_mode ? optind + 2 != argc : optind + 1 != argc || !output)
		return cli_usage_error("ofd sign", batch_mode ? "--batch takes IN_DIR OUT_DIR"
							       : "give one IN.ofd and -o OUT.ofd");
	if (so.place == ES_OFD_PLACE_NONE && so.type != ES_OFD_SIGN)
		return cli_usage_error("ofd sign", "--no-stamp is for --type sign");
	if (cli_signer_load(&sg, &files, so.type == ES_OFD_SEAL, tsa) < 0) {
		rc = json ? cli_fail_json("ofd sign") : cli_fail("ofd sign");
		goto done;
	}
	so.tsa_cert = sg.tsa_cert;
	so.tsa_key = sg.tsa_key;
	if (batch_mode) {
		rc = run_batch(argv[optind], argv[optind + 1], &so, &sg, jobs, json);
		goto done;
	}
	if (cli_read_file(&in, argv[optind]) < 0) {
		rc = json ? cli_fail_json("read") : cli_fail("cannot read '%s'", argv[optind]);
		goto done;
	}
	if (es_ofd_sign(&out, in.ptr, in.len, &so, sg.seal, sg.cert, sg.key) < 0) {
		rc = json ? cli_fail_json("ofd sign") : cli_fail("cannot sign '%s'", argv[optind]);
		goto done;
	}
	if (cli_write_file(output, out.ptr, out.len) < 0) {
		rc = json ? cli_fail_json("write") : cli_fail("cannot write '%s'", output);
		goto done;
	}
	if (json)
		cli_print_json(json_pack("{s:s,s:s,s:I,s:b}", "output", output, "type",
					 so.type == ES_OFD_SEAL ? "Seal" : "Sign", (json_int_t)out.len, "whole", so.whole));
	else if (strcmp(output, "-") != 0)
		printf("%s: %s (%zu bytes)%s\n", so.type == ES_OFD_SEAL ? "sealed" : "signed", output, out.len,
		       so.whole ? ", sealed whole: no further signature allowed" : "");
	rc = ES_EXIT_OK;
done:
	cli_signer_release(&sg);
	es_buf_release(&in);
	es_buf_release(&out);
	return rc;
}

/* ---- make ------------------------------------------------------------------- */

static int ofd_make(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "title", required_argument, NULL, 't' }, { "image", required_argument, NULL, 'i' },
		{ "text", required_argument, NULL, 'x' },  { "output", required_argument, NULL, 'o' },
		{ "font", required_argument, NULL, 'f' },  { "font-name", required_argument, NULL, 'F' },
		{ "page-size", required_argument, NULL, 'P' }, { "margin", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },        { NULL, 0, NULL, 0 },
	};
	es_ofd_make_options mo = ES_OFD_MAKE_OPTIONS_INIT;
	es_ofd_image images[16];
	es_buf imgdata[16], text = ES_BUF_INIT, out = ES_BUF_INIT, font = ES_BUF_INIT;
	const char *output = NULL, *text_file = NULL, *font_file = NULL;
	const char **lines = NULL;
	size_t nimg = 0, nlines = 0;
	int c, rc = ES_EXIT_USAGE;

	optind = 0;
	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (c) {
		case 't': mo.title = optarg; break;
		case 'i': {
			char fmt[8], path[1024];
			es_ofd_image *im = &images[nimg];
			if (nimg >= ES_ARRAY_LEN(images))
				return cli_usage_error("ofd make", "at most 16 images");
			if (sscanf(optarg, "%7[^:]:%1023[^:]:%u:%lf:%lf:%lf:%lf", fmt, path, &im->page, &im->x, &im->y,
				   &im->w, &im->h) != 7)
				return cli_usage_error("ofd make", "--image is FMT:FILE:PAGE:X:Y:W:H");
			es_buf_init(&imgdata[nimg], ES_BUF_DEFAULT_MAX);
			if (cli_read_file(&imgdata[nimg], path) < 0) {
				rc = cli_fail("cannot read '%s'", path);
				goto done;
			}
			im->format = strcasecmp(fmt, "png") == 0 ? "PNG" : strcasecmp(fmt, "bmp") == 0 ? "BMP"
								       : strcasecmp(fmt, "gif") == 0 ? "GIF" : "JPEG";
			im->data = imgdata[nimg].ptr;
			im->len = imgdata[nimg].len;
			nimg++;
			break;
		}
		case 'x': text_file = optarg; break;
		case 'f': font_file = optarg; break;
		case 'F': mo.font_name = optarg; break;
		case 'P':
			if (sscanf(optarg, "%lfx%lf", &mo.page_w, &mo.page_h) != 2 || mo.page_w <= 0 || mo.page_h <= 0)
				return cli_usage_error("ofd make", "--page-size is WxH in millimetres, e.g. 42x42");
			break;
		case 'M':
			if (sscanf(optarg, "%lf", &mo.margin) != 1 || mo.margin <= 0)
				return cli_usage_error("ofd make", "--margin takes millimetres above 0");
			break;
		case 'o': output = optarg; break;
		case 'h': fputs(ofd_usage, stdout); return ES_EXIT_OK;
		default: return cli_usage_error("ofd make", "unknown option");
		}
	}
	if (!output)
		return cli_usage_error("ofd make", "give -o OUT.ofd");
	lines = es_calloc((size_t)argc + 100000, sizeof(*lines));
	if (!lines)
		goto done;
	if (text_file) {
		char *p;
		if (cli_read_file(&text, text_file) < 0) {
			rc = cli_fail("cannot read '%s'", text_file);
			goto done;
		}
		for (p = (char *)text.ptr; p && *p && nlines < 100000;) {
			char *nl = strchr(p, '\n');
			if (nl)
				*nl = 0;
			lines[nlines++] = p;
			p = nl ? nl + 1 : NULL;
		}
	}
	for (int i = optind; i < argc; i++)
		lines[nlines++] = argv[i];
	if (font_file) {
		if (cli_read_file(&font, font_file) < 0) {
			rc = cli_fail("cannot read '%s'", font_file);
			goto done;
		}
		mo.font_data = font.ptr;
		mo.font_len = font.len;
	}
	mo.lines = lines;
	mo.nlines = nlines;
	mo.images = images;
	mo.nimages = nimg;
	if (es_ofd_make(&out, &mo) < 0) {
		rc = cli_fail("cannot make the OFD");
		goto done;
	}
	if (cli_write_file(output, out.ptr, out.len) < 0) {
		rc = cli_fail("cannot write '%s'", output);
		goto done;
	}
	if (strcmp(output, "-") != 0)
		printf("made: %s (%zu bytes)\n", output, out.len);
	rc = ES_EXIT_OK;
done:
	for (size_t i = 0; i < nimg; i++)
		es_buf_release(&imgdata[i]);
	es_free(lines);
	es_buf_release(&font);
	es_buf_release(&text);
	es_buf_release(&out);
	return rc;
}

/* ---- bench ------------------------------------------------------------------ */

static int ofd_bench(int argc, char **argv)
{
	double seconds;
	bool json;
	int rc;
	cli_signer sg;
	es_ofd_bench_result br;

	if ((rc = cli_bench_begin(argc, argv, "ofd bench", ofd_usage, &sg, &seconds, &json)) >= 0)
		goto done;
	if (es_ofd_bench(&br, seconds, sg.seal, sg.cert, sg.key) < 0) {
		rc = cli_fail("ofd bench");
		goto done;
	}
	if (json)
		cli_print_json(json_pack("{s:f,s:f,s:f,s:I}", "ofd_per_s", br.ofd_per_s, "sm2_per_s", br.sm2_per_s,
					 "ratio", br.ratio, "ofd_bytes", (json_int_t)br.ofd_bytes));
	else
		printf("OFD sealed: %.1f/s (one-page licence, %zu bytes)\nSM2 sign:   %.1f/s\nratio:      %.2f (goal >= 0.7)\n",
		       br.ofd_per_s, br.ofd_bytes, br.sm2_per_s, br.ratio);
	rc = ES_EXIT_OK;
done:
	cli_signer_release(&sg);
	return rc;
}

int cmd_verify(int argc, char **argv);
int cmd_ofd_render(int argc, char **argv);

int cmd_ofd(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(ofd_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? ES_EXIT_USAGE : ES_EXIT_OK;
	}
	if (strcmp(argv[1], "sign") == 0)
		return ofd_sign(argc - 1, argv + 1);
	if (strcmp(argv[1], "verify") == 0)
		return cmd_verify(argc - 1, argv + 1);
	if (strcmp(argv[1], "make") == 0)
		return ofd_make(argc - 1, argv + 1);
	if (strcmp(argv[1], "bench") == 0)
		return ofd_bench(argc - 1, argv + 1);
	if (strcmp(argv[1], "render") == 0)
		return cmd_ofd_render(argc - 1, argv + 1);
	return cli_usage_error("ofd", "unknown subcommand '%s'", argv[1]);
}
