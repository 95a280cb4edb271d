/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loss detection (dataplane/quic/quic_recovery.h, RFC 9002):
 * - RTT estimation (5): first sample, smoothing, ack_delay ignored in
 *   Initial, capped by max_ack_delay once confirmed, not subtracted below
 *   min_rtt;
 * - loss by packet threshold (6.1.1) and by time threshold through the
 *   loss timer (6.1.2);
 * - PTO (6.2): duration, exponential backoff, probes, no AppData PTO before
 *   confirmation, client anti-deadlock PTO, backoff kept by an unvalidated
 *   client, reset on discarding keys;
 * - persistent congestion (7.6) and its negative cases;
 * - ECN-CE increase as a congestion event; bytes in flight; spurious loss;
 * - ring capacity (full, eviction of non-ack-eliciting, skipped pns) and a
 *   long run that stays within it; malformed ACKs.
 */

#include <string.h>

#include <tern/error.h>

#include "dataplane/quic/quic_recovery.h"
#include "tern_test.h"

#define TEST_NAME "test_quic_recovery"
#define MS	  1000000ULL
#define NEVER	  UINT64_MAX

struct log {
	uint64_t acked[64], lost[64], discarded[64];
	unsigned nacked, nlost, ndiscarded;
	uint64_t total_acked, total_lost;
};

static void
on_acked(void *user, enum tern_quic_pn_space space, const struct tern_quic_sent_pkt *pkt)
{
	struct log *l = user;

	(void)space;
	if (l->nacked < 64)
		l->acked[l->nacked++] = pkt->pn;
	l->total_acked++;
}

static void
on_lost(void *user, enum tern_quic_pn_space space, const struct tern_quic_sent_pkt *pkt)
{
	struct log *l = user;

	(void)space;
	if (l->nlost < 64)
		l->lost[l->nlost++] = pkt->pn;
	l->total_lost++;
}

static void
on_discarded(void *user, enum tern_quic_pn_space space, const struct tern_quic_sent_pkt *pkt)
{
	struct log *l = user;

	(void)space;
	if (l->ndiscarded < 64)
		l->discarded[l->ndiscarded++] = pkt->pn;
}

struct fix {
	struct tern_quic_cc cc;
	struct tern_quic_recovery *r;
	struct log log;
};

static void
fix_init(struct fix *f, bool server, const struct tern_quic_recovery_config *cfg_in)
{
	struct tern_quic_recovery_config cfg;
	struct tern_quic_recovery_cb cb = {&f->log, on_acked, on_lost, on_discarded};

	memset(f, 0, sizeof(*f));
	if (cfg_in != NULL)
		cfg = *cfg_in;
	else
		memset(&cfg, 0, sizeof(cfg));
	cfg.is_server = server;
	REQUIRE(tern_quic_cc_init(&f->cc, TERN_QUIC_CC_NEWRENO, 1200) == 0);
	f->r = tern_quic_recovery_new(&cfg, &f->cc, &cb);
	REQUIRE(f->r != NULL);
}

static void
fix_free(struct fix *f)
{
	tern_quic_recovery_free(f->r);
}

static int
send_pkt(struct fix *f, enum tern_quic_pn_space sp, uint64_t pn, uint64_t now, bool elicit)
{
	struct tern_quic_sent_pkt p;

	memset(&p, 0, sizeof(p));
	p.pn = pn;
	p.time_sent = now;
	p.size = 1200;
	p.meta = (uint32_t)pn;
	p.ack_eliciting = elicit;
	p.in_flight = elicit;
	return tern_quic_recovery_on_packet_sent(f->r, sp, &p);
}

static int
ack1(struct fix *f, enum tern_quic_pn_space sp, uint64_t lo, uint64_t hi, uint64_t delay,
     uint64_t now)
{
	struct tern_quic_ack_range rg = {lo, hi};

	return tern_quic_recovery_on_ack_received(f->r, sp, &rg, 1, delay, NULL, now);
}

static void
test_rtt(void)
{
	struct fix f;
	const struct tern_quic_rtt *rtt;

	fix_init(&f, true, NULL);
	rtt = tern_quic_recovery_rtt(f.r);
	CHECK_EQ(rtt->smoothed, 333 * MS);
	CHECK_EQ(rtt->var, 333 * MS / 2);
	CHECK(!rtt->has_sample);
	tern_quic_recovery_set_handshake_confirmed(f.r, 0);

	/* first sample: 100 ms */
	CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_APP, 0, 0, true), 0);
	CHECK_EQ(ack1(&f, TERN_QUIC_PN_APP, 0, 0, 5 * MS, 100 * MS), 0);
	CHECK_EQ(rtt->latest, 100 * MS);
	CHECK_EQ(rtt->min, 100 * MS);
	CHECK_EQ(rtt->smoothed, 100 * MS);
	CHECK_EQ(rtt->var, 50 * MS);
	CHECK_EQ(rtt->first_sample_time, 100 * MS);
	CHECK_EQ(f.log.nacked, 1);

	/* 160 ms with 20 ms ack delay: adjusted 140; var = 3/4 50 + 1/4 40,
	 * smoothed = 7/8 100 + 1/8 140 */
	CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_APP, 1, 100 * MS, true), 0);
	CHECK_EQ(ack1(&f, TERN_QUIC_PN_APP, 0, 1, 20 * MS, 260 * MS), 0);
	CHECK_EQ(rtt->latest, 160 * MS);
	CHECK_EQ(rtt->var, 47500000);
	CHECK_EQ(rtt->smoothed, 105 * MS);
	CHECK_EQ(rtt->min, 100 * MS);

	/* ack_delay 50 ms is capped to max_ack_delay 25 ms: 200 - 25 = 175 */
	CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_APP, 2, 300 * MS, true), 0);
	CHECK_EQ(ack1(&f, TERN_QUIC_PN_APP, 2, 2, 50 * MS, 500 * MS), 0);
	CHECK_EQ(rtt->smoothed, (7 * 105 * MS + 175 * MS) / 8);

	/* latest < min_rtt + ack_delay: ack delay not subtracted; min updates */
	{
		uint64_t s0 = rtt->smoothed;

		CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_APP, 3, 600 * MS, true), 0);
		CHECK_EQ(ack1(&f, TERN_QUIC_PN_APP, 3, 3, 20 * MS, 690 * MS), 0);
		CHECK_EQ(rtt->min, 90 * MS);
		CHECK_EQ(rtt->smoothed, (7 * s0 + 90 * MS) / 8);
	}
	/* an ACK that acknowledges nothing new changes nothing */
	{
		uint64_t s0 = rtt->smoothed;

		CHECK_EQ(ack1(&f, TERN_QUIC_PN_APP, 0, 3, 0, 2000 * MS), 0);
		CHECK_EQ(rtt->smoothed, s0);
	}
	/* largest acknowledged not newly acked: no sample */
	{
		uint64_t s0 = rtt->smoothed;
		struct tern_quic_ack_range rg[2] = {{3, 3}, {0, 1}};

		CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_APP, 4, 700 * MS, true), 0);
		CHECK_EQ(tern_quic_recovery_on_ack_received(f.r, TERN_QUIC_PN_APP, rg, 2, 0, NULL,
							    3000 * MS),
			 0);
		CHECK_EQ(rtt->smoothed, s0);
	}
	fix_free(&f);

	/* Initial: the ACK Delay field is ignored (5.3) */
	fix_init(&f, true, NULL);
	rtt = tern_quic_recovery_rtt(f.r);
	CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_INITIAL, 0, 0, true), 0);
	CHECK_EQ(ack1(&f, TERN_QUIC_PN_INITIAL, 0, 0, 0, 100 * MS), 0);
	CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_INITIAL, 1, 100 * MS, true), 0);
	CHECK_EQ(ack1(&f, TERN_QUIC_PN_INITIAL, 1, 1, 40 * MS, 260 * MS), 0);
	CHECK_EQ(rtt->smoothed, (7 * 100 * MS + 160 * MS) / 8);
	fix_free(&f);
}

/* Server with a 100 ms RTT sample on pn 0 (srtt 100, var 50). */
static void
warm(struct fix *f, enum tern_quic_pn_space sp)
{
	fix_init(f, true, NULL);
	tern_quic_recovery_set_handshake_confirmed(f->r, 0);
	REQUIRE(send_pkt(f, sp, 0, 0, true) == 0);
	REQUIRE(ack1(f, sp, 0, 0, 0, 100 * MS) == 0);
	memset(&f->log, 0, sizeof(f->log));
}

static void
test_loss_detection(void)
{
	struct fix f;
	uint64_t pn, timer;

	warm(&f, TERN_QUIC_PN_APP);
	for (pn = 1; pn <= 6; pn++)
		CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_APP, pn, 200 * MS + pn, true), 0);
	CHECK_EQ(tern_quic_cc_bytes_in_flight(&f.cc), 6 * 1200);
	/* ack 4: pn 1 is 3 behind -> lost (packet threshold); 2 and 3 wait */
	CHECK_EQ(ack1(&f, TERN_QUIC_PN_APP, 4, 4, 0, 250 * MS), 0);
	CHECK_EQ(f.log.nlost, 1);
	CHECK_EQ(f.log.lost[0], 1);
	CHECK_EQ(f.log.nacked, 1);
	CHECK_EQ(tern_quic_recovery_largest_acked(f.r, TERN_QUIC_PN_APP), 4);
	/* the loss halved the window (NewReno; still 12000 after the
	 * one-packet warm-up, which left it underutilized: RFC 9002 7.8) */
	CHECK_EQ(tern_quic_cc_cwnd(&f.cc), 6000);
	/* loss timer: time_sent(2) + 9/8 * max(latest 50ms, srtt) */
	timer = tern_quic_recovery_timeout(f.r);
	{
		const struct tern_quic_rtt *rtt = tern_quic_recovery_rtt(f.r);
		uint64_t lat = rtt->latest > rtt->smoothed ? rtt->latest : rtt->smoothed;

		CHECK_EQ(timer, 200 * MS + 2 + lat * 9 / 8);
	}
	CHECK_EQ(tern_quic_recovery_on_timeout(f.r, timer - 1), TERN_QUIC_TIMEOUT_NONE);
	CHECK_EQ(f.log.nlost, 1);
	/* ack 5: pn 2 is 3 behind now */
	CHECK_EQ(ack1(&f, TERN_QUIC_PN_APP, 4, 5, 0, 260 * MS), 0);
	CHECK_EQ(f.log.nlost, 2);
	CHECK_EQ(f.log.lost[1], 2);
	/* time threshold for pn 3 */
	timer = tern_quic_recovery_timeout(f.r);
	CHECK(timer > 260 * MS && timer != NEVER);
	CHECK_EQ(tern_quic_recovery_on_timeout(f.r, timer), TERN_QUIC_TIMEOUT_LOSS);
	CHECK_EQ(f.log.nlost, 3);
	CHECK_EQ(f.log.lost[2], 3);
	CHECK_EQ(tern_quic_recovery_stats(f.r)->lost_pkts, 3);
	CHECK_EQ(tern_quic_recovery_stats(f.r)->loss_timer_fired, 1);
	/* only pn 6 remains in flight; the timer is now a PTO */
	CHECK_EQ(tern_quic_cc_bytes_in_flight(&f.cc), 1200);
	CHECK_EQ(tern_quic_recovery_ack_eliciting_in_flight(f.r, TERN_QUIC_PN_APP), 1);
	/* a late ACK of lost pns 1-3 does not report them as acked */
	CHECK_EQ(ack1(&f, TERN_QUIC_PN_APP, 1, 6, 0, timer + 1), 0);
	CHECK_EQ(f.log.nacked, 3); /* 4, 5, 6 */
	CHECK_EQ(f.log.acked[2], 6);
	CHECK_EQ(tern_quic_cc_bytes_in_flight(&f.cc), 0);
	CHECK_EQ(tern_quic_recovery_timeout(f.r), NEVER);
	fix_free(&f);
}

static void
test_pto(void)
{
	struct fix f;
	uint64_t pto0 = 333 * MS + 4 * (333 * MS / 2);

	/* client, Initial, no RTT sample: PTO = 333 + 4 * 166.5 ms */
	fix_init(&f, false, NULL);
	CHECK_EQ(tern_quic_recovery_timeout(f.r), NEVER);
	CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_INITIAL, 0, 0, true), 0);
	CHECK_EQ(tern_quic_recovery_timeout(f.r), pto0);
	CHECK_EQ(tern_quic_recovery_on_timeout(f.r, pto0 - 1), TERN_QUIC_TIMEOUT_NONE);
	CHECK_EQ(tern_quic_recovery_on_timeout(f.r, pto0), TERN_QUIC_TIMEOUT_PTO);
	CHECK_EQ(tern_quic_recovery_probes(f.r, TERN_QUIC_PN_INITIAL), 2);
	CHECK_EQ(tern_quic_recovery_pto_count(f.r), 1);
	/* backoff: doubled, from the last ack-eliciting packet */
	CHECK_EQ(tern_quic_recovery_timeout(f.r), 2 * pto0);
	CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_INITIAL, 1, pto0, true), 0);
	CHECK_EQ(tern_quic_recovery_probes(f.r, TERN_QUIC_PN_INITIAL), 1);
	CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_INITIAL, 2, pto0, true), 0);
	CHECK_EQ(tern_quic_recovery_probes(f.r, TERN_QUIC_PN_INITIAL), 0);
	CHECK_EQ(tern_quic_recovery_timeout(f.r), pto0 + 2 * pto0);
	CHECK_EQ(tern_quic_recovery_on_timeout(f.r, 3 * pto0), TERN_QUIC_TIMEOUT_PTO);
	CHECK_EQ(tern_quic_recovery_timeout(f.r), pto0 + 4 * pto0);
	CHECK_EQ(tern_quic_recovery_stats(f.r)->pto_fired, 2);
	/* an Initial ACK does not reset the backoff of a client whose address
	 * the server may not have validated (A.7) */
	CHECK_EQ(ack1(&f, TERN_QUIC_PN_INITIAL, 0, 2, 0, 4 * pto0), 0);
	CHECK_EQ(tern_quic_recovery_pto_count(f.r), 2);
	/* nothing in flight, but the client still arms an anti-deadlock PTO
	 * from now (6.2.2.1) */
	{
		const struct tern_quic_rtt *rtt = tern_quic_recovery_rtt(f.r);
		uint64_t d = (rtt->smoothed + 4 * rtt->var) << 2;
		uint64_t t = tern_quic_recovery_timeout(f.r);

		CHECK_EQ(t, 4 * pto0 + d);
		CHECK_EQ(tern_quic_recovery_on_timeout(f.r, t), TERN_QUIC_TIMEOUT_PTO);
		CHECK_EQ(tern_quic_recovery_probes(f.r, TERN_QUIC_PN_INITIAL), 1);
		/* with Handshake keys the probe goes in Handshake */
		tern_quic_recovery_set_handshake_keys(f.r, t);
		t = tern_quic_recovery_timeout(f.r);
		CHECK_EQ(tern_quic_recovery_on_timeout(f.r, t), TERN_QUIC_TIMEOUT_PTO);
		CHECK_EQ(tern_quic_recovery_probes(f.r, TERN_QUIC_PN_HANDSHAKE), 1);
		CHECK_EQ(tern_quic_recovery_pto_count(f.r), 4);
		/* a Handshake ACK validates: backoff reset, timer off */
		CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_HANDSHAKE, 0, t, true), 0);
		CHECK_EQ(ack1(&f, TERN_QUIC_PN_HANDSHAKE, 0, 0, 0, t + 10 * MS), 0);
		CHECK_EQ(tern_quic_recovery_pto_count(f.r), 0);
		CHECK_EQ(tern_quic_recovery_timeout(f.r), NEVER);
	}
	fix_free(&f);

	/* server: AppData PTO waits for confirmation, then adds max_ack_delay */
	fix_init(&f, true, NULL);
	CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_APP, 0, 10 * MS, true), 0);
	CHECK_EQ(tern_quic_recovery_timeout(f.r), NEVER);
	CHECK_EQ(tern_quic_recovery_on_timeout(f.r, 100000 * MS), TERN_QUIC_TIMEOUT_NONE);
	tern_quic_recovery_set_peer_max_ack_delay(f.r, 40 * MS);
	tern_quic_recovery_set_handshake_confirmed(f.r, 20 * MS);
	CHECK_EQ(tern_quic_recovery_timeout(f.r), 10 * MS + pto0 + 40 * MS);
	CHECK_EQ(tern_quic_recovery_pto(f.r), pto0 + 40 * MS);
	/* Handshake in flight too: earliest of the two */
	CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_HANDSHAKE, 0, 30 * MS, true), 0);
	CHECK_EQ(tern_quic_recovery_timeout(f.r), 30 * MS + pto0);
	CHECK_EQ(tern_quic_recovery_on_timeout(f.r, 30 * MS + pto0), TERN_QUIC_TIMEOUT_PTO);
	CHECK_EQ(tern_quic_recovery_probes(f.r, TERN_QUIC_PN_HANDSHAKE), 2);
	CHECK_EQ(tern_quic_recovery_probes(f.r, TERN_QUIC_PN_APP), 0);
	/* backed off: Handshake 30 + 2 * pto0 comes before App 10 + 2 * (pto0 + 40) */
	CHECK_EQ(tern_quic_recovery_timeout(f.r), 30 * MS + 2 * pto0);
	/* anti-amplification limit: no timer */
	tern_quic_recovery_set_amplification_limited(f.r, true, 40 * MS);
	CHECK_EQ(tern_quic_recovery_timeout(f.r), NEVER);
	tern_quic_recovery_set_amplification_limited(f.r, false, 40 * MS);
	CHECK_EQ(tern_quic_recovery_timeout(f.r), 30 * MS + 2 * pto0);
	/* discarding Handshake keys: its packets leave flight, backoff reset */
	CHECK_EQ(tern_quic_cc_bytes_in_flight(&f.cc), 2400);
	tern_quic_recovery_discard_space(f.r, TERN_QUIC_PN_HANDSHAKE, 50 * MS);
	CHECK_EQ(f.log.ndiscarded, 1);
	CHECK_EQ(tern_quic_cc_bytes_in_flight(&f.cc), 1200);
	CHECK_EQ(tern_quic_recovery_pto_count(f.r), 0);
	CHECK_EQ(tern_quic_recovery_probes(f.r, TERN_QUIC_PN_HANDSHAKE), 0);
	CHECK_EQ(tern_quic_recovery_timeout(f.r), 10 * MS + pto0 + 40 * MS);
	CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_HANDSHAKE, 1, 60 * MS, true), -TERN_EINVAL);
	CHECK_EQ(ack1(&f, TERN_QUIC_PN_HANDSHAKE, 0, 0, 0, 60 * MS), -TERN_EINVAL);
	CHECK_EQ(tern_quic_recovery_room(f.r, TERN_QUIC_PN_HANDSHAKE), 0);
	fix_free(&f);
}

static void
test_persistent_congestion(void)
{
	struct fix f;
	struct tern_quic_ack_range rg[2];
	uint64_t pn;

	/* pc duration = (100 + max(4 * 50, 1) + 25) * 3 = 975 ms */
	warm(&f, TERN_QUIC_PN_APP);
	CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_APP, 1, 200 * MS, true), 0);
	CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_APP, 2, 700 * MS, true), 0);
	CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_APP, 3, 1200 * MS, true), 0);
	for (pn = 4; pn <= 6; pn++)
		CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_APP, pn, 1300 * MS, true), 0);
	/* 1 and 3 are 1000 ms apart with nothing between acknowledged */
	CHECK_EQ(ack1(&f, TERN_QUIC_PN_APP, 6, 6, 0, 1400 * MS), 0);
	CHECK_EQ(f.log.nlost, 3);
	CHECK_EQ(tern_quic_recovery_stats(f.r)->persistent_congestions, 1);
	/* minimum window, then pn 6 (acked after the losses, B.5 after B.9)
	 * grows it in slow start since the recovery period was reset */
	CHECK_EQ(tern_quic_cc_cwnd(&f.cc), 2400 + 1200);
	fix_free(&f);

	/* same, but pn 2 is acknowledged: no persistent congestion */
	warm(&f, TERN_QUIC_PN_APP);
	CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_APP, 1, 200 * MS, true), 0);
	CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_APP, 2, 700 * MS, true), 0);
	CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_APP, 3, 1200 * MS, true), 0);
	for (pn = 4; pn <= 6; pn++)
		CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_APP, pn, 1300 * MS, true), 0);
	rg[0].smallest = rg[0].largest = 6;
	rg[1].smallest = rg[1].largest = 2;
	CHECK_EQ(tern_quic_recovery_on_ack_received(f.r, TERN_QUIC_PN_APP, rg, 2, 0, NULL,
						    1400 * MS),
		 0);
	CHECK_EQ(f.log.nlost, 2);
	CHECK_EQ(tern_quic_recovery_stats(f.r)->persistent_congestions, 0);
	CHECK_EQ(tern_quic_cc_cwnd(&f.cc), 6000); /* an ordinary halving */
	fix_free(&f);

	/* span not longer than the duration: no persistent congestion. The
	 * ACK's own sample (100 ms) first brings var to 37.5 ms, so the
	 * duration is (100 + 150 + 25) * 3 = 825 ms */
	warm(&f, TERN_QUIC_PN_APP);
	CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_APP, 1, 200 * MS, true), 0);
	CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_APP, 2, 1025 * MS, true), 0);
	for (pn = 3; pn <= 5; pn++)
		CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_APP, pn, 1300 * MS, true), 0);
	CHECK_EQ(ack1(&f, TERN_QUIC_PN_APP, 5, 5, 0, 1400 * MS), 0);
	CHECK_EQ(f.log.nlost, 2);
	CHECK_EQ(tern_quic_recovery_stats(f.r)->persistent_congestions, 0);
	fix_free(&f);

	/* packets sent before the first RTT sample do not count */
	fix_init(&f, true, NULL);
	tern_quic_recovery_set_handshake_confirmed(f.r, 0);
	CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_APP, 0, 0, true), 0);
	CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_APP, 1, 1 * MS, true), 0);
	CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_APP, 2, 1 * MS, true), 0);
	CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_APP, 3, 2000 * MS, true), 0);
	CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_APP, 4, 2000 * MS, true), 0);
	CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_APP, 5, 2100 * MS, true), 0);
	CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_APP, 6, 2100 * MS, true), 0);
	CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_APP, 7, 2100 * MS, true), 0);
	/* first sample with this ACK (latest 100 ms), 0..4 lost */
	CHECK_EQ(ack1(&f, TERN_QUIC_PN_APP, 7, 7, 0, 2200 * MS), 0);
	CHECK_EQ(f.log.nlost, 5);
	CHECK_EQ(tern_quic_recovery_stats(f.r)->persistent_congestions, 0);
	fix_free(&f);
}

static void
test_ecn(void)
{
	struct fix f;
	struct tern_quic_ack_range rg = {1, 2};
	struct tern_quic_ack_ecn ecn = {5, 0, 1};

	warm(&f, TERN_QUIC_PN_APP);
	/* one packet does not use the window: no growth (RFC 9002 7.8) */
	CHECK_EQ(tern_quic_cc_cwnd(&f.cc), 12000);
	CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_APP, 1, 200 * MS, true), 0);
	CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_APP, 2, 200 * MS, true), 0);
	CHECK_EQ(tern_quic_recovery_on_ack_received(f.r, TERN_QUIC_PN_APP, &rg, 1, 0, &ecn,
						    300 * MS),
		 0);
	CHECK_EQ(f.cc.congestion_events, 1);
	CHECK_EQ(tern_quic_cc_cwnd(&f.cc), 6000);
	/* the same CE count again is no new event */
	CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_APP, 3, 400 * MS, true), 0);
	rg.smallest = rg.largest = 3;
	CHECK_EQ(tern_quic_recovery_on_ack_received(f.r, TERN_QUIC_PN_APP, &rg, 1, 0, &ecn,
						    500 * MS),
		 0);
	CHECK_EQ(f.cc.congestion_events, 1);
	fix_free(&f);
}

static void
test_ring(void)
{
	struct fix f;
	struct tern_quic_recovery_config cfg;
	uint64_t pn, now = 0;
	unsigned i;

	memset(&cfg, 0, sizeof(cfg));
	cfg.capacity[TERN_QUIC_PN_APP] = 5; /* rounded up to 8 */
	fix_init(&f, true, &cfg);
	tern_quic_recovery_set_handshake_confirmed(f.r, 0);
	CHECK_EQ(tern_quic_recovery_room(f.r, TERN_QUIC_PN_APP), 8);
	for (pn = 0; pn < 8; pn++)
		CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_APP, pn, 0, true), 0);
	CHECK_EQ(tern_quic_recovery_room(f.r, TERN_QUIC_PN_APP), 0);
	CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_APP, 8, 0, true), -TERN_ENOBUFS);
	/* pns only grow */
	CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_APP, 7, 0, true), -TERN_EINVAL);
	/* acknowledging the oldest frees its slot */
	CHECK_EQ(ack1(&f, TERN_QUIC_PN_APP, 0, 0, 0, 10 * MS), 0);
	CHECK_EQ(tern_quic_recovery_room(f.r, TERN_QUIC_PN_APP), 1);
	CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_APP, 8, 10 * MS, true), 0);
	/* an ACK for a pn never sent */
	CHECK_EQ(ack1(&f, TERN_QUIC_PN_APP, 5, 9, 0, 20 * MS), -TERN_EPROTO);
	/* malformed range lists */
	{
		struct tern_quic_ack_range bad[2] = {{3, 4}, {4, 5}};

		CHECK_EQ(tern_quic_recovery_on_ack_received(f.r, TERN_QUIC_PN_APP, bad, 2, 0, NULL,
							    20 * MS),
			 -TERN_EINVAL);
		bad[0].smallest = 5;
		bad[0].largest = 4;
		CHECK_EQ(tern_quic_recovery_on_ack_received(f.r, TERN_QUIC_PN_APP, bad, 1, 0, NULL,
							    20 * MS),
			 -TERN_EINVAL);
		CHECK_EQ(tern_quic_recovery_on_ack_received(f.r, TERN_QUIC_PN_APP, bad, 0, 0, NULL,
							    20 * MS),
			 -TERN_EINVAL);
	}
	CHECK_EQ(ack1(&f, TERN_QUIC_PN_APP, 1, 8, 0, 20 * MS), 0);
	CHECK_EQ(tern_quic_recovery_room(f.r, TERN_QUIC_PN_APP), 8);
	CHECK_EQ(tern_quic_cc_bytes_in_flight(&f.cc), 0);
	/* skipped pns: a jump over an empty window needs no room */
	CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_APP, 1000, 30 * MS, true), 0);
	CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_APP, 1002, 30 * MS, true), 0);
	CHECK_EQ(tern_quic_recovery_room(f.r, TERN_QUIC_PN_APP), 5);
	CHECK_EQ(ack1(&f, TERN_QUIC_PN_APP, 1000, 1002, 0, 40 * MS), 0);
	/* non-ack-eliciting packets are forgotten when the ring is full */
	memset(&f.log, 0, sizeof(f.log));
	for (pn = 1003; pn < 1003 + 20; pn++)
		CHECK_EQ(send_pkt(&f, TERN_QUIC_PN_APP, pn, 50 * MS, false), 0);
	CHECK_EQ(f.log.ndiscarded, 12);
	CHECK_EQ(f.log.discarded[0], 1003);
	fix_free(&f);

	/* a long run: 200000 packets with 2% dropped, acked 10 at a time */
	fix_init(&f, true, NULL);
	tern_quic_recovery_set_handshake_confirmed(f.r, 0);
	memset(&f.log, 0, sizeof(f.log));
	for (pn = 0; pn < 200000; pn += 10) {
		struct tern_quic_ack_range rg[10];
		size_t n = 0;

		for (i = 0; i < 10; i++)
			REQUIRE(send_pkt(&f, TERN_QUIC_PN_APP, pn + i, now, true) == 0);
		now += 1 * MS;
		/* acknowledge all but pn % 50 == 7, as descending ranges */
		for (i = 10; i-- > 0;) {
			uint64_t p = pn + i;

			if (p % 50 == 7)
				continue;
			if (n > 0 && rg[n - 1].smallest == p + 1)
				rg[n - 1].smallest = p;
			else
				rg[n++] = (struct tern_quic_ack_range){p, p};
		}
		REQUIRE(tern_quic_recovery_on_ack_received(f.r, TERN_QUIC_PN_APP, rg, n, 0, NULL,
							   now + 20 * MS) == 0);
		now += 1 * MS;
	}
	CHECK_EQ(f.log.total_lost, 200000 / 50);
	CHECK_EQ(f.log.total_acked, 200000 - 200000 / 50);
	CHECK_EQ(tern_quic_cc_bytes_in_flight(&f.cc), 0);
	CHECK_EQ(tern_quic_recovery_stats(f.r)->sent_pkts, 200000);
	CHECK_EQ(tern_quic_recovery_room(f.r, TERN_QUIC_PN_APP), 4096);
	fix_free(&f);
}

/*
 * Seeded random traffic against a model: pn gaps, ACK-only packets, 10%
 * loss, reordered ACKs of at most 16 ranges, timer expiries. Every packet is
 * reported (acked or lost) at most once, and bytes in flight always equal
 * the sizes of in-flight packets not yet reported.
 */
#define RND_N 20000

static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;

static uint32_t
rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (uint32_t)rnd_state;
}

static struct {
	uint8_t sent, in_flight, delivered, reported;
	uint32_t size;
} model[RND_N];
static unsigned model_dup;
static uint64_t model_bytes; /* in-flight bytes sent and not yet reported */

static void
model_report(void *user, enum tern_quic_pn_space space, const struct tern_quic_sent_pkt *pkt)
{
	(void)user;
	(void)space;
	if (pkt->pn >= RND_N || !model[pkt->pn].sent || model[pkt->pn].reported ||
	    pkt->size != model[pkt->pn].size)
		model_dup++;
	else {
		model[pkt->pn].reported = 1;
		if (model[pkt->pn].in_flight)
			model_bytes -= model[pkt->pn].size;
	}
}

static void
test_random(void)
{
	struct tern_quic_cc cc;
	struct tern_quic_recovery *r;
	struct tern_quic_recovery_cb cb = {NULL, model_report, model_report, model_report};
	struct tern_quic_recovery_config cfg;
	uint64_t now = 0, pn = 0, bif_bad = 0, ack_err = 0, sends = 0;
	unsigned step;

	memset(model, 0, sizeof(model));
	memset(&cfg, 0, sizeof(cfg));
	cfg.is_server = true;
	cfg.capacity[TERN_QUIC_PN_APP] = 512;
	REQUIRE(tern_quic_cc_init(&cc, TERN_QUIC_CC_CUBIC, 1200) == 0);
	r = tern_quic_recovery_new(&cfg, &cc, &cb);
	REQUIRE(r != NULL);
	tern_quic_recovery_set_handshake_confirmed(r, 0);
	for (step = 0; step < 60000 && pn < RND_N - 8; step++) {
		uint32_t op = rnd() % 10;

		now += rnd() % (2 * MS);
		if (op < 5) {
			struct tern_quic_sent_pkt p;

			memset(&p, 0, sizeof(p));
			pn += 1 + (rnd() % 16 == 0); /* occasional skipped pn */
			p.pn = pn;
			p.time_sent = now;
			p.size = 50 + rnd() % 1200;
			p.ack_eliciting = rnd() % 8 != 0;
			p.in_flight = p.ack_eliciting || rnd() % 2;
			if (tern_quic_recovery_on_packet_sent(r, TERN_QUIC_PN_APP, &p) == 0) {
				model[pn].sent = 1;
				model[pn].in_flight = p.in_flight;
				model[pn].size = p.size;
				model[pn].delivered = rnd() % 10 != 0;
				if (p.in_flight)
					model_bytes += p.size;
				sends++;
			}
		} else if (op < 9) {
			/* the peer acks delivered pns below a random horizon */
			struct tern_quic_ack_range rg[16];
			size_t n = 0;
			uint64_t hi = pn > 0 ? pn - rnd() % 4 : 0, i;

			for (i = hi + 1; i-- > 0 && n < 16;) {
				if (i >= RND_N || !model[i].sent || !model[i].delivered)
					continue; /* a gap: the next delivered pn opens a range */
				if (n > 0 && rg[n - 1].smallest == i + 1)
					rg[n - 1].smallest = i;
				else
					rg[n++] = (struct tern_quic_ack_range){i, i};
			}
			if (n > 0 &&
			    tern_quic_recovery_on_ack_received(r, TERN_QUIC_PN_APP, rg, n,
							       rnd() % (30 * MS), NULL, now) != 0)
				ack_err++;
		} else {
			uint64_t t = tern_quic_recovery_timeout(r);

			if (t != NEVER) {
				if (t > now)
					now = t;
				tern_quic_recovery_on_timeout(r, now);
			}
		}
		if (tern_quic_cc_bytes_in_flight(&cc) != model_bytes)
			bif_bad++;
	}
	CHECK(sends > 5000);
	CHECK_EQ(ack_err, 0);
	CHECK_EQ(model_dup, 0);
	CHECK_EQ(bif_bad, 0);
	CHECK(tern_quic_recovery_stats(r)->lost_pkts > 100);
	CHECK(tern_quic_recovery_stats(r)->acked_pkts > 1000);
	tern_quic_recovery_free(r);
}

int
main(void)
{
	test_random();
	test_rtt();
	test_loss_detection();
	test_pto();
	test_persistent_congestion();
	test_ecn();
	test_ring();
	return tern_test_done(TEST_NAME);
}
