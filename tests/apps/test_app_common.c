/* SPDX-License-Identifier: Apache-2.0 */
/*
 * apps/common helpers that need no EAL: the latency histogram (bucket
 * bounds and percentile error), the lab seed / cipher suite parsers and the
 * mbuf pool sizing.
 */
#include <stdint.h>

#include "apps/common/app_common.h"
#include "tern_test.h"

static uint64_t
rng(uint64_t *s)
{
	/* xorshift64: deterministic test data */
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void
test_buckets(void)
{
	/* Small values are exact; buckets are monotonic and never overflow. */
	for (uint64_t v = 0; v < APP_HIST_SUB; v++)
		CHECK_EQ(app_hist_bucket(v), (unsigned)v);
	unsigned prev = 0;
	for (unsigned shift = 0; shift < 64; shift++) {
		for (uint64_t k = 0; k < 16; k++) {
			uint64_t v = (1ULL << shift) + k * ((1ULL << shift) / 16);
			unsigned b = app_hist_bucket(v);
			CHECK(b < APP_HIST_BUCKETS);
			CHECK(b >= prev);
			prev = b;
		}
	}
	CHECK(app_hist_bucket(UINT64_MAX) < APP_HIST_BUCKETS);
}

static void
test_quantiles(void)
{
	static struct app_hist h;
	enum { N = 100000 };
	static uint64_t vals[N];
	uint64_t s = 0x9e3779b97f4a7c15ULL;

	memset(&h, 0, sizeof(h));
	CHECK_EQ(app_hist_quantile(&h, 0.5), 0);
	for (unsigned i = 0; i < N; i++) {
		/* log-uniform over ~1 k .. 100 M cycles, like real latencies */
		vals[i] = 1000 + (rng(&s) % 1000) * (1ULL << (rng(&s) % 17));
		app_hist_record(&h, vals[i]);
	}
	qsort(vals, N, sizeof(vals[0]), cmp_u64);
	CHECK_EQ(h.total, (uint64_t)N);
	CHECK_EQ(h.max, vals[N - 1]);
	const double qs[] = {0.5, 0.9, 0.99, 0.999};
	for (unsigned i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		uint64_t exact = vals[(size_t)(qs[i] * N) - 1];
		uint64_t got = app_hist_quantile(&h, qs[i]);
		/* Upper bucket bound: never below the exact value, at most 1/8 above. */
		CHECK(got >= exact);
		CHECK(got <= exact + exact / APP_HIST_SUB + 1);
	}
	CHECK_EQ(app_hist_quantile(&h, 1.0), vals[N - 1]);

	struct app_hist m;
	memset(&m, 0, sizeof(m));
	app_hist_merge(&m, &h);
	app_hist_merge(&m, &h);
	CHECK_EQ(m.total, 2 * (uint64_t)N);
	CHECK_EQ(app_hist_quantile(&m, 0.5), app_hist_quantile(&h, 0.5));
}

static void
test_parsers(void)
{
	uint8_t seed[APP_LAB_SEED_LEN], def[APP_LAB_SEED_LEN];
	uint16_t suite = 0;

	app_lab_seed_default(def);
	CHECK_EQ(def[0], 0);
	CHECK_EQ(def[31], 31);
	CHECK_EQ(app_parse_seed("000102030405060708090a0b0c0d0e0f"
				"101112131415161718191A1B1C1D1E1F",
				seed),
		 0);
	CHECK_MEM(seed, def, sizeof(def));
	CHECK_EQ(app_parse_seed("00", seed), -1);
	CHECK_EQ(app_parse_seed("000102030405060708090a0b0c0d0e0f"
				"101112131415161718191a1b1c1d1e1g",
				seed),
		 -1);
	CHECK_EQ(app_parse_suite("aes128", &suite), 0);
	CHECK_EQ(suite, 0x1301);
	CHECK_EQ(app_parse_suite("aes256", &suite), 0);
	CHECK_EQ(suite, 0x1302);
	CHECK_EQ(app_parse_suite("chacha", &suite), -1);
}

static void
test_pool_size(void)
{
	/* Every ring full, every cache full, a burst per worker and a slack. */
	unsigned n = app_pool_size(2, 1, 1024, 1024, 32, 1, 256);
	CHECK(n >= 2 * (1024 + 1024) + 32 + 256);
	CHECK(app_pool_size(1, 1, 32, 32, 32, 1, 0) >= 2048);
	CHECK(app_pool_size(4, 2, 1024, 1024, 32, 3, 256) > n);
}

int
main(void)
{
	test_buckets();
	test_quantiles();
	test_parsers();
	test_pool_size();
	return tern_test_done("test_app_common");
}
