/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Token-bucket pacer (RFC 9002 7.7): refills at 1.25 * cwnd / smoothed_rtt
 * bytes per ns, holds at most TERN_QUIC_PACER_BURST datagrams. Integer
 * arithmetic: a refill of elapsed ns is elapsed * 5 * cwnd / (4 * srtt),
 * computed only while the bucket is not yet full, which keeps the product
 * below capacity * 4 * srtt (srtt is clamped so that cannot overflow).
 */

#include <string.h>

#include "dataplane/quic/quic_cc.h"

/* Longest srtt the pacer uses: 1000 s keeps capacity * 4 * srtt < 2^64. */
#define PACER_MAX_SRTT 1000000000000ULL

void
tern_quic_pacer_init(struct tern_quic_pacer *p, size_t max_datagram_size)
{
	if (max_datagram_size < TERN_QUIC_MIN_DATAGRAM_SIZE)
		max_datagram_size = TERN_QUIC_MIN_DATAGRAM_SIZE;
	memset(p, 0, sizeof(*p));
	p->capacity = (uint64_t)TERN_QUIC_PACER_BURST * max_datagram_size;
	p->tokens = p->capacity;
}

void
tern_quic_pacer_set_rate(struct tern_quic_pacer *p, uint64_t cwnd, uint64_t srtt)
{
	p->cwnd = cwnd;
	p->srtt = srtt > PACER_MAX_SRTT ? PACER_MAX_SRTT : srtt;
}

static bool
pacing_on(const struct tern_quic_pacer *p)
{
	return p->srtt != 0 && p->cwnd != 0;
}

/* Tokens available at now (not stored). */
static uint64_t
tokens_at(const struct tern_quic_pacer *p, uint64_t now)
{
	uint64_t elapsed, fill, add;

	if (!p->started || !pacing_on(p))
		return p->capacity;
	if (now <= p->last || p->tokens >= p->capacity)
		return p->tokens;
	elapsed = now - p->last;
	/* Time to refill what is missing; past it the bucket is full. */
	fill = (p->capacity - p->tokens) * 4 * p->srtt / (5 * p->cwnd) + 1;
	if (elapsed >= fill)
		return p->capacity;
	add = elapsed * 5 * p->cwnd / (4 * p->srtt);
	return p->tokens + add > p->capacity ? p->capacity : p->tokens + add;
}

uint64_t
tern_quic_pacer_next_send(const struct tern_quic_pacer *p, uint64_t now, size_t size)
{
	uint64_t tokens, missing, wait;

	if (!pacing_on(p))
		return now;
	tokens = tokens_at(p, now);
	if (tokens >= size)
		return now;
	missing = size - tokens;
	/* ceil(missing * 4 * srtt / (5 * cwnd)); missing <= capacity. */
	wait = (missing * 4 * p->srtt + 5 * p->cwnd - 1) / (5 * p->cwnd);
	if (p->started && p->last > now)
		now = p->last;
	return now + wait;
}

void
tern_quic_pacer_on_sent(struct tern_quic_pacer *p, uint64_t now, size_t size)
{
	uint64_t tokens = tokens_at(p, now);

	if (!p->started || now > p->last)
		p->last = now;
	p->started = true;
	p->tokens = tokens > size ? tokens - size : 0;
}

uint64_t
tern_quic_pacer_rate(const struct tern_quic_pacer *p)
{
	double r;

	if (!pacing_on(p))
		return UINT64_MAX;
	r = (double)p->cwnd * 1.25e9 / (double)p->srtt;
	return r >= 1.8e19 ? UINT64_MAX : (uint64_t)r;
}
