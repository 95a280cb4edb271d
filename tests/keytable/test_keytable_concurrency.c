/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Key table under concurrency: one writer (this thread, in the role of the
 * control thread) hammers installs, key updates (phase flips, dropping the
 * previous keys) and retires over a small set of CIDs, while reader threads
 * registered with the table's QSBR variable look CIDs up in bursts and USE
 * the keys they find: every state's checksum and generations are verified
 * (a torn or freed state fails), and a small buffer is sealed and opened
 * with its current and next keys of both directions. Meant for the ASan
 * build too: a key freed before its readers were quiescent is a
 * heap-use-after-free there.
 *
 * Usage: test_keytable_concurrency [seconds, default 5] [readers 1..2, default 2]
 */

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "kt_test.h"

#define N_CIDS 256

static struct tern_keytable *table;
static int stop_flag;
static enum tern_crypto_backend backend;

struct reader {
	pthread_t th;
	unsigned id;
	uint64_t bursts, lookups, hits, uses, verify_fail, use_fail, view_fail;
	uint64_t max_gen;
	int init_fail;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint32_t
xorshift(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

/* Seal with keys k, open with the same keys: exercises AEAD + HP key use. */
static bool
use_keys(struct tern_crypto_ctx *ctx, const struct tern_quic_keys *k,
	 const struct tern_keytable_cid *cid, uint64_t pn)
{
	uint8_t msg[48];

	memset(msg, (int)(pn & 0xff), sizeof(msg));
	return kt_roundtrip(ctx, k, k, NULL, cid, pn, msg, sizeof(msg)) == 0;
}

static void *
reader_main(void *arg)
{
	struct reader *r = arg;
	struct tern_crypto_ctx *ctx;
	struct tern_keytable_cid cids[32];
	struct tern_keytable_entry *ents[32];
	uint32_t seed = 0x1234567u + r->id * 7919u;
	unsigned i;
	int hits;

	if (tern_crypto_ctx_create(backend, &ctx) != 0 ||
	    tern_keytable_reader_register(table, r->id) != 0) {
		r->init_fail = 1;
		return NULL;
	}
	while (!__atomic_load_n(&stop_flag, __ATOMIC_ACQUIRE)) {
		for (i = 0; i < 32; i++)
			kt_cid(&cids[i], xorshift(&seed) % N_CIDS, true);
		hits = tern_keytable_lookup_bulk(table, cids, 32, ents);
		r->lookups += 32;
		if (hits < 0) {
			r->verify_fail++;
			break;
		}
		r->hits += (unsigned)hits;
		for (i = 0; i < 32; i++) {
			const struct tern_keystate *st;
			struct tern_keyview v;

			if (ents[i] == NULL)
				continue;
			st = tern_keytable_entry_state(ents[i]);
			if (st == NULL || !tern_keystate_verify(st) ||
			    memcmp(&st->cid, &cids[i], sizeof(cids[i])) != 0) {
				r->verify_fail++;
				continue;
			}
			/* Only the owning worker writes the counter block. */
			if (r->id == 0) {
				ents[i]->conn.rx_pkts++;
				if (tern_keystate_view(st, &ents[i]->conn, &v) != 0 ||
				    v.rx_cur == NULL || v.generation < st->generation)
					r->view_fail++;
			}
			/* Use every key object a reader may touch; a freed one is
			 * an ASan error, a zeroized one fails verification. */
			if (!use_keys(ctx, st->rx_cur, &cids[i], r->uses) ||
			    !use_keys(ctx, st->tx_cur, &cids[i], r->uses) ||
			    (st->rx_next != NULL &&
			     !use_keys(ctx, st->rx_next, &cids[i], r->uses)) ||
			    (st->rx_prev != NULL && !use_keys(ctx, st->rx_prev, &cids[i], r->uses)))
				r->use_fail++;
			/* Still the same state after use: nothing was torn under us. */
			if (!tern_keystate_verify(st))
				r->verify_fail++;
			if (st->generation > r->max_gen)
				r->max_gen = st->generation;
			r->uses++;
		}
		r->bursts++;
		tern_keytable_quiescent(table, r->id);
	}
	tern_keytable_reader_unregister(table, r->id);
	tern_crypto_ctx_free(ctx);
	return NULL;
}

/* Writer: one random operation on a random CID. */
static int
writer_op(struct tern_crypto_ctx *ctx, uint32_t *seed, uint64_t *ops)
{
	struct tern_keytable_cid cid;
	const struct tern_keystate *st;
	struct tern_keytable_keys k;
	uint32_t r = xorshift(seed);
	int rc;

	kt_cid(&cid, r % N_CIDS, true);
	st = tern_keytable_get(table, &cid);
	if (st == NULL) {
		rc = kt_server_keys(ctx, &cid, &k);
		if (rc == 0)
			rc = tern_keytable_install(table, &cid, &k);
		ops[0]++;
		return rc;
	}
	switch ((r >> 16) % 8) {
	case 0: /* retire */
		ops[2]++;
		return tern_keytable_retire(table, &cid);
	case 1: /* drop previous receive keys */
	case 2:
		if (st->rx_prev == NULL)
			return 0;
		k.rx_prev = NULL;
		k.rx_cur = (struct tern_quic_keys *)st->rx_cur;
		k.rx_next = (struct tern_quic_keys *)st->rx_next;
		k.tx_cur = (struct tern_quic_keys *)st->tx_cur;
		k.tx_next = (struct tern_quic_keys *)st->tx_next;
		ops[3]++;
		return tern_keytable_update(table, &cid, &k);
	default: /* phase flip with the generation after ready */
		k.rx_prev = (struct tern_quic_keys *)st->rx_cur;
		k.rx_cur = (struct tern_quic_keys *)st->rx_next;
		k.tx_cur = (struct tern_quic_keys *)st->tx_next;
		rc = tern_quic_keys_next(ctx, st->rx_next, &k.rx_next);
		if (rc != 0)
			return rc;
		rc = tern_quic_keys_next(ctx, st->tx_next, &k.tx_next);
		if (rc == 0)
			rc = tern_keytable_update(table, &cid, &k);
		if (rc != 0) {
			tern_quic_keys_free(k.rx_next);
			tern_quic_keys_free(k.tx_next);
		}
		ops[1]++;
		return rc;
	}
}

int
main(int argc, char **argv)
{
	struct tern_keytable_params p = {"kt_conc", 4096, SOCKET_ID_ANY, 2};
	struct reader readers[2];
	struct tern_crypto_ctx *ctx;
	struct tern_keytable_stats ks;
	uint64_t ops[4] = {0, 0, 0, 0}, end, max_pending = 0;
	uint32_t seed = 0xc0ffee;
	const char *why = NULL;
	double secs = 5;
	unsigned n_readers = 2, i, errors = 0;

	if (argc > 1)
		secs = atof(argv[1]);
	if (argc > 2)
		n_readers = (unsigned)atoi(argv[2]);
	REQUIRE(n_readers >= 1 && n_readers <= 2 && secs > 0);
	if (kt_eal_init(argv[0], &why) != 0)
		return tern_test_skip("test_keytable_concurrency", why);
	REQUIRE(tern_crypto_ctx_create(TERN_CRYPTO_BACKEND_AUTO, &ctx) == 0);
	backend = tern_crypto_ctx_backend(ctx);
	REQUIRE(tern_keytable_create(&p, &table) == 0);

	/* Start populated so readers hit from the first burst. */
	for (i = 0; i < N_CIDS / 2; i++) {
		struct tern_keytable_cid cid;
		struct tern_keytable_keys k;

		kt_cid(&cid, i * 2, true);
		REQUIRE(kt_server_keys(ctx, &cid, &k) == 0);
		REQUIRE(tern_keytable_install(table, &cid, &k) == 0);
	}

	memset(readers, 0, sizeof(readers));
	for (i = 0; i < n_readers; i++) {
		readers[i].id = i;
		REQUIRE(pthread_create(&readers[i].th, NULL, reader_main, &readers[i]) == 0);
	}
	end = now_ns() + (uint64_t)(secs * 1e9);
	while (now_ns() < end) {
		unsigned pending;

		if (writer_op(ctx, &seed, ops) != 0)
			errors++;
		pending = tern_keytable_reclaim(table);
		if (pending > max_pending)
			max_pending = pending;
	}
	__atomic_store_n(&stop_flag, 1, __ATOMIC_RELEASE);
	for (i = 0; i < n_readers; i++)
		pthread_join(readers[i].th, NULL);
	/* Every reader went offline: everything left can be reclaimed. */
	CHECK_EQ(tern_keytable_reclaim(table), 0);
	tern_keytable_stats_get(table, &ks);

	printf("writer: %llu installs, %llu flips, %llu prev-drops, %llu retires, %u errors; "
	       "reclaimed %llu, max pending %llu\n",
	       (unsigned long long)ops[0], (unsigned long long)ops[1], (unsigned long long)ops[3],
	       (unsigned long long)ops[2], errors, (unsigned long long)ks.reclaimed,
	       (unsigned long long)max_pending);
	for (i = 0; i < n_readers; i++) {
		struct reader *r = &readers[i];

		printf("reader %u: %llu bursts, %llu lookups, %llu hits, %llu states used, "
		       "max generation %llu, %llu verify failures, %llu key-use failures, %llu "
		       "view failures\n",
		       i, (unsigned long long)r->bursts, (unsigned long long)r->lookups,
		       (unsigned long long)r->hits, (unsigned long long)r->uses,
		       (unsigned long long)r->max_gen, (unsigned long long)r->verify_fail,
		       (unsigned long long)r->use_fail, (unsigned long long)r->view_fail);
		CHECK_EQ(r->init_fail, 0);
		CHECK(r->bursts > 10);
		CHECK(r->hits > 0);
		CHECK_EQ(r->verify_fail, 0);
		CHECK_EQ(r->use_fail, 0);
		CHECK_EQ(r->view_fail, 0);
		CHECK(r->max_gen > 1);
	}
	CHECK_EQ(errors, 0);
	CHECK(ops[0] > 10 && ops[1] > 10 && ops[2] > 10 && ops[3] > 10);
	CHECK(ks.reclaimed > 0);
	CHECK_EQ(ks.installs, ops[0] + N_CIDS / 2);
	CHECK_EQ(ks.retires, ops[2]);

	tern_keytable_free(table);
	tern_crypto_ctx_free(ctx);
	rte_eal_cleanup();
	return tern_test_done("test_keytable_concurrency");
}
