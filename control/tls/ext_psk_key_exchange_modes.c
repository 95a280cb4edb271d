/* SPDX-License-Identifier: Apache-2.0 */
/* psk_key_exchange_modes (RFC 8446 4.2.9); kept as a bit set of modes 0..7. */

#include "hs_msg.h"

static bool
send(const struct tern_hs_exts *e, unsigned ctx, struct tern_wcursor *w)
{
	uint8_t *len;
	unsigned m;

	(void)ctx;
	if (!tern_wcursor_reserve(w, 1, &len))
		return false;
	for (m = 0; m < 8; m++)
		if ((e->psk_modes & (1u << m)) && !tern_wcursor_u8(w, (uint8_t)m))
			return false;
	tern_hs_patch_len(w, len, 1);
	return true;
}

static enum tern_tls_alert
recv(struct tern_hs_exts *e, unsigned ctx, struct tern_rcursor *r)
{
	struct tern_rcursor list;
	uint8_t m;

	(void)ctx;
	if (!tern_hs_read_vec(r, 1, &list) || tern_rcursor_left(&list) == 0)
		return TERN_TLS_ALERT_DECODE_ERROR;
	while (tern_rcursor_u8(&list, &m))
		if (m < 8)
			e->psk_modes |= (uint8_t)(1u << m);
	return TERN_TLS_ALERT_NONE;
}

const struct tern_hs_ext_type tern_hs_ext_psk_key_exchange_modes = {
	.iana = 45,
	.allowed = TERN_HS_CTX_CH,
	.name = "psk_key_exchange_modes",
	.send = send,
	.recv = recv,
	.should_send = tern_hs_ext_present,
};
