/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tern-quic-server: serves one QUIC connection over kernel UDP (recvmmsg /
 * sendmmsg) with the interop protocol of quic_app.h (echo, GET, PUT), then
 * prints a RESULT line. Options follow tests/quic/interop/ngtcp2_peer.c.
 */

#include <getopt.h>

#include "quic_app.h"

static struct {
	const char *addr, *port, *cert, *key, *keylog;
	int64_t close_error, expect_close;
	uint64_t close_after, max_streams, idle_ms, window;
	enum tern_quic_cc_algorithm cc;
} O = {.addr = "127.0.0.1",
       .port = "4433",
       .close_error = -1,
       .expect_close = -1,
       .max_streams = 100,
       .idle_ms = 30000,
       .window = 16 << 20,
       .cc = TERN_QUIC_CC_CUBIC};

static struct tern_quic_config *qcfg;
static bool hs_done, close_sent;

static void
srv_put_body(struct app_stream *s, const uint8_t *d, size_t len)
{
	const uint8_t *pat;

	if (s->body + len > s->n) {
		s->failed = true;
		return;
	}
	pat = app_pattern((size_t)s->n);
	if (memcmp(pat + s->body, d, len) != 0)
		s->failed = true;
	EVP_DigestUpdate(s->hash, d, len);
	s->body += len;
}

static void
srv_request(struct app_stream *s, const char *nl)
{
	char line[sizeof(s->hdr)], *end;
	size_t ll = (size_t)(nl - s->hdr), rest = s->hdr_len - ll - 1;
	unsigned long long n;

	memcpy(line, s->hdr + 4, ll - 4);
	line[ll - 4] = 0;
	errno = 0;
	n = strtoull(line, &end, 10);
	if (errno || end == line || *end || n > APP_MAX_BODY) {
		s->kind = AK_ECHO;
		app_stream_own(s, s->hdr, s->hdr_len);
		return;
	}
	s->n = n;
	if (s->hdr[0] == 'G') {
		s->kind = AK_GET;
		s->ext = app_pattern((size_t)n);
		s->ext_len = (size_t)n;
		s->fin = true;
		app_sha256_hex(s->ext, (size_t)n, A.sha_down);
		app_vlog("stream %" PRIu64 ": GET %llu", s->id, n);
	} else {
		s->kind = AK_PUT;
		s->hash = app_hash_new();
		srv_put_body(s, (const uint8_t *)nl + 1, rest);
	}
}

static void
srv_stream_done(struct app_stream *s)
{
	if (s->done)
		return;
	s->done = true;
	A.streams_done++;
}

static void
srv_recv(struct app_stream *s, const uint8_t *d, size_t len, bool fin)
{
	while (s->kind == AK_UNKNOWN) {
		size_t take = sizeof(s->hdr) - s->hdr_len;
		const char *nl;

		if (take > len)
			take = len;
		memcpy(s->hdr + s->hdr_len, d, take);
		s->hdr_len += take;
		d += take;
		len -= take;
		if (s->hdr_len >= 4 && (!memcmp(s->hdr, "GET ", 4) || !memcmp(s->hdr, "PUT ", 4))) {
			nl = memchr(s->hdr, '\n', s->hdr_len);
			if (nl != NULL) {
				srv_request(s, nl);
				break;
			}
			if (s->hdr_len < sizeof(s->hdr) && !fin)
				return;
		} else if (s->hdr_len < 4 && !fin) {
			return;
		}
		if (s->kind == AK_UNKNOWN) {
			s->kind = AK_ECHO;
			app_stream_own(s, s->hdr, s->hdr_len);
		}
	}
	switch (s->kind) {
	case AK_ECHO:
		app_stream_own(s, d, len);
		if (fin) {
			s->fin = true;
			srv_stream_done(s);
		}
		break;
	case AK_PUT:
		srv_put_body(s, d, len);
		if (fin) {
			char hex[65], resp[128];
			bool ok = !s->failed && s->body == s->n;

			app_hash_end(&s->hash, hex);
			if (ok)
				memcpy(A.sha_up, hex, sizeof(hex));
			snprintf(resp, sizeof(resp), "%s %" PRIu64 " %s\n", ok ? "OK" : "BAD",
				 s->body, hex);
			app_stream_own(s, resp, strlen(resp));
			s->fin = true;
			srv_stream_done(s);
			if (!ok)
				app_fail("upload mismatch on stream %" PRIu64, s->id);
		}
		break;
	case AK_GET:
		if (fin)
			srv_stream_done(s);
		break;
	default:
		break;
	}
}

static void
srv_read_streams(void)
{
	uint64_t ids[64];
	size_t k, i;

	while ((k = tern_quic_conn_readable(A.conn, ids, 64)) > 0) {
		size_t progressed = 0;

		for (i = 0; i < k; i++) {
			struct app_stream *s = app_stream_get(ids[i], true);
			bool fin = false;
			long n;

			if (s == NULL) {
				/* not a client bidi stream: drain and drop */
				while (tern_quic_conn_stream_recv(A.conn, ids[i], A.rbuf,
								  sizeof(A.rbuf), &fin) > 0)
					;
				continue;
			}
			while ((n = tern_quic_conn_stream_recv(A.conn, ids[i], A.rbuf,
							       sizeof(A.rbuf), &fin)) >= 0) {
				s->recvd += (uint64_t)n;
				A.bytes_recv += (uint64_t)n;
				progressed++;
				srv_recv(s, A.rbuf, (size_t)n, fin);
				if (fin || n == 0)
					break;
			}
			if (n < 0 && n != TERN_QUIC_DONE) {
				uint64_t err = 0;

				tern_quic_conn_stream_error(A.conn, ids[i], &err);
				app_vlog("stream %" PRIu64 " reset by the peer (%" PRIu64 ")",
					 ids[i], err);
				progressed++;
			}
		}
		if (progressed == 0)
			break;
	}
}

static void
srv_rx(uint8_t *buf, size_t len, const struct sockaddr_storage *from, socklen_t from_len)
{
	struct tern_quic_recv_info ri = {.from = (const struct sockaddr *)from,
					 .from_len = from_len,
					 .to = (const struct sockaddr *)&A.local,
					 .to_len = A.local_len};
	int rc;

	if (A.conn == NULL) {
		struct tern_quic_hdr h;
		uint8_t scid[8];

		if (tern_quic_hdr_parse(buf, len, 8, &h) != 0 || h.type != TERN_QUIC_PKT_INITIAL ||
		    len < TERN_QUIC_MIN_INITIAL_SIZE)
			return;
		if (RAND_bytes(scid, sizeof(scid)) != 1)
			return;
		memcpy(&A.remote, from, from_len);
		A.remote_len = from_len;
		rc = tern_quic_accept(
			scid, sizeof(scid), NULL, 0, (const struct sockaddr *)&A.local, A.local_len,
			(const struct sockaddr *)from, from_len, qcfg, A.cctx, app_now(), &A.conn);
		if (rc != 0) {
			app_fail("accept: %s", tern_strerror(rc));
			return;
		}
		app_vlog("accepted a connection");
	}
	rc = tern_quic_conn_recv(A.conn, buf, len, &ri, app_now());
	if (rc < 0 && rc != TERN_QUIC_DONE)
		app_vlog("recv: %s", tern_strerror(rc));
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: tern-quic-server [--addr A] [--port P] --cert F --key F [opts]\n"
		"opts: --alpn X (tern-test) --timeout S (60) --keylog F --close-error CODE\n"
		"  --close-after K --expect-close CODE --max-streams N (100) --idle-timeout MS\n"
		"  --window BYTES (16M) --cc newreno|cubic --key-update [--key-update-after BYTES] "
		"-v\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {{"addr", 1, 0, 'a'},
					   {"port", 1, 0, 'p'},
					   {"cert", 1, 0, 'c'},
					   {"key", 1, 0, 'k'},
					   {"alpn", 1, 0, 'A'},
					   {"timeout", 1, 0, 't'},
					   {"keylog", 1, 0, 'L'},
					   {"close-error", 1, 0, 'E'},
					   {"close-after", 1, 0, 'K'},
					   {"expect-close", 1, 0, 'X'},
					   {"max-streams", 1, 0, 'M'},
					   {"idle-timeout", 1, 0, 'I'},
					   {"window", 1, 0, 'W'},
					   {"cc", 1, 0, 'C'},
					   {"key-update", 0, 0, 'U'},
					   {"stats", 0, 0, 'T'},
					   {"key-update-after", 1, 0, 'V'},
					   {0, 0, 0, 0}};
	struct tern_tls_config *tls;
	const char *alpn[1];
	bool ok;
	int c, rc;

	A.role = "server";
	A.alpn = "tern-test";
	A.timeout = 60;
	while ((c = getopt_long(argc, argv, "v", lo, NULL)) != -1) {
		switch (c) {
		case 'a':
			O.addr = optarg;
			break;
		case 'p':
			O.port = optarg;
			break;
		case 'c':
			O.cert = optarg;
			break;
		case 'k':
			O.key = optarg;
			break;
		case 'A':
			A.alpn = optarg;
			break;
		case 't':
			A.timeout = atof(optarg);
			break;
		case 'L':
			O.keylog = optarg;
			break;
		case 'E':
			O.close_error = strtoll(optarg, NULL, 0);
			break;
		case 'K':
			O.close_after = strtoull(optarg, NULL, 0);
			break;
		case 'X':
			O.expect_close = strtoll(optarg, NULL, 0);
			break;
		case 'M':
			O.max_streams = strtoull(optarg, NULL, 0);
			break;
		case 'I':
			O.idle_ms = strtoull(optarg, NULL, 0);
			break;
		case 'W':
			O.window = strtoull(optarg, NULL, 0);
			break;
		case 'C':
			O.cc = strcmp(optarg, "newreno") == 0 ? TERN_QUIC_CC_NEWRENO
							      : TERN_QUIC_CC_CUBIC;
			break;
		case 'T':
			A.live_stats = true;
			break;
		case 'U':
			A.key_update = true;
			break;
		case 'V':
			A.key_update_after = strtoull(optarg, NULL, 0);
			break;
		case 'v':
			A.verbose = true;
			break;
		default:
			usage();
		}
	}
	if (O.cert == NULL || O.key == NULL || optind != argc)
		usage();
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, app_on_signal);
	signal(SIGINT, app_on_signal);
	alpn[0] = A.alpn;
	if (tern_tls_config_new(TERN_TLS_SERVER, &tls) != 0 ||
	    tern_tls_config_load_cert_chain(tls, O.cert, O.key) != 0 ||
	    tern_quic_config_new(tls, &qcfg) != 0 ||
	    tern_quic_config_set_application_protos(qcfg, alpn, 1) != 0) {
		fprintf(stderr, "server: cannot configure TLS/QUIC (certificate %s, key %s)\n",
			O.cert, O.key);
		return 2;
	}
	tern_quic_config_set_initial_max_streams_bidi(qcfg, O.max_streams);
	tern_quic_config_set_initial_max_data(qcfg, O.window);
	tern_quic_config_set_initial_max_stream_data_bidi_remote(qcfg, O.window);
	tern_quic_config_set_initial_max_stream_data_bidi_local(qcfg, O.window);
	tern_quic_config_set_max_idle_timeout(qcfg, O.idle_ms);
	tern_quic_config_set_cc_algorithm(qcfg, O.cc);
	if (app_open_keylog(O.keylog, qcfg) != 0)
		return 2;
	rc = tern_crypto_ctx_create(TERN_CRYPTO_BACKEND_AUTO, &A.cctx);
	if (rc != 0) {
		fprintf(stderr, "server: crypto: %s\n", tern_strerror(rc));
		return 2;
	}
	if (app_socket(O.addr, O.port, true) != 0)
		return 2;
	printf("LISTENING %s %u\n", O.addr, ntohs(((struct sockaddr_in *)&A.local)->sin_port));
	fflush(stdout);
	A.t_start = app_now();
	A.deadline = A.t_start + (uint64_t)(A.timeout * 1e9);
	while (!A.failed) {
		if (app_signal) {
			app_fail("signal");
			break;
		}
		if (app_now() >= A.deadline) {
			app_fail("timeout after %.0f s", A.timeout);
			break;
		}
		app_wait_and_read(srv_rx);
		if (A.conn == NULL)
			continue;
		if (tern_quic_conn_is_established(A.conn) && !hs_done) {
			hs_done = true;
			app_vlog("handshake done");
		}
		srv_read_streams();
		app_flush_all();
		app_maybe_key_update();
		if (O.close_error >= 0 && !close_sent && A.streams_done >= O.close_after &&
		    hs_done) {
			/* Close once everything queued so far has gone out. */
			close_sent = true;
			app_send_all(1);
			tern_quic_conn_close(A.conn, true, (uint64_t)O.close_error,
					     (const uint8_t *)"bye", 3, app_now());
			snprintf(A.close_sent, sizeof(A.close_sent), "app:%" PRId64, O.close_error);
			app_send_all(3);
			break;
		}
		app_send_all(1);
		app_live_stats();
		if (tern_quic_conn_is_draining(A.conn) || tern_quic_conn_is_closed(A.conn)) {
			app_record_peer_close();
			break;
		}
	}
	if (A.conn != NULL) {
		app_record_peer_close();
		if (!close_sent)
			app_report_local_error();
	}
	ok = !A.failed && A.conn != NULL && hs_done;
	if (!A.failed && !hs_done)
		app_fail("handshake not completed");
	return app_finish(ok, O.expect_close, qcfg, tls);
}
