/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The control thread: sole writer of the workers' key tables, fed by an
 * MP/SC request ring (any thread) and one SP/SC event ring per worker;
 * answers on one SP/SC note ring per worker. Key update follows RFC 9001 6:
 * next keys exist before they are needed, previous receive keys are kept for
 * a configurable time after a flip and then retired.
 */

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <tern/control.h>

RTE_LOG_REGISTER(tern_ctrl_logtype, tern.ctrl, NOTICE);
#define CTRL_LOG(level, ...) rte_log(RTE_LOG_##level, tern_ctrl_logtype, "ctrl: " __VA_ARGS__)

#define CTRL_BURST 32

_Static_assert(sizeof(struct tern_ctrl_msg) == 64, "ring element size");

/* Drop previous receive keys of (worker, cid) at deadline, if the state is
 * still at generation. Deadlines are queued in order (constant delay). */
struct retire_timer {
	uint64_t deadline_ns;
	uint64_t generation;
	struct tern_keytable_cid cid;
	unsigned worker;
};

/* Counters written by the control thread only (relaxed), read by anyone. */
struct ctrl_worker {
	struct rte_ring *events; /* worker -> control, SP/SC */
	struct rte_ring *notes;	 /* control -> worker, SP/SC */
	struct tern_keytable *table;
	uint64_t phase_events, stale_events, prev_dropped, errors, notes_dropped;
} __attribute__((aligned(64)));

struct tern_ctrl {
	struct rte_ring *requests; /* any thread -> control, MP/SC */
	struct ctrl_worker *workers;
	unsigned n_workers;
	struct tern_crypto_ctx *crypto; /* used by the control thread only */
	uint64_t retire_ns;
	uint32_t idle_us;
	bool notify;
	pthread_t thread;
	bool started;
	int running; /* atomic flag */

	struct retire_timer *timers; /* FIFO, control thread only */
	size_t t_head, t_tail, t_cap;
};

static inline void
cnt_inc(uint64_t *p)
{
	/* One writer: load + store, no RMW. */
	__atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void
free_ext(const struct tern_ctrl_msg *m)
{
	if (m->ext == NULL)
		return;
	if (m->type == TERN_CTRL_REQ_INSTALL_SECRETS) {
		OPENSSL_cleanse(m->ext, sizeof(struct tern_ctrl_secrets));
	} else if (m->type == TERN_CTRL_REQ_INSTALL_KEYS) {
		struct tern_keytable_keys *k = m->ext;

		tern_quic_keys_free(k->rx_prev);
		tern_quic_keys_free(k->rx_cur);
		tern_quic_keys_free(k->rx_next);
		tern_quic_keys_free(k->tx_cur);
		tern_quic_keys_free(k->tx_next);
	}
	free(m->ext);
}

static void
note(struct tern_ctrl *c, const struct tern_ctrl_msg *req, uint16_t type, int status,
     uint64_t generation)
{
	struct ctrl_worker *w = &c->workers[req->worker];
	struct tern_ctrl_msg m;

	if (!c->notify)
		return;
	memset(&m, 0, sizeof(m));
	m.type = type;
	m.worker = req->worker;
	m.status = status;
	m.cid = req->cid;
	m.generation = generation;
	m.cookie = req->cookie;
	/* Never wait for a worker: a full ring loses the note, counted. */
	if (rte_ring_sp_enqueue_elem(w->notes, &m, sizeof(m)) != 0)
		cnt_inc(&w->notes_dropped);
}

static void
keys_free_all(struct tern_keytable_keys *k)
{
	tern_quic_keys_free(k->rx_prev);
	tern_quic_keys_free(k->rx_cur);
	tern_quic_keys_free(k->rx_next);
	tern_quic_keys_free(k->tx_cur);
	tern_quic_keys_free(k->tx_next);
	memset(k, 0, sizeof(*k));
}

/* Complete a key set with the next generations; install it (owned either way). */
static int
install_keys(struct tern_ctrl *c, struct ctrl_worker *w, const struct tern_keytable_cid *cid,
	     struct tern_keytable_keys *k)
{
	int rc = 0;

	if (k->rx_cur == NULL || k->tx_cur == NULL)
		rc = -TERN_EINVAL;
	if (rc == 0 && k->rx_next == NULL)
		rc = tern_quic_keys_next(c->crypto, k->rx_cur, &k->rx_next);
	if (rc == 0 && k->tx_next == NULL)
		rc = tern_quic_keys_next(c->crypto, k->tx_cur, &k->tx_next);
	if (rc == 0)
		rc = tern_keytable_install(w->table, cid, k);
	if (rc != 0)
		keys_free_all(k);
	return rc;
}

static int
install_secrets(struct tern_ctrl *c, struct ctrl_worker *w, const struct tern_keytable_cid *cid,
		const struct tern_ctrl_secrets *s)
{
	struct tern_keytable_keys k;
	int rc;

	memset(&k, 0, sizeof(k));
	rc = tern_quic_keys_create(c->crypto, s->version, s->cipher_suite, s->rx_secret,
				   s->secret_len, &k.rx_cur);
	if (rc == 0)
		rc = tern_quic_keys_create(c->crypto, s->version, s->cipher_suite, s->tx_secret,
					   s->secret_len, &k.tx_cur);
	if (rc != 0) {
		keys_free_all(&k);
		return rc;
	}
	return install_keys(c, w, cid, &k);
}

static void
handle_request(struct tern_ctrl *c, struct tern_ctrl_msg *m)
{
	struct ctrl_worker *w = &c->workers[m->worker];
	int rc;

	switch (m->type) {
	case TERN_CTRL_REQ_INSTALL_SECRETS:
		rc = install_secrets(c, w, &m->cid, m->ext);
		free_ext(m);
		if (rc != 0)
			cnt_inc(&w->errors);
		note(c, m, TERN_CTRL_NOTE_INSTALLED, rc, 0);
		break;
	case TERN_CTRL_REQ_INSTALL_KEYS: {
		struct tern_keytable_keys *k = m->ext;
		uint64_t g = k->rx_cur != NULL ? tern_quic_keys_generation(k->rx_cur) : 0;

		rc = install_keys(c, w, &m->cid, k); /* takes the key objects */
		free(m->ext);
		if (rc != 0)
			cnt_inc(&w->errors);
		note(c, m, TERN_CTRL_NOTE_INSTALLED, rc, g);
		break;
	}
	case TERN_CTRL_REQ_RETIRE:
		rc = tern_keytable_retire(w->table, &m->cid);
		if (rc != 0)
			cnt_inc(&w->errors);
		note(c, m, TERN_CTRL_NOTE_RETIRED, rc, 0);
		break;
	default:
		free_ext(m);
		cnt_inc(&w->errors);
		break;
	}
}

static void
timer_push(struct tern_ctrl *c, const struct retire_timer *t)
{
	if (c->t_tail - c->t_head == c->t_cap) {
		size_t ncap = c->t_cap * 2, i;
		struct retire_timer *n = malloc(ncap * sizeof(*n));

		if (n == NULL) {
			/* The previous keys then stay until the next flip: safe,
			 * just kept longer than asked. */
			CTRL_LOG(WARNING, "retire timer queue full\n");
			return;
		}
		for (i = c->t_head; i != c->t_tail; i++)
			n[i & (ncap - 1)] = c->timers[i & (c->t_cap - 1)];
		free(c->timers);
		c->timers = n;
		c->t_cap = ncap;
	}
	c->timers[c->t_tail & (c->t_cap - 1)] = *t;
	c->t_tail++;
}

/* A worker switched cid to generation g + 1 (RFC 9001 6.2). */
static void
handle_phase(struct tern_ctrl *c, struct ctrl_worker *w, const struct tern_ctrl_msg *m)
{
	const struct tern_keystate *st = tern_keytable_get(w->table, &m->cid);
	struct tern_keytable_keys k;
	struct tern_quic_keys *rx_nn = NULL, *tx_nn = NULL;
	struct retire_timer t;
	int rc;

	cnt_inc(&w->phase_events);
	/* Duplicates and reports that crossed a retire are normal: ignore. */
	if (st == NULL || m->generation != st->generation + 1) {
		cnt_inc(&w->stale_events);
		return;
	}
	if (st->rx_next == NULL || st->tx_next == NULL) {
		cnt_inc(&w->errors);
		return;
	}
	/* Next-next generation, so the peer's following update also finds its
	 * keys ready (RFC 9001 6.3). */
	rc = tern_quic_keys_next(c->crypto, st->rx_next, &rx_nn);
	if (rc == 0)
		rc = tern_quic_keys_next(c->crypto, st->tx_next, &tx_nn);
	if (rc == 0) {
		k.rx_prev = (struct tern_quic_keys *)st->rx_cur;
		k.rx_cur = (struct tern_quic_keys *)st->rx_next;
		k.rx_next = rx_nn;
		k.tx_cur = (struct tern_quic_keys *)st->tx_next;
		k.tx_next = tx_nn;
		rc = tern_keytable_update(w->table, &m->cid, &k);
	}
	if (rc != 0) {
		tern_quic_keys_free(rx_nn);
		tern_quic_keys_free(tx_nn);
		cnt_inc(&w->errors);
		return;
	}
	memset(&t, 0, sizeof(t));
	t.deadline_ns = now_ns() + c->retire_ns;
	t.generation = m->generation;
	t.cid = m->cid;
	t.worker = m->worker;
	timer_push(c, &t);
	note(c, m, TERN_CTRL_NOTE_KEYS_READY, 0, m->generation);
}

/* RFC 9001 6.5: old receive keys are discarded some time (~3 PTO) after
 * the update; the reclaim of the key objects then waits for quiescence. */
static unsigned
run_timers(struct tern_ctrl *c)
{
	uint64_t now = now_ns();
	unsigned done = 0;

	while (c->t_head != c->t_tail) {
		const struct retire_timer *t = &c->timers[c->t_head & (c->t_cap - 1)];
		struct ctrl_worker *w = &c->workers[t->worker];
		const struct tern_keystate *st;
		struct tern_keytable_keys k;

		if (t->deadline_ns > now)
			break;
		st = tern_keytable_get(w->table, &t->cid);
		if (st != NULL && st->generation == t->generation && st->rx_prev != NULL) {
			k.rx_prev = NULL;
			k.rx_cur = (struct tern_quic_keys *)st->rx_cur;
			k.rx_next = (struct tern_quic_keys *)st->rx_next;
			k.tx_cur = (struct tern_quic_keys *)st->tx_cur;
			k.tx_next = (struct tern_quic_keys *)st->tx_next;
			if (tern_keytable_update(w->table, &t->cid, &k) == 0)
				cnt_inc(&w->prev_dropped);
			else
				cnt_inc(&w->errors);
		}
		c->t_head++;
		done++;
	}
	return done;
}

static void *
ctrl_main(void *arg)
{
	struct tern_ctrl *c = arg;
	struct tern_ctrl_msg msgs[CTRL_BURST];
	unsigned i, j, n, work;

	while (__atomic_load_n(&c->running, __ATOMIC_ACQUIRE)) {
		work = 0;
		n = rte_ring_sc_dequeue_burst_elem(c->requests, msgs, sizeof(msgs[0]), CTRL_BURST,
						   NULL);
		for (i = 0; i < n; i++)
			handle_request(c, &msgs[i]);
		work += n;
		for (j = 0; j < c->n_workers; j++) {
			struct ctrl_worker *w = &c->workers[j];

			n = rte_ring_sc_dequeue_burst_elem(w->events, msgs, sizeof(msgs[0]),
							   CTRL_BURST, NULL);
			for (i = 0; i < n; i++) {
				msgs[i].worker = (uint16_t)j; /* trust the ring, not the field */
				if (msgs[i].type == TERN_CTRL_EV_KEY_PHASE)
					handle_phase(c, w, &msgs[i]);
				else
					cnt_inc(&w->errors);
			}
			work += n;
		}
		work += run_timers(c);
		for (j = 0; j < c->n_workers; j++)
			tern_keytable_reclaim(c->workers[j].table);
		if (work == 0) {
			struct timespec ts = {0, (long)c->idle_us * 1000};

			nanosleep(&ts, NULL);
		}
	}
	/* Drain what the readers already released (never waits). */
	for (j = 0; j < c->n_workers; j++)
		tern_keytable_reclaim(c->workers[j].table);
	return NULL;
}

static struct rte_ring *
ring_make(const char *prefix, const char *what, unsigned idx, unsigned size, int socket,
	  unsigned flags)
{
	char name[RTE_RING_NAMESIZE];

	snprintf(name, sizeof(name), "%s_%s%u", prefix, what, idx);
	return rte_ring_create_elem(name, sizeof(struct tern_ctrl_msg), size, socket,
				    flags | RING_F_EXACT_SZ);
}

int
tern_ctrl_create(const struct tern_ctrl_params *p, struct tern_ctrl **cp)
{
	struct tern_ctrl *c;
	unsigned i, size;
	int rc;

	if (cp == NULL)
		return -TERN_EINVAL;
	*cp = NULL;
	if (p == NULL || p->name == NULL || strlen(p->name) >= 16 || p->n_workers == 0 ||
	    p->n_workers > UINT16_MAX || p->tables == NULL)
		return -TERN_EINVAL;
	for (i = 0; i < p->n_workers; i++)
		if (p->tables[i] == NULL)
			return -TERN_EINVAL;
	size = p->ring_size != 0 ? p->ring_size : 1024;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -TERN_ENOMEM;
	c->n_workers = p->n_workers;
	c->retire_ns = p->key_retire_ns != 0 ? p->key_retire_ns : 1000000000ULL;
	c->idle_us = p->idle_sleep_us != 0 ? p->idle_sleep_us : 50;
	c->notify = p->notify_workers;
	c->t_cap = 256;
	c->timers = malloc(c->t_cap * sizeof(*c->timers));
	c->workers = aligned_alloc(64, RTE_ALIGN_CEIL(p->n_workers * sizeof(*c->workers), 64));
	if (c->timers == NULL || c->workers == NULL) {
		rc = -TERN_ENOMEM;
		goto err;
	}
	memset(c->workers, 0, p->n_workers * sizeof(*c->workers));
	rc = tern_crypto_ctx_create(p->backend, &c->crypto);
	if (rc != 0)
		goto err;
	c->requests = ring_make(p->name, "req", 0, size, p->socket_id, RING_F_SC_DEQ);
	if (c->requests == NULL)
		goto ring_err;
	for (i = 0; i < p->n_workers; i++) {
		c->workers[i].table = p->tables[i];
		c->workers[i].events = ring_make(p->name, "ev", i, size, p->socket_id,
						 RING_F_SP_ENQ | RING_F_SC_DEQ);
		c->workers[i].notes = ring_make(p->name, "nt", i, size, p->socket_id,
						RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (c->workers[i].events == NULL || c->workers[i].notes == NULL)
			goto ring_err;
	}
	*cp = c;
	return 0;

ring_err:
	CTRL_LOG(ERR, "ring create: %s\n", rte_strerror(rte_errno));
	rc = rte_errno == ENOMEM ? -TERN_ENOMEM : -TERN_EINTERNAL;
err:
	tern_ctrl_free(c);
	return rc;
}

int
tern_ctrl_start(struct tern_ctrl *c)
{
	if (c == NULL || c->started)
		return -TERN_EINVAL;
	__atomic_store_n(&c->running, 1, __ATOMIC_RELEASE);
	if (pthread_create(&c->thread, NULL, ctrl_main, c) != 0) {
		__atomic_store_n(&c->running, 0, __ATOMIC_RELEASE);
		return -TERN_EINTERNAL;
	}
	pthread_setname_np(c->thread, "tern-ctrl");
	c->started = true;
	return 0;
}

void
tern_ctrl_stop(struct tern_ctrl *c)
{
	if (c == NULL || !c->started)
		return;
	__atomic_store_n(&c->running, 0, __ATOMIC_RELEASE);
	pthread_join(c->thread, NULL);
	c->started = false;
}

static void
ring_drain_free(struct rte_ring *r)
{
	struct tern_ctrl_msg m;

	if (r == NULL)
		return;
	while (rte_ring_dequeue_elem(r, &m, sizeof(m)) == 0)
		free_ext(&m);
	rte_ring_free(r);
}

void
tern_ctrl_free(struct tern_ctrl *c)
{
	unsigned i;

	if (c == NULL)
		return;
	tern_ctrl_stop(c);
	ring_drain_free(c->requests);
	if (c->workers != NULL) {
		for (i = 0; i < c->n_workers; i++) {
			ring_drain_free(c->workers[i].events);
			ring_drain_free(c->workers[i].notes);
		}
	}
	free(c->workers);
	free(c->timers);
	tern_crypto_ctx_free(c->crypto);
	free(c);
}

int
tern_ctrl_submit(struct tern_ctrl *c, const struct tern_ctrl_msg *msg)
{
	if (c == NULL || msg == NULL || msg->worker >= c->n_workers ||
	    (msg->type != TERN_CTRL_REQ_INSTALL_SECRETS &&
	     msg->type != TERN_CTRL_REQ_INSTALL_KEYS && msg->type != TERN_CTRL_REQ_RETIRE))
		return -TERN_EINVAL;
	if ((msg->type == TERN_CTRL_REQ_RETIRE) != (msg->ext == NULL))
		return -TERN_EINVAL;
	if (rte_ring_mp_enqueue_elem(c->requests, (void *)msg, sizeof(*msg)) != 0)
		return -TERN_ENOBUFS;
	return 0;
}

static void
msg_init(struct tern_ctrl_msg *m, uint16_t type, unsigned worker,
	 const struct tern_keytable_cid *cid, uint64_t cookie)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->worker = (uint16_t)worker;
	m->cid = *cid;
	m->cookie = cookie;
}

int
tern_ctrl_install_secrets(struct tern_ctrl *c, unsigned worker, const struct tern_keytable_cid *cid,
			  uint32_t version, uint16_t cipher_suite, const uint8_t *rx_secret,
			  const uint8_t *tx_secret, size_t secret_len, uint64_t cookie)
{
	struct tern_ctrl_secrets *s;
	struct tern_ctrl_msg m;
	int rc;

	if (c == NULL || cid == NULL || rx_secret == NULL || tx_secret == NULL || secret_len == 0 ||
	    secret_len > TERN_HASH_MAX_LEN)
		return -TERN_EINVAL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -TERN_ENOMEM;
	s->version = version;
	s->cipher_suite = cipher_suite;
	s->secret_len = (uint8_t)secret_len;
	memcpy(s->rx_secret, rx_secret, secret_len);
	memcpy(s->tx_secret, tx_secret, secret_len);
	msg_init(&m, TERN_CTRL_REQ_INSTALL_SECRETS, worker, cid, cookie);
	m.ext = s;
	rc = tern_ctrl_submit(c, &m);
	if (rc != 0) {
		OPENSSL_cleanse(s, sizeof(*s));
		free(s);
	}
	return rc;
}

int
tern_ctrl_install_keys(struct tern_ctrl *c, unsigned worker, const struct tern_keytable_cid *cid,
		       const struct tern_keytable_keys *keys, uint64_t cookie)
{
	struct tern_keytable_keys *k;
	struct tern_ctrl_msg m;
	int rc;

	if (c == NULL || cid == NULL || keys == NULL || keys->rx_cur == NULL ||
	    keys->tx_cur == NULL)
		return -TERN_EINVAL;
	k = malloc(sizeof(*k));
	if (k == NULL)
		return -TERN_ENOMEM;
	*k = *keys;
	msg_init(&m, TERN_CTRL_REQ_INSTALL_KEYS, worker, cid, cookie);
	m.ext = k;
	rc = tern_ctrl_submit(c, &m);
	if (rc != 0)
		free(k); /* the caller keeps the key objects */
	return rc;
}

int
tern_ctrl_retire(struct tern_ctrl *c, unsigned worker, const struct tern_keytable_cid *cid,
		 uint64_t cookie)
{
	struct tern_ctrl_msg m;

	if (c == NULL || cid == NULL)
		return -TERN_EINVAL;
	msg_init(&m, TERN_CTRL_REQ_RETIRE, worker, cid, cookie);
	return tern_ctrl_submit(c, &m);
}

int
tern_ctrl_worker_report_phase(struct tern_ctrl *c, unsigned worker,
			      const struct tern_keytable_cid *cid, uint64_t generation)
{
	struct tern_ctrl_msg m;

	if (worker >= c->n_workers || cid == NULL)
		return -TERN_EINVAL;
	msg_init(&m, TERN_CTRL_EV_KEY_PHASE, worker, cid, 0);
	m.generation = generation;
	if (rte_ring_sp_enqueue_elem(c->workers[worker].events, &m, sizeof(m)) != 0)
		return -TERN_ENOBUFS;
	return 0;
}

unsigned
tern_ctrl_worker_poll(struct tern_ctrl *c, unsigned worker, struct tern_ctrl_msg *msgs, unsigned n)
{
	if (worker >= c->n_workers)
		return 0;
	return rte_ring_sc_dequeue_burst_elem(c->workers[worker].notes, msgs, sizeof(*msgs), n,
					      NULL);
}

int
tern_ctrl_worker_stats_get(const struct tern_ctrl *c, unsigned worker,
			   struct tern_ctrl_worker_stats *st)
{
	const struct ctrl_worker *w;
	struct tern_keytable_stats ks;

	if (c == NULL || st == NULL || worker >= c->n_workers)
		return -TERN_EINVAL;
	w = &c->workers[worker];
	tern_keytable_stats_get(w->table, &ks);
	st->installs = ks.installs;
	st->updates = ks.updates;
	st->retires = ks.retires;
	st->pending_reclaim = ks.pending_reclaim;
	st->conns = ks.count;
	st->phase_events = __atomic_load_n(&w->phase_events, __ATOMIC_RELAXED);
	st->stale_events = __atomic_load_n(&w->stale_events, __ATOMIC_RELAXED);
	st->prev_dropped = __atomic_load_n(&w->prev_dropped, __ATOMIC_RELAXED);
	st->errors = __atomic_load_n(&w->errors, __ATOMIC_RELAXED);
	st->notes_dropped = __atomic_load_n(&w->notes_dropped, __ATOMIC_RELAXED);
	return 0;
}

unsigned
tern_ctrl_pending_requests(const struct tern_ctrl *c)
{
	return rte_ring_count(c->requests);
}
