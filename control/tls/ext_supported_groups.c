/* SPDX-License-Identifier: Apache-2.0 */
/* supported_groups (RFC 8446 4.2.7). */

#include "hs_msg.h"

static bool
send(const struct tern_hs_exts *e, unsigned ctx, struct tern_wcursor *w)
{
	uint8_t *len;
	unsigned i;

	(void)ctx;
	if (!tern_wcursor_reserve(w, 2, &len))
		return false;
	for (i = 0; i < e->n_groups; i++)
		if (!tern_wcursor_u16(w, e->groups[i]))
			return false;
	tern_hs_patch_len(w, len, 2);
	return true;
}

static enum tern_tls_alert
recv(struct tern_hs_exts *e, unsigned ctx, struct tern_rcursor *r)
{
	struct tern_rcursor list;
	uint16_t g;

	(void)ctx;
	if (!tern_hs_read_vec(r, 2, &list) || tern_rcursor_left(&list) < 2 ||
	    tern_rcursor_left(&list) % 2 != 0)
		return TERN_TLS_ALERT_DECODE_ERROR;
	while (tern_rcursor_u16(&list, &g))
		if (e->n_groups < TERN_HS_MAX_GROUPS)
			e->groups[e->n_groups++] = g;
	return TERN_TLS_ALERT_NONE;
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
