/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Range set: insert/merge, remove (with splits), prefix removal, run ends,
 * the range cap (ELIMIT, set unchanged; coalescing insert never fails), and
 * a randomized comparison against a byte bitmap.
 */
#include <stdint.h>

#include <tern/error.h>

#include "dataplane/quic/quic_rangeset.h"
#include "tests/tern_test.h"

static bool
has(const struct tern_quic_rangeset *rs, uint32_t i, uint64_t s, uint64_t e)
{
	return i < rs->n && rs->r[i].start == s && rs->r[i].end == e;
}

static void
test_insert_merge(void)
{
	struct tern_quic_rangeset rs;

	tern_quic_rangeset_init(&rs, 16);
	CHECK(tern_quic_rangeset_empty(&rs));
	CHECK_EQ(tern_quic_rangeset_max(&rs), 0);
	CHECK_EQ(tern_quic_rangeset_insert(&rs, 10, 20), 0);
	CHECK_EQ(tern_quic_rangeset_insert(&rs, 30, 40), 0);
	CHECK_EQ(tern_quic_rangeset_insert(&rs, 0, 5), 0);
	CHECK_EQ(tern_quic_rangeset_count(&rs), 3);
	CHECK(has(&rs, 0, 0, 5) && has(&rs, 1, 10, 20) && has(&rs, 2, 30, 40));
	/* empty range: no-op */
	CHECK_EQ(tern_quic_rangeset_insert(&rs, 7, 7), 0);
	CHECK_EQ(tern_quic_rangeset_count(&rs), 3);
	/* adjacent merges */
	CHECK_EQ(tern_quic_rangeset_insert(&rs, 20, 25), 0);
	CHECK(has(&rs, 1, 10, 25));
	CHECK_EQ(tern_quic_rangeset_insert(&rs, 5, 10), 0);
	CHECK_EQ(tern_quic_rangeset_count(&rs), 2);
	CHECK(has(&rs, 0, 0, 25) && has(&rs, 1, 30, 40));
	/* one insert spanning several */
	CHECK_EQ(tern_quic_rangeset_insert(&rs, 50, 60), 0);
	CHECK_EQ(tern_quic_rangeset_insert(&rs, 70, 80), 0);
	CHECK_EQ(tern_quic_rangeset_insert(&rs, 24, 75), 0);
	CHECK_EQ(tern_quic_rangeset_count(&rs), 1);
	CHECK(has(&rs, 0, 0, 80));
	/* contained insert */
	CHECK_EQ(tern_quic_rangeset_insert(&rs, 3, 9), 0);
	CHECK(has(&rs, 0, 0, 80));
	CHECK_EQ(tern_quic_rangeset_min(&rs), 0);
	CHECK_EQ(tern_quic_rangeset_max(&rs), 80);
	tern_quic_rangeset_free(&rs);
	CHECK(tern_quic_rangeset_empty(&rs));
}

static void
test_remove(void)
{
	struct tern_quic_rangeset rs;

	tern_quic_rangeset_init(&rs, 16);
	CHECK_EQ(tern_quic_rangeset_insert(&rs, 0, 100), 0);
	/* split */
	CHECK_EQ(tern_quic_rangeset_remove(&rs, 40, 60), 0);
	CHECK(has(&rs, 0, 0, 40) && has(&rs, 1, 60, 100));
	/* trim edges across two ranges */
	CHECK_EQ(tern_quic_rangeset_remove(&rs, 30, 70), 0);
	CHECK(has(&rs, 0, 0, 30) && has(&rs, 1, 70, 100));
	/* remove in a gap: no-op */
	CHECK_EQ(tern_quic_rangeset_remove(&rs, 30, 70), 0);
	CHECK_EQ(tern_quic_rangeset_count(&rs), 2);
	/* remove spanning everything */
	CHECK_EQ(tern_quic_rangeset_insert(&rs, 200, 210), 0);
	CHECK_EQ(tern_quic_rangeset_remove(&rs, 0, 205), 0);
	CHECK_EQ(tern_quic_rangeset_count(&rs), 1);
	CHECK(has(&rs, 0, 205, 210));
	/* exact range */
	CHECK_EQ(tern_quic_rangeset_remove(&rs, 205, 210), 0);
	CHECK(tern_quic_rangeset_empty(&rs));

	CHECK_EQ(tern_quic_rangeset_insert(&rs, 0, 10), 0);
	CHECK_EQ(tern_quic_rangeset_insert(&rs, 20, 30), 0);
	CHECK_EQ(tern_quic_rangeset_insert(&rs, 40, 50), 0);
	tern_quic_rangeset_remove_below(&rs, 25);
	CHECK_EQ(tern_quic_rangeset_count(&rs), 2);
	CHECK(has(&rs, 0, 25, 30) && has(&rs, 1, 40, 50));
	tern_quic_rangeset_remove_below(&rs, 35);
	CHECK(has(&rs, 0, 40, 50));
	tern_quic_rangeset_remove_below(&rs, 100);
	CHECK(tern_quic_rangeset_empty(&rs));
	tern_quic_rangeset_free(&rs);
}

static void
test_queries(void)
{
	struct tern_quic_rangeset rs;

	tern_quic_rangeset_init(&rs, 16);
	CHECK_EQ(tern_quic_rangeset_run_end(&rs, 5), 5);
	CHECK_EQ(tern_quic_rangeset_insert(&rs, 10, 20), 0);
	CHECK_EQ(tern_quic_rangeset_insert(&rs, 30, 40), 0);
	CHECK_EQ(tern_quic_rangeset_run_end(&rs, 0), 0);
	CHECK_EQ(tern_quic_rangeset_run_end(&rs, 10), 20);
	CHECK_EQ(tern_quic_rangeset_run_end(&rs, 15), 20);
	CHECK_EQ(tern_quic_rangeset_run_end(&rs, 20), 20);
	CHECK_EQ(tern_quic_rangeset_run_end(&rs, 39), 40);
	CHECK(tern_quic_rangeset_contains(&rs, 10, 20));
	CHECK(tern_quic_rangeset_contains(&rs, 12, 13));
	CHECK(!tern_quic_rangeset_contains(&rs, 15, 31));
	CHECK(!tern_quic_rangeset_contains(&rs, 20, 21));
	CHECK(!tern_quic_rangeset_contains(&rs, 9, 11));
	CHECK(tern_quic_rangeset_contains(&rs, 25, 25));
	CHECK_EQ(tern_quic_rangeset_find(&rs, 0), 0);
	CHECK_EQ(tern_quic_rangeset_find(&rs, 19), 0);
	CHECK_EQ(tern_quic_rangeset_find(&rs, 20), 1);
	CHECK_EQ(tern_quic_rangeset_find(&rs, 40), 2);
	tern_quic_rangeset_free(&rs);
}

static void
test_limit(void)
{
	struct tern_quic_rangeset rs;
	uint64_t i;

	tern_quic_rangeset_init(&rs, 3);
	for (i = 0; i < 3; i++)
		CHECK_EQ(tern_quic_rangeset_insert(&rs, i * 10, i * 10 + 5), 0);
	CHECK_EQ(tern_quic_rangeset_insert(&rs, 100, 105), -TERN_ELIMIT);
	CHECK_EQ(tern_quic_rangeset_count(&rs), 3);
	CHECK_EQ(tern_quic_rangeset_max(&rs), 25);
	/* merging inserts still work when full */
	CHECK_EQ(tern_quic_rangeset_insert(&rs, 5, 7), 0);
	CHECK(has(&rs, 0, 0, 7));
	/* a split that needs a 4th range fails, set unchanged */
	CHECK_EQ(tern_quic_rangeset_remove(&rs, 2, 3), -TERN_ELIMIT);
	CHECK(has(&rs, 0, 0, 7) && has(&rs, 1, 10, 15) && has(&rs, 2, 20, 25));
	/* coalescing insert joins the nearest neighbour: [16,17) is closer to
	 * [10,15) (gap 1) than to [20,25) (gap 3) */
	tern_quic_rangeset_insert_coalesce(&rs, 16, 17);
	CHECK_EQ(tern_quic_rangeset_count(&rs), 3);
	CHECK(has(&rs, 1, 10, 17));
	CHECK(tern_quic_rangeset_contains(&rs, 16, 17));
	/* beyond the last range */
	tern_quic_rangeset_insert_coalesce(&rs, 50, 60);
	CHECK(has(&rs, 2, 20, 60));
	/* before the first range */
	tern_quic_rangeset_remove_below(&rs, 3);
	tern_quic_rangeset_insert_coalesce(&rs, 0, 1);
	CHECK(has(&rs, 0, 0, 7));
	tern_quic_rangeset_free(&rs);
}

/* Random operations against a bitmap model of 512 offsets. */
static void
test_random(void)
{
	struct tern_quic_rangeset rs;
	uint8_t model[512];
	uint32_t x = 12345;
	int iter;
	bool ok = true;

	memset(model, 0, sizeof(model));
	tern_quic_rangeset_init(&rs, 1024);
	for (iter = 0; iter < 20000 && ok; iter++) {
		uint64_t a, b, o, i;

		x = x * 1103515245u + 12345u;
		a = (x >> 8) % 512;
		x = x * 1103515245u + 12345u;
		b = a + (x >> 8) % 24;
		if (b > 512)
			b = 512;
		x = x * 1103515245u + 12345u;
		switch ((x >> 16) % 4) {
		case 0:
		case 1:
			ok = tern_quic_rangeset_insert(&rs, a, b) == 0;
			for (o = a; o < b; o++)
				model[o] = 1;
			break;
		case 2:
			ok = tern_quic_rangeset_remove(&rs, a, b) == 0;
			for (o = a; o < b; o++)
				model[o] = 0;
			break;
		default:
			if (iter % 50 == 0) {
				tern_quic_rangeset_remove_below(&rs, a);
				for (o = 0; o < a; o++)
					model[o] = 0;
			}
			break;
		}
		/* ranges sorted, disjoint, non-adjacent; match the model */
		for (i = 0; ok && i < rs.n; i++) {
			ok = rs.r[i].start < rs.r[i].end;
			if (i > 0)
				ok = ok && rs.r[i - 1].end < rs.r[i].start;
		}
		for (o = 0; ok && o < 512; o++)
			ok = model[o] == (tern_quic_rangeset_contains(&rs, o, o + 1) ? 1 : 0);
		if (ok) {
			/* run_end agrees with the model at a random point */
			uint64_t e = a;

			while (e < 512 && model[e])
				e++;
			ok = tern_quic_rangeset_run_end(&rs, a) == e;
		}
	}
	CHECK(ok);
	CHECK_EQ(iter, 20000);
	tern_quic_rangeset_free(&rs);
}

int
main(void)
{
	test_insert_merge();
	test_remove();
	test_queries();
	test_limit();
	test_random();
	return tern_test_done("test_quic_rangeset");
}
