/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_DATAPLANE_TLS_RECORD_INTERNAL_H
#define TERN_DATAPLANE_TLS_RECORD_INTERNAL_H

/* Internals shared by the record state, seal, open and reassembly files. */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <tern/tls_record.h>

#define TLS_LEGACY_RECORD_VERSION 0x0303

struct tern_tls_record_state {
	/* write_iv in bytes 0..11, zeros after: one aligned 16-byte load. */
	uint8_t iv[16] __attribute__((aligned(16)));
	struct tern_aead_key *key;
	uint64_t seq;	    /* next record's sequence number */
	uint64_t fail_seq;  /* with err: sequence number of the first failed record */
	int32_t err;	    /* sticky failure (negative), 0 if none */
	int32_t alert;	    /* alert of err */
	uint32_t max_inner; /* record size limit: largest TLSInnerPlaintext */
	uint32_t pad_n;
	enum tern_tls_pad_policy pad_policy;
	enum tern_aead_alg alg;
};

/*
 * nonce = write_iv XOR (sequence number, big-endian, left-padded to 12
 * bytes) (RFC 8446 5.3), written with one 16-byte store: narrower stores
 * into the nonce just before the AEAD reads it stall store forwarding.
 */
static inline void
tls_record_nonce(uint8_t nonce[16], const struct tern_tls_record_state *s, uint64_t seq)
{
#if defined(__SSE2__) && defined(__x86_64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	__m128i iv = _mm_load_si128((const __m128i *)(const void *)s->iv);
	/* bswap puts the big-endian sequence in bytes 0..7; shift them to 4..11 */
	__m128i sq = _mm_slli_si128(_mm_cvtsi64_si128((long long)__builtin_bswap64(seq)), 4);

	_mm_store_si128((__m128i *)(void *)nonce, _mm_xor_si128(iv, sq));
#else
	uint8_t tmp[16];
	int i;

	memcpy(tmp, s->iv, 16);
	for (i = 0; i < 8; i++)
		tmp[4 + i] ^= (uint8_t)(seq >> (56 - 8 * i));
	memcpy(nonce, tmp, 16);
#endif
}

/*
 * Record the first failure of a direction in stream order. In a burst a
 * later record of the same state may fail before an earlier one is
 * decrypted, so the failure with the lowest sequence number wins.
 */
static inline void
tls_record_fail(struct tern_tls_record_state *s, uint64_t seq, int err, int alert)
{
	if (s->err == 0 || seq < s->fail_seq) {
		s->err = err;
		s->alert = alert;
		s->fail_seq = seq;
	}
}

/* Has the record with this sequence number (or an earlier one) failed? */
static inline bool
tls_record_failed_at(const struct tern_tls_record_state *s, uint64_t seq)
{
	return s->err != 0 && s->fail_seq <= seq;
}

/* The inner content types TLS 1.3 protects (RFC 8446 5: CCS is never protected). */
static inline bool
tls_record_inner_type_ok(uint8_t type)
{
	return type == TERN_TLS_CT_ALERT || type == TERN_TLS_CT_HANDSHAKE ||
	       type == TERN_TLS_CT_APPLICATION_DATA;
}

/*
 * TLSInnerPlaintext length for pt_len content bytes under the padding policy,
 * never above the record size limit (RFC 8446 5.4, RFC 8449 4). 0 if the
 * content alone does not fit.
 */
static inline uint32_t
tls_record_inner_len(const struct tern_tls_record_state *s, size_t pt_len)
{
	uint32_t len, target;

	if (pt_len >= s->max_inner)
		return 0;
	len = (uint32_t)pt_len + 1;
	switch (s->pad_policy) {
	case TERN_TLS_PAD_MULTIPLE:
		target = (len + s->pad_n - 1) / s->pad_n * s->pad_n;
		break;
	case TERN_TLS_PAD_FIXED:
		target = s->pad_n;
		break;
	default:
		target = len;
		break;
	}
	if (target > s->max_inner)
		target = s->max_inner;
	return target > len ? target : len;
}

#endif /* TERN_DATAPLANE_TLS_RECORD_INTERNAL_H */
