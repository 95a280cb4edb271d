/* SPDX-License-Identifier: Apache-2.0 */
/*
 * QUIC header parsing (RFC 9000 17, RFC 8999 invariants, RFC 9369 3.2) and
 * splitting of coalesced datagrams (RFC 9000 12.2). Every read goes through
 * the bounded reader.
 */

#include <string.h>

#include <tern/quic_packet.h>

#include "dataplane/cursor.h"

#define HDR_FORM_LONG 0x80
#define HDR_FIXED_BIT 0x40
#define RETRY_TAG_LEN 16

/* Wire type bits -> packet type, per version (RFC 9000 17.2, RFC 9369 3.2). */
static const enum tern_quic_pkt_type long_types_v1[4] = {
	TERN_QUIC_PKT_INITIAL, TERN_QUIC_PKT_0RTT, TERN_QUIC_PKT_HANDSHAKE, TERN_QUIC_PKT_RETRY};
static const enum tern_quic_pkt_type long_types_v2[4] = {
	TERN_QUIC_PKT_RETRY, TERN_QUIC_PKT_INITIAL, TERN_QUIC_PKT_0RTT, TERN_QUIC_PKT_HANDSHAKE};

static const enum tern_quic_pkt_type *
long_types(uint32_t version)
{
	switch (version) {
	case TERN_QUIC_V1:
		return long_types_v1;
	case TERN_QUIC_V2:
		return long_types_v2;
	default:
		return NULL;
	}
}

int
tern_quic_long_type_bits(uint32_t version, enum tern_quic_pkt_type type)
{
	const enum tern_quic_pkt_type *t = long_types(version);
	int i;

	if (t == NULL)
		return -TERN_EINVAL;
	for (i = 0; i < 4; i++)
		if (t[i] == type)
			return i;
	return -TERN_EINVAL;
}

/* Connection ID with a one-byte length prefix. */
static bool
read_cid(struct tern_rcursor *c, size_t max, uint8_t *len, const uint8_t **cid)
{
	uint8_t l;

	if (!tern_rcursor_u8(c, &l) || l > max || !tern_rcursor_view(c, l, cid))
		return false;
	*len = l;
	return true;
}

static int
parse_long(struct tern_rcursor *c, struct tern_quic_hdr *hdr)
{
	const enum tern_quic_pkt_type *types;
	uint64_t v;
	uint32_t version;
	size_t cid_max;

	if (!tern_rcursor_u32(c, &version))
		return -TERN_EPROTO;
	hdr->version = version;
	types = long_types(version);
	/* RFC 8999 5.1 allows 255-byte CIDs in versions we do not know. */
	cid_max = types != NULL ? TERN_QUIC_MAX_CID_LEN : TERN_QUIC_MAX_ANY_CID_LEN;
	if (!read_cid(c, cid_max, &hdr->dcid_len, &hdr->dcid) ||
	    !read_cid(c, cid_max, &hdr->scid_len, &hdr->scid))
		return -TERN_EPROTO;

	if (version == 0) {
		/* RFC 9000 17.2.1: a list of 32-bit versions fills the rest. */
		size_t left = tern_rcursor_left(c);

		if (left % 4 != 0)
			return -TERN_EPROTO;
		hdr->type = TERN_QUIC_PKT_VERSION_NEGOTIATION;
		hdr->versions = tern_rcursor_ptr(c);
		hdr->versions_count = left / 4;
		hdr->len = c->len;
		return 0;
	}
	if (types == NULL) {
		/* Enough to answer with Version Negotiation (RFC 9000 6.1). */
		hdr->type = TERN_QUIC_PKT_UNSUPPORTED_VERSION;
		hdr->len = c->len;
		return 0;
	}
	if ((hdr->first_byte & HDR_FIXED_BIT) == 0)
		return -TERN_EPROTO;
	hdr->type = types[(hdr->first_byte >> 4) & 3];

	if (hdr->type == TERN_QUIC_PKT_RETRY) {
		/* RFC 9000 17.2.5: token, then a 16-byte integrity tag, to the end. */
		size_t left = tern_rcursor_left(c);

		if (left < RETRY_TAG_LEN)
			return -TERN_EPROTO;
		hdr->token_len = left - RETRY_TAG_LEN;
		if (!tern_rcursor_view(c, hdr->token_len, &hdr->token))
			return -TERN_EPROTO;
		hdr->len = c->len;
		return 0;
	}
	if (hdr->type == TERN_QUIC_PKT_INITIAL) {
		if (!tern_rcursor_varint(c, &v) || v > tern_rcursor_left(c) ||
		    !tern_rcursor_view(c, (size_t)v, &hdr->token))
			return -TERN_EPROTO;
		hdr->token_len = (size_t)v;
	}
	/* Length counts the packet number, the payload and the tag. */
	if (!tern_rcursor_varint(c, &v) || v > tern_rcursor_left(c))
		return -TERN_EPROTO;
	hdr->pn_offset = c->off;
	hdr->len = c->off + (size_t)v;
	return 0;
}

int
tern_quic_hdr_parse(const uint8_t *buf, size_t len, size_t short_dcid_len,
		    struct tern_quic_hdr *hdr)
{
	struct tern_rcursor c;

	if (hdr == NULL || (buf == NULL && len != 0) || short_dcid_len > TERN_QUIC_MAX_CID_LEN)
		return -TERN_EINVAL;
	memset(hdr, 0, sizeof(*hdr));
	tern_rcursor_init(&c, buf, len);
	if (!tern_rcursor_u8(&c, &hdr->first_byte))
		return -TERN_EPROTO;
	if (hdr->first_byte & HDR_FORM_LONG)
		return parse_long(&c, hdr);

	/* RFC 9000 17.3.1: 1-RTT packet; the DCID length is ours to know. */
	if ((hdr->first_byte & HDR_FIXED_BIT) == 0 ||
	    !tern_rcursor_view(&c, short_dcid_len, &hdr->dcid))
		return -TERN_EPROTO;
	hdr->type = TERN_QUIC_PKT_1RTT;
	hdr->dcid_len = (uint8_t)short_dcid_len;
	hdr->pn_offset = c.off;
	hdr->len = len;
	return 0;
}

int
tern_quic_datagram_split(const uint8_t *dgram, size_t len, size_t short_dcid_len,
			 struct tern_quic_hdr *hdrs, size_t max)
{
	struct tern_rcursor c;
	struct tern_quic_hdr h;
	size_t n = 0;
	int rc;

	if (hdrs == NULL || max == 0 || (dgram == NULL && len != 0) ||
	    short_dcid_len > TERN_QUIC_MAX_CID_LEN)
		return -TERN_EINVAL;
	if (len == 0)
		return -TERN_EPROTO;
	tern_rcursor_init(&c, dgram, len);
	do {
		size_t off = c.off;

		rc = tern_quic_hdr_parse(tern_rcursor_ptr(&c), tern_rcursor_left(&c),
					 short_dcid_len, &h);
		if (rc != 0)
			break;
		h.off = off;
		if (!tern_rcursor_skip(&c, h.len))
			break; /* not reached: the parser bounds len */
		if (n > 0 && (h.dcid_len != hdrs[0].dcid_len ||
			      memcmp(h.dcid, hdrs[0].dcid, h.dcid_len) != 0))
			continue; /* RFC 9000 12.2: ignore other connections' packets */
		hdrs[n++] = h;
	} while (tern_rcursor_left(&c) > 0 && n < max);

	if (n == 0)
		return rc != 0 ? rc : -TERN_EPROTO;
	return (int)n;
}
