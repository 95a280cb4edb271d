/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_KEYTABLE_H
#define TERN_KEYTABLE_H

/**
 * @file
 * Per-lcore QUIC key tables: connection ID -> connection key state.
 *
 * One table belongs to one worker lcore (the reader) and is written by
 * exactly one thread, the control thread (include/tern/control.h).
 *
 * Readers (data path):
 * - register once with tern_keytable_reader_register() (an RCU QSBR thread
 *   id, see rte_rcu_qsbr.h), then look CIDs up in bursts with
 *   tern_keytable_lookup_bulk() and read each entry's key state with
 *   tern_keytable_entry_state() (one acquire load). No lock, no atomic
 *   read-modify-write.
 * - report a quiescent state once per burst with tern_keytable_quiescent(),
 *   after which the reader must hold no pointer obtained from the table
 *   (entries, key states, key objects). Pointers stay valid until then,
 *   whatever the writer does meanwhile.
 * - may write only the per-connection counter block
 *   (tern_keytable_entry_conn()) of the entries it looked up, and only if it
 *   is the table's owning worker (a single writer per block).
 *
 * Writer (control thread ONLY; never two threads at once, never a reader):
 * tern_keytable_install(), tern_keytable_update(), tern_keytable_retire(),
 * tern_keytable_get(), tern_keytable_reclaim(), tern_keytable_free().
 * A key state is immutable once published: an update builds a new state and
 * publishes it with one atomic release store. Replaced states, and the key
 * objects no longer referenced by the new state, are zeroized and freed only
 * after every registered reader has reported quiescence (token
 * rte_rcu_qsbr_start()/rte_rcu_qsbr_check() without waiting: the writer never
 * blocks on, and never slows, the data path).
 *
 * Key generations (RFC 9001 6): a state holds, per direction, the current
 * generation and the next one ready before the peer uses it; for receiving,
 * optionally the previous generation, kept for a while after an update for
 * delayed packets (RFC 9001 6.5) and then dropped by the control thread.
 *
 * Any thread may call tern_keytable_stats() and tern_keytable_count().
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <tern/error.h>
#include <tern/keyschedule.h>
#include <tern/quic_packet.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_rcu_qsbr;
struct tern_keytable;

/** Minimum capacity a table accepts; the engine sizes 100,000+ per worker. */
#define TERN_KEYTABLE_CAPACITY_MIN 16
/** Longest burst tern_keytable_lookup_bulk() takes (RTE_HASH_LOOKUP_BULK_MAX). */
#define TERN_KEYTABLE_BULK_MAX 64

/** A connection ID as a fixed-size hash key (unused bytes must be zero). */
struct tern_keytable_cid {
	uint8_t len;			      /**< 0..TERN_QUIC_MAX_CID_LEN */
	uint8_t bytes[TERN_QUIC_MAX_CID_LEN]; /**< bytes[len..] are zero */
	uint8_t pad[3];			      /**< zero */
};

/**
 * Fill a CID key. Any thread.
 *
 * @return 0, or -TERN_EINVAL if len > TERN_QUIC_MAX_CID_LEN.
 */
static inline int
tern_keytable_cid_set(struct tern_keytable_cid *k, const uint8_t *cid, size_t len)
{
	if (len > TERN_QUIC_MAX_CID_LEN || (cid == NULL && len != 0))
		return -TERN_EINVAL;
	/* Whole-key zeroing plus one copy: with a constant len (the data path's
	 * fixed CID length) this compiles to a few stores, not a byte loop. */
	memset(k, 0, sizeof(*k));
	k->len = (uint8_t)len;
	if (len != 0)
		memcpy(k->bytes, cid, len);
	return 0;
}

/**
 * The key objects of one connection, as handed to the writer API.
 * rx_next and tx_next should be set (RFC 9001 6.3: the next receive keys
 * must exist before the peer's first packet in the new phase arrives);
 * rx_prev is optional. Generations must be consistent: rx_cur and tx_cur
 * have the same generation g, *_next have g + 1, rx_prev has g - 1, and all
 * keys share one QUIC version and cipher suite.
 */
struct tern_keytable_keys {
	struct tern_quic_keys *rx_prev; /**< optional */
	struct tern_quic_keys *rx_cur;	/**< required */
	struct tern_quic_keys *rx_next; /**< optional, recommended */
	struct tern_quic_keys *tx_cur;	/**< required */
	struct tern_quic_keys *tx_next; /**< optional, recommended */
};

/**
 * A published connection key state. Immutable once published; readers see
 * it through tern_keytable_entry_state() and must not write it.
 */
struct tern_keystate {
	const struct tern_quic_keys *rx_prev; /**< generation - 1, or NULL */
	const struct tern_quic_keys *rx_cur;  /**< generation */
	const struct tern_quic_keys *rx_next; /**< generation + 1, or NULL */
	const struct tern_quic_keys *tx_cur;  /**< generation */
	const struct tern_quic_keys *tx_next; /**< generation + 1, or NULL */
	uint64_t generation;		      /**< key-update generation of *_cur */
	uint64_t serial;		      /**< unique per published state in a table */
	struct tern_keytable_cid cid;	      /**< the connection's ID */
	uint8_t key_phase;		      /**< generation & 1 (RFC 9001 6) */
	/**
	 * Checksum over every field above, set before publication. Lets tests
	 * (and paranoid callers) detect a torn or freed state:
	 * tern_keystate_verify().
	 */
	uint64_t check;
};

/**
 * Per-connection counters and data-path state, on their own cache line.
 * Written only by the table's owning worker (never by the control thread
 * after install, which zeroes it); reset when the connection is installed.
 */
struct tern_keytable_conn {
	uint64_t rx_pkts;
	uint64_t tx_pkts;
	uint64_t rx_auth_fail;
	uint64_t key_updates;  /**< phase flips this worker performed */
	int64_t rx_largest_pn; /**< -1 after install */
	uint64_t tx_next_pn;   /**< 0 after install */
	/**
	 * Generation the worker is using. It runs one ahead of the published
	 * state between the worker's flip and the control thread's next
	 * publication (see tern_keystate_view()).
	 */
	uint64_t local_generation;
	/**
	 * Lowest packet number received in the current key phase (0 after
	 * install): packets of the other phase below it belong to the
	 * previous generation, the others to the next (RFC 9001 6.5).
	 */
	uint64_t phase_start_pn;
} __attribute__((aligned(64)));

/**
 * A table entry: the hash data of one CID. The reader gets a pointer to it
 * from a lookup; it stays valid until the reader's next quiescent state.
 */
struct tern_keytable_entry {
	/** Published key state; read only with tern_keytable_entry_state(). */
	const struct tern_keystate *state;
	uint32_t index; /**< position in the table's entry array */
	uint32_t reserved;
	/** The owning worker's counter block: a cache line of its own. */
	struct tern_keytable_conn conn __attribute__((aligned(64)));
} __attribute__((aligned(64)));

/**
 * The current key state of an entry (one acquire load: pairs with the
 * writer's release store, so the state's contents are visible). Readers.
 */
static inline const struct tern_keystate *
tern_keytable_entry_state(const struct tern_keytable_entry *e)
{
	return __atomic_load_n(&e->state, __ATOMIC_ACQUIRE);
}

/** The owning worker's counter block of an entry. Owning worker only. */
static inline struct tern_keytable_conn *
tern_keytable_entry_conn(struct tern_keytable_entry *e)
{
	return &e->conn;
}

/** The keys a worker uses for one connection, with its own flip applied. */
struct tern_keyview {
	const struct tern_quic_keys *rx_prev; /**< other phase, older; or NULL */
	const struct tern_quic_keys *rx_cur;
	const struct tern_quic_keys *rx_next; /**< other phase, newer; or NULL */
	const struct tern_quic_keys *tx_cur;
	uint64_t generation;
	uint8_t key_phase;
};

/**
 * Combine a published state with the worker's local generation.
 *
 * When the worker has switched to the next generation (a packet in the new
 * key phase authenticated with rx_next, RFC 9001 6.2/6.3) it sets
 * conn->local_generation = state->generation + 1 and reports the flip to
 * the control thread; until the control thread publishes the next state,
 * this shifts the view by one (old current becomes previous). A local
 * generation behind the state (the writer re-keyed the connection) is
 * raised to the state's.
 *
 * @return 0, or -TERN_EAGAIN if the worker is ahead but the state has no next
 *   generation (cannot happen with states built by the control thread).
 */
static inline int
tern_keystate_view(const struct tern_keystate *st, struct tern_keytable_conn *conn,
		   struct tern_keyview *v)
{
	bool ahead;

	if (conn->local_generation < st->generation)
		conn->local_generation = st->generation;
	ahead = conn->local_generation != st->generation;
	if (ahead && (st->rx_next == NULL || st->tx_next == NULL ||
		      conn->local_generation != st->generation + 1)) {
		v->rx_prev = v->rx_cur = v->rx_next = v->tx_cur = NULL;
		v->generation = conn->local_generation;
		v->key_phase = (uint8_t)(conn->local_generation & 1);
		return -TERN_EAGAIN;
	}
	v->rx_prev = ahead ? st->rx_cur : st->rx_prev;
	v->rx_cur = ahead ? st->rx_next : st->rx_cur;
	v->rx_next = ahead ? NULL : st->rx_next;
	v->tx_cur = ahead ? st->tx_next : st->tx_cur;
	v->generation = conn->local_generation;
	v->key_phase = (uint8_t)(conn->local_generation & 1);
	return 0;
}

/**
 * Check a key state's checksum and internal consistency (generations of the
 * key objects it points to). Any thread holding a valid pointer; costs a few
 * dozen cycles, meant for tests and debugging, not every packet.
 *
 * @return true if consistent.
 */
bool tern_keystate_verify(const struct tern_keystate *st);

/** Creation parameters. */
struct tern_keytable_params {
	const char *name;     /**< unique among tables (rte_hash name), < 24 chars */
	uint32_t capacity;    /**< live connections; fixed for the table's life */
	int socket_id;	      /**< NUMA socket of the worker (SOCKET_ID_ANY ok) */
	uint32_t max_readers; /**< RCU thread ids 0..max_readers-1; usually 1 */
};

/** Writer-side statistics (relaxed reads from any thread). */
struct tern_keytable_stats {
	uint64_t installs;
	uint64_t updates;
	uint64_t retires;
	uint64_t reclaimed;	  /**< deferred frees completed */
	uint64_t pending_reclaim; /**< deferred frees waiting for quiescence */
	uint64_t failures;	  /**< writer calls that returned an error */
	uint32_t count;		  /**< live connections */
	uint32_t capacity;
};

/**
 * Create a table: rte_hash (lock-free reader/writer concurrency), entry
 * array, QSBR variable. Memory comes from rte_malloc on params->socket_id.
 * Control-plane call (EAL must be initialised).
 *
 * @return 0, -TERN_EINVAL, -TERN_ENOMEM or -TERN_EINTERNAL.
 */
int tern_keytable_create(const struct tern_keytable_params *params, struct tern_keytable **tp);

/**
 * Free a table and every key object it holds (zeroized). Writer only, and
 * only when no reader is online any more. NULL is a no-op.
 */
void tern_keytable_free(struct tern_keytable *t);

/** The table's QSBR variable, for readers calling rte_rcu_qsbr_* directly. */
struct rte_rcu_qsbr *tern_keytable_qsbr(struct tern_keytable *t);

/**
 * Register the calling reader thread under an RCU id and put it online.
 * Reader, once before its first lookup.
 *
 * @return 0 or -TERN_EINVAL (id >= max_readers).
 */
int tern_keytable_reader_register(struct tern_keytable *t, unsigned reader_id);

/** Take a reader offline and unregister it. Reader, after its last lookup. */
void tern_keytable_reader_unregister(struct tern_keytable *t, unsigned reader_id);

/**
 * Report a quiescent state: the reader holds no pointer from the table.
 * Reader, once per burst (a store and a fence, no RMW).
 */
void tern_keytable_quiescent(struct tern_keytable *t, unsigned reader_id);

/**
 * Look up one CID. Reader (or writer).
 *
 * @return The entry, or NULL if absent.
 */
struct tern_keytable_entry *tern_keytable_lookup(const struct tern_keytable *t,
						 const struct tern_keytable_cid *cid);

/**
 * Look up a burst of CIDs with one rte_hash_lookup_bulk_data() call.
 * Reader (or writer); no allocation.
 *
 * @param n
 *   At most TERN_KEYTABLE_BULK_MAX.
 * @param entries
 *   entries[i] receives the entry of cids[i], or NULL.
 * @return Number of hits, or -TERN_EINVAL.
 */
int tern_keytable_lookup_bulk(const struct tern_keytable *t, const struct tern_keytable_cid *cids,
			      unsigned n, struct tern_keytable_entry **entries);

/**
 * Install a new connection. Writer only.
 *
 * On success the table owns every key object in *keys (freed when the
 * connection is updated past them or retired); on error the caller still
 * owns them.
 *
 * @return 0; -TERN_EINVAL (bad keys, CID already installed), -TERN_ENOBUFS
 *   (table full), -TERN_ENOMEM.
 */
int tern_keytable_install(struct tern_keytable *t, const struct tern_keytable_cid *cid,
			  const struct tern_keytable_keys *keys);

/**
 * Publish a new key state for an installed connection (next generation
 * ready, phase flipped, or previous keys dropped). Writer only.
 *
 * The key objects of *keys may include ones of the current state (shared,
 * not copied); objects of the current state that *keys does not name are
 * freed after the grace period. On success the table owns all of *keys; on
 * error nothing changes and the caller owns the objects it added.
 *
 * @return 0, -TERN_EINVAL (unknown CID, bad keys), -TERN_ENOMEM.
 */
int tern_keytable_update(struct tern_keytable *t, const struct tern_keytable_cid *cid,
			 const struct tern_keytable_keys *keys);

/**
 * Remove a connection. Its entry, state and keys are freed after the grace
 * period. Writer only.
 *
 * @return 0 or -TERN_EINVAL (unknown CID).
 */
int tern_keytable_retire(struct tern_keytable *t, const struct tern_keytable_cid *cid);

/**
 * The current state of a connection, for the writer (which alone may free
 * states, so it needs no RCU protection). Writer only.
 *
 * @return The state, or NULL if the CID is not installed.
 */
const struct tern_keystate *tern_keytable_get(const struct tern_keytable *t,
					      const struct tern_keytable_cid *cid);

/**
 * Free what every reader has stopped referencing; never waits. Writer only,
 * periodically (the control thread calls it on each loop).
 *
 * @return Number of deferred frees still pending.
 */
unsigned tern_keytable_reclaim(struct tern_keytable *t);

/** Snapshot of the writer statistics. Any thread. */
void tern_keytable_stats_get(const struct tern_keytable *t, struct tern_keytable_stats *st);

/** Live connections. Any thread. */
uint32_t tern_keytable_count(const struct tern_keytable *t);

#ifdef __cplusplus
}
#endif

#endif /* TERN_KEYTABLE_H */
