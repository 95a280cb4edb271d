/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Client authentication in the handshake engine, tern client against tern
 * server in memory: CertificateRequest, the client's Certificate and
 * CertificateVerify, an empty Certificate, peer certificates on both sides,
 * and the failures: required but missing (certificate_required), untrusted
 * client certificate (unknown_ca), bad client signature (decrypt_error);
 * and the CertificateRequest / NewSessionTicket(early_data) codecs.
 */

#include "control/tls/hs_msg.h"
#include "hs_test_util.h"

struct peer {
	struct tern_hs *hs;
	uint8_t q[TERN_HS_LEVEL_COUNT][65536];
	size_t qlen[TERN_HS_LEVEL_COUNT];
	uint8_t secret[TERN_HS_LEVEL_COUNT][2][48];
	size_t secret_len[TERN_HS_LEVEL_COUNT][2];
	int complete;
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

	REQUIRE(len <= sizeof(p->sess));
	memcpy(p->sess, s, len);
	p->sess_len = len;
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

static struct tern_tls_config *ccfg, *scfg;
static struct peer C, S;

/*
 * Configs: the server trusts client_ca for client certificates; the client
 * presents client_pki's identity when given.
 */
static void
setup(const struct hs_test_pki *srv, const struct hs_test_pki *client_id, const char *client_ca,
      enum tern_tls_client_auth mode, const uint8_t *sess, size_t sess_len)
{
	tern_hs_free(C.hs);
	tern_hs_free(S.hs);
	tern_tls_config_free(ccfg);
	tern_tls_config_free(scfg);
	memset(&C, 0, sizeof(C));
	memset(&S, 0, sizeof(S));
	REQUIRE(tern_tls_config_new(TERN_TLS_CLIENT, &ccfg) == 0);
	REQUIRE(tern_tls_config_new(TERN_TLS_SERVER, &scfg) == 0);
	REQUIRE(tern_tls_config_load_cert_chain(scfg, srv->chain, srv->key) == 0);
	REQUIRE(tern_tls_config_load_ca_file(ccfg, srv->ca) == 0);
	if (client_ca != NULL)
		REQUIRE(tern_tls_config_load_ca_file(scfg, client_ca) == 0);
	if (client_id != NULL)
		REQUIRE(tern_tls_config_load_cert_chain(ccfg, client_id->chain, client_id->key) ==
			0);
	REQUIRE(tern_tls_config_set_client_auth(scfg, mode) == 0);
	/* One ticket key for every server config, so sessions survive setup(). */
	REQUIRE(tern_tls_config_set_ticket_key(scfg, (const uint8_t[32]){7}, 0) == 0);
	REQUIRE(tern_hs_new(ccfg, &cbs, &C, &C.hs) == 0);
	REQUIRE(tern_hs_new(scfg, &cbs, &S, &S.hs) == 0);
	REQUIRE(tern_hs_set_server_name(C.hs, "localhost") == 0);
	if (sess != NULL)
		REQUIRE(tern_hs_set_session(C.hs, sess, sess_len) == 0);
	REQUIRE(tern_hs_start(C.hs) == 0);
}

static void
check_complete(void)
{
	int d;

	CHECK(tern_hs_is_complete(C.hs));
	CHECK(tern_hs_is_complete(S.hs));
	CHECK_EQ(C.complete, 1);
	CHECK_EQ(S.complete, 1);
	for (d = 0; d < 2; d++)
		CHECK_MEM(C.secret[3][d], S.secret[3][!d], C.secret_len[3][d]);
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

/* DER of the first certificate of a PEM file. */
static size_t
leaf_der(const char *pem, uint8_t *out, size_t cap)
{
	FILE *f = fopen(pem, "r");
	X509 *x;
	uint8_t *p = out;
	int n;

	REQUIRE(f != NULL);
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	REQUIRE(x != NULL);
	n = i2d_X509(x, NULL);
	REQUIRE(n > 0 && (size_t)n <= cap);
	i2d_X509(x, &p);
	X509_free(x);
	return (size_t)n;
}

/* CertificateRequest and NewSessionTicket(early_data) codecs: round trip, every truncation. */
static void
test_codecs(void)
{
	struct tern_hs_certificate_request cr, back;
	struct tern_hs_new_session_ticket nst, nback;
	static uint8_t buf[1024];
	struct tern_wcursor w;
	struct tern_rcursor r;
	size_t len, k;

	memset(&cr, 0, sizeof(cr));
	cr.exts.present = TERN_HS_EXT_BIT(TERN_HS_EXT_SIGNATURE_ALGORITHMS);
	cr.exts.sigalgs[0] = 0x0403;
	cr.exts.sigalgs[1] = 0x0807;
	cr.exts.n_sigalgs = 2;
	cr.context.p = (const uint8_t *)"ctx";
	cr.context.len = 3;
	tern_wcursor_init(&w, buf, sizeof(buf));
	REQUIRE(tern_hs_certificate_request_write(&w, &cr));
	len = w.off;
	CHECK_EQ(buf[0], TERN_HS_CERTIFICATE_REQUEST);
	tern_rcursor_init(&r, buf + 4, len - 4);
	CHECK_EQ(tern_hs_certificate_request_parse(&r, &back), TERN_TLS_ALERT_NONE);
	CHECK_EQ(back.context.len, 3);
	CHECK_EQ(back.exts.n_sigalgs, 2);
	CHECK_EQ(back.exts.sigalgs[1], 0x0807);
	for (k = 0; k < len - 4; k++) {
		tern_rcursor_init(&r, buf + 4, k);
		CHECK_EQ(tern_hs_certificate_request_parse(&r, &back), TERN_TLS_ALERT_DECODE_ERROR);
	}
	/* signature_algorithms is mandatory in a CertificateRequest. */
	cr.exts.present = 0;
	tern_wcursor_init(&w, buf, sizeof(buf));
	REQUIRE(tern_hs_certificate_request_write(&w, &cr));
	tern_rcursor_init(&r, buf + 4, w.off - 4);
	CHECK_EQ(tern_hs_certificate_request_parse(&r, &back), TERN_TLS_ALERT_MISSING_EXTENSION);

	memset(&nst, 0, sizeof(nst));
	nst.lifetime = 7200;
	nst.age_add = 0xdeadbeef;
	nst.nonce.p = (const uint8_t *)"\0\0\0\1";
	nst.nonce.len = 4;
	nst.ticket.p = buf + 512;
	nst.ticket.len = 60;
	nst.exts.present = TERN_HS_EXT_BIT(TERN_HS_EXT_EARLY_DATA);
	nst.exts.max_early_data = 16384;
	tern_wcursor_init(&w, buf, 400);
	REQUIRE(tern_hs_new_session_ticket_write(&w, &nst));
	len = w.off;
	tern_rcursor_init(&r, buf + 4, len - 4);
	CHECK_EQ(tern_hs_new_session_ticket_parse(&r, &nback), TERN_TLS_ALERT_NONE);
	CHECK(nback.exts.present & TERN_HS_EXT_BIT(TERN_HS_EXT_EARLY_DATA));
	CHECK_EQ(nback.exts.max_early_data, 16384);
	for (k = 0; k < len - 4; k++) {
		tern_rcursor_init(&r, buf + 4, k);
		CHECK_EQ(tern_hs_new_session_ticket_parse(&r, &nback), TERN_TLS_ALERT_DECODE_ERROR);
	}
}

int
main(void)
{
	struct hs_test_pki srv, cli, cli_rsa, other;
	static uint8_t der[8192], sess[4096];
	size_t der_len, sess_len;
	const uint8_t *p;
	size_t n;

	test_codecs();
	hs_test_make_pki(&srv, "ca-srv", "EC-P256", -60, 86400);
	hs_test_make_pki(&cli, "ca-cli", "EC-P384", -60, 86400);
	hs_test_make_pki(&cli_rsa, "ca-cli-rsa", "RSA", -60, 86400);
	hs_test_make_pki(&other, "ca-other", "ED25519", -60, 86400);

	/* NONE: no request, so a client with a certificate does not send it. */
	setup(&srv, &cli, cli.ca, TERN_TLS_CLIENT_AUTH_NONE, NULL, 0);
	CHECK_EQ(pump(&C, &S), 0);
	check_complete();
	CHECK_EQ(tern_hs_peer_certificate(S.hs, 0, &p), 0);
	CHECK(tern_hs_peer_certificate(C.hs, 0, &p) > 0);

	/* OPTIONAL with a certificate: both sides see the other's leaf. */
	setup(&srv, &cli, cli.ca, TERN_TLS_CLIENT_AUTH_OPTIONAL, NULL, 0);
	CHECK_EQ(pump(&C, &S), 0);
	check_complete();
	der_len = leaf_der(cli.chain, der, sizeof(der));
	n = tern_hs_peer_certificate(S.hs, 0, &p);
	CHECK_EQ(n, der_len);
	if (n == der_len)
		CHECK_MEM(p, der, n);
	CHECK(tern_hs_peer_certificate(S.hs, 1, &p) > 0); /* the chain's CA */
	der_len = leaf_der(srv.chain, der, sizeof(der));
	n = tern_hs_peer_certificate(C.hs, 0, &p);
	CHECK_EQ(n, der_len);

	/* RSA client key (RSA-PSS signature), REQUIRED. */
	setup(&srv, &cli_rsa, cli_rsa.ca, TERN_TLS_CLIENT_AUTH_REQUIRED, NULL, 0);
	CHECK_EQ(pump(&C, &S), 0);
	check_complete();
	CHECK(tern_hs_peer_certificate(S.hs, 0, &p) > 0);

	/* OPTIONAL without a certificate: an empty Certificate, fine. */
	setup(&srv, NULL, cli.ca, TERN_TLS_CLIENT_AUTH_OPTIONAL, NULL, 0);
	CHECK_EQ(pump(&C, &S), 0);
	check_complete();
	CHECK_EQ(tern_hs_peer_certificate(S.hs, 0, &p), 0);

	/* REQUIRED without a certificate: certificate_required. */
	setup(&srv, NULL, cli.ca, TERN_TLS_CLIENT_AUTH_REQUIRED, NULL, 0);
	CHECK_EQ(pump(&C, &S), -TERN_EPROTO);
	check_failed(S.hs, TERN_TLS_ALERT_CERTIFICATE_REQUIRED, "required");

	/* A client certificate from a CA the server does not trust: unknown_ca, also OPTIONAL. */
	setup(&srv, &other, cli.ca, TERN_TLS_CLIENT_AUTH_OPTIONAL, NULL, 0);
	CHECK_EQ(pump(&C, &S), -TERN_EPROTO);
	check_failed(S.hs, TERN_TLS_ALERT_UNKNOWN_CA, NULL);
	/* No CA file at all. */
	setup(&srv, &cli, NULL, TERN_TLS_CLIENT_AUTH_REQUIRED, NULL, 0);
	CHECK_EQ(pump(&C, &S), -TERN_EPROTO);
	check_failed(S.hs, TERN_TLS_ALERT_UNKNOWN_CA, NULL);

	/* A bad client signature (a byte of the CertificateVerify before Finished). */
	setup(&srv, &cli, cli.ca, TERN_TLS_CLIENT_AUTH_REQUIRED, NULL, 0);
	CHECK_EQ(tern_hs_recv(S.hs, TERN_HS_LEVEL_INITIAL, C.q[0], C.qlen[0]), 0);
	C.qlen[0] = 0;
	CHECK_EQ(tern_hs_recv(C.hs, TERN_HS_LEVEL_INITIAL, S.q[0], S.qlen[0]), 0);
	CHECK_EQ(tern_hs_recv(C.hs, TERN_HS_LEVEL_HANDSHAKE, S.q[2], S.qlen[2]), 0);
	S.qlen[0] = S.qlen[2] = 0;
	REQUIRE(C.qlen[2] > 4 + 32 + 10);
	C.q[2][C.qlen[2] - (4 + 32) - 3] ^= 0x10;
	CHECK_EQ(tern_hs_recv(S.hs, TERN_HS_LEVEL_HANDSHAKE, C.q[2], C.qlen[2]), -TERN_EPROTO);
	check_failed(S.hs, TERN_TLS_ALERT_DECRYPT_ERROR, "CertificateVerify");

	/* Resumption after client authentication: no request, no certificate. */
	setup(&srv, &cli, cli.ca, TERN_TLS_CLIENT_AUTH_REQUIRED, NULL, 0);
	CHECK_EQ(pump(&C, &S), 0);
	check_complete();
	REQUIRE(C.sess_len > 0);
	sess_len = C.sess_len;
	memcpy(sess, C.sess, sess_len);
	setup(&srv, &cli, cli.ca, TERN_TLS_CLIENT_AUTH_REQUIRED, sess, sess_len);
	CHECK_EQ(pump(&C, &S), 0);
	check_complete();
	CHECK(tern_hs_is_resumed(C.hs));
	CHECK(tern_hs_is_resumed(S.hs));
	/* The PSK authenticates; no certificate crosses in a resumed handshake. */
	CHECK_EQ(tern_hs_peer_certificate(S.hs, 0, &p), 0);
	CHECK_EQ(tern_hs_peer_certificate(C.hs, 0, &p), 0);

	CHECK_EQ(tern_tls_config_set_client_auth(ccfg, TERN_TLS_CLIENT_AUTH_REQUIRED),
		 -TERN_EINVAL);
	CHECK_EQ(tern_tls_config_set_client_auth(scfg, (enum tern_tls_client_auth)7), -TERN_EINVAL);
	tern_hs_free(C.hs);
	tern_hs_free(S.hs);
	tern_tls_config_free(ccfg);
	tern_tls_config_free(scfg);
	return tern_test_done("hs_client_auth");
}
