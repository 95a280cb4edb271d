/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_DATAPLANE_QUIC_TP_H
#define TERN_DATAPLANE_QUIC_TP_H

/**
 * @file
 * QUIC transport parameters (RFC 9000 7.4, 18; max_datagram_frame_size
 * from RFC 9221 3): the value of the TLS quic_transport_parameters
 * extension. Decoding copies into struct tern_quic_tp (the extension bytes
 * need not outlive it). Pure functions, any thread.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tern/keyschedule.h> /* TERN_QUIC_MAX_CID_LEN */

#include "dataplane/cursor.h"
#include "dataplane/quic/quic_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Transport parameter IDs (RFC 9000 18.2, RFC 9221 3). */
enum tern_quic_tp_id {
	TERN_QUIC_TP_ORIGINAL_DCID = 0x00,
	TERN_QUIC_TP_MAX_IDLE_TIMEOUT = 0x01,
	TERN_QUIC_TP_STATELESS_RESET_TOKEN = 0x02,
	TERN_QUIC_TP_MAX_UDP_PAYLOAD_SIZE = 0x03,
	TERN_QUIC_TP_INITIAL_MAX_DATA = 0x04,
	TERN_QUIC_TP_INITIAL_MAX_STREAM_DATA_BIDI_LOCAL = 0x05,
	TERN_QUIC_TP_INITIAL_MAX_STREAM_DATA_BIDI_REMOTE = 0x06,
	TERN_QUIC_TP_INITIAL_MAX_STREAM_DATA_UNI = 0x07,
	TERN_QUIC_TP_INITIAL_MAX_STREAMS_BIDI = 0x08,
	TERN_QUIC_TP_INITIAL_MAX_STREAMS_UNI = 0x09,
	TERN_QUIC_TP_ACK_DELAY_EXPONENT = 0x0a,
	TERN_QUIC_TP_MAX_ACK_DELAY = 0x0b,
	TERN_QUIC_TP_DISABLE_ACTIVE_MIGRATION = 0x0c,
	TERN_QUIC_TP_PREFERRED_ADDRESS = 0x0d,
	TERN_QUIC_TP_ACTIVE_CONNECTION_ID_LIMIT = 0x0e,
	TERN_QUIC_TP_INITIAL_SCID = 0x0f,
	TERN_QUIC_TP_RETRY_SCID = 0x10,
	TERN_QUIC_TP_MAX_DATAGRAM_FRAME_SIZE = 0x20,
};

/** Defaults of RFC 9000 18.2 for absent parameters. */
#define TERN_QUIC_TP_DEFAULT_MAX_UDP_PAYLOAD_SIZE	65527
#define TERN_QUIC_TP_DEFAULT_ACK_DELAY_EXPONENT		3
#define TERN_QUIC_TP_DEFAULT_MAX_ACK_DELAY		25 /* ms */
#define TERN_QUIC_TP_DEFAULT_ACTIVE_CONNECTION_ID_LIMIT 2
/** Limits of RFC 9000 18.2. */
#define TERN_QUIC_TP_MIN_UDP_PAYLOAD_SIZE   1200
#define TERN_QUIC_TP_MAX_ACK_DELAY_EXPONENT 20
#define TERN_QUIC_TP_MAX_ACK_DELAY_LIMIT    (1u << 14) /* ms, exclusive */

/** A connection ID carried in a transport parameter. */
struct tern_quic_tp_cid {
	bool present;
	uint8_t len; /**< 0..20 */
	uint8_t id[TERN_QUIC_MAX_CID_LEN];
};

/** preferred_address (RFC 9000 18.2). Addresses in network byte order. */
struct tern_quic_preferred_address {
	uint8_t ipv4[4];
	uint16_t ipv4_port;
	uint8_t ipv6[16];
	uint16_t ipv6_port;
	uint8_t cid_len; /**< 1..20 (zero-length is a TRANSPORT_PARAMETER_ERROR) */
	uint8_t cid[TERN_QUIC_MAX_CID_LEN];
	uint8_t reset_token[16];
};

/**
 * Every transport parameter of RFC 9000 18.2 plus max_datagram_frame_size.
 * Integer values hold the default when absent (tern_quic_tp_defaults()).
 */
struct tern_quic_tp {
	uint64_t max_idle_timeout;     /**< ms; 0 = no idle timeout */
	uint64_t max_udp_payload_size; /**< >= 1200; default 65527 */
	uint64_t initial_max_data;
	uint64_t initial_max_stream_data_bidi_local;
	uint64_t initial_max_stream_data_bidi_remote;
	uint64_t initial_max_stream_data_uni;
	uint64_t initial_max_streams_bidi;   /**< <= 2^60 */
	uint64_t initial_max_streams_uni;    /**< <= 2^60 */
	uint64_t ack_delay_exponent;	     /**< <= 20; default 3 */
	uint64_t max_ack_delay;		     /**< ms, < 2^14; default 25 */
	uint64_t active_connection_id_limit; /**< >= 2; default 2 */
	uint64_t max_datagram_frame_size;    /**< 0 = DATAGRAM not supported (RFC 9221) */
	bool disable_active_migration;
	bool has_stateless_reset_token; /**< server only */
	uint8_t stateless_reset_token[16];
	bool has_preferred_address; /**< server only */
	struct tern_quic_preferred_address preferred_address;
	struct tern_quic_tp_cid original_dcid; /**< server only; required from a server */
	struct tern_quic_tp_cid initial_scid;  /**< required from both */
	struct tern_quic_tp_cid retry_scid;    /**< server only, after a Retry */
};

/** Fill tp with the defaults of RFC 9000 18.2 (nothing present). */
void tern_quic_tp_defaults(struct tern_quic_tp *tp);

/**
 * Encode tp as the extension_data of quic_transport_parameters. Integer
 * parameters are written when they differ from their default (and
 * max_datagram_frame_size when non-zero), flags and CIDs when set/present.
 *
 * @param is_server
 *   This endpoint is the server. A client may not send original_dcid,
 *   stateless_reset_token, preferred_address or retry_scid.
 * @return 0; -TERN_ENOBUFS if it does not fit (w unchanged); -TERN_EINVAL if
 *   tp violates a rule of 18.2 (a value out of range, a server-only
 *   parameter from a client, a CID longer than 20 bytes) - tern never sends
 *   what its own decoder would reject.
 */
int tern_quic_tp_encode(struct tern_wcursor *w, const struct tern_quic_tp *tp, bool is_server);

/**
 * Decode and validate the peer's transport parameters.
 *
 * TRANSPORT_PARAMETER_ERROR for: a truncated parameter, a value that does
 * not fill its parameter exactly, a duplicate of a known parameter,
 * max_udp_payload_size < 1200, ack_delay_exponent > 20, max_ack_delay >=
 * 2^14, active_connection_id_limit < 2, initial_max_streams_* > 2^60, a CID
 * longer than 20 bytes, a preferred_address with a zero-length CID or a
 * wrong length, a stateless_reset_token not 16 bytes, a non-empty
 * disable_active_migration, a server-only parameter from a client, a
 * missing initial_source_connection_id, a server's missing
 * original_destination_connection_id (RFC 9000 7.3). Unknown (e.g. grease)
 * parameters are skipped.
 *
 * @param from_server
 *   The parameters were sent by the server (this endpoint is the client).
 * @param tp
 *   Receives the parameters, defaults for the absent ones.
 * @return 0, or -TERN_EPROTO with *err = TERN_QUIC_ERR_TRANSPORT_PARAMETER_ERROR,
 *   or -TERN_EINVAL for NULL arguments.
 */
int tern_quic_tp_decode(const uint8_t *buf, size_t len, bool from_server, struct tern_quic_tp *tp,
			uint64_t *err);

/**
 * Check the connection-ID parameters against what the handshake saw
 * (RFC 9000 7.3): initial_scid must equal the Source Connection ID of the
 * peer's first Initial; from a server, original_dcid must equal the DCID of
 * the client's first Initial and retry_scid must be present exactly when a
 * Retry was received, equal to its SCID.
 *
 * @param peer_scid       SCID of the peer's first Initial packet.
 * @param odcid           Client: DCID of its first Initial (ignored if !from_server).
 * @param retry_scid      Client: SCID of the Retry, NULL if there was none.
 * @return 0, or -TERN_EPROTO with *err = TERN_QUIC_ERR_TRANSPORT_PARAMETER_ERROR.
 */
int tern_quic_tp_check_cids(const struct tern_quic_tp *tp, bool from_server,
			    const uint8_t *peer_scid, size_t peer_scid_len, const uint8_t *odcid,
			    size_t odcid_len, const uint8_t *retry_scid, size_t retry_scid_len,
			    uint64_t *err);

#ifdef __cplusplus
}
#endif

#endif /* TERN_DATAPLANE_QUIC_TP_H */
