/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_DATAPLANE_QUIC_CC_H
#define TERN_DATAPLANE_QUIC_CC_H

/**
 * @file
 * QUIC congestion control (RFC 9002 7) and pacing (RFC 9002 7.7).
 *
 * struct tern_quic_cc holds what every controller shares (congestion
 * window, ssthresh, bytes in flight, recovery period; RFC 9002 B.2) and a
 * table of ops for the algorithm-specific growth and reduction: NewReno
 * (RFC 9002 7, B) in quic_cc_newreno.c and CUBIC (RFC 9438) in
 * quic_cc_cubic.c. The shared rules run here, before the ops are called:
 * bytes_in_flight accounting, no growth while application limited or for
 * packets sent before the current recovery period started or while the
 * window is underutilized (RFC 9002 7.8, see tern_quic_cc_cwnd_limited()),
 * one reduction per recovery period.
 *
 * Arithmetic: windows are in bytes (uint64_t). NewReno is exact integer
 * arithmetic (congestion avoidance counts acknowledged bytes, RFC 3465
 * 2.1, as RFC 9002 B.5 suggests). CUBIC evaluates W_cubic(t) in double
 * precision with windows in units of max_datagram_size and t in seconds, as
 * RFC 9438 writes its formulas, and converts back to whole bytes.
 *
 * The pacer is a token bucket refilled at 1.25 * cwnd / smoothed_rtt
 * (RFC 9002 7.7) that allows bursts of TERN_QUIC_PACER_BURST packets.
 *
 * Nothing allocates except tern_quic_cc_new(); no call locks. Times are
 * nanoseconds on the caller's clock. Fields are private to the .c files.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tern/quic.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Smallest max_datagram_size (RFC 9000 14). */
#define TERN_QUIC_MIN_DATAGRAM_SIZE 1200
/** Packets the pacer lets out back to back. */
#define TERN_QUIC_PACER_BURST 10

struct tern_quic_cc;

/** Algorithm hooks; called by the tern_quic_cc_* functions only. */
struct tern_quic_cc_ops {
	const char *name;
	/** Set the algorithm state (cwnd etc. already hold their RFC 9002 B.3 values). */
	void (*init)(struct tern_quic_cc *cc);
	/** An in-flight packet of bytes was acknowledged and the window may grow
	 *  (not application limited, sent after the recovery period began). */
	void (*on_ack)(struct tern_quic_cc *cc, uint64_t bytes, uint64_t now, uint64_t srtt);
	/** A new congestion event (loss or ECN-CE): reduce the window. The shared
	 *  code has already checked the recovery period and will set its start. */
	void (*on_congestion_event)(struct tern_quic_cc *cc, uint64_t now);
	/** Persistent congestion (RFC 9002 7.6.2): collapse to the minimum window. */
	void (*on_persistent_congestion)(struct tern_quic_cc *cc, uint64_t now);
};

/** The algorithms' ops tables (quic_cc_newreno.c, quic_cc_cubic.c). */
extern const struct tern_quic_cc_ops tern_quic_cc_newreno_ops;
extern const struct tern_quic_cc_ops tern_quic_cc_cubic_ops;

/** NewReno state. */
struct tern_quic_newreno {
	uint64_t bytes_acked; /* congestion avoidance: bytes acked toward the next +1 MSS */
};

/** CUBIC state (RFC 9438 4.1.2 variable names), windows in segments. */
struct tern_quic_cubic {
	double w_max;	      /* window before the last reduction */
	double w_last_max;    /* previous w_max, for fast convergence (4.7) */
	double k;	      /* seconds until W_cubic reaches w_max again (4.2) */
	double cwnd_epoch;    /* window at the start of the epoch */
	double w_est;	      /* Reno-friendly estimate (4.3) */
	double cwnd_prior;    /* window when ssthresh was last set (alpha switch) */
	uint64_t epoch_start; /* start of the congestion-avoidance epoch, ns */
	double inc_frac;      /* fraction of a byte of growth carried to the next ACK */
	bool in_epoch;
};

/** A congestion controller; embed or tern_quic_cc_new(). Fields are private. */
struct tern_quic_cc {
	const struct tern_quic_cc_ops *ops;
	enum tern_quic_cc_algorithm algo;
	uint64_t max_datagram_size;
	uint64_t cwnd;
	uint64_t ssthresh; /* UINT64_MAX: infinite */
	uint64_t bytes_in_flight;
	uint64_t recovery_start; /* congestion_recovery_start_time, valid if has_recovery_start */
	bool has_recovery_start;
	bool app_limited;
	/* Window use per round (RFC 9002 7.8): a round starts with the first
	 * packet sent after the previous one ended and ends when a packet sent
	 * at or after its start is acknowledged. */
	uint64_t round_start;	      /* send time of the round's first packet */
	bool round_open;	      /* round_start is valid */
	uint64_t peak_in_flight;      /* max bytes_in_flight in this round */
	uint64_t prev_peak_in_flight; /* and in the previous one */
	uint64_t congestion_events;
	uint64_t persistent_congestions;
	union {
		struct tern_quic_newreno reno;
		struct tern_quic_cubic cubic;
	} u;
};

/**
 * Initialise a controller in caller storage.
 *
 * @param max_datagram_size
 *   Bytes; raised to TERN_QUIC_MIN_DATAGRAM_SIZE if smaller.
 * @return
 *   0, or -TERN_EINVAL for an unknown algorithm.
 */
int tern_quic_cc_init(struct tern_quic_cc *cc, enum tern_quic_cc_algorithm algo,
		      size_t max_datagram_size);

/** Allocate and initialise a controller; NULL on error. Free with tern_quic_cc_free(). */
struct tern_quic_cc *tern_quic_cc_new(enum tern_quic_cc_algorithm algo, size_t max_datagram_size);

/** Free a controller from tern_quic_cc_new(); NULL is a no-op. */
void tern_quic_cc_free(struct tern_quic_cc *cc);

/** Name of the algorithm ("newreno", "cubic"). */
const char *tern_quic_cc_name(const struct tern_quic_cc *cc);

/** Initial window for max_datagram_size (RFC 9002 7.2). */
uint64_t tern_quic_cc_initial_window(size_t max_datagram_size);

/** An in-flight packet was sent (RFC 9002 B.4). */
void tern_quic_cc_on_packet_sent(struct tern_quic_cc *cc, uint64_t bytes, uint64_t now);

/**
 * An in-flight packet was acknowledged (RFC 9002 B.5): leaves flight, and
 * may grow the window.
 *
 * @param time_sent
 *   When the packet was sent (recovery-period check).
 * @param srtt
 *   Current smoothed RTT, ns (CUBIC's target uses it).
 */
void tern_quic_cc_on_packet_acked(struct tern_quic_cc *cc, uint64_t bytes, uint64_t time_sent,
				  uint64_t now, uint64_t srtt);

/** An in-flight packet was declared lost or discarded: it leaves flight only. */
void tern_quic_cc_on_packet_removed(struct tern_quic_cc *cc, uint64_t bytes);

/**
 * A congestion event for a packet sent at time_sent (RFC 9002 B.6): no-op
 * inside the current recovery period, else reduce and start a new one at now.
 *
 * @return true if the window was reduced.
 */
bool tern_quic_cc_on_congestion_event(struct tern_quic_cc *cc, uint64_t time_sent, uint64_t now);

/** Persistent congestion (RFC 9002 7.6.2, B.8): minimum window, recovery period ended. */
void tern_quic_cc_on_persistent_congestion(struct tern_quic_cc *cc, uint64_t now);

/**
 * Tell the controller whether the sender is application or flow-control
 * limited (RFC 9002 7.8): no window growth while it is.
 */
void tern_quic_cc_set_app_limited(struct tern_quic_cc *cc, bool limited);

/**
 * Whether the sender has been using its window (RFC 9002 7.8), the
 * condition for growth: the peak bytes in flight over this round and the
 * previous one reached cwnd / 2 in slow start (where the window doubles
 * each round, so half of it is what was in use a round ago), or came
 * within TERN_QUIC_CC_LIMIT_SLACK datagrams of cwnd in congestion
 * avoidance (a blocked sender stops short of the window by up to a
 * datagram, and ACKs free room in bursts).
 */
bool tern_quic_cc_cwnd_limited(const struct tern_quic_cc *cc);

/** Datagrams short of cwnd that still count as window limited. */
#define TERN_QUIC_CC_LIMIT_SLACK 3

/** Congestion window, bytes. */
uint64_t tern_quic_cc_cwnd(const struct tern_quic_cc *cc);

/** Bytes in flight. */
uint64_t tern_quic_cc_bytes_in_flight(const struct tern_quic_cc *cc);

/** Slow-start threshold, bytes; UINT64_MAX while infinite. */
uint64_t tern_quic_cc_ssthresh(const struct tern_quic_cc *cc);

/** Bytes that may still be sent: cwnd - bytes_in_flight, or 0. */
uint64_t tern_quic_cc_send_quota(const struct tern_quic_cc *cc);

/**
 * Whether a packet of bytes may be sent without exceeding the congestion
 * window (RFC 9002 7). PTO probes may be sent regardless (7.5).
 */
bool tern_quic_cc_can_send(const struct tern_quic_cc *cc, uint64_t bytes);

/** Whether a packet sent at time_sent belongs to the current recovery period. */
bool tern_quic_cc_in_recovery(const struct tern_quic_cc *cc, uint64_t time_sent);

/** CUBIC constant C (RFC 9438 4.2), segments / s^3. */
#define TERN_QUIC_CUBIC_C 0.4
/** CUBIC multiplicative decrease factor beta_cubic (RFC 9438 4.6). */
#define TERN_QUIC_CUBIC_BETA 0.7

/** K = cbrt((w_max - cwnd_epoch) / C), seconds (RFC 9438 eq. 2); 0 if cwnd_epoch >= w_max. */
double tern_quic_cubic_k(double w_max, double cwnd_epoch);

/** W_cubic(t) = C * (t - K)^3 + w_max, segments (RFC 9438 eq. 1). */
double tern_quic_cubic_w(double t, double k, double w_max);

/* --- pacing (RFC 9002 7.7) ---------------------------------------------------- */

/** Token-bucket pacer; embed it. Fields are private. */
struct tern_quic_pacer {
	uint64_t tokens;   /* bytes that may go now */
	uint64_t capacity; /* burst: TERN_QUIC_PACER_BURST * max_datagram_size */
	uint64_t last;	   /* time tokens was last brought up to date */
	uint64_t cwnd;	   /* rate = 1.25 * cwnd / srtt */
	uint64_t srtt;
	bool started;
};

/** Initialise a full bucket. */
void tern_quic_pacer_init(struct tern_quic_pacer *p, size_t max_datagram_size);

/** Set the rate to 1.25 * cwnd / srtt (call when either changes). srtt 0 disables pacing. */
void tern_quic_pacer_set_rate(struct tern_quic_pacer *p, uint64_t cwnd, uint64_t srtt);

/**
 * Earliest time a packet of size bytes may be sent: now when the burst
 * allowance covers it, later otherwise. Does not consume.
 */
uint64_t tern_quic_pacer_next_send(const struct tern_quic_pacer *p, uint64_t now, size_t size);

/** A packet of size bytes was sent at now (the send time given to the caller). */
void tern_quic_pacer_on_sent(struct tern_quic_pacer *p, uint64_t now, size_t size);

/** Pacing rate in bytes per second; UINT64_MAX when pacing is off (no RTT). */
uint64_t tern_quic_pacer_rate(const struct tern_quic_pacer *p);

#ifdef __cplusplus
}
#endif

#endif /* TERN_DATAPLANE_QUIC_CC_H */
