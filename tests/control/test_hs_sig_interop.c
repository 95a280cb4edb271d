/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signature schemes and certificates against real peers on 127.0.0.1:
 * - tern client against `openssl s_server` and `gnutls-serv`, and
 *   `openssl s_client` / `gnutls-cli` against a tern server, with ECDSA
 *   P-256, ECDSA P-384, RSA (rsa_pss_rsae), RSA-PSS (rsa_pss_pss) and
 *   Ed25519 certificates made by the openssl CLI; the negotiated scheme
 *   (tern_hs_sigalg) is checked on tern's side;
 * - server certificate selection by SNI: a tern server with chains for
 *   a.test and b.test, `openssl s_client -servername` and
 *   `gnutls-cli --sni-hostname` must each receive (and verify) the right one;
 * - bad certificates from s_server (expired, wrong host, untrusted): tern
 *   refuses them and s_server logs the alert tern sent.
 * Skips (77) when the openssl binary is missing; GnuTLS cases only when
 * gnutls-bin is installed (a NOTE says so otherwise).
 */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "hs_test_util.h"
#include "tls_test_conn.h"
#include "peer_proc.h"

struct keytype {
	const char *name;
	const char *genpkey; /* openssl req -newkey argument */
	uint16_t sigalgs[2]; /* acceptable schemes (0: unused) */
	bool gnutls;	     /* GnuTLS 3.7 handles it */
};

static const struct keytype keytypes[] = {
	{"ecdsa-p256",
	 "ec -pkeyopt ec_paramgen_curve:P-256",
	 {TERN_TLS_SIG_ECDSA_SECP256R1_SHA256, 0},
	 true},
	{"ecdsa-p384",
	 "ec -pkeyopt ec_paramgen_curve:P-384",
	 {TERN_TLS_SIG_ECDSA_SECP384R1_SHA384, 0},
	 true},
	{"rsa",
	 "rsa:2048",
	 {TERN_TLS_SIG_RSA_PSS_RSAE_SHA256, TERN_TLS_SIG_RSA_PSS_RSAE_SHA384},
	 true},
	{"rsa-pss",
	 "rsa-pss -pkeyopt rsa_keygen_bits:2048",
	 {TERN_TLS_SIG_RSA_PSS_PSS_SHA256, 0},
	 true},
	{"ed25519", "ed25519", {TERN_TLS_SIG_ED25519, 0}, true},
};
#define N_KEYTYPES (sizeof(keytypes) / sizeof(keytypes[0]))

static char cert[N_KEYTYPES][160], key[N_KEYTYPES][160];

static void
read_file(const char *path, char *out, size_t cap)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f != NULL) {
		n = fread(out, 1, cap - 1, f);
		fclose(f);
	}
	out[n] = '\0';
}

static bool
sigalg_ok(const struct keytype *kt, uint16_t s)
{
	return s != 0 && (s == kt->sigalgs[0] || s == kt->sigalgs[1]);
}

/* A self-signed certificate from the openssl CLI for names (comma-separated SAN list). */
static void
make_cert(const char *genpkey, const char *cn, const char *san, const char *days, char *cert_out,
	  char *key_out, const char *tag)
{
	char cmd[1024];

	snprintf(cert_out, 160, "%s/%s-cert.pem", hs_test_tmpdir(), tag);
	snprintf(key_out, 160, "%s/%s-key.pem", hs_test_tmpdir(), tag);
	snprintf(cmd, sizeof(cmd),
		 "openssl req -x509 -newkey %s -nodes -keyout %s -out %s %s -subj /CN=%s "
		 "-addext subjectAltName=%s > /dev/null 2>&1",
		 genpkey, key_out, cert_out, days, cn, san);
	REQUIRE(system(cmd) == 0);
}

/* --- tern client against a peer server --------------------------------------- */

/*
 * Connect a tern client (trusting ca, asking for name) to the already spawned
 * server on port. Returns 0 and the scheme, or -1 after a failed handshake
 * with the alert tern sent in *alert.
 */
static int
tern_client(int port, const char *ca, const char *name, uint16_t *sigalg,
	    enum tern_tls_alert *alert)
{
	struct tern_tls_config *cfg;
	struct tconn *c = calloc(1, sizeof(*c));
	int fd = connect_retry(port, 5000), rc = -1;

	REQUIRE(c != NULL);
	*sigalg = 0;
	*alert = TERN_TLS_ALERT_NONE;
	if (fd < 0) {
		CHECK(fd >= 0);
		free(c);
		return -1;
	}
	REQUIRE(tern_tls_config_new(TERN_TLS_CLIENT, &cfg) == 0);
	REQUIRE(tern_tls_config_load_ca_file(cfg, ca) == 0);
	REQUIRE(tconn_init(c, fd, cfg, name) == 0);
	if (tconn_handshake(c, 10000) == 0) {
		*sigalg = tern_hs_sigalg(c->hs);
		rc = tconn_write(c, "ping\n", 5);
		tconn_send_alert(c, TERN_TLS_ALERT_CLOSE_NOTIFY);
	} else {
		*alert = tern_hs_alert(c->hs);
		fprintf(stderr, "  tern client: %s (peer alert %s)\n", tern_hs_error_string(c->hs),
			tern_tls_alert_name(c->peer_alert));
	}
	tconn_free(c);
	free(c);
	close(fd);
	tern_tls_config_free(cfg);
	return rc;
}

static void
test_client_vs(const struct keytype *kt, const char *crt, const char *k, bool gnutls)
{
	char cmd[1200], log[200];
	int port = free_port();
	uint16_t s;
	enum tern_tls_alert a;

	snprintf(log, sizeof(log), "%s/peer-server.log", hs_test_tmpdir());
	if (gnutls)
		snprintf(cmd, sizeof(cmd),
			 "exec timeout 20 gnutls-serv --echo -a -p %d --x509certfile %s "
			 "--x509keyfile %s --priority 'NORMAL:-VERS-ALL:+VERS-TLS1.3:+SIGN-ALL' "
			 "< /dev/null > %s 2>&1",
			 port, crt, k, log);
	else
		snprintf(cmd, sizeof(cmd),
			 "sleep 20 | exec timeout 20 openssl s_server -tls1_3 -accept 127.0.0.1:%d "
			 "-cert %s -key %s -naccept 1 > %s 2>&1",
			 port, crt, k, log);
	peer_pid = spawn(cmd);
	CHECK_EQ(tern_client(port, crt, "localhost", &s, &a), 0);
	printf("tern client vs %-11s %-10s certificate: scheme 0x%04x\n",
	       gnutls ? "gnutls-serv" : "s_server", kt->name, s);
	if (!sigalg_ok(kt, s))
		fprintf(stderr, "tern client vs %s, %s certificate: scheme 0x%04x\n",
			gnutls ? "gnutls-serv" : "s_server", kt->name, s);
	CHECK(sigalg_ok(kt, s));
	kill_peer();
}

/* --- peer client against a tern server ----------------------------------------- */

struct server_arg {
	int lfd;
	struct tern_tls_config *cfg;
	int rc;
	uint16_t sigalg;
	char sni[256];
};

static void *
server_thread(void *p)
{
	struct server_arg *a = p;
	struct tconn *c = calloc(1, sizeof(*c));
	struct pollfd pfd = {a->lfd, POLLIN, 0};
	const char *sni;
	size_t i;
	int fd = -1;

	a->rc = -1;
	if (c == NULL || poll(&pfd, 1, 10000) != 1 || (fd = accept(a->lfd, NULL, NULL)) < 0 ||
	    tconn_init(c, fd, a->cfg, NULL) != 0)
		goto out;
	if (tconn_handshake(c, 10000) != 0) {
		fprintf(stderr, "  tern server: %s (alert %s)\n", tern_hs_error_string(c->hs),
			tern_tls_alert_name(c->peer_alert));
		goto out;
	}
	a->sigalg = tern_hs_sigalg(c->hs);
	sni = tern_hs_server_name(c->hs);
	snprintf(a->sni, sizeof(a->sni), "%s", sni != NULL ? sni : "");
	if (tconn_read(c, 6, 10000) != 0)
		goto out;
	for (i = 0; i < 6; i++)
		c->app[i] = (uint8_t)(c->app[i] >= 'a' && c->app[i] <= 'z' ? c->app[i] - 32
									   : c->app[i]);
	if (tconn_write(c, c->app, 6) != 0)
		goto out;
	tconn_send_alert(c, TERN_TLS_ALERT_CLOSE_NOTIFY);
	a->rc = 0;
out:
	if (c != NULL && c->hs != NULL)
		tconn_free(c);
	free(c);
	if (fd >= 0)
		close(fd);
	return NULL;
}

static int
listen_port(int *lfd)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);
	int one = 1;

	*lfd = socket(AF_INET, SOCK_STREAM, 0);
	REQUIRE(*lfd >= 0);
	setsockopt(*lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	REQUIRE(bind(*lfd, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(*lfd, 1) == 0);
	REQUIRE(getsockname(*lfd, (struct sockaddr *)&a, &alen) == 0);
	return ntohs(a.sin_port);
}

/*
 * Run cmd_fmt (one %d for the port) as the client against a tern server with
 * cfg; out gets the client's output. Returns the server thread's result.
 */
static int
run_peer_client(struct tern_tls_config *cfg, const char *cmd_fmt, struct server_arg *sa, char *out,
		size_t cap)
{
	char cmd[1400], log[200], full[1700];
	pthread_t th;
	int st;

	memset(sa, 0, sizeof(*sa));
	sa->cfg = cfg;
	snprintf(log, sizeof(log), "%s/peer-client.log", hs_test_tmpdir());
	snprintf(cmd, sizeof(cmd), cmd_fmt, listen_port(&sa->lfd));
	snprintf(full, sizeof(full), "(printf 'hello\\n'; sleep 2) | exec timeout 15 %s > %s 2>&1",
		 cmd, log);
	REQUIRE(pthread_create(&th, NULL, server_thread, sa) == 0);
	peer_pid = spawn(full);
	pthread_join(th, NULL);
	waitpid(peer_pid, &st, 0);
	peer_pid = 0;
	close(sa->lfd);
	read_file(log, out, cap);
	if (sa->rc != 0 || strstr(out, "HELLO") == NULL)
		fprintf(stderr, "peer client said:\n%s\n", out);
	return sa->rc;
}

static void
test_peer_vs_server(const struct keytype *kt, const char *crt, const char *k, bool gnutls)
{
	struct tern_tls_config *cfg;
	struct server_arg sa;
	char fmt[1000], out[16384];

	REQUIRE(tern_tls_config_new(TERN_TLS_SERVER, &cfg) == 0);
	REQUIRE(tern_tls_config_load_cert_chain(cfg, crt, k) == 0);
	if (gnutls)
		snprintf(fmt, sizeof(fmt),
			 "gnutls-cli -p %%d --x509cafile %s "
			 "--priority 'NORMAL:-VERS-ALL:+VERS-TLS1.3:+SIGN-ALL' localhost",
			 crt);
	else
		snprintf(fmt, sizeof(fmt),
			 "openssl s_client -tls1_3 -connect 127.0.0.1:%%d -servername localhost "
			 "-CAfile %s -verify_return_error -brief",
			 crt);
	CHECK_EQ(run_peer_client(cfg, fmt, &sa, out, sizeof(out)), 0);
	CHECK(strstr(out, "HELLO") != NULL);
	printf("%-10s vs tern server %-10s certificate: scheme 0x%04x\n",
	       gnutls ? "gnutls-cli" : "s_client", kt->name, sa.sigalg);
	if (!sigalg_ok(kt, sa.sigalg))
		fprintf(stderr, "%s vs tern server, %s certificate: scheme 0x%04x\n",
			gnutls ? "gnutls-cli" : "s_client", kt->name, sa.sigalg);
	CHECK(sigalg_ok(kt, sa.sigalg));
	tern_tls_config_free(cfg);
}

/* --- SNI ------------------------------------------------------------------------- */

static void
test_sni(bool gnutls)
{
	static const char *const names[] = {"a.test", "b.test"};
	char crt[2][160], k[2][160], fmt[1000], out[16384], want[64];
	struct tern_tls_config *cfg;
	struct server_arg sa;
	unsigned i;

	make_cert("ec -pkeyopt ec_paramgen_curve:P-256", "a.test", "DNS:a.test", "-days 2", crt[0],
		  k[0], "sni-a");
	make_cert("ed25519", "b.test", "DNS:b.test", "-days 2", crt[1], k[1], "sni-b");
	REQUIRE(tern_tls_config_new(TERN_TLS_SERVER, &cfg) == 0);
	REQUIRE(tern_tls_config_add_cert_chain(cfg, crt[0], k[0]) == 0);
	REQUIRE(tern_tls_config_add_cert_chain(cfg, crt[1], k[1]) == 0);
	for (i = 0; i < 2; i++) {
		/* Trust only the expected certificate: a wrong one fails verification. */
		if (gnutls)
			snprintf(fmt, sizeof(fmt),
				 "gnutls-cli -p %%d --x509cafile %s --sni-hostname %s "
				 "--verify-hostname %s --priority 'NORMAL:-VERS-ALL:+VERS-TLS1.3' "
				 "127.0.0.1",
				 crt[i], names[i], names[i]);
		else
			snprintf(fmt, sizeof(fmt),
				 "openssl s_client -tls1_3 -connect 127.0.0.1:%%d -servername %s "
				 "-verify_hostname %s -CAfile %s -verify_return_error",
				 names[i], names[i], crt[i]);
		CHECK_EQ(run_peer_client(cfg, fmt, &sa, out, sizeof(out)), 0);
		CHECK_EQ(strcmp(sa.sni, names[i]), 0);
		CHECK(strstr(out, "HELLO") != NULL);
		CHECK_EQ(sa.sigalg,
			 i == 0 ? TERN_TLS_SIG_ECDSA_SECP256R1_SHA256 : TERN_TLS_SIG_ED25519);
		if (!gnutls) {
			snprintf(want, sizeof(want), "subject=CN = %s", names[i]);
			CHECK(strstr(out, want) != NULL);
		}
	}
	tern_tls_config_free(cfg);
}

/* --- bad certificates from s_server ---------------------------------------------- */

/* tern refuses the server's certificate; s_server's log shows the alert tern sent. */
static void
test_bad_cert(const char *what, const char *crt, const char *k, const char *ca, const char *name,
	      enum tern_tls_alert want)
{
	char cmd[1200], log[200], out[16384], num[64];
	int port = free_port();
	uint16_t s;
	enum tern_tls_alert a;

	snprintf(log, sizeof(log), "%s/bad-server.log", hs_test_tmpdir());
	snprintf(cmd, sizeof(cmd),
		 "sleep 20 | exec timeout 20 openssl s_server -tls1_3 -accept 127.0.0.1:%d "
		 "-cert %s -key %s -naccept 1 > %s 2>&1",
		 port, crt, k, log);
	peer_pid = spawn(cmd);
	CHECK_EQ(tern_client(port, ca, name, &s, &a), -1);
	if (a != want)
		fprintf(stderr, "%s: tern sent %s, want %s\n", what, tern_tls_alert_name(a),
			tern_tls_alert_name(want));
	CHECK_EQ(a, want);
	/* s_server logs the alert after tern's close: give it a moment (bounded). */
	snprintf(num, sizeof(num), "alert number %d", (int)want);
	for (int i = 0; i < 50; i++) {
		read_file(log, out, sizeof(out));
		if (strstr(out, num) != NULL)
			break;
		usleep(100 * 1000);
	}
	kill_peer();
	read_file(log, out, sizeof(out));
	if (strstr(out, num) == NULL)
		fprintf(stderr, "%s: s_server said:\n%s\n", what, out);
	CHECK(strstr(out, num) != NULL);
}

static void
test_bad_certs(void)
{
	struct hs_test_pki expired, good, other;

	hs_test_make_pki(&expired, "bad-expired", "EC-P256", -7200, -3600);
	hs_test_make_pki(&good, "bad-good", "EC-P256", -60, 86400);
	hs_test_make_pki(&other, "bad-other", "EC-P256", -60, 86400);
	test_bad_cert("expired", expired.chain, expired.key, expired.ca, "localhost",
		      TERN_TLS_ALERT_CERTIFICATE_EXPIRED);
	test_bad_cert("wrong host", good.chain, good.key, good.ca, "other.test",
		      TERN_TLS_ALERT_BAD_CERTIFICATE);
	test_bad_cert("untrusted", good.chain, good.key, other.ca, "localhost",
		      TERN_TLS_ALERT_UNKNOWN_CA);
}

int
main(void)
{
	bool have_gnutls;
	size_t i;

	signal(SIGPIPE, SIG_IGN);
	atexit(kill_peer);
	if (system("openssl version > /dev/null 2>&1") != 0)
		return tern_test_skip("hs_sig_interop",
				      "openssl binary not found (apt-get install openssl)");
	have_gnutls = system("gnutls-cli --version > /dev/null 2>&1") == 0 &&
		      system("gnutls-serv --version > /dev/null 2>&1") == 0;
	for (i = 0; i < N_KEYTYPES; i++)
		make_cert(keytypes[i].genpkey, "localhost", "DNS:localhost,IP:127.0.0.1", "-days 2",
			  cert[i], key[i], keytypes[i].name);
	for (i = 0; i < N_KEYTYPES; i++) {
		test_client_vs(&keytypes[i], cert[i], key[i], false);
		test_peer_vs_server(&keytypes[i], cert[i], key[i], false);
		if (have_gnutls && keytypes[i].gnutls) {
			test_client_vs(&keytypes[i], cert[i], key[i], true);
			test_peer_vs_server(&keytypes[i], cert[i], key[i], true);
		}
	}
	test_sni(false);
	if (have_gnutls)
		test_sni(true);
	test_bad_certs();
	if (!have_gnutls)
		printf("NOTE hs_sig_interop: gnutls-bin missing, GnuTLS cases not run\n");
	return tern_test_done("hs_sig_interop");
}
