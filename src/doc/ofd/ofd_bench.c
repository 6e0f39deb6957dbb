/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Benchmark: OFDs sealed per second (a one-page ~20 KB licence made by the
 * writer, sealed at a position, output zipped) against raw SM2 signatures
 * per second with the same key. Goal: ratio >= 0.7 (the packaging costs
 * less than the signature).
 */
#include "es_int.h"
#include "ofd_int.h"
#include <time.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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
	es_ofd_sign_options so = ES_OFD_SIGN_OPTIONS_INIT;
	es_ofd_image im = { 1, "PNG", NULL, 0, 140, 30, 30, 40 };
	uint8_t *photo = NULL;
	es_buf doc = ES_BUF_INIT, sealed = ES_BUF_INIT, sig = ES_BUF_INIT;
	double t0, el;
	size_t n;
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
	if ((err = es_ofd_make(&doc, &mo)) < 0)
		goto done;
	out->ofd_bytes = doc.len;
	so.x = 120;
	so.y = 60;
	/* a kept signer, as batches use: the seal is hashed once */
	if ((err = es_ses_signer_new(&so.signer, seal, cert, key)) < 0)
		goto done;
	/* alternate 50 ms slices of each so that both see the same machine load */
	{
		double t_ofd = 0, t_sm2 = 0, start = now_s();
		size_t n_ofd = 0, n_sm2 = 0;
		while (now_s() - start < 2 * seconds || n_ofd == 0 || n_sm2 == 0) {
			t0 = now_s();
			for (n = 0; (el = now_s() - t0) < 0.05 || n == 0; n++) {
				sealed.len = 0;
				if ((err = es_ofd_sign(&sealed, doc.ptr, doc.len, &so, seal, cert, key)) < 0)
					goto done;
			}
			t_ofd += el;
			n_ofd += n;
			t0 = now_s();
			for (n = 0; (el = now_s() - t0) < 0.05 || n == 0; n++) {
				sig.len = 0;
				if ((err = es_sm2_sign(&sig, key, NULL, 0, doc.ptr, 2048)) < 0)
					goto done;
			}
			t_sm2 += el;
			n_sm2 += n;
		}
		out->ofd_per_s = (double)n_ofd / t_ofd;
		out->sm2_per_s = (double)n_sm2 / t_sm2;
	}
	out->ratio = out->sm2_per_s > 0 ? out->ofd_per_s / out->sm2_per_s : 0;
done:
	es_ses_signer_free(so.signer);
	es_free(photo);
	es_buf_release(&doc);
	es_buf_release(&sealed);
	es_buf_release(&sig);
	return err;
}
