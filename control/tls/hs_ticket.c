/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Stateless session tickets (RFC 8446 4.6.1, RFC 5077 4 for the layout):
 *
 *   ticket = key_name[16] || iv[12] || AES-256-GCM(key, iv, state, aad=key_name) || tag[16]
 *
 * The key and its name are HKDF-SHA256 outputs of the configured secret and
 * the epoch number floor(now / rotation): rotating needs no shared mutable
 * state, so one immutable configuration serves every thread lock-free, and
 * servers sharing the secret share tickets. The current and the previous
 * epoch are accepted. Ticket sealing runs on the control plane next to
 * public-key operations, so it uses libcrypto's EVP directly rather than the
 * per-lcore burst contexts of crypto.h (which a shared configuration could
 * not own).
 *
 * Also here: the serialization of the resumption state (inside a ticket on
 * the server, in the session blob on the client) and the config setters.
 */

#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <tern/crypto.h>
#include <tern/error.h>

#include "hs_internal.h"

#define RESUME_VERSION 1
#define IV_LEN	       12
#define TAG_LEN	       16

static uint64_t
default_clock(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t
tern_hs_now_ms(const struct tern_tls_config *cfg)
{
	return cfg->clock != NULL ? cfg->clock(cfg->clock_arg) : default_clock(NULL);
}

bool
tern_hs_resume_write(struct tern_wcursor *w, const struct tern_hs_resume *st)
{
	return tern_wcursor_u8(w, RESUME_VERSION) && tern_wcursor_u16(w, st->suite) &&
	       tern_wcursor_u8(w, st->psk_len) && tern_wcursor_bytes(w, st->psk, st->psk_len) &&
	       tern_wcursor_u32(w, st->age_add) && tern_wcursor_u32(w, st->lifetime) &&
	       tern_wcursor_u32(w, (uint32_t)(st->time_ms >> 32)) &&
	       tern_wcursor_u32(w, (uint32_t)st->time_ms) &&
	       tern_wcursor_u32(w, st->max_early_data) && tern_wcursor_u8(w, st->alpn_len) &&
	       tern_wcursor_bytes(w, st->alpn, st->alpn_len) && tern_wcursor_u8(w, st->sni_len) &&
	       tern_wcursor_bytes(w, st->sni, st->sni_len) && st->opaque.len <= 0xffff &&
	       tern_wcursor_u16(w, (uint16_t)st->opaque.len) &&
	       tern_wcursor_bytes(w, st->opaque.p, st->opaque.len);
}

bool
tern_hs_resume_read(struct tern_rcursor *r, struct tern_hs_resume *st)
{
	const struct tern_tls13_suite *suite;
	struct tern_rcursor v;
	uint32_t hi, lo;
	uint8_t ver;

	memset(st, 0, sizeof(*st));
	if (!tern_rcursor_u8(r, &ver) || ver != RESUME_VERSION || !tern_rcursor_u16(r, &st->suite))
		return false;
	suite = tern_tls13_suite_get(st->suite);
	if (suite == NULL || !tern_rcursor_u8(r, &st->psk_len) || st->psk_len != suite->hash_len ||
	    !tern_rcursor_copy(r, st->psk, st->psk_len) || !tern_rcursor_u32(r, &st->age_add) ||
	    !tern_rcursor_u32(r, &st->lifetime) || st->lifetime > TERN_TLS_TICKET_LIFETIME_MAX ||
	    !tern_rcursor_u32(r, &hi) || !tern_rcursor_u32(r, &lo) ||
	    !tern_rcursor_u32(r, &st->max_early_data) || !tern_hs_read_vec(r, 1, &v))
		return false;
	st->time_ms = (uint64_t)hi << 32 | lo;
	st->alpn_len = (uint8_t)tern_rcursor_left(&v);
	tern_rcursor_copy(&v, st->alpn, st->alpn_len);
	if (!tern_hs_read_vec(r, 1, &v))
		return false;
	st->sni_len = (uint8_t)tern_rcursor_left(&v);
	tern_rcursor_copy(&v, st->sni, st->sni_len);
	st->sni[st->sni_len] = '\0';
	if (memchr(st->sni, 0, st->sni_len) != NULL || !tern_hs_read_vec(r, 2, &v) ||
	    tern_rcursor_left(r) != 0)
		return false;
	st->opaque.p = tern_rcursor_ptr(&v);
	st->opaque.len = (uint32_t)tern_rcursor_left(&v);
	return true;
}

/* The key and the key name of an epoch. */
static int
epoch_key(const struct tern_tls_config *cfg, uint64_t epoch, uint8_t key[32],
	  uint8_t name[TERN_HS_TICKET_NAME_LEN])
{
	uint8_t info[32], prk[32];
	size_t i, n;
	int rc;

	rc = tern_hkdf_extract(TERN_HASH_SHA256, NULL, 0, cfg->ticket_secret,
			       TERN_TLS_TICKET_SECRET_LEN, prk);
	for (i = 0; i < 8; i++)
		info[i] = (uint8_t)(epoch >> (56 - 8 * i));
	n = 8;
	memcpy(info + n, "tern ticket key", 15);
	if (rc == 0)
		rc = tern_hkdf_expand(TERN_HASH_SHA256, prk, 32, info, n + 15, key, 32);
	memcpy(info + n, "tern ticket name", 16);
	if (rc == 0)
		rc = tern_hkdf_expand(TERN_HASH_SHA256, prk, 32, info, n + 16, name,
				      TERN_HS_TICKET_NAME_LEN);
	OPENSSL_cleanse(prk, sizeof(prk));
	return rc;
}

static uint64_t
epoch_of(const struct tern_tls_config *cfg, uint64_t now_ms)
{
	return now_ms / 1000u / cfg->ticket_rotation;
}

static int
gcm(bool seal, const uint8_t key[32], const uint8_t *iv, const uint8_t *aad, const uint8_t *in,
    size_t n, uint8_t *out, uint8_t *tag)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int len = 0, ok;

	ok = c != NULL && n <= 0x7fffffff &&
	     EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, key, iv, seal ? 1 : 0) == 1 &&
	     EVP_CipherUpdate(c, NULL, &len, aad, TERN_HS_TICKET_NAME_LEN) == 1 &&
	     EVP_CipherUpdate(c, out, &len, in, (int)n) == 1 &&
	     (seal || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) == 1) &&
	     EVP_CipherFinal_ex(c, out + len, &len) == 1 &&
	     (!seal || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) == 1);
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -TERN_EBADMSG;
}

int
tern_hs_ticket_seal(const struct tern_tls_config *cfg, uint64_t now_ms, const uint8_t *in,
		    size_t in_len, uint8_t *out, size_t *out_len)
{
	uint8_t key[32];
	uint8_t *iv = out + TERN_HS_TICKET_NAME_LEN, *ct = iv + IV_LEN;
	int rc;

	rc = epoch_key(cfg, epoch_of(cfg, now_ms), key, out);
	if (rc == 0 && RAND_bytes(iv, IV_LEN) != 1)
		rc = -TERN_EINTERNAL;
	if (rc == 0)
		rc = gcm(true, key, iv, out, in, in_len, ct, ct + in_len) == 0 ? 0
									       : -TERN_EINTERNAL;
	OPENSSL_cleanse(key, sizeof(key));
	*out_len = rc == 0 ? in_len + TERN_HS_TICKET_OVERHEAD : 0;
	return rc;
}

int
tern_hs_ticket_open(const struct tern_tls_config *cfg, uint64_t now_ms, const uint8_t *in,
		    size_t in_len, uint8_t *out, size_t *out_len)
{
	uint8_t key[32], name[TERN_HS_TICKET_NAME_LEN], tag[TAG_LEN];
	uint64_t epoch = epoch_of(cfg, now_ms);
	size_t n;
	int i, rc = -TERN_EBADMSG;

	if (in_len <= TERN_HS_TICKET_OVERHEAD)
		return -TERN_EBADMSG;
	n = in_len - TERN_HS_TICKET_OVERHEAD;
	memcpy(tag, in + in_len - TAG_LEN, TAG_LEN);
	/* The current epoch, then the previous one (rotation grace). */
	for (i = 0; i < 2 && rc != 0 && epoch >= (uint64_t)i; i++) {
		if (epoch_key(cfg, epoch - (uint64_t)i, key, name) != 0)
			break;
		if (CRYPTO_memcmp(name, in, TERN_HS_TICKET_NAME_LEN) == 0)
			rc = gcm(false, key, in + TERN_HS_TICKET_NAME_LEN, in,
				 in + TERN_HS_TICKET_NAME_LEN + IV_LEN, n, out, tag);
	}
	OPENSSL_cleanse(key, sizeof(key));
	if (rc != 0)
		OPENSSL_cleanse(out, n);
	*out_len = rc == 0 ? n : 0;
	return rc;
}

/* --- configuration ------------------------------------------------------- */

int
tern_tls_config_set_session_tickets(struct tern_tls_config *cfg, unsigned n)
{
	if (cfg == NULL)
		return -TERN_EINVAL;
	if (n > 8)
		return -TERN_ERANGE;
	cfg->n_tickets = (uint8_t)n;
	return 0;
}

int
tern_tls_config_set_ticket_lifetime(struct tern_tls_config *cfg, uint32_t seconds)
{
	if (cfg == NULL)
		return -TERN_EINVAL;
	if (seconds == 0 || seconds > TERN_TLS_TICKET_LIFETIME_MAX)
		return -TERN_ERANGE;
	cfg->ticket_lifetime = seconds;
	return 0;
}

int
tern_tls_config_set_ticket_key(struct tern_tls_config *cfg, const uint8_t *secret,
			       uint32_t rotation_seconds)
{
	if (cfg == NULL)
		return -TERN_EINVAL;
	if (rotation_seconds != 0 &&
	    (rotation_seconds < 60 || rotation_seconds > TERN_TLS_TICKET_LIFETIME_MAX))
		return -TERN_ERANGE;
	if (secret != NULL)
		memcpy(cfg->ticket_secret, secret, TERN_TLS_TICKET_SECRET_LEN);
	if (rotation_seconds != 0)
		cfg->ticket_rotation = rotation_seconds;
	return 0;
}

int
tern_tls_config_set_clock(struct tern_tls_config *cfg, uint64_t (*now_ms)(void *arg), void *arg)
{
	if (cfg == NULL)
		return -TERN_EINVAL;
	cfg->clock = now_ms;
	cfg->clock_arg = now_ms != NULL ? arg : NULL;
	return 0;
}
