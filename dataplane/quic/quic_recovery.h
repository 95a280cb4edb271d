/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_DATAPLANE_QUIC_RECOVERY_H
#define TERN_DATAPLANE_QUIC_RECOVERY_H

/**
 * @file
 * QUIC loss detection (RFC 9002 5, 6 and Appendix A) for the three packet
 * number spaces of one connection: sent-packet tracking, RTT estimation,
 * packet- and time-threshold loss detection, the probe timeout with backoff
 * (including the client's anti-deadlock PTO), persistent congestion (7.6)
 * and the single loss-detection timer. It drives a congestion controller
 * (quic_cc.h) that the caller owns.
 *
 * Sent packets live in one ring per space, indexed by packet number (packet
 * numbers only grow; gaps are allowed). Capacity is fixed at
 * tern_quic_recovery_new(): that is the only allocation. Every per-packet
 * call is amortised O(1); an ACK costs O(ranges + packets it acknowledges
 * or declares lost). When the ring is full the oldest packets that are not
 * ack-eliciting are forgotten; if the oldest is ack-eliciting,
 * tern_quic_recovery_on_packet_sent() fails and the caller must wait (see
 * tern_quic_recovery_room()).
 *
 * The connection learns about acknowledgements and losses through
 * callbacks (with the packet's opaque meta value, to find what it carried)
 * and reads the timer with tern_quic_recovery_timeout(). Times are
 * nanoseconds on the caller's clock (UINT64_MAX = never). One thread.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/quic/quic_ack.h"
#include "dataplane/quic/quic_cc.h"
#include "dataplane/quic/quic_frame.h"

#ifdef __cplusplus
extern "C" {
#endif

/** kPacketThreshold (RFC 9002 6.1.1). */
#define TERN_QUIC_PACKET_THRESHOLD 3
/** kGranularity, ns (RFC 9002 6.1.2). */
#define TERN_QUIC_GRANULARITY 1000000ULL
/** kInitialRtt, ns (RFC 9002 6.2.2). */
#define TERN_QUIC_INITIAL_RTT 333000000ULL
/** kPersistentCongestionThreshold (RFC 9002 7.6.1). */
#define TERN_QUIC_PERSISTENT_CONGESTION_THRESHOLD 3
/** Default peer max_ack_delay, ns (RFC 9000 18.2). */
#define TERN_QUIC_DEFAULT_MAX_ACK_DELAY 25000000ULL

/** One sent packet (RFC 9002 A.1.1). */
struct tern_quic_sent_pkt {
	uint64_t pn;
	uint64_t time_sent; /**< ns */
	/** 1 + largest pn acknowledged by an ACK frame this packet carried, 0 if
	 *  none; on acknowledgement pass largest to tern_quic_ack_on_ack_acked(). */
	uint64_t ack_largest_plus1;
	uint32_t size;	    /**< sent_bytes: QUIC packet incl. header and AEAD tag */
	uint32_t meta;	    /**< the caller's, untouched */
	bool ack_eliciting; /**< carries a frame other than ACK/PADDING/CONNECTION_CLOSE */
	bool in_flight;	    /**< counts toward bytes_in_flight (ack-eliciting or PADDING) */
	uint8_t state;	    /**< private */
};

/** How the connection hears about its packets. Callbacks may not call back into recovery. */
struct tern_quic_recovery_cb {
	void *user;
	/** pkt was acknowledged (each packet at most once). */
	void (*on_acked)(void *user, enum tern_quic_pn_space space,
			 const struct tern_quic_sent_pkt *pkt);
	/** pkt was declared lost: retransmit what it carried (RFC 9000 13.3). */
	void (*on_lost)(void *user, enum tern_quic_pn_space space,
			const struct tern_quic_sent_pkt *pkt);
	/** Optional: pkt was dropped with its space's keys (neither acked nor lost). */
	void (*on_discarded)(void *user, enum tern_quic_pn_space space,
			     const struct tern_quic_sent_pkt *pkt);
};

/** Settings; zero fields take the defaults given. */
struct tern_quic_recovery_config {
	bool is_server;
	/** kInitialRtt, ns (default TERN_QUIC_INITIAL_RTT; RFC 9002 6.2.2). */
	uint64_t initial_rtt;
	/** Sent packets tracked per space, rounded up to a power of two
	 *  (defaults 64 Initial, 64 Handshake, 4096 AppData). */
	uint32_t capacity[TERN_QUIC_PN_SPACE_COUNT];
	/** PTO probes per PTO expiry, 1 or 2 (default 2; RFC 9002 6.2.4). */
	unsigned pto_probes;
};

/** RTT estimate (RFC 9002 5), ns. */
struct tern_quic_rtt {
	uint64_t latest;
	uint64_t smoothed;
	uint64_t var;
	uint64_t min; /**< 0 until the first sample */
	uint64_t first_sample_time;
	bool has_sample;
};

/** Counters. */
struct tern_quic_recovery_stats {
	uint64_t sent_pkts;
	uint64_t sent_bytes;
	uint64_t acked_pkts;
	uint64_t lost_pkts;
	uint64_t lost_bytes;
	uint64_t pto_fired;	   /**< PTO expiries (probes requested) */
	uint64_t loss_timer_fired; /**< time-threshold loss timer expiries */
	uint64_t persistent_congestions;
	uint64_t spurious_acks; /**< acks for pns already declared lost and still remembered */
};

/** Loss-detection state of one connection. Opaque. */
struct tern_quic_recovery;

/** What tern_quic_recovery_on_timeout() did. */
enum tern_quic_timeout_kind {
	TERN_QUIC_TIMEOUT_NONE = 0, /**< timer not yet expired (or not set) */
	TERN_QUIC_TIMEOUT_LOSS = 1, /**< packets declared lost by time threshold */
	TERN_QUIC_TIMEOUT_PTO = 2,  /**< probes requested: see tern_quic_recovery_probes() */
};

/**
 * Create loss-detection state.
 *
 * @param cfg
 *   Settings, NULL for defaults (client).
 * @param cc
 *   Congestion controller, owned by the caller; must outlive the result.
 * @param cb
 *   Callbacks (copied); on_acked and on_lost are required.
 * @return
 *   The state, or NULL (allocation failed or bad arguments).
 */
struct tern_quic_recovery *tern_quic_recovery_new(const struct tern_quic_recovery_config *cfg,
						  struct tern_quic_cc *cc,
						  const struct tern_quic_recovery_cb *cb);

/** Free; NULL is a no-op. Calls no callbacks. */
void tern_quic_recovery_free(struct tern_quic_recovery *r);

/**
 * A packet was sent (RFC 9002 A.5). pkt->pn must exceed every pn sent
 * before in the space; pkt is copied.
 *
 * @return
 *   0; -TERN_EINVAL for a pn that does not grow, a discarded space or a
 *   pn above TERN_QUIC_PN_MAX; -TERN_ENOBUFS when the space's ring is full
 *   (the packet was not recorded: do not send it).
 */
int tern_quic_recovery_on_packet_sent(struct tern_quic_recovery *r, enum tern_quic_pn_space space,
				      const struct tern_quic_sent_pkt *pkt);

/**
 * How many more packet numbers from the next one (largest sent + 1) can
 * be recorded in the space before tern_quic_recovery_on_packet_sent()
 * fails. Sending pn = largest sent + k needs room >= k.
 */
uint64_t tern_quic_recovery_room(const struct tern_quic_recovery *r, enum tern_quic_pn_space space);

/**
 * An ACK frame was received in space (RFC 9002 A.7). Calls on_lost for
 * packets declared lost, then on_acked for newly acknowledged ones.
 *
 * @param ranges
 *   The acknowledged ranges, descending and disjoint (ranges[0].largest is
 *   the frame's Largest Acknowledged), e.g. from tern_quic_ack_range_next().
 *   A caller may pass only the first (highest) ranges of a very long frame.
 * @param ack_delay
 *   Decoded ACK Delay, ns (tern_quic_ack_delay_decode()); ignored outside
 *   the AppData space (RFC 9002 5.3).
 * @param ecn
 *   The frame's ECN counts, or NULL for an ACK without them.
 * @return
 *   0; -TERN_EPROTO if it acknowledges a pn that was never sent
 *   (RFC 9000 13.1: PROTOCOL_VIOLATION); -TERN_EINVAL for n == 0 or ranges
 *   out of order, or a discarded space.
 */
int tern_quic_recovery_on_ack_received(struct tern_quic_recovery *r, enum tern_quic_pn_space space,
				       const struct tern_quic_ack_range *ranges, size_t n,
				       uint64_t ack_delay, const struct tern_quic_ack_ecn *ecn,
				       uint64_t now);

/** Loss-detection timer deadline (RFC 9002 A.8), UINT64_MAX if not armed. */
uint64_t tern_quic_recovery_timeout(const struct tern_quic_recovery *r);

/**
 * Run the loss-detection timer if it expired (RFC 9002 A.9).
 *
 * @return
 *   enum tern_quic_timeout_kind. After TERN_QUIC_TIMEOUT_PTO, send
 *   tern_quic_recovery_probes() ack-eliciting packets (new data, else old
 *   data, else PING) in the spaces that ask for them, even beyond the
 *   congestion window.
 */
enum tern_quic_timeout_kind tern_quic_recovery_on_timeout(struct tern_quic_recovery *r,
							  uint64_t now);

/**
 * Probe packets still requested in space by a PTO. Each ack-eliciting packet
 * sent in the space counts one off.
 */
unsigned tern_quic_recovery_probes(const struct tern_quic_recovery *r,
				   enum tern_quic_pn_space space);

/**
 * Keys of an Initial or Handshake space were discarded (RFC 9002 6.4, A.11):
 * its packets leave flight (on_discarded is called for each), its timers and
 * the PTO backoff are reset. Later calls for the space fail with -TERN_EINVAL.
 */
void tern_quic_recovery_discard_space(struct tern_quic_recovery *r, enum tern_quic_pn_space space,
				      uint64_t now);

/** The handshake is confirmed (RFC 9001 4.1.2): AppData PTO may run, ack_delay is capped. */
void tern_quic_recovery_set_handshake_confirmed(struct tern_quic_recovery *r, uint64_t now);

/** Client: Handshake keys are available (anti-deadlock probes go in Handshake). */
void tern_quic_recovery_set_handshake_keys(struct tern_quic_recovery *r, uint64_t now);

/** The peer's max_ack_delay transport parameter, ns (default 25 ms). */
void tern_quic_recovery_set_peer_max_ack_delay(struct tern_quic_recovery *r,
					       uint64_t max_ack_delay);

/**
 * Server: whether the anti-amplification limit (RFC 9000 8.1) blocks
 * sending. While it does, no timer is armed (A.8). When it is lifted the
 * timer is re-armed; if tern_quic_recovery_timeout() is then <= now, call
 * tern_quic_recovery_on_timeout() at once (A.6).
 */
void tern_quic_recovery_set_amplification_limited(struct tern_quic_recovery *r, bool limited,
						  uint64_t now);

/** PTO duration without backoff (smoothed + max(4 * var, granularity) + max_ack_delay), ns. */
uint64_t tern_quic_recovery_pto(const struct tern_quic_recovery *r);

/** Consecutive PTO expiries without an acknowledgement (backoff exponent). */
unsigned tern_quic_recovery_pto_count(const struct tern_quic_recovery *r);

/** RTT estimate. */
const struct tern_quic_rtt *tern_quic_recovery_rtt(const struct tern_quic_recovery *r);

/** Largest pn acknowledged by the peer in space, -1 if none (for pn encoding). */
int64_t tern_quic_recovery_largest_acked(const struct tern_quic_recovery *r,
					 enum tern_quic_pn_space space);

/** Ack-eliciting packets in flight in space. */
uint64_t tern_quic_recovery_ack_eliciting_in_flight(const struct tern_quic_recovery *r,
						    enum tern_quic_pn_space space);

/** Counters. */
const struct tern_quic_recovery_stats *tern_quic_recovery_stats(const struct tern_quic_recovery *r);

#ifdef __cplusplus
}
#endif

#endif /* TERN_DATAPLANE_QUIC_RECOVERY_H */
