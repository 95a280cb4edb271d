/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loss detection (RFC 9002 5, 6, 7.6 and the pseudocode of Appendix A; the
 * function comments name the appendix section each one follows).
 *
 * Sent packets of a space live in a power-of-two ring indexed by packet
 * number. The window [base, next) covers every pn whose slot may be in use;
 * slots of acknowledged or lost packets stay (DONE_*) until base passes
 * them (i.e. while an older packet is still outstanding), which lets
 * persistent congestion see which packets in between were acknowledged and
 * lets late ACKs of lost packets in that stretch be counted as spurious.
 * Packet-threshold detection bounds the window below largest_acked to a
 * few packets, so each ACK walks O(newly acknowledged + lost + 3) slots
 * (at worst the ring's capacity, for ACK ranges repeated by the peer).
 */

#include <stdlib.h>
#include <string.h>

#include <tern/error.h>
#include <tern/quic_packet.h>

#include "dataplane/quic/quic_recovery.h"

#define NEVER UINT64_MAX

enum slot_state {
	SLOT_EMPTY = 0,	 /* never sent (pn skipped) or already forgotten */
	SLOT_OUT,	 /* sent, neither acknowledged nor lost */
	SLOT_ACKED_NOW,	 /* acknowledged by the ACK being processed */
	SLOT_DONE_ACKED, /* acknowledged earlier */
	SLOT_DONE_LOST,	 /* declared lost earlier */
};

struct rspace {
	struct tern_quic_sent_pkt *ring;
	uint64_t mask;
	uint64_t base; /* lowest pn whose slot may be in use */
	uint64_t next; /* largest pn sent + 1; 0 before the first */
	uint64_t largest_acked;
	bool has_largest_acked;
	bool discarded;
	uint64_t last_ack_eliciting; /* time_of_last_ack_eliciting_packet */
	uint64_t loss_time;	     /* NEVER if none */
	uint64_t eliciting_in_flight;
	uint64_t ecn_ce;
	unsigned probes;
};

struct tern_quic_recovery {
	struct rspace sp[TERN_QUIC_PN_SPACE_COUNT];
	struct tern_quic_rtt rtt;
	struct tern_quic_cc *cc;
	struct tern_quic_recovery_cb cb;
	struct tern_quic_recovery_stats stats;
	uint64_t max_ack_delay;
	uint64_t timer;
	unsigned pto_count;
	unsigned pto_probes;
	bool is_server;
	bool handshake_confirmed;
	bool has_handshake_keys;
	bool handshake_acked; /* client: received an ACK in the Handshake space */
	bool amplification_limited;
};

static const uint32_t default_capacity[TERN_QUIC_PN_SPACE_COUNT] = {64, 64, 4096};

static struct tern_quic_sent_pkt *
slot(struct rspace *s, uint64_t pn)
{
	return &s->ring[pn & s->mask];
}

static uint64_t
sat_add(uint64_t a, uint64_t b)
{
	return a > NEVER - b ? NEVER : a + b;
}

static uint64_t
sat_shl(uint64_t v, unsigned n)
{
	if (n >= 64 || (n > 0 && v > (NEVER >> n)))
		return NEVER;
	return v << n;
}

static bool
valid_space(enum tern_quic_pn_space space)
{
	return (unsigned)space < TERN_QUIC_PN_SPACE_COUNT;
}

struct tern_quic_recovery *
tern_quic_recovery_new(const struct tern_quic_recovery_config *cfg, struct tern_quic_cc *cc,
		       const struct tern_quic_recovery_cb *cb)
{
	struct tern_quic_recovery *r;
	unsigned i;

	if (cc == NULL || cb == NULL || cb->on_acked == NULL || cb->on_lost == NULL)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->cc = cc;
	r->cb = *cb;
	r->is_server = cfg != NULL && cfg->is_server;
	r->pto_probes = cfg != NULL && cfg->pto_probes == 1 ? 1 : 2;
	r->max_ack_delay = TERN_QUIC_DEFAULT_MAX_ACK_DELAY;
	r->timer = NEVER;
	/* A.4 initialisation. */
	r->rtt.smoothed =
		cfg != NULL && cfg->initial_rtt != 0 ? cfg->initial_rtt : TERN_QUIC_INITIAL_RTT;
	r->rtt.var = r->rtt.smoothed / 2;
	for (i = 0; i < TERN_QUIC_PN_SPACE_COUNT; i++) {
		uint64_t want = cfg != NULL && cfg->capacity[i] != 0 ? cfg->capacity[i]
								     : default_capacity[i];
		uint64_t cap = 1;

		if (want > (1u << 24))
			want = 1u << 24;
		while (cap < want)
			cap <<= 1;
		r->sp[i].ring = calloc(cap, sizeof(struct tern_quic_sent_pkt));
		if (r->sp[i].ring == NULL) {
			tern_quic_recovery_free(r);
			return NULL;
		}
		r->sp[i].mask = cap - 1;
		r->sp[i].loss_time = NEVER;
	}
	return r;
}

void
tern_quic_recovery_free(struct tern_quic_recovery *r)
{
	unsigned i;

	if (r == NULL)
		return;
	for (i = 0; i < TERN_QUIC_PN_SPACE_COUNT; i++)
		free(r->sp[i].ring);
	free(r);
}

/* A.6 PeerCompletedAddressValidation. */
static bool
peer_completed_address_validation(const struct tern_quic_recovery *r)
{
	return r->is_server || r->handshake_acked || r->handshake_confirmed;
}

static uint64_t
eliciting_in_flight(const struct tern_quic_recovery *r)
{
	return r->sp[0].eliciting_in_flight + r->sp[1].eliciting_in_flight +
	       r->sp[2].eliciting_in_flight;
}

/* A.8 GetLossTimeAndSpace (NEVER stands for the pseudocode's 0). */
static uint64_t
loss_time_and_space(const struct tern_quic_recovery *r, enum tern_quic_pn_space *space)
{
	uint64_t t = NEVER;
	unsigned i;

	*space = TERN_QUIC_PN_INITIAL;
	for (i = 0; i < TERN_QUIC_PN_SPACE_COUNT; i++) {
		if (r->sp[i].loss_time < t) {
			t = r->sp[i].loss_time;
			*space = (enum tern_quic_pn_space)i;
		}
	}
	return t;
}

/* A.8 GetPtoTimeAndSpace. */
static uint64_t
pto_time_and_space(const struct tern_quic_recovery *r, uint64_t now, enum tern_quic_pn_space *space)
{
	uint64_t var4 = sat_shl(r->rtt.var, 2);
	uint64_t duration =
		sat_shl(sat_add(r->rtt.smoothed,
				var4 > TERN_QUIC_GRANULARITY ? var4 : TERN_QUIC_GRANULARITY),
			r->pto_count);
	uint64_t timeout = NEVER;
	unsigned i;

	*space = TERN_QUIC_PN_INITIAL;
	if (eliciting_in_flight(r) == 0) {
		/* Anti-deadlock PTO (6.2.2.1) starts from now. */
		*space = r->has_handshake_keys ? TERN_QUIC_PN_HANDSHAKE : TERN_QUIC_PN_INITIAL;
		return sat_add(now, duration);
	}
	for (i = 0; i < TERN_QUIC_PN_SPACE_COUNT; i++) {
		const struct rspace *s = &r->sp[i];
		uint64_t t;

		if (s->discarded || s->eliciting_in_flight == 0)
			continue;
		if (i == TERN_QUIC_PN_APP) {
			/* No AppData PTO before confirmation (6.2.1). */
			if (!r->handshake_confirmed)
				return timeout;
			duration = sat_add(duration, sat_shl(r->max_ack_delay, r->pto_count));
		}
		t = sat_add(s->last_ack_eliciting, duration);
		if (t < timeout) {
			timeout = t;
			*space = (enum tern_quic_pn_space)i;
		}
	}
	return timeout;
}

/* A.8 SetLossDetectionTimer. */
static void
set_timer(struct tern_quic_recovery *r, uint64_t now)
{
	enum tern_quic_pn_space space;
	uint64_t t = loss_time_and_space(r, &space);

	if (t != NEVER) {
		r->timer = t;
		return;
	}
	if (r->amplification_limited) {
		r->timer = NEVER;
		return;
	}
	if (eliciting_in_flight(r) == 0 && peer_completed_address_validation(r)) {
		r->timer = NEVER;
		return;
	}
	r->timer = pto_time_and_space(r, now, &space);
}

/* Forget DONE and EMPTY slots at the bottom of the window. */
static void
advance_base(struct rspace *s)
{
	while (s->base < s->next) {
		struct tern_quic_sent_pkt *p = slot(s, s->base);

		if (p->state == SLOT_OUT || p->state == SLOT_ACKED_NOW)
			break;
		p->state = SLOT_EMPTY;
		s->base++;
	}
}

uint64_t
tern_quic_recovery_room(const struct tern_quic_recovery *r, enum tern_quic_pn_space space)
{
	const struct rspace *s;
	uint64_t used;

	if (!valid_space(space) || r->sp[space].discarded)
		return 0;
	s = &r->sp[space];
	used = s->next - s->base;
	return s->mask + 1 - used;
}

/* Make room for pn by forgetting the oldest packets that need no answer
 * (ACK-only or PADDING-only: nothing to retransmit). */
static bool
make_room(struct tern_quic_recovery *r, enum tern_quic_pn_space space, uint64_t pn)
{
	struct rspace *s = &r->sp[space];

	while (pn - s->base > s->mask) {
		struct tern_quic_sent_pkt *p = slot(s, s->base);

		if (p->state == SLOT_OUT) {
			if (p->ack_eliciting)
				return false;
			if (p->in_flight)
				tern_quic_cc_on_packet_removed(r->cc, p->size);
			if (r->cb.on_discarded != NULL)
				r->cb.on_discarded(r->cb.user, space, p);
		}
		p->state = SLOT_EMPTY;
		s->base++;
		advance_base(s);
	}
	return true;
}

/* A.5 OnPacketSent. */
int
tern_quic_recovery_on_packet_sent(struct tern_quic_recovery *r, enum tern_quic_pn_space space,
				  const struct tern_quic_sent_pkt *pkt)
{
	struct rspace *s;
	struct tern_quic_sent_pkt *p;

	if (!valid_space(space) || r->sp[space].discarded || pkt->pn > TERN_QUIC_PN_MAX)
		return -TERN_EINVAL;
	s = &r->sp[space];
	if (s->next != 0 && pkt->pn < s->next)
		return -TERN_EINVAL;
	if (s->base == s->next)
		s->base = pkt->pn; /* empty window: skipped pns need no slots */
	if (!make_room(r, space, pkt->pn))
		return -TERN_ENOBUFS;
	if (s->base == s->next)
		s->base = pkt->pn;
	p = slot(s, pkt->pn);
	*p = *pkt;
	p->state = SLOT_OUT;
	s->next = pkt->pn + 1;

	r->stats.sent_pkts++;
	r->stats.sent_bytes += pkt->size;
	if (pkt->ack_eliciting && s->probes > 0)
		s->probes--;
	if (pkt->in_flight) {
		if (pkt->ack_eliciting) {
			s->last_ack_eliciting = pkt->time_sent;
			s->eliciting_in_flight++;
		}
		tern_quic_cc_on_packet_sent(r->cc, pkt->size, pkt->time_sent);
		set_timer(r, pkt->time_sent);
	}
	return 0;
}

/* A.7 UpdateRtt. */
static void
update_rtt(struct tern_quic_recovery *r, uint64_t latest, uint64_t ack_delay, uint64_t now)
{
	struct tern_quic_rtt *rtt = &r->rtt;
	uint64_t adjusted, diff;

	rtt->latest = latest;
	if (!rtt->has_sample) {
		rtt->min = latest;
		rtt->smoothed = latest;
		rtt->var = latest / 2;
		rtt->first_sample_time = now;
		rtt->has_sample = true;
		return;
	}
	/* min_rtt ignores the acknowledgement delay (5.2). */
	if (latest < rtt->min)
		rtt->min = latest;
	/* After confirmation the peer's ack_delay is capped by its
	 * max_ack_delay (5.3). */
	if (r->handshake_confirmed && ack_delay > r->max_ack_delay)
		ack_delay = r->max_ack_delay;
	adjusted = latest;
	if (latest >= sat_add(rtt->min, ack_delay))
		adjusted = latest - ack_delay;
	diff = rtt->smoothed > adjusted ? rtt->smoothed - adjusted : adjusted - rtt->smoothed;
	rtt->var = (3 * rtt->var + diff) / 4;
	rtt->smoothed = (7 * rtt->smoothed + adjusted) / 8;
}

/* 7.6.1: persistent congestion duration. */
static uint64_t
pc_duration(const struct tern_quic_recovery *r)
{
	uint64_t var4 = sat_shl(r->rtt.var, 2);
	uint64_t d = sat_add(sat_add(r->rtt.smoothed,
				     var4 > TERN_QUIC_GRANULARITY ? var4 : TERN_QUIC_GRANULARITY),
			     r->max_ack_delay);

	return d > NEVER / TERN_QUIC_PERSISTENT_CONGESTION_THRESHOLD
		       ? NEVER
		       : d * TERN_QUIC_PERSISTENT_CONGESTION_THRESHOLD;
}

/*
 * A.10 DetectAndRemoveLostPackets fused with B.9 OnPacketsLost: declare
 * packets lost, report them, then the congestion event, then persistent
 * congestion (7.6.2: two ack-eliciting packets sent after the first RTT
 * sample, lost, more than the PC duration apart, with no packet between
 * them acknowledged).
 */
static void
detect_lost(struct tern_quic_recovery *r, enum tern_quic_pn_space space, uint64_t now)
{
	struct rspace *s = &r->sp[space];
	uint64_t latest = r->rtt.latest > r->rtt.smoothed ? r->rtt.latest : r->rtt.smoothed;
	uint64_t loss_delay, lost_send_time, pn, end;
	uint64_t last_loss_time = 0, run_start = 0, pcd = pc_duration(r);
	bool any_loss = false, run = false, pc = false, time_ok;

	s->loss_time = NEVER;
	if (!s->has_largest_acked)
		return;
	/* kTimeThreshold 9/8 (6.1.2), at least kGranularity. */
	loss_delay = latest > NEVER / 9 ? NEVER : latest * 9 / 8;
	if (loss_delay < TERN_QUIC_GRANULARITY)
		loss_delay = TERN_QUIC_GRANULARITY;
	time_ok = now >= loss_delay;
	lost_send_time = time_ok ? now - loss_delay : 0;

	end = s->largest_acked < s->next ? s->largest_acked + 1 : s->next;
	for (pn = s->base; pn < end; pn++) {
		struct tern_quic_sent_pkt *p = slot(s, pn);

		if (p->state == SLOT_ACKED_NOW || p->state == SLOT_DONE_ACKED) {
			run = false; /* an acknowledged packet splits the period */
			continue;
		}
		if (p->state != SLOT_OUT)
			continue;
		if ((time_ok && p->time_sent <= lost_send_time) ||
		    s->largest_acked >= pn + TERN_QUIC_PACKET_THRESHOLD) {
			p->state = SLOT_DONE_LOST;
			r->stats.lost_pkts++;
			r->stats.lost_bytes += p->size;
			if (p->in_flight) {
				tern_quic_cc_on_packet_removed(r->cc, p->size);
				if (p->ack_eliciting)
					s->eliciting_in_flight--;
				any_loss = true;
				if (p->time_sent > last_loss_time)
					last_loss_time = p->time_sent;
			}
			if (p->ack_eliciting && r->rtt.has_sample &&
			    p->time_sent > r->rtt.first_sample_time) {
				if (!run) {
					run = true;
					run_start = p->time_sent;
				} else if (p->time_sent - run_start > pcd) {
					pc = true;
				}
			}
			r->cb.on_lost(r->cb.user, space, p);
		} else {
			uint64_t t = sat_add(p->time_sent, loss_delay);

			if (t < s->loss_time)
				s->loss_time = t;
		}
	}
	if (any_loss)
		tern_quic_cc_on_congestion_event(r->cc, last_loss_time, now);
	if (pc) {
		tern_quic_cc_on_persistent_congestion(r->cc, now);
		r->stats.persistent_congestions++;
	}
}

static bool
ranges_ok(const struct tern_quic_ack_range *ranges, size_t n)
{
	size_t i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++) {
		if (ranges[i].smallest > ranges[i].largest)
			return false;
		if (i > 0 && ranges[i].largest >= ranges[i - 1].smallest)
			return false;
	}
	return true;
}

/* Clip [smallest, largest] to the window; false if nothing is left. */
static bool
clip(const struct rspace *s, const struct tern_quic_ack_range *rg, uint64_t *lo, uint64_t *hi)
{
	if (s->base >= s->next || rg->largest < s->base || rg->smallest >= s->next)
		return false;
	*lo = rg->smallest > s->base ? rg->smallest : s->base;
	*hi = rg->largest < s->next - 1 ? rg->largest : s->next - 1;
	return true;
}

/* A.7 OnAckReceived, with B.7 ProcessECN and B.5 OnPacketsAcked. */
int
tern_quic_recovery_on_ack_received(struct tern_quic_recovery *r, enum tern_quic_pn_space space,
				   const struct tern_quic_ack_range *ranges, size_t n,
				   uint64_t ack_delay, const struct tern_quic_ack_ecn *ecn,
				   uint64_t now)
{
	struct rspace *s;
	struct tern_quic_sent_pkt *largest_newly = NULL;
	bool includes_eliciting = false;
	uint64_t pn, lo, hi;
	size_t i;

	if (!valid_space(space) || r->sp[space].discarded || !ranges_ok(ranges, n))
		return -TERN_EINVAL;
	s = &r->sp[space];
	/* Acknowledging a pn never sent is a PROTOCOL_VIOLATION (RFC 9000 13.1). */
	if (ranges[0].largest >= s->next)
		return -TERN_EPROTO;
	/* The ACK Delay of Initial and Handshake ACKs is ignored (5.3). */
	if (space != TERN_QUIC_PN_APP)
		ack_delay = 0;
	if (space == TERN_QUIC_PN_HANDSHAKE)
		r->handshake_acked = true;
	if (!s->has_largest_acked || ranges[0].largest > s->largest_acked) {
		s->largest_acked = ranges[0].largest;
		s->has_largest_acked = true;
	}

	/* DetectAndRemoveAckedPackets, first half: mark (ranges descend). */
	for (i = 0; i < n; i++) {
		if (!clip(s, &ranges[i], &lo, &hi))
			continue;
		for (pn = hi + 1; pn-- > lo;) {
			struct tern_quic_sent_pkt *p = slot(s, pn);

			if (p->state == SLOT_OUT) {
				p->state = SLOT_ACKED_NOW;
				if (largest_newly == NULL)
					largest_newly = p;
				includes_eliciting |= p->ack_eliciting;
			} else if (p->state == SLOT_DONE_LOST) {
				p->state = SLOT_DONE_ACKED;
				r->stats.spurious_acks++;
			}
		}
	}
	if (largest_newly == NULL)
		return 0;

	if (largest_newly->pn == ranges[0].largest && includes_eliciting)
		update_rtt(r, now > largest_newly->time_sent ? now - largest_newly->time_sent : 0,
			   ack_delay, now);

	if (ecn != NULL && ecn->ce > s->ecn_ce) {
		/* B.7: a CE increase is a congestion signal for the largest
		 * acknowledged packet (its slot may be a skipped pn: then the
		 * largest newly acknowledged one stands in). */
		const struct tern_quic_sent_pkt *la = slot(s, ranges[0].largest);

		if (la->state == SLOT_EMPTY || la->pn != ranges[0].largest)
			la = largest_newly;
		s->ecn_ce = ecn->ce;
		tern_quic_cc_on_congestion_event(r->cc, la->time_sent, now);
	}

	detect_lost(r, space, now);

	/* Second half: report and release the marked packets (B.5). */
	for (i = 0; i < n; i++) {
		if (!clip(s, &ranges[i], &lo, &hi))
			continue;
		for (pn = hi + 1; pn-- > lo;) {
			struct tern_quic_sent_pkt *p = slot(s, pn);

			if (p->state != SLOT_ACKED_NOW)
				continue;
			p->state = SLOT_DONE_ACKED;
			r->stats.acked_pkts++;
			if (p->in_flight) {
				if (p->ack_eliciting)
					s->eliciting_in_flight--;
				tern_quic_cc_on_packet_acked(r->cc, p->size, p->time_sent, now,
							     r->rtt.smoothed);
			}
			r->cb.on_acked(r->cb.user, space, p);
		}
	}
	advance_base(s);

	/* Keep the backoff while the client is unsure the server validated
	 * its address (A.7). */
	if (peer_completed_address_validation(r))
		r->pto_count = 0;
	set_timer(r, now);
	return 0;
}

uint64_t
tern_quic_recovery_timeout(const struct tern_quic_recovery *r)
{
	return r->timer;
}

/* A.9 OnLossDetectionTimeout. */
enum tern_quic_timeout_kind
tern_quic_recovery_on_timeout(struct tern_quic_recovery *r, uint64_t now)
{
	enum tern_quic_pn_space space;

	if (r->timer == NEVER || now < r->timer)
		return TERN_QUIC_TIMEOUT_NONE;
	if (loss_time_and_space(r, &space) != NEVER) {
		detect_lost(r, space, now);
		advance_base(&r->sp[space]);
		r->stats.loss_timer_fired++;
		set_timer(r, now);
		return TERN_QUIC_TIMEOUT_LOSS;
	}
	if (eliciting_in_flight(r) == 0) {
		if (peer_completed_address_validation(r)) {
			/* Nothing to probe for (cannot happen per A.8). */
			set_timer(r, now);
			return TERN_QUIC_TIMEOUT_NONE;
		}
		/* Client anti-deadlock: one Handshake packet proves address
		 * ownership, else a padded Initial earns credit (6.2.2.1). */
		space = r->has_handshake_keys ? TERN_QUIC_PN_HANDSHAKE : TERN_QUIC_PN_INITIAL;
		if (!r->sp[space].discarded)
			r->sp[space].probes = 1;
	} else {
		pto_time_and_space(r, now, &space);
		r->sp[space].probes = r->pto_probes;
	}
	r->pto_count++;
	r->stats.pto_fired++;
	set_timer(r, now);
	return TERN_QUIC_TIMEOUT_PTO;
}

unsigned
tern_quic_recovery_probes(const struct tern_quic_recovery *r, enum tern_quic_pn_space space)
{
	return valid_space(space) ? r->sp[space].probes : 0;
}

/* A.11 OnPacketNumberSpaceDiscarded. */
void
tern_quic_recovery_discard_space(struct tern_quic_recovery *r, enum tern_quic_pn_space space,
				 uint64_t now)
{
	struct rspace *s;
	uint64_t pn;

	if (!valid_space(space) || space == TERN_QUIC_PN_APP || r->sp[space].discarded)
		return;
	s = &r->sp[space];
	for (pn = s->base; pn < s->next; pn++) {
		struct tern_quic_sent_pkt *p = slot(s, pn);

		if (p->state == SLOT_OUT) {
			if (p->in_flight)
				tern_quic_cc_on_packet_removed(r->cc, p->size);
			if (r->cb.on_discarded != NULL)
				r->cb.on_discarded(r->cb.user, space, p);
		}
		p->state = SLOT_EMPTY;
	}
	s->base = s->next;
	s->eliciting_in_flight = 0;
	s->last_ack_eliciting = 0;
	s->loss_time = NEVER;
	s->probes = 0;
	s->discarded = true;
	r->pto_count = 0;
	set_timer(r, now);
}

void
tern_quic_recovery_set_handshake_confirmed(struct tern_quic_recovery *r, uint64_t now)
{
	r->handshake_confirmed = true;
	set_timer(r, now);
}

void
tern_quic_recovery_set_handshake_keys(struct tern_quic_recovery *r, uint64_t now)
{
	r->has_handshake_keys = true;
	set_timer(r, now);
}

void
tern_quic_recovery_set_peer_max_ack_delay(struct tern_quic_recovery *r, uint64_t max_ack_delay)
{
	r->max_ack_delay = max_ack_delay;
}

void
tern_quic_recovery_set_amplification_limited(struct tern_quic_recovery *r, bool limited,
					     uint64_t now)
{
	if (r->amplification_limited == limited)
		return;
	r->amplification_limited = limited;
	set_timer(r, now);
}

uint64_t
tern_quic_recovery_pto(const struct tern_quic_recovery *r)
{
	uint64_t var4 = sat_shl(r->rtt.var, 2);

	return sat_add(sat_add(r->rtt.smoothed,
			       var4 > TERN_QUIC_GRANULARITY ? var4 : TERN_QUIC_GRANULARITY),
		       r->max_ack_delay);
}

unsigned
tern_quic_recovery_pto_count(const struct tern_quic_recovery *r)
{
	return r->pto_count;
}

const struct tern_quic_rtt *
tern_quic_recovery_rtt(const struct tern_quic_recovery *r)
{
	return &r->rtt;
}

int64_t
tern_quic_recovery_largest_acked(const struct tern_quic_recovery *r, enum tern_quic_pn_space space)
{
	if (!valid_space(space) || !r->sp[space].has_largest_acked)
		return -1;
	return (int64_t)r->sp[space].largest_acked;
}

uint64_t
tern_quic_recovery_ack_eliciting_in_flight(const struct tern_quic_recovery *r,
					   enum tern_quic_pn_space space)
{
	return valid_space(space) ? r->sp[space].eliciting_in_flight : 0;
}

const struct tern_quic_recovery_stats *
tern_quic_recovery_stats(const struct tern_quic_recovery *r)
{
	return &r->stats;
}
