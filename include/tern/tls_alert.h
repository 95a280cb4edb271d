/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_TLS_ALERT_H
#define TERN_TLS_ALERT_H

/**
 * @file
 * TLS 1.3 alert levels and descriptions (RFC 8446 6, B.2).
 *
 * Protocol layers report the alert a failure maps to next to the negative
 * -TERN_E... code; TERN_TLS_ALERT_NONE means "no alert to send".
 */

#ifdef __cplusplus
extern "C" {
#endif

/** AlertLevel. Ignored on receipt in TLS 1.3 (RFC 8446 6), still sent. */
enum tern_tls_alert_level {
	TERN_TLS_ALERT_LEVEL_WARNING = 1,
	TERN_TLS_ALERT_LEVEL_FATAL = 2,
};

/** AlertDescription: every value TLS 1.3 defines (the _RESERVED ones are omitted). */
enum tern_tls_alert {
	TERN_TLS_ALERT_NONE = -1, /**< not an alert: no alert to send */
	TERN_TLS_ALERT_CLOSE_NOTIFY = 0,
	TERN_TLS_ALERT_UNEXPECTED_MESSAGE = 10,
	TERN_TLS_ALERT_BAD_RECORD_MAC = 20,
	TERN_TLS_ALERT_RECORD_OVERFLOW = 22,
	TERN_TLS_ALERT_HANDSHAKE_FAILURE = 40,
	TERN_TLS_ALERT_BAD_CERTIFICATE = 42,
	TERN_TLS_ALERT_UNSUPPORTED_CERTIFICATE = 43,
	TERN_TLS_ALERT_CERTIFICATE_REVOKED = 44,
	TERN_TLS_ALERT_CERTIFICATE_EXPIRED = 45,
	TERN_TLS_ALERT_CERTIFICATE_UNKNOWN = 46,
	TERN_TLS_ALERT_ILLEGAL_PARAMETER = 47,
	TERN_TLS_ALERT_UNKNOWN_CA = 48,
	TERN_TLS_ALERT_ACCESS_DENIED = 49,
	TERN_TLS_ALERT_DECODE_ERROR = 50,
	TERN_TLS_ALERT_DECRYPT_ERROR = 51,
	TERN_TLS_ALERT_PROTOCOL_VERSION = 70,
	TERN_TLS_ALERT_INSUFFICIENT_SECURITY = 71,
	TERN_TLS_ALERT_INTERNAL_ERROR = 80,
	TERN_TLS_ALERT_INAPPROPRIATE_FALLBACK = 86,
	TERN_TLS_ALERT_USER_CANCELED = 90,
	TERN_TLS_ALERT_MISSING_EXTENSION = 109,
	TERN_TLS_ALERT_UNSUPPORTED_EXTENSION = 110,
	TERN_TLS_ALERT_UNRECOGNIZED_NAME = 112,
	TERN_TLS_ALERT_BAD_CERTIFICATE_STATUS_RESPONSE = 113,
	TERN_TLS_ALERT_UNKNOWN_PSK_IDENTITY = 115,
	TERN_TLS_ALERT_CERTIFICATE_REQUIRED = 116,
	TERN_TLS_ALERT_GENERAL_ERROR = 117,
	TERN_TLS_ALERT_NO_APPLICATION_PROTOCOL = 120,
};

/**
 * The RFC name of an alert description, e.g. "bad_record_mac".
 *
 * Any thread may call it.
 *
 * @param alert
 *   An AlertDescription value (0..255) or TERN_TLS_ALERT_NONE.
 * @return
 *   A static string; "none" for TERN_TLS_ALERT_NONE and "unknown" for values
 *   TLS 1.3 does not define. Never NULL.
 */
const char *tern_tls_alert_name(int alert);

#ifdef __cplusplus
}
#endif

#endif /* TERN_TLS_ALERT_H */
