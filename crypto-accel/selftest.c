/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Start-up known-answer tests: every AEAD and header-protection algorithm on
 * the context's backend, sealed and opened in one mixed burst, plus a forged
 * tag that must be refused. A backend that fails is never used.
 *
 * Sources: Wycheproof aes_gcm_test tcId 2 and 100, chacha20_poly1305_test
 * tcId 63; RFC 9001 A.5 (ChaCha20-Poly1305 packet and ChaCha20 mask);
 * FIPS-197 C.1 and C.3 (AES-128/256 block).
 */

#include <stdio.h>
#include <string.h>

#include "crypto_internal.h"

struct aead_kat {
	enum tern_aead_alg alg;
	const char *key, *nonce, *aad, *pt, *ct, *tag;
};

struct hp_kat {
	enum tern_hp_alg alg;
	const char *key, *sample, *mask;
};

static const struct aead_kat aead_kats[] = {
	{TERN_AEAD_AES_128_GCM, "5b9604fe14eadba931b0ccf34843dab9", "921d2507fa8007b7bd067d34",
	 "00112233445566778899aabbccddeeff", "001d0c231287c1182784554ca3a21908",
	 "49d8b9783e911913d87094d1f63cc765", "1e348ba07cca2cf04c618cb4d43a5b92"},
	{TERN_AEAD_AES_256_GCM, "b279f57e19c8f53f2f963f5f2519fdb7c1779be2ca2b3ae8e1128b7d6c627fc4",
	 "98bc2c7438d5cd7665d76f6e", "c0", "fcc515b294408c8645c9183e3f4ecee5127846d1",
	 "eb5500e3825952866d911253f8de860c00831c81", "ecb660e1fb0541ec41e8d68a64141b3a"},
	{TERN_AEAD_CHACHA20_POLY1305,
	 "625735fe7f8fc81b0c1edc3d08a78b41268f87a3c68488b674222630c1d587a5",
	 "9d8cdf289dddd09afdc1b02f", "200a9c95946ff05c",
	 "67ae1882d0b1c1b2485bec98115ecf53b9b438deb1d0400531705038873a",
	 "209b7539385c8b19ecd0fd8b5011b2996e316f1942064e68edfa363acbcd",
	 "fa2f454b9fa2608f780f7c6f9b780fe1"},
	{TERN_AEAD_CHACHA20_POLY1305,
	 "c6d98ff3441c3fe1b2182094f69caa2ed4b716b65488960a7a984979fb23e1c8",
	 "e0459b3474bdd0e46d417eb0", "4200bff4", "01", "65", "5e5cd55c41f69080575d7999c25a5bfb"},
};

static const struct hp_kat hp_kats[] = {
	{TERN_HP_AES_128, "000102030405060708090a0b0c0d0e0f", "00112233445566778899aabbccddeeff",
	 "69c4e0d86a7b0430d8cdb78070b4c55a"},
	{TERN_HP_AES_256, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	 "00112233445566778899aabbccddeeff", "8ea2b7ca516745bfeafc49904b496089"},
	{TERN_HP_CHACHA20, "25a282b9e82f06f21f488917a4fc8f1b73573685608597d0efcb076b0ab7a7a4",
	 "5e5cd55c41f69080575d7999c25a5bfb", "aefefe7d03"},
};

#define N_AEAD	   (sizeof(aead_kats) / sizeof(aead_kats[0]))
#define N_HP	   (sizeof(hp_kats) / sizeof(hp_kats[0]))
#define KAT_MAX	   64
#define N_AEAD_OPS (2 * N_AEAD) /* each vector also with a forged tag */

static size_t
unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex) / 2, i;

	if (n > cap)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return 0;
		out[i] = (uint8_t)v;
	}
	return n;
}

struct aead_bufs {
	uint8_t key[32], aad[KAT_MAX], pt[KAT_MAX], ct[KAT_MAX], tag[16];
	uint8_t out[KAT_MAX], out_tag[16];
	size_t key_len, aad_len, pt_len;
};

static int
selftest_aead(struct tern_crypto_ctx *ctx)
{
	static struct aead_bufs b[N_AEAD_OPS]; /* under the caller's mutex */
	struct tern_aead_key *keys[N_AEAD] = {NULL};
	struct tern_aead_op ops[N_AEAD_OPS];
	int rc = -TERN_ESELFTEST;
	size_t i;

	memset(ops, 0, sizeof(ops));
	memset(b, 0, sizeof(b));
	for (i = 0; i < N_AEAD; i++) {
		const struct aead_kat *k = &aead_kats[i];
		size_t j;

		b[i].key_len = unhex(k->key, b[i].key, sizeof(b[i].key));
		b[i].aad_len = unhex(k->aad, b[i].aad, sizeof(b[i].aad));
		b[i].pt_len = unhex(k->pt, b[i].pt, sizeof(b[i].pt));
		unhex(k->ct, b[i].ct, sizeof(b[i].ct));
		unhex(k->tag, b[i].tag, sizeof(b[i].tag));
		if (tern_aead_key_create(ctx, k->alg, b[i].key, b[i].key_len, &keys[i]) != 0)
			goto out;
		for (j = i; j < N_AEAD_OPS; j += N_AEAD) {
			unhex(k->nonce, ops[j].nonce, sizeof(ops[j].nonce));
			ops[j].key = keys[i];
			ops[j].aad = b[i].aad;
			ops[j].aad_len = (uint32_t)b[i].aad_len;
			ops[j].len = (uint32_t)b[i].pt_len;
		}
		ops[i].src = b[i].pt;
		ops[i].dst = b[i].out;
		ops[i].tag = b[i].out_tag;
	}
	if (tern_aead_seal_burst(ctx, ops, N_AEAD) != N_AEAD)
		goto out;
	for (i = 0; i < N_AEAD; i++) {
		if (memcmp(b[i].out, b[i].ct, b[i].pt_len) != 0 ||
		    memcmp(b[i].out_tag, b[i].tag, 16))
			goto out;
	}
	/* Open all: genuine ones in place, forged ones out of place. */
	for (i = 0; i < N_AEAD; i++) {
		struct aead_bufs *f = &b[N_AEAD + i];

		ops[i].src = b[i].out;
		ops[i].dst = b[i].out;
		ops[i].tag = b[i].tag;
		memcpy(f->tag, b[i].tag, 16);
		f->tag[i % 16] ^= 0x01;
		ops[N_AEAD + i].src = b[i].ct;
		ops[N_AEAD + i].dst = f->out;
		ops[N_AEAD + i].tag = f->tag;
	}
	if (tern_aead_open_burst(ctx, ops, N_AEAD_OPS) != N_AEAD)
		goto out;
	for (i = 0; i < N_AEAD; i++) {
		if (ops[i].status != 0 || memcmp(b[i].out, b[i].pt, b[i].pt_len) != 0)
			goto out;
		if (ops[N_AEAD + i].status != -TERN_EBADMSG)
			goto out;
	}
	rc = 0;
out:
	for (i = 0; i < N_AEAD; i++)
		tern_aead_key_free(keys[i]);
	return rc;
}

static int
selftest_hp(struct tern_crypto_ctx *ctx)
{
	struct tern_hp_key *keys[N_HP] = {NULL};
	struct tern_hp_op ops[2 * N_HP];
	uint8_t samples[N_HP][16], masks[N_HP][16], key[32];
	size_t i, mask_len[N_HP];
	int rc = -TERN_ESELFTEST;

	memset(ops, 0, sizeof(ops));
	for (i = 0; i < N_HP; i++) {
		size_t key_len = unhex(hp_kats[i].key, key, sizeof(key));

		unhex(hp_kats[i].sample, samples[i], 16);
		mask_len[i] = unhex(hp_kats[i].mask, masks[i], 16);
		if (tern_hp_key_create(ctx, hp_kats[i].alg, key, key_len, &keys[i]) != 0)
			goto out;
		/* Twice, so the AES path sees a group as well as a single. */
		ops[i].key = ops[N_HP + i].key = keys[i];
		ops[i].sample = ops[N_HP + i].sample = samples[i];
	}
	if (tern_hp_mask_burst(ctx, ops, 2 * N_HP) != 0)
		goto out;
	for (i = 0; i < 2 * N_HP; i++) {
		if (memcmp(ops[i].mask, masks[i % N_HP], mask_len[i % N_HP]) != 0)
			goto out;
	}
	rc = 0;
out:
	for (i = 0; i < N_HP; i++)
		tern_hp_key_free(keys[i]);
	return rc;
}

int
tern_crypto_selftest(struct tern_crypto_ctx *ctx)
{
	if (selftest_aead(ctx) != 0 || selftest_hp(ctx) != 0) {
		fprintf(stderr, "tern: crypto self-test failed on backend %s; refusing to use it\n",
			ctx->ops->name);
		return -TERN_ESELFTEST;
	}
	return 0;
}
