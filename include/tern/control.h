/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_CONTROL_H
#define TERN_CONTROL_H

/**
 * @file
 * The control thread: the only writer of every worker's key table
 * (include/tern/keytable.h), and the control <-> worker message channel.
 *
 * Threads:
 * - The control thread is a plain pthread started by tern_ctrl_start()
 *   (not an EAL lcore). It owns a crypto context, derives keys, installs,
 *   updates and retires connections, reclaims retired material, and never
 *   blocks a worker.
 * - Any thread (app, CLI, later handshake code) may submit requests:
 *   tern_ctrl_install_secrets(), tern_ctrl_install_keys(), tern_ctrl_retire(),
 *   tern_ctrl_submit(). They travel over one MP/SC rte_ring.
 * - Worker i talks to the control thread over its own pair of SP/SC rings:
 *   tern_ctrl_worker_report_phase() (worker -> control, e.g. "key phase
 *   flipped for CID X") and tern_ctrl_worker_poll() (control -> worker notes).
 *   Only worker i may call these with index i. Both are lock-free, copy a
 *   64-byte message and never allocate.
 * - tern_ctrl_worker_stats_get() from any thread.
 *
 * Key update (RFC 9001 6): a table state always carries the next generation
 * of both directions. When worker i switches to it (tern_keystate_view()) it
 * reports the flip; the control thread then derives the generation after
 * that, publishes {prev = old current, current = old next, next = new}, and
 * after the configured retire time (RFC 9001 6.5 suggests about three PTO)
 * publishes the state again without the previous receive keys, which are
 * then zeroized once every reader has passed a quiescent state.
 *
 * Messages are a fixed 64-byte struct with a type and an owned extension
 * pointer, so later message kinds (handshake bytes, secrets of other
 * encryption levels) add a type and a payload struct, not a new channel.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tern/crypto.h>
#include <tern/error.h>
#include <tern/keytable.h>

#ifdef __cplusplus
extern "C" {
#endif

struct tern_ctrl;

/** Message types. REQ: any thread -> control; EV: worker -> control;
 *  NOTE: control -> worker. */
enum tern_ctrl_msg_type {
	TERN_CTRL_REQ_INSTALL_SECRETS = 1, /**< ext: struct tern_ctrl_secrets */
	TERN_CTRL_REQ_INSTALL_KEYS,	   /**< ext: struct tern_keytable_keys */
	TERN_CTRL_REQ_RETIRE,		   /**< no ext */
	TERN_CTRL_EV_KEY_PHASE = 64,	   /**< worker switched to .generation */
	TERN_CTRL_NOTE_INSTALLED = 128,	   /**< .status: result of an install */
	TERN_CTRL_NOTE_KEYS_READY,	   /**< state for .generation published */
	TERN_CTRL_NOTE_RETIRED,		   /**< .status: result of a retire */
};

/**
 * One message on any control ring. The receiver owns ext (freeing it, and
 * zeroizing secrets in it) once the message is dequeued.
 */
struct tern_ctrl_msg {
	uint16_t type;	 /**< enum tern_ctrl_msg_type */
	uint16_t worker; /**< worker index the message is about */
	int32_t status;	 /**< NOTE: 0 or -TERN_E... */
	struct tern_keytable_cid cid;
	uint64_t generation;
	uint64_t cookie; /**< copied from request to note; caller-defined */
	void *ext;	 /**< type-specific payload or NULL */
	uint64_t reserved;
};

/** Payload of TERN_CTRL_REQ_INSTALL_SECRETS (1-RTT traffic secrets). */
struct tern_ctrl_secrets {
	uint32_t version;      /**< TERN_QUIC_V1 / TERN_QUIC_V2 */
	uint16_t cipher_suite; /**< enum tern_tls13_cipher_suite */
	uint8_t secret_len;    /**< the suite's hash length */
	uint8_t rx_secret[TERN_HASH_MAX_LEN];
	uint8_t tx_secret[TERN_HASH_MAX_LEN];
};

/** Control thread parameters. */
struct tern_ctrl_params {
	const char *name;		  /**< prefix of ring names, < 16 chars */
	unsigned n_workers;		  /**< >= 1 */
	struct tern_keytable **tables;	  /**< tables[i]: worker i's table (not owned) */
	unsigned ring_size;		  /**< per ring; 0: 1024 */
	uint64_t key_retire_ns;		  /**< keep previous rx keys this long; 0: 1 s */
	enum tern_crypto_backend backend; /**< must match the workers' contexts */
	bool notify_workers;		  /**< send NOTE messages to workers */
	uint32_t idle_sleep_us;		  /**< sleep when idle; 0: 50 us */
	int socket_id;			  /**< for the rings */
};

/** Per-worker statistics (relaxed snapshot). */
struct tern_ctrl_worker_stats {
	uint64_t installs;	  /**< from the worker's table */
	uint64_t updates;	  /**< from the worker's table */
	uint64_t retires;	  /**< from the worker's table */
	uint64_t pending_reclaim; /**< from the worker's table */
	uint64_t phase_events;	  /**< key-phase reports received */
	uint64_t stale_events;	  /**< reports for unknown CIDs / old generations */
	uint64_t prev_dropped;	  /**< previous rx keys dropped after the retire time */
	uint64_t errors;	  /**< failed requests (derivation, table full, ...) */
	uint64_t notes_dropped;	  /**< control -> worker ring full */
	uint32_t conns;
};

/**
 * Create the control thread's state (rings, crypto context); the thread is
 * not started. The caller keeps ownership of the tables and must not write
 * them while the control thread exists. EAL must be initialised.
 *
 * @return 0, -TERN_EINVAL, -TERN_ENOMEM, -TERN_EINTERNAL or a crypto error.
 */
int tern_ctrl_create(const struct tern_ctrl_params *params, struct tern_ctrl **cp);

/** Start the pthread. @return 0, -TERN_EINVAL (already running), -TERN_EINTERNAL. */
int tern_ctrl_start(struct tern_ctrl *c);

/**
 * Stop and join the thread (requests already dequeued are completed; queued
 * ones stay queued). Any thread but the control thread.
 */
void tern_ctrl_stop(struct tern_ctrl *c);

/** Stop if running, free queued requests' payloads (zeroized) and rings. */
void tern_ctrl_free(struct tern_ctrl *c);

/**
 * Queue a request for the control thread (copy of *msg). Any thread.
 * On success the control thread owns msg->ext.
 *
 * @return 0, -TERN_EINVAL (type, worker), -TERN_ENOBUFS (ring full).
 */
int tern_ctrl_submit(struct tern_ctrl *c, const struct tern_ctrl_msg *msg);

/**
 * Ask for a connection to be installed in worker's table from its 1-RTT
 * secrets: the control thread builds generation 0 and 1 of both directions.
 * Any thread; copies the secrets (zeroized after use).
 *
 * @return 0 (queued), -TERN_EINVAL, -TERN_ENOMEM, -TERN_ENOBUFS.
 */
int tern_ctrl_install_secrets(struct tern_ctrl *c, unsigned worker,
			      const struct tern_keytable_cid *cid, uint32_t version,
			      uint16_t cipher_suite, const uint8_t *rx_secret,
			      const uint8_t *tx_secret, size_t secret_len, uint64_t cookie);

/**
 * Ask for a connection to be installed from key objects (built with a
 * context of the control thread's backend). Missing next generations are
 * derived by the control thread. Any thread. On 0 the control thread owns
 * the objects (also if the install then fails); otherwise the caller does.
 *
 * @return 0 (queued), -TERN_EINVAL, -TERN_ENOMEM, -TERN_ENOBUFS.
 */
int tern_ctrl_install_keys(struct tern_ctrl *c, unsigned worker,
			   const struct tern_keytable_cid *cid,
			   const struct tern_keytable_keys *keys, uint64_t cookie);

/** Ask for a connection to be retired. Any thread. @return 0 or -TERN_E... */
int tern_ctrl_retire(struct tern_ctrl *c, unsigned worker, const struct tern_keytable_cid *cid,
		     uint64_t cookie);

/**
 * Report that worker switched a connection to key generation `generation`
 * (RFC 9001 6.2: it received a packet in the new phase that authenticated
 * with the next keys, or it initiated an update). Worker `worker` only;
 * lock-free single-producer enqueue of 64 bytes.
 *
 * @return 0, -TERN_EINVAL (worker index), or -TERN_ENOBUFS (ring full:
 *   report again later; the worker keeps using its local generation
 *   meanwhile).
 */
int tern_ctrl_worker_report_phase(struct tern_ctrl *c, unsigned worker,
				  const struct tern_keytable_cid *cid, uint64_t generation);

/**
 * Dequeue up to n notes for worker. Worker `worker` only; lock-free.
 *
 * @return Number of messages written to msgs.
 */
unsigned tern_ctrl_worker_poll(struct tern_ctrl *c, unsigned worker, struct tern_ctrl_msg *msgs,
			       unsigned n);

/** Statistics of one worker's table and channel. Any thread. */
int tern_ctrl_worker_stats_get(const struct tern_ctrl *c, unsigned worker,
			       struct tern_ctrl_worker_stats *st);

/** Requests not yet taken by the control thread. Any thread. */
unsigned tern_ctrl_pending_requests(const struct tern_ctrl *c);

#ifdef __cplusplus
}
#endif

#endif /* TERN_CONTROL_H */
