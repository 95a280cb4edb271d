/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_TESTS_TLS_TEST_REF_H
#define TERN_TESTS_TLS_TEST_REF_H

/*
 * Helpers for the TLS record tests: an independent reference implementation
 * of TLS 1.3 record protection written directly on OpenSSL's EVP AEADs
 * (RFC 8446 5.2/5.3 spelled out again, sharing no code with tern), a
 * deterministic byte generator, and the per-backend loop.
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include <tern/crypto.h>
#include <tern/tls_record.h>

static inline const EVP_CIPHER *
ref_cipher(enum tern_aead_alg alg)
{
	switch (alg) {
	case TERN_AEAD_AES_128_GCM:
		return EVP_aes_128_gcm();
	case TERN_AEAD_AES_256_GCM:
		return EVP_aes_256_gcm();
	case TERN_AEAD_CHACHA20_POLY1305:
		return EVP_chacha20_poly1305();
	}
	return NULL;
}

static inline const char *
ref_alg_name(enum tern_aead_alg alg)
{
	switch (alg) {
	case TERN_AEAD_AES_128_GCM:
		return "AES-128-GCM";
	case TERN_AEAD_AES_256_GCM:
		return "AES-256-GCM";
	case TERN_AEAD_CHACHA20_POLY1305:
		return "ChaCha20-Poly1305";
	}
	return "?";
}

static inline size_t
ref_key_len(enum tern_aead_alg alg)
{
	return alg == TERN_AEAD_AES_128_GCM ? 16 : 32;
}

/* RFC 8446 5.3: the sequence number, big-endian, left-padded to 12, XOR iv. */
static inline void
ref_nonce(const uint8_t iv[12], uint64_t seq, uint8_t nonce[12])
{
	int i;

	memcpy(nonce, iv, 12);
	for (i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(seq >> (8 * i));
}

/*
 * Protect an arbitrary TLSInnerPlaintext (content || type || zeros is the
 * caller's business, so malformed ones can be built) into out.
 * Returns the record length, or 0 on an EVP failure.
 */
static inline size_t
ref_seal_inner(enum tern_aead_alg alg, const uint8_t *key, const uint8_t iv[12], uint64_t seq,
	       const uint8_t *inner, size_t inner_len, uint8_t *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	uint8_t nonce[12];
	size_t ct_len = inner_len + 16;
	int n, ok;

	out[0] = 23;
	out[1] = 0x03;
	out[2] = 0x03;
	out[3] = (uint8_t)(ct_len >> 8);
	out[4] = (uint8_t)ct_len;
	ref_nonce(iv, seq, nonce);
	ok = c != NULL && EVP_EncryptInit_ex(c, ref_cipher(alg), NULL, NULL, NULL) == 1 &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) == 1 &&
	     EVP_EncryptInit_ex(c, NULL, NULL, key, nonce) == 1 &&
	     EVP_EncryptUpdate(c, NULL, &n, out, 5) == 1 &&
	     (inner_len == 0 || EVP_EncryptUpdate(c, out + 5, &n, inner, (int)inner_len) == 1) &&
	     EVP_EncryptFinal_ex(c, out + 5 + inner_len, &n) == 1 &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, out + 5 + inner_len) == 1;
	EVP_CIPHER_CTX_free(c);
	return ok ? 5 + ct_len : 0;
}

/* A well-formed record: content || type || pad zeros. */
static inline size_t
ref_seal(enum tern_aead_alg alg, const uint8_t *key, const uint8_t iv[12], uint64_t seq,
	 uint8_t type, const uint8_t *content, size_t len, size_t pad, uint8_t *out)
{
	static uint8_t inner[TERN_TLS_MAX_CIPHERTEXT];
	size_t r;

	if (len + 1 + pad > sizeof(inner))
		return 0;
	if (len != 0)
		memcpy(inner, content, len);
	inner[len] = type;
	memset(inner + len + 1, 0, pad);
	r = ref_seal_inner(alg, key, iv, seq, inner, len + 1 + pad, out);
	return r;
}

/* Tiny deterministic generator (xorshift64*), so failures reproduce. */
static uint64_t ref_rng_state = 0x9e3779b97f4a7c15ULL;

static inline uint64_t
ref_rand(void)
{
	ref_rng_state ^= ref_rng_state >> 12;
	ref_rng_state ^= ref_rng_state << 25;
	ref_rng_state ^= ref_rng_state >> 27;
	return ref_rng_state * 2685821657736338717ULL;
}

static inline void
ref_fill(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(ref_rand() >> 56);
}

static const enum tern_aead_alg ref_algs[3] = {TERN_AEAD_AES_128_GCM, TERN_AEAD_AES_256_GCM,
					       TERN_AEAD_CHACHA20_POLY1305};

/*
 * Run fn on a context of every backend. Prints SKIP with the reason for a
 * backend that cannot be created; returns how many backends ran.
 */
static inline int
ref_for_each_backend(void (*fn)(struct tern_crypto_ctx *ctx))
{
	static const enum tern_crypto_backend backends[2] = {TERN_CRYPTO_BACKEND_IPSECMB,
							     TERN_CRYPTO_BACKEND_OPENSSL};
	int i, ran = 0;

	for (i = 0; i < 2; i++) {
		struct tern_crypto_ctx *ctx = NULL;
		int rc = tern_crypto_ctx_create(backends[i], &ctx);

		if (rc != 0) {
			printf("SKIP backend %s: %s\n", tern_crypto_backend_name(backends[i]),
			       tern_strerror(rc));
			continue;
		}
		printf("backend %s (%s)\n", tern_crypto_backend_name(backends[i]),
		       tern_crypto_ctx_describe(ctx));
		fn(ctx);
		tern_crypto_ctx_free(ctx);
		ran++;
	}
	return ran;
}

#endif /* TERN_TESTS_TLS_TEST_REF_H */
