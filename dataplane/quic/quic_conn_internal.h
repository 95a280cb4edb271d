/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_DATAPLANE_QUIC_CONN_INTERNAL_H
#define TERN_DATAPLANE_QUIC_CONN_INTERNAL_H

/*
 * The QUIC connection's state, shared by the quic_conn*.c files only:
 * quic_conn.c (lifecycle, receive path, frames, timers), quic_conn_send.c
 * (packet builder), quic_conn_crypto.c (TLS glue, keys, CRYPTO streams),
 * quic_conn_stream.c (stream API), quic_conn_config.c.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tern/handshake.h>
#include <tern/keyschedule.h>
#include <tern/quic.h>
#include <tern/quic_packet.h>

#include "dataplane/cursor.h"
#include "dataplane/quic/quic_ack.h"
#include "dataplane/quic/quic_cc.h"
#include "dataplane/quic/quic_error.h"
#include "dataplane/quic/quic_fc.h"
#include "dataplane/quic/quic_frame.h"
#include "dataplane/quic/quic_rangeset.h"
#include "dataplane/quic/quic_recovery.h"
#include "dataplane/quic/quic_stream.h"
#include "dataplane/quic/quic_tp.h"

struct tern_quic_config {
	struct tern_tls_config *tls;
	uint32_t version;
	uint64_t max_idle_timeout_ms;
	size_t max_recv_udp_payload;
	size_t max_send_udp_payload;
	uint64_t initial_max_data;
	uint64_t initial_max_stream_data_bidi_local;
	uint64_t initial_max_stream_data_bidi_remote;
	uint64_t initial_max_stream_data_uni;
	uint64_t initial_max_streams_bidi;
	uint64_t initial_max_streams_uni;
	uint64_t ack_delay_exponent;
	uint64_t max_ack_delay_ms;
	uint64_t active_connection_id_limit;
	bool disable_active_migration;
	enum tern_quic_cc_algorithm cc;
	bool pacing;
	uint64_t max_connection_window;
	uint64_t max_stream_window;
	void (*keylog)(void *user, const char *line);
	void *keylog_user;
	bool early_data;
};

/* Packet number spaces (RFC 9000 12.3). */
enum conn_space { SP_INITIAL = 0, SP_HANDSHAKE = 1, SP_APP = 2, SP_COUNT };

/* Most handshake bytes buffered per level and direction (RFC 9000 7.5: at least 4096). */
#define CONN_CRYPTO_MAX (64 * 1024)
/* Most ranges tracked per CRYPTO stream. */
#define CONN_CRYPTO_RANGES 64

/* Outgoing CRYPTO stream of one level: every byte the handshake wrote. */
struct crypto_tx {
	uint8_t *buf;
	size_t len, cap;
	uint64_t sent;			 /* [0, sent) went out at least once */
	struct tern_quic_rangeset lost;	 /* to send again */
	struct tern_quic_rangeset acked; /* acknowledged */
};

/* Incoming CRYPTO stream of one level: a window of CONN_CRYPTO_MAX bytes. */
struct crypto_rx {
	uint8_t *buf;		       /* CONN_CRYPTO_MAX bytes, offset delivered = buf[0] */
	uint64_t delivered;	       /* bytes handed to the handshake */
	struct tern_quic_rangeset got; /* received, not yet delivered */
};

struct conn_space_state {
	struct tern_quic_keys *rd, *wr;
	/* 1-RTT only: the read keys of the next key phase (RFC 9001 6), and of the
	 * previous one for three PTOs after an update (delayed packets, 6.5). */
	struct tern_quic_keys *rd_next, *rd_prev;
	uint64_t prev_until;
	uint64_t next_pn;
	int64_t largest_rx; /* largest pn processed, -1 if none */
	bool discarded;
	bool probe;	 /* PTO: send an ack-eliciting packet */
	uint32_t probes; /* probe packets still to send */
	struct crypto_tx ctx;
	struct crypto_rx crx;
	struct tern_quic_ack_tracker ack;
};

/* Connection IDs the peer issued with NEW_CONNECTION_ID (RFC 9000 5.1). */
#define PEER_CIDS_MAX 8
#define RETIRE_Q_MAX  16

struct peer_cid {
	uint64_t seq;
	uint8_t len;
	bool used;
	uint8_t id[TERN_QUIC_CONN_ID_MAX];
	uint8_t token[16];
};

/* What a sent packet carried that must be sent again if it is lost. */
enum frame_rec_kind {
	FR_CRYPTO = 1, /* off, len */
	FR_STREAM,     /* id, off, len, fin */
	FR_CTRL,       /* a stream/flow-control frame: ctrl */
	FR_HANDSHAKE_DONE,
	FR_RETIRE_CID, /* off = sequence number */
};

/* FR_CTRL: id = ctrl.id, off = ctrl.value, len = ctrl.final_size, ctrl_type = ctrl.type. */
struct frame_rec {
	uint8_t kind;
	uint8_t ctrl_type;
	bool fin;
	uint64_t id;
	uint64_t off;
	uint64_t len;
};

#define PKT_REC_FRAMES 12

/* Frame records of one sent packet; indexed by the sent packet's meta. */
struct pkt_rec {
	uint8_t n;
	uint8_t space;
	bool zrtt; /* a 0-RTT packet: its data goes again in 1-RTT if 0-RTT is rejected */
	bool in_use;
	uint32_t next_free;
	struct frame_rec fr[PKT_REC_FRAMES];
};

enum conn_state {
	CS_HANDSHAKE = 0,
	CS_ESTABLISHED,
	CS_CLOSING,  /* we sent CONNECTION_CLOSE (RFC 9000 10.2.1) */
	CS_DRAINING, /* the peer did (10.2.2) */
	CS_CLOSED,
};

struct conn_err {
	bool set;
	bool is_app;
	uint64_t code;
	uint64_t frame_type;
	uint8_t reason[128];
	size_t reason_len;
};

struct tern_quic_conn {
	/* A copy taken at creation: transport parameters, limits and the stream map
	 * always agree, whatever happens to the application's configuration later. */
	struct tern_quic_config cfg_copy;
	const struct tern_quic_config *cfg;
	bool server;
	uint32_t version;
	struct tern_crypto_ctx *cctx;
	bool own_cctx;
	char *server_name;
	char trace_id[2 * TERN_QUIC_CONN_ID_MAX + 1];

	/* addresses of the (only) path */
	struct sockaddr_storage local, peer;
	socklen_t local_len, peer_len;

	/* connection IDs */
	uint8_t scid[TERN_QUIC_CONN_ID_MAX], dcid[TERN_QUIC_CONN_ID_MAX];
	uint8_t odcid[TERN_QUIC_CONN_ID_MAX];	  /* client's first DCID */
	uint8_t rscid[TERN_QUIC_CONN_ID_MAX];	  /* Retry SCID (server: its own Initial DCID) */
	uint8_t peer_scid[TERN_QUIC_CONN_ID_MAX]; /* SCID of the peer's first Initial */
	size_t scid_len, dcid_len, odcid_len, rscid_len, peer_scid_len;
	bool have_peer_scid;
	uint8_t reset_token[TERN_QUIC_SRT_LEN]; /* server: sent in its transport parameters */
	bool did_retry;
	uint8_t *token; /* client: the Retry token, sent in every Initial */
	size_t token_len;

	/* the peer's connection IDs beyond the handshake one (RFC 9000 5.1.1, 5.1.2) */
	struct peer_cid pcids[PEER_CIDS_MAX];
	uint64_t dcid_seq;		 /* sequence number of dcid */
	uint64_t retire_prior_to;	 /* largest Retire Prior To received */
	uint64_t retire_q[RETIRE_Q_MAX]; /* RETIRE_CONNECTION_ID frames to send */
	unsigned retire_n;

	/* handshake */
	const struct tern_hs_ops *hs_ops;
	struct tern_hs *hs;
	const struct tern_tls13_suite *suite;
	bool hs_complete; /* TLS says both Finished are done */
	bool confirmed;	  /* RFC 9001 4.1.2 */
	bool established; /* the handshake completed while the connection was sound */
	bool handshake_done_pending;
	bool peer_tp_done;
	bool confirm_pending; /* client: a 1-RTT packet was acknowledged */
	bool hs_keys_told;    /* recovery knows about Handshake keys */
	bool amp_limited;
	struct tern_quic_tp peer_tp;
	int hs_error;	  /* a callback failure to report */
	bool hs_started;  /* client: ClientHello built (deferred to the first send) */
	uint8_t *session; /* client: the latest resumable session (contains a PSK) */
	size_t session_len;
	/* 0-RTT (RFC 9001 4.6): client write / server read keys of the EARLY level */
	struct tern_quic_keys *early_wr, *early_rd;
	bool zrtt_ok;	      /* client: remembered parameters allow 0-RTT stream data */
	bool zrtt_decided;    /* client: the server's answer to 0-RTT was handled */
	uint8_t *peer_tp_raw; /* client: the server's parameters, saved with the session */
	size_t peer_tp_raw_len;

	struct conn_space_state sp[SP_COUNT];
	/* key phase currently used to send 1-RTT */
	struct pkt_rec *recs;
	uint32_t recs_cap, recs_free;

	/* loss recovery and congestion control */
	struct tern_quic_recovery *rec;
	struct tern_quic_cc cc;
	struct tern_quic_pacer pacer;
	uint64_t next_send_time; /* pacing: earliest time of the next packet */

	/* flow control and streams */
	struct tern_quic_streams *streams;

	/* address validation (RFC 9000 8.1) */
	bool validated;
	uint64_t rx_bytes, tx_bytes; /* before validation */

	/* state and errors */
	enum conn_state state;
	bool timed_out;
	bool stateless_reset; /* the peer reset the connection (RFC 9000 10.3) */
	bool close_pending;   /* a CONNECTION_CLOSE to send */
	uint64_t close_deadline;
	struct conn_err local_err, peer_err;
	bool ack_eliciting_pending; /* send_ack_eliciting() */
	uint32_t closing_rx;	    /* packets received while closing */
	uint8_t path_response[8];
	bool path_response_pending;
	/* server: the DCID of the client's first Initial (also accepted) */
	uint8_t initial_dcid[TERN_QUIC_CONN_ID_MAX];
	size_t initial_dcid_len;

	/* timers (ns) */
	uint64_t now; /* latest time the caller passed in */
	uint64_t idle_timeout_ns;
	uint64_t local_idle_ms; /* our max_idle_timeout transport parameter */
	uint64_t last_activity;
	bool ack_eliciting_since_rx;

	struct tern_quic_stats stats;
	uint64_t prev_key_pkts; /* packets read with the previous key phase's keys */
	size_t max_send_udp;
};

/* quic_conn_crypto.c */
int conn_hs_init(struct tern_quic_conn *c);
int conn_install_initial_keys(struct tern_quic_conn *c, const uint8_t *dcid, size_t dcid_len);
int conn_crypto_recv(struct tern_quic_conn *c, enum conn_space sp, uint64_t off,
		     const uint8_t *data, size_t len);
void conn_discard_space(struct tern_quic_conn *c, enum conn_space sp, uint64_t now);
void conn_crypto_free(struct tern_quic_conn *c);
int conn_keys_update_rx(struct tern_quic_conn *c, uint64_t now);
int conn_hs_start(struct tern_quic_conn *c);
void conn_zrtt_check(struct tern_quic_conn *c);

/* quic_conn_loss.c: recovery and congestion control glue */
int conn_recovery_init(struct tern_quic_conn *c, uint64_t now);
void conn_recovery_free(struct tern_quic_conn *c);
int conn_on_ack(struct tern_quic_conn *c, enum conn_space sp, const struct tern_quic_frame_ack *ack,
		uint64_t now);
void conn_recovery_on_timeout(struct tern_quic_conn *c, uint64_t now);
uint32_t conn_rec_alloc(struct tern_quic_conn *c);
void conn_rec_release(struct tern_quic_conn *c, uint32_t meta);
void conn_zrtt_requeue(struct tern_quic_conn *c);

/* quic_conn_stream.c */
int conn_streams_init(struct tern_quic_conn *c);
void conn_streams_free(struct tern_quic_conn *c);
void conn_streams_apply_peer_tp(struct tern_quic_conn *c);
int conn_stream_frame(struct tern_quic_conn *c, const struct tern_quic_frame *f, uint64_t now);

/* quic_conn_cid.c */
int conn_on_new_cid(struct tern_quic_conn *c, const struct tern_quic_frame *f);
void conn_retire_queue(struct tern_quic_conn *c, uint64_t seq);

/* quic_conn.c */
uint64_t conn_idle_timeout(const struct tern_quic_conn *c);
int conn_close_local(struct tern_quic_conn *c, bool app, uint64_t code, uint64_t frame_type,
		     const char *reason);
uint64_t conn_pto_ns(const struct tern_quic_conn *c);
void conn_apply_peer_tp(struct tern_quic_conn *c);
struct pkt_rec *conn_rec_get(struct tern_quic_conn *c, uint32_t meta);

/* quic_conn_send.c */
int conn_send_datagram(struct tern_quic_conn *c, uint8_t *out, size_t cap, uint64_t now);

#endif /* TERN_DATAPLANE_QUIC_CONN_INTERNAL_H */
