/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_TESTS_CONTROL_TLS_TEST_CONN_H
#define TERN_TESTS_CONTROL_TLS_TEST_CONN_H

/*
 * A minimal blocking TLS connection for tests only: the handshake engine
 * wired to tern_tls_record seal/open and the reassembler over a socket.
 * Record keys are derived from the engine's secret events (RFC 8446 7.3).
 * Not an API: the real connection objects are a later slice.
 */

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include <tern/crypto.h>
#include <tern/handshake.h>
#include <tern/keyschedule.h>
#include <tern/tls_record.h>

struct tconn {
	int fd;
	bool server;
	struct tern_hs *hs;
	struct tern_crypto_ctx *cctx;
	struct tern_tls_reasm *reasm;
	struct tern_tls_record_state *rd[TERN_HS_LEVEL_COUNT], *wr[TERN_HS_LEVEL_COUNT];
	enum tern_hs_level rd_level, wr_level;
	bool ccs_sent;
	int io_error;	      /* a write to the socket failed */
	int peer_alert;	      /* alert received, -1 if none */
	bool peer_closed;     /* close_notify received */
	uint8_t app[1 << 16]; /* application data received */
	size_t app_len;
	char keylog[2048]; /* NSS key log lines from the engine */
	size_t keylog_len;
	uint8_t scratch[TERN_TLS_MAX_RECORD];
	/* client: sessions from NewSessionTickets (on_session), in arrival order */
	uint8_t sess[4][2048];
	size_t sess_len[4];
	unsigned n_sess;
	/* server: 0-RTT application data received at the early level */
	uint8_t early[16384];
	size_t early_len;
};

static int
tconn_write_all(struct tconn *c, const uint8_t *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(c->fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			c->io_error = errno != 0 ? errno : EPIPE;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Records of one content type at the current write level, split as the limit requires. */
static int
tconn_send_records(struct tconn *c, enum tern_hs_level level, uint8_t type, const uint8_t *p,
		   size_t n)
{
	static const uint8_t ccs[6] = {20, 3, 3, 0, 1, 1};
	struct tern_tls_seal_op op;
	size_t chunk;

	if (level == TERN_HS_LEVEL_INITIAL) {
		/* TLSPlaintext (RFC 8446 5.1). */
		do {
			uint8_t hdr[5];

			chunk = n < TERN_TLS_MAX_PLAINTEXT ? n : TERN_TLS_MAX_PLAINTEXT;
			hdr[0] = type, hdr[1] = 3, hdr[2] = 3;
			hdr[3] = (uint8_t)(chunk >> 8), hdr[4] = (uint8_t)chunk;
			if (tconn_write_all(c, hdr, 5) != 0 || tconn_write_all(c, p, chunk) != 0)
				return -1;
			p += chunk;
			n -= chunk;
		} while (n > 0);
		return 0;
	}
	if (c->wr[level] == NULL)
		return -1;
	/* Middlebox compatibility: one CCS before the client's first protected record (D.4). */
	if (!c->server && !c->ccs_sent) {
		c->ccs_sent = true;
		if (tconn_write_all(c, ccs, sizeof(ccs)) != 0)
			return -1;
	}
	do {
		chunk = tern_tls_record_state_max_plaintext(c->wr[level]);
		chunk = n < chunk ? n : chunk;
		memset(&op, 0, sizeof(op));
		op.state = c->wr[level];
		op.plaintext = p;
		op.plaintext_len = (uint32_t)chunk;
		op.out = c->scratch;
		op.out_cap = sizeof(c->scratch);
		op.content_type = type;
		if (tern_tls_record_seal_burst(c->cctx, &op, 1) != 1 || op.status != 0)
			return -1;
		if (tconn_write_all(c, c->scratch, op.out_len) != 0)
			return -1;
		p += chunk;
		n -= chunk;
	} while (n > 0);
	return 0;
}

static int
tconn_cb_send(void *user, enum tern_hs_level level, const uint8_t *data, size_t len)
{
	return tconn_send_records(user, level, TERN_TLS_CT_HANDSHAKE, data, len);
}

static int
tconn_cb_secret(void *user, enum tern_hs_level level, enum tern_hs_direction dir,
		const struct tern_tls13_suite *suite, const uint8_t *secret, size_t secret_len)
{
	struct tconn *c = user;
	struct tern_tls_record_state **st = dir == TERN_HS_WRITE ? &c->wr[level] : &c->rd[level];
	uint8_t key[TERN_AEAD_KEY_MAX], iv[TERN_AEAD_NONCE_LEN];
	int rc;

	if (tern_hkdf_expand_label(suite->hash, secret, secret_len, "key", NULL, 0, key,
				   suite->key_len) != 0 ||
	    tern_hkdf_expand_label(suite->hash, secret, secret_len, "iv", NULL, 0, iv,
				   sizeof(iv)) != 0)
		return -1;
	if (*st == NULL)
		rc = tern_tls_record_state_create(c->cctx, suite->aead, key, suite->key_len, iv,
						  sizeof(iv), st);
	else
		rc = tern_tls_record_state_set_key(*st, c->cctx, suite->aead, key, suite->key_len,
						   iv, sizeof(iv));
	memset(key, 0, sizeof(key));
	if (rc != 0)
		return -1;
	if (dir == TERN_HS_WRITE)
		c->wr_level = level;
	else
		c->rd_level = level;
	return 0;
}

static void
tconn_cb_keylog(void *user, const char *line)
{
	struct tconn *c = user;
	size_t n = strlen(line);

	if (c->keylog_len + n + 2 <= sizeof(c->keylog)) {
		memcpy(c->keylog + c->keylog_len, line, n);
		c->keylog_len += n;
		c->keylog[c->keylog_len++] = '\n';
		c->keylog[c->keylog_len] = '\0';
	}
}

static void
tconn_cb_session(void *user, const uint8_t *s, size_t len)
{
	struct tconn *c = user;

	if (c->n_sess < 4 && len <= sizeof(c->sess[0])) {
		memcpy(c->sess[c->n_sess], s, len);
		c->sess_len[c->n_sess++] = len;
	}
}

static int
tconn_init(struct tconn *c, int fd, const struct tern_tls_config *cfg, const char *server_name)
{
	static const struct tern_hs_callbacks cb = {.send = tconn_cb_send,
						    .on_secret = tconn_cb_secret,
						    .keylog = tconn_cb_keylog,
						    .on_session = tconn_cb_session};

	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->peer_alert = -1;
	c->server = tern_tls_config_role(cfg) == TERN_TLS_SERVER;
	if (tern_crypto_ctx_create(TERN_CRYPTO_BACKEND_AUTO, &c->cctx) != 0 ||
	    tern_tls_reasm_create(&c->reasm) != 0 || tern_hs_new(cfg, &cb, c, &c->hs) != 0)
		return -1;
	if (server_name != NULL && tern_hs_set_server_name(c->hs, server_name) != 0)
		return -1;
	return 0;
}

static void
tconn_free(struct tconn *c)
{
	int l;

	for (l = 0; l < TERN_HS_LEVEL_COUNT; l++) {
		tern_tls_record_state_free(c->rd[l]);
		tern_tls_record_state_free(c->wr[l]);
	}
	tern_hs_free(c->hs);
	tern_tls_reasm_free(c->reasm);
	tern_crypto_ctx_free(c->cctx);
	c->hs = NULL;
}

static void
tconn_send_alert(struct tconn *c, int alert)
{
	uint8_t a[2] = {2, (uint8_t)alert};

	if (alert == TERN_TLS_ALERT_CLOSE_NOTIFY)
		a[0] = 1;
	tconn_send_records(c, c->wr_level, TERN_TLS_CT_ALERT, a, 2);
}

/* One complete record from the reassembler. Returns 0, or -1 when the connection failed. */
static int
tconn_on_record(struct tconn *c, const uint8_t *rec, size_t len)
{
	static uint8_t pt[TERN_TLS_MAX_CIPHERTEXT];
	struct tern_tls_open_op op;
	const uint8_t *body = rec + 5;
	size_t blen = len - 5;
	uint8_t type = rec[0];
	int rc;

	if (type == TERN_TLS_CT_CHANGE_CIPHER_SPEC) {
		/* Dropped during the handshake only (RFC 8446 5). */
		if (tern_hs_is_complete(c->hs) || blen != 1 || body[0] != 1) {
			tconn_send_alert(c, TERN_TLS_ALERT_UNEXPECTED_MESSAGE);
			return -1;
		}
		return 0;
	}
	if (type != TERN_TLS_CT_APPLICATION_DATA) {
		if (c->rd_level != TERN_HS_LEVEL_INITIAL && type != TERN_TLS_CT_ALERT) {
			tconn_send_alert(c, TERN_TLS_ALERT_UNEXPECTED_MESSAGE);
			return -1;
		}
		if (type == TERN_TLS_CT_ALERT) {
			c->peer_alert = blen == 2 ? body[1] : -2;
			return -1;
		}
		goto handshake;
	}
	if (c->rd[c->rd_level] == NULL) {
		tconn_send_alert(c, TERN_TLS_ALERT_UNEXPECTED_MESSAGE);
		return -1;
	}
	memset(&op, 0, sizeof(op));
	op.state = c->rd[c->rd_level];
	op.record = rec;
	op.record_len = (uint32_t)len;
	op.out = pt;
	op.out_cap = sizeof(pt);
	tern_tls_record_open_burst(c->cctx, &op, 1);
	if (op.status != 0) {
		if (op.alert != TERN_TLS_ALERT_NONE)
			tconn_send_alert(c, op.alert);
		return -1;
	}
	body = pt;
	blen = op.plaintext_len;
	type = op.content_type;
	if (type == TERN_TLS_CT_ALERT) {
		c->peer_alert = blen == 2 ? body[1] : -2;
		if (c->peer_alert == TERN_TLS_ALERT_CLOSE_NOTIFY)
			c->peer_closed = true;
		return -1;
	}
	if (type == TERN_TLS_CT_APPLICATION_DATA && c->rd_level == TERN_HS_LEVEL_EARLY) {
		if (c->early_len + blen > sizeof(c->early)) {
			tconn_send_alert(c, TERN_TLS_ALERT_UNEXPECTED_MESSAGE);
			return -1;
		}
		memcpy(c->early + c->early_len, body, blen);
		c->early_len += blen;
		return 0;
	}
	if (type == TERN_TLS_CT_APPLICATION_DATA) {
		if (c->rd_level != TERN_HS_LEVEL_APPLICATION ||
		    c->app_len + blen > sizeof(c->app)) {
			tconn_send_alert(c, TERN_TLS_ALERT_UNEXPECTED_MESSAGE);
			return -1;
		}
		memcpy(c->app + c->app_len, body, blen);
		c->app_len += blen;
		return 0;
	}
handshake:
	rc = tern_hs_recv(c->hs, c->rd_level, body, blen);
	if (rc != 0) {
		if (tern_hs_alert(c->hs) != TERN_TLS_ALERT_NONE)
			tconn_send_alert(c, tern_hs_alert(c->hs));
		return -1;
	}
	/* Apply the peer's record_size_limit (RFC 8449) to what we send. */
	if (tern_hs_peer_record_size_limit(c->hs) != 0) {
		uint32_t lim = tern_hs_peer_record_size_limit(c->hs);
		int l;

		lim = lim > TERN_TLS_RECORD_SIZE_LIMIT_MAX ? TERN_TLS_RECORD_SIZE_LIMIT_MAX : lim;
		for (l = TERN_HS_LEVEL_HANDSHAKE; l < TERN_HS_LEVEL_COUNT; l++)
			if (c->wr[l] != NULL)
				tern_tls_record_state_set_size_limit(c->wr[l], lim);
	}
	return 0;
}

/* Read once (waiting at most timeout_ms) and process every complete record. */
static int
tconn_pump(struct tconn *c, int timeout_ms)
{
	struct pollfd pfd = {c->fd, POLLIN, 0};
	struct tern_tls_reasm_result res;
	uint8_t in[32768];
	size_t off = 0;
	ssize_t n;
	int rc;

	rc = poll(&pfd, 1, timeout_ms);
	if (rc <= 0)
		return -1;
	n = read(c->fd, in, sizeof(in));
	if (n <= 0)
		return -1;
	while (off < (size_t)n) {
		rc = tern_tls_reasm_next(c->reasm, in + off, (size_t)n - off, &res);
		if (rc == -TERN_EAGAIN)
			break;
		if (rc != 0) {
			tconn_send_alert(c, res.alert);
			return -1;
		}
		off += res.consumed;
		if (tconn_on_record(c, res.record, res.record_len) != 0)
			return -1;
	}
	return 0;
}

static int
tconn_handshake(struct tconn *c, int timeout_ms)
{
	int i;

	if (!c->server && tern_hs_start(c->hs) != 0)
		return -1;
	for (i = 0; i < timeout_ms / 50 && !tern_hs_is_complete(c->hs); i++)
		if (tconn_pump(c, 50) != 0 &&
		    (c->io_error || tern_hs_error(c->hs) != 0 || c->peer_alert != -1))
			return -1;
	return tern_hs_is_complete(c->hs) ? 0 : -1;
}

static int
tconn_write(struct tconn *c, const void *p, size_t n)
{
	return tconn_send_records(c, TERN_HS_LEVEL_APPLICATION, TERN_TLS_CT_APPLICATION_DATA, p, n);
}

/* Read application data until `want` bytes are buffered or the peer closes. */
static int
tconn_read(struct tconn *c, size_t want, int timeout_ms)
{
	int i;

	for (i = 0; i < timeout_ms / 50 && c->app_len < want; i++)
		if (tconn_pump(c, 50) != 0 && (c->peer_alert != -1 || c->io_error))
			break;
	return c->app_len >= want ? 0 : -1;
}

#endif /* TERN_TESTS_CONTROL_TLS_TEST_CONN_H */
