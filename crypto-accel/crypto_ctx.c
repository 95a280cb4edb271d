/* SPDX-License-Identifier: Apache-2.0 */
/*
 * crypto-accel public entry points: backend selection, contexts, keys, and
 * the burst calls that dispatch to the context's backend table.
 */

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "crypto_internal.h"

static const struct tern_crypto_backend_ops *const backends[] = {
	[TERN_CRYPTO_BACKEND_IPSECMB] = &tern_crypto_ipsecmb_ops,
	[TERN_CRYPTO_BACKEND_OPENSSL] = &tern_crypto_openssl_ops,
};
#define N_BACKENDS (sizeof(backends) / sizeof(backends[0]))

/* Self-test result per backend: 0 not run yet, 1 passed, -1 failed. Guarded
 * by a mutex taken only while creating contexts, never on the data path. */
static int selftest_state[N_BACKENDS];
static pthread_mutex_t selftest_lock = PTHREAD_MUTEX_INITIALIZER;

static _Atomic uint64_t serial_counter;

uint64_t
tern_crypto_next_serial(void)
{
	return atomic_fetch_add_explicit(&serial_counter, 1, memory_order_relaxed) + 1;
}

const char *
tern_crypto_backend_name(enum tern_crypto_backend backend)
{
	switch (backend) {
	case TERN_CRYPTO_BACKEND_AUTO:
		return "auto";
	case TERN_CRYPTO_BACKEND_IPSECMB:
		return "ipsecmb";
	case TERN_CRYPTO_BACKEND_OPENSSL:
		return "openssl";
	}
	return "unknown";
}

int
tern_crypto_backend_parse(const char *name, enum tern_crypto_backend *backend)
{
	if (name == NULL || backend == NULL)
		return -TERN_EINVAL;
	if (strcasecmp(name, "auto") == 0)
		*backend = TERN_CRYPTO_BACKEND_AUTO;
	else if (strcasecmp(name, "ipsecmb") == 0 || strcasecmp(name, "ipsec-mb") == 0)
		*backend = TERN_CRYPTO_BACKEND_IPSECMB;
	else if (strcasecmp(name, "openssl") == 0)
		*backend = TERN_CRYPTO_BACKEND_OPENSSL;
	else
		return -TERN_EINVAL;
	return 0;
}

size_t
tern_aead_key_len(enum tern_aead_alg alg)
{
	switch (alg) {
	case TERN_AEAD_AES_128_GCM:
		return 16;
	case TERN_AEAD_AES_256_GCM:
	case TERN_AEAD_CHACHA20_POLY1305:
		return 32;
	}
	return 0;
}

size_t
tern_hp_key_len(enum tern_hp_alg alg)
{
	switch (alg) {
	case TERN_HP_AES_128:
		return 16;
	case TERN_HP_AES_256:
	case TERN_HP_CHACHA20:
		return 32;
	}
	return 0;
}

int
tern_evp_ciphers_fetch(struct tern_evp_ciphers *c)
{
	c->aes128gcm = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
	c->aes256gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	c->chachapoly = EVP_CIPHER_fetch(NULL, "ChaCha20-Poly1305", NULL);
	c->aes128ecb = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
	c->aes256ecb = EVP_CIPHER_fetch(NULL, "AES-256-ECB", NULL);
	c->chacha20 = EVP_CIPHER_fetch(NULL, "ChaCha20", NULL);
	if (c->aes128gcm == NULL || c->aes256gcm == NULL || c->chachapoly == NULL ||
	    c->aes128ecb == NULL || c->aes256ecb == NULL || c->chacha20 == NULL) {
		tern_evp_ciphers_free(c);
		return -TERN_ENOTSUP;
	}
	return 0;
}

void
tern_evp_ciphers_free(struct tern_evp_ciphers *c)
{
	EVP_CIPHER_free(c->aes128gcm);
	EVP_CIPHER_free(c->aes256gcm);
	EVP_CIPHER_free(c->chachapoly);
	EVP_CIPHER_free(c->aes128ecb);
	EVP_CIPHER_free(c->aes256ecb);
	EVP_CIPHER_free(c->chacha20);
	memset(c, 0, sizeof(*c));
}

static enum tern_crypto_backend
resolve_auto(void)
{
	const char *env = getenv("TERN_CRYPTO_BACKEND");
	enum tern_crypto_backend b;

	if (env != NULL && tern_crypto_backend_parse(env, &b) == 0 && b != TERN_CRYPTO_BACKEND_AUTO)
		return b;
	return tern_crypto_ipsecmb_ops.unavailable() == NULL ? TERN_CRYPTO_BACKEND_IPSECMB
							     : TERN_CRYPTO_BACKEND_OPENSSL;
}

static int
run_selftest_once(struct tern_crypto_ctx *ctx)
{
	enum tern_crypto_backend id = ctx->ops->id;
	int rc;

	pthread_mutex_lock(&selftest_lock);
	if (selftest_state[id] == 0)
		selftest_state[id] = tern_crypto_selftest(ctx) == 0 ? 1 : -1;
	rc = selftest_state[id] == 1 ? 0 : -TERN_ESELFTEST;
	pthread_mutex_unlock(&selftest_lock);
	return rc;
}

int
tern_crypto_ctx_create(enum tern_crypto_backend backend, struct tern_crypto_ctx **ctxp)
{
	struct tern_crypto_ctx *ctx;
	int rc;

	if (ctxp == NULL)
		return -TERN_EINVAL;
	*ctxp = NULL;
	if (backend == TERN_CRYPTO_BACKEND_AUTO)
		backend = resolve_auto();
	if ((unsigned)backend >= N_BACKENDS || backends[backend] == NULL)
		return -TERN_EINVAL;
	if (backends[backend]->unavailable() != NULL)
		return -TERN_ENOTSUP;

	if (posix_memalign((void **)&ctx, 64, sizeof(*ctx)) != 0)
		return -TERN_ENOMEM;
	memset(ctx, 0, sizeof(*ctx));
	ctx->ops = backends[backend];
	ctx->evp_hp = EVP_CIPHER_CTX_new();
	if (ctx->evp_hp == NULL) {
		rc = -TERN_ENOMEM;
		goto fail;
	}
	rc = tern_evp_ciphers_fetch(&ctx->ciphers);
	if (rc != 0)
		goto fail;
	rc = ctx->ops->ctx_init(ctx);
	if (rc != 0)
		goto fail;
	rc = run_selftest_once(ctx);
	if (rc != 0)
		goto fail;
	*ctxp = ctx;
	return 0;
fail:
	tern_crypto_ctx_free(ctx);
	return rc;
}

void
tern_crypto_ctx_free(struct tern_crypto_ctx *ctx)
{
	if (ctx == NULL)
		return;
	if (ctx->ops != NULL)
		ctx->ops->ctx_fini(ctx);
	/* EVP_CIPHER_CTX_free cleanses the key schedule. */
	EVP_CIPHER_CTX_free(ctx->evp_hp);
	tern_evp_ciphers_free(&ctx->ciphers);
	OPENSSL_cleanse(ctx, sizeof(*ctx));
	free(ctx);
}

enum tern_crypto_backend
tern_crypto_ctx_backend(const struct tern_crypto_ctx *ctx)
{
	return ctx->ops->id;
}

const char *
tern_crypto_ctx_describe(const struct tern_crypto_ctx *ctx)
{
	return ctx->describe;
}

static const EVP_CIPHER *
aead_evp_cipher(const struct tern_crypto_ctx *ctx, enum tern_aead_alg alg)
{
	switch (alg) {
	case TERN_AEAD_AES_128_GCM:
		return ctx->ciphers.aes128gcm;
	case TERN_AEAD_AES_256_GCM:
		return ctx->ciphers.aes256gcm;
	case TERN_AEAD_CHACHA20_POLY1305:
		return ctx->ciphers.chachapoly;
	}
	return NULL;
}

int
tern_aead_key_create(struct tern_crypto_ctx *ctx, enum tern_aead_alg alg, const uint8_t *raw,
		     size_t key_len, struct tern_aead_key **keyp)
{
	struct tern_aead_key *key;
	int rc;

	if (ctx == NULL || raw == NULL || keyp == NULL)
		return -TERN_EINVAL;
	*keyp = NULL;
	if (tern_aead_key_len(alg) == 0 || key_len != tern_aead_key_len(alg))
		return -TERN_EINVAL;
	if (posix_memalign((void **)&key, 64, sizeof(*key)) != 0)
		return -TERN_ENOMEM;
	memset(key, 0, sizeof(*key));
	key->alg = alg;
	key->backend = ctx->ops->id;
	key->serial = tern_crypto_next_serial();
	/* The cipher object outlives ctx only if referenced: take a reference
	 * so the key stays usable through any context of its backend. */
	key->evp_cipher = aead_evp_cipher(ctx, alg);
	if (key->evp_cipher == NULL || EVP_CIPHER_up_ref((EVP_CIPHER *)key->evp_cipher) != 1) {
		free(key);
		return -TERN_EINTERNAL;
	}
	memcpy(key->raw, raw, key_len);
	key->raw_len = (uint32_t)key_len;
	rc = ctx->ops->aead_key_init(ctx, key, raw);
	if (rc != 0) {
		tern_aead_key_free(key);
		return rc;
	}
	*keyp = key;
	return 0;
}

void
tern_aead_key_free(struct tern_aead_key *key)
{
	if (key == NULL)
		return;
	EVP_CIPHER_free((EVP_CIPHER *)key->evp_cipher);
	OPENSSL_cleanse(key, sizeof(*key));
	free(key);
}

enum tern_aead_alg
tern_aead_key_alg(const struct tern_aead_key *key)
{
	return key->alg;
}

uint16_t
tern_aead_seal_burst(struct tern_crypto_ctx *ctx, struct tern_aead_op *ops, uint16_t n)
{
	uint16_t i, ok = 0;

	ctx->ops->aead_seal(ctx, ops, n);
	for (i = 0; i < n; i++)
		ok += ops[i].status == 0;
	return ok;
}

uint16_t
tern_aead_open_burst(struct tern_crypto_ctx *ctx, struct tern_aead_op *ops, uint16_t n)
{
	uint16_t i, ok = 0;

	ctx->ops->aead_open(ctx, ops, n);
	for (i = 0; i < n; i++)
		ok += ops[i].status == 0;
	return ok;
}

static const EVP_CIPHER *
hp_evp_cipher(const struct tern_crypto_ctx *ctx, enum tern_hp_alg alg)
{
	switch (alg) {
	case TERN_HP_AES_128:
		return ctx->ciphers.aes128ecb;
	case TERN_HP_AES_256:
		return ctx->ciphers.aes256ecb;
	case TERN_HP_CHACHA20:
		return ctx->ciphers.chacha20;
	}
	return NULL;
}

int
tern_hp_key_create(struct tern_crypto_ctx *ctx, enum tern_hp_alg alg, const uint8_t *raw,
		   size_t key_len, struct tern_hp_key **keyp)
{
	struct tern_hp_key *key;
	int rc;

	if (ctx == NULL || raw == NULL || keyp == NULL)
		return -TERN_EINVAL;
	*keyp = NULL;
	if (tern_hp_key_len(alg) == 0 || key_len != tern_hp_key_len(alg))
		return -TERN_EINVAL;
	if (posix_memalign((void **)&key, 64, sizeof(*key)) != 0)
		return -TERN_ENOMEM;
	memset(key, 0, sizeof(*key));
	key->alg = alg;
	key->backend = ctx->ops->id;
	key->serial = tern_crypto_next_serial();
	atomic_init(&key->refs, 1);
	key->evp_cipher = hp_evp_cipher(ctx, alg);
	if (key->evp_cipher == NULL || EVP_CIPHER_up_ref((EVP_CIPHER *)key->evp_cipher) != 1) {
		free(key);
		return -TERN_EINTERNAL;
	}
	memcpy(key->raw, raw, key_len);
	key->raw_len = (uint32_t)key_len;
	rc = ctx->ops->hp_key_init(ctx, key, raw);
	if (rc != 0) {
		tern_hp_key_free(key);
		return rc;
	}
	*keyp = key;
	return 0;
}

struct tern_hp_key *
tern_hp_key_ref(struct tern_hp_key *key)
{
	if (key != NULL)
		atomic_fetch_add_explicit(&key->refs, 1, memory_order_relaxed);
	return key;
}

void
tern_hp_key_free(struct tern_hp_key *key)
{
	if (key == NULL)
		return;
	/* acq_rel: the last holder must see every other holder's use done. */
	if (atomic_fetch_sub_explicit(&key->refs, 1, memory_order_acq_rel) != 1)
		return;
	EVP_CIPHER_free((EVP_CIPHER *)key->evp_cipher);
	OPENSSL_cleanse(key, sizeof(*key));
	free(key);
}

enum tern_hp_alg
tern_hp_key_alg(const struct tern_hp_key *key)
{
	return key->alg;
}

int
tern_hp_mask_burst(struct tern_crypto_ctx *ctx, struct tern_hp_op *ops, uint16_t n)
{
	enum tern_crypto_backend id = ctx->ops->id;
	int rc = 0;
	uint16_t i;

	for (i = 0; i < n; i++) {
		if (TERN_UNLIKELY(ops[i].key->backend != id)) {
			memset(ops[i].mask, 0, sizeof(ops[i].mask));
			rc = -TERN_EINVAL;
		}
	}
	ctx->ops->hp_mask(ctx, ops, n);
	return rc;
}
