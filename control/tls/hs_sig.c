/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CertificateVerify signatures (RFC 8446 4.4.3): ECDSA P-256/P-384,
 * RSA-PSS (rsae and pss keys), Ed25519.
 */

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "hs_internal.h"

const uint16_t tern_hs_client_sigalgs[] = {
	TERN_TLS_SIG_ECDSA_SECP256R1_SHA256,
	TERN_TLS_SIG_ECDSA_SECP384R1_SHA384,
	TERN_TLS_SIG_ED25519,
	TERN_TLS_SIG_RSA_PSS_RSAE_SHA256,
	TERN_TLS_SIG_RSA_PSS_RSAE_SHA384,
	TERN_TLS_SIG_RSA_PSS_PSS_SHA256,
};
const unsigned tern_hs_client_sigalgs_n =
	sizeof(tern_hs_client_sigalgs) / sizeof(tern_hs_client_sigalgs[0]);

static const char server_ctx[] = "TLS 1.3, server CertificateVerify";
/* Same length as server_ctx; used when hs->cv_client says the client signs (4.4.3). */
static const char client_ctx[] = "TLS 1.3, client CertificateVerify";

static const EVP_MD *
sigalg_md(uint16_t sigalg)
{
	switch (sigalg) {
	case TERN_TLS_SIG_ECDSA_SECP256R1_SHA256:
	case TERN_TLS_SIG_RSA_PSS_RSAE_SHA256:
	case TERN_TLS_SIG_RSA_PSS_PSS_SHA256:
		return EVP_sha256();
	case TERN_TLS_SIG_ECDSA_SECP384R1_SHA384:
	case TERN_TLS_SIG_RSA_PSS_RSAE_SHA384:
		return EVP_sha384();
	default:
		return NULL; /* Ed25519 hashes internally */
	}
}

static bool
ec_curve_is(EVP_PKEY *key, const char *name)
{
	char g[64];

	return EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, g, sizeof(g),
					      NULL) == 1 &&
	       strcmp(g, name) == 0;
}

bool
tern_hs_sigalg_fits_key(uint16_t sigalg, EVP_PKEY *key)
{
	switch (sigalg) {
	/* TLS 1.3 binds the ECDSA curve to the scheme (4.2.3). */
	case TERN_TLS_SIG_ECDSA_SECP256R1_SHA256:
		return EVP_PKEY_is_a(key, "EC") && ec_curve_is(key, "prime256v1");
	case TERN_TLS_SIG_ECDSA_SECP384R1_SHA384:
		return EVP_PKEY_is_a(key, "EC") && ec_curve_is(key, "secp384r1");
	case TERN_TLS_SIG_RSA_PSS_RSAE_SHA256:
	case TERN_TLS_SIG_RSA_PSS_RSAE_SHA384:
		return EVP_PKEY_is_a(key, "RSA") && EVP_PKEY_get_bits(key) >= 2048;
	case TERN_TLS_SIG_RSA_PSS_PSS_SHA256:
		return EVP_PKEY_is_a(key, "RSA-PSS") && EVP_PKEY_get_bits(key) >= 2048;
	case TERN_TLS_SIG_ED25519:
		return EVP_PKEY_is_a(key, "ED25519");
	default:
		return false;
	}
}

/* 64 spaces, the context string, a zero byte, the transcript hash. */
static size_t
signed_content(struct tern_hs *hs, const uint8_t *th, uint8_t *out)
{
	size_t n = 0;

	memset(out, 0x20, 64);
	n = 64;
	memcpy(out + n, hs->cv_client ? client_ctx : server_ctx,
	       sizeof(server_ctx)); /* includes the 0 byte */
	n += sizeof(server_ctx);
	memcpy(out + n, th, hs->suite->hash_len);
	return n + hs->suite->hash_len;
}

static int
setup(EVP_MD_CTX *mc, EVP_PKEY *key, uint16_t sigalg, bool sign)
{
	EVP_PKEY_CTX *pc = NULL;
	const EVP_MD *md = sigalg_md(sigalg);
	int ok = sign ? EVP_DigestSignInit(mc, &pc, md, NULL, key)
		      : EVP_DigestVerifyInit(mc, &pc, md, NULL, key);

	if (ok != 1)
		return -1;
	if (sigalg == TERN_TLS_SIG_RSA_PSS_RSAE_SHA256 ||
	    sigalg == TERN_TLS_SIG_RSA_PSS_RSAE_SHA384 ||
	    sigalg == TERN_TLS_SIG_RSA_PSS_PSS_SHA256) {
		/* Salt as long as the digest (4.2.3). */
		if (EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) != 1 ||
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, RSA_PSS_SALTLEN_DIGEST) != 1)
			return -1;
	}
	return 0;
}

int
tern_hs_sign(struct tern_hs *hs, EVP_PKEY *key, uint16_t sigalg, const uint8_t *th, uint8_t *sig,
	     size_t *sig_len)
{
	uint8_t content[64 + sizeof(server_ctx) + TERN_HASH_MAX_LEN];
	size_t n = signed_content(hs, th, content);
	EVP_MD_CTX *mc = EVP_MD_CTX_new();
	int ok = mc != NULL && setup(mc, key, sigalg, true) == 0 &&
		 EVP_DigestSign(mc, sig, sig_len, content, n) == 1;

	EVP_MD_CTX_free(mc);
	return ok ? 0 : HS_INTERNAL(hs, "sign");
}

bool
tern_hs_verify(struct tern_hs *hs, EVP_PKEY *key, uint16_t sigalg, const uint8_t *th,
	       const uint8_t *sig, size_t sig_len)
{
	uint8_t content[64 + sizeof(server_ctx) + TERN_HASH_MAX_LEN];
	size_t n = signed_content(hs, th, content);
	EVP_MD_CTX *mc = EVP_MD_CTX_new();
	bool ok = mc != NULL && setup(mc, key, sigalg, false) == 0 &&
		  EVP_DigestVerify(mc, sig, sig_len, content, n) == 1;

	EVP_MD_CTX_free(mc);
	return ok;
}
