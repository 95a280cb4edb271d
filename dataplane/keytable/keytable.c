/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-lcore key tables: rte_hash (lock-free readers) from CID to an entry
 * whose key-state pointer the control thread replaces with one release
 * store; replaced material is freed after an RCU (QSBR) grace period.
 *
 * Why not rte_hash_rcu_qsbr_add(): the hash's own defer queue reclaims only
 * hash positions and frees our data at times we cannot observe; key states
 * replaced by an update (not a delete) need a queue anyway, and one FIFO of
 * {token, what} keeps "pending reclaims" exact and the writer non-blocking.
 * The rte_rcu_qsbr_dq API is also still experimental in DPDK 22.11.
 */

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include <tern/keytable.h>

RTE_LOG_REGISTER(tern_keytable_logtype, tern.keytable, NOTICE);
#define KT_LOG(level, ...) rte_log(RTE_LOG_##level, tern_keytable_logtype, "keytable: " __VA_ARGS__)

enum deferred_kind {
	DEFER_STATE = 1, /* struct tern_keystate */
	DEFER_KEYS,	 /* struct tern_quic_keys */
	DEFER_ENTRY,	 /* hash position + entry index */
};

struct deferred {
	uint64_t token;
	void *ptr;
	int32_t pos;
	uint32_t index;
	enum deferred_kind kind;
};

struct tern_keytable {
	struct rte_hash *hash;
	struct rte_rcu_qsbr *qsbr;
	struct tern_keytable_entry *entries;
	uint32_t *free_idx; /* stack of free entry indexes (writer only) */
	uint32_t n_free;
	uint32_t n_entries; /* capacity + slack for entries awaiting reclaim */
	uint32_t capacity;
	uint32_t count;
	uint32_t max_readers;
	uint64_t serial;

	/* FIFO of deferred frees, ordered by token (writer only). */
	struct deferred *dq;
	uint64_t dq_head, dq_tail; /* free-running; size = tail - head */
	uint64_t dq_cap;	   /* power of two */

	/* Written by the writer (relaxed atomics), read by anyone. */
	uint64_t st_installs, st_updates, st_retires, st_reclaimed, st_failures;
	uint64_t st_pending;
	uint32_t st_count;
	char name[RTE_HASH_NAMESIZE];
};

static inline void
stat_set(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static inline void
stat_inc(uint64_t *p)
{
	/* Single writer: a plain load + store, not an atomic RMW. */
	__atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
}

/* --- state checksum ------------------------------------------------------ */

static uint64_t
state_checksum(const struct tern_keystate *st)
{
	const unsigned char *p = (const unsigned char *)st;
	uint64_t h = 0x9e3779b97f4a7c15ULL, w;
	size_t i;

	for (i = 0; i + 8 <= offsetof(struct tern_keystate, check); i += 8) {
		memcpy(&w, p + i, 8);
		h ^= w;
		h *= 0xff51afd7ed558ccdULL;
		h ^= h >> 33;
	}
	return h;
}

bool
tern_keystate_verify(const struct tern_keystate *st)
{
	uint64_t g;

	if (st == NULL || st->check != state_checksum(st))
		return false;
	g = st->generation;
	if (st->rx_cur == NULL || st->tx_cur == NULL || st->key_phase != (g & 1))
		return false;
	if (tern_quic_keys_generation(st->rx_cur) != g ||
	    tern_quic_keys_generation(st->tx_cur) != g)
		return false;
	if (st->rx_next != NULL && tern_quic_keys_generation(st->rx_next) != g + 1)
		return false;
	if (st->tx_next != NULL && tern_quic_keys_generation(st->tx_next) != g + 1)
		return false;
	if (st->rx_prev != NULL && (g == 0 || tern_quic_keys_generation(st->rx_prev) != g - 1))
		return false;
	return true;
}

/* --- deferred frees ------------------------------------------------------- */

/* Make room for n pushes up front so an operation never fails half-done. */
static int
dq_reserve(struct tern_keytable *t, unsigned n)
{
	while (t->dq_cap - (t->dq_tail - t->dq_head) < n) {
		uint64_t ncap = t->dq_cap * 2, i;
		struct deferred *nq = malloc(ncap * sizeof(*nq));

		if (nq == NULL)
			return -TERN_ENOMEM;
		for (i = t->dq_head; i != t->dq_tail; i++)
			nq[i & (ncap - 1)] = t->dq[i & (t->dq_cap - 1)];
		free(t->dq);
		t->dq = nq;
		t->dq_cap = ncap;
	}
	return 0;
}

static void
dq_push(struct tern_keytable *t, const struct deferred *d)
{
	/* Room was reserved by the caller (dq_reserve). */
	t->dq[t->dq_tail & (t->dq_cap - 1)] = *d;
	t->dq_tail++;
}

static void
state_free(struct tern_keystate *st)
{
	OPENSSL_cleanse(st, sizeof(*st));
	free(st);
}

static void
deferred_run(struct tern_keytable *t, const struct deferred *d)
{
	switch (d->kind) {
	case DEFER_STATE:
		state_free(d->ptr);
		break;
	case DEFER_KEYS:
		tern_quic_keys_free(d->ptr);
		break;
	case DEFER_ENTRY:
		rte_hash_free_key_with_position(t->hash, d->pos);
		__atomic_store_n(&t->entries[d->index].state, NULL, __ATOMIC_RELAXED);
		t->free_idx[t->n_free++] = d->index;
		break;
	}
}

unsigned
tern_keytable_reclaim(struct tern_keytable *t)
{
	while (t->dq_head != t->dq_tail) {
		const struct deferred *d = &t->dq[t->dq_head & (t->dq_cap - 1)];

		/* Tokens grow with the FIFO: the first unexpired one ends it. */
		if (rte_rcu_qsbr_check(t->qsbr, d->token, false) != 1)
			break;
		deferred_run(t, d);
		t->dq_head++;
		stat_inc(&t->st_reclaimed);
	}
	stat_set(&t->st_pending, t->dq_tail - t->dq_head);
	return (unsigned)(t->dq_tail - t->dq_head);
}

/* --- create / free -------------------------------------------------------- */

int
tern_keytable_create(const struct tern_keytable_params *params, struct tern_keytable **tp)
{
	struct rte_hash_parameters hp;
	struct tern_keytable *t;
	size_t qsz;
	uint32_t i;

	if (tp == NULL)
		return -TERN_EINVAL;
	*tp = NULL;
	if (params == NULL || params->name == NULL ||
	    strlen(params->name) + 1 > RTE_HASH_NAMESIZE ||
	    params->capacity < TERN_KEYTABLE_CAPACITY_MIN || params->capacity > (1u << 26) ||
	    params->max_readers == 0 || params->max_readers > RTE_MAX_LCORE)
		return -TERN_EINVAL;

	t = rte_zmalloc_socket("tern_keytable", sizeof(*t), RTE_CACHE_LINE_SIZE, params->socket_id);
	if (t == NULL)
		return -TERN_ENOMEM;
	snprintf(t->name, sizeof(t->name), "%s", params->name);
	t->capacity = params->capacity;
	t->max_readers = params->max_readers;
	/* Slack: retired entries keep their hash position and entry until the
	 * grace period ends, so churn at full capacity needs room. */
	t->n_entries = params->capacity + params->capacity / 8 + 64;

	t->entries = rte_zmalloc_socket("tern_keytable_entries",
					(size_t)t->n_entries * sizeof(*t->entries),
					RTE_CACHE_LINE_SIZE, params->socket_id);
	t->free_idx = rte_malloc_socket("tern_keytable_free", (size_t)t->n_entries * 4, 0,
					params->socket_id);
	qsz = rte_rcu_qsbr_get_memsize(params->max_readers);
	t->qsbr = rte_zmalloc_socket("tern_keytable_qsbr", qsz, RTE_CACHE_LINE_SIZE,
				     params->socket_id);
	t->dq_cap = 1024;
	t->dq = malloc(t->dq_cap * sizeof(*t->dq));
	if (t->entries == NULL || t->free_idx == NULL || t->qsbr == NULL || t->dq == NULL)
		goto nomem;
	if (rte_rcu_qsbr_init(t->qsbr, params->max_readers) != 0)
		goto internal;
	for (i = 0; i < t->n_entries; i++) {
		t->entries[i].index = i;
		t->free_idx[i] = t->n_entries - 1 - i;
	}
	t->n_free = t->n_entries;

	memset(&hp, 0, sizeof(hp));
	hp.name = t->name;
	hp.entries = t->n_entries;
	hp.key_len = sizeof(struct tern_keytable_cid);
	hp.hash_func = rte_hash_crc;
	hp.socket_id = params->socket_id;
	/* LF: readers never lock; EXT_TABLE: the full capacity always fits
	 * (no cuckoo-path failure at high load). */
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF | RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
	t->hash = rte_hash_create(&hp);
	if (t->hash == NULL) {
		KT_LOG(ERR, "rte_hash_create(%s): %s\n", t->name, rte_strerror(rte_errno));
		if (rte_errno == ENOMEM || rte_errno == ENOSPC)
			goto nomem;
		goto internal;
	}
	*tp = t;
	return 0;

nomem:
	tern_keytable_free(t);
	return -TERN_ENOMEM;
internal:
	tern_keytable_free(t);
	return -TERN_EINTERNAL;
}

static void
state_free_keys(struct tern_keystate *st)
{
	tern_quic_keys_free((struct tern_quic_keys *)st->rx_prev);
	tern_quic_keys_free((struct tern_quic_keys *)st->rx_cur);
	tern_quic_keys_free((struct tern_quic_keys *)st->rx_next);
	tern_quic_keys_free((struct tern_quic_keys *)st->tx_cur);
	tern_quic_keys_free((struct tern_quic_keys *)st->tx_next);
}

void
tern_keytable_free(struct tern_keytable *t)
{
	uint32_t i;

	if (t == NULL)
		return;
	/* No reader is online (documented precondition): run everything. */
	while (t->dq != NULL && t->dq_head != t->dq_tail) {
		deferred_run(t, &t->dq[t->dq_head & (t->dq_cap - 1)]);
		t->dq_head++;
	}
	if (t->entries != NULL) {
		for (i = 0; i < t->n_entries; i++) {
			struct tern_keystate *st = (struct tern_keystate *)t->entries[i].state;

			if (st != NULL) {
				state_free_keys(st);
				state_free(st);
			}
		}
	}
	rte_hash_free(t->hash);
	free(t->dq);
	rte_free(t->qsbr);
	if (t->entries != NULL)
		memset(t->entries, 0, (size_t)t->n_entries * sizeof(*t->entries));
	rte_free(t->entries);
	rte_free(t->free_idx);
	rte_free(t);
}

struct rte_rcu_qsbr *
tern_keytable_qsbr(struct tern_keytable *t)
{
	return t->qsbr;
}

/* --- readers -------------------------------------------------------------- */

int
tern_keytable_reader_register(struct tern_keytable *t, unsigned reader_id)
{
	if (t == NULL || reader_id >= t->max_readers)
		return -TERN_EINVAL;
	if (rte_rcu_qsbr_thread_register(t->qsbr, reader_id) != 0)
		return -TERN_EINVAL;
	rte_rcu_qsbr_thread_online(t->qsbr, reader_id);
	return 0;
}

void
tern_keytable_reader_unregister(struct tern_keytable *t, unsigned reader_id)
{
	if (t == NULL || reader_id >= t->max_readers)
		return;
	rte_rcu_qsbr_thread_offline(t->qsbr, reader_id);
	rte_rcu_qsbr_thread_unregister(t->qsbr, reader_id);
}

void
tern_keytable_quiescent(struct tern_keytable *t, unsigned reader_id)
{
	rte_rcu_qsbr_quiescent(t->qsbr, reader_id);
}

struct tern_keytable_entry *
tern_keytable_lookup(const struct tern_keytable *t, const struct tern_keytable_cid *cid)
{
	void *data;

	if (rte_hash_lookup_data(t->hash, cid, &data) < 0)
		return NULL;
	return data;
}

int
tern_keytable_lookup_bulk(const struct tern_keytable *t, const struct tern_keytable_cid *cids,
			  unsigned n, struct tern_keytable_entry **entries)
{
	const void *keys[TERN_KEYTABLE_BULK_MAX];
	void *data[TERN_KEYTABLE_BULK_MAX];
	uint64_t hits = 0;
	unsigned i;
	int rc;

	if (n > TERN_KEYTABLE_BULK_MAX)
		return -TERN_EINVAL;
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		keys[i] = &cids[i];
	rc = rte_hash_lookup_bulk_data(t->hash, keys, n, &hits, data);
	if (rc < 0)
		return -TERN_EINVAL;
	/* Misses leave their data slot untouched: make them NULL. */
	for (i = 0; i < n; i++)
		entries[i] = (hits & (1ULL << i)) ? data[i] : NULL;
	return rc;
}

/* --- writer --------------------------------------------------------------- */

static bool
keys_valid(const struct tern_keytable_keys *k)
{
	const struct tern_quic_keys *all[5];
	uint64_t g;
	uint32_t v;
	unsigned i, j;

	if (k == NULL || k->rx_cur == NULL || k->tx_cur == NULL)
		return false;
	g = tern_quic_keys_generation(k->rx_cur);
	v = tern_quic_keys_version(k->rx_cur);
	if (tern_quic_keys_generation(k->tx_cur) != g)
		return false;
	if (k->rx_next != NULL && tern_quic_keys_generation(k->rx_next) != g + 1)
		return false;
	if (k->tx_next != NULL && tern_quic_keys_generation(k->tx_next) != g + 1)
		return false;
	if (k->rx_prev != NULL && (g == 0 || tern_quic_keys_generation(k->rx_prev) != g - 1))
		return false;
	all[0] = k->rx_prev;
	all[1] = k->rx_cur;
	all[2] = k->rx_next;
	all[3] = k->tx_cur;
	all[4] = k->tx_next;
	for (i = 0; i < 5; i++) {
		if (all[i] == NULL)
			continue;
		if (tern_quic_keys_version(all[i]) != v)
			return false;
		/* One object in two roles would be freed twice. */
		for (j = i + 1; j < 5; j++)
			if (all[i] == all[j])
				return false;
	}
	return true;
}

static struct tern_keystate *
state_new(struct tern_keytable *t, const struct tern_keytable_cid *cid,
	  const struct tern_keytable_keys *k)
{
	/* Line-aligned: the pointers and generation a reader takes per packet
	 * then share one cache line. Padding zero for the checksum. */
	struct tern_keystate *st = aligned_alloc(64, RTE_ALIGN_CEIL(sizeof(*st), 64));

	if (st == NULL)
		return NULL;
	memset(st, 0, sizeof(*st));
	st->rx_prev = k->rx_prev;
	st->rx_cur = k->rx_cur;
	st->rx_next = k->rx_next;
	st->tx_cur = k->tx_cur;
	st->tx_next = k->tx_next;
	st->generation = tern_quic_keys_generation(k->rx_cur);
	st->key_phase = (uint8_t)(st->generation & 1);
	st->serial = ++t->serial;
	st->cid = *cid;
	st->check = state_checksum(st);
	return st;
}

static bool
cid_valid(const struct tern_keytable_cid *cid)
{
	unsigned i;

	if (cid == NULL || cid->len > TERN_QUIC_MAX_CID_LEN)
		return false;
	/* Padding is part of the hash key: it must be canonical. */
	for (i = cid->len; i < TERN_QUIC_MAX_CID_LEN; i++)
		if (cid->bytes[i] != 0)
			return false;
	return cid->pad[0] == 0 && cid->pad[1] == 0 && cid->pad[2] == 0;
}

static int
fail(struct tern_keytable *t, int rc)
{
	stat_inc(&t->st_failures);
	return rc;
}

int
tern_keytable_install(struct tern_keytable *t, const struct tern_keytable_cid *cid,
		      const struct tern_keytable_keys *keys)
{
	struct tern_keytable_entry *e;
	struct tern_keystate *st;
	uint32_t idx;
	int rc;

	if (t == NULL)
		return -TERN_EINVAL;
	if (!cid_valid(cid) || !keys_valid(keys) || tern_keytable_lookup(t, cid) != NULL)
		return fail(t, -TERN_EINVAL);
	if (t->count >= t->capacity)
		return fail(t, -TERN_ENOBUFS);
	if (t->n_free == 0)
		tern_keytable_reclaim(t);
	if (t->n_free == 0)
		return fail(t, -TERN_ENOBUFS); /* retired entries still in grace */
	st = state_new(t, cid, keys);
	if (st == NULL)
		return fail(t, -TERN_ENOMEM);

	idx = t->free_idx[t->n_free - 1];
	e = &t->entries[idx];
	/* Not reachable by readers yet (freed only after a grace period). */
	memset(&e->conn, 0, sizeof(e->conn));
	e->conn.rx_largest_pn = -1;
	e->conn.local_generation = st->generation;
	__atomic_store_n(&e->state, st, __ATOMIC_RELEASE);
	/* The LF hash publishes the key/data pair with release semantics. */
	rc = rte_hash_add_key_data(t->hash, cid, e);
	if (rc != 0) {
		__atomic_store_n(&e->state, NULL, __ATOMIC_RELAXED);
		state_free(st);
		KT_LOG(ERR, "%s: rte_hash_add_key_data: %d\n", t->name, rc);
		return fail(t, rc == -ENOSPC ? -TERN_ENOBUFS : -TERN_EINTERNAL);
	}
	t->n_free--;
	t->count++;
	__atomic_store_n(&t->st_count, t->count, __ATOMIC_RELAXED);
	stat_inc(&t->st_installs);
	return 0;
}

static bool
state_names(const struct tern_keytable_keys *k, const struct tern_quic_keys *p)
{
	return p == k->rx_prev || p == k->rx_cur || p == k->rx_next || p == k->tx_cur ||
	       p == k->tx_next;
}

int
tern_keytable_update(struct tern_keytable *t, const struct tern_keytable_cid *cid,
		     const struct tern_keytable_keys *keys)
{
	const struct tern_quic_keys *old_keys[5];
	struct tern_keytable_entry *e;
	struct tern_keystate *old, *st;
	struct deferred d;
	uint64_t token;
	unsigned i;

	if (t == NULL)
		return -TERN_EINVAL;
	if (!cid_valid(cid) || !keys_valid(keys))
		return fail(t, -TERN_EINVAL);
	e = tern_keytable_lookup(t, cid);
	if (e == NULL)
		return fail(t, -TERN_EINVAL);
	if (dq_reserve(t, 6) != 0)
		return fail(t, -TERN_ENOMEM);
	st = state_new(t, cid, keys);
	if (st == NULL)
		return fail(t, -TERN_ENOMEM);

	old = (struct tern_keystate *)e->state;
	/* The single publication point (DESIGN.md: one atomic pointer store). */
	__atomic_store_n(&e->state, st, __ATOMIC_RELEASE);
	token = rte_rcu_qsbr_start(t->qsbr);

	old_keys[0] = old->rx_prev;
	old_keys[1] = old->rx_cur;
	old_keys[2] = old->rx_next;
	old_keys[3] = old->tx_cur;
	old_keys[4] = old->tx_next;
	memset(&d, 0, sizeof(d));
	d.token = token;
	for (i = 0; i < 5; i++) {
		if (old_keys[i] == NULL || state_names(keys, old_keys[i]))
			continue;
		d.kind = DEFER_KEYS;
		d.ptr = (void *)old_keys[i];
		dq_push(t, &d);
	}
	d.kind = DEFER_STATE;
	d.ptr = old;
	dq_push(t, &d);
	stat_set(&t->st_pending, t->dq_tail - t->dq_head);
	stat_inc(&t->st_updates);
	return 0;
}

int
tern_keytable_retire(struct tern_keytable *t, const struct tern_keytable_cid *cid)
{
	struct tern_keytable_entry *e;
	struct tern_keystate *old;
	const struct tern_quic_keys *old_keys[5];
	struct deferred d;
	int32_t pos;
	unsigned i;

	if (t == NULL)
		return -TERN_EINVAL;
	if (!cid_valid(cid))
		return fail(t, -TERN_EINVAL);
	e = tern_keytable_lookup(t, cid);
	if (e == NULL)
		return fail(t, -TERN_EINVAL);
	if (dq_reserve(t, 7) != 0)
		return fail(t, -TERN_ENOMEM);
	old = (struct tern_keystate *)e->state;
	/* With RW_CONCURRENCY_LF the position stays allocated (readers may still
	 * be comparing its key) until rte_hash_free_key_with_position(). */
	pos = rte_hash_del_key(t->hash, cid);
	if (pos < 0)
		return fail(t, -TERN_EINTERNAL);

	memset(&d, 0, sizeof(d));
	d.token = rte_rcu_qsbr_start(t->qsbr);
	old_keys[0] = old->rx_prev;
	old_keys[1] = old->rx_cur;
	old_keys[2] = old->rx_next;
	old_keys[3] = old->tx_cur;
	old_keys[4] = old->tx_next;
	for (i = 0; i < 5; i++) {
		if (old_keys[i] == NULL)
			continue;
		d.kind = DEFER_KEYS;
		d.ptr = (void *)old_keys[i];
		dq_push(t, &d);
	}
	d.kind = DEFER_STATE;
	d.ptr = old;
	dq_push(t, &d);
	d.kind = DEFER_ENTRY;
	d.ptr = NULL;
	d.pos = pos;
	d.index = e->index;
	dq_push(t, &d);
	t->count--;
	__atomic_store_n(&t->st_count, t->count, __ATOMIC_RELAXED);
	stat_set(&t->st_pending, t->dq_tail - t->dq_head);
	stat_inc(&t->st_retires);
	return 0;
}

const struct tern_keystate *
tern_keytable_get(const struct tern_keytable *t, const struct tern_keytable_cid *cid)
{
	struct tern_keytable_entry *e;

	if (t == NULL || !cid_valid(cid))
		return NULL;
	e = tern_keytable_lookup(t, cid);
	return e != NULL ? e->state : NULL;
}

void
tern_keytable_stats_get(const struct tern_keytable *t, struct tern_keytable_stats *st)
{
	st->installs = __atomic_load_n(&t->st_installs, __ATOMIC_RELAXED);
	st->updates = __atomic_load_n(&t->st_updates, __ATOMIC_RELAXED);
	st->retires = __atomic_load_n(&t->st_retires, __ATOMIC_RELAXED);
	st->reclaimed = __atomic_load_n(&t->st_reclaimed, __ATOMIC_RELAXED);
	st->pending_reclaim = __atomic_load_n(&t->st_pending, __ATOMIC_RELAXED);
	st->failures = __atomic_load_n(&t->st_failures, __ATOMIC_RELAXED);
	st->count = __atomic_load_n(&t->st_count, __ATOMIC_RELAXED);
	st->capacity = t->capacity;
}

uint32_t
tern_keytable_count(const struct tern_keytable *t)
{
	return __atomic_load_n(&t->st_count, __ATOMIC_RELAXED);
}
