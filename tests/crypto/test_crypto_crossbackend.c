/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Cross-backend property test for crypto-accel.
 *
 * With a printed seed (override with TERN_TEST_SEED), random bursts of 1..64
 * AEAD ops mixing algorithms and keys, random sizes 0..16384+256 and AAD
 * lengths (mostly 0..64, some larger), in place and out of place:
 * - every backend seals to the same ciphertext+tag, which also matches
 *   OpenSSL EVP computed directly here (so the property holds even when only
 *   one backend runs);
 * - what one backend sealed, the other opens (keys used through a second
 *   context of their backend, as the threading model allows);
 * - one flipped bit in ct, tag or AAD fails only the ops it touched, with
 *   -TERN_EBADMSG and a zeroized dst; the rest of the burst opens normally.
 * Header-protection masks (AES-128, AES-256, ChaCha20) in mixed bursts match
 * across backends and match EVP_aes_*_ecb / EVP_chacha20 computed directly.
 * Plus the small API promises of crypto.h (names, parsing, key validation,
 * NULL frees, AUTO resolution, keys of another backend).
 */

#include <openssl/evp.h>

#include "crypto_test_util.h"

#define TEST_NAME	 "test_crypto_crossbackend"
#define DEFAULT_SEED	 0x7e4e2025c0ffeeULL
#define MAX_BURST	 64
#define MAX_LEN		 (16384 + 256)
#define AEAD_OPS_TARGET	 1400
#define HP_OPS_TARGET	 700
#define KEYS_PER_ALG_MAX 4
#define MAX_REPORTS	 30
#define NB_BACKENDS	 2

static const enum tern_crypto_backend backend_ids[NB_BACKENDS] = {TERN_CRYPTO_BACKEND_IPSECMB,
								  TERN_CRYPTO_BACKEND_OPENSSL};
static const enum tern_aead_alg aead_algs[] = {TERN_AEAD_AES_128_GCM, TERN_AEAD_AES_256_GCM,
					       TERN_AEAD_CHACHA20_POLY1305};
static const enum tern_hp_alg hp_algs[] = {TERN_HP_AES_128, TERN_HP_AES_256, TERN_HP_CHACHA20};
#define NB_AEAD_ALGS (sizeof(aead_algs) / sizeof(aead_algs[0]))
#define NB_HP_ALGS   (sizeof(hp_algs) / sizeof(hp_algs[0]))

/* Contexts per available backend: [0] creates keys and seals, [1] opens. */
struct backend {
	enum tern_crypto_backend id;
	const char *name;
	struct tern_crypto_ctx *ctx[2];
};

static struct backend bes[NB_BACKENDS];
static unsigned nb_bes;
static uint64_t seed;
static unsigned reports;

static bool
report_allowed(void)
{
	if (reports == MAX_REPORTS)
		fprintf(stderr, "(further failure reports suppressed)\n");
	return reports++ < MAX_REPORTS;
}

static const char *
aead_name(enum tern_aead_alg alg)
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

static const char *
hp_name(enum tern_hp_alg alg)
{
	switch (alg) {
	case TERN_HP_AES_128:
		return "AES-128";
	case TERN_HP_AES_256:
		return "AES-256";
	case TERN_HP_CHACHA20:
		return "ChaCha20";
	}
	return "?";
}

/* --- references computed directly with libcrypto ------------------------ */

static void
ref_seal(enum tern_aead_alg alg, const uint8_t *key, const uint8_t *nonce, const uint8_t *aad,
	 size_t aad_len, const uint8_t *pt, size_t len, uint8_t *ct, uint8_t *tag)
{
	const EVP_CIPHER *cipher = alg == TERN_AEAD_AES_128_GCM	  ? EVP_aes_128_gcm()
				   : alg == TERN_AEAD_AES_256_GCM ? EVP_aes_256_gcm()
								  : EVP_chacha20_poly1305();
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	uint8_t fin[16];
	int outl = 0;

	REQUIRE(c != NULL);
	REQUIRE(EVP_EncryptInit_ex(c, cipher, NULL, NULL, NULL) == 1);
	REQUIRE(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_IVLEN, TERN_AEAD_NONCE_LEN, NULL) == 1);
	REQUIRE(EVP_EncryptInit_ex(c, NULL, NULL, key, nonce) == 1);
	if (aad_len > 0)
		REQUIRE(EVP_EncryptUpdate(c, NULL, &outl, aad, (int)aad_len) == 1);
	if (len > 0) {
		REQUIRE(EVP_EncryptUpdate(c, ct, &outl, pt, (int)len) == 1);
		REQUIRE(outl == (int)len);
	}
	REQUIRE(EVP_EncryptFinal_ex(c, fin, &outl) == 1 && outl == 0);
	REQUIRE(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, TERN_AEAD_TAG_LEN, tag) == 1);
	EVP_CIPHER_CTX_free(c);
}

/*
 * RFC 9001 5.4.3: AES mask = AES-ECB(hp_key, sample).
 * RFC 9001 5.4.4: ChaCha20 mask = ChaCha20(hp_key, counter = sample[0..3],
 * nonce = sample[4..15], zeros); EVP_chacha20's 16-byte IV is exactly
 * counter (little-endian) || nonce, so the sample is the IV.
 */
static void
ref_hp(enum tern_hp_alg alg, const uint8_t *key, const uint8_t *sample, uint8_t *mask)
{
	static const uint8_t zeros[TERN_HP_MASK_LEN];
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int outl = 0;

	REQUIRE(c != NULL);
	if (alg == TERN_HP_CHACHA20) {
		REQUIRE(EVP_EncryptInit_ex(c, EVP_chacha20(), NULL, key, sample) == 1);
		REQUIRE(EVP_EncryptUpdate(c, mask, &outl, zeros, TERN_HP_MASK_LEN) == 1);
	} else {
		REQUIRE(EVP_EncryptInit_ex(
				c, alg == TERN_HP_AES_128 ? EVP_aes_128_ecb() : EVP_aes_256_ecb(),
				NULL, key, NULL) == 1);
		REQUIRE(EVP_CIPHER_CTX_set_padding(c, 0) == 1);
		REQUIRE(EVP_EncryptUpdate(c, mask, &outl, sample, TERN_HP_SAMPLE_LEN) == 1);
	}
	REQUIRE(outl == TERN_HP_MASK_LEN);
	EVP_CIPHER_CTX_free(c);
}

/* --- random AEAD bursts ------------------------------------------------- */

struct aead_key_slot {
	enum tern_aead_alg alg;
	uint8_t raw[TERN_AEAD_KEY_MAX];
	struct tern_aead_key *k[NB_BACKENDS];
};

struct aead_item {
	struct aead_key_slot *key;
	uint8_t nonce[TERN_AEAD_NONCE_LEN];
	uint8_t *pt;
	uint32_t len;
	uint8_t *aad; /* NULL when aad_len is 0 (half of the time) */
	uint32_t aad_len;
	bool in_place;
	uint8_t *ref_ct;
	uint8_t ref_tag[TERN_AEAD_TAG_LEN];
	uint8_t *ct[NB_BACKENDS]; /* sealed by backend b */
	uint8_t tag[NB_BACKENDS][TERN_AEAD_TAG_LEN];
	/* tampering of the current open pass */
	int flip_where; /* -1 none, 0 ct, 1 tag, 2 aad */
	uint32_t flip_bit;
};

static uint32_t
pick_len(struct ct_rng *r)
{
	/* Block, vector-width and record-size edges. */
	static const uint32_t edges[] = {
		0,    1,    2,	  12,	15,   16,   17,	   31,	  32,	 33,	47,   48,   63,
		64,   65,   127,  128,	129,  255,  256,   257,	  511,	 512,	513,  1024, 1199,
		1200, 1500, 4095, 4096, 4097, 8192, 16383, 16384, 16385, 16639, 16640};

	switch (ct_rng_next(r) % 8) {
	case 0:
	case 1:
		return edges[ct_rng_next(r) % (sizeof(edges) / sizeof(edges[0]))];
	case 2:
	case 3:
		return ct_rng_range(r, 0, 64);
	case 4:
	case 5:
		return ct_rng_range(r, 0, 1500);
	default:
		return ct_rng_range(r, 0, MAX_LEN);
	}
}

static uint32_t
pick_aad_len(struct ct_rng *r)
{
	uint32_t x = ct_rng_range(r, 0, 99);

	if (x < 85)
		return ct_rng_range(r, 0, 64);
	if (x < 97)
		return ct_rng_range(r, 65, 1024);
	return ct_rng_range(r, 1025, 8192);
}

static void
item_report(unsigned round, unsigned n, unsigned i, const struct aead_item *it, const char *what)
{
	fprintf(stderr,
		"FAIL seed 0x%llx round %u, burst of %u, op %u: %s, len %u, aad_len %u%s, "
		"%s: %s\n",
		(unsigned long long)seed, round, n, i, aead_name(it->key->alg), it->len,
		it->aad_len, it->aad == NULL ? " (NULL)" : "",
		it->in_place ? "in place" : "out of place", what);
	ct_print_hex(stderr, "key", it->key->raw, tern_aead_key_len(it->key->alg));
	ct_print_hex(stderr, "nonce", it->nonce, TERN_AEAD_NONCE_LEN);
}

static void
run_aead_round(struct ct_rng *r, unsigned round, unsigned *ops_done)
{
	struct aead_key_slot slots[NB_AEAD_ALGS][KEYS_PER_ALG_MAX];
	unsigned nslots[NB_AEAD_ALGS];
	struct aead_item items[MAX_BURST];
	struct tern_aead_op ops[MAX_BURST];
	uint8_t *bufs[MAX_BURST], *outs[MAX_BURST], *aads[MAX_BURST], *tags[MAX_BURST];
	unsigned n = ct_rng_range(r, 1, MAX_BURST), i, a, k, s, o, b;

	/* A fresh pool of keys per round; bursts pick from it, so keys repeat and mix. */
	for (a = 0; a < NB_AEAD_ALGS; a++) {
		size_t klen = tern_aead_key_len(aead_algs[a]);

		nslots[a] = ct_rng_range(r, 1, KEYS_PER_ALG_MAX);
		for (k = 0; k < nslots[a]; k++) {
			struct aead_key_slot *sl = &slots[a][k];

			sl->alg = aead_algs[a];
			ct_rng_bytes(r, sl->raw, klen);
			for (b = 0; b < nb_bes; b++) {
				int rc = tern_aead_key_create(bes[b].ctx[0], sl->alg, sl->raw, klen,
							      &sl->k[b]);

				CHECK_EQ(rc, 0);
				REQUIRE(rc == 0);
			}
		}
	}

	for (i = 0; i < n; i++) {
		struct aead_item *it = &items[i];

		a = (unsigned)(ct_rng_next(r) % NB_AEAD_ALGS);
		it->key = &slots[a][ct_rng_next(r) % nslots[a]];
		ct_rng_bytes(r, it->nonce, sizeof(it->nonce));
		it->len = pick_len(r);
		it->pt = ct_xmalloc(it->len);
		ct_rng_bytes(r, it->pt, it->len);
		it->aad_len = pick_aad_len(r);
		it->aad = NULL;
		if (it->aad_len > 0 || (ct_rng_next(r) & 1)) {
			it->aad = ct_xmalloc(it->aad_len);
			ct_rng_bytes(r, it->aad, it->aad_len);
		}
		it->in_place = ct_rng_next(r) & 1;
		it->ref_ct = ct_xmalloc(it->len);
		ref_seal(it->key->alg, it->key->raw, it->nonce, it->aad, it->aad_len, it->pt,
			 it->len, it->ref_ct, it->ref_tag);
	}

	/* Seal with every backend: all equal to the EVP reference, hence to each other. */
	for (b = 0; b < nb_bes; b++) {
		uint16_t got;

		for (i = 0; i < n; i++) {
			struct aead_item *it = &items[i];
			struct tern_aead_op *op = &ops[i];

			memset(op, 0, sizeof(*op));
			memcpy(op->nonce, it->nonce, TERN_AEAD_NONCE_LEN);
			ct_rng_bytes(r, op->nonce + TERN_AEAD_NONCE_LEN, 4); /* unused bytes */
			op->key = it->key->k[b];
			op->aad = it->aad;
			op->aad_len = it->aad_len;
			bufs[i] = ct_xmalloc(it->len);
			memcpy(bufs[i], it->pt, it->len);
			outs[i] = it->in_place ? bufs[i] : ct_xmalloc(it->len);
			if (!it->in_place)
				memset(outs[i], 0xcc, it->len);
			op->src = bufs[i];
			op->dst = outs[i];
			op->tag = it->tag[b];
			memset(op->tag, 0xcc, TERN_AEAD_TAG_LEN);
			op->len = it->len;
			op->status = 0x7eadbeef;
		}
		got = tern_aead_seal_burst(bes[b].ctx[0], ops, (uint16_t)n);
		CHECK_EQ(got, n);
		for (i = 0; i < n; i++) {
			struct aead_item *it = &items[i];
			bool ok_st = ops[i].status == 0;
			bool ok_ct = memcmp(outs[i], it->ref_ct, it->len) == 0;
			bool ok_tag = memcmp(it->tag[b], it->ref_tag, TERN_AEAD_TAG_LEN) == 0;
			bool ok_src = it->in_place || memcmp(bufs[i], it->pt, it->len) == 0;

			CHECK(ok_st);
			CHECK(ok_ct);
			CHECK(ok_tag);
			CHECK(ok_src);
			if ((!ok_st || !ok_ct || !ok_tag || !ok_src) && report_allowed()) {
				char what[160];

				snprintf(what, sizeof(what),
					 "seal on %s: status %d, ct %s, tag %s, src %s",
					 bes[b].name, (int)ops[i].status,
					 ok_ct ? "ok" : "differs from EVP",
					 ok_tag ? "ok" : "differs from EVP",
					 ok_src ? "ok" : "modified");
				item_report(round, n, i, it, what);
				ct_print_hex(stderr, "EVP tag", it->ref_tag, TERN_AEAD_TAG_LEN);
				ct_print_hex(stderr, "got tag", it->tag[b], TERN_AEAD_TAG_LEN);
			}
			it->ct[b] = outs[i];
			if (!it->in_place)
				free(bufs[i]);
		}
	}
	for (b = 1; b < nb_bes; b++)
		for (i = 0; i < n; i++) {
			CHECK_MEM(items[i].ct[0], items[i].ct[b], items[i].len);
			CHECK_MEM(items[i].tag[0], items[i].tag[b], TERN_AEAD_TAG_LEN);
		}

	/*
	 * Open what sealer s produced with opener o (the other backend when both
	 * run), first untouched, then with bits flipped in some ops.
	 */
	for (s = 0; s < nb_bes; s++) {
		int pass;

		o = nb_bes > 1 ? 1 - s : s;
		for (pass = 0; pass < 2; pass++) {
			unsigned expect_ok = 0;
			uint16_t got;

			for (i = 0; i < n; i++)
				items[i].flip_where = -1;
			if (pass == 1) {
				/* Half of the rounds tamper exactly one op, else about a third. */
				bool one = ct_rng_next(r) & 1;
				unsigned victim = (unsigned)(ct_rng_next(r) % n);

				for (i = 0; i < n; i++) {
					struct aead_item *it = &items[i];
					int choices[3], nc = 0;
					uint64_t span;

					if (i != victim && (one || ct_rng_range(r, 0, 2) != 0))
						continue;
					if (it->len > 0)
						choices[nc++] = 0;
					choices[nc++] = 1;
					if (it->aad_len > 0)
						choices[nc++] = 2;
					it->flip_where = choices[ct_rng_next(r) % (unsigned)nc];
					span = it->flip_where == 0   ? it->len
					       : it->flip_where == 1 ? TERN_AEAD_TAG_LEN
								     : it->aad_len;
					it->flip_bit = (uint32_t)(ct_rng_next(r) % (8 * span));
				}
			}
			for (i = 0; i < n; i++) {
				struct aead_item *it = &items[i];
				struct tern_aead_op *op = &ops[i];

				memset(op, 0, sizeof(*op));
				memcpy(op->nonce, it->nonce, TERN_AEAD_NONCE_LEN);
				op->key = it->key->k[o];
				bufs[i] = ct_xmalloc(it->len);
				memcpy(bufs[i], it->ct[s], it->len);
				outs[i] = it->in_place ? bufs[i] : ct_xmalloc(it->len);
				if (!it->in_place)
					memset(outs[i], 0xcc, it->len);
				aads[i] = NULL;
				if (it->aad != NULL) {
					aads[i] = ct_xmalloc(it->aad_len);
					memcpy(aads[i], it->aad, it->aad_len);
				}
				tags[i] = ct_xmalloc(TERN_AEAD_TAG_LEN);
				memcpy(tags[i], it->tag[s], TERN_AEAD_TAG_LEN);
				if (it->flip_where == 0)
					bufs[i][it->flip_bit / 8] ^=
						(uint8_t)(1u << (it->flip_bit % 8));
				else if (it->flip_where == 1)
					tags[i][it->flip_bit / 8] ^=
						(uint8_t)(1u << (it->flip_bit % 8));
				else if (it->flip_where == 2)
					aads[i][it->flip_bit / 8] ^=
						(uint8_t)(1u << (it->flip_bit % 8));
				expect_ok += it->flip_where < 0;
				op->aad = aads[i];
				op->aad_len = it->aad_len;
				op->src = bufs[i];
				op->dst = outs[i];
				op->tag = tags[i];
				op->len = it->len;
				op->status = 0x7eadbeef;
			}
			got = tern_aead_open_burst(bes[o].ctx[1], ops, (uint16_t)n);
			CHECK_EQ(got, expect_ok);
			for (i = 0; i < n; i++) {
				struct aead_item *it = &items[i];
				bool ok;

				if (it->flip_where < 0) {
					ok = ops[i].status == 0 &&
					     memcmp(outs[i], it->pt, it->len) == 0;
				} else {
					ok = ops[i].status == -TERN_EBADMSG &&
					     ct_all_zero(outs[i], it->len);
				}
				CHECK(ok);
				if (!ok && report_allowed()) {
					static const char *const wh[] = {"ct", "tag", "aad"};
					char what[200];

					if (it->flip_where < 0)
						snprintf(what, sizeof(what),
							 "open of %s's output on %s: status %d, "
							 "plaintext %s",
							 bes[s].name, bes[o].name,
							 (int)ops[i].status,
							 memcmp(outs[i], it->pt, it->len) == 0
								 ? "ok"
								 : "wrong");
					else
						snprintf(what, sizeof(what),
							 "open on %s with bit %u of %s flipped: "
							 "status %d (want %d), dst %s",
							 bes[o].name, it->flip_bit,
							 wh[it->flip_where], (int)ops[i].status,
							 -TERN_EBADMSG,
							 ct_all_zero(outs[i], it->len)
								 ? "zeroized"
								 : "NOT zeroized");
					item_report(round, n, i, it, what);
				}
				free(bufs[i]);
				if (!it->in_place)
					free(outs[i]);
				free(aads[i]);
				free(tags[i]);
			}
		}
	}

	for (i = 0; i < n; i++) {
		struct aead_item *it = &items[i];

		for (b = 0; b < nb_bes; b++)
			free(it->ct[b]);
		free(it->pt);
		free(it->aad);
		free(it->ref_ct);
	}
	for (a = 0; a < NB_AEAD_ALGS; a++)
		for (k = 0; k < nslots[a]; k++)
			for (b = 0; b < nb_bes; b++)
				tern_aead_key_free(slots[a][k].k[b]);
	*ops_done += n;
}

/* --- random header-protection bursts ------------------------------------ */

struct hp_key_slot {
	enum tern_hp_alg alg;
	uint8_t raw[32];
	struct tern_hp_key *k[NB_BACKENDS];
};

static void
run_hp_round(struct ct_rng *r, unsigned round, unsigned *ops_done)
{
	struct hp_key_slot slots[NB_HP_ALGS][KEYS_PER_ALG_MAX];
	unsigned nslots[NB_HP_ALGS];
	struct hp_key_slot *opkey[MAX_BURST];
	uint8_t *samples[MAX_BURST], ref[MAX_BURST][TERN_HP_MASK_LEN];
	uint8_t got[NB_BACKENDS][MAX_BURST][TERN_HP_MASK_LEN];
	struct tern_hp_op ops[MAX_BURST];
	unsigned n = ct_rng_range(r, 1, MAX_BURST), i, a, k, b;

	for (a = 0; a < NB_HP_ALGS; a++) {
		size_t klen = tern_hp_key_len(hp_algs[a]);

		nslots[a] = ct_rng_range(r, 1, KEYS_PER_ALG_MAX);
		for (k = 0; k < nslots[a]; k++) {
			struct hp_key_slot *sl = &slots[a][k];

			sl->alg = hp_algs[a];
			ct_rng_bytes(r, sl->raw, klen);
			for (b = 0; b < nb_bes; b++) {
				int rc = tern_hp_key_create(bes[b].ctx[0], sl->alg, sl->raw, klen,
							    &sl->k[b]);

				CHECK_EQ(rc, 0);
				REQUIRE(rc == 0);
			}
		}
	}
	for (i = 0; i < n; i++) {
		a = (unsigned)(ct_rng_next(r) % NB_HP_ALGS);
		opkey[i] = &slots[a][ct_rng_next(r) % nslots[a]];
		samples[i] = ct_xmalloc(TERN_HP_SAMPLE_LEN);
		ct_rng_bytes(r, samples[i], TERN_HP_SAMPLE_LEN);
		ref_hp(opkey[i]->alg, opkey[i]->raw, samples[i], ref[i]);
	}
	for (b = 0; b < nb_bes; b++) {
		int rc;

		for (i = 0; i < n; i++) {
			ops[i].key = opkey[i]->k[b];
			ops[i].sample = samples[i];
			ct_rng_bytes(r, ops[i].mask, TERN_HP_MASK_LEN); /* all 16 must be written */
		}
		/* Alternate the two contexts: keys are shared across contexts. */
		rc = tern_hp_mask_burst(bes[b].ctx[(round & 1)], ops, (uint16_t)n);
		CHECK_EQ(rc, 0);
		for (i = 0; i < n; i++) {
			bool ok = memcmp(ops[i].mask, ref[i], TERN_HP_MASK_LEN) == 0;

			memcpy(got[b][i], ops[i].mask, TERN_HP_MASK_LEN);
			CHECK(ok);
			if (!ok && report_allowed()) {
				fprintf(stderr,
					"FAIL seed 0x%llx hp round %u, burst of %u, op %u: %s on "
					"%s: "
					"mask differs from EVP\n",
					(unsigned long long)seed, round, n, i,
					hp_name(opkey[i]->alg), bes[b].name);
				ct_print_hex(stderr, "key", opkey[i]->raw,
					     tern_hp_key_len(opkey[i]->alg));
				ct_print_hex(stderr, "sample", samples[i], TERN_HP_SAMPLE_LEN);
				ct_print_hex(stderr, "EVP mask", ref[i], TERN_HP_MASK_LEN);
				ct_print_hex(stderr, "got mask", ops[i].mask, TERN_HP_MASK_LEN);
			}
		}
	}
	for (b = 1; b < nb_bes; b++)
		for (i = 0; i < n; i++)
			CHECK_MEM(got[0][i], got[b][i], TERN_HP_MASK_LEN);

	for (i = 0; i < n; i++)
		free(samples[i]);
	for (a = 0; a < NB_HP_ALGS; a++)
		for (k = 0; k < nslots[a]; k++)
			for (b = 0; b < nb_bes; b++)
				tern_hp_key_free(slots[a][k].k[b]);
	*ops_done += n;
}

/* --- the small promises of crypto.h ------------------------------------- */

static void
test_names(void)
{
	static const enum tern_crypto_backend all[] = {
		TERN_CRYPTO_BACKEND_AUTO, TERN_CRYPTO_BACKEND_IPSECMB, TERN_CRYPTO_BACKEND_OPENSSL};
	enum tern_crypto_backend got;
	size_t i;

	CHECK(strcmp(tern_crypto_backend_name(TERN_CRYPTO_BACKEND_AUTO), "auto") == 0);
	CHECK(strcmp(tern_crypto_backend_name(TERN_CRYPTO_BACKEND_IPSECMB), "ipsecmb") == 0);
	CHECK(strcmp(tern_crypto_backend_name(TERN_CRYPTO_BACKEND_OPENSSL), "openssl") == 0);
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		got = (enum tern_crypto_backend)99;
		CHECK_EQ(tern_crypto_backend_parse(tern_crypto_backend_name(all[i]), &got), 0);
		CHECK_EQ(got, all[i]);
	}
	CHECK_EQ(tern_crypto_backend_parse("ipsecmb", &got), 0);
	CHECK_EQ(got, TERN_CRYPTO_BACKEND_IPSECMB);
	CHECK_EQ(tern_crypto_backend_parse("openssl", &got), 0);
	CHECK_EQ(got, TERN_CRYPTO_BACKEND_OPENSSL);
	CHECK_EQ(tern_crypto_backend_parse("auto", &got), 0);
	CHECK_EQ(got, TERN_CRYPTO_BACKEND_AUTO);
	CHECK_EQ(tern_crypto_backend_parse("", &got), -TERN_EINVAL);
	CHECK_EQ(tern_crypto_backend_parse("cryptodev-bogus", &got), -TERN_EINVAL);
	CHECK_EQ(tern_crypto_backend_parse("openssl2", &got), -TERN_EINVAL);
	CHECK_EQ(tern_crypto_backend_parse("ipsec", &got), -TERN_EINVAL);

	CHECK_EQ(tern_aead_key_len(TERN_AEAD_AES_128_GCM), 16);
	CHECK_EQ(tern_aead_key_len(TERN_AEAD_AES_256_GCM), 32);
	CHECK_EQ(tern_aead_key_len(TERN_AEAD_CHACHA20_POLY1305), 32);
	CHECK_EQ(tern_aead_key_len((enum tern_aead_alg)0), 0);
	CHECK_EQ(tern_aead_key_len((enum tern_aead_alg)99), 0);
	CHECK_EQ(tern_hp_key_len(TERN_HP_AES_128), 16);
	CHECK_EQ(tern_hp_key_len(TERN_HP_AES_256), 32);
	CHECK_EQ(tern_hp_key_len(TERN_HP_CHACHA20), 32);
	CHECK_EQ(tern_hp_key_len((enum tern_hp_alg)0), 0);
	CHECK_EQ(tern_hp_key_len((enum tern_hp_alg)99), 0);

	/* NULL frees are no-ops. */
	tern_crypto_ctx_free(NULL);
	tern_aead_key_free(NULL);
	tern_hp_key_free(NULL);

	{
		struct tern_crypto_ctx *ctx = NULL;

		CHECK_EQ(tern_crypto_ctx_create((enum tern_crypto_backend)99, &ctx), -TERN_EINVAL);
	}
}

static void
test_key_validation(const struct backend *be)
{
	static const size_t lens[] = {0, 1, 15, 16, 17, 24, 31, 32, 33, 64};
	static const int bad_algs[] = {0, 4, 99, -1};
	uint8_t raw[64] = {0};
	size_t i, j;

	for (i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)(0x11 * i + 3);
	for (i = 0; i < NB_AEAD_ALGS; i++)
		for (j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			struct tern_aead_key *k = NULL;
			int rc = tern_aead_key_create(be->ctx[0], aead_algs[i], raw, lens[j], &k);

			if (lens[j] == tern_aead_key_len(aead_algs[i])) {
				CHECK_EQ(rc, 0);
				CHECK(k != NULL && tern_aead_key_alg(k) == aead_algs[i]);
				tern_aead_key_free(k);
			} else {
				CHECK_EQ(rc, -TERN_EINVAL);
				if (rc != -TERN_EINVAL)
					fprintf(stderr, "%s: %s key of %zu bytes: rc %d\n",
						be->name, aead_name(aead_algs[i]), lens[j], rc);
				if (rc == 0)
					tern_aead_key_free(k);
			}
		}
	for (i = 0; i < NB_HP_ALGS; i++)
		for (j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			struct tern_hp_key *k = NULL;
			int rc = tern_hp_key_create(be->ctx[0], hp_algs[i], raw, lens[j], &k);

			if (lens[j] == tern_hp_key_len(hp_algs[i])) {
				CHECK_EQ(rc, 0);
				CHECK(k != NULL && tern_hp_key_alg(k) == hp_algs[i]);
				tern_hp_key_free(k);
			} else {
				CHECK_EQ(rc, -TERN_EINVAL);
				if (rc != -TERN_EINVAL)
					fprintf(stderr, "%s: %s hp key of %zu bytes: rc %d\n",
						be->name, hp_name(hp_algs[i]), lens[j], rc);
				if (rc == 0)
					tern_hp_key_free(k);
			}
		}
	for (i = 0; i < sizeof(bad_algs) / sizeof(bad_algs[0]); i++) {
		struct tern_aead_key *ak = NULL;
		struct tern_hp_key *hk = NULL;
		int rc;

		rc = tern_aead_key_create(be->ctx[0], (enum tern_aead_alg)bad_algs[i], raw, 16,
					  &ak);
		CHECK_EQ(rc, -TERN_EINVAL);
		rc = tern_aead_key_create(be->ctx[0], (enum tern_aead_alg)bad_algs[i], raw, 32,
					  &ak);
		CHECK_EQ(rc, -TERN_EINVAL);
		rc = tern_hp_key_create(be->ctx[0], (enum tern_hp_alg)bad_algs[i], raw, 16, &hk);
		CHECK_EQ(rc, -TERN_EINVAL);
		rc = tern_hp_key_create(be->ctx[0], (enum tern_hp_alg)bad_algs[i], raw, 32, &hk);
		CHECK_EQ(rc, -TERN_EINVAL);
	}
}

/*
 * A key of another backend in a burst: that op gets -TERN_EINVAL, the others
 * are still processed (crypto.h, tern_aead_seal_burst / tern_hp_mask_burst).
 */
static void
test_foreign_keys(struct ct_rng *r)
{
	uint8_t raw[32], pt[100], aad[13], ct[3][100], tag[3][16], ref_ct[100], ref_tag[16];
	uint8_t sample[16], ref_mask[16];
	struct tern_aead_key *k0, *k1;
	struct tern_hp_key *h0, *h1;
	struct tern_aead_op ops[3];
	struct tern_hp_op hops[3];
	unsigned i;

	if (nb_bes < 2)
		return;
	ct_rng_bytes(r, raw, sizeof(raw));
	ct_rng_bytes(r, pt, sizeof(pt));
	ct_rng_bytes(r, aad, sizeof(aad));
	ct_rng_bytes(r, sample, sizeof(sample));
	memset(ct, 0, sizeof(ct));
	memset(tag, 0, sizeof(tag));
	REQUIRE(tern_aead_key_create(bes[0].ctx[0], TERN_AEAD_AES_256_GCM, raw, 32, &k0) == 0);
	REQUIRE(tern_aead_key_create(bes[1].ctx[0], TERN_AEAD_AES_256_GCM, raw, 32, &k1) == 0);
	REQUIRE(tern_hp_key_create(bes[0].ctx[0], TERN_HP_CHACHA20, raw, 32, &h0) == 0);
	REQUIRE(tern_hp_key_create(bes[1].ctx[0], TERN_HP_CHACHA20, raw, 32, &h1) == 0);

	memset(ops, 0, sizeof(ops));
	for (i = 0; i < 3; i++) {
		memset(ops[i].nonce, (int)i, TERN_AEAD_NONCE_LEN);
		ops[i].key = i == 1 ? k1 : k0; /* op 1 is foreign to backend 0 */
		ops[i].aad = aad;
		ops[i].aad_len = sizeof(aad);
		ops[i].src = pt;
		ops[i].dst = ct[i];
		ops[i].tag = tag[i];
		ops[i].len = sizeof(pt);
	}
	CHECK_EQ(tern_aead_seal_burst(bes[0].ctx[0], ops, 3), 2);
	CHECK_EQ(ops[0].status, 0);
	CHECK_EQ(ops[1].status, -TERN_EINVAL);
	CHECK_EQ(ops[2].status, 0);
	for (i = 0; i < 3; i += 2) {
		ref_seal(TERN_AEAD_AES_256_GCM, raw, ops[i].nonce, aad, sizeof(aad), pt, sizeof(pt),
			 ref_ct, ref_tag);
		CHECK_MEM(ct[i], ref_ct, sizeof(pt));
		CHECK_MEM(tag[i], ref_tag, 16);
	}
	/* open: op 1 foreign again, the others authentic */
	for (i = 0; i < 3; i++) {
		ops[i].src = ct[i];
		ops[i].dst = ct[i];
	}
	CHECK_EQ(tern_aead_open_burst(bes[0].ctx[1], ops, 3), 2);
	CHECK_EQ(ops[0].status, 0);
	CHECK_EQ(ops[1].status, -TERN_EINVAL);
	CHECK_EQ(ops[2].status, 0);
	CHECK_MEM(ct[0], pt, sizeof(pt));
	CHECK_MEM(ct[2], pt, sizeof(pt));

	ref_hp(TERN_HP_CHACHA20, raw, sample, ref_mask);
	for (i = 0; i < 3; i++) {
		hops[i].key = i == 1 ? h0 : h1; /* op 1 is foreign to backend 1 */
		hops[i].sample = sample;
		memset(hops[i].mask, 0xcc, sizeof(hops[i].mask));
	}
	CHECK_EQ(tern_hp_mask_burst(bes[1].ctx[0], hops, 3), -TERN_EINVAL);
	CHECK_MEM(hops[0].mask, ref_mask, 16);
	CHECK_MEM(hops[2].mask, ref_mask, 16);

	tern_aead_key_free(k0);
	tern_aead_key_free(k1);
	tern_hp_key_free(h0);
	tern_hp_key_free(h1);
}

/* AUTO resolves to a concrete backend; TERN_CRYPTO_BACKEND overrides it. */
static void
test_auto(bool have_ipsecmb, bool have_openssl)
{
	const char *env = getenv("TERN_CRYPTO_BACKEND");
	char *saved = env != NULL ? strdup(env) : NULL;
	struct tern_crypto_ctx *ctx = NULL;
	enum tern_crypto_backend b;
	int rc;

	unsetenv("TERN_CRYPTO_BACKEND");
	rc = tern_crypto_ctx_create(TERN_CRYPTO_BACKEND_AUTO, &ctx);
	CHECK_EQ(rc, 0);
	if (rc == 0) {
		b = tern_crypto_ctx_backend(ctx);
		CHECK(b == TERN_CRYPTO_BACKEND_IPSECMB || b == TERN_CRYPTO_BACKEND_OPENSSL);
		/* IPsec-MB ran here, so the CPU allows it: AUTO must pick it. */
		if (have_ipsecmb)
			CHECK_EQ(b, TERN_CRYPTO_BACKEND_IPSECMB);
		printf("%s: AUTO resolved to %s (%s)\n", TEST_NAME, tern_crypto_backend_name(b),
		       tern_crypto_ctx_describe(ctx));
		tern_crypto_ctx_free(ctx);
	}

	if (have_openssl) {
		setenv("TERN_CRYPTO_BACKEND", "openssl", 1);
		ctx = NULL;
		rc = tern_crypto_ctx_create(TERN_CRYPTO_BACKEND_AUTO, &ctx);
		CHECK_EQ(rc, 0);
		if (rc == 0) {
			CHECK_EQ(tern_crypto_ctx_backend(ctx), TERN_CRYPTO_BACKEND_OPENSSL);
			tern_crypto_ctx_free(ctx);
		}
	}
	if (have_ipsecmb) {
		setenv("TERN_CRYPTO_BACKEND", "ipsecmb", 1);
		ctx = NULL;
		rc = tern_crypto_ctx_create(TERN_CRYPTO_BACKEND_AUTO, &ctx);
		CHECK_EQ(rc, 0);
		if (rc == 0) {
			CHECK_EQ(tern_crypto_ctx_backend(ctx), TERN_CRYPTO_BACKEND_IPSECMB);
			tern_crypto_ctx_free(ctx);
		}
	}
	if (saved != NULL) {
		setenv("TERN_CRYPTO_BACKEND", saved, 1);
		free(saved);
	} else {
		unsetenv("TERN_CRYPTO_BACKEND");
	}
}

int
main(void)
{
	struct ct_rng rng;
	unsigned aead_ops = 0, hp_ops = 0, round, b;
	bool have[NB_BACKENDS] = {false, false};

	setvbuf(stdout, NULL, _IOLBF, 0);
	seed = ct_test_seed(DEFAULT_SEED);
	printf("%s: seed 0x%llx (set TERN_TEST_SEED to reproduce or vary)\n", TEST_NAME,
	       (unsigned long long)seed);
	ct_rng_seed(&rng, seed);

	test_names();

	for (b = 0; b < NB_BACKENDS; b++) {
		struct backend *be = &bes[nb_bes];

		be->id = backend_ids[b];
		be->name = tern_crypto_backend_name(be->id);
		be->ctx[0] = ct_open_backend(TEST_NAME, be->id);
		if (be->ctx[0] == NULL)
			continue;
		/* A second context: keys are shared across contexts of a backend. */
		be->ctx[1] = ct_open_backend(TEST_NAME, be->id);
		REQUIRE(be->ctx[1] != NULL);
		have[b] = true;
		nb_bes++;
	}
	if (nb_bes == 0) {
		fprintf(stderr, "%s: no crypto backend is available\n", TEST_NAME);
		CHECK(nb_bes > 0);
		return tern_test_done(TEST_NAME);
	}
	if (nb_bes < 2)
		printf("SKIP %s: cross-backend comparisons (only %s runs); each op is still "
		       "checked against EVP\n",
		       TEST_NAME, bes[0].name);

	test_auto(have[0], have[1]);
	for (b = 0; b < nb_bes; b++)
		test_key_validation(&bes[b]);
	test_foreign_keys(&rng);

	for (round = 0; aead_ops < AEAD_OPS_TARGET; round++)
		run_aead_round(&rng, round, &aead_ops);
	printf("%s: %u AEAD ops in %u bursts\n", TEST_NAME, aead_ops, round);
	for (round = 0; hp_ops < HP_OPS_TARGET; round++)
		run_hp_round(&rng, round, &hp_ops);
	printf("%s: %u header-protection masks in %u bursts\n", TEST_NAME, hp_ops, round);

	for (b = 0; b < nb_bes; b++) {
		tern_crypto_ctx_free(bes[b].ctx[0]);
		tern_crypto_ctx_free(bes[b].ctx[1]);
	}
	if (tern_test_failed > 0)
		printf("%s: FAILED with seed 0x%llx\n", TEST_NAME, (unsigned long long)seed);
	return tern_test_done(TEST_NAME);
}
