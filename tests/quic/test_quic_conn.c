/* SPDX-License-Identifier: Apache-2.0 */
/*
 * QUIC connection API (include/tern/quic.h), tern client <-> tern server in
 * memory with a simulated network (one-way delay, seeded loss and
 * reordering) and a simulated clock: handshake and getters, streams both
 * ways, transfers under loss, close with error codes, idle timeout,
 * anti-amplification, malformed datagrams.
 */

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <tern/quic.h>

/* The violation tests play a misbehaving peer with the client's own keys. */
#include "dataplane/quic/quic_conn_internal.h"

#include "control/hs_test_util.h"
#include "quic/quic_test_util.h"
#include "tern_test.h"

#define MS	  1000000ULL
#define DELAY	  (10 * MS) /* one-way */
#define MAX_DGRAM 1500

/* --- simulated network -------------------------------------------------------- */

struct dgram {
	uint64_t at;
	size_t len;
	uint8_t buf[MAX_DGRAM];
};

struct link {
	struct dgram *q;
	size_t n, cap;
	unsigned loss_pct;    /* drop this share of datagrams */
	unsigned reorder_pct; /* deliver this share late (by up to 3 delays) */
	uint64_t sent, dropped;
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t
rng(void)
{
	/* xorshift64*: a fixed seed makes every run the same. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32);
}

static void
link_push(struct link *l, const uint8_t *p, size_t len, uint64_t at)
{
	l->sent++;
	if (l->loss_pct != 0 && rng() % 100 < l->loss_pct) {
		l->dropped++;
		return;
	}
	if (l->reorder_pct != 0 && rng() % 100 < l->reorder_pct)
		at += DELAY + rng() % (2 * DELAY);
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->q = realloc(l->q, l->cap * sizeof(*l->q));
		REQUIRE(l->q != NULL);
	}
	l->q[l->n].at = at;
	l->q[l->n].len = len;
	memcpy(l->q[l->n].buf, p, len);
	l->n++;
}

/* Earliest arrival in the link, UINT64_MAX if empty. */
static uint64_t
link_next(const struct link *l)
{
	uint64_t t = UINT64_MAX;
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->q[i].at < t)
			t = l->q[i].at;
	return t;
}

struct pair {
	struct tern_quic_conn *c, *s;
	struct link c2s, s2c;
	uint64_t now;
	struct sockaddr_in caddr, saddr;
};

/* Deliver every datagram of l due by now to conn, in arrival order. */
static void
link_deliver(struct pair *p, struct link *l, struct tern_quic_conn *conn, bool to_server)
{
	struct tern_quic_recv_info ri;

	ri.from = (const struct sockaddr *)(to_server ? &p->caddr : &p->saddr);
	ri.from_len = sizeof(struct sockaddr_in);
	ri.to = (const struct sockaddr *)(to_server ? &p->saddr : &p->caddr);
	ri.to_len = sizeof(struct sockaddr_in);
	for (;;) {
		size_t i, best = l->n;
		struct dgram d;

		for (i = 0; i < l->n; i++)
			if (l->q[i].at <= p->now && (best == l->n || l->q[i].at < l->q[best].at))
				best = i;
		if (best == l->n)
			return;
		d = l->q[best];
		l->q[best] = l->q[--l->n];
		(void)tern_quic_conn_recv(conn, d.buf, d.len, &ri, p->now);
	}
}

static size_t
flush(struct pair *p, struct tern_quic_conn *conn, struct link *l)
{
	uint8_t out[MAX_DGRAM];
	struct tern_quic_send_info si;
	size_t count = 0;
	int n;

	while ((n = tern_quic_conn_send(conn, out, sizeof(out), &si, p->now)) > 0) {
		link_push(l, out, (size_t)n, (si.at > p->now ? si.at : p->now) + DELAY);
		count++;
		REQUIRE(count < 100000);
	}
	CHECK(n == TERN_QUIC_DONE);
	if (n != TERN_QUIC_DONE)
		fprintf(stderr, "send: %d (%s)\n", n, tern_strerror(n));
	return count;
}

typedef bool (*done_fn)(struct pair *p, void *arg);

/* Run the network until done() or nothing is left to happen; false on a stall. */
static bool
run(struct pair *p, done_fn done, void *arg, uint64_t max_time)
{
	uint64_t deadline = p->now + max_time;

	while (p->now < deadline) {
		uint64_t next = UINT64_MAX, t;

		flush(p, p->c, &p->c2s);
		flush(p, p->s, &p->s2c);
		if (done != NULL && done(p, arg))
			return true;
		/* What done() queued goes out before time moves on. */
		flush(p, p->c, &p->c2s);
		flush(p, p->s, &p->s2c);
		next = link_next(&p->c2s);
		if ((t = link_next(&p->s2c)) < next)
			next = t;
		if ((t = tern_quic_conn_timeout(p->c)) < next)
			next = t;
		if ((t = tern_quic_conn_timeout(p->s)) < next)
			next = t;
		if (next == UINT64_MAX)
			return done == NULL;
		if (next > deadline) {
			p->now = deadline;
			return done == NULL;
		}
		if (next > p->now)
			p->now = next;
		link_deliver(p, &p->c2s, p->s, true);
		link_deliver(p, &p->s2c, p->c, false);
		if (tern_quic_conn_timeout(p->c) <= p->now)
			tern_quic_conn_on_timeout(p->c, p->now);
		if (tern_quic_conn_timeout(p->s) <= p->now)
			tern_quic_conn_on_timeout(p->s, p->now);
	}
	return done == NULL;
}

/* --- configuration ------------------------------------------------------------------- */

static struct hs_test_pki pki;
static struct tern_crypto_ctx *cctx; /* the backend under test, shared by both ends */
static struct tern_tls_config *stls, *ctls;
static struct tern_quic_config *scfg, *ccfg;
static const uint8_t SCID[8] = {0x5e, 0x41, 0x5e, 0x42, 1, 2, 3, 4};
static const uint8_t CCID[8] = {0xc1, 0x1e, 0x47, 0x77, 5, 6, 7, 8};

static void
configs_new(void)
{
	const char *alpn[] = {"tern-test"};

	REQUIRE(tern_tls_config_new(TERN_TLS_SERVER, &stls) == 0);
	REQUIRE(tern_tls_config_load_cert_chain(stls, pki.chain, pki.key) == 0);
	REQUIRE(tern_tls_config_new(TERN_TLS_CLIENT, &ctls) == 0);
	REQUIRE(tern_tls_config_load_ca_file(ctls, pki.ca) == 0);
	REQUIRE(tern_quic_config_new(stls, &scfg) == 0);
	REQUIRE(tern_quic_config_new(ctls, &ccfg) == 0);
	REQUIRE(tern_quic_config_set_application_protos(scfg, alpn, 1) == 0);
	REQUIRE(tern_quic_config_set_application_protos(ccfg, alpn, 1) == 0);
}

static void
configs_free(void)
{
	tern_quic_config_free(scfg);
	tern_quic_config_free(ccfg);
	tern_tls_config_free(stls);
	tern_tls_config_free(ctls);
}

static void pair_new_cfg(struct pair *p, const struct tern_quic_config *cc,
			 const struct tern_quic_config *sc);

static void
pair_new(struct pair *p)
{
	pair_new_cfg(p, ccfg, scfg);
}

static void
pair_new_cfg(struct pair *p, const struct tern_quic_config *cc, const struct tern_quic_config *sc)
{
	memset(p, 0, sizeof(*p));
	p->now = 1000 * MS;
	p->caddr.sin_family = AF_INET;
	p->caddr.sin_port = htons(40000);
	p->caddr.sin_addr.s_addr = htonl(0x7f000001);
	p->saddr = p->caddr;
	p->saddr.sin_port = htons(4433);
	REQUIRE(tern_quic_connect("localhost", CCID, sizeof(CCID),
				  (const struct sockaddr *)&p->caddr, sizeof(p->caddr),
				  (const struct sockaddr *)&p->saddr, sizeof(p->saddr), cc, cctx,
				  p->now, &p->c) == 0);
	REQUIRE(tern_quic_accept(SCID, sizeof(SCID), NULL, 0, (const struct sockaddr *)&p->saddr,
				 sizeof(p->saddr), (const struct sockaddr *)&p->caddr,
				 sizeof(p->caddr), sc, cctx, p->now, &p->s) == 0);
}

static void
pair_free(struct pair *p)
{
	tern_quic_conn_free(p->c);
	tern_quic_conn_free(p->s);
	free(p->c2s.q);
	free(p->s2c.q);
}

static bool
both_established(struct pair *p, void *arg)
{
	(void)arg;
	return tern_quic_conn_is_established(p->c) && tern_quic_conn_is_established(p->s);
}

/* --- tests ------------------------------------------------------------------------------- */

static void
test_handshake(void)
{
	struct tern_quic_stats st;
	struct tern_quic_path_stats ps;
	struct tern_quic_conn_error e;
	const uint8_t *id, *proto;
	struct pair p;
	size_t n;

	pair_new(&p);
	CHECK(!tern_quic_conn_is_established(p.c));
	CHECK(run(&p, both_established, NULL, 5000 * MS));
	CHECK(tern_quic_conn_is_established(p.c));
	CHECK(tern_quic_conn_is_established(p.s));
	/* Let HANDSHAKE_DONE and the ACKs settle. */
	run(&p, NULL, NULL, 200 * MS);
	{
		struct tern_quic_stats a, b;

		/* Then silence: no ACK of ACKs, no probes (RFC 9000 13.2.1). */
		tern_quic_conn_stats(p.c, &a);
		tern_quic_conn_stats(p.s, &st);
		run(&p, NULL, NULL, 2000 * MS);
		tern_quic_conn_stats(p.c, &b);
		CHECK_EQ(b.sent, a.sent);
		tern_quic_conn_stats(p.s, &b);
		CHECK_EQ(b.sent, st.sent);
		CHECK(tern_quic_conn_timeout(p.c) > p.now + 20000 * MS);
	}
	n = tern_quic_conn_application_proto(p.c, &proto);
	CHECK(n == 9 && memcmp(proto, "tern-test", 9) == 0);
	n = tern_quic_conn_application_proto(p.s, &proto);
	CHECK(n == 9 && memcmp(proto, "tern-test", 9) == 0);
	CHECK(tern_quic_conn_server_name(p.s) != NULL &&
	      strcmp(tern_quic_conn_server_name(p.s), "localhost") == 0);
	CHECK(tern_quic_conn_peer_cert(p.c, &id) > 100);
	/* Each side's destination ID is the other's source ID. */
	n = tern_quic_conn_destination_id(p.c, &id);
	CHECK(n == sizeof(SCID) && memcmp(id, SCID, n) == 0);
	n = tern_quic_conn_destination_id(p.s, &id);
	CHECK(n == sizeof(CCID) && memcmp(id, CCID, n) == 0);
	n = tern_quic_conn_source_id(p.s, &id);
	CHECK(n == sizeof(SCID) && memcmp(id, SCID, n) == 0);
	CHECK(strcmp(tern_quic_conn_trace_id(p.s), "5e415e4201020304") == 0);
	CHECK(!tern_quic_conn_peer_error(p.c, &e));
	CHECK(!tern_quic_conn_local_error(p.s, &e));
	CHECK(!tern_quic_conn_is_closed(p.c) && !tern_quic_conn_is_draining(p.c));
	/* Confirmed, and Initial and Handshake keys gone on both sides (RFC 9001 4.9). */
	CHECK(p.c->confirmed && p.s->confirmed);
	CHECK(p.c->sp[SP_INITIAL].discarded && p.c->sp[SP_HANDSHAKE].discarded);
	CHECK(p.s->sp[SP_INITIAL].discarded && p.s->sp[SP_HANDSHAKE].discarded);
	CHECK(p.c->sp[SP_INITIAL].wr == NULL && p.s->sp[SP_HANDSHAKE].rd == NULL);
	if (tern_quic_conn_local_error(p.c, &e) || tern_quic_conn_peer_error(p.c, &e))
		fprintf(stderr, "client error: app %d code 0x%llx frame 0x%llx %.*s\n", e.is_app,
			(unsigned long long)e.error_code, (unsigned long long)e.frame_type,
			(int)e.reason_len, (const char *)e.reason);
	tern_quic_conn_stats(p.c, &st);
	CHECK(st.sent >= 2 && st.recv >= 2 && st.lost == 0);
	tern_quic_conn_path_stats(p.c, &ps);
	/* Two one-way delays of 10 ms, give or take the ACK delay. */
	CHECK(ps.min_rtt_ns >= 2 * DELAY && ps.min_rtt_ns < 2 * DELAY + 30 * MS);
	CHECK(ps.cwnd >= 2 * 1200);
	CHECK(tern_quic_conn_peer_streams_left_bidi(p.c) == 100);
	CHECK(tern_quic_conn_max_send_udp_payload_size(p.c) == TERN_QUIC_DEFAULT_SEND_UDP_PAYLOAD);
	pair_free(&p);
}

/* --- transfers --------------------------------------------------------------------------- */

struct xfer {
	const uint8_t *data;
	size_t len;
	size_t c_sent;	/* client -> server on stream 0 */
	uint8_t *s_got; /* server received */
	size_t s_got_len;
	bool s_fin;
	size_t s_echoed; /* server -> client echo on stream 0 */
	bool s_fin_sent;
	uint8_t *c_got;
	size_t c_got_len;
	bool c_fin;
	size_t uni_sent; /* server -> client on uni stream 3 */
	uint8_t *c_uni;
	size_t c_uni_len;
	bool c_uni_fin;
	size_t ku_at; /* client starts a key update after this many bytes echoed (0: never) */
	int ku_rc, ku_rc2;
	bool ku_done;
};

static void
drain_stream(struct tern_quic_conn *conn, uint64_t id, uint8_t *dst, size_t cap, size_t *len,
	     bool *fin)
{
	long n;
	bool f = false;

	while ((n = tern_quic_conn_stream_recv(conn, id, dst + *len, cap - *len, &f)) >= 0) {
		*len += (size_t)n;
		if (f)
			*fin = true;
		if (n == 0)
			break;
	}
}

static bool
xfer_step(struct pair *p, void *arg)
{
	struct xfer *x = arg;
	uint64_t ids[16];
	size_t k, i;
	long n;

	if (!tern_quic_conn_is_established(p->c))
		return false;
	/* client: write the data on stream 0 */
	if (x->c_sent < x->len) {
		n = tern_quic_conn_stream_send(p->c, 0, x->data + x->c_sent, x->len - x->c_sent,
					       true);
		if (n > 0)
			x->c_sent += (size_t)n;
	}
	/* server: read everything readable, echo stream 0 */
	k = tern_quic_conn_readable(p->s, ids, 16);
	for (i = 0; i < k; i++)
		if (ids[i] == 0)
			drain_stream(p->s, 0, x->s_got, x->len, &x->s_got_len, &x->s_fin);
	if (!x->s_fin_sent && (x->s_echoed < x->s_got_len || x->s_fin)) {
		size_t want = x->s_got_len - x->s_echoed;

		n = tern_quic_conn_stream_send(p->s, 0, x->s_got + x->s_echoed, want, x->s_fin);
		if (n >= 0) {
			x->s_echoed += (size_t)n;
			if (x->s_fin && (size_t)n == want)
				x->s_fin_sent = true;
		}
	}
	/* server: the same data once more on its unidirectional stream 3 */
	if (x->uni_sent < x->len && tern_quic_conn_is_established(p->s)) {
		n = tern_quic_conn_stream_send(p->s, 3, x->data + x->uni_sent, x->len - x->uni_sent,
					       true);
		if (n > 0)
			x->uni_sent += (size_t)n;
	}
	if (x->ku_at != 0 && !x->ku_done && x->c_got_len >= x->ku_at) {
		x->ku_rc = tern_quic_conn_update_keys(p->c);
		/* One at a time: the peer has not answered this one yet. */
		x->ku_rc2 = tern_quic_conn_update_keys(p->c);
		x->ku_done = true;
	}
	/* client: read the echo and the uni stream */
	drain_stream(p->c, 0, x->c_got, x->len, &x->c_got_len, &x->c_fin);
	drain_stream(p->c, 3, x->c_uni, x->len, &x->c_uni_len, &x->c_uni_fin);
	return x->c_fin && x->c_uni_fin;
}

static void
test_transfer(const char *name, size_t len, unsigned loss, unsigned reorder, uint64_t seed)
{
	struct xfer x;
	struct pair p;
	uint8_t *data = malloc(len);
	struct tern_quic_stats st;
	size_t i;
	bool ok;

	REQUIRE(data != NULL);
	for (i = 0; i < len; i++)
		data[i] = (uint8_t)(i * 7 + i / 251);
	memset(&x, 0, sizeof(x));
	x.data = data;
	x.len = len;
	x.s_got = malloc(len);
	x.c_got = malloc(len);
	x.c_uni = malloc(len);
	REQUIRE(x.s_got && x.c_got && x.c_uni);
	rng_state = seed;
	pair_new(&p);
	p.c2s.loss_pct = p.s2c.loss_pct = loss;
	p.c2s.reorder_pct = p.s2c.reorder_pct = reorder;
	ok = run(&p, xfer_step, &x, 600000 * MS);
	CHECK(ok);
	if (!ok)
		fprintf(stderr,
			"%s: stalled: c_sent %zu s_got %zu echoed %zu c_got %zu uni %zu/%zu\n",
			name, x.c_sent, x.s_got_len, x.s_echoed, x.c_got_len, x.uni_sent,
			x.c_uni_len);
	CHECK_EQ(x.s_got_len, len);
	CHECK_EQ(x.c_got_len, len);
	CHECK_EQ(x.c_uni_len, len);
	CHECK(x.s_got_len == len && memcmp(x.s_got, data, len) == 0);
	CHECK(x.c_got_len == len && memcmp(x.c_got, data, len) == 0);
	CHECK(x.c_uni_len == len && memcmp(x.c_uni, data, len) == 0);
	CHECK(tern_quic_conn_stream_finished(p.c, 0));
	tern_quic_conn_stats(p.c, &st);
	if (loss != 0) {
		struct tern_quic_stats ss;

		tern_quic_conn_stats(p.s, &ss);
		/* Loss was injected, so someone saw loss and recovered from it. */
		CHECK(st.lost + ss.lost > 0);
		CHECK(p.c2s.dropped + p.s2c.dropped > 0);
	}
	CHECK(!tern_quic_conn_local_error(p.c, NULL) && !tern_quic_conn_local_error(p.s, NULL));
	printf("%s: %zu bytes, client sent %llu lost %llu, %llu+%llu datagrams dropped, %.1f s\n",
	       name, len, (unsigned long long)st.sent, (unsigned long long)st.lost,
	       (unsigned long long)p.c2s.dropped, (unsigned long long)p.s2c.dropped,
	       (double)(p.now - 1000 * MS) / 1e9);
	pair_free(&p);
	free(data);
	free(x.s_got);
	free(x.c_got);
	free(x.c_uni);
}

/* --- stream shutdown, many streams ------------------------------------------------- */

static bool
settled(struct pair *p, void *arg)
{
	(void)p;
	(void)arg;
	return false;
}

static void
test_stream_shutdown(void)
{
	static const uint8_t msg[] = "hello";
	uint8_t buf[64];
	uint64_t err = 0;
	bool fin = false;
	struct pair p;
	long n;

	pair_new(&p);
	REQUIRE(run(&p, both_established, NULL, 5000 * MS));
	CHECK_EQ(tern_quic_conn_stream_send(p.c, 0, msg, 5, false), 5);
	CHECK_EQ(tern_quic_conn_stream_send(p.c, 4, msg, 5, false), 5);
	run(&p, settled, NULL, 200 * MS);
	CHECK(tern_quic_conn_stream_readable(p.s, 0));
	/* Server: stop reading stream 0 (STOP_SENDING 7); client: reset stream 4 (RESET_STREAM 9).
	 */
	CHECK_EQ(tern_quic_conn_stream_shutdown(p.s, 0, TERN_QUIC_SHUTDOWN_READ, 7), 0);
	CHECK_EQ(tern_quic_conn_stream_shutdown(p.c, 4, TERN_QUIC_SHUTDOWN_WRITE, 9), 0);
	CHECK_EQ(tern_quic_conn_stream_shutdown(p.c, 4, TERN_QUIC_SHUTDOWN_WRITE, 9),
		 TERN_QUIC_DONE);
	run(&p, settled, NULL, 200 * MS);
	n = tern_quic_conn_stream_send(p.c, 0, msg, 5, false);
	CHECK_EQ(n, -TERN_EPROTO);
	CHECK_EQ(tern_quic_conn_stream_error(p.c, 0, &err), 0);
	CHECK_EQ(err, 7);
	/* The server reads what came before the reset, then the reset itself. */
	n = tern_quic_conn_stream_recv(p.s, 4, buf, sizeof(buf), &fin);
	if (n == 5)
		n = tern_quic_conn_stream_recv(p.s, 4, buf, sizeof(buf), &fin);
	CHECK_EQ(n, -TERN_EPROTO);
	err = 0;
	CHECK_EQ(tern_quic_conn_stream_error(p.s, 4, &err), 0);
	CHECK_EQ(err, 9);
	CHECK(tern_quic_conn_stream_finished(p.s, 4));
	/* A stream the client cannot write: the server's unidirectional stream 3. */
	CHECK_EQ(tern_quic_conn_stream_send(p.c, 3, msg, 5, false), -TERN_EINVAL);
	CHECK(!tern_quic_conn_local_error(p.c, NULL) && !tern_quic_conn_local_error(p.s, NULL));
	pair_free(&p);
}

struct many {
	unsigned n, opened, done;
	uint64_t ids[64];
};

/* 1,000 bidirectional streams through a limit of 20 concurrent ones, echoed. */
static bool
many_step(struct pair *p, void *arg)
{
	struct many *m = arg;
	uint8_t buf[256];
	size_t k, i;

	while (m->opened < m->n && tern_quic_conn_peer_streams_left_bidi(p->c) > 0) {
		uint8_t msg[16];

		snprintf((char *)msg, sizeof(msg), "stream %u", m->opened);
		if (tern_quic_conn_stream_send(p->c, 4ULL * m->opened, msg, strlen((char *)msg),
					       true) <= 0)
			break;
		m->opened++;
	}
	k = tern_quic_conn_readable(p->s, m->ids, 64);
	for (i = 0; i < k; i++) {
		bool fin = false;
		long n = tern_quic_conn_stream_recv(p->s, m->ids[i], buf, sizeof(buf), &fin);

		if (n >= 0 && fin)
			(void)tern_quic_conn_stream_send(p->s, m->ids[i], buf, (size_t)n, true);
	}
	k = tern_quic_conn_readable(p->c, m->ids, 64);
	for (i = 0; i < k; i++) {
		bool fin = false;
		char want[16];
		long n = tern_quic_conn_stream_recv(p->c, m->ids[i], buf, sizeof(buf), &fin);

		snprintf(want, sizeof(want), "stream %u", (unsigned)(m->ids[i] / 4));
		if (n >= 0 && fin && (size_t)n == strlen(want) && memcmp(buf, want, (size_t)n) == 0)
			m->done++;
	}
	return m->done == m->n;
}

static void
test_many_streams(void)
{
	struct many m = {.n = 1000};
	struct pair p;

	tern_quic_config_set_initial_max_streams_bidi(scfg, 20);
	pair_new(&p);
	/* The server reads its configuration with the first Initial. */
	REQUIRE(run(&p, both_established, NULL, 5000 * MS));
	tern_quic_config_set_initial_max_streams_bidi(scfg, 100);
	CHECK_EQ(tern_quic_conn_peer_streams_left_bidi(p.c), 20);
	CHECK(run(&p, many_step, &m, 120000 * MS));
	CHECK_EQ(m.done, 1000);
	CHECK(!tern_quic_conn_local_error(p.c, NULL) && !tern_quic_conn_local_error(p.s, NULL));
	{
		struct tern_quic_conn_error e;

		if (tern_quic_conn_local_error(p.c, &e) || tern_quic_conn_local_error(p.s, &e))
			fprintf(stderr,
				"many streams: error 0x%llx frame 0x%llx %.*s (opened %u done "
				"%u)\n",
				(unsigned long long)e.error_code, (unsigned long long)e.frame_type,
				(int)e.reason_len, (const char *)e.reason, m.opened, m.done);
	}
	pair_free(&p);
}

/* --- close and timeouts ---------------------------------------------------------------- */

static bool
both_closed(struct pair *p, void *arg)
{
	(void)arg;
	return tern_quic_conn_is_closed(p->c) && tern_quic_conn_is_closed(p->s);
}

static void
test_close(void)
{
	struct tern_quic_conn_error e;
	struct pair p;

	pair_new(&p);
	REQUIRE(run(&p, both_established, NULL, 5000 * MS));
	CHECK_EQ(tern_quic_conn_close(p.c, true, 42, (const uint8_t *)"bye", 3, p.now), 0);
	CHECK_EQ(tern_quic_conn_close(p.c, true, 43, NULL, 0, p.now), TERN_QUIC_DONE);
	CHECK(run(&p, both_closed, NULL, 10000 * MS));
	CHECK(tern_quic_conn_peer_error(p.s, &e));
	CHECK(e.is_app && e.error_code == 42 && e.reason_len == 3 &&
	      memcmp(e.reason, "bye", 3) == 0);
	CHECK(tern_quic_conn_local_error(p.c, &e));
	CHECK(e.is_app && e.error_code == 42);
	CHECK(tern_quic_conn_is_draining(p.s));
	CHECK(!tern_quic_conn_is_timed_out(p.s));
	CHECK_EQ(tern_quic_conn_stream_send(p.c, 0, (const uint8_t *)"x", 1, false), -TERN_EINVAL);
	pair_free(&p);
}

/* An application close during the handshake goes out as APPLICATION_ERROR (RFC 9000 10.2.3). */
static void
test_close_in_handshake(void)
{
	struct tern_quic_conn_error e;
	struct pair p;

	pair_new(&p);
	flush(&p, p.c, &p.c2s);
	p.now += DELAY;
	link_deliver(&p, &p.c2s, p.s, true); /* the server has the ClientHello */
	flush(&p, p.s, &p.s2c);
	CHECK(!tern_quic_conn_is_established(p.c));
	CHECK_EQ(tern_quic_conn_close(p.c, true, 5, (const uint8_t *)"secret reason", 13, p.now),
		 0);
	CHECK(run(&p, both_closed, NULL, 10000 * MS));
	CHECK(tern_quic_conn_peer_error(p.s, &e));
	/* Not the application's code nor its reason: those could leak before 1-RTT. */
	CHECK(!e.is_app && e.error_code == 0x0c && e.reason_len == 0);
	pair_free(&p);
}

static void
test_idle_timeout(void)
{
	struct pair p;

	tern_quic_config_set_max_idle_timeout(ccfg, 2000);
	pair_new(&p);
	tern_quic_config_set_max_idle_timeout(ccfg, 30000);
	REQUIRE(run(&p, both_established, NULL, 5000 * MS));
	CHECK(run(&p, both_closed, NULL, 60000 * MS));
	CHECK(tern_quic_conn_is_timed_out(p.c));
	CHECK(tern_quic_conn_is_timed_out(p.s));
	/* The negotiated timeout is the smaller one: 2 s, not the server's 30 s. */
	CHECK(p.now < 1000 * MS + 5000 * MS + 3000 * MS);
	if (p.now >= 1000 * MS + 5000 * MS + 3000 * MS)
		fprintf(stderr, "idle: closed at %.3f s\n", (double)(p.now - 1000 * MS) / 1e9);
	pair_free(&p);
}

/* A client that never answers: the server stays within 3x what it received. */
static void
test_amplification(void)
{
	uint8_t out[MAX_DGRAM];
	struct tern_quic_send_info si;
	struct pair p;
	size_t rx = 0, tx = 0;
	int n, i;

	pair_new(&p);
	n = tern_quic_conn_send(p.c, out, sizeof(out), &si, p.now);
	REQUIRE(n >= 1200);
	rx = (size_t)n;
	CHECK_EQ(tern_quic_conn_recv(p.s, out, (size_t)n, NULL, p.now), n);
	for (i = 0; i < 20; i++) {
		while ((n = tern_quic_conn_send(p.s, out, sizeof(out), &si, p.now)) > 0) {
			struct tern_quic_hdr h;

			/* Datagrams with an ack-eliciting Initial are padded (RFC 9000 14.1). */
			if (tern_quic_hdr_parse(out, (size_t)n, 8, &h) == 0 &&
			    h.type == TERN_QUIC_PKT_INITIAL)
				CHECK(n >= 1200);
			tx += (size_t)n;
		}
		if (tern_quic_conn_timeout(p.s) == UINT64_MAX)
			break;
		p.now = tern_quic_conn_timeout(p.s);
		tern_quic_conn_on_timeout(p.s, p.now);
	}
	CHECK(tx > 0);
	CHECK(tx <= 3 * rx);
	pair_free(&p);
}

/* Garbage never crashes and never hurts an established connection. */
static void
test_malformed(void)
{
	uint8_t junk[1500];
	size_t i, len;
	int k;
	struct xfer x;
	struct pair p;
	static uint8_t data[3000];

	pair_new(&p);
	REQUIRE(run(&p, both_established, NULL, 5000 * MS));
	for (k = 0; k < 2000; k++) {
		len = 1 + rng() % sizeof(junk);
		for (i = 0; i < len; i++)
			junk[i] = (uint8_t)rng();
		/* Half of them look like short-header packets for the right CID. */
		if (k % 2 == 0 && len > 9) {
			junk[0] = (uint8_t)(0x40 | (junk[0] & 0x3f));
			memcpy(junk + 1, SCID, sizeof(SCID));
		}
		(void)tern_quic_conn_recv(p.s, junk, len, NULL, p.now);
		(void)tern_quic_conn_recv(p.c, junk, len, NULL, p.now);
	}
	CHECK(!tern_quic_conn_local_error(p.s, NULL));
	/* Still works. */
	memset(&x, 0, sizeof(x));
	x.data = data;
	x.len = sizeof(data);
	x.s_got = malloc(x.len);
	x.c_got = malloc(x.len);
	x.c_uni = malloc(x.len);
	CHECK(run(&p, xfer_step, &x, 10000 * MS));
	CHECK(x.c_got_len == x.len && memcmp(x.c_got, data, x.len) == 0);
	free(x.s_got);
	free(x.c_got);
	free(x.c_uni);
	pair_free(&p);
}

/* A server without a common ALPN refuses: CRYPTO_ERROR with no_application_protocol (0x178). */
static void
test_alpn_mismatch(void)
{
	const char *other[] = {"other"};
	struct tern_tls_config *t;
	struct tern_quic_config *q;
	struct tern_quic_conn_error e;
	struct pair p;

	REQUIRE(tern_tls_config_new(TERN_TLS_SERVER, &t) == 0);
	REQUIRE(tern_tls_config_load_cert_chain(t, pki.chain, pki.key) == 0);
	REQUIRE(tern_quic_config_new(t, &q) == 0);
	REQUIRE(tern_quic_config_set_application_protos(q, other, 1) == 0);
	memset(&p, 0, sizeof(p));
	pair_new(&p);
	tern_quic_conn_free(p.s);
	REQUIRE(tern_quic_accept(SCID, sizeof(SCID), NULL, 0, NULL, 0, NULL, 0, q, cctx, p.now,
				 &p.s) == 0);
	run(&p, both_closed, NULL, 10000 * MS);
	CHECK(tern_quic_conn_local_error(p.s, &e));
	CHECK(!e.is_app && e.error_code == 0x178);
	CHECK(tern_quic_conn_peer_error(p.c, &e));
	CHECK(!e.is_app && e.error_code == 0x178);
	CHECK(!tern_quic_conn_is_established(p.c));
	pair_free(&p);
	tern_quic_config_free(q);
	tern_tls_config_free(t);
}

/* --- protocol violations -------------------------------------------------------- */

/*
 * Put frames in a 1-RTT packet protected with from's keys and hand it to to,
 * bypassing from's state machine: a peer that breaks the rules.
 */
static int
inject(struct pair *p, struct tern_quic_conn *from, struct tern_quic_conn *to,
       const uint8_t *frames, size_t len)
{
	struct conn_space_state *s = &from->sp[SP_APP];
	uint8_t hdr[32], out[1500];
	struct tern_quic_tx_pkt tx;
	uint64_t pn = s->next_pn++;
	size_t hl;

	hdr[0] = (uint8_t)(0x40 | (tern_quic_keys_phase(s->wr) << 2) | 3);
	memcpy(hdr + 1, from->dcid, from->dcid_len);
	hl = 1 + from->dcid_len;
	hdr[hl++] = (uint8_t)(pn >> 24);
	hdr[hl++] = (uint8_t)(pn >> 16);
	hdr[hl++] = (uint8_t)(pn >> 8);
	hdr[hl++] = (uint8_t)pn;
	memset(&tx, 0, sizeof(tx));
	tx.keys = s->wr;
	tx.hdr = hdr;
	tx.hdr_len = hl;
	tx.payload = frames;
	tx.payload_len = len;
	tx.buf = out;
	tx.cap = sizeof(out);
	tx.pn = pn;
	REQUIRE(tern_quic_protect_burst(from->cctx, &tx, 1) == 1);
	return tern_quic_conn_recv(to, out, tx.pkt_len, NULL, p->now);
}

struct violation {
	const char *what;
	uint8_t frames[16];
	size_t len;
	uint64_t code; /* expected transport error; 0x100 = any CRYPTO_ERROR */
};

static void
test_violations(void)
{
	static const struct violation v[] = {
		{"STREAM on the server's unidirectional stream", {0x0a, 0x03, 0x01, 'x'}, 4, 0x05},
		{"STREAM beyond the bidi stream limit", {0x0a, 0x41, 0x90, 0x01, 'x'}, 5, 0x04},
		{"STREAM beyond the stream window",
		 {0x0e, 0x00, 0x80, 0x10, 0x00, 0x00, 0x01, 'x'},
		 8,
		 0x03},
		{"HANDSHAKE_DONE from a client", {0x1e}, 1, 0x0a},
		{"unknown frame type", {0x21, 0x00}, 2, 0x07},
		{"ACK of a packet never sent", {0x02, 0x7f, 0xff, 0x00, 0x00, 0x00}, 6, 0x0a},
		{"final size changed",
		 {0x0b, 0x00, 0x01, 'x', 0x0a, 0x00, 0x02, 'x', 'y'},
		 9,
		 0x06},
		{"packet without frames", {0}, 0, 0x0a},
		{"NEW_TOKEN from a client", {0x07, 0x01, 0xaa}, 3, 0x0a},
		{"RESET_STREAM on a receive-only stream", {0x04, 0x03, 0x00, 0x00}, 4, 0x05},
		{"MAX_STREAM_DATA on a receive-only stream", {0x11, 0x02, 0x44, 0x00}, 4, 0x05},
		{"truncated STREAM frame", {0x0a, 0x00, 0x05, 'x'}, 4, 0x07},
		{"ClientHello after the handshake",
		 {0x06, 0x00, 0x04, 0x01, 0x00, 0x00, 0x00},
		 7,
		 0x100},
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct tern_quic_conn_error e;
		struct pair p;
		int rc;

		pair_new(&p);
		REQUIRE(run(&p, both_established, NULL, 5000 * MS));
		run(&p, NULL, NULL, 100 * MS);
		rc = inject(&p, p.c, p.s, v[i].frames, v[i].len);
		CHECK_EQ(rc, -TERN_EPROTO);
		CHECK(tern_quic_conn_local_error(p.s, &e));
		if (v[i].code == 0x100)
			CHECK(!e.is_app && e.error_code >= 0x100 && e.error_code <= 0x1ff);
		else
			CHECK(!e.is_app && e.error_code == v[i].code);
		if (rc != -TERN_EPROTO || (e.error_code != v[i].code && v[i].code != 0x100))
			fprintf(stderr, "%s: rc %d, error 0x%llx (%.*s)\n", v[i].what, rc,
				(unsigned long long)e.error_code, (int)e.reason_len,
				(const char *)e.reason);
		/* The client hears the same code, then both go away. */
		CHECK(run(&p, both_closed, NULL, 10000 * MS));
		CHECK(tern_quic_conn_peer_error(p.c, &e));
		if (v[i].code == 0x100)
			CHECK(!e.is_app && e.error_code >= 0x100 && e.error_code <= 0x1ff);
		else
			CHECK(!e.is_app && e.error_code == v[i].code);
		pair_free(&p);
	}
}

/* Frames that are legal must not close the connection. */
static void
test_legal_frames(void)
{
	static const uint8_t padding[8] = {0};
	static const uint8_t ping[] = {0x01};
	static const uint8_t challenge[] = {0x1a, 1, 2, 3, 4, 5, 6, 7, 8};
	static const uint8_t max_data[] = {0x10, 0x44, 0x00};
	static const uint8_t new_cid[] = {0x18, 0x01, 0x00, 0x04, 9, 9,	 9,  9,	 1,  2,	 3,  4,
					  5,	6,    7,    8,	  9, 10, 11, 12, 13, 14, 15, 16};
	struct pair p;

	pair_new(&p);
	REQUIRE(run(&p, both_established, NULL, 5000 * MS));
	CHECK(inject(&p, p.c, p.s, padding, sizeof(padding)) >= 0);
	CHECK(inject(&p, p.c, p.s, ping, sizeof(ping)) >= 0);
	CHECK(inject(&p, p.c, p.s, challenge, sizeof(challenge)) >= 0);
	CHECK(inject(&p, p.c, p.s, max_data, sizeof(max_data)) >= 0);
	CHECK(inject(&p, p.s, p.c, new_cid, sizeof(new_cid)) >= 0);
	CHECK(!tern_quic_conn_local_error(p.s, NULL));
	CHECK(!tern_quic_conn_local_error(p.c, NULL));
	run(&p, NULL, NULL, 200 * MS);
	CHECK(!tern_quic_conn_is_closed(p.s) && !tern_quic_conn_is_closed(p.c));
	pair_free(&p);
}

/* NEW_CONNECTION_ID: the limit, Retire Prior To and the switch to a new DCID (RFC 9000 5.1). */
static size_t
new_cid_frame(uint8_t *f, uint8_t seq, uint8_t rpt, uint8_t fill)
{
	size_t n = 0;

	f[n++] = 0x18;
	f[n++] = seq;
	f[n++] = rpt;
	f[n++] = 4;
	memset(f + n, fill, 4);
	n += 4;
	memset(f + n, 0xee, 16);
	return n + 16;
}

static void
test_new_connection_ids(void)
{
	uint8_t f[64], d[MAX_DGRAM];
	struct tern_quic_send_info si;
	struct tern_quic_conn_error e;
	const uint8_t *id;
	struct pair p;
	size_t n;
	int len;

	/* Over the limit of 2 active IDs: CONNECTION_ID_LIMIT_ERROR. */
	pair_new(&p);
	REQUIRE(run(&p, both_established, NULL, 5000 * MS));
	n = new_cid_frame(f, 1, 0, 0xaa);
	CHECK(inject(&p, p.s, p.c, f, n) > 0);
	CHECK(inject(&p, p.s, p.c, f, n) > 0); /* a repeat is fine */
	CHECK(!tern_quic_conn_local_error(p.c, NULL));
	n = new_cid_frame(f, 2, 0, 0xbb);
	CHECK_EQ(inject(&p, p.s, p.c, f, n), -TERN_EPROTO);
	CHECK(tern_quic_conn_local_error(p.c, &e) && e.error_code == 0x09);
	pair_free(&p);

	/* The same sequence number with another ID: PROTOCOL_VIOLATION. */
	pair_new(&p);
	REQUIRE(run(&p, both_established, NULL, 5000 * MS));
	n = new_cid_frame(f, 1, 0, 0xaa);
	CHECK(inject(&p, p.s, p.c, f, n) > 0);
	n = new_cid_frame(f, 1, 0, 0xab);
	CHECK_EQ(inject(&p, p.s, p.c, f, n), -TERN_EPROTO);
	CHECK(tern_quic_conn_local_error(p.c, &e) && e.error_code == 0x0a);
	pair_free(&p);

	/* Retire Prior To 1 retires the ID in use: the client moves to the new one and
	 * sends RETIRE_CONNECTION_ID for sequence number 0. */
	pair_new(&p);
	REQUIRE(run(&p, both_established, NULL, 5000 * MS));
	run(&p, NULL, NULL, 100 * MS);
	n = new_cid_frame(f, 1, 1, 0xcc);
	CHECK(inject(&p, p.s, p.c, f, n) > 0);
	CHECK(!tern_quic_conn_local_error(p.c, NULL));
	CHECK_EQ(tern_quic_conn_destination_id(p.c, &id), 4);
	CHECK(id[0] == 0xcc && id[3] == 0xcc);
	len = tern_quic_conn_send(p.c, d, sizeof(d), &si, p.now);
	REQUIRE(len > 0);
	CHECK((d[0] & 0x80) == 0 && d[1] == 0xcc && d[4] == 0xcc);
	{
		/* Decrypt it as the server would, to see the frame. */
		struct tern_quic_rx_pkt rx;

		memset(&rx, 0, sizeof(rx));
		rx.keys = p.s->sp[SP_APP].rd;
		rx.pkt = d;
		rx.pkt_len = (size_t)len;
		rx.pn_offset = 5;
		rx.largest_pn = -1;
		tern_quic_unprotect_burst(cctx, &rx, 1);
		struct tern_rcursor cur;
		struct tern_quic_frame fr;
		uint64_t err;
		bool retired0 = false;

		CHECK_EQ(rx.status, 0);
		tern_rcursor_init(&cur, rx.payload, rx.status == 0 ? rx.payload_len : 0);
		while (tern_rcursor_left(&cur) > 0 &&
		       tern_quic_frame_parse(&cur, TERN_QUIC_PKT_1RTT, &fr, &err) == 0)
			if (fr.type == TERN_QUIC_FT_RETIRE_CONNECTION_ID && fr.retire_seq == 0)
				retired0 = true;
		CHECK(retired0);
	}
	pair_free(&p);
}

/* A datagram ending in the server's reset token makes the client drain (RFC 9000 10.3). */
static void
test_stateless_reset(void)
{
	uint8_t d[43];
	size_t i;
	struct pair p;

	pair_new(&p);
	REQUIRE(run(&p, both_established, NULL, 5000 * MS));
	for (i = 0; i < sizeof(d); i++)
		d[i] = (uint8_t)rng();
	d[0] = (uint8_t)(0x40 | (d[0] & 0x3f));
	/* Not the token: dropped, nothing happens. */
	CHECK_EQ(tern_quic_conn_recv(p.c, d, sizeof(d), NULL, p.now), (int)sizeof(d));
	CHECK(!tern_quic_conn_is_draining(p.c));
	memcpy(d + sizeof(d) - 16, p.s->reset_token, 16);
	CHECK_EQ(tern_quic_conn_recv(p.c, d, sizeof(d), NULL, p.now), (int)sizeof(d));
	CHECK(tern_quic_conn_is_draining(p.c));
	CHECK(p.c->stateless_reset);
	pair_free(&p);
}

/* tern_quic_stateless_reset(): RFC 9000 10.3 sizes and loop prevention, detected by the peer. */
static void
test_stateless_reset_helper(void)
{
	uint8_t tok[16], out[128], small[30];
	struct pair p;
	int n;

	memset(tok, 0xa5, sizeof(tok));
	/* 21 bytes or less: a reset would be shorter than 21 bytes, so none (10.3.3). */
	CHECK_EQ(tern_quic_stateless_reset(out, sizeof(out), tok, 21), 0);
	CHECK_EQ(tern_quic_stateless_reset(out, sizeof(out), tok, 0), 0);
	/* Always one byte shorter than a small trigger. */
	n = tern_quic_stateless_reset(out, sizeof(out), tok, 22);
	CHECK_EQ(n, 21);
	n = tern_quic_stateless_reset(out, sizeof(out), tok, 43);
	CHECK_EQ(n, 42);
	CHECK_MEM(out + n - 16, tok, 16);
	CHECK_EQ(out[0] & 0xc0, 0x40);
	/* Large triggers get a bounded reset. */
	n = tern_quic_stateless_reset(out, sizeof(out), tok, 1500);
	CHECK(n >= 21 && n < 1500 && (size_t)n <= sizeof(out));
	CHECK_EQ(tern_quic_stateless_reset(small, sizeof(small), tok, 1500), -TERN_ENOBUFS);
	CHECK_EQ(tern_quic_stateless_reset(NULL, 64, tok, 100), -TERN_EINVAL);
	CHECK_EQ(tern_quic_stateless_reset(out, sizeof(out), NULL, 100), -TERN_EINVAL);

	/* The client detects a reset built with the server's token. */
	pair_new(&p);
	REQUIRE(run(&p, both_established, NULL, 5000 * MS));
	n = tern_quic_stateless_reset(out, sizeof(out), p.s->reset_token, 1200);
	REQUIRE(n > 0);
	CHECK_EQ(tern_quic_conn_recv(p.c, out, (size_t)n, NULL, p.now), n);
	CHECK(tern_quic_conn_is_draining(p.c));
	CHECK(p.c->stateless_reset);
	pair_free(&p);
}

/* --- Retry and Version Negotiation -------------------------------------------------- */

static void
test_retry_case(bool bad_odcid)
{
	static const uint8_t token[] = "tern-test-token";
	static const uint8_t new_scid[8] = {0x7e, 0x7e, 0x7e, 0x7e, 1, 1, 1, 1};
	uint8_t d[MAX_DGRAM], r[256], odcid[20];
	struct tern_quic_send_info si;
	struct tern_quic_hdr h;
	struct pair p;
	size_t odcid_len;
	int n, rl;

	memset(&p, 0, sizeof(p));
	pair_new(&p);
	tern_quic_conn_free(p.s);
	p.s = NULL;
	/* First Initial: no token; the "server application" answers with a Retry. */
	n = tern_quic_conn_send(p.c, d, sizeof(d), &si, p.now);
	REQUIRE(n >= 1200);
	REQUIRE(tern_quic_hdr_parse(d, (size_t)n, 8, &h) == 0 && h.type == TERN_QUIC_PKT_INITIAL);
	CHECK_EQ(h.token_len, 0);
	odcid_len = h.dcid_len;
	memcpy(odcid, h.dcid, odcid_len);
	rl = tern_quic_retry(h.scid, h.scid_len, h.dcid, h.dcid_len, new_scid, sizeof(new_scid),
			     token, sizeof(token), TERN_QUIC_V1, cctx, r, sizeof(r));
	REQUIRE(rl > 0);
	/* A Retry with a broken tag is ignored. */
	r[rl - 1] ^= 1;
	CHECK_EQ(tern_quic_conn_recv(p.c, r, (size_t)rl, NULL, p.now), rl);
	CHECK(!p.c->did_retry);
	r[rl - 1] ^= 1;
	CHECK_EQ(tern_quic_conn_recv(p.c, r, (size_t)rl, NULL, p.now), rl);
	CHECK(p.c->did_retry);
	/* A second Retry is ignored (RFC 9000 17.2.5.2). */
	CHECK_EQ(tern_quic_conn_recv(p.c, r, (size_t)rl, NULL, p.now), rl);
	/* The next Initial goes to the new CID with the token. */
	n = tern_quic_conn_send(p.c, d, sizeof(d), &si, p.now);
	REQUIRE(n >= 1200);
	REQUIRE(tern_quic_hdr_parse(d, (size_t)n, 8, &h) == 0 && h.type == TERN_QUIC_PKT_INITIAL);
	CHECK(h.token_len == sizeof(token) && memcmp(h.token, token, sizeof(token)) == 0);
	CHECK(h.dcid_len == sizeof(new_scid) && memcmp(h.dcid, new_scid, sizeof(new_scid)) == 0);
	if (bad_odcid)
		odcid[0] ^= 0xff; /* a server that vouches for the wrong original DCID */
	REQUIRE(tern_quic_accept(new_scid, sizeof(new_scid), odcid, odcid_len, NULL, 0, NULL, 0,
				 scfg, cctx, p.now, &p.s) == 0);
	CHECK_EQ(tern_quic_conn_recv(p.s, d, (size_t)n, NULL, p.now), n);
	/* Transport parameters carry original and retry CIDs; both sides check them. */
	if (!bad_odcid) {
		CHECK(run(&p, both_established, NULL, 5000 * MS));
		CHECK(!tern_quic_conn_local_error(p.c, NULL) &&
		      !tern_quic_conn_local_error(p.s, NULL));
	} else {
		struct tern_quic_conn_error e;

		CHECK(run(&p, both_closed, NULL, 10000 * MS));
		CHECK(tern_quic_conn_local_error(p.c, &e));
		CHECK(!e.is_app && e.error_code == 0x08); /* TRANSPORT_PARAMETER_ERROR (7.3) */
		CHECK(tern_quic_conn_peer_error(p.s, &e) && e.error_code == 0x08);
		CHECK(!tern_quic_conn_is_established(p.c));
	}
	pair_free(&p);
}

static void
test_retry(void)
{
	test_retry_case(false);
	test_retry_case(true);
}

static void
test_version_negotiation(void)
{
	uint8_t d[MAX_DGRAM], vn[128];
	struct tern_quic_send_info si;
	struct tern_quic_conn_error e;
	struct tern_quic_hdr h;
	struct pair p;
	int n, vl;

	pair_new(&p);
	n = tern_quic_conn_send(p.c, d, sizeof(d), &si, p.now);
	REQUIRE(n > 0 && tern_quic_hdr_parse(d, (size_t)n, 8, &h) == 0);
	vl = tern_quic_negotiate_version(h.scid, h.scid_len, h.dcid, h.dcid_len, vn, sizeof(vn));
	REQUIRE(vl > 0);
	/* Lists v1, the client's version: ignored (RFC 9000 6.2). */
	CHECK_EQ(tern_quic_conn_recv(p.c, vn, (size_t)vl, NULL, p.now), vl);
	CHECK(!tern_quic_conn_is_closed(p.c));
	/* Only versions the client does not speak: it gives up. */
	vn[vl - 8] = 0x1a;
	vn[vl - 4] = 0x2a;
	CHECK_EQ(tern_quic_conn_recv(p.c, vn, (size_t)vl, NULL, p.now), vl);
	CHECK(tern_quic_conn_is_closed(p.c));
	CHECK(tern_quic_conn_local_error(p.c, &e) && e.error_code == 0x11);
	pair_free(&p);
}

/* Key update started by the client mid-transfer, with reordering (RFC 9001 6). */
static void
test_key_update(void)
{
	static uint8_t data[400000];
	struct tern_quic_stats ss;
	struct xfer x;
	struct pair p;
	size_t i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + 1);
	memset(&x, 0, sizeof(x));
	x.data = data;
	x.len = sizeof(data);
	x.s_got = malloc(x.len);
	x.c_got = malloc(x.len);
	x.c_uni = malloc(x.len);
	x.ku_at = x.len / 4;
	REQUIRE(x.s_got && x.c_got && x.c_uni);
	rng_state = 77;
	pair_new(&p);
	REQUIRE(run(&p, both_established, NULL, 5000 * MS));
	/* Not before the handshake is confirmed: settle first. */
	run(&p, NULL, NULL, 100 * MS);
	p.c2s.reorder_pct = p.s2c.reorder_pct = 30;
	CHECK(run(&p, xfer_step, &x, 60000 * MS));
	if (!x.ku_done || x.c_got_len != x.len)
		fprintf(stderr,
			"key update: stalled: c_sent %zu s_got %zu echoed %zu c_got %zu uni "
			"%zu/%zu\n",
			x.c_sent, x.s_got_len, x.s_echoed, x.c_got_len, x.uni_sent, x.c_uni_len);
	CHECK(x.ku_done && x.ku_rc == 0 && x.ku_rc2 == TERN_QUIC_DONE);
	CHECK(x.c_got_len == x.len && memcmp(x.c_got, data, x.len) == 0);
	CHECK(x.c_uni_len == x.len && memcmp(x.c_uni, data, x.len) == 0);
	CHECK(x.s_got_len == x.len && memcmp(x.s_got, data, x.len) == 0);
	/* Both sides moved to generation 1 in both directions. */
	CHECK_EQ(tern_quic_keys_generation(p.c->sp[SP_APP].wr), 1);
	CHECK_EQ(tern_quic_keys_generation(p.s->sp[SP_APP].wr), 1);
	CHECK_EQ(tern_quic_keys_generation(p.s->sp[SP_APP].rd), 1);
	CHECK_EQ(tern_quic_keys_generation(p.c->sp[SP_APP].rd), 1);
	tern_quic_conn_stats(p.s, &ss);
	CHECK_EQ(ss.key_updates, 1);
	tern_quic_conn_stats(p.c, &ss);
	CHECK_EQ(ss.key_updates, 1);
	CHECK(!tern_quic_conn_local_error(p.c, NULL) && !tern_quic_conn_local_error(p.s, NULL));
	pair_free(&p);
	free(x.s_got);
	free(x.c_got);
	free(x.c_uni);
}

/* A packet of the old key phase that arrives after the new one is still read (RFC 9001 6.5). */
static void
test_key_update_late_packet(void)
{
	static const uint8_t a[] = "before the update", b[] = "after the update";
	uint8_t held[MAX_DGRAM], got[64];
	struct tern_quic_send_info si;
	size_t got_len = 0;
	bool fin = false;
	struct pair p;
	int n, m;

	pair_new(&p);
	REQUIRE(run(&p, both_established, NULL, 5000 * MS));
	run(&p, NULL, NULL, 100 * MS);
	REQUIRE(tern_quic_conn_stream_send(p.c, 0, a, sizeof(a) - 1, false) > 0);
	n = tern_quic_conn_send(p.c, held, sizeof(held), &si, p.now); /* old phase, held back */
	REQUIRE(n > 0);
	CHECK_EQ(tern_quic_conn_update_keys(p.c), 0);
	REQUIRE(tern_quic_conn_stream_send(p.c, 0, b, sizeof(b) - 1, true) > 0);
	flush(&p, p.c, &p.c2s);
	p.now += DELAY;
	link_deliver(&p, &p.c2s, p.s, true); /* new phase: the server rolls its keys */
	CHECK_EQ(tern_quic_keys_generation(p.s->sp[SP_APP].rd), 1);
	m = tern_quic_conn_recv(p.s, held, (size_t)n, NULL, p.now);
	CHECK_EQ(m, n);
	CHECK_EQ(p.s->prev_key_pkts, 1);
	drain_stream(p.s, 0, got, sizeof(got), &got_len, &fin);
	CHECK(fin && got_len == sizeof(a) + sizeof(b) - 2);
	CHECK(memcmp(got, a, sizeof(a) - 1) == 0 &&
	      memcmp(got + sizeof(a) - 1, b, sizeof(b) - 1) == 0);
	pair_free(&p);
}

/* Resumption: the second connection resumes the first one's session (PSK + ECDHE). */
static void
test_resumption(void)
{
	uint8_t sess[4096];
	const uint8_t *sp;
	size_t len;
	struct pair p;

	pair_new(&p);
	REQUIRE(run(&p, both_established, NULL, 5000 * MS));
	run(&p, NULL, NULL, 200 * MS); /* the tickets come after the handshake */
	CHECK(!tern_quic_conn_is_resumed(p.c) && !tern_quic_conn_is_resumed(p.s));
	len = tern_quic_conn_session(p.c, &sp);
	CHECK(len > 0 && len <= sizeof(sess));
	if (len > sizeof(sess))
		len = 0;
	memcpy(sess, sp, len);
	CHECK_EQ(tern_quic_conn_set_session(p.c, sess, len), -TERN_EINVAL); /* started */
	CHECK_EQ(tern_quic_conn_set_session(p.s, sess, len), -TERN_EINVAL); /* server */
	pair_free(&p);

	pair_new(&p);
	CHECK_EQ(tern_quic_conn_set_session(p.c, sess, len), 0);
	CHECK(run(&p, both_established, NULL, 5000 * MS));
	CHECK(tern_quic_conn_is_resumed(p.c));
	CHECK(tern_quic_conn_is_resumed(p.s));
	CHECK(!tern_quic_conn_local_error(p.c, NULL) && !tern_quic_conn_local_error(p.s, NULL));
	pair_free(&p);
}

/* 0-RTT: a resumed client sends stream data before the handshake completes. */
struct zrtt {
	uint8_t msg[3000];
	uint8_t got[3000];
	size_t got_len, echoed;
	uint8_t sgot[3000];
	size_t sgot_len;
	bool sfin, cfin, fin_sent;
};

static bool
zrtt_step(struct pair *p, void *arg)
{
	struct zrtt *z = arg;

	drain_stream(p->s, 0, z->sgot, sizeof(z->sgot), &z->sgot_len, &z->sfin);
	if (!z->fin_sent && z->sfin) {
		long n = tern_quic_conn_stream_send(p->s, 0, z->sgot, z->sgot_len, true);

		if (n == (long)z->sgot_len)
			z->fin_sent = true;
	}
	drain_stream(p->c, 0, z->got, sizeof(z->got), &z->got_len, &z->cfin);
	/* The echo may come back in 0.5-RTT, before the server has the client's Finished. */
	return z->cfin && both_established(p, NULL);
}

static void
test_zero_rtt(bool reject)
{
	struct tern_tls_config *st, *ct;
	struct tern_quic_config *sc, *cc;
	const char *alpn[] = {"tern-test"};
	uint8_t sess[4096], d[MAX_DGRAM];
	struct tern_quic_send_info si;
	struct tern_quic_hdr h[4];
	const uint8_t *sp;
	struct zrtt z;
	struct pair p;
	size_t len, i;
	bool saw_0rtt = false;
	int n, k;

	REQUIRE(tern_tls_config_new(TERN_TLS_SERVER, &st) == 0);
	REQUIRE(tern_tls_config_load_cert_chain(st, pki.chain, pki.key) == 0);
	REQUIRE(tern_tls_config_new(TERN_TLS_CLIENT, &ct) == 0);
	REQUIRE(tern_tls_config_load_ca_file(ct, pki.ca) == 0);
	REQUIRE(tern_quic_config_new(st, &sc) == 0 && tern_quic_config_new(ct, &cc) == 0);
	REQUIRE(tern_quic_config_set_application_protos(sc, alpn, 1) == 0);
	REQUIRE(tern_quic_config_set_application_protos(cc, alpn, 1) == 0);
	CHECK_EQ(tern_quic_config_enable_early_data(sc), 0);
	CHECK_EQ(tern_quic_config_enable_early_data(cc), 0);

	pair_new_cfg(&p, cc, sc);
	REQUIRE(run(&p, both_established, NULL, 5000 * MS));
	run(&p, NULL, NULL, 200 * MS);
	len = tern_quic_conn_session(p.c, &sp);
	REQUIRE(len > 0 && len <= sizeof(sess));
	memcpy(sess, sp, len);
	pair_free(&p);
	if (reject)
		REQUIRE(tern_tls_config_set_reject_early_data(st, true) == 0);

	memset(&z, 0, sizeof(z));
	for (i = 0; i < sizeof(z.msg); i++)
		z.msg[i] = (uint8_t)(i * 3 + 7);
	pair_new_cfg(&p, cc, sc);
	CHECK(!tern_quic_conn_is_in_early_data(p.c));
	CHECK_EQ(tern_quic_conn_stream_send(p.c, 0, z.msg, 10, false), TERN_QUIC_DONE);
	CHECK_EQ(tern_quic_conn_set_session(p.c, sess, len), 0);
	/* Data before any packet went out: it rides in 0-RTT packets. */
	CHECK_EQ(tern_quic_conn_stream_send(p.c, 0, z.msg, sizeof(z.msg), true),
		 (long)sizeof(z.msg));
	n = tern_quic_conn_send(p.c, d, sizeof(d), &si, p.now);
	REQUIRE(n > 0);
	CHECK(tern_quic_conn_is_in_early_data(p.c));
	k = tern_quic_datagram_split(d, (size_t)n, 8, h, 4);
	for (i = 0; k > 0 && i < (size_t)k; i++)
		if (h[i].type == TERN_QUIC_PKT_0RTT)
			saw_0rtt = true;
	CHECK(saw_0rtt);
	link_push(&p.c2s, d, (size_t)n, p.now + DELAY);
	if (!reject) {
		/* The server reads the data before its handshake completes. */
		p.now += DELAY;
		link_deliver(&p, &p.c2s, p.s, true);
		flush(&p, p.c, &p.c2s);
		p.now += 1;
		link_deliver(&p, &p.c2s, p.s, true);
		CHECK(!tern_quic_conn_is_established(p.s));
		CHECK(tern_quic_conn_stream_readable(p.s, 0));
	}
	CHECK(run(&p, zrtt_step, &z, 10000 * MS));
	CHECK(z.sgot_len == sizeof(z.msg) && memcmp(z.sgot, z.msg, sizeof(z.msg)) == 0);
	CHECK(z.got_len == sizeof(z.msg) && memcmp(z.got, z.msg, sizeof(z.msg)) == 0);
	CHECK(tern_quic_conn_is_resumed(p.c) && tern_quic_conn_is_resumed(p.s));
	CHECK_EQ(tern_hs_is_early_data_accepted(p.s->hs), !reject);
	CHECK(!tern_quic_conn_is_in_early_data(p.c));
	CHECK(!tern_quic_conn_local_error(p.c, NULL) && !tern_quic_conn_local_error(p.s, NULL));
	pair_free(&p);
	tern_quic_config_free(sc);
	tern_quic_config_free(cc);
	tern_tls_config_free(st);
	tern_tls_config_free(ct);
}

int
main(int argc, char **argv)
{
	int rc = quic_test_ctx(argc, argv, "quic_conn", &cctx);

	if (rc != 0)
		return rc;
	hs_test_make_pki(&pki, "quic", "EC-P256", -3600, 86400);
	configs_new();
	test_handshake();
	test_transfer("transfer", 300000, 0, 0, 1);
	test_transfer("transfer-loss5", 200000, 5, 5, 2);
	test_transfer("transfer-loss10-reorder", 200000, 10, 20, 3);
	tern_quic_config_set_cc_algorithm(ccfg, TERN_QUIC_CC_NEWRENO);
	tern_quic_config_set_cc_algorithm(scfg, TERN_QUIC_CC_NEWRENO);
	test_transfer("transfer-loss5-newreno", 200000, 5, 5, 4);
	tern_quic_config_set_cc_algorithm(ccfg, TERN_QUIC_CC_CUBIC);
	tern_quic_config_set_cc_algorithm(scfg, TERN_QUIC_CC_CUBIC);
	test_stream_shutdown();
	test_many_streams();
	test_close();
	test_close_in_handshake();
	test_idle_timeout();
	test_amplification();
	test_malformed();
	test_alpn_mismatch();
	test_violations();
	test_legal_frames();
	test_stateless_reset();
	test_stateless_reset_helper();
	test_new_connection_ids();
	test_key_update();
	test_key_update_late_packet();
	test_retry();
	test_resumption();
	test_zero_rtt(false);
	test_zero_rtt(true);
	test_version_negotiation();
	configs_free();
	tern_crypto_ctx_free(cctx);
	return tern_test_done("quic_conn");
}
