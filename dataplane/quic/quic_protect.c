/* SPDX-License-Identifier: Apache-2.0 */
/*
 * QUIC packet protection in bursts (RFC 9001 5.3, 5.4): one AEAD burst and
 * one header-protection burst per chunk of up to TERN_QUIC_BURST_MAX packets.
 */

#include <string.h>

#if defined(__x86_64__) && defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <tern/quic_packet.h>

#include "dataplane/cursor.h"
#include "dataplane/quic/quic_keys.h"

#define HDR_FORM_LONG	   0x80
#define LONG_HP_BITS	   0x0f /* RFC 9001 5.4.1: reserved + pn length */
#define SHORT_HP_BITS	   0x1f /* + key phase */
#define LONG_RESERVED	   0x0c /* RFC 9000 17.2 */
#define SHORT_RESERVED	   0x18 /* RFC 9000 17.3.1 */
#define SHORT_KEY_PHASE	   0x04
#define PN_LEN_MASK	   0x03
#define SAMPLE_OFFSET	   4 /* RFC 9001 5.4.2: sample as if the pn were 4 bytes */
#define QUIC_PKT_FIELD_MAX 0xffff

/*
 * nonce = IV xor pn, pn big-endian and left-padded to 12 bytes (RFC 9001
 * 5.3), written with a single 16-byte store: narrower stores just before the
 * AEAD call stall store forwarding (notes/crypto-limits.md, pitfall 1).
 * keys->iv holds the IV followed by 4 zero bytes.
 */
static inline void
nonce_store(uint8_t dst[16], const struct tern_quic_keys *keys, uint64_t pn)
{
#if defined(__x86_64__) && defined(__SSE2__)
	__m128i iv = _mm_load_si128((const __m128i *)(const void *)keys->iv);
	__m128i p = _mm_slli_si128(_mm_cvtsi64_si128((long long)__builtin_bswap64(pn)), 4);

	_mm_store_si128((__m128i *)(void *)dst, _mm_xor_si128(iv, p));
#else
	uint8_t n[16];
	int i;

	memcpy(n, keys->iv, sizeof(n));
	for (i = 0; i < 8; i++)
		n[4 + i] ^= (uint8_t)(pn >> (56 - 8 * i));
	memcpy(dst, n, sizeof(n));
#endif
}

static inline uint8_t
hp_bits(uint8_t first_byte)
{
	return (first_byte & HDR_FORM_LONG) ? LONG_HP_BITS : SHORT_HP_BITS;
}

static uint16_t
protect_chunk(struct tern_crypto_ctx *ctx, struct tern_quic_tx_pkt *pkts, uint16_t n)
{
	struct tern_aead_op aops[TERN_QUIC_BURST_MAX];
	struct tern_hp_op hops[TERN_QUIC_BURST_MAX];
	uint16_t idx[TERN_QUIC_BURST_MAX];
	uint16_t i, na = 0, nh = 0, ok = 0;
	int rc;

	for (i = 0; i < n; i++) {
		struct tern_quic_tx_pkt *p = &pkts[i];
		struct tern_aead_op *op = &aops[na];
		size_t pn_len;

		p->pkt_len = 0;
		p->status = -TERN_EINVAL;
		if (p->keys == NULL || p->buf == NULL || p->hdr == NULL || p->hdr_len == 0 ||
		    (p->payload == NULL && p->payload_len != 0) || p->pn > TERN_QUIC_PN_MAX)
			continue;
		pn_len = (size_t)(p->hdr[0] & PN_LEN_MASK) + 1;
		if (p->hdr_len < 1 + pn_len)
			continue;
		if (p->hdr_len > QUIC_PKT_FIELD_MAX || p->payload_len > QUIC_PKT_FIELD_MAX ||
		    pn_len + p->payload_len < SAMPLE_OFFSET) {
			p->status = -TERN_ERANGE;
			continue;
		}
		if (p->cap < p->hdr_len + p->payload_len + TERN_AEAD_TAG_LEN) {
			p->status = -TERN_ENOBUFS;
			continue;
		}
		if (p->payload != p->buf + p->hdr_len && p->payload_len != 0)
			memmove(p->buf + p->hdr_len, p->payload, p->payload_len);
		if (p->hdr != p->buf)
			memmove(p->buf, p->hdr, p->hdr_len);

		nonce_store(op->nonce, p->keys, p->pn);
		op->key = p->keys->aead;
		op->aad = p->buf;
		op->aad_len = (uint32_t)p->hdr_len;
		op->src = p->buf + p->hdr_len;
		op->dst = p->buf + p->hdr_len;
		op->tag = p->buf + p->hdr_len + p->payload_len;
		op->len = (uint32_t)p->payload_len;
		op->status = 0;
		idx[na++] = i;
	}
	if (na == 0)
		return 0;
	tern_aead_seal_burst(ctx, aops, na);

	for (i = 0; i < na; i++) {
		struct tern_quic_tx_pkt *p = &pkts[idx[i]];
		size_t pn_offset = p->hdr_len - ((size_t)(p->buf[0] & PN_LEN_MASK) + 1);

		if (aops[i].status != 0) {
			p->status = aops[i].status;
			continue;
		}
		hops[nh].key = p->keys->hp;
		hops[nh].sample = p->buf + pn_offset + SAMPLE_OFFSET;
		idx[nh++] = idx[i];
	}
	if (nh == 0)
		return 0;
	rc = tern_hp_mask_burst(ctx, hops, nh);

	for (i = 0; i < nh; i++) {
		struct tern_quic_tx_pkt *p = &pkts[idx[i]];
		const uint8_t *mask = hops[i].mask;
		size_t pn_len = (size_t)(p->buf[0] & PN_LEN_MASK) + 1;
		size_t pn_offset = p->hdr_len - pn_len, j;

		if (rc != 0) {
			/* Only a key of another backend fails, and the call
			 * does not say which: fail the chunk. */
			p->status = -TERN_EINVAL;
			continue;
		}
		p->buf[0] ^= mask[0] & hp_bits(p->buf[0]);
		for (j = 0; j < pn_len; j++)
			p->buf[pn_offset + j] ^= mask[1 + j];
		p->pkt_len = p->hdr_len + p->payload_len + TERN_AEAD_TAG_LEN;
		p->status = 0;
		ok++;
	}
	return ok;
}

uint16_t
tern_quic_protect_burst(struct tern_crypto_ctx *ctx, struct tern_quic_tx_pkt *pkts, uint16_t n)
{
	uint16_t done = 0, i, chunk;

	if (pkts == NULL)
		return 0;
	if (ctx == NULL) {
		for (i = 0; i < n; i++)
			pkts[i].status = -TERN_EINVAL;
		return 0;
	}
	for (i = 0; i < n; i += chunk) {
		chunk = (uint16_t)(n - i) < TERN_QUIC_BURST_MAX ? (uint16_t)(n - i)
								: TERN_QUIC_BURST_MAX;
		done += protect_chunk(ctx, pkts + i, chunk);
	}
	return done;
}

/* Locate the sample of a received packet; false if it is too short. */
static bool
rx_sample(const struct tern_quic_rx_pkt *p, const uint8_t **sample)
{
	struct tern_rcursor c;

	tern_rcursor_init(&c, p->pkt, p->pkt_len);
	return tern_rcursor_skip(&c, p->pn_offset) && tern_rcursor_skip(&c, SAMPLE_OFFSET) &&
	       tern_rcursor_view(&c, TERN_HP_SAMPLE_LEN, sample);
}

static uint16_t
unprotect_chunk(struct tern_crypto_ctx *ctx, struct tern_quic_rx_pkt *pkts, uint16_t n)
{
	struct tern_aead_op aops[TERN_QUIC_BURST_MAX];
	struct tern_hp_op hops[TERN_QUIC_BURST_MAX];
	uint16_t idx[TERN_QUIC_BURST_MAX];
	uint16_t i, na = 0, nh = 0, ok = 0;
	int rc;

	for (i = 0; i < n; i++) {
		struct tern_quic_rx_pkt *p = &pkts[i];

		p->pn = 0;
		p->payload = NULL;
		p->payload_len = 0;
		p->first_byte = 0;
		p->pn_len = 0;
		p->key_phase = 0;
		p->authenticated = false;
		p->status = -TERN_EINVAL;
		if (p->keys == NULL || p->pkt == NULL || p->pn_offset == 0)
			continue;
		if (!rx_sample(p, &hops[nh].sample)) {
			p->status = -TERN_EPROTO;
			continue;
		}
		hops[nh].key = p->keys->hp;
		idx[nh++] = i;
	}
	if (nh == 0)
		return 0;
	rc = tern_hp_mask_burst(ctx, hops, nh);

	for (i = 0; i < nh; i++) {
		struct tern_quic_rx_pkt *p = &pkts[idx[i]];
		const struct tern_quic_keys *keys = p->keys;
		struct tern_aead_op *op = &aops[na];
		const uint8_t *mask = hops[i].mask;
		const uint8_t *ct, *tag;
		struct tern_rcursor c;
		uint64_t truncated;
		size_t pn_len, j, ct_len;

		if (rc != 0)
			continue; /* status stays -TERN_EINVAL; see protect_chunk */

		p->first_byte = p->pkt[0] ^ (mask[0] & hp_bits(p->pkt[0]));
		p->pkt[0] = p->first_byte;
		pn_len = (size_t)(p->first_byte & PN_LEN_MASK) + 1;
		/* rx_sample() checked pn_offset + 4 + 16 <= pkt_len. */
		for (j = 0; j < pn_len; j++)
			p->pkt[p->pn_offset + j] ^= mask[1 + j];

		tern_rcursor_init(&c, p->pkt, p->pkt_len);
		if (!tern_rcursor_skip(&c, p->pn_offset) ||
		    !tern_rcursor_uint(&c, pn_len, &truncated) ||
		    tern_rcursor_left(&c) < TERN_AEAD_TAG_LEN) {
			p->status = -TERN_EPROTO; /* not reached: sampling needs more */
			continue;
		}
		ct_len = tern_rcursor_left(&c) - TERN_AEAD_TAG_LEN;
		if (!tern_rcursor_view(&c, ct_len, &ct) ||
		    !tern_rcursor_view(&c, TERN_AEAD_TAG_LEN, &tag)) {
			p->status = -TERN_EPROTO;
			continue;
		}
		p->pn_len = (uint8_t)pn_len;
		p->pn = tern_quic_pn_decode(p->largest_pn, truncated, pn_len);

		if (!(p->first_byte & HDR_FORM_LONG)) {
			/* RFC 9001 6: the key phase bit picks the generation;
			 * the header-protection key is the same for both. */
			p->key_phase = (p->first_byte & SHORT_KEY_PHASE) ? 1 : 0;
			if (tern_quic_keys_phase(keys) != p->key_phase)
				keys = p->prev_keys != NULL && p->pn < p->phase_start_pn
					       ? p->prev_keys
					       : p->alt_keys;
			if (keys == NULL) {
				p->status = -TERN_EBADMSG;
				continue;
			}
		}

		nonce_store(op->nonce, keys, p->pn);
		op->key = keys->aead;
		op->aad = p->pkt;
		op->aad_len = (uint32_t)(p->pn_offset + pn_len);
		/* The cursor handed out const views of the caller's mutable
		 * packet; decrypt in place at the same offsets. */
		op->src = ct;
		op->dst = p->pkt + (size_t)(ct - p->pkt);
		op->tag = p->pkt + (size_t)(tag - p->pkt);
		op->len = (uint32_t)ct_len;
		op->status = 0;
		idx[na++] = idx[i];
	}
	if (na == 0)
		return 0;
	tern_aead_open_burst(ctx, aops, na);

	for (i = 0; i < na; i++) {
		struct tern_quic_rx_pkt *p = &pkts[idx[i]];
		uint8_t reserved;

		if (aops[i].status != 0) {
			p->status = aops[i].status;
			continue;
		}
		p->authenticated = true;
		p->payload = aops[i].dst;
		p->payload_len = aops[i].len;
		reserved = (p->first_byte & HDR_FORM_LONG) ? LONG_RESERVED : SHORT_RESERVED;
		if (p->first_byte & reserved) {
			/* RFC 9000 17.2/17.3.1: checked only after decryption. */
			p->status = -TERN_EPROTO;
			continue;
		}
		p->status = 0;
		ok++;
	}
	return ok;
}

uint16_t
tern_quic_unprotect_burst(struct tern_crypto_ctx *ctx, struct tern_quic_rx_pkt *pkts, uint16_t n)
{
	uint16_t done = 0, i, chunk;

	if (pkts == NULL)
		return 0;
	if (ctx == NULL) {
		for (i = 0; i < n; i++)
			pkts[i].status = -TERN_EINVAL;
		return 0;
	}
	for (i = 0; i < n; i += chunk) {
		chunk = (uint16_t)(n - i) < TERN_QUIC_BURST_MAX ? (uint16_t)(n - i)
								: TERN_QUIC_BURST_MAX;
		done += unprotect_chunk(ctx, pkts + i, chunk);
	}
	return done;
}
