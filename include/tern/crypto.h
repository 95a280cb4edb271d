/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_CRYPTO_H
#define TERN_CRYPTO_H

/**
 * @file
 * crypto-accel: AEAD sealing/opening and QUIC-style header-protection masks
 * in bursts, plus HKDF. Knows nothing of TLS or QUIC framing.
 *
 * Threading model (as DPDK's per-lcore objects):
 * - A context (struct tern_crypto_ctx) belongs to one thread at a time; create
 *   one per lcore. It holds the backend's scratch state (IPsec-MB manager,
 *   OpenSSL cipher contexts). No global locks are taken after creation.
 * - Keys are immutable after creation and may be read by any number of
 *   threads at once, through any context of the same backend. A key is
 *   created through a context only to borrow its backend; it does not keep a
 *   reference to it.
 * - Key parameters are validated once, at creation; the burst calls do no
 *   per-op parameter checking beyond what they document.
 */

#include <stddef.h>
#include <stdint.h>

#include <tern/error.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TERN_AEAD_NONCE_LEN 12 /**< every supported AEAD takes a 96-bit nonce */
#define TERN_AEAD_TAG_LEN   16 /**< every supported AEAD produces a 128-bit tag */
#define TERN_AEAD_KEY_MAX   32
#define TERN_HP_SAMPLE_LEN  16 /**< RFC 9001 5.4.2 */
#define TERN_HP_MASK_LEN    16 /**< bytes written per mask; QUIC uses the first 5 */

/** AEAD algorithms. */
enum tern_aead_alg {
	TERN_AEAD_AES_128_GCM = 1,
	TERN_AEAD_AES_256_GCM,
	TERN_AEAD_CHACHA20_POLY1305,
};

/** Header-protection mask algorithms (RFC 9001 5.4.3, 5.4.4). */
enum tern_hp_alg {
	TERN_HP_AES_128 = 1,
	TERN_HP_AES_256,
	TERN_HP_CHACHA20,
};

/** Crypto backends. AUTO picks IPSECMB where the CPU allows, else OPENSSL. */
enum tern_crypto_backend {
	TERN_CRYPTO_BACKEND_AUTO = 0,
	TERN_CRYPTO_BACKEND_IPSECMB,
	TERN_CRYPTO_BACKEND_OPENSSL,
};

struct tern_crypto_ctx;
struct tern_aead_key;
struct tern_hp_key;

/**
 * One AEAD operation of a burst.
 *
 * The nonce field is 16 bytes (only the first 12 are used) and 16-byte
 * aligned so that callers can build it with one vector store; an 8-byte store
 * into a 12-byte nonce just before the call stalls store forwarding.
 */
struct tern_aead_op {
	uint8_t nonce[16] __attribute__((aligned(16))); /**< in: bytes 0..11 */
	const struct tern_aead_key *key;		/**< in */
	const uint8_t *aad;				/**< in: may be NULL if aad_len 0 */
	const uint8_t *src;				/**< in */
	uint8_t *dst;	  /**< out: may equal src (in place); must not overlap otherwise */
	uint8_t *tag;	  /**< seal: tag written here; open: tag read from here */
	uint32_t aad_len; /**< in */
	uint32_t len;	  /**< in: plaintext/ciphertext length, without the tag */
	int32_t status;	  /**< out: 0, -TERN_EBADMSG (open) or -TERN_EINVAL */
};

/** One header-protection mask computation of a burst. */
struct tern_hp_op {
	const struct tern_hp_key *key;	/**< in */
	const uint8_t *sample;		/**< in: TERN_HP_SAMPLE_LEN bytes */
	uint8_t mask[TERN_HP_MASK_LEN]; /**< out */
};

/** Name of a backend ("ipsecmb", "openssl", "auto"). */
const char *tern_crypto_backend_name(enum tern_crypto_backend backend);

/**
 * Parse a backend name as accepted on command lines.
 *
 * @return 0 and *backend set, or -TERN_EINVAL.
 */
int tern_crypto_backend_parse(const char *name, enum tern_crypto_backend *backend);

/** Key length in bytes of an AEAD algorithm, 0 if unknown. */
size_t tern_aead_key_len(enum tern_aead_alg alg);

/** Key length in bytes of a header-protection algorithm, 0 if unknown. */
size_t tern_hp_key_len(enum tern_hp_alg alg);

/**
 * Create a per-thread crypto context.
 *
 * The first context of each backend in a process runs that backend's
 * known-answer self-test (every AEAD and header-protection algorithm); if it
 * fails, this and every later creation for that backend fail with
 * -TERN_ESELFTEST.
 *
 * @param backend
 *   Backend to use; AUTO selects IPsec-MB when the CPU has AES-NI and
 *   PCLMULQDQ, OpenSSL otherwise. The TERN_CRYPTO_BACKEND environment
 *   variable ("ipsecmb" / "openssl") overrides AUTO.
 * @param ctxp
 *   Receives the context.
 * @return
 *   0, -TERN_ENOTSUP (backend unusable on this CPU), -TERN_ESELFTEST,
 *   -TERN_ENOMEM or -TERN_EINVAL.
 */
int tern_crypto_ctx_create(enum tern_crypto_backend backend, struct tern_crypto_ctx **ctxp);

/** Free a context (NULL is a no-op). Scratch state is zeroized. */
void tern_crypto_ctx_free(struct tern_crypto_ctx *ctx);

/** The backend a context resolved to (never AUTO). */
enum tern_crypto_backend tern_crypto_ctx_backend(const struct tern_crypto_ctx *ctx);

/** A short description of the code path in use, e.g. "ipsecmb-1.3.0/avx512". */
const char *tern_crypto_ctx_describe(const struct tern_crypto_ctx *ctx);

/**
 * Create an AEAD key: expands the key schedule once.
 *
 * @return 0, -TERN_EINVAL (unknown algorithm or wrong key length),
 *   -TERN_ENOMEM.
 */
int tern_aead_key_create(struct tern_crypto_ctx *ctx, enum tern_aead_alg alg, const uint8_t *key,
			 size_t key_len, struct tern_aead_key **keyp);

/** Zeroize and free an AEAD key (NULL is a no-op). */
void tern_aead_key_free(struct tern_aead_key *key);

/** Algorithm of an AEAD key. */
enum tern_aead_alg tern_aead_key_alg(const struct tern_aead_key *key);

/**
 * Seal a burst: dst = Enc(src), tag = Tag(aad, dst) per op.
 *
 * Ops may mix keys and algorithms. Every op is processed; each op's status
 * says how it went (-TERN_EINVAL if its key belongs to another backend).
 *
 * @return Number of ops with status 0.
 */
uint16_t tern_aead_seal_burst(struct tern_crypto_ctx *ctx, struct tern_aead_op *ops, uint16_t n);

/**
 * Open a burst: verify the tag (constant-time compare) and decrypt.
 *
 * An op whose tag does not verify gets status -TERN_EBADMSG and its dst is
 * zeroized (no unauthenticated plaintext is released); the other ops of the
 * burst are unaffected.
 *
 * @return Number of ops with status 0.
 */
uint16_t tern_aead_open_burst(struct tern_crypto_ctx *ctx, struct tern_aead_op *ops, uint16_t n);

/**
 * Create a header-protection key.
 *
 * @return 0, -TERN_EINVAL, -TERN_ENOMEM.
 */
int tern_hp_key_create(struct tern_crypto_ctx *ctx, enum tern_hp_alg alg, const uint8_t *key,
		       size_t key_len, struct tern_hp_key **keyp);

/**
 * Take another reference to a header-protection key.
 *
 * QUIC keeps the header-protection key across key updates (RFC 9001 6), so
 * every key generation of a connection can share one. Control-plane call;
 * thread-safe (atomic count).
 *
 * @return key.
 */
struct tern_hp_key *tern_hp_key_ref(struct tern_hp_key *key);

/**
 * Drop a reference to a header-protection key; the last one zeroizes and
 * frees it (NULL is a no-op).
 */
void tern_hp_key_free(struct tern_hp_key *key);

/** Algorithm of a header-protection key. */
enum tern_hp_alg tern_hp_key_alg(const struct tern_hp_key *key);

/**
 * Compute a burst of header-protection masks.
 *
 * AES: mask = AES-ECB(key, sample). ChaCha20: mask = ChaCha20(key,
 * counter = sample[0..3] little-endian, nonce = sample[4..15], zeros); in
 * both cases all TERN_HP_MASK_LEN bytes of the mask are written.
 *
 * @return 0, or -TERN_EINVAL if a key belongs to another backend (masks of
 *   the other ops are still computed).
 */
int tern_hp_mask_burst(struct tern_crypto_ctx *ctx, struct tern_hp_op *ops, uint16_t n);

/* --- HKDF (RFC 5869) on libcrypto's EVP_KDF ----------------------------- */

/** Hash functions for HKDF. */
enum tern_hash {
	TERN_HASH_SHA256 = 1,
	TERN_HASH_SHA384,
};

#define TERN_HASH_MAX_LEN 48

/** Output length of a hash, 0 if unknown. */
size_t tern_hash_len(enum tern_hash hash);

/**
 * HKDF-Extract(salt, IKM) -> PRK of tern_hash_len(hash) bytes.
 * A NULL/empty salt means a string of hash-length zeros (RFC 5869 2.2).
 *
 * @return 0, -TERN_EINVAL, -TERN_EINTERNAL.
 */
int tern_hkdf_extract(enum tern_hash hash, const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
		      size_t ikm_len, uint8_t *prk);

/**
 * HKDF-Expand(PRK, info, L).
 *
 * @return 0, -TERN_EINVAL (L > 255 * HashLen or prk shorter than HashLen),
 *   -TERN_EINTERNAL.
 */
int tern_hkdf_expand(enum tern_hash hash, const uint8_t *prk, size_t prk_len, const uint8_t *info,
		     size_t info_len, uint8_t *out, size_t out_len);

#ifdef __cplusplus
}
#endif

#endif /* TERN_CRYPTO_H */
