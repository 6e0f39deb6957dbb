/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * SM3 (GB/T 32905-2016) in portable C: the 64 rounds unrolled, the message
 * expansion computed on the fly in a 16-word ring, the rotated round
 * constants precomputed.
 */
#include "es_int.h"
#include "crypto/sm3_fast.h"

#define ROTL(x, n) (((x) << ((n) & 31)) | ((x) >> ((32 - ((n) & 31)) & 31)))
#define P0(x) ((x) ^ ROTL((x), 9) ^ ROTL((x), 17))
#define P1(x) ((x) ^ ROTL((x), 15) ^ ROTL((x), 23))
#define FF0(x, y, z) ((x) ^ (y) ^ (z))
/* the two terms have no bit in common: + is |, and lets the compiler use lea */
#define FF1(x, y, z) ((((x) ^ (y)) & (z)) + ((x) & (y)))
#define GG0(x, y, z) ((x) ^ (y) ^ (z))
#define GG1(x, y, z) (((x) & (y)) + (~(x) & (z)))

/* T_j <<< (j mod 32) */
static const uint32_t TJ[64] = {
	0x79cc4519, 0xf3988a32, 0xe7311465, 0xce6228cb, 0x9cc45197, 0x3988a32f, 0x7311465e, 0xe6228cbc,
	0xcc451979, 0x988a32f3, 0x311465e7, 0x6228cbce, 0xc451979c, 0x88a32f39, 0x11465e73, 0x228cbce6,
	0x9d8a7a87, 0x3b14f50f, 0x7629ea1e, 0xec53d43c, 0xd8a7a879, 0xb14f50f3, 0x629ea1e7, 0xc53d43ce,
	0x8a7a879d, 0x14f50f3b, 0x29ea1e76, 0x53d43cec, 0xa7a879d8, 0x4f50f3b1, 0x9ea1e762, 0x3d43cec5,
	0x7a879d8a, 0xf50f3b14, 0xea1e7629, 0xd43cec53, 0xa879d8a7, 0x50f3b14f, 0xa1e7629e, 0x43cec53d,
	0x879d8a7a, 0x0f3b14f5, 0x1e7629ea, 0x3cec53d4, 0x79d8a7a8, 0xf3b14f50, 0xe7629ea1, 0xcec53d43,
	0x9d8a7a87, 0x3b14f50f, 0x7629ea1e, 0xec53d43c, 0xd8a7a879, 0xb14f50f3, 0x629ea1e7, 0xc53d43ce,
	0x8a7a879d, 0x14f50f3b, 0x29ea1e76, 0x53d43cec, 0xa7a879d8, 0x4f50f3b1, 0x9ea1e762, 0x3d43cec5,
};

static inline uint32_t load32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline void store32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* W[j+16] from the ring (indices mod 16) */
#define EXPAND(j)                                                                               \
	(W[(j) & 15] = P1(W[(j) & 15] ^ W[((j) + 7) & 15] ^ ROTL(W[((j) + 13) & 15], 15)) ^       \
		       ROTL(W[((j) + 3) & 15], 7) ^ W[((j) + 10) & 15])

/*
 * One round j with words Wj = W[j], Wj4 = W[j+4]; the eight registers
 * rotate by renaming instead of moving.
 */
#define ROUND(j, A, B, C, D, E, F, G, H, FF, GG, Wj, Wj4)                                    \
	do {                                                                                   \
		uint32_t a12 = ROTL(A, 12), ss1 = ROTL(a12 + E + TJ[j], 7), ss2 = ss1 ^ a12;  \
		uint32_t tt1 = FF(A, B, C) + D + ss2 + ((Wj) ^ (Wj4));                        \
		uint32_t tt2 = GG(E, F, G) + H + ss1 + (Wj);                                   \
		B = ROTL(B, 9);                                                                \
		F = ROTL(F, 19);                                                               \
		D = tt1;                                                                       \
		H = P0(tt2);                                                                   \
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
			W[i] = load32(p + 4 * i);
		/*
		 * After a round the registers are renamed: the new A is the
		 * old D slot (tt1), the new E the old H slot (P0(tt2)).
		 */
		R4(0, FF0, GG0, EXP_RING);
		R4(4, FF0, GG0, EXP_RING);
		R4(8, FF0, GG0, EXP_RING);
		R4(12, FF0, GG0, EXP_RING);
		R4(16, FF1, GG1, EXP_RING);
		R4(20, FF1, GG1, EXP_RING);
		R4(24, FF1, GG1, EXP_RING);
		R4(28, FF1, GG1, EXP_RING);
		R4(32, FF1, GG1, EXP_RING);
		R4(36, FF1, GG1, EXP_RING);
		R4(40, FF1, GG1, EXP_RING);
		R4(44, FF1, GG1, EXP_RING);
		R4(48, FF1, GG1, EXP_RING);
		R4(52, FF1, GG1, EXP_RING);
		R4(56, FF1, GG1, EXP_RING);
		R4(60, FF1, GG1, EXP_RING);
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
	static const uint32_t iv[8] = { 0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600,
					0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e };
	memcpy(s->v, iv, sizeof(iv));
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
