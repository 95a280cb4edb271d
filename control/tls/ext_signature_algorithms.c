/* SPDX-License-Identifier: Apache-2.0 */
/* signature_algorithms (RFC 8446 4.2.3). */

#include "hs_msg.h"

static bool
send(const struct tern_hs_exts *e, unsigned ctx, struct tern_wcursor *w)
{
	uint8_t *len;
	unsigned i;

	(void)ctx;
	if (!tern_wcursor_reserve(w, 2, &len))
		return false;
	for (i = 0; i < e->n_sigalgs; i++)
		if (!tern_wcursor_u16(w, e->sigalgs[i]))
			return false;
	tern_hs_patch_len(w, len, 2);
	return true;
}

static enum tern_tls_alert
recv(struct tern_hs_exts *e, unsigned ctx, struct tern_rcursor *r)
{
	struct tern_rcursor list;
	uint16_t s;

	(void)ctx;
	if (!tern_hs_read_vec(r, 2, &list) || tern_rcursor_left(&list) < 2 ||
	    tern_rcursor_left(&list) % 2 != 0)
		return TERN_TLS_ALERT_DECODE_ERROR;
	while (tern_rcursor_u16(&list, &s))
		if (e->n_sigalgs < TERN_HS_MAX_SIGALGS)
			e->sigalgs[e->n_sigalgs++] = s;
	return TERN_TLS_ALERT_NONE;
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
