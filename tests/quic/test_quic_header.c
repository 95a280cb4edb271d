/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Header parsing, coalesced-datagram splitting and packet-number helpers
 * (no crypto):
 * - long headers of v1 and v2 (RFC 9369 3.2 type mapping), Retry, Version
 *   Negotiation, unknown versions (RFC 8999), short headers;
 * - malformed headers (CID too long, zero fixed bit, Length past the end,
 *   bad VN list) fail with -TERN_EPROTO;
 * - every truncation of a packet is parsed from an exact-size heap copy (so
 *   ASan sees any over-read) and fails wherever the RFC says it must;
 * - datagram split: offsets, short header last, garbage after a packet,
 *   packets of another DCID skipped;
 * - packet numbers: RFC 9000 A.2 and A.3 examples and window edges.
 */

#include <stdlib.h>

#include <tern/quic_packet.h>

#include "dataplane/cursor.h"
#include "quic_test_util.h"

#define TEST_NAME "test_quic_header"

/* RFC 9001 A.3 server Initial, protected (also the v1 bytes of RFC 9369's). */
static const char server_initial_v1[] =
	"cf000000010008f067a5502a4262b500 4075c0d95a482cd0991cd25b0aac406a"
	"5816b6394100f37a1c69797554780bb3 8cc5a99f5ede4cf73c3ec2493a1839b3"
	"dbcba3f6ea46c5b7684df3548e7ddeb9 c3bf9c73cc3f3bded74b562bfb19fb84"
	"022f8ef4cdd93795d77d06edbb7aaf2f 58891850abbdca3d20398c276456cbc4"
	"2158407dd074ee";
/* RFC 9001 A.4 Retry */
static const char retry_v1[] = "ff000000010008f067a5502a4262b574 6f6b656e04a265ba2eff4d829058fb3f"
			       "0f2496ba";
/* RFC 9001 A.5 short header (empty DCID) */
static const char short_chacha[] = "4cfe4189655e5cd55c41f69080575d7999c25a5bfb";

static const uint8_t dcid8[8] = {1, 2, 3, 4, 5, 6, 7, 8};
static const uint8_t scid4[4] = {9, 10, 11, 12};

/* A raw long-header packet with body_len filler bytes after the header. */
static size_t
raw_long(uint8_t *buf, size_t cap, uint8_t first, uint32_t version, const uint8_t *dcid,
	 size_t dcid_len, int token_len, uint64_t length_field, size_t body_len)
{
	struct tern_wcursor w;
	uint8_t *p;

	tern_wcursor_init(&w, buf, cap);
	REQUIRE(tern_wcursor_u8(&w, first));
	REQUIRE(tern_wcursor_u32(&w, version));
	REQUIRE(tern_wcursor_u8(&w, (uint8_t)dcid_len));
	REQUIRE(tern_wcursor_bytes(&w, dcid, dcid_len));
	REQUIRE(tern_wcursor_u8(&w, sizeof(scid4)));
	REQUIRE(tern_wcursor_bytes(&w, scid4, sizeof(scid4)));
	if (token_len >= 0) {
		REQUIRE(tern_wcursor_varint(&w, (uint64_t)token_len));
		REQUIRE(tern_wcursor_reserve(&w, (size_t)token_len, &p));
		memset(p, 0x7a, (size_t)token_len);
	}
	REQUIRE(tern_wcursor_varint(&w, length_field));
	REQUIRE(tern_wcursor_reserve(&w, body_len, &p));
	memset(p, 0xb0, body_len);
	return w.off;
}

static int
parse_copy(const uint8_t *pkt, size_t len, size_t short_dcid_len, struct tern_quic_hdr *hdr)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	int rc;

	REQUIRE(copy != NULL);
	if (len > 0)
		memcpy(copy, pkt, len);
	rc = tern_quic_hdr_parse(len > 0 ? copy : NULL, len, short_dcid_len, hdr);
	free(copy);
	return rc;
}

static void
test_long_types(void)
{
	static const struct {
		uint32_t version;
		uint8_t first;
		enum tern_quic_pkt_type type;
	} cases[] = {
		{TERN_QUIC_V1, 0xc0, TERN_QUIC_PKT_INITIAL},
		{TERN_QUIC_V1, 0xd0, TERN_QUIC_PKT_0RTT},
		{TERN_QUIC_V1, 0xe0, TERN_QUIC_PKT_HANDSHAKE},
		{TERN_QUIC_V2, 0xd0, TERN_QUIC_PKT_INITIAL},
		{TERN_QUIC_V2, 0xe0, TERN_QUIC_PKT_0RTT},
		{TERN_QUIC_V2, 0xf0, TERN_QUIC_PKT_HANDSHAKE},
	};
	struct tern_quic_hdr hdr;
	uint8_t buf[128];
	size_t i, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int tok = cases[i].type == TERN_QUIC_PKT_INITIAL ? 0 : -1;

		len = raw_long(buf, sizeof(buf), cases[i].first | 0x03, cases[i].version, dcid8, 8,
			       tok, 30, 30);
		CHECK_EQ(parse_copy(buf, len, 0, &hdr), 0);
		CHECK_EQ(hdr.type, cases[i].type);
		CHECK_EQ(hdr.version, cases[i].version);
		CHECK_EQ(hdr.dcid_len, 8);
		CHECK_EQ(hdr.scid_len, 4);
		CHECK_EQ(hdr.pn_offset, len - 30);
		CHECK_EQ(hdr.len, len);
		CHECK_EQ(tern_quic_long_type_bits(cases[i].version, cases[i].type),
			 (cases[i].first >> 4) & 3);
	}
	/* Retry: v1 0b11, v2 0b00 */
	CHECK_EQ(tern_quic_long_type_bits(TERN_QUIC_V1, TERN_QUIC_PKT_RETRY), 3);
	CHECK_EQ(tern_quic_long_type_bits(TERN_QUIC_V2, TERN_QUIC_PKT_RETRY), 0);
	CHECK_EQ(tern_quic_long_type_bits(TERN_QUIC_V1, TERN_QUIC_PKT_1RTT), -TERN_EINVAL);
	CHECK_EQ(tern_quic_long_type_bits(0x0a0a0a0a, TERN_QUIC_PKT_INITIAL), -TERN_EINVAL);

	/* Initial with a 300-byte token (2-byte varint) and an 8-byte Length */
	{
		struct tern_wcursor w;
		uint8_t big[512];

		tern_wcursor_init(&w, big, sizeof(big));
		REQUIRE(tern_wcursor_u8(&w, 0xc1));
		REQUIRE(tern_wcursor_u32(&w, TERN_QUIC_V1));
		REQUIRE(tern_wcursor_u8(&w, 0));
		REQUIRE(tern_wcursor_u8(&w, 0));
		REQUIRE(tern_wcursor_varint(&w, 300));
		REQUIRE(tern_wcursor_reserve(&w, 300, &(uint8_t *){NULL}));
		REQUIRE(tern_wcursor_varint_n(&w, 40, 8));
		REQUIRE(tern_wcursor_reserve(&w, 50, &(uint8_t *){NULL}));
		CHECK_EQ(parse_copy(big, w.off, 0, &hdr), 0);
		CHECK_EQ(hdr.token_len, 300);
		CHECK_EQ(hdr.pn_offset, 1 + 4 + 1 + 1 + 2 + 300 + 8);
		CHECK_EQ(hdr.len, hdr.pn_offset + 40);
	}
}

static void
test_malformed(void)
{
	uint8_t buf[128], cid21[21];
	struct tern_quic_hdr hdr;
	size_t len;

	memset(cid21, 0x21, sizeof(cid21));
	/* 21-byte DCID: too long for v1/v2 (RFC 9000 17.2), fine elsewhere */
	len = raw_long(buf, sizeof(buf), 0xc0, TERN_QUIC_V1, cid21, 21, 0, 20, 20);
	CHECK_EQ(parse_copy(buf, len, 0, &hdr), -TERN_EPROTO);
	len = raw_long(buf, sizeof(buf), 0xc0, TERN_QUIC_V2, cid21, 21, 0, 20, 20);
	CHECK_EQ(parse_copy(buf, len, 0, &hdr), -TERN_EPROTO);
	len = raw_long(buf, sizeof(buf), 0xc0, 0xff00001d, cid21, 21, 0, 20, 20);
	CHECK_EQ(parse_copy(buf, len, 0, &hdr), 0);
	CHECK_EQ(hdr.type, TERN_QUIC_PKT_UNSUPPORTED_VERSION);
	CHECK_EQ(hdr.version, 0xff00001d);
	CHECK_EQ(hdr.dcid_len, 21);
	CHECK_EQ(hdr.len, len);
	/* zero fixed bit */
	len = raw_long(buf, sizeof(buf), 0x80, TERN_QUIC_V1, dcid8, 8, 0, 20, 20);
	CHECK_EQ(parse_copy(buf, len, 0, &hdr), -TERN_EPROTO);
	buf[0] = 0x00;
	CHECK_EQ(parse_copy(buf, 30, 8, &hdr), -TERN_EPROTO);
	/* Length one past the end */
	len = raw_long(buf, sizeof(buf), 0xe0, TERN_QUIC_V1, dcid8, 8, -1, 21, 20);
	CHECK_EQ(parse_copy(buf, len, 0, &hdr), -TERN_EPROTO);
	/* token length past the end */
	len = raw_long(buf, sizeof(buf), 0xc0, TERN_QUIC_V1, dcid8, 8, -1, 60, 0);
	CHECK_EQ(parse_copy(buf, len, 0, &hdr), -TERN_EPROTO);
	/* empty */
	CHECK_EQ(parse_copy(buf, 0, 0, &hdr), -TERN_EPROTO);
	/* arguments */
	CHECK_EQ(tern_quic_hdr_parse(buf, 10, 21, &hdr), -TERN_EINVAL);
	CHECK_EQ(tern_quic_hdr_parse(buf, 10, 0, NULL), -TERN_EINVAL);
	CHECK_EQ(tern_quic_hdr_parse(NULL, 10, 0, &hdr), -TERN_EINVAL);
}

static void
test_vn_and_short(void)
{
	/* VN: version 0, DCID 4, SCID 8, versions v2, v1, a greased one */
	static const char vn[] = "80 00000000 04 0a0b0c0d 08 1112131415161718"
				 "6b3343cf 00000001 1a2a3a4a";
	uint8_t buf[64];
	struct tern_quic_hdr hdr;
	size_t len = quic_unhex(vn, buf, sizeof(buf)), k;

	CHECK_EQ(parse_copy(buf, len, 0, &hdr), 0);
	CHECK_EQ(hdr.type, TERN_QUIC_PKT_VERSION_NEGOTIATION);
	CHECK_EQ(hdr.dcid_len, 4);
	CHECK_EQ(hdr.scid_len, 8);
	CHECK_EQ(hdr.versions_count, 3);
	CHECK_EQ(hdr.len, len);
	/* the fixed bit is not checked for VN (RFC 9000 17.2.1: unused) */
	buf[0] = 0x80 | 0x15;
	CHECK_EQ(parse_copy(buf, len, 0, &hdr), 0);
	/* a list that is not a whole number of versions */
	for (k = 1; k < 4; k++)
		CHECK_EQ(parse_copy(buf, len - k, 0, &hdr), -TERN_EPROTO);

	len = quic_unhex(short_chacha, buf, sizeof(buf));
	CHECK_EQ(parse_copy(buf, len, 0, &hdr), 0);
	CHECK_EQ(hdr.type, TERN_QUIC_PKT_1RTT);
	CHECK_EQ(hdr.pn_offset, 1);
	CHECK_EQ(hdr.len, len);
	CHECK_EQ(tern_quic_hdr_parse(buf, len, 8, &hdr), 0);
	CHECK_EQ(hdr.dcid_len, 8);
	CHECK_MEM(hdr.dcid, buf + 1, 8);
	CHECK_EQ(hdr.pn_offset, 9);
	CHECK_EQ(parse_copy(buf, 8, 8, &hdr), -TERN_EPROTO);
	CHECK_EQ(parse_copy(buf, 9, 8, &hdr), 0);
}

/* Every prefix of a packet, from an exact-size heap copy. */
static void
test_truncation(void)
{
	uint8_t pkt[256];
	struct tern_quic_hdr hdr;
	size_t len, k, errors;

	/* Initial: every truncation must fail (Length runs to the end). */
	len = quic_unhex(server_initial_v1, pkt, sizeof(pkt));
	REQUIRE(parse_copy(pkt, len, 0, &hdr) == 0 && hdr.len == len);
	for (k = 0, errors = 0; k < len; k++)
		errors += parse_copy(pkt, k, 0, &hdr) == -TERN_EPROTO;
	CHECK_EQ(errors, len);

	/* Handshake with a token-less header and 1-byte Length */
	len = raw_long(pkt, sizeof(pkt), 0xe2, TERN_QUIC_V1, dcid8, 8, -1, 40, 40);
	for (k = 0, errors = 0; k < len; k++)
		errors += parse_copy(pkt, k, 0, &hdr) == -TERN_EPROTO;
	CHECK_EQ(errors, len);
	/* same in v2 with a token-bearing Initial */
	len = raw_long(pkt, sizeof(pkt), 0xd2, TERN_QUIC_V2, dcid8, 8, 7, 40, 40);
	for (k = 0, errors = 0; k < len; k++)
		errors += parse_copy(pkt, k, 0, &hdr) == -TERN_EPROTO;
	CHECK_EQ(errors, len);

	/* Retry: fails until header + tag fit (15 + 16 bytes), then the
	 * token just gets shorter. */
	len = quic_unhex(retry_v1, pkt, sizeof(pkt));
	for (k = 0; k < len; k++) {
		int rc = parse_copy(pkt, k, 0, &hdr);

		if (k < 31)
			CHECK_EQ(rc, -TERN_EPROTO);
		else
			CHECK(rc == 0 && hdr.token_len == k - 31);
	}

	/* short header with an 8-byte DCID: needs 9 bytes */
	len = quic_unhex(short_chacha, pkt, sizeof(pkt));
	for (k = 0; k < len; k++)
		CHECK_EQ(parse_copy(pkt, k, 8, &hdr), k < 9 ? -TERN_EPROTO : 0);
}

static void
test_split(void)
{
	uint8_t dg[512], other[8];
	struct tern_quic_hdr h[8];
	size_t a, b, c, off;
	int n;

	/* Initial (token) + Handshake + 1-RTT */
	a = raw_long(dg, sizeof(dg), 0xc1, TERN_QUIC_V1, dcid8, 8, 2, 25, 25);
	b = raw_long(dg + a, sizeof(dg) - a, 0xe0, TERN_QUIC_V1, dcid8, 8, -1, 30, 30);
	dg[a + b] = 0x41;
	memcpy(dg + a + b + 1, dcid8, 8);
	memset(dg + a + b + 9, 0xcc, 40);
	c = 49;
	off = a + b + c;
	n = tern_quic_datagram_split(dg, off, 8, h, 8);
	CHECK_EQ(n, 3);
	CHECK(h[0].off == 0 && h[0].len == a && h[0].type == TERN_QUIC_PKT_INITIAL);
	CHECK(h[1].off == a && h[1].len == b && h[1].type == TERN_QUIC_PKT_HANDSHAKE);
	CHECK(h[2].off == a + b && h[2].len == c && h[2].type == TERN_QUIC_PKT_1RTT);
	CHECK_EQ(h[1].pn_offset, b - 30);
	CHECK_EQ(h[2].pn_offset, 9);
	/* max 2: the first two only */
	CHECK_EQ(tern_quic_datagram_split(dg, off, 8, h, 2), 2);

	/* trailing zeros after the Initial: a zero fixed bit ends the walk */
	memset(dg + a, 0, 40);
	CHECK_EQ(tern_quic_datagram_split(dg, a + 40, 8, h, 8), 1);
	/* truncated second packet: the first still counts */
	b = raw_long(dg + a, sizeof(dg) - a, 0xe0, TERN_QUIC_V1, dcid8, 8, -1, 30, 30);
	CHECK_EQ(tern_quic_datagram_split(dg, a + b - 1, 8, h, 8), 1);

	/* a packet for another DCID in the middle is skipped */
	memcpy(other, dcid8, 8);
	other[0] ^= 0xff;
	b = raw_long(dg + a, sizeof(dg) - a, 0xe0, TERN_QUIC_V1, other, 8, -1, 30, 30);
	c = raw_long(dg + a + b, sizeof(dg) - a - b, 0xe0, TERN_QUIC_V1, dcid8, 8, -1, 20, 20);
	n = tern_quic_datagram_split(dg, a + b + c, 8, h, 8);
	CHECK_EQ(n, 2);
	CHECK_EQ(h[1].off, a + b);
	CHECK_EQ(h[1].len, c);

	/* malformed first packet, empty datagram, bad arguments */
	dg[0] = 0x00;
	CHECK_EQ(tern_quic_datagram_split(dg, 40, 8, h, 8), -TERN_EPROTO);
	CHECK_EQ(tern_quic_datagram_split(dg, 0, 8, h, 8), -TERN_EPROTO);
	CHECK_EQ(tern_quic_datagram_split(NULL, 0, 8, h, 8), -TERN_EPROTO);
	CHECK_EQ(tern_quic_datagram_split(NULL, 5, 8, h, 8), -TERN_EINVAL);
	CHECK_EQ(tern_quic_datagram_split(dg, 40, 8, h, 0), -TERN_EINVAL);
	CHECK_EQ(tern_quic_datagram_split(dg, 40, 21, h, 8), -TERN_EINVAL);

	/* the RFC server Initial alone */
	off = quic_unhex(server_initial_v1, dg, sizeof(dg));
	CHECK_EQ(tern_quic_datagram_split(dg, off, 0, h, 8), 1);
	CHECK_EQ(h[0].len, off);
}

static void
test_pn(void)
{
	/* RFC 9000 A.2 */
	CHECK_EQ(tern_quic_pn_len(0xac5c02, 0xabe8b3), 2);
	CHECK_EQ(tern_quic_pn_len(0xace8fe, 0xabe8b3), 3);
	/* RFC 9000 17.1: more than twice the unacknowledged range */
	CHECK_EQ(tern_quic_pn_len(0, -1), 1);
	CHECK_EQ(tern_quic_pn_len(126, -1), 1); /* 127 unacked */
	CHECK_EQ(tern_quic_pn_len(127, -1), 2); /* 128 */
	CHECK_EQ(tern_quic_pn_len(1000 + 127, 1000), 1);
	CHECK_EQ(tern_quic_pn_len(1000 + 128, 1000), 2);
	CHECK_EQ(tern_quic_pn_len(1000 + 32767, 1000), 2);
	CHECK_EQ(tern_quic_pn_len(1000 + 32768, 1000), 3);
	CHECK_EQ(tern_quic_pn_len(1000 + 8388607, 1000), 3);
	CHECK_EQ(tern_quic_pn_len(1000 + 8388608, 1000), 4);
	CHECK_EQ(tern_quic_pn_len(1ULL << 40, -1), 4);
	CHECK_EQ(tern_quic_pn_len(TERN_QUIC_PN_MAX, (int64_t)TERN_QUIC_PN_MAX - 1), 1);
	CHECK_EQ(tern_quic_pn_len(TERN_QUIC_PN_MAX + 1, -1), -TERN_ERANGE);
	CHECK_EQ(tern_quic_pn_len(5, 5), -TERN_ERANGE);
	CHECK_EQ(tern_quic_pn_len(5, 9), -TERN_ERANGE);

	/* RFC 9000 A.3 */
	CHECK_EQ(tern_quic_pn_decode(0xa82f30ea, 0x9b32, 2), 0xa82f9b32);
	/* RFC 9001 A.5: 3-byte 0x00bff4 near 654360564 */
	CHECK_EQ(tern_quic_pn_decode(654360563, 0xbff4, 3), 654360564);
	/* no packet yet */
	CHECK_EQ(tern_quic_pn_decode(-1, 0, 1), 0);
	CHECK_EQ(tern_quic_pn_decode(-1, 2, 4), 2);
	/* just past a byte boundary */
	CHECK_EQ(tern_quic_pn_decode(0xff, 0x00, 1), 0x100);
	CHECK_EQ(tern_quic_pn_decode(0x1fe, 0xff, 1), 0x1ff);
	/* a late packet decodes below expected */
	CHECK_EQ(tern_quic_pn_decode(0x100, 0xff, 1), 0xff);
	/* window edges: expected 0x101, hwin 0x80 */
	CHECK_EQ(tern_quic_pn_decode(0x100, 0x81, 1), 0x181); /* expected + hwin */
	CHECK_EQ(tern_quic_pn_decode(0x100, 0x82, 1), 0x82);  /* just beyond: back a window */
	/* expected 0x1c0: candidate 0x140 == expected - hwin moves forward */
	CHECK_EQ(tern_quic_pn_decode(0x1bf, 0x40, 1), 0x240);
	CHECK_EQ(tern_quic_pn_decode(0x1bf, 0x41, 1), 0x141);
	/* never above 2^62 - 1 */
	CHECK_EQ(tern_quic_pn_decode((int64_t)TERN_QUIC_PN_MAX - 1, 0x00, 1), (1ULL << 62) - 256);
	CHECK_EQ(tern_quic_pn_decode((int64_t)TERN_QUIC_PN_MAX - 1, 0xff, 1), TERN_QUIC_PN_MAX);
	/* 4-byte */
	CHECK_EQ(tern_quic_pn_decode(0x1fffffffeLL, 0x00000000, 4), 0x200000000ULL);
}

int
main(void)
{
	test_long_types();
	test_malformed();
	test_vn_and_short();
	test_truncation();
	test_split();
	test_pn();
	return tern_test_done(TEST_NAME);
}
