/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tern-ngtcp2-peer: an independent QUIC v1 endpoint for interop tests, built on
 * Debian's libngtcp2 0.12 + ngtcp2_crypto_gnutls over one UDP socket (poll
 * loop, ngtcp2 expiry timers, bounded run time). Nothing here uses libtern:
 * it is the reference the tern connection is checked against.
 *
 * Application protocol on client-opened bidirectional streams (ALPN is only a
 * label, default "tern-test"):
 *   "GET N\n"          -> server sends N bytes of the pattern, then FIN
 *   "PUT N\n" + N bytes -> server checks them against the pattern and answers
 *                         "OK N <sha256hex>\n" (or "BAD ...\n"), then FIN
 *   anything else      -> echoed back, FIN after the peer's FIN
 * The pattern is xorshift64* (seed 1) output, 8 bytes little-endian per step;
 * byte i of every GET/PUT body is byte i of that stream, so each side can check
 * data independently. Echo payloads are windows of the same stream.
 *
 * One connection per run. Ends with one line on stdout:
 *   RESULT ok|fail role=... key=value ...
 * and exit status 0 only on success.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
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

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>

#define MAX_BODY     (1ULL << 32)
#define PAT_ECHO_WIN 65536 /* echo payloads start at (index * 131) % this */
#define MAX_DGRAM    65536

enum kind {
	K_UNKNOWN, /* server: request line not seen yet */
	K_ECHO,
	K_GET,
	K_PUT,
};

struct seg {
	struct seg *next;
	const uint8_t *p;
	size_t len;
	uint8_t *owned;
};

struct stream {
	int64_t id;
	enum kind kind;
	struct stream *prev_all, *next_all;
	struct stream *next_send;
	bool in_sendq, blocked;
	/* send side: segments in order; cur/cur_off is the first byte not yet given to ngtcp2 */
	struct seg *sh, *st, *cur;
	size_t cur_off;
	uint64_t queued, sent;
	bool fin_queued, fin_sent;
	/* receive side */
	uint64_t recvd;
	bool fin_recvd;
	uint8_t hdr[128];
	size_t hdrlen;
	uint64_t n;	       /* GET/PUT body size */
	uint64_t body;	       /* PUT body bytes seen (server) */
	const uint8_t *expect; /* client echo: what must come back */
	gnutls_hash_hd_t hash; /* GET body (client) / PUT body (server) */
	bool done, failed;
};

struct opts {
	bool server;
	const char *host, *port, *alpn, *cert, *key, *ca, *sni, *keylog, *priority;
	double timeout;
	uint64_t echo, streams, stream_bytes, download, upload, key_update_after;
	uint64_t max_streams, idle_ms, window;
	int64_t close_error, expect_close;
	uint64_t close_after;
	bool key_update, wait_close, verbose;
};

static struct opts O = {
	.port = "0",
	.alpn = "tern-test",
	.sni = "localhost",
	.priority = "%DISABLE_TLS13_COMPAT_MODE:NORMAL:-VERS-ALL:+VERS-TLS1.3",
	.timeout = 60,
	.max_streams = 100,
	.idle_ms = 10000,
	.window = 16 << 20,
	.close_error = -1,
	.expect_close = -1,
	.close_after = 1,
};

/* All mutable state of the one connection of this run. */
static struct {
	int fd;
	struct sockaddr_storage local, remote;
	socklen_t locallen, remotelen;
	ngtcp2_conn *conn;
	ngtcp2_crypto_conn_ref conn_ref;
	gnutls_session_t tls;
	gnutls_certificate_credentials_t cred;
	FILE *keylog;
	struct stream *all, *sq_head, *sq_tail;
	uint64_t t_start, t_hs, deadline;
	bool hs_done, confirmed, closed, failed;
	char reason[160];
	/* workload (client) */
	uint64_t to_open_echo, to_open_get, to_open_put, planned, completed, echo_idx;
	/* counters */
	uint64_t bytes_sent, bytes_recv, streams_done, streams_closed, key_updates;
	uint64_t ku_initiated, dgrams_in, dgrams_out;
	char sha_down[65], sha_up[65];
	char close_recv[64], close_sent[32];
	bool close_rx_app;
	uint64_t close_rx_code;
} S;

static volatile sig_atomic_t got_signal;

static uint8_t *pat_buf; /* cached pattern prefix; old buffers kept until exit */
static size_t pat_len;
struct old_pat {
	struct old_pat *next;
	uint8_t *p;
};
static struct old_pat *pat_old;

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void
fail(const char *fmt, ...)
{
	va_list ap;

	if (S.failed)
		return;
	S.failed = true;
	va_start(ap, fmt);
	vsnprintf(S.reason, sizeof(S.reason), fmt, ap);
	va_end(ap);
	for (char *c = S.reason; *c; c++)
		if (*c == ' ')
			*c = '_';
	fprintf(stderr, "peer: fail: %s\n", S.reason);
}

static void
vlog(const char *fmt, ...)
{
	va_list ap;

	if (!O.verbose)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "peer: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* --- the pattern ------------------------------------------------------------------ */

static const uint8_t *
pattern(size_t n)
{
	uint64_t x = 1;
	size_t cap, i;
	uint8_t *p;

	if (n <= pat_len)
		return pat_buf;
	cap = n < 1 << 20 ? 1 << 20 : n;
	p = malloc(cap + 8);
	if (!p) {
		fprintf(stderr, "peer: out of memory (%zu)\n", cap);
		exit(2);
	}
	for (i = 0; i < cap; i += 8) {
		uint64_t v;

		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		v = x * 0x2545F4914F6CDD1DULL;
		for (int b = 0; b < 8; b++)
			p[i + (size_t)b] = (uint8_t)(v >> (8 * b));
	}
	if (pat_buf) {
		/* streams may still point into the old buffer: ngtcp2 keeps references */
		struct old_pat *o = malloc(sizeof(*o));

		if (!o)
			exit(2);
		o->p = pat_buf;
		o->next = pat_old;
		pat_old = o;
	}
	pat_buf = p;
	pat_len = cap;
	return p;
}

static void
hexify(const uint8_t *d, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[d[i] >> 4];
		out[2 * i + 1] = hx[d[i] & 15];
	}
	out[2 * n] = 0;
}

static void
sha256_hex(const uint8_t *p, size_t n, char out[65])
{
	uint8_t md[32];

	gnutls_hash_fast(GNUTLS_DIG_SHA256, p, n, md);
	hexify(md, 32, out);
}

static void
hash_end(gnutls_hash_hd_t *h, char out[65])
{
	uint8_t md[32];

	gnutls_hash_deinit(*h, md);
	*h = NULL;
	if (out)
		hexify(md, 32, out);
}

/* --- streams ---------------------------------------------------------------------- */

static struct stream *
stream_new(int64_t id, enum kind k)
{
	struct stream *s = calloc(1, sizeof(*s));

	if (!s) {
		fprintf(stderr, "peer: out of memory\n");
		exit(2);
	}
	s->id = id;
	s->kind = k;
	s->next_all = S.all;
	if (S.all)
		S.all->prev_all = s;
	S.all = s;
	return s;
}

static void stream_done(struct stream *s, bool ok, const char *why);

static bool
has_pending(const struct stream *s)
{
	return s->sent < s->queued || (s->fin_queued && !s->fin_sent);
}

static void
sendq_add(struct stream *s)
{
	if (s->in_sendq || s->blocked || !has_pending(s))
		return;
	s->in_sendq = true;
	s->next_send = NULL;
	if (S.sq_tail)
		S.sq_tail->next_send = s;
	else
		S.sq_head = s;
	S.sq_tail = s;
}

static void
sendq_pop(void)
{
	struct stream *s = S.sq_head;

	S.sq_head = s->next_send;
	if (!S.sq_head)
		S.sq_tail = NULL;
	s->in_sendq = false;
	s->next_send = NULL;
}

static void
sendq_remove(struct stream *s)
{
	struct stream **pp = &S.sq_head, *prev = NULL;

	if (!s->in_sendq)
		return;
	while (*pp && *pp != s) {
		prev = *pp;
		pp = &(*pp)->next_send;
	}
	if (*pp) {
		*pp = s->next_send;
		if (S.sq_tail == s)
			S.sq_tail = prev;
	}
	s->in_sendq = false;
	s->next_send = NULL;
}

/* Queue bytes on a stream. copy: take a private copy (ngtcp2 keeps pointers to
 * unacknowledged data, so the bytes must stay put until the stream closes). */
static void
stream_queue(struct stream *s, const uint8_t *p, size_t len, bool copy, bool fin)
{
	if (len) {
		struct seg *g = calloc(1, sizeof(*g));

		if (!g)
			exit(2);
		if (copy) {
			g->owned = malloc(len);
			if (!g->owned)
				exit(2);
			memcpy(g->owned, p, len);
			p = g->owned;
		}
		g->p = p;
		g->len = len;
		if (s->st)
			s->st->next = g;
		else
			s->sh = g;
		s->st = g;
		if (!s->cur) {
			s->cur = g;
			s->cur_off = 0;
		}
		s->queued += len;
	}
	if (fin)
		s->fin_queued = true;
	sendq_add(s);
}

static size_t
stream_vec(struct stream *s, ngtcp2_vec *v, size_t max, bool *all)
{
	struct seg *g = s->cur;
	size_t n = 0, off = s->cur_off;

	while (g && n < max) {
		if (g->len > off) {
			v[n].base = (uint8_t *)g->p + off;
			v[n].len = g->len - off;
			n++;
		}
		off = 0;
		g = g->next;
	}
	*all = g == NULL;
	return n;
}

static void
stream_consumed(struct stream *s, size_t n, bool fin_offered)
{
	s->sent += n;
	S.bytes_sent += n;
	while (n && s->cur) {
		size_t left = s->cur->len - s->cur_off;

		if (n < left) {
			s->cur_off += n;
			n = 0;
		} else {
			n -= left;
			s->cur = s->cur->next;
			s->cur_off = 0;
		}
	}
	while (s->cur && s->cur_off == s->cur->len) {
		s->cur = s->cur->next;
		s->cur_off = 0;
	}
	/* ngtcp2 sets FIN only when every offered byte was taken */
	if (fin_offered && s->sent == s->queued)
		s->fin_sent = true;
	/* a server stream is served once its answer is complete (the client may
	 * close the connection before the last ACK closes the stream here) */
	if (O.server && s->fin_sent && s->fin_recvd && !s->failed)
		stream_done(s, true, "");
}

static void
stream_free(struct stream *s)
{
	struct seg *g, *ng;

	sendq_remove(s);
	if (s->prev_all)
		s->prev_all->next_all = s->next_all;
	else
		S.all = s->next_all;
	if (s->next_all)
		s->next_all->prev_all = s->prev_all;
	for (g = s->sh; g; g = ng) {
		ng = g->next;
		free(g->owned);
		free(g);
	}
	if (s->hash)
		gnutls_hash_deinit(s->hash, NULL);
	free(s);
}

static void
stream_done(struct stream *s, bool ok, const char *why)
{
	if (s->done)
		return;
	s->done = true;
	if (!ok) {
		s->failed = true;
		fail("stream %" PRId64 ": %s", s->id, why);
		return;
	}
	S.streams_done++;
	if (!O.server)
		S.completed++;
}

/* --- server side of the application protocol --------------------------------------- */

static void
srv_put_body(struct stream *s, const uint8_t *d, size_t len)
{
	const uint8_t *pat;

	if (s->body + len > s->n) {
		s->failed = true;
		return;
	}
	pat = pattern((size_t)s->n);
	if (memcmp(pat + s->body, d, len) != 0)
		s->failed = true;
	gnutls_hash(s->hash, d, len);
	s->body += len;
}

static void
srv_request(struct stream *s, const uint8_t *nl)
{
	char line[sizeof(s->hdr)], *end;
	size_t ll = (size_t)(nl - s->hdr), rest = s->hdrlen - ll - 1;
	unsigned long long n;

	memcpy(line, s->hdr + 4, ll - 4);
	line[ll - 4] = 0;
	errno = 0;
	n = strtoull(line, &end, 10);
	if (errno || end == line || *end || n > MAX_BODY) {
		s->kind = K_ECHO; /* not a request after all */
		stream_queue(s, s->hdr, s->hdrlen, true, false);
		return;
	}
	s->n = n;
	if (s->hdr[0] == 'G') {
		s->kind = K_GET;
		stream_queue(s, pattern((size_t)n), (size_t)n, false, true);
		sha256_hex(pattern((size_t)n), (size_t)n, S.sha_down);
		vlog("stream %" PRId64 ": GET %llu sha256=%s", s->id, n, S.sha_down);
	} else {
		s->kind = K_PUT;
		gnutls_hash_init(&s->hash, GNUTLS_DIG_SHA256);
		srv_put_body(s, nl + 1, rest);
	}
}

static void
srv_recv(struct stream *s, const uint8_t *d, size_t len, bool fin)
{
	while (s->kind == K_UNKNOWN) {
		size_t take = sizeof(s->hdr) - s->hdrlen;
		const uint8_t *nl;

		if (take > len)
			take = len;
		memcpy(s->hdr + s->hdrlen, d, take);
		s->hdrlen += take;
		d += take;
		len -= take;
		if (s->hdrlen >= 4 && (!memcmp(s->hdr, "GET ", 4) || !memcmp(s->hdr, "PUT ", 4))) {
			nl = memchr(s->hdr, '\n', s->hdrlen);
			if (nl) {
				srv_request(s, nl);
				break;
			}
			if (s->hdrlen < sizeof(s->hdr) && !fin)
				return; /* take == len here: wait for the rest of the line */
		} else if (s->hdrlen < 4 && !fin) {
			return;
		}
		if (s->kind == K_UNKNOWN) {
			s->kind = K_ECHO;
			stream_queue(s, s->hdr, s->hdrlen, true, false);
		}
	}
	switch (s->kind) {
	case K_ECHO:
		stream_queue(s, d, len, true, fin);
		break;
	case K_PUT:
		srv_put_body(s, d, len);
		if (fin) {
			char hex[65], resp[128];
			bool ok = !s->failed && s->body == s->n;

			hash_end(&s->hash, hex);
			if (ok)
				memcpy(S.sha_up, hex, sizeof(hex));
			snprintf(resp, sizeof(resp), "%s %" PRIu64 " %s\n", ok ? "OK" : "BAD",
				 s->body, hex);
			stream_queue(s, (const uint8_t *)resp, strlen(resp), true, true);
			vlog("stream %" PRId64 ": PUT %" PRIu64 " %s", s->id, s->body, resp);
			if (!ok)
				stream_done(s, false, "upload mismatch");
		}
		break;
	default:
		break; /* GET: bytes after the request line are ignored */
	}
	if (fin && s->kind == K_ECHO)
		vlog("stream %" PRId64 ": echo %" PRIu64 " bytes", s->id, s->recvd);
}

/* --- client side of the application protocol --------------------------------------- */

static void
cli_recv(struct stream *s, const uint8_t *d, size_t len, bool fin)
{
	uint64_t off = s->recvd - len;

	switch (s->kind) {
	case K_ECHO:
		if (s->recvd > s->n || memcmp(s->expect + off, d, len) != 0)
			s->failed = true;
		if (fin)
			stream_done(s, !s->failed && s->recvd == s->n, "echo mismatch");
		break;
	case K_GET:
		if (s->recvd > s->n || memcmp(pattern((size_t)s->n) + off, d, len) != 0)
			s->failed = true;
		gnutls_hash(s->hash, d, len);
		if (fin) {
			hash_end(&s->hash, S.sha_down);
			stream_done(s, !s->failed && s->recvd == s->n, "download mismatch");
		}
		break;
	case K_PUT: {
		size_t take = sizeof(s->hdr) - 1 - s->hdrlen;

		if (take > len)
			take = len;
		memcpy(s->hdr + s->hdrlen, d, take);
		s->hdrlen += take;
		if (fin) {
			char want[160], got[65];

			sha256_hex(pattern((size_t)s->n), (size_t)s->n, got);
			snprintf(want, sizeof(want), "OK %" PRIu64 " %s\n", s->n, got);
			s->hdr[s->hdrlen] = 0;
			if (!strcmp((char *)s->hdr, want))
				memcpy(S.sha_up, got, sizeof(got));
			stream_done(s, !strcmp((char *)s->hdr, want), "upload not confirmed");
		}
		break;
	}
	default:
		break;
	}
}

static bool
cli_open_one(enum kind k)
{
	struct stream *s = stream_new(-1, k);
	int64_t id;
	char req[64];
	int rv = ngtcp2_conn_open_bidi_stream(S.conn, &id, s);

	if (rv != 0) {
		stream_free(s);
		if (rv != NGTCP2_ERR_STREAM_ID_BLOCKED)
			fail("open_bidi_stream: %s", ngtcp2_strerror(rv));
		return false;
	}
	s->id = id;
	switch (k) {
	case K_ECHO: {
		/* the --echo stream is opened first, then the --streams ones */
		uint64_t n = O.echo && S.echo_idx == 0 ? O.echo : O.stream_bytes;
		size_t off = (size_t)((S.echo_idx * 131) % PAT_ECHO_WIN);
		const uint8_t *p = pattern((size_t)n + PAT_ECHO_WIN + 8);

		/* never look like a request to the server */
		while (n >= 4 && (!memcmp(p + off, "GET ", 4) || !memcmp(p + off, "PUT ", 4)))
			off++;
		s->n = n;
		s->expect = p + off;
		S.echo_idx++;
		stream_queue(s, s->expect, (size_t)n, false, true);
		break;
	}
	case K_GET:
		s->n = O.download;
		gnutls_hash_init(&s->hash, GNUTLS_DIG_SHA256);
		snprintf(req, sizeof(req), "GET %" PRIu64 "\n", O.download);
		stream_queue(s, (const uint8_t *)req, strlen(req), true, true);
		break;
	case K_PUT:
		s->n = O.upload;
		snprintf(req, sizeof(req), "PUT %" PRIu64 "\n", O.upload);
		stream_queue(s, (const uint8_t *)req, strlen(req), true, false);
		stream_queue(s, pattern((size_t)O.upload), (size_t)O.upload, false, true);
		break;
	default:
		break;
	}
	return true;
}

static void
cli_open_streams(void)
{
	/* bounded by the peer's MAX_STREAMS: ngtcp2 says STREAM_ID_BLOCKED */
	while (!S.failed && ngtcp2_conn_get_streams_bidi_left(S.conn) > 0) {
		enum kind k;
		uint64_t *cnt;

		if (S.to_open_get) {
			k = K_GET;
			cnt = &S.to_open_get;
		} else if (S.to_open_put) {
			k = K_PUT;
			cnt = &S.to_open_put;
		} else if (S.to_open_echo) {
			k = K_ECHO;
			cnt = &S.to_open_echo;
		} else {
			return;
		}
		if (!cli_open_one(k))
			return;
		(*cnt)--;
	}
}

/* --- ngtcp2 callbacks --------------------------------------------------------------- */

static void
rand_cb(uint8_t *dest, size_t len, const ngtcp2_rand_ctx *ctx)
{
	(void)ctx;
	gnutls_rnd(GNUTLS_RND_RANDOM, dest, len);
}

static int
get_new_cid_cb(ngtcp2_conn *conn, ngtcp2_cid *cid, uint8_t *token, size_t cidlen, void *ud)
{
	(void)conn;
	(void)ud;
	if (gnutls_rnd(GNUTLS_RND_RANDOM, cid->data, cidlen) != 0 ||
	    gnutls_rnd(GNUTLS_RND_RANDOM, token, NGTCP2_STATELESS_RESET_TOKENLEN) != 0)
		return NGTCP2_ERR_CALLBACK_FAILURE;
	cid->datalen = cidlen;
	return 0;
}

static int
handshake_completed_cb(ngtcp2_conn *conn, void *ud)
{
	const char *want = O.alpn;
	gnutls_datum_t alpn;

	(void)conn;
	(void)ud;
	S.hs_done = true;
	/* RFC 9001 4.1.2: complete means confirmed for a server (ngtcp2 0.12 does
	 * not call handshake_confirmed on the server side) */
	if (O.server)
		S.confirmed = true;
	S.t_hs = now_ns();
	if (gnutls_alpn_get_selected_protocol(S.tls, &alpn) != 0 || alpn.size != strlen(want) ||
	    memcmp(alpn.data, want, alpn.size) != 0) {
		fail("ALPN not negotiated");
		return NGTCP2_ERR_CALLBACK_FAILURE;
	}
	vlog("handshake completed in %.1f ms (%s)", (S.t_hs - S.t_start) / 1e6,
	     gnutls_cipher_get_name(gnutls_cipher_get(S.tls)));
	return 0;
}

static int
handshake_confirmed_cb(ngtcp2_conn *conn, void *ud)
{
	(void)conn;
	(void)ud;
	S.confirmed = true;
	vlog("handshake confirmed");
	return 0;
}

static int
stream_open_cb(ngtcp2_conn *conn, int64_t id, void *ud)
{
	(void)ud;
	if (!O.server || !ngtcp2_is_bidi_stream(id))
		return 0; /* unidirectional streams are read and dropped */
	ngtcp2_conn_set_stream_user_data(conn, id, stream_new(id, K_UNKNOWN));
	return 0;
}

static int
recv_stream_data_cb(ngtcp2_conn *conn, uint32_t flags, int64_t id, uint64_t offset,
		    const uint8_t *data, size_t len, void *ud, void *sud)
{
	struct stream *s = sud;
	bool fin = flags & NGTCP2_STREAM_DATA_FLAG_FIN;

	(void)ud;
	/* the application consumes everything at once: give the credit back */
	ngtcp2_conn_extend_max_stream_offset(conn, id, len);
	ngtcp2_conn_extend_max_offset(conn, len);
	S.bytes_recv += len;
	if (!s)
		return 0;
	if (offset != s->recvd) {
		fail("stream %" PRId64 ": data at %" PRIu64 ", expected %" PRIu64, id, offset,
		     s->recvd);
		return NGTCP2_ERR_CALLBACK_FAILURE;
	}
	s->recvd += len;
	s->fin_recvd |= fin;
	if (O.server)
		srv_recv(s, data, len, fin);
	else
		cli_recv(s, data, len, fin);
	return 0;
}

static int
stream_close_cb(ngtcp2_conn *conn, uint32_t flags, int64_t id, uint64_t app_error, void *ud,
		void *sud)
{
	struct stream *s = sud;

	(void)ud;
	if (O.server && !ngtcp2_conn_is_local_stream(conn, id)) {
		/* ngtcp2 never raises the peer's stream limit by itself */
		if (ngtcp2_is_bidi_stream(id))
			ngtcp2_conn_extend_max_streams_bidi(conn, 1);
		else
			ngtcp2_conn_extend_max_streams_uni(conn, 1);
	}
	if (!s)
		return 0;
	S.streams_closed++;
	if ((flags & NGTCP2_STREAM_CLOSE_FLAG_APP_ERROR_CODE_SET) && app_error != 0)
		stream_done(s, false, "reset by peer");
	else if (O.server)
		stream_done(s, !s->failed && s->fin_recvd, "closed before FIN");
	else
		stream_done(s, false, "closed before its workload completed");
	stream_free(s);
	return 0;
}

static int
extend_max_stream_data_cb(ngtcp2_conn *conn, int64_t id, uint64_t max, void *ud, void *sud)
{
	struct stream *s = sud;

	(void)conn;
	(void)id;
	(void)max;
	(void)ud;
	if (s && s->blocked) {
		s->blocked = false;
		sendq_add(s);
	}
	return 0;
}

static int
update_key_cb(ngtcp2_conn *conn, uint8_t *rx_secret, uint8_t *tx_secret,
	      ngtcp2_crypto_aead_ctx *rx_aead_ctx, uint8_t *rx_iv,
	      ngtcp2_crypto_aead_ctx *tx_aead_ctx, uint8_t *tx_iv, const uint8_t *cur_rx,
	      const uint8_t *cur_tx, size_t secretlen, void *ud)
{
	/* ngtcp2 derives the next keys ahead of time: once at handshake
	 * confirmation, then once per key update (either side) */
	S.key_updates++;
	vlog("next 1-RTT keys derived (#%" PRIu64 ")", S.key_updates);
	return ngtcp2_crypto_update_key_cb(conn, rx_secret, tx_secret, rx_aead_ctx, rx_iv,
					   tx_aead_ctx, tx_iv, cur_rx, cur_tx, secretlen, ud);
}

static void
log_cb(void *ud, const char *fmt, ...)
{
	va_list ap;

	(void)ud;
	va_start(ap, fmt);
	fprintf(stderr, "ngtcp2: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static ngtcp2_conn *
get_conn_cb(ngtcp2_crypto_conn_ref *ref)
{
	(void)ref;
	return S.conn;
}

/* --- TLS ------------------------------------------------------------------------------ */

static int
keylog_cb(gnutls_session_t session, const char *label, const gnutls_datum_t *secret)
{
	gnutls_datum_t crand, srand;
	char cr[65], *sec;

	if (!S.keylog)
		return 0;
	gnutls_session_get_random(session, &crand, &srand);
	if (crand.size != 32)
		return 0;
	sec = malloc(2 * secret->size + 1);
	if (!sec)
		return -1;
	hexify(crand.data, 32, cr);
	hexify(secret->data, secret->size, sec);
	fprintf(S.keylog, "%s %s %s\n", label, cr, sec);
	fflush(S.keylog);
	free(sec);
	return 0;
}

static int
tls_setup(void)
{
	gnutls_datum_t alpn = {(unsigned char *)O.alpn, (unsigned)strlen(O.alpn)};
	const char *err = NULL;
	int rv;

	if ((rv = gnutls_certificate_allocate_credentials(&S.cred)) != 0)
		goto gnutls_fail;
	if (O.server)
		rv = gnutls_certificate_set_x509_key_file(S.cred, O.cert, O.key,
							  GNUTLS_X509_FMT_PEM);
	else if (O.ca)
		rv = gnutls_certificate_set_x509_trust_file(S.cred, O.ca, GNUTLS_X509_FMT_PEM) > 0
			     ? 0
			     : GNUTLS_E_FILE_ERROR;
	if (rv != 0)
		goto gnutls_fail;
	rv = gnutls_init(&S.tls, (O.server ? GNUTLS_SERVER : GNUTLS_CLIENT) |
					 GNUTLS_ENABLE_EARLY_DATA | GNUTLS_NO_END_OF_EARLY_DATA);
	if (rv != 0)
		goto gnutls_fail;
	if ((rv = gnutls_priority_set_direct(S.tls, O.priority, &err)) != 0) {
		fprintf(stderr, "peer: bad priority string at '%s'\n", err ? err : "?");
		goto gnutls_fail;
	}
	if ((O.server ? ngtcp2_crypto_gnutls_configure_server_session(S.tls)
		      : ngtcp2_crypto_gnutls_configure_client_session(S.tls)) != 0) {
		fprintf(stderr, "peer: ngtcp2_crypto_gnutls_configure_*_session failed\n");
		return -1;
	}
	S.conn_ref.get_conn = get_conn_cb;
	gnutls_session_set_ptr(S.tls, &S.conn_ref);
	if ((rv = gnutls_credentials_set(S.tls, GNUTLS_CRD_CERTIFICATE, S.cred)) != 0)
		goto gnutls_fail;
	/* RFC 9001 8.1: no ALPN agreement -> no_application_protocol */
	if ((rv = gnutls_alpn_set_protocols(S.tls, &alpn, 1, GNUTLS_ALPN_MANDATORY)) != 0)
		goto gnutls_fail;
	if (!O.server) {
		gnutls_server_name_set(S.tls, GNUTLS_NAME_DNS, O.sni, strlen(O.sni));
		if (O.ca)
			gnutls_session_set_verify_cert(S.tls, O.sni, 0);
	}
	if (S.keylog)
		gnutls_session_set_keylog_function(S.tls, keylog_cb);
	ngtcp2_conn_set_tls_native_handle(S.conn, S.tls);
	return 0;
gnutls_fail:
	fprintf(stderr, "peer: gnutls: %s\n", gnutls_strerror(rv));
	return -1;
}

/* --- connection --------------------------------------------------------------------- */

static void
fill_callbacks(ngtcp2_callbacks *cb)
{
	memset(cb, 0, sizeof(*cb));
	if (O.server) {
		cb->recv_client_initial = ngtcp2_crypto_recv_client_initial_cb;
	} else {
		cb->client_initial = ngtcp2_crypto_client_initial_cb;
		cb->recv_retry = ngtcp2_crypto_recv_retry_cb;
	}
	cb->recv_crypto_data = ngtcp2_crypto_recv_crypto_data_cb;
	cb->encrypt = ngtcp2_crypto_encrypt_cb;
	cb->decrypt = ngtcp2_crypto_decrypt_cb;
	cb->hp_mask = ngtcp2_crypto_hp_mask_cb;
	cb->update_key = update_key_cb;
	cb->delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb;
	cb->delete_crypto_cipher_ctx = ngtcp2_crypto_delete_crypto_cipher_ctx_cb;
	cb->get_path_challenge_data = ngtcp2_crypto_get_path_challenge_data_cb;
	cb->version_negotiation = ngtcp2_crypto_version_negotiation_cb;
	cb->rand = rand_cb;
	cb->get_new_connection_id = get_new_cid_cb;
	cb->handshake_completed = handshake_completed_cb;
	cb->handshake_confirmed = handshake_confirmed_cb;
	cb->stream_open = stream_open_cb;
	cb->recv_stream_data = recv_stream_data_cb;
	cb->stream_close = stream_close_cb;
	cb->extend_max_stream_data = extend_max_stream_data_cb;
}

static void
fill_settings(ngtcp2_settings *st, ngtcp2_transport_params *tp)
{
	ngtcp2_settings_default(st);
	st->initial_ts = now_ns();
	st->log_printf = O.verbose && getenv("PEER_NGTCP2_LOG") ? log_cb : NULL;
	st->max_window = O.window * 3 / 2;
	st->max_stream_window = O.window;
	ngtcp2_transport_params_default(tp);
	tp->initial_max_stream_data_bidi_local = 1 << 20;
	tp->initial_max_stream_data_bidi_remote = 1 << 20;
	tp->initial_max_stream_data_uni = 1 << 20;
	tp->initial_max_data = 4 << 20;
	tp->initial_max_streams_bidi = O.server ? O.max_streams : 0;
	tp->initial_max_streams_uni = O.server ? 3 : 0;
	tp->max_idle_timeout = O.idle_ms * NGTCP2_MILLISECONDS;
	tp->active_connection_id_limit = 4;
}

static ngtcp2_path
cur_path(void)
{
	ngtcp2_path p = {
		.local = {(ngtcp2_sockaddr *)&S.local, S.locallen},
		.remote = {(ngtcp2_sockaddr *)&S.remote, S.remotelen},
	};
	return p;
}

static int
client_connect(void)
{
	ngtcp2_callbacks cb;
	ngtcp2_settings st;
	ngtcp2_transport_params tp;
	ngtcp2_cid dcid, scid;
	ngtcp2_path path = cur_path();
	int rv;

	dcid.datalen = 18;
	scid.datalen = 17;
	gnutls_rnd(GNUTLS_RND_RANDOM, dcid.data, dcid.datalen);
	gnutls_rnd(GNUTLS_RND_RANDOM, scid.data, scid.datalen);
	fill_callbacks(&cb);
	fill_settings(&st, &tp);
	rv = ngtcp2_conn_client_new(&S.conn, &dcid, &scid, &path, NGTCP2_PROTO_VER_V1, &cb, &st,
				    &tp, NULL, NULL);
	if (rv != 0) {
		fprintf(stderr, "peer: ngtcp2_conn_client_new: %s\n", ngtcp2_strerror(rv));
		return -1;
	}
	return tls_setup();
}

static int
server_accept(const uint8_t *pkt, size_t len)
{
	ngtcp2_callbacks cb;
	ngtcp2_settings st;
	ngtcp2_transport_params tp;
	ngtcp2_pkt_hd hd;
	ngtcp2_cid scid;
	ngtcp2_path path = cur_path();
	int rv;

	if (ngtcp2_accept(&hd, pkt, len) != 0)
		return -1;
	scid.datalen = 16;
	gnutls_rnd(GNUTLS_RND_RANDOM, scid.data, scid.datalen);
	fill_callbacks(&cb);
	fill_settings(&st, &tp);
	/* 0.12 has no original_dcid_present: a server must always fill it in */
	tp.original_dcid = hd.dcid;
	rv = ngtcp2_conn_server_new(&S.conn, &hd.scid, &scid, &path, hd.version, &cb, &st, &tp,
				    NULL, NULL);
	if (rv != 0) {
		fprintf(stderr, "peer: ngtcp2_conn_server_new: %s\n", ngtcp2_strerror(rv));
		return -1;
	}
	if (tls_setup() != 0)
		return -2;
	return 0;
}

static void
conn_discard(void)
{
	if (S.conn)
		ngtcp2_conn_del(S.conn);
	while (S.all)
		stream_free(S.all);
	if (S.tls)
		gnutls_deinit(S.tls);
	if (S.cred)
		gnutls_certificate_free_credentials(S.cred);
	S.conn = NULL;
	S.tls = NULL;
	S.cred = NULL;
}

static void
send_dgram(const uint8_t *p, size_t len)
{
	ssize_t n;

	do
		n = sendto(S.fd, p, len, 0, (struct sockaddr *)&S.remote, S.remotelen);
	while (n < 0 && errno == EINTR);
	/* EAGAIN / ENOBUFS: a lost datagram, recovered by QUIC like any loss */
	if (n >= 0)
		S.dgrams_out++;
}

static void
record_peer_close(void)
{
	ngtcp2_connection_close_error ce;

	ngtcp2_conn_get_connection_close_error(S.conn, &ce);
	switch (ce.type) {
	case NGTCP2_CONNECTION_CLOSE_ERROR_CODE_TYPE_APPLICATION:
		snprintf(S.close_recv, sizeof(S.close_recv), "app:%" PRIu64, ce.error_code);
		S.close_rx_app = true;
		break;
	case NGTCP2_CONNECTION_CLOSE_ERROR_CODE_TYPE_TRANSPORT:
		snprintf(S.close_recv, sizeof(S.close_recv), "transport:0x%" PRIx64, ce.error_code);
		break;
	default:
		snprintf(S.close_recv, sizeof(S.close_recv), "other:%" PRIu64, ce.error_code);
		break;
	}
	S.close_rx_code = ce.error_code;
	vlog("peer closed: %s", S.close_recv);
}

/* Send CONNECTION_CLOSE: a few copies, since we leave at once and a lossy relay
 * may drop one (the peer ignores the extra ones while draining). */
static void
close_conn(const ngtcp2_connection_close_error *ce)
{
	static uint8_t buf[MAX_DGRAM];
	ngtcp2_path_storage ps;
	ngtcp2_ssize n;

	if (S.closed || !S.conn)
		return;
	S.closed = true;
	if (ngtcp2_conn_is_in_closing_period(S.conn) || ngtcp2_conn_is_in_draining_period(S.conn))
		return;
	ngtcp2_path_storage_zero(&ps);
	n = ngtcp2_conn_write_connection_close(S.conn, &ps.path, NULL, buf, sizeof(buf), ce,
					       now_ns());
	if (n > 0)
		for (int i = 0; i < 3; i++)
			send_dgram(buf, (size_t)n);
}

static void
close_liberr(int rv)
{
	ngtcp2_connection_close_error ce;

	if (rv == NGTCP2_ERR_CRYPTO)
		ngtcp2_connection_close_error_set_transport_error_tls_alert(
			&ce, ngtcp2_conn_get_tls_alert(S.conn), NULL, 0);
	else
		ngtcp2_connection_close_error_set_transport_error_liberr(&ce, rv, NULL, 0);
	snprintf(S.close_sent, sizeof(S.close_sent), "transport:0x%" PRIx64, ce.error_code);
	close_conn(&ce);
}

static void
close_app(uint64_t code)
{
	ngtcp2_connection_close_error ce;
	static const uint8_t why[] = "tern-ngtcp2-peer done";

	ngtcp2_connection_close_error_set_application_error(&ce, code, why, sizeof(why) - 1);
	snprintf(S.close_sent, sizeof(S.close_sent), "app:%" PRIu64, code);
	close_conn(&ce);
}

static int
write_pkts(void)
{
	static uint8_t buf[MAX_DGRAM];
	ngtcp2_path_storage ps;
	ngtcp2_pkt_info pi;
	uint64_t ts = now_ns();
	size_t maxpl = ngtcp2_conn_get_path_max_tx_udp_payload_size(S.conn);
	size_t maxpkts = ngtcp2_conn_get_send_quantum(S.conn) / maxpl, pkts = 0;
	int guard = 0;

	if (maxpkts == 0)
		maxpkts = 1;
	if (maxpkts > 64)
		maxpkts = 64;
	ngtcp2_path_storage_zero(&ps);
	while (guard++ < 100000) {
		struct stream *s = NULL;
		ngtcp2_vec v[16];
		size_t vn = 0;
		uint32_t flags = 0;
		int64_t sid = -1;
		ngtcp2_ssize nd = -1, nw;
		bool all = false;

		while (S.sq_head && !has_pending(S.sq_head))
			sendq_pop();
		if (S.sq_head && ngtcp2_conn_get_max_data_left(S.conn) > 0) {
			s = S.sq_head;
			sid = s->id;
			vn = stream_vec(s, v, 16, &all);
			flags = NGTCP2_WRITE_STREAM_FLAG_MORE;
			if (all && s->fin_queued)
				flags |= NGTCP2_WRITE_STREAM_FLAG_FIN;
		}
		nw = ngtcp2_conn_writev_stream(S.conn, &ps.path, &pi, buf, maxpl, &nd, flags, sid,
					       v, vn, ts);
		if (nw < 0) {
			switch (nw) {
			case NGTCP2_ERR_STREAM_DATA_BLOCKED:
				s->blocked = true;
				sendq_pop();
				continue;
			case NGTCP2_ERR_STREAM_SHUT_WR:
			case NGTCP2_ERR_STREAM_NOT_FOUND:
				sendq_pop();
				continue;
			case NGTCP2_ERR_WRITE_MORE:
				stream_consumed(s, (size_t)nd,
						flags & NGTCP2_WRITE_STREAM_FLAG_FIN);
				sendq_pop();
				if (has_pending(s)) {
					/* flow control took only part of it */
					if (ngtcp2_conn_get_max_stream_data_left(S.conn, s->id) ==
					    0)
						s->blocked = true;
					sendq_add(s);
				}
				continue;
			default:
				fail("writev_stream: %s", ngtcp2_strerror((int)nw));
				close_liberr((int)nw);
				return -1;
			}
		}
		if (s && nd >= 0) {
			stream_consumed(s, (size_t)nd, flags & NGTCP2_WRITE_STREAM_FLAG_FIN);
			if (!has_pending(s))
				sendq_pop();
		}
		if (nw == 0)
			break;
		send_dgram(buf, (size_t)nw);
		if (++pkts >= maxpkts)
			break;
	}
	ngtcp2_conn_update_pkt_tx_time(S.conn, ts);
	return 0;
}

/* Returns false once the connection is over (peer closed, fatal error). */
static bool
read_dgram(uint8_t *buf, size_t len, const struct sockaddr_storage *from, socklen_t fromlen)
{
	ngtcp2_path path;
	ngtcp2_pkt_info pi = {0};
	int rv;

	S.dgrams_in++;
	if (O.server && !S.conn) {
		memcpy(&S.remote, from, fromlen);
		S.remotelen = fromlen;
		rv = server_accept(buf, len);
		if (rv == -2) {
			fail("TLS setup");
			return false;
		}
		if (rv != 0)
			return true; /* not an Initial we can take: ignore */
		S.t_start = now_ns();
	}
	memcpy(&S.remote, from, fromlen);
	S.remotelen = fromlen;
	path = cur_path();
	rv = ngtcp2_conn_read_pkt(S.conn, &path, &pi, buf, len, now_ns());
	if (rv == 0)
		return true;
	if (rv == NGTCP2_ERR_DRAINING) {
		record_peer_close();
		return false;
	}
	if (O.server && !S.hs_done && S.dgrams_out == 0 && rv != NGTCP2_ERR_CRYPTO) {
		/* a first Initial damaged on the way: forget it, wait for a retransmission */
		vlog("dropping connection attempt: %s", ngtcp2_strerror(rv));
		conn_discard();
		return true;
	}
	if (rv == NGTCP2_ERR_DROP_CONN) {
		fail("read_pkt: %s", ngtcp2_strerror(rv));
		return false;
	}
	fail("read_pkt: %s", ngtcp2_strerror(rv));
	close_liberr(rv);
	return false;
}

static bool
client_work_done(void)
{
	return S.planned > 0 && S.completed >= S.planned;
}

static void
maybe_key_update(void)
{
	int rv;

	if (!O.key_update || S.ku_initiated || !S.confirmed)
		return;
	if (S.bytes_recv + S.bytes_sent < O.key_update_after)
		return;
	rv = ngtcp2_conn_initiate_key_update(S.conn, now_ns());
	if (rv == 0) {
		S.ku_initiated = 1;
		vlog("initiated key update after %" PRIu64 " bytes", S.bytes_recv + S.bytes_sent);
	} else if (rv != NGTCP2_ERR_INVALID_STATE) {
		fail("initiate_key_update: %s", ngtcp2_strerror(rv));
	}
}

static int
open_socket(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	const char *host = O.server ? (O.host ? O.host : "127.0.0.1") : O.host;
	int fd, sz = 4 << 20;
	long port = strtol(O.port, NULL, 10);

	if (inet_pton(AF_INET, host, &a.sin_addr) != 1 || port < 0 || port > 65535) {
		fprintf(stderr, "peer: need an IPv4 address and a port, got %s %s\n", host, O.port);
		return -1;
	}
	a.sin_port = htons((uint16_t)port);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if (O.server) {
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
			perror("peer: bind");
			return -1;
		}
	} else {
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
			perror("peer: connect");
			return -1;
		}
		memcpy(&S.remote, &a, sizeof(a));
		S.remotelen = sizeof(a);
	}
	S.locallen = sizeof(S.local);
	getsockname(fd, (struct sockaddr *)&S.local, &S.locallen);
	S.fd = fd;
	if (O.server) {
		printf("LISTENING 127.0.0.1 %u\n",
		       ntohs(((struct sockaddr_in *)&S.local)->sin_port));
		fflush(stdout);
	}
	return 0;
}

static void
on_signal(int sig)
{
	(void)sig;
	got_signal = 1;
}

/* One step of the application and of ngtcp2's sender. Returns false when the run is over. */
static bool
step(void)
{
	if (!S.conn)
		return true;
	if (!O.server && S.hs_done) {
		cli_open_streams();
		if (client_work_done() && !O.wait_close) {
			write_pkts(); /* flush ACKs before leaving */
			close_app(O.close_error >= 0 ? (uint64_t)O.close_error : 0);
			return false;
		}
	}
	if (O.server && O.close_error >= 0 && S.streams_closed >= O.close_after) {
		close_app((uint64_t)O.close_error);
		return false;
	}
	maybe_key_update();
	if (!S.failed)
		write_pkts();
	if (O.server && !S.hs_done && S.dgrams_out == 0) {
		/* a damaged first Initial that ngtcp2 dropped silently */
		vlog("first Initial produced no answer: waiting for another");
		conn_discard();
	}
	return !S.failed;
}

static void
run(void)
{
	static uint8_t buf[MAX_DGRAM];

	while (step()) {
		uint64_t now = now_ns(), wake = S.deadline;
		struct pollfd pfd = {.fd = S.fd, .events = POLLIN};
		struct timespec tmo;
		bool live = true;

		if (got_signal) {
			fail("signal");
			break;
		}
		if (now >= S.deadline) {
			fail("timeout after %.0f s", O.timeout);
			break;
		}
		if (S.conn) {
			uint64_t exp = ngtcp2_conn_get_expiry(S.conn);

			if (exp < wake)
				wake = exp;
		}
		wake = wake > now ? wake - now : 0;
		tmo.tv_sec = (time_t)(wake / 1000000000ULL);
		tmo.tv_nsec = (long)(wake % 1000000000ULL);
		if (ppoll(&pfd, 1, &tmo, NULL) < 0 && errno != EINTR) {
			fail("poll: %s", strerror(errno));
			break;
		}
		for (int i = 0; live && i < 256; i++) {
			struct sockaddr_storage from;
			socklen_t fl = sizeof(from);
			ssize_t n =
				recvfrom(S.fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);

			if (n < 0)
				break;
			live = read_dgram(buf, (size_t)n, &from, fl);
		}
		if (!live || S.failed)
			break;
		now = now_ns();
		if (S.conn && ngtcp2_conn_get_expiry(S.conn) <= now) {
			int rv = ngtcp2_conn_handle_expiry(S.conn, now);

			if (rv == NGTCP2_ERR_IDLE_CLOSE) {
				snprintf(S.close_recv, sizeof(S.close_recv), "idle");
				vlog("idle timeout");
				break;
			}
			if (rv != 0) {
				fail("handle_expiry: %s", ngtcp2_strerror(rv));
				close_liberr(rv);
				break;
			}
		}
	}
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: tern-ngtcp2-peer --server [--addr A] [--port P] --cert F --key F [opts]\n"
		"       tern-ngtcp2-peer --client HOST PORT [workloads] [opts]\n"
		"workloads (client, run concurrently): --echo N | --streams K --stream-bytes B |\n"
		"  --download N | --upload N\n"
		"opts: --alpn X (tern-test) --timeout S (60) --keylog F --ca F --sni NAME\n"
		"  --priority GNUTLS_PRIORITY --close-error CODE --close-after K (server)\n"
		"  --expect-close CODE --wait-close (client) --key-update\n"
		"  --key-update-after BYTES --max-streams N (server, 100) --idle-timeout MS\n"
		"  --window BYTES (16M) -v\n");
	exit(2);
}

static uint64_t
num(const char *s)
{
	char *e;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &e, 0);
	if (errno || e == s)
		usage();
	if (*e == 'k' || *e == 'K')
		v <<= 10;
	else if (*e == 'm' || *e == 'M')
		v <<= 20;
	else if (*e)
		usage();
	return v;
}

int
main(int argc, char **argv)
{
	enum {
		OPT_ECHO = 256,
		OPT_STREAMS,
		OPT_SBYTES,
		OPT_DOWN,
		OPT_UP,
		OPT_ALPN,
		OPT_CERT,
		OPT_KEY,
		OPT_CA,
		OPT_SNI,
		OPT_KEYLOG,
		OPT_TIMEOUT,
		OPT_CLOSE,
		OPT_CLOSE_AFTER,
		OPT_EXPECT,
		OPT_WAIT,
		OPT_KU,
		OPT_KU_AFTER,
		OPT_MAXS,
		OPT_IDLE,
		OPT_WINDOW,
		OPT_PRIO,
		OPT_ADDR,
		OPT_PORT,
	};
	static const struct option lo[] = {
		{"server", no_argument, NULL, 's'},
		{"client", no_argument, NULL, 'c'},
		{"addr", required_argument, NULL, OPT_ADDR},
		{"port", required_argument, NULL, OPT_PORT},
		{"echo", required_argument, NULL, OPT_ECHO},
		{"streams", required_argument, NULL, OPT_STREAMS},
		{"stream-bytes", required_argument, NULL, OPT_SBYTES},
		{"download", required_argument, NULL, OPT_DOWN},
		{"upload", required_argument, NULL, OPT_UP},
		{"alpn", required_argument, NULL, OPT_ALPN},
		{"cert", required_argument, NULL, OPT_CERT},
		{"key", required_argument, NULL, OPT_KEY},
		{"ca", required_argument, NULL, OPT_CA},
		{"sni", required_argument, NULL, OPT_SNI},
		{"keylog", required_argument, NULL, OPT_KEYLOG},
		{"timeout", required_argument, NULL, OPT_TIMEOUT},
		{"close-error", required_argument, NULL, OPT_CLOSE},
		{"close-after", required_argument, NULL, OPT_CLOSE_AFTER},
		{"expect-close", required_argument, NULL, OPT_EXPECT},
		{"wait-close", no_argument, NULL, OPT_WAIT},
		{"key-update", no_argument, NULL, OPT_KU},
		{"key-update-after", required_argument, NULL, OPT_KU_AFTER},
		{"max-streams", required_argument, NULL, OPT_MAXS},
		{"idle-timeout", required_argument, NULL, OPT_IDLE},
		{"window", required_argument, NULL, OPT_WINDOW},
		{"priority", required_argument, NULL, OPT_PRIO},
		{"verbose", no_argument, NULL, 'v'},
		{NULL, 0, NULL, 0},
	};
	bool client = false, ku_after_set = false, ok;
	int c;
	double secs;

	while ((c = getopt_long(argc, argv, "v", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			O.server = true;
			break;
		case 'c':
			client = true;
			break;
		case OPT_ADDR:
			O.host = optarg;
			break;
		case OPT_PORT:
			O.port = optarg;
			break;
		case OPT_ECHO:
			O.echo = num(optarg);
			break;
		case OPT_STREAMS:
			O.streams = num(optarg);
			break;
		case OPT_SBYTES:
			O.stream_bytes = num(optarg);
			break;
		case OPT_DOWN:
			O.download = num(optarg);
			break;
		case OPT_UP:
			O.upload = num(optarg);
			break;
		case OPT_ALPN:
			O.alpn = optarg;
			break;
		case OPT_CERT:
			O.cert = optarg;
			break;
		case OPT_KEY:
			O.key = optarg;
			break;
		case OPT_CA:
			O.ca = optarg;
			break;
		case OPT_SNI:
			O.sni = optarg;
			break;
		case OPT_KEYLOG:
			O.keylog = optarg;
			break;
		case OPT_TIMEOUT:
			O.timeout = atof(optarg);
			break;
		case OPT_CLOSE:
			O.close_error = (int64_t)num(optarg);
			break;
		case OPT_CLOSE_AFTER:
			O.close_after = num(optarg);
			break;
		case OPT_EXPECT:
			O.expect_close = (int64_t)num(optarg);
			break;
		case OPT_WAIT:
			O.wait_close = true;
			break;
		case OPT_KU:
			O.key_update = true;
			break;
		case OPT_KU_AFTER:
			O.key_update_after = num(optarg);
			ku_after_set = true;
			break;
		case OPT_MAXS:
			O.max_streams = num(optarg);
			break;
		case OPT_IDLE:
			O.idle_ms = num(optarg);
			break;
		case OPT_WINDOW:
			O.window = num(optarg);
			break;
		case OPT_PRIO:
			O.priority = optarg;
			break;
		case 'v':
			O.verbose = true;
			break;
		default:
			usage();
		}
	}
	if (client == O.server)
		usage();
	if (client) {
		if (optind + 2 != argc)
			usage();
		O.host = argv[optind];
		O.port = argv[optind + 1];
		if (O.streams && !O.stream_bytes)
			O.stream_bytes = 1000;
		if (O.download > MAX_BODY || O.upload > MAX_BODY || O.echo > MAX_BODY)
			usage();
		S.to_open_echo = (O.echo ? 1 : 0) + O.streams;
		S.to_open_get = O.download ? 1 : 0;
		S.to_open_put = O.upload ? 1 : 0;
		S.planned = S.to_open_echo + S.to_open_get + S.to_open_put;
		if (!S.planned && !O.wait_close) {
			fprintf(stderr, "peer: client needs a workload (or --wait-close)\n");
			usage();
		}
		/* default: update keys half way through the client's transfer */
		if (O.key_update && !ku_after_set)
			O.key_update_after = (O.echo * 2 + O.streams * O.stream_bytes * 2 +
					      O.download + O.upload) /
					     2;
	} else if (!O.cert || !O.key || optind != argc) {
		usage();
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if (O.keylog && !(S.keylog = fopen(O.keylog, "a"))) {
		perror("peer: keylog");
		return 2;
	}
	if (open_socket() != 0)
		return 2;
	S.t_start = now_ns();
	S.deadline = S.t_start + (uint64_t)(O.timeout * 1e9);
	if (client && client_connect() != 0)
		return 2;
	run();

	secs = (now_ns() - S.t_start) / 1e9;
	ok = !S.failed && S.conn;
	if (ok && !O.server && !client_work_done() && !(O.wait_close && S.close_recv[0])) {
		ok = false;
		fail("connection ended with %" PRIu64 "/%" PRIu64 " streams done", S.completed,
		     S.planned);
	}
	if (ok && O.server && !S.hs_done) {
		ok = false;
		fail("handshake not completed");
	}
	if (ok && O.expect_close >= 0 &&
	    (!S.close_rx_app || S.close_rx_code != (uint64_t)O.expect_close)) {
		ok = false;
		fail("expected application close %" PRId64 ", got %s", O.expect_close,
		     S.close_recv[0] ? S.close_recv : "none");
	}
	{
		ngtcp2_conn_stat cs = {0};

		if (S.conn)
			ngtcp2_conn_get_conn_stat(S.conn, &cs);
		printf("RESULT %s role=%s alpn=%s streams=%" PRIu64 " bytes_sent=%" PRIu64
		       " bytes_recv=%" PRIu64 " sha256_down=%s sha256_up=%s close_sent=%s"
		       " close_recv=%s key_updates=%" PRIu64 " ku_initiated=%" PRIu64
		       " dgrams_in=%" PRIu64 " dgrams_out=%" PRIu64 " srtt_ms=%.3f"
		       " time_s=%.3f mbit_s=%.1f%s%s\n",
		       ok ? "ok" : "fail", O.server ? "server" : "client", O.alpn, S.streams_done,
		       S.bytes_sent, S.bytes_recv, S.sha_down[0] ? S.sha_down : "-",
		       S.sha_up[0] ? S.sha_up : "-", S.close_sent[0] ? S.close_sent : "-",
		       S.close_recv[0] ? S.close_recv : "-", S.key_updates ? S.key_updates - 1 : 0,
		       S.ku_initiated, S.dgrams_in, S.dgrams_out, cs.smoothed_rtt / 1e6, secs,
		       secs > 0 ? (S.bytes_sent + S.bytes_recv) * 8 / secs / 1e6 : 0.0,
		       ok ? "" : " reason=", ok ? "" : S.reason);
	}
	fflush(stdout);
	conn_discard();
	while (pat_old) {
		struct old_pat *o = pat_old;

		pat_old = o->next;
		free(o->p);
		free(o);
	}
	free(pat_buf);
	if (S.keylog)
		fclose(S.keylog);
	close(S.fd);
	return ok ? 0 : 1;
}
