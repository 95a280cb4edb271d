/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pre_shared_key (RFC 8446 4.2.11): ClientHello offers identities and
 * binders, ServerHello answers with the selected identity. The binders are
 * written as given (the client writes placeholders, then patches the real
 * values over the message's tail once the truncated hello is hashed).
 */

#include "hs_msg.h"

static bool
send(const struct tern_hs_exts *e, unsigned ctx, struct tern_wcursor *w)
{
	uint8_t *len;
	unsigned i;

	if (ctx & TERN_HS_CTX_SH)
		return tern_wcursor_u16(w, e->psk_selected);
	if (e->n_psk_ids == 0 || e->n_psk_ids != e->n_psk_binders ||
	    e->n_psk_ids > TERN_HS_MAX_PSKS || !tern_wcursor_reserve(w, 2, &len))
		return false;
	for (i = 0; i < e->n_psk_ids; i++) {
		const struct tern_hs_psk_identity *id = &e->psk_ids[i];

		if (id->identity.len == 0 || id->identity.len > 0xffff ||
		    !tern_wcursor_u16(w, (uint16_t)id->identity.len) ||
		    !tern_wcursor_bytes(w, id->identity.p, id->identity.len) ||
		    !tern_wcursor_u32(w, id->obfuscated_age))
			return false;
	}
	tern_hs_patch_len(w, len, 2);
	if (!tern_wcursor_reserve(w, 2, &len))
		return false;
	for (i = 0; i < e->n_psk_binders; i++) {
		const struct tern_hs_view *b = &e->psk_binders[i];

		if (b->len < 32 || b->len > 255 || !tern_wcursor_u8(w, (uint8_t)b->len) ||
		    !tern_wcursor_bytes(w, b->p, b->len))
			return false;
	}
	tern_hs_patch_len(w, len, 2);
	return true;
}

static enum tern_tls_alert
recv(struct tern_hs_exts *e, unsigned ctx, struct tern_rcursor *r)
{
	struct tern_rcursor ids, binders, v;
	uint32_t age;

	if (ctx & TERN_HS_CTX_SH)
		return tern_rcursor_u16(r, &e->psk_selected) ? TERN_TLS_ALERT_NONE
							     : TERN_TLS_ALERT_DECODE_ERROR;
	/* identities<7..2^16-1>, binders<33..2^16-1> */
	if (!tern_hs_read_vec(r, 2, &ids) || tern_rcursor_left(&ids) == 0)
		return TERN_TLS_ALERT_DECODE_ERROR;
	while (tern_rcursor_left(&ids) > 0) {
		if (!tern_hs_read_vec(&ids, 2, &v) || tern_rcursor_left(&v) == 0 ||
		    !tern_rcursor_u32(&ids, &age))
			return TERN_TLS_ALERT_DECODE_ERROR;
		if (e->n_psk_ids < TERN_HS_MAX_PSKS) {
			e->psk_ids[e->n_psk_ids].identity.p = tern_rcursor_ptr(&v);
			e->psk_ids[e->n_psk_ids].identity.len = (uint32_t)tern_rcursor_left(&v);
			e->psk_ids[e->n_psk_ids].obfuscated_age = age;
		}
		if (e->n_psk_ids == 0xffff)
			return TERN_TLS_ALERT_DECODE_ERROR;
		e->n_psk_ids++;
	}
	e->psk_binders_len = (uint32_t)tern_rcursor_left(r);
	if (!tern_hs_read_vec(r, 2, &binders) || tern_rcursor_left(&binders) == 0)
		return TERN_TLS_ALERT_DECODE_ERROR;
	while (tern_rcursor_left(&binders) > 0) {
		if (!tern_hs_read_vec(&binders, 1, &v) || tern_rcursor_left(&v) < 32)
			return TERN_TLS_ALERT_DECODE_ERROR;
		if (e->n_psk_binders < TERN_HS_MAX_PSKS) {
			e->psk_binders[e->n_psk_binders].p = tern_rcursor_ptr(&v);
			e->psk_binders[e->n_psk_binders].len = (uint32_t)tern_rcursor_left(&v);
		}
		if (e->n_psk_binders == 0xffff)
			return TERN_TLS_ALERT_DECODE_ERROR;
		e->n_psk_binders++;
	}
	/* One binder per identity (4.2.11.2). */
	if (e->n_psk_binders != e->n_psk_ids)
		return TERN_TLS_ALERT_ILLEGAL_PARAMETER;
	return TERN_TLS_ALERT_NONE;
}

const struct tern_hs_ext_type tern_hs_ext_pre_shared_key = {
	.iana = 41,
	.allowed = TERN_HS_CTX_CH | TERN_HS_CTX_SH,
	.name = "pre_shared_key",
	.send = send,
	.recv = recv,
	.should_send = tern_hs_ext_present,
};
