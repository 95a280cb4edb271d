/* SPDX-License-Identifier: Apache-2.0 */
/* supported_groups (RFC 8446 4.2.7). */

#include "hs_msg.h"

static bool
send(const struct tern_hs_exts *e, unsigned ctx, struct tern_wcursor *w)
{
	(void)ctx;
	return tern_hs_write_u16_list(w, e->groups, e->n_groups);
}

static enum tern_tls_alert
recv(struct tern_hs_exts *e, unsigned ctx, struct tern_rcursor *r)
{
	(void)ctx;
	return tern_hs_read_u16_list(r, e->groups, &e->n_groups, TERN_HS_MAX_GROUPS);
}

static enum tern_tls_alert
if_missing(unsigned ctx)
{
	/* Without PSK a ClientHello needs it (RFC 8446 9.2). */
	return ctx == TERN_HS_CTX_CH ? TERN_TLS_ALERT_MISSING_EXTENSION : TERN_TLS_ALERT_NONE;
}

const struct tern_hs_ext_type tern_hs_ext_supported_groups = {
	.iana = 10,
	.allowed = TERN_HS_CTX_CH | TERN_HS_CTX_EE,
	.name = "supported_groups",
	.send = send,
	.recv = recv,
	.should_send = tern_hs_ext_present,
	.if_missing = if_missing,
};
