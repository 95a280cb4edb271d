/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The packet builder: one datagram per tern_quic_conn_send() call with up to
 * one packet per packet number space (Initial, Handshake, 1-RTT coalesced,
 * RFC 9000 12.2), frames in priority order (CONNECTION_CLOSE, ACK,
 * HANDSHAKE_DONE, PATH_RESPONSE, CRYPTO, stream control, STREAM, PING),
 * padding (RFC 9000 14.1), the congestion window, the anti-amplification
 * limit (8.1) and pacing; all packets of the datagram are protected in one
 * burst, in place.
 */

#include <string.h>

#include "quic_conn_internal.h"

/* A packet being built inside the datagram. */
struct pkt_build {
	enum conn_space sp;
	size_t off;	    /* of the packet in the datagram */
	size_t hdr_len;	    /* header incl. packet number */
	size_t len_off;	    /* long header: offset of the 2-byte Length field */
	size_t payload_len; /* frames so far */
	size_t pn_len;
	uint64_t pn;
	uint32_t meta;
	uint64_t ack_largest_plus1;
	bool ack_eliciting;
	bool in_flight;
	bool long_hdr;
	bool zrtt; /* a 0-RTT packet (client, early keys) */
};

/* Bytes every frame-bearing packet keeps for the AEAD tag. */
#define TAG TERN_AEAD_TAG_LEN

static enum tern_quic_pkt_type
space_pkt_type(enum conn_space sp)
{
	return sp == SP_INITIAL	    ? TERN_QUIC_PKT_INITIAL
	       : sp == SP_HANDSHAKE ? TERN_QUIC_PKT_HANDSHAKE
				    : TERN_QUIC_PKT_1RTT;
}

/* Write the header of a packet; returns false if it does not fit. */
static bool
write_header(struct tern_quic_conn *c, struct pkt_build *pb, struct tern_wcursor *w)
{
	struct conn_space_state *s = &c->sp[pb->sp];
	int64_t largest_acked =
		tern_quic_recovery_largest_acked(c->rec, (enum tern_quic_pn_space)pb->sp);
	int pn_len = tern_quic_pn_len(s->next_pn, largest_acked);
	size_t start = w->off;

	if (pn_len < 0)
		return false;
	pb->pn = s->next_pn;
	pb->pn_len = (size_t)pn_len;
	pb->long_hdr = pb->sp != SP_APP || pb->zrtt;
	if (pb->long_hdr) {
		int bits = tern_quic_long_type_bits(c->version, pb->zrtt ? TERN_QUIC_PKT_0RTT
									 : space_pkt_type(pb->sp));

		if (bits < 0 || !tern_wcursor_u8(w, (uint8_t)(0xc0 | (bits << 4) | (pn_len - 1))) ||
		    !tern_wcursor_u32(w, c->version) || !tern_wcursor_u8(w, (uint8_t)c->dcid_len) ||
		    !tern_wcursor_bytes(w, c->dcid, c->dcid_len) ||
		    !tern_wcursor_u8(w, (uint8_t)c->scid_len) ||
		    !tern_wcursor_bytes(w, c->scid, c->scid_len))
			return false;
		if (pb->sp == SP_INITIAL &&
		    (!tern_wcursor_varint(w, c->server ? 0 : c->token_len) ||
		     (!c->server && !tern_wcursor_bytes(w, c->token, c->token_len))))
			return false;
		pb->len_off = w->off;
		if (!tern_wcursor_varint_n(w, 0, 2))
			return false;
	} else {
		unsigned phase = tern_quic_keys_phase(s->wr);

		if (!tern_wcursor_u8(w, (uint8_t)(0x40 | (phase << 2) | (pn_len - 1))) ||
		    !tern_wcursor_bytes(w, c->dcid, c->dcid_len))
			return false;
	}
	if (!tern_wcursor_uint(w, (size_t)pn_len, pb->pn & ((1ULL << (8 * pn_len)) - 1)))
		return false;
	pb->hdr_len = w->off - start;
	return true;
}

static bool
rec_add(struct tern_quic_conn *c, struct pkt_build *pb, const struct frame_rec *fr)
{
	struct pkt_rec *r;

	if (pb->meta == 0) {
		pb->meta = conn_rec_alloc(c);
		if (pb->meta == 0)
			return false;
		c->recs[pb->meta].space = (uint8_t)pb->sp;
		c->recs[pb->meta].zrtt = pb->zrtt;
	}
	r = &c->recs[pb->meta];
	if (r->n >= PKT_REC_FRAMES)
		return false;
	r->fr[r->n++] = *fr;
	return true;
}

static bool
rec_full(const struct tern_quic_conn *c, const struct pkt_build *pb)
{
	return pb->meta != 0 && c->recs[pb->meta].n >= PKT_REC_FRAMES;
}

/* CONNECTION_CLOSE (RFC 9000 10.2.3: an application close before 1-RTT is a transport one). */
static void
write_close(struct tern_quic_conn *c, struct pkt_build *pb, struct tern_wcursor *w)
{
	struct tern_quic_frame f;

	memset(&f, 0, sizeof(f));
	if (c->local_err.is_app && pb->sp != SP_APP) {
		f.type = TERN_QUIC_FT_CONNECTION_CLOSE;
		f.close.error_code = TERN_QUIC_ERR_APPLICATION_ERROR;
	} else {
		f.type = c->local_err.is_app ? TERN_QUIC_FT_CONNECTION_CLOSE_APP
					     : TERN_QUIC_FT_CONNECTION_CLOSE;
		f.close.error_code = c->local_err.code;
		f.close.frame_type = c->local_err.frame_type;
		f.close.reason = c->local_err.reason;
		f.close.reason_len = c->local_err.reason_len;
	}
	if (tern_quic_frame_encode(w, &f) == 0)
		pb->in_flight = true;
}

static bool
write_crypto_range(struct tern_quic_conn *c, struct pkt_build *pb, struct tern_wcursor *w,
		   uint64_t off, uint64_t avail)
{
	struct crypto_tx *tx = &c->sp[pb->sp].ctx;
	struct tern_quic_frame f;
	struct frame_rec fr = {.kind = FR_CRYPTO};
	int64_t n;

	if (rec_full(c, pb))
		return false;
	n = tern_quic_crypto_frame_fit(off, (size_t)avail, tern_wcursor_left(w));
	if (n <= 0)
		return false;
	memset(&f, 0, sizeof(f));
	f.type = TERN_QUIC_FT_CRYPTO;
	f.crypto.offset = off;
	f.crypto.data = tx->buf + off;
	f.crypto.len = (size_t)n;
	if (tern_quic_frame_encode(w, &f) != 0)
		return false;
	fr.off = off;
	fr.len = (uint64_t)n;
	rec_add(c, pb, &fr);
	pb->ack_eliciting = true;
	if (off + (uint64_t)n > tx->sent)
		tx->sent = off + (uint64_t)n;
	return (uint64_t)n == avail;
}

static void
write_crypto(struct tern_quic_conn *c, struct pkt_build *pb, struct tern_wcursor *w)
{
	struct crypto_tx *tx = &c->sp[pb->sp].ctx;

	while (!tern_quic_rangeset_empty(&tx->lost)) {
		struct tern_quic_range r = tern_quic_rangeset_at(&tx->lost, 0);
		uint64_t end = r.end < tx->len ? r.end : tx->len;
		int64_t n;

		if (r.start >= end) {
			tern_quic_rangeset_remove(&tx->lost, r.start, r.end);
			continue;
		}
		n = tern_quic_crypto_frame_fit(r.start, (size_t)(end - r.start),
					       tern_wcursor_left(w));
		if (n <= 0 || rec_full(c, pb))
			return;
		write_crypto_range(c, pb, w, r.start, (uint64_t)n);
		tern_quic_rangeset_remove_below(&tx->lost, r.start + (uint64_t)n);
	}
	while (tx->sent < tx->len) {
		if (!write_crypto_range(c, pb, w, tx->sent, tx->len - tx->sent))
			return;
	}
}

static bool
crypto_pending(const struct tern_quic_conn *c, enum conn_space sp)
{
	const struct crypto_tx *tx = &c->sp[sp].ctx;

	return tx->sent < tx->len || !tern_quic_rangeset_empty(&tx->lost);
}

static void
write_ctrl(struct tern_quic_conn *c, struct pkt_build *pb, struct tern_wcursor *w, uint64_t now)
{
	uint64_t srtt = tern_quic_recovery_rtt(c->rec)->smoothed;
	struct tern_quic_stream_ctrl cf;

	while (!rec_full(c, pb) && tern_quic_streams_ctrl_next(c->streams, now, srtt, &cf)) {
		struct tern_quic_frame f;
		struct frame_rec fr = {.kind = FR_CTRL};

		memset(&f, 0, sizeof(f));
		f.type = (enum tern_quic_frame_type)cf.type;
		switch (cf.type) {
		case TERN_QUIC_FT_RESET_STREAM:
			f.reset_stream.id = cf.id;
			f.reset_stream.error_code = cf.value;
			f.reset_stream.final_size = cf.final_size;
			break;
		case TERN_QUIC_FT_STOP_SENDING:
			f.stop_sending.id = cf.id;
			f.stop_sending.error_code = cf.value;
			break;
		case TERN_QUIC_FT_MAX_STREAM_DATA:
		case TERN_QUIC_FT_STREAM_DATA_BLOCKED:
			f.stream_limit.id = cf.id;
			f.stream_limit.limit = cf.value;
			break;
		default:
			f.limit = cf.value;
			break;
		}
		if (tern_quic_frame_encode(w, &f) != 0)
			return;
		tern_quic_streams_ctrl_sent(c->streams, &cf, now);
		fr.ctrl_type = cf.type;
		fr.id = cf.id;
		fr.off = cf.value;
		fr.len = cf.final_size;
		rec_add(c, pb, &fr);
		pb->ack_eliciting = true;
	}
}

static void
write_streams(struct tern_quic_conn *c, struct pkt_build *pb, struct tern_wcursor *w)
{
	struct tern_quic_stream *s;

	while (!rec_full(c, pb) && (s = tern_quic_streams_next_sendable(c->streams)) != NULL) {
		struct tern_quic_stream_chunk ch;
		struct frame_rec fr = {.kind = FR_STREAM};
		struct tern_wcursor save = *w;
		uint8_t type = TERN_QUIC_FT_STREAM | TERN_QUIC_STREAM_BIT_LEN;
		uint8_t *dst;
		int64_t n;

		if (!tern_quic_stream_send_peek(s, &ch))
			return;
		n = tern_quic_stream_frame_fit(ch.id, ch.off, (size_t)ch.len, tern_wcursor_left(w),
					       true);
		if (n < 0 || (n == 0 && ch.len > 0))
			return;
		if ((uint64_t)n < ch.len) {
			ch.len = (uint64_t)n;
			ch.fin = false;
		}
		if (ch.off != 0)
			type |= TERN_QUIC_STREAM_BIT_OFF;
		if (ch.fin)
			type |= TERN_QUIC_STREAM_BIT_FIN;
		if (!tern_wcursor_u8(w, type) || !tern_wcursor_varint(w, ch.id) ||
		    (ch.off != 0 && !tern_wcursor_varint(w, ch.off)) ||
		    !tern_wcursor_varint(w, ch.len) ||
		    !tern_wcursor_reserve(w, (size_t)ch.len, &dst) ||
		    tern_quic_streams_send_emit(c->streams, s, &ch, dst) != 0) {
			*w = save;
			return;
		}
		fr.id = ch.id;
		fr.off = ch.off;
		fr.len = ch.len;
		fr.fin = ch.fin;
		rec_add(c, pb, &fr);
		pb->ack_eliciting = true;
		if (ch.retransmit)
			c->stats.stream_retrans_bytes += ch.len;
	}
}

/* Whether a space has anything ack-eliciting to send. */
static bool
space_has_data(const struct tern_quic_conn *c, enum conn_space sp)
{
	if (crypto_pending(c, sp))
		return true;
	if (sp != SP_APP)
		return false;
	return c->handshake_done_pending || c->path_response_pending || c->retire_n > 0 ||
	       tern_quic_streams_has_pending(c->streams);
}

/*
 * Build one packet of space sp at w (the rest of the datagram). Returns true
 * if a packet was written (pb filled, plaintext in place).
 */
static bool
build_packet(struct tern_quic_conn *c, enum conn_space sp, struct tern_wcursor *dgram, size_t limit,
	     struct pkt_build *pb, bool *cc_blocked, uint64_t now)
{
	struct conn_space_state *s = &c->sp[sp];
	struct tern_wcursor w;
	bool probe, ack_now, want_data, may_elicit, closing = c->close_pending;
	/* Client before 1-RTT keys: stream data in 0-RTT packets (RFC 9001 4.6.1). */
	bool zrtt = sp == SP_APP && s->wr == NULL && c->zrtt_ok && c->early_wr != NULL;

	if (zrtt && closing)
		return false; /* the close goes in Initial packets */
	if (s->discarded || (s->wr == NULL && !zrtt))
		return false;
	if (tern_quic_recovery_room(c->rec, (enum tern_quic_pn_space)sp) < 1)
		return false;
	probe = tern_quic_recovery_probes(c->rec, (enum tern_quic_pn_space)sp) > 0;
	/* An ACK alone only when one is due (13.2.1: never just for non-ack-eliciting packets). */
	ack_now = !zrtt && tern_quic_ack_due(&s->ack, now);
	want_data = !closing &&
		    (space_has_data(c, sp) || probe || (sp == SP_APP && c->ack_eliciting_pending));
	may_elicit = probe || tern_quic_cc_can_send(&c->cc, limit);
	if (want_data && !may_elicit) {
		*cc_blocked = true;
		want_data = false;
	}
	if (!closing && !ack_now && !want_data)
		return false;
	if (limit - dgram->off < 64)
		return false;
	memset(pb, 0, sizeof(*pb));
	pb->sp = sp;
	pb->zrtt = zrtt;
	pb->off = dgram->off;
	tern_wcursor_init(&w, dgram->buf + dgram->off, limit - dgram->off - TAG);
	if (!write_header(c, pb, &w))
		return false;
	if (closing) {
		write_close(c, pb, &w);
		goto done;
	}
	if (!zrtt && tern_quic_ack_pending(&s->ack)) {
		unsigned n;
		const struct tern_quic_ack_range *r = tern_quic_ack_ranges(&s->ack, &n);
		uint64_t largest = n > 0 ? r[0].largest : 0;

		if (tern_quic_ack_write(&s->ack, &w, (unsigned)c->cfg->ack_delay_exponent, now) > 0)
			pb->ack_largest_plus1 = largest + 1;
	}
	if (want_data) {
		if (sp == SP_APP && c->handshake_done_pending) {
			struct frame_rec fr = {.kind = FR_HANDSHAKE_DONE};

			if (tern_wcursor_u8(&w, TERN_QUIC_FT_HANDSHAKE_DONE)) {
				c->handshake_done_pending = false;
				rec_add(c, pb, &fr);
				pb->ack_eliciting = true;
			}
		}
		if (sp == SP_APP && c->path_response_pending && tern_wcursor_left(&w) >= 9) {
			tern_wcursor_u8(&w, TERN_QUIC_FT_PATH_RESPONSE);
			tern_wcursor_bytes(&w, c->path_response, 8);
			c->path_response_pending = false;
			pb->ack_eliciting = true;
		}
		while (sp == SP_APP && !zrtt && c->retire_n > 0 && !rec_full(c, pb)) {
			struct frame_rec fr = {.kind = FR_RETIRE_CID, .off = c->retire_q[0]};
			struct tern_quic_frame f = {.type = TERN_QUIC_FT_RETIRE_CONNECTION_ID};

			f.retire_seq = c->retire_q[0];
			if (tern_quic_frame_encode(&w, &f) != 0)
				break;
			memmove(c->retire_q, c->retire_q + 1,
				--c->retire_n * sizeof(c->retire_q[0]));
			rec_add(c, pb, &fr);
			pb->ack_eliciting = true;
		}
		write_crypto(c, pb, &w);
		if (sp == SP_APP && (c->peer_tp_done || zrtt)) {
			write_ctrl(c, pb, &w, now);
			write_streams(c, pb, &w);
		}
		if (!pb->ack_eliciting && (probe || c->ack_eliciting_pending) &&
		    tern_wcursor_u8(&w, TERN_QUIC_FT_PING))
			pb->ack_eliciting = true;
		if (sp == SP_APP && pb->ack_eliciting)
			c->ack_eliciting_pending = false;
	}
done:
	pb->payload_len = w.off - pb->hdr_len;
	if (pb->payload_len != 0 && pb->pn_len + pb->payload_len < 4) {
		/* The header-protection sample needs 4 bytes after the pn start (RFC 9001 5.4.2).
		 */
		size_t pad = 4 - pb->pn_len - pb->payload_len;
		uint8_t *z;

		if (tern_wcursor_reserve(&w, pad, &z))
			memset(z, 0, pad);
		pb->payload_len = w.off - pb->hdr_len;
		pb->in_flight = true;
	}
	if (pb->payload_len == 0) {
		/* Nothing fit (e.g. the ACK did not): no packet. */
		if (pb->meta != 0)
			conn_rec_release(c, pb->meta);
		return false;
	}
	if (pb->ack_eliciting)
		pb->in_flight = true;
	s->next_pn++;
	dgram->off += pb->hdr_len + pb->payload_len;
	return true;
}

/* Append PADDING to a built packet (it is the last one in the datagram). */
static void
pad_packet(struct tern_wcursor *dgram, struct pkt_build *pb, size_t n)
{
	memset(dgram->buf + dgram->off, 0, n);
	dgram->off += n;
	pb->payload_len += n;
	pb->in_flight = true;
}

int
conn_send_datagram(struct tern_quic_conn *c, uint8_t *out, size_t cap, uint64_t now)
{
	struct pkt_build pbs[SP_COUNT];
	struct tern_quic_tx_pkt tx[SP_COUNT];
	struct tern_wcursor dgram;
	size_t limit = cap, n = 0, i, total = 0;
	bool has_initial = false, initial_eliciting = false, sent_handshake = false;
	bool cc_blocked = false;
	int sp;

	if (limit > c->max_send_udp)
		limit = c->max_send_udp;
	if (!c->validated) {
		uint64_t budget = 3 * c->rx_bytes - c->tx_bytes;

		if (3 * c->rx_bytes <= c->tx_bytes || budget < TERN_QUIC_MIN_INITIAL_SIZE) {
			if (!c->amp_limited) {
				c->amp_limited = true;
				tern_quic_recovery_set_amplification_limited(c->rec, true, now);
			}
			return 0;
		}
		if (budget < limit)
			limit = (size_t)budget;
	}
	tern_wcursor_init(&dgram, out, limit);
	for (sp = 0; sp < SP_COUNT; sp++) {
		/* Leave room for the tag of every packet built so far. */
		if (dgram.off + n * TAG + TAG + 64 > limit)
			break;
		dgram.cap = limit - n * TAG;
		if (build_packet(c, (enum conn_space)sp, &dgram, limit - n * TAG, &pbs[n],
				 &cc_blocked, now)) {
			if (sp == SP_INITIAL) {
				has_initial = true;
				initial_eliciting = pbs[n].ack_eliciting;
			}
			if (sp == SP_HANDSHAKE)
				sent_handshake = true;
			/* Make room for the tag of this packet in the next offsets. */
			n++;
		}
	}
	(void)cc_blocked;
	if (n == 0)
		return 0;
	/* Padding of datagrams with Initial packets (RFC 9000 14.1). */
	{
		struct pkt_build *last = &pbs[n - 1];
		size_t want = 0, size = dgram.off + n * TAG;

		if (has_initial && (!c->server || initial_eliciting) &&
		    size < TERN_QUIC_MIN_INITIAL_SIZE)
			want = TERN_QUIC_MIN_INITIAL_SIZE - size;
		if (want > limit - size)
			want = limit - size;
		if (want > 0)
			pad_packet(&dgram, last, want);
	}
	/* Lay the packets out with room for each tag, back to front, then protect. */
	for (i = n; i-- > 0;) {
		struct pkt_build *pb = &pbs[i];
		size_t shift = i * TAG;

		if (shift != 0)
			memmove(out + pb->off + shift, out + pb->off,
				pb->hdr_len + pb->payload_len);
		pb->off += shift;
	}
	for (i = 0; i < n; i++) {
		struct pkt_build *pb = &pbs[i];
		struct tern_quic_sent_pkt sp_rec;
		size_t pkt_len = pb->hdr_len + pb->payload_len + TAG;

		if (pb->long_hdr) {
			struct tern_wcursor lw;

			tern_wcursor_init(&lw, out + pb->off + pb->len_off, 2);
			tern_wcursor_varint_n(&lw, pb->pn_len + pb->payload_len + TAG, 2);
		}
		memset(&tx[i], 0, sizeof(tx[i]));
		tx[i].keys = pb->zrtt ? c->early_wr : c->sp[pb->sp].wr;
		tx[i].hdr = out + pb->off;
		tx[i].hdr_len = pb->hdr_len;
		tx[i].payload = out + pb->off + pb->hdr_len;
		tx[i].payload_len = pb->payload_len;
		tx[i].buf = out + pb->off;
		tx[i].cap = pkt_len;
		tx[i].pn = pb->pn;
		memset(&sp_rec, 0, sizeof(sp_rec));
		sp_rec.pn = pb->pn;
		sp_rec.time_sent = now;
		sp_rec.ack_largest_plus1 = pb->ack_largest_plus1;
		sp_rec.size = (uint32_t)pkt_len;
		sp_rec.meta = pb->meta;
		sp_rec.ack_eliciting = pb->ack_eliciting;
		sp_rec.in_flight = pb->in_flight;
		if (tern_quic_recovery_on_packet_sent(c->rec, (enum tern_quic_pn_space)pb->sp,
						      &sp_rec) != 0 &&
		    pb->meta != 0)
			conn_rec_release(c, pb->meta);
		total += pkt_len;
		if (pb->ack_eliciting && !c->ack_eliciting_since_rx) {
			c->last_activity = now;
			c->ack_eliciting_since_rx = true;
		}
	}
	/* Cannot fail for packets built here (keys set, room for the tag, >= 4 bytes to sample). */
	if (tern_quic_protect_burst(c->cctx, tx, (uint16_t)n) != n)
		return -TERN_EINTERNAL;
	c->stats.sent += n;
	c->stats.sent_bytes += total;
	if (!c->validated)
		c->tx_bytes += total;
	/* RFC 9001 4.9.1: a client drops Initial keys once it sends a Handshake packet. */
	if (!c->server && sent_handshake)
		conn_discard_space(c, SP_INITIAL, now);
	c->close_pending = false;
	return (int)total;
}

int
tern_quic_conn_send(struct tern_quic_conn *c, uint8_t *out, size_t cap,
		    struct tern_quic_send_info *info, uint64_t now)
{
	int n;

	if (c == NULL || out == NULL || info == NULL)
		return -TERN_EINVAL;
	if (now > c->now)
		c->now = now;
	if (c->state == CS_CLOSED || c->state == CS_DRAINING)
		return TERN_QUIC_DONE;
	if (c->state == CS_CLOSING && !c->close_pending)
		return TERN_QUIC_DONE;
	if (c->server && c->hs == NULL)
		return TERN_QUIC_DONE;
	if (cap < TERN_QUIC_MIN_INITIAL_SIZE)
		return -TERN_ENOBUFS;
	if (!c->server && !c->hs_started) {
		int rc = conn_hs_start(c);

		if (rc != 0)
			return rc;
	}
	tern_quic_cc_set_app_limited(&c->cc, !tern_quic_streams_has_pending(c->streams));
	n = conn_send_datagram(c, out, cap, now);
	if (n < 0)
		return n;
	if (n == 0)
		return TERN_QUIC_DONE;
	memcpy(&info->from, &c->local, sizeof(info->from));
	info->from_len = c->local_len;
	memcpy(&info->to, &c->peer, sizeof(info->to));
	info->to_len = c->peer_len;
	info->at = now;
	if (c->cfg->pacing) {
		const struct tern_quic_rtt *rtt = tern_quic_recovery_rtt(c->rec);

		tern_quic_pacer_set_rate(&c->pacer, tern_quic_cc_cwnd(&c->cc),
					 rtt->has_sample ? rtt->smoothed : 0);
		info->at = tern_quic_pacer_next_send(&c->pacer, now, (size_t)n);
		tern_quic_pacer_on_sent(&c->pacer, info->at, (size_t)n);
	}
	return n;
}
