/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_DATAPLANE_QUIC_STREAM_H
#define TERN_DATAPLANE_QUIC_STREAM_H

/**
 * @file
 * QUIC streams (RFC 9000 2-4): the stream map of one connection, each
 * stream's send and receive side, stream and connection flow control, stream
 * limits and send scheduling by priority.
 *
 * The connection (quic_conn*.c) drives it from three directions:
 * - frames in: tern_quic_streams_on_*() for STREAM, RESET_STREAM,
 *   STOP_SENDING, MAX_DATA, MAX_STREAM_DATA, MAX_STREAMS, *_BLOCKED. A
 *   protocol violation returns -TERN_EPROTO and the transport error code
 *   (quic_error.h) in *err: close the connection with it.
 * - packets out: control frames first (tern_quic_streams_ctrl_next() /
 *   _ctrl_sent()), then stream data (tern_quic_streams_next_sendable(),
 *   tern_quic_stream_send_peek(), tern_quic_streams_send_emit()); when the
 *   packet is acknowledged or declared lost, tern_quic_streams_on_data_acked()
 *   / _on_data_lost() and tern_quic_streams_ctrl_acked() / _ctrl_lost() with
 *   what the connection recorded for that packet.
 * - the application: tern_quic_streams_app_send() / _app_recv() /
 *   _app_shutdown() / _set_priority() / _capacity() / _readable() /
 *   _writable() / _finished() / _readable_ids() / _writable_ids().
 *
 * Memory: a stream costs a few hundred bytes until data flows. Received data
 * is buffered in a ring no larger than the flow-control window advertised for
 * that stream (out-of-order data included); sent data stays buffered until
 * acknowledged, bounded by the per-stream send capacity the connection sets
 * plus the peer's flow-control limit. Buffers are allocated on first use and
 * freed when a side finishes. The id -> stream map is an open-addressing hash
 * table; scheduling is a binary heap; readable / writable / control lists
 * are intrusive: no per-packet work grows with the number of streams.
 *
 * Pointers to a stream (struct tern_quic_stream) stay valid only until the
 * next call that may free streams (any on_*, app_*, ctrl_acked); the send
 * path (next_sendable / send_peek / send_emit) never frees one.
 *
 * Not thread-safe: the connection's core owns the map.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** One stream. Opaque. */
struct tern_quic_stream;
/** All streams of a connection. Opaque. */
struct tern_quic_streams;

/** Stream id bits (RFC 9000 2.1). */
#define TERN_QUIC_STREAM_SERVER_INITIATED 0x1
#define TERN_QUIC_STREAM_UNI		  0x2

/** Highest stream count MAX_STREAMS / transport parameters may carry (RFC 9000 4.6). */
#define TERN_QUIC_MAX_STREAMS_LIMIT (UINT64_C(1) << 60)

/** Default urgency (RFC 9218: 3) and most urgent / least urgent. */
#define TERN_QUIC_URGENCY_DEFAULT 3
#define TERN_QUIC_URGENCY_MAX	  7

/** Default cap on disjoint received ranges per stream (reassembly holes). */
#define TERN_QUIC_STREAM_MAX_RECV_RANGES 1024

/** What this endpoint offers; mostly its own transport parameters (RFC 9000 18.2). */
struct tern_quic_streams_config {
	bool is_server;
	uint64_t initial_max_data;		      /**< connection receive window */
	uint64_t initial_max_stream_data_bidi_local;  /**< our bidi streams, receive window */
	uint64_t initial_max_stream_data_bidi_remote; /**< peer's bidi streams, receive window */
	uint64_t initial_max_stream_data_uni;	      /**< peer's uni streams, receive window */
	uint64_t initial_max_streams_bidi;	      /**< peer may open this many bidi */
	uint64_t initial_max_streams_uni;	      /**< peer may open this many uni */
	uint64_t max_stream_window;	/**< auto-tuning cap per stream (0: no growth) */
	uint64_t max_connection_window; /**< auto-tuning cap, connection (0: no growth) */
	size_t send_capacity;		/**< per-stream send buffer bound (0: 1 MB) */
	uint32_t max_recv_ranges;	/**< 0: TERN_QUIC_STREAM_MAX_RECV_RANGES */
};

/** The peer's stream-related transport parameters (RFC 9000 18.2). */
struct tern_quic_streams_peer_params {
	uint64_t initial_max_data;
	uint64_t initial_max_stream_data_bidi_local;  /**< limits our sending on ITS bidi streams */
	uint64_t initial_max_stream_data_bidi_remote; /**< limits our sending on OUR bidi streams */
	uint64_t initial_max_stream_data_uni;	      /**< limits our sending on our uni streams */
	uint64_t initial_max_streams_bidi;
	uint64_t initial_max_streams_uni;
};

/**
 * Create an empty stream map. Until tern_quic_streams_set_peer_params() this
 * endpoint may open no stream and send nothing (all peer limits are 0).
 *
 * @return 0, -TERN_EINVAL (a limit above RFC bounds), -TERN_ENOMEM.
 */
int tern_quic_streams_new(const struct tern_quic_streams_config *cfg,
			  struct tern_quic_streams **mapp);

/** Free the map, every stream and buffer (NULL is a no-op). */
void tern_quic_streams_free(struct tern_quic_streams *map);

/**
 * Apply the peer's transport parameters (after the handshake, or remembered
 * ones for 0-RTT and then the real ones: limits only ever grow, RFC 9000
 * 7.4.1). Existing streams get the new send limits (one pass over them).
 *
 * @return 0 or -TERN_EPROTO with *err = TRANSPORT_PARAMETER_ERROR
 *   (max_streams above 2^60).
 */
int tern_quic_streams_set_peer_params(struct tern_quic_streams *map,
				      const struct tern_quic_streams_peer_params *p, uint64_t *err);

/**
 * Per-stream send buffer bound (bytes written by the application and not
 * yet acknowledged). Applies to later writes; 0 means 1 MB. One pass over
 * the streams (writable set): a configuration call, not a per-packet one.
 */
void tern_quic_streams_set_send_capacity(struct tern_quic_streams *map, size_t cap);

/* --- frames received ------------------------------------------------------------ */

/**
 * A STREAM frame (RFC 9000 19.8). Opens peer streams up to id (3.2, 4.6),
 * checks final size (4.5) and flow control (4.1) at stream and connection
 * level, and buffers the data (copied; the packet may be reused at once).
 * Frames for streams already closed and freed are ignored.
 *
 * @return 0, or -TERN_EPROTO with *err: STREAM_STATE_ERROR (send-only stream,
 *   or a local stream not yet opened), STREAM_LIMIT_ERROR, FINAL_SIZE_ERROR,
 *   FLOW_CONTROL_ERROR; INTERNAL_ERROR when allocation fails or the stream
 *   has more than max_recv_ranges holes (RFC 9000 21.8 mitigation).
 */
int tern_quic_streams_on_stream(struct tern_quic_streams *map, uint64_t id, uint64_t off,
				const uint8_t *data, size_t len, bool fin, uint64_t *err);

/**
 * A RESET_STREAM frame (19.4): the receive side ends with final_size; buffered
 * data is dropped, the application sees the reset on its next read.
 *
 * @return 0 or -TERN_EPROTO with *err (STREAM_STATE_ERROR, STREAM_LIMIT_ERROR,
 *   FINAL_SIZE_ERROR, FLOW_CONTROL_ERROR).
 */
int tern_quic_streams_on_reset_stream(struct tern_quic_streams *map, uint64_t id, uint64_t app_err,
				      uint64_t final_size, uint64_t *err);

/**
 * A STOP_SENDING frame (19.5): the send side is reset with app_err (RFC 9000
 * 3.5) unless all its data was already acknowledged; later app_send calls
 * return -TERN_EPROTO with app_err.
 *
 * @return 0 or -TERN_EPROTO with *err (STREAM_STATE_ERROR, STREAM_LIMIT_ERROR).
 */
int tern_quic_streams_on_stop_sending(struct tern_quic_streams *map, uint64_t id, uint64_t app_err,
				      uint64_t *err);

/**
 * A MAX_STREAM_DATA frame (19.10); a smaller limit than known is ignored.
 *
 * @return 0 or -TERN_EPROTO with *err (STREAM_STATE_ERROR, STREAM_LIMIT_ERROR).
 */
int tern_quic_streams_on_max_stream_data(struct tern_quic_streams *map, uint64_t id, uint64_t max,
					 uint64_t *err);

/**
 * A STREAM_DATA_BLOCKED frame (19.13). Only validated (and opens the stream).
 *
 * @return 0 or -TERN_EPROTO with *err (STREAM_STATE_ERROR, STREAM_LIMIT_ERROR).
 */
int tern_quic_streams_on_stream_data_blocked(struct tern_quic_streams *map, uint64_t id,
					     uint64_t limit, uint64_t *err);

/** A MAX_DATA frame (19.9); a smaller limit than known is ignored. */
void tern_quic_streams_on_max_data(struct tern_quic_streams *map, uint64_t max);

/**
 * A MAX_STREAMS frame (19.11); a smaller limit than known is ignored.
 *
 * @return 0 or -TERN_EPROTO with *err = FRAME_ENCODING_ERROR (max > 2^60).
 */
int tern_quic_streams_on_max_streams(struct tern_quic_streams *map, bool bidi, uint64_t max,
				     uint64_t *err);

/**
 * A STREAMS_BLOCKED frame (19.14): nothing to do beyond the limit check.
 *
 * @return 0 or -TERN_EPROTO with *err = FRAME_ENCODING_ERROR (limit > 2^60).
 */
int tern_quic_streams_on_streams_blocked(struct tern_quic_streams *map, bool bidi, uint64_t limit,
					 uint64_t *err);

/* --- sending: control frames ------------------------------------------------------- */

/**
 * A stream or flow-control frame to send. `type` is the RFC 9000 frame type:
 * 0x04 RESET_STREAM (id, value = application error, final_size),
 * 0x05 STOP_SENDING (id, value = application error),
 * 0x10 MAX_DATA (value), 0x11 MAX_STREAM_DATA (id, value),
 * 0x12 / 0x13 MAX_STREAMS bidi / uni (value),
 * 0x14 DATA_BLOCKED (value), 0x15 STREAM_DATA_BLOCKED (id, value),
 * 0x16 / 0x17 STREAMS_BLOCKED bidi / uni (value).
 * The connection keeps a copy per packet to report ack or loss.
 */
struct tern_quic_stream_ctrl {
	uint64_t id;
	uint64_t value;
	uint64_t final_size;
	uint8_t type;
};

/**
 * The next control frame due (connection-level ones first, then streams in
 * the order they became due). Does not change state: call
 * tern_quic_streams_ctrl_sent() once the frame is in a packet, or leave it
 * pending. MAX_DATA / MAX_STREAM_DATA values include window auto-tuning,
 * for which now and the smoothed RTT (ns) are needed.
 *
 * @return true and *f, or false (*f untouched) when nothing is due.
 */
bool tern_quic_streams_ctrl_next(const struct tern_quic_streams *map, uint64_t now, uint64_t srtt,
				 struct tern_quic_stream_ctrl *f);

/** The frame from ctrl_next() went into a packet at time now: no longer due. */
void tern_quic_streams_ctrl_sent(struct tern_quic_streams *map,
				 const struct tern_quic_stream_ctrl *f, uint64_t now);

/** A packet carrying f was acknowledged (RESET_STREAM acked ends the send side). */
void tern_quic_streams_ctrl_acked(struct tern_quic_streams *map,
				  const struct tern_quic_stream_ctrl *f);

/** A packet carrying f was lost: it is due again if still current. */
void tern_quic_streams_ctrl_lost(struct tern_quic_streams *map,
				 const struct tern_quic_stream_ctrl *f);

/* --- sending: stream data ------------------------------------------------------- */

/**
 * The most urgent stream with data (or a fin) to send: lowest urgency value
 * first; at equal urgency non-incremental streams in stream-id order (each
 * sent to completion), then incremental streams round-robin, one frame each
 * (quiche's order). Lost data is sent again before new data of the stream.
 * Everything buffered is within flow control (the application's writes were
 * capped by it), so a listed stream can always send.
 *
 * @return the stream, or NULL when no stream has anything to send.
 */
struct tern_quic_stream *tern_quic_streams_next_sendable(const struct tern_quic_streams *map);

/** True if some stream has data to send or a control frame is due. */
bool tern_quic_streams_has_pending(const struct tern_quic_streams *map);

/** The next range a stream would send. */
struct tern_quic_stream_chunk {
	uint64_t id;
	uint64_t off;	 /**< stream offset */
	uint64_t len;	 /**< bytes available from off (may be 0 for a bare fin) */
	bool fin;	 /**< a fin goes with it, if all len bytes are sent */
	bool retransmit; /**< the bytes were sent before and declared lost */
};

/**
 * Describe what s would send next (lost ranges first, then new data, then a
 * bare fin). The caller picks how many bytes fit (see the frame encoder's
 * STREAM size helpers), trims c->len, clears c->fin if it trimmed, and calls
 * tern_quic_streams_send_emit().
 *
 * @return true and *c, or false when s has nothing to send.
 */
bool tern_quic_stream_send_peek(const struct tern_quic_stream *s, struct tern_quic_stream_chunk *c);

/**
 * Copy the c->len bytes at c->off into dst (the STREAM frame's data field)
 * and mark them sent, with the fin if c->fin. c must come from send_peek on
 * the same stream with len trimmed (not grown) and nothing else in between.
 * Moves s in the send order (incremental streams go to the back of their
 * urgency). Record (id, off, len, fin) with the packet for on_data_acked /
 * on_data_lost.
 *
 * @return 0, -TERN_EINVAL if c does not match what the stream can send.
 */
int tern_quic_streams_send_emit(struct tern_quic_streams *map, struct tern_quic_stream *s,
				const struct tern_quic_stream_chunk *c, uint8_t *dst);

/** Stream id of s. */
uint64_t tern_quic_stream_id(const struct tern_quic_stream *s);

/**
 * Stream data sent in [off, off + len) (and fin) was acknowledged: frees the
 * acknowledged prefix of the send buffer; all data and fin acknowledged ends
 * the send side (RFC 9000 3.1 Data Recvd). Unknown / freed streams ignored.
 */
void tern_quic_streams_on_data_acked(struct tern_quic_streams *map, uint64_t id, uint64_t off,
				     uint64_t len, bool fin);

/**
 * Stream data sent in [off, off + len) (and fin) was declared lost: the parts
 * not acknowledged since are queued to be sent again (ignored after a reset).
 */
void tern_quic_streams_on_data_lost(struct tern_quic_streams *map, uint64_t id, uint64_t off,
				    uint64_t len, bool fin);

/* --- the application ------------------------------------------------------------ */

/**
 * Queue data (copied) on a stream; opens a local stream (ids of one type in
 * increasing order: a local id below the highest opened that is not open
 * any more is refused) or writes on an open peer bidirectional stream.
 * Accepts at most the capacity (send buffer, stream and connection flow
 * control); a write cut short by flow control queues a (STREAM_)DATA_BLOCKED.
 *
 * @param fin The data ends the stream; honoured only if all len bytes fit.
 * @param app_err Set to the peer's error code when -TERN_EPROTO is returned.
 * @return
 *   Bytes accepted (>= 0; 0 only for a bare fin, or len 0),
 *   -TERN_EAGAIN (no room now),
 *   -TERN_EINVAL (receive-only or closed stream, fin already queued, reset),
 *   -TERN_ELIMIT (the peer's stream limit does not allow opening it; a
 *   STREAMS_BLOCKED is queued),
 *   -TERN_EPROTO (the peer sent STOP_SENDING: *app_err),
 *   -TERN_ENOMEM.
 */
long tern_quic_streams_app_send(struct tern_quic_streams *map, uint64_t id, const uint8_t *buf,
				size_t len, bool fin, uint64_t *app_err);

/**
 * Read in-order data of a stream. Frees flow-control credit (MAX_STREAM_DATA
 * / MAX_DATA become due when half a window was consumed).
 *
 * @param fin Set when the bytes read reach the end of the stream.
 * @param app_err Set to the peer's error code when -TERN_EPROTO is returned.
 * @return
 *   Bytes read (> 0, or 0 with *fin for a bare fin), -TERN_EAGAIN (nothing
 *   to read now), -TERN_EINVAL (no such open stream, send-only, read side shut
 *   down), -TERN_EPROTO (the peer reset the stream: *app_err; reported once).
 */
long tern_quic_streams_app_recv(struct tern_quic_streams *map, uint64_t id, uint8_t *buf,
				size_t cap, bool *fin, uint64_t *app_err);

/**
 * Shut down a side: read (STOP_SENDING with app_err; buffered and future data
 * is dropped but counted for flow control) or write (RESET_STREAM with
 * app_err and final size = bytes sent so far; unsent data dropped).
 *
 * @return 0, -TERN_EAGAIN (that side already finished / shut down),
 *   -TERN_EINVAL (no such stream, or the stream has no such side).
 */
int tern_quic_streams_app_shutdown(struct tern_quic_streams *map, uint64_t id, bool write,
				   uint64_t app_err);

/**
 * Set a stream's priority (RFC 9218 semantics, like quiche): urgency 0..7,
 * lower sent first; incremental streams at the same urgency share bandwidth
 * round-robin. Opens a local stream if needed, like app_send.
 *
 * @return 0, -TERN_EINVAL (urgency > 7, closed stream), -TERN_ELIMIT.
 */
int tern_quic_streams_set_priority(struct tern_quic_streams *map, uint64_t id, uint8_t urgency,
				   bool incremental);

/**
 * Bytes app_send would accept now on this stream (an unopened local stream
 * within the peer's limit counts as open).
 *
 * @return >= 0, -TERN_EINVAL (no writable side), -TERN_EPROTO (stopped: *app_err).
 */
long tern_quic_streams_capacity(const struct tern_quic_streams *map, uint64_t id,
				uint64_t *app_err);

/** The stream has data, a fin or a reset to read. */
bool tern_quic_streams_readable(const struct tern_quic_streams *map, uint64_t id);

/** app_send would accept at least len bytes now (len 0: any). */
bool tern_quic_streams_writable(const struct tern_quic_streams *map, uint64_t id, size_t len);

/**
 * The receive side is over: all data and the fin were read, or the reset was
 * reported, or the stream was closed and freed (true for a freed stream).
 */
bool tern_quic_streams_finished(const struct tern_quic_streams *map, uint64_t id);

/**
 * Error code of a RESET_STREAM received on the stream, else of a STOP_SENDING
 * received. @return 0 and *err, or -TERN_EAGAIN when there is none.
 */
int tern_quic_streams_stream_error(const struct tern_quic_streams *map, uint64_t id, uint64_t *err);

/**
 * Snapshot of readable streams (data, fin or reset to read), at most max ids
 * into ids, in the order they became readable. Reading a stream dry removes
 * it; call again for more. @return the count written.
 */
size_t tern_quic_streams_readable_ids(const struct tern_quic_streams *map, uint64_t *ids,
				      size_t max);

/**
 * Snapshot of writable streams (open send side with capacity > 0; none when
 * connection-level credit is 0). @return the count written.
 */
size_t tern_quic_streams_writable_ids(const struct tern_quic_streams *map, uint64_t *ids,
				      size_t max);

/** Number of readable / writable streams (what a snapshot of any size would hold). */
size_t tern_quic_streams_readable_count(const struct tern_quic_streams *map);
size_t tern_quic_streams_writable_count(const struct tern_quic_streams *map);

/** How many more streams of a direction this endpoint may open now (peer's MAX_STREAMS). */
uint64_t tern_quic_streams_peer_streams_left(const struct tern_quic_streams *map, bool bidi);

/** Streams currently in the map (open, not yet freed). */
size_t tern_quic_streams_count(const struct tern_quic_streams *map);

/** Connection-level send credit left (peer's MAX_DATA minus bytes queued). */
uint64_t tern_quic_streams_conn_send_credit(const struct tern_quic_streams *map);

/** Bytes of stream data retransmitted so far (for stats). */
uint64_t tern_quic_streams_retransmitted_bytes(const struct tern_quic_streams *map);

#ifdef __cplusplus
}
#endif

#endif /* TERN_DATAPLANE_QUIC_STREAM_H */
