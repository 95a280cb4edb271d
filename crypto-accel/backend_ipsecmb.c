/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPsec-MB backend.
 *
 * IPsec-MB 1.3 has no interleaved multi-buffer GCM (crypto-limits.md): each
 * record runs the single-buffer VAES code, and the fastest entry is the
 * one-shot direct call. The burst wins come from one dispatch per burst,
 * prefetching the next op's key and data, and batching header protection.
 * ChaCha20-Poly1305 goes through the burst job API without checks (its
 * parameters were validated at key creation).
 */

#include <string.h>

#include <openssl/crypto.h>

#include "crypto_internal.h"

#define IMB_BURST_MAX 128 /* crypto-limits.md pitfall 7 */

static const char *
ipsecmb_unavailable(void)
{
	if (!tern_cpu_has_aesni())
		return "CPU lacks AES-NI/PCLMULQDQ/SSE4.1";
	return NULL;
}

static int
ipsecmb_ctx_init(struct tern_crypto_ctx *ctx)
{
	static const char *const arch_names[] = {"none", "noaesni", "sse", "avx", "avx2", "avx512"};
	IMB_ARCH arch = IMB_ARCH_NONE;

	ctx->mgr = alloc_mb_mgr(0); /* never sizeof(IMB_MGR): pitfall 2 */
	if (ctx->mgr == NULL)
		return -TERN_ENOMEM;
	init_mb_mgr_auto(ctx->mgr, &arch);
	if (arch == IMB_ARCH_NONE || arch == IMB_ARCH_NOAESNI || imb_get_errno(ctx->mgr) != 0) {
		free_mb_mgr(ctx->mgr);
		ctx->mgr = NULL;
		return -TERN_ENOTSUP;
	}
	snprintf(ctx->describe, sizeof(ctx->describe), "ipsecmb-%s/%s", imb_get_version_str(),
		 (unsigned)arch < sizeof(arch_names) / sizeof(arch_names[0]) ? arch_names[arch]
									     : "?");
	return 0;
}

static void
ipsecmb_ctx_fini(struct tern_crypto_ctx *ctx)
{
	if (ctx->mgr != NULL) {
		/* The manager keeps job copies (keys pointers, IVs, tags): wipe it. */
		OPENSSL_cleanse(ctx->mgr, imb_get_mb_mgr_size());
		free_mb_mgr(ctx->mgr);
		ctx->mgr = NULL;
	}
}

static int
ipsecmb_aead_key_init(struct tern_crypto_ctx *ctx, struct tern_aead_key *key, const uint8_t *raw)
{
	switch (key->alg) {
	case TERN_AEAD_AES_128_GCM:
		IMB_AES128_GCM_PRE(ctx->mgr, raw, &key->gcm);
		break;
	case TERN_AEAD_AES_256_GCM:
		IMB_AES256_GCM_PRE(ctx->mgr, raw, &key->gcm);
		break;
	case TERN_AEAD_CHACHA20_POLY1305:
		break; /* the job API takes the raw 32-byte key */
	default:
		return -TERN_EINVAL;
	}
	return imb_get_errno(ctx->mgr) == 0 ? 0 : -TERN_EINTERNAL;
}

static void
chachapoly_job_fill(IMB_JOB *job, struct tern_aead_op *op, int seal, uint8_t *tag_out)
{
	job->cipher_mode = IMB_CIPHER_CHACHA20_POLY1305;
	job->hash_alg = IMB_AUTH_CHACHA20_POLY1305;
	job->cipher_direction = seal ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
	job->chain_order = seal ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
	job->enc_keys = op->key->raw;
	job->dec_keys = op->key->raw;
	job->key_len_in_bytes = 32;
	job->src = op->src;
	job->dst = op->dst;
	job->cipher_start_src_offset_in_bytes = 0;
	job->msg_len_to_cipher_in_bytes = op->len;
	job->hash_start_src_offset_in_bytes = 0;
	/* Must equal the payload length: left at 0 the job "completes" with a
	 * wrong tag (pitfall 5). */
	job->msg_len_to_hash_in_bytes = op->len;
	job->iv = op->nonce;
	job->iv_len_in_bytes = TERN_AEAD_NONCE_LEN;
	job->u.CHACHA20_POLY1305.aad = op->aad;
	job->u.CHACHA20_POLY1305.aad_len_in_bytes = op->aad_len;
	job->auth_tag_output = tag_out;
	job->auth_tag_output_len_in_bytes = TERN_AEAD_TAG_LEN;
	job->user_data = op;
}

/* Verify a computed tag against the received one; on mismatch wipe the
 * plaintext so no unauthenticated data leaves the call. */
static inline void
open_finish(struct tern_aead_op *op, const uint8_t *computed)
{
	if (TERN_LIKELY(CRYPTO_memcmp(computed, op->tag, TERN_AEAD_TAG_LEN) == 0)) {
		op->status = 0;
	} else {
		op->status = -TERN_EBADMSG;
		if (op->len != 0)
			OPENSSL_cleanse(op->dst, op->len);
	}
}

/*
 * ChaCha20-Poly1305 ops of a burst through the job burst API. For opens the
 * computed tags land in tags[] (indexed like chacha[]), then get compared.
 */
static void
ipsecmb_chachapoly_burst(struct tern_crypto_ctx *ctx, struct tern_aead_op **chacha, uint16_t n,
			 int seal)
{
	uint8_t tags[IMB_BURST_MAX][TERN_AEAD_TAG_LEN];
	IMB_JOB *jobs[IMB_BURST_MAX];
	uint16_t done = 0;

	while (done < n) {
		uint32_t want = n - done, got, completed, i;

		if (want > IMB_BURST_MAX)
			want = IMB_BURST_MAX;
		got = IMB_GET_NEXT_BURST(ctx->mgr, want, jobs);
		if (got < want) {
			/* Queue full of older jobs: drain it and ask again. */
			IMB_FLUSH_BURST(ctx->mgr, IMB_BURST_MAX, jobs);
			got = IMB_GET_NEXT_BURST(ctx->mgr, want, jobs);
		}
		if (got == 0) {
			for (i = done; i < n; i++)
				chacha[i]->status = -TERN_EINTERNAL;
			return;
		}
		for (i = 0; i < got; i++) {
			struct tern_aead_op *op = chacha[done + i];

			chachapoly_job_fill(jobs[i], op, seal, seal ? op->tag : tags[i]);
			jobs[i]->user_data2 = (void *)(uintptr_t)i;
		}
		completed = IMB_SUBMIT_BURST_NOCHECK(ctx->mgr, got, jobs);
		if (completed < got)
			completed += IMB_FLUSH_BURST(ctx->mgr, got - completed, jobs + completed);
		for (i = 0; i < completed; i++) {
			struct tern_aead_op *op = jobs[i]->user_data;

			if (jobs[i]->status != IMB_STATUS_COMPLETED)
				op->status = -TERN_EINTERNAL;
			else if (seal)
				op->status = 0;
			else
				open_finish(op, tags[(uintptr_t)jobs[i]->user_data2]);
		}
		done += got;
	}
}

static void
ipsecmb_aead_burst(struct tern_crypto_ctx *ctx, struct tern_aead_op *ops, uint16_t n, int seal)
{
	struct tern_aead_op *chacha[64];
	uint8_t computed[TERN_AEAD_TAG_LEN] __attribute__((aligned(16)));
	uint16_t nchacha = 0, i;

	/* Keys are fetched two ops ahead: one record's GCM takes about as long
	 * as a memory access, so one op ahead would still wait. */
	for (i = 0; i < n && i < 2; i++)
		tern_prefetch_range(ops[i].key, sizeof(*ops[i].key));
	for (i = 0; i < n; i++) {
		struct tern_aead_op *op = &ops[i];
		const struct tern_aead_key *key = op->key;

		if (i + 2 < n)
			tern_prefetch_range(ops[i + 2].key, sizeof(*ops[i + 2].key));
		if (i + 1 < n)
			__builtin_prefetch(ops[i + 1].src);
		if (TERN_UNLIKELY(key->backend != TERN_CRYPTO_BACKEND_IPSECMB)) {
			op->status = -TERN_EINVAL;
			continue;
		}
		switch (key->alg) {
		case TERN_AEAD_AES_128_GCM:
			if (seal) {
				IMB_AES128_GCM_ENC(ctx->mgr, &key->gcm, &ctx->gcm_ctx, op->dst,
						   op->src, op->len, op->nonce, op->aad,
						   op->aad_len, op->tag, TERN_AEAD_TAG_LEN);
				op->status = 0;
			} else {
				IMB_AES128_GCM_DEC(ctx->mgr, &key->gcm, &ctx->gcm_ctx, op->dst,
						   op->src, op->len, op->nonce, op->aad,
						   op->aad_len, computed, TERN_AEAD_TAG_LEN);
				open_finish(op, computed);
			}
			break;
		case TERN_AEAD_AES_256_GCM:
			if (seal) {
				IMB_AES256_GCM_ENC(ctx->mgr, &key->gcm, &ctx->gcm_ctx, op->dst,
						   op->src, op->len, op->nonce, op->aad,
						   op->aad_len, op->tag, TERN_AEAD_TAG_LEN);
				op->status = 0;
			} else {
				IMB_AES256_GCM_DEC(ctx->mgr, &key->gcm, &ctx->gcm_ctx, op->dst,
						   op->src, op->len, op->nonce, op->aad,
						   op->aad_len, computed, TERN_AEAD_TAG_LEN);
				open_finish(op, computed);
			}
			break;
		default: /* TERN_AEAD_CHACHA20_POLY1305: validated at key creation */
			chacha[nchacha++] = op;
			if (nchacha == sizeof(chacha) / sizeof(chacha[0])) {
				ipsecmb_chachapoly_burst(ctx, chacha, nchacha, seal);
				nchacha = 0;
			}
			break;
		}
	}
	if (nchacha != 0)
		ipsecmb_chachapoly_burst(ctx, chacha, nchacha, seal);
}

static void
ipsecmb_aead_seal(struct tern_crypto_ctx *ctx, struct tern_aead_op *ops, uint16_t n)
{
	ipsecmb_aead_burst(ctx, ops, n, 1);
}

static void
ipsecmb_aead_open(struct tern_crypto_ctx *ctx, struct tern_aead_op *ops, uint16_t n)
{
	ipsecmb_aead_burst(ctx, ops, n, 0);
}

static int
ipsecmb_hp_key_init(struct tern_crypto_ctx *ctx, struct tern_hp_key *key, const uint8_t *raw)
{
	/* Key expansion also writes the decryption schedule, which header
	 * protection never uses: keep it off the (per-connection) key. */
	uint8_t dec_rk[15 * 16] __attribute__((aligned(16)));

	switch (key->alg) {
	case TERN_HP_AES_128:
		IMB_AES_KEYEXP_128(ctx->mgr, raw, key->aes_rk, dec_rk);
		key->aes_rounds = 10;
		break;
	case TERN_HP_AES_256:
		IMB_AES_KEYEXP_256(ctx->mgr, raw, key->aes_rk, dec_rk);
		key->aes_rounds = 14;
		break;
	case TERN_HP_CHACHA20:
		break;
	default:
		return -TERN_EINVAL;
	}
	OPENSSL_cleanse(dec_rk, sizeof(dec_rk));
	return 0;
}

static void
ipsecmb_hp_mask(struct tern_crypto_ctx *ctx, struct tern_hp_op *ops, uint16_t n)
{
	uint16_t i;

	/* Every round-key schedule of the burst, before the 4-way AES pass. */
	for (i = 0; i < n; i++)
		tern_prefetch_range(ops[i].key, offsetof(struct tern_hp_key, aes_rk) +
							16 * (size_t)(ops[i].key->aes_rounds + 1));
	for (i = 0; i < n; i++) {
		if (ops[i].key->alg == TERN_HP_CHACHA20 &&
		    ops[i].key->backend == TERN_CRYPTO_BACKEND_IPSECMB)
			tern_hp_chacha20_mask_evp(ctx, ops[i].key, ops[i].sample, ops[i].mask);
	}
	tern_hp_aes_masks_aesni(ops, n);
}

const struct tern_crypto_backend_ops tern_crypto_ipsecmb_ops = {
	.id = TERN_CRYPTO_BACKEND_IPSECMB,
	.name = "ipsecmb",
	.unavailable = ipsecmb_unavailable,
	.ctx_init = ipsecmb_ctx_init,
	.ctx_fini = ipsecmb_ctx_fini,
	.aead_key_init = ipsecmb_aead_key_init,
	.aead_seal = ipsecmb_aead_seal,
	.aead_open = ipsecmb_aead_open,
	.hp_key_init = ipsecmb_hp_key_init,
	.hp_mask = ipsecmb_hp_mask,
};
