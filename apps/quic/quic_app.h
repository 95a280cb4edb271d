/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_APPS_QUIC_APP_H
#define TERN_APPS_QUIC_APP_H

/*
 * Shared by tern-quic-server and tern-quic-client: one QUIC connection over
 * one kernel UDP socket (recvmmsg / sendmmsg in batches, ppoll on the
 * connection's timer), and the interop test protocol of
 * tests/quic/interop/ngtcp2_peer.c on client-opened bidirectional streams:
 *   "GET N\n"           -> the server sends N bytes of the pattern, then FIN
 *   "PUT N\n" + N bytes -> the server checks them and answers
 *                          "OK N <sha256hex>\n" (or "BAD ..."), then FIN
 *   anything else       -> echoed back, FIN after the peer's FIN
 * The pattern is xorshift64* (seed 1), 8 bytes little-endian per step.
 * A run ends with one line "RESULT ok|fail role=... key=value ..." on stdout.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <tern/quic.h>
#include <tern/quic_packet.h>

#define APP_BATCH    32
#define APP_DGRAM    1500
#define APP_ECHO_WIN 65536
#define APP_MAX_BODY (1ULL << 32)

enum app_kind {
	AK_UNKNOWN, /* server: request line not complete yet */
	AK_ECHO,
	AK_GET,
	AK_PUT,
};

struct app_stream {
	uint64_t id;
	enum app_kind kind;
	bool used, done, failed;
	/* send queue: own bytes first, then ext (borrowed) */
	uint8_t *own;
	size_t own_len, own_cap;
	const uint8_t *ext;
	size_t ext_len;
	size_t off; /* bytes of own+ext given to the connection */
	bool fin, fin_sent;
	/* receive side */
	uint64_t recvd;
	bool fin_recvd;
	char hdr[128];
	size_t hdr_len;
	uint64_t n;	       /* GET/PUT/echo body size */
	uint64_t body;	       /* PUT body bytes seen (server) */
	const uint8_t *expect; /* client echo: expected bytes */
	EVP_MD_CTX *hash;
};

struct app {
	const char *role;
	const char *alpn;
	double timeout;
	bool verbose;
	int fd;
	struct sockaddr_storage local, remote;
	socklen_t local_len, remote_len;
	struct tern_quic_conn *conn;
	struct tern_crypto_ctx *cctx;
	FILE *keylog;
	uint64_t t_start, deadline;
	bool failed;
	char reason[160];
	/* streams, indexed by id >> 2 (client-initiated bidirectional only) */
	struct app_stream *st;
	size_t st_cap;
	uint64_t streams_done, bytes_sent, bytes_recv, dgrams_in, dgrams_out;
	char sha_down[65], sha_up[65];
	bool key_update;	   /* start a key update ... */
	uint64_t key_update_after; /* ... once this many stream bytes moved */
	uint64_t ku_initiated;
	bool live_stats; /* --stats: one line per second on stderr */
	uint64_t stats_next, stats_bytes;
	char close_recv[64], close_sent[64];
	uint8_t *pat;
	size_t pat_len;
	uint8_t *pat_old[64];
	size_t pat_old_n;
	uint8_t rbuf[65536];
};

static struct app A;
static volatile sig_atomic_t app_signal;

static uint64_t
app_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

__attribute__((format(printf, 1, 2))) static void
app_vlog(const char *fmt, ...)
{
	va_list ap;

	if (!A.verbose)
		return;
	fprintf(stderr, "%s: ", A.role);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

__attribute__((format(printf, 1, 2))) static void
app_fail(const char *fmt, ...)
{
	va_list ap;

	if (A.failed)
		return;
	A.failed = true;
	va_start(ap, fmt);
	vsnprintf(A.reason, sizeof(A.reason), fmt, ap);
	va_end(ap);
	for (char *p = A.reason; *p; p++)
		if (*p == ' ')
			*p = '_';
	fprintf(stderr, "%s: %s\n", A.role, A.reason);
}

static const uint8_t *
app_pattern(size_t n)
{
	uint64_t x = 1;
	size_t cap, i;

	if (n <= A.pat_len)
		return A.pat;
	cap = n < (1u << 20) ? (1u << 20) : n;
	/* Streams may still borrow the old buffer: keep it until exit. */
	if (A.pat != NULL) {
		if (A.pat_old_n == sizeof(A.pat_old) / sizeof(A.pat_old[0]))
			A.pat_old_n--; /* leak rather than free what may be in use */
		A.pat_old[A.pat_old_n++] = A.pat;
	}
	A.pat = malloc(cap + 8);
	if (A.pat == NULL) {
		fprintf(stderr, "%s: out of memory\n", A.role);
		exit(2);
	}
	for (i = 0; i < cap; i += 8) {
		uint64_t v;
		int b;

		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		v = x * 0x2545F4914F6CDD1DULL;
		for (b = 0; b < 8; b++)
			A.pat[i + (size_t)b] = (uint8_t)(v >> (8 * b));
	}
	A.pat_len = cap;
	return A.pat;
}

static void
app_hex(const uint8_t *d, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hx[d[i] >> 4];
		out[2 * i + 1] = hx[d[i] & 15];
	}
	out[2 * n] = 0;
}

static void
app_sha256_hex(const uint8_t *p, size_t n, char out[65])
{
	uint8_t md[32];
	unsigned int l = 32;

	EVP_Digest(p, n, md, &l, EVP_sha256(), NULL);
	app_hex(md, 32, out);
}

static void
app_hash_end(EVP_MD_CTX **h, char out[65])
{
	uint8_t md[32];
	unsigned int l = 32;

	EVP_DigestFinal_ex(*h, md, &l);
	EVP_MD_CTX_free(*h);
	*h = NULL;
	app_hex(md, 32, out);
}

static EVP_MD_CTX *
app_hash_new(void)
{
	EVP_MD_CTX *h = EVP_MD_CTX_new();

	if (h == NULL || EVP_DigestInit_ex(h, EVP_sha256(), NULL) != 1) {
		fprintf(stderr, "%s: sha256 unavailable\n", A.role);
		exit(2);
	}
	return h;
}

static void
app_keylog(void *user, const char *line)
{
	FILE *f = user;

	fprintf(f, "%s\n", line);
	fflush(f);
}

/* --- streams ---------------------------------------------------------------------- */

static struct app_stream *
app_stream_get(uint64_t id, bool create)
{
	size_t i = (size_t)(id >> 2);

	if ((id & 3) != 0)
		return NULL;
	if (i >= A.st_cap) {
		size_t cap = A.st_cap ? A.st_cap : 64;
		struct app_stream *p;

		if (!create)
			return NULL;
		while (cap <= i)
			cap *= 2;
		p = realloc(A.st, cap * sizeof(*p));
		if (p == NULL) {
			fprintf(stderr, "%s: out of memory\n", A.role);
			exit(2);
		}
		memset(p + A.st_cap, 0, (cap - A.st_cap) * sizeof(*p));
		A.st = p;
		A.st_cap = cap;
	}
	if (!A.st[i].used) {
		if (!create)
			return NULL;
		A.st[i].used = true;
		A.st[i].id = id;
	}
	return &A.st[i];
}

static void
app_stream_own(struct app_stream *s, const void *p, size_t n)
{
	if (s->own_len + n > s->own_cap) {
		size_t cap = s->own_cap ? s->own_cap : 4096;

		while (cap < s->own_len + n)
			cap *= 2;
		s->own = realloc(s->own, cap);
		if (s->own == NULL) {
			fprintf(stderr, "%s: out of memory\n", A.role);
			exit(2);
		}
		s->own_cap = cap;
	}
	memcpy(s->own + s->own_len, p, n);
	s->own_len += n;
}

/* Give queued bytes to the connection; returns false when the stream is blocked. */
static bool
app_stream_flush(struct app_stream *s)
{
	while (!s->fin_sent) {
		size_t total = s->own_len + s->ext_len, want;
		const uint8_t *p;
		bool fin;
		long n;

		if (s->off < s->own_len) {
			p = s->own + s->off;
			want = s->own_len - s->off;
		} else {
			/* no arithmetic on a NULL ext (echo streams have none) */
			p = s->ext != NULL ? s->ext + (s->off - s->own_len) : NULL;
			want = total - s->off;
		}
		fin = s->fin && s->off + want == total;
		if (want == 0 && !fin)
			return true;
		n = tern_quic_conn_stream_send(A.conn, s->id, p, want, fin);
		if (n == TERN_QUIC_DONE)
			return false;
		if (n < 0) {
			app_fail("stream_send(%" PRIu64 "): %s", s->id, tern_strerror((int)n));
			return false;
		}
		s->off += (size_t)n;
		A.bytes_sent += (uint64_t)n;
		if (fin && (size_t)n == want)
			s->fin_sent = true;
		if ((size_t)n < want)
			return false;
	}
	return true;
}

static void
app_flush_all(void)
{
	size_t i;

	for (i = 0; i < A.st_cap && !A.failed; i++) {
		struct app_stream *s = &A.st[i];

		if (s->used && !s->fin_sent && (s->off < s->own_len + s->ext_len || s->fin))
			app_stream_flush(s);
	}
}

/* Start the one requested key update once enough data moved (and the handshake is confirmed). */
static void
app_maybe_key_update(void)
{
	if (!A.key_update || A.ku_initiated || A.conn == NULL ||
	    A.bytes_sent + A.bytes_recv < A.key_update_after)
		return;
	if (tern_quic_conn_update_keys(A.conn) == 0) {
		A.ku_initiated = 1;
		app_vlog("initiated a key update after %" PRIu64 " bytes",
			 A.bytes_sent + A.bytes_recv);
	}
}

/* --stats: goodput, RTT, window and losses once a second. */
static void
app_live_stats(void)
{
	uint64_t now = app_now(), bytes = A.bytes_sent + A.bytes_recv;
	struct tern_quic_path_stats ps;
	struct tern_quic_stats st;

	if (!A.live_stats || A.conn == NULL)
		return;
	if (A.stats_next == 0) {
		A.stats_next = now + 1000000000ULL;
		A.stats_bytes = bytes;
		return;
	}
	if (now < A.stats_next)
		return;
	tern_quic_conn_path_stats(A.conn, &ps);
	tern_quic_conn_stats(A.conn, &st);
	fprintf(stderr,
		"%s: %.1f Mbit/s, srtt %.3f ms, min_rtt %.3f ms, cwnd %" PRIu64
		", in flight %" PRIu64 ", sent %" PRIu64 " recv %" PRIu64 " lost %" PRIu64 "\n",
		A.role, (double)(bytes - A.stats_bytes) * 8 / 1e6, (double)ps.rtt_ns / 1e6,
		(double)ps.min_rtt_ns / 1e6, ps.cwnd, ps.bytes_in_flight, st.sent, st.recv,
		st.lost);
	A.stats_bytes = bytes;
	A.stats_next = now + 1000000000ULL;
}

/* The key log file: --keylog, else the SSLKEYLOGFILE environment variable. */
static int
app_open_keylog(const char *path, struct tern_quic_config *cfg)
{
	if (path == NULL)
		path = getenv("SSLKEYLOGFILE");
	if (path == NULL || *path == 0)
		return 0;
	A.keylog = fopen(path, "a");
	if (A.keylog == NULL) {
		perror(path);
		return -1;
	}
	tern_quic_config_set_keylog(cfg, app_keylog, A.keylog);
	return 0;
}

static void
app_stream_free_all(void)
{
	size_t i;

	for (i = 0; i < A.st_cap; i++) {
		free(A.st[i].own);
		if (A.st[i].hash != NULL)
			EVP_MD_CTX_free(A.st[i].hash);
	}
	free(A.st);
	A.st = NULL;
	A.st_cap = 0;
}

/* --- UDP ------------------------------------------------------------------------------- */

static int
app_socket(const char *host, const char *port, bool server)
{
	struct sockaddr_in a;
	int fd, sz = 4 << 20;
	unsigned long p;
	char *end;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	p = strtoul(port, &end, 10);
	if (*end != 0 || p > 65535 || inet_pton(AF_INET, host, &a.sin_addr) != 1) {
		fprintf(stderr, "%s: need an IPv4 address and a port, got %s %s\n", A.role, host,
			port);
		return -1;
	}
	a.sin_port = htons((uint16_t)p);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if (server ? bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0
		   : connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		perror(server ? "bind" : "connect");
		close(fd);
		return -1;
	}
	if (!server) {
		memcpy(&A.remote, &a, sizeof(a));
		A.remote_len = sizeof(a);
	}
	A.local_len = sizeof(A.local);
	getsockname(fd, (struct sockaddr *)&A.local, &A.local_len);
	A.fd = fd;
	return 0;
}

/* Send everything the connection has, in sendmmsg batches. copies > 1 repeats each datagram. */
static void
app_send_all(unsigned copies)
{
	static uint8_t bufs[APP_BATCH][APP_DGRAM];
	struct mmsghdr msgs[APP_BATCH];
	struct iovec iov[APP_BATCH];
	struct tern_quic_send_info si;
	unsigned n = 0, i, c;
	int len;

	for (;;) {
		len = A.conn != NULL
			      ? tern_quic_conn_send(A.conn, bufs[n], APP_DGRAM, &si, app_now())
			      : TERN_QUIC_DONE;
		if (len > 0) {
			iov[n].iov_base = bufs[n];
			iov[n].iov_len = (size_t)len;
			memset(&msgs[n], 0, sizeof(msgs[n]));
			msgs[n].msg_hdr.msg_iov = &iov[n];
			msgs[n].msg_hdr.msg_iovlen = 1;
			msgs[n].msg_hdr.msg_name = &A.remote;
			msgs[n].msg_hdr.msg_namelen = A.remote_len;
			n++;
		}
		if (n == APP_BATCH || (len <= 0 && n > 0)) {
			for (c = 0; c < copies; c++) {
				unsigned done = 0;

				while (done < n) {
					int r = sendmmsg(A.fd, msgs + done, n - done, 0);

					if (r <= 0) {
						if (r < 0 && errno == EINTR)
							continue;
						break; /* EAGAIN / ENOBUFS: a loss QUIC recovers
							  from */
					}
					done += (unsigned)r;
				}
				A.dgrams_out += done;
			}
			n = 0;
		}
		if (len <= 0)
			break;
	}
	if (len != TERN_QUIC_DONE)
		app_fail("send: %s", tern_strerror(len));
	(void)i;
}

typedef void (*app_rx_fn)(uint8_t *buf, size_t len, const struct sockaddr_storage *from,
			  socklen_t from_len);

/* Wait for datagrams or the connection's timer; hand datagrams to rx. */
static void
app_wait_and_read(app_rx_fn rx)
{
	static uint8_t bufs[APP_BATCH][APP_DGRAM];
	static struct sockaddr_storage from[APP_BATCH];
	struct mmsghdr msgs[APP_BATCH];
	struct iovec iov[APP_BATCH];
	struct pollfd pfd = {.fd = A.fd, .events = POLLIN};
	uint64_t now = app_now(), wake = A.deadline;
	struct timespec tmo;
	int n, i, rounds;

	if (A.conn != NULL && tern_quic_conn_timeout(A.conn) < wake)
		wake = tern_quic_conn_timeout(A.conn);
	wake = wake > now ? wake - now : 0;
	tmo.tv_sec = (time_t)(wake / 1000000000ULL);
	tmo.tv_nsec = (long)(wake % 1000000000ULL);
	if (ppoll(&pfd, 1, &tmo, NULL) < 0 && errno != EINTR) {
		app_fail("poll: %s", strerror(errno));
		return;
	}
	for (rounds = 0; rounds < 8; rounds++) {
		for (i = 0; i < APP_BATCH; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = APP_DGRAM;
			memset(&msgs[i], 0, sizeof(msgs[i]));
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_name = &from[i];
			msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
		}
		n = recvmmsg(A.fd, msgs, APP_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			break;
		for (i = 0; i < n; i++) {
			A.dgrams_in++;
			rx(bufs[i], msgs[i].msg_len, &from[i], msgs[i].msg_hdr.msg_namelen);
		}
		if (n < APP_BATCH)
			break;
	}
	now = app_now();
	if (A.conn != NULL && tern_quic_conn_timeout(A.conn) <= now)
		tern_quic_conn_on_timeout(A.conn, now);
}

static void
app_on_signal(int sig)
{
	(void)sig;
	app_signal = 1;
}

static void
app_record_peer_close(void)
{
	struct tern_quic_conn_error e;

	if (A.close_recv[0] != 0 || A.conn == NULL)
		return;
	if (tern_quic_conn_peer_error(A.conn, &e))
		snprintf(A.close_recv, sizeof(A.close_recv), "%s:%" PRIu64,
			 e.is_app ? "app" : "transport", e.error_code);
	else if (tern_quic_conn_is_timed_out(A.conn))
		snprintf(A.close_recv, sizeof(A.close_recv), "idle");
}

static void
app_report_local_error(void)
{
	struct tern_quic_conn_error e;

	if (A.conn != NULL && tern_quic_conn_local_error(A.conn, &e)) {
		snprintf(A.close_sent, sizeof(A.close_sent), "%s:%" PRIu64,
			 e.is_app ? "app" : "transport", e.error_code);
		if (!e.is_app && e.error_code != 0)
			app_fail("closed with transport error 0x%" PRIx64 " (%.*s)", e.error_code,
				 (int)e.reason_len, (const char *)e.reason);
	}
}

static void
app_result(bool ok)
{
	double secs = (double)(app_now() - A.t_start) / 1e9;
	struct tern_quic_path_stats ps;
	struct tern_quic_stats st;

	memset(&ps, 0, sizeof(ps));
	memset(&st, 0, sizeof(st));
	if (A.conn != NULL) {
		tern_quic_conn_path_stats(A.conn, &ps);
		tern_quic_conn_stats(A.conn, &st);
	}
	printf("RESULT %s role=%s alpn=%s streams=%" PRIu64 " bytes_sent=%" PRIu64
	       " bytes_recv=%" PRIu64 " sha256_down=%s sha256_up=%s close_sent=%s"
	       " close_recv=%s key_updates=%" PRIu64 " ku_initiated=%" PRIu64 " dgrams_in=%" PRIu64
	       " dgrams_out=%" PRIu64 " lost=%" PRIu64
	       " srtt_ms=%.3f time_s=%.3f mbit_s=%.1f%s%s\n",
	       ok ? "ok" : "fail", A.role, A.alpn, A.streams_done, A.bytes_sent, A.bytes_recv,
	       A.sha_down[0] ? A.sha_down : "-", A.sha_up[0] ? A.sha_up : "-",
	       A.close_sent[0] ? A.close_sent : "-", A.close_recv[0] ? A.close_recv : "-",
	       st.key_updates, A.ku_initiated, A.dgrams_in, A.dgrams_out, st.lost,
	       (double)ps.rtt_ns / 1e6, secs,
	       secs > 0 ? (double)(A.bytes_sent + A.bytes_recv) * 8 / secs / 1e6 : 0.0,
	       ok ? "" : " reason=", ok ? "" : A.reason);
	fflush(stdout);
}

/*
 * The end of both programs: check the expected application close (when
 * expect_close >= 0), print the RESULT line, free everything. Returns the
 * exit status.
 */
static int
app_finish(bool ok, int64_t expect_close, struct tern_quic_config *qcfg,
	   struct tern_tls_config *tls)
{
	if (ok && expect_close >= 0) {
		char want[64];

		snprintf(want, sizeof(want), "app:%" PRId64, expect_close);
		if (strcmp(A.close_recv, want) != 0) {
			ok = false;
			app_fail("expected application close %" PRId64 ", got %s", expect_close,
				 A.close_recv[0] ? A.close_recv : "none");
		}
	}
	app_result(ok);
	tern_quic_conn_free(A.conn);
	tern_quic_config_free(qcfg);
	tern_tls_config_free(tls);
	tern_crypto_ctx_free(A.cctx);
	app_stream_free_all();
	if (A.keylog != NULL)
		fclose(A.keylog);
	close(A.fd);
	return ok ? 0 : 1;
}

#endif /* TERN_APPS_QUIC_APP_H */
