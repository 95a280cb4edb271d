/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane/net: stack instance, Ethernet demultiplexing, TX queueing and
 * statistics.
 */

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>

#include "net_priv.h"

/* Log type "tern.net": --log-level=tern.net:debug */
RTE_LOG_REGISTER(tern_net_logtype, tern.net, NOTICE);

static const char *const drop_names[TERN_NET_DROP_COUNT] = {
	[TERN_NET_DROP_MULTI_SEG] = "multi_seg",
	[TERN_NET_DROP_ETH_SHORT] = "eth_short",
	[TERN_NET_DROP_ETH_NOT_FOR_US] = "eth_not_for_us",
	[TERN_NET_DROP_ETH_UNKNOWN_TYPE] = "eth_unknown_type",
	[TERN_NET_DROP_ARP_MALFORMED] = "arp_malformed",
	[TERN_NET_DROP_ARP_NOT_FOR_US] = "arp_not_for_us",
	[TERN_NET_DROP_ARP_UNKNOWN_OP] = "arp_unknown_op",
	[TERN_NET_DROP_IPV4_DISABLED] = "ipv4_disabled",
	[TERN_NET_DROP_IPV4_SHORT] = "ipv4_short",
	[TERN_NET_DROP_IPV4_BAD_VERSION] = "ipv4_bad_version",
	[TERN_NET_DROP_IPV4_BAD_HLEN] = "ipv4_bad_hlen",
	[TERN_NET_DROP_IPV4_BAD_LEN] = "ipv4_bad_len",
	[TERN_NET_DROP_IPV4_BAD_CKSUM] = "ipv4_bad_cksum",
	[TERN_NET_DROP_IPV4_BAD_SRC] = "ipv4_bad_src",
	[TERN_NET_DROP_IPV4_FRAGMENT] = "ipv4_fragment",
	[TERN_NET_DROP_IPV4_NOT_FOR_US] = "ipv4_not_for_us",
	[TERN_NET_DROP_IPV6_DISABLED] = "ipv6_disabled",
	[TERN_NET_DROP_IPV6_SHORT] = "ipv6_short",
	[TERN_NET_DROP_IPV6_BAD_VERSION] = "ipv6_bad_version",
	[TERN_NET_DROP_IPV6_BAD_LEN] = "ipv6_bad_len",
	[TERN_NET_DROP_IPV6_BAD_SRC] = "ipv6_bad_src",
	[TERN_NET_DROP_IPV6_NOT_FOR_US] = "ipv6_not_for_us",
	[TERN_NET_DROP_IPV6_EXT_HDR] = "ipv6_ext_hdr",
	[TERN_NET_DROP_L4_UNKNOWN] = "l4_unknown",
	[TERN_NET_DROP_ICMP_SHORT] = "icmp_short",
	[TERN_NET_DROP_ICMP_BAD_CKSUM] = "icmp_bad_cksum",
	[TERN_NET_DROP_ICMP_UNHANDLED] = "icmp_unhandled",
	[TERN_NET_DROP_NDP_INVALID] = "ndp_invalid",
	[TERN_NET_DROP_NDP_NOT_FOR_US] = "ndp_not_for_us",
	[TERN_NET_DROP_UDP_SHORT] = "udp_short",
	[TERN_NET_DROP_UDP_BAD_LEN] = "udp_bad_len",
	[TERN_NET_DROP_UDP_BAD_CKSUM] = "udp_bad_cksum",
	[TERN_NET_DROP_UDP_NO_HANDLER] = "udp_no_handler",
	[TERN_NET_DROP_NO_HEADROOM] = "no_headroom",
	[TERN_NET_DROP_NO_ROUTE] = "no_route",
	[TERN_NET_DROP_NO_MBUF] = "no_mbuf",
	[TERN_NET_DROP_NEIGH_QUEUE_FULL] = "neigh_queue_full",
	[TERN_NET_DROP_NEIGH_UNRESOLVED] = "neigh_unresolved",
	[TERN_NET_DROP_TX_FULL] = "tx_full",
};

static const char *const proto_names[TERN_NET_PROTO_COUNT] = {
	[TERN_NET_PROTO_ETH] = "eth",	[TERN_NET_PROTO_ARP] = "arp",
	[TERN_NET_PROTO_IPV4] = "ipv4", [TERN_NET_PROTO_IPV6] = "ipv6",
	[TERN_NET_PROTO_ICMP] = "icmp", [TERN_NET_PROTO_ICMPV6] = "icmpv6",
	[TERN_NET_PROTO_NDP] = "ndp",	[TERN_NET_PROTO_UDP] = "udp",
};

const char *
tern_net_drop_name(enum tern_net_drop reason)
{
	if ((unsigned)reason >= TERN_NET_DROP_COUNT || drop_names[reason] == NULL)
		return "unknown";
	return drop_names[reason];
}

const char *
tern_net_proto_name(enum tern_net_proto proto)
{
	if ((unsigned)proto >= TERN_NET_PROTO_COUNT || proto_names[proto] == NULL)
		return "unknown";
	return proto_names[proto];
}

static uint64_t
ms_to_tsc(uint32_t ms)
{
	return rte_get_tsc_hz() / 1000 * ms;
}

/* RFC 4291 section 2.7.1: ff02::1:ffXX:XXXX from the low 24 bits. */
static void
solicited_node(uint8_t out[16], const uint8_t addr[16])
{
	static const uint8_t prefix[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};

	memcpy(out, prefix, sizeof(prefix));
	memcpy(out + 13, addr + 13, 3);
}

struct tern_net *
tern_net_create(const struct tern_net_conf *conf)
{
	struct tern_net *net;
	uint32_t entries;
	size_t size;

	if (conf == NULL || conf->pool == NULL || conf->ipv4_prefix_len > 32 ||
	    conf->ipv6_prefix_len > 128 || !rte_is_unicast_ether_addr(&conf->mac) ||
	    rte_is_zero_ether_addr(&conf->mac)) {
		NET_LOG(ERR, "invalid configuration (pool, prefix length or MAC)\n");
		rte_errno = EINVAL;
		return NULL;
	}
	entries = conf->neigh_entries != 0 ? conf->neigh_entries : 256;
	if (!rte_is_power_of_2(entries) || entries < NET_PROBE || entries > (1u << 20)) {
		NET_LOG(ERR, "neigh_entries must be a power of 2 in [%u, 2^20]\n", NET_PROBE);
		rte_errno = EINVAL;
		return NULL;
	}
	size = sizeof(*net) + (size_t)entries * sizeof(struct net_neigh);
	net = rte_zmalloc_socket("tern_net", size, RTE_CACHE_LINE_SIZE, conf->socket_id);
	if (net == NULL) {
		NET_LOG(ERR, "cannot allocate %zu bytes\n", size);
		rte_errno = ENOMEM;
		return NULL;
	}
	net->conf = *conf;
	net->neigh_mask = entries - 1;
	if (net->conf.neigh_reachable_ms == 0)
		net->conf.neigh_reachable_ms = 30000;
	if (net->conf.neigh_retrans_ms == 0)
		net->conf.neigh_retrans_ms = 1000;
	if (net->conf.neigh_max_requests == 0)
		net->conf.neigh_max_requests = 3;
	net->reachable_tsc = ms_to_tsc(net->conf.neigh_reachable_ms);
	net->retrans_tsc = ms_to_tsc(net->conf.neigh_retrans_ms);
	net->ipv4_mask = conf->ipv4_prefix_len == 0
				 ? 0
				 : rte_cpu_to_be_32(~0u << (32 - conf->ipv4_prefix_len));

	if (conf->ipv6_enable) {
		const uint8_t *mac = conf->mac.addr_bytes;

		/* RFC 4291 appendix A: modified EUI-64 interface identifier. */
		net->ipv6_ll[0] = 0xfe;
		net->ipv6_ll[1] = 0x80;
		net->ipv6_ll[8] = mac[0] ^ 0x02;
		net->ipv6_ll[9] = mac[1];
		net->ipv6_ll[10] = mac[2];
		net->ipv6_ll[11] = 0xff;
		net->ipv6_ll[12] = 0xfe;
		net->ipv6_ll[13] = mac[3];
		net->ipv6_ll[14] = mac[4];
		net->ipv6_ll[15] = mac[5];
		solicited_node(net->snm_ll, net->ipv6_ll);
		net->has_ipv6_global = !net_ipv6_is_unspecified(conf->ipv6_addr);
		if (net->has_ipv6_global)
			solicited_node(net->snm_global, conf->ipv6_addr);
		else
			memcpy(net->snm_global, net->snm_ll, 16);
	}
	return net;
}

void
tern_net_free(struct tern_net *net)
{
	uint16_t i;

	if (net == NULL)
		return;
	net_neigh_flush_all(net);
	for (i = 0; i < net->ntx; i++)
		rte_pktmbuf_free(net->tx[i]);
	for (i = 0; i < net->nudp; i++)
		rte_pktmbuf_free(net->udp_pkts[i]);
	rte_free(net);
}

uint64_t
tern_net_port_tx_offloads(uint16_t port_id)
{
	struct rte_eth_dev_info info;

	if (rte_eth_dev_info_get(port_id, &info) != 0)
		return 0;
	return info.tx_offload_capa &
	       (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM);
}

void
tern_net_tx_flush(struct tern_net *net)
{
	uint16_t sent;

	if (net->ntx == 0)
		return;
	if (net->conf.tx != NULL)
		sent = net->conf.tx(net->conf.tx_opaque, net->tx, net->ntx);
	else
		sent = rte_eth_tx_burst(net->conf.port_id, net->conf.tx_queue, net->tx, net->ntx);
	if (sent > net->ntx)
		sent = net->ntx;
	if (sent < net->ntx) {
		net->stats.drops[TERN_NET_DROP_TX_FULL] += net->ntx - sent;
		rte_pktmbuf_free_bulk(net->tx + sent, net->ntx - sent);
	}
	net->ntx = 0;
}

void
net_tx_enqueue(struct tern_net *net, struct rte_mbuf *m, enum tern_net_proto proto)
{
	if (net->ntx == NET_TX_BUF)
		tern_net_tx_flush(net);
	net->stats.tx_pkts[proto]++;
	net->stats.tx_bytes[proto] += rte_pktmbuf_pkt_len(m);
	net->stats.tx_pkts[TERN_NET_PROTO_ETH]++;
	net->stats.tx_bytes[TERN_NET_PROTO_ETH] += rte_pktmbuf_pkt_len(m);
	if (proto != TERN_NET_PROTO_ARP) {
		/* Every frame the stack builds is single-segment with its header. */
		const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
		enum tern_net_proto l3 = p[12] == 0x86 ? TERN_NET_PROTO_IPV6 : TERN_NET_PROTO_IPV4;

		net->stats.tx_pkts[l3]++;
		net->stats.tx_bytes[l3] += rte_pktmbuf_pkt_len(m);
	}
	net->tx[net->ntx++] = m;
}

static bool
eth_dst_accepted(const struct tern_net *net, const uint8_t *dst)
{
	if (memcmp(dst, net->conf.mac.addr_bytes, RTE_ETHER_ADDR_LEN) == 0)
		return true;
	if (dst[0] == 0xff && dst[1] == 0xff && dst[2] == 0xff && dst[3] == 0xff &&
	    dst[4] == 0xff && dst[5] == 0xff)
		return true;
	/* IPv6 multicast (RFC 2464 section 7); the IPv6 layer checks the group. */
	return net->conf.ipv6_enable && dst[0] == 0x33 && dst[1] == 0x33;
}

static void
eth_input(struct tern_net *net, struct rte_mbuf *m)
{
	struct tern_rcursor c;
	const uint8_t *dst;
	uint16_t type;

	net_count_rx(net, TERN_NET_PROTO_ETH, m);
	if (m->nb_segs != 1) {
		net_drop(net, m, TERN_NET_DROP_MULTI_SEG);
		return;
	}
	tern_rcursor_init(&c, rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m));
	if (!tern_rcursor_view(&c, RTE_ETHER_ADDR_LEN, &dst) ||
	    !tern_rcursor_skip(&c, RTE_ETHER_ADDR_LEN) || !tern_rcursor_u16(&c, &type)) {
		net_drop(net, m, TERN_NET_DROP_ETH_SHORT);
		return;
	}
	if (!eth_dst_accepted(net, dst)) {
		net_drop(net, m, TERN_NET_DROP_ETH_NOT_FOR_US);
		return;
	}
	switch (type) {
	case NET_ETHERTYPE_ARP:
		net_arp_input(net, m, &c);
		break;
	case NET_ETHERTYPE_IPV4:
		net_ipv4_input(net, m, &c);
		break;
	case NET_ETHERTYPE_IPV6:
		net_ipv6_input(net, m, &c);
		break;
	default:
		net_drop(net, m, TERN_NET_DROP_ETH_UNKNOWN_TYPE);
		break;
	}
}

void
tern_net_rx_burst(struct tern_net *net, struct rte_mbuf **pkts, uint16_t n, uint64_t now)
{
	uint16_t i, chunk;

	net->now = now;
	while (n > 0) {
		chunk = RTE_MIN(n, (uint16_t)TERN_NET_BURST);
		for (i = 0; i < chunk; i++) {
			if (i + 1 < chunk)
				rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
			eth_input(net, pkts[i]);
		}
		net_udp_dispatch(net);
		pkts += chunk;
		n -= chunk;
	}
	tern_net_tx_flush(net);
}

void
tern_net_poll(struct tern_net *net, uint64_t now)
{
	net->now = now;
	net_neigh_age(net);
	tern_net_tx_flush(net);
}

void
tern_net_stats_get(const struct tern_net *net, struct tern_net_stats *out)
{
	const volatile uint64_t *src = (const volatile uint64_t *)&net->stats;
	uint64_t *dst = (uint64_t *)out;
	size_t i;

	/* Counter by counter: each load is a single aligned 64-bit read. */
	for (i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		dst[i] = src[i];
}

void
tern_net_stats_reset(struct tern_net *net)
{
	memset(&net->stats, 0, sizeof(net->stats));
}

int
tern_net_udp_register(struct tern_net *net, uint16_t port, tern_net_udp_handler_t cb, void *opaque)
{
	uint16_t i;

	if (net == NULL || port == 0 || cb == NULL)
		return -TERN_EINVAL;
	for (i = 0; i < net->nhandlers; i++) {
		if (net->handlers[i].port == port) {
			net->handlers[i].cb = cb;
			net->handlers[i].opaque = opaque;
			return 0;
		}
	}
	if (net->nhandlers == TERN_NET_UDP_MAX_HANDLERS)
		return -TERN_ENOBUFS;
	net->handlers[net->nhandlers].port = port;
	net->handlers[net->nhandlers].cb = cb;
	net->handlers[net->nhandlers].opaque = opaque;
	net->nhandlers++;
	return 0;
}

int
tern_net_udp_unregister(struct tern_net *net, uint16_t port)
{
	uint16_t i;

	if (net == NULL)
		return -TERN_EINVAL;
	for (i = 0; i < net->nhandlers; i++) {
		if (net->handlers[i].port == port) {
			net->handlers[i] = net->handlers[net->nhandlers - 1];
			net->nhandlers--;
			return 0;
		}
	}
	return -TERN_EINVAL;
}
