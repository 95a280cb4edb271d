/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Wycheproof AES-GCM and ChaCha20-Poly1305 vectors (tests/vectors, converted
 * by scripts/convert-wycheproof) through tern_aead_seal_burst /
 * tern_aead_open_burst on every backend this CPU can run.
 *
 * valid:   seal gives exactly ct||tag, open gives msg back.
 * invalid: (all ModifiedTag) open fails with -TERN_EBADMSG and zeroizes dst;
 *          seal of msg must not give the modified ct||tag.
 *
 * Each case runs alone, and in bursts of up to 32 that mix keys and
 * algorithms (so the burst paths, key switching and prefetching are
 * exercised), out of place, in place, and mixed within a burst.
 */

#include "crypto_test_util.h"

#define TEST_NAME "test_wycheproof_aead"
#define MAX_BURST 32

enum placement {
	OUT_OF_PLACE,
	IN_PLACE,
};

struct aead_case {
	const char *file;
	int tcid;
	bool valid;
	bool modified_tag;
	char flags[96];
	enum tern_aead_alg alg;
	uint8_t *key;
	size_t key_len;
	uint8_t *nonce; /* 12 bytes */
	uint8_t *aad;
	size_t aad_len;
	uint8_t *msg;
	size_t msg_len;
	uint8_t *ct;
	size_t ct_len;
	uint8_t *tag;		 /* 16 bytes */
	struct tern_aead_key *k; /* of the backend under test */
};

struct cases {
	struct aead_case *v;
	size_t n, cap;
};

/* Where a failure happened, for the report. */
struct where {
	const char *backend;
	const char *mode;
	unsigned burst_len;
	unsigned pos;
	enum placement place;
};

static const char *
alg_name(enum tern_aead_alg alg)
{
	switch (alg) {
	case TERN_AEAD_AES_128_GCM:
		return "AES-128-GCM";
	case TERN_AEAD_AES_256_GCM:
		return "AES-256-GCM";
	case TERN_AEAD_CHACHA20_POLY1305:
		return "ChaCha20-Poly1305";
	}
	return "?";
}

static void
load_file(struct cases *cs, const char *file, bool chacha)
{
	FILE *f = ct_open_vectors(file);
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0, loaded = 0;

	REQUIRE(f != NULL);
	while (getline(&line, &cap, f) != -1) {
		char *fld[10];
		struct aead_case *c;
		size_t len;
		int nf;

		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		nf = ct_split(line, fld, 10);
		if (nf != 9) {
			fprintf(stderr, "%s:%u: expected 9 fields, got %d\n", file, lineno, nf);
			REQUIRE(nf == 9);
		}
		if (cs->n == cs->cap) {
			cs->cap = cs->cap ? 2 * cs->cap : 256;
			cs->v = realloc(cs->v, cs->cap * sizeof(*cs->v));
			REQUIRE(cs->v != NULL);
		}
		c = &cs->v[cs->n++];
		memset(c, 0, sizeof(*c));
		c->file = file;
		c->tcid = atoi(fld[0]);
		REQUIRE(strcmp(fld[1], "valid") == 0 || strcmp(fld[1], "invalid") == 0);
		c->valid = strcmp(fld[1], "valid") == 0;
		snprintf(c->flags, sizeof(c->flags), "%s", fld[2]);
		c->modified_tag = ct_has_flag(fld[2], "ModifiedTag");
		REQUIRE(ct_unhex_alloc(fld[3], &c->key, &c->key_len));
		REQUIRE(ct_unhex_alloc(fld[4], &c->nonce, &len) && len == TERN_AEAD_NONCE_LEN);
		REQUIRE(ct_unhex_alloc(fld[5], &c->aad, &c->aad_len));
		REQUIRE(ct_unhex_alloc(fld[6], &c->msg, &c->msg_len));
		REQUIRE(ct_unhex_alloc(fld[7], &c->ct, &c->ct_len));
		REQUIRE(ct_unhex_alloc(fld[8], &c->tag, &len) && len == TERN_AEAD_TAG_LEN);
		REQUIRE(c->ct_len == c->msg_len);
		if (chacha) {
			REQUIRE(c->key_len == 32);
			c->alg = TERN_AEAD_CHACHA20_POLY1305;
		} else {
			REQUIRE(c->key_len == 16 || c->key_len == 32);
			c->alg = c->key_len == 16 ? TERN_AEAD_AES_128_GCM : TERN_AEAD_AES_256_GCM;
		}
		/* The tests below rely on every invalid case being a modified tag. */
		REQUIRE(c->valid || c->modified_tag);
		loaded++;
	}
	free(line);
	fclose(f);
	printf("%s: %s: %u cases\n", TEST_NAME, file, loaded);
	REQUIRE(loaded > 0);
}

static void
report(const struct where *w, const struct aead_case *c, const char *what)
{
	fprintf(stderr, "FAIL [%s, %s, burst of %u, op %u, %s] %s tcId %d (%s, %s, %s): %s\n",
		w->backend, w->mode, w->burst_len, w->pos,
		w->place == IN_PLACE ? "in place" : "out of place", c->file, c->tcid,
		alg_name(c->alg), c->valid ? "valid" : "invalid", c->flags, what);
	ct_print_hex(stderr, "key", c->key, c->key_len);
	ct_print_hex(stderr, "iv", c->nonce, TERN_AEAD_NONCE_LEN);
	ct_print_hex(stderr, "aad", c->aad, c->aad_len);
	ct_print_hex(stderr, "msg", c->msg, c->msg_len);
	ct_print_hex(stderr, "ct", c->ct, c->ct_len);
	ct_print_hex(stderr, "tag", c->tag, TERN_AEAD_TAG_LEN);
}

static void
expect_mem(const struct where *w, const struct aead_case *c, const char *what, const uint8_t *want,
	   const uint8_t *got, size_t n)
{
	bool ok = memcmp(want, got, n) == 0;

	CHECK(ok);
	if (!ok) {
		report(w, c, what);
		ct_print_hex(stderr, "expected", want, n);
		ct_print_hex(stderr, "got", got, n);
	}
}

static void
expect_status(const struct where *w, const struct aead_case *c, const char *what, int32_t want,
	      int32_t got)
{
	CHECK_EQ(got, want);
	if (got != want) {
		char buf[160];

		snprintf(buf, sizeof(buf), "%s: status %d (%s), expected %d", what, (int)got,
			 tern_strerror(got), (int)want);
		report(w, c, buf);
	}
}

/* Per-op buffers, each of exact size so ASan catches any stray byte. */
struct op_bufs {
	uint8_t *in;  /* src (and dst when in place) */
	uint8_t *out; /* dst when out of place */
	uint8_t *aad;
	uint8_t *tag;
};

static void
setup_op(struct tern_aead_op *op, struct op_bufs *b, const struct aead_case *c,
	 enum placement place, bool seal, bool null_empty_aad)
{
	size_t len = c->msg_len;

	memset(op, 0, sizeof(*op));
	memcpy(op->nonce, c->nonce, TERN_AEAD_NONCE_LEN);
	/* Bytes 12..15 are documented as unused: make them noise. */
	memset(op->nonce + TERN_AEAD_NONCE_LEN, 0x5a, sizeof(op->nonce) - TERN_AEAD_NONCE_LEN);
	op->key = c->k;

	b->in = ct_xmalloc(len);
	memcpy(b->in, seal ? c->msg : c->ct, len);
	b->out = NULL;
	if (place == OUT_OF_PLACE) {
		b->out = ct_xmalloc(len);
		memset(b->out, 0xcc, len);
	}
	b->aad = NULL;
	if (c->aad_len > 0 || !null_empty_aad) {
		b->aad = ct_xmalloc(c->aad_len);
		memcpy(b->aad, c->aad, c->aad_len);
	}
	b->tag = ct_xmalloc(TERN_AEAD_TAG_LEN);
	if (seal)
		memset(b->tag, 0xcc, TERN_AEAD_TAG_LEN);
	else
		memcpy(b->tag, c->tag, TERN_AEAD_TAG_LEN);

	op->aad = b->aad;
	op->aad_len = (uint32_t)c->aad_len;
	op->src = b->in;
	op->dst = place == IN_PLACE ? b->in : b->out;
	op->tag = b->tag;
	op->len = (uint32_t)len;
	op->status = 0x7eadbeef; /* must be overwritten */
}

static void
free_bufs(struct op_bufs *b)
{
	free(b->in);
	free(b->out);
	free(b->aad);
	free(b->tag);
}

/*
 * Seal then open one burst of cases; place[i] says where op i writes.
 */
static void
run_burst(struct tern_crypto_ctx *ctx, struct where w, struct aead_case *const *cs,
	  const enum placement *place, unsigned n, bool null_empty_aad)
{
	struct tern_aead_op ops[MAX_BURST];
	struct op_bufs bufs[MAX_BURST];
	unsigned i, n_valid = 0;
	uint16_t rc;

	REQUIRE(n >= 1 && n <= MAX_BURST);
	w.burst_len = n;

	/* Seal: every case, valid or not, seals (key and nonce are fine). */
	for (i = 0; i < n; i++)
		setup_op(&ops[i], &bufs[i], cs[i], place[i], true, null_empty_aad);
	rc = tern_aead_seal_burst(ctx, ops, (uint16_t)n);
	CHECK_EQ(rc, n);
	for (i = 0; i < n; i++) {
		const struct aead_case *c = cs[i];
		const uint8_t *dst = ops[i].dst;

		w.pos = i;
		w.place = place[i];
		expect_status(&w, c, "seal", 0, ops[i].status);
		if (c->valid) {
			expect_mem(&w, c, "seal ciphertext", c->ct, dst, c->ct_len);
			expect_mem(&w, c, "seal tag", c->tag, bufs[i].tag, TERN_AEAD_TAG_LEN);
		} else {
			/* The modified ct||tag must not be what sealing produces. */
			bool same = memcmp(dst, c->ct, c->ct_len) == 0 &&
				    memcmp(bufs[i].tag, c->tag, TERN_AEAD_TAG_LEN) == 0;

			CHECK(!same);
			if (same)
				report(&w, c, "seal produced the modified ct||tag");
		}
		if (place[i] == OUT_OF_PLACE)
			expect_mem(&w, c, "seal left src unchanged", c->msg, bufs[i].in,
				   c->msg_len);
		free_bufs(&bufs[i]);
	}

	/* Open the given ct||tag. */
	for (i = 0; i < n; i++) {
		setup_op(&ops[i], &bufs[i], cs[i], place[i], false, null_empty_aad);
		n_valid += cs[i]->valid;
	}
	rc = tern_aead_open_burst(ctx, ops, (uint16_t)n);
	CHECK_EQ(rc, n_valid);
	for (i = 0; i < n; i++) {
		const struct aead_case *c = cs[i];
		const uint8_t *dst = ops[i].dst;

		w.pos = i;
		w.place = place[i];
		if (c->valid) {
			expect_status(&w, c, "open", 0, ops[i].status);
			expect_mem(&w, c, "open plaintext", c->msg, dst, c->msg_len);
		} else {
			bool zero = ct_all_zero(dst, c->msg_len);

			expect_status(&w, c, "open", -TERN_EBADMSG, ops[i].status);
			CHECK(zero);
			if (!zero)
				report(&w, c, "failed open did not zeroize dst");
		}
		if (place[i] == OUT_OF_PLACE)
			expect_mem(&w, c, "open left src unchanged", c->ct, bufs[i].in, c->ct_len);
		expect_mem(&w, c, "open left tag unchanged", c->tag, bufs[i].tag,
			   TERN_AEAD_TAG_LEN);
		free_bufs(&bufs[i]);
	}
}

static void
run_backend(struct tern_crypto_ctx *ctx, struct cases *cs, struct ct_rng *rng)
{
	const char *bname = tern_crypto_backend_name(tern_crypto_ctx_backend(ctx));
	struct aead_case **order, *burst[MAX_BURST];
	enum placement place[MAX_BURST];
	size_t i, j;
	int pass;

	for (i = 0; i < cs->n; i++) {
		struct aead_case *c = &cs->v[i];
		int rc = tern_aead_key_create(ctx, c->alg, c->key, c->key_len, &c->k);

		CHECK_EQ(rc, 0);
		REQUIRE(rc == 0 && c->k != NULL);
		CHECK_EQ(tern_aead_key_alg(c->k), c->alg);
	}

	/* One at a time; empty AAD passed as NULL in place, as a pointer otherwise. */
	for (i = 0; i < cs->n; i++) {
		struct where w = {.backend = bname, .mode = "single"};

		burst[0] = &cs->v[i];
		place[0] = OUT_OF_PLACE;
		run_burst(ctx, w, burst, place, 1, false);
		place[0] = IN_PLACE;
		run_burst(ctx, w, burst, place, 1, true);
	}

	/* Bursts over a shuffled order, so AES-128/256 and ChaCha20 keys interleave. */
	order = ct_xmalloc(cs->n * sizeof(*order));
	for (i = 0; i < cs->n; i++)
		order[i] = &cs->v[i];
	for (pass = 0; pass < 3; pass++) {
		static const char *const modes[] = {"burst32 out-of-place", "burst32 in-place",
						    "burst1..32 mixed placement"};
		struct where w = {.backend = bname, .mode = modes[pass]};

		for (i = cs->n; i > 1; i--) {
			size_t k = ct_rng_next(rng) % i;
			struct aead_case *t = order[i - 1];

			order[i - 1] = order[k];
			order[k] = t;
		}
		for (i = 0; i < cs->n;) {
			unsigned n = pass < 2 ? MAX_BURST : ct_rng_range(rng, 1, MAX_BURST);

			if (n > cs->n - i)
				n = (unsigned)(cs->n - i);
			for (j = 0; j < n; j++) {
				burst[j] = order[i + j];
				if (pass == 0)
					place[j] = OUT_OF_PLACE;
				else if (pass == 1)
					place[j] = IN_PLACE;
				else
					place[j] = (ct_rng_next(rng) & 1) ? IN_PLACE : OUT_OF_PLACE;
			}
			run_burst(ctx, w, burst, place, n, pass == 2);
			i += n;
		}
	}
	free(order);

	for (i = 0; i < cs->n; i++) {
		tern_aead_key_free(cs->v[i].k);
		cs->v[i].k = NULL;
	}
}

int
main(void)
{
	static const enum tern_crypto_backend backends[] = {TERN_CRYPTO_BACKEND_IPSECMB,
							    TERN_CRYPTO_BACKEND_OPENSSL};
	struct cases cs = {0};
	struct ct_rng rng;
	unsigned ran = 0;
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	load_file(&cs, "wycheproof_aes_gcm.txt", false);
	load_file(&cs, "wycheproof_chacha20_poly1305.txt", true);
	/* The burst order is shuffled with a fixed seed: failures reproduce. */
	ct_rng_seed(&rng, 0x7e57a3adULL);

	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		struct tern_crypto_ctx *ctx = ct_open_backend(TEST_NAME, backends[i]);
		unsigned before = tern_test_failed;

		if (ctx == NULL)
			continue;
		run_backend(ctx, &cs, &rng);
		printf("%s: backend %s: %s\n", TEST_NAME, tern_crypto_backend_name(backends[i]),
		       tern_test_failed == before ? "all cases pass" : "FAILURES");
		tern_crypto_ctx_free(ctx);
		ran++;
	}
	if (ran == 0) {
		fprintf(stderr, "%s: no crypto backend is available\n", TEST_NAME);
		CHECK(ran > 0);
	}

	for (i = 0; i < cs.n; i++) {
		struct aead_case *c = &cs.v[i];

		free(c->key);
		free(c->nonce);
		free(c->aad);
		free(c->msg);
		free(c->ct);
		free(c->tag);
	}
	free(cs.v);
	return tern_test_done(TEST_NAME);
}
