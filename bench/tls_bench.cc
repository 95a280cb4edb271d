/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tern-bench-tls: TLS 1.3 handshakes per second and bulk record throughput
 * through tern's connection API (include/tern/tls.h), next to OpenSSL's
 * libssl doing the same over memory BIOs, in one process so that the ratios
 * survive a noisy machine. Everything is in memory: no sockets.
 *
 * Both stacks use the same P-256 ECDSA certificate (a leaf signed by a CA,
 * both generated with libcrypto at start-up and never written anywhere but a
 * temporary directory that is removed before the first benchmark), the same
 * suite (TLS_AES_128_GCM_SHA256), the same group (X25519) and the same peer.
 * tern runs on its fastest crypto backend (ipsecmb) with one crypto context
 * shared by all connections (one per thread, as tls.h intends). libssl runs
 * its normal configuration restricted to the same suite and group.
 *
 * Methods (items_per_second = handshakes/s, or records/s for bulk):
 *
 * tls_server_full/<impl>       A libssl client's first flight (ClientHello,
 *   X25519 share, SNI) is recorded once. Each iteration creates a fresh
 *   server connection, feeds it the ClientHello and collects the server's
 *   flight: ECDHE keygen + derive, key schedule, Certificate,
 *   CertificateVerify (ECDSA P-256 signature), Finished, then frees the
 *   connection. No tickets. Both servers get the same bytes.
 * tls_server_full_finished/<impl>  The whole server side: as above, plus
 *   the client's second flight (CCS + Finished) verified by the server.
 *   That flight depends on the server's random, so each iteration runs a
 *   libssl client with the timer paused (PauseTiming/ResumeTiming, about
 *   1 us per pair, three pairs per handshake, the same for both servers).
 * tls_client_full/<impl>       A fresh client: ClientHello (X25519 keygen),
 *   then the server flight: ECDHE derive, certificate chain and host name
 *   verification against the CA, CertificateVerify check, Finished. The
 *   server (libssl for both clients, so both get the same kind of flight)
 *   runs with the timer paused.
 * tls_server_resumed/<impl>    PSK with (EC)DHE (psk_dhe_ke) from a session
 *   ticket: a libssl client obtains one ticket from the server under test
 *   (each server issues exactly one), then its resuming ClientHello is
 *   recorded once and fed to a fresh server connection per iteration, which
 *   decrypts the ticket, checks the binder, does X25519 and answers with
 *   ServerHello, EncryptedExtensions and Finished. (Replaying the ticket is
 *   fine: neither server makes tickets single-use without 0-RTT.)
 * tls_server_resumed_finished/<impl>  As above plus the client's Finished and
 *   the one NewSessionTicket the server then issues, libssl client paused.
 * tls_bulk_16k/<impl>          One 16 KiB application record (AES-128-GCM)
 *   per iteration, sealed by one connected endpoint and opened by the other:
 *   tern_buffered: writer_write -> write_tls -> read_tls ->
 *     process_new_packets -> reader_read (every copy the buffered API makes);
 *   tern_unbuffered: tern_tls_conn_encrypt into a caller buffer, then
 *     process_tls_records decrypts it in place (the plaintext is used in
 *     place, not copied out: that is the point of the API);
 *   openssl: SSL_write -> memory BIO -> SSL_read into a user buffer.
 *   bytes_per_second counts the 16 KiB of plaintext once.
 * tls_ceiling/<what>           The public-key floor of a server handshake,
 *   straight through libcrypto with no TLS around it: X25519 keygen, X25519
 *   derive, ECDSA P-256 sign (of a CertificateVerify-sized message), and
 *   the ~22 HMAC-SHA256 of a TLS 1.3 key schedule; "server_pk" is one of
 *   each public-key op, "server_pk_hkdf" adds the HMACs.
 *
 * Before timing, one complete handshake of every kind runs and is checked
 * (both sides complete, resumption really resumed); bulk checks that the
 * bytes come out as they went in. Any failure exits 1 without benchmarking.
 * scripts/bench-tls prints the comparison table.
 */

#include <benchmark/benchmark.h>

#include <errno.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <tern/crypto.h>
#include <tern/tls.h>

namespace
{

using Bytes = std::vector<uint8_t>;

const char kHost[] = "localhost";
const uint16_t kSuite = 0x1301; /* TLS_AES_128_GCM_SHA256 */
const uint16_t kGroup = TERN_TLS_GROUP_X25519;
constexpr size_t kBulk = 16384;

/* Default minimum time per benchmark: the suite must stay short on two shared cores. */
const char kDefaultMinTime[] = "--benchmark_min_time=0.3";

[[noreturn]] void
die(const char *what, int line)
{
	fprintf(stderr, "tern-bench-tls: line %d: %s\n", line, what);
	ERR_print_errors_fp(stderr);
	exit(1);
}
#define REQ(c)                                                                                     \
	do {                                                                                       \
		if (!(c))                                                                          \
			die(#c, __LINE__);                                                         \
	} while (0)

/* --- process-wide state, set up in main() ---------------------------------- */

struct Env {
	struct tern_crypto_ctx *cctx = nullptr;
	struct tern_tls_config *tern_srv = nullptr;	   /* no tickets */
	struct tern_tls_config *tern_srv_ticket = nullptr; /* one ticket */
	struct tern_tls_config *tern_cli = nullptr;
	SSL_CTX *ossl_srv = nullptr;
	SSL_CTX *ossl_srv_ticket = nullptr;
	SSL_CTX *ossl_cli = nullptr;
	EVP_PKEY *leaf_key = nullptr;
	Bytes ch_full;	      /* recorded ClientHello, full handshake */
	Bytes ch_resume_tern; /* recorded resuming ClientHello, ticket from tern */
	Bytes ch_resume_ossl; /* same, ticket from libssl */
	SSL_SESSION *sess_tern = nullptr;
	SSL_SESSION *sess_ossl = nullptr;
};
Env g;

/* --- certificates (libcrypto, in memory) ------------------------------------ */

void
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;

	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, issuer, x, nullptr, nullptr, 0);
	X509_EXTENSION *e = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
	REQ(e != nullptr && X509_add_ext(x, e, -1) == 1);
	X509_EXTENSION_free(e);
}

X509 *
make_cert(EVP_PKEY *key, EVP_PKEY *signer, X509 *issuer, const char *cn, long serial)
{
	X509 *x = X509_new();

	REQ(x != nullptr && X509_set_version(x, 2) == 1);
	REQ(ASN1_INTEGER_set(X509_get_serialNumber(x), serial) == 1);
	REQ(X509_gmtime_adj(X509_getm_notBefore(x), -3600) != nullptr);
	REQ(X509_gmtime_adj(X509_getm_notAfter(x), 30L * 86400) != nullptr);
	REQ(X509_set_pubkey(x, key) == 1);
	X509_NAME *n = X509_get_subject_name(x);
	REQ(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1,
				       0) == 1);
	REQ(X509_set_issuer_name(x, issuer != nullptr ? X509_get_subject_name(issuer) : n) == 1);
	if (issuer == nullptr) {
		add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign");
		add_ext(x, x, NID_subject_key_identifier, "hash");
	} else {
		add_ext(x, issuer, NID_basic_constraints, "CA:FALSE");
		add_ext(x, issuer, NID_key_usage, "critical,digitalSignature");
		add_ext(x, issuer, NID_ext_key_usage, "serverAuth");
		add_ext(x, issuer, NID_subject_alt_name, "DNS:localhost");
		add_ext(x, issuer, NID_authority_key_identifier, "keyid");
	}
	REQ(X509_sign(x, signer, EVP_sha256()) > 0);
	return x;
}

void
write_pem(const std::string &path, X509 *cert, EVP_PKEY *key)
{
	FILE *f = fopen(path.c_str(), "w");

	REQ(f != nullptr);
	if (cert != nullptr)
		REQ(PEM_write_X509(f, cert) == 1);
	if (key != nullptr)
		REQ(PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1);
	REQ(fclose(f) == 0);
}

/* --- tern endpoints over in-memory byte strings ------------------------------ */

/* A byte queue: appended by a write callback, consumed by a read callback. */
struct Pipe {
	Bytes buf;
	size_t off = 0;

	size_t len() const
	{
		return buf.size() - off;
	}
	void clear()
	{
		buf.clear();
		off = 0;
	}
};

ssize_t
pipe_write(void *user, const uint8_t *p, size_t n)
{
	Pipe *q = static_cast<Pipe *>(user);

	q->buf.insert(q->buf.end(), p, p + n);
	return (ssize_t)n;
}

ssize_t
pipe_read(void *user, uint8_t *p, size_t n)
{
	Pipe *q = static_cast<Pipe *>(user);

	if (q->len() == 0) {
		errno = EAGAIN;
		return -1;
	}
	n = std::min(n, q->len());
	memcpy(p, q->buf.data() + q->off, n);
	q->off += n;
	if (q->off == q->buf.size())
		q->clear();
	return (ssize_t)n;
}

/* Reads from a fixed byte string (a recorded flight). */
struct Src {
	const uint8_t *p;
	size_t n;
};

ssize_t
src_read(void *user, uint8_t *p, size_t n)
{
	Src *s = static_cast<Src *>(user);

	if (s->n == 0) {
		errno = EAGAIN;
		return -1;
	}
	n = std::min(n, s->n);
	memcpy(p, s->p, n);
	s->p += n;
	s->n -= n;
	return (ssize_t)n;
}

ssize_t
bytes_write(void *user, const uint8_t *p, size_t n)
{
	Bytes *b = static_cast<Bytes *>(user);

	b->insert(b->end(), p, p + n);
	return (ssize_t)n;
}

/*
 * One endpoint of either stack, driven by byte strings: feed() takes what the
 * peer sent and appends what this endpoint answers to out.
 */
struct TernEnd {
	static constexpr const char *kName = "tern";
	struct tern_tls_conn *c = nullptr;

	bool open(const struct tern_tls_config *cfg, bool client)
	{
		return tern_tls_conn_new(cfg, client ? kHost : nullptr, g.cctx, &c) == 0;
	}
	/* Client: produce the first flight. */
	bool start(Bytes &out)
	{
		return flush(out);
	}
	bool flush(Bytes &out)
	{
		while (tern_tls_conn_wants_write(c))
			if (tern_tls_conn_write_tls(c, bytes_write, &out) <= 0)
				return false;
		return true;
	}
	bool feed(const Bytes &in, Bytes &out)
	{
		Src s = {in.data(), in.size()};

		while (s.n > 0)
			if (tern_tls_conn_read_tls(c, src_read, &s) <= 0)
				return false;
		return tern_tls_conn_process_new_packets(c, nullptr) == 0 && flush(out);
	}
	bool done() const
	{
		return !tern_tls_conn_is_handshaking(c) &&
		       tern_tls_conn_error(c, nullptr, nullptr) == 0;
	}
	const char *why() const
	{
		return c != nullptr ? tern_tls_conn_error_string(c) : "new failed";
	}
	void close()
	{
		tern_tls_conn_free(c);
		c = nullptr;
	}
};

struct OsslEnd {
	static constexpr const char *kName = "libssl";
	SSL *s = nullptr;
	BIO *in = nullptr, *out = nullptr; /* owned by s */
	bool hs_done = false;

	bool open(SSL_CTX *ctx, bool client)
	{
		s = SSL_new(ctx);
		in = BIO_new(BIO_s_mem());
		out = BIO_new(BIO_s_mem());
		if (s == nullptr || in == nullptr || out == nullptr)
			return false;
		SSL_set_bio(s, in, out);
		hs_done = false;
		if (client) {
			SSL_set_connect_state(s);
			return SSL_set_tlsext_host_name(s, kHost) == 1 &&
			       SSL_set1_host(s, kHost) == 1;
		}
		SSL_set_accept_state(s);
		return true;
	}
	void take(Bytes &o)
	{
		char *p;
		long n = BIO_get_mem_data(out, &p);

		if (n > 0) {
			o.insert(o.end(), (uint8_t *)p, (uint8_t *)p + n);
			(void)BIO_reset(out);
		}
	}
	bool step()
	{
		int r;

		if (!hs_done) {
			r = SSL_do_handshake(s);
			if (r == 1)
				hs_done = true;
		} else {
			/* Post-handshake messages (NewSessionTicket): a read processes them. */
			uint8_t b[256];

			r = SSL_read(s, b, sizeof(b));
		}
		return r == 1 || SSL_get_error(s, r) == SSL_ERROR_WANT_READ;
	}
	bool start(Bytes &out)
	{
		bool ok = step();

		take(out);
		return ok;
	}
	bool feed(const Bytes &in_bytes, Bytes &o)
	{
		if (!in_bytes.empty() &&
		    BIO_write(in, in_bytes.data(), (int)in_bytes.size()) != (int)in_bytes.size())
			return false;
		bool ok = step();

		take(o);
		return ok;
	}
	bool flush(Bytes &o)
	{
		take(o);
		return true;
	}
	bool done() const
	{
		return hs_done;
	}
	bool resumed() const
	{
		return SSL_session_reused(s) == 1;
	}
	const char *why() const
	{
		return "libssl error (see stderr)";
	}
	void close()
	{
		/*
		 * As after a close_notify exchange: SSL_free() of a connection not
		 * shut down would mark its session not resumable.
		 */
		SSL_set_shutdown(s, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
		SSL_free(s);
		s = nullptr;
	}
};

/* --- set-up ---------------------------------------------------------------- */

SSL_CTX *
ossl_ctx(bool server, unsigned tickets, X509 *leaf, EVP_PKEY *key, X509 *ca)
{
	SSL_CTX *c = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());

	REQ(c != nullptr);
	REQ(SSL_CTX_set_min_proto_version(c, TLS1_3_VERSION) == 1);
	REQ(SSL_CTX_set_max_proto_version(c, TLS1_3_VERSION) == 1);
	REQ(SSL_CTX_set_ciphersuites(c, "TLS_AES_128_GCM_SHA256") == 1);
	REQ(SSL_CTX_set1_groups_list(c, "X25519") == 1);
	if (server) {
		REQ(SSL_CTX_use_certificate(c, leaf) == 1);
		REQ(SSL_CTX_use_PrivateKey(c, key) == 1);
		REQ(SSL_CTX_set_num_tickets(c, tickets) == 1);
	} else {
		REQ(X509_STORE_add_cert(SSL_CTX_get_cert_store(c), ca) == 1);
		SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);
	}
	return c;
}

struct tern_tls_config *
tern_cfg(bool server, unsigned tickets, const std::string &chain, const std::string &key,
	 const std::string &ca)
{
	struct tern_tls_config *c;

	REQ(tern_tls_config_new(server ? TERN_TLS_SERVER : TERN_TLS_CLIENT, &c) == 0);
	REQ(tern_tls_config_set_cipher_suites(c, &kSuite, 1) == 0);
	REQ(tern_tls_config_set_groups(c, &kGroup, 1) == 0);
	if (server) {
		REQ(tern_tls_config_load_cert_chain(c, chain.c_str(), key.c_str()) == 0);
		REQ(tern_tls_config_set_session_tickets(c, tickets) == 0);
	} else {
		REQ(tern_tls_config_load_ca_file(c, ca.c_str()) == 0);
	}
	return c;
}

void
setup_pki_and_configs()
{
	EVP_PKEY *ca_key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
	EVP_PKEY *key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");

	REQ(ca_key != nullptr && key != nullptr);
	X509 *ca = make_cert(ca_key, ca_key, nullptr, "tern-bench CA", 1);
	X509 *leaf = make_cert(key, ca_key, ca, kHost, 2);

	/* tern loads PEM files: write them to a private directory, load, remove. */
	char dir[] = "/tmp/tern-bench-tls-XXXXXX";
	REQ(mkdtemp(dir) != nullptr);
	std::string d(dir), chain = d + "/chain.pem", kf = d + "/key.pem", caf = d + "/ca.pem";
	write_pem(chain, leaf, nullptr);
	write_pem(kf, nullptr, key);
	write_pem(caf, ca, nullptr);
	g.tern_srv = tern_cfg(true, 0, chain, kf, caf);
	g.tern_srv_ticket = tern_cfg(true, 1, chain, kf, caf);
	g.tern_cli = tern_cfg(false, 0, chain, kf, caf);
	REQ(unlink(chain.c_str()) == 0 && unlink(kf.c_str()) == 0 && unlink(caf.c_str()) == 0);
	REQ(rmdir(dir) == 0);

	g.ossl_srv = ossl_ctx(true, 0, leaf, key, ca);
	g.ossl_srv_ticket = ossl_ctx(true, 1, leaf, key, ca);
	g.ossl_cli = ossl_ctx(false, 0, leaf, key, ca);
	g.leaf_key = key;
	X509_free(ca);
	X509_free(leaf);
	EVP_PKEY_free(ca_key);
}

/*
 * Run a whole handshake between a client and a server end, both already
 * open. Returns whether both completed.
 */
template <class C, class S>
bool
handshake(C &cli, S &srv)
{
	Bytes a, b;

	if (!cli.start(a))
		return false;
	for (int i = 0; i < 8 && !(cli.done() && srv.done() && a.empty()); i++) {
		b.clear();
		if (!srv.feed(a, b))
			return false;
		a.clear();
		if (!cli.feed(b, a))
			return false;
	}
	return cli.done() && srv.done();
}

/*
 * A libssl client resumes from a ticket issued by server S: get the ticket
 * with a full handshake, then record the resuming ClientHello and check that
 * the server really resumes it.
 */
template <class S, class Cfg>
void
record_resumption(Cfg cfg, SSL_SESSION **sessp, Bytes &ch)
{
	OsslEnd cli;
	S srv;

	REQ(cli.open(g.ossl_cli, true) && srv.open(cfg, false));
	REQ(handshake(cli, srv));
	/* The ticket comes after the handshake: let the client read it. */
	Bytes x, y;
	REQ(srv.flush(y) && cli.feed(y, x));
	*sessp = SSL_get1_session(cli.s);
	REQ(*sessp != nullptr && SSL_SESSION_is_resumable(*sessp) == 1);
	cli.close();
	srv.close();

	REQ(cli.open(g.ossl_cli, true) && SSL_set_session(cli.s, *sessp) == 1);
	ch.clear();
	REQ(cli.start(ch) && !ch.empty());
	cli.close();

	/* Check: a full resumed handshake with a fresh client on the same session. */
	REQ(cli.open(g.ossl_cli, true) && SSL_set_session(cli.s, *sessp) == 1);
	REQ(srv.open(cfg, false));
	if (!handshake(cli, srv)) {
		fprintf(stderr, "resumed handshake failed: %s\n", srv.why());
		exit(1);
	}
	if (!cli.resumed()) {
		fprintf(stderr, "tern-bench-tls: %s server did not resume the session\n", S::kName);
		exit(1);
	}
	cli.close();
	srv.close();
}

void
record_flights()
{
	OsslEnd cli;

	REQ(cli.open(g.ossl_cli, true) && cli.start(g.ch_full) && !g.ch_full.empty());
	cli.close();
	record_resumption<OsslEnd>(g.ossl_srv_ticket, &g.sess_ossl, g.ch_resume_ossl);
	record_resumption<TernEnd>(g.tern_srv_ticket, &g.sess_tern, g.ch_resume_tern);
	record_resumption<OsslEnd>(g.ossl_srv_ticket, &g.sess_ossl, g.ch_resume_ossl);
}

/* --- handshake benchmarks --------------------------------------------------- */

/* Server: fresh connection, recorded ClientHello in, server flight out. */
template <class S, class Cfg>
void
bm_server_flight(benchmark::State &st, Cfg cfg, const Bytes *ch)
{
	Bytes out;

	out.reserve(4096);
	for (auto _ : st) {
		S srv;

		out.clear();
		bool ok = srv.open(cfg, false) && srv.feed(*ch, out) && !out.empty();
		if (!ok) {
			st.SkipWithError(srv.why());
			srv.close();
			break;
		}
		srv.close();
	}
	st.SetItemsProcessed((int64_t)st.iterations());
}

/*
 * Server, whole handshake: the libssl client's part runs with the timer
 * paused. sess != NULL: the client resumes it.
 */
template <class S, class Cfg>
void
bm_server_finished(benchmark::State &st, Cfg cfg, SSL_SESSION *sess)
{
	Bytes ch, flight, fin, tail;

	for (auto _ : st) {
		st.PauseTiming();
		OsslEnd cli;
		ch.clear(), flight.clear(), fin.clear(), tail.clear();
		bool ok = cli.open(g.ossl_cli, true) &&
			  (sess == nullptr || SSL_set_session(cli.s, sess) == 1) && cli.start(ch);
		st.ResumeTiming();

		S srv;
		ok = ok && srv.open(cfg, false) && srv.feed(ch, flight);

		st.PauseTiming();
		ok = ok && cli.feed(flight, fin) && cli.done();
		st.ResumeTiming();

		ok = ok && srv.feed(fin, tail) && srv.done();
		bool ok_srv = ok;
		const char *why = ok ? "" : srv.why();
		srv.close();

		st.PauseTiming();
		ok = ok && (sess == nullptr ? !cli.resumed() : cli.resumed());
		cli.close();
		st.ResumeTiming();
		if (!ok) {
			st.SkipWithError(!ok_srv ? why : "resumption did not happen as intended");
			break;
		}
	}
	st.SetItemsProcessed((int64_t)st.iterations());
}

/* Client, whole handshake: the (libssl) server's part runs with the timer paused. */
template <class C, class Cfg>
void
bm_client_full(benchmark::State &st, Cfg cfg)
{
	Bytes ch, flight, fin;

	for (auto _ : st) {
		C cli;
		ch.clear(), flight.clear(), fin.clear();
		bool ok = cli.open(cfg, true) && cli.start(ch);

		st.PauseTiming();
		OsslEnd srv;
		ok = ok && srv.open(g.ossl_srv, false) && srv.feed(ch, flight);
		st.ResumeTiming();

		ok = ok && cli.feed(flight, fin) && cli.done() && !fin.empty();
		const char *why = ok ? "" : cli.why();
		cli.close();

		st.PauseTiming();
		srv.close();
		st.ResumeTiming();
		if (!ok) {
			st.SkipWithError(why);
			break;
		}
	}
	st.SetItemsProcessed((int64_t)st.iterations());
}

/* --- bulk -------------------------------------------------------------------- */

Bytes
pattern(size_t n)
{
	Bytes b(n);

	REQ(RAND_bytes(b.data(), (int)n) == 1);
	return b;
}

void
bm_bulk_tern_buffered(benchmark::State &st)
{
	TernEnd c, s;
	Bytes data = pattern(kBulk), got(kBulk);
	Pipe p;

	REQ(c.open(g.tern_cli, true) && s.open(g.tern_srv, false) && handshake(c, s));
	p.buf.reserve(4 * kBulk);
	for (auto _ : st) {
		bool ok = tern_tls_conn_writer_write(c.c, data.data(), kBulk) == (ssize_t)kBulk;

		while (ok && tern_tls_conn_wants_write(c.c))
			ok = tern_tls_conn_write_tls(c.c, pipe_write, &p) > 0;
		while (ok && p.len() > 0)
			ok = tern_tls_conn_read_tls(s.c, pipe_read, &p) > 0;
		ok = ok && tern_tls_conn_process_new_packets(s.c, nullptr) == 0;
		for (size_t n = 0; ok && n < kBulk;) {
			ssize_t r = tern_tls_conn_reader_read(s.c, got.data() + n, kBulk - n);

			ok = r > 0;
			n += ok ? (size_t)r : 0;
		}
		if (!ok) {
			st.SkipWithError(s.why());
			break;
		}
	}
	if (got != data)
		st.SkipWithError("tern buffered: bytes changed in transit");
	c.close();
	s.close();
	st.SetItemsProcessed((int64_t)st.iterations());
	st.SetBytesProcessed((int64_t)(st.iterations() * kBulk));
}

/* Unbuffered endpoint: TLS bytes received and not yet discarded. */
struct UbEnd {
	struct tern_tls_conn *c = nullptr;
	Bytes in;
};

/* Run one side until it blocks; what it encodes goes to the peer. */
bool
ub_step(UbEnd &s, UbEnd &peer, bool *did)
{
	static uint8_t enc[1 << 16];
	struct tern_tls_unbuffered_status st;

	for (int i = 0; i < 100; i++) {
		if (tern_tls_conn_process_tls_records(s.c, s.in.data(), s.in.size(), &st) != 0)
			return false;
		if (st.state == TERN_TLS_UB_ENCODE_TLS_DATA) {
			ssize_t n = tern_tls_conn_encode_tls_data(s.c, enc, sizeof(enc));

			if (n < 0)
				return false;
			peer.in.insert(peer.in.end(), enc, enc + n);
			*did = true;
		} else if (st.state == TERN_TLS_UB_TRANSMIT_TLS_DATA) {
			tern_tls_conn_transmit_done(s.c);
		}
		if (st.discard > 0) {
			s.in.erase(s.in.begin(), s.in.begin() + (ptrdiff_t)st.discard);
			*did = true;
		}
		if (st.state == TERN_TLS_UB_BLOCKED_HANDSHAKE ||
		    st.state == TERN_TLS_UB_WRITE_TRAFFIC || st.state == TERN_TLS_UB_PEER_CLOSED ||
		    st.state == TERN_TLS_UB_CLOSED)
			return true;
	}
	return true;
}

/* Seal one record on c, open it in place on s; returns the plaintext or NULL. */
const uint8_t *
ub_record(UbEnd &c, UbEnd &s, const Bytes &data, Bytes &wire)
{
	ssize_t n = tern_tls_conn_encrypt(c.c, data.data(), data.size(), wire.data(), wire.size());
	struct tern_tls_unbuffered_status st;

	if (n <= 0 || tern_tls_conn_process_tls_records(s.c, wire.data(), (size_t)n, &st) != 0 ||
	    st.state != TERN_TLS_UB_READ_TRAFFIC || st.data_len != data.size() ||
	    st.discard != (size_t)n)
		return nullptr;
	return st.data;
}

void
bm_bulk_tern_unbuffered(benchmark::State &st)
{
	UbEnd c, s;
	Bytes data = pattern(kBulk);

	REQ(tern_tls_conn_new(g.tern_cli, kHost, g.cctx, &c.c) == 0);
	REQ(tern_tls_conn_new(g.tern_srv, nullptr, g.cctx, &s.c) == 0);
	for (int i = 0; i < 50; i++) {
		bool did = false;

		REQ(ub_step(c, s, &did) && ub_step(s, c, &did));
		if (!did)
			break;
	}
	REQ(!tern_tls_conn_is_handshaking(c.c) && !tern_tls_conn_is_handshaking(s.c));
	Bytes wire(tern_tls_conn_encrypted_len(c.c, kBulk));
	const uint8_t *pt = ub_record(c, s, data, wire);
	if (pt == nullptr || memcmp(pt, data.data(), kBulk) != 0)
		st.SkipWithError("tern unbuffered: record did not round-trip");
	else
		for (auto _ : st) {
			pt = ub_record(c, s, data, wire);
			if (pt == nullptr) {
				st.SkipWithError("tern unbuffered: record failed");
				break;
			}
			benchmark::DoNotOptimize(pt[0]);
		}
	tern_tls_conn_free(c.c);
	tern_tls_conn_free(s.c);
	st.SetItemsProcessed((int64_t)st.iterations());
	st.SetBytesProcessed((int64_t)(st.iterations() * kBulk));
}

void
bm_bulk_openssl(benchmark::State &st)
{
	SSL *c = SSL_new(g.ossl_cli), *s = SSL_new(g.ossl_srv);
	BIO *c2s = BIO_new(BIO_s_mem()), *s2c = BIO_new(BIO_s_mem());
	Bytes data = pattern(kBulk), got(kBulk);

	REQ(c != nullptr && s != nullptr && c2s != nullptr && s2c != nullptr);
	/* Each BIO is one SSL's wbio and the other's rbio: one reference each. */
	REQ(BIO_up_ref(c2s) == 1 && BIO_up_ref(s2c) == 1);
	SSL_set_bio(c, s2c, c2s);
	SSL_set_bio(s, c2s, s2c);
	SSL_set_connect_state(c);
	SSL_set_accept_state(s);
	REQ(SSL_set_tlsext_host_name(c, kHost) == 1 && SSL_set1_host(c, kHost) == 1);
	int rc = 0, rs = 0;
	for (int i = 0; i < 10 && (rc != 1 || rs != 1); i++) {
		rc = SSL_do_handshake(c);
		rs = SSL_do_handshake(s);
	}
	REQ(rc == 1 && rs == 1);
	for (auto _ : st) {
		bool ok = SSL_write(c, data.data(), (int)kBulk) == (int)kBulk;

		for (size_t n = 0; ok && n < kBulk;) {
			int r = SSL_read(s, got.data() + n, (int)(kBulk - n));

			ok = r > 0;
			n += ok ? (size_t)r : 0;
		}
		if (!ok) {
			st.SkipWithError("libssl bulk failed");
			break;
		}
	}
	if (got != data)
		st.SkipWithError("libssl: bytes changed in transit");
	SSL_free(c);
	SSL_free(s);
	st.SetItemsProcessed((int64_t)st.iterations());
	st.SetBytesProcessed((int64_t)(st.iterations() * kBulk));
}

/* --- primitive ceiling (libcrypto alone) ---------------------------------------- */

enum : unsigned {
	kKeygen = 1,
	kDerive = 2,
	kSign = 4,
	kHkdf = 8,
};

/*
 * HMAC-SHA256 calls in a TLS 1.3 server handshake without tickets: early
 * secret, derived, handshake secret, 2 handshake traffic secrets, derived,
 * master, 2 application traffic secrets, exporter, key + iv for 4 traffic
 * secrets, 2 finished keys and 2 verify_data MACs.
 */
constexpr int kKeyScheduleHmacs = 22;

void
bm_ceiling(benchmark::State &st, unsigned what)
{
	EVP_PKEY *peer = EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519");
	EVP_PKEY *fixed = EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519");
	EVP_PKEY_CTX *kctx = EVP_PKEY_CTX_new_from_name(nullptr, "X25519", nullptr);
	EVP_MD_CTX *mc = EVP_MD_CTX_new();
	EVP_MAC *mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
	EVP_MAC_CTX *hm = mac != nullptr ? EVP_MAC_CTX_new(mac) : nullptr;
	char sha256[] = "SHA256";
	OSSL_PARAM params[] = {OSSL_PARAM_utf8_string("digest", sha256, 0), OSSL_PARAM_END};
	uint8_t msg[130], shared[32], sig[80], prk[32], blk[64];

	REQ(peer != nullptr && fixed != nullptr && kctx != nullptr && mc != nullptr &&
	    hm != nullptr);
	REQ(EVP_PKEY_keygen_init(kctx) == 1 && EVP_MAC_CTX_set_params(hm, params) == 1);
	memset(msg, 0x20, sizeof(msg));
	memset(prk, 7, sizeof(prk));
	memset(blk, 9, sizeof(blk));
	for (auto _ : st) {
		EVP_PKEY *k = nullptr;
		bool ok = true;

		if (what & kKeygen)
			ok = EVP_PKEY_keygen(kctx, &k) == 1;
		if (ok && (what & kDerive)) {
			EVP_PKEY_CTX *d = EVP_PKEY_CTX_new_from_pkey(
				nullptr, k != nullptr ? k : fixed, nullptr);
			size_t n = sizeof(shared);

			ok = d != nullptr && EVP_PKEY_derive_init(d) == 1 &&
			     EVP_PKEY_derive_set_peer(d, peer) == 1 &&
			     EVP_PKEY_derive(d, shared, &n) == 1;
			EVP_PKEY_CTX_free(d);
		}
		if (ok && (what & kSign)) {
			size_t n = sizeof(sig);

			ok = EVP_DigestSignInit(mc, nullptr, EVP_sha256(), nullptr, g.leaf_key) ==
				     1 &&
			     EVP_DigestSign(mc, sig, &n, msg, sizeof(msg)) == 1;
		}
		for (int i = 0; ok && (what & kHkdf) && i < kKeyScheduleHmacs; i++) {
			size_t n;

			ok = EVP_MAC_init(hm, prk, sizeof(prk), nullptr) == 1 &&
			     EVP_MAC_update(hm, blk, sizeof(blk)) == 1 &&
			     EVP_MAC_final(hm, prk, &n, sizeof(prk)) == 1;
		}
		EVP_PKEY_free(k);
		if (!ok) {
			st.SkipWithError("libcrypto failed");
			break;
		}
		benchmark::DoNotOptimize(prk[0]);
	}
	EVP_MAC_CTX_free(hm);
	EVP_MAC_free(mac);
	EVP_MD_CTX_free(mc);
	EVP_PKEY_CTX_free(kctx);
	EVP_PKEY_free(peer);
	EVP_PKEY_free(fixed);
	st.SetItemsProcessed((int64_t)st.iterations());
}

/* --- checks before timing -------------------------------------------------------- */

template <class C, class CC, class S, class SC>
void
check_pair(CC ccfg, SC scfg, const char *what)
{
	C cli;
	S srv;

	REQ(cli.open(ccfg, true) && srv.open(scfg, false));
	if (!handshake(cli, srv)) {
		fprintf(stderr, "tern-bench-tls: %s handshake failed: client %s, server %s\n", what,
			cli.why(), srv.why());
		exit(1);
	}
	cli.close();
	srv.close();
}

template <class S, class Cfg>
void
check_flight(Cfg cfg, const Bytes &ch, const char *what)
{
	S srv;
	Bytes out;

	/* Certificate (~450 bytes) + CertificateVerify + Finished, or a resumed flight. */
	if (!srv.open(cfg, false) || !srv.feed(ch, out) || out.size() < 150) {
		fprintf(stderr, "tern-bench-tls: %s: no server flight (%s)\n", what, srv.why());
		exit(1);
	}
	srv.close();
}

void
check_all()
{
	check_pair<OsslEnd, SSL_CTX *, TernEnd, const tern_tls_config *>(g.ossl_cli, g.tern_srv,
									 "libssl -> tern");
	check_pair<OsslEnd, SSL_CTX *, OsslEnd, SSL_CTX *>(g.ossl_cli, g.ossl_srv,
							   "libssl -> libssl");
	check_pair<TernEnd, const tern_tls_config *, OsslEnd, SSL_CTX *>(g.tern_cli, g.ossl_srv,
									 "tern -> libssl");
	check_pair<TernEnd, const tern_tls_config *, TernEnd, const tern_tls_config *>(
		g.tern_cli, g.tern_srv, "tern -> tern");
	check_flight<TernEnd>(g.tern_srv, g.ch_full, "tern full");
	check_flight<OsslEnd>(g.ossl_srv, g.ch_full, "libssl full");
	check_flight<TernEnd>(g.tern_srv_ticket, g.ch_resume_tern, "tern resumed");
	check_flight<OsslEnd>(g.ossl_srv_ticket, g.ch_resume_ossl, "libssl resumed");
}

void
register_all()
{
	using T = const tern_tls_config *;
	auto reg = [](const char *name, auto fn) {
		benchmark::RegisterBenchmark(name, fn)->Unit(benchmark::kMicrosecond);
	};

	reg("tls_server_full/tern",
	    [](benchmark::State &st) { bm_server_flight<TernEnd, T>(st, g.tern_srv, &g.ch_full); });
	reg("tls_server_full/openssl", [](benchmark::State &st) {
		bm_server_flight<OsslEnd, SSL_CTX *>(st, g.ossl_srv, &g.ch_full);
	});
	reg("tls_server_full_finished/tern",
	    [](benchmark::State &st) { bm_server_finished<TernEnd, T>(st, g.tern_srv, nullptr); });
	reg("tls_server_full_finished/openssl", [](benchmark::State &st) {
		bm_server_finished<OsslEnd, SSL_CTX *>(st, g.ossl_srv, nullptr);
	});
	reg("tls_client_full/tern",
	    [](benchmark::State &st) { bm_client_full<TernEnd, T>(st, g.tern_cli); });
	reg("tls_client_full/openssl",
	    [](benchmark::State &st) { bm_client_full<OsslEnd, SSL_CTX *>(st, g.ossl_cli); });
	reg("tls_server_resumed/tern", [](benchmark::State &st) {
		bm_server_flight<TernEnd, T>(st, g.tern_srv_ticket, &g.ch_resume_tern);
	});
	reg("tls_server_resumed/openssl", [](benchmark::State &st) {
		bm_server_flight<OsslEnd, SSL_CTX *>(st, g.ossl_srv_ticket, &g.ch_resume_ossl);
	});
	reg("tls_server_resumed_finished/tern", [](benchmark::State &st) {
		bm_server_finished<TernEnd, T>(st, g.tern_srv_ticket, g.sess_tern);
	});
	reg("tls_server_resumed_finished/openssl", [](benchmark::State &st) {
		bm_server_finished<OsslEnd, SSL_CTX *>(st, g.ossl_srv_ticket, g.sess_ossl);
	});
	reg("tls_bulk_16k/tern_buffered", bm_bulk_tern_buffered);
	reg("tls_bulk_16k/tern_unbuffered", bm_bulk_tern_unbuffered);
	reg("tls_bulk_16k/openssl", bm_bulk_openssl);
	reg("tls_ceiling/x25519_keygen", [](benchmark::State &st) { bm_ceiling(st, kKeygen); });
	reg("tls_ceiling/x25519_derive", [](benchmark::State &st) { bm_ceiling(st, kDerive); });
	reg("tls_ceiling/ecdsa_p256_sign", [](benchmark::State &st) { bm_ceiling(st, kSign); });
	reg("tls_ceiling/hkdf_sha256_x22", [](benchmark::State &st) { bm_ceiling(st, kHkdf); });
	reg("tls_ceiling/server_pk",
	    [](benchmark::State &st) { bm_ceiling(st, kKeygen | kDerive | kSign); });
	reg("tls_ceiling/server_pk_hkdf",
	    [](benchmark::State &st) { bm_ceiling(st, kKeygen | kDerive | kSign | kHkdf); });
}

} // namespace

int
main(int argc, char **argv)
{
	std::vector<char *> args(argv, argv + argc);
	bool has_min_time = false;

	for (int i = 1; i < argc; i++)
		has_min_time |= strncmp(argv[i], "--benchmark_min_time", 20) == 0;
	if (!has_min_time)
		args.insert(args.begin() + 1, const_cast<char *>(kDefaultMinTime));
	int n = (int)args.size();

	/* The fastest backend, explicitly: fail rather than silently measure another. */
	if (tern_crypto_ctx_create(TERN_CRYPTO_BACKEND_IPSECMB, &g.cctx) != 0) {
		fprintf(stderr, "tern-bench-tls: the ipsecmb crypto backend is unavailable\n");
		return 1;
	}
	setup_pki_and_configs();
	record_flights();
	check_all();
	benchmark::AddCustomContext("tern_crypto", tern_crypto_ctx_describe(g.cctx));
	benchmark::AddCustomContext("openssl", OpenSSL_version(OPENSSL_VERSION));
	register_all();
	benchmark::Initialize(&n, args.data());
	if (benchmark::ReportUnrecognizedArguments(n, args.data()))
		return 1;
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();

	SSL_SESSION_free(g.sess_tern);
	SSL_SESSION_free(g.sess_ossl);
	SSL_CTX_free(g.ossl_srv);
	SSL_CTX_free(g.ossl_srv_ticket);
	SSL_CTX_free(g.ossl_cli);
	tern_tls_config_free(g.tern_srv);
	tern_tls_config_free(g.tern_srv_ticket);
	tern_tls_config_free(g.tern_cli);
	EVP_PKEY_free(g.leaf_key);
	tern_crypto_ctx_free(g.cctx);
	return 0;
}
