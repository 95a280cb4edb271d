/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_QUIC_PACKET_H
#define TERN_QUIC_PACKET_H

/**
 * @file
 * QUIC packet protection (RFC 9001 5, RFC 9369), without transport:
 * per-direction key state, header parsing, coalesced-datagram splitting,
 * burst protect/unprotect, packet-number encoding and the Retry integrity tag.
 *
 * Threading: key objects (struct tern_quic_keys, struct tern_quic_retry_key)
 * are immutable after creation and may be shared by any number of threads.
 * The burst calls use the caller's struct tern_crypto_ctx, which belongs to
 * one thread; every key used with a context must have been created through a
 * context of the same backend. Parsing and packet-number helpers are pure.
 *
 * Cost: tern_quic_protect_burst() and tern_quic_unprotect_burst() make one
 * AEAD burst call and one header-protection burst call per
 * TERN_QUIC_BURST_MAX packets; they neither allocate nor lock.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tern/crypto.h>
#include <tern/keyschedule.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Packets handled per crypto-accel call; longer bursts are cut in chunks. */
#define TERN_QUIC_BURST_MAX 64
/** Largest packet number (RFC 9000 12.3). */
#define TERN_QUIC_PN_MAX ((1ULL << 62) - 1)
/** Length of the Retry Integrity Tag (RFC 9001 5.8). */
#define TERN_QUIC_RETRY_TAG_LEN 16
/** Longest connection ID of an unknown version (RFC 8999 5.1). */
#define TERN_QUIC_MAX_ANY_CID_LEN 255

/** Packet types, independent of the version's wire encoding. */
enum tern_quic_pkt_type {
	TERN_QUIC_PKT_INITIAL = 1,
	TERN_QUIC_PKT_0RTT,
	TERN_QUIC_PKT_HANDSHAKE,
	TERN_QUIC_PKT_RETRY,
	TERN_QUIC_PKT_1RTT,		   /**< short header */
	TERN_QUIC_PKT_VERSION_NEGOTIATION, /**< long header, version 0 */
	TERN_QUIC_PKT_UNSUPPORTED_VERSION, /**< long header of a version tern does not know */
};

/**
 * A parsed packet header. Pointers borrow from the parsed buffer; offsets
 * are relative to the packet's first byte unless said otherwise.
 *
 * Header protection is still applied when this is filled: the low bits of
 * the first byte (reserved bits, key phase, packet number length) and the
 * packet number bytes are not meaningful yet.
 */
struct tern_quic_hdr {
	enum tern_quic_pkt_type type;
	uint32_t version;   /**< long headers; 0 for short headers and VN */
	uint8_t first_byte; /**< as received (protected) */
	uint8_t dcid_len;   /**< up to 20 (v1/v2) or 255 (other versions) */
	uint8_t scid_len;   /**< long headers */
	const uint8_t *dcid;
	const uint8_t *scid;  /**< long headers */
	const uint8_t *token; /**< Initial token, or the Retry token (tag excluded) */
	size_t token_len;
	const uint8_t *versions; /**< Version Negotiation: supported versions list */
	size_t versions_count;	 /**< number of 4-byte versions */
	size_t pn_offset;	 /**< Initial/0-RTT/Handshake/1-RTT: start of packet number */
	size_t off;		 /**< offset of the packet within the datagram */
	size_t len;		 /**< bytes of the packet (up to the end of its Length) */
};

/**
 * Map a v1/v2 long-header packet type to its 2-bit wire value
 * (RFC 9000 17.2, RFC 9369 3.2).
 *
 * @return 0..3, or -TERN_EINVAL (unknown version or not a long-header type
 *   with a type field).
 */
int tern_quic_long_type_bits(uint32_t version, enum tern_quic_pkt_type type);

/**
 * Parse the header of the packet at the start of buf (RFC 9000 17, RFC 8999).
 *
 * Long headers: version, connection IDs (at most 20 bytes for v1/v2), the
 * Initial token, the Length field; Retry and Version Negotiation packets and
 * long headers of unknown versions extend to the end of buf. Short headers:
 * the DCID has short_dcid_len bytes and the packet takes the rest of buf.
 *
 * Any thread may call this; it only reads buf[0..len-1].
 *
 * @param short_dcid_len
 *   Length of the connection IDs this endpoint issued (0..20).
 * @return
 *   0 and *hdr filled (hdr->off is 0), or -TERN_EPROTO for a malformed or
 *   truncated header (including a zero fixed bit for v1/v2 packets), or
 *   -TERN_EINVAL for bad arguments.
 */
int tern_quic_hdr_parse(const uint8_t *buf, size_t len, size_t short_dcid_len,
			struct tern_quic_hdr *hdr);

/**
 * Split a UDP datagram into its coalesced packets (RFC 9000 12.2) using each
 * long header's Length field; a short-header packet, Retry, Version
 * Negotiation or unknown-version packet takes the rest of the datagram.
 *
 * Parsing stops at the first malformed packet; the packets before it are
 * still returned (the rest of the datagram is to be dropped). Packets whose
 * DCID differs from the first packet's are skipped (RFC 9000 12.2: SHOULD
 * ignore).
 *
 * @param hdrs
 *   Receives up to max headers; hdrs[i].off locates each packet.
 * @return
 *   Number of packets (>= 1), -TERN_EPROTO if even the first packet is
 *   malformed, or -TERN_EINVAL. If there are more than max packets, the first
 *   max are returned.
 */
int tern_quic_datagram_split(const uint8_t *dgram, size_t len, size_t short_dcid_len,
			     struct tern_quic_hdr *hdrs, size_t max);

/* --- Packet numbers (RFC 9000 17.1, A.2, A.3) -------------------------- */

/**
 * Number of bytes (1..4) to encode pn with, given the largest packet number
 * the peer acknowledged in that space (RFC 9000 A.2).
 *
 * @param largest_acked
 *   -1 if nothing was acknowledged yet.
 * @return
 *   1..4 (4 also when even 4 bytes do not cover twice the unacknowledged
 *   range), or -TERN_ERANGE if pn > TERN_QUIC_PN_MAX or pn <= largest_acked.
 */
int tern_quic_pn_len(uint64_t pn, int64_t largest_acked);

/**
 * Recover a full packet number from its truncated encoding (RFC 9000 A.3).
 *
 * @param largest_pn
 *   Largest packet number successfully processed in the space, -1 if none.
 * @param pn_len
 *   1..4 (other values are clamped into that range).
 */
uint64_t tern_quic_pn_decode(int64_t largest_pn, uint64_t truncated_pn, size_t pn_len);

/* --- Per-direction key state -------------------------------------------- */

/**
 * Packet protection keys of one direction and one encryption level: AEAD key,
 * header-protection key and static IV (RFC 9001 5.1), plus the secret for
 * the next key-update generation. Opaque; immutable once created.
 */
struct tern_quic_keys;

/**
 * Build the key state of one direction from a traffic secret.
 *
 * Control-plane call (a few HMACs and two key expansions, allocates).
 *
 * @param ctx
 *   Borrowed for its backend only.
 * @param version
 *   TERN_QUIC_V1 or TERN_QUIC_V2: selects the labels.
 * @param cipher_suite
 *   TLS 1.3 cipher suite (enum tern_tls13_cipher_suite).
 * @param secret_len
 *   The suite's hash length.
 * @return
 *   0, -TERN_EINVAL, -TERN_ENOMEM, -TERN_ENOTSUP or -TERN_EINTERNAL.
 */
int tern_quic_keys_create(struct tern_crypto_ctx *ctx, uint32_t version, uint16_t cipher_suite,
			  const uint8_t *secret, size_t secret_len, struct tern_quic_keys **keysp);

/**
 * Build both directions' Initial keys from the client's first Destination
 * Connection ID (RFC 9001 5.2).
 *
 * @return 0 (both created) or a negative error (neither created).
 */
int tern_quic_keys_create_initial(struct tern_crypto_ctx *ctx, uint32_t version,
				  const uint8_t *dcid, size_t dcid_len,
				  struct tern_quic_keys **client_keysp,
				  struct tern_quic_keys **server_keysp);

/**
 * Derive the next key-update generation (RFC 9001 6.1): new secret with
 * "quic ku" ("quicv2 ku" for v2), new AEAD key and IV; the same
 * header-protection key; key phase flips.
 *
 * @return 0, -TERN_EINVAL, -TERN_ENOMEM or -TERN_EINTERNAL.
 */
int tern_quic_keys_next(struct tern_crypto_ctx *ctx, const struct tern_quic_keys *cur,
			struct tern_quic_keys **nextp);

/** Zeroize and free key state (NULL is a no-op). */
void tern_quic_keys_free(struct tern_quic_keys *keys);

/** Key phase bit of packets protected with these keys (generation & 1). */
unsigned tern_quic_keys_phase(const struct tern_quic_keys *keys);

/** Key-update generation (0 for keys built from a handshake secret). */
uint64_t tern_quic_keys_generation(const struct tern_quic_keys *keys);

/** The QUIC version the keys were derived for. */
uint32_t tern_quic_keys_version(const struct tern_quic_keys *keys);

/* --- Burst protect / unprotect ------------------------------------------ */

/** One packet to protect. */
struct tern_quic_tx_pkt {
	const struct tern_quic_keys *keys; /**< in */
	/**
	 * in: the unprotected header, ending with the encoded packet number;
	 * its first byte gives the form and the packet number length. For
	 * long headers the Length field must already count pn + payload + 16.
	 * May equal buf; must not overlap it otherwise.
	 */
	const uint8_t *hdr;
	/** in: plaintext frames; may equal buf + hdr_len, else no overlap. */
	const uint8_t *payload;
	uint8_t *buf;	    /**< in: where the protected packet is written */
	uint64_t pn;	    /**< in: full packet number (for the nonce) */
	size_t hdr_len;	    /**< in */
	size_t payload_len; /**< in: pn_len + payload_len must be >= 4 (sampling) */
	size_t cap;	    /**< in: bytes available at buf */
	size_t pkt_len;	    /**< out: hdr_len + payload_len + TERN_AEAD_TAG_LEN */
	/**
	 * out: 0, -TERN_ENOBUFS (cap too small), -TERN_ERANGE (payload too
	 * short to sample, or too long), -TERN_EINVAL (bad header or keys).
	 */
	int32_t status;
};

/**
 * Protect a burst of packets: copy header and payload into buf, seal
 * (RFC 9001 5.3: AAD = header, nonce = IV xor pn), then apply header
 * protection (RFC 9001 5.4). Packets may mix keys, levels and header forms.
 *
 * Data-plane call for the thread owning ctx; no allocation.
 *
 * @return Number of packets with status 0.
 */
uint16_t tern_quic_protect_burst(struct tern_crypto_ctx *ctx, struct tern_quic_tx_pkt *pkts,
				 uint16_t n);

/** One packet to unprotect, in place. */
struct tern_quic_rx_pkt {
	/**
	 * in: keys for the packet's level; for 1-RTT, the keys whose
	 * phase is current (also the header-protection key).
	 */
	const struct tern_quic_keys *keys;
	/**
	 * in: 1-RTT only: keys for the other key phase, or NULL. With
	 * prev_keys set these are the next generation's.
	 */
	const struct tern_quic_keys *alt_keys;
	/**
	 * in: 1-RTT only, optional: the previous generation's keys, still
	 * kept for late packets (RFC 9001 6.5). A packet in the other phase
	 * whose packet number is below phase_start_pn is opened with these,
	 * any other with alt_keys: the packet number, not trial decryption,
	 * picks the generation, so a failure can be final.
	 */
	const struct tern_quic_keys *prev_keys;
	/** in: with prev_keys: the lowest pn received in the current phase. */
	uint64_t phase_start_pn;
	uint8_t *pkt;	    /**< in: the packet (modified in place) */
	size_t pkt_len;	    /**< in: e.g. tern_quic_hdr.len */
	size_t pn_offset;   /**< in: tern_quic_hdr.pn_offset */
	int64_t largest_pn; /**< in: largest pn processed in this space, -1 if none */
	uint64_t pn;	    /**< out: full packet number */
	uint8_t *payload;   /**< out: decrypted frames (inside pkt) */
	size_t payload_len; /**< out */
	uint8_t first_byte; /**< out: first byte without header protection */
	uint8_t pn_len;	    /**< out: 1..4 */
	uint8_t key_phase;  /**< out: 1-RTT: key phase bit of the packet */
	/** out: true if the AEAD tag verified (status 0 or reserved bits set) */
	bool authenticated;
	/**
	 * out: 0; -TERN_EPROTO: too short to sample (RFC 9001 5.4.2) - drop,
	 * or, with authenticated set, non-zero reserved bits (RFC 9000 17.2:
	 * a connection error of type PROTOCOL_VIOLATION); -TERN_EBADMSG:
	 * authentication failed, or no keys for the packet's key phase -
	 * drop; -TERN_EINVAL: bad arguments.
	 */
	int32_t status;
};

/** Point an rx op at a packet found by tern_quic_datagram_split(). */
static inline void
tern_quic_rx_pkt_set(struct tern_quic_rx_pkt *rx, uint8_t *dgram, const struct tern_quic_hdr *hdr)
{
	rx->pkt = dgram + hdr->off;
	rx->pkt_len = hdr->len;
	rx->pn_offset = hdr->pn_offset;
}

/**
 * Unprotect a burst of packets in place: remove header protection (one
 * mask burst), decode packet numbers (RFC 9000 A.3), pick the 1-RTT keys by
 * key phase, open (one AEAD burst). Each packet has its own status; a
 * failure leaves that packet's bytes unusable (header unmasked, payload
 * zeroized) and does not affect the others.
 *
 * Data-plane call for the thread owning ctx; no allocation.
 *
 * @return Number of packets with status 0.
 */
uint16_t tern_quic_unprotect_burst(struct tern_crypto_ctx *ctx, struct tern_quic_rx_pkt *pkts,
				   uint16_t n);

/* --- Retry integrity (RFC 9001 5.8, RFC 9369 3.3.3) ---------------------- */

/** The fixed AES-128-GCM key and nonce of a version's Retry Integrity Tag. */
struct tern_quic_retry_key;

/**
 * Create the Retry integrity key of a version (derived from the RFC's fixed
 * secret). Create once per process or thread and reuse.
 *
 * @return 0, -TERN_EINVAL (version), -TERN_ENOMEM or -TERN_EINTERNAL.
 */
int tern_quic_retry_key_create(struct tern_crypto_ctx *ctx, uint32_t version,
			       struct tern_quic_retry_key **keyp);

/** Free a Retry key (NULL is a no-op). */
void tern_quic_retry_key_free(struct tern_quic_retry_key *key);

/**
 * Compute the Retry Integrity Tag over the Retry pseudo-packet
 * (ODCID Length, ODCID, then the Retry packet without its tag).
 *
 * @param retry
 *   The Retry packet up to (without) the tag.
 * @param odcid_len
 *   0..20.
 * @return
 *   0, -TERN_EINVAL, -TERN_ENOMEM (very long packet) or -TERN_EINTERNAL.
 */
int tern_quic_retry_tag(struct tern_crypto_ctx *ctx, const struct tern_quic_retry_key *key,
			const uint8_t *odcid, size_t odcid_len, const uint8_t *retry,
			size_t retry_len, uint8_t tag[TERN_QUIC_RETRY_TAG_LEN]);

/**
 * Verify the tag of a received Retry packet (constant-time compare).
 *
 * @param pkt
 *   The whole Retry packet, tag included.
 * @return
 *   0, -TERN_EBADMSG (tag mismatch), -TERN_EPROTO (shorter than a tag),
 *   -TERN_EINVAL, -TERN_ENOMEM or -TERN_EINTERNAL.
 */
int tern_quic_retry_verify(struct tern_crypto_ctx *ctx, const struct tern_quic_retry_key *key,
			   const uint8_t *odcid, size_t odcid_len, const uint8_t *pkt,
			   size_t pkt_len);

#ifdef __cplusplus
}
#endif

#endif /* TERN_QUIC_PACKET_H */
