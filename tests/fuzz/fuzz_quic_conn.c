/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: a whole QUIC connection (include/tern/quic.h) fed
 * arbitrary input, three ways:
 *   byte 0 & 3 == 0: raw datagrams to a fresh server connection;
 *   byte 0 == 3:     an established tern client/server pair (in memory, made
 *                    per input), then each record's bytes as the frames of a
 *                    1-RTT packet protected with the sender's keys, to the
 *                    server (record kind bit 0 clear) or the client (set);
 *   otherwise:       each record's bytes as the frames of a client Initial
 *                    packet (Initial keys of a fixed DCID), padded to 1200,
 *                    to a fresh server: fuzzed frames and CRYPTO data reach
 *                    the frame handlers and the TLS engine.
 * Records: kind (1), length (2, big-endian), bytes. After every record the
 * connections are asked for their datagrams (which must be well-formed
 * enough to split) and their timers are run.
 * Checks beyond "no crash": every call returns a documented value, and a
 * connection that reports a local error is closing or closed.
 *
 * Build: meson with CC=clang -Dfuzz=true (tests/fuzz/fuzz_quic_conn), or the
 * replay driver (any compiler): fuzz_quic_conn_replay.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tern/quic.h>
#include <tern/quic_packet.h>

#include "control/hs_test_util.h"
#include "dataplane/quic/quic_conn_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t DCID[8] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};
static const uint8_t SCID[8] = {1, 2, 3, 4, 5, 6, 7, 8};
static const uint8_t CCID[8] = {9, 10, 11, 12, 13, 14, 15, 16};

static struct tern_crypto_ctx *cctx;
static struct tern_tls_config *stls, *ctls;
static struct tern_quic_config *scfg, *ccfg;
static struct tern_quic_keys *ck, *sk;
static uint64_t now;

static void
setup(void)
{
	static struct hs_test_pki pki;
	const char *alpn[] = {"tern-test"};

	if (cctx != NULL)
		return;
	if (tern_crypto_ctx_create(TERN_CRYPTO_BACKEND_AUTO, &cctx) != 0)
		abort();
	hs_test_make_pki(&pki, "fuzz", "EC-P256", -3600, 86400);
	if (tern_tls_config_new(TERN_TLS_SERVER, &stls) != 0 ||
	    tern_tls_config_load_cert_chain(stls, pki.chain, pki.key) != 0 ||
	    tern_tls_config_new(TERN_TLS_CLIENT, &ctls) != 0 ||
	    tern_tls_config_load_ca_file(ctls, pki.ca) != 0 ||
	    tern_quic_config_new(stls, &scfg) != 0 || tern_quic_config_new(ctls, &ccfg) != 0 ||
	    tern_quic_config_set_application_protos(scfg, alpn, 1) != 0 ||
	    tern_quic_config_set_application_protos(ccfg, alpn, 1) != 0 ||
	    tern_quic_keys_create_initial(cctx, TERN_QUIC_V1, DCID, sizeof(DCID), &ck, &sk) != 0)
		abort();
}

/* Drain a connection's output; each datagram must split. Returns datagrams made. */
static unsigned
drain(struct tern_quic_conn *c, struct tern_quic_conn *to)
{
	uint8_t out[1500];
	struct tern_quic_send_info si;
	struct tern_quic_hdr h[8];
	unsigned n = 0;
	int len;

	while (n < 64 && (len = tern_quic_conn_send(c, out, sizeof(out), &si, now)) > 0) {
		const uint8_t *id;
		size_t idl = tern_quic_conn_destination_id(c, &id);

		if (tern_quic_datagram_split(out, (size_t)len, idl, h, 8) < 1)
			abort();
		if (to != NULL)
			(void)tern_quic_conn_recv(to, out, (size_t)len, NULL, now);
		n++;
	}
	if (n < 64 && len != TERN_QUIC_DONE)
		abort();
	return n;
}

static void
check(const struct tern_quic_conn *c)
{
	if (tern_quic_conn_local_error(c, NULL) && !tern_quic_conn_is_closed(c) &&
	    c->state < CS_CLOSING)
		abort();
}

static void
tick(struct tern_quic_conn *c)
{
	uint64_t t = tern_quic_conn_timeout(c);

	if (t != UINT64_MAX && t <= now + 2000000000ULL) {
		if (t > now)
			now = t;
		tern_quic_conn_on_timeout(c, now);
	}
}

/* A client Initial carrying payload as frames, padded to 1200 bytes. */
static size_t
initial_packet(const uint8_t *payload, size_t len, uint64_t pn, uint8_t *out, size_t cap)
{
	uint8_t hdr[64], frames[1300];
	struct tern_quic_tx_pkt tx;
	struct tern_wcursor w;
	size_t plen;

	if (len > 1100)
		len = 1100;
	memcpy(frames, payload, len);
	plen = len < 1100 ? 1100 : len; /* PADDING up to ~1200 on the wire */
	memset(frames + len, 0, plen - len);
	tern_wcursor_init(&w, hdr, sizeof(hdr));
	tern_wcursor_u8(&w, 0xc3); /* Initial, 4-byte pn */
	tern_wcursor_u32(&w, TERN_QUIC_V1);
	tern_wcursor_u8(&w, sizeof(DCID));
	tern_wcursor_bytes(&w, DCID, sizeof(DCID));
	tern_wcursor_u8(&w, sizeof(CCID));
	tern_wcursor_bytes(&w, CCID, sizeof(CCID));
	tern_wcursor_varint(&w, 0);
	tern_wcursor_varint_n(&w, 4 + plen + TERN_AEAD_TAG_LEN, 2);
	tern_wcursor_u32(&w, (uint32_t)pn);
	memset(&tx, 0, sizeof(tx));
	tx.keys = ck;
	tx.hdr = hdr;
	tx.hdr_len = w.off;
	tx.payload = frames;
	tx.payload_len = plen;
	tx.buf = out;
	tx.cap = cap;
	tx.pn = pn;
	if (tern_quic_protect_burst(cctx, &tx, 1) != 1)
		abort();
	return tx.pkt_len;
}

/* A 1-RTT packet from `from` carrying payload as frames (a peer breaking the rules). */
static size_t
short_packet(struct tern_quic_conn *from, const uint8_t *payload, size_t len, uint8_t *out,
	     size_t cap)
{
	struct conn_space_state *s = &from->sp[SP_APP];
	uint8_t hdr[32];
	struct tern_quic_tx_pkt tx;
	uint64_t pn = s->next_pn++;
	size_t hl;

	if (s->wr == NULL)
		return 0;
	hdr[0] = (uint8_t)(0x40 | (tern_quic_keys_phase(s->wr) << 2) | 3);
	memcpy(hdr + 1, from->dcid, from->dcid_len);
	hl = 1 + from->dcid_len;
	hdr[hl++] = (uint8_t)(pn >> 24);
	hdr[hl++] = (uint8_t)(pn >> 16);
	hdr[hl++] = (uint8_t)(pn >> 8);
	hdr[hl++] = (uint8_t)pn;
	memset(&tx, 0, sizeof(tx));
	tx.keys = s->wr;
	tx.hdr = hdr;
	tx.hdr_len = hl;
	tx.payload = payload;
	tx.payload_len = len;
	tx.buf = out;
	tx.cap = cap;
	tx.pn = pn;
	if (tern_quic_protect_burst(cctx, &tx, 1) != 1)
		return 0;
	return tx.pkt_len;
}

static void
establish(struct tern_quic_conn *c, struct tern_quic_conn *s)
{
	int i;

	for (i = 0;
	     i < 20 && !(tern_quic_conn_is_established(c) && tern_quic_conn_is_established(s));
	     i++) {
		drain(c, s);
		drain(s, c);
		now += 1000000;
	}
	drain(c, s);
	drain(s, c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tern_quic_conn *s = NULL, *c = NULL;
	static uint8_t dgram[2048];
	struct tern_rcursor cur;
	uint8_t mode;
	uint64_t pn = 0;

	setup();
	if (size < 1)
		return 0;
	now = 1000000000ULL;
	mode = data[0];
	tern_rcursor_init(&cur, data + 1, size - 1);
	if (tern_quic_accept(SCID, sizeof(SCID), NULL, 0, NULL, 0, NULL, 0, scfg, cctx, now, &s) !=
	    0)
		abort();
	if (mode == 3) {
		if (tern_quic_connect("localhost", CCID, sizeof(CCID), NULL, 0, NULL, 0, ccfg, cctx,
				      now, &c) != 0)
			abort();
		establish(c, s);
	}
	while (tern_rcursor_left(&cur) > 0) {
		uint8_t kind = 0;
		uint16_t len = 0;
		const uint8_t *p = NULL;
		size_t n, take;
		int rc;

		if (!tern_rcursor_u8(&cur, &kind) || !tern_rcursor_u16(&cur, &len))
			break;
		take = len < tern_rcursor_left(&cur) ? len : tern_rcursor_left(&cur);
		tern_rcursor_view(&cur, take, &p);
		if ((mode & 3) == 0) {
			n = take < sizeof(dgram) ? take : sizeof(dgram);
			memcpy(dgram, p, n);
			rc = tern_quic_conn_recv(s, dgram, n, NULL, now);
		} else if (mode == 3) {
			struct tern_quic_conn *from = (kind & 1) ? s : c, *to = (kind & 1) ? c : s;

			n = short_packet(from, p, take > 1200 ? 1200 : take, dgram, sizeof(dgram));
			rc = n != 0 ? tern_quic_conn_recv(to, dgram, n, NULL, now) : 0;
		} else {
			n = initial_packet(p, take, pn++, dgram, sizeof(dgram));
			rc = tern_quic_conn_recv(s, dgram, n, NULL, now);
		}
		if (rc < 0 && rc != TERN_QUIC_DONE && rc != -TERN_EPROTO)
			abort();
		drain(s, c);
		if (c != NULL)
			drain(c, s);
		check(s);
		if (c != NULL)
			check(c);
		now += (uint64_t)(kind >> 1) * 1000000ULL;
		tick(s);
		if (c != NULL)
			tick(c);
	}
	tern_quic_conn_free(s);
	tern_quic_conn_free(c);
	return 0;
}
