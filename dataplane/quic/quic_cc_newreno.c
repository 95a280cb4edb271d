/* SPDX-License-Identifier: Apache-2.0 */
/*
 * NewReno (RFC 9002 7.3, B.5-B.8). Congestion avoidance counts acknowledged
 * bytes and adds one max_datagram_size per window's worth (RFC 3465 2.1),
 * which is the exact integer form of cwnd += mds * bytes / cwnd.
 */

#include "dataplane/quic/quic_cc.h"

static uint64_t
min_window(const struct tern_quic_cc *cc)
{
	return 2 * cc->max_datagram_size; /* kMinimumWindow (7.2) */
}

static void
reno_init(struct tern_quic_cc *cc)
{
	cc->u.reno.bytes_acked = 0;
}

static void
reno_on_ack(struct tern_quic_cc *cc, uint64_t bytes, uint64_t now, uint64_t srtt)
{
	(void)now;
	(void)srtt;
	if (cc->cwnd < cc->ssthresh) {
		cc->cwnd += bytes; /* slow start (7.3.1) */
		return;
	}
	cc->u.reno.bytes_acked += bytes;
	while (cc->u.reno.bytes_acked >= cc->cwnd) {
		cc->u.reno.bytes_acked -= cc->cwnd;
		cc->cwnd += cc->max_datagram_size;
	}
}

static void
reno_on_congestion_event(struct tern_quic_cc *cc, uint64_t now)
{
	(void)now;
	cc->ssthresh = cc->cwnd / 2; /* kLossReductionFactor 0.5 */
	cc->cwnd = cc->ssthresh > min_window(cc) ? cc->ssthresh : min_window(cc);
	cc->u.reno.bytes_acked = 0;
}

static void
reno_on_persistent_congestion(struct tern_quic_cc *cc, uint64_t now)
{
	(void)now;
	cc->cwnd = min_window(cc);
	cc->u.reno.bytes_acked = 0;
}

const struct tern_quic_cc_ops tern_quic_cc_newreno_ops = {
	.name = "newreno",
	.init = reno_init,
	.on_ack = reno_on_ack,
	.on_congestion_event = reno_on_congestion_event,
	.on_persistent_congestion = reno_on_persistent_congestion,
};
