/* SPDX-License-Identifier: Apache-2.0 */
/* supported_versions (RFC 8446 4.2.1): a list in CH, the selection in SH/HRR. */

#include "hs_msg.h"

static bool
send(const struct tern_hs_exts *e, unsigned ctx, struct tern_wcursor *w)
{
	uint8_t *len;
	unsigned i;

	if (ctx != TERN_HS_CTX_CH)
		return e->n_versions >= 1 && tern_wcursor_u16(w, e->versions[0]);
	if (!tern_wcursor_reserve(w, 1, &len))
		return false;
	for (i = 0; i < e->n_versions; i++)
		if (!tern_wcursor_u16(w, e->versions[i]))
			return false;
	tern_hs_patch_len(w, len, 1);
	return true;
}

static enum tern_tls_alert
recv(struct tern_hs_exts *e, unsigned ctx, struct tern_rcursor *r)
{
	struct tern_rcursor list;
	uint16_t v;

	if (ctx != TERN_HS_CTX_CH) {
		if (!tern_rcursor_u16(r, &v))
			return TERN_TLS_ALERT_DECODE_ERROR;
		e->versions[0] = v;
		e->n_versions = 1;
		return TERN_TLS_ALERT_NONE;
	}
	if (!tern_hs_read_vec(r, 1, &list) || tern_rcursor_left(&list) < 2 ||
	    tern_rcursor_left(&list) % 2 != 0)
		return TERN_TLS_ALERT_DECODE_ERROR;
	while (tern_rcursor_u16(&list, &v))
		if (e->n_versions < TERN_HS_MAX_VERSIONS)
			e->versions[e->n_versions++] = v;
	return TERN_TLS_ALERT_NONE;
}

static enum tern_tls_alert
if_missing(unsigned ctx)
{
	/* Without it CH and SH negotiate TLS 1.2 or older, which tern does not speak. */
	if (ctx & (TERN_HS_CTX_CH | TERN_HS_CTX_SH))
		return TERN_TLS_ALERT_PROTOCOL_VERSION;
	return ctx == TERN_HS_CTX_HRR ? TERN_TLS_ALERT_MISSING_EXTENSION : TERN_TLS_ALERT_NONE;
}

const struct tern_hs_ext_type tern_hs_ext_supported_versions = {
	.iana = 43,
	.allowed = TERN_HS_CTX_CH | TERN_HS_CTX_SH | TERN_HS_CTX_HRR,
	.name = "supported_versions",
	.send = send,
	.recv = recv,
	.should_send = tern_hs_ext_present,
	.if_missing = if_missing,
};
