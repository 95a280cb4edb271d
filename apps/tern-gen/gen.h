/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_APP_GEN_H
#define TERN_APP_GEN_H

/**
 * @file
 * Internals of tern-gen. A generator lcore owns a slice of the flows
 * (flow i belongs to worker i % nb_workers), its counters and its latency
 * histogram; the main lcore only reads them (relaxed loads).
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include <tern/crypto.h>
#include <tern/lab_keys.h>
#include <tern/quic_packet.h>

#include "../common/app_common.h"

extern int gen_logtype;
#define GEN_LOG(level, ...) rte_log(RTE_LOG_##level, gen_logtype, "tern-gen: " __VA_ARGS__)

/** Header of every generated payload (plain UDP mode: the whole UDP payload). */
struct gen_payload_hdr {
	uint32_t magic; /**< GEN_MAGIC */
	uint32_t flow;
	uint64_t seq;
	uint64_t tsc; /**< rte_rdtsc() at send: latency without clock sync */
} __rte_packed;

#define GEN_MAGIC	0x5445524eu /* "TERN" */
#define GEN_PAYLOAD_MIN ((unsigned)sizeof(struct gen_payload_hdr))
#define GEN_PAYLOAD_MAX 1472u

/** Per-lcore counters: one writer (the owning lcore). */
struct gen_stats {
	uint64_t tx_pkts;
	uint64_t tx_bytes;
	uint64_t tx_full;	 /**< TX queue full events (packets kept and retried) */
	uint64_t no_mbuf;	 /**< mbuf allocation failed */
	uint64_t rx_pkts;	 /**< every frame received */
	uint64_t replies;	 /**< replies that verified */
	uint64_t bad_replies;	 /**< authenticated (or plain) but wrong content */
	uint64_t not_ours;	 /**< not an IPv4/UDP datagram of ours */
	uint64_t auth_failures;	 /**< QUIC: replies that failed to unprotect */
	uint64_t key_updates;	 /**< QUIC: key phase flips initiated */
	uint64_t peer_key_phase; /**< QUIC: replies seen in a new key phase */
	uint64_t tampered;	 /**< QUIC: requests corrupted on purpose (no reply due) */
};

/** Command-line configuration (main lcore writes it before workers start). */
struct gen_conf {
	uint32_t flows;
	uint32_t size; /**< UDP payload bytes */
	double rate;   /**< packets per second over all workers; 0: as fast as possible */
	double duration;
	double stats_period;
	double drain;
	const char *json;
	uint16_t burst;
	uint16_t nb_rxd;
	uint16_t nb_txd;
	unsigned nb_mbufs;
	unsigned link_wait_ms;
	struct rte_ether_addr dst_mac;
	/* QUIC mode */
	bool quic;
	double key_update_rate; /**< key-phase flips per second over all flows */
	uint32_t tamper_every;	/**< corrupt every Nth protected request; 0: never */
	uint32_t ku_gap_ms;	/**< wait after a confirmed update before the next one */
	uint16_t cipher_suite;
	uint8_t seed[TERN_LAB_SEED_LEN];
};

extern struct gen_conf gen_conf;

/* --- QUIC 1-RTT clients (quic.c) ---------------------------------------- */

/** Connection IDs: 8 bytes, "tg" 0 0 then the flow number (big endian). */
#define GEN_CID_LEN 8
/** Short header: first byte, DCID, 4-byte packet number (RFC 9000 17.3.1). */
#define GEN_QUIC_HDR_LEN (1 + GEN_CID_LEN + 4)
/** QUIC DATAGRAM frame without Length (RFC 9221 4): the echoed payload. */
#define GEN_QUIC_FRAME_DATAGRAM 0x30
/** Bytes a QUIC packet adds around the generator payload. */
#define GEN_QUIC_OVERHEAD (GEN_QUIC_HDR_LEN + 1 + TERN_AEAD_TAG_LEN)

/**
 * One client connection. Key generations (RFC 9001 6): tx_gen is what we
 * send with; rx_gen what the server last answered with. After we flip
 * (tx_gen = rx_gen + 1) the next flip waits until a reply in the new phase
 * confirms the server followed (RFC 9001 6.1, 6.5).
 */
struct gen_qflow {
	struct tern_quic_keys *tx_cur;
	struct tern_quic_keys *tx_next;
	struct tern_quic_keys *rx_prev;
	struct tern_quic_keys *rx_cur;
	struct tern_quic_keys *rx_next;
	uint64_t tx_pn;
	int64_t rx_largest_pn;
	uint64_t tx_gen;
	uint64_t rx_gen;
	uint64_t ku_ok_tsc; /**< no new update before (RFC 9001 6.5: 3 PTO after confirmation) */
};

/** A generator lcore. */
struct gen_lcore {
	struct gen_stats st;
	struct app_hist hist;
	unsigned lcore_id;
	uint16_t port;
	uint16_t queue;
	uint32_t first_flow; /**< flows first_flow, first_flow + stride, ... */
	uint32_t stride;
	uint32_t next_flow;
	uint64_t seq;
	double tx_interval; /**< cycles between packets; 0: no pacing */
	double next_tx;
	struct rte_mempool *pool;
	struct rte_ether_addr src_mac;
	/* Built but not yet accepted by the TX queue: sent before new ones, so
	 * a full queue slows the generator down instead of wasting packets. */
	uint16_t nb_pend;
	struct rte_mbuf *pend[APP_BURST_MAX];
	/* QUIC mode */
	struct tern_crypto_ctx *ctx;
	struct gen_qflow *qflows; /**< indexed by flow / stride */
	uint32_t nb_qflows;
	uint32_t next_ku_flow;	/**< round-robin cursor for key updates */
	uint32_t tamper_count;	/**< requests since the last tampered one */
	double ku_interval;	/**< cycles between key updates; 0: none */
	uint64_t ku_gap_cycles; /**< gen_conf.ku_gap_ms in TSC cycles */
	double next_ku;
} __rte_cache_aligned;

/* Shared by the plain UDP and QUIC paths (main.c). */
void gen_write_l2l3(struct gen_lcore *lc, uint8_t *frame, uint32_t flow, uint16_t udp_payload_len);
uint8_t gen_fill_byte(uint64_t seq, size_t k);
/** Parse Ethernet/IPv4/UDP; @return the UDP payload and its length, or NULL. */
const uint8_t *gen_udp_payload(const struct rte_mbuf *m, size_t *len);

/** Create the lcore's crypto context and every owned flow's keys (main lcore). */
int gen_quic_setup(struct gen_lcore *lc);
void gen_quic_free(struct gen_lcore *lc);
/** Build, protect and queue up to n packets into lc->pend (lcore). */
uint16_t gen_quic_build(struct gen_lcore *lc, uint16_t n, uint64_t now);
/** Unprotect and verify a burst of replies (lcore); frees nothing. */
void gen_quic_rx(struct gen_lcore *lc, struct rte_mbuf **pkts, uint16_t n, uint64_t now);
/** Flip key phases at the configured rate (lcore). */
void gen_quic_key_updates(struct gen_lcore *lc, uint64_t now);

#endif /* TERN_APP_GEN_H */
