/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* eseal seal make | show */
#include "cli_pki.h"
#include "text.h"
#include "cli_seal.h"
#include "file.h"
#include "estime.h"
#include "der/der.h"
#include <getopt.h>

static const char seal_usage[] =
	"usage: eseal seal make --dir DIR --esid ESID --name NAME [--kind KIND]\n"
	"                       [--function FUNC] [--picture FILE] [--size WxH]\n"
	"                       [--signer CERT]... [--reason TEXT] [--cert-list-type 1|2]\n"
	"                       [--vid VENDOR] [--ext OID[!]=HEX]... [-o FILE] [--json]\n"
	"       eseal seal show SEAL [--picture-out FILE] [--json]\n"
	"\n"
	"make   a GB/T 38540-2020 (v4) seal signed by the authority's seal maker\n"
	"       (DIR/maker.crt). Its validity is the signer certificate's validity.\n"
	"  --kind      official (default), special, position, personal, device\n"
	"  --function  for special seals: contract, finance, invoice, certificate,\n"
	"              letter, audit, customs\n"
	"  --picture   the impression (PNG, SVG, GIF, JPG, BMP, or an OFD such as\n"
	"              'eseal ofd make --page-size 42x42' makes); default: rendered\n"
	"              from the seal's kind and name ('eseal image render')\n"
	"  --size      picture size in millimetres, e.g. 42x42 (default: from the\n"
	"              rendered impression, the OFD's page, or 42x42)\n"
	"  --signer    signer certificate allowed to use the seal (default\n"
	"              DIR/signers/<esID>.crt); a second one needs --reason\n"
	"  --ext       an ExtData: OID, '!' after it for critical, '=' and the value\n"
	"              in hex, e.g. 1.2.156.112600.7.1=3132 (may be repeated)\n"
	"  -o FILE     output (default DIR/seals/<esID>.esl)\n"
	"show   print a seal's fields; --picture-out writes its impression\n";

static const char *picture_type_of(const uint8_t *p, size_t n)
{
	if (n >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "PNG";
	if (n >= 6 && (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0))
		return "GIF";
	if (n >= 3 && memcmp(p, "\xff\xd8\xff", 3) == 0)
		return "JPG";
	if (n >= 2 && memcmp(p, "BM", 2) == 0)
		return "BMP";
	if (n >= 5 && (memmem(p, n < 512 ? n : 512, "<svg", 4) != NULL))
		return "SVG";
	if (n >= 4 && memcmp(p, "PK\x03\x04", 4) == 0)
		return "OFD"; /* checked by es_ofd_page_size() */
	return NULL;
}

/* The OFD layer is optional: without it an OFD picture is refused. */
extern int es_ofd_page_size(const uint8_t *ofd, size_t len, double *w, double *h) __attribute__((weak));

/* "1.2.3[!]=A1B2": the OID text stays in @arg (the '=' or '!' is cut). */
static int parse_ext(es_seal_ext *x, es_buf *val, char *arg)
{
	char *eq = strchr(arg, '='), *hex;
	uint8_t oid[64];
	es_buf_init(val, 1 << 20);
	if (!eq)
		return -1;
	*eq = '\0';
	hex = eq + 1;
	x->critical = eq > arg && eq[-1] == '!';
	if (x->critical)
		eq[-1] = '\0';
	if (es_oid_from_text(oid, sizeof(oid), arg) < 0 || strlen(hex) % 2 != 0)
		return -1;
	for (size_t i = 0; hex[i]; i += 2) {
		unsigned v;
		uint8_t b;
		if (sscanf(hex + i, "%2x", &v) != 1)
			return -1;
		b = (uint8_t)v;
		if (es_buf_put(val, &b, 1) < 0)
			return -1;
	}
	x->oid = arg;
	x->value = val->ptr;
	x->len = val->len;
	return 0;
}

static int seal_make(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },      { "esid", required_argument, NULL, 'e' },
		{ "name", required_argument, NULL, 'n' },     { "kind", required_argument, NULL, 'k' },
		{ "function", required_argument, NULL, 'f' }, { "picture", required_argument, NULL, 'p' },
		{ "size", required_argument, NULL, 's' },     { "signer", required_argument, NULL, 'g' },
		{ "reason", required_argument, NULL, 'r' },   { "cert-list-type", required_argument, NULL, 'l' },
		{ "vid", required_argument, NULL, 'v' },      { "output", required_argument, NULL, 'o' },
		{ "ext", required_argument, NULL, 'x' },
		{ "json", no_argument, NULL, 'j' },           { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *picture = NULL, *size = NULL, *output = NULL, *kind = "official", *func = NULL;
	const char *signer_files[ES_SEAL_MAX_CERTS];
	size_t nsigner_files = 0, nexts = 0;
	es_seal_ext exts[ES_SEAL_MAX_EXTS];
	es_buf extvals[ES_SEAL_MAX_EXTS];
	unsigned w = 0, h = 0;
	bool json = false;
	int c, rc = ES_EXIT_USAGE;
	char pass[128] = "", path[4096], out_path[4096];
	es_seal_make_options mo = ES_SEAL_MAKE_OPTIONS_INIT;
	es_buf pic = ES_BUF_INIT, der = ES_BUF_INIT;
	es_cert *maker = NULL;
	es_sm2_key *maker_key = NULL;
	cli_certs signers = { 0 };
	es_trust *trust = NULL;

	optind = 0;
	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'e': mo.esid = optarg; break;
		case 'n': mo.name = optarg; break;
		case 'k': kind = optarg; break;
		case 'f': func = optarg; break;
		case 'p': picture = optarg; break;
		case 's': size = optarg; break;
		case 'g':
			if (nsigner_files >= ES_SEAL_MAX_CERTS)
				return cli_usage_error("seal make", "at most %d --signer", ES_SEAL_MAX_CERTS);
			signer_files[nsigner_files++] = optarg;
			break;
		case 'r': mo.multi_cert_reason = optarg; break;
		case 'l': mo.cert_list_type = (int)strtol(optarg, NULL, 10); break;
		case 'v': mo.vid = optarg; break;
		case 'x':
			if (nexts >= ES_SEAL_MAX_EXTS)
				return cli_usage_error("seal make", "at most %d --ext", ES_SEAL_MAX_EXTS);
			if (parse_ext(&exts[nexts], &extvals[nexts], optarg) < 0) {
				for (size_t i = 0; i <= nexts; i++)
					es_buf_release(&extvals[i]);
				return cli_usage_error("seal make", "--ext '%s' is not OID[!]=HEX", optarg);
			}
			nexts++;
			break;
		case 'o': output = optarg; break;
		case 'j': json = true; break;
		case 'h': fputs(seal_usage, stdout); return ES_EXIT_OK;
		default: return cli_usage_error("seal make", "unknown option");
		}
	}
	if (!dir || !mo.esid || !mo.name || optind != argc)
		return cli_usage_error("seal make", "--dir, --esid and --name are required");
	if ((mo.kind = es_seal_kind_from_name(kind)) < 0)
		return cli_usage_error("seal make", "unknown --kind '%s'", kind);
	if (func && (mo.function = es_seal_function_from_name(func)) < 0)
		return cli_usage_error("seal make", "unknown --function '%s'", func);
	if (size && (sscanf(size, "%ux%u", &w, &h) != 2))
		return cli_usage_error("seal make", "--size must be WxH in millimetres, e.g. 42x42");
	/* the platform's name check, with the seal's 200-byte limit */
	if (es_text_check_name("--name", mo.name, 200, true) < 0)
		return cli_fail("seal make");

	if (picture) {
		if (cli_read_file(&pic, picture) < 0) {
			rc = cli_fail("cannot read picture '%s'", picture);
			goto done;
		}
		mo.picture_type = picture_type_of(pic.ptr, pic.len);
		if (!mo.picture_type) {
			es_error_set(ES_EINVAL, "not a PNG, SVG, GIF, JPG or BMP image, nor an OFD");
			rc = cli_fail("picture '%s'", picture);
			goto done;
		}
		if (!size)
			w = h = 42;
		if (strcmp(mo.picture_type, "OFD") == 0) {
			double pw, ph;
			if (!es_ofd_page_size) {
				es_error_set(ES_ENOTSUPPORTED, "this eseal was built without the OFD layer");
				rc = cli_fail("picture '%s'", picture);
				goto done;
			}
			if (es_ofd_page_size(pic.ptr, pic.len, &pw, &ph) < 0) {
				rc = cli_fail("picture '%s' is not a readable OFD", picture);
				goto done;
			}
			if (!size) { /* the seal's size is its OFD page's */
				w = (unsigned)(pw + 0.5);
				h = (unsigned)(ph + 0.5);
			}
		}
	} else if (cli_render_impression(&pic, &w, &h, mo.kind, mo.function, mo.name, mo.esid, size != NULL) < 0) {
		rc = cli_fail("cannot render the impression (give --picture FILE)");
		goto done;
	} else {
		mo.picture_type = "PNG";
	}
	mo.picture = pic.ptr;
	mo.picture_len = pic.len;
	mo.exts = exts;
	mo.nexts = nexts;
	mo.width_mm = w;
	mo.height_mm = h;

	if (cli_passphrase(pass, sizeof(pass), dir) < 0) {
		rc = cli_fail("seal make");
		goto done;
	}
	cli_path(path, sizeof(path), dir, "maker.crt");
	if (cli_cert_load(&maker, path) < 0) {
		rc = cli_fail("seal make: maker certificate");
		goto done;
	}
	cli_path(path, sizeof(path), dir, "private/maker.key");
	if (cli_key_load(&maker_key, path, pass) < 0) {
		rc = cli_fail("seal make: maker key");
		goto done;
	}
	if (nsigner_files == 0) {
		snprintf(path, sizeof(path), "%s/signers/%s.crt", dir, mo.esid);
		signer_files[nsigner_files++] = path;
	}
	for (size_t i = 0; i < nsigner_files; i++)
		if (cli_certs_load(&signers, signer_files[i]) < 0) {
			rc = cli_fail("signer certificate '%s'", signer_files[i]);
			goto done;
		}
	mo.signers = signers.v;
	mo.nsigners = signers.n;
	cli_path(path, sizeof(path), dir, "trust");
	if (es_trust_new(&trust) < 0 || es_trust_load_dir(trust, path) < 0) {
		rc = cli_fail("seal make: trust store");
		goto done;
	}
	if (es_seal_make(&der, &mo, maker, maker_key, trust) < 0) {
		rc = json ? cli_fail_json("seal make") : cli_fail("cannot make the seal");
		goto done;
	}
	if (output)
		snprintf(out_path, sizeof(out_path), "%s", output);
	else
		snprintf(out_path, sizeof(out_path), "%s/seals/%s.esl", dir, mo.esid);
	if (cli_write_file(out_path, der.ptr, der.len) < 0) {
		rc = cli_fail("cannot write '%s'", out_path);
		goto done;
	}
	if (json)
		cli_print_json(json_pack("{s:s,s:s,s:s,s:I,s:i,s:i}", "seal", out_path, "esid", mo.esid, "name",
					 mo.name, "bytes", (json_int_t)der.len, "width_mm", (int)w, "height_mm", (int)h));
	else if (strcmp(out_path, "-") != 0)
		printf("made seal %s (%s, %s, %zu bytes, picture %ux%u mm)\n", out_path, mo.esid, mo.name, der.len, w, h);
	rc = ES_EXIT_OK;
done:
	es_wipe(pass, sizeof(pass));
	es_buf_release(&pic);
	es_buf_release(&der);
	es_cert_free(maker);
	es_sm2_key_free(maker_key);
	cli_certs_release(&signers);
	es_trust_free(trust);
	for (size_t i = 0; i < nexts; i++)
		es_buf_release(&extvals[i]);
	return rc;
}

static json_t *jbytes_text(es_bytes b)
{
	char tmp[1024];
	size_t n = b.len < sizeof(tmp) - 1 ? b.len : sizeof(tmp) - 1;
	json_t *v;
	memcpy(tmp, b.ptr, n);
	tmp[n] = '\0';
	v = json_string(tmp);
	return v ? v : json_string("(not UTF-8)");
}

static int seal_show(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "picture-out", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *pic_out = NULL;
	bool json = false;
	int c, rc = ES_EXIT_USAGE;
	es_buf b = ES_BUF_INIT;
	es_seal *seal = NULL;
	char t1[32], t2[32], t3[32];

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': pic_out = optarg; break;
		case 'j': json = true; break;
		case 'h': fputs(seal_usage, stdout); return ES_EXIT_OK;
		default: return cli_usage_error("seal show", "unknown option");
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("seal show", "expected one SEAL file");
	if (cli_read_file(&b, argv[optind]) < 0 || es_seal_parse(&seal, b.ptr, b.len) < 0) {
		rc = json ? cli_fail_json("seal show") : cli_fail("cannot read seal '%s'", argv[optind]);
		goto done;
	}
	{
		const es_seal_fields *f = es_seal_fields_get(seal);
		es_time_iso(t1, f->create_date);
		es_time_iso(t2, f->valid_start);
		es_time_iso(t3, f->valid_end);
		if (json) {
			json_t *o = json_object();
			json_object_set_new(o, "version", json_integer(f->version));
			json_object_set_new(o, "vid", jbytes_text(f->vid));
			json_object_set_new(o, "esid", jbytes_text(f->esid));
			json_object_set_new(o, "type", json_integer((json_int_t)f->type));
			json_object_set_new(o, "name", jbytes_text(f->name));
			json_object_set_new(o, "cert_list_type", json_integer((json_int_t)f->cert_list_type));
			json_object_set_new(o, "certificates", json_integer((json_int_t)(f->ncerts + f->ndigests)));
			json_object_set_new(o, "create_date", json_string(t1));
			json_object_set_new(o, "valid_start", json_string(t2));
			json_object_set_new(o, "valid_end", json_string(t3));
			json_object_set_new(o, "picture_type", jbytes_text(f->picture_type));
			json_object_set_new(o, "picture_bytes", json_integer((json_int_t)f->picture.len));
			json_object_set_new(o, "width_mm", json_integer((json_int_t)f->picture_width));
			json_object_set_new(o, "height_mm", json_integer((json_int_t)f->picture_height));
			json_object_set_new(o, "extensions", json_integer((json_int_t)f->nexts));
			cli_print_json(o);
		} else {
			printf("version   v%d (Vid %.*s)\nesID      %.*s\nname      %.*s\ntype      %llu\n"
			       "certList  type %llu, %zu entr%s\ncreated   %s\nvalid     %s .. %s\n"
			       "picture   %.*s, %zu bytes, %llux%llu mm\nextDatas  %zu\n",
			       f->version, (int)f->vid.len, f->vid.ptr, (int)f->esid.len, f->esid.ptr, (int)f->name.len,
			       f->name.ptr, (unsigned long long)f->type, (unsigned long long)f->cert_list_type,
			       f->ncerts + f->ndigests, f->ncerts + f->ndigests == 1 ? "y" : "ies", t1, t2, t3,
			       (int)f->picture_type.len, f->picture_type.ptr, f->picture.len,
			       (unsigned long long)f->picture_width, (unsigned long long)f->picture_height, f->nexts);
		}
		if (pic_out && cli_write_file(pic_out, f->picture.ptr, f->picture.len) < 0) {
			rc = cli_fail("cannot write '%s'", pic_out);
			goto done;
		}
	}
	rc = ES_EXIT_OK;
done:
	es_seal_free(seal);
	es_buf_release(&b);
	return rc;
}

int cmd_seal(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(seal_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? ES_EXIT_USAGE : ES_EXIT_OK;
	}
	if (strcmp(argv[1], "make") == 0)
		return seal_make(argc - 1, argv + 1);
	if (strcmp(argv[1], "show") == 0)
		return seal_show(argc - 1, argv + 1);
	return cli_usage_error("seal", "unknown subcommand '%s'", argv[1]);
}
