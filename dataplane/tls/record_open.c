/* SPDX-License-Identifier: Apache-2.0 */
/* TLS 1.3 record opening in bursts (RFC 8446 5, 5.2-5.4; RFC 8449 4). */

#include <string.h>

#include "dataplane/cursor.h"
#include "record_internal.h"

/* Fail the op and, from this record on, its state. */
static int
open_fail(struct tern_tls_open_op *op, int err, int alert)
{
	struct tern_tls_record_state *s = op->state;

	tls_record_fail(s, s->seq, err, alert);
	op->alert = (enum tern_tls_alert)alert;
	return err;
}

/* Parse and check one record; on success fill the AEAD op. */
static int
open_prepare(struct tern_tls_open_op *op, struct tern_aead_op *aop)
{
	struct tern_tls_record_state *s = op->state;
	struct tern_rcursor c;
	const uint8_t *hdr, *body = NULL, *tag = NULL;
	uint8_t type, ccs;
	uint16_t version, len;

	if (s == NULL || op->record == NULL || op->out == NULL)
		return -TERN_EINVAL;
	if (s->err != 0) {
		op->alert = (enum tern_tls_alert)s->alert;
		return s->err;
	}

	tern_rcursor_init(&c, op->record, op->record_len);
	if (!tern_rcursor_view(&c, TERN_TLS_RECORD_HEADER_LEN, &hdr)) {
		op->needed = (uint32_t)(TERN_TLS_RECORD_HEADER_LEN - op->record_len);
		return -TERN_EAGAIN;
	}
	{
		struct tern_rcursor h;

		tern_rcursor_init(&h, hdr, TERN_TLS_RECORD_HEADER_LEN);
		tern_rcursor_u8(&h, &type);
		tern_rcursor_u16(&h, &version); /* ignored: it is authenticated as AAD */
		tern_rcursor_u16(&h, &len);
	}

	if (type == TERN_TLS_CT_CHANGE_CIPHER_SPEC) {
		/*
		 * RFC 8446 5: an unprotected CCS of the single byte 0x01 may arrive
		 * where protected records are expected; any other CCS is
		 * unexpected_message. Detect it before deprotecting.
		 */
		if (len != 1)
			return open_fail(op, -TERN_EPROTO, TERN_TLS_ALERT_UNEXPECTED_MESSAGE);
		if (!tern_rcursor_u8(&c, &ccs)) {
			op->needed = 1;
			return -TERN_EAGAIN;
		}
		if (ccs != 0x01)
			return open_fail(op, -TERN_EPROTO, TERN_TLS_ALERT_UNEXPECTED_MESSAGE);
		op->consumed = (uint32_t)c.off;
		op->content_type = TERN_TLS_CT_CHANGE_CIPHER_SPEC;
		return TERN_TLS_OPEN_CCS;
	}
	/* protected records always carry opaque_type application_data (5.2) */
	if (type != TERN_TLS_CT_APPLICATION_DATA)
		return open_fail(op, -TERN_EPROTO, TERN_TLS_ALERT_UNEXPECTED_MESSAGE);
	/* checked before waiting for the body: such a record is never valid */
	if (len > TERN_TLS_MAX_CIPHERTEXT)
		return open_fail(op, -TERN_EPROTO, TERN_TLS_ALERT_RECORD_OVERFLOW);
	if (tern_rcursor_left(&c) < len) {
		op->needed = (uint32_t)(len - tern_rcursor_left(&c));
		return -TERN_EAGAIN;
	}
	/* too short to hold a tag: cannot be deprotected (5.2) */
	if (len < TERN_AEAD_TAG_LEN)
		return open_fail(op, -TERN_EBADMSG, TERN_TLS_ALERT_BAD_RECORD_MAC);
	/*
	 * Every supported AEAD expands by exactly its tag, so the decrypted
	 * TLSInnerPlaintext length is known now. The record size limit counts
	 * all of it, type and padding included (RFC 8449 4; RFC 8446 5.4).
	 */
	if ((uint32_t)len - TERN_AEAD_TAG_LEN > s->max_inner)
		return open_fail(op, -TERN_EPROTO, TERN_TLS_ALERT_RECORD_OVERFLOW);
	if (op->out_cap < (uint32_t)len - TERN_AEAD_TAG_LEN)
		return -TERN_ENOBUFS;
	/* the peer had to rekey or close before wrapping (5.3); see seal */
	if (s->seq == UINT64_MAX)
		return open_fail(op, -TERN_ELIMIT, TERN_TLS_ALERT_INTERNAL_ERROR);

	if (!tern_rcursor_view(&c, (size_t)len - TERN_AEAD_TAG_LEN, &body) ||
	    !tern_rcursor_view(&c, TERN_AEAD_TAG_LEN, &tag))
		return -TERN_EINVAL; /* unreachable: the length was checked above */
	op->consumed = (uint32_t)c.off;
	op->seq = s->seq++;
	tls_record_nonce(aop->nonce, s, op->seq);
	aop->key = s->key;
	aop->aad = hdr;
	aop->aad_len = TERN_TLS_RECORD_HEADER_LEN;
	aop->src = body;
	aop->dst = op->out;
	/* open only reads the tag; the op field is shared with seal */
	aop->tag = (uint8_t *)(uintptr_t)tag;
	aop->len = (uint32_t)len - TERN_AEAD_TAG_LEN;
	aop->status = 0;
	return 0;
}

/* After a successful AEAD: find the content type behind the padding (5.4). */
static int
open_finish(struct tern_tls_open_op *op, uint32_t inner_len)
{
	struct tern_tls_record_state *s = op->state;
	uint32_t i = inner_len;
	uint8_t type;

	/* scan only the decrypted bytes, from the end (5.4) */
	while (i > 0 && op->out[i - 1] == 0)
		i--;
	if (i == 0) {
		tls_record_fail(s, op->seq, -TERN_EPROTO, TERN_TLS_ALERT_UNEXPECTED_MESSAGE);
		return -TERN_EPROTO;
	}
	type = op->out[i - 1];
	/* a protected CCS or an unknown type is unexpected (5) */
	if (!tls_record_inner_type_ok(type) ||
	    /* empty content is legal for application_data only (5.4) */
	    (i == 1 && type != TERN_TLS_CT_APPLICATION_DATA)) {
		tls_record_fail(s, op->seq, -TERN_EPROTO, TERN_TLS_ALERT_UNEXPECTED_MESSAGE);
		return -TERN_EPROTO;
	}
	op->content_type = type;
	op->plaintext_len = i - 1;
	return 0;
}

static uint16_t
open_chunk(struct tern_crypto_ctx *ctx, struct tern_tls_open_op *ops, uint16_t n)
{
	struct tern_aead_op aops[TERN_TLS_RECORD_BURST_MAX];
	uint16_t idx[TERN_TLS_RECORD_BURST_MAX];
	uint16_t i, na = 0, ok = 0;

	for (i = 0; i < n; i++) {
		struct tern_tls_open_op *op = &ops[i];

		op->consumed = 0;
		op->needed = 0;
		op->plaintext_len = 0;
		op->content_type = TERN_TLS_CT_INVALID;
		op->alert = TERN_TLS_ALERT_NONE;
		op->status = open_prepare(op, &aops[na]);
		if (op->status == 0)
			idx[na++] = i;
	}
	if (na != 0)
		tern_aead_open_burst(ctx, aops, na);

	for (i = 0; i < na; i++) {
		struct tern_tls_open_op *op = &ops[idx[i]];
		struct tern_tls_record_state *s = op->state;
		int rc;

		if (aops[i].status == -TERN_EBADMSG)
			tls_record_fail(s, op->seq, -TERN_EBADMSG, TERN_TLS_ALERT_BAD_RECORD_MAC);
		else if (aops[i].status != 0)
			tls_record_fail(s, op->seq, aops[i].status, TERN_TLS_ALERT_INTERNAL_ERROR);
		/* an earlier record of this state may have failed: release nothing after it */
		rc = tls_record_failed_at(s, op->seq) ? s->err : open_finish(op, aops[i].len);
		if (rc != 0) {
			memset(op->out, 0, aops[i].len);
			op->plaintext_len = 0;
			op->content_type = TERN_TLS_CT_INVALID;
			op->status = s->err;
			op->alert = (enum tern_tls_alert)s->alert;
			continue;
		}
		op->status = 0;
		ok++;
	}
	/*
	 * A record that failed its checks above may sit behind one that then
	 * failed decryption: report the first failure in stream order, as
	 * later calls will.
	 */
	for (i = 0; i < n; i++) {
		struct tern_tls_open_op *op = &ops[i];

		if ((op->status == -TERN_EBADMSG || op->status == -TERN_EPROTO ||
		     op->status == -TERN_ELIMIT) &&
		    op->state != NULL && op->state->err != 0) {
			op->status = op->state->err;
			op->alert = (enum tern_tls_alert)op->state->alert;
		}
	}
	return ok;
}

uint16_t
tern_tls_record_open_burst(struct tern_crypto_ctx *ctx, struct tern_tls_open_op *ops, uint16_t n)
{
	uint16_t done = 0, ok = 0;

	while (done < n) {
		uint16_t m = (uint16_t)(n - done);

		if (m > TERN_TLS_RECORD_BURST_MAX)
			m = TERN_TLS_RECORD_BURST_MAX;
		ok = (uint16_t)(ok + open_chunk(ctx, ops + done, m));
		done = (uint16_t)(done + m);
	}
	return ok;
}
