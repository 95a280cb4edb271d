/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: a whole tern server connection (buffered API,
 * include/tern/tls.h) fed arbitrary bytes as its TCP stream.
 *
 * Input: byte 0 picks the shape. Bit 7 set: the stream starts with a
 * genuine ClientHello (made once by a tern client at setup) so the fuzz
 * bytes reach the states after the server's flight. Bits 0-6 + 1: the
 * largest chunk read_tls hands over per callback call. The rest is the
 * stream. Between chunks the target processes, reads plaintext, writes
 * plaintext once connected and drains write_tls; at the end it checks that
 * a failed connection stays failed. One connection is reused with
 * tern_tls_conn_wipe() across inputs.
 *
 * Build: as tests/fuzz/fuzz_tls_handshake_msgs.c.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <tern/tls.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tern_tls_config *cfg, *ccfg;
static struct tern_crypto_ctx *cctx;
static struct tern_tls_conn *conn;
static uint8_t client_hello[2048];
static size_t client_hello_len;
static char dir[64] = "/tmp/tern-fuzz-conn-XXXXXX", cert_path[96], key_path[96];

static void
cleanup(void)
{
	tern_tls_conn_free(conn);
	tern_crypto_ctx_free(cctx);
	tern_tls_config_free(cfg);
	tern_tls_config_free(ccfg);
	unlink(cert_path);
	unlink(key_path);
	rmdir(dir);
}

static ssize_t
capture_ch(void *user, const uint8_t *p, size_t n)
{
	(void)user;
	if (client_hello_len + n > sizeof(client_hello))
		abort();
	memcpy(client_hello + client_hello_len, p, n);
	client_hello_len += n;
	return (ssize_t)n;
}

static void
setup(void)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	struct tern_tls_conn *client;
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
				   (const unsigned char *)"localhost", -1, -1, 0);
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
	    tern_tls_config_load_cert_chain(cfg, cert_path, key_path) != 0 ||
	    tern_crypto_ctx_create(TERN_CRYPTO_BACKEND_AUTO, &cctx) != 0 ||
	    tern_tls_conn_new(cfg, NULL, cctx, &conn) != 0)
		abort();
	/* A genuine ClientHello to start some inputs with. */
	if (tern_tls_config_new(TERN_TLS_CLIENT, &ccfg) != 0 ||
	    tern_tls_config_set_verify_peer(ccfg, false) != 0 ||
	    tern_tls_conn_new(ccfg, "localhost", cctx, &client) != 0)
		abort();
	while (tern_tls_conn_wants_write(client))
		if (tern_tls_conn_write_tls(client, capture_ch, NULL) <= 0)
			abort();
	tern_tls_conn_free(client);
	atexit(cleanup);
}

struct feed {
	const uint8_t *p;
	size_t len, chunk;
};

static ssize_t
feed_read(void *user, uint8_t *buf, size_t len)
{
	struct feed *f = user;
	size_t n = len < f->len ? len : f->len;

	n = n < f->chunk ? n : f->chunk;
	if (n == 0) {
		errno = EAGAIN;
		return -1;
	}
	memcpy(buf, f->p, n);
	f->p += n;
	f->len -= n;
	return (ssize_t)n;
}

static ssize_t
sink_write(void *user, const uint8_t *p, size_t n)
{
	(void)user;
	(void)p;
	/* Take at most 1000 bytes per call: exercises partial writes. */
	return (ssize_t)(n < 1000 ? n : 1000);
}

static void
feed_stream(struct feed *f)
{
	uint8_t pt[512];
	ssize_t n;
	int guard;

	for (guard = 0; guard < 100000 && f->len > 0; guard++) {
		n = tern_tls_conn_read_tls(conn, feed_read, f);
		if (n < 0 && n != -TERN_EAGAIN && n != -TERN_ENOBUFS)
			break;
		if (tern_tls_conn_process_new_packets(conn, NULL) != 0)
			break;
		while (tern_tls_conn_reader_read(conn, pt, sizeof(pt)) > 0)
			;
		if (!tern_tls_conn_is_handshaking(conn))
			(void)tern_tls_conn_writer_write(conn, "fuzz", 4);
		while (tern_tls_conn_wants_write(conn))
			if (tern_tls_conn_write_tls(conn, sink_write, NULL) <= 0)
				break;
		if (n == 0)
			break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feed f;
	uint8_t pt[16];
	int err;

	if (cfg == NULL)
		setup();
	if (size < 1)
		return 0;
	tern_tls_conn_wipe(conn);
	f.chunk = (size_t)(data[0] & 0x7f) + 1;
	if (data[0] & 0x80) {
		f.p = client_hello;
		f.len = client_hello_len;
		feed_stream(&f);
	}
	f.p = data + 1;
	f.len = size - 1;
	feed_stream(&f);
	/* Failure is sticky: every later call reports the same error. */
	err = tern_tls_conn_error(conn, NULL, NULL);
	if (err != 0 && (tern_tls_conn_process_new_packets(conn, NULL) != err ||
			 tern_tls_conn_reader_read(conn, pt, sizeof(pt)) != err ||
			 tern_tls_conn_writer_write(conn, "x", 1) != err))
		abort();
	while (tern_tls_conn_wants_write(conn))
		if (tern_tls_conn_write_tls(conn, sink_write, NULL) <= 0)
			break;
	return 0;
}
