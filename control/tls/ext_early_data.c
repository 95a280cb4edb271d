/* SPDX-License-Identifier: Apache-2.0 */
/*
 * early_data (RFC 8446 4.2.10): empty in ClientHello (0-RTT offered) and
 * EncryptedExtensions (accepted); max_early_data_size in NewSessionTicket.
 */

#include "hs_msg.h"

static bool
send(const struct tern_hs_exts *e, unsigned ctx, struct tern_wcursor *w)
{
	return !(ctx & TERN_HS_CTX_NST) || tern_wcursor_u32(w, e->max_early_data);
}

static enum tern_tls_alert
recv(struct tern_hs_exts *e, unsigned ctx, struct tern_rcursor *r)
{
	if ((ctx & TERN_HS_CTX_NST) && !tern_rcursor_u32(r, &e->max_early_data))
		return TERN_TLS_ALERT_DECODE_ERROR;
	/* Anything left (a non-empty CH/EE body) is decode_error in the caller. */
	return TERN_TLS_ALERT_NONE;
}

const struct tern_hs_ext_type tern_hs_ext_early_data = {
	.iana = 42,
	.allowed = TERN_HS_CTX_CH | TERN_HS_CTX_EE | TERN_HS_CTX_NST,
	.name = "early_data",
	.send = send,
	.recv = recv,
	.should_send = tern_hs_ext_present,
};
