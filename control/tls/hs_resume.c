/* SPDX-License-Identifier: Apache-2.0 */
/* Public resumption calls of the handshake (include/tern/handshake.h). */

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "hs_internal.h"

int
tern_hs_set_session(struct tern_hs *hs, const uint8_t *session, size_t len)
{
	struct tern_hs_resume st, *copy;
	struct tern_rcursor r;
	uint8_t *ticket;

	if (hs == NULL || session == NULL || hs->role != TERN_TLS_CLIENT ||
	    hs->state != TERN_HS_ST_CLIENT_START)
		return -TERN_EINVAL;
	tern_rcursor_init(&r, session, len);
	if (!tern_hs_resume_read(&r, &st) || st.opaque.len == 0) {
		OPENSSL_cleanse(&st, sizeof(st));
		return -TERN_EINVAL;
	}
	copy = malloc(sizeof(*copy));
	ticket = malloc(st.opaque.len);
	if (copy == NULL || ticket == NULL) {
		free(copy);
		free(ticket);
		OPENSSL_cleanse(&st, sizeof(st));
		return -TERN_ENOMEM;
	}
	memcpy(ticket, st.opaque.p, st.opaque.len);
	st.opaque.p = ticket;
	*copy = st;
	OPENSSL_cleanse(&st, sizeof(st));
	tern_hs_resume_free(hs);
	hs->sess = copy;
	hs->sess_ticket = ticket;
	return 0;
}

void
tern_hs_resume_free(struct tern_hs *hs)
{
	if (hs->sess != NULL) {
		OPENSSL_cleanse(hs->sess, sizeof(*hs->sess));
		free(hs->sess);
		hs->sess = NULL;
	}
	free(hs->sess_ticket);
	hs->sess_ticket = NULL;
}

bool
tern_hs_is_resumed(const struct tern_hs *hs)
{
	return hs->resumed;
}

int
tern_hs_set_resumption_data(struct tern_hs *hs, const uint8_t *data, size_t len)
{
	if (hs == NULL || (data == NULL && len != 0) || hs->role != TERN_TLS_SERVER)
		return -TERN_EINVAL;
	if (len > TERN_HS_RESUMPTION_DATA_MAX)
		return -TERN_ERANGE;
	if (len != 0)
		memcpy(hs->res_data, data, len);
	hs->res_data_len = (uint16_t)len;
	return 0;
}

size_t
tern_hs_received_resumption_data(const struct tern_hs *hs, const uint8_t **data)
{
	if (data != NULL)
		*data = hs->got_res_data;
	return hs->resumed ? hs->got_res_data_len : 0;
}
