/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_DATAPLANE_NET_PRIV_H
#define TERN_DATAPLANE_NET_PRIV_H

/*
 * Internals of dataplane/net shared between its files: the per-lcore state,
 * counting helpers, and the per-protocol input functions. Each input function
 * takes ownership of the mbuf: it frees it (counting the drop reason),
 * turns it into a reply, or parks it for a UDP handler.
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "dataplane/cursor.h"
#include "tern/error.h"
#include "tern/net.h"

extern int tern_net_logtype;
#define NET_LOG(level, ...) rte_log(RTE_LOG_##level, tern_net_logtype, "tern_net: " __VA_ARGS__)

#define NET_TX_BUF    64 /* queued TX frames before an early flush */
#define NET_POLL_SCAN 16 /* neighbour entries aged per tern_net_poll() */
#define NET_PROBE     8	 /* neighbour table probe window */

#define NET_ETH_LEN  14
#define NET_IPV4_LEN 20
#define NET_IPV6_LEN 40
#define NET_UDP_LEN  8
#define NET_ARP_LEN  28
#define NET_NDP_LEN  24 /* NS/NA without options (RFC 4861 section 4.3/4.4) */

#define NET_ETHERTYPE_IPV4 0x0800
#define NET_ETHERTYPE_ARP  0x0806
#define NET_ETHERTYPE_IPV6 0x86dd

#define NET_PROTO_ICMP	 1
#define NET_PROTO_UDP	 17
#define NET_PROTO_ICMPV6 58

enum net_neigh_state {
	NET_NEIGH_FREE = 0,
	NET_NEIGH_INCOMPLETE, /* request sent, packets may wait in q */
	NET_NEIGH_REACHABLE,  /* mac valid; past expire it is used while re-resolving */
};

struct net_neigh {
	uint8_t state;
	uint8_t family;
	uint8_t nq;	  /* packets waiting in q */
	uint8_t requests; /* requests sent since the last confirmation */
	uint8_t addr[16]; /* IPv4 in the first 4 bytes */
	struct rte_ether_addr mac;
	uint64_t expire;   /* REACHABLE until */
	uint64_t last_req; /* TSC of the last request */
	struct rte_mbuf *q[TERN_NET_NEIGH_QLEN];
};

struct net_udp_handler {
	uint16_t port;
	tern_net_udp_handler_t cb;
	void *opaque;
};

struct tern_net {
	struct tern_net_conf conf;
	uint64_t now;
	uint64_t reachable_tsc;
	uint64_t retrans_tsc;
	rte_be32_t ipv4_mask;
	bool has_ipv6_global;
	uint8_t ipv6_ll[16];	/* fe80::/64 + EUI-64 of our MAC */
	uint8_t snm_global[16]; /* solicited-node multicast groups (RFC 4291 2.7.1) */
	uint8_t snm_ll[16];

	uint16_t ntx;
	uint16_t nhandlers;
	uint16_t nudp;
	struct rte_mbuf *tx[NET_TX_BUF];
	struct net_udp_handler handlers[TERN_NET_UDP_MAX_HANDLERS];

	/* UDP datagrams of the current chunk, dispatched per port at its end */
	struct rte_mbuf *udp_pkts[TERN_NET_BURST];
	struct tern_net_udp_meta udp_meta[TERN_NET_BURST];
	uint8_t udp_handler[TERN_NET_BURST];

	struct tern_net_stats stats __rte_cache_aligned;

	uint32_t neigh_mask;
	uint32_t neigh_scan;
	struct net_neigh neigh[] __rte_cache_aligned;
} __rte_cache_aligned;

static inline void
net_count_rx(struct tern_net *net, enum tern_net_proto p, const struct rte_mbuf *m)
{
	net->stats.rx_pkts[p]++;
	net->stats.rx_bytes[p] += rte_pktmbuf_pkt_len(m);
}

static inline void
net_drop(struct tern_net *net, struct rte_mbuf *m, enum tern_net_drop reason)
{
	net->stats.drops[reason]++;
	rte_pktmbuf_free(m);
}

/* One's-complement sum over bytes, any alignment (RFC 1071). */
static inline uint32_t
net_sum(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static inline uint16_t
net_fold(uint32_t sum)
{
	sum = (sum >> 16) + (sum & 0xffff);
	sum = (sum >> 16) + (sum & 0xffff);
	return (uint16_t)sum;
}

static inline bool
net_ipv6_is_multicast(const uint8_t *a)
{
	return a[0] == 0xff;
}

static inline bool
net_ipv6_is_unspecified(const uint8_t *a)
{
	static const uint8_t zero[16];

	return memcmp(a, zero, 16) == 0;
}

static inline bool
net_ipv6_is_linklocal(const uint8_t *a)
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

/* Is a (IPv6) one of our unicast addresses? */
static inline bool
net_ipv6_is_ours(const struct tern_net *net, const uint8_t *a)
{
	return memcmp(a, net->ipv6_ll, 16) == 0 ||
	       (net->has_ipv6_global && memcmp(a, net->conf.ipv6_addr, 16) == 0);
}

/* Queue a finished frame for TX; counts it under proto. */
void net_tx_enqueue(struct tern_net *net, struct rte_mbuf *m, enum tern_net_proto proto);

/* Input functions; c is positioned after the Ethernet header. */
void net_arp_input(struct tern_net *net, struct rte_mbuf *m, struct tern_rcursor *c);
void net_ipv4_input(struct tern_net *net, struct rte_mbuf *m, struct tern_rcursor *c);
void net_ipv6_input(struct tern_net *net, struct rte_mbuf *m, struct tern_rcursor *c);

/*
 * UDP input: c covers exactly the UDP header and payload; meta has the
 * addresses filled in; l4_off is the UDP header's offset in the frame;
 * pseudo is the pseudo-header sum (RFC 768 / RFC 8200 section 8.1).
 */
void net_udp_input(struct tern_net *net, struct rte_mbuf *m, struct tern_rcursor *c,
		   struct tern_net_udp_meta *meta, uint32_t pseudo);
void net_udp_dispatch(struct tern_net *net);

/* Neighbour cache (neigh.c). */
struct net_neigh *net_neigh_find(struct tern_net *net, uint8_t family, const uint8_t *addr);
/* A confirmed mapping: create (if create) or refresh, and flush waiting packets. */
void net_neigh_confirm(struct tern_net *net, uint8_t family, const uint8_t *addr,
		       const struct rte_ether_addr *mac, bool create);
/*
 * Send m (a complete frame whose destination MAC is still blank) to the
 * on-link next hop: fills in the MAC and queues it, or parks it until the
 * neighbour answers. Consumes m. Returns 0 or -TERN_E...
 */
int net_neigh_output(struct tern_net *net, struct rte_mbuf *m, uint8_t family,
		     const uint8_t *nexthop);
void net_neigh_age(struct tern_net *net);
void net_neigh_flush_all(struct tern_net *net);

/* Resolution requests (ipv4.c / ipv6.c). */
void net_arp_request(struct tern_net *net, rte_be32_t target);
void net_ndp_solicit(struct tern_net *net, const uint8_t *target);

#endif /* TERN_DATAPLANE_NET_PRIV_H */
