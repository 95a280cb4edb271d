/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_DATAPLANE_QUIC_FRAME_H
#define TERN_DATAPLANE_QUIC_FRAME_H

/**
 * @file
 * QUIC frames (RFC 9000 12.4 and 19, DATAGRAM from RFC 9221): one parser,
 * one encoder, and the size/fit helpers a packet builder needs.
 *
 * Zero copy: a parsed frame borrows from the packet payload (STREAM, CRYPTO,
 * DATAGRAM data, NEW_TOKEN token, CONNECTION_CLOSE reason, NEW_CONNECTION_ID
 * connection ID and reset token, the encoded ACK ranges); the pointers are
 * valid as long as the payload buffer is. Every read goes through the
 * bounded cursor of dataplane/cursor.h.
 *
 * All functions are pure (no allocation, no locks, no global state) and may
 * be called from any thread on data that thread owns.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tern/quic_packet.h>

#include "dataplane/cursor.h"
#include "dataplane/quic/quic_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Largest stream/CRYPTO offset + length (RFC 9000 19.8, 19.6). */
#define TERN_QUIC_MAX_OFFSET ((1ULL << 62) - 1)
/** Largest MAX_STREAMS / STREAMS_BLOCKED value (RFC 9000 19.11, 19.14). */
#define TERN_QUIC_MAX_STREAMS (1ULL << 60)
/** Length of a stateless reset token (RFC 9000 10.3). */
#define TERN_QUIC_SRT_LEN 16
/** Length of PATH_CHALLENGE / PATH_RESPONSE data (RFC 9000 19.17). */
#define TERN_QUIC_PATH_DATA_LEN 8

/** STREAM frame type bits (RFC 9000 19.8). */
#define TERN_QUIC_STREAM_BIT_FIN 0x01
#define TERN_QUIC_STREAM_BIT_LEN 0x02
#define TERN_QUIC_STREAM_BIT_OFF 0x04

/**
 * Frame types. STREAM (0x08-0x0f) and DATAGRAM (0x30-0x31) are normalised
 * to their base value; their flag bits live in the frame body. The other
 * values are the wire types.
 */
enum tern_quic_frame_type {
	TERN_QUIC_FT_PADDING = 0x00,
	TERN_QUIC_FT_PING = 0x01,
	TERN_QUIC_FT_ACK = 0x02,
	TERN_QUIC_FT_ACK_ECN = 0x03,
	TERN_QUIC_FT_RESET_STREAM = 0x04,
	TERN_QUIC_FT_STOP_SENDING = 0x05,
	TERN_QUIC_FT_CRYPTO = 0x06,
	TERN_QUIC_FT_NEW_TOKEN = 0x07,
	TERN_QUIC_FT_STREAM = 0x08, /**< 0x08-0x0f */
	TERN_QUIC_FT_MAX_DATA = 0x10,
	TERN_QUIC_FT_MAX_STREAM_DATA = 0x11,
	TERN_QUIC_FT_MAX_STREAMS_BIDI = 0x12,
	TERN_QUIC_FT_MAX_STREAMS_UNI = 0x13,
	TERN_QUIC_FT_DATA_BLOCKED = 0x14,
	TERN_QUIC_FT_STREAM_DATA_BLOCKED = 0x15,
	TERN_QUIC_FT_STREAMS_BLOCKED_BIDI = 0x16,
	TERN_QUIC_FT_STREAMS_BLOCKED_UNI = 0x17,
	TERN_QUIC_FT_NEW_CONNECTION_ID = 0x18,
	TERN_QUIC_FT_RETIRE_CONNECTION_ID = 0x19,
	TERN_QUIC_FT_PATH_CHALLENGE = 0x1a,
	TERN_QUIC_FT_PATH_RESPONSE = 0x1b,
	TERN_QUIC_FT_CONNECTION_CLOSE = 0x1c,	  /**< transport error */
	TERN_QUIC_FT_CONNECTION_CLOSE_APP = 0x1d, /**< application error */
	TERN_QUIC_FT_HANDSHAKE_DONE = 0x1e,
	TERN_QUIC_FT_DATAGRAM = 0x30, /**< 0x30-0x31 (RFC 9221) */
};

/** ECN counts of an ACK_ECN frame (RFC 9000 19.3.2). */
struct tern_quic_ack_ecn {
	uint64_t ect0;
	uint64_t ect1;
	uint64_t ce;
};

/** One acknowledged range of packet numbers, both ends included. */
struct tern_quic_ack_range {
	uint64_t smallest;
	uint64_t largest;
};

/** ACK / ACK_ECN (RFC 9000 19.3). */
struct tern_quic_frame_ack {
	uint64_t largest;     /**< Largest Acknowledged */
	uint64_t ack_delay;   /**< raw field: scale by 2^ack_delay_exponent us */
	uint64_t first_range; /**< First ACK Range */
	uint64_t range_count; /**< ACK Range Count: pairs after the first range */
	/** range_count (Gap, ACK Range Length) varint pairs, as on the wire;
	 *  walk them with tern_quic_ack_range_next(). */
	const uint8_t *ranges;
	size_t ranges_len;	      /**< bytes at ranges */
	uint64_t smallest;	      /**< smallest acknowledged pn (set by parse) */
	struct tern_quic_ack_ecn ecn; /**< TERN_QUIC_FT_ACK_ECN only */
};

/** STREAM (RFC 9000 19.8). */
struct tern_quic_frame_stream {
	uint64_t id;
	uint64_t offset;
	const uint8_t *data;
	size_t len;
	bool fin;
	/** Length field present. Without it the data runs to the end of the
	 *  packet, so the encoder must be told this is the packet's last frame. */
	bool has_len;
};

/** CRYPTO (RFC 9000 19.6). */
struct tern_quic_frame_crypto {
	uint64_t offset;
	const uint8_t *data;
	size_t len;
};

/** DATAGRAM (RFC 9221 4). */
struct tern_quic_frame_datagram {
	const uint8_t *data;
	size_t len;
	bool has_len; /**< type 0x31; without it data runs to the end of the packet */
};

/** NEW_TOKEN (RFC 9000 19.7); the token is never empty. */
struct tern_quic_frame_new_token {
	const uint8_t *token;
	size_t len;
};

/** RESET_STREAM (RFC 9000 19.4). */
struct tern_quic_frame_reset_stream {
	uint64_t id;
	uint64_t error_code; /**< application protocol error code */
	uint64_t final_size;
};

/** STOP_SENDING (RFC 9000 19.5). */
struct tern_quic_frame_stop_sending {
	uint64_t id;
	uint64_t error_code;
};

/** MAX_STREAM_DATA / STREAM_DATA_BLOCKED (RFC 9000 19.10, 19.13). */
struct tern_quic_frame_stream_limit {
	uint64_t id;
	uint64_t limit;
};

/** NEW_CONNECTION_ID (RFC 9000 19.15). */
struct tern_quic_frame_new_cid {
	uint64_t seq;
	uint64_t retire_prior_to; /**< <= seq (checked by parse) */
	uint8_t cid_len;	  /**< 1..20 */
	const uint8_t *cid;
	const uint8_t *reset_token; /**< TERN_QUIC_SRT_LEN bytes */
};

/** CONNECTION_CLOSE 0x1c / 0x1d (RFC 9000 19.19). */
struct tern_quic_frame_close {
	uint64_t error_code;
	uint64_t frame_type; /**< 0x1c only: the frame that caused the error */
	const uint8_t *reason;
	size_t reason_len;
};

/**
 * One frame. The union member used depends on type:
 * - PADDING: padding_len (consecutive 0x00 bytes, folded into one frame)
 * - PING, HANDSHAKE_DONE: none
 * - ACK, ACK_ECN: ack
 * - RESET_STREAM: reset_stream; STOP_SENDING: stop_sending
 * - CRYPTO: crypto; NEW_TOKEN: new_token; STREAM: stream; DATAGRAM: datagram
 * - MAX_DATA, DATA_BLOCKED, MAX_STREAMS_*, STREAMS_BLOCKED_*: limit
 * - MAX_STREAM_DATA, STREAM_DATA_BLOCKED: stream_limit
 * - NEW_CONNECTION_ID: new_cid; RETIRE_CONNECTION_ID: retire_seq
 * - PATH_CHALLENGE, PATH_RESPONSE: path_data (copied: 8 bytes)
 * - CONNECTION_CLOSE, CONNECTION_CLOSE_APP: close
 */
struct tern_quic_frame {
	enum tern_quic_frame_type type;
	/** Frame Type as received (parse); 0 if it could not be read. Set
	 *  even when parse fails: it is the Frame Type field of the
	 *  CONNECTION_CLOSE that reports the error. Ignored by the encoder. */
	uint64_t wire_type;
	union {
		size_t padding_len;
		struct tern_quic_frame_ack ack;
		struct tern_quic_frame_reset_stream reset_stream;
		struct tern_quic_frame_stop_sending stop_sending;
		struct tern_quic_frame_crypto crypto;
		struct tern_quic_frame_new_token new_token;
		struct tern_quic_frame_stream stream;
		struct tern_quic_frame_datagram datagram;
		uint64_t limit;
		struct tern_quic_frame_stream_limit stream_limit;
		struct tern_quic_frame_new_cid new_cid;
		uint64_t retire_seq;
		uint8_t path_data[TERN_QUIC_PATH_DATA_LEN];
		struct tern_quic_frame_close close;
	};
};

/**
 * Parse one frame at the cursor.
 *
 * Enforces: the frame type is known (else FRAME_ENCODING_ERROR) and uses its
 * shortest encoding (else PROTOCOL_VIOLATION, RFC 9000 12.4 MAY); the frame
 * is allowed in packet type pt (RFC 9000 12.4 Table 3, RFC 9221 4: else
 * PROTOCOL_VIOLATION); every field is present (else FRAME_ENCODING_ERROR);
 * offset + length <= 2^62-1 for STREAM (FRAME_ENCODING_ERROR) and CRYPTO
 * (CRYPTO_BUFFER_EXCEEDED); MAX_STREAMS / STREAMS_BLOCKED <= 2^60, ACK
 * ranges that go below packet number 0, an empty NEW_TOKEN, a
 * NEW_CONNECTION_ID with a connection ID length outside 1..20 or with
 * Retire Prior To > Sequence Number (all FRAME_ENCODING_ERROR). Field values
 * need not be minimally encoded (RFC 9000 16).
 *
 * Not checked here (they need connection state): sender role (see
 * tern_quic_frame_check_sender()), stream-ID direction and limits, flow
 * control, DATAGRAM negotiation and size.
 *
 * Consecutive PADDING bytes are returned as one frame.
 *
 * @param c
 *   Cursor over the packet payload; advanced past the frame on success,
 *   unchanged on failure.
 * @param pt
 *   Type of the packet the payload came from.
 * @param f
 *   Receives the frame (borrowing from c's buffer). f->wire_type is set
 *   whenever the type could be read, also on failure.
 * @param err
 *   On -TERN_EPROTO, the transport error code (enum
 *   tern_quic_transport_error).
 * @return
 *   0, -TERN_EPROTO (see *err), or -TERN_EINVAL if the cursor is empty or
 *   an argument is NULL.
 */
int tern_quic_frame_parse(struct tern_rcursor *c, enum tern_quic_pkt_type pt,
			  struct tern_quic_frame *f, uint64_t *err);

/**
 * May a frame of wire type wire_type appear in a packet of type pt?
 * (RFC 9000 12.4 Table 3; DATAGRAM in 0-RTT and 1-RTT only, RFC 9221 4.)
 * Unknown frame types and packet types without frames give false.
 */
bool tern_quic_frame_allowed(uint64_t wire_type, enum tern_quic_pkt_type pt);

/**
 * Role rules of RFC 9000 19.7 and 19.20: a server receiving NEW_TOKEN or
 * HANDSHAKE_DONE reports PROTOCOL_VIOLATION.
 *
 * @param from_server
 *   The frame was sent by the server (i.e. this endpoint is the client).
 * @return 0 or -TERN_EPROTO with *err = TERN_QUIC_ERR_PROTOCOL_VIOLATION.
 */
int tern_quic_frame_check_sender(const struct tern_quic_frame *f, bool from_server, uint64_t *err);

/** Ack-eliciting: every frame except ACK, PADDING, CONNECTION_CLOSE (RFC 9002 2). */
bool tern_quic_frame_is_ack_eliciting(enum tern_quic_frame_type type);

/** Counts towards bytes in flight: every frame except ACK (RFC 9000 12.4 "C"). */
bool tern_quic_frame_is_in_flight(enum tern_quic_frame_type type);

/** Probing frame: PADDING, NEW_CONNECTION_ID, PATH_CHALLENGE, PATH_RESPONSE (RFC 9000 9.1). */
bool tern_quic_frame_is_probing(enum tern_quic_frame_type type);

/** RFC name of a frame wire type ("STREAM", "ACK", ...); "UNKNOWN" otherwise. */
const char *tern_quic_frame_type_name(uint64_t wire_type);

/**
 * Exact encoded size of f, as tern_quic_frame_encode() would write it
 * (shortest varints; STREAM's Offset only when offset != 0).
 *
 * @return Bytes, or 0 if f cannot be encoded (a value too big for a varint,
 *   a bad connection ID length, an unknown type, ...).
 */
size_t tern_quic_frame_size(const struct tern_quic_frame *f);

/**
 * Encode f at w with the shortest varints. STREAM sets the OFF bit only if
 * offset != 0, LEN if has_len, FIN if fin; DATAGRAM uses 0x31 if has_len.
 * ACK frames are re-encoded from f->ack.ranges (the wire pairs); use
 * tern_quic_ack_frame_encode() to build one from ranges.
 * PADDING writes padding_len zero bytes (padding_len 0 is invalid).
 *
 * @return 0; -TERN_ENOBUFS if the frame does not fit in w (nothing is
 *   written, w unchanged); -TERN_EINVAL if f cannot be encoded.
 */
int tern_quic_frame_encode(struct tern_wcursor *w, const struct tern_quic_frame *f);

/**
 * Size of a STREAM frame header (type, Stream ID, Offset if offset != 0,
 * Length if with_len) for len data bytes; 0 if a value is too big.
 */
size_t tern_quic_stream_frame_hdr_size(uint64_t id, uint64_t offset, size_t len, bool with_len);

/**
 * How many of avail data bytes fit in a STREAM frame of at most space bytes.
 * With with_len the Length field is counted at the size the chosen length
 * needs; without it the frame must be the packet's last.
 *
 * @return Data bytes (0..avail; 0 still allows a FIN-only frame), or
 *   -TERN_ENOBUFS if not even the header fits, -TERN_EINVAL if id/offset
 *   are not varints. Never more than TERN_QUIC_MAX_OFFSET - offset.
 */
int64_t tern_quic_stream_frame_fit(uint64_t id, uint64_t offset, size_t avail, size_t space,
				   bool with_len);

/** Size of a CRYPTO frame header (type, Offset, Length) for len bytes; 0 if too big. */
size_t tern_quic_crypto_frame_hdr_size(uint64_t offset, size_t len);

/**
 * How many of avail bytes fit in a CRYPTO frame of at most space bytes.
 * @return Bytes (0..avail), or -TERN_ENOBUFS if no byte fits (a CRYPTO frame
 *   without data is useless), -TERN_EINVAL for a bad offset.
 */
int64_t tern_quic_crypto_frame_fit(uint64_t offset, size_t avail, size_t space);

/**
 * Size of an ACK frame for the first n of ranges (see
 * tern_quic_ack_frame_encode()); 0 if the ranges are invalid.
 */
size_t tern_quic_ack_frame_size(const struct tern_quic_ack_range *ranges, size_t n,
				uint64_t ack_delay, const struct tern_quic_ack_ecn *ecn);

/**
 * Build an ACK (ecn == NULL) or ACK_ECN frame from ranges sorted in
 * descending order (ranges[0] holds the largest packet number; ranges
 * neither overlap nor touch: ranges[i+1].largest + 1 < ranges[i].smallest).
 * The space left in w is the byte budget: when not all ranges fit, the
 * oldest (lowest) ranges are dropped (RFC 9000 13.2.4).
 *
 * @param ack_delay
 *   Raw ACK Delay field (already scaled down by ack_delay_exponent).
 * @return
 *   Number of ranges encoded (1..n); -TERN_ENOBUFS if not even the first
 *   range fits (w unchanged); -TERN_EINVAL if n == 0 or the ranges are not
 *   descending and disjoint.
 */
int tern_quic_ack_frame_encode(struct tern_wcursor *w, const struct tern_quic_ack_range *ranges,
			       size_t n, uint64_t ack_delay, const struct tern_quic_ack_ecn *ecn);

/** Walks the ranges of a parsed ACK frame from the largest down. */
struct tern_quic_ack_iter {
	struct tern_rcursor c; /* over the (Gap, Length) pairs */
	uint64_t left;	       /* ranges still to yield after the next one */
	uint64_t smallest;     /* smallest pn of the last yielded range */
	uint64_t next_largest; /* first range: largest */
	uint64_t next_len;     /* first range: first_range */
	bool first;
	bool done;
};

/** Start walking ack's ranges; the first range is [largest - first_range, largest]. */
void tern_quic_ack_iter_init(struct tern_quic_ack_iter *it, const struct tern_quic_frame_ack *ack);

/**
 * Next range, descending. Each range is validated (no underflow below 0).
 *
 * @return true and *smallest / *largest set; false at the end or if the
 *   remaining ranges are malformed (cannot happen after a successful
 *   tern_quic_frame_parse()).
 */
bool tern_quic_ack_range_next(struct tern_quic_ack_iter *it, uint64_t *smallest, uint64_t *largest);

#ifdef __cplusplus
}
#endif

#endif /* TERN_DATAPLANE_QUIC_FRAME_H */
