/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The OFD reader on arbitrary bytes: zip limits and names, XML parsing
 * (OFD.xml, Signatures.xml, Signature.xml, Document.xml), reference
 * digests and the signed values, through es_ofd_verify(); the page size
 * reader (OFD seal pictures); a package that opens is also written back
 * and reopened.
 *
 * A mutation of a deflated zip almost never inflates to XML, and one of a
 * stored zip breaks its CRC: either way libFuzzer would stay in the zip
 * layer. So under libFuzzer a structure-aware mutator takes packages of
 * stored entries (the seeds in fuzz/corpora/ofd/ are such), mutates the
 * bytes of one entry (or its name), and writes the zip again with right
 * sizes, offsets and CRCs; one time in eight it mutates the raw bytes, to
 * keep the zip reader itself under fuzzing. ES_FUZZ_OFD_RAW=1 turns it
 * off (plain byte mutation, for comparing coverage).
 */
#include "es_int.h"
#include "fuzz.h"
#include "eseal/es_ofd.h"
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
	es_ofd_limits lim = { 64, (size_t)1 << 20, (size_t)4 << 20, 0 };
	es_report r;
	es_buf out = ES_BUF_INIT;
	es_ofd_pkg *p = NULL, *q = NULL;

	vo.now = 1700000000;
	es_report_init(&r);
	if (es_ofd_verify(&r, data, size, &vo) == 0 && es_report_json(&out, &r) != 0)
		abort();
	es_report_release(&r);
	es_buf_release(&out);
	{
		double w = -1, h = -1;
		if (es_ofd_page_size(data, size, &w, &h) == 0 && !(w > 0 && h > 0))
			abort(); /* a size it reports is a size */
	}
	if (es_ofd_pkg_open(&p, data, size, &lim) == 0) {
		if (es_ofd_pkg_write(&out, p) != 0 || es_ofd_pkg_open(&q, out.ptr, out.len, NULL) != 0 ||
		    es_ofd_pkg_count(q) != es_ofd_pkg_count(p))
			abort();
	}
	es_ofd_pkg_free(p);
	es_ofd_pkg_free(q);
	es_buf_release(&out);
	return 0;
}

#ifdef ES_LIBFUZZER
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

#define MAX_ENTRIES 64

typedef struct zent {
	const uint8_t *name;
	size_t nlen;
	const uint8_t *data;
	size_t len;
} zent;

static uint32_t crc32_of(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return ~c;
}

static uint32_t rd16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t rd32(const uint8_t *p)
{
	return rd16(p) | rd16(p + 2) << 16;
}

/* The stored entries of a zip, walked through its local headers; 0 when it is not such a zip. */
static size_t parse_stored(const uint8_t *d, size_t size, zent *v)
{
	size_t off = 0, n = 0;
	while (off + 30 <= size && rd32(d + off) == 0x04034b50u && n < MAX_ENTRIES) {
		size_t nlen = rd16(d + off + 26), xlen = rd16(d + off + 28), len = rd32(d + off + 18);
		if (rd16(d + off + 8) != 0 || (rd16(d + off + 6) & 8) || len != rd32(d + off + 22) ||
		    off + 30 + nlen + xlen + len > size)
			return 0;
		v[n].name = d + off + 30;
		v[n].nlen = nlen;
		v[n].data = d + off + 30 + nlen + xlen;
		v[n].len = len;
		n++;
		off += 30 + nlen + xlen + len;
	}
	return n;
}

static void put16(uint8_t **o, uint32_t v)
{
	(*o)[0] = (uint8_t)v;
	(*o)[1] = (uint8_t)(v >> 8);
	*o += 2;
}

static void put32(uint8_t **o, uint32_t v)
{
	put16(o, v & 0xffff);
	put16(o, v >> 16);
}

/* Write @v as a zip of stored entries into @out (capacity @cap); 0 when it does not fit. */
static size_t write_stored(uint8_t *out, size_t cap, const zent *v, size_t n)
{
	size_t need = 22, offs[MAX_ENTRIES];
	uint8_t *o = out, *cd;
	for (size_t i = 0; i < n; i++)
		need += 30 + 46 + 2 * v[i].nlen + v[i].len;
	if (need > cap)
		return 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t crc = crc32_of(v[i].data, v[i].len);
		offs[i] = (size_t)(o - out);
		put32(&o, 0x04034b50u);
		put16(&o, 20);
		put16(&o, 0x0800);
		put16(&o, 0);
		put16(&o, 0);
		put16(&o, 0x21);
		put32(&o, crc);
		put32(&o, (uint32_t)v[i].len);
		put32(&o, (uint32_t)v[i].len);
		put16(&o, (uint32_t)v[i].nlen);
		put16(&o, 0);
		memmove(o, v[i].name, v[i].nlen);
		o += v[i].nlen;
		memmove(o, v[i].data, v[i].len);
		o += v[i].len;
	}
	cd = o;
	for (size_t i = 0; i < n; i++) {
		put32(&o, 0x02014b50u);
		put16(&o, 20);
		put16(&o, 20);
		put16(&o, 0x0800);
		put16(&o, 0);
		put16(&o, 0);
		put16(&o, 0x21);
		put32(&o, crc32_of(out + offs[i] + 30 + v[i].nlen, v[i].len));
		put32(&o, (uint32_t)v[i].len);
		put32(&o, (uint32_t)v[i].len);
		put16(&o, (uint32_t)v[i].nlen);
		put16(&o, 0);
		put16(&o, 0);
		put16(&o, 0);
		put16(&o, 0);
		put32(&o, 0);
		put32(&o, (uint32_t)offs[i]);
		memcpy(o, out + offs[i] + 30, v[i].nlen);
		o += v[i].nlen;
	}
	put32(&o, 0x06054b50u);
	put16(&o, 0);
	put16(&o, 0);
	put16(&o, (uint32_t)n);
	put16(&o, (uint32_t)n);
	put32(&o, (uint32_t)((o - 12) - cd));
	put32(&o, (uint32_t)(cd - out));
	put16(&o, 0);
	return (size_t)(o - out);
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	zent v[MAX_ENTRIES];
	size_t n, k, out_len;
	uint8_t *copy, *piece;
	size_t piece_cap, piece_len;
	static int raw = -1;

	if (raw < 0)
		raw = getenv("ES_FUZZ_OFD_RAW") && strcmp(getenv("ES_FUZZ_OFD_RAW"), "1") == 0;
	if (raw || seed % 8 == 0 || !(n = parse_stored(data, size, v)))
		return LLVMFuzzerMutate(data, size, max_size);
	/* mutate one entry's bytes (or, now and then, its name) in a copy, then rebuild */
	copy = malloc(size);
	if (!copy)
		return LLVMFuzzerMutate(data, size, max_size);
	memcpy(copy, data, size);
	(void)parse_stored(copy, size, v);
	k = (seed / 8) % n;
	piece_cap = (seed / 8) % 16 == 15 ? 256 : v[k].len + 4096;
	piece = malloc(piece_cap);
	if (!piece) {
		free(copy);
		return LLVMFuzzerMutate(data, size, max_size);
	}
	if ((seed / 8) % 16 == 15) {
		piece_len = v[k].nlen < piece_cap ? v[k].nlen : piece_cap;
		memcpy(piece, v[k].name, piece_len);
		piece_len = LLVMFuzzerMutate(piece, piece_len, piece_cap);
		v[k].name = piece;
		v[k].nlen = piece_len;
	} else {
		memcpy(piece, v[k].data, v[k].len);
		piece_len = LLVMFuzzerMutate(piece, v[k].len, piece_cap);
		v[k].data = piece;
		v[k].len = piece_len;
	}
	out_len = write_stored(data, max_size, v, n);
	free(piece);
	free(copy);
	if (!out_len) {
		/* grown past max_size: restore nothing, mutate what is there */
		return LLVMFuzzerMutate(data, size, max_size);
	}
	return out_len;
}
#endif
