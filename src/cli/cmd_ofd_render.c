/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * eseal ofd render — OFD pages to PNG, SVG or PDF (es_ofd_render.h).
 */
#include "cli.h"
#include "eseal/es_ofd_render.h"
#include <getopt.h>

int cmd_ofd_render(int argc, char **argv);

static const char render_usage[] =
	"usage: eseal ofd render FILE.ofd [--page N | --pages 1,3-5 | --all] [--dpi 150]\n"
	"                        [--no-stamps] [--no-annots] [--json] -o OUT.png|OUT.svg|OUT.pdf\n"
	"\n"
	"Draw OFD pages (GB/T 33190) as a reader would, seals included. The format\n"
	"follows the extension of OUT. A PDF holds every chosen page; PNG and SVG hold\n"
	"one page each: with more than one page, OUT-<page>.png is written per page.\n"
	"\n"
	"A converted copy is only a copy: the sealed OFD stays the original, and its\n"
	"signatures are verified on the OFD (eseal ofd verify), never on the copy.\n"
	"The PDF's metadata says so too.\n"
	"\n"
	"options:\n"
	"  --page N          one page (default 1)\n"
	"  --pages LIST      pages and ranges, e.g. 1,3-5\n"
	"  --all             every page\n"
	"  --dpi D           PNG resolution (10-2400, default 150); output is at most\n"
	"                    100 megapixels a page\n"
	"  --no-stamps       leave out the seal pictures of signatures\n"
	"  --no-annots       leave out annotations\n"
	"  --json            print what was drawn and skipped as JSON\n"
	"  -o OUT            output file ('-' for stdout, one page or PDF only)\n"
	"\n"
	"Parts that cannot be drawn (over a limit of docs/limits.md, or an image in a\n"
	"format that cannot be decoded) are skipped and named on stderr; the rest of\n"
	"the page is drawn.\n"
	"\n"
	"exit codes: 0 rendered, 3 usage, I/O error or unreadable OFD\n";

/* "1,3-5" into @pages (1-based, order kept); false on a bad list. */
static bool parse_pages(const char *s, unsigned *pages, size_t cap, size_t *n)
{
	*n = 0;
	while (*s) {
		char *end;
		unsigned long a = strtoul(s, &end, 10), b;
		if (end == s || a == 0 || a > 100000)
			return false;
		b = a;
		s = end;
		if (*s == '-') {
			b = strtoul(s + 1, &end, 10);
			if (end == s + 1 || b < a || b > 100000)
				return false;
			s = end;
		}
		for (unsigned long p = a; p <= b; p++) {
			if (*n >= cap)
				return false;
			pages[(*n)++] = (unsigned)p;
		}
		if (*s == ',')
			s++;
		else if (*s)
			return false;
	}
	return *n > 0;
}

static bool ends_with(const char *s, const char *ext)
{
	size_t a = strlen(s), b = strlen(ext);
	return a >= b && strcasecmp(s + a - b, ext) == 0;
}

int cmd_ofd_render(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "page", required_argument, NULL, 'p' },  { "pages", required_argument, NULL, 'P' },
		{ "all", no_argument, NULL, 'a' },         { "dpi", required_argument, NULL, 'd' },
		{ "no-stamps", no_argument, NULL, 'S' },   { "no-annots", no_argument, NULL, 'A' },
		{ "json", no_argument, NULL, 'J' },        { "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },        { NULL, 0, NULL, 0 },
	};
	es_ofd_render_options ro = ES_OFD_RENDER_OPTIONS_INIT;
	es_ofd_render_info info, total;
	es_buf in = ES_BUF_INIT, out = ES_BUF_INIT;
	es_ofd_view *v = NULL;
	const char *output = NULL, *input;
	unsigned *pages = NULL;
	size_t npages = 0;
	bool all = false, json = false;
	const char *page_list = NULL;
	unsigned one = 0;
	int c, rc = ES_EXIT_USAGE;
	json_t *jpages = NULL;

	es_buf_init(&out, (size_t)1 << 30); /* a PDF of many pages may exceed the 64 MiB default */
	optind = 0;
	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': {
			char *end;
			unsigned long p = strtoul(optarg, &end, 10);
			if (*end || p == 0 || p > 100000)
				return cli_usage_error("ofd render", "--page takes a page number (1-based)");
			one = (unsigned)p;
			break;
		}
		case 'P': page_list = optarg; break;
		case 'a': all = true; break;
		case 'd': {
			char *end;
			unsigned long d = strtoul(optarg, &end, 10);
			if (*end || d < ES_OFD_RENDER_MIN_DPI || d > ES_OFD_RENDER_MAX_DPI)
				return cli_usage_error("ofd render", "--dpi takes %u to %u", ES_OFD_RENDER_MIN_DPI,
						       ES_OFD_RENDER_MAX_DPI);
			ro.dpi = (unsigned)d;
			break;
		}
		case 'S': ro.no_stamps = true; break;
		case 'A': ro.no_annots = true; break;
		case 'J': json = true; break;
		case 'o': output = optarg; break;
		case 'h': fputs(render_usage, stdout); return ES_EXIT_OK;
		default: return cli_usage_error("ofd render", "unknown option");
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("ofd render", "give one FILE.ofd");
	input = argv[optind];
	if (!output)
		return cli_usage_error("ofd render", "give -o OUT.png, OUT.svg or OUT.pdf");
	if (json && strcmp(output, "-") == 0)
		return cli_usage_error("ofd render", "--json prints on stdout: give -o FILE, not -o -");
	if ((one != 0) + (page_list != NULL) + all > 1)
		return cli_usage_error("ofd render", "give only one of --page, --pages and --all");
	if (ends_with(output, ".png"))
		ro.format = ES_OFD_RENDER_PNG;
	else if (ends_with(output, ".svg"))
		ro.format = ES_OFD_RENDER_SVG;
	else if (ends_with(output, ".pdf"))
		ro.format = ES_OFD_RENDER_PDF;
	else if (strcmp(output, "-") == 0)
		ro.format = ES_OFD_RENDER_PNG;
	else
		return cli_usage_error("ofd render", "the output name ends in .png, .svg or .pdf");

	if (cli_read_file(&in, input) < 0) {
		rc = cli_fail("cannot read '%s'", input);
		goto done;
	}
	if (es_ofd_view_open(&v, in.ptr, in.len) < 0) {
		rc = json ? cli_fail_json("cannot read the OFD") : cli_fail("cannot read the OFD '%s'", input);
		goto done;
	}
	if (!(pages = es_calloc(100000, sizeof(*pages))))
		goto done;
	if (all) {
		for (unsigned i = 1; i <= es_ofd_view_pages(v); i++)
			pages[npages++] = i;
	} else if (page_list) {
		if (!parse_pages(page_list, pages, 100000, &npages)) {
			rc = cli_usage_error("ofd render", "--pages takes numbers and ranges, e.g. 1,3-5");
			goto done;
		}
	} else {
		pages[npages++] = one ? one : 1;
	}
	for (size_t i = 0; i < npages; i++)
		if (pages[i] > es_ofd_view_pages(v)) {
			rc = cli_usage_error("ofd render", "page %u out of range: '%s' has %u page%s", pages[i], input,
					     es_ofd_view_pages(v), es_ofd_view_pages(v) == 1 ? "" : "s");
			goto done;
		}
	if (npages > 1 && ro.format != ES_OFD_RENDER_PDF && strcmp(output, "-") == 0) {
		rc = cli_usage_error("ofd render", "several PNG/SVG pages cannot go to stdout; give -o OUT.png");
		goto done;
	}
	memset(&total, 0, sizeof(total));
	jpages = json_array();
	if (ro.format == ES_OFD_RENDER_PDF) {
		if (es_ofd_render_pdf(&out, v, pages, npages, &ro, &total) < 0) {
			rc = json ? cli_fail_json("cannot render") : cli_fail("cannot render '%s'", input);
			goto done;
		}
		if (cli_write_file(output, out.ptr, out.len) < 0) {
			rc = cli_fail("cannot write '%s'", output);
			goto done;
		}
		json_array_append_new(jpages, json_pack("{s:s,s:I}", "file", output, "bytes", (json_int_t)out.len));
	} else {
		for (size_t i = 0; i < npages; i++) {
			char name[4096];
			if (npages == 1)
				snprintf(name, sizeof(name), "%s", output);
			else
				snprintf(name, sizeof(name), "%.*s-%u%s", (int)(strlen(output) - 4), output, pages[i],
					 output + strlen(output) - 4);
			out.len = 0;
			if (es_ofd_render_page(&out, v, pages[i], &ro, &info) < 0) {
				rc = json ? cli_fail_json("cannot render") : cli_fail("cannot render page %u", pages[i]);
				goto done;
			}
			if (cli_write_file(name, out.ptr, out.len) < 0) {
				rc = cli_fail("cannot write '%s'", name);
				goto done;
			}
			json_array_append_new(jpages, json_pack("{s:s,s:i,s:I}", "file", name, "page", (int)pages[i],
								"bytes", (json_int_t)out.len));
			total.objects += info.objects;
			total.glyphs += info.glyphs;
			total.images += info.images;
			total.stamps += info.stamps;
			total.skipped += info.skipped;
			total.missing_glyphs += info.missing_glyphs;
			if (info.skipped_what[0]) {
				size_t off = strlen(total.skipped_what);
				snprintf(total.skipped_what + off, sizeof(total.skipped_what) - off, "%spage %u: %s",
					 off ? "; " : "", pages[i], info.skipped_what);
			}
		}
	}
	if (json) {
		cli_print_json(json_pack("{s:o,s:I,s:I,s:I,s:I,s:I,s:I,s:s,s:s}", "outputs", jpages, "objects",
					 (json_int_t)total.objects, "glyphs", (json_int_t)total.glyphs, "images",
					 (json_int_t)total.images, "stamps", (json_int_t)total.stamps, "skipped",
					 (json_int_t)total.skipped, "missing_glyphs", (json_int_t)total.missing_glyphs,
					 "skipped_what", total.skipped_what, "note",
					 "a converted copy: the sealed OFD remains the original"));
		jpages = NULL;
	} else {
		if (strcmp(output, "-") != 0)
			printf("rendered: %zu page%s of '%s' to %s%s (a copy; the OFD stays the original)\n", npages,
			       npages == 1 ? "" : "s", input, output,
			       npages > 1 && ro.format != ES_OFD_RENDER_PDF ? " (one file a page)" : "");
		if (total.skipped)
			fprintf(stderr, "eseal: ofd render: skipped %zu part%s: %s\n", total.skipped,
				total.skipped == 1 ? "" : "s", total.skipped_what);
		if (total.missing_glyphs)
			fprintf(stderr, "eseal: ofd render: %zu character%s had no glyph in any installed font\n",
				total.missing_glyphs, total.missing_glyphs == 1 ? "" : "s");
	}
	rc = ES_EXIT_OK;
done:
	json_decref(jpages);
	es_free(pages);
	es_ofd_view_free(v);
	es_buf_release(&in);
	es_buf_release(&out);
	return rc;
}
