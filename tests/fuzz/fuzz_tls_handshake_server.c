/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: a whole tern server handshake fed arbitrary bytes.
 *
 * A P-256 certificate and key are generated once (libcrypto) and written to
 * a temporary directory the server configuration loads them from. Each input
 * is split into chunks (byte 0: chunk length - 1) and fed to a fresh server
 * at the level the server expects (initial for ClientHello, handshake after
 * its flight). Nothing may crash, leak or read outside the input; the server
 * either waits for more or fails with an alert.
 *
 * Build: as tests/fuzz/fuzz_tls_handshake_msgs.c.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <tern/handshake.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tern_tls_config *cfg;
static char dir[64] = "/tmp/tern-fuzz-hs-XXXXXX", cert_path[96], key_path[96];

static void
cleanup(void)
{
	tern_tls_config_free(cfg);
	unlink(cert_path);
	unlink(key_path);
	rmdir(dir);
}

static void
setup(void)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();
	FILE *f;

	if (k == NULL || x == NULL || mkdtemp(dir) == NULL)
		abort();
	snprintf(cert_path, sizeof(cert_path), "%s/cert.pem", dir);
	snprintf(key_path, sizeof(key_path), "%s/key.pem", dir);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, k);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)"fuzz", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	if (X509_sign(x, k, EVP_sha256()) <= 0)
		abort();
	f = fopen(cert_path, "w");
	if (f == NULL || PEM_write_X509(f, x) != 1)
		abort();
	fclose(f);
	f = fopen(key_path, "w");
	if (f == NULL || PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) != 1)
		abort();
	fclose(f);
	X509_free(x);
	EVP_PKEY_free(k);
	if (tern_tls_config_new(TERN_TLS_SERVER, &cfg) != 0 ||
	    tern_tls_config_load_cert_chain(cfg, cert_path, key_path) != 0)
		abort();
	atexit(cleanup);
}

static int
on_send(void *user, enum tern_hs_level level, const uint8_t *p, size_t n)
{
	(void)user;
	(void)level;
	(void)p;
	return n == 0; /* the engine never sends nothing */
}

static int
on_secret(void *user, enum tern_hs_level level, enum tern_hs_direction dir_,
	  const struct tern_tls13_suite *suite, const uint8_t *s, size_t n)
{
	(void)user;
	(void)level;
	(void)dir_;
	(void)s;
	return n == suite->hash_len ? 0 : 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct tern_hs_callbacks cb = {.send = on_send, .on_secret = on_secret};
	struct tern_hs *hs;
	size_t chunk, off = 1, n;
	enum tern_hs_level l;
	uint8_t *copy;
	int rc = 0;

	if (cfg == NULL)
		setup();
	if (size < 1 || tern_hs_new(cfg, &cb, NULL, &hs) != 0)
		return 0;
	chunk = (size_t)data[0] + 1;
	while (off < size && rc == 0) {
		n = size - off < chunk ? size - off : chunk;
		copy = malloc(n);
		if (copy == NULL)
			break;
		memcpy(copy, data + off, n);
		for (l = TERN_HS_LEVEL_INITIAL; l < TERN_HS_LEVEL_COUNT; l++)
			if (tern_hs_expects_level(hs, l))
				break;
		rc = tern_hs_recv(hs, l == TERN_HS_LEVEL_COUNT ? TERN_HS_LEVEL_INITIAL : l, copy,
				  n);
		free(copy);
		off += n;
	}
	/* A failure is sticky and names an alert. */
	if (rc != 0 && (tern_hs_recv(hs, TERN_HS_LEVEL_INITIAL, data, 1) != rc ||
			tern_hs_alert(hs) == TERN_TLS_ALERT_NONE))
		abort();
	tern_hs_free(hs);
	return 0;
}
