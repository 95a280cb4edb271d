/* SPDX-License-Identifier: Apache-2.0 */
/*
 * QUIC-TLS glue (RFC 9001): the handshake engine's callbacks turned into
 * packet keys per level, CRYPTO stream buffers in both directions, the
 * transport parameters extension, key discard and 1-RTT key updates.
 */

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "quic_conn_internal.h"

static enum conn_space
level_space(enum tern_hs_level level)
{
	switch (level) {
	case TERN_HS_LEVEL_INITIAL:
		return SP_INITIAL;
	case TERN_HS_LEVEL_HANDSHAKE:
		return SP_HANDSHAKE;
	case TERN_HS_LEVEL_APPLICATION:
		return SP_APP;
	default:
		return SP_COUNT;
	}
}

static enum tern_hs_level
space_level(enum conn_space sp)
{
	static const enum tern_hs_level lv[SP_COUNT] = {
		TERN_HS_LEVEL_INITIAL, TERN_HS_LEVEL_HANDSHAKE, TERN_HS_LEVEL_APPLICATION};

	return lv[sp];
}

/* --- handshake callbacks ----------------------------------------------------------- */

static int
cb_send(void *user, enum tern_hs_level level, const uint8_t *data, size_t len)
{
	struct tern_quic_conn *c = user;
	enum conn_space sp = level_space(level);
	struct crypto_tx *tx;

	if (sp == SP_COUNT || c->sp[sp].discarded)
		return -1;
	tx = &c->sp[sp].ctx;
	if (tx->len + len > CONN_CRYPTO_MAX * 4)
		return -1;
	if (tx->len + len > tx->cap) {
		size_t cap = tx->cap < 4096 ? 4096 : tx->cap;
		uint8_t *p;

		while (cap < tx->len + len)
			cap *= 2;
		p = realloc(tx->buf, cap);
		if (p == NULL)
			return -1;
		tx->buf = p;
		tx->cap = cap;
	}
	memcpy(tx->buf + tx->len, data, len);
	tx->len += len;
	return 0;
}

static int
cb_secret(void *user, enum tern_hs_level level, enum tern_hs_direction dir,
	  const struct tern_tls13_suite *suite, const uint8_t *secret, size_t secret_len)
{
	struct tern_quic_conn *c = user;
	enum conn_space sp = level_space(level);
	struct conn_space_state *s;
	struct tern_quic_keys *k, *next = NULL;

	if (level == TERN_HS_LEVEL_EARLY) {
		/* 0-RTT packets share the 1-RTT packet number space (RFC 9000 12.3). */
		if (tern_quic_keys_create(c->cctx, c->version, suite->id, secret, secret_len, &k) !=
		    0)
			return -1;
		if (dir == TERN_HS_WRITE) {
			tern_quic_keys_free(c->early_wr);
			c->early_wr = k;
		} else {
			tern_quic_keys_free(c->early_rd);
			c->early_rd = k;
		}
		return 0;
	}
	if (sp == SP_COUNT || c->sp[sp].discarded)
		return -1;
	s = &c->sp[sp];
	if (tern_quic_keys_create(c->cctx, c->version, suite->id, secret, secret_len, &k) != 0)
		return -1;
	c->suite = suite;
	if (dir == TERN_HS_READ) {
		if (sp == SP_APP && tern_quic_keys_next(c->cctx, k, &next) != 0) {
			tern_quic_keys_free(k);
			return -1;
		}
		tern_quic_keys_free(s->rd);
		tern_quic_keys_free(s->rd_next);
		s->rd = k;
		s->rd_next = next;
	} else {
		tern_quic_keys_free(s->wr);
		s->wr = k;
	}
	return 0;
}

static void
cb_complete(void *user)
{
	struct tern_quic_conn *c = user;

	c->hs_complete = true;
}

/*
 * A QUIC session: 'Q', the server's transport parameters (16-bit length),
 * then the TLS session. The parameters are remembered for 0-RTT (RFC 9000
 * 7.4.1).
 */
#define SESSION_MAGIC 0x51

static void
cb_session(void *user, const uint8_t *session, size_t len)
{
	struct tern_quic_conn *c = user;
	size_t total = 3 + c->peer_tp_raw_len + len;
	struct tern_wcursor w;
	uint8_t *p;

	if (c->peer_tp_raw == NULL || (p = malloc(total)) == NULL)
		return; /* resumption is an optimisation: keep the older session, if any */
	tern_wcursor_init(&w, p, total);
	tern_wcursor_u8(&w, SESSION_MAGIC);
	tern_wcursor_u16(&w, (uint16_t)c->peer_tp_raw_len);
	tern_wcursor_bytes(&w, c->peer_tp_raw, c->peer_tp_raw_len);
	tern_wcursor_bytes(&w, session, len);
	len = total;
	if (c->session != NULL) {
		OPENSSL_cleanse(c->session, c->session_len);
		free(c->session);
	}
	c->session = p;
	c->session_len = len;
}

static void
cb_keylog(void *user, const char *line)
{
	struct tern_quic_conn *c = user;

	if (c->cfg->keylog != NULL)
		c->cfg->keylog(c->cfg->keylog_user, line);
}

/* Our transport parameters (RFC 9000 18.2), from the configuration. */
static int
local_tp_encode(struct tern_quic_conn *c, uint8_t *buf, size_t cap, size_t *len)
{
	const struct tern_quic_config *cfg = c->cfg;
	struct tern_quic_tp tp;
	struct tern_wcursor w;
	int rc;

	tern_quic_tp_defaults(&tp);
	tp.max_idle_timeout = c->local_idle_ms;
	tp.max_udp_payload_size = cfg->max_recv_udp_payload;
	tp.initial_max_data = cfg->initial_max_data;
	tp.initial_max_stream_data_bidi_local = cfg->initial_max_stream_data_bidi_local;
	tp.initial_max_stream_data_bidi_remote = cfg->initial_max_stream_data_bidi_remote;
	tp.initial_max_stream_data_uni = cfg->initial_max_stream_data_uni;
	tp.initial_max_streams_bidi = cfg->initial_max_streams_bidi;
	tp.initial_max_streams_uni = cfg->initial_max_streams_uni;
	tp.ack_delay_exponent = cfg->ack_delay_exponent;
	tp.max_ack_delay = cfg->max_ack_delay_ms;
	tp.active_connection_id_limit = cfg->active_connection_id_limit;
	tp.disable_active_migration = cfg->disable_active_migration;
	tp.initial_scid.present = true;
	tp.initial_scid.len = (uint8_t)c->scid_len;
	memcpy(tp.initial_scid.id, c->scid, c->scid_len);
	if (c->server) {
		tp.original_dcid.present = true;
		tp.original_dcid.len = (uint8_t)c->odcid_len;
		memcpy(tp.original_dcid.id, c->odcid, c->odcid_len);
		tp.has_stateless_reset_token = true;
		memcpy(tp.stateless_reset_token, c->reset_token, sizeof(tp.stateless_reset_token));
		if (c->did_retry) {
			tp.retry_scid.present = true;
			tp.retry_scid.len = (uint8_t)c->rscid_len;
			memcpy(tp.retry_scid.id, c->rscid, c->rscid_len);
		}
	}
	tern_wcursor_init(&w, buf, cap);
	rc = tern_quic_tp_encode(&w, &tp, c->server);
	*len = w.off;
	return rc;
}

int
conn_hs_init(struct tern_quic_conn *c)
{
	struct tern_hs_callbacks cb = {.send = cb_send,
				       .on_secret = cb_secret,
				       .on_complete = cb_complete,
				       .on_session = cb_session,
				       .keylog = c->cfg->keylog != NULL ? cb_keylog : NULL};
	uint8_t tp[512];
	size_t tp_len;
	int rc;

	c->hs_ops = tern_tls_config_hs_ops(c->cfg->tls);
	rc = c->hs_ops->create(c->cfg->tls, &cb, c, &c->hs);
	if (rc != 0)
		return rc;
	rc = local_tp_encode(c, tp, sizeof(tp), &tp_len);
	if (rc == 0)
		rc = c->hs_ops->set_quic_transport_params(c->hs, tp, tp_len);
	if (rc == 0 && !c->server && c->server_name != NULL)
		rc = c->hs_ops->set_server_name(c->hs, c->server_name);
	return rc;
}

/*
 * Client: build the ClientHello. Deferred from tern_quic_connect() to the
 * first send so that tern_quic_conn_set_session() can come in between.
 */
int
conn_hs_start(struct tern_quic_conn *c)
{
	int rc;

	if (c->server || c->hs_started)
		return 0;
	c->hs_started = true;
	rc = c->hs_ops->start(c->hs);
	if (rc == 0 &&
	    (tern_hs_early_data_state(c->hs) != TERN_HS_EARLY_OFFERED || c->early_wr == NULL))
		c->zrtt_ok = false;
	if (rc != 0) {
		enum tern_tls_alert alert = c->hs_ops->alert(c->hs);

		if (alert == TERN_TLS_ALERT_NONE)
			alert = TERN_TLS_ALERT_INTERNAL_ERROR;
		conn_close_local(c, false, TERN_QUIC_ERR_CRYPTO(alert), TERN_QUIC_FT_CRYPTO,
				 tern_hs_error_string(c->hs));
		/* Nothing was sent: there is no one to tell. */
		c->state = CS_CLOSED;
	}
	return rc;
}

int
tern_quic_conn_set_session(struct tern_quic_conn *c, const uint8_t *session, size_t len)
{
	struct tern_quic_tp tp;
	struct tern_rcursor cur;
	const uint8_t *tpb, *tls;
	uint64_t err;
	uint16_t tpl;
	uint8_t magic;
	int rc;

	if (c == NULL || session == NULL || c->server || c->hs_started || c->hs == NULL)
		return -TERN_EINVAL;
	tern_rcursor_init(&cur, session, len);
	if (!tern_rcursor_u8(&cur, &magic) || magic != SESSION_MAGIC ||
	    !tern_rcursor_u16(&cur, &tpl) || !tern_rcursor_view(&cur, tpl, &tpb) ||
	    tern_rcursor_left(&cur) == 0 || tern_quic_tp_decode(tpb, tpl, true, &tp, &err) != 0)
		return -TERN_EINVAL;
	len = tern_rcursor_left(&cur);
	tern_rcursor_view(&cur, len, &tls);
	rc = tern_hs_set_session(c->hs, tls, len);
	if (rc != 0 || !c->cfg->early_data)
		return rc;
	/* Stream limits for 0-RTT: the remembered ones (RFC 9000 7.4.1); the
	 * handshake's parameters replace them (limits only grow). */
	c->peer_tp = tp;
	conn_streams_apply_peer_tp(c);
	c->zrtt_ok = true;
	return 0;
}

size_t
tern_quic_conn_session(const struct tern_quic_conn *c, const uint8_t **session)
{
	*session = c->session;
	return c->session_len;
}

bool
tern_quic_conn_is_resumed(const struct tern_quic_conn *c)
{
	return c->hs != NULL && c->established && tern_hs_is_resumed(c->hs);
}

int
conn_install_initial_keys(struct tern_quic_conn *c, const uint8_t *dcid, size_t dcid_len)
{
	struct tern_quic_keys *ck, *sk;
	struct conn_space_state *s = &c->sp[SP_INITIAL];
	int rc;

	rc = tern_quic_keys_create_initial(c->cctx, c->version, dcid, dcid_len, &ck, &sk);
	if (rc != 0)
		return rc;
	tern_quic_keys_free(s->rd);
	tern_quic_keys_free(s->wr);
	s->rd = c->server ? ck : sk;
	s->wr = c->server ? sk : ck;
	return 0;
}

/* --- the peer's transport parameters ------------------------------------------------ */

static int
peer_tp_check(struct tern_quic_conn *c)
{
	const uint8_t *tp;
	size_t len;
	uint64_t err = TERN_QUIC_ERR_TRANSPORT_PARAMETER_ERROR;

	if (c->peer_tp_done)
		return 0;
	len = c->hs_ops->peer_quic_transport_params(c->hs, &tp);
	if (len == 0)
		return 0;
	c->peer_tp_done = true;
	if (tern_quic_tp_decode(tp, len, !c->server, &c->peer_tp, &err) != 0)
		return conn_close_local(c, false, err, TERN_QUIC_FT_CRYPTO,
					"bad transport parameters");
	if (tern_quic_tp_check_cids(&c->peer_tp, !c->server, c->peer_scid, c->peer_scid_len,
				    c->odcid, c->odcid_len, c->did_retry ? c->rscid : NULL,
				    c->did_retry ? c->rscid_len : 0, &err) != 0)
		return conn_close_local(c, false, err, TERN_QUIC_FT_CRYPTO,
					"transport parameter connection IDs do not match");
	if (!c->server && len <= UINT16_MAX && (c->peer_tp_raw = malloc(len)) != NULL) {
		memcpy(c->peer_tp_raw, tp, len);
		c->peer_tp_raw_len = len;
	}
	conn_apply_peer_tp(c);
	return 0;
}

/* --- incoming CRYPTO frames ------------------------------------------------------- */

int
conn_crypto_recv(struct tern_quic_conn *c, enum conn_space sp, uint64_t off, const uint8_t *data,
		 size_t len)
{
	struct crypto_rx *rx = &c->sp[sp].crx;
	uint64_t end = off + len, run;
	int rc;

	if (end <= rx->delivered)
		return 0; /* all seen before */
	if (end > rx->delivered + CONN_CRYPTO_MAX)
		return conn_close_local(c, false, TERN_QUIC_ERR_CRYPTO_BUFFER_EXCEEDED,
					TERN_QUIC_FT_CRYPTO, "too much buffered handshake data");
	if (off < rx->delivered) {
		data += rx->delivered - off;
		len -= (size_t)(rx->delivered - off);
		off = rx->delivered;
	}
	if (rx->buf == NULL && (rx->buf = malloc(CONN_CRYPTO_MAX)) == NULL)
		return -TERN_ENOMEM;
	if (tern_quic_rangeset_insert(&rx->got, off, end) != 0)
		return conn_close_local(c, false, TERN_QUIC_ERR_CRYPTO_BUFFER_EXCEEDED,
					TERN_QUIC_FT_CRYPTO, "handshake data too fragmented");
	memcpy(rx->buf + (off - rx->delivered), data, len);
	run = tern_quic_rangeset_run_end(&rx->got, rx->delivered);
	if (run == rx->delivered)
		return 0;
	len = (size_t)(run - rx->delivered);
	rc = c->hs_ops->recv(c->hs, space_level(sp), rx->buf, len);
	tern_quic_rangeset_remove_below(&rx->got, run);
	rx->delivered = run;
	if (tern_quic_rangeset_empty(&rx->got)) {
		/* Nothing out of order is waiting: give the window back until more comes. */
		OPENSSL_cleanse(rx->buf, len);
		free(rx->buf);
		rx->buf = NULL;
	} else {
		memmove(rx->buf, rx->buf + len, CONN_CRYPTO_MAX - len);
	}
	if (rc != 0) {
		enum tern_tls_alert alert = c->hs_ops->alert(c->hs);

		if (alert == TERN_TLS_ALERT_NONE)
			alert = TERN_TLS_ALERT_INTERNAL_ERROR;
		return conn_close_local(c, false, TERN_QUIC_ERR_CRYPTO(alert), TERN_QUIC_FT_CRYPTO,
					tern_hs_error_string(c->hs));
	}
	rc = peer_tp_check(c);
	if (rc == 0)
		conn_zrtt_check(c);
	return rc;
}

/* Client: the server answered 0-RTT (EncryptedExtensions); data it refused goes again. */
void
conn_zrtt_check(struct tern_quic_conn *c)
{
	enum tern_hs_early_data st;

	if (c->server || c->zrtt_decided || c->early_wr == NULL)
		return;
	st = tern_hs_early_data_state(c->hs);
	if (st == TERN_HS_EARLY_OFFERED)
		return;
	c->zrtt_decided = true;
	c->zrtt_ok = false;
	if (st != TERN_HS_EARLY_ACCEPTED)
		conn_zrtt_requeue(c);
}

/* --- key discard and update ----------------------------------------------------- */

static void
crypto_bufs_free(struct conn_space_state *s)
{
	if (s->crx.buf != NULL)
		OPENSSL_cleanse(s->crx.buf, CONN_CRYPTO_MAX);
	free(s->crx.buf);
	s->crx.buf = NULL;
	if (s->ctx.buf != NULL)
		OPENSSL_cleanse(s->ctx.buf, s->ctx.cap);
	free(s->ctx.buf);
	s->ctx.buf = NULL;
	s->ctx.len = s->ctx.cap = 0;
	tern_quic_rangeset_free(&s->ctx.lost);
	tern_quic_rangeset_free(&s->ctx.acked);
	tern_quic_rangeset_free(&s->crx.got);
}

static void
space_keys_free(struct conn_space_state *s)
{
	tern_quic_keys_free(s->rd);
	tern_quic_keys_free(s->wr);
	tern_quic_keys_free(s->rd_next);
	tern_quic_keys_free(s->rd_prev);
	s->rd = s->wr = s->rd_next = s->rd_prev = NULL;
}

/* Drop a space's keys and state (RFC 9001 4.9); its packets are no longer tracked. */
void
conn_discard_space(struct tern_quic_conn *c, enum conn_space sp, uint64_t now)
{
	struct conn_space_state *s = &c->sp[sp];

	if (s->discarded)
		return;
	s->discarded = true;
	space_keys_free(s);
	crypto_bufs_free(s);
	s->probe = false;
	s->probes = 0;
	if (c->rec != NULL)
		tern_quic_recovery_discard_space(c->rec, (enum tern_quic_pn_space)sp, now);
}

void
conn_crypto_free(struct tern_quic_conn *c)
{
	int i;

	for (i = 0; i < SP_COUNT; i++) {
		space_keys_free(&c->sp[i]);
		crypto_bufs_free(&c->sp[i]);
	}
	if (c->hs != NULL)
		c->hs_ops->destroy(c->hs);
	c->hs = NULL;
	if (c->session != NULL)
		OPENSSL_cleanse(c->session, c->session_len);
	free(c->session);
	c->session = NULL;
	tern_quic_keys_free(c->early_wr);
	tern_quic_keys_free(c->early_rd);
	c->early_wr = c->early_rd = NULL;
	free(c->peer_tp_raw);
	c->peer_tp_raw = NULL;
}

/*
 * The peer started a new key phase (RFC 9001 6.2) and a packet authenticated
 * with the next read keys: roll the read keys and answer with our own update.
 */
int
conn_keys_update_rx(struct tern_quic_conn *c, uint64_t now)
{
	struct conn_space_state *s = &c->sp[SP_APP];
	struct tern_quic_keys *next_rd = NULL, *next_wr = NULL;

	if (tern_quic_keys_next(c->cctx, s->rd_next, &next_rd) != 0)
		return -TERN_ENOMEM;
	if (tern_quic_keys_phase(s->wr) != tern_quic_keys_phase(s->rd_next) &&
	    tern_quic_keys_next(c->cctx, s->wr, &next_wr) != 0) {
		tern_quic_keys_free(next_rd);
		return -TERN_ENOMEM;
	}
	tern_quic_keys_free(s->rd_prev);
	s->rd_prev = s->rd;
	s->prev_until = now + 3 * conn_pto_ns(c);
	s->rd = s->rd_next;
	s->rd_next = next_rd;
	c->stats.key_updates++;
	if (next_wr != NULL) {
		tern_quic_keys_free(s->wr);
		s->wr = next_wr;
	}
	return 0;
}

/* Start a key update (RFC 9001 6.1): new write keys; the peer answers in kind. */
int
tern_quic_conn_update_keys(struct tern_quic_conn *c)
{
	struct conn_space_state *s;
	struct tern_quic_keys *next;
	int rc;

	if (c == NULL)
		return -TERN_EINVAL;
	s = &c->sp[SP_APP];
	if (c->state != CS_ESTABLISHED || !c->confirmed || s->wr == NULL || s->rd == NULL)
		return TERN_QUIC_DONE;
	/* One update at a time: the previous one must be answered and its overlap over. */
	if (s->rd_prev != NULL || tern_quic_keys_phase(s->wr) != tern_quic_keys_phase(s->rd))
		return TERN_QUIC_DONE;
	rc = tern_quic_keys_next(c->cctx, s->wr, &next);
	if (rc != 0)
		return rc;
	tern_quic_keys_free(s->wr);
	s->wr = next;
	return 0;
}
