/* SPDX-License-Identifier: Apache-2.0 */
/*
 * QUIC frame codec (RFC 9000 12.4, 19; RFC 9221 4). Parsing borrows from the
 * payload; encoding computes the exact size first so that a frame is either
 * written whole or not at all.
 */

#include "dataplane/quic/quic_frame.h"

#include <limits.h>

#include <tern/error.h>

/* Packet types a frame may appear in (RFC 9000 12.4 Table 3). */
#define PT_I   0x1u
#define PT_H   0x2u
#define PT_0   0x4u
#define PT_1   0x8u
#define PT_01  (PT_0 | PT_1)
#define PT_IH1 (PT_I | PT_H | PT_1)
#define PT_ALL (PT_I | PT_H | PT_0 | PT_1)

static const uint8_t frame_pkts[0x1f] = {
	[0x00] = PT_ALL,		 /* PADDING */
	[0x01] = PT_ALL,		 /* PING */
	[0x02] = PT_IH1,		 /* ACK */
	[0x03] = PT_IH1, [0x04] = PT_01, /* RESET_STREAM */
	[0x05] = PT_01,			 /* STOP_SENDING */
	[0x06] = PT_IH1,		 /* CRYPTO */
	[0x07] = PT_1,			 /* NEW_TOKEN */
	[0x08] = PT_01,			 /* STREAM */
	[0x09] = PT_01,	 [0x0a] = PT_01, [0x0b] = PT_01, [0x0c] = PT_01,
	[0x0d] = PT_01,	 [0x0e] = PT_01, [0x0f] = PT_01, [0x10] = PT_01, /* MAX_DATA */
	[0x11] = PT_01,	 [0x12] = PT_01, [0x13] = PT_01, [0x14] = PT_01,
	[0x15] = PT_01,	 [0x16] = PT_01, [0x17] = PT_01, [0x18] = PT_01, /* NEW_CONNECTION_ID */
	[0x19] = PT_01,							 /* RETIRE_CONNECTION_ID */
	[0x1a] = PT_01,							 /* PATH_CHALLENGE */
	[0x1b] = PT_1,							 /* PATH_RESPONSE */
	[0x1c] = PT_ALL, /* CONNECTION_CLOSE (transport) */
	[0x1d] = PT_01,	 /* CONNECTION_CLOSE (application) */
	[0x1e] = PT_1,	 /* HANDSHAKE_DONE */
};

static unsigned
pkt_bit(enum tern_quic_pkt_type pt)
{
	switch (pt) {
	case TERN_QUIC_PKT_INITIAL:
		return PT_I;
	case TERN_QUIC_PKT_HANDSHAKE:
		return PT_H;
	case TERN_QUIC_PKT_0RTT:
		return PT_0;
	case TERN_QUIC_PKT_1RTT:
		return PT_1;
	default:
		return 0; /* Retry, Version Negotiation: no frames */
	}
}

static bool
frame_type_known(uint64_t t)
{
	return t <= 0x1e || t == 0x30 || t == 0x31;
}

bool
tern_quic_frame_allowed(uint64_t wire_type, enum tern_quic_pkt_type pt)
{
	unsigned pkts;

	if (wire_type <= 0x1e)
		pkts = frame_pkts[wire_type];
	else if (wire_type == 0x30 || wire_type == 0x31)
		pkts = PT_01; /* RFC 9221 4 */
	else
		return false;
	return (pkts & pkt_bit(pt)) != 0;
}

const char *
tern_quic_transport_error_name(uint64_t code)
{
	static const char *const names[] = {
		"NO_ERROR",
		"INTERNAL_ERROR",
		"CONNECTION_REFUSED",
		"FLOW_CONTROL_ERROR",
		"STREAM_LIMIT_ERROR",
		"STREAM_STATE_ERROR",
		"FINAL_SIZE_ERROR",
		"FRAME_ENCODING_ERROR",
		"TRANSPORT_PARAMETER_ERROR",
		"CONNECTION_ID_LIMIT_ERROR",
		"PROTOCOL_VIOLATION",
		"INVALID_TOKEN",
		"APPLICATION_ERROR",
		"CRYPTO_BUFFER_EXCEEDED",
		"KEY_UPDATE_ERROR",
		"AEAD_LIMIT_REACHED",
		"NO_VIABLE_PATH",
		"VERSION_NEGOTIATION_ERROR",
	};

	if (code < sizeof(names) / sizeof(names[0]))
		return names[code];
	if (TERN_QUIC_ERR_IS_CRYPTO(code))
		return "CRYPTO_ERROR";
	return "UNKNOWN_ERROR";
}

const char *
tern_quic_frame_type_name(uint64_t t)
{
	static const char *const names[0x1f] = {
		"PADDING",
		"PING",
		"ACK",
		"ACK_ECN",
		"RESET_STREAM",
		"STOP_SENDING",
		"CRYPTO",
		"NEW_TOKEN",
		"STREAM",
		"STREAM",
		"STREAM",
		"STREAM",
		"STREAM",
		"STREAM",
		"STREAM",
		"STREAM",
		"MAX_DATA",
		"MAX_STREAM_DATA",
		"MAX_STREAMS_BIDI",
		"MAX_STREAMS_UNI",
		"DATA_BLOCKED",
		"STREAM_DATA_BLOCKED",
		"STREAMS_BLOCKED_BIDI",
		"STREAMS_BLOCKED_UNI",
		"NEW_CONNECTION_ID",
		"RETIRE_CONNECTION_ID",
		"PATH_CHALLENGE",
		"PATH_RESPONSE",
		"CONNECTION_CLOSE",
		"CONNECTION_CLOSE_APP",
		"HANDSHAKE_DONE",
	};

	if (t <= 0x1e)
		return names[t];
	if (t == 0x30 || t == 0x31)
		return "DATAGRAM";
	return "UNKNOWN";
}

bool
tern_quic_frame_is_ack_eliciting(enum tern_quic_frame_type type)
{
	return type != TERN_QUIC_FT_ACK && type != TERN_QUIC_FT_ACK_ECN &&
	       type != TERN_QUIC_FT_PADDING && type != TERN_QUIC_FT_CONNECTION_CLOSE &&
	       type != TERN_QUIC_FT_CONNECTION_CLOSE_APP;
}

bool
tern_quic_frame_is_in_flight(enum tern_quic_frame_type type)
{
	return type != TERN_QUIC_FT_ACK && type != TERN_QUIC_FT_ACK_ECN;
}

bool
tern_quic_frame_is_probing(enum tern_quic_frame_type type)
{
	return type == TERN_QUIC_FT_PADDING || type == TERN_QUIC_FT_NEW_CONNECTION_ID ||
	       type == TERN_QUIC_FT_PATH_CHALLENGE || type == TERN_QUIC_FT_PATH_RESPONSE;
}

int
tern_quic_frame_check_sender(const struct tern_quic_frame *f, bool from_server, uint64_t *err)
{
	/* RFC 9000 19.7, 19.20: only servers send these. */
	if (!from_server &&
	    (f->type == TERN_QUIC_FT_NEW_TOKEN || f->type == TERN_QUIC_FT_HANDSHAKE_DONE)) {
		*err = TERN_QUIC_ERR_PROTOCOL_VIOLATION;
		return -TERN_EPROTO;
	}
	return 0;
}

/* ---- parsing ---- */

/* Borrow a length-prefixed (already read) field; len comes off the wire and
 * may exceed size_t, so compare before narrowing. */
static bool
view_u64(struct tern_rcursor *r, uint64_t len, const uint8_t **p)
{
	if (len > tern_rcursor_left(r))
		return false;
	return tern_rcursor_view(r, (size_t)len, p);
}

/* Validate the (Gap, Length) pairs of an ACK frame and compute its smallest
 * acknowledged packet number (RFC 9000 19.3.1). Each pair takes at least
 * two bytes, so the loop ends within the payload even for a huge count. */
static bool
parse_ack_ranges(struct tern_rcursor *r, struct tern_quic_frame_ack *a)
{
	uint64_t smallest = a->largest - a->first_range;
	uint64_t i;
	size_t start = r->off;

	a->ranges = tern_rcursor_ptr(r);
	for (i = 0; i < a->range_count; i++) {
		uint64_t gap, len, next_largest;

		if (!tern_rcursor_varint(r, &gap) || !tern_rcursor_varint(r, &len))
			return false;
		/* next largest = smallest - gap - 2 must not go below 0 */
		if (smallest < gap + 2)
			return false;
		next_largest = smallest - gap - 2;
		if (len > next_largest)
			return false;
		smallest = next_largest - len;
	}
	a->ranges_len = r->off - start;
	a->smallest = smallest;
	return true;
}

int
tern_quic_frame_parse(struct tern_rcursor *c, enum tern_quic_pkt_type pt, struct tern_quic_frame *f,
		      uint64_t *err)
{
	struct tern_rcursor r;
	uint64_t t, v;
	uint8_t b;
	size_t type_len;

	if (c == NULL || f == NULL || err == NULL)
		return -TERN_EINVAL;
	f->wire_type = 0;
	if (tern_rcursor_left(c) == 0)
		return -TERN_EINVAL;
	r = *c;
	if (!tern_rcursor_varint(&r, &t))
		goto encoding;
	f->wire_type = t;
	if (!frame_type_known(t))
		goto encoding;
	type_len = r.off - c->off;
	if (type_len != tern_varint_len(t)) {
		*err = TERN_QUIC_ERR_PROTOCOL_VIOLATION; /* RFC 9000 12.4 */
		return -TERN_EPROTO;
	}
	if (!tern_quic_frame_allowed(t, pt)) {
		*err = TERN_QUIC_ERR_PROTOCOL_VIOLATION;
		return -TERN_EPROTO;
	}

	if (t >= 0x08 && t <= 0x0f) {
		struct tern_quic_frame_stream *s = &f->stream;

		f->type = TERN_QUIC_FT_STREAM;
		s->fin = (t & TERN_QUIC_STREAM_BIT_FIN) != 0;
		s->has_len = (t & TERN_QUIC_STREAM_BIT_LEN) != 0;
		s->offset = 0;
		if (!tern_rcursor_varint(&r, &s->id))
			goto encoding;
		if ((t & TERN_QUIC_STREAM_BIT_OFF) && !tern_rcursor_varint(&r, &s->offset))
			goto encoding;
		if (s->has_len) {
			if (!tern_rcursor_varint(&r, &v) || !view_u64(&r, v, &s->data))
				goto encoding;
			s->len = (size_t)v;
		} else {
			s->len = tern_rcursor_left(&r);
			(void)tern_rcursor_view(&r, s->len, &s->data);
		}
		/* RFC 9000 19.8: FRAME_ENCODING_ERROR or FLOW_CONTROL_ERROR */
		if ((uint64_t)s->len > TERN_QUIC_MAX_OFFSET - s->offset)
			goto encoding;
		*c = r;
		return 0;
	}

	switch (t) {
	case TERN_QUIC_FT_PADDING:
		f->type = TERN_QUIC_FT_PADDING;
		f->padding_len = 1;
		/* one frame for a run: padded Initials are ~1200 zero bytes */
		for (;;) {
			struct tern_rcursor peek = r;

			if (!tern_rcursor_u8(&peek, &b) || b != 0)
				break;
			r = peek;
			f->padding_len++;
		}
		break;
	case TERN_QUIC_FT_PING:
	case TERN_QUIC_FT_HANDSHAKE_DONE:
		f->type = (enum tern_quic_frame_type)t;
		break;
	case TERN_QUIC_FT_ACK:
	case TERN_QUIC_FT_ACK_ECN: {
		struct tern_quic_frame_ack *a = &f->ack;

		f->type = (enum tern_quic_frame_type)t;
		if (!tern_rcursor_varint(&r, &a->largest) ||
		    !tern_rcursor_varint(&r, &a->ack_delay) ||
		    !tern_rcursor_varint(&r, &a->range_count) ||
		    !tern_rcursor_varint(&r, &a->first_range))
			goto encoding;
		if (a->first_range > a->largest || !parse_ack_ranges(&r, a))
			goto encoding;
		a->ecn.ect0 = a->ecn.ect1 = a->ecn.ce = 0;
		if (t == TERN_QUIC_FT_ACK_ECN && (!tern_rcursor_varint(&r, &a->ecn.ect0) ||
						  !tern_rcursor_varint(&r, &a->ecn.ect1) ||
						  !tern_rcursor_varint(&r, &a->ecn.ce)))
			goto encoding;
		break;
	}
	case TERN_QUIC_FT_RESET_STREAM:
		f->type = TERN_QUIC_FT_RESET_STREAM;
		if (!tern_rcursor_varint(&r, &f->reset_stream.id) ||
		    !tern_rcursor_varint(&r, &f->reset_stream.error_code) ||
		    !tern_rcursor_varint(&r, &f->reset_stream.final_size))
			goto encoding;
		break;
	case TERN_QUIC_FT_STOP_SENDING:
		f->type = TERN_QUIC_FT_STOP_SENDING;
		if (!tern_rcursor_varint(&r, &f->stop_sending.id) ||
		    !tern_rcursor_varint(&r, &f->stop_sending.error_code))
			goto encoding;
		break;
	case TERN_QUIC_FT_CRYPTO:
		f->type = TERN_QUIC_FT_CRYPTO;
		if (!tern_rcursor_varint(&r, &f->crypto.offset) || !tern_rcursor_varint(&r, &v) ||
		    !view_u64(&r, v, &f->crypto.data))
			goto encoding;
		f->crypto.len = (size_t)v;
		/* RFC 9000 19.6: FRAME_ENCODING_ERROR or CRYPTO_BUFFER_EXCEEDED */
		if (v > TERN_QUIC_MAX_OFFSET - f->crypto.offset) {
			*err = TERN_QUIC_ERR_CRYPTO_BUFFER_EXCEEDED;
			return -TERN_EPROTO;
		}
		break;
	case TERN_QUIC_FT_NEW_TOKEN:
		f->type = TERN_QUIC_FT_NEW_TOKEN;
		/* RFC 9000 19.7: an empty token is a FRAME_ENCODING_ERROR */
		if (!tern_rcursor_varint(&r, &v) || v == 0 || !view_u64(&r, v, &f->new_token.token))
			goto encoding;
		f->new_token.len = (size_t)v;
		break;
	case TERN_QUIC_FT_MAX_DATA:
	case TERN_QUIC_FT_DATA_BLOCKED:
		f->type = (enum tern_quic_frame_type)t;
		if (!tern_rcursor_varint(&r, &f->limit))
			goto encoding;
		break;
	case TERN_QUIC_FT_MAX_STREAMS_BIDI:
	case TERN_QUIC_FT_MAX_STREAMS_UNI:
	case TERN_QUIC_FT_STREAMS_BLOCKED_BIDI:
	case TERN_QUIC_FT_STREAMS_BLOCKED_UNI:
		f->type = (enum tern_quic_frame_type)t;
		/* RFC 9000 19.11, 19.14: above 2^60 is a FRAME_ENCODING_ERROR */
		if (!tern_rcursor_varint(&r, &f->limit) || f->limit > TERN_QUIC_MAX_STREAMS)
			goto encoding;
		break;
	case TERN_QUIC_FT_MAX_STREAM_DATA:
	case TERN_QUIC_FT_STREAM_DATA_BLOCKED:
		f->type = (enum tern_quic_frame_type)t;
		if (!tern_rcursor_varint(&r, &f->stream_limit.id) ||
		    !tern_rcursor_varint(&r, &f->stream_limit.limit))
			goto encoding;
		break;
	case TERN_QUIC_FT_NEW_CONNECTION_ID: {
		struct tern_quic_frame_new_cid *n = &f->new_cid;

		f->type = TERN_QUIC_FT_NEW_CONNECTION_ID;
		if (!tern_rcursor_varint(&r, &n->seq) ||
		    !tern_rcursor_varint(&r, &n->retire_prior_to) || !tern_rcursor_u8(&r, &b))
			goto encoding;
		/* RFC 9000 19.15: length outside 1..20, or Retire Prior To
		 * above the Sequence Number, is a FRAME_ENCODING_ERROR */
		if (b < 1 || b > TERN_QUIC_MAX_CID_LEN || n->retire_prior_to > n->seq)
			goto encoding;
		n->cid_len = b;
		if (!tern_rcursor_view(&r, b, &n->cid) ||
		    !tern_rcursor_view(&r, TERN_QUIC_SRT_LEN, &n->reset_token))
			goto encoding;
		break;
	}
	case TERN_QUIC_FT_RETIRE_CONNECTION_ID:
		f->type = TERN_QUIC_FT_RETIRE_CONNECTION_ID;
		if (!tern_rcursor_varint(&r, &f->retire_seq))
			goto encoding;
		break;
	case TERN_QUIC_FT_PATH_CHALLENGE:
	case TERN_QUIC_FT_PATH_RESPONSE:
		f->type = (enum tern_quic_frame_type)t;
		if (!tern_rcursor_copy(&r, f->path_data, TERN_QUIC_PATH_DATA_LEN))
			goto encoding;
		break;
	case TERN_QUIC_FT_CONNECTION_CLOSE:
	case TERN_QUIC_FT_CONNECTION_CLOSE_APP:
		f->type = (enum tern_quic_frame_type)t;
		f->close.frame_type = 0;
		if (!tern_rcursor_varint(&r, &f->close.error_code))
			goto encoding;
		if (t == TERN_QUIC_FT_CONNECTION_CLOSE &&
		    !tern_rcursor_varint(&r, &f->close.frame_type))
			goto encoding;
		if (!tern_rcursor_varint(&r, &v) || !view_u64(&r, v, &f->close.reason))
			goto encoding;
		f->close.reason_len = (size_t)v;
		break;
	case 0x30:
	case 0x31:
		f->type = TERN_QUIC_FT_DATAGRAM;
		f->datagram.has_len = t == 0x31;
		if (t == 0x31) {
			if (!tern_rcursor_varint(&r, &v) || !view_u64(&r, v, &f->datagram.data))
				goto encoding;
			f->datagram.len = (size_t)v;
		} else {
			f->datagram.len = tern_rcursor_left(&r);
			(void)tern_rcursor_view(&r, f->datagram.len, &f->datagram.data);
		}
		break;
	default:
		goto encoding; /* not reached: frame_type_known() */
	}
	*c = r;
	return 0;

encoding:
	*err = TERN_QUIC_ERR_FRAME_ENCODING_ERROR;
	return -TERN_EPROTO;
}

/* ---- ACK range iteration ---- */

void
tern_quic_ack_iter_init(struct tern_quic_ack_iter *it, const struct tern_quic_frame_ack *ack)
{
	tern_rcursor_init(&it->c, ack->ranges, ack->ranges_len);
	it->left = ack->range_count;
	it->smallest = 0;
	it->next_largest = ack->largest;
	it->next_len = ack->first_range;
	it->first = true;
	it->done = false;
}

bool
tern_quic_ack_range_next(struct tern_quic_ack_iter *it, uint64_t *smallest, uint64_t *largest)
{
	uint64_t gap, len, lg;

	if (it->done)
		return false;
	if (it->first) {
		it->first = false;
		if (it->next_len > it->next_largest) {
			it->done = true;
			return false;
		}
		lg = it->next_largest;
		len = it->next_len;
	} else {
		if (it->left == 0 || !tern_rcursor_varint(&it->c, &gap) ||
		    !tern_rcursor_varint(&it->c, &len) || it->smallest < gap + 2) {
			it->done = true;
			return false;
		}
		it->left--;
		lg = it->smallest - gap - 2;
		if (len > lg) {
			it->done = true;
			return false;
		}
	}
	it->smallest = lg - len;
	*largest = lg;
	*smallest = it->smallest;
	return true;
}

/* ---- sizes and encoding ---- */

/* Adds the varint length of v to *sz; a value too big for a varint marks
 * the whole size invalid. */
static void
add_v(size_t *sz, bool *ok, uint64_t v)
{
	size_t n = tern_varint_len(v);

	if (n == 0)
		*ok = false;
	*sz += n;
}

/* Size of the re-encoded (Gap, Length) pairs of a parsed ACK frame. */
static bool
ack_pairs_size(const struct tern_quic_frame_ack *a, size_t *sz)
{
	struct tern_rcursor r;
	uint64_t i, gap, len;
	bool ok = true;

	tern_rcursor_init(&r, a->ranges, a->ranges_len);
	for (i = 0; i < a->range_count; i++) {
		if (!tern_rcursor_varint(&r, &gap) || !tern_rcursor_varint(&r, &len))
			return false;
		add_v(sz, &ok, gap);
		add_v(sz, &ok, len);
	}
	return ok;
}

size_t
tern_quic_frame_size(const struct tern_quic_frame *f)
{
	size_t sz = 1; /* every frame type of RFC 9000 / 9221 is one byte */
	bool ok = true;

	switch (f->type) {
	case TERN_QUIC_FT_PADDING:
		return f->padding_len;
	case TERN_QUIC_FT_PING:
	case TERN_QUIC_FT_HANDSHAKE_DONE:
		return 1;
	case TERN_QUIC_FT_ACK:
	case TERN_QUIC_FT_ACK_ECN:
		if (f->ack.first_range > f->ack.largest)
			return 0;
		add_v(&sz, &ok, f->ack.largest);
		add_v(&sz, &ok, f->ack.ack_delay);
		add_v(&sz, &ok, f->ack.range_count);
		add_v(&sz, &ok, f->ack.first_range);
		if (!ack_pairs_size(&f->ack, &sz))
			return 0;
		if (f->type == TERN_QUIC_FT_ACK_ECN) {
			add_v(&sz, &ok, f->ack.ecn.ect0);
			add_v(&sz, &ok, f->ack.ecn.ect1);
			add_v(&sz, &ok, f->ack.ecn.ce);
		}
		break;
	case TERN_QUIC_FT_RESET_STREAM:
		add_v(&sz, &ok, f->reset_stream.id);
		add_v(&sz, &ok, f->reset_stream.error_code);
		add_v(&sz, &ok, f->reset_stream.final_size);
		break;
	case TERN_QUIC_FT_STOP_SENDING:
		add_v(&sz, &ok, f->stop_sending.id);
		add_v(&sz, &ok, f->stop_sending.error_code);
		break;
	case TERN_QUIC_FT_CRYPTO:
		if (f->crypto.offset > TERN_QUIC_MAX_OFFSET ||
		    (uint64_t)f->crypto.len > TERN_QUIC_MAX_OFFSET - f->crypto.offset)
			return 0;
		add_v(&sz, &ok, f->crypto.offset);
		add_v(&sz, &ok, f->crypto.len);
		sz += f->crypto.len;
		break;
	case TERN_QUIC_FT_NEW_TOKEN:
		if (f->new_token.len == 0)
			return 0;
		add_v(&sz, &ok, f->new_token.len);
		sz += f->new_token.len;
		break;
	case TERN_QUIC_FT_STREAM:
		sz = tern_quic_stream_frame_hdr_size(f->stream.id, f->stream.offset, f->stream.len,
						     f->stream.has_len);
		if (sz == 0)
			return 0;
		sz += f->stream.len;
		break;
	case TERN_QUIC_FT_MAX_DATA:
	case TERN_QUIC_FT_DATA_BLOCKED:
		add_v(&sz, &ok, f->limit);
		break;
	case TERN_QUIC_FT_MAX_STREAMS_BIDI:
	case TERN_QUIC_FT_MAX_STREAMS_UNI:
	case TERN_QUIC_FT_STREAMS_BLOCKED_BIDI:
	case TERN_QUIC_FT_STREAMS_BLOCKED_UNI:
		if (f->limit > TERN_QUIC_MAX_STREAMS)
			return 0;
		add_v(&sz, &ok, f->limit);
		break;
	case TERN_QUIC_FT_MAX_STREAM_DATA:
	case TERN_QUIC_FT_STREAM_DATA_BLOCKED:
		add_v(&sz, &ok, f->stream_limit.id);
		add_v(&sz, &ok, f->stream_limit.limit);
		break;
	case TERN_QUIC_FT_NEW_CONNECTION_ID:
		if (f->new_cid.cid_len < 1 || f->new_cid.cid_len > TERN_QUIC_MAX_CID_LEN ||
		    f->new_cid.retire_prior_to > f->new_cid.seq || f->new_cid.cid == NULL ||
		    f->new_cid.reset_token == NULL)
			return 0;
		add_v(&sz, &ok, f->new_cid.seq);
		add_v(&sz, &ok, f->new_cid.retire_prior_to);
		sz += 1 + (size_t)f->new_cid.cid_len + TERN_QUIC_SRT_LEN;
		break;
	case TERN_QUIC_FT_RETIRE_CONNECTION_ID:
		add_v(&sz, &ok, f->retire_seq);
		break;
	case TERN_QUIC_FT_PATH_CHALLENGE:
	case TERN_QUIC_FT_PATH_RESPONSE:
		sz += TERN_QUIC_PATH_DATA_LEN;
		break;
	case TERN_QUIC_FT_CONNECTION_CLOSE:
	case TERN_QUIC_FT_CONNECTION_CLOSE_APP:
		add_v(&sz, &ok, f->close.error_code);
		if (f->type == TERN_QUIC_FT_CONNECTION_CLOSE)
			add_v(&sz, &ok, f->close.frame_type);
		add_v(&sz, &ok, f->close.reason_len);
		sz += f->close.reason_len;
		break;
	case TERN_QUIC_FT_DATAGRAM:
		if (f->datagram.has_len)
			add_v(&sz, &ok, f->datagram.len);
		sz += f->datagram.len;
		break;
	default:
		return 0;
	}
	return ok ? sz : 0;
}

static bool
put_bytes(struct tern_wcursor *w, const uint8_t *p, size_t n)
{
	return n == 0 || (p != NULL && tern_wcursor_bytes(w, p, n));
}

/* Writes f; the caller has checked that it fits. */
static bool
encode_body(struct tern_wcursor *w, const struct tern_quic_frame *f)
{
	struct tern_rcursor r;
	uint64_t i, gap, len;
	size_t k;

	switch (f->type) {
	case TERN_QUIC_FT_PADDING:
		for (k = 0; k < f->padding_len; k++)
			if (!tern_wcursor_u8(w, 0))
				return false;
		return true;
	case TERN_QUIC_FT_PING:
	case TERN_QUIC_FT_HANDSHAKE_DONE:
		return tern_wcursor_u8(w, (uint8_t)f->type);
	case TERN_QUIC_FT_ACK:
	case TERN_QUIC_FT_ACK_ECN:
		if (!tern_wcursor_u8(w, (uint8_t)f->type) ||
		    !tern_wcursor_varint(w, f->ack.largest) ||
		    !tern_wcursor_varint(w, f->ack.ack_delay) ||
		    !tern_wcursor_varint(w, f->ack.range_count) ||
		    !tern_wcursor_varint(w, f->ack.first_range))
			return false;
		tern_rcursor_init(&r, f->ack.ranges, f->ack.ranges_len);
		for (i = 0; i < f->ack.range_count; i++)
			if (!tern_rcursor_varint(&r, &gap) || !tern_rcursor_varint(&r, &len) ||
			    !tern_wcursor_varint(w, gap) || !tern_wcursor_varint(w, len))
				return false;
		if (f->type == TERN_QUIC_FT_ACK_ECN)
			return tern_wcursor_varint(w, f->ack.ecn.ect0) &&
			       tern_wcursor_varint(w, f->ack.ecn.ect1) &&
			       tern_wcursor_varint(w, f->ack.ecn.ce);
		return true;
	case TERN_QUIC_FT_RESET_STREAM:
		return tern_wcursor_u8(w, (uint8_t)f->type) &&
		       tern_wcursor_varint(w, f->reset_stream.id) &&
		       tern_wcursor_varint(w, f->reset_stream.error_code) &&
		       tern_wcursor_varint(w, f->reset_stream.final_size);
	case TERN_QUIC_FT_STOP_SENDING:
		return tern_wcursor_u8(w, (uint8_t)f->type) &&
		       tern_wcursor_varint(w, f->stop_sending.id) &&
		       tern_wcursor_varint(w, f->stop_sending.error_code);
	case TERN_QUIC_FT_CRYPTO:
		return tern_wcursor_u8(w, (uint8_t)f->type) &&
		       tern_wcursor_varint(w, f->crypto.offset) &&
		       tern_wcursor_varint(w, f->crypto.len) &&
		       put_bytes(w, f->crypto.data, f->crypto.len);
	case TERN_QUIC_FT_NEW_TOKEN:
		return tern_wcursor_u8(w, (uint8_t)f->type) &&
		       tern_wcursor_varint(w, f->new_token.len) &&
		       put_bytes(w, f->new_token.token, f->new_token.len);
	case TERN_QUIC_FT_STREAM: {
		uint8_t t = TERN_QUIC_FT_STREAM;

		if (f->stream.offset != 0)
			t |= TERN_QUIC_STREAM_BIT_OFF;
		if (f->stream.has_len)
			t |= TERN_QUIC_STREAM_BIT_LEN;
		if (f->stream.fin)
			t |= TERN_QUIC_STREAM_BIT_FIN;
		if (!tern_wcursor_u8(w, t) || !tern_wcursor_varint(w, f->stream.id))
			return false;
		if (f->stream.offset != 0 && !tern_wcursor_varint(w, f->stream.offset))
			return false;
		if (f->stream.has_len && !tern_wcursor_varint(w, f->stream.len))
			return false;
		return put_bytes(w, f->stream.data, f->stream.len);
	}
	case TERN_QUIC_FT_MAX_DATA:
	case TERN_QUIC_FT_DATA_BLOCKED:
	case TERN_QUIC_FT_MAX_STREAMS_BIDI:
	case TERN_QUIC_FT_MAX_STREAMS_UNI:
	case TERN_QUIC_FT_STREAMS_BLOCKED_BIDI:
	case TERN_QUIC_FT_STREAMS_BLOCKED_UNI:
		return tern_wcursor_u8(w, (uint8_t)f->type) && tern_wcursor_varint(w, f->limit);
	case TERN_QUIC_FT_MAX_STREAM_DATA:
	case TERN_QUIC_FT_STREAM_DATA_BLOCKED:
		return tern_wcursor_u8(w, (uint8_t)f->type) &&
		       tern_wcursor_varint(w, f->stream_limit.id) &&
		       tern_wcursor_varint(w, f->stream_limit.limit);
	case TERN_QUIC_FT_NEW_CONNECTION_ID:
		return tern_wcursor_u8(w, (uint8_t)f->type) &&
		       tern_wcursor_varint(w, f->new_cid.seq) &&
		       tern_wcursor_varint(w, f->new_cid.retire_prior_to) &&
		       tern_wcursor_u8(w, f->new_cid.cid_len) &&
		       put_bytes(w, f->new_cid.cid, f->new_cid.cid_len) &&
		       put_bytes(w, f->new_cid.reset_token, TERN_QUIC_SRT_LEN);
	case TERN_QUIC_FT_RETIRE_CONNECTION_ID:
		return tern_wcursor_u8(w, (uint8_t)f->type) &&
		       tern_wcursor_varint(w, f->retire_seq);
	case TERN_QUIC_FT_PATH_CHALLENGE:
	case TERN_QUIC_FT_PATH_RESPONSE:
		return tern_wcursor_u8(w, (uint8_t)f->type) &&
		       tern_wcursor_bytes(w, f->path_data, TERN_QUIC_PATH_DATA_LEN);
	case TERN_QUIC_FT_CONNECTION_CLOSE:
	case TERN_QUIC_FT_CONNECTION_CLOSE_APP:
		if (!tern_wcursor_u8(w, (uint8_t)f->type) ||
		    !tern_wcursor_varint(w, f->close.error_code))
			return false;
		if (f->type == TERN_QUIC_FT_CONNECTION_CLOSE &&
		    !tern_wcursor_varint(w, f->close.frame_type))
			return false;
		return tern_wcursor_varint(w, f->close.reason_len) &&
		       put_bytes(w, f->close.reason, f->close.reason_len);
	case TERN_QUIC_FT_DATAGRAM:
		if (!tern_wcursor_u8(w, f->datagram.has_len ? 0x31 : 0x30))
			return false;
		if (f->datagram.has_len && !tern_wcursor_varint(w, f->datagram.len))
			return false;
		return put_bytes(w, f->datagram.data, f->datagram.len);
	default:
		return false;
	}
}

int
tern_quic_frame_encode(struct tern_wcursor *w, const struct tern_quic_frame *f)
{
	size_t sz, start;

	if (w == NULL || f == NULL)
		return -TERN_EINVAL;
	sz = tern_quic_frame_size(f);
	if (sz == 0)
		return -TERN_EINVAL;
	if (sz > tern_wcursor_left(w))
		return -TERN_ENOBUFS;
	start = w->off;
	if (!encode_body(w, f) || w->off - start != sz) {
		/* a NULL data pointer with a non-zero length, or a forged ACK */
		w->off = start;
		return -TERN_EINVAL;
	}
	return 0;
}

size_t
tern_quic_stream_frame_hdr_size(uint64_t id, uint64_t offset, size_t len, bool with_len)
{
	size_t sz = 1;
	bool ok = true;

	add_v(&sz, &ok, id);
	if (offset != 0)
		add_v(&sz, &ok, offset);
	if (with_len)
		add_v(&sz, &ok, len);
	if (!ok || offset > TERN_QUIC_MAX_OFFSET || (uint64_t)len > TERN_QUIC_MAX_OFFSET - offset)
		return 0;
	return sz;
}

/* Largest n <= avail with (with_len ? varint_len(n) : 0) + n <= room. */
static size_t
fit_data(size_t avail, size_t room, bool with_len)
{
	size_t n;

	if (!with_len)
		return avail < room ? avail : room;
	if (room == 0)
		return 0;
	n = avail < room - 1 ? avail : room - 1;
	/* shrinking n by one shrinks the frame by at least one: at most a
	 * few steps across a varint length boundary */
	while (n > 0 && tern_varint_len(n) + n > room)
		n--;
	return n;
}

int64_t
tern_quic_stream_frame_fit(uint64_t id, uint64_t offset, size_t avail, size_t space, bool with_len)
{
	size_t hdr = tern_quic_stream_frame_hdr_size(id, offset, 0, false);
	size_t n;

	if (hdr == 0)
		return -TERN_EINVAL;
	if (hdr + (with_len ? 1 : 0) > space)
		return -TERN_ENOBUFS;
	if ((uint64_t)avail > TERN_QUIC_MAX_OFFSET - offset)
		avail = (size_t)(TERN_QUIC_MAX_OFFSET - offset);
	n = fit_data(avail, space - hdr, with_len);
	return (int64_t)n;
}

size_t
tern_quic_crypto_frame_hdr_size(uint64_t offset, size_t len)
{
	size_t sz = 1;
	bool ok = true;

	add_v(&sz, &ok, offset);
	add_v(&sz, &ok, len);
	if (!ok || offset > TERN_QUIC_MAX_OFFSET || (uint64_t)len > TERN_QUIC_MAX_OFFSET - offset)
		return 0;
	return sz;
}

int64_t
tern_quic_crypto_frame_fit(uint64_t offset, size_t avail, size_t space)
{
	size_t hdr = 1 + tern_varint_len(offset);
	size_t n;

	if (tern_varint_len(offset) == 0)
		return -TERN_EINVAL;
	if (hdr + 1 > space)
		return -TERN_ENOBUFS;
	if ((uint64_t)avail > TERN_QUIC_MAX_OFFSET - offset)
		avail = (size_t)(TERN_QUIC_MAX_OFFSET - offset);
	n = fit_data(avail, space - hdr, true);
	if (n == 0 && avail > 0)
		return -TERN_ENOBUFS;
	return (int64_t)n;
}

/* Ranges descending and disjoint with at least one missing pn between
 * neighbours (a Gap field of 0 means one missing packet). */
static bool
ack_ranges_valid(const struct tern_quic_ack_range *ranges, size_t n)
{
	size_t i;

	if (n == 0 || ranges == NULL)
		return false;
	for (i = 0; i < n; i++) {
		if (ranges[i].smallest > ranges[i].largest || ranges[i].largest > TERN_QUIC_PN_MAX)
			return false;
		if (i > 0 && ranges[i].largest + 2 > ranges[i - 1].smallest)
			return false;
	}
	return true;
}

static size_t
ack_pair_size(const struct tern_quic_ack_range *ranges, size_t i)
{
	uint64_t gap = ranges[i - 1].smallest - ranges[i].largest - 2;
	uint64_t len = ranges[i].largest - ranges[i].smallest;

	return tern_varint_len(gap) + tern_varint_len(len);
}

/* Size with the first k ranges; ack_delay and ECN already validated. */
static size_t
ack_size_k(size_t k, size_t fixed, size_t pairs)
{
	return fixed + tern_varint_len(k - 1) + pairs;
}

static size_t
ack_fixed_size(const struct tern_quic_ack_range *ranges, uint64_t ack_delay,
	       const struct tern_quic_ack_ecn *ecn, bool *ok)
{
	size_t sz = 1;

	add_v(&sz, ok, ranges[0].largest);
	add_v(&sz, ok, ack_delay);
	add_v(&sz, ok, ranges[0].largest - ranges[0].smallest);
	if (ecn != NULL) {
		add_v(&sz, ok, ecn->ect0);
		add_v(&sz, ok, ecn->ect1);
		add_v(&sz, ok, ecn->ce);
	}
	return sz;
}

size_t
tern_quic_ack_frame_size(const struct tern_quic_ack_range *ranges, size_t n, uint64_t ack_delay,
			 const struct tern_quic_ack_ecn *ecn)
{
	size_t fixed, pairs = 0, i;
	bool ok = true;

	if (!ack_ranges_valid(ranges, n))
		return 0;
	fixed = ack_fixed_size(ranges, ack_delay, ecn, &ok);
	if (!ok)
		return 0;
	for (i = 1; i < n; i++)
		pairs += ack_pair_size(ranges, i);
	return ack_size_k(n, fixed, pairs);
}

int
tern_quic_ack_frame_encode(struct tern_wcursor *w, const struct tern_quic_ack_range *ranges,
			   size_t n, uint64_t ack_delay, const struct tern_quic_ack_ecn *ecn)
{
	size_t fixed, pairs = 0, k, i, start, budget;
	bool ok = true;

	if (w == NULL || !ack_ranges_valid(ranges, n))
		return -TERN_EINVAL;
	if (n > INT_MAX)
		n = INT_MAX;
	fixed = ack_fixed_size(ranges, ack_delay, ecn, &ok);
	if (!ok)
		return -TERN_EINVAL;
	budget = tern_wcursor_left(w);
	if (ack_size_k(1, fixed, 0) > budget)
		return -TERN_ENOBUFS;
	/* keep the newest ranges: they matter most for loss detection */
	for (k = 1; k < n; k++) {
		size_t p = ack_pair_size(ranges, k);

		if (ack_size_k(k + 1, fixed, pairs + p) > budget)
			break;
		pairs += p;
	}
	start = w->off;
	ok = tern_wcursor_u8(w, ecn != NULL ? TERN_QUIC_FT_ACK_ECN : TERN_QUIC_FT_ACK) &&
	     tern_wcursor_varint(w, ranges[0].largest) && tern_wcursor_varint(w, ack_delay) &&
	     tern_wcursor_varint(w, k - 1) &&
	     tern_wcursor_varint(w, ranges[0].largest - ranges[0].smallest);
	for (i = 1; ok && i < k; i++)
		ok = tern_wcursor_varint(w, ranges[i - 1].smallest - ranges[i].largest - 2) &&
		     tern_wcursor_varint(w, ranges[i].largest - ranges[i].smallest);
	if (ok && ecn != NULL)
		ok = tern_wcursor_varint(w, ecn->ect0) && tern_wcursor_varint(w, ecn->ect1) &&
		     tern_wcursor_varint(w, ecn->ce);
	if (!ok) {
		w->off = start;
		return -TERN_EINVAL; /* not reached: sizes were checked */
	}
	return (int)k;
}
