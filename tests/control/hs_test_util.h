/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_TESTS_CONTROL_HS_TEST_UTIL_H
#define TERN_TESTS_CONTROL_HS_TEST_UTIL_H

/*
 * Test helpers for the handshake engine: certificates made on the fly with
 * libcrypto (a CA and leaves, written as PEM files into a temporary
 * directory) and an in-memory pair of handshakes that hand each other's
 * bytes over per level and record every secret event.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <tern/handshake.h>

#include "tern_test.h"

/* --- certificates ---------------------------------------------------------- */

static char hs_test_dir[64];

static void
hs_test_cleanup_dir(void)
{
	char cmd[128];

	if (hs_test_dir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", hs_test_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cleanup of %s failed\n", hs_test_dir);
	}
}

static const char *
hs_test_tmpdir(void)
{
	if (hs_test_dir[0] == '\0') {
		strcpy(hs_test_dir, "/tmp/tern-hs-XXXXXX");
		REQUIRE(mkdtemp(hs_test_dir) != NULL);
		atexit(hs_test_cleanup_dir);
	}
	return hs_test_dir;
}

/* "EC-P256", "EC-P384", "RSA", "RSA-PSS", "ED25519" */
static EVP_PKEY *
hs_test_key(const char *type)
{
	EVP_PKEY *k = NULL;

	if (strcmp(type, "EC-P256") == 0)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	else if (strcmp(type, "EC-P384") == 0)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	else if (strcmp(type, "RSA") == 0)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	else if (strcmp(type, "RSA-PSS") == 0) {
		EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);

		if (c == NULL || EVP_PKEY_keygen_init(c) != 1 ||
		    EVP_PKEY_CTX_set_rsa_keygen_bits(c, 2048) != 1 || EVP_PKEY_keygen(c, &k) != 1)
			k = NULL;
		EVP_PKEY_CTX_free(c);
	} else if (strcmp(type, "ED25519") == 0)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	REQUIRE(k != NULL);
	return k;
}

static void
hs_test_add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx(&ctx, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	REQUIRE(e != NULL);
	REQUIRE(X509_add_ext(x, e, -1) == 1);
	X509_EXTENSION_free(e);
}

/*
 * A certificate for key, valid from now + nb to now + na seconds. issuer NULL
 * makes it self-signed. san like "DNS:localhost,IP:127.0.0.1" or NULL.
 */
static X509 *
hs_test_cert(EVP_PKEY *key, const char *cn, const char *san, X509 *issuer, EVP_PKEY *issuer_key,
	     long nb, long na, int ca)
{
	X509 *x = X509_new();
	X509_NAME *name;
	int ed = EVP_PKEY_is_a(issuer_key != NULL ? issuer_key : key, "ED25519");
	uint64_t serial;

	REQUIRE(x != NULL);
	RAND_bytes((unsigned char *)&serial, sizeof(serial));
	X509_set_version(x, 2);
	ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial >> 1);
	X509_gmtime_adj(X509_getm_notBefore(x), nb);
	X509_gmtime_adj(X509_getm_notAfter(x), na);
	X509_set_pubkey(x, key);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : name);
	hs_test_add_ext(x, issuer, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
	if (ca)
		hs_test_add_ext(x, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
	if (san != NULL)
		hs_test_add_ext(x, issuer, NID_subject_alt_name, san);
	REQUIRE(X509_sign(x, issuer_key != NULL ? issuer_key : key, ed ? NULL : EVP_sha256()) > 0);
	return x;
}

static void
hs_test_write_pem(const char *path, X509 *const *certs, int n, EVP_PKEY *key)
{
	FILE *f = fopen(path, "w");
	int i;

	REQUIRE(f != NULL);
	for (i = 0; i < n; i++)
		REQUIRE(PEM_write_X509(f, certs[i]) == 1);
	if (key != NULL)
		REQUIRE(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) == 1);
	fclose(f);
}

/* Paths of one generated server identity. */
struct hs_test_pki {
	char ca[128];	 /* CA certificate (trust anchor) */
	char chain[128]; /* leaf + CA */
	char key[128];	 /* leaf key */
};

/*
 * A CA and a leaf for DNS:localhost, DNS:tern.test and IP 127.0.0.1;
 * the leaf is valid from leaf_nb to leaf_na seconds from now.
 */
static void
hs_test_make_pki(struct hs_test_pki *p, const char *tag, const char *key_type, long leaf_nb,
		 long leaf_na)
{
	const char *d = hs_test_tmpdir();
	EVP_PKEY *cak = hs_test_key("EC-P256"), *lk = hs_test_key(key_type);
	X509 *ca, *leaf;
	char cn[64];

	/* Distinct CA names, so that trusting another CA is "untrusted", not a bad signature. */
	snprintf(cn, sizeof(cn), "tern test CA %s", tag);
	ca = hs_test_cert(cak, cn, NULL, NULL, NULL, -3600, 86400, 1);
	leaf = hs_test_cert(lk, "localhost", "DNS:localhost,DNS:tern.test,IP:127.0.0.1", ca, cak,
			    leaf_nb, leaf_na, 0);
	X509 *chain[2];

	chain[0] = leaf;
	chain[1] = ca;
	snprintf(p->ca, sizeof(p->ca), "%s/%s-ca.pem", d, tag);
	snprintf(p->chain, sizeof(p->chain), "%s/%s-chain.pem", d, tag);
	snprintf(p->key, sizeof(p->key), "%s/%s-key.pem", d, tag);
	hs_test_write_pem(p->ca, &ca, 1, NULL);
	hs_test_write_pem(p->chain, chain, 2, NULL);
	hs_test_write_pem(p->key, NULL, 0, lk);
	X509_free(ca);
	X509_free(leaf);
	EVP_PKEY_free(cak);
	EVP_PKEY_free(lk);
}

#endif /* TERN_TESTS_CONTROL_HS_TEST_UTIL_H */
