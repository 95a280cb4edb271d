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
	hs->sent_exts = ch.exts.present;

	buf = malloc(cap);
	if (buf == NULL)
		return tern_hs_fail(hs, -TERN_ENOMEM, TERN_TLS_ALERT_INTERNAL_ERROR, "no memory");
	tern_wcursor_init(&w, buf, cap);
	if (!tern_hs_client_hello_write(&w, &ch)) {
		free(buf);
		return HS_INTERNAL(hs, "ClientHello too long");
	}
	if (hs->transcript == NULL) {
		/* The hash is unknown until ServerHello: keep the first ClientHello. */
		free(hs->ch1);
		hs->ch1 = buf;
		hs->ch1_len = w.off;
		rc = tern_hs_send(hs, TERN_HS_LEVEL_INITIAL, buf, w.off);
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

int
tern_hs_client_start(struct tern_hs *hs)
{
	if (RAND_bytes(hs->random, TERN_HS_RANDOM_LEN) != 1)
		return HS_INTERNAL(hs, "random");
	if (hs->cfg->compat) {
		/* Middlebox compatibility mode: a non-empty session id (D.4). */
		hs->session_id_len = TERN_HS_SESSION_ID_MAX;
		if (RAND_bytes(hs->session_id, TERN_HS_SESSION_ID_MAX) != 1)
			return HS_INTERNAL(hs, "random");
	}
	hs->group = hs->cfg->groups[0];
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
	if (rc == 0)
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
			   TERN_HS_EXT_BIT(TERN_HS_EXT_RECORD_SIZE_LIMIT);
	unsigned i;

	if (a != TERN_TLS_ALERT_NONE)
		return HS_FAIL(hs, a, "malformed EncryptedExtensions");
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
	hs->state = TERN_HS_ST_CLIENT_WAIT_CERT;
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

	(void)msg;
	(void)len;
	/* Resumption is not implemented: a well-formed ticket is dropped. */
	if (a != TERN_TLS_ALERT_NONE)
		return HS_FAIL(hs, a, "malformed NewSessionTicket");
	return 0;
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
