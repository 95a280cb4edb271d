/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Receive-side packet tracking and ACK generation (RFC 9000 13.2).
 */

#include <string.h>

#include <tern/error.h>

#include "dataplane/quic/quic_ack.h"

void
tern_quic_ack_init(struct tern_quic_ack_tracker *t, enum tern_quic_pn_space space,
		   uint64_t max_ack_delay)
{
	memset(t, 0, sizeof(*t));
	t->deadline = TERN_QUIC_TIME_NEVER;
	t->threshold = TERN_QUIC_ACK_ELICITING_THRESHOLD;
	/* Initial and Handshake packets are acknowledged without delay (13.2.1). */
	t->immediate = space != TERN_QUIC_PN_APP;
	t->max_ack_delay = t->immediate ? 0 : max_ack_delay;
}

void
tern_quic_ack_set_threshold(struct tern_quic_ack_tracker *t, unsigned n)
{
	t->threshold = n == 0 ? 1 : n;
}

bool
tern_quic_ack_is_duplicate(const struct tern_quic_ack_tracker *t, uint64_t pn)
{
	unsigned i;

	if (pn < t->floor)
		return true;
	for (i = 0; i < t->nranges; i++) {
		if (pn > t->ranges[i].largest)
			return false;
		if (pn >= t->ranges[i].smallest)
			return true;
	}
	return false;
}

static void
range_remove(struct tern_quic_ack_tracker *t, unsigned i)
{
	memmove(&t->ranges[i], &t->ranges[i + 1], (t->nranges - i - 1) * sizeof(t->ranges[0]));
	t->nranges--;
}

/* Insert a new single-pn range at index i, forgetting the oldest range when
 * full (13.2.3: its packet numbers become duplicates). Returns the index of
 * the new range, or -1 if the new range itself was the oldest. */
static int
range_insert(struct tern_quic_ack_tracker *t, unsigned i, uint64_t pn)
{
	if (t->nranges == TERN_QUIC_ACK_MAX_RANGES) {
		if (i == t->nranges) {
			t->floor = pn + 1;
			return -1;
		}
		t->floor = t->ranges[t->nranges - 1].largest + 1;
		t->nranges--;
	}
	memmove(&t->ranges[i + 1], &t->ranges[i], (t->nranges - i) * sizeof(t->ranges[0]));
	t->ranges[i].smallest = pn;
	t->ranges[i].largest = pn;
	t->nranges++;
	return (int)i;
}

/* Record pn (known not to be a duplicate); returns the index of the range
 * now holding it, or -1 if it could not be kept. */
static int
range_add(struct tern_quic_ack_tracker *t, uint64_t pn)
{
	unsigned i;

	for (i = 0; i < t->nranges; i++) {
		struct tern_quic_ack_range *r = &t->ranges[i];

		if (pn < r->smallest)
			continue;
		/* pn > r->largest: it goes at or above range i */
		if (pn == r->largest + 1) {
			r->largest = pn;
			if (i > 0 && t->ranges[i - 1].smallest == pn + 1) {
				t->ranges[i - 1].smallest = r->smallest;
				range_remove(t, i);
				return (int)i - 1;
			}
			return (int)i;
		}
		if (i > 0 && t->ranges[i - 1].smallest == pn + 1) {
			t->ranges[i - 1].smallest = pn;
			return (int)i - 1;
		}
		return range_insert(t, i, pn);
	}
	if (i > 0 && t->ranges[i - 1].smallest == pn + 1) {
		t->ranges[i - 1].smallest = pn;
		return (int)i - 1;
	}
	return range_insert(t, i, pn);
}

bool
tern_quic_ack_on_pkt_received(struct tern_quic_ack_tracker *t, uint64_t pn, bool ack_eliciting,
			      enum tern_quic_ecn ecn, uint64_t now)
{
	bool immediate = t->immediate;
	int idx;

	if (tern_quic_ack_is_duplicate(t, pn))
		return true;
	idx = range_add(t, pn);
	if (!t->have_largest || pn > t->largest) {
		t->largest = pn;
		t->have_largest = true;
		t->largest_rx_time = now;
	}
	switch (ecn) {
	case TERN_QUIC_ECN_ECT0:
		t->ecn.ect0++;
		t->ecn_seen = true;
		break;
	case TERN_QUIC_ECN_ECT1:
		t->ecn.ect1++;
		t->ecn_seen = true;
		break;
	case TERN_QUIC_ECN_CE:
		t->ecn.ce++;
		t->ecn_seen = true;
		break;
	default:
		break;
	}
	t->pending = true;
	/* Non-ack-eliciting packets never cause an ACK by themselves (13.2.1). */
	if (!ack_eliciting)
		return false;

	t->eliciting_unacked++;
	if (t->eliciting_unacked >= t->threshold || ecn == TERN_QUIC_ECN_CE)
		immediate = true;
	if (t->have_eliciting) {
		/* Reordering or a gap below this packet: ack at once so the
		 * sender's loss detection sees it (13.2.1). */
		if (pn < t->largest_eliciting)
			immediate = true;
		else if (idx < 0 || t->ranges[idx].smallest > t->largest_eliciting + 1)
			immediate = true;
	}
	if (!t->have_eliciting || pn > t->largest_eliciting) {
		t->largest_eliciting = pn;
		t->have_eliciting = true;
	}
	if (immediate)
		t->deadline = now;
	else if (t->deadline == TERN_QUIC_TIME_NEVER)
		t->deadline = now + t->max_ack_delay;
	return false;
}

int64_t
tern_quic_ack_largest(const struct tern_quic_ack_tracker *t)
{
	return t->have_largest ? (int64_t)t->largest : -1;
}

uint64_t
tern_quic_ack_deadline(const struct tern_quic_ack_tracker *t)
{
	return t->deadline;
}

bool
tern_quic_ack_due(const struct tern_quic_ack_tracker *t, uint64_t now)
{
	return t->deadline != TERN_QUIC_TIME_NEVER && t->deadline <= now;
}

bool
tern_quic_ack_pending(const struct tern_quic_ack_tracker *t)
{
	return t->pending && t->nranges > 0;
}

const struct tern_quic_ack_range *
tern_quic_ack_ranges(const struct tern_quic_ack_tracker *t, unsigned *n)
{
	*n = t->nranges;
	return t->ranges;
}

/* Encoded size of ACK Range i >= 1: Gap and ACK Range Length (19.3.1). */
static size_t
range_pair_len(const struct tern_quic_ack_range *r, unsigned i)
{
	uint64_t gap = r[i - 1].smallest - r[i].largest - 2;

	return tern_varint_len(gap) + tern_varint_len(r[i].largest - r[i].smallest);
}

int
tern_quic_ack_write(struct tern_quic_ack_tracker *t, struct tern_wcursor *w,
		    unsigned ack_delay_exponent, uint64_t now)
{
	const struct tern_quic_ack_range *r = t->ranges;
	size_t budget = tern_wcursor_left(w), fixed, pairs = 0, ecn_len = 0;
	uint64_t delay, type;
	unsigned n = 0, i;
	size_t start = w->off;

	if (t->nranges == 0)
		return -TERN_EAGAIN;
	if (ack_delay_exponent > 20)
		ack_delay_exponent = 20;
	delay = now > t->largest_rx_time ? (now - t->largest_rx_time) / 1000 : 0;
	delay >>= ack_delay_exponent;
	if (tern_varint_len(delay) == 0)
		delay = (1ULL << 62) - 1;
	type = t->ecn_seen ? 0x03 : 0x02;
	if (t->ecn_seen)
		ecn_len = tern_varint_len(t->ecn.ect0) + tern_varint_len(t->ecn.ect1) +
			  tern_varint_len(t->ecn.ce);
	fixed = 1 + tern_varint_len(r[0].largest) + tern_varint_len(delay) +
		tern_varint_len(r[0].largest - r[0].smallest) + ecn_len;
	/* Keep the most recent ranges that fit; the oldest go first (13.2.3). */
	for (i = 1; i <= t->nranges; i++) {
		size_t extra = i > 1 ? range_pair_len(r, i - 1) : 0;

		if (fixed + pairs + extra + tern_varint_len(i - 1) > budget)
			break;
		pairs += extra;
		n = i;
	}
	if (n == 0)
		return -TERN_ENOBUFS;

	/* Sizes were checked above, so these writes cannot fail. */
	tern_wcursor_varint(w, type);
	tern_wcursor_varint(w, r[0].largest);
	tern_wcursor_varint(w, delay);
	tern_wcursor_varint(w, n - 1);
	tern_wcursor_varint(w, r[0].largest - r[0].smallest);
	for (i = 1; i < n; i++) {
		tern_wcursor_varint(w, r[i - 1].smallest - r[i].largest - 2);
		tern_wcursor_varint(w, r[i].largest - r[i].smallest);
	}
	if (t->ecn_seen) {
		tern_wcursor_varint(w, t->ecn.ect0);
		tern_wcursor_varint(w, t->ecn.ect1);
		tern_wcursor_varint(w, t->ecn.ce);
	}
	t->eliciting_unacked = 0;
	t->deadline = TERN_QUIC_TIME_NEVER;
	t->pending = false;
	return (int)(w->off - start);
}

void
tern_quic_ack_on_ack_acked(struct tern_quic_ack_tracker *t, uint64_t largest)
{
	/* The peer has seen an ACK covering everything up to largest: stop
	 * reporting it (13.2.4), but keep treating it as received. */
	while (t->nranges > 0 && t->ranges[t->nranges - 1].largest <= largest)
		t->nranges--;
	if (t->nranges > 0 && t->ranges[t->nranges - 1].smallest <= largest)
		t->ranges[t->nranges - 1].smallest = largest + 1;
	if (largest + 1 > t->floor)
		t->floor = largest + 1;
}

uint64_t
tern_quic_ack_delay_decode(uint64_t field, unsigned exponent)
{
	uint64_t us;

	if (exponent > 63 || (exponent > 0 && field > (UINT64_MAX >> exponent)))
		return UINT64_MAX;
	us = field << exponent;
	if (us > UINT64_MAX / 1000)
		return UINT64_MAX;
	return us * 1000;
}
