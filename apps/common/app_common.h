/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_APP_COMMON_H
#define TERN_APP_COMMON_H

/**
 * @file
 * Helpers shared by the tern and tern-gen applications (not a public API):
 * port bring-up, mbuf pool sizing, a log2 latency histogram, relaxed
 * single-writer counters and a tiny JSON writer.
 *
 * Threading: app_port_setup() and app_pool_create() are main-lcore calls
 * made before workers start. Counters and histograms have one writer (the
 * owning lcore) and any number of readers (main lcore, telemetry thread).
 */

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_common.h>
#include <rte_mempool.h>

/**
 * Single-writer statistics counters: the owner adds with a relaxed store
 * (a plain mov on x86, no read-modify-write), readers load relaxed. The
 * value may be a few bursts stale for readers, never torn.
 */
#define APP_STAT_ADD(field, n) __atomic_store_n(&(field), (field) + (n), __ATOMIC_RELAXED)
#define APP_STAT_GET(field)    __atomic_load_n(&(field), __ATOMIC_RELAXED)

/** Default burst size (DPDK convention). */
#define APP_BURST_DEFAULT 32
#define APP_BURST_MAX	  64

/** Per-port queue setup requested by an application. */
struct app_port_conf {
	uint16_t nb_queues; /**< RX and TX queues (one pair per worker) */
	uint16_t nb_rxd;
	uint16_t nb_txd;
	struct rte_mempool *pool;
	bool promisc;
};

/**
 * Mbufs needed so that every RX ring can be full, every TX ring can hold
 * a full ring in flight, every worker can hold a burst and the per-lcore
 * mempool caches can be full at the same time.
 */
unsigned app_pool_size(unsigned nb_ports, unsigned nb_queues, unsigned nb_rxd, unsigned nb_txd,
		       unsigned burst, unsigned nb_lcores, unsigned cache);

/**
 * Create the packet mbuf pool (on the caller's socket) and log its size.
 * @return the pool, or NULL with the reason logged.
 */
struct rte_mempool *app_pool_create(const char *name, unsigned nb_mbufs, unsigned cache,
				    uint16_t data_room, int logtype);

/**
 * Configure and start one port with conf->nb_queues RX/TX queue pairs.
 * Queue descriptor counts are clamped to the device limits.
 * @return 0 or a negative errno-style code (logged).
 */
int app_port_setup(uint16_t port, const struct app_port_conf *conf, int logtype);

/** Wait up to timeout_ms for the link of port to come up. @return true if up. */
bool app_port_wait_link(uint16_t port, unsigned timeout_ms);

/** Stop and close every port. */
void app_ports_close(void);

/* --- Lab keying arguments (shared by tern quic-echo and tern-gen --quic) ---
 * BENCHMARK ONLY: both sides derive every connection's keys from this seed
 * (include/tern/lab_keys.h); whoever knows the seed can decrypt everything.
 */
#define APP_LAB_SEED_LEN 32

/** The default lab seed: bytes 0x00, 0x01, ..., 0x1f. */
void app_lab_seed_default(uint8_t seed[APP_LAB_SEED_LEN]);

/** Parse 64 hex digits. @return 0 or -1. */
int app_parse_seed(const char *hex, uint8_t seed[APP_LAB_SEED_LEN]);

/** "aes128" / "aes256" -> TLS 1.3 cipher suite. @return 0 or -1. */
int app_parse_suite(const char *name, uint16_t *suite);

/* --- Signals ------------------------------------------------------------ */

/** Set by SIGINT/SIGTERM. */
extern volatile sig_atomic_t app_signal_quit;

/** Install SIGINT/SIGTERM handlers that set app_signal_quit. */
void app_signals_install(void);

/* --- Latency histogram ---------------------------------------------------
 * HDR-like: each power of two is split into APP_HIST_SUB linear buckets, so
 * the relative error of a percentile is at most 1/APP_HIST_SUB. Values are
 * TSC cycles.
 */
#define APP_HIST_SUB_BITS 3
#define APP_HIST_SUB	  (1u << APP_HIST_SUB_BITS)
#define APP_HIST_BUCKETS  (64 * APP_HIST_SUB)

struct app_hist {
	uint64_t count[APP_HIST_BUCKETS];
	uint64_t total;
	uint64_t max;
};

/** Bucket index of a value. */
static inline unsigned
app_hist_bucket(uint64_t v)
{
	if (v < APP_HIST_SUB)
		return (unsigned)v;
	unsigned msb = 63u - (unsigned)__builtin_clzll(v);
	unsigned sub = (unsigned)(v >> (msb - APP_HIST_SUB_BITS)) & (APP_HIST_SUB - 1);
	return (msb - APP_HIST_SUB_BITS + 1) * APP_HIST_SUB + sub;
}

/** Record a value; owner lcore only. */
static inline void
app_hist_record(struct app_hist *h, uint64_t v)
{
	unsigned b = app_hist_bucket(v);
	APP_STAT_ADD(h->count[b], 1);
	APP_STAT_ADD(h->total, 1);
	if (v > h->max)
		__atomic_store_n(&h->max, v, __ATOMIC_RELAXED);
}

/** Add src into dst (reader side: relaxed loads of src). */
void app_hist_merge(struct app_hist *dst, const struct app_hist *src);

/** Upper bound of the bucket holding the q-quantile (0 < q <= 1); 0 if empty. */
uint64_t app_hist_quantile(const struct app_hist *h, double q);

/* --- JSON writer ----------------------------------------------------------
 * Enough for flat statistics objects: nested objects/arrays, numbers and
 * plain ASCII strings (names chosen by us, never escaped input).
 */
struct app_json {
	FILE *f;
	unsigned depth;
	bool need_comma[16];
};

void app_json_begin(struct app_json *j, FILE *f);
void app_json_obj_open(struct app_json *j, const char *key);
void app_json_obj_close(struct app_json *j);
void app_json_arr_open(struct app_json *j, const char *key);
void app_json_arr_close(struct app_json *j);
void app_json_u64(struct app_json *j, const char *key, uint64_t v);
void app_json_dbl(struct app_json *j, const char *key, double v);
void app_json_str(struct app_json *j, const char *key, const char *v);
void app_json_end(struct app_json *j);

#endif /* TERN_APP_COMMON_H */
