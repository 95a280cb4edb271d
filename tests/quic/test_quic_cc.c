/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Congestion control and pacing (dataplane/quic/quic_cc.h):
 * - initial and minimum windows (RFC 9002 7.2);
 * - NewReno slow start, one reduction per recovery period, congestion
 *   avoidance (+1 datagram per window acknowledged), application-limited
 *   freeze, persistent congestion (RFC 9002 7.3, 7.6, 7.8, B);
 * - CUBIC: K and W_cubic(t) against values computed by hand from RFC 9438
 *   equations 1 and 2, multiplicative decrease (beta 0.7), fast convergence,
 *   the Reno-friendly region, one step in the cubic region, and the window
 *   reaching W_max near t = K in a simulated flow;
 * - no growth while the window is underutilized, in slow start (less than
 *   half of it in flight) and congestion avoidance, for both controllers,
 *   and normal growth when the sender fills it (RFC 9002 7.8);
 * - the pacer's rate (1.25 * cwnd / srtt), burst allowance and next-send times.
 */

#include <string.h>

#include <tern/error.h>

#include "dataplane/quic/quic_cc.h"
#include "tern_test.h"

#define TEST_NAME "test_quic_cc"
#define MS	  1000000ULL
#define S	  1000000000ULL

static bool
near(double a, double b, double eps)
{
	return a - b < eps && b - a < eps;
}

/* Send datagrams at now until the window is full (a window-limited sender). */
static void
fill(struct tern_quic_cc *cc, uint64_t now)
{
	int i;

	for (i = 0; i < 100000 && tern_quic_cc_can_send(cc, 1200); i++)
		tern_quic_cc_on_packet_sent(cc, 1200, now);
}

/* One round trip: send n datagrams (0: fill the window) at now and have
 * them all acknowledged one RTT later. Returns the time after the round. */
static uint64_t
round_trip(struct tern_quic_cc *cc, int n, uint64_t now, uint64_t rtt)
{
	uint64_t sent;
	int i;

	if (n == 0) {
		uint64_t before = tern_quic_cc_bytes_in_flight(cc);

		fill(cc, now);
		sent = tern_quic_cc_bytes_in_flight(cc) - before;
	} else {
		for (i = 0; i < n; i++)
			tern_quic_cc_on_packet_sent(cc, 1200, now);
		sent = (uint64_t)n * 1200;
	}
	for (; sent >= 1200; sent -= 1200)
		tern_quic_cc_on_packet_acked(cc, 1200, now, now + rtt, rtt);
	return now + rtt + 1;
}

static void
test_windows(void)
{
	struct tern_quic_cc cc;

	CHECK_EQ(tern_quic_cc_initial_window(1200), 12000);
	CHECK_EQ(tern_quic_cc_initial_window(1500), 14720);
	CHECK_EQ(tern_quic_cc_initial_window(9000), 18000);
	CHECK_EQ(tern_quic_cc_init(&cc, (enum tern_quic_cc_algorithm)7, 1200), -TERN_EINVAL);
	CHECK_EQ(tern_quic_cc_init(&cc, TERN_QUIC_CC_NEWRENO, 100), 0);
	CHECK_EQ(cc.max_datagram_size, 1200); /* raised to the minimum */
	CHECK(strcmp(tern_quic_cc_name(&cc), "newreno") == 0);
	CHECK_EQ(tern_quic_cc_ssthresh(&cc), UINT64_MAX);
	{
		struct tern_quic_cc *p = tern_quic_cc_new(TERN_QUIC_CC_CUBIC, 1200);

		REQUIRE(p != NULL);
		CHECK(strcmp(tern_quic_cc_name(p), "cubic") == 0);
		CHECK_EQ(tern_quic_cc_cwnd(p), 12000);
		tern_quic_cc_free(p);
	}
}

static void
test_newreno(void)
{
	struct tern_quic_cc cc;
	int i;

	REQUIRE(tern_quic_cc_init(&cc, TERN_QUIC_CC_NEWRENO, 1200) == 0);
	/* slow start: a window's worth acknowledged doubles the window */
	for (i = 0; i < 10; i++) {
		CHECK(tern_quic_cc_can_send(&cc, 1200));
		tern_quic_cc_on_packet_sent(&cc, 1200, 1);
	}
	CHECK(!tern_quic_cc_can_send(&cc, 1200));
	CHECK_EQ(tern_quic_cc_send_quota(&cc), 0);
	CHECK_EQ(tern_quic_cc_bytes_in_flight(&cc), 12000);
	for (i = 0; i < 10; i++)
		tern_quic_cc_on_packet_acked(&cc, 1200, 1, 100, 50 * MS);
	CHECK_EQ(tern_quic_cc_cwnd(&cc), 24000);
	CHECK_EQ(tern_quic_cc_bytes_in_flight(&cc), 0);

	/* loss: halve, recovery period starts at now = 200 */
	tern_quic_cc_on_packet_sent(&cc, 1200, 150);
	tern_quic_cc_on_packet_sent(&cc, 1200, 150);
	tern_quic_cc_on_packet_removed(&cc, 1200);
	CHECK(tern_quic_cc_on_congestion_event(&cc, 150, 200));
	CHECK_EQ(tern_quic_cc_cwnd(&cc), 12000);
	CHECK_EQ(tern_quic_cc_ssthresh(&cc), 12000);
	CHECK(tern_quic_cc_in_recovery(&cc, 200));
	CHECK(!tern_quic_cc_in_recovery(&cc, 201));
	/* more losses of packets sent before it: no second reduction */
	CHECK(!tern_quic_cc_on_congestion_event(&cc, 190, 300));
	CHECK_EQ(tern_quic_cc_cwnd(&cc), 12000);
	/* acks of packets sent before it: no growth */
	tern_quic_cc_on_packet_acked(&cc, 1200, 150, 300, 50 * MS);
	CHECK_EQ(tern_quic_cc_cwnd(&cc), 12000);
	CHECK_EQ(tern_quic_cc_bytes_in_flight(&cc), 0);

	/* congestion avoidance: +1200 per 12000 bytes acknowledged */
	for (i = 0; i < 9; i++)
		tern_quic_cc_on_packet_acked(&cc, 1200, 400, 500, 50 * MS);
	CHECK_EQ(tern_quic_cc_cwnd(&cc), 12000);
	tern_quic_cc_on_packet_acked(&cc, 1200, 400, 500, 50 * MS);
	CHECK_EQ(tern_quic_cc_cwnd(&cc), 13200);
	/* the next increase needs a full 13200 */
	for (i = 0; i < 10; i++)
		tern_quic_cc_on_packet_acked(&cc, 1200, 400, 500, 50 * MS);
	CHECK_EQ(tern_quic_cc_cwnd(&cc), 13200);
	tern_quic_cc_on_packet_acked(&cc, 1200, 400, 500, 50 * MS);
	CHECK_EQ(tern_quic_cc_cwnd(&cc), 14400);

	/* application limited: frozen */
	tern_quic_cc_set_app_limited(&cc, true);
	for (i = 0; i < 50; i++)
		tern_quic_cc_on_packet_acked(&cc, 1200, 400, 500, 50 * MS);
	CHECK_EQ(tern_quic_cc_cwnd(&cc), 14400);
	tern_quic_cc_set_app_limited(&cc, false);

	/* persistent congestion: minimum window and the recovery period ends,
	 * so even old packets grow the window again (slow start below ssthresh) */
	tern_quic_cc_on_persistent_congestion(&cc, 600);
	CHECK_EQ(tern_quic_cc_cwnd(&cc), 2400);
	CHECK(!tern_quic_cc_in_recovery(&cc, 100));
	tern_quic_cc_on_packet_acked(&cc, 1200, 100, 700, 50 * MS);
	CHECK_EQ(tern_quic_cc_cwnd(&cc), 3600);
	/* the window never drops below kMinimumWindow */
	CHECK(tern_quic_cc_on_congestion_event(&cc, 800, 900));
	CHECK_EQ(tern_quic_cc_cwnd(&cc), 2400);
	CHECK_EQ(tern_quic_cc_ssthresh(&cc), 1800);
	CHECK_EQ(cc.congestion_events, 2);
	CHECK_EQ(cc.persistent_congestions, 1);
	/* bytes in flight never underflow */
	tern_quic_cc_on_packet_removed(&cc, 5000);
	CHECK_EQ(tern_quic_cc_bytes_in_flight(&cc), 0);
}

static void
test_cubic_formulas(void)
{
	/* RFC 9438 eq. 2: K = cbrt((W_max - cwnd_epoch) / C); with W_max 100,
	 * cwnd_epoch 70 (beta 0.7): cbrt(75) = 4.217163326508746 */
	double k = tern_quic_cubic_k(100.0, 70.0);

	CHECK(near(k, 4.217163326508746, 1e-9));
	CHECK(near(tern_quic_cubic_k(59.5, 50.0), 2.8744485394724153, 1e-9));
	CHECK(tern_quic_cubic_k(50.0, 60.0) == 0.0);
	CHECK(tern_quic_cubic_k(50.0, 50.0) == 0.0);
	/* eq. 1: W(t) = C (t - K)^3 + W_max */
	CHECK(near(tern_quic_cubic_w(0.0, k, 100.0), 70.0, 1e-9));
	CHECK(near(tern_quic_cubic_w(k, k, 100.0), 100.0, 1e-12));
	CHECK(near(tern_quic_cubic_w(1.0, k, 100.0), 86.68076383512988, 1e-9));
	CHECK(near(tern_quic_cubic_w(1.1, k, 100.0), 87.88457465954372, 1e-9));
	CHECK(near(tern_quic_cubic_w(10.0, k, 100.0), 177.35399908835427, 1e-9));
}

static void
test_cubic(void)
{
	struct tern_quic_cc cc;
	uint64_t t0 = 10 * S;

	REQUIRE(tern_quic_cc_init(&cc, TERN_QUIC_CC_CUBIC, 1200) == 0);
	cc.cwnd = 120000; /* 100 segments */
	/* multiplicative decrease (4.6): beta 0.7; W_max = 100 */
	CHECK(tern_quic_cc_on_congestion_event(&cc, 0, 1));
	CHECK_EQ(tern_quic_cc_cwnd(&cc), 84000);
	CHECK_EQ(tern_quic_cc_ssthresh(&cc), 84000);
	CHECK(near(cc.u.cubic.w_max, 100.0, 1e-9));

	fill(&cc, 2); /* the sender uses its window (RFC 9002 7.8) */
	/* first ack in congestion avoidance starts the epoch at t0, where
	 * W_cubic(0) = 70 < W_est = 70 + alpha/70 with alpha = 3*0.3/1.7:
	 * the Reno-friendly region sets cwnd to W_est (4.3): +9.0756 bytes */
	tern_quic_cc_on_packet_acked(&cc, 1200, 2, t0, 100 * MS);
	CHECK(near(cc.u.cubic.k, 4.217163326508746, 1e-9));
	CHECK_EQ(tern_quic_cc_cwnd(&cc), 84009);
	/* one second later W_cubic(1) = 86.68 > W_est: cubic region (4.4);
	 * target W_cubic(1 + 0.1) = 87.8846, growth (target - cwnd) / cwnd
	 * segments per segment acked = 306.43 bytes (+ the carried fraction) */
	tern_quic_cc_on_packet_acked(&cc, 1200, 2, t0 + S, 100 * MS);
	CHECK_EQ(tern_quic_cc_cwnd(&cc), 84315);

	/* fast convergence (4.7): a loss below W_max lowers W_max to
	 * cwnd * (1 + beta) / 2 */
	cc.cwnd = 84000;
	CHECK(tern_quic_cc_on_congestion_event(&cc, t0 + S, t0 + S + 1));
	CHECK(near(cc.u.cubic.w_max, 70.0 * 1.7 / 2.0, 1e-9));
	CHECK_EQ(tern_quic_cc_cwnd(&cc), 58800);

	/* persistent congestion: minimum window, slow start to ssthresh */
	tern_quic_cc_on_persistent_congestion(&cc, t0 + 2 * S);
	CHECK_EQ(tern_quic_cc_cwnd(&cc), 2400);
	tern_quic_cc_on_packet_acked(&cc, 1200, t0 + 2 * S + 1, t0 + 3 * S, 100 * MS);
	CHECK_EQ(tern_quic_cc_cwnd(&cc), 3600);
}

/* A flow that acknowledges a window per RTT in 10 ms steps: after a loss at
 * 100 segments the window follows W_cubic and is back near W_max at K. */
static void
test_cubic_curve(void)
{
	struct tern_quic_cc cc;
	uint64_t now = S, srtt = 100 * MS, t_epoch = 0;
	double k = tern_quic_cubic_k(100.0, 70.0), at_k = 0, at_2k = 0;
	int step;

	REQUIRE(tern_quic_cc_init(&cc, TERN_QUIC_CC_CUBIC, 1200) == 0);
	cc.cwnd = 120000;
	CHECK(tern_quic_cc_on_congestion_event(&cc, 0, now));
	for (step = 0; step < 1000; step++) {
		uint64_t acked = cc.cwnd / 10; /* a tenth of the window per 10 ms */
		double t;

		fill(&cc, now); /* window limited */
		now += 10 * MS;
		while (acked >= 1200) {
			tern_quic_cc_on_packet_acked(&cc, 1200, now - 1, now, srtt);
			acked -= 1200;
		}
		if (t_epoch == 0)
			t_epoch = cc.u.cubic.epoch_start;
		t = (double)(now - t_epoch) / 1e9;
		if (at_k == 0 && t >= k)
			at_k = (double)cc.cwnd / 1200.0;
		if (at_2k == 0 && t >= 2 * k)
			at_2k = (double)cc.cwnd / 1200.0;
	}
	/* around the plateau the window is close to W_max = 100 segments */
	CHECK(at_k > 97.0 && at_k < 106.0);
	/* and well into the convex region by 2K (W_cubic(2K) = 130) */
	CHECK(at_2k > 125.0 && at_2k < 150.0);
}

/* RFC 9002 7.8: an underutilized window does not grow, in slow start or
 * congestion avoidance, for both controllers; a sender that fills its
 * window grows as before (doubling per round in slow start). */
static void
test_underutilized(enum tern_quic_cc_algorithm algo)
{
	struct tern_quic_cc cc;
	uint64_t now = S, rtt = 50 * MS, w;
	int r;

	/* slow start, a sender with two datagrams per RTT: frozen at 12000
	 * (it used to gain 2400 per round) */
	REQUIRE(tern_quic_cc_init(&cc, algo, 1200) == 0);
	for (r = 0; r < 20; r++)
		now = round_trip(&cc, 2, now, rtt);
	CHECK_EQ(tern_quic_cc_cwnd(&cc), 12000);
	/* half the window in flight counts as used in slow start */
	now = round_trip(&cc, 6, now, rtt);
	CHECK(tern_quic_cc_cwnd(&cc) > 12000);

	/* slow start, window limited: doubles every round */
	REQUIRE(tern_quic_cc_init(&cc, algo, 1200) == 0);
	for (r = 0; r < 4; r++)
		now = round_trip(&cc, 0, now, rtt);
	CHECK_EQ(tern_quic_cc_cwnd(&cc), 12000 << 4);
	/* then the application goes quiet: at most the round it was last
	 * limited in still counts, after that the window holds */
	for (r = 0; r < 2; r++)
		now = round_trip(&cc, 4, now, rtt);
	w = tern_quic_cc_cwnd(&cc);
	CHECK(w <= (12000 << 4) + 2 * 4800);
	for (r = 0; r < 20; r++)
		now = round_trip(&cc, 4, now, rtt);
	CHECK_EQ(tern_quic_cc_cwnd(&cc), w);

	/* congestion avoidance at 100 datagrams, 20 in flight per RTT: frozen */
	REQUIRE(tern_quic_cc_init(&cc, algo, 1200) == 0);
	CHECK(tern_quic_cc_on_congestion_event(&cc, 0, 1)); /* enter avoidance */
	cc.cwnd = 120000;
	cc.ssthresh = 120000;
	for (r = 0; r < 50; r++)
		now = round_trip(&cc, 20, now, rtt);
	CHECK_EQ(tern_quic_cc_cwnd(&cc), 120000);
	/* nor does a sender that stops one datagram past the slack */
	for (r = 0; r < 20; r++)
		now = round_trip(&cc, 100 - TERN_QUIC_CC_LIMIT_SLACK - 1, now, rtt);
	CHECK_EQ(tern_quic_cc_cwnd(&cc), 120000);
	/* window limited: grows (NewReno exactly one datagram per round) */
	for (r = 0; r < 5; r++)
		now = round_trip(&cc, 0, now, rtt);
	if (algo == TERN_QUIC_CC_NEWRENO)
		CHECK_EQ(tern_quic_cc_cwnd(&cc), 120000 + 5 * 1200);
	else
		CHECK(tern_quic_cc_cwnd(&cc) > 120000 + 1200);
}

static void
test_pacer(void)
{
	struct tern_quic_pacer p;
	int i;

	tern_quic_pacer_init(&p, 1200);
	/* no RTT yet: not paced */
	CHECK_EQ(tern_quic_pacer_next_send(&p, 5, 1200), 5);
	CHECK(tern_quic_pacer_rate(&p) == UINT64_MAX);

	/* 1.25 * 120000 B / 100 ms = 1.5 MB/s: 1200 B every 800 us */
	tern_quic_pacer_set_rate(&p, 120000, 100 * MS);
	CHECK_EQ(tern_quic_pacer_rate(&p), 1500000);
	for (i = 0; i < TERN_QUIC_PACER_BURST; i++) {
		CHECK_EQ(tern_quic_pacer_next_send(&p, 1000, 1200), 1000);
		tern_quic_pacer_on_sent(&p, 1000, 1200);
	}
	/* the burst is spent */
	CHECK_EQ(tern_quic_pacer_next_send(&p, 1000, 1200), 1000 + 800000);
	/* half the interval later half the tokens are back */
	CHECK_EQ(tern_quic_pacer_next_send(&p, 1000 + 400000, 1200), 1000 + 800000);
	tern_quic_pacer_on_sent(&p, 1000 + 800000, 1200);
	CHECK_EQ(tern_quic_pacer_next_send(&p, 1000 + 800000, 1200), 1000 + 1600000);
	/* a long idle period refills only the burst allowance */
	for (i = 0; i < TERN_QUIC_PACER_BURST; i++) {
		CHECK_EQ(tern_quic_pacer_next_send(&p, 10 * S, 1200), 10 * S);
		tern_quic_pacer_on_sent(&p, 10 * S, 1200);
	}
	CHECK_EQ(tern_quic_pacer_next_send(&p, 10 * S, 1200), 10 * S + 800000);
	/* a doubled window halves the interval */
	tern_quic_pacer_set_rate(&p, 240000, 100 * MS);
	CHECK_EQ(tern_quic_pacer_next_send(&p, 10 * S, 1200), 10 * S + 400000);
	/* a smaller packet needs less */
	CHECK_EQ(tern_quic_pacer_next_send(&p, 10 * S, 600), 10 * S + 200000);
}

int
main(void)
{
	test_windows();
	test_newreno();
	test_cubic_formulas();
	test_cubic();
	test_cubic_curve();
	test_underutilized(TERN_QUIC_CC_NEWRENO);
	test_underutilized(TERN_QUIC_CC_CUBIC);
	test_pacer();
	return tern_test_done(TEST_NAME);
}
