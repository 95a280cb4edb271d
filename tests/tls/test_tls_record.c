/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TLS 1.3 record protection (RFC 8446 5.2-5.5, RFC 8449): seal/open bursts
 * across many connections, checked against an independent EVP reference.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tern/crypto.h>
#include <tern/tls_record.h>

#include "tern_test.h"
#include "tls_test_ref.h"

#define BIG (TERN_TLS_MAX_RECORD + 64)

struct conn {
	enum tern_aead_alg alg;
	uint8_t key[32];
	uint8_t iv[12];
	struct tern_tls_record_state *tx, *rx;
};

static void
conn_open(struct tern_crypto_ctx *ctx, struct conn *c, enum tern_aead_alg alg)
{
	c->alg = alg;
	ref_fill(c->key, sizeof(c->key));
	ref_fill(c->iv, sizeof(c->iv));
	REQUIRE(tern_tls_record_state_create(ctx, alg, c->key, ref_key_len(alg), c->iv, 12,
					     &c->tx) == 0);
	REQUIRE(tern_tls_record_state_create(ctx, alg, c->key, ref_key_len(alg), c->iv, 12,
					     &c->rx) == 0);
}

static void
conn_close(struct conn *c)
{
	tern_tls_record_state_free(c->tx);
	tern_tls_record_state_free(c->rx);
	c->tx = c->rx = NULL;
}

/* A fresh receiving state for conn c (failures are sticky). */
static struct tern_tls_record_state *
fresh_rx(struct tern_crypto_ctx *ctx, const struct conn *c)
{
	struct tern_tls_record_state *s = NULL;

	REQUIRE(tern_tls_record_state_create(ctx, c->alg, c->key, ref_key_len(c->alg), c->iv, 12,
					     &s) == 0);
	return s;
}

/* Open one record with state s; returns the op for inspection. */
static struct tern_tls_open_op
open1(struct tern_crypto_ctx *ctx, struct tern_tls_record_state *s, const uint8_t *rec, size_t len,
      uint8_t *out, size_t cap)
{
	struct tern_tls_open_op op;

	memset(&op, 0, sizeof(op));
	op.state = s;
	op.record = rec;
	op.record_len = (uint32_t)len;
	op.out = out;
	op.out_cap = (uint32_t)cap;
	tern_tls_record_open_burst(ctx, &op, 1);
	return op;
}

static struct tern_tls_seal_op
seal1(struct tern_crypto_ctx *ctx, struct tern_tls_record_state *s, uint8_t type, const uint8_t *pt,
      size_t len, uint8_t *out, size_t cap)
{
	struct tern_tls_seal_op op;

	memset(&op, 0, sizeof(op));
	op.state = s;
	op.content_type = type;
	op.plaintext = pt;
	op.plaintext_len = (uint32_t)len;
	op.out = out;
	op.out_cap = (uint32_t)cap;
	tern_tls_record_seal_burst(ctx, &op, 1);
	return op;
}

static int
all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

/*
 * Round trips: every content type, every AEAD, many connections, several
 * records per connection in one burst; records equal the EVP reference.
 * nops > TERN_TLS_RECORD_BURST_MAX exercises chunking.
 */
static void
roundtrip(struct tern_crypto_ctx *ctx, unsigned nconn, unsigned nops)
{
	static const uint8_t types[3] = {TERN_TLS_CT_ALERT, TERN_TLS_CT_HANDSHAKE,
					 TERN_TLS_CT_APPLICATION_DATA};
	static const uint32_t lens[] = {0, 1, 2, 15, 16, 17, 100, 1000, 4096, 16383, 16384};
	struct conn *conns = calloc(nconn, sizeof(*conns));
	struct tern_tls_seal_op *sops = calloc(nops, sizeof(*sops));
	struct tern_tls_open_op *oops = calloc(nops, sizeof(*oops));
	uint8_t *pt = malloc((size_t)nops * TERN_TLS_MAX_PLAINTEXT);
	uint8_t *rec = malloc((size_t)nops * BIG);
	uint8_t *dec = malloc((size_t)nops * BIG);
	uint8_t *ref = malloc(BIG);
	uint64_t *expect_seq = calloc(nconn, sizeof(uint64_t));
	unsigned i, bad_ref = 0, bad_open = 0;

	REQUIRE(conns && sops && oops && pt && rec && dec && ref && expect_seq);
	for (i = 0; i < nconn; i++)
		conn_open(ctx, &conns[i], ref_algs[i % 3]);
	for (i = 0; i < nops; i++) {
		struct tern_tls_seal_op *op = &sops[i];
		unsigned ci = (i * 7) % nconn;

		op->state = conns[ci].tx;
		op->content_type = types[(i + i / nconn) % 3];
		op->plaintext_len = lens[(i * 5 + i / nconn) % (sizeof(lens) / sizeof(lens[0]))];
		if (op->plaintext_len == 0 && op->content_type != TERN_TLS_CT_APPLICATION_DATA)
			op->plaintext_len = 3;
		op->plaintext = pt + (size_t)i * TERN_TLS_MAX_PLAINTEXT;
		ref_fill((uint8_t *)op->plaintext, op->plaintext_len);
		op->out = rec + (size_t)i * BIG;
		op->out_cap = BIG;
		op->status = 12345;
	}
	CHECK_EQ(tern_tls_record_seal_burst(ctx, sops, (uint16_t)nops), nops);

	for (i = 0; i < nops; i++) {
		struct tern_tls_seal_op *op = &sops[i];
		unsigned ci = (i * 7) % nconn;
		struct conn *c = &conns[ci];
		size_t rl;

		CHECK_EQ(op->status, 0);
		CHECK_EQ(op->seq, expect_seq[ci]);
		CHECK_EQ(op->out_len, 5 + op->plaintext_len + 1 + 16);
		rl = ref_seal(c->alg, c->key, c->iv, expect_seq[ci], op->content_type,
			      op->plaintext, op->plaintext_len, 0, ref);
		if (rl != op->out_len || memcmp(ref, op->out, rl) != 0)
			bad_ref++;
		expect_seq[ci]++;
	}
	CHECK_EQ(bad_ref, 0);
	for (i = 0; i < nconn; i++)
		CHECK_EQ(tern_tls_record_state_seq(conns[i].tx), expect_seq[i]);

	for (i = 0; i < nops; i++) {
		struct tern_tls_open_op *op = &oops[i];

		op->state = conns[(i * 7) % nconn].rx;
		op->record = sops[i].out;
		op->record_len = sops[i].out_len;
		op->out = dec + (size_t)i * BIG;
		op->out_cap = BIG;
	}
	CHECK_EQ(tern_tls_record_open_burst(ctx, oops, (uint16_t)nops), nops);
	for (i = 0; i < nops; i++) {
		struct tern_tls_open_op *op = &oops[i];

		if (op->status != 0 || op->content_type != sops[i].content_type ||
		    op->plaintext_len != sops[i].plaintext_len ||
		    memcmp(op->out, sops[i].plaintext, op->plaintext_len) != 0 ||
		    op->consumed != sops[i].out_len || op->seq != sops[i].seq ||
		    op->alert != TERN_TLS_ALERT_NONE) {
			bad_open++;
			fprintf(stderr, "open %u: status %d type %u len %u\n", i, op->status,
				op->content_type, op->plaintext_len);
		}
	}
	CHECK_EQ(bad_open, 0);
	for (i = 0; i < nconn; i++) {
		CHECK_EQ(tern_tls_record_state_seq(conns[i].rx), expect_seq[i]);
		CHECK_EQ(tern_tls_record_state_error(conns[i].rx, NULL), 0);
	}

	for (i = 0; i < nconn; i++)
		conn_close(&conns[i]);
	free(conns);
	free(sops);
	free(oops);
	free(pt);
	free(rec);
	free(dec);
	free(ref);
	free(expect_seq);
}

/* Same plaintext on one connection: each record gets its own nonce. */
static void
test_nonce_per_record(struct tern_crypto_ctx *ctx)
{
	static uint8_t r[4][128];
	struct tern_tls_seal_op ops[4];
	struct conn a, b;
	uint8_t pt[40];
	int i;

	ref_fill(pt, sizeof(pt));
	conn_open(ctx, &a, TERN_AEAD_AES_128_GCM);
	conn_open(ctx, &b, TERN_AEAD_AES_128_GCM);
	memset(ops, 0, sizeof(ops));
	for (i = 0; i < 4; i++) {
		ops[i].state = i == 2 ? b.tx : a.tx;
		ops[i].content_type = TERN_TLS_CT_APPLICATION_DATA;
		ops[i].plaintext = pt;
		ops[i].plaintext_len = sizeof(pt);
		ops[i].out = r[i];
		ops[i].out_cap = sizeof(r[i]);
	}
	CHECK_EQ(tern_tls_record_seal_burst(ctx, ops, 4), 4);
	CHECK_EQ(ops[0].seq, 0);
	CHECK_EQ(ops[1].seq, 1);
	CHECK_EQ(ops[2].seq, 0);
	CHECK_EQ(ops[3].seq, 2);
	CHECK(memcmp(r[0] + 5, r[1] + 5, sizeof(pt) + 17) != 0);
	CHECK(memcmp(r[1] + 5, r[3] + 5, sizeof(pt) + 17) != 0);
	CHECK(memcmp(r[0] + 5, r[3] + 5, sizeof(pt) + 17) != 0);
	CHECK_EQ(tern_tls_record_state_seq(a.tx), 3);
	CHECK_EQ(tern_tls_record_state_seq(b.tx), 1);
	conn_close(&a);
	conn_close(&b);
}

/* Padding policies, checked against the reference with the same padding. */
static void
test_padding(struct tern_crypto_ctx *ctx)
{
	static const uint32_t lens[] = {0, 1, 30, 31, 32, 63, 64, 100, 199, 255, 256, 1000};
	static uint8_t pt[2000], rec[4096], ref[4096], dec[4096];
	unsigned a, i;

	ref_fill(pt, sizeof(pt));
	for (a = 0; a < 3; a++) {
		struct conn c;
		unsigned bad = 0;

		conn_open(ctx, &c, ref_algs[a]);
		CHECK_EQ(tern_tls_record_state_set_padding(c.tx, TERN_TLS_PAD_MULTIPLE, 0),
			 -TERN_EINVAL);
		CHECK_EQ(tern_tls_record_state_set_padding(c.tx, (enum tern_tls_pad_policy)99, 8),
			 -TERN_EINVAL);
		CHECK_EQ(tern_tls_record_state_set_padding(c.tx, TERN_TLS_PAD_FIXED, 16386),
			 -TERN_EINVAL);
		for (i = 0; i < 3 * sizeof(lens) / sizeof(lens[0]); i++) {
			uint32_t len = lens[i % (sizeof(lens) / sizeof(lens[0]))];
			unsigned pol = (unsigned)(i / (sizeof(lens) / sizeof(lens[0])));
			size_t inner = len + 1, pad, rl;
			struct tern_tls_seal_op s;
			struct tern_tls_open_op o;

			if (pol == 0) {
				CHECK_EQ(tern_tls_record_state_set_padding(
						 c.tx, TERN_TLS_PAD_MULTIPLE, 32),
					 0);
				inner = (inner + 31) / 32 * 32;
			} else if (pol == 1) {
				CHECK_EQ(tern_tls_record_state_set_padding(c.tx, TERN_TLS_PAD_FIXED,
									   256),
					 0);
				inner = inner < 256 ? 256 : inner;
			} else {
				CHECK_EQ(tern_tls_record_state_set_padding(c.tx, TERN_TLS_PAD_NONE,
									   0),
					 0);
			}
			pad = inner - len - 1;
			CHECK_EQ(tern_tls_record_sealed_len(c.tx, len), 5 + inner + 16);
			s = seal1(ctx, c.tx, TERN_TLS_CT_APPLICATION_DATA, pt, len, rec,
				  sizeof(rec));
			CHECK_EQ(s.status, 0);
			CHECK_EQ(s.out_len, 5 + inner + 16);
			rl = ref_seal(c.alg, c.key, c.iv, s.seq, TERN_TLS_CT_APPLICATION_DATA, pt,
				      len, pad, ref);
			if (rl != s.out_len || memcmp(rec, ref, rl) != 0)
				bad++;
			o = open1(ctx, c.rx, rec, s.out_len, dec, sizeof(dec));
			CHECK_EQ(o.status, 0);
			CHECK_EQ(o.plaintext_len, len);
			CHECK_EQ(o.content_type, TERN_TLS_CT_APPLICATION_DATA);
			CHECK_MEM(dec, pt, len);
		}
		CHECK_EQ(bad, 0);

		/* padding stops at the record size limit (RFC 8449 4 counts it) */
		CHECK_EQ(tern_tls_record_state_set_size_limit(c.tx, 200), 0);
		CHECK_EQ(tern_tls_record_state_set_padding(c.tx, TERN_TLS_PAD_FIXED, 256), 0);
		CHECK_EQ(tern_tls_record_sealed_len(c.tx, 10), 5 + 200 + 16);
		CHECK_EQ(tern_tls_record_sealed_len(c.tx, 199), 5 + 200 + 16);
		CHECK_EQ(tern_tls_record_sealed_len(c.tx, 200), 0);
		CHECK_EQ(tern_tls_record_state_set_padding(c.tx, TERN_TLS_PAD_MULTIPLE, 128), 0);
		CHECK_EQ(tern_tls_record_sealed_len(c.tx, 150), 5 + 200 + 16);
		CHECK_EQ(tern_tls_record_sealed_len(c.tx, 100), 5 + 128 + 16);
		CHECK_EQ(tern_tls_record_sealed_len(c.tx, 50), 5 + 128 + 16);
		{
			struct tern_tls_seal_op s =
				seal1(ctx, c.tx, TERN_TLS_CT_HANDSHAKE, pt, 150, rec, sizeof(rec));
			struct tern_tls_open_op o;
			size_t rl;

			CHECK_EQ(s.status, 0);
			CHECK_EQ(s.out_len, 5 + 200 + 16);
			rl = ref_seal(c.alg, c.key, c.iv, s.seq, TERN_TLS_CT_HANDSHAKE, pt, 150,
				      200 - 151, ref);
			CHECK_EQ(rl, s.out_len);
			CHECK_MEM(rec, ref, rl);
			o = open1(ctx, c.rx, rec, s.out_len, dec, sizeof(dec));
			CHECK_EQ(o.status, 0);
			CHECK_EQ(o.plaintext_len, 150);
			CHECK_EQ(o.content_type, TERN_TLS_CT_HANDSHAKE);
		}
		conn_close(&c);
	}
}

/* Sequence numbers never wrap (RFC 8446 5.3). */
static void
test_seq_wrap(struct tern_crypto_ctx *ctx)
{
	static uint8_t rec[3][256], ref[256], dec[256];
	struct tern_tls_seal_op s;
	struct tern_tls_open_op o;
	enum tern_tls_alert alert;
	struct conn c;
	uint8_t pt[20];
	size_t rl;

	ref_fill(pt, sizeof(pt));
	conn_open(ctx, &c, TERN_AEAD_CHACHA20_POLY1305);
	tern_tls_record_state_set_seq(c.tx, UINT64_MAX - 2);
	tern_tls_record_state_set_seq(c.rx, UINT64_MAX - 2);
	CHECK_EQ(tern_tls_record_state_seq(c.tx), UINT64_MAX - 2);

	s = seal1(ctx, c.tx, TERN_TLS_CT_APPLICATION_DATA, pt, sizeof(pt), rec[0], 256);
	CHECK_EQ(s.status, 0);
	CHECK(s.seq == UINT64_MAX - 2);
	rl = ref_seal(c.alg, c.key, c.iv, UINT64_MAX - 2, TERN_TLS_CT_APPLICATION_DATA, pt,
		      sizeof(pt), 0, ref);
	CHECK_EQ(rl, s.out_len);
	CHECK_MEM(ref, rec[0], rl);
	s = seal1(ctx, c.tx, TERN_TLS_CT_APPLICATION_DATA, pt, sizeof(pt), rec[1], 256);
	CHECK_EQ(s.status, 0);
	CHECK(s.seq == UINT64_MAX - 1);
	/* the next increment would wrap: refused, and nothing written */
	memset(rec[2], 0xaa, sizeof(rec[2]));
	s = seal1(ctx, c.tx, TERN_TLS_CT_APPLICATION_DATA, pt, sizeof(pt), rec[2], 256);
	CHECK_EQ(s.status, -TERN_ELIMIT);
	CHECK_EQ(rec[2][0], 0xaa);
	CHECK(tern_tls_record_state_seq(c.tx) == UINT64_MAX);
	s = seal1(ctx, c.tx, TERN_TLS_CT_ALERT, pt, 2, rec[2], 256);
	CHECK_EQ(s.status, -TERN_ELIMIT);
	/* not a failure of the state: a key change makes it usable again */
	CHECK_EQ(tern_tls_record_state_error(c.tx, NULL), 0);

	o = open1(ctx, c.rx, rec[0], 256, dec, sizeof(dec));
	CHECK_EQ(o.status, 0);
	o = open1(ctx, c.rx, rec[1], 256, dec, sizeof(dec));
	CHECK_EQ(o.status, 0);
	CHECK(o.seq == UINT64_MAX - 1);
	/* a peer that keeps sending is refused */
	o = open1(ctx, c.rx, rec[1], 256, dec, sizeof(dec));
	CHECK_EQ(o.status, -TERN_ELIMIT);
	CHECK_EQ(o.alert, TERN_TLS_ALERT_INTERNAL_ERROR);
	CHECK_EQ(tern_tls_record_state_error(c.rx, &alert), -TERN_ELIMIT);
	CHECK_EQ(alert, TERN_TLS_ALERT_INTERNAL_ERROR);

	/* key change: new key + IV, sequence back to 0 */
	ref_fill(c.key, 32);
	ref_fill(c.iv, 12);
	CHECK_EQ(tern_tls_record_state_set_key(c.tx, ctx, c.alg, c.key, 32, c.iv, 12), 0);
	CHECK_EQ(tern_tls_record_state_seq(c.tx), 0);
	s = seal1(ctx, c.tx, TERN_TLS_CT_APPLICATION_DATA, pt, sizeof(pt), rec[2], 256);
	CHECK_EQ(s.status, 0);
	CHECK_EQ(s.seq, 0);
	rl = ref_seal(c.alg, c.key, c.iv, 0, TERN_TLS_CT_APPLICATION_DATA, pt, sizeof(pt), 0, ref);
	CHECK_EQ(rl, s.out_len);
	CHECK_MEM(ref, rec[2], rl);
	conn_close(&c);
}

/* Key change, as KeyUpdate does it; a failed key change keeps the old key. */
static void
test_key_change(struct tern_crypto_ctx *ctx)
{
	static uint8_t rec[4][256], dec[256], ref[256];
	uint8_t k2[32], iv2[12], pt[33];
	struct tern_tls_seal_op s;
	struct tern_tls_open_op o;
	struct conn c;
	int i;

	ref_fill(pt, sizeof(pt));
	conn_open(ctx, &c, TERN_AEAD_AES_256_GCM);
	for (i = 0; i < 3; i++) {
		s = seal1(ctx, c.tx, TERN_TLS_CT_APPLICATION_DATA, pt, sizeof(pt), rec[i], 256);
		CHECK_EQ(s.status, 0);
	}
	ref_fill(k2, sizeof(k2));
	ref_fill(iv2, sizeof(iv2));
	CHECK_EQ(tern_tls_record_state_set_key(c.tx, ctx, TERN_AEAD_AES_256_GCM, k2, 16, iv2, 12),
		 -TERN_EINVAL);
	CHECK_EQ(tern_tls_record_state_set_key(c.tx, ctx, TERN_AEAD_AES_256_GCM, k2, 32, iv2, 8),
		 -TERN_EINVAL);
	CHECK_EQ(tern_tls_record_state_seq(c.tx), 3);
	CHECK_EQ(tern_tls_record_state_set_key(c.tx, ctx, TERN_AEAD_AES_256_GCM, k2, 32, iv2, 12),
		 0);
	CHECK_EQ(tern_tls_record_state_seq(c.tx), 0);
	CHECK_EQ(tern_tls_record_state_alg(c.tx), TERN_AEAD_AES_256_GCM);
	s = seal1(ctx, c.tx, TERN_TLS_CT_HANDSHAKE, pt, sizeof(pt), rec[3], 256);
	CHECK_EQ(s.status, 0);
	CHECK_EQ(ref_seal(TERN_AEAD_AES_256_GCM, k2, iv2, 0, TERN_TLS_CT_HANDSHAKE, pt, sizeof(pt),
			  0, ref),
		 s.out_len);
	CHECK_MEM(ref, rec[3], s.out_len);

	for (i = 0; i < 3; i++) {
		o = open1(ctx, c.rx, rec[i], 256, dec, sizeof(dec));
		CHECK_EQ(o.status, 0);
	}
	CHECK_EQ(tern_tls_record_state_set_key(c.rx, ctx, TERN_AEAD_AES_256_GCM, k2, 32, iv2, 12),
		 0);
	o = open1(ctx, c.rx, rec[3], 256, dec, sizeof(dec));
	CHECK_EQ(o.status, 0);
	CHECK_EQ(o.content_type, TERN_TLS_CT_HANDSHAKE);
	CHECK_MEM(dec, pt, sizeof(pt));
	/* switching the AEAD on a key change (handshake -> application keys) */
	CHECK_EQ(tern_tls_record_state_set_key(c.tx, ctx, TERN_AEAD_CHACHA20_POLY1305, k2, 32, iv2,
					       12),
		 0);
	CHECK_EQ(tern_tls_record_state_alg(c.tx), TERN_AEAD_CHACHA20_POLY1305);
	s = seal1(ctx, c.tx, TERN_TLS_CT_HANDSHAKE, pt, sizeof(pt), rec[3], 256);
	CHECK_EQ(s.status, 0);
	CHECK_EQ(ref_seal(TERN_AEAD_CHACHA20_POLY1305, k2, iv2, 0, TERN_TLS_CT_HANDSHAKE, pt,
			  sizeof(pt), 0, ref),
		 s.out_len);
	CHECK_MEM(ref, rec[3], s.out_len);
	conn_close(&c);
}

/*
 * Tamper with every byte of a record (header, ciphertext, tag): it never
 * opens, the status names the right alert, nothing is released, and the
 * failure sticks.
 */
static void
test_tamper(struct tern_crypto_ctx *ctx)
{
	static const uint8_t masks[3] = {0x01, 0x80, 0xff};
	static uint8_t rec[256], bad[256], dec[256];
	unsigned a, wrong = 0, leaked = 0, unsticky = 0, tries = 0;

	for (a = 0; a < 3; a++) {
		uint8_t pt[40];
		struct tern_tls_seal_op s;
		struct conn c;
		size_t i, m, rl;

		ref_fill(pt, sizeof(pt));
		conn_open(ctx, &c, ref_algs[a]);
		s = seal1(ctx, c.tx, TERN_TLS_CT_APPLICATION_DATA, pt, sizeof(pt), rec,
			  sizeof(rec));
		REQUIRE(s.status == 0);
		rl = s.out_len;
		for (i = 0; i < rl; i++) {
			for (m = 0; m < 3; m++) {
				struct tern_tls_record_state *rx = fresh_rx(ctx, &c);
				struct tern_tls_open_op o;
				int want;
				int want_alert = TERN_TLS_ALERT_BAD_RECORD_MAC;
				size_t newlen;

				memcpy(bad, rec, rl);
				bad[i] ^= masks[m];
				newlen = ((size_t)bad[3] << 8) | bad[4];
				memset(dec, 0x55, sizeof(dec));
				o = open1(ctx, rx, bad, rl, dec, sizeof(dec));
				tries++;
				if (i == 0) {
					want = -TERN_EPROTO;
					want_alert = TERN_TLS_ALERT_UNEXPECTED_MESSAGE;
				} else if ((i == 3 || i == 4) && newlen > 16640) {
					want = -TERN_EPROTO;
					want_alert = TERN_TLS_ALERT_RECORD_OVERFLOW;
				} else if ((i == 3 || i == 4) && newlen > rl - 5) {
					want = -TERN_EAGAIN;
					want_alert = TERN_TLS_ALERT_NONE;
				} else {
					want = -TERN_EBADMSG;
				}
				if (o.status != want || (int)o.alert != want_alert ||
				    (want == -TERN_EAGAIN && o.needed != newlen - (rl - 5))) {
					wrong++;
					fprintf(stderr,
						"%s byte %zu ^%02x: status %d alert %d, want %d "
						"%d\n",
						ref_alg_name(c.alg), i, masks[m], o.status, o.alert,
						want, want_alert);
				}
				/* no plaintext released (dec was 0x55 before) */
				if (want == -TERN_EBADMSG &&
				    !all_zero(dec, newlen > 16 ? newlen - 16 : 0))
					leaked++;
				if (want != -TERN_EAGAIN) {
					enum tern_tls_alert al;
					struct tern_tls_open_op o2;

					o2 = open1(ctx, rx, rec, rl, dec, sizeof(dec));
					if (o2.status != want || (int)o2.alert != want_alert ||
					    tern_tls_record_state_error(rx, &al) != want ||
					    (int)al != want_alert)
						unsticky++;
				} else {
					/* need-more changes nothing: the genuine record opens */
					o = open1(ctx, rx, rec, rl, dec, sizeof(dec));
					if (o.status != 0)
						unsticky++;
				}
				tern_tls_record_state_free(rx);
			}
		}
		conn_close(&c);
	}
	CHECK_EQ(tries, 3 * (5 + 40 + 1 + 16) * 3);
	CHECK_EQ(wrong, 0);
	CHECK_EQ(leaked, 0);
	CHECK_EQ(unsticky, 0);
}

/* Every prefix of a record is "need more", with the exact count. */
static void
test_truncated(struct tern_crypto_ctx *ctx)
{
	static uint8_t rec[2048], dec[2048];
	unsigned a, wrong = 0;

	for (a = 0; a < 3; a++) {
		struct tern_tls_seal_op s;
		struct tern_tls_open_op o;
		struct conn c;
		uint8_t pt[1000];
		size_t i;

		ref_fill(pt, sizeof(pt));
		conn_open(ctx, &c, ref_algs[a]);
		s = seal1(ctx, c.tx, TERN_TLS_CT_HANDSHAKE, pt, sizeof(pt), rec, sizeof(rec));
		REQUIRE(s.status == 0);
		for (i = 0; i < s.out_len; i++) {
			/* an exactly-sized copy: ASan catches any read past i bytes */
			uint8_t *p = malloc(i ? i : 1);

			memcpy(p, rec, i);
			o = open1(ctx, c.rx, p, i, dec, sizeof(dec));
			if (o.status != -TERN_EAGAIN ||
			    o.needed != (i < 5 ? 5 - i : s.out_len - i) || o.consumed != 0)
				wrong++;
			free(p);
		}
		CHECK_EQ(wrong, 0);
		CHECK_EQ(tern_tls_record_state_seq(c.rx), 0);
		CHECK_EQ(tern_tls_record_state_error(c.rx, NULL), 0);
		o = open1(ctx, c.rx, rec, s.out_len, dec, sizeof(dec));
		CHECK_EQ(o.status, 0);
		CHECK_MEM(dec, pt, sizeof(pt));
		conn_close(&c);
	}
}

static void
expect_open(struct tern_crypto_ctx *ctx, const struct conn *c, const uint8_t *rec, size_t len,
	    int status, int alert, const char *what)
{
	static uint8_t dec[TERN_TLS_MAX_RECORD];
	struct tern_tls_record_state *rx = fresh_rx(ctx, c);
	struct tern_tls_open_op o = open1(ctx, rx, rec, len, dec, sizeof(dec));

	if (o.status != status || (int)o.alert != alert)
		fprintf(stderr, "%s (%s): status %d alert %s, want %d %s\n", what,
			ref_alg_name(c->alg), o.status, tern_tls_alert_name(o.alert), status,
			tern_tls_alert_name(alert));
	CHECK_EQ(o.status, status);
	CHECK_EQ(o.alert, alert);
	tern_tls_record_state_free(rx);
}

/* record_overflow: RFC 8446 5.2 and RFC 8449 4, both directions. */
static void
test_overflow(struct tern_crypto_ctx *ctx)
{
	static uint8_t inner[TERN_TLS_MAX_CIPHERTEXT], rec[BIG], dec[BIG];
	unsigned a;

	for (a = 0; a < 3; a++) {
		struct tern_tls_record_state *rx;
		struct tern_tls_seal_op s;
		struct tern_tls_open_op o;
		struct conn c;
		size_t rl;
		const uint8_t hdr[5] = {23, 3, 3, 0x41, 0x01}; /* 2^14 + 257 */

		conn_open(ctx, &c, ref_algs[a]);
		/* too long to be a TLSCiphertext: known from the header alone */
		expect_open(ctx, &c, hdr, 5, -TERN_EPROTO, TERN_TLS_ALERT_RECORD_OVERFLOW,
			    "ciphertext 2^14+257");

		/* TLSInnerPlaintext of 2^14 + 2 (content 2^14 + 1): authentic, still too big */
		ref_fill(inner, sizeof(inner));
		inner[TERN_TLS_MAX_PLAINTEXT + 1] = TERN_TLS_CT_APPLICATION_DATA;
		rl = ref_seal_inner(c.alg, c.key, c.iv, 0, inner, TERN_TLS_MAX_PLAINTEXT + 2, rec);
		REQUIRE(rl == 5 + 16384 + 2 + 16);
		expect_open(ctx, &c, rec, rl, -TERN_EPROTO, TERN_TLS_ALERT_RECORD_OVERFLOW,
			    "inner 2^14+2");
		/* the largest legal record opens */
		inner[TERN_TLS_MAX_PLAINTEXT] = TERN_TLS_CT_APPLICATION_DATA;
		rl = ref_seal_inner(c.alg, c.key, c.iv, 0, inner, TERN_TLS_MAX_PLAINTEXT + 1, rec);
		expect_open(ctx, &c, rec, rl, 0, TERN_TLS_ALERT_NONE, "inner 2^14+1");
		/* largest ciphertext length: allowed by 5.2, but the inner part overflows */
		memset(inner, 0, sizeof(inner));
		inner[0] = TERN_TLS_CT_APPLICATION_DATA;
		rl = ref_seal_inner(c.alg, c.key, c.iv, 0, inner, TERN_TLS_MAX_CIPHERTEXT - 16,
				    rec);
		expect_open(ctx, &c, rec, rl, -TERN_EPROTO, TERN_TLS_ALERT_RECORD_OVERFLOW,
			    "ciphertext 2^14+256");

		/* our own record_size_limit (receiving side): 1000 */
		rx = fresh_rx(ctx, &c);
		CHECK_EQ(tern_tls_record_state_set_size_limit(rx, 1000), 0);
		CHECK_EQ(tern_tls_record_state_size_limit(rx), 1000);
		ref_fill(inner, 999);
		inner[999] = TERN_TLS_CT_HANDSHAKE;
		rl = ref_seal_inner(c.alg, c.key, c.iv, 0, inner, 1000, rec);
		o = open1(ctx, rx, rec, rl, dec, sizeof(dec));
		CHECK_EQ(o.status, 0);
		CHECK_EQ(o.plaintext_len, 999);
		/* 1001 bytes of TLSInnerPlaintext, the last ones padding: still too big */
		memset(inner + 1, 0, 1000);
		inner[0] = TERN_TLS_CT_HANDSHAKE;
		rl = ref_seal_inner(c.alg, c.key, c.iv, 1, inner, 1001, rec);
		o = open1(ctx, rx, rec, rl, dec, sizeof(dec));
		CHECK_EQ(o.status, -TERN_EPROTO);
		CHECK_EQ(o.alert, TERN_TLS_ALERT_RECORD_OVERFLOW);
		tern_tls_record_state_free(rx);

		/* the peer's record_size_limit (sending side): content <= limit - 1 */
		CHECK_EQ(tern_tls_record_state_set_size_limit(c.tx, 63), -TERN_ERANGE);
		CHECK_EQ(tern_tls_record_state_set_size_limit(c.tx, 16386), -TERN_ERANGE);
		CHECK_EQ(tern_tls_record_state_size_limit(c.tx), 16385);
		CHECK_EQ(tern_tls_record_state_max_plaintext(c.tx), 16384);
		CHECK_EQ(tern_tls_record_state_set_size_limit(c.tx, 64), 0);
		CHECK_EQ(tern_tls_record_state_max_plaintext(c.tx), 63);
		s = seal1(ctx, c.tx, TERN_TLS_CT_APPLICATION_DATA, inner, 64, rec, sizeof(rec));
		CHECK_EQ(s.status, -TERN_ERANGE);
		s = seal1(ctx, c.tx, TERN_TLS_CT_APPLICATION_DATA, inner, 63, rec, sizeof(rec));
		CHECK_EQ(s.status, 0);
		CHECK_EQ(s.out_len, 5 + 64 + 16);
		CHECK_EQ(tern_tls_record_state_set_size_limit(c.tx, 16385), 0);
		s = seal1(ctx, c.tx, TERN_TLS_CT_APPLICATION_DATA, inner, 16385, rec, sizeof(rec));
		CHECK_EQ(s.status, -TERN_ERANGE);
		s = seal1(ctx, c.tx, TERN_TLS_CT_APPLICATION_DATA, inner, 16384, rec, sizeof(rec));
		CHECK_EQ(s.status, 0);

		/* both ways: sender limited to 1000 with padding, receiver advertised 1000 */
		rx = fresh_rx(ctx, &c);
		CHECK_EQ(tern_tls_record_state_set_size_limit(rx, 1000), 0);
		CHECK_EQ(tern_tls_record_state_set_key(c.tx, ctx, c.alg, c.key, ref_key_len(c.alg),
						       c.iv, 12),
			 0);
		CHECK_EQ(tern_tls_record_state_set_size_limit(c.tx, 1000), 0);
		CHECK_EQ(tern_tls_record_state_set_padding(c.tx, TERN_TLS_PAD_FIXED, 4096), 0);
		s = seal1(ctx, c.tx, TERN_TLS_CT_APPLICATION_DATA, inner, 999, rec, sizeof(rec));
		CHECK_EQ(s.status, 0);
		CHECK_EQ(s.out_len, 5 + 1000 + 16);
		o = open1(ctx, rx, rec, s.out_len, dec, sizeof(dec));
		CHECK_EQ(o.status, 0);
		s = seal1(ctx, c.tx, TERN_TLS_CT_APPLICATION_DATA, inner, 10, rec, sizeof(rec));
		CHECK_EQ(s.out_len, 5 + 1000 + 16);
		o = open1(ctx, rx, rec, s.out_len, dec, sizeof(dec));
		CHECK_EQ(o.status, 0);
		CHECK_EQ(o.plaintext_len, 10);
		tern_tls_record_state_free(rx);
		conn_close(&c);
	}
}

/* TLSInnerPlaintext that decrypts but is malformed (RFC 8446 5, 5.4). */
static void
test_inner(struct tern_crypto_ctx *ctx)
{
	static const struct {
		const char *what;
		uint8_t inner[8];
		size_t len;
		int status, alert, type;
		size_t pt_len;
	} cases[] = {
		{"all zeros", {0}, 8, -TERN_EPROTO, TERN_TLS_ALERT_UNEXPECTED_MESSAGE, 0, 0},
		{"empty", {0}, 0, -TERN_EPROTO, TERN_TLS_ALERT_UNEXPECTED_MESSAGE, 0, 0},
		{"empty handshake", {22}, 1, -TERN_EPROTO, TERN_TLS_ALERT_UNEXPECTED_MESSAGE, 0, 0},
		{"empty alert, padded",
		 {21, 0, 0},
		 3,
		 -TERN_EPROTO,
		 TERN_TLS_ALERT_UNEXPECTED_MESSAGE,
		 0,
		 0},
		{"empty application_data", {23}, 1, 0, TERN_TLS_ALERT_NONE, 23, 0},
		{"empty application_data, padded",
		 {23, 0, 0, 0, 0},
		 5,
		 0,
		 TERN_TLS_ALERT_NONE,
		 23,
		 0},
		{"protected change_cipher_spec",
		 {1, 20},
		 2,
		 -TERN_EPROTO,
		 TERN_TLS_ALERT_UNEXPECTED_MESSAGE,
		 0,
		 0},
		{"unknown type 24",
		 {'a', 24},
		 2,
		 -TERN_EPROTO,
		 TERN_TLS_ALERT_UNEXPECTED_MESSAGE,
		 0,
		 0},
		{"unknown type 0x42, padded",
		 {'a', 0x42, 0, 0},
		 4,
		 -TERN_EPROTO,
		 TERN_TLS_ALERT_UNEXPECTED_MESSAGE,
		 0,
		 0},
		{"zeros inside content", {0, 0, 22, 0}, 4, 0, TERN_TLS_ALERT_NONE, 22, 2},
		{"alert", {2, 40, 21}, 3, 0, TERN_TLS_ALERT_NONE, 21, 2},
	};
	static uint8_t rec[256], dec[256];
	unsigned a, i;

	for (a = 0; a < 3; a++) {
		struct conn c;

		conn_open(ctx, &c, ref_algs[a]);
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			struct tern_tls_record_state *rx = fresh_rx(ctx, &c);
			struct tern_tls_open_op o;
			size_t rl = ref_seal_inner(c.alg, c.key, c.iv, 0, cases[i].inner,
						   cases[i].len, rec);

			memset(dec, 0x55, sizeof(dec));
			o = open1(ctx, rx, rec, rl, dec, sizeof(dec));
			if (o.status != cases[i].status || (int)o.alert != cases[i].alert)
				fprintf(stderr, "%s (%s): status %d alert %d\n", cases[i].what,
					ref_alg_name(c.alg), o.status, o.alert);
			CHECK_EQ(o.status, cases[i].status);
			CHECK_EQ(o.alert, cases[i].alert);
			if (cases[i].status == 0) {
				CHECK_EQ(o.content_type, cases[i].type);
				CHECK_EQ(o.plaintext_len, cases[i].pt_len);
				CHECK_MEM(dec, cases[i].inner, cases[i].pt_len);
				CHECK_EQ(tern_tls_record_state_seq(rx), 1);
			} else {
				/* the decrypted bytes are not left behind */
				CHECK(all_zero(dec, cases[i].len));
				CHECK_EQ(o.content_type, TERN_TLS_CT_INVALID);
			}
			tern_tls_record_state_free(rx);
		}
		/* shorter than a tag: cannot be deprotected */
		{
			uint8_t shortrec[5 + 15] = {23, 3, 3, 0, 15};

			expect_open(ctx, &c, shortrec, sizeof(shortrec), -TERN_EBADMSG,
				    TERN_TLS_ALERT_BAD_RECORD_MAC, "ciphertext 15 bytes");
			shortrec[4] = 0;
			expect_open(ctx, &c, shortrec, 5, -TERN_EBADMSG,
				    TERN_TLS_ALERT_BAD_RECORD_MAC, "ciphertext 0 bytes");
		}
		conn_close(&c);
	}
}

/* change_cipher_spec compatibility records and other outer types (RFC 8446 5). */
static void
test_ccs(struct tern_crypto_ctx *ctx)
{
	static const uint8_t ccs[6] = {20, 3, 3, 0, 1, 1};
	static const uint8_t ccs_bad_value[6] = {20, 3, 3, 0, 1, 2};
	static const uint8_t ccs_long[7] = {20, 3, 3, 0, 2, 1, 1};
	static const uint8_t hs_plain[9] = {22, 3, 3, 0, 4, 20, 0, 0, 0};
	static const uint8_t alert_plain[7] = {21, 3, 3, 0, 2, 2, 40};
	static uint8_t rec[256], dec[256];
	struct tern_tls_seal_op s;
	struct tern_tls_open_op o;
	struct conn c;
	uint8_t pt[10] = "0123456789";

	conn_open(ctx, &c, TERN_AEAD_AES_128_GCM);
	o = open1(ctx, c.rx, ccs, sizeof(ccs), dec, sizeof(dec));
	CHECK_EQ(o.status, TERN_TLS_OPEN_CCS);
	CHECK_EQ(o.content_type, TERN_TLS_CT_CHANGE_CIPHER_SPEC);
	CHECK_EQ(o.consumed, 6);
	CHECK_EQ(o.alert, TERN_TLS_ALERT_NONE);
	CHECK_EQ(tern_tls_record_state_seq(c.rx), 0);
	o = open1(ctx, c.rx, ccs, 5, dec, sizeof(dec));
	CHECK_EQ(o.status, -TERN_EAGAIN);
	CHECK_EQ(o.needed, 1);
	/* the CCS did not use a sequence number: the first protected record opens */
	s = seal1(ctx, c.tx, TERN_TLS_CT_HANDSHAKE, pt, sizeof(pt), rec, sizeof(rec));
	CHECK_EQ(s.status, 0);
	o = open1(ctx, c.rx, rec, s.out_len, dec, sizeof(dec));
	CHECK_EQ(o.status, 0);
	CHECK_EQ(o.seq, 0);

	expect_open(ctx, &c, ccs_bad_value, sizeof(ccs_bad_value), -TERN_EPROTO,
		    TERN_TLS_ALERT_UNEXPECTED_MESSAGE, "CCS 0x02");
	expect_open(ctx, &c, ccs_long, sizeof(ccs_long), -TERN_EPROTO,
		    TERN_TLS_ALERT_UNEXPECTED_MESSAGE, "CCS of 2 bytes");
	expect_open(ctx, &c, hs_plain, sizeof(hs_plain), -TERN_EPROTO,
		    TERN_TLS_ALERT_UNEXPECTED_MESSAGE, "unprotected handshake");
	expect_open(ctx, &c, alert_plain, sizeof(alert_plain), -TERN_EPROTO,
		    TERN_TLS_ALERT_UNEXPECTED_MESSAGE, "unprotected alert");
	conn_close(&c);
}

/*
 * One burst over two connections where a record of A is forged: the records
 * of A before it open, the ones after it do not (and release nothing), B is
 * unaffected, and A stays failed.
 */
static void
test_burst_failure(struct tern_crypto_ctx *ctx)
{
	static uint8_t rec[5][256], dec[5][256];
	struct tern_tls_open_op ops[5];
	struct tern_tls_seal_op s;
	struct conn a, b;
	enum tern_tls_alert alert;
	uint8_t pt[64];
	int i;

	ref_fill(pt, sizeof(pt));
	conn_open(ctx, &a, TERN_AEAD_AES_128_GCM);
	conn_open(ctx, &b, TERN_AEAD_CHACHA20_POLY1305);
	/* order: A0 B0 A1 B1 A2 */
	for (i = 0; i < 5; i++) {
		s = seal1(ctx, (i % 2) ? b.tx : a.tx, TERN_TLS_CT_APPLICATION_DATA, pt, sizeof(pt),
			  rec[i], 256);
		REQUIRE(s.status == 0);
	}
	rec[2][5 + 64 + 1 + 3] ^= 0x10; /* A1's tag */
	memset(ops, 0, sizeof(ops));
	for (i = 0; i < 5; i++) {
		ops[i].state = (i % 2) ? b.rx : a.rx;
		ops[i].record = rec[i];
		ops[i].record_len = 256;
		ops[i].out = dec[i];
		ops[i].out_cap = 256;
	}
	CHECK_EQ(tern_tls_record_open_burst(ctx, ops, 5), 3);
	CHECK_EQ(ops[0].status, 0);
	CHECK_EQ(ops[1].status, 0);
	CHECK_EQ(ops[2].status, -TERN_EBADMSG);
	CHECK_EQ(ops[2].alert, TERN_TLS_ALERT_BAD_RECORD_MAC);
	CHECK_EQ(ops[3].status, 0);
	CHECK_EQ(ops[4].status, -TERN_EBADMSG);
	CHECK_EQ(ops[4].alert, TERN_TLS_ALERT_BAD_RECORD_MAC);
	CHECK(all_zero(dec[4], 64));
	CHECK_MEM(dec[0], pt, sizeof(pt));
	CHECK_MEM(dec[3], pt, sizeof(pt));
	CHECK_EQ(tern_tls_record_state_error(a.rx, &alert), -TERN_EBADMSG);
	CHECK_EQ(alert, TERN_TLS_ALERT_BAD_RECORD_MAC);
	CHECK_EQ(tern_tls_record_state_error(b.rx, NULL), 0);
	/* later calls: the same error, even for a harmless CCS */
	{
		static const uint8_t ccs[6] = {20, 3, 3, 0, 1, 1};
		struct tern_tls_open_op o = open1(ctx, a.rx, ccs, 6, dec[0], 256);

		CHECK_EQ(o.status, -TERN_EBADMSG);
		CHECK_EQ(o.alert, TERN_TLS_ALERT_BAD_RECORD_MAC);
	}

	/*
	 * A forged record followed by one that fails its header check in the
	 * same burst: both report the first failure in stream order.
	 */
	{
		struct tern_tls_record_state *rx = fresh_rx(ctx, &a);

		rec[4][0] = TERN_TLS_CT_HANDSHAKE;
		memset(ops, 0, sizeof(ops));
		ops[0].state = rx;
		ops[0].record = rec[2];
		ops[1].state = rx;
		ops[1].record = rec[4];
		for (i = 0; i < 2; i++) {
			ops[i].record_len = 256;
			ops[i].out = dec[i];
			ops[i].out_cap = 256;
		}
		CHECK_EQ(tern_tls_record_open_burst(ctx, ops, 2), 0);
		CHECK_EQ(ops[0].status, -TERN_EBADMSG);
		CHECK_EQ(ops[1].status, -TERN_EBADMSG);
		CHECK_EQ(ops[1].alert, TERN_TLS_ALERT_BAD_RECORD_MAC);
		CHECK_EQ(tern_tls_record_state_error(rx, NULL), -TERN_EBADMSG);
		tern_tls_record_state_free(rx);
	}
	conn_close(&a);
	conn_close(&b);
}

/* Records in one buffer, in-place sealing/opening, bad ops. */
static void
test_misc(struct tern_crypto_ctx *ctx)
{
	static uint8_t buf[1024], dec[1024], ref[1024];
	struct tern_tls_seal_op ops[4];
	struct tern_tls_open_op o;
	struct conn c;
	uint8_t pt[100];
	size_t off = 0, rl;
	int i;

	ref_fill(pt, sizeof(pt));
	conn_open(ctx, &c, TERN_AEAD_AES_256_GCM);

	/* seal errors leave the sequence number alone; good ops still seal */
	memset(ops, 0, sizeof(ops));
	for (i = 0; i < 4; i++) {
		ops[i].state = c.tx;
		ops[i].plaintext = pt;
		ops[i].plaintext_len = 10;
		ops[i].content_type = TERN_TLS_CT_HANDSHAKE;
		ops[i].out = buf + 256 * i;
		ops[i].out_cap = 256;
	}
	ops[0].content_type = TERN_TLS_CT_CHANGE_CIPHER_SPEC;
	ops[1].plaintext_len = 0; /* empty handshake (RFC 8446 5.4) */
	ops[2].out_cap = 5 + 10 + 1 + 16 - 1;
	CHECK_EQ(tern_tls_record_seal_burst(ctx, ops, 4), 1);
	CHECK_EQ(ops[0].status, -TERN_EINVAL);
	CHECK_EQ(ops[1].status, -TERN_EINVAL);
	CHECK_EQ(ops[2].status, -TERN_ENOBUFS);
	CHECK_EQ(ops[3].status, 0);
	CHECK_EQ(ops[3].seq, 0);
	ops[0].content_type = TERN_TLS_CT_INVALID;
	ops[1].content_type = 24;
	ops[1].plaintext_len = 10;
	ops[2].state = NULL;
	CHECK_EQ(tern_tls_record_seal_burst(ctx, ops, 3), 0);
	CHECK_EQ(ops[0].status, -TERN_EINVAL);
	CHECK_EQ(ops[1].status, -TERN_EINVAL);
	CHECK_EQ(ops[2].status, -TERN_EINVAL);
	CHECK_EQ(tern_tls_record_state_seq(c.tx), 1);
	CHECK_EQ(tern_tls_record_state_error(c.tx, NULL), 0);
	o = open1(ctx, c.rx, buf + 768, 256, dec, sizeof(dec));
	CHECK_EQ(o.status, 0);
	CHECK_EQ(o.plaintext_len, 10);

	/* three records back to back in one buffer, the content sealed in place */
	for (i = 0; i < 3; i++) {
		struct tern_tls_seal_op s;

		memcpy(buf + off + 5, pt, 30 + i);
		s = seal1(ctx, c.tx, TERN_TLS_CT_APPLICATION_DATA, buf + off + 5, 30 + (size_t)i,
			  buf + off, sizeof(buf) - off);
		CHECK_EQ(s.status, 0);
		rl = ref_seal(c.alg, c.key, c.iv, s.seq, TERN_TLS_CT_APPLICATION_DATA, pt,
			      30 + (size_t)i, 0, ref);
		CHECK_EQ(rl, s.out_len);
		CHECK_MEM(buf + off, ref, rl);
		off += s.out_len;
	}
	/* plaintext overlapping the header: content at the very start of out */
	memcpy(buf + off, pt, 50);
	ops[0] = seal1(ctx, c.tx, TERN_TLS_CT_ALERT, buf + off, 50, buf + off, sizeof(buf) - off);
	CHECK_EQ(ops[0].status, 0);
	rl = ref_seal(c.alg, c.key, c.iv, ops[0].seq, TERN_TLS_CT_ALERT, pt, 50, 0, ref);
	CHECK_MEM(buf + off, ref, rl);
	off += ops[0].out_len;

	{
		size_t pos = 0;

		for (i = 0; i < 4; i++) {
			/* decrypt in place */
			o = open1(ctx, c.rx, buf + pos, off - pos, buf + pos + 5, off - pos - 5);
			CHECK_EQ(o.status, 0);
			CHECK_EQ(o.plaintext_len, i < 3 ? 30 + (uint32_t)i : 50);
			CHECK_MEM(buf + pos + 5, pt, o.plaintext_len);
			pos += o.consumed;
		}
		CHECK_EQ(pos, off);
	}

	/* a too-small output buffer is not a failure of the connection */
	{
		struct tern_tls_seal_op s =
			seal1(ctx, c.tx, TERN_TLS_CT_APPLICATION_DATA, pt, 100, buf, sizeof(buf));

		o = open1(ctx, c.rx, buf, s.out_len, dec, 100);
		CHECK_EQ(o.status, -TERN_ENOBUFS);
		o = open1(ctx, c.rx, buf, s.out_len, dec, 101);
		CHECK_EQ(o.status, 0);
		CHECK_MEM(dec, pt, 100);
	}
	o = open1(ctx, NULL, buf, 10, dec, 100);
	CHECK_EQ(o.status, -TERN_EINVAL);
	conn_close(&c);

	CHECK_EQ(tern_tls_record_state_create(ctx, TERN_AEAD_AES_128_GCM, pt, 32, pt, 12, &c.tx),
		 -TERN_EINVAL);
	CHECK(c.tx == NULL);
	CHECK_EQ(tern_tls_record_state_create(ctx, (enum tern_aead_alg)77, pt, 16, pt, 12, &c.tx),
		 -TERN_EINVAL);
	tern_tls_record_state_free(NULL);
}

static void
run_all(struct tern_crypto_ctx *ctx)
{
	roundtrip(ctx, 24, 48);
	roundtrip(ctx, 9, 150); /* > TERN_TLS_RECORD_BURST_MAX: chunked */
	roundtrip(ctx, 1, 70);	/* one connection, 70 records in a row */
	test_nonce_per_record(ctx);
	test_padding(ctx);
	test_seq_wrap(ctx);
	test_key_change(ctx);
	test_tamper(ctx);
	test_truncated(ctx);
	test_overflow(ctx);
	test_inner(ctx);
	test_ccs(ctx);
	test_burst_failure(ctx);
	test_misc(ctx);
}

int
main(void)
{
	if (ref_for_each_backend(run_all) == 0)
		return tern_test_skip("tls_record", "no crypto backend available");
	return tern_test_done("tls_record");
}
