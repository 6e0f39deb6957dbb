/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * SM3 (GB/T 32905-2016) in portable C: the 64 rounds unrolled, the message
 * expansion computed on the fly in a 16-word ring, the rotated round
 * constants precomputed.
 */
#include "es_int.h"
#include "crypto/sm3_fast.h"

#include "crypto/sm3_rounds.h"

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

void es_sm3s_blocks(uint32_t v[8], const uint8_t *p, size_t nblocks)
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
