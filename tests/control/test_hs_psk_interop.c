/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Resumption, 0-RTT and client authentication against real peers over 127.0.0.1
 * (tests/control's blocking driver, tls_test_conn.h):
 * - tern client against `openssl s_server` (tickets by default): a full
 *   handshake, then a resumed one with a ticket from it;
 * - `openssl s_client -sess_out` then `-sess_in` against a tern server;
 * - `gnutls-cli --resume --waitresumption` against a tern server;
 * - tern client against `gnutls-serv`;
 * - `openssl s_client -cert -key` against a tern server requiring a client
 *   certificate, and without one (certificate_required);
 * - tern client with a certificate against `openssl s_server -Verify 1`,
 *   and without one (the server refuses);
 * - 0-RTT: tern client against `openssl s_server -early_data` (accepted,
 *   then the same ticket again: rejected by OpenSSL's anti-replay), and
 *   `openssl s_client -sess_in -early_data FILE` against a tern server.
 * SKIP (exit 77) only when the openssl binary is missing; GnuTLS cases are
 * reported as not run when gnutls-bin is missing.
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
static char cli_cert_pem[160], cli_key_pem[160];
/* client_once: present this identity; a failure is expected; the alert the peer sent */
static const char *client_cert, *client_key;
static bool expect_fail;
static int last_peer_alert;

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

/*
 * One tern client connection to a running peer: handshake (offering
 * sess if given), send a line, read `reply_len` bytes back (the tickets
 * arrive meanwhile). Returns whether it resumed, -1 on failure.
 */
static int
client_once(int port, const uint8_t *sess, size_t sess_len, uint8_t *out_sess, size_t *out_len,
	    size_t reply_len, const char *who)
{
	struct tern_tls_config *cfg;
	struct tconn *c = calloc(1, sizeof(*c));
	const char *line = "Hello from tern\n";
	int fd, resumed = -1, i;

	REQUIRE(c != NULL);
	fd = connect_retry(port, 5000);
	CHECK(fd >= 0);
	if (fd < 0) {
		free(c);
		return -1;
	}
	REQUIRE(tern_tls_config_new(TERN_TLS_CLIENT, &cfg) == 0);
	REQUIRE(tern_tls_config_load_ca_file(cfg, cert_pem) == 0);
	if (client_cert != NULL)
		REQUIRE(tern_tls_config_load_cert_chain(cfg, client_cert, client_key) == 0);
	REQUIRE(tconn_init(c, fd, cfg, "localhost") == 0);
	if (sess != NULL)
		REQUIRE(tern_hs_set_session(c->hs, sess, sess_len) == 0);
	last_peer_alert = -1;
	if (tconn_handshake(c, 10000) != 0) {
		last_peer_alert = c->peer_alert;
		if (!expect_fail) {
			fprintf(stderr, "client vs %s: %s, peer alert %s\n", who,
				tern_hs_error_string(c->hs), tern_tls_alert_name(c->peer_alert));
			CHECK(0);
		}
		goto done;
	}
	if (expect_fail) {
		/* TLS 1.3 clients finish before the server judges their certificate. */
		tconn_write(c, "x\n", 2);
		tconn_read(c, 1, 3000);
		last_peer_alert = c->peer_alert;
		resumed = -1;
		goto done;
	}
	CHECK_EQ(tconn_write(c, line, strlen(line)), 0);
	CHECK_EQ(tconn_read(c, reply_len, 10000), 0);
	CHECK_EQ(c->app_len, reply_len);
	/* Tickets may trail the data: wait a little for one. */
	for (i = 0; i < 20 && c->n_sess == 0; i++)
		tconn_pump(c, 50);
	resumed = tern_hs_is_resumed(c->hs);
	if (out_sess != NULL) {
		CHECK(c->n_sess >= 1);
		*out_len = c->n_sess >= 1 ? c->sess_len[0] : 0;
		memcpy(out_sess, c->sess[0], *out_len);
	}
done:
	tconn_send_alert(c, TERN_TLS_ALERT_CLOSE_NOTIFY);
	tconn_free(c);
	close(fd);
	tern_tls_config_free(cfg);
	free(c);
	return resumed;
}

/* tern client, full then resumed, against openssl s_server or gnutls-serv. */
static void
test_client_resume(bool gnutls)
{
	static uint8_t sess[2048];
	size_t sess_len = 0;
	char cmd[1024], log[200], out[16384];
	int port = free_port();
	const char *who = gnutls ? "gnutls-serv" : "s_server";

	snprintf(log, sizeof(log), "%s/resume-server.log", hs_test_tmpdir());
	if (gnutls)
		snprintf(cmd, sizeof(cmd),
			 "exec timeout 30 gnutls-serv --echo -a -p %d --x509certfile %s "
			 "--x509keyfile %s --priority NORMAL:-VERS-ALL:+VERS-TLS1.3 "
			 "< /dev/null > %s 2>&1",
			 port, cert_pem, key_pem, log);
	else
		snprintf(cmd, sizeof(cmd),
			 "sleep 30 | exec timeout 30 openssl s_server -tls1_3 -accept 127.0.0.1:%d "
			 "-cert %s -key %s -rev -naccept 2 > %s 2>&1",
			 port, cert_pem, key_pem, log);
	peer_pid = spawn(cmd);
	CHECK_EQ(client_once(port, NULL, 0, sess, &sess_len, 16, who), 0);
	CHECK(sess_len > 0);
	if (sess_len > 0) {
		int r = client_once(port, sess, sess_len, NULL, NULL, 16, who);

		CHECK_EQ(r, 1);
		if (r != 1) {
			read_file(log, out, sizeof(out));
			fprintf(stderr, "%s said:\n%s\n", who, out);
		}
	}
	kill_peer();
}

struct server_arg {
	int lfd;
	struct tern_tls_config *cfg;
	int rc;
	size_t echo_len; /* 0: no data, just wait for the client to go */
	bool resumed;
	size_t peer_cert_len;	 /* the client's leaf, 0 if none */
	enum tern_tls_alert err; /* the engine's alert if the handshake failed */
	enum tern_hs_early_data early;
	char early_data[256]; /* what arrived as 0-RTT data */
	bool quiet;	      /* a failure is expected */
};

static void *
server_thread(void *p)
{
	struct server_arg *a = p;
	struct tconn *c = calloc(1, sizeof(*c));
	struct pollfd pfd = {a->lfd, POLLIN, 0};
	size_t i;
	int fd = -1;

	a->rc = -1;
	if (c == NULL || poll(&pfd, 1, 10000) != 1)
		goto out;
	fd = accept(a->lfd, NULL, NULL);
	if (fd < 0 || tconn_init(c, fd, a->cfg, NULL) != 0)
		goto out;
	if (tconn_handshake(c, 10000) != 0) {
		a->err = tern_hs_alert(c->hs);
		if (!a->quiet)
			fprintf(stderr, "server handshake: %s (alert %s)\n",
				tern_hs_error_string(c->hs), tern_tls_alert_name(c->peer_alert));
		goto out;
	}
	a->resumed = tern_hs_is_resumed(c->hs);
	a->early = tern_hs_early_data_state(c->hs);
	if (c->early_len < sizeof(a->early_data))
		memcpy(a->early_data, c->early, c->early_len);
	{
		const uint8_t *der;

		a->peer_cert_len = tern_hs_peer_certificate(c->hs, 0, &der);
	}
	if (a->echo_len > 0) {
		if (tconn_read(c, a->echo_len, 10000) != 0)
			goto out;
		for (i = 0; i < a->echo_len; i++)
			c->app[i] = (uint8_t)(c->app[i] >= 'a' && c->app[i] <= 'z' ? c->app[i] - 32
										   : c->app[i]);
		if (tconn_write(c, c->app, a->echo_len) != 0)
			goto out;
	} else {
		/* Until the client closes (it has the tickets by then). */
		for (i = 0; i < 100 && !c->peer_closed && c->peer_alert == -1 && !c->io_error; i++)
			if (tconn_pump(c, 50) != 0 && (c->peer_alert != -1 || c->io_error))
				break;
	}
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
listen_any(int *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);
	int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	REQUIRE(lfd >= 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	REQUIRE(bind(lfd, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(lfd, 4) == 0);
	REQUIRE(getsockname(lfd, (struct sockaddr *)&a, &alen) == 0);
	*port = ntohs(a.sin_port);
	return lfd;
}

/* openssl s_client -sess_out, then -sess_in, against a tern server. */
static void
test_openssl_client_resume(void)
{
	struct tern_tls_config *cfg;
	struct server_arg sa = {0};
	char cmd[1200], log[200], sessf[200], out[16384];
	int lfd, port, st, round;
	pthread_t th;

	lfd = listen_any(&port);
	REQUIRE(tern_tls_config_new(TERN_TLS_SERVER, &cfg) == 0);
	REQUIRE(tern_tls_config_load_cert_chain(cfg, cert_pem, key_pem) == 0);
	snprintf(sessf, sizeof(sessf), "%s/ossl-sess.pem", hs_test_tmpdir());
	for (round = 0; round < 2; round++) {
		snprintf(log, sizeof(log), "%s/ossl-client-%d.log", hs_test_tmpdir(), round);
		snprintf(cmd, sizeof(cmd),
			 "(printf 'hello tern\\n'; sleep 2) | exec timeout 15 openssl s_client "
			 "-tls1_3 -connect 127.0.0.1:%d -servername localhost -CAfile %s "
			 "-verify_return_error %s %s > %s 2>&1",
			 port, cert_pem, round == 0 ? "-sess_out" : "-sess_in", sessf, log);
		memset(&sa, 0, sizeof(sa));
		sa.lfd = lfd;
		sa.cfg = cfg;
		sa.echo_len = strlen("hello tern\n");
		REQUIRE(pthread_create(&th, NULL, server_thread, &sa) == 0);
		peer_pid = spawn(cmd);
		pthread_join(th, NULL);
		waitpid(peer_pid, &st, 0);
		peer_pid = 0;
		read_file(log, out, sizeof(out));
		CHECK_EQ(sa.rc, 0);
		CHECK_EQ(sa.resumed, round == 1);
		CHECK(strstr(out, "HELLO TERN") != NULL);
		/* s_client's own view: "New" then "Reused". */
		CHECK(strstr(out, round == 0 ? "New, TLSv1.3" : "Reused, TLSv1.3") != NULL);
		if (sa.rc != 0 || sa.resumed != (round == 1))
			fprintf(stderr, "s_client said:\n%s\n", out);
	}
	close(lfd);
	tern_tls_config_free(cfg);
}

/* gnutls-cli --resume --waitresumption against a tern server: two connections. */
static void
test_gnutls_client_resume(void)
{
	struct tern_tls_config *cfg;
	struct server_arg sa[2];
	char cmd[1200], log[200], out[16384];
	int lfd, port, st, i;
	pthread_t th;

	lfd = listen_any(&port);
	REQUIRE(tern_tls_config_new(TERN_TLS_SERVER, &cfg) == 0);
	REQUIRE(tern_tls_config_load_cert_chain(cfg, cert_pem, key_pem) == 0);
	snprintf(log, sizeof(log), "%s/gnutls-cli-resume.log", hs_test_tmpdir());
	snprintf(cmd, sizeof(cmd),
		 "(sleep 2; printf 'hello tern\\n'; sleep 2) | exec timeout 15 gnutls-cli "
		 "--resume --waitresumption -p %d --x509cafile %s "
		 "--priority NORMAL:-VERS-ALL:+VERS-TLS1.3 localhost > %s 2>&1",
		 port, cert_pem, log);
	peer_pid = spawn(cmd);
	for (i = 0; i < 2; i++) {
		memset(&sa[i], 0, sizeof(sa[i]));
		sa[i].lfd = lfd;
		sa[i].cfg = cfg;
		sa[i].echo_len = i == 0 ? 0 : strlen("hello tern\n");
		REQUIRE(pthread_create(&th, NULL, server_thread, &sa[i]) == 0);
		pthread_join(th, NULL);
	}
	waitpid(peer_pid, &st, 0);
	peer_pid = 0;
	read_file(log, out, sizeof(out));
	CHECK_EQ(sa[0].rc, 0);
	CHECK_EQ(sa[1].rc, 0);
	CHECK(!sa[0].resumed);
	CHECK(sa[1].resumed);
	CHECK(strstr(out, "This is a resumed session") != NULL);
	if (!sa[1].resumed || strstr(out, "This is a resumed session") == NULL)
		fprintf(stderr, "gnutls-cli said:\n%s\n", out);
	close(lfd);
	tern_tls_config_free(cfg);
}

/* openssl s_client with and without a certificate against a tern server requiring one. */
static void
test_openssl_client_auth(void)
{
	struct tern_tls_config *cfg;
	struct server_arg sa;
	char cmd[1200], log[200], out[16384];
	int lfd, port, st, round;
	pthread_t th;

	lfd = listen_any(&port);
	REQUIRE(tern_tls_config_new(TERN_TLS_SERVER, &cfg) == 0);
	REQUIRE(tern_tls_config_load_cert_chain(cfg, cert_pem, key_pem) == 0);
	REQUIRE(tern_tls_config_load_ca_file(cfg, cli_cert_pem) == 0);
	REQUIRE(tern_tls_config_set_client_auth(cfg, TERN_TLS_CLIENT_AUTH_REQUIRED) == 0);
	for (round = 0; round < 2; round++) {
		char id[400] = "";

		if (round == 0)
			snprintf(id, sizeof(id), "-cert %s -key %s", cli_cert_pem, cli_key_pem);
		snprintf(log, sizeof(log), "%s/ossl-auth-%d.log", hs_test_tmpdir(), round);
		snprintf(cmd, sizeof(cmd),
			 "(printf 'hello tern\\n'; sleep 2) | exec timeout 15 openssl s_client "
			 "-tls1_3 -connect 127.0.0.1:%d -servername localhost -CAfile %s "
			 "-verify_return_error %s > %s 2>&1",
			 port, cert_pem, id, log);
		memset(&sa, 0, sizeof(sa));
		sa.lfd = lfd;
		sa.cfg = cfg;
		sa.echo_len = strlen("hello tern\n");
		sa.quiet = round == 1;
		REQUIRE(pthread_create(&th, NULL, server_thread, &sa) == 0);
		peer_pid = spawn(cmd);
		pthread_join(th, NULL);
		waitpid(peer_pid, &st, 0);
		peer_pid = 0;
		read_file(log, out, sizeof(out));
		if (round == 0) {
			CHECK_EQ(sa.rc, 0);
			CHECK(sa.peer_cert_len > 0);
			CHECK(strstr(out, "HELLO TERN") != NULL);
		} else {
			CHECK(sa.rc != 0);
			CHECK_EQ(sa.err, TERN_TLS_ALERT_CERTIFICATE_REQUIRED);
			/* s_client names the alert it got */
			CHECK(strstr(out, "certificate required") != NULL);
			CHECK(strstr(out, "HELLO TERN") == NULL);
		}
		if ((round == 0) != (sa.rc == 0))
			fprintf(stderr, "s_client said:\n%s\n", out);
	}
	close(lfd);
	tern_tls_config_free(cfg);
}

/* tern client with and without a certificate against openssl s_server -Verify 1. */
static void
test_client_auth_vs_openssl(void)
{
	char cmd[1200], log[200], out[16384];
	int port = free_port(), r;

	snprintf(log, sizeof(log), "%s/auth-server.log", hs_test_tmpdir());
	snprintf(cmd, sizeof(cmd),
		 "sleep 30 | exec timeout 30 openssl s_server -tls1_3 -accept 127.0.0.1:%d "
		 "-cert %s -key %s -Verify 1 -CAfile %s -verify_return_error -rev -naccept 2 "
		 "> %s 2>&1",
		 port, cert_pem, key_pem, cli_cert_pem, log);
	peer_pid = spawn(cmd);
	client_cert = cli_cert_pem;
	client_key = cli_key_pem;
	r = client_once(port, NULL, 0, NULL, NULL, 16, "s_server -Verify 1");
	CHECK_EQ(r, 0);
	client_cert = client_key = NULL;
	expect_fail = true;
	r = client_once(port, NULL, 0, NULL, NULL, 16, "s_server -Verify 1");
	expect_fail = false;
	CHECK_EQ(r, -1);
	CHECK_EQ(last_peer_alert, TERN_TLS_ALERT_CERTIFICATE_REQUIRED);
	read_file(log, out, sizeof(out));
	if (r != -1 || last_peer_alert != TERN_TLS_ALERT_CERTIFICATE_REQUIRED)
		fprintf(stderr, "s_server said:\n%s\n", out);
	kill_peer();
}

/*
 * tern client with 0-RTT against a peer: handshake offering sess with early
 * data "early hello\n" at the early level, then a 1-RTT line. Returns the
 * early data state, -1 on failure.
 */
static int
client_early_once(int port, const uint8_t *sess, size_t sess_len, const char *who)
{
	struct tern_tls_config *cfg;
	struct tconn *c = calloc(1, sizeof(*c));
	const char *early = "early hello\n", *line = "late hello\n";
	int fd, state = -1, i;

	REQUIRE(c != NULL);
	fd = connect_retry(port, 5000);
	CHECK(fd >= 0);
	if (fd < 0) {
		free(c);
		return -1;
	}
	REQUIRE(tern_tls_config_new(TERN_TLS_CLIENT, &cfg) == 0);
	REQUIRE(tern_tls_config_load_ca_file(cfg, cert_pem) == 0);
	REQUIRE(tern_tls_config_set_early_data(cfg, true) == 0);
	REQUIRE(tconn_init(c, fd, cfg, "localhost") == 0);
	REQUIRE(tern_hs_set_session(c->hs, sess, sess_len) == 0);
	REQUIRE(tern_hs_start(c->hs) == 0);
	CHECK_EQ(tern_hs_early_data_state(c->hs), TERN_HS_EARLY_OFFERED);
	CHECK(tern_hs_max_early_data(c->hs) >= strlen(early));
	CHECK_EQ(tconn_send_records(c, TERN_HS_LEVEL_EARLY, TERN_TLS_CT_APPLICATION_DATA,
				    (const uint8_t *)early, strlen(early)),
		 0);
	for (i = 0; i < 200 && !tern_hs_is_complete(c->hs); i++)
		if (tconn_pump(c, 50) != 0 &&
		    (c->io_error || tern_hs_error(c->hs) != 0 || c->peer_alert != -1))
			break;
	if (!tern_hs_is_complete(c->hs)) {
		fprintf(stderr, "0-RTT client vs %s: %s, peer alert %s\n", who,
			tern_hs_error_string(c->hs), tern_tls_alert_name(c->peer_alert));
		CHECK(0);
		goto done;
	}
	state = tern_hs_early_data_state(c->hs);
	/* Accepted early data implies resumption; a rejecting peer may also do a full handshake. */
	if (state == TERN_HS_EARLY_ACCEPTED)
		CHECK(tern_hs_is_resumed(c->hs));
	CHECK_EQ(tconn_write(c, line, strlen(line)), 0);
	tconn_pump(c, 300);
done:
	tconn_send_alert(c, TERN_TLS_ALERT_CLOSE_NOTIFY);
	tconn_free(c);
	close(fd);
	tern_tls_config_free(cfg);
	free(c);
	return state;
}

/* 0-RTT against openssl s_server -early_data: accepted, then replayed (rejected). */
static void
test_client_early_vs_openssl(void)
{
	static uint8_t sess[2048];
	size_t sess_len = 0;
	char cmd[1024], log[200], out[16384];
	int port = free_port(), st;

	snprintf(log, sizeof(log), "%s/early-server.log", hs_test_tmpdir());
	snprintf(cmd, sizeof(cmd),
		 "sleep 30 | exec timeout 30 openssl s_server -tls1_3 -accept 127.0.0.1:%d "
		 "-cert %s -key %s -early_data -naccept 3 > %s 2>&1",
		 port, cert_pem, key_pem, log);
	peer_pid = spawn(cmd);
	/* Without -rev s_server echoes nothing: no reply expected. */
	CHECK_EQ(client_once(port, NULL, 0, sess, &sess_len, 0, "s_server -early_data"), 0);
	REQUIRE(sess_len > 0);
	st = client_early_once(port, sess, sess_len, "s_server -early_data");
	CHECK_EQ(st, TERN_HS_EARLY_ACCEPTED);
	/* OpenSSL's anti-replay refuses the same ticket's early data a second time. */
	st = client_early_once(port, sess, sess_len, "s_server -early_data");
	CHECK_EQ(st, TERN_HS_EARLY_REJECTED);
	usleep(300000);
	kill_peer();
	read_file(log, out, sizeof(out));
	CHECK(strstr(out, "Early data received") != NULL);
	CHECK(strstr(out, "early hello") != NULL);
	CHECK(strstr(out, "late hello") != NULL);
	if (strstr(out, "early hello") == NULL)
		fprintf(stderr, "s_server said:\n%s\n", out);
}

/* openssl s_client -sess_out, then -sess_in -early_data FILE, against a tern server. */
static void
test_openssl_client_early(void)
{
	struct tern_tls_config *cfg;
	struct server_arg sa;
	char cmd[1400], log[200], sessf[200], early[200], out[16384];
	int lfd, port, st, round;
	pthread_t th;
	FILE *f;

	lfd = listen_any(&port);
	REQUIRE(tern_tls_config_new(TERN_TLS_SERVER, &cfg) == 0);
	REQUIRE(tern_tls_config_load_cert_chain(cfg, cert_pem, key_pem) == 0);
	REQUIRE(tern_tls_config_set_max_early_data(cfg, 16384) == 0);
	snprintf(sessf, sizeof(sessf), "%s/ossl-early-sess.pem", hs_test_tmpdir());
	snprintf(early, sizeof(early), "%s/early.txt", hs_test_tmpdir());
	f = fopen(early, "w");
	REQUIRE(f != NULL);
	fputs("zero rtt from openssl\n", f);
	fclose(f);
	for (round = 0; round < 2; round++) {
		char extra[600];

		if (round == 0)
			snprintf(extra, sizeof(extra), "-sess_out %s", sessf);
		else
			snprintf(extra, sizeof(extra), "-sess_in %s -early_data %s", sessf, early);
		snprintf(log, sizeof(log), "%s/ossl-early-%d.log", hs_test_tmpdir(), round);
		snprintf(cmd, sizeof(cmd),
			 "sleep 2 | exec timeout 15 openssl s_client -tls1_3 -connect 127.0.0.1:%d "
			 "-servername localhost -CAfile %s -verify_return_error %s > %s 2>&1",
			 port, cert_pem, extra, log);
		memset(&sa, 0, sizeof(sa));
		sa.lfd = lfd;
		sa.cfg = cfg;
		sa.echo_len = 0;
		REQUIRE(pthread_create(&th, NULL, server_thread, &sa) == 0);
		peer_pid = spawn(cmd);
		pthread_join(th, NULL);
		waitpid(peer_pid, &st, 0);
		peer_pid = 0;
		read_file(log, out, sizeof(out));
		CHECK_EQ(sa.rc, 0);
		CHECK_EQ(sa.resumed, round == 1);
		CHECK_EQ(sa.early, round == 1 ? TERN_HS_EARLY_ACCEPTED : TERN_HS_EARLY_NONE);
		if (round == 1) {
			CHECK_EQ(strcmp(sa.early_data, "zero rtt from openssl\n"), 0);
			CHECK(strstr(out, "Early data was accepted") != NULL);
		}
		if (sa.rc != 0 || (round == 1 && sa.early != TERN_HS_EARLY_ACCEPTED))
			fprintf(stderr, "s_client said:\n%s\n", out);
	}
	close(lfd);
	tern_tls_config_free(cfg);
}

int
main(void)
{
	char cmd[512];

	(void)hs_test_make_pki; /* the peers use an openssl-made certificate */
	signal(SIGPIPE, SIG_IGN);
	atexit(kill_peer);
	if (system("openssl version > /dev/null 2>&1") != 0)
		return tern_test_skip("hs_psk_interop",
				      "openssl binary not found (apt-get install openssl)");
	snprintf(cert_pem, sizeof(cert_pem), "%s/ossl-cert.pem", hs_test_tmpdir());
	snprintf(key_pem, sizeof(key_pem), "%s/ossl-key.pem", hs_test_tmpdir());
	snprintf(cmd, sizeof(cmd),
		 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
		 "-keyout %s -out %s -days 2 -subj /CN=localhost "
		 "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 > /dev/null 2>&1",
		 key_pem, cert_pem);
	REQUIRE(system(cmd) == 0);
	/* A self-signed client identity, its own trust anchor. */
	snprintf(cli_cert_pem, sizeof(cli_cert_pem), "%s/ossl-cli-cert.pem", hs_test_tmpdir());
	snprintf(cli_key_pem, sizeof(cli_key_pem), "%s/ossl-cli-key.pem", hs_test_tmpdir());
	snprintf(cmd, sizeof(cmd),
		 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes "
		 "-keyout %s -out %s -days 2 -subj /CN=tern-client > /dev/null 2>&1",
		 cli_key_pem, cli_cert_pem);
	REQUIRE(system(cmd) == 0);
	test_client_resume(false);
	test_openssl_client_auth();
	test_client_auth_vs_openssl();
	test_client_early_vs_openssl();
	test_openssl_client_early();
	test_openssl_client_resume();
	if (system("gnutls-cli --version > /dev/null 2>&1") != 0 ||
	    system("gnutls-serv --version > /dev/null 2>&1") != 0) {
		printf("NOTE hs_psk_interop: gnutls-bin missing, GnuTLS cases not run\n");
		return tern_test_done("hs_psk_interop");
	}
	test_client_resume(true);
	test_gnutls_client_resume();
	return tern_test_done("hs_psk_interop");
}
