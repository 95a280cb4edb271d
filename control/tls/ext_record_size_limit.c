/* SPDX-License-Identifier: Apache-2.0 */
/* record_size_limit (RFC 8449 4). */

#include "hs_msg.h"

static bool
send(const struct tern_hs_exts *e, unsigned ctx, struct tern_wcursor *w)
{
	(void)ctx;
	return tern_wcursor_u16(w, e->record_size_limit);
}

static enum tern_tls_alert
recv(struct tern_hs_exts *e, unsigned ctx, struct tern_rcursor *r)
{
	(void)ctx;
	if (!tern_rcursor_u16(r, &e->record_size_limit))
		return TERN_TLS_ALERT_DECODE_ERROR;
	/* "values less than 64 ... MUST be treated as a fatal error" (4). */
	if (e->record_size_limit < 64)
		return TERN_TLS_ALERT_ILLEGAL_PARAMETER;
	return TERN_TLS_ALERT_NONE;
}

const struct tern_hs_ext_type tern_hs_ext_record_size_limit = {
	.iana = 28,
	.allowed = TERN_HS_CTX_CH | TERN_HS_CTX_EE,
	.name = "record_size_limit",
	.send = send,
	.recv = recv,
	.should_send = tern_hs_ext_present,
};
