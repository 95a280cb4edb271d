/* SPDX-License-Identifier: Apache-2.0 */
/* EncryptedExtensions (RFC 8446 4.3.1). */

#include "hs_msg.h"

enum tern_tls_alert
tern_hs_encrypted_extensions_parse(struct tern_rcursor *r, struct tern_hs_encrypted_extensions *m)
{
	enum tern_tls_alert a = tern_hs_exts_parse(r, TERN_HS_CTX_EE, &m->exts);

	if (a == TERN_TLS_ALERT_NONE && tern_rcursor_left(r) != 0)
		return TERN_TLS_ALERT_DECODE_ERROR;
	return a;
}

bool
tern_hs_encrypted_extensions_write(struct tern_wcursor *w,
				   const struct tern_hs_encrypted_extensions *m)
{
	uint8_t *len;

	if (!tern_hs_msg_begin(w, TERN_HS_ENCRYPTED_EXTENSIONS, &len) ||
	    !tern_hs_exts_write(w, TERN_HS_CTX_EE, &m->exts))
		return false;
	tern_hs_msg_end(w, len);
	return true;
}
