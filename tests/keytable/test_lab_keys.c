/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Lab keying (benchmark mode): the derivation matches its documented
 * definition computed independently with OpenSSL's HKDF, both sides agree,
 * and different CIDs / seeds give different secrets.
 */

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <tern/lab_keys.h>

#include "tern_test.h"

/* Reference: HKDF via OpenSSL with an explicitly built HkdfLabel. */
static int
ref_secret(const char *md, const uint8_t *seed, const uint8_t *cid, size_t cid_len,
	   const char *label, uint8_t *out, size_t out_len)
{
	uint8_t ikm[8 + 20], prk[64], info[64];
	size_t prk_len = 0, il = 0, ll = strlen(label);
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *kc = EVP_KDF_CTX_new(kdf);
	OSSL_PARAM ps[6];
	int mode, ok;

	memcpy(ikm, "tern lab", 8);
	memcpy(ikm + 8, cid, cid_len);
	mode = EVP_KDF_HKDF_MODE_EXTRACT_ONLY;
	ps[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md, 0);
	ps[1] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	ps[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)seed, 32);
	ps[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, ikm, 8 + cid_len);
	ps[4] = OSSL_PARAM_construct_end();
	prk_len = strcmp(md, "SHA384") == 0 ? 48 : 32;
	ok = EVP_KDF_derive(kc, prk, prk_len, ps) == 1;
	/* HkdfLabel: uint16 length, opaque label<7..255> = "tls13 " + label, context<0..255> */
	info[il++] = (uint8_t)(out_len >> 8);
	info[il++] = (uint8_t)out_len;
	info[il++] = (uint8_t)(6 + ll);
	memcpy(info + il, "tls13 ", 6);
	il += 6;
	memcpy(info + il, label, ll);
	il += ll;
	info[il++] = 0;
	mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	ps[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, prk, prk_len);
	ps[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, il);
	ps[4] = OSSL_PARAM_construct_end();
	ok = ok && EVP_KDF_derive(kc, out, out_len, ps) == 1;
	EVP_KDF_CTX_free(kc);
	EVP_KDF_free(kdf);
	return ok ? 0 : -1;
}

int
main(void)
{
	uint8_t seed[TERN_LAB_SEED_LEN], seed2[TERN_LAB_SEED_LEN];
	uint8_t cid[20], cs[48], ss[48], rc_[48], rs[48], cs2[48], ss2[48];
	size_t len = 0, i;
	struct tern_crypto_ctx *ctx;
	struct tern_quic_keys *s_rx, *s_tx, *c_rx, *c_tx;

	for (i = 0; i < sizeof(seed); i++)
		seed[i] = (uint8_t)(i * 7 + 1);
	memcpy(seed2, seed, sizeof(seed));
	seed2[31] ^= 1;
	for (i = 0; i < sizeof(cid); i++)
		cid[i] = (uint8_t)(0xc0 + i);

	CHECK_EQ(tern_lab_secrets(seed, TERN_TLS13_AES_128_GCM_SHA256, cid, 8, cs, ss, &len), 0);
	CHECK_EQ(len, 32);
	REQUIRE(ref_secret("SHA256", seed, cid, 8, "client 1rtt", rc_, 32) == 0);
	REQUIRE(ref_secret("SHA256", seed, cid, 8, "server 1rtt", rs, 32) == 0);
	CHECK_MEM(cs, rc_, 32);
	CHECK_MEM(ss, rs, 32);
	CHECK(memcmp(cs, ss, 32) != 0);

	CHECK_EQ(tern_lab_secrets(seed, TERN_TLS13_AES_256_GCM_SHA384, cid, 20, cs, ss, &len), 0);
	CHECK_EQ(len, 48);
	REQUIRE(ref_secret("SHA384", seed, cid, 20, "client 1rtt", rc_, 48) == 0);
	REQUIRE(ref_secret("SHA384", seed, cid, 20, "server 1rtt", rs, 48) == 0);
	CHECK_MEM(cs, rc_, 48);
	CHECK_MEM(ss, rs, 48);

	/* Different CID or seed: different secrets. */
	CHECK_EQ(tern_lab_secrets(seed, TERN_TLS13_AES_128_GCM_SHA256, cid, 8, cs, ss, NULL), 0);
	CHECK_EQ(tern_lab_secrets(seed, TERN_TLS13_AES_128_GCM_SHA256, cid, 7, cs2, ss2, NULL), 0);
	CHECK(memcmp(cs, cs2, 32) != 0);
	CHECK_EQ(tern_lab_secrets(seed2, TERN_TLS13_AES_128_GCM_SHA256, cid, 8, cs2, ss2, NULL), 0);
	CHECK(memcmp(cs, cs2, 32) != 0);
	CHECK_EQ(tern_lab_secrets(seed, TERN_TLS13_AES_128_GCM_SHA256, NULL, 0, cs2, ss2, NULL), 0);

	/* Bad arguments. */
	CHECK_EQ(tern_lab_secrets(seed, 0x1304, cid, 8, cs, ss, NULL), -TERN_EINVAL);
	CHECK_EQ(tern_lab_secrets(seed, TERN_TLS13_AES_128_GCM_SHA256, cid, 21, cs, ss, NULL),
		 -TERN_EINVAL);
	CHECK_EQ(tern_lab_secrets(NULL, TERN_TLS13_AES_128_GCM_SHA256, cid, 8, cs, ss, NULL),
		 -TERN_EINVAL);

	/* Both sides' key objects pair up: server rx = client tx and vice versa. */
	REQUIRE(tern_crypto_ctx_create(TERN_CRYPTO_BACKEND_AUTO, &ctx) == 0);
	CHECK_EQ(tern_lab_keys_create(ctx, TERN_QUIC_V1, TERN_TLS13_CHACHA20_POLY1305_SHA256, seed,
				      cid, 8, true, &s_rx, &s_tx),
		 0);
	CHECK_EQ(tern_lab_keys_create(ctx, TERN_QUIC_V1, TERN_TLS13_CHACHA20_POLY1305_SHA256, seed,
				      cid, 8, false, &c_rx, &c_tx),
		 0);
	if (s_rx != NULL && c_tx != NULL) {
		uint8_t hdr[13] = {0x43, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5,
				   0xc6, 0xc7, 0,    0,	   0,	 5};
		uint8_t pkt[128], msg[32] = "lab keys pair up";
		struct tern_quic_tx_pkt tp = {.keys = c_tx,
					      .hdr = hdr,
					      .payload = msg,
					      .buf = pkt,
					      .pn = 5,
					      .hdr_len = sizeof(hdr),
					      .payload_len = sizeof(msg),
					      .cap = sizeof(pkt)};
		struct tern_quic_rx_pkt rp = {
			.keys = s_rx, .pkt = pkt, .pn_offset = 9, .largest_pn = 4};

		CHECK_EQ(tern_quic_protect_burst(ctx, &tp, 1), 1);
		rp.pkt_len = tp.pkt_len;
		CHECK_EQ(tern_quic_unprotect_burst(ctx, &rp, 1), 1);
		CHECK(rp.status == 0 && rp.payload_len == sizeof(msg) &&
		      memcmp(rp.payload, msg, sizeof(msg)) == 0);
		/* The server's own tx keys do not open client traffic. */
		tp.keys = s_tx;
		CHECK_EQ(tern_quic_protect_burst(ctx, &tp, 1), 1);
		rp.status = 0;
		CHECK_EQ(tern_quic_unprotect_burst(ctx, &rp, 1), 0);
		CHECK_EQ(rp.status, -TERN_EBADMSG);
	}
	tern_quic_keys_free(s_rx);
	tern_quic_keys_free(s_tx);
	tern_quic_keys_free(c_rx);
	tern_quic_keys_free(c_tx);
	tern_crypto_ctx_free(ctx);
	return tern_test_done("test_lab_keys");
}
