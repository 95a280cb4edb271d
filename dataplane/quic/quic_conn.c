/* SPDX-License-Identifier: Apache-2.0 */
/*
 * QUIC connection (include/tern/quic.h): lifecycle, the receive path
 * (datagram split, in-place unprotect, frame dispatch), closing and
 * draining, timers, getters and statistics.
 */

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "quic_conn_internal.h"

#define NS_PER_MS 1000000ULL

/* --- errors and closing -------------------------------------------------------------- */

/*
 * Close this connection with an error (RFC 9000 10.2): remember it, queue
 * CONNECTION_CLOSE and enter the closing state. The first error wins.
 * Returns -TERN_EPROTO so frame handlers can `return conn_close_local(...)`.
 */
int
conn_close_local(struct tern_quic_conn *c, bool app, uint64_t code, uint64_t frame_type,
		 const char *reason)
{
	size_t n = reason != NULL ? strlen(reason) : 0;

	if (c->local_err.set || c->state >= CS_CLOSING)
		return -TERN_EPROTO;
	c->local_err.set = true;
	c->local_err.is_app = app;
	c->local_err.code = code;
	c->local_err.frame_type = frame_type;
	if (n > sizeof(c->local_err.reason))
		n = sizeof(c->local_err.reason);
	memcpy(c->local_err.reason, reason != NULL ? reason : "", n);
	c->local_err.reason_len = n;
	c->state = CS_CLOSING;
	c->close_pending = true;
	/* RFC 9000 10.2: the closing state lasts three PTOs, sent or not. */
	c->close_deadline = c->now + 3 * conn_pto_ns(c);
	return -TERN_EPROTO;
}

/* Probe timeout without backoff (RFC 9002 6.2.1), for closing/draining periods. */
uint64_t
conn_pto_ns(const struct tern_quic_conn *c)
{
	return tern_quic_recovery_pto(c->rec);
}

/* --- sent-packet records --------------------------------------------------------------- */

struct pkt_rec *
conn_rec_get(struct tern_quic_conn *c, uint32_t meta)
{
	if (meta == 0 || meta >= c->recs_cap || !c->recs[meta].in_use)
		return NULL;
	return &c->recs[meta];
}

/* --- lifecycle ---------------------------------------------------------------------------- */

static void
hex(char *out, const uint8_t *p, size_t n)
{
	static const char d[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
copy_addr(struct sockaddr_storage *dst, socklen_t *dlen, const struct sockaddr *a, socklen_t len)
{
	memset(dst, 0, sizeof(*dst));
	*dlen = 0;
	if (a == NULL)
		return 0;
	if (len > sizeof(*dst))
		return -TERN_EINVAL;
	memcpy(dst, a, len);
	*dlen = len;
	return 0;
}

static int
conn_new(const struct tern_quic_config *cfg, bool server, const uint8_t *scid, size_t scid_len,
	 const struct sockaddr *local, socklen_t local_len, const struct sockaddr *peer,
	 socklen_t peer_len, struct tern_crypto_ctx *cctx, uint64_t now,
	 struct tern_quic_conn **connp)
{
	struct tern_quic_conn *c;
	int i, rc;

	if (cfg == NULL || connp == NULL || scid_len > TERN_QUIC_CONN_ID_MAX ||
	    (scid == NULL && scid_len != 0))
		return -TERN_EINVAL;
	if (tern_tls_config_role(cfg->tls) != (server ? TERN_TLS_SERVER : TERN_TLS_CLIENT))
		return -TERN_EINVAL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -TERN_ENOMEM;
	c->cfg_copy = *cfg;
	c->cfg = &c->cfg_copy;
	cfg = c->cfg;
	c->server = server;
	c->version = cfg->version;
	if (copy_addr(&c->local, &c->local_len, local, local_len) != 0 ||
	    copy_addr(&c->peer, &c->peer_len, peer, peer_len) != 0) {
		free(c);
		return -TERN_EINVAL;
	}
	if (scid_len != 0)
		memcpy(c->scid, scid, scid_len);
	c->scid_len = scid_len;
	hex(c->trace_id, scid, scid_len);
	if (cctx != NULL) {
		c->cctx = cctx;
	} else {
		rc = tern_crypto_ctx_create(TERN_CRYPTO_BACKEND_AUTO, &c->cctx);
		if (rc != 0) {
			free(c);
			return rc;
		}
		c->own_cctx = true;
	}
	for (i = 0; i < SP_COUNT; i++) {
		struct conn_space_state *s = &c->sp[i];

		s->largest_rx = -1;
		tern_quic_rangeset_init(&s->ctx.lost, CONN_CRYPTO_RANGES);
		tern_quic_rangeset_init(&s->ctx.acked, CONN_CRYPTO_RANGES);
		tern_quic_rangeset_init(&s->crx.got, CONN_CRYPTO_RANGES);
		tern_quic_ack_init(&s->ack, (enum tern_quic_pn_space)i,
				   cfg->max_ack_delay_ms * NS_PER_MS);
	}
	c->max_send_udp = cfg->max_send_udp_payload;
	c->local_idle_ms = cfg->max_idle_timeout_ms;
	c->idle_timeout_ns = cfg->max_idle_timeout_ms * NS_PER_MS;
	c->last_activity = now;
	c->now = now;
	c->validated = !server;
	c->stats.paths_count = 1;
	rc = conn_recovery_init(c, now);
	if (rc == 0)
		rc = conn_streams_init(c);
	if (rc != 0) {
		tern_quic_conn_free(c);
		return rc;
	}
	*connp = c;
	return 0;
}

int
tern_quic_connect(const char *server_name, const uint8_t *scid, size_t scid_len,
		  const struct sockaddr *local, socklen_t local_len, const struct sockaddr *peer,
		  socklen_t peer_len, const struct tern_quic_config *cfg,
		  struct tern_crypto_ctx *cctx, uint64_t now, struct tern_quic_conn **connp)
{
	struct tern_quic_conn *c;
	int rc;

	rc = conn_new(cfg, false, scid, scid_len, local, local_len, peer, peer_len, cctx, now, &c);
	if (rc != 0)
		return rc;
	if (server_name != NULL && (c->server_name = strdup(server_name)) == NULL) {
		tern_quic_conn_free(c);
		return -TERN_ENOMEM;
	}
	/* A random original DCID of 8 bytes (RFC 9000 7.2: at least 8). */
	c->odcid_len = 8;
	if (RAND_bytes(c->odcid, (int)c->odcid_len) != 1) {
		tern_quic_conn_free(c);
		return -TERN_EINTERNAL;
	}
	memcpy(c->dcid, c->odcid, c->odcid_len);
	c->dcid_len = c->odcid_len;
	rc = conn_install_initial_keys(c, c->odcid, c->odcid_len);
	if (rc == 0)
		rc = conn_hs_init(c);
	if (rc != 0) {
		tern_quic_conn_free(c);
		return rc;
	}
	*connp = c;
	return 0;
}

int
tern_quic_accept(const uint8_t *scid, size_t scid_len, const uint8_t *odcid, size_t odcid_len,
		 const struct sockaddr *local, socklen_t local_len, const struct sockaddr *peer,
		 socklen_t peer_len, const struct tern_quic_config *cfg,
		 struct tern_crypto_ctx *cctx, uint64_t now, struct tern_quic_conn **connp)
{
	struct tern_quic_conn *c;
	int rc;

	if (odcid_len > TERN_QUIC_CONN_ID_MAX || (odcid == NULL && odcid_len != 0))
		return -TERN_EINVAL;
	rc = conn_new(cfg, true, scid, scid_len, local, local_len, peer, peer_len, cctx, now, &c);
	if (rc != 0)
		return rc;
	/*
	 * A random token (RFC 9000 10.3): the client recognises a reset built
	 * with it by tern_quic_stateless_reset(). There is no token source yet,
	 * so an application that lost the connection cannot rebuild it.
	 */
	if (RAND_bytes(c->reset_token, sizeof(c->reset_token)) != 1) {
		tern_quic_conn_free(c);
		return -TERN_EINTERNAL;
	}
	if (odcid != NULL) {
		memcpy(c->odcid, odcid, odcid_len);
		c->odcid_len = odcid_len;
		c->did_retry = true;
		/* A Retry validated the address (RFC 9000 8.1.2). */
		c->validated = true;
	}
	*connp = c;
	return 0;
}

void
tern_quic_conn_free(struct tern_quic_conn *c)
{
	if (c == NULL)
		return;
	conn_crypto_free(c);
	conn_streams_free(c);
	conn_recovery_free(c);
	free(c->recs);
	free(c->token);
	free(c->server_name);
	if (c->own_cctx)
		tern_crypto_ctx_free(c->cctx);
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}

/* --- handshake progress ------------------------------------------------------------------ */

/* After handshake bytes or HANDSHAKE_DONE: confirmation and key discard (RFC 9001 4.1.2, 4.9). */
static void
conn_handshake_progress(struct tern_quic_conn *c, uint64_t now)
{
	if (c->hs_complete && c->state == CS_HANDSHAKE) {
		c->state = CS_ESTABLISHED;
		c->established = true;
		/* 0-RTT is over: 1-RTT keys exist both ways (RFC 9001 4.9.3). */
		tern_quic_keys_free(c->early_wr);
		tern_quic_keys_free(c->early_rd);
		c->early_wr = c->early_rd = NULL;
		c->zrtt_ok = false;
		if (c->server) {
			c->confirmed = true;
			c->handshake_done_pending = true;
			conn_discard_space(c, SP_HANDSHAKE, now);
			tern_quic_recovery_set_handshake_confirmed(c->rec, now);
		}
	}
}

static void
conn_confirm_client(struct tern_quic_conn *c, uint64_t now)
{
	if (c->server || c->confirmed || !c->hs_complete)
		return;
	c->confirmed = true;
	conn_discard_space(c, SP_HANDSHAKE, now);
	tern_quic_recovery_set_handshake_confirmed(c->rec, now);
}

/* The peer's transport parameters arrived and were validated (quic_conn_crypto.c). */
void
conn_apply_peer_tp(struct tern_quic_conn *c)
{
	const struct tern_quic_tp *tp = &c->peer_tp;
	uint64_t idle = c->local_idle_ms;

	/* RFC 9000 10.1: the minimum of both values, ignoring a zero. */
	if (tp->max_idle_timeout != 0 && (idle == 0 || tp->max_idle_timeout < idle))
		idle = tp->max_idle_timeout;
	c->idle_timeout_ns = idle * NS_PER_MS;
	if (tp->max_udp_payload_size < c->max_send_udp)
		c->max_send_udp = (size_t)tp->max_udp_payload_size;
	tern_quic_recovery_set_peer_max_ack_delay(c->rec, tp->max_ack_delay * NS_PER_MS);
	conn_streams_apply_peer_tp(c);
}

/* --- frames ----------------------------------------------------------------------------------- */

static int
on_ack_frame(struct tern_quic_conn *c, enum conn_space sp, const struct tern_quic_frame *f,
	     uint64_t now)
{
	if (f->ack.largest >= c->sp[sp].next_pn)
		return conn_close_local(c, false, TERN_QUIC_ERR_PROTOCOL_VIOLATION, f->wire_type,
					"ACK of a packet never sent");
	return conn_on_ack(c, sp, &f->ack, now);
}

static int
on_close_frame(struct tern_quic_conn *c, const struct tern_quic_frame *f, uint64_t now)
{
	size_t n = f->close.reason_len;

	c->peer_err.set = true;
	c->peer_err.is_app = f->type == TERN_QUIC_FT_CONNECTION_CLOSE_APP;
	c->peer_err.code = f->close.error_code;
	c->peer_err.frame_type = f->close.frame_type;
	if (n > sizeof(c->peer_err.reason))
		n = sizeof(c->peer_err.reason);
	if (n != 0)
		memcpy(c->peer_err.reason, f->close.reason, n);
	c->peer_err.reason_len = n;
	/* Draining (RFC 9000 10.2.2): send nothing more, wait three PTOs. */
	c->state = CS_DRAINING;
	c->close_pending = false;
	c->close_deadline = now + 3 * conn_pto_ns(c);
	return 0;
}

static int
process_frames(struct tern_quic_conn *c, enum conn_space sp, enum tern_quic_pkt_type pt,
	       const uint8_t *payload, size_t len, bool *ack_eliciting, uint64_t now)
{
	struct tern_rcursor cur;
	struct tern_quic_frame f;
	uint64_t err;
	int rc = 0;

	*ack_eliciting = false;
	if (len == 0)
		return conn_close_local(c, false, TERN_QUIC_ERR_PROTOCOL_VIOLATION, 0,
					"packet without frames");
	tern_rcursor_init(&cur, payload, len);
	while (tern_rcursor_left(&cur) > 0 && c->state < CS_CLOSING) {
		err = TERN_QUIC_ERR_FRAME_ENCODING_ERROR;
		if (tern_quic_frame_parse(&cur, pt, &f, &err) != 0)
			return conn_close_local(c, false, err, f.wire_type, "malformed frame");
		if (tern_quic_frame_check_sender(&f, !c->server, &err) != 0)
			return conn_close_local(c, false, err, f.wire_type,
						"frame not allowed from this role");
		if (tern_quic_frame_is_ack_eliciting(f.type))
			*ack_eliciting = true;
		switch (f.type) {
		case TERN_QUIC_FT_PADDING:
		case TERN_QUIC_FT_PING:
			break;
		case TERN_QUIC_FT_ACK:
		case TERN_QUIC_FT_ACK_ECN:
			rc = on_ack_frame(c, sp, &f, now);
			break;
		case TERN_QUIC_FT_CRYPTO:
			rc = conn_crypto_recv(c, sp, f.crypto.offset, f.crypto.data, f.crypto.len);
			conn_handshake_progress(c, now);
			break;
		case TERN_QUIC_FT_NEW_TOKEN:
			break; /* no address validation tokens kept yet */
		case TERN_QUIC_FT_HANDSHAKE_DONE:
			conn_confirm_client(c, now);
			break;
		case TERN_QUIC_FT_CONNECTION_CLOSE:
		case TERN_QUIC_FT_CONNECTION_CLOSE_APP:
			rc = on_close_frame(c, &f, now);
			break;
		case TERN_QUIC_FT_NEW_CONNECTION_ID:
			rc = conn_on_new_cid(c, &f);
			break;
		case TERN_QUIC_FT_RETIRE_CONNECTION_ID:
			/* Only sequence number 0 was ever issued (RFC 9000 19.16). */
			if (f.retire_seq > 0)
				rc = conn_close_local(c, false, TERN_QUIC_ERR_PROTOCOL_VIOLATION,
						      f.wire_type, "retired a CID never issued");
			break;
		case TERN_QUIC_FT_PATH_CHALLENGE:
			memcpy(c->path_response, f.path_data, sizeof(c->path_response));
			c->path_response_pending = true;
			break;
		case TERN_QUIC_FT_PATH_RESPONSE:
			break; /* no challenge is ever sent */
		case TERN_QUIC_FT_DATAGRAM:
			rc = conn_close_local(c, false, TERN_QUIC_ERR_PROTOCOL_VIOLATION,
					      f.wire_type, "DATAGRAM not negotiated");
			break;
		default:
			rc = conn_stream_frame(c, &f, now);
			break;
		}
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Events that recovery must hear about outside its callbacks. */
static void
conn_after_input(struct tern_quic_conn *c, uint64_t now)
{
	if (c->confirm_pending) {
		c->confirm_pending = false;
		conn_confirm_client(c, now);
	}
	if (!c->server && !c->hs_keys_told && c->sp[SP_HANDSHAKE].wr != NULL) {
		c->hs_keys_told = true;
		tern_quic_recovery_set_handshake_keys(c->rec, now);
	}
	if (c->amp_limited && (c->validated || 3 * c->rx_bytes > c->tx_bytes + 1200)) {
		c->amp_limited = false;
		tern_quic_recovery_set_amplification_limited(c->rec, false, now);
	}
}

/* RFC 9000 10.1: at least three PTOs, so a few probes can go out first. */
uint64_t
conn_idle_timeout(const struct tern_quic_conn *c)
{
	uint64_t pto3 = 3 * conn_pto_ns(c);

	return c->idle_timeout_ns > pto3 ? c->idle_timeout_ns : pto3;
}

/* --- receive path ------------------------------------------------------------------------------
 */

static enum conn_space
pkt_space(enum tern_quic_pkt_type t)
{
	switch (t) {
	case TERN_QUIC_PKT_INITIAL:
		return SP_INITIAL;
	case TERN_QUIC_PKT_HANDSHAKE:
		return SP_HANDSHAKE;
	case TERN_QUIC_PKT_0RTT: /* the application data space too (RFC 9000 12.3) */
	case TERN_QUIC_PKT_1RTT:
		return SP_APP;
	default:
		return SP_COUNT;
	}
}

/* Server: the client's first Initial sets up the handshake (RFC 9000 7.2, 14.1). */
static int
server_first_initial(struct tern_quic_conn *c, const struct tern_quic_hdr *h, size_t dgram_len)
{
	int rc;

	/* RFC 9000 14.1: 1200 bytes at least; 7.2: a first DCID of 8 bytes at least. */
	if (h->type != TERN_QUIC_PKT_INITIAL || dgram_len < TERN_QUIC_MIN_INITIAL_SIZE ||
	    (!c->did_retry && h->dcid_len < 8))
		return 1; /* drop */
	if (!c->did_retry) {
		memcpy(c->odcid, h->dcid, h->dcid_len);
		c->odcid_len = h->dcid_len;
	} else {
		memcpy(c->rscid, h->dcid, h->dcid_len);
		c->rscid_len = h->dcid_len;
	}
	/* Keep accepting Initials sent to the client's chosen DCID. */
	memcpy(c->initial_dcid, h->dcid, h->dcid_len);
	c->initial_dcid_len = h->dcid_len;
	memcpy(c->dcid, h->scid, h->scid_len);
	c->dcid_len = h->scid_len;
	memcpy(c->peer_scid, h->scid, h->scid_len);
	c->peer_scid_len = h->scid_len;
	c->have_peer_scid = true;
	rc = conn_install_initial_keys(c, h->dcid, h->dcid_len);
	if (rc == 0)
		rc = conn_hs_init(c);
	return rc;
}

static bool
dcid_ok(const struct tern_quic_conn *c, const struct tern_quic_hdr *h)
{
	if (h->dcid_len == c->scid_len && memcmp(h->dcid, c->scid, c->scid_len) == 0)
		return true;
	/* Server: the client's Initials/0-RTT still use the DCID it picked. */
	return c->server && h->type != TERN_QUIC_PKT_1RTT && c->initial_dcid_len == h->dcid_len &&
	       memcmp(h->dcid, c->initial_dcid, h->dcid_len) == 0;
}

/*
 * Client: a Retry (RFC 9000 17.2.5, 8.1.2). Accepted once, before anything
 * from the server, when its integrity tag verifies against our original
 * DCID: new DCID, new Initial keys, the token in every later Initial, and the
 * ClientHello sent again. Returns true if it was taken.
 */
static bool
client_retry(struct tern_quic_conn *c, const uint8_t *pkt, size_t len,
	     const struct tern_quic_hdr *h, uint64_t now)
{
	struct tern_quic_retry_key *key;
	struct conn_space_state *s = &c->sp[SP_INITIAL];
	uint8_t *tok;
	int rc;

	if (c->server || c->did_retry || c->have_peer_scid || h->token_len == 0 ||
	    h->version != c->version || s->discarded)
		return false;
	/* The Retry's SCID must differ from the DCID we used (17.2.5.2). */
	if (h->scid_len == c->dcid_len && memcmp(h->scid, c->dcid, c->dcid_len) == 0)
		return false;
	if (tern_quic_retry_key_create(c->cctx, c->version, &key) != 0)
		return false;
	rc = tern_quic_retry_verify(c->cctx, key, c->odcid, c->odcid_len, pkt, len);
	tern_quic_retry_key_free(key);
	if (rc != 0)
		return false;
	tok = malloc(h->token_len);
	if (tok == NULL)
		return false;
	memcpy(tok, h->token, h->token_len);
	free(c->token);
	c->token = tok;
	c->token_len = h->token_len;
	memcpy(c->dcid, h->scid, h->scid_len);
	c->dcid_len = h->scid_len;
	memcpy(c->rscid, h->scid, h->scid_len);
	c->rscid_len = h->scid_len;
	c->did_retry = true;
	if (conn_install_initial_keys(c, c->dcid, c->dcid_len) != 0)
		return false;
	/* Send the ClientHello again from the start; loss state starts afresh (RFC 9002 6.3),
	 * packet numbers go on (RFC 9000 17.2.5.3). */
	s->ctx.sent = 0;
	tern_quic_rangeset_clear(&s->ctx.lost);
	tern_quic_rangeset_clear(&s->ctx.acked);
	for (uint32_t i = 1; i < c->recs_cap; i++)
		if (c->recs[i].in_use)
			conn_rec_release(c, i);
	conn_recovery_free(c);
	if (conn_recovery_init(c, now) != 0)
		return false;
	return true;
}

/* Client: Version Negotiation (RFC 9000 6.2): give up unless it lists our version. */
static void
client_version_negotiation(struct tern_quic_conn *c, const struct tern_quic_hdr *h)
{
	struct tern_rcursor cur;
	size_t i;

	if (c->server || c->have_peer_scid)
		return;
	tern_rcursor_init(&cur, h->versions, h->versions_count * 4);
	for (i = 0; i < h->versions_count; i++) {
		uint32_t v;

		if (!tern_rcursor_u32(&cur, &v) || v == c->version)
			return; /* a forged or stale VN: ignore it */
	}
	c->local_err.set = true;
	c->local_err.code = TERN_QUIC_ERR_VERSION_NEGOTIATION_ERROR;
	memcpy(c->local_err.reason, "no common QUIC version", 22);
	c->local_err.reason_len = 22;
	c->state = CS_CLOSED;
}

/* Process one packet of a datagram. Returns 0 (processed or dropped) or a close error. */
static int
recv_packet(struct tern_quic_conn *c, uint8_t *dgram, size_t dgram_len,
	    const struct tern_quic_hdr *h, bool *processed, uint64_t now)
{
	enum conn_space sp = pkt_space(h->type);
	struct conn_space_state *s;
	struct tern_quic_rx_pkt rx;
	uint8_t scratch[1500];
	bool eliciting, try_prev, zrtt, used_prev = false;
	int rc;

	if (h->type == TERN_QUIC_PKT_RETRY && dcid_ok(c, h)) {
		if (!client_retry(c, dgram + h->off, h->len, h, now))
			goto drop;
		*processed = true;
		return 0;
	}
	if (h->type == TERN_QUIC_PKT_VERSION_NEGOTIATION && dcid_ok(c, h)) {
		client_version_negotiation(c, h);
		*processed = true;
		return 0;
	}
	if (sp == SP_COUNT || (h->type != TERN_QUIC_PKT_1RTT && h->version != c->version))
		goto drop; /* 0-RTT and other versions are not handled */
	if (c->server && c->hs == NULL) {
		rc = server_first_initial(c, h, dgram_len);
		if (rc > 0)
			goto drop;
		if (rc < 0)
			return rc;
	} else if (!dcid_ok(c, h)) {
		goto drop;
	}
	s = &c->sp[sp];
	zrtt = h->type == TERN_QUIC_PKT_0RTT;
	if (zrtt && (!c->server || c->early_rd == NULL))
		goto drop;
	if (s->discarded || (s->rd == NULL && !zrtt))
		goto drop;
	if (sp == SP_APP && s->rd_prev != NULL && now >= s->prev_until) {
		tern_quic_keys_free(s->rd_prev);
		s->rd_prev = NULL;
	}
	/* During a key update overlap, keep a copy to try the previous keys too. */
	try_prev = !zrtt && sp == SP_APP && s->rd_prev != NULL && h->len <= sizeof(scratch);
	if (try_prev)
		memcpy(scratch, dgram + h->off, h->len);
	memset(&rx, 0, sizeof(rx));
	rx.keys = zrtt ? c->early_rd : s->rd;
	rx.alt_keys = sp == SP_APP && !zrtt ? s->rd_next : NULL;
	tern_quic_rx_pkt_set(&rx, dgram, h);
	rx.largest_pn = tern_quic_ack_largest(&s->ack);
	tern_quic_unprotect_burst(c->cctx, &rx, 1);
	if (try_prev && rx.status == -TERN_EBADMSG) {
		memcpy(dgram + h->off, scratch, h->len);
		memset(&rx, 0, sizeof(rx));
		rx.keys = s->rd;
		rx.alt_keys = s->rd_prev;
		tern_quic_rx_pkt_set(&rx, dgram, h);
		rx.largest_pn = tern_quic_ack_largest(&s->ack);
		tern_quic_unprotect_burst(c->cctx, &rx, 1);
		used_prev = rx.status == 0 && rx.key_phase != tern_quic_keys_phase(s->rd);
		if (used_prev)
			c->prev_key_pkts++;
	}
	if (rx.status != 0) {
		if (rx.status == -TERN_EPROTO && rx.authenticated)
			return conn_close_local(c, false, TERN_QUIC_ERR_PROTOCOL_VIOLATION, 0,
						"reserved header bits set");
		goto drop;
	}
	if (tern_quic_ack_is_duplicate(&s->ack, rx.pn))
		goto drop;
	if (sp == SP_APP && !zrtt && !used_prev && rx.key_phase != tern_quic_keys_phase(s->rd)) {
		/* RFC 9001 6.1: a new phase before confirmation is an error. */
		if (!c->confirmed && !c->server)
			return conn_close_local(c, false, TERN_QUIC_ERR_KEY_UPDATE_ERROR, 0,
						"key update before confirmation");
		rc = conn_keys_update_rx(c, now);
		if (rc != 0)
			return rc;
	}
	/* Client: the server's first packet fixes the DCID (RFC 9000 7.2). */
	if (!c->server && !c->have_peer_scid && h->type != TERN_QUIC_PKT_1RTT) {
		memcpy(c->dcid, h->scid, h->scid_len);
		c->dcid_len = h->scid_len;
		memcpy(c->peer_scid, h->scid, h->scid_len);
		c->peer_scid_len = h->scid_len;
		c->have_peer_scid = true;
		hex(c->trace_id, c->scid, c->scid_len);
	}
	rc = process_frames(c, sp, h->type, rx.payload, rx.payload_len, &eliciting, now);
	if (rc != 0)
		return rc;
	if (!s->discarded)
		tern_quic_ack_on_pkt_received(&s->ack, rx.pn, eliciting, TERN_QUIC_ECN_NOT_ECT,
					      now);
	c->stats.recv++;
	*processed = true;
	c->last_activity = now;
	c->ack_eliciting_since_rx = false;
	/* RFC 9001 4.9.1 / RFC 9000 8.1: a Handshake packet validates the client. */
	if (c->server && sp == SP_HANDSHAKE) {
		c->validated = true;
		conn_discard_space(c, SP_INITIAL, now);
	}
	return 0;
drop:
	c->stats.dropped++;
	return 0;
}

/* A datagram nothing could be decrypted from, ending in the server's reset token. */
static bool
is_stateless_reset(const struct tern_quic_conn *c, const uint8_t *tail, size_t len)
{
	/* 21 bytes at least: a short header with 1 byte of packet number and 4 bytes of sample */
	if (c->server || !c->peer_tp_done || !c->peer_tp.has_stateless_reset_token ||
	    len < TERN_QUIC_SRT_LEN + 5)
		return false;
	return CRYPTO_memcmp(tail, c->peer_tp.stateless_reset_token, TERN_QUIC_SRT_LEN) == 0;
}

int
tern_quic_conn_recv(struct tern_quic_conn *c, uint8_t *buf, size_t len,
		    const struct tern_quic_recv_info *info, uint64_t now)
{
	struct tern_quic_hdr hdrs[8];
	uint8_t tail[TERN_QUIC_SRT_LEN];
	bool processed = false;
	int n, i, rc;

	(void)info;
	if (c == NULL || buf == NULL || len > INT32_MAX)
		return -TERN_EINVAL;
	if (now > c->now)
		c->now = now;
	if (c->state == CS_CLOSED || c->state == CS_DRAINING)
		return TERN_QUIC_DONE;
	if (c->state == CS_CLOSING) {
		/* RFC 9000 10.2.1: answer with CONNECTION_CLOSE again, rate limited. */
		if (c->closing_rx++ % 4 == 0)
			c->close_pending = true;
		return TERN_QUIC_DONE;
	}
	c->stats.recv_bytes += len;
	if (!c->validated)
		c->rx_bytes += len;
	/* The tail may be a stateless reset token (RFC 9000 10.3): keep it before decryption. */
	if (len >= sizeof(tail) + 5)
		memcpy(tail, buf + len - sizeof(tail), sizeof(tail));
	n = tern_quic_datagram_split(buf, len, c->scid_len, hdrs, 8);
	for (i = 0; i < n; i++) {
		rc = recv_packet(c, buf, len, &hdrs[i], &processed, now);
		if (rc != 0)
			return rc;
		if (c->state >= CS_CLOSING)
			break;
	}
	if (n < 0)
		c->stats.dropped++;
	if (!processed && is_stateless_reset(c, tail, len)) {
		/* RFC 9000 10.3.1: enter draining, send nothing more. */
		c->state = CS_DRAINING;
		c->stateless_reset = true;
		c->close_pending = false;
		c->close_deadline = now + 3 * conn_pto_ns(c);
		return (int)len;
	}
	conn_after_input(c, now);
	return (int)len;
}

/* --- timers
 * ---------------------------------------------------------------------------------------- */

static uint64_t
min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

uint64_t
tern_quic_conn_timeout(const struct tern_quic_conn *c)
{
	uint64_t t = UINT64_MAX;
	int i;

	if (c->state == CS_CLOSED)
		return UINT64_MAX;
	if (c->state == CS_CLOSING || c->state == CS_DRAINING)
		return c->close_deadline;
	if (c->idle_timeout_ns != 0)
		t = c->last_activity + conn_idle_timeout(c);
	t = min_u64(t, tern_quic_recovery_timeout(c->rec));
	for (i = 0; i < SP_COUNT; i++)
		if (!c->sp[i].discarded && c->sp[i].wr != NULL)
			t = min_u64(t, tern_quic_ack_deadline(&c->sp[i].ack));
	return t;
}

void
tern_quic_conn_on_timeout(struct tern_quic_conn *c, uint64_t now)
{
	if (now > c->now)
		c->now = now;
	if (c->state == CS_CLOSED)
		return;
	if (c->state == CS_CLOSING || c->state == CS_DRAINING) {
		if (now >= c->close_deadline)
			c->state = CS_CLOSED;
		return;
	}
	if (c->idle_timeout_ns != 0 && now >= c->last_activity + conn_idle_timeout(c)) {
		/* RFC 9000 10.1: silently close. */
		c->timed_out = true;
		c->state = CS_CLOSED;
		return;
	}
	conn_recovery_on_timeout(c, now);
}

/* --- close and state
 * ---------------------------------------------------------------------------------- */

int
tern_quic_conn_close(struct tern_quic_conn *c, bool app, uint64_t err, const uint8_t *reason,
		     size_t reason_len, uint64_t now)
{
	char r[128];

	if (c == NULL || (reason == NULL && reason_len != 0))
		return -TERN_EINVAL;
	if (now > c->now)
		c->now = now;
	if (c->state >= CS_CLOSING)
		return TERN_QUIC_DONE;
	if (reason_len >= sizeof(r))
		reason_len = sizeof(r) - 1;
	if (reason_len != 0)
		memcpy(r, reason, reason_len);
	r[reason_len] = '\0';
	conn_close_local(c, app, err, 0, r);
	/* Before any packet was sent or received there is no one to tell. */
	if (!c->server && c->sp[SP_INITIAL].next_pn == 0)
		c->state = CS_CLOSED;
	if (c->server && c->hs == NULL)
		c->state = CS_CLOSED;
	return 0;
}

bool
tern_quic_conn_is_established(const struct tern_quic_conn *c)
{
	return c->established;
}

bool
tern_quic_conn_is_in_early_data(const struct tern_quic_conn *c)
{
	return !c->server && c->zrtt_ok && c->early_wr != NULL && !c->established;
}

bool
tern_quic_conn_is_draining(const struct tern_quic_conn *c)
{
	return c->state == CS_DRAINING || (c->state == CS_CLOSED && c->peer_err.set);
}

bool
tern_quic_conn_is_closed(const struct tern_quic_conn *c)
{
	return c->state == CS_CLOSED;
}

bool
tern_quic_conn_is_timed_out(const struct tern_quic_conn *c)
{
	return c->timed_out;
}

static bool
get_err(const struct conn_err *e, struct tern_quic_conn_error *out)
{
	if (!e->set)
		return false;
	if (out != NULL) {
		out->is_app = e->is_app;
		out->error_code = e->code;
		out->frame_type = e->frame_type;
		out->reason = e->reason;
		out->reason_len = e->reason_len;
	}
	return true;
}

bool
tern_quic_conn_peer_error(const struct tern_quic_conn *c, struct tern_quic_conn_error *err)
{
	return get_err(&c->peer_err, err);
}

bool
tern_quic_conn_local_error(const struct tern_quic_conn *c, struct tern_quic_conn_error *err)
{
	return get_err(&c->local_err, err);
}

size_t
tern_quic_conn_application_proto(const struct tern_quic_conn *c, const uint8_t **proto)
{
	size_t n = c->hs != NULL ? tern_hs_alpn(c->hs, proto) : 0;

	if (n == 0)
		*proto = NULL;
	return n;
}

const char *
tern_quic_conn_server_name(const struct tern_quic_conn *c)
{
	if (!c->server)
		return c->server_name;
	return c->hs != NULL ? tern_hs_server_name(c->hs) : NULL;
}

size_t
tern_quic_conn_peer_cert(const struct tern_quic_conn *c, const uint8_t **der)
{
	*der = NULL;
	return c->hs != NULL ? tern_hs_peer_certificate(c->hs, 0, der) : 0;
}

size_t
tern_quic_conn_source_id(const struct tern_quic_conn *c, const uint8_t **id)
{
	*id = c->scid;
	return c->scid_len;
}

size_t
tern_quic_conn_destination_id(const struct tern_quic_conn *c, const uint8_t **id)
{
	*id = c->dcid;
	return c->dcid_len;
}

const char *
tern_quic_conn_trace_id(const struct tern_quic_conn *c)
{
	return c->trace_id;
}

size_t
tern_quic_conn_max_send_udp_payload_size(const struct tern_quic_conn *c)
{
	return c->max_send_udp;
}

int
tern_quic_conn_send_ack_eliciting(struct tern_quic_conn *c)
{
	if (c->state >= CS_CLOSING)
		return TERN_QUIC_DONE;
	c->ack_eliciting_pending = true;
	return 0;
}

void
tern_quic_conn_stats(const struct tern_quic_conn *c, struct tern_quic_stats *st)
{
	*st = c->stats;
}
