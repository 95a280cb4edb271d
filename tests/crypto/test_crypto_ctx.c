/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Context and key life cycle: backend selection, self-test on creation,
 * argument checks, and one seal/open/forgery round per algorithm through the
 * public burst calls on every backend available here.
 */

#include <tern/crypto.h>

#include "tern_test.h"

static void
roundtrip(struct tern_crypto_ctx *ctx, enum tern_aead_alg alg)
{
	uint8_t key[32], pt[300], ct[300], out[300], tag[16], aad[13];
	struct tern_aead_key *k = NULL;
	struct tern_aead_op op;
	size_t i;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 7 + alg);
	for (i = 0; i < sizeof(pt); i++)
		pt[i] = (uint8_t)i;
	memset(aad, 0x17, sizeof(aad));
	REQUIRE(tern_aead_key_create(ctx, alg, key, tern_aead_key_len(alg), &k) == 0);
	CHECK_EQ(tern_aead_key_alg(k), alg);

	memset(&op, 0, sizeof(op));
	memset(op.nonce, 0x42, TERN_AEAD_NONCE_LEN);
	op.key = k;
	op.aad = aad;
	op.aad_len = sizeof(aad);
	op.src = pt;
	op.dst = ct;
	op.tag = tag;
	op.len = sizeof(pt);
	CHECK_EQ(tern_aead_seal_burst(ctx, &op, 1), 1);
	CHECK(memcmp(ct, pt, sizeof(pt)) != 0);

	op.src = ct;
	op.dst = out;
	CHECK_EQ(tern_aead_open_burst(ctx, &op, 1), 1);
	CHECK_MEM(out, pt, sizeof(pt));

	/* A forged tag is refused and the output wiped. */
	tag[0] ^= 0x80;
	CHECK_EQ(tern_aead_open_burst(ctx, &op, 1), 0);
	CHECK_EQ(op.status, -TERN_EBADMSG);
	for (i = 0; i < sizeof(out) && out[i] == 0; i++)
		;
	CHECK_EQ(i, sizeof(out));
	tern_aead_key_free(k);
}

int
main(void)
{
	static const enum tern_crypto_backend backends[] = {TERN_CRYPTO_BACKEND_IPSECMB,
							    TERN_CRYPTO_BACKEND_OPENSSL};
	struct tern_crypto_ctx *ctx = NULL;
	struct tern_aead_key *k = NULL;
	uint8_t key[32] = {0};
	enum tern_crypto_backend b;
	size_t i;
	int ran = 0;

	CHECK_EQ(tern_crypto_backend_parse("ipsecmb", &b), 0);
	CHECK_EQ(b, TERN_CRYPTO_BACKEND_IPSECMB);
	CHECK_EQ(tern_crypto_backend_parse("OpenSSL", &b), 0);
	CHECK_EQ(b, TERN_CRYPTO_BACKEND_OPENSSL);
	CHECK_EQ(tern_crypto_backend_parse("rot13", &b), -TERN_EINVAL);
	CHECK(strcmp(tern_strerror(-TERN_EBADMSG), "authentication failed") == 0);
	CHECK(strcmp(tern_strerror(12345), "unknown error") == 0);

	CHECK_EQ(tern_crypto_ctx_create(TERN_CRYPTO_BACKEND_AUTO, &ctx), 0);
	REQUIRE(ctx != NULL);
	CHECK(tern_crypto_ctx_backend(ctx) != TERN_CRYPTO_BACKEND_AUTO);
	printf("auto backend: %s\n", tern_crypto_ctx_describe(ctx));
	CHECK_EQ(tern_aead_key_create(ctx, TERN_AEAD_AES_128_GCM, key, 32, &k), -TERN_EINVAL);
	CHECK_EQ(tern_aead_key_create(ctx, (enum tern_aead_alg)99, key, 16, &k), -TERN_EINVAL);
	CHECK(k == NULL);
	{
		/* A shared hp key stays usable until its last reference goes
		 * (under ASan a premature free is a use-after-free here). */
		static const uint8_t fips197_c1_key[16] = {0, 1, 2,  3,	 4,  5,	 6,  7,
							   8, 9, 10, 11, 12, 13, 14, 15};
		static const uint8_t sample[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
						   0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
		static const uint8_t expect[16] = {0x69, 0xc4, 0xe0, 0xd8, 0x6a, 0x7b, 0x04, 0x30,
						   0xd8, 0xcd, 0xb7, 0x80, 0x70, 0xb4, 0xc5, 0x5a};
		struct tern_hp_key *hk = NULL;
		struct tern_hp_op op;

		REQUIRE(tern_hp_key_create(ctx, TERN_HP_AES_128, fips197_c1_key, 16, &hk) == 0);
		CHECK(tern_hp_key_ref(hk) == hk);
		tern_hp_key_free(hk);
		memset(&op, 0, sizeof(op));
		op.key = hk;
		op.sample = sample;
		CHECK_EQ(tern_hp_mask_burst(ctx, &op, 1), 0);
		CHECK_MEM(op.mask, expect, 16);
		tern_hp_key_free(hk);
		CHECK(tern_hp_key_ref(NULL) == NULL);
	}
	tern_crypto_ctx_free(ctx);
	tern_crypto_ctx_free(NULL);
	tern_aead_key_free(NULL);
	tern_hp_key_free(NULL);

	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		int rc = tern_crypto_ctx_create(backends[i], &ctx);

		if (rc == -TERN_ENOTSUP) {
			printf("SKIP backend %s: not supported on this CPU\n",
			       tern_crypto_backend_name(backends[i]));
			continue;
		}
		CHECK_EQ(rc, 0);
		if (rc != 0)
			continue;
		ran++;
		printf("backend %s: %s\n", tern_crypto_backend_name(backends[i]),
		       tern_crypto_ctx_describe(ctx));
		roundtrip(ctx, TERN_AEAD_AES_128_GCM);
		roundtrip(ctx, TERN_AEAD_AES_256_GCM);
		roundtrip(ctx, TERN_AEAD_CHACHA20_POLY1305);
		tern_crypto_ctx_free(ctx);
	}
	CHECK(ran > 0);
	return tern_test_done("test_crypto_ctx");
}
