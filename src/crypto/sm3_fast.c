/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * SM3 (GB/T 32905-2016), one stream: the 64 rounds unrolled, the rotated
 * round constants precomputed. The portable C computes the message
 * expansion on the fly in a 16-word ring; on x86-64 with AVX-512VL the
 * expansion is done four words at a time in vectors beside the scalar
 * rounds (chosen at run time, es_sm3s_impl).
 */
#include "es_int.h"
#include "eseal/es_crypto.h"
#include "crypto/sm3_fast.h"

#include "crypto/sm3_rounds.h"

#include <pthread.h>

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define SM3S_HAVE_X86 1
#include <immintrin.h>
#endif

static inline void store32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* W[j+16] from the ring (indices mod 16) */
#define EXPAND(j)                                                                               \
	(W[(j) & 15] = SM3_P1(W[(j) & 15] ^ W[((j) + 7) & 15] ^ SM3_ROTL(W[((j) + 13) & 15], 15)) ^       \
		       SM3_ROTL(W[((j) + 3) & 15], 7) ^ W[((j) + 10) & 15])

/*
 * One round j with words Wj = W[j], Wj4 = W[j+4]; the eight registers
 * rotate by renaming instead of moving.
 */
#define ROUND(j, A, B, C, D, E, F, G, H, FF, GG, Wj, Wj4)                                    \
	do {                                                                                   \
		uint32_t a12 = SM3_ROTL(A, 12), ss1 = SM3_ROTL(a12 + E + SM3_TJ[j], 7), ss2 = ss1 ^ a12;  \
		uint32_t tt1 = FF(A, B, C) + D + ss2 + ((Wj) ^ (Wj4));                        \
		uint32_t tt2 = GG(E, F, G) + H + ss1 + (Wj);                                   \
		B = SM3_ROTL(B, 9);                                                                \
		F = SM3_ROTL(F, 19);                                                               \
		D = tt1;                                                                       \
		H = SM3_P0(tt2);                                                                   \
	} while (0)

/* 4 rounds j..j+3; W[j..j+3] are in the ring, W[j+4..j+7] are made here when needed */
#define R4(j, FF, GG, EXP)                                                                    \
	do {                                                                                   \
		EXP(j + 4);                                                                    \
		ROUND(j + 0, A, B, C, D, E, F, G, H, FF, GG, W[(j + 0) & 15], W[(j + 4) & 15]); \
		EXP(j + 5);                                                                    \
		ROUND(j + 1, D, A, B, C, H, E, F, G, FF, GG, W[(j + 1) & 15], W[(j + 5) & 15]); \
		EXP(j + 6);                                                                    \
		ROUND(j + 2, C, D, A, B, G, H, E, F, FF, GG, W[(j + 2) & 15], W[(j + 6) & 15]); \
		EXP(j + 7);                                                                    \
		ROUND(j + 3, B, C, D, A, F, G, H, E, FF, GG, W[(j + 3) & 15], W[(j + 7) & 15]); \
	} while (0)

/* W[k] for k >= 16 replaces W[k - 16] in the ring */
#define EXP_LOAD(k) ((void)0)
#define EXP_RING(k) ((k) >= 16 ? (void)EXPAND((k) - 16) : (void)0)

static void sm3s_blocks_portable(uint32_t v[8], const uint8_t *p, size_t nblocks)
{
	while (nblocks--) {
		uint32_t W[16], A = v[0], B = v[1], C = v[2], D = v[3], E = v[4], F = v[5], G = v[6],
				H = v[7];
		for (int i = 0; i < 16; i++)
			W[i] = sm3_load32(p + 4 * i);
		/*
		 * After a round the registers are renamed: the new A is the
		 * old D slot (tt1), the new E the old H slot (SM3_P0(tt2)).
		 */
		R4(0, SM3_FF0, SM3_GG0, EXP_RING);
		R4(4, SM3_FF0, SM3_GG0, EXP_RING);
		R4(8, SM3_FF0, SM3_GG0, EXP_RING);
		R4(12, SM3_FF0, SM3_GG0, EXP_RING);
		R4(16, SM3_FF1, SM3_GG1, EXP_RING);
		R4(20, SM3_FF1, SM3_GG1, EXP_RING);
		R4(24, SM3_FF1, SM3_GG1, EXP_RING);
		R4(28, SM3_FF1, SM3_GG1, EXP_RING);
		R4(32, SM3_FF1, SM3_GG1, EXP_RING);
		R4(36, SM3_FF1, SM3_GG1, EXP_RING);
		R4(40, SM3_FF1, SM3_GG1, EXP_RING);
		R4(44, SM3_FF1, SM3_GG1, EXP_RING);
		R4(48, SM3_FF1, SM3_GG1, EXP_RING);
		R4(52, SM3_FF1, SM3_GG1, EXP_RING);
		R4(56, SM3_FF1, SM3_GG1, EXP_RING);
		R4(60, SM3_FF1, SM3_GG1, EXP_RING);
		v[0] ^= A;
		v[1] ^= B;
		v[2] ^= C;
		v[3] ^= D;
		v[4] ^= E;
		v[5] ^= F;
		v[6] ^= G;
		v[7] ^= H;
		p += 64;
	}
}

/* ---- the message expansion in vectors (x86-64 with AVX-512VL) --------------- */

#ifdef SM3S_HAVE_X86
/*
 * The same rounds with the message expansion moved to 128-bit vectors, so
 * that the four scalar ALUs only run the round function (about 25
 * operations a round, against some 35 with the expansion; the E chain, 6
 * cycles a round in rounds 0..15 and 7 after, is then what limits). Each
 * group of four rounds j..j+3 first computes W[j+16..j+19] from the vectors
 * X0..X3 = W[j..j+15] and stores it, with W'[j+12..j+15] = W[j+12..j+15] ^
 * W[j+16..j+19], to two small arrays that the rounds add from memory.
 *
 * W[k] = P1(W[k-16] ^ W[k-9] ^ (W[k-3] <<< 15)) ^ (W[k-13] <<< 7) ^ W[k-6]
 * for the four lanes k = j+16..j+19 at once, with W[k-3] of the last lane
 * (W[j+16], made in the same step) taken as 0; P1 is linear for ^, so that
 * lane is then corrected by P1(W[j+16] <<< 15), W[j+16] moved to it.
 * AVX-512VL rotates with vprold and does three-way xors with vpternlogd;
 * the same code with AVX2 (a rotation is two shifts and an or) was 2 %
 * slower than the portable C on this machine, so other CPUs run that.
 */
#define SM3S_ROT(x, n) _mm_rol_epi32(x, n)
#define SM3S_XOR3(a, b, c) _mm_ternarylogic_epi32(a, b, c, 0x96)
#define SM3S_EXPAND(XN, X0, X1, X2, X3)                                                             \
	do {                                                                                        \
		__m128i w9 = _mm_alignr_epi8(X2, X1, 12), w3 = _mm_srli_si128(X3, 4);               \
		__m128i w13 = _mm_alignr_epi8(X1, X0, 12), w6 = _mm_alignr_epi8(X3, X2, 8);         \
		__m128i t = SM3S_XOR3(X0, w9, SM3S_ROT(w3, 15)), r, f;                              \
		r = SM3S_XOR3(t, SM3S_ROT(t, 15), SM3S_ROT(t, 23));                                 \
		r = SM3S_XOR3(r, SM3S_ROT(w13, 7), w6);                                             \
		f = _mm_slli_si128(r, 12);                                                          \
		/* P1(f <<< 15) = (f <<< 15) ^ (f <<< 30) ^ (f <<< 6) */                          \
		XN = _mm_xor_si128(r, SM3S_XOR3(SM3S_ROT(f, 15), SM3S_ROT(f, 30), SM3S_ROT(f, 6))); \
	} while (0)

/*
 * The compiler must neither fold the sums below into other orders (a
 * three-part lea a12 + E + T_j costs E two cycles, where a12 + T_j is ready
 * before E; (F ^ E) ^ G a cycle more than E ^ (F ^ G)) nor take W[j] out
 * of the vector registers (vpextrd) instead of adding it from memory: an
 * empty asm makes a value, or an array, opaque to it.
 */
static inline uint32_t sm3s_opaque(uint32_t x)
{
	__asm__("" : "+r"(x));
	return x;
}
#define SM3S_OPAQUE_MEM(m) __asm__("" : "+m"(m))
/* rounds 0..15: F ^ G (B ^ C) before E (A) arrives */
#define SM3S_FF0(x, y, z) ((x) ^ sm3s_opaque((y) ^ (z)))
#define SM3S_GG0(x, y, z) ((x) ^ sm3s_opaque((y) ^ (z)))

/*
 * One round, W[j] and W'[j] from w[] and wp[]: the sums off the E chain
 * (a12 + T_j, H + W[j], D + W'[j]) first, then GG + (H + W[j]), and SS1
 * last (in rounds 0..15 GG is ready a cycle before SS1).
 */
#define SM3S_XROUND(j, A, B, C, D, E, F, G, H, FF, GG)                                            \
	do {                                                                                      \
		uint32_t a12 = SM3_ROTL(A, 12), a12t = sm3s_opaque(a12 + SM3_TJ[j]);              \
		uint32_t hw = sm3s_opaque(H + w[j]), dw = sm3s_opaque(D + wp[j]);                 \
		uint32_t ss1 = SM3_ROTL(a12t + E, 7), ss2 = ss1 ^ a12;                            \
		uint32_t tt1 = sm3s_opaque(FF(A, B, C) + dw) + ss2;                               \
		uint32_t tt2 = sm3s_opaque(GG(E, F, G) + hw) + ss1;                               \
		B = SM3_ROTL(B, 9);                                                               \
		F = SM3_ROTL(F, 19);                                                              \
		D = tt1;                                                                          \
		H = SM3_P0(tt2);                                                                  \
	} while (0)

/*
 * Rounds j..j+3; with @p EXP first W[j+16..j+19] and W'[j+12..j+15], and
 * the vectors move on by four words.
 */
#define SM3S_X4(j, FF, GG, EXP)                                                                   \
	do {                                                                                      \
		if (EXP) {                                                                        \
			__m128i xn;                                                               \
			SM3S_EXPAND(xn, X0, X1, X2, X3);                                          \
			_mm_store_si128((__m128i *)(w + (j) + 16), xn);                           \
			_mm_store_si128((__m128i *)(wp + (j) + 12), _mm_xor_si128(X3, xn));       \
			SM3S_OPAQUE_MEM(w);                                                       \
			SM3S_OPAQUE_MEM(wp);                                                      \
			X0 = X1;                                                                  \
			X1 = X2;                                                                  \
			X2 = X3;                                                                  \
			X3 = xn;                                                                  \
		}                                                                                 \
		SM3S_XROUND(j + 0, A, B, C, D, E, F, G, H, FF, GG);                               \
		SM3S_XROUND(j + 1, D, A, B, C, H, E, F, G, FF, GG);                               \
		SM3S_XROUND(j + 2, C, D, A, B, G, H, E, F, FF, GG);                               \
		SM3S_XROUND(j + 3, B, C, D, A, F, G, H, E, FF, GG);                               \
	} while (0)

__attribute__((target("avx512vl,avx512f,bmi,bmi2"))) static void
sm3s_blocks_avx512(uint32_t v[8], const uint8_t *p, size_t nblocks)
{
	const __m128i bswap = _mm_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);
	/* W[0..67] and W'[0..63] */
	uint32_t w[68] __attribute__((aligned(16))), wp[64] __attribute__((aligned(16)));
	/* the chaining value in locals: no store and reload between two blocks */
	uint32_t v0 = v[0], v1 = v[1], v2 = v[2], v3 = v[3], v4 = v[4], v5 = v[5], v6 = v[6], v7 = v[7];

	while (nblocks--) {
		uint32_t A = v0, B = v1, C = v2, D = v3, E = v4, F = v5, G = v6, H = v7;
		__m128i X0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)p), bswap);
		__m128i X1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16)), bswap);
		__m128i X2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 32)), bswap);
		__m128i X3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 48)), bswap);

		_mm_store_si128((__m128i *)(w + 0), X0);
		_mm_store_si128((__m128i *)(w + 4), X1);
		_mm_store_si128((__m128i *)(w + 8), X2);
		_mm_store_si128((__m128i *)(w + 12), X3);
		_mm_store_si128((__m128i *)(wp + 0), _mm_xor_si128(X0, X1));
		_mm_store_si128((__m128i *)(wp + 4), _mm_xor_si128(X1, X2));
		_mm_store_si128((__m128i *)(wp + 8), _mm_xor_si128(X2, X3));
		SM3S_OPAQUE_MEM(w);
		SM3S_OPAQUE_MEM(wp);
		SM3S_X4(0, SM3S_FF0, SM3S_GG0, 1);
		SM3S_X4(4, SM3S_FF0, SM3S_GG0, 1);
		SM3S_X4(8, SM3S_FF0, SM3S_GG0, 1);
		SM3S_X4(12, SM3S_FF0, SM3S_GG0, 1);
		SM3S_X4(16, SM3_FF1, SM3_GG1, 1);
		SM3S_X4(20, SM3_FF1, SM3_GG1, 1);
		SM3S_X4(24, SM3_FF1, SM3_GG1, 1);
		SM3S_X4(28, SM3_FF1, SM3_GG1, 1);
		SM3S_X4(32, SM3_FF1, SM3_GG1, 1);
		SM3S_X4(36, SM3_FF1, SM3_GG1, 1);
		SM3S_X4(40, SM3_FF1, SM3_GG1, 1);
		SM3S_X4(44, SM3_FF1, SM3_GG1, 1);
		SM3S_X4(48, SM3_FF1, SM3_GG1, 1); /* W[64..67], the last */
		SM3S_X4(52, SM3_FF1, SM3_GG1, 0);
		SM3S_X4(56, SM3_FF1, SM3_GG1, 0);
		SM3S_X4(60, SM3_FF1, SM3_GG1, 0);
		v0 ^= A;
		v1 ^= B;
		v2 ^= C;
		v3 ^= D;
		v4 ^= E;
		v5 ^= F;
		v6 ^= G;
		v7 ^= H;
		p += 64;
	}
	v[0] = v0;
	v[1] = v1;
	v[2] = v2;
	v[3] = v3;
	v[4] = v4;
	v[5] = v5;
	v[6] = v6;
	v[7] = v7;
}
#endif

/* ---- choice ------------------------------------------------------------------ */

static int sm3s_forced; /* tests: 0 the CPU's best, else an ES_SM3S_* */
static int sm3s_best;
static pthread_once_t sm3s_best_once = PTHREAD_ONCE_INIT;

int es_sm3s_impl_available(int impl)
{
	unsigned cpu = es_sm3_cpu();

	if (impl == ES_SM3S_PORTABLE)
		return 1;
#ifdef SM3S_HAVE_X86
	if (impl == ES_SM3S_AVX512)
		return (cpu & ES_SM3_CPU_AVX512VL) && (cpu & ES_SM3_CPU_BMI);
#endif
	(void)cpu;
	return 0;
}

static void sm3s_choose(void)
{
	sm3s_best = es_sm3s_impl_available(ES_SM3S_AVX512) ? ES_SM3S_AVX512 : ES_SM3S_PORTABLE;
}

int es_sm3s_impl(void)
{
	if (sm3s_forced)
		return sm3s_forced;
	pthread_once(&sm3s_best_once, sm3s_choose);
	return sm3s_best;
}

int es_sm3s_force_impl(int impl)
{
	if (impl != 0 && !es_sm3s_impl_available(impl))
		return -1;
	sm3s_forced = impl;
	return 0;
}

void es_sm3s_blocks(uint32_t v[8], const uint8_t *p, size_t nblocks)
{
	switch (es_sm3s_impl()) {
#ifdef SM3S_HAVE_X86
	case ES_SM3S_AVX512:
		sm3s_blocks_avx512(v, p, nblocks);
		return;
#endif
	default:
		sm3s_blocks_portable(v, p, nblocks);
	}
}

void es_sm3s_init(es_sm3_state *s)
{
	memcpy(s->v, SM3_IV, sizeof(SM3_IV));
	s->n = 0;
	s->total = 0;
}

void es_sm3s_update(es_sm3_state *s, const void *data, size_t len)
{
	const uint8_t *p = data;

	s->total += len;
	if (s->n) {
		size_t take = 64 - s->n < len ? 64 - s->n : len;
		memcpy(s->buf + s->n, p, take);
		s->n += take;
		p += take;
		len -= take;
		if (s->n < 64)
			return;
		es_sm3s_blocks(s->v, s->buf, 1);
		s->n = 0;
	}
	if (len >= 64) {
		es_sm3s_blocks(s->v, p, len / 64);
		p += len & ~(size_t)63;
		len &= 63;
	}
	if (len) {
		memcpy(s->buf, p, len);
		s->n = len;
	}
}

void es_sm3s_final(es_sm3_state *s, uint8_t out[32])
{
	uint64_t bits = s->total * 8;

	s->buf[s->n++] = 0x80;
	if (s->n > 56) {
		memset(s->buf + s->n, 0, 64 - s->n);
		es_sm3s_blocks(s->v, s->buf, 1);
		s->n = 0;
	}
	memset(s->buf + s->n, 0, 56 - s->n);
	store32(s->buf + 56, (uint32_t)(bits >> 32));
	store32(s->buf + 60, (uint32_t)bits);
	es_sm3s_blocks(s->v, s->buf, 1);
	for (int i = 0; i < 8; i++)
		store32(out + 4 * i, s->v[i]);
}

/* ---- SM3(head || M) with the midstate of a prefix seen before ------------- */

/*
 * Verifying many signatures over messages that share a long prefix (every
 * SES signature of one seal signs a TBS that starts with the whole seal,
 * picture included; the seal's own signature signs the same bytes each
 * time) hashes that prefix again and again. Each thread keeps, per head
 * (the signer's Z), the last message and the SM3 state after head || P,
 * where P is the part of that message, in whole blocks, that the message
 * before it shared. A message that starts with P (compared byte for byte,
 * so the digest is exactly SM3 of its bytes) continues from that state.
 * The copies are public data (verification only) and are wiped when freed.
 */
#define PFX_SLOTS 4
#define PFX_MIN 1024	    /* shorter messages, and shorter shared prefixes: no cache */
#define PFX_MAX (256u << 10) /* longer messages are hashed without a copy (at most 1 MiB a thread) */

typedef struct pfx_slot {
	uint8_t head[32];
	uint8_t *buf; /* the last message with this head */
	size_t len, cap;
	size_t plen; /* buf[0..plen) is the prefix hashed into mid (0: none) */
	es_sm3_state mid;
	uint64_t used;
} pfx_slot;

typedef struct pfx_cache {
	pfx_slot s[PFX_SLOTS];
	uint64_t tick;
} pfx_cache;

static pthread_key_t pfx_key;
static pthread_once_t pfx_once = PTHREAD_ONCE_INIT;
static int pfx_key_ok;
/* the thread's cache, also here so that leak checkers see it reachable until the thread ends */
static _Thread_local pfx_cache *pfx_tls;

static void pfx_free(void *p)
{
	pfx_cache *c = p;

	if (!c)
		return;
	for (int i = 0; i < PFX_SLOTS; i++) {
		if (c->s[i].buf)
			es_wipe(c->s[i].buf, c->s[i].cap);
		es_free(c->s[i].buf);
	}
	es_wipe(c, sizeof(*c));
	es_free(c);
}

static void pfx_init(void)
{
	pfx_key_ok = pthread_key_create(&pfx_key, pfx_free) == 0;
}

static pfx_cache *pfx_get(void)
{
	pthread_once(&pfx_once, pfx_init);
	if (pfx_tls || !pfx_key_ok)
		return pfx_tls;
	pfx_tls = es_calloc(1, sizeof(*pfx_tls));
	if (pfx_tls && pthread_setspecific(pfx_key, pfx_tls) != 0) {
		es_free(pfx_tls);
		pfx_tls = NULL;
	}
	return pfx_tls;
}

/* Length of the common prefix of a and b (n bytes each at most). */
static size_t common_prefix(const uint8_t *a, const uint8_t *b, size_t n)
{
	size_t i = 0;

	while (i + 4096 <= n && memcmp(a + i, b + i, 4096) == 0)
		i += 4096;
	while (i + 64 <= n && memcmp(a + i, b + i, 64) == 0)
		i += 64;
	while (i < n && a[i] == b[i])
		i++;
	return i;
}

void es_sm3s_hash_head(uint8_t out[32], const uint8_t head[32], const void *msg, size_t len)
{
	es_sm3_state st;

	es_sm3s_init(&st);
	es_sm3s_update(&st, head, 32);
	if (len)
		es_sm3s_update(&st, msg, len);
	es_sm3s_final(&st, out);
}

void es_sm3s_hash_prefixed(uint8_t out[32], const uint8_t head[32], const void *data, size_t len)
{
	const uint8_t *msg = data;
	pfx_cache *c;
	pfx_slot *s = NULL;
	es_sm3_state st;
	size_t cp, plen;

	if (len < PFX_MIN || len > PFX_MAX || !(c = pfx_get())) {
		es_sm3s_hash_head(out, head, msg, len);
		return;
	}
	for (int i = 0; i < PFX_SLOTS; i++)
		if (c->s[i].used && memcmp(c->s[i].head, head, 32) == 0)
			s = &c->s[i];
	if (!s) { /* the least recently used slot */
		s = &c->s[0];
		for (int i = 1; i < PFX_SLOTS; i++)
			if (c->s[i].used < s->used)
				s = &c->s[i];
		memcpy(s->head, head, 32);
		s->len = s->plen = 0;
	}
	s->used = ++c->tick;
	if (s->plen && len >= s->plen && memcmp(s->buf, msg, s->plen) == 0) {
		st = s->mid;
		es_sm3s_update(&st, msg + s->plen, len - s->plen);
		es_sm3s_final(&st, out);
		return;
	}
	/* the part shared with the last message, in whole blocks after the head */
	cp = s->len ? common_prefix(s->buf, msg, s->len < len ? s->len : len) : 0;
	plen = cp >= PFX_MIN ? (32 + cp) / 64 * 64 - 32 : 0;
	es_sm3s_init(&st);
	es_sm3s_update(&st, head, 32);
	if (plen) {
		es_sm3s_update(&st, msg, plen);
		s->mid = st;
	}
	es_sm3s_update(&st, msg + plen, len - plen);
	es_sm3s_final(&st, out);
	if (s->cap < len) {
		uint8_t *nb = es_malloc(len);
		if (!nb) {
			s->len = s->plen = 0;
			return;
		}
		if (s->buf)
			es_wipe(s->buf, s->cap);
		es_free(s->buf);
		s->buf = nb;
		s->cap = len;
	}
	memcpy(s->buf, msg, len);
	s->len = len;
	s->plen = plen;
}
