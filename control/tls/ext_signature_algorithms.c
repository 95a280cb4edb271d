/* SPDX-License-Identifier: Apache-2.0 */
/* signature_algorithms (RFC 8446 4.2.3). */

#include "hs_msg.h"

static bool
send(const struct tern_hs_exts *e, unsigned ctx, struct tern_wcursor *w)
{
	(void)ctx;
	return tern_hs_write_u16_list(w, e->sigalgs, e->n_sigalgs);
}

static enum tern_tls_alert
recv(struct tern_hs_exts *e, unsigned ctx, struct tern_rcursor *r)
{
	(void)ctx;
	return tern_hs_read_u16_list(r, e->sigalgs, &e->n_sigalgs, TERN_HS_MAX_SIGALGS);
}

static enum tern_tls_alert
if_missing(unsigned ctx)
{
	/* Certificate authentication needs it in CH and CR (RFC 8446 4.2.3, 9.2). */
	return (ctx & (TERN_HS_CTX_CH | TERN_HS_CTX_CR)) ? TERN_TLS_ALERT_MISSING_EXTENSION
							 : TERN_TLS_ALERT_NONE;
}

const struct tern_hs_ext_type tern_hs_ext_signature_algorithms = {
	.iana = 13,
	.allowed = TERN_HS_CTX_CH | TERN_HS_CTX_CR,
	.name = "signature_algorithms",
	.send = send,
	.recv = recv,
	.should_send = tern_hs_ext_present,
	.if_missing = if_missing,
};
