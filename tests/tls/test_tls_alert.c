/* SPDX-License-Identifier: Apache-2.0 */
/* Alert names and values, as listed in RFC 8446 6 (AlertDescription). */

#include <string.h>

#include <tern/tls_alert.h>

#include "tern_test.h"

int
main(void)
{
	/* value/name pairs typed from the RFC's enum, not from tls_alert.h */
	static const struct {
		int value;
		const char *name;
	} rfc[] = {
		{0, "close_notify"},
		{10, "unexpected_message"},
		{20, "bad_record_mac"},
		{22, "record_overflow"},
		{40, "handshake_failure"},
		{42, "bad_certificate"},
		{43, "unsupported_certificate"},
		{44, "certificate_revoked"},
		{45, "certificate_expired"},
		{46, "certificate_unknown"},
		{47, "illegal_parameter"},
		{48, "unknown_ca"},
		{49, "access_denied"},
		{50, "decode_error"},
		{51, "decrypt_error"},
		{70, "protocol_version"},
		{71, "insufficient_security"},
		{80, "internal_error"},
		{86, "inappropriate_fallback"},
		{90, "user_canceled"},
		{109, "missing_extension"},
		{110, "unsupported_extension"},
		{112, "unrecognized_name"},
		{113, "bad_certificate_status_response"},
		{115, "unknown_psk_identity"},
		{116, "certificate_required"},
		{117, "general_error"},
		{120, "no_application_protocol"},
	};
	size_t i;
	int v, named = 0;

	for (i = 0; i < sizeof(rfc) / sizeof(rfc[0]); i++)
		CHECK(strcmp(tern_tls_alert_name(rfc[i].value), rfc[i].name) == 0);
	/* exactly those 28 values have names */
	for (v = 0; v < 256; v++)
		named += strcmp(tern_tls_alert_name(v), "unknown") != 0;
	CHECK_EQ(named, (int)(sizeof(rfc) / sizeof(rfc[0])));
	CHECK(strcmp(tern_tls_alert_name(21), "unknown") == 0); /* decryption_failed_RESERVED */
	CHECK(strcmp(tern_tls_alert_name(-1), "none") == 0);
	CHECK(strcmp(tern_tls_alert_name(1000), "unknown") == 0);

	CHECK_EQ(TERN_TLS_ALERT_BAD_RECORD_MAC, 20);
	CHECK_EQ(TERN_TLS_ALERT_RECORD_OVERFLOW, 22);
	CHECK_EQ(TERN_TLS_ALERT_UNEXPECTED_MESSAGE, 10);
	CHECK_EQ(TERN_TLS_ALERT_DECODE_ERROR, 50);
	CHECK_EQ(TERN_TLS_ALERT_NO_APPLICATION_PROTOCOL, 120);
	CHECK_EQ(TERN_TLS_ALERT_LEVEL_FATAL, 2);
	return tern_test_done("tls_alert");
}
