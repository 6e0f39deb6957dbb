/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * SM3 (GB/T 32905) in portable C, one stream: the hot path of SM2 (Z, then
 * e = SM3(Z || M)) and of es_sm3*(). Private to src/crypto.
 */
#ifndef ES_CRYPTO_SM3_FAST_H
#define ES_CRYPTO_SM3_FAST_H

#include <stddef.h>
#include <stdint.h>

typedef struct es_sm3_state {
	uint32_t v[8];
	uint8_t buf[64];
	size_t n;	/* bytes in buf */
	uint64_t total; /* bytes hashed so far */
} es_sm3_state;

void es_sm3s_init(es_sm3_state *s);
void es_sm3s_update(es_sm3_state *s, const void *data, size_t len);
/* Finish into @p out; the state must be initialised again before reuse. */
void es_sm3s_final(es_sm3_state *s, uint8_t out[32]);
/* Compress @p nblocks 64-byte blocks into @p v (the implementation of es_sm3s_impl()). */
void es_sm3s_blocks(uint32_t v[8], const uint8_t *p, size_t nblocks);

/*
 * The one-stream compressions (sm3_fast.c): portable C, always built, and
 * on x86-64 with AVX-512VL, BMI1 and BMI2 the same rounds with the message
 * expansion in 128-bit vectors.
 */
enum { ES_SM3S_PORTABLE = 1, ES_SM3S_AVX512 = 2 };
/* The one es_sm3s_blocks runs: the CPU's best unless forced. */
int es_sm3s_impl(void);
/* Whether this CPU can run @p impl: 1 or 0. */
int es_sm3s_impl_available(int impl);
/* Tests and benchmarks: use @p impl (0: the CPU's best again); -1 when not available. */
int es_sm3s_force_impl(int impl);

/*
 * What the x86-64 CPU has of the instruction sets the SM3 code chooses
 * from at run time (sm3_many.c; 0 on other processors).
 */
enum { ES_SM3_CPU_AVX2 = 1, ES_SM3_CPU_AVX512F = 2, ES_SM3_CPU_AVX512VL = 4, ES_SM3_CPU_BMI = 8 };
unsigned es_sm3_cpu(void);
/* SM3(head || data), head 32 bytes (e = SM3(Z || M) of SM2). */
void es_sm3s_hash_head(uint8_t out[32], const uint8_t head[32], const void *data, size_t len);
/*
 * The same for verification: this thread continues from the
 * state of a prefix of @p data that it hashed before with the same head,
 * when the bytes match (sm3_fast.c). Keeps a copy of the message: for
 * public data only.
 */
void es_sm3s_hash_prefixed(uint8_t out[32], const uint8_t head[32], const void *data, size_t len);


/*
 * Many messages at once (sm3_many.c): out[i] = SM3(msgs[i], lens[i]) with
 * one message per SIMD lane, on our code whatever ESEAL_CRYPTO says.
 */
void es_sm3m_hash(uint8_t (*out)[32], const uint8_t *const *msgs, const size_t *lens, size_t n);
/* Lanes es_sm3m_hash uses: 16 (AVX-512F), 8 (AVX2) or 1 (scalar). */
int es_sm3m_lanes(void);
/* Whether this CPU can run @p lanes (1, 8 or 16): 1 or 0. */
int es_sm3m_lanes_available(int lanes);
/* Tests and benchmarks: use @p lanes (0: the CPU's best again); -1 when not available. */
int es_sm3m_force_lanes(int lanes);

#endif
