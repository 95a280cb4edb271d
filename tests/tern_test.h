/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_TESTS_TEST_H
#define TERN_TESTS_TEST_H

/*
 * Minimal test helpers: each CHECK counts a pass or a failure (with file and
 * line); tern_test_done() prints "N passed, N failed" and gives the exit
 * status (meson treats 77 as SKIP, which tern_test_skip() uses with a reason).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned tern_test_passed, tern_test_failed;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (cond) {                                                                        \
			tern_test_passed++;                                                        \
		} else {                                                                           \
			tern_test_failed++;                                                        \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
		}                                                                                  \
	} while (0)

#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		long long _a = (long long)(a), _b = (long long)(b);                                \
		if (_a == _b) {                                                                    \
			tern_test_passed++;                                                        \
		} else {                                                                           \
			tern_test_failed++;                                                        \
			fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %lld, %s == %lld\n",        \
				__FILE__, __LINE__, #a, _a, #b, _b);                               \
		}                                                                                  \
	} while (0)

#define CHECK_MEM(a, b, n)                                                                         \
	do {                                                                                       \
		if (memcmp((a), (b), (n)) == 0) {                                                  \
			tern_test_passed++;                                                        \
		} else {                                                                           \
			tern_test_failed++;                                                        \
			fprintf(stderr, "%s:%d: CHECK_MEM failed: %s != %s (%zu bytes)\n",         \
				__FILE__, __LINE__, #a, #b, (size_t)(n));                          \
		}                                                                                  \
	} while (0)

/* Fatal precondition: stop the test binary. */
#define REQUIRE(cond)                                                                              \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: REQUIRE failed: %s\n", __FILE__, __LINE__, #cond); \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

static inline int
tern_test_done(const char *name)
{
	printf("%s: %u passed, %u failed\n", name, tern_test_passed, tern_test_failed);
	return (tern_test_failed == 0 && tern_test_passed > 0) ? 0 : 1;
}

static inline int
tern_test_skip(const char *name, const char *reason)
{
	printf("SKIP %s: %s\n", name, reason);
	return 77;
}

/* Parse a hex string into buf; returns byte count or (size_t)-1. */
static inline size_t
tern_test_unhex(const char *hex, unsigned char *buf, size_t cap)
{
	size_t n = strlen(hex), i;

	if (n % 2 != 0 || n / 2 > cap)
		return (size_t)-1;
	for (i = 0; i < n / 2; i++) {
		unsigned v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return (size_t)-1;
		buf[i] = (unsigned char)v;
	}
	return n / 2;
}

#endif /* TERN_TESTS_TEST_H */
