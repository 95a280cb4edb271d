/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: TLS record reassembly + opening (dataplane/tls).
 *
 * Standalone build, from the repository root (clang; no meson needed), as
 * one command line:
 *   clang -g -O1 -std=c11 -fsanitize=fuzzer,address,undefined -DLINUX
 *     -D_GNU_SOURCE -Iinclude -I. tests/fuzz/fuzz_tls_record_open.c
 *     dataplane/tls/[a-z]*.c crypto-accel/[a-z]*.c -lIPSec_MB -lcrypto
 *     -o fuzz_tls_record_open
 *   ./fuzz_tls_record_open -max_len=40000 [corpus_dir]
 * (or configure meson with CC=clang -Dfuzz=true: build-dir/tests/fuzz/fuzz_tls_record_open)
 * Without libFuzzer (any compiler), link tests/fuzz/replay_main.c instead of
 * -fsanitize=fuzzer; meson builds that as fuzz_tls_record_open_replay.
 *
 * Input layout:
 *   byte 0      mode: bit 0 = "protect": the payload is a list of
 *               (uint16 length, bytes) TLSInnerPlaintexts that this target
 *               protects itself with the fixed key, so that fuzzed input
 *               reaches the checks after decryption (padding scan, content
 *               type, limits); clear = the payload is raw stream bytes.
 *               bits 1-2: AEAD. bit 3: record_size_limit 64. bit 4: in-place
 *               decryption.
 *   byte 1      n: number of chunk-size bytes (n % 16)
 *   n bytes     chunk sizes, cycled: b + 1 bytes, or the whole rest if b == 255
 *   rest        payload
 * The stream is fed to the reassembler chunk by chunk (each chunk an
 * exactly-sized heap copy), and complete records are opened in bursts of up
 * to 4. Nothing may crash, hang, or touch memory outside what was given.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tern/crypto.h>
#include <tern/tls_record.h>

#define BATCH 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tern_crypto_ctx *fuzz_ctx;

static const uint8_t fuzz_key[32] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
				     0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
				     0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
				     0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f};
static const uint8_t fuzz_iv[12] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5,
				    0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab};

#define FUZZ_ASSERT(c)                                                                             \
	do {                                                                                       \
		if (!(c))                                                                          \
			__builtin_trap();                                                          \
	} while (0)

/*
 * Turn (uint16 length, bytes) items into protected records: header
 * 23 03 03 len, then AEAD(inner) with nonce iv XOR seq (RFC 8446 5.2-5.3),
 * built directly on crypto-accel so that any inner plaintext is possible.
 */
static uint8_t *
protect_items(enum tern_aead_alg alg, const uint8_t *p, size_t n, size_t *out_len)
{
	struct tern_aead_key *key = NULL;
	/* worst case: every 2 input bytes become an empty record of 5 + 16 bytes */
	size_t cap = n + (n / 2 + 1) * (TERN_TLS_RECORD_HEADER_LEN + TERN_AEAD_TAG_LEN);
	uint8_t *out = malloc(cap ? cap : 1);
	size_t pos = 0, off = 0;
	uint64_t seq = 0;

	*out_len = 0;
	if (out == NULL ||
	    tern_aead_key_create(fuzz_ctx, alg, fuzz_key, tern_aead_key_len(alg), &key) != 0) {
		free(out);
		return NULL;
	}
	while (n - pos >= 2) {
		struct tern_aead_op op;
		size_t len = (((size_t)p[pos] << 8) | p[pos + 1]) % (TERN_TLS_MAX_CIPHERTEXT - 15);
		size_t ct, i;

		pos += 2;
		if (len > n - pos)
			len = n - pos;
		ct = len + TERN_AEAD_TAG_LEN;
		FUZZ_ASSERT(off + TERN_TLS_RECORD_HEADER_LEN + ct <= cap);
		out[off] = TERN_TLS_CT_APPLICATION_DATA;
		out[off + 1] = 3;
		out[off + 2] = 3;
		out[off + 3] = (uint8_t)(ct >> 8);
		out[off + 4] = (uint8_t)ct;
		memset(&op, 0, sizeof(op));
		memcpy(op.nonce, fuzz_iv, 12);
		for (i = 0; i < 8; i++)
			op.nonce[11 - i] ^= (uint8_t)(seq >> (8 * i));
		op.key = key;
		op.aad = out + off;
		op.aad_len = TERN_TLS_RECORD_HEADER_LEN;
		op.src = p + pos;
		op.dst = out + off + TERN_TLS_RECORD_HEADER_LEN;
		op.tag = op.dst + len;
		op.len = (uint32_t)len;
		tern_aead_seal_burst(fuzz_ctx, &op, 1);
		pos += len;
		off += TERN_TLS_RECORD_HEADER_LEN + ct;
		seq++;
	}
	tern_aead_key_free(key);
	*out_len = off;
	return out;
}

/* Open the batched records; each is an exactly-sized heap copy. */
static void
open_batch(struct tern_tls_record_state *st, uint8_t **recs, const size_t *lens, unsigned n,
	   int in_place)
{
	struct tern_tls_open_op ops[BATCH];
	uint8_t *outs[BATCH];
	unsigned i;

	memset(ops, 0, sizeof(ops));
	for (i = 0; i < n; i++) {
		/* TLSCiphertext.length - 16 is all the output needed: exact size */
		size_t cap = lens[i] > TERN_TLS_RECORD_HEADER_LEN + TERN_AEAD_TAG_LEN
				     ? lens[i] - TERN_TLS_RECORD_HEADER_LEN - TERN_AEAD_TAG_LEN
				     : 0;

		outs[i] = in_place ? NULL : malloc(cap ? cap : 1);
		ops[i].state = st;
		ops[i].record = recs[i];
		ops[i].record_len = (uint32_t)lens[i];
		ops[i].out = in_place ? recs[i] + TERN_TLS_RECORD_HEADER_LEN : outs[i];
		ops[i].out_cap = (uint32_t)cap;
		if (in_place && lens[i] < TERN_TLS_RECORD_HEADER_LEN)
			ops[i].out = recs[i];
	}
	tern_tls_record_open_burst(fuzz_ctx, ops, (uint16_t)n);
	for (i = 0; i < n; i++) {
		FUZZ_ASSERT(ops[i].consumed <= lens[i]);
		if (ops[i].status == 0) {
			FUZZ_ASSERT(ops[i].plaintext_len < ops[i].out_cap);
			FUZZ_ASSERT(ops[i].plaintext_len < tern_tls_record_state_size_limit(st));
			FUZZ_ASSERT(ops[i].content_type >= TERN_TLS_CT_ALERT &&
				    ops[i].content_type <= TERN_TLS_CT_APPLICATION_DATA);
			FUZZ_ASSERT(ops[i].plaintext_len != 0 ||
				    ops[i].content_type == TERN_TLS_CT_APPLICATION_DATA);
		} else if (ops[i].status == -TERN_EBADMSG || ops[i].status == -TERN_EPROTO) {
			FUZZ_ASSERT(ops[i].alert != TERN_TLS_ALERT_NONE);
			FUZZ_ASSERT(tern_tls_record_state_error(st, NULL) == ops[i].status);
		}
		free(outs[i]);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum tern_aead_alg algs[3] = {TERN_AEAD_AES_128_GCM, TERN_AEAD_AES_256_GCM,
						   TERN_AEAD_CHACHA20_POLY1305};
	struct tern_tls_record_state *st = NULL;
	struct tern_tls_reasm *r = NULL;
	const uint8_t *sizes, *payload;
	uint8_t *stream = NULL, *recs[BATCH];
	size_t nsizes, plen, slen, pos = 0, lens[BATCH], k = 0;
	unsigned nb = 0;
	enum tern_aead_alg alg;
	uint8_t mode;

	if (fuzz_ctx == NULL && tern_crypto_ctx_create(TERN_CRYPTO_BACKEND_AUTO, &fuzz_ctx) != 0)
		return 0;
	if (size < 2)
		return 0;
	mode = data[0];
	nsizes = data[1] % 16;
	if (size - 2 < nsizes)
		return 0;
	sizes = data + 2;
	payload = sizes + nsizes;
	plen = size - 2 - nsizes;
	alg = algs[(mode >> 1) % 3];

	if (tern_tls_record_state_create(fuzz_ctx, alg, fuzz_key, tern_aead_key_len(alg), fuzz_iv,
					 sizeof(fuzz_iv), &st) != 0)
		return 0;
	if (mode & 8)
		tern_tls_record_state_set_size_limit(st, TERN_TLS_RECORD_SIZE_LIMIT_MIN);
	if (tern_tls_reasm_create(&r) != 0)
		goto out;
	if (mode & 1) {
		stream = protect_items(alg, payload, plen, &slen);
		if (stream == NULL)
			goto out;
	} else {
		stream = malloc(plen ? plen : 1);
		if (stream == NULL)
			goto out;
		memcpy(stream, payload, plen);
		slen = plen;
	}

	while (pos < slen) {
		size_t chunk = slen - pos, cpos = 0;
		uint8_t *piece;

		if (nsizes != 0 && sizes[k % nsizes] != 255 && sizes[k % nsizes] + 1u < chunk)
			chunk = sizes[k % nsizes] + 1u;
		k++;
		piece = malloc(chunk);
		if (piece == NULL)
			break;
		memcpy(piece, stream + pos, chunk);
		pos += chunk;
		for (;;) {
			struct tern_tls_reasm_result res;
			int rc = tern_tls_reasm_next(r, piece + cpos, chunk - cpos, &res);

			FUZZ_ASSERT(res.consumed <= chunk - cpos);
			cpos += res.consumed;
			if (rc != 0) {
				FUZZ_ASSERT(rc != -TERN_EAGAIN || cpos == chunk);
				break;
			}
			FUZZ_ASSERT(res.record_len >= TERN_TLS_RECORD_HEADER_LEN &&
				    res.record_len <= TERN_TLS_MAX_RECORD);
			recs[nb] = malloc(res.record_len);
			if (recs[nb] == NULL)
				break;
			memcpy(recs[nb], res.record, res.record_len);
			lens[nb++] = res.record_len;
			if (nb == BATCH) {
				open_batch(st, recs, lens, nb, mode & 16);
				while (nb > 0)
					free(recs[--nb]);
			}
			if (cpos == chunk)
				break;
		}
		free(piece);
	}
	if (nb > 0) {
		open_batch(st, recs, lens, nb, mode & 16);
		while (nb > 0)
			free(recs[--nb]);
	}
out:
	free(stream);
	tern_tls_reasm_free(r);
	tern_tls_record_state_free(st);
	return 0;
}
