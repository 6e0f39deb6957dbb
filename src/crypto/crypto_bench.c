/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * `eseal bench crypto`: our SM2 and SM3 beside OpenSSL's in one process,
 * each pair timed in alternating 50 ms slices (es_bench_interleaved) so
 * that both see the same machine load. OpenSSL gets its best case: its
 * contexts are set up once and reused, as our signer reuses Z.
 */
#include "es_int.h"
#include "crypto/crypto_int.h"
#include "bench.h"

#include <math.h>
#include <time.h>

const char *es_crypto_implementation(void)
{
	return es_sm2p_enabled() ? "eseal" : "openssl";
}

#define BENCH_MSG_LEN 32
#define BENCH_SM3_LEN 16384
/* es_sm3_many: BENCH_MANY messages of BENCH_MANY_LEN bytes each (the same 16 KiB in all) */
#define BENCH_MANY 128
#define BENCH_MANY_LEN 2048

typedef struct bench_ctx {
	es_sm2_key *key;
	es_sm2_signer *signer;
	uint8_t msg[BENCH_MSG_LEN];
	es_buf sig;         /* our signature of msg */
	es_buf tmp;
	uint8_t point[65];
	/* OpenSSL */
	EVP_MD *sm3;
	EVP_MD_CTX *md;
	EVP_PKEY_CTX *sign, *verify;
	uint8_t osig[ES_SM2_MAX_SIG_LEN + 8];
	size_t osiglen;
	uint8_t *data; /* BENCH_SM3_LEN bytes */
	const uint8_t *many[BENCH_MANY];
	size_t many_len[BENCH_MANY];
	uint8_t (*many_out)[32];
} bench_ctx;

static int ours_sign(void *arg)
{
	bench_ctx *b = arg;
	b->tmp.len = 0;
	return es_sm2_signer_sign(b->signer, &b->tmp, b->msg, sizeof(b->msg));
}

static int ours_verify(void *arg)
{
	bench_ctx *b = arg;
	return es_sm2_signer_verify(b->signer, b->msg, sizeof(b->msg), b->sig.ptr, b->sig.len);
}

/* A key seen for the first time: point check, Z, wNAF table, verification. */
static int ours_verify_cold(void *arg)
{
	bench_ctx *b = arg;
	es_sm2p_key k;
	uint8_t e[32], raw[64];
	es_sm3_state st;
	int rc;

	if (es_sm2p_key_init(&k, b->point, NULL) < 0)
		return es_error_set(ES_EINTERNAL, "bench key refused");
	es_sm3s_init(&st);
	es_sm3s_update(&st, es_sm2_signer_z(b->signer), 32);
	es_sm3s_update(&st, b->msg, sizeof(b->msg));
	es_sm3s_final(&st, e);
	rc = es_sm2p_der_to_raw(raw, b->sig.ptr, b->sig.len) == 0 ? es_sm2p_verify(&k, e, raw) : -1;
	es_sm2p_key_clear(&k);
	return rc == 0 ? 0 : es_error_set(ES_EINTERNAL, "bench signature refused");
}

static int ossl_e(bench_ctx *b, uint8_t e[32])
{
	unsigned int n = 0;
	if (!EVP_DigestInit_ex(b->md, b->sm3, NULL) ||
	    !EVP_DigestUpdate(b->md, es_sm2_signer_z(b->signer), 32) ||
	    !EVP_DigestUpdate(b->md, b->msg, sizeof(b->msg)) || !EVP_DigestFinal_ex(b->md, e, &n))
		return es_crypto__fail(ES_ECRYPTO, "sm3 failed");
	return 0;
}

static int ossl_sign(void *arg)
{
	bench_ctx *b = arg;
	uint8_t e[32];
	int err;
	b->osiglen = sizeof(b->osig);
	if ((err = ossl_e(b, e)) < 0)
		return err;
	if (EVP_PKEY_sign(b->sign, b->osig, &b->osiglen, e, 32) <= 0)
		return es_crypto__fail(ES_ECRYPTO, "openssl sm2 signing failed");
	return 0;
}

static int ossl_verify(void *arg)
{
	bench_ctx *b = arg;
	uint8_t e[32];
	int err;
	if ((err = ossl_e(b, e)) < 0)
		return err;
	if (EVP_PKEY_verify(b->verify, b->sig.ptr, b->sig.len, e, 32) != 1)
		return es_crypto__fail(ES_ECRYPTO, "openssl refuses our signature");
	return 0;
}

static int ours_sm3(void *arg)
{
	bench_ctx *b = arg;
	uint8_t h[32];
	return es_sm3(h, b->data, BENCH_SM3_LEN);
}

static int ossl_sm3(void *arg)
{
	bench_ctx *b = arg;
	uint8_t h[32];
	unsigned int n = 0;
	if (!EVP_Digest(b->data, BENCH_SM3_LEN, h, &n, b->sm3, NULL))
		return es_crypto__fail(ES_ECRYPTO, "sm3 failed");
	return 0;
}

static int ours_sm3_many(void *arg)
{
	bench_ctx *b = arg;
	return es_sm3_many(b->many_out, b->many, b->many_len, BENCH_MANY);
}

static int ossl_sm3_many(void *arg)
{
	bench_ctx *b = arg;
	unsigned int n = 0;
	for (int i = 0; i < BENCH_MANY; i++)
		if (!EVP_Digest(b->many[i], b->many_len[i], b->many_out[i], &n, b->sm3, NULL))
			return es_crypto__fail(ES_ECRYPTO, "sm3 failed");
	return 0;
}

/* ---- dudect-style leakage test --------------------------------------------- */

static double mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/*
 * Welch's t between the times of two input classes, dudect style
 * (Reparaz et al. 2017): class 0 a fixed input, class 1 random inputs.
 * Inputs are prepared in batches before any is timed (so that drawing
 * randomness does not disturb the caches of one class only), classes are
 * drawn at random and interleaved, times above the 90th percentile of a
 * warm-up are cropped. |t| well below 4.5 means no leak this test can see.
 * Our implementation only. What is timed (op):
 *   0: signing with a given nonce as es_sm2p_sign does (a random factor
 *      blinding the inversion, in both classes); fixed k = 1 (every comb
 *      digit but one is zero) against random nonces;
 *   ES_SM2P_PROBE_*: one primitive (es_sm2p_ct_probe) on the arithmetic
 *      picked at run time (mulx-adx, the AVX-512 row scan), which valgrind
 *      cannot check; fixed input all zeros (x = 0, entry 0) against random;
 *      ES_SM2P_PROBE_VT is the control, variable time on purpose: the
 *      test must report it (|t| far above 4.5).
 */
#define DUDECT_BATCH 256

/* Calls per timing of each probe: about half a microsecond or more each. */
static unsigned dudect_reps(int op)
{
	return op == ES_SM2P_PROBE_MUL ? 64 : op == ES_SM2P_PROBE_SELECT ? 16 : op == ES_SM2P_PROBE_INV ? 2 :
	       op == ES_SM2P_PROBE_VT ? 4 : 1;
}

static int dudect_batch(const es_sm2_key *key, int op, uint8_t (*in)[64], uint8_t *cls, double *dt)
{
	static const uint8_t fixed_k[32] = { [31] = 1 };
	uint8_t e[32], sig[64];
	int err;

	memset(e, 0x42, sizeof(e));
	if ((err = es_random(cls, DUDECT_BATCH)) < 0 ||
	    (err = es_random(&in[0][0], DUDECT_BATCH * 64)) < 0)
		return err;
	for (int i = 0; i < DUDECT_BATCH; i++) {
		cls[i] &= 1;
		if (cls[i])
			in[i][0] &= 0x7f; /* a nonce below n */
		else if (op == 0)
			memcpy(in[i], fixed_k, 32);
		else
			memset(in[i], 0, 64);
	}
	for (int i = 0; i < DUDECT_BATCH; i++) {
		double t0 = mono_ns();
		if (op == 0) {
			if (es_sm2p_sign_kb(key->fast, e, in[i], in[i] + 32, sig) < 0)
				return es_error_set(ES_EINTERNAL, "dudect: nonce refused");
		} else {
			es_sm2p_ct_probe(op, in[i], dudect_reps(op));
		}
		dt[i] = mono_ns() - t0;
	}
	return 0;
}

static int dudect_t(double seconds, const es_sm2_key *key, int op, double *t_out)
{
	enum { WARM = 8 };
	uint8_t (*in)[64] = es_malloc(DUDECT_BATCH * 64), cls[DUDECT_BATCH];
	double dt[DUDECT_BATCH], warm[WARM * DUDECT_BATCH], crop, start, n[2] = { 0 },
		mean[2] = { 0 }, m2[2] = { 0 };
	int err = 0;

	*t_out = 0;
	if (!in)
		return es_error_set(ES_ENOMEM, "out of memory");
	for (int w = 0; w < WARM; w++) {
		if ((err = dudect_batch(key, op, in, cls, dt)) < 0)
			goto done;
		memcpy(warm + w * DUDECT_BATCH, dt, sizeof(dt));
	}
	qsort(warm, WARM * DUDECT_BATCH, sizeof(double), cmp_double);
	crop = warm[WARM * DUDECT_BATCH * 9 / 10];
	start = mono_ns();
	while (mono_ns() - start < seconds * 1e9) {
		if ((err = dudect_batch(key, op, in, cls, dt)) < 0)
			goto done;
		for (int i = 0; i < DUDECT_BATCH; i++) {
			int c = cls[i];
			double d;
			if (dt[i] > crop)
				continue;
			/* Welford's running mean and variance per class */
			n[c] += 1;
			d = dt[i] - mean[c];
			mean[c] += d / n[c];
			m2[c] += d * (dt[i] - mean[c]);
		}
	}
	if (n[0] >= 2 && n[1] >= 2)
		*t_out = (mean[0] - mean[1]) /
			 sqrt(m2[0] / (n[0] - 1) / n[0] + m2[1] / (n[1] - 1) / n[1]);
done:
	es_wipe(in, DUDECT_BATCH * 64);
	es_free(in);
	return err;
}

/* The dudect figures: signing for @p seconds, each probe and the control for half of it. */
static int dudect_all(double seconds, const es_sm2_key *key, es_crypto_bench_result *out)
{
	int err;

	if ((err = dudect_t(seconds, key, 0, &out->sm2_sign_dudect_t)) < 0 ||
	    (err = dudect_t(seconds / 2, key, ES_SM2P_PROBE_MUL, &out->sm2_fp_mul_dudect_t)) < 0 ||
	    (err = dudect_t(seconds / 2, key, ES_SM2P_PROBE_SELECT, &out->sm2_select_dudect_t)) < 0 ||
	    (err = dudect_t(seconds / 2, key, ES_SM2P_PROBE_INV, &out->sm2_inv_dudect_t)) < 0 ||
	    (err = dudect_t(seconds / 2, key, ES_SM2P_PROBE_VT, &out->sm2_control_dudect_t)) < 0)
		return err;
	out->sm2_arith = es_sm2p_arith();
	return 0;
}

int es_crypto_bench(es_crypto_bench_result *out, double seconds)
{
	bench_ctx b;
	double unused;
	int err;

	ES_ASSERT_ARG(out && seconds > 0);
	memset(out, 0, sizeof(*out));
	memset(&b, 0, sizeof(b));
	b.sig = (es_buf)ES_BUF_INIT;
	b.tmp = (es_buf)ES_BUF_INIT;
	memset(b.msg, 0x5a, sizeof(b.msg));
	b.data = es_malloc(BENCH_SM3_LEN);
	b.many_out = es_malloc(BENCH_MANY * 32);
	if (!b.data || !b.many_out) {
		err = es_error_set(ES_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < BENCH_SM3_LEN; i++)
		b.data[i] = (uint8_t)(i * 131 + 7);
	for (int i = 0; i < BENCH_MANY; i++) {
		b.many[i] = b.data + (size_t)i * BENCH_MANY_LEN % (BENCH_SM3_LEN - BENCH_MANY_LEN + 1);
		b.many_len[i] = BENCH_MANY_LEN;
	}
	if ((err = es_sm2_key_generate(&b.key)) < 0 ||
	    (err = es_sm2_signer_new(&b.signer, b.key, NULL, 0)) < 0 ||
	    (err = es_sm2_signer_sign(b.signer, &b.sig, b.msg, sizeof(b.msg))) < 0 ||
	    (err = es_sm2_key_point(b.point, b.key)) < 0)
		goto done;
	b.sm3 = EVP_MD_fetch(NULL, "SM3", NULL);
	b.md = EVP_MD_CTX_new();
	b.sign = EVP_PKEY_CTX_new_from_pkey(NULL, b.key->pkey, NULL);
	b.verify = EVP_PKEY_CTX_new_from_pkey(NULL, b.key->pkey, NULL);
	if (!b.sm3 || !b.md || !b.sign || !b.verify || EVP_PKEY_sign_init(b.sign) <= 0 ||
	    EVP_PKEY_verify_init(b.verify) <= 0) {
		err = es_crypto__fail(ES_ECRYPTO, "cannot set up openssl for the benchmark");
		goto done;
	}
	/* both sides must agree before anything is timed */
	if ((err = ossl_verify(&b)) < 0 || (err = ossl_sign(&b)) < 0 ||
	    (err = es_sm2_signer_verify(b.signer, b.msg, sizeof(b.msg), b.osig, b.osiglen)) < 0)
		goto done;
	if ((err = es_bench_interleaved(seconds, ours_sign, &b, ossl_sign, &b, &out->sm2_sign_per_s,
					&out->openssl_sm2_sign_per_s)) < 0 ||
	    (err = es_bench_interleaved(seconds, ours_verify, &b, ossl_verify, &b,
					&out->sm2_verify_per_s, &out->openssl_sm2_verify_per_s)) < 0 ||
	    (err = es_bench_interleaved(seconds, ours_sm3, &b, ossl_sm3, &b, &out->sm3_mb_per_s,
					&out->openssl_sm3_mb_per_s)) < 0 ||
	    (err = es_bench_interleaved(seconds, ours_sm3_many, &b, ossl_sm3_many, &b,
					&out->sm3_many_mb_per_s, &out->openssl_sm3_many_mb_per_s)) < 0)
		goto done;
	if (es_sm2p_enabled() &&
	    ((err = es_bench_interleaved(seconds / 2, ours_verify_cold, &b, ours_verify, &b,
					 &out->sm2_verify_cold_per_s, &unused)) < 0 ||
	     (b.key->fast && (err = dudect_all(seconds, b.key, out)) < 0)))
		goto done;
	out->sm3_mb_per_s *= BENCH_SM3_LEN / 1e6;
	out->openssl_sm3_mb_per_s *= BENCH_SM3_LEN / 1e6;
	out->sm3_many_mb_per_s *= BENCH_MANY * BENCH_MANY_LEN / 1e6;
	out->openssl_sm3_many_mb_per_s *= BENCH_MANY * BENCH_MANY_LEN / 1e6;
	out->sm3_many_ratio = out->sm3_many_mb_per_s / out->openssl_sm3_many_mb_per_s;
	out->sm3_many_lanes = es_sm2p_enabled() ? es_sm3m_lanes() : 1;
	out->sm2_sign_ratio = out->sm2_sign_per_s / out->openssl_sm2_sign_per_s;
	out->sm2_verify_ratio = out->sm2_verify_per_s / out->openssl_sm2_verify_per_s;
	out->sm3_ratio = out->sm3_mb_per_s / out->openssl_sm3_mb_per_s;
	out->implementation = es_crypto_implementation();
done:
	EVP_PKEY_CTX_free(b.sign);
	EVP_PKEY_CTX_free(b.verify);
	EVP_MD_CTX_free(b.md);
	EVP_MD_free(b.sm3);
	es_sm2_signer_free(b.signer);
	es_sm2_key_free(b.key);
	es_buf_release(&b.sig);
	es_buf_release(&b.tmp);
	es_free(b.data);
	es_free(b.many_out);
	return err;
}
