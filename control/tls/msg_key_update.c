/* SPDX-License-Identifier: Apache-2.0 */
/* KeyUpdate (RFC 8446 4.6.3). */

#include "hs_msg.h"

enum tern_tls_alert
tern_hs_key_update_parse(struct tern_rcursor *r, struct tern_hs_key_update *m)
{
	if (!tern_rcursor_u8(r, &m->request_update) || tern_rcursor_left(r) != 0)
		return TERN_TLS_ALERT_DECODE_ERROR;
	/* Any other value "MUST ... abort ... with an illegal_parameter alert". */
	return m->request_update <= 1 ? TERN_TLS_ALERT_NONE : TERN_TLS_ALERT_ILLEGAL_PARAMETER;
}

bool
tern_hs_key_update_write(struct tern_wcursor *w, const struct tern_hs_key_update *m)
{
	uint8_t *len;

	if (!tern_hs_msg_begin(w, TERN_HS_KEY_UPDATE, &len) ||
	    !tern_wcursor_u8(w, m->request_update))
		return false;
	tern_hs_msg_end(w, len);
	return true;
}
