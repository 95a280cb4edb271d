/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tern-tls-client: a TLS 1.3 client over kernel TCP on the buffered
 * connection API, after rustls' tlsclient example. Sends its standard input
 * (or, with --http, one GET request) and prints what the server sends back.
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

#include "tls_app_common.h"

static void
usage(void)
{
	fprintf(stderr, "usage: tern-tls-client [options] HOST PORT\n"
			"  --ca FILE         trust these CA certificates (PEM)\n"
			"  --insecure        do not verify the server certificate (tests only)\n"
			"  --server-name N   name for SNI and verification (default HOST)\n"
			"  --http            send 'GET / HTTP/1.1' and print the response\n"
			"  --alpn PROTO      offer an ALPN protocol (repeatable)\n"
			"  --suites LIST     cipher suites, e.g. TLS_CHACHA20_POLY1305_SHA256\n"
			"  --groups LIST     key-exchange groups, e.g. secp384r1,x25519\n"
			"  --keylog FILE     append NSS key log lines (SSLKEYLOGFILE also works)\n"
			"  --key-update      request a KeyUpdate after the handshake\n"
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
					     {"linger", required_argument, NULL, 'L'},
					     {"timeout", required_argument, NULL, 'T'},
					     {"verbose", no_argument, NULL, 'v'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *ca = NULL, *sni = NULL, *suites = NULL, *groups = NULL, *keylog_path = NULL;
	const char *alpn[APP_LIST_MAX];
	bool insecure = false, http = false, key_update = false, verbose = false;
	bool stdin_open = true, reported = false, closed = false, ku_done = false;
	int64_t deadline, linger_until = -1;
	long linger = 1000, timeout = 10000;
	struct tern_tls_config *cfg;
	struct tern_tls_conn *conn;
	size_t n_alpn = 0;
	uint8_t buf[16384];
	/* stdin bytes the writer had no room for yet (its buffer limit) */
	uint8_t pend[16384];
	size_t pend_off = 0, pend_len = 0;
	FILE *keylog;
	int fd, o, rc, status = 0;
	ssize_t n;

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
			sni = optarg;
			break;
		case 'H':
			http = true;
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
			key_update = true;
			break;
		case 'L':
			linger = atol(optarg);
			break;
		case 'T':
			timeout = atol(optarg);
			break;
		case 'v':
			verbose = true;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2)
		usage();
	if (sni == NULL)
		sni = argv[optind];
	if ((rc = tern_tls_config_new(TERN_TLS_CLIENT, &cfg)) != 0)
		app_die("config: %s", tern_strerror(rc));
	if (ca != NULL && (rc = tern_tls_config_load_ca_file(cfg, ca)) != 0)
		app_die("cannot load --ca %s: %s", ca, tern_strerror(rc));
	if (ca == NULL && !insecure)
		app_die("give --ca FILE (or --insecure to skip verification)");
	if (insecure)
		tern_tls_config_set_verify_peer(cfg, false);
	app_config_common(cfg, suites, groups, alpn, n_alpn);
	keylog = app_open_keylog(keylog_path);
	signal(SIGPIPE, SIG_IGN);

	fd = tcp_connect(argv[optind], argv[optind + 1]);
	if ((rc = tern_tls_conn_new(cfg, sni, NULL, &conn)) != 0)
		app_die("connection: %s", tern_strerror(rc));
	if (keylog != NULL)
		tern_tls_conn_set_keylog_file(conn, keylog);
	if (http) {
		char req[512];
		int len = snprintf(req, sizeof(req),
				   "GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n"
				   "Accept: */*\r\n\r\n",
				   sni);

		tern_tls_conn_writer_write(conn, req, (size_t)len);
		stdin_open = false;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	deadline = now_ms() + timeout;
	while (!closed) {
		struct pollfd p[2] = {{fd, POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
		int64_t t = now_ms(), wait;

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
		p[1].fd = stdin_open && pend_len == 0 && !tern_tls_conn_is_handshaking(conn)
				  ? STDIN_FILENO
				  : -1;
		wait = (linger_until >= 0 ? linger_until : deadline) - t;
		if (poll(p, 2, (int)(wait > 200 ? 200 : wait)) < 0 && errno != EINTR)
			app_die("poll: %s", strerror(errno));
		if (p[0].revents & POLLOUT)
			while (tern_tls_conn_wants_write(conn) &&
			       tern_tls_conn_write_tls(conn, app_fd_write, &fd) > 0)
				;
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			while ((n = tern_tls_conn_read_tls(conn, app_fd_read, &fd)) > 0)
				if (tern_tls_conn_process_new_packets(conn, NULL) != 0)
					break;
			if (tern_tls_conn_process_new_packets(conn, NULL) != 0) {
				app_report_error("handshake/connection", conn);
				while (tern_tls_conn_wants_write(conn) &&
				       tern_tls_conn_write_tls(conn, app_fd_write, &fd) > 0)
					;
				status = 1;
				break;
			}
			/* Reading plaintext makes room: decrypt records already
			 * taken off the socket before asking for more. */
			while ((n = tern_tls_conn_reader_read(conn, buf, sizeof(buf))) > 0) {
				write_all(STDOUT_FILENO, buf, (size_t)n);
				if (linger_until >= 0) /* replies still coming: keep waiting */
					linger_until = now_ms() + linger;
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

			reported = true;
			if (verbose)
				fprintf(stderr,
					"%s: connected: TLS 1.3, %s, group 0x%04x, alpn '%.*s'\n",
					app_name,
					app_suite_name(tern_tls_conn_negotiated_cipher_suite(conn)),
					tern_tls_conn_negotiated_group(conn), (int)al,
					al ? (const char *)ap : "");
		}
		if (key_update && !ku_done && !tern_tls_conn_is_handshaking(conn)) {
			ku_done = true;
			if ((rc = tern_tls_conn_request_key_update(conn)) != 0)
				app_die("key update: %s", tern_strerror(rc));
			if (verbose)
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
				stdin_open = false;
				linger_until = now_ms() + linger;
			}
		}
		if (!stdin_open && !http && linger_until < 0 && pend_len == 0 &&
		    !tern_tls_conn_is_handshaking(conn))
			linger_until = now_ms() + linger;
	}
	if (verbose && status == 0) {
		uint64_t s, r;

		tern_tls_conn_key_updates(conn, &s, &r);
		fprintf(stderr, "%s: key updates sent %llu received %llu\n", app_name,
			(unsigned long long)s, (unsigned long long)r);
	}
	tern_tls_conn_free(conn);
	close(fd);
	if (keylog != NULL)
		fclose(keylog);
	tern_tls_config_free(cfg);
	return status;
}
