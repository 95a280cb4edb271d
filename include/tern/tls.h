/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_TLS_H
#define TERN_TLS_H

/**
 * @file
 * TLS 1.3 connections for library users, after rustls' ConnectionCommon
 * (buffered: read_tls / process_new_packets / write_tls and a plaintext
 * reader and writer) with s2n-style extras (request_key_update, dynamic
 * record sizing, wipe), or unbuffered (rustls' unbuffered module), with
 * session resumption and 0-RTT early data in both.
 *
 * Middlebox compatibility mode (RFC 8446 D.4) follows the ClientHello's
 * legacy_session_id: when it is non-empty (tern clients by default,
 * tern_tls_config_set_middlebox_compat()) the client sends one dummy
 * change_cipher_spec before its second flight (right after the ClientHello
 * when offering 0-RTT) and the server one right after its first handshake
 * message (ServerHello or HelloRetryRequest); with an empty one neither
 * does.
 *
 * A connection is the handshake engine (include/tern/handshake.h) wired to
 * record protection (include/tern/tls_record.h). It never touches a socket
 * itself: bytes come and go through caller callbacks (or the complete_io
 * helper over a file descriptor).
 *
 * Threading model: a connection belongs to one thread at a time; no call
 * locks. Connections are independent: any number of them, on any threads,
 * may share one configuration, which is immutable while they live. Each
 * connection creates its own struct tern_crypto_ctx unless the caller passes
 * one to tern_tls_conn_new(); a caller-provided context is per thread
 * (crypto.h), so every connection using it must run on that context's
 * thread, and it must outlive them. Calls may allocate (the handshake does
 * public-key cryptography): library mode, not a data-plane core.
 *
 * Failure is sticky: after a fatal error (a protocol error of either the
 * handshake or the record layer, a fatal alert from the peer) the
 * connection queues the alert for write_tls to send and every later call
 * returns the same negative code; tern_tls_conn_error() names the alerts
 * sent and received and tern_tls_conn_error_string() says why in words.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <tern/crypto.h>
#include <tern/error.h>
#include <tern/tls_alert.h>
#include <tern/tls_config.h>

#ifdef __cplusplus
extern "C" {
#endif

/** One TLS 1.3 connection, client or server. Opaque. */
struct tern_tls_conn;

/** Default limit of each of the plaintext and TLS buffers (rustls' 64 KiB). */
#define TERN_TLS_CONN_DEFAULT_BUFFER_LIMIT (64u * 1024u)
/**
 * Content bytes of a "small" record for dynamic record sizing: one record
 * fits a typical 1500-byte-MTU TCP segment (s2n's 1398-byte records).
 */
#define TERN_TLS_CONN_SMALL_RECORD (1398u - TERN_TLS_CONN_SMALL_RECORD_OVERHEAD)
/** Header, content type and AEAD tag of a TLS 1.3 record. */
#define TERN_TLS_CONN_SMALL_RECORD_OVERHEAD 22u

/**
 * Create a connection.
 *
 * @param cfg
 *   Client or server configuration; shared, must outlive the connection.
 * @param server_name
 *   Client: the name to send as SNI and to verify the certificate against
 *   (NULL sends none and, with verification on, fails the handshake).
 *   Server: must be NULL.
 * @param cctx
 *   Crypto context to use (see the threading model), or NULL to create one
 *   owned by the connection.
 * @param connp
 *   Receives the connection. Nothing is sent before the first I/O call, so
 *   tern_tls_conn_set_keylog() and the other setters may follow.
 * @return 0, -TERN_EINVAL or -TERN_ENOMEM.
 */
int tern_tls_conn_new(const struct tern_tls_config *cfg, const char *server_name,
		      struct tern_crypto_ctx *cctx, struct tern_tls_conn **connp);

/** Wipe and free a connection (NULL is a no-op). */
void tern_tls_conn_free(struct tern_tls_conn *conn);

/**
 * Reset a connection for reuse (s2n_connection_wipe): drop every secret,
 * buffer and error, and the session set with tern_tls_conn_set_session()
 * (single use); keep the configuration, server name, crypto context, key
 * log, session callback and size settings. The next I/O call starts a new
 * handshake.
 */
void tern_tls_conn_wipe(struct tern_tls_conn *conn);

/* --- buffered API (rustls ConnectionCommon) ------------------------------ */

/**
 * Read callback: fill up to len bytes of buf from the transport.
 *
 * @return bytes read (> 0), 0 at end of stream, or -1 with errno set
 *   (EAGAIN / EWOULDBLOCK / EINTR: nothing available now).
 */
typedef ssize_t (*tern_tls_read_cb)(void *user, uint8_t *buf, size_t len);

/**
 * Write callback: send up to len bytes of buf.
 *
 * @return bytes written (> 0, may be short), or -1 with errno set
 *   (EAGAIN / EWOULDBLOCK / EINTR: try later).
 */
typedef ssize_t (*tern_tls_write_cb)(void *user, const uint8_t *buf, size_t len);

/**
 * Read TLS bytes from the transport into the connection (one callback call).
 * Process them with tern_tls_conn_process_new_packets().
 *
 * @return
 *   bytes read; 0 at end of stream (the peer's close_notify, if it came,
 *   is seen by process_new_packets; without it the reader reports a
 *   truncation); -TERN_EAGAIN when the callback would block;
 *   -TERN_ENOBUFS when the connection holds a full buffer limit of
 *   unprocessed TLS or unread plaintext (read plaintext first: rustls'
 *   "received plaintext buffer full"); -TERN_EINTERNAL when the callback
 *   failed otherwise (errno as it left it); the sticky error.
 */
ssize_t tern_tls_conn_read_tls(struct tern_tls_conn *conn, tern_tls_read_cb cb, void *user);

/** What process_new_packets left for the caller. */
struct tern_tls_io_state {
	size_t plaintext_bytes_to_read; /**< readable with tern_tls_conn_reader_read() */
	size_t tls_bytes_to_write;	/**< waiting for tern_tls_conn_write_tls() */
	bool peer_has_closed;		/**< close_notify received */
	/** Server: 0-RTT bytes readable with tern_tls_conn_early_data_read(). */
	size_t early_data_bytes_to_read;
};

/**
 * Process the TLS bytes read so far: drive the handshake, decrypt
 * application data into the plaintext buffer (stopping while it holds the
 * buffer limit), queue answers (handshake messages, KeyUpdate responses,
 * alerts) for write_tls.
 *
 * Records left undecrypted because the plaintext buffer was full stay
 * inside the connection: after draining plaintext with
 * tern_tls_conn_reader_read(), call this again. No transport event will
 * announce them, since their bytes have already been read.
 *
 * @return 0 (state filled if not NULL) or the sticky error; the alert it
 *   queued still has to be written with write_tls.
 */
int tern_tls_conn_process_new_packets(struct tern_tls_conn *conn, struct tern_tls_io_state *state);

/**
 * Write queued TLS bytes through the callback (one callback call).
 *
 * Works after a failure too, so that the alert reaches the peer.
 *
 * @return bytes written (0 when nothing was queued), -TERN_EAGAIN when the
 *   callback would block, -TERN_EINTERNAL when it failed (errno as it left it).
 */
ssize_t tern_tls_conn_write_tls(struct tern_tls_conn *conn, tern_tls_write_cb cb, void *user);

/**
 * Read decrypted application data.
 *
 * @return bytes copied (> 0); 0 when the peer closed with close_notify and
 *   everything was read (EOF); -TERN_EAGAIN when nothing is buffered yet;
 *   -TERN_EPROTO when the transport ended without close_notify
 *   (truncation); the sticky error.
 */
ssize_t tern_tls_conn_reader_read(struct tern_tls_conn *conn, void *buf, size_t len);

/**
 * Queue application data. Before the handshake completes it is kept as
 * plaintext and sealed when the handshake completes.
 *
 * @return bytes accepted: up to what the buffer limit leaves (0 when it is
 *   full: write_tls first); -TERN_EINVAL after send_close_notify; the
 *   sticky error.
 */
ssize_t tern_tls_conn_writer_write(struct tern_tls_conn *conn, const void *buf, size_t len);

/**
 * Limit, in bytes, of unread plaintext and of unsent TLS data (each).
 * Default TERN_TLS_CONN_DEFAULT_BUFFER_LIMIT; 0 means no limit. The
 * handshake's own messages and alerts are never refused.
 */
void tern_tls_conn_set_buffer_limit(struct tern_tls_conn *conn, size_t limit);

/** Whether the connection wants transport bytes (no error, no EOF, buffer room). */
bool tern_tls_conn_wants_read(const struct tern_tls_conn *conn);

/** Whether TLS bytes are queued for write_tls. */
bool tern_tls_conn_wants_write(const struct tern_tls_conn *conn);

/** Whether the handshake has not completed yet (true before the first I/O call). */
bool tern_tls_conn_is_handshaking(const struct tern_tls_conn *conn);

/**
 * Drive I/O over a connected socket (blocking or not) as rustls'
 * complete_io: while handshaking, write and read until the handshake
 * completes; afterwards write everything queued, then read and process
 * once if the connection wants to read. Writes use send(MSG_NOSIGNAL), so a
 * closed peer is an error, not SIGPIPE.
 *
 * @return 0; -TERN_EAGAIN (a non-blocking fd would block: poll and call
 *   again); -TERN_EPROTO on EOF during the handshake; the sticky error
 *   (after trying to send its alert); -TERN_EINTERNAL on a socket error.
 */
int tern_tls_conn_complete_io(struct tern_tls_conn *conn, int fd);

/* --- unbuffered API (rustls' unbuffered module) ------------------------------ */

/**
 * What an unbuffered connection needs next. A connection is driven either
 * through the buffered calls above or through these, never both.
 */
enum tern_tls_unbuffered_state {
	/**
	 * TLS bytes (handshake messages, KeyUpdate, alerts) are ready: call
	 * tern_tls_conn_encode_tls_data() with at least `needed` bytes.
	 */
	TERN_TLS_UB_ENCODE_TLS_DATA = 0,
	/** Send what was encoded, then call tern_tls_conn_transmit_done(). */
	TERN_TLS_UB_TRANSMIT_TLS_DATA,
	/** The handshake needs more TLS bytes from the peer. */
	TERN_TLS_UB_BLOCKED_HANDSHAKE,
	/** One record of application data: `data`, `data_len` (inside the caller's buffer). */
	TERN_TLS_UB_READ_TRAFFIC,
	/**
	 * Server: one record of 0-RTT data the client sent before the
	 * handshake completed (`data`, `data_len`, inside the caller's
	 * buffer); see tern_tls_conn_early_data_read() for what it means.
	 */
	TERN_TLS_UB_READ_EARLY_DATA,
	/**
	 * Connected and nothing more to process in the buffer: encrypt with
	 * tern_tls_conn_encrypt() or read more bytes.
	 */
	TERN_TLS_UB_WRITE_TRAFFIC,
	/** The peer sent close_notify; this side may still write. */
	TERN_TLS_UB_PEER_CLOSED,
	/** close_notify sent and received (or sent, with nothing left to read). */
	TERN_TLS_UB_CLOSED,
};

/** Result of tern_tls_conn_process_tls_records(). */
struct tern_tls_unbuffered_status {
	enum tern_tls_unbuffered_state state;
	/**
	 * Bytes at the front of the caller's buffer that are used up: remove
	 * them before the next call (after consuming `data`, which lies
	 * inside them).
	 */
	size_t discard;
	const uint8_t *data; /**< READ_TRAFFIC: decrypted application data */
	size_t data_len;     /**< READ_TRAFFIC: its length */
	size_t needed;	     /**< ENCODE_TLS_DATA: bytes encode_tls_data will write */
	/**
	 * Client, BLOCKED_HANDSHAKE: 0-RTT bytes that
	 * tern_tls_conn_encrypt_early_data() may still seal (0 when early
	 * data is not possible or over).
	 */
	size_t early_data_room;
};

/**
 * Process the TLS records at the front of a caller buffer, without copying
 * any of them: records are decrypted in place (the buffer is modified) and
 * application data is handed back one record at a time. Stops at the first
 * state the caller must act on.
 *
 * @return 0 with *status filled; after a fatal error the queued alert is
 *   reported as ENCODE_TLS_DATA / TRANSMIT_TLS_DATA first (return 0), then
 *   the sticky error is returned.
 */
int tern_tls_conn_process_tls_records(struct tern_tls_conn *conn, uint8_t *buf, size_t len,
				      struct tern_tls_unbuffered_status *status);

/**
 * ENCODE_TLS_DATA: copy the pending TLS bytes into out.
 *
 * @return bytes written, 0 if none, -TERN_ENOBUFS when cap < status.needed.
 */
ssize_t tern_tls_conn_encode_tls_data(struct tern_tls_conn *conn, uint8_t *out, size_t cap);

/** TRANSMIT_TLS_DATA: the encoded bytes were sent. */
void tern_tls_conn_transmit_done(struct tern_tls_conn *conn);

/**
 * Bytes tern_tls_conn_encrypt() needs for len plaintext bytes; before the
 * handshake completes, while 0-RTT may be written, what
 * tern_tls_conn_encrypt_early_data() needs (0 when there is no key).
 */
size_t tern_tls_conn_encrypted_len(const struct tern_tls_conn *conn, size_t len);

/**
 * WRITE_TRAFFIC: seal application data straight into a caller buffer.
 *
 * @return bytes written; -TERN_ENOBUFS (see tern_tls_conn_encrypted_len());
 *   -TERN_EAGAIN while handshaking; -TERN_EINVAL after close_notify; the
 *   sticky error.
 */
ssize_t tern_tls_conn_encrypt(struct tern_tls_conn *conn, const void *pt, size_t len, uint8_t *out,
			      size_t cap);

/**
 * Client, unbuffered: seal 0-RTT data straight into a caller buffer, after
 * the ClientHello was encoded and transmitted and while
 * status.early_data_room (tern_tls_conn_early_data_room()) is not 0. Send
 * the records before any later ENCODE_TLS_DATA output.
 *
 * @return bytes written; -TERN_EAGAIN while TLS bytes wait to be encoded
 *   or transmitted; -TERN_ENOBUFS (see tern_tls_conn_encrypted_len());
 *   -TERN_ERANGE when len exceeds the room left; -TERN_EINVAL when 0-RTT
 *   is not possible (no early data offered, or it is over); the sticky
 *   error.
 */
ssize_t tern_tls_conn_encrypt_early_data(struct tern_tls_conn *conn, const void *pt, size_t len,
					 uint8_t *out, size_t cap);

/* --- resumption and 0-RTT ------------------------------------------------- */

/**
 * Client: a resumable session arrived (NewSessionTicket, RFC 8446 4.6.1).
 * The bytes (see tern_hs_callbacks.on_session in include/tern/handshake.h)
 * are valid during the call only and contain the resumption PSK: store
 * them out of logs, wipe them when dropped, use each once.
 */
typedef void (*tern_tls_session_cb)(void *user, const uint8_t *session, size_t len);

/**
 * Client: receive the sessions the server issues. Call before the first
 * I/O call.
 *
 * @return 0 or -TERN_EINVAL (server, I/O started).
 */
int tern_tls_conn_set_session_callback(struct tern_tls_conn *conn, tern_tls_session_cb cb,
				       void *user);

/**
 * Client: offer a session saved from the session callback (PSK with
 * (EC)DHE resumption; with tern_tls_config_set_early_data() also 0-RTT when
 * the ticket allows it). Copied; call before the first I/O call. A session
 * that has expired, or is for another server name or suite, is silently
 * not offered (full handshake).
 *
 * @return 0, -TERN_EINVAL (server, I/O started, malformed), -TERN_ENOMEM.
 */
int tern_tls_conn_set_session(struct tern_tls_conn *conn, const uint8_t *session, size_t len);

/** Whether the handshake resumed a session (valid once it completed). */
bool tern_tls_conn_is_resumed(const struct tern_tls_conn *conn);

/** What became of 0-RTT (the values of enum tern_hs_early_data). */
enum tern_tls_early_data {
	TERN_TLS_EARLY_NONE = 0,     /**< not offered (or not received) */
	TERN_TLS_EARLY_OFFERED = 1,  /**< client: offered, no answer yet */
	TERN_TLS_EARLY_ACCEPTED = 2, /**< the server accepted it */
	/**
	 * The server declined it. Client: nothing written as early data
	 * reached the application; send it again as ordinary data. Server:
	 * the client's 0-RTT records were skipped (RFC 8446 4.2.10).
	 */
	TERN_TLS_EARLY_REJECTED = 3,
};

/** The 0-RTT state (above); NONE before the first I/O call. */
enum tern_tls_early_data tern_tls_conn_early_data_state(const struct tern_tls_conn *conn);

/**
 * Whether the server accepted early data (rustls' is_early_data_accepted).
 * Client: final once the handshake completed; false before.
 */
bool tern_tls_conn_is_early_data_accepted(const struct tern_tls_conn *conn);

/**
 * Client: 0-RTT bytes that may still be written (the ticket's
 * max_early_data_size less what was written), rustls' EarlyData::bytes_left.
 * Starts the connection (queues the ClientHello) if it has not started.
 * 0 when no early data was offered, when the server rejected it, or once
 * EndOfEarlyData went out.
 */
size_t tern_tls_conn_early_data_room(struct tern_tls_conn *conn);

/**
 * Client, buffered: write 0-RTT data (rustls' ClientConnection::early_data()
 * writer): sealed at once under client_early_traffic_secret and queued
 * after the ClientHello, so it leaves with the first flight. Early data can
 * be replayed by an attacker (RFC 8446 8, E.5): send only requests that
 * are safe to repeat. Check tern_tls_conn_is_early_data_accepted() once
 * the handshake completed and, if it is false, write the bytes again with
 * tern_tls_conn_writer_write().
 *
 * @return bytes accepted (at most tern_tls_conn_early_data_room(); 0 when
 *   it is 0 but 0-RTT was offered); -TERN_EINVAL (server, no 0-RTT
 *   offered or rejected, after send_close_notify); the sticky error.
 */
ssize_t tern_tls_conn_early_data_write(struct tern_tls_conn *conn, const void *buf, size_t len);

/**
 * Server, buffered: read 0-RTT data (rustls' ServerConnection::early_data()
 * reader). The bytes arrive before the handshake completes: the client is
 * not authenticated yet and the data may be a replay within the limits of
 * the anti-replay register (include/tern/handshake.h). What was accepted
 * as early data never appears in tern_tls_conn_reader_read().
 *
 * @return bytes copied (> 0); -TERN_EAGAIN when none is buffered;
 *   -TERN_EINVAL on a client.
 */
ssize_t tern_tls_conn_early_data_read(struct tern_tls_conn *conn, void *buf, size_t len);

/* --- closing, key update, record sizing ---------------------------------- */

/**
 * Queue a close_notify alert (RFC 8446 6.1); no more data may be written.
 * Unbuffered: it is reported as ENCODE_TLS_DATA by the next
 * process_tls_records.
 */
int tern_tls_conn_send_close_notify(struct tern_tls_conn *conn);

/**
 * Queue a KeyUpdate (RFC 8446 4.6.3) with update_requested and switch the
 * sending key; the peer answers with its own KeyUpdate, which the
 * connection applies when it arrives. A KeyUpdate received with
 * update_requested is answered automatically.
 *
 * @return 0, -TERN_EAGAIN while handshaking, the sticky error.
 */
int tern_tls_conn_request_key_update(struct tern_tls_conn *conn);

/** Number of KeyUpdates (sent, received) so far; either pointer may be NULL. */
void tern_tls_conn_key_updates(const struct tern_tls_conn *conn, uint64_t *sent,
			       uint64_t *received);

/** Record sizing policies (s2n_connection_prefer_low_latency / _throughput). */
enum tern_tls_record_sizing {
	/** Full records (up to the peer's record_size_limit). Default. */
	TERN_TLS_PREFER_THROUGHPUT = 0,
	/** Every application record at most TERN_TLS_CONN_SMALL_RECORD bytes. */
	TERN_TLS_PREFER_LOW_LATENCY,
};

/** Select the record sizing policy (any time; applies to later writes). */
void tern_tls_conn_set_record_sizing(struct tern_tls_conn *conn,
				     enum tern_tls_record_sizing policy);

/**
 * Dynamic record sizing (s2n_connection_set_dynamic_record_threshold): with
 * TERN_TLS_PREFER_THROUGHPUT, the first `threshold` application bytes go out
 * in small records (a slow-starting TCP window delivers each to the reader
 * at once), the rest in full records. 0 (default) turns it off. s2n also
 * returns to small records after an idle second; the connection has no
 * clock, so a caller that wants that calls this again after idling.
 */
void tern_tls_conn_set_dynamic_record_threshold(struct tern_tls_conn *conn, size_t threshold);

/* --- what was negotiated ---------------------------------------------------- */

/** TLS protocol version (0x0304) once the ServerHello was processed, else 0. */
uint16_t tern_tls_conn_protocol_version(const struct tern_tls_conn *conn);

/** Negotiated cipher suite (IANA id, e.g. 0x1301), 0 before ServerHello. */
uint16_t tern_tls_conn_negotiated_cipher_suite(const struct tern_tls_conn *conn);

/** Negotiated key-exchange group (enum tern_tls_group), 0 before ServerHello. */
uint16_t tern_tls_conn_negotiated_group(const struct tern_tls_conn *conn);

/**
 * Negotiated ALPN protocol.
 *
 * @return its length, 0 if none; *proto points into the connection.
 */
size_t tern_tls_conn_alpn_protocol(const struct tern_tls_conn *conn, const uint8_t **proto);

/** Server: the SNI host name the client sent. Client: the name given. NULL if none. */
const char *tern_tls_conn_server_name(const struct tern_tls_conn *conn);

/**
 * The i-th certificate the peer sent (0 = end entity), as DER.
 *
 * @return its length, 0 if there is no such certificate (*der = NULL).
 */
size_t tern_tls_conn_peer_certificate(const struct tern_tls_conn *conn, unsigned i,
				      const uint8_t **der);

/**
 * Keying material exporter (RFC 8446 7.5). An absent context and an empty
 * one give the same output in TLS 1.3.
 *
 * @return 0, -TERN_EAGAIN while handshaking, -TERN_EINVAL, the sticky error.
 */
int tern_tls_conn_export_keying_material(const struct tern_tls_conn *conn, const char *label,
					 const uint8_t *context, size_t context_len, uint8_t *out,
					 size_t out_len);

/* --- secret extraction for offload -------------------------------------- */

/** One direction's record protection state, as handed to another engine. */
struct tern_tls_traffic_secrets {
	uint64_t seq;			   /**< sequence number of the next record */
	uint8_t secret[TERN_HASH_MAX_LEN]; /**< [sender]_application_traffic_secret_N */
	size_t secret_len;		   /**< the suite's hash length */
	uint8_t key[TERN_AEAD_KEY_MAX];	   /**< traffic key derived from secret */
	size_t key_len;			   /**< 16 or 32 */
	uint8_t iv[TERN_AEAD_NONCE_LEN];   /**< traffic IV (RFC 8446 7.3) */
};

/** What tern_tls_conn_dangerous_extract_secrets() returns. */
struct tern_tls_extracted_secrets {
	uint16_t cipher_suite;		    /**< IANA id, e.g. 0x1301 */
	struct tern_tls_traffic_secrets tx; /**< this endpoint's sending direction */
	struct tern_tls_traffic_secrets rx; /**< the peer's sending direction */
};

/**
 * Hand the record protection of an established connection to another
 * engine (a DPDK data plane, kTLS): rustls' dangerous_extract_secrets. Gives
 * the current application traffic secrets, keys, IVs and next sequence
 * numbers of both directions. Afterwards the connection is spent: every
 * call returns -TERN_EINVAL ("traffic secrets were extracted"); only free or
 * wipe remain. A KeyUpdate from then on is the new owner's business
 * (next secret = HKDF-Expand-Label(secret, "traffic upd", "", Hash.length)).
 *
 * Dangerous because the secrets leave tern: wipe *out (OPENSSL_cleanse)
 * once they are installed.
 *
 * @return 0; -TERN_EAGAIN while handshaking or while anything is buffered
 *   (unsent records: call write_tls; unread plaintext or unprocessed
 *   records: drain them), since it would be lost; -TERN_EINVAL (NULL
 *   arguments, already extracted); the sticky error of a failed connection.
 */
int tern_tls_conn_dangerous_extract_secrets(struct tern_tls_conn *conn,
					    struct tern_tls_extracted_secrets *out);

/* --- key log, errors ------------------------------------------------------ */

/**
 * Key log callback: receives one NSS SSLKEYLOGFILE line without its newline
 * (handshake and first application traffic secrets of both directions).
 * Secrets leave the connection only when a callback is set. Call before the
 * first I/O call.
 *
 * @return 0 or -TERN_EINVAL (I/O already started).
 */
int tern_tls_conn_set_keylog(struct tern_tls_conn *conn, void (*cb)(void *user, const char *line),
			     void *user);

/**
 * Key log to an open stdio file (the usual SSLKEYLOGFILE): each line is
 * written and flushed. Same rules as tern_tls_conn_set_keylog().
 */
int tern_tls_conn_set_keylog_file(struct tern_tls_conn *conn, FILE *f);

/**
 * The sticky error.
 *
 * @param sent       if not NULL: the alert this endpoint sent (TERN_TLS_ALERT_NONE if none)
 * @param received   if not NULL: the fatal alert received (TERN_TLS_ALERT_NONE if none)
 * @return 0 or the negative code every call now returns.
 */
int tern_tls_conn_error(const struct tern_tls_conn *conn, enum tern_tls_alert *sent,
			enum tern_tls_alert *received);

/** Why the connection failed, in words ("" if it has not). Never NULL. */
const char *tern_tls_conn_error_string(const struct tern_tls_conn *conn);

#ifdef __cplusplus
}
#endif

#endif /* TERN_TLS_H */
