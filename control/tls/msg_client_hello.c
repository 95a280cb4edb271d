/* SPDX-License-Identifier: Apache-2.0 */
/* ClientHello (RFC 8446 4.1.2). */

#include <string.h>

#include "hs_msg.h"

enum tern_tls_alert
tern_hs_client_hello_parse(struct tern_rcursor *r, struct tern_hs_client_hello *m)
{
	struct tern_rcursor v;
	enum tern_tls_alert a;
	uint16_t s;
	uint8_t c;

	memset(m, 0, sizeof(*m));
	if (!tern_rcursor_u16(r, &m->legacy_version) ||
	    !tern_rcursor_copy(r, m->random, TERN_HS_RANDOM_LEN) || !tern_hs_read_vec(r, 1, &v) ||
	    tern_rcursor_left(&v) > TERN_HS_SESSION_ID_MAX)
		return TERN_TLS_ALERT_DECODE_ERROR;
	m->session_id_len = (uint8_t)tern_rcursor_left(&v);
	tern_rcursor_copy(&v, m->session_id, m->session_id_len);
	if (!tern_hs_read_vec(r, 2, &v) || tern_rcursor_left(&v) < 2 ||
	    tern_rcursor_left(&v) % 2 != 0)
		return TERN_TLS_ALERT_DECODE_ERROR;
	while (tern_rcursor_u16(&v, &s))
		if (m->n_suites < TERN_HS_MAX_SUITES)
			m->suites[m->n_suites++] = s;
	if (!tern_hs_read_vec(r, 1, &v) || tern_rcursor_left(&v) == 0)
		return TERN_TLS_ALERT_DECODE_ERROR;
	/* TLS 1.3: exactly one byte, null compression (4.1.2). */
	if (tern_rcursor_left(&v) != 1 || !tern_rcursor_u8(&v, &c) || c != 0)
		return TERN_TLS_ALERT_ILLEGAL_PARAMETER;
	/* No extensions at all: a pre-TLS 1.3 hello (no supported_versions). */
	if (tern_rcursor_left(r) == 0)
		return TERN_TLS_ALERT_PROTOCOL_VERSION;
	a = tern_hs_exts_parse(r, TERN_HS_CTX_CH, &m->exts);
	if (a == TERN_TLS_ALERT_NONE && tern_rcursor_left(r) != 0)
		return TERN_TLS_ALERT_DECODE_ERROR;
	return a;
}

bool
tern_hs_client_hello_write(struct tern_wcursor *w, const struct tern_hs_client_hello *m)
{
	uint8_t *len, *sl;
	unsigned i;

	if (!tern_hs_msg_begin(w, TERN_HS_CLIENT_HELLO, &len) ||
	    !tern_wcursor_u16(w, m->legacy_version) ||
	    !tern_wcursor_bytes(w, m->random, TERN_HS_RANDOM_LEN) ||
	    m->session_id_len > TERN_HS_SESSION_ID_MAX || !tern_wcursor_u8(w, m->session_id_len) ||
	    !tern_wcursor_bytes(w, m->session_id, m->session_id_len) ||
	    !tern_wcursor_reserve(w, 2, &sl))
		return false;
	for (i = 0; i < m->n_suites; i++)
		if (!tern_wcursor_u16(w, m->suites[i]))
			return false;
	tern_hs_patch_len(w, sl, 2);
	if (!tern_wcursor_u8(w, 1) || !tern_wcursor_u8(w, 0) ||
	    !tern_hs_exts_write(w, TERN_HS_CTX_CH, &m->exts))
		return false;
	tern_hs_msg_end(w, len);
	return true;
}
