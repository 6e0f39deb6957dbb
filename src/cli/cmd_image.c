/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* eseal image render | import */
#include "cli.h"
#include "text.h"
#include "eseal/es_render.h"
#include "eseal/es_crypto.h"
#include <getopt.h>
#include <math.h>

static const char render_usage[] =
	"usage: eseal image render --kind KIND --name NAME -o FILE [options]\n"
	"\n"
	"Draw a seal's standard impression (transparent PNG or SVG).\n"
	"  --kind KIND     official (round 42, star), special (round 40, usage text),\n"
	"                  invoice (oval 40x30, 发票专用章), foreign (oval 45x30),\n"
	"                  oval-30x20, personal (square 18), position (square 20)\n"
	"  --name NAME     unit name on the upper arc, or the person's name\n"
	"  --text TEXT     horizontal text under the star, e.g. 合同专用章\n"
	"  --code DIGITS   14-digit seal code on the lower arc\n"
	"  --lower-text T  other text on the lower arc, e.g. an English name\n"
	"  --taxid ID      taxpayer id across the middle (invoice seals)\n"
	"  --serial TEXT   serial under the text, e.g. (1)\n"
	"  --size MM|WxH   diameter (38/40/42/45/50/60) or width x height in mm\n"
	"  --border MM     border width (0 = borderless)\n"
	"  --star MM       star diameter point to point; --no-star for none\n"
	"  --inner-ring MM inner ring line width (e.g. 0.1)\n"
	"  --no-pad        do not pad personal names with 之印/印\n"
	"  --color #RRGGBB ink colour (default #FF0000)\n"
	"  --dpi N         PNG resolution, 72-1200 (default 600)\n"
	"  --format F      png or svg (default: from the file name, else png)\n"
	"  --esid ID       seal id: cuts anti-forgery micro-gaps into the border\n"
	"  --font FILE     CJK font file (TTF/OTF/TTC) instead of the built-in list\n"
	"  -o, --output F  output file ('-' for standard output)\n"
	"  --json          print the result as JSON\n";

static const char import_usage[] =
	"usage: eseal image import SCAN --out FILE [--dpi N] [--ink red|any] [--json]\n"
	"\n"
	"Lift a stamped impression from a scan or photo (PNG or JPEG): keep the ink,\n"
	"make the paper transparent, crop, and report the shape and size in mm.\n"
	"  --out FILE      transparent PNG of the impression ('-' for standard output)\n"
	"  --dpi N         scan resolution (default: from the file, else 300 assumed)\n"
	"  --ink red|any   red seal ink (default), or any dark ink (signatures)\n"
	"  --json          print the result as JSON\n";

static const char image_usage[] =
	"usage: eseal image render --kind KIND --name NAME -o FILE [options]\n"
	"       eseal image import SCAN --out FILE [--dpi N] [--ink red|any]\n"
	"\n"
	"render  draw a seal's standard impression from its kind and names\n"
	"import  lift a stamped impression from a scanned image\n"
	"'eseal image render --help' and 'eseal image import --help' list the options.\n";

static int parse_mm(double *out, const char *s)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || *end || !(v >= 0 && v <= 1000))
		return -1;
	*out = v;
	return 0;
}

static int parse_uint(unsigned *out, const char *s, unsigned max)
{
	char *end;
	unsigned long v;
	if (!(*s >= '0' && *s <= '9'))
		return -1;
	v = strtoul(s, &end, 10);
	if (*end || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int parse_color(uint32_t *out, const char *s)
{
	char *end;
	unsigned long v;
	if (s[0] == '#')
		s++;
	if (strlen(s) != 6)
		return -1;
	v = strtoul(s, &end, 16);
	if (*end)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

static json_t *sm3_hex(const uint8_t *p, size_t n)
{
	uint8_t d[ES_SM3_DIGEST_LEN];
	char hex[2 * ES_SM3_DIGEST_LEN + 1];
	if (es_sm3(d, p, n) < 0)
		return json_null();
	es_hex(hex, d, sizeof(d));
	return json_string(hex);
}

/* Like cli_print_json(), with millimetres printed as 42.0, not 42.000000000000001. */
static void print_json(json_t *o)
{
	json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
	fputc('\n', stdout);
	json_decref(o);
}

static int image_render(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "kind", required_argument, NULL, 'k' },   { "name", required_argument, NULL, 'n' },
		{ "text", required_argument, NULL, 't' },   { "code", required_argument, NULL, 'c' },
		{ "taxid", required_argument, NULL, 'x' },  { "serial", required_argument, NULL, 'S' },
		{ "lower-text", required_argument, NULL, 'L' },
		{ "size", required_argument, NULL, 's' },   { "border", required_argument, NULL, 'b' },
		{ "star", required_argument, NULL, 'r' },   { "no-star", no_argument, NULL, 'R' },
		{ "inner-ring", required_argument, NULL, 'i' }, { "no-pad", no_argument, NULL, 'P' },
		{ "color", required_argument, NULL, 'C' },  { "colour", required_argument, NULL, 'C' },
		{ "dpi", required_argument, NULL, 'd' },    { "format", required_argument, NULL, 'f' },
		{ "esid", required_argument, NULL, 'e' },   { "font", required_argument, NULL, 'F' },
		{ "output", required_argument, NULL, 'o' }, { "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },         { NULL, 0, NULL, 0 },
	};
	es_render_options ro;
	es_render_geometry geo;
	es_render_kind kind = ES_RENDER_OFFICIAL;
	const char *kind_s = NULL, *name = NULL, *text = NULL, *code = NULL, *taxid = NULL;
	const char *serial = NULL, *size = NULL, *border = NULL, *star = NULL, *ring = NULL;
	const char *color = NULL, *dpi = NULL, *format = NULL, *esid = NULL, *font = NULL;
	const char *output = NULL, *lower = NULL;
	bool no_star = false, no_pad = false, json = false, svg;
	es_buf out = ES_BUF_INIT;
	int c, rc = ES_EXIT_USAGE;

	optind = 0;
	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (c) {
		case 'k': kind_s = optarg; break;
		case 'n': name = optarg; break;
		case 't': text = optarg; break;
		case 'c': code = optarg; break;
		case 'x': taxid = optarg; break;
		case 'L': lower = optarg; break;
		case 'S': serial = optarg; break;
		case 's': size = optarg; break;
		case 'b': border = optarg; break;
		case 'r': star = optarg; break;
		case 'R': no_star = true; break;
		case 'i': ring = optarg; break;
		case 'P': no_pad = true; break;
		case 'C': color = optarg; break;
		case 'd': dpi = optarg; break;
		case 'f': format = optarg; break;
		case 'e': esid = optarg; break;
		case 'F': font = optarg; break;
		case 'o': output = optarg; break;
		case 'j': json = true; break;
		case 'h': fputs(render_usage, stdout); return ES_EXIT_OK;
		default: return cli_usage_error("image render", "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage_error("image render", "unexpected argument '%s'", argv[optind]);
	if (!kind_s || !name || !output)
		return cli_usage_error("image render", "--kind, --name and -o are required");
	if (es_render_kind_parse(&kind, kind_s) < 0)
		return cli_usage_error("image render", "%s", es_error_last()->message);
	if (es_render_options_preset(&ro, kind) < 0)
		return cli_fail("image render");
	ro.name = name;
	if (text)
		ro.text = text;
	ro.code = code;
	ro.lower_text = lower;
	ro.taxid = taxid;
	ro.serial = serial;
	ro.font_path = font;
	ro.name_pad = !no_pad && ro.name_pad;
	if (esid) {
		ro.esid = esid;
		ro.microgaps = true;
	}
	if (size) {
		double w, h;
		char *x = strchr(size, 'x');
		if (x) {
			char wbuf[32];
			size_t n = (size_t)(x - size);
			if (n >= sizeof(wbuf))
				return cli_usage_error("image render", "bad --size '%s'", size);
			memcpy(wbuf, size, n);
			wbuf[n] = 0;
			if (parse_mm(&w, wbuf) < 0 || parse_mm(&h, x + 1) < 0)
				return cli_usage_error("image render", "bad --size '%s'", size);
		} else if (parse_mm(&w, size) < 0) {
			return cli_usage_error("image render", "bad --size '%s'", size);
		} else {
			h = w;
		}
		if (x && ro.shape == ES_SHAPE_ROUND && fabs(w - h) > 1e-9)
			ro.shape = ES_SHAPE_OVAL;
		if (x && ro.shape == ES_SHAPE_SQUARE && fabs(w - h) > 1e-9)
			ro.shape = ES_SHAPE_RECT;
		ro.width_mm = w;
		ro.height_mm = h;
	}
	if (border && parse_mm(&ro.border_mm, border) < 0)
		return cli_usage_error("image render", "bad --border '%s'", border);
	if (star) {
		if (parse_mm(&ro.star_mm, star) < 0)
			return cli_usage_error("image render", "bad --star '%s'", star);
		ro.star = ro.star_mm > 0;
	}
	if (no_star)
		ro.star = false;
	if (ring && parse_mm(&ro.inner_ring_mm, ring) < 0)
		return cli_usage_error("image render", "bad --inner-ring '%s'", ring);
	if (color && parse_color(&ro.color, color) < 0)
		return cli_usage_error("image render", "--color must be #RRGGBB, not '%s'", color);
	if (dpi && parse_uint(&ro.dpi, dpi, 100000) < 0)
		return cli_usage_error("image render", "bad --dpi '%s'", dpi);
	if (format && strcmp(format, "png") != 0 && strcmp(format, "svg") != 0)
		return cli_usage_error("image render", "--format must be png or svg");
	svg = format ? strcmp(format, "svg") == 0 : ends_with(output, ".svg");

	if ((svg ? es_render_svg(&out, &ro) : es_render_png(&out, &ro)) < 0 ||
	    es_render_geometry_get(&geo, &ro) < 0) {
		rc = json ? cli_fail_json("image render") : cli_fail("cannot render the seal");
		goto done;
	}
	if (cli_write_file(output, out.ptr, out.len) < 0) {
		rc = cli_fail("cannot write '%s'", output);
		goto done;
	}
	if (json) {
		json_t *o = json_object();
		json_object_set_new(o, "file", json_string(output));
		json_object_set_new(o, "kind", json_string(es_render_kind_name(kind)));
		json_object_set_new(o, "shape", json_string(es_render_shape_name(geo.shape)));
		json_object_set_new(o, "format", json_string(svg ? "svg" : "png"));
		json_object_set_new(o, "width_mm", json_real(geo.width_mm));
		json_object_set_new(o, "height_mm", json_real(geo.height_mm));
		json_object_set_new(o, "dpi", json_integer(svg ? 0 : geo.dpi));
		json_object_set_new(o, "width_px", json_integer(svg ? 0 : geo.width_px));
		json_object_set_new(o, "height_px", json_integer(svg ? 0 : geo.height_px));
		json_object_set_new(o, "star_mm", json_real(geo.star_mm));
		json_object_set_new(o, "name_span_deg", json_real(round(geo.name_span_deg * 10) / 10));
		json_object_set_new(o, "name_scale_x", json_real(round(geo.name_scale_x * 100) / 100));
		json_object_set_new(o, "microgaps", json_integer(geo.gaps));
		json_object_set_new(o, "glyphs", json_integer((json_int_t)geo.nglyphs));
		json_object_set_new(o, "bytes", json_integer((json_int_t)out.len));
		json_object_set_new(o, "sm3", sm3_hex(out.ptr, out.len));
		print_json(o);
	} else if (strcmp(output, "-") != 0) {
		printf("rendered %s (%s %s, %gx%g mm, %s%zu bytes)\n", output, es_render_kind_name(kind),
		       es_render_shape_name(geo.shape), geo.width_mm, geo.height_mm,
		       svg ? "svg, " : "", out.len);
	}
	rc = ES_EXIT_OK;
done:
	es_buf_release(&out);
	return rc;
}

static int image_import(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, 'o' }, { "output", required_argument, NULL, 'o' },
		{ "dpi", required_argument, NULL, 'd' }, { "ink", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },      { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	es_image_import_options io = ES_IMAGE_IMPORT_OPTIONS_INIT;
	es_image_import_result res;
	const char *output = NULL, *scan;
	bool json = false;
	es_buf in = ES_BUF_INIT, out = ES_BUF_INIT;
	int c, rc = ES_EXIT_USAGE;
	char hex[8];

	optind = 0;
	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': output = optarg; break;
		case 'd':
			if (parse_uint(&io.dpi, optarg, 100000) < 0)
				return cli_usage_error("image import", "bad --dpi '%s'", optarg);
			break;
		case 'i':
			if (strcmp(optarg, "red") == 0)
				io.ink = ES_INK_RED;
			else if (strcmp(optarg, "any") == 0)
				io.ink = ES_INK_ANY;
			else
				return cli_usage_error("image import", "--ink must be red or any");
			break;
		case 'j': json = true; break;
		case 'h': fputs(import_usage, stdout); return ES_EXIT_OK;
		default: return cli_usage_error("image import", "unknown option");
		}
	}
	if (optind + 1 != argc || !output)
		return cli_usage_error("image import", "one SCAN file and --out are required");
	scan = argv[optind];
	if (cli_read_file(&in, scan) < 0) {
		rc = json ? cli_fail_json("image import") : cli_fail("cannot read '%s'", scan);
		goto done;
	}
	if (es_image_import(&out, &res, in.ptr, in.len, &io) < 0) {
		rc = json ? cli_fail_json("image import") : cli_fail("cannot import '%s'", scan);
		goto done;
	}
	if (cli_write_file(output, out.ptr, out.len) < 0) {
		rc = cli_fail("cannot write '%s'", output);
		goto done;
	}
	snprintf(hex, sizeof(hex), "#%06X", (unsigned)res.ink_color);
	if (res.dpi_source == ES_DPI_ASSUMED && !json)
		fprintf(stderr, "eseal: warning: '%s' has no resolution; assumed %u dpi (give --dpi)\n",
			scan, res.dpi);
	if (json) {
		static const char *const src[] = { "option", "metadata", "assumed" };
		json_t *o = json_object();
		json_object_set_new(o, "file", json_string(output));
		json_object_set_new(o, "shape", json_string(es_render_shape_name(res.shape)));
		json_object_set_new(o, "width_mm", json_real(round(res.width_mm * 10) / 10));
		json_object_set_new(o, "height_mm", json_real(round(res.height_mm * 10) / 10));
		json_object_set_new(o, "angle_deg", json_real(round(res.angle_deg * 10) / 10));
		json_object_set_new(o, "dpi", json_integer(res.dpi));
		json_object_set_new(o, "dpi_source", json_string(src[res.dpi_source]));
		json_object_set_new(o, "crop", json_pack("{s:i,s:i,s:i,s:i}", "x", (int)res.crop_x, "y",
							 (int)res.crop_y, "width", (int)res.width_px,
							 "height", (int)res.height_px));
		json_object_set_new(o, "ink_color", json_string(hex));
		json_object_set_new(o, "bytes", json_integer((json_int_t)out.len));
		json_object_set_new(o, "sm3", sm3_hex(out.ptr, out.len));
		print_json(o);
	} else if (strcmp(output, "-") != 0) {
		printf("imported %s: %s, %.1fx%.1f mm at %u dpi, ink %s, %zu bytes\n", output,
		       es_render_shape_name(res.shape), res.width_mm, res.height_mm, res.dpi, hex, out.len);
	}
	rc = ES_EXIT_OK;
done:
	es_buf_release(&in);
	es_buf_release(&out);
	return rc;
}

int cmd_image(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(image_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? ES_EXIT_USAGE : ES_EXIT_OK;
	}
	if (strcmp(argv[1], "render") == 0)
		return image_render(argc - 1, argv + 1);
	if (strcmp(argv[1], "import") == 0)
		return image_import(argc - 1, argv + 1);
	return cli_usage_error("image", "unknown subcommand '%s'", argv[1]);
}
