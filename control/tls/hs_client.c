/* SPDX-License-Identifier: Apache-2.0 */
/* Client handlers of the state table (RFC 8446 2, 4). */

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "hs_internal.h"

static int
send_client_hello(struct tern_hs *hs)
{
	const struct tern_tls_config *cfg = hs->cfg;
	struct tern_hs_client_hello ch;
	uint8_t pub[TERN_HS_PUB_MAX], *buf;
	static const uint8_t zero_binder[TERN_HASH_MAX_LEN];
	const struct tern_tls13_suite *psk_suite =
		hs->sess != NULL ? tern_tls13_suite_get(hs->sess->suite) : NULL;
	struct tern_wcursor w;
	size_t pub_len, cap = 8192;
	unsigned i;
	int rc;

	rc = tern_hs_kex_keygen(hs->group, &hs->kex, pub, &pub_len);
	if (rc != 0)
		return HS_INTERNAL(hs, "key share");
	memset(&ch, 0, sizeof(ch));
	ch.legacy_version = TERN_TLS12_VERSION;
	memcpy(ch.random, hs->random, TERN_HS_RANDOM_LEN);
	memcpy(ch.session_id, hs->session_id, hs->session_id_len);
	ch.session_id_len = hs->session_id_len;
	memcpy(ch.suites, cfg->suites, cfg->n_suites * sizeof(uint16_t));
	ch.n_suites = cfg->n_suites;

	ch.exts.present = TERN_HS_EXT_BIT(TERN_HS_EXT_SUPPORTED_VERSIONS) |
			  TERN_HS_EXT_BIT(TERN_HS_EXT_SUPPORTED_GROUPS) |
			  TERN_HS_EXT_BIT(TERN_HS_EXT_KEY_SHARE) |
			  TERN_HS_EXT_BIT(TERN_HS_EXT_SIGNATURE_ALGORITHMS);
	ch.exts.versions[0] = TERN_TLS13_VERSION;
	ch.exts.n_versions = 1;
	memcpy(ch.exts.groups, cfg->groups, cfg->n_groups * sizeof(uint16_t));
	ch.exts.n_groups = cfg->n_groups;
	ch.exts.shares[0].group = hs->group;
	ch.exts.shares[0].key.p = pub;
	ch.exts.shares[0].key.len = (uint32_t)pub_len;
	ch.exts.n_shares = 1;
	memcpy(ch.exts.sigalgs, tern_hs_client_sigalgs,
	       tern_hs_client_sigalgs_n * sizeof(uint16_t));
	ch.exts.n_sigalgs = (uint8_t)tern_hs_client_sigalgs_n;
	/* SNI carries DNS names only (RFC 6066 3). */
	if (hs->has_server_name && !hs->server_name_is_ip) {
		ch.exts.present |= TERN_HS_EXT_BIT(TERN_HS_EXT_SERVER_NAME);
		ch.exts.server_name.p = (const uint8_t *)hs->server_name;
		ch.exts.server_name.len = (uint32_t)strlen(hs->server_name);
	}
	if (cfg->n_alpn > 0) {
		ch.exts.present |= TERN_HS_EXT_BIT(TERN_HS_EXT_ALPN);
		for (i = 0; i < cfg->n_alpn; i++) {
			ch.exts.alpn[i].p = cfg->alpn[i];
			ch.exts.alpn[i].len = cfg->alpn_len[i];
		}
		ch.exts.n_alpn = cfg->n_alpn;
	}
	if (cfg->record_size_limit != 0) {
		ch.exts.present |= TERN_HS_EXT_BIT(TERN_HS_EXT_RECORD_SIZE_LIMIT);
		ch.exts.record_size_limit = cfg->record_size_limit;
	}
	if (hs->cookie_len != 0) {
		ch.exts.present |= TERN_HS_EXT_BIT(TERN_HS_EXT_COOKIE);
		ch.exts.cookie.p = hs->cookie;
		ch.exts.cookie.len = hs->cookie_len;
	}
	if (hs->psk_offered) {
		/* Resumption with (EC)DHE only (4.2.9); the binder is patched in below. */
		ch.exts.present |= TERN_HS_EXT_BIT(TERN_HS_EXT_PSK_KEY_EXCHANGE_MODES) |
				   TERN_HS_EXT_BIT(TERN_HS_EXT_PRE_SHARED_KEY);
		ch.exts.psk_modes = 1u << 1; /* psk_dhe_ke */
		ch.exts.psk_ids[0].identity = hs->sess->opaque;
		/* obfuscated_ticket_age = age in ms + ticket_age_add mod 2^32 (4.2.11.1). */
		ch.exts.psk_ids[0].obfuscated_age =
			(uint32_t)(tern_hs_now_ms(cfg) - hs->sess->time_ms) + hs->sess->age_add;
		ch.exts.psk_binders[0].p = zero_binder;
		ch.exts.psk_binders[0].len = psk_suite->hash_len;
		ch.exts.n_psk_ids = 1;
		ch.exts.n_psk_binders = 1;
	}
	/* Never after a HelloRetryRequest (4.2.10). */
	if (hs->early_state == TERN_HS_EARLY_OFFERED && !hs->hrr)
		ch.exts.present |= TERN_HS_EXT_BIT(TERN_HS_EXT_EARLY_DATA);
	if (hs->quic) {
		ch.exts.present |= TERN_HS_EXT_BIT(TERN_HS_EXT_QUIC_TRANSPORT_PARAMETERS);
		ch.exts.quic_tp.p = hs->quic_tp;
		ch.exts.quic_tp.len = (uint32_t)hs->quic_tp_len;
	}
	hs->sent_exts = ch.exts.present;

	buf = malloc(cap);
	if (buf == NULL)
		return tern_hs_fail(hs, -TERN_ENOMEM, TERN_TLS_ALERT_INTERNAL_ERROR, "no memory");
	tern_wcursor_init(&w, buf, cap);
	if (!tern_hs_client_hello_write(&w, &ch)) {
		free(buf);
		return HS_INTERNAL(hs, "ClientHello too long");
	}
	if (hs->psk_offered) {
		/* The binder covers the hello up to the binders list (4.2.11.2): its tail. */
		size_t hl = psk_suite->hash_len, trunc = w.off - (2 + 1 + hl);
		uint8_t th[TERN_HASH_MAX_LEN];

		rc = tern_hs_truncated_hash(hs, psk_suite, buf, trunc, th);
		if (rc == 0)
			rc = tern_hs_psk_binder(hs, psk_suite, hs->psk, th, buf + w.off - hl);
		if (rc != 0) {
			free(buf);
			return rc;
		}
	}
	if (hs->transcript == NULL) {
		/* The hash is unknown until ServerHello: keep the first ClientHello. */
		free(hs->ch1);
		hs->ch1 = buf;
		hs->ch1_len = w.off;
		rc = tern_hs_send(hs, TERN_HS_LEVEL_INITIAL, buf, w.off);
		if (rc == 0 && hs->early_state == TERN_HS_EARLY_OFFERED)
			rc = tern_hs_early_secret(hs, psk_suite, TERN_HS_WRITE, buf, w.off);
	} else {
		rc = tern_hs_transcript_add(hs, buf, w.off);
		if (rc == 0)
			rc = tern_hs_send(hs, TERN_HS_LEVEL_INITIAL, buf, w.off);
		free(buf);
	}
	if (rc == 0)
		hs->state = TERN_HS_ST_CLIENT_WAIT_SH;
	return rc;
}

static bool offered_suite(const struct tern_hs *hs, uint16_t suite);

/* Offer the session only while fresh, for a configured suite and the same server name. */
static bool
session_usable(const struct tern_hs *hs)
{
	const struct tern_hs_resume *st = hs->sess;
	uint64_t now = tern_hs_now_ms(hs->cfg);
	size_t n = hs->has_server_name ? strlen(hs->server_name) : 0;

	return now >= st->time_ms && now - st->time_ms < (uint64_t)st->lifetime * 1000u &&
	       offered_suite(hs, st->suite) && st->sni_len == n &&
	       memcmp(st->sni, hs->server_name, n) == 0;
}

/* 0-RTT must use the session's ALPN protocol (4.2.10): we must still offer it. */
static bool
early_alpn_ok(const struct tern_hs *hs)
{
	unsigned i;

	if (hs->sess->alpn_len == 0)
		return true;
	for (i = 0; i < hs->cfg->n_alpn; i++)
		if (hs->cfg->alpn_len[i] == hs->sess->alpn_len &&
		    memcmp(hs->cfg->alpn[i], hs->sess->alpn, hs->sess->alpn_len) == 0)
			return true;
	return false;
}

int
tern_hs_client_start(struct tern_hs *hs)
{
	if (RAND_bytes(hs->random, TERN_HS_RANDOM_LEN) != 1)
		return HS_INTERNAL(hs, "random");
	if (hs->cfg->compat && !hs->quic) {
		/* Middlebox compatibility mode (D.4); never in QUIC (RFC 9001 8.4). */
		hs->session_id_len = TERN_HS_SESSION_ID_MAX;
		if (RAND_bytes(hs->session_id, TERN_HS_SESSION_ID_MAX) != 1)
			return HS_INTERNAL(hs, "random");
	}
	hs->group = hs->cfg->groups[0];
	if (hs->sess != NULL && session_usable(hs)) {
		hs->psk_offered = true;
		hs->psk_len = hs->sess->psk_len;
		memcpy(hs->psk, hs->sess->psk, hs->psk_len);
		if (hs->cfg->client_early_data && hs->sess->max_early_data > 0 &&
		    early_alpn_ok(hs)) {
			hs->early_state = TERN_HS_EARLY_OFFERED;
			hs->early_max = hs->sess->max_early_data;
		}
	}
	return send_client_hello(hs);
}

static bool
offered_suite(const struct tern_hs *hs, uint16_t suite)
{
	unsigned i;

	for (i = 0; i < hs->cfg->n_suites; i++)
		if (hs->cfg->suites[i] == suite)
			return true;
	return false;
}

static bool
offered_group(const struct tern_hs *hs, uint16_t group)
{
	unsigned i;

	for (i = 0; i < hs->cfg->n_groups; i++)
		if (hs->cfg->groups[i] == group)
			return true;
	return false;
}

static int
recv_hello_retry_request(struct tern_hs *hs, const struct tern_hs_server_hello *sh,
			 const uint8_t *msg, size_t len)
{
	int rc;

	if (hs->hrr)
		return HS_FAIL(hs, TERN_TLS_ALERT_UNEXPECTED_MESSAGE,
			       "second HelloRetryRequest (RFC 8446 4.1.4)");
	hs->hrr = true;
	/* A HelloRetryRequest rejects 0-RTT (4.2.10). */
	if (hs->early_state == TERN_HS_EARLY_OFFERED)
		hs->early_state = TERN_HS_EARLY_REJECTED;
	if (sh->exts.present & TERN_HS_EXT_BIT(TERN_HS_EXT_KEY_SHARE)) {
		/* The group must be offered and one we did not already send (4.2.8). */
		if (!offered_group(hs, sh->exts.hrr_group) || sh->exts.hrr_group == hs->group)
			return HS_FAIL(hs, TERN_TLS_ALERT_ILLEGAL_PARAMETER,
				       "HelloRetryRequest asks for group 0x%04x",
				       sh->exts.hrr_group);
		hs->group = sh->exts.hrr_group;
	} else if (!(sh->exts.present & TERN_HS_EXT_BIT(TERN_HS_EXT_COOKIE))) {
		/* It would not change the ClientHello (4.1.4). */
		return HS_FAIL(hs, TERN_TLS_ALERT_ILLEGAL_PARAMETER,
			       "HelloRetryRequest changes nothing");
	}
	if (sh->exts.present & TERN_HS_EXT_BIT(TERN_HS_EXT_COOKIE)) {
		if (sh->exts.cookie.len > sizeof(hs->cookie))
			return HS_FAIL(hs, TERN_TLS_ALERT_ILLEGAL_PARAMETER, "cookie too long");
		memcpy(hs->cookie, sh->exts.cookie.p, sh->exts.cookie.len);
		hs->cookie_len = (uint16_t)sh->exts.cookie.len;
	}
	rc = tern_hs_transcript_init(hs, tern_tls13_suite_get(sh->suite));
	/* A PSK for another hash cannot be used with this suite: drop it (4.2.11). */
	if (hs->psk_offered && tern_tls13_suite_get(hs->sess->suite)->hash != hs->suite->hash)
		hs->psk_offered = false;
	if (rc == 0)
		rc = tern_hs_transcript_add(hs, hs->ch1, hs->ch1_len);
	if (rc == 0)
		rc = tern_hs_transcript_hrr_restart(hs);
	if (rc == 0)
		rc = tern_hs_transcript_add(hs, msg, len);
	if (rc != 0)
		return rc;
	return send_client_hello(hs);
}

int
tern_hs_client_recv_server_hello(struct tern_hs *hs, struct tern_rcursor *body, const uint8_t *msg,
				 size_t len)
{
	struct tern_hs_server_hello sh;
	enum tern_tls_alert a = tern_hs_server_hello_parse(body, &sh);
	uint8_t shared[TERN_HS_SHARED_MAX];
	size_t shared_len;
	int rc;

	if (a != TERN_TLS_ALERT_NONE)
		return HS_FAIL(hs, a, "malformed ServerHello");
	if (sh.exts.versions[0] != TERN_TLS13_VERSION || sh.legacy_version != TERN_TLS12_VERSION)
		return HS_FAIL(hs, TERN_TLS_ALERT_ILLEGAL_PARAMETER,
			       "server selected version 0x%04x", sh.exts.versions[0]);
	if (sh.session_id_len != hs->session_id_len ||
	    memcmp(sh.session_id, hs->session_id, hs->session_id_len) != 0)
		return HS_FAIL(hs, TERN_TLS_ALERT_ILLEGAL_PARAMETER,
			       "legacy_session_id_echo does not match (4.1.3)");
	if (!offered_suite(hs, sh.suite) || tern_tls13_suite_get(sh.suite) == NULL)
		return HS_FAIL(hs, TERN_TLS_ALERT_ILLEGAL_PARAMETER,
			       "server selected cipher suite 0x%04x not offered", sh.suite);
	/* After HRR the ServerHello repeats its suite (4.1.4). */
	if (hs->hrr && hs->suite->id != sh.suite)
		return HS_FAIL(hs, TERN_TLS_ALERT_ILLEGAL_PARAMETER,
			       "ServerHello suite differs from HelloRetryRequest");
	if (sh.is_hrr)
		return recv_hello_retry_request(hs, &sh, msg, len);
	if (sh.exts.present & TERN_HS_EXT_BIT(TERN_HS_EXT_PRE_SHARED_KEY)) {
		/* Only the identity we offered, with a suite of its hash (4.2.11). */
		if (!hs->psk_offered || sh.exts.psk_selected != 0)
			return HS_FAIL(hs, TERN_TLS_ALERT_ILLEGAL_PARAMETER,
				       "server selected a PSK we did not offer");
		if (tern_tls13_suite_get(hs->sess->suite)->hash !=
		    tern_tls13_suite_get(sh.suite)->hash)
			return HS_FAIL(hs, TERN_TLS_ALERT_ILLEGAL_PARAMETER,
				       "server selected a suite whose hash differs from the PSK's");
		hs->resumed = true;
	}
	if (sh.exts.shares[0].group != hs->group)
		return HS_FAIL(hs, TERN_TLS_ALERT_ILLEGAL_PARAMETER,
			       "server key share for group 0x%04x we did not send",
			       sh.exts.shares[0].group);
	a = tern_hs_kex_derive(hs->group, hs->kex, sh.exts.shares[0].key.p,
			       sh.exts.shares[0].key.len, shared, &shared_len);
	if (a != TERN_TLS_ALERT_NONE)
		return HS_FAIL(hs, a, "invalid server key share");
	EVP_PKEY_free(hs->kex);
	hs->kex = NULL;
	rc = 0;
	if (!hs->hrr) {
		rc = tern_hs_transcript_init(hs, tern_tls13_suite_get(sh.suite));
		if (rc == 0)
			rc = tern_hs_transcript_add(hs, hs->ch1, hs->ch1_len);
	}
	if (rc == 0)
		rc = tern_hs_transcript_add(hs, msg, len);
	if (rc == 0)
		rc = tern_hs_derive_handshake_secrets(hs, shared, shared_len);
	OPENSSL_cleanse(shared, sizeof(shared));
	free(hs->ch1);
	hs->ch1 = NULL;
	if (rc == 0)
		rc = tern_hs_emit_secret(hs, TERN_HS_LEVEL_HANDSHAKE, TERN_HS_READ, hs->s_hs);
	/*
	 * While 0-RTT may be accepted we keep writing with the early key (4.5);
	 * QUIC has a packet space per level and needs the handshake key now.
	 */
	if (rc == 0 && (hs->early_state != TERN_HS_EARLY_OFFERED || hs->quic))
		rc = tern_hs_emit_secret(hs, TERN_HS_LEVEL_HANDSHAKE, TERN_HS_WRITE, hs->c_hs);
	if (rc == 0)
		hs->state = TERN_HS_ST_CLIENT_WAIT_EE;
	return rc;
}

int
tern_hs_client_recv_encrypted_extensions(struct tern_hs *hs, struct tern_rcursor *body,
					 const uint8_t *msg, size_t len)
{
	struct tern_hs_encrypted_extensions ee;
	enum tern_tls_alert a = tern_hs_encrypted_extensions_parse(body, &ee);
	uint32_t answers = TERN_HS_EXT_BIT(TERN_HS_EXT_SERVER_NAME) |
			   TERN_HS_EXT_BIT(TERN_HS_EXT_ALPN) |
			   TERN_HS_EXT_BIT(TERN_HS_EXT_RECORD_SIZE_LIMIT) |
			   TERN_HS_EXT_BIT(TERN_HS_EXT_EARLY_DATA) |
			   TERN_HS_EXT_BIT(TERN_HS_EXT_QUIC_TRANSPORT_PARAMETERS);
	unsigned i;
	int rc;

	if (a != TERN_TLS_ALERT_NONE)
		return HS_FAIL(hs, a, "malformed EncryptedExtensions");
	if (hs->quic) {
		/* RFC 9001 8.1 and 8.2. */
		if (!(ee.exts.present & TERN_HS_EXT_BIT(TERN_HS_EXT_ALPN)))
			return HS_FAIL(hs, TERN_TLS_ALERT_NO_APPLICATION_PROTOCOL,
				       "QUIC server negotiated no ALPN protocol");
		if (!(ee.exts.present & TERN_HS_EXT_BIT(TERN_HS_EXT_QUIC_TRANSPORT_PARAMETERS)))
			return HS_FAIL(hs, TERN_TLS_ALERT_MISSING_EXTENSION,
				       "QUIC server sent no quic_transport_parameters");
		if ((rc = tern_hs_store_peer_quic_tp(hs, &ee.exts)) != 0)
			return rc;
	}
	/* Answers to requests we did not make (4.2). */
	if (ee.exts.present & answers & ~hs->sent_exts)
		return HS_FAIL(hs, TERN_TLS_ALERT_UNSUPPORTED_EXTENSION,
			       "unsolicited extension in EncryptedExtensions");
	if (ee.exts.present & TERN_HS_EXT_BIT(TERN_HS_EXT_ALPN)) {
		for (i = 0; i < hs->cfg->n_alpn; i++)
			if (hs->cfg->alpn_len[i] == ee.exts.alpn[0].len &&
			    memcmp(hs->cfg->alpn[i], ee.exts.alpn[0].p, ee.exts.alpn[0].len) == 0)
				break;
		if (i == hs->cfg->n_alpn)
			return HS_FAIL(hs, TERN_TLS_ALERT_ILLEGAL_PARAMETER,
				       "server selected an ALPN protocol we did not offer");
		memcpy(hs->alpn, ee.exts.alpn[0].p, ee.exts.alpn[0].len);
		hs->alpn_len = (uint8_t)ee.exts.alpn[0].len;
	}
	if (ee.exts.present & TERN_HS_EXT_BIT(TERN_HS_EXT_RECORD_SIZE_LIMIT))
		hs->peer_rsl = ee.exts.record_size_limit;
	if (ee.exts.present & TERN_HS_EXT_BIT(TERN_HS_EXT_EARLY_DATA)) {
		/* Only with the PSK we offered it with (4.2.10). */
		if (!hs->resumed || hs->early_state != TERN_HS_EARLY_OFFERED)
			return HS_FAIL(hs, TERN_TLS_ALERT_ILLEGAL_PARAMETER,
				       "early_data accepted without the PSK it came with");
		hs->early_state = TERN_HS_EARLY_ACCEPTED;
	} else if (hs->early_state == TERN_HS_EARLY_OFFERED) {
		/* Rejected: stop early data, write with the handshake key from now on. */
		hs->early_state = TERN_HS_EARLY_REJECTED;
		rc = hs->quic ? 0
			      : tern_hs_emit_secret(hs, TERN_HS_LEVEL_HANDSHAKE, TERN_HS_WRITE,
						    hs->c_hs);
		if (rc != 0)
			return rc;
	}
	/* A resumed handshake authenticates by the PSK: no Certificate (2.2). */
	hs->state = hs->resumed ? TERN_HS_ST_CLIENT_WAIT_FINISHED : TERN_HS_ST_CLIENT_WAIT_CERT;
	return tern_hs_transcript_add(hs, msg, len);
}

int
tern_hs_client_recv_certificate(struct tern_hs *hs, struct tern_rcursor *body, const uint8_t *msg,
				size_t len)
{
	struct tern_hs_certificate ct;
	enum tern_tls_alert a = tern_hs_certificate_parse(body, &ct);
	int rc;

	if (a != TERN_TLS_ALERT_NONE)
		return HS_FAIL(hs, a, "malformed Certificate");
	if (ct.context.len != 0)
		return HS_FAIL(hs, TERN_TLS_ALERT_ILLEGAL_PARAMETER,
			       "server Certificate with a request context");
	/* An empty server Certificate is decode_error (4.4.2.4). */
	if (ct.n_certs == 0)
		return HS_FAIL(hs, TERN_TLS_ALERT_DECODE_ERROR, "server sent no certificate");
	rc = tern_hs_cert_check(hs, &ct);
	if (rc != 0)
		return rc;
	hs->state = TERN_HS_ST_CLIENT_WAIT_CV;
	return tern_hs_transcript_add(hs, msg, len);
}

int
tern_hs_client_recv_certificate_request(struct tern_hs *hs, struct tern_rcursor *body,
					const uint8_t *msg, size_t len)
{
	struct tern_hs_certificate_request cr;
	enum tern_tls_alert a = tern_hs_certificate_request_parse(body, &cr);
	const struct tern_tls_config *cfg = hs->cfg;
	unsigned i, j;

	if (a != TERN_TLS_ALERT_NONE)
		return HS_FAIL(hs, a, "malformed CertificateRequest");
	if (hs->cert_requested)
		return HS_FAIL(hs, TERN_TLS_ALERT_UNEXPECTED_MESSAGE, "second CertificateRequest");
	/* "SHALL be zero length unless used for post-handshake authentication" (4.3.2). */
	if (cr.context.len != 0)
		return HS_FAIL(hs, TERN_TLS_ALERT_ILLEGAL_PARAMETER,
			       "CertificateRequest context in the handshake");
	hs->cert_requested = true;
	/* The server's first scheme we can sign with; none: we answer without a certificate. */
	hs->client_sigalg = 0;
	hs->chain = NULL;
	for (j = 0; j < cfg->n_chains && hs->chain == NULL; j++)
		for (i = 0; i < cr.exts.n_sigalgs; i++)
			if (tern_hs_sigalg_fits_key(cr.exts.sigalgs[i], cfg->chains[j].key)) {
				hs->client_sigalg = cr.exts.sigalgs[i];
				hs->chain = &cfg->chains[j];
				break;
			}
	return tern_hs_transcript_add(hs, msg, len);
}

/* Certificate (ours or empty) and CertificateVerify, before our Finished (4.4.2). */
static int
send_client_auth(struct tern_hs *hs)
{
	struct tern_hs_certificate ct;
	struct tern_hs_certificate_verify cv;
	uint8_t th[TERN_HASH_MAX_LEN], sig[1024], *buf;
	size_t cap = 2048, sig_len = sizeof(sig), mark;
	struct tern_wcursor w;
	unsigned i;
	int rc = -TERN_EINTERNAL;

	memset(&ct, 0, sizeof(ct));
	if (hs->client_sigalg != 0) {
		for (i = 0; i < hs->chain->n; i++) {
			ct.certs[i].p = hs->chain->der[i];
			ct.certs[i].len = hs->chain->der_len[i];
			cap += hs->chain->der_len[i] + 16;
		}
		ct.n_certs = hs->chain->n;
	}
	buf = malloc(cap);
	if (buf == NULL)
		return tern_hs_fail(hs, -TERN_ENOMEM, TERN_TLS_ALERT_INTERNAL_ERROR, "no memory");
	tern_wcursor_init(&w, buf, cap);
	if (!tern_hs_certificate_write(&w, &ct) || tern_hs_transcript_add(hs, buf, w.off) != 0)
		goto out;
	if (ct.n_certs > 0) {
		hs->cv_client = true;
		rc = tern_hs_transcript_hash(hs, th);
		if (rc == 0)
			rc = tern_hs_sign(hs, hs->chain->key, hs->client_sigalg, th, sig, &sig_len);
		hs->cv_client = false;
		if (rc != 0)
			goto out;
		rc = -TERN_EINTERNAL;
		cv.sigalg = hs->client_sigalg;
		cv.signature.p = sig;
		cv.signature.len = (uint32_t)sig_len;
		mark = w.off;
		if (!tern_hs_certificate_verify_write(&w, &cv) ||
		    tern_hs_transcript_add(hs, buf + mark, w.off - mark) != 0)
			goto out;
	}
	rc = tern_hs_send(hs, TERN_HS_LEVEL_HANDSHAKE, buf, w.off);
out:
	free(buf);
	if (rc == -TERN_EINTERNAL)
		return HS_INTERNAL(hs, "client certificate");
	return rc;
}

int
tern_hs_client_recv_certificate_verify(struct tern_hs *hs, struct tern_rcursor *body,
				       const uint8_t *msg, size_t len)
{
	struct tern_hs_certificate_verify cv;
	enum tern_tls_alert a = tern_hs_certificate_verify_parse(body, &cv);
	uint8_t th[TERN_HASH_MAX_LEN];
	unsigned i;
	int rc;

	if (a != TERN_TLS_ALERT_NONE)
		return HS_FAIL(hs, a, "malformed CertificateVerify");
	for (i = 0; i < tern_hs_client_sigalgs_n; i++)
		if (tern_hs_client_sigalgs[i] == cv.sigalg)
			break;
	/* Must be one we offered and fit the certificate's key (4.4.3). */
	if (i == tern_hs_client_sigalgs_n || !tern_hs_sigalg_fits_key(cv.sigalg, hs->peer_key))
		return HS_FAIL(hs, TERN_TLS_ALERT_ILLEGAL_PARAMETER,
			       "signature scheme 0x%04x not offered or not for this key",
			       cv.sigalg);
	rc = tern_hs_transcript_hash(hs, th);
	if (rc != 0)
		return rc;
	if (!tern_hs_verify(hs, hs->peer_key, cv.sigalg, th, cv.signature.p, cv.signature.len))
		return HS_FAIL(hs, TERN_TLS_ALERT_DECRYPT_ERROR,
			       "server CertificateVerify signature is invalid");
	hs->sigalg = cv.sigalg;
	hs->state = TERN_HS_ST_CLIENT_WAIT_FINISHED;
	return tern_hs_transcript_add(hs, msg, len);
}

int
tern_hs_client_recv_finished(struct tern_hs *hs, struct tern_rcursor *body, const uint8_t *msg,
			     size_t len)
{
	uint8_t mac[TERN_HASH_MAX_LEN], out[TERN_HS_HEADER_LEN + TERN_HASH_MAX_LEN];
	size_t hl = hs->suite->hash_len;
	struct tern_hs_finished fin;
	enum tern_tls_alert a = tern_hs_finished_parse(body, hl, &fin);
	struct tern_wcursor w;
	int rc;

	if (a != TERN_TLS_ALERT_NONE)
		return HS_FAIL(hs, a, "malformed Finished");
	rc = tern_hs_finished_mac(hs, hs->s_hs, mac);
	if (rc != 0)
		return rc;
	if (CRYPTO_memcmp(mac, fin.verify_data.p, hl) != 0)
		return HS_FAIL(hs, TERN_TLS_ALERT_DECRYPT_ERROR, "server Finished does not verify");
	rc = tern_hs_transcript_add(hs, msg, len);
	if (rc == 0)
		rc = tern_hs_derive_app_secrets(hs);
	if (rc == 0)
		rc = tern_hs_emit_secret(hs, TERN_HS_LEVEL_APPLICATION, TERN_HS_READ, hs->s_ap);
	if (rc == 0 && hs->early_state == TERN_HS_EARLY_ACCEPTED && !hs->quic) {
		/* EndOfEarlyData under the early key, then the handshake key (4.5). */
		static const uint8_t eoed[TERN_HS_HEADER_LEN] = {TERN_HS_END_OF_EARLY_DATA, 0, 0,
								 0};

		rc = tern_hs_transcript_add(hs, eoed, sizeof(eoed));
		if (rc == 0)
			rc = tern_hs_send(hs, TERN_HS_LEVEL_EARLY, eoed, sizeof(eoed));
		if (rc == 0)
			rc = tern_hs_emit_secret(hs, TERN_HS_LEVEL_HANDSHAKE, TERN_HS_WRITE,
						 hs->c_hs);
	}
	if (rc == 0 && hs->cert_requested)
		rc = send_client_auth(hs);
	if (rc == 0)
		rc = tern_hs_finished_mac(hs, hs->c_hs, mac);
	if (rc != 0)
		return rc;
	fin.verify_data.p = mac;
	fin.verify_data.len = (uint32_t)hl;
	tern_wcursor_init(&w, out, sizeof(out));
	if (!tern_hs_finished_write(&w, &fin))
		return HS_INTERNAL(hs, "Finished");
	rc = tern_hs_transcript_add(hs, out, w.off);
	if (rc == 0)
		rc = tern_hs_derive_res_master(hs);
	if (rc == 0)
		rc = tern_hs_send(hs, TERN_HS_LEVEL_HANDSHAKE, out, w.off);
	OPENSSL_cleanse(hs->c_hs, sizeof(hs->c_hs));
	OPENSSL_cleanse(hs->s_hs, sizeof(hs->s_hs));
	if (rc == 0)
		rc = tern_hs_emit_secret(hs, TERN_HS_LEVEL_APPLICATION, TERN_HS_WRITE, hs->c_ap);
	if (rc != 0)
		return rc;
	hs->state = TERN_HS_ST_CLIENT_CONNECTED;
	if (hs->cb.on_complete != NULL)
		hs->cb.on_complete(hs->user);
	return 0;
}

int
tern_hs_client_recv_new_session_ticket(struct tern_hs *hs, struct tern_rcursor *body,
				       const uint8_t *msg, size_t len)
{
	struct tern_hs_new_session_ticket nst;
	enum tern_tls_alert a = tern_hs_new_session_ticket_parse(body, &nst);
	size_t hl = hs->suite->hash_len, cap;
	struct tern_hs_resume st;
	struct tern_wcursor w;
	uint8_t *buf;
	int rc;

	(void)msg;
	(void)len;
	if (a != TERN_TLS_ALERT_NONE)
		return HS_FAIL(hs, a, "malformed NewSessionTicket");
	/* Lifetime 0: "discard the ticket immediately" (4.6.1). */
	/* QUIC bounds 0-RTT by flow control instead (RFC 9001 4.6.1). */
	if (hs->quic && (nst.exts.present & TERN_HS_EXT_BIT(TERN_HS_EXT_EARLY_DATA)) &&
	    nst.exts.max_early_data != 0xffffffffu)
		return HS_FAIL(hs, TERN_TLS_ALERT_ILLEGAL_PARAMETER,
			       "QUIC ticket with max_early_data_size other than 0xffffffff");
	if (hs->cb.on_session == NULL || nst.lifetime == 0)
		return 0;
	memset(&st, 0, sizeof(st));
	st.suite = hs->suite->id;
	st.psk_len = (uint8_t)hl;
	/* PSK = HKDF-Expand-Label(resumption_master_secret, "resumption", nonce) (4.6.1). */
	if (tern_hkdf_expand_label(hs->suite->hash, hs->res_master, hl, "resumption", nst.nonce.p,
				   nst.nonce.len, st.psk, hl) != 0)
		return HS_INTERNAL(hs, "ticket PSK");
	st.age_add = nst.age_add;
	st.lifetime = nst.lifetime;
	if (nst.exts.present & TERN_HS_EXT_BIT(TERN_HS_EXT_EARLY_DATA))
		st.max_early_data = nst.exts.max_early_data;
	st.time_ms = tern_hs_now_ms(hs->cfg);
	memcpy(st.alpn, hs->alpn, hs->alpn_len);
	st.alpn_len = hs->alpn_len;
	if (hs->has_server_name) {
		st.sni_len = (uint8_t)strlen(hs->server_name);
		memcpy(st.sni, hs->server_name, st.sni_len);
	}
	st.opaque = nst.ticket;
	cap = sizeof(st) + nst.ticket.len + 64;
	buf = malloc(cap);
	if (buf == NULL) {
		OPENSSL_cleanse(&st, sizeof(st));
		return tern_hs_fail(hs, -TERN_ENOMEM, TERN_TLS_ALERT_INTERNAL_ERROR, "no memory");
	}
	tern_wcursor_init(&w, buf, cap);
	rc = tern_hs_resume_write(&w, &st) ? 0 : HS_INTERNAL(hs, "session");
	if (rc == 0)
		hs->cb.on_session(hs->user, buf, w.off);
	OPENSSL_cleanse(buf, cap);
	OPENSSL_cleanse(&st, sizeof(st));
	free(buf);
	return rc;
}

int
tern_hs_recv_key_update(struct tern_hs *hs, struct tern_rcursor *body, const uint8_t *msg,
			size_t len)
{
	bool server = hs->role == TERN_TLS_SERVER;
	uint8_t *rd = server ? hs->c_ap : hs->s_ap, *wr = server ? hs->s_ap : hs->c_ap;
	uint8_t out[TERN_HS_HEADER_LEN + 1];
	struct tern_hs_key_update ku;
	enum tern_tls_alert a = tern_hs_key_update_parse(body, &ku);
	struct tern_wcursor w;
	int rc;

	(void)msg;
	(void)len;
	if (a != TERN_TLS_ALERT_NONE)
		return HS_FAIL(hs, a, "malformed KeyUpdate");
	rc = tern_hs_next_app_secret(hs, rd);
	if (rc == 0)
		rc = tern_hs_emit_secret(hs, TERN_HS_LEVEL_APPLICATION, TERN_HS_READ, rd);
	if (rc != 0 || ku.request_update == 0)
		return rc;
	/* update_requested: answer with update_not_requested under the old key (4.6.3). */
	ku.request_update = 0;
	tern_wcursor_init(&w, out, sizeof(out));
	if (!tern_hs_key_update_write(&w, &ku))
		return HS_INTERNAL(hs, "KeyUpdate");
	rc = tern_hs_send(hs, TERN_HS_LEVEL_APPLICATION, out, w.off);
	if (rc == 0)
		rc = tern_hs_next_app_secret(hs, wr);
	if (rc == 0)
		rc = tern_hs_emit_secret(hs, TERN_HS_LEVEL_APPLICATION, TERN_HS_WRITE, wr);
	return rc;
}
