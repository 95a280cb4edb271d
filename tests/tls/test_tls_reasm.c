/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TLS record reassembly from a byte stream: every split position, byte by
 * byte, the largest record, header errors, and many interleaved
 * connections opened in bursts. Every piece fed to the reassembler is an
 * exactly-sized heap copy, so ASan reports any read past what it was given.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tern/crypto.h>
#include <tern/tls_record.h>

#include "tern_test.h"
#include "tls_test_ref.h"

#define MAX_RECS 16

struct stream {
	uint8_t *buf;
	size_t len;
	size_t nrec;
	size_t off[MAX_RECS], rlen[MAX_RECS];
};

static void
stream_add(struct stream *s, const uint8_t *rec, size_t len)
{
	REQUIRE(s->nrec < MAX_RECS);
	s->buf = realloc(s->buf, s->len + len);
	REQUIRE(s->buf != NULL);
	memcpy(s->buf + s->len, rec, len);
	s->off[s->nrec] = s->len;
	s->rlen[s->nrec] = len;
	s->nrec++;
	s->len += len;
}

/* An unprotected record with a random body (framing only). */
static void
stream_add_plain(struct stream *s, uint8_t type, size_t len)
{
	uint8_t *r = malloc(5 + len);

	r[0] = type;
	r[1] = 3;
	r[2] = 3;
	r[3] = (uint8_t)(len >> 8);
	r[4] = (uint8_t)len;
	ref_fill(r + 5, len);
	stream_add(s, r, 5 + len);
	free(r);
}

/*
 * Feed piece [from, to) of s (as its own heap copy) into r, collecting
 * records into got[] (copied: a record inside the reassembler lives until
 * the next call). Returns the last status.
 */
static int
feed(struct tern_tls_reasm *r, const struct stream *s, size_t from, size_t to, uint8_t **got,
     size_t *got_len, size_t *ngot, size_t *last_needed)
{
	size_t n = to - from;
	uint8_t *piece = malloc(n ? n : 1);
	size_t pos = 0;
	int rc = -TERN_EAGAIN;

	memcpy(piece, s->buf + from, n);
	for (;;) {
		struct tern_tls_reasm_result res;

		rc = tern_tls_reasm_next(r, piece + pos, n - pos, &res);
		if (res.consumed > n - pos) {
			fprintf(stderr, "consumed %zu of %zu\n", res.consumed, n - pos);
			rc = -TERN_EINTERNAL;
			break;
		}
		pos += res.consumed;
		if (rc != 0) {
			*last_needed = res.needed;
			break;
		}
		REQUIRE(*ngot < MAX_RECS);
		got[*ngot] = malloc(res.record_len);
		memcpy(got[*ngot], res.record, res.record_len);
		got_len[*ngot] = res.record_len;
		(*ngot)++;
		if (pos == n) {
			*last_needed = 0;
			rc = -TERN_EAGAIN;
			break;
		}
	}
	free(piece);
	return rc;
}

static int
same_records(const struct stream *s, uint8_t **got, const size_t *got_len, size_t ngot)
{
	size_t i;
	int ok = ngot == s->nrec;

	for (i = 0; i < ngot; i++) {
		if (ok &&
		    (got_len[i] != s->rlen[i] || memcmp(got[i], s->buf + s->off[i], got_len[i])))
			ok = 0;
		free(got[i]);
	}
	return ok;
}

/* Within 6 bytes of a record boundary (header edges included)? */
static int
near_boundary(const struct stream *s, size_t p)
{
	size_t i;

	for (i = 0; i <= s->nrec; i++) {
		size_t b = i < s->nrec ? s->off[i] : s->len;

		if (p + 6 >= b && p <= b + 6 + 5)
			return 1;
	}
	return 0;
}

/*
 * Split the stream into two pieces at every byte position (step 1), or at
 * every step-th position plus every position near a record boundary.
 */
static void
check_every_split(const struct stream *s, size_t step)
{
	struct tern_tls_reasm *r;
	size_t p, bad = 0, runs = 0;

	REQUIRE(tern_tls_reasm_create(&r) == 0);
	for (p = 0; p <= s->len; p++) {
		uint8_t *got[MAX_RECS];
		size_t got_len[MAX_RECS], ngot = 0, needed;
		int rc1, rc2;

		if (step != 1 && p % step != 0 && !near_boundary(s, p))
			continue;
		tern_tls_reasm_reset(r);
		rc1 = feed(r, s, 0, p, got, got_len, &ngot, &needed);
		rc2 = feed(r, s, p, s->len, got, got_len, &ngot, &needed);
		if (rc1 != -TERN_EAGAIN || rc2 != -TERN_EAGAIN ||
		    !same_records(s, got, got_len, ngot) || tern_tls_reasm_buffered(r) != 0 ||
		    /* an empty last piece: waiting for the next header */
		    needed != (p == s->len ? 5u : 0u)) {
			bad++;
			fprintf(stderr, "split at %zu: rc %d %d\n", p, rc1, rc2);
		}
		runs++;
	}
	CHECK_EQ(bad, 0);
	CHECK(runs > 0);
	tern_tls_reasm_free(r);
}

/* Byte by byte, checking the "needed" count after each byte. */
static void
check_byte_by_byte(const struct stream *s)
{
	struct tern_tls_reasm *r;
	uint8_t *got[MAX_RECS];
	size_t got_len[MAX_RECS], ngot = 0, p, rec = 0, bad = 0;

	REQUIRE(tern_tls_reasm_create(&r) == 0);
	for (p = 0; p < s->len; p++) {
		size_t needed = 0, into, want;
		int rc = feed(r, s, p, p + 1, got, got_len, &ngot, &needed);

		while (rec < s->nrec && p + 1 >= s->off[rec] + s->rlen[rec])
			rec++;
		if (rc != -TERN_EAGAIN) {
			bad++;
			continue;
		}
		if (rec == s->nrec)
			break;
		into = p + 1 - s->off[rec]; /* bytes of record `rec` fed so far */
		if (ngot == rec && into == 0)
			want = 0; /* a record just completed */
		else
			want = into < 5 ? 5 - into : s->rlen[rec] - into;
		if (needed != want || ngot != rec) {
			bad++;
			fprintf(stderr, "byte %zu: needed %zu want %zu, got %zu records want %zu\n",
				p, needed, want, ngot, rec);
		}
		if (tern_tls_reasm_buffered(r) != (ngot == rec ? into : 0))
			bad++;
	}
	CHECK_EQ(bad, 0);
	CHECK(same_records(s, got, got_len, ngot));
	tern_tls_reasm_free(r);
}

static void
test_framing(void)
{
	struct stream s = {0};
	static const uint8_t ccs[6] = {20, 3, 3, 0, 1, 1};

	stream_add(&s, ccs, sizeof(ccs));
	stream_add_plain(&s, 22, 50);
	stream_add_plain(&s, 21, 0);
	stream_add_plain(&s, 23, 17);
	stream_add_plain(&s, 23, 0);
	stream_add_plain(&s, 22, 300);
	stream_add_plain(&s, 21, 2);
	stream_add_plain(&s, 23, 600);
	check_every_split(&s, 1);
	check_byte_by_byte(&s);
	free(s.buf);

	/* the largest records each type may carry fill the buffer exactly */
	memset(&s, 0, sizeof(s));
	stream_add_plain(&s, 22, 5);
	stream_add_plain(&s, 23, TERN_TLS_MAX_CIPHERTEXT);
	stream_add_plain(&s, 22, TERN_TLS_MAX_PLAINTEXT);
	stream_add_plain(&s, 23, TERN_TLS_MAX_CIPHERTEXT);
	stream_add_plain(&s, 21, 2);
	check_every_split(&s, 97);
	check_byte_by_byte(&s);
	free(s.buf);
}

static void
test_zero_copy_and_errors(void)
{
	static const uint8_t two[6 + 7] = {20, 3, 3, 0, 1, 1, 21, 3, 3, 0, 2, 1, 0};
	static const char http[] = "GET / HTTP/1.1\r\n";
	struct tern_tls_reasm *r;
	struct tern_tls_reasm_result res;
	uint8_t *in = malloc(sizeof(two));
	uint8_t hdr[5];

	memcpy(in, two, sizeof(two));
	REQUIRE(tern_tls_reasm_create(&r) == 0);
	/* whole records in the input come back in place, no copy */
	CHECK_EQ(tern_tls_reasm_next(r, in, sizeof(two), &res), 0);
	CHECK(res.record == in);
	CHECK_EQ(res.record_len, 6);
	CHECK_EQ(res.consumed, 6);
	CHECK_EQ(tern_tls_reasm_next(r, in + 6, sizeof(two) - 6, &res), 0);
	CHECK(res.record == in + 6);
	CHECK_EQ(res.record_len, 7);
	CHECK_EQ(tern_tls_reasm_next(r, in + 13, 0, &res), -TERN_EAGAIN);
	CHECK_EQ(res.needed, 5);
	CHECK_EQ(res.consumed, 0);

	/* a partial record is buffered and returned from the reassembler */
	CHECK_EQ(tern_tls_reasm_next(r, in, 3, &res), -TERN_EAGAIN);
	CHECK_EQ(res.consumed, 3);
	CHECK_EQ(res.needed, 2); /* the header's length is not known yet */
	CHECK_EQ(tern_tls_reasm_buffered(r), 3);
	CHECK_EQ(tern_tls_reasm_next(r, in + 3, sizeof(two) - 3, &res), 0);
	CHECK_EQ(res.consumed, 3);
	CHECK(res.record != in);
	CHECK_MEM(res.record, two, 6);
	CHECK_EQ(tern_tls_reasm_buffered(r), 0);
	CHECK_EQ(tern_tls_reasm_next(r, in + 6, sizeof(two) - 6, &res), 0);
	CHECK(res.record == in + 6);

	/* not TLS at all (RFC 8446 5: unexpected record type), and it sticks */
	CHECK_EQ(tern_tls_reasm_next(r, (const uint8_t *)http, 16, &res), -TERN_EPROTO);
	CHECK_EQ(res.alert, TERN_TLS_ALERT_UNEXPECTED_MESSAGE);
	CHECK_EQ(tern_tls_reasm_next(r, in, sizeof(two), &res), -TERN_EPROTO);
	CHECK_EQ(res.alert, TERN_TLS_ALERT_UNEXPECTED_MESSAGE);
	CHECK_EQ(res.consumed, 0);
	tern_tls_reasm_reset(r);
	CHECK_EQ(tern_tls_reasm_next(r, in, sizeof(two), &res), 0);

	/* oversized headers, detected as soon as the header is complete */
	hdr[0] = 23;
	hdr[1] = 3;
	hdr[2] = 3;
	hdr[3] = 0x41;
	hdr[4] = 0x01; /* 2^14 + 257 */
	tern_tls_reasm_reset(r);
	CHECK_EQ(tern_tls_reasm_next(r, hdr, 3, &res), -TERN_EAGAIN);
	CHECK_EQ(res.needed, 2);
	CHECK_EQ(tern_tls_reasm_next(r, hdr + 3, 2, &res), -TERN_EPROTO);
	CHECK_EQ(res.alert, TERN_TLS_ALERT_RECORD_OVERFLOW);
	CHECK_EQ(tern_tls_reasm_next(r, hdr, 5, &res), -TERN_EPROTO);
	tern_tls_reasm_reset(r);
	hdr[3] = 0x41;
	hdr[4] = 0x00; /* 2^14 + 256: fine for a TLSCiphertext */
	CHECK_EQ(tern_tls_reasm_next(r, hdr, 5, &res), -TERN_EAGAIN);
	CHECK_EQ(res.needed, 16640);
	tern_tls_reasm_reset(r);
	hdr[0] = 22;
	CHECK_EQ(tern_tls_reasm_next(r, hdr, 5, &res), -TERN_EPROTO);
	CHECK_EQ(res.alert, TERN_TLS_ALERT_RECORD_OVERFLOW);
	tern_tls_reasm_reset(r);
	hdr[3] = 0x40;
	hdr[4] = 0x01; /* 2^14 + 1 is too long for TLSPlaintext */
	CHECK_EQ(tern_tls_reasm_next(r, hdr, 5, &res), -TERN_EPROTO);
	CHECK_EQ(res.alert, TERN_TLS_ALERT_RECORD_OVERFLOW);
	tern_tls_reasm_reset(r);
	hdr[4] = 0x00;
	CHECK_EQ(tern_tls_reasm_next(r, hdr, 5, &res), -TERN_EAGAIN);
	CHECK_EQ(res.needed, 16384);
	hdr[0] = 19;
	tern_tls_reasm_reset(r);
	CHECK_EQ(tern_tls_reasm_next(r, hdr, 1, &res), -TERN_EAGAIN);
	CHECK_EQ(tern_tls_reasm_next(r, hdr + 1, 4, &res), -TERN_EPROTO);
	CHECK_EQ(res.alert, TERN_TLS_ALERT_UNEXPECTED_MESSAGE);

	CHECK_EQ(tern_tls_reasm_next(NULL, hdr, 5, &res), -TERN_EINVAL);
	CHECK_EQ(tern_tls_reasm_next(r, NULL, 5, &res), -TERN_EINVAL);
	CHECK_EQ(tern_tls_reasm_create(NULL), -TERN_EINVAL);
	tern_tls_reasm_free(r);
	tern_tls_reasm_free(NULL);
	free(in);
}

/*
 * Many connections: each stream is fed in random-size chunks, round-robin;
 * the records completed in a round are opened in one burst across all
 * connections. Protected records come from the sealer, and one stream
 * carries a compatibility CCS.
 */
#define NCONN 8
#define NREC  6
static void
test_interleaved(struct tern_crypto_ctx *ctx)
{
	static uint8_t pt[NCONN][NREC][3000];
	static size_t ptlen[NCONN][NREC];
	static uint8_t recs[NCONN * NREC][TERN_TLS_MAX_RECORD];
	static uint8_t dec[NCONN * NREC][TERN_TLS_MAX_RECORD];
	struct tern_tls_record_state *tx[NCONN], *rx[NCONN];
	struct tern_tls_reasm *r[NCONN];
	struct stream s[NCONN];
	size_t pos[NCONN], next_rec[NCONN], rounds = 0, opened = 0, bad = 0;
	int c, i, live = NCONN;

	memset(s, 0, sizeof(s));
	for (c = 0; c < NCONN; c++) {
		uint8_t key[32], iv[12];
		enum tern_aead_alg alg = ref_algs[c % 3];

		ref_fill(key, sizeof(key));
		ref_fill(iv, sizeof(iv));
		REQUIRE(tern_tls_record_state_create(ctx, alg, key, ref_key_len(alg), iv, 12,
						     &tx[c]) == 0);
		REQUIRE(tern_tls_record_state_create(ctx, alg, key, ref_key_len(alg), iv, 12,
						     &rx[c]) == 0);
		REQUIRE(tern_tls_reasm_create(&r[c]) == 0);
		if (c % 4 == 1)
			tern_tls_record_state_set_padding(tx[c], TERN_TLS_PAD_MULTIPLE, 256);
		for (i = 0; i < NREC; i++) {
			static uint8_t out[TERN_TLS_MAX_RECORD];
			struct tern_tls_seal_op op;
			size_t len = (size_t)(ref_rand() % 3000);

			if (c == 3 && i == 2) {
				static const uint8_t ccs[6] = {20, 3, 3, 0, 1, 1};

				stream_add(&s[c], ccs, 6);
				continue;
			}
			ref_fill(pt[c][i], len);
			ptlen[c][i] = len;
			memset(&op, 0, sizeof(op));
			op.state = tx[c];
			op.content_type = TERN_TLS_CT_APPLICATION_DATA;
			op.plaintext = pt[c][i];
			op.plaintext_len = (uint32_t)len;
			op.out = out;
			op.out_cap = sizeof(out);
			REQUIRE(tern_tls_record_seal_burst(ctx, &op, 1) == 1);
			stream_add(&s[c], out, op.out_len);
		}
		pos[c] = 0;
		next_rec[c] = 0;
	}

	while (live > 0) {
		struct tern_tls_open_op ops[NCONN * NREC];
		int owner[NCONN * NREC], recno[NCONN * NREC];
		uint16_t n = 0, k;

		live = 0;
		for (c = 0; c < NCONN; c++) {
			size_t chunk = 1 + (size_t)(ref_rand() % 700), end;
			uint8_t *got[MAX_RECS];
			size_t got_len[MAX_RECS], ngot = 0, needed, j;

			if (pos[c] >= s[c].len)
				continue;
			live++;
			end = pos[c] + chunk < s[c].len ? pos[c] + chunk : s[c].len;
			if (feed(r[c], &s[c], pos[c], end, got, got_len, &ngot, &needed) !=
			    -TERN_EAGAIN)
				bad++;
			pos[c] = end;
			for (j = 0; j < ngot; j++) {
				memcpy(recs[n], got[j], got_len[j]);
				memset(&ops[n], 0, sizeof(ops[n]));
				ops[n].state = rx[c];
				ops[n].record = recs[n];
				ops[n].record_len = (uint32_t)got_len[j];
				ops[n].out = dec[n];
				ops[n].out_cap = sizeof(dec[n]);
				owner[n] = c;
				recno[n] = (int)next_rec[c]++;
				free(got[j]);
				n++;
			}
		}
		if (n == 0)
			continue;
		rounds++;
		tern_tls_record_open_burst(ctx, ops, n);
		for (k = 0; k < n; k++) {
			int oc = owner[k], ri = recno[k];

			if (oc == 3 && ri == 2) {
				if (ops[k].status != TERN_TLS_OPEN_CCS)
					bad++;
				continue;
			}
			if (ops[k].status != 0 || ops[k].consumed != ops[k].record_len ||
			    ops[k].plaintext_len != ptlen[oc][ri] ||
			    memcmp(ops[k].out, pt[oc][ri], ops[k].plaintext_len) != 0)
				bad++;
			opened++;
		}
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(opened, NCONN * NREC - 1);
	CHECK(rounds > 1);
	for (c = 0; c < NCONN; c++) {
		CHECK_EQ(next_rec[c], NREC);
		CHECK_EQ(tern_tls_record_state_seq(rx[c]), c == 3 ? NREC - 1 : NREC);
		tern_tls_record_state_free(tx[c]);
		tern_tls_record_state_free(rx[c]);
		tern_tls_reasm_free(r[c]);
		free(s[c].buf);
	}
}

int
main(void)
{
	test_framing();
	test_zero_copy_and_errors();
	if (ref_for_each_backend(test_interleaved) == 0)
		printf("SKIP interleaved open: no crypto backend available\n");
	return tern_test_done("tls_reasm");
}
