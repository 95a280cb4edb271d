/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The stream API of a connection (include/tern/quic.h) and the stream and
 * flow-control frames it receives, over the stream map of quic_stream.h.
 */

#include <string.h>

#include "quic_conn_internal.h"

int
conn_streams_init(struct tern_quic_conn *c)
{
	const struct tern_quic_config *cfg = c->cfg;
	struct tern_quic_streams_config sc = {
		.is_server = c->server,
		.initial_max_data = cfg->initial_max_data,
		.initial_max_stream_data_bidi_local = cfg->initial_max_stream_data_bidi_local,
		.initial_max_stream_data_bidi_remote = cfg->initial_max_stream_data_bidi_remote,
		.initial_max_stream_data_uni = cfg->initial_max_stream_data_uni,
		.initial_max_streams_bidi = cfg->initial_max_streams_bidi,
		.initial_max_streams_uni = cfg->initial_max_streams_uni,
		.max_stream_window = cfg->max_stream_window,
		.max_connection_window = cfg->max_connection_window,
	};

	return tern_quic_streams_new(&sc, &c->streams);
}

void
conn_streams_free(struct tern_quic_conn *c)
{
	tern_quic_streams_free(c->streams);
	c->streams = NULL;
}

void
conn_streams_apply_peer_tp(struct tern_quic_conn *c)
{
	const struct tern_quic_tp *tp = &c->peer_tp;
	struct tern_quic_streams_peer_params p = {
		.initial_max_data = tp->initial_max_data,
		.initial_max_stream_data_bidi_local = tp->initial_max_stream_data_bidi_local,
		.initial_max_stream_data_bidi_remote = tp->initial_max_stream_data_bidi_remote,
		.initial_max_stream_data_uni = tp->initial_max_stream_data_uni,
		.initial_max_streams_bidi = tp->initial_max_streams_bidi,
		.initial_max_streams_uni = tp->initial_max_streams_uni,
	};
	uint64_t err = TERN_QUIC_ERR_TRANSPORT_PARAMETER_ERROR;

	if (tern_quic_streams_set_peer_params(c->streams, &p, &err) != 0)
		conn_close_local(c, false, err, TERN_QUIC_FT_CRYPTO, "bad stream limits");
}

/* STREAM, RESET_STREAM, STOP_SENDING, MAX_*, *_BLOCKED (RFC 9000 19.4-19.14). */
int
conn_stream_frame(struct tern_quic_conn *c, const struct tern_quic_frame *f, uint64_t now)
{
	uint64_t err = TERN_QUIC_ERR_PROTOCOL_VIOLATION;
	int rc = 0;

	(void)now;
	switch (f->type) {
	case TERN_QUIC_FT_STREAM:
		rc = tern_quic_streams_on_stream(c->streams, f->stream.id, f->stream.offset,
						 f->stream.data, f->stream.len, f->stream.fin,
						 &err);
		break;
	case TERN_QUIC_FT_RESET_STREAM:
		rc = tern_quic_streams_on_reset_stream(c->streams, f->reset_stream.id,
						       f->reset_stream.error_code,
						       f->reset_stream.final_size, &err);
		break;
	case TERN_QUIC_FT_STOP_SENDING:
		rc = tern_quic_streams_on_stop_sending(c->streams, f->stop_sending.id,
						       f->stop_sending.error_code, &err);
		break;
	case TERN_QUIC_FT_MAX_DATA:
		tern_quic_streams_on_max_data(c->streams, f->limit);
		break;
	case TERN_QUIC_FT_MAX_STREAM_DATA:
		rc = tern_quic_streams_on_max_stream_data(c->streams, f->stream_limit.id,
							  f->stream_limit.limit, &err);
		break;
	case TERN_QUIC_FT_MAX_STREAMS_BIDI:
	case TERN_QUIC_FT_MAX_STREAMS_UNI:
		rc = tern_quic_streams_on_max_streams(
			c->streams, f->type == TERN_QUIC_FT_MAX_STREAMS_BIDI, f->limit, &err);
		break;
	case TERN_QUIC_FT_DATA_BLOCKED:
		break;
	case TERN_QUIC_FT_STREAM_DATA_BLOCKED:
		rc = tern_quic_streams_on_stream_data_blocked(c->streams, f->stream_limit.id,
							      f->stream_limit.limit, &err);
		break;
	case TERN_QUIC_FT_STREAMS_BLOCKED_BIDI:
	case TERN_QUIC_FT_STREAMS_BLOCKED_UNI:
		rc = tern_quic_streams_on_streams_blocked(
			c->streams, f->type == TERN_QUIC_FT_STREAMS_BLOCKED_BIDI, f->limit, &err);
		break;
	default:
		err = TERN_QUIC_ERR_FRAME_ENCODING_ERROR;
		rc = -TERN_EPROTO;
		break;
	}
	if (rc == -TERN_EPROTO)
		return conn_close_local(c, false, err, f->wire_type, "stream frame rejected");
	if (rc != 0)
		return conn_close_local(c, false, TERN_QUIC_ERR_INTERNAL_ERROR, f->wire_type,
					"stream frame failed");
	return 0;
}

/* --- the application's stream calls ------------------------------------------------ */

static bool
usable(const struct tern_quic_conn *c)
{
	return c != NULL && c->state < CS_CLOSING && c->streams != NULL;
}

long
tern_quic_conn_stream_send(struct tern_quic_conn *c, uint64_t id, const uint8_t *buf, size_t len,
			   bool fin)
{
	uint64_t app_err = 0;
	long n;

	if (!usable(c) || (buf == NULL && len != 0))
		return -TERN_EINVAL;
	if (!c->peer_tp_done && !c->zrtt_ok)
		return TERN_QUIC_DONE; /* no stream credit before the peer's parameters */
	n = tern_quic_streams_app_send(c->streams, id, buf, len, fin, &app_err);
	if (n == -TERN_EAGAIN || n == -TERN_ELIMIT)
		return TERN_QUIC_DONE;
	return n;
}

long
tern_quic_conn_stream_recv(struct tern_quic_conn *c, uint64_t id, uint8_t *buf, size_t cap,
			   bool *fin)
{
	uint64_t app_err = 0;
	bool f = false;
	long n;

	if (c == NULL || c->streams == NULL || (buf == NULL && cap != 0))
		return -TERN_EINVAL;
	n = tern_quic_streams_app_recv(c->streams, id, buf, cap, &f, &app_err);
	if (fin != NULL)
		*fin = f;
	if (n == -TERN_EAGAIN)
		return TERN_QUIC_DONE;
	return n;
}

int
tern_quic_conn_stream_shutdown(struct tern_quic_conn *c, uint64_t id, enum tern_quic_shutdown how,
			       uint64_t err)
{
	int rc;

	if (!usable(c) || (how != TERN_QUIC_SHUTDOWN_READ && how != TERN_QUIC_SHUTDOWN_WRITE))
		return -TERN_EINVAL;
	rc = tern_quic_streams_app_shutdown(c->streams, id, how == TERN_QUIC_SHUTDOWN_WRITE, err);
	return rc == -TERN_EAGAIN ? TERN_QUIC_DONE : rc;
}

int
tern_quic_conn_stream_priority(struct tern_quic_conn *c, uint64_t id, uint8_t urgency,
			       bool incremental)
{
	int rc;

	if (!usable(c))
		return -TERN_EINVAL;
	rc = tern_quic_streams_set_priority(c->streams, id, urgency, incremental);
	return rc == -TERN_ELIMIT ? TERN_QUIC_DONE : rc;
}

long
tern_quic_conn_stream_capacity(const struct tern_quic_conn *c, uint64_t id)
{
	uint64_t app_err = 0;

	if (!usable(c))
		return -TERN_EINVAL;
	if (!c->peer_tp_done && !c->zrtt_ok)
		return 0;
	return tern_quic_streams_capacity(c->streams, id, &app_err);
}

bool
tern_quic_conn_stream_readable(const struct tern_quic_conn *c, uint64_t id)
{
	return c != NULL && c->streams != NULL && tern_quic_streams_readable(c->streams, id);
}

bool
tern_quic_conn_stream_writable(const struct tern_quic_conn *c, uint64_t id, size_t len)
{
	return usable(c) && (c->peer_tp_done || c->zrtt_ok) &&
	       tern_quic_streams_writable(c->streams, id, len);
}

bool
tern_quic_conn_stream_finished(const struct tern_quic_conn *c, uint64_t id)
{
	return c != NULL && c->streams != NULL && tern_quic_streams_finished(c->streams, id);
}

int
tern_quic_conn_stream_error(const struct tern_quic_conn *c, uint64_t id, uint64_t *err)
{
	if (c == NULL || c->streams == NULL || err == NULL)
		return -TERN_EINVAL;
	return tern_quic_streams_stream_error(c->streams, id, err) == 0 ? 0 : TERN_QUIC_DONE;
}

size_t
tern_quic_conn_readable(const struct tern_quic_conn *c, uint64_t *ids, size_t max)
{
	if (c == NULL || c->streams == NULL)
		return 0;
	return tern_quic_streams_readable_ids(c->streams, ids, max);
}

size_t
tern_quic_conn_writable(const struct tern_quic_conn *c, uint64_t *ids, size_t max)
{
	if (!usable(c) || (!c->peer_tp_done && !c->zrtt_ok))
		return 0;
	return tern_quic_streams_writable_ids(c->streams, ids, max);
}

uint64_t
tern_quic_conn_peer_streams_left_bidi(const struct tern_quic_conn *c)
{
	return c->streams != NULL ? tern_quic_streams_peer_streams_left(c->streams, true) : 0;
}

uint64_t
tern_quic_conn_peer_streams_left_uni(const struct tern_quic_conn *c)
{
	return c->streams != NULL ? tern_quic_streams_peer_streams_left(c->streams, false) : 0;
}

void
tern_quic_conn_path_stats(const struct tern_quic_conn *c, struct tern_quic_path_stats *st)
{
	const struct tern_quic_rtt *rtt = tern_quic_recovery_rtt(c->rec);
	uint64_t rate = tern_quic_pacer_rate(&c->pacer);

	memset(st, 0, sizeof(*st));
	st->rtt_ns = rtt->smoothed;
	st->min_rtt_ns = rtt->min;
	st->rttvar_ns = rtt->var;
	st->latest_rtt_ns = rtt->latest;
	st->cwnd = tern_quic_cc_cwnd(&c->cc);
	st->bytes_in_flight = tern_quic_cc_bytes_in_flight(&c->cc);
	st->pmtu = c->max_send_udp;
	st->pacing_rate = rate == UINT64_MAX ? 0 : rate;
	/* Delivery rate estimate: a window per smoothed RTT. */
	if (rtt->has_sample && rtt->smoothed != 0)
		st->delivery_rate = st->cwnd * 1000000000ULL / rtt->smoothed;
}
