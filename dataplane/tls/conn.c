/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TLS 1.3 connection (include/tern/tls.h): the handshake engine wired to
 * record protection and the reassembler, with rustls-style buffers.
 *
 * Buffers: `in` holds TLS bytes read but not processed (bounded by the
 * buffer limit plus one record so a record can always complete), `pt` the
 * decrypted application data not yet read, `out` sealed records waiting for
 * write_tls, `pend` plaintext written before the handshake completed,
 * `early` 0-RTT data received by a server and not yet read.
 *
 * 0-RTT (RFC 8446 2.3, 4.2.10): a client seals early data under the early
 * key as soon as it is written (so it follows the ClientHello); a server
 * that accepted early data reads application records at the early level
 * into `early` until EndOfEarlyData. A server that rejected it skips the
 * client's 0-RTT records: after a HelloRetryRequest every protected record
 * until the second ClientHello, otherwise every record that fails trial
 * decryption under the handshake key, both up to tern_hs_early_skip_limit().
 */

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <tern/handshake.h>
#include <tern/keyschedule.h>
#include <tern/tls.h>
#include <tern/tls_record.h>

struct conn_buf {
	uint8_t *p;
	size_t len, cap, off; /* valid bytes are p[off, len) */
	size_t used;	      /* high-water mark: bytes ever written, wiped on clear */
};

/*
 * Wipe plaintext and secrets. explicit_bzero is memset-fast and not
 * optimised away; OPENSSL_cleanse's byte/word loop cost ~20% of bulk
 * receive when it wiped every record handed to the application.
 */
static void
wipe(void *p, size_t n)
{
	explicit_bzero(p, n);
}

struct tern_tls_conn {
	const struct tern_tls_config *cfg;
	bool server;
	char *server_name;
	struct tern_crypto_ctx *cctx;
	bool own_cctx;
	void (*keylog_cb)(void *user, const char *line);
	void *keylog_user;
	tern_tls_session_cb session_cb;
	void *session_user;
	size_t limit;
	enum tern_tls_record_sizing sizing;
	size_t dyn_threshold;

	/* per handshake (wipe resets) */
	struct tern_hs *hs;
	bool started;
	struct tern_tls_reasm *reasm;
	struct tern_tls_record_state *rd[TERN_HS_LEVEL_COUNT], *wr[TERN_HS_LEVEL_COUNT];
	enum tern_hs_level rd_level, wr_level;
	bool ccs_sent;
	bool complete;
	bool transmit_pending; /* unbuffered: bytes encoded, not yet reported sent */
	bool eof;	       /* the transport ended */
	bool peer_closed;      /* close_notify received */
	bool close_sent;       /* close_notify queued */
	uint64_t app_sent;     /* application bytes sealed (dynamic record sizing) */
	uint64_t ku_sent, ku_recv;
	uint8_t *session; /* client: the session to offer */
	size_t session_len;
	uint64_t early_sent;	     /* client: 0-RTT bytes sealed */
	uint64_t early_recv;	     /* server: 0-RTT bytes received */
	uint64_t early_skipped;	     /* server: bytes of rejected 0-RTT records skipped */
	struct tern_aead_key *trial; /* server: handshake read key for trial decryption */
	uint8_t trial_iv[TERN_AEAD_NONCE_LEN];
	/* current application traffic secrets [read, write], for extraction */
	const struct tern_tls13_suite *ap_suite;
	uint8_t ap_secret[2][TERN_HASH_MAX_LEN];
	bool extracted; /* secrets handed out: the connection is spent */
	int error;
	enum tern_tls_alert alert_sent, alert_recv;
	char errstr[192];
	struct conn_buf in, pt, out, pend, early;
	uint8_t rec[TERN_TLS_MAX_CIPHERTEXT];
};

/* --- buffers ----------------------------------------------------------------- */

static size_t
buf_avail(const struct conn_buf *b)
{
	return b->len - b->off;
}

static int
buf_reserve(struct conn_buf *b, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (b->off > 0 && b->off == b->len)
		b->off = b->len = 0;
	if (b->len + n <= b->cap)
		return 0;
	if (b->off > 0) {
		memmove(b->p, b->p + b->off, b->len - b->off);
		b->len -= b->off;
		b->off = 0;
		if (b->len + n <= b->cap)
			return 0;
	}
	cap = b->cap < 4096 ? 4096 : b->cap;
	while (cap < b->len + n)
		cap *= 2;
	p = malloc(cap);
	if (p == NULL)
		return -TERN_ENOMEM;
	if (b->p != NULL) {
		memcpy(p, b->p, b->len);
		wipe(b->p, b->used);
		free(b->p);
	}
	b->p = p;
	b->cap = cap;
	b->used = b->len;
	return 0;
}

/* After writing n bytes at p + len directly: account them. */
static void
buf_commit(struct conn_buf *b, size_t n)
{
	b->len += n;
	if (b->len > b->used)
		b->used = b->len;
}

static int
buf_append(struct conn_buf *b, const uint8_t *p, size_t n)
{
	int rc = buf_reserve(b, n);

	if (rc != 0)
		return rc;
	memcpy(b->p + b->len, p, n);
	buf_commit(b, n);
	return 0;
}

static void
buf_consume(struct conn_buf *b, size_t n)
{
	b->off += n;
	if (b->off == b->len)
		b->off = b->len = 0;
}

static void
buf_clear(struct conn_buf *b)
{
	if (b->p != NULL)
		wipe(b->p, b->used);
	b->off = b->len = b->used = 0;
}

static void
buf_free(struct conn_buf *b)
{
	buf_clear(b);
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* --- errors and records -------------------------------------------------------- */

static int seal_records(struct tern_tls_conn *c, enum tern_hs_level level, uint8_t type,
			const uint8_t *p, size_t n, size_t chunk_max);

static void
queue_alert(struct tern_tls_conn *c, enum tern_tls_alert alert)
{
	uint8_t a[2] = {TERN_TLS_ALERT_LEVEL_FATAL, (uint8_t)alert};

	/* close_notify and user_canceled are warnings; everything else is fatal (6). */
	if (alert == TERN_TLS_ALERT_CLOSE_NOTIFY || alert == TERN_TLS_ALERT_USER_CANCELED)
		a[0] = TERN_TLS_ALERT_LEVEL_WARNING;
	(void)seal_records(c, c->wr_level, TERN_TLS_CT_ALERT, a, 2, 2);
}

/* Fail the connection (sticky), queueing `alert` if it is one. Returns err. */
__attribute__((format(printf, 4, 5))) static int
conn_fail(struct tern_tls_conn *c, int err, enum tern_tls_alert alert, const char *fmt, ...)
{
	va_list ap;

	if (c->error != 0)
		return c->error;
	c->error = err;
	va_start(ap, fmt);
	vsnprintf(c->errstr, sizeof(c->errstr), fmt, ap);
	va_end(ap);
	/* Nothing unsent of the application may follow the alert. */
	buf_clear(&c->pend);
	if (alert != TERN_TLS_ALERT_NONE) {
		c->alert_sent = alert;
		queue_alert(c, alert);
	}
	return err;
}

/* The dummy change_cipher_spec of middlebox compatibility mode (RFC 8446 D.4), once. */
static int
queue_ccs(struct tern_tls_conn *c)
{
	static const uint8_t ccs[6] = {TERN_TLS_CT_CHANGE_CIPHER_SPEC, 3, 3, 0, 1, 1};

	if (c->ccs_sent || c->hs == NULL || !tern_hs_middlebox_compat(c->hs))
		return 0;
	c->ccs_sent = true;
	return buf_append(&c->out, ccs, sizeof(ccs));
}

/*
 * Seal n bytes of one content type at a write level into `out`, in records
 * of at most chunk_max content bytes. Unprotected (TLSPlaintext, RFC 8446
 * 5.1) at the initial level.
 */
static int
seal_records(struct tern_tls_conn *c, enum tern_hs_level level, uint8_t type, const uint8_t *p,
	     size_t n, size_t chunk_max)
{
	struct tern_tls_record_state *st = c->wr[level];
	struct tern_tls_seal_op op;
	size_t chunk, max;
	int rc;

	if (level == TERN_HS_LEVEL_INITIAL) {
		do {
			uint8_t hdr[TERN_TLS_RECORD_HEADER_LEN];

			chunk = n < TERN_TLS_MAX_PLAINTEXT ? n : TERN_TLS_MAX_PLAINTEXT;
			hdr[0] = type;
			hdr[1] = 3;
			/* legacy_record_version 0x0301 is allowed for the first ClientHello. */
			hdr[2] = 3;
			hdr[3] = (uint8_t)(chunk >> 8);
			hdr[4] = (uint8_t)chunk;
			if ((rc = buf_append(&c->out, hdr, sizeof(hdr))) != 0 ||
			    (rc = buf_append(&c->out, p, chunk)) != 0)
				return rc;
			p += chunk;
			n -= chunk;
		} while (n > 0);
		return 0;
	}
	if (st == NULL)
		return -TERN_EINTERNAL;
	/* Compatibility mode: a client's CCS precedes its second flight (D.4). */
	if (!c->server && (rc = queue_ccs(c)) != 0)
		return rc;
	max = tern_tls_record_state_max_plaintext(st);
	if (chunk_max < max)
		max = chunk_max;
	do {
		chunk = n < max ? n : max;
		if ((rc = buf_reserve(&c->out, tern_tls_record_sealed_len(st, chunk))) != 0)
			return rc;
		memset(&op, 0, sizeof(op));
		op.state = st;
		op.plaintext = p;
		op.plaintext_len = (uint32_t)chunk;
		op.out = c->out.p + c->out.len;
		op.out_cap = (uint32_t)(c->out.cap - c->out.len);
		op.content_type = type;
		if (tern_tls_record_seal_burst(c->cctx, &op, 1) != 1)
			return op.status != 0 ? op.status : -TERN_EINTERNAL;
		buf_commit(&c->out, op.out_len);
		p += chunk;
		n -= chunk;
	} while (n > 0);
	return 0;
}

/* Content bytes of the next application record (dynamic record sizing, s2n). */
static size_t
app_chunk(const struct tern_tls_conn *c)
{
	if (c->sizing == TERN_TLS_PREFER_LOW_LATENCY ||
	    (c->dyn_threshold != 0 && c->app_sent < c->dyn_threshold))
		return TERN_TLS_CONN_SMALL_RECORD;
	return TERN_TLS_MAX_PLAINTEXT;
}

static int
seal_app(struct tern_tls_conn *c, const uint8_t *p, size_t n)
{
	size_t chunk;
	int rc;

	while (n > 0) {
		chunk = app_chunk(c);
		/* Small records exactly up to the threshold, then full ones. */
		if (c->sizing != TERN_TLS_PREFER_LOW_LATENCY && c->app_sent < c->dyn_threshold &&
		    c->dyn_threshold - c->app_sent < chunk)
			chunk = (size_t)(c->dyn_threshold - c->app_sent);
		chunk = n < chunk ? n : chunk;
		rc = seal_records(c, c->wr_level, TERN_TLS_CT_APPLICATION_DATA, p, chunk, chunk);
		if (rc != 0)
			return rc;
		c->app_sent += chunk;
		p += chunk;
		n -= chunk;
	}
	return 0;
}

/* --- engine callbacks ---------------------------------------------------------- */

static int
cb_send(void *user, enum tern_hs_level level, const uint8_t *data, size_t len)
{
	struct tern_tls_conn *c = user;

	/* The level, not wr_level: a second ClientHello after 0-RTT is plaintext. */
	if (level != TERN_HS_LEVEL_INITIAL && c->wr[level] == NULL)
		return -1;
	if (seal_records(c, level, TERN_TLS_CT_HANDSHAKE, data, len, TERN_TLS_MAX_PLAINTEXT) != 0)
		return -1;
	/* Compatibility mode: the server's CCS follows its first handshake message (D.4). */
	if (c->server && level == TERN_HS_LEVEL_INITIAL && queue_ccs(c) != 0)
		return -1;
	return 0;
}

static void
cb_session(void *user, const uint8_t *session, size_t len)
{
	struct tern_tls_conn *c = user;

	if (c->session_cb != NULL)
		c->session_cb(c->session_user, session, len);
}

static int
cb_secret(void *user, enum tern_hs_level level, enum tern_hs_direction dir,
	  const struct tern_tls13_suite *suite, const uint8_t *secret, size_t secret_len)
{
	struct tern_tls_conn *c = user;
	struct tern_tls_record_state **st = dir == TERN_HS_WRITE ? &c->wr[level] : &c->rd[level];
	uint8_t key[TERN_AEAD_KEY_MAX], iv[TERN_AEAD_NONCE_LEN];
	bool update = *st != NULL;
	int rc;

	/* [sender]_write_key / _iv (RFC 8446 7.3). */
	rc = tern_hkdf_expand_label(suite->hash, secret, secret_len, "key", NULL, 0, key,
				    suite->key_len);
	if (rc == 0)
		rc = tern_hkdf_expand_label(suite->hash, secret, secret_len, "iv", NULL, 0, iv,
					    sizeof(iv));
	/*
	 * A server that rejected 0-RTT keeps a copy of the handshake read key
	 * to find the first record under it among the client's early records
	 * without failing the record state (4.2.10).
	 */
	if (rc == 0 && c->server && dir == TERN_HS_READ && level == TERN_HS_LEVEL_HANDSHAKE &&
	    tern_hs_early_data_state(c->hs) == TERN_HS_EARLY_REJECTED && c->trial == NULL) {
		rc = tern_aead_key_create(c->cctx, suite->aead, key, suite->key_len, &c->trial);
		memcpy(c->trial_iv, iv, sizeof(iv));
	}
	if (rc == 0 && !update)
		rc = tern_tls_record_state_create(c->cctx, suite->aead, key, suite->key_len, iv,
						  sizeof(iv), st);
	else if (rc == 0)
		rc = tern_tls_record_state_set_key(*st, c->cctx, suite->aead, key, suite->key_len,
						   iv, sizeof(iv));
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(iv, sizeof(iv));
	if (rc != 0)
		return -1;
	if (level == TERN_HS_LEVEL_APPLICATION) {
		c->ap_suite = suite;
		memcpy(c->ap_secret[dir], secret, secret_len);
	}
	/* Offering 0-RTT, the client's CCS goes right after the ClientHello (D.4). */
	if (dir == TERN_HS_WRITE && level == TERN_HS_LEVEL_EARLY && !c->server && queue_ccs(c) != 0)
		return -1;
	if (dir == TERN_HS_WRITE) {
		c->wr_level = level;
		if (update && level == TERN_HS_LEVEL_APPLICATION)
			c->ku_sent++;
	} else {
		c->rd_level = level;
		if (update && level == TERN_HS_LEVEL_APPLICATION)
			c->ku_recv++;
	}
	return 0;
}

static void
cb_keylog(void *user, const char *line)
{
	struct tern_tls_conn *c = user;

	if (c->keylog_cb != NULL)
		c->keylog_cb(c->keylog_user, line);
}

static void
keylog_file(void *user, const char *line)
{
	FILE *f = user;

	fprintf(f, "%s\n", line);
	fflush(f);
}

/* Create the handshake and, for a client, queue the ClientHello. */
static int
conn_start(struct tern_tls_conn *c)
{
	struct tern_hs_callbacks cb = {.send = cb_send, .on_secret = cb_secret};
	int rc;

	if (c->error != 0)
		return c->error;
	if (c->started)
		return 0;
	c->started = true;
	if (c->keylog_cb != NULL)
		cb.keylog = cb_keylog;
	if (c->session_cb != NULL)
		cb.on_session = cb_session;
	rc = tern_hs_new(c->cfg, &cb, c, &c->hs);
	if (rc != 0)
		return conn_fail(c, rc, TERN_TLS_ALERT_NONE, "handshake setup: %s",
				 tern_strerror(rc));
	if (!c->server && c->server_name != NULL &&
	    (rc = tern_hs_set_server_name(c->hs, c->server_name)) != 0)
		return conn_fail(c, rc, TERN_TLS_ALERT_NONE, "bad server name");
	if (c->session != NULL &&
	    (rc = tern_hs_set_session(c->hs, c->session, c->session_len)) != 0)
		return conn_fail(c, rc, TERN_TLS_ALERT_NONE, "malformed session");
	if (!c->server && (rc = tern_hs_start(c->hs)) != 0)
		return conn_fail(c, rc, tern_hs_alert(c->hs), "%s", tern_hs_error_string(c->hs));
	return 0;
}

/* --- lifetime ------------------------------------------------------------------ */

int
tern_tls_conn_new(const struct tern_tls_config *cfg, const char *server_name,
		  struct tern_crypto_ctx *cctx, struct tern_tls_conn **connp)
{
	struct tern_tls_conn *c;
	bool server;

	if (cfg == NULL || connp == NULL)
		return -TERN_EINVAL;
	server = tern_tls_config_role(cfg) == TERN_TLS_SERVER;
	if (server && server_name != NULL)
		return -TERN_EINVAL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -TERN_ENOMEM;
	c->cfg = cfg;
	c->server = server;
	c->limit = TERN_TLS_CONN_DEFAULT_BUFFER_LIMIT;
	c->alert_sent = c->alert_recv = TERN_TLS_ALERT_NONE;
	if (server_name != NULL && (c->server_name = strdup(server_name)) == NULL)
		goto nomem;
	if (cctx != NULL) {
		c->cctx = cctx;
	} else {
		if (tern_crypto_ctx_create(TERN_CRYPTO_BACKEND_AUTO, &c->cctx) != 0)
			goto nomem;
		c->own_cctx = true;
	}
	if (tern_tls_reasm_create(&c->reasm) != 0)
		goto nomem;
	*connp = c;
	return 0;
nomem:
	tern_tls_conn_free(c);
	return -TERN_ENOMEM;
}

void
tern_tls_conn_wipe(struct tern_tls_conn *c)
{
	int l;

	if (c == NULL)
		return;
	for (l = 0; l < TERN_HS_LEVEL_COUNT; l++) {
		tern_tls_record_state_free(c->rd[l]);
		tern_tls_record_state_free(c->wr[l]);
		c->rd[l] = c->wr[l] = NULL;
	}
	tern_hs_free(c->hs);
	c->hs = NULL;
	OPENSSL_cleanse(c->ap_secret, sizeof(c->ap_secret));
	c->ap_suite = NULL;
	c->extracted = false;
	tern_tls_reasm_reset(c->reasm);
	buf_clear(&c->in);
	buf_clear(&c->pt);
	buf_clear(&c->out);
	buf_clear(&c->pend);
	buf_clear(&c->early);
	OPENSSL_cleanse(c->rec, sizeof(c->rec));
	if (c->session != NULL) {
		/* Single use (RFC 8446 C.4): a wiped connection does not offer it again. */
		OPENSSL_cleanse(c->session, c->session_len);
		free(c->session);
		c->session = NULL;
		c->session_len = 0;
	}
	tern_aead_key_free(c->trial);
	c->trial = NULL;
	OPENSSL_cleanse(c->trial_iv, sizeof(c->trial_iv));
	c->early_sent = c->early_recv = c->early_skipped = 0;
	c->started = c->ccs_sent = c->complete = c->transmit_pending = false;
	c->eof = c->peer_closed = c->close_sent = false;
	c->rd_level = c->wr_level = TERN_HS_LEVEL_INITIAL;
	c->app_sent = c->ku_sent = c->ku_recv = 0;
	c->error = 0;
	c->alert_sent = c->alert_recv = TERN_TLS_ALERT_NONE;
	c->errstr[0] = '\0';
}

void
tern_tls_conn_free(struct tern_tls_conn *c)
{
	if (c == NULL)
		return;
	tern_tls_conn_wipe(c);
	tern_tls_reasm_free(c->reasm);
	buf_free(&c->in);
	buf_free(&c->pt);
	buf_free(&c->out);
	buf_free(&c->pend);
	buf_free(&c->early);
	if (c->own_cctx)
		tern_crypto_ctx_free(c->cctx);
	free(c->server_name);
	free(c);
}

/* --- record processing ---------------------------------------------------------- */

/* After a handshake step: record_size_limit, completion, pending plaintext. */
static int
after_handshake_step(struct tern_tls_conn *c)
{
	uint32_t lim = tern_hs_peer_record_size_limit(c->hs);
	size_t n;
	int l, rc;

	/* Apply the peer's record_size_limit (RFC 8449 4) to what we send. */
	if (lim != 0) {
		lim = lim > TERN_TLS_RECORD_SIZE_LIMIT_MAX ? TERN_TLS_RECORD_SIZE_LIMIT_MAX : lim;
		for (l = TERN_HS_LEVEL_HANDSHAKE; l < TERN_HS_LEVEL_COUNT; l++)
			if (c->wr[l] != NULL)
				tern_tls_record_state_set_size_limit(c->wr[l], lim);
	}
	if (!c->complete && tern_hs_is_complete(c->hs)) {
		c->complete = true;
		n = buf_avail(&c->pend);
		if (n > 0) {
			rc = seal_app(c, c->pend.p + c->pend.off, n);
			buf_clear(&c->pend);
			if (rc != 0)
				return conn_fail(c, rc, TERN_TLS_ALERT_INTERNAL_ERROR,
						 "sealing: %s", tern_strerror(rc));
		}
		if (c->close_sent)
			queue_alert(c, TERN_TLS_ALERT_CLOSE_NOTIFY);
	}
	return 0;
}

static int
on_alert(struct tern_tls_conn *c, const uint8_t *body, size_t len)
{
	if (len != 2)
		return conn_fail(c, -TERN_EPROTO, TERN_TLS_ALERT_DECODE_ERROR, "malformed alert");
	if (body[1] == TERN_TLS_ALERT_CLOSE_NOTIFY) {
		c->peer_closed = true;
		return 0;
	}
	/* user_canceled is followed by close_notify (6.1); every other alert is fatal (6.2). */
	if (body[1] == TERN_TLS_ALERT_USER_CANCELED)
		return 0;
	c->alert_recv = (enum tern_tls_alert)body[1];
	return conn_fail(c, -TERN_EPROTO, TERN_TLS_ALERT_NONE, "peer sent alert %s",
			 tern_tls_alert_name(body[1]));
}

static int
hs_input(struct tern_tls_conn *c, const uint8_t *body, size_t len)
{
	int rc = tern_hs_recv(c->hs, c->rd_level, body, len);

	if (rc != 0)
		return conn_fail(c, rc, tern_hs_alert(c->hs), "%s", tern_hs_error_string(c->hs));
	return after_handshake_step(c);
}

/*
 * Server that rejected 0-RTT: whether this protected record is one of the
 * client's early records to skip (RFC 8446 4.2.10). Returns 1 to skip, 0 to
 * process it, or a negative code after failing the connection.
 */
static int
skip_rejected_early(struct tern_tls_conn *c, const uint8_t *rec, size_t len)
{
	struct tern_aead_op op;
	size_t body = len - TERN_TLS_RECORD_HEADER_LEN;
	uint8_t tag[16];
	bool skip;

	if (!c->server || c->hs == NULL ||
	    tern_hs_early_data_state(c->hs) != TERN_HS_EARLY_REJECTED)
		return 0;
	if (c->rd_level == TERN_HS_LEVEL_INITIAL && tern_hs_did_hrr(c->hs)) {
		skip = true; /* after a HelloRetryRequest: every protected record */
	} else if (c->rd_level == TERN_HS_LEVEL_HANDSHAKE && c->trial != NULL) {
		if (body < 17)
			skip = true; /* too short for any record: not ours either */
		else {
			/* The first handshake record has sequence number 0: nonce = iv (5.3). */
			memset(&op, 0, sizeof(op));
			memcpy(op.nonce, c->trial_iv, sizeof(c->trial_iv));
			op.key = c->trial;
			op.aad = rec;
			op.aad_len = TERN_TLS_RECORD_HEADER_LEN;
			op.src = rec + TERN_TLS_RECORD_HEADER_LEN;
			op.dst = c->rec;
			memcpy(tag, rec + len - sizeof(tag), sizeof(tag));
			op.tag = tag;
			op.len = (uint32_t)(body - 16);
			tern_aead_open_burst(c->cctx, &op, 1);
			OPENSSL_cleanse(c->rec, op.len);
			skip = op.status != 0;
		}
		if (!skip) {
			/* The client's flight has begun: no more 0-RTT records. */
			tern_aead_key_free(c->trial);
			c->trial = NULL;
			OPENSSL_cleanse(c->trial_iv, sizeof(c->trial_iv));
		}
	} else {
		return 0;
	}
	if (!skip)
		return 0;
	/* Count plaintext as the client did: less the tag and the content type. */
	c->early_skipped += body > 17 ? body - 17 : 0;
	if (c->early_skipped > tern_hs_early_skip_limit(c->hs))
		return conn_fail(c, -TERN_EBADMSG, TERN_TLS_ALERT_BAD_RECORD_MAC,
				 "undecryptable records beyond the rejected early data limit");
	return 1;
}

/*
 * One complete record. Protected records are opened into `out` (out_cap
 * bytes; may be rec + 5 to decrypt in place); application data is returned
 * through *app / *app_len (pointing into out) with *early telling 0-RTT
 * data (server) from the rest; everything else is consumed.
 */
static int
on_record(struct tern_tls_conn *c, const uint8_t *rec, size_t len, uint8_t *out, size_t out_cap,
	  const uint8_t **app, size_t *app_len, bool *early)
{
	const uint8_t *body = rec + TERN_TLS_RECORD_HEADER_LEN;
	size_t blen = len - TERN_TLS_RECORD_HEADER_LEN;
	struct tern_tls_open_op op;
	uint8_t type = rec[0];
	int rc;

	*early = false;
	if (c->peer_closed)
		/* Nothing may follow close_notify (6.1). */
		return conn_fail(c, -TERN_EPROTO, TERN_TLS_ALERT_UNEXPECTED_MESSAGE,
				 "data after close_notify");
	if (type == TERN_TLS_CT_CHANGE_CIPHER_SPEC) {
		/* Dropped between the first ClientHello and the peer's Finished (5). */
		if (c->complete || blen != 1 || body[0] != 1)
			return conn_fail(c, -TERN_EPROTO, TERN_TLS_ALERT_UNEXPECTED_MESSAGE,
					 "unexpected change_cipher_spec");
		return 0;
	}
	if (type != TERN_TLS_CT_APPLICATION_DATA) {
		/* Unprotected records only before the peer's keys are in place. */
		if (c->rd_level != TERN_HS_LEVEL_INITIAL)
			return conn_fail(c, -TERN_EPROTO, TERN_TLS_ALERT_UNEXPECTED_MESSAGE,
					 "unprotected record after key change");
		if (type == TERN_TLS_CT_ALERT)
			return on_alert(c, body, blen);
		if (blen == 0)
			return conn_fail(c, -TERN_EPROTO, TERN_TLS_ALERT_UNEXPECTED_MESSAGE,
					 "empty handshake record");
		return hs_input(c, body, blen);
	}
	rc = skip_rejected_early(c, rec, len);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	if (c->rd[c->rd_level] == NULL || c->rd_level == TERN_HS_LEVEL_INITIAL)
		return conn_fail(c, -TERN_EPROTO, TERN_TLS_ALERT_UNEXPECTED_MESSAGE,
				 "protected record before keys");
	memset(&op, 0, sizeof(op));
	op.state = c->rd[c->rd_level];
	op.record = rec;
	op.record_len = (uint32_t)len;
	op.out = out;
	op.out_cap = (uint32_t)out_cap;
	tern_tls_record_open_burst(c->cctx, &op, 1);
	if (op.status != 0)
		return conn_fail(c, op.status < 0 ? op.status : -TERN_EPROTO,
				 op.alert != TERN_TLS_ALERT_NONE
					 ? op.alert
					 : TERN_TLS_ALERT_UNEXPECTED_MESSAGE,
				 "record: %s", tern_strerror(op.status));
	body = out;
	blen = op.plaintext_len;
	switch (op.content_type) {
	case TERN_TLS_CT_ALERT:
		return on_alert(c, body, blen);
	case TERN_TLS_CT_HANDSHAKE:
		return hs_input(c, body, blen);
	case TERN_TLS_CT_APPLICATION_DATA:
		if (c->rd_level == TERN_HS_LEVEL_EARLY && c->server) {
			/* 0-RTT beyond max_early_data_size: unexpected_message (4.2.10). */
			c->early_recv += blen;
			if (c->early_recv > tern_hs_max_early_data(c->hs))
				return conn_fail(c, -TERN_EPROTO, TERN_TLS_ALERT_UNEXPECTED_MESSAGE,
						 "more than max_early_data_size of 0-RTT data");
			*early = true;
			*app = body;
			*app_len = blen;
			return 0;
		}
		if (c->rd_level != TERN_HS_LEVEL_APPLICATION)
			return conn_fail(c, -TERN_EPROTO, TERN_TLS_ALERT_UNEXPECTED_MESSAGE,
					 "application data during the handshake");
		*app = body;
		*app_len = blen;
		return 0;
	default:
		return conn_fail(c, -TERN_EPROTO, TERN_TLS_ALERT_UNEXPECTED_MESSAGE,
				 "bad inner content type");
	}
}

int
tern_tls_conn_process_new_packets(struct tern_tls_conn *c, struct tern_tls_io_state *state)
{
	struct tern_tls_reasm_result res;
	const uint8_t *app;
	size_t app_len;
	bool early;
	int rc;

	rc = conn_start(c);
	while (rc == 0 && buf_avail(&c->in) > 0) {
		/* A full plaintext buffer stops decryption until the reader drains it. */
		if (c->limit != 0 && buf_avail(&c->pt) >= c->limit)
			break;
		rc = tern_tls_reasm_next(c->reasm, c->in.p + c->in.off, buf_avail(&c->in), &res);
		if (rc == -TERN_EAGAIN) {
			/* The reassembler took the partial record. */
			buf_consume(&c->in, buf_avail(&c->in));
			rc = 0;
			break;
		}
		if (rc != 0) {
			rc = conn_fail(c, rc, res.alert, "record framing");
			break;
		}
		buf_consume(&c->in, res.consumed);
		app_len = 0;
		rc = on_record(c, res.record, res.record_len, c->rec, sizeof(c->rec), &app,
			       &app_len, &early);
		if (rc == 0 && app_len > 0 &&
		    buf_append(early ? &c->early : &c->pt, app, app_len) != 0)
			rc = conn_fail(c, -TERN_ENOMEM, TERN_TLS_ALERT_INTERNAL_ERROR, "alloc");
	}
	if (rc == 0)
		rc = c->error;
	if (state != NULL) {
		state->plaintext_bytes_to_read = buf_avail(&c->pt);
		state->tls_bytes_to_write = buf_avail(&c->out);
		state->peer_has_closed = c->peer_closed;
		state->early_data_bytes_to_read = buf_avail(&c->early);
	}
	return rc;
}

/* --- buffered I/O ---------------------------------------------------------------- */

ssize_t
tern_tls_conn_read_tls(struct tern_tls_conn *c, tern_tls_read_cb cb, void *user)
{
	size_t room = TERN_TLS_MAX_RECORD;
	ssize_t n;
	int rc;

	if (c == NULL || cb == NULL)
		return -TERN_EINVAL;
	if ((rc = conn_start(c)) != 0)
		return rc;
	if (c->eof || c->peer_closed)
		return 0;
	if (c->limit != 0 && (buf_avail(&c->pt) >= c->limit || buf_avail(&c->in) >= c->limit))
		return -TERN_ENOBUFS;
	if (buf_reserve(&c->in, room) != 0)
		return -TERN_ENOMEM;
	n = cb(user, c->in.p + c->in.len, room);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? -TERN_EAGAIN
										 : -TERN_EINTERNAL;
	if (n == 0) {
		c->eof = true;
		return 0;
	}
	buf_commit(&c->in, (size_t)(n > (ssize_t)room ? (ssize_t)room : n));
	return n;
}

ssize_t
tern_tls_conn_write_tls(struct tern_tls_conn *c, tern_tls_write_cb cb, void *user)
{
	ssize_t n;

	if (c == NULL || cb == NULL)
		return -TERN_EINVAL;
	if (c->error == 0 && conn_start(c) != 0 && buf_avail(&c->out) == 0)
		return c->error;
	if (buf_avail(&c->out) == 0)
		return 0;
	n = cb(user, c->out.p + c->out.off, buf_avail(&c->out));
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? -TERN_EAGAIN
										 : -TERN_EINTERNAL;
	if ((size_t)n > buf_avail(&c->out))
		n = (ssize_t)buf_avail(&c->out);
	buf_consume(&c->out, (size_t)n);
	return n;
}

ssize_t
tern_tls_conn_reader_read(struct tern_tls_conn *c, void *buf, size_t len)
{
	size_t n;

	if (c == NULL || (buf == NULL && len != 0))
		return -TERN_EINVAL;
	n = buf_avail(&c->pt);
	if (n > 0) {
		n = n < len ? n : len;
		memcpy(buf, c->pt.p + c->pt.off, n);
		wipe(c->pt.p + c->pt.off, n);
		buf_consume(&c->pt, n);
		return (ssize_t)n;
	}
	if (c->error != 0)
		return c->error;
	if (c->peer_closed)
		return 0;
	if (c->eof && buf_avail(&c->in) == 0)
		return -TERN_EPROTO;
	return -TERN_EAGAIN;
}

ssize_t
tern_tls_conn_writer_write(struct tern_tls_conn *c, const void *buf, size_t len)
{
	size_t queued, room;
	int rc;

	if (c == NULL || (buf == NULL && len != 0))
		return -TERN_EINVAL;
	if ((rc = conn_start(c)) != 0)
		return rc;
	if (c->close_sent)
		return -TERN_EINVAL;
	queued = c->complete ? buf_avail(&c->out) : buf_avail(&c->pend);
	room = len;
	if (c->limit != 0)
		room = queued >= c->limit ? 0 : c->limit - queued;
	len = len < room ? len : room;
	if (len == 0)
		return 0;
	if (!c->complete)
		rc = buf_append(&c->pend, buf, len);
	else
		rc = seal_app(c, buf, len);
	if (rc != 0)
		return conn_fail(c, rc, TERN_TLS_ALERT_INTERNAL_ERROR, "sealing: %s",
				 tern_strerror(rc));
	return (ssize_t)len;
}

void
tern_tls_conn_set_buffer_limit(struct tern_tls_conn *c, size_t limit)
{
	c->limit = limit;
}

bool
tern_tls_conn_wants_read(const struct tern_tls_conn *c)
{
	if (c->error != 0 || c->eof || c->peer_closed)
		return false;
	return c->limit == 0 || (buf_avail(&c->pt) < c->limit && buf_avail(&c->in) < c->limit);
}

bool
tern_tls_conn_wants_write(const struct tern_tls_conn *c)
{
	return buf_avail(&c->out) > 0 || (!c->started && !c->server && c->error == 0);
}

bool
tern_tls_conn_is_handshaking(const struct tern_tls_conn *c)
{
	return !c->complete;
}

static ssize_t
fd_read(void *user, uint8_t *buf, size_t len)
{
	return read(*(int *)user, buf, len);
}

static ssize_t
fd_write(void *user, const uint8_t *buf, size_t len)
{
	/* A closed peer must be an error, not a SIGPIPE that kills the caller. */
	ssize_t n = send(*(int *)user, buf, len, MSG_NOSIGNAL);

	if (n < 0 && errno == ENOTSOCK)
		n = write(*(int *)user, buf, len);
	return n;
}

static int
flush_fd(struct tern_tls_conn *c, int fd)
{
	ssize_t n;

	while (tern_tls_conn_wants_write(c)) {
		n = tern_tls_conn_write_tls(c, fd_write, &fd);
		if (n < 0)
			return (int)n;
	}
	return 0;
}

int
tern_tls_conn_complete_io(struct tern_tls_conn *c, int fd)
{
	ssize_t n;
	int rc;

	for (;;) {
		rc = flush_fd(c, fd);
		if (c->error != 0)
			return c->error;
		if (rc != 0)
			return rc;
		if (!c->complete || tern_tls_conn_wants_read(c)) {
			n = tern_tls_conn_read_tls(c, fd_read, &fd);
			if (n == 0 && !c->complete)
				return conn_fail(c, -TERN_EPROTO, TERN_TLS_ALERT_NONE,
						 "EOF during the handshake");
			if (n < 0 && n != -TERN_ENOBUFS)
				return (int)n;
			rc = tern_tls_conn_process_new_packets(c, NULL);
			if (rc != 0) {
				(void)flush_fd(c, fd);
				return rc;
			}
		}
		if (c->complete) {
			rc = flush_fd(c, fd);
			return c->error != 0 ? c->error : rc;
		}
	}
}

/* --- resumption and 0-RTT ----------------------------------------------------- */

int
tern_tls_conn_set_session_callback(struct tern_tls_conn *c, tern_tls_session_cb cb, void *user)
{
	if (c == NULL || c->server || c->started)
		return -TERN_EINVAL;
	c->session_cb = cb;
	c->session_user = user;
	return 0;
}

int
tern_tls_conn_set_session(struct tern_tls_conn *c, const uint8_t *session, size_t len)
{
	uint8_t *copy;

	if (c == NULL || c->server || c->started || session == NULL || len == 0)
		return -TERN_EINVAL;
	copy = malloc(len);
	if (copy == NULL)
		return -TERN_ENOMEM;
	memcpy(copy, session, len);
	if (c->session != NULL) {
		OPENSSL_cleanse(c->session, c->session_len);
		free(c->session);
	}
	c->session = copy;
	c->session_len = len;
	return 0;
}

bool
tern_tls_conn_is_resumed(const struct tern_tls_conn *c)
{
	return c->complete && tern_hs_is_resumed(c->hs);
}

enum tern_tls_early_data
tern_tls_conn_early_data_state(const struct tern_tls_conn *c)
{
	return c->hs != NULL ? (enum tern_tls_early_data)tern_hs_early_data_state(c->hs)
			     : TERN_TLS_EARLY_NONE;
}

bool
tern_tls_conn_is_early_data_accepted(const struct tern_tls_conn *c)
{
	/* The client learns it from EncryptedExtensions; it is final at completion. */
	if (!c->server && !c->complete)
		return false;
	return c->hs != NULL && tern_hs_is_early_data_accepted(c->hs);
}

/* Client: 0-RTT bytes that may still be sealed under the early key. */
static size_t
early_room(const struct tern_tls_conn *c)
{
	enum tern_hs_early_data st;
	uint32_t max;

	if (c->server || c->hs == NULL || c->error != 0 || c->close_sent ||
	    c->wr_level != TERN_HS_LEVEL_EARLY || c->wr[TERN_HS_LEVEL_EARLY] == NULL)
		return 0;
	st = tern_hs_early_data_state(c->hs);
	if (st != TERN_HS_EARLY_OFFERED && st != TERN_HS_EARLY_ACCEPTED)
		return 0;
	max = tern_hs_max_early_data(c->hs);
	return c->early_sent >= max ? 0 : (size_t)(max - c->early_sent);
}

size_t
tern_tls_conn_early_data_room(struct tern_tls_conn *c)
{
	if (c == NULL || c->server || conn_start(c) != 0)
		return 0;
	return early_room(c);
}

ssize_t
tern_tls_conn_early_data_write(struct tern_tls_conn *c, const void *buf, size_t len)
{
	enum tern_hs_early_data st;
	size_t room;
	int rc;

	if (c == NULL || c->server || (buf == NULL && len != 0))
		return -TERN_EINVAL;
	if ((rc = conn_start(c)) != 0)
		return rc;
	st = tern_hs_early_data_state(c->hs);
	if (c->close_sent || (st != TERN_HS_EARLY_OFFERED && st != TERN_HS_EARLY_ACCEPTED))
		return -TERN_EINVAL;
	room = early_room(c);
	len = len < room ? len : room;
	if (len == 0)
		return 0;
	rc = seal_records(c, TERN_HS_LEVEL_EARLY, TERN_TLS_CT_APPLICATION_DATA, buf, len,
			  app_chunk(c));
	if (rc != 0)
		return conn_fail(c, rc, TERN_TLS_ALERT_INTERNAL_ERROR, "sealing: %s",
				 tern_strerror(rc));
	c->early_sent += len;
	return (ssize_t)len;
}

ssize_t
tern_tls_conn_early_data_read(struct tern_tls_conn *c, void *buf, size_t len)
{
	size_t n;

	if (c == NULL || !c->server || (buf == NULL && len != 0))
		return -TERN_EINVAL;
	n = buf_avail(&c->early);
	if (n == 0)
		return -TERN_EAGAIN;
	n = n < len ? n : len;
	memcpy(buf, c->early.p + c->early.off, n);
	wipe(c->early.p + c->early.off, n);
	buf_consume(&c->early, n);
	return (ssize_t)n;
}

/* --- closing, key update, sizing ----------------------------------------------- */

int
tern_tls_conn_send_close_notify(struct tern_tls_conn *c)
{
	int rc;

	if ((rc = conn_start(c)) != 0)
		return rc;
	if (c->close_sent)
		return 0;
	c->close_sent = true;
	/* Before completion it goes out after the pending data (after_handshake_step). */
	if (c->complete)
		queue_alert(c, TERN_TLS_ALERT_CLOSE_NOTIFY);
	return 0;
}

int
tern_tls_conn_request_key_update(struct tern_tls_conn *c)
{
	int rc;

	if (c->error != 0)
		return c->error;
	if (!c->complete)
		return -TERN_EAGAIN;
	if (c->close_sent)
		return -TERN_EINVAL;
	rc = tern_hs_send_key_update(c->hs, true);
	if (rc != 0)
		return conn_fail(c, rc, tern_hs_alert(c->hs), "%s", tern_hs_error_string(c->hs));
	return 0;
}

void
tern_tls_conn_key_updates(const struct tern_tls_conn *c, uint64_t *sent, uint64_t *received)
{
	if (sent != NULL)
		*sent = c->ku_sent;
	if (received != NULL)
		*received = c->ku_recv;
}

void
tern_tls_conn_set_record_sizing(struct tern_tls_conn *c, enum tern_tls_record_sizing policy)
{
	c->sizing = policy;
}

void
tern_tls_conn_set_dynamic_record_threshold(struct tern_tls_conn *c, size_t threshold)
{
	c->dyn_threshold = threshold;
	c->app_sent = 0;
}

/* --- negotiated parameters ------------------------------------------------------ */

uint16_t
tern_tls_conn_protocol_version(const struct tern_tls_conn *c)
{
	/* The engine negotiates TLS 1.3 only (supported_versions, RFC 8446 4.2.1). */
	return c->hs != NULL && tern_hs_cipher_suite(c->hs) != NULL ? 0x0304 : 0;
}

uint16_t
tern_tls_conn_negotiated_cipher_suite(const struct tern_tls_conn *c)
{
	const struct tern_tls13_suite *s = c->hs != NULL ? tern_hs_cipher_suite(c->hs) : NULL;

	return s != NULL ? s->id : 0;
}

uint16_t
tern_tls_conn_negotiated_group(const struct tern_tls_conn *c)
{
	return c->hs != NULL ? tern_hs_group(c->hs) : 0;
}

size_t
tern_tls_conn_alpn_protocol(const struct tern_tls_conn *c, const uint8_t **proto)
{
	*proto = NULL;
	return c->hs != NULL ? tern_hs_alpn(c->hs, proto) : 0;
}

const char *
tern_tls_conn_server_name(const struct tern_tls_conn *c)
{
	if (!c->server)
		return c->server_name;
	return c->hs != NULL ? tern_hs_server_name(c->hs) : NULL;
}

size_t
tern_tls_conn_peer_certificate(const struct tern_tls_conn *c, unsigned i, const uint8_t **der)
{
	*der = NULL;
	return c->hs != NULL ? tern_hs_peer_certificate(c->hs, i, der) : 0;
}

int
tern_tls_conn_export_keying_material(const struct tern_tls_conn *c, const char *label,
				     const uint8_t *context, size_t context_len, uint8_t *out,
				     size_t out_len)
{
	if (c->error != 0)
		return c->error;
	if (!c->complete)
		return -TERN_EAGAIN;
	return tern_hs_export_keying_material(c->hs, label, context, context_len, out, out_len);
}

static int
extract_direction(const struct tern_tls_conn *c, int dir, struct tern_tls_traffic_secrets *t)
{
	const struct tern_tls13_suite *s = c->ap_suite;
	int rc;

	memset(t, 0, sizeof(*t));
	t->seq = tern_tls_record_state_seq(dir == TERN_HS_WRITE ? c->wr[TERN_HS_LEVEL_APPLICATION]
								: c->rd[TERN_HS_LEVEL_APPLICATION]);
	t->secret_len = s->hash_len;
	memcpy(t->secret, c->ap_secret[dir], s->hash_len);
	t->key_len = s->key_len;
	/* [sender]_write_key / _iv (RFC 8446 7.3) */
	rc = tern_hkdf_expand_label(s->hash, t->secret, t->secret_len, "key", NULL, 0, t->key,
				    t->key_len);
	if (rc == 0)
		rc = tern_hkdf_expand_label(s->hash, t->secret, t->secret_len, "iv", NULL, 0, t->iv,
					    sizeof(t->iv));
	return rc;
}

int
tern_tls_conn_dangerous_extract_secrets(struct tern_tls_conn *c,
					struct tern_tls_extracted_secrets *out)
{
	int rc;

	if (c == NULL || out == NULL)
		return -TERN_EINVAL;
	if (c->error != 0)
		return c->error;
	if (!c->complete || c->ap_suite == NULL || c->wr[TERN_HS_LEVEL_APPLICATION] == NULL ||
	    c->rd[TERN_HS_LEVEL_APPLICATION] == NULL)
		return -TERN_EAGAIN;
	/* Whatever is still buffered here would be lost to the new owner of the keys. */
	if (buf_avail(&c->out) != 0 || buf_avail(&c->pend) != 0 || buf_avail(&c->in) != 0 ||
	    buf_avail(&c->pt) != 0 || tern_tls_reasm_buffered(c->reasm) != 0)
		return -TERN_EAGAIN;
	memset(out, 0, sizeof(*out));
	out->cipher_suite = c->ap_suite->id;
	rc = extract_direction(c, TERN_HS_WRITE, &out->tx);
	if (rc == 0)
		rc = extract_direction(c, TERN_HS_READ, &out->rx);
	if (rc != 0) {
		OPENSSL_cleanse(out, sizeof(*out));
		return -TERN_EINTERNAL;
	}
	/* The sequence numbers now live elsewhere: no record may use these keys again. */
	c->extracted = true;
	c->error = -TERN_EINVAL;
	snprintf(c->errstr, sizeof(c->errstr), "traffic secrets were extracted");
	return 0;
}

/* --- key log, errors ------------------------------------------------------------ */

int
tern_tls_conn_set_keylog(struct tern_tls_conn *c, void (*cb)(void *user, const char *line),
			 void *user)
{
	if (c->started)
		return -TERN_EINVAL;
	c->keylog_cb = cb;
	c->keylog_user = user;
	return 0;
}

int
tern_tls_conn_set_keylog_file(struct tern_tls_conn *c, FILE *f)
{
	if (f == NULL)
		return -TERN_EINVAL;
	return tern_tls_conn_set_keylog(c, keylog_file, f);
}

int
tern_tls_conn_error(const struct tern_tls_conn *c, enum tern_tls_alert *sent,
		    enum tern_tls_alert *received)
{
	if (sent != NULL)
		*sent = c->alert_sent;
	if (received != NULL)
		*received = c->alert_recv;
	return c->error;
}

const char *
tern_tls_conn_error_string(const struct tern_tls_conn *c)
{
	return c->errstr;
}

/* --- unbuffered API (rustls' unbuffered module) ---------------------------------- */

/*
 * Check a record header (RFC 8446 5.1, 5.2) the way the reassembler does:
 * returns the record length, 0 if incomplete, or a negative code after
 * failing the connection.
 */
static ssize_t
unbuf_record_len(struct tern_tls_conn *c, const uint8_t *p, size_t avail)
{
	size_t len, max;

	if (avail < TERN_TLS_RECORD_HEADER_LEN)
		return 0;
	if (p[0] < TERN_TLS_CT_CHANGE_CIPHER_SPEC || p[0] > TERN_TLS_CT_APPLICATION_DATA)
		return conn_fail(c, -TERN_EPROTO, TERN_TLS_ALERT_UNEXPECTED_MESSAGE,
				 "bad record content type %u", p[0]);
	len = (size_t)p[3] << 8 | p[4];
	max = p[0] == TERN_TLS_CT_APPLICATION_DATA ? TERN_TLS_MAX_CIPHERTEXT
						   : TERN_TLS_MAX_PLAINTEXT;
	if (len > max)
		return conn_fail(c, -TERN_EPROTO, TERN_TLS_ALERT_RECORD_OVERFLOW,
				 "record of %zu bytes", len);
	if (avail < TERN_TLS_RECORD_HEADER_LEN + len)
		return 0;
	return (ssize_t)(TERN_TLS_RECORD_HEADER_LEN + len);
}

int
tern_tls_conn_process_tls_records(struct tern_tls_conn *c, uint8_t *buf, size_t len,
				  struct tern_tls_unbuffered_status *st)
{
	const uint8_t *app;
	size_t off = 0, app_len;
	bool early;
	ssize_t rl;
	int rc;

	if (c == NULL || st == NULL || (buf == NULL && len != 0))
		return -TERN_EINVAL;
	memset(st, 0, sizeof(*st));
	rc = conn_start(c);
	for (;;) {
		if (buf_avail(&c->out) > 0) {
			st->state = TERN_TLS_UB_ENCODE_TLS_DATA;
			st->needed = buf_avail(&c->out);
			break;
		}
		if (c->transmit_pending) {
			st->state = TERN_TLS_UB_TRANSMIT_TLS_DATA;
			break;
		}
		if (rc != 0 || c->error != 0) {
			/* The alert went out: from now on only the sticky error. */
			st->state = TERN_TLS_UB_CLOSED;
			st->discard = off;
			return c->error != 0 ? c->error : rc;
		}
		if (c->peer_closed) {
			st->state = c->close_sent ? TERN_TLS_UB_CLOSED : TERN_TLS_UB_PEER_CLOSED;
			break;
		}
		/* (buf may be NULL when len is 0.) */
		rl = len - off < TERN_TLS_RECORD_HEADER_LEN
			     ? 0
			     : unbuf_record_len(c, buf + off, len - off);
		if (rl < 0)
			continue; /* the alert is queued: encode it first */
		if (rl == 0) {
			if (!c->complete) {
				st->state = TERN_TLS_UB_BLOCKED_HANDSHAKE;
				st->early_data_room = early_room(c);
			} else
				st->state = c->close_sent ? TERN_TLS_UB_CLOSED
							  : TERN_TLS_UB_WRITE_TRAFFIC;
			break;
		}
		/* Decrypt in place: the plaintext never leaves the caller's buffer. */
		app_len = 0;
		rc = on_record(c, buf + off, (size_t)rl, buf + off + TERN_TLS_RECORD_HEADER_LEN,
			       (size_t)rl - TERN_TLS_RECORD_HEADER_LEN, &app, &app_len, &early);
		off += (size_t)rl;
		if (rc == 0 && app_len > 0) {
			st->state = early ? TERN_TLS_UB_READ_EARLY_DATA : TERN_TLS_UB_READ_TRAFFIC;
			st->data = app;
			st->data_len = app_len;
			break;
		}
	}
	st->discard = off;
	return 0;
}

ssize_t
tern_tls_conn_encode_tls_data(struct tern_tls_conn *c, uint8_t *out, size_t cap)
{
	size_t n = buf_avail(&c->out);

	if (out == NULL && cap != 0)
		return -TERN_EINVAL;
	if (n == 0)
		return 0;
	/* Whole records only: the caller grows its buffer and calls again. */
	if (cap < n)
		return -TERN_ENOBUFS;
	memcpy(out, c->out.p + c->out.off, n);
	buf_consume(&c->out, n);
	c->transmit_pending = true;
	return (ssize_t)n;
}

void
tern_tls_conn_transmit_done(struct tern_tls_conn *c)
{
	c->transmit_pending = false;
}

/* The record state tern_tls_conn_encrypt() (or, in 0-RTT, _encrypt_early_data()) uses. */
static struct tern_tls_record_state *
ub_write_state(const struct tern_tls_conn *c)
{
	if (c->complete)
		return c->wr[TERN_HS_LEVEL_APPLICATION];
	return early_room(c) > 0 ? c->wr[TERN_HS_LEVEL_EARLY] : NULL;
}

size_t
tern_tls_conn_encrypted_len(const struct tern_tls_conn *c, size_t len)
{
	const struct tern_tls_record_state *st = ub_write_state(c);
	size_t total = 0, chunk, max;

	if (st == NULL)
		return 0;
	max = tern_tls_record_state_max_plaintext(st);
	do {
		chunk = len < max ? len : max;
		total += tern_tls_record_sealed_len(st, chunk);
		len -= chunk;
	} while (len > 0);
	return total;
}

/* Seal application data under st straight into out (cap checked by the caller's size). */
static ssize_t
seal_into(struct tern_tls_conn *c, struct tern_tls_record_state *st, const void *pt, size_t len,
	  uint8_t *out, size_t cap)
{
	const uint8_t *p = pt;
	struct tern_tls_seal_op op;
	size_t need, off = 0, chunk, max;

	need = tern_tls_conn_encrypted_len(c, len);
	if (cap < need)
		return -TERN_ENOBUFS;
	max = tern_tls_record_state_max_plaintext(st);
	do {
		chunk = len < max ? len : max;
		memset(&op, 0, sizeof(op));
		op.state = st;
		op.plaintext = p;
		op.plaintext_len = (uint32_t)chunk;
		op.out = out + off;
		op.out_cap = (uint32_t)(cap - off);
		op.content_type = TERN_TLS_CT_APPLICATION_DATA;
		if (tern_tls_record_seal_burst(c->cctx, &op, 1) != 1)
			return conn_fail(c, op.status, TERN_TLS_ALERT_INTERNAL_ERROR, "sealing: %s",
					 tern_strerror(op.status));
		off += op.out_len;
		p += chunk;
		len -= chunk;
	} while (len > 0);
	return (ssize_t)off;
}

ssize_t
tern_tls_conn_encrypt(struct tern_tls_conn *c, const void *pt, size_t len, uint8_t *out, size_t cap)
{
	struct tern_tls_record_state *st = c->wr[TERN_HS_LEVEL_APPLICATION];

	if (c->error != 0)
		return c->error;
	if (!c->complete || st == NULL)
		return -TERN_EAGAIN;
	if (c->close_sent || (pt == NULL && len != 0) || out == NULL)
		return -TERN_EINVAL;
	return seal_into(c, st, pt, len, out, cap);
}

ssize_t
tern_tls_conn_encrypt_early_data(struct tern_tls_conn *c, const void *pt, size_t len, uint8_t *out,
				 size_t cap)
{
	size_t room;
	ssize_t n;

	if (c == NULL)
		return -TERN_EINVAL;
	if (c->error != 0)
		return c->error;
	if (c->server || c->complete || (pt == NULL && len != 0) || out == NULL)
		return -TERN_EINVAL;
	/* The records must follow the ClientHello (and CCS) on the wire. */
	if (buf_avail(&c->out) > 0 || c->transmit_pending)
		return -TERN_EAGAIN;
	room = early_room(c);
	if (room == 0)
		return -TERN_EINVAL;
	if (len > room)
		return -TERN_ERANGE;
	n = seal_into(c, c->wr[TERN_HS_LEVEL_EARLY], pt, len, out, cap);
	if (n > 0)
		c->early_sent += len;
	return n;
}
