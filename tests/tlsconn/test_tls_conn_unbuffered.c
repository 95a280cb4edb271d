/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unbuffered connection API (include/tern/tls.h), tern client <-> tern
 * server in memory: the caller owns every buffer; records are decrypted in
 * place; handshake, 1 MB each way, key update both ways, close_notify,
 * sticky errors.
 */

#include <stdlib.h>
#include <string.h>

#include <tern/tls.h>

#include "control/hs_test_util.h"
#include "tern_test.h"

struct side {
	struct tern_tls_conn *conn;
	uint8_t *in; /* TLS bytes received, not yet discarded */
	size_t in_len, in_cap;
	uint8_t *app; /* application data received */
	size_t app_len, app_cap;
	unsigned states[8];
	int last_rc;
	enum tern_tls_unbuffered_state last;
};

static void
append(uint8_t **p, size_t *len, size_t *cap, const uint8_t *d, size_t n)
{
	if (*len + n > *cap) {
		*cap = (*len + n) * 2 + 4096;
		*p = realloc(*p, *cap);
		REQUIRE(*p != NULL);
	}
	memcpy(*p + *len, d, n);
	*len += n;
}

/* Run one side until it is blocked; returns whether it did anything. */
static bool
step(struct side *s, struct side *peer)
{
	static uint8_t enc[1 << 17];
	struct tern_tls_unbuffered_status st;
	bool did = false;
	ssize_t n;
	int i;

	for (i = 0; i < 1000; i++) {
		s->last_rc = tern_tls_conn_process_tls_records(s->conn, s->in, s->in_len, &st);
		if (s->last_rc != 0)
			return did;
		s->last = st.state;
		s->states[st.state]++;
		switch (st.state) {
		case TERN_TLS_UB_ENCODE_TLS_DATA:
			/* Too small first: the caller learns the size it needs. */
			if (st.needed > 1)
				CHECK_EQ(tern_tls_conn_encode_tls_data(s->conn, enc, 1),
					 -TERN_ENOBUFS);
			n = tern_tls_conn_encode_tls_data(s->conn, enc, sizeof(enc));
			CHECK_EQ((size_t)n, st.needed);
			if (n > 0)
				append(&peer->in, &peer->in_len, &peer->in_cap, enc, (size_t)n);
			break;
		case TERN_TLS_UB_TRANSMIT_TLS_DATA:
			tern_tls_conn_transmit_done(s->conn);
			break;
		case TERN_TLS_UB_READ_TRAFFIC:
			/* The plaintext lies inside our own buffer: decrypted in place. */
			CHECK(st.data >= s->in && st.data + st.data_len <= s->in + s->in_len);
			append(&s->app, &s->app_len, &s->app_cap, st.data, st.data_len);
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

static ssize_t
send_app(struct side *s, struct side *peer, const uint8_t *d, size_t n)
{
	static uint8_t out[1 << 21];
	size_t need = tern_tls_conn_encrypted_len(s->conn, n);
	ssize_t w;

	if (need > 10)
		CHECK_EQ(tern_tls_conn_encrypt(s->conn, d, n, out, need - 1), -TERN_ENOBUFS);
	w = tern_tls_conn_encrypt(s->conn, d, n, out, sizeof(out));
	if (w > 0) {
		CHECK_EQ((size_t)w, need);
		append(&peer->in, &peer->in_len, &peer->in_cap, out, (size_t)w);
	}
	return w;
}

static void
side_free(struct side *s)
{
	tern_tls_conn_free(s->conn);
	free(s->in);
	free(s->app);
}

int
main(void)
{
	struct tern_tls_config *scfg, *ccfg;
	const size_t total = 1u << 20;
	struct side c = {0}, s = {0};
	uint8_t ekm_c[16], ekm_s[16];
	uint64_t ku_s, ku_r;
	struct hs_test_pki pki;
	uint8_t *data;
	size_t i;

	hs_test_make_pki(&pki, "ub", "EC-P256", -3600, 86400);
	REQUIRE(tern_tls_config_new(TERN_TLS_SERVER, &scfg) == 0);
	REQUIRE(tern_tls_config_load_cert_chain(scfg, pki.chain, pki.key) == 0);
	REQUIRE(tern_tls_config_new(TERN_TLS_CLIENT, &ccfg) == 0);
	REQUIRE(tern_tls_config_load_ca_file(ccfg, pki.ca) == 0);
	REQUIRE(tern_tls_conn_new(ccfg, "localhost", NULL, &c.conn) == 0);
	REQUIRE(tern_tls_conn_new(scfg, NULL, NULL, &s.conn) == 0);
	data = malloc(total);
	REQUIRE(data != NULL);
	for (i = 0; i < total; i++)
		data[i] = (uint8_t)(i ^ (i >> 8));

	/* Handshake. */
	CHECK_EQ(tern_tls_conn_encrypt(c.conn, "x", 1, data, 100), -TERN_EAGAIN);
	run(&c, &s);
	CHECK(!tern_tls_conn_is_handshaking(c.conn));
	CHECK(!tern_tls_conn_is_handshaking(s.conn));
	CHECK(c.states[TERN_TLS_UB_BLOCKED_HANDSHAKE] > 0);
	CHECK(s.states[TERN_TLS_UB_ENCODE_TLS_DATA] > 0);
	CHECK(s.states[TERN_TLS_UB_TRANSMIT_TLS_DATA] > 0);
	CHECK_EQ(c.last, TERN_TLS_UB_WRITE_TRAFFIC);
	CHECK_EQ(s.last, TERN_TLS_UB_WRITE_TRAFFIC);
	CHECK_EQ(
		tern_tls_conn_export_keying_material(c.conn, "EXPERIMENTAL ub", NULL, 0, ekm_c, 16),
		0);
	CHECK_EQ(
		tern_tls_conn_export_keying_material(s.conn, "EXPERIMENTAL ub", NULL, 0, ekm_s, 16),
		0);
	CHECK_MEM(ekm_c, ekm_s, 16);

	/* 1 MB each way: one big encrypt from the client, 64 KiB pieces from the server. */
	CHECK(send_app(&c, &s, data, total) > (ssize_t)total);
	for (i = 0; i < total; i += 65536)
		CHECK(send_app(&s, &c, data + i, 65536) > 65536);
	run(&c, &s);
	CHECK_EQ(s.app_len, total);
	CHECK_EQ(c.app_len, total);
	CHECK(s.app_len == total && memcmp(s.app, data, total) == 0);
	CHECK(c.app_len == total && memcmp(c.app, data, total) == 0);
	CHECK(s.states[TERN_TLS_UB_READ_TRAFFIC] >= 64);

	/* Key update both ways; data keeps flowing. */
	CHECK_EQ(tern_tls_conn_request_key_update(c.conn), 0);
	run(&c, &s);
	CHECK_EQ(tern_tls_conn_request_key_update(s.conn), 0);
	run(&c, &s);
	s.app_len = c.app_len = 0;
	CHECK(send_app(&c, &s, (const uint8_t *)"ping", 4) > 4);
	CHECK(send_app(&s, &c, (const uint8_t *)"pong", 4) > 4);
	run(&c, &s);
	CHECK(s.app_len == 4 && memcmp(s.app, "ping", 4) == 0);
	CHECK(c.app_len == 4 && memcmp(c.app, "pong", 4) == 0);
	tern_tls_conn_key_updates(c.conn, &ku_s, &ku_r);
	CHECK_EQ(ku_s, 2);
	CHECK_EQ(ku_r, 2);

	/* close_notify from the client: the server sees PeerClosed, answers, both Closed. */
	CHECK_EQ(tern_tls_conn_send_close_notify(c.conn), 0);
	CHECK_EQ(tern_tls_conn_encrypt(c.conn, "x", 1, data, 100), -TERN_EINVAL);
	run(&c, &s);
	CHECK_EQ(s.last, TERN_TLS_UB_PEER_CLOSED);
	CHECK(send_app(&s, &c, (const uint8_t *)"last", 4) > 4);
	CHECK_EQ(tern_tls_conn_send_close_notify(s.conn), 0);
	run(&c, &s);
	CHECK_EQ(s.last, TERN_TLS_UB_CLOSED);
	CHECK_EQ(c.last, TERN_TLS_UB_CLOSED);
	CHECK(c.app_len >= 8 && memcmp(c.app + c.app_len - 4, "last", 4) == 0);
	side_free(&c);
	side_free(&s);

	/* A corrupted record: the alert is encoded first, then the sticky error. */
	memset(&c, 0, sizeof(c));
	memset(&s, 0, sizeof(s));
	REQUIRE(tern_tls_conn_new(ccfg, "localhost", NULL, &c.conn) == 0);
	REQUIRE(tern_tls_conn_new(scfg, NULL, NULL, &s.conn) == 0);
	run(&c, &s);
	CHECK(send_app(&c, &s, (const uint8_t *)"hello", 5) > 5);
	s.in[s.in_len - 1] ^= 0x80;
	step(&s, &c);
	CHECK_EQ(s.last_rc, -TERN_EBADMSG);
	CHECK(s.states[TERN_TLS_UB_READ_TRAFFIC] == 0);
	step(&c, &s);
	CHECK_EQ(c.last_rc, -TERN_EPROTO);
	{
		enum tern_tls_alert recv;

		CHECK_EQ(tern_tls_conn_error(c.conn, NULL, &recv), -TERN_EPROTO);
		CHECK_EQ(recv, TERN_TLS_ALERT_BAD_RECORD_MAC);
	}
	CHECK_EQ(tern_tls_conn_encrypt(s.conn, "x", 1, data, 100), -TERN_EBADMSG);
	side_free(&c);
	side_free(&s);

	free(data);
	tern_tls_config_free(scfg);
	tern_tls_config_free(ccfg);
	return tern_test_done("tls_conn_unbuffered");
}
