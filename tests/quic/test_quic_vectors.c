/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9001 Appendix A.2-A.5 and RFC 9369 Appendix A.2-A.5, byte for byte, on
 * the backend named by argv[1] ("ipsecmb" or "openssl"):
 * - the six sample packets (client Initial, server Initial, ChaCha20 short
 *   header; v1 and v2) protected in ONE burst equal the RFC packets;
 * - the RFC packets unprotected in ONE burst give back the RFC header,
 *   packet number and payload;
 * - the Retry integrity tags (A.4) are reproduced and verified;
 * - the header parser reads the sample packets as the RFCs describe them.
 * All expected bytes are copied from /work/shared/spec/rfc9001.md and
 * rfc9369.md.
 */

#include <stdlib.h>

#include <tern/quic_packet.h>

#include "quic_test_util.h"

#define TEST_NAME "test_quic_vectors"

static const char rfc_dcid[] = "8394c8f03e515708";

/* The CRYPTO frame of the client Initial (A.2), then PADDING to 1162 bytes. */
static const char client_crypto_frame[] =
	"060040f1010000ed0303ebf8fa56f129 39b9584a3896472ec40bb863cfd3e868"
	"04fe3a47f06a2b69484c000004130113 02010000c000000010000e00000b6578"
	"616d706c652e636f6dff01000100000a 00080006001d00170018001000070005"
	"04616c706e0005000501000000000033 00260024001d00209370b2c9caa47fba"
	"baf4559fedba753de171fa71f50f1ce1 5d43e994ec74d748002b000302030400"
	"0d0010000e0403050306030203080408 050806002d00020101001c0002400100"
	"3900320408ffffffffffffffff050480 00ffff07048000ffff08011001048000"
	"75300901100f088394c8f03e51570806 048000ffff";
#define CLIENT_PAYLOAD_LEN 1162

static const char server_payload[] =
	"02000000000600405a020000560303ee fce7f7b37ba1d1632e96677825ddf739"
	"88cfc79825df566dc5430b9a045a1200 130100002e00330024001d00209d3c94"
	"0d89690b84d08a60993c144eca684d10 81287c834d5311bcf32bb9da1a002b00"
	"020304";

static const char chacha_secret[] =
	"9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b";

struct version_vectors {
	uint32_t version;
	const char *client_hdr, *client_pkt;
	const char *server_hdr, *server_pkt;
	const char *retry_pkt;
	const char *short_hdr, *short_pkt;
};

static const struct version_vectors vv[2] = {
	{
		TERN_QUIC_V1,
		"c300000001088394c8f03e5157080000449e00000002",
		"c000000001088394c8f03e5157080000 449e7b9aec34d1b1c98dd7689fb8ec11"
		"d242b123dc9bd8bab936b47d92ec356c 0bab7df5976d27cd449f63300099f399"
		"1c260ec4c60d17b31f8429157bb35a12 82a643a8d2262cad67500cadb8e7378c"
		"8eb7539ec4d4905fed1bee1fc8aafba1 7c750e2c7ace01e6005f80fcb7df6212"
		"30c83711b39343fa028cea7f7fb5ff89 eac2308249a02252155e2347b63d58c5"
		"457afd84d05dfffdb20392844ae81215 4682e9cf012f9021a6f0be17ddd0c208"
		"4dce25ff9b06cde535d0f920a2db1bf3 62c23e596d11a4f5a6cf3948838a3aec"
		"4e15daf8500a6ef69ec4e3feb6b1d98e 610ac8b7ec3faf6ad760b7bad1db4ba3"
		"485e8a94dc250ae3fdb41ed15fb6a8e5 eba0fc3dd60bc8e30c5c4287e53805db"
		"059ae0648db2f64264ed5e39be2e20d8 2df566da8dd5998ccabdae053060ae6c"
		"7b4378e846d29f37ed7b4ea9ec5d82e7 961b7f25a9323851f681d582363aa5f8"
		"9937f5a67258bf63ad6f1a0b1d96dbd4 faddfcefc5266ba6611722395c906556"
		"be52afe3f565636ad1b17d508b73d874 3eeb524be22b3dcbc2c7468d54119c74"
		"68449a13d8e3b95811a198f3491de3e7 fe942b330407abf82a4ed7c1b311663a"
		"c69890f4157015853d91e923037c227a 33cdd5ec281ca3f79c44546b9d90ca00"
		"f064c99e3dd97911d39fe9c5d0b23a22 9a234cb36186c4819e8b9c5927726632"
		"291d6a418211cc2962e20fe47feb3edf 330f2c603a9d48c0fcb5699dbfe58964"
		"25c5bac4aee82e57a85aaf4e2513e4f0 5796b07ba2ee47d80506f8d2c25e50fd"
		"14de71e6c418559302f939b0e1abd576 f279c4b2e0feb85c1f28ff18f58891ff"
		"ef132eef2fa09346aee33c28eb130ff2 8f5b766953334113211996d20011a198"
		"e3fc433f9f2541010ae17c1bf202580f 6047472fb36857fe843b19f5984009dd"
		"c324044e847a4f4a0ab34f719595de37 252d6235365e9b84392b061085349d73"
		"203a4a13e96f5432ec0fd4a1ee65accd d5e3904df54c1da510b0ff20dcc0c77f"
		"cb2c0e0eb605cb0504db87632cf3d8b4 dae6e705769d1de354270123cb11450e"
		"fc60ac47683d7b8d0f811365565fd98c 4c8eb936bcab8d069fc33bd801b03ade"
		"a2e1fbc5aa463d08ca19896d2bf59a07 1b851e6c239052172f296bfb5e724047"
		"90a2181014f3b94a4e97d117b4381303 68cc39dbb2d198065ae3986547926cd2"
		"162f40a29f0c3c8745c0f50fba3852e5 66d44575c29d39a03f0cda721984b6f4"
		"40591f355e12d439ff150aab7613499d bd49adabc8676eef023b15b65bfc5ca0"
		"6948109f23f350db82123535eb8a7433 bdabcb909271a6ecbcb58b936a88cd4e"
		"8f2e6ff5800175f113253d8fa9ca8885 c2f552e657dc603f252e1a8e308f76f0"
		"be79e2fb8f5d5fbbe2e30ecadd220723 c8c0aea8078cdfcb3868263ff8f09400"
		"54da48781893a7e49ad5aff4af300cd8 04a6b6279ab3ff3afb64491c85194aab"
		"760d58a606654f9f4400e8b38591356f bf6425aca26dc85244259ff2b19c41b9"
		"f96f3ca9ec1dde434da7d2d392b905dd f3d1f9af93d1af5950bd493f5aa731b4"
		"056df31bd267b6b90a079831aaf579be 0a39013137aac6d404f518cfd4684064"
		"7e78bfe706ca4cf5e9c5453e9f7cfd2b 8b4c8d169a44e55c88d4a9a7f9474241"
		"e221af44860018ab0856972e194cd934",
		"c1000000010008f067a5502a4262b50040750001",
		"cf000000010008f067a5502a4262b500 4075c0d95a482cd0991cd25b0aac406a"
		"5816b6394100f37a1c69797554780bb3 8cc5a99f5ede4cf73c3ec2493a1839b3"
		"dbcba3f6ea46c5b7684df3548e7ddeb9 c3bf9c73cc3f3bded74b562bfb19fb84"
		"022f8ef4cdd93795d77d06edbb7aaf2f 58891850abbdca3d20398c276456cbc4"
		"2158407dd074ee",
		"ff000000010008f067a5502a4262b574 6f6b656e04a265ba2eff4d829058fb3f"
		"0f2496ba",
		"4200bff4",
		"4cfe4189655e5cd55c41f69080575d7999c25a5bfb",
	},
	{
		TERN_QUIC_V2,
		"d36b3343cf088394c8f03e5157080000449e00000002",
		"d76b3343cf088394c8f03e5157080000 449ea0c95e82ffe67b6abcdb4298b485"
		"dd04de806071bf03dceebfa162e75d6c 96058bdbfb127cdfcbf903388e99ad04"
		"9f9a3dd4425ae4d0992cfff18ecf0fdb 5a842d09747052f17ac2053d21f57c5d"
		"250f2c4f0e0202b70785b7946e992e58 a59ac52dea6774d4f03b55545243cf1a"
		"12834e3f249a78d395e0d18f4d766004 f1a2674802a747eaa901c3f10cda5500"
		"cb9122faa9f1df66c392079a1b40f0de 1c6054196a11cbea40afb6ef5253cd68"
		"18f6625efce3b6def6ba7e4b37a40f77 32e093daa7d52190935b8da58976ff33"
		"12ae50b187c1433c0f028edcc4c2838b 6a9bfc226ca4b4530e7a4ccee1bfa2a3"
		"d396ae5a3fb512384b2fdd851f784a65 e03f2c4fbe11a53c7777c023462239dd"
		"6f7521a3f6c7d5dd3ec9b3f233773d4b 46d23cc375eb198c63301c21801f6520"
		"bcfb7966fc49b393f0061d974a2706df 8c4a9449f11d7f3d2dcbb90c6b877045"
		"636e7c0c0fe4eb0f697545460c806910 d2c355f1d253bc9d2452aaa549e27a1f"
		"ac7cf4ed77f322e8fa894b6a83810a34 b361901751a6f5eb65a0326e07de7c12"
		"16ccce2d0193f958bb3850a833f7ae43 2b65bc5a53975c155aa4bcb4f7b2c4e5"
		"4df16efaf6ddea94e2c50b4cd1dfe060 17e0e9d02900cffe1935e0491d77ffb4"
		"fdf85290fdd893d577b1131a610ef6a5 c32b2ee0293617a37cbb08b847741c3b"
		"8017c25ca9052ca1079d8b78aebd4787 6d330a30f6a8c6d61dd1ab5589329de7"
		"14d19d61370f8149748c72f132f0fc99 f34d766c6938597040d8f9e2bb522ff9"
		"9c63a344d6a2ae8aa8e51b7b90a4a806 105fcbca31506c446151adfeceb51b91"
		"abfe43960977c87471cf9ad4074d30e1 0d6a7f03c63bd5d4317f68ff325ba3bd"
		"80bf4dc8b52a0ba031758022eb025cdd 770b44d6d6cf0670f4e990b22347a7db"
		"848265e3e5eb72dfe8299ad7481a4083 22cac55786e52f633b2fb6b614eaed18"
		"d703dd84045a274ae8bfa73379661388 d6991fe39b0d93debb41700b41f90a15"
		"c4d526250235ddcd6776fc77bc97e7a4 17ebcb31600d01e57f32162a8560cacc"
		"7e27a096d37a1a86952ec71bd89a3e9a 30a2a26162984d7740f81193e8238e61"
		"f6b5b984d4d3dfa033c1bb7e4f0037fe bf406d91c0dccf32acf423cfa1e70710"
		"10d3f270121b493ce85054ef58bada42 310138fe081adb04e2bd901f2f13458b"
		"3d6758158197107c14ebb193230cd115 7380aa79cae1374a7c1e5bbcb80ee23e"
		"06ebfde206bfb0fcbc0edc4ebec30966 1bdd908d532eb0c6adc38b7ca7331dce"
		"8dfce39ab71e7c32d318d136b6100671 a1ae6a6600e3899f31f0eed19e3417d1"
		"34b90c9058f8632c798d4490da498730 7cba922d61c39805d072b589bd52fdf1"
		"e86215c2d54e6670e07383a27bbffb5a ddf47d66aa85a0c6f9f32e59d85a44dd"
		"5d3b22dc2be80919b490437ae4f36a0a e55edf1d0b5cb4e9a3ecabee93dfc6e3"
		"8d209d0fa6536d27a5d6fbb17641cde2 7525d61093f1b28072d111b2b4ae5f89"
		"d5974ee12e5cf7d5da4d6a31123041f3 3e61407e76cffcdcfd7e19ba58cf4b53"
		"6f4c4938ae79324dc402894b44faf8af bab35282ab659d13c93f70412e85cb19"
		"9a37ddec600545473cfb5a05e08d0b20 9973b2172b4d21fb69745a262ccde96b"
		"a18b2faa745b6fe189cf772a9f84cbfc",
		"d16b3343cf0008f067a5502a4262b50040750001",
		"dc6b3343cf0008f067a5502a4262b500 4075d92faaf16f05d8a4398c47089698"
		"baeea26b91eb761d9b89237bbf872630 17915358230035f7fd3945d88965cf17"
		"f9af6e16886c61bfc703106fbaf3cb4c fa52382dd16a393e42757507698075b2"
		"c984c707f0a0812d8cd5a6881eaf21ce da98f4bd23f6fe1a3e2c43edd9ce7ca8"
		"4bed8521e2e140",
		"cf6b3343cf0008f067a5502a4262b574 6f6b656ec8646ce8bfe33952d9555436"
		"65dcc7b6",
		"4200bff4",
		"5558b1c60ae7b6b932bc27d786f4bc2bb20f2162ba",
	},
};

#define CHACHA_PN	 654360564ULL /* A.5 */
#define CLIENT_PN	 2
#define SERVER_PN	 1
#define PKTS_PER_VERSION 3
#define NB_PKTS		 (2 * PKTS_PER_VERSION)
#define MAX_PKT		 1300

struct sample {
	uint8_t hdr[64], payload[MAX_PKT], expect[MAX_PKT], out[MAX_PKT];
	size_t hdr_len, payload_len, expect_len;
	uint64_t pn;
	int64_t largest_pn; /* what a receiver has seen before */
	const struct tern_quic_keys *keys;
};

static struct sample samples[NB_PKTS];
static struct tern_quic_keys *client_keys[2], *server_keys[2], *chacha_keys[2];

static void
setup_samples(struct tern_crypto_ctx *ctx)
{
	uint8_t dcid[8], secret[32];
	size_t v;

	REQUIRE(quic_unhex(rfc_dcid, dcid, sizeof(dcid)) == 8);
	REQUIRE(quic_unhex(chacha_secret, secret, sizeof(secret)) == 32);
	for (v = 0; v < 2; v++) {
		struct sample *c = &samples[v * PKTS_PER_VERSION];
		struct sample *s = c + 1, *h = c + 2;

		REQUIRE(tern_quic_keys_create_initial(ctx, vv[v].version, dcid, sizeof(dcid),
						      &client_keys[v], &server_keys[v]) == 0);
		REQUIRE(tern_quic_keys_create(ctx, vv[v].version,
					      TERN_TLS13_CHACHA20_POLY1305_SHA256, secret,
					      sizeof(secret), &chacha_keys[v]) == 0);
		CHECK_EQ(tern_quic_keys_version(client_keys[v]), vv[v].version);
		CHECK_EQ(tern_quic_keys_generation(chacha_keys[v]), 0);

		c->hdr_len = quic_unhex(vv[v].client_hdr, c->hdr, sizeof(c->hdr));
		memset(c->payload, 0, sizeof(c->payload));
		quic_unhex(client_crypto_frame, c->payload, sizeof(c->payload));
		c->payload_len = CLIENT_PAYLOAD_LEN;
		c->expect_len = quic_unhex(vv[v].client_pkt, c->expect, sizeof(c->expect));
		c->pn = CLIENT_PN;
		c->largest_pn = -1;
		c->keys = client_keys[v];
		/* A.2: 1162 bytes of frames, 4-byte pn, 16-byte tag = 1182 */
		CHECK_EQ(c->expect_len, c->hdr_len + c->payload_len + 16);

		s->hdr_len = quic_unhex(vv[v].server_hdr, s->hdr, sizeof(s->hdr));
		s->payload_len = quic_unhex(server_payload, s->payload, sizeof(s->payload));
		s->expect_len = quic_unhex(vv[v].server_pkt, s->expect, sizeof(s->expect));
		s->pn = SERVER_PN;
		s->largest_pn = -1;
		s->keys = server_keys[v];
		CHECK_EQ(s->expect_len, s->hdr_len + s->payload_len + 16);

		h->hdr_len = quic_unhex(vv[v].short_hdr, h->hdr, sizeof(h->hdr));
		h->payload[0] = 0x01; /* PING */
		h->payload_len = 1;
		h->expect_len = quic_unhex(vv[v].short_pkt, h->expect, sizeof(h->expect));
		h->pn = CHACHA_PN;
		h->largest_pn = (int64_t)CHACHA_PN - 1;
		h->keys = chacha_keys[v];
		CHECK_EQ(h->expect_len, 21);
	}
}

static void
test_protect(struct tern_crypto_ctx *ctx)
{
	struct tern_quic_tx_pkt tx[NB_PKTS];
	size_t i;

	memset(tx, 0, sizeof(tx));
	for (i = 0; i < NB_PKTS; i++) {
		tx[i].keys = samples[i].keys;
		tx[i].hdr = samples[i].hdr;
		tx[i].hdr_len = samples[i].hdr_len;
		tx[i].payload = samples[i].payload;
		tx[i].payload_len = samples[i].payload_len;
		tx[i].pn = samples[i].pn;
		tx[i].buf = samples[i].out;
		tx[i].cap = sizeof(samples[i].out);
	}
	/* All six, both versions, three keys per version, both forms: one call. */
	CHECK_EQ(tern_quic_protect_burst(ctx, tx, NB_PKTS), NB_PKTS);
	for (i = 0; i < NB_PKTS; i++) {
		CHECK_EQ(tx[i].status, 0);
		CHECK_EQ(tx[i].pkt_len, samples[i].expect_len);
		CHECK_MEM(samples[i].out, samples[i].expect, samples[i].expect_len);
	}

	/* In place: header and payload already in buf. */
	for (i = 0; i < NB_PKTS; i++) {
		memset(samples[i].out, 0xa5, sizeof(samples[i].out));
		memcpy(samples[i].out, samples[i].hdr, samples[i].hdr_len);
		memcpy(samples[i].out + samples[i].hdr_len, samples[i].payload,
		       samples[i].payload_len);
		tx[i].hdr = samples[i].out;
		tx[i].payload = samples[i].out + samples[i].hdr_len;
		tx[i].cap = samples[i].expect_len; /* exactly enough */
	}
	CHECK_EQ(tern_quic_protect_burst(ctx, tx, NB_PKTS), NB_PKTS);
	for (i = 0; i < NB_PKTS; i++) {
		CHECK_EQ(tx[i].status, 0);
		CHECK_MEM(samples[i].out, samples[i].expect, samples[i].expect_len);
		CHECK_EQ(samples[i].out[samples[i].expect_len], 0xa5);
	}
}

static void
test_unprotect(struct tern_crypto_ctx *ctx)
{
	struct tern_quic_rx_pkt rx[NB_PKTS];
	struct tern_quic_hdr hdr;
	uint8_t *bufs[NB_PKTS];
	size_t i;

	memset(rx, 0, sizeof(rx));
	for (i = 0; i < NB_PKTS; i++) {
		/* exact-size heap copies: ASan catches any read past the end */
		bufs[i] = malloc(samples[i].expect_len);
		REQUIRE(bufs[i] != NULL);
		memcpy(bufs[i], samples[i].expect, samples[i].expect_len);
		REQUIRE(tern_quic_hdr_parse(bufs[i], samples[i].expect_len, 0, &hdr) == 0);
		CHECK_EQ(hdr.len, samples[i].expect_len);
		rx[i].keys = samples[i].keys;
		rx[i].largest_pn = samples[i].largest_pn;
		tern_quic_rx_pkt_set(&rx[i], bufs[i], &hdr);
	}
	CHECK_EQ(tern_quic_unprotect_burst(ctx, rx, NB_PKTS), NB_PKTS);
	for (i = 0; i < NB_PKTS; i++) {
		const struct sample *s = &samples[i];

		CHECK_EQ(rx[i].status, 0);
		CHECK(rx[i].authenticated);
		CHECK_EQ(rx[i].pn, s->pn);
		CHECK_EQ(rx[i].first_byte, s->hdr[0]);
		CHECK_EQ(rx[i].pn_len, (s->hdr[0] & 3) + 1);
		CHECK_EQ(rx[i].key_phase, 0);
		/* header back to the RFC's unprotected header, payload decrypted */
		CHECK_MEM(bufs[i], s->hdr, s->hdr_len);
		CHECK_EQ(rx[i].payload_len, s->payload_len);
		CHECK(rx[i].payload == bufs[i] + s->hdr_len);
		if (rx[i].payload != NULL)
			CHECK_MEM(rx[i].payload, s->payload, s->payload_len);
		free(bufs[i]);
	}
}

static void
test_retry(struct tern_crypto_ctx *ctx)
{
	uint8_t odcid[8], pkt[64], tag[16], *copy;
	struct tern_quic_retry_key *rk;
	struct tern_quic_hdr hdr;
	size_t v, len, i;

	REQUIRE(quic_unhex(rfc_dcid, odcid, sizeof(odcid)) == 8);
	for (v = 0; v < 2; v++) {
		REQUIRE(tern_quic_retry_key_create(ctx, vv[v].version, &rk) == 0);
		len = quic_unhex(vv[v].retry_pkt, pkt, sizeof(pkt));
		REQUIRE(len == 36);

		CHECK_EQ(tern_quic_retry_tag(ctx, rk, odcid, 8, pkt, len - 16, tag), 0);
		CHECK_MEM(tag, pkt + len - 16, 16);

		copy = malloc(len);
		REQUIRE(copy != NULL);
		memcpy(copy, pkt, len);
		CHECK_EQ(tern_quic_retry_verify(ctx, rk, odcid, 8, copy, len), 0);
		/* any flipped bit, in the packet or the ODCID, fails */
		for (i = 0; i < len; i++) {
			copy[i] ^= 0x01;
			CHECK_EQ(tern_quic_retry_verify(ctx, rk, odcid, 8, copy, len),
				 -TERN_EBADMSG);
			copy[i] ^= 0x01;
		}
		odcid[7] ^= 0x80;
		CHECK_EQ(tern_quic_retry_verify(ctx, rk, odcid, 8, copy, len), -TERN_EBADMSG);
		odcid[7] ^= 0x80;
		CHECK_EQ(tern_quic_retry_verify(ctx, rk, odcid, 7, copy, len), -TERN_EBADMSG);
		CHECK_EQ(tern_quic_retry_verify(ctx, rk, odcid, 8, copy, 16), -TERN_EPROTO);
		CHECK_EQ(tern_quic_retry_verify(ctx, rk, odcid, 21, copy, len), -TERN_EINVAL);

		/* the parser sees a Retry with the token "token" */
		CHECK_EQ(tern_quic_hdr_parse(copy, len, 0, &hdr), 0);
		CHECK_EQ(hdr.type, TERN_QUIC_PKT_RETRY);
		CHECK_EQ(hdr.version, vv[v].version);
		CHECK_EQ(hdr.dcid_len, 0);
		CHECK_EQ(hdr.scid_len, 8);
		CHECK_EQ(hdr.token_len, 5);
		if (hdr.token_len == 5)
			CHECK_MEM(hdr.token, "token", 5);
		CHECK_EQ(hdr.len, len);
		free(copy);
		tern_quic_retry_key_free(rk);
	}
	/* The keys of one version do not verify the other's packet. */
	REQUIRE(tern_quic_retry_key_create(ctx, TERN_QUIC_V2, &rk) == 0);
	len = quic_unhex(vv[0].retry_pkt, pkt, sizeof(pkt));
	CHECK_EQ(tern_quic_retry_verify(ctx, rk, odcid, 8, pkt, len), -TERN_EBADMSG);
	tern_quic_retry_key_free(rk);
	CHECK_EQ(tern_quic_retry_key_create(ctx, 0xff00001d, &rk), -TERN_EINVAL);
	CHECK(rk == NULL);
}

static void
test_parse_samples(void)
{
	static const enum tern_quic_pkt_type types[PKTS_PER_VERSION] = {
		TERN_QUIC_PKT_INITIAL, TERN_QUIC_PKT_INITIAL, TERN_QUIC_PKT_1RTT};
	struct tern_quic_hdr hdr;
	size_t i;

	for (i = 0; i < NB_PKTS; i++) {
		const struct sample *s = &samples[i];

		REQUIRE(tern_quic_hdr_parse(s->expect, s->expect_len, 0, &hdr) == 0);
		CHECK_EQ(hdr.type, types[i % PKTS_PER_VERSION]);
		CHECK_EQ(hdr.len, s->expect_len);
		CHECK_EQ(hdr.off, 0);
		/* pn offset = header length minus the pn length */
		CHECK_EQ(hdr.pn_offset, s->hdr_len - ((s->hdr[0] & 3) + 1));
		if (hdr.type == TERN_QUIC_PKT_INITIAL) {
			CHECK_EQ(hdr.version, vv[i / PKTS_PER_VERSION].version);
			CHECK_EQ(hdr.token_len, 0);
		}
	}
	/* client Initial: DCID 8394c8f03e515708, empty SCID */
	REQUIRE(tern_quic_hdr_parse(samples[0].expect, samples[0].expect_len, 0, &hdr) == 0);
	CHECK_EQ(hdr.dcid_len, 8);
	CHECK_MEM(hdr.dcid, "\x83\x94\xc8\xf0\x3e\x51\x57\x08", 8);
	CHECK_EQ(hdr.scid_len, 0);
	/* server Initial: SCID f067a5502a4262b5, empty DCID */
	REQUIRE(tern_quic_hdr_parse(samples[1].expect, samples[1].expect_len, 0, &hdr) == 0);
	CHECK_EQ(hdr.dcid_len, 0);
	CHECK_EQ(hdr.scid_len, 8);
	CHECK_MEM(hdr.scid, "\xf0\x67\xa5\x50\x2a\x42\x62\xb5", 8);
}

int
main(int argc, char **argv)
{
	struct tern_crypto_ctx *ctx;
	int rc;
	size_t v;

	rc = quic_test_ctx(argc, argv, TEST_NAME, &ctx);
	if (rc != 0)
		return rc;
	setup_samples(ctx);
	test_protect(ctx);
	test_unprotect(ctx);
	test_retry(ctx);
	test_parse_samples();
	for (v = 0; v < 2; v++) {
		tern_quic_keys_free(client_keys[v]);
		tern_quic_keys_free(server_keys[v]);
		tern_quic_keys_free(chacha_keys[v]);
	}
	tern_crypto_ctx_free(ctx);
	return tern_test_done(TEST_NAME);
}
