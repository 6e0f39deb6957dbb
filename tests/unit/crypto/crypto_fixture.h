/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Shared test fixture: a small SM2 PKI made with the built-in CA. */
#ifndef ES_TEST_CRYPTO_FIXTURE_H
#define ES_TEST_CRYPTO_FIXTURE_H

#include "es_int.h"
#include "testutil.h"
#include "estime.h"
#include "file.h"
#include "eseal/es_crypto.h"
#include "eseal/es_pki.h"

/* 2024-01-01T00:00:00Z and one year */
#define FX_T0 ((es_time)1704067200)
#define FX_YEAR ((es_time)365 * 86400)

/* Unit names with a unified social credit code (18 chars) in O, esID in CN. */
#define FX_ROOT_SUBJECT "/C=CN/O=测试根证书机构/CN=eseal Test Root CA"
#define FX_CA_SUBJECT "/C=CN/O=测试电子印章制作系统/CN=eseal Test Seal CA"
#define FX_MAKER_SUBJECT "/C=CN/O=91110000MA01ABCD2X北京测试制章单位/CN=11010800000001"
#define FX_SIGNER_SUBJECT "/C=CN/O=91330106MA2KXYZ01P杭州测试签章单位有限公司/CN=33010600000123"
#define FX_TSA_SUBJECT "/C=CN/O=测试时间戳服务/CN=eseal Test TSA"

typedef struct fx_pki {
	es_sm2_key *root_key, *ca_key, *maker_key, *signer_key, *tsa_key;
	es_cert *root, *ca, *maker, *signer, *tsa;
} fx_pki;

static inline es_cert *fx_issue(int profile, const char *subject, es_sm2_key *key, es_cert *issuer,
				es_sm2_key *issuer_key, es_time nb, es_time na, uint64_t serial)
{
	es_issue_options o = ES_ISSUE_OPTIONS_INIT;
	es_cert *c = NULL;
	o.profile = profile;
	o.subject = subject;
	o.not_before = nb;
	o.not_after = na;
	o.serial = serial;
	if (profile == ES_PROFILE_SIGNER)
		o.crl_uri = "http://crl.example.cn/seal-ca.crl";
	TU_OK(es_cert_issue(&c, &o, key, issuer, issuer_key));
	return c;
}

/*
 * root (10 years) -> seal CA (sub CA, 5 years) -> maker (制章者) and
 * signer (签章者) end entities (2 years); root -> TSA.
 */
static inline void fx_pki_make(fx_pki *p)
{
	memset(p, 0, sizeof(*p));
	TU_OK(es_sm2_key_generate(&p->root_key));
	TU_OK(es_sm2_key_generate(&p->ca_key));
	TU_OK(es_sm2_key_generate(&p->maker_key));
	TU_OK(es_sm2_key_generate(&p->signer_key));
	TU_OK(es_sm2_key_generate(&p->tsa_key));
	p->root = fx_issue(ES_PROFILE_ROOT_CA, FX_ROOT_SUBJECT, p->root_key, NULL, p->root_key, FX_T0,
			   FX_T0 + 10 * FX_YEAR, 1);
	p->ca = fx_issue(ES_PROFILE_SUB_CA, FX_CA_SUBJECT, p->ca_key, p->root, p->root_key, FX_T0,
			 FX_T0 + 5 * FX_YEAR, 0);
	p->maker = fx_issue(ES_PROFILE_SEAL_MAKER, FX_MAKER_SUBJECT, p->maker_key, p->ca, p->ca_key,
			    FX_T0, FX_T0 + 2 * FX_YEAR, 0);
	p->signer = fx_issue(ES_PROFILE_SIGNER, FX_SIGNER_SUBJECT, p->signer_key, p->ca, p->ca_key,
			     FX_T0, FX_T0 + 2 * FX_YEAR, 0);
	p->tsa = fx_issue(ES_PROFILE_TSA, FX_TSA_SUBJECT, p->tsa_key, p->root, p->root_key, FX_T0,
			  FX_T0 + 5 * FX_YEAR, 0);
}

static inline void fx_pki_free(fx_pki *p)
{
	es_cert_free(p->root);
	es_cert_free(p->ca);
	es_cert_free(p->maker);
	es_cert_free(p->signer);
	es_cert_free(p->tsa);
	es_sm2_key_free(p->root_key);
	es_sm2_key_free(p->ca_key);
	es_sm2_key_free(p->maker_key);
	es_sm2_key_free(p->signer_key);
	es_sm2_key_free(p->tsa_key);
}

static inline void fx_write_pem(const char *dir, const char *name, const es_cert *c)
{
	es_buf pem = ES_BUF_INIT;
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	TU_OK(es_cert_to_pem(&pem, c));
	TU_OK(es_file_write(path, pem.ptr, pem.len, 0644));
	es_buf_release(&pem);
}

static inline void fx_write(const char *dir, const char *name, const void *data, size_t len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	TU_OK(es_file_write(path, data, len, 0644));
}

#endif
