/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * SM2 on the recommended curve (GB/T 32918.5): field and scalar arithmetic
 * in Montgomery form on 4 x 64-bit limbs, Jacobian points (a = -3), a
 * fixed-base table for k*G and wNAF for verification. docs/crypto.md has
 * the design.
 *
 * Constant time: everything that touches the nonce k or the key's
 * (1+d)^-1 runs without branches or memory indices that depend on them:
 * table entries are picked by scanning the whole row with masks, the
 * conditional subtractions are masks, the inversion is a fixed
 * exponentiation. Values are declassified only when they become public
 * (the signature) or when a 2^-256 event is tested (a nonce to discard).
 * Verification works on public data and is variable time.
 */
#include "es_int.h"
#include "eseal/es_crypto.h"
#include "crypto/sm2_p256.h"
#include "crypto/sm3_fast.h"

#include <pthread.h>
#include <stdlib.h>

#include <openssl/rand.h>

#ifdef ES_HAVE_VALGRIND
#include <valgrind/memcheck.h>
/* A value that is about to be made public: tell ctgrind-style checks. */
#define DECLASSIFY(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))
#else
#define DECLASSIFY(p, n) ((void)(p), (void)(n))
#endif

__extension__ typedef unsigned __int128 u128;
#define ES_INLINE static inline __attribute__((always_inline))

/* Add and subtract with carry: adc/sbb chains on x86-64, __int128 elsewhere. */
#if defined(__x86_64__) && !defined(ES_SM2P_PORTABLE)
#include <x86intrin.h>
ES_INLINE uint64_t adc(uint64_t *r, uint64_t a, uint64_t b, uint64_t c)
{
	unsigned long long o;
	c = _addcarry_u64((unsigned char)c, a, b, &o);
	*r = o;
	return c;
}
ES_INLINE uint64_t sbb(uint64_t *r, uint64_t a, uint64_t b, uint64_t c)
{
	unsigned long long o;
	c = _subborrow_u64((unsigned char)c, a, b, &o);
	*r = o;
	return c;
}
#else
ES_INLINE uint64_t adc(uint64_t *r, uint64_t a, uint64_t b, uint64_t c)
{
	u128 x = (u128)a + b + c;
	*r = (uint64_t)x;
	return (uint64_t)(x >> 64);
}
ES_INLINE uint64_t sbb(uint64_t *r, uint64_t a, uint64_t b, uint64_t c)
{
	u128 x = (u128)a - b - c;
	*r = (uint64_t)x;
	return (uint64_t)(x >> 64) & 1;
}
#endif

/* ---- constants ---------------------------------------------------------- */

static const uint64_t P[4] = { 0xffffffffffffffffULL, 0xffffffff00000000ULL,
			       0xffffffffffffffffULL, 0xfffffffeffffffffULL };
static const uint64_t N[4] = { 0x53bbf40939d54123ULL, 0x7203df6b21c6052bULL,
			       0xffffffffffffffffULL, 0xfffffffeffffffffULL };
#define P0INV 1ULL
#define N0INV 0x327f9e8872350975ULL
/* R^2 mod p, R^2 mod n, R mod p (one in Montgomery form), R = 2^256 */
static const uint64_t RR_P[4] = { 0x0000000200000003ULL, 0x00000002ffffffffULL,
				  0x0000000100000001ULL, 0x0000000400000002ULL };
static const uint64_t RR_N[4] = { 0x901192af7c114f20ULL, 0x3464504ade6fa2faULL,
				  0x620fc84c3affe0d4ULL, 0x1eb5e412a22b3d3bULL };
static const uint64_t ONE_P[4] = { 0x0000000000000001ULL, 0x00000000ffffffffULL,
				   0x0000000000000000ULL, 0x0000000100000000ULL };
static const uint64_t B_M[4] = { 0x90d230632bc0dd42ULL, 0x71cf379ae9b537abULL,
				 0x527981505ea51c3cULL, 0x240fe188ba20e2c8ULL };
static const uint64_t GX_M[4] = { 0x61328990f418029eULL, 0x3e7981eddca6c050ULL,
				  0xd6a1ed99ac24c3c3ULL, 0x91167a5ee1c13b05ULL };
static const uint64_t GY_M[4] = { 0xc1354e593c2d0dddULL, 0xc1f5e5788d3295faULL,
				  0x8d4cfb066e2a48f8ULL, 0x63cd65d481d735bdULL };
/* exponent n - 2 for Fermat inversion mod n */
static const uint64_t N_MINUS_2[4] = { 0x53bbf40939d54121ULL, 0x7203df6b21c6052bULL,
				       0xffffffffffffffffULL, 0xfffffffeffffffffULL };

/* ---- constant-time helpers ---------------------------------------------- */

/* Hide a value from the optimiser so masks stay masks, not branches. */
static inline uint64_t barrier(uint64_t x)
{
	__asm__("" : "+r"(x));
	return x;
}

/* All ones when x == 0, else 0. */
static inline uint64_t ct_is_zero64(uint64_t x)
{
	return barrier(((x | (0 - x)) >> 63) - 1);
}

static inline uint64_t ct_is_zero(const uint64_t a[4])
{
	return ct_is_zero64(a[0] | a[1] | a[2] | a[3]);
}

/* r = mask ? a : r */
static inline void ct_move(uint64_t r[4], const uint64_t a[4], uint64_t mask)
{
	for (int i = 0; i < 4; i++)
		r[i] = (r[i] & ~mask) | (a[i] & mask);
}

static bool vt_is_zero(const uint64_t a[4])
{
	return (a[0] | a[1] | a[2] | a[3]) == 0;
}

static bool vt_eq(const uint64_t a[4], const uint64_t b[4])
{
	return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3];
}

/* a < b, variable time */
static bool vt_lt(const uint64_t a[4], const uint64_t b[4])
{
	for (int i = 3; i >= 0; i--)
		if (a[i] != b[i])
			return a[i] < b[i];
	return false;
}

static void from_be(uint64_t r[4], const uint8_t in[32])
{
	for (int i = 0; i < 4; i++) {
		uint64_t v = 0;
		for (int j = 0; j < 8; j++)
			v = (v << 8) | in[(3 - i) * 8 + j];
		r[i] = v;
	}
}

static void to_be(uint8_t out[32], const uint64_t a[4])
{
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 8; j++)
			out[(3 - i) * 8 + j] = (uint8_t)(a[i] >> (56 - 8 * j));
}

/* ---- arithmetic mod m (p or n) ------------------------------------------ */

/*
 * r = t - m when t4*2^256 + t >= m, else t (for t4*2^256 + t < 2m).
 * Constant time.
 */
ES_INLINE void final_sub(uint64_t r[4], uint64_t t0, uint64_t t1, uint64_t t2, uint64_t t3,
			uint64_t t4, const uint64_t m[4])
{
	uint64_t u0, u1, u2, u3, br, keep, dummy;

	br = sbb(&u0, t0, m[0], 0);
	br = sbb(&u1, t1, m[1], br);
	br = sbb(&u2, t2, m[2], br);
	br = sbb(&u3, t3, m[3], br);
	br = sbb(&dummy, t4, 0, br);
	keep = barrier(0 - br); /* all ones when t < m */
	r[0] = (t0 & keep) | (u0 & ~keep);
	r[1] = (t1 & keep) | (u1 & ~keep);
	r[2] = (t2 & keep) | (u2 & ~keep);
	r[3] = (t3 & keep) | (u3 & ~keep);
}

/* Montgomery product a*b/R mod m (CIOS), a, b < m. */
ES_INLINE void mont_mul(uint64_t r[4], const uint64_t a[4], const uint64_t b[4],
			    const uint64_t m[4], uint64_t minv)
{
	uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0, t5, mm;
	const uint64_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
	u128 c;

	for (int i = 0; i < 4; i++) {
		uint64_t bi = b[i];
		c = (u128)a0 * bi + t0;
		t0 = (uint64_t)c;
		c = (u128)a1 * bi + t1 + (uint64_t)(c >> 64);
		t1 = (uint64_t)c;
		c = (u128)a2 * bi + t2 + (uint64_t)(c >> 64);
		t2 = (uint64_t)c;
		c = (u128)a3 * bi + t3 + (uint64_t)(c >> 64);
		t3 = (uint64_t)c;
		c = (u128)t4 + (uint64_t)(c >> 64);
		t4 = (uint64_t)c;
		t5 = (uint64_t)(c >> 64);
		mm = t0 * minv;
		c = (u128)mm * m[0] + t0;
		c = (u128)mm * m[1] + t1 + (uint64_t)(c >> 64);
		t0 = (uint64_t)c;
		c = (u128)mm * m[2] + t2 + (uint64_t)(c >> 64);
		t1 = (uint64_t)c;
		c = (u128)mm * m[3] + t3 + (uint64_t)(c >> 64);
		t2 = (uint64_t)c;
		c = (u128)t4 + (uint64_t)(c >> 64);
		t3 = (uint64_t)c;
		t4 = t5 + (uint64_t)(c >> 64);
	}
	final_sub(r, t0, t1, t2, t3, t4, m);
}

ES_INLINE void mod_add(uint64_t r[4], const uint64_t a[4], const uint64_t b[4], const uint64_t m[4])
{
	uint64_t s0, s1, s2, s3, c;

	c = adc(&s0, a[0], b[0], 0);
	c = adc(&s1, a[1], b[1], c);
	c = adc(&s2, a[2], b[2], c);
	c = adc(&s3, a[3], b[3], c);
	final_sub(r, s0, s1, s2, s3, c, m);
}

ES_INLINE void mod_sub(uint64_t r[4], const uint64_t a[4], const uint64_t b[4], const uint64_t m[4])
{
	uint64_t t0, t1, t2, t3, br, mask, c;

	br = sbb(&t0, a[0], b[0], 0);
	br = sbb(&t1, a[1], b[1], br);
	br = sbb(&t2, a[2], b[2], br);
	br = sbb(&t3, a[3], b[3], br);
	mask = barrier(0 - br);
	c = adc(&r[0], t0, m[0] & mask, 0);
	c = adc(&r[1], t1, m[1] & mask, c);
	c = adc(&r[2], t2, m[2] & mask, c);
	(void)adc(&r[3], t3, m[3] & mask, c);
}

/* a mod m for any 256-bit a (m > 2^255, so one subtraction). */
static void mod_reduce_once(uint64_t r[4], const uint64_t a[4], const uint64_t m[4])
{
	final_sub(r, a[0], a[1], a[2], a[3], 0, m);
}

/* r = a^e (Montgomery form), e public, 4-bit fixed windows. */
static void mont_pow(uint64_t r[4], const uint64_t a[4], const uint64_t e[4],
		     const uint64_t m[4], uint64_t minv, const uint64_t one[4])
{
	uint64_t tab[16][4], acc[4];
	int i, j;

	memcpy(tab[0], one, 32);
	memcpy(tab[1], a, 32);
	for (i = 2; i < 16; i++)
		mont_mul(tab[i], tab[i - 1], a, m, minv);
	memcpy(acc, one, 32);
	for (i = 63; i >= 0; i--) {
		unsigned w = (unsigned)(e[i / 16] >> ((i % 16) * 4)) & 15;
		if (i != 63)
			for (j = 0; j < 4; j++)
				mont_mul(acc, acc, acc, m, minv);
		mont_mul(acc, acc, tab[w], m, minv); /* w is a digit of the public exponent */
	}
	memcpy(r, acc, 32);
	memset(tab, 0, sizeof(tab));
}

/* ---- field mod p -------------------------------------------------------- */

/*
 * Montgomery reduction of t[0..7] (< p*2^256) special to the SM2 prime:
 * p = -1 mod 2^64, so each round's multiplier is the low limb m, and
 * (t + m p) / 2^64 = (t >> 64) + m (2^192 + 1) - m 2^32 (2^128 + 1): shifts
 * and additions, no multiplication.
 */

ES_INLINE void p_reduce(uint64_t r[4], uint64_t t[8])
{
	uint64_t c8 = 0;

#pragma GCC unroll 4
	for (int i = 0; i < 4; i++) {
		uint64_t m = t[i], d0, d1, d2, d3, b, c;
		b = sbb(&d0, m, m << 32, 0);
		b = sbb(&d1, 0, m >> 32, b);
		b = sbb(&d2, 0, m << 32, b);
		(void)sbb(&d3, m, m >> 32, b); /* m (2^192 + 1) > m 2^32 (2^128 + 1): no borrow out */
		c = adc(&t[i + 1], t[i + 1], d0, 0);
		c = adc(&t[i + 2], t[i + 2], d1, c);
		c = adc(&t[i + 3], t[i + 3], d2, c);
		c = adc(&t[i + 4], t[i + 4], d3, c);
#pragma GCC unroll 3
		for (int j = i + 5; j < 8; j++)
			c = adc(&t[j], t[j], 0, c);
		c8 += c;
	}
	final_sub(r, t[4], t[5], t[6], t[7], c8, P);
}

ES_INLINE void mul64(uint64_t *hi, uint64_t *lo, uint64_t a, uint64_t b)
{
	u128 x = (u128)a * b;
	*lo = (uint64_t)x;
	*hi = (uint64_t)(x >> 64);
}

static void fp_mul_port(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	uint64_t t[8], h0, h1, h2, h3, l0, l1, l2, l3, c;

	mul64(&h0, &l0, a[0], b[0]);
	mul64(&h1, &l1, a[0], b[1]);
	mul64(&h2, &l2, a[0], b[2]);
	mul64(&h3, &l3, a[0], b[3]);
	t[0] = l0;
	c = adc(&t[1], l1, h0, 0);
	c = adc(&t[2], l2, h1, c);
	c = adc(&t[3], l3, h2, c);
	t[4] = h3 + c;
#pragma GCC unroll 3
	for (int i = 1; i < 4; i++) {
		mul64(&h0, &l0, a[i], b[0]);
		mul64(&h1, &l1, a[i], b[1]);
		mul64(&h2, &l2, a[i], b[2]);
		mul64(&h3, &l3, a[i], b[3]);
		c = adc(&t[i], t[i], l0, 0);
		c = adc(&t[i + 1], t[i + 1], l1, c);
		c = adc(&t[i + 2], t[i + 2], l2, c);
		c = adc(&t[i + 3], t[i + 3], l3, c);
		t[i + 4] = c;
		c = adc(&t[i + 1], t[i + 1], h0, 0);
		c = adc(&t[i + 2], t[i + 2], h1, c);
		c = adc(&t[i + 3], t[i + 3], h2, c);
		(void)adc(&t[i + 4], t[i + 4], h3, c); /* a_i b < 2^320: no carry out */
	}
	p_reduce(r, t);
}

static void fp_sqr_port(uint64_t r[4], const uint64_t a[4])
{
	uint64_t t[8], h[6], l[6], c, sh, sl;

	/* cross products a_i a_j, i < j, at t[1..6] */
	mul64(&h[0], &l[0], a[0], a[1]);
	mul64(&h[1], &l[1], a[0], a[2]);
	mul64(&h[2], &l[2], a[0], a[3]);
	mul64(&h[3], &l[3], a[1], a[2]);
	mul64(&h[4], &l[4], a[1], a[3]);
	mul64(&h[5], &l[5], a[2], a[3]);
	t[1] = l[0];
	c = adc(&t[2], l[1], h[0], 0);
	c = adc(&t[3], l[2], h[1], c);
	c = adc(&t[4], h[2], l[4], c);
	c = adc(&t[5], h[4], l[5], c);
	t[6] = h[5] + c;
	c = adc(&t[3], t[3], l[3], 0);
	c = adc(&t[4], t[4], h[3], c);
	c = adc(&t[5], t[5], 0, c);
	t[6] += c;
	/* double */
	t[7] = t[6] >> 63;
	t[6] = (t[6] << 1) | (t[5] >> 63);
	t[5] = (t[5] << 1) | (t[4] >> 63);
	t[4] = (t[4] << 1) | (t[3] >> 63);
	t[3] = (t[3] << 1) | (t[2] >> 63);
	t[2] = (t[2] << 1) | (t[1] >> 63);
	t[1] = t[1] << 1;
	/* squares */
	mul64(&sh, &sl, a[0], a[0]);
	t[0] = sl;
	c = adc(&t[1], t[1], sh, 0);
	mul64(&sh, &sl, a[1], a[1]);
	c = adc(&t[2], t[2], sl, c);
	c = adc(&t[3], t[3], sh, c);
	mul64(&sh, &sl, a[2], a[2]);
	c = adc(&t[4], t[4], sl, c);
	c = adc(&t[5], t[5], sh, c);
	mul64(&sh, &sl, a[3], a[3]);
	c = adc(&t[6], t[6], sl, c);
	(void)adc(&t[7], t[7], sh, c);
	p_reduce(r, t);
}


#if defined(__x86_64__) && !defined(ES_SM2P_PORTABLE) && (defined(__GNUC__) || defined(__clang__))
#define SM2P_HAVE_ADX 1
/*
 * The same Montgomery product with mulx and two carry chains (adcx on CF,
 * adox on OF), row by row with the reduction of each row folded in
 * (operand scanning): six accumulator registers rotate by one each row.
 * A row adds a * b_i to acc0..acc5; the reduction with m = acc0 adds
 * m (2^192 - 2^160 - 2^32 + 1) 2^64, that is m to acc1 and acc4 and
 * minus (m << 32) to acc1, acc3 and (m >> 32) to acc2, acc4, so that acc0
 * becomes zero and is dropped. Straight-line code: no branch, no load
 * address depending on the data (constant time); the final subtraction
 * is in the same block, with cmov. Needs BMI2 and ADX (es_sm2p_arith picks
 * it at run time).
 */
#define SM2P_ROW(i, A0, A1, A2, A3, A4, A5)                                     \
	"xorl %k" #A5 ", %k" #A5 "\n\t"                                         \
	"movq " #i "*8(%[b]), %%rdx\n\t"                                        \
	"mulxq 0(%[a]), %[lo], %[hi]\n\t"                                       \
	"adcxq %[lo], %" #A0 "\n\t"                                             \
	"adoxq %[hi], %" #A1 "\n\t"                                             \
	"mulxq 8(%[a]), %[lo], %[hi]\n\t"                                       \
	"adcxq %[lo], %" #A1 "\n\t"                                             \
	"adoxq %[hi], %" #A2 "\n\t"                                             \
	"mulxq 16(%[a]), %[lo], %[hi]\n\t"                                      \
	"adcxq %[lo], %" #A2 "\n\t"                                             \
	"adoxq %[hi], %" #A3 "\n\t"                                             \
	"mulxq 24(%[a]), %[lo], %[hi]\n\t"                                      \
	"adcxq %[lo], %" #A3 "\n\t"                                             \
	"adoxq %[hi], %" #A4 "\n\t"                                             \
	"adcxq %[z], %" #A4 "\n\t"                                              \
	"adoxq %[z], %" #A5 "\n\t"                                              \
	"adcxq %[z], %" #A5 "\n\t"                                              \
	"movq %" #A0 ", %[lo]\n\t"                                              \
	"shlq $32, %[lo]\n\t"                                                   \
	"movq %" #A0 ", %[hi]\n\t"                                              \
	"shrq $32, %[hi]\n\t"                                                   \
	"addq %" #A0 ", %" #A1 "\n\t"                                           \
	"adcq $0, %" #A2 "\n\t"                                                 \
	"adcq $0, %" #A3 "\n\t"                                                 \
	"adcq %" #A0 ", %" #A4 "\n\t"                                           \
	"adcq $0, %" #A5 "\n\t"                                                 \
	"subq %[lo], %" #A1 "\n\t"                                              \
	"sbbq %[hi], %" #A2 "\n\t"                                              \
	"sbbq %[lo], %" #A3 "\n\t"                                              \
	"sbbq %[hi], %" #A4 "\n\t"                                              \
	"sbbq $0, %" #A5 "\n\t"

ES_INLINE void fp_mul_adx(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	uint64_t r0, r1, r2, r3, r4, r5, lo, hi, zero = 0; /* zero: a register, or memory when short */

	__asm__("xorl %k[r0], %k[r0]\n\t"
		"xorl %k[r1], %k[r1]\n\t"
		"xorl %k[r2], %k[r2]\n\t"
		"xorl %k[r3], %k[r3]\n\t"
		"xorl %k[r4], %k[r4]\n\t"
		SM2P_ROW(0, [r0], [r1], [r2], [r3], [r4], [r5])
		SM2P_ROW(1, [r1], [r2], [r3], [r4], [r5], [r0])
		SM2P_ROW(2, [r2], [r3], [r4], [r5], [r0], [r1])
		SM2P_ROW(3, [r3], [r4], [r5], [r0], [r1], [r2])
		/*
		 * The value is r4, r5, r0, r1 and the carry r2 (below 2p).
		 * Subtract p by adding 2^256 - p = 2^224 + 2^96 - 2^64 + 1 into
		 * copies in r3, lo, hi, rdx (a and b, no longer needed, hold
		 * 2^32 - 1 and 2^32): a carry out, or the carry r2, means the
		 * value was at least p; then cmov takes the sum (no branch).
		 */
		"movl $0xffffffff, %k[a]\n\t"
		"leaq 1(%[a]), %[b]\n\t"
		"movq %[r4], %[r3]\n\t"
		"movq %[r5], %[lo]\n\t"
		"movq %[r0], %[hi]\n\t"
		"movq %[r1], %%rdx\n\t"
		"addq $1, %[r3]\n\t"
		"adcq %[a], %[lo]\n\t"
		"adcq $0, %[hi]\n\t"
		"adcq %[b], %%rdx\n\t"
		"adcq $0, %[r2]\n\t"
		"cmovnzq %[r3], %[r4]\n\t"
		"cmovnzq %[lo], %[r5]\n\t"
		"cmovnzq %[hi], %[r0]\n\t"
		"cmovnzq %%rdx, %[r1]\n\t"
		: [r0] "=&r"(r0), [r1] "=&r"(r1), [r2] "=&r"(r2), [r3] "=&r"(r3), [r4] "=&r"(r4),
		  [r5] "=&r"(r5), [lo] "=&r"(lo), [hi] "=&r"(hi), [a] "+r"(a), [b] "+r"(b)
		: [z] "rm"(zero)
		/* reads a[0..3] and b[0..3] through the pointers ("memory"; operands naming
		 * the arrays would each take an address register, which the sanitizer
		 * builds with a frame pointer do not have) */
		: "rdx", "cc", "memory");
	r[0] = r4;
	r[1] = r5;
	r[2] = r0;
	r[3] = r1;
}
#endif

/*
 * Which field multiplication runs: 1 mulx/adcx/adox (x86-64 with BMI2 and
 * ADX), 0 the portable C. Set once per process (es_sm2p_arith), public.
 */
static int fp_adx = -1;

static void fp_arith_init(void)
{
#ifdef SM2P_HAVE_ADX
	if (fp_adx < 0) {
		unsigned a = 7, b = 0, c = 0, d = 0;
		__asm__("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
		/* CPUID.(7,0):EBX bit 8 BMI2, bit 19 ADX (leaf 7 exists on every x86-64 with either) */
		fp_adx = ((b >> 8) & 1) && ((b >> 19) & 1) && getenv("ESEAL_SM2_PORTABLE") == NULL;
	}
#else
	fp_adx = 0;
#endif
}

ES_INLINE void fp_mul(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
#ifdef SM2P_HAVE_ADX
	if (fp_adx > 0) {
		fp_mul_adx(r, a, b);
		return;
	}
#endif
	fp_mul_port(r, a, b);
}

ES_INLINE void fp_sqr(uint64_t r[4], const uint64_t a[4])
{
#ifdef SM2P_HAVE_ADX
	if (fp_adx > 0) {
		fp_mul_adx(r, a, a);
		return;
	}
#endif
	fp_sqr_port(r, a);
}

static inline void fp_add(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	mod_add(r, a, b, P);
}

static inline void fp_sub(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	mod_sub(r, a, b, P);
}

static void fp_sqr_n(uint64_t r[4], const uint64_t a[4], int n)
{
	fp_sqr(r, a);
	while (--n > 0)
		fp_sqr(r, r);
}

/*
 * a^(p-2) = a^-1 (0 for 0) by a fixed addition chain (256 squarings, 15
 * multiplications): p - 2 is, from the top, 31 ones, a zero, 128 ones, 32
 * zeros, 62 ones, a zero and a one; x_k below is a^(2^k - 1).
 */
static void fp_inv_fermat(uint64_t r[4], const uint64_t a[4])
{
	uint64_t x2[4], x3[4], x6[4], x12[4], x24[4], x30[4], x31[4], x32[4], t[4];

	fp_sqr(x2, a);
	fp_mul(x2, x2, a);
	fp_sqr(x3, x2);
	fp_mul(x3, x3, a);
	fp_sqr_n(x6, x3, 3);
	fp_mul(x6, x6, x3);
	fp_sqr_n(x12, x6, 6);
	fp_mul(x12, x12, x6);
	fp_sqr_n(x24, x12, 12);
	fp_mul(x24, x24, x12);
	fp_sqr_n(x30, x24, 6);
	fp_mul(x30, x30, x6);
	fp_sqr(x31, x30);
	fp_mul(x31, x31, a);
	fp_sqr(x32, x31);
	fp_mul(x32, x32, a);
	/* 31 ones, then a zero */
	fp_sqr(t, x31);
	/* 128 ones */
	for (int i = 0; i < 4; i++) {
		fp_sqr_n(t, t, 32);
		fp_mul(t, t, x32);
	}
	/* 32 zeros, 62 ones */
	fp_sqr_n(t, t, 64);
	fp_mul(t, t, x32);
	fp_sqr_n(t, t, 30);
	fp_mul(t, t, x30);
	/* 0, 1 */
	fp_sqr_n(t, t, 2);
	fp_mul(r, t, a);
	es_wipe(x2, sizeof(x2));
	es_wipe(x31, sizeof(x31));
	es_wipe(x32, sizeof(x32));
}

/*
 * Inversion by Bernstein and Yang's safegcd ("Fast constant-time gcd
 * computation and modular inversion", 2019), in the form of libsecp256k1's
 * modinv64 (Wuille's variant with the transition matrices of 59 divsteps
 * applied to signed 62-bit limbs): 10 x 59 = 590 divsteps, enough for any
 * 256-bit modulus, with every step branch-free and the same sequence of
 * operations for every input. It inverts the Montgomery representation
 * aR as a plain integer, (aR)^-1, and one Montgomery product with R^3
 * gives a^-1 R. About three times faster here than the Fermat chain
 * (fp_inv_fermat, kept to check it).
 */
__extension__ typedef __int128 i128;
typedef struct sg62 {
	int64_t v[5];
} sg62;
typedef struct sg_trans {
	int64_t u, v, q, r;
} sg_trans;

#define M62 (UINT64_MAX >> 2)
/* p in signed 62-bit limbs, and p^-1 mod 2^62 */
static const sg62 SG_P = { { 0x3fffffffffffffffLL, 0x3ffffffc00000003LL, 0x3fffffffffffffffLL,
			     0x3fffffbfffffffffLL, 0xffLL } };
static const uint64_t SG_P_INV62 = 0x3fffffffffffffffULL;
/* R^3 mod p: a Montgomery product with it turns (aR)^-1 into a^-1 R */
static const uint64_t R3_P[4] = { 0x0000001200000016ULL, 0x0000000efffffff8ULL,
				  0x0000000a0000000cULL, 0x0000001b00000009ULL };

static int64_t sg_divsteps_59(int64_t zeta, uint64_t f0, uint64_t g0, sg_trans *t)
{
	/* the identity times 8: the caller expects the matrix scaled by 2^62 */
	uint64_t u = 8, v = 0, q = 0, r = 8, c1, c2;
	uint64_t mask1, mask2, f = f0, g = g0, x, y, z;

	for (int i = 3; i < 62; ++i) {
		c1 = barrier((uint64_t)(zeta >> 63)); /* all ones when zeta < 0 */
		mask1 = c1;
		c2 = g & 1;
		mask2 = barrier(0 - c2); /* all ones when g is odd */
		x = (f ^ mask1) - mask1;
		y = (u ^ mask1) - mask1;
		z = (v ^ mask1) - mask1;
		g += x & mask2;
		q += y & mask2;
		r += z & mask2;
		mask1 &= mask2;
		zeta = (int64_t)(((uint64_t)zeta ^ mask1) - 1);
		f += g & mask1;
		u += q & mask1;
		v += r & mask1;
		g >>= 1;
		u <<= 1;
		v <<= 1;
	}
	t->u = (int64_t)u;
	t->v = (int64_t)v;
	t->q = (int64_t)q;
	t->r = (int64_t)r;
	return zeta;
}

/* [d, e] = t [d, e] / 2^62 mod p, keeping d, e in (-2p, p) */
static void sg_update_de(sg62 *d, sg62 *e, const sg_trans *t)
{
	const int64_t d0 = d->v[0], d4 = d->v[4], e0 = e->v[0], e4 = e->v[4];
	const int64_t u = t->u, v = t->v, q = t->q, r = t->r;
	int64_t md, me, sd, se;
	i128 cd, ce;

	/* [md, me] = [u, q] if d < 0, plus [v, r] if e < 0 */
	sd = d4 >> 63;
	se = e4 >> 63;
	md = (u & sd) + (v & se);
	me = (q & sd) + (r & se);
	cd = (i128)u * d0 + (i128)v * e0;
	ce = (i128)q * d0 + (i128)r * e0;
	/* make t [d, e] + p [md, me] divisible by 2^62 */
	md -= (int64_t)((SG_P_INV62 * (uint64_t)cd + (uint64_t)md) & M62);
	me -= (int64_t)((SG_P_INV62 * (uint64_t)ce + (uint64_t)me) & M62);
	cd += (i128)SG_P.v[0] * md;
	ce += (i128)SG_P.v[0] * me;
	cd >>= 62;
	ce >>= 62;
	for (int i = 1; i < 5; i++) {
		cd += (i128)u * d->v[i] + (i128)v * e->v[i] + (i128)SG_P.v[i] * md;
		ce += (i128)q * d->v[i] + (i128)r * e->v[i] + (i128)SG_P.v[i] * me;
		d->v[i - 1] = (int64_t)((uint64_t)cd & M62);
		cd >>= 62;
		e->v[i - 1] = (int64_t)((uint64_t)ce & M62);
		ce >>= 62;
	}
	d->v[4] = (int64_t)cd;
	e->v[4] = (int64_t)ce;
}

/* [f, g] = t [f, g] / 2^62 (exact) */
static void sg_update_fg(sg62 *f, sg62 *g, const sg_trans *t)
{
	const int64_t u = t->u, v = t->v, q = t->q, r = t->r;
	i128 cf, cg;

	cf = (i128)u * f->v[0] + (i128)v * g->v[0];
	cg = (i128)q * f->v[0] + (i128)r * g->v[0];
	cf >>= 62;
	cg >>= 62;
	for (int i = 1; i < 5; i++) {
		cf += (i128)u * f->v[i] + (i128)v * g->v[i];
		cg += (i128)q * f->v[i] + (i128)r * g->v[i];
		f->v[i - 1] = (int64_t)((uint64_t)cf & M62);
		cf >>= 62;
		g->v[i - 1] = (int64_t)((uint64_t)cg & M62);
		cg >>= 62;
	}
	f->v[4] = (int64_t)cf;
	g->v[4] = (int64_t)cg;
}

/* d in (-2p, p) to [0, p), negated first when sign < 0 */
static void sg_normalize(sg62 *d, int64_t sign)
{
	int64_t r0 = d->v[0], r1 = d->v[1], r2 = d->v[2], r3 = d->v[3], r4 = d->v[4];
	int64_t cond_add, cond_neg;

	cond_add = (int64_t)barrier((uint64_t)(r4 >> 63));
	r0 += SG_P.v[0] & cond_add;
	r1 += SG_P.v[1] & cond_add;
	r2 += SG_P.v[2] & cond_add;
	r3 += SG_P.v[3] & cond_add;
	r4 += SG_P.v[4] & cond_add;
	cond_neg = (int64_t)barrier((uint64_t)(sign >> 63));
	r0 = (r0 ^ cond_neg) - cond_neg;
	r1 = (r1 ^ cond_neg) - cond_neg;
	r2 = (r2 ^ cond_neg) - cond_neg;
	r3 = (r3 ^ cond_neg) - cond_neg;
	r4 = (r4 ^ cond_neg) - cond_neg;
	r1 += r0 >> 62;
	r0 &= (int64_t)M62;
	r2 += r1 >> 62;
	r1 &= (int64_t)M62;
	r3 += r2 >> 62;
	r2 &= (int64_t)M62;
	r4 += r3 >> 62;
	r3 &= (int64_t)M62;
	cond_add = (int64_t)barrier((uint64_t)(r4 >> 63));
	r0 += SG_P.v[0] & cond_add;
	r1 += SG_P.v[1] & cond_add;
	r2 += SG_P.v[2] & cond_add;
	r3 += SG_P.v[3] & cond_add;
	r4 += SG_P.v[4] & cond_add;
	r1 += r0 >> 62;
	r0 &= (int64_t)M62;
	r2 += r1 >> 62;
	r1 &= (int64_t)M62;
	r3 += r2 >> 62;
	r2 &= (int64_t)M62;
	r4 += r3 >> 62;
	r3 &= (int64_t)M62;
	d->v[0] = r0;
	d->v[1] = r1;
	d->v[2] = r2;
	d->v[3] = r3;
	d->v[4] = r4;
}

static void to_sg62(sg62 *r, const uint64_t a[4])
{
	r->v[0] = (int64_t)(a[0] & M62);
	r->v[1] = (int64_t)(((a[0] >> 62) | (a[1] << 2)) & M62);
	r->v[2] = (int64_t)(((a[1] >> 60) | (a[2] << 4)) & M62);
	r->v[3] = (int64_t)(((a[2] >> 58) | (a[3] << 6)) & M62);
	r->v[4] = (int64_t)(a[3] >> 56);
}

static void from_sg62(uint64_t r[4], const sg62 *a)
{
	const uint64_t a0 = (uint64_t)a->v[0], a1 = (uint64_t)a->v[1], a2 = (uint64_t)a->v[2],
		       a3 = (uint64_t)a->v[3], a4 = (uint64_t)a->v[4];
	r[0] = a0 | a1 << 62;
	r[1] = a1 >> 2 | a2 << 60;
	r[2] = a2 >> 4 | a3 << 58;
	r[3] = a3 >> 6 | a4 << 56;
}

/* r = d normalised with the sign of f (f = +-1 at the end), out of the plain-integer inverse of aR
 * into Montgomery form: (aR)^-1 R^3 / R = a^-1 R */
static void sg_result(uint64_t r[4], sg62 *d, int64_t f_sign)
{
	uint64_t x[4];
	sg_normalize(d, f_sign);
	from_sg62(x, d);
	fp_mul(r, x, R3_P);
	es_wipe(x, sizeof(x));
}

static bool sg_is_zero(const sg62 *g)
{
	return (g->v[0] | g->v[1] | g->v[2] | g->v[3] | g->v[4]) == 0;
}

/* r = a^-1 (Montgomery form in and out; 0 for 0), constant time */
static void fp_inv(uint64_t r[4], const uint64_t a[4])
{
	sg62 d = { { 0 } }, e = { { 1 } }, f = SG_P, g;
	sg_trans t;
	int64_t zeta = -1;

	to_sg62(&g, a);
	for (int i = 0; i < 10; i++) {
		zeta = sg_divsteps_59(zeta, (uint64_t)f.v[0], (uint64_t)g.v[0], &t);
		sg_update_de(&d, &e, &t);
		sg_update_fg(&f, &g, &t);
	}
	sg_result(r, &d, f.v[4]);
	es_wipe(&d, sizeof(d));
	es_wipe(&e, sizeof(e));
	es_wipe(&f, sizeof(f));
	es_wipe(&g, sizeof(g));
	es_wipe(&t, sizeof(t));
}

/*
 * The variable-time form (libsecp256k1's modinv64_var): 62 divsteps per
 * matrix, the zeros at the bottom of g skipped at once (count trailing
 * zeros) and up to 6 bits of g cancelled per step, stopping when g = 0.
 * Its time depends on the input: only for public values or values blinded
 * by a fresh random factor (affine_x_blinded). eta is minus the delta of
 * the original divsteps (delta = 1 at the start).
 */
static int64_t sg_divsteps_62_var(int64_t eta, uint64_t f0, uint64_t g0, sg_trans *t)
{
	uint64_t u = 1, v = 0, q = 0, r = 1, f = f0, g = g0, m, w, tmp;
	int i = 62, limit, zeros;

	for (;;) {
		/* the zeros at the bottom of g, at most i: each a divstep that halves g */
		zeros = __builtin_ctzll(g | (UINT64_MAX << i));
		g >>= zeros;
		u <<= zeros;
		v <<= zeros;
		eta -= zeros;
		i -= zeros;
		if (i == 0)
			break;
		/* f and g odd: cancel the bottom min(limit, 6 or 4) bits of g with a multiple of f */
		limit = (int)eta + 1 > i ? i : (int)eta + 1;
		if (eta < 0) {
			eta = -eta;
			tmp = f;
			f = g;
			g = 0 - tmp;
			tmp = u;
			u = q;
			q = 0 - tmp;
			tmp = v;
			v = r;
			r = 0 - tmp;
			limit = (int)eta + 1 > i ? i : (int)eta + 1;
			m = (UINT64_MAX >> (64 - limit)) & 63U;
			w = (f * g * (f * f - 2)) & m;
		} else {
			m = (UINT64_MAX >> (64 - limit)) & 15U;
			w = f + (((f + 1) & 4) << 1);
			w = (0 - w * g) & m;
		}
		g += f * w;
		q += u * w;
		r += v * w;
	}
	t->u = (int64_t)u;
	t->v = (int64_t)v;
	t->q = (int64_t)q;
	t->r = (int64_t)r;
	return eta;
}

/* r = a^-1 (Montgomery form in and out; 0 for 0), variable time: public or blinded input only */
static void fp_inv_var(uint64_t r[4], const uint64_t a[4])
{
	sg62 d = { { 0 } }, e = { { 1 } }, f = SG_P, g;
	sg_trans t;
	int64_t eta = -1;

	to_sg62(&g, a);
	/* 724 original divsteps suffice for 256-bit inputs: 12 matrices of 62 */
	for (int i = 0; i < 12 && !sg_is_zero(&g); i++) {
		eta = sg_divsteps_62_var(eta, (uint64_t)f.v[0], (uint64_t)g.v[0], &t);
		sg_update_de(&d, &e, &t);
		sg_update_fg(&f, &g, &t);
	}
	if (!sg_is_zero(&g))
		fp_inv(r, a); /* not reached: the bound holds for every input */
	else
		sg_result(r, &d, f.v[4]);
}

static void fp_to_mont(uint64_t r[4], const uint64_t a[4])
{
	fp_mul(r, a, RR_P);
}

static void fp_from_mont(uint64_t r[4], const uint64_t a[4])
{
	static const uint64_t one[4] = { 1, 0, 0, 0 };
	fp_mul(r, a, one);
}

/* ---- points --------------------------------------------------------------- */

/* Jacobian (X/Z^2, Y/Z^3), Montgomery form; Z = 0 is the point at infinity. */
typedef struct jpoint {
	uint64_t x[4], y[4], z[4];
} jpoint;

/* dbl-2001-b for a = -3: 3M + 5S. Infinity stays infinity. */
static void pt_dbl(jpoint *r, const jpoint *a)
{
	uint64_t delta[4], gamma[4], beta[4], alpha[4], t1[4], t2[4];

	fp_sqr(delta, a->z);
	fp_sqr(gamma, a->y);
	fp_mul(beta, a->x, gamma);
	fp_sub(t1, a->x, delta);
	fp_add(t2, a->x, delta);
	fp_mul(alpha, t1, t2);
	fp_add(t1, alpha, alpha);
	fp_add(alpha, t1, alpha);
	/* Z3 = (Y1 + Z1)^2 - gamma - delta */
	fp_add(t1, a->y, a->z);
	fp_sqr(t1, t1);
	fp_sub(t1, t1, gamma);
	fp_sub(r->z, t1, delta);
	/* X3 = alpha^2 - 8 beta */
	fp_add(beta, beta, beta);
	fp_add(beta, beta, beta); /* 4 beta */
	fp_add(t2, beta, beta);	  /* 8 beta */
	fp_sqr(t1, alpha);
	fp_sub(r->x, t1, t2);
	/* Y3 = alpha (4 beta - X3) - 8 gamma^2 */
	fp_sub(t1, beta, r->x);
	fp_mul(t1, alpha, t1);
	fp_sqr(gamma, gamma);
	fp_add(gamma, gamma, gamma);
	fp_add(gamma, gamma, gamma);
	fp_add(gamma, gamma, gamma);
	fp_sub(r->y, t1, gamma);
}

/*
 * madd-2004-hmv: r = a + b with b affine (r may be a), 8M + 3S and seven
 * additions (madd-2007-bl, 7M + 4S, takes fourteen; a squaring costs a
 * product here). Wrong for a = infinity and a = +-b: the callers select or
 * branch around those, using h (0 when the x coordinates match) and rr (0
 * when the y match too).
 */
static void pt_madd_raw(jpoint *r, const jpoint *a, const uint64_t bx[4], const uint64_t by[4],
			uint64_t h[4], uint64_t rr[4])
{
	uint64_t z1z1[4], z1z1z1[4], u2[4], s2[4], hh[4], hhh[4], v[4], t[4];

	fp_sqr(z1z1, a->z);
	fp_mul(z1z1z1, z1z1, a->z);
	fp_mul(u2, bx, z1z1);
	fp_mul(s2, by, z1z1z1);
	fp_sub(h, u2, a->x);
	fp_sub(rr, s2, a->y);
	fp_sqr(hh, h);
	fp_mul(hhh, hh, h);
	fp_mul(v, a->x, hh);
	fp_mul(t, a->y, hhh);
	/* Z3 = Z1 H; a->x, a->y and a->z are not read after their r-> twins are written */
	fp_mul(r->z, a->z, h);
	/* X3 = rr^2 - HHH - 2V */
	fp_sqr(u2, rr);
	fp_sub(u2, u2, hhh);
	fp_sub(u2, u2, v);
	fp_sub(r->x, u2, v);
	/* Y3 = rr (V - X3) - Y1 HHH */
	fp_sub(v, v, r->x);
	fp_mul(v, rr, v);
	fp_sub(r->y, v, t);
}

static const uint64_t ONE_N[4] = { 0xac440bf6c62abeddULL, 0x8dfc2094de39fad4ULL,
				   0x0000000000000000ULL, 0x0000000100000000ULL };

static void pt_set_inf(jpoint *r)
{
	memcpy(r->x, ONE_P, 32);
	memcpy(r->y, ONE_P, 32);
	memset(r->z, 0, 32);
}

/* r = a + b, both Jacobian, any inputs (variable time: public data only). */
static void pt_add_vt(jpoint *r, const jpoint *a, const jpoint *b)
{
	uint64_t z1z1[4], z2z2[4], u1[4], u2[4], s1[4], s2[4], h[4], i[4], j[4], rr[4], v[4],
		t[4];
	jpoint o;

	if (vt_is_zero(a->z)) {
		*r = *b;
		return;
	}
	if (vt_is_zero(b->z)) {
		*r = *a;
		return;
	}
	fp_sqr(z1z1, a->z);
	fp_sqr(z2z2, b->z);
	fp_mul(u1, a->x, z2z2);
	fp_mul(u2, b->x, z1z1);
	fp_mul(s1, a->y, b->z);
	fp_mul(s1, s1, z2z2);
	fp_mul(s2, b->y, a->z);
	fp_mul(s2, s2, z1z1);
	fp_sub(h, u2, u1);
	fp_sub(rr, s2, s1);
	if (vt_is_zero(h)) {
		if (vt_is_zero(rr))
			pt_dbl(r, a);
		else
			pt_set_inf(r);
		return;
	}
	fp_add(i, h, h);
	fp_sqr(i, i);
	fp_mul(j, h, i);
	fp_add(rr, rr, rr);
	fp_mul(v, u1, i);
	fp_sqr(t, rr);
	fp_sub(t, t, j);
	fp_sub(t, t, v);
	fp_sub(o.x, t, v);
	fp_sub(t, v, o.x);
	fp_mul(t, rr, t);
	fp_mul(s1, s1, j);
	fp_add(s1, s1, s1);
	fp_sub(o.y, t, s1);
	fp_add(t, a->z, b->z);
	fp_sqr(t, t);
	fp_sub(t, t, z1z1);
	fp_sub(t, t, z2z2);
	fp_mul(o.z, t, h);
	*r = o;
}

/* r += (bx, by) affine, any inputs (variable time). */
static void pt_madd_vt(jpoint *r, const uint64_t bx[4], const uint64_t by[4])
{
	uint64_t h[4], rr[4];
	jpoint o;

	if (vt_is_zero(r->z)) {
		memcpy(r->x, bx, 32);
		memcpy(r->y, by, 32);
		memcpy(r->z, ONE_P, 32);
		return;
	}
	pt_madd_raw(&o, r, bx, by, h, rr);
	if (vt_is_zero(h)) {
		if (vt_is_zero(rr))
			pt_dbl(r, r);
		else
			pt_set_inf(r);
		return;
	}
	*r = o;
}

/*
 * Affine forms of @p n points, none at infinity, with one inversion
 * (Montgomery's trick); @p acc is scratch for n elements.
 */
static void batch_to_affine(es_sm2p_affine *out, const jpoint *in, uint64_t (*acc)[4], size_t n)
{
	uint64_t inv[4], zi[4], zi2[4];
	size_t i;

	memcpy(acc[0], in[0].z, 32);
	for (i = 1; i < n; i++)
		fp_mul(acc[i], acc[i - 1], in[i].z);
	fp_inv(inv, acc[n - 1]);
	for (i = n; i-- > 0;) {
		if (i > 0) {
			fp_mul(zi, inv, acc[i - 1]);
			fp_mul(inv, inv, in[i].z);
		} else {
			memcpy(zi, inv, 32);
		}
		fp_sqr(zi2, zi);
		fp_mul(out[i].x, in[i].x, zi2);
		fp_mul(zi2, zi2, zi);
		fp_mul(out[i].y, in[i].y, zi2);
	}
}

/* ---- the fixed-base table ------------------------------------------------- */

/*
 * k*G with signed 7-bit windows: k = sum d_i 2^(7i), d_i in [-64, 64],
 * i < 37. Row i holds j * 2^(7i) * G for j = 1..64 (148 KiB), so k*G is 37
 * mixed additions and no doubling. Built once per process on first use.
 */
#define COMB_W 7
#define COMB_ROWS 37
#define COMB_COLS 64

static es_sm2p_affine g_tab[COMB_ROWS][COMB_COLS];
static pthread_once_t g_tab_once = PTHREAD_ONCE_INIT;

/*
 * Rows i = 0..36 of j * 2^(7i) * base, j = 1..64, into @p tab; @p pts and
 * @p acc are scratch for COMB_ROWS * COMB_COLS entries.
 */
static void comb_build(es_sm2p_affine (*tab)[COMB_COLS], const uint64_t bx[4], const uint64_t by[4],
		       jpoint *pts, uint64_t (*acc)[4])
{
	jpoint base;
	int i, j;

	memcpy(base.x, bx, 32);
	memcpy(base.y, by, 32);
	memcpy(base.z, ONE_P, 32);
	for (i = 0; i < COMB_ROWS; i++) {
		jpoint *row = pts + i * COMB_COLS;
		row[0] = base;
		pt_dbl(&row[1], &base);
		for (j = 2; j < COMB_COLS; j++)
			pt_add_vt(&row[j], &row[j - 1], &base);
		pt_dbl(&base, &row[COMB_COLS - 1]); /* 2^COMB_W * base */
	}
	batch_to_affine(&tab[0][0], pts, acc, COMB_ROWS * COMB_COLS);
}

static void select_init(void);

/* es_sm2p_sign inverts a blinded Z in variable time, unless $ESEAL_SM2_CT_INVERSION is set
 * (docs/crypto.md, "Constant time"): read once, with the tables */
static bool sign_blinded = true;

static void g_tab_build(void)
{
	static jpoint pts[COMB_ROWS * COMB_COLS];
	static uint64_t acc[COMB_ROWS * COMB_COLS][4];

	sign_blinded = getenv("ESEAL_SM2_CT_INVERSION") == NULL;
	fp_arith_init();
	select_init();
	comb_build(g_tab, GX_M, GY_M, pts, acc);
}

static void g_tab_ready(void)
{
	pthread_once(&g_tab_once, g_tab_build);
}

/*
 * Booth digit i of k (w = COMB_W): |d| and an all-ones mask when d < 0.
 * From bits wi-1 .. wi+w-1 of k; arithmetic only (constant time in k).
 */
static inline void booth_digit(const uint64_t k[4], int i, uint64_t *abs, uint64_t *neg)
{
	int pos = COMB_W * i - 1;
	uint64_t w, d, s;

	if (pos < 0) {
		w = (k[0] << 1) & ((2u << COMB_W) - 1);
	} else {
		int limb = pos / 64, off = pos % 64;
		w = k[limb] >> off;
		if (off > 64 - (COMB_W + 1) && limb < 3)
			w |= k[limb + 1] << (64 - off);
		w &= (2u << COMB_W) - 1;
	}
	/* d = b(wi-1) + sum_{j<w-1} b(wi+j) 2^j - b(wi+w-1) 2^(w-1), as (v>>1) + (v&1) - 2^w (v>>w) */
	d = (w >> 1) + (w & 1) - ((w >> COMB_W) << COMB_W);
	s = barrier(0 - (d >> 63));
	*neg = s;
	*abs = (d ^ s) - s;
}

/* Constant-time pick of row entry @p idx (1..32; 0 gives zeros): every entry is read. */
#if defined(__SSE2__) && !defined(ES_SM2P_PORTABLE)
#include <emmintrin.h>
static void select_row(es_sm2p_affine *out, const es_sm2p_affine row[COMB_COLS], uint64_t idx)
{
	__m128i a0 = _mm_setzero_si128(), a1 = a0, a2 = a0, a3 = a0;
	const __m128i want = _mm_set1_epi32((int)idx), one = _mm_set1_epi32(1);
	__m128i j = _mm_setzero_si128();

	for (int i = 0; i < COMB_COLS; i++) {
		const __m128i *p = (const __m128i *)&row[i];
		__m128i m;
		j = _mm_add_epi32(j, one);
		m = _mm_cmpeq_epi32(j, want); /* all ones in every lane when i + 1 == idx */
		a0 = _mm_or_si128(a0, _mm_and_si128(m, _mm_loadu_si128(p + 0)));
		a1 = _mm_or_si128(a1, _mm_and_si128(m, _mm_loadu_si128(p + 1)));
		a2 = _mm_or_si128(a2, _mm_and_si128(m, _mm_loadu_si128(p + 2)));
		a3 = _mm_or_si128(a3, _mm_and_si128(m, _mm_loadu_si128(p + 3)));
	}
	_mm_storeu_si128((__m128i *)out + 0, a0);
	_mm_storeu_si128((__m128i *)out + 1, a1);
	_mm_storeu_si128((__m128i *)out + 2, a2);
	_mm_storeu_si128((__m128i *)out + 3, a3);
}

/*
 * The same with 256-bit registers: half the loads and masks; sel_avx2 is
 * 2 for AVX-512F, 1 for AVX2, 0 for SSE2 (run-time choice).
 */
#include <immintrin.h>
static int sel_avx2 = -1;

__attribute__((target("avx2"))) static void select_row_avx2(es_sm2p_affine *out,
							     const es_sm2p_affine row[COMB_COLS],
							     uint64_t idx)
{
	__m256i a0 = _mm256_setzero_si256(), a1 = a0;
	const __m256i want = _mm256_set1_epi32((int)idx), one = _mm256_set1_epi32(1);
	__m256i j = _mm256_setzero_si256();

	for (int i = 0; i < COMB_COLS; i++) {
		const __m256i *p = (const __m256i *)&row[i];
		__m256i m;
		j = _mm256_add_epi32(j, one);
		m = _mm256_cmpeq_epi32(j, want);
		a0 = _mm256_or_si256(a0, _mm256_and_si256(m, _mm256_loadu_si256(p + 0)));
		a1 = _mm256_or_si256(a1, _mm256_and_si256(m, _mm256_loadu_si256(p + 1)));
	}
	_mm256_storeu_si256((__m256i *)out + 0, a0);
	_mm256_storeu_si256((__m256i *)out + 1, a1);
}

/* And with 512-bit registers: one load per entry, merged under a mask register. */
__attribute__((target("avx512f"))) static void select_row_avx512(es_sm2p_affine *out,
								 const es_sm2p_affine row[COMB_COLS],
								 uint64_t idx)
{
	__m512i acc = _mm512_setzero_si512();
	const __m512i want = _mm512_set1_epi64((long long)idx), one = _mm512_set1_epi64(1);
	__m512i j = _mm512_setzero_si512();

	for (int i = 0; i < COMB_COLS; i++) {
		__mmask8 m;
		j = _mm512_add_epi64(j, one);
		m = _mm512_cmpeq_epi64_mask(j, want); /* all 8 lanes when i + 1 == idx, else none */
		acc = _mm512_mask_mov_epi64(acc, m, _mm512_loadu_si512((const void *)&row[i]));
	}
	_mm512_storeu_si512((void *)out, acc);
}

static void select_init(void)
{
	__builtin_cpu_init();
	if (getenv("ESEAL_SM2_PORTABLE") != NULL)
		sel_avx2 = 0;
	else if (__builtin_cpu_supports("avx512f"))
		sel_avx2 = 2;
	else
		sel_avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
}

static inline void select_any(es_sm2p_affine *out, const es_sm2p_affine row[COMB_COLS], uint64_t idx)
{
	if (sel_avx2 == 2)
		select_row_avx512(out, row, idx);
	else if (sel_avx2 == 1)
		select_row_avx2(out, row, idx);
	else
		select_row(out, row, idx);
}
#else
static void select_init(void)
{
}
#define select_any select_row
static void select_row(es_sm2p_affine *out, const es_sm2p_affine row[COMB_COLS], uint64_t idx)
{
	memset(out, 0, sizeof(*out));
	for (uint64_t j = 0; j < COMB_COLS; j++) {
		uint64_t m = ct_is_zero64((j + 1) ^ idx);
		for (int l = 0; l < 4; l++) {
			out->x[l] |= row[j].x[l] & m;
			out->y[l] |= row[j].y[l] & m;
		}
	}
}
#endif

/* r = k*G, constant time in k, for 0 <= k < n (k = 0 gives infinity). */
static void mul_g_ct(jpoint *r, const uint64_t k[4])
{
	es_sm2p_affine sel;
	uint64_t abs, neg, ny[4], h[4], rr[4], inf, nz;
	jpoint acc, tmp;
	static const uint64_t zero[4];

	pt_set_inf(&acc);
	for (int i = 0; i < COMB_ROWS; i++) {
		booth_digit(k, i, &abs, &neg);
		select_any(&sel, g_tab[i], abs);
		fp_sub(ny, zero, sel.y);
		ct_move(sel.y, ny, neg);
		nz = ~ct_is_zero64(abs);
		if (i == 0) { /* the sum so far is infinity: the entry, or infinity for digit 0 */
			ct_move(acc.x, sel.x, nz);
			ct_move(acc.y, sel.y, nz);
			ct_move(acc.z, ONE_P, nz);
			continue;
		}
		pt_madd_raw(&tmp, &acc, sel.x, sel.y, h, rr);
		/*
		 * No doubling case can arise: the partial sum is below 2^(7i)
		 * in absolute value and the new term is at least 2^(7i).
		 */
		inf = ct_is_zero(acc.z);
		/* acc = digit 0 ? acc : acc at infinity ? the entry : the sum */
		ct_move(tmp.x, sel.x, inf);
		ct_move(tmp.y, sel.y, inf);
		ct_move(tmp.z, ONE_P, inf);
		ct_move(acc.x, tmp.x, nz);
		ct_move(acc.y, tmp.y, nz);
		ct_move(acc.z, tmp.z, nz);
	}
	*r = acc;
	es_wipe(&sel, sizeof(sel));
	es_wipe(&tmp, sizeof(tmp));
	es_wipe(&acc, sizeof(acc));
}

/* r += k*B for a public k < n and B's comb table (variable time). */
static void mul_comb_vt(jpoint *r, es_sm2p_affine (*tab)[COMB_COLS], const uint64_t k[4])
{
	uint64_t abs, neg, ny[4];
	static const uint64_t zero[4];

	for (int i = 0; i < COMB_ROWS; i++) {
		const es_sm2p_affine *e;
		booth_digit(k, i, &abs, &neg);
		if (abs == 0)
			continue;
		e = &tab[i][abs - 1];
		if (neg) {
			fp_sub(ny, zero, e->y);
			pt_madd_vt(r, e->x, ny);
		} else {
			pt_madd_vt(r, e->x, e->y);
		}
	}
}

/* ---- per-key table and wNAF ------------------------------------------------ */

#define WNAF_W 6
#define KEY_TAB (1 << (WNAF_W - 2)) /* P, 3P, ..., 31P */

static es_sm2p_affine *key_table(es_sm2p_key *k)
{
	es_sm2p_affine *t = atomic_load_explicit(&k->table, memory_order_acquire), *expected = NULL;
	jpoint pts[KEY_TAB], p2;
	uint64_t acc[KEY_TAB][4];

	if (t)
		return t;
	t = es_malloc(KEY_TAB * sizeof(*t));
	if (!t)
		return NULL;
	memcpy(pts[0].x, k->px, 32);
	memcpy(pts[0].y, k->py, 32);
	memcpy(pts[0].z, ONE_P, 32);
	pt_dbl(&p2, &pts[0]);
	for (int i = 1; i < KEY_TAB; i++)
		pt_add_vt(&pts[i], &pts[i - 1], &p2);
	batch_to_affine(t, pts, acc, KEY_TAB);
	if (!atomic_compare_exchange_strong_explicit(&k->table, &expected, t, memory_order_acq_rel,
						     memory_order_acquire)) {
		es_free(t); /* another thread published its table first */
		t = expected;
	}
	return t;
}

/*
 * The key's own comb table (148 KiB), built once the key has verified
 * ES_SM2P_COMB_AFTER signatures: then t*P costs 37 additions and no
 * doubling, like s*G. NULL until then (or without memory).
 */
static es_sm2p_affine (*key_comb(es_sm2p_key *k))[COMB_COLS]
{
	es_sm2p_affine (*t)[COMB_COLS] = atomic_load_explicit(&k->comb, memory_order_acquire);
	es_sm2p_affine (*expected)[COMB_COLS] = NULL;
	jpoint *pts;
	uint64_t (*acc)[4];

	if (t)
		return t;
	if (atomic_fetch_add_explicit(&k->uses, 1, memory_order_relaxed) < ES_SM2P_COMB_AFTER)
		return NULL;
	t = es_malloc(sizeof(es_sm2p_affine) * COMB_ROWS * COMB_COLS);
	pts = es_malloc(sizeof(jpoint) * COMB_ROWS * COMB_COLS);
	acc = es_malloc(32 * COMB_ROWS * COMB_COLS);
	if (!t || !pts || !acc) {
		es_free(t);
		t = NULL;
		goto done;
	}
	comb_build(t, k->px, k->py, pts, acc);
	if (!atomic_compare_exchange_strong_explicit(&k->comb, &expected, t, memory_order_acq_rel,
						     memory_order_acquire)) {
		es_free(t);
		t = expected;
	}
done:
	es_free(pts);
	es_free(acc);
	return t;
}

/* Width-w NAF of a public k: digits odd or 0, |d| < 2^(w-1). Returns the length. */
static int wnaf(int8_t out[260], const uint64_t k[4])
{
	uint64_t t[5] = { k[0], k[1], k[2], k[3], 0 };
	int n = 0;

	while (t[0] | t[1] | t[2] | t[3] | t[4]) {
		int d = 0;
		if (t[0] & 1) {
			d = (int)(t[0] & ((1u << WNAF_W) - 1));
			if (d >= (1 << (WNAF_W - 1)))
				d -= 1 << WNAF_W;
			/* t -= d */
			if (d > 0) {
				uint64_t b = (uint64_t)d;
				for (int i = 0; i < 5 && b; i++) {
					uint64_t o = t[i];
					t[i] = o - b;
					b = t[i] > o;
				}
			} else {
				uint64_t c = (uint64_t)-d;
				for (int i = 0; i < 5 && c; i++) {
					t[i] += c;
					c = t[i] < c;
				}
			}
		}
		out[n++] = (int8_t)d;
		for (int i = 0; i < 4; i++)
			t[i] = (t[i] >> 1) | (t[i + 1] << 63);
		t[4] >>= 1;
	}
	return n;
}

static void mul_key_vt(jpoint *r, const es_sm2p_affine *tab, const uint64_t k[4])
{
	int8_t naf[260];
	int n = wnaf(naf, k);
	uint64_t ny[4];
	static const uint64_t zero[4];

	pt_set_inf(r);
	for (int i = n - 1; i >= 0; i--) {
		int d = naf[i];
		if (!vt_is_zero(r->z))
			pt_dbl(r, r);
		if (d > 0) {
			pt_madd_vt(r, tab[d / 2].x, tab[d / 2].y);
		} else if (d < 0) {
			fp_sub(ny, zero, tab[-d / 2].y);
			pt_madd_vt(r, tab[-d / 2].x, ny);
		}
	}
}

/* ---- keys, signing, verification ------------------------------------------ */

/* All ones when a < b (constant time). */
static uint64_t ct_lt(const uint64_t a[4], const uint64_t b[4])
{
	u128 d = 0;
	uint64_t br = 0;
	for (int i = 0; i < 4; i++) {
		d = (u128)a[i] - b[i] - br;
		br = (uint64_t)(d >> 64) & 1;
	}
	return barrier(0 - br);
}

/* Affine x (plain, not Montgomery) of a point, constant time. */
static void affine_x(uint64_t x[4], const jpoint *p)
{
	uint64_t zi[4];
	fp_inv(zi, p->z);
	fp_sqr(zi, zi);
	fp_mul(x, p->x, zi);
	fp_from_mont(x, x);
}

/*
 * The same through a blinded inversion: 1/Z = b / (Z b) with b a fresh
 * random nonzero field element (Montgomery form). Z b is uniform over the
 * nonzero elements whatever Z is, so the variable-time inversion of it
 * (fp_inv_var, about half the time of fp_inv) tells nothing about Z, nor
 * so about the nonce: Z b is declassified for the ctgrind check, the one
 * place signing does so before the signature itself. b = 0 (one chance in
 * 2^256) takes the constant-time inversion.
 */
static void affine_x_blinded(uint64_t x[4], const jpoint *p, const uint64_t b[4])
{
	uint64_t zb[4], zi[4], zero = ct_is_zero(b);
	DECLASSIFY(&zero, sizeof(zero)); /* whether b = 0: one chance in 2^256, and nothing about Z */
	if (zero) {
		affine_x(x, p);
		return;
	}
	fp_mul(zb, p->z, b);
	DECLASSIFY(zb, sizeof(zb));
	fp_inv_var(zi, zb);
	fp_mul(zi, zi, b);
	fp_sqr(zi, zi);
	fp_mul(x, p->x, zi);
	fp_from_mont(x, x);
	es_wipe(zb, sizeof(zb));
	es_wipe(zi, sizeof(zi));
}

static void affine_xy(uint64_t x[4], uint64_t y[4], const jpoint *p)
{
	uint64_t zi[4], zi2[4];
	fp_inv(zi, p->z);
	fp_sqr(zi2, zi);
	fp_mul(x, p->x, zi2);
	fp_from_mont(x, x);
	fp_mul(zi2, zi2, zi);
	fp_mul(y, p->y, zi2);
	fp_from_mont(y, y);
}

int es_sm2p_public_point(uint8_t out[65], const uint8_t d[32])
{
	uint64_t k[4], x[4], y[4], bad;
	jpoint r;

	from_be(k, d);
	bad = ct_is_zero(k) | ~ct_lt(k, N);
	g_tab_ready();
	mul_g_ct(&r, k);
	affine_xy(x, y, &r);
	out[0] = 0x04;
	to_be(out + 1, x);
	to_be(out + 33, y);
	es_wipe(k, sizeof(k));
	DECLASSIFY(out, 65);
	DECLASSIFY(&bad, sizeof(bad));
	if (bad) {
		memset(out, 0, 65);
		return -1;
	}
	return 0;
}

static void nonce_prefix(es_sm2p_key *key);

int es_sm2p_key_init(es_sm2p_key *k, const uint8_t point[65], const uint8_t *d)
{
	uint64_t x[4], y[4], l[4], rhs[4], t[4];
	uint8_t check[65];
	static const uint64_t N_MINUS_1[4] = { 0x53bbf40939d54122ULL, 0x7203df6b21c6052bULL,
					       0xffffffffffffffffULL, 0xfffffffeffffffffULL };
	uint64_t dd[4], bad;
	int rc = -1;

	g_tab_ready(); /* and the choice of field multiplication */
	memset(k, 0, sizeof(*k));
	atomic_init(&k->table, NULL);
	atomic_init(&k->comb, NULL);
	atomic_init(&k->uses, 0);
	if (point[0] != 0x04)
		return -1;
	from_be(x, point + 1);
	from_be(y, point + 33);
	if (!vt_lt(x, P) || !vt_lt(y, P))
		return -1;
	fp_to_mont(k->px, x);
	fp_to_mont(k->py, y);
	/* y^2 = x^3 - 3x + b */
	fp_sqr(l, k->py);
	fp_sqr(rhs, k->px);
	fp_mul(rhs, rhs, k->px);
	fp_sub(rhs, rhs, k->px);
	fp_sub(rhs, rhs, k->px);
	fp_sub(rhs, rhs, k->px);
	fp_add(rhs, rhs, B_M);
	if (!vt_eq(l, rhs))
		return -1;
	if (!d)
		return 0;
	/* 1 <= d <= n - 2, and d*G is the point */
	from_be(dd, d);
	bad = ct_is_zero(dd) | ~ct_lt(dd, N_MINUS_1);
	DECLASSIFY(&bad, sizeof(bad));
	if (bad)
		goto done;
	if (es_sm2p_public_point(check, d) < 0 || memcmp(check, point, 65) != 0)
		goto done;
	/* (1 + d)^-1 mod n by Fermat, in Montgomery form */
	{
		static const uint64_t one[4] = { 1, 0, 0, 0 };
		mod_add(t, dd, one, N);
		mont_mul(t, t, RR_N, N, N0INV);
		mont_pow(k->dinv, t, N_MINUS_2, N, N0INV, ONE_N);
	}
	nonce_prefix(k);
	k->has_priv = true;
	rc = 0;
done:
	es_wipe(dd, sizeof(dd));
	es_wipe(t, sizeof(t));
	return rc;
}

void es_sm2p_key_clear(es_sm2p_key *k)
{
	es_sm2p_affine *t;

	if (!k)
		return;
	t = atomic_exchange(&k->table, NULL);
	es_free(t);
	es_free(atomic_exchange(&k->comb, NULL));
	es_wipe(k->dinv, sizeof(k->dinv));
	es_wipe(&k->nonce_sm3, sizeof(k->nonce_sm3));
	k->has_priv = false;
}

int es_sm2p_sign_k(const es_sm2p_key *key, const uint8_t e[32], const uint8_t nonce[32],
		   uint8_t sig[64])
{
	return es_sm2p_sign_kb(key, e, nonce, NULL, sig);
}

int es_sm2p_sign_kb(const es_sm2p_key *key, const uint8_t e[32], const uint8_t nonce[32],
		    const uint8_t blind[32], uint8_t sig[64])
{
	uint64_t k[4], x[4], ev[4], r[4], rk[4], s[4], b[4], bad;
	jpoint R;

	if (!key->has_priv)
		return -1;
	g_tab_ready();
	from_be(k, nonce);
	bad = ct_is_zero(k) | ~ct_lt(k, N);
	mul_g_ct(&R, k);
	if (blind) {
		from_be(b, blind);
		mod_reduce_once(b, b, P);
		affine_x_blinded(x, &R, b);
		es_wipe(b, sizeof(b));
	} else {
		affine_x(x, &R);
	}
	mod_reduce_once(x, x, N);
	from_be(ev, e);
	mod_reduce_once(ev, ev, N);
	/* r = (e + x1) mod n; discard r = 0 and r + k = n */
	mod_add(r, ev, x, N);
	mod_add(rk, r, k, N);
	bad |= ct_is_zero(r) | ct_is_zero(rk);
	/* s = (1 + d)^-1 (k - r d) = (1 + d)^-1 (k + r) - r mod n */
	mont_mul(s, key->dinv, rk, N, N0INV);
	mod_sub(s, s, r, N);
	bad |= ct_is_zero(s);
	to_be(sig, r);
	to_be(sig + 32, s);
	es_wipe(k, sizeof(k));
	es_wipe(rk, sizeof(rk));
	es_wipe(&R, sizeof(R));
	es_wipe(x, sizeof(x));
	DECLASSIFY(sig, 64);
	DECLASSIFY(&bad, sizeof(bad));
	if (bad) {
		memset(sig, 0, 64);
		return -1;
	}
	return 0;
}

/*
 * Hedged nonce: k = SM3(label || K || 0^16 || i || (rnd XOR e)), with rnd
 * 32 fresh bytes from OpenSSL's private DRBG, K the key's secret as stored
 * ((1+d)^-1 mod n, Montgomery form: a bijection of d), e the digest being
 * signed and i the attempt (a k outside [1, n-1] or one GB/T 32918.2 says
 * to discard is drawn again, probability 2^-32). The first 64 bytes depend
 * on the key alone: their compression is done once, when the key is set
 * up (key->nonce_sm3), and a signature pays one compression for its nonce.
 * With a good generator, rnd XOR e is as random as rnd and k as random as
 * it; with a repeating or weak one, rnd XOR e still differs for every
 * digest, so k differs for every (key, digest) pair and repeats only where
 * the signature would be the same: the key cannot be solved from two
 * signatures. SM3 has no table or branch on its data: constant time in
 * rnd, K and k.
 */
static const char nonce_label[16] = "eseal sm2 nonce";

static void nonce_prefix(es_sm2p_key *key)
{
	static const uint8_t zeros[16];
	es_sm3s_init(&key->nonce_sm3);
	es_sm3s_update(&key->nonce_sm3, nonce_label, sizeof(nonce_label));
	es_sm3s_update(&key->nonce_sm3, key->dinv, sizeof(key->dinv));
	es_sm3s_update(&key->nonce_sm3, zeros, sizeof(zeros));
}

static void hedged_nonce(uint8_t k[32], const es_sm2p_key *key, const uint8_t e[32],
			 const uint8_t rnd[32], uint8_t attempt)
{
	es_sm3_state st = key->nonce_sm3;
	uint8_t tail[33];

	tail[0] = attempt;
	for (int i = 0; i < 32; i++)
		tail[1 + i] = rnd[i] ^ e[i];
	es_sm3s_update(&st, tail, sizeof(tail));
	es_sm3s_final(&st, k);
	es_wipe(&st, sizeof(st));
	es_wipe(tail, sizeof(tail));
}

static int sign_rnd(const es_sm2p_key *key, const uint8_t e[32], const uint8_t rnd[32], const uint8_t *blind,
		    unsigned attempt, uint8_t sig[64])
{
	uint8_t nonce[32];
	int rc;

	if (!key->has_priv)
		return -1;
	hedged_nonce(nonce, key, e, rnd, (uint8_t)attempt);
	rc = es_sm2p_sign_kb(key, e, nonce, blind, sig);
	es_wipe(nonce, sizeof(nonce));
	return rc;
}

int es_sm2p_sign_rnd(const es_sm2p_key *key, const uint8_t e[32], const uint8_t rnd[32],
		     unsigned attempt, uint8_t sig[64])
{
	return sign_rnd(key, e, rnd, NULL, attempt, sig);
}

/*
 * The random bytes of the nonces come from a per-thread pool filled by one
 * RAND_priv_bytes call for RND_POOL signatures: a DRBG call costs a
 * getpid system call (OpenSSL's fork check) and locks, about a tenth of a
 * signature. Each 32-byte share is wiped as it is taken; a forked child
 * starts with an empty pool (pthread_atfork). Because the nonce is hedged,
 * even a share used twice would only give two (key, digest) pairs
 * different nonces, and knowing a share without the key tells nothing
 * about k.
 */
#define RND_POOL 16
#define RND_SHARE 64 /* 32 bytes for the nonce, 32 for the inversion's blinding factor */
static _Thread_local struct {
	uint8_t b[RND_POOL][RND_SHARE];
	unsigned left;
} rnd_pool;
static pthread_once_t rnd_once = PTHREAD_ONCE_INIT;

static void rnd_pool_drop(void)
{
	es_wipe(&rnd_pool, sizeof(rnd_pool));
}

static void rnd_pool_init(void)
{
	(void)pthread_atfork(NULL, NULL, rnd_pool_drop);
}

static int rnd_take(uint8_t out[RND_SHARE])
{
	pthread_once(&rnd_once, rnd_pool_init);
	if (rnd_pool.left == 0 || rnd_pool.left > RND_POOL) {
		if (RAND_priv_bytes(&rnd_pool.b[0][0], sizeof(rnd_pool.b)) != 1)
			return -1;
		rnd_pool.left = RND_POOL;
	}
	rnd_pool.left--;
	memcpy(out, rnd_pool.b[rnd_pool.left], RND_SHARE);
	es_wipe(rnd_pool.b[rnd_pool.left], RND_SHARE);
	return 0;
}

int es_sm2p_sign(const es_sm2p_key *key, const uint8_t e[32], uint8_t sig[64])
{
	uint8_t rnd[RND_SHARE];
	int rc = -1;

	if (!key->has_priv)
		return -1;
	g_tab_ready();
	/* a DRBG failure is an error, never a fall back to a deterministic nonce */
	for (unsigned tries = 0; tries < 64 && rc < 0; tries++) {
		if (rnd_take(rnd) < 0)
			break;
		rc = sign_rnd(key, e, rnd, sign_blinded ? rnd + 32 : NULL, tries, sig);
	}
	es_wipe(rnd, sizeof(rnd));
	return rc;
}

int es_sm2p_verify(es_sm2p_key *key, const uint8_t e[32], const uint8_t sig[64])
{
	/* p - n: candidates x1 = c and c + n when c + n < p */
	static const uint64_t P_MINUS_N[4] = { 0xac440bf6c62abedcULL, 0x8dfc2094de39fad4ULL, 0, 0 };
	uint64_t r[4], s[4], t[4], ev[4], c[4], cm[4], z2[4];
	const es_sm2p_affine *tab;
	es_sm2p_affine (*comb)[COMB_COLS];
	jpoint A;

	from_be(r, sig);
	from_be(s, sig + 32);
	if (vt_is_zero(r) || !vt_lt(r, N) || vt_is_zero(s) || !vt_lt(s, N))
		return -1;
	mod_add(t, r, s, N);
	if (vt_is_zero(t))
		return -1;
	g_tab_ready();
	comb = key_comb(key);
	pt_set_inf(&A);
	if (comb) {
		mul_comb_vt(&A, comb, t);
	} else {
		tab = key_table(key);
		if (!tab)
			return -2;
		mul_key_vt(&A, tab, t);
	}
	mul_comb_vt(&A, g_tab, s);
	if (vt_is_zero(A.z))
		return -1;
	/* R = (e + x1) mod n == r  <=>  x1 = (r - e) mod n (+ n), checked as X = x1 Z^2 */
	from_be(ev, e);
	mod_reduce_once(ev, ev, N);
	mod_sub(c, r, ev, N);
	fp_sqr(z2, A.z);
	fp_to_mont(cm, c);
	fp_mul(cm, cm, z2);
	if (vt_eq(cm, A.x))
		return 0;
	if (vt_lt(c, P_MINUS_N)) {
		mod_add(c, c, N, P); /* c + n < p: a plain sum */
		fp_to_mont(cm, c);
		fp_mul(cm, cm, z2);
		if (vt_eq(cm, A.x))
			return 0;
	}
	return -1;
}

/* ---- signature encoding ------------------------------------------------------ */

int es_sm2p_der_to_raw(uint8_t raw[64], const uint8_t *der, size_t len)
{
	size_t off = 2;

	if (len < 8 || len > 72 || der[0] != 0x30 || der[1] != len - 2)
		return -1;
	for (int i = 0; i < 2; i++) {
		const uint8_t *v;
		size_t l, vl;
		if (off + 2 > len || der[off] != 0x02)
			return -1;
		l = der[off + 1];
		off += 2;
		if (l == 0 || l > 33 || off + l > len)
			return -1;
		v = der + off;
		if (v[0] & 0x80)
			return -1; /* negative */
		if (l > 1 && v[0] == 0 && !(v[1] & 0x80))
			return -1; /* not minimal */
		vl = l;
		if (v[0] == 0 && vl > 1) {
			v++;
			vl--;
		}
		if (vl > 32)
			return -1;
		memset(raw + 32 * i, 0, 32 - vl);
		memcpy(raw + 32 * i + 32 - vl, v, vl);
		off += l;
	}
	return off == len ? 0 : -1;
}

size_t es_sm2p_raw_to_der(uint8_t der[72], const uint8_t raw[64])
{
	uint8_t *p = der + 2;

	for (int i = 0; i < 2; i++) {
		const uint8_t *v = raw + 32 * i;
		size_t l = 32;
		while (l > 1 && *v == 0) {
			v++;
			l--;
		}
		*p++ = 0x02;
		*p++ = (uint8_t)(l + (v[0] >> 7));
		if (v[0] & 0x80)
			*p++ = 0;
		memcpy(p, v, l);
		p += l;
	}
	der[0] = 0x30;
	der[1] = (uint8_t)(p - der - 2);
	return (size_t)(p - der);
}

void es_sm2p_test_inv(uint8_t sg[32], uint8_t fermat[32], uint8_t var[32], const uint8_t a[32])
{
	uint64_t x[4], m[4], r[4];

	g_tab_ready();
	from_be(x, a);
	mod_reduce_once(x, x, P);
	fp_to_mont(m, x);
	fp_inv(r, m);
	fp_from_mont(r, r);
	to_be(sg, r);
	fp_inv_fermat(r, m);
	fp_from_mont(r, r);
	to_be(fermat, r);
	fp_inv_var(r, m);
	fp_from_mont(r, r);
	to_be(var, r);
}

void es_sm2p_ct_probe(int op, const uint8_t in[64], unsigned reps)
{
	uint64_t x[4], b[4], sink;
	es_sm2p_affine sel;

	g_tab_ready();
	from_be(x, in);
	from_be(b, in + 32);
	mod_reduce_once(x, x, P);
	mod_reduce_once(b, b, P);
	switch (op) {
	case ES_SM2P_PROBE_MUL:
		for (unsigned i = 0; i < reps; i++)
			fp_mul(x, x, b);
		break;
	case ES_SM2P_PROBE_SELECT:
		for (unsigned i = 0; i < reps; i++) {
			select_any(&sel, g_tab[COMB_ROWS / 2], in[0] % (COMB_COLS + 1));
			x[0] ^= sel.x[0];
		}
		break;
	case ES_SM2P_PROBE_INV:
		for (unsigned i = 0; i < reps; i++)
			fp_inv(x, x);
		break;
	case ES_SM2P_PROBE_VT: {
		int8_t naf[260];
		for (unsigned i = 0; i < reps; i++)
			x[0] += (uint64_t)wnaf(naf, x);
		break;
	}
	default:
		break;
	}
	sink = barrier(x[0] ^ x[1] ^ x[2] ^ x[3]); /* the result is used: nothing is optimised away */
	(void)sink;
	es_wipe(&sel, sizeof(sel));
}

const char *es_sm2p_arith(void)
{
	g_tab_ready();
#if defined(__SSE2__) && !defined(ES_SM2P_PORTABLE)
	if (sel_avx2 > 0)
		return fp_adx > 0 ? (sel_avx2 == 2 ? "mulx-adx, avx512 table scan" : "mulx-adx, avx2 table scan")
				  : (sel_avx2 == 2 ? "portable, avx512 table scan" : "portable, avx2 table scan");
#endif
	return fp_adx > 0 ? "mulx-adx" : "portable";
}

/* ---- the switch ----------------------------------------------------------------- */

bool es_sm2p_enabled(void)
{
#ifdef ES_NO_FAST_CRYPTO
	return false;
#else
	static atomic_int mode; /* 0 unknown, 1 ours, 2 OpenSSL */
	int m = atomic_load_explicit(&mode, memory_order_relaxed);

	if (m == 0) {
		const char *v = getenv("ESEAL_CRYPTO");
		m = v && strcmp(v, "openssl") == 0 ? 2 : 1;
		atomic_store_explicit(&mode, m, memory_order_relaxed);
	}
	return m == 1;
#endif
}
