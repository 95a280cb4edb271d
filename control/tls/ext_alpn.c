/* SPDX-License-Identifier: Apache-2.0 */
/* application_layer_protocol_negotiation (RFC 7301 3.1). */

#include "hs_msg.h"

static bool
send(const struct tern_hs_exts *e, unsigned ctx, struct tern_wcursor *w)
{
	uint8_t *len;
	unsigned i;

	(void)ctx;
	if (!tern_wcursor_reserve(w, 2, &len))
		return false;
	for (i = 0; i < e->n_alpn; i++)
		if (e->alpn[i].len == 0 || e->alpn[i].len > 255 ||
		    !tern_wcursor_u8(w, (uint8_t)e->alpn[i].len) ||
		    !tern_wcursor_bytes(w, e->alpn[i].p, e->alpn[i].len))
			return false;
	tern_hs_patch_len(w, len, 2);
	return true;
}

static enum tern_tls_alert
recv(struct tern_hs_exts *e, unsigned ctx, struct tern_rcursor *r)
{
	struct tern_rcursor list, name;
	unsigned n = 0;

	if (!tern_hs_read_vec(r, 2, &list) || tern_rcursor_left(&list) == 0)
		return TERN_TLS_ALERT_DECODE_ERROR;
	while (tern_rcursor_left(&list) > 0) {
		if (!tern_hs_read_vec(&list, 1, &name) || tern_rcursor_left(&name) == 0)
			return TERN_TLS_ALERT_DECODE_ERROR;
		n++;
		if (e->n_alpn < TERN_HS_MAX_ALPN) {
			e->alpn[e->n_alpn].p = tern_rcursor_ptr(&name);
			e->alpn[e->n_alpn++].len = (uint32_t)tern_rcursor_left(&name);
		}
	}
	/* The server's answer names exactly one protocol (RFC 7301 3.1). */
	if (ctx == TERN_HS_CTX_EE && n != 1)
		return TERN_TLS_ALERT_ILLEGAL_PARAMETER;
	return TERN_TLS_ALERT_NONE;
}

const struct tern_hs_ext_type tern_hs_ext_alpn = {
	.iana = 16,
	.allowed = TERN_HS_CTX_CH | TERN_HS_CTX_EE,
	.name = "application_layer_protocol_negotiation",
	.send = send,
	.recv = recv,
	.should_send = tern_hs_ext_present,
};
