/* SPDX-License-Identifier: Apache-2.0 */
/*
 * UDP (RFC 768; RFC 8200 section 8.1 for IPv6): input with checksum check,
 * demultiplexing to per-port handlers in bursts, and output with headers
 * prepended into the mbuf's headroom.
 *
 * The UDP length must equal the IP payload length: a shorter UDP length
 * (bytes after the datagram inside the IP packet) is legal but has no use
 * here and is counted as udp_bad_len.
 */

#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "net_priv.h"

void
net_udp_input(struct tern_net *net, struct rte_mbuf *m, struct tern_rcursor *c,
	      struct tern_net_udp_meta *meta, uint32_t pseudo)
{
	size_t l4_off = c->off, len = tern_rcursor_left(c);
	uint16_t sport, dport, ulen, cksum, i;
	uint64_t flags = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
	const uint8_t *l4 = c->buf + l4_off;

	if (!tern_rcursor_u16(c, &sport) || !tern_rcursor_u16(c, &dport) ||
	    !tern_rcursor_u16(c, &ulen) || !tern_rcursor_u16(c, &cksum)) {
		net_drop(net, m, TERN_NET_DROP_UDP_SHORT);
		return;
	}
	if (ulen != len) {
		net_drop(net, m, TERN_NET_DROP_UDP_BAD_LEN);
		return;
	}
	if (flags == RTE_MBUF_F_RX_L4_CKSUM_BAD) {
		net_drop(net, m, TERN_NET_DROP_UDP_BAD_CKSUM);
		return;
	}
	if (flags != RTE_MBUF_F_RX_L4_CKSUM_GOOD) {
		/* Zero means "no checksum" over IPv4 only (RFC 8200 8.1). */
		if (cksum == 0 ? meta->src.family == TERN_NET_AF_INET6
			       : net_fold(net_sum(pseudo, l4, len)) != 0xffff) {
			net_drop(net, m, TERN_NET_DROP_UDP_BAD_CKSUM);
			return;
		}
	}
	net_count_rx(net, TERN_NET_PROTO_UDP, m);
	for (i = 0; i < net->nhandlers; i++)
		if (net->handlers[i].port == dport)
			break;
	if (i == net->nhandlers) {
		net_drop(net, m, TERN_NET_DROP_UDP_NO_HANDLER);
		return;
	}
	meta->src.port = sport;
	meta->dst.port = dport;
	meta->payload_off = (uint16_t)(l4_off + NET_UDP_LEN);
	meta->payload_len = (uint16_t)(ulen - NET_UDP_LEN);
	net->udp_pkts[net->nudp] = m;
	net->udp_meta[net->nudp] = *meta;
	net->udp_handler[net->nudp] = (uint8_t)i;
	net->nudp++;
}

void
net_udp_dispatch(struct tern_net *net)
{
	struct rte_mbuf *pkts[TERN_NET_BURST];
	struct tern_net_udp_meta meta[TERN_NET_BURST];
	bool done[TERN_NET_BURST] = {false};
	uint16_t n = net->nudp, i, j, k;

	net->nudp = 0;
	for (i = 0; i < n; i++) {
		uint8_t h = net->udp_handler[i];

		if (done[i])
			continue;
		for (j = i, k = 0; j < n; j++) {
			if (done[j] || net->udp_handler[j] != h)
				continue;
			pkts[k] = net->udp_pkts[j];
			meta[k] = net->udp_meta[j];
			done[j] = true;
			k++;
		}
		net->handlers[h].cb(net, pkts, meta, k, net->handlers[h].opaque);
	}
}

static int
udp_drop(struct tern_net *net, struct rte_mbuf *m, enum tern_net_drop reason, int err)
{
	net_drop(net, m, reason);
	return err;
}

static int
udp_send4(struct tern_net *net, struct rte_mbuf *m, const struct tern_net_addr *dst,
	  uint16_t src_port)
{
	uint16_t plen = rte_pktmbuf_data_len(m);
	rte_be32_t nexthop = dst->v4;
	uint32_t hdst = rte_be_to_cpu_32(dst->v4);
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	struct tern_wcursor w;
	uint8_t *p;

	if (net->conf.ipv4_addr == 0 || dst->v4 == 0)
		return udp_drop(net, m, TERN_NET_DROP_NO_ROUTE, -TERN_EINVAL);
	if (plen > UINT16_MAX - NET_IPV4_LEN - NET_UDP_LEN)
		return udp_drop(net, m, TERN_NET_DROP_UDP_BAD_LEN, -TERN_ERANGE);
	p = (uint8_t *)rte_pktmbuf_prepend(m, NET_ETH_LEN + NET_IPV4_LEN + NET_UDP_LEN);
	if (p == NULL)
		return udp_drop(net, m, TERN_NET_DROP_NO_HEADROOM, -TERN_ENOBUFS);
	m->ol_flags = 0;
	m->packet_type = 0;
	tern_wcursor_init(&w, p, NET_ETH_LEN + NET_IPV4_LEN + NET_UDP_LEN);
	tern_wcursor_bytes(&w, (const uint8_t[RTE_ETHER_ADDR_LEN]){0}, RTE_ETHER_ADDR_LEN);
	tern_wcursor_bytes(&w, net->conf.mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	tern_wcursor_u16(&w, NET_ETHERTYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)tern_wcursor_ptr(&w);
	tern_wcursor_u8(&w, 0x45);
	tern_wcursor_u8(&w, 0);
	tern_wcursor_u16(&w, (uint16_t)(NET_IPV4_LEN + NET_UDP_LEN + plen));
	tern_wcursor_u16(&w, 0);
	tern_wcursor_u16(&w, 0x4000); /* DF: never fragmented, RFC 9000 14 */
	tern_wcursor_u8(&w, 64);
	tern_wcursor_u8(&w, NET_PROTO_UDP);
	tern_wcursor_u16(&w, 0);
	tern_wcursor_bytes(&w, &net->conf.ipv4_addr, 4);
	tern_wcursor_bytes(&w, &dst->v4, 4);
	udp = (struct rte_udp_hdr *)tern_wcursor_ptr(&w);
	tern_wcursor_u16(&w, src_port);
	tern_wcursor_u16(&w, dst->port);
	tern_wcursor_u16(&w, (uint16_t)(NET_UDP_LEN + plen));
	tern_wcursor_u16(&w, 0);

	m->l2_len = NET_ETH_LEN;
	m->l3_len = NET_IPV4_LEN;
	if (net->conf.tx_offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM)
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
	else
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	if (net->conf.tx_offloads & RTE_ETH_TX_OFFLOAD_UDP_CKSUM) {
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_UDP_CKSUM;
		udp->dgram_cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
	} else {
		udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	}

	if (hdst == 0xffffffffu) {
		memset(p, 0xff, RTE_ETHER_ADDR_LEN);
		net_tx_enqueue(net, m, TERN_NET_PROTO_UDP);
		return 0;
	}
	if ((hdst >> 28) == 0xe) {
		/* RFC 1112 section 6.4: 01:00:5e + low 23 bits of the group. */
		p[0] = 0x01;
		p[1] = 0x00;
		p[2] = 0x5e;
		p[3] = (uint8_t)((hdst >> 16) & 0x7f);
		p[4] = (uint8_t)(hdst >> 8);
		p[5] = (uint8_t)hdst;
		net_tx_enqueue(net, m, TERN_NET_PROTO_UDP);
		return 0;
	}
	if (((dst->v4 ^ net->conf.ipv4_addr) & net->ipv4_mask) != 0) {
		if (net->conf.ipv4_gateway == 0)
			return udp_drop(net, m, TERN_NET_DROP_NO_ROUTE, -TERN_EINVAL);
		nexthop = net->conf.ipv4_gateway;
	}
	return net_neigh_output(net, m, TERN_NET_AF_INET, (const uint8_t *)&nexthop);
}

static bool
on_link6(const struct tern_net *net, const uint8_t *a)
{
	unsigned bits = net->conf.ipv6_prefix_len, i;

	if (net_ipv6_is_linklocal(a))
		return true;
	if (!net->has_ipv6_global)
		return false;
	for (i = 0; i < bits / 8; i++)
		if (a[i] != net->conf.ipv6_addr[i])
			return false;
	if (bits % 8 != 0) {
		uint8_t mask = (uint8_t)(0xff << (8 - bits % 8));

		if ((a[i] & mask) != (net->conf.ipv6_addr[i] & mask))
			return false;
	}
	return true;
}

static int
udp_send6(struct tern_net *net, struct rte_mbuf *m, const struct tern_net_addr *dst,
	  uint16_t src_port)
{
	uint16_t plen = rte_pktmbuf_data_len(m);
	const uint8_t *nexthop = dst->v6, *src;
	struct rte_ipv6_hdr *ip;
	struct rte_udp_hdr *udp;
	struct tern_wcursor w;
	uint8_t *p;

	if (!net->conf.ipv6_enable || net_ipv6_is_unspecified(dst->v6))
		return udp_drop(net, m, TERN_NET_DROP_NO_ROUTE, -TERN_EINVAL);
	if (plen > UINT16_MAX - NET_UDP_LEN)
		return udp_drop(net, m, TERN_NET_DROP_UDP_BAD_LEN, -TERN_ERANGE);
	if (!net_ipv6_is_multicast(dst->v6) && !on_link6(net, dst->v6)) {
		if (net_ipv6_is_unspecified(net->conf.ipv6_gateway))
			return udp_drop(net, m, TERN_NET_DROP_NO_ROUTE, -TERN_EINVAL);
		nexthop = net->conf.ipv6_gateway;
	}
	src = (net->has_ipv6_global && !net_ipv6_is_linklocal(dst->v6)) ? net->conf.ipv6_addr
									: net->ipv6_ll;
	p = (uint8_t *)rte_pktmbuf_prepend(m, NET_ETH_LEN + NET_IPV6_LEN + NET_UDP_LEN);
	if (p == NULL)
		return udp_drop(net, m, TERN_NET_DROP_NO_HEADROOM, -TERN_ENOBUFS);
	m->ol_flags = 0;
	m->packet_type = 0;
	tern_wcursor_init(&w, p, NET_ETH_LEN + NET_IPV6_LEN + NET_UDP_LEN);
	tern_wcursor_bytes(&w, (const uint8_t[RTE_ETHER_ADDR_LEN]){0}, RTE_ETHER_ADDR_LEN);
	tern_wcursor_bytes(&w, net->conf.mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	tern_wcursor_u16(&w, NET_ETHERTYPE_IPV6);
	ip = (struct rte_ipv6_hdr *)tern_wcursor_ptr(&w);
	tern_wcursor_u32(&w, 0x60000000u);
	tern_wcursor_u16(&w, (uint16_t)(NET_UDP_LEN + plen));
	tern_wcursor_u8(&w, NET_PROTO_UDP);
	tern_wcursor_u8(&w, 64);
	tern_wcursor_bytes(&w, src, 16);
	tern_wcursor_bytes(&w, dst->v6, 16);
	udp = (struct rte_udp_hdr *)tern_wcursor_ptr(&w);
	tern_wcursor_u16(&w, src_port);
	tern_wcursor_u16(&w, dst->port);
	tern_wcursor_u16(&w, (uint16_t)(NET_UDP_LEN + plen));
	tern_wcursor_u16(&w, 0);

	m->l2_len = NET_ETH_LEN;
	m->l3_len = NET_IPV6_LEN;
	if (net->conf.tx_offloads & RTE_ETH_TX_OFFLOAD_UDP_CKSUM) {
		m->ol_flags |= RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_UDP_CKSUM;
		udp->dgram_cksum = rte_ipv6_phdr_cksum(ip, m->ol_flags);
	} else {
		udp->dgram_cksum = rte_ipv6_udptcp_cksum(ip, udp);
	}
	if (net_ipv6_is_multicast(dst->v6)) {
		/* RFC 2464 section 7: 33:33 + low 32 bits of the group. */
		p[0] = 0x33;
		p[1] = 0x33;
		memcpy(p + 2, dst->v6 + 12, 4);
		net_tx_enqueue(net, m, TERN_NET_PROTO_UDP);
		return 0;
	}
	return net_neigh_output(net, m, TERN_NET_AF_INET6, nexthop);
}

int
tern_net_udp_send(struct tern_net *net, struct rte_mbuf *m, const struct tern_net_addr *dst,
		  uint16_t src_port)
{
	if (m->nb_segs != 1)
		return udp_drop(net, m, TERN_NET_DROP_MULTI_SEG, -TERN_EINVAL);
	if (dst->family == TERN_NET_AF_INET)
		return udp_send4(net, m, dst, src_port);
	if (dst->family == TERN_NET_AF_INET6)
		return udp_send6(net, m, dst, src_port);
	return udp_drop(net, m, TERN_NET_DROP_NO_ROUTE, -TERN_EINVAL);
}

int
tern_net_udp_reply(struct tern_net *net, struct rte_mbuf *m, const struct tern_net_udp_meta *meta)
{
	uint16_t len = rte_pktmbuf_data_len(m);

	if (m->nb_segs != 1)
		return udp_drop(net, m, TERN_NET_DROP_MULTI_SEG, -TERN_EINVAL);
	if ((uint32_t)meta->payload_off + meta->payload_len > len)
		return udp_drop(net, m, TERN_NET_DROP_UDP_BAD_LEN, -TERN_EINVAL);
	rte_pktmbuf_adj(m, meta->payload_off);
	rte_pktmbuf_trim(m, (uint16_t)(len - meta->payload_off - meta->payload_len));
	return tern_net_udp_send(net, m, &meta->src, meta->dst.port);
}
