/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The handshake as an explicit state table (after s2n's
 * tls/s2n_handshake_io.c): each row names a state, the encryption level and
 * message type it accepts, and the handler. Any other message in a state is
 * unexpected_message (RFC 8446 6.2). Message reassembly per level and the
 * public API live here too.
 */

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "hs_internal.h"

struct tern_hs_transition {
	enum tern_hs_state state;
	enum tern_hs_level level;
	uint8_t msg_type;
	tern_hs_handler handler;
};

static const struct tern_hs_transition hs_table[] = {
	{TERN_HS_ST_CLIENT_WAIT_SH, TERN_HS_LEVEL_INITIAL, TERN_HS_SERVER_HELLO,
	 tern_hs_client_recv_server_hello},
	{TERN_HS_ST_CLIENT_WAIT_EE, TERN_HS_LEVEL_HANDSHAKE, TERN_HS_ENCRYPTED_EXTENSIONS,
	 tern_hs_client_recv_encrypted_extensions},
	{TERN_HS_ST_CLIENT_WAIT_CERT, TERN_HS_LEVEL_HANDSHAKE, TERN_HS_CERTIFICATE,
	 tern_hs_client_recv_certificate},
	{TERN_HS_ST_CLIENT_WAIT_CERT, TERN_HS_LEVEL_HANDSHAKE, TERN_HS_CERTIFICATE_REQUEST,
	 tern_hs_client_recv_certificate_request},
	{TERN_HS_ST_CLIENT_WAIT_CV, TERN_HS_LEVEL_HANDSHAKE, TERN_HS_CERTIFICATE_VERIFY,
	 tern_hs_client_recv_certificate_verify},
	{TERN_HS_ST_CLIENT_WAIT_FINISHED, TERN_HS_LEVEL_HANDSHAKE, TERN_HS_FINISHED,
	 tern_hs_client_recv_finished},
	{TERN_HS_ST_CLIENT_CONNECTED, TERN_HS_LEVEL_APPLICATION, TERN_HS_NEW_SESSION_TICKET,
	 tern_hs_client_recv_new_session_ticket},
	{TERN_HS_ST_CLIENT_CONNECTED, TERN_HS_LEVEL_APPLICATION, TERN_HS_KEY_UPDATE,
	 tern_hs_recv_key_update},
	{TERN_HS_ST_SERVER_WAIT_CH, TERN_HS_LEVEL_INITIAL, TERN_HS_CLIENT_HELLO,
	 tern_hs_server_recv_client_hello},
	{TERN_HS_ST_SERVER_WAIT_CH2, TERN_HS_LEVEL_INITIAL, TERN_HS_CLIENT_HELLO,
	 tern_hs_server_recv_client_hello},
	{TERN_HS_ST_SERVER_WAIT_EOED, TERN_HS_LEVEL_EARLY, TERN_HS_END_OF_EARLY_DATA,
	 tern_hs_server_recv_end_of_early_data},
	{TERN_HS_ST_SERVER_WAIT_CERT, TERN_HS_LEVEL_HANDSHAKE, TERN_HS_CERTIFICATE,
	 tern_hs_server_recv_certificate},
	{TERN_HS_ST_SERVER_WAIT_CV, TERN_HS_LEVEL_HANDSHAKE, TERN_HS_CERTIFICATE_VERIFY,
	 tern_hs_server_recv_certificate_verify},
	{TERN_HS_ST_SERVER_WAIT_FINISHED, TERN_HS_LEVEL_HANDSHAKE, TERN_HS_FINISHED,
	 tern_hs_server_recv_finished},
	{TERN_HS_ST_SERVER_CONNECTED, TERN_HS_LEVEL_APPLICATION, TERN_HS_KEY_UPDATE,
	 tern_hs_recv_key_update},
};

#define HS_TABLE_LEN (sizeof(hs_table) / sizeof(hs_table[0]))

int
tern_hs_fail(struct tern_hs *hs, int err, enum tern_tls_alert alert, const char *fmt, ...)
{
	va_list ap;

	/* The first failure wins: it is the one the peer is told about. */
	if (hs->error != 0)
		return hs->error;
	hs->error = err;
	hs->alert = alert;
	hs->state = TERN_HS_ST_FAILED;
	va_start(ap, fmt);
	vsnprintf(hs->errstr, sizeof(hs->errstr), fmt, ap);
	va_end(ap);
	return err;
}

int
tern_hs_send(struct tern_hs *hs, enum tern_hs_level level, const uint8_t *p, size_t n)
{
	if (hs->cb.send(hs->user, level, p, n) != 0)
		return HS_INTERNAL(hs, "send callback failed");
	return 0;
}

/* NSS key log labels: [client/server side][handshake/application]. */
static const char *const keylog_labels[2][2] = {
	{"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0"},
	{"SERVER_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0"},
};

static void
keylog(struct tern_hs *hs, enum tern_hs_level level, enum tern_hs_direction dir,
       const uint8_t *secret)
{
	static const char hex[] = "0123456789abcdef";
	char line[64 + 1 + 2 * TERN_HS_RANDOM_LEN + 1 + 2 * TERN_HASH_MAX_LEN + 1];
	/* Whose secret: the writer's. A client writes with the client secret. */
	int server_side = (hs->role == TERN_TLS_SERVER) == (dir == TERN_HS_WRITE);
	int app = level == TERN_HS_LEVEL_APPLICATION;
	size_t i, off;

	/* Only generation 0 has a label; later generations follow from it (7.2). */
	if (hs->cb.keylog == NULL || (app && hs->app_logged[server_side]))
		return;
	if (app)
		hs->app_logged[server_side] = true;
	off = (size_t)snprintf(line, sizeof(line), "%s ", keylog_labels[server_side][app]);
	for (i = 0; i < TERN_HS_RANDOM_LEN; i++) {
		line[off++] = hex[hs->random[i] >> 4];
		line[off++] = hex[hs->random[i] & 15];
	}
	line[off++] = ' ';
	for (i = 0; i < hs->suite->hash_len; i++) {
		line[off++] = hex[secret[i] >> 4];
		line[off++] = hex[secret[i] & 15];
	}
	line[off] = '\0';
	hs->cb.keylog(hs->user, line);
	OPENSSL_cleanse(line, sizeof(line));
}

int
tern_hs_emit_secret(struct tern_hs *hs, enum tern_hs_level level, enum tern_hs_direction dir,
		    const uint8_t *secret)
{
	keylog(hs, level, dir, secret);
	if (hs->cb.on_secret(hs->user, level, dir, hs->suite, secret, hs->suite->hash_len) != 0)
		return HS_INTERNAL(hs, "secret callback failed");
	return 0;
}

int
tern_hs_new(const struct tern_tls_config *cfg, const struct tern_hs_callbacks *cb, void *user,
	    struct tern_hs **hsp)
{
	struct tern_hs *hs;

	if (cfg == NULL || cb == NULL || cb->send == NULL || cb->on_secret == NULL || hsp == NULL ||
	    (cfg->role == TERN_TLS_SERVER && cfg->n_chains == 0))
		return -TERN_EINVAL;
	hs = calloc(1, sizeof(*hs));
	if (hs == NULL)
		return -TERN_ENOMEM;
	hs->cfg = cfg;
	hs->cb = *cb;
	hs->user = user;
	hs->role = cfg->role;
	hs->alert = TERN_TLS_ALERT_NONE;
	hs->state =
		cfg->role == TERN_TLS_CLIENT ? TERN_HS_ST_CLIENT_START : TERN_HS_ST_SERVER_WAIT_CH;
	*hsp = hs;
	return 0;
}

void
tern_hs_free(struct tern_hs *hs)
{
	if (hs == NULL)
		return;
	EVP_MD_CTX_free(hs->transcript);
	EVP_PKEY_free(hs->kex);
	EVP_PKEY_free(hs->peer_key);
	free(hs->peer_chain);
	free(hs->quic_tp);
	free(hs->peer_quic_tp);
	tern_hs_resume_free(hs); /* the client's offered session (tls-psk) */
	free(hs->ch1);
	if (hs->in != NULL)
		OPENSSL_cleanse(hs->in, hs->in_cap);
	free(hs->in);
	OPENSSL_cleanse(hs, sizeof(*hs));
	free(hs);
}

int
tern_hs_set_server_name(struct tern_hs *hs, const char *name)
{
	uint8_t addr[16];
	size_t n;

	if (hs == NULL || name == NULL || hs->role != TERN_TLS_CLIENT ||
	    hs->state != TERN_HS_ST_CLIENT_START)
		return -TERN_EINVAL;
	n = strlen(name);
	if (n == 0 || n >= sizeof(hs->server_name))
		return -TERN_EINVAL;
	memcpy(hs->server_name, name, n + 1);
	hs->has_server_name = true;
	hs->server_name_is_ip =
		inet_pton(AF_INET, name, addr) == 1 || inet_pton(AF_INET6, name, addr) == 1;
	return 0;
}

int
tern_hs_start(struct tern_hs *hs)
{
	if (hs == NULL)
		return -TERN_EINVAL;
	if (hs->error != 0)
		return hs->error;
	if (hs->role == TERN_TLS_SERVER)
		return 0;
	if (hs->state != TERN_HS_ST_CLIENT_START)
		return -TERN_EINVAL;
	/* Verifying a certificate without a name to check it against proves nothing. */
	if (hs->cfg->verify && !hs->has_server_name)
		return -TERN_EINVAL;
	/* QUIC has no application protocol of its own: ALPN is mandatory (RFC 9001 8.1). */
	if (hs->quic && hs->cfg->n_alpn == 0)
		return -TERN_EINVAL;
	return tern_hs_client_start(hs);
}

bool
tern_hs_expects_level(const struct tern_hs *hs, enum tern_hs_level level)
{
	size_t i;

	for (i = 0; i < HS_TABLE_LEN; i++)
		if (hs_table[i].state == hs->state && hs_table[i].level == level)
			return true;
	return false;
}

static int
dispatch(struct tern_hs *hs, enum tern_hs_level level, const uint8_t *msg, size_t len)
{
	struct tern_rcursor body;
	size_t i;

	for (i = 0; i < HS_TABLE_LEN; i++) {
		if (hs_table[i].state != hs->state || hs_table[i].msg_type != msg[0])
			continue;
		if (hs_table[i].level != level)
			break;
		/* QUIC updates keys with the key phase bit, never with KeyUpdate (RFC 9001 6). */
		if (hs->quic && msg[0] == TERN_HS_KEY_UPDATE)
			break;
		tern_rcursor_init(&body, msg + TERN_HS_HEADER_LEN, len - TERN_HS_HEADER_LEN);
		return hs_table[i].handler(hs, &body, msg, len);
	}
	return HS_FAIL(hs, TERN_TLS_ALERT_UNEXPECTED_MESSAGE,
		       "unexpected handshake message type %u in state %d", msg[0], (int)hs->state);
}

static int
buffer_append(struct tern_hs *hs, const uint8_t *data, size_t len)
{
	size_t cap;
	uint8_t *p;

	if (hs->in_len + len <= hs->in_cap)
		goto copy;
	cap = hs->in_cap != 0 ? hs->in_cap : 4096;
	while (cap < hs->in_len + len)
		cap *= 2;
	p = malloc(cap);
	if (p == NULL)
		return -TERN_ENOMEM;
	if (hs->in_len != 0)
		memcpy(p, hs->in, hs->in_len);
	if (hs->in != NULL)
		OPENSSL_cleanse(hs->in, hs->in_cap);
	free(hs->in);
	hs->in = p;
	hs->in_cap = cap;
copy:
	memcpy(hs->in + hs->in_len, data, len);
	hs->in_len += len;
	return 0;
}

int
tern_hs_recv(struct tern_hs *hs, enum tern_hs_level level, const uint8_t *data, size_t len)
{
	struct tern_rcursor r;
	uint32_t mlen;
	uint8_t type;
	size_t off = 0;
	int rc;

	if (hs == NULL || (data == NULL && len != 0) || (unsigned)level >= TERN_HS_LEVEL_COUNT)
		return -TERN_EINVAL;
	if (hs->error != 0)
		return hs->error;
	if (len == 0)
		return 0;
	if (!tern_hs_expects_level(hs, level))
		return HS_FAIL(hs, TERN_TLS_ALERT_UNEXPECTED_MESSAGE,
			       "handshake data at level %d not expected now", (int)level);
	if (hs->in_len != 0 && hs->in_level != level)
		return HS_FAIL(hs, TERN_TLS_ALERT_UNEXPECTED_MESSAGE,
			       "handshake message split across a key change");
	/* Bound what a peer can make us buffer before we even parse. */
	if (hs->in_len + len > TERN_HS_MAX_MSG + TERN_HS_HEADER_LEN + 65536)
		return HS_FAIL(hs, TERN_TLS_ALERT_UNEXPECTED_MESSAGE, "too much handshake data");
	rc = buffer_append(hs, data, len);
	if (rc != 0)
		return tern_hs_fail(hs, rc, TERN_TLS_ALERT_INTERNAL_ERROR, "out of memory");
	hs->in_level = level;
	for (;;) {
		tern_rcursor_init(&r, hs->in + off, hs->in_len - off);
		if (!tern_rcursor_u8(&r, &type) || !tern_rcursor_u24(&r, &mlen))
			break;
		if (mlen > TERN_HS_MAX_MSG)
			return HS_FAIL(hs, TERN_TLS_ALERT_DECODE_ERROR,
				       "handshake message of %u bytes is too long", mlen);
		if (tern_rcursor_left(&r) < mlen)
			break;
		rc = dispatch(hs, level, hs->in + off, TERN_HS_HEADER_LEN + mlen);
		if (rc != 0)
			return rc;
		off += TERN_HS_HEADER_LEN + mlen;
		/* Messages must not span a key change (5.1): the level moved on. */
		if (off < hs->in_len && !tern_hs_expects_level(hs, level))
			return HS_FAIL(hs, TERN_TLS_ALERT_UNEXPECTED_MESSAGE,
				       "handshake data after a key change in the same record");
	}
	if (off != 0) {
		memmove(hs->in, hs->in + off, hs->in_len - off);
		hs->in_len -= off;
	}
	return 0;
}

bool
tern_hs_is_complete(const struct tern_hs *hs)
{
	return hs->state == TERN_HS_ST_CLIENT_CONNECTED || hs->state == TERN_HS_ST_SERVER_CONNECTED;
}

int
tern_hs_error(const struct tern_hs *hs)
{
	return hs->error;
}

enum tern_tls_alert
tern_hs_alert(const struct tern_hs *hs)
{
	return hs->alert;
}

const char *
tern_hs_error_string(const struct tern_hs *hs)
{
	return hs->errstr;
}

const struct tern_tls13_suite *
tern_hs_cipher_suite(const struct tern_hs *hs)
{
	return hs->suite;
}

uint16_t
tern_hs_group(const struct tern_hs *hs)
{
	return hs->suite != NULL ? hs->group : 0;
}

bool
tern_hs_did_hrr(const struct tern_hs *hs)
{
	return hs->hrr;
}

uint16_t
tern_hs_sigalg(const struct tern_hs *hs)
{
	return hs->sigalg;
}

size_t
tern_hs_alpn(const struct tern_hs *hs, const uint8_t **proto)
{
	if (proto != NULL)
		*proto = hs->alpn;
	return hs->alpn_len;
}

const char *
tern_hs_server_name(const struct tern_hs *hs)
{
	return hs->role == TERN_TLS_SERVER && hs->has_server_name ? hs->server_name : NULL;
}

uint16_t
tern_hs_peer_record_size_limit(const struct tern_hs *hs)
{
	return hs->peer_rsl;
}

static const struct tern_hs_ops inline_ops = {
	.create = tern_hs_new,
	.destroy = tern_hs_free,
	.set_server_name = tern_hs_set_server_name,
	.start = tern_hs_start,
	.recv = tern_hs_recv,
	.is_complete = tern_hs_is_complete,
	.alert = tern_hs_alert,
	.set_quic_transport_params = tern_hs_set_quic_transport_params,
	.peer_quic_transport_params = tern_hs_peer_quic_transport_params,
};

const struct tern_hs_ops *
tern_hs_inline_ops(void)
{
	return &inline_ops;
}

const struct tern_hs_ops *
tern_tls_config_hs_ops(const struct tern_tls_config *cfg)
{
	(void)cfg;
	return &inline_ops;
}

int
tern_hs_set_quic_transport_params(struct tern_hs *hs, const uint8_t *tp, size_t len)
{
	uint8_t *copy;

	if (hs == NULL || (tp == NULL && len != 0) || len > TERN_HS_QUIC_TP_MAX)
		return -TERN_EINVAL;
	/* Before the first flight: the mode changes what ClientHello looks like. */
	if (hs->state != TERN_HS_ST_CLIENT_START && hs->state != TERN_HS_ST_SERVER_WAIT_CH)
		return -TERN_EINVAL;
	copy = malloc(len != 0 ? len : 1);
	if (copy == NULL)
		return -TERN_ENOMEM;
	if (len != 0)
		memcpy(copy, tp, len);
	free(hs->quic_tp);
	hs->quic_tp = copy;
	hs->quic_tp_len = len;
	hs->quic = true;
	return 0;
}

size_t
tern_hs_peer_quic_transport_params(const struct tern_hs *hs, const uint8_t **tp)
{
	if (hs == NULL || hs->peer_quic_tp == NULL) {
		if (tp != NULL)
			*tp = NULL;
		return 0;
	}
	if (tp != NULL)
		*tp = hs->peer_quic_tp;
	return hs->peer_quic_tp_len;
}

int
tern_hs_store_peer_quic_tp(struct tern_hs *hs, const struct tern_hs_exts *e)
{
	/* An empty extension is legal for TLS; the QUIC layer judges the contents. */
	uint8_t *copy = malloc(e->quic_tp.len != 0 ? e->quic_tp.len : 1);

	if (copy == NULL)
		return tern_hs_fail(hs, -TERN_ENOMEM, TERN_TLS_ALERT_INTERNAL_ERROR, "no memory");
	if (e->quic_tp.len != 0)
		memcpy(copy, e->quic_tp.p, e->quic_tp.len);
	free(hs->peer_quic_tp);
	hs->peer_quic_tp = copy;
	hs->peer_quic_tp_len = e->quic_tp.len;
	return 0;
}
