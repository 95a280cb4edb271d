/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ACK generation (dataplane/quic/quic_ack.h, RFC 9000 13.2):
 * - range merging in every insertion order, duplicates, the range limit and
 *   the duplicate floor it leaves;
 * - when an ACK is due: Initial/Handshake at once, AppData every 2nd
 *   ack-eliciting packet or after max_ack_delay, reordering and gaps at
 *   once, ECN-CE at once, non-ack-eliciting never;
 * - the written frame, checked byte by byte (RFC 9000 19.3) and through the
 *   frame parser's range iterator; ACK Delay scaling; byte budgets that drop
 *   the oldest ranges; ACK_ECN counts; pruning after an ACK of an ACK.
 */

#include <tern/error.h>

#include "dataplane/cursor.h"
#include "dataplane/quic/quic_ack.h"
#include "dataplane/quic/quic_frame.h"
#include "tern_test.h"

#define TEST_NAME "test_quic_ack"
#define MS	  1000000ULL

static void
recv_pn(struct tern_quic_ack_tracker *t, uint64_t pn, bool elicit, uint64_t now)
{
	CHECK(!tern_quic_ack_on_pkt_received(t, pn, elicit, TERN_QUIC_ECN_NOT_ECT, now));
}

static bool
ranges_are(const struct tern_quic_ack_tracker *t, const uint64_t *want, unsigned npairs)
{
	unsigned n, i;
	const struct tern_quic_ack_range *r = tern_quic_ack_ranges(t, &n);

	if (n != npairs)
		return false;
	for (i = 0; i < n; i++)
		if (r[i].smallest != want[2 * i] || r[i].largest != want[2 * i + 1])
			return false;
	return true;
}

static void
test_merge(void)
{
	struct tern_quic_ack_tracker t;

	tern_quic_ack_init(&t, TERN_QUIC_PN_APP, 25 * MS);
	CHECK_EQ(tern_quic_ack_largest(&t), -1);
	recv_pn(&t, 5, true, 0);
	recv_pn(&t, 3, true, 0);
	{
		static const uint64_t w[] = {5, 5, 3, 3};
		CHECK(ranges_are(&t, w, 2));
	}
	recv_pn(&t, 4, true, 0); /* bridges both */
	{
		static const uint64_t w[] = {3, 5};
		CHECK(ranges_are(&t, w, 1));
	}
	recv_pn(&t, 1, true, 0);
	recv_pn(&t, 7, true, 0);
	{
		static const uint64_t w[] = {7, 7, 3, 5, 1, 1};
		CHECK(ranges_are(&t, w, 3));
	}
	recv_pn(&t, 6, true, 0); /* extends down and merges */
	recv_pn(&t, 2, true, 0);
	recv_pn(&t, 0, true, 0); /* extends the lowest range downward */
	recv_pn(&t, 8, true, 0); /* extends the top range upward */
	{
		static const uint64_t w[] = {0, 8};
		CHECK(ranges_are(&t, w, 1));
	}
	CHECK_EQ(tern_quic_ack_largest(&t), 8);
	/* duplicates are reported and change nothing */
	CHECK(tern_quic_ack_is_duplicate(&t, 4));
	CHECK(tern_quic_ack_on_pkt_received(&t, 4, true, TERN_QUIC_ECN_NOT_ECT, 0));
	CHECK(tern_quic_ack_on_pkt_received(&t, 0, true, TERN_QUIC_ECN_NOT_ECT, 0));
	CHECK(!tern_quic_ack_is_duplicate(&t, 9));
	recv_pn(&t, 10, true, 0);
	recv_pn(&t, 12, false, 0);
	{
		static const uint64_t w[] = {12, 12, 10, 10, 0, 8};
		CHECK(ranges_are(&t, w, 3));
	}
}

static void
test_range_limit(void)
{
	struct tern_quic_ack_tracker t;
	unsigned i, n;
	const struct tern_quic_ack_range *r;

	tern_quic_ack_init(&t, TERN_QUIC_PN_APP, 25 * MS);
	/* even pns only: every packet makes its own range */
	for (i = 0; i < TERN_QUIC_ACK_MAX_RANGES + 8; i++)
		recv_pn(&t, 2 * i, false, 0);
	r = tern_quic_ack_ranges(&t, &n);
	CHECK_EQ(n, TERN_QUIC_ACK_MAX_RANGES);
	CHECK_EQ(r[0].largest, 2 * (TERN_QUIC_ACK_MAX_RANGES + 7));
	CHECK_EQ(r[n - 1].smallest, 16); /* pns 0..14 forgotten */
	/* forgotten pns, received or not, are duplicates from now on */
	CHECK(tern_quic_ack_is_duplicate(&t, 14));
	CHECK(tern_quic_ack_is_duplicate(&t, 13));
	CHECK(!tern_quic_ack_is_duplicate(&t, 17));
	CHECK(tern_quic_ack_on_pkt_received(&t, 1, true, TERN_QUIC_ECN_NOT_ECT, 0));
	/* a pn below every range when full is not kept: floor moves up */
	recv_pn(&t, 15, true, 0);
	r = tern_quic_ack_ranges(&t, &n);
	CHECK_EQ(n, TERN_QUIC_ACK_MAX_RANGES);
	CHECK_EQ(r[n - 1].smallest, 15); /* 15 merged with 16 */
	recv_pn(&t, 2 * (TERN_QUIC_ACK_MAX_RANGES + 9), true, 0);
	r = tern_quic_ack_ranges(&t, &n);
	CHECK_EQ(n, TERN_QUIC_ACK_MAX_RANGES);
	CHECK(tern_quic_ack_is_duplicate(&t, 16));
}

static void
test_deadlines(void)
{
	struct tern_quic_ack_tracker t;
	uint8_t buf[64];
	struct tern_wcursor w;

	/* Initial: ack-eliciting packets are acknowledged at once */
	tern_quic_ack_init(&t, TERN_QUIC_PN_INITIAL, 25 * MS);
	recv_pn(&t, 0, false, 100);
	CHECK_EQ(tern_quic_ack_deadline(&t), TERN_QUIC_TIME_NEVER);
	CHECK(tern_quic_ack_pending(&t));
	recv_pn(&t, 1, true, 100);
	CHECK_EQ(tern_quic_ack_deadline(&t), 100);
	CHECK(tern_quic_ack_due(&t, 100));

	/* AppData: first ack-eliciting packet waits max_ack_delay */
	tern_quic_ack_init(&t, TERN_QUIC_PN_APP, 25 * MS);
	CHECK(!tern_quic_ack_pending(&t));
	recv_pn(&t, 0, true, 1000);
	CHECK_EQ(tern_quic_ack_deadline(&t), 1000 + 25 * MS);
	CHECK(!tern_quic_ack_due(&t, 1000 + 25 * MS - 1));
	CHECK(tern_quic_ack_due(&t, 1000 + 25 * MS));
	/* non-ack-eliciting packets do not move it */
	recv_pn(&t, 1, false, 2000);
	CHECK_EQ(tern_quic_ack_deadline(&t), 1000 + 25 * MS);
	/* the second ack-eliciting packet makes it due now */
	recv_pn(&t, 2, true, 3000);
	CHECK_EQ(tern_quic_ack_deadline(&t), 3000);
	/* writing the ACK resets everything */
	tern_wcursor_init(&w, buf, sizeof(buf));
	CHECK(tern_quic_ack_write(&t, &w, 3, 3000) > 0);
	CHECK_EQ(tern_quic_ack_deadline(&t), TERN_QUIC_TIME_NEVER);
	CHECK(!tern_quic_ack_pending(&t));
	recv_pn(&t, 3, true, 4000);
	CHECK_EQ(tern_quic_ack_deadline(&t), 4000 + 25 * MS);

	/* a gap below a new packet: at once */
	recv_pn(&t, 5, false, 5000); /* not ack-eliciting: no effect */
	CHECK_EQ(tern_quic_ack_deadline(&t), 4000 + 25 * MS);
	tern_wcursor_init(&w, buf, sizeof(buf));
	CHECK(tern_quic_ack_write(&t, &w, 3, 5000) > 0);
	recv_pn(&t, 7, true, 6000); /* 4 and 6 missing below it */
	CHECK_EQ(tern_quic_ack_deadline(&t), 6000);
	tern_wcursor_init(&w, buf, sizeof(buf));
	CHECK(tern_quic_ack_write(&t, &w, 3, 6000) > 0);
	/* a packet below the largest ack-eliciting one: reordered, at once */
	recv_pn(&t, 6, true, 7000);
	CHECK_EQ(tern_quic_ack_deadline(&t), 7000);
	tern_wcursor_init(&w, buf, sizeof(buf));
	CHECK(tern_quic_ack_write(&t, &w, 3, 7000) > 0);
	/* in order again: delayed */
	recv_pn(&t, 8, true, 8000);
	CHECK_EQ(tern_quic_ack_deadline(&t), 8000 + 25 * MS);
	/* ECN-CE: at once */
	CHECK(!tern_quic_ack_on_pkt_received(&t, 9, true, TERN_QUIC_ECN_CE, 9000));
	CHECK_EQ(tern_quic_ack_deadline(&t), 9000);

	/* threshold 4 */
	tern_quic_ack_init(&t, TERN_QUIC_PN_APP, 10 * MS);
	tern_quic_ack_set_threshold(&t, 4);
	recv_pn(&t, 0, true, 0);
	recv_pn(&t, 1, true, 1);
	recv_pn(&t, 2, true, 2);
	CHECK_EQ(tern_quic_ack_deadline(&t), 10 * MS);
	recv_pn(&t, 3, true, 3);
	CHECK_EQ(tern_quic_ack_deadline(&t), 3);
}

/* Decode an ACK frame by hand (RFC 9000 19.3) into ranges. */
static int
decode_ack(const uint8_t *buf, size_t len, uint64_t *delay, struct tern_quic_ack_range *out,
	   unsigned cap, struct tern_quic_ack_ecn *ecn, bool *has_ecn)
{
	struct tern_rcursor c;
	uint64_t type, largest, count, first, i, gap, rlen, smallest;

	tern_rcursor_init(&c, buf, len);
	if (!tern_rcursor_varint(&c, &type) || (type != 2 && type != 3) ||
	    !tern_rcursor_varint(&c, &largest) || !tern_rcursor_varint(&c, delay) ||
	    !tern_rcursor_varint(&c, &count) || !tern_rcursor_varint(&c, &first) ||
	    first > largest || count + 1 > cap)
		return -1;
	out[0].largest = largest;
	out[0].smallest = smallest = largest - first;
	for (i = 1; i <= count; i++) {
		if (!tern_rcursor_varint(&c, &gap) || !tern_rcursor_varint(&c, &rlen) ||
		    gap + 2 > smallest || rlen > smallest - gap - 2)
			return -1;
		out[i].largest = smallest - gap - 2;
		out[i].smallest = smallest = out[i].largest - rlen;
	}
	*has_ecn = type == 3;
	if (type == 3 &&
	    (!tern_rcursor_varint(&c, &ecn->ect0) || !tern_rcursor_varint(&c, &ecn->ect1) ||
	     !tern_rcursor_varint(&c, &ecn->ce)))
		return -1;
	if (tern_rcursor_left(&c) != 0)
		return -1;
	return (int)(count + 1);
}

static void
test_write(void)
{
	struct tern_quic_ack_tracker t;
	struct tern_quic_ack_range got[TERN_QUIC_ACK_MAX_RANGES];
	struct tern_quic_ack_ecn ecn;
	uint8_t buf[512];
	struct tern_wcursor w;
	uint64_t delay;
	bool has_ecn;
	int len, n;
	unsigned i;

	tern_quic_ack_init(&t, TERN_QUIC_PN_APP, 25 * MS);
	tern_wcursor_init(&w, buf, sizeof(buf));
	CHECK_EQ(tern_quic_ack_write(&t, &w, 3, 0), -TERN_EAGAIN);
	CHECK_EQ(w.off, 0);

	/* ranges [100,105] [90,95] [10,10] [0,3]; largest at t = 1 ms */
	for (i = 0; i <= 3; i++)
		recv_pn(&t, i, true, 0);
	recv_pn(&t, 10, true, 0);
	for (i = 90; i <= 95; i++)
		recv_pn(&t, i, true, 0);
	for (i = 100; i <= 105; i++)
		recv_pn(&t, i, true, 1 * MS);
	/* 800 us later with exponent 3: ACK Delay field 100 */
	len = tern_quic_ack_write(&t, &w, 3, 1 * MS + 800000);
	CHECK(len > 0);
	CHECK_EQ(len, w.off);
	/* 02 | 40 69 (105) | 40 64 (100) | 03 | 05 | gap 3, len 5 | gap 78, len 0 | gap 5, len 3 */
	{
		static const uint8_t want[] = {0x02, 0x40, 0x69, 0x40, 0x64, 0x03, 0x05,
					       0x03, 0x05, 0x40, 0x4e, 0x00, 0x05, 0x03};
		CHECK_EQ(len, sizeof(want));
		CHECK_MEM(buf, want, sizeof(want));
	}
	n = decode_ack(buf, (size_t)len, &delay, got, TERN_QUIC_ACK_MAX_RANGES, &ecn, &has_ecn);
	CHECK_EQ(n, 4);
	CHECK_EQ(delay, 100);
	CHECK(!has_ecn);
	CHECK_EQ(got[1].smallest, 90);
	CHECK_EQ(got[2].largest, 10);
	CHECK_EQ(got[3].smallest, 0);
	CHECK_EQ(tern_quic_ack_delay_decode(delay, 3), 800000);

	/* the frame parser reads the same ranges back */
	{
		struct tern_rcursor c;
		struct tern_quic_frame f;
		struct tern_quic_ack_iter it;
		uint64_t err = 0, s, l;
		int k = 0;

		tern_rcursor_init(&c, buf, (size_t)len);
		CHECK_EQ(tern_quic_frame_parse(&c, TERN_QUIC_PKT_1RTT, &f, &err), 0);
		CHECK_EQ(f.type, TERN_QUIC_FT_ACK);
		CHECK_EQ(f.ack.ack_delay, 100);
		tern_quic_ack_iter_init(&it, &f.ack);
		while (tern_quic_ack_range_next(&it, &s, &l)) {
			if (k < n) {
				CHECK_EQ(s, got[k].smallest);
				CHECK_EQ(l, got[k].largest);
			}
			k++;
		}
		CHECK_EQ(k, n);
	}

	/* a budget of 11 bytes keeps the two newest ranges only */
	tern_wcursor_init(&w, buf, 11);
	len = tern_quic_ack_write(&t, &w, 3, 1 * MS + 800000);
	CHECK_EQ(len, 9);
	n = decode_ack(buf, (size_t)len, &delay, got, TERN_QUIC_ACK_MAX_RANGES, &ecn, &has_ecn);
	CHECK_EQ(n, 2);
	CHECK_EQ(got[1].smallest, 90);
	/* 5 bytes cannot hold even the first range: nothing written */
	recv_pn(&t, 106, true, 2 * MS);
	tern_wcursor_init(&w, buf, 5);
	CHECK_EQ(tern_quic_ack_write(&t, &w, 3, 2 * MS), -TERN_ENOBUFS);
	CHECK_EQ(w.off, 0);
	CHECK(tern_quic_ack_pending(&t)); /* still owed */

	/* ACK of ACK: stop reporting up to 95 */
	tern_quic_ack_on_ack_acked(&t, 95);
	{
		static const uint64_t wnt[] = {100, 106};
		CHECK(ranges_are(&t, wnt, 1));
	}
	CHECK(tern_quic_ack_is_duplicate(&t, 50));
	CHECK_EQ(tern_quic_ack_largest(&t), 106);
	tern_quic_ack_on_ack_acked(&t, 102); /* splits the range */
	{
		static const uint64_t wnt[] = {103, 106};
		CHECK(ranges_are(&t, wnt, 1));
	}
	tern_quic_ack_on_ack_acked(&t, 200);
	CHECK_EQ(tern_quic_ack_largest(&t), 106); /* kept for pn decoding */
	tern_wcursor_init(&w, buf, sizeof(buf));
	CHECK_EQ(tern_quic_ack_write(&t, &w, 3, 0), -TERN_EAGAIN);

	/* ECN counts switch to ACK_ECN */
	tern_quic_ack_init(&t, TERN_QUIC_PN_APP, 25 * MS);
	CHECK(!tern_quic_ack_on_pkt_received(&t, 0, true, TERN_QUIC_ECN_ECT0, 0));
	CHECK(!tern_quic_ack_on_pkt_received(&t, 1, true, TERN_QUIC_ECN_ECT0, 0));
	CHECK(!tern_quic_ack_on_pkt_received(&t, 2, true, TERN_QUIC_ECN_CE, 0));
	CHECK(!tern_quic_ack_on_pkt_received(&t, 3, true, TERN_QUIC_ECN_ECT1, 0));
	tern_wcursor_init(&w, buf, sizeof(buf));
	len = tern_quic_ack_write(&t, &w, 0, 0);
	n = decode_ack(buf, (size_t)len, &delay, got, TERN_QUIC_ACK_MAX_RANGES, &ecn, &has_ecn);
	CHECK_EQ(n, 1);
	CHECK(has_ecn);
	CHECK_EQ(ecn.ect0, 2);
	CHECK_EQ(ecn.ect1, 1);
	CHECK_EQ(ecn.ce, 1);
	CHECK_EQ(delay, 0);
}

static void
test_delay_decode(void)
{
	CHECK_EQ(tern_quic_ack_delay_decode(0, 20), 0);
	CHECK_EQ(tern_quic_ack_delay_decode(1, 0), 1000);
	CHECK_EQ(tern_quic_ack_delay_decode(25000 >> 3, 3), 25 * MS);
	CHECK(tern_quic_ack_delay_decode((1ULL << 62) - 1, 20) == UINT64_MAX);
	CHECK(tern_quic_ack_delay_decode(1ULL << 55, 0) == UINT64_MAX);
	CHECK_EQ(tern_quic_ack_delay_decode(1ULL << 50, 0), (1ULL << 50) * 1000);
}

int
main(void)
{
	test_merge();
	test_range_limit();
	test_deadlines();
	test_write();
	test_delay_decode();
	return tern_test_done(TEST_NAME);
}
