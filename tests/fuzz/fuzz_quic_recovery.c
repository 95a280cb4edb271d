/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: loss recovery and ACK generation driven by what a peer
 * controls - the ACK ranges it sends (any order, any values), the packet
 * numbers that reach the receive tracker - interleaved with our own sends
 * (pn gaps, ACK-only packets), timer expiries and key discards.
 *
 * Standalone build, from the repository root (clang; no meson needed):
 *   clang -g -O1 -std=c11 -fsanitize=fuzzer,address,undefined -DLINUX
 *     -D_GNU_SOURCE -Iinclude -I. tests/fuzz/fuzz_quic_recovery.c
 *     dataplane/quic/quic_{ack,recovery,cc,cc_newreno,cc_cubic,pacer,frame}.c
 *     -o fuzz_quic_recovery
 * (or meson with CC=clang -Dfuzz=true; without libFuzzer meson links
 * tests/fuzz/replay_main.c as fuzz_quic_recovery_replay).
 *
 * Input: byte 0 picks the controller (bit 0) and client/server (bit 1);
 * then operations, each an opcode byte and its operands (see below).
 * Checks beyond "no crash, no UB": bytes in flight always equal what was
 * sent in flight minus what the callbacks reported; no packet is reported
 * twice; every ACK frame the tracker writes parses back (frame parser) to a
 * prefix of the tracker's ranges.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tern/quic_packet.h>

#include "dataplane/cursor.h"
#include "dataplane/quic/quic_ack.h"
#include "dataplane/quic/quic_frame.h"
#include "dataplane/quic/quic_recovery.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct state {
	uint64_t in_flight; /* model of bytes in flight */
	uint64_t reported;  /* packets reported by a callback */
};

static void
report(void *user, enum tern_quic_pn_space space, const struct tern_quic_sent_pkt *pkt)
{
	struct state *st = user;

	(void)space;
	if (pkt->in_flight) {
		if (st->in_flight < pkt->size)
			abort(); /* reported twice or never sent */
		st->in_flight -= pkt->size;
	}
	st->reported++;
}

static uint64_t
take(struct tern_rcursor *c, size_t n)
{
	uint64_t v = 0;

	if (n > tern_rcursor_left(c))
		n = tern_rcursor_left(c);
	if (n > 0)
		tern_rcursor_uint(c, n, &v);
	return v;
}

static void
check_ack_frame(const struct tern_quic_ack_tracker *t, const uint8_t *buf, size_t len)
{
	struct tern_rcursor c;
	struct tern_quic_frame f;
	struct tern_quic_ack_iter it;
	const struct tern_quic_ack_range *r;
	uint64_t err, s, l;
	unsigned n, k = 0;

	r = tern_quic_ack_ranges(t, &n);
	tern_rcursor_init(&c, buf, len);
	if (tern_quic_frame_parse(&c, TERN_QUIC_PKT_1RTT, &f, &err) != 0 ||
	    tern_rcursor_left(&c) != 0)
		abort();
	tern_quic_ack_iter_init(&it, &f.ack);
	while (tern_quic_ack_range_next(&it, &s, &l)) {
		if (k >= n || r[k].smallest != s || r[k].largest != l)
			abort();
		k++;
	}
	if (k == 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tern_rcursor c;
	struct state st = {0, 0};
	struct tern_quic_cc cc;
	struct tern_quic_recovery_config cfg;
	struct tern_quic_recovery_cb cb = {&st, report, report, report};
	struct tern_quic_recovery *r;
	struct tern_quic_ack_tracker trk[TERN_QUIC_PN_SPACE_COUNT];
	uint64_t now = 0, next_pn[TERN_QUIC_PN_SPACE_COUNT] = {0, 0, 0};
	uint8_t mode = 0, op;
	unsigned i;

	tern_rcursor_init(&c, data, size);
	tern_rcursor_u8(&c, &mode);
	memset(&cfg, 0, sizeof(cfg));
	cfg.is_server = (mode & 2) != 0;
	cfg.capacity[TERN_QUIC_PN_APP] = 64; /* small: exercise a full ring */
	if (tern_quic_cc_init(&cc, (mode & 1) ? TERN_QUIC_CC_CUBIC : TERN_QUIC_CC_NEWRENO, 1200))
		abort();
	r = tern_quic_recovery_new(&cfg, &cc, &cb);
	if (r == NULL)
		abort();
	for (i = 0; i < TERN_QUIC_PN_SPACE_COUNT; i++)
		tern_quic_ack_init(&trk[i], (enum tern_quic_pn_space)i, 25000000);

	while (tern_rcursor_u8(&c, &op)) {
		enum tern_quic_pn_space sp = (enum tern_quic_pn_space)((op >> 4) % 3);

		now += take(&c, 1) * 1000000; /* up to 255 ms per operation */
		switch (op & 7) {
		case 0:
		case 1: { /* send: pn gap (1), size (2), flags (in op) */
			struct tern_quic_sent_pkt p;

			memset(&p, 0, sizeof(p));
			p.pn = next_pn[sp] + take(&c, 1) % 4;
			p.size = (uint32_t)take(&c, 2) % 1500 + 1;
			p.ack_eliciting = (op & 8) == 0;
			p.in_flight = p.ack_eliciting || (op & 1);
			p.time_sent = now;
			if (tern_quic_recovery_on_packet_sent(r, sp, &p) == 0) {
				next_pn[sp] = p.pn + 1;
				if (p.in_flight)
					st.in_flight += p.size;
			}
			break;
		}
		case 2: { /* ACK from the peer: count (1), then largest (2), pairs */
			struct tern_quic_ack_range rg[16];
			struct tern_quic_ack_ecn ecn = {0, 0, take(&c, 1)};
			size_t n = take(&c, 1) % 16 + 1, k;

			rg[0].largest = take(&c, 2);
			rg[0].smallest = rg[0].largest - (take(&c, 1) % (rg[0].largest + 1));
			for (k = 1; k < n; k++) {
				uint64_t gap = take(&c, 1), len = take(&c, 1);

				/* unchecked on purpose: recovery must reject bad lists */
				rg[k].largest = rg[k - 1].smallest - gap - 2;
				rg[k].smallest = rg[k].largest - len;
			}
			tern_quic_recovery_on_ack_received(r, sp, rg, n, take(&c, 2) * 1000,
							   (op & 8) ? &ecn : NULL, now);
			break;
		}
		case 3: /* timer */
			if (tern_quic_recovery_timeout(r) != UINT64_MAX) {
				if (tern_quic_recovery_timeout(r) > now && (op & 8))
					now = tern_quic_recovery_timeout(r);
				tern_quic_recovery_on_timeout(r, now);
			}
			break;
		case 4: { /* a packet received from the peer */
			uint64_t pn = take(&c, 2);

			tern_quic_ack_on_pkt_received(&trk[sp], pn, (op & 8) != 0,
						      (enum tern_quic_ecn)(take(&c, 1) & 3), now);
			break;
		}
		case 5: { /* write an ACK frame into a budget (1) */
			uint8_t buf[256];
			struct tern_wcursor w;
			int len;

			tern_wcursor_init(&w, buf, take(&c, 1));
			len = tern_quic_ack_write(&trk[sp], &w, (unsigned)take(&c, 1) % 21, now);
			if (len > 0)
				check_ack_frame(&trk[sp], buf, (size_t)len);
			break;
		}
		case 6: /* our ACK was acknowledged */
			tern_quic_ack_on_ack_acked(&trk[sp], take(&c, 2));
			break;
		default: /* connection events */
			switch (take(&c, 1) % 4) {
			case 0:
				tern_quic_recovery_discard_space(r, sp, now);
				break;
			case 1:
				tern_quic_recovery_set_handshake_confirmed(r, now);
				break;
			case 2:
				tern_quic_recovery_set_handshake_keys(r, now);
				break;
			default:
				tern_quic_recovery_set_amplification_limited(r, (op & 8) != 0, now);
				break;
			}
			break;
		}
		if (tern_quic_cc_bytes_in_flight(&cc) != st.in_flight)
			abort();
	}
	tern_quic_recovery_free(r);
	return 0;
}
