/* SPDX-License-Identifier: Apache-2.0 */
/* Client and server configurations (include/tern/tls_config.h). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <tern/error.h>
#include <tern/keyschedule.h>

#include "hs_internal.h"

int
tern_tls_config_new(enum tern_tls_role role, struct tern_tls_config **cfgp)
{
	struct tern_tls_config *cfg;

	if (cfgp == NULL || (role != TERN_TLS_CLIENT && role != TERN_TLS_SERVER))
		return -TERN_EINVAL;
	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL)
		return -TERN_ENOMEM;
	cfg->role = role;
	cfg->suites[0] = TERN_TLS13_AES_128_GCM_SHA256;
	cfg->suites[1] = TERN_TLS13_AES_256_GCM_SHA384;
	cfg->suites[2] = TERN_TLS13_CHACHA20_POLY1305_SHA256;
	cfg->n_suites = 3;
	cfg->groups[0] = TERN_TLS_GROUP_X25519;
	cfg->groups[1] = TERN_TLS_GROUP_SECP256R1;
	cfg->groups[2] = TERN_TLS_GROUP_SECP384R1;
	cfg->n_groups = 3;
	cfg->compat = role == TERN_TLS_CLIENT;
	cfg->verify = role == TERN_TLS_CLIENT;
	cfg->n_tickets = 2;
	cfg->ticket_lifetime = 7200;
	cfg->ticket_rotation = 12 * 3600;
	if (role == TERN_TLS_SERVER &&
	    RAND_bytes(cfg->ticket_secret, TERN_TLS_TICKET_SECRET_LEN) != 1) {
		free(cfg);
		return -TERN_EINTERNAL;
	}
	*cfgp = cfg;
	return 0;
}

static void
chain_clear(struct tern_hs_chain *c)
{
	unsigned i;

	EVP_PKEY_free(c->key);
	X509_free(c->leaf);
	for (i = 0; i < c->n; i++)
		free(c->der[i]);
	memset(c, 0, sizeof(*c));
}

void
tern_tls_config_free(struct tern_tls_config *cfg)
{
	unsigned i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->n_chains; i++)
		chain_clear(&cfg->chains[i]);
	X509_STORE_free(cfg->store);
	tern_hs_strikes_free(cfg);
	OPENSSL_cleanse(cfg, sizeof(*cfg));
	free(cfg);
}

enum tern_tls_role
tern_tls_config_role(const struct tern_tls_config *cfg)
{
	return cfg->role;
}

static bool
has_dup(const uint16_t *v, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (v[i] == v[j])
				return true;
	return false;
}

int
tern_tls_config_set_cipher_suites(struct tern_tls_config *cfg, const uint16_t *suites, size_t n)
{
	size_t i;

	if (cfg == NULL || suites == NULL || n == 0 || n > TERN_TLS_CONFIG_LIST_MAX ||
	    has_dup(suites, n))
		return -TERN_EINVAL;
	for (i = 0; i < n; i++)
		if (tern_tls13_suite_get(suites[i]) == NULL)
			return -TERN_ENOTSUP;
	memcpy(cfg->suites, suites, n * sizeof(*suites));
	cfg->n_suites = (uint8_t)n;
	return 0;
}

int
tern_tls_config_set_groups(struct tern_tls_config *cfg, const uint16_t *groups, size_t n)
{
	size_t i;

	if (cfg == NULL || groups == NULL || n == 0 || n > TERN_TLS_CONFIG_LIST_MAX ||
	    has_dup(groups, n))
		return -TERN_EINVAL;
	for (i = 0; i < n; i++)
		if (!tern_hs_group_supported(groups[i]))
			return -TERN_ENOTSUP;
	memcpy(cfg->groups, groups, n * sizeof(*groups));
	cfg->n_groups = (uint8_t)n;
	return 0;
}

int
tern_tls_config_set_alpn(struct tern_tls_config *cfg, const char *const *protos, size_t n)
{
	size_t i, len;

	if (cfg == NULL || (n > 0 && protos == NULL) || n > TERN_TLS_CONFIG_LIST_MAX)
		return -TERN_EINVAL;
	for (i = 0; i < n; i++) {
		len = protos[i] != NULL ? strlen(protos[i]) : 0;
		if (len == 0 || len > TERN_TLS_ALPN_MAX_LEN)
			return -TERN_EINVAL;
	}
	for (i = 0; i < n; i++) {
		len = strlen(protos[i]);
		memcpy(cfg->alpn[i], protos[i], len);
		cfg->alpn_len[i] = (uint8_t)len;
	}
	cfg->n_alpn = (uint8_t)n;
	return 0;
}

int
tern_tls_config_set_record_size_limit(struct tern_tls_config *cfg, uint16_t limit)
{
	if (cfg == NULL)
		return -TERN_EINVAL;
	if (limit != 0 && (limit < 64 || limit > 16385))
		return -TERN_ERANGE;
	cfg->record_size_limit = limit;
	return 0;
}

int
tern_tls_config_set_middlebox_compat(struct tern_tls_config *cfg, bool on)
{
	if (cfg == NULL)
		return -TERN_EINVAL;
	cfg->compat = on;
	return 0;
}

int
tern_tls_config_set_verify_peer(struct tern_tls_config *cfg, bool verify)
{
	if (cfg == NULL)
		return -TERN_EINVAL;
	cfg->verify = verify;
	return 0;
}

static bool
is_sha256(const char *name)
{
	EVP_MD *md = EVP_MD_fetch(NULL, name, NULL);
	bool ok = md != NULL && EVP_MD_get_type(md) == NID_sha256;

	EVP_MD_free(md);
	return ok;
}

/*
 * An RSA-PSS key may be restricted to a digest, an MGF1 digest and a minimum
 * salt length (RFC 4055 3.1). tern signs with such keys only as
 * rsa_pss_pss_sha256 (SHA-256, MGF1 with SHA-256, 32-byte salt; RFC 8446
 * 4.2.3), so a key that forbids that would fail every handshake: refuse it
 * when loading.
 */
static bool
pss_key_usable(EVP_PKEY *key)
{
	static const char *const digests[] = {OSSL_PKEY_PARAM_RSA_DIGEST,
					      OSSL_PKEY_PARAM_RSA_MGF1_DIGEST};
	char name[64];
	int salt;
	unsigned i;

	for (i = 0; i < 2; i++)
		if (EVP_PKEY_get_utf8_string_param(key, digests[i], name, sizeof(name), NULL) ==
			    1 &&
		    !is_sha256(name))
			return false;
	return EVP_PKEY_get_int_param(key, OSSL_PKEY_PARAM_RSA_PSS_SALTLEN, &salt) != 1 ||
	       salt <= 32;
}

/* Read a PEM chain and its key into *c (cleared first); c is left empty on error. */
static int
chain_load(struct tern_hs_chain *c, const char *chain_pem_file, const char *key_pem_file)
{
	X509 *certs[TERN_HS_MAX_CERTS], *x;
	EVP_PKEY *key = NULL;
	unsigned n = 0, i;
	int rc = -TERN_EINVAL, len;
	FILE *f;

	memset(c, 0, sizeof(*c));
	if (chain_pem_file == NULL || key_pem_file == NULL)
		return -TERN_EINVAL;
	f = fopen(chain_pem_file, "r");
	if (f == NULL)
		return -TERN_EINVAL;
	while (n < TERN_HS_MAX_CERTS && (x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL)
		certs[n++] = x;
	fclose(f);
	f = fopen(key_pem_file, "r");
	if (f != NULL) {
		key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
	}
	if (n == 0 || key == NULL || X509_check_private_key(certs[0], key) != 1)
		goto out;
	if (!tern_hs_sigalg_fits_key(TERN_TLS_SIG_ECDSA_SECP256R1_SHA256, key) &&
	    !tern_hs_sigalg_fits_key(TERN_TLS_SIG_ECDSA_SECP384R1_SHA384, key) &&
	    !tern_hs_sigalg_fits_key(TERN_TLS_SIG_RSA_PSS_RSAE_SHA256, key) &&
	    !tern_hs_sigalg_fits_key(TERN_TLS_SIG_RSA_PSS_PSS_SHA256, key) &&
	    !tern_hs_sigalg_fits_key(TERN_TLS_SIG_ED25519, key))
		goto out;
	if (EVP_PKEY_is_a(key, "RSA-PSS") && !pss_key_usable(key))
		goto out;
	for (i = 0; i < n; i++) {
		uint8_t *p;

		len = i2d_X509(certs[i], NULL);
		c->der[i] = len > 0 ? malloc((size_t)len) : NULL;
		if (c->der[i] == NULL) {
			rc = -TERN_ENOMEM;
			goto out;
		}
		c->n = (uint8_t)(i + 1);
		p = c->der[i];
		i2d_X509(certs[i], &p);
		c->der_len[i] = (uint32_t)len;
	}
	c->key = key;
	c->leaf = certs[0];
	certs[0] = NULL;
	key = NULL;
	rc = 0;
out:
	for (i = 0; i < n; i++)
		X509_free(certs[i]);
	EVP_PKEY_free(key);
	if (rc != 0)
		chain_clear(c);
	return rc;
}

int
tern_tls_config_load_cert_chain(struct tern_tls_config *cfg, const char *chain_pem_file,
				const char *key_pem_file)
{
	struct tern_hs_chain c;
	unsigned i;
	int rc;

	if (cfg == NULL)
		return -TERN_EINVAL;
	rc = chain_load(&c, chain_pem_file, key_pem_file);
	if (rc != 0)
		return rc;
	for (i = 0; i < cfg->n_chains; i++)
		chain_clear(&cfg->chains[i]);
	cfg->chains[0] = c;
	cfg->n_chains = 1;
	return 0;
}

int
tern_tls_config_add_cert_chain(struct tern_tls_config *cfg, const char *chain_pem_file,
			       const char *key_pem_file)
{
	int rc;

	if (cfg == NULL)
		return -TERN_EINVAL;
	if (cfg->n_chains >= TERN_TLS_MAX_CERT_CHAINS)
		return -TERN_ELIMIT;
	rc = chain_load(&cfg->chains[cfg->n_chains], chain_pem_file, key_pem_file);
	if (rc == 0)
		cfg->n_chains++;
	return rc;
}

int
tern_tls_config_load_ca_file(struct tern_tls_config *cfg, const char *ca_pem_file)
{
	if (cfg == NULL || ca_pem_file == NULL)
		return -TERN_EINVAL;
	if (cfg->store == NULL) {
		cfg->store = X509_STORE_new();
		if (cfg->store == NULL)
			return -TERN_ENOMEM;
	}
	return X509_STORE_load_file(cfg->store, ca_pem_file) == 1 ? 0 : -TERN_EINVAL;
}

int
tern_tls_config_set_client_auth(struct tern_tls_config *cfg, enum tern_tls_client_auth mode)
{
	if (cfg == NULL || cfg->role != TERN_TLS_SERVER ||
	    (mode != TERN_TLS_CLIENT_AUTH_NONE && mode != TERN_TLS_CLIENT_AUTH_OPTIONAL &&
	     mode != TERN_TLS_CLIENT_AUTH_REQUIRED))
		return -TERN_EINVAL;
	cfg->client_auth = (uint8_t)mode;
	cfg->verify = mode != TERN_TLS_CLIENT_AUTH_NONE;
	return 0;
}
