/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Retry Integrity Tag (RFC 9001 5.8, RFC 9369 3.3.3): AES-128-GCM with a
 * fixed key and nonce, empty plaintext, AAD = the Retry pseudo-packet.
 */

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include <tern/quic_packet.h>

#include "dataplane/cursor.h"

/* A pseudo-packet up to this size is built on the stack. */
#define PSEUDO_STACK_MAX 1536
/* UDP payload bound: no Retry packet is longer. */
#define RETRY_MAX 0xffff

struct tern_quic_retry_key {
	uint8_t nonce[16] __attribute__((aligned(16)));
	struct tern_aead_key *aead;
};

/* RFC 9001 5.8 */
static const uint8_t retry_secret_v1[32] = {0xd9, 0xc9, 0x94, 0x3e, 0x61, 0x01, 0xfd, 0x20,
					    0x00, 0x21, 0x50, 0x6b, 0xcc, 0x02, 0x81, 0x4c,
					    0x73, 0x03, 0x0f, 0x25, 0xc7, 0x9d, 0x71, 0xce,
					    0x87, 0x6e, 0xca, 0x87, 0x6e, 0x6f, 0xca, 0x8e};
/* RFC 9369 3.3.3 */
static const uint8_t retry_secret_v2[32] = {0xc4, 0xdd, 0x24, 0x84, 0xd6, 0x81, 0xae, 0xfa,
					    0x4f, 0xf4, 0xd6, 0x9c, 0x2c, 0x20, 0x29, 0x99,
					    0x84, 0xa7, 0x65, 0xa5, 0xd3, 0xc3, 0x19, 0x82,
					    0xf3, 0x8f, 0xc7, 0x41, 0x62, 0x15, 0x5e, 0x9f};

int
tern_quic_retry_key_create(struct tern_crypto_ctx *ctx, uint32_t version,
			   struct tern_quic_retry_key **keyp)
{
	const struct tern_tls13_suite *suite = tern_tls13_suite_get(TERN_TLS13_AES_128_GCM_SHA256);
	uint8_t key[16], hp[16];
	struct tern_quic_retry_key *k;
	const uint8_t *secret;
	int rc;

	if (keyp == NULL)
		return -TERN_EINVAL;
	*keyp = NULL;
	if (ctx == NULL)
		return -TERN_EINVAL;
	if (version == TERN_QUIC_V1)
		secret = retry_secret_v1;
	else if (version == TERN_QUIC_V2)
		secret = retry_secret_v2;
	else
		return -TERN_EINVAL;

	k = aligned_alloc(16, sizeof(*k));
	if (k == NULL)
		return -TERN_ENOMEM;
	memset(k, 0, sizeof(*k));
	/* The RFCs list the resulting key and nonce; deriving them checks the
	 * labels, and the vector tests check the result. */
	rc = tern_quic_packet_keys(version, suite, secret, sizeof(retry_secret_v1), key, k->nonce,
				   hp);
	if (rc == 0)
		rc = tern_aead_key_create(ctx, TERN_AEAD_AES_128_GCM, key, sizeof(key), &k->aead);
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(hp, sizeof(hp));
	if (rc != 0) {
		tern_quic_retry_key_free(k);
		return rc;
	}
	*keyp = k;
	return 0;
}

void
tern_quic_retry_key_free(struct tern_quic_retry_key *key)
{
	if (key == NULL)
		return;
	tern_aead_key_free(key->aead);
	OPENSSL_cleanse(key, sizeof(*key));
	free(key);
}

int
tern_quic_retry_tag(struct tern_crypto_ctx *ctx, const struct tern_quic_retry_key *key,
		    const uint8_t *odcid, size_t odcid_len, const uint8_t *retry, size_t retry_len,
		    uint8_t tag[TERN_QUIC_RETRY_TAG_LEN])
{
	uint8_t stack_buf[PSEUDO_STACK_MAX], *buf = stack_buf, empty = 0;
	struct tern_aead_op op;
	struct tern_wcursor w;
	size_t need;
	int rc;

	if (ctx == NULL || key == NULL || tag == NULL || odcid_len > TERN_QUIC_MAX_CID_LEN ||
	    (odcid == NULL && odcid_len != 0) || retry == NULL || retry_len == 0 ||
	    retry_len > RETRY_MAX)
		return -TERN_EINVAL;
	need = 1 + odcid_len + retry_len;
	if (need > sizeof(stack_buf)) {
		/* Only a Retry with a huge token gets here: not a hot path. */
		buf = malloc(need);
		if (buf == NULL)
			return -TERN_ENOMEM;
	}
	/* RFC 9001 5.8: ODCID Length, ODCID, then the Retry minus its tag. */
	tern_wcursor_init(&w, buf, need);
	if (!tern_wcursor_u8(&w, (uint8_t)odcid_len) || !tern_wcursor_bytes(&w, odcid, odcid_len) ||
	    !tern_wcursor_bytes(&w, retry, retry_len)) {
		rc = -TERN_EINTERNAL;
		goto out;
	}

	memset(&op, 0, sizeof(op));
	memcpy(op.nonce, key->nonce, sizeof(op.nonce));
	op.key = key->aead;
	op.aad = buf;
	op.aad_len = (uint32_t)w.off;
	op.src = &empty;
	op.dst = &empty;
	op.tag = tag;
	op.len = 0;
	tern_aead_seal_burst(ctx, &op, 1);
	rc = op.status;
out:
	if (buf != stack_buf)
		free(buf);
	return rc;
}

int
tern_quic_retry_verify(struct tern_crypto_ctx *ctx, const struct tern_quic_retry_key *key,
		       const uint8_t *odcid, size_t odcid_len, const uint8_t *pkt, size_t pkt_len)
{
	uint8_t expect[TERN_QUIC_RETRY_TAG_LEN];
	const uint8_t *body, *tag;
	struct tern_rcursor c;
	int rc;

	if (pkt == NULL)
		return -TERN_EINVAL;
	tern_rcursor_init(&c, pkt, pkt_len);
	if (pkt_len <= TERN_QUIC_RETRY_TAG_LEN ||
	    !tern_rcursor_view(&c, pkt_len - TERN_QUIC_RETRY_TAG_LEN, &body) ||
	    !tern_rcursor_view(&c, TERN_QUIC_RETRY_TAG_LEN, &tag))
		return -TERN_EPROTO;
	rc = tern_quic_retry_tag(ctx, key, odcid, odcid_len, body,
				 pkt_len - TERN_QUIC_RETRY_TAG_LEN, expect);
	if (rc != 0)
		return rc;
	return CRYPTO_memcmp(expect, tag, sizeof(expect)) == 0 ? 0 : -TERN_EBADMSG;
}
