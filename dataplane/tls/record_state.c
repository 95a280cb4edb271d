/* SPDX-License-Identifier: Apache-2.0 */
/* Per-connection, per-direction TLS 1.3 record protection state. */

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "record_internal.h"

static int
check_key_args(enum tern_aead_alg alg, const uint8_t *key, size_t key_len, const uint8_t *iv,
	       size_t iv_len)
{
	size_t want = tern_aead_key_len(alg);

	/* iv_length = max(8, N_MIN) = 12 for every TLS 1.3 AEAD (RFC 8446 5.3) */
	if (want == 0 || key == NULL || key_len != want || iv == NULL ||
	    iv_len != TERN_AEAD_NONCE_LEN)
		return -TERN_EINVAL;
	return 0;
}

int
tern_tls_record_state_create(struct tern_crypto_ctx *ctx, enum tern_aead_alg alg,
			     const uint8_t *key, size_t key_len, const uint8_t *iv, size_t iv_len,
			     struct tern_tls_record_state **statep)
{
	struct tern_tls_record_state *s;
	size_t size;
	int rc;

	if (ctx == NULL || statep == NULL)
		return -TERN_EINVAL;
	*statep = NULL;
	rc = check_key_args(alg, key, key_len, iv, iv_len);
	if (rc != 0)
		return rc;
	/* cache-line aligned: the state is read for every record */
	size = (sizeof(*s) + 63) & ~(size_t)63;
	s = aligned_alloc(64, size);
	if (s == NULL)
		return -TERN_ENOMEM;
	memset(s, 0, size);
	rc = tern_aead_key_create(ctx, alg, key, key_len, &s->key);
	if (rc != 0) {
		free(s);
		return rc;
	}
	memcpy(s->iv, iv, TERN_AEAD_NONCE_LEN);
	s->alg = alg;
	s->alert = TERN_TLS_ALERT_NONE;
	s->max_inner = TERN_TLS_MAX_INNER_PLAINTEXT;
	s->pad_policy = TERN_TLS_PAD_NONE;
	s->pad_n = 1;
	*statep = s;
	return 0;
}

void
tern_tls_record_state_free(struct tern_tls_record_state *state)
{
	if (state == NULL)
		return;
	tern_aead_key_free(state->key);
	OPENSSL_cleanse(state, sizeof(*state));
	free(state);
}

int
tern_tls_record_state_set_key(struct tern_tls_record_state *state, struct tern_crypto_ctx *ctx,
			      enum tern_aead_alg alg, const uint8_t *key, size_t key_len,
			      const uint8_t *iv, size_t iv_len)
{
	struct tern_aead_key *nk;
	int rc;

	if (state == NULL || ctx == NULL)
		return -TERN_EINVAL;
	rc = check_key_args(alg, key, key_len, iv, iv_len);
	if (rc != 0)
		return rc;
	rc = tern_aead_key_create(ctx, alg, key, key_len, &nk);
	if (rc != 0)
		return rc;
	tern_aead_key_free(state->key);
	state->key = nk;
	state->alg = alg;
	memcpy(state->iv, iv, TERN_AEAD_NONCE_LEN);
	/* the first record under a new key uses sequence number 0 (RFC 8446 5.3) */
	state->seq = 0;
	return 0;
}

int
tern_tls_record_state_set_size_limit(struct tern_tls_record_state *state, uint32_t limit)
{
	if (state == NULL)
		return -TERN_EINVAL;
	if (limit < TERN_TLS_RECORD_SIZE_LIMIT_MIN || limit > TERN_TLS_RECORD_SIZE_LIMIT_MAX)
		return -TERN_ERANGE;
	state->max_inner = limit;
	return 0;
}

uint32_t
tern_tls_record_state_size_limit(const struct tern_tls_record_state *state)
{
	return state->max_inner;
}

uint32_t
tern_tls_record_state_max_plaintext(const struct tern_tls_record_state *state)
{
	return state->max_inner - 1;
}

int
tern_tls_record_state_set_padding(struct tern_tls_record_state *state,
				  enum tern_tls_pad_policy policy, uint32_t n)
{
	if (state == NULL)
		return -TERN_EINVAL;
	switch (policy) {
	case TERN_TLS_PAD_NONE:
		n = 1;
		break;
	case TERN_TLS_PAD_MULTIPLE:
	case TERN_TLS_PAD_FIXED:
		if (n == 0 || n > TERN_TLS_MAX_INNER_PLAINTEXT)
			return -TERN_EINVAL;
		break;
	default:
		return -TERN_EINVAL;
	}
	state->pad_policy = policy;
	state->pad_n = n;
	return 0;
}

size_t
tern_tls_record_sealed_len(const struct tern_tls_record_state *state, size_t pt_len)
{
	uint32_t inner = tls_record_inner_len(state, pt_len);

	if (inner == 0)
		return 0;
	return TERN_TLS_RECORD_HEADER_LEN + (size_t)inner + TERN_AEAD_TAG_LEN;
}

uint64_t
tern_tls_record_state_seq(const struct tern_tls_record_state *state)
{
	return state->seq;
}

void
tern_tls_record_state_set_seq(struct tern_tls_record_state *state, uint64_t seq)
{
	state->seq = seq;
}

enum tern_aead_alg
tern_tls_record_state_alg(const struct tern_tls_record_state *state)
{
	return state->alg;
}

int
tern_tls_record_state_error(const struct tern_tls_record_state *state, enum tern_tls_alert *alert)
{
	if (alert != NULL)
		*alert = state->err != 0 ? (enum tern_tls_alert)state->alert : TERN_TLS_ALERT_NONE;
	return state->err;
}
