/* SPDX-License-Identifier: Apache-2.0 */
/* (EC)DHE key exchange: X25519 (RFC 7748), secp256r1 and secp384r1 (RFC 8446 4.2.8.2). */

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <tern/error.h>
#include <tern/tls_config.h>

#include "hs_internal.h"

bool
tern_hs_group_supported(uint16_t group)
{
	return group == TERN_TLS_GROUP_X25519 || group == TERN_TLS_GROUP_SECP256R1 ||
	       group == TERN_TLS_GROUP_SECP384R1;
}

/* Length of the shared secret (and of an X25519 key / EC coordinate). */
static size_t
field_len(uint16_t group)
{
	return group == TERN_TLS_GROUP_SECP384R1 ? 48 : 32;
}

int
tern_hs_kex_keygen(uint16_t group, EVP_PKEY **key, uint8_t *pub, size_t *pub_len)
{
	EVP_PKEY *k = NULL;
	size_t n = TERN_HS_PUB_MAX;

	if (group == TERN_TLS_GROUP_X25519)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	else if (group == TERN_TLS_GROUP_SECP256R1)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	else if (group == TERN_TLS_GROUP_SECP384R1)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	else
		return -TERN_ENOTSUP;
	if (k == NULL)
		return -TERN_EINTERNAL;
	/* X25519: the raw u-coordinate; EC: the uncompressed point (4.2.8.2). */
	if (EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pub, n, &n) !=
	    1) {
		EVP_PKEY_free(k);
		return -TERN_EINTERNAL;
	}
	*pub_len = n;
	EVP_PKEY_free(*key);
	*key = k;
	return 0;
}

static EVP_PKEY *
peer_key(uint16_t group, const uint8_t *peer, size_t peer_len)
{
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *pc;
	EVP_PKEY *k = NULL;

	if (group == TERN_TLS_GROUP_X25519)
		return peer_len == 32
			       ? EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer, peer_len)
			       : NULL;
	/* Only the uncompressed form is legal in TLS 1.3 (4.2.8.2). */
	if (peer_len != 1 + 2 * field_len(group) || peer[0] != 0x04)
		return NULL;
	params[0] = OSSL_PARAM_construct_utf8_string(
		OSSL_PKEY_PARAM_GROUP_NAME,
		(char *)(uintptr_t)(group == TERN_TLS_GROUP_SECP384R1 ? "secp384r1" : "prime256v1"),
		0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
						      (void *)(uintptr_t)peer, peer_len);
	params[2] = OSSL_PARAM_construct_end();
	pc = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (pc == NULL || EVP_PKEY_fromdata_init(pc) != 1 ||
	    EVP_PKEY_fromdata(pc, &k, EVP_PKEY_PUBLIC_KEY, params) != 1)
		k = NULL;
	EVP_PKEY_CTX_free(pc);
	return k;
}

enum tern_tls_alert
tern_hs_kex_derive(uint16_t group, EVP_PKEY *key, const uint8_t *peer, size_t peer_len,
		   uint8_t *shared, size_t *shared_len)
{
	EVP_PKEY *pk = peer_key(group, peer, peer_len);
	EVP_PKEY_CTX *c = NULL;
	enum tern_tls_alert a = TERN_TLS_ALERT_ILLEGAL_PARAMETER;
	size_t n = field_len(group);

	if (pk == NULL)
		return TERN_TLS_ALERT_ILLEGAL_PARAMETER;
	c = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	/*
	 * derive_set_peer validates the point (on the curve, not infinity);
	 * OpenSSL's X25519 refuses an all-zero output (RFC 8446 7.4.2).
	 */
	if (c != NULL && EVP_PKEY_derive_init(c) == 1 && EVP_PKEY_derive_set_peer(c, pk) == 1 &&
	    EVP_PKEY_derive(c, shared, &n) == 1 && n == field_len(group)) {
		*shared_len = n;
		a = TERN_TLS_ALERT_NONE;
	}
	EVP_PKEY_CTX_free(c);
	EVP_PKEY_free(pk);
	return a;
}
