/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * SM3 of many messages at once: one message per SIMD lane, 8 lanes with
 * AVX2, 16 with AVX-512F, chosen at run time (es_sm3m_lanes); the scalar
 * path (sm3_fast.c, one message after the other) is always built and is
 * what every other CPU runs.
 *
 * The lanes are independent: each carries its own message through its own
 * blocks, then the one or two padded final blocks, and takes the next
 * message when it is done, so messages of any mix of lengths keep every
 * lane busy until fewer messages than lanes remain. An idle lane hashes a
 * block of zeros whose result is thrown away.
 *
 * The rounds are the scalar ones written with GCC vector extensions
 * (uint32_t x L), in functions compiled for the instruction set they use
 * (target attribute): AVX2 rotates with two shifts and an or, AVX-512
 * with vprold.
 */
#include "es_int.h"
#include "crypto/crypto_int.h"
#include "crypto/sm3_fast.h"

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__) && !defined(ES_SM3M_PORTABLE)
#define SM3M_HAVE_X86 1
#define SM3M_MAX_LANES 16

static const uint32_t sm3m_iv[8] = { 0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600,
				     0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e };

/* T_j <<< (j mod 32) */
static const uint32_t sm3m_tj[64] = {
	0x79cc4519, 0xf3988a32, 0xe7311465, 0xce6228cb, 0x9cc45197, 0x3988a32f, 0x7311465e, 0xe6228cbc,
	0xcc451979, 0x988a32f3, 0x311465e7, 0x6228cbce, 0xc451979c, 0x88a32f39, 0x11465e73, 0x228cbce6,
	0x9d8a7a87, 0x3b14f50f, 0x7629ea1e, 0xec53d43c, 0xd8a7a879, 0xb14f50f3, 0x629ea1e7, 0xc53d43ce,
	0x8a7a879d, 0x14f50f3b, 0x29ea1e76, 0x53d43cec, 0xa7a879d8, 0x4f50f3b1, 0x9ea1e762, 0x3d43cec5,
	0x7a879d8a, 0xf50f3b14, 0xea1e7629, 0xd43cec53, 0xa879d8a7, 0x50f3b14f, 0xa1e7629e, 0x43cec53d,
	0x879d8a7a, 0x0f3b14f5, 0x1e7629ea, 0x3cec53d4, 0x79d8a7a8, 0xf3b14f50, 0xe7629ea1, 0xcec53d43,
	0x9d8a7a87, 0x3b14f50f, 0x7629ea1e, 0xec53d43c, 0xd8a7a879, 0xb14f50f3, 0x629ea1e7, 0xc53d43ce,
	0x8a7a879d, 0x14f50f3b, 0x29ea1e76, 0x53d43cec, 0xa7a879d8, 0x4f50f3b1, 0x9ea1e762, 0x3d43cec5,
};

/* ---- lanes: which block each lane hashes next ------------------------------ */

typedef struct sm3m_lane {
	bool busy;
	size_t msg;          /* index of the message in the lane */
	const uint8_t *p;    /* next whole block of the message */
	size_t full;         /* whole blocks of the message left */
	uint8_t tail[128];   /* the padded last one or two blocks */
	size_t ntail, itail; /* blocks in tail, blocks of tail done */
} sm3m_lane;

static void lane_start(sm3m_lane *l, size_t msg, const uint8_t *p, size_t len)
{
	size_t rest = len & 63;
	uint64_t bits = (uint64_t)len * 8;

	l->busy = true;
	l->msg = msg;
	l->p = p;
	l->full = len / 64;
	l->ntail = rest < 56 ? 1 : 2;
	l->itail = 0;
	memset(l->tail, 0, sizeof(l->tail));
	if (rest)
		memcpy(l->tail, p + (len - rest), rest);
	l->tail[rest] = 0x80;
	for (int i = 0; i < 8; i++)
		l->tail[64 * l->ntail - 1 - i] = (uint8_t)(bits >> (8 * i));
}

/* The lane's next block; advances the lane. */
static const uint8_t *lane_block(sm3m_lane *l)
{
	const uint8_t *b;
	if (l->full) {
		b = l->p;
		l->p += 64;
		l->full--;
		return b;
	}
	return l->tail + 64 * l->itail++;
}

static bool lane_done(const sm3m_lane *l)
{
	return l->full == 0 && l->itail == l->ntail;
}

static inline uint32_t sm3m_load32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/*
 * The driver, generic over the lane count: v[8][lanes] is the transposed
 * state, w[16][lanes] the transposed block words; @p compress hashes one
 * block in every lane.
 */
typedef void (*sm3m_compress_fn)(uint32_t *v, const uint32_t *w);

static void sm3m_drive(uint8_t (*out)[32], const uint8_t *const *msgs, const size_t *lens, size_t n,
		       int lanes, sm3m_compress_fn compress)
{
	static const uint8_t zero_block[64];
	sm3m_lane lane[SM3M_MAX_LANES];
	uint32_t v[8 * SM3M_MAX_LANES] __attribute__((aligned(64)));
	uint32_t w[16 * SM3M_MAX_LANES] __attribute__((aligned(64)));
	size_t next = 0, busy = 0;

	for (int l = 0; l < lanes; l++) {
		lane[l].busy = false;
		if (next < n) {
			lane_start(&lane[l], next, msgs[next], lens[next]);
			next++;
			busy++;
		}
		for (int i = 0; i < 8; i++)
			v[i * lanes + l] = sm3m_iv[i];
	}
	while (busy) {
		for (int l = 0; l < lanes; l++) {
			const uint8_t *b = lane[l].busy ? lane_block(&lane[l]) : zero_block;
			for (int i = 0; i < 16; i++)
				w[i * lanes + l] = sm3m_load32(b + 4 * i);
		}
		compress(v, w);
		for (int l = 0; l < lanes; l++) {
			if (!lane[l].busy || !lane_done(&lane[l]))
				continue;
			for (int i = 0; i < 8; i++) {
				uint32_t x = v[i * lanes + l];
				out[lane[l].msg][4 * i + 0] = (uint8_t)(x >> 24);
				out[lane[l].msg][4 * i + 1] = (uint8_t)(x >> 16);
				out[lane[l].msg][4 * i + 2] = (uint8_t)(x >> 8);
				out[lane[l].msg][4 * i + 3] = (uint8_t)x;
				v[i * lanes + l] = sm3m_iv[i];
			}
			lane[l].busy = false;
			busy--;
			if (next < n) {
				lane_start(&lane[l], next, msgs[next], lens[next]);
				next++;
				busy++;
			}
		}
	}
	es_wipe(lane, sizeof(lane));
	es_wipe(w, sizeof(w));
}

/* ---- the vector rounds ------------------------------------------------------ */

/*
 * One block in every lane. V is the vector type (uint32_t x lanes), ROL
 * its rotation by a constant. The message expansion is a 16-entry ring as
 * in sm3_fast.c.
 */
#define SM3M_BODY(V, ROL)                                                                        \
	V W[16], A, B, C, D, E, F, G, H;                                                         \
	memcpy(W, w, sizeof(W));                                                                 \
	memcpy(&A, v + 0 * LANES, sizeof(V));                                                    \
	memcpy(&B, v + 1 * LANES, sizeof(V));                                                    \
	memcpy(&C, v + 2 * LANES, sizeof(V));                                                    \
	memcpy(&D, v + 3 * LANES, sizeof(V));                                                    \
	memcpy(&E, v + 4 * LANES, sizeof(V));                                                    \
	memcpy(&F, v + 5 * LANES, sizeof(V));                                                    \
	memcpy(&G, v + 6 * LANES, sizeof(V));                                                    \
	memcpy(&H, v + 7 * LANES, sizeof(V));                                                    \
	{                                                                                        \
		V A0 = A, B0 = B, C0 = C, D0 = D, E0 = E, F0 = F, G0 = G, H0 = H;                \
		_Pragma("GCC unroll 64") for (int j = 0; j < 64; j++) {                         \
			V wj = W[j & 15], wj4, a12, ss1, ss2, tt1, tt2, ff, gg;                  \
			if (j < 12) {                                                            \
				wj4 = W[(j + 4) & 15];                                           \
			} else {                                                                 \
				V x = W[(j + 4) & 15] ^ W[(j + 11) & 15] ^ ROL(W[(j + 1) & 15], 15); \
				x = x ^ ROL(x, 15) ^ ROL(x, 23);                                 \
				wj4 = W[(j + 4) & 15] = x ^ ROL(W[(j + 7) & 15], 7) ^ W[(j + 14) & 15]; \
			}                                                                        \
			a12 = ROL(A, 12);                                                        \
			ss1 = ROL(a12 + E + sm3m_tj[j], 7);                                      \
			ss2 = ss1 ^ a12;                                                         \
			if (j < 16) {                                                            \
				ff = A ^ B ^ C;                                                  \
				gg = E ^ F ^ G;                                                  \
			} else {                                                                 \
				ff = (A & B) | ((A | B) & C);                                    \
				gg = ((F ^ G) & E) ^ G;                                          \
			}                                                                        \
			tt1 = ff + D + ss2 + (wj ^ wj4);                                         \
			tt2 = gg + H + ss1 + wj;                                                 \
			D = C;                                                                   \
			C = ROL(B, 9);                                                           \
			B = A;                                                                   \
			A = tt1;                                                                 \
			H = G;                                                                   \
			G = ROL(F, 19);                                                          \
			F = E;                                                                   \
			E = tt2 ^ ROL(tt2, 9) ^ ROL(tt2, 17);                                    \
		}                                                                                \
		A ^= A0;                                                                         \
		B ^= B0;                                                                         \
		C ^= C0;                                                                         \
		D ^= D0;                                                                         \
		E ^= E0;                                                                         \
		F ^= F0;                                                                         \
		G ^= G0;                                                                         \
		H ^= H0;                                                                         \
	}                                                                                        \
	memcpy(v + 0 * LANES, &A, sizeof(V));                                                    \
	memcpy(v + 1 * LANES, &B, sizeof(V));                                                    \
	memcpy(v + 2 * LANES, &C, sizeof(V));                                                    \
	memcpy(v + 3 * LANES, &D, sizeof(V));                                                    \
	memcpy(v + 4 * LANES, &E, sizeof(V));                                                    \
	memcpy(v + 5 * LANES, &F, sizeof(V));                                                    \
	memcpy(v + 6 * LANES, &G, sizeof(V));                                                    \
	memcpy(v + 7 * LANES, &H, sizeof(V))

/*
 * The word j of W[] (j >= 16) replaces W[j - 16]; in round j the ring
 * slot (j + 4) & 15 receives W[j + 4] = P1(W[j-12] ^ W[j-5] ^ (W[j+1] <<<
 * 15)) ^ (W[j-9] <<< 7) ^ W[j-2], the indices of the code above mod 16.
 */

__extension__ typedef uint32_t sm3m_v8 __attribute__((vector_size(32)));
__extension__ typedef uint32_t sm3m_v16 __attribute__((vector_size(64)));

#define ROL8(x, n) (((x) << (n)) | ((x) >> (32 - (n))))
#define LANES 8
__attribute__((target("avx2"))) static void sm3m_compress_avx2(uint32_t *v, const uint32_t *w)
{
	SM3M_BODY(sm3m_v8, ROL8);
}
#undef LANES

#define ROL16(x, n) (((x) << (n)) | ((x) >> (32 - (n))))
#define LANES 16
__attribute__((target("avx512f"))) static void sm3m_compress_avx512(uint32_t *v, const uint32_t *w)
{
	SM3M_BODY(sm3m_v16, ROL16);
}
#undef LANES
#endif

/* ---- choice ------------------------------------------------------------------ */

static int sm3m_forced; /* tests: 0 the CPU's best, else 1, 8 or 16 */

int es_sm3m_lanes_available(int lanes)
{
	if (lanes == 1)
		return 1;
#ifdef SM3M_HAVE_X86
	__builtin_cpu_init();
	if (lanes == 8)
		return __builtin_cpu_supports("avx2") ? 1 : 0;
	if (lanes == 16)
		return __builtin_cpu_supports("avx512f") ? 1 : 0;
#endif
	return 0;
}

int es_sm3m_lanes(void)
{
	if (sm3m_forced)
		return sm3m_forced;
	if (es_sm3m_lanes_available(16))
		return 16;
	if (es_sm3m_lanes_available(8))
		return 8;
	return 1;
}

int es_sm3m_force_lanes(int lanes)
{
	if (lanes != 0 && !es_sm3m_lanes_available(lanes))
		return -1;
	sm3m_forced = lanes;
	return 0;
}

void es_sm3m_hash(uint8_t (*out)[32], const uint8_t *const *msgs, const size_t *lens, size_t n)
{
#ifdef SM3M_HAVE_X86
	int lanes = es_sm3m_lanes();

	/* few messages: one after the other is faster than mostly idle lanes */
	if (lanes == 16 && n > 4) {
		sm3m_drive(out, msgs, lens, n, 16, sm3m_compress_avx512);
		return;
	}
	if (lanes >= 8 && n > 2) {
		sm3m_drive(out, msgs, lens, n, 8, sm3m_compress_avx2);
		return;
	}
#endif
	for (size_t i = 0; i < n; i++) {
		es_sm3_state st;
		es_sm3s_init(&st);
		if (lens[i])
			es_sm3s_update(&st, msgs[i], lens[i]);
		es_sm3s_final(&st, out[i]);
	}
}

int es_sm3_many(uint8_t (*out)[ES_SM3_DIGEST_LEN], const uint8_t *const *msgs, const size_t *lens,
		size_t n)
{
	ES_ASSERT_ARG(n == 0 || (out && msgs && lens));
	for (size_t i = 0; i < n; i++)
		ES_ASSERT_ARG(msgs[i] || lens[i] == 0);
	if (es_sm2p_enabled()) {
		/* a NULL pointer with length 0 never reaches a load */
		es_sm3m_hash(out, msgs, lens, n);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		int err = es_sm3(out[i], msgs[i], lens[i]);
		if (err < 0)
			return err;
	}
	return 0;
}
