/* SPDX-License-Identifier: Apache-2.0 */
/* ServerHello and HelloRetryRequest (RFC 8446 4.1.3, 4.1.4). */

#include <string.h>

#include "hs_msg.h"

/* SHA-256("HelloRetryRequest") (4.1.3). */
const uint8_t tern_hs_hrr_random[TERN_HS_RANDOM_LEN] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
	0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
	0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

enum tern_tls_alert
tern_hs_server_hello_parse(struct tern_rcursor *r, struct tern_hs_server_hello *m)
{
	struct tern_rcursor v;
	enum tern_tls_alert a;
	uint8_t c;

	memset(m, 0, sizeof(*m));
	if (!tern_rcursor_u16(r, &m->legacy_version) ||
	    !tern_rcursor_copy(r, m->random, TERN_HS_RANDOM_LEN) || !tern_hs_read_vec(r, 1, &v) ||
	    tern_rcursor_left(&v) > TERN_HS_SESSION_ID_MAX)
		return TERN_TLS_ALERT_DECODE_ERROR;
	m->session_id_len = (uint8_t)tern_rcursor_left(&v);
	tern_rcursor_copy(&v, m->session_id, m->session_id_len);
	if (!tern_rcursor_u16(r, &m->suite) || !tern_rcursor_u8(r, &c))
		return TERN_TLS_ALERT_DECODE_ERROR;
	if (c != 0)
		return TERN_TLS_ALERT_ILLEGAL_PARAMETER;
	m->is_hrr = memcmp(m->random, tern_hs_hrr_random, TERN_HS_RANDOM_LEN) == 0;
	/* No extensions: a TLS 1.2-or-older ServerHello. */
	if (tern_rcursor_left(r) == 0)
		return TERN_TLS_ALERT_PROTOCOL_VERSION;
	a = tern_hs_exts_parse(r, m->is_hrr ? TERN_HS_CTX_HRR : TERN_HS_CTX_SH, &m->exts);
	if (a == TERN_TLS_ALERT_NONE && tern_rcursor_left(r) != 0)
		return TERN_TLS_ALERT_DECODE_ERROR;
	return a;
}

bool
tern_hs_server_hello_write(struct tern_wcursor *w, const struct tern_hs_server_hello *m)
{
	uint8_t *len;

	if (!tern_hs_msg_begin(w, TERN_HS_SERVER_HELLO, &len) ||
	    !tern_wcursor_u16(w, m->legacy_version) ||
	    !tern_wcursor_bytes(w, m->is_hrr ? tern_hs_hrr_random : m->random,
				TERN_HS_RANDOM_LEN) ||
	    m->session_id_len > TERN_HS_SESSION_ID_MAX || !tern_wcursor_u8(w, m->session_id_len) ||
	    !tern_wcursor_bytes(w, m->session_id, m->session_id_len) ||
	    !tern_wcursor_u16(w, m->suite) || !tern_wcursor_u8(w, 0) ||
	    !tern_hs_exts_write(w, m->is_hrr ? TERN_HS_CTX_HRR : TERN_HS_CTX_SH, &m->exts))
		return false;
	tern_hs_msg_end(w, len);
	return true;
}
