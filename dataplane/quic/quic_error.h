/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_DATAPLANE_QUIC_ERROR_H
#define TERN_DATAPLANE_QUIC_ERROR_H

/**
 * @file
 * QUIC transport error codes (RFC 9000 20.1), carried in CONNECTION_CLOSE
 * frames of type 0x1c. Every QUIC parser in dataplane/quic/ that returns
 * -TERN_EPROTO also reports one of these through a `uint64_t *err`.
 */

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Transport error codes of RFC 9000 20.1 (values are the wire codes). */
enum tern_quic_transport_error {
	TERN_QUIC_ERR_NO_ERROR = 0x00,
	TERN_QUIC_ERR_INTERNAL_ERROR = 0x01,
	TERN_QUIC_ERR_CONNECTION_REFUSED = 0x02,
	TERN_QUIC_ERR_FLOW_CONTROL_ERROR = 0x03,
	TERN_QUIC_ERR_STREAM_LIMIT_ERROR = 0x04,
	TERN_QUIC_ERR_STREAM_STATE_ERROR = 0x05,
	TERN_QUIC_ERR_FINAL_SIZE_ERROR = 0x06,
	TERN_QUIC_ERR_FRAME_ENCODING_ERROR = 0x07,
	TERN_QUIC_ERR_TRANSPORT_PARAMETER_ERROR = 0x08,
	TERN_QUIC_ERR_CONNECTION_ID_LIMIT_ERROR = 0x09,
	TERN_QUIC_ERR_PROTOCOL_VIOLATION = 0x0a,
	TERN_QUIC_ERR_INVALID_TOKEN = 0x0b,
	TERN_QUIC_ERR_APPLICATION_ERROR = 0x0c,
	TERN_QUIC_ERR_CRYPTO_BUFFER_EXCEEDED = 0x0d,
	TERN_QUIC_ERR_KEY_UPDATE_ERROR = 0x0e,
	TERN_QUIC_ERR_AEAD_LIMIT_REACHED = 0x0f,
	TERN_QUIC_ERR_NO_VIABLE_PATH = 0x10,
	TERN_QUIC_ERR_VERSION_NEGOTIATION_ERROR = 0x11, /**< RFC 9368 */
	/** First of the 256 codes 0x0100-0x01ff: 0x0100 + TLS alert. */
	TERN_QUIC_ERR_CRYPTO_ERROR = 0x0100,
};

/** Transport error code for a TLS alert (RFC 9001 4.8): 0x0100 + alert. */
#define TERN_QUIC_ERR_CRYPTO(alert) ((uint64_t)0x0100 | (uint64_t)(uint8_t)(alert))

/** True if code is one of the CRYPTO_ERROR codes 0x0100-0x01ff. */
#define TERN_QUIC_ERR_IS_CRYPTO(code) (((uint64_t)(code) & ~(uint64_t)0xff) == 0x0100)

/**
 * Name of a transport error code as spelled in RFC 9000 20.1
 * ("FRAME_ENCODING_ERROR", ...). Codes 0x0100-0x01ff give "CRYPTO_ERROR",
 * codes no RFC defines give "UNKNOWN_ERROR".
 *
 * @return A static string; never NULL. Pure, any thread.
 */
const char *tern_quic_transport_error_name(uint64_t code);

#ifdef __cplusplus
}
#endif

#endif /* TERN_DATAPLANE_QUIC_ERROR_H */
