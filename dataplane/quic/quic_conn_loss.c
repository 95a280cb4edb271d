/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loss recovery glue (RFC 9002): the records of what each sent packet
 * carried, the recovery callbacks that turn acknowledgements and losses into
 * freed or re-queued CRYPTO / STREAM / control data (RFC 9000 13.3), ACK
 * frame processing, PTO probes and the congestion controller.
 */

#include <stdlib.h>
#include <string.h>

#include "quic_conn_internal.h"

/* Most ACK ranges handed to recovery per frame; older ranges are ignored. */
#define ACK_RANGES_MAX 64

/* --- packet records --------------------------------------------------------------- */

uint32_t
conn_rec_alloc(struct tern_quic_conn *c)
{
	uint32_t i;

	if (c->recs_free == 0) {
		uint32_t cap = c->recs_cap < 64 ? 64 : c->recs_cap * 2;
		struct pkt_rec *p;

		/* Recovery tracks a few thousand packets at most; this is only a backstop. */
		if (cap > (1u << 16))
			return 0;
		p = realloc(c->recs, (size_t)cap * sizeof(*p));
		if (p == NULL)
			return 0;
		memset(p + c->recs_cap, 0, (size_t)(cap - c->recs_cap) * sizeof(*p));
		/* Index 0 means "no record"; chain the new entries into the free list. */
		for (i = cap; i-- > (c->recs_cap == 0 ? 1 : c->recs_cap);) {
			p[i].next_free = c->recs_free;
			c->recs_free = i;
		}
		c->recs = p;
		c->recs_cap = cap;
	}
	i = c->recs_free;
	c->recs_free = c->recs[i].next_free;
	c->recs[i].in_use = true;
	c->recs[i].n = 0;
	c->recs[i].zrtt = false;
	return i;
}

void
conn_rec_release(struct tern_quic_conn *c, uint32_t meta)
{
	struct pkt_rec *r = conn_rec_get(c, meta);

	if (r == NULL)
		return;
	r->in_use = false;
	r->n = 0;
	r->next_free = c->recs_free;
	c->recs_free = meta;
}

/* --- recovery callbacks ------------------------------------------------------------ */

static struct tern_quic_stream_ctrl
rec_ctrl(const struct frame_rec *fr)
{
	struct tern_quic_stream_ctrl cf = {
		.id = fr->id, .value = fr->off, .final_size = fr->len, .type = fr->ctrl_type};

	return cf;
}

static void
on_acked(void *user, enum tern_quic_pn_space space, const struct tern_quic_sent_pkt *pkt)
{
	struct tern_quic_conn *c = user;
	struct conn_space_state *s = &c->sp[space];
	struct pkt_rec *r = conn_rec_get(c, pkt->meta);
	unsigned i;

	if (pkt->ack_largest_plus1 != 0 && !s->discarded)
		tern_quic_ack_on_ack_acked(&s->ack, pkt->ack_largest_plus1 - 1);
	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		const struct frame_rec *fr = &r->fr[i];
		struct tern_quic_stream_ctrl cf;

		switch (fr->kind) {
		case FR_CRYPTO:
			if (!s->discarded) {
				/*
				 * Under-cover only: a full set forgets this ack (the
				 * bytes may be resent), a coalesced one would mark
				 * unacknowledged bytes acked and never resend them.
				 */
				(void)tern_quic_rangeset_insert(&s->ctx.acked, fr->off,
								fr->off + fr->len);
				tern_quic_rangeset_remove(&s->ctx.lost, fr->off, fr->off + fr->len);
			}
			break;
		case FR_STREAM:
			tern_quic_streams_on_data_acked(c->streams, fr->id, fr->off, fr->len,
							fr->fin);
			break;
		case FR_CTRL:
			cf = rec_ctrl(fr);
			tern_quic_streams_ctrl_acked(c->streams, &cf);
			break;
		default:
			break;
		}
	}
	/* RFC 9001 4.1.2: an acknowledged 1-RTT packet confirms the handshake for a client. */
	if (space == TERN_QUIC_PN_APP && !c->server && c->hs_complete)
		c->confirm_pending = true;
	conn_rec_release(c, pkt->meta);
}

static void
on_lost(void *user, enum tern_quic_pn_space space, const struct tern_quic_sent_pkt *pkt)
{
	struct tern_quic_conn *c = user;
	struct conn_space_state *s = &c->sp[space];
	struct pkt_rec *r = conn_rec_get(c, pkt->meta);
	unsigned i;

	c->stats.lost++;
	c->stats.lost_bytes += pkt->size;
	if (r == NULL)
		return;
	c->stats.retrans++;
	for (i = 0; i < r->n; i++) {
		const struct frame_rec *fr = &r->fr[i];
		struct tern_quic_stream_ctrl cf;

		switch (fr->kind) {
		case FR_CRYPTO:
			if (!s->discarded &&
			    !tern_quic_rangeset_contains(&s->ctx.acked, fr->off, fr->off + fr->len))
				tern_quic_rangeset_insert_coalesce(&s->ctx.lost, fr->off,
								   fr->off + fr->len);
			break;
		case FR_STREAM:
			tern_quic_streams_on_data_lost(c->streams, fr->id, fr->off, fr->len,
						       fr->fin);
			break;
		case FR_CTRL:
			cf = rec_ctrl(fr);
			tern_quic_streams_ctrl_lost(c->streams, &cf);
			break;
		case FR_HANDSHAKE_DONE:
			c->handshake_done_pending = true;
			break;
		case FR_RETIRE_CID:
			conn_retire_queue(c, fr->off);
			break;
		default:
			break;
		}
	}
	conn_rec_release(c, pkt->meta);
}

static void
on_discarded(void *user, enum tern_quic_pn_space space, const struct tern_quic_sent_pkt *pkt)
{
	(void)space;
	conn_rec_release(user, pkt->meta);
}

int
conn_recovery_init(struct tern_quic_conn *c, uint64_t now)
{
	struct tern_quic_recovery_config rc = {.is_server = c->server};
	struct tern_quic_recovery_cb cb = {
		.user = c, .on_acked = on_acked, .on_lost = on_lost, .on_discarded = on_discarded};
	int err;

	(void)now;
	err = tern_quic_cc_init(&c->cc, c->cfg->cc, c->max_send_udp);
	if (err != 0)
		return err;
	tern_quic_pacer_init(&c->pacer, c->max_send_udp);
	c->rec = tern_quic_recovery_new(&rc, &c->cc, &cb);
	return c->rec != NULL ? 0 : -TERN_ENOMEM;
}

void
conn_recovery_free(struct tern_quic_conn *c)
{
	tern_quic_recovery_free(c->rec);
	c->rec = NULL;
}

/* --- ACK frames ----------------------------------------------------------------------- */

int
conn_on_ack(struct tern_quic_conn *c, enum conn_space sp, const struct tern_quic_frame_ack *ack,
	    uint64_t now)
{
	struct tern_quic_ack_range ranges[ACK_RANGES_MAX];
	struct tern_quic_ack_iter it;
	size_t n = 0;
	uint64_t delay, exp = c->peer_tp_done ? c->peer_tp.ack_delay_exponent : 3;
	int rc;

	tern_quic_ack_iter_init(&it, ack);
	while (n < ACK_RANGES_MAX &&
	       tern_quic_ack_range_next(&it, &ranges[n].smallest, &ranges[n].largest))
		n++;
	if (n == 0)
		return conn_close_local(c, false, TERN_QUIC_ERR_FRAME_ENCODING_ERROR,
					TERN_QUIC_FT_ACK, "empty ACK");
	delay = tern_quic_ack_delay_decode(ack->ack_delay, (unsigned)exp);
	rc = tern_quic_recovery_on_ack_received(c->rec, (enum tern_quic_pn_space)sp, ranges, n,
						delay, NULL, now);
	if (rc == -TERN_EPROTO)
		return conn_close_local(c, false, TERN_QUIC_ERR_PROTOCOL_VIOLATION,
					TERN_QUIC_FT_ACK, "ACK of a packet never sent");
	return 0;
}

/* --- timers ------------------------------------------------------------------------------ */

/* PTO (RFC 9002 6.2.4): resend unacknowledged handshake data in the probes. */
static void
requeue_crypto(struct conn_space_state *s)
{
	struct crypto_tx *tx = &s->ctx;
	uint64_t prev = 0;
	uint32_t i;

	for (i = 0; i < tern_quic_rangeset_count(&tx->acked) && prev < tx->sent; i++) {
		struct tern_quic_range r = tern_quic_rangeset_at(&tx->acked, i);
		uint64_t end = r.start < tx->sent ? r.start : tx->sent;

		if (end > prev)
			tern_quic_rangeset_insert_coalesce(&tx->lost, prev, end);
		prev = r.end;
	}
	if (prev < tx->sent)
		tern_quic_rangeset_insert_coalesce(&tx->lost, prev, tx->sent);
}

void
conn_recovery_on_timeout(struct tern_quic_conn *c, uint64_t now)
{
	int sp;

	if (tern_quic_recovery_on_timeout(c->rec, now) != TERN_QUIC_TIMEOUT_PTO)
		return;
	for (sp = 0; sp < SP_COUNT; sp++)
		if (!c->sp[sp].discarded &&
		    tern_quic_recovery_probes(c->rec, (enum tern_quic_pn_space)sp) > 0)
			requeue_crypto(&c->sp[sp]);
}

/*
 * Client: the server rejected 0-RTT (RFC 9001 4.6.2): what the 0-RTT packets
 * carried goes again in 1-RTT packets. Their loss-recovery entries stay until
 * recovery gives up on them; the records are gone, so nothing is queued twice.
 */
void
conn_zrtt_requeue(struct tern_quic_conn *c)
{
	uint32_t i;

	for (i = 1; i < c->recs_cap; i++) {
		struct pkt_rec *r = &c->recs[i];
		unsigned k;

		if (!r->in_use || !r->zrtt)
			continue;
		for (k = 0; k < r->n; k++) {
			const struct frame_rec *fr = &r->fr[k];
			struct tern_quic_stream_ctrl cf;

			if (fr->kind == FR_STREAM) {
				tern_quic_streams_on_data_lost(c->streams, fr->id, fr->off, fr->len,
							       fr->fin);
			} else if (fr->kind == FR_CTRL) {
				cf = rec_ctrl(fr);
				tern_quic_streams_ctrl_lost(c->streams, &cf);
			}
		}
		conn_rec_release(c, i);
	}
}
