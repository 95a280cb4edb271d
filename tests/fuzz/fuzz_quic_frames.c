/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: QUIC frame parsing and encoding
 * (dataplane/quic/quic_frame.c).
 *
 * Standalone build, from the repository root (clang; no meson needed):
 *   clang -g -O1 -std=c11 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE
 *     -Iinclude -I. tests/fuzz/fuzz_quic_frames.c dataplane/quic/quic_frame.c
 *     -o fuzz_quic_frames
 * (or configure meson with CC=clang -Dfuzz=true; without libFuzzer meson
 * builds fuzz_quic_frames_replay with tests/fuzz/replay_main.c).
 * Seeds: tests/fuzz/corpus/fuzz_quic_frames, written by
 * `test_quic_frame --write-corpus DIR`.
 *
 * Input: byte 0 is a budget for the ACK builder; the rest is a packet
 * payload, parsed frame by frame as Initial, Handshake, 0-RTT and 1-RTT.
 * Checks beyond "no crash, no out-of-bounds access": a failed parse leaves
 * the cursor alone and reports FRAME_ENCODING_ERROR, PROTOCOL_VIOLATION or
 * CRYPTO_BUFFER_EXCEEDED; every parsed frame is allowed in its packet type,
 * borrows only from its own bytes, re-encodes to exactly
 * tern_quic_frame_size() bytes, never more than it took, and parses back
 * to the same frame; ACK ranges walk down without underflow to the parsed
 * smallest, and rebuilding them under a byte budget keeps the newest ones.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tern/error.h>

#include "dataplane/quic/quic_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(c)                                                                             \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #c);  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#define MAX_RANGES 256

static bool
mem_eq(const uint8_t *a, const uint8_t *b, size_t n)
{
	return n == 0 || memcmp(a, b, n) == 0;
}

static bool
ack_eq(const struct tern_quic_frame *a, const struct tern_quic_frame *b)
{
	struct tern_quic_ack_iter ia, ib;
	uint64_t s1, l1, s2, l2;
	bool na, nb;

	if (a->ack.largest != b->ack.largest || a->ack.ack_delay != b->ack.ack_delay ||
	    a->ack.first_range != b->ack.first_range || a->ack.range_count != b->ack.range_count ||
	    a->ack.smallest != b->ack.smallest)
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
	case TERN_QUIC_FT_ACK_ECN:
		return ack_eq(a, b);
	case TERN_QUIC_FT_RESET_STREAM:
		return memcmp(&a->reset_stream, &b->reset_stream, sizeof(a->reset_stream)) == 0;
	case TERN_QUIC_FT_STOP_SENDING:
		return memcmp(&a->stop_sending, &b->stop_sending, sizeof(a->stop_sending)) == 0;
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
		       a->close.frame_type == b->close.frame_type &&
		       a->close.reason_len == b->close.reason_len &&
		       mem_eq(a->close.reason, b->close.reason, a->close.reason_len);
	}
	return false;
}

/* p lies within [lo, lo + n) together with its len bytes. */
static bool
inside(const uint8_t *p, size_t len, const uint8_t *lo, size_t n)
{
	if (len == 0)
		return true;
	return p >= lo && p <= lo + n && len <= (size_t)(lo + n - p);
}

static void
check_borrowed(const struct tern_quic_frame *f, const uint8_t *lo, size_t n)
{
	switch (f->type) {
	case TERN_QUIC_FT_ACK:
	case TERN_QUIC_FT_ACK_ECN:
		FUZZ_ASSERT(inside(f->ack.ranges, f->ack.ranges_len, lo, n));
		break;
	case TERN_QUIC_FT_CRYPTO:
		FUZZ_ASSERT(inside(f->crypto.data, f->crypto.len, lo, n));
		break;
	case TERN_QUIC_FT_NEW_TOKEN:
		FUZZ_ASSERT(f->new_token.len > 0);
		FUZZ_ASSERT(inside(f->new_token.token, f->new_token.len, lo, n));
		break;
	case TERN_QUIC_FT_STREAM:
		FUZZ_ASSERT(inside(f->stream.data, f->stream.len, lo, n));
		FUZZ_ASSERT(f->stream.offset + f->stream.len <= TERN_QUIC_MAX_OFFSET);
		break;
	case TERN_QUIC_FT_DATAGRAM:
		FUZZ_ASSERT(inside(f->datagram.data, f->datagram.len, lo, n));
		break;
	case TERN_QUIC_FT_NEW_CONNECTION_ID:
		FUZZ_ASSERT(f->new_cid.cid_len >= 1 && f->new_cid.cid_len <= 20);
		FUZZ_ASSERT(inside(f->new_cid.cid, f->new_cid.cid_len, lo, n));
		FUZZ_ASSERT(inside(f->new_cid.reset_token, TERN_QUIC_SRT_LEN, lo, n));
		break;
	case TERN_QUIC_FT_CONNECTION_CLOSE:
	case TERN_QUIC_FT_CONNECTION_CLOSE_APP:
		FUZZ_ASSERT(inside(f->close.reason, f->close.reason_len, lo, n));
		break;
	default:
		break;
	}
}

/* Walk the ranges, then rebuild them under a byte budget. */
static void
check_ack(const struct tern_quic_frame *f, size_t budget)
{
	static struct tern_quic_ack_range r[MAX_RANGES];
	static uint8_t buf[8192];
	struct tern_quic_ack_iter it;
	struct tern_quic_frame g;
	struct tern_rcursor c;
	struct tern_wcursor w;
	uint64_t s, l, count = 0, prev_smallest = 0, err;
	size_t n = 0, i;
	int k;

	tern_quic_ack_iter_init(&it, &f->ack);
	while (tern_quic_ack_range_next(&it, &s, &l)) {
		FUZZ_ASSERT(s <= l);
		if (count > 0)
			FUZZ_ASSERT(l + 2 <= prev_smallest);
		prev_smallest = s;
		if (n < MAX_RANGES)
			r[n++] = (struct tern_quic_ack_range){s, l};
		count++;
	}
	FUZZ_ASSERT(count == f->ack.range_count + 1);
	FUZZ_ASSERT(prev_smallest == f->ack.smallest);

	tern_wcursor_init(&w, buf, budget < sizeof(buf) ? budget : sizeof(buf));
	k = tern_quic_ack_frame_encode(&w, r, n, f->ack.ack_delay,
				       f->type == TERN_QUIC_FT_ACK_ECN ? &f->ack.ecn : NULL);
	if (k < 0) {
		FUZZ_ASSERT(k == -TERN_ENOBUFS && w.off == 0);
		FUZZ_ASSERT(tern_quic_ack_frame_size(
				    r, 1, f->ack.ack_delay,
				    f->type == TERN_QUIC_FT_ACK_ECN ? &f->ack.ecn : NULL) > budget);
		return;
	}
	FUZZ_ASSERT(k >= 1 && (size_t)k <= n);
	tern_rcursor_init(&c, buf, w.off);
	FUZZ_ASSERT(tern_quic_frame_parse(&c, TERN_QUIC_PKT_1RTT, &g, &err) == 0);
	FUZZ_ASSERT(c.off == w.off);
	FUZZ_ASSERT(g.type == f->type && g.ack.range_count == (uint64_t)k - 1);
	tern_quic_ack_iter_init(&it, &g.ack);
	for (i = 0; i < (size_t)k; i++) {
		FUZZ_ASSERT(tern_quic_ack_range_next(&it, &s, &l));
		FUZZ_ASSERT(s == r[i].smallest && l == r[i].largest);
	}
	FUZZ_ASSERT(!tern_quic_ack_range_next(&it, &s, &l));
}

static void
check_reencode(const struct tern_quic_frame *f, size_t took, enum tern_quic_pkt_type pt)
{
	size_t sz = tern_quic_frame_size(f);
	struct tern_quic_frame g;
	struct tern_rcursor c;
	struct tern_wcursor w;
	uint8_t *buf;
	uint64_t err;

	FUZZ_ASSERT(sz > 0 && sz <= took);
	buf = malloc(sz);
	FUZZ_ASSERT(buf != NULL);
	tern_wcursor_init(&w, buf, sz - 1);
	FUZZ_ASSERT(tern_quic_frame_encode(&w, f) == -TERN_ENOBUFS && w.off == 0);
	tern_wcursor_init(&w, buf, sz);
	FUZZ_ASSERT(tern_quic_frame_encode(&w, f) == 0);
	FUZZ_ASSERT(w.off == sz);
	tern_rcursor_init(&c, buf, sz);
	FUZZ_ASSERT(tern_quic_frame_parse(&c, pt, &g, &err) == 0);
	FUZZ_ASSERT(c.off == sz);
	FUZZ_ASSERT(frame_eq(f, &g));
	free(buf);
}

static void
run(const uint8_t *p, size_t n, enum tern_quic_pkt_type pt, size_t ack_budget)
{
	struct tern_rcursor c;
	struct tern_quic_frame f;
	uint64_t err;

	tern_rcursor_init(&c, p, n);
	while (tern_rcursor_left(&c) > 0) {
		size_t start = c.off;
		int rc = tern_quic_frame_parse(&c, pt, &f, &err);

		if (rc != 0) {
			FUZZ_ASSERT(rc == -TERN_EPROTO && c.off == start);
			FUZZ_ASSERT(err == TERN_QUIC_ERR_FRAME_ENCODING_ERROR ||
				    err == TERN_QUIC_ERR_PROTOCOL_VIOLATION ||
				    err == TERN_QUIC_ERR_CRYPTO_BUFFER_EXCEEDED);
			return;
		}
		FUZZ_ASSERT(c.off > start);
		FUZZ_ASSERT(tern_quic_frame_allowed(f.wire_type, pt));
		check_borrowed(&f, p + start, c.off - start);
		check_reencode(&f, c.off - start, pt);
		if (f.type == TERN_QUIC_FT_ACK || f.type == TERN_QUIC_FT_ACK_ECN)
			check_ack(&f, ack_budget);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum tern_quic_pkt_type pts[] = {TERN_QUIC_PKT_INITIAL,
						      TERN_QUIC_PKT_HANDSHAKE, TERN_QUIC_PKT_0RTT,
						      TERN_QUIC_PKT_1RTT};
	uint8_t *copy;
	size_t n, i;

	if (size < 1)
		return 0;
	n = size - 1;
	/* an exact-size heap copy: any over-read is an ASan report */
	copy = malloc(n > 0 ? n : 1);
	FUZZ_ASSERT(copy != NULL);
	if (n > 0)
		memcpy(copy, data + 1, n);
	for (i = 0; i < sizeof(pts) / sizeof(pts[0]); i++)
		run(n > 0 ? copy : NULL, n, pts[i], (size_t)data[0] * 4);
	free(copy);
	return 0;
}
