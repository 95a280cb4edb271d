/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-direction QUIC key state: built from a traffic secret (RFC 9001 5.1),
 * from the Initial DCID (5.2) or from the previous generation (6.1).
 */

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "dataplane/quic/quic_keys.h"

/* Allocate and fill a key state from already-derived key material; the hp
 * key is shared_hp (another reference) if given, else built from hp. */
static int
keys_build(struct tern_crypto_ctx *ctx, uint32_t version, const struct tern_tls13_suite *suite,
	   uint64_t generation, const uint8_t *secret, const uint8_t *key, const uint8_t *iv,
	   const uint8_t *hp, struct tern_hp_key *shared_hp, struct tern_quic_keys **keysp)
{
	struct tern_quic_keys *k;
	int rc;

	k = aligned_alloc(_Alignof(struct tern_quic_keys), sizeof(*k));
	if (k == NULL)
		return -TERN_ENOMEM;
	memset(k, 0, sizeof(*k));
	memcpy(k->iv, iv, TERN_AEAD_NONCE_LEN);
	k->suite = suite;
	k->generation = generation;
	k->version = version;
	memcpy(k->secret, secret, suite->hash_len);

	rc = tern_aead_key_create(ctx, suite->aead, key, suite->key_len, &k->aead);
	if (rc == 0 && shared_hp != NULL)
		k->hp = tern_hp_key_ref(shared_hp);
	else if (rc == 0)
		rc = tern_hp_key_create(ctx, suite->hp, hp, suite->key_len, &k->hp);
	if (rc != 0) {
		tern_quic_keys_free(k);
		return rc;
	}
	*keysp = k;
	return 0;
}

static int
keys_from_secret(struct tern_crypto_ctx *ctx, uint32_t version,
		 const struct tern_tls13_suite *suite, uint64_t generation, const uint8_t *secret,
		 struct tern_hp_key *shared_hp, struct tern_quic_keys **keysp)
{
	uint8_t key[TERN_AEAD_KEY_MAX], iv[TERN_AEAD_NONCE_LEN], hp[TERN_AEAD_KEY_MAX];
	int rc;

	rc = tern_quic_packet_keys(version, suite, secret, suite->hash_len, key, iv, hp);
	if (rc == 0)
		rc = keys_build(ctx, version, suite, generation, secret, key, iv, hp, shared_hp,
				keysp);
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(iv, sizeof(iv));
	OPENSSL_cleanse(hp, sizeof(hp));
	return rc;
}

int
tern_quic_keys_create(struct tern_crypto_ctx *ctx, uint32_t version, uint16_t cipher_suite,
		      const uint8_t *secret, size_t secret_len, struct tern_quic_keys **keysp)
{
	const struct tern_tls13_suite *suite = tern_tls13_suite_get(cipher_suite);

	if (keysp == NULL)
		return -TERN_EINVAL;
	*keysp = NULL;
	if (ctx == NULL || suite == NULL || secret == NULL || secret_len != suite->hash_len ||
	    !tern_quic_version_supported(version))
		return -TERN_EINVAL;
	return keys_from_secret(ctx, version, suite, 0, secret, NULL, keysp);
}

int
tern_quic_keys_create_initial(struct tern_crypto_ctx *ctx, uint32_t version, const uint8_t *dcid,
			      size_t dcid_len, struct tern_quic_keys **client_keysp,
			      struct tern_quic_keys **server_keysp)
{
	uint8_t cs[TERN_QUIC_INITIAL_SECRET_LEN], ss[TERN_QUIC_INITIAL_SECRET_LEN];
	int rc;

	if (client_keysp == NULL || server_keysp == NULL)
		return -TERN_EINVAL;
	*client_keysp = NULL;
	*server_keysp = NULL;
	rc = tern_quic_initial_secrets(version, dcid, dcid_len, cs, ss);
	if (rc == 0)
		rc = tern_quic_keys_create(ctx, version, TERN_TLS13_AES_128_GCM_SHA256, cs,
					   sizeof(cs), client_keysp);
	if (rc == 0) {
		rc = tern_quic_keys_create(ctx, version, TERN_TLS13_AES_128_GCM_SHA256, ss,
					   sizeof(ss), server_keysp);
		if (rc != 0) {
			tern_quic_keys_free(*client_keysp);
			*client_keysp = NULL;
		}
	}
	OPENSSL_cleanse(cs, sizeof(cs));
	OPENSSL_cleanse(ss, sizeof(ss));
	return rc;
}

int
tern_quic_keys_next(struct tern_crypto_ctx *ctx, const struct tern_quic_keys *cur,
		    struct tern_quic_keys **nextp)
{
	uint8_t next_secret[TERN_HASH_MAX_LEN];
	int rc;

	if (nextp == NULL)
		return -TERN_EINVAL;
	*nextp = NULL;
	if (ctx == NULL || cur == NULL)
		return -TERN_EINVAL;
	rc = tern_quic_key_update_secret(cur->version, cur->suite->hash, cur->secret,
					 cur->suite->hash_len, next_secret);
	/* RFC 9001 6.1: header protection keys are not updated. */
	if (rc == 0)
		rc = keys_from_secret(ctx, cur->version, cur->suite, cur->generation + 1,
				      next_secret, cur->hp, nextp);
	OPENSSL_cleanse(next_secret, sizeof(next_secret));
	return rc;
}

void
tern_quic_keys_free(struct tern_quic_keys *keys)
{
	if (keys == NULL)
		return;
	tern_aead_key_free(keys->aead);
	tern_hp_key_free(keys->hp);
	OPENSSL_cleanse(keys, sizeof(*keys));
	free(keys);
}

unsigned
tern_quic_keys_phase(const struct tern_quic_keys *keys)
{
	return (unsigned)(keys->generation & 1);
}

uint64_t
tern_quic_keys_generation(const struct tern_quic_keys *keys)
{
	return keys->generation;
}

uint32_t
tern_quic_keys_version(const struct tern_quic_keys *keys)
{
	return keys->version;
}
