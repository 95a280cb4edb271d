/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tern-bench-quic: bulk transfer on one QUIC stream between two connections
 * in the same process, no sockets: tern <-> tern (include/tern/quic.h) next
 * to ngtcp2 <-> ngtcp2 (libngtcp2 0.12 + ngtcp2_crypto_gnutls), measured
 * side by side in one run so that the ratio survives a noisy machine.
 *
 * Both stacks run under the same driver (class Driver), one lock-step round
 * at a time on a fake clock:
 *   1. the client (sender) writes up to kBurst datagrams into the c2s queue,
 *   2. kTick/2 later the server reads them all, the application drains the
 *      stream, and the server writes everything it has (ACKs, MAX_DATA) into s2c,
 *   3. kTick/2 later the client reads them; expired timers run (a round in
 *      which nothing was sent jumps the clock to the next timer).
 * So both stacks see an RTT of kTick (20 us) and every round's data is
 * acknowledged within the round (one ACK per round: the receiver reads the
 * whole burst before it writes).
 * Datagrams are at most kMaxUdp (1200) bytes both ways: the send buffer
 * handed to each stack is exactly that big, and both advertise and use a
 * 1200-byte max_udp_payload_size. Same cipher suite (TLS_AES_128_GCM_SHA256),
 * same 8-byte connection IDs, CUBIC, no pacing, no idle timeout, 16 MiB
 * stream / 24 MiB connection windows on both stacks. Nothing is lost, and a
 * round never has more than kBurst data packets in flight, so after the
 * first rounds neither congestion nor flow control holds the sender back:
 * each round is a full burst of full packets.
 *
 * The application on the sending side keeps at most kAppWindow bytes
 * handed to the stack and not yet read by the receiving application (a
 * socket-buffer-like limit, the same for both stacks): tern copies the data
 * into its send buffer, ngtcp2 references it, and either way the working
 * set stays bounded.
 *
 * Timed region: the transfer of g_xfer_bytes (default 16 MiB, --xfer_mib=N)
 * per iteration, both endpoints' work (the whole thing runs in this
 * thread). The handshake and a 1 MiB warm-up transfer whose bytes are
 * compared with what was sent happen before, once per benchmark run.
 * Counters: cycles_per_byte (TSC ticks over the timed loop per stream byte),
 * cycles_per_packet (per datagram the sender sent), cpu_cycles_per_* (the
 * thread's CPU time in TSC ticks: without the time other processes had the
 * core), packets (sender datagrams per iteration), acks (receiver datagrams
 * per iteration), packets_per_round (kBurst when nothing held the sender
 * back), cwnd, lost, dropped. bytes_per_second / items_per_second are stream
 * bytes / sender packets per second of wall time.
 * scripts/bench-quic prints the table and the tern/ngtcp2 ratio.
 * A third row, tern_openssl, is the tern transfer on tern's OpenSSL crypto
 * backend: how much of the difference is the AEAD implementation.
 */

#include <benchmark/benchmark.h>

#include <x86intrin.h>

#include <algorithm>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>

#include <tern/crypto.h>
#include <tern/error.h>
#include <tern/quic.h>
#include <tern/tls_config.h>

namespace
{

constexpr size_t kMaxUdp = 1200;		/* UDP payload, both ways */
constexpr size_t kBurst = 32;			/* sender datagrams per round */
constexpr uint64_t kTick = 20000;		/* ns of fake time per round */
constexpr uint64_t kAppWindow = 256 << 10;	/* handed over, not yet read */
constexpr uint64_t kWarmupBytes = 1 << 20;	/* verified, untimed */
constexpr size_t kPatLen = 1 << 20;		/* source data, cycled */
constexpr uint64_t kStreamWindow = 16ULL << 20; /* both stacks */
constexpr uint64_t kConnWindow = 24ULL << 20;	/* both stacks */
constexpr uint64_t kMaxRounds = 100000000;	/* stall guards */
constexpr uint64_t kMaxStuckRounds = 10000;
constexpr uint64_t kMaxIdleRounds = 200; /* rounds without a datagram */
constexpr uint16_t kSuite = 0x1301;	 /* TLS_AES_128_GCM_SHA256 */
constexpr const char kAlpn[] = "tern-bench";
constexpr const char kGnutlsPriority[] =
	"%DISABLE_TLS13_COMPAT_MODE:NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM";
constexpr const char kDefaultMinTime[] = "--benchmark_min_time=0.5";

uint64_t g_xfer_bytes = 16ULL << 20;
double g_tsc_per_ns = 0; /* calibrated at start-up */

uint64_t
clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return static_cast<uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

/* TSC ticks per nanosecond, over 100 ms of CLOCK_MONOTONIC (invariant TSC). */
double
calibrate_tsc()
{
	const uint64_t n0 = clock_ns(CLOCK_MONOTONIC), t0 = __rdtsc();
	struct timespec d = {0, 100000000};
	nanosleep(&d, nullptr);
	const uint64_t n1 = clock_ns(CLOCK_MONOTONIC), t1 = __rdtsc();
	return static_cast<double>(t1 - t0) / static_cast<double>(n1 - n0);
}

/* ---------------------------------------------------------------------- */
/* Source data and certificates                                            */

/* splitmix64: deterministic, not secret */
struct Prng {
	uint64_t s;
	uint64_t next()
	{
		uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		return z ^ (z >> 31);
	}
};

/* Stream byte i is g_pat[i % kPatLen]; static for the process lifetime, as
 * ngtcp2 keeps pointers to unacknowledged data. */
std::vector<uint8_t> g_pat;

void
make_pattern()
{
	Prng p{42};
	g_pat.resize(kPatLen);
	for (size_t i = 0; i < kPatLen; i += 8) {
		uint64_t v = p.next();
		std::memcpy(&g_pat[i], &v, 8);
	}
}

/* Up to two pieces of the pattern covering stream bytes [off, off + len). */
size_t
pattern_pieces(uint64_t off, uint64_t len, const uint8_t *base[2], size_t plen[2])
{
	size_t n = 0;
	while (len > 0 && n < 2) {
		size_t at = static_cast<size_t>(off % kPatLen);
		size_t k = static_cast<size_t>(std::min<uint64_t>(len, kPatLen - at));
		base[n] = g_pat.data() + at;
		plen[n] = k;
		n++;
		off += k;
		len -= k;
	}
	return n;
}

/* A CA and a "localhost" leaf (EC P-256) made with libcrypto at start-up,
 * written as PEM files into a private temporary directory. */
struct Pki {
	char dir[64] = "";
	std::string ca, chain, key;
	std::string error;
	~Pki()
	{
		if (dir[0] == '\0')
			return;
		for (const std::string *f : {&ca, &chain, &key})
			if (!f->empty())
				unlink(f->c_str());
		rmdir(dir);
	}
};

bool
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : x, x, nullptr, nullptr, 0);
	X509_EXTENSION *e = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
	if (e == nullptr)
		return false;
	bool ok = X509_add_ext(x, e, -1) == 1;
	X509_EXTENSION_free(e);
	return ok;
}

X509 *
make_cert(EVP_PKEY *key, const char *cn, const char *san, X509 *issuer, EVP_PKEY *issuer_key,
	  bool ca)
{
	X509 *x = X509_new();
	uint64_t serial = 0;
	if (x == nullptr)
		return nullptr;
	RAND_bytes(reinterpret_cast<unsigned char *>(&serial), sizeof(serial));
	X509_set_version(x, 2);
	ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial >> 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	X509_NAME *name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   reinterpret_cast<const unsigned char *>(cn), -1, -1, 0);
	X509_set_issuer_name(x, issuer != nullptr ? X509_get_subject_name(issuer) : name);
	bool ok = add_ext(x, issuer, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
	if (ca)
		ok = ok && add_ext(x, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
	if (san != nullptr)
		ok = ok && add_ext(x, issuer, NID_subject_alt_name, san);
	ok = ok && X509_sign(x, issuer_key != nullptr ? issuer_key : key, EVP_sha256()) > 0;
	if (!ok) {
		X509_free(x);
		return nullptr;
	}
	return x;
}

bool
write_pem(const std::string &path, X509 *const *certs, int n, EVP_PKEY *key)
{
	FILE *f = std::fopen(path.c_str(), "w");
	bool ok = f != nullptr;
	for (int i = 0; ok && i < n; i++)
		ok = PEM_write_X509(f, certs[i]) == 1;
	if (ok && key != nullptr)
		ok = PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
	if (f != nullptr && std::fclose(f) != 0)
		ok = false;
	return ok;
}

bool
make_pki(Pki &p)
{
	std::strcpy(p.dir, "/tmp/tern-bench-quic-XXXXXX");
	if (mkdtemp(p.dir) == nullptr) {
		p.dir[0] = '\0';
		p.error = "mkdtemp failed";
		return false;
	}
	p.ca = std::string(p.dir) + "/ca.pem";
	p.chain = std::string(p.dir) + "/chain.pem";
	p.key = std::string(p.dir) + "/key.pem";
	EVP_PKEY *cak = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
	EVP_PKEY *lk = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
	X509 *ca = nullptr, *leaf = nullptr;
	bool ok = cak != nullptr && lk != nullptr;
	if (ok)
		ca = make_cert(cak, "tern bench CA", nullptr, nullptr, nullptr, true);
	if (ca != nullptr)
		leaf = make_cert(lk, "localhost", "DNS:localhost,IP:127.0.0.1", ca, cak, false);
	ok = ok && ca != nullptr && leaf != nullptr;
	X509 *chain[2] = {leaf, ca};
	ok = ok && write_pem(p.ca, &ca, 1, nullptr) && write_pem(p.chain, chain, 2, nullptr) &&
	     write_pem(p.key, nullptr, 0, lk);
	X509_free(leaf);
	X509_free(ca);
	EVP_PKEY_free(cak);
	EVP_PKEY_free(lk);
	if (!ok)
		p.error = "certificate generation with libcrypto failed";
	return ok;
}

Pki g_pki;

/* ---------------------------------------------------------------------- */
/* In-process datagram queue                                               */

/* Datagrams of one direction for one round: the sender writes straight into
 * a slot, the receiver reads (tern: decrypts in place) from it. No copies. */
class Queue
{
      public:
	Queue()
	{
		buf_.resize(256 * kMaxUdp);
		len_.reserve(256);
	}
	uint8_t *slot()
	{
		if ((len_.size() + 1) * kMaxUdp > buf_.size())
			buf_.resize(buf_.size() * 2);
		return buf_.data() + len_.size() * kMaxUdp;
	}
	void commit(size_t n)
	{
		len_.push_back(n);
	}
	size_t size() const
	{
		return len_.size();
	}
	uint8_t *at(size_t i)
	{
		return buf_.data() + i * kMaxUdp;
	}
	size_t len(size_t i) const
	{
		return len_[i];
	}
	void clear()
	{
		len_.clear();
	}

      private:
	std::vector<uint8_t> buf_;
	std::vector<size_t> len_;
};

/* ---------------------------------------------------------------------- */
/* The driver: identical for both stacks                                   */

struct Stats {
	uint64_t cwnd = 0;
	bool counts_loss = false; /* ngtcp2 0.12 has no lost/dropped packet counters */
	uint64_t lost = 0;
	uint64_t dropped = 0;
	std::string cipher;
};

class Driver
{
      public:
	virtual ~Driver() = default;

	/* Create both endpoints (the server's may wait for the first Initial). */
	virtual bool create(std::string &err) = 0;
	/* Client: hand stream data up to offset `allowed`, write up to max datagrams. */
	virtual int client_send(Queue &q, size_t max, uint64_t allowed, std::string &err) = 0;
	virtual int server_send(Queue &q, std::string &err) = 0;
	virtual bool client_recv(Queue &q, std::string &err) = 0;
	virtual bool server_recv(Queue &q, std::string &err) = 0;
	/* Server application: read the stream, count (and maybe check) bytes. */
	virtual bool server_drain(std::string &err) = 0;
	virtual uint64_t next_timer() = 0;
	virtual void on_timers() = 0;
	virtual bool established() = 0;
	/* After the handshake: open the client's stream 0. */
	virtual bool open_stream(std::string &err) = 0;
	virtual Stats stats() = 0;

	/* Handshake, settle, open the stream, warm-up transfer with a content check. */
	bool setup(std::string &err)
	{
		if (!create(err))
			return false;
		uint64_t n = 0;
		while (!established()) {
			if (!round(0, err))
				return false;
			if (++n > 10000) {
				err = "handshake did not complete in 10000 rounds";
				return false;
			}
		}
		/* let HANDSHAKE_DONE, NEW_CONNECTION_ID and their ACKs settle */
		quiet_ok_ = true;
		for (int i = 0; i < 64 && !quiet_; i++)
			if (!round(0, err))
				return false;
		quiet_ok_ = false;
		if (!open_stream(err))
			return false;
		verify_ = true;
		bool ok = transfer(kWarmupBytes, err);
		verify_ = false;
		if (ok && verify_bad_) {
			err = "received stream data differs from what was sent";
			ok = false;
		}
		return ok;
	}

	/* Send `bytes` more on the stream; return once the receiver read them all. */
	bool transfer(uint64_t bytes, std::string &err)
	{
		const uint64_t target = rx_total_ + bytes;
		uint64_t last = rx_total_, same = 0;
		tx_limit_ += bytes;
		while (rx_total_ < target) {
			uint64_t allowed = std::min(tx_limit_, rx_total_ + kAppWindow);
			if (!round(allowed, err))
				return false;
			if (rx_total_ != last) {
				last = rx_total_;
				same = 0;
			} else if (++same > kMaxStuckRounds) {
				err = "stalled: datagrams but no stream data for " +
				      std::to_string(kMaxStuckRounds) + " rounds" + where();
				return false;
			}
		}
		return true;
	}

	uint64_t rx_total() const
	{
		return rx_total_;
	}
	uint64_t rounds() const
	{
		return rounds_;
	}
	uint64_t c_dgrams = 0; /* datagrams the client (sender) wrote */
	uint64_t s_dgrams = 0; /* datagrams the server (receiver) wrote */

      protected:
	uint64_t now_ = 1000000000ULL; /* fake clock, ns */
	uint64_t tx_off_ = 0;	       /* stream bytes handed to the client stack */
	uint64_t tx_limit_ = 0;
	uint64_t rx_total_ = 0; /* stream bytes the server application read */
	bool verify_ = false;
	bool verify_bad_ = false;

	/* Receiver side of the application: count, and during the warm-up
	 * compare with the pattern. */
	void consume(const uint8_t *p, size_t n)
	{
		if (verify_) {
			const uint8_t *base[2];
			size_t plen[2];
			size_t k = pattern_pieces(rx_total_, n, base, plen), off = 0;
			for (size_t i = 0; i < k; i++) {
				if (std::memcmp(p + off, base[i], plen[i]) != 0)
					verify_bad_ = true;
				off += plen[i];
			}
		}
		rx_total_ += n;
	}

      private:
	Queue c2s_, s2c_;

	std::string where()
	{
		return " (established " + std::to_string(established()) + ", handed over " +
		       std::to_string(tx_off_) + ", read " + std::to_string(rx_total_) +
		       ", datagrams c->s " + std::to_string(c_dgrams) + " s->c " +
		       std::to_string(s_dgrams) + ")";
	}
	uint64_t rounds_ = 0, idle_ = 0;

	bool quiet_ok_ = false; /* nothing to send and no timer is not a stall */
	bool quiet_ = false;

	bool round(uint64_t allowed, std::string &err)
	{
		quiet_ = false;
		c2s_.clear();
		int nc = client_send(c2s_, kBurst, allowed, err);
		if (nc < 0)
			return false;
		c_dgrams += static_cast<uint64_t>(nc);
		now_ += kTick / 2; /* one-way delay: the RTT both stacks see is kTick */
		if (!server_recv(c2s_, err) || !server_drain(err))
			return false;
		s2c_.clear();
		int ns = server_send(s2c_, err);
		if (ns < 0)
			return false;
		s_dgrams += static_cast<uint64_t>(ns);
		now_ += kTick / 2;
		if (!client_recv(s2c_, err))
			return false;
		if (nc == 0 && ns == 0) {
			/* nothing moved: jump to the next timer (delayed ACK, PTO) */
			uint64_t t = next_timer();
			if (t == UINT64_MAX && quiet_ok_) {
				quiet_ = true;
				return true;
			}
			if (t == UINT64_MAX || ++idle_ > kMaxIdleRounds) {
				err = std::string(t == UINT64_MAX
							  ? "stalled: no datagram and no timer"
							  : "stalled: only timers fire") +
				      where();
				return false;
			}
			if (t > now_)
				now_ = t;
		} else {
			idle_ = 0;
		}
		on_timers();
		if (++rounds_ > kMaxRounds) {
			err = "stalled: round limit" + where();
			return false;
		}
		return true;
	}
};

/* ---------------------------------------------------------------------- */
/* tern <-> tern                                                           */

std::string
terr(const char *what, long rc)
{
	return std::string(what) + ": " + tern_strerror(static_cast<int>(rc)) + " (" +
	       std::to_string(rc) + ")";
}

std::string
tern_conn_error(struct tern_quic_conn *c, const char *who)
{
	struct tern_quic_conn_error e;
	char buf[200];
	std::string s;
	if (c == nullptr)
		return s;
	if (tern_quic_conn_local_error(c, &e)) {
		std::snprintf(buf, sizeof(buf),
			      "; %s closed: %s 0x%" PRIx64 " frame 0x%" PRIx64 " '%.*s'", who,
			      e.is_app ? "app" : "transport", e.error_code, e.frame_type,
			      static_cast<int>(e.reason_len),
			      reinterpret_cast<const char *>(e.reason));
		s += buf;
	}
	if (tern_quic_conn_peer_error(c, &e)) {
		std::snprintf(buf, sizeof(buf), "; %s got close: %s 0x%" PRIx64 " '%.*s'", who,
			      e.is_app ? "app" : "transport", e.error_code,
			      static_cast<int>(e.reason_len),
			      reinterpret_cast<const char *>(e.reason));
		s += buf;
	}
	return s;
}

class TernDriver : public Driver
{
      public:
	explicit TernDriver(enum tern_crypto_backend be = TERN_CRYPTO_BACKEND_AUTO) : backend_(be)
	{
	}
	~TernDriver() override
	{
		tern_quic_conn_free(c_);
		tern_quic_conn_free(s_);
		tern_quic_config_free(ccfg_);
		tern_quic_config_free(scfg_);
		tern_tls_config_free(ctls_);
		tern_tls_config_free(stls_);
		tern_crypto_ctx_free(cctx_);
	}

	bool create(std::string &err) override
	{
		static const uint8_t kCcid[8] = {0xc1, 0x1e, 0x47, 0x77, 5, 6, 7, 8};
		static const uint8_t kScid[8] = {0x5e, 0x41, 0x5e, 0x42, 1, 2, 3, 4};
		const char *alpn[] = {kAlpn};
		long rc;

		caddr_.sin_family = AF_INET;
		caddr_.sin_port = htons(40000);
		caddr_.sin_addr.s_addr = htonl(0x7f000001);
		saddr_ = caddr_;
		saddr_.sin_port = htons(4433);
		if ((rc = tern_crypto_ctx_create(backend_, &cctx_)) < 0) {
			err = terr("tern_crypto_ctx_create", rc);
			return false;
		}
		if ((rc = tern_tls_config_new(TERN_TLS_SERVER, &stls_)) < 0 ||
		    (rc = tern_tls_config_load_cert_chain(stls_, g_pki.chain.c_str(),
							  g_pki.key.c_str())) < 0 ||
		    (rc = tern_tls_config_set_cipher_suites(stls_, &kSuite, 1)) < 0 ||
		    (rc = tern_tls_config_new(TERN_TLS_CLIENT, &ctls_)) < 0 ||
		    (rc = tern_tls_config_load_ca_file(ctls_, g_pki.ca.c_str())) < 0 ||
		    (rc = tern_tls_config_set_cipher_suites(ctls_, &kSuite, 1)) < 0) {
			err = terr("tern TLS configuration", rc);
			return false;
		}
		if ((rc = config(stls_, &scfg_, alpn)) < 0 ||
		    (rc = config(ctls_, &ccfg_, alpn)) < 0) {
			err = terr("tern QUIC configuration", rc);
			return false;
		}
		rc = tern_quic_connect("localhost", kCcid, sizeof(kCcid), sa(caddr_),
				       sizeof(caddr_), sa(saddr_), sizeof(saddr_), ccfg_, cctx_,
				       now_, &c_);
		if (rc < 0) {
			err = terr("tern_quic_connect", rc);
			return false;
		}
		rc = tern_quic_accept(kScid, sizeof(kScid), nullptr, 0, sa(saddr_), sizeof(saddr_),
				      sa(caddr_), sizeof(caddr_), scfg_, cctx_, now_, &s_);
		if (rc < 0) {
			err = terr("tern_quic_accept", rc);
			return false;
		}
		return true;
	}

	int client_send(Queue &q, size_t max, uint64_t allowed, std::string &err) override
	{
		while (tx_off_ < allowed) {
			const uint8_t *base[2];
			size_t plen[2];
			pattern_pieces(tx_off_, allowed - tx_off_, base, plen);
			long n = tern_quic_conn_stream_send(c_, 0, base[0], plen[0], false);
			if (n == TERN_QUIC_DONE || n == 0)
				break;
			if (n < 0) {
				err = terr("client tern_quic_conn_stream_send", n) +
				      tern_conn_error(c_, "client");
				return -1;
			}
			tx_off_ += static_cast<uint64_t>(n);
		}
		return send(c_, q, max, "client", err);
	}

	int server_send(Queue &q, std::string &err) override
	{
		return send(s_, q, SIZE_MAX, "server", err);
	}

	bool client_recv(Queue &q, std::string &err) override
	{
		return recv(c_, q, saddr_, caddr_, "client", err);
	}

	bool server_recv(Queue &q, std::string &err) override
	{
		return recv(s_, q, caddr_, saddr_, "server", err);
	}

	bool server_drain(std::string &err) override
	{
		if (!stream_open_)
			return true;
		for (;;) {
			bool fin = false;
			long n = tern_quic_conn_stream_recv(s_, 0, sink_, sizeof(sink_), &fin);
			if (n == TERN_QUIC_DONE || n == 0)
				return true;
			if (n < 0) {
				/* -TERN_EINVAL: nothing received on the stream yet */
				if (n == -TERN_EINVAL && rx_total_ == 0)
					return true;
				err = terr("server tern_quic_conn_stream_recv", n) +
				      tern_conn_error(s_, "server");
				return false;
			}
			consume(sink_, static_cast<size_t>(n));
		}
	}

	uint64_t next_timer() override
	{
		return std::min(tern_quic_conn_timeout(c_), tern_quic_conn_timeout(s_));
	}

	void on_timers() override
	{
		if (tern_quic_conn_timeout(c_) <= now_)
			tern_quic_conn_on_timeout(c_, now_);
		if (tern_quic_conn_timeout(s_) <= now_)
			tern_quic_conn_on_timeout(s_, now_);
	}

	bool established() override
	{
		return tern_quic_conn_is_established(c_) && tern_quic_conn_is_established(s_);
	}

	bool open_stream(std::string &err) override
	{
		(void)err;
		stream_open_ = true; /* stream 0 opens with its first byte */
		return true;
	}

	Stats stats() override
	{
		struct tern_quic_stats cst, sst;
		struct tern_quic_path_stats ps;
		Stats r;
		tern_quic_conn_stats(c_, &cst);
		tern_quic_conn_stats(s_, &sst);
		tern_quic_conn_path_stats(c_, &ps);
		r.cwnd = ps.cwnd; /* the sender's */
		r.counts_loss = true;
		r.lost = cst.lost + sst.lost;
		r.dropped = cst.dropped + sst.dropped;
		r.cipher = std::string("TLS_AES_128_GCM_SHA256 (only suite configured), ") +
			   tern_crypto_ctx_describe(cctx_);
		return r;
	}

      private:
	enum tern_crypto_backend backend_;
	struct tern_crypto_ctx *cctx_ = nullptr;
	struct tern_tls_config *stls_ = nullptr, *ctls_ = nullptr;
	struct tern_quic_config *scfg_ = nullptr, *ccfg_ = nullptr;
	struct tern_quic_conn *c_ = nullptr, *s_ = nullptr;
	struct sockaddr_in caddr_ = {}, saddr_ = {};
	bool stream_open_ = false;
	uint8_t sink_[64 << 10];

	static const struct sockaddr *sa(const struct sockaddr_in &a)
	{
		return reinterpret_cast<const struct sockaddr *>(&a);
	}

	static long config(struct tern_tls_config *tls, struct tern_quic_config **cfgp,
			   const char **alpn)
	{
		long rc = tern_quic_config_new(tls, cfgp);
		if (rc < 0)
			return rc;
		struct tern_quic_config *c = *cfgp;
		if ((rc = tern_quic_config_set_application_protos(c, alpn, 1)) < 0 ||
		    (rc = tern_quic_config_set_max_send_udp_payload_size(c, kMaxUdp)) < 0 ||
		    (rc = tern_quic_config_set_max_recv_udp_payload_size(c, kMaxUdp)) < 0 ||
		    (rc = tern_quic_config_set_cc_algorithm(c, TERN_QUIC_CC_CUBIC)) < 0 ||
		    (rc = tern_quic_config_set_initial_max_streams_bidi(c, 100)) < 0 ||
		    (rc = tern_quic_config_set_initial_max_streams_uni(c, 100)) < 0)
			return rc;
		tern_quic_config_set_max_idle_timeout(c, 0);
		tern_quic_config_enable_pacing(c, false);
		tern_quic_config_set_initial_max_data(c, kConnWindow);
		tern_quic_config_set_initial_max_stream_data_bidi_local(c, kStreamWindow);
		tern_quic_config_set_initial_max_stream_data_bidi_remote(c, kStreamWindow);
		tern_quic_config_set_initial_max_stream_data_uni(c, kStreamWindow);
		tern_quic_config_set_max_connection_window(c, kConnWindow);
		tern_quic_config_set_max_stream_window(c, kStreamWindow);
		return 0;
	}

	int send(struct tern_quic_conn *c, Queue &q, size_t max, const char *who, std::string &err)
	{
		struct tern_quic_send_info si;
		size_t n = 0;
		while (n < max) {
			int rc = tern_quic_conn_send(c, q.slot(), kMaxUdp, &si, now_);
			if (rc == TERN_QUIC_DONE)
				break;
			if (rc <= 0) {
				err = terr((std::string(who) + " tern_quic_conn_send").c_str(),
					   rc) +
				      tern_conn_error(c, who);
				return -1;
			}
			q.commit(static_cast<size_t>(rc));
			n++;
		}
		return static_cast<int>(n);
	}

	bool recv(struct tern_quic_conn *c, Queue &q, const struct sockaddr_in &from,
		  const struct sockaddr_in &to, const char *who, std::string &err)
	{
		struct tern_quic_recv_info ri;
		ri.from = sa(from);
		ri.from_len = sizeof(from);
		ri.to = sa(to);
		ri.to_len = sizeof(to);
		for (size_t i = 0; i < q.size(); i++) {
			int rc = tern_quic_conn_recv(c, q.at(i), q.len(i), &ri, now_);
			if (rc < 0) {
				err = terr((std::string(who) + " tern_quic_conn_recv").c_str(),
					   rc) +
				      tern_conn_error(c, who);
				return false;
			}
		}
		return true;
	}
};

/* ---------------------------------------------------------------------- */
/* ngtcp2 <-> ngtcp2                                                       */

struct NgEnd {
	ngtcp2_conn *conn = nullptr;
	gnutls_session_t tls = nullptr;
	gnutls_certificate_credentials_t cred = nullptr;
	ngtcp2_crypto_conn_ref ref = {};
	struct sockaddr_in local = {}, remote = {};
	bool server = false;
	bool hs_done = false;
	bool confirmed = false;
	class NgDriver *drv = nullptr;
};

ngtcp2_conn *
ng_get_conn(ngtcp2_crypto_conn_ref *ref)
{
	return static_cast<NgEnd *>(ref->user_data)->conn;
}

void
ng_rand(uint8_t *dest, size_t len, const ngtcp2_rand_ctx *)
{
	gnutls_rnd(GNUTLS_RND_RANDOM, dest, len);
}

int
ng_new_cid(ngtcp2_conn *, ngtcp2_cid *cid, uint8_t *token, size_t cidlen, void *)
{
	if (gnutls_rnd(GNUTLS_RND_RANDOM, cid->data, cidlen) != 0 ||
	    gnutls_rnd(GNUTLS_RND_RANDOM, token, NGTCP2_STATELESS_RESET_TOKENLEN) != 0)
		return NGTCP2_ERR_CALLBACK_FAILURE;
	cid->datalen = cidlen;
	return 0;
}

int
ng_hs_completed(ngtcp2_conn *, void *ud)
{
	NgEnd *e = static_cast<NgEnd *>(ud);
	e->hs_done = true;
	if (e->server)
		e->confirmed = true; /* RFC 9001 4.1.2 */
	return 0;
}

int
ng_hs_confirmed(ngtcp2_conn *, void *ud)
{
	static_cast<NgEnd *>(ud)->confirmed = true;
	return 0;
}

int ng_recv_stream_data(ngtcp2_conn *conn, uint32_t flags, int64_t id, uint64_t offset,
			const uint8_t *data, size_t len, void *ud, void *sud);

class NgDriver : public Driver
{
      public:
	~NgDriver() override
	{
		for (NgEnd *e : {&c_, &s_}) {
			if (e->conn != nullptr)
				ngtcp2_conn_del(e->conn);
			if (e->tls != nullptr)
				gnutls_deinit(e->tls);
			if (e->cred != nullptr)
				gnutls_certificate_free_credentials(e->cred);
		}
	}

	bool create(std::string &err) override
	{
		c_.drv = s_.drv = this;
		c_.local.sin_family = AF_INET;
		c_.local.sin_port = htons(40000);
		c_.local.sin_addr.s_addr = htonl(0x7f000001);
		s_.local = c_.local;
		s_.local.sin_port = htons(4433);
		c_.remote = s_.local;
		s_.remote = c_.local;
		s_.server = true;

		ngtcp2_callbacks cb;
		ngtcp2_settings st;
		ngtcp2_transport_params tp;
		ngtcp2_cid dcid, scid;
		fill(cb, st, tp, false);
		dcid.datalen = 8;
		scid.datalen = 8;
		gnutls_rnd(GNUTLS_RND_RANDOM, dcid.data, dcid.datalen);
		gnutls_rnd(GNUTLS_RND_RANDOM, scid.data, scid.datalen);
		ngtcp2_path path = make_path(c_);
		int rv = ngtcp2_conn_client_new(&c_.conn, &dcid, &scid, &path, NGTCP2_PROTO_VER_V1,
						&cb, &st, &tp, nullptr, &c_);
		if (rv != 0) {
			err = std::string("ngtcp2_conn_client_new: ") + ngtcp2_strerror(rv);
			return false;
		}
		return tls_setup(c_, err);
	}

	int client_send(Queue &q, size_t max, uint64_t allowed, std::string &err) override
	{
		return send(c_, q, max, allowed, err);
	}

	int server_send(Queue &q, std::string &err) override
	{
		if (s_.conn == nullptr)
			return 0;
		return send(s_, q, SIZE_MAX, 0, err);
	}

	bool client_recv(Queue &q, std::string &err) override
	{
		return recv(c_, q, err);
	}

	bool server_recv(Queue &q, std::string &err) override
	{
		if (s_.conn == nullptr && q.size() > 0 && !accept(q.at(0), q.len(0), err))
			return false;
		return recv(s_, q, err);
	}

	bool server_drain(std::string &) override
	{
		return true; /* ng_recv_stream_data consumed it already */
	}

	uint64_t next_timer() override
	{
		uint64_t t = ngtcp2_conn_get_expiry(c_.conn);
		if (s_.conn != nullptr)
			t = std::min<uint64_t>(t, ngtcp2_conn_get_expiry(s_.conn));
		return t;
	}

	void on_timers() override
	{
		for (NgEnd *e : {&c_, &s_})
			if (e->conn != nullptr && ngtcp2_conn_get_expiry(e->conn) <= now_)
				ngtcp2_conn_handle_expiry(e->conn, now_);
	}

	bool established() override
	{
		return c_.hs_done && c_.confirmed && s_.hs_done;
	}

	bool open_stream(std::string &err) override
	{
		int rv = ngtcp2_conn_open_bidi_stream(c_.conn, &sid_, nullptr);
		if (rv != 0) {
			err = std::string("ngtcp2_conn_open_bidi_stream: ") + ngtcp2_strerror(rv);
			return false;
		}
		return true;
	}

	Stats stats() override
	{
		ngtcp2_conn_stat cs;
		Stats r;
		ngtcp2_conn_get_conn_stat(c_.conn, &cs);
		r.cwnd = cs.cwnd;
		r.cipher = gnutls_cipher_get_name(gnutls_cipher_get(c_.tls));
		return r;
	}

	void on_stream_data(const uint8_t *data, size_t len)
	{
		consume(data, len);
	}

      private:
	NgEnd c_, s_;
	int64_t sid_ = -1;

	static ngtcp2_path make_path(NgEnd &e)
	{
		ngtcp2_path p;
		std::memset(&p, 0, sizeof(p));
		p.local.addr = reinterpret_cast<ngtcp2_sockaddr *>(&e.local);
		p.local.addrlen = sizeof(e.local);
		p.remote.addr = reinterpret_cast<ngtcp2_sockaddr *>(&e.remote);
		p.remote.addrlen = sizeof(e.remote);
		return p;
	}

	void fill(ngtcp2_callbacks &cb, ngtcp2_settings &st, ngtcp2_transport_params &tp,
		  bool server)
	{
		std::memset(&cb, 0, sizeof(cb));
		if (server) {
			cb.recv_client_initial = ngtcp2_crypto_recv_client_initial_cb;
		} else {
			cb.client_initial = ngtcp2_crypto_client_initial_cb;
			cb.recv_retry = ngtcp2_crypto_recv_retry_cb;
		}
		cb.recv_crypto_data = ngtcp2_crypto_recv_crypto_data_cb;
		cb.encrypt = ngtcp2_crypto_encrypt_cb;
		cb.decrypt = ngtcp2_crypto_decrypt_cb;
		cb.hp_mask = ngtcp2_crypto_hp_mask_cb;
		cb.update_key = ngtcp2_crypto_update_key_cb;
		cb.delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb;
		cb.delete_crypto_cipher_ctx = ngtcp2_crypto_delete_crypto_cipher_ctx_cb;
		cb.get_path_challenge_data = ngtcp2_crypto_get_path_challenge_data_cb;
		cb.version_negotiation = ngtcp2_crypto_version_negotiation_cb;
		cb.rand = ng_rand;
		cb.get_new_connection_id = ng_new_cid;
		cb.handshake_completed = ng_hs_completed;
		cb.handshake_confirmed = ng_hs_confirmed;
		cb.recv_stream_data = ng_recv_stream_data;

		ngtcp2_settings_default(&st);
		st.initial_ts = now_;
		st.cc_algo = NGTCP2_CC_ALGO_CUBIC;
		st.max_tx_udp_payload_size = kMaxUdp;
		st.no_pmtud = 1;
		st.max_window = kConnWindow;
		st.max_stream_window = kStreamWindow;

		ngtcp2_transport_params_default(&tp);
		tp.initial_max_data = kConnWindow;
		tp.initial_max_stream_data_bidi_local = kStreamWindow;
		tp.initial_max_stream_data_bidi_remote = kStreamWindow;
		tp.initial_max_stream_data_uni = kStreamWindow;
		tp.initial_max_streams_bidi = 100;
		tp.initial_max_streams_uni = 100;
		tp.max_idle_timeout = 0;
		tp.max_udp_payload_size = kMaxUdp;
	}

	bool tls_setup(NgEnd &e, std::string &err)
	{
		gnutls_datum_t alpn = {reinterpret_cast<unsigned char *>(const_cast<char *>(kAlpn)),
				       static_cast<unsigned>(sizeof(kAlpn) - 1)};
		const char *where = nullptr;
		int rv = gnutls_certificate_allocate_credentials(&e.cred);
		if (rv == 0)
			rv = e.server ? gnutls_certificate_set_x509_key_file(
						e.cred, g_pki.chain.c_str(), g_pki.key.c_str(),
						GNUTLS_X509_FMT_PEM)
				      : (gnutls_certificate_set_x509_trust_file(
						 e.cred, g_pki.ca.c_str(), GNUTLS_X509_FMT_PEM) > 0
						 ? 0
						 : GNUTLS_E_FILE_ERROR);
		if (rv == 0)
			rv = gnutls_init(&e.tls, (e.server ? GNUTLS_SERVER : GNUTLS_CLIENT) |
							 GNUTLS_ENABLE_EARLY_DATA |
							 GNUTLS_NO_END_OF_EARLY_DATA);
		if (rv == 0)
			rv = gnutls_priority_set_direct(e.tls, kGnutlsPriority, &where);
		if (rv == 0 &&
		    (e.server ? ngtcp2_crypto_gnutls_configure_server_session(e.tls)
			      : ngtcp2_crypto_gnutls_configure_client_session(e.tls)) != 0) {
			err = "ngtcp2_crypto_gnutls_configure_*_session failed";
			return false;
		}
		if (rv == 0) {
			e.ref.get_conn = ng_get_conn;
			e.ref.user_data = &e;
			gnutls_session_set_ptr(e.tls, &e.ref);
			rv = gnutls_credentials_set(e.tls, GNUTLS_CRD_CERTIFICATE, e.cred);
		}
		if (rv == 0)
			rv = gnutls_alpn_set_protocols(e.tls, &alpn, 1, GNUTLS_ALPN_MANDATORY);
		if (rv == 0 && !e.server) {
			rv = gnutls_server_name_set(e.tls, GNUTLS_NAME_DNS, "localhost", 9);
			gnutls_session_set_verify_cert(e.tls, "localhost", 0);
		}
		if (rv != 0) {
			err = std::string("gnutls: ") + gnutls_strerror(rv);
			return false;
		}
		ngtcp2_conn_set_tls_native_handle(e.conn, e.tls);
		return true;
	}

	bool accept(const uint8_t *pkt, size_t len, std::string &err)
	{
		ngtcp2_pkt_hd hd;
		if (ngtcp2_accept(&hd, pkt, len) != 0) {
			err = "ngtcp2_accept rejected the client's first datagram";
			return false;
		}
		ngtcp2_callbacks cb;
		ngtcp2_settings st;
		ngtcp2_transport_params tp;
		ngtcp2_cid scid;
		fill(cb, st, tp, true);
		tp.original_dcid = hd.dcid; /* 0.12: a server always sets it */
		scid.datalen = 8;
		gnutls_rnd(GNUTLS_RND_RANDOM, scid.data, scid.datalen);
		ngtcp2_path path = make_path(s_);
		int rv = ngtcp2_conn_server_new(&s_.conn, &hd.scid, &scid, &path, hd.version, &cb,
						&st, &tp, nullptr, &s_);
		if (rv != 0) {
			err = std::string("ngtcp2_conn_server_new: ") + ngtcp2_strerror(rv);
			return false;
		}
		return tls_setup(s_, err);
	}

	int send(NgEnd &e, Queue &q, size_t max, uint64_t allowed, std::string &err)
	{
		ngtcp2_path_storage ps;
		ngtcp2_pkt_info pi;
		size_t n = 0;
		ngtcp2_path_storage_zero(&ps);
		while (n < max) {
			ngtcp2_vec v[2];
			size_t vn = 0;
			int64_t sid = -1;
			if (sid_ >= 0 && tx_off_ < allowed &&
			    ngtcp2_conn_get_max_data_left(e.conn) > 0 &&
			    ngtcp2_conn_get_max_stream_data_left(e.conn, sid_) > 0) {
				const uint8_t *base[2];
				size_t plen[2];
				vn = pattern_pieces(tx_off_, allowed - tx_off_, base, plen);
				for (size_t i = 0; i < vn; i++) {
					v[i].base = const_cast<uint8_t *>(base[i]);
					v[i].len = plen[i];
				}
				sid = sid_;
			}
			ngtcp2_ssize nd = -1;
			ngtcp2_ssize nw = ngtcp2_conn_writev_stream(
				e.conn, &ps.path, &pi, q.slot(), kMaxUdp, &nd,
				NGTCP2_WRITE_STREAM_FLAG_NONE, sid, vn ? v : nullptr, vn, now_);
			if (nw < 0) {
				err = std::string(e.server ? "server" : "client") +
				      " ngtcp2_conn_writev_stream: " +
				      ngtcp2_strerror(static_cast<int>(nw));
				return -1;
			}
			if (nd > 0)
				tx_off_ += static_cast<uint64_t>(nd);
			if (nw == 0)
				break;
			q.commit(static_cast<size_t>(nw));
			n++;
		}
		return static_cast<int>(n);
	}

	bool recv(NgEnd &e, Queue &q, std::string &err)
	{
		ngtcp2_path path = make_path(e);
		ngtcp2_pkt_info pi;
		std::memset(&pi, 0, sizeof(pi));
		for (size_t i = 0; i < q.size(); i++) {
			int rv = ngtcp2_conn_read_pkt(e.conn, &path, &pi, q.at(i), q.len(i), now_);
			if (rv != 0) {
				err = std::string(e.server ? "server" : "client") +
				      " ngtcp2_conn_read_pkt: " + ngtcp2_strerror(rv);
				return false;
			}
		}
		return true;
	}
};

int
ng_recv_stream_data(ngtcp2_conn *conn, uint32_t, int64_t id, uint64_t, const uint8_t *data,
		    size_t len, void *ud, void *)
{
	/* the application consumes everything at once: give the credit back */
	ngtcp2_conn_extend_max_stream_offset(conn, id, len);
	ngtcp2_conn_extend_max_offset(conn, len);
	static_cast<NgEnd *>(ud)->drv->on_stream_data(data, len);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* The benchmark                                                           */

template <class D, class... Args>
void
bulk(benchmark::State &st, Args... args)
{
	if (!g_pki.error.empty()) {
		st.SkipWithError(g_pki.error.c_str());
		return;
	}
	auto d = std::make_unique<D>(args...);
	std::string err;
	if (!d->setup(err)) {
		err = "setup (handshake + verified 1 MiB warm-up): " + err;
		st.SkipWithError(err.c_str());
		return;
	}
	const uint64_t rx0 = d->rx_total(), c0 = d->c_dgrams, s0 = d->s_dgrams, r0 = d->rounds();
	bool ok = true;
	/* No PauseTiming anywhere: the TSC window must match the timed loop. */
	const uint64_t cpu0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	const uint64_t t0 = __rdtsc();
	for (auto _ : st) {
		if (!d->transfer(g_xfer_bytes, err)) {
			ok = false;
			break;
		}
	}
	const uint64_t ticks = __rdtsc() - t0;
	/* The same in CPU time (converted to TSC ticks): what this thread
	 * used, without the time other processes had the core. */
	const double cpu_ticks =
		static_cast<double>(clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0) * g_tsc_per_ns;
	if (!ok) {
		st.SkipWithError(err.c_str());
		return;
	}
	const uint64_t iters = static_cast<uint64_t>(st.iterations());
	const uint64_t bytes = d->rx_total() - rx0;
	const uint64_t pkts = d->c_dgrams - c0, acks = d->s_dgrams - s0;
	if (bytes != iters * g_xfer_bytes) {
		err = "received " + std::to_string(bytes) + " bytes, expected " +
		      std::to_string(iters * g_xfer_bytes);
		st.SkipWithError(err.c_str());
		return;
	}
	const Stats s = d->stats();
	st.SetBytesProcessed(static_cast<int64_t>(bytes));
	st.SetItemsProcessed(static_cast<int64_t>(pkts));
	auto avg = [](double v) { return benchmark::Counter(v, benchmark::Counter::kAvgThreads); };
	if (bytes > 0 && pkts > 0) {
		st.counters["cycles_per_byte"] = avg(static_cast<double>(ticks) / bytes);
		st.counters["cycles_per_packet"] = avg(static_cast<double>(ticks) / pkts);
		st.counters["cpu_cycles_per_byte"] = avg(cpu_ticks / bytes);
		st.counters["cpu_cycles_per_packet"] = avg(cpu_ticks / pkts);
		st.counters["stream_bytes_per_packet"] =
			avg(static_cast<double>(bytes) / static_cast<double>(pkts));
		st.counters["packets"] = avg(static_cast<double>(pkts) / iters);
		st.counters["acks"] = avg(static_cast<double>(acks) / iters);
		/* kBurst when neither congestion nor flow control held the sender back */
		st.counters["packets_per_round"] =
			avg(static_cast<double>(pkts) / static_cast<double>(d->rounds() - r0));
	}
	st.counters["cwnd"] = avg(static_cast<double>(s.cwnd));
	if (s.counts_loss) {
		st.counters["lost"] = avg(static_cast<double>(s.lost));
		st.counters["dropped"] = avg(static_cast<double>(s.dropped));
	}
	st.SetLabel(s.cipher);
}

/* Strip our own flags before Google Benchmark sees the command line. */
bool
parse_own_flags(std::vector<char *> &args)
{
	for (auto it = args.begin() + 1; it != args.end();) {
		if (std::strncmp(*it, "--xfer_mib=", 11) == 0) {
			char *end = nullptr;
			unsigned long v = std::strtoul(*it + 11, &end, 10);
			if (end == *it + 11 || *end != '\0' || v == 0 || v > 4096) {
				std::fprintf(stderr, "--xfer_mib: 1..4096\n");
				return false;
			}
			g_xfer_bytes = static_cast<uint64_t>(v) << 20;
			it = args.erase(it);
			continue;
		}
		++it;
	}
	return true;
}

} /* namespace */

int
main(int argc, char **argv)
{
	std::vector<char *> args(argv, argv + argc);
	if (!parse_own_flags(args))
		return 1;
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

	if (gnutls_global_init() != 0) {
		std::fprintf(stderr, "gnutls_global_init failed\n");
		return 1;
	}
	make_pattern();
	g_tsc_per_ns = calibrate_tsc();
	if (!make_pki(g_pki))
		std::fprintf(stderr, "tern-bench-quic: %s\n", g_pki.error.c_str());

	struct tern_crypto_ctx *probe = nullptr;
	std::string backend = tern_crypto_ctx_create(TERN_CRYPTO_BACKEND_AUTO, &probe) == 0
				      ? tern_crypto_ctx_describe(probe)
				      : "unavailable";
	tern_crypto_ctx_free(probe);
	benchmark::AddCustomContext("tern_backend", backend);
	benchmark::AddCustomContext("ngtcp2", ngtcp2_version(0)->version_str);
	benchmark::AddCustomContext("gnutls", gnutls_check_version(nullptr));
	benchmark::AddCustomContext("openssl", OPENSSL_VERSION_TEXT);
	benchmark::AddCustomContext("cipher_suite", "TLS_AES_128_GCM_SHA256");
	benchmark::AddCustomContext("max_udp_payload", std::to_string(kMaxUdp));
	benchmark::AddCustomContext("xfer_bytes_per_iteration", std::to_string(g_xfer_bytes));
	benchmark::AddCustomContext("burst_packets_per_round", std::to_string(kBurst));
	benchmark::AddCustomContext("cycles", "TSC ticks (__rdtsc) over the timed loop, both "
					      "endpoints in one thread; cpu_cycles: thread CPU "
					      "time in TSC ticks");
	benchmark::AddCustomContext("tsc_mhz", std::to_string(g_tsc_per_ns * 1000.0));

	/* tern and ngtcp2 back to back, so the ratio compares numbers taken
	 * seconds apart. */
	const std::string mib = std::to_string(g_xfer_bytes >> 20) + "MiB";
	benchmark::RegisterBenchmark(
		("quic_bulk/tern/" + mib).c_str(),
		[](benchmark::State &st) { bulk<TernDriver>(st, TERN_CRYPTO_BACKEND_AUTO); })
		->Unit(benchmark::kMillisecond)
		->UseRealTime();
	benchmark::RegisterBenchmark(("quic_bulk/ngtcp2/" + mib).c_str(),
				     [](benchmark::State &st) { bulk<NgDriver>(st); })
		->Unit(benchmark::kMillisecond)
		->UseRealTime();
	/* the same tern transfer on its OpenSSL backend: how much of the
	 * difference is the AEAD implementation */
	benchmark::RegisterBenchmark(
		("quic_bulk/tern_openssl/" + mib).c_str(),
		[](benchmark::State &st) { bulk<TernDriver>(st, TERN_CRYPTO_BACKEND_OPENSSL); })
		->Unit(benchmark::kMillisecond)
		->UseRealTime();

	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	gnutls_global_deinit();
	return 0;
}
