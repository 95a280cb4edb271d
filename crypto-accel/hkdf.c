/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HKDF (RFC 5869) on libcrypto's EVP_KDF. Control-plane cost only: key
 * schedules run at handshake and key update time, never per packet.
 */

#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "crypto_internal.h"

static EVP_KDF *hkdf_kdf;
static pthread_once_t hkdf_once = PTHREAD_ONCE_INIT;

static void
hkdf_fetch(void)
{
	hkdf_kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
}

size_t
tern_hash_len(enum tern_hash hash)
{
	switch (hash) {
	case TERN_HASH_SHA256:
		return 32;
	case TERN_HASH_SHA384:
		return 48;
	}
	return 0;
}

static const char *
hash_name(enum tern_hash hash)
{
	return hash == TERN_HASH_SHA256 ? "SHA256" : "SHA384";
}

static int
hkdf_run(enum tern_hash hash, int mode, const uint8_t *key, size_t key_len, const uint8_t *salt,
	 size_t salt_len, const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len)
{
	/* EVP_KDF refuses an absent key; an empty octet string needs a valid
	 * pointer even at length 0. */
	static const uint8_t empty[1];
	OSSL_PARAM params[6], *p = params;
	EVP_KDF_CTX *kctx;
	int rc;

	pthread_once(&hkdf_once, hkdf_fetch);
	if (hkdf_kdf == NULL)
		return -TERN_ENOTSUP;
	kctx = EVP_KDF_CTX_new(hkdf_kdf);
	if (kctx == NULL)
		return -TERN_ENOMEM;
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)hash_name(hash), 0);
	*p++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
						 (void *)(key_len ? key : empty), key_len);
	if (salt_len != 0)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt,
							 salt_len);
	if (info_len != 0)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info,
							 info_len);
	*p = OSSL_PARAM_construct_end();
	rc = EVP_KDF_derive(kctx, out, out_len, params) == 1 ? 0 : -TERN_EINTERNAL;
	EVP_KDF_CTX_free(kctx);
	return rc;
}

int
tern_hkdf_extract(enum tern_hash hash, const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
		  size_t ikm_len, uint8_t *prk)
{
	size_t hlen = tern_hash_len(hash);

	if (hlen == 0 || prk == NULL || (ikm == NULL && ikm_len != 0) ||
	    (salt == NULL && salt_len != 0))
		return -TERN_EINVAL;
	/* An absent salt is HashLen zeros (RFC 5869 2.2); as an HMAC key that
	 * is the same as an empty one, which is what omitting it gives. */
	return hkdf_run(hash, EVP_KDF_HKDF_MODE_EXTRACT_ONLY, ikm, ikm_len, salt, salt_len, NULL, 0,
			prk, hlen);
}

int
tern_hkdf_expand(enum tern_hash hash, const uint8_t *prk, size_t prk_len, const uint8_t *info,
		 size_t info_len, uint8_t *out, size_t out_len)
{
	size_t hlen = tern_hash_len(hash);

	if (hlen == 0 || prk == NULL || out == NULL || prk_len < hlen ||
	    (info == NULL && info_len != 0))
		return -TERN_EINVAL;
	if (out_len == 0 || out_len > 255 * hlen)
		return -TERN_EINVAL;
	return hkdf_run(hash, EVP_KDF_HKDF_MODE_EXPAND_ONLY, prk, prk_len, NULL, 0, info, info_len,
			out, out_len);
}
