/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AES header-protection masks with AES-NI, several keys at once.
 *
 * QUIC needs one AES block per packet (RFC 9001 5.4.3), each under the key of
 * that packet's connection. One IPsec-MB call per block costs ~11 cycles and
 * an ECB job needs all blocks under one key; interleaving four independent
 * blocks with their own round keys keeps the AES unit busy instead.
 */

#include <immintrin.h>

#include "crypto_internal.h"

int
tern_cpu_has_aesni(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("aes") && __builtin_cpu_supports("pclmul") &&
	       __builtin_cpu_supports("sse4.1");
}

#define TERN_AESNI __attribute__((target("aes,sse4.1")))

static inline TERN_AESNI __m128i
aes_rk(const struct tern_hp_key *k, unsigned r)
{
	return _mm_load_si128((const __m128i *)(const void *)(k->aes_rk + 16 * r));
}

static TERN_AESNI void
aes_one(struct tern_hp_op *op)
{
	const struct tern_hp_key *k = op->key;
	__m128i b = _mm_loadu_si128((const __m128i *)(const void *)op->sample);
	unsigned r;

	b = _mm_xor_si128(b, aes_rk(k, 0));
	for (r = 1; r < k->aes_rounds; r++)
		b = _mm_aesenc_si128(b, aes_rk(k, r));
	b = _mm_aesenclast_si128(b, aes_rk(k, k->aes_rounds));
	_mm_storeu_si128((__m128i *)(void *)op->mask, b);
}

/* Four blocks with the same round count, each under its own key. */
static TERN_AESNI void
aes_four(struct tern_hp_op *o0, struct tern_hp_op *o1, struct tern_hp_op *o2, struct tern_hp_op *o3,
	 unsigned rounds)
{
	const struct tern_hp_key *k0 = o0->key, *k1 = o1->key, *k2 = o2->key, *k3 = o3->key;
	__m128i b0 = _mm_loadu_si128((const __m128i *)(const void *)o0->sample);
	__m128i b1 = _mm_loadu_si128((const __m128i *)(const void *)o1->sample);
	__m128i b2 = _mm_loadu_si128((const __m128i *)(const void *)o2->sample);
	__m128i b3 = _mm_loadu_si128((const __m128i *)(const void *)o3->sample);
	unsigned r;

	b0 = _mm_xor_si128(b0, aes_rk(k0, 0));
	b1 = _mm_xor_si128(b1, aes_rk(k1, 0));
	b2 = _mm_xor_si128(b2, aes_rk(k2, 0));
	b3 = _mm_xor_si128(b3, aes_rk(k3, 0));
	for (r = 1; r < rounds; r++) {
		b0 = _mm_aesenc_si128(b0, aes_rk(k0, r));
		b1 = _mm_aesenc_si128(b1, aes_rk(k1, r));
		b2 = _mm_aesenc_si128(b2, aes_rk(k2, r));
		b3 = _mm_aesenc_si128(b3, aes_rk(k3, r));
	}
	b0 = _mm_aesenclast_si128(b0, aes_rk(k0, rounds));
	b1 = _mm_aesenclast_si128(b1, aes_rk(k1, rounds));
	b2 = _mm_aesenclast_si128(b2, aes_rk(k2, rounds));
	b3 = _mm_aesenclast_si128(b3, aes_rk(k3, rounds));
	_mm_storeu_si128((__m128i *)(void *)o0->mask, b0);
	_mm_storeu_si128((__m128i *)(void *)o1->mask, b1);
	_mm_storeu_si128((__m128i *)(void *)o2->mask, b2);
	_mm_storeu_si128((__m128i *)(void *)o3->mask, b3);
}

void
tern_hp_aes_masks_aesni(struct tern_hp_op *ops, uint16_t n)
{
	struct tern_hp_op *lane[4];
	unsigned nlane = 0, rounds = 0;
	uint16_t i;

	/* Gather AES ops into groups of four with equal round counts; other
	 * ops (ChaCha20, foreign keys) were already handled by the caller. */
	for (i = 0; i < n; i++) {
		struct tern_hp_op *op = &ops[i];
		const struct tern_hp_key *k = op->key;

		if (k->alg == TERN_HP_CHACHA20 || k->backend != TERN_CRYPTO_BACKEND_IPSECMB)
			continue;
		if (nlane != 0 && k->aes_rounds != rounds) {
			while (nlane > 0)
				aes_one(lane[--nlane]);
		}
		rounds = k->aes_rounds;
		lane[nlane++] = op;
		if (nlane == 4) {
			aes_four(lane[0], lane[1], lane[2], lane[3], rounds);
			nlane = 0;
		}
	}
	while (nlane > 0)
		aes_one(lane[--nlane]);
}
