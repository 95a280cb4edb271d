/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Server certificate selection (tern_tls_config_add_cert_chain()), in
 * memory: one server configuration with several chains, tern clients asking
 * for different server names; the leaf the client received
 * (tern_hs_peer_certificate) and the scheme (tern_hs_sigalg) are checked.
 * Exact names beat wildcards, wildcards match one whole label only
 * (RFC 6125 6.4.3), no match falls back to the first chain, and the client's
 * signature_algorithms choose between an ECDSA and an RSA chain for one
 * name (ClientHellos with a reduced list are re-encoded from the tern
 * client's).
 */

#include "control/tls/hs_msg.h"
#include "hs_test_util.h"

#include <tern/error.h>

enum { L_DEFAULT, L_A, L_B, L_WILD, L_EXACT, L_PART, L_RSA_A, L_COUNT };

static const struct {
	const char *tag, *key, *san;
} leaves[L_COUNT] = {
	[L_DEFAULT] = {"default", "EC-P256", "DNS:default.test"},
	[L_A] = {"a", "EC-P256", "DNS:a.test"},
	[L_B] = {"b", "EC-P256", "DNS:b.test,DNS:www.b.test"},
	[L_WILD] = {"wild", "EC-P384", "DNS:*.wild.test"},
	[L_EXACT] = {"exact", "ED25519", "DNS:x.wild.test"},
	[L_PART] = {"part", "EC-P256", "DNS:f*.part.test"},
	[L_RSA_A] = {"rsa-a", "RSA", "DNS:a.test"},
};

static char ca_pem[128], chain_pem[L_COUNT][128], key_pem[L_COUNT][128];
static uint8_t *leaf_der[L_COUNT];
static int leaf_len[L_COUNT];

static void
make_pki(void)
{
	const char *d = hs_test_tmpdir();
	EVP_PKEY *cak = hs_test_key("EC-P256"), *k;
	X509 *ca = hs_test_cert(cak, "tern sni CA", NULL, NULL, NULL, -3600, 86400, 1), *x;
	X509 *chain[2];
	int i;

	snprintf(ca_pem, sizeof(ca_pem), "%s/sni-ca.pem", d);
	hs_test_write_pem(ca_pem, &ca, 1, NULL);
	for (i = 0; i < L_COUNT; i++) {
		k = hs_test_key(leaves[i].key);
		x = hs_test_cert(k, leaves[i].tag, leaves[i].san, ca, cak, -3600, 86400, 0);
		chain[0] = x;
		chain[1] = ca;
		snprintf(chain_pem[i], sizeof(chain_pem[i]), "%s/sni-%s-chain.pem", d,
			 leaves[i].tag);
		snprintf(key_pem[i], sizeof(key_pem[i]), "%s/sni-%s-key.pem", d, leaves[i].tag);
		hs_test_write_pem(chain_pem[i], chain, 2, NULL);
		hs_test_write_pem(key_pem[i], NULL, 0, k);
		leaf_der[i] = NULL;
		leaf_len[i] = i2d_X509(x, &leaf_der[i]);
		REQUIRE(leaf_len[i] > 0);
		X509_free(x);
		EVP_PKEY_free(k);
	}
	X509_free(ca);
	EVP_PKEY_free(cak);
}

/* --- an in-memory pair --------------------------------------------------- */

struct peer {
	struct tern_hs *hs;
	uint8_t q[TERN_HS_LEVEL_COUNT][65536];
	size_t qlen[TERN_HS_LEVEL_COUNT];
};

static int
cb_send(void *user, enum tern_hs_level level, const uint8_t *data, size_t len)
{
	struct peer *p = user;

	REQUIRE(p->qlen[level] + len <= sizeof(p->q[level]));
	memcpy(p->q[level] + p->qlen[level], data, len);
	p->qlen[level] += len;
	return 0;
}

static int
cb_secret(void *user, enum tern_hs_level level, enum tern_hs_direction dir,
	  const struct tern_tls13_suite *suite, const uint8_t *secret, size_t len)
{
	(void)user, (void)level, (void)dir, (void)suite, (void)secret, (void)len;
	return 0;
}

static const struct tern_hs_callbacks cbs = {.send = cb_send, .on_secret = cb_secret};

static int
pump(struct peer *c, struct peer *s)
{
	struct peer *from[2] = {c, s}, *to[2] = {s, c};
	int moved = 1, rc, i, l;

	while (moved) {
		moved = 0;
		for (i = 0; i < 2; i++)
			for (l = 0; l < TERN_HS_LEVEL_COUNT; l++) {
				if (from[i]->qlen[l] == 0)
					continue;
				rc = tern_hs_recv(to[i]->hs, (enum tern_hs_level)l, from[i]->q[l],
						  from[i]->qlen[l]);
				from[i]->qlen[l] = 0;
				moved = 1;
				if (rc != 0)
					return rc;
			}
	}
	return 0;
}

static struct tern_tls_config *scfg, *ccfg, *ccfg_noverify;
static struct peer C, S;

/* Which of our leaves a DER certificate is, -1 if none. */
static int
which_leaf(const uint8_t *der, size_t len)
{
	int i;

	for (i = 0; i < L_COUNT; i++)
		if ((size_t)leaf_len[i] == len && memcmp(leaf_der[i], der, len) == 0)
			return i;
	return -1;
}

/* A full handshake asking for name (NULL: no SNI); the leaf the client got. */
static int
connect_name(const char *name, bool verify, uint16_t *sigalg)
{
	const uint8_t *der;
	size_t len;
	int rc;

	tern_hs_free(C.hs);
	tern_hs_free(S.hs);
	memset(&C, 0, sizeof(C));
	memset(&S, 0, sizeof(S));
	REQUIRE(tern_hs_new(verify ? ccfg : ccfg_noverify, &cbs, &C, &C.hs) == 0);
	REQUIRE(tern_hs_new(scfg, &cbs, &S, &S.hs) == 0);
	if (name != NULL)
		REQUIRE(tern_hs_set_server_name(C.hs, name) == 0);
	REQUIRE(tern_hs_start(C.hs) == 0);
	rc = pump(&C, &S);
	if (rc != 0) {
		fprintf(stderr, "%s: client %s / server %s\n", name ? name : "(no SNI)",
			tern_hs_error_string(C.hs), tern_hs_error_string(S.hs));
		return -100;
	}
	REQUIRE(tern_hs_is_complete(C.hs) && tern_hs_is_complete(S.hs));
	*sigalg = tern_hs_sigalg(C.hs);
	CHECK_EQ(tern_hs_sigalg(S.hs), *sigalg);
	len = tern_hs_peer_certificate(C.hs, 0, &der);
	REQUIRE(len > 0);
	return which_leaf(der, len);
}

static void
expect(const char *name, bool verify, int leaf, uint16_t sigalg)
{
	uint16_t got_sig = 0;
	int got = connect_name(name, verify, &got_sig);

	if (got != leaf)
		fprintf(stderr, "name %s: got leaf %d, want %d\n", name ? name : "(none)", got,
			leaf);
	CHECK_EQ(got, leaf);
	CHECK_EQ(got_sig, sigalg);
}

static void
test_by_name(void)
{
	expect("a.test", true, L_A, TERN_TLS_SIG_ECDSA_SECP256R1_SHA256);
	expect("b.test", true, L_B, TERN_TLS_SIG_ECDSA_SECP256R1_SHA256);
	expect("www.b.test", true, L_B, TERN_TLS_SIG_ECDSA_SECP256R1_SHA256);
	/* Host names compare case-insensitively. */
	expect("A.Test", true, L_A, TERN_TLS_SIG_ECDSA_SECP256R1_SHA256);
	expect("foo.wild.test", true, L_WILD, TERN_TLS_SIG_ECDSA_SECP384R1_SHA384);
	/* An exact name wins over a wildcard loaded before it. */
	expect("x.wild.test", true, L_EXACT, TERN_TLS_SIG_ED25519);
	expect("default.test", true, L_DEFAULT, TERN_TLS_SIG_ECDSA_SECP256R1_SHA256);
	/* No match: the first chain. A wildcard covers one label, not two or none. */
	expect("c.test", false, L_DEFAULT, TERN_TLS_SIG_ECDSA_SECP256R1_SHA256);
	expect("a.b.wild.test", false, L_DEFAULT, TERN_TLS_SIG_ECDSA_SECP256R1_SHA256);
	expect("wild.test", false, L_DEFAULT, TERN_TLS_SIG_ECDSA_SECP256R1_SHA256);
	/* No partial-label wildcards (RFC 6125 6.4.3 allows refusing them). */
	expect("foo.part.test", false, L_DEFAULT, TERN_TLS_SIG_ECDSA_SECP256R1_SHA256);
	/* No SNI at all. */
	expect(NULL, false, L_DEFAULT, TERN_TLS_SIG_ECDSA_SECP256R1_SHA256);
	/* The default's leaf does not bear c.test: a verifying client refuses it. */
	CHECK_EQ(connect_name("c.test", true, &(uint16_t){0}), -100);
	CHECK_EQ(tern_hs_alert(C.hs), TERN_TLS_ALERT_BAD_CERTIFICATE);
}

/*
 * The server's answer to the tern client's ClientHello for name with its
 * signature_algorithms replaced by sigalgs: the leaf in the server's
 * Certificate and the scheme of its CertificateVerify (both in the clear at
 * the handshake level of the sans-IO engine). Returns -2 if the server failed.
 */
static int
offer_sigalgs(const char *name, const uint16_t *sigalgs, unsigned n, uint16_t *cv_sigalg)
{
	static struct tern_hs_client_hello ch;
	static uint8_t buf[4096];
	struct tern_hs_certificate ct;
	struct tern_hs_certificate_verify cv;
	struct tern_rcursor r;
	struct tern_wcursor w;
	size_t off, mlen;
	int leaf = -1;

	tern_hs_free(C.hs);
	tern_hs_free(S.hs);
	memset(&C, 0, sizeof(C));
	memset(&S, 0, sizeof(S));
	REQUIRE(tern_hs_new(ccfg, &cbs, &C, &C.hs) == 0);
	REQUIRE(tern_hs_new(scfg, &cbs, &S, &S.hs) == 0);
	REQUIRE(tern_hs_set_server_name(C.hs, name) == 0);
	REQUIRE(tern_hs_start(C.hs) == 0);
	REQUIRE(C.qlen[TERN_HS_LEVEL_INITIAL] > 4);
	tern_rcursor_init(&r, C.q[TERN_HS_LEVEL_INITIAL] + 4, C.qlen[TERN_HS_LEVEL_INITIAL] - 4);
	REQUIRE(tern_hs_client_hello_parse(&r, &ch) == TERN_TLS_ALERT_NONE);
	memcpy(ch.exts.sigalgs, sigalgs, n * sizeof(*sigalgs));
	ch.exts.n_sigalgs = (uint8_t)n;
	tern_wcursor_init(&w, buf, sizeof(buf));
	REQUIRE(tern_hs_client_hello_write(&w, &ch));
	*cv_sigalg = 0;
	if (tern_hs_recv(S.hs, TERN_HS_LEVEL_INITIAL, buf, w.off) != 0)
		return -2;
	/* Walk the server's handshake-level flight: EE, Certificate, CertificateVerify, Finished.
	 */
	for (off = 0; off + 4 <= S.qlen[TERN_HS_LEVEL_HANDSHAKE]; off += 4 + mlen) {
		const uint8_t *m = S.q[TERN_HS_LEVEL_HANDSHAKE] + off;

		mlen = (size_t)m[1] << 16 | (size_t)m[2] << 8 | m[3];
		REQUIRE(off + 4 + mlen <= S.qlen[TERN_HS_LEVEL_HANDSHAKE]);
		tern_rcursor_init(&r, m + 4, mlen);
		if (m[0] == TERN_HS_CERTIFICATE) {
			REQUIRE(tern_hs_certificate_parse(&r, &ct) == TERN_TLS_ALERT_NONE);
			REQUIRE(ct.n_certs >= 1);
			leaf = which_leaf(ct.certs[0].p, ct.certs[0].len);
		} else if (m[0] == TERN_HS_CERTIFICATE_VERIFY) {
			REQUIRE(tern_hs_certificate_verify_parse(&r, &cv) == TERN_TLS_ALERT_NONE);
			*cv_sigalg = cv.sigalg;
		}
	}
	return leaf;
}

static void
test_by_sigalgs(void)
{
	static const uint16_t rsae[] = {TERN_TLS_SIG_RSA_PSS_RSAE_SHA384,
					TERN_TLS_SIG_RSA_PSS_RSAE_SHA256};
	static const uint16_t both[] = {TERN_TLS_SIG_RSA_PSS_RSAE_SHA256,
					TERN_TLS_SIG_ECDSA_SECP256R1_SHA256};
	static const uint16_t ed[] = {TERN_TLS_SIG_ED25519};
	static const uint16_t pss[] = {TERN_TLS_SIG_RSA_PSS_PSS_SHA256};
	uint16_t s;

	/* a.test has an ECDSA and an RSA chain: an RSA-PSS-only client gets the RSA one. */
	CHECK_EQ(offer_sigalgs("a.test", rsae, 2, &s), L_RSA_A);
	CHECK_EQ(s, TERN_TLS_SIG_RSA_PSS_RSAE_SHA384);
	/* Both acceptable: the chain loaded first (ECDSA), whatever the client's order. */
	CHECK_EQ(offer_sigalgs("a.test", both, 2, &s), L_A);
	CHECK_EQ(s, TERN_TLS_SIG_ECDSA_SECP256R1_SHA256);
	/* No a.test chain fits Ed25519: the first chain in load order that does. */
	CHECK_EQ(offer_sigalgs("a.test", ed, 1, &s), L_EXACT);
	CHECK_EQ(s, TERN_TLS_SIG_ED25519);
	/* The wildcard's P-384 key cannot sign rsae: back to the RSA chain. */
	CHECK_EQ(offer_sigalgs("foo.wild.test", rsae, 2, &s), L_RSA_A);
	/* No chain at all for rsa_pss_pss: handshake_failure. */
	CHECK_EQ(offer_sigalgs("a.test", pss, 1, &s), -2);
	CHECK_EQ(tern_hs_alert(S.hs), TERN_TLS_ALERT_HANDSHAKE_FAILURE);
}

static void
test_config(void)
{
	struct tern_tls_config *cfg;
	uint16_t s;
	int i;

	REQUIRE(tern_tls_config_new(TERN_TLS_SERVER, &cfg) == 0);
	for (i = 0; i < TERN_TLS_MAX_CERT_CHAINS; i++)
		CHECK_EQ(tern_tls_config_add_cert_chain(cfg, chain_pem[L_A], key_pem[L_A]), 0);
	CHECK_EQ(tern_tls_config_add_cert_chain(cfg, chain_pem[L_A], key_pem[L_A]), -TERN_ELIMIT);
	/* The key of another leaf, a missing file: refused, nothing added. */
	CHECK_EQ(tern_tls_config_add_cert_chain(NULL, chain_pem[L_A], key_pem[L_A]), -TERN_EINVAL);
	/* load_cert_chain replaces every chain. */
	CHECK_EQ(tern_tls_config_load_cert_chain(cfg, chain_pem[L_B], key_pem[L_A]), -TERN_EINVAL);
	CHECK_EQ(tern_tls_config_load_cert_chain(cfg, chain_pem[L_B], key_pem[L_B]), 0);
	CHECK_EQ(tern_tls_config_add_cert_chain(cfg, chain_pem[L_A], key_pem[L_B]), -TERN_EINVAL);
	CHECK_EQ(tern_tls_config_add_cert_chain(cfg, "/nonexistent.pem", key_pem[L_A]),
		 -TERN_EINVAL);
	tern_tls_config_free(scfg);
	scfg = cfg;
	/* Only b.test's chain is left, and a single chain is always sent. */
	CHECK_EQ(connect_name("a.test", false, &s), L_B);
	CHECK_EQ(connect_name("b.test", true, &s), L_B);
}

/* An RSA-PSS key restricted to md (and a salt of salt bytes), with a leaf for a.test. */
static void
pss_chain(const char *tag, const EVP_MD *md, int salt, char *chain_out, char *key_out)
{
	const char *d = hs_test_tmpdir();
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);
	EVP_PKEY *k = NULL, *cak = hs_test_key("EC-P256");
	X509 *ca = hs_test_cert(cak, "tern pss CA", NULL, NULL, NULL, -3600, 86400, 1), *x;

	REQUIRE(c != NULL && EVP_PKEY_keygen_init(c) == 1 &&
		EVP_PKEY_CTX_set_rsa_keygen_bits(c, 2048) == 1 &&
		EVP_PKEY_CTX_set_rsa_pss_keygen_md(c, md) == 1 &&
		EVP_PKEY_CTX_set_rsa_pss_keygen_saltlen(c, salt) == 1 &&
		EVP_PKEY_keygen(c, &k) == 1);
	EVP_PKEY_CTX_free(c);
	/* Signed by an EC CA: a SHA-384-only key cannot sign its own SHA-256 certificate. */
	x = hs_test_cert(k, tag, "DNS:a.test", ca, cak, -3600, 86400, 0);
	snprintf(chain_out, 128, "%s/sni-%s-chain.pem", d, tag);
	snprintf(key_out, 128, "%s/sni-%s-key.pem", d, tag);
	hs_test_write_pem(chain_out, &x, 1, NULL);
	hs_test_write_pem(key_out, NULL, 0, k);
	X509_free(x);
	X509_free(ca);
	EVP_PKEY_free(k);
	EVP_PKEY_free(cak);
}

/*
 * RSA-PSS keys with parameters (RFC 4055): tern signs rsa_pss_pss_sha256
 * only, so a key restricted to SHA-384 is refused when loading rather than
 * failing every handshake; one restricted to SHA-256 with a 32-byte salt works.
 */
static void
test_pss_restricted(void)
{
	char chain[2][128], key[2][128];
	struct tern_tls_config *cfg;
	uint16_t s;
	int leaf;

	pss_chain("pss-sha384", EVP_sha384(), 48, chain[0], key[0]);
	pss_chain("pss-sha256", EVP_sha256(), 32, chain[1], key[1]);
	REQUIRE(tern_tls_config_new(TERN_TLS_SERVER, &cfg) == 0);
	CHECK_EQ(tern_tls_config_add_cert_chain(cfg, chain[0], key[0]), -TERN_EINVAL);
	CHECK_EQ(tern_tls_config_add_cert_chain(cfg, chain[1], key[1]), 0);
	tern_tls_config_free(scfg);
	scfg = cfg;
	leaf = connect_name("a.test", false, &s);
	CHECK_EQ(leaf, -1); /* not one of make_pki's leaves */
	CHECK_EQ(s, TERN_TLS_SIG_RSA_PSS_PSS_SHA256);
}

int
main(void)
{
	static const int order[] = {L_DEFAULT, L_A, L_RSA_A, L_B, L_WILD, L_EXACT, L_PART};
	size_t i;

	(void)hs_test_make_pki; /* shared helper header */
	make_pki();
	REQUIRE(tern_tls_config_new(TERN_TLS_SERVER, &scfg) == 0);
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		REQUIRE(tern_tls_config_add_cert_chain(scfg, chain_pem[order[i]],
						       key_pem[order[i]]) == 0);
	REQUIRE(tern_tls_config_new(TERN_TLS_CLIENT, &ccfg) == 0);
	REQUIRE(tern_tls_config_load_ca_file(ccfg, ca_pem) == 0);
	REQUIRE(tern_tls_config_new(TERN_TLS_CLIENT, &ccfg_noverify) == 0);
	REQUIRE(tern_tls_config_set_verify_peer(ccfg_noverify, false) == 0);

	test_by_name();
	test_by_sigalgs();
	test_config();
	test_pss_restricted();

	tern_hs_free(C.hs);
	tern_hs_free(S.hs);
	tern_tls_config_free(scfg);
	tern_tls_config_free(ccfg);
	tern_tls_config_free(ccfg_noverify);
	for (i = 0; i < L_COUNT; i++)
		OPENSSL_free(leaf_der[i]);
	return tern_test_done("hs_sni");
}
