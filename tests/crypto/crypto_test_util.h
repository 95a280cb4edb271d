/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_TESTS_CRYPTO_TEST_UTIL_H
#define TERN_TESTS_CRYPTO_TEST_UTIL_H

/*
 * Helpers shared by the crypto-accel tests: the vector directory, a
 * line/field reader for the converted Wycheproof files (no JSON parser), a
 * seeded PRNG, and opening a backend with a SKIP line when the CPU cannot run
 * it.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tern/crypto.h>
#include <tern/error.h>

#include "tern_test.h"

#ifndef TERN_TEST_VECTORS_DEFAULT
#define TERN_TEST_VECTORS_DEFAULT "tests/vectors"
#endif

/* Vector directory: $TERN_TEST_VECTORS (meson's test_env), else the source path. */
static inline const char *
ct_vector_dir(void)
{
	const char *d = getenv("TERN_TEST_VECTORS");

	return (d != NULL && d[0] != '\0') ? d : TERN_TEST_VECTORS_DEFAULT;
}

static inline FILE *
ct_open_vectors(const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", ct_vector_dir(), name);
	f = fopen(path, "r");
	if (f == NULL)
		fprintf(stderr, "cannot open %s: %s\n", path, strerror(errno));
	return f;
}

static inline void *
ct_xmalloc(size_t n)
{
	/* Exact-size allocations, so ASan sees any byte past the end. */
	void *p = malloc(n == 0 ? 1 : n);

	REQUIRE(p != NULL);
	return p;
}

static inline int
ct_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decode one hex field ("-" is empty) into a fresh exact-size buffer.
 * Returns false on malformed input.
 */
static inline bool
ct_unhex_alloc(const char *hex, uint8_t **out, size_t *out_len)
{
	size_t n, i;
	uint8_t *buf;

	if (hex == NULL)
		return false;
	if (strcmp(hex, "-") == 0) {
		*out = ct_xmalloc(0);
		*out_len = 0;
		return true;
	}
	n = strlen(hex);
	if (n == 0 || n % 2 != 0)
		return false;
	buf = ct_xmalloc(n / 2);
	for (i = 0; i < n / 2; i++) {
		int hi = ct_hexval(hex[2 * i]), lo = ct_hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			free(buf);
			return false;
		}
		buf[i] = (uint8_t)(hi << 4 | lo);
	}
	*out = buf;
	*out_len = n / 2;
	return true;
}

/* Split a line into at most max space-separated fields; returns the count. */
static inline int
ct_split(char *line, char **fields, int max)
{
	int n = 0;
	char *save = NULL, *tok;

	for (tok = strtok_r(line, " \t\r\n", &save); tok != NULL && n < max;
	     tok = strtok_r(NULL, " \t\r\n", &save))
		fields[n++] = tok;
	return tok == NULL ? n : max + 1;
}

static inline bool
ct_has_flag(const char *flags, const char *flag)
{
	size_t fl = strlen(flag);
	const char *p = flags;

	while ((p = strstr(p, flag)) != NULL) {
		bool start = p == flags || p[-1] == ',';
		bool end = p[fl] == '\0' || p[fl] == ',';

		if (start && end)
			return true;
		p += fl;
	}
	return false;
}

/* xoshiro256**, seeded through splitmix64: reproducible from one number. */
struct ct_rng {
	uint64_t s[4];
};

static inline uint64_t
ct_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline void
ct_rng_seed(struct ct_rng *r, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = ct_splitmix64(&seed);
}

static inline uint64_t
ct_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t
ct_rng_next(struct ct_rng *r)
{
	uint64_t *s = r->s;
	uint64_t res = ct_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = ct_rotl(s[3], 45);
	return res;
}

/* Uniform in [lo, hi] (bias is irrelevant here). */
static inline uint32_t
ct_rng_range(struct ct_rng *r, uint32_t lo, uint32_t hi)
{
	return lo + (uint32_t)(ct_rng_next(r) % ((uint64_t)hi - lo + 1));
}

static inline void
ct_rng_bytes(struct ct_rng *r, uint8_t *p, size_t n)
{
	while (n > 0) {
		uint64_t v = ct_rng_next(r);
		size_t k = n < 8 ? n : 8;

		memcpy(p, &v, k);
		p += k;
		n -= k;
	}
}

/*
 * Seed: $TERN_TEST_SEED if set (decimal or 0x-hex), else a fixed default, so
 * a failure reproduces with the seed the test printed.
 */
static inline uint64_t
ct_test_seed(uint64_t dflt)
{
	const char *s = getenv("TERN_TEST_SEED");
	char *end = NULL;
	unsigned long long v;

	if (s == NULL || s[0] == '\0')
		return dflt;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0') {
		fprintf(stderr, "bad TERN_TEST_SEED '%s'\n", s);
		exit(1);
	}
	return (uint64_t)v;
}

static inline bool
ct_cpu_has_aesni_pclmul(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_cpu_init();
	return __builtin_cpu_supports("aes") && __builtin_cpu_supports("pclmul");
#else
	return false;
#endif
}

/*
 * Open a context on one backend. -TERN_ENOTSUP prints "SKIP <backend>: why"
 * and returns NULL; so does any other error, but that also counts as a
 * failure (a self-test failure or ENOMEM is not a reason to skip). The
 * header promises IPsec-MB wherever AES-NI and PCLMULQDQ are present, so
 * ENOTSUP on such a CPU is a failure too.
 */
static inline struct tern_crypto_ctx *
ct_open_backend(const char *test, enum tern_crypto_backend b)
{
	struct tern_crypto_ctx *ctx = NULL;
	int rc = tern_crypto_ctx_create(b, &ctx);

	if (rc == 0) {
		REQUIRE(ctx != NULL);
		CHECK_EQ(tern_crypto_ctx_backend(ctx), b);
		printf("%s: backend %s: %s\n", test, tern_crypto_backend_name(b),
		       tern_crypto_ctx_describe(ctx));
		return ctx;
	}
	if (rc == -TERN_ENOTSUP) {
		bool cpu = ct_cpu_has_aesni_pclmul();

		printf("SKIP %s backend %s: unavailable on this CPU (%s; AES-NI+PCLMULQDQ %s)\n",
		       test, tern_crypto_backend_name(b), tern_strerror(rc),
		       cpu ? "present" : "absent");
		if (b == TERN_CRYPTO_BACKEND_IPSECMB)
			CHECK(!cpu);
		return NULL;
	}
	fprintf(stderr, "%s: backend %s: tern_crypto_ctx_create failed: %d (%s)\n", test,
		tern_crypto_backend_name(b), rc, tern_strerror(rc));
	CHECK_EQ(rc, 0);
	return NULL;
}

static inline bool
ct_all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	size_t i;

	for (i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

static inline void
ct_print_hex(FILE *f, const char *label, const uint8_t *p, size_t n)
{
	size_t i;

	fprintf(f, "  %s (%zu):", label, n);
	if (n == 0)
		fprintf(f, " -");
	else
		fputc(' ', f);
	for (i = 0; i < n && i < 96; i++)
		fprintf(f, "%02x", p[i]);
	if (n > 96)
		fprintf(f, "...");
	fputc('\n', f);
}

#endif /* TERN_TESTS_CRYPTO_TEST_UTIL_H */
