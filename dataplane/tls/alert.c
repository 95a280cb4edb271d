/* SPDX-License-Identifier: Apache-2.0 */
/* Names of TLS alert descriptions (RFC 8446 6, B.2). */

#include <tern/tls_alert.h>

const char *
tern_tls_alert_name(int alert)
{
	switch (alert) {
	case TERN_TLS_ALERT_NONE:
		return "none";
	case TERN_TLS_ALERT_CLOSE_NOTIFY:
		return "close_notify";
	case TERN_TLS_ALERT_UNEXPECTED_MESSAGE:
		return "unexpected_message";
	case TERN_TLS_ALERT_BAD_RECORD_MAC:
		return "bad_record_mac";
	case TERN_TLS_ALERT_RECORD_OVERFLOW:
		return "record_overflow";
	case TERN_TLS_ALERT_HANDSHAKE_FAILURE:
		return "handshake_failure";
	case TERN_TLS_ALERT_BAD_CERTIFICATE:
		return "bad_certificate";
	case TERN_TLS_ALERT_UNSUPPORTED_CERTIFICATE:
		return "unsupported_certificate";
	case TERN_TLS_ALERT_CERTIFICATE_REVOKED:
		return "certificate_revoked";
	case TERN_TLS_ALERT_CERTIFICATE_EXPIRED:
		return "certificate_expired";
	case TERN_TLS_ALERT_CERTIFICATE_UNKNOWN:
		return "certificate_unknown";
	case TERN_TLS_ALERT_ILLEGAL_PARAMETER:
		return "illegal_parameter";
	case TERN_TLS_ALERT_UNKNOWN_CA:
		return "unknown_ca";
	case TERN_TLS_ALERT_ACCESS_DENIED:
		return "access_denied";
	case TERN_TLS_ALERT_DECODE_ERROR:
		return "decode_error";
	case TERN_TLS_ALERT_DECRYPT_ERROR:
		return "decrypt_error";
	case TERN_TLS_ALERT_PROTOCOL_VERSION:
		return "protocol_version";
	case TERN_TLS_ALERT_INSUFFICIENT_SECURITY:
		return "insufficient_security";
	case TERN_TLS_ALERT_INTERNAL_ERROR:
		return "internal_error";
	case TERN_TLS_ALERT_INAPPROPRIATE_FALLBACK:
		return "inappropriate_fallback";
	case TERN_TLS_ALERT_USER_CANCELED:
		return "user_canceled";
	case TERN_TLS_ALERT_MISSING_EXTENSION:
		return "missing_extension";
	case TERN_TLS_ALERT_UNSUPPORTED_EXTENSION:
		return "unsupported_extension";
	case TERN_TLS_ALERT_UNRECOGNIZED_NAME:
		return "unrecognized_name";
	case TERN_TLS_ALERT_BAD_CERTIFICATE_STATUS_RESPONSE:
		return "bad_certificate_status_response";
	case TERN_TLS_ALERT_UNKNOWN_PSK_IDENTITY:
		return "unknown_psk_identity";
	case TERN_TLS_ALERT_CERTIFICATE_REQUIRED:
		return "certificate_required";
	case TERN_TLS_ALERT_GENERAL_ERROR:
		return "general_error";
	case TERN_TLS_ALERT_NO_APPLICATION_PROTOCOL:
		return "no_application_protocol";
	default:
		return "unknown";
	}
}
