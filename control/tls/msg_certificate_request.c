/* SPDX-License-Identifier: Apache-2.0 */
/* CertificateRequest (RFC 8446 4.3.2). */

#include "hs_msg.h"

enum tern_tls_alert
tern_hs_certificate_request_parse(struct tern_rcursor *r, struct tern_hs_certificate_request *m)
{
	struct tern_rcursor ctx;
	enum tern_tls_alert a;

	if (!tern_hs_read_vec(r, 1, &ctx))
		return TERN_TLS_ALERT_DECODE_ERROR;
	m->context.p = tern_rcursor_ptr(&ctx);
	m->context.len = (uint32_t)tern_rcursor_left(&ctx);
	/* signature_algorithms is mandatory here (its if_missing). */
	a = tern_hs_exts_parse(r, TERN_HS_CTX_CR, &m->exts);
	if (a == TERN_TLS_ALERT_NONE && tern_rcursor_left(r) != 0)
		return TERN_TLS_ALERT_DECODE_ERROR;
	return a;
}

bool
tern_hs_certificate_request_write(struct tern_wcursor *w,
				  const struct tern_hs_certificate_request *m)
{
	uint8_t *len;

	if (!tern_hs_msg_begin(w, TERN_HS_CERTIFICATE_REQUEST, &len) || m->context.len > 255 ||
	    !tern_wcursor_u8(w, (uint8_t)m->context.len) ||
	    !tern_wcursor_bytes(w, m->context.p, m->context.len) ||
	    !tern_hs_exts_write(w, TERN_HS_CTX_CR, &m->exts))
		return false;
	tern_hs_msg_end(w, len);
	return true;
}
