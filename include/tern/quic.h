/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_QUIC_H
#define TERN_QUIC_H

/**
 * @file
 * QUIC connections (RFC 9000, 9001, 9002), shaped after quiche's Connection.
 *
 * A connection is a sans-IO state machine: the caller owns the sockets and
 * the buffers. It feeds every received UDP datagram to tern_quic_conn_recv(),
 * calls tern_quic_conn_send() until it returns TERN_QUIC_DONE and sends each
 * datagram it produced, and arms a timer for tern_quic_conn_timeout(),
 * calling tern_quic_conn_on_timeout() when it fires. Time is never read from
 * a clock: every call that needs it takes `now`, a monotonic time in
 * nanoseconds chosen by the caller (any origin, never decreasing).
 *
 * The TLS 1.3 handshake runs through the handshake ops of the TLS
 * configuration (tern_tls_config_hs_ops(), inline in library mode).
 *
 * Threading: a configuration is built by one thread and then shared
 * read-only by any number of connections. A connection copies the QUIC
 * settings when it is created (later changes only affect new connections);
 * the TLS configuration stays borrowed. A connection belongs to one thread
 * at a time, as does the crypto context it uses. Calls that process the
 * handshake allocate and do public-key cryptography; stream calls and
 * recv/send of 1-RTT packets neither lock nor make system calls.
 *
 * Errors: functions return a non-negative value or a negative `-TERN_E...`
 * code (include/tern/error.h). TERN_QUIC_DONE means "nothing (more) to do"
 * (quiche's Error::Done). A protocol violation by the peer makes the
 * connection close itself with the RFC 9000 20.1 transport error code (see
 * tern_quic_conn_local_error()); the call that found it returns -TERN_EPROTO.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <tern/crypto.h>
#include <tern/error.h>
#include <tern/tls_config.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Nothing (more) to do: no datagram to send, no stream data to read, no room. */
#define TERN_QUIC_DONE (-TERN_EAGAIN)

/** Longest connection ID (RFC 9000 17.2). */
#define TERN_QUIC_CONN_ID_MAX 20
/** Smallest datagram a client's Initial must fill (RFC 9000 14.1). */
#define TERN_QUIC_MIN_INITIAL_SIZE 1200
/** Default largest UDP payload this endpoint sends. */
#define TERN_QUIC_DEFAULT_SEND_UDP_PAYLOAD 1350

/** Congestion controllers (RFC 9002 7, RFC 9438). */
enum tern_quic_cc_algorithm {
	TERN_QUIC_CC_NEWRENO = 0,
	TERN_QUIC_CC_CUBIC = 1, /**< default */
};

/* --- configuration ------------------------------------------------------------ */

/** Settings shared by many connections. Opaque. */
struct tern_quic_config;

/**
 * Create a configuration with quiche-like defaults: QUIC v1, idle timeout
 * 30 s, initial_max_data 10 MB, 1 MB per stream (all three kinds), 100
 * bidirectional and 100 unidirectional streams, ack_delay_exponent 3,
 * max_ack_delay 25 ms, active_connection_id_limit 2, CUBIC with pacing, send
 * UDP payload TERN_QUIC_DEFAULT_SEND_UDP_PAYLOAD, receive 65527.
 *
 * @param tls
 *   The TLS 1.3 client or server configuration the handshakes use. Borrowed:
 *   it must outlive the QUIC configuration and every connection made from
 *   it; tern_quic_config_set_application_protos() writes its ALPN list.
 *   A server configuration needs its certificate loaded.
 * @return 0, -TERN_EINVAL or -TERN_ENOMEM.
 */
int tern_quic_config_new(struct tern_tls_config *tls, struct tern_quic_config **cfgp);

/** Free a configuration (NULL is a no-op). No connection may still use it. */
void tern_quic_config_free(struct tern_quic_config *cfg);

/**
 * The ALPN protocols in preference order. QUIC requires ALPN (RFC 9001
 * 8.1): a handshake without a common protocol fails with
 * no_application_protocol. Written into the TLS configuration.
 *
 * @return 0, -TERN_EINVAL or -TERN_ENOMEM.
 */
int tern_quic_config_set_application_protos(struct tern_quic_config *cfg, const char *const *protos,
					    size_t n);

/** QUIC version to use (TERN_QUIC_V1 or TERN_QUIC_V2). @return 0 or -TERN_ENOTSUP. */
int tern_quic_config_set_version(struct tern_quic_config *cfg, uint32_t version);

/** max_idle_timeout transport parameter in milliseconds; 0 disables it. */
void tern_quic_config_set_max_idle_timeout(struct tern_quic_config *cfg, uint64_t ms);

/** max_udp_payload_size transport parameter. @return 0 or -TERN_ERANGE (< 1200). */
int tern_quic_config_set_max_recv_udp_payload_size(struct tern_quic_config *cfg, size_t v);

/** Largest UDP payload this endpoint sends. @return 0 or -TERN_ERANGE (< 1200 or > 65527). */
int tern_quic_config_set_max_send_udp_payload_size(struct tern_quic_config *cfg, size_t v);

/** initial_max_data: the connection flow-control window offered to the peer. */
void tern_quic_config_set_initial_max_data(struct tern_quic_config *cfg, uint64_t v);

/** initial_max_stream_data_bidi_local. */
void tern_quic_config_set_initial_max_stream_data_bidi_local(struct tern_quic_config *cfg,
							     uint64_t v);

/** initial_max_stream_data_bidi_remote. */
void tern_quic_config_set_initial_max_stream_data_bidi_remote(struct tern_quic_config *cfg,
							      uint64_t v);

/** initial_max_stream_data_uni. */
void tern_quic_config_set_initial_max_stream_data_uni(struct tern_quic_config *cfg, uint64_t v);

/** initial_max_streams_bidi. @return 0 or -TERN_ERANGE (> 2^60). */
int tern_quic_config_set_initial_max_streams_bidi(struct tern_quic_config *cfg, uint64_t v);

/** initial_max_streams_uni. @return 0 or -TERN_ERANGE (> 2^60). */
int tern_quic_config_set_initial_max_streams_uni(struct tern_quic_config *cfg, uint64_t v);

/** ack_delay_exponent. @return 0 or -TERN_ERANGE (> 20). */
int tern_quic_config_set_ack_delay_exponent(struct tern_quic_config *cfg, uint64_t v);

/** max_ack_delay in milliseconds. @return 0 or -TERN_ERANGE (>= 2^14). */
int tern_quic_config_set_max_ack_delay(struct tern_quic_config *cfg, uint64_t ms);

/** disable_active_migration. */
void tern_quic_config_set_disable_active_migration(struct tern_quic_config *cfg, bool v);

/** active_connection_id_limit. @return 0 or -TERN_ERANGE (< 2). */
int tern_quic_config_set_active_connection_id_limit(struct tern_quic_config *cfg, uint64_t v);

/** Congestion controller of new connections. @return 0 or -TERN_EINVAL. */
int tern_quic_config_set_cc_algorithm(struct tern_quic_config *cfg,
				      enum tern_quic_cc_algorithm algo);

/**
 * 0-RTT (RFC 9001 4.6): a server accepts early data on resumed connections
 * (its tickets allow it); a client resuming a session from such a server
 * sends stream data in 0-RTT packets before the handshake completes, within
 * the server's transport parameters remembered with the session. Data the
 * server rejects is sent again in 1-RTT packets. Writes the TLS
 * configuration's early-data settings.
 *
 * @return 0, -TERN_EINVAL or -TERN_ENOMEM.
 */
int tern_quic_config_enable_early_data(struct tern_quic_config *cfg);

/** Pace packets (send_info.at); on by default. */
void tern_quic_config_enable_pacing(struct tern_quic_config *cfg, bool v);

/** Largest connection receive window auto-tuning may grow to (default 24 MB). */
void tern_quic_config_set_max_connection_window(struct tern_quic_config *cfg, uint64_t v);

/** Largest stream receive window auto-tuning may grow to (default 16 MB). */
void tern_quic_config_set_max_stream_window(struct tern_quic_config *cfg, uint64_t v);

/**
 * Key log: every connection made from this configuration passes NSS key log
 * lines (SSLKEYLOGFILE format, without the newline) to cb. Secrets leave the
 * library only through this callback. NULL turns it off.
 */
void tern_quic_config_set_keylog(struct tern_quic_config *cfg,
				 void (*cb)(void *user, const char *line), void *user);

/* --- connection lifecycle ----------------------------------------------------- */

/** One QUIC connection. Opaque. */
struct tern_quic_conn;

/**
 * Create a client connection; the first tern_quic_conn_send() produces the
 * Initial packet carrying the ClientHello. The original Destination
 * Connection ID is drawn at random (8 bytes).
 *
 * @param server_name
 *   SNI and certificate name (NULL: none; verification must then be off).
 * @param scid
 *   Source connection ID (0..20 bytes), chosen by the caller.
 * @param local, peer
 *   The path's addresses (copied), reported back in send_info.
 * @param cctx
 *   Crypto context for packet protection (per thread), or NULL to create a
 *   private one with the default backend.
 * @param now
 *   Current time in nanoseconds.
 * @return 0, -TERN_EINVAL, -TERN_ENOMEM or a handshake error.
 */
int tern_quic_connect(const char *server_name, const uint8_t *scid, size_t scid_len,
		      const struct sockaddr *local, socklen_t local_len,
		      const struct sockaddr *peer, socklen_t peer_len,
		      const struct tern_quic_config *cfg, struct tern_crypto_ctx *cctx,
		      uint64_t now, struct tern_quic_conn **connp);

/**
 * Create a server connection for a client's first Initial packet, which the
 * caller then passes to tern_quic_conn_recv(). The Initial keys come from
 * that packet's Destination Connection ID.
 *
 * @param scid
 *   The server's connection ID (1..20 bytes); the client's Initial may be
 *   addressed to another one (its random original DCID).
 * @param odcid
 *   The original Destination Connection ID when the caller validated the
 *   client with a Retry (the Initial's DCID is then the Retry's SCID), else
 *   NULL.
 * @return 0, -TERN_EINVAL, -TERN_ENOMEM.
 */
int tern_quic_accept(const uint8_t *scid, size_t scid_len, const uint8_t *odcid, size_t odcid_len,
		     const struct sockaddr *local, socklen_t local_len, const struct sockaddr *peer,
		     socklen_t peer_len, const struct tern_quic_config *cfg,
		     struct tern_crypto_ctx *cctx, uint64_t now, struct tern_quic_conn **connp);

/** Wipe and free a connection (NULL is a no-op). */
void tern_quic_conn_free(struct tern_quic_conn *conn);

/**
 * Client: resume a session saved from tern_quic_conn_session() of an earlier
 * connection to the same server (TLS 1.3 PSK with ECDHE; no 0-RTT yet).
 * Call after tern_quic_connect() and before the first tern_quic_conn_send(),
 * which builds the ClientHello (a ClientHello the TLS configuration cannot
 * build, e.g. without ALPN, makes that first send fail). An unusable session
 * (expired, other server name) silently gives a full handshake.
 *
 * @return 0, -TERN_EINVAL (server, already started, malformed session).
 */
int tern_quic_conn_set_session(struct tern_quic_conn *conn, const uint8_t *session, size_t len);

/**
 * Client: the latest resumable session, from a NewSessionTicket the server
 * sent after the handshake. It contains a secret (the resumption PSK): keep
 * it out of logs. Valid until the next ticket or tern_quic_conn_free().
 *
 * @return Its length, 0 if the server sent no ticket (yet).
 */
size_t tern_quic_conn_session(const struct tern_quic_conn *conn, const uint8_t **session);

/** The handshake resumed a session (both sides; valid once established). */
bool tern_quic_conn_is_resumed(const struct tern_quic_conn *conn);

/**
 * Server: write a Retry packet (RFC 9000 17.2.5) answering a client Initial,
 * with its integrity tag (RFC 9001 5.8), like quiche's retry(). The client
 * comes back with an Initial to new_scid carrying the token; the server
 * checks the token (its own format) and calls tern_quic_accept() with scid =
 * new_scid and odcid = the first Initial's DCID.
 *
 * @param scid, dcid
 *   The client Initial's Source and Destination Connection IDs.
 * @param new_scid
 *   The server's new connection ID (1..20 bytes, differs from dcid).
 * @return The packet's length, -TERN_EINVAL, -TERN_ENOBUFS, -TERN_ENOMEM.
 */
int tern_quic_retry(const uint8_t *scid, size_t scid_len, const uint8_t *dcid, size_t dcid_len,
		    const uint8_t *new_scid, size_t new_scid_len, const uint8_t *token,
		    size_t token_len, uint32_t version, struct tern_crypto_ctx *cctx, uint8_t *out,
		    size_t cap);

/**
 * Server: write a Version Negotiation packet (RFC 9000 17.2.1) listing the
 * versions tern speaks, for a long-header packet of a version it does not
 * (check with tern_quic_version_supported()).
 *
 * @param scid, dcid
 *   The received packet's Source and Destination Connection IDs (echoed
 *   swapped).
 * @return The packet's length, -TERN_EINVAL or -TERN_ENOBUFS.
 */
int tern_quic_negotiate_version(const uint8_t *scid, size_t scid_len, const uint8_t *dcid,
				size_t dcid_len, uint8_t *out, size_t cap);

/**
 * Write a Stateless Reset (RFC 9000 10.3) for a datagram of recv_len bytes
 * addressed to a connection ID the caller does not know: a short-header-like
 * packet of unpredictable bytes ending in the 16-byte token the peer learned
 * for that connection ID.
 *
 * Loop prevention (10.3.3): the reset is always shorter than the datagram it
 * answers (recv_len - 1 bytes, at most 64), and datagrams of 21 bytes or less
 * get none (a reset under 21 bytes is not valid), so two endpoints
 * answering each other's resets run out of bytes.
 *
 * @param token The stateless reset token (16 bytes).
 * @param recv_len The received datagram's length.
 * @return The packet's length; 0 if none may be sent (recv_len too small);
 *   -TERN_EINVAL, -TERN_ENOBUFS (cap too small), -TERN_EINTERNAL (RNG).
 */
int tern_quic_stateless_reset(uint8_t *out, size_t cap, const uint8_t *token, size_t recv_len);

/**
 * Addresses of a received datagram. Not used yet: there is no connection
 * migration, so a connection stays on the path it was created with.
 */
struct tern_quic_recv_info {
	const struct sockaddr *from; /**< the peer's address */
	socklen_t from_len;
	const struct sockaddr *to; /**< the local address it arrived on */
	socklen_t to_len;
};

/** Where and when to send a datagram produced by tern_quic_conn_send(). */
struct tern_quic_send_info {
	struct sockaddr_storage from; /**< local address */
	socklen_t from_len;
	struct sockaddr_storage to; /**< peer address */
	socklen_t to_len;
	/**
	 * Earliest time to send it (pacing, RFC 9002 7.7), in the caller's
	 * nanoseconds; equal to now when it may go at once.
	 */
	uint64_t at;
};

/**
 * Process one received UDP datagram: every coalesced packet in it is
 * decrypted in place (buf is modified) and its frames processed.
 *
 * Packets that cannot be decrypted, are for discarded keys, or are
 * duplicates are dropped silently, as the RFC asks.
 *
 * @return
 *   Bytes processed (len, also when packets were dropped), TERN_QUIC_DONE
 *   when the connection is closed/draining and ignores input,
 *   -TERN_EPROTO when the datagram made the connection close with a
 *   transport error (tern_quic_conn_local_error()), -TERN_EINVAL.
 */
int tern_quic_conn_recv(struct tern_quic_conn *conn, uint8_t *buf, size_t len,
			const struct tern_quic_recv_info *info, uint64_t now);

/**
 * Write the next datagram to send into out (coalescing packets of several
 * levels where possible). Call until it returns TERN_QUIC_DONE.
 *
 * @param cap
 *   Size of out; at least 1200 bytes is needed to make progress.
 * @return
 *   The datagram's length, TERN_QUIC_DONE (nothing to send now: congestion
 *   window, anti-amplification limit, or no data), -TERN_ENOBUFS (cap too
 *   small), or another negative error.
 */
int tern_quic_conn_send(struct tern_quic_conn *conn, uint8_t *out, size_t cap,
			struct tern_quic_send_info *info, uint64_t now);

/**
 * The next time tern_quic_conn_on_timeout() must be called (loss detection,
 * PTO, ACK delay, idle timeout, draining), in the caller's nanoseconds;
 * UINT64_MAX when no timer is armed (a closed connection).
 */
uint64_t tern_quic_conn_timeout(const struct tern_quic_conn *conn);

/** Process timers that expired at now (a no-op if none did). */
void tern_quic_conn_on_timeout(struct tern_quic_conn *conn, uint64_t now);

/**
 * Close the connection (RFC 9000 10.2): send CONNECTION_CLOSE with an
 * application (app = true, frame type 0x1d) or transport (0x1c) error code
 * and a reason, then enter the closing state for three PTOs. Before the
 * handshake completes an application close is sent as a transport
 * APPLICATION_ERROR (RFC 9000 10.2.3).
 *
 * @return 0, TERN_QUIC_DONE (already closing/closed), -TERN_EINVAL.
 */
int tern_quic_conn_close(struct tern_quic_conn *conn, bool app, uint64_t err, const uint8_t *reason,
			 size_t reason_len, uint64_t now);

/* --- streams ----------------------------------------------------------------------- */

/**
 * Queue data on a stream; opens a local stream implicitly (the low two bits
 * of the id say who opened it and its direction, RFC 9000 2.1).
 *
 * @param fin
 *   The data ends the stream (only when all of it fits).
 * @return
 *   Bytes accepted (possibly fewer than len: flow control and send buffer),
 *   TERN_QUIC_DONE (no room now, the handshake has not brought the peer's
 *   limits yet, or the peer's stream limit does not allow opening it yet: a
 *   STREAMS_BLOCKED is sent), -TERN_EINVAL (not a stream this endpoint may
 *   write, e.g. the peer's unidirectional stream; final size already sent;
 *   closed connection), -TERN_EPROTO (the peer stopped it: STOP_SENDING;
 *   tern_quic_conn_stream_error() has the code).
 */
long tern_quic_conn_stream_send(struct tern_quic_conn *conn, uint64_t id, const uint8_t *buf,
				size_t len, bool fin);

/**
 * Read in-order data of a stream.
 *
 * @param fin
 *   Set when the data read ends the stream.
 * @return
 *   Bytes read, TERN_QUIC_DONE (nothing readable), -TERN_EINVAL (no such
 *   stream / not readable), -TERN_EPROTO (the peer reset it:
 *   RESET_STREAM; tern_quic_conn_stream_error() has the code).
 */
long tern_quic_conn_stream_recv(struct tern_quic_conn *conn, uint64_t id, uint8_t *buf, size_t cap,
				bool *fin);

/** Which side of a stream to shut down. */
enum tern_quic_shutdown {
	TERN_QUIC_SHUTDOWN_READ = 0,  /**< STOP_SENDING; buffered data dropped */
	TERN_QUIC_SHUTDOWN_WRITE = 1, /**< RESET_STREAM; unsent data dropped */
};

/** Shut down one side of a stream with an application error code. @return 0, TERN_QUIC_DONE,
 * -TERN_EINVAL. */
int tern_quic_conn_stream_shutdown(struct tern_quic_conn *conn, uint64_t id,
				   enum tern_quic_shutdown how, uint64_t err);

/**
 * Priority (RFC 9218 semantics, as quiche): urgency 0..7, lower first;
 * incremental streams of one urgency share the bandwidth round-robin.
 *
 * @return 0, TERN_QUIC_DONE (a local stream the peer's limit does not let
 *   us open yet), -TERN_EINVAL.
 */
int tern_quic_conn_stream_priority(struct tern_quic_conn *conn, uint64_t id, uint8_t urgency,
				   bool incremental);

/** Bytes stream_send would accept now. @return >= 0, -TERN_EINVAL. */
long tern_quic_conn_stream_capacity(const struct tern_quic_conn *conn, uint64_t id);

/** The stream has data (or a fin, or a reset) to read. */
bool tern_quic_conn_stream_readable(const struct tern_quic_conn *conn, uint64_t id);

/** stream_send would accept at least len bytes now. */
bool tern_quic_conn_stream_writable(const struct tern_quic_conn *conn, uint64_t id, size_t len);

/** All the stream's data (and fin) was read, or it was reset. */
bool tern_quic_conn_stream_finished(const struct tern_quic_conn *conn, uint64_t id);

/**
 * The application error code of a reset (RESET_STREAM) received on the
 * stream, or of a STOP_SENDING. @return 0 and *err, or TERN_QUIC_DONE.
 */
int tern_quic_conn_stream_error(const struct tern_quic_conn *conn, uint64_t id, uint64_t *err);

/**
 * Iterate over readable streams: fills ids with up to max stream ids, in
 * priority order. @return the count written.
 */
size_t tern_quic_conn_readable(const struct tern_quic_conn *conn, uint64_t *ids, size_t max);

/** Iterate over writable streams (capacity > 0), like tern_quic_conn_readable(). */
size_t tern_quic_conn_writable(const struct tern_quic_conn *conn, uint64_t *ids, size_t max);

/** How many more bidirectional streams this endpoint may open now. */
uint64_t tern_quic_conn_peer_streams_left_bidi(const struct tern_quic_conn *conn);

/** How many more unidirectional streams this endpoint may open now. */
uint64_t tern_quic_conn_peer_streams_left_uni(const struct tern_quic_conn *conn);

/** Largest UDP payload this connection sends now (min of config and peer TP). */
size_t tern_quic_conn_max_send_udp_payload_size(const struct tern_quic_conn *conn);

/**
 * Make the next packet ack-eliciting (a PING if nothing else), e.g. to keep
 * a connection alive. @return 0 or TERN_QUIC_DONE (closed).
 */
int tern_quic_conn_send_ack_eliciting(struct tern_quic_conn *conn);

/**
 * Start a 1-RTT key update (RFC 9001 6): packets from now on use the next
 * key phase; the peer follows. Incoming packets of the previous phase stay
 * readable for three PTOs after the peer switched.
 *
 * @return 0, TERN_QUIC_DONE (handshake not confirmed, or the previous
 *   update is not finished yet), -TERN_ENOMEM.
 */
int tern_quic_conn_update_keys(struct tern_quic_conn *conn);

/* --- state ----------------------------------------------------------------------------- */

/** The handshake completed (1-RTT keys both ways). */
bool tern_quic_conn_is_established(const struct tern_quic_conn *conn);
/** Client: 0-RTT was offered and the handshake has not completed yet (stream data goes in 0-RTT).
 */
bool tern_quic_conn_is_in_early_data(const struct tern_quic_conn *conn);
/** A CONNECTION_CLOSE was received; the connection only waits (RFC 9000 10.2.2). */
bool tern_quic_conn_is_draining(const struct tern_quic_conn *conn);
/** Done: nothing more will be sent or received; free it. */
bool tern_quic_conn_is_closed(const struct tern_quic_conn *conn);
/** Closed because the idle timeout (or the handshake timeout) expired. */
bool tern_quic_conn_is_timed_out(const struct tern_quic_conn *conn);

/** A connection error: a CONNECTION_CLOSE's contents. */
struct tern_quic_conn_error {
	bool is_app;	       /**< application close (frame 0x1d) */
	uint64_t error_code;   /**< RFC 9000 20.1 code or application code */
	uint64_t frame_type;   /**< transport close: the frame that caused it */
	const uint8_t *reason; /**< borrowed from the connection */
	size_t reason_len;
};

/** The error the peer closed with. @return true and *err filled, or false. */
bool tern_quic_conn_peer_error(const struct tern_quic_conn *conn, struct tern_quic_conn_error *err);

/** The error this endpoint closed with. @return true and *err filled, or false. */
bool tern_quic_conn_local_error(const struct tern_quic_conn *conn,
				struct tern_quic_conn_error *err);

/** The negotiated ALPN protocol. @return its length, 0 if none (*proto NULL). */
size_t tern_quic_conn_application_proto(const struct tern_quic_conn *conn, const uint8_t **proto);

/** Server: the SNI the client sent; client: the name it connected to. NULL if none. */
const char *tern_quic_conn_server_name(const struct tern_quic_conn *conn);

/** The peer's leaf certificate as DER. @return its length, 0 if none. */
size_t tern_quic_conn_peer_cert(const struct tern_quic_conn *conn, const uint8_t **der);

/** This endpoint's connection ID. @return its length; *id borrowed. */
size_t tern_quic_conn_source_id(const struct tern_quic_conn *conn, const uint8_t **id);

/** The peer's connection ID in use. @return its length; *id borrowed. */
size_t tern_quic_conn_destination_id(const struct tern_quic_conn *conn, const uint8_t **id);

/** A printable id for logs: the hex of the source connection ID. Never NULL. */
const char *tern_quic_conn_trace_id(const struct tern_quic_conn *conn);

/** Connection statistics (quiche's Stats). */
struct tern_quic_stats {
	uint64_t recv;		       /**< packets received and processed */
	uint64_t sent;		       /**< packets sent */
	uint64_t lost;		       /**< packets declared lost */
	uint64_t retrans;	       /**< lost packets whose frames were queued again */
	uint64_t sent_bytes;	       /**< UDP payload bytes sent */
	uint64_t recv_bytes;	       /**< UDP payload bytes received */
	uint64_t lost_bytes;	       /**< bytes of lost packets */
	uint64_t stream_retrans_bytes; /**< stream data bytes sent again */
	uint64_t dropped;	       /**< packets dropped (undecryptable, duplicate, ...) */
	uint64_t paths_count;	       /**< always 1 (no migration yet) */
	uint64_t key_updates; /**< 1-RTT key updates completed (either side started them) */
};

/** Per-path statistics (quiche's PathStats). */
struct tern_quic_path_stats {
	uint64_t rtt_ns; /**< smoothed RTT */
	uint64_t min_rtt_ns;
	uint64_t rttvar_ns;
	uint64_t latest_rtt_ns;
	uint64_t cwnd; /**< congestion window, bytes */
	uint64_t bytes_in_flight;
	uint64_t delivery_rate; /**< bytes/s, estimated as cwnd / smoothed RTT */
	uint64_t pmtu;		/**< max send UDP payload */
	uint64_t pacing_rate;	/**< bytes/s, 0 if unknown */
};

/** Fill connection statistics. */
void tern_quic_conn_stats(const struct tern_quic_conn *conn, struct tern_quic_stats *st);

/** Fill the statistics of the (only) path. */
void tern_quic_conn_path_stats(const struct tern_quic_conn *conn, struct tern_quic_path_stats *st);

#ifdef __cplusplus
}
#endif

#endif /* TERN_QUIC_H */
