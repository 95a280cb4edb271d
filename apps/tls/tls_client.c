/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tern-tls-client: a TLS 1.3 client over kernel TCP on the buffered
 * connection API, after rustls' tlsclient example. Sends its standard input
 * (or, with --http, one GET request) and prints what the server sends back.
 *
 * With --connections N (or --resume, N = 2) it connects N times in a row:
 * each connection offers the session the previous one received, the first
 * N-1 only wait for a session (send nothing) and close. --early-data FILE
 * sends the file as 0-RTT data on the last connection when its session
 * allows (else, or when the server rejects it, as ordinary data right after
 * the handshake), before standard input.
 */

#include <arpa/inet.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <time.h>

#include <openssl/crypto.h>

#include "tls_app_common.h"

static void
usage(void)
{
	fprintf(stderr,
		"usage: tern-tls-client [options] HOST PORT\n"
		"  --ca FILE         trust these CA certificates (PEM)\n"
		"  --insecure        do not verify the server certificate (tests only)\n"
		"  --server-name N   name for SNI and verification (default HOST)\n"
		"  --http            send 'GET / HTTP/1.1' and print the response\n"
		"  --alpn PROTO      offer an ALPN protocol (repeatable)\n"
		"  --suites LIST     cipher suites, e.g. TLS_CHACHA20_POLY1305_SHA256\n"
		"  --groups LIST     key-exchange groups, e.g. secp384r1,x25519\n"
		"  --keylog FILE     append NSS key log lines (SSLKEYLOGFILE also works)\n"
		"  --key-update      request a KeyUpdate after the handshake\n"
		"  --connections N   connect N times, each resuming the previous session\n"
		"  --resume          the same as --connections 2\n"
		"  --early-data FILE send FILE as 0-RTT data when resuming (last connection)\n"
		"  --no-compat       no middlebox compatibility mode (empty session id)\n"
		"  --linger MS       after stdin ends, wait until no reply came for MS "
		"(default 1000)\n"
		"  --timeout MS      give up after MS in total (default 10000)\n"
		"  --verbose         print the negotiated parameters\n");
	exit(2);
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
tcp_connect(const char *host, const char *port)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res, *ai;
	int fd = -1, rc;

	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0)
		app_die("cannot resolve %s:%s: %s", host, port, gai_strerror(rc));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		app_die("cannot connect to %s:%s: %s", host, port, strerror(errno));
	return fd;
}

static void
write_all(int fd, const uint8_t *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			app_die("write to stdout: %s", strerror(errno));
		p += w;
		n -= (size_t)w;
	}
}

struct copts {
	const char *host, *port, *sni;
	bool http, key_update, verbose;
	long linger, timeout;
	FILE *keylog;
	uint8_t *early; /* --early-data contents */
	size_t early_len;
	bool stdin_open; /* standard input not yet at EOF (shared by connections) */
};

/* The latest session received (tickets are single-use: each is used once). */
struct session {
	uint8_t b[4096];
	size_t len;
	unsigned received;
};

static void
on_session(void *user, const uint8_t *s, size_t len)
{
	struct session *sess = user;

	sess->received++;
	if (len > sizeof(sess->b))
		return;
	memcpy(sess->b, s, len);
	sess->len = len;
}

static void
flush_tls(struct tern_tls_conn *conn, int fd)
{
	while (tern_tls_conn_wants_write(conn) &&
	       tern_tls_conn_write_tls(conn, app_fd_write, &fd) > 0)
		;
}

/*
 * One connection. last: send --early-data and standard input; otherwise
 * only wait for a session, then close. Returns the exit status.
 */
static int
run_conn(struct copts *o, struct tern_tls_config *cfg, struct session *sess, unsigned idx,
	 bool last)
{
	bool reported = false, closed = false, ku_done = false, got_session = false;
	int64_t deadline, linger_until = -1;
	struct tern_tls_conn *conn;
	uint8_t buf[16384];
	/* stdin bytes the writer had no room for yet (its buffer limit) */
	uint8_t pend[16384];
	size_t pend_off = 0, pend_len = 0;
	/* --early-data: bytes sent as 0-RTT, and the next byte to send as 1-RTT data */
	size_t early_sent = 0, file_off = 0;
	bool file_queued = !last || o->early_len == 0;
	unsigned sessions_before = sess->received;
	int fd, rc, status = 0;
	ssize_t n;

	fd = tcp_connect(o->host, o->port);
	if ((rc = tern_tls_conn_new(cfg, o->sni, NULL, &conn)) != 0)
		app_die("connection: %s", tern_strerror(rc));
	if (o->keylog != NULL)
		tern_tls_conn_set_keylog_file(conn, o->keylog);
	tern_tls_conn_set_session_callback(conn, on_session, sess);
	if (sess->len > 0) {
		if ((rc = tern_tls_conn_set_session(conn, sess->b, sess->len)) != 0)
			app_die("session: %s", tern_strerror(rc));
		/* Single use (RFC 8446 C.4): the next connection takes a newer one. */
		OPENSSL_cleanse(sess->b, sess->len);
		sess->len = 0;
	}
	if (last && o->early_len > 0) {
		size_t room = tern_tls_conn_early_data_room(conn);

		if (room > 0) {
			n = tern_tls_conn_early_data_write(
				conn, o->early, o->early_len < room ? o->early_len : room);
			if (n < 0)
				app_die("early data: %s", tern_strerror((int)n));
			early_sent = (size_t)n;
		}
		if (o->verbose)
			fprintf(stderr, "%s: conn %u: %zu bytes of early data sent (room %zu)\n",
				app_name, idx, early_sent, room);
	}
	if (last && o->http) {
		char req[512];
		int len = snprintf(req, sizeof(req),
				   "GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n"
				   "Accept: */*\r\n\r\n",
				   o->sni);

		tern_tls_conn_writer_write(conn, req, (size_t)len);
		o->stdin_open = false;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	deadline = now_ms() + o->timeout;
	while (!closed) {
		struct pollfd p[2] = {{fd, POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
		int64_t t = now_ms(), wait;
		bool connected = !tern_tls_conn_is_handshaking(conn);

		if (t >= deadline) {
			fprintf(stderr, "%s: timed out\n", app_name);
			status = 1;
			break;
		}
		if (linger_until >= 0 && t >= linger_until) {
			/* Done: close_notify, flushed below, then exit. */
			tern_tls_conn_send_close_notify(conn);
			(void)tern_tls_conn_complete_io(conn, fd);
			break;
		}
		/* The file as 1-RTT data: the part that did not go early, or all of
		 * it when the server rejected the early data. */
		if (connected && !file_queued) {
			n = tern_tls_conn_writer_write(conn, o->early + file_off,
						       o->early_len - file_off);
			if (n < 0)
				app_die("write: %s", tern_strerror((int)n));
			file_off += (size_t)n;
			file_queued = file_off == o->early_len;
		}
		/* Plaintext from stdin only once connected, and only once what the
		 * writer refused before (its buffer was full) has gone in. */
		if (pend_len != 0) {
			n = tern_tls_conn_writer_write(conn, pend + pend_off, pend_len);
			if (n < 0)
				app_die("write: %s", tern_strerror((int)n));
			pend_off += (size_t)n;
			pend_len -= (size_t)n;
		}
		if (tern_tls_conn_wants_write(conn))
			p[0].events |= POLLOUT;
		p[1].fd = last && o->stdin_open && pend_len == 0 && file_queued && connected
				  ? STDIN_FILENO
				  : -1;
		wait = (linger_until >= 0 ? linger_until : deadline) - t;
		if (poll(p, 2, (int)(wait > 200 ? 200 : wait)) < 0 && errno != EINTR)
			app_die("poll: %s", strerror(errno));
		if (p[0].revents & POLLOUT)
			flush_tls(conn, fd);
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			while ((n = tern_tls_conn_read_tls(conn, app_fd_read, &fd)) > 0)
				if (tern_tls_conn_process_new_packets(conn, NULL) != 0)
					break;
			if (tern_tls_conn_process_new_packets(conn, NULL) != 0) {
				app_report_error("handshake/connection", conn);
				flush_tls(conn, fd);
				status = 1;
				break;
			}
			/* Reading plaintext makes room: decrypt records already
			 * taken off the socket before asking for more. */
			while ((n = tern_tls_conn_reader_read(conn, buf, sizeof(buf))) > 0) {
				write_all(STDOUT_FILENO, buf, (size_t)n);
				if (linger_until >= 0) /* replies still coming: keep waiting */
					linger_until = now_ms() + o->linger;
				if (tern_tls_conn_process_new_packets(conn, NULL) != 0)
					break;
			}
			if (n == 0) {
				/* close_notify: answer and exit. */
				tern_tls_conn_send_close_notify(conn);
				(void)tern_tls_conn_complete_io(conn, fd);
				closed = true;
			} else if (n == -TERN_EPROTO) {
				fprintf(stderr, "%s: server closed without close_notify\n",
					app_name);
				status = 1;
				break;
			}
		}
		if (!reported && !tern_tls_conn_is_handshaking(conn)) {
			const uint8_t *ap;
			size_t al = tern_tls_conn_alpn_protocol(conn, &ap);
			bool accepted = tern_tls_conn_is_early_data_accepted(conn);

			reported = true;
			file_off = accepted ? early_sent : 0;
			if (o->verbose)
				fprintf(stderr,
					"%s: conn %u: connected: TLS 1.3, %s, group 0x%04x, alpn "
					"'%.*s', %s, early data %s\n",
					app_name, idx,
					app_suite_name(tern_tls_conn_negotiated_cipher_suite(conn)),
					tern_tls_conn_negotiated_group(conn), (int)al,
					al ? (const char *)ap : "",
					tern_tls_conn_is_resumed(conn) ? "resumed"
								       : "full handshake",
					app_early_name(tern_tls_conn_early_data_state(conn)));
			if (o->verbose && early_sent > 0 && !accepted)
				fprintf(stderr,
					"%s: conn %u: early data rejected: %zu bytes sent again as "
					"1-RTT data\n",
					app_name, idx, early_sent);
		}
		if (last && o->key_update && !ku_done && !tern_tls_conn_is_handshaking(conn)) {
			ku_done = true;
			if ((rc = tern_tls_conn_request_key_update(conn)) != 0)
				app_die("key update: %s", tern_strerror(rc));
			if (o->verbose)
				fprintf(stderr, "%s: KeyUpdate sent\n", app_name);
		}
		if (p[1].revents & (POLLIN | POLLHUP)) {
			n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n > 0) {
				ssize_t w = tern_tls_conn_writer_write(conn, buf, (size_t)n);

				if (w < 0)
					app_die("write: %s", tern_strerror((int)w));
				/* Keep what did not fit; stdin waits until it has. */
				pend_off = 0;
				pend_len = (size_t)(n - w);
				memcpy(pend, buf + w, pend_len);
			}
			if (n <= 0) {
				o->stdin_open = false;
				linger_until = now_ms() + o->linger;
			}
		}
		if (!last && !got_session && sess->received > sessions_before) {
			/* A warm-up connection has what it came for. */
			got_session = true;
			linger_until = now_ms();
		}
		if ((!last || !o->stdin_open) && !(last && o->http) && linger_until < 0 &&
		    pend_len == 0 && file_queued && !tern_tls_conn_is_handshaking(conn))
			linger_until = now_ms() + o->linger;
	}
	if (o->verbose && status == 0) {
		uint64_t s, r;

		tern_tls_conn_key_updates(conn, &s, &r);
		fprintf(stderr, "%s: conn %u: key updates sent %llu received %llu, sessions %u\n",
			app_name, idx, (unsigned long long)s, (unsigned long long)r,
			sess->received - sessions_before);
	}
	tern_tls_conn_free(conn);
	close(fd);
	return status;
}

static uint8_t *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = NULL;
	size_t cap = 0, n;

	if (f == NULL)
		app_die("--early-data %s: %s", path, strerror(errno));
	*len = 0;
	do {
		if (*len + 4096 > cap) {
			cap = (*len + 4096) * 2;
			p = realloc(p, cap);
			if (p == NULL)
				app_die("out of memory");
		}
		n = fread(p + *len, 1, cap - *len, f);
		*len += n;
	} while (n > 0);
	fclose(f);
	return p;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {{"ca", required_argument, NULL, 'C'},
					     {"cafile", required_argument, NULL, 'C'},
					     {"insecure", no_argument, NULL, 'I'},
					     {"server-name", required_argument, NULL, 'n'},
					     {"http", no_argument, NULL, 'H'},
					     {"alpn", required_argument, NULL, 'a'},
					     {"suites", required_argument, NULL, 's'},
					     {"groups", required_argument, NULL, 'g'},
					     {"keylog", required_argument, NULL, 'K'},
					     {"key-update", no_argument, NULL, 'u'},
					     {"connections", required_argument, NULL, 'N'},
					     {"resume", no_argument, NULL, 'R'},
					     {"early-data", required_argument, NULL, 'E'},
					     {"no-compat", no_argument, NULL, 'X'},
					     {"linger", required_argument, NULL, 'L'},
					     {"timeout", required_argument, NULL, 'T'},
					     {"verbose", no_argument, NULL, 'v'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *ca = NULL, *suites = NULL, *groups = NULL, *keylog_path = NULL;
	const char *early_path = NULL;
	const char *alpn[APP_LIST_MAX];
	struct copts co = {.linger = 1000, .timeout = 10000, .stdin_open = true};
	bool insecure = false, compat = true;
	struct tern_tls_config *cfg;
	static struct session sess;
	long connections = 1, i;
	size_t n_alpn = 0;
	int o, rc, status = 0;

	app_name = "tern-tls-client";
	while ((o = getopt_long(argc, argv, "a:vh", opts, NULL)) != -1) {
		switch (o) {
		case 'C':
			ca = optarg;
			break;
		case 'I':
			insecure = true;
			break;
		case 'n':
			co.sni = optarg;
			break;
		case 'H':
			co.http = true;
			break;
		case 'a':
			if (n_alpn == APP_LIST_MAX)
				app_die("too many --alpn (at most %d)", APP_LIST_MAX);
			alpn[n_alpn++] = optarg;
			break;
		case 's':
			suites = optarg;
			break;
		case 'g':
			groups = optarg;
			break;
		case 'K':
			keylog_path = optarg;
			break;
		case 'u':
			co.key_update = true;
			break;
		case 'N':
			connections = atol(optarg);
			if (connections < 1 || connections > 1000)
				app_die("bad --connections %s (1..1000)", optarg);
			break;
		case 'R':
			if (connections < 2)
				connections = 2;
			break;
		case 'E':
			early_path = optarg;
			break;
		case 'X':
			compat = false;
			break;
		case 'L':
			co.linger = atol(optarg);
			break;
		case 'T':
			co.timeout = atol(optarg);
			break;
		case 'v':
			co.verbose = true;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2)
		usage();
	co.host = argv[optind];
	co.port = argv[optind + 1];
	if (co.sni == NULL)
		co.sni = co.host;
	if ((rc = tern_tls_config_new(TERN_TLS_CLIENT, &cfg)) != 0)
		app_die("config: %s", tern_strerror(rc));
	if (ca != NULL && (rc = tern_tls_config_load_ca_file(cfg, ca)) != 0)
		app_die("cannot load --ca %s: %s", ca, tern_strerror(rc));
	if (ca == NULL && !insecure)
		app_die("give --ca FILE (or --insecure to skip verification)");
	if (insecure)
		tern_tls_config_set_verify_peer(cfg, false);
	app_config_common(cfg, suites, groups, alpn, n_alpn);
	if (!compat)
		tern_tls_config_set_middlebox_compat(cfg, false);
	if (early_path != NULL) {
		co.early = read_file(early_path, &co.early_len);
		if ((rc = tern_tls_config_set_early_data(cfg, true)) != 0)
			app_die("--early-data: %s", tern_strerror(rc));
	}
	co.keylog = app_open_keylog(keylog_path);
	signal(SIGPIPE, SIG_IGN);

	for (i = 0; i < connections && status == 0; i++) {
		status = run_conn(&co, cfg, &sess, (unsigned)i, i == connections - 1);
		if (status == 0 && i < connections - 1 && sess.len == 0)
			fprintf(stderr,
				"%s: conn %ld: no session received: next is a full handshake\n",
				app_name, i);
	}
	OPENSSL_cleanse(&sess, sizeof(sess));
	free(co.early);
	if (co.keylog != NULL)
		fclose(co.keylog);
	tern_tls_config_free(cfg);
	return status;
}
