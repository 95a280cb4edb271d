/* SPDX-License-Identifier: Apache-2.0 */
/* CertificateVerify (RFC 8446 4.4.3). */

#include <string.h>

#include "hs_msg.h"

enum tern_tls_alert
tern_hs_certificate_verify_parse(struct tern_rcursor *r, struct tern_hs_certificate_verify *m)
{
	struct tern_rcursor sig;

	memset(m, 0, sizeof(*m));
	if (!tern_rcursor_u16(r, &m->sigalg) || !tern_hs_read_vec(r, 2, &sig) ||
	    tern_rcursor_left(&sig) == 0 || tern_rcursor_left(r) != 0)
		return TERN_TLS_ALERT_DECODE_ERROR;
	m->signature.p = tern_rcursor_ptr(&sig);
	m->signature.len = (uint32_t)tern_rcursor_left(&sig);
	return TERN_TLS_ALERT_NONE;
}

bool
tern_hs_certificate_verify_write(struct tern_wcursor *w, const struct tern_hs_certificate_verify *m)
{
	uint8_t *len;

	if (!tern_hs_msg_begin(w, TERN_HS_CERTIFICATE_VERIFY, &len) ||
	    !tern_wcursor_u16(w, m->sigalg) || m->signature.len == 0 || m->signature.len > 0xffff ||
	    !tern_wcursor_u16(w, (uint16_t)m->signature.len) ||
	    !tern_wcursor_bytes(w, m->signature.p, m->signature.len))
		return false;
	tern_hs_msg_end(w, len);
	return true;
}
