/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Transcript hash (RFC 8446 4.4.1) on an EVP_MD_CTX and the key schedule
 * (7.1) on top of include/tern/keyschedule.h. Without PSK the early secret
 * is HKDF-Extract(0, 0).
 */

#include <pthread.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <tern/keyschedule.h>

#include "hs_internal.h"

/*
 * Digests fetched once per process: EVP_sha256() makes every
 * EVP_DigestInit_ex() fetch the implementation again (a name lookup under a
 * lock), several times per handshake. Falls back to the implicit fetch.
 */
static EVP_MD *fetched_sha256, *fetched_sha384;
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

static void
fetch_mds(void)
{
	fetched_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	fetched_sha384 = EVP_MD_fetch(NULL, "SHA384", NULL);
}

static const EVP_MD *
suite_md(const struct tern_tls13_suite *suite)
{
	pthread_once(&fetch_once, fetch_mds);
	if (suite->hash == TERN_HASH_SHA384)
		return fetched_sha384 != NULL ? fetched_sha384 : EVP_sha384();
	return fetched_sha256 != NULL ? fetched_sha256 : EVP_sha256();
}

/* Hash("") of the suite's hash: Derive-Secret(., "derived", "") and the binder key. */
static const uint8_t *
empty_hash(const struct tern_tls13_suite *suite)
{
	static const uint8_t sha256[32] = {0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14,
					   0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
					   0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c,
					   0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};
	static const uint8_t sha384[48] = {
		0x38, 0xb0, 0x60, 0xa7, 0x51, 0xac, 0x96, 0x38, 0x4c, 0xd9, 0x32, 0x7e,
		0xb1, 0xb1, 0xe3, 0x6a, 0x21, 0xfd, 0xb7, 0x11, 0x14, 0xbe, 0x07, 0x43,
		0x4c, 0x0c, 0xc7, 0xbf, 0x63, 0xf6, 0xe1, 0xda, 0x27, 0x4e, 0xde, 0xbf,
		0xe7, 0x6f, 0x65, 0xfb, 0xd5, 0x1a, 0xd2, 0xf1, 0x48, 0x98, 0xb9, 0x5b};

	return suite->hash == TERN_HASH_SHA384 ? sha384 : sha256;
}

/*
 * HMAC-Hash(key, msg) of hash length (Finished and binders, 4.4.4):
 * HKDF-Extract(salt = key, IKM = msg) is exactly that HMAC (RFC 5869 2.2).
 */
static int
suite_hmac(const struct tern_tls13_suite *suite, const uint8_t *key, const uint8_t *msg,
	   uint8_t *out)
{
	return tern_hkdf_extract(suite->hash, key, suite->hash_len, msg, suite->hash_len, out);
}

int
tern_hs_transcript_init(struct tern_hs *hs, const struct tern_tls13_suite *suite)
{
	hs->suite = suite;
	hs->md = suite_md(suite);
	if (hs->transcript == NULL)
		hs->transcript = EVP_MD_CTX_new();
	if (hs->transcript == NULL || EVP_DigestInit_ex(hs->transcript, hs->md, NULL) != 1)
		return HS_INTERNAL(hs, "transcript init");
	return 0;
}

int
tern_hs_transcript_add(struct tern_hs *hs, const uint8_t *msg, size_t len)
{
	if (EVP_DigestUpdate(hs->transcript, msg, len) != 1)
		return HS_INTERNAL(hs, "transcript update");
	return 0;
}

int
tern_hs_transcript_hash(struct tern_hs *hs, uint8_t *out)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok = c != NULL && EVP_MD_CTX_copy_ex(c, hs->transcript) == 1 &&
		 EVP_DigestFinal_ex(c, out, NULL) == 1;

	EVP_MD_CTX_free(c);
	return ok ? 0 : HS_INTERNAL(hs, "transcript hash");
}

int
tern_hs_transcript_hrr_restart(struct tern_hs *hs)
{
	uint8_t mh[TERN_HS_HEADER_LEN + TERN_HASH_MAX_LEN];
	size_t hl = hs->suite->hash_len;
	int rc;

	mh[0] = TERN_HS_MESSAGE_HASH;
	mh[1] = 0;
	mh[2] = 0;
	mh[3] = (uint8_t)hl;
	rc = tern_hs_transcript_hash(hs, mh + TERN_HS_HEADER_LEN);
	if (rc == 0)
		rc = tern_hs_transcript_init(hs, hs->suite);
	if (rc == 0)
		rc = tern_hs_transcript_add(hs, mh, TERN_HS_HEADER_LEN + hl);
	return rc;
}

/* Derive-Secret(secret, "derived", "") (7.1). */
static int
derived(struct tern_hs *hs, const uint8_t *secret, uint8_t *out)
{
	if (tern_derive_secret(hs->suite->hash, secret, hs->suite->hash_len, "derived",
			       empty_hash(hs->suite), out) != 0)
		return HS_INTERNAL(hs, "derive");
	return 0;
}

int
tern_hs_derive_handshake_secrets(struct tern_hs *hs, const uint8_t *ecdhe, size_t ecdhe_len)
{
	uint8_t zeros[TERN_HASH_MAX_LEN] = {0}, early[TERN_HASH_MAX_LEN], salt[TERN_HASH_MAX_LEN];
	uint8_t th[TERN_HASH_MAX_LEN];
	enum tern_hash h = hs->suite->hash;
	size_t hl = hs->suite->hash_len;
	int rc = -TERN_EINTERNAL;

	/* With a resumed session the PSK keys the early secret (7.1). */
	if (tern_hkdf_extract(h, NULL, 0, hs->resumed ? hs->psk : zeros, hl, early) != 0 ||
	    derived(hs, early, salt) != 0 ||
	    tern_hkdf_extract(h, salt, hl, ecdhe, ecdhe_len, hs->hs_secret) != 0 ||
	    tern_hs_transcript_hash(hs, th) != 0 ||
	    tern_derive_secret(h, hs->hs_secret, hl, "c hs traffic", th, hs->c_hs) != 0 ||
	    tern_derive_secret(h, hs->hs_secret, hl, "s hs traffic", th, hs->s_hs) != 0)
		goto out;
	rc = 0;
out:
	OPENSSL_cleanse(early, sizeof(early));
	OPENSSL_cleanse(salt, sizeof(salt));
	return rc == 0 ? 0 : HS_INTERNAL(hs, "handshake secrets");
}

int
tern_hs_derive_app_secrets(struct tern_hs *hs)
{
	uint8_t zeros[TERN_HASH_MAX_LEN] = {0}, salt[TERN_HASH_MAX_LEN], master[TERN_HASH_MAX_LEN];
	uint8_t th[TERN_HASH_MAX_LEN];
	enum tern_hash h = hs->suite->hash;
	size_t hl = hs->suite->hash_len;
	int rc = -TERN_EINTERNAL;

	if (derived(hs, hs->hs_secret, salt) != 0 ||
	    tern_hkdf_extract(h, salt, hl, zeros, hl, master) != 0 ||
	    tern_hs_transcript_hash(hs, th) != 0 ||
	    tern_derive_secret(h, master, hl, "c ap traffic", th, hs->c_ap) != 0 ||
	    tern_derive_secret(h, master, hl, "s ap traffic", th, hs->s_ap) != 0 ||
	    tern_derive_secret(h, master, hl, "exp master", th, hs->exp_master) != 0)
		goto out;
	hs->has_exp_master = true;
	/* Kept for resumption_master_secret, which also covers the client Finished. */
	memcpy(hs->master, master, hl);
	rc = 0;
out:
	/* The handshake secret is no longer needed once the master secret exists. */
	OPENSSL_cleanse(hs->hs_secret, sizeof(hs->hs_secret));
	OPENSSL_cleanse(salt, sizeof(salt));
	OPENSSL_cleanse(master, sizeof(master));
	return rc == 0 ? 0 : HS_INTERNAL(hs, "application secrets");
}

int
tern_hs_finished_mac(struct tern_hs *hs, const uint8_t *base_key, uint8_t *out)
{
	uint8_t fk[TERN_HASH_MAX_LEN], th[TERN_HASH_MAX_LEN];
	size_t hl = hs->suite->hash_len;
	int ok;

	ok = tern_hkdf_expand_label(hs->suite->hash, base_key, hl, "finished", NULL, 0, fk, hl) ==
		     0 &&
	     tern_hs_transcript_hash(hs, th) == 0 && suite_hmac(hs->suite, fk, th, out) == 0;
	OPENSSL_cleanse(fk, sizeof(fk));
	return ok ? 0 : HS_INTERNAL(hs, "finished mac");
}

int
tern_hs_next_app_secret(struct tern_hs *hs, uint8_t *secret)
{
	uint8_t next[TERN_HASH_MAX_LEN];
	size_t hl = hs->suite->hash_len;

	if (tern_hkdf_expand_label(hs->suite->hash, secret, hl, "traffic upd", NULL, 0, next, hl) !=
	    0)
		return HS_INTERNAL(hs, "key update");
	memcpy(secret, next, hl);
	OPENSSL_cleanse(next, sizeof(next));
	return 0;
}

int
tern_hs_export_keying_material(const struct tern_hs *hs, const char *label, const uint8_t *context,
			       size_t context_len, uint8_t *out, size_t out_len)
{
	uint8_t empty[TERN_HASH_MAX_LEN], ch[TERN_HASH_MAX_LEN], secret[TERN_HASH_MAX_LEN];
	unsigned int el = 0, cl = 0;
	int rc;

	if (hs == NULL || label == NULL || out == NULL || (context == NULL && context_len != 0))
		return -TERN_EINVAL;
	if (!hs->has_exp_master || hs->error != 0)
		return -TERN_EAGAIN;
	/*
	 * TLS-Exporter(label, context, length) = HKDF-Expand-Label(
	 *   Derive-Secret(exporter_master_secret, label, ""), "exporter",
	 *   Hash(context), length) (RFC 8446 7.5); no context hashes as "".
	 */
	if (EVP_Digest(NULL, 0, empty, &el, hs->md, NULL) != 1 ||
	    EVP_Digest(context_len != 0 ? context : empty, context_len, ch, &cl, hs->md, NULL) != 1)
		return -TERN_EINTERNAL;
	rc = tern_derive_secret(hs->suite->hash, hs->exp_master, hs->suite->hash_len, label, empty,
				secret);
	if (rc == 0)
		rc = tern_hkdf_expand_label(hs->suite->hash, secret, hs->suite->hash_len,
					    "exporter", ch, cl, out, out_len);
	OPENSSL_cleanse(secret, sizeof(secret));
	return rc;
}

int
tern_hs_send_key_update(struct tern_hs *hs, bool request_update)
{
	bool server = hs->role == TERN_TLS_SERVER;
	uint8_t *wr = server ? hs->s_ap : hs->c_ap;
	uint8_t out[TERN_HS_HEADER_LEN + 1];
	struct tern_hs_key_update ku = {.request_update = request_update ? 1 : 0};
	struct tern_wcursor w;
	int rc;

	if (hs->error != 0)
		return hs->error;
	if (hs->state != TERN_HS_ST_CLIENT_CONNECTED && hs->state != TERN_HS_ST_SERVER_CONNECTED)
		return -TERN_EAGAIN;
	/* QUIC updates keys with the key phase bit (RFC 9001 6). */
	if (hs->quic)
		return -TERN_EINVAL;
	/* Sent under the current key, then the write key moves on (RFC 8446 4.6.3). */
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

int
tern_hs_derive_res_master(struct tern_hs *hs)
{
	uint8_t th[TERN_HASH_MAX_LEN];
	int ok;

	ok = tern_hs_transcript_hash(hs, th) == 0 &&
	     tern_derive_secret(hs->suite->hash, hs->master, hs->suite->hash_len, "res master", th,
				hs->res_master) == 0;
	OPENSSL_cleanse(hs->master, sizeof(hs->master));
	return ok ? 0 : HS_INTERNAL(hs, "resumption master secret");
}

int
tern_hs_truncated_hash(struct tern_hs *hs, const struct tern_tls13_suite *suite, const uint8_t *ch,
		       size_t len, uint8_t *out)
{
	const EVP_MD *md = suite_md(suite);
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok;

	/*
	 * After a HelloRetryRequest the binder also covers message_hash(CH1)
	 * and the HRR (4.2.11.2): the running transcript, when its hash is
	 * this suite's.
	 */
	if (hs->transcript != NULL && hs->md == md)
		ok = c != NULL && EVP_MD_CTX_copy_ex(c, hs->transcript) == 1;
	else
		ok = c != NULL && EVP_DigestInit_ex(c, md, NULL) == 1;
	ok = ok && EVP_DigestUpdate(c, ch, len) == 1 && EVP_DigestFinal_ex(c, out, NULL) == 1;
	EVP_MD_CTX_free(c);
	return ok ? 0 : HS_INTERNAL(hs, "binder transcript");
}

int
tern_hs_psk_binder(struct tern_hs *hs, const struct tern_tls13_suite *suite, const uint8_t *psk,
		   const uint8_t *th, uint8_t *out)
{
	uint8_t early[TERN_HASH_MAX_LEN], bk[TERN_HASH_MAX_LEN], fk[TERN_HASH_MAX_LEN];
	size_t hl = suite->hash_len;
	int ok;

	/* binder_key = Derive-Secret(Early Secret, "res binder", ""); then as Finished (4.4.4). */
	ok = tern_hkdf_extract(suite->hash, NULL, 0, psk, hl, early) == 0 &&
	     tern_derive_secret(suite->hash, early, hl, "res binder", empty_hash(suite), bk) == 0 &&
	     tern_hkdf_expand_label(suite->hash, bk, hl, "finished", NULL, 0, fk, hl) == 0 &&
	     suite_hmac(suite, fk, th, out) == 0;
	OPENSSL_cleanse(early, sizeof(early));
	OPENSSL_cleanse(bk, sizeof(bk));
	OPENSSL_cleanse(fk, sizeof(fk));
	return ok ? 0 : HS_INTERNAL(hs, "binder");
}
