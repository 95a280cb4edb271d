/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Record reassembly for a TLS byte stream: records arrive split across
 * transport reads; hand them out whole. Memory is bounded by one largest
 * record (RFC 8446 5.2: 5 + 2^14 + 256 bytes).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "dataplane/cursor.h"
#include "record_internal.h"

struct tern_tls_reasm {
	size_t have;	/* bytes of the current record in buf */
	bool delivered; /* buf holds the record returned by the last call */
	int err;	/* sticky failure, 0 if none */
	int alert;	/* alert of err */
	size_t used;	/* high-water mark of buf: the bytes free() wipes */
	uint8_t buf[TERN_TLS_MAX_RECORD];
};

int
tern_tls_reasm_create(struct tern_tls_reasm **reasmp)
{
	struct tern_tls_reasm *r;

	if (reasmp == NULL)
		return -TERN_EINVAL;
	r = malloc(sizeof(*r));
	*reasmp = r;
	if (r == NULL)
		return -TERN_ENOMEM;
	r->used = 0;
	tern_tls_reasm_reset(r);
	return 0;
}

void
tern_tls_reasm_free(struct tern_tls_reasm *reasm)
{
	if (reasm == NULL)
		return;
	/* Buffered records are ciphertext, but wipe anyway: the buffer may be
	 * reused for other purposes by later layers. Only the bytes ever
	 * written: most connections never fill the 16 KiB, and wiping all of it
	 * was a visible part of a handshake's cost (bench/tls). */
	OPENSSL_cleanse(reasm->buf, reasm->used);
	OPENSSL_cleanse(reasm, offsetof(struct tern_tls_reasm, buf));
	free(reasm);
}

void
tern_tls_reasm_reset(struct tern_tls_reasm *reasm)
{
	reasm->have = 0;
	reasm->delivered = false;
	reasm->err = 0;
	reasm->alert = TERN_TLS_ALERT_NONE;
}

size_t
tern_tls_reasm_buffered(const struct tern_tls_reasm *reasm)
{
	return reasm->delivered ? 0 : reasm->have;
}

/*
 * Check a record header; on success *total is the whole record's length.
 * Only what is wrong for every record is checked here: the opener knows the
 * connection's limits.
 */
static int
check_header(const uint8_t hdr[TERN_TLS_RECORD_HEADER_LEN], size_t *total, int *alert)
{
	struct tern_rcursor c;
	uint8_t type;
	uint16_t version, len;

	tern_rcursor_init(&c, hdr, TERN_TLS_RECORD_HEADER_LEN);
	tern_rcursor_u8(&c, &type);
	tern_rcursor_u16(&c, &version); /* MUST be ignored (RFC 8446 5.1) */
	tern_rcursor_u16(&c, &len);
	(void)version;
	/* unknown record types end the connection (RFC 8446 5) */
	if (type < TERN_TLS_CT_CHANGE_CIPHER_SPEC || type > TERN_TLS_CT_APPLICATION_DATA) {
		*alert = TERN_TLS_ALERT_UNEXPECTED_MESSAGE;
		return -TERN_EPROTO;
	}
	/*
	 * TLSCiphertext (always type 23) may carry 2^14 + 256 bytes (5.2);
	 * the other types are only ever sent as TLSPlaintext: 2^14 (5.1).
	 */
	if (len > (type == TERN_TLS_CT_APPLICATION_DATA ? TERN_TLS_MAX_CIPHERTEXT
							: TERN_TLS_MAX_PLAINTEXT)) {
		*alert = TERN_TLS_ALERT_RECORD_OVERFLOW;
		return -TERN_EPROTO;
	}
	*total = TERN_TLS_RECORD_HEADER_LEN + (size_t)len;
	return 0;
}

static int
reasm_fail(struct tern_tls_reasm *r, struct tern_tls_reasm_result *res, int err, int alert)
{
	r->err = err;
	r->alert = alert;
	res->alert = (enum tern_tls_alert)alert;
	return err;
}

int
tern_tls_reasm_next(struct tern_tls_reasm *r, const uint8_t *in, size_t in_len,
		    struct tern_tls_reasm_result *res)
{
	struct tern_rcursor c;
	size_t total = 0, take;
	int rc, alert = TERN_TLS_ALERT_NONE;

	if (r == NULL || res == NULL || (in == NULL && in_len != 0))
		return -TERN_EINVAL;
	res->record = NULL;
	res->record_len = 0;
	res->consumed = 0;
	res->needed = 0;
	res->alert = TERN_TLS_ALERT_NONE;
	if (r->err != 0) {
		res->alert = (enum tern_tls_alert)r->alert;
		return r->err;
	}
	if (r->delivered) {
		r->have = 0;
		r->delivered = false;
	}
	tern_rcursor_init(&c, in, in_len);

	if (r->have == 0 && tern_rcursor_left(&c) >= TERN_TLS_RECORD_HEADER_LEN) {
		/* fast path: a whole record in the input is returned in place */
		rc = check_header(tern_rcursor_ptr(&c), &total, &alert);
		if (rc != 0)
			return reasm_fail(r, res, rc, alert);
		if (tern_rcursor_view(&c, total, &res->record)) {
			res->record_len = total;
			res->consumed = c.off;
			return 0;
		}
	}

	if (r->have < TERN_TLS_RECORD_HEADER_LEN) {
		take = TERN_TLS_RECORD_HEADER_LEN - r->have;
		if (take > tern_rcursor_left(&c))
			take = tern_rcursor_left(&c);
		tern_rcursor_copy(&c, r->buf + r->have, take);
		r->have += take;
		r->used = r->have > r->used ? r->have : r->used;
		if (r->have < TERN_TLS_RECORD_HEADER_LEN) {
			res->consumed = c.off;
			res->needed = TERN_TLS_RECORD_HEADER_LEN - r->have;
			return -TERN_EAGAIN;
		}
	}
	rc = check_header(r->buf, &total, &alert);
	if (rc != 0) {
		res->consumed = c.off;
		return reasm_fail(r, res, rc, alert);
	}
	/* total <= sizeof(r->buf) by check_header */
	take = total - r->have;
	if (take > tern_rcursor_left(&c))
		take = tern_rcursor_left(&c);
	tern_rcursor_copy(&c, r->buf + r->have, take);
	r->have += take;
	r->used = r->have > r->used ? r->have : r->used;
	res->consumed = c.off;
	if (r->have < total) {
		res->needed = total - r->have;
		return -TERN_EAGAIN;
	}
	r->delivered = true;
	res->record = r->buf;
	res->record_len = total;
	return 0;
}
