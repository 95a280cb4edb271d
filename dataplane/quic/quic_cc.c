/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Congestion control rules shared by every algorithm (RFC 9002 7, B).
 */

#include <stdlib.h>
#include <string.h>

#include <tern/error.h>

#include "dataplane/quic/quic_cc.h"

uint64_t
tern_quic_cc_initial_window(size_t max_datagram_size)
{
	uint64_t mds = max_datagram_size, w = 14720;

	/* min(10 * mds, max(14720, 2 * mds)) (RFC 9002 7.2). */
	if (w < 2 * mds)
		w = 2 * mds;
	if (w > 10 * mds)
		w = 10 * mds;
	return w;
}

int
tern_quic_cc_init(struct tern_quic_cc *cc, enum tern_quic_cc_algorithm algo,
		  size_t max_datagram_size)
{
	const struct tern_quic_cc_ops *ops;

	switch (algo) {
	case TERN_QUIC_CC_NEWRENO:
		ops = &tern_quic_cc_newreno_ops;
		break;
	case TERN_QUIC_CC_CUBIC:
		ops = &tern_quic_cc_cubic_ops;
		break;
	default:
		return -TERN_EINVAL;
	}
	if (max_datagram_size < TERN_QUIC_MIN_DATAGRAM_SIZE)
		max_datagram_size = TERN_QUIC_MIN_DATAGRAM_SIZE;
	memset(cc, 0, sizeof(*cc));
	cc->ops = ops;
	cc->algo = algo;
	cc->max_datagram_size = max_datagram_size;
	cc->cwnd = tern_quic_cc_initial_window(max_datagram_size);
	cc->ssthresh = UINT64_MAX;
	ops->init(cc);
	return 0;
}

struct tern_quic_cc *
tern_quic_cc_new(enum tern_quic_cc_algorithm algo, size_t max_datagram_size)
{
	struct tern_quic_cc *cc = malloc(sizeof(*cc));

	if (cc == NULL)
		return NULL;
	if (tern_quic_cc_init(cc, algo, max_datagram_size) != 0) {
		free(cc);
		return NULL;
	}
	return cc;
}

void
tern_quic_cc_free(struct tern_quic_cc *cc)
{
	free(cc);
}

const char *
tern_quic_cc_name(const struct tern_quic_cc *cc)
{
	return cc->ops->name;
}

void
tern_quic_cc_on_packet_sent(struct tern_quic_cc *cc, uint64_t bytes, uint64_t now)
{
	cc->bytes_in_flight += bytes;
	if (!cc->round_open) {
		cc->round_open = true;
		cc->round_start = now;
	}
	/* Packets held by the pacer are already in flight here: the
	 * connection counts a packet when it builds it, not when it leaves. */
	if (cc->bytes_in_flight > cc->peak_in_flight)
		cc->peak_in_flight = cc->bytes_in_flight;
}

bool
tern_quic_cc_cwnd_limited(const struct tern_quic_cc *cc)
{
	uint64_t peak = cc->peak_in_flight > cc->prev_peak_in_flight ? cc->peak_in_flight
								     : cc->prev_peak_in_flight;

	if (cc->cwnd < cc->ssthresh)
		return peak >= cc->cwnd / 2;
	return peak + TERN_QUIC_CC_LIMIT_SLACK * cc->max_datagram_size >= cc->cwnd;
}

bool
tern_quic_cc_in_recovery(const struct tern_quic_cc *cc, uint64_t time_sent)
{
	return cc->has_recovery_start && time_sent <= cc->recovery_start;
}

void
tern_quic_cc_on_packet_removed(struct tern_quic_cc *cc, uint64_t bytes)
{
	cc->bytes_in_flight = cc->bytes_in_flight > bytes ? cc->bytes_in_flight - bytes : 0;
}

void
tern_quic_cc_on_packet_acked(struct tern_quic_cc *cc, uint64_t bytes, uint64_t time_sent,
			     uint64_t now, uint64_t srtt)
{
	bool limited;

	/* Judge window use before this ACK ends the round, so that the last
	 * packet of a full round still counts. */
	limited = tern_quic_cc_cwnd_limited(cc);
	tern_quic_cc_on_packet_removed(cc, bytes);
	if (cc->round_open && time_sent >= cc->round_start) {
		cc->round_open = false;
		cc->prev_peak_in_flight = cc->peak_in_flight;
		cc->peak_in_flight = cc->bytes_in_flight;
	}
	/* No growth when the window is not the limit (7.8: the application
	 * has nothing to send, or sends less than the window allows) or for
	 * packets sent before the current recovery period began (7.3.2). */
	if (cc->app_limited || !limited || tern_quic_cc_in_recovery(cc, time_sent))
		return;
	cc->ops->on_ack(cc, bytes, now, srtt);
}

bool
tern_quic_cc_on_congestion_event(struct tern_quic_cc *cc, uint64_t time_sent, uint64_t now)
{
	/* One reduction per recovery period (7.3.2, B.6). */
	if (tern_quic_cc_in_recovery(cc, time_sent))
		return false;
	cc->recovery_start = now;
	cc->has_recovery_start = true;
	cc->congestion_events++;
	cc->ops->on_congestion_event(cc, now);
	return true;
}

void
tern_quic_cc_on_persistent_congestion(struct tern_quic_cc *cc, uint64_t now)
{
	cc->ops->on_persistent_congestion(cc, now);
	cc->has_recovery_start = false;
	cc->persistent_congestions++;
}

void
tern_quic_cc_set_app_limited(struct tern_quic_cc *cc, bool limited)
{
	cc->app_limited = limited;
}

uint64_t
tern_quic_cc_cwnd(const struct tern_quic_cc *cc)
{
	return cc->cwnd;
}

uint64_t
tern_quic_cc_bytes_in_flight(const struct tern_quic_cc *cc)
{
	return cc->bytes_in_flight;
}

uint64_t
tern_quic_cc_ssthresh(const struct tern_quic_cc *cc)
{
	return cc->ssthresh;
}

uint64_t
tern_quic_cc_send_quota(const struct tern_quic_cc *cc)
{
	return cc->cwnd > cc->bytes_in_flight ? cc->cwnd - cc->bytes_in_flight : 0;
}

bool
tern_quic_cc_can_send(const struct tern_quic_cc *cc, uint64_t bytes)
{
	return cc->bytes_in_flight + bytes <= cc->cwnd;
}
