/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* A throwaway PKI for tests: root, seal maker, signer, TSA, trust store. */
#ifndef ES_PKI_FIXTURE_H
#define ES_PKI_FIXTURE_H
#include "es_int.h"
#include "testutil.h"
#include "eseal/es_pki.h"
#include "eseal/es_seal.h"
#include "estime.h"

#define FX_ESID "11010500000001"
#define FX_DAY 86400LL

typedef struct fx_pki {
	es_sm2_key *root_key, *maker_key, *signer_key, *tsa_key;
	es_cert *root, *maker, *signer, *tsa;
	es_trust *trust;
	es_time now;
} fx_pki;

static inline es_cert *fx_issue(es_sm2_key *key, int profile, const char *subject, const es_cert *issuer,
				es_sm2_key *issuer_key, es_time nb, es_time na)
{
	es_issue_options io = ES_ISSUE_OPTIONS_INIT;
	es_cert *c = NULL;
	io.profile = profile;
	io.subject = subject;
	io.not_before = nb;
	io.not_after = na;
	TU_OK(es_cert_issue(&c, &io, key, issuer, issuer_key));
	return c;
}

static inline void fx_pki_init(fx_pki *p)
{
	memset(p, 0, sizeof(*p));
	p->now = es_time_now();
	TU_OK(es_sm2_key_generate(&p->root_key));
	TU_OK(es_sm2_key_generate(&p->maker_key));
	TU_OK(es_sm2_key_generate(&p->signer_key));
	TU_OK(es_sm2_key_generate(&p->tsa_key));
	p->root = fx_issue(p->root_key, ES_PROFILE_ROOT_CA, "/C=CN/O=测试根/CN=Test SM2 Root", NULL, p->root_key,
			   p->now - 10 * FX_DAY, p->now + 3650 * FX_DAY);
	p->maker = fx_issue(p->maker_key, ES_PROFILE_SEAL_MAKER, "/C=CN/O=12100000000018032A电子印章制作中心/CN=制章者",
			    p->root, p->root_key, p->now - 5 * FX_DAY, p->now + 1000 * FX_DAY);
	p->signer = fx_issue(p->signer_key, ES_PROFILE_SIGNER, "/C=CN/O=91110105061311021A示例科技有限公司/CN=" FX_ESID,
			     p->root, p->root_key, p->now - 2 * FX_DAY, p->now + 365 * FX_DAY);
	p->tsa = fx_issue(p->tsa_key, ES_PROFILE_TSA, "/C=CN/O=测试/CN=Test TSA", p->root, p->root_key,
			  p->now - 5 * FX_DAY, p->now + 1000 * FX_DAY);
	TU_OK(es_trust_new(&p->trust));
	TU_OK(es_trust_add_anchor(p->trust, p->root));
}

/* Add an empty (or one-entry) CRL of the root to the trust store. */
static inline void fx_pki_crl(fx_pki *p, const es_cert *revoked, es_time revoked_at)
{
	es_buf crl = ES_BUF_INIT, serial = ES_BUF_INIT;
	es_crl_entry e = { NULL, revoked_at, 1 };
	if (revoked) {
		TU_OK(es_cert_serial_hex(&serial, revoked));
		e.serial_hex = (const char *)serial.ptr;
	}
	TU_OK(es_crl_issue(&crl, p->root, p->root_key, &e, revoked ? 1 : 0, p->now - FX_DAY, p->now + 30 * FX_DAY, 1));
	TU_OK(es_trust_add_crl(p->trust, crl.ptr, crl.len));
	es_buf_release(&crl);
	es_buf_release(&serial);
}

static inline void fx_pki_free(fx_pki *p)
{
	es_cert_free(p->root);
	es_cert_free(p->maker);
	es_cert_free(p->signer);
	es_cert_free(p->tsa);
	es_sm2_key_free(p->root_key);
	es_sm2_key_free(p->maker_key);
	es_sm2_key_free(p->signer_key);
	es_sm2_key_free(p->tsa_key);
	es_trust_free(p->trust);
}

/* A tiny valid PNG (1x1 red pixel) for seals whose picture does not matter. */
static const uint8_t fx_png[] = {
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53,
	0xde, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x08, 0xd7, 0x63, 0xf8, 0xcf, 0xc0, 0x00,
	0x00, 0x03, 0x01, 0x01, 0x00, 0x18, 0xdd, 0x8d, 0xb0, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e,
	0x44, 0xae, 0x42, 0x60, 0x82,
};

static inline void fx_make_seal(es_buf *out, fx_pki *p, int cert_list_type)
{
	es_seal_make_options mo = ES_SEAL_MAKE_OPTIONS_INIT;
	es_cert *signers[1] = { p->signer };
	mo.esid = FX_ESID;
	mo.name = "示例科技有限公司";
	mo.signers = signers;
	mo.nsigners = 1;
	mo.cert_list_type = cert_list_type;
	mo.picture_type = "PNG";
	mo.picture = fx_png;
	mo.picture_len = sizeof(fx_png);
	mo.width_mm = 42;
	mo.height_mm = 42;
	TU_OK(es_seal_make(out, &mo, p->maker, p->maker_key, p->trust));
}

#endif
