/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The handshake engine in QUIC mode (RFC 9001 8), tern client against tern
 * server in memory: quic_transport_parameters both ways, empty
 * legacy_session_id, mandatory ALPN, no EndOfEarlyData with 0-RTT, ticket
 * max_early_data_size 0xffffffff, and KeyUpdate refused.
 */

#include "control/tls/hs_internal.h"
#include "hs_test_util.h"

struct peer {
	struct tern_hs *hs;
	uint8_t q[TERN_HS_LEVEL_COUNT][65536];
	size_t qlen[TERN_HS_LEVEL_COUNT];
	uint8_t secret[TERN_HS_LEVEL_COUNT][2][48];
	size_t secret_len[TERN_HS_LEVEL_COUNT][2];
	unsigned secret_events[TERN_HS_LEVEL_COUNT][2];
	unsigned sends[TERN_HS_LEVEL_COUNT];
	uint8_t sess[4096];
	size_t sess_len;
};

static int
cb_send(void *user, enum tern_hs_level level, const uint8_t *data, size_t len)
{
	struct peer *p = user;

	REQUIRE(p->qlen[level] + len <= sizeof(p->q[level]));
	memcpy(p->q[level] + p->qlen[level], data, len);
	p->qlen[level] += len;
	p->sends[level]++;
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
cb_session(void *user, const uint8_t *s, size_t len)
{
	struct peer *p = user;

	REQUIRE(len <= sizeof(p->sess));
	if (p->sess_len == 0) {
		memcpy(p->sess, s, len);
		p->sess_len = len;
	}
}

static const struct tern_hs_callbacks cbs = {
	.send = cb_send, .on_secret = cb_secret, .on_session = cb_session};

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

static const char *const alpn[] = {"tern-test"};
static const uint8_t ctp[] = {0x04, 0x04, 0x80, 0x10, 0x00, 0x00}; /* initial_max_data */
static const uint8_t stp[] = {0x01, 0x02, 0x67, 0x10, 0x03, 0x02, 0x45, 0xc0};
static struct tern_tls_config *ccfg, *scfg;
static struct peer C, S;

static void
new_configs(const struct hs_test_pki *pki, bool client_alpn, bool server_alpn)
{
	tern_tls_config_free(ccfg);
	tern_tls_config_free(scfg);
	REQUIRE(tern_tls_config_new(TERN_TLS_CLIENT, &ccfg) == 0);
	REQUIRE(tern_tls_config_new(TERN_TLS_SERVER, &scfg) == 0);
	REQUIRE(tern_tls_config_load_cert_chain(scfg, pki->chain, pki->key) == 0);
	REQUIRE(tern_tls_config_load_ca_file(ccfg, pki->ca) == 0);
	/* Compatibility mode on: QUIC mode must still send an empty session id. */
	REQUIRE(tern_tls_config_set_middlebox_compat(ccfg, true) == 0);
	if (client_alpn)
		REQUIRE(tern_tls_config_set_alpn(ccfg, alpn, 1) == 0);
	if (server_alpn)
		REQUIRE(tern_tls_config_set_alpn(scfg, alpn, 1) == 0);
	REQUIRE(tern_tls_config_set_session_tickets(scfg, 1) == 0);
	REQUIRE(tern_tls_config_set_max_early_data(scfg, 16384) == 0);
	REQUIRE(tern_tls_config_set_early_data(ccfg, true) == 0);
}

/* Fresh handshakes; each side in QUIC mode when asked. Returns tern_hs_start's result. */
static int
setup(bool cquic, bool squic, const uint8_t *sess, size_t sess_len)
{
	tern_hs_free(C.hs);
	tern_hs_free(S.hs);
	memset(&C, 0, sizeof(C));
	memset(&S, 0, sizeof(S));
	REQUIRE(tern_hs_new(ccfg, &cbs, &C, &C.hs) == 0);
	REQUIRE(tern_hs_new(scfg, &cbs, &S, &S.hs) == 0);
	REQUIRE(tern_hs_set_server_name(C.hs, "localhost") == 0);
	if (cquic)
		REQUIRE(tern_hs_set_quic_transport_params(C.hs, ctp, sizeof(ctp)) == 0);
	if (squic)
		REQUIRE(tern_hs_set_quic_transport_params(S.hs, stp, sizeof(stp)) == 0);
	if (sess != NULL)
		REQUIRE(tern_hs_set_session(C.hs, sess, sess_len) == 0);
	return tern_hs_start(C.hs);
}

static void
check_failed(struct tern_hs *hs, enum tern_tls_alert alert)
{
	CHECK_EQ(tern_hs_error(hs), -TERN_EPROTO);
	CHECK_EQ(tern_hs_alert(hs), alert);
	if (tern_hs_alert(hs) != alert)
		fprintf(stderr, "  error: %s\n", tern_hs_error_string(hs));
}

static void
check_secrets_agree(void)
{
	int l, d;

	for (l = TERN_HS_LEVEL_HANDSHAKE; l <= TERN_HS_LEVEL_APPLICATION; l++)
		for (d = 0; d < 2; d++) {
			CHECK_EQ(C.secret_events[l][d], 1);
			CHECK_EQ(S.secret_events[l][!d], 1);
			CHECK_EQ(C.secret_len[l][d], S.secret_len[l][!d]);
			CHECK_MEM(C.secret[l][d], S.secret[l][!d], C.secret_len[l][d]);
		}
}

static void
test_full(const struct hs_test_pki *pki)
{
	const uint8_t *tp;
	uint8_t b;

	new_configs(pki, true, true);
	CHECK_EQ(setup(true, true, NULL, 0), 0);
	/* ClientHello: type(1) len(3) version(2) random(32), then legacy_session_id. */
	REQUIRE(C.qlen[TERN_HS_LEVEL_INITIAL] > 38);
	b = C.q[TERN_HS_LEVEL_INITIAL][38];
	CHECK_EQ(b, 0);
	CHECK_EQ(tern_hs_peer_quic_transport_params(S.hs, &tp), 0);
	CHECK(tp == NULL);
	CHECK_EQ(pump(&C, &S), 0);
	CHECK(tern_hs_is_complete(C.hs));
	CHECK(tern_hs_is_complete(S.hs));
	check_secrets_agree();
	REQUIRE(tern_hs_peer_quic_transport_params(S.hs, &tp) == sizeof(ctp));
	CHECK_MEM(tp, ctp, sizeof(ctp));
	REQUIRE(tern_hs_peer_quic_transport_params(C.hs, &tp) == sizeof(stp));
	CHECK_MEM(tp, stp, sizeof(stp));
	/* QUIC updates keys by key phase: no KeyUpdate message (RFC 9001 6). */
	CHECK_EQ(tern_hs_send_key_update(C.hs, false), -TERN_EINVAL);
	/* The ticket allows 0-RTT with the QUIC sentinel (4.6.1). */
	CHECK(C.sess_len > 0);
}

/* 0-RTT: early secrets both ways, no EndOfEarlyData, handshake completes. */
static void
test_early(const struct hs_test_pki *pki)
{
	uint8_t sess[4096];
	size_t sess_len;

	new_configs(pki, true, true);
	CHECK_EQ(setup(true, true, NULL, 0), 0);
	CHECK_EQ(pump(&C, &S), 0);
	REQUIRE(C.sess_len > 0);
	memcpy(sess, C.sess, C.sess_len);
	sess_len = C.sess_len;

	CHECK_EQ(setup(true, true, sess, sess_len), 0);
	CHECK_EQ(tern_hs_early_data_state(C.hs), TERN_HS_EARLY_OFFERED);
	CHECK_EQ(tern_hs_max_early_data(C.hs), 0xffffffffu);
	CHECK_EQ(C.secret_events[TERN_HS_LEVEL_EARLY][TERN_HS_WRITE], 1);
	CHECK_EQ(pump(&C, &S), 0);
	CHECK(tern_hs_is_complete(C.hs));
	CHECK(tern_hs_is_complete(S.hs));
	CHECK(tern_hs_is_resumed(S.hs));
	CHECK(tern_hs_is_early_data_accepted(C.hs));
	CHECK(tern_hs_is_early_data_accepted(S.hs));
	CHECK_EQ(S.secret_events[TERN_HS_LEVEL_EARLY][TERN_HS_READ], 1);
	CHECK_MEM(C.secret[TERN_HS_LEVEL_EARLY][TERN_HS_WRITE],
		  S.secret[TERN_HS_LEVEL_EARLY][TERN_HS_READ],
		  C.secret_len[TERN_HS_LEVEL_EARLY][TERN_HS_WRITE]);
	/* Nothing ever sent at the early level: no EndOfEarlyData in QUIC. */
	CHECK_EQ(C.sends[TERN_HS_LEVEL_EARLY], 0);
	check_secrets_agree();
}

static void
test_failures(const struct hs_test_pki *pki)
{
	/* A QUIC client must offer ALPN (RFC 9001 8.1). */
	new_configs(pki, false, true);
	CHECK_EQ(setup(true, true, NULL, 0), -TERN_EINVAL);

	/* Server has no protocol in common: no_application_protocol. */
	new_configs(pki, true, false);
	CHECK_EQ(setup(true, true, NULL, 0), 0);
	CHECK_EQ(pump(&C, &S), -TERN_EPROTO);
	check_failed(S.hs, TERN_TLS_ALERT_NO_APPLICATION_PROTOCOL);

	/* A TLS client (no quic_transport_parameters) to a QUIC server. */
	new_configs(pki, true, true);
	CHECK_EQ(setup(false, true, NULL, 0), 0);
	CHECK_EQ(pump(&C, &S), -TERN_EPROTO);
	/* The compat-mode session id is refused before the missing extension. */
	check_failed(S.hs, TERN_TLS_ALERT_ILLEGAL_PARAMETER);
	REQUIRE(tern_tls_config_set_middlebox_compat(ccfg, false) == 0);
	CHECK_EQ(setup(false, true, NULL, 0), 0);
	CHECK_EQ(pump(&C, &S), -TERN_EPROTO);
	check_failed(S.hs, TERN_TLS_ALERT_MISSING_EXTENSION);

	/* A QUIC client to a TLS server: the answer lacks the parameters. */
	new_configs(pki, true, true);
	CHECK_EQ(setup(true, false, NULL, 0), 0);
	CHECK_EQ(pump(&C, &S), -TERN_EPROTO);
	check_failed(C.hs, TERN_TLS_ALERT_MISSING_EXTENSION);

	/* Too late to switch modes. */
	CHECK_EQ(tern_hs_set_quic_transport_params(C.hs, ctp, sizeof(ctp)), -TERN_EINVAL);
	CHECK_EQ(tern_hs_set_quic_transport_params(NULL, ctp, sizeof(ctp)), -TERN_EINVAL);
}

/* Post-handshake messages QUIC forbids or constrains. */
static void
test_post_handshake(const struct hs_test_pki *pki)
{
	static const uint8_t key_update[] = {24, 0, 0, 1, 0};
	/* NewSessionTicket with early_data max 16384 (RFC 9001 4.6.1 wants 0xffffffff). */
	static const uint8_t nst[] = {4, 0, 0, 26, 0, 0, 0x0e, 0x10, 1,	 2, 3, 4, 1, 0x00, 0,
				      4, 1, 2, 3,  4, 0, 8,    0,    42, 0, 4, 0, 0, 0x40, 0};

	new_configs(pki, true, true);
	CHECK_EQ(setup(true, true, NULL, 0), 0);
	CHECK_EQ(pump(&C, &S), 0);
	CHECK_EQ(tern_hs_recv(S.hs, TERN_HS_LEVEL_APPLICATION, key_update, sizeof(key_update)),
		 -TERN_EPROTO);
	check_failed(S.hs, TERN_TLS_ALERT_UNEXPECTED_MESSAGE);

	CHECK_EQ(setup(true, true, NULL, 0), 0);
	CHECK_EQ(pump(&C, &S), 0);
	CHECK_EQ(tern_hs_recv(C.hs, TERN_HS_LEVEL_APPLICATION, nst, sizeof(nst)), -TERN_EPROTO);
	check_failed(C.hs, TERN_TLS_ALERT_ILLEGAL_PARAMETER);
}

int
main(void)
{
	struct hs_test_pki pki;

	hs_test_make_pki(&pki, "quic", "EC-P256", -3600, 86400);
	test_full(&pki);
	test_early(&pki);
	test_failures(&pki);
	test_post_handshake(&pki);
	tern_hs_free(C.hs);
	tern_hs_free(S.hs);
	tern_tls_config_free(ccfg);
	tern_tls_config_free(scfg);
	return tern_test_done("hs_quic");
}
