/* SPDX-License-Identifier: Apache-2.0 */
/*
 * QUIC transport parameters (RFC 9000 18, RFC 9221 3): encode and validate.
 */

#include "dataplane/quic/quic_tp.h"

#include <string.h>

#include <tern/error.h>

#define MAX_STREAMS_LIMIT (1ULL << 60)
/* preferred_address without its connection ID: 4 + 2 + 16 + 2 + 1 + 16 */
#define PREFERRED_ADDRESS_FIXED 41

void
tern_quic_tp_defaults(struct tern_quic_tp *tp)
{
	memset(tp, 0, sizeof(*tp));
	tp->max_udp_payload_size = TERN_QUIC_TP_DEFAULT_MAX_UDP_PAYLOAD_SIZE;
	tp->ack_delay_exponent = TERN_QUIC_TP_DEFAULT_ACK_DELAY_EXPONENT;
	tp->max_ack_delay = TERN_QUIC_TP_DEFAULT_MAX_ACK_DELAY;
	tp->active_connection_id_limit = TERN_QUIC_TP_DEFAULT_ACTIVE_CONNECTION_ID_LIMIT;
}

/* The value rules of RFC 9000 18.2 shared by encoder and decoder. */
static bool
values_valid(const struct tern_quic_tp *tp)
{
	return tp->max_udp_payload_size >= TERN_QUIC_TP_MIN_UDP_PAYLOAD_SIZE &&
	       tp->ack_delay_exponent <= TERN_QUIC_TP_MAX_ACK_DELAY_EXPONENT &&
	       tp->max_ack_delay < TERN_QUIC_TP_MAX_ACK_DELAY_LIMIT &&
	       tp->active_connection_id_limit >= 2 &&
	       tp->initial_max_streams_bidi <= MAX_STREAMS_LIMIT &&
	       tp->initial_max_streams_uni <= MAX_STREAMS_LIMIT;
}

static bool
put_int(struct tern_wcursor *w, uint64_t id, uint64_t v)
{
	size_t n = tern_varint_len(v);

	return n != 0 && tern_wcursor_varint(w, id) && tern_wcursor_varint(w, n) &&
	       tern_wcursor_varint(w, v);
}

/* Integer parameter, written only when it differs from its default. */
static bool
put_int_nondefault(struct tern_wcursor *w, uint64_t id, uint64_t v, uint64_t def)
{
	return v == def || put_int(w, id, v);
}

static bool
put_bytes_param(struct tern_wcursor *w, uint64_t id, const uint8_t *p, size_t n)
{
	return tern_wcursor_varint(w, id) && tern_wcursor_varint(w, n) &&
	       (n == 0 || tern_wcursor_bytes(w, p, n));
}

static bool
put_cid(struct tern_wcursor *w, uint64_t id, const struct tern_quic_tp_cid *cid)
{
	return !cid->present || put_bytes_param(w, id, cid->id, cid->len);
}

static bool
put_preferred_address(struct tern_wcursor *w, const struct tern_quic_preferred_address *pa)
{
	return tern_wcursor_varint(w, TERN_QUIC_TP_PREFERRED_ADDRESS) &&
	       tern_wcursor_varint(w, PREFERRED_ADDRESS_FIXED + (uint64_t)pa->cid_len) &&
	       tern_wcursor_bytes(w, pa->ipv4, sizeof(pa->ipv4)) &&
	       tern_wcursor_u16(w, pa->ipv4_port) &&
	       tern_wcursor_bytes(w, pa->ipv6, sizeof(pa->ipv6)) &&
	       tern_wcursor_u16(w, pa->ipv6_port) && tern_wcursor_u8(w, pa->cid_len) &&
	       tern_wcursor_bytes(w, pa->cid, pa->cid_len) &&
	       tern_wcursor_bytes(w, pa->reset_token, sizeof(pa->reset_token));
}

int
tern_quic_tp_encode(struct tern_wcursor *w, const struct tern_quic_tp *tp, bool is_server)
{
	size_t start;
	bool ok;

	if (w == NULL || tp == NULL || !values_valid(tp))
		return -TERN_EINVAL;
	if (tern_varint_len(tp->max_idle_timeout) == 0 ||
	    tern_varint_len(tp->max_udp_payload_size) == 0 ||
	    tern_varint_len(tp->initial_max_data) == 0 ||
	    tern_varint_len(tp->initial_max_stream_data_bidi_local) == 0 ||
	    tern_varint_len(tp->initial_max_stream_data_bidi_remote) == 0 ||
	    tern_varint_len(tp->initial_max_stream_data_uni) == 0 ||
	    tern_varint_len(tp->max_datagram_frame_size) == 0 ||
	    tern_varint_len(tp->active_connection_id_limit) == 0)
		return -TERN_EINVAL;
	if (tp->original_dcid.len > TERN_QUIC_MAX_CID_LEN ||
	    tp->initial_scid.len > TERN_QUIC_MAX_CID_LEN ||
	    tp->retry_scid.len > TERN_QUIC_MAX_CID_LEN)
		return -TERN_EINVAL;
	if (tp->has_preferred_address && (tp->preferred_address.cid_len < 1 ||
					  tp->preferred_address.cid_len > TERN_QUIC_MAX_CID_LEN))
		return -TERN_EINVAL;
	/* RFC 9000 18.2: these are the server's alone */
	if (!is_server && (tp->original_dcid.present || tp->has_stateless_reset_token ||
			   tp->has_preferred_address || tp->retry_scid.present))
		return -TERN_EINVAL;

	start = w->off;
	ok = put_cid(w, TERN_QUIC_TP_ORIGINAL_DCID, &tp->original_dcid) &&
	     put_int_nondefault(w, TERN_QUIC_TP_MAX_IDLE_TIMEOUT, tp->max_idle_timeout, 0) &&
	     (!tp->has_stateless_reset_token ||
	      put_bytes_param(w, TERN_QUIC_TP_STATELESS_RESET_TOKEN, tp->stateless_reset_token,
			      sizeof(tp->stateless_reset_token))) &&
	     put_int_nondefault(w, TERN_QUIC_TP_MAX_UDP_PAYLOAD_SIZE, tp->max_udp_payload_size,
				TERN_QUIC_TP_DEFAULT_MAX_UDP_PAYLOAD_SIZE) &&
	     put_int_nondefault(w, TERN_QUIC_TP_INITIAL_MAX_DATA, tp->initial_max_data, 0) &&
	     put_int_nondefault(w, TERN_QUIC_TP_INITIAL_MAX_STREAM_DATA_BIDI_LOCAL,
				tp->initial_max_stream_data_bidi_local, 0) &&
	     put_int_nondefault(w, TERN_QUIC_TP_INITIAL_MAX_STREAM_DATA_BIDI_REMOTE,
				tp->initial_max_stream_data_bidi_remote, 0) &&
	     put_int_nondefault(w, TERN_QUIC_TP_INITIAL_MAX_STREAM_DATA_UNI,
				tp->initial_max_stream_data_uni, 0) &&
	     put_int_nondefault(w, TERN_QUIC_TP_INITIAL_MAX_STREAMS_BIDI,
				tp->initial_max_streams_bidi, 0) &&
	     put_int_nondefault(w, TERN_QUIC_TP_INITIAL_MAX_STREAMS_UNI,
				tp->initial_max_streams_uni, 0) &&
	     put_int_nondefault(w, TERN_QUIC_TP_ACK_DELAY_EXPONENT, tp->ack_delay_exponent,
				TERN_QUIC_TP_DEFAULT_ACK_DELAY_EXPONENT) &&
	     put_int_nondefault(w, TERN_QUIC_TP_MAX_ACK_DELAY, tp->max_ack_delay,
				TERN_QUIC_TP_DEFAULT_MAX_ACK_DELAY) &&
	     (!tp->disable_active_migration ||
	      put_bytes_param(w, TERN_QUIC_TP_DISABLE_ACTIVE_MIGRATION, NULL, 0)) &&
	     (!tp->has_preferred_address || put_preferred_address(w, &tp->preferred_address)) &&
	     put_int_nondefault(w, TERN_QUIC_TP_ACTIVE_CONNECTION_ID_LIMIT,
				tp->active_connection_id_limit,
				TERN_QUIC_TP_DEFAULT_ACTIVE_CONNECTION_ID_LIMIT) &&
	     put_cid(w, TERN_QUIC_TP_INITIAL_SCID, &tp->initial_scid) &&
	     put_cid(w, TERN_QUIC_TP_RETRY_SCID, &tp->retry_scid) &&
	     put_int_nondefault(w, TERN_QUIC_TP_MAX_DATAGRAM_FRAME_SIZE,
				tp->max_datagram_frame_size, 0);
	if (!ok) {
		w->off = start;
		return -TERN_ENOBUFS;
	}
	return 0;
}

/* An integer parameter: one varint that fills the value exactly (18.2). */
static bool
get_int(struct tern_rcursor *v, uint64_t *x)
{
	return tern_rcursor_varint(v, x) && tern_rcursor_left(v) == 0;
}

static bool
get_cid(struct tern_rcursor *v, struct tern_quic_tp_cid *cid)
{
	size_t n = tern_rcursor_left(v);

	if (n > TERN_QUIC_MAX_CID_LEN)
		return false;
	cid->present = true;
	cid->len = (uint8_t)n;
	return tern_rcursor_copy(v, cid->id, n);
}

static bool
get_preferred_address(struct tern_rcursor *v, struct tern_quic_preferred_address *pa)
{
	uint8_t n = 0;

	if (!tern_rcursor_copy(v, pa->ipv4, sizeof(pa->ipv4)) ||
	    !tern_rcursor_u16(v, &pa->ipv4_port) ||
	    !tern_rcursor_copy(v, pa->ipv6, sizeof(pa->ipv6)) ||
	    !tern_rcursor_u16(v, &pa->ipv6_port) || !tern_rcursor_u8(v, &n))
		return false;
	/* RFC 9000 18.2: a zero-length CID here is a TRANSPORT_PARAMETER_ERROR */
	if (n < 1 || n > TERN_QUIC_MAX_CID_LEN)
		return false;
	pa->cid_len = n;
	return tern_rcursor_copy(v, pa->cid, n) &&
	       tern_rcursor_copy(v, pa->reset_token, sizeof(pa->reset_token)) &&
	       tern_rcursor_left(v) == 0;
}

static bool
server_only(uint64_t id)
{
	return id == TERN_QUIC_TP_ORIGINAL_DCID || id == TERN_QUIC_TP_STATELESS_RESET_TOKEN ||
	       id == TERN_QUIC_TP_PREFERRED_ADDRESS || id == TERN_QUIC_TP_RETRY_SCID;
}

static bool
known_id(uint64_t id)
{
	return id <= TERN_QUIC_TP_RETRY_SCID || id == TERN_QUIC_TP_MAX_DATAGRAM_FRAME_SIZE;
}

/* One parameter; false means TRANSPORT_PARAMETER_ERROR. */
static bool
decode_one(uint64_t id, struct tern_rcursor *v, struct tern_quic_tp *tp)
{
	switch (id) {
	case TERN_QUIC_TP_ORIGINAL_DCID:
		return get_cid(v, &tp->original_dcid);
	case TERN_QUIC_TP_MAX_IDLE_TIMEOUT:
		return get_int(v, &tp->max_idle_timeout);
	case TERN_QUIC_TP_STATELESS_RESET_TOKEN:
		tp->has_stateless_reset_token = true;
		return tern_rcursor_left(v) == sizeof(tp->stateless_reset_token) &&
		       tern_rcursor_copy(v, tp->stateless_reset_token,
					 sizeof(tp->stateless_reset_token));
	case TERN_QUIC_TP_MAX_UDP_PAYLOAD_SIZE:
		return get_int(v, &tp->max_udp_payload_size);
	case TERN_QUIC_TP_INITIAL_MAX_DATA:
		return get_int(v, &tp->initial_max_data);
	case TERN_QUIC_TP_INITIAL_MAX_STREAM_DATA_BIDI_LOCAL:
		return get_int(v, &tp->initial_max_stream_data_bidi_local);
	case TERN_QUIC_TP_INITIAL_MAX_STREAM_DATA_BIDI_REMOTE:
		return get_int(v, &tp->initial_max_stream_data_bidi_remote);
	case TERN_QUIC_TP_INITIAL_MAX_STREAM_DATA_UNI:
		return get_int(v, &tp->initial_max_stream_data_uni);
	case TERN_QUIC_TP_INITIAL_MAX_STREAMS_BIDI:
		return get_int(v, &tp->initial_max_streams_bidi);
	case TERN_QUIC_TP_INITIAL_MAX_STREAMS_UNI:
		return get_int(v, &tp->initial_max_streams_uni);
	case TERN_QUIC_TP_ACK_DELAY_EXPONENT:
		return get_int(v, &tp->ack_delay_exponent);
	case TERN_QUIC_TP_MAX_ACK_DELAY:
		return get_int(v, &tp->max_ack_delay);
	case TERN_QUIC_TP_DISABLE_ACTIVE_MIGRATION:
		tp->disable_active_migration = true;
		return tern_rcursor_left(v) == 0;
	case TERN_QUIC_TP_PREFERRED_ADDRESS:
		tp->has_preferred_address = true;
		return get_preferred_address(v, &tp->preferred_address);
	case TERN_QUIC_TP_ACTIVE_CONNECTION_ID_LIMIT:
		return get_int(v, &tp->active_connection_id_limit);
	case TERN_QUIC_TP_INITIAL_SCID:
		return get_cid(v, &tp->initial_scid);
	case TERN_QUIC_TP_RETRY_SCID:
		return get_cid(v, &tp->retry_scid);
	case TERN_QUIC_TP_MAX_DATAGRAM_FRAME_SIZE:
		return get_int(v, &tp->max_datagram_frame_size);
	default:
		return true; /* unknown or reserved (grease, 18.1): ignored */
	}
}

int
tern_quic_tp_decode(const uint8_t *buf, size_t len, bool from_server, struct tern_quic_tp *tp,
		    uint64_t *err)
{
	struct tern_rcursor c;
	uint64_t seen = 0;

	if ((buf == NULL && len != 0) || tp == NULL || err == NULL)
		return -TERN_EINVAL;
	tern_quic_tp_defaults(tp);
	tern_rcursor_init(&c, buf, len);
	while (tern_rcursor_left(&c) > 0) {
		struct tern_rcursor v;
		uint64_t id, plen;

		if (!tern_rcursor_varint(&c, &id) || !tern_rcursor_varint(&c, &plen) ||
		    plen > tern_rcursor_left(&c) || !tern_rcursor_sub(&c, (size_t)plen, &v))
			goto bad;
		if (known_id(id)) {
			/* RFC 9000 7.4: duplicates are an error */
			if (seen & (1ULL << id))
				goto bad;
			seen |= 1ULL << id;
			if (!from_server && server_only(id))
				goto bad;
		}
		if (!decode_one(id, &v, tp))
			goto bad;
	}
	if (!values_valid(tp))
		goto bad;
	/* RFC 9000 7.3: required connection-ID parameters */
	if (!tp->initial_scid.present || (from_server && !tp->original_dcid.present))
		goto bad;
	return 0;

bad:
	*err = TERN_QUIC_ERR_TRANSPORT_PARAMETER_ERROR;
	return -TERN_EPROTO;
}

static bool
cid_eq(const struct tern_quic_tp_cid *cid, const uint8_t *p, size_t n)
{
	return cid->present && cid->len == n && (n == 0 || memcmp(cid->id, p, n) == 0);
}

int
tern_quic_tp_check_cids(const struct tern_quic_tp *tp, bool from_server, const uint8_t *peer_scid,
			size_t peer_scid_len, const uint8_t *odcid, size_t odcid_len,
			const uint8_t *retry_scid, size_t retry_scid_len, uint64_t *err)
{
	bool ok = cid_eq(&tp->initial_scid, peer_scid, peer_scid_len);

	if (from_server) {
		ok = ok && cid_eq(&tp->original_dcid, odcid, odcid_len);
		if (retry_scid != NULL)
			ok = ok && cid_eq(&tp->retry_scid, retry_scid, retry_scid_len);
		else
			ok = ok && !tp->retry_scid.present;
	}
	if (!ok) {
		*err = TERN_QUIC_ERR_TRANSPORT_PARAMETER_ERROR;
		return -TERN_EPROTO;
	}
	return 0;
}
