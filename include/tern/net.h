/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_NET_H
#define TERN_NET_H

/**
 * @file
 * dataplane/net: a small per-lcore network stack on DPDK mbufs.
 *
 * Ethernet II (no VLAN), ARP, IPv4 (options skipped, fragments dropped,
 * unicast to our address only), IPv6 (no extension headers; our unicast
 * addresses, their solicited-node groups and ff02::1) with Neighbor
 * Discovery, ICMP and ICMPv6 echo, and UDP demultiplexed by destination port
 * to registered handlers. Every drop is counted by reason
 * (enum tern_net_drop); malformed input never makes the stack read outside
 * the mbuf's data (all parsing goes through dataplane/cursor.h).
 *
 * Threading: one `struct tern_net` per worker lcore (or per RX/TX queue
 * pair). Every function below except tern_net_create(), tern_net_free(),
 * tern_net_port_tx_offloads() and the name helpers must be called only from
 * the thread that owns the stack; none of them takes a lock, makes a
 * syscall or allocates heap memory. tern_net_stats_get() may also be called
 * from another thread: it then returns a snapshot whose counters are each
 * read atomically (64-bit aligned loads) but not all at the same instant.
 *
 * Ownership: mbufs handed to tern_net_rx_burst() belong to the stack (they
 * are freed, turned into replies, or passed to a UDP handler, which then owns
 * them). tern_net_udp_send() and tern_net_udp_reply() always consume the mbuf.
 *
 * Multi-segment mbufs are dropped and counted (TERN_NET_DROP_MULTI_SEG):
 * the stack never linearizes, so configure RX with single-segment mbufs
 * large enough for the MTU.
 *
 * Time is passed in by the caller as TSC cycles (rte_rdtsc()); the stack
 * never reads a clock itself, so tests can drive expiry deterministically.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Largest burst processed at once; larger bursts are handled in chunks. */
#define TERN_NET_BURST 32
/** UDP handlers per stack. */
#define TERN_NET_UDP_MAX_HANDLERS 16
/** Packets held per unresolved neighbour; more are dropped and counted. */
#define TERN_NET_NEIGH_QLEN 4

struct tern_net;

/** Address family values used in struct tern_net_addr. */
enum tern_net_family {
	TERN_NET_AF_INET = 4,
	TERN_NET_AF_INET6 = 6,
};

/** An IP address and UDP port. */
struct tern_net_addr {
	uint8_t family; /**< TERN_NET_AF_INET or TERN_NET_AF_INET6 */
	uint16_t port;	/**< UDP port, host byte order */
	union {
		rte_be32_t v4; /**< network byte order */
		uint8_t v6[16];
	};
};

/** What the stack parsed out of one received UDP datagram. */
struct tern_net_udp_meta {
	struct tern_net_addr src; /**< the peer */
	struct tern_net_addr dst; /**< our address the datagram was sent to */
	uint16_t payload_off;	  /**< from rte_pktmbuf_mtod(m) to the UDP payload */
	uint16_t payload_len;	  /**< UDP payload bytes (from the UDP length field) */
};

/**
 * A UDP handler: receives a burst of datagrams for one destination port.
 * pkts[i] is described by meta[i]; the handler owns every mbuf and must
 * free it or send it (tern_net_udp_reply(), tern_net_udp_send()). Called on
 * the owning lcore from inside tern_net_rx_burst(); meta is valid only for
 * the duration of the call.
 */
typedef void (*tern_net_udp_handler_t)(struct tern_net *net, struct rte_mbuf **pkts,
				       const struct tern_net_udp_meta *meta, uint16_t n,
				       void *opaque);

/**
 * Transmit function. Returns how many of pkts it took; the stack frees the
 * rest and counts them as TERN_NET_DROP_TX_FULL. The default (tx == NULL in
 * the configuration) is rte_eth_tx_burst(port_id, tx_queue, ...).
 */
typedef uint16_t (*tern_net_tx_fn_t)(void *opaque, struct rte_mbuf **pkts, uint16_t n);

/** Configuration of one stack instance; copied by tern_net_create(). */
struct tern_net_conf {
	uint16_t port_id;	   /**< ethdev port (used by the default tx) */
	uint16_t tx_queue;	   /**< TX queue owned by this lcore */
	int socket_id;		   /**< NUMA socket for the state (SOCKET_ID_ANY is fine) */
	struct rte_mempool *pool;  /**< mbufs for ARP requests and neighbour solicitations */
	struct rte_ether_addr mac; /**< our MAC address */

	rte_be32_t ipv4_addr;	 /**< our IPv4 address, 0 = IPv4 off */
	uint8_t ipv4_prefix_len; /**< on-link prefix (e.g. 24) */
	rte_be32_t ipv4_gateway; /**< next hop for off-link, 0 = none */

	bool ipv6_enable;      /**< IPv6 on: link-local fe80::/64 EUI-64 from mac, plus ipv6_addr */
	uint8_t ipv6_addr[16]; /**< our global/ULA address, all-zero = link-local only */
	uint8_t ipv6_prefix_len;  /**< on-link prefix of ipv6_addr (e.g. 64) */
	uint8_t ipv6_gateway[16]; /**< next hop for off-link, all-zero = none */

	/**
	 * TX offloads enabled on the queue (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM,
	 * RTE_ETH_TX_OFFLOAD_UDP_CKSUM); the stack computes in software what is
	 * not listed. See tern_net_port_tx_offloads().
	 */
	uint64_t tx_offloads;

	uint32_t neigh_entries;	     /**< neighbour table size, power of 2 (0 = 256) */
	uint32_t neigh_reachable_ms; /**< how long a learned entry is trusted (0 = 30000) */
	uint32_t neigh_retrans_ms;   /**< between resolution requests (0 = 1000) */
	uint8_t neigh_max_requests;  /**< requests before giving up (0 = 3) */

	tern_net_tx_fn_t tx; /**< NULL = rte_eth_tx_burst on port_id/tx_queue */
	void *tx_opaque;
};

/** Protocols for per-protocol packet and byte counters. */
enum tern_net_proto {
	TERN_NET_PROTO_ETH, /**< every frame */
	TERN_NET_PROTO_ARP,
	TERN_NET_PROTO_IPV4,
	TERN_NET_PROTO_IPV6,
	TERN_NET_PROTO_ICMP,
	TERN_NET_PROTO_ICMPV6, /**< echo (NDP is counted separately) */
	TERN_NET_PROTO_NDP,
	TERN_NET_PROTO_UDP,
	TERN_NET_PROTO_COUNT
};

/** Why a frame was dropped. */
enum tern_net_drop {
	TERN_NET_DROP_MULTI_SEG,	/**< multi-segment mbuf (not linearized) */
	TERN_NET_DROP_ETH_SHORT,	/**< shorter than an Ethernet header */
	TERN_NET_DROP_ETH_NOT_FOR_US,	/**< destination MAC is not ours */
	TERN_NET_DROP_ETH_UNKNOWN_TYPE, /**< EtherType not ARP/IPv4/IPv6 (incl. VLAN) */
	TERN_NET_DROP_ARP_MALFORMED,	/**< short, or not Ethernet/IPv4 ARP */
	TERN_NET_DROP_ARP_NOT_FOR_US,	/**< request for an address we do not own */
	TERN_NET_DROP_ARP_UNKNOWN_OP,
	TERN_NET_DROP_IPV4_DISABLED, /**< IPv4 traffic while IPv4 is off */
	TERN_NET_DROP_IPV4_SHORT,    /**< shorter than the header */
	TERN_NET_DROP_IPV4_BAD_VERSION,
	TERN_NET_DROP_IPV4_BAD_HLEN, /**< IHL < 5 or past the total length */
	TERN_NET_DROP_IPV4_BAD_LEN,  /**< total length past the frame */
	TERN_NET_DROP_IPV4_BAD_CKSUM,
	TERN_NET_DROP_IPV4_BAD_SRC,  /**< multicast/broadcast/zero source */
	TERN_NET_DROP_IPV4_FRAGMENT, /**< fragments are not reassembled */
	TERN_NET_DROP_IPV4_NOT_FOR_US,
	TERN_NET_DROP_IPV6_DISABLED,
	TERN_NET_DROP_IPV6_SHORT,
	TERN_NET_DROP_IPV6_BAD_VERSION,
	TERN_NET_DROP_IPV6_BAD_LEN, /**< payload length past the frame */
	TERN_NET_DROP_IPV6_BAD_SRC, /**< multicast source */
	TERN_NET_DROP_IPV6_NOT_FOR_US,
	TERN_NET_DROP_IPV6_EXT_HDR, /**< extension headers are not processed */
	TERN_NET_DROP_L4_UNKNOWN,   /**< IP protocol not ICMP/ICMPv6/UDP */
	TERN_NET_DROP_ICMP_SHORT,
	TERN_NET_DROP_ICMP_BAD_CKSUM,
	TERN_NET_DROP_ICMP_UNHANDLED, /**< a type we do not answer */
	TERN_NET_DROP_NDP_INVALID,    /**< fails RFC 4861 section 7.1 validation */
	TERN_NET_DROP_NDP_NOT_FOR_US, /**< solicitation for someone else's address */
	TERN_NET_DROP_UDP_SHORT,
	TERN_NET_DROP_UDP_BAD_LEN,   /**< UDP length != IP payload length */
	TERN_NET_DROP_UDP_BAD_CKSUM, /**< incl. a zero checksum over IPv6 */
	TERN_NET_DROP_UDP_NO_HANDLER,
	TERN_NET_DROP_NO_HEADROOM,	/**< not enough headroom to prepend headers */
	TERN_NET_DROP_NO_ROUTE,		/**< no address of that family, or no gateway */
	TERN_NET_DROP_NO_MBUF,		/**< pool empty for an ARP/NS request */
	TERN_NET_DROP_NEIGH_QUEUE_FULL, /**< TERN_NET_NEIGH_QLEN packets already wait */
	TERN_NET_DROP_NEIGH_UNRESOLVED, /**< resolution gave up or the entry was evicted */
	TERN_NET_DROP_TX_FULL,		/**< the TX queue did not take the packet */
	TERN_NET_DROP_COUNT
};

/** Per-stack counters. */
struct tern_net_stats {
	uint64_t rx_pkts[TERN_NET_PROTO_COUNT];
	uint64_t rx_bytes[TERN_NET_PROTO_COUNT];
	uint64_t tx_pkts[TERN_NET_PROTO_COUNT];
	uint64_t tx_bytes[TERN_NET_PROTO_COUNT];
	uint64_t drops[TERN_NET_DROP_COUNT];
};

/**
 * Create a stack. Allocates its state (including the neighbour table) once
 * with rte_zmalloc_socket(). Any thread, after rte_eal_init().
 *
 * @return the stack, or NULL (rte_errno = EINVAL or ENOMEM).
 */
struct tern_net *tern_net_create(const struct tern_net_conf *conf);

/** Free a stack, its pending mbufs and its queued TX. Not while its lcore runs it. */
void tern_net_free(struct tern_net *net);

/**
 * The subset of RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM
 * that a port advertises; enable these in the port's txmode.offloads and pass
 * them in tern_net_conf.tx_offloads. Control thread, 0 on error.
 */
uint64_t tern_net_port_tx_offloads(uint16_t port_id);

/**
 * Register (or replace) the handler for a UDP destination port (host order).
 * Owning lcore (or before it starts).
 *
 * @return 0, -TERN_EINVAL (port 0 or NULL cb), -TERN_ENOBUFS (table full).
 */
int tern_net_udp_register(struct tern_net *net, uint16_t port, tern_net_udp_handler_t cb,
			  void *opaque);

/**
 * Remove the handler for a port. Owning lcore, never from inside a handler
 * (the handler table is indexed while a burst is dispatched).
 * @return 0 or -TERN_EINVAL if none.
 */
int tern_net_udp_unregister(struct tern_net *net, uint16_t port);

/**
 * Process received frames: answer ARP, NDP and echo requests, learn
 * neighbours, hand UDP datagrams to their handlers in per-port bursts, count
 * and free everything else; then flush queued TX (tern_net_tx_flush()).
 *
 * @param now
 *   Current time in TSC cycles.
 */
void tern_net_rx_burst(struct tern_net *net, struct rte_mbuf **pkts, uint16_t n, uint64_t now);

/**
 * Hand queued TX frames to the TX function. tern_net_rx_burst() calls it
 * before returning; call it after sending outside of a handler.
 */
void tern_net_tx_flush(struct tern_net *net);

/**
 * Housekeeping: retransmit neighbour requests and expire entries, scanning a
 * bounded number of neighbour entries per call. Call once per poll loop.
 */
void tern_net_poll(struct tern_net *net, uint64_t now);

/**
 * Send a UDP datagram. m holds exactly the payload (from rte_pktmbuf_mtod());
 * Ethernet, IP and UDP headers are prepended into its headroom (42 bytes for
 * IPv4, 62 for IPv6). The next hop is resolved through the neighbour cache:
 * if unknown, a request is sent and m waits (at most TERN_NET_NEIGH_QLEN
 * packets per neighbour). Uses the time of the last rx_burst/poll call.
 * The mbuf is always consumed.
 *
 * @return 0 if queued for TX or waiting for resolution; a negative
 *   -TERN_E... if dropped (the reason is also counted).
 */
int tern_net_udp_send(struct tern_net *net, struct rte_mbuf *m, const struct tern_net_addr *dst,
		      uint16_t src_port);

/**
 * Send m's payload back to where a received datagram came from: trims m to
 * the payload described by meta (the caller may have rewritten its bytes in
 * place, keeping the length) and sends it to meta->src from meta->dst.port.
 * Always consumes m. Same returns as tern_net_udp_send().
 */
int tern_net_udp_reply(struct tern_net *net, struct rte_mbuf *m,
		       const struct tern_net_udp_meta *meta);

/** Copy the counters. Any thread (see the file comment). */
void tern_net_stats_get(const struct tern_net *net, struct tern_net_stats *out);

/** Zero the counters. Owning lcore only. */
void tern_net_stats_reset(struct tern_net *net);

/** Name of a drop reason ("ipv4_bad_cksum"); "unknown" if out of range. */
const char *tern_net_drop_name(enum tern_net_drop reason);

/** Name of a protocol counter ("udp"); "unknown" if out of range. */
const char *tern_net_proto_name(enum tern_net_proto proto);

/**
 * Look up a neighbour (testing and `show` commands). Owning lcore.
 * @return 1 and *mac if resolved, 0 if unknown or unresolved.
 */
int tern_net_neigh_lookup(const struct tern_net *net, const struct tern_net_addr *addr,
			  struct rte_ether_addr *mac);

#ifdef __cplusplus
}
#endif

#endif /* TERN_NET_H */
