/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The control thread and its rings: installs from secrets and from key
 * objects, requests from several threads at once, the key-update flow
 * (worker reports a phase flip, control publishes the next generation with
 * the one after it ready, previous keys retired after the configured time),
 * retire, error notes. The test's main thread plays worker 0 (it is the
 * table's registered reader and reports quiescence while it waits).
 */

#include <pthread.h>
#include <time.h>

#include <tern/control.h>

#include "kt_test.h"

#define RETIRE_NS (200ULL * 1000 * 1000)

static struct tern_crypto_ctx *ctx;
static struct tern_keytable *tables[2];
static struct tern_ctrl *ctrl;

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void
nap(void)
{
	struct timespec ts = {0, 1000000};

	nanosleep(&ts, NULL);
}

/* Wait (as worker w, quiescent meanwhile) for a note of the given type. */
static bool
wait_note(unsigned w, uint16_t type, struct tern_ctrl_msg *out)
{
	uint64_t end = now_ns() + 5000000000ULL;
	struct tern_ctrl_msg m;

	while (now_ns() < end) {
		if (tern_ctrl_worker_poll(ctrl, w, &m, 1) == 1) {
			if (m.type == type) {
				*out = m;
				return true;
			}
			continue;
		}
		tern_keytable_quiescent(tables[0], 0);
		nap();
	}
	fprintf(stderr, "timeout waiting for note %u on worker %u\n", type, w);
	return false;
}

struct submitter {
	unsigned first, n;
	int failures;
};

static void *
submit_main(void *arg)
{
	struct submitter *s = arg;
	uint8_t cs[48], ss[48];
	struct tern_keytable_cid cid;
	size_t len;
	unsigned i;
	int rc;

	for (i = s->first; i < s->first + s->n; i++) {
		kt_cid(&cid, i, true);
		if (tern_lab_secrets(kt_seed, TERN_TLS13_AES_128_GCM_SHA256, cid.bytes, cid.len, cs,
				     ss, &len) != 0) {
			s->failures++;
			continue;
		}
		do {
			rc = tern_ctrl_install_secrets(ctrl, 1, &cid, TERN_QUIC_V1,
						       TERN_TLS13_AES_128_GCM_SHA256, cs, ss, len,
						       i);
			if (rc == -TERN_ENOBUFS)
				nap();
		} while (rc == -TERN_ENOBUFS);
		s->failures += rc != 0;
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	const char *why = NULL;
	struct tern_keytable_params tp0 = {"kt_ctrl0", 1024, SOCKET_ID_ANY, 1};
	struct tern_keytable_params tp1 = {"kt_ctrl1", 1024, SOCKET_ID_ANY, 1};
	struct tern_ctrl_params cp;
	struct tern_keytable_cid cid, cid2;
	struct tern_keytable_keys k;
	struct tern_ctrl_msg m;
	struct tern_ctrl_worker_stats ws;
	struct tern_keytable_entry *e;
	const struct tern_keystate *st, *st1;
	struct tern_keyview v;
	struct tern_quic_keys *c_rx, *c_tx[4];
	uint8_t cs[48], ss[48];
	const uint8_t msg[] = "key update through the control thread";
	struct submitter subs[2] = {{100, 200, 0}, {300, 200, 0}};
	pthread_t th[2];
	uint64_t end;
	size_t len;
	unsigned i, bad_notes = 0;

	(void)argc;
	if (kt_eal_init(argv[0], &why) != 0)
		return tern_test_skip("test_ctrl_thread", why);
	REQUIRE(tern_crypto_ctx_create(TERN_CRYPTO_BACKEND_AUTO, &ctx) == 0);
	REQUIRE(tern_keytable_create(&tp0, &tables[0]) == 0);
	REQUIRE(tern_keytable_create(&tp1, &tables[1]) == 0);
	REQUIRE(tern_keytable_reader_register(tables[0], 0) == 0);

	memset(&cp, 0, sizeof(cp));
	cp.name = "ktc";
	cp.n_workers = 2;
	cp.tables = tables;
	cp.ring_size = 64;
	cp.key_retire_ns = RETIRE_NS;
	cp.backend = tern_crypto_ctx_backend(ctx);
	cp.notify_workers = true;
	cp.socket_id = SOCKET_ID_ANY;
	REQUIRE(tern_ctrl_create(&cp, &ctrl) == 0);
	/* Ring names are global: a second instance with the same name fails. */
	CHECK(tern_ctrl_create(&cp, &(struct tern_ctrl *){NULL}) != 0);
	REQUIRE(tern_ctrl_start(ctrl) == 0);
	CHECK_EQ(tern_ctrl_start(ctrl), -TERN_EINVAL);

	/* Worker 0: connection from 1-RTT secrets (server side of lab keys). */
	kt_cid(&cid, 1, false);
	REQUIRE(tern_lab_secrets(kt_seed, TERN_TLS13_AES_128_GCM_SHA256, cid.bytes, cid.len, cs, ss,
				 &len) == 0);
	CHECK_EQ(tern_ctrl_install_secrets(ctrl, 0, &cid, TERN_QUIC_V1,
					   TERN_TLS13_AES_128_GCM_SHA256, cs, ss, len, 42),
		 0);
	REQUIRE(wait_note(0, TERN_CTRL_NOTE_INSTALLED, &m));
	CHECK_EQ(m.status, 0);
	CHECK_EQ(m.cookie, 42);
	CHECK_MEM(&m.cid, &cid, sizeof(cid));

	/* The peer's keys, generations 0..3. */
	REQUIRE(tern_lab_keys_create(ctx, TERN_QUIC_V1, TERN_TLS13_AES_128_GCM_SHA256, kt_seed,
				     cid.bytes, cid.len, false, &c_rx, &c_tx[0]) == 0);
	for (i = 1; i < 4; i++)
		REQUIRE(tern_quic_keys_next(ctx, c_tx[i - 1], &c_tx[i]) == 0);

	e = tern_keytable_lookup(tables[0], &cid);
	REQUIRE(e != NULL);
	st = tern_keytable_entry_state(e);
	CHECK(tern_keystate_verify(st));
	CHECK_EQ(st->generation, 0);
	CHECK(st->rx_next != NULL && st->tx_next != NULL);
	CHECK_EQ(tern_keystate_view(st, &e->conn, &v), 0);
	CHECK_EQ(kt_roundtrip(ctx, c_tx[0], v.rx_cur, v.rx_next, &cid, 1, msg, sizeof(msg)), 0);
	CHECK_EQ(kt_roundtrip(ctx, v.tx_cur, c_rx, NULL, &cid, 1, msg, sizeof(msg)), 0);

	/* Peer switches to generation 1: the next keys are ready (RFC 9001 6.3). */
	CHECK_EQ(kt_roundtrip(ctx, c_tx[1], v.rx_cur, v.rx_next, &cid, 2, msg, sizeof(msg)), 0);
	e->conn.local_generation = 1;
	e->conn.key_updates++;
	CHECK_EQ(tern_ctrl_worker_report_phase(ctrl, 0, &cid, 1), 0);
	/* Until the control thread answers, the worker's view already moved. */
	CHECK_EQ(tern_keystate_view(tern_keytable_entry_state(e), &e->conn, &v), 0);
	CHECK_EQ(v.generation, 1);
	CHECK_EQ(kt_roundtrip(ctx, c_tx[1], v.rx_cur, v.rx_prev, &cid, 3, msg, sizeof(msg)), 0);
	REQUIRE(wait_note(0, TERN_CTRL_NOTE_KEYS_READY, &m));
	CHECK_EQ(m.generation, 1);
	st1 = tern_keytable_entry_state(e);
	CHECK(tern_keystate_verify(st1));
	CHECK_EQ(st1->generation, 1);
	CHECK_EQ(st1->key_phase, 1);
	CHECK(st1->rx_prev != NULL && st1->rx_next != NULL && st1->tx_next != NULL);
	CHECK_EQ(tern_keystate_view(st1, &e->conn, &v), 0);
	/* Delayed generation-0 packets still open with the previous keys,
	 * generation-2 packets with the next (RFC 9001 6.5, 6.3). */
	CHECK_EQ(kt_roundtrip(ctx, c_tx[0], v.rx_cur, v.rx_prev, &cid, 4, msg, sizeof(msg)), 0);
	CHECK_EQ(kt_roundtrip(ctx, c_tx[2], v.rx_cur, v.rx_next, &cid, 5, msg, sizeof(msg)), 0);
	/* A duplicate report is stale and changes nothing. */
	CHECK_EQ(tern_ctrl_worker_report_phase(ctrl, 0, &cid, 1), 0);

	/* After the retire time the previous keys go, then get reclaimed. */
	end = now_ns() + RETIRE_NS * 10;
	do {
		tern_keytable_quiescent(tables[0], 0);
		nap();
		st = tern_keytable_entry_state(e);
		tern_ctrl_worker_stats_get(ctrl, 0, &ws);
	} while (now_ns() < end && (st->rx_prev != NULL || ws.pending_reclaim != 0));
	CHECK(st->rx_prev == NULL);
	CHECK(tern_keystate_verify(st));
	CHECK_EQ(st->generation, 1);
	CHECK_EQ(ws.prev_dropped, 1);
	CHECK_EQ(ws.pending_reclaim, 0);
	CHECK_EQ(ws.phase_events, 2);
	CHECK_EQ(ws.stale_events, 1);
	CHECK_EQ(ws.updates, 2);
	CHECK_EQ(ws.installs, 1);
	CHECK_EQ(tern_keystate_view(st, &e->conn, &v), 0);
	CHECK_EQ(kt_roundtrip(ctx, c_tx[0], v.rx_cur, v.rx_prev, &cid, 6, msg, sizeof(msg)),
		 -TERN_EBADMSG);

	/* Second update: generation 2, with 3 ready. */
	e->conn.local_generation = 2;
	CHECK_EQ(tern_ctrl_worker_report_phase(ctrl, 0, &cid, 2), 0);
	REQUIRE(wait_note(0, TERN_CTRL_NOTE_KEYS_READY, &m));
	CHECK_EQ(m.generation, 2);
	st = tern_keytable_entry_state(e);
	CHECK(tern_keystate_verify(st));
	CHECK_EQ(st->generation, 2);
	CHECK_EQ(tern_keystate_view(st, &e->conn, &v), 0);
	CHECK_EQ(kt_roundtrip(ctx, c_tx[3], v.rx_cur, v.rx_next, &cid, 7, msg, sizeof(msg)), 0);
	CHECK_EQ(kt_roundtrip(ctx, c_tx[2], v.rx_cur, v.rx_next, &cid, 8, msg, sizeof(msg)), 0);
	e = NULL; /* quiescent below: our pointers are void */

	/* Worker 1: from key objects (next generations derived by control). */
	kt_cid(&cid2, 2, true);
	memset(&k, 0, sizeof(k));
	REQUIRE(tern_lab_keys_create(ctx, TERN_QUIC_V1, TERN_TLS13_AES_256_GCM_SHA384, kt_seed,
				     cid2.bytes, cid2.len, true, &k.rx_cur, &k.tx_cur) == 0);
	CHECK_EQ(tern_ctrl_install_keys(ctrl, 1, &cid2, &k, 7), 0);
	REQUIRE(wait_note(1, TERN_CTRL_NOTE_INSTALLED, &m));
	CHECK_EQ(m.status, 0);
	st = tern_keytable_get(tables[1], &cid2);
	CHECK(st != NULL && tern_keystate_verify(st) && st->rx_next != NULL);
	/* Same CID again: refused, reported in the note. */
	REQUIRE(tern_lab_keys_create(ctx, TERN_QUIC_V1, TERN_TLS13_AES_256_GCM_SHA384, kt_seed,
				     cid2.bytes, cid2.len, true, &k.rx_cur, &k.tx_cur) == 0);
	CHECK_EQ(tern_ctrl_install_keys(ctrl, 1, &cid2, &k, 8), 0);
	REQUIRE(wait_note(1, TERN_CTRL_NOTE_INSTALLED, &m));
	CHECK_EQ(m.status, -TERN_EINVAL);
	CHECK_EQ(m.cookie, 8);

	/* Requests from two threads at once (MP request ring, 64 slots). */
	for (i = 0; i < 2; i++)
		REQUIRE(pthread_create(&th[i], NULL, submit_main, &subs[i]) == 0);
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	CHECK_EQ(subs[0].failures + subs[1].failures, 0);
	end = now_ns() + 20000000000ULL;
	while (tern_keytable_count(tables[1]) < 401 && now_ns() < end) {
		/* drain notes so the note ring does not overflow */
		while (tern_ctrl_worker_poll(ctrl, 1, &m, 1) == 1)
			bad_notes += m.status != 0;
		nap();
	}
	CHECK_EQ(tern_keytable_count(tables[1]), 401);
	CHECK_EQ(bad_notes, 0);
	for (i = 100; i < 500; i++) {
		kt_cid(&cid2, i, true);
		st = tern_keytable_get(tables[1], &cid2);
		if (st == NULL || !tern_keystate_verify(st)) {
			CHECK(false);
			break;
		}
	}

	/* Retire. */
	CHECK_EQ(tern_ctrl_retire(ctrl, 0, &cid, 9), 0);
	REQUIRE(wait_note(0, TERN_CTRL_NOTE_RETIRED, &m));
	CHECK_EQ(m.status, 0);
	CHECK(tern_keytable_lookup(tables[0], &cid) == NULL);
	CHECK_EQ(tern_ctrl_retire(ctrl, 0, &cid, 10), 0);
	REQUIRE(wait_note(0, TERN_CTRL_NOTE_RETIRED, &m));
	CHECK_EQ(m.status, -TERN_EINVAL);
	end = now_ns() + 5000000000ULL;
	do {
		tern_keytable_quiescent(tables[0], 0);
		nap();
		tern_ctrl_worker_stats_get(ctrl, 0, &ws);
	} while (ws.pending_reclaim != 0 && now_ns() < end);
	CHECK_EQ(ws.pending_reclaim, 0);
	CHECK_EQ(ws.retires, 1);
	CHECK_EQ(ws.errors, 1);
	CHECK_EQ(ws.notes_dropped, 0);

	/* Bad requests are refused at submission. */
	memset(&m, 0, sizeof(m));
	m.type = TERN_CTRL_NOTE_INSTALLED;
	CHECK_EQ(tern_ctrl_submit(ctrl, &m), -TERN_EINVAL);
	m.type = TERN_CTRL_REQ_RETIRE;
	m.worker = 2;
	CHECK_EQ(tern_ctrl_submit(ctrl, &m), -TERN_EINVAL);
	CHECK_EQ(tern_ctrl_worker_report_phase(ctrl, 2, &cid, 1), -TERN_EINVAL);
	CHECK_EQ(tern_ctrl_worker_poll(ctrl, 2, &m, 1), 0);

	tern_ctrl_stop(ctrl);
	/* Queued while stopped: freed (secrets zeroized) by tern_ctrl_free. */
	CHECK_EQ(tern_ctrl_install_secrets(ctrl, 0, &cid, TERN_QUIC_V1,
					   TERN_TLS13_AES_128_GCM_SHA256, cs, ss, len, 0),
		 0);
	CHECK_EQ(tern_ctrl_pending_requests(ctrl), 1);
	tern_ctrl_free(ctrl);
	tern_keytable_reader_unregister(tables[0], 0);
	tern_keytable_free(tables[0]);
	tern_keytable_free(tables[1]);
	tern_quic_keys_free(c_rx);
	for (i = 0; i < 4; i++)
		tern_quic_keys_free(c_tx[i]);
	tern_crypto_ctx_free(ctx);
	rte_eal_cleanup();
	return tern_test_done("test_ctrl_thread");
}
