/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The handshake engine end to end, in memory (no records): tern client
 * against tern server. Both sides' secret events must agree per level and
 * direction; every cipher suite, both groups, HelloRetryRequest, ALPN, SNI,
 * record_size_limit, every server key type, KeyUpdate, and the failures
 * (wrong host, expired, untrusted, tampered messages, unexpected messages)
 * with their alerts, sticky.
 */

#include "hs_test_util.h"

struct peer {
	struct tern_hs *hs;
	uint8_t q[TERN_HS_LEVEL_COUNT][65536];
	size_t qlen[TERN_HS_LEVEL_COUNT];
	size_t sent[TERN_HS_LEVEL_COUNT];
	uint8_t secret[TERN_HS_LEVEL_COUNT][2][48];
	size_t secret_len[TERN_HS_LEVEL_COUNT][2];
	unsigned secret_events[TERN_HS_LEVEL_COUNT][2];
	int complete;
	/*
	 * tamper: flip bit 0 of byte `flip_at` of the flight sent at flip_level;
	 * flip_at -2 means its last byte.
	 */
	int flip_level;
	long flip_at;
};

static int
cb_send(void *user, enum tern_hs_level level, const uint8_t *data, size_t len)
{
	struct peer *p = user;

	REQUIRE(p->qlen[level] + len <= sizeof(p->q[level]));
	memcpy(p->q[level] + p->qlen[level], data, len);
	p->qlen[level] += len;
	p->sent[level] += len;
	return 0;
}

static int
cb_secret(void *user, enum tern_hs_level level, enum tern_hs_direction dir,
	  const struct tern_tls13_suite *suite, const uint8_t *secret, size_t len)
{
	struct peer *p = user;

	REQUIRE(len == suite->hash_len && len <= 48);
	memcpy(p->secret[level][dir], secret, len);
	p->secret_len[level][dir] = len;
	p->secret_events[level][dir]++;
	return 0;
}

static void
cb_complete(void *user)
{
	((struct peer *)user)->complete++;
}

static const struct tern_hs_callbacks cbs = {
	.send = cb_send, .on_secret = cb_secret, .on_complete = cb_complete};

/* Move bytes both ways until nothing moves or a side fails. */
static int
pump(struct peer *c, struct peer *s)
{
	struct peer *from[2] = {c, s}, *to[2] = {s, c};
	int moved = 1, rc, i, l;

	while (moved) {
		moved = 0;
		for (i = 0; i < 2; i++)
			for (l = 0; l < TERN_HS_LEVEL_COUNT; l++) {
				struct peer *f = from[i];

				if (f->qlen[l] == 0)
					continue;
				if (f->flip_level == l && f->flip_at == -2)
					f->flip_at = (long)f->qlen[l] - 1;
				if (f->flip_level == l && f->flip_at >= 0 &&
				    (size_t)f->flip_at < f->qlen[l]) {
					f->q[l][f->flip_at] ^= 1;
					f->flip_at = -1;
				}
				rc = tern_hs_recv(to[i]->hs, (enum tern_hs_level)l, f->q[l],
						  f->qlen[l]);
				f->qlen[l] = 0;
				moved = 1;
				if (rc != 0)
					return rc;
			}
	}
	return 0;
}

struct opts {
	const uint16_t *c_suites, *s_suites;
	size_t n_c_suites, n_s_suites;
	const uint16_t *c_groups, *s_groups;
	size_t n_c_groups, n_s_groups;
	const char *const *c_alpn, *const *s_alpn;
	size_t n_c_alpn, n_s_alpn;
	const char *name; /* client's server name */
	const char *ca;	  /* client trust anchor */
	uint16_t c_rsl, s_rsl;
	int c_flip, s_flip; /* tamper with the client's / server's bytes */
	int c_flip_level, s_flip_level;
	long c_flip_at, s_flip_at;
};

static struct tern_tls_config *ccfg, *scfg;
static struct peer C, S;

/* Two fresh handshakes with the options; the ClientHello is queued, nothing delivered. */
static void
setup(const struct hs_test_pki *pki, const struct opts *o)
{
	tern_hs_free(C.hs);
	tern_hs_free(S.hs);
	tern_tls_config_free(ccfg);
	tern_tls_config_free(scfg);
	memset(&C, 0, sizeof(C));
	memset(&S, 0, sizeof(S));
	C.flip_level = o->c_flip ? o->c_flip_level : -1;
	C.flip_at = o->c_flip ? o->c_flip_at : -1;
	S.flip_level = o->s_flip ? o->s_flip_level : -1;
	S.flip_at = o->s_flip ? o->s_flip_at : -1;
	REQUIRE(tern_tls_config_new(TERN_TLS_CLIENT, &ccfg) == 0);
	REQUIRE(tern_tls_config_new(TERN_TLS_SERVER, &scfg) == 0);
	REQUIRE(tern_tls_config_load_cert_chain(scfg, pki->chain, pki->key) == 0);
	REQUIRE(tern_tls_config_load_ca_file(ccfg, o->ca != NULL ? o->ca : pki->ca) == 0);
	if (o->n_c_suites)
		REQUIRE(tern_tls_config_set_cipher_suites(ccfg, o->c_suites, o->n_c_suites) == 0);
	if (o->n_s_suites)
		REQUIRE(tern_tls_config_set_cipher_suites(scfg, o->s_suites, o->n_s_suites) == 0);
	if (o->n_c_groups)
		REQUIRE(tern_tls_config_set_groups(ccfg, o->c_groups, o->n_c_groups) == 0);
	if (o->n_s_groups)
		REQUIRE(tern_tls_config_set_groups(scfg, o->s_groups, o->n_s_groups) == 0);
	if (o->n_c_alpn)
		REQUIRE(tern_tls_config_set_alpn(ccfg, o->c_alpn, o->n_c_alpn) == 0);
	if (o->n_s_alpn)
		REQUIRE(tern_tls_config_set_alpn(scfg, o->s_alpn, o->n_s_alpn) == 0);
	REQUIRE(tern_tls_config_set_record_size_limit(ccfg, o->c_rsl) == 0);
	REQUIRE(tern_tls_config_set_record_size_limit(scfg, o->s_rsl) == 0);
	REQUIRE(tern_hs_new(ccfg, &cbs, &C, &C.hs) == 0);
	REQUIRE(tern_hs_new(scfg, &cbs, &S, &S.hs) == 0);
	REQUIRE(tern_hs_set_server_name(C.hs, o->name != NULL ? o->name : "localhost") == 0);
	REQUIRE(tern_hs_start(C.hs) == 0);
}

static int
run(const struct hs_test_pki *pki, const struct opts *o)
{
	setup(pki, o);
	return pump(&C, &S);
}

/* Deliver what `from` queued at a level to `to`. */
static int
deliver(struct peer *from, struct peer *to, enum tern_hs_level l)
{
	int rc = tern_hs_recv(to->hs, l, from->q[l], from->qlen[l]);

	from->qlen[l] = 0;
	return rc;
}

/* Flip bit 0 of the byte `skip` bytes after the first occurrence of pat. */
static void
flip_after(uint8_t *buf, size_t len, const uint8_t *pat, size_t plen, size_t skip)
{
	size_t i;

	for (i = 0; i + plen + skip < len; i++)
		if (memcmp(buf + i, pat, plen) == 0) {
			buf[i + plen + skip] ^= 1;
			return;
		}
	REQUIRE(0 && "pattern not found");
}

/* Both sides complete and every secret one writes is the one the other reads. */
static void
check_complete(void)
{
	int l, d;

	CHECK(tern_hs_is_complete(C.hs));
	CHECK(tern_hs_is_complete(S.hs));
	CHECK_EQ(C.complete, 1);
	CHECK_EQ(S.complete, 1);
	CHECK_EQ(tern_hs_error(C.hs), 0);
	CHECK_EQ(tern_hs_alert(S.hs), TERN_TLS_ALERT_NONE);
	for (l = TERN_HS_LEVEL_HANDSHAKE; l <= TERN_HS_LEVEL_APPLICATION; l++)
		for (d = 0; d < 2; d++) {
			CHECK_EQ(C.secret_events[l][d], 1);
			CHECK_EQ(S.secret_events[l][d], 1);
			CHECK_EQ(C.secret_len[l][d], S.secret_len[l][!d]);
			CHECK_MEM(C.secret[l][d], S.secret[l][!d], C.secret_len[l][d]);
		}
	/* Handshake and application secrets differ; the two directions differ. */
	CHECK(memcmp(C.secret[2][0], C.secret[3][0], C.secret_len[2][0]) != 0);
	CHECK(memcmp(C.secret[3][0], C.secret[3][1], C.secret_len[3][0]) != 0);
	CHECK_EQ(C.secret_events[TERN_HS_LEVEL_EARLY][0] + C.secret_events[0][0], 0);
}

static void
check_failed(struct tern_hs *hs, enum tern_tls_alert alert, const char *words)
{
	CHECK_EQ(tern_hs_error(hs), -TERN_EPROTO);
	CHECK_EQ(tern_hs_alert(hs), alert);
	if (words != NULL && strstr(tern_hs_error_string(hs), words) == NULL) {
		fprintf(stderr, "error string \"%s\" lacks \"%s\"\n", tern_hs_error_string(hs),
			words);
		CHECK(0);
	}
	/* Sticky: any later call returns the same error. */
	CHECK_EQ(tern_hs_recv(hs, TERN_HS_LEVEL_INITIAL, (const uint8_t *)"\x01", 1), -TERN_EPROTO);
	CHECK_EQ(tern_hs_alert(hs), alert);
	CHECK(!tern_hs_is_complete(hs));
}

static const uint16_t all_suites[] = {0x1301, 0x1302, 0x1303};

/* The negotiated suite, 0 if none (a failed run must not crash the test). */
static uint16_t
suite_id(const struct tern_hs *hs)
{
	return tern_hs_cipher_suite(hs) != NULL ? tern_hs_cipher_suite(hs)->id : 0;
}
static const uint16_t x25519[] = {TERN_TLS_GROUP_X25519};
static const uint16_t p256[] = {TERN_TLS_GROUP_SECP256R1};
static const uint16_t p384[] = {TERN_TLS_GROUP_SECP384R1};
static const uint16_t both[] = {TERN_TLS_GROUP_X25519, TERN_TLS_GROUP_SECP256R1};

/* A misbehaving server (or client), made by editing honest messages in flight. */
static void
test_peer_checks(const struct hs_test_pki *pki)
{
	static const uint8_t ks_ext[] = {0x00, 0x33, 0x00, 0x02}; /* HRR key_share */
	struct opts o = {0};
	uint8_t hrr[512];
	size_t hrr_len;

	/* ServerHello legacy_version, session id echo, suite: illegal_parameter. */
	static const struct {
		size_t off;
		const char *why;
	} sh_edits[] = {
		{4 + 1, "version"},
		{4 + 2 + 32 + 1, "legacy_session_id_echo"},
		{4 + 2 + 32 + 33 + 1, "not offered"},
	};
	size_t i;

	for (i = 0; i < sizeof(sh_edits) / sizeof(sh_edits[0]); i++) {
		setup(pki, &o);
		CHECK_EQ(deliver(&C, &S, TERN_HS_LEVEL_INITIAL), 0);
		S.q[0][sh_edits[i].off] ^= 1;
		CHECK_EQ(deliver(&S, &C, TERN_HS_LEVEL_INITIAL), -TERN_EPROTO);
		check_failed(C.hs, TERN_TLS_ALERT_ILLEGAL_PARAMETER, sh_edits[i].why);
	}
	/* A second HelloRetryRequest: unexpected_message (4.1.4). */
	o.c_groups = both, o.n_c_groups = 2;
	o.s_groups = p256, o.n_s_groups = 1;
	setup(pki, &o);
	CHECK_EQ(deliver(&C, &S, TERN_HS_LEVEL_INITIAL), 0);
	hrr_len = S.qlen[0];
	REQUIRE(hrr_len <= sizeof(hrr));
	memcpy(hrr, S.q[0], hrr_len);
	CHECK_EQ(deliver(&S, &C, TERN_HS_LEVEL_INITIAL), 0);
	CHECK(tern_hs_did_hrr(C.hs));
	CHECK_EQ(tern_hs_recv(C.hs, TERN_HS_LEVEL_INITIAL, hrr, hrr_len), -TERN_EPROTO);
	check_failed(C.hs, TERN_TLS_ALERT_UNEXPECTED_MESSAGE, "second HelloRetryRequest");
	/* HRR for a group the client never offered (0x0017 -> 0x0016). */
	setup(pki, &o);
	CHECK_EQ(deliver(&C, &S, TERN_HS_LEVEL_INITIAL), 0);
	flip_after(S.q[0], S.qlen[0], ks_ext, sizeof(ks_ext), 1);
	CHECK_EQ(deliver(&S, &C, TERN_HS_LEVEL_INITIAL), -TERN_EPROTO);
	check_failed(C.hs, TERN_TLS_ALERT_ILLEGAL_PARAMETER, "HelloRetryRequest asks");
	/* Second ClientHello without the cookie echoed exactly. */
	setup(pki, &o);
	CHECK_EQ(deliver(&C, &S, TERN_HS_LEVEL_INITIAL), 0);
	CHECK_EQ(deliver(&S, &C, TERN_HS_LEVEL_INITIAL), 0);
	{
		static const uint8_t cookie_ext[] = {0x00, 0x2c, 0x00, 0x22, 0x00, 0x20};

		flip_after(C.q[0], C.qlen[0], cookie_ext, sizeof(cookie_ext), 5);
	}
	CHECK_EQ(deliver(&C, &S, TERN_HS_LEVEL_INITIAL), -TERN_EPROTO);
	check_failed(S.hs, TERN_TLS_ALERT_ILLEGAL_PARAMETER, "second ClientHello");
	/* The server selects an ALPN protocol the client did not offer (h2 -> h3 on the way). */
	{
		static const char *const h2[] = {"h2"};
		static const uint8_t alpn_h[] = {0x00, 0x03, 0x02, 'h'}; /* then '2' */

		o = (struct opts){0};
		o.c_alpn = h2, o.n_c_alpn = 1;
		o.s_alpn = h2, o.n_s_alpn = 1;
		setup(pki, &o);
		CHECK_EQ(deliver(&C, &S, TERN_HS_LEVEL_INITIAL), 0);
		CHECK_EQ(deliver(&S, &C, TERN_HS_LEVEL_INITIAL), 0);
		flip_after(S.q[2], S.qlen[2], alpn_h, sizeof(alpn_h), 0);
		CHECK_EQ(deliver(&S, &C, TERN_HS_LEVEL_HANDSHAKE), -TERN_EPROTO);
		check_failed(C.hs, TERN_TLS_ALERT_ILLEGAL_PARAMETER, "ALPN");
	}
}

static void
test_suites_and_groups(const struct hs_test_pki *pki)
{
	unsigned i, g;

	for (i = 0; i < 3; i++)
		for (g = 0; g < 3; g++) {
			const uint16_t *grp = g == 0 ? x25519 : g == 1 ? p256 : p384;
			struct opts o = {0};

			/* The server's order wins: it lists only suite i. */
			o.c_suites = all_suites, o.n_c_suites = 3;
			o.s_suites = &all_suites[i], o.n_s_suites = 1;
			o.c_groups = grp, o.n_c_groups = 1;
			CHECK_EQ(run(pki, &o), 0);
			check_complete();
			CHECK_EQ(suite_id(C.hs), all_suites[i]);
			CHECK_EQ(suite_id(S.hs), all_suites[i]);
			CHECK_EQ(tern_hs_group(C.hs), grp[0]);
			CHECK_EQ(tern_hs_group(S.hs), grp[0]);
			CHECK_EQ(C.secret_len[3][0], i == 1 ? 48 : 32);
			CHECK(!tern_hs_did_hrr(C.hs));
			CHECK_EQ(tern_hs_sigalg(C.hs), TERN_TLS_SIG_ECDSA_SECP256R1_SHA256);
		}
}

static void
test_hrr(const struct hs_test_pki *pki)
{
	struct opts o = {0};

	/* Client shares X25519 only; the server wants P-256. */
	o.c_groups = both, o.n_c_groups = 2;
	o.s_groups = p256, o.n_s_groups = 1;
	CHECK_EQ(run(pki, &o), 0);
	check_complete();
	CHECK(tern_hs_did_hrr(C.hs));
	CHECK(tern_hs_did_hrr(S.hs));
	CHECK_EQ(tern_hs_group(C.hs), TERN_TLS_GROUP_SECP256R1);
	/* and the other way round, with SHA-384 in the message_hash */
	o.c_groups = (const uint16_t[]){TERN_TLS_GROUP_SECP256R1, TERN_TLS_GROUP_X25519};
	o.s_groups = x25519;
	o.s_suites = &all_suites[1], o.n_s_suites = 1;
	CHECK_EQ(run(pki, &o), 0);
	check_complete();
	CHECK(tern_hs_did_hrr(C.hs));
	CHECK_EQ(tern_hs_group(S.hs), TERN_TLS_GROUP_X25519);
	/* X25519 share, server wants secp384r1 (configured last by the client). */
	o = (struct opts){0};
	o.c_groups = (const uint16_t[]){TERN_TLS_GROUP_X25519, TERN_TLS_GROUP_SECP256R1,
					TERN_TLS_GROUP_SECP384R1};
	o.n_c_groups = 3;
	o.s_groups = p384, o.n_s_groups = 1;
	CHECK_EQ(run(pki, &o), 0);
	check_complete();
	CHECK(tern_hs_did_hrr(C.hs));
	CHECK_EQ(tern_hs_group(C.hs), TERN_TLS_GROUP_SECP384R1);
	/* No group in common: handshake_failure. */
	o.c_groups = x25519, o.n_c_groups = 1;
	o.s_groups = p256, o.n_s_groups = 1;
	CHECK_EQ(run(pki, &o), -TERN_EPROTO);
	check_failed(S.hs, TERN_TLS_ALERT_HANDSHAKE_FAILURE, "group");
	/* No suite in common. */
	o = (struct opts){0};
	o.c_suites = all_suites, o.n_c_suites = 1;
	o.s_suites = &all_suites[2], o.n_s_suites = 1;
	CHECK_EQ(run(pki, &o), -TERN_EPROTO);
	check_failed(S.hs, TERN_TLS_ALERT_HANDSHAKE_FAILURE, "cipher suite");
}

static void
test_alpn_sni_rsl(const struct hs_test_pki *pki)
{
	static const char *const c_alpn[] = {"h2", "http/1.1"};
	static const char *const s_alpn[] = {"http/1.1", "h2"};
	static const char *const other[] = {"imap"};
	const uint8_t *p;
	struct opts o = {0};

	o.c_alpn = c_alpn, o.n_c_alpn = 2;
	o.s_alpn = s_alpn, o.n_s_alpn = 2;
	o.name = "tern.test";
	o.c_rsl = 1000;
	o.s_rsl = 2000;
	CHECK_EQ(run(pki, &o), 0);
	check_complete();
	/* The server's preference picks. */
	CHECK_EQ(tern_hs_alpn(C.hs, &p), 8);
	CHECK_MEM(p, "http/1.1", 8);
	CHECK_EQ(tern_hs_alpn(S.hs, &p), 8);
	CHECK(tern_hs_server_name(S.hs) != NULL &&
	      strcmp(tern_hs_server_name(S.hs), "tern.test") == 0);
	CHECK(tern_hs_server_name(C.hs) == NULL);
	CHECK_EQ(tern_hs_peer_record_size_limit(S.hs), 1000);
	CHECK_EQ(tern_hs_peer_record_size_limit(C.hs), 2000);
	/* Mismatch: no_application_protocol (RFC 7301 3.2). */
	o.s_alpn = other, o.n_s_alpn = 1;
	CHECK_EQ(run(pki, &o), -TERN_EPROTO);
	check_failed(S.hs, TERN_TLS_ALERT_NO_APPLICATION_PROTOCOL, "ALPN");
	/* An IP literal is verified against the IP SAN and not sent as SNI. */
	o = (struct opts){0};
	o.name = "127.0.0.1";
	CHECK_EQ(run(pki, &o), 0);
	check_complete();
	CHECK(tern_hs_server_name(S.hs) == NULL);
	CHECK_EQ(tern_hs_alpn(C.hs, &p), 0);
}

static void
test_key_types(void)
{
	static const struct {
		const char *type;
		uint16_t sigalg;
	} kt[] = {
		{"EC-P384", TERN_TLS_SIG_ECDSA_SECP384R1_SHA384},
		{"RSA", TERN_TLS_SIG_RSA_PSS_RSAE_SHA256},
		{"RSA-PSS", TERN_TLS_SIG_RSA_PSS_PSS_SHA256},
		{"ED25519", TERN_TLS_SIG_ED25519},
	};
	struct hs_test_pki pki;
	unsigned i;

	for (i = 0; i < sizeof(kt) / sizeof(kt[0]); i++) {
		struct opts o = {0};

		hs_test_make_pki(&pki, kt[i].type, kt[i].type, -60, 86400);
		CHECK_EQ(run(&pki, &o), 0);
		check_complete();
		CHECK_EQ(tern_hs_sigalg(C.hs), kt[i].sigalg);
	}
}

static void
test_bad_certificates(const struct hs_test_pki *pki)
{
	struct hs_test_pki expired, other;
	struct opts o = {0};

	o.name = "wrong.example";
	CHECK_EQ(run(pki, &o), -TERN_EPROTO);
	check_failed(C.hs, TERN_TLS_ALERT_BAD_CERTIFICATE, "wrong host");
	CHECK(!tern_hs_is_complete(S.hs));

	hs_test_make_pki(&expired, "expired", "EC-P256", -7200, -3600);
	o = (struct opts){0};
	CHECK_EQ(run(&expired, &o), -TERN_EPROTO);
	check_failed(C.hs, TERN_TLS_ALERT_CERTIFICATE_EXPIRED, "expired");

	/* Trusting another CA. */
	hs_test_make_pki(&other, "other", "EC-P256", -60, 86400);
	o = (struct opts){0};
	o.ca = other.ca;
	CHECK_EQ(run(pki, &o), -TERN_EPROTO);
	check_failed(C.hs, TERN_TLS_ALERT_UNKNOWN_CA, "untrusted");
}

static void
test_tampering(const struct hs_test_pki *pki)
{
	struct opts o = {0};

	/* The last byte of the server's handshake flight is in its Finished MAC. */
	CHECK_EQ(run(pki, &o), 0);
	CHECK(S.sent[TERN_HS_LEVEL_HANDSHAKE] > 100);
	o.s_flip = 1;
	o.s_flip_level = TERN_HS_LEVEL_HANDSHAKE;
	o.s_flip_at = -2;
	CHECK_EQ(run(pki, &o), -TERN_EPROTO);
	check_failed(C.hs, TERN_TLS_ALERT_DECRYPT_ERROR, "server Finished");
	/* Flight bytes are not exchanged after a failure: the server waits. */
	CHECK(!tern_hs_is_complete(S.hs));
	CHECK_EQ(tern_hs_error(S.hs), 0);

	/* The client Finished: decrypt_error at the server. */
	o = (struct opts){0};
	o.c_flip = 1;
	o.c_flip_level = TERN_HS_LEVEL_HANDSHAKE;
	o.c_flip_at = 20;
	CHECK_EQ(run(pki, &o), -TERN_EPROTO);
	check_failed(S.hs, TERN_TLS_ALERT_DECRYPT_ERROR, "Finished");

	/* A byte of the ServerHello random changes every derived secret: the
	 * client's handshake keys differ from the server's, so its Finished
	 * check fails (the server's CertificateVerify signed the real transcript). */
	o = (struct opts){0};
	o.s_flip = 1;
	o.s_flip_level = TERN_HS_LEVEL_INITIAL;
	o.s_flip_at = 10;
	CHECK_EQ(run(pki, &o), -TERN_EPROTO);
	check_failed(C.hs, TERN_TLS_ALERT_DECRYPT_ERROR, NULL);

	/* ClientHello legacy_version low byte -> still parses; flip the
	 * handshake type instead: unexpected_message at the server. */
	o = (struct opts){0};
	o.c_flip = 1;
	o.c_flip_level = TERN_HS_LEVEL_INITIAL;
	o.c_flip_at = 0;
	CHECK_EQ(run(pki, &o), -TERN_EPROTO);
	check_failed(S.hs, TERN_TLS_ALERT_UNEXPECTED_MESSAGE, "unexpected");

	/* The ClientHello's extensions length: decode_error. */
	o = (struct opts){0};
	o.c_flip = 1;
	o.c_flip_level = TERN_HS_LEVEL_INITIAL;
	o.c_flip_at = 4 + 2 + 32 + 33 + 2 + 6 + 2 + 1;
	CHECK_EQ(run(pki, &o), -TERN_EPROTO);
	CHECK_EQ(tern_hs_alert(S.hs), TERN_TLS_ALERT_DECODE_ERROR);
}

static void
test_unexpected(const struct hs_test_pki *pki)
{
	static const uint8_t fin[36] = {20, 0, 0, 32};
	struct opts o = {0};

	CHECK_EQ(run(pki, &o), 0);
	/* Server: a Finished where a ClientHello belongs. */
	tern_hs_free(S.hs);
	REQUIRE(tern_hs_new(scfg, &cbs, &S, &S.hs) == 0);
	CHECK_EQ(tern_hs_recv(S.hs, TERN_HS_LEVEL_INITIAL, fin, sizeof(fin)), -TERN_EPROTO);
	check_failed(S.hs, TERN_TLS_ALERT_UNEXPECTED_MESSAGE, NULL);
	/* Server: handshake bytes at the handshake level before any hello. */
	tern_hs_free(S.hs);
	REQUIRE(tern_hs_new(scfg, &cbs, &S, &S.hs) == 0);
	CHECK_EQ(tern_hs_recv(S.hs, TERN_HS_LEVEL_HANDSHAKE, fin, 3), -TERN_EPROTO);
	CHECK_EQ(tern_hs_alert(S.hs), TERN_TLS_ALERT_UNEXPECTED_MESSAGE);
	/* A message header announcing more than the engine accepts. */
	tern_hs_free(S.hs);
	REQUIRE(tern_hs_new(scfg, &cbs, &S, &S.hs) == 0);
	CHECK_EQ(tern_hs_recv(S.hs, TERN_HS_LEVEL_INITIAL, (const uint8_t *)"\x01\xff\xff\xff", 4),
		 -TERN_EPROTO);
	CHECK_EQ(tern_hs_alert(S.hs), TERN_TLS_ALERT_DECODE_ERROR);
	/* Verification on without a server name: refused before anything is sent. */
	tern_hs_free(C.hs);
	REQUIRE(tern_hs_new(ccfg, &cbs, &C, &C.hs) == 0);
	CHECK_EQ(tern_hs_start(C.hs), -TERN_EINVAL);
	/* A server without a certificate cannot be created. */
	{
		struct tern_tls_config *bare;
		struct tern_hs *h = NULL;

		REQUIRE(tern_tls_config_new(TERN_TLS_SERVER, &bare) == 0);
		CHECK_EQ(tern_hs_new(bare, &cbs, &S, &h), -TERN_EINVAL);
		tern_tls_config_free(bare);
	}
}

/* The same handshake through the ops table a configuration hands out. */
static void
test_ops_table(const struct hs_test_pki *pki)
{
	const struct tern_hs_ops *ops;
	struct opts o = {0};
	int l, rc = 0;

	CHECK_EQ(run(pki, &o), 0); /* configs */
	ops = tern_tls_config_hs_ops(scfg);
	CHECK(ops == tern_hs_inline_ops());
	CHECK(tern_tls_config_hs_ops(ccfg) == ops);
	tern_hs_free(C.hs);
	tern_hs_free(S.hs);
	memset(&C, 0, sizeof(C));
	memset(&S, 0, sizeof(S));
	C.flip_level = S.flip_level = -1;
	REQUIRE(ops->create(ccfg, &cbs, &C, &C.hs) == 0);
	REQUIRE(ops->create(scfg, &cbs, &S, &S.hs) == 0);
	CHECK_EQ(ops->set_server_name(C.hs, "localhost"), 0);
	CHECK_EQ(ops->start(C.hs), 0);
	for (l = 0; l < TERN_HS_LEVEL_COUNT * 2 && rc == 0; l++) {
		int lv = l % TERN_HS_LEVEL_COUNT;

		rc = ops->recv(S.hs, (enum tern_hs_level)lv, C.q[lv], C.qlen[lv]);
		C.qlen[lv] = 0;
		if (rc == 0)
			rc = ops->recv(C.hs, (enum tern_hs_level)lv, S.q[lv], S.qlen[lv]);
		S.qlen[lv] = 0;
	}
	CHECK_EQ(rc, 0);
	CHECK(ops->is_complete(C.hs) && ops->is_complete(S.hs));
	CHECK_EQ(ops->alert(C.hs), TERN_TLS_ALERT_NONE);
	check_complete();
	ops->destroy(C.hs);
	ops->destroy(S.hs);
	C.hs = S.hs = NULL;
}

/* Byte-at-a-time delivery: reassembly of every message from single bytes. */
static void
test_split_delivery(const struct hs_test_pki *pki)
{
	struct opts o = {0};
	int l, rc = 0, moved = 1;
	size_t i;

	(void)o;
	tern_hs_free(C.hs);
	tern_hs_free(S.hs);
	memset(&C, 0, sizeof(C));
	memset(&S, 0, sizeof(S));
	C.flip_level = S.flip_level = -1;
	REQUIRE(tern_hs_new(ccfg, &cbs, &C, &C.hs) == 0);
	REQUIRE(tern_hs_new(scfg, &cbs, &S, &S.hs) == 0);
	REQUIRE(tern_hs_set_server_name(C.hs, "localhost") == 0);
	(void)pki;
	REQUIRE(tern_hs_start(C.hs) == 0);
	while (moved && rc == 0) {
		moved = 0;
		for (l = 0; l < TERN_HS_LEVEL_COUNT && rc == 0; l++) {
			for (i = 0; i < C.qlen[l] && rc == 0; i++)
				rc = tern_hs_recv(S.hs, (enum tern_hs_level)l, &C.q[l][i], 1);
			moved |= C.qlen[l] != 0;
			C.qlen[l] = 0;
			for (i = 0; i < S.qlen[l] && rc == 0; i++)
				rc = tern_hs_recv(C.hs, (enum tern_hs_level)l, &S.q[l][i], 1);
			moved |= S.qlen[l] != 0;
			S.qlen[l] = 0;
		}
	}
	CHECK_EQ(rc, 0);
	check_complete();
}

static void
test_key_update(const struct hs_test_pki *pki)
{
	static const uint8_t ku_req[] = {24, 0, 0, 1, 1};
	static const uint8_t ku_bad[] = {24, 0, 0, 1, 7};
	uint8_t old_rd[48], old_wr[48];
	struct opts o = {0};

	CHECK_EQ(run(pki, &o), 0);
	check_complete();
	memcpy(old_rd, S.secret[3][TERN_HS_READ], 32);
	memcpy(old_wr, S.secret[3][TERN_HS_WRITE], 32);
	/* The client asks for an update (as if it had sent one). */
	CHECK_EQ(tern_hs_recv(S.hs, TERN_HS_LEVEL_APPLICATION, ku_req, sizeof(ku_req)), 0);
	CHECK_EQ(S.secret_events[3][TERN_HS_READ], 2);
	CHECK_EQ(S.secret_events[3][TERN_HS_WRITE], 2);
	CHECK(memcmp(old_rd, S.secret[3][TERN_HS_READ], 32) != 0);
	CHECK(memcmp(old_wr, S.secret[3][TERN_HS_WRITE], 32) != 0);
	/* The server answered with update_not_requested. */
	CHECK_EQ(S.qlen[3], 5);
	CHECK_MEM(S.q[3], "\x18\x00\x00\x01\x00", 5);
	/* The client takes the answer: its read secret follows the server's write. */
	CHECK_EQ(pump(&C, &S), 0);
	CHECK_EQ(C.secret_events[3][TERN_HS_READ], 2);
	CHECK_EQ(C.secret_events[3][TERN_HS_WRITE], 1);
	CHECK_MEM(C.secret[3][TERN_HS_READ], S.secret[3][TERN_HS_WRITE], 32);
	/* A bad request_update value. */
	CHECK_EQ(tern_hs_recv(C.hs, TERN_HS_LEVEL_APPLICATION, ku_bad, sizeof(ku_bad)),
		 -TERN_EPROTO);
	check_failed(C.hs, TERN_TLS_ALERT_ILLEGAL_PARAMETER, NULL);
	/* A NewSessionTicket is accepted (and dropped) by a client. */
	CHECK_EQ(run(pki, &o), 0);
	{
		static const uint8_t nst[] = {4, 0, 0, 15, 0, 0, 1, 0, 1, 2,
					      3, 4, 0, 0,  2, 9, 9, 0, 0};

		CHECK_EQ(tern_hs_recv(C.hs, TERN_HS_LEVEL_APPLICATION, nst, sizeof(nst)), 0);
		/* but a server never gets one */
		CHECK_EQ(tern_hs_recv(S.hs, TERN_HS_LEVEL_APPLICATION, nst, sizeof(nst)),
			 -TERN_EPROTO);
		CHECK_EQ(tern_hs_alert(S.hs), TERN_TLS_ALERT_UNEXPECTED_MESSAGE);
	}
}

int
main(void)
{
	struct hs_test_pki pki;

	hs_test_make_pki(&pki, "p256", "EC-P256", -60, 86400);
	test_suites_and_groups(&pki);
	test_hrr(&pki);
	test_alpn_sni_rsl(&pki);
	test_key_types();
	test_bad_certificates(&pki);
	test_tampering(&pki);
	test_peer_checks(&pki);
	test_unexpected(&pki);
	test_split_delivery(&pki);
	test_ops_table(&pki);
	test_key_update(&pki);
	tern_hs_free(C.hs);
	tern_hs_free(S.hs);
	tern_tls_config_free(ccfg);
	tern_tls_config_free(scfg);
	return tern_test_done("hs_handshake");
}
