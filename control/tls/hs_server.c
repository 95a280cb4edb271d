/* SPDX-License-Identifier: Apache-2.0 */
/* Server handlers of the state table (RFC 8446 2, 4). */

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "hs_internal.h"

/* The first of our suites the client offers (server preference). */
static uint16_t
choose_suite(const struct tern_hs *hs, const struct tern_hs_client_hello *ch)
{
	unsigned i, j;

	for (i = 0; i < hs->cfg->n_suites; i++)
		for (j = 0; j < ch->n_suites; j++)
			if (hs->cfg->suites[i] == ch->suites[j])
				return hs->cfg->suites[i];
	return 0;
}

static bool
in_list(const uint16_t *v, unsigned n, uint16_t x)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

static enum tern_tls_alert
choose_alpn(struct tern_hs *hs, const struct tern_hs_exts *e)
{
	unsigned i, j;

	if (!(e->present & TERN_HS_EXT_BIT(TERN_HS_EXT_ALPN)) || hs->cfg->n_alpn == 0)
		return TERN_TLS_ALERT_NONE;
	for (i = 0; i < hs->cfg->n_alpn; i++)
		for (j = 0; j < e->n_alpn; j++)
			if (e->alpn[j].len == hs->cfg->alpn_len[i] &&
			    memcmp(e->alpn[j].p, hs->cfg->alpn[i], e->alpn[j].len) == 0) {
				memcpy(hs->alpn, hs->cfg->alpn[i], hs->cfg->alpn_len[i]);
				hs->alpn_len = hs->cfg->alpn_len[i];
				return TERN_TLS_ALERT_NONE;
			}
	/* RFC 7301 3.2. */
	return TERN_TLS_ALERT_NO_APPLICATION_PROTOCOL;
}

/* What QUIC adds to a ClientHello's rules (RFC 9001 8.1, 8.2, 8.4). */
static int
quic_client_hello_checks(struct tern_hs *hs, const struct tern_hs_client_hello *ch)
{
	if (hs->alpn_len == 0)
		return HS_FAIL(hs, TERN_TLS_ALERT_NO_APPLICATION_PROTOCOL,
			       "QUIC ClientHello without a common ALPN protocol");
	/* 8.4 says PROTOCOL_VIOLATION; TLS can only name an alert. */
	if (ch->session_id_len != 0)
		return HS_FAIL(hs, TERN_TLS_ALERT_ILLEGAL_PARAMETER,
			       "QUIC ClientHello with a legacy_session_id");
	if (!(ch->exts.present & TERN_HS_EXT_BIT(TERN_HS_EXT_QUIC_TRANSPORT_PARAMETERS)))
		return HS_FAIL(hs, TERN_TLS_ALERT_MISSING_EXTENSION,
			       "QUIC ClientHello without quic_transport_parameters");
	return tern_hs_store_peer_quic_tp(hs, &ch->exts);
}

/*
 * Find the first offered ticket we can use: it decrypts under a current
 * ticket key, is within its lifetime, names a suite we and the client
 * support (after HRR: the suite already chosen) and the same SNI. Tickets
 * that fail any check are ignored, not fatal: the handshake goes on in full
 * (4.2.11 lets the server decline any PSK). Returns the identity's index or
 * -1; st receives its state.
 */
static int
find_psk(struct tern_hs *hs, const struct tern_hs_client_hello *ch, struct tern_hs_resume *st,
	 uint8_t *plain, size_t plain_cap)
{
	const struct tern_hs_exts *e = &ch->exts;
	uint64_t now = tern_hs_now_ms(hs->cfg);
	struct tern_rcursor r;
	size_t n;
	unsigned i;

	for (i = 0; i < e->n_psk_ids && i < TERN_HS_MAX_PSKS; i++) {
		const struct tern_hs_view *t = &e->psk_ids[i].identity;

		if (t->len > plain_cap + TERN_HS_TICKET_OVERHEAD ||
		    tern_hs_ticket_open(hs->cfg, now, t->p, t->len, plain, &n) != 0)
			continue;
		tern_rcursor_init(&r, plain, n);
		if (!tern_hs_resume_read(&r, st) || now < st->time_ms ||
		    now - st->time_ms > (uint64_t)st->lifetime * 1000u)
			continue;
		if (hs->suite != NULL ? st->suite != hs->suite->id
				      : !in_list(hs->cfg->suites, hs->cfg->n_suites, st->suite) ||
						!in_list(ch->suites, ch->n_suites, st->suite))
			continue;
		if ((e->present & TERN_HS_EXT_BIT(TERN_HS_EXT_SERVER_NAME))
			    ? e->server_name.len != st->sni_len ||
				      memcmp(e->server_name.p, st->sni, st->sni_len) != 0
			    : st->sni_len != 0)
			continue;
		return (int)i;
	}
	return -1;
}

/* Check the binder of the chosen identity (4.2.11.2); a bad one is fatal. */
static int
accept_psk(struct tern_hs *hs, const struct tern_hs_client_hello *ch, int idx,
	   const struct tern_hs_resume *st, const uint8_t *msg, size_t len)
{
	const struct tern_hs_view *b = &ch->exts.psk_binders[idx];
	size_t hl = hs->suite->hash_len;
	uint8_t th[TERN_HASH_MAX_LEN], mac[TERN_HASH_MAX_LEN];
	int rc;

	if (ch->exts.psk_binders_len >= len)
		return HS_FAIL(hs, TERN_TLS_ALERT_DECODE_ERROR, "malformed pre_shared_key");
	rc = tern_hs_truncated_hash(hs, hs->suite, msg, len - ch->exts.psk_binders_len, th);
	if (rc == 0)
		rc = tern_hs_psk_binder(hs, hs->suite, st->psk, th, mac);
	if (rc != 0)
		return rc;
	if (b->len != hl || CRYPTO_memcmp(mac, b->p, hl) != 0) {
		OPENSSL_cleanse(mac, sizeof(mac));
		return HS_FAIL(hs, TERN_TLS_ALERT_DECRYPT_ERROR, "PSK binder does not verify");
	}
	OPENSSL_cleanse(mac, sizeof(mac));
	hs->resumed = true;
	hs->psk_selected = (uint16_t)idx;
	hs->psk_len = st->psk_len;
	memcpy(hs->psk, st->psk, st->psk_len);
	hs->got_res_data_len = (uint16_t)st->opaque.len;
	memcpy(hs->got_res_data, st->opaque.p, st->opaque.len);
	return 0;
}

static int
send_hello_retry_request(struct tern_hs *hs, uint16_t group, const uint8_t *ch, size_t ch_len)
{
	struct tern_hs_server_hello hrr;
	struct tern_wcursor w;
	uint8_t out[256];
	int rc;

	memset(&hrr, 0, sizeof(hrr));
	hrr.legacy_version = TERN_TLS12_VERSION;
	hrr.is_hrr = true;
	memcpy(hrr.session_id, hs->session_id, hs->session_id_len);
	hrr.session_id_len = hs->session_id_len;
	hrr.suite = hs->suite->id;
	hrr.exts.present = TERN_HS_EXT_BIT(TERN_HS_EXT_SUPPORTED_VERSIONS) |
			   TERN_HS_EXT_BIT(TERN_HS_EXT_KEY_SHARE) |
			   TERN_HS_EXT_BIT(TERN_HS_EXT_COOKIE);
	hrr.exts.versions[0] = TERN_TLS13_VERSION;
	hrr.exts.n_versions = 1;
	hrr.exts.hrr_group = group;
	/*
	 * A random cookie the second ClientHello must echo (4.2.2). The state is
	 * kept here, so it carries nothing; it checks the client retried this
	 * very HRR and is the hook for a stateless server later.
	 */
	hs->cookie_len = 32;
	if (RAND_bytes(hs->cookie, hs->cookie_len) != 1)
		return HS_INTERNAL(hs, "random");
	hrr.exts.cookie.p = hs->cookie;
	hrr.exts.cookie.len = hs->cookie_len;
	tern_wcursor_init(&w, out, sizeof(out));
	if (!tern_hs_server_hello_write(&w, &hrr))
		return HS_INTERNAL(hs, "HelloRetryRequest");
	hs->hrr = true;
	hs->group = group;
	rc = tern_hs_transcript_add(hs, ch, ch_len);
	if (rc == 0)
		rc = tern_hs_transcript_hrr_restart(hs);
	if (rc == 0)
		rc = tern_hs_transcript_add(hs, out, w.off);
	if (rc == 0)
		rc = tern_hs_send(hs, TERN_HS_LEVEL_INITIAL, out, w.off);
	if (rc == 0)
		hs->state = TERN_HS_ST_SERVER_WAIT_CH2;
	return rc;
}

/* EncryptedExtensions, Certificate, CertificateVerify, Finished. */
static int
send_server_flight(struct tern_hs *hs, const struct tern_hs_exts *chx)
{
	const struct tern_tls_config *cfg = hs->cfg;
	struct tern_hs_encrypted_extensions ee;
	struct tern_hs_certificate ct;
	struct tern_hs_certificate_verify cv;
	struct tern_hs_finished fin;
	uint8_t th[TERN_HASH_MAX_LEN], sig[1024], mac[TERN_HASH_MAX_LEN], *buf;
	size_t cap = 4096, sig_len = sizeof(sig), mark;
	struct tern_wcursor w;
	unsigned i;
	int rc;

	memset(&ee, 0, sizeof(ee));
	if (hs->alpn_len != 0) {
		ee.exts.present |= TERN_HS_EXT_BIT(TERN_HS_EXT_ALPN);
		ee.exts.alpn[0].p = hs->alpn;
		ee.exts.alpn[0].len = hs->alpn_len;
		ee.exts.n_alpn = 1;
	}
	if (hs->has_server_name)
		ee.exts.present |= TERN_HS_EXT_BIT(TERN_HS_EXT_SERVER_NAME);
	if (hs->early_state == TERN_HS_EARLY_ACCEPTED)
		ee.exts.present |= TERN_HS_EXT_BIT(TERN_HS_EXT_EARLY_DATA);
	if (hs->quic) {
		ee.exts.present |= TERN_HS_EXT_BIT(TERN_HS_EXT_QUIC_TRANSPORT_PARAMETERS);
		ee.exts.quic_tp.p = hs->quic_tp;
		ee.exts.quic_tp.len = (uint32_t)hs->quic_tp_len;
	}
	if ((chx->present & TERN_HS_EXT_BIT(TERN_HS_EXT_RECORD_SIZE_LIMIT)) &&
	    cfg->record_size_limit != 0) {
		ee.exts.present |= TERN_HS_EXT_BIT(TERN_HS_EXT_RECORD_SIZE_LIMIT);
		ee.exts.record_size_limit = cfg->record_size_limit;
	}
	memset(&ct, 0, sizeof(ct));
	for (i = 0; hs->chain != NULL && !hs->resumed && i < hs->chain->n; i++) {
		ct.certs[i].p = hs->chain->der[i];
		ct.certs[i].len = hs->chain->der_len[i];
		cap += hs->chain->der_len[i] + 16;
	}
	ct.n_certs = hs->chain != NULL && !hs->resumed ? hs->chain->n : 0;
	buf = malloc(cap);
	if (buf == NULL)
		return tern_hs_fail(hs, -TERN_ENOMEM, TERN_TLS_ALERT_INTERNAL_ERROR, "no memory");
	tern_wcursor_init(&w, buf, cap);
	rc = -TERN_EINTERNAL;
	if (!tern_hs_encrypted_extensions_write(&w, &ee) ||
	    tern_hs_transcript_add(hs, buf, w.off) != 0)
		goto out;
	/* A resumed handshake authenticates by the PSK: no Certificate (2.2). */
	if (hs->resumed)
		goto finished;
	if (cfg->client_auth != TERN_TLS_CLIENT_AUTH_NONE) {
		struct tern_hs_certificate_request cr;

		/* Empty context during the handshake; the schemes we verify (4.3.2). */
		memset(&cr, 0, sizeof(cr));
		cr.exts.present = TERN_HS_EXT_BIT(TERN_HS_EXT_SIGNATURE_ALGORITHMS);
		memcpy(cr.exts.sigalgs, tern_hs_client_sigalgs,
		       tern_hs_client_sigalgs_n * sizeof(uint16_t));
		cr.exts.n_sigalgs = (uint8_t)tern_hs_client_sigalgs_n;
		mark = w.off;
		if (!tern_hs_certificate_request_write(&w, &cr) ||
		    tern_hs_transcript_add(hs, buf + mark, w.off - mark) != 0)
			goto out;
		hs->cert_requested = true;
	}
	mark = w.off;
	if (!tern_hs_certificate_write(&w, &ct) ||
	    tern_hs_transcript_add(hs, buf + mark, w.off - mark) != 0 ||
	    tern_hs_transcript_hash(hs, th) != 0 ||
	    tern_hs_sign(hs, hs->chain->key, hs->sigalg, th, sig, &sig_len) != 0)
		goto out;
	cv.sigalg = hs->sigalg;
	cv.signature.p = sig;
	cv.signature.len = (uint32_t)sig_len;
	mark = w.off;
	if (!tern_hs_certificate_verify_write(&w, &cv) ||
	    tern_hs_transcript_add(hs, buf + mark, w.off - mark) != 0)
		goto out;
finished:
	if (tern_hs_finished_mac(hs, hs->s_hs, mac) != 0)
		goto out;
	fin.verify_data.p = mac;
	fin.verify_data.len = (uint32_t)hs->suite->hash_len;
	mark = w.off;
	if (!tern_hs_finished_write(&w, &fin) ||
	    tern_hs_transcript_add(hs, buf + mark, w.off - mark) != 0)
		goto out;
	rc = tern_hs_send(hs, TERN_HS_LEVEL_HANDSHAKE, buf, w.off);
out:
	free(buf);
	if (rc == -TERN_EINTERNAL)
		return HS_INTERNAL(hs, "server flight");
	return rc;
}

static int
send_server_hello(struct tern_hs *hs, const struct tern_hs_client_hello *ch,
		  const struct tern_hs_key_share *share, const uint8_t *msg, size_t len)
{
	struct tern_hs_server_hello sh;
	uint8_t pub[TERN_HS_PUB_MAX], shared[TERN_HS_SHARED_MAX], out[512];
	size_t pub_len, shared_len;
	enum tern_tls_alert a;
	struct tern_wcursor w;
	int rc;

	if (tern_hs_kex_keygen(hs->group, &hs->kex, pub, &pub_len) != 0)
		return HS_INTERNAL(hs, "key share");
	a = tern_hs_kex_derive(hs->group, hs->kex, share->key.p, share->key.len, shared,
			       &shared_len);
	EVP_PKEY_free(hs->kex);
	hs->kex = NULL;
	if (a != TERN_TLS_ALERT_NONE)
		return HS_FAIL(hs, a, "invalid client key share for group 0x%04x", hs->group);
	memset(&sh, 0, sizeof(sh));
	sh.legacy_version = TERN_TLS12_VERSION;
	if (RAND_bytes(sh.random, TERN_HS_RANDOM_LEN) != 1)
		return HS_INTERNAL(hs, "random");
	memcpy(sh.session_id, hs->session_id, hs->session_id_len);
	sh.session_id_len = hs->session_id_len;
	sh.suite = hs->suite->id;
	sh.exts.present = TERN_HS_EXT_BIT(TERN_HS_EXT_SUPPORTED_VERSIONS) |
			  TERN_HS_EXT_BIT(TERN_HS_EXT_KEY_SHARE);
	sh.exts.versions[0] = TERN_TLS13_VERSION;
	sh.exts.n_versions = 1;
	sh.exts.shares[0].group = hs->group;
	sh.exts.shares[0].key.p = pub;
	sh.exts.shares[0].key.len = (uint32_t)pub_len;
	sh.exts.n_shares = 1;
	if (hs->resumed) {
		sh.exts.present |= TERN_HS_EXT_BIT(TERN_HS_EXT_PRE_SHARED_KEY);
		sh.exts.psk_selected = hs->psk_selected;
	}
	tern_wcursor_init(&w, out, sizeof(out));
	rc = tern_hs_server_hello_write(&w, &sh) ? 0 : HS_INTERNAL(hs, "ServerHello");
	if (rc == 0)
		rc = tern_hs_transcript_add(hs, msg, len);
	if (rc == 0)
		rc = tern_hs_transcript_add(hs, out, w.off);
	if (rc == 0)
		rc = tern_hs_derive_handshake_secrets(hs, shared, shared_len);
	OPENSSL_cleanse(shared, sizeof(shared));
	if (rc == 0)
		rc = tern_hs_send(hs, TERN_HS_LEVEL_INITIAL, out, w.off);
	if (rc == 0)
		rc = tern_hs_emit_secret(hs, TERN_HS_LEVEL_HANDSHAKE, TERN_HS_WRITE, hs->s_hs);
	/* With 0-RTT the client writes with the early key until EndOfEarlyData; QUIC has none. */
	if (rc == 0 && (hs->early_state != TERN_HS_EARLY_ACCEPTED || hs->quic))
		rc = tern_hs_emit_secret(hs, TERN_HS_LEVEL_HANDSHAKE, TERN_HS_READ, hs->c_hs);
	if (rc == 0)
		rc = send_server_flight(hs, &ch->exts);
	if (rc == 0)
		rc = tern_hs_derive_app_secrets(hs);
	if (rc == 0)
		rc = tern_hs_emit_secret(hs, TERN_HS_LEVEL_APPLICATION, TERN_HS_WRITE, hs->s_ap);
	if (rc == 0)
		hs->state = hs->early_state == TERN_HS_EARLY_ACCEPTED && !hs->quic
				    ? TERN_HS_ST_SERVER_WAIT_EOED
			    : hs->cert_requested ? TERN_HS_ST_SERVER_WAIT_CERT
						 : TERN_HS_ST_SERVER_WAIT_FINISHED;
	return rc;
}

int
tern_hs_server_recv_client_hello(struct tern_hs *hs, struct tern_rcursor *body, const uint8_t *msg,
				 size_t len)
{
	const struct tern_tls_config *cfg = hs->cfg;
	struct tern_hs_client_hello *ch;
	const struct tern_hs_key_share *share = NULL;
	struct tern_hs_resume st;
	uint8_t plain[4096];
	int psk_idx = -1;
	bool second = hs->state == TERN_HS_ST_SERVER_WAIT_CH2;
	enum tern_tls_alert a;
	uint16_t suite, hrr_group = 0;
	unsigned i, j;
	int rc;

	ch = malloc(sizeof(*ch));
	if (ch == NULL)
		return tern_hs_fail(hs, -TERN_ENOMEM, TERN_TLS_ALERT_INTERNAL_ERROR, "no memory");
	a = tern_hs_client_hello_parse(body, ch);
	if (a != TERN_TLS_ALERT_NONE) {
		rc = HS_FAIL(hs, a, "malformed ClientHello");
		goto out;
	}
	if (!in_list(ch->exts.versions, ch->exts.n_versions, TERN_TLS13_VERSION)) {
		rc = HS_FAIL(hs, TERN_TLS_ALERT_PROTOCOL_VERSION, "client does not offer TLS 1.3");
		goto out;
	}
	/* A PSK without psk_key_exchange_modes is an error (4.2.9). */
	if ((ch->exts.present & TERN_HS_EXT_BIT(TERN_HS_EXT_PRE_SHARED_KEY)) &&
	    !(ch->exts.present & TERN_HS_EXT_BIT(TERN_HS_EXT_PSK_KEY_EXCHANGE_MODES))) {
		rc = HS_FAIL(hs, TERN_TLS_ALERT_MISSING_EXTENSION,
			     "pre_shared_key without psk_key_exchange_modes");
		goto out;
	}
	/* Only psk_dhe_ke is supported: psk_ke alone means a full handshake. */
	if ((ch->exts.present & TERN_HS_EXT_BIT(TERN_HS_EXT_PRE_SHARED_KEY)) &&
	    (ch->exts.psk_modes & (1u << 1)))
		psk_idx = find_psk(hs, ch, &st, plain, sizeof(plain));
	hs->resumed = false;
	/* Every share must be for a group the client lists (4.2.8). */
	for (i = 0; i < ch->exts.n_shares; i++)
		if (!in_list(ch->exts.groups, ch->exts.n_groups, ch->exts.shares[i].group)) {
			rc = HS_FAIL(hs, TERN_TLS_ALERT_ILLEGAL_PARAMETER,
				     "key share for a group not in supported_groups");
			goto out;
		}
	if (second) {
		/* The retried hello repeats the first one but for key_share (4.1.2). */
		if (ch->session_id_len != hs->session_id_len ||
		    memcmp(ch->session_id, hs->session_id, hs->session_id_len) != 0 ||
		    memcmp(ch->random, hs->random, TERN_HS_RANDOM_LEN) != 0 ||
		    !in_list(ch->suites, ch->n_suites, hs->suite->id) || ch->exts.n_shares != 1 ||
		    ch->exts.shares[0].group != hs->group ||
		    !(ch->exts.present & TERN_HS_EXT_BIT(TERN_HS_EXT_COOKIE)) ||
		    ch->exts.cookie.len != hs->cookie_len ||
		    CRYPTO_memcmp(ch->exts.cookie.p, hs->cookie, hs->cookie_len) != 0) {
			rc = HS_FAIL(hs, TERN_TLS_ALERT_ILLEGAL_PARAMETER,
				     "second ClientHello does not follow the HelloRetryRequest");
			goto out;
		}
		share = &ch->exts.shares[0];
		/* No early data after a HelloRetryRequest (4.2.10). */
		if (ch->exts.present & TERN_HS_EXT_BIT(TERN_HS_EXT_EARLY_DATA)) {
			rc = HS_FAIL(hs, TERN_TLS_ALERT_ILLEGAL_PARAMETER,
				     "early_data in the second ClientHello");
			goto out;
		}
		if (psk_idx >= 0 && (rc = accept_psk(hs, ch, psk_idx, &st, msg, len)) != 0)
			goto out;
		/* The PSK of the first hello may be gone: then we need a certificate scheme. */
		if (!hs->resumed && hs->sigalg == 0) {
			rc = HS_FAIL(hs, TERN_TLS_ALERT_HANDSHAKE_FAILURE,
				     "no common signature scheme for our certificate");
			goto out;
		}
	} else {
		memcpy(hs->random, ch->random, TERN_HS_RANDOM_LEN);
		memcpy(hs->session_id, ch->session_id, ch->session_id_len);
		hs->session_id_len = ch->session_id_len;
		/* Resuming fixes the suite to the ticket's (4.2.11). */
		suite = psk_idx >= 0 ? st.suite : choose_suite(hs, ch);
		if (suite == 0) {
			rc = HS_FAIL(hs, TERN_TLS_ALERT_HANDSHAKE_FAILURE,
				     "no common cipher suite");
			goto out;
		}
		rc = tern_hs_transcript_init(hs, tern_tls13_suite_get(suite));
		if (rc != 0)
			goto out;
		if (psk_idx >= 0 && (rc = accept_psk(hs, ch, psk_idx, &st, msg, len)) != 0)
			goto out;
		/* Our group preference; a share the client already sent avoids a round trip. */
		for (i = 0; i < cfg->n_groups && share == NULL; i++)
			for (j = 0; j < ch->exts.n_shares; j++)
				if (ch->exts.shares[j].group == cfg->groups[i]) {
					share = &ch->exts.shares[j];
					hs->group = cfg->groups[i];
					break;
				}
		for (i = 0; i < cfg->n_groups && share == NULL && hrr_group == 0; i++)
			if (in_list(ch->exts.groups, ch->exts.n_groups, cfg->groups[i]))
				hrr_group = cfg->groups[i];
		if (share == NULL && hrr_group == 0) {
			rc = HS_FAIL(hs, TERN_TLS_ALERT_HANDSHAKE_FAILURE, "no common group");
			goto out;
		}
		/* Only a host_name entry sets server_name.p: an extension that
		 * carries other name types alone is ignored (RFC 6066 3). */
		if (ch->exts.server_name.p != NULL) {
			if (memchr(ch->exts.server_name.p, 0, ch->exts.server_name.len) != NULL ||
			    ch->exts.server_name.len >= sizeof(hs->server_name)) {
				rc = HS_FAIL(hs, TERN_TLS_ALERT_ILLEGAL_PARAMETER,
					     "invalid server_name");
				goto out;
			}
			memcpy(hs->server_name, ch->exts.server_name.p, ch->exts.server_name.len);
			hs->server_name[ch->exts.server_name.len] = '\0';
			hs->has_server_name = true;
		}
		/* Certificate by server_name and signature_algorithms (tls_config.h). */
		hs->chain = tern_hs_chain_select(cfg, hs->has_server_name ? hs->server_name : NULL,
						 ch->exts.sigalgs, ch->exts.n_sigalgs, &hs->sigalg);
		if (hs->sigalg == 0 && !hs->resumed) {
			rc = HS_FAIL(hs, TERN_TLS_ALERT_HANDSHAKE_FAILURE,
				     "no common signature scheme for our certificate");
			goto out;
		}
		a = choose_alpn(hs, &ch->exts);
		if (a != TERN_TLS_ALERT_NONE) {
			rc = HS_FAIL(hs, a, "no common ALPN protocol");
			goto out;
		}
		if (hs->quic && (rc = quic_client_hello_checks(hs, ch)) != 0)
			goto out;
		if (ch->exts.present & TERN_HS_EXT_BIT(TERN_HS_EXT_RECORD_SIZE_LIMIT))
			hs->peer_rsl = ch->exts.record_size_limit;
		if (ch->exts.present & TERN_HS_EXT_BIT(TERN_HS_EXT_EARLY_DATA)) {
			/* Only with the first identity and no HelloRetryRequest (4.2.10). */
			hs->early_state = TERN_HS_EARLY_REJECTED;
			if (share != NULL && hs->resumed && hs->psk_selected == 0 &&
			    tern_hs_early_acceptable(hs, &st, ch->exts.psk_ids[0].obfuscated_age,
						     ch->exts.psk_ids[0].identity.p,
						     ch->exts.psk_ids[0].identity.len)) {
				hs->early_state = TERN_HS_EARLY_ACCEPTED;
				hs->early_max = hs->quic ? 0xffffffffu : cfg->max_early_data;
				rc = tern_hs_early_secret(hs, hs->suite, TERN_HS_READ, msg, len);
				if (rc != 0)
					goto out;
			}
		}
		if (share == NULL) {
			rc = send_hello_retry_request(hs, hrr_group, msg, len);
			goto out;
		}
	}
	rc = send_server_hello(hs, ch, share, msg, len);
out:
	OPENSSL_cleanse(&st, sizeof(st));
	OPENSSL_cleanse(plain, sizeof(plain));
	free(ch);
	return rc;
}

int
tern_hs_server_recv_finished(struct tern_hs *hs, struct tern_rcursor *body, const uint8_t *msg,
			     size_t len)
{
	uint8_t mac[TERN_HASH_MAX_LEN];
	size_t hl = hs->suite->hash_len;
	struct tern_hs_finished fin;
	enum tern_tls_alert a = tern_hs_finished_parse(body, hl, &fin);
	int rc;

	if (a != TERN_TLS_ALERT_NONE)
		return HS_FAIL(hs, a, "malformed Finished");
	rc = tern_hs_finished_mac(hs, hs->c_hs, mac);
	if (rc != 0)
		return rc;
	if (CRYPTO_memcmp(mac, fin.verify_data.p, hl) != 0)
		return HS_FAIL(hs, TERN_TLS_ALERT_DECRYPT_ERROR, "client Finished does not verify");
	rc = tern_hs_transcript_add(hs, msg, len);
	OPENSSL_cleanse(hs->c_hs, sizeof(hs->c_hs));
	OPENSSL_cleanse(hs->s_hs, sizeof(hs->s_hs));
	if (rc == 0)
		rc = tern_hs_derive_res_master(hs);
	if (rc == 0)
		rc = tern_hs_emit_secret(hs, TERN_HS_LEVEL_APPLICATION, TERN_HS_READ, hs->c_ap);
	if (rc != 0)
		return rc;
	hs->state = TERN_HS_ST_SERVER_CONNECTED;
	rc = tern_hs_server_send_tickets(hs);
	if (rc != 0)
		return rc;
	if (hs->cb.on_complete != NULL)
		hs->cb.on_complete(hs->user);
	return 0;
}

int
tern_hs_server_send_tickets(struct tern_hs *hs)
{
	const struct tern_tls_config *cfg = hs->cfg;
	size_t hl = hs->suite->hash_len, plain_len, ticket_len;
	uint8_t plain[2048], ticket[2048 + TERN_HS_TICKET_OVERHEAD], nonce[4], out[4096];
	struct tern_hs_new_session_ticket nst;
	struct tern_hs_resume st;
	struct tern_wcursor w;
	unsigned i;
	int rc = 0;

	for (i = 0; i < cfg->n_tickets && rc == 0; i++) {
		uint32_t n = hs->tickets_sent++;

		memset(&st, 0, sizeof(st));
		nonce[0] = (uint8_t)(n >> 24), nonce[1] = (uint8_t)(n >> 16);
		nonce[2] = (uint8_t)(n >> 8), nonce[3] = (uint8_t)n;
		st.suite = hs->suite->id;
		st.psk_len = (uint8_t)hl;
		st.lifetime = cfg->ticket_lifetime;
		st.time_ms = tern_hs_now_ms(cfg);
		memcpy(st.alpn, hs->alpn, hs->alpn_len);
		st.alpn_len = hs->alpn_len;
		if (hs->has_server_name) {
			st.sni_len = (uint8_t)strlen(hs->server_name);
			memcpy(st.sni, hs->server_name, st.sni_len);
		}
		st.opaque.p = hs->res_data;
		st.opaque.len = hs->res_data_len;
		if (cfg->max_early_data > 0 && !cfg->reject_early_data)
			st.max_early_data = hs->quic ? 0xffffffffu : cfg->max_early_data;
		/* The PSK of this ticket (4.6.1); distinct nonces give distinct PSKs. */
		if (RAND_bytes((uint8_t *)&st.age_add, sizeof(st.age_add)) != 1 ||
		    tern_hkdf_expand_label(hs->suite->hash, hs->res_master, hl, "resumption", nonce,
					   sizeof(nonce), st.psk, hl) != 0) {
			rc = HS_INTERNAL(hs, "ticket");
			break;
		}
		tern_wcursor_init(&w, plain, sizeof(plain));
		if (!tern_hs_resume_write(&w, &st) ||
		    tern_hs_ticket_seal(cfg, st.time_ms, plain, w.off, ticket, &ticket_len) != 0) {
			rc = HS_INTERNAL(hs, "ticket seal");
			break;
		}
		plain_len = w.off;
		OPENSSL_cleanse(plain, plain_len);
		memset(&nst, 0, sizeof(nst));
		nst.lifetime = st.lifetime;
		nst.age_add = st.age_add;
		nst.nonce.p = nonce;
		nst.nonce.len = sizeof(nonce);
		nst.ticket.p = ticket;
		nst.ticket.len = (uint32_t)ticket_len;
		if (st.max_early_data > 0) {
			nst.exts.present = TERN_HS_EXT_BIT(TERN_HS_EXT_EARLY_DATA);
			nst.exts.max_early_data = st.max_early_data;
		}
		tern_wcursor_init(&w, out, sizeof(out));
		rc = tern_hs_new_session_ticket_write(&w, &nst)
			     ? 0
			     : HS_INTERNAL(hs, "NewSessionTicket");
		if (rc == 0)
			rc = tern_hs_send(hs, TERN_HS_LEVEL_APPLICATION, out, w.off);
	}
	OPENSSL_cleanse(&st, sizeof(st));
	return rc;
}

int
tern_hs_server_recv_certificate(struct tern_hs *hs, struct tern_rcursor *body, const uint8_t *msg,
				size_t len)
{
	struct tern_hs_certificate ct;
	enum tern_tls_alert a = tern_hs_certificate_parse(body, &ct);
	int rc;

	if (a != TERN_TLS_ALERT_NONE)
		return HS_FAIL(hs, a, "malformed client Certificate");
	/* It echoes our (empty) certificate_request_context (4.4.2). */
	if (ct.context.len != 0)
		return HS_FAIL(hs, TERN_TLS_ALERT_ILLEGAL_PARAMETER,
			       "client Certificate with a foreign request context");
	if (ct.n_certs == 0) {
		/* The client has none: fatal only when required (4.4.2.4). */
		if (hs->cfg->client_auth == TERN_TLS_CLIENT_AUTH_REQUIRED)
			return HS_FAIL(hs, TERN_TLS_ALERT_CERTIFICATE_REQUIRED,
				       "client certificate required but none sent");
		hs->state = TERN_HS_ST_SERVER_WAIT_FINISHED;
		return tern_hs_transcript_add(hs, msg, len);
	}
	rc = tern_hs_cert_check(hs, &ct);
	if (rc != 0)
		return rc;
	hs->state = TERN_HS_ST_SERVER_WAIT_CV;
	return tern_hs_transcript_add(hs, msg, len);
}

int
tern_hs_server_recv_certificate_verify(struct tern_hs *hs, struct tern_rcursor *body,
				       const uint8_t *msg, size_t len)
{
	struct tern_hs_certificate_verify cv;
	enum tern_tls_alert a = tern_hs_certificate_verify_parse(body, &cv);
	uint8_t th[TERN_HASH_MAX_LEN];
	bool ok;
	int rc;

	if (a != TERN_TLS_ALERT_NONE)
		return HS_FAIL(hs, a, "malformed client CertificateVerify");
	/* One of the schemes our CertificateRequest listed, fitting the key (4.4.3). */
	if (!in_list(tern_hs_client_sigalgs, tern_hs_client_sigalgs_n, cv.sigalg) ||
	    !tern_hs_sigalg_fits_key(cv.sigalg, hs->peer_key))
		return HS_FAIL(hs, TERN_TLS_ALERT_ILLEGAL_PARAMETER,
			       "client signature scheme 0x%04x not requested or not for this key",
			       cv.sigalg);
	rc = tern_hs_transcript_hash(hs, th);
	if (rc != 0)
		return rc;
	hs->cv_client = true;
	ok = tern_hs_verify(hs, hs->peer_key, cv.sigalg, th, cv.signature.p, cv.signature.len);
	hs->cv_client = false;
	if (!ok)
		return HS_FAIL(hs, TERN_TLS_ALERT_DECRYPT_ERROR,
			       "client CertificateVerify signature is invalid");
	hs->peer_authed = true;
	hs->state = TERN_HS_ST_SERVER_WAIT_FINISHED;
	return tern_hs_transcript_add(hs, msg, len);
}
