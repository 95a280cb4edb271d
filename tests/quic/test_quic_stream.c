/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Stream map: reassembly in every order, final-size and flow-control errors,
 * stream-id rules and limits, loss and retransmission of ranges, resets and
 * STOP_SENDING, priorities, MAX_STREAMS credit, window auto-tuning, and two
 * maps exchanging data over a lossy in-memory "network" (10,000 streams in
 * one map).
 */
#include <stdint.h>
#include <stdlib.h>

#include <tern/error.h>

#include "dataplane/quic/quic_error.h"
#include "dataplane/quic/quic_stream.h"
#include "tests/tern_test.h"

#define MS UINT64_C(1000000)

static struct tern_quic_streams_config
base_cfg(bool server)
{
	struct tern_quic_streams_config c = {
		.is_server = server,
		.initial_max_data = 1 << 20,
		.initial_max_stream_data_bidi_local = 64 << 10,
		.initial_max_stream_data_bidi_remote = 64 << 10,
		.initial_max_stream_data_uni = 64 << 10,
		.initial_max_streams_bidi = 100,
		.initial_max_streams_uni = 100,
		.max_stream_window = 256 << 10,
		.max_connection_window = 4 << 20,
		.send_capacity = 128 << 10,
	};
	return c;
}

static struct tern_quic_streams_peer_params
peer_of(const struct tern_quic_streams_config *c)
{
	struct tern_quic_streams_peer_params p = {
		.initial_max_data = c->initial_max_data,
		.initial_max_stream_data_bidi_local = c->initial_max_stream_data_bidi_local,
		.initial_max_stream_data_bidi_remote = c->initial_max_stream_data_bidi_remote,
		.initial_max_stream_data_uni = c->initial_max_stream_data_uni,
		.initial_max_streams_bidi = c->initial_max_streams_bidi,
		.initial_max_streams_uni = c->initial_max_streams_uni,
	};
	return p;
}

/* A client and a server map that know each other's parameters. */
static void
make_pair(const struct tern_quic_streams_config *cc, const struct tern_quic_streams_config *sc,
	  struct tern_quic_streams **cli, struct tern_quic_streams **srv)
{
	struct tern_quic_streams_peer_params p;
	uint64_t err = 0;

	REQUIRE(tern_quic_streams_new(cc, cli) == 0);
	REQUIRE(tern_quic_streams_new(sc, srv) == 0);
	p = peer_of(sc);
	REQUIRE(tern_quic_streams_set_peer_params(*cli, &p, &err) == 0);
	p = peer_of(cc);
	REQUIRE(tern_quic_streams_set_peer_params(*srv, &p, &err) == 0);
}

static uint32_t rng = 1;

static uint32_t
rnd(void)
{
	rng = rng * 1103515245u + 12345u;
	return rng >> 8;
}

/* --- a tiny in-memory transport between two maps ---------------------------------- */

/* Deliver one control frame to the peer map. */
static int
deliver_ctrl(struct tern_quic_streams *to, const struct tern_quic_stream_ctrl *f, uint64_t *err)
{
	switch (f->type) {
	case 0x04:
		return tern_quic_streams_on_reset_stream(to, f->id, f->value, f->final_size, err);
	case 0x05:
		return tern_quic_streams_on_stop_sending(to, f->id, f->value, err);
	case 0x10:
		tern_quic_streams_on_max_data(to, f->value);
		return 0;
	case 0x11:
		return tern_quic_streams_on_max_stream_data(to, f->id, f->value, err);
	case 0x12:
	case 0x13:
		return tern_quic_streams_on_max_streams(to, f->type == 0x12, f->value, err);
	case 0x15:
		return tern_quic_streams_on_stream_data_blocked(to, f->id, f->value, err);
	case 0x16:
	case 0x17:
		return tern_quic_streams_on_streams_blocked(to, f->type == 0x16, f->value, err);
	default:
		return 0;
	}
}

/*
 * Send everything due from `from` to `to`, frame by frame: each frame is lost
 * with probability loss_pct (then reported lost to the sender), else delivered
 * and acknowledged. Frames carry at most max_chunk data bytes. Returns the
 * number of frames, or -1 on a protocol error (with *err).
 */
static long
pump(struct tern_quic_streams *from, struct tern_quic_streams *to, unsigned loss_pct,
     uint64_t max_chunk, uint64_t now, uint64_t *err)
{
	static uint8_t buf[1 << 16];
	struct tern_quic_stream_ctrl f;
	struct tern_quic_stream *s;
	long frames = 0;

	while (tern_quic_streams_ctrl_next(from, now, 10 * MS, &f)) {
		bool lost = rnd() % 100 < loss_pct;

		tern_quic_streams_ctrl_sent(from, &f, now);
		frames++;
		if (lost) {
			tern_quic_streams_ctrl_lost(from, &f);
			continue;
		}
		if (deliver_ctrl(to, &f, err) != 0)
			return -1;
		tern_quic_streams_ctrl_acked(from, &f);
		if (frames > 1000000)
			return -1;
	}
	while ((s = tern_quic_streams_next_sendable(from)) != NULL) {
		struct tern_quic_stream_chunk c;
		uint64_t lim = 1 + rnd() % max_chunk;
		bool lost = rnd() % 100 < loss_pct;

		if (!tern_quic_stream_send_peek(s, &c))
			return -1;
		if (c.len > lim) {
			c.len = lim;
			c.fin = false;
		}
		if (tern_quic_streams_send_emit(from, s, &c, buf) != 0)
			return -1;
		frames++;
		if (lost) {
			tern_quic_streams_on_data_lost(from, c.id, c.off, c.len, c.fin);
			continue;
		}
		if (tern_quic_streams_on_stream(to, c.id, c.off, buf, c.len, c.fin, err) != 0)
			return -1;
		tern_quic_streams_on_data_acked(from, c.id, c.off, c.len, c.fin);
		if (frames > 10000000)
			return -1;
	}
	return frames;
}

static uint8_t
pattern(uint64_t id, uint64_t off)
{
	return (uint8_t)((id * 7) ^ (off * 13) ^ (off >> 8));
}

/* --- reassembly ---------------------------------------------------------------------- */

static void
test_reassembly_orders(void)
{
	/* All 120 orders of 5 chunks (uneven sizes, the last with fin). */
	static const uint64_t cut[6] = {0, 3, 100, 101, 700, 1000};
	uint8_t data[1000], out[1200];
	int perm[5] = {0, 1, 2, 3, 4}, n_ok = 0, n = 0;
	int c[5] = {0};
	int i;

	for (i = 0; i < 1000; i++)
		data[i] = pattern(0, i);
	/* Heap's algorithm, iterative. */
	for (;;) {
		struct tern_quic_streams_config sc = base_cfg(true);
		struct tern_quic_streams *m;
		uint64_t err = 0;
		size_t got = 0;
		bool fin = false, ok = true;
		int k;

		REQUIRE(tern_quic_streams_new(&sc, &m) == 0);
		for (k = 0; k < 5 && ok; k++) {
			int j = perm[k];

			ok = tern_quic_streams_on_stream(m, 0, cut[j], data + cut[j],
							 cut[j + 1] - cut[j], j == 4, &err) == 0;
			/* Read whatever is in order so far. */
			while (ok && !fin) {
				long r = tern_quic_streams_app_recv(m, 0, out + got,
								    sizeof(out) - got, &fin, NULL);
				if (r == -TERN_EAGAIN)
					break;
				ok = r >= 0;
				got += r > 0 ? (size_t)r : 0;
			}
		}
		ok = ok && fin && got == 1000 && memcmp(out, data, 1000) == 0;
		/* Read side done and the stream had a (never used) send side:
		 * still in the map; finished reports true. */
		ok = ok && tern_quic_streams_finished(m, 0) && !tern_quic_streams_readable(m, 0);
		n_ok += ok;
		n++;
		tern_quic_streams_free(m);

		i = 0;
		while (i < 5 && c[i] >= i) {
			c[i] = 0;
			i++;
		}
		if (i == 5)
			break;
		if (i % 2 == 0) {
			int t = perm[0];
			perm[0] = perm[i];
			perm[i] = t;
		} else {
			int t = perm[c[i]];
			perm[c[i]] = perm[i];
			perm[i] = t;
		}
		c[i]++;
	}
	CHECK_EQ(n, 120);
	CHECK_EQ(n_ok, 120);
}

static void
test_overlap_and_dups(void)
{
	struct tern_quic_streams_config sc = base_cfg(true);
	struct tern_quic_streams *m;
	uint8_t data[300], out[400];
	uint64_t err = 0;
	bool fin = false;
	long r;
	int i;

	for (i = 0; i < 300; i++)
		data[i] = pattern(4, i);
	REQUIRE(tern_quic_streams_new(&sc, &m) == 0);
	CHECK_EQ(tern_quic_streams_on_stream(m, 4, 50, data + 50, 100, false, &err), 0);
	CHECK(!tern_quic_streams_readable(m, 4));
	CHECK(tern_quic_streams_readable_count(m) == 0);
	CHECK_EQ(tern_quic_streams_on_stream(m, 4, 0, data, 120, false, &err), 0);
	CHECK(tern_quic_streams_readable(m, 4));
	r = tern_quic_streams_app_recv(m, 4, out, 10, &fin, NULL);
	CHECK_EQ(r, 10);
	CHECK(!fin);
	/* duplicate of what was read, and of what is buffered */
	CHECK_EQ(tern_quic_streams_on_stream(m, 4, 0, data, 30, false, &err), 0);
	CHECK_EQ(tern_quic_streams_on_stream(m, 4, 100, data + 100, 200, true, &err), 0);
	r = tern_quic_streams_app_recv(m, 4, out + 10, sizeof(out) - 10, &fin, NULL);
	CHECK_EQ(r, 290);
	CHECK(fin);
	CHECK_MEM(out, data, 300);
	/* stream 0 was opened implicitly (RFC 9000 3.2) */
	CHECK_EQ(tern_quic_streams_count(m), 2);
	/* nothing more to read */
	CHECK_EQ(tern_quic_streams_app_recv(m, 4, out, 10, &fin, NULL), -TERN_EAGAIN);
	/* empty fin-only stream */
	CHECK_EQ(tern_quic_streams_on_stream(m, 8, 0, NULL, 0, true, &err), 0);
	CHECK(tern_quic_streams_readable(m, 8));
	CHECK_EQ(tern_quic_streams_app_recv(m, 8, out, 10, &fin, NULL), 0);
	CHECK(fin);
	tern_quic_streams_free(m);
}

static void
test_hole_limit_and_drain(void)
{
	struct tern_quic_streams_config sc = base_cfg(true);
	struct tern_quic_streams *m;
	struct tern_quic_stream_ctrl f;
	static uint8_t data[8000];
	uint64_t err = 0, i;

	sc.max_recv_ranges = 4;
	sc.initial_max_data = 10000;
	REQUIRE(tern_quic_streams_new(&sc, &m) == 0);
	/* four holes are fine, a fifth disjoint range is refused (21.8) */
	for (i = 0; i < 4; i++)
		CHECK_EQ(tern_quic_streams_on_stream(m, 0, 10 + i * 10, data, 5, false, &err), 0);
	/* filling a hole merges, no new range */
	CHECK_EQ(tern_quic_streams_on_stream(m, 0, 15, data, 5, false, &err), 0);
	CHECK_EQ(tern_quic_streams_on_stream(m, 0, 50, data, 5, false, &err), 0);
	err = 0;
	CHECK(tern_quic_streams_on_stream(m, 0, 100, data, 5, false, &err) < 0);
	CHECK_EQ(err, TERN_QUIC_ERR_INTERNAL_ERROR);
	tern_quic_streams_free(m);

	/* data dropped by a read shutdown gives its connection credit back */
	REQUIRE(tern_quic_streams_new(&sc, &m) == 0);
	CHECK_EQ(tern_quic_streams_on_stream(m, 0, 0, data, 4000, false, &err), 0);
	CHECK(!tern_quic_streams_ctrl_next(m, 0, 0, &f));
	CHECK_EQ(tern_quic_streams_app_shutdown(m, 0, false, 5), 0);
	CHECK_EQ(tern_quic_streams_on_stream(m, 0, 4000, data, 2000, false, &err), 0);
	REQUIRE(tern_quic_streams_ctrl_next(m, 0, 0, &f));
	CHECK_EQ(f.type, 0x10); /* MAX_DATA: 6000 consumed of 10000 */
	CHECK_EQ(f.value, 16000);
	tern_quic_streams_ctrl_sent(m, &f, 1);
	REQUIRE(tern_quic_streams_ctrl_next(m, 0, 0, &f));
	CHECK_EQ(f.type, 0x05); /* STOP_SENDING */
	tern_quic_streams_ctrl_sent(m, &f, 1);
	/* the peer answers with RESET_STREAM at 7000: all accounted, stream
	 * done on the receiving side */
	CHECK_EQ(tern_quic_streams_on_reset_stream(m, 0, 5, 7000, &err), 0);
	CHECK(tern_quic_streams_finished(m, 0));
	CHECK(!tern_quic_streams_readable(m, 0));
	tern_quic_streams_free(m);
}

/* --- errors ---------------------------------------------------------------------- */

static void
test_final_size_errors(void)
{
	struct tern_quic_streams_config sc = base_cfg(true);
	struct tern_quic_streams *m;
	uint8_t data[200] = {0};
	uint64_t err;

	REQUIRE(tern_quic_streams_new(&sc, &m) == 0);
	CHECK_EQ(tern_quic_streams_on_stream(m, 0, 0, data, 100, true, &err), 0);
	/* same fin again: fine */
	CHECK_EQ(tern_quic_streams_on_stream(m, 0, 50, data, 50, true, &err), 0);
	err = 0;
	CHECK_EQ(tern_quic_streams_on_stream(m, 0, 90, data, 20, false, &err), -TERN_EPROTO);
	CHECK_EQ(err, TERN_QUIC_ERR_FINAL_SIZE_ERROR);
	err = 0;
	CHECK_EQ(tern_quic_streams_on_stream(m, 0, 0, data, 90, true, &err), -TERN_EPROTO);
	CHECK_EQ(err, TERN_QUIC_ERR_FINAL_SIZE_ERROR);
	err = 0;
	CHECK_EQ(tern_quic_streams_on_reset_stream(m, 0, 7, 99, &err), -TERN_EPROTO);
	CHECK_EQ(err, TERN_QUIC_ERR_FINAL_SIZE_ERROR);
	CHECK_EQ(tern_quic_streams_on_reset_stream(m, 0, 7, 100, &err), 0);

	/* fin below data already received */
	CHECK_EQ(tern_quic_streams_on_stream(m, 4, 0, data, 200, false, &err), 0);
	err = 0;
	CHECK_EQ(tern_quic_streams_on_stream(m, 4, 0, data, 150, true, &err), -TERN_EPROTO);
	CHECK_EQ(err, TERN_QUIC_ERR_FINAL_SIZE_ERROR);
	err = 0;
	CHECK_EQ(tern_quic_streams_on_reset_stream(m, 4, 7, 150, &err), -TERN_EPROTO);
	CHECK_EQ(err, TERN_QUIC_ERR_FINAL_SIZE_ERROR);
	tern_quic_streams_free(m);
}

static void
test_flow_control_errors(void)
{
	struct tern_quic_streams_config sc = base_cfg(true);
	struct tern_quic_streams *m;
	static uint8_t data[64 << 10];
	uint64_t err;

	sc.initial_max_data = 100000;
	REQUIRE(tern_quic_streams_new(&sc, &m) == 0);
	/* stream window 64 KiB */
	CHECK_EQ(tern_quic_streams_on_stream(m, 0, 0, data, 65536, false, &err), 0);
	err = 0;
	CHECK_EQ(tern_quic_streams_on_stream(m, 0, 65536, data, 1, false, &err), -TERN_EPROTO);
	CHECK_EQ(err, TERN_QUIC_ERR_FLOW_CONTROL_ERROR);
	/* a zero-length frame beyond the window is also beyond it */
	err = 0;
	CHECK_EQ(tern_quic_streams_on_stream(m, 0, 70000, NULL, 0, false, &err), -TERN_EPROTO);
	CHECK_EQ(err, TERN_QUIC_ERR_FLOW_CONTROL_ERROR);
	/* connection: 65536 used, 34464 left */
	CHECK_EQ(tern_quic_streams_on_stream(m, 4, 0, data, 34464, false, &err), 0);
	err = 0;
	CHECK_EQ(tern_quic_streams_on_stream(m, 8, 0, data, 1, false, &err), -TERN_EPROTO);
	CHECK_EQ(err, TERN_QUIC_ERR_FLOW_CONTROL_ERROR);
	/* a reset's final size counts too */
	err = 0;
	CHECK_EQ(tern_quic_streams_on_reset_stream(m, 8, 0, 10, &err), -TERN_EPROTO);
	CHECK_EQ(err, TERN_QUIC_ERR_FLOW_CONTROL_ERROR);
	/* offset + length above 2^62 - 1 */
	err = 0;
	CHECK_EQ(tern_quic_streams_on_stream(m, 0, (UINT64_C(1) << 62) - 1, data, 1, false, &err),
		 -TERN_EPROTO);
	CHECK(err == TERN_QUIC_ERR_FRAME_ENCODING_ERROR || err == TERN_QUIC_ERR_FLOW_CONTROL_ERROR);
	tern_quic_streams_free(m);
}

static void
test_stream_id_rules(void)
{
	struct tern_quic_streams_config sc = base_cfg(true);
	struct tern_quic_streams_peer_params p = peer_of(&sc);
	struct tern_quic_streams *m;
	uint8_t d[4] = {0};
	uint64_t err;

	sc.initial_max_streams_bidi = 3;
	sc.initial_max_streams_uni = 2;
	REQUIRE(tern_quic_streams_new(&sc, &m) == 0); /* a server */
	REQUIRE(tern_quic_streams_set_peer_params(m, &p, &err) == 0);
	/* server's own uni stream (id 3): no receiving part */
	err = 0;
	CHECK_EQ(tern_quic_streams_on_stream(m, 3, 0, d, 1, false, &err), -TERN_EPROTO);
	CHECK_EQ(err, TERN_QUIC_ERR_STREAM_STATE_ERROR);
	err = 0;
	CHECK_EQ(tern_quic_streams_on_reset_stream(m, 3, 0, 0, &err), -TERN_EPROTO);
	CHECK_EQ(err, TERN_QUIC_ERR_STREAM_STATE_ERROR);
	err = 0;
	CHECK_EQ(tern_quic_streams_on_stream_data_blocked(m, 3, 0, &err), -TERN_EPROTO);
	CHECK_EQ(err, TERN_QUIC_ERR_STREAM_STATE_ERROR);
	/* client's uni stream (id 2): no sending part */
	err = 0;
	CHECK_EQ(tern_quic_streams_on_stop_sending(m, 2, 0, &err), -TERN_EPROTO);
	CHECK_EQ(err, TERN_QUIC_ERR_STREAM_STATE_ERROR);
	err = 0;
	CHECK_EQ(tern_quic_streams_on_max_stream_data(m, 2, 10, &err), -TERN_EPROTO);
	CHECK_EQ(err, TERN_QUIC_ERR_STREAM_STATE_ERROR);
	/* server bidi stream (id 1) not opened yet */
	err = 0;
	CHECK_EQ(tern_quic_streams_on_stream(m, 1, 0, d, 1, false, &err), -TERN_EPROTO);
	CHECK_EQ(err, TERN_QUIC_ERR_STREAM_STATE_ERROR);
	err = 0;
	CHECK_EQ(tern_quic_streams_on_max_stream_data(m, 5, 10, &err), -TERN_EPROTO);
	CHECK_EQ(err, TERN_QUIC_ERR_STREAM_STATE_ERROR);
	/* the application cannot write on the peer's uni stream, nor on a
	 * peer stream not opened yet */
	CHECK_EQ(tern_quic_streams_app_send(m, 2, d, 1, false, NULL), -TERN_EINVAL);
	CHECK_EQ(tern_quic_streams_app_send(m, 0, d, 1, false, NULL), -TERN_EINVAL);

	/* limits: client bidi streams 0, 4, 8 allowed; 12 is the 4th */
	err = 0;
	CHECK_EQ(tern_quic_streams_on_stream(m, 12, 0, d, 1, false, &err), -TERN_EPROTO);
	CHECK_EQ(err, TERN_QUIC_ERR_STREAM_LIMIT_ERROR);
	err = 0;
	CHECK_EQ(tern_quic_streams_on_stop_sending(m, 12, 0, &err), -TERN_EPROTO);
	CHECK_EQ(err, TERN_QUIC_ERR_STREAM_LIMIT_ERROR);
	CHECK_EQ(tern_quic_streams_on_stream(m, 8, 0, d, 1, false, &err), 0);
	CHECK_EQ(tern_quic_streams_count(m), 3); /* 0 and 4 implicitly */
	/* the server may write on client bidi streams it knows of */
	CHECK_EQ(tern_quic_streams_app_send(m, 0, d, 1, false, NULL), 1);
	err = 0;
	CHECK_EQ(tern_quic_streams_on_stream(m, 10, 0, d, 1, false, &err), -TERN_EPROTO);
	CHECK_EQ(err, TERN_QUIC_ERR_STREAM_LIMIT_ERROR); /* uni: 2, 6 allowed */
	CHECK_EQ(tern_quic_streams_on_stream(m, 6, 0, d, 1, false, &err), 0);

	/* MAX_STREAMS / STREAMS_BLOCKED beyond 2^60 */
	err = 0;
	CHECK_EQ(tern_quic_streams_on_max_streams(m, true, (UINT64_C(1) << 60) + 1, &err),
		 -TERN_EPROTO);
	CHECK_EQ(err, TERN_QUIC_ERR_FRAME_ENCODING_ERROR);
	err = 0;
	CHECK_EQ(tern_quic_streams_on_streams_blocked(m, false, (UINT64_C(1) << 60) + 1, &err),
		 -TERN_EPROTO);
	CHECK_EQ(err, TERN_QUIC_ERR_FRAME_ENCODING_ERROR);
	/* transport parameter beyond 2^60 */
	p.initial_max_streams_uni = (UINT64_C(1) << 60) + 1;
	err = 0;
	CHECK_EQ(tern_quic_streams_set_peer_params(m, &p, &err), -TERN_EPROTO);
	CHECK_EQ(err, TERN_QUIC_ERR_TRANSPORT_PARAMETER_ERROR);
	tern_quic_streams_free(m);
}

static void
test_local_limits(void)
{
	struct tern_quic_streams_config cc = base_cfg(false), sc = base_cfg(true);
	struct tern_quic_streams *cli, *srv;
	struct tern_quic_stream_ctrl f;
	uint8_t d[1] = {1};
	uint64_t err = 0;

	sc.initial_max_streams_bidi = 2;
	sc.initial_max_streams_uni = 0;
	make_pair(&cc, &sc, &cli, &srv);
	CHECK_EQ(tern_quic_streams_peer_streams_left(cli, true), 2);
	CHECK_EQ(tern_quic_streams_peer_streams_left(cli, false), 0);
	CHECK_EQ(tern_quic_streams_app_send(cli, 0, d, 1, false, NULL), 1);
	CHECK_EQ(tern_quic_streams_peer_streams_left(cli, true), 1);
	CHECK_EQ(tern_quic_streams_app_send(cli, 4, d, 1, false, NULL), 1);
	CHECK_EQ(tern_quic_streams_peer_streams_left(cli, true), 0);
	CHECK_EQ(tern_quic_streams_app_send(cli, 8, d, 1, false, NULL), -TERN_ELIMIT);
	CHECK_EQ(tern_quic_streams_app_send(cli, 2, d, 1, false, NULL), -TERN_ELIMIT);
	CHECK(tern_quic_streams_capacity(cli, 8, NULL) == 0);
	/* the client's own ids out of order / server ids */
	CHECK_EQ(tern_quic_streams_app_send(cli, 1, d, 1, false, NULL), -TERN_EINVAL);
	/* STREAMS_BLOCKED (bidi at 2, uni at 0) are due */
	CHECK(tern_quic_streams_ctrl_next(cli, 0, 0, &f));
	CHECK_EQ(f.type, 0x16);
	CHECK_EQ(f.value, 2);
	tern_quic_streams_ctrl_sent(cli, &f, 0);
	CHECK(tern_quic_streams_ctrl_next(cli, 0, 0, &f));
	CHECK_EQ(f.type, 0x17);
	CHECK_EQ(f.value, 0);
	tern_quic_streams_ctrl_sent(cli, &f, 0);
	CHECK(!tern_quic_streams_ctrl_next(cli, 0, 0, &f));
	/* the peer raises the limit */
	CHECK_EQ(tern_quic_streams_on_max_streams(cli, true, 3, &err), 0);
	CHECK_EQ(tern_quic_streams_on_max_streams(cli, true, 1, &err), 0); /* ignored */
	CHECK_EQ(tern_quic_streams_peer_streams_left(cli, true), 1);
	CHECK_EQ(tern_quic_streams_app_send(cli, 8, d, 1, false, NULL), 1);
	tern_quic_streams_free(cli);
	tern_quic_streams_free(srv);
}

/* --- sending, loss, ack ------------------------------------------------------------ */

static void
test_send_loss_ack(void)
{
	struct tern_quic_streams_config cc = base_cfg(false), sc = base_cfg(true);
	struct tern_quic_streams *cli, *srv;
	struct tern_quic_stream_chunk c;
	struct tern_quic_stream *s;
	uint8_t data[3000], out[3000];
	uint64_t err = 0;
	bool fin = false;
	int i;

	for (i = 0; i < 3000; i++)
		data[i] = pattern(2, i);
	make_pair(&cc, &sc, &cli, &srv);
	/* client uni stream 2 */
	CHECK_EQ(tern_quic_streams_app_send(cli, 2, data, 3000, true, NULL), 3000);
	CHECK_EQ(tern_quic_streams_app_send(cli, 2, data, 1, false, NULL), -TERN_EINVAL);
	s = tern_quic_streams_next_sendable(cli);
	REQUIRE(s != NULL);
	CHECK_EQ(tern_quic_stream_id(s), 2);
	/* three frames of 1000 */
	for (i = 0; i < 3; i++) {
		REQUIRE(tern_quic_stream_send_peek(s, &c));
		CHECK_EQ(c.off, (uint64_t)i * 1000);
		CHECK_EQ(c.len, 3000 - (uint64_t)i * 1000);
		CHECK(c.fin);
		CHECK(!c.retransmit);
		c.len = 1000;
		c.fin = i == 2;
		/* growing len or a fin on a trimmed chunk is refused */
		if (i == 0) {
			struct tern_quic_stream_chunk bad = c;

			bad.fin = true;
			CHECK_EQ(tern_quic_streams_send_emit(cli, s, &bad, out), -TERN_EINVAL);
			bad.fin = false;
			bad.off = 5;
			CHECK_EQ(tern_quic_streams_send_emit(cli, s, &bad, out), -TERN_EINVAL);
		}
		CHECK_EQ(tern_quic_streams_send_emit(cli, s, &c, out + i * 1000), 0);
	}
	CHECK_MEM(out, data, 3000);
	CHECK(tern_quic_streams_next_sendable(cli) == NULL);
	CHECK(!tern_quic_streams_has_pending(cli));
	/* frame 2 and the fin frame acked, frame 1 lost, frame 0 acked */
	tern_quic_streams_on_data_acked(cli, 2, 1000, 1000, false);
	tern_quic_streams_on_data_lost(cli, 2, 2000, 1000, true);
	tern_quic_streams_on_data_acked(cli, 2, 0, 1000, false);
	s = tern_quic_streams_next_sendable(cli);
	REQUIRE(s != NULL);
	REQUIRE(tern_quic_stream_send_peek(s, &c));
	CHECK_EQ(c.off, 2000);
	CHECK_EQ(c.len, 1000);
	CHECK(c.fin);
	CHECK(c.retransmit);
	c.len = 400;
	c.fin = false;
	memset(out, 0, sizeof(out));
	CHECK_EQ(tern_quic_streams_send_emit(cli, s, &c, out), 0);
	CHECK_MEM(out, data + 2000, 400);
	CHECK_EQ(tern_quic_streams_retransmitted_bytes(cli), 400);
	REQUIRE(tern_quic_stream_send_peek(s, &c));
	CHECK_EQ(c.off, 2400);
	CHECK_EQ(c.len, 600);
	CHECK(c.fin);
	CHECK_EQ(tern_quic_streams_send_emit(cli, s, &c, out), 0);
	CHECK_MEM(out, data + 2400, 600);
	CHECK(tern_quic_streams_next_sendable(cli) == NULL);
	/* lose the retransmission's first part again, after the second part
	 * was acked: only [2000, 2400) comes back */
	tern_quic_streams_on_data_acked(cli, 2, 2400, 600, true);
	CHECK_EQ(tern_quic_streams_count(cli), 1);
	tern_quic_streams_on_data_lost(cli, 2, 2000, 1000, true);
	s = tern_quic_streams_next_sendable(cli);
	REQUIRE(s != NULL);
	REQUIRE(tern_quic_stream_send_peek(s, &c));
	CHECK_EQ(c.off, 2000);
	CHECK_EQ(c.len, 400);
	CHECK(!c.fin); /* the fin was acknowledged */
	CHECK_EQ(tern_quic_streams_send_emit(cli, s, &c, out), 0);
	tern_quic_streams_on_data_acked(cli, 2, 2000, 400, false);
	/* everything acknowledged: the send-only stream is freed */
	CHECK_EQ(tern_quic_streams_count(cli), 0);
	CHECK(!tern_quic_streams_has_pending(cli));
	/* late acks / losses for a freed stream are ignored */
	tern_quic_streams_on_data_lost(cli, 2, 0, 1000, false);
	tern_quic_streams_on_data_acked(cli, 2, 0, 1000, false);
	CHECK(tern_quic_streams_next_sendable(cli) == NULL);
	/* and the id cannot be reused */
	CHECK_EQ(tern_quic_streams_app_send(cli, 2, data, 1, false, NULL), -TERN_EINVAL);

	/* the receiver got nothing here; feed it the bytes */
	CHECK_EQ(tern_quic_streams_on_stream(srv, 2, 0, data, 3000, true, &err), 0);
	CHECK_EQ(tern_quic_streams_app_recv(srv, 2, out, sizeof(out), &fin, NULL), 3000);
	CHECK(fin);
	CHECK_EQ(tern_quic_streams_count(srv), 0); /* receive-only stream done */
	CHECK(tern_quic_streams_finished(srv, 2));
	CHECK(!tern_quic_streams_finished(srv, 6)); /* never opened */
	tern_quic_streams_free(cli);
	tern_quic_streams_free(srv);
}

static void
test_send_capacity_and_blocked(void)
{
	struct tern_quic_streams_config cc = base_cfg(false), sc = base_cfg(true);
	struct tern_quic_streams *cli, *srv;
	struct tern_quic_stream_ctrl f;
	static uint8_t data[200000], out[200000];
	struct tern_quic_stream *s;
	struct tern_quic_stream_chunk c;
	uint64_t err = 0;
	long n;

	cc.send_capacity = 10000;
	sc.initial_max_stream_data_bidi_remote = 30000;
	sc.initial_max_data = 50000;
	make_pair(&cc, &sc, &cli, &srv);
	/* send buffer bound: 10000 */
	CHECK_EQ(tern_quic_streams_capacity(cli, 0, NULL), 10000);
	CHECK_EQ(tern_quic_streams_app_send(cli, 0, data, 20000, false, NULL), 10000);
	CHECK_EQ(tern_quic_streams_app_send(cli, 0, data, 1, false, NULL), -TERN_EAGAIN);
	CHECK(!tern_quic_streams_writable(cli, 0, 1));
	CHECK_EQ(tern_quic_streams_writable_count(cli), 0);
	/* buffer-limited, not flow-control-limited: no BLOCKED frame */
	CHECK(!tern_quic_streams_ctrl_next(cli, 0, 0, &f));
	/* send and ack 4000: room for 4000 more */
	s = tern_quic_streams_next_sendable(cli);
	REQUIRE(s != NULL && tern_quic_stream_send_peek(s, &c));
	c.len = 4000;
	c.fin = false;
	CHECK_EQ(tern_quic_streams_send_emit(cli, s, &c, out), 0);
	CHECK_EQ(tern_quic_streams_on_stream(srv, 0, 0, out, 4000, false, &err), 0);
	tern_quic_streams_on_data_acked(cli, 0, 0, 4000, false);
	CHECK_EQ(tern_quic_streams_capacity(cli, 0, NULL), 4000);
	CHECK(tern_quic_streams_writable(cli, 0, 4000));
	CHECK(!tern_quic_streams_writable(cli, 0, 4001));
	CHECK_EQ(tern_quic_streams_writable_count(cli), 1);
	/* drain everything through the server; capacity comes back */
	{
		uint64_t total = 10000, got = 0;
		bool fin = false;

		CHECK_EQ(tern_quic_streams_app_send(cli, 0, data + 10000, 4000, false, NULL), 4000);
		total += 4000;
		while (total < 30000) {
			n = tern_quic_streams_app_send(cli, 0, data + total, 30000 - total, false,
						       NULL);
			if (n > 0)
				total += (uint64_t)n;
			REQUIRE(pump(cli, srv, 0, 1200, 0, &err) >= 0);
			while ((n = tern_quic_streams_app_recv(srv, 0, out + got, sizeof(out) - got,
							       &fin, NULL)) > 0)
				got += (uint64_t)n;
		}
		REQUIRE(pump(cli, srv, 0, 1200, 0, &err) >= 0);
		while ((n = tern_quic_streams_app_recv(srv, 0, out + got, sizeof(out) - got, &fin,
						       NULL)) > 0)
			got += (uint64_t)n;
		CHECK_EQ(got, 30000);
		CHECK_MEM(out, data, 30000);
	}
	/* stream flow control (30000) reached: STREAM_DATA_BLOCKED once.
	 * (The server's MAX_STREAM_DATA is not delivered.) */
	CHECK_EQ(tern_quic_streams_app_send(cli, 0, data, 10, false, NULL), -TERN_EAGAIN);
	CHECK(tern_quic_streams_ctrl_next(cli, 0, 0, &f));
	CHECK_EQ(f.type, 0x15);
	CHECK_EQ(f.id, 0);
	CHECK_EQ(f.value, 30000);
	tern_quic_streams_ctrl_sent(cli, &f, 0);
	{
		struct tern_quic_stream_ctrl g;

		CHECK_EQ(tern_quic_streams_app_send(cli, 0, data, 10, false, NULL), -TERN_EAGAIN);
		CHECK(!tern_quic_streams_ctrl_next(cli, 0, 0, &g));
	}
	/* lost while still blocked: due again */
	tern_quic_streams_ctrl_lost(cli, &f);
	CHECK(tern_quic_streams_ctrl_next(cli, 0, 0, &f));
	CHECK_EQ(f.type, 0x15);
	tern_quic_streams_ctrl_sent(cli, &f, 0);

	/* connection limit: 50000 total; stream 4 may take the 20000 left */
	CHECK_EQ(tern_quic_streams_conn_send_credit(cli), 20000);
	CHECK_EQ(tern_quic_streams_capacity(cli, 4, NULL), 10000); /* buffer bound */
	CHECK_EQ(tern_quic_streams_app_send(cli, 4, data, 10000, false, NULL), 10000);
	REQUIRE(pump(cli, srv, 0, 1200, 0, &err) >= 0);
	CHECK_EQ(tern_quic_streams_app_send(cli, 4, data, 20000, false, NULL), 10000);
	CHECK_EQ(tern_quic_streams_conn_send_credit(cli), 0);
	CHECK_EQ(tern_quic_streams_writable_ids(cli, (uint64_t[4]){0}, 4), 0);
	CHECK(tern_quic_streams_ctrl_next(cli, 0, 0, &f));
	CHECK_EQ(f.type, 0x14); /* DATA_BLOCKED at 50000 */
	CHECK_EQ(f.value, 50000);
	REQUIRE(pump(cli, srv, 0, 1200, 0, &err) >= 0);
	CHECK_EQ(tern_quic_streams_app_send(cli, 4, data, 1, false, NULL), -TERN_EAGAIN);
	CHECK(!tern_quic_streams_ctrl_next(cli, 0, 0, &f)); /* once per limit */
	/* MAX_DATA arrives: stream 4 has 10000 of its 30000 window left */
	tern_quic_streams_on_max_data(cli, 60000);
	CHECK_EQ(tern_quic_streams_conn_send_credit(cli), 10000);
	CHECK_EQ(tern_quic_streams_capacity(cli, 4, NULL), 10000);
	CHECK_EQ(tern_quic_streams_app_send(cli, 4, data, 1, false, NULL), 1);
	tern_quic_streams_free(cli);
	tern_quic_streams_free(srv);
}

/* --- reset, stop sending ------------------------------------------------------------ */

static void
test_reset_and_stop(void)
{
	struct tern_quic_streams_config cc = base_cfg(false), sc = base_cfg(true);
	struct tern_quic_streams *cli, *srv;
	struct tern_quic_stream_ctrl f;
	uint8_t data[5000] = {0}, out[5000];
	uint64_t err = 0, code = 0;
	bool fin;

	make_pair(&cc, &sc, &cli, &srv);
	/* client writes 5000 on stream 0, 3000 reach the server */
	CHECK_EQ(tern_quic_streams_app_send(cli, 0, data, 5000, false, NULL), 5000);
	{
		struct tern_quic_stream *s = tern_quic_streams_next_sendable(cli);
		struct tern_quic_stream_chunk c;

		REQUIRE(s != NULL && tern_quic_stream_send_peek(s, &c));
		c.len = 3000;
		CHECK_EQ(tern_quic_streams_send_emit(cli, s, &c, out), 0);
		CHECK_EQ(tern_quic_streams_on_stream(srv, 0, 0, out, 3000, false, &err), 0);
	}
	CHECK_EQ(tern_quic_streams_conn_send_credit(cli), (1 << 20) - 5000);
	/* client resets: final size = 3000 sent; unsent credit refunded */
	CHECK_EQ(tern_quic_streams_app_shutdown(cli, 0, true, 0x42), 0);
	CHECK_EQ(tern_quic_streams_app_shutdown(cli, 0, true, 0x42), -TERN_EAGAIN);
	CHECK_EQ(tern_quic_streams_conn_send_credit(cli), (1 << 20) - 3000);
	CHECK(tern_quic_streams_next_sendable(cli) == NULL);
	CHECK_EQ(tern_quic_streams_app_send(cli, 0, data, 1, false, NULL), -TERN_EINVAL);
	REQUIRE(tern_quic_streams_ctrl_next(cli, 0, 0, &f));
	CHECK_EQ(f.type, 0x04);
	CHECK_EQ(f.id, 0);
	CHECK_EQ(f.value, 0x42);
	CHECK_EQ(f.final_size, 3000);
	tern_quic_streams_ctrl_sent(cli, &f, 0);
	CHECK(!tern_quic_streams_ctrl_next(cli, 0, 0, &f));
	tern_quic_streams_ctrl_lost(cli, &f); /* lost: due again */
	REQUIRE(tern_quic_streams_ctrl_next(cli, 0, 0, &f));
	CHECK_EQ(f.type, 0x04);
	tern_quic_streams_ctrl_sent(cli, &f, 0);
	CHECK_EQ(deliver_ctrl(srv, &f, &err), 0);
	tern_quic_streams_ctrl_acked(cli, &f);
	/* server: readable with the reset; reading reports it once */
	CHECK(tern_quic_streams_readable(srv, 0));
	CHECK_EQ(tern_quic_streams_stream_error(srv, 0, &code), 0);
	CHECK_EQ(code, 0x42);
	code = 0;
	CHECK_EQ(tern_quic_streams_app_recv(srv, 0, out, sizeof(out), &fin, &code), -TERN_EPROTO);
	CHECK_EQ(code, 0x42);
	CHECK(tern_quic_streams_finished(srv, 0));
	CHECK(!tern_quic_streams_readable(srv, 0));
	/* data after the reset is ignored; a different final size is not */
	CHECK_EQ(tern_quic_streams_on_stream(srv, 0, 0, data, 100, false, &err), 0);
	err = 0;
	CHECK_EQ(tern_quic_streams_on_stream(srv, 0, 0, data, 3001, false, &err), -TERN_EPROTO);
	CHECK_EQ(err, TERN_QUIC_ERR_FINAL_SIZE_ERROR);

	/* server answers with STOP_SENDING-less close of its own side: it
	 * never wrote; now the client stops the server's sending on stream 0 */
	CHECK_EQ(tern_quic_streams_app_send(srv, 0, data, 10, false, NULL), 10);
	CHECK_EQ(tern_quic_streams_on_stop_sending(srv, 0, 0x77, &err), 0);
	code = 0;
	CHECK_EQ(tern_quic_streams_app_send(srv, 0, data, 10, false, &code), -TERN_EPROTO);
	CHECK_EQ(code, 0x77);
	CHECK(tern_quic_streams_next_sendable(srv) == NULL); /* nothing was sent: final 0 */
	REQUIRE(tern_quic_streams_ctrl_next(srv, 0, 0, &f));
	CHECK_EQ(f.type, 0x04);
	CHECK_EQ(f.value, 0x77);
	CHECK_EQ(f.final_size, 0);
	tern_quic_streams_ctrl_sent(srv, &f, 0);
	CHECK_EQ(tern_quic_streams_count(srv), 1);
	tern_quic_streams_ctrl_acked(srv, &f);
	CHECK_EQ(tern_quic_streams_count(srv), 0); /* both sides terminal */
	/* the peer's stream closed: MAX_STREAMS credit (batch = 100 / 2) not yet */
	CHECK(!tern_quic_streams_ctrl_next(srv, 0, 0, &f));

	/* shutdown read: STOP_SENDING, then data counts for MAX_DATA only */
	CHECK_EQ(tern_quic_streams_app_send(cli, 4, data, 10, false, NULL), 10);
	REQUIRE(pump(cli, srv, 0, 1200, 0, &err) >= 0);
	CHECK_EQ(tern_quic_streams_app_shutdown(srv, 4, false, 0x99), 0);
	CHECK_EQ(tern_quic_streams_app_shutdown(srv, 4, false, 0x99), -TERN_EAGAIN);
	CHECK_EQ(tern_quic_streams_app_recv(srv, 4, out, sizeof(out), &fin, NULL), -TERN_EINVAL);
	REQUIRE(tern_quic_streams_ctrl_next(srv, 0, 0, &f));
	CHECK_EQ(f.type, 0x05);
	CHECK_EQ(f.id, 4);
	CHECK_EQ(f.value, 0x99);
	CHECK_EQ(pump(srv, cli, 0, 1200, 0, &err) >= 0, 1);
	/* the client's stream 4 is reset in answer */
	REQUIRE(tern_quic_streams_ctrl_next(cli, 0, 0, &f));
	CHECK_EQ(f.type, 0x04);
	CHECK_EQ(f.id, 4);
	CHECK_EQ(f.value, 0x99);
	CHECK_EQ(f.final_size, 10);
	tern_quic_streams_free(cli);
	tern_quic_streams_free(srv);
}

/* --- priorities ------------------------------------------------------------------- */

static uint64_t
next_id(struct tern_quic_streams *m)
{
	static uint8_t buf[2000];
	struct tern_quic_stream *s = tern_quic_streams_next_sendable(m);
	struct tern_quic_stream_chunk c;

	if (s == NULL || !tern_quic_stream_send_peek(s, &c))
		return UINT64_MAX;
	if (c.len > 100) {
		c.len = 100;
		c.fin = false;
	}
	REQUIRE(tern_quic_streams_send_emit(m, s, &c, buf) == 0);
	return c.id;
}

static void
test_priority(void)
{
	struct tern_quic_streams_config cc = base_cfg(false), sc = base_cfg(true);
	struct tern_quic_streams *cli, *srv;
	uint8_t data[250] = {0};
	uint64_t seq[16];
	int i;

	make_pair(&cc, &sc, &cli, &srv);
	/* 0, 4: incremental urgency 3 (default); 8: non-incremental urgency 3;
	 * 12: urgency 1, non-incremental; 16: non-incremental urgency 3 */
	for (i = 0; i < 5; i++)
		CHECK_EQ(tern_quic_streams_app_send(cli, (uint64_t)i * 4, data, 250, false, NULL),
			 250);
	CHECK_EQ(tern_quic_streams_set_priority(cli, 8, 3, false), 0);
	CHECK_EQ(tern_quic_streams_set_priority(cli, 16, 3, false), 0);
	CHECK_EQ(tern_quic_streams_set_priority(cli, 12, 1, false), 0);
	CHECK_EQ(tern_quic_streams_set_priority(cli, 12, 8, false), -TERN_EINVAL);
	for (i = 0; i < 15; i++)
		seq[i] = next_id(cli);
	seq[15] = next_id(cli);
	/* 12 first (3 frames: 100, 100, 50), then 8 and 16 to completion, then
	 * 0 and 4 alternating */
	CHECK_EQ(seq[0], 12);
	CHECK_EQ(seq[1], 12);
	CHECK_EQ(seq[2], 12);
	CHECK_EQ(seq[3], 8);
	CHECK_EQ(seq[5], 8);
	CHECK_EQ(seq[6], 16);
	CHECK_EQ(seq[8], 16);
	CHECK_EQ(seq[9], 0);
	CHECK_EQ(seq[10], 4);
	CHECK_EQ(seq[11], 0);
	CHECK_EQ(seq[12], 4);
	CHECK_EQ(seq[13], 0);
	CHECK_EQ(seq[14], 4);
	CHECK_EQ(seq[15], UINT64_MAX);
	/* lost data of a lower-urgency stream goes before new data */
	CHECK_EQ(tern_quic_streams_app_send(cli, 0, data, 50, false, NULL), 50);
	tern_quic_streams_on_data_lost(cli, 12, 0, 100, false);
	CHECK_EQ(next_id(cli), 12);
	CHECK_EQ(next_id(cli), 0);
	tern_quic_streams_free(cli);
	tern_quic_streams_free(srv);
}

/* --- MAX_STREAMS and window auto-tuning ---------------------------------------------- */

static void
test_max_streams_credit(void)
{
	struct tern_quic_streams_config cc = base_cfg(false), sc = base_cfg(true);
	struct tern_quic_streams *cli, *srv;
	struct tern_quic_stream_ctrl f;
	uint8_t d[8] = {0}, out[8];
	uint64_t err = 0;
	bool fin;
	int round;

	sc.initial_max_streams_uni = 2;
	make_pair(&cc, &sc, &cli, &srv);
	/* open 20 uni streams two at a time; each close credits the client */
	for (round = 0; round < 10; round++) {
		uint64_t a = (uint64_t)round * 8 + 2, b = a + 4;

		CHECK_EQ(tern_quic_streams_app_send(cli, a, d, 8, true, NULL), 8);
		CHECK_EQ(tern_quic_streams_app_send(cli, b, d, 8, true, NULL), 8);
		CHECK_EQ(tern_quic_streams_app_send(cli, b + 4, d, 8, true, NULL), -TERN_ELIMIT);
		REQUIRE(pump(cli, srv, 0, 1200, 0, &err) >= 0);
		CHECK_EQ(tern_quic_streams_app_recv(srv, a, out, 8, &fin, NULL), 8);
		CHECK_EQ(tern_quic_streams_app_recv(srv, b, out, 8, &fin, NULL), 8);
		REQUIRE(pump(srv, cli, 0, 1200, 0, &err) >= 0);
	}
	CHECK_EQ(tern_quic_streams_count(srv), 0);
	CHECK_EQ(tern_quic_streams_count(cli), 0);
	CHECK_EQ(tern_quic_streams_peer_streams_left(cli, false), 2);
	/* and the limit is enforced at the server at its advertised value */
	err = 0;
	CHECK_EQ(tern_quic_streams_on_stream(srv, 22 * 4 + 2, 0, d, 1, false, &err), -TERN_EPROTO);
	CHECK_EQ(err, TERN_QUIC_ERR_STREAM_LIMIT_ERROR);
	/* a lost MAX_STREAMS is resent while current */
	CHECK(!tern_quic_streams_ctrl_next(srv, 0, 0, &f));
	f.type = 0x13;
	f.value = 22;
	tern_quic_streams_ctrl_lost(srv, &f);
	REQUIRE(tern_quic_streams_ctrl_next(srv, 0, 0, &f));
	CHECK_EQ(f.type, 0x13);
	CHECK_EQ(f.value, 22);
	tern_quic_streams_free(cli);
	tern_quic_streams_free(srv);
}

static void
test_autotune(void)
{
	struct tern_quic_streams_config sc = base_cfg(true);
	struct tern_quic_streams *m;
	struct tern_quic_stream_ctrl f;
	static uint8_t data[256 << 10];
	uint64_t err = 0, off = 0, now = 1000 * MS, last = 0, windows[8];
	int i, nw = 0;
	bool fin;

	REQUIRE(tern_quic_streams_new(&sc, &m) == 0);
	/* the peer fills the window each time; we read at once: updates come
	 * within 2 RTTs, so the window doubles up to 256 KiB */
	for (i = 0; i < 12; i++) {
		uint64_t lim = i == 0 ? 64 << 10 : last;
		long n;

		CHECK_EQ(tern_quic_streams_on_stream(m, 0, off, data, lim - off, false, &err), 0);
		off = lim;
		while ((n = tern_quic_streams_app_recv(m, 0, data, sizeof(data), &fin, NULL)) > 0)
			;
		now += MS;
		while (tern_quic_streams_ctrl_next(m, now, 10 * MS, &f)) {
			tern_quic_streams_ctrl_sent(m, &f, now);
			if (f.type == 0x11) {
				CHECK(f.value > last);
				if (nw < 8)
					windows[nw++] = f.value - off;
				last = f.value;
			}
		}
	}
	REQUIRE(nw >= 4);
	CHECK_EQ(windows[0], 64 << 10); /* first update: no history */
	CHECK_EQ(windows[1], 128 << 10);
	CHECK_EQ(windows[2], 256 << 10);
	CHECK_EQ(windows[3], 256 << 10); /* capped */
	/* beyond the limit is still an error */
	err = 0;
	CHECK_EQ(tern_quic_streams_on_stream(m, 0, last, data, 1, false, &err), -TERN_EPROTO);
	CHECK_EQ(err, TERN_QUIC_ERR_FLOW_CONTROL_ERROR);
	tern_quic_streams_free(m);
}

/* --- two maps, lossy, many streams -------------------------------------------------- */

static void
transfer(unsigned nstreams, uint64_t bytes, unsigned loss_pct, const char *what)
{
	struct tern_quic_streams_config cc = base_cfg(false), sc = base_cfg(true);
	struct tern_quic_streams *cli, *srv;
	uint64_t *sent = calloc(nstreams, sizeof(uint64_t));
	uint64_t *got = calloc(nstreams, sizeof(uint64_t));
	bool *done = calloc(nstreams, sizeof(bool));
	uint64_t err = 0, now = 0, ids[256];
	static uint8_t buf[1 << 16];
	unsigned ndone = 0, i, round, bad = 0;

	REQUIRE(sent != NULL && got != NULL && done != NULL);
	cc.initial_max_streams_bidi = sc.initial_max_streams_bidi = nstreams;
	cc.initial_max_data = sc.initial_max_data = 256 << 10;
	make_pair(&cc, &sc, &cli, &srv);
	for (round = 0; round < 100000 && ndone < nstreams; round++) {
		size_t k, n;

		now += MS;
		/* the client writes what fits, in stream order */
		for (i = 0; i < nstreams; i++) {
			uint64_t id = (uint64_t)i * 4, o;
			long w;

			if (sent[i] == bytes + 1)
				continue;
			if (sent[i] < bytes) {
				uint64_t len = bytes - sent[i] < 4000 ? bytes - sent[i] : 4000;

				for (o = 0; o < len; o++)
					buf[o] = pattern(id, sent[i] + o);
				w = tern_quic_streams_app_send(cli, id, buf, (size_t)len,
							       sent[i] + len == bytes, NULL);
				if (w == -TERN_EAGAIN || w == -TERN_ELIMIT)
					break;
				if (w < 0) {
					if (bad++ == 0)
						printf("app_send(%llu) = %ld\n",
						       (unsigned long long)id, w);
					break;
				}
				sent[i] += (uint64_t)w;
				if ((uint64_t)w == len && sent[i] == bytes)
					sent[i] = bytes + 1; /* fin queued */
			}
		}
		if (pump(cli, srv, loss_pct, 1200, now, &err) < 0 ||
		    pump(srv, cli, loss_pct, 1200, now, &err) < 0) {
			{
				if (bad++ < 3)
					printf("pump err %llu\n", (unsigned long long)err);
			}
			break;
		}
		/* the server reads readable streams */
		while ((n = tern_quic_streams_readable_ids(srv, ids, 256)) > 0) {
			for (k = 0; k < n; k++) {
				uint64_t id = ids[k];
				unsigned si = (unsigned)(id / 4);
				bool fin = false;
				long r;

				while ((r = tern_quic_streams_app_recv(srv, id, buf, sizeof(buf),
								       &fin, NULL)) >= 0) {
					uint64_t o;

					for (o = 0; o < (uint64_t)r; o++)
						if (buf[o] != pattern(id, got[si] + o)) {
							if (bad++ < 3)
								printf("mismatch id %llu off "
								       "%llu\n",
								       (unsigned long long)id,
								       (unsigned long long)(got[si] +
											    o));
						}
					got[si] += (uint64_t)r;
					if (fin) {
						if (!done[si] && got[si] == bytes) {
							done[si] = true;
							ndone++;
						} else {
							{
								if (bad++ < 3)
									printf("fin id %llu got "
									       "%llu\n",
									       (unsigned long long)
										       id,
									       (unsigned long long)
										       got[si]);
							}
						}
						/* close our side too so the stream can go */
						tern_quic_streams_app_send(srv, id, NULL, 0, true,
									   NULL);
						break;
					}
				}
			}
		}
		/* a few extra rounds to let fins / acks settle */
	}
	for (i = 0; i < 50; i++) {
		now += MS;
		if (pump(cli, srv, loss_pct, 1200, now, &err) < 0 ||
		    pump(srv, cli, loss_pct, 1200, now, &err) < 0) {
			if (bad++ < 3)
				printf("pump2 err %llu\n", (unsigned long long)err);
		}
		/* the client reads the server's fins */
		{
			size_t n = tern_quic_streams_readable_ids(cli, ids, 256), k;

			for (k = 0; k < n; k++) {
				bool fin;

				tern_quic_streams_app_recv(cli, ids[k], buf, sizeof(buf), &fin,
							   NULL);
			}
		}
	}
	printf("%s: %u/%u streams complete in %u rounds, %llu bytes retransmitted\n", what, ndone,
	       nstreams, round, (unsigned long long)tern_quic_streams_retransmitted_bytes(cli));
	CHECK_EQ(bad, 0);
	CHECK_EQ(ndone, nstreams);
	CHECK_EQ(tern_quic_streams_count(srv), 0);
	CHECK_EQ(tern_quic_streams_count(cli), 0);
	if (loss_pct > 0)
		CHECK(tern_quic_streams_retransmitted_bytes(cli) > 0);
	tern_quic_streams_free(cli);
	tern_quic_streams_free(srv);
	free(sent);
	free(got);
	free(done);
}

static void
test_many_streams_map(void)
{
	struct tern_quic_streams_config cc = base_cfg(false), sc = base_cfg(true);
	struct tern_quic_streams *cli, *srv;
	uint8_t d[1] = {7};
	uint64_t err = 0, i;
	unsigned bad = 0;

	cc.initial_max_streams_uni = sc.initial_max_streams_uni = 10000;
	cc.initial_max_streams_bidi = sc.initial_max_streams_bidi = 10000;
	make_pair(&cc, &sc, &cli, &srv);
	/* one frame opens 10,000 peer streams (RFC 9000 3.2) */
	CHECK_EQ(tern_quic_streams_on_stream(srv, 9999 * 4, 0, d, 1, false, &err), 0);
	CHECK_EQ(tern_quic_streams_count(srv), 10000);
	CHECK_EQ(tern_quic_streams_readable_count(srv), 1);
	err = 0;
	CHECK_EQ(tern_quic_streams_on_stream(srv, 10000 * 4, 0, d, 1, false, &err), -TERN_EPROTO);
	CHECK_EQ(err, TERN_QUIC_ERR_STREAM_LIMIT_ERROR);
	/* 10,000 client uni streams with 1 byte + fin each */
	for (i = 0; i < 10000; i++)
		if (tern_quic_streams_app_send(cli, i * 4 + 2, d, 1, true, NULL) != 1)
			bad++;
	CHECK_EQ(bad, 0);
	CHECK_EQ(tern_quic_streams_count(cli), 10000);
	CHECK_EQ(tern_quic_streams_app_send(cli, 10000 * 4 + 2, d, 1, true, NULL), -TERN_ELIMIT);
	/* 10,000 STREAM frames and the STREAMS_BLOCKED of the refused open */
	CHECK_EQ(pump(cli, srv, 0, 1200, 0, &err), 10001);
	CHECK_EQ(tern_quic_streams_count(cli), 0);
	CHECK_EQ(tern_quic_streams_count(srv), 20000);
	CHECK_EQ(tern_quic_streams_readable_count(srv), 10001);
	for (i = 0; i < 10000; i++) {
		uint8_t b;
		bool fin = false;

		if (tern_quic_streams_app_recv(srv, i * 4 + 2, &b, 1, &fin, NULL) != 1 || !fin ||
		    b != 7)
			bad++;
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(tern_quic_streams_count(srv), 10000);
	tern_quic_streams_free(cli);
	tern_quic_streams_free(srv);
}

int
main(void)
{
	test_reassembly_orders();
	test_overlap_and_dups();
	test_hole_limit_and_drain();
	test_final_size_errors();
	test_flow_control_errors();
	test_stream_id_rules();
	test_local_limits();
	test_send_loss_ack();
	test_send_capacity_and_blocked();
	test_reset_and_stop();
	test_priority();
	test_max_streams_credit();
	test_autotune();
	test_many_streams_map();
	transfer(4, 300000, 0, "4 streams, no loss");
	transfer(8, 200000, 10, "8 streams, 10% loss");
	transfer(1000, 2000, 5, "1000 streams, 5% loss");
	return tern_test_done("test_quic_stream");
}
