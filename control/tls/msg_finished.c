/* SPDX-License-Identifier: Apache-2.0 */
/* Finished (RFC 8446 4.4.4): verify_data of the suite's hash length. */

#include "hs_msg.h"

enum tern_tls_alert
tern_hs_finished_parse(struct tern_rcursor *r, size_t hash_len, struct tern_hs_finished *m)
{
	const uint8_t *p;

	if (tern_rcursor_left(r) != hash_len || !tern_rcursor_view(r, hash_len, &p))
		return TERN_TLS_ALERT_DECODE_ERROR;
	m->verify_data.p = p;
	m->verify_data.len = (uint32_t)hash_len;
	return TERN_TLS_ALERT_NONE;
}

bool
tern_hs_finished_write(struct tern_wcursor *w, const struct tern_hs_finished *m)
{
	uint8_t *len;

	if (!tern_hs_msg_begin(w, TERN_HS_FINISHED, &len) ||
	    !tern_wcursor_bytes(w, m->verify_data.p, m->verify_data.len))
		return false;
	tern_hs_msg_end(w, len);
	return true;
}
