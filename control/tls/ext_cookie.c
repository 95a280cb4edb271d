/* SPDX-License-Identifier: Apache-2.0 */
/* cookie (RFC 8446 4.2.2): sent in HRR, echoed in the second CH. */

#include "hs_msg.h"

static bool
send(const struct tern_hs_exts *e, unsigned ctx, struct tern_wcursor *w)
{
	(void)ctx;
	return e->cookie.len >= 1 && e->cookie.len <= 0xffff &&
	       tern_wcursor_u16(w, (uint16_t)e->cookie.len) &&
	       tern_wcursor_bytes(w, e->cookie.p, e->cookie.len);
}

static enum tern_tls_alert
recv(struct tern_hs_exts *e, unsigned ctx, struct tern_rcursor *r)
{
	struct tern_rcursor c;

	(void)ctx;
	if (!tern_hs_read_vec(r, 2, &c) || tern_rcursor_left(&c) == 0)
		return TERN_TLS_ALERT_DECODE_ERROR;
	e->cookie.p = tern_rcursor_ptr(&c);
	e->cookie.len = (uint32_t)tern_rcursor_left(&c);
	return TERN_TLS_ALERT_NONE;
}

const struct tern_hs_ext_type tern_hs_ext_cookie = {
	.iana = 44,
	.allowed = TERN_HS_CTX_CH | TERN_HS_CTX_HRR,
	.name = "cookie",
	.send = send,
	.recv = recv,
	.should_send = tern_hs_ext_present,
};
