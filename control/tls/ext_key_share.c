/* SPDX-License-Identifier: Apache-2.0 */
/*
 * key_share (RFC 8446 4.2.8): client_shares in CH, one server_share in SH,
 * the selected_group in HRR. Public values are checked for their group's
 * length by the handshake (4.2.8.1, 4.2.8.2), not here.
 */

#include "hs_msg.h"

static bool
write_entry(struct tern_wcursor *w, const struct tern_hs_key_share *s)
{
	return s->key.len >= 1 && s->key.len <= 0xffff && tern_wcursor_u16(w, s->group) &&
	       tern_wcursor_u16(w, (uint16_t)s->key.len) &&
	       tern_wcursor_bytes(w, s->key.p, s->key.len);
}

static bool
send(const struct tern_hs_exts *e, unsigned ctx, struct tern_wcursor *w)
{
	uint8_t *len;
	unsigned i;

	if (ctx == TERN_HS_CTX_HRR)
		return tern_wcursor_u16(w, e->hrr_group);
	if (ctx == TERN_HS_CTX_SH)
		return e->n_shares == 1 && write_entry(w, &e->shares[0]);
	if (!tern_wcursor_reserve(w, 2, &len))
		return false;
	for (i = 0; i < e->n_shares; i++)
		if (!write_entry(w, &e->shares[i]))
			return false;
	tern_hs_patch_len(w, len, 2);
	return true;
}

static bool
read_entry(struct tern_rcursor *r, struct tern_hs_key_share *s)
{
	struct tern_rcursor key;

	if (!tern_rcursor_u16(r, &s->group) || !tern_hs_read_vec(r, 2, &key) ||
	    tern_rcursor_left(&key) == 0)
		return false;
	s->key.p = tern_rcursor_ptr(&key);
	s->key.len = (uint32_t)tern_rcursor_left(&key);
	return true;
}

static enum tern_tls_alert
recv(struct tern_hs_exts *e, unsigned ctx, struct tern_rcursor *r)
{
	struct tern_rcursor list;
	struct tern_hs_key_share s;
	unsigned i;

	if (ctx == TERN_HS_CTX_HRR)
		return tern_rcursor_u16(r, &e->hrr_group) ? TERN_TLS_ALERT_NONE
							  : TERN_TLS_ALERT_DECODE_ERROR;
	if (ctx == TERN_HS_CTX_SH) {
		if (!read_entry(r, &e->shares[0]))
			return TERN_TLS_ALERT_DECODE_ERROR;
		e->n_shares = 1;
		return TERN_TLS_ALERT_NONE;
	}
	if (!tern_hs_read_vec(r, 2, &list))
		return TERN_TLS_ALERT_DECODE_ERROR;
	while (tern_rcursor_left(&list) > 0) {
		if (!read_entry(&list, &s))
			return TERN_TLS_ALERT_DECODE_ERROR;
		/* "Clients MUST NOT offer multiple KeyShareEntry values for the same group". */
		for (i = 0; i < e->n_shares; i++)
			if (e->shares[i].group == s.group)
				return TERN_TLS_ALERT_ILLEGAL_PARAMETER;
		if (e->n_shares < TERN_HS_MAX_SHARES)
			e->shares[e->n_shares++] = s;
	}
	return TERN_TLS_ALERT_NONE;
}

static enum tern_tls_alert
if_missing(unsigned ctx)
{
	/* No PSK modes here, so (EC)DHE is mandatory (RFC 8446 9.2, 4.2.8). */
	return (ctx & (TERN_HS_CTX_CH | TERN_HS_CTX_SH)) ? TERN_TLS_ALERT_MISSING_EXTENSION
							 : TERN_TLS_ALERT_NONE;
}

const struct tern_hs_ext_type tern_hs_ext_key_share = {
	.iana = 51,
	.allowed = TERN_HS_CTX_CH | TERN_HS_CTX_SH | TERN_HS_CTX_HRR,
	.name = "key_share",
	.send = send,
	.recv = recv,
	.should_send = tern_hs_ext_present,
	.if_missing = if_missing,
};
