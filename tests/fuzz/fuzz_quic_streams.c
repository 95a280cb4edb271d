/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: the stream map (dataplane/quic/quic_stream.c) driven by
 * what a peer controls - STREAM / RESET_STREAM / STOP_SENDING / MAX_* /
 * *_BLOCKED frames with any ids, offsets, lengths and limits, acks and
 * losses of what we sent in any order, repeated or stale - interleaved with
 * the application's calls and our own sending of data and control frames.
 *
 * Standalone build, from the repository root (clang; no meson needed):
 *   clang -g -O1 -std=c11 -fsanitize=fuzzer,address,undefined -DLINUX
 *     -D_GNU_SOURCE -Iinclude -I. tests/fuzz/fuzz_quic_streams.c
 *     dataplane/quic/quic_{stream,fc,rangeset}.c -o fuzz_quic_streams
 *
 * Input: byte 0 picks client or server (bit 0); then operations, each an
 * opcode byte and operand bytes. Checks beyond "no crash, no UB": every byte
 * the peer sends is pattern(id, offset), so whatever the application reads
 * must match it (reassembly), and every byte we emit must be what the
 * application wrote (also pattern(id, offset)); frame ids and ranges the
 * send path produces stay within what was written.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tern/error.h>

#include "dataplane/cursor.h"
#include "dataplane/quic/quic_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SENT 64
#define MAX_CTRL 32

static uint8_t
pattern(uint64_t id, uint64_t off)
{
	return (uint8_t)((id * 31) ^ off ^ (off >> 7));
}

static void
fill(uint8_t *buf, uint64_t id, uint64_t off, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = pattern(id, off + i);
}

static void
check_pattern(const uint8_t *buf, uint64_t id, uint64_t off, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (buf[i] != pattern(id, off + i))
			abort();
}

struct state {
	struct tern_quic_streams *m;
	struct tern_quic_stream_chunk sent[MAX_SENT];
	unsigned nsent;
	struct tern_quic_stream_ctrl ctrl[MAX_CTRL];
	unsigned nctrl;
	/* application read offsets for a few stream ids (id < 64) */
	uint64_t read_off[64];
	uint64_t write_off[64];
	uint64_t now;
};

static uint8_t buf[1 << 14];

static bool
get8(struct tern_rcursor *c, uint8_t *v)
{
	return tern_rcursor_u8(c, v);
}

static bool
get16(struct tern_rcursor *c, uint16_t *v)
{
	return tern_rcursor_u16(c, v);
}

static void
op_emit(struct state *st, uint16_t lim)
{
	struct tern_quic_stream *s = tern_quic_streams_next_sendable(st->m);
	struct tern_quic_stream_chunk c;

	if (s == NULL)
		return;
	if (!tern_quic_stream_send_peek(s, &c))
		abort(); /* listed as sendable but nothing to send */
	if (c.len > lim) {
		c.len = lim;
		c.fin = false;
	}
	if (c.len > sizeof(buf)) {
		c.len = sizeof(buf);
		c.fin = false;
	}
	if (c.len == 0 && !c.fin)
		return;
	if (tern_quic_streams_send_emit(st->m, s, &c, buf) != 0)
		abort();
	if (c.id < 64) {
		if (c.off + c.len > st->write_off[c.id])
			abort(); /* sent beyond what the application wrote */
		check_pattern(buf, c.id, c.off, (size_t)c.len);
	}
	if (st->nsent < MAX_SENT)
		st->sent[st->nsent++] = c;
	else
		st->sent[st->now % MAX_SENT] = c;
}

static void
op_ctrl(struct state *st)
{
	struct tern_quic_stream_ctrl f;

	if (!tern_quic_streams_ctrl_next(st->m, st->now, 10000000, &f))
		return;
	tern_quic_streams_ctrl_sent(st->m, &f, st->now);
	if (st->nctrl < MAX_CTRL)
		st->ctrl[st->nctrl++] = f;
	else
		st->ctrl[st->now % MAX_CTRL] = f;
}

static void
op_app_recv(struct state *st, uint64_t id, uint16_t cap)
{
	bool fin = false;
	uint64_t code = 0;
	long n;

	if (cap > sizeof(buf))
		cap = sizeof(buf);
	n = tern_quic_streams_app_recv(st->m, id, buf, cap, &fin, &code);
	if (n > 0 && id < 64) {
		check_pattern(buf, id, st->read_off[id], (size_t)n);
		st->read_off[id] += (uint64_t)n;
	}
	if (n > (long)cap)
		abort();
}

static void
op_app_send(struct state *st, uint64_t id, uint16_t len, bool fin)
{
	uint64_t code = 0, off = id < 64 ? st->write_off[id] : 0;
	long n;

	if (len > sizeof(buf))
		len = sizeof(buf);
	fill(buf, id, off, len);
	n = tern_quic_streams_app_send(st->m, id, buf, len, fin, &code);
	if (n > (long)len)
		abort();
	if (n > 0 && id < 64)
		st->write_off[id] += (uint64_t)n;
}

static void
op_iterate(struct state *st)
{
	uint64_t ids[32], code;
	size_t n, i;

	n = tern_quic_streams_readable_ids(st->m, ids, 32);
	for (i = 0; i < n; i++)
		if (!tern_quic_streams_readable(st->m, ids[i]))
			abort();
	n = tern_quic_streams_writable_ids(st->m, ids, 32);
	for (i = 0; i < n; i++) {
		if (tern_quic_streams_capacity(st->m, ids[i], &code) <= 0)
			abort();
		(void)tern_quic_streams_finished(st->m, ids[i]);
		(void)tern_quic_streams_stream_error(st->m, ids[i], &code);
	}
	(void)tern_quic_streams_peer_streams_left(st->m, true);
	(void)tern_quic_streams_peer_streams_left(st->m, false);
	(void)tern_quic_streams_has_pending(st->m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tern_quic_streams_config cfg = {
		.initial_max_data = 1 << 16,
		.initial_max_stream_data_bidi_local = 4096,
		.initial_max_stream_data_bidi_remote = 4096,
		.initial_max_stream_data_uni = 4096,
		.initial_max_streams_bidi = 8,
		.initial_max_streams_uni = 8,
		.max_stream_window = 16384,
		.max_connection_window = 1 << 18,
		.send_capacity = 8192,
		.max_recv_ranges = 8,
	};
	struct tern_quic_streams_peer_params pp = {
		.initial_max_data = 1 << 15,
		.initial_max_stream_data_bidi_local = 3000,
		.initial_max_stream_data_bidi_remote = 3000,
		.initial_max_stream_data_uni = 3000,
		.initial_max_streams_bidi = 6,
		.initial_max_streams_uni = 6,
	};
	static struct state st;
	struct tern_rcursor c;
	uint8_t b0, op;
	uint64_t err;
	int steps = 0;

	tern_rcursor_init(&c, data, size);
	if (!get8(&c, &b0))
		return 0;
	memset(&st, 0, sizeof(st));
	cfg.is_server = (b0 & 1) != 0;
	if (tern_quic_streams_new(&cfg, &st.m) != 0)
		return 0;
	if ((b0 & 2) == 0)
		(void)tern_quic_streams_set_peer_params(st.m, &pp, &err);

	while (get8(&c, &op) && steps++ < 4096) {
		uint8_t id8 = 0, x8 = 0;
		uint16_t a = 0, b = 0;

		st.now += 1000000;
		switch (op % 16) {
		case 0: { /* STREAM frame from the peer: id, offset, length, fin */
			if (!get8(&c, &id8) || !get16(&c, &a) || !get16(&c, &b) || !get8(&c, &x8))
				goto out;
			b %= sizeof(buf);
			fill(buf, id8, a, b);
			(void)tern_quic_streams_on_stream(st.m, id8, a, buf, b, x8 & 1, &err);
			break;
		}
		case 1: /* RESET_STREAM */
			if (!get8(&c, &id8) || !get16(&c, &a) || !get8(&c, &x8))
				goto out;
			(void)tern_quic_streams_on_reset_stream(st.m, id8, x8, a, &err);
			break;
		case 2: /* STOP_SENDING */
			if (!get8(&c, &id8) || !get8(&c, &x8))
				goto out;
			(void)tern_quic_streams_on_stop_sending(st.m, id8, x8, &err);
			break;
		case 3: /* MAX_STREAM_DATA */
			if (!get8(&c, &id8) || !get16(&c, &a))
				goto out;
			(void)tern_quic_streams_on_max_stream_data(st.m, id8, (uint64_t)a * 4,
								   &err);
			break;
		case 4: /* MAX_STREAMS */
			if (!get8(&c, &x8))
				goto out;
			(void)tern_quic_streams_on_max_streams(
				st.m, x8 & 1, x8 == 0xff ? (UINT64_C(1) << 60) + 1 : x8 >> 1, &err);
			break;
		case 5: /* MAX_DATA */
			if (!get16(&c, &a))
				goto out;
			tern_quic_streams_on_max_data(st.m, (uint64_t)a * 8);
			break;
		case 6: /* application write */
			if (!get8(&c, &id8) || !get16(&c, &a) || !get8(&c, &x8))
				goto out;
			op_app_send(&st, id8, a % 6000, x8 & 1);
			break;
		case 7: /* application read */
			if (!get8(&c, &id8) || !get16(&c, &a))
				goto out;
			op_app_recv(&st, id8, a);
			break;
		case 8: /* shutdown */
			if (!get8(&c, &id8) || !get8(&c, &x8))
				goto out;
			(void)tern_quic_streams_app_shutdown(st.m, id8, x8 & 1, x8 >> 1);
			break;
		case 9: /* priority */
			if (!get8(&c, &id8) || !get8(&c, &x8))
				goto out;
			(void)tern_quic_streams_set_priority(st.m, id8, x8 & 7, (x8 & 8) != 0);
			break;
		case 10: /* send a STREAM frame */
			if (!get16(&c, &a))
				goto out;
			op_emit(&st, a % 2000);
			break;
		case 11: /* ack or lose a STREAM frame sent earlier */
			if (!get8(&c, &x8))
				goto out;
			if (st.nsent != 0) {
				const struct tern_quic_stream_chunk *s =
					&st.sent[(x8 >> 1) % st.nsent];

				if (x8 & 1)
					tern_quic_streams_on_data_acked(st.m, s->id, s->off, s->len,
									s->fin);
				else
					tern_quic_streams_on_data_lost(st.m, s->id, s->off, s->len,
								       s->fin);
			}
			break;
		case 12: /* send a control frame */
			op_ctrl(&st);
			break;
		case 13: /* ack or lose a control frame sent earlier */
			if (!get8(&c, &x8))
				goto out;
			if (st.nctrl != 0) {
				const struct tern_quic_stream_ctrl *f =
					&st.ctrl[(x8 >> 1) % st.nctrl];

				if (x8 & 1)
					tern_quic_streams_ctrl_acked(st.m, f);
				else
					tern_quic_streams_ctrl_lost(st.m, f);
			}
			break;
		case 14:
			op_iterate(&st);
			break;
		default: /* *_BLOCKED, send capacity */
			if (!get8(&c, &id8) || !get8(&c, &x8))
				goto out;
			(void)tern_quic_streams_on_stream_data_blocked(st.m, id8, x8, &err);
			(void)tern_quic_streams_on_streams_blocked(st.m, x8 & 1, x8, &err);
			if (x8 == 0x5a)
				tern_quic_streams_set_send_capacity(st.m, (size_t)id8 * 64);
			break;
		}
	}
out:
	tern_quic_streams_free(st.m);
	return 0;
}
