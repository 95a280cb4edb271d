/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Key schedule: HKDF-Expand-Label / Derive-Secret and the QUIC derivations.
 *
 * Expected values:
 * - RFC 9001 Appendix A.1 and A.5, RFC 9369 Appendix A.1 and A.5: copied
 *   from /work/shared/spec (rfc9001.md, rfc9369.md).
 * - RFC 8448 section 3 (Simple 1-RTT Handshake): the early secret, the
 *   "derived" secrets, the handshake and master secrets and the handshake
 *   traffic keys/IVs. RFC 8448 is not in the shared spec folder; these
 *   values were written down from RFC 8448 and cross-checked with an
 *   independent HKDF written in Python (hmac/hashlib) before use.
 * - SHA-384 (no RFC vector at hand): values computed with that same
 *   independent Python HKDF, not with tern.
 */

#include <tern/keyschedule.h>

#include "quic_test_util.h"

#define TEST_NAME "test_keyschedule"

static const char rfc_dcid[] = "8394c8f03e515708";

struct quic_initial_vector {
	uint32_t version;
	const char *client_secret, *client_key, *client_iv, *client_hp;
	const char *server_secret, *server_key, *server_iv, *server_hp;
};

static const struct quic_initial_vector initial_vectors[] = {
	{
		/* RFC 9001 A.1 */
		TERN_QUIC_V1,
		"c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea",
		"1f369613dd76d5467730efcbe3b1a22d",
		"fa044b2f42a3fd3b46fb255c",
		"9f50449e04a0e810283a1e9933adedd2",
		"3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b",
		"cf3a5331653c364c88f0f379b6067e37",
		"0ac1493ca1905853b0bba03e",
		"c206b8d9b9f0f37644430b490eeaa314",
	},
	{
		/* RFC 9369 A.1 */
		TERN_QUIC_V2,
		"14ec9d6eb9fd7af83bf5a668bc17a7e283766aade7ecd0891f70f9ff7f4bf47b",
		"8b1a0bc121284290a29e0971b5cd045d",
		"91f73e2351d8fa91660e909f",
		"45b95e15235d6f45a6b19cbcb0294ba9",
		"0263db1782731bf4588e7e4d93b7463907cb8cd8200b5da55a8bd488eafc37c1",
		"82db637861d55e1d011f19ea71d5d2a7",
		"dd13c276499c0249d3310652",
		"edf6d05c83121201b436e16877593c3a",
	},
};

static void
check_hex(const uint8_t *got, size_t len, const char *hex)
{
	uint8_t want[128];
	size_t n = quic_unhex(hex, want, sizeof(want));

	CHECK_EQ(n, len);
	CHECK_MEM(got, want, n < len ? n : len);
}

static void
test_initial(void)
{
	const struct tern_tls13_suite *suite = tern_tls13_suite_get(TERN_TLS13_AES_128_GCM_SHA256);
	uint8_t dcid[8], cs[32], ss[32], key[32], iv[12], hp[32];
	size_t i;

	REQUIRE(suite != NULL);
	REQUIRE(quic_unhex(rfc_dcid, dcid, sizeof(dcid)) == 8);
	for (i = 0; i < sizeof(initial_vectors) / sizeof(initial_vectors[0]); i++) {
		const struct quic_initial_vector *v = &initial_vectors[i];

		CHECK_EQ(tern_quic_initial_secrets(v->version, dcid, sizeof(dcid), cs, ss), 0);
		check_hex(cs, sizeof(cs), v->client_secret);
		check_hex(ss, sizeof(ss), v->server_secret);

		CHECK_EQ(tern_quic_packet_keys(v->version, suite, cs, sizeof(cs), key, iv, hp), 0);
		check_hex(key, 16, v->client_key);
		check_hex(iv, 12, v->client_iv);
		check_hex(hp, 16, v->client_hp);

		CHECK_EQ(tern_quic_packet_keys(v->version, suite, ss, sizeof(ss), key, iv, hp), 0);
		check_hex(key, 16, v->server_key);
		check_hex(iv, 12, v->server_iv);
		check_hex(hp, 16, v->server_hp);
	}
}

static void
test_initial_secret_extract(void)
{
	/* RFC 9001 A.1 / RFC 9369 A.1 list initial_secret = Extract(salt,
	 * cid): checks the salts, and that Expand-Label("client in") of it
	 * gives the client secret checked above. */
	static const struct {
		uint32_t version;
		const char *initial_secret;
		const char *client_secret;
	} v[] = {
		{TERN_QUIC_V1, "7db5df06e7a69e432496adedb00851923595221596ae2ae9fb8115c1e9ed0a44",
		 "c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea"},
		{TERN_QUIC_V2, "2062e8b3cd8d52092614b8071d0aa1fb7c2e3ac193f78b280e72d8f5751f6aba",
		 "14ec9d6eb9fd7af83bf5a668bc17a7e283766aade7ecd0891f70f9ff7f4bf47b"},
	};
	uint8_t dcid[8], prk[32], out[32];
	const uint8_t *salt;
	size_t i, salt_len = 0;

	REQUIRE(quic_unhex(rfc_dcid, dcid, sizeof(dcid)) == 8);
	for (i = 0; i < 2; i++) {
		salt = tern_quic_initial_salt(v[i].version, &salt_len);
		REQUIRE(salt != NULL);
		CHECK_EQ(salt_len, 20);
		CHECK_EQ(tern_hkdf_extract(TERN_HASH_SHA256, salt, salt_len, dcid, 8, prk), 0);
		check_hex(prk, 32, v[i].initial_secret);
		CHECK_EQ(tern_hkdf_expand_label(TERN_HASH_SHA256, prk, 32, "client in", NULL, 0,
						out, 32),
			 0);
		check_hex(out, 32, v[i].client_secret);
	}
	/* Salts as printed in RFC 9001 5.2 and RFC 9369 3.3.1. */
	salt = tern_quic_initial_salt(TERN_QUIC_V1, NULL);
	REQUIRE(salt != NULL);
	check_hex(salt, 20, "38762cf7f55934b34d179ae6a4c80cadccbb7f0a");
	salt = tern_quic_initial_salt(TERN_QUIC_V2, NULL);
	REQUIRE(salt != NULL);
	check_hex(salt, 20, "0dede3def700a6db819381be6e269dcbf9bd2ed9");
	CHECK(tern_quic_initial_salt(0xff00001d, &salt_len) == NULL);
}

static void
test_chacha_short(void)
{
	/* RFC 9001 A.5 and RFC 9369 A.5 */
	static const struct {
		uint32_t version;
		const char *key, *iv, *hp, *ku;
	} v[] = {
		{TERN_QUIC_V1, "c6d98ff3441c3fe1b2182094f69caa2ed4b716b65488960a7a984979fb23e1c8",
		 "e0459b3474bdd0e44a41c144",
		 "25a282b9e82f06f21f488917a4fc8f1b73573685608597d0efcb076b0ab7a7a4",
		 "1223504755036d556342ee9361d253421a826c9ecdf3c7148684b36b714881f9"},
		{TERN_QUIC_V2, "3bfcddd72bcf02541d7fa0dd1f5f9eeea817e09a6963a0e6c7df0f9a1bab90f2",
		 "a6b5bc6ab7dafce30ffff5dd",
		 "d659760d2ba434a226fd37b35c69e2da8211d10c4f12538787d65645d5d1b8e2",
		 "c69374c49e3d2a9466fa689e49d476db5d0dfbc87d32ceeaa6343fd0ae4c7d88"},
	};
	const struct tern_tls13_suite *suite =
		tern_tls13_suite_get(TERN_TLS13_CHACHA20_POLY1305_SHA256);
	uint8_t secret[32], key[32], iv[12], hp[32], ku[32];
	size_t i;

	REQUIRE(suite != NULL);
	REQUIRE(quic_unhex("9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b",
			   secret, sizeof(secret)) == 32);
	for (i = 0; i < 2; i++) {
		CHECK_EQ(tern_quic_packet_keys(v[i].version, suite, secret, 32, key, iv, hp), 0);
		check_hex(key, 32, v[i].key);
		check_hex(iv, 12, v[i].iv);
		check_hex(hp, 32, v[i].hp);
		CHECK_EQ(
			tern_quic_key_update_secret(v[i].version, TERN_HASH_SHA256, secret, 32, ku),
			0);
		check_hex(ku, 32, v[i].ku);
	}
}

static void
test_rfc8448(void)
{
	/* SHA-256("") */
	static const char empty_hash[] =
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	static const char ecdhe[] =
		"8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d";
	uint8_t zeros[32] = {0}, eh[32], shared[32], early[32], derived[32], hs[32], ms[32];
	uint8_t secret[32], key[16], iv[12];

	REQUIRE(quic_unhex(empty_hash, eh, sizeof(eh)) == 32);
	REQUIRE(quic_unhex(ecdhe, shared, sizeof(shared)) == 32);

	CHECK_EQ(tern_hkdf_extract(TERN_HASH_SHA256, NULL, 0, zeros, 32, early), 0);
	check_hex(early, 32, "33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a");
	CHECK_EQ(tern_derive_secret(TERN_HASH_SHA256, early, 32, "derived", eh, derived), 0);
	check_hex(derived, 32, "6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba");
	CHECK_EQ(tern_hkdf_extract(TERN_HASH_SHA256, derived, 32, shared, 32, hs), 0);
	check_hex(hs, 32, "1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac");
	CHECK_EQ(tern_derive_secret(TERN_HASH_SHA256, hs, 32, "derived", eh, derived), 0);
	check_hex(derived, 32, "43de77e0c77713859a944db9db2590b53190a65b3ee2e4f12dd7a0bb7ce254b4");
	CHECK_EQ(tern_hkdf_extract(TERN_HASH_SHA256, derived, 32, zeros, 32, ms), 0);
	check_hex(ms, 32, "18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919");

	/* server/client handshake traffic secrets -> write key and IV */
	REQUIRE(quic_unhex("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38",
			   secret, sizeof(secret)) == 32);
	CHECK_EQ(tern_hkdf_expand_label(TERN_HASH_SHA256, secret, 32, "key", NULL, 0, key, 16), 0);
	check_hex(key, 16, "3fce516009c21727d0f2e4e86ee403bc");
	CHECK_EQ(tern_hkdf_expand_label(TERN_HASH_SHA256, secret, 32, "iv", NULL, 0, iv, 12), 0);
	check_hex(iv, 12, "5d313eb2671276ee13000b30");
	REQUIRE(quic_unhex("b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21",
			   secret, sizeof(secret)) == 32);
	CHECK_EQ(tern_hkdf_expand_label(TERN_HASH_SHA256, secret, 32, "key", NULL, 0, key, 16), 0);
	check_hex(key, 16, "dbfaa693d1762c5b666af5d950258d01");
	CHECK_EQ(tern_hkdf_expand_label(TERN_HASH_SHA256, secret, 32, "iv", NULL, 0, iv, 12), 0);
	check_hex(iv, 12, "5bd3c71b836e0b76bb73265f");
}

static void
test_sha384_and_limits(void)
{
	uint8_t s[48], h[48], out[48], ctx255[255], big[64];
	char label[TERN_HKDF_LABEL_MAX + 2];
	const struct tern_tls13_suite *suite;
	size_t i;

	for (i = 0; i < sizeof(s); i++)
		s[i] = (uint8_t)i;
	CHECK_EQ(tern_hkdf_expand_label(TERN_HASH_SHA384, s, 48, "key", NULL, 0, out, 32), 0);
	check_hex(out, 32, "6877d022f1c61d24ebb7487c16752d9a4798e40431c75b39320e537c90e23225");
	/* SHA-384("abc"), FIPS 180-2 example */
	REQUIRE(quic_unhex("cb00753f45a35e8bb5a03d699ac65007272c32ab0eded163"
			   "1a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
			   h, sizeof(h)) == 48);
	CHECK_EQ(tern_derive_secret(TERN_HASH_SHA384, s, 48, "c hs traffic", h, out), 0);
	check_hex(out, 48,
		  "7e1ea907e1c5cdc1bf493188449eab588f132a664b63dd0a"
		  "fc0fe05a33d49e42af5bc947814342d07d77658014e8b8b6");
	CHECK_EQ(tern_quic_key_update_secret(TERN_QUIC_V1, TERN_HASH_SHA384, s, 48, out), 0);
	check_hex(out, 48,
		  "d21f524277390ba96b86484d9c687f850f1e4d1f997033bb"
		  "a06051129179a762a94067d065f3f715e83d65a7bf8c79b9");

	/* Longest label and context: 2 + 1 + 255 + 1 + 255 bytes of info. */
	memset(label, 'a', TERN_HKDF_LABEL_MAX);
	label[TERN_HKDF_LABEL_MAX] = '\0';
	memset(ctx255, 0x5a, sizeof(ctx255));
	memset(s, 0, 32);
	CHECK_EQ(tern_hkdf_expand_label(TERN_HASH_SHA256, s, 32, label, ctx255, 255, big, 42), 0);
	check_hex(big, 42,
		  "081ca50f83f972874d41a1a5796fd4e79f8c63f9d1e25eb252639aeb4b24dd31"
		  "e0e868c1faf7bfc7fe3c");

	/* One byte too long each; errors zeroize the output. */
	label[TERN_HKDF_LABEL_MAX] = 'a';
	label[TERN_HKDF_LABEL_MAX + 1] = '\0';
	memset(big, 0xee, sizeof(big));
	CHECK_EQ(tern_hkdf_expand_label(TERN_HASH_SHA256, s, 32, label, NULL, 0, big, 16),
		 -TERN_EINVAL);
	CHECK(big[0] == 0 && big[15] == 0 && big[16] == 0xee);
	CHECK_EQ(tern_hkdf_expand_label(TERN_HASH_SHA256, s, 32, "x", ctx255, 256, big, 16),
		 -TERN_EINVAL);
	CHECK_EQ(tern_hkdf_expand_label((enum tern_hash)99, s, 32, "x", NULL, 0, big, 16),
		 -TERN_EINVAL);
	CHECK_EQ(tern_hkdf_expand_label(TERN_HASH_SHA256, s, 32, "x", NULL, 0, big, 0),
		 -TERN_EINVAL);
	CHECK_EQ(tern_hkdf_expand_label(TERN_HASH_SHA256, s, 32, NULL, NULL, 0, big, 16),
		 -TERN_EINVAL);
	CHECK(tern_hkdf_expand_label(TERN_HASH_SHA256, s, 16, "x", NULL, 0, big, 16) < 0);

	/* QUIC argument checks */
	CHECK_EQ(tern_quic_initial_secrets(0xff00001d, s, 8, out, big), -TERN_EINVAL);
	CHECK_EQ(tern_quic_initial_secrets(TERN_QUIC_V1, s, 21, out, big), -TERN_EINVAL);
	CHECK_EQ(tern_quic_initial_secrets(TERN_QUIC_V1, s, 0, out, big), 0);
	CHECK_EQ(tern_quic_initial_secrets(TERN_QUIC_V1, s, 20, out, big), 0);
	suite = tern_tls13_suite_get(TERN_TLS13_AES_256_GCM_SHA384);
	REQUIRE(suite != NULL);
	CHECK_EQ(tern_quic_packet_keys(TERN_QUIC_V1, suite, s, 32, big, out, h), -TERN_EINVAL);
	CHECK_EQ(tern_quic_packet_keys(7, suite, s, 48, big, out, h), -TERN_EINVAL);
	CHECK_EQ(tern_quic_key_update_secret(TERN_QUIC_V2, TERN_HASH_SHA256, s, 48, out),
		 -TERN_EINVAL);
	CHECK(tern_quic_version_supported(TERN_QUIC_V1));
	CHECK(tern_quic_version_supported(TERN_QUIC_V2));
	CHECK(!tern_quic_version_supported(0));
	CHECK(!tern_quic_version_supported(0x0a0a0a0a));
}

static void
test_suites(void)
{
	const struct tern_tls13_suite *s;

	s = tern_tls13_suite_get(0x1301);
	REQUIRE(s != NULL);
	CHECK(s->aead == TERN_AEAD_AES_128_GCM && s->hp == TERN_HP_AES_128 &&
	      s->hash == TERN_HASH_SHA256 && s->key_len == 16 && s->hash_len == 32);
	s = tern_tls13_suite_get(0x1302);
	REQUIRE(s != NULL);
	CHECK(s->aead == TERN_AEAD_AES_256_GCM && s->hp == TERN_HP_AES_256 &&
	      s->hash == TERN_HASH_SHA384 && s->key_len == 32 && s->hash_len == 48);
	s = tern_tls13_suite_get(0x1303);
	REQUIRE(s != NULL);
	CHECK(s->aead == TERN_AEAD_CHACHA20_POLY1305 && s->hp == TERN_HP_CHACHA20 &&
	      s->hash == TERN_HASH_SHA256 && s->key_len == 32 && s->hash_len == 32);
	CHECK(tern_tls13_suite_get(0x1304) == NULL); /* AES-128-CCM: not supported */
	CHECK(tern_tls13_suite_get(0) == NULL);
}

int
main(void)
{
	test_initial();
	test_initial_secret_extract();
	test_chacha_short();
	test_rfc8448();
	test_sha384_and_limits();
	test_suites();
	return tern_test_done(TEST_NAME);
}
