/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Driver that runs a libFuzzer target without libFuzzer: every file given on
 * the command line (a corpus), then a fixed number of seeded pseudo-random
 * inputs, including mutations of the corpus files. It lets `make test` (gcc,
 * no libFuzzer) exercise each target's entry point; the coverage-guided runs
 * happen in CI's clang build.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT 4096

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t
rng(void)
{
	/* xorshift64*: reproducible across runs and machines */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

int
main(int argc, char **argv)
{
	static uint8_t corpus[64][MAX_INPUT];
	static size_t corpus_len[64];
	unsigned ncorpus = 0, iters = 20000, i;
	uint8_t *buf;
	const char *env = getenv("TERN_FUZZ_REPLAY_ITERS");

	if (env != NULL)
		iters = (unsigned)strtoul(env, NULL, 10);
	for (i = 1; i < (unsigned)argc && ncorpus < 64; i++) {
		FILE *f = fopen(argv[i], "rb");

		if (f == NULL) {
			fprintf(stderr, "cannot open %s\n", argv[i]);
			return 1;
		}
		corpus_len[ncorpus] = fread(corpus[ncorpus], 1, MAX_INPUT, f);
		fclose(f);
		LLVMFuzzerTestOneInput(corpus[ncorpus], corpus_len[ncorpus]);
		ncorpus++;
	}
	for (i = 0; i < iters; i++) {
		size_t len, j;

		/* Exact-size heap buffer so ASan sees any overread. */
		if (ncorpus != 0 && (i & 1)) {
			unsigned c = (unsigned)(rng() % ncorpus);

			len = corpus_len[c];
			buf = malloc(len ? len : 1);
			if (buf == NULL)
				return 1;
			memcpy(buf, corpus[c], len);
			for (j = 0; len != 0 && j < 1 + rng() % 4; j++)
				buf[rng() % len] ^= (uint8_t)(1u << (rng() % 8));
			if (len != 0 && rng() % 4 == 0)
				len = (size_t)(rng() % len); /* truncate */
		} else {
			len = (size_t)(rng() % MAX_INPUT);
			if (rng() % 2)
				len %= 64;
			buf = malloc(len ? len : 1);
			if (buf == NULL)
				return 1;
			for (j = 0; j < len; j++)
				buf[j] = (uint8_t)rng();
		}
		LLVMFuzzerTestOneInput(buf, len);
		free(buf);
	}
	printf("%s: %u corpus files + %u generated inputs, no crash\n", argv[0], ncorpus, iters);
	return 0;
}
