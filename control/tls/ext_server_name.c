/* SPDX-License-Identifier: Apache-2.0 */
/* server_name (RFC 6066 3): the host name in CH, an empty acknowledgement in EE. */

#include "hs_msg.h"

static bool
send(const struct tern_hs_exts *e, unsigned ctx, struct tern_wcursor *w)
{
	uint8_t *list;

	if (ctx != TERN_HS_CTX_CH)
		return true;
	/* A ServerNameList is never empty and a HostName never either (RFC 6066 3). */
	if (e->server_name.len == 0 || e->server_name.len > 0xffff)
		return false;
	return tern_wcursor_reserve(w, 2, &list) && tern_wcursor_u8(w, 0) &&
	       tern_wcursor_u16(w, (uint16_t)e->server_name.len) &&
	       tern_wcursor_bytes(w, e->server_name.p, e->server_name.len) &&
	       (tern_hs_patch_len(w, list, 2), true);
}

static enum tern_tls_alert
recv(struct tern_hs_exts *e, unsigned ctx, struct tern_rcursor *r)
{
	struct tern_rcursor list, name;
	uint8_t type;

	if (ctx != TERN_HS_CTX_CH)
		return TERN_TLS_ALERT_NONE; /* must be empty: checked by the caller */
	if (!tern_hs_read_vec(r, 2, &list) || tern_rcursor_left(&list) == 0)
		return TERN_TLS_ALERT_DECODE_ERROR;
	while (tern_rcursor_left(&list) > 0) {
		if (!tern_rcursor_u8(&list, &type) || !tern_hs_read_vec(&list, 2, &name) ||
		    tern_rcursor_left(&name) == 0)
			return TERN_TLS_ALERT_DECODE_ERROR;
		if (type != 0)
			continue;
		/* At most one name per type (RFC 6066 3). */
		if (e->server_name.p != NULL)
			return TERN_TLS_ALERT_ILLEGAL_PARAMETER;
		e->server_name.p = tern_rcursor_ptr(&name);
		e->server_name.len = (uint32_t)tern_rcursor_left(&name);
	}
	return TERN_TLS_ALERT_NONE;
}

const struct tern_hs_ext_type tern_hs_ext_server_name = {
	.iana = 0,
	.allowed = TERN_HS_CTX_CH | TERN_HS_CTX_EE,
	.name = "server_name",
	.send = send,
	.recv = recv,
	.should_send = tern_hs_ext_present,
};
