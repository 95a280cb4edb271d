/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Handshake message and extension codecs: encode/parse round trips for every
 * message, truncation at every byte, duplicate / misplaced / unknown
 * extensions and the RFC's alerts for bad values.
 */

#include <string.h>

#include "control/tls/hs_msg.h"
#include "tern_test.h"

static uint8_t buf[8192], buf2[8192];

/* Parse body bytes of message type `type` into a scratch struct. */
static enum tern_tls_alert
parse_body(uint8_t type, const uint8_t *p, size_t n)
{
	static union {
		struct tern_hs_client_hello ch;
		struct tern_hs_server_hello sh;
		struct tern_hs_encrypted_extensions ee;
		struct tern_hs_certificate ct;
		struct tern_hs_certificate_verify cv;
		struct tern_hs_finished fin;
		struct tern_hs_new_session_ticket nst;
		struct tern_hs_key_update ku;
	} u;
	struct tern_rcursor r;

	tern_rcursor_init(&r, p, n);
	switch (type) {
	case TERN_HS_CLIENT_HELLO:
		return tern_hs_client_hello_parse(&r, &u.ch);
	case TERN_HS_SERVER_HELLO:
		return tern_hs_server_hello_parse(&r, &u.sh);
	case TERN_HS_ENCRYPTED_EXTENSIONS:
		return tern_hs_encrypted_extensions_parse(&r, &u.ee);
	case TERN_HS_CERTIFICATE:
		return tern_hs_certificate_parse(&r, &u.ct);
	case TERN_HS_CERTIFICATE_VERIFY:
		return tern_hs_certificate_verify_parse(&r, &u.cv);
	case TERN_HS_FINISHED:
		return tern_hs_finished_parse(&r, 32, &u.fin);
	case TERN_HS_NEW_SESSION_TICKET:
		return tern_hs_new_session_ticket_parse(&r, &u.nst);
	case TERN_HS_KEY_UPDATE:
		return tern_hs_key_update_parse(&r, &u.ku);
	}
	return TERN_TLS_ALERT_INTERNAL_ERROR;
}

/*
 * Every strict prefix of the body must be rejected with decode_error, except
 * the listed offsets, where a shorter message is a well-formed older hello.
 */
static void
check_truncation(const uint8_t *msg, size_t len, size_t pv_at)
{
	size_t l;
	unsigned bad = 0;

	CHECK_EQ(msg[1] << 16 | msg[2] << 8 | msg[3], len - 4);
	CHECK_EQ(parse_body(msg[0], msg + 4, len - 4), TERN_TLS_ALERT_NONE);
	for (l = 0; l < len - 4; l++) {
		enum tern_tls_alert want =
			l == pv_at ? TERN_TLS_ALERT_PROTOCOL_VERSION : TERN_TLS_ALERT_DECODE_ERROR;
		enum tern_tls_alert got = parse_body(msg[0], msg + 4, l);

		if (got != want) {
			fprintf(stderr, "type %u truncated to %zu: alert %d, want %d\n", msg[0], l,
				got, want);
			bad++;
		}
	}
	CHECK_EQ(bad, 0);
	/* One trailing byte is also malformed (except where the RFC says otherwise). */
	memcpy(buf2, msg, len);
	buf2[len] = 0;
	CHECK(parse_body(msg[0], buf2 + 4, len - 4 + 1) != TERN_TLS_ALERT_NONE);
}

static const uint8_t pub32[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
				  17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

static void
fill_ch(struct tern_hs_client_hello *ch)
{
	memset(ch, 0, sizeof(*ch));
	ch->legacy_version = 0x0303;
	memset(ch->random, 0xaa, 32);
	memset(ch->session_id, 0x55, 32);
	ch->session_id_len = 32;
	ch->suites[0] = 0x1301;
	ch->suites[1] = 0x1303;
	ch->n_suites = 2;
	ch->exts.present = (1u << TERN_HS_EXT_COUNT) - 1; /* every extension */
	ch->exts.versions[0] = 0x0304;
	ch->exts.versions[1] = 0x0303;
	ch->exts.n_versions = 2;
	ch->exts.groups[0] = 0x001d;
	ch->exts.groups[1] = 0x0017;
	ch->exts.n_groups = 2;
	ch->exts.shares[0].group = 0x001d;
	ch->exts.shares[0].key.p = pub32;
	ch->exts.shares[0].key.len = 32;
	ch->exts.n_shares = 1;
	ch->exts.sigalgs[0] = 0x0403;
	ch->exts.sigalgs[1] = 0x0804;
	ch->exts.n_sigalgs = 2;
	ch->exts.server_name.p = (const uint8_t *)"example.com";
	ch->exts.server_name.len = 11;
	ch->exts.alpn[0].p = (const uint8_t *)"h2";
	ch->exts.alpn[0].len = 2;
	ch->exts.alpn[1].p = (const uint8_t *)"http/1.1";
	ch->exts.alpn[1].len = 8;
	ch->exts.n_alpn = 2;
	ch->exts.record_size_limit = 4096;
	ch->exts.cookie.p = pub32;
	ch->exts.cookie.len = 7;
	ch->exts.psk_modes = 1u << 1;
	/* pre_shared_key: last on the wire (4.2.11) */
	ch->exts.psk_ids[0].identity.p = pub32;
	ch->exts.psk_ids[0].identity.len = 16;
	ch->exts.psk_ids[0].obfuscated_age = 0x01020304;
	ch->exts.psk_binders[0].p = pub32;
	ch->exts.psk_binders[0].len = 32;
	ch->exts.n_psk_ids = 1;
	ch->exts.n_psk_binders = 1;
}

static size_t
write_msg(bool (*fn)(struct tern_wcursor *, const void *), const void *m)
{
	struct tern_wcursor w;

	tern_wcursor_init(&w, buf, sizeof(buf));
	REQUIRE(fn(&w, m));
	return w.off;
}

#define WRITE(fn, m) write_msg((bool (*)(struct tern_wcursor *, const void *))(fn), (m))

/* Re-encoding the parsed struct must give the same bytes. */
static void
check_reencode(bool (*fn)(struct tern_wcursor *, const void *), const void *parsed,
	       const uint8_t *orig, size_t len)
{
	struct tern_wcursor w;

	tern_wcursor_init(&w, buf2, sizeof(buf2));
	CHECK(fn(&w, parsed));
	CHECK_EQ(w.off, len);
	CHECK_MEM(buf2, orig, len);
}

#define REENCODE(fn, m, o, l)                                                                      \
	check_reencode((bool (*)(struct tern_wcursor *, const void *))(fn), (m), (o), (l))

static void
test_client_hello(void)
{
	struct tern_hs_client_hello ch, p;
	struct tern_rcursor r;
	uint8_t orig[8192];
	size_t len, comp_end;

	fill_ch(&ch);
	len = WRITE(tern_hs_client_hello_write, &ch);
	memcpy(orig, buf, len);
	tern_rcursor_init(&r, orig + 4, len - 4);
	CHECK_EQ(tern_hs_client_hello_parse(&r, &p), TERN_TLS_ALERT_NONE);
	CHECK_EQ(p.legacy_version, 0x0303);
	CHECK_MEM(p.random, ch.random, 32);
	CHECK_EQ(p.session_id_len, 32);
	CHECK_EQ(p.n_suites, 2);
	CHECK_EQ(p.suites[1], 0x1303);
	CHECK_EQ(p.exts.present, ch.exts.present);
	CHECK_EQ(p.exts.n_versions, 2);
	CHECK_EQ(p.exts.versions[0], 0x0304);
	CHECK_EQ(p.exts.n_shares, 1);
	CHECK_EQ(p.exts.shares[0].key.len, 32);
	CHECK_MEM(p.exts.shares[0].key.p, pub32, 32);
	CHECK_EQ(p.exts.server_name.len, 11);
	CHECK_MEM(p.exts.server_name.p, "example.com", 11);
	CHECK_EQ(p.exts.n_alpn, 2);
	CHECK_MEM(p.exts.alpn[1].p, "http/1.1", 8);
	CHECK_EQ(p.exts.record_size_limit, 4096);
	CHECK_EQ(p.exts.cookie.len, 7);
	CHECK_EQ(p.exts.psk_modes, 1u << 1);
	CHECK_EQ(p.exts.n_groups, 2);
	CHECK_EQ(p.exts.n_sigalgs, 2);
	REENCODE(tern_hs_client_hello_write, &p, orig, len);
	/* version(2) random(32) sid(1+32) suites(2+4) compression(2) */
	comp_end = 2 + 32 + 33 + 6 + 2;
	check_truncation(orig, len, comp_end);
}

static void
test_server_hello(void)
{
	struct tern_hs_server_hello sh, p;
	struct tern_rcursor r;
	uint8_t orig[1024];
	size_t len;

	memset(&sh, 0, sizeof(sh));
	sh.legacy_version = 0x0303;
	memset(sh.random, 0x11, 32);
	sh.session_id_len = 3;
	memcpy(sh.session_id, "abc", 3);
	sh.suite = 0x1302;
	sh.exts.present = TERN_HS_EXT_BIT(TERN_HS_EXT_SUPPORTED_VERSIONS) |
			  TERN_HS_EXT_BIT(TERN_HS_EXT_KEY_SHARE);
	sh.exts.versions[0] = 0x0304;
	sh.exts.n_versions = 1;
	sh.exts.shares[0].group = 0x001d;
	sh.exts.shares[0].key.p = pub32;
	sh.exts.shares[0].key.len = 32;
	sh.exts.n_shares = 1;
	len = WRITE(tern_hs_server_hello_write, &sh);
	memcpy(orig, buf, len);
	tern_rcursor_init(&r, orig + 4, len - 4);
	CHECK_EQ(tern_hs_server_hello_parse(&r, &p), TERN_TLS_ALERT_NONE);
	CHECK(!p.is_hrr);
	CHECK_EQ(p.suite, 0x1302);
	CHECK_EQ(p.exts.versions[0], 0x0304);
	CHECK_EQ(p.exts.shares[0].group, 0x001d);
	CHECK_MEM(p.session_id, "abc", 3);
	REENCODE(tern_hs_server_hello_write, &p, orig, len);
	check_truncation(orig, len, 2 + 32 + 4 + 3);

	/* HelloRetryRequest: the special random, selected_group and a cookie. */
	sh.is_hrr = true;
	sh.exts.present |= TERN_HS_EXT_BIT(TERN_HS_EXT_COOKIE);
	sh.exts.hrr_group = 0x0017;
	sh.exts.cookie.p = pub32;
	sh.exts.cookie.len = 20;
	len = WRITE(tern_hs_server_hello_write, &sh);
	memcpy(orig, buf, len);
	CHECK_MEM(orig + 6, tern_hs_hrr_random, 32);
	tern_rcursor_init(&r, orig + 4, len - 4);
	CHECK_EQ(tern_hs_server_hello_parse(&r, &p), TERN_TLS_ALERT_NONE);
	CHECK(p.is_hrr);
	CHECK_EQ(p.exts.hrr_group, 0x0017);
	CHECK_EQ(p.exts.cookie.len, 20);
	REENCODE(tern_hs_server_hello_write, &p, orig, len);
	check_truncation(orig, len, 2 + 32 + 4 + 3);

	/* HRR without supported_versions: missing_extension. */
	sh.exts.present &= ~TERN_HS_EXT_BIT(TERN_HS_EXT_SUPPORTED_VERSIONS);
	len = WRITE(tern_hs_server_hello_write, &sh);
	CHECK_EQ(parse_body(TERN_HS_SERVER_HELLO, buf + 4, len - 4),
		 TERN_TLS_ALERT_MISSING_EXTENSION);
	/* ServerHello without supported_versions is TLS 1.2: protocol_version. */
	sh.is_hrr = false;
	sh.exts.present = TERN_HS_EXT_BIT(TERN_HS_EXT_KEY_SHARE);
	len = WRITE(tern_hs_server_hello_write, &sh);
	CHECK_EQ(parse_body(TERN_HS_SERVER_HELLO, buf + 4, len - 4),
		 TERN_TLS_ALERT_PROTOCOL_VERSION);
}

static void
test_encrypted_extensions(void)
{
	struct tern_hs_encrypted_extensions ee, p;
	struct tern_rcursor r;
	uint8_t orig[1024];
	size_t len;

	memset(&ee, 0, sizeof(ee));
	ee.exts.present = TERN_HS_EXT_BIT(TERN_HS_EXT_SERVER_NAME) |
			  TERN_HS_EXT_BIT(TERN_HS_EXT_ALPN) |
			  TERN_HS_EXT_BIT(TERN_HS_EXT_RECORD_SIZE_LIMIT) |
			  TERN_HS_EXT_BIT(TERN_HS_EXT_SUPPORTED_GROUPS);
	ee.exts.alpn[0].p = (const uint8_t *)"h2";
	ee.exts.alpn[0].len = 2;
	ee.exts.n_alpn = 1;
	ee.exts.record_size_limit = 16385;
	ee.exts.groups[0] = 0x0017;
	ee.exts.n_groups = 1;
	len = WRITE(tern_hs_encrypted_extensions_write, &ee);
	memcpy(orig, buf, len);
	tern_rcursor_init(&r, orig + 4, len - 4);
	CHECK_EQ(tern_hs_encrypted_extensions_parse(&r, &p), TERN_TLS_ALERT_NONE);
	CHECK_EQ(p.exts.present, ee.exts.present);
	CHECK_EQ(p.exts.n_alpn, 1);
	CHECK_MEM(p.exts.alpn[0].p, "h2", 2);
	CHECK_EQ(p.exts.record_size_limit, 16385);
	CHECK_EQ(p.exts.server_name.len, 0);
	REENCODE(tern_hs_encrypted_extensions_write, &p, orig, len);
	check_truncation(orig, len, (size_t)-1);

	/* Two ALPN names in the answer: illegal_parameter (RFC 7301 3.1). */
	ee.exts.alpn[1] = ee.exts.alpn[0];
	ee.exts.n_alpn = 2;
	len = WRITE(tern_hs_encrypted_extensions_write, &ee);
	CHECK_EQ(parse_body(TERN_HS_ENCRYPTED_EXTENSIONS, buf + 4, len - 4),
		 TERN_TLS_ALERT_ILLEGAL_PARAMETER);
}

static void
test_certificate(void)
{
	static const uint8_t der1[100] = {0x30, 1}, der2[300] = {0x30, 2};
	struct tern_hs_certificate ct, p;
	struct tern_rcursor r;
	uint8_t orig[1024];
	size_t len;

	memset(&ct, 0, sizeof(ct));
	ct.certs[0].p = der1;
	ct.certs[0].len = sizeof(der1);
	ct.certs[1].p = der2;
	ct.certs[1].len = sizeof(der2);
	ct.n_certs = 2;
	len = WRITE(tern_hs_certificate_write, &ct);
	memcpy(orig, buf, len);
	tern_rcursor_init(&r, orig + 4, len - 4);
	CHECK_EQ(tern_hs_certificate_parse(&r, &p), TERN_TLS_ALERT_NONE);
	CHECK_EQ(p.n_certs, 2);
	CHECK_EQ(p.context.len, 0);
	CHECK_EQ(p.certs[1].len, 300);
	CHECK_MEM(p.certs[1].p, der2, 300);
	REENCODE(tern_hs_certificate_write, &p, orig, len);
	check_truncation(orig, len, (size_t)-1);

	/* An unsolicited extension in a CertificateEntry (4.4.2, 4.2). */
	{
		static const uint8_t body[] = {0, 0, 0, 11, 0, 0, 1, 0x30, 0, 5, 0, 5, 0, 1, 0};
		CHECK_EQ(parse_body(TERN_HS_CERTIFICATE, body, sizeof(body)),
			 TERN_TLS_ALERT_UNSUPPORTED_EXTENSION);
	}
}

static void
test_certificate_verify(void)
{
	struct tern_hs_certificate_verify cv, p;
	struct tern_rcursor r;
	uint8_t orig[256];
	size_t len;

	cv.sigalg = 0x0403;
	cv.signature.p = pub32;
	cv.signature.len = 32;
	len = WRITE(tern_hs_certificate_verify_write, &cv);
	memcpy(orig, buf, len);
	tern_rcursor_init(&r, orig + 4, len - 4);
	CHECK_EQ(tern_hs_certificate_verify_parse(&r, &p), TERN_TLS_ALERT_NONE);
	CHECK_EQ(p.sigalg, 0x0403);
	CHECK_EQ(p.signature.len, 32);
	REENCODE(tern_hs_certificate_verify_write, &p, orig, len);
	check_truncation(orig, len, (size_t)-1);
}

static void
test_finished(void)
{
	struct tern_hs_finished f, p;
	struct tern_rcursor r;
	uint8_t orig[64];
	size_t len;

	f.verify_data.p = pub32;
	f.verify_data.len = 32;
	len = WRITE(tern_hs_finished_write, &f);
	CHECK_EQ(len, 36);
	memcpy(orig, buf, len);
	tern_rcursor_init(&r, orig + 4, len - 4);
	CHECK_EQ(tern_hs_finished_parse(&r, 32, &p), TERN_TLS_ALERT_NONE);
	CHECK_MEM(p.verify_data.p, pub32, 32);
	REENCODE(tern_hs_finished_write, &p, orig, len);
	check_truncation(orig, len, (size_t)-1);
	/* The SHA-384 length does not fit a 32-byte body. */
	tern_rcursor_init(&r, orig + 4, len - 4);
	CHECK_EQ(tern_hs_finished_parse(&r, 48, &p), TERN_TLS_ALERT_DECODE_ERROR);
}

static void
test_new_session_ticket(void)
{
	struct tern_hs_new_session_ticket t, p;
	struct tern_rcursor r;
	uint8_t orig[256];
	size_t len;

	memset(&t, 0, sizeof(t));
	t.lifetime = 7200;
	t.age_add = 0xdeadbeef;
	t.nonce.p = pub32;
	t.nonce.len = 8;
	t.ticket.p = pub32;
	t.ticket.len = 32;
	len = WRITE(tern_hs_new_session_ticket_write, &t);
	memcpy(orig, buf, len);
	tern_rcursor_init(&r, orig + 4, len - 4);
	CHECK_EQ(tern_hs_new_session_ticket_parse(&r, &p), TERN_TLS_ALERT_NONE);
	CHECK_EQ(p.lifetime, 7200);
	CHECK_EQ(p.age_add, 0xdeadbeef);
	CHECK_EQ(p.nonce.len, 8);
	CHECK_EQ(p.ticket.len, 32);
	REENCODE(tern_hs_new_session_ticket_write, &p, orig, len);
	check_truncation(orig, len, (size_t)-1);
	/* Lifetime above 7 days (4.6.1). */
	t.lifetime = 604801;
	len = WRITE(tern_hs_new_session_ticket_write, &t);
	CHECK_EQ(parse_body(TERN_HS_NEW_SESSION_TICKET, buf + 4, len - 4),
		 TERN_TLS_ALERT_ILLEGAL_PARAMETER);
}

static void
test_key_update(void)
{
	struct tern_hs_key_update k = {1}, p;
	struct tern_rcursor r;
	uint8_t orig[8];
	size_t len;

	len = WRITE(tern_hs_key_update_write, &k);
	CHECK_EQ(len, 5);
	memcpy(orig, buf, len);
	tern_rcursor_init(&r, orig + 4, 1);
	CHECK_EQ(tern_hs_key_update_parse(&r, &p), TERN_TLS_ALERT_NONE);
	CHECK_EQ(p.request_update, 1);
	REENCODE(tern_hs_key_update_write, &p, orig, len);
	check_truncation(orig, len, (size_t)-1);
	orig[4] = 2;
	CHECK_EQ(parse_body(TERN_HS_KEY_UPDATE, orig + 4, 1), TERN_TLS_ALERT_ILLEGAL_PARAMETER);
}

/* An EncryptedExtensions body made of raw extension entries. */
static enum tern_tls_alert
ee_with(const uint8_t *exts, size_t n)
{
	uint8_t b[256];

	b[0] = (uint8_t)(n >> 8);
	b[1] = (uint8_t)n;
	memcpy(b + 2, exts, n);
	return parse_body(TERN_HS_ENCRYPTED_EXTENSIONS, b, n + 2);
}

/* A ClientHello body whose extension block is replaced by raw entries. */
static enum tern_tls_alert
ch_with(const uint8_t *exts, size_t n)
{
	static const uint8_t head[] = {3, 3};
	uint8_t b[512];
	size_t off = 0;

	memcpy(b, head, 2);
	off = 2;
	memset(b + off, 7, 32);
	off += 32;
	b[off++] = 0;		    /* session id */
	b[off++] = 0, b[off++] = 2; /* suites */
	b[off++] = 0x13, b[off++] = 0x01;
	b[off++] = 1, b[off++] = 0; /* compression */
	b[off++] = (uint8_t)(n >> 8);
	b[off++] = (uint8_t)n;
	memcpy(b + off, exts, n);
	return parse_body(TERN_HS_CLIENT_HELLO, b, off + n);
}

static void
test_extension_rules(void)
{
	/* supported_versions, supported_groups, signature_algorithms, key_share */
	static const uint8_t base[] = {0, 43, 0, 3, 2, 3, 4, 0, 10, 0,	4, 0, 2, 0, 0x1d,
				       0, 13, 0, 4, 0, 2, 4, 3, 0,  51, 0, 2, 0, 0};
	uint8_t x[256];

	CHECK_EQ(ch_with(base, sizeof(base)), TERN_TLS_ALERT_NONE);
	/* Duplicate known extension (4.2). */
	memcpy(x, base, sizeof(base));
	memcpy(x + sizeof(base), base + 7, 8); /* supported_groups again */
	CHECK_EQ(ch_with(x, sizeof(base) + 8), TERN_TLS_ALERT_ILLEGAL_PARAMETER);
	/* Duplicate unknown extension. */
	{
		static const uint8_t u[] = {0xfa, 0xfa, 0, 0, 0xfa, 0xfa, 0, 0};

		memcpy(x, base, sizeof(base));
		memcpy(x + sizeof(base), u, sizeof(u));
		CHECK_EQ(ch_with(x, sizeof(base) + 4), TERN_TLS_ALERT_NONE); /* once: ignored */
		CHECK_EQ(ch_with(x, sizeof(base) + 8), TERN_TLS_ALERT_ILLEGAL_PARAMETER);
	}
	/* Two key shares for one group (4.2.8). */
	{
		static const uint8_t ks[] = {0,	 43,   0,  3,  2,    3, 4, 0, 10, 0,	4, 0,  2,
					     0,	 0x1d, 0,  13, 0,    4, 0, 2, 4,  3,	0, 51, 0,
					     12, 0,    10, 0,  0x1d, 0, 1, 9, 0,  0x1d, 0, 1,  9};
		CHECK_EQ(ch_with(ks, sizeof(ks)), TERN_TLS_ALERT_ILLEGAL_PARAMETER);
	}
	/* Missing mandatory extensions. */
	CHECK_EQ(ch_with(base + 7, sizeof(base) - 7), TERN_TLS_ALERT_PROTOCOL_VERSION);
	CHECK_EQ(ch_with(base, sizeof(base) - 6), TERN_TLS_ALERT_MISSING_EXTENSION);
	CHECK_EQ(ch_with(base, 15), TERN_TLS_ALERT_MISSING_EXTENSION); /* no sigalgs */
	/* record_size_limit below 64 (RFC 8449 4). */
	{
		static const uint8_t rsl[] = {0, 28, 0, 2, 0, 63};
		static const uint8_t rsl_ok[] = {0, 28, 0, 2, 0, 64};

		CHECK_EQ(ee_with(rsl, sizeof(rsl)), TERN_TLS_ALERT_ILLEGAL_PARAMETER);
		CHECK_EQ(ee_with(rsl_ok, sizeof(rsl_ok)), TERN_TLS_ALERT_NONE);
	}
	/* key_share in EncryptedExtensions: known but not allowed there. */
	{
		static const uint8_t ks[] = {0, 51, 0, 2, 0, 0x1d};

		CHECK_EQ(ee_with(ks, sizeof(ks)), TERN_TLS_ALERT_ILLEGAL_PARAMETER);
	}
	/* Unknown extension in EncryptedExtensions: unsupported_extension. */
	{
		static const uint8_t u[] = {0xfa, 0xfa, 0, 0};

		CHECK_EQ(ee_with(u, sizeof(u)), TERN_TLS_ALERT_UNSUPPORTED_EXTENSION);
	}
	/* server_name acknowledgement must be empty; extension length overruns. */
	{
		static const uint8_t sni[] = {0, 0, 0, 1, 0};
		static const uint8_t over[] = {0, 28, 0, 3, 0, 64};

		CHECK_EQ(ee_with(sni, sizeof(sni)), TERN_TLS_ALERT_DECODE_ERROR);
		CHECK_EQ(ee_with(over, sizeof(over)), TERN_TLS_ALERT_DECODE_ERROR);
	}
	/* Compression other than null (4.1.2). */
	{
		uint8_t b[80];
		size_t off = 0;

		b[off++] = 3, b[off++] = 3;
		memset(b + off, 7, 32);
		off += 32;
		b[off++] = 0;
		b[off++] = 0, b[off++] = 2, b[off++] = 0x13, b[off++] = 1;
		b[off++] = 1, b[off++] = 1;
		b[off++] = 0, b[off++] = 0;
		CHECK_EQ(parse_body(TERN_HS_CLIENT_HELLO, b, off),
			 TERN_TLS_ALERT_ILLEGAL_PARAMETER);
	}
}

int
main(void)
{
	test_client_hello();
	test_server_hello();
	test_encrypted_extensions();
	test_certificate();
	test_certificate_verify();
	test_finished();
	test_new_session_ticket();
	test_key_update();
	test_extension_rules();
	return tern_test_done("hs_msg");
}
