/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_KEYSCHEDULE_H
#define TERN_KEYSCHEDULE_H

/**
 * @file
 * TLS 1.3 key-schedule helpers (HKDF-Expand-Label, Derive-Secret; RFC 8446bis
 * section 7.1) and the QUIC key derivations built on them (RFC 9001 5,
 * RFC 9369 3.3).
 *
 * All functions are pure computations over caller buffers on top of
 * tern_hkdf_extract() / tern_hkdf_expand(): no context, no allocation, safe to
 * call from any thread. They cost a few HMAC invocations each: call them at
 * key installation, not per packet.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tern/crypto.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Longest Label accepted by HKDF-Expand-Label: 255 minus "tls13 ". */
#define TERN_HKDF_LABEL_MAX 249
/** Longest Context accepted by HKDF-Expand-Label. */
#define TERN_HKDF_CONTEXT_MAX 255

/** TLS 1.3 cipher suites (IANA code points). */
enum tern_tls13_cipher_suite {
	TERN_TLS13_AES_128_GCM_SHA256 = 0x1301,
	TERN_TLS13_AES_256_GCM_SHA384 = 0x1302,
	TERN_TLS13_CHACHA20_POLY1305_SHA256 = 0x1303,
};

/** What a TLS 1.3 cipher suite means for record and packet protection. */
struct tern_tls13_suite {
	uint16_t id;		 /**< enum tern_tls13_cipher_suite */
	enum tern_aead_alg aead; /**< packet/record AEAD */
	enum tern_hp_alg hp;	 /**< QUIC header protection (RFC 9001 5.4.3, 5.4.4) */
	enum tern_hash hash;	 /**< HKDF / transcript hash */
	uint8_t key_len;	 /**< AEAD key length = QUIC hp key length */
	uint8_t hash_len;	 /**< secret length */
};

/**
 * Look up a TLS 1.3 cipher suite.
 *
 * @param id
 *   IANA code point (0x1301, 0x1302 or 0x1303).
 * @return
 *   A static description, or NULL if the suite is not supported.
 */
const struct tern_tls13_suite *tern_tls13_suite_get(uint16_t id);

/**
 * HKDF-Expand-Label(Secret, Label, Context, Length) (RFC 8446bis 7.1).
 *
 * @param hash
 *   TERN_HASH_SHA256 or TERN_HASH_SHA384.
 * @param secret
 *   The PRK; at least tern_hash_len(hash) bytes.
 * @param label
 *   NUL-terminated label without the "tls13 " prefix (added here), at most
 *   TERN_HKDF_LABEL_MAX bytes.
 * @param context
 *   Context bytes; may be NULL when context_len is 0.
 * @param context_len
 *   At most TERN_HKDF_CONTEXT_MAX.
 * @param out
 *   Receives out_len bytes.
 * @param out_len
 *   1..65535 and at most 255 * hash length.
 * @return
 *   0, -TERN_EINVAL (bad hash, label or context too long, bad length) or
 *   -TERN_EINTERNAL. On error out is zeroized.
 */
int tern_hkdf_expand_label(enum tern_hash hash, const uint8_t *secret, size_t secret_len,
			   const char *label, const uint8_t *context, size_t context_len,
			   uint8_t *out, size_t out_len);

/**
 * Derive-Secret(Secret, Label, Messages) (RFC 8446bis 7.1), given
 * Transcript-Hash(Messages) computed by the caller.
 *
 * @param transcript_hash
 *   tern_hash_len(hash) bytes.
 * @param out
 *   Receives tern_hash_len(hash) bytes.
 * @return
 *   0, -TERN_EINVAL or -TERN_EINTERNAL.
 */
int tern_derive_secret(enum tern_hash hash, const uint8_t *secret, size_t secret_len,
		       const char *label, const uint8_t *transcript_hash, uint8_t *out);

/* --- QUIC (RFC 9001, RFC 9369) ------------------------------------------ */

/** QUIC versions with packet protection support. */
enum tern_quic_version {
	TERN_QUIC_V1 = 0x00000001, /**< RFC 9000 */
	TERN_QUIC_V2 = 0x6b3343cf, /**< RFC 9369 */
};

/** Longest connection ID in QUIC v1 and v2 (RFC 9000 17.2). */
#define TERN_QUIC_MAX_CID_LEN 20
/** Length of an Initial secret (SHA-256). */
#define TERN_QUIC_INITIAL_SECRET_LEN 32

/** Whether a version number is one tern protects (v1 or v2). */
bool tern_quic_version_supported(uint32_t version);

/**
 * The Initial salt of a version (RFC 9001 5.2, RFC 9369 3.3.1).
 *
 * @return A static 20-byte salt, or NULL for an unsupported version.
 */
const uint8_t *tern_quic_initial_salt(uint32_t version, size_t *salt_len);

/**
 * Derive the client and server Initial secrets from the client's first
 * Destination Connection ID (RFC 9001 5.2: "client in", "server in").
 *
 * @param dcid_len
 *   0..TERN_QUIC_MAX_CID_LEN.
 * @return
 *   0, -TERN_EINVAL (version or length) or -TERN_EINTERNAL. Both outputs are
 *   zeroized on error.
 */
int tern_quic_initial_secrets(uint32_t version, const uint8_t *dcid, size_t dcid_len,
			      uint8_t client_secret_out[TERN_QUIC_INITIAL_SECRET_LEN],
			      uint8_t server_secret_out[TERN_QUIC_INITIAL_SECRET_LEN]);

/**
 * Derive the packet protection key, IV and header-protection key from a QUIC
 * traffic secret (RFC 9001 5.1: "quic key", "quic iv", "quic hp"; v2 uses
 * "quicv2 ..." per RFC 9369 3.3.2).
 *
 * @param suite
 *   From tern_tls13_suite_get(); for Initial packets, TLS_AES_128_GCM_SHA256.
 * @param secret_len
 *   Must be suite->hash_len.
 * @param key
 *   Receives suite->key_len bytes.
 * @param iv
 *   Receives TERN_AEAD_NONCE_LEN bytes.
 * @param hp
 *   Receives suite->key_len bytes.
 * @return
 *   0, -TERN_EINVAL or -TERN_EINTERNAL (all outputs zeroized on error).
 */
int tern_quic_packet_keys(uint32_t version, const struct tern_tls13_suite *suite,
			  const uint8_t *secret, size_t secret_len, uint8_t *key,
			  uint8_t iv[TERN_AEAD_NONCE_LEN], uint8_t *hp);

/**
 * The next-generation secret of a key update (RFC 9001 6.1: "quic ku";
 * RFC 9369 3.3.2: "quicv2 ku"). The header-protection key is not updated.
 *
 * @param next
 *   Receives secret_len bytes (secret_len must be tern_hash_len(hash)).
 * @return
 *   0, -TERN_EINVAL or -TERN_EINTERNAL.
 */
int tern_quic_key_update_secret(uint32_t version, enum tern_hash hash, const uint8_t *secret,
				size_t secret_len, uint8_t *next);

#ifdef __cplusplus
}
#endif

#endif /* TERN_KEYSCHEDULE_H */
