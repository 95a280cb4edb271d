/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Key table unit tests: install / lookup / update / retire, deferred
 * reclamation gated by a reader's quiescent state, bulk lookup across many
 * CIDs, and a 100,000-connection table with its bytes per connection.
 *
 * Usage: test_keytable [connections for the scale test, default 100000]
 */

#include <malloc.h>
#include <stdlib.h>
#include <time.h>

#include <rte_lcore.h>
#include <rte_malloc.h>

#include "kt_test.h"

static struct tern_crypto_ctx *ctx;

static void
test_basic(void)
{
	struct tern_keytable_params p = {"kt_basic", 64, SOCKET_ID_ANY, 1};
	struct tern_keytable *t = NULL;
	struct tern_keytable_cid cid, other;
	struct tern_keytable_keys k, bad, k2;
	struct tern_keytable_entry *e;
	const struct tern_keystate *st, *st0;
	struct tern_keytable_stats ks;
	struct tern_quic_keys *c_rx, *c_tx, *c_tx1;
	struct tern_keyview v;
	const uint8_t msg[] = "hello, key table";

	REQUIRE(tern_keytable_create(&p, &t) == 0);
	CHECK(tern_keytable_create(&p, &(struct tern_keytable *){NULL}) != 0); /* same name */
	kt_cid(&cid, 1, false);
	kt_cid(&other, 2, false);
	REQUIRE(kt_server_keys(ctx, &cid, &k) == 0);
	/* The peer (client) side, derived independently from the same seed. */
	REQUIRE(tern_lab_keys_create(ctx, TERN_QUIC_V1, TERN_TLS13_AES_128_GCM_SHA256, kt_seed,
				     cid.bytes, cid.len, false, &c_rx, &c_tx) == 0);
	REQUIRE(tern_quic_keys_next(ctx, c_tx, &c_tx1) == 0);

	/* Inconsistent generations are refused before anything is published. */
	bad = k;
	bad.rx_next = k.tx_cur;
	CHECK_EQ(tern_keytable_install(t, &cid, &bad), -TERN_EINVAL);
	bad = k;
	bad.rx_prev = k.rx_cur;
	CHECK_EQ(tern_keytable_install(t, &cid, &bad), -TERN_EINVAL);
	CHECK_EQ(tern_keytable_count(t), 0);

	CHECK_EQ(tern_keytable_install(t, &cid, &k), 0);
	CHECK_EQ(tern_keytable_count(t), 1);
	CHECK_EQ(tern_keytable_install(t, &cid, &k), -TERN_EINVAL); /* duplicate */
	CHECK(tern_keytable_lookup(t, &other) == NULL);
	e = tern_keytable_lookup(t, &cid);
	REQUIRE(e != NULL);
	st0 = st = tern_keytable_entry_state(e);
	REQUIRE(st != NULL);
	CHECK(tern_keystate_verify(st));
	CHECK_EQ(st->generation, 0);
	CHECK_EQ(st->key_phase, 0);
	CHECK(st->rx_prev == NULL);
	CHECK(st->rx_cur == k.rx_cur && st->tx_next == k.tx_next);
	CHECK_EQ(e->conn.rx_largest_pn, -1);
	CHECK_EQ(e->conn.local_generation, 0);
	CHECK(tern_keytable_get(t, &cid) == st);
	/* The installed keys open what the peer sealed, and not the other way. */
	CHECK_EQ(kt_roundtrip(ctx, c_tx, st->rx_cur, NULL, &cid, 7, msg, sizeof(msg)), 0);
	CHECK_EQ(kt_roundtrip(ctx, st->tx_cur, c_rx, NULL, &cid, 8, msg, sizeof(msg)), 0);
	CHECK_EQ(kt_roundtrip(ctx, c_rx, st->rx_cur, NULL, &cid, 9, msg, sizeof(msg)),
		 -TERN_EBADMSG);

	/* A reader online but not yet quiescent holds off reclamation. */
	REQUIRE(tern_keytable_reader_register(t, 0) == 0);
	CHECK_EQ(tern_keytable_reader_register(t, 1), -TERN_EINVAL);

	/* Worker flips first (peer used phase 1): the view shifts by one. */
	e->conn.local_generation = 1;
	CHECK_EQ(tern_keystate_view(st, &e->conn, &v), 0);
	CHECK(v.rx_cur == st->rx_next && v.rx_prev == st->rx_cur && v.tx_cur == st->tx_next);
	CHECK_EQ(v.key_phase, 1);
	CHECK_EQ(kt_roundtrip(ctx, c_tx1, v.rx_cur, v.rx_prev, &cid, 10, msg, sizeof(msg)), 0);

	/* Control publishes generation 1 with generation 2 ready. */
	memset(&k2, 0, sizeof(k2));
	k2.rx_prev = k.rx_cur;
	k2.rx_cur = k.rx_next;
	k2.tx_cur = k.tx_next;
	REQUIRE(tern_quic_keys_next(ctx, k.rx_next, &k2.rx_next) == 0);
	REQUIRE(tern_quic_keys_next(ctx, k.tx_next, &k2.tx_next) == 0);
	CHECK_EQ(tern_keytable_update(t, &other, &k2), -TERN_EINVAL);
	CHECK_EQ(tern_keytable_update(t, &cid, &k2), 0);
	st = tern_keytable_entry_state(e);
	CHECK(st != st0);
	CHECK(tern_keystate_verify(st));
	CHECK_EQ(st->generation, 1);
	CHECK_EQ(st->key_phase, 1);
	CHECK(st->serial > st0->serial);
	/* Old state still intact for a reader that loaded it before: */
	CHECK(tern_keystate_verify(st0));
	CHECK_EQ(tern_keystate_view(st, &e->conn, &v), 0);
	CHECK(v.rx_cur == st->rx_cur && v.rx_next == st->rx_next);
	/* Packets of both phases still open (RFC 9001 6.5). */
	CHECK_EQ(kt_roundtrip(ctx, c_tx1, v.rx_cur, v.rx_prev, &cid, 11, msg, sizeof(msg)), 0);
	CHECK_EQ(kt_roundtrip(ctx, c_tx, v.rx_cur, v.rx_prev, &cid, 12, msg, sizeof(msg)), 0);

	tern_keytable_stats_get(t, &ks);
	CHECK_EQ(ks.installs, 1);
	CHECK_EQ(ks.updates, 1);
	CHECK_EQ(ks.pending_reclaim, 2); /* old state + old tx_cur */
	CHECK_EQ(tern_keytable_reclaim(t), 2);
	tern_keytable_quiescent(t, 0);
	CHECK_EQ(tern_keytable_reclaim(t), 0);
	tern_keytable_stats_get(t, &ks);
	CHECK_EQ(ks.reclaimed, 2);

	/* Drop the previous rx keys. */
	k2.rx_prev = NULL;
	CHECK_EQ(tern_keytable_update(t, &cid, &k2), 0);
	st = tern_keytable_get(t, &cid);
	CHECK(st != NULL && st->rx_prev == NULL && tern_keystate_verify(st));
	CHECK_EQ(tern_keytable_reclaim(t), 2); /* state + generation-0 rx */
	tern_keytable_quiescent(t, 0);
	CHECK_EQ(tern_keytable_reclaim(t), 0);

	/* Retire: gone for new lookups at once, freed after quiescence. */
	CHECK_EQ(tern_keytable_retire(t, &cid), 0);
	CHECK(tern_keytable_lookup(t, &cid) == NULL);
	CHECK_EQ(tern_keytable_count(t), 0);
	CHECK_EQ(tern_keytable_retire(t, &cid), -TERN_EINVAL);
	CHECK_EQ(tern_keytable_reclaim(t), 6); /* 4 keys + state + entry */
	tern_keytable_quiescent(t, 0);
	CHECK_EQ(tern_keytable_reclaim(t), 0);
	tern_keytable_stats_get(t, &ks);
	CHECK_EQ(ks.retires, 1);
	CHECK(ks.failures >= 5);

	/* The same CID can come back. */
	REQUIRE(kt_server_keys(ctx, &cid, &k) == 0);
	CHECK_EQ(tern_keytable_install(t, &cid, &k), 0);
	CHECK(tern_keytable_lookup(t, &cid) != NULL);

	tern_keytable_reader_unregister(t, 0);
	tern_keytable_free(t);
	tern_quic_keys_free(c_rx);
	tern_quic_keys_free(c_tx);
	tern_quic_keys_free(c_tx1);
}

static void
test_full(void)
{
	struct tern_keytable_params p = {"kt_full", 16, SOCKET_ID_ANY, 1};
	struct tern_keytable *t;
	struct tern_keytable_cid cid;
	struct tern_keytable_keys k;
	uint32_t i;

	REQUIRE(tern_keytable_create(&p, &t) == 0);
	for (i = 0; i < 16; i++) {
		kt_cid(&cid, i, true);
		REQUIRE(kt_server_keys(ctx, &cid, &k) == 0);
		CHECK_EQ(tern_keytable_install(t, &cid, &k), 0);
	}
	kt_cid(&cid, 99, true);
	REQUIRE(kt_server_keys(ctx, &cid, &k) == 0);
	CHECK_EQ(tern_keytable_install(t, &cid, &k), -TERN_ENOBUFS);
	tern_quic_keys_free(k.rx_cur);
	tern_quic_keys_free(k.rx_next);
	tern_quic_keys_free(k.tx_cur);
	tern_quic_keys_free(k.tx_next);
	tern_keytable_free(t);
}

/* Bulk lookups over n installed CIDs of mixed lengths, with misses mixed in. */
static void
bulk_check(struct tern_keytable *t, uint32_t n, bool vary_len)
{
	struct tern_keytable_cid cids[32];
	struct tern_keytable_entry *ents[32];
	uint32_t base, i, want, hits_total = 0, bad = 0;
	int got;

	for (base = 0; base < 2 * n; base += 32) {
		want = 0;
		for (i = 0; i < 32; i++) {
			/* Even slots: installed CIDs; odd slots: CIDs >= n (absent). */
			uint32_t id = (i % 2 == 0) ? (base / 2 + i / 2) % n : n + base + i;

			kt_cid(&cids[i], id, vary_len);
			want += (i % 2 == 0);
		}
		got = tern_keytable_lookup_bulk(t, cids, 32, ents);
		if (got != (int)want)
			bad++;
		for (i = 0; i < 32; i++) {
			const struct tern_keystate *st;

			if (i % 2 == 1) {
				bad += ents[i] != NULL;
				continue;
			}
			if (ents[i] == NULL) {
				bad++;
				continue;
			}
			st = tern_keytable_entry_state(ents[i]);
			bad += memcmp(&st->cid, &cids[i], sizeof(cids[i])) != 0;
			hits_total++;
		}
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(hits_total, n);
}

static void
test_bulk(void)
{
	struct tern_keytable_params p = {"kt_bulk", 2048, SOCKET_ID_ANY, 1};
	struct tern_keytable *t;
	struct tern_keytable_cid cid, cids[TERN_KEYTABLE_BULK_MAX + 1];
	struct tern_keytable_entry *ents[TERN_KEYTABLE_BULK_MAX + 1];
	struct tern_keytable_keys k;
	uint32_t i, n = 2000;

	REQUIRE(tern_keytable_create(&p, &t) == 0);
	for (i = 0; i < n; i++) {
		kt_cid(&cid, i, true);
		REQUIRE(kt_server_keys(ctx, &cid, &k) == 0);
		REQUIRE(tern_keytable_install(t, &cid, &k) == 0);
	}
	CHECK_EQ(tern_keytable_count(t), n);
	bulk_check(t, n, true);
	memset(cids, 0, sizeof(cids));
	CHECK_EQ(tern_keytable_lookup_bulk(t, cids, TERN_KEYTABLE_BULK_MAX + 1, ents),
		 -TERN_EINVAL);
	CHECK_EQ(tern_keytable_lookup_bulk(t, cids, 0, ents), 0);
	/* Retire every third; lookups see exactly the rest. */
	for (i = 0; i < n; i += 3) {
		kt_cid(&cid, i, true);
		CHECK_EQ(tern_keytable_retire(t, &cid), 0);
	}
	for (i = 0; i < n; i++) {
		kt_cid(&cid, i, true);
		if ((tern_keytable_lookup(t, &cid) == NULL) != (i % 3 == 0)) {
			CHECK(false);
			break;
		}
	}
	CHECK_EQ(tern_keytable_reclaim(t), 0); /* no reader registered: immediate */
	tern_keytable_free(t);
}

static size_t
rte_heap_used(void)
{
	struct rte_malloc_socket_stats s;

	if (rte_malloc_get_socket_stats((int)rte_socket_id(), &s) != 0)
		return 0;
	return s.heap_allocsz_bytes;
}

static void
test_scale(uint32_t n)
{
	struct tern_keytable_params p = {"kt_scale", n, SOCKET_ID_ANY, 1};
	struct tern_keytable *t;
	struct tern_keytable_cid cid;
	struct tern_keytable_keys k;
	struct mallinfo2 m0, m1;
	size_t r0, r1, r2;
	struct timespec a, b;
	double secs;
	uint32_t i;

	r0 = rte_heap_used();
	REQUIRE(tern_keytable_create(&p, &t) == 0);
	r1 = rte_heap_used();
	m0 = mallinfo2();
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++) {
		kt_cid(&cid, i, false);
		REQUIRE(kt_server_keys(ctx, &cid, &k) == 0);
		if (tern_keytable_install(t, &cid, &k) != 0) {
			CHECK(false);
			break;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	m1 = mallinfo2();
	r2 = rte_heap_used();
	CHECK_EQ(tern_keytable_count(t), n);
	secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	printf("scale: %u connections installed in %.2f s (4 key objects each, lab keys)\n", n,
	       secs);
	printf("scale: table (rte_malloc: rte_hash + entries + QSBR, fixed at creation): %zu "
	       "bytes = %.1f bytes/connection\n",
	       (r1 - r0) + (r2 - r1), (double)((r1 - r0) + (r2 - r1)) / n);
	if (m1.uordblks > m0.uordblks) {
		printf("scale: key state + key objects (libc heap, mallinfo2 delta while filling): "
		       "%zu bytes = %.1f bytes/connection\n",
		       (size_t)(m1.uordblks - m0.uordblks),
		       (double)(m1.uordblks - m0.uordblks) / n);
		printf("scale: total %.1f bytes/connection\n",
		       (double)((r2 - r0) + (m1.uordblks - m0.uordblks)) / n);
	} else {
		/* Sanitizer allocators do not report through mallinfo2. */
		printf("scale: key state + key objects: not measurable here (mallinfo2 shows no "
		       "change: sanitizer allocator?)\n");
	}
	CHECK(r1 > r0);
	bulk_check(t, n, false);
	tern_keytable_free(t);
}

int
main(int argc, char **argv)
{
	const char *why = NULL;
	uint32_t n = 100000;

	if (argc > 1)
		n = (uint32_t)strtoul(argv[1], NULL, 0);
	if (kt_eal_init(argv[0], &why) != 0)
		return tern_test_skip("test_keytable", why);
	REQUIRE(tern_crypto_ctx_create(TERN_CRYPTO_BACKEND_AUTO, &ctx) == 0);
	test_basic();
	test_full();
	test_bulk();
	test_scale(n);
	tern_crypto_ctx_free(ctx);
	rte_eal_cleanup();
	return tern_test_done("test_keytable");
}
