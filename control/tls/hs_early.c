/* SPDX-License-Identifier: Apache-2.0 */
/*
 * 0-RTT (RFC 8446 2.3, 4.2.10, 4.5, 8): the client_early_traffic_secret,
 * the server's acceptance rules, EndOfEarlyData, and anti-replay.
 *
 * Anti-replay is a bounded strike register (RFC 8446 8.2 in spirit, keyed by
 * the ticket rather than the ClientHello): the first 0-RTT use of a ticket
 * records SHA-256(ticket)[0..16) until the ticket expires; any later 0-RTT
 * attempt with that ticket is rejected (the handshake itself still resumes
 * in 1-RTT, which replays cannot abuse). On top, the client's view of the
 * ticket age must match the server's within TERN_HS_EARLY_AGE_WINDOW_MS
 * (8.3). The register is an open-addressed table of a fixed capacity per
 * server configuration, guarded by a mutex (handshakes run on the control
 * plane, never on data-plane cores); expired entries are reused; when a
 * probe window holds no free slot, 0-RTT is rejected (fail closed). It is
 * per process: servers sharing a ticket key do not share it, so a ticket
 * replayed to another server of the group would be accepted there once.
 */

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "hs_internal.h"

#define STRIKE_PROBES 16

struct tern_hs_strike {
	uint8_t id[16];
	uint64_t expiry_ms; /* 0: free */
};

struct tern_hs_strikes {
	pthread_mutex_t mu;
	uint32_t cap;
	struct tern_hs_strike slot[];
};

int
tern_hs_strikes_new(struct tern_tls_config *cfg, uint32_t capacity)
{
	struct tern_hs_strikes *s;

	s = calloc(1, sizeof(*s) + (size_t)capacity * sizeof(s->slot[0]));
	if (s == NULL)
		return -TERN_ENOMEM;
	if (pthread_mutex_init(&s->mu, NULL) != 0) {
		free(s);
		return -TERN_EINTERNAL;
	}
	s->cap = capacity;
	tern_hs_strikes_free(cfg);
	cfg->strikes = s;
	return 0;
}

void
tern_hs_strikes_free(struct tern_tls_config *cfg)
{
	if (cfg->strikes == NULL)
		return;
	pthread_mutex_destroy(&cfg->strikes->mu);
	free(cfg->strikes);
	cfg->strikes = NULL;
}

/* Record id until expiry; false if it is already there or there is no room. */
static bool
strike(struct tern_hs_strikes *s, const uint8_t id[16], uint64_t now, uint64_t expiry)
{
	uint32_t h, i, free_at = UINT32_MAX;
	bool ok = false;

	memcpy(&h, id, sizeof(h));
	pthread_mutex_lock(&s->mu);
	for (i = 0; i < STRIKE_PROBES && i < s->cap; i++) {
		struct tern_hs_strike *e = &s->slot[(h + i) % s->cap];

		if (e->expiry_ms > now && memcmp(e->id, id, 16) == 0)
			goto out; /* replay */
		if (e->expiry_ms <= now && free_at == UINT32_MAX)
			free_at = (h + i) % s->cap;
	}
	if (free_at != UINT32_MAX) {
		memcpy(s->slot[free_at].id, id, 16);
		s->slot[free_at].expiry_ms = expiry;
		ok = true;
	}
out:
	pthread_mutex_unlock(&s->mu);
	return ok;
}

bool
tern_hs_early_acceptable(struct tern_hs *hs, const struct tern_hs_resume *st,
			 uint32_t obfuscated_age, const uint8_t *identity, size_t id_len)
{
	const struct tern_tls_config *cfg = hs->cfg;
	uint64_t now = tern_hs_now_ms(cfg), server_age;
	uint32_t client_age = obfuscated_age - st->age_add; /* mod 2^32 (4.2.11.1) */
	uint8_t digest[32];

	if (cfg->max_early_data == 0 || cfg->reject_early_data || st->max_early_data == 0 ||
	    cfg->strikes == NULL)
		return false;
	/* Same ALPN as the session's (4.2.10); the suite is the ticket's already. */
	if (st->alpn_len != hs->alpn_len || memcmp(st->alpn, hs->alpn, st->alpn_len) != 0)
		return false;
	/* The ticket's age as the client sees it must match ours (8.3). */
	server_age = now - st->time_ms;
	if (server_age > (uint64_t)client_age + TERN_HS_EARLY_AGE_WINDOW_MS ||
	    (uint64_t)client_age > server_age + TERN_HS_EARLY_AGE_WINDOW_MS)
		return false;
	if (EVP_Digest(identity, id_len, digest, NULL, EVP_sha256(), NULL) != 1)
		return false;
	return strike(cfg->strikes, digest, now, st->time_ms + (uint64_t)st->lifetime * 1000u);
}

int
tern_hs_early_secret(struct tern_hs *hs, const struct tern_tls13_suite *suite,
		     enum tern_hs_direction dir, const uint8_t *ch, size_t ch_len)
{
	static const char hex[] = "0123456789abcdef";
	char line[32 + 2 * TERN_HS_RANDOM_LEN + 2 * TERN_HASH_MAX_LEN + 4];
	uint8_t early[TERN_HASH_MAX_LEN], th[TERN_HASH_MAX_LEN];
	size_t hl = suite->hash_len, i, off;
	int rc;

	rc = tern_hs_truncated_hash(hs, suite, ch, ch_len, th);
	if (rc != 0)
		return rc;
	/* client_early_traffic_secret = Derive-Secret(Early Secret, "c e traffic", CH) (7.1). */
	if (tern_hkdf_extract(suite->hash, NULL, 0, hs->psk, hl, early) != 0 ||
	    tern_derive_secret(suite->hash, early, hl, "c e traffic", th, hs->c_early) != 0 ||
	    tern_derive_secret(suite->hash, early, hl, "e exp master", th, hs->early_exp) != 0) {
		OPENSSL_cleanse(early, sizeof(early));
		return HS_INTERNAL(hs, "early secret");
	}
	OPENSSL_cleanse(early, sizeof(early));
	hs->early_suite = suite;
	if (hs->cb.keylog != NULL) {
		off = (size_t)snprintf(line, sizeof(line), "CLIENT_EARLY_TRAFFIC_SECRET ");
		for (i = 0; i < TERN_HS_RANDOM_LEN; i++) {
			line[off++] = hex[hs->random[i] >> 4];
			line[off++] = hex[hs->random[i] & 15];
		}
		line[off++] = ' ';
		for (i = 0; i < hl; i++) {
			line[off++] = hex[hs->c_early[i] >> 4];
			line[off++] = hex[hs->c_early[i] & 15];
		}
		line[off] = '\0';
		hs->cb.keylog(hs->user, line);
		OPENSSL_cleanse(line, sizeof(line));
	}
	rc = hs->cb.on_secret(hs->user, TERN_HS_LEVEL_EARLY, dir, suite, hs->c_early, hl);
	OPENSSL_cleanse(hs->c_early, sizeof(hs->c_early));
	return rc == 0 ? 0 : HS_INTERNAL(hs, "secret callback failed");
}

int
tern_hs_server_recv_end_of_early_data(struct tern_hs *hs, struct tern_rcursor *body,
				      const uint8_t *msg, size_t len)
{
	int rc;

	if (tern_rcursor_left(body) != 0)
		return HS_FAIL(hs, TERN_TLS_ALERT_DECODE_ERROR, "malformed EndOfEarlyData");
	rc = tern_hs_transcript_add(hs, msg, len);
	/* Early data is over: now read with the handshake key (4.5). */
	if (rc == 0)
		rc = tern_hs_emit_secret(hs, TERN_HS_LEVEL_HANDSHAKE, TERN_HS_READ, hs->c_hs);
	if (rc == 0)
		hs->state = hs->cert_requested ? TERN_HS_ST_SERVER_WAIT_CERT
					       : TERN_HS_ST_SERVER_WAIT_FINISHED;
	return rc;
}

/* --- public ----------------------------------------------------------------- */

enum tern_hs_early_data
tern_hs_early_data_state(const struct tern_hs *hs)
{
	return (enum tern_hs_early_data)hs->early_state;
}

bool
tern_hs_is_early_data_accepted(const struct tern_hs *hs)
{
	return hs->early_state == TERN_HS_EARLY_ACCEPTED;
}

uint32_t
tern_hs_max_early_data(const struct tern_hs *hs)
{
	return hs->early_state == TERN_HS_EARLY_OFFERED || hs->early_state == TERN_HS_EARLY_ACCEPTED
		       ? hs->early_max
		       : 0;
}

uint32_t
tern_hs_early_skip_limit(const struct tern_hs *hs)
{
	if (hs->cfg->role != TERN_TLS_SERVER)
		return 0;
	return hs->cfg->max_early_data != 0 ? hs->cfg->max_early_data : 16384u;
}

bool
tern_hs_middlebox_compat(const struct tern_hs *hs)
{
	return hs->session_id_len != 0;
}

int
tern_tls_config_set_max_early_data(struct tern_tls_config *cfg, uint32_t max)
{
	if (cfg == NULL || cfg->role != TERN_TLS_SERVER)
		return -TERN_EINVAL;
	if (max != 0 && cfg->strikes == NULL) {
		int rc = tern_hs_strikes_new(cfg, TERN_TLS_ANTI_REPLAY_DEFAULT);

		if (rc != 0)
			return rc;
	}
	cfg->max_early_data = max;
	return 0;
}

int
tern_tls_config_set_reject_early_data(struct tern_tls_config *cfg, bool reject)
{
	if (cfg == NULL || cfg->role != TERN_TLS_SERVER)
		return -TERN_EINVAL;
	cfg->reject_early_data = reject;
	return 0;
}

int
tern_tls_config_set_anti_replay_capacity(struct tern_tls_config *cfg, uint32_t capacity)
{
	if (cfg == NULL || cfg->role != TERN_TLS_SERVER)
		return -TERN_EINVAL;
	if (capacity == 0 || capacity > (1u << 24))
		return -TERN_ERANGE;
	return tern_hs_strikes_new(cfg, capacity);
}

int
tern_tls_config_set_early_data(struct tern_tls_config *cfg, bool enable)
{
	if (cfg == NULL || cfg->role != TERN_TLS_CLIENT)
		return -TERN_EINVAL;
	cfg->client_early_data = enable;
	return 0;
}

int
tern_hs_export_early_keying_material(const struct tern_hs *hs, const char *label,
				     const uint8_t *context, size_t context_len, uint8_t *out,
				     size_t len)
{
	uint8_t empty[TERN_HASH_MAX_LEN], ch[TERN_HASH_MAX_LEN], sec[TERN_HASH_MAX_LEN];
	const struct tern_tls13_suite *suite = hs != NULL ? hs->early_suite : NULL;
	const EVP_MD *md;
	int rc;

	if (suite == NULL || label == NULL || out == NULL || len == 0 ||
	    (context == NULL && context_len != 0) || hs->error != 0)
		return -TERN_EINVAL;
	md = suite->hash == TERN_HASH_SHA384 ? EVP_sha384() : EVP_sha256();
	/* TLS-Exporter over early_exporter_master_secret (7.5). */
	if (EVP_Digest("", 0, empty, NULL, md, NULL) != 1 ||
	    EVP_Digest(context != NULL ? context : (const uint8_t *)"", context_len, ch, NULL, md,
		       NULL) != 1)
		return -TERN_EINTERNAL;
	rc = tern_derive_secret(suite->hash, hs->early_exp, suite->hash_len, label, empty, sec);
	if (rc == 0)
		rc = tern_hkdf_expand_label(suite->hash, sec, suite->hash_len, "exporter", ch,
					    suite->hash_len, out, len);
	OPENSSL_cleanse(sec, sizeof(sec));
	return rc;
}
