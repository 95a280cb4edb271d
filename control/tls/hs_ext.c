/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Extension blocks (RFC 8446 4.2) and handshake message framing. Each
 * understood extension lives in its own ext_*.c file as one table row.
 */

#include <string.h>

#include "hs_msg.h"

const struct tern_hs_ext_type *const tern_hs_ext_table[TERN_HS_EXT_COUNT] = {
	[TERN_HS_EXT_SERVER_NAME] = &tern_hs_ext_server_name,
	[TERN_HS_EXT_SUPPORTED_GROUPS] = &tern_hs_ext_supported_groups,
	[TERN_HS_EXT_SIGNATURE_ALGORITHMS] = &tern_hs_ext_signature_algorithms,
	[TERN_HS_EXT_ALPN] = &tern_hs_ext_alpn,
	[TERN_HS_EXT_RECORD_SIZE_LIMIT] = &tern_hs_ext_record_size_limit,
	[TERN_HS_EXT_SUPPORTED_VERSIONS] = &tern_hs_ext_supported_versions,
	[TERN_HS_EXT_COOKIE] = &tern_hs_ext_cookie,
	[TERN_HS_EXT_PSK_KEY_EXCHANGE_MODES] = &tern_hs_ext_psk_key_exchange_modes,
	[TERN_HS_EXT_KEY_SHARE] = &tern_hs_ext_key_share,
	[TERN_HS_EXT_EARLY_DATA] = &tern_hs_ext_early_data,
	[TERN_HS_EXT_QUIC_TRANSPORT_PARAMETERS] = &tern_hs_ext_quic_transport_parameters,
	[TERN_HS_EXT_PRE_SHARED_KEY] = &tern_hs_ext_pre_shared_key,
};

bool
tern_hs_ext_present(const struct tern_hs_exts *e, unsigned ctx)
{
	/* The present bit was checked by the caller; nothing else to decide. */
	(void)e;
	(void)ctx;
	return true;
}

bool
tern_hs_read_vec(struct tern_rcursor *r, size_t len_bytes, struct tern_rcursor *sub)
{
	uint64_t n;

	return tern_rcursor_uint(r, len_bytes, &n) && tern_rcursor_sub(r, (size_t)n, sub);
}

void
tern_hs_patch_len(struct tern_wcursor *w, uint8_t *at, size_t n)
{
	size_t len = (size_t)(tern_wcursor_ptr(w) - at) - n;
	size_t i;

	for (i = 0; i < n; i++)
		at[i] = (uint8_t)(len >> (8 * (n - 1 - i)));
}

bool
tern_hs_write_u16_list(struct tern_wcursor *w, const uint16_t *v, size_t n)
{
	uint8_t *len;
	size_t i;

	if (!tern_wcursor_reserve(w, 2, &len))
		return false;
	for (i = 0; i < n; i++)
		if (!tern_wcursor_u16(w, v[i]))
			return false;
	tern_hs_patch_len(w, len, 2);
	return true;
}

enum tern_tls_alert
tern_hs_read_u16_list(struct tern_rcursor *r, uint16_t *v, uint8_t *n, size_t max)
{
	struct tern_rcursor list;
	uint16_t x;

	if (!tern_hs_read_vec(r, 2, &list) || tern_rcursor_left(&list) < 2 ||
	    tern_rcursor_left(&list) % 2 != 0)
		return TERN_TLS_ALERT_DECODE_ERROR;
	while (tern_rcursor_u16(&list, &x))
		if (*n < max)
			v[(*n)++] = x;
	return TERN_TLS_ALERT_NONE;
}

bool
tern_hs_msg_begin(struct tern_wcursor *w, uint8_t type, uint8_t **len_at)
{
	return tern_wcursor_u8(w, type) && tern_wcursor_reserve(w, 3, len_at);
}

void
tern_hs_msg_end(struct tern_wcursor *w, uint8_t *len_at)
{
	tern_hs_patch_len(w, len_at, 3);
}

static int
ext_lookup(uint16_t iana)
{
	int i;

	for (i = 0; i < TERN_HS_EXT_COUNT; i++)
		if (tern_hs_ext_table[i]->iana == iana)
			return i;
	return -1;
}

enum tern_tls_alert
tern_hs_exts_parse(struct tern_rcursor *r, unsigned ctx, struct tern_hs_exts *e)
{
	/* Every extension type seen, to reject duplicates of unknown ones too (4.2). */
	uint64_t seen[65536 / 64];
	struct tern_rcursor list, body;
	enum tern_tls_alert a;
	uint16_t type;
	int i, id;

	memset(e, 0, sizeof(*e));
	memset(seen, 0, sizeof(seen));
	if (!tern_hs_read_vec(r, 2, &list))
		return TERN_TLS_ALERT_DECODE_ERROR;
	while (tern_rcursor_left(&list) > 0) {
		if (!tern_rcursor_u16(&list, &type) || !tern_hs_read_vec(&list, 2, &body))
			return TERN_TLS_ALERT_DECODE_ERROR;
		if (seen[type / 64] & (1ULL << (type % 64)))
			return TERN_TLS_ALERT_ILLEGAL_PARAMETER;
		seen[type / 64] |= 1ULL << (type % 64);
		id = ext_lookup(type);
		if (id < 0) {
			/* Only requests may carry unsolicited extensions (4.2). */
			if (ctx & (TERN_HS_CTX_CH | TERN_HS_CTX_CR | TERN_HS_CTX_NST))
				continue;
			return TERN_TLS_ALERT_UNSUPPORTED_EXTENSION;
		}
		if (!(tern_hs_ext_table[id]->allowed & ctx))
			return TERN_TLS_ALERT_ILLEGAL_PARAMETER;
		a = tern_hs_ext_table[id]->recv(e, ctx, &body);
		if (a != TERN_TLS_ALERT_NONE)
			return a;
		if (tern_rcursor_left(&body) != 0)
			return TERN_TLS_ALERT_DECODE_ERROR;
		e->present |= TERN_HS_EXT_BIT(id);
		/* "pre_shared_key MUST be the last extension in the ClientHello" (4.2.11). */
		if (id == TERN_HS_EXT_PRE_SHARED_KEY && (ctx & TERN_HS_CTX_CH) &&
		    tern_rcursor_left(&list) != 0)
			return TERN_TLS_ALERT_ILLEGAL_PARAMETER;
	}
	for (i = 0; i < TERN_HS_EXT_COUNT; i++) {
		if ((e->present & TERN_HS_EXT_BIT(i)) || tern_hs_ext_table[i]->if_missing == NULL)
			continue;
		a = tern_hs_ext_table[i]->if_missing(ctx);
		if (a != TERN_TLS_ALERT_NONE)
			return a;
	}
	return TERN_TLS_ALERT_NONE;
}

bool
tern_hs_exts_write(struct tern_wcursor *w, unsigned ctx, const struct tern_hs_exts *e)
{
	uint8_t *list_len, *len;
	int i;

	if (!tern_wcursor_reserve(w, 2, &list_len))
		return false;
	for (i = 0; i < TERN_HS_EXT_COUNT; i++) {
		const struct tern_hs_ext_type *t = tern_hs_ext_table[i];

		if (!(t->allowed & ctx) || !(e->present & TERN_HS_EXT_BIT(i)) ||
		    !t->should_send(e, ctx))
			continue;
		if (!tern_wcursor_u16(w, t->iana) || !tern_wcursor_reserve(w, 2, &len) ||
		    !t->send(e, ctx, w))
			return false;
		tern_hs_patch_len(w, len, 2);
	}
	tern_hs_patch_len(w, list_len, 2);
	return true;
}
