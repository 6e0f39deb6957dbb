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
#include "crypto/sm3_rounds.h"

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
			v[i * lanes + l] = SM3_IV[i];
	}
	while (busy) {
		for (int l = 0; l < lanes; l++) {
			const uint8_t *b = lane[l].busy ? lane_block(&lane[l]) : zero_block;
			for (int i = 0; i < 16; i++)
				w[i * lanes + l] = sm3_load32(b + 4 * i);
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
				v[i * lanes + l] = SM3_IV[i];
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
 * One block in every lane. V is the vector type (uint32_t x lanes); the
 * macros of sm3_rounds.h work on it as on uint32_t. The message expansion
 * is a 16-entry ring as in sm3_fast.c.
 */
#define SM3M_BODY(V)                                                                        \
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
				V x = W[(j + 4) & 15] ^ W[(j + 11) & 15] ^ SM3_ROTL(W[(j + 1) & 15], 15); \
				wj4 = W[(j + 4) & 15] = SM3_P1(x) ^ SM3_ROTL(W[(j + 7) & 15], 7) ^ W[(j + 14) & 15]; \
			}                                                                        \
			a12 = SM3_ROTL(A, 12);                                                   \
			ss1 = SM3_ROTL(a12 + E + SM3_TJ[j], 7);                                  \
			ss2 = ss1 ^ a12;                                                         \
			if (j < 16) {                                                            \
				ff = SM3_FF0(A, B, C);                                           \
				gg = SM3_GG0(E, F, G);                                           \
			} else {                                                                 \
				ff = SM3_FF1_OR(A, B, C);                                        \
				gg = SM3_GG1_OR(E, F, G);                                        \
			}                                                                        \
			tt1 = ff + D + ss2 + (wj ^ wj4);                                         \
			tt2 = gg + H + ss1 + wj;                                                 \
			D = C;                                                                   \
			C = SM3_ROTL(B, 9);                                                      \
			B = A;                                                                   \
			A = tt1;                                                                 \
			H = G;                                                                   \
			G = SM3_ROTL(F, 19);                                                     \
			F = E;                                                                   \
			E = SM3_P0(tt2);                                                         \
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

#define LANES 8
__attribute__((target("avx2"))) static void sm3m_compress_avx2(uint32_t *v, const uint32_t *w)
{
	SM3M_BODY(sm3m_v8);
}
#undef LANES

#define LANES 16
__attribute__((target("avx512f"))) static void sm3m_compress_avx512(uint32_t *v, const uint32_t *w)
{
	SM3M_BODY(sm3m_v16);
}
#undef LANES
#endif

/* ---- choice ------------------------------------------------------------------ */

static int sm3m_forced; /* tests: 0 the CPU's best, else 1, 8 or 16 */

unsigned es_sm3_cpu(void)
{
	unsigned cpu = 0;

#ifdef SM3M_HAVE_X86
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx2"))
		cpu |= ES_SM3_CPU_AVX2;
	if (__builtin_cpu_supports("avx512f"))
		cpu |= ES_SM3_CPU_AVX512F;
	if (__builtin_cpu_supports("avx512vl"))
		cpu |= ES_SM3_CPU_AVX512VL;
	if (__builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2"))
		cpu |= ES_SM3_CPU_BMI;
#endif
	return cpu;
}

int es_sm3m_lanes_available(int lanes)
{
	if (lanes == 1)
		return 1;
	if (lanes == 8)
		return (es_sm3_cpu() & ES_SM3_CPU_AVX2) ? 1 : 0;
	if (lanes == 16)
		return (es_sm3_cpu() & ES_SM3_CPU_AVX512F) ? 1 : 0;
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
