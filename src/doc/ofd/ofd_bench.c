/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Benchmark: OFDs sealed per second (a one-page ~20 KB licence made by the
 * writer, sealed at a position, output zipped) against raw SM2 signatures
 * per second with the same key. Goal: ratio >= 0.7 (the packaging costs
 * less than the signature).
 */
#include "es_int.h"
#include "ofd_int.h"
#include "bench.h"

/* The two units of es_ofd_bench(): one sealed OFD, one SM2 signature. */
typedef struct ofd_bench_job {
	es_buf doc, sealed, sig;
	es_ofd_sign_options so;
	const es_seal *seal;
	const es_cert *cert;
	const es_sm2_key *key;
} ofd_bench_job;

static int seal_one(void *arg)
{
	ofd_bench_job *b = arg;
	b->sealed.len = 0;
	return es_ofd_sign(&b->sealed, b->doc.ptr, b->doc.len, &b->so, b->seal, b->cert, b->key);
}

static int sign_one(void *arg)
{
	ofd_bench_job *b = arg;
	b->sig.len = 0;
	return es_sm2_sign(&b->sig, b->key, NULL, 0, b->doc.ptr, 2048);
}

int es_ofd_bench(es_ofd_bench_result *out, double seconds, const es_seal *seal, const es_cert *cert,
		 const es_sm2_key *key)
{
	static const char *const lines[] = {
		"中华人民共和国 营业执照", "统一社会信用代码 91110105061311021A", "名称 示例科技有限公司",
		"类型 有限责任公司（自然人投资或控股）", "法定代表人 张三", "注册资本 壹佰万元整",
		"成立日期 2020年01月01日", "住所 北京市朝阳区示例路1号", "经营范围 技术开发、技术服务。",
		"登记机关（盖章）", "2025年01月01日",
	};
	es_ofd_make_options mo = ES_OFD_MAKE_OPTIONS_INIT;
	es_ofd_image im = { 1, "PNG", NULL, 0, 140, 30, 30, 40 };
	ofd_bench_job b = { ES_BUF_INIT, ES_BUF_INIT, ES_BUF_INIT, ES_OFD_SIGN_OPTIONS_INIT, seal, cert, key };
	uint8_t *photo = NULL;
	int err;

	ES_ASSERT_ARG(out && seal && cert && key && seconds > 0);
	memset(out, 0, sizeof(*out));
	/* a ~14 KB incompressible "photo" brings the licence to ~20 KB */
	photo = es_malloc(14 * 1024);
	if (!photo)
		return es_error_set(ES_ENOMEM, "out of memory");
	if ((err = es_random(photo, 14 * 1024)) < 0)
		goto done;
	im.data = photo;
	im.len = 14 * 1024;
	mo.lines = lines;
	mo.nlines = ES_ARRAY_LEN(lines);
	mo.images = &im;
	mo.nimages = 1;
	mo.title = "营业执照";
	if ((err = es_ofd_make(&b.doc, &mo)) < 0)
		goto done;
	out->ofd_bytes = b.doc.len;
	b.so.x = 120;
	b.so.y = 60;
	/* a kept signer, as batches use: the seal is hashed once */
	if ((err = es_ses_signer_new(&b.so.signer, seal, cert, key)) < 0 ||
	    (err = es_bench_interleaved(seconds, seal_one, &b, sign_one, &b, &out->ofd_per_s, &out->sm2_per_s)) < 0)
		goto done;
	out->ratio = out->ofd_per_s / out->sm2_per_s;
done:
	es_ses_signer_free(b.so.signer);
	es_free(photo);
	es_buf_release(&b.doc);
	es_buf_release(&b.sealed);
	es_buf_release(&b.sig);
	return err;
}
