/* SPDX-License-Identifier: Apache-2.0 */
/* NewSessionTicket (RFC 8446 4.6.1). Parsed so a client can skip it safely. */

#include <string.h>

#include "hs_msg.h"

enum tern_tls_alert
tern_hs_new_session_ticket_parse(struct tern_rcursor *r, struct tern_hs_new_session_ticket *m)
{
	struct tern_rcursor nonce, ticket;
	enum tern_tls_alert a;

	memset(m, 0, sizeof(*m));
	if (!tern_rcursor_u32(r, &m->lifetime) || !tern_rcursor_u32(r, &m->age_add) ||
	    !tern_hs_read_vec(r, 1, &nonce) || !tern_hs_read_vec(r, 2, &ticket) ||
	    tern_rcursor_left(&ticket) == 0)
		return TERN_TLS_ALERT_DECODE_ERROR;
	/* "Servers MUST NOT use any value greater than 604800 seconds" (4.6.1). */
	if (m->lifetime > 604800)
		return TERN_TLS_ALERT_ILLEGAL_PARAMETER;
	m->nonce.p = tern_rcursor_ptr(&nonce);
	m->nonce.len = (uint32_t)tern_rcursor_left(&nonce);
	m->ticket.p = tern_rcursor_ptr(&ticket);
	m->ticket.len = (uint32_t)tern_rcursor_left(&ticket);
	a = tern_hs_exts_parse(r, TERN_HS_CTX_NST, &m->exts);
	if (a == TERN_TLS_ALERT_NONE && tern_rcursor_left(r) != 0)
		return TERN_TLS_ALERT_DECODE_ERROR;
	return a;
}

bool
tern_hs_new_session_ticket_write(struct tern_wcursor *w, const struct tern_hs_new_session_ticket *m)
{
	uint8_t *len;

	if (!tern_hs_msg_begin(w, TERN_HS_NEW_SESSION_TICKET, &len) ||
	    !tern_wcursor_u32(w, m->lifetime) || !tern_wcursor_u32(w, m->age_add) ||
	    m->nonce.len > 255 || !tern_wcursor_u8(w, (uint8_t)m->nonce.len) ||
	    !tern_wcursor_bytes(w, m->nonce.p, m->nonce.len) || m->ticket.len == 0 ||
	    m->ticket.len > 0xffff || !tern_wcursor_u16(w, (uint16_t)m->ticket.len) ||
	    !tern_wcursor_bytes(w, m->ticket.p, m->ticket.len) ||
	    !tern_hs_exts_write(w, TERN_HS_CTX_NST, &m->exts))
		return false;
	tern_hs_msg_end(w, len);
	return true;
}
