/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPv6 (RFC 8200) input, ICMPv6 echo (RFC 4443) and Neighbor Discovery
 * address resolution (RFC 4861 sections 7.1-7.2).
 *
 * Extension headers are not processed (counted as ipv6_ext_hdr): this drops
 * MLD reports (they carry Hop-by-Hop router alerts), which a host stack that
 * does not join groups through a switch can ignore. The solicited-node and
 * all-nodes groups are accepted unconditionally.
 */

#include <rte_ip.h>

#include "net_priv.h"

#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY   129
#define ICMP6_NS	   135
#define ICMP6_NA	   136
#define NDP_OPT_SLLA	   1
#define NDP_OPT_TLLA	   2
#define NDP_NA_FLAG_S	   0x40000000u
#define NDP_NA_FLAG_O	   0x20000000u
#define NDP_FRAME_LEN	   (NET_ETH_LEN + NET_IPV6_LEN + NET_NDP_LEN + 8)

static const uint8_t all_nodes[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};

static uint16_t
icmp6_cksum(const uint8_t *src, const uint8_t *dst, const uint8_t *l4, size_t len)
{
	uint32_t sum = net_sum(0, src, 16);

	sum = net_sum(sum, dst, 16);
	sum += (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff) + NET_PROTO_ICMPV6;
	return net_fold(net_sum(sum, l4, len));
}

static bool
dst_accepted(const struct tern_net *net, const uint8_t *dst)
{
	return net_ipv6_is_ours(net, dst) || memcmp(dst, net->snm_ll, 16) == 0 ||
	       memcmp(dst, net->snm_global, 16) == 0 || memcmp(dst, all_nodes, 16) == 0;
}

/* Our source address for talking to dst (RFC 6724 in its simplest form). */
static const uint8_t *
src_for(const struct tern_net *net, const uint8_t *dst)
{
	if (net->has_ipv6_global && !net_ipv6_is_linklocal(dst) &&
	    !(net_ipv6_is_multicast(dst) && (dst[1] & 0x0f) == 0x02))
		return net->conf.ipv6_addr;
	return net->ipv6_ll;
}

/*
 * Write a whole NS or NA frame (the same layout: RFC 4861 sections 4.3 and
 * 4.4 with one link-layer address option) into w.
 */
static void
put_ndp(struct tern_wcursor *w, const struct tern_net *net, const uint8_t *eth_dst,
	const uint8_t *src, const uint8_t *dst, uint8_t type, uint32_t flags, const uint8_t *target)
{
	uint8_t *icmp;
	uint16_t sum;

	tern_wcursor_bytes(w, eth_dst, RTE_ETHER_ADDR_LEN);
	tern_wcursor_bytes(w, net->conf.mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	tern_wcursor_u16(w, NET_ETHERTYPE_IPV6);
	tern_wcursor_u32(w, 0x60000000u);
	tern_wcursor_u16(w, NET_NDP_LEN + 8);
	tern_wcursor_u8(w, NET_PROTO_ICMPV6);
	tern_wcursor_u8(w, 255); /* RFC 4861 7.1: receivers require 255 */
	tern_wcursor_bytes(w, src, 16);
	tern_wcursor_bytes(w, dst, 16);
	icmp = tern_wcursor_ptr(w);
	tern_wcursor_u8(w, type);
	tern_wcursor_u8(w, 0);
	tern_wcursor_u16(w, 0);
	tern_wcursor_u32(w, flags);
	tern_wcursor_bytes(w, target, 16);
	tern_wcursor_u8(w, type == ICMP6_NS ? NDP_OPT_SLLA : NDP_OPT_TLLA);
	tern_wcursor_u8(w, 1);
	tern_wcursor_bytes(w, net->conf.mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	sum = (uint16_t)~icmp6_cksum(src, dst, icmp, NET_NDP_LEN + 8);
	icmp[2] = (uint8_t)(sum >> 8);
	icmp[3] = (uint8_t)sum;
}

void
net_ndp_solicit(struct tern_net *net, const uint8_t *target)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(net->conf.pool);
	uint8_t snm[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};
	uint8_t eth_dst[RTE_ETHER_ADDR_LEN] = {0x33, 0x33, 0xff};
	struct tern_wcursor w;
	uint8_t *p;

	if (m == NULL) {
		net->stats.drops[TERN_NET_DROP_NO_MBUF]++;
		return;
	}
	p = (uint8_t *)rte_pktmbuf_append(m, NDP_FRAME_LEN);
	if (p == NULL) {
		net_drop(net, m, TERN_NET_DROP_NO_HEADROOM);
		return;
	}
	memcpy(snm + 13, target + 13, 3);
	memcpy(eth_dst + 3, target + 13, 3);
	tern_wcursor_init(&w, p, NDP_FRAME_LEN);
	put_ndp(&w, net, eth_dst, src_for(net, target), snm, ICMP6_NS, 0, target);
	net_tx_enqueue(net, m, TERN_NET_PROTO_NDP);
}

/*
 * Options of an NS/NA: every option must have a non-zero length (RFC 4861
 * 7.1.1/7.1.2); the Ethernet link-layer address option of the wanted type is
 * returned in *lla.
 */
static bool
ndp_options(struct tern_rcursor *c, uint8_t want, const uint8_t **lla)
{
	*lla = NULL;
	while (tern_rcursor_left(c) > 0) {
		uint8_t type, len;
		const uint8_t *body;

		if (!tern_rcursor_u8(c, &type) || !tern_rcursor_u8(c, &len) || len == 0 ||
		    !tern_rcursor_view(c, (size_t)len * 8 - 2, &body))
			return false;
		if (type == want && len == 1)
			*lla = body;
	}
	return true;
}

static void
ndp_ns_input(struct tern_net *net, struct rte_mbuf *m, struct tern_rcursor *c, const uint8_t *src,
	     const uint8_t *dst, uint8_t hops)
{
	uint8_t target[16], peer[16], eth_dst[RTE_ETHER_ADDR_LEN];
	const uint8_t *sll;
	bool unspec = net_ipv6_is_unspecified(src);
	struct tern_wcursor w;

	/* c is at the reserved field; type/code/checksum were checked. */
	if (hops != 255 || tern_rcursor_left(c) < NET_NDP_LEN - 4 || !tern_rcursor_skip(c, 4) ||
	    !tern_rcursor_copy(c, target, 16) || net_ipv6_is_multicast(target) ||
	    !ndp_options(c, NDP_OPT_SLLA, &sll) ||
	    (unspec && (sll != NULL || (memcmp(dst, net->snm_ll, 16) != 0 &&
					memcmp(dst, net->snm_global, 16) != 0)))) {
		net_drop(net, m, TERN_NET_DROP_NDP_INVALID);
		return;
	}
	net_count_rx(net, TERN_NET_PROTO_NDP, m);
	if (!net_ipv6_is_ours(net, target)) {
		net_drop(net, m, TERN_NET_DROP_NDP_NOT_FOR_US);
		return;
	}
	/* RFC 4861 7.2.3: the sender's SLLAO gives us its mapping. */
	if (!unspec && sll != NULL)
		net_neigh_confirm(net, TERN_NET_AF_INET6, src, (const struct rte_ether_addr *)sll,
				  true);
	if (unspec) {
		/* A DAD probe (RFC 4862 5.4.3): answer all-nodes, S clear. */
		memcpy(peer, all_nodes, 16);
		memcpy(eth_dst, (const uint8_t[]){0x33, 0x33, 0, 0, 0, 1}, RTE_ETHER_ADDR_LEN);
	} else {
		memcpy(peer, src, 16);
		if (sll != NULL)
			memcpy(eth_dst, sll, RTE_ETHER_ADDR_LEN);
		else
			memcpy(eth_dst, rte_pktmbuf_mtod_offset(m, const uint8_t *, 6),
			       RTE_ETHER_ADDR_LEN);
	}
	if (m->buf_len < m->data_off + NDP_FRAME_LEN) {
		net_drop(net, m, TERN_NET_DROP_NO_HEADROOM);
		return;
	}
	tern_wcursor_init(&w, rte_pktmbuf_mtod(m, uint8_t *), NDP_FRAME_LEN);
	put_ndp(&w, net, eth_dst, target, peer, ICMP6_NA,
		NDP_NA_FLAG_O | (unspec ? 0 : NDP_NA_FLAG_S), target);
	m->data_len = NDP_FRAME_LEN;
	m->pkt_len = NDP_FRAME_LEN;
	m->ol_flags = 0;
	net_tx_enqueue(net, m, TERN_NET_PROTO_NDP);
}

static void
ndp_na_input(struct tern_net *net, struct rte_mbuf *m, struct tern_rcursor *c, const uint8_t *dst,
	     uint8_t hops)
{
	uint8_t target[16];
	uint32_t flags;
	const uint8_t *tll;

	if (hops != 255 || !tern_rcursor_u32(c, &flags) || !tern_rcursor_copy(c, target, 16) ||
	    net_ipv6_is_multicast(target) ||
	    (net_ipv6_is_multicast(dst) && (flags & NDP_NA_FLAG_S) != 0) ||
	    !ndp_options(c, NDP_OPT_TLLA, &tll)) {
		net_drop(net, m, TERN_NET_DROP_NDP_INVALID);
		return;
	}
	net_count_rx(net, TERN_NET_PROTO_NDP, m);
	/* RFC 4861 7.2.5: only entries we have are updated. */
	if (tll != NULL)
		net_neigh_confirm(net, TERN_NET_AF_INET6, target,
				  (const struct rte_ether_addr *)tll, false);
	rte_pktmbuf_free(m);
}

static void
icmp6_input(struct tern_net *net, struct rte_mbuf *m, struct tern_rcursor *c, size_t ip_off,
	    const uint8_t *src, const uint8_t *dst, uint8_t hops)
{
	size_t icmp_off = c->off, len = tern_rcursor_left(c);
	const uint8_t *icmp;
	uint8_t type, code, *p;
	uint16_t sum;

	if (len < 4 || !tern_rcursor_view(c, 4, &icmp)) {
		net_drop(net, m, TERN_NET_DROP_ICMP_SHORT);
		return;
	}
	/* Checksum over the whole message, c still bounds it. */
	if (icmp6_cksum(src, dst, icmp, len) != 0xffff) {
		net_drop(net, m, TERN_NET_DROP_ICMP_BAD_CKSUM);
		return;
	}
	type = icmp[0];
	code = icmp[1];
	if (type == ICMP6_NS || type == ICMP6_NA) {
		if (code != 0) {
			net_drop(net, m, TERN_NET_DROP_NDP_INVALID);
			return;
		}
		if (type == ICMP6_NS)
			ndp_ns_input(net, m, c, src, dst, hops);
		else
			ndp_na_input(net, m, c, dst, hops);
		return;
	}
	net_count_rx(net, TERN_NET_PROTO_ICMPV6, m);
	if (type != ICMP6_ECHO_REQUEST || code != 0 || !net_ipv6_is_ours(net, dst)) {
		net_drop(net, m, TERN_NET_DROP_ICMP_UNHANDLED);
		return;
	}
	if (len < 8) {
		net_drop(net, m, TERN_NET_DROP_ICMP_SHORT);
		return;
	}
	/* Echo reply in place (RFC 4443 4.2). */
	p = rte_pktmbuf_mtod(m, uint8_t *);
	memcpy(p, p + RTE_ETHER_ADDR_LEN, RTE_ETHER_ADDR_LEN);
	memcpy(p + RTE_ETHER_ADDR_LEN, net->conf.mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	p[ip_off + 7] = 64;
	/* To the sender, from the (unicast, ours) address that was pinged. */
	memcpy(p + ip_off + 24, src, 16);
	memcpy(p + ip_off + 8, dst, 16);
	p[icmp_off] = ICMP6_ECHO_REPLY;
	p[icmp_off + 2] = 0;
	p[icmp_off + 3] = 0;
	sum = (uint16_t)~icmp6_cksum(p + ip_off + 8, p + ip_off + 24, p + icmp_off, len);
	p[icmp_off + 2] = (uint8_t)(sum >> 8);
	p[icmp_off + 3] = (uint8_t)sum;
	m->data_len = (uint16_t)(icmp_off + len);
	m->pkt_len = m->data_len;
	m->ol_flags = 0;
	net_tx_enqueue(net, m, TERN_NET_PROTO_ICMPV6);
}

void
net_ipv6_input(struct tern_net *net, struct rte_mbuf *m, struct tern_rcursor *c)
{
	size_t ip_off = c->off;
	uint32_t vtcfl;
	uint16_t plen;
	uint8_t nh, hops, src[16], dst[16];
	struct tern_rcursor payload;

	if (!net->conf.ipv6_enable) {
		net_drop(net, m, TERN_NET_DROP_IPV6_DISABLED);
		return;
	}
	if (!tern_rcursor_u32(c, &vtcfl) || !tern_rcursor_u16(c, &plen) ||
	    !tern_rcursor_u8(c, &nh) || !tern_rcursor_u8(c, &hops) ||
	    !tern_rcursor_copy(c, src, 16) || !tern_rcursor_copy(c, dst, 16)) {
		net_drop(net, m, TERN_NET_DROP_IPV6_SHORT);
		return;
	}
	if ((vtcfl >> 28) != 6) {
		net_drop(net, m, TERN_NET_DROP_IPV6_BAD_VERSION);
		return;
	}
	if (plen > tern_rcursor_left(c)) {
		net_drop(net, m, TERN_NET_DROP_IPV6_BAD_LEN);
		return;
	}
	if (net_ipv6_is_multicast(src)) {
		net_drop(net, m, TERN_NET_DROP_IPV6_BAD_SRC);
		return;
	}
	if (!dst_accepted(net, dst)) {
		net_drop(net, m, TERN_NET_DROP_IPV6_NOT_FOR_US);
		return;
	}
	net_count_rx(net, TERN_NET_PROTO_IPV6, m);
	tern_rcursor_init(&payload, rte_pktmbuf_mtod(m, const uint8_t *),
			  ip_off + NET_IPV6_LEN + plen);
	tern_rcursor_skip(&payload, ip_off + NET_IPV6_LEN);

	switch (nh) {
	case NET_PROTO_ICMPV6:
		icmp6_input(net, m, &payload, ip_off, src, dst, hops);
		break;
	case NET_PROTO_UDP: {
		struct tern_net_udp_meta meta;
		uint32_t pseudo;

		memset(&meta, 0, sizeof(meta));
		meta.src.family = TERN_NET_AF_INET6;
		memcpy(meta.src.v6, src, 16);
		meta.dst.family = TERN_NET_AF_INET6;
		memcpy(meta.dst.v6, dst, 16);
		pseudo = net_sum(0, src, 16);
		pseudo = net_sum(pseudo, dst, 16);
		pseudo += NET_PROTO_UDP + plen;
		net_udp_input(net, m, &payload, &meta, pseudo);
		break;
	}
	case 0:	  /* Hop-by-Hop */
	case 43:  /* Routing */
	case 44:  /* Fragment */
	case 50:  /* ESP */
	case 51:  /* AH */
	case 60:  /* Destination Options */
	case 135: /* Mobility */
	case 139: /* HIP */
	case 140: /* Shim6 */
		net_drop(net, m, TERN_NET_DROP_IPV6_EXT_HDR);
		break;
	default:
		net_drop(net, m, TERN_NET_DROP_L4_UNKNOWN);
		break;
	}
}
