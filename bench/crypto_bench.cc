/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tern-bench-crypto: per-record AEAD cost of tern's burst API next to the
 * libraries it is built on, measured side by side in one process so that the
 * ratios survive a noisy machine (see shared/notes/crypto-limits.md: compare
 * ratios from one run, never absolute numbers from different runs).
 *
 * Benchmark names are "<family>/<aead>/<bytes>", e.g.
 * "tern_seal_burst/aes128gcm/1200". Every iteration processes one burst of
 * kBurst records (kBurst calls for the per-record baselines), so
 * items_per_second is records per second and the user counter
 * cycles_per_record is TSC ticks per record averaged over the whole run.
 * scripts/bench-report turns the JSON output into the comparison table.
 */

#include <benchmark/benchmark.h>

#include <x86intrin.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include <intel-ipsec-mb.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <tern/crypto.h>
#include <tern/keyschedule.h>
#include <tern/quic_packet.h>

namespace
{

/* DPDK's default burst; also the burst size the issue targets were set for. */
constexpr uint16_t kBurst = 32;

/*
 * 13 bytes as in the measurements of crypto-limits.md. (TLS 1.3's additional
 * data is the 5-byte record header, RFC 8446 5.2; 13 is TLS 1.2's
 * seq || header.) Both fit in one GHASH block and one Poly1305 block, so the
 * cost is the same either way.
 */
constexpr uint32_t kAadLen = 13;

const size_t kSizes[] = {16, 64, 256, 1200, 1500, 4096, 16384};

/* Default per-benchmark minimum time: the whole suite must stay well under
 * three minutes on two shared cores. Overridable on the command line. */
const char kDefaultMinTime[] = "--benchmark_min_time=0.05";

struct AlgInfo {
	enum tern_aead_alg aead;
	enum tern_hp_alg hp;
	const char *name;     /* in benchmark names */
	const char *evp_aead; /* OpenSSL fetch names */
	const char *evp_hp;
	size_t key_len;
	size_t hp_key_len;
	uint16_t tls13_suite; /* for the QUIC rows' key derivation */
};

const AlgInfo kAlgs[] = {
	{TERN_AEAD_AES_128_GCM, TERN_HP_AES_128, "aes128gcm", "AES-128-GCM", "AES-128-ECB", 16, 16,
	 TERN_TLS13_AES_128_GCM_SHA256},
	{TERN_AEAD_AES_256_GCM, TERN_HP_AES_256, "aes256gcm", "AES-256-GCM", "AES-256-ECB", 32, 32,
	 TERN_TLS13_AES_256_GCM_SHA384},
	{TERN_AEAD_CHACHA20_POLY1305, TERN_HP_CHACHA20, "chacha20poly1305", "ChaCha20-Poly1305",
	 "ChaCha20", 32, 32, TERN_TLS13_CHACHA20_POLY1305_SHA256},
};

/* Process-wide state, set up in main() before any benchmark runs. */
struct Globals {
	struct tern_crypto_ctx *tern_ipsecmb = nullptr;
	struct tern_crypto_ctx *tern_openssl = nullptr;
	int tern_ipsecmb_err = 0;
	int tern_openssl_err = 0;
	IMB_MGR *imb = nullptr; /* the direct-call baseline's own manager */
	IMB_ARCH imb_arch = IMB_ARCH_NONE;
	EVP_CIPHER *evp_aead[3] = {};
	EVP_CIPHER *evp_hp[3] = {};
};
Globals g;

size_t
alg_index(const AlgInfo &a)
{
	return static_cast<size_t>(&a - kAlgs);
}

/* ---------------------------------------------------------------------- */
/* Buffers and deterministic test data                                     */

struct FreeDeleter {
	void operator()(uint8_t *p) const
	{
		std::free(p);
	}
};
using Buf = std::unique_ptr<uint8_t[], FreeDeleter>;

size_t
round_up(size_t n, size_t a)
{
	return (n + a - 1) / a * a;
}

Buf
alloc_buf(size_t n)
{
	n = round_up(std::max<size_t>(n, 64), 64);
	void *p = std::aligned_alloc(64, n);
	if (p == nullptr)
		throw std::bad_alloc();
	std::memset(p, 0, n);
	return Buf(static_cast<uint8_t *>(p));
}

/* splitmix64: test data only needs to be deterministic, not secret. */
struct Prng {
	uint64_t s;
	uint64_t next()
	{
		uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		return z ^ (z >> 31);
	}
	void fill(uint8_t *p, size_t n)
	{
		for (size_t i = 0; i < n; i++)
			p[i] = static_cast<uint8_t>(next() >> 56);
	}
};

/*
 * The 12-byte sequence block XORed into the static IV (RFC 8446 5.3,
 * RFC 9001 5.3: the 64-bit sequence/packet number, big-endian, right-aligned
 * in the 12-byte nonce), as a 16-byte vector so that each op's nonce is
 * written with a single store (crypto-limits.md pitfall 1).
 */
inline __m128i
seq_block(uint64_t seq)
{
	uint64_t be = __builtin_bswap64(seq);
	/* nonce bytes 4..7 = low half of `be` in memory order, 8..11 = high half */
	return _mm_set_epi64x(static_cast<long long>(be >> 32),
			      static_cast<long long>((be & 0xffffffffULL) << 32));
}

inline void
store_nonce(uint8_t *dst16, __m128i iv, __m128i seq)
{
	_mm_store_si128(reinterpret_cast<__m128i *>(dst16), _mm_xor_si128(iv, seq));
}

/* ---------------------------------------------------------------------- */
/* OpenSSL EVP helpers (the per-record baseline, and the reference)       */

struct EvpCtxDeleter {
	void operator()(EVP_CIPHER_CTX *c) const
	{
		EVP_CIPHER_CTX_free(c);
	}
};
using EvpCtx = std::unique_ptr<EVP_CIPHER_CTX, EvpCtxDeleter>;

EvpCtx
evp_ctx_new(const EVP_CIPHER *cipher, const uint8_t *key, bool enc)
{
	EvpCtx c(EVP_CIPHER_CTX_new());
	if (!c)
		return c;
	int ok = enc ? EVP_EncryptInit_ex2(c.get(), cipher, key, nullptr, nullptr)
		     : EVP_DecryptInit_ex2(c.get(), cipher, key, nullptr, nullptr);
	if (ok != 1)
		c.reset();
	return c;
}

/* One record, the way an OpenSSL-based TLS stack does it: key set once per
 * context, per record only the IV. */
inline bool
evp_seal(EVP_CIPHER_CTX *c, const uint8_t *iv, const uint8_t *aad, uint32_t aad_len,
	 const uint8_t *src, uint8_t *dst, uint32_t len, uint8_t *tag)
{
	int n = 0, m = 0;
	if (EVP_EncryptInit_ex2(c, nullptr, nullptr, iv, nullptr) != 1 ||
	    EVP_EncryptUpdate(c, nullptr, &n, aad, static_cast<int>(aad_len)) != 1 ||
	    EVP_EncryptUpdate(c, dst, &n, src, static_cast<int>(len)) != 1 ||
	    EVP_EncryptFinal_ex(c, dst + n, &m) != 1)
		return false;
	return EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, TERN_AEAD_TAG_LEN, tag) == 1;
}

inline bool
evp_open(EVP_CIPHER_CTX *c, const uint8_t *iv, const uint8_t *aad, uint32_t aad_len,
	 const uint8_t *src, uint8_t *dst, uint32_t len, const uint8_t *tag)
{
	int n = 0, m = 0;
	if (EVP_DecryptInit_ex2(c, nullptr, nullptr, iv, nullptr) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, TERN_AEAD_TAG_LEN,
				const_cast<uint8_t *>(tag)) != 1 ||
	    EVP_DecryptUpdate(c, nullptr, &n, aad, static_cast<int>(aad_len)) != 1 ||
	    EVP_DecryptUpdate(c, dst, &n, src, static_cast<int>(len)) != 1)
		return false;
	/* Final is where the tag is compared. */
	return EVP_DecryptFinal_ex(c, dst + n, &m) == 1;
}

/*
 * kBurst records (one per connection/key) of one size: keys, static IVs, AAD,
 * plaintext, and a reference sealing made with OpenSSL at sequence 0. Every
 * implementation benchmarked for an (alg, size) sees exactly these bytes,
 * which is what lets main() cross-check them against each other.
 */
struct RecordSet {
	const AlgInfo *alg;
	size_t size;
	size_t stride;
	Buf keys, hp_keys, aad, pt, ref_ct, ref_tags;
	__m128i iv[kBurst];

	RecordSet(const AlgInfo &a, size_t sz) : alg(&a), size(sz)
	{
		/* +64: keep the kBurst buffers off a common 4 KiB offset */
		stride = round_up(sz, 64) + 64;
		keys = alloc_buf(kBurst * 64);
		hp_keys = alloc_buf(kBurst * 64);
		aad = alloc_buf(kBurst * 16);
		pt = alloc_buf(kBurst * stride);
		ref_ct = alloc_buf(kBurst * stride);
		ref_tags = alloc_buf(kBurst * 16);
		Prng r{0x7465726eULL ^ (alg_index(a) << 40) ^ sz};
		for (uint16_t i = 0; i < kBurst; i++) {
			r.fill(key(i), a.key_len);
			r.fill(hp_key(i), a.hp_key_len);
			alignas(16) uint8_t ivb[16] = {};
			r.fill(ivb, TERN_AEAD_NONCE_LEN);
			iv[i] = _mm_load_si128(reinterpret_cast<const __m128i *>(ivb));
			/* a TLS 1.3 application_data record header, then filler */
			uint8_t *h = aad_at(i);
			r.fill(h, kAadLen);
			h[0] = 0x17;
			h[1] = 0x03;
			h[2] = 0x03;
			h[3] = static_cast<uint8_t>((sz + 17) >> 8);
			h[4] = static_cast<uint8_t>(sz + 17);
			r.fill(pt_at(i), sz);
		}
		seal_reference();
	}
	/* Sequence-0 records sealed with OpenSSL: what every seal must match
	 * and what every open is fed. */
	void seal_reference()
	{
		const EVP_CIPHER *c = g.evp_aead[alg_index(*alg)];
		alignas(16) uint8_t nonce[16];
		for (uint16_t i = 0; i < kBurst && c != nullptr; i++) {
			EvpCtx ctx = evp_ctx_new(c, key(i), true);
			store_nonce(nonce, iv[i], seq_block(0));
			if (!ctx ||
			    !evp_seal(ctx.get(), nonce, aad_at(i), kAadLen, pt_at(i), ref_ct_at(i),
				      static_cast<uint32_t>(size), ref_tag(i)))
				throw std::runtime_error("OpenSSL reference sealing failed");
		}
		if (c == nullptr)
			throw std::runtime_error("EVP_CIPHER_fetch failed");
	}
	uint8_t *key(uint16_t i) const
	{
		return keys.get() + 64 * i;
	}
	uint8_t *hp_key(uint16_t i) const
	{
		return hp_keys.get() + 64 * i;
	}
	uint8_t *aad_at(uint16_t i) const
	{
		return aad.get() + 16 * i;
	}
	uint8_t *pt_at(uint16_t i) const
	{
		return pt.get() + stride * i;
	}
	uint8_t *ref_ct_at(uint16_t i) const
	{
		return ref_ct.get() + stride * i;
	}
	uint8_t *ref_tag(uint16_t i) const
	{
		return ref_tags.get() + 16 * i;
	}
};

/* ---------------------------------------------------------------------- */
/* Workloads: one run() = kBurst records                                   */

class Workload
{
      public:
	virtual ~Workload() = default;
	/* Process kBurst records; false if any failed (seal error, tag not
	 * verified). Called once per benchmark iteration. */
	virtual bool run() = 0;
	/* Bytes a seal run produced for record i (checked against the
	 * reference); nullptr for open workloads. */
	virtual const uint8_t *out_ct(uint16_t) const
	{
		return nullptr;
	}
	virtual const uint8_t *out_tag(uint16_t) const
	{
		return nullptr;
	}
	/* Plaintext an open run produced for record i. */
	virtual const uint8_t *out_pt(uint16_t) const
	{
		return nullptr;
	}
	/* Reset the sequence number so a run reproduces the reference. */
	virtual void rewind()
	{
	}
	std::string error; /* set by the constructor if setup failed */
};

/* Out-of-place destination buffers for kBurst records. */
struct OutBufs {
	size_t stride;
	Buf data, tags;
	explicit OutBufs(const RecordSet &rs) : stride(rs.stride)
	{
		data = alloc_buf(kBurst * stride);
		tags = alloc_buf(kBurst * 16);
	}
	uint8_t *at(uint16_t i) const
	{
		return data.get() + stride * i;
	}
	uint8_t *tag(uint16_t i) const
	{
		return tags.get() + 16 * i;
	}
};

struct TernKeys {
	struct tern_aead_key *k[kBurst] = {};
	~TernKeys()
	{
		for (auto *p : k)
			tern_aead_key_free(p);
	}
	int create(struct tern_crypto_ctx *ctx, const RecordSet &rs)
	{
		for (uint16_t i = 0; i < kBurst; i++) {
			int rc = tern_aead_key_create(ctx, rs.alg->aead, rs.key(i), rs.alg->key_len,
						      &k[i]);
			if (rc < 0)
				return rc;
		}
		return 0;
	}
};

std::string
tern_err(const char *what, int rc)
{
	return std::string(what) + ": " + tern_strerror(rc);
}

/* tern_aead_seal_burst / tern_aead_open_burst, kBurst ops over kBurst keys. */
class TernAead : public Workload
{
      public:
	TernAead(struct tern_crypto_ctx *ctx, int ctx_err, const RecordSet &rs, bool seal)
	    : ctx_(ctx), rs_(rs), out_(rs), seal_(seal)
	{
		if (ctx == nullptr) {
			error = tern_err("tern backend unavailable", ctx_err);
			return;
		}
		int rc = keys_.create(ctx, rs);
		if (rc < 0) {
			error = tern_err("tern_aead_key_create", rc);
			return;
		}
		std::memset(ops_, 0, sizeof(ops_));
		for (uint16_t i = 0; i < kBurst; i++) {
			struct tern_aead_op *op = &ops_[i];
			op->key = keys_.k[i];
			op->aad = rs.aad_at(i);
			op->aad_len = kAadLen;
			op->len = static_cast<uint32_t>(rs.size);
			op->dst = out_.at(i);
			if (seal) {
				op->src = rs.pt_at(i);
				op->tag = out_.tag(i);
			} else {
				/* Out of place, so the prepared records stay valid
				 * and every iteration verifies a real tag. */
				op->src = rs.ref_ct_at(i);
				op->tag = rs.ref_tag(i);
			}
		}
	}
	bool run() override
	{
		/* Open re-reads the sequence-0 records; seal moves on. */
		const __m128i s = seq_block(seq_);
		for (uint16_t i = 0; i < kBurst; i++)
			store_nonce(ops_[i].nonce, rs_.iv[i], s);
		uint16_t ok = seal_ ? tern_aead_seal_burst(ctx_, ops_, kBurst)
				    : tern_aead_open_burst(ctx_, ops_, kBurst);
		if (seal_)
			seq_++;
		return ok == kBurst;
	}
	const uint8_t *out_ct(uint16_t i) const override
	{
		return seal_ ? out_.at(i) : nullptr;
	}
	const uint8_t *out_tag(uint16_t i) const override
	{
		return seal_ ? out_.tag(i) : nullptr;
	}
	const uint8_t *out_pt(uint16_t i) const override
	{
		return seal_ ? nullptr : out_.at(i);
	}
	void rewind() override
	{
		seq_ = 0;
	}

      private:
	struct tern_crypto_ctx *ctx_;
	const RecordSet &rs_;
	OutBufs out_;
	TernKeys keys_;
	bool seal_;
	uint64_t seq_ = 0;
	struct tern_aead_op ops_[kBurst];
};

/*
 * Raw IPsec-MB, one call per record: the one-shot direct GCM API on
 * pre-expanded keys, and for ChaCha20-Poly1305 the job API with
 * SUBMIT_JOB_NOCHECK (its direct init/update/finalize path costs ~240 cycles
 * more, crypto-limits.md). This is the floor tern's ipsecmb backend is
 * measured against.
 */
class ImbDirect : public Workload
{
      public:
	ImbDirect(const RecordSet &rs, bool seal) : rs_(rs), out_(rs), seal_(seal)
	{
		if (g.imb == nullptr) {
			error = "IPsec-MB manager unavailable";
			return;
		}
		chacha_ = rs.alg->aead == TERN_AEAD_CHACHA20_POLY1305;
		/* gcm_key_data is 64-byte aligned with LINUX defined; so is
		 * alloc_buf's memory (crypto-limits.md pitfall 3). */
		keys_ = alloc_buf(kBurst * sizeof(struct gcm_key_data));
		gkeys_ = reinterpret_cast<struct gcm_key_data *>(keys_.get());
		for (uint16_t i = 0; i < kBurst; i++) {
			if (chacha_)
				std::memcpy(keys_.get() + 64 * i, rs.key(i), 32);
			else if (rs.alg->aead == TERN_AEAD_AES_128_GCM)
				IMB_AES128_GCM_PRE(g.imb, rs.key(i), &gkeys_[i]);
			else
				IMB_AES256_GCM_PRE(g.imb, rs.key(i), &gkeys_[i]);
		}
	}
	bool run() override
	{
		const __m128i s = seq_block(seq_);
		for (uint16_t i = 0; i < kBurst; i++)
			store_nonce(iv_[i], rs_.iv[i], s);
		bool ok;
		if (chacha_)
			ok = run_chacha();
		else if (seal_)
			ok = rs_.alg->aead == TERN_AEAD_AES_128_GCM ? gcm_seal<true>()
								    : gcm_seal<false>();
		else
			ok = rs_.alg->aead == TERN_AEAD_AES_128_GCM ? gcm_open<true>()
								    : gcm_open<false>();
		if (seal_)
			seq_++;
		return ok;
	}
	const uint8_t *out_ct(uint16_t i) const override
	{
		return seal_ ? out_.at(i) : nullptr;
	}
	const uint8_t *out_tag(uint16_t i) const override
	{
		return seal_ ? out_.tag(i) : nullptr;
	}
	const uint8_t *out_pt(uint16_t i) const override
	{
		return seal_ ? nullptr : out_.at(i);
	}
	void rewind() override
	{
		seq_ = 0;
	}

      private:
	template <bool k128> bool gcm_seal()
	{
		const uint64_t len = rs_.size;
		for (uint16_t i = 0; i < kBurst; i++) {
			struct gcm_context_data gctx;
			if (k128)
				IMB_AES128_GCM_ENC(g.imb, &gkeys_[i], &gctx, out_.at(i),
						   rs_.pt_at(i), len, iv_[i], rs_.aad_at(i),
						   kAadLen, out_.tag(i), TERN_AEAD_TAG_LEN);
			else
				IMB_AES256_GCM_ENC(g.imb, &gkeys_[i], &gctx, out_.at(i),
						   rs_.pt_at(i), len, iv_[i], rs_.aad_at(i),
						   kAadLen, out_.tag(i), TERN_AEAD_TAG_LEN);
		}
		return true;
	}
	template <bool k128> bool gcm_open()
	{
		const uint64_t len = rs_.size;
		int bad = 0;
		for (uint16_t i = 0; i < kBurst; i++) {
			struct gcm_context_data gctx;
			alignas(16) uint8_t tag[16];
			if (k128)
				IMB_AES128_GCM_DEC(g.imb, &gkeys_[i], &gctx, out_.at(i),
						   rs_.ref_ct_at(i), len, iv_[i], rs_.aad_at(i),
						   kAadLen, tag, TERN_AEAD_TAG_LEN);
			else
				IMB_AES256_GCM_DEC(g.imb, &gkeys_[i], &gctx, out_.at(i),
						   rs_.ref_ct_at(i), len, iv_[i], rs_.aad_at(i),
						   kAadLen, tag, TERN_AEAD_TAG_LEN);
			/* the compare a real receiver must do, constant time */
			bad |= CRYPTO_memcmp(tag, rs_.ref_tag(i), TERN_AEAD_TAG_LEN);
		}
		return bad == 0;
	}
	bool complete(IMB_JOB *job, uint16_t &done, int &bad)
	{
		if (job->status != IMB_STATUS_COMPLETED)
			return false;
		if (!seal_) {
			uint16_t i =
				static_cast<uint16_t>(reinterpret_cast<uintptr_t>(job->user_data));
			bad |= CRYPTO_memcmp(out_.tag(i), rs_.ref_tag(i), TERN_AEAD_TAG_LEN);
		}
		done++;
		return true;
	}
	bool run_chacha()
	{
		uint16_t done = 0;
		int bad = 0;
		for (uint16_t i = 0; i < kBurst; i++) {
			IMB_JOB *job = IMB_GET_NEXT_JOB(g.imb);
			job->cipher_mode = IMB_CIPHER_CHACHA20_POLY1305;
			job->hash_alg = IMB_AUTH_CHACHA20_POLY1305;
			job->cipher_direction = seal_ ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
			job->chain_order = seal_ ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
			job->enc_keys = keys_.get() + 64 * i;
			job->dec_keys = job->enc_keys;
			job->key_len_in_bytes = 32;
			job->src = seal_ ? rs_.pt_at(i) : rs_.ref_ct_at(i);
			job->dst = out_.at(i);
			job->cipher_start_src_offset_in_bytes = 0;
			job->msg_len_to_cipher_in_bytes = rs_.size;
			job->hash_start_src_offset_in_bytes = 0;
			/* must equal the payload length (pitfall 5) */
			job->msg_len_to_hash_in_bytes = rs_.size;
			job->iv = iv_[i];
			job->iv_len_in_bytes = TERN_AEAD_NONCE_LEN;
			job->u.CHACHA20_POLY1305.aad = rs_.aad_at(i);
			job->u.CHACHA20_POLY1305.aad_len_in_bytes = kAadLen;
			/* open: the computed tag lands here, compared below */
			job->auth_tag_output = out_.tag(i);
			job->auth_tag_output_len_in_bytes = TERN_AEAD_TAG_LEN;
			job->user_data = reinterpret_cast<void *>(static_cast<uintptr_t>(i));
			job = IMB_SUBMIT_JOB_NOCHECK(g.imb);
			while (job != nullptr) {
				if (!complete(job, done, bad))
					return false;
				job = IMB_GET_COMPLETED_JOB(g.imb);
			}
		}
		IMB_JOB *job;
		while ((job = IMB_FLUSH_JOB(g.imb)) != nullptr)
			if (!complete(job, done, bad))
				return false;
		return done == kBurst && bad == 0;
	}

	const RecordSet &rs_;
	OutBufs out_;
	bool seal_;
	bool chacha_ = false;
	uint64_t seq_ = 0;
	Buf keys_;
	struct gcm_key_data *gkeys_ = nullptr;
	alignas(16) uint8_t iv_[kBurst][16];
};

/* OpenSSL 3 EVP, one reused EVP_CIPHER_CTX per key, one record per call. */
class EvpAead : public Workload
{
      public:
	EvpAead(const RecordSet &rs, bool seal) : rs_(rs), out_(rs), seal_(seal)
	{
		const EVP_CIPHER *c = g.evp_aead[alg_index(*rs.alg)];
		for (uint16_t i = 0; i < kBurst && c != nullptr; i++) {
			ctx_[i] = evp_ctx_new(c, rs.key(i), seal);
			if (!ctx_[i]) {
				error = "EVP cipher context setup failed";
				return;
			}
		}
		if (c == nullptr)
			error = std::string("EVP_CIPHER_fetch failed: ") + rs.alg->evp_aead;
	}
	bool run() override
	{
		const __m128i s = seq_block(seq_);
		for (uint16_t i = 0; i < kBurst; i++)
			store_nonce(iv_[i], rs_.iv[i], s);
		const uint32_t len = static_cast<uint32_t>(rs_.size);
		bool ok = true;
		for (uint16_t i = 0; i < kBurst; i++) {
			if (seal_)
				ok &= evp_seal(ctx_[i].get(), iv_[i], rs_.aad_at(i), kAadLen,
					       rs_.pt_at(i), out_.at(i), len, out_.tag(i));
			else
				ok &= evp_open(ctx_[i].get(), iv_[i], rs_.aad_at(i), kAadLen,
					       rs_.ref_ct_at(i), out_.at(i), len, rs_.ref_tag(i));
		}
		if (seal_)
			seq_++;
		return ok;
	}
	const uint8_t *out_ct(uint16_t i) const override
	{
		return seal_ ? out_.at(i) : nullptr;
	}
	const uint8_t *out_tag(uint16_t i) const override
	{
		return seal_ ? out_.tag(i) : nullptr;
	}
	const uint8_t *out_pt(uint16_t i) const override
	{
		return seal_ ? nullptr : out_.at(i);
	}
	void rewind() override
	{
		seq_ = 0;
	}

      private:
	const RecordSet &rs_;
	OutBufs out_;
	bool seal_;
	uint64_t seq_ = 0;
	EvpCtx ctx_[kBurst];
	alignas(16) uint8_t iv_[kBurst][16];
};

/* ---------------------------------------------------------------------- */
/* QUIC 1-RTT packet protection (RFC 9001 5.3, 5.4)                        */

/*
 * Short header: first byte, 8-byte DCID, 2-byte packet number. The payload
 * is `size` bytes of plaintext frames (as for the AEAD rows), sealed from
 * where the sender built them straight into the packet buffer, then the
 * tag. The header-protection sample starts 4 bytes after the packet number
 * offset (RFC 9001 5.4.2).
 */
constexpr size_t kQuicDcidLen = 8;
constexpr size_t kQuicPnOffset = 1 + kQuicDcidLen;
constexpr size_t kQuicPnLen = 2;
constexpr size_t kQuicHdrLen = kQuicPnOffset + kQuicPnLen;
constexpr size_t kQuicSampleOffset = kQuicPnOffset + 4;

/*
 * kBurst packet buffers (one per connection) and each connection's 1-RTT
 * keys, derived from a traffic secret as RFC 9001 5.1 says ("quic key",
 * "quic iv", "quic hp"), so that the tern_quic_keys built from the same
 * secret and the raw-key workloads protect identically.
 */
class QuicPackets
{
      public:
	explicit QuicPackets(const RecordSet &rs) : rs_(rs)
	{
		stride_ = round_up(kQuicHdrLen + rs.size + TERN_AEAD_TAG_LEN, 64) + 64;
		pkts_ = alloc_buf(kBurst * stride_);
		secrets_ = alloc_buf(kBurst * 64);
		keys_ = alloc_buf(kBurst * 64);
		hp_ = alloc_buf(kBurst * 64);
		suite_ = tern_tls13_suite_get(rs.alg->tls13_suite);
		if (suite_ == nullptr) {
			error = "tern_tls13_suite_get failed";
			return;
		}
		Prng r{0x71756963ULL ^ (alg_index(*rs.alg) << 40) ^ rs.size};
		for (uint16_t i = 0; i < kBurst; i++) {
			r.fill(at(i) + 1, kQuicDcidLen);
			r.fill(secret(i), suite_->hash_len);
			alignas(16) uint8_t ivb[16] = {};
			if (tern_hkdf_expand_label(suite_->hash, secret(i), suite_->hash_len,
						   "quic key", nullptr, 0, key(i),
						   suite_->key_len) < 0 ||
			    tern_hkdf_expand_label(suite_->hash, secret(i), suite_->hash_len,
						   "quic iv", nullptr, 0, ivb,
						   TERN_AEAD_NONCE_LEN) < 0 ||
			    tern_hkdf_expand_label(suite_->hash, secret(i), suite_->hash_len,
						   "quic hp", nullptr, 0, hp(i),
						   suite_->key_len) < 0) {
				error = "tern_hkdf_expand_label failed";
				return;
			}
			iv[i] = _mm_load_si128(reinterpret_cast<const __m128i *>(ivb));
		}
	}
	uint8_t *at(uint16_t i) const
	{
		return pkts_.get() + stride_ * i;
	}
	size_t stride() const
	{
		return stride_;
	}
	size_t len() const
	{
		return kQuicHdrLen + rs_.size + TERN_AEAD_TAG_LEN;
	}
	uint8_t *secret(uint16_t i) const
	{
		return secrets_.get() + 64 * i;
	}
	uint8_t *key(uint16_t i) const
	{
		return keys_.get() + 64 * i;
	}
	uint8_t *hp(uint16_t i) const
	{
		return hp_.get() + 64 * i;
	}
	const struct tern_tls13_suite *suite() const
	{
		return suite_;
	}
	/* Unprotected header for packet number pn (key phase 0). */
	void write_header(uint16_t i, uint64_t pn) const
	{
		uint8_t *p = at(i);
		p[0] = 0x40 | (kQuicPnLen - 1); /* fixed bit, pn length 2 */
		p[kQuicPnOffset] = static_cast<uint8_t>(pn >> 8);
		p[kQuicPnOffset + 1] = static_cast<uint8_t>(pn);
	}
	/* RFC 9001 5.4.1: a short header protects the low 5 bits of byte 0. */
	static void apply_mask(uint8_t *p, const uint8_t *mask)
	{
		p[0] ^= mask[0] & 0x1f;
		for (size_t j = 0; j < kQuicPnLen; j++)
			p[kQuicPnOffset + j] ^= mask[1 + j];
	}

	__m128i iv[kBurst];
	std::string error;

      private:
	const RecordSet &rs_;
	size_t stride_;
	Buf pkts_, secrets_, keys_, hp_;
	const struct tern_tls13_suite *suite_ = nullptr;
};

class QuicWorkload : public Workload
{
      public:
	virtual const QuicPackets &packets() const = 0;
};

/* tern's packet layer: tern_quic_protect_burst over kBurst connections. */
class TernQuic : public QuicWorkload
{
      public:
	TernQuic(struct tern_crypto_ctx *ctx, int ctx_err, const RecordSet &rs) : ctx_(ctx), pk_(rs)
	{
		if (ctx == nullptr) {
			error = tern_err("tern backend unavailable", ctx_err);
			return;
		}
		if (!pk_.error.empty()) {
			error = pk_.error;
			return;
		}
		std::memset(tx_, 0, sizeof(tx_));
		for (uint16_t i = 0; i < kBurst; i++) {
			int rc = tern_quic_keys_create(ctx, TERN_QUIC_V1, pk_.suite()->id,
						       pk_.secret(i), pk_.suite()->hash_len,
						       &keys_[i]);
			if (rc < 0) {
				error = tern_err("tern_quic_keys_create", rc);
				return;
			}
			tx_[i].keys = keys_[i];
			tx_[i].hdr = pk_.at(i); /* header built in place */
			tx_[i].payload = rs.pt_at(i);
			tx_[i].buf = pk_.at(i);
			tx_[i].hdr_len = kQuicHdrLen;
			tx_[i].payload_len = rs.size;
			tx_[i].cap = pk_.stride();
		}
	}
	~TernQuic() override
	{
		for (auto *k : keys_)
			tern_quic_keys_free(k);
	}
	bool run() override
	{
		for (uint16_t i = 0; i < kBurst; i++) {
			pk_.write_header(i, pn_);
			tx_[i].pn = pn_;
		}
		pn_++;
		return tern_quic_protect_burst(ctx_, tx_, kBurst) == kBurst;
	}
	void rewind() override
	{
		pn_ = 0;
	}
	const QuicPackets &packets() const override
	{
		return pk_;
	}

      private:
	struct tern_crypto_ctx *ctx_;
	QuicPackets pk_;
	struct tern_quic_keys *keys_[kBurst] = {};
	uint64_t pn_ = 0;
	struct tern_quic_tx_pkt tx_[kBurst];
};

/*
 * The same from crypto.h alone: one AEAD seal burst + one header-protection
 * mask burst + the XOR. The floor under TernQuic; the difference is the
 * packet layer's own cost.
 */
class TernQuicCryptoOnly : public QuicWorkload
{
      public:
	TernQuicCryptoOnly(struct tern_crypto_ctx *ctx, int ctx_err, const RecordSet &rs)
	    : ctx_(ctx), pk_(rs)
	{
		if (ctx == nullptr) {
			error = tern_err("tern backend unavailable", ctx_err);
			return;
		}
		if (!pk_.error.empty()) {
			error = pk_.error;
			return;
		}
		std::memset(ops_, 0, sizeof(ops_));
		std::memset(hp_, 0, sizeof(hp_));
		for (uint16_t i = 0; i < kBurst; i++) {
			int rc = tern_aead_key_create(ctx, rs.alg->aead, pk_.key(i),
						      rs.alg->key_len, &aead_[i]);
			if (rc == 0)
				rc = tern_hp_key_create(ctx, rs.alg->hp, pk_.hp(i),
							rs.alg->hp_key_len, &hpk_[i]);
			if (rc < 0) {
				error = tern_err("tern key creation", rc);
				return;
			}
			uint8_t *p = pk_.at(i);
			ops_[i].key = aead_[i];
			ops_[i].aad = p;
			ops_[i].aad_len = kQuicHdrLen;
			ops_[i].src = rs.pt_at(i);
			ops_[i].dst = p + kQuicHdrLen;
			ops_[i].len = static_cast<uint32_t>(rs.size);
			ops_[i].tag = p + kQuicHdrLen + rs.size;
			hp_[i].key = hpk_[i];
			hp_[i].sample = p + kQuicSampleOffset;
		}
	}
	~TernQuicCryptoOnly() override
	{
		for (auto *k : aead_)
			tern_aead_key_free(k);
		for (auto *k : hpk_)
			tern_hp_key_free(k);
	}
	bool run() override
	{
		const __m128i s = seq_block(pn_);
		for (uint16_t i = 0; i < kBurst; i++) {
			pk_.write_header(i, pn_);
			store_nonce(ops_[i].nonce, pk_.iv[i], s);
		}
		pn_++;
		if (tern_aead_seal_burst(ctx_, ops_, kBurst) != kBurst)
			return false;
		if (tern_hp_mask_burst(ctx_, hp_, kBurst) != 0)
			return false;
		for (uint16_t i = 0; i < kBurst; i++)
			QuicPackets::apply_mask(pk_.at(i), hp_[i].mask);
		return true;
	}
	void rewind() override
	{
		pn_ = 0;
	}
	const QuicPackets &packets() const override
	{
		return pk_;
	}

      private:
	struct tern_crypto_ctx *ctx_;
	QuicPackets pk_;
	struct tern_aead_key *aead_[kBurst] = {};
	struct tern_hp_key *hpk_[kBurst] = {};
	uint64_t pn_ = 0;
	struct tern_aead_op ops_[kBurst];
	struct tern_hp_op hp_[kBurst];
};

/* OpenSSL per packet: EVP AEAD, then an EVP AES-ECB (or ChaCha20) mask, as
 * OpenSSL-based QUIC stacks (e.g. ngtcp2's crypto_openssl) do. */
class EvpQuic : public QuicWorkload
{
      public:
	explicit EvpQuic(const RecordSet &rs) : rs_(rs), pk_(rs)
	{
		const size_t a = alg_index(*rs.alg);
		if (!pk_.error.empty()) {
			error = pk_.error;
			return;
		}
		if (g.evp_aead[a] == nullptr || g.evp_hp[a] == nullptr) {
			error = "EVP_CIPHER_fetch failed";
			return;
		}
		chacha_hp_ = rs.alg->hp == TERN_HP_CHACHA20;
		for (uint16_t i = 0; i < kBurst; i++) {
			aead_[i] = evp_ctx_new(g.evp_aead[a], pk_.key(i), true);
			hp_[i] = evp_ctx_new(g.evp_hp[a], pk_.hp(i), true);
			if (!aead_[i] || !hp_[i]) {
				error = "EVP cipher context setup failed";
				return;
			}
			if (!chacha_hp_)
				EVP_CIPHER_CTX_set_padding(hp_[i].get(), 0);
		}
	}
	bool run() override
	{
		static const uint8_t zeros[TERN_HP_MASK_LEN] = {};
		const __m128i s = seq_block(pn_);
		const uint32_t len = static_cast<uint32_t>(rs_.size);
		bool ok = true;
		for (uint16_t i = 0; i < kBurst; i++) {
			alignas(16) uint8_t nonce[16];
			uint8_t mask[TERN_HP_MASK_LEN];
			uint8_t *p = pk_.at(i);
			int n = 0;
			pk_.write_header(i, pn_);
			store_nonce(nonce, pk_.iv[i], s);
			ok &= evp_seal(aead_[i].get(), nonce, p, kQuicHdrLen, rs_.pt_at(i),
				       p + kQuicHdrLen, len, p + kQuicHdrLen + len);
			if (chacha_hp_) {
				/* EVP's ChaCha20 IV is counter(4, LE) || nonce(12):
				 * exactly the sample layout of RFC 9001 5.4.4 */
				ok &= EVP_EncryptInit_ex2(hp_[i].get(), nullptr, nullptr,
							  p + kQuicSampleOffset, nullptr) == 1;
				ok &= EVP_EncryptUpdate(hp_[i].get(), mask, &n, zeros,
							sizeof(zeros)) == 1;
			} else {
				ok &= EVP_EncryptUpdate(hp_[i].get(), mask, &n,
							p + kQuicSampleOffset,
							TERN_HP_SAMPLE_LEN) == 1;
			}
			QuicPackets::apply_mask(p, mask);
		}
		pn_++;
		return ok;
	}
	void rewind() override
	{
		pn_ = 0;
	}
	const QuicPackets &packets() const override
	{
		return pk_;
	}

      private:
	const RecordSet &rs_;
	QuicPackets pk_;
	bool chacha_hp_ = false;
	uint64_t pn_ = 0;
	EvpCtx aead_[kBurst];
	EvpCtx hp_[kBurst];
};

/* ---------------------------------------------------------------------- */
/* Families                                                                */

using Factory = std::function<std::unique_ptr<Workload>(const RecordSet &)>;

struct Family {
	const char *name;
	Factory make;
};

std::vector<Family>
families()
{
	return {
		{"tern_seal_burst",
		 [](const RecordSet &rs) {
			 return std::make_unique<TernAead>(g.tern_ipsecmb, g.tern_ipsecmb_err, rs,
							   true);
		 }},
		{"tern_open_burst",
		 [](const RecordSet &rs) {
			 return std::make_unique<TernAead>(g.tern_ipsecmb, g.tern_ipsecmb_err, rs,
							   false);
		 }},
		{"tern_seal_burst_openssl_backend",
		 [](const RecordSet &rs) {
			 return std::make_unique<TernAead>(g.tern_openssl, g.tern_openssl_err, rs,
							   true);
		 }},
		{"tern_open_burst_openssl_backend",
		 [](const RecordSet &rs) {
			 return std::make_unique<TernAead>(g.tern_openssl, g.tern_openssl_err, rs,
							   false);
		 }},
		{"ipsecmb_direct",
		 [](const RecordSet &rs) { return std::make_unique<ImbDirect>(rs, true); }},
		{"ipsecmb_direct_open",
		 [](const RecordSet &rs) { return std::make_unique<ImbDirect>(rs, false); }},
		{"openssl_evp",
		 [](const RecordSet &rs) { return std::make_unique<EvpAead>(rs, true); }},
		{"openssl_evp_open",
		 [](const RecordSet &rs) { return std::make_unique<EvpAead>(rs, false); }},
		{"quic_1rtt_protect",
		 [](const RecordSet &rs) {
			 return std::make_unique<TernQuic>(g.tern_ipsecmb, g.tern_ipsecmb_err, rs);
		 }},
		{"quic_1rtt_protect_crypto_only",
		 [](const RecordSet &rs) {
			 return std::make_unique<TernQuicCryptoOnly>(g.tern_ipsecmb,
								     g.tern_ipsecmb_err, rs);
		 }},
		{"openssl_quic_1rtt_protect",
		 [](const RecordSet &rs) { return std::make_unique<EvpQuic>(rs); }},
	};
}

void
run_benchmark(benchmark::State &st, const Family &fam, const AlgInfo &alg, size_t size)
{
	RecordSet rs(alg, size);
	std::unique_ptr<Workload> w = fam.make(rs);
	if (!w->error.empty()) {
		st.SkipWithError(w->error.c_str());
		return;
	}
	/* No PauseTiming anywhere: the TSC window must match the timed loop. */
	const uint64_t t0 = __rdtsc();
	for (auto _ : st) {
		if (!w->run()) {
			st.SkipWithError("a record failed (seal error or tag not verified)");
			break;
		}
		benchmark::ClobberMemory();
	}
	const uint64_t ticks = __rdtsc() - t0;
	const uint64_t records = static_cast<uint64_t>(st.iterations()) * kBurst;
	st.SetItemsProcessed(static_cast<int64_t>(records));
	st.SetBytesProcessed(static_cast<int64_t>(records * size));
	if (records > 0)
		st.counters["cycles_per_record"] = benchmark::Counter(static_cast<double>(ticks) /
								      static_cast<double>(records));
}

/* ---------------------------------------------------------------------- */
/* Cross-check: every implementation must produce the same bytes           */

/*
 * Before timing anything, run each workload once at sequence 0 and compare
 * with the OpenSSL reference; check that every open path rejects a corrupted
 * tag. A fast benchmark of wrong output would be worthless.
 * Returns the number of failures (printed to stderr).
 */
int
cross_check()
{
	int failures = 0;
	auto fail = [&](const std::string &what) {
		std::fprintf(stderr, "cross-check FAILED: %s\n", what.c_str());
		failures++;
	};
	const std::vector<Family> fams = families();
	for (const AlgInfo &alg : kAlgs) {
		for (size_t size : kSizes) {
			RecordSet rs(alg, size);
			const std::string where =
				std::string(alg.name) + "/" + std::to_string(size);
			std::vector<std::unique_ptr<QuicWorkload>> quic;
			for (const Family &fam : fams) {
				std::unique_ptr<Workload> w = fam.make(rs);
				const std::string id = std::string(fam.name) + "/" + where;
				if (!w->error.empty()) {
					std::fprintf(stderr, "cross-check skipped %s: %s\n",
						     id.c_str(), w->error.c_str());
					continue;
				}
				w->rewind();
				if (!w->run()) {
					fail(id + ": run() failed");
					continue;
				}
				if (auto *q = dynamic_cast<QuicWorkload *>(w.get())) {
					w.release();
					quic.emplace_back(q);
					continue;
				}
				for (uint16_t i = 0; i < kBurst; i++) {
					if (w->out_ct(i) != nullptr &&
					    (std::memcmp(w->out_ct(i), rs.ref_ct_at(i), size) !=
						     0 ||
					     std::memcmp(w->out_tag(i), rs.ref_tag(i), 16) != 0)) {
						fail(id + ": ciphertext/tag differs from OpenSSL");
						break;
					}
					if (w->out_pt(i) != nullptr &&
					    std::memcmp(w->out_pt(i), rs.pt_at(i), size) != 0) {
						fail(id + ": plaintext differs");
						break;
					}
				}
				if (w->out_pt(0) != nullptr) {
					/* one flipped tag bit must make the burst fail */
					rs.ref_tag(kBurst - 1)[0] ^= 1;
					if (w->run())
						fail(id + ": accepted a corrupted tag");
					rs.ref_tag(kBurst - 1)[0] ^= 1;
				}
			}
			for (size_t j = 1; j < quic.size(); j++) {
				const QuicPackets &a = quic[0]->packets(), &b = quic[j]->packets();
				for (uint16_t i = 0; i < kBurst; i++) {
					if (std::memcmp(a.at(i), b.at(i), a.len()) != 0) {
						fail("quic protect outputs differ at " + where);
						break;
					}
				}
			}
		}
	}
	return failures;
}

const char *
imb_arch_name(IMB_ARCH a)
{
	switch (a) {
	case IMB_ARCH_NOAESNI:
		return "noaesni";
	case IMB_ARCH_SSE:
		return "sse";
	case IMB_ARCH_AVX:
		return "avx";
	case IMB_ARCH_AVX2:
		return "avx2";
	case IMB_ARCH_AVX512:
		return "avx512";
	default:
		return "none";
	}
}

void
setup_globals()
{
	int rc = tern_crypto_ctx_create(TERN_CRYPTO_BACKEND_IPSECMB, &g.tern_ipsecmb);
	if (rc < 0) {
		g.tern_ipsecmb = nullptr;
		g.tern_ipsecmb_err = rc;
	}
	rc = tern_crypto_ctx_create(TERN_CRYPTO_BACKEND_OPENSSL, &g.tern_openssl);
	if (rc < 0) {
		g.tern_openssl = nullptr;
		g.tern_openssl_err = rc;
	}
	g.imb = alloc_mb_mgr(0);
	if (g.imb != nullptr)
		init_mb_mgr_auto(g.imb, &g.imb_arch);
	for (const AlgInfo &a : kAlgs) {
		g.evp_aead[alg_index(a)] = EVP_CIPHER_fetch(nullptr, a.evp_aead, nullptr);
		g.evp_hp[alg_index(a)] = EVP_CIPHER_fetch(nullptr, a.evp_hp, nullptr);
	}
}

void
free_globals()
{
	tern_crypto_ctx_free(g.tern_ipsecmb);
	tern_crypto_ctx_free(g.tern_openssl);
	free_mb_mgr(g.imb);
	for (size_t i = 0; i < 3; i++) {
		EVP_CIPHER_free(g.evp_aead[i]);
		EVP_CIPHER_free(g.evp_hp[i]);
	}
}

std::string
describe(struct tern_crypto_ctx *ctx, int err)
{
	return ctx != nullptr ? tern_crypto_ctx_describe(ctx)
			      : std::string("unavailable (") + tern_strerror(err) + ")";
}

} /* namespace */

int
main(int argc, char **argv)
{
	std::vector<char *> args(argv, argv + argc);
	const bool has_min_time = std::any_of(args.begin(), args.end(), [](const char *a) {
		return std::strncmp(a, "--benchmark_min_time", 20) == 0;
	});
	if (!has_min_time)
		args.insert(args.begin() + 1, const_cast<char *>(kDefaultMinTime));
	int n = static_cast<int>(args.size());
	args.push_back(nullptr);
	benchmark::Initialize(&n, args.data());
	if (benchmark::ReportUnrecognizedArguments(n, args.data()))
		return 1;

	setup_globals();
	const int failures = cross_check();
	if (failures != 0) {
		std::fprintf(stderr, "%d cross-check failure(s): not benchmarking wrong output\n",
			     failures);
		free_globals();
		return 1;
	}

	benchmark::AddCustomContext("tern_backend", describe(g.tern_ipsecmb, g.tern_ipsecmb_err));
	benchmark::AddCustomContext("tern_backend_openssl",
				    describe(g.tern_openssl, g.tern_openssl_err));
	benchmark::AddCustomContext("ipsecmb_direct", std::string("ipsecmb-") +
							      imb_get_version_str() + "/" +
							      imb_arch_name(g.imb_arch));
	benchmark::AddCustomContext("openssl", OpenSSL_version(OPENSSL_VERSION));
	benchmark::AddCustomContext("records_per_iteration", std::to_string(kBurst));
	benchmark::AddCustomContext("aad_bytes", std::to_string(kAadLen));
	benchmark::AddCustomContext("cycles", "TSC ticks (__rdtsc), averaged per record");

	/* Every family of one (AEAD, size) runs back to back, so the ratios
	 * the report prints compare numbers taken seconds apart, not minutes:
	 * this machine's load drifts. */
	const std::vector<Family> fams = families();
	for (const AlgInfo &alg : kAlgs)
		for (size_t size : kSizes)
			for (const Family &fam : fams) {
				const std::string name = std::string(fam.name) + "/" + alg.name +
							 "/" + std::to_string(size);
				benchmark::RegisterBenchmark(
					name.c_str(), [&fam, &alg, size](benchmark::State &st) {
						run_benchmark(st, fam, alg, size);
					});
			}

	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	free_globals();
	return 0;
}
