/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Certificate (RFC 8446 4.4.2), X.509 entries only. Entry extensions are
 * parsed (duplicates and unsolicited ones rejected) but none is kept: tern
 * requests neither OCSP stapling nor SCTs.
 */

#include <string.h>

#include "hs_msg.h"

enum tern_tls_alert
tern_hs_certificate_parse(struct tern_rcursor *r, struct tern_hs_certificate *m)
{
	struct tern_rcursor ctx, list, cert;
	struct tern_hs_exts exts;
	enum tern_tls_alert a;

	memset(m, 0, sizeof(*m));
	if (!tern_hs_read_vec(r, 1, &ctx) || !tern_hs_read_vec(r, 3, &list))
		return TERN_TLS_ALERT_DECODE_ERROR;
	m->context.p = tern_rcursor_ptr(&ctx);
	m->context.len = (uint32_t)tern_rcursor_left(&ctx);
	while (tern_rcursor_left(&list) > 0) {
		if (!tern_hs_read_vec(&list, 3, &cert) || tern_rcursor_left(&cert) == 0)
			return TERN_TLS_ALERT_DECODE_ERROR;
		a = tern_hs_exts_parse(&list, TERN_HS_CTX_CT, &exts);
		if (a != TERN_TLS_ALERT_NONE)
			return a;
		/* A longer chain than tern verifies is refused, not truncated. */
		if (m->n_certs == TERN_HS_MAX_CERTS)
			return TERN_TLS_ALERT_BAD_CERTIFICATE;
		m->certs[m->n_certs].p = tern_rcursor_ptr(&cert);
		m->certs[m->n_certs++].len = (uint32_t)tern_rcursor_left(&cert);
	}
	return tern_rcursor_left(r) == 0 ? TERN_TLS_ALERT_NONE : TERN_TLS_ALERT_DECODE_ERROR;
}

bool
tern_hs_certificate_write(struct tern_wcursor *w, const struct tern_hs_certificate *m)
{
	uint8_t *len, *list;
	unsigned i;

	if (!tern_hs_msg_begin(w, TERN_HS_CERTIFICATE, &len) || m->context.len > 255 ||
	    !tern_wcursor_u8(w, (uint8_t)m->context.len) ||
	    !tern_wcursor_bytes(w, m->context.p, m->context.len) ||
	    !tern_wcursor_reserve(w, 3, &list))
		return false;
	for (i = 0; i < m->n_certs; i++)
		if (m->certs[i].len == 0 || m->certs[i].len > 0xffffff ||
		    !tern_wcursor_u24(w, m->certs[i].len) ||
		    !tern_wcursor_bytes(w, m->certs[i].p, m->certs[i].len) ||
		    !tern_wcursor_u16(w, 0))
			return false;
	tern_hs_patch_len(w, list, 3);
	tern_hs_msg_end(w, len);
	return true;
}
