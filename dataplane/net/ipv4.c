/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ARP (RFC 826), IPv4 (RFC 791) and ICMP echo (RFC 792) input.
 *
 * IPv4 options are tolerated (skipped; an echo reply carries them back
 * unchanged), fragments are counted and dropped: nothing tern serves over UDP
 * is meant to be fragmented (QUIC forbids it, RFC 9000 section 14).
 */

#include <rte_arp.h>
#include <rte_ip.h>

#include "net_priv.h"

#define NET_ICMP_ECHO_REPLY   0
#define NET_ICMP_ECHO_REQUEST 8

static bool
is_ours_v4(const struct tern_net *net, rte_be32_t a)
{
	return net->conf.ipv4_addr != 0 && a == net->conf.ipv4_addr;
}

/* Write an Ethernet header with the given destination at the start of w. */
static void
put_eth(struct tern_wcursor *w, const struct tern_net *net, const uint8_t *dst, uint16_t type)
{
	tern_wcursor_bytes(w, dst, RTE_ETHER_ADDR_LEN);
	tern_wcursor_bytes(w, net->conf.mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	tern_wcursor_u16(w, type);
}

static void
put_arp(struct tern_wcursor *w, const struct tern_net *net, uint16_t op, const uint8_t *tha,
	rte_be32_t tpa)
{
	tern_wcursor_u16(w, RTE_ARP_HRD_ETHER);
	tern_wcursor_u16(w, NET_ETHERTYPE_IPV4);
	tern_wcursor_u8(w, RTE_ETHER_ADDR_LEN);
	tern_wcursor_u8(w, 4);
	tern_wcursor_u16(w, op);
	tern_wcursor_bytes(w, net->conf.mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	tern_wcursor_bytes(w, &net->conf.ipv4_addr, 4);
	tern_wcursor_bytes(w, tha, RTE_ETHER_ADDR_LEN);
	tern_wcursor_bytes(w, &tpa, 4);
}

void
net_arp_request(struct tern_net *net, rte_be32_t target)
{
	static const uint8_t bcast[RTE_ETHER_ADDR_LEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t zero[RTE_ETHER_ADDR_LEN];
	struct rte_mbuf *m = rte_pktmbuf_alloc(net->conf.pool);
	struct tern_wcursor w;
	uint8_t *p;

	if (m == NULL) {
		net->stats.drops[TERN_NET_DROP_NO_MBUF]++;
		return;
	}
	p = (uint8_t *)rte_pktmbuf_append(m, NET_ETH_LEN + NET_ARP_LEN);
	if (p == NULL) {
		net_drop(net, m, TERN_NET_DROP_NO_HEADROOM);
		return;
	}
	tern_wcursor_init(&w, p, NET_ETH_LEN + NET_ARP_LEN);
	put_eth(&w, net, bcast, NET_ETHERTYPE_ARP);
	put_arp(&w, net, RTE_ARP_OP_REQUEST, zero, target);
	net_tx_enqueue(net, m, TERN_NET_PROTO_ARP);
}

void
net_arp_input(struct tern_net *net, struct rte_mbuf *m, struct tern_rcursor *c)
{
	uint16_t hrd, pro, op;
	uint8_t hln, pln;
	struct rte_ether_addr sha, tha;
	rte_be32_t spa, tpa;
	bool for_us;
	struct tern_wcursor w;

	if (!tern_rcursor_u16(c, &hrd) || !tern_rcursor_u16(c, &pro) || !tern_rcursor_u8(c, &hln) ||
	    !tern_rcursor_u8(c, &pln) || !tern_rcursor_u16(c, &op) ||
	    !tern_rcursor_copy(c, sha.addr_bytes, RTE_ETHER_ADDR_LEN) ||
	    !tern_rcursor_copy(c, &spa, 4) || !tern_rcursor_copy(c, tha.addr_bytes, 6) ||
	    !tern_rcursor_copy(c, &tpa, 4) || hrd != RTE_ARP_HRD_ETHER ||
	    pro != NET_ETHERTYPE_IPV4 || hln != RTE_ETHER_ADDR_LEN || pln != 4) {
		net_drop(net, m, TERN_NET_DROP_ARP_MALFORMED);
		return;
	}
	net_count_rx(net, TERN_NET_PROTO_ARP, m);
	if (net->conf.ipv4_addr == 0) {
		net_drop(net, m, TERN_NET_DROP_IPV4_DISABLED);
		return;
	}
	if (op != RTE_ARP_OP_REQUEST && op != RTE_ARP_OP_REPLY) {
		net_drop(net, m, TERN_NET_DROP_ARP_UNKNOWN_OP);
		return;
	}
	for_us = is_ours_v4(net, tpa);
	/*
	 * RFC 826 "packet reception": refresh an existing entry for the sender,
	 * create one only if we are the target. A zero sender is an RFC 5227
	 * probe and says nothing about where that address lives.
	 */
	if (spa != 0 && !is_ours_v4(net, spa))
		net_neigh_confirm(net, TERN_NET_AF_INET, (const uint8_t *)&spa, &sha, for_us);

	if (op == RTE_ARP_OP_REPLY || !for_us) {
		if (op == RTE_ARP_OP_REQUEST)
			net_drop(net, m, TERN_NET_DROP_ARP_NOT_FOR_US);
		else
			rte_pktmbuf_free(m);
		return;
	}
	/* Answer in place: the request was at least as long as the reply. */
	tern_wcursor_init(&w, rte_pktmbuf_mtod(m, uint8_t *), NET_ETH_LEN + NET_ARP_LEN);
	put_eth(&w, net, sha.addr_bytes, NET_ETHERTYPE_ARP);
	put_arp(&w, net, RTE_ARP_OP_REPLY, sha.addr_bytes, spa);
	m->data_len = NET_ETH_LEN + NET_ARP_LEN;
	m->pkt_len = NET_ETH_LEN + NET_ARP_LEN;
	m->ol_flags = 0;
	net_tx_enqueue(net, m, TERN_NET_PROTO_ARP);
}

static void
icmp_input(struct tern_net *net, struct rte_mbuf *m, struct tern_rcursor *c, size_t ip_off,
	   size_t hlen)
{
	size_t icmp_off = c->off, len = tern_rcursor_left(c);
	const uint8_t *icmp;
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ipv4_hdr *ip;
	uint16_t sum;

	if (len < 8 || !tern_rcursor_view(c, len, &icmp)) {
		net_drop(net, m, TERN_NET_DROP_ICMP_SHORT);
		return;
	}
	if (net_fold(net_sum(0, icmp, len)) != 0xffff) {
		net_drop(net, m, TERN_NET_DROP_ICMP_BAD_CKSUM);
		return;
	}
	net_count_rx(net, TERN_NET_PROTO_ICMP, m);
	if (icmp[0] != NET_ICMP_ECHO_REQUEST || icmp[1] != 0) {
		net_drop(net, m, TERN_NET_DROP_ICMP_UNHANDLED);
		return;
	}
	/* Echo reply in place (RFC 792): swap addresses, type 0, new checksums. */
	memcpy(p, p + RTE_ETHER_ADDR_LEN, RTE_ETHER_ADDR_LEN);
	memcpy(p + RTE_ETHER_ADDR_LEN, net->conf.mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	ip = (struct rte_ipv4_hdr *)(p + ip_off);
	ip->dst_addr = ip->src_addr;
	ip->src_addr = net->conf.ipv4_addr;
	ip->time_to_live = 64;
	ip->hdr_checksum = 0;
	sum = (uint16_t)~net_fold(net_sum(0, p + ip_off, hlen));
	ip->hdr_checksum = rte_cpu_to_be_16(sum);
	p[icmp_off] = NET_ICMP_ECHO_REPLY;
	p[icmp_off + 2] = 0;
	p[icmp_off + 3] = 0;
	sum = (uint16_t)~net_fold(net_sum(0, p + icmp_off, len));
	p[icmp_off + 2] = (uint8_t)(sum >> 8);
	p[icmp_off + 3] = (uint8_t)sum;
	/* Drop any Ethernet padding after the IP packet. */
	m->data_len = (uint16_t)(icmp_off + len);
	m->pkt_len = m->data_len;
	m->ol_flags = 0;
	net_tx_enqueue(net, m, TERN_NET_PROTO_ICMP);
}

void
net_ipv4_input(struct tern_net *net, struct rte_mbuf *m, struct tern_rcursor *c)
{
	size_t ip_off = c->off, hlen;
	uint8_t vihl = 0, proto = 0;
	uint16_t total = 0, frag = 0;
	rte_be32_t src = 0, dst = 0;
	const uint8_t *hdr;
	struct tern_rcursor h, payload;
	uint64_t csum_flags = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;

	if (net->conf.ipv4_addr == 0) {
		net_drop(net, m, TERN_NET_DROP_IPV4_DISABLED);
		return;
	}
	if (!tern_rcursor_view(c, NET_IPV4_LEN, &hdr)) {
		net_drop(net, m, TERN_NET_DROP_IPV4_SHORT);
		return;
	}
	tern_rcursor_init(&h, hdr, NET_IPV4_LEN);
	tern_rcursor_u8(&h, &vihl);
	tern_rcursor_skip(&h, 1);
	tern_rcursor_u16(&h, &total);
	tern_rcursor_skip(&h, 2);
	tern_rcursor_u16(&h, &frag);
	tern_rcursor_skip(&h, 1);
	tern_rcursor_u8(&h, &proto);
	tern_rcursor_skip(&h, 2);
	tern_rcursor_copy(&h, &src, 4);
	tern_rcursor_copy(&h, &dst, 4);
	if ((vihl >> 4) != 4) {
		net_drop(net, m, TERN_NET_DROP_IPV4_BAD_VERSION);
		return;
	}
	hlen = (size_t)(vihl & 0xf) * 4;
	if (hlen < NET_IPV4_LEN || hlen > total) {
		net_drop(net, m, TERN_NET_DROP_IPV4_BAD_HLEN);
		return;
	}
	/* Rewind to the header start: the packet is `total` bytes from there. */
	c->off = ip_off;
	if (total > tern_rcursor_left(c)) {
		net_drop(net, m, TERN_NET_DROP_IPV4_BAD_LEN);
		return;
	}
	tern_rcursor_view(c, hlen, &hdr);
	if (csum_flags == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
	    (csum_flags != RTE_MBUF_F_RX_IP_CKSUM_GOOD &&
	     net_fold(net_sum(0, hdr, hlen)) != 0xffff)) {
		net_drop(net, m, TERN_NET_DROP_IPV4_BAD_CKSUM);
		return;
	}
	if (src == 0 || src == RTE_BE32(0xffffffff) || (rte_be_to_cpu_32(src) >> 28) == 0xe ||
	    is_ours_v4(net, src)) {
		net_drop(net, m, TERN_NET_DROP_IPV4_BAD_SRC);
		return;
	}
	/* MF set or a non-zero offset (RFC 791 section 3.1). */
	if ((frag & 0x3fff) != 0) {
		net_drop(net, m, TERN_NET_DROP_IPV4_FRAGMENT);
		return;
	}
	if (!is_ours_v4(net, dst)) {
		net_drop(net, m, TERN_NET_DROP_IPV4_NOT_FOR_US);
		return;
	}
	net_count_rx(net, TERN_NET_PROTO_IPV4, m);
	/*
	 * The L4 cursor ends with the IP packet (Ethernet padding excluded) and
	 * keeps frame offsets, which the reply and UDP metadata need.
	 */
	tern_rcursor_init(&payload, rte_pktmbuf_mtod(m, const uint8_t *), ip_off + total);
	tern_rcursor_skip(&payload, ip_off + hlen);

	switch (proto) {
	case NET_PROTO_ICMP:
		icmp_input(net, m, &payload, ip_off, hlen);
		break;
	case NET_PROTO_UDP: {
		struct tern_net_udp_meta meta;
		uint32_t pseudo;
		uint16_t l4len = (uint16_t)(total - hlen);

		memset(&meta, 0, sizeof(meta));
		meta.src.family = TERN_NET_AF_INET;
		meta.src.v4 = src;
		meta.dst.family = TERN_NET_AF_INET;
		meta.dst.v4 = dst;
		pseudo = net_sum(0, (const uint8_t *)&src, 4);
		pseudo = net_sum(pseudo, (const uint8_t *)&dst, 4);
		pseudo += NET_PROTO_UDP + l4len;
		net_udp_input(net, m, &payload, &meta, pseudo);
		break;
	}
	default:
		net_drop(net, m, TERN_NET_DROP_L4_UNKNOWN);
		break;
	}
}
