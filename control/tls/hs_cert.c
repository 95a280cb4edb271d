/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Peer certificate checks: the chain against the configured CA store with
 * the host name (or IP address) the client asked for, via libcrypto's
 * X509_verify_cert. Failures map to the alerts OpenSSL and rustls send.
 */

#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "hs_internal.h"

static enum tern_tls_alert
verify_alert(int err)
{
	switch (err) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return TERN_TLS_ALERT_CERTIFICATE_EXPIRED;
	case X509_V_ERR_CERT_REVOKED:
		return TERN_TLS_ALERT_CERTIFICATE_REVOKED;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_CERT_UNTRUSTED:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		return TERN_TLS_ALERT_UNKNOWN_CA;
	default:
		return TERN_TLS_ALERT_BAD_CERTIFICATE;
	}
}

/* Keep the peer's chain as DER for tern_hs_peer_certificate() (connection API). */
static int
tern_hs_keep_peer_chain(struct tern_hs *hs, const struct tern_hs_certificate *m)
{
	size_t total = 0, off = 0;
	unsigned i;

	for (i = 0; i < m->n_certs; i++)
		total += 3 + m->certs[i].len;
	free(hs->peer_chain);
	hs->peer_chain_len = 0;
	hs->peer_chain_n = 0;
	hs->peer_chain = malloc(total > 0 ? total : 1);
	if (hs->peer_chain == NULL)
		return -1;
	for (i = 0; i < m->n_certs; i++) {
		hs->peer_chain[off] = (uint8_t)(m->certs[i].len >> 16);
		hs->peer_chain[off + 1] = (uint8_t)(m->certs[i].len >> 8);
		hs->peer_chain[off + 2] = (uint8_t)m->certs[i].len;
		memcpy(hs->peer_chain + off + 3, m->certs[i].p, m->certs[i].len);
		off += 3 + m->certs[i].len;
	}
	hs->peer_chain_len = total;
	hs->peer_chain_n = m->n_certs;
	return 0;
}

int
tern_hs_cert_check(struct tern_hs *hs, const struct tern_hs_certificate *m)
{
	STACK_OF(X509) *chain = sk_X509_new_null();
	X509_STORE_CTX *vc = NULL;
	X509 *leaf = NULL, *x;
	int rc = 0, err;
	unsigned i;

	if (chain == NULL)
		return HS_INTERNAL(hs, "alloc");
	for (i = 0; i < m->n_certs; i++) {
		const unsigned char *p = m->certs[i].p;

		x = d2i_X509(NULL, &p, m->certs[i].len);
		if (x == NULL || p != m->certs[i].p + m->certs[i].len) {
			X509_free(x);
			rc = HS_FAIL(hs, TERN_TLS_ALERT_BAD_CERTIFICATE,
				     "certificate %u is not valid DER X.509", i);
			goto out;
		}
		if (i == 0)
			leaf = x;
		else if (sk_X509_push(chain, x) == 0) {
			X509_free(x);
			rc = HS_INTERNAL(hs, "alloc");
			goto out;
		}
	}
	if (tern_hs_keep_peer_chain(hs, m) != 0) {
		rc = HS_INTERNAL(hs, "alloc");
		goto out;
	}
	EVP_PKEY_free(hs->peer_key);
	hs->peer_key = X509_get_pubkey(leaf);
	if (hs->peer_key == NULL) {
		rc = HS_FAIL(hs, TERN_TLS_ALERT_UNSUPPORTED_CERTIFICATE,
			     "certificate key not supported");
		goto out;
	}
	if (!hs->cfg->verify)
		goto out;
	if (hs->cfg->store == NULL) {
		rc = HS_FAIL(hs, TERN_TLS_ALERT_UNKNOWN_CA,
			     "certificate untrusted: no CA file configured");
		goto out;
	}
	vc = X509_STORE_CTX_new();
	if (vc == NULL || X509_STORE_CTX_init(vc, hs->cfg->store, leaf, chain) != 1 ||
	    X509_STORE_CTX_set_purpose(vc, hs->role == TERN_TLS_SERVER
						   ? X509_PURPOSE_SSL_CLIENT
						   : X509_PURPOSE_SSL_SERVER) != 1) {
		rc = HS_INTERNAL(hs, "verify setup");
		goto out;
	}
	/* A server has the client's SNI here, not a name the client certificate must bear. */
	if (hs->role == TERN_TLS_CLIENT && hs->has_server_name) {
		X509_VERIFY_PARAM *vp = X509_STORE_CTX_get0_param(vc);
		int ok = hs->server_name_is_ip
				 ? X509_VERIFY_PARAM_set1_ip_asc(vp, hs->server_name)
				 : X509_VERIFY_PARAM_set1_host(vp, hs->server_name, 0);

		if (ok != 1) {
			rc = HS_INTERNAL(hs, "verify host");
			goto out;
		}
	}
	if (X509_verify_cert(vc) != 1) {
		err = X509_STORE_CTX_get_error(vc);
		if (err == X509_V_ERR_HOSTNAME_MISMATCH || err == X509_V_ERR_IP_ADDRESS_MISMATCH)
			rc = HS_FAIL(hs, TERN_TLS_ALERT_BAD_CERTIFICATE,
				     "certificate wrong host: not valid for %s", hs->server_name);
		else if (verify_alert(err) == TERN_TLS_ALERT_CERTIFICATE_EXPIRED)
			rc = HS_FAIL(hs, TERN_TLS_ALERT_CERTIFICATE_EXPIRED,
				     "certificate expired: %s", X509_verify_cert_error_string(err));
		else if (verify_alert(err) == TERN_TLS_ALERT_UNKNOWN_CA)
			rc = HS_FAIL(hs, TERN_TLS_ALERT_UNKNOWN_CA, "certificate untrusted: %s",
				     X509_verify_cert_error_string(err));
		else
			rc = HS_FAIL(hs, verify_alert(err), "certificate rejected: %s",
				     X509_verify_cert_error_string(err));
	}
out:
	X509_STORE_CTX_free(vc);
	X509_free(leaf);
	sk_X509_pop_free(chain, X509_free);
	return rc;
}

size_t
tern_hs_peer_certificate(const struct tern_hs *hs, unsigned i, const uint8_t **der)
{
	size_t off = 0, len;
	unsigned k;

	for (k = 0; hs->peer_chain != NULL && k < hs->peer_chain_n; k++) {
		len = (size_t)hs->peer_chain[off] << 16 | (size_t)hs->peer_chain[off + 1] << 8 |
		      hs->peer_chain[off + 2];
		if (k == i) {
			*der = hs->peer_chain + off + 3;
			return len;
		}
		off += 3 + len;
	}
	*der = NULL;
	return 0;
}

/* The client's most preferred scheme the key can sign with, 0 if none. */
static uint16_t
chain_sigalg(const struct tern_hs_chain *c, const uint16_t *sigalgs, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (tern_hs_sigalg_fits_key(sigalgs[i], c->key))
			return sigalgs[i];
	return 0;
}

const struct tern_hs_chain *
tern_hs_chain_select(const struct tern_tls_config *cfg, const char *server_name,
		     const uint16_t *sigalgs, unsigned n_sigalgs, uint16_t *sigalg)
{
	/* Exact names first, then RFC 6125 6.4.3 wildcards ("*" is a whole label). */
	static const unsigned int tiers[2] = {
		X509_CHECK_FLAG_NO_WILDCARDS,
		X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS,
	};
	unsigned t, i;
	uint16_t s;

	*sigalg = 0;
	for (t = 0; server_name != NULL && cfg->n_chains > 1 && t < 2; t++)
		for (i = 0; i < cfg->n_chains; i++) {
			const struct tern_hs_chain *c = &cfg->chains[i];

			if (X509_check_host(c->leaf, server_name, 0, tiers[t], NULL) == 1 &&
			    (s = chain_sigalg(c, sigalgs, n_sigalgs)) != 0) {
				*sigalg = s;
				return c;
			}
		}
	/* No name, no match or no usable key among the matches: load order. */
	for (i = 0; i < cfg->n_chains; i++)
		if ((s = chain_sigalg(&cfg->chains[i], sigalgs, n_sigalgs)) != 0) {
			*sigalg = s;
			return &cfg->chains[i];
		}
	return NULL;
}
