/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_TESTS_QUIC_TEST_UTIL_H
#define TERN_TESTS_QUIC_TEST_UTIL_H

/*
 * Helpers shared by the tests in tests/quic: hex blocks copied from the RFC
 * texts (with spaces and newlines), and the backend named on the command
 * line.
 */

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <tern/crypto.h>

#include "tern_test.h"

/* Parse hex that may contain whitespace; REQUIREs a well-formed string. */
static inline size_t
quic_unhex(const char *hex, uint8_t *buf, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; *hex != '\0'; hex++) {
		int v;

		if (isspace((unsigned char)*hex))
			continue;
		if (*hex >= '0' && *hex <= '9')
			v = *hex - '0';
		else if (*hex >= 'a' && *hex <= 'f')
			v = *hex - 'a' + 10;
		else if (*hex >= 'A' && *hex <= 'F')
			v = *hex - 'A' + 10;
		else
			REQUIRE(!"bad hex digit");
		if (hi < 0) {
			hi = v;
			continue;
		}
		REQUIRE(n < cap);
		buf[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	REQUIRE(hi < 0);
	return n;
}

/*
 * Create a context for the backend named by argv[1] ("ipsecmb" or
 * "openssl"). Returns 0, or 77 (meson SKIP) with the reason printed when the
 * backend is unusable here.
 */
static inline int
quic_test_ctx(int argc, char **argv, const char *name, struct tern_crypto_ctx **ctx)
{
	enum tern_crypto_backend be;
	char reason[160];
	int rc;

	REQUIRE(argc >= 2);
	REQUIRE(tern_crypto_backend_parse(argv[1], &be) == 0);
	REQUIRE(be != TERN_CRYPTO_BACKEND_AUTO);
	rc = tern_crypto_ctx_create(be, ctx);
	if (rc == -TERN_ENOTSUP) {
		snprintf(reason, sizeof(reason), "backend %s unavailable on this CPU/build (%s)",
			 argv[1], tern_strerror(rc));
		return tern_test_skip(name, reason);
	}
	if (rc != 0) {
		fprintf(stderr, "%s: tern_crypto_ctx_create(%s): %s\n", name, argv[1],
			tern_strerror(rc));
		exit(1);
	}
	REQUIRE(tern_crypto_ctx_backend(*ctx) == be);
	printf("%s: backend %s (%s)\n", name, argv[1], tern_crypto_ctx_describe(*ctx));
	return 0;
}

#endif /* TERN_TESTS_QUIC_TEST_UTIL_H */
