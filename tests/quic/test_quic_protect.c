/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Burst protect/unprotect properties on the backend named by argv[1]:
 * - random bursts (1..150 packets, so more than one crypto-accel chunk)
 *   mixing versions, levels, cipher suites, key-update generations, header
 *   forms and packet-number lengths round-trip: same pn, same payload;
 * - coalesced datagrams built from protected packets split and unprotect;
 * - every single-bit change of a protected packet fails on its own, inside
 *   a burst where the untouched packet still opens;
 * - key update: the next generation's AEAD key/IV equals the one derived
 *   from the RFC 9001 A.5 "quic ku" secret (compared through the ciphertext),
 *   the header-protection key is kept, the key phase picks the keys;
 * - per-packet statuses: too short to sample, no room, reserved bits set.
 * The PRNG seed is printed; TERN_TEST_SEED overrides it.
 */

#include <stdlib.h>

#include <tern/quic_packet.h>

#include "dataplane/cursor.h"
#include "quic_test_util.h"

#define TEST_NAME      "test_quic_protect"
#define DEFAULT_SEED   0x51c0ffee2025ULL
#define MAX_BURST      150
#define MAX_PKT	       1500
#define ROUNDS	       40
#define CHACHA_TEST_PN 654360564ULL /* RFC 9001 A.5 */

static uint64_t rng_state;

static uint64_t
rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static size_t
rnd_below(size_t n)
{
	return (size_t)(rnd() % n);
}

/* Key sets: [i][0] generation 0, [i][1] generation 1 (1-RTT only). */
enum key_set {
	KS_INITIAL_V1,
	KS_INITIAL_V2,
	KS_HANDSHAKE_AES256,
	KS_0RTT_AES128,
	KS_1RTT_AES128,
	KS_1RTT_AES256_V2,
	KS_1RTT_CHACHA,
	KS_COUNT,
};

static struct tern_quic_keys *keys[KS_COUNT][2];
static const uint8_t conn_dcid[8] = {0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04};
static const uint8_t conn_scid[5] = {0x55, 0x66, 0x77, 0x88, 0x99};

static void
setup_keys(struct tern_crypto_ctx *ctx)
{
	static const struct {
		uint32_t version;
		uint16_t suite;
	} spec[KS_COUNT] = {
		[KS_HANDSHAKE_AES256] = {TERN_QUIC_V1, TERN_TLS13_AES_256_GCM_SHA384},
		[KS_0RTT_AES128] = {TERN_QUIC_V1, TERN_TLS13_AES_128_GCM_SHA256},
		[KS_1RTT_AES128] = {TERN_QUIC_V1, TERN_TLS13_AES_128_GCM_SHA256},
		[KS_1RTT_AES256_V2] = {TERN_QUIC_V2, TERN_TLS13_AES_256_GCM_SHA384},
		[KS_1RTT_CHACHA] = {TERN_QUIC_V1, TERN_TLS13_CHACHA20_POLY1305_SHA256},
	};
	struct tern_quic_keys *unused;
	uint8_t secret[48];
	size_t i, j;

	REQUIRE(tern_quic_keys_create_initial(ctx, TERN_QUIC_V1, conn_dcid, 8,
					      &keys[KS_INITIAL_V1][0], &unused) == 0);
	tern_quic_keys_free(unused);
	REQUIRE(tern_quic_keys_create_initial(ctx, TERN_QUIC_V2, conn_dcid, 8, &unused,
					      &keys[KS_INITIAL_V2][0]) == 0);
	tern_quic_keys_free(unused);
	for (i = KS_HANDSHAKE_AES256; i < KS_COUNT; i++) {
		const struct tern_tls13_suite *s = tern_tls13_suite_get(spec[i].suite);

		REQUIRE(s != NULL);
		for (j = 0; j < sizeof(secret); j++)
			secret[j] = (uint8_t)(i * 31 + j);
		REQUIRE(tern_quic_keys_create(ctx, spec[i].version, spec[i].suite, secret,
					      s->hash_len, &keys[i][0]) == 0);
		REQUIRE(tern_quic_keys_next(ctx, keys[i][0], &keys[i][1]) == 0);
		CHECK_EQ(tern_quic_keys_phase(keys[i][0]), 0);
		CHECK_EQ(tern_quic_keys_phase(keys[i][1]), 1);
		CHECK_EQ(tern_quic_keys_generation(keys[i][1]), 1);
	}
}

static void
free_keys(void)
{
	size_t i;

	for (i = 0; i < KS_COUNT; i++) {
		tern_quic_keys_free(keys[i][0]);
		tern_quic_keys_free(keys[i][1]);
	}
}

static enum tern_quic_pkt_type
key_set_type(enum key_set ks)
{
	switch (ks) {
	case KS_INITIAL_V1:
	case KS_INITIAL_V2:
		return TERN_QUIC_PKT_INITIAL;
	case KS_HANDSHAKE_AES256:
		return TERN_QUIC_PKT_HANDSHAKE;
	case KS_0RTT_AES128:
		return TERN_QUIC_PKT_0RTT;
	default:
		return TERN_QUIC_PKT_1RTT;
	}
}

/* Write the unprotected header; returns its length (pn included). */
static size_t
build_hdr(uint8_t *buf, size_t cap, const struct tern_quic_keys *k, enum tern_quic_pkt_type type,
	  uint64_t pn, size_t pn_len, size_t payload_len, uint8_t extra_bits)
{
	struct tern_wcursor w;
	uint64_t mask = (pn_len == 4) ? 0xffffffffULL : ((1ULL << (8 * pn_len)) - 1);

	tern_wcursor_init(&w, buf, cap);
	if (type == TERN_QUIC_PKT_1RTT) {
		uint8_t b0 = (uint8_t)(0x40 | (tern_quic_keys_phase(k) << 2) | (pn_len - 1));

		REQUIRE(tern_wcursor_u8(&w, b0 | extra_bits));
		REQUIRE(tern_wcursor_bytes(&w, conn_dcid, sizeof(conn_dcid)));
	} else {
		uint32_t version = tern_quic_keys_version(k);
		int bits = tern_quic_long_type_bits(version, type);

		REQUIRE(bits >= 0);
		REQUIRE(tern_wcursor_u8(&w,
					(uint8_t)(0xc0 | bits << 4 | (pn_len - 1) | extra_bits)));
		REQUIRE(tern_wcursor_u32(&w, version));
		REQUIRE(tern_wcursor_u8(&w, sizeof(conn_dcid)));
		REQUIRE(tern_wcursor_bytes(&w, conn_dcid, sizeof(conn_dcid)));
		REQUIRE(tern_wcursor_u8(&w, sizeof(conn_scid)));
		REQUIRE(tern_wcursor_bytes(&w, conn_scid, sizeof(conn_scid)));
		if (type == TERN_QUIC_PKT_INITIAL) {
			REQUIRE(tern_wcursor_varint(&w, 3));
			REQUIRE(tern_wcursor_bytes(&w, "tok", 3));
		}
		/* 2-byte varint Length, as most senders do */
		REQUIRE(tern_wcursor_varint_n(&w, pn_len + payload_len + 16, 2));
	}
	REQUIRE(tern_wcursor_uint(&w, pn_len, pn & mask));
	return w.off;
}

struct pkt {
	enum key_set ks;
	unsigned gen;
	uint64_t pn;
	int64_t largest_acked;
	size_t pn_len, hdr_len, payload_len, pkt_len;
	uint8_t hdr[64];
	uint8_t payload[MAX_PKT];
	uint8_t wire[MAX_PKT + 64];
};

static struct pkt pkts[MAX_BURST];

static void
make_pkt(struct pkt *p)
{
	enum tern_quic_pkt_type type;
	size_t i, min_payload;
	int l;

	p->ks = (enum key_set)rnd_below(KS_COUNT);
	type = key_set_type(p->ks);
	p->gen = (type == TERN_QUIC_PKT_1RTT) ? (unsigned)(rnd() & 1) : 0;
	switch (rnd_below(4)) {
	case 0:
		p->pn = rnd_below(300);
		break;
	case 1:
		p->pn = rnd() & 0xffffffffULL;
		break;
	case 2:
		p->pn = TERN_QUIC_PN_MAX - rnd_below(1000);
		break;
	default:
		p->pn = rnd() & TERN_QUIC_PN_MAX;
		break;
	}
	/* outstanding range: 1..2^24, so every pn length shows up */
	p->largest_acked = (int64_t)p->pn - 1 - (int64_t)(rnd() & ((1ULL << rnd_below(25)) - 1));
	if (p->largest_acked < 0)
		p->largest_acked = -1;
	l = tern_quic_pn_len(p->pn, p->largest_acked);
	REQUIRE(l >= 1 && l <= 4);
	p->pn_len = (size_t)l;
	min_payload = 4 - p->pn_len;
	p->payload_len = min_payload + rnd_below(rnd_below(8) == 0 ? 1400 : 60);
	for (i = 0; i < p->payload_len; i++)
		p->payload[i] = (uint8_t)rnd();
	p->hdr_len = build_hdr(p->hdr, sizeof(p->hdr), keys[p->ks][p->gen], type, p->pn, p->pn_len,
			       p->payload_len, 0);
}

static void
fill_tx(struct tern_quic_tx_pkt *tx, struct pkt *p)
{
	memset(tx, 0, sizeof(*tx));
	tx->keys = keys[p->ks][p->gen];
	tx->hdr = p->hdr;
	tx->hdr_len = p->hdr_len;
	tx->payload = p->payload;
	tx->payload_len = p->payload_len;
	tx->pn = p->pn;
	tx->buf = p->wire;
	tx->cap = sizeof(p->wire);
}

/* Receiver's view: 1-RTT with the generation-0 keys current, gen 1 next. */
static void
fill_rx(struct tern_quic_rx_pkt *rx, const struct pkt *p, uint8_t *buf, size_t len)
{
	struct tern_quic_hdr hdr;

	memset(rx, 0, sizeof(*rx));
	REQUIRE(tern_quic_hdr_parse(buf, len, sizeof(conn_dcid), &hdr) == 0);
	tern_quic_rx_pkt_set(rx, buf, &hdr);
	rx->keys = keys[p->ks][0];
	rx->alt_keys = keys[p->ks][1];
	/* the receiver has seen at least what the sender knows was acked */
	rx->largest_pn = p->largest_acked;
}

static void
test_round_trips(struct tern_crypto_ctx *ctx)
{
	static struct tern_quic_tx_pkt tx[MAX_BURST];
	static struct tern_quic_rx_pkt rx[MAX_BURST];
	size_t round, i, n, bad = 0;

	for (round = 0; round < ROUNDS; round++) {
		n = 1 + rnd_below(MAX_BURST);
		for (i = 0; i < n; i++) {
			make_pkt(&pkts[i]);
			fill_tx(&tx[i], &pkts[i]);
		}
		CHECK_EQ(tern_quic_protect_burst(ctx, tx, (uint16_t)n), n);
		for (i = 0; i < n; i++) {
			struct pkt *p = &pkts[i];

			CHECK_EQ(tx[i].status, 0);
			p->pkt_len = tx[i].pkt_len;
			CHECK_EQ(p->pkt_len, p->hdr_len + p->payload_len + 16);
			/* the payload went out encrypted */
			if (p->payload_len >= 8 &&
			    memcmp(p->wire + p->hdr_len, p->payload, p->payload_len) == 0)
				bad++;
			fill_rx(&rx[i], p, p->wire, p->pkt_len);
		}
		CHECK_EQ(tern_quic_unprotect_burst(ctx, rx, (uint16_t)n), n);
		for (i = 0; i < n; i++) {
			struct pkt *p = &pkts[i];

			if (rx[i].status != 0 || rx[i].pn != p->pn ||
			    rx[i].payload_len != p->payload_len || rx[i].payload == NULL ||
			    memcmp(rx[i].payload, p->payload, p->payload_len) != 0 ||
			    memcmp(p->wire, p->hdr, p->hdr_len) != 0 || rx[i].pn_len != p->pn_len ||
			    (key_set_type(p->ks) == TERN_QUIC_PKT_1RTT &&
			     rx[i].key_phase != p->gen)) {
				if (bad++ < 10)
					fprintf(stderr,
						"round trip mismatch: seed round %zu pkt %zu ks %d "
						"gen %u pn %llu pn_len %zu len %zu status %d pn "
						"%llu\n",
						round, i, (int)p->ks, p->gen,
						(unsigned long long)p->pn, p->pn_len,
						p->payload_len, (int)rx[i].status,
						(unsigned long long)rx[i].pn);
			}
		}
	}
	CHECK_EQ(bad, 0);
}

/* Initial + 0-RTT + Handshake + 1-RTT in one datagram (RFC 9000 12.2). */
static void
test_coalesced(struct tern_crypto_ctx *ctx)
{
	static const enum key_set order[4] = {KS_INITIAL_V1, KS_0RTT_AES128, KS_HANDSHAKE_AES256,
					      KS_1RTT_CHACHA};
	struct tern_quic_tx_pkt tx[4];
	struct tern_quic_rx_pkt rx[4];
	struct tern_quic_hdr hdrs[8];
	uint8_t *dgram;
	size_t i, off = 0;
	int n;

	for (i = 0; i < 4; i++) {
		struct pkt *p = &pkts[i];

		do
			make_pkt(p);
		while (p->payload_len > 200);
		p->ks = order[i];
		p->gen = 0;
		p->hdr_len = build_hdr(p->hdr, sizeof(p->hdr), keys[p->ks][0], key_set_type(p->ks),
				       p->pn, p->pn_len, p->payload_len, 0);
		fill_tx(&tx[i], p);
	}
	CHECK_EQ(tern_quic_protect_burst(ctx, tx, 4), 4);
	dgram = malloc(4 * (MAX_PKT + 64));
	REQUIRE(dgram != NULL);
	for (i = 0; i < 4; i++) {
		memcpy(dgram + off, pkts[i].wire, tx[i].pkt_len);
		off += tx[i].pkt_len;
	}
	n = tern_quic_datagram_split(dgram, off, sizeof(conn_dcid), hdrs, 8);
	CHECK_EQ(n, 4);
	if (n != 4) {
		free(dgram);
		return;
	}
	CHECK_EQ(hdrs[0].type, TERN_QUIC_PKT_INITIAL);
	CHECK_EQ(hdrs[1].type, TERN_QUIC_PKT_0RTT);
	CHECK_EQ(hdrs[2].type, TERN_QUIC_PKT_HANDSHAKE);
	CHECK_EQ(hdrs[3].type, TERN_QUIC_PKT_1RTT);
	CHECK_EQ(hdrs[3].off + hdrs[3].len, off);
	for (i = 0; i < 4; i++) {
		CHECK_EQ(hdrs[i].len, tx[i].pkt_len);
		memset(&rx[i], 0, sizeof(rx[i]));
		tern_quic_rx_pkt_set(&rx[i], dgram, &hdrs[i]);
		rx[i].keys = keys[pkts[i].ks][0];
		rx[i].largest_pn = pkts[i].largest_acked;
	}
	CHECK_EQ(tern_quic_unprotect_burst(ctx, rx, 4), 4);
	for (i = 0; i < 4; i++) {
		CHECK_EQ(rx[i].pn, pkts[i].pn);
		CHECK_EQ(rx[i].payload_len, pkts[i].payload_len);
		if (rx[i].payload != NULL)
			CHECK_MEM(rx[i].payload, pkts[i].payload, pkts[i].payload_len);
	}
	free(dgram);
}

/* Every single-bit flip fails, each in its own packet of one burst. */
static void
tamper_one(struct tern_crypto_ctx *ctx, enum key_set ks, unsigned gen, size_t payload_len)
{
	static struct tern_quic_rx_pkt rx[1 + 8 * 200];
	static uint8_t copies[1 + 8 * 200][200];
	struct tern_quic_tx_pkt tx;
	struct pkt *p = &pkts[0];
	size_t i, n = 0, bit, accepted = 0, parsed = 0;
	uint16_t ok;

	p->ks = ks;
	p->gen = gen;
	p->pn = 0x12345678;
	p->largest_acked = 0x12345600;
	p->pn_len = 2;
	p->payload_len = payload_len;
	for (i = 0; i < payload_len; i++)
		p->payload[i] = (uint8_t)(i * 7);
	p->hdr_len = build_hdr(p->hdr, sizeof(p->hdr), keys[ks][gen], key_set_type(ks), p->pn,
			       p->pn_len, p->payload_len, 0);
	fill_tx(&tx, p);
	REQUIRE(tern_quic_protect_burst(ctx, &tx, 1) == 1);
	REQUIRE(tx.pkt_len <= sizeof(copies[0]));

	for (i = 0; i <= tx.pkt_len * 8; i++) {
		struct tern_quic_hdr hdr;

		memcpy(copies[n], p->wire, tx.pkt_len);
		if (i > 0) {
			bit = i - 1;
			copies[n][bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
		/* a flip that breaks the header is rejected by the parser */
		if (tern_quic_hdr_parse(copies[n], tx.pkt_len, sizeof(conn_dcid), &hdr) != 0)
			continue;
		parsed++;
		memset(&rx[n], 0, sizeof(rx[n]));
		tern_quic_rx_pkt_set(&rx[n], copies[n], &hdr);
		rx[n].keys = keys[ks][0];
		rx[n].alt_keys = keys[ks][1];
		rx[n].largest_pn = p->largest_acked;
		n++;
	}
	REQUIRE(n >= 1);
	ok = tern_quic_unprotect_burst(ctx, rx, (uint16_t)n);
	CHECK_EQ(rx[0].status, 0); /* the untouched packet */
	if (rx[0].payload != NULL)
		CHECK_MEM(rx[0].payload, p->payload, payload_len);
	for (i = 1; i < n; i++)
		if (rx[i].status == 0)
			accepted++;
	CHECK_EQ(ok, 1);
	CHECK_EQ(accepted, 0);
	/* most flips parse and so really went through unprotect */
	CHECK(parsed > tx.pkt_len * 4);
}

static void
test_tamper(struct tern_crypto_ctx *ctx)
{
	tamper_one(ctx, KS_INITIAL_V1, 0, 40);
	tamper_one(ctx, KS_INITIAL_V2, 0, 2);
	tamper_one(ctx, KS_HANDSHAKE_AES256, 0, 25);
	tamper_one(ctx, KS_1RTT_CHACHA, 1, 30);
	tamper_one(ctx, KS_1RTT_AES128, 0, 2);
	tamper_one(ctx, KS_1RTT_AES256_V2, 1, 50);
}

/* RFC 9001 A.5: next generation == keys from the "quic ku" secret. */
static void
test_key_update(struct tern_crypto_ctx *ctx)
{
	static const char secret_hex[] =
		"9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b";
	static const char ku_hex[] =
		"1223504755036d556342ee9361d253421a826c9ecdf3c7148684b36b714881f9";
	struct tern_quic_keys *g0, *g1, *g2, *from_ku;
	struct tern_quic_tx_pkt tx[2];
	struct tern_quic_rx_pkt rx;
	uint8_t secret[32], ku[32], hdr[2][8], out[2][64], payload[20];
	size_t i;

	REQUIRE(quic_unhex(secret_hex, secret, 32) == 32);
	REQUIRE(quic_unhex(ku_hex, ku, 32) == 32);
	REQUIRE(tern_quic_keys_create(ctx, TERN_QUIC_V1, TERN_TLS13_CHACHA20_POLY1305_SHA256,
				      secret, 32, &g0) == 0);
	REQUIRE(tern_quic_keys_next(ctx, g0, &g1) == 0);
	REQUIRE(tern_quic_keys_next(ctx, g1, &g2) == 0);
	REQUIRE(tern_quic_keys_create(ctx, TERN_QUIC_V1, TERN_TLS13_CHACHA20_POLY1305_SHA256, ku,
				      32, &from_ku) == 0);
	CHECK_EQ(tern_quic_keys_phase(g2), 0);
	CHECK_EQ(tern_quic_keys_generation(g2), 2);

	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(0xa0 + i);
	/* short header, empty DCID, 3-byte pn; key phase 1 for g1, 0 for ku */
	memcpy(hdr[0], "\x46\x00\xbf\xf4", 4);
	memcpy(hdr[1], "\x42\x00\xbf\xf4", 4);
	memset(tx, 0, sizeof(tx));
	for (i = 0; i < 2; i++) {
		tx[i].keys = i == 0 ? g1 : from_ku;
		tx[i].hdr = hdr[i];
		tx[i].hdr_len = 4;
		tx[i].payload = payload;
		tx[i].payload_len = sizeof(payload);
		tx[i].pn = CHACHA_TEST_PN;
		tx[i].buf = out[i];
		tx[i].cap = sizeof(out[i]);
	}
	CHECK_EQ(tern_quic_protect_burst(ctx, tx, 2), 2);
	/* same AEAD key and IV: same ciphertext (the tags differ: AAD does) */
	CHECK_MEM(out[0] + 4, out[1] + 4, sizeof(payload));

	/* g1's packet: header protection of g0 (kept), AEAD of g1 via phase */
	memset(&rx, 0, sizeof(rx));
	rx.keys = g0;
	rx.alt_keys = g1;
	rx.pkt = out[0];
	rx.pkt_len = tx[0].pkt_len;
	rx.pn_offset = 1;
	rx.largest_pn = (int64_t)CHACHA_TEST_PN - 10;
	CHECK_EQ(tern_quic_unprotect_burst(ctx, &rx, 1), 1);
	CHECK_EQ(rx.key_phase, 1);
	CHECK_EQ(rx.pn, CHACHA_TEST_PN);
	CHECK_MEM(rx.payload, payload, sizeof(payload));

	/* phase 1 with no keys for it: dropped as unauthenticated */
	tx[0].keys = g1;
	CHECK_EQ(tern_quic_protect_burst(ctx, tx, 1), 1);
	rx.alt_keys = NULL;
	CHECK_EQ(tern_quic_unprotect_burst(ctx, &rx, 1), 0);
	CHECK_EQ(rx.status, -TERN_EBADMSG);
	CHECK_EQ(rx.key_phase, 1);
	CHECK(!rx.authenticated);

	/* g2 (phase 0 again) current, g1 the other phase */
	tx[0].keys = g1;
	CHECK_EQ(tern_quic_protect_burst(ctx, tx, 1), 1);
	rx.keys = g2;
	rx.alt_keys = g1;
	CHECK_EQ(tern_quic_unprotect_burst(ctx, &rx, 1), 1);

	/*
	 * g1 current with g0 kept and g2 ready: the packet number picks the
	 * generation of an other-phase packet (RFC 9001 6.5), so a late g0
	 * packet and the peer's g2 update both open, and the wrong pick fails.
	 */
	tx[1].hdr = hdr[1]; /* phase 0 */
	rx.keys = g1;
	rx.alt_keys = g2;
	rx.prev_keys = g0;
	for (i = 0; i < 4; i++) {
		bool late_pkt = i < 2, below = i % 2 == 0;

		tx[1].keys = late_pkt ? g0 : g2;
		CHECK_EQ(tern_quic_protect_burst(ctx, &tx[1], 1), 1);
		rx.pkt = out[1];
		rx.pkt_len = tx[1].pkt_len;
		rx.phase_start_pn = below ? CHACHA_TEST_PN + 1 : CHACHA_TEST_PN;
		CHECK_EQ(tern_quic_unprotect_burst(ctx, &rx, 1), late_pkt == below ? 1 : 0);
		CHECK_EQ(rx.key_phase, 0);
		if (late_pkt == below)
			CHECK_MEM(rx.payload, payload, sizeof(payload));
		else
			CHECK_EQ(rx.status, -TERN_EBADMSG);
	}

	tern_quic_keys_free(g0);
	tern_quic_keys_free(g1);
	tern_quic_keys_free(g2);
	tern_quic_keys_free(from_ku);
}

static void
test_statuses(struct tern_crypto_ctx *ctx)
{
	struct tern_quic_tx_pkt tx[6];
	struct tern_quic_rx_pkt rx[4];
	uint8_t out[6][128], payload[40], hdr[64], reserved_hdr[64], *short_pkt;
	size_t hdr_len, reserved_len, short_len, i;

	memset(payload, 0x33, sizeof(payload));
	hdr_len = build_hdr(hdr, sizeof(hdr), keys[KS_1RTT_AES128][0], TERN_QUIC_PKT_1RTT, 5, 1,
			    sizeof(payload), 0);
	reserved_len = build_hdr(reserved_hdr, sizeof(reserved_hdr), keys[KS_INITIAL_V1][0],
				 TERN_QUIC_PKT_INITIAL, 5, 1, sizeof(payload), 0x08);
	memset(tx, 0, sizeof(tx));
	for (i = 0; i < 6; i++) {
		tx[i].keys = keys[KS_1RTT_AES128][0];
		tx[i].hdr = hdr;
		tx[i].hdr_len = hdr_len;
		tx[i].payload = payload;
		tx[i].payload_len = sizeof(payload);
		tx[i].pn = 5;
		tx[i].buf = out[i];
		tx[i].cap = sizeof(out[i]);
	}
	tx[1].cap = hdr_len + sizeof(payload) + 15; /* one byte short */
	tx[2].payload_len = 2;			    /* pn 1 byte + 2 < 4: cannot sample */
	tx[3].keys = NULL;
	tx[4].hdr_len = 1; /* no room for the pn the first byte announces */
	tx[5].keys = keys[KS_INITIAL_V1][0];
	tx[5].hdr = reserved_hdr;
	tx[5].hdr_len = reserved_len;
	CHECK_EQ(tern_quic_protect_burst(ctx, tx, 6), 2);
	CHECK_EQ(tx[0].status, 0);
	CHECK_EQ(tx[1].status, -TERN_ENOBUFS);
	CHECK_EQ(tx[2].status, -TERN_ERANGE);
	CHECK_EQ(tx[3].status, -TERN_EINVAL);
	CHECK_EQ(tx[4].status, -TERN_EINVAL);
	CHECK_EQ(tx[5].status, 0);
	CHECK_EQ(tx[1].pkt_len, 0);

	/* rx: good; too short to sample; reserved bits; NULL keys */
	short_len = (1 + sizeof(conn_dcid)) + 4 + 16 - 1; /* pn_offset + 4 + 16 - 1 */
	short_pkt = malloc(short_len);
	REQUIRE(short_pkt != NULL);
	memcpy(short_pkt, out[0], short_len);
	memset(rx, 0, sizeof(rx));
	for (i = 0; i < 4; i++) {
		rx[i].keys = keys[KS_1RTT_AES128][0];
		rx[i].pkt = out[0];
		rx[i].pkt_len = tx[0].pkt_len;
		rx[i].pn_offset = 1 + sizeof(conn_dcid);
		rx[i].largest_pn = 3;
	}
	rx[1].pkt = short_pkt;
	rx[1].pkt_len = short_len;
	rx[2].keys = keys[KS_INITIAL_V1][0];
	rx[2].pkt = out[5];
	rx[2].pkt_len = tx[5].pkt_len;
	rx[2].pn_offset = reserved_len - 1;
	rx[3].keys = NULL;
	CHECK_EQ(tern_quic_unprotect_burst(ctx, rx, 4), 1);
	CHECK_EQ(rx[0].status, 0);
	CHECK_EQ(rx[0].pn, 5);
	CHECK_EQ(rx[1].status, -TERN_EPROTO);
	CHECK(!rx[1].authenticated);
	CHECK_EQ(rx[2].status, -TERN_EPROTO);
	CHECK(rx[2].authenticated);
	CHECK_EQ(rx[2].first_byte & 0x0c, 0x08);
	CHECK_EQ(rx[3].status, -TERN_EINVAL);
	free(short_pkt);

	CHECK_EQ(tern_quic_protect_burst(NULL, tx, 1), 0);
	CHECK_EQ(tx[0].status, -TERN_EINVAL);
	CHECK_EQ(tern_quic_unprotect_burst(ctx, rx, 0), 0);
}

static void
test_keys_api(struct tern_crypto_ctx *ctx)
{
	struct tern_quic_keys *k = (struct tern_quic_keys *)1, *c, *s;
	uint8_t secret[48] = {0};

	CHECK_EQ(tern_quic_keys_create(ctx, TERN_QUIC_V1, 0x1304, secret, 32, &k), -TERN_EINVAL);
	CHECK(k == NULL);
	CHECK_EQ(tern_quic_keys_create(ctx, TERN_QUIC_V1, 0x1302, secret, 32, &k), -TERN_EINVAL);
	CHECK_EQ(tern_quic_keys_create(ctx, 0x0a0a0a0a, 0x1301, secret, 32, &k), -TERN_EINVAL);
	CHECK_EQ(tern_quic_keys_create(NULL, TERN_QUIC_V1, 0x1301, secret, 32, &k), -TERN_EINVAL);
	CHECK_EQ(tern_quic_keys_create_initial(ctx, TERN_QUIC_V1, secret, 21, &c, &s),
		 -TERN_EINVAL);
	CHECK(c == NULL && s == NULL);
	CHECK_EQ(tern_quic_keys_next(ctx, NULL, &k), -TERN_EINVAL);
	tern_quic_keys_free(NULL);
	tern_quic_retry_key_free(NULL);
}

int
main(int argc, char **argv)
{
	struct tern_crypto_ctx *ctx;
	const char *env = getenv("TERN_TEST_SEED");
	int rc;

	rc = quic_test_ctx(argc, argv, TEST_NAME, &ctx);
	if (rc != 0)
		return rc;
	rng_state = env != NULL ? strtoull(env, NULL, 0) : DEFAULT_SEED;
	if (rng_state == 0)
		rng_state = DEFAULT_SEED;
	printf("%s: seed 0x%llx\n", TEST_NAME, (unsigned long long)rng_state);

	setup_keys(ctx);
	test_round_trips(ctx);
	test_coalesced(ctx);
	test_tamper(ctx);
	test_key_update(ctx);
	test_statuses(ctx);
	test_keys_api(ctx);
	free_keys();
	tern_crypto_ctx_free(ctx);
	return tern_test_done(TEST_NAME);
}
