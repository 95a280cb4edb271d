/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: QUIC datagram splitting, header parsing and packet
 * unprotection (dataplane/quic), plus the Retry tag check.
 *
 * Standalone build, from the repository root (clang; no meson needed), as
 * one command line:
 *   clang -g -O1 -std=c11 -fsanitize=fuzzer,address,undefined -DLINUX
 *     -D_GNU_SOURCE -Iinclude -I. tests/fuzz/fuzz_quic_unprotect.c
 *     dataplane/keyschedule.c dataplane/quic/[a-z]*.c crypto-accel/[a-z]*.c
 *     -lIPSec_MB -lcrypto -o fuzz_quic_unprotect
 *   ./fuzz_quic_unprotect -max_len=4096 [corpus_dir]
 * (or configure meson with CC=clang -Dfuzz=true: build-dir/tests/fuzz/fuzz_quic_unprotect)
 * Without libFuzzer (any compiler), link tests/fuzz/replay_main.c instead of
 * -fsanitize=fuzzer; meson builds that as fuzz_quic_unprotect_replay.
 * The backend is AUTO (TERN_CRYPTO_BACKEND=ipsecmb|openssl overrides).
 *
 * Input layout:
 *   byte 0   mode: bit 0 = "protect": the rest is a recipe of packets that
 *            this target builds and protects itself into one datagram, so
 *            that fuzzed input reaches the code after decryption; clear = the
 *            rest is the raw datagram.
 *            bits 1-5: short-header DCID length (% 21) in raw mode.
 *            bit 6: raw mode uses the server's Initial keys, not the client's.
 *   byte 1   raw mode: 1-RTT key set; bit 2: give the other-phase keys too.
 *   rest     raw: the datagram. protect: records, each
 *              kind (1): bits 0-2 key set, bit 3 generation (1-RTT),
 *                        bit 4: header bytes come from the input (no check)
 *              pn (5), largest-acked distance (1), payload length (2),
 *              payload bytes (what is left if fewer);
 *              kind bit 4 only: header length (1) and header bytes.
 *            A 1-RTT record ends the datagram (short headers take the rest).
 *            Bytes after a record whose kind is 0xff are bit flips: pairs
 *            (uint16 position in the datagram, bit index byte).
 * Checks beyond "no crash, no out-of-bounds access": in protect mode without
 * flips or input-made headers, every packet splits, unprotects and equals
 * its plaintext; in any mode, what unprotect reports lies inside the packet.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tern/quic_packet.h>

#include "dataplane/cursor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_DGRAM 4096
#define MAX_PKTS  32

enum key_set {
	KS_INITIAL_V1,
	KS_INITIAL_V2,
	KS_HANDSHAKE,
	KS_0RTT,
	KS_1RTT_AES128,
	KS_1RTT_AES256_V2,
	KS_1RTT_CHACHA,
	KS_COUNT,
};

static const uint8_t fixed_dcid[8] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};
static const uint8_t fixed_scid[4] = {0xf0, 0x67, 0xa5, 0x50};

static struct tern_crypto_ctx *ctx;
/* [set][0]: generation 0 (client direction for Initial), [set][1]: generation 1
 * for 1-RTT, the server direction for Initial. */
static struct tern_quic_keys *keys[KS_COUNT][2];
static struct tern_quic_retry_key *retry_keys[2];

#define FUZZ_ASSERT(c)                                                                             \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #c);  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static void
init_once(void)
{
	static const struct {
		uint32_t version;
		uint16_t suite;
	} spec[KS_COUNT] = {
		[KS_HANDSHAKE] = {TERN_QUIC_V1, TERN_TLS13_AES_256_GCM_SHA384},
		[KS_0RTT] = {TERN_QUIC_V2, TERN_TLS13_AES_128_GCM_SHA256},
		[KS_1RTT_AES128] = {TERN_QUIC_V1, TERN_TLS13_AES_128_GCM_SHA256},
		[KS_1RTT_AES256_V2] = {TERN_QUIC_V2, TERN_TLS13_AES_256_GCM_SHA384},
		[KS_1RTT_CHACHA] = {TERN_QUIC_V1, TERN_TLS13_CHACHA20_POLY1305_SHA256},
	};
	uint8_t secret[48];
	size_t i, j;

	if (ctx != NULL)
		return;
	FUZZ_ASSERT(tern_crypto_ctx_create(TERN_CRYPTO_BACKEND_AUTO, &ctx) == 0);
	FUZZ_ASSERT(tern_quic_keys_create_initial(ctx, TERN_QUIC_V1, fixed_dcid, 8,
						  &keys[KS_INITIAL_V1][0],
						  &keys[KS_INITIAL_V1][1]) == 0);
	FUZZ_ASSERT(tern_quic_keys_create_initial(ctx, TERN_QUIC_V2, fixed_dcid, 8,
						  &keys[KS_INITIAL_V2][0],
						  &keys[KS_INITIAL_V2][1]) == 0);
	for (i = KS_HANDSHAKE; i < KS_COUNT; i++) {
		const struct tern_tls13_suite *s = tern_tls13_suite_get(spec[i].suite);

		for (j = 0; j < sizeof(secret); j++)
			secret[j] = (uint8_t)(i * 17 + j);
		FUZZ_ASSERT(tern_quic_keys_create(ctx, spec[i].version, spec[i].suite, secret,
						  s->hash_len, &keys[i][0]) == 0);
		/* Handshake and 0-RTT keep a NULL [1]: no key phases there. */
		if (i >= KS_1RTT_AES128)
			FUZZ_ASSERT(tern_quic_keys_next(ctx, keys[i][0], &keys[i][1]) == 0);
	}
	FUZZ_ASSERT(tern_quic_retry_key_create(ctx, TERN_QUIC_V1, &retry_keys[0]) == 0);
	FUZZ_ASSERT(tern_quic_retry_key_create(ctx, TERN_QUIC_V2, &retry_keys[1]) == 0);
}

static bool
is_1rtt(enum key_set ks)
{
	return ks >= KS_1RTT_AES128;
}

static enum tern_quic_pkt_type
ks_type(enum key_set ks)
{
	switch (ks) {
	case KS_INITIAL_V1:
	case KS_INITIAL_V2:
		return TERN_QUIC_PKT_INITIAL;
	case KS_HANDSHAKE:
		return TERN_QUIC_PKT_HANDSHAKE;
	case KS_0RTT:
		return TERN_QUIC_PKT_0RTT;
	default:
		return TERN_QUIC_PKT_1RTT;
	}
}

/* What unprotect reported must lie inside the packet it was given. */
static void
check_rx(const struct tern_quic_rx_pkt *rx)
{
	if (rx->status != 0 && !rx->authenticated)
		return;
	FUZZ_ASSERT(rx->pn_len >= 1 && rx->pn_len <= 4);
	FUZZ_ASSERT(rx->pn <= TERN_QUIC_PN_MAX);
	FUZZ_ASSERT(rx->payload >= rx->pkt + rx->pn_offset + rx->pn_len);
	FUZZ_ASSERT(rx->payload + rx->payload_len + TERN_AEAD_TAG_LEN == rx->pkt + rx->pkt_len);
}

/* Raw mode: the input is a datagram from the network. */
static void
run_raw(uint8_t mode, uint8_t sel, const uint8_t *data, size_t size)
{
	struct tern_quic_hdr hdrs[MAX_PKTS];
	struct tern_quic_rx_pkt rx[MAX_PKTS];
	size_t short_dcid_len = (size_t)((mode >> 1) & 0x1f) % (TERN_QUIC_MAX_CID_LEN + 1);
	uint8_t *dgram;
	int n, i, nrx = 0;

	/* an exact-size heap copy: any over-read is an ASan report */
	dgram = malloc(size > 0 ? size : 1);
	FUZZ_ASSERT(dgram != NULL);
	if (size > 0)
		memcpy(dgram, data, size);
	n = tern_quic_datagram_split(size > 0 ? dgram : NULL, size, short_dcid_len, hdrs, MAX_PKTS);
	if (n <= 0) {
		free(dgram);
		return;
	}
	for (i = 0; i < n; i++) {
		const struct tern_quic_hdr *h = &hdrs[i];
		const struct tern_quic_keys *k = NULL, *alt = NULL;
		unsigned dir = (mode >> 6) & 1;

		FUZZ_ASSERT(h->off + h->len <= size && h->len > 0);
		switch (h->type) {
		case TERN_QUIC_PKT_INITIAL:
			k = keys[h->version == TERN_QUIC_V1 ? KS_INITIAL_V1 : KS_INITIAL_V2][dir];
			break;
		case TERN_QUIC_PKT_HANDSHAKE:
			k = keys[KS_HANDSHAKE][0];
			break;
		case TERN_QUIC_PKT_0RTT:
			k = keys[KS_0RTT][0];
			break;
		case TERN_QUIC_PKT_1RTT:
			k = keys[KS_1RTT_AES128 + (sel & 3) % 3][0];
			alt = (sel & 4) ? keys[KS_1RTT_AES128 + (sel & 3) % 3][1] : NULL;
			break;
		case TERN_QUIC_PKT_RETRY:
			(void)tern_quic_retry_verify(ctx, retry_keys[h->version == TERN_QUIC_V2],
						     fixed_dcid, sizeof(fixed_dcid), dgram + h->off,
						     h->len);
			continue;
		default:
			continue; /* Version Negotiation, unknown versions */
		}
		memset(&rx[nrx], 0, sizeof(rx[nrx]));
		tern_quic_rx_pkt_set(&rx[nrx], dgram, h);
		rx[nrx].keys = k;
		rx[nrx].alt_keys = alt;
		rx[nrx].largest_pn = (int64_t)(sel >> 3) * 1000 - 1;
		nrx++;
	}
	if (nrx > 0) {
		uint16_t ok = tern_quic_unprotect_burst(ctx, rx, (uint16_t)nrx);

		for (i = 0; i < nrx; i++)
			check_rx(&rx[i]);
		(void)ok;
	}
	free(dgram);
}

struct recipe {
	enum key_set ks;
	unsigned gen;
	bool raw_hdr;
	uint64_t pn;
	int64_t largest_acked;
	size_t hdr_len, payload_len, off, pkt_len;
	uint8_t hdr[64];
	const uint8_t *payload; /* into the input, or zeros */
};

static const uint8_t zeros[1400];

static size_t
build_hdr(struct recipe *r, size_t pn_len)
{
	const struct tern_quic_keys *k = keys[r->ks][r->gen];
	enum tern_quic_pkt_type type = ks_type(r->ks);
	uint64_t mask = (pn_len == 4) ? 0xffffffffULL : ((1ULL << (8 * pn_len)) - 1);
	struct tern_wcursor w;

	tern_wcursor_init(&w, r->hdr, sizeof(r->hdr));
	if (type == TERN_QUIC_PKT_1RTT) {
		FUZZ_ASSERT(tern_wcursor_u8(
			&w, (uint8_t)(0x40 | tern_quic_keys_phase(k) << 2 | (pn_len - 1))));
		FUZZ_ASSERT(tern_wcursor_bytes(&w, fixed_dcid, sizeof(fixed_dcid)));
	} else {
		uint32_t version = tern_quic_keys_version(k);
		int bits = tern_quic_long_type_bits(version, type);

		FUZZ_ASSERT(bits >= 0);
		FUZZ_ASSERT(tern_wcursor_u8(&w, (uint8_t)(0xc0 | bits << 4 | (pn_len - 1))));
		FUZZ_ASSERT(tern_wcursor_u32(&w, version));
		FUZZ_ASSERT(tern_wcursor_u8(&w, sizeof(fixed_dcid)));
		FUZZ_ASSERT(tern_wcursor_bytes(&w, fixed_dcid, sizeof(fixed_dcid)));
		FUZZ_ASSERT(tern_wcursor_u8(&w, sizeof(fixed_scid)));
		FUZZ_ASSERT(tern_wcursor_bytes(&w, fixed_scid, sizeof(fixed_scid)));
		if (type == TERN_QUIC_PKT_INITIAL)
			FUZZ_ASSERT(tern_wcursor_varint(&w, 0));
		FUZZ_ASSERT(tern_wcursor_varint_n(&w, pn_len + r->payload_len + 16, 2));
	}
	FUZZ_ASSERT(tern_wcursor_uint(&w, pn_len, r->pn & mask));
	return w.off;
}

/* Protect mode: build, protect, maybe flip bits, then split and unprotect. */
static void
run_protect(const uint8_t *data, size_t size)
{
	static struct recipe rec[MAX_PKTS];
	struct tern_quic_tx_pkt tx[MAX_PKTS];
	struct tern_quic_rx_pkt rx[MAX_PKTS];
	struct tern_quic_hdr hdrs[MAX_PKTS];
	struct tern_rcursor c;
	uint8_t *dgram;
	size_t n = 0, i, off = 0, flips = 0;
	bool any_raw = false;
	uint8_t kind = 0;
	int ns;

	dgram = malloc(MAX_DGRAM);
	FUZZ_ASSERT(dgram != NULL);
	tern_rcursor_init(&c, data, size);
	while (n < MAX_PKTS && tern_rcursor_u8(&c, &kind) && kind != 0xff) {
		struct recipe *r = &rec[n];
		uint64_t pn = 0, dist = 0, plen = 0;
		size_t pn_len;
		int l;

		memset(r, 0, sizeof(*r));
		r->ks = (enum key_set)((kind & 7) % KS_COUNT);
		r->gen = is_1rtt(r->ks) ? (kind >> 3) & 1 : 0;
		r->raw_hdr = (kind >> 4) & 1;
		if (!tern_rcursor_uint(&c, 5, &pn) || !tern_rcursor_uint(&c, 1, &dist) ||
		    !tern_rcursor_uint(&c, 2, &plen))
			break;
		r->pn = pn;
		r->largest_acked = (int64_t)pn - 1 - (int64_t)(dist * dist * 97);
		if (r->largest_acked < 0)
			r->largest_acked = -1;
		l = tern_quic_pn_len(r->pn, r->largest_acked);
		FUZZ_ASSERT(l >= 1 && l <= 4);
		pn_len = (size_t)l;
		r->payload_len = (size_t)(plen % 1300);
		if (r->payload_len < 4 - pn_len)
			r->payload_len = 4 - pn_len;
		if (!tern_rcursor_view(&c, r->payload_len, &r->payload))
			r->payload = zeros;
		if (r->raw_hdr) {
			uint8_t hl = 0;
			const uint8_t *hb;

			if (!tern_rcursor_u8(&c, &hl) || !tern_rcursor_view(&c, hl % 64, &hb))
				break;
			memcpy(r->hdr, hb, hl % 64);
			r->hdr_len = hl % 64;
			any_raw = true;
		} else {
			r->hdr_len = build_hdr(r, pn_len);
		}
		if (off + r->hdr_len + r->payload_len + 16 > MAX_DGRAM)
			break;
		memset(&tx[n], 0, sizeof(tx[n]));
		tx[n].keys = keys[r->ks][r->gen];
		tx[n].hdr = r->hdr;
		tx[n].hdr_len = r->hdr_len;
		tx[n].payload = r->payload;
		tx[n].payload_len = r->payload_len;
		tx[n].pn = r->pn;
		tx[n].buf = dgram + off;
		tx[n].cap = MAX_DGRAM - off;
		r->off = off;
		off += r->hdr_len + r->payload_len + 16;
		n++;
		if (is_1rtt(r->ks))
			break;
	}
	if (n == 0) {
		free(dgram);
		return;
	}
	if (tern_quic_protect_burst(ctx, tx, (uint16_t)n) != n) {
		/* only input-made headers may be refused */
		FUZZ_ASSERT(any_raw);
		free(dgram);
		return;
	}
	if (kind == 0xff) {
		uint64_t pos;
		uint8_t bit;

		while (tern_rcursor_uint(&c, 2, &pos) && tern_rcursor_u8(&c, &bit)) {
			dgram[pos % off] ^= (uint8_t)(1u << (bit & 7));
			flips++;
		}
	}

	ns = tern_quic_datagram_split(dgram, off, sizeof(fixed_dcid), hdrs, MAX_PKTS);
	if (!any_raw && flips == 0)
		FUZZ_ASSERT(ns == (int)n);
	if (ns > 0) {
		uint16_t ok;

		for (i = 0; i < (size_t)ns; i++) {
			/* keys of the recipe at the same offset, if any */
			const struct recipe *r = &rec[0];
			size_t j;

			for (j = 0; j < n; j++)
				if (rec[j].off == hdrs[i].off)
					r = &rec[j];
			memset(&rx[i], 0, sizeof(rx[i]));
			tern_quic_rx_pkt_set(&rx[i], dgram, &hdrs[i]);
			rx[i].keys = keys[r->ks][0];
			rx[i].alt_keys = is_1rtt(r->ks) ? keys[r->ks][1] : NULL;
			rx[i].largest_pn = r->largest_acked;
		}
		ok = tern_quic_unprotect_burst(ctx, rx, (uint16_t)ns);
		for (i = 0; i < (size_t)ns; i++)
			check_rx(&rx[i]);
		if (!any_raw && flips == 0) {
			FUZZ_ASSERT(ok == n);
			for (i = 0; i < n; i++) {
				FUZZ_ASSERT(rx[i].pn == rec[i].pn);
				FUZZ_ASSERT(rx[i].payload_len == rec[i].payload_len);
				FUZZ_ASSERT(memcmp(rx[i].payload, rec[i].payload,
						   rec[i].payload_len) == 0);
			}
		}
	}
	free(dgram);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t mode, sel;

	init_once();
	if (size < 2) {
		run_raw(0, 0, data, size);
		return 0;
	}
	mode = data[0];
	sel = data[1];
	if (mode & 1)
		run_protect(data + 2, size - 2);
	else
		run_raw(mode, sel, data + 2, size - 2);
	return 0;
}
