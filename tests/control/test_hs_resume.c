/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Resumption in the handshake engine, tern client against tern server in
 * memory: stateless tickets (NewSessionTicket after the handshake, the
 * client's on_session), PSK with (EC)DHE, binders (also after a
 * HelloRetryRequest), application resumption data, ticket lifetime, key
 * rotation and the failures: bad binder (decrypt_error), expired ticket,
 * unknown ticket key (full handshake), pre_shared_key not last and PSK
 * without psk_key_exchange_modes.
 */

#include "control/tls/hs_msg.h"
#include "hs_test_util.h"

#define MAX_SESS 8

struct peer {
	struct tern_hs *hs;
	uint8_t q[TERN_HS_LEVEL_COUNT][65536];
	size_t qlen[TERN_HS_LEVEL_COUNT];
	uint8_t secret[TERN_HS_LEVEL_COUNT][2][48];
	size_t secret_len[TERN_HS_LEVEL_COUNT][2];
	unsigned secret_events[TERN_HS_LEVEL_COUNT][2];
	int complete;
	uint8_t sess[MAX_SESS][4096];
	size_t sess_len[MAX_SESS];
	unsigned n_sess;
};

static int
cb_send(void *user, enum tern_hs_level level, const uint8_t *data, size_t len)
{
	struct peer *p = user;

	REQUIRE(p->qlen[level] + len <= sizeof(p->q[level]));
	memcpy(p->q[level] + p->qlen[level], data, len);
	p->qlen[level] += len;
	return 0;
}

static int
cb_secret(void *user, enum tern_hs_level level, enum tern_hs_direction dir,
	  const struct tern_tls13_suite *suite, const uint8_t *secret, size_t len)
{
	struct peer *p = user;

	REQUIRE(len == suite->hash_len && len <= 48);
	memcpy(p->secret[level][dir], secret, len);
	p->secret_len[level][dir] = len;
	p->secret_events[level][dir]++;
	return 0;
}

static void
cb_complete(void *user)
{
	((struct peer *)user)->complete++;
}

static void
cb_session(void *user, const uint8_t *s, size_t len)
{
	struct peer *p = user;

	REQUIRE(len <= sizeof(p->sess[0]));
	if (p->n_sess == MAX_SESS)
		return;
	memcpy(p->sess[p->n_sess], s, len);
	p->sess_len[p->n_sess++] = len;
}

static const struct tern_hs_callbacks cbs = {.send = cb_send,
					     .on_secret = cb_secret,
					     .on_complete = cb_complete,
					     .on_session = cb_session};

static int
pump(struct peer *c, struct peer *s)
{
	struct peer *from[2] = {c, s}, *to[2] = {s, c};
	int moved = 1, rc, i, l;

	while (moved) {
		moved = 0;
		for (i = 0; i < 2; i++)
			for (l = 0; l < TERN_HS_LEVEL_COUNT; l++) {
				if (from[i]->qlen[l] == 0)
					continue;
				rc = tern_hs_recv(to[i]->hs, (enum tern_hs_level)l, from[i]->q[l],
						  from[i]->qlen[l]);
				from[i]->qlen[l] = 0;
				moved = 1;
				if (rc != 0)
					return rc;
			}
	}
	return 0;
}

/* Injected clocks (ms since the epoch), one per side. */
static uint64_t c_now = 1700000000000ull, s_now = 1700000000000ull;

static uint64_t
clock_fn(void *arg)
{
	return *(uint64_t *)arg;
}

static struct tern_tls_config *ccfg, *scfg;
static struct peer C, S;

static void
new_configs(const struct hs_test_pki *pki)
{
	tern_tls_config_free(ccfg);
	tern_tls_config_free(scfg);
	REQUIRE(tern_tls_config_new(TERN_TLS_CLIENT, &ccfg) == 0);
	REQUIRE(tern_tls_config_new(TERN_TLS_SERVER, &scfg) == 0);
	REQUIRE(tern_tls_config_load_cert_chain(scfg, pki->chain, pki->key) == 0);
	REQUIRE(tern_tls_config_load_ca_file(ccfg, pki->ca) == 0);
	REQUIRE(tern_tls_config_set_clock(ccfg, clock_fn, &c_now) == 0);
	REQUIRE(tern_tls_config_set_clock(scfg, clock_fn, &s_now) == 0);
}

/* Fresh handshakes; the client offers session (NULL: none) and sends its hello. */
static void
setup(const uint8_t *sess, size_t sess_len, const char *name)
{
	tern_hs_free(C.hs);
	tern_hs_free(S.hs);
	memset(&C, 0, sizeof(C));
	memset(&S, 0, sizeof(S));
	REQUIRE(tern_hs_new(ccfg, &cbs, &C, &C.hs) == 0);
	REQUIRE(tern_hs_new(scfg, &cbs, &S, &S.hs) == 0);
	REQUIRE(tern_hs_set_server_name(C.hs, name != NULL ? name : "localhost") == 0);
	if (sess != NULL)
		REQUIRE(tern_hs_set_session(C.hs, sess, sess_len) == 0);
	REQUIRE(tern_hs_start(C.hs) == 0);
}

/* Both complete, every secret agrees; resumed as expected on both sides. */
static void
check_complete(bool resumed)
{
	int l, d;

	CHECK(tern_hs_is_complete(C.hs));
	CHECK(tern_hs_is_complete(S.hs));
	CHECK_EQ(C.complete, 1);
	CHECK_EQ(S.complete, 1);
	CHECK_EQ(tern_hs_is_resumed(C.hs), resumed);
	CHECK_EQ(tern_hs_is_resumed(S.hs), resumed);
	for (l = TERN_HS_LEVEL_HANDSHAKE; l <= TERN_HS_LEVEL_APPLICATION; l++)
		for (d = 0; d < 2; d++) {
			CHECK_EQ(C.secret_events[l][d], 1);
			CHECK_EQ(C.secret_len[l][d], S.secret_len[l][!d]);
			CHECK_MEM(C.secret[l][d], S.secret[l][!d], C.secret_len[l][d]);
		}
	/* A resumed server sends no certificate, so the client saw no signature. */
	CHECK_EQ(tern_hs_sigalg(C.hs) == 0, resumed);
}

static void
check_failed(struct tern_hs *hs, enum tern_tls_alert alert, const char *words)
{
	CHECK_EQ(tern_hs_error(hs), -TERN_EPROTO);
	CHECK_EQ(tern_hs_alert(hs), alert);
	if (words != NULL && strstr(tern_hs_error_string(hs), words) == NULL) {
		fprintf(stderr, "error string \"%s\" lacks \"%s\"\n", tern_hs_error_string(hs),
			words);
		CHECK(0);
	}
	CHECK(!tern_hs_is_complete(hs));
}

/* A full handshake that leaves the client's sessions in sess[]. */
static unsigned
full_handshake(uint8_t sess[][4096], size_t *lens)
{
	unsigned i, n;

	setup(NULL, 0, NULL);
	REQUIRE(tern_hs_set_resumption_data(S.hs, (const uint8_t *)"user-42", 7) == 0);
	CHECK_EQ(pump(&C, &S), 0);
	check_complete(false);
	n = C.n_sess;
	for (i = 0; i < n; i++) {
		memcpy(sess[i], C.sess[i], C.sess_len[i]);
		lens[i] = C.sess_len[i];
	}
	return n;
}

static uint8_t saved[MAX_SESS][4096];
static size_t saved_len[MAX_SESS];

static void
test_resume(const struct hs_test_pki *pki)
{
	static const uint16_t x25519[] = {TERN_TLS_GROUP_X25519},
			      p256[] = {TERN_TLS_GROUP_SECP256R1};
	static const uint16_t s256[] = {0x1302}, both[] = {0x1301, 0x1302};
	const uint8_t *data;
	unsigned n;

	new_configs(pki);
	n = full_handshake(saved, saved_len);
	/* The default: two tickets, distinct. */
	CHECK_EQ(n, 2);
	CHECK(saved_len[0] != saved_len[1] || memcmp(saved[0], saved[1], saved_len[0]) != 0);
	CHECK_EQ(tern_hs_received_resumption_data(S.hs, &data), 0);

	/* Resumption: no certificate, the data comes back, new tickets arrive. */
	setup(saved[0], saved_len[0], NULL);
	CHECK_EQ(pump(&C, &S), 0);
	check_complete(true);
	CHECK_EQ(tern_hs_received_resumption_data(S.hs, &data), 7);
	CHECK_MEM(data, "user-42", 7);
	CHECK_EQ(C.n_sess, 2);
	CHECK_EQ(tern_hs_cipher_suite(C.hs)->id, 0x1301);

	/* The second ticket works too, and the tickets of a resumed handshake. */
	setup(saved[1], saved_len[1], NULL);
	CHECK_EQ(pump(&C, &S), 0);
	check_complete(true);
	memcpy(saved[2], C.sess[0], C.sess_len[0]);
	saved_len[2] = C.sess_len[0];
	setup(saved[2], saved_len[2], NULL);
	CHECK_EQ(pump(&C, &S), 0);
	check_complete(true);
	/* Those carry the data the resumed handshake set: none. */
	CHECK_EQ(tern_hs_received_resumption_data(S.hs, &data), 0);

	/* Another server name: the client does not offer the session. */
	setup(saved[0], saved_len[0], "tern.test");
	CHECK_EQ(pump(&C, &S), 0);
	check_complete(false);

	/* Resumption through a HelloRetryRequest: the binder covers CH1 + HRR. */
	REQUIRE(tern_tls_config_set_groups(
			ccfg, (const uint16_t[]){TERN_TLS_GROUP_X25519, TERN_TLS_GROUP_SECP256R1},
			2) == 0);
	REQUIRE(tern_tls_config_set_groups(scfg, p256, 1) == 0);
	setup(saved[0], saved_len[0], NULL);
	CHECK_EQ(pump(&C, &S), 0);
	check_complete(true);
	CHECK(tern_hs_did_hrr(C.hs));
	CHECK(tern_hs_did_hrr(S.hs));
	REQUIRE(tern_tls_config_set_groups(scfg, x25519, 1) == 0);

	/* A SHA-384 ticket with a client offering both suites: the server takes the ticket's. */
	REQUIRE(tern_tls_config_set_cipher_suites(scfg, s256, 1) == 0);
	n = full_handshake(saved, saved_len);
	CHECK_EQ(n, 2);
	REQUIRE(tern_tls_config_set_cipher_suites(scfg, both, 2) == 0);
	REQUIRE(tern_tls_config_set_cipher_suites(ccfg, both, 2) == 0);
	setup(saved[0], saved_len[0], NULL);
	CHECK_EQ(pump(&C, &S), 0);
	check_complete(true);
	CHECK_EQ(tern_hs_cipher_suite(S.hs)->id, 0x1302);
	CHECK_EQ(C.secret_len[3][0], 48);
	/* A client no longer configured for the session's suite does not offer it. */
	REQUIRE(tern_tls_config_set_cipher_suites(ccfg, both, 1) == 0);
	setup(saved[1], saved_len[1], NULL);
	CHECK_EQ(pump(&C, &S), 0);
	check_complete(false);
}

static void
test_lifetime_and_keys(const struct hs_test_pki *pki)
{
	static const uint8_t secret_a[32] = {1}, secret_b[32] = {2};
	unsigned n;

	new_configs(pki);
	REQUIRE(tern_tls_config_set_ticket_lifetime(scfg, 0) == -TERN_ERANGE);
	REQUIRE(tern_tls_config_set_ticket_lifetime(scfg, 604801) == -TERN_ERANGE);
	REQUIRE(tern_tls_config_set_ticket_key(scfg, NULL, 59) == -TERN_ERANGE);
	REQUIRE(tern_tls_config_set_session_tickets(scfg, 9) == -TERN_ERANGE);
	REQUIRE(tern_tls_config_set_ticket_lifetime(scfg, 86400) == 0);
	REQUIRE(tern_tls_config_set_ticket_key(scfg, secret_a, 3600) == 0);
	REQUIRE(tern_tls_config_set_session_tickets(scfg, 3) == 0);
	s_now = c_now = 1700000000000ull - 1700000000000ull % 3600000u; /* epoch start */
	n = full_handshake(saved, saved_len);
	CHECK_EQ(n, 3);

	/* One rotation later the previous key still opens it. */
	s_now += 3600 * 1000u + 5;
	c_now = s_now;
	setup(saved[0], saved_len[0], NULL);
	CHECK_EQ(pump(&C, &S), 0);
	check_complete(true);
	/* Two rotations later the key is gone: full handshake. */
	s_now += 3600 * 1000u;
	c_now = s_now;
	setup(saved[1], saved_len[1], NULL);
	CHECK_EQ(pump(&C, &S), 0);
	check_complete(false);

	/* Another server secret (unknown ticket key): full handshake. */
	s_now = c_now = 1700000000000ull;
	n = full_handshake(saved, saved_len);
	REQUIRE(tern_tls_config_set_ticket_key(scfg, secret_b, 0) == 0);
	setup(saved[0], saved_len[0], NULL);
	CHECK_EQ(pump(&C, &S), 0);
	check_complete(false);
	/* Back to secret a: servers sharing a secret share tickets. */
	REQUIRE(tern_tls_config_set_ticket_key(scfg, secret_a, 0) == 0);
	setup(saved[1], saved_len[1], NULL);
	CHECK_EQ(pump(&C, &S), 0);
	check_complete(true);

	/* Expired at the server (its clock is ahead of the client's): full handshake. */
	REQUIRE(tern_tls_config_set_ticket_lifetime(scfg, 600) == 0);
	REQUIRE(tern_tls_config_set_ticket_key(scfg, NULL, 86400) == 0);
	n = full_handshake(saved, saved_len);
	CHECK(n > 0);
	s_now += 601 * 1000u;
	setup(saved[0], saved_len[0], NULL);
	CHECK_EQ(pump(&C, &S), 0);
	check_complete(false);
	/* Expired at the client: not even offered. */
	c_now = s_now;
	setup(saved[1], saved_len[1], NULL);
	CHECK_EQ(pump(&C, &S), 0);
	check_complete(false);

	/* No tickets configured: no sessions. */
	REQUIRE(tern_tls_config_set_session_tickets(scfg, 0) == 0);
	n = full_handshake(saved, saved_len);
	CHECK_EQ(n, 0);
	CHECK_EQ(S.qlen[TERN_HS_LEVEL_APPLICATION], 0);
}

/* 0-RTT: accepted, replayed (rejected), rejected by config, age, HRR, full register. */
static void
test_early_data(const struct hs_test_pki *pki)
{
	static const uint16_t p256[] = {TERN_TLS_GROUP_SECP256R1};
	unsigned n;

	new_configs(pki);
	s_now = c_now = 1700000000000ull;
	REQUIRE(tern_tls_config_set_early_data(scfg, true) == -TERN_EINVAL);
	REQUIRE(tern_tls_config_set_max_early_data(ccfg, 1) == -TERN_EINVAL);
	REQUIRE(tern_tls_config_set_early_data(ccfg, true) == 0);
	/* Tickets of a server without 0-RTT: the client does not offer it. */
	n = full_handshake(saved, saved_len);
	REQUIRE(n == 2);
	setup(saved[0], saved_len[0], NULL);
	CHECK_EQ(tern_hs_early_data_state(C.hs), TERN_HS_EARLY_NONE);
	CHECK_EQ(C.secret_events[TERN_HS_LEVEL_EARLY][TERN_HS_WRITE], 0);
	CHECK_EQ(pump(&C, &S), 0);
	check_complete(true);

	REQUIRE(tern_tls_config_set_max_early_data(scfg, 16384) == 0);
	REQUIRE(tern_tls_config_set_session_tickets(scfg, 4) == 0);
	n = full_handshake(saved, saved_len);
	REQUIRE(n == 4);
	/* Offered: the early write secret comes right after the ClientHello. */
	setup(saved[0], saved_len[0], NULL);
	CHECK_EQ(tern_hs_early_data_state(C.hs), TERN_HS_EARLY_OFFERED);
	CHECK_EQ(tern_hs_max_early_data(C.hs), 16384);
	CHECK_EQ(C.secret_events[TERN_HS_LEVEL_EARLY][TERN_HS_WRITE], 1);
	/* Only the handshake read secret so far: writing stays on the early key. */
	CHECK_EQ(tern_hs_recv(S.hs, TERN_HS_LEVEL_INITIAL, C.q[0], C.qlen[0]), 0);
	C.qlen[0] = 0;
	CHECK_EQ(S.secret_events[TERN_HS_LEVEL_EARLY][TERN_HS_READ], 1);
	CHECK_EQ(S.secret_events[TERN_HS_LEVEL_HANDSHAKE][TERN_HS_READ], 0);
	CHECK(tern_hs_expects_level(S.hs, TERN_HS_LEVEL_EARLY));
	CHECK_MEM(S.secret[1][TERN_HS_READ], C.secret[1][TERN_HS_WRITE], 32);
	CHECK(tern_hs_is_early_data_accepted(S.hs));
	CHECK_EQ(tern_hs_max_early_data(S.hs), 16384);
	CHECK_EQ(pump(&C, &S), 0);
	check_complete(true);
	CHECK(tern_hs_is_early_data_accepted(C.hs));
	CHECK_EQ(tern_hs_early_data_state(C.hs), TERN_HS_EARLY_ACCEPTED);
	{
		uint8_t a[40], b[40], x[40];

		/* The early exporter agrees, depends on the context, differs from the 1-RTT one. */
		CHECK_EQ(tern_hs_export_early_keying_material(C.hs, "EXPERIMENTAL e", NULL, 0, a,
							      sizeof(a)),
			 0);
		CHECK_EQ(tern_hs_export_early_keying_material(S.hs, "EXPERIMENTAL e", NULL, 0, b,
							      sizeof(b)),
			 0);
		CHECK_MEM(a, b, sizeof(a));
		CHECK_EQ(tern_hs_export_early_keying_material(
				 S.hs, "EXPERIMENTAL e", (const uint8_t *)"c", 1, x, sizeof(x)),
			 0);
		CHECK(memcmp(a, x, sizeof(a)) != 0);
		CHECK_EQ(tern_hs_export_keying_material(S.hs, "EXPERIMENTAL e", NULL, 0, x,
							sizeof(x)),
			 0);
		CHECK(memcmp(a, x, sizeof(a)) != 0);
		CHECK_EQ(tern_hs_export_keying_material(C.hs, "EXPERIMENTAL e", NULL, 0, b,
							sizeof(b)),
			 0);
		CHECK_MEM(x, b, sizeof(x));
	}
	CHECK_EQ(S.secret_events[TERN_HS_LEVEL_HANDSHAKE][TERN_HS_READ], 1);
	CHECK(!tern_hs_expects_level(S.hs, TERN_HS_LEVEL_EARLY));

	/* The same ticket again: replay, 0-RTT rejected, still resumed. */
	setup(saved[0], saved_len[0], NULL);
	CHECK_EQ(pump(&C, &S), 0);
	check_complete(true);
	CHECK_EQ(tern_hs_early_data_state(C.hs), TERN_HS_EARLY_REJECTED);
	CHECK_EQ(tern_hs_early_data_state(S.hs), TERN_HS_EARLY_REJECTED);
	CHECK_EQ(S.secret_events[TERN_HS_LEVEL_EARLY][TERN_HS_READ], 0);
	{
		uint8_t x[16];

		/* No 0-RTT at the server: no early exporter. */
		CHECK_EQ(tern_hs_export_early_keying_material(S.hs, "x", NULL, 0, x, sizeof(x)),
			 -TERN_EINVAL);
	}

	/* Ticket ages that disagree by more than 10 s (client clock behind). */
	s_now += 20000;
	setup(saved[1], saved_len[1], NULL);
	CHECK_EQ(pump(&C, &S), 0);
	check_complete(true);
	CHECK_EQ(tern_hs_early_data_state(S.hs), TERN_HS_EARLY_REJECTED);
	c_now = s_now;

	/* A HelloRetryRequest rejects it too (and the second hello omits it). */
	REQUIRE(tern_tls_config_set_groups(scfg, p256, 1) == 0);
	setup(saved[2], saved_len[2], NULL);
	CHECK_EQ(pump(&C, &S), 0);
	check_complete(true);
	CHECK(tern_hs_did_hrr(S.hs));
	CHECK_EQ(tern_hs_early_data_state(C.hs), TERN_HS_EARLY_REJECTED);
	CHECK_EQ(tern_hs_early_data_state(S.hs), TERN_HS_EARLY_REJECTED);
	REQUIRE(tern_tls_config_set_groups(scfg, (const uint16_t[]){TERN_TLS_GROUP_X25519}, 1) ==
		0);

	/* reject_early_data: a fresh ticket, still rejected. */
	REQUIRE(tern_tls_config_set_reject_early_data(scfg, true) == 0);
	setup(saved[3], saved_len[3], NULL);
	CHECK_EQ(pump(&C, &S), 0);
	check_complete(true);
	CHECK_EQ(tern_hs_early_data_state(C.hs), TERN_HS_EARLY_REJECTED);
	/* ... and its tickets allow none. */
	CHECK(C.n_sess > 0);
	memcpy(saved[0], C.sess[0], C.sess_len[0]);
	saved_len[0] = C.sess_len[0];
	setup(saved[0], saved_len[0], NULL);
	CHECK_EQ(tern_hs_early_data_state(C.hs), TERN_HS_EARLY_NONE);
	REQUIRE(tern_tls_config_set_reject_early_data(scfg, false) == 0);

	/* A full register (capacity 1, held by the first ticket): fail closed. */
	REQUIRE(tern_tls_config_set_anti_replay_capacity(scfg, 0) == -TERN_ERANGE);
	REQUIRE(tern_tls_config_set_anti_replay_capacity(scfg, 1) == 0);
	n = full_handshake(saved, saved_len);
	REQUIRE(n == 4);
	setup(saved[0], saved_len[0], NULL);
	CHECK_EQ(pump(&C, &S), 0);
	CHECK_EQ(tern_hs_early_data_state(S.hs), TERN_HS_EARLY_ACCEPTED);
	setup(saved[1], saved_len[1], NULL);
	CHECK_EQ(pump(&C, &S), 0);
	check_complete(true);
	CHECK_EQ(tern_hs_early_data_state(S.hs), TERN_HS_EARLY_REJECTED);
	/* Once the first ticket expires its slot is free again. */
	s_now = c_now = s_now + 7201 * 1000ull;
	n = full_handshake(saved, saved_len);
	setup(saved[0], saved_len[0], NULL);
	CHECK_EQ(pump(&C, &S), 0);
	CHECK_EQ(tern_hs_early_data_state(S.hs), TERN_HS_EARLY_ACCEPTED);
	/* EndOfEarlyData is the only message of the early level, and only after 0-RTT. */
	setup(NULL, 0, NULL);
	CHECK_EQ(tern_hs_recv(S.hs, TERN_HS_LEVEL_EARLY, (const uint8_t *)"\x05\0\0\0", 4),
		 -TERN_EPROTO);
	check_failed(S.hs, TERN_TLS_ALERT_UNEXPECTED_MESSAGE, NULL);
}

/* Find pat in buf; returns its offset. */
static size_t
find(const uint8_t *buf, size_t len, const uint8_t *pat, size_t plen)
{
	size_t i;

	for (i = 0; i + plen <= len; i++)
		if (memcmp(buf + i, pat, plen) == 0)
			return i;
	REQUIRE(0 && "pattern not found");
	return 0;
}

static void
test_failures(const struct hs_test_pki *pki)
{
	static const uint8_t modes[] = {0x00, 0x2d, 0x00, 0x02, 0x01, 0x01};
	uint8_t *ch;
	size_t n;

	new_configs(pki);
	REQUIRE(full_handshake(saved, saved_len) == 2);

	/* A flipped binder byte (the hello's last byte): decrypt_error. */
	setup(saved[0], saved_len[0], NULL);
	C.q[0][C.qlen[0] - 1] ^= 1;
	CHECK_EQ(pump(&C, &S), -TERN_EPROTO);
	check_failed(S.hs, TERN_TLS_ALERT_DECRYPT_ERROR, "binder");

	/* psk_key_exchange_modes renamed to an unknown extension: missing_extension. */
	setup(saved[0], saved_len[0], NULL);
	ch = C.q[0];
	n = find(ch, C.qlen[0], modes, sizeof(modes));
	ch[n + 1] = 0x2e; /* unassigned */
	CHECK_EQ(pump(&C, &S), -TERN_EPROTO);
	check_failed(S.hs, TERN_TLS_ALERT_MISSING_EXTENSION, "psk_key_exchange_modes");

	/*
	 * psk_ke only (no psk_dhe_ke): the server ignores the PSK and answers
	 * with a full handshake (certificate flight), it does not fail. (The
	 * edit breaks the transcript, so the client fails later; not checked.)
	 */
	setup(saved[0], saved_len[0], NULL);
	ch = C.q[0];
	n = find(ch, C.qlen[0], modes, sizeof(modes));
	ch[n + 5] = 0;
	CHECK_EQ(tern_hs_recv(S.hs, TERN_HS_LEVEL_INITIAL, C.q[0], C.qlen[0]), 0);
	CHECK(!tern_hs_is_resumed(S.hs));
	CHECK(S.qlen[TERN_HS_LEVEL_HANDSHAKE] > 500); /* with the certificate chain */

	/* A tampered ticket (one identity byte) is ignored the same way, not fatal. */
	setup(saved[1], saved_len[1], NULL);
	/* The hello ends with ticket, obfuscated age (4), binders (2 + 1 + 32): hit the ticket's
	 * tag. */
	C.q[0][C.qlen[0] - 35 - 4 - 10] ^= 1;
	CHECK_EQ(tern_hs_recv(S.hs, TERN_HS_LEVEL_INITIAL, C.q[0], C.qlen[0]), 0);
	CHECK(!tern_hs_is_resumed(S.hs));
	CHECK(S.qlen[TERN_HS_LEVEL_HANDSHAKE] > 500);
	/* Untampered, the same ticket resumes. */
	setup(saved[1], saved_len[1], NULL);
	CHECK_EQ(pump(&C, &S), 0);
	check_complete(true);

	/* A malformed session is refused; so is a session for a server. */
	setup(NULL, 0, NULL);
	tern_hs_free(C.hs);
	REQUIRE(tern_hs_new(ccfg, &cbs, &C, &C.hs) == 0);
	CHECK_EQ(tern_hs_set_session(C.hs, saved[0], saved_len[0] - 1), -TERN_EINVAL);
	CHECK_EQ(tern_hs_set_session(C.hs, (const uint8_t *)"\x07", 1), -TERN_EINVAL);
	CHECK_EQ(tern_hs_set_session(S.hs, saved[0], saved_len[0]), -TERN_EINVAL);
	CHECK_EQ(tern_hs_set_resumption_data(C.hs, (const uint8_t *)"x", 1), -TERN_EINVAL);
	{
		static uint8_t big[TERN_HS_RESUMPTION_DATA_MAX + 1];

		CHECK_EQ(tern_hs_set_resumption_data(S.hs, big, sizeof(big)), -TERN_ERANGE);
		CHECK_EQ(tern_hs_set_resumption_data(S.hs, big, sizeof(big) - 1), 0);
	}
}

/* pre_shared_key must be the last extension of a ClientHello (4.2.11). */
static void
test_psk_last(void)
{
	/* pre_shared_key (id "abcdefg", age 0, one 32-byte binder), then record_size_limit */
	uint8_t blk[2 + 4 + 2 + 2 + 7 + 4 + 2 + 1 + 32 + 6];
	struct tern_hs_exts e;
	struct tern_rcursor r;
	size_t o = 0;

	memset(blk, 0, sizeof(blk));
	blk[o++] = 0, blk[o++] = (uint8_t)(sizeof(blk) - 2);
	blk[o++] = 0, blk[o++] = 41, blk[o++] = 0, blk[o++] = 2 + 2 + 7 + 4 + 2 + 1 + 32;
	blk[o++] = 0, blk[o++] = 2 + 7 + 4;
	blk[o++] = 0, blk[o++] = 7;
	memcpy(blk + o, "abcdefg", 7), o += 7;
	o += 4;
	blk[o++] = 0, blk[o++] = 33;
	blk[o++] = 32;
	o += 32;
	blk[o++] = 0, blk[o++] = 28, blk[o++] = 0, blk[o++] = 2, blk[o++] = 0x40, blk[o++] = 0;
	REQUIRE(o == sizeof(blk));
	tern_rcursor_init(&r, blk, sizeof(blk));
	CHECK_EQ(tern_hs_exts_parse(&r, TERN_HS_CTX_CH, &e), TERN_TLS_ALERT_ILLEGAL_PARAMETER);
	/* Without the trailing extension the list parses, and knows the binders' length. */
	blk[1] = (uint8_t)(sizeof(blk) - 2 - 6);
	tern_rcursor_init(&r, blk, sizeof(blk) - 6);
	/* (it lacks the mandatory ClientHello extensions, checked after the list) */
	CHECK_EQ(tern_hs_exts_parse(&r, TERN_HS_CTX_CH, &e), TERN_TLS_ALERT_MISSING_EXTENSION);
	CHECK_EQ(e.n_psk_ids, 1);
	CHECK_EQ(e.psk_binders_len, 2 + 1 + 32);
	CHECK_EQ(e.psk_ids[0].identity.len, 7);
	/* Not allowed in EncryptedExtensions. */
	tern_rcursor_init(&r, blk, sizeof(blk) - 6);
	CHECK_EQ(tern_hs_exts_parse(&r, TERN_HS_CTX_EE, &e), TERN_TLS_ALERT_ILLEGAL_PARAMETER);
}

int
main(void)
{
	struct hs_test_pki pki;

	hs_test_make_pki(&pki, "resume", "EC-P256", -60, 86400);
	test_psk_last();
	test_resume(&pki);
	test_lifetime_and_keys(&pki);
	test_failures(&pki);
	test_early_data(&pki);
	tern_hs_free(C.hs);
	tern_hs_free(S.hs);
	tern_tls_config_free(ccfg);
	tern_tls_config_free(scfg);
	return tern_test_done("hs_resume");
}
