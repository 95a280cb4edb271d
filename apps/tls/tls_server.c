/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tern-tls-server: a TLS 1.3 server over kernel TCP (epoll, many
 * connections) on the buffered connection API, after rustls' tlsserver
 * example. Modes: echo (every byte back) and http (one static HTTP/1.1
 * response per connection, then close_notify). Issues session tickets;
 * with --max-early-data accepts 0-RTT data, prints it and treats it as
 * the start of the connection's data (echoed, or part of the request).
 */

#include <arpa/inet.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "tls_app_common.h"

#define MAX_EVENTS 64

enum mode { MODE_ECHO, MODE_HTTP };

struct sconn {
	int fd;
	unsigned id;
	struct tern_tls_conn *tls;
	bool reported;	     /* handshake details printed */
	bool responded;	     /* http: response queued */
	bool closing;	     /* close_notify queued: close when flushed */
	size_t early_bytes;  /* 0-RTT bytes received */
	uint8_t hdr[4];	     /* http: last bytes of the request, to find CRLFCRLF */
	uint8_t pend[16384]; /* echo: plaintext not yet accepted by the writer */
	size_t pend_len;
};

static struct {
	enum mode mode;
	const char *body;
	FILE *keylog;
	bool verbose;
	int ep;
	unsigned next_id;
	volatile sig_atomic_t stop;
} srv = {.body = "Hello from tern-tls-server\r\n"};

static void
on_signal(int sig)
{
	(void)sig;
	srv.stop = 1;
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: tern-tls-server --cert CHAIN.pem --key KEY.pem [options]\n"
		"  --cert/--key      repeat the pair for more certificates: the client's\n"
		"                    server_name picks one (the first is the default)\n"
		"  --port N          TCP port on 127.0.0.1 (default 4443; 0 = any, printed)\n"
		"  --listen ADDR     address to listen on (default 127.0.0.1)\n"
		"  --mode echo|http  echo bytes back (default) or answer one HTTP/1.1 request\n"
		"  --body TEXT       http mode: the response body\n"
		"  --alpn PROTO      offer an ALPN protocol (repeatable, preference order)\n"
		"  --suites LIST     cipher suites, e.g. "
		"TLS_AES_256_GCM_SHA384,TLS_AES_128_GCM_SHA256\n"
		"  --groups LIST     key-exchange groups, e.g. x25519,secp256r1,secp384r1\n"
		"  --keylog FILE     append NSS key log lines (SSLKEYLOGFILE also works)\n"
		"  --max-early-data N  accept up to N bytes of 0-RTT data on resumption\n"
		"  --tickets N       session tickets per connection (default 2, 0 = none)\n"
		"  --verbose         print each connection's parameters\n");
	exit(2);
}

static void
sconn_close(struct sconn *c)
{
	uint64_t ku_s, ku_r;

	if (srv.verbose) {
		tern_tls_conn_key_updates(c->tls, &ku_s, &ku_r);
		fprintf(stderr, "%s: conn %u: closed, key updates sent %llu received %llu\n",
			app_name, c->id, (unsigned long long)ku_s, (unsigned long long)ku_r);
	}
	epoll_ctl(srv.ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	tern_tls_conn_free(c->tls);
	free(c);
}

static void
report(struct sconn *c)
{
	const uint8_t *alpn;
	size_t alpn_len = tern_tls_conn_alpn_protocol(c->tls, &alpn);
	const char *sni = tern_tls_conn_server_name(c->tls);
	uint16_t suite = tern_tls_conn_negotiated_cipher_suite(c->tls);

	c->reported = true;
	if (!srv.verbose)
		return;
	fprintf(stderr,
		"%s: conn %u: handshake done, TLS 1.3, %s, group 0x%04x, alpn '%.*s', sni '%s', "
		"%s, early data %s\n",
		app_name, c->id, app_suite_name(suite), tern_tls_conn_negotiated_group(c->tls),
		(int)alpn_len, alpn_len ? (const char *)alpn : "", sni != NULL ? sni : "",
		tern_tls_conn_is_resumed(c->tls) ? "resumed" : "full handshake",
		app_early_name(tern_tls_conn_early_data_state(c->tls)));
}

/* 0-RTT bytes on stdout, escaped, so a test (or a person) sees what came early. */
static void
print_early(const struct sconn *c, const uint8_t *p, size_t n)
{
	size_t i;

	printf("conn %u: early data %zu bytes: \"", c->id, n);
	for (i = 0; i < n && i < 512; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\')
			putchar(p[i]);
		else
			printf("\\x%02x", p[i]);
	}
	printf("%s\"\n", n > 512 ? "..." : "");
	fflush(stdout);
}

static void
http_respond(struct sconn *c)
{
	char resp[4096];
	int n = snprintf(resp, sizeof(resp),
			 "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n%s",
			 strlen(srv.body), srv.body);

	c->responded = true;
	if (n < 0 || (size_t)n >= sizeof(resp) ||
	    tern_tls_conn_writer_write(c->tls, resp, (size_t)n) != n)
		fprintf(stderr, "%s: conn %u: response did not fit\n", app_name, c->id);
	tern_tls_conn_send_close_notify(c->tls);
	c->closing = true;
}

/* Consume plaintext: echo it back, or look for the end of an HTTP request. */
static void
handle_plaintext(struct sconn *c)
{
	uint8_t buf[16384];
	ssize_t n, w;
	size_t i;

	for (;;) {
		if (c->pend_len > 0) {
			w = tern_tls_conn_writer_write(c->tls, c->pend, c->pend_len);
			if (w <= 0)
				return; /* writer full: wait for write_tls */
			memmove(c->pend, c->pend + w, c->pend_len - (size_t)w);
			c->pend_len -= (size_t)w;
			continue;
		}
		/* Records read earlier may still wait for plaintext room (the
		 * buffer limit): decrypt them now; no socket event will come
		 * for bytes already taken off the socket. */
		if (tern_tls_conn_process_new_packets(c->tls, NULL) != 0)
			return; /* reported by sconn_io */
		/* 0-RTT data first: it precedes everything sent after the handshake. */
		n = tern_tls_conn_early_data_read(c->tls, buf, sizeof(buf));
		if (n > 0) {
			c->early_bytes += (size_t)n;
			print_early(c, buf, (size_t)n);
		} else {
			n = tern_tls_conn_reader_read(c->tls, buf, sizeof(buf));
		}
		if (n <= 0)
			break;
		if (srv.mode == MODE_ECHO) {
			memcpy(c->pend, buf, (size_t)n);
			c->pend_len = (size_t)n;
			continue;
		}
		for (i = 0; i < (size_t)n && !c->responded; i++) {
			memmove(c->hdr, c->hdr + 1, 3);
			c->hdr[3] = buf[i];
			if (memcmp(c->hdr, "\r\n\r\n", 4) == 0)
				http_respond(c);
		}
	}
	if (n == 0 && !c->closing) {
		/* The client sent close_notify: answer with ours (RFC 8446 6.1). */
		if (srv.verbose)
			fprintf(stderr, "%s: conn %u: peer closed\n", app_name, c->id);
		tern_tls_conn_send_close_notify(c->tls);
		c->closing = true;
	} else if (n == -TERN_EPROTO && !c->closing &&
		   tern_tls_conn_error(c->tls, NULL, NULL) == 0) {
		fprintf(stderr, "%s: conn %u: transport closed without close_notify\n", app_name,
			c->id);
		c->closing = true;
	}
}

/* Handle readiness; returns false when the connection was closed. */
static bool
sconn_io(struct sconn *c, uint32_t events)
{
	struct epoll_event ev;
	bool eof = false;
	ssize_t n;

	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		for (;;) {
			n = tern_tls_conn_read_tls(c->tls, app_fd_read, &c->fd);
			if (n == 0)
				eof = true;
			if (n <= 0)
				break;
			if (tern_tls_conn_process_new_packets(c->tls, NULL) != 0)
				break;
			handle_plaintext(c);
		}
		if (tern_tls_conn_process_new_packets(c->tls, NULL) != 0) {
			app_report_error("connection", c->tls);
			c->closing = true;
		} else {
			if (!c->reported && !tern_tls_conn_is_handshaking(c->tls))
				report(c);
			handle_plaintext(c);
		}
		if (n < 0 && n != -TERN_EAGAIN && n != -TERN_ENOBUFS && !c->closing) {
			fprintf(stderr, "%s: conn %u: read: %s\n", app_name, c->id,
				strerror(errno));
			sconn_close(c);
			return false;
		}
	}
	handle_plaintext(c);
	while (tern_tls_conn_wants_write(c->tls)) {
		n = tern_tls_conn_write_tls(c->tls, app_fd_write, &c->fd);
		if (n == -TERN_EAGAIN)
			break;
		if (n < 0) {
			sconn_close(c);
			return false;
		}
		handle_plaintext(c); /* room in the writer again */
	}
	if ((c->closing || eof) && !tern_tls_conn_wants_write(c->tls)) {
		if (eof && !c->closing)
			handle_plaintext(c);
		sconn_close(c);
		return false;
	}
	ev.events = EPOLLIN | (tern_tls_conn_wants_write(c->tls) ? EPOLLOUT : 0u);
	ev.data.ptr = c;
	epoll_ctl(srv.ep, EPOLL_CTL_MOD, c->fd, &ev);
	return true;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {{"port", required_argument, NULL, 'p'},
					     {"listen", required_argument, NULL, 'l'},
					     {"cert", required_argument, NULL, 'c'},
					     {"key", required_argument, NULL, 'k'},
					     {"mode", required_argument, NULL, 'm'},
					     {"body", required_argument, NULL, 'b'},
					     {"alpn", required_argument, NULL, 'a'},
					     {"suites", required_argument, NULL, 's'},
					     {"groups", required_argument, NULL, 'g'},
					     {"keylog", required_argument, NULL, 'K'},
					     {"max-early-data", required_argument, NULL, 'E'},
					     {"tickets", required_argument, NULL, 't'},
					     {"verbose", no_argument, NULL, 'v'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *cert[TERN_TLS_MAX_CERT_CHAINS], *key[TERN_TLS_MAX_CERT_CHAINS];
	const char *suites = NULL, *groups = NULL, *keylog = NULL;
	unsigned n_cert = 0, n_key = 0, ci;
	const char *listen_addr = "127.0.0.1", *alpn[APP_LIST_MAX];
	struct epoll_event ev, events[MAX_EVENTS];
	struct tern_tls_config *cfg;
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	size_t n_alpn = 0;
	long max_early = 0, tickets = -1;
	int port = 4443, lfd, one = 1, o, rc, i, n;

	app_name = "tern-tls-server";
	while ((o = getopt_long(argc, argv, "p:c:k:m:a:vh", opts, NULL)) != -1) {
		switch (o) {
		case 'p':
			port = atoi(optarg);
			if (port < 0 || port > 65535)
				app_die("bad --port %s", optarg);
			break;
		case 'l':
			listen_addr = optarg;
			break;
		case 'c':
			if (n_cert == TERN_TLS_MAX_CERT_CHAINS)
				app_die("too many --cert (at most %d)", TERN_TLS_MAX_CERT_CHAINS);
			cert[n_cert++] = optarg;
			break;
		case 'k':
			if (n_key == TERN_TLS_MAX_CERT_CHAINS)
				app_die("too many --key (at most %d)", TERN_TLS_MAX_CERT_CHAINS);
			key[n_key++] = optarg;
			break;
		case 'm':
			if (strcmp(optarg, "echo") == 0)
				srv.mode = MODE_ECHO;
			else if (strcmp(optarg, "http") == 0)
				srv.mode = MODE_HTTP;
			else
				app_die("--mode must be echo or http, not '%s'", optarg);
			break;
		case 'b':
			srv.body = optarg;
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
			keylog = optarg;
			break;
		case 'E':
			max_early = atol(optarg);
			if (max_early < 0 || max_early > UINT32_MAX)
				app_die("bad --max-early-data %s", optarg);
			break;
		case 't':
			tickets = atol(optarg);
			break;
		case 'v':
			srv.verbose = true;
			break;
		default:
			usage();
		}
	}
	if (n_cert == 0 || n_cert != n_key || optind != argc)
		usage();
	if ((rc = tern_tls_config_new(TERN_TLS_SERVER, &cfg)) != 0)
		app_die("config: %s", tern_strerror(rc));
	for (ci = 0; ci < n_cert; ci++)
		if ((rc = tern_tls_config_add_cert_chain(cfg, cert[ci], key[ci])) != 0)
			app_die("cannot load --cert %s / --key %s: %s", cert[ci], key[ci],
				tern_strerror(rc));
	app_config_common(cfg, suites, groups, alpn, n_alpn);
	if (max_early > 0 &&
	    (rc = tern_tls_config_set_max_early_data(cfg, (uint32_t)max_early)) != 0)
		app_die("--max-early-data: %s", tern_strerror(rc));
	if (tickets >= 0 && (rc = tern_tls_config_set_session_tickets(cfg, (unsigned)tickets)) != 0)
		app_die("--tickets %ld: %s", tickets, tern_strerror(rc));
	srv.keylog = app_open_keylog(keylog);

	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		app_die("socket: %s", strerror(errno));
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, listen_addr, &sa.sin_addr) != 1)
		app_die("bad --listen address '%s'", listen_addr);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		app_die("bind %s:%d: %s", listen_addr, port, strerror(errno));
	if (listen(lfd, 128) != 0)
		app_die("listen: %s", strerror(errno));
	getsockname(lfd, (struct sockaddr *)&sa, &sl);
	printf("%s: listening on %s:%u (%s mode)\n", app_name, listen_addr, ntohs(sa.sin_port),
	       srv.mode == MODE_ECHO ? "echo" : "http");
	fflush(stdout);

	srv.ep = epoll_create1(EPOLL_CLOEXEC);
	if (srv.ep < 0)
		app_die("epoll: %s", strerror(errno));
	ev.events = EPOLLIN;
	ev.data.ptr = NULL; /* the listener */
	epoll_ctl(srv.ep, EPOLL_CTL_ADD, lfd, &ev);
	while (!srv.stop) {
		n = epoll_wait(srv.ep, events, MAX_EVENTS, 500);
		for (i = 0; i < n; i++) {
			struct sconn *c = events[i].data.ptr;
			int fd;

			if (c != NULL) {
				sconn_io(c, events[i].events);
				continue;
			}
			while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
				c = calloc(1, sizeof(*c));
				if (c == NULL || tern_tls_conn_new(cfg, NULL, NULL, &c->tls) != 0) {
					fprintf(stderr, "%s: out of memory\n", app_name);
					free(c);
					close(fd);
					continue;
				}
				if (srv.keylog != NULL)
					tern_tls_conn_set_keylog_file(c->tls, srv.keylog);
				setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				c->fd = fd;
				c->id = srv.next_id++;
				ev.events = EPOLLIN;
				ev.data.ptr = c;
				epoll_ctl(srv.ep, EPOLL_CTL_ADD, fd, &ev);
				if (srv.verbose)
					fprintf(stderr, "%s: conn %u: accepted\n", app_name, c->id);
			}
		}
	}
	/* Connections still open at exit are dropped with the process. */
	close(lfd);
	close(srv.ep);
	if (srv.keylog != NULL)
		fclose(srv.keylog);
	tern_tls_config_free(cfg);
	return 0;
}
