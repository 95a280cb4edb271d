/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Resumption, 0-RTT and middlebox compatibility through the connection API
 * (include/tern/tls.h), tern client <-> tern server in memory: sessions
 * through the callback, early data accepted (buffered and unbuffered),
 * rejected by the anti-replay register (trial decryption on the server)
 * and by a HelloRetryRequest (skipped before the second ClientHello), the
 * client resending rejected data as 1-RTT data, and the dummy
 * change_cipher_spec records of RFC 8446 D.4 with and without
 * compatibility mode.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <tern/tls.h>

#include "control/hs_test_util.h"
#include "tern_test.h"

/* --- a byte pipe that also keeps everything that went through it ------------ */

struct pipe {
	uint8_t *p;
	size_t len, cap;
	uint8_t *wire; /* every byte ever written, to check record types */
	size_t wire_len, wire_cap;
};

static void
grow(uint8_t **p, size_t *cap, size_t need)
{
	if (need > *cap) {
		*cap = need * 2 + 4096;
		*p = realloc(*p, *cap);
		REQUIRE(*p != NULL);
	}
}

static void
pipe_put(struct pipe *p, const uint8_t *buf, size_t len)
{
	grow(&p->p, &p->cap, p->len + len);
	memcpy(p->p + p->len, buf, len);
	p->len += len;
	grow(&p->wire, &p->wire_cap, p->wire_len + len);
	memcpy(p->wire + p->wire_len, buf, len);
	p->wire_len += len;
}

static ssize_t
pipe_write(void *user, const uint8_t *buf, size_t len)
{
	pipe_put(user, buf, len);
	return (ssize_t)len;
}

static ssize_t
pipe_read(void *user, uint8_t *buf, size_t len)
{
	struct pipe *p = user;

	if (p->len == 0) {
		errno = EAGAIN;
		return -1;
	}
	len = len < p->len ? len : p->len;
	memcpy(buf, p->p, len);
	memmove(p->p, p->p + len, p->len - len);
	p->len -= len;
	return (ssize_t)len;
}

/* The content types of the records on a wire, in order (at most max). */
static size_t
record_types(const struct pipe *p, uint8_t *types, size_t max)
{
	size_t off = 0, n = 0, len;

	while (off + 5 <= p->wire_len && n < max) {
		types[n++] = p->wire[off];
		len = (size_t)p->wire[off + 3] << 8 | p->wire[off + 4];
		off += 5 + len;
	}
	return n;
}

static size_t
count_type(const struct pipe *p, uint8_t type)
{
	uint8_t t[256];
	size_t n = record_types(p, t, sizeof(t)), i, k = 0;

	for (i = 0; i < n; i++)
		k += t[i] == type;
	return k;
}

struct pair {
	struct tern_tls_conn *c, *s;
	struct pipe c2s, s2c;
};

static int
pump(struct pair *pr, int rounds)
{
	int i, rc = 0, r1, r2;

	for (i = 0; i < rounds; i++) {
		bool moved = false;

		while (tern_tls_conn_wants_write(pr->c) &&
		       tern_tls_conn_write_tls(pr->c, pipe_write, &pr->c2s) > 0)
			moved = true;
		while (tern_tls_conn_wants_write(pr->s) &&
		       tern_tls_conn_write_tls(pr->s, pipe_write, &pr->s2c) > 0)
			moved = true;
		while (pr->c2s.len > 0 && tern_tls_conn_read_tls(pr->s, pipe_read, &pr->c2s) > 0)
			moved = true;
		while (pr->s2c.len > 0 && tern_tls_conn_read_tls(pr->c, pipe_read, &pr->s2c) > 0)
			moved = true;
		r1 = tern_tls_conn_process_new_packets(pr->s, NULL);
		r2 = tern_tls_conn_process_new_packets(pr->c, NULL);
		rc = r1 != 0 ? r1 : r2;
		if (!moved && !tern_tls_conn_wants_write(pr->c) &&
		    !tern_tls_conn_wants_write(pr->s))
			break;
	}
	return rc;
}

static const uint8_t ticket_secret[TERN_TLS_TICKET_SECRET_LEN] = "tern early data test secret....";

static struct tern_tls_config *
server_cfg(const struct hs_test_pki *pki, uint32_t max_early, const uint16_t *groups,
	   size_t n_groups)
{
	struct tern_tls_config *cfg;

	REQUIRE(tern_tls_config_new(TERN_TLS_SERVER, &cfg) == 0);
	REQUIRE(tern_tls_config_load_cert_chain(cfg, pki->chain, pki->key) == 0);
	REQUIRE(tern_tls_config_set_ticket_key(cfg, ticket_secret, 7200) == 0);
	if (max_early != 0)
		REQUIRE(tern_tls_config_set_max_early_data(cfg, max_early) == 0);
	if (groups != NULL)
		REQUIRE(tern_tls_config_set_groups(cfg, groups, n_groups) == 0);
	return cfg;
}

static struct tern_tls_config *
client_cfg(const struct hs_test_pki *pki, bool early, bool compat)
{
	static const uint16_t groups[] = {TERN_TLS_GROUP_X25519, TERN_TLS_GROUP_SECP384R1};
	struct tern_tls_config *cfg;

	REQUIRE(tern_tls_config_new(TERN_TLS_CLIENT, &cfg) == 0);
	REQUIRE(tern_tls_config_load_ca_file(cfg, pki->ca) == 0);
	REQUIRE(tern_tls_config_set_groups(cfg, groups, 2) == 0);
	if (early)
		REQUIRE(tern_tls_config_set_early_data(cfg, true) == 0);
	REQUIRE(tern_tls_config_set_middlebox_compat(cfg, compat) == 0);
	return cfg;
}

/* Sessions kept by the client's callback (the latest wins). */
struct store {
	uint8_t s[4][2048];
	size_t len[4];
	unsigned n;
};

static void
on_session(void *user, const uint8_t *session, size_t len)
{
	struct store *st = user;

	REQUIRE(len <= sizeof(st->s[0]));
	memcpy(st->s[st->n % 4], session, len);
	st->len[st->n % 4] = len;
	st->n++;
}

static void
pair_new(struct pair *pr, const struct tern_tls_config *ccfg, const struct tern_tls_config *scfg,
	 struct store *st, const uint8_t *session, size_t session_len)
{
	memset(pr, 0, sizeof(*pr));
	REQUIRE(tern_tls_conn_new(ccfg, "localhost", NULL, &pr->c) == 0);
	REQUIRE(tern_tls_conn_new(scfg, NULL, NULL, &pr->s) == 0);
	if (st != NULL)
		REQUIRE(tern_tls_conn_set_session_callback(pr->c, on_session, st) == 0);
	if (session != NULL)
		REQUIRE(tern_tls_conn_set_session(pr->c, session, session_len) == 0);
}

static void
pair_free(struct pair *pr)
{
	tern_tls_conn_free(pr->c);
	tern_tls_conn_free(pr->s);
	free(pr->c2s.p);
	free(pr->s2c.p);
	free(pr->c2s.wire);
	free(pr->s2c.wire);
}

static size_t
drain(struct tern_tls_conn *c, uint8_t *out, size_t cap)
{
	size_t got = 0;
	ssize_t n;

	while (got < cap && (n = tern_tls_conn_reader_read(c, out + got, cap - got)) > 0)
		got += (size_t)n;
	return got;
}

/* A full handshake that leaves sessions in *st. */
static void
full_handshake(const struct tern_tls_config *ccfg, const struct tern_tls_config *scfg,
	       struct store *st)
{
	struct pair pr;
	unsigned before = st->n;

	pair_new(&pr, ccfg, scfg, st, NULL, 0);
	/* Before any I/O there is nothing to offer. */
	CHECK_EQ(tern_tls_conn_early_data_state(pr.c), TERN_TLS_EARLY_NONE);
	CHECK_EQ(pump(&pr, 30), 0);
	CHECK(!tern_tls_conn_is_handshaking(pr.c));
	CHECK(!tern_tls_conn_is_resumed(pr.c));
	CHECK(!tern_tls_conn_is_resumed(pr.s));
	CHECK_EQ(tern_tls_conn_early_data_state(pr.c), TERN_TLS_EARLY_NONE);
	CHECK_EQ(tern_tls_conn_early_data_room(pr.c), 0);
	CHECK_EQ(tern_tls_conn_early_data_write(pr.c, "x", 1), -TERN_EINVAL);
	CHECK_EQ(tern_tls_conn_set_session_callback(pr.c, on_session, st), -TERN_EINVAL);
	/* Two tickets by default. */
	CHECK_EQ(st->n - before, 2u);
	pair_free(&pr);
}

static const char early_msg[] = "GET /early HTTP/1.1\r\n\r\n";

/* 0-RTT accepted, buffered; then the same ticket again is rejected (anti-replay). */
static void
test_buffered(const struct hs_test_pki *pki, bool compat)
{
	struct tern_tls_config *scfg = server_cfg(pki, 1000, NULL, 0);
	struct tern_tls_config *ccfg = client_cfg(pki, true, compat);
	uint8_t big[1500], buf[2048];
	struct tern_tls_io_state io;
	struct store st = {.n = 0};
	struct pair pr;
	uint8_t types[64];
	size_t n;
	ssize_t w;

	memset(big, 'e', sizeof(big));
	full_handshake(ccfg, scfg, &st);
	REQUIRE(st.n >= 2);

	/* --- accepted --- */
	pair_new(&pr, ccfg, scfg, NULL, st.s[0], st.len[0]);
	CHECK_EQ(tern_tls_conn_early_data_room(pr.c), 1000);
	CHECK_EQ(tern_tls_conn_early_data_state(pr.c), TERN_TLS_EARLY_OFFERED);
	w = tern_tls_conn_early_data_write(pr.c, early_msg, strlen(early_msg));
	CHECK_EQ(w, (ssize_t)strlen(early_msg));
	/* No more than max_early_data_size. */
	w = tern_tls_conn_early_data_write(pr.c, big, sizeof(big));
	CHECK_EQ(w, (ssize_t)(1000 - strlen(early_msg)));
	CHECK_EQ(tern_tls_conn_early_data_room(pr.c), 0);
	CHECK_EQ(tern_tls_conn_early_data_write(pr.c, big, 1), 0);
	CHECK(!tern_tls_conn_is_early_data_accepted(pr.c));
	/* Ordinary data written now waits for the handshake. */
	CHECK_EQ(tern_tls_conn_writer_write(pr.c, "late", 4), 4);
	/* The early data leaves with the first flight: ClientHello [CCS] 0-RTT. */
	while (tern_tls_conn_wants_write(pr.c) &&
	       tern_tls_conn_write_tls(pr.c, pipe_write, &pr.c2s) > 0)
		;
	n = record_types(&pr.c2s, types, sizeof(types));
	REQUIRE(n >= 3);
	CHECK_EQ(types[0], 22);
	CHECK_EQ(types[1], compat ? 20 : 23);
	CHECK_EQ(types[n - 1], 23);
	/* The server has the early data before the handshake completes. */
	while (tern_tls_conn_read_tls(pr.s, pipe_read, &pr.c2s) > 0)
		;
	CHECK_EQ(tern_tls_conn_process_new_packets(pr.s, &io), 0);
	CHECK(tern_tls_conn_is_handshaking(pr.s));
	CHECK_EQ(io.early_data_bytes_to_read, 1000);
	CHECK_EQ(io.plaintext_bytes_to_read, 0);
	CHECK_EQ(tern_tls_conn_early_data_state(pr.s), TERN_TLS_EARLY_ACCEPTED);
	n = 0;
	while ((w = tern_tls_conn_early_data_read(pr.s, buf + n, 100)) > 0)
		n += (size_t)w;
	CHECK_EQ(w, -TERN_EAGAIN);
	CHECK_EQ(n, 1000);
	CHECK_MEM(buf, early_msg, strlen(early_msg));
	CHECK(buf[999] == 'e');
	CHECK_EQ(tern_tls_conn_early_data_read(pr.c, buf, 1), -TERN_EINVAL);
	CHECK_EQ(pump(&pr, 30), 0);
	CHECK(!tern_tls_conn_is_handshaking(pr.c) && !tern_tls_conn_is_handshaking(pr.s));
	CHECK(tern_tls_conn_is_resumed(pr.c) && tern_tls_conn_is_resumed(pr.s));
	CHECK(tern_tls_conn_is_early_data_accepted(pr.c));
	CHECK(tern_tls_conn_is_early_data_accepted(pr.s));
	CHECK_EQ(tern_tls_conn_early_data_room(pr.c), 0); /* EndOfEarlyData went out */
	/* The 1-RTT data follows, and only it reaches the ordinary reader. */
	n = drain(pr.s, buf, sizeof(buf));
	CHECK(n == 4 && memcmp(buf, "late", 4) == 0);
	CHECK_EQ(tern_tls_conn_writer_write(pr.s, "reply", 5), 5);
	CHECK_EQ(pump(&pr, 10), 0);
	n = drain(pr.c, buf, sizeof(buf));
	CHECK(n == 5 && memcmp(buf, "reply", 5) == 0);
	/* The server's CCS follows the ServerHello only in compatibility mode. */
	n = record_types(&pr.s2c, types, sizeof(types));
	REQUIRE(n >= 3);
	CHECK_EQ(types[0], 22);
	CHECK_EQ(types[1], compat ? 20 : 23);
	CHECK_EQ(count_type(&pr.s2c, 20), compat ? 1u : 0u);
	CHECK_EQ(count_type(&pr.c2s, 20), compat ? 1u : 0u);
	pair_free(&pr);

	/* --- the same ticket again: resumed, but 0-RTT rejected (anti-replay) --- */
	pair_new(&pr, ccfg, scfg, NULL, st.s[0], st.len[0]);
	CHECK_EQ(tern_tls_conn_early_data_room(pr.c), 1000);
	CHECK_EQ(tern_tls_conn_early_data_write(pr.c, early_msg, strlen(early_msg)),
		 (ssize_t)strlen(early_msg));
	/* Several records: the server skips each by trial decryption. */
	CHECK_EQ(tern_tls_conn_early_data_write(pr.c, big, 300), 300);
	CHECK_EQ(tern_tls_conn_early_data_write(pr.c, big, 300), 300);
	CHECK_EQ(pump(&pr, 30), 0);
	CHECK(!tern_tls_conn_is_handshaking(pr.c) && !tern_tls_conn_is_handshaking(pr.s));
	CHECK(tern_tls_conn_is_resumed(pr.c) && tern_tls_conn_is_resumed(pr.s));
	CHECK(!tern_tls_conn_is_early_data_accepted(pr.c));
	CHECK(!tern_tls_conn_is_early_data_accepted(pr.s));
	CHECK_EQ(tern_tls_conn_early_data_state(pr.c), TERN_TLS_EARLY_REJECTED);
	CHECK_EQ(tern_tls_conn_early_data_state(pr.s), TERN_TLS_EARLY_REJECTED);
	CHECK_EQ(tern_tls_conn_early_data_read(pr.s, buf, sizeof(buf)), -TERN_EAGAIN);
	CHECK_EQ(tern_tls_conn_early_data_write(pr.c, "x", 1), -TERN_EINVAL);
	CHECK_EQ(drain(pr.s, buf, sizeof(buf)), 0);
	/* The client sends it again as ordinary data. */
	CHECK_EQ(tern_tls_conn_writer_write(pr.c, early_msg, strlen(early_msg)),
		 (ssize_t)strlen(early_msg));
	CHECK_EQ(pump(&pr, 10), 0);
	n = drain(pr.s, buf, sizeof(buf));
	CHECK(n == strlen(early_msg) && memcmp(buf, early_msg, n) == 0);
	pair_free(&pr);

	tern_tls_config_free(scfg);
	tern_tls_config_free(ccfg);
}

/* 0-RTT rejected by a HelloRetryRequest: records skipped before the second ClientHello. */
static void
test_rejected_by_hrr(const struct hs_test_pki *pki)
{
	static const uint16_t p384[] = {TERN_TLS_GROUP_SECP384R1};
	struct tern_tls_config *scfg = server_cfg(pki, 1000, NULL, 0);
	struct tern_tls_config *scfg_hrr = server_cfg(pki, 1000, p384, 1);
	struct tern_tls_config *ccfg = client_cfg(pki, true, true);
	struct store st = {.n = 0};
	uint8_t buf[256];
	struct pair pr;
	size_t n;

	full_handshake(ccfg, scfg, &st);
	REQUIRE(st.n >= 1);
	pair_new(&pr, ccfg, scfg_hrr, NULL, st.s[0], st.len[0]);
	CHECK_EQ(tern_tls_conn_early_data_write(pr.c, early_msg, strlen(early_msg)),
		 (ssize_t)strlen(early_msg));
	CHECK_EQ(tern_tls_conn_early_data_write(pr.c, early_msg, strlen(early_msg)),
		 (ssize_t)strlen(early_msg));
	CHECK_EQ(pump(&pr, 30), 0);
	CHECK(!tern_tls_conn_is_handshaking(pr.c) && !tern_tls_conn_is_handshaking(pr.s));
	CHECK_EQ(tern_tls_conn_negotiated_group(pr.s), TERN_TLS_GROUP_SECP384R1);
	CHECK_EQ(tern_tls_conn_early_data_state(pr.c), TERN_TLS_EARLY_REJECTED);
	CHECK(!tern_tls_conn_is_early_data_accepted(pr.s));
	CHECK_EQ(tern_tls_conn_early_data_read(pr.s, buf, sizeof(buf)), -TERN_EAGAIN);
	/* One CCS each way, however many hellos (D.4). */
	CHECK_EQ(count_type(&pr.c2s, 20), 1u);
	CHECK_EQ(count_type(&pr.s2c, 20), 1u);
	CHECK_EQ(tern_tls_conn_writer_write(pr.c, "again", 5), 5);
	CHECK_EQ(pump(&pr, 10), 0);
	n = drain(pr.s, buf, sizeof(buf));
	CHECK(n == 5 && memcmp(buf, "again", 5) == 0);
	pair_free(&pr);
	tern_tls_config_free(scfg);
	tern_tls_config_free(scfg_hrr);
	tern_tls_config_free(ccfg);
}

/* Rejected early data beyond the server's skip limit is a record MAC failure. */
static void
test_skip_limit(const struct hs_test_pki *pki)
{
	struct tern_tls_config *scfg = server_cfg(pki, 1000, NULL, 0);
	struct tern_tls_config *ccfg = client_cfg(pki, true, true);
	struct store st = {.n = 0};
	enum tern_tls_alert sent;
	uint8_t big[1000];
	struct pair pr;

	memset(big, 'x', sizeof(big));
	full_handshake(ccfg, scfg, &st);
	REQUIRE(st.n >= 1);
	/* Accepted once... */
	pair_new(&pr, ccfg, scfg, NULL, st.s[0], st.len[0]);
	CHECK_EQ(pump(&pr, 30), 0);
	CHECK(tern_tls_conn_is_early_data_accepted(pr.s));
	pair_free(&pr);
	/* ...then rejected: the client sent its 1000, the server skips them all. */
	pair_new(&pr, ccfg, scfg, NULL, st.s[0], st.len[0]);
	CHECK_EQ(tern_tls_conn_early_data_write(pr.c, big, sizeof(big)), 1000);
	CHECK_EQ(pump(&pr, 30), 0);
	CHECK(!tern_tls_conn_is_handshaking(pr.s));
	pair_free(&pr);
	tern_tls_config_free(scfg);
	tern_tls_config_free(ccfg);

	/* A server with 0-RTT off still skips up to 16384 bytes, not more. */
	scfg = server_cfg(pki, 20000, NULL, 0);
	ccfg = client_cfg(pki, true, true);
	st.n = 0;
	full_handshake(ccfg, scfg, &st);
	REQUIRE(st.n >= 1);
	tern_tls_config_free(scfg);
	scfg = server_cfg(pki, 0, NULL, 0);
	pair_new(&pr, ccfg, scfg, NULL, st.s[0], st.len[0]);
	CHECK_EQ(tern_tls_conn_early_data_room(pr.c), 20000);
	{
		size_t i;

		for (i = 0; i < 20; i++)
			CHECK_EQ(tern_tls_conn_early_data_write(pr.c, big, sizeof(big)), 1000);
	}
	CHECK_EQ(pump(&pr, 30), -TERN_EBADMSG);
	CHECK_EQ(tern_tls_conn_error(pr.s, &sent, NULL), -TERN_EBADMSG);
	CHECK_EQ(sent, TERN_TLS_ALERT_BAD_RECORD_MAC);
	pair_free(&pr);
	tern_tls_config_free(scfg);

	/* Accepted with a smaller limit than the ticket's: more is unexpected_message. */
	REQUIRE(st.n >= 2);
	scfg = server_cfg(pki, 1000, NULL, 0);
	pair_new(&pr, ccfg, scfg, NULL, st.s[1], st.len[1]);
	CHECK_EQ(tern_tls_conn_early_data_room(pr.c), 20000);
	CHECK_EQ(tern_tls_conn_early_data_write(pr.c, big, sizeof(big)), 1000);
	CHECK_EQ(tern_tls_conn_early_data_write(pr.c, big, 1), 1);
	CHECK_EQ(pump(&pr, 30), -TERN_EPROTO);
	CHECK_EQ(tern_tls_conn_error(pr.s, &sent, NULL), -TERN_EPROTO);
	CHECK_EQ(sent, TERN_TLS_ALERT_UNEXPECTED_MESSAGE);
	pair_free(&pr);
	tern_tls_config_free(scfg);
	tern_tls_config_free(ccfg);
}

/* --- unbuffered ------------------------------------------------------------- */

struct side {
	struct tern_tls_conn *conn;
	uint8_t *in;
	size_t in_len, in_cap;
	uint8_t *app, *early;
	size_t app_len, app_cap, early_len, early_cap;
	size_t early_room; /* client: last BLOCKED_HANDSHAKE's room */
	unsigned read_early_states;
};

static void
append(uint8_t **p, size_t *len, size_t *cap, const uint8_t *d, size_t n)
{
	grow(p, cap, *len + n);
	memcpy(*p + *len, d, n);
	*len += n;
}

static bool
step(struct side *s, struct side *peer)
{
	static uint8_t enc[1 << 16];
	struct tern_tls_unbuffered_status st;
	bool did = false;
	ssize_t n;
	int i;

	for (i = 0; i < 1000; i++) {
		if (tern_tls_conn_process_tls_records(s->conn, s->in, s->in_len, &st) != 0)
			return did;
		switch (st.state) {
		case TERN_TLS_UB_ENCODE_TLS_DATA:
			n = tern_tls_conn_encode_tls_data(s->conn, enc, sizeof(enc));
			REQUIRE(n > 0);
			append(&peer->in, &peer->in_len, &peer->in_cap, enc, (size_t)n);
			break;
		case TERN_TLS_UB_TRANSMIT_TLS_DATA:
			tern_tls_conn_transmit_done(s->conn);
			break;
		case TERN_TLS_UB_READ_TRAFFIC:
			append(&s->app, &s->app_len, &s->app_cap, st.data, st.data_len);
			break;
		case TERN_TLS_UB_READ_EARLY_DATA:
			/* Before the handshake completed, inside our buffer. */
			CHECK(tern_tls_conn_is_handshaking(s->conn));
			CHECK(st.data >= s->in && st.data + st.data_len <= s->in + s->in_len);
			s->read_early_states++;
			append(&s->early, &s->early_len, &s->early_cap, st.data, st.data_len);
			break;
		case TERN_TLS_UB_BLOCKED_HANDSHAKE:
			s->early_room = st.early_data_room;
			break;
		default:
			break;
		}
		if (st.discard > 0) {
			memmove(s->in, s->in + st.discard, s->in_len - st.discard);
			s->in_len -= st.discard;
			did = true;
		}
		if (st.state == TERN_TLS_UB_BLOCKED_HANDSHAKE ||
		    st.state == TERN_TLS_UB_WRITE_TRAFFIC || st.state == TERN_TLS_UB_PEER_CLOSED ||
		    st.state == TERN_TLS_UB_CLOSED)
			return did;
		did = true;
	}
	return did;
}

static void
run(struct side *a, struct side *b)
{
	int i;

	for (i = 0; i < 100; i++) {
		bool x = step(a, b), y = step(b, a);

		if (!x && !y)
			break;
	}
}

static void
side_free(struct side *s)
{
	tern_tls_conn_free(s->conn);
	free(s->in);
	free(s->app);
	free(s->early);
}

static void
ub_early(struct tern_tls_config *ccfg, struct tern_tls_config *scfg, const uint8_t *sess,
	 size_t sess_len, bool expect_accept)
{
	static uint8_t out[4096];
	struct side c, s;
	size_t need;
	ssize_t n;

	memset(&c, 0, sizeof(c));
	memset(&s, 0, sizeof(s));
	REQUIRE(tern_tls_conn_new(ccfg, "localhost", NULL, &c.conn) == 0);
	REQUIRE(tern_tls_conn_new(scfg, NULL, NULL, &s.conn) == 0);
	REQUIRE(tern_tls_conn_set_session(c.conn, sess, sess_len) == 0);
	/* The ClientHello first: sealing early data before it went out is refused. */
	(void)tern_tls_conn_early_data_room(c.conn);
	CHECK_EQ(tern_tls_conn_encrypt_early_data(c.conn, "x", 1, out, sizeof(out)), -TERN_EAGAIN);
	step(&c, &s);
	CHECK_EQ(c.early_room, 1000);
	need = tern_tls_conn_encrypted_len(c.conn, strlen(early_msg));
	CHECK(need > strlen(early_msg));
	CHECK_EQ(tern_tls_conn_encrypt_early_data(c.conn, early_msg, strlen(early_msg), out,
						  need - 1),
		 -TERN_ENOBUFS);
	n = tern_tls_conn_encrypt_early_data(c.conn, early_msg, strlen(early_msg), out,
					     sizeof(out));
	CHECK_EQ(n, (ssize_t)need);
	if (n > 0)
		append(&s.in, &s.in_len, &s.in_cap, out, (size_t)n);
	CHECK_EQ(tern_tls_conn_encrypt_early_data(c.conn, out, 2000, out + 2000, 2000),
		 -TERN_ERANGE);
	run(&c, &s);
	CHECK(!tern_tls_conn_is_handshaking(c.conn) && !tern_tls_conn_is_handshaking(s.conn));
	CHECK_EQ(tern_tls_conn_is_early_data_accepted(c.conn), expect_accept);
	CHECK_EQ(tern_tls_conn_is_early_data_accepted(s.conn), expect_accept);
	if (expect_accept) {
		CHECK_EQ(s.read_early_states, 1u);
		CHECK(s.early_len == strlen(early_msg) &&
		      memcmp(s.early, early_msg, s.early_len) == 0);
	} else {
		CHECK_EQ(s.read_early_states, 0u);
		CHECK_EQ(s.early_len, 0);
		/* Resend as 1-RTT data. */
		n = tern_tls_conn_encrypt(c.conn, early_msg, strlen(early_msg), out, sizeof(out));
		CHECK(n > 0);
		if (n > 0)
			append(&s.in, &s.in_len, &s.in_cap, out, (size_t)n);
		run(&c, &s);
		CHECK(s.app_len == strlen(early_msg) && memcmp(s.app, early_msg, s.app_len) == 0);
	}
	CHECK_EQ(tern_tls_conn_encrypt_early_data(c.conn, "x", 1, out, sizeof(out)), -TERN_EINVAL);
	side_free(&c);
	side_free(&s);
}

static void
test_unbuffered(const struct hs_test_pki *pki)
{
	struct tern_tls_config *scfg = server_cfg(pki, 1000, NULL, 0);
	struct tern_tls_config *ccfg = client_cfg(pki, true, true);
	struct store st = {.n = 0};

	full_handshake(ccfg, scfg, &st);
	REQUIRE(st.n >= 2);
	ub_early(ccfg, scfg, st.s[0], st.len[0], true);
	/* Replayed ticket: rejected, skipped by trial decryption. */
	ub_early(ccfg, scfg, st.s[0], st.len[0], false);
	/* The second ticket is fresh: accepted again. */
	ub_early(ccfg, scfg, st.s[1], st.len[1], true);
	tern_tls_config_free(scfg);
	tern_tls_config_free(ccfg);
}

/* Compatibility mode off on the client: no CCS either way, no session id echoed. */
static void
test_no_compat(const struct hs_test_pki *pki)
{
	struct tern_tls_config *scfg = server_cfg(pki, 0, NULL, 0);
	struct tern_tls_config *ccfg = client_cfg(pki, false, false);
	struct tern_tls_config *ccfg2 = client_cfg(pki, false, true);
	struct pair pr;

	pair_new(&pr, ccfg, scfg, NULL, NULL, 0);
	CHECK_EQ(pump(&pr, 30), 0);
	CHECK(!tern_tls_conn_is_handshaking(pr.c));
	CHECK_EQ(count_type(&pr.c2s, 20), 0u);
	CHECK_EQ(count_type(&pr.s2c, 20), 0u);
	pair_free(&pr);
	/* On: one each, the server's right after the ServerHello. */
	pair_new(&pr, ccfg2, scfg, NULL, NULL, 0);
	CHECK_EQ(pump(&pr, 30), 0);
	CHECK(!tern_tls_conn_is_handshaking(pr.c));
	CHECK_EQ(count_type(&pr.c2s, 20), 1u);
	CHECK_EQ(count_type(&pr.s2c, 20), 1u);
	{
		uint8_t t[8];

		CHECK(record_types(&pr.s2c, t, 8) >= 2 && t[0] == 22 && t[1] == 20);
		CHECK(record_types(&pr.c2s, t, 8) >= 2 && t[0] == 22 && t[1] == 20);
	}
	pair_free(&pr);
	tern_tls_config_free(scfg);
	tern_tls_config_free(ccfg);
	tern_tls_config_free(ccfg2);
}

int
main(void)
{
	struct hs_test_pki pki;

	hs_test_make_pki(&pki, "early", "EC-P256", -3600, 86400);
	test_buffered(&pki, true);
	test_buffered(&pki, false);
	test_rejected_by_hrr(&pki);
	test_skip_limit(&pki);
	test_unbuffered(&pki);
	test_no_compat(&pki);
	return tern_test_done("tls_conn_early");
}
