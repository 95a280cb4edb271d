/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 8448 section 3 ("Simple 1-RTT Handshake"): tern's handshake key
 * schedule against the published trace, byte for byte.
 *
 * - The RFC's ClientHello and ServerHello parse with tern's codecs.
 * - tern_hs_kex_derive (X25519, the server's private key, the client's
 *   share) gives the RFC's (EC)DHE secret.
 * - The engine's transcript and key schedule (control/tls/hs_keyschedule.c)
 *   fed the RFC's messages give its transcript hashes, handshake secret,
 *   handshake traffic secrets, both Finished MACs, application traffic
 *   secrets, exporter and resumption master secrets; tern's CertificateVerify
 *   check (hs_sig.c) accepts the RFC's server signature.
 * - From the handshake secret and the RFC's transcript hash up to the
 *   server Finished, the public key-schedule functions (keyschedule.h) give
 *   the master secret, both application traffic secrets, and every traffic
 *   key and IV.
 *
 * Every hex value below is copied from RFC 8448 section 3.
 */

#include <stdlib.h>

#include <openssl/evp.h>

#include <tern/crypto.h>
#include <tern/keyschedule.h>

#include "control/tls/hs_internal.h"
#include "tern_test.h"

/* {client} send handshake record: payload (196 octets) */
static const char client_hello[] =
	"01 00 00 c0 03 03 cb 34 ec b1 e7 81 63 ba 1c 38 c6 da cb 19 6a 6d ff a2 1a 8d 99 12 ec 18"
	"a2 ef 62 83 02 4d ec e7 00 00 06 13 01 13 03 13 02 01 00 00 91 00 00 00 0b 00 09 00 00 06"
	"73 65 72 76 65 72 ff 01 00 01 00 00 0a 00 14 00 12 00 1d 00 17 00 18 00 19 01 00 01 01 01"
	"02 01 03 01 04 00 23 00 00 00 33 00 26 00 24 00 1d 00 20 99 38 1d e5 60 e4 bd 43 d2 3d 8e"
	"43 5a 7d ba fe b3 c0 6e 51 c1 3c ae 4d 54 13 69 1e 52 9a af 2c 00 2b 00 03 02 03 04 00 0d"
	"00 20 00 1e 04 03 05 03 06 03 02 03 08 04 08 05 08 06 04 01 05 01 06 01 02 01 04 02 05 02"
	"06 02 02 02 00 2d 00 02 01 01 00 1c 00 02 40 01";
/* {server} construct a ServerHello handshake message (90 octets) */
static const char server_hello[] =
	"02 00 00 56 03 03 a6 af 06 a4 12 18 60 dc 5e 6e 60 24 9c d3 4c 95 93 0c 8a c5 cb 14 34 da"
	"c1 55 77 2e d3 e2 69 28 00 13 01 00 00 2e 00 33 00 24 00 1d 00 20 c9 82 88 76 11 20 95 fe"
	"66 76 2b db f7 c6 72 e1 56 d6 cc 25 3b 83 3d f1 dd 69 b1 b0 4e 75 1f 0f 00 2b 00 02 03 04";
/* {client} create an ephemeral x25519 key pair: public key */
static const char client_pub[] = "99 38 1d e5 60 e4 bd 43 d2 3d 8e 43 5a 7d ba fe b3 c0 6e 51 c1 "
				 "3c ae 4d 54 13 69 1e 52 9a af 2c";
/* {server} create an ephemeral x25519 key pair: private key, public key */
static const char server_priv[] = "b1 58 0e ea df 6d d5 89 b8 ef 4f 2d 56 52 57 8c c8 10 e9 98 01 "
				  "91 ec 8d 05 83 08 ce a2 16 a2 1e";
static const char server_pub[] = "c9 82 88 76 11 20 95 fe 66 76 2b db f7 c6 72 e1 56 d6 cc 25 3b "
				 "83 3d f1 dd 69 b1 b0 4e 75 1f 0f";
/* {server} extract secret "handshake": IKM, secret */
static const char ecdhe[] = "8b d4 05 4f b5 5b 9d 63 fd fb ac f9 f0 4b 9f 0d 35 e6 d6 3f 53 75 63 "
			    "ef d4 62 72 90 0f 89 49 2d";
static const char hs_secret[] = "1d c8 26 e9 36 06 aa 6f dc 0a ad c1 2f 74 1b 01 04 6a a6 b9 9f 69 "
				"1e d2 21 a9 f0 ca 04 3f be ac";
/* {server} derive secret "tls13 c hs traffic" / "tls13 s hs traffic": hash, expanded */
static const char th_sh[] = "86 0c 06 ed c0 78 58 ee 8e 78 f0 e7 42 8c 58 ed d6 b4 3f 2c a3 e6 e9 "
			    "5f 02 ed 06 3c f0 e1 ca d8";
static const char c_hs[] = "b3 ed db 12 6e 06 7f 35 a7 80 b3 ab f4 5e 2d 8f 3b 1a 95 07 38 f5 2e "
			   "96 00 74 6a 0e 27 a5 5a 21";
static const char s_hs[] = "b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d 37 b4 e9 c9 12 bc de d9 10 "
			   "5d 42 be fd 59 d3 91 ad 38";
/* {server} derive secret for master "tls13 derived": expanded; extract secret "master": secret */
static const char master_salt[] = "43 de 77 e0 c7 77 13 85 9a 94 4d b9 db 25 90 b5 31 90 a6 5b 3e "
				  "e2 e4 f1 2d d7 a0 bb 7c e2 54 b4";
static const char master[] = "18 df 06 84 3d 13 a0 8b f2 a4 49 84 4c 5f 8a 47 80 01 bc 4d 4c 62 79 "
			     "84 d5 a4 1d a8 d0 40 29 19";
/* transcript hash through the server Finished ("tls13 c/s ap traffic" hash) */
static const char th_sfin[] = "96 08 10 2a 0f 1c cc 6d b6 25 0b 7b 7e 41 7b 1a 00 0e aa da 3d aa "
			      "e4 77 7a 76 86 c9 ff 83 df 13";
/* {server}/{client} derive write traffic keys for application data: PRK */
static const char s_ap[] = "a1 1a f9 f0 55 31 f8 56 ad 47 11 6b 45 a9 50 32 82 04 b4 f4 4b fb 6b "
			   "3a 4b 4f 1f 3f cb 63 16 43";
static const char c_ap[] = "9e 40 64 6c e7 9a 7f 9d c0 5a f8 88 9b ce 65 52 87 5a fa 0b 06 df 00 "
			   "87 f7 92 eb b7 c1 75 04 a5";

/* {server} construct an EncryptedExtensions handshake message (40 octets) */
static const char encrypted_extensions[] =
	"08 00 00 24 00 22 00 0a 00 14 00 12 00 1d 00 17 00 18 00 19 01 00 01 01 01 02 01 03 01 04"
	"00 1c 00 02 40 01 00 00 00 00";
/* {server} construct a Certificate handshake message (445 octets) */
static const char certificate[] =
	"0b 00 01 b9 00 00 01 b5 00 01 b0 30 82 01 ac 30 82 01 15 a0 03 02 01 02 02 01 02 30 0d 06"
	"09 2a 86 48 86 f7 0d 01 01 0b 05 00 30 0e 31 0c 30 0a 06 03 55 04 03 13 03 72 73 61 30 1e"
	"17 0d 31 36 30 37 33 30 30 31 32 33 35 39 5a 17 0d 32 36 30 37 33 30 30 31 32 33 35 39 5a"
	"30 0e 31 0c 30 0a 06 03 55 04 03 13 03 72 73 61 30 81 9f 30 0d 06 09 2a 86 48 86 f7 0d 01"
	"01 01 05 00 03 81 8d 00 30 81 89 02 81 81 00 b4 bb 49 8f 82 79 30 3d 98 08 36 39 9b 36 c6"
	"98 8c 0c 68 de 55 e1 bd b8 26 d3 90 1a 24 61 ea fd 2d e4 9a 91 d0 15 ab bc 9a 95 13 7a ce"
	"6c 1a f1 9e aa 6a f9 8c 7c ed 43 12 09 98 e1 87 a8 0e e0 cc b0 52 4b 1b 01 8c 3e 0b 63 26"
	"4d 44 9a 6d 38 e2 2a 5f da 43 08 46 74 80 30 53 0e f0 46 1c 8c a9 d9 ef bf ae 8e a6 d1 d0"
	"3e 2b d1 93 ef f0 ab 9a 80 02 c4 74 28 a6 d3 5a 8d 88 d7 9f 7f 1e 3f 02 03 01 00 01 a3 1a"
	"30 18 30 09 06 03 55 1d 13 04 02 30 00 30 0b 06 03 55 1d 0f 04 04 03 02 05 a0 30 0d 06 09"
	"2a 86 48 86 f7 0d 01 01 0b 05 00 03 81 81 00 85 aa d2 a0 e5 b9 27 6b 90 8c 65 f7 3a 72 67"
	"17 06 18 a5 4c 5f 8a 7b 33 7d 2d f7 a5 94 36 54 17 f2 ea e8 f8 a5 8c 8f 81 72 f9 31 9c f3"
	"6b 7f d6 c5 5b 80 f2 1a 03 01 51 56 72 60 96 fd 33 5e 5e 67 f2 db f1 02 70 2e 60 8c ca e6"
	"be c1 fc 63 a4 2a 99 be 5c 3e b7 10 7c 3c 54 e9 b9 eb 2b d5 20 3b 1c 3b 84 e0 a8 b2 f7 59"
	"40 9b a3 ea c9 d9 1d 40 2d cc 0c c8 f8 96 12 29 ac 91 87 b4 2b 4d e1 00 00";
/* {server} construct a CertificateVerify handshake message (136 octets) */
static const char certificate_verify[] =
	"0f 00 00 84 08 04 00 80 5a 74 7c 5d 88 fa 9b d2 e5 5a b0 85 a6 10 15 b7 21 1f 82 4c d4 84"
	"14 5a b3 ff 52 f1 fd a8 47 7b 0b 7a bc 90 db 78 e2 d3 3a 5c 14 1a 07 86 53 fa 6b ef 78 0c"
	"5e a2 48 ee aa a7 85 c4 f3 94 ca b6 d3 0b be 8d 48 59 ee 51 1f 60 29 57 b1 54 11 ac 02 76"
	"71 45 9e 46 44 5c 9e a5 8c 18 1e 81 8e 95 b8 c3 fb 0b f3 27 84 09 d3 be 15 2a 3d a5 04 3e"
	"06 3d da 65 cd f5 ae a2 0d 53 df ac d4 2f 74 f3";
/* {server} construct a Finished handshake message (36 octets) */
static const char server_finished[] =
	"14 00 00 20 9b 9b 14 1d 90 63 37 fb d2 cb dc e7 1d f4 de da 4a b4 2c 30 95 72 cb 7f ff ee"
	"54 54 b7 8f 07 18";
/* {client} construct a Finished handshake message (36 octets) */
static const char client_finished[] =
	"14 00 00 20 a8 ec 43 6d 67 76 34 ae 52 5a c1 fc eb e1 1a 03 9e c1 76 94 fa c6 e9 85 27 b6"
	"42 f2 ed d5 ce 61";
/* {server} derive secret "tls13 exp master": expanded */
static const char exp_master[] = "fe 22 f8 81 17 6e da 18 eb 8f 44 52 9e 67 92 c5 0c 9a 3f 89 45 "
				 "2f 68 d8 ae 31 1b 43 09 d3 cf 50";
/* {server} generate resumption secret "tls13 resumption": PRK (resumption_master_secret) */
static const char res_master[] = "7d f2 35 f2 03 1d 2a 05 12 87 d0 2b 02 41 b0 bf da f8 6c c8 56 "
				 "23 1f 2d 5a ba 46 c4 34 ec 19 6c";

/* Traffic keys and IVs: {server}/{client} derive ... traffic keys for ... data */
static const struct {
	const char *what, *secret, *key, *iv;
} traffic[] = {
	{"server handshake", s_hs, "3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc",
	 "5d 31 3e b2 67 12 76 ee 13 00 0b 30"},
	{"client handshake", c_hs, "db fa a6 93 d1 76 2c 5b 66 6a f5 d9 50 25 8d 01",
	 "5b d3 c7 1b 83 6e 0b 76 bb 73 26 5f"},
	{"server application", s_ap, "9f 02 28 3b 6c 9c 07 ef c2 6b b9 f2 ac 92 e3 56",
	 "cf 78 2b 88 dd 83 54 9a ad f1 e9 84"},
	{"client application", c_ap, "17 42 2d da 59 6e d5 d9 ac d8 90 e3 c6 3f 50 51",
	 "5b 78 92 3d ee 08 57 90 33 e5 23 d9"},
};

/* Hex with optional spaces into out; returns the byte count. */
static size_t
unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned v;

	while (*s != '\0') {
		if (*s == ' ') {
			s++;
			continue;
		}
		REQUIRE(n < cap && sscanf(s, "%2x", &v) == 1);
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

static void
check_hex(const char *what, const uint8_t *got, size_t len, const char *want_hex)
{
	uint8_t want[256];
	size_t n = unhex(want_hex, want, sizeof(want));
	size_t i;

	CHECK_EQ(n, len);
	if (n != len || memcmp(got, want, n) != 0) {
		fprintf(stderr, "%s: got ", what);
		for (i = 0; i < len; i++)
			fprintf(stderr, "%02x", got[i]);
		fprintf(stderr, "\n");
		CHECK(0);
	} else
		CHECK(1);
}

static uint8_t ch[256], sh[128];
static size_t ch_len, sh_len;

static void
test_messages(void)
{
	struct tern_hs_client_hello *c = calloc(1, sizeof(*c));
	struct tern_hs_server_hello *s = calloc(1, sizeof(*s));
	struct tern_rcursor r;

	REQUIRE(c != NULL && s != NULL);
	ch_len = unhex(client_hello, ch, sizeof(ch));
	sh_len = unhex(server_hello, sh, sizeof(sh));
	REQUIRE(ch_len == 196 && sh_len == 90);
	tern_rcursor_init(&r, ch + 4, ch_len - 4);
	CHECK_EQ(tern_hs_client_hello_parse(&r, c), TERN_TLS_ALERT_NONE);
	CHECK_EQ(c->n_suites, 3);
	CHECK_EQ(c->suites[0], TERN_TLS13_AES_128_GCM_SHA256);
	CHECK(c->exts.server_name.len == 6 && memcmp(c->exts.server_name.p, "server", 6) == 0);
	CHECK_EQ(c->exts.n_shares, 1);
	CHECK_EQ(c->exts.shares[0].group, TERN_TLS_GROUP_X25519);
	CHECK_EQ(c->exts.shares[0].key.len, 32);
	check_hex("client share", c->exts.shares[0].key.p, c->exts.shares[0].key.len, client_pub);
	CHECK_EQ(c->exts.record_size_limit, 0x4001);
	tern_rcursor_init(&r, sh + 4, sh_len - 4);
	CHECK_EQ(tern_hs_server_hello_parse(&r, s), TERN_TLS_ALERT_NONE);
	CHECK_EQ(s->suite, TERN_TLS13_AES_128_GCM_SHA256);
	CHECK(!s->is_hrr);
	CHECK_EQ(s->exts.shares[0].group, TERN_TLS_GROUP_X25519);
	check_hex("server share", s->exts.shares[0].key.p, s->exts.shares[0].key.len, server_pub);
	free(c);
	free(s);
}

static void
test_kex(void)
{
	uint8_t priv[32], pub[32], shared[TERN_HS_SHARED_MAX];
	size_t shared_len = sizeof(shared);
	EVP_PKEY *k;

	REQUIRE(unhex(server_priv, priv, sizeof(priv)) == 32);
	REQUIRE(unhex(client_pub, pub, sizeof(pub)) == 32);
	k = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, sizeof(priv));
	REQUIRE(k != NULL);
	CHECK_EQ(
		tern_hs_kex_derive(TERN_TLS_GROUP_X25519, k, pub, sizeof(pub), shared, &shared_len),
		TERN_TLS_ALERT_NONE);
	check_hex("(EC)DHE", shared, shared_len, ecdhe);
	EVP_PKEY_free(k);
}

/* Append one RFC message to the engine's transcript; returns its length. */
static size_t
add_msg(struct tern_hs *hs, const char *hex, uint8_t *buf, size_t cap)
{
	size_t n = unhex(hex, buf, cap);

	REQUIRE(tern_hs_transcript_add(hs, buf, n) == 0);
	return n;
}

/*
 * The engine's key schedule over the RFC's transcript: handshake secrets
 * after the ServerHello, the server's signature and Finished, application
 * and exporter secrets after the server Finished, the client's Finished and
 * the resumption master secret.
 */
static void
test_engine_schedule(void)
{
	struct tern_hs *hs = calloc(1, sizeof(*hs));
	uint8_t shared[32], th[TERN_HASH_MAX_LEN], mac[TERN_HASH_MAX_LEN], m[512];
	struct tern_hs_encrypted_extensions *ee = calloc(1, sizeof(*ee));
	struct tern_hs_certificate ct;
	struct tern_hs_certificate_verify cv;
	struct tern_rcursor r;
	const unsigned char *p;
	EVP_PKEY *pub;
	X509 *leaf;
	size_t n;

	REQUIRE(hs != NULL && ee != NULL);
	REQUIRE(unhex(ecdhe, shared, sizeof(shared)) == 32);
	hs->role = TERN_TLS_CLIENT;
	REQUIRE(tern_hs_transcript_init(hs, tern_tls13_suite_get(TERN_TLS13_AES_128_GCM_SHA256)) ==
		0);
	REQUIRE(tern_hs_transcript_add(hs, ch, ch_len) == 0);
	REQUIRE(tern_hs_transcript_add(hs, sh, sh_len) == 0);
	REQUIRE(tern_hs_transcript_hash(hs, th) == 0);
	check_hex("Hash(ClientHello..ServerHello)", th, 32, th_sh);
	CHECK_EQ(tern_hs_derive_handshake_secrets(hs, shared, sizeof(shared)), 0);
	check_hex("handshake secret", hs->hs_secret, 32, hs_secret);
	check_hex("client_handshake_traffic_secret", hs->c_hs, 32, c_hs);
	check_hex("server_handshake_traffic_secret", hs->s_hs, 32, s_hs);

	n = add_msg(hs, encrypted_extensions, m, sizeof(m));
	tern_rcursor_init(&r, m + 4, n - 4);
	CHECK_EQ(tern_hs_encrypted_extensions_parse(&r, ee), TERN_TLS_ALERT_NONE);
	CHECK_EQ(ee->exts.record_size_limit, 0x4001);

	/* The CertificateVerify signs Hash(CH..Certificate) (4.4.3): check it with tern's verifier.
	 */
	n = add_msg(hs, certificate, m, sizeof(m));
	tern_rcursor_init(&r, m + 4, n - 4);
	REQUIRE(tern_hs_certificate_parse(&r, &ct) == TERN_TLS_ALERT_NONE);
	REQUIRE(ct.n_certs == 1);
	p = ct.certs[0].p;
	leaf = d2i_X509(NULL, &p, ct.certs[0].len);
	REQUIRE(leaf != NULL);
	pub = X509_get_pubkey(leaf);
	REQUIRE(pub != NULL);
	REQUIRE(tern_hs_transcript_hash(hs, th) == 0);
	n = unhex(certificate_verify, m, sizeof(m));
	tern_rcursor_init(&r, m + 4, n - 4);
	REQUIRE(tern_hs_certificate_verify_parse(&r, &cv) == TERN_TLS_ALERT_NONE);
	CHECK_EQ(cv.sigalg, TERN_TLS_SIG_RSA_PSS_RSAE_SHA256);
	CHECK(tern_hs_verify(hs, pub, cv.sigalg, th, cv.signature.p, cv.signature.len));
	/* The client's context string must not verify (4.4.3). */
	hs->cv_client = true;
	CHECK(!tern_hs_verify(hs, pub, cv.sigalg, th, cv.signature.p, cv.signature.len));
	hs->cv_client = false;
	REQUIRE(tern_hs_transcript_add(hs, m, n) == 0);

	/* {server} calculate finished "tls13 finished" */
	CHECK_EQ(tern_hs_finished_mac(hs, hs->s_hs, mac), 0);
	n = unhex(server_finished, m, sizeof(m));
	check_hex("server Finished", mac, 32, server_finished + 12);
	REQUIRE(tern_hs_transcript_add(hs, m, n) == 0);
	REQUIRE(tern_hs_transcript_hash(hs, th) == 0);
	check_hex("Hash(ClientHello..server Finished)", th, 32, th_sfin);
	CHECK_EQ(tern_hs_derive_app_secrets(hs), 0);
	check_hex("client_application_traffic_secret_0", hs->c_ap, 32, c_ap);
	check_hex("server_application_traffic_secret_0", hs->s_ap, 32, s_ap);
	check_hex("exporter_master_secret", hs->exp_master, 32, exp_master);
	check_hex("master secret (kept for resumption)", hs->master, 32, master);

	/* {client} calculate finished "tls13 finished", then the resumption master secret */
	CHECK_EQ(tern_hs_finished_mac(hs, hs->c_hs, mac), 0);
	check_hex("client Finished", mac, 32, client_finished + 12);
	add_msg(hs, client_finished, m, sizeof(m));
	CHECK_EQ(tern_hs_derive_res_master(hs), 0);
	check_hex("resumption_master_secret", hs->res_master, 32, res_master);

	EVP_PKEY_free(pub);
	X509_free(leaf);
	EVP_MD_CTX_free(hs->transcript);
	OPENSSL_cleanse(hs, sizeof(*hs));
	free(hs);
	free(ee);
}

/* Master and application secrets, traffic keys and IVs with the public functions. */
static void
test_master_and_traffic(void)
{
	uint8_t hss[32], eh[32], salt[32], ms[32], th[32], out[32], zeros[32] = {0};
	uint8_t secret[32], key[16], iv[12];
	size_t i;

	REQUIRE(unhex(hs_secret, hss, sizeof(hss)) == 32);
	REQUIRE(EVP_Digest("", 0, eh, NULL, EVP_sha256(), NULL) == 1);
	CHECK_EQ(tern_derive_secret(TERN_HASH_SHA256, hss, 32, "derived", eh, salt), 0);
	check_hex("derived for master", salt, 32, master_salt);
	CHECK_EQ(tern_hkdf_extract(TERN_HASH_SHA256, salt, 32, zeros, 32, ms), 0);
	check_hex("master secret", ms, 32, master);
	REQUIRE(unhex(th_sfin, th, sizeof(th)) == 32);
	CHECK_EQ(tern_derive_secret(TERN_HASH_SHA256, ms, 32, "c ap traffic", th, out), 0);
	check_hex("client_application_traffic_secret_0", out, 32, c_ap);
	CHECK_EQ(tern_derive_secret(TERN_HASH_SHA256, ms, 32, "s ap traffic", th, out), 0);
	check_hex("server_application_traffic_secret_0", out, 32, s_ap);
	for (i = 0; i < sizeof(traffic) / sizeof(traffic[0]); i++) {
		REQUIRE(unhex(traffic[i].secret, secret, sizeof(secret)) == 32);
		CHECK_EQ(tern_hkdf_expand_label(TERN_HASH_SHA256, secret, 32, "key", NULL, 0, key,
						sizeof(key)),
			 0);
		check_hex(traffic[i].what, key, sizeof(key), traffic[i].key);
		CHECK_EQ(tern_hkdf_expand_label(TERN_HASH_SHA256, secret, 32, "iv", NULL, 0, iv,
						sizeof(iv)),
			 0);
		check_hex(traffic[i].what, iv, sizeof(iv), traffic[i].iv);
	}
}

int
main(void)
{
	test_messages();
	test_kex();
	test_engine_schedule();
	test_master_and_traffic();
	return tern_test_done("rfc8448");
}
