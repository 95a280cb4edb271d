/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OpenSSL EVP backend: the reference the IPsec-MB backend is checked
 * against, and the fallback on CPUs without AES-NI. Keys are immutable raw
 * bytes (shareable across threads); each crypto context keeps a small cache
 * of EVP contexts with recent keys loaded, so a burst across many
 * connections expands each key schedule once, as a per-key context would.
 */

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "crypto_internal.h"

static const char *
openssl_unavailable(void)
{
	return NULL;
}

static int
openssl_ctx_init(struct tern_crypto_ctx *ctx)
{
	unsigned i;

	ctx->evp_cache = calloc(TERN_EVP_CACHE_SLOTS, sizeof(*ctx->evp_cache));
	if (ctx->evp_cache == NULL)
		return -TERN_ENOMEM;
	for (i = 0; i < TERN_EVP_CACHE_SLOTS; i++) {
		ctx->evp_cache[i].evp = EVP_CIPHER_CTX_new();
		if (ctx->evp_cache[i].evp == NULL)
			return -TERN_ENOMEM; /* ctx_fini frees what was made */
	}
	snprintf(ctx->describe, sizeof(ctx->describe), "openssl-%s",
		 OpenSSL_version(OPENSSL_VERSION_STRING));
	return 0;
}

static void
openssl_ctx_fini(struct tern_crypto_ctx *ctx)
{
	unsigned i;

	if (ctx->evp_cache == NULL)
		return;
	/* EVP_CIPHER_CTX_free cleanses the loaded key schedules. */
	for (i = 0; i < TERN_EVP_CACHE_SLOTS; i++)
		EVP_CIPHER_CTX_free(ctx->evp_cache[i].evp);
	free(ctx->evp_cache);
	ctx->evp_cache = NULL;
}

static int
openssl_aead_key_init(struct tern_crypto_ctx *ctx, struct tern_aead_key *key, const uint8_t *raw)
{
	(void)ctx;
	(void)key;
	(void)raw; /* key->raw already holds the bytes */
	return 0;
}

/* The context holding op's key for this direction, with the nonce set; the
 * schedule is expanded only when the slot held another key or direction. */
static EVP_CIPHER_CTX *
evp_load(struct tern_crypto_ctx *ctx, const struct tern_aead_key *key, const uint8_t *nonce,
	 int enc)
{
	struct tern_evp_slot *slot = &ctx->evp_cache[key->serial % TERN_EVP_CACHE_SLOTS];

	if (slot->serial != key->serial || slot->enc != enc) {
		slot->serial = 0;
		if (EVP_CipherInit_ex2(slot->evp, key->evp_cipher, key->raw, nonce, enc, NULL) != 1)
			return NULL;
		slot->serial = key->serial;
		slot->enc = enc;
		return slot->evp;
	}
	if (EVP_CipherInit_ex2(slot->evp, NULL, NULL, nonce, enc, NULL) != 1) {
		slot->serial = 0;
		return NULL;
	}
	return slot->evp;
}

static int
evp_seal_one(struct tern_crypto_ctx *ctx, struct tern_aead_op *op)
{
	EVP_CIPHER_CTX *evp = evp_load(ctx, op->key, op->nonce, 1);
	uint8_t fin[16];
	int outl;

	if (evp == NULL)
		return -TERN_EINTERNAL;
	if (op->aad_len != 0 && EVP_CipherUpdate(evp, NULL, &outl, op->aad, (int)op->aad_len) != 1)
		return -TERN_EINTERNAL;
	if (op->len != 0 && EVP_CipherUpdate(evp, op->dst, &outl, op->src, (int)op->len) != 1)
		return -TERN_EINTERNAL;
	if (EVP_CipherFinal_ex(evp, fin, &outl) != 1) /* AEADs emit nothing here */
		return -TERN_EINTERNAL;
	if (EVP_CIPHER_CTX_ctrl(evp, EVP_CTRL_AEAD_GET_TAG, TERN_AEAD_TAG_LEN, op->tag) != 1)
		return -TERN_EINTERNAL;
	return 0;
}

static int
evp_open_one(struct tern_crypto_ctx *ctx, struct tern_aead_op *op)
{
	EVP_CIPHER_CTX *evp = evp_load(ctx, op->key, op->nonce, 0);
	uint8_t tag[TERN_AEAD_TAG_LEN], fin[16];
	int outl;

	if (evp == NULL)
		return -TERN_EINTERNAL;
	/* Copy the tag first: with in-place opens it may sit right after dst. */
	memcpy(tag, op->tag, sizeof(tag));
	if (op->aad_len != 0 && EVP_CipherUpdate(evp, NULL, &outl, op->aad, (int)op->aad_len) != 1)
		return -TERN_EINTERNAL;
	if (op->len != 0 && EVP_CipherUpdate(evp, op->dst, &outl, op->src, (int)op->len) != 1)
		return -TERN_EINTERNAL;
	if (EVP_CIPHER_CTX_ctrl(evp, EVP_CTRL_AEAD_SET_TAG, TERN_AEAD_TAG_LEN, tag) != 1)
		return -TERN_EINTERNAL;
	/* EVP compares the tag in constant time (CRYPTO_memcmp). */
	if (EVP_CipherFinal_ex(evp, fin, &outl) != 1)
		return -TERN_EBADMSG;
	return 0;
}

static void
openssl_aead_seal(struct tern_crypto_ctx *ctx, struct tern_aead_op *ops, uint16_t n)
{
	uint16_t i;

	for (i = 0; i < n; i++) {
		struct tern_aead_op *op = &ops[i];

		if (TERN_UNLIKELY(op->key->backend != TERN_CRYPTO_BACKEND_OPENSSL ||
				  op->len > INT_MAX || op->aad_len > INT_MAX)) {
			op->status = -TERN_EINVAL;
			continue;
		}
		op->status = evp_seal_one(ctx, op);
		if (op->status != 0)
			ctx->evp_cache[op->key->serial % TERN_EVP_CACHE_SLOTS].serial = 0;
	}
}

static void
openssl_aead_open(struct tern_crypto_ctx *ctx, struct tern_aead_op *ops, uint16_t n)
{
	uint16_t i;

	for (i = 0; i < n; i++) {
		struct tern_aead_op *op = &ops[i];

		if (TERN_UNLIKELY(op->key->backend != TERN_CRYPTO_BACKEND_OPENSSL ||
				  op->len > INT_MAX || op->aad_len > INT_MAX)) {
			op->status = -TERN_EINVAL;
			continue;
		}
		op->status = evp_open_one(ctx, op);
		if (op->status != 0) {
			/* No unauthenticated plaintext leaves the call. */
			if (op->len != 0)
				OPENSSL_cleanse(op->dst, op->len);
			/* After a failed final the context state is undefined. */
			ctx->evp_cache[op->key->serial % TERN_EVP_CACHE_SLOTS].serial = 0;
		}
	}
}

static int
openssl_hp_key_init(struct tern_crypto_ctx *ctx, struct tern_hp_key *key, const uint8_t *raw)
{
	(void)ctx;
	(void)key;
	(void)raw;
	return 0;
}

static int
evp_aes_mask(struct tern_crypto_ctx *ctx, const struct tern_hp_key *key, const uint8_t *sample,
	     uint8_t *mask)
{
	int outl;

	if (ctx->hp_key_serial != key->serial) {
		if (EVP_CipherInit_ex2(ctx->evp_hp, key->evp_cipher, key->raw, NULL, 1, NULL) != 1)
			return -TERN_EINTERNAL;
		EVP_CIPHER_CTX_set_padding(ctx->evp_hp, 0);
		ctx->hp_key_serial = key->serial;
	}
	if (EVP_CipherUpdate(ctx->evp_hp, mask, &outl, sample, TERN_HP_SAMPLE_LEN) != 1 ||
	    outl != TERN_HP_SAMPLE_LEN) {
		ctx->hp_key_serial = 0;
		return -TERN_EINTERNAL;
	}
	return 0;
}

int
tern_hp_chacha20_mask_evp(struct tern_crypto_ctx *ctx, const struct tern_hp_key *key,
			  const uint8_t *sample, uint8_t *mask)
{
	static const uint8_t zeros[TERN_HP_MASK_LEN];
	int outl;

	/* OpenSSL's ChaCha20 IV is counter (LE32) || nonce: exactly the sample
	 * (RFC 9001 5.4.4). The key changes the state, so always reload it. */
	ctx->hp_key_serial = 0;
	if (EVP_CipherInit_ex2(ctx->evp_hp, key->evp_cipher, key->raw, sample, 1, NULL) != 1 ||
	    EVP_CipherUpdate(ctx->evp_hp, mask, &outl, zeros, TERN_HP_MASK_LEN) != 1)
		return -TERN_EINTERNAL;
	return 0;
}

static void
openssl_hp_mask(struct tern_crypto_ctx *ctx, struct tern_hp_op *ops, uint16_t n)
{
	uint16_t i;

	for (i = 0; i < n; i++) {
		const struct tern_hp_key *key = ops[i].key;

		if (key->backend != TERN_CRYPTO_BACKEND_OPENSSL)
			continue;
		if (key->alg == TERN_HP_CHACHA20)
			tern_hp_chacha20_mask_evp(ctx, key, ops[i].sample, ops[i].mask);
		else
			evp_aes_mask(ctx, key, ops[i].sample, ops[i].mask);
	}
}

const struct tern_crypto_backend_ops tern_crypto_openssl_ops = {
	.id = TERN_CRYPTO_BACKEND_OPENSSL,
	.name = "openssl",
	.unavailable = openssl_unavailable,
	.ctx_init = openssl_ctx_init,
	.ctx_fini = openssl_ctx_fini,
	.aead_key_init = openssl_aead_key_init,
	.aead_seal = openssl_aead_seal,
	.aead_open = openssl_aead_open,
	.hp_key_init = openssl_hp_key_init,
	.hp_mask = openssl_hp_mask,
};
