/* SPDX-License-Identifier: Apache-2.0 */
/*
 * QUIC frame codec (dataplane/quic/quic_frame.c): round trip of every frame
 * type, truncation at every byte, the RFC 9000 12.4 table, the error code
 * of every malformed-frame rule, ACK range iteration and building with a
 * byte budget, and the STREAM/CRYPTO fit helpers.
 *
 * `test_quic_frame --write-corpus DIR` writes the seed corpus of
 * tests/fuzz/fuzz_quic_frames (frames made by the encoder) into DIR.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tern/error.h>

#include "dataplane/quic/quic_frame.h"
#include "tern_test.h"

static const uint8_t data_a[] = "the quick brown fox jumps over the lazy dog";
static const uint8_t cid8[8] = {1, 2, 3, 4, 5, 6, 7, 8};
static const uint8_t srt[16] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
				0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf};
static uint8_t big[20000];

static const enum tern_quic_pkt_type all_pts[] = {TERN_QUIC_PKT_INITIAL, TERN_QUIC_PKT_HANDSHAKE,
						  TERN_QUIC_PKT_0RTT, TERN_QUIC_PKT_1RTT};

/* Parse exactly the bytes of an exact-size heap copy, so any over-read is an
 * ASan report. */
static int
parse_copy(const uint8_t *p, size_t n, enum tern_quic_pkt_type pt, struct tern_quic_frame *f,
	   uint64_t *err, size_t *used, uint8_t **copy)
{
	struct tern_rcursor c;
	int rc;

	*copy = malloc(n > 0 ? n : 1);
	REQUIRE(*copy != NULL);
	if (n > 0)
		memcpy(*copy, p, n);
	tern_rcursor_init(&c, n > 0 ? *copy : NULL, n);
	*err = 0xdead;
	rc = tern_quic_frame_parse(&c, pt, f, err);
	if (used != NULL)
		*used = c.off;
	return rc;
}

/* Expect a parse failure with the given transport error. */
static void
expect_err(const uint8_t *p, size_t n, enum tern_quic_pkt_type pt, uint64_t want, int line)
{
	struct tern_quic_frame f;
	uint64_t err;
	uint8_t *copy;
	size_t used;
	int rc = parse_copy(p, n, pt, &f, &err, &used, &copy);

	if (rc != -TERN_EPROTO || err != want || used != 0)
		fprintf(stderr, "line %d: rc %d err 0x%llx (want 0x%llx) used %zu\n", line, rc,
			(unsigned long long)err, (unsigned long long)want, used);
	CHECK_EQ(rc, -TERN_EPROTO);
	CHECK_EQ(err, want);
	CHECK_EQ(used, 0);
	free(copy);
}

#define EXPECT_ERR(bytes, pt, want) expect_err(bytes, sizeof(bytes), pt, want, __LINE__)

static bool
mem_eq(const uint8_t *a, const uint8_t *b, size_t n)
{
	return n == 0 || memcmp(a, b, n) == 0;
}

/* Semantic equality of two frames (pointers compared by content). */
static bool
frame_eq(const struct tern_quic_frame *a, const struct tern_quic_frame *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case TERN_QUIC_FT_PADDING:
		return a->padding_len == b->padding_len;
	case TERN_QUIC_FT_PING:
	case TERN_QUIC_FT_HANDSHAKE_DONE:
		return true;
	case TERN_QUIC_FT_ACK:
	case TERN_QUIC_FT_ACK_ECN: {
		struct tern_quic_ack_iter ia, ib;
		uint64_t s1, l1, s2, l2;
		bool na, nb;

		if (a->ack.largest != b->ack.largest || a->ack.ack_delay != b->ack.ack_delay ||
		    a->ack.first_range != b->ack.first_range ||
		    a->ack.range_count != b->ack.range_count)
			return false;
		if (a->type == TERN_QUIC_FT_ACK_ECN &&
		    (a->ack.ecn.ect0 != b->ack.ecn.ect0 || a->ack.ecn.ect1 != b->ack.ecn.ect1 ||
		     a->ack.ecn.ce != b->ack.ecn.ce))
			return false;
		tern_quic_ack_iter_init(&ia, &a->ack);
		tern_quic_ack_iter_init(&ib, &b->ack);
		do {
			na = tern_quic_ack_range_next(&ia, &s1, &l1);
			nb = tern_quic_ack_range_next(&ib, &s2, &l2);
			if (na != nb || (na && (s1 != s2 || l1 != l2)))
				return false;
		} while (na);
		return true;
	}
	case TERN_QUIC_FT_RESET_STREAM:
		return a->reset_stream.id == b->reset_stream.id &&
		       a->reset_stream.error_code == b->reset_stream.error_code &&
		       a->reset_stream.final_size == b->reset_stream.final_size;
	case TERN_QUIC_FT_STOP_SENDING:
		return a->stop_sending.id == b->stop_sending.id &&
		       a->stop_sending.error_code == b->stop_sending.error_code;
	case TERN_QUIC_FT_CRYPTO:
		return a->crypto.offset == b->crypto.offset && a->crypto.len == b->crypto.len &&
		       mem_eq(a->crypto.data, b->crypto.data, a->crypto.len);
	case TERN_QUIC_FT_NEW_TOKEN:
		return a->new_token.len == b->new_token.len &&
		       mem_eq(a->new_token.token, b->new_token.token, a->new_token.len);
	case TERN_QUIC_FT_STREAM:
		return a->stream.id == b->stream.id && a->stream.offset == b->stream.offset &&
		       a->stream.fin == b->stream.fin && a->stream.has_len == b->stream.has_len &&
		       a->stream.len == b->stream.len &&
		       mem_eq(a->stream.data, b->stream.data, a->stream.len);
	case TERN_QUIC_FT_DATAGRAM:
		return a->datagram.has_len == b->datagram.has_len &&
		       a->datagram.len == b->datagram.len &&
		       mem_eq(a->datagram.data, b->datagram.data, a->datagram.len);
	case TERN_QUIC_FT_MAX_DATA:
	case TERN_QUIC_FT_DATA_BLOCKED:
	case TERN_QUIC_FT_MAX_STREAMS_BIDI:
	case TERN_QUIC_FT_MAX_STREAMS_UNI:
	case TERN_QUIC_FT_STREAMS_BLOCKED_BIDI:
	case TERN_QUIC_FT_STREAMS_BLOCKED_UNI:
		return a->limit == b->limit;
	case TERN_QUIC_FT_MAX_STREAM_DATA:
	case TERN_QUIC_FT_STREAM_DATA_BLOCKED:
		return a->stream_limit.id == b->stream_limit.id &&
		       a->stream_limit.limit == b->stream_limit.limit;
	case TERN_QUIC_FT_NEW_CONNECTION_ID:
		return a->new_cid.seq == b->new_cid.seq &&
		       a->new_cid.retire_prior_to == b->new_cid.retire_prior_to &&
		       a->new_cid.cid_len == b->new_cid.cid_len &&
		       mem_eq(a->new_cid.cid, b->new_cid.cid, a->new_cid.cid_len) &&
		       mem_eq(a->new_cid.reset_token, b->new_cid.reset_token, TERN_QUIC_SRT_LEN);
	case TERN_QUIC_FT_RETIRE_CONNECTION_ID:
		return a->retire_seq == b->retire_seq;
	case TERN_QUIC_FT_PATH_CHALLENGE:
	case TERN_QUIC_FT_PATH_RESPONSE:
		return memcmp(a->path_data, b->path_data, TERN_QUIC_PATH_DATA_LEN) == 0;
	case TERN_QUIC_FT_CONNECTION_CLOSE:
	case TERN_QUIC_FT_CONNECTION_CLOSE_APP:
		return a->close.error_code == b->close.error_code &&
		       (a->type == TERN_QUIC_FT_CONNECTION_CLOSE_APP ||
			a->close.frame_type == b->close.frame_type) &&
		       a->close.reason_len == b->close.reason_len &&
		       mem_eq(a->close.reason, b->close.reason, a->close.reason_len);
	}
	return false;
}

/* ACK ranges (encoded pairs) for the sample ACK frames. */
static uint8_t ack_pairs[64];
static size_t ack_pairs_len;

/* Sample frames: every type, with small and large values. Returns count. */
static size_t
sample_frames(struct tern_quic_frame *fs, size_t max)
{
	struct tern_wcursor w;
	size_t n = 0;

	/* two extra ranges below the first: gap 0 len 3, gap 100 len 0 */
	tern_wcursor_init(&w, ack_pairs, sizeof(ack_pairs));
	REQUIRE(tern_wcursor_varint(&w, 0) && tern_wcursor_varint(&w, 3));
	REQUIRE(tern_wcursor_varint(&w, 100) && tern_wcursor_varint(&w, 0));
	ack_pairs_len = w.off;

#define ADD(...)                                                                                   \
	do {                                                                                       \
		REQUIRE(n < max);                                                                  \
		fs[n] = (struct tern_quic_frame){__VA_ARGS__};                                     \
		n++;                                                                               \
	} while (0)

	ADD(.type = TERN_QUIC_FT_PADDING, .padding_len = 1);
	ADD(.type = TERN_QUIC_FT_PADDING, .padding_len = 37);
	ADD(.type = TERN_QUIC_FT_PING);
	ADD(.type = TERN_QUIC_FT_ACK, .ack = {.largest = 0, .ack_delay = 0, .first_range = 0});
	ADD(.type = TERN_QUIC_FT_ACK, .ack = {.largest = 1000,
					      .ack_delay = 25000,
					      .first_range = 10,
					      .range_count = 2,
					      .ranges = ack_pairs,
					      .ranges_len = ack_pairs_len});
	ADD(.type = TERN_QUIC_FT_ACK_ECN,
	    .ack = {.largest = TERN_QUIC_PN_MAX,
		    .ack_delay = 1,
		    .first_range = 5,
		    .range_count = 2,
		    .ranges = ack_pairs,
		    .ranges_len = ack_pairs_len,
		    .ecn = {.ect0 = 7, .ect1 = 1ULL << 40, .ce = 16383}});
	ADD(.type = TERN_QUIC_FT_RESET_STREAM,
	    .reset_stream = {.id = 4, .error_code = 0x101, .final_size = 1ULL << 61});
	ADD(.type = TERN_QUIC_FT_STOP_SENDING, .stop_sending = {.id = 3, .error_code = 77});
	ADD(.type = TERN_QUIC_FT_CRYPTO, .crypto = {.offset = 0, .data = data_a, .len = 10});
	ADD(.type = TERN_QUIC_FT_CRYPTO,
	    .crypto = {.offset = 70000, .data = big, .len = sizeof(big)});
	ADD(.type = TERN_QUIC_FT_NEW_TOKEN, .new_token = {.token = data_a, .len = 16});
	ADD(.type = TERN_QUIC_FT_STREAM,
	    .stream = {.id = 0, .offset = 0, .data = data_a, .len = 5, .has_len = true});
	ADD(.type = TERN_QUIC_FT_STREAM, .stream = {.id = 1ULL << 40,
						    .offset = 1ULL << 50,
						    .data = big,
						    .len = 300,
						    .fin = true,
						    .has_len = true});
	ADD(.type = TERN_QUIC_FT_STREAM,
	    .stream = {.id = 8, .offset = 9, .fin = true, .has_len = true}); /* FIN only */
	ADD(.type = TERN_QUIC_FT_STREAM,
	    .stream = {.id = 2, .offset = 0, .data = data_a, .len = 20, .fin = true});
	ADD(.type = TERN_QUIC_FT_STREAM,
	    .stream = {.id = 6, .offset = 64, .data = data_a, .len = 0}); /* empty, no LEN */
	ADD(.type = TERN_QUIC_FT_MAX_DATA, .limit = 1ULL << 62 >> 1);
	ADD(.type = TERN_QUIC_FT_MAX_STREAM_DATA, .stream_limit = {.id = 12, .limit = 65536});
	ADD(.type = TERN_QUIC_FT_MAX_STREAMS_BIDI, .limit = TERN_QUIC_MAX_STREAMS);
	ADD(.type = TERN_QUIC_FT_MAX_STREAMS_UNI, .limit = 3);
	ADD(.type = TERN_QUIC_FT_DATA_BLOCKED, .limit = 12345678);
	ADD(.type = TERN_QUIC_FT_STREAM_DATA_BLOCKED, .stream_limit = {.id = 5, .limit = 0});
	ADD(.type = TERN_QUIC_FT_STREAMS_BLOCKED_BIDI, .limit = 100);
	ADD(.type = TERN_QUIC_FT_STREAMS_BLOCKED_UNI, .limit = 0);
	ADD(.type = TERN_QUIC_FT_NEW_CONNECTION_ID,
	    .new_cid = {
		    .seq = 5, .retire_prior_to = 2, .cid_len = 8, .cid = cid8, .reset_token = srt});
	ADD(.type = TERN_QUIC_FT_NEW_CONNECTION_ID,
	    .new_cid = {
		    .seq = 1, .retire_prior_to = 1, .cid_len = 20, .cid = big, .reset_token = srt});
	ADD(.type = TERN_QUIC_FT_RETIRE_CONNECTION_ID, .retire_seq = 999);
	ADD(.type = TERN_QUIC_FT_PATH_CHALLENGE, .path_data = {1, 2, 3, 4, 5, 6, 7, 8});
	ADD(.type = TERN_QUIC_FT_PATH_RESPONSE, .path_data = {8, 7, 6, 5, 4, 3, 2, 1});
	ADD(.type = TERN_QUIC_FT_CONNECTION_CLOSE,
	    .close = {.error_code = TERN_QUIC_ERR_FRAME_ENCODING_ERROR,
		      .frame_type = 0x08,
		      .reason = data_a,
		      .reason_len = 9});
	ADD(.type = TERN_QUIC_FT_CONNECTION_CLOSE,
	    .close = {.error_code = TERN_QUIC_ERR_CRYPTO(40)}); /* empty reason */
	ADD(.type = TERN_QUIC_FT_CONNECTION_CLOSE_APP,
	    .close = {.error_code = 1ULL << 33, .reason = data_a, .reason_len = 43});
	ADD(.type = TERN_QUIC_FT_HANDSHAKE_DONE);
	ADD(.type = TERN_QUIC_FT_DATAGRAM,
	    .datagram = {.data = data_a, .len = 12, .has_len = true});
	ADD(.type = TERN_QUIC_FT_DATAGRAM, .datagram = {.data = big, .len = 1000});
#undef ADD
	return n;
}

/* A frame whose data runs to the end of the packet: a prefix is a valid,
 * shorter frame rather than a truncated one. */
static bool
runs_to_end(const struct tern_quic_frame *f)
{
	return (f->type == TERN_QUIC_FT_STREAM && !f->stream.has_len) ||
	       (f->type == TERN_QUIC_FT_DATAGRAM && !f->datagram.has_len) ||
	       f->type == TERN_QUIC_FT_PADDING;
}

static enum tern_quic_pkt_type
pt_for(const struct tern_quic_frame *f)
{
	/* DATAGRAM and most others are not allowed in Initial; 1-RTT takes all */
	(void)f;
	return TERN_QUIC_PKT_1RTT;
}

static void
test_round_trip_and_truncation(void)
{
	static struct tern_quic_frame fs[64];
	static uint8_t buf[32768];
	size_t n = sample_frames(fs, 64), i;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + 1);
	for (i = 0; i < n; i++) {
		struct tern_quic_frame g;
		struct tern_wcursor w;
		uint64_t err;
		uint8_t *copy;
		size_t used, sz = tern_quic_frame_size(&fs[i]), cut;
		int rc;

		CHECK(sz > 0);
		tern_wcursor_init(&w, buf, sizeof(buf));
		rc = tern_quic_frame_encode(&w, &fs[i]);
		CHECK_EQ(rc, 0);
		CHECK_EQ(w.off, sz);
		rc = parse_copy(buf, w.off, pt_for(&fs[i]), &g, &err, &used, &copy);
		if (rc != 0)
			fprintf(stderr, "frame %zu (%s): rc %d err %llu\n", i,
				tern_quic_frame_type_name(fs[i].type), rc, (unsigned long long)err);
		CHECK_EQ(rc, 0);
		CHECK_EQ(used, sz);
		CHECK(frame_eq(&fs[i], &g));
		CHECK(tern_quic_frame_size(&g) == sz);
		/* zero copy: borrowed pointers point into the parsed buffer */
		if (g.type == TERN_QUIC_FT_STREAM && g.stream.len > 0)
			CHECK(g.stream.data > copy && g.stream.data + g.stream.len == copy + sz);
		if (g.type == TERN_QUIC_FT_CRYPTO)
			CHECK(g.crypto.data > copy && g.crypto.data + g.crypto.len == copy + sz);
		free(copy);

		/* too small a buffer: nothing written, cursor unchanged */
		tern_wcursor_init(&w, buf, sz - 1);
		memset(buf, 0xee, sz);
		CHECK_EQ(tern_quic_frame_encode(&w, &fs[i]), -TERN_ENOBUFS);
		CHECK_EQ(w.off, 0);
		CHECK_EQ(buf[0], 0xee);

		if (runs_to_end(&fs[i]))
			continue;
		/* re-encode: every proper prefix is a truncated frame */
		tern_wcursor_init(&w, buf, sizeof(buf));
		REQUIRE(tern_quic_frame_encode(&w, &fs[i]) == 0);
		for (cut = 1; cut < sz; cut++) {
			rc = parse_copy(buf, cut, TERN_QUIC_PKT_1RTT, &g, &err, &used, &copy);
			if (rc != -TERN_EPROTO || err != TERN_QUIC_ERR_FRAME_ENCODING_ERROR) {
				fprintf(stderr, "%s cut at %zu/%zu: rc %d err %llu\n",
					tern_quic_frame_type_name(fs[i].type), cut, sz, rc,
					(unsigned long long)err);
				CHECK(0);
			} else {
				CHECK_EQ(used, 0);
				CHECK_EQ(g.wire_type, buf[0]);
			}
			free(copy);
		}
		rc = parse_copy(buf, 0, TERN_QUIC_PKT_1RTT, &g, &err, &used, &copy);
		CHECK_EQ(rc, -TERN_EINVAL);
		free(copy);
	}
}

static void
test_sequence_and_padding(void)
{
	/* PING, 5 PADDING bytes, MAX_DATA 5, PADDING to the end */
	static const uint8_t pkt[] = {0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x05, 0x00, 0x00};
	struct tern_quic_frame f;
	struct tern_rcursor c;
	uint64_t err;

	tern_rcursor_init(&c, pkt, sizeof(pkt));
	CHECK_EQ(tern_quic_frame_parse(&c, TERN_QUIC_PKT_1RTT, &f, &err), 0);
	CHECK_EQ(f.type, TERN_QUIC_FT_PING);
	CHECK_EQ(tern_quic_frame_parse(&c, TERN_QUIC_PKT_1RTT, &f, &err), 0);
	CHECK_EQ(f.type, TERN_QUIC_FT_PADDING);
	CHECK_EQ(f.padding_len, 5);
	CHECK_EQ(tern_quic_frame_parse(&c, TERN_QUIC_PKT_1RTT, &f, &err), 0);
	CHECK_EQ(f.type, TERN_QUIC_FT_MAX_DATA);
	CHECK_EQ(f.limit, 5);
	CHECK_EQ(tern_quic_frame_parse(&c, TERN_QUIC_PKT_1RTT, &f, &err), 0);
	CHECK_EQ(f.padding_len, 2);
	CHECK_EQ(tern_rcursor_left(&c), 0);
	CHECK_EQ(tern_quic_frame_parse(&c, TERN_QUIC_PKT_1RTT, &f, &err), -TERN_EINVAL);
}

/* RFC 9000 12.4 Table 3, written out independently of the implementation:
 * 'I', 'H', '0', '1' per type, '_' for not allowed. */
static const char *const table3[0x1f] = {
	"IH01", "IH01", "IH_1", "IH_1", "__01", "__01", "IH_1", "___1", "__01", "__01", "__01",
	"__01", "__01", "__01", "__01", "__01", "__01", "__01", "__01", "__01", "__01", "__01",
	"__01", "__01", "__01", "__01", "__01", "___1", "IH01", "__01", "___1",
};

static void
test_table3(void)
{
	static const enum tern_quic_pkt_type no_frames[] = {TERN_QUIC_PKT_RETRY,
							    TERN_QUIC_PKT_VERSION_NEGOTIATION,
							    TERN_QUIC_PKT_UNSUPPORTED_VERSION};
	uint64_t t;
	size_t j;

	for (t = 0; t <= 0x1e; t++)
		for (j = 0; j < 4; j++)
			CHECK_EQ(tern_quic_frame_allowed(t, all_pts[j]), table3[t][j] != '_');
	/* RFC 9221 4: DATAGRAM in 0-RTT and 1-RTT only */
	for (t = 0x30; t <= 0x31; t++) {
		CHECK(!tern_quic_frame_allowed(t, TERN_QUIC_PKT_INITIAL));
		CHECK(!tern_quic_frame_allowed(t, TERN_QUIC_PKT_HANDSHAKE));
		CHECK(tern_quic_frame_allowed(t, TERN_QUIC_PKT_0RTT));
		CHECK(tern_quic_frame_allowed(t, TERN_QUIC_PKT_1RTT));
	}
	for (j = 0; j < 3; j++)
		CHECK(!tern_quic_frame_allowed(0x01, no_frames[j]));
	CHECK(!tern_quic_frame_allowed(0x1f, TERN_QUIC_PKT_1RTT));

	/* the parser enforces it with PROTOCOL_VIOLATION */
	{
		static const uint8_t stream_frame[] = {0x0a, 0x04, 0x01, 'x'};
		static const uint8_t ack[] = {0x02, 0x00, 0x00, 0x00, 0x00};
		static const uint8_t close_app[] = {0x1d, 0x00, 0x00};
		static const uint8_t close_tr[] = {0x1c, 0x0a, 0x00, 0x00};
		static const uint8_t hs_done[] = {0x1e};
		static const uint8_t dgram[] = {0x31, 0x01, 'x'};
		static const uint8_t token[] = {0x07, 0x01, 'x'};
		static const uint8_t path_resp[] = {0x1b, 1, 2, 3, 4, 5, 6, 7, 8};
		static const uint8_t crypto[] = {0x06, 0x00, 0x01, 'x'};
		struct tern_quic_frame f;
		struct tern_rcursor c;
		uint64_t err;

		EXPECT_ERR(stream_frame, TERN_QUIC_PKT_INITIAL, TERN_QUIC_ERR_PROTOCOL_VIOLATION);
		EXPECT_ERR(stream_frame, TERN_QUIC_PKT_HANDSHAKE, TERN_QUIC_ERR_PROTOCOL_VIOLATION);
		EXPECT_ERR(ack, TERN_QUIC_PKT_0RTT, TERN_QUIC_ERR_PROTOCOL_VIOLATION);
		EXPECT_ERR(crypto, TERN_QUIC_PKT_0RTT, TERN_QUIC_ERR_PROTOCOL_VIOLATION);
		EXPECT_ERR(close_app, TERN_QUIC_PKT_INITIAL, TERN_QUIC_ERR_PROTOCOL_VIOLATION);
		EXPECT_ERR(close_app, TERN_QUIC_PKT_HANDSHAKE, TERN_QUIC_ERR_PROTOCOL_VIOLATION);
		EXPECT_ERR(hs_done, TERN_QUIC_PKT_0RTT, TERN_QUIC_ERR_PROTOCOL_VIOLATION);
		EXPECT_ERR(dgram, TERN_QUIC_PKT_INITIAL, TERN_QUIC_ERR_PROTOCOL_VIOLATION);
		EXPECT_ERR(token, TERN_QUIC_PKT_0RTT, TERN_QUIC_ERR_PROTOCOL_VIOLATION);
		EXPECT_ERR(path_resp, TERN_QUIC_PKT_0RTT, TERN_QUIC_ERR_PROTOCOL_VIOLATION);
		EXPECT_ERR(hs_done, TERN_QUIC_PKT_RETRY, TERN_QUIC_ERR_PROTOCOL_VIOLATION);
		tern_rcursor_init(&c, close_tr, sizeof(close_tr));
		CHECK_EQ(tern_quic_frame_parse(&c, TERN_QUIC_PKT_INITIAL, &f, &err), 0);
		CHECK_EQ(f.type, TERN_QUIC_FT_CONNECTION_CLOSE);
		CHECK_EQ(f.close.error_code, TERN_QUIC_ERR_PROTOCOL_VIOLATION);
		tern_rcursor_init(&c, stream_frame, sizeof(stream_frame));
		CHECK_EQ(tern_quic_frame_parse(&c, TERN_QUIC_PKT_0RTT, &f, &err), 0);
		CHECK_EQ(f.stream.id, 4);
		CHECK_EQ(f.stream.len, 1);
	}
}

static void
test_malformed(void)
{
	/* unknown frame types, also well-formed two-byte ones */
	static const uint8_t unk1[] = {0x1f};
	static const uint8_t unk2[] = {0x20, 0x00};
	static const uint8_t unk3[] = {0x2f};
	static const uint8_t unk4[] = {0x32, 0x00};
	static const uint8_t unk5[] = {0x40, 0xaf, 0x00};
	/* a PING type in two bytes: 12.4 allows PROTOCOL_VIOLATION */
	static const uint8_t long_ping[] = {0x40, 0x01};
	/* truncated type varint */
	static const uint8_t trunc_type[] = {0x40};
	/* STREAM: offset + length above 2^62-1 */
	static const uint8_t stream_ovf[] = {0x0e, 0x00, 0xff, 0xff, 0xff, 0xff,
					     0xff, 0xff, 0xff, 0xff, 0x01, 'x'};
	/* CRYPTO: offset 2^62-1 + 1 byte: CRYPTO_BUFFER_EXCEEDED */
	static const uint8_t crypto_ovf[] = {0x06, 0xff, 0xff, 0xff, 0xff, 0xff,
					     0xff, 0xff, 0xff, 0x01, 'x'};
	/* STREAM with LEN larger than what is left */
	static const uint8_t stream_short[] = {0x0a, 0x00, 0x05, 'x', 'y'};
	/* MAX_STREAMS / STREAMS_BLOCKED 2^60 + 1 */
	static const uint8_t ms_bidi[] = {0x12, 0xd0, 0, 0, 0, 0, 0, 0, 0x01};
	static const uint8_t ms_uni[] = {0x13, 0xd0, 0, 0, 0, 0, 0, 0, 0x01};
	static const uint8_t sb_bidi[] = {0x16, 0xd0, 0, 0, 0, 0, 0, 0, 0x01};
	static const uint8_t sb_uni[] = {0x17, 0xd0, 0, 0, 0, 0, 0, 0, 0x01};
	static const uint8_t ms_ok[] = {0x12, 0xd0, 0, 0, 0, 0, 0, 0, 0x00};
	/* NEW_TOKEN without a token */
	static const uint8_t token0[] = {0x07, 0x00};
	/* NEW_CONNECTION_ID: CID length 0, 21; retire_prior_to > seq */
	static uint8_t ncid0[] = {0x18, 0x01, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0,
				  0,	0,    0,    0,	  0, 0, 0, 0, 0, 0};
	static uint8_t ncid21[1 + 2 + 1 + 21 + 16] = {0x18, 0x01, 0x00, 21};
	static uint8_t ncid_rpt[1 + 2 + 1 + 4 + 16] = {0x18, 0x01, 0x02, 4};
	/* ACK: first range below 0; gap below 0; range length below 0;
	 * a range count the payload cannot hold */
	static const uint8_t ack_first[] = {0x02, 0x05, 0x00, 0x00, 0x06};
	static const uint8_t ack_gap[] = {0x02, 0x05, 0x00, 0x01, 0x02, 0x02, 0x00};
	static const uint8_t ack_len[] = {0x02, 0x0a, 0x00, 0x01, 0x02, 0x00, 0x07};
	static const uint8_t ack_count[] = {0x02, 0x0a, 0x00, 0xbf, 0xff, 0xff, 0xff,
					    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00};
	/* ACK exactly down to 0 is fine: ranges [8,10], [5,6], [0,3] */
	static const uint8_t ack_zero[] = {0x02, 0x0a, 0x00, 0x02, 0x02, 0x00, 0x01, 0x00, 0x03};
	/* field values need not be minimal (RFC 9000 16) */
	static const uint8_t max_data_long[] = {0x10, 0xc0, 0, 0, 0, 0, 0, 0, 0x05};
	struct tern_quic_frame f;
	struct tern_rcursor c;
	struct tern_quic_ack_iter it;
	uint64_t err, s, l;

	EXPECT_ERR(unk1, TERN_QUIC_PKT_1RTT, TERN_QUIC_ERR_FRAME_ENCODING_ERROR);
	EXPECT_ERR(unk2, TERN_QUIC_PKT_1RTT, TERN_QUIC_ERR_FRAME_ENCODING_ERROR);
	EXPECT_ERR(unk3, TERN_QUIC_PKT_1RTT, TERN_QUIC_ERR_FRAME_ENCODING_ERROR);
	EXPECT_ERR(unk4, TERN_QUIC_PKT_1RTT, TERN_QUIC_ERR_FRAME_ENCODING_ERROR);
	EXPECT_ERR(unk5, TERN_QUIC_PKT_1RTT, TERN_QUIC_ERR_FRAME_ENCODING_ERROR);
	EXPECT_ERR(long_ping, TERN_QUIC_PKT_1RTT, TERN_QUIC_ERR_PROTOCOL_VIOLATION);
	EXPECT_ERR(trunc_type, TERN_QUIC_PKT_1RTT, TERN_QUIC_ERR_FRAME_ENCODING_ERROR);
	EXPECT_ERR(stream_ovf, TERN_QUIC_PKT_1RTT, TERN_QUIC_ERR_FRAME_ENCODING_ERROR);
	EXPECT_ERR(crypto_ovf, TERN_QUIC_PKT_1RTT, TERN_QUIC_ERR_CRYPTO_BUFFER_EXCEEDED);
	EXPECT_ERR(stream_short, TERN_QUIC_PKT_1RTT, TERN_QUIC_ERR_FRAME_ENCODING_ERROR);
	EXPECT_ERR(ms_bidi, TERN_QUIC_PKT_1RTT, TERN_QUIC_ERR_FRAME_ENCODING_ERROR);
	EXPECT_ERR(ms_uni, TERN_QUIC_PKT_1RTT, TERN_QUIC_ERR_FRAME_ENCODING_ERROR);
	EXPECT_ERR(sb_bidi, TERN_QUIC_PKT_1RTT, TERN_QUIC_ERR_FRAME_ENCODING_ERROR);
	EXPECT_ERR(sb_uni, TERN_QUIC_PKT_1RTT, TERN_QUIC_ERR_FRAME_ENCODING_ERROR);
	EXPECT_ERR(token0, TERN_QUIC_PKT_1RTT, TERN_QUIC_ERR_FRAME_ENCODING_ERROR);
	EXPECT_ERR(ncid0, TERN_QUIC_PKT_1RTT, TERN_QUIC_ERR_FRAME_ENCODING_ERROR);
	EXPECT_ERR(ncid21, TERN_QUIC_PKT_1RTT, TERN_QUIC_ERR_FRAME_ENCODING_ERROR);
	EXPECT_ERR(ncid_rpt, TERN_QUIC_PKT_1RTT, TERN_QUIC_ERR_FRAME_ENCODING_ERROR);
	EXPECT_ERR(ack_first, TERN_QUIC_PKT_1RTT, TERN_QUIC_ERR_FRAME_ENCODING_ERROR);
	EXPECT_ERR(ack_gap, TERN_QUIC_PKT_1RTT, TERN_QUIC_ERR_FRAME_ENCODING_ERROR);
	EXPECT_ERR(ack_len, TERN_QUIC_PKT_1RTT, TERN_QUIC_ERR_FRAME_ENCODING_ERROR);
	EXPECT_ERR(ack_count, TERN_QUIC_PKT_1RTT, TERN_QUIC_ERR_FRAME_ENCODING_ERROR);

	tern_rcursor_init(&c, ms_ok, sizeof(ms_ok));
	CHECK_EQ(tern_quic_frame_parse(&c, TERN_QUIC_PKT_1RTT, &f, &err), 0);
	CHECK(f.limit == TERN_QUIC_MAX_STREAMS);
	tern_rcursor_init(&c, max_data_long, sizeof(max_data_long));
	CHECK_EQ(tern_quic_frame_parse(&c, TERN_QUIC_PKT_1RTT, &f, &err), 0);
	CHECK_EQ(f.limit, 5);
	/* unknown type: wire_type reports it for CONNECTION_CLOSE */
	tern_rcursor_init(&c, unk5, sizeof(unk5));
	CHECK_EQ(tern_quic_frame_parse(&c, TERN_QUIC_PKT_1RTT, &f, &err), -TERN_EPROTO);
	CHECK_EQ(f.wire_type, 0xaf);

	tern_rcursor_init(&c, ack_zero, sizeof(ack_zero));
	CHECK_EQ(tern_quic_frame_parse(&c, TERN_QUIC_PKT_INITIAL, &f, &err), 0);
	CHECK_EQ(f.ack.smallest, 0);
	tern_quic_ack_iter_init(&it, &f.ack);
	CHECK(tern_quic_ack_range_next(&it, &s, &l));
	CHECK_EQ(s, 8);
	CHECK_EQ(l, 10);
	CHECK(tern_quic_ack_range_next(&it, &s, &l));
	CHECK_EQ(s, 5);
	CHECK_EQ(l, 6);
	CHECK(tern_quic_ack_range_next(&it, &s, &l));
	CHECK_EQ(s, 0);
	CHECK_EQ(l, 3);
	CHECK(!tern_quic_ack_range_next(&it, &s, &l));
	CHECK(!tern_quic_ack_range_next(&it, &s, &l));

	/* the iterator stays bounded on a forged frame */
	{
		struct tern_quic_frame_ack forged = {.largest = 3,
						     .first_range = 1,
						     .range_count = 5,
						     .ranges = ack_gap + 5,
						     .ranges_len = 2};
		int k = 0;

		tern_quic_ack_iter_init(&it, &forged);
		while (tern_quic_ack_range_next(&it, &s, &l))
			k++;
		CHECK_EQ(k, 1); /* [2,3], then gap 2 underflows */
	}
}

static void
test_sender_and_classes(void)
{
	struct tern_quic_frame f = {.type = TERN_QUIC_FT_HANDSHAKE_DONE};
	uint64_t err = 0;

	CHECK_EQ(tern_quic_frame_check_sender(&f, true, &err), 0);
	CHECK_EQ(tern_quic_frame_check_sender(&f, false, &err), -TERN_EPROTO);
	CHECK_EQ(err, TERN_QUIC_ERR_PROTOCOL_VIOLATION);
	f.type = TERN_QUIC_FT_NEW_TOKEN;
	CHECK_EQ(tern_quic_frame_check_sender(&f, false, &err), -TERN_EPROTO);
	f.type = TERN_QUIC_FT_PING;
	CHECK_EQ(tern_quic_frame_check_sender(&f, false, &err), 0);

	CHECK(!tern_quic_frame_is_ack_eliciting(TERN_QUIC_FT_ACK));
	CHECK(!tern_quic_frame_is_ack_eliciting(TERN_QUIC_FT_ACK_ECN));
	CHECK(!tern_quic_frame_is_ack_eliciting(TERN_QUIC_FT_PADDING));
	CHECK(!tern_quic_frame_is_ack_eliciting(TERN_QUIC_FT_CONNECTION_CLOSE));
	CHECK(!tern_quic_frame_is_ack_eliciting(TERN_QUIC_FT_CONNECTION_CLOSE_APP));
	CHECK(tern_quic_frame_is_ack_eliciting(TERN_QUIC_FT_PING));
	CHECK(tern_quic_frame_is_ack_eliciting(TERN_QUIC_FT_STREAM));
	CHECK(tern_quic_frame_is_ack_eliciting(TERN_QUIC_FT_DATAGRAM));
	CHECK(!tern_quic_frame_is_in_flight(TERN_QUIC_FT_ACK));
	CHECK(tern_quic_frame_is_in_flight(TERN_QUIC_FT_PADDING));
	CHECK(tern_quic_frame_is_probing(TERN_QUIC_FT_PATH_CHALLENGE));
	CHECK(tern_quic_frame_is_probing(TERN_QUIC_FT_NEW_CONNECTION_ID));
	CHECK(!tern_quic_frame_is_probing(TERN_QUIC_FT_STREAM));

	CHECK(strcmp(tern_quic_transport_error_name(0x07), "FRAME_ENCODING_ERROR") == 0);
	CHECK(strcmp(tern_quic_transport_error_name(0x10), "NO_VIABLE_PATH") == 0);
	CHECK(strcmp(tern_quic_transport_error_name(TERN_QUIC_ERR_CRYPTO(120)), "CRYPTO_ERROR") ==
	      0);
	CHECK(strcmp(tern_quic_transport_error_name(0x200), "UNKNOWN_ERROR") == 0);
	CHECK_EQ(TERN_QUIC_ERR_CRYPTO(0x28), 0x128);
	CHECK(TERN_QUIC_ERR_IS_CRYPTO(0x1ff));
	CHECK(!TERN_QUIC_ERR_IS_CRYPTO(0x200));
	CHECK(strcmp(tern_quic_frame_type_name(0x0d), "STREAM") == 0);
	CHECK(strcmp(tern_quic_frame_type_name(0x31), "DATAGRAM") == 0);
	CHECK(strcmp(tern_quic_frame_type_name(0x1f), "UNKNOWN") == 0);

	/* encoder refuses what the parser would reject */
	f = (struct tern_quic_frame){.type = TERN_QUIC_FT_MAX_STREAMS_UNI,
				     .limit = TERN_QUIC_MAX_STREAMS + 1};
	{
		uint8_t b[32];
		struct tern_wcursor w;

		tern_wcursor_init(&w, b, sizeof(b));
		CHECK_EQ(tern_quic_frame_encode(&w, &f), -TERN_EINVAL);
		f = (struct tern_quic_frame){.type = TERN_QUIC_FT_NEW_TOKEN};
		CHECK_EQ(tern_quic_frame_encode(&w, &f), -TERN_EINVAL);
		f = (struct tern_quic_frame){.type = TERN_QUIC_FT_PADDING, .padding_len = 0};
		CHECK_EQ(tern_quic_frame_encode(&w, &f), -TERN_EINVAL);
		f = (struct tern_quic_frame){.type = TERN_QUIC_FT_MAX_DATA, .limit = 1ULL << 62};
		CHECK_EQ(tern_quic_frame_encode(&w, &f), -TERN_EINVAL);
		f = (struct tern_quic_frame){
			.type = TERN_QUIC_FT_STREAM,
			.stream = {.offset = TERN_QUIC_MAX_OFFSET, .data = data_a, .len = 1}};
		CHECK_EQ(tern_quic_frame_encode(&w, &f), -TERN_EINVAL);
		f = (struct tern_quic_frame){.type = TERN_QUIC_FT_CRYPTO,
					     .crypto = {.data = NULL, .len = 3}};
		CHECK_EQ(tern_quic_frame_encode(&w, &f), -TERN_EINVAL);
		CHECK_EQ(w.off, 0);
		f = (struct tern_quic_frame){.type = (enum tern_quic_frame_type)0x1f};
		CHECK_EQ(tern_quic_frame_encode(&w, &f), -TERN_EINVAL);
	}
}

/* Parse an ACK frame from buf and collect its ranges. */
static size_t
ack_collect(const uint8_t *buf, size_t len, struct tern_quic_ack_range *out, size_t max,
	    struct tern_quic_frame *f)
{
	struct tern_quic_ack_iter it;
	struct tern_rcursor c;
	uint64_t err;
	size_t n = 0;

	tern_rcursor_init(&c, buf, len);
	REQUIRE(tern_quic_frame_parse(&c, TERN_QUIC_PKT_1RTT, f, &err) == 0);
	CHECK_EQ(c.off, len);
	tern_quic_ack_iter_init(&it, &f->ack);
	while (n < max && tern_quic_ack_range_next(&it, &out[n].smallest, &out[n].largest))
		n++;
	return n;
}

static void
test_ack_builder(void)
{
	static struct tern_quic_ack_range r[300], got[300];
	static const struct tern_quic_ack_ecn ecn = {.ect0 = 100, .ect1 = 0, .ce = 3};
	struct tern_quic_frame f;
	uint8_t buf[2048];
	struct tern_wcursor w;
	size_t i, full, budget;
	int k;

	/* 300 ranges: [1e6 - 10i - 3, 1e6 - 10i] with growing gaps near the end */
	for (i = 0; i < 300; i++) {
		r[i].largest = 1000000 - 10 * i - (i > 250 ? 100 * (i - 250) : 0);
		r[i].smallest = r[i].largest - (i % 4);
	}
	full = tern_quic_ack_frame_size(r, 300, 1234, &ecn);
	CHECK(full > 0);
	tern_wcursor_init(&w, buf, sizeof(buf));
	k = tern_quic_ack_frame_encode(&w, r, 300, 1234, &ecn);
	CHECK_EQ(k, 300);
	CHECK_EQ(w.off, full);
	CHECK_EQ(ack_collect(buf, w.off, got, 300, &f), 300);
	CHECK_EQ(f.type, TERN_QUIC_FT_ACK_ECN);
	CHECK_EQ(f.ack.ack_delay, 1234);
	CHECK_EQ(f.ack.ecn.ce, 3);
	CHECK_MEM(got, r, sizeof(r));

	/* every budget: the newest ranges that fit, dropping the oldest */
	for (budget = 0; budget <= full + 1; budget++) {
		size_t kk;

		tern_wcursor_init(&w, buf, budget);
		k = tern_quic_ack_frame_encode(&w, r, 300, 1234, NULL);
		if (k < 0) {
			CHECK_EQ(k, -TERN_ENOBUFS);
			CHECK_EQ(w.off, 0);
			CHECK(budget < tern_quic_ack_frame_size(r, 1, 1234, NULL));
			continue;
		}
		kk = (size_t)k;
		CHECK(w.off <= budget);
		CHECK_EQ(w.off, tern_quic_ack_frame_size(r, kk, 1234, NULL));
		/* one more range would not have fitted */
		if (kk < 300)
			CHECK(tern_quic_ack_frame_size(r, kk + 1, 1234, NULL) > budget);
		CHECK_EQ(ack_collect(buf, w.off, got, 300, &f), kk);
		CHECK_MEM(got, r, kk * sizeof(r[0]));
	}

	/* invalid ranges */
	{
		struct tern_quic_ack_range bad[2] = {{10, 20}, {5, 8}}; /* pn 9 missing: ok */

		tern_wcursor_init(&w, buf, sizeof(buf));
		CHECK_EQ(tern_quic_ack_frame_encode(&w, bad, 2, 0, NULL), 2);
		bad[1].largest = 9; /* touches: must have been merged */
		CHECK_EQ(tern_quic_ack_frame_encode(&w, bad, 2, 0, NULL), -TERN_EINVAL);
		bad[1].largest = 30; /* ascending */
		CHECK_EQ(tern_quic_ack_frame_encode(&w, bad, 2, 0, NULL), -TERN_EINVAL);
		bad[0].smallest = 21; /* smallest > largest */
		CHECK_EQ(tern_quic_ack_frame_encode(&w, bad, 1, 0, NULL), -TERN_EINVAL);
		CHECK_EQ(tern_quic_ack_frame_encode(&w, bad, 0, 0, NULL), -TERN_EINVAL);
		bad[0] = (struct tern_quic_ack_range){0, 0};
		CHECK_EQ(tern_quic_ack_frame_encode(&w, bad, 1, 1ULL << 62, NULL), -TERN_EINVAL);
	}
}

static void
test_fit(void)
{
	static const uint64_t ids[] = {0, 63, 64, 16383, 16384, 1ULL << 30, (1ULL << 62) - 1};
	static const uint64_t offs[] = {0, 1, 63, 16384, 1ULL << 40, TERN_QUIC_MAX_OFFSET - 5};
	static const size_t avails[] = {0, 1, 62, 63, 64, 65, 16380, 16383, 16384, 20000};
	uint8_t buf[20100];
	size_t a, b, d, space;
	int wl;

	for (a = 0; a < sizeof(ids) / sizeof(ids[0]); a++)
		for (b = 0; b < sizeof(offs) / sizeof(offs[0]); b++)
			for (d = 0; d < sizeof(avails) / sizeof(avails[0]); d++)
				for (wl = 0; wl < 2; wl++)
					for (space = 0; space < 20100;
					     space += (space < 80 ? 1 : 997)) {
						int64_t n = tern_quic_stream_frame_fit(
							ids[a], offs[b], avails[d], space, wl);
						struct tern_quic_frame f = {
							.type = TERN_QUIC_FT_STREAM};
						struct tern_wcursor w;
						size_t hs;

						if (n < 0) {
							CHECK_EQ(n, -TERN_ENOBUFS);
							CHECK(tern_quic_stream_frame_hdr_size(
								      ids[a], offs[b], 0, wl) >
							      space);
							continue;
						}
						CHECK((size_t)n <= avails[d]);
						hs = tern_quic_stream_frame_hdr_size(
							ids[a], offs[b], (size_t)n, wl);
						CHECK(hs > 0 && hs + (size_t)n <= space);
						/* maximal: one more byte would not fit */
						if ((size_t)n < avails[d] &&
						    offs[b] + (uint64_t)n < TERN_QUIC_MAX_OFFSET)
							CHECK(tern_quic_stream_frame_hdr_size(
								      ids[a], offs[b],
								      (size_t)n + 1, wl) +
								      (size_t)n + 1 >
							      space);
						f.stream.id = ids[a];
						f.stream.offset = offs[b];
						f.stream.data = big;
						f.stream.len = (size_t)n;
						f.stream.has_len = wl;
						tern_wcursor_init(&w, buf, space);
						CHECK_EQ(tern_quic_frame_encode(&w, &f), 0);
						CHECK_EQ(w.off, hs + (size_t)n);
					}
	/* CRYPTO */
	for (b = 0; b < sizeof(offs) / sizeof(offs[0]); b++)
		for (d = 0; d < sizeof(avails) / sizeof(avails[0]); d++)
			for (space = 0; space < 20100; space += (space < 80 ? 1 : 997)) {
				int64_t n = tern_quic_crypto_frame_fit(offs[b], avails[d], space);
				size_t hs;

				if (n < 0) {
					CHECK_EQ(n, -TERN_ENOBUFS);
					CHECK(avails[d] == 0 ||
					      tern_quic_crypto_frame_hdr_size(offs[b], 1) + 1 >
						      space ||
					      offs[b] == TERN_QUIC_MAX_OFFSET);
					continue;
				}
				hs = tern_quic_crypto_frame_hdr_size(offs[b], (size_t)n);
				CHECK(hs > 0 && hs + (size_t)n <= space);
				CHECK((size_t)n <= avails[d]);
				if ((size_t)n < avails[d] &&
				    offs[b] + (uint64_t)n < TERN_QUIC_MAX_OFFSET)
					CHECK(tern_quic_crypto_frame_hdr_size(offs[b],
									      (size_t)n + 1) +
						      (size_t)n + 1 >
					      space);
			}
	CHECK_EQ(tern_quic_stream_frame_fit(1ULL << 62, 0, 10, 100, true), -TERN_EINVAL);
	CHECK_EQ(tern_quic_crypto_frame_fit(1ULL << 62, 10, 100), -TERN_EINVAL);
	/* 64 data bytes need a 2-byte Length: 66 bytes hold 63 with a Length
	 * (1 + 1 + 1 + 63), 64 without; 68 hold 64 (1 + 1 + 2 + 64) */
	CHECK_EQ(tern_quic_stream_frame_fit(0, 0, 100, 66, true), 63);
	CHECK_EQ(tern_quic_stream_frame_fit(0, 0, 100, 66, false), 64);
	CHECK_EQ(tern_quic_stream_frame_fit(0, 0, 100, 68, true), 64);
}

/* Seeds for tests/fuzz/fuzz_quic_frames: byte 0 selects nothing (the target
 * tries every packet type); the rest is a payload of encoded frames. */
static int
write_corpus(const char *dir)
{
	static struct tern_quic_frame fs[64];
	static uint8_t buf[4096];
	size_t n = sample_frames(fs, 64), i, files = 0;
	char path[512];

	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + 1);
	for (i = 0; i <= n && files < 48; i++) {
		struct tern_wcursor w;
		FILE *fp;
		size_t j;

		tern_wcursor_init(&w, buf, sizeof(buf));
		REQUIRE(tern_wcursor_u8(&w, (uint8_t)i));
		if (i < n) {
			if (tern_quic_frame_size(&fs[i]) > 1000)
				continue;
			REQUIRE(tern_quic_frame_encode(&w, &fs[i]) == 0);
		} else {
			/* one packet of many frames, ending with a no-length one */
			for (j = 0; j < n; j++)
				if (!runs_to_end(&fs[j]) && tern_quic_frame_size(&fs[j]) < 200)
					(void)tern_quic_frame_encode(&w, &fs[j]);
			REQUIRE(tern_quic_frame_encode(&w, &fs[14]) == 0);
		}
		snprintf(path, sizeof(path), "%s/seed-%02zu-%s", dir, i,
			 i < n ? tern_quic_frame_type_name(fs[i].type) : "multi");
		fp = fopen(path, "wb");
		REQUIRE(fp != NULL);
		REQUIRE(fwrite(buf, 1, w.off, fp) == w.off);
		fclose(fp);
		files++;
	}
	printf("wrote %zu seeds to %s\n", files, dir);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--write-corpus") == 0)
		return write_corpus(argv[2]);
	test_round_trip_and_truncation();
	test_sequence_and_padding();
	test_table3();
	test_malformed();
	test_sender_and_classes();
	test_ack_builder();
	test_fit();
	return tern_test_done("test_quic_frame");
}
