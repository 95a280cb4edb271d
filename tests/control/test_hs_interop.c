/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The handshake engine over real records and sockets (tests/control's
 * blocking driver in tls_test_conn.h):
 * - tern client <-> tern server over a socketpair, application data both
 *   ways, a small record_size_limit;
 * - tern client against `openssl s_server -tls1_3 -rev` and
 *   `openssl s_client -tls1_3` against a tern server on 127.0.0.1, for each
 *   cipher suite, both groups, HelloRetryRequest and ALPN.
 * The OpenSSL parts print SKIP (exit 77) only when the openssl binary is
 * missing; everything else always runs.
 */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "hs_test_util.h"
#include "tls_test_conn.h"
#include "peer_proc.h"

static char cert_pem[160], key_pem[160];

/* --- tern <-> tern --------------------------------------------------------- */

struct server_arg {
	int fd;
	struct tern_tls_config *cfg;
	int rc;
	size_t echo_len; /* echo this many bytes back, uppercased */
	bool did_hrr;
	char alpn[32];
	uint16_t suite;
	char keylog[2048];
};

static void *
server_thread(void *p)
{
	struct server_arg *a = p;
	struct tconn *c = calloc(1, sizeof(*c));
	const uint8_t *alpn;
	size_t i, n;

	a->rc = -1;
	if (c == NULL || tconn_init(c, a->fd, a->cfg, NULL) != 0)
		goto out;
	if (tconn_handshake(c, 10000) != 0) {
		fprintf(stderr, "server handshake: %s (alert %s)\n", tern_hs_error_string(c->hs),
			tern_tls_alert_name(c->peer_alert));
		goto out;
	}
	a->did_hrr = tern_hs_did_hrr(c->hs);
	memcpy(a->keylog, c->keylog, c->keylog_len + 1);
	a->suite = tern_hs_cipher_suite(c->hs)->id;
	n = tern_hs_alpn(c->hs, &alpn);
	memcpy(a->alpn, alpn, n);
	a->alpn[n] = '\0';
	if (tconn_read(c, a->echo_len, 10000) != 0)
		goto out;
	for (i = 0; i < a->echo_len; i++)
		c->app[i] = (uint8_t)(c->app[i] >= 'a' && c->app[i] <= 'z' ? c->app[i] - 32
									   : c->app[i]);
	if (tconn_write(c, c->app, a->echo_len) != 0)
		goto out;
	tconn_send_alert(c, TERN_TLS_ALERT_CLOSE_NOTIFY);
	a->rc = 0;
out:
	if (c != NULL)
		tconn_free(c);
	free(c);
	close(a->fd);
	return NULL;
}

static void
test_tern_pair(const struct hs_test_pki *pki)
{
	struct tern_tls_config *ccfg, *scfg;
	static uint8_t msg[40000];
	struct server_arg sa = {0};
	struct tconn *c = calloc(1, sizeof(*c));
	pthread_t th;
	int sv[2];
	size_t i;

	REQUIRE(c != NULL);
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)('a' + i % 26);
	REQUIRE(tern_tls_config_new(TERN_TLS_CLIENT, &ccfg) == 0);
	REQUIRE(tern_tls_config_new(TERN_TLS_SERVER, &scfg) == 0);
	REQUIRE(tern_tls_config_load_ca_file(ccfg, pki->ca) == 0);
	REQUIRE(tern_tls_config_load_cert_chain(scfg, pki->chain, pki->key) == 0);
	/*
	 * The server accepts records of at most 511 content bytes; it may only
	 * say so in answer to a client's record_size_limit (RFC 8449 4).
	 */
	REQUIRE(tern_tls_config_set_record_size_limit(scfg, 512) == 0);
	REQUIRE(tern_tls_config_set_record_size_limit(ccfg, 16385) == 0);
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	sa.fd = sv[1];
	sa.cfg = scfg;
	sa.echo_len = sizeof(msg);
	REQUIRE(pthread_create(&th, NULL, server_thread, &sa) == 0);
	REQUIRE(tconn_init(c, sv[0], ccfg, "localhost") == 0);
	CHECK_EQ(tconn_handshake(c, 10000), 0);
	CHECK_EQ(tern_hs_peer_record_size_limit(c->hs), 512);
	CHECK_EQ(tern_tls_record_state_max_plaintext(c->wr[TERN_HS_LEVEL_APPLICATION]), 511);
	CHECK_EQ(tconn_write(c, msg, sizeof(msg)), 0);
	CHECK_EQ(tconn_read(c, sizeof(msg), 10000), 0);
	CHECK_EQ(c->app_len, sizeof(msg));
	CHECK_EQ(c->app[0], 'A');
	CHECK_EQ(c->app[sizeof(msg) - 1], 'A' + (sizeof(msg) - 1) % 26);
	/* The server closes with close_notify. */
	tconn_pump(c, 2000);
	CHECK(c->peer_closed);
	pthread_join(th, NULL);
	CHECK_EQ(sa.rc, 0);
	tconn_free(c);
	close(sv[0]);
	free(c);
	tern_tls_config_free(ccfg);
	tern_tls_config_free(scfg);
}

/* --- OpenSSL and GnuTLS peers --------------------------------------------- */

/*
 * Every line of tern's key log must be in the peer's key log file (same
 * labels, client random and secrets), and there are four of them.
 */
static void
check_keylog(const char *ours, const char *path)
{
	char theirs[8192], line[256];
	const char *p = ours, *nl;
	unsigned lines = 0;
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f != NULL) {
		n = fread(theirs, 1, sizeof(theirs) - 1, f);
		fclose(f);
	}
	theirs[n] = '\0';
	CHECK(n > 0);
	while ((nl = strchr(p, '\n')) != NULL && (size_t)(nl - p) < sizeof(line)) {
		memcpy(line, p, (size_t)(nl - p));
		line[nl - p] = '\0';
		if (strstr(theirs, line) == NULL) {
			fprintf(stderr, "key log line not in the peer's: %.40s...\n", line);
			CHECK(0);
		}
		lines++;
		p = nl + 1;
	}
	CHECK_EQ(lines, 4);
	unlink(path);
}

static const char *
suite_name(uint16_t s)
{
	return s == 0x1301   ? "TLS_AES_128_GCM_SHA256"
	       : s == 0x1302 ? "TLS_AES_256_GCM_SHA384"
			     : "TLS_CHACHA20_POLY1305_SHA256";
}

/* A GnuTLS priority string for one suite and a colon-separated group list. */
static void
gnutls_prio(char *out, size_t cap, uint16_t suite, const char *groups)
{
	static const char *const ciphers[] = {"AES-128-GCM", "AES-256-GCM", "CHACHA20-POLY1305"};
	char list[64], *tok, *save = NULL;
	size_t off;

	off = (size_t)snprintf(out, cap, "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+%s:-GROUP-ALL",
			       ciphers[suite - 0x1301]);
	snprintf(list, sizeof(list), "%s", groups);
	for (tok = strtok_r(list, ":", &save); tok != NULL && off < cap;
	     tok = strtok_r(NULL, ":", &save))
		off += (size_t)snprintf(out + off, cap - off, ":+GROUP-%s",
					strcmp(tok, "X25519") == 0  ? "X25519"
					: strcmp(tok, "P-256") == 0 ? "SECP256R1"
								    : "SECP384R1");
}

struct case_ {
	uint16_t suite;
	const uint16_t *groups; /* tern's groups */
	size_t n_groups;
	const char *peer_groups;
	const char *alpn; /* both sides, NULL for none */
	bool expect_hrr;
};

static const uint16_t g_x25519[] = {TERN_TLS_GROUP_X25519};
static const uint16_t g_p256[] = {TERN_TLS_GROUP_SECP256R1};
static const uint16_t g_both[] = {TERN_TLS_GROUP_X25519, TERN_TLS_GROUP_SECP256R1};
static const uint16_t g_p256_x[] = {TERN_TLS_GROUP_SECP256R1, TERN_TLS_GROUP_X25519};
static const uint16_t g_p384[] = {TERN_TLS_GROUP_SECP384R1};
static const uint16_t g_all[] = {TERN_TLS_GROUP_X25519, TERN_TLS_GROUP_SECP256R1,
				 TERN_TLS_GROUP_SECP384R1};

static const struct case_ client_cases[] = {
	{0x1301, g_x25519, 1, "X25519", NULL, false},
	{0x1302, g_x25519, 1, "X25519", NULL, false},
	{0x1303, g_x25519, 1, "X25519", NULL, false},
	{0x1301, g_p256, 1, "P-256", NULL, false},
	{0x1302, g_p256, 1, "P-256", NULL, false},
	/* tern shares X25519 first; s_server takes P-256 only: HelloRetryRequest */
	{0x1301, g_both, 2, "P-256", NULL, true},
	{0x1303, g_p256_x, 2, "X25519", NULL, true},
	{0x1302, g_p384, 1, "P-384", NULL, false},
	{0x1302, g_all, 3, "P-384", NULL, true},
	{0x1301, g_x25519, 1, "X25519", "h2", false},
};

/* For s_client against tern: peer_groups is s_client's list; it shares the first. */
static const struct case_ server_cases[] = {
	{0x1301, g_x25519, 1, "X25519", NULL, false},
	{0x1302, g_x25519, 1, "X25519", NULL, false},
	{0x1303, g_x25519, 1, "X25519", NULL, false},
	{0x1301, g_p256, 1, "P-256", NULL, false},
	{0x1303, g_p256, 1, "P-256", NULL, false},
	/* s_client shares X25519; tern takes P-256 only: HelloRetryRequest */
	{0x1301, g_p256, 1, "X25519:P-256", NULL, true},
	{0x1302, g_x25519, 1, "P-256:X25519", NULL, true},
	{0x1303, g_p384, 1, "P-384", NULL, false},
	{0x1302, g_p384, 1, "X25519:P-384", NULL, true},
	{0x1302, g_both, 2, "X25519:P-256", "http/1.1", false},
};

/* GnuTLS (gnutls-serv accepts the groups listed; gnutls-cli shares the first). */
static const struct case_ gnutls_client_cases[] = {
	{0x1301, g_x25519, 1, "X25519", NULL, false}, {0x1303, g_p256, 1, "P-256", NULL, false},
	{0x1302, g_both, 2, "P-256", NULL, true},     {0x1302, g_all, 3, "P-384", NULL, true},
	{0x1301, g_x25519, 1, "X25519", "h2", false},
};

static const struct case_ gnutls_server_cases[] = {
	{0x1301, g_x25519, 1, "X25519", NULL, false},
	{0x1302, g_p256, 1, "P-256", NULL, false},
	{0x1303, g_p384, 1, "P-256:P-384", NULL, true},
	{0x1301, g_both, 2, "X25519:P-256", "http/1.1", false},
};

/*
 * tern client against openssl s_server -rev (echoes each line reversed) or
 * gnutls-serv --echo.
 */
static void
test_client_vs_peer(const struct case_ *k, bool gnutls)
{
	struct tern_tls_config *cfg;
	struct tconn *c = calloc(1, sizeof(*c));
	char cmd[1200], log[200], prio[256], keys[200];
	const uint8_t *alpn;
	int port = free_port(), fd;
	const char *line = "Hello from tern\n";
	const char *reply = gnutls ? line : "nret morf olleH\n";
	size_t n;

	REQUIRE(c != NULL);
	snprintf(log, sizeof(log), "%s/server.log", hs_test_tmpdir());
	snprintf(keys, sizeof(keys), "%s/server-keys.txt", hs_test_tmpdir());
	if (gnutls) {
		gnutls_prio(prio, sizeof(prio), k->suite, k->peer_groups);
		snprintf(cmd, sizeof(cmd),
			 "SSLKEYLOGFILE=%s exec timeout 20 gnutls-serv --echo -a -p %d "
			 "--x509certfile %s "
			 "--x509keyfile %s --priority '%s' %s%s < /dev/null > %s 2>&1",
			 keys, port, cert_pem, key_pem, prio, k->alpn ? "--alpn " : "",
			 k->alpn ? k->alpn : "", log);
	} else {
		snprintf(cmd, sizeof(cmd),
			 "sleep 20 | exec timeout 20 openssl s_server -tls1_3 -accept 127.0.0.1:%d "
			 "-cert %s -key %s -ciphersuites %s -groups %s %s%s -rev -naccept 1 "
			 "-keylogfile %s > %s 2>&1",
			 port, cert_pem, key_pem, suite_name(k->suite), k->peer_groups,
			 k->alpn ? "-alpn " : "", k->alpn ? k->alpn : "", keys, log);
	}
	peer_pid = spawn(cmd);
	fd = connect_retry(port, 5000);
	CHECK(fd >= 0);
	if (fd < 0)
		goto out;
	REQUIRE(tern_tls_config_new(TERN_TLS_CLIENT, &cfg) == 0);
	REQUIRE(tern_tls_config_load_ca_file(cfg, cert_pem) == 0);
	REQUIRE(tern_tls_config_set_groups(cfg, k->groups, k->n_groups) == 0);
	if (k->alpn != NULL)
		REQUIRE(tern_tls_config_set_alpn(cfg, (const char *const[]){"h3", k->alpn}, 2) ==
			0);
	REQUIRE(tconn_init(c, fd, cfg, "localhost") == 0);
	if (tconn_handshake(c, 10000) != 0) {
		fprintf(stderr, "client vs %s (%s, %s): %s, peer alert %s\n",
			gnutls ? "gnutls-serv" : "s_server", suite_name(k->suite), k->peer_groups,
			tern_hs_error_string(c->hs), tern_tls_alert_name(c->peer_alert));
		CHECK(0);
		goto done;
	}
	CHECK_EQ(tern_hs_cipher_suite(c->hs)->id, k->suite);
	CHECK_EQ(tern_hs_group(c->hs), strcmp(k->peer_groups, "X25519") == 0 ? TERN_TLS_GROUP_X25519
				       : strcmp(k->peer_groups, "P-256") == 0
					       ? TERN_TLS_GROUP_SECP256R1
					       : TERN_TLS_GROUP_SECP384R1);
	CHECK_EQ(tern_hs_did_hrr(c->hs), k->expect_hrr);
	CHECK_EQ(tern_hs_sigalg(c->hs), TERN_TLS_SIG_ECDSA_SECP256R1_SHA256);
	n = tern_hs_alpn(c->hs, &alpn);
	CHECK_EQ(n, k->alpn ? strlen(k->alpn) : 0);
	if (k->alpn != NULL && n == strlen(k->alpn))
		CHECK_MEM(alpn, k->alpn, n);
	CHECK_EQ(tconn_write(c, line, strlen(line)), 0);
	CHECK_EQ(tconn_read(c, strlen(line), 10000), 0);
	CHECK(c->app_len == strlen(line) && memcmp(c->app, reply, 16) == 0);
	check_keylog(c->keylog, keys);
done:
	tconn_send_alert(c, TERN_TLS_ALERT_CLOSE_NOTIFY);
	tconn_free(c);
	close(fd);
	tern_tls_config_free(cfg);
out:
	kill_peer();
	free(c);
}

/* openssl s_client or gnutls-cli against a tern server (uppercasing echo). */
static void
test_peer_vs_server(const struct case_ *k, bool gnutls)
{
	struct tern_tls_config *cfg;
	struct server_arg sa = {0};
	struct sockaddr_in a = {.sin_family = AF_INET};
	char cmd[1200], log[200], out[16384], prio[256], keys[200];
	socklen_t alen = sizeof(a);
	int lfd, st, one = 1;
	pthread_t th;
	FILE *f;
	size_t n;

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	REQUIRE(lfd >= 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	REQUIRE(bind(lfd, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(lfd, 1) == 0);
	REQUIRE(getsockname(lfd, (struct sockaddr *)&a, &alen) == 0);
	REQUIRE(tern_tls_config_new(TERN_TLS_SERVER, &cfg) == 0);
	REQUIRE(tern_tls_config_load_cert_chain(cfg, cert_pem, key_pem) == 0);
	REQUIRE(tern_tls_config_set_cipher_suites(cfg, &k->suite, 1) == 0);
	REQUIRE(tern_tls_config_set_groups(cfg, k->groups, k->n_groups) == 0);
	if (k->alpn != NULL)
		REQUIRE(tern_tls_config_set_alpn(cfg, &k->alpn, 1) == 0);

	snprintf(log, sizeof(log), "%s/client.log", hs_test_tmpdir());
	snprintf(keys, sizeof(keys), "%s/client-keys.txt", hs_test_tmpdir());
	if (gnutls) {
		gnutls_prio(prio, sizeof(prio), k->suite, k->peer_groups);
		snprintf(
			cmd, sizeof(cmd),
			"(printf 'hello tern\\n'; sleep 3) | SSLKEYLOGFILE=%s exec timeout 15 "
			"gnutls-cli -p %d --x509cafile %s --priority '%s' %s%s localhost > %s 2>&1",
			keys, ntohs(a.sin_port), cert_pem, prio, k->alpn ? "--alpn " : "",
			k->alpn ? k->alpn : "", log);
	} else {
		snprintf(cmd, sizeof(cmd),
			 "(printf 'hello tern\\n'; sleep 3) | exec timeout 15 openssl s_client "
			 "-tls1_3 -connect 127.0.0.1:%d -servername localhost -CAfile %s "
			 "-verify_return_error -groups %s %s%s -brief -keylogfile %s > %s 2>&1",
			 ntohs(a.sin_port), cert_pem, k->peer_groups, k->alpn ? "-alpn " : "",
			 k->alpn ? k->alpn : "", keys, log);
	}
	peer_pid = spawn(cmd);
	{
		struct pollfd pfd = {lfd, POLLIN, 0};

		CHECK_EQ(poll(&pfd, 1, 10000), 1);
		sa.fd = accept(lfd, NULL, NULL);
	}
	CHECK(sa.fd >= 0);
	if (sa.fd >= 0) {
		sa.cfg = cfg;
		sa.echo_len = strlen("hello tern\n");
		REQUIRE(pthread_create(&th, NULL, server_thread, &sa) == 0);
		pthread_join(th, NULL);
	}
	CHECK_EQ(sa.rc, 0);
	CHECK_EQ(sa.suite, k->suite);
	CHECK_EQ(sa.did_hrr, k->expect_hrr);
	CHECK_EQ(strcmp(sa.alpn, k->alpn ? k->alpn : ""), 0);
	waitpid(peer_pid, &st, 0);
	peer_pid = 0;
	f = fopen(log, "r");
	REQUIRE(f != NULL);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	fclose(f);
	CHECK(strstr(out, "HELLO TERN") != NULL);
	check_keylog(sa.keylog, keys);
	if (gnutls) {
		static const char *const c[] = {"(AES-128-GCM)", "(AES-256-GCM)",
						"(CHACHA20-POLY1305)"};

		CHECK(strstr(out, "Handshake was completed") != NULL);
		CHECK(strstr(out, "(TLS1.3") != NULL);
		CHECK(strstr(out, c[k->suite - 0x1301]) != NULL);
	} else {
		CHECK(strstr(out, "Verification: OK") != NULL);
		CHECK(strstr(out, suite_name(k->suite)) != NULL);
	}
	if (strstr(out, "HELLO TERN") == NULL)
		fprintf(stderr, "%s said:\n%s\n", gnutls ? "gnutls-cli" : "s_client", out);
	close(lfd);
	tern_tls_config_free(cfg);
}

int
main(void)
{
	struct hs_test_pki pki;
	char cmd[512];
	size_t i;

	signal(SIGPIPE, SIG_IGN);
	atexit(kill_peer);
	hs_test_make_pki(&pki, "pair", "EC-P256", -60, 86400);
	test_tern_pair(&pki);

	if (system("openssl version > /dev/null 2>&1") != 0) {
		printf("hs_interop: %u passed, %u failed before the OpenSSL part\n",
		       tern_test_passed, tern_test_failed);
		if (tern_test_failed != 0)
			return 1;
		return tern_test_skip("hs_interop",
				      "openssl binary not found (apt-get install openssl)");
	}
	/* The certificate as the issue describes it: a self-signed P-256 one from openssl req. */
	snprintf(cert_pem, sizeof(cert_pem), "%s/ossl-cert.pem", hs_test_tmpdir());
	snprintf(key_pem, sizeof(key_pem), "%s/ossl-key.pem", hs_test_tmpdir());
	snprintf(cmd, sizeof(cmd),
		 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
		 "-keyout %s -out %s -days 2 -subj /CN=localhost "
		 "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 > /dev/null 2>&1",
		 key_pem, cert_pem);
	REQUIRE(system(cmd) == 0);
	for (i = 0; i < sizeof(client_cases) / sizeof(client_cases[0]); i++)
		test_client_vs_peer(&client_cases[i], false);
	for (i = 0; i < sizeof(server_cases) / sizeof(server_cases[0]); i++)
		test_peer_vs_server(&server_cases[i], false);
	if (system("gnutls-cli --version > /dev/null 2>&1") != 0 ||
	    system("gnutls-serv --version > /dev/null 2>&1") != 0) {
		/* OpenSSL ran; GnuTLS is an extra peer: say so rather than skip it silently. */
		printf("NOTE hs_interop: gnutls-bin missing, GnuTLS cases not run\n");
		return tern_test_done("hs_interop");
	}
	for (i = 0; i < sizeof(gnutls_client_cases) / sizeof(gnutls_client_cases[0]); i++)
		test_client_vs_peer(&gnutls_client_cases[i], true);
	for (i = 0; i < sizeof(gnutls_server_cases) / sizeof(gnutls_server_cases[0]); i++)
		test_peer_vs_server(&gnutls_server_cases[i], true);
	return tern_test_done("hs_interop");
}
