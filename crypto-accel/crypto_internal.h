/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_CRYPTO_INTERNAL_H
#define TERN_CRYPTO_INTERNAL_H

/*
 * crypto-accel internals: the backend ops table, and the layout of contexts
 * and keys. Only the files of crypto-accel include this.
 */

#include <stdint.h>

#ifndef LINUX
#define LINUX /* 64-byte aligned struct gcm_key_data (crypto-limits.md pitfall 3) */
#endif
#include <intel-ipsec-mb.h>
#include <openssl/evp.h>

#include <tern/crypto.h>

/* Prefetch every cache line of [p, p + len): with many connections a key
 * (1 KB of GCM tables) is cold, and one line ahead is not enough. */
static inline void
tern_prefetch_range(const void *p, size_t len)
{
	const char *c = (const char *)p;
	size_t off;

	for (off = 0; off < len; off += 64)
		__builtin_prefetch(c + off);
}

#define TERN_LIKELY(x)	 __builtin_expect(!!(x), 1)
#define TERN_UNLIKELY(x) __builtin_expect(!!(x), 0)

struct tern_crypto_ctx;

/* A backend is a table, not an if: one per implementation. */
struct tern_crypto_backend_ops {
	enum tern_crypto_backend id;
	const char *name;
	/* NULL or a reason string when the backend cannot run on this CPU. */
	const char *(*unavailable)(void);
	int (*ctx_init)(struct tern_crypto_ctx *ctx);
	void (*ctx_fini)(struct tern_crypto_ctx *ctx);
	int (*aead_key_init)(struct tern_crypto_ctx *ctx, struct tern_aead_key *key,
			     const uint8_t *raw);
	void (*aead_seal)(struct tern_crypto_ctx *ctx, struct tern_aead_op *ops, uint16_t n);
	void (*aead_open)(struct tern_crypto_ctx *ctx, struct tern_aead_op *ops, uint16_t n);
	int (*hp_key_init)(struct tern_crypto_ctx *ctx, struct tern_hp_key *key,
			   const uint8_t *raw);
	void (*hp_mask)(struct tern_crypto_ctx *ctx, struct tern_hp_op *ops, uint16_t n);
};

extern const struct tern_crypto_backend_ops tern_crypto_ipsecmb_ops;
extern const struct tern_crypto_backend_ops tern_crypto_openssl_ops;

/* OpenSSL ciphers fetched once per context: implicit fetches per call are slow in 3.0. */
struct tern_evp_ciphers {
	EVP_CIPHER *aes128gcm;
	EVP_CIPHER *aes256gcm;
	EVP_CIPHER *chachapoly;
	EVP_CIPHER *aes128ecb;
	EVP_CIPHER *aes256ecb;
	EVP_CIPHER *chacha20;
};

/* OpenSSL AEAD contexts with a key already loaded, indexed by key serial:
 * serials are sequential, so a burst over up to this many recent keys
 * expands each key schedule once instead of once per op. */
#define TERN_EVP_CACHE_SLOTS 64

struct tern_evp_slot {
	EVP_CIPHER_CTX *evp;
	uint64_t serial; /* 0: empty */
	int enc;
};

struct tern_crypto_ctx {
	const struct tern_crypto_backend_ops *ops;
	IMB_MGR *mgr;		/* ipsecmb only */
	EVP_CIPHER_CTX *evp_hp; /* header protection (ChaCha20 on both backends) */
	struct tern_evp_ciphers ciphers;
	uint64_t hp_key_serial;
	struct tern_evp_slot *evp_cache; /* openssl backend only */
	char describe[64];
	/* GCM per-call state for the direct API; the stack would do, but this
	 * keeps it out of the way of the record data in cache. */
	struct gcm_context_data gcm_ctx __attribute__((aligned(64)));
};

struct tern_aead_key {
	/* ipsecmb AES-GCM expanded key + GHASH tables; 64-byte aligned. */
	struct gcm_key_data gcm;
	enum tern_aead_alg alg;
	enum tern_crypto_backend backend;
	uint64_t serial; /* unique per key for the process lifetime */
	const EVP_CIPHER *evp_cipher;
	uint8_t raw[TERN_AEAD_KEY_MAX];
	uint32_t raw_len;
} __attribute__((aligned(64)));

struct tern_hp_key {
	/* What a mask reads comes first: with AES-128 the fields below and the
	 * 11 round keys end at byte 192, three cache lines per cold key. */
	enum tern_hp_alg alg;
	enum tern_crypto_backend backend;
	uint32_t aes_rounds;
	/* AES encryption round keys (up to 15 x 16 bytes), 16-byte aligned. */
	uint8_t aes_rk[15 * 16] __attribute__((aligned(16)));
	uint64_t serial;
	_Atomic uint32_t refs;
	const EVP_CIPHER *evp_cipher;
	uint8_t raw[32];
	uint32_t raw_len;
} __attribute__((aligned(64)));

uint64_t tern_crypto_next_serial(void);
int tern_evp_ciphers_fetch(struct tern_evp_ciphers *c);
void tern_evp_ciphers_free(struct tern_evp_ciphers *c);

/* ChaCha20 header-protection masks through OpenSSL (IPsec-MB's ChaCha20 fixes
 * the block counter; QUIC takes it from the sample). */
int tern_hp_chacha20_mask_evp(struct tern_crypto_ctx *ctx, const struct tern_hp_key *key,
			      const uint8_t *sample, uint8_t *mask);

/* AES-NI multi-key ECB of one block per op, ops interleaved 4 at a time. */
void tern_hp_aes_masks_aesni(struct tern_hp_op *ops, uint16_t n);
int tern_cpu_has_aesni(void);

/* Known-answer self-test of every algorithm on ctx's backend. */
int tern_crypto_selftest(struct tern_crypto_ctx *ctx);

#endif /* TERN_CRYPTO_INTERNAL_H */
