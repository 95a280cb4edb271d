/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_TLS_RECORD_H
#define TERN_TLS_RECORD_H

/**
 * @file
 * TLS 1.3 record protection (RFC 8446 5.2-5.5, RFC 8449 record_size_limit),
 * in bursts across many connections, plus a stream reassembler.
 *
 * Threading model: a record state (one connection, one direction) and a
 * reassembler belong to the core that owns the connection; they are not
 * locked. The burst calls take the core's struct tern_crypto_ctx; every key
 * in one burst must come from a context of that context's backend.
 *
 * Nothing on the seal/open/reassembly path allocates memory.
 *
 * Failure is sticky on the receive side: once a record fails to open with a
 * fatal error (bad_record_mac, record_overflow, unexpected_message, sequence
 * exhaustion), every later open on that state returns the same error and
 * alert (RFC 8446 6: the connection MUST be closed). A key change does not
 * clear it.
 */

#include <stddef.h>
#include <stdint.h>

#include <tern/crypto.h>
#include <tern/error.h>
#include <tern/tls_alert.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TERN_TLS_RECORD_HEADER_LEN     5     /**< type, legacy_record_version, length */
#define TERN_TLS_MAX_PLAINTEXT	       16384 /**< 2^14: TLSPlaintext.length limit */
#define TERN_TLS_MAX_INNER_PLAINTEXT   (TERN_TLS_MAX_PLAINTEXT + 1)   /**< + content type */
#define TERN_TLS_MAX_CIPHERTEXT	       (TERN_TLS_MAX_PLAINTEXT + 256) /**< RFC 8446 5.2 */
#define TERN_TLS_MAX_RECORD	       (TERN_TLS_RECORD_HEADER_LEN + TERN_TLS_MAX_CIPHERTEXT)
#define TERN_TLS_RECORD_SIZE_LIMIT_MIN 64 /**< RFC 8449 4: smallest legal value */
#define TERN_TLS_RECORD_SIZE_LIMIT_MAX TERN_TLS_MAX_INNER_PLAINTEXT /**< RFC 8449 4, TLS 1.3 */
/** Bytes a protected record adds to its content when unpadded: header, type, tag. */
#define TERN_TLS_RECORD_OVERHEAD (TERN_TLS_RECORD_HEADER_LEN + 1 + TERN_AEAD_TAG_LEN)
/** Ops per crypto-accel call; longer bursts are processed in chunks of this size. */
#define TERN_TLS_RECORD_BURST_MAX 64

/** ContentType (RFC 8446 5.1). */
enum tern_tls_content_type {
	TERN_TLS_CT_INVALID = 0,
	TERN_TLS_CT_CHANGE_CIPHER_SPEC = 20,
	TERN_TLS_CT_ALERT = 21,
	TERN_TLS_CT_HANDSHAKE = 22,
	TERN_TLS_CT_APPLICATION_DATA = 23,
};

/**
 * Open status (positive, not an error): the record was an unprotected
 * change_cipher_spec record of the single byte 0x01. Middlebox compatibility
 * mode (RFC 8446 5, D.4) says to drop it between the first ClientHello and
 * the peer's Finished; the handshake layer knows which phase it is in and
 * decides. Nothing was decrypted and the sequence number did not move.
 */
#define TERN_TLS_OPEN_CCS 1

/** How a sender pads TLSInnerPlaintext (RFC 8446 5.4). */
enum tern_tls_pad_policy {
	TERN_TLS_PAD_NONE = 0, /**< no padding */
	/** pad TLSInnerPlaintext (content + type + zeros) to a multiple of n bytes */
	TERN_TLS_PAD_MULTIPLE,
	/** pad TLSInnerPlaintext to n bytes (longer content is not padded) */
	TERN_TLS_PAD_FIXED,
};

/** Record protection state of one connection in one direction. Opaque. */
struct tern_tls_record_state;

/**
 * Create a record protection state.
 *
 * Called at key installation time by the thread owning the connection (or
 * the control thread before the connection is published). Allocates.
 *
 * @param ctx
 *   Context whose backend the key is created for.
 * @param alg
 *   AEAD of the cipher suite.
 * @param key, key_len
 *   [sender]_write_key (RFC 8446 7.3); key_len must match alg.
 * @param iv, iv_len
 *   [sender]_write_iv; iv_len must be TERN_AEAD_NONCE_LEN (12).
 * @param statep
 *   Receives the state: sequence number 0, record size limit 2^14 + 1
 *   (TLSInnerPlaintext), no padding.
 * @return
 *   0, -TERN_EINVAL (bad algorithm, key or IV length), -TERN_ENOMEM.
 */
int tern_tls_record_state_create(struct tern_crypto_ctx *ctx, enum tern_aead_alg alg,
				 const uint8_t *key, size_t key_len, const uint8_t *iv,
				 size_t iv_len, struct tern_tls_record_state **statep);

/** Zeroize and free a state (NULL is a no-op). */
void tern_tls_record_state_free(struct tern_tls_record_state *state);

/**
 * Key change: install a new key and IV and reset the sequence number to 0
 * (RFC 8446 5.3; the handshake-to-application switch and KeyUpdate, 4.6.3).
 *
 * The old key is zeroized. On failure the old key, IV and sequence number
 * stay in place. A sticky receive failure is not cleared.
 *
 * @return 0, -TERN_EINVAL, -TERN_ENOMEM.
 */
int tern_tls_record_state_set_key(struct tern_tls_record_state *state, struct tern_crypto_ctx *ctx,
				  enum tern_aead_alg alg, const uint8_t *key, size_t key_len,
				  const uint8_t *iv, size_t iv_len);

/**
 * Apply a record_size_limit (RFC 8449 4).
 *
 * For TLS 1.3 the limit counts the whole TLSInnerPlaintext (content, type
 * and padding): the largest content is limit - 1 bytes. On a sending state
 * pass the value the peer advertised; on a receiving state pass the value
 * this endpoint advertised (larger records fail with record_overflow).
 *
 * @param limit
 *   TERN_TLS_RECORD_SIZE_LIMIT_MIN..TERN_TLS_RECORD_SIZE_LIMIT_MAX. A peer
 *   may advertise more than 2^14 + 1 (RFC 8449 4 lets future versions do
 *   so); clamp such values to TERN_TLS_RECORD_SIZE_LIMIT_MAX first.
 * @return 0 or -TERN_ERANGE.
 */
int tern_tls_record_state_set_size_limit(struct tern_tls_record_state *state, uint32_t limit);

/** The record size limit in force (largest TLSInnerPlaintext, bytes). */
uint32_t tern_tls_record_state_size_limit(const struct tern_tls_record_state *state);

/** Largest content (TLSPlaintext.length) one record may carry: the limit - 1. */
uint32_t tern_tls_record_state_max_plaintext(const struct tern_tls_record_state *state);

/**
 * Set the padding policy of a sending state.
 *
 * Padding never takes TLSInnerPlaintext above the record size limit.
 *
 * @param n
 *   Ignored for TERN_TLS_PAD_NONE; otherwise 1..TERN_TLS_MAX_INNER_PLAINTEXT.
 * @return 0 or -TERN_EINVAL.
 */
int tern_tls_record_state_set_padding(struct tern_tls_record_state *state,
				      enum tern_tls_pad_policy policy, uint32_t n);

/**
 * Length of the protected record that sealing pt_len content bytes would
 * produce under the current limit and padding policy.
 *
 * @return Bytes including the header, or 0 if pt_len exceeds the limit.
 */
size_t tern_tls_record_sealed_len(const struct tern_tls_record_state *state, size_t pt_len);

/** Sequence number of the next record (RFC 8446 5.3). */
uint64_t tern_tls_record_state_seq(const struct tern_tls_record_state *state);

/**
 * Set the sequence number of the next record.
 *
 * For restoring a serialized connection and for tests (sequence exhaustion).
 * A normal connection never calls it: the sequence starts at 0 and is reset
 * by tern_tls_record_state_set_key().
 */
void tern_tls_record_state_set_seq(struct tern_tls_record_state *state, uint64_t seq);

/** AEAD algorithm of the installed key. */
enum tern_aead_alg tern_tls_record_state_alg(const struct tern_tls_record_state *state);

/**
 * The sticky failure of a state, if any.
 *
 * @param alert
 *   If not NULL, receives the alert to send (TERN_TLS_ALERT_NONE if none).
 * @return 0 if the state has not failed, else the negative error code that
 *   every further call on it returns.
 */
int tern_tls_record_state_error(const struct tern_tls_record_state *state,
				enum tern_tls_alert *alert);

/** One record to seal. */
struct tern_tls_seal_op {
	struct tern_tls_record_state *state; /**< in: sending state */
	const uint8_t *plaintext;	     /**< in: content; may overlap out (e.g. out + 5) */
	uint8_t *out;			     /**< in: receives the whole protected record */
	uint32_t plaintext_len;		     /**< in: content bytes, <= max_plaintext */
	uint32_t out_cap;		     /**< in: bytes writable at out */
	uint8_t content_type;		     /**< in: alert, handshake or application_data */
	uint32_t out_len;		     /**< out: record length (header included) */
	uint64_t seq;			     /**< out: sequence number the record used */
	/**
	 * out: 0, -TERN_EINVAL (bad op: NULL pointers, content type other than
	 * 21..23, or empty content of a type other than application_data, RFC
	 * 8446 5.4), -TERN_ERANGE (content above the record size limit),
	 * -TERN_ENOBUFS (out_cap too small: see tern_tls_record_sealed_len()),
	 * -TERN_ELIMIT (the sequence number is exhausted: change keys or close),
	 * or a crypto failure (which also fails the state, as its sequence
	 * number is spent). Only status 0 records may be sent; out is zeroed
	 * when sealing itself failed.
	 */
	int32_t status;
};

/**
 * Seal a burst of records, possibly for many connections.
 *
 * Writes TLSCiphertext (opaque_type 23, legacy_record_version 0x0303,
 * length) followed by the AEAD of TLSInnerPlaintext (content, type, zero
 * padding per the state's policy) with the header as additional data and
 * nonce = write_iv XOR sequence number (RFC 8446 5.2, 5.3). Ops of the same
 * state take consecutive sequence numbers in array order. One crypto-accel
 * call per TERN_TLS_RECORD_BURST_MAX ops.
 *
 * Called by the thread owning the states; does not allocate.
 *
 * @return Number of ops with status 0.
 */
uint16_t tern_tls_record_seal_burst(struct tern_crypto_ctx *ctx, struct tern_tls_seal_op *ops,
				    uint16_t n);

/** One record to open. */
struct tern_tls_open_op {
	struct tern_tls_record_state *state; /**< in: receiving state */
	const uint8_t *record;		     /**< in: bytes starting at a record header */
	/**
	 * in: receives TLSInnerPlaintext (content first); may be record + 5 to
	 * decrypt in place, must not overlap the record otherwise.
	 */
	uint8_t *out;
	uint32_t record_len;	/**< in: bytes readable at record (may hold more records) */
	uint32_t out_cap;	/**< in: bytes writable at out; TLSCiphertext.length - 16 needed */
	uint32_t consumed;	/**< out: bytes of the record (header included) */
	uint32_t needed;	/**< out: with -TERN_EAGAIN, bytes still missing */
	uint32_t plaintext_len; /**< out: content bytes at out */
	uint8_t content_type;	/**< out: inner content type (20 for TERN_TLS_OPEN_CCS) */
	uint64_t seq;		/**< out: sequence number the record used */
	/**
	 * out:
	 * - 0: opened; plaintext_len bytes of content_type at out.
	 * - TERN_TLS_OPEN_CCS: unprotected compatibility change_cipher_spec.
	 * - -TERN_EAGAIN: the record is incomplete, `needed` more bytes (not
	 *   a failure; nothing changed).
	 * - -TERN_ENOBUFS: out_cap too small (not a failure).
	 * - -TERN_EINVAL: NULL state, record or out.
	 * - -TERN_EBADMSG: could not be deprotected (alert bad_record_mac).
	 * - -TERN_EPROTO: record_overflow or unexpected_message, see alert.
	 * - -TERN_ELIMIT: the sequence number is exhausted (internal_error).
	 * The last three are sticky; out holds no plaintext after any of them.
	 */
	int32_t status;
	enum tern_tls_alert alert; /**< out: alert for a failure, else TERN_TLS_ALERT_NONE */
};

/**
 * Open a burst of complete records, possibly for many connections.
 *
 * Checks, per RFC 8446 5: a protected record has opaque_type 23 (else
 * unexpected_message; a 1-byte 0x01 change_cipher_spec is reported as
 * TERN_TLS_OPEN_CCS, any other change_cipher_spec is unexpected_message);
 * TLSCiphertext.length <= 2^14 + 256 and TLSInnerPlaintext <= the record
 * size limit (else record_overflow); the tag (else bad_record_mac); a
 * non-zero content type after the padding, one of 21..23, with non-empty
 * content unless application_data (else unexpected_message).
 * legacy_record_version is not checked (it is authenticated as AAD).
 *
 * Ops of the same state must be consecutive records of that connection in
 * array order. One crypto-accel call per TERN_TLS_RECORD_BURST_MAX ops.
 *
 * Called by the thread owning the states; does not allocate.
 *
 * @return Number of ops with status 0.
 */
uint16_t tern_tls_record_open_burst(struct tern_crypto_ctx *ctx, struct tern_tls_open_op *ops,
				    uint16_t n);

/* --- stream reassembly ---------------------------------------------------- */

/** Reassembler of the records of one byte stream (one connection, receive side). Opaque. */
struct tern_tls_reasm;

/** What tern_tls_reasm_next() found. */
struct tern_tls_reasm_result {
	/**
	 * A complete record (header included): either inside the caller's
	 * input (no copy) or inside the reassembler, valid until the next
	 * call on it.
	 */
	const uint8_t *record;
	size_t record_len;
	size_t consumed; /**< bytes of the input used by this call */
	size_t needed;	 /**< with -TERN_EAGAIN: bytes still missing for the current record */
	enum tern_tls_alert alert; /**< with -TERN_EPROTO */
};

/**
 * Create a reassembler. Its buffer holds at most one record of
 * TERN_TLS_MAX_RECORD bytes. Allocates; call at connection setup.
 *
 * @return 0 or -TERN_ENOMEM.
 */
int tern_tls_reasm_create(struct tern_tls_reasm **reasmp);

/** Free a reassembler (NULL is a no-op). */
void tern_tls_reasm_free(struct tern_tls_reasm *reasm);

/** Drop buffered bytes and any sticky failure (connection reuse). */
void tern_tls_reasm_reset(struct tern_tls_reasm *reasm);

/** Bytes buffered towards the current record. */
size_t tern_tls_reasm_buffered(const struct tern_tls_reasm *reasm);

/**
 * Take stream bytes and return the next complete record.
 *
 * Consumes at most the rest of the current record from `in`, so call it
 * again with in + consumed while bytes remain. Reads nothing outside
 * in[0, in_len). The header is checked as soon as its 5 bytes are there:
 * a content type other than 20..23 is unexpected_message; a length above
 * 2^14 + 256 (type 23) or 2^14 (other types, which are never protected) is
 * record_overflow (RFC 8446 5.1, 5.2). Record size limits and everything
 * else are checked by tern_tls_record_open_burst().
 *
 * @return
 *   0 with result->record set; -TERN_EAGAIN when all of `in` was taken and
 *   result->needed more bytes complete the record; -TERN_EPROTO with
 *   result->alert (sticky until reset); -TERN_EINVAL for NULL arguments.
 */
int tern_tls_reasm_next(struct tern_tls_reasm *reasm, const uint8_t *in, size_t in_len,
			struct tern_tls_reasm_result *result);

#ifdef __cplusplus
}
#endif

#endif /* TERN_TLS_RECORD_H */
