/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CUBIC (RFC 9438) on top of the shared QUIC rules of quic_cc.c.
 *
 * Windows are converted to segments of max_datagram_size and times to
 * seconds, and the curve is evaluated in double precision exactly as RFC
 * 9438 4 writes it; the resulting growth is applied to the byte window,
 * carrying fractions of a byte to the next ACK so that many small
 * increments are not lost to rounding. Slow start is RFC 9002's (cwnd +=
 * acked bytes); HyStart++ is not used.
 */

#include "dataplane/quic/quic_cc.h"

#define NS_PER_S 1e9

/* alpha_cubic for the Reno-friendly region (RFC 9438 4.3). */
#define CUBIC_ALPHA (3.0 * (1.0 - TERN_QUIC_CUBIC_BETA) / (1.0 + TERN_QUIC_CUBIC_BETA))

/* Cube root of x >= 0 by Newton's method from above (no libm needed). */
static double
cbrt_pos(double x)
{
	double y = 1.0;
	int i;

	if (!(x > 0.0))
		return 0.0;
	while (y * y * y < x)
		y *= 2.0;
	for (i = 0; i < 200; i++) {
		double next = (2.0 * y + x / (y * y)) / 3.0;

		if (next >= y)
			break;
		y = next;
	}
	return y;
}

double
tern_quic_cubic_k(double w_max, double cwnd_epoch)
{
	if (cwnd_epoch >= w_max)
		return 0.0;
	return cbrt_pos((w_max - cwnd_epoch) / TERN_QUIC_CUBIC_C);
}

double
tern_quic_cubic_w(double t, double k, double w_max)
{
	double d = t - k;

	return TERN_QUIC_CUBIC_C * d * d * d + w_max;
}

static uint64_t
min_window(const struct tern_quic_cc *cc)
{
	return 2 * cc->max_datagram_size; /* kMinimumWindow (RFC 9002 7.2) */
}

static void
cubic_init(struct tern_quic_cc *cc)
{
	struct tern_quic_cubic *c = &cc->u.cubic;

	c->w_max = 0.0;
	c->w_last_max = 0.0;
	c->k = 0.0;
	c->cwnd_epoch = 0.0;
	c->w_est = 0.0;
	c->cwnd_prior = 0.0;
	c->epoch_start = 0;
	c->inc_frac = 0.0;
	c->in_epoch = false;
}

static void
add_bytes(struct tern_quic_cc *cc, double inc)
{
	struct tern_quic_cubic *c = &cc->u.cubic;
	uint64_t whole;

	if (!(inc > 0.0))
		return;
	inc += c->inc_frac;
	whole = (uint64_t)inc;
	c->inc_frac = inc - (double)whole;
	cc->cwnd += whole;
}

static void
cubic_on_ack(struct tern_quic_cc *cc, uint64_t bytes, uint64_t now, uint64_t srtt)
{
	struct tern_quic_cubic *c = &cc->u.cubic;
	double mss = (double)cc->max_datagram_size;
	double cwnd, acked, t, rtt, target, alpha;

	if (cc->cwnd < cc->ssthresh) {
		cc->cwnd += bytes; /* slow start (RFC 9002 7.3.1, RFC 9438 4.10) */
		return;
	}
	cwnd = (double)cc->cwnd / mss;
	acked = (double)bytes / mss;
	if (!c->in_epoch) {
		/* A congestion-avoidance stage begins (RFC 9438 4.2): without an
		 * earlier reduction, the curve starts at its plateau. */
		c->in_epoch = true;
		c->epoch_start = now;
		c->cwnd_epoch = cwnd;
		if (c->w_max < cwnd) {
			c->w_max = cwnd;
			c->k = 0.0;
		} else {
			c->k = tern_quic_cubic_k(c->w_max, cwnd);
		}
		c->w_est = cwnd;
		c->inc_frac = 0.0;
	}
	t = now > c->epoch_start ? (double)(now - c->epoch_start) / NS_PER_S : 0.0;
	rtt = (double)srtt / NS_PER_S;

	/* Reno-friendly estimate (4.3); alpha becomes 1 once W_est reaches
	 * the window at the last reduction. */
	alpha = c->w_est >= c->cwnd_prior ? 1.0 : CUBIC_ALPHA;
	c->w_est += alpha * acked / cwnd;

	if (tern_quic_cubic_w(t, c->k, c->w_max) < c->w_est) {
		if (c->w_est > cwnd)
			add_bytes(cc, (c->w_est - cwnd) * mss);
		return;
	}
	/* Concave and convex regions (4.4, 4.5): aim at W_cubic(t + RTT),
	 * clamped to [cwnd, 1.5 * cwnd], growing (target - cwnd) / cwnd per
	 * acknowledged segment. */
	target = tern_quic_cubic_w(t + rtt, c->k, c->w_max);
	if (target < cwnd)
		target = cwnd;
	if (target > 1.5 * cwnd)
		target = 1.5 * cwnd;
	add_bytes(cc, (target - cwnd) / cwnd * acked * mss);
}

static void
cubic_on_congestion_event(struct tern_quic_cc *cc, uint64_t now)
{
	struct tern_quic_cubic *c = &cc->u.cubic;
	double cwnd = (double)cc->cwnd / (double)cc->max_datagram_size;
	uint64_t ssthresh;

	(void)now;
	/* Fast convergence (4.7): a flow whose window keeps shrinking
	 * releases bandwidth by aiming lower. */
	if (cwnd < c->w_max)
		c->w_max = cwnd * (1.0 + TERN_QUIC_CUBIC_BETA) / 2.0;
	else
		c->w_max = cwnd;
	c->w_last_max = c->w_max;
	c->cwnd_prior = cwnd;
	/* Multiplicative decrease (4.6) by beta_cubic = 7/10, in integers so
	 * that no rounding of 0.7 shaves a byte; never below kMinimumWindow. */
	ssthresh = cc->cwnd / 10 * 7 + cc->cwnd % 10 * 7 / 10;
	if (ssthresh < min_window(cc))
		ssthresh = min_window(cc);
	cc->ssthresh = ssthresh;
	cc->cwnd = ssthresh;
	c->in_epoch = false;
	c->inc_frac = 0.0;
}

static void
cubic_on_persistent_congestion(struct tern_quic_cc *cc, uint64_t now)
{
	struct tern_quic_cubic *c = &cc->u.cubic;

	(void)now;
	/* RFC 9002 7.6.2: collapse to the minimum window and slow-start back
	 * to ssthresh; the next avoidance stage starts a new epoch (RFC 9438
	 * 4.8). */
	cc->cwnd = min_window(cc);
	c->in_epoch = false;
	c->inc_frac = 0.0;
}

const struct tern_quic_cc_ops tern_quic_cc_cubic_ops = {
	.name = "cubic",
	.init = cubic_init,
	.on_ack = cubic_on_ack,
	.on_congestion_event = cubic_on_congestion_event,
	.on_persistent_congestion = cubic_on_persistent_congestion,
};
