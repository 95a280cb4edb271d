/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HKDF (RFC 5869) as HMAC (RFC 2104) over libcrypto's one-shot SHA-2
 * functions. Control-plane cost only (key schedules run at handshake and key
 * update time), but a TLS 1.3 handshake runs ~25 of them: through EVP_KDF
 * each one fetched, allocated and parameter-parsed a context and cost about
 * 1 us, several times the four SHA-2 compressions it needs (bench/tls).
 */

#include <string.h>

#include <openssl/crypto.h>
/* SHA256_Init() & co. are deprecated in OpenSSL 3 in favour of EVP_Digest*,
 * whose per-call provider dispatch is what this file avoids. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#include <openssl/sha.h>

#include "crypto_internal.h"

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

union sha_ctx {
	SHA256_CTX s256;
	SHA512_CTX s512;
};

static void
sha_init(enum tern_hash hash, union sha_ctx *c)
{
	if (hash == TERN_HASH_SHA256)
		SHA256_Init(&c->s256);
	else
		SHA384_Init(&c->s512);
}

static void
sha_update(enum tern_hash hash, union sha_ctx *c, const uint8_t *p, size_t n)
{
	if (n == 0)
		return;
	if (hash == TERN_HASH_SHA256)
		SHA256_Update(&c->s256, p, n);
	else
		SHA384_Update(&c->s512, p, n);
}

static void
sha_final(enum tern_hash hash, union sha_ctx *c, uint8_t *out)
{
	if (hash == TERN_HASH_SHA256)
		SHA256_Final(out, &c->s256);
	else
		SHA384_Final(out, &c->s512);
}

/* HMAC(key, m1 || m2 || m3) (RFC 2104); hash is SHA256 or SHA384. */
static void
hmac(enum tern_hash hash, const uint8_t *key, size_t key_len, const uint8_t *m1, size_t n1,
     const uint8_t *m2, size_t n2, const uint8_t *m3, size_t n3, uint8_t *out)
{
	const size_t bs = hash == TERN_HASH_SHA256 ? SHA256_CBLOCK : SHA512_CBLOCK;
	const size_t hl = tern_hash_len(hash);
	uint8_t k[SHA512_CBLOCK], pad[SHA512_CBLOCK], inner[SHA512_DIGEST_LENGTH];
	union sha_ctx c;
	size_t i;

	memset(k, 0, sizeof(k));
	if (key_len > bs) {
		sha_init(hash, &c);
		sha_update(hash, &c, key, key_len);
		sha_final(hash, &c, k);
	} else if (key_len != 0) {
		memcpy(k, key, key_len);
	}
	for (i = 0; i < bs; i++)
		pad[i] = k[i] ^ 0x36;
	sha_init(hash, &c);
	sha_update(hash, &c, pad, bs);
	sha_update(hash, &c, m1, n1);
	sha_update(hash, &c, m2, n2);
	sha_update(hash, &c, m3, n3);
	sha_final(hash, &c, inner);
	for (i = 0; i < bs; i++)
		pad[i] = k[i] ^ 0x5c;
	sha_init(hash, &c);
	sha_update(hash, &c, pad, bs);
	sha_update(hash, &c, inner, hl);
	sha_final(hash, &c, out);
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(pad, sizeof(pad));
	OPENSSL_cleanse(inner, sizeof(inner));
	OPENSSL_cleanse(&c, sizeof(c));
}

int
tern_hkdf_extract(enum tern_hash hash, const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
		  size_t ikm_len, uint8_t *prk)
{
	size_t hlen = tern_hash_len(hash);

	if (hlen == 0 || prk == NULL || (ikm == NULL && ikm_len != 0) ||
	    (salt == NULL && salt_len != 0))
		return -TERN_EINVAL;
	/* PRK = HMAC-Hash(salt, IKM) (RFC 5869 2.2). An absent salt is HashLen
	 * zeros; as an HMAC key that is the same as an empty one. */
	hmac(hash, salt, salt_len, ikm, ikm_len, NULL, 0, NULL, 0, prk);
	return 0;
}

int
tern_hkdf_expand(enum tern_hash hash, const uint8_t *prk, size_t prk_len, const uint8_t *info,
		 size_t info_len, uint8_t *out, size_t out_len)
{
	size_t hlen = tern_hash_len(hash), done = 0, t_len = 0;
	uint8_t t[SHA512_DIGEST_LENGTH], i = 0;

	if (hlen == 0 || prk == NULL || out == NULL || prk_len < hlen ||
	    (info == NULL && info_len != 0))
		return -TERN_EINVAL;
	if (out_len == 0 || out_len > 255 * hlen)
		return -TERN_EINVAL;
	/* T(i) = HMAC-Hash(PRK, T(i-1) || info || i), OKM = T(1) || T(2) ... (2.3) */
	while (done < out_len) {
		size_t n;

		i++;
		hmac(hash, prk, prk_len, t, t_len, info, info_len, &i, 1, t);
		t_len = hlen;
		n = out_len - done < hlen ? out_len - done : hlen;
		memcpy(out + done, t, n);
		done += n;
	}
	OPENSSL_cleanse(t, sizeof(t));
	return 0;
}

#pragma GCC diagnostic pop
