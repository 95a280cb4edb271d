/* SPDX-License-Identifier: Apache-2.0 */
#include "dataplane/quic/quic_stream.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <tern/error.h>

#include "dataplane/quic/quic_error.h"
#include "dataplane/quic/quic_fc.h"
#include "dataplane/quic/quic_rangeset.h"

/* Sending part states (RFC 9000 3.1). */
enum send_state {
	SS_READY,
	SS_SEND,
	SS_DATA_SENT,
	SS_DATA_RECVD,
	SS_RESET_SENT,
	SS_RESET_RECVD,
};

/* Receiving part states (RFC 9000 3.2). */
enum recv_state {
	RS_RECV,
	RS_SIZE_KNOWN,
	RS_DATA_RECVD,
	RS_DATA_READ,
	RS_RESET_RECVD,
	RS_RESET_READ,
};

/* Per-stream control frames due. */
#define CTRL_RESET_STREAM	 0x1
#define CTRL_STOP_SENDING	 0x2
#define CTRL_MAX_STREAM_DATA	 0x4
#define CTRL_STREAM_DATA_BLOCKED 0x8

/* Frame types (RFC 9000 19). */
#define FT_RESET_STREAM		0x04
#define FT_STOP_SENDING		0x05
#define FT_MAX_DATA		0x10
#define FT_MAX_STREAM_DATA	0x11
#define FT_MAX_STREAMS_BIDI	0x12
#define FT_MAX_STREAMS_UNI	0x13
#define FT_DATA_BLOCKED		0x14
#define FT_STREAM_DATA_BLOCKED	0x15
#define FT_STREAMS_BLOCKED_BIDI 0x16
#define FT_STREAMS_BLOCKED_UNI	0x17

#define LIST_READABLE 0
#define LIST_WRITABLE 1
#define LIST_CTRL     2
#define LIST_COUNT    3

#define NO_HEAP		 UINT32_MAX
#define FINAL_UNKNOWN	 UINT64_MAX
#define SEND_CAP_DEFAULT ((size_t)1 << 20)
#define RING_MIN	 4096
#define SEND_RANGES_MAX	 256
#define HASH_MIN_SLOTS	 16

struct link {
	struct tern_quic_stream *prev, *next;
};

struct list {
	struct tern_quic_stream *head, *tail;
	size_t n;
};

struct tern_quic_stream {
	uint64_t id;
	uint64_t seq;	   /* round-robin position of an incremental stream */
	uint32_t heap_idx; /* NO_HEAP when not sendable */
	uint8_t urgency;
	bool incremental;
	uint8_t in_list; /* bit per LIST_* */
	uint8_t ctrl;	 /* CTRL_* due */
	struct link l[LIST_COUNT];

	/* Sending part: bytes [ack_base, write_off) are buffered in sbuf at
	 * offset % scap; [ack_base, send_off) were sent at least once. */
	bool has_send;
	uint8_t sstate;
	bool fin_set;	  /* the application ended the stream at write_off */
	bool fin_pending; /* the fin still has to go out (first time or lost) */
	bool fin_acked;
	bool stopped; /* the peer sent STOP_SENDING */
	uint8_t *sbuf;
	uint64_t scap;
	uint64_t ack_base, send_off, write_off;
	struct tern_quic_rangeset acked; /* acknowledged above ack_base */
	struct tern_quic_rangeset lost;	 /* to send again */
	struct tern_quic_fc_tx tx;
	uint64_t reset_err, reset_final; /* our RESET_STREAM */
	uint64_t stop_err_rx;		 /* the peer's STOP_SENDING */

	/* Receiving part: [read_off, read_off + rcap) maps to rbuf at
	 * offset % rcap; recvd holds what arrived at or above read_off. */
	bool has_recv;
	uint8_t rstate;
	bool read_shutdown; /* we sent (or will send) STOP_SENDING: drain */
	bool reset_rx;	    /* the peer reset the stream */
	uint8_t *rbuf;
	uint64_t rcap;
	uint64_t read_off, final_size;
	struct tern_quic_rangeset recvd;
	struct tern_quic_fc_rx rx;
	uint64_t reset_err_rx; /* the peer's RESET_STREAM */
	uint64_t stop_err;     /* our STOP_SENDING */
};

struct tern_quic_streams {
	struct tern_quic_streams_config cfg;
	size_t send_capacity;

	/* id -> stream: open addressing, linear probing, load <= 1/2. */
	struct tern_quic_stream **slots;
	size_t nslots, count;
	unsigned hash_bits;

	/* Sendable streams, a binary min-heap in send order. */
	struct tern_quic_stream **heap;
	uint32_t heap_n, heap_cap;
	uint64_t seq;

	struct list lists[LIST_COUNT];

	/* Connection flow control. */
	struct tern_quic_fc_rx rx;
	struct tern_quic_fc_tx tx;
	bool max_data_due, data_blocked_due;

	/* Stream counts; index 0 bidirectional, 1 unidirectional. */
	uint64_t local_opened[2];     /* our streams opened (next index) */
	uint64_t peer_max_streams[2]; /* how many the peer lets us open */
	uint64_t streams_blocked_at[2];
	bool streams_blocked_due[2];
	uint64_t remote_opened[2];     /* the peer's streams opened */
	uint64_t local_max_streams[2]; /* limit advertised to the peer */
	uint64_t local_max_next[2];    /* limit to advertise next */
	bool max_streams_due[2];

	struct tern_quic_streams_peer_params peer;
	uint64_t retrans_bytes;
};

/* --- ids -------------------------------------------------------------------------- */

static inline bool
id_is_local(const struct tern_quic_streams *m, uint64_t id)
{
	return ((id & TERN_QUIC_STREAM_SERVER_INITIATED) != 0) == m->cfg.is_server;
}

static inline unsigned
id_dir(uint64_t id)
{
	return (id & TERN_QUIC_STREAM_UNI) != 0 ? 1 : 0;
}

static inline uint64_t
min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* --- hash table ------------------------------------------------------------------- */

static inline size_t
hash_slot(const struct tern_quic_streams *m, uint64_t id)
{
	return (size_t)((id * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - m->hash_bits));
}

static struct tern_quic_stream *
hash_get(const struct tern_quic_streams *m, uint64_t id)
{
	size_t mask = m->nslots - 1, i = hash_slot(m, id);

	for (;;) {
		struct tern_quic_stream *s = m->slots[i];

		if (s == NULL)
			return NULL;
		if (s->id == id)
			return s;
		i = (i + 1) & mask;
	}
}

static void
hash_place(struct tern_quic_streams *m, struct tern_quic_stream *s)
{
	size_t mask = m->nslots - 1, i = hash_slot(m, s->id);

	while (m->slots[i] != NULL)
		i = (i + 1) & mask;
	m->slots[i] = s;
}

static int
hash_put(struct tern_quic_streams *m, struct tern_quic_stream *s)
{
	if ((m->count + 1) * 2 > m->nslots) {
		struct tern_quic_stream **old = m->slots;
		size_t oldn = m->nslots, i;
		struct tern_quic_stream **ns = calloc(oldn * 2, sizeof(*ns));

		if (ns == NULL)
			return -TERN_ENOMEM;
		m->slots = ns;
		m->nslots = oldn * 2;
		m->hash_bits++;
		for (i = 0; i < oldn; i++)
			if (old[i] != NULL)
				hash_place(m, old[i]);
		free(old);
	}
	hash_place(m, s);
	m->count++;
	return 0;
}

static void
hash_del(struct tern_quic_streams *m, uint64_t id)
{
	size_t mask = m->nslots - 1, i = hash_slot(m, id), j;

	while (m->slots[i] != NULL && m->slots[i]->id != id)
		i = (i + 1) & mask;
	if (m->slots[i] == NULL)
		return;
	m->slots[i] = NULL;
	m->count--;
	/* Backward-shift deletion: move later members of the probe run into
	 * the hole when their home slot allows, so lookups need no tombstones. */
	j = i;
	for (;;) {
		size_t k;

		j = (j + 1) & mask;
		if (m->slots[j] == NULL)
			return;
		k = hash_slot(m, m->slots[j]->id);
		/* Leave slots[j] if its home k lies cyclically in (i, j]. */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		m->slots[i] = m->slots[j];
		m->slots[j] = NULL;
		i = j;
	}
}

/* --- lists ------------------------------------------------------------------------ */

static void
list_add(struct tern_quic_streams *m, struct tern_quic_stream *s, unsigned k)
{
	struct list *l = &m->lists[k];

	if (s->in_list & (1u << k))
		return;
	s->in_list |= (uint8_t)(1u << k);
	s->l[k].next = NULL;
	s->l[k].prev = l->tail;
	if (l->tail != NULL)
		l->tail->l[k].next = s;
	else
		l->head = s;
	l->tail = s;
	l->n++;
}

static void
list_del(struct tern_quic_streams *m, struct tern_quic_stream *s, unsigned k)
{
	struct list *l = &m->lists[k];

	if (!(s->in_list & (1u << k)))
		return;
	s->in_list &= (uint8_t) ~(1u << k);
	if (s->l[k].prev != NULL)
		s->l[k].prev->l[k].next = s->l[k].next;
	else
		l->head = s->l[k].next;
	if (s->l[k].next != NULL)
		s->l[k].next->l[k].prev = s->l[k].prev;
	else
		l->tail = s->l[k].prev;
	s->l[k].prev = s->l[k].next = NULL;
	l->n--;
}

static void
ctrl_set(struct tern_quic_streams *m, struct tern_quic_stream *s, uint8_t flag)
{
	s->ctrl |= flag;
	list_add(m, s, LIST_CTRL);
}

static void
ctrl_clear(struct tern_quic_streams *m, struct tern_quic_stream *s, uint8_t flag)
{
	s->ctrl &= (uint8_t)~flag;
	if (s->ctrl == 0)
		list_del(m, s, LIST_CTRL);
}

/* --- send-order heap ---------------------------------------------------------------- */

/* quiche's order: urgency, then non-incremental (by id) before incremental
 * (round-robin by the sequence number given when queued or last served). */
static bool
heap_before(const struct tern_quic_stream *a, const struct tern_quic_stream *b)
{
	if (a->urgency != b->urgency)
		return a->urgency < b->urgency;
	if (a->incremental != b->incremental)
		return !a->incremental;
	if (!a->incremental)
		return a->id < b->id;
	return a->seq < b->seq;
}

static void
heap_set(struct tern_quic_streams *m, uint32_t i, struct tern_quic_stream *s)
{
	m->heap[i] = s;
	s->heap_idx = i;
}

static void
heap_fix(struct tern_quic_streams *m, uint32_t i)
{
	struct tern_quic_stream *s = m->heap[i];

	while (i > 0) {
		uint32_t p = (i - 1) / 2;

		if (!heap_before(s, m->heap[p]))
			break;
		heap_set(m, i, m->heap[p]);
		i = p;
	}
	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= m->heap_n)
			break;
		if (c + 1 < m->heap_n && heap_before(m->heap[c + 1], m->heap[c]))
			c++;
		if (!heap_before(m->heap[c], s))
			break;
		heap_set(m, i, m->heap[c]);
		i = c;
	}
	heap_set(m, i, s);
}

static int
heap_push(struct tern_quic_streams *m, struct tern_quic_stream *s)
{
	if (m->heap_n == m->heap_cap) {
		uint32_t cap = m->heap_cap != 0 ? m->heap_cap * 2 : 16;
		struct tern_quic_stream **h = realloc(m->heap, (size_t)cap * sizeof(*h));

		if (h == NULL)
			return -TERN_ENOMEM;
		m->heap = h;
		m->heap_cap = cap;
	}
	s->seq = ++m->seq;
	heap_set(m, m->heap_n++, s);
	heap_fix(m, s->heap_idx);
	return 0;
}

static void
heap_remove(struct tern_quic_streams *m, struct tern_quic_stream *s)
{
	uint32_t i = s->heap_idx;
	struct tern_quic_stream *last;

	if (i == NO_HEAP)
		return;
	s->heap_idx = NO_HEAP;
	last = m->heap[--m->heap_n];
	if (last != s) {
		heap_set(m, i, last);
		heap_fix(m, i);
	}
}

/* --- rings ------------------------------------------------------------------------ */

/* Byte o of the stream lives at buf[o % cap]. */
static void
ring_write(uint8_t *buf, uint64_t cap, uint64_t off, const uint8_t *src, uint64_t n)
{
	while (n != 0) {
		uint64_t i = off % cap, k = min64(n, cap - i);

		memcpy(buf + i, src, (size_t)k);
		src += k;
		off += k;
		n -= k;
	}
}

static void
ring_read(const uint8_t *buf, uint64_t cap, uint64_t off, uint8_t *dst, uint64_t n)
{
	while (n != 0) {
		uint64_t i = off % cap, k = min64(n, cap - i);

		memcpy(dst, buf + i, (size_t)k);
		dst += k;
		off += k;
		n -= k;
	}
}

/*
 * Make the ring hold need bytes from base on (growing by doubling, never
 * beyond limit, which is >= need); keeps the bytes [base, base + old cap).
 */
static int
ring_reserve(uint8_t **bufp, uint64_t *capp, uint64_t base, uint64_t need, uint64_t limit)
{
	uint64_t cap = *capp, ncap, off, n;
	uint8_t *nb;

	if (need <= cap)
		return 0;
	ncap = cap > RING_MIN ? cap : RING_MIN;
	while (ncap < need)
		ncap *= 2;
	if (ncap > limit)
		ncap = limit;
	if (ncap < need || ncap > SIZE_MAX)
		return -TERN_ENOMEM;
	nb = malloc((size_t)ncap);
	if (nb == NULL)
		return -TERN_ENOMEM;
	/* Move the old contents piecewise; each piece is contiguous in both. */
	for (off = base, n = cap; n != 0;) {
		uint64_t i = off % cap, j = off % ncap, k = min64(n, min64(cap - i, ncap - j));

		memcpy(nb + j, *bufp + i, (size_t)k);
		off += k;
		n -= k;
	}
	free(*bufp);
	*bufp = nb;
	*capp = ncap;
	return 0;
}

/* --- stream state helpers ------------------------------------------------------------ */

static bool
send_active(const struct tern_quic_stream *s)
{
	return s->has_send && s->sstate <= SS_DATA_SENT;
}

static bool
send_wants(const struct tern_quic_stream *s)
{
	return send_active(s) && (!tern_quic_rangeset_empty(&s->lost) ||
				  s->send_off < s->write_off || (s->fin_set && s->fin_pending));
}

/* Bytes the application may still write, ignoring connection credit. */
static uint64_t
stream_cap(const struct tern_quic_streams *m, const struct tern_quic_stream *s)
{
	uint64_t buffered = s->write_off - s->ack_base, room, fc;

	if (!send_active(s) || s->fin_set || s->stopped)
		return 0;
	room = m->send_capacity > buffered ? m->send_capacity - buffered : 0;
	fc = s->tx.max > s->write_off ? s->tx.max - s->write_off : 0;
	return min64(room, fc);
}

static void
sched_update(struct tern_quic_streams *m, struct tern_quic_stream *s)
{
	bool want = send_wants(s);

	if (want && s->heap_idx == NO_HEAP)
		(void)heap_push(m, s); /* on ENOMEM the data waits for the next event */
	else if (!want && s->heap_idx != NO_HEAP)
		heap_remove(m, s);
}

static void
wr_update(struct tern_quic_streams *m, struct tern_quic_stream *s)
{
	if (stream_cap(m, s) > 0)
		list_add(m, s, LIST_WRITABLE);
	else
		list_del(m, s, LIST_WRITABLE);
}

static bool
recv_readable(const struct tern_quic_stream *s)
{
	if (!s->has_recv)
		return false;
	if (s->rstate == RS_RESET_RECVD)
		return true;
	if (s->read_shutdown || s->rstate == RS_DATA_READ || s->rstate == RS_RESET_READ)
		return false;
	if (s->final_size == s->read_off)
		return true;
	return tern_quic_rangeset_run_end(&s->recvd, s->read_off) > s->read_off;
}

static void
rd_update(struct tern_quic_streams *m, struct tern_quic_stream *s)
{
	if (recv_readable(s))
		list_add(m, s, LIST_READABLE);
	else
		list_del(m, s, LIST_READABLE);
}

static void
free_send_bufs(struct tern_quic_stream *s)
{
	free(s->sbuf);
	s->sbuf = NULL;
	s->scap = 0;
	tern_quic_rangeset_free(&s->acked);
	tern_quic_rangeset_free(&s->lost);
}

static void
free_recv_bufs(struct tern_quic_stream *s)
{
	free(s->rbuf);
	s->rbuf = NULL;
	s->rcap = 0;
	tern_quic_rangeset_free(&s->recvd);
}

static void
stream_destroy(struct tern_quic_stream *s)
{
	free_send_bufs(s);
	free_recv_bufs(s);
	free(s);
}

static void
conn_consume(struct tern_quic_streams *m, uint64_t n)
{
	tern_quic_fc_rx_consume(&m->rx, n);
	if (tern_quic_fc_rx_should_update(&m->rx))
		m->max_data_due = true;
}

/* Free a stream once both parts reached a terminal state (RFC 9000 3.3). */
static void
maybe_collect(struct tern_quic_streams *m, struct tern_quic_stream *s)
{
	bool send_done = !s->has_send || s->sstate == SS_DATA_RECVD || s->sstate == SS_RESET_RECVD;
	bool recv_done = !s->has_recv || s->rstate == RS_DATA_READ || s->rstate == RS_RESET_READ;
	unsigned k;

	if (!send_done || !recv_done)
		return;
	heap_remove(m, s);
	for (k = 0; k < LIST_COUNT; k++)
		list_del(m, s, k);
	hash_del(m, s->id);
	if (!id_is_local(m, s->id)) {
		/* Give the peer a new stream for each one of its streams that
		 * closed; advertise in batches of half the initial limit. */
		unsigned d = id_dir(s->id);
		uint64_t init =
			d == 0 ? m->cfg.initial_max_streams_bidi : m->cfg.initial_max_streams_uni;
		uint64_t batch = init / 2 > 0 ? init / 2 : 1;

		if (m->local_max_next[d] < TERN_QUIC_MAX_STREAMS_LIMIT)
			m->local_max_next[d]++;
		if (m->local_max_next[d] - m->local_max_streams[d] >= batch)
			m->max_streams_due[d] = true;
	}
	stream_destroy(s);
}

static struct tern_quic_stream *
stream_create(struct tern_quic_streams *m, uint64_t id)
{
	struct tern_quic_stream *s = calloc(1, sizeof(*s));
	bool local = id_is_local(m, id), uni = id_dir(id) == 1;
	uint64_t rwin = 0, swin = 0;

	if (s == NULL)
		return NULL;
	s->id = id;
	s->heap_idx = NO_HEAP;
	s->urgency = TERN_QUIC_URGENCY_DEFAULT;
	s->incremental = true;
	s->has_send = local || !uni;
	s->has_recv = !local || !uni;
	s->final_size = FINAL_UNKNOWN;
	tern_quic_rangeset_init(&s->acked, SEND_RANGES_MAX);
	tern_quic_rangeset_init(&s->lost, SEND_RANGES_MAX);
	tern_quic_rangeset_init(&s->recvd, m->cfg.max_recv_ranges);
	if (local) {
		rwin = uni ? 0 : m->cfg.initial_max_stream_data_bidi_local;
		swin = uni ? m->peer.initial_max_stream_data_uni
			   : m->peer.initial_max_stream_data_bidi_remote;
	} else {
		rwin = uni ? m->cfg.initial_max_stream_data_uni
			   : m->cfg.initial_max_stream_data_bidi_remote;
		swin = uni ? 0 : m->peer.initial_max_stream_data_bidi_local;
	}
	tern_quic_fc_rx_init(&s->rx, rwin, m->cfg.max_stream_window);
	tern_quic_fc_tx_init(&s->tx, swin);
	if (hash_put(m, s) != 0) {
		free(s);
		return NULL;
	}
	if (s->has_send)
		wr_update(m, s);
	return s;
}

/*
 * Find the stream a received frame names, opening the peer's streams up to
 * it (RFC 9000 3.2). need_send: the frame is about our sending part
 * (STOP_SENDING, MAX_STREAM_DATA), else about our receiving part. *sp is
 * NULL for a stream already closed and freed.
 */
static int
frame_stream(struct tern_quic_streams *m, uint64_t id, bool need_send, struct tern_quic_stream **sp,
	     uint64_t *err)
{
	bool local = id_is_local(m, id);
	unsigned d = id_dir(id);
	uint64_t idx = id >> 2;

	*sp = NULL;
	/* Frames for a part that does not exist (19.4, 19.5, 19.8, 19.10,
	 * 19.13): our uni streams have no receiving part, the peer's uni
	 * streams no sending part. */
	if (d == 1 && local != need_send) {
		*err = TERN_QUIC_ERR_STREAM_STATE_ERROR;
		return -TERN_EPROTO;
	}
	if (local) {
		if (idx >= m->local_opened[d]) {
			*err = TERN_QUIC_ERR_STREAM_STATE_ERROR;
			return -TERN_EPROTO;
		}
		*sp = hash_get(m, id);
		return 0;
	}
	if (idx >= m->local_max_streams[d]) {
		*err = TERN_QUIC_ERR_STREAM_LIMIT_ERROR;
		return -TERN_EPROTO;
	}
	while (m->remote_opened[d] <= idx) {
		uint64_t nid = (m->remote_opened[d] << 2) | (id & 3);

		if (stream_create(m, nid) == NULL) {
			*err = TERN_QUIC_ERR_INTERNAL_ERROR;
			return -TERN_ENOMEM;
		}
		m->remote_opened[d]++;
	}
	*sp = hash_get(m, id);
	return 0;
}

/* The application names a stream: open a local one if needed. */
static int
app_stream(struct tern_quic_streams *m, uint64_t id, bool open, struct tern_quic_stream **sp)
{
	struct tern_quic_stream *s = hash_get(m, id);
	unsigned d = id_dir(id);
	uint64_t idx = id >> 2;

	*sp = s;
	if (s != NULL)
		return 0;
	if (id > TERN_QUIC_MAX_VARINT || !id_is_local(m, id) || idx < m->local_opened[d])
		return -TERN_EINVAL;
	if (idx >= m->peer_max_streams[d]) {
		if (open && m->streams_blocked_at[d] != m->peer_max_streams[d]) {
			m->streams_blocked_at[d] = m->peer_max_streams[d];
			m->streams_blocked_due[d] = true;
		}
		return -TERN_ELIMIT;
	}
	if (!open)
		return 0;
	s = stream_create(m, id);
	if (s == NULL)
		return -TERN_ENOMEM;
	m->local_opened[d] = idx + 1;
	*sp = s;
	return 0;
}

/* Abandon our sending part with RESET_STREAM (RFC 9000 3.1, 19.4). */
static void
reset_send(struct tern_quic_streams *m, struct tern_quic_stream *s, uint64_t app_err)
{
	/* Bytes written but never sent took connection credit the peer will
	 * never count: the final size is what was sent. */
	m->tx.used -= s->write_off - s->send_off;
	s->reset_err = app_err;
	s->reset_final = s->send_off;
	s->sstate = SS_RESET_SENT;
	s->fin_pending = false;
	free_send_bufs(s);
	heap_remove(m, s);
	list_del(m, s, LIST_WRITABLE);
	ctrl_clear(m, s, CTRL_STREAM_DATA_BLOCKED);
	ctrl_set(m, s, CTRL_RESET_STREAM);
}

/* --- map lifecycle ------------------------------------------------------------------- */

int
tern_quic_streams_new(const struct tern_quic_streams_config *cfg, struct tern_quic_streams **mapp)
{
	struct tern_quic_streams *m;

	*mapp = NULL;
	if (cfg == NULL || cfg->initial_max_streams_bidi > TERN_QUIC_MAX_STREAMS_LIMIT ||
	    cfg->initial_max_streams_uni > TERN_QUIC_MAX_STREAMS_LIMIT)
		return -TERN_EINVAL;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return -TERN_ENOMEM;
	m->cfg = *cfg;
	if (m->cfg.max_recv_ranges == 0)
		m->cfg.max_recv_ranges = TERN_QUIC_STREAM_MAX_RECV_RANGES;
	m->send_capacity = cfg->send_capacity != 0 ? cfg->send_capacity : SEND_CAP_DEFAULT;
	m->hash_bits = 4;
	m->nslots = HASH_MIN_SLOTS;
	m->slots = calloc(m->nslots, sizeof(*m->slots));
	if (m->slots == NULL) {
		free(m);
		return -TERN_ENOMEM;
	}
	tern_quic_fc_rx_init(&m->rx, cfg->initial_max_data, cfg->max_connection_window);
	tern_quic_fc_tx_init(&m->tx, 0);
	m->local_max_streams[0] = m->local_max_next[0] = cfg->initial_max_streams_bidi;
	m->local_max_streams[1] = m->local_max_next[1] = cfg->initial_max_streams_uni;
	m->streams_blocked_at[0] = m->streams_blocked_at[1] = UINT64_MAX;
	*mapp = m;
	return 0;
}

void
tern_quic_streams_free(struct tern_quic_streams *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nslots; i++)
		if (m->slots[i] != NULL)
			stream_destroy(m->slots[i]);
	free(m->slots);
	free(m->heap);
	free(m);
}

int
tern_quic_streams_set_peer_params(struct tern_quic_streams *m,
				  const struct tern_quic_streams_peer_params *p, uint64_t *err)
{
	size_t i;

	if (p->initial_max_streams_bidi > TERN_QUIC_MAX_STREAMS_LIMIT ||
	    p->initial_max_streams_uni > TERN_QUIC_MAX_STREAMS_LIMIT) {
		*err = TERN_QUIC_ERR_TRANSPORT_PARAMETER_ERROR;
		return -TERN_EPROTO;
	}
	m->peer = *p;
	if (p->initial_max_streams_bidi > m->peer_max_streams[0])
		m->peer_max_streams[0] = p->initial_max_streams_bidi;
	if (p->initial_max_streams_uni > m->peer_max_streams[1])
		m->peer_max_streams[1] = p->initial_max_streams_uni;
	tern_quic_fc_tx_update(&m->tx, p->initial_max_data);
	/* Streams opened before (0-RTT) get the real limits. */
	for (i = 0; i < m->nslots; i++) {
		struct tern_quic_stream *s = m->slots[i];
		uint64_t lim;

		if (s == NULL || !s->has_send)
			continue;
		if (id_is_local(m, s->id))
			lim = id_dir(s->id) == 1 ? p->initial_max_stream_data_uni
						 : p->initial_max_stream_data_bidi_remote;
		else
			lim = p->initial_max_stream_data_bidi_local;
		tern_quic_fc_tx_update(&s->tx, lim);
		wr_update(m, s);
	}
	return 0;
}

void
tern_quic_streams_set_send_capacity(struct tern_quic_streams *m, size_t cap)
{
	size_t i;

	m->send_capacity = cap != 0 ? cap : SEND_CAP_DEFAULT;
	for (i = 0; i < m->nslots; i++)
		if (m->slots[i] != NULL && m->slots[i]->has_send)
			wr_update(m, m->slots[i]);
}

/* --- frames received ------------------------------------------------------------ */

int
tern_quic_streams_on_stream(struct tern_quic_streams *m, uint64_t id, uint64_t off,
			    const uint8_t *data, size_t len, bool fin, uint64_t *err)
{
	struct tern_quic_stream *s;
	uint64_t end, grow, start;
	int rc;

	if (off > TERN_QUIC_MAX_VARINT || len > TERN_QUIC_MAX_VARINT - off) {
		*err = TERN_QUIC_ERR_FRAME_ENCODING_ERROR;
		return -TERN_EPROTO;
	}
	end = off + len;
	rc = frame_stream(m, id, false, &s, err);
	if (rc != 0 || s == NULL)
		return rc;
	/* Final size (RFC 9000 4.5). */
	if (s->final_size != FINAL_UNKNOWN) {
		if (end > s->final_size || (fin && end != s->final_size)) {
			*err = TERN_QUIC_ERR_FINAL_SIZE_ERROR;
			return -TERN_EPROTO;
		}
	} else if (fin && end < s->rx.highest) {
		*err = TERN_QUIC_ERR_FINAL_SIZE_ERROR;
		return -TERN_EPROTO;
	}
	/* Flow control, stream then connection (RFC 9000 4.1). */
	grow = end > s->rx.highest ? end - s->rx.highest : 0;
	if (end > s->rx.max || grow > m->rx.max - m->rx.highest) {
		*err = TERN_QUIC_ERR_FLOW_CONTROL_ERROR;
		return -TERN_EPROTO;
	}
	if (s->rstate == RS_RESET_RECVD || s->rstate == RS_RESET_READ)
		return 0; /* after a reset, data is ignored (RFC 9000 3.2) */

	if (!s->read_shutdown && s->rstate < RS_DATA_RECVD) {
		start = off > s->read_off ? off : s->read_off;
		if (start < end) {
			rc = ring_reserve(&s->rbuf, &s->rcap, s->read_off, end - s->read_off,
					  s->rx.max - s->read_off);
			if (rc == 0)
				rc = tern_quic_rangeset_insert(&s->recvd, start, end);
			if (rc != 0) {
				/* Out of memory, or too many holes (21.8). */
				*err = TERN_QUIC_ERR_INTERNAL_ERROR;
				return rc;
			}
			ring_write(s->rbuf, s->rcap, start, data + (start - off), end - start);
		}
	}
	tern_quic_fc_rx_on_data(&s->rx, end);
	m->rx.highest += grow;
	if (fin && s->final_size == FINAL_UNKNOWN) {
		s->final_size = end;
		if (s->rstate == RS_RECV)
			s->rstate = RS_SIZE_KNOWN;
		/* No more credit needed, nor a STOP_SENDING once all arrived. */
		ctrl_clear(m, s, CTRL_MAX_STREAM_DATA);
	}
	if (s->read_shutdown) {
		/* Dropped data still used connection credit: give it back. */
		s->rx.consumed = s->rx.highest;
		conn_consume(m, grow);
		if (s->final_size != FINAL_UNKNOWN) {
			s->rstate = RS_DATA_READ;
			ctrl_clear(m, s, CTRL_STOP_SENDING);
			maybe_collect(m, s);
		}
		return 0;
	}
	if (s->rstate == RS_SIZE_KNOWN &&
	    (s->read_off == s->final_size ||
	     tern_quic_rangeset_run_end(&s->recvd, s->read_off) >= s->final_size))
		s->rstate = RS_DATA_RECVD;
	rd_update(m, s);
	return 0;
}

int
tern_quic_streams_on_reset_stream(struct tern_quic_streams *m, uint64_t id, uint64_t app_err,
				  uint64_t final_size, uint64_t *err)
{
	struct tern_quic_stream *s;
	uint64_t grow;
	int rc;

	if (final_size > TERN_QUIC_MAX_VARINT) {
		*err = TERN_QUIC_ERR_FRAME_ENCODING_ERROR;
		return -TERN_EPROTO;
	}
	rc = frame_stream(m, id, false, &s, err);
	if (rc != 0 || s == NULL)
		return rc;
	if ((s->final_size != FINAL_UNKNOWN && final_size != s->final_size) ||
	    final_size < s->rx.highest) {
		*err = TERN_QUIC_ERR_FINAL_SIZE_ERROR;
		return -TERN_EPROTO;
	}
	grow = final_size - s->rx.highest;
	if (final_size > s->rx.max || grow > m->rx.max - m->rx.highest) {
		*err = TERN_QUIC_ERR_FLOW_CONTROL_ERROR;
		return -TERN_EPROTO;
	}
	if (s->rstate == RS_RESET_RECVD || s->rstate == RS_RESET_READ || s->rstate == RS_DATA_READ)
		return 0;
	s->rx.highest = final_size;
	m->rx.highest += grow;
	s->final_size = final_size;
	/* The whole final size counts as consumed for the connection (4.5). */
	conn_consume(m, final_size - s->rx.consumed);
	s->rx.consumed = final_size;
	free_recv_bufs(s);
	ctrl_clear(m, s, CTRL_MAX_STREAM_DATA | CTRL_STOP_SENDING);
	s->reset_rx = true;
	s->reset_err_rx = app_err;
	if (s->read_shutdown) {
		/* The application gave up on this side already. */
		s->rstate = RS_RESET_READ;
		list_del(m, s, LIST_READABLE);
		maybe_collect(m, s);
		return 0;
	}
	s->rstate = RS_RESET_RECVD;
	list_add(m, s, LIST_READABLE);
	return 0;
}

int
tern_quic_streams_on_stop_sending(struct tern_quic_streams *m, uint64_t id, uint64_t app_err,
				  uint64_t *err)
{
	struct tern_quic_stream *s;
	int rc = frame_stream(m, id, true, &s, err);

	if (rc != 0 || s == NULL)
		return rc;
	if (!s->stopped) {
		s->stopped = true;
		s->stop_err_rx = app_err;
	}
	/* RFC 9000 3.5: answer with RESET_STREAM unless all data is in. */
	if (send_active(s))
		reset_send(m, s, app_err);
	list_del(m, s, LIST_WRITABLE);
	return 0;
}

int
tern_quic_streams_on_max_stream_data(struct tern_quic_streams *m, uint64_t id, uint64_t max,
				     uint64_t *err)
{
	struct tern_quic_stream *s;
	int rc = frame_stream(m, id, true, &s, err);

	if (rc != 0 || s == NULL)
		return rc;
	if (tern_quic_fc_tx_update(&s->tx, max)) {
		ctrl_clear(m, s, CTRL_STREAM_DATA_BLOCKED);
		wr_update(m, s);
	}
	return 0;
}

int
tern_quic_streams_on_stream_data_blocked(struct tern_quic_streams *m, uint64_t id, uint64_t limit,
					 uint64_t *err)
{
	struct tern_quic_stream *s;

	(void)limit;
	return frame_stream(m, id, false, &s, err);
}

void
tern_quic_streams_on_max_data(struct tern_quic_streams *m, uint64_t max)
{
	if (tern_quic_fc_tx_update(&m->tx, max))
		m->data_blocked_due = false;
}

int
tern_quic_streams_on_max_streams(struct tern_quic_streams *m, bool bidi, uint64_t max,
				 uint64_t *err)
{
	unsigned d = bidi ? 0 : 1;

	if (max > TERN_QUIC_MAX_STREAMS_LIMIT) {
		*err = TERN_QUIC_ERR_FRAME_ENCODING_ERROR;
		return -TERN_EPROTO;
	}
	if (max > m->peer_max_streams[d]) {
		m->peer_max_streams[d] = max;
		m->streams_blocked_due[d] = false;
	}
	return 0;
}

int
tern_quic_streams_on_streams_blocked(struct tern_quic_streams *m, bool bidi, uint64_t limit,
				     uint64_t *err)
{
	(void)m;
	(void)bidi;
	if (limit > TERN_QUIC_MAX_STREAMS_LIMIT) {
		*err = TERN_QUIC_ERR_FRAME_ENCODING_ERROR;
		return -TERN_EPROTO;
	}
	return 0;
}

/* --- control frames ------------------------------------------------------------- */

static bool
ctrl_peek(const struct tern_quic_streams *m, uint64_t now, uint64_t srtt,
	  struct tern_quic_stream_ctrl *f)
{
	const struct tern_quic_stream *s;
	unsigned d;

	memset(f, 0, sizeof(*f));
	if (m->max_data_due) {
		f->type = FT_MAX_DATA;
		f->value = tern_quic_fc_rx_should_update(&m->rx)
				   ? tern_quic_fc_rx_next_max(&m->rx, now, srtt)
				   : m->rx.max;
		return true;
	}
	for (d = 0; d < 2; d++) {
		if (m->max_streams_due[d]) {
			f->type = d == 0 ? FT_MAX_STREAMS_BIDI : FT_MAX_STREAMS_UNI;
			f->value = m->local_max_next[d];
			return true;
		}
	}
	if (m->data_blocked_due) {
		f->type = FT_DATA_BLOCKED;
		f->value = m->tx.max;
		return true;
	}
	for (d = 0; d < 2; d++) {
		if (m->streams_blocked_due[d]) {
			f->type = d == 0 ? FT_STREAMS_BLOCKED_BIDI : FT_STREAMS_BLOCKED_UNI;
			f->value = m->peer_max_streams[d];
			return true;
		}
	}
	s = m->lists[LIST_CTRL].head;
	if (s == NULL)
		return false;
	f->id = s->id;
	if (s->ctrl & CTRL_RESET_STREAM) {
		f->type = FT_RESET_STREAM;
		f->value = s->reset_err;
		f->final_size = s->reset_final;
	} else if (s->ctrl & CTRL_STOP_SENDING) {
		f->type = FT_STOP_SENDING;
		f->value = s->stop_err;
	} else if (s->ctrl & CTRL_MAX_STREAM_DATA) {
		f->type = FT_MAX_STREAM_DATA;
		f->value = tern_quic_fc_rx_should_update(&s->rx)
				   ? tern_quic_fc_rx_next_max(&s->rx, now, srtt)
				   : s->rx.max;
	} else {
		f->type = FT_STREAM_DATA_BLOCKED;
		f->value = s->tx.max;
	}
	return true;
}

bool
tern_quic_streams_ctrl_next(const struct tern_quic_streams *m, uint64_t now, uint64_t srtt,
			    struct tern_quic_stream_ctrl *f)
{
	struct tern_quic_stream_ctrl t;

	if (!ctrl_peek(m, now, srtt, &t))
		return false;
	*f = t;
	return true;
}

void
tern_quic_streams_ctrl_sent(struct tern_quic_streams *m, const struct tern_quic_stream_ctrl *f,
			    uint64_t now)
{
	struct tern_quic_stream *s;

	switch (f->type) {
	case FT_MAX_DATA:
		tern_quic_fc_rx_apply(&m->rx, f->value, now);
		m->max_data_due = false;
		return;
	case FT_MAX_STREAMS_BIDI:
	case FT_MAX_STREAMS_UNI: {
		unsigned d = f->type == FT_MAX_STREAMS_BIDI ? 0 : 1;

		if (f->value > m->local_max_streams[d])
			m->local_max_streams[d] = f->value;
		m->max_streams_due[d] = false;
		return;
	}
	case FT_DATA_BLOCKED:
		m->data_blocked_due = false;
		return;
	case FT_STREAMS_BLOCKED_BIDI:
		m->streams_blocked_due[0] = false;
		return;
	case FT_STREAMS_BLOCKED_UNI:
		m->streams_blocked_due[1] = false;
		return;
	default:
		break;
	}
	s = hash_get(m, f->id);
	if (s == NULL)
		return;
	switch (f->type) {
	case FT_RESET_STREAM:
		ctrl_clear(m, s, CTRL_RESET_STREAM);
		break;
	case FT_STOP_SENDING:
		ctrl_clear(m, s, CTRL_STOP_SENDING);
		break;
	case FT_MAX_STREAM_DATA:
		tern_quic_fc_rx_apply(&s->rx, f->value, now);
		/* The connection window should keep up with stream windows
		 * (quiche: 1.5x), or it becomes the bottleneck. */
		tern_quic_fc_rx_ensure_window(&m->rx, s->rx.window + s->rx.window / 2);
		ctrl_clear(m, s, CTRL_MAX_STREAM_DATA);
		break;
	case FT_STREAM_DATA_BLOCKED:
		ctrl_clear(m, s, CTRL_STREAM_DATA_BLOCKED);
		break;
	default:
		break;
	}
}

void
tern_quic_streams_ctrl_acked(struct tern_quic_streams *m, const struct tern_quic_stream_ctrl *f)
{
	struct tern_quic_stream *s;

	if (f->type != FT_RESET_STREAM)
		return;
	s = hash_get(m, f->id);
	if (s == NULL || s->sstate != SS_RESET_SENT)
		return;
	s->sstate = SS_RESET_RECVD;
	ctrl_clear(m, s, CTRL_RESET_STREAM);
	maybe_collect(m, s);
}

void
tern_quic_streams_ctrl_lost(struct tern_quic_streams *m, const struct tern_quic_stream_ctrl *f)
{
	struct tern_quic_stream *s;

	switch (f->type) {
	case FT_MAX_DATA:
		if (f->value == m->rx.max)
			m->max_data_due = true;
		return;
	case FT_MAX_STREAMS_BIDI:
	case FT_MAX_STREAMS_UNI: {
		unsigned d = f->type == FT_MAX_STREAMS_BIDI ? 0 : 1;

		if (f->value == m->local_max_streams[d])
			m->max_streams_due[d] = true;
		return;
	}
	case FT_DATA_BLOCKED:
		if (f->value == m->tx.max && tern_quic_fc_tx_avail(&m->tx) == 0)
			m->data_blocked_due = true;
		return;
	case FT_STREAMS_BLOCKED_BIDI:
	case FT_STREAMS_BLOCKED_UNI: {
		unsigned d = f->type == FT_STREAMS_BLOCKED_BIDI ? 0 : 1;

		if (f->value == m->peer_max_streams[d] &&
		    m->local_opened[d] >= m->peer_max_streams[d])
			m->streams_blocked_due[d] = true;
		return;
	}
	default:
		break;
	}
	s = hash_get(m, f->id);
	if (s == NULL)
		return;
	switch (f->type) {
	case FT_RESET_STREAM:
		if (s->sstate == SS_RESET_SENT)
			ctrl_set(m, s, CTRL_RESET_STREAM);
		break;
	case FT_STOP_SENDING:
		if (s->read_shutdown && s->rstate == RS_RECV)
			ctrl_set(m, s, CTRL_STOP_SENDING);
		break;
	case FT_MAX_STREAM_DATA:
		if (f->value == s->rx.max && s->has_recv && s->rstate == RS_RECV &&
		    !s->read_shutdown)
			ctrl_set(m, s, CTRL_MAX_STREAM_DATA);
		break;
	case FT_STREAM_DATA_BLOCKED:
		if (f->value == s->tx.max && send_active(s) && s->write_off >= s->tx.max)
			ctrl_set(m, s, CTRL_STREAM_DATA_BLOCKED);
		break;
	default:
		break;
	}
}

/* --- stream data out -------------------------------------------------------------- */

struct tern_quic_stream *
tern_quic_streams_next_sendable(const struct tern_quic_streams *m)
{
	return m->heap_n != 0 ? m->heap[0] : NULL;
}

bool
tern_quic_streams_has_pending(const struct tern_quic_streams *m)
{
	return m->heap_n != 0 || m->lists[LIST_CTRL].n != 0 || m->max_data_due ||
	       m->data_blocked_due || m->max_streams_due[0] || m->max_streams_due[1] ||
	       m->streams_blocked_due[0] || m->streams_blocked_due[1];
}

uint64_t
tern_quic_stream_id(const struct tern_quic_stream *s)
{
	return s->id;
}

bool
tern_quic_stream_send_peek(const struct tern_quic_stream *s, struct tern_quic_stream_chunk *c)
{
	memset(c, 0, sizeof(*c));
	c->id = s->id;
	if (!send_active(s))
		return false;
	if (!tern_quic_rangeset_empty(&s->lost)) {
		struct tern_quic_range r = tern_quic_rangeset_at(&s->lost, 0);

		c->off = r.start;
		c->len = r.end - r.start;
		c->fin = s->fin_set && !s->fin_acked && r.end == s->write_off &&
			 s->send_off == s->write_off;
		c->retransmit = true;
		return true;
	}
	if (s->send_off < s->write_off) {
		c->off = s->send_off;
		c->len = s->write_off - s->send_off;
		c->fin = s->fin_set;
		return true;
	}
	if (s->fin_set && s->fin_pending) {
		c->off = s->write_off;
		c->fin = true;
		c->retransmit = s->sstate == SS_DATA_SENT;
		return true;
	}
	return false;
}

int
tern_quic_streams_send_emit(struct tern_quic_streams *m, struct tern_quic_stream *s,
			    const struct tern_quic_stream_chunk *c, uint8_t *dst)
{
	struct tern_quic_stream_chunk p;

	if (!tern_quic_stream_send_peek(s, &p) || c->off != p.off || c->len > p.len ||
	    (c->fin && (!p.fin || c->len != p.len)) || (c->len == 0 && !c->fin))
		return -TERN_EINVAL;
	if (c->len != 0)
		ring_read(s->sbuf, s->scap, c->off, dst, c->len);
	if (p.retransmit) {
		/* A prefix of the first lost range: never splits, never fails. */
		(void)tern_quic_rangeset_remove(&s->lost, c->off, c->off + c->len);
		m->retrans_bytes += c->len;
	} else {
		s->send_off += c->len;
	}
	if (c->fin) {
		s->fin_pending = false;
		s->sstate = SS_DATA_SENT;
	} else if (s->sstate == SS_READY) {
		s->sstate = SS_SEND;
	}
	if (!send_wants(s)) {
		heap_remove(m, s);
	} else if (s->incremental) {
		/* Round-robin: to the back of its urgency. */
		s->seq = ++m->seq;
		heap_fix(m, s->heap_idx);
	}
	return 0;
}

void
tern_quic_streams_on_data_acked(struct tern_quic_streams *m, uint64_t id, uint64_t off,
				uint64_t len, bool fin)
{
	struct tern_quic_stream *s = hash_get(m, id);
	uint64_t start, end = off + len, old_base;

	if (s == NULL || !send_active(s))
		return;
	if (fin) {
		s->fin_acked = true;
		s->fin_pending = false;
	}
	old_base = s->ack_base;
	start = off > s->ack_base ? off : s->ack_base;
	if (start < end && end <= s->send_off) {
		(void)tern_quic_rangeset_remove(&s->lost, start, end);
		if (start == s->ack_base) {
			s->ack_base = tern_quic_rangeset_run_end(&s->acked, end);
			tern_quic_rangeset_remove_below(&s->acked, s->ack_base);
			tern_quic_rangeset_remove_below(&s->lost, s->ack_base);
		} else if (tern_quic_rangeset_insert(&s->acked, start, end) != 0) {
			/* Cannot track this hole: send the range again
			 * instead; the ack of the copy will land. */
			tern_quic_rangeset_insert_coalesce(&s->lost, start, end);
		}
	}
	if (s->fin_acked && s->fin_set && s->ack_base == s->write_off) {
		s->sstate = SS_DATA_RECVD;
		free_send_bufs(s);
		heap_remove(m, s);
		list_del(m, s, LIST_WRITABLE);
		maybe_collect(m, s);
		return;
	}
	if (s->ack_base != old_base)
		wr_update(m, s);
	sched_update(m, s);
}

void
tern_quic_streams_on_data_lost(struct tern_quic_streams *m, uint64_t id, uint64_t off, uint64_t len,
			       bool fin)
{
	struct tern_quic_stream *s = hash_get(m, id);
	uint64_t start, end = off + len;
	uint32_t i;

	if (s == NULL || !send_active(s))
		return;
	if (fin && !s->fin_acked && s->fin_set)
		s->fin_pending = true;
	start = off > s->ack_base ? off : s->ack_base;
	if (end > s->send_off)
		end = s->send_off;
	/* Queue the parts not acknowledged in the meantime. */
	i = tern_quic_rangeset_find(&s->acked, start);
	while (start < end) {
		struct tern_quic_range r;

		if (i == tern_quic_rangeset_count(&s->acked)) {
			tern_quic_rangeset_insert_coalesce(&s->lost, start, end);
			break;
		}
		r = tern_quic_rangeset_at(&s->acked, i++);
		if (r.start >= end) {
			tern_quic_rangeset_insert_coalesce(&s->lost, start, end);
			break;
		}
		if (r.start > start)
			tern_quic_rangeset_insert_coalesce(&s->lost, start, r.start);
		if (r.end > start)
			start = r.end;
	}
	sched_update(m, s);
}

/* --- the application ------------------------------------------------------------ */

long
tern_quic_streams_app_send(struct tern_quic_streams *m, uint64_t id, const uint8_t *buf, size_t len,
			   bool fin, uint64_t *app_err)
{
	struct tern_quic_stream *s;
	uint64_t scap, ccap, n;
	int rc;

	rc = app_stream(m, id, true, &s);
	if (rc != 0)
		return rc;
	if (!s->has_send)
		return -TERN_EINVAL;
	if (s->stopped) {
		if (app_err != NULL)
			*app_err = s->stop_err_rx;
		return -TERN_EPROTO;
	}
	if (!send_active(s) || s->fin_set)
		return -TERN_EINVAL;
	if (len == 0 && !fin)
		return 0;
	scap = stream_cap(m, s);
	ccap = tern_quic_fc_tx_avail(&m->tx);
	n = min64(len, min64(scap, ccap));
	if (n < len) {
		/* Say so when flow control (not our buffer) is the limit (4.1). */
		if (s->write_off + n >= s->tx.max && tern_quic_fc_tx_blocked(&s->tx))
			ctrl_set(m, s, CTRL_STREAM_DATA_BLOCKED);
		if (n == ccap && tern_quic_fc_tx_blocked(&m->tx))
			m->data_blocked_due = true;
		if (n == 0)
			return -TERN_EAGAIN;
	}
	if (n != 0) {
		uint64_t need = s->write_off + n - s->ack_base;

		rc = ring_reserve(&s->sbuf, &s->scap, s->ack_base, need,
				  m->send_capacity > need ? m->send_capacity : need);
		if (rc != 0)
			return rc;
		ring_write(s->sbuf, s->scap, s->write_off, buf, n);
		s->write_off += n;
		s->tx.used = s->write_off;
		tern_quic_fc_tx_consume(&m->tx, n);
	}
	if (fin && n == len) {
		s->fin_set = true;
		s->fin_pending = true;
	}
	sched_update(m, s);
	wr_update(m, s);
	return (long)n;
}

long
tern_quic_streams_app_recv(struct tern_quic_streams *m, uint64_t id, uint8_t *buf, size_t cap,
			   bool *fin, uint64_t *app_err)
{
	struct tern_quic_stream *s = hash_get(m, id);
	uint64_t avail, n;

	*fin = false;
	if (s == NULL || !s->has_recv || s->read_shutdown)
		return -TERN_EINVAL;
	if (s->rstate == RS_RESET_RECVD) {
		if (app_err != NULL)
			*app_err = s->reset_err_rx;
		s->rstate = RS_RESET_READ;
		list_del(m, s, LIST_READABLE);
		maybe_collect(m, s);
		return -TERN_EPROTO;
	}
	if (s->rstate == RS_DATA_READ || s->rstate == RS_RESET_READ)
		return -TERN_EAGAIN;
	avail = tern_quic_rangeset_run_end(&s->recvd, s->read_off) - s->read_off;
	n = min64(avail, cap);
	if (n != 0) {
		ring_read(s->rbuf, s->rcap, s->read_off, buf, n);
		s->read_off += n;
		tern_quic_rangeset_remove_below(&s->recvd, s->read_off);
		tern_quic_fc_rx_consume(&s->rx, n);
		conn_consume(m, n);
		if (s->rstate == RS_RECV && tern_quic_fc_rx_should_update(&s->rx))
			ctrl_set(m, s, CTRL_MAX_STREAM_DATA);
	}
	if (s->read_off == s->final_size) {
		*fin = true;
		s->rstate = RS_DATA_READ;
		free_recv_bufs(s);
		list_del(m, s, LIST_READABLE);
		ctrl_clear(m, s, CTRL_MAX_STREAM_DATA | CTRL_STOP_SENDING);
		maybe_collect(m, s);
		return (long)n;
	}
	rd_update(m, s);
	return n != 0 ? (long)n : -TERN_EAGAIN;
}

int
tern_quic_streams_app_shutdown(struct tern_quic_streams *m, uint64_t id, bool write,
			       uint64_t app_err)
{
	struct tern_quic_stream *s = hash_get(m, id);

	if (s == NULL)
		return -TERN_EINVAL;
	if (write) {
		if (!s->has_send)
			return -TERN_EINVAL;
		if (!send_active(s))
			return -TERN_EAGAIN;
		reset_send(m, s, app_err);
		return 0;
	}
	if (!s->has_recv)
		return -TERN_EINVAL;
	if (s->read_shutdown || s->rstate == RS_DATA_READ || s->rstate == RS_RESET_READ)
		return -TERN_EAGAIN;
	s->read_shutdown = true;
	s->stop_err = app_err;
	/* Buffered, unread data is dropped; its credit goes back. */
	conn_consume(m, s->rx.highest - s->rx.consumed);
	s->rx.consumed = s->rx.highest;
	free_recv_bufs(s);
	list_del(m, s, LIST_READABLE);
	ctrl_clear(m, s, CTRL_MAX_STREAM_DATA);
	if (s->rstate == RS_RESET_RECVD) {
		s->rstate = RS_RESET_READ;
	} else if (s->final_size != FINAL_UNKNOWN) {
		/* Everything is known: no STOP_SENDING needed (3.5). */
		s->rstate = RS_DATA_READ;
	} else {
		ctrl_set(m, s, CTRL_STOP_SENDING);
		return 0;
	}
	maybe_collect(m, s);
	return 0;
}

int
tern_quic_streams_set_priority(struct tern_quic_streams *m, uint64_t id, uint8_t urgency,
			       bool incremental)
{
	struct tern_quic_stream *s;
	int rc;

	if (urgency > TERN_QUIC_URGENCY_MAX)
		return -TERN_EINVAL;
	rc = app_stream(m, id, true, &s);
	if (rc != 0)
		return rc;
	if (s->urgency == urgency && s->incremental == incremental)
		return 0;
	s->urgency = urgency;
	s->incremental = incremental;
	if (s->heap_idx != NO_HEAP)
		heap_fix(m, s->heap_idx);
	return 0;
}

long
tern_quic_streams_capacity(const struct tern_quic_streams *m, uint64_t id, uint64_t *app_err)
{
	const struct tern_quic_stream *s = hash_get(m, id);
	uint64_t ccap = tern_quic_fc_tx_avail(&m->tx), cap;

	if (s == NULL) {
		unsigned d = id_dir(id);
		uint64_t idx = id >> 2, lim;

		if (id > TERN_QUIC_MAX_VARINT || !id_is_local(m, id) || idx < m->local_opened[d])
			return -TERN_EINVAL;
		if (idx >= m->peer_max_streams[d])
			return 0;
		lim = d == 1 ? m->peer.initial_max_stream_data_uni
			     : m->peer.initial_max_stream_data_bidi_remote;
		cap = min64(min64(lim, m->send_capacity), ccap);
		return (long)min64(cap, (uint64_t)LONG_MAX);
	}
	if (!s->has_send)
		return -TERN_EINVAL;
	if (s->stopped) {
		if (app_err != NULL)
			*app_err = s->stop_err_rx;
		return -TERN_EPROTO;
	}
	if (!send_active(s) || s->fin_set)
		return -TERN_EINVAL;
	cap = min64(stream_cap(m, s), ccap);
	return (long)min64(cap, (uint64_t)LONG_MAX);
}

bool
tern_quic_streams_readable(const struct tern_quic_streams *m, uint64_t id)
{
	const struct tern_quic_stream *s = hash_get(m, id);

	return s != NULL && recv_readable(s);
}

bool
tern_quic_streams_writable(const struct tern_quic_streams *m, uint64_t id, size_t len)
{
	long cap = tern_quic_streams_capacity(m, id, NULL);

	return cap >= 0 && (uint64_t)cap >= len;
}

bool
tern_quic_streams_finished(const struct tern_quic_streams *m, uint64_t id)
{
	const struct tern_quic_stream *s = hash_get(m, id);

	if (s == NULL) {
		unsigned d = id_dir(id);
		uint64_t opened = id_is_local(m, id) ? m->local_opened[d] : m->remote_opened[d];

		return (id >> 2) < opened;
	}
	return s->has_recv && (s->rstate == RS_DATA_READ || s->rstate == RS_RESET_READ);
}

int
tern_quic_streams_stream_error(const struct tern_quic_streams *m, uint64_t id, uint64_t *err)
{
	const struct tern_quic_stream *s = hash_get(m, id);

	if (s == NULL)
		return -TERN_EAGAIN;
	if (s->reset_rx) {
		*err = s->reset_err_rx;
		return 0;
	}
	if (s->stopped) {
		*err = s->stop_err_rx;
		return 0;
	}
	return -TERN_EAGAIN;
}

static size_t
list_ids(const struct list *l, unsigned k, uint64_t *ids, size_t max)
{
	const struct tern_quic_stream *s;
	size_t n = 0;

	for (s = l->head; s != NULL && n < max; s = s->l[k].next)
		ids[n++] = s->id;
	return n;
}

size_t
tern_quic_streams_readable_ids(const struct tern_quic_streams *m, uint64_t *ids, size_t max)
{
	return list_ids(&m->lists[LIST_READABLE], LIST_READABLE, ids, max);
}

size_t
tern_quic_streams_writable_ids(const struct tern_quic_streams *m, uint64_t *ids, size_t max)
{
	if (tern_quic_fc_tx_avail(&m->tx) == 0)
		return 0;
	return list_ids(&m->lists[LIST_WRITABLE], LIST_WRITABLE, ids, max);
}

size_t
tern_quic_streams_readable_count(const struct tern_quic_streams *m)
{
	return m->lists[LIST_READABLE].n;
}

size_t
tern_quic_streams_writable_count(const struct tern_quic_streams *m)
{
	return tern_quic_fc_tx_avail(&m->tx) == 0 ? 0 : m->lists[LIST_WRITABLE].n;
}

uint64_t
tern_quic_streams_peer_streams_left(const struct tern_quic_streams *m, bool bidi)
{
	unsigned d = bidi ? 0 : 1;

	return m->peer_max_streams[d] > m->local_opened[d]
		       ? m->peer_max_streams[d] - m->local_opened[d]
		       : 0;
}

size_t
tern_quic_streams_count(const struct tern_quic_streams *m)
{
	return m->count;
}

uint64_t
tern_quic_streams_conn_send_credit(const struct tern_quic_streams *m)
{
	return tern_quic_fc_tx_avail(&m->tx);
}

uint64_t
tern_quic_streams_retransmitted_bytes(const struct tern_quic_streams *m)
{
	return m->retrans_bytes;
}
