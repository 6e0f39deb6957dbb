/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * SM3 (GB/T 32905) pieces shared by the one-stream code (sm3_fast.c) and
 * the many-lane code (sm3_many.c): the initial value, the rotated round
 * constants and the round functions. The macros work on uint32_t and on
 * GCC vectors of uint32_t alike (a rotation by a constant is two shifts
 * and an or, which the compiler turns into rol or vprold). Private to
 * src/crypto; include only where the constants are used.
 */
#ifndef ES_CRYPTO_SM3_ROUNDS_H
#define ES_CRYPTO_SM3_ROUNDS_H

#include <stdint.h>

static const uint32_t SM3_IV[8] = { 0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600,
				    0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e };

/* T_j <<< (j mod 32) */
static const uint32_t SM3_TJ[64] = {
	0x79cc4519, 0xf3988a32, 0xe7311465, 0xce6228cb, 0x9cc45197, 0x3988a32f, 0x7311465e, 0xe6228cbc,
	0xcc451979, 0x988a32f3, 0x311465e7, 0x6228cbce, 0xc451979c, 0x88a32f39, 0x11465e73, 0x228cbce6,
	0x9d8a7a87, 0x3b14f50f, 0x7629ea1e, 0xec53d43c, 0xd8a7a879, 0xb14f50f3, 0x629ea1e7, 0xc53d43ce,
	0x8a7a879d, 0x14f50f3b, 0x29ea1e76, 0x53d43cec, 0xa7a879d8, 0x4f50f3b1, 0x9ea1e762, 0x3d43cec5,
	0x7a879d8a, 0xf50f3b14, 0xea1e7629, 0xd43cec53, 0xa879d8a7, 0x50f3b14f, 0xa1e7629e, 0x43cec53d,
	0x879d8a7a, 0x0f3b14f5, 0x1e7629ea, 0x3cec53d4, 0x79d8a7a8, 0xf3b14f50, 0xe7629ea1, 0xcec53d43,
	0x9d8a7a87, 0x3b14f50f, 0x7629ea1e, 0xec53d43c, 0xd8a7a879, 0xb14f50f3, 0x629ea1e7, 0xc53d43ce,
	0x8a7a879d, 0x14f50f3b, 0x29ea1e76, 0x53d43cec, 0xa7a879d8, 0x4f50f3b1, 0x9ea1e762, 0x3d43cec5,
};

/* rotation left by a constant 1..31 */
#define SM3_ROTL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))
#define SM3_P0(x) ((x) ^ SM3_ROTL((x), 9) ^ SM3_ROTL((x), 17))
#define SM3_P1(x) ((x) ^ SM3_ROTL((x), 15) ^ SM3_ROTL((x), 23))
/* rounds 0..15 */
#define SM3_FF0(x, y, z) ((x) ^ (y) ^ (z))
#define SM3_GG0(x, y, z) ((x) ^ (y) ^ (z))
/*
 * Rounds 16..63. The two terms of each have no bit in common, so + is |:
 * scalar code gets lea, and vector code a three-input logic instruction
 * (vpternlogd) for the | form, which is why both are here.
 */
#define SM3_FF1(x, y, z) ((((x) ^ (y)) & (z)) + ((x) & (y)))
#define SM3_GG1(x, y, z) (((x) & (y)) + (~(x) & (z)))
#define SM3_FF1_OR(x, y, z) (((x) & (y)) | (((x) | (y)) & (z)))
#define SM3_GG1_OR(x, y, z) ((((y) ^ (z)) & (x)) ^ (z))

static inline uint32_t sm3_load32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

#endif
