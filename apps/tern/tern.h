/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_APP_TERN_H
#define TERN_APP_TERN_H

/**
 * @file
 * Internals of the tern application: forwarding engines (testpmd's
 * struct fwd_engine model), per-lcore state and statistics.
 *
 * Threading: struct tern_lcore belongs to its worker lcore; only that lcore
 * writes it while forwarding runs. The main lcore and the telemetry thread
 * read its counters with relaxed loads (APP_STAT_GET). Engines are switched
 * only while forwarding is stopped and every worker has acknowledged it.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#include "../common/app_common.h"

extern int tern_logtype_app;
#define TERN_LOG(level, ...) rte_log(RTE_LOG_##level, tern_logtype_app, "tern: " __VA_ARGS__)

/** Why a packet was dropped by an engine (per-lcore counters). */
enum tern_drop {
	TERN_DROP_TX_FULL,   /**< TX queue full */
	TERN_DROP_MALFORMED, /**< frame too short or headers inconsistent */
	TERN_DROP_NOT_QUIC,  /**< not a UDP datagram for us / not a short header */
	TERN_DROP_NO_KEY,    /**< unknown connection ID */
	TERN_DROP_AUTH,	     /**< AEAD authentication failed */
	TERN_DROP_NO_MBUF,   /**< could not build the reply */
	TERN_DROP_COUNT
};

extern const char *const tern_drop_names[TERN_DROP_COUNT];

/** Per-lcore counters; written by the owner lcore only. */
struct tern_core_stats {
	uint64_t rx_pkts;
	uint64_t rx_bytes;
	uint64_t tx_pkts;
	uint64_t tx_bytes;
	uint64_t drops[TERN_DROP_COUNT];
	uint64_t crypto_ops;  /**< packets through AEAD + header protection */
	uint64_t crypto_fail; /**< crypto ops that failed */
	uint64_t busy_cycles; /**< TSC cycles spent in bursts that received packets */
	uint64_t busy_pkts;   /**< packets received in those bursts */
	uint64_t busy_bursts; /**< bursts that received packets */
	uint64_t key_updates; /**< peer key-phase changes followed */
};

/** One RX queue polled by a worker and where its packets go. */
struct tern_stream {
	uint16_t rx_port;
	uint16_t rx_queue;
	uint16_t tx_port;
	uint16_t tx_queue;
};

struct tern_fwd_engine;
struct tern_net;

/** A worker lcore. */
struct tern_lcore {
	struct tern_core_stats st;
	unsigned lcore_id;
	unsigned idx; /**< 0..nb_workers-1: queue index on every port */
	uint16_t nb_streams;
	uint16_t burst;
	struct tern_stream streams[RTE_MAX_ETHPORTS];
	const struct tern_fwd_engine *engine; /**< engine this lcore runs now */
	void *priv;			      /**< engine's per-lcore state */
	bool engine_active;		      /**< lcore_init done for engine */
	bool engine_failed;		      /**< lcore_init failed in this start */
	/** Host stack per port (--ip/--ip6), NULL when off; see host.c. */
	struct tern_net *net[RTE_MAX_ETHPORTS];
	uint64_t net_next_poll; /**< TSC of the next neighbour-timer poll */
} __rte_cache_aligned;

/**
 * A forwarding mode. burst() handles one RX burst of one stream and returns
 * the number of packets received (0: nothing was done, the cycles are not
 * counted as busy).
 */
struct tern_fwd_engine {
	const char *name;
	const char *help;
	/** Main lcore, once before the first start in this mode; may be NULL. */
	int (*init)(void);
	/** On the worker lcore when forwarding starts; may be NULL. */
	int (*lcore_init)(struct tern_lcore *lc);
	/** On the worker lcore when forwarding stops; may be NULL. */
	void (*lcore_fini)(struct tern_lcore *lc);
	/** Main lcore at exit, after lcore_fini on every lcore; may be NULL. */
	void (*fini)(void);
	/** Key table description for "show keys"; may be NULL. */
	void (*show_keys)(FILE *f);
	uint16_t (*burst)(struct tern_lcore *lc, const struct tern_stream *s);
};

/** TX attempts before the rest of a burst is dropped (as testpmd's --tx-retry). */
#define TERN_TX_RETRIES 64

/**
 * Send n packets, retrying a full TX queue a bounded number of times; what
 * still does not fit is freed and counted as TERN_DROP_TX_FULL. Updates
 * tx_pkts and tx_bytes. Worker lcore only.
 *
 * @return Packets sent.
 */
static inline uint16_t
tern_tx_burst(struct tern_lcore *lc, const struct tern_stream *s, struct rte_mbuf **pkts,
	      uint16_t n)
{
	uint16_t sent = 0;
	uint64_t bytes = 0;

	for (unsigned r = 0; sent < n && r < TERN_TX_RETRIES; r++) {
		if (r != 0)
			rte_pause();
		sent = (uint16_t)(sent +
				  rte_eth_tx_burst(s->tx_port, s->tx_queue, &pkts[sent], n - sent));
	}
	for (uint16_t i = 0; i < sent; i++)
		bytes += rte_pktmbuf_pkt_len(pkts[i]);
	if (sent < n) {
		rte_pktmbuf_free_bulk(&pkts[sent], n - sent);
		APP_STAT_ADD(lc->st.drops[TERN_DROP_TX_FULL], (uint64_t)(n - sent));
	}
	APP_STAT_ADD(lc->st.tx_pkts, sent);
	APP_STAT_ADD(lc->st.tx_bytes, bytes);
	return sent;
}

extern const struct tern_fwd_engine tern_fwd_io;
extern const struct tern_fwd_engine tern_fwd_macswap;

#ifdef TERN_HAVE_QUIC_ECHO
extern const struct tern_fwd_engine tern_fwd_quic_echo;
#endif

/** quic-echo options (lab keying: BENCHMARK ONLY). */
struct tern_quic_opts {
	uint32_t conns;		/**< connections installed (CIDs "tg" 0 0 + be32 index) */
	uint32_t key_retire_ms; /**< previous receive keys kept after an update */
	uint16_t suite;		/**< TLS 1.3 cipher suite */
	uint8_t seed[APP_LAB_SEED_LEN];
};

/** Global application state (main lcore owns it). */
struct tern_app {
	struct tern_lcore *lcores;
	unsigned nb_lcores;
	uint16_t nb_ports;
	uint16_t burst;
	const struct tern_fwd_engine *engine;
	struct tern_quic_opts quic;
	uint64_t tsc_hz;
	uint64_t start_tsc;
	uint64_t fwd_start_tsc;
	bool fwd_on;
	bool quit;
};

extern struct tern_app tern_app;

/** The engine table; NULL-terminated. */
extern const struct tern_fwd_engine *const tern_fwd_engines[];
const struct tern_fwd_engine *tern_fwd_engine_find(const char *name);

/** Start / stop forwarding (main lcore). stop waits for every worker. */
int tern_fwd_start(void);
void tern_fwd_stop(void);
int tern_fwd_set_mode(const char *name);
void tern_request_quit(void);

/* stats.c */
void tern_stats_sum(struct tern_core_stats *sum);
void tern_stats_print_ports(FILE *f);
void tern_stats_print_cores(FILE *f);
void tern_stats_print_line(FILE *f);
int tern_stats_write_json(const char *path);
void tern_telemetry_register(void);

/* host.c: ARP/NDP/ICMP for the engine's own addresses (--ip, --ip6). */
#ifdef TERN_HAVE_NET
#include <tern/net.h>

struct app_json;
int tern_host_parse_ip(const char *arg);
int tern_host_parse_ip6(const char *arg);
int tern_host_parse_gateway(const char *arg);
bool tern_host_enabled(void);
/** Main lcore, after the ports are configured: one stack per lcore and port. */
int tern_host_create(struct rte_mempool *pool);
void tern_host_free(void);
/** Worker: neighbour timers of the lcore's stacks (rate-limited inside). */
void tern_host_poll(struct tern_lcore *lc);
void tern_host_sum(struct tern_net_stats *sum);
void tern_host_print(FILE *f);
void tern_host_json(struct app_json *j);

/** Hand frames a mode does not process to the lcore's stack of port (or free them). */
static inline uint16_t
tern_host_rx(struct tern_lcore *lc, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	if (n == 0)
		return 0;
	if (lc->net[port] == NULL) {
		rte_pktmbuf_free_bulk(pkts, n);
		return 0;
	}
	tern_net_rx_burst(lc->net[port], pkts, n, rte_rdtsc());
	return n;
}
#endif

/* prompt.c */
struct cmdline;
struct cmdline *tern_prompt_start(void);
/** @return false once the user asked to quit. */
bool tern_prompt_poll(struct cmdline *cl);
void tern_prompt_stop(struct cmdline *cl);

#endif /* TERN_APP_TERN_H */
