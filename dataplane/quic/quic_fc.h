/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_DATAPLANE_QUIC_FC_H
#define TERN_DATAPLANE_QUIC_FC_H

/**
 * @file
 * QUIC flow control (RFC 9000 4), one object per direction, used for a stream
 * (MAX_STREAM_DATA / STREAM_DATA_BLOCKED) and for the connection (MAX_DATA /
 * DATA_BLOCKED).
 *
 * Receive side: the peer may send up to `max`; the application has consumed
 * `consumed`. When less than half a window is left, a new limit
 * consumed + window is due. Auto-tuning (as quiche and ngtcp2 do): if the
 * previous update was less than 2 smoothed RTTs ago, the peer is flow-control
 * limited, so the window doubles, up to max_window.
 *
 * Send side: the peer's limit and how much of it this endpoint used; a
 * DATA_BLOCKED / STREAM_DATA_BLOCKED frame is due once per limit value when
 * the sender runs out of credit (RFC 9000 4.1).
 *
 * Times are nanoseconds supplied by the caller. Pure state, no allocation.
 */

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Largest offset / limit QUIC can express (RFC 9000 16: 2^62 - 1). */
#define TERN_QUIC_MAX_VARINT ((UINT64_C(1) << 62) - 1)

/** Receive-side flow control. */
struct tern_quic_fc_rx {
	uint64_t max;	      /**< limit advertised to the peer */
	uint64_t highest;     /**< highest offset received (stream: largest end) */
	uint64_t consumed;    /**< bytes the application consumed */
	uint64_t window;      /**< current window */
	uint64_t max_window;  /**< auto-tuning cap */
	uint64_t last_update; /**< time of the last new limit; 0 = never */
};

/** Send-side flow control. */
struct tern_quic_fc_tx {
	uint64_t max;	     /**< limit the peer advertised */
	uint64_t used;	     /**< credit used (highest offset committed) */
	uint64_t blocked_at; /**< limit a BLOCKED frame was last queued for; UINT64_MAX none */
};

/**
 * Initialise with the initial limit (the transport parameter we sent) and the
 * auto-tuning cap (raised to window if smaller).
 */
void tern_quic_fc_rx_init(struct tern_quic_fc_rx *fc, uint64_t window, uint64_t max_window);

/**
 * The peer sent data up to end (exclusive).
 *
 * @return 0, or -TERN_EPROTO when end exceeds the advertised limit
 *   (FLOW_CONTROL_ERROR). `highest` grows to end.
 */
int tern_quic_fc_rx_on_data(struct tern_quic_fc_rx *fc, uint64_t end);

/** Bytes still allowed before the limit: max - highest. */
static inline uint64_t
tern_quic_fc_rx_avail(const struct tern_quic_fc_rx *fc)
{
	return fc->max - fc->highest;
}

/** The application consumed n more bytes (consumed never passes highest). */
void tern_quic_fc_rx_consume(struct tern_quic_fc_rx *fc, uint64_t n);

/** A new limit should be sent: less than half the window remains unconsumed. */
bool tern_quic_fc_rx_should_update(const struct tern_quic_fc_rx *fc);

/**
 * Take the update: auto-tune the window (double it, up to max_window, when
 * the last update was less than 2 * srtt before now), then set
 * max = consumed + window (never lower than before) and remember now.
 *
 * @return the new limit to advertise.
 */
uint64_t tern_quic_fc_rx_update(struct tern_quic_fc_rx *fc, uint64_t now, uint64_t srtt);

/**
 * The limit tern_quic_fc_rx_update() would set now, without changing
 * anything (to build a frame before knowing it will be sent).
 */
uint64_t tern_quic_fc_rx_next_max(const struct tern_quic_fc_rx *fc, uint64_t now, uint64_t srtt);

/**
 * Commit a limit computed by tern_quic_fc_rx_next_max() (and sent) at now:
 * the window becomes max - consumed (capped), max grows, now is remembered.
 */
void tern_quic_fc_rx_apply(struct tern_quic_fc_rx *fc, uint64_t max, uint64_t now);

/** Set a (larger) window now, e.g. the connection window tracking stream windows. */
void tern_quic_fc_rx_ensure_window(struct tern_quic_fc_rx *fc, uint64_t window);

/** Initialise with the peer's initial limit. */
void tern_quic_fc_tx_init(struct tern_quic_fc_tx *fc, uint64_t max);

/**
 * The peer raised its limit (MAX_DATA / MAX_STREAM_DATA). Smaller values are
 * ignored (RFC 9000 4.1: frames may arrive out of order).
 *
 * @return true if the limit grew.
 */
bool tern_quic_fc_tx_update(struct tern_quic_fc_tx *fc, uint64_t max);

/** Credit left: max - used. */
static inline uint64_t
tern_quic_fc_tx_avail(const struct tern_quic_fc_tx *fc)
{
	return fc->max > fc->used ? fc->max - fc->used : 0;
}

/** Use n bytes of credit (the caller checked avail). */
static inline void
tern_quic_fc_tx_consume(struct tern_quic_fc_tx *fc, uint64_t n)
{
	fc->used += n;
}

/**
 * The sender wanted more than the credit left: returns true (once per limit
 * value) when a BLOCKED frame carrying `max` should be queued.
 */
bool tern_quic_fc_tx_blocked(struct tern_quic_fc_tx *fc);

#ifdef __cplusplus
}
#endif

#endif /* TERN_DATAPLANE_QUIC_FC_H */
