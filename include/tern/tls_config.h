/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_TLS_CONFIG_H
#define TERN_TLS_CONFIG_H

/**
 * @file
 * TLS 1.3 client and server configurations for the handshake engine
 * (include/tern/handshake.h).
 *
 * Threading model: a configuration is built by one thread (the set/load calls
 * are not thread-safe), then shared read-only by any number of handshakes on
 * any threads. It must not be modified or freed while a handshake that uses
 * it is alive. Building allocates and reads files: control plane only.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Which side of the handshake a configuration is for. */
enum tern_tls_role {
	TERN_TLS_CLIENT = 0,
	TERN_TLS_SERVER = 1,
};

/** Key-exchange groups (IANA NamedGroup). */
enum tern_tls_group {
	TERN_TLS_GROUP_SECP256R1 = 0x0017,
	TERN_TLS_GROUP_SECP384R1 = 0x0018,
	TERN_TLS_GROUP_X25519 = 0x001d,
};

/** Signature schemes (IANA SignatureScheme) understood by the engine. */
enum tern_tls_sigalg {
	TERN_TLS_SIG_ECDSA_SECP256R1_SHA256 = 0x0403,
	TERN_TLS_SIG_ECDSA_SECP384R1_SHA384 = 0x0503,
	TERN_TLS_SIG_RSA_PSS_RSAE_SHA256 = 0x0804,
	TERN_TLS_SIG_RSA_PSS_RSAE_SHA384 = 0x0805,
	TERN_TLS_SIG_ED25519 = 0x0807,
	TERN_TLS_SIG_RSA_PSS_PSS_SHA256 = 0x0809,
};

/** Most entries in a cipher-suite, group or ALPN preference list. */
#define TERN_TLS_CONFIG_LIST_MAX 8
/** Longest ALPN protocol name (RFC 7301 3.1). */
#define TERN_TLS_ALPN_MAX_LEN 255

struct tern_tls_config;

/**
 * Create a configuration with the defaults: cipher suites AES-128-GCM,
 * AES-256-GCM, ChaCha20-Poly1305 (in that order), groups X25519, secp256r1,
 * secp384r1 (a client sends a key share for the first only), no ALPN, no
 * record_size_limit, middlebox compatibility mode on for clients, peer
 * verification on for clients.
 *
 * @return 0, -TERN_EINVAL or -TERN_ENOMEM.
 */
int tern_tls_config_new(enum tern_tls_role role, struct tern_tls_config **cfgp);

/** Free a configuration (NULL is a no-op). No handshake may still use it. */
void tern_tls_config_free(struct tern_tls_config *cfg);

/** The role a configuration was created for. */
enum tern_tls_role tern_tls_config_role(const struct tern_tls_config *cfg);

/**
 * Set the cipher suites in preference order (IANA ids 0x1301..0x1303). A
 * server picks the first of its list that the client offers.
 *
 * @return 0, -TERN_EINVAL (empty, too long, duplicate) or -TERN_ENOTSUP.
 */
int tern_tls_config_set_cipher_suites(struct tern_tls_config *cfg, const uint16_t *suites,
				      size_t n);

/**
 * Set the key-exchange groups in preference order (enum tern_tls_group). A
 * client sends a key share for the first group only, so a server preferring
 * another group answers with a HelloRetryRequest. A server takes the first
 * of its groups the client sent a share for, else asks (HRR) for the first
 * of its groups the client supports.
 *
 * @return 0, -TERN_EINVAL or -TERN_ENOTSUP.
 */
int tern_tls_config_set_groups(struct tern_tls_config *cfg, const uint16_t *groups, size_t n);

/**
 * Set the ALPN protocols (RFC 7301) in preference order. A client offers
 * them; a server picks the first of its own list that the client offered and
 * fails with no_application_protocol if there is none.
 *
 * @return 0, -TERN_EINVAL (empty name, name too long, too many) or -TERN_ENOMEM.
 */
int tern_tls_config_set_alpn(struct tern_tls_config *cfg, const char *const *protos, size_t n);

/**
 * Advertise a record_size_limit (RFC 8449): the largest TLSInnerPlaintext
 * this endpoint accepts. 0 turns the extension off.
 *
 * @param limit 0 or 64..16385.
 * @return 0 or -TERN_ERANGE.
 */
int tern_tls_config_set_record_size_limit(struct tern_tls_config *cfg, uint16_t limit);

/**
 * Client: send a 32-byte legacy_session_id (middlebox compatibility mode,
 * RFC 8446 D.4). The record layer decides whether to send change_cipher_spec.
 */
int tern_tls_config_set_middlebox_compat(struct tern_tls_config *cfg, bool on);

/** Most certificate chains a configuration holds (tern_tls_config_add_cert_chain()). */
#define TERN_TLS_MAX_CERT_CHAINS 8

/**
 * Load the certificate chain (leaf first) and its private key from PEM
 * files: a server's identity, or a client's for client authentication.
 * ECDSA P-256/P-384, RSA (signs with RSA-PSS, rsae schemes), RSA-PSS keys
 * (rsa_pss_pss_sha256; a key restricted to another digest or a salt longer
 * than 32 bytes is refused) and Ed25519 keys. Replaces every chain loaded
 * before; use
 * tern_tls_config_add_cert_chain() to hold several.
 *
 * @return 0, -TERN_EINVAL (unreadable file, key does not match the leaf,
 *   unsupported key type) or -TERN_ENOMEM. On error the configuration is
 *   unchanged.
 */
int tern_tls_config_load_cert_chain(struct tern_tls_config *cfg, const char *chain_pem_file,
				    const char *key_pem_file);

/**
 * Add another certificate chain and key (PEM files, as for
 * tern_tls_config_load_cert_chain()). The first chain added is the default.
 *
 * Server certificate selection, in every full handshake (resumed handshakes
 * send no certificate):
 * 1. the chains whose leaf is valid for the client's server_name exactly
 *    (subjectAltName DNS names, else the subject CN, as libcrypto's
 *    X509_check_host() without wildcards);
 * 2. else those whose leaf matches it through a wildcard (RFC 6125 6.4.3:
 *    "*" as the whole left-most label only, matching one label);
 * 3. else (no match, or no server_name) all chains, the default first.
 *
 * Within the first group that has one, the server takes the first chain in
 * load order whose key can sign with a scheme of the client's
 * signature_algorithms, and signs with the client's most preferred such
 * scheme. So chains for the same names with an ECDSA and an RSA key serve
 * ECDSA to clients that accept it and RSA-PSS to those that only offer
 * RSA-PSS: add the preferred one first. No chain with a usable scheme
 * fails the handshake with handshake_failure. With a single chain the
 * server_name is not looked at (the chain is always sent).
 *
 * A client answering a CertificateRequest sends the first chain whose key
 * fits one of the server's schemes.
 *
 * @return 0, -TERN_EINVAL (as for tern_tls_config_load_cert_chain()),
 *   -TERN_ELIMIT (already TERN_TLS_MAX_CERT_CHAINS chains) or -TERN_ENOMEM.
 */
int tern_tls_config_add_cert_chain(struct tern_tls_config *cfg, const char *chain_pem_file,
				   const char *key_pem_file);

/**
 * Trust the CA certificates in a PEM file for peer verification (a client
 * verifying servers, a server verifying client certificates).
 *
 * @return 0, -TERN_EINVAL (unreadable) or -TERN_ENOMEM.
 */
int tern_tls_config_load_ca_file(struct tern_tls_config *cfg, const char *ca_pem_file);

/**
 * Client: verify (default) or skip verification of the server's chain and
 * host name. Skipping is for tests; the CertificateVerify signature is
 * checked either way.
 */
int tern_tls_config_set_verify_peer(struct tern_tls_config *cfg, bool verify);

/* --- client authentication (RFC 8446 4.3.2, 4.4.2) ----------------------- */

/** Whether a server asks clients for a certificate. */
enum tern_tls_client_auth {
	TERN_TLS_CLIENT_AUTH_NONE = 0,	   /**< no CertificateRequest (default) */
	TERN_TLS_CLIENT_AUTH_OPTIONAL = 1, /**< ask; a client without one may go on */
	TERN_TLS_CLIENT_AUTH_REQUIRED = 2, /**< ask; none is fatal (certificate_required) */
};

/**
 * Server: request client certificates. The server sends a CertificateRequest
 * (empty context, signature_algorithms = the schemes tern verifies) in every
 * full handshake (resumed handshakes are authenticated by the PSK and never
 * ask). A certificate the client sends is verified against the CAs of
 * tern_tls_config_load_ca_file() (purpose sslclient, no host name check) and
 * its CertificateVerify checked; a bad one fails the handshake with the
 * alert for the reason (bad_certificate, unknown_ca, certificate_expired,
 * decrypt_error) in both modes. With REQUIRED an empty Certificate fails
 * with certificate_required (RFC 8446 4.4.2.4). Turns peer verification on
 * (tern_tls_config_set_verify_peer(false) afterwards skips the chain check
 * for tests; the signature is checked either way).
 *
 * A client answers a CertificateRequest with the chain of
 * tern_tls_config_load_cert_chain() when its key fits one of the server's
 * schemes, else with an empty Certificate. The peer's chain is available on
 * both sides through tern_hs_peer_certificate().
 *
 * @return 0 or -TERN_EINVAL (not a server, bad mode).
 */
int tern_tls_config_set_client_auth(struct tern_tls_config *cfg, enum tern_tls_client_auth mode);

/* --- resumption (RFC 8446 2.2, 4.6.1) --------------------------------------- */

/** Length of the secret ticket keys are derived from. */
#define TERN_TLS_TICKET_SECRET_LEN 32
/** Longest ticket lifetime a server may announce, 7 days (RFC 8446 4.6.1). */
#define TERN_TLS_TICKET_LIFETIME_MAX 604800u

/**
 * Server: how many NewSessionTickets to send once the handshake completes
 * (at the application level, right after the client's Finished). Default 2,
 * so a client can open two resumed connections with single-use tickets.
 * 0 turns tickets off; the server still accepts tickets it can decrypt.
 *
 * @param n 0..8.
 * @return 0 or -TERN_ERANGE.
 */
int tern_tls_config_set_session_tickets(struct tern_tls_config *cfg, unsigned n);

/**
 * Server: the lifetime announced in tickets and enforced on resumption
 * (default 7200 s). A ticket presented later than its lifetime after issue is
 * ignored (full handshake).
 *
 * @param seconds 1..TERN_TLS_TICKET_LIFETIME_MAX.
 * @return 0 or -TERN_ERANGE.
 */
int tern_tls_config_set_ticket_lifetime(struct tern_tls_config *cfg, uint32_t seconds);

/**
 * Server: the ticket key secret and rotation interval.
 *
 * Tickets are stateless: the resumption state is sealed with AES-256-GCM
 * under a key of the current epoch (floor(now / rotation)), named by a
 * 16-byte key name in front of the ticket. Keys and names are derived from
 * the secret with HKDF-SHA256 and the epoch number, so rotation needs no
 * mutable state, no lock and no timer, and several servers configured with
 * the same secret accept each other's tickets. Tickets of the current and
 * the previous epoch are accepted: a ticket stays usable for at least one
 * rotation interval, so keep the lifetime at or below it. A ticket under
 * any other key is ignored (full handshake).
 *
 * By default a random secret is drawn when the configuration is created and
 * the rotation is 12 hours.
 *
 * @param secret TERN_TLS_TICKET_SECRET_LEN bytes (copied); NULL keeps the current one.
 * @param rotation_seconds 60..TERN_TLS_TICKET_LIFETIME_MAX; 0 keeps the current one.
 * @return 0, -TERN_EINVAL or -TERN_ERANGE.
 */
int tern_tls_config_set_ticket_key(struct tern_tls_config *cfg, const uint8_t *secret,
				   uint32_t rotation_seconds);

/**
 * The wall clock used for ticket issue times, lifetimes and ages, in
 * milliseconds since the Unix epoch. Default: clock_gettime(CLOCK_REALTIME).
 * Tests inject one to make tickets expire. now_ms must be thread-safe when
 * the configuration is shared across threads.
 *
 * @param now_ms NULL restores the default.
 */
int tern_tls_config_set_clock(struct tern_tls_config *cfg, uint64_t (*now_ms)(void *arg),
			      void *arg);

/* --- 0-RTT (RFC 8446 2.3, 4.2.10, 8) ----------------------------------------- */

/** Default capacity of a server's anti-replay register (tickets). */
#define TERN_TLS_ANTI_REPLAY_DEFAULT 4096u

/**
 * Server: accept up to max bytes of early data (0-RTT) on resumption, and
 * advertise it in the tickets issued from now on (early_data extension of
 * NewSessionTicket). 0 (the default) turns 0-RTT off. 0-RTT is accepted
 * only when the ClientHello offers it with the first PSK identity, no
 * HelloRetryRequest is needed, the ticket allows it, the ALPN protocol is
 * the session's, the ticket age agrees within 10 s, and the ticket was never
 * used for 0-RTT before (anti-replay, see include/tern/handshake.h);
 * otherwise the handshake goes on in 1-RTT and the early data is rejected.
 *
 * @return 0, -TERN_EINVAL (not a server) or -TERN_ENOMEM.
 */
int tern_tls_config_set_max_early_data(struct tern_tls_config *cfg, uint32_t max);

/** Server: decline every 0-RTT attempt (tickets then carry no early_data allowance). */
int tern_tls_config_set_reject_early_data(struct tern_tls_config *cfg, bool reject);

/**
 * Server: the capacity of the anti-replay register (default
 * TERN_TLS_ANTI_REPLAY_DEFAULT tickets). When it is full, 0-RTT is
 * rejected until entries expire. Resets the register.
 *
 * @return 0, -TERN_EINVAL, -TERN_ERANGE (0 or above 2^24) or -TERN_ENOMEM.
 */
int tern_tls_config_set_anti_replay_capacity(struct tern_tls_config *cfg, uint32_t capacity);

/**
 * Client: offer 0-RTT when resuming a session whose ticket allows early
 * data (default off). The application may then send up to
 * tern_hs_max_early_data() bytes at TERN_HS_LEVEL_EARLY before the
 * handshake completes, and must resend them if tern_hs_early_data_state()
 * ends up TERN_HS_EARLY_REJECTED.
 */
int tern_tls_config_set_early_data(struct tern_tls_config *cfg, bool enable);

#ifdef __cplusplus
}
#endif

#endif /* TERN_TLS_CONFIG_H */
