/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_DATAPLANE_QUIC_ACK_H
#define TERN_DATAPLANE_QUIC_ACK_H

/**
 * @file
 * Receive-side packet tracking of one packet number space, for duplicate
 * detection and ACK generation (RFC 9000 13.2).
 *
 * The tracker remembers the received packet numbers as at most
 * TERN_QUIC_ACK_MAX_RANGES disjoint ranges, largest first; when a new range
 * would exceed that, the oldest (lowest) range is forgotten and every packet
 * number at or below it is from then on reported as a duplicate (RFC 9000
 * 12.3: a receiver discards a packet unless it is certain it has not
 * processed it before).
 *
 * It decides when an ACK is due (13.2.1, 13.2.2): at once for ack-eliciting
 * Initial and Handshake packets, for reordered or missing packets, for
 * ECN-CE marked packets and for every second ack-eliciting packet; otherwise
 * max_ack_delay after the first unacknowledged ack-eliciting packet.
 * Packets that are not ack-eliciting never make an ACK due, but are
 * acknowledged with the next ACK frame that goes out.
 *
 * Cost: every call is O(TERN_QUIC_ACK_MAX_RANGES) at worst and O(1) for
 * in-order packets; nothing allocates. The struct is plain data embedded by
 * the connection; its fields are private to quic_ack.c.
 * Times are nanoseconds on the caller's clock.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/cursor.h"
#include "dataplane/quic/quic_frame.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Packet number spaces (RFC 9000 12.3). */
enum tern_quic_pn_space {
	TERN_QUIC_PN_INITIAL = 0,
	TERN_QUIC_PN_HANDSHAKE = 1,
	TERN_QUIC_PN_APP = 2,
	TERN_QUIC_PN_SPACE_COUNT
};

/** Most received ranges remembered per space. */
#define TERN_QUIC_ACK_MAX_RANGES 32

/** Default ack-eliciting packets received before an ACK is sent at once (13.2.2). */
#define TERN_QUIC_ACK_ELICITING_THRESHOLD 2

/** "No deadline" for tern_quic_ack_deadline(). */
#define TERN_QUIC_TIME_NEVER UINT64_MAX

/** ECN codepoints as in the IP header's two ECN bits (RFC 3168 5). */
enum tern_quic_ecn {
	TERN_QUIC_ECN_NOT_ECT = 0,
	TERN_QUIC_ECN_ECT1 = 1,
	TERN_QUIC_ECN_ECT0 = 2,
	TERN_QUIC_ECN_CE = 3,
};

/** Receive tracking of one packet number space. Fields are private. */
struct tern_quic_ack_tracker {
	/* ranges[0..nranges) descending, disjoint and not adjacent */
	struct tern_quic_ack_range ranges[TERN_QUIC_ACK_MAX_RANGES];
	unsigned nranges;
	/* packet numbers below floor are reported as duplicates (13.2.3) */
	uint64_t floor;
	/* largest pn received; kept when ranges are pruned (13.2.3) */
	uint64_t largest;
	bool have_largest;
	/* arrival time of ranges[0].largest, for the ACK Delay field */
	uint64_t largest_rx_time;
	/* largest ack-eliciting pn received, valid if have_eliciting */
	uint64_t largest_eliciting;
	uint64_t deadline;	    /* when an ACK is due; TERN_QUIC_TIME_NEVER if none */
	uint64_t max_ack_delay;	    /* ns; 0 in Initial and Handshake */
	unsigned eliciting_unacked; /* ack-eliciting packets since the last ACK */
	unsigned threshold;	    /* ack-eliciting packets that force an ACK */
	bool have_eliciting;
	bool pending;	/* something received since the last ACK was written */
	bool immediate; /* Initial / Handshake: ack every ack-eliciting packet at once */
	bool ecn_seen;	/* any ECN-marked packet received: send ACK_ECN */
	struct tern_quic_ack_ecn ecn;
};

/**
 * Initialise the tracker of one space.
 *
 * @param space
 *   Initial and Handshake packets are acknowledged immediately (13.2.1).
 * @param max_ack_delay
 *   Our max_ack_delay transport parameter, ns (used in the AppData space).
 */
void tern_quic_ack_init(struct tern_quic_ack_tracker *t, enum tern_quic_pn_space space,
			uint64_t max_ack_delay);

/** Change how many ack-eliciting packets force an immediate ACK (>= 1). */
void tern_quic_ack_set_threshold(struct tern_quic_ack_tracker *t, unsigned n);

/**
 * Whether pn was (or may have been) received already, without recording it.
 * Call after removing packet protection and before processing the frames.
 */
bool tern_quic_ack_is_duplicate(const struct tern_quic_ack_tracker *t, uint64_t pn);

/**
 * Record a received, successfully unprotected packet.
 *
 * @param pn
 *   Its full packet number.
 * @param ack_eliciting
 *   Whether it carried any frame other than ACK, PADDING, CONNECTION_CLOSE.
 * @param ecn
 *   The ECN codepoint of its datagram (enum tern_quic_ecn).
 * @param now
 *   Arrival time, ns.
 * @return
 *   true if the packet is a duplicate (nothing recorded: drop the packet),
 *   false if it was recorded.
 */
bool tern_quic_ack_on_pkt_received(struct tern_quic_ack_tracker *t, uint64_t pn, bool ack_eliciting,
				   enum tern_quic_ecn ecn, uint64_t now);

/** Largest packet number received, -1 if none (for packet-number decoding). */
int64_t tern_quic_ack_largest(const struct tern_quic_ack_tracker *t);

/** Time an ACK frame must be sent by; TERN_QUIC_TIME_NEVER if none is due. */
uint64_t tern_quic_ack_deadline(const struct tern_quic_ack_tracker *t);

/** Whether an ACK frame must be sent now (its deadline has passed). */
bool tern_quic_ack_due(const struct tern_quic_ack_tracker *t, uint64_t now);

/**
 * Whether packets arrived since the last ACK frame was written: an ACK may
 * be bundled into a packet that is being sent anyway.
 */
bool tern_quic_ack_pending(const struct tern_quic_ack_tracker *t);

/**
 * The remembered ranges, descending (ranges[0] holds the largest pn).
 *
 * @param[out] n
 *   Number of ranges.
 */
const struct tern_quic_ack_range *tern_quic_ack_ranges(const struct tern_quic_ack_tracker *t,
						       unsigned *n);

/**
 * Write an ACK (or ACK_ECN once an ECN-marked packet was received) frame
 * for the received ranges into w (RFC 9000 19.3). The space left in w is the
 * byte budget: ranges that do not fit are dropped from the oldest end.
 * Writing the frame counts as sending it: the deadline and the
 * ack-eliciting counter are reset.
 *
 * @param ack_delay_exponent
 *   Our ack_delay_exponent transport parameter (the ACK Delay field is
 *   (now - arrival of the largest pn) in microseconds >> exponent).
 * @return
 *   Bytes written; -TERN_EAGAIN if nothing was ever received (w unchanged);
 *   -TERN_ENOBUFS if not even the largest range fits (w unchanged).
 */
int tern_quic_ack_write(struct tern_quic_ack_tracker *t, struct tern_wcursor *w,
			unsigned ack_delay_exponent, uint64_t now);

/**
 * The peer acknowledged a packet of ours that carried an ACK frame whose
 * largest acknowledged was largest: stop acknowledging packets at or below
 * it (RFC 9000 13.2.4). They remain duplicates.
 */
void tern_quic_ack_on_ack_acked(struct tern_quic_ack_tracker *t, uint64_t largest);

/**
 * Decode the ACK Delay field of a received ACK frame to nanoseconds
 * (RFC 9000 19.3), saturating at UINT64_MAX.
 *
 * @param exponent
 *   The peer's ack_delay_exponent (<= 20).
 */
uint64_t tern_quic_ack_delay_decode(uint64_t field, unsigned exponent);

#ifdef __cplusplus
}
#endif

#endif /* TERN_DATAPLANE_QUIC_ACK_H */
