/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Lab keying for benchmarks: per-connection 1-RTT secrets from a shared seed
 * and the connection ID. NOT a handshake; see include/tern/lab_keys.h.
 */

#include <string.h>

#include <openssl/crypto.h>

#include <tern/lab_keys.h>

#define LAB_PREFIX     "tern lab"
#define LAB_PREFIX_LEN (sizeof(LAB_PREFIX) - 1)

int
tern_lab_secrets(const uint8_t seed[TERN_LAB_SEED_LEN], uint16_t cipher_suite, const uint8_t *cid,
		 size_t cid_len, uint8_t *client_secret, uint8_t *server_secret, size_t *secret_len)
{
	const struct tern_tls13_suite *suite = tern_tls13_suite_get(cipher_suite);
	uint8_t ikm[LAB_PREFIX_LEN + TERN_QUIC_MAX_CID_LEN];
	uint8_t prk[TERN_HASH_MAX_LEN];
	int rc;

	if (seed == NULL || suite == NULL || cid_len > TERN_QUIC_MAX_CID_LEN ||
	    (cid == NULL && cid_len != 0) || client_secret == NULL || server_secret == NULL)
		return -TERN_EINVAL;
	memcpy(ikm, LAB_PREFIX, LAB_PREFIX_LEN);
	if (cid_len != 0)
		memcpy(ikm + LAB_PREFIX_LEN, cid, cid_len);
	rc = tern_hkdf_extract(suite->hash, seed, TERN_LAB_SEED_LEN, ikm, LAB_PREFIX_LEN + cid_len,
			       prk);
	if (rc == 0)
		rc = tern_hkdf_expand_label(suite->hash, prk, suite->hash_len, "client 1rtt", NULL,
					    0, client_secret, suite->hash_len);
	if (rc == 0)
		rc = tern_hkdf_expand_label(suite->hash, prk, suite->hash_len, "server 1rtt", NULL,
					    0, server_secret, suite->hash_len);
	OPENSSL_cleanse(prk, sizeof(prk));
	if (rc != 0) {
		OPENSSL_cleanse(client_secret, suite->hash_len);
		OPENSSL_cleanse(server_secret, suite->hash_len);
		return rc;
	}
	if (secret_len != NULL)
		*secret_len = suite->hash_len;
	return 0;
}

int
tern_lab_keys_create(struct tern_crypto_ctx *ctx, uint32_t version, uint16_t cipher_suite,
		     const uint8_t seed[TERN_LAB_SEED_LEN], const uint8_t *cid, size_t cid_len,
		     bool is_server, struct tern_quic_keys **rxp, struct tern_quic_keys **txp)
{
	uint8_t cs[TERN_HASH_MAX_LEN], ss[TERN_HASH_MAX_LEN];
	size_t len = 0;
	int rc;

	if (rxp == NULL || txp == NULL)
		return -TERN_EINVAL;
	*rxp = NULL;
	*txp = NULL;
	rc = tern_lab_secrets(seed, cipher_suite, cid, cid_len, cs, ss, &len);
	if (rc == 0)
		rc = tern_quic_keys_create(ctx, version, cipher_suite, is_server ? cs : ss, len,
					   rxp);
	if (rc == 0) {
		rc = tern_quic_keys_create(ctx, version, cipher_suite, is_server ? ss : cs, len,
					   txp);
		if (rc != 0) {
			tern_quic_keys_free(*rxp);
			*rxp = NULL;
		}
	}
	OPENSSL_cleanse(cs, sizeof(cs));
	OPENSSL_cleanse(ss, sizeof(ss));
	return rc;
}
