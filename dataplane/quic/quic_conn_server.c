/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Stateless server helpers (include/tern/quic.h): Retry and Version
 * Negotiation packets, written before any connection exists.
 */

#include <openssl/rand.h>

#include "quic_conn_internal.h"

int
tern_quic_retry(const uint8_t *scid, size_t scid_len, const uint8_t *dcid, size_t dcid_len,
		const uint8_t *new_scid, size_t new_scid_len, const uint8_t *token,
		size_t token_len, uint32_t version, struct tern_crypto_ctx *cctx, uint8_t *out,
		size_t cap)
{
	struct tern_quic_retry_key *key;
	struct tern_wcursor w;
	uint8_t rnd, *tag;
	int bits, rc;

	if (scid_len > TERN_QUIC_CONN_ID_MAX || dcid_len > TERN_QUIC_CONN_ID_MAX ||
	    new_scid_len == 0 || new_scid_len > TERN_QUIC_CONN_ID_MAX || token_len == 0 ||
	    token == NULL || new_scid == NULL || out == NULL || cctx == NULL ||
	    (scid == NULL && scid_len != 0) || (dcid == NULL && dcid_len != 0))
		return -TERN_EINVAL;
	bits = tern_quic_long_type_bits(version, TERN_QUIC_PKT_RETRY);
	if (bits < 0)
		return -TERN_EINVAL;
	if (RAND_bytes(&rnd, 1) != 1)
		return -TERN_EINTERNAL;
	tern_wcursor_init(&w, out, cap);
	/* The low four bits are unused (17.2.5): random, as an unpredictable value. */
	if (!tern_wcursor_u8(&w, (uint8_t)(0xc0 | (bits << 4) | (rnd & 0x0f))) ||
	    !tern_wcursor_u32(&w, version) || !tern_wcursor_u8(&w, (uint8_t)scid_len) ||
	    !tern_wcursor_bytes(&w, scid, scid_len) ||
	    !tern_wcursor_u8(&w, (uint8_t)new_scid_len) ||
	    !tern_wcursor_bytes(&w, new_scid, new_scid_len) ||
	    !tern_wcursor_bytes(&w, token, token_len) ||
	    !tern_wcursor_reserve(&w, TERN_QUIC_RETRY_TAG_LEN, &tag))
		return -TERN_ENOBUFS;
	rc = tern_quic_retry_key_create(cctx, version, &key);
	if (rc != 0)
		return rc;
	rc = tern_quic_retry_tag(cctx, key, dcid, dcid_len, out, w.off - TERN_QUIC_RETRY_TAG_LEN,
				 tag);
	tern_quic_retry_key_free(key);
	return rc != 0 ? rc : (int)w.off;
}

int
tern_quic_negotiate_version(const uint8_t *scid, size_t scid_len, const uint8_t *dcid,
			    size_t dcid_len, uint8_t *out, size_t cap)
{
	struct tern_wcursor w;
	uint8_t rnd;

	if (scid_len > TERN_QUIC_MAX_ANY_CID_LEN || dcid_len > TERN_QUIC_MAX_ANY_CID_LEN ||
	    out == NULL || (scid == NULL && scid_len != 0) || (dcid == NULL && dcid_len != 0))
		return -TERN_EINVAL;
	if (RAND_bytes(&rnd, 1) != 1)
		return -TERN_EINTERNAL;
	tern_wcursor_init(&w, out, cap);
	/* RFC 8999 6: version 0; our SCID is the packet's DCID and vice versa. */
	if (!tern_wcursor_u8(&w, (uint8_t)(0x80 | rnd)) || !tern_wcursor_u32(&w, 0) ||
	    !tern_wcursor_u8(&w, (uint8_t)scid_len) || !tern_wcursor_bytes(&w, scid, scid_len) ||
	    !tern_wcursor_u8(&w, (uint8_t)dcid_len) || !tern_wcursor_bytes(&w, dcid, dcid_len) ||
	    !tern_wcursor_u32(&w, TERN_QUIC_V1) || !tern_wcursor_u32(&w, TERN_QUIC_V2))
		return -TERN_ENOBUFS;
	return (int)w.off;
}

/* The shortest valid Stateless Reset: 5 unpredictable bytes and the token (10.3). */
#define SR_MIN_LEN (5 + TERN_QUIC_SRT_LEN)
/* Larger than the 1-byte-shorter rule needs (43, 10.3) while staying small. */
#define SR_MAX_LEN 64

int
tern_quic_stateless_reset(uint8_t *out, size_t cap, const uint8_t *token, size_t recv_len)
{
	struct tern_wcursor w;
	uint8_t *rnd;
	size_t len;

	if (out == NULL || token == NULL)
		return -TERN_EINVAL;
	/* 10.3.3: always smaller than the trigger, so resets cannot loop. */
	if (recv_len <= SR_MIN_LEN)
		return 0;
	len = recv_len - 1 < SR_MAX_LEN ? recv_len - 1 : SR_MAX_LEN;
	if (cap < len)
		return -TERN_ENOBUFS;
	tern_wcursor_init(&w, out, cap);
	if (!tern_wcursor_reserve(&w, len - TERN_QUIC_SRT_LEN, &rnd) ||
	    !tern_wcursor_bytes(&w, token, TERN_QUIC_SRT_LEN))
		return -TERN_ENOBUFS;
	if (RAND_bytes(rnd, (int)(len - TERN_QUIC_SRT_LEN)) != 1)
		return -TERN_EINTERNAL;
	/* Short header form, fixed bit set (10.3); the rest stays unpredictable. */
	rnd[0] = (uint8_t)(0x40 | (rnd[0] & 0x3f));
	return (int)w.off;
}
