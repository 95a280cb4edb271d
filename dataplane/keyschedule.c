/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TLS 1.3 HKDF-Expand-Label / Derive-Secret and the QUIC derivations on top.
 */

#include <string.h>

#include <openssl/crypto.h>

#include <tern/keyschedule.h>

#include "dataplane/cursor.h"

/* uint16 length, opaque label<7..255>, opaque context<0..255> */
#define HKDF_LABEL_MAX (2 + 1 + 255 + 1 + 255)

static const char tls13_prefix[] = "tls13 ";

static const struct tern_tls13_suite suites[] = {
	{TERN_TLS13_AES_128_GCM_SHA256, TERN_AEAD_AES_128_GCM, TERN_HP_AES_128, TERN_HASH_SHA256,
	 16, 32},
	{TERN_TLS13_AES_256_GCM_SHA384, TERN_AEAD_AES_256_GCM, TERN_HP_AES_256, TERN_HASH_SHA384,
	 32, 48},
	{TERN_TLS13_CHACHA20_POLY1305_SHA256, TERN_AEAD_CHACHA20_POLY1305, TERN_HP_CHACHA20,
	 TERN_HASH_SHA256, 32, 32},
};

const struct tern_tls13_suite *
tern_tls13_suite_get(uint16_t id)
{
	size_t i;

	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (suites[i].id == id)
			return &suites[i];
	return NULL;
}

int
tern_hkdf_expand_label(enum tern_hash hash, const uint8_t *secret, size_t secret_len,
		       const char *label, const uint8_t *context, size_t context_len, uint8_t *out,
		       size_t out_len)
{
	uint8_t info[HKDF_LABEL_MAX];
	struct tern_wcursor w;
	size_t label_len;
	int rc;

	if (out == NULL || out_len == 0)
		return -TERN_EINVAL;
	rc = -TERN_EINVAL;
	if (secret == NULL || label == NULL || (context == NULL && context_len != 0) ||
	    tern_hash_len(hash) == 0 || out_len > UINT16_MAX)
		goto fail;
	label_len = strnlen(label, TERN_HKDF_LABEL_MAX + 1);
	if (label_len > TERN_HKDF_LABEL_MAX || context_len > TERN_HKDF_CONTEXT_MAX)
		goto fail;

	tern_wcursor_init(&w, info, sizeof(info));
	if (!tern_wcursor_u16(&w, (uint16_t)out_len) ||
	    !tern_wcursor_u8(&w, (uint8_t)(sizeof(tls13_prefix) - 1 + label_len)) ||
	    !tern_wcursor_bytes(&w, tls13_prefix, sizeof(tls13_prefix) - 1) ||
	    !tern_wcursor_bytes(&w, label, label_len) ||
	    !tern_wcursor_u8(&w, (uint8_t)context_len) ||
	    !tern_wcursor_bytes(&w, context, context_len))
		goto fail;

	rc = tern_hkdf_expand(hash, secret, secret_len, info, w.off, out, out_len);
	if (rc == 0)
		return 0;
fail:
	OPENSSL_cleanse(out, out_len);
	return rc;
}

int
tern_derive_secret(enum tern_hash hash, const uint8_t *secret, size_t secret_len, const char *label,
		   const uint8_t *transcript_hash, uint8_t *out)
{
	size_t hlen = tern_hash_len(hash);

	if (hlen == 0 || transcript_hash == NULL || out == NULL)
		return -TERN_EINVAL;
	return tern_hkdf_expand_label(hash, secret, secret_len, label, transcript_hash, hlen, out,
				      hlen);
}

/* --- QUIC ---------------------------------------------------------------- */

/* RFC 9001 5.2 */
static const uint8_t initial_salt_v1[20] = {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34,
					    0xb3, 0x4d, 0x17, 0x9a, 0xe6, 0xa4, 0xc8,
					    0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a};
/* RFC 9369 3.3.1 */
static const uint8_t initial_salt_v2[20] = {0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6,
					    0xdb, 0x81, 0x93, 0x81, 0xbe, 0x6e, 0x26,
					    0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9};

/* RFC 9369 3.3.2: v2 changes every QUIC-specific label. */
struct quic_labels {
	const char *key, *iv, *hp, *ku;
};

static const struct quic_labels labels_v1 = {"quic key", "quic iv", "quic hp", "quic ku"};
static const struct quic_labels labels_v2 = {"quicv2 key", "quicv2 iv", "quicv2 hp", "quicv2 ku"};

static const struct quic_labels *
quic_labels(uint32_t version)
{
	switch (version) {
	case TERN_QUIC_V1:
		return &labels_v1;
	case TERN_QUIC_V2:
		return &labels_v2;
	default:
		return NULL;
	}
}

bool
tern_quic_version_supported(uint32_t version)
{
	return quic_labels(version) != NULL;
}

const uint8_t *
tern_quic_initial_salt(uint32_t version, size_t *salt_len)
{
	const uint8_t *salt;

	switch (version) {
	case TERN_QUIC_V1:
		salt = initial_salt_v1;
		break;
	case TERN_QUIC_V2:
		salt = initial_salt_v2;
		break;
	default:
		return NULL;
	}
	if (salt_len != NULL)
		*salt_len = sizeof(initial_salt_v1);
	return salt;
}

int
tern_quic_initial_secrets(uint32_t version, const uint8_t *dcid, size_t dcid_len,
			  uint8_t client_secret_out[TERN_QUIC_INITIAL_SECRET_LEN],
			  uint8_t server_secret_out[TERN_QUIC_INITIAL_SECRET_LEN])
{
	uint8_t initial_secret[TERN_QUIC_INITIAL_SECRET_LEN];
	const uint8_t *salt;
	size_t salt_len;
	int rc;

	if (client_secret_out == NULL || server_secret_out == NULL)
		return -TERN_EINVAL;
	rc = -TERN_EINVAL;
	salt = tern_quic_initial_salt(version, &salt_len);
	if (salt == NULL || dcid_len > TERN_QUIC_MAX_CID_LEN || (dcid == NULL && dcid_len != 0))
		goto fail;
	rc = tern_hkdf_extract(TERN_HASH_SHA256, salt, salt_len, dcid, dcid_len, initial_secret);
	if (rc == 0)
		rc = tern_hkdf_expand_label(TERN_HASH_SHA256, initial_secret,
					    sizeof(initial_secret), "client in", NULL, 0,
					    client_secret_out, TERN_QUIC_INITIAL_SECRET_LEN);
	if (rc == 0)
		rc = tern_hkdf_expand_label(TERN_HASH_SHA256, initial_secret,
					    sizeof(initial_secret), "server in", NULL, 0,
					    server_secret_out, TERN_QUIC_INITIAL_SECRET_LEN);
	OPENSSL_cleanse(initial_secret, sizeof(initial_secret));
	if (rc == 0)
		return 0;
fail:
	OPENSSL_cleanse(client_secret_out, TERN_QUIC_INITIAL_SECRET_LEN);
	OPENSSL_cleanse(server_secret_out, TERN_QUIC_INITIAL_SECRET_LEN);
	return rc;
}

int
tern_quic_packet_keys(uint32_t version, const struct tern_tls13_suite *suite, const uint8_t *secret,
		      size_t secret_len, uint8_t *key, uint8_t iv[TERN_AEAD_NONCE_LEN], uint8_t *hp)
{
	const struct quic_labels *l = quic_labels(version);
	int rc;

	if (suite == NULL || key == NULL || iv == NULL || hp == NULL)
		return -TERN_EINVAL;
	rc = -TERN_EINVAL;
	if (l == NULL || secret == NULL || secret_len != suite->hash_len)
		goto fail;
	rc = tern_hkdf_expand_label(suite->hash, secret, secret_len, l->key, NULL, 0, key,
				    suite->key_len);
	if (rc == 0)
		rc = tern_hkdf_expand_label(suite->hash, secret, secret_len, l->iv, NULL, 0, iv,
					    TERN_AEAD_NONCE_LEN);
	if (rc == 0)
		rc = tern_hkdf_expand_label(suite->hash, secret, secret_len, l->hp, NULL, 0, hp,
					    suite->key_len);
	if (rc == 0)
		return 0;
fail:
	OPENSSL_cleanse(key, suite->key_len);
	OPENSSL_cleanse(iv, TERN_AEAD_NONCE_LEN);
	OPENSSL_cleanse(hp, suite->key_len);
	return rc;
}

int
tern_quic_key_update_secret(uint32_t version, enum tern_hash hash, const uint8_t *secret,
			    size_t secret_len, uint8_t *next)
{
	const struct quic_labels *l = quic_labels(version);
	size_t hlen = tern_hash_len(hash);

	if (next == NULL || hlen == 0)
		return -TERN_EINVAL;
	if (l == NULL || secret_len != hlen) {
		OPENSSL_cleanse(next, hlen);
		return -TERN_EINVAL;
	}
	return tern_hkdf_expand_label(hash, secret, secret_len, l->ku, NULL, 0, next, hlen);
}
