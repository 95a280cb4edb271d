/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_HANDSHAKE_H
#define TERN_HANDSHAKE_H

/**
 * @file
 * The sans-IO TLS 1.3 handshake engine (RFC 8446bis), shared by TLS over
 * TCP and QUIC.
 *
 * The caller feeds handshake bytes received at an encryption level with
 * tern_hs_recv(); the engine answers through a callbacks struct, in wire
 * order: handshake bytes to send at a level (send) and new traffic secrets
 * per level and direction (on_secret, the s2n-quic-tls model). The engine
 * never touches records, sockets or clocks: a TLS driver seals the bytes into
 * records with the secrets' keys, QUIC puts them into CRYPTO frames.
 *
 * Threading model: a handshake belongs to one thread at a time (the control
 * thread in the engine, the connection's thread in library mode). Callbacks
 * run on that thread, inside tern_hs_start() / tern_hs_recv(). The
 * configuration is shared read-only. Every call may allocate and does
 * public-key cryptography: never call it from a data-plane core.
 *
 * Failure is sticky: after a protocol error every call returns the same
 * negative code, tern_hs_alert() names the alert to send (RFC 8446 6.2) and
 * tern_hs_error_string() says why in words.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tern/error.h>
#include <tern/keyschedule.h>
#include <tern/tls_alert.h>
#include <tern/tls_config.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Encryption levels (QUIC's names; for TLS over TCP "initial" is plaintext). */
enum tern_hs_level {
	TERN_HS_LEVEL_INITIAL = 0,     /**< ClientHello, ServerHello: no protection */
	TERN_HS_LEVEL_EARLY = 1,       /**< 0-RTT: client_early_traffic_secret */
	TERN_HS_LEVEL_HANDSHAKE = 2,   /**< [sender]_handshake_traffic_secret */
	TERN_HS_LEVEL_APPLICATION = 3, /**< [sender]_application_traffic_secret_N */
	TERN_HS_LEVEL_COUNT
};

/** Direction of a secret, seen from this endpoint. */
enum tern_hs_direction {
	TERN_HS_READ = 0,  /**< protects what the peer sends */
	TERN_HS_WRITE = 1, /**< protects what this endpoint sends */
};

/** Callbacks of one handshake. Each returns 0, or non-zero to fail it (internal_error). */
struct tern_hs_callbacks {
	/**
	 * Handshake bytes to send at a level, in order. The bytes are only
	 * valid during the call. Required.
	 */
	int (*send)(void *user, enum tern_hs_level level, const uint8_t *data, size_t len);
	/**
	 * A new traffic secret for a level and direction. Install it before
	 * sending or reading anything more at that level: write secrets arrive
	 * just before the first bytes they protect; read secrets as soon as the
	 * peer may use them. The secret is wiped after the call. Required.
	 */
	int (*on_secret)(void *user, enum tern_hs_level level, enum tern_hs_direction dir,
			 const struct tern_tls13_suite *suite, const uint8_t *secret,
			 size_t secret_len);
	/** The handshake finished (both Finished messages done). Optional. */
	void (*on_complete)(void *user);
	/**
	 * Key log, for an operator who asked for one (SSLKEYLOGFILE). Optional:
	 * when NULL no secret ever leaves the engine except through on_secret.
	 * Receives one NSS key log line without the newline, e.g.
	 * "CLIENT_HANDSHAKE_TRAFFIC_SECRET <client_random hex> <secret hex>",
	 * for the handshake and first application traffic secrets of both
	 * directions (the labels Wireshark and OpenSSL use). The line is
	 * wiped after the call.
	 */
	void (*keylog)(void *user, const char *line);
	/**
	 * Client: a new resumable session, from a NewSessionTicket received
	 * after the handshake. The bytes (a tern-private serialization of the
	 * ticket, its PSK, suite, ALPN, SNI, lifetime and receive time) are
	 * only valid during the call: the application stores them where it
	 * likes (a cache keyed by server name) and passes them to
	 * tern_hs_set_session() of a later handshake. They contain a secret
	 * (the resumption PSK): keep them out of logs, wipe them when
	 * dropped. Tickets are single-use by intent (RFC 8446 C.4): use each
	 * session once. Optional: when NULL tickets are parsed and dropped.
	 */
	void (*on_session)(void *user, const uint8_t *session, size_t len);
};

/** Largest application resumption data carried in a ticket. */
#define TERN_HS_RESUMPTION_DATA_MAX 1024

/** One handshake. Opaque. */
struct tern_hs;

/**
 * Create a handshake.
 *
 * @param cfg
 *   Client or server configuration; must outlive the handshake.
 * @param cb
 *   Callbacks (copied).
 * @param user
 *   Passed to every callback.
 * @return
 *   0, -TERN_EINVAL (missing callbacks, server without a certificate) or
 *   -TERN_ENOMEM.
 */
int tern_hs_new(const struct tern_tls_config *cfg, const struct tern_hs_callbacks *cb, void *user,
		struct tern_hs **hsp);

/** Wipe and free a handshake (NULL is a no-op). */
void tern_hs_free(struct tern_hs *hs);

/**
 * Client: the server name to send (SNI) and to check the certificate
 * against. Call before tern_hs_start(). An IP address literal is checked
 * against the certificate's IP SANs and not sent as SNI (RFC 6066 3).
 *
 * @return 0, -TERN_EINVAL (empty, longer than 255, not a client, started).
 */
int tern_hs_set_server_name(struct tern_hs *hs, const char *name);

/**
 * Client: build and send the ClientHello (through cb->send). Server: no-op.
 *
 * @return 0 or a negative code (see tern_hs_alert()).
 */
int tern_hs_start(struct tern_hs *hs);

/**
 * Feed handshake bytes received at a level. Messages may be split and
 * coalesced arbitrarily; a message split across a key change is an error
 * (RFC 8446 5.1).
 *
 * @return
 *   0 when every byte was consumed (the engine may be waiting for more),
 *   -TERN_EPROTO on a protocol error (see tern_hs_alert()), -TERN_ENOMEM,
 *   -TERN_EINTERNAL; failures are sticky.
 */
int tern_hs_recv(struct tern_hs *hs, enum tern_hs_level level, const uint8_t *data, size_t len);

/**
 * Whether the peer may send at this level now: bytes at any other level are
 * rejected (unexpected_message).
 */
bool tern_hs_expects_level(const struct tern_hs *hs, enum tern_hs_level level);

/** Both Finished messages have been processed. */
bool tern_hs_is_complete(const struct tern_hs *hs);

/** The sticky error (0 if none). */
int tern_hs_error(const struct tern_hs *hs);

/** The alert to send for the sticky error, TERN_TLS_ALERT_NONE if none. */
enum tern_tls_alert tern_hs_alert(const struct tern_hs *hs);

/** Why the handshake failed, in words ("" if it has not). Never NULL. */
const char *tern_hs_error_string(const struct tern_hs *hs);

/** The negotiated cipher suite, NULL before ServerHello. */
const struct tern_tls13_suite *tern_hs_cipher_suite(const struct tern_hs *hs);

/** The negotiated key-exchange group (enum tern_tls_group), 0 before ServerHello. */
uint16_t tern_hs_group(const struct tern_hs *hs);

/** Whether a HelloRetryRequest was sent (server) or received (client). */
bool tern_hs_did_hrr(const struct tern_hs *hs);

/** The signature scheme of the server's CertificateVerify, 0 before it. */
uint16_t tern_hs_sigalg(const struct tern_hs *hs);

/**
 * The negotiated ALPN protocol.
 *
 * @return Its length (0 if none); *proto points into the handshake.
 */
size_t tern_hs_alpn(const struct tern_hs *hs, const uint8_t **proto);

/** Server: the SNI host name the client sent (NUL-terminated), NULL if none. */
const char *tern_hs_server_name(const struct tern_hs *hs);

/**
 * The record_size_limit the peer advertised (RFC 8449), to apply to the
 * sending record state; 0 if it sent none.
 */
uint16_t tern_hs_peer_record_size_limit(const struct tern_hs *hs);

/* --- resumption ------------------------------------------------ */

/**
 * Client: offer a session saved from on_session (PSK with (EC)DHE,
 * psk_dhe_ke, RFC 8446 4.2.9). Call before tern_hs_start(). The session is
 * copied. It is offered only when, at tern_hs_start(), it has not outlived
 * its lifetime, its cipher suite is still configured, and its server name
 * equals the one set with tern_hs_set_server_name(); otherwise the client
 * silently runs a full handshake. If the server declines it, the handshake
 * falls back to a full one with certificate verification.
 *
 * @return 0, -TERN_EINVAL (malformed session, not a client, started).
 */
int tern_hs_set_session(struct tern_hs *hs, const uint8_t *session, size_t len);

/** Whether the handshake resumed a session (PSK accepted); valid once complete. */
bool tern_hs_is_resumed(const struct tern_hs *hs);

/**
 * Server: application data to carry in the tickets this handshake issues
 * (rustls' set_resumption_data), e.g. a user id. Call before the handshake
 * completes; the data is sealed inside the ticket, never visible to the
 * client.
 *
 * @return 0, -TERN_EINVAL (not a server) or -TERN_ERANGE (> TERN_HS_RESUMPTION_DATA_MAX).
 */
int tern_hs_set_resumption_data(struct tern_hs *hs, const uint8_t *data, size_t len);

/**
 * Server: the resumption data of the ticket this handshake resumed
 * (rustls' received_resumption_data).
 *
 * @return Its length, 0 when not resumed or the ticket carried none; *data
 *   points into the handshake.
 */
size_t tern_hs_received_resumption_data(const struct tern_hs *hs, const uint8_t **data);

/* --- 0-RTT ------------------------------------------------------------------- */

/**
 * What happened to early data (0-RTT, RFC 8446 2.3).
 *
 * Client: OFFERED after tern_hs_start() put early_data in the ClientHello;
 * on_secret then delivers the client_early_traffic_secret (level EARLY,
 * direction WRITE) right after the ClientHello is sent, and the handshake
 * write secret is held back until the early data is over: ACCEPTED when the
 * server's EncryptedExtensions says so (the engine sends EndOfEarlyData at
 * the EARLY level after the server's Finished, then emits the handshake
 * write secret), REJECTED otherwise (the handshake write secret arrives at
 * once; the early data must be sent again as 1-RTT data).
 *
 * Server: ACCEPTED when it takes the early data: on_secret delivers the
 * early read secret while processing the ClientHello, and the handshake
 * read secret only with EndOfEarlyData (the peer may send early data at
 * the EARLY level until then; tern_hs_expects_level(EARLY) is true).
 * REJECTED when the client offered and the server declined: the record
 * layer must then skip records it cannot decrypt, up to the configured
 * max_early_data_size (4.2.10).
 *
 * Anti-replay (RFC 8446 8): tickets are single-use for 0-RTT. A bounded
 * strike register per server configuration remembers every ticket used
 * for 0-RTT until the ticket expires and rejects a second attempt (the
 * connection still resumes in 1-RTT); the ticket's age must also match
 * within 10 s. Full register: 0-RTT rejected. The register is per process,
 * not shared between servers of a ticket-key group.
 */
enum tern_hs_early_data {
	TERN_HS_EARLY_NONE = 0,
	TERN_HS_EARLY_OFFERED = 1,
	TERN_HS_EARLY_ACCEPTED = 2,
	TERN_HS_EARLY_REJECTED = 3,
};

/** The 0-RTT state (above). */
enum tern_hs_early_data tern_hs_early_data_state(const struct tern_hs *hs);

/** Whether the server accepted early data (rustls' is_early_data_accepted). */
bool tern_hs_is_early_data_accepted(const struct tern_hs *hs);

/**
 * The most early data bytes that may be sent (client) or received (server)
 * while 0-RTT is offered or accepted; 0 otherwise.
 */
uint32_t tern_hs_max_early_data(const struct tern_hs *hs);

/**
 * Server: how many bytes of 0-RTT records it skips when it rejected early
 * data (RFC 8446 4.2.10: trial decryption up to the configured
 * max_early_data_size); the configured maximum, or 16384 when 0-RTT is off
 * (a client may still hold a ticket that allowed it). 0 for a client.
 */
uint32_t tern_hs_early_skip_limit(const struct tern_hs *hs);

/**
 * Middlebox compatibility mode (RFC 8446 D.4) is in force: the ClientHello
 * carried a non-empty legacy_session_id (client: the one it sent; server:
 * the one it received, once the ClientHello was processed). Each side then
 * sends one dummy change_cipher_spec record: the server right after its
 * first handshake message, the client before its second flight (or right
 * after the ClientHello when it offers early data).
 */
bool tern_hs_middlebox_compat(const struct tern_hs *hs);

/**
 * Early exporter (RFC 8446 7.5): as tern_hs_export_keying_material() but
 * over early_exporter_master_secret, so usable with 0-RTT data. Client: once
 * 0-RTT was offered (whatever the server decides, the value is only
 * meaningful if it accepts). Server: once it accepted 0-RTT.
 *
 * @return 0, -TERN_EINVAL (no 0-RTT, bad arguments, failed handshake).
 */
int tern_hs_export_early_keying_material(const struct tern_hs *hs, const char *label,
					 const uint8_t *context, size_t context_len, uint8_t *out,
					 size_t len);

/* --- QUIC (RFC 9001) ------------------------------------------------------ */

/** Longest quic_transport_parameters value accepted from the caller. */
#define TERN_HS_QUIC_TP_MAX 4096

/**
 * Switch this handshake to QUIC mode and set the quic_transport_parameters
 * extension to send (RFC 9001 8.2; the bytes are the encoded RFC 9000 18
 * parameters, opaque to TLS). Call after tern_hs_new() and before
 * tern_hs_start() or the first tern_hs_recv().
 *
 * In QUIC mode (RFC 9001 8): the client sends an empty legacy_session_id
 * and the server rejects a non-empty one (illegal_parameter); ALPN must be
 * negotiated (a client needs a configured ALPN list, a server without a
 * common protocol answers no_application_protocol); a peer without the
 * extension fails with missing_extension; no EndOfEarlyData is sent or
 * expected (4.5 is replaced by the 0-RTT packet space), both handshake write
 * secrets are emitted as soon as they exist; KeyUpdate messages are refused
 * (unexpected_message: QUIC updates keys with the key phase bit, 6); a
 * server's tickets allow early data with max_early_data_size 0xffffffff
 * and a client refuses any other value (illegal_parameter, 4.6.1).
 *
 * @return 0, or -TERN_EINVAL (bad arguments, longer than
 *   TERN_HS_QUIC_TP_MAX, handshake already started), -TERN_ENOMEM.
 */
int tern_hs_set_quic_transport_params(struct tern_hs *hs, const uint8_t *tp, size_t len);

/**
 * The peer's quic_transport_parameters: the server has them once the
 * ClientHello was processed, the client once EncryptedExtensions was.
 *
 * @return The length (the pointer stays valid for the handshake's life),
 *   0 and *tp = NULL before they arrived or outside QUIC mode.
 */
size_t tern_hs_peer_quic_transport_params(const struct tern_hs *hs, const uint8_t **tp);

/**
 * The handshake interface as an ops table (DESIGN.md: dataplane drives a
 * handshake through it without knowing where it runs). In library mode the
 * calls run inline (tern_hs_inline_ops()); the DPDK engine can supply a
 * table whose calls travel over rings to the control thread. Each member has
 * the contract of the function of the same name above.
 */
struct tern_hs_ops {
	int (*create)(const struct tern_tls_config *cfg, const struct tern_hs_callbacks *cb,
		      void *user, struct tern_hs **hsp);
	void (*destroy)(struct tern_hs *hs);
	int (*set_server_name)(struct tern_hs *hs, const char *name);
	int (*start)(struct tern_hs *hs);
	int (*recv)(struct tern_hs *hs, enum tern_hs_level level, const uint8_t *data, size_t len);
	bool (*is_complete)(const struct tern_hs *hs);
	enum tern_tls_alert (*alert)(const struct tern_hs *hs);
	int (*set_quic_transport_params)(struct tern_hs *hs, const uint8_t *tp, size_t len);
	size_t (*peer_quic_transport_params)(const struct tern_hs *hs, const uint8_t **tp);
};

/** The inline (same thread) implementation: the functions above. Static; any thread. */
const struct tern_hs_ops *tern_hs_inline_ops(void);

/**
 * The handshake ops a configuration hands to the connection layer (today
 * always tern_hs_inline_ops()).
 */
const struct tern_hs_ops *tern_tls_config_hs_ops(const struct tern_tls_config *cfg);

/* --- getters for the connection API (include/tern/tls.h) ------------------ */

/**
 * Keying material exporter (RFC 8446 7.5) from the exporter_master_secret.
 *
 * @return 0, -TERN_EAGAIN (before the server Finished), -TERN_EINVAL
 *   (NULL label/out, out_len 0 or above 255 * hash length) or -TERN_EINTERNAL.
 */
int tern_hs_export_keying_material(const struct tern_hs *hs, const char *label,
				   const uint8_t *context, size_t context_len, uint8_t *out,
				   size_t out_len);

/**
 * Send a KeyUpdate (RFC 8446 4.6.3) through cb->send at the application
 * level, then emit the next write secret through cb->on_secret.
 *
 * @param request_update ask the peer to update its sending key too.
 * @return 0, -TERN_EAGAIN (handshake not complete) or the sticky error.
 */
int tern_hs_send_key_update(struct tern_hs *hs, bool request_update);

/**
 * The i-th certificate (0 = leaf) of the chain the peer sent, as DER.
 *
 * @return Its length, 0 when there is no such certificate (*der = NULL).
 */
size_t tern_hs_peer_certificate(const struct tern_hs *hs, unsigned i, const uint8_t **der);

#ifdef __cplusplus
}
#endif

#endif /* TERN_HANDSHAKE_H */
