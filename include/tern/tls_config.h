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

/**
 * Server: load the certificate chain (leaf first) and its private key from
 * PEM files. ECDSA P-256/P-384, RSA (signs with RSA-PSS) and Ed25519 keys.
 *
 * @return 0, -TERN_EINVAL (unreadable file, key does not match the leaf,
 *   unsupported key type) or -TERN_ENOMEM.
 */
int tern_tls_config_load_cert_chain(struct tern_tls_config *cfg, const char *chain_pem_file,
				    const char *key_pem_file);

/**
 * Client: trust the CA certificates in a PEM file for peer verification.
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

#ifdef __cplusplus
}
#endif

#endif /* TERN_TLS_CONFIG_H */
