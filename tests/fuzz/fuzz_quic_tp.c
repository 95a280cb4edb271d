/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: QUIC transport parameters (dataplane/quic/quic_tp.c).
 *
 * Standalone build, from the repository root (clang; no meson needed):
 *   clang -g -O1 -std=c11 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE
 *     -Iinclude -I. tests/fuzz/fuzz_quic_tp.c dataplane/quic/quic_tp.c
 *     -o fuzz_quic_tp
 * (or configure meson with CC=clang -Dfuzz=true; without libFuzzer meson
 * builds fuzz_quic_tp_replay with tests/fuzz/replay_main.c).
 * Seeds: tests/fuzz/corpus/fuzz_quic_tp, written by
 * `test_quic_tp --write-corpus DIR`.
 *
 * Input: byte 0 bit 0 = the parameters come from the server; the rest is the
 * quic_transport_parameters extension body.
 * Checks beyond "no crash, no out-of-bounds access": a failure reports
 * TRANSPORT_PARAMETER_ERROR; whatever decodes re-encodes (tern accepts what
 * it would send and sends what it accepts) and decodes to the same values.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tern/error.h>

#include "dataplane/quic/quic_tp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(c)                                                                             \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #c);  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t enc[8192];
	struct tern_quic_tp a, b;
	struct tern_wcursor w;
	bool from_server;
	uint8_t *copy;
	uint64_t err = 0;
	size_t n;
	int rc;

	if (size < 1)
		return 0;
	from_server = data[0] & 1;
	n = size - 1;
	/* an exact-size heap copy: any over-read is an ASan report */
	copy = malloc(n > 0 ? n : 1);
	FUZZ_ASSERT(copy != NULL);
	if (n > 0)
		memcpy(copy, data + 1, n);
	rc = tern_quic_tp_decode(n > 0 ? copy : NULL, n, from_server, &a, &err);
	free(copy);
	if (rc != 0) {
		FUZZ_ASSERT(rc == -TERN_EPROTO);
		FUZZ_ASSERT(err == TERN_QUIC_ERR_TRANSPORT_PARAMETER_ERROR);
		return 0;
	}
	tern_wcursor_init(&w, enc, sizeof(enc));
	FUZZ_ASSERT(tern_quic_tp_encode(&w, &a, from_server) == 0);
	/* defaults are omitted and varints minimal: never longer than the input */
	FUZZ_ASSERT(w.off <= n);
	FUZZ_ASSERT(tern_quic_tp_decode(enc, w.off, from_server, &b, &err) == 0);
	/* both structs start from tern_quic_tp_defaults()'s memset */
	FUZZ_ASSERT(memcmp(&a, &b, sizeof(a)) == 0);
	return 0;
}
