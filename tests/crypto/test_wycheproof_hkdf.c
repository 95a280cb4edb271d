/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Wycheproof HKDF-SHA-256 / HKDF-SHA-384 vectors (tests/vectors) through
 * tern_hkdf_extract + tern_hkdf_expand.
 *
 * valid:   OKM = Expand(Extract(salt, IKM), info, L) matches.
 * invalid: (SizeTooLarge, L > 255 * HashLen, RFC 5869 2.3) Expand fails
 *          with -TERN_EINVAL.
 * Empty salts run both as NULL and as a non-NULL zero-length pointer.
 */

#include "crypto_test_util.h"

#define TEST_NAME "test_wycheproof_hkdf"

static void
report(const char *file, int tcid, const char *flags, const char *what, const uint8_t *ikm,
       size_t ikm_len, const uint8_t *salt, size_t salt_len, const uint8_t *info, size_t info_len,
       size_t size)
{
	fprintf(stderr, "FAIL %s tcId %d (%s): %s\n", file, tcid, flags, what);
	ct_print_hex(stderr, "ikm", ikm, ikm_len);
	ct_print_hex(stderr, "salt", salt, salt_len);
	ct_print_hex(stderr, "info", info, info_len);
	fprintf(stderr, "  size: %zu\n", size);
}

static unsigned
run_file(const char *file, enum tern_hash hash)
{
	size_t hlen = tern_hash_len(hash);
	FILE *f = ct_open_vectors(file);
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0, ran = 0;

	REQUIRE(f != NULL);
	REQUIRE(hlen == 32 || hlen == 48);
	while (getline(&line, &cap, f) != -1) {
		uint8_t *ikm, *salt, *info, *okm, *out, *prk;
		size_t ikm_len, salt_len, info_len, okm_len, size;
		char *fld[9], *end, flags[96];
		bool valid;
		int nf, tcid, rc, pass;

		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		nf = ct_split(line, fld, 8);
		if (nf != 8) {
			fprintf(stderr, "%s:%u: expected 8 fields, got %d\n", file, lineno, nf);
			REQUIRE(nf == 8);
		}
		tcid = atoi(fld[0]);
		REQUIRE(strcmp(fld[1], "valid") == 0 || strcmp(fld[1], "invalid") == 0);
		valid = strcmp(fld[1], "valid") == 0;
		snprintf(flags, sizeof(flags), "%s", fld[2]);
		REQUIRE(ct_unhex_alloc(fld[3], &ikm, &ikm_len));
		REQUIRE(ct_unhex_alloc(fld[4], &salt, &salt_len));
		REQUIRE(ct_unhex_alloc(fld[5], &info, &info_len));
		size = strtoul(fld[6], &end, 10);
		REQUIRE(*end == '\0');
		REQUIRE(ct_unhex_alloc(fld[7], &okm, &okm_len));
		REQUIRE(!valid || okm_len == size);

		/* Empty salt: as NULL, and as a zero-length non-NULL buffer. */
		for (pass = 0; pass < (salt_len == 0 ? 2 : 1); pass++) {
			const uint8_t *s = (salt_len == 0 && pass == 0) ? NULL : salt;

			/* Exactly HashLen bytes: ASan catches a longer write. */
			prk = ct_xmalloc(hlen);
			rc = tern_hkdf_extract(hash, s, salt_len, ikm, ikm_len, prk);
			CHECK_EQ(rc, 0);
			if (rc != 0) {
				report(file, tcid, flags, "extract failed", ikm, ikm_len, salt,
				       salt_len, info, info_len, size);
				free(prk);
				continue;
			}

			out = ct_xmalloc(size);
			memset(out, 0xcc, size);
			rc = tern_hkdf_expand(hash, prk, hlen, info, info_len, out, size);
			if (valid) {
				CHECK_EQ(rc, 0);
				CHECK(rc == 0 && memcmp(out, okm, size) == 0);
				if (rc != 0 || memcmp(out, okm, size) != 0) {
					char what[64];

					snprintf(what, sizeof(what), "expand rc %d or OKM mismatch",
						 rc);
					report(file, tcid, flags, what, ikm, ikm_len, salt,
					       salt_len, info, info_len, size);
					ct_print_hex(stderr, "expected", okm, okm_len);
					ct_print_hex(stderr, "got", out, size);
				}
			} else {
				/* The header documents -TERN_EINVAL for L > 255 * HashLen. */
				CHECK_EQ(rc, -TERN_EINVAL);
				if (rc != -TERN_EINVAL) {
					char what[64];

					snprintf(what, sizeof(what),
						 "expand of an invalid size returned %d", rc);
					report(file, tcid, flags, what, ikm, ikm_len, salt,
					       salt_len, info, info_len, size);
				}
			}
			free(out);
			free(prk);
		}
		free(ikm);
		free(salt);
		free(info);
		free(okm);
		ran++;
	}
	free(line);
	fclose(f);
	printf("%s: %s: %u cases\n", TEST_NAME, file, ran);
	CHECK(ran > 0);
	return ran;
}

/* Edges the vectors do not reach, all documented in crypto.h. */
static void
run_edges(void)
{
	uint8_t prk[TERN_HASH_MAX_LEN], zeros[TERN_HASH_MAX_LEN] = {0}, a[64], b[64];
	static const uint8_t ikm[22] = {0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
					0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
					0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b};
	static const enum tern_hash hashes[] = {TERN_HASH_SHA256, TERN_HASH_SHA384};
	size_t i;

	CHECK_EQ(tern_hash_len(TERN_HASH_SHA256), 32);
	CHECK_EQ(tern_hash_len(TERN_HASH_SHA384), 48);
	CHECK_EQ(tern_hash_len((enum tern_hash)0), 0);
	CHECK_EQ(tern_hash_len((enum tern_hash)99), 0);

	CHECK_EQ(tern_hkdf_extract((enum tern_hash)0, NULL, 0, ikm, sizeof(ikm), prk),
		 -TERN_EINVAL);
	CHECK_EQ(tern_hkdf_extract((enum tern_hash)99, NULL, 0, ikm, sizeof(ikm), prk),
		 -TERN_EINVAL);
	CHECK_EQ(tern_hkdf_expand((enum tern_hash)0, zeros, 32, NULL, 0, a, 32), -TERN_EINVAL);

	for (i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++) {
		size_t hlen = tern_hash_len(hashes[i]);

		/* RFC 5869 2.2: no salt == HashLen zero bytes of salt. */
		CHECK_EQ(tern_hkdf_extract(hashes[i], NULL, 0, ikm, sizeof(ikm), prk), 0);
		CHECK_EQ(tern_hkdf_expand(hashes[i], prk, hlen, NULL, 0, a, sizeof(a)), 0);
		CHECK_EQ(tern_hkdf_extract(hashes[i], zeros, hlen, ikm, sizeof(ikm), prk), 0);
		CHECK_EQ(tern_hkdf_expand(hashes[i], prk, hlen, NULL, 0, b, sizeof(b)), 0);
		CHECK_MEM(a, b, sizeof(a));

		/* A PRK shorter than HashLen is rejected (RFC 5869 2.3). */
		CHECK_EQ(tern_hkdf_expand(hashes[i], prk, hlen - 1, NULL, 0, a, 16), -TERN_EINVAL);
		/* The largest and first too-large L. */
		{
			size_t max = 255 * hlen;
			uint8_t *big = ct_xmalloc(max + 1);

			CHECK_EQ(tern_hkdf_expand(hashes[i], prk, hlen, NULL, 0, big, max), 0);
			CHECK_EQ(tern_hkdf_expand(hashes[i], prk, hlen, NULL, 0, big, max + 1),
				 -TERN_EINVAL);
			free(big);
		}
	}
}

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	run_file("wycheproof_hkdf_sha256.txt", TERN_HASH_SHA256);
	run_file("wycheproof_hkdf_sha384.txt", TERN_HASH_SHA384);
	run_edges();
	return tern_test_done(TEST_NAME);
}
