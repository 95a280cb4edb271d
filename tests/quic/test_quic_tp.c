/* SPDX-License-Identifier: Apache-2.0 */
/*
 * QUIC transport parameters (dataplane/quic/quic_tp.c): round trips for
 * both roles, truncation at every byte, each validation rule of RFC 9000
 * 7.3, 7.4 and 18.2 with TRANSPORT_PARAMETER_ERROR, grease skipped.
 *
 * `test_quic_tp --write-corpus DIR` writes the seed corpus of
 * tests/fuzz/fuzz_quic_tp (byte 0: bit 0 = from server; rest: parameters).
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tern/error.h>

#include "dataplane/quic/quic_tp.h"
#include "tern_test.h"

static void
full_server_tp(struct tern_quic_tp *tp)
{
	size_t i;

	tern_quic_tp_defaults(tp);
	tp->max_idle_timeout = 30000;
	tp->max_udp_payload_size = 1472;
	tp->initial_max_data = 1ULL << 24;
	tp->initial_max_stream_data_bidi_local = 1ULL << 20;
	tp->initial_max_stream_data_bidi_remote = 1ULL << 21;
	tp->initial_max_stream_data_uni = 65536;
	tp->initial_max_streams_bidi = 1ULL << 60;
	tp->initial_max_streams_uni = 3;
	tp->ack_delay_exponent = 20;
	tp->max_ack_delay = 16383;
	tp->active_connection_id_limit = 8;
	tp->max_datagram_frame_size = 65535;
	tp->disable_active_migration = true;
	tp->has_stateless_reset_token = true;
	for (i = 0; i < 16; i++)
		tp->stateless_reset_token[i] = (uint8_t)(0xa0 + i);
	tp->has_preferred_address = true;
	memcpy(tp->preferred_address.ipv4, "\xc6\x12\x00\x01", 4);
	tp->preferred_address.ipv4_port = 4433;
	memset(tp->preferred_address.ipv6, 0x20, 16);
	tp->preferred_address.ipv6_port = 443;
	tp->preferred_address.cid_len = 20;
	memset(tp->preferred_address.cid, 0x5a, 20);
	memset(tp->preferred_address.reset_token, 0x33, 16);
	tp->original_dcid.present = true;
	tp->original_dcid.len = 8;
	memcpy(tp->original_dcid.id, "\x83\x94\xc8\xf0\x3e\x51\x57\x08", 8);
	tp->initial_scid.present = true;
	tp->initial_scid.len = 0; /* zero-length CIDs are allowed */
	tp->retry_scid.present = true;
	tp->retry_scid.len = 5;
	memcpy(tp->retry_scid.id, "retry", 5);
}

static void
client_tp(struct tern_quic_tp *tp)
{
	tern_quic_tp_defaults(tp);
	tp->initial_max_data = 100000;
	tp->initial_max_streams_bidi = 100;
	tp->initial_scid.present = true;
	tp->initial_scid.len = 4;
	memcpy(tp->initial_scid.id, "\xf0\x67\xa5\x50", 4);
}

/* Decode from an exact-size heap copy (over-reads become ASan reports). */
static int
decode_copy(const uint8_t *p, size_t n, bool from_server, struct tern_quic_tp *tp, uint64_t *err)
{
	uint8_t *copy = malloc(n > 0 ? n : 1);
	int rc;

	REQUIRE(copy != NULL);
	if (n > 0)
		memcpy(copy, p, n);
	*err = 0;
	rc = tern_quic_tp_decode(n > 0 ? copy : NULL, n, from_server, tp, err);
	free(copy);
	return rc;
}

static void
test_round_trip(void)
{
	struct tern_quic_tp a, b;
	uint8_t buf[512];
	struct tern_wcursor w;
	uint64_t err;
	size_t cut, full;

	full_server_tp(&a);
	tern_wcursor_init(&w, buf, sizeof(buf));
	CHECK_EQ(tern_quic_tp_encode(&w, &a, true), 0);
	full = w.off;
	CHECK_EQ(decode_copy(buf, full, true, &b, &err), 0);
	CHECK_MEM(&a, &b, sizeof(a));
	/* a client may not send server-only parameters, nor accept them */
	CHECK_EQ(decode_copy(buf, full, false, &b, &err), -TERN_EPROTO);
	CHECK_EQ(err, TERN_QUIC_ERR_TRANSPORT_PARAMETER_ERROR);
	tern_wcursor_init(&w, buf, sizeof(buf));
	CHECK_EQ(tern_quic_tp_encode(&w, &a, false), -TERN_EINVAL);
	CHECK_EQ(w.off, 0);

	/* every byte budget short of the full size: -ENOBUFS, nothing kept */
	for (cut = 0; cut < full; cut++) {
		tern_wcursor_init(&w, buf, cut);
		CHECK_EQ(tern_quic_tp_encode(&w, &a, true), -TERN_ENOBUFS);
		CHECK_EQ(w.off, 0);
	}

	client_tp(&a);
	tern_wcursor_init(&w, buf, sizeof(buf));
	CHECK_EQ(tern_quic_tp_encode(&w, &a, false), 0);
	full = w.off;
	CHECK_EQ(decode_copy(buf, full, false, &b, &err), 0);
	CHECK_MEM(&a, &b, sizeof(a));
	/* initial_scid is the last parameter written: every proper prefix is
	 * truncated or lacks it */
	for (cut = 0; cut < full; cut++) {
		CHECK_EQ(decode_copy(buf, cut, false, &b, &err), -TERN_EPROTO);
		CHECK_EQ(err, TERN_QUIC_ERR_TRANSPORT_PARAMETER_ERROR);
	}
	/* defaults are not written: the client set only 3 parameters */
	CHECK_EQ(full, (1 + 1 + 4) + (1 + 1 + 2) + (1 + 1 + 4));

	full_server_tp(&a);
	tern_wcursor_init(&w, buf, sizeof(buf));
	REQUIRE(tern_quic_tp_encode(&w, &a, true) == 0);
	full = w.off;
	/* prefixes ending at a parameter boundary after initial_scid (then
	 * retry_scid, max_datagram_frame_size) are complete lists */
	{
		unsigned ok = 0;

		for (cut = 0; cut < full; cut++)
			if (decode_copy(buf, cut, true, &b, &err) == 0)
				ok++;
			else
				CHECK_EQ(err, TERN_QUIC_ERR_TRANSPORT_PARAMETER_ERROR);
		CHECK_EQ(ok, 2);
	}
}

/* Builds raw parameter lists. */
struct raw {
	uint8_t b[512];
	struct tern_wcursor w;
};

static void
raw_init(struct raw *r)
{
	tern_wcursor_init(&r->w, r->b, sizeof(r->b));
}

static void
raw_param(struct raw *r, uint64_t id, const void *v, size_t n)
{
	REQUIRE(tern_wcursor_varint(&r->w, id) && tern_wcursor_varint(&r->w, n));
	REQUIRE(tern_wcursor_bytes(&r->w, v, n));
}

static void
raw_int(struct raw *r, uint64_t id, uint64_t v)
{
	uint8_t tmp[8];
	struct tern_wcursor t;

	tern_wcursor_init(&t, tmp, sizeof(tmp));
	REQUIRE(tern_wcursor_varint(&t, v));
	raw_param(r, id, tmp, t.off);
}

/* A raw list: the required CIDs for the role, then one parameter. */
static void
raw_start(struct raw *r, bool from_server)
{
	raw_init(r);
	raw_param(r, TERN_QUIC_TP_INITIAL_SCID, "abcd", 4);
	if (from_server)
		raw_param(r, TERN_QUIC_TP_ORIGINAL_DCID, "odcid123", 8);
}

static void
expect_rc(struct raw *r, bool from_server, bool ok, int line)
{
	struct tern_quic_tp tp;
	uint64_t err = 0;
	int rc = decode_copy(r->b, r->w.off, from_server, &tp, &err);

	if ((rc == 0) != ok)
		fprintf(stderr, "line %d: rc %d\n", line, rc);
	if (ok) {
		CHECK_EQ(rc, 0);
	} else {
		CHECK_EQ(rc, -TERN_EPROTO);
		CHECK_EQ(err, TERN_QUIC_ERR_TRANSPORT_PARAMETER_ERROR);
	}
}

#define INT_CASE(id, v, ok)                                                                        \
	do {                                                                                       \
		raw_start(&r, false);                                                              \
		raw_int(&r, id, v);                                                                \
		expect_rc(&r, false, ok, __LINE__);                                                \
	} while (0)

static void
test_validation(void)
{
	static const uint8_t zeros[64];
	struct raw r;
	struct tern_quic_tp tp;
	uint64_t err;
	uint64_t id;

	/* value ranges of 18.2 */
	INT_CASE(TERN_QUIC_TP_MAX_UDP_PAYLOAD_SIZE, 1199, false);
	INT_CASE(TERN_QUIC_TP_MAX_UDP_PAYLOAD_SIZE, 0, false);
	INT_CASE(TERN_QUIC_TP_MAX_UDP_PAYLOAD_SIZE, 1200, true);
	INT_CASE(TERN_QUIC_TP_ACK_DELAY_EXPONENT, 21, false);
	INT_CASE(TERN_QUIC_TP_ACK_DELAY_EXPONENT, 20, true);
	INT_CASE(TERN_QUIC_TP_MAX_ACK_DELAY, 1u << 14, false);
	INT_CASE(TERN_QUIC_TP_MAX_ACK_DELAY, (1u << 14) - 1, true);
	INT_CASE(TERN_QUIC_TP_ACTIVE_CONNECTION_ID_LIMIT, 1, false);
	INT_CASE(TERN_QUIC_TP_ACTIVE_CONNECTION_ID_LIMIT, 0, false);
	INT_CASE(TERN_QUIC_TP_ACTIVE_CONNECTION_ID_LIMIT, 2, true);
	INT_CASE(TERN_QUIC_TP_INITIAL_MAX_STREAMS_BIDI, (1ULL << 60) + 1, false);
	INT_CASE(TERN_QUIC_TP_INITIAL_MAX_STREAMS_BIDI, 1ULL << 60, true);
	INT_CASE(TERN_QUIC_TP_INITIAL_MAX_STREAMS_UNI, (1ULL << 60) + 1, false);
	INT_CASE(TERN_QUIC_TP_INITIAL_MAX_STREAMS_UNI, 1ULL << 60, true);
	INT_CASE(TERN_QUIC_TP_MAX_IDLE_TIMEOUT, (1ULL << 62) - 1, true);
	INT_CASE(TERN_QUIC_TP_MAX_DATAGRAM_FRAME_SIZE, 1200, true);

	/* an integer value must fill its parameter exactly */
	raw_start(&r, false);
	raw_param(&r, TERN_QUIC_TP_INITIAL_MAX_DATA, "\x05\x00", 2);
	expect_rc(&r, false, false, __LINE__);
	raw_start(&r, false);
	raw_param(&r, TERN_QUIC_TP_INITIAL_MAX_DATA, "", 0);
	expect_rc(&r, false, false, __LINE__);
	raw_start(&r, false);
	raw_param(&r, TERN_QUIC_TP_INITIAL_MAX_DATA, "\x40", 1); /* truncated varint */
	expect_rc(&r, false, false, __LINE__);
	/* ... but need not be minimal */
	raw_start(&r, false);
	raw_param(&r, TERN_QUIC_TP_INITIAL_MAX_DATA, "\x80\x00\x00\x05", 4);
	CHECK_EQ(decode_copy(r.b, r.w.off, false, &tp, &err), 0);
	CHECK_EQ(tp.initial_max_data, 5);

	/* duplicates of known parameters */
	raw_start(&r, false);
	raw_int(&r, TERN_QUIC_TP_MAX_IDLE_TIMEOUT, 1);
	raw_int(&r, TERN_QUIC_TP_MAX_IDLE_TIMEOUT, 1);
	expect_rc(&r, false, false, __LINE__);
	raw_start(&r, false);
	raw_param(&r, TERN_QUIC_TP_INITIAL_SCID, "abcd", 4);
	expect_rc(&r, false, false, __LINE__);

	/* server-only parameters from a client; accepted from a server */
	for (id = 0; id <= TERN_QUIC_TP_RETRY_SCID; id++) {
		const void *v = zeros;
		size_t n = 0;

		if (id == TERN_QUIC_TP_STATELESS_RESET_TOKEN)
			n = 16;
		else if (id == TERN_QUIC_TP_PREFERRED_ADDRESS)
			n = 41 + 4, v = "\x01\x02\x03\x04\x00\x01"
					"0123456789abcdef\x00\x02\x04"
					"cid!0123456789abcdef";
		else if (id == TERN_QUIC_TP_RETRY_SCID)
			n = 3;
		else if (id != TERN_QUIC_TP_ORIGINAL_DCID)
			continue;
		raw_start(&r, false);
		raw_param(&r, id, v, n);
		expect_rc(&r, false, false, __LINE__);
		raw_init(&r);
		raw_param(&r, TERN_QUIC_TP_INITIAL_SCID, "abcd", 4);
		if (id != TERN_QUIC_TP_ORIGINAL_DCID)
			raw_param(&r, TERN_QUIC_TP_ORIGINAL_DCID, "odcid123", 8);
		raw_param(&r, id, v, n);
		expect_rc(&r, true, true, __LINE__);
	}
	/* the preferred address decoded above */
	raw_start(&r, true);
	raw_param(&r, TERN_QUIC_TP_PREFERRED_ADDRESS,
		  "\x01\x02\x03\x04\x00\x01"
		  "0123456789abcdef\x00\x02\x04"
		  "cid!0123456789abcdef",
		  45);
	CHECK_EQ(decode_copy(r.b, r.w.off, true, &tp, &err), 0);
	CHECK(tp.has_preferred_address);
	CHECK_EQ(tp.preferred_address.ipv4_port, 1);
	CHECK_EQ(tp.preferred_address.ipv6_port, 2);
	CHECK_EQ(tp.preferred_address.cid_len, 4);
	CHECK_MEM(tp.preferred_address.cid, "cid!", 4);
	CHECK_MEM(tp.preferred_address.reset_token, "0123456789abcdef", 16);
	/* preferred_address: zero-length CID, one byte short, one byte long */
	raw_start(&r, true);
	raw_param(&r, TERN_QUIC_TP_PREFERRED_ADDRESS, zeros, 41);
	expect_rc(&r, true, false, __LINE__);
	raw_start(&r, true);
	raw_param(&r, TERN_QUIC_TP_PREFERRED_ADDRESS,
		  "\x01\x02\x03\x04\x00\x01"
		  "0123456789abcdef\x00\x02\x04"
		  "cid!0123456789abcdef",
		  44);
	expect_rc(&r, true, false, __LINE__);
	raw_start(&r, true);
	raw_param(&r, TERN_QUIC_TP_PREFERRED_ADDRESS,
		  "\x01\x02\x03\x04\x00\x01"
		  "0123456789abcdef\x00\x02\x04"
		  "cid!0123456789abcdef!",
		  46);
	expect_rc(&r, true, false, __LINE__);
	/* stateless_reset_token of the wrong size */
	raw_start(&r, true);
	raw_param(&r, TERN_QUIC_TP_STATELESS_RESET_TOKEN, zeros, 15);
	expect_rc(&r, true, false, __LINE__);
	raw_start(&r, true);
	raw_param(&r, TERN_QUIC_TP_STATELESS_RESET_TOKEN, zeros, 17);
	expect_rc(&r, true, false, __LINE__);
	/* disable_active_migration carries no value */
	raw_start(&r, false);
	raw_param(&r, TERN_QUIC_TP_DISABLE_ACTIVE_MIGRATION, zeros, 1);
	expect_rc(&r, false, false, __LINE__);
	raw_start(&r, false);
	raw_param(&r, TERN_QUIC_TP_DISABLE_ACTIVE_MIGRATION, zeros, 0);
	CHECK_EQ(decode_copy(r.b, r.w.off, false, &tp, &err), 0);
	CHECK(tp.disable_active_migration);
	/* a CID longer than 20 bytes */
	raw_init(&r);
	raw_param(&r, TERN_QUIC_TP_INITIAL_SCID, zeros, 21);
	expect_rc(&r, false, false, __LINE__);
	raw_init(&r);
	raw_param(&r, TERN_QUIC_TP_INITIAL_SCID, zeros, 20);
	expect_rc(&r, false, true, __LINE__);
	/* required parameters (7.3) */
	raw_init(&r);
	expect_rc(&r, false, false, __LINE__); /* empty: no initial_scid */
	raw_init(&r);
	raw_param(&r, TERN_QUIC_TP_INITIAL_SCID, "abcd", 4);
	expect_rc(&r, true, false, __LINE__); /* server without original_dcid */
	/* a parameter length beyond the end */
	raw_start(&r, false);
	REQUIRE(tern_wcursor_varint(&r.w, TERN_QUIC_TP_INITIAL_MAX_DATA) &&
		tern_wcursor_varint(&r.w, 5) && tern_wcursor_u8(&r.w, 1));
	expect_rc(&r, false, false, __LINE__);

	/* grease and unknown parameters are skipped, even repeated */
	raw_start(&r, false);
	raw_param(&r, 27 + 31 * 1000, zeros, 7);
	raw_param(&r, 27 + 31 * 1000, zeros, 0);
	raw_param(&r, 0x2ab2, "", 0);
	raw_param(&r, (1ULL << 62) - 1, zeros, 64);
	raw_int(&r, TERN_QUIC_TP_INITIAL_MAX_STREAMS_UNI, 7);
	CHECK_EQ(decode_copy(r.b, r.w.off, false, &tp, &err), 0);
	CHECK_EQ(tp.initial_max_streams_uni, 7);
	CHECK_EQ(tp.initial_scid.len, 4);
	CHECK_EQ(tp.max_udp_payload_size, 65527);
	CHECK_EQ(tp.ack_delay_exponent, 3);
	CHECK_EQ(tp.max_ack_delay, 25);
	CHECK_EQ(tp.active_connection_id_limit, 2);
	CHECK_EQ(tp.max_datagram_frame_size, 0);

	CHECK_EQ(tern_quic_tp_decode(NULL, 0, false, &tp, &err), -TERN_EPROTO);
	CHECK_EQ(tern_quic_tp_decode(NULL, 0, false, NULL, &err), -TERN_EINVAL);
}

static void
test_encode_rejects(void)
{
	struct tern_quic_tp tp;
	uint8_t buf[512];
	struct tern_wcursor w;

	tern_wcursor_init(&w, buf, sizeof(buf));
#define REJECT(field, v)                                                                           \
	do {                                                                                       \
		client_tp(&tp);                                                                    \
		tp.field = v;                                                                      \
		CHECK_EQ(tern_quic_tp_encode(&w, &tp, true), -TERN_EINVAL);                        \
	} while (0)
	REJECT(max_udp_payload_size, 1199);
	REJECT(ack_delay_exponent, 21);
	REJECT(max_ack_delay, 16384);
	REJECT(active_connection_id_limit, 1);
	REJECT(initial_max_streams_bidi, (1ULL << 60) + 1);
	REJECT(initial_max_streams_uni, (1ULL << 60) + 1);
	REJECT(initial_max_data, 1ULL << 62);
	REJECT(initial_scid.len, 21);
#undef REJECT
	client_tp(&tp);
	tp.has_preferred_address = true; /* zero-length CID */
	CHECK_EQ(tern_quic_tp_encode(&w, &tp, true), -TERN_EINVAL);
	client_tp(&tp);
	tp.has_stateless_reset_token = true;
	CHECK_EQ(tern_quic_tp_encode(&w, &tp, false), -TERN_EINVAL);
	CHECK_EQ(tern_quic_tp_encode(&w, &tp, true), 0);
}

static void
test_check_cids(void)
{
	struct tern_quic_tp tp;
	uint64_t err = 0;

	full_server_tp(&tp); /* initial_scid "", odcid 8 bytes, retry "retry" */
	CHECK_EQ(tern_quic_tp_check_cids(&tp, true, NULL, 0,
					 (const uint8_t *)"\x83\x94\xc8\xf0\x3e\x51\x57\x08", 8,
					 (const uint8_t *)"retry", 5, &err),
		 0);
	CHECK_EQ(tern_quic_tp_check_cids(&tp, true, NULL, 0,
					 (const uint8_t *)"\x83\x94\xc8\xf0\x3e\x51\x57\x09", 8,
					 (const uint8_t *)"retry", 5, &err),
		 -TERN_EPROTO);
	CHECK_EQ(err, TERN_QUIC_ERR_TRANSPORT_PARAMETER_ERROR);
	/* retry_scid present without a Retry */
	CHECK_EQ(tern_quic_tp_check_cids(&tp, true, NULL, 0,
					 (const uint8_t *)"\x83\x94\xc8\xf0\x3e\x51\x57\x08", 8,
					 NULL, 0, &err),
		 -TERN_EPROTO);
	/* a Retry but a different / no retry_scid */
	CHECK_EQ(tern_quic_tp_check_cids(&tp, true, NULL, 0,
					 (const uint8_t *)"\x83\x94\xc8\xf0\x3e\x51\x57\x08", 8,
					 (const uint8_t *)"retrx", 5, &err),
		 -TERN_EPROTO);
	tp.retry_scid.present = false;
	CHECK_EQ(tern_quic_tp_check_cids(&tp, true, NULL, 0,
					 (const uint8_t *)"\x83\x94\xc8\xf0\x3e\x51\x57\x08", 8,
					 (const uint8_t *)"retry", 5, &err),
		 -TERN_EPROTO);
	/* initial_scid mismatch */
	client_tp(&tp);
	CHECK_EQ(tern_quic_tp_check_cids(&tp, false, (const uint8_t *)"\xf0\x67\xa5\x50", 4, NULL,
					 0, NULL, 0, &err),
		 0);
	CHECK_EQ(tern_quic_tp_check_cids(&tp, false, (const uint8_t *)"\xf0\x67\xa5", 3, NULL, 0,
					 NULL, 0, &err),
		 -TERN_EPROTO);
}

static void
write_seed(const char *dir, const char *name, uint8_t mode, const uint8_t *p, size_t n)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	REQUIRE(fp != NULL);
	REQUIRE(fwrite(&mode, 1, 1, fp) == 1);
	REQUIRE(n == 0 || fwrite(p, 1, n, fp) == n);
	fclose(fp);
}

static int
write_corpus(const char *dir)
{
	struct tern_quic_tp tp;
	uint8_t buf[512];
	struct tern_wcursor w;
	struct raw r;

	full_server_tp(&tp);
	tern_wcursor_init(&w, buf, sizeof(buf));
	REQUIRE(tern_quic_tp_encode(&w, &tp, true) == 0);
	write_seed(dir, "server-full", 1, buf, w.off);
	tp.has_preferred_address = false;
	tp.retry_scid.present = false;
	tern_wcursor_init(&w, buf, sizeof(buf));
	REQUIRE(tern_quic_tp_encode(&w, &tp, true) == 0);
	write_seed(dir, "server-plain", 1, buf, w.off);
	client_tp(&tp);
	tern_wcursor_init(&w, buf, sizeof(buf));
	REQUIRE(tern_quic_tp_encode(&w, &tp, false) == 0);
	write_seed(dir, "client", 0, buf, w.off);
	raw_start(&r, false);
	raw_param(&r, 27 + 31 * 5, "grease", 6);
	raw_int(&r, TERN_QUIC_TP_MAX_DATAGRAM_FRAME_SIZE, 1200);
	raw_param(&r, TERN_QUIC_TP_DISABLE_ACTIVE_MIGRATION, "", 0);
	write_seed(dir, "client-grease", 0, r.b, r.w.off);
	raw_start(&r, false);
	raw_int(&r, TERN_QUIC_TP_ACK_DELAY_EXPONENT, 21);
	write_seed(dir, "client-bad-exponent", 0, r.b, r.w.off);
	raw_start(&r, false);
	raw_int(&r, TERN_QUIC_TP_MAX_IDLE_TIMEOUT, 1);
	raw_int(&r, TERN_QUIC_TP_MAX_IDLE_TIMEOUT, 2);
	write_seed(dir, "client-duplicate", 0, r.b, r.w.off);
	printf("wrote 6 seeds to %s\n", dir);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--write-corpus") == 0)
		return write_corpus(argv[2]);
	test_round_trip();
	test_validation();
	test_encode_rejects();
	test_check_cids();
	return tern_test_done("test_quic_tp");
}
