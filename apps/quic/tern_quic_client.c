/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tern-quic-client: one QUIC connection over kernel UDP (recvmmsg /
 * sendmmsg) running the interop workloads of quic_app.h concurrently (echo,
 * many echo streams, download, upload, all verified), then an application
 * close and a RESULT line. Options follow tests/quic/interop/ngtcp2_peer.c.
 */

#include <getopt.h>

#include "quic_app.h"

static struct {
	const char *host, *port, *keylog, *ca, *sni;
	uint64_t echo, streams, stream_bytes, download, upload;
	int64_t close_error, expect_close;
	bool wait_close, no_verify;
	enum tern_quic_cc_algorithm cc;
} O = {.close_error = -1, .expect_close = -1, .stream_bytes = 1000, .cc = TERN_QUIC_CC_CUBIC};

static uint64_t to_open_get, to_open_put, to_open_echo, planned, completed, opened, echo_idx;

static uint64_t
num(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);

	if (*end == 'K' || *end == 'k')
		v <<= 10;
	else if (*end == 'M' || *end == 'm')
		v <<= 20;
	else if (*end == 'G' || *end == 'g')
		v <<= 30;
	return v;
}

static void
cli_stream_done(struct app_stream *s, bool ok, const char *why)
{
	if (s->done)
		return;
	s->done = true;
	completed++;
	A.streams_done++;
	if (!ok)
		app_fail("stream %" PRIu64 ": %s", s->id, why);
}

static void
cli_recv(struct app_stream *s, const uint8_t *d, size_t len, bool fin)
{
	uint64_t off = s->recvd - len;

	switch (s->kind) {
	case AK_ECHO:
		if (s->recvd > s->n || memcmp(s->expect + off, d, len) != 0)
			s->failed = true;
		if (fin)
			cli_stream_done(s, !s->failed && s->recvd == s->n, "echo mismatch");
		break;
	case AK_GET:
		if (s->recvd > s->n || memcmp(app_pattern((size_t)s->n) + off, d, len) != 0)
			s->failed = true;
		EVP_DigestUpdate(s->hash, d, len);
		if (fin) {
			app_hash_end(&s->hash, A.sha_down);
			cli_stream_done(s, !s->failed && s->recvd == s->n, "download mismatch");
		}
		break;
	case AK_PUT: {
		size_t take = sizeof(s->hdr) - 1 - s->hdr_len;

		if (take > len)
			take = len;
		memcpy(s->hdr + s->hdr_len, d, take);
		s->hdr_len += take;
		if (fin) {
			char want[160], got[65];

			app_sha256_hex(app_pattern((size_t)s->n), (size_t)s->n, got);
			snprintf(want, sizeof(want), "OK %" PRIu64 " %s\n", s->n, got);
			s->hdr[s->hdr_len] = 0;
			if (strcmp(s->hdr, want) == 0)
				memcpy(A.sha_up, got, sizeof(got));
			cli_stream_done(s, strcmp(s->hdr, want) == 0, "upload not confirmed");
		}
		break;
	}
	default:
		break;
	}
}

static bool
cli_open_one(enum app_kind k)
{
	uint64_t id = 4 * opened;
	struct app_stream *s = app_stream_get(id, true);
	char req[64];

	s->kind = k;
	opened++;
	switch (k) {
	case AK_ECHO: {
		/* the --echo stream first, then the --streams ones */
		uint64_t n = O.echo && echo_idx == 0 ? O.echo : O.stream_bytes;
		size_t off = (size_t)((echo_idx * 131) % APP_ECHO_WIN);
		const uint8_t *p = app_pattern((size_t)n + APP_ECHO_WIN + 8);

		while (n >= 4 && (!memcmp(p + off, "GET ", 4) || !memcmp(p + off, "PUT ", 4)))
			off++;
		s->n = n;
		s->expect = p + off;
		echo_idx++;
		s->ext = s->expect;
		s->ext_len = (size_t)n;
		s->fin = true;
		break;
	}
	case AK_GET:
		s->n = O.download;
		s->hash = app_hash_new();
		snprintf(req, sizeof(req), "GET %" PRIu64 "\n", O.download);
		app_stream_own(s, req, strlen(req));
		s->fin = true;
		break;
	case AK_PUT:
		s->n = O.upload;
		snprintf(req, sizeof(req), "PUT %" PRIu64 "\n", O.upload);
		app_stream_own(s, req, strlen(req));
		s->ext = app_pattern((size_t)O.upload);
		s->ext_len = (size_t)O.upload;
		s->fin = true;
		break;
	default:
		break;
	}
	app_stream_flush(s);
	return true;
}

static void
cli_open_streams(void)
{
	while (!A.failed && tern_quic_conn_peer_streams_left_bidi(A.conn) > 0) {
		enum app_kind k;
		uint64_t *cnt;

		if (to_open_get) {
			k = AK_GET;
			cnt = &to_open_get;
		} else if (to_open_put) {
			k = AK_PUT;
			cnt = &to_open_put;
		} else if (to_open_echo) {
			k = AK_ECHO;
			cnt = &to_open_echo;
		} else {
			return;
		}
		if (!cli_open_one(k))
			return;
		(*cnt)--;
	}
}

static void
cli_read_streams(void)
{
	uint64_t ids[64];
	size_t k, i;

	while ((k = tern_quic_conn_readable(A.conn, ids, 64)) > 0) {
		size_t progressed = 0;

		for (i = 0; i < k; i++) {
			struct app_stream *s = app_stream_get(ids[i], false);
			bool fin = false;
			long n;

			while ((n = tern_quic_conn_stream_recv(A.conn, ids[i], A.rbuf,
							       sizeof(A.rbuf), &fin)) >= 0) {
				progressed++;
				A.bytes_recv += (uint64_t)n;
				if (s != NULL) {
					s->recvd += (uint64_t)n;
					cli_recv(s, A.rbuf, (size_t)n, fin);
				}
				if (fin || n == 0)
					break;
			}
			if (n < 0 && n != TERN_QUIC_DONE) {
				progressed++;
				if (s != NULL)
					cli_stream_done(s, false, "reset by the server");
			}
		}
		if (progressed == 0)
			break;
	}
}

static void
cli_rx(uint8_t *buf, size_t len, const struct sockaddr_storage *from, socklen_t from_len)
{
	struct tern_quic_recv_info ri = {.from = (const struct sockaddr *)from,
					 .from_len = from_len,
					 .to = (const struct sockaddr *)&A.local,
					 .to_len = A.local_len};
	int rc = tern_quic_conn_recv(A.conn, buf, len, &ri, app_now());

	if (rc < 0 && rc != TERN_QUIC_DONE)
		app_vlog("recv: %s", tern_strerror(rc));
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: tern-quic-client HOST PORT [workloads] [opts]\n"
		"workloads (run concurrently): --echo N | --streams K --stream-bytes B |\n"
		"  --download N | --upload N\n"
		"opts: --alpn X (tern-test) --timeout S (60) --keylog F --ca F | --no-verify\n"
		"  --sni NAME (localhost) --close-error CODE --expect-close CODE --wait-close\n"
		"  --cc newreno|cubic --key-update [--key-update-after BYTES]\n"
		"  --stats (live stats on stderr each second) -v\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {{"echo", 1, 0, 'e'},
					   {"streams", 1, 0, 's'},
					   {"stream-bytes", 1, 0, 'b'},
					   {"download", 1, 0, 'd'},
					   {"upload", 1, 0, 'u'},
					   {"alpn", 1, 0, 'A'},
					   {"timeout", 1, 0, 't'},
					   {"keylog", 1, 0, 'L'},
					   {"ca", 1, 0, 'c'},
					   {"sni", 1, 0, 'S'},
					   {"close-error", 1, 0, 'E'},
					   {"expect-close", 1, 0, 'X'},
					   {"wait-close", 0, 0, 'w'},
					   {"no-verify", 0, 0, 'N'},
					   {"cc", 1, 0, 'C'},
					   {"key-update", 0, 0, 'U'},
					   {"stats", 0, 0, 'T'},
					   {"key-update-after", 1, 0, 'V'},
					   {0, 0, 0, 0}};
	struct tern_tls_config *tls;
	struct tern_quic_config *qcfg;
	const char *alpn[1];
	uint8_t scid[8];
	bool ok, close_sent = false;
	int c, rc;

	A.role = "client";
	A.alpn = "tern-test";
	A.timeout = 60;
	O.sni = "localhost";
	while ((c = getopt_long(argc, argv, "v", lo, NULL)) != -1) {
		switch (c) {
		case 'e':
			O.echo = num(optarg);
			break;
		case 's':
			O.streams = num(optarg);
			break;
		case 'b':
			O.stream_bytes = num(optarg);
			break;
		case 'd':
			O.download = num(optarg);
			break;
		case 'u':
			O.upload = num(optarg);
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
		case 'c':
			O.ca = optarg;
			break;
		case 'S':
			O.sni = optarg;
			break;
		case 'E':
			O.close_error = strtoll(optarg, NULL, 0);
			break;
		case 'X':
			O.expect_close = strtoll(optarg, NULL, 0);
			break;
		case 'w':
			O.wait_close = true;
			break;
		case 'N':
			O.no_verify = true;
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
	if (optind + 2 != argc)
		usage();
	O.host = argv[optind];
	O.port = argv[optind + 1];
	to_open_get = O.download ? 1 : 0;
	to_open_put = O.upload ? 1 : 0;
	to_open_echo = (O.echo ? 1 : 0) + O.streams;
	planned = to_open_get + to_open_put + to_open_echo;
	if (planned == 0 && !O.wait_close) {
		fprintf(stderr, "client: needs a workload (or --wait-close)\n");
		usage();
	}
	/* Grow the pattern once, before any stream borrows it. */
	app_pattern((size_t)(O.download > O.upload ? O.download : O.upload) +
		    (size_t)(O.echo > O.stream_bytes ? O.echo : O.stream_bytes) + APP_ECHO_WIN + 8);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, app_on_signal);
	signal(SIGINT, app_on_signal);
	alpn[0] = A.alpn;
	if (tern_tls_config_new(TERN_TLS_CLIENT, &tls) != 0 ||
	    (O.ca != NULL && tern_tls_config_load_ca_file(tls, O.ca) != 0) ||
	    (O.no_verify && tern_tls_config_set_verify_peer(tls, false) != 0) ||
	    tern_quic_config_new(tls, &qcfg) != 0 ||
	    tern_quic_config_set_application_protos(qcfg, alpn, 1) != 0) {
		fprintf(stderr, "client: cannot configure TLS/QUIC\n");
		return 2;
	}
	tern_quic_config_set_initial_max_data(qcfg, 16 << 20);
	tern_quic_config_set_initial_max_stream_data_bidi_local(qcfg, 16 << 20);
	tern_quic_config_set_cc_algorithm(qcfg, O.cc);
	if (app_open_keylog(O.keylog, qcfg) != 0)
		return 2;
	rc = tern_crypto_ctx_create(TERN_CRYPTO_BACKEND_AUTO, &A.cctx);
	if (rc != 0) {
		fprintf(stderr, "client: crypto: %s\n", tern_strerror(rc));
		return 2;
	}
	if (app_socket(O.host, O.port, false) != 0)
		return 2;
	A.t_start = app_now();
	A.deadline = A.t_start + (uint64_t)(A.timeout * 1e9);
	if (RAND_bytes(scid, sizeof(scid)) != 1)
		return 2;
	rc = tern_quic_connect(O.sni, scid, sizeof(scid), (const struct sockaddr *)&A.local,
			       A.local_len, (const struct sockaddr *)&A.remote, A.remote_len, qcfg,
			       A.cctx, app_now(), &A.conn);
	if (rc != 0) {
		fprintf(stderr, "client: connect: %s\n", tern_strerror(rc));
		return 2;
	}
	app_send_all(1);
	while (!A.failed) {
		if (app_signal) {
			app_fail("signal");
			break;
		}
		if (app_now() >= A.deadline) {
			app_fail("timeout after %.0f s", A.timeout);
			break;
		}
		app_wait_and_read(cli_rx);
		if (tern_quic_conn_is_established(A.conn)) {
			cli_open_streams();
			cli_read_streams();
			app_flush_all();
			app_maybe_key_update();
		}
		if (planned > 0 && completed >= planned && !O.wait_close) {
			uint64_t code = O.close_error >= 0 ? (uint64_t)O.close_error : 0;

			app_send_all(1);
			tern_quic_conn_close(A.conn, true, code, NULL, 0, app_now());
			snprintf(A.close_sent, sizeof(A.close_sent), "app:%" PRIu64, code);
			close_sent = true;
			/* a few copies: we leave at once and a lossy path may drop one */
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
	app_record_peer_close();
	if (!close_sent)
		app_report_local_error();
	ok = !A.failed;
	if (ok && !(completed >= planned && planned > 0) && !(O.wait_close && A.close_recv[0])) {
		ok = false;
		app_fail("connection ended with %" PRIu64 "/%" PRIu64 " streams done", completed,
			 planned);
	}
	return app_finish(ok, O.expect_close, qcfg, tls);
}
