/* SPDX-License-Identifier: Apache-2.0 */
/* TLS 1.3 record sealing in bursts (RFC 8446 5.2-5.4). */

#include <string.h>

#include "dataplane/cursor.h"
#include "record_internal.h"

/* Check one op and lay out header + TLSInnerPlaintext in its output. */
static int
seal_prepare(struct tern_tls_seal_op *op, struct tern_aead_op *aop)
{
	struct tern_tls_record_state *s = op->state;
	struct tern_wcursor w, hw;
	uint8_t *hdr, *body, *tag;
	uint32_t inner;

	if (s == NULL || op->out == NULL || (op->plaintext == NULL && op->plaintext_len != 0))
		return -TERN_EINVAL;
	if (s->err != 0)
		return s->err;
	if (!tls_record_inner_type_ok(op->content_type))
		return -TERN_EINVAL;
	/* RFC 8446 5.4: no zero-length Handshake or Alert content */
	if (op->plaintext_len == 0 && op->content_type != TERN_TLS_CT_APPLICATION_DATA)
		return -TERN_EINVAL;
	inner = tls_record_inner_len(s, op->plaintext_len);
	if (inner == 0)
		return -TERN_ERANGE;
	/*
	 * Sequence numbers never wrap (RFC 8446 5.3). The last value is left
	 * unused so that the increment after this record cannot wrap either.
	 */
	if (s->seq == UINT64_MAX)
		return -TERN_ELIMIT;

	tern_wcursor_init(&w, op->out, op->out_cap);
	if (!tern_wcursor_reserve(&w, TERN_TLS_RECORD_HEADER_LEN, &hdr) ||
	    !tern_wcursor_reserve(&w, inner, &body) ||
	    !tern_wcursor_reserve(&w, TERN_AEAD_TAG_LEN, &tag))
		return -TERN_ENOBUFS;

	/* content first: it may overlap the header bytes (in-place callers) */
	if (op->plaintext_len != 0 && op->plaintext != body)
		memmove(body, op->plaintext, op->plaintext_len);
	body[op->plaintext_len] = op->content_type;
	/* padding octets MUST be zero (RFC 8446 5.4) */
	memset(body + op->plaintext_len + 1, 0, inner - op->plaintext_len - 1);

	tern_wcursor_init(&hw, hdr, TERN_TLS_RECORD_HEADER_LEN);
	tern_wcursor_u8(&hw, TERN_TLS_CT_APPLICATION_DATA);
	tern_wcursor_u16(&hw, TLS_LEGACY_RECORD_VERSION);
	tern_wcursor_u16(&hw, (uint16_t)(inner + TERN_AEAD_TAG_LEN));

	op->seq = s->seq++;
	tls_record_nonce(aop->nonce, s, op->seq);
	aop->key = s->key;
	aop->aad = hdr; /* additional_data = the 5-byte record header */
	aop->aad_len = TERN_TLS_RECORD_HEADER_LEN;
	aop->src = body;
	aop->dst = body;
	aop->tag = tag;
	aop->len = inner;
	aop->status = 0;
	op->out_len = (uint32_t)w.off;
	return 0;
}

static uint16_t
seal_chunk(struct tern_crypto_ctx *ctx, struct tern_tls_seal_op *ops, uint16_t n)
{
	struct tern_aead_op aops[TERN_TLS_RECORD_BURST_MAX];
	uint16_t idx[TERN_TLS_RECORD_BURST_MAX];
	uint16_t i, na = 0, ok = 0;

	for (i = 0; i < n; i++) {
		struct tern_tls_seal_op *op = &ops[i];
		int rc;

		op->out_len = 0;
		rc = seal_prepare(op, &aops[na]);
		op->status = rc;
		if (rc == 0)
			idx[na++] = i;
	}
	if (na != 0)
		tern_aead_seal_burst(ctx, aops, na);

	for (i = 0; i < na; i++) {
		struct tern_tls_seal_op *op = &ops[idx[i]];
		struct tern_tls_record_state *s = op->state;

		if (aops[i].status != 0)
			/* the sequence number is spent: later records cannot be opened */
			tls_record_fail(s, op->seq, aops[i].status, TERN_TLS_ALERT_INTERNAL_ERROR);
		if (tls_record_failed_at(s, op->seq)) {
			/* the body may still hold plaintext if the AEAD did not run */
			memset(op->out, 0, op->out_len);
			op->out_len = 0;
			op->status = s->err;
			continue;
		}
		ok++;
	}
	return ok;
}

uint16_t
tern_tls_record_seal_burst(struct tern_crypto_ctx *ctx, struct tern_tls_seal_op *ops, uint16_t n)
{
	uint16_t done = 0, ok = 0;

	while (done < n) {
		uint16_t m = (uint16_t)(n - done);

		if (m > TERN_TLS_RECORD_BURST_MAX)
			m = TERN_TLS_RECORD_BURST_MAX;
		ok = (uint16_t)(ok + seal_chunk(ctx, ops + done, m));
		done = (uint16_t)(done + m);
	}
	return ok;
}
