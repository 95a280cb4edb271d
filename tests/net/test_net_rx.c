/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane/net on crafted frames, no network: the stack's rx function is
 * called directly on mbufs from a pool and its TX function captures what it
 * sends. Frames are built here with an independent checksum implementation.
 * Covers ARP, IPv4/ICMP, IPv6/ICMPv6/NDP, UDP demux and output, neighbour
 * resolution with waiting packets and expiry, checksum offload flags,
 * malformed frames (every truncation of every valid frame), and mbuf leaks.
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "tern/error.h"
#include "tern/net.h"
#include "tern_test.h"

#define NAME "test_net_rx"

static const uint8_t our_mac[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t peer_mac[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t our_ip[4] = {198, 18, 0, 1};
static const uint8_t peer_ip[4] = {198, 18, 0, 2};
static const uint8_t other_ip[4] = {198, 18, 0, 9};
static const uint8_t our_ip6[16] = {0xfd, 0x98, 0, 0x18, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t peer_ip6[16] = {0xfd, 0x98, 0, 0x18, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
static const uint8_t other_ip6[16] = {0xfd, 0x98, 0, 0x18, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9};
static const uint8_t snm_ours[16] = {0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 1};

static struct rte_mempool *pool;
static struct tern_net *net;
static struct rte_mbuf *txq[256];
static unsigned ntxq;
static uint64_t now = 1000000;

/* ---- capture ---- */

static unsigned tx_accept = UINT16_MAX; /* the "NIC" takes at most this many per call */

static uint16_t
capture_tx(void *opaque, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t i;

	(void)opaque;
	for (i = 0; i < n && i < tx_accept && ntxq < RTE_DIM(txq); i++)
		txq[ntxq++] = pkts[i];
	return i;
}

static void
tx_clear(void)
{
	unsigned i;

	for (i = 0; i < ntxq; i++)
		rte_pktmbuf_free(txq[i]);
	ntxq = 0;
}

static const uint8_t *
tx_data(unsigned i)
{
	return rte_pktmbuf_mtod(txq[i], const uint8_t *);
}

/* ---- independent frame building ---- */

static uint32_t
sum16(uint32_t s, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		s += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	return s;
}

static uint16_t
fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static size_t
eth(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	put16(f + 12, type);
	return 14;
}

static size_t
arp(uint8_t *f, const uint8_t *edst, uint16_t op, const uint8_t *sha, const uint8_t *spa,
    const uint8_t *tha, const uint8_t *tpa)
{
	size_t n = eth(f, edst, sha, 0x0806);

	put16(f + n, 1);
	put16(f + n + 2, 0x0800);
	f[n + 4] = 6;
	f[n + 5] = 4;
	put16(f + n + 6, op);
	memcpy(f + n + 8, sha, 6);
	memcpy(f + n + 14, spa, 4);
	memcpy(f + n + 18, tha, 6);
	memcpy(f + n + 24, tpa, 4);
	return n + 28;
}

/* IPv4 packet with l4 payload; optlen bytes of IP options (NOPs). */
static size_t
ipv4(uint8_t *f, const uint8_t *src, const uint8_t *dst, uint8_t proto, const uint8_t *l4,
     size_t l4len, size_t optlen)
{
	size_t n = eth(f, our_mac, peer_mac, 0x0800), hl = 20 + optlen;
	uint8_t *ip = f + n;

	memset(ip, 0, hl);
	ip[0] = (uint8_t)(0x40 | (hl / 4));
	put16(ip + 2, (uint16_t)(hl + l4len));
	put16(ip + 4, 0x1234);
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	memset(ip + 20, 1, optlen);
	put16(ip + 10, (uint16_t)~fold(sum16(0, ip, hl)));
	memcpy(ip + hl, l4, l4len);
	return n + hl + l4len;
}

static size_t
udp_seg(uint8_t *u, const uint8_t *src, const uint8_t *dst, size_t alen, uint16_t sport,
	uint16_t dport, const uint8_t *payload, size_t plen)
{
	uint32_t s;

	put16(u, sport);
	put16(u + 2, dport);
	put16(u + 4, (uint16_t)(8 + plen));
	put16(u + 6, 0);
	memcpy(u + 8, payload, plen);
	s = sum16(sum16(0, src, alen), dst, alen) + 17 + (uint32_t)(8 + plen);
	s = sum16(s, u, 8 + plen);
	put16(u + 6, fold(s) == 0xffff ? 0xffff : (uint16_t)~fold(s));
	return 8 + plen;
}

static size_t
icmp_echo4(uint8_t *c, const uint8_t *data, size_t dlen)
{
	c[0] = 8;
	c[1] = 0;
	put16(c + 2, 0);
	put16(c + 4, 0x77);
	put16(c + 6, 3);
	memcpy(c + 8, data, dlen);
	put16(c + 2, (uint16_t)~fold(sum16(0, c, 8 + dlen)));
	return 8 + dlen;
}

static size_t
ipv6(uint8_t *f, const uint8_t *edst, const uint8_t *src, const uint8_t *dst, uint8_t nh,
     uint8_t hops, const uint8_t *l4, size_t l4len)
{
	size_t n = eth(f, edst, peer_mac, 0x86dd);
	uint8_t *ip = f + n;

	memset(ip, 0, 40);
	ip[0] = 0x60;
	put16(ip + 4, (uint16_t)l4len);
	ip[6] = nh;
	ip[7] = hops;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	memcpy(ip + 40, l4, l4len);
	return n + 40 + l4len;
}

static void
icmp6_fix(uint8_t *c, size_t len, const uint8_t *src, const uint8_t *dst)
{
	uint32_t s = sum16(sum16(0, src, 16), dst, 16) + 58 + (uint32_t)len;

	put16(c + 2, 0);
	put16(c + 2, (uint16_t)~fold(sum16(s, c, len)));
}

/* NS/NA body with an optional link-layer option of type opt. */
static size_t
ndp(uint8_t *c, uint8_t type, uint32_t flags, const uint8_t *target, uint8_t opt,
    const uint8_t *mac)
{
	memset(c, 0, 24);
	c[0] = type;
	c[4] = (uint8_t)(flags >> 24);
	memcpy(c + 8, target, 16);
	if (opt == 0)
		return 24;
	c[24] = opt;
	c[25] = 1;
	memcpy(c + 26, mac, 6);
	return 32;
}

/* ---- driving the stack ---- */

static struct rte_mbuf *
mk(const uint8_t *f, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	REQUIRE(m != NULL);
	if (len > 0)
		memcpy(rte_pktmbuf_append(m, (uint16_t)len), f, len);
	return m;
}

static void
rx_flags(const uint8_t *f, size_t len, uint64_t ol_flags)
{
	struct rte_mbuf *m = mk(f, len);

	m->ol_flags = ol_flags;
	tern_net_rx_burst(net, &m, 1, now);
}

static void
rx(const uint8_t *f, size_t len)
{
	rx_flags(f, len, 0);
}

static uint64_t
drops(enum tern_net_drop r)
{
	struct tern_net_stats st;

	tern_net_stats_get(net, &st);
	return st.drops[r];
}

static uint64_t
drops_total(void)
{
	struct tern_net_stats st;
	uint64_t t = 0;
	unsigned i;

	tern_net_stats_get(net, &st);
	for (i = 0; i < TERN_NET_DROP_COUNT; i++)
		t += st.drops[i];
	return t;
}

/* Each valid frame must be dropped with exactly one reason at every shorter length. */
static unsigned handler_calls;

static void
check_truncations(const char *what, const uint8_t *f, size_t len)
{
	size_t l;
	unsigned bad = 0;

	for (l = 0; l < len; l++) {
		uint64_t before = drops_total();
		unsigned calls = handler_calls;

		rx(f, l);
		if (ntxq != 0 || drops_total() != before + 1 || handler_calls != calls) {
			fprintf(stderr, "%s truncated to %zu: tx %u drops +%llu\n", what, l, ntxq,
				(unsigned long long)(drops_total() - before));
			bad++;
		}
		tx_clear();
	}
	CHECK_EQ(bad, 0);
	/* Later checks in the caller count from zero again. */
	tern_net_stats_reset(net);
}

static bool
ip4_cksum_ok(const uint8_t *ip)
{
	return fold(sum16(0, ip, (size_t)(ip[0] & 0xf) * 4)) == 0xffff;
}

static bool
l4_cksum_ok(const uint8_t *src, const uint8_t *dst, size_t alen, uint8_t proto, const uint8_t *l4,
	    size_t len)
{
	uint32_t s = sum16(sum16(0, src, alen), dst, alen) + proto + (uint32_t)len;

	return fold(sum16(s, l4, len)) == 0xffff;
}

/* ---- UDP handler ---- */

static struct tern_net_udp_meta last_meta[TERN_NET_BURST];
static uint16_t last_n;
static bool echo_back = true;

static void
handler(struct tern_net *n, struct rte_mbuf **pkts, const struct tern_net_udp_meta *meta,
	uint16_t cnt, void *opaque)
{
	uint16_t i;

	CHECK(opaque == &handler_calls);
	handler_calls++;
	last_n = cnt;
	memcpy(last_meta, meta, cnt * sizeof(*meta));
	for (i = 0; i < cnt; i++) {
		if (echo_back)
			CHECK_EQ(tern_net_udp_reply(n, pkts[i], &meta[i]), 0);
		else
			rte_pktmbuf_free(pkts[i]);
	}
}

/* ---- tests ---- */

static void
test_arp(void)
{
	static const uint8_t zero[6];
	uint8_t f[128], bad[128];
	struct tern_net_addr a = {.family = TERN_NET_AF_INET};
	struct rte_ether_addr mac;
	size_t n;

	memcpy(&a.v4, peer_ip, 4);
	CHECK_EQ(tern_net_neigh_lookup(net, &a, &mac), 0);
	n = arp(f, bcast, 1, peer_mac, peer_ip, zero, our_ip);
	rx(f, n);
	REQUIRE(ntxq == 1);
	CHECK_EQ(rte_pktmbuf_data_len(txq[0]), 42);
	CHECK_MEM(tx_data(0), peer_mac, 6);
	CHECK_MEM(tx_data(0) + 6, our_mac, 6);
	CHECK_EQ(tx_data(0)[21], 2); /* reply */
	CHECK_MEM(tx_data(0) + 22, our_mac, 6);
	CHECK_MEM(tx_data(0) + 28, our_ip, 4);
	CHECK_MEM(tx_data(0) + 32, peer_mac, 6);
	CHECK_MEM(tx_data(0) + 38, peer_ip, 4);
	tx_clear();
	/* RFC 826: the requester was learned. */
	CHECK_EQ(tern_net_neigh_lookup(net, &a, &mac), 1);
	CHECK_MEM(mac.addr_bytes, peer_mac, 6);

	/* Padded to 60 bytes: still answered. */
	memset(f + n, 0, 60 - n);
	rx(f, 60);
	CHECK_EQ(ntxq, 1);
	tx_clear();

	/* For someone else: ignored, not learned. */
	n = arp(f, bcast, 1, (const uint8_t[]){2, 0, 0, 0, 0, 7}, other_ip, zero, peer_ip);
	rx(f, n);
	CHECK_EQ(ntxq, 0);
	CHECK_EQ(drops(TERN_NET_DROP_ARP_NOT_FOR_US), 1);
	memcpy(&a.v4, other_ip, 4);
	CHECK_EQ(tern_net_neigh_lookup(net, &a, NULL), 0);

	/* Malformed: hln 5, protocol IPv6, unknown op. */
	n = arp(bad, bcast, 1, peer_mac, peer_ip, zero, our_ip);
	bad[18] = 5;
	rx(bad, n);
	n = arp(bad, bcast, 1, peer_mac, peer_ip, zero, our_ip);
	put16(bad + 16, 0x86dd);
	rx(bad, n);
	CHECK_EQ(drops(TERN_NET_DROP_ARP_MALFORMED), 2);
	n = arp(bad, bcast, 9, peer_mac, peer_ip, zero, our_ip);
	rx(bad, n);
	CHECK_EQ(drops(TERN_NET_DROP_ARP_UNKNOWN_OP), 1);
	/* A probe (sender 0.0.0.0) is answered but teaches nothing. */
	n = arp(bad, bcast, 1, (const uint8_t[]){2, 0, 0, 0, 0, 8}, (const uint8_t[4]){0}, zero,
		our_ip);
	rx(bad, n);
	CHECK_EQ(ntxq, 1);
	tx_clear();
	CHECK_EQ(ntxq, 0);

	n = arp(f, bcast, 1, peer_mac, peer_ip, zero, our_ip);
	check_truncations("arp", f, n);
}

static void
test_icmp4(void)
{
	uint8_t f[256], l4[128], data[40];
	size_t n, l4len, i;
	const uint8_t *r;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	l4len = icmp_echo4(l4, data, sizeof(data));
	n = ipv4(f, peer_ip, our_ip, 1, l4, l4len, 0);
	rx(f, n);
	REQUIRE(ntxq == 1);
	r = tx_data(0);
	CHECK_EQ(rte_pktmbuf_data_len(txq[0]), n);
	CHECK_MEM(r, peer_mac, 6);
	CHECK_MEM(r + 6, our_mac, 6);
	CHECK_MEM(r + 26, our_ip, 4);
	CHECK_MEM(r + 30, peer_ip, 4);
	CHECK(ip4_cksum_ok(r + 14));
	CHECK_EQ(r[34], 0);
	CHECK_MEM(r + 36 + 2, f + 36 + 2, 4 + sizeof(data)); /* id, seq, data */
	CHECK_EQ(fold(sum16(0, r + 34, l4len)), 0xffff);
	tx_clear();
	check_truncations("icmp", f, n);

	/* With IP options and Ethernet padding: answered, padding stripped. */
	n = ipv4(f, peer_ip, our_ip, 1, l4, icmp_echo4(l4, data, 0), 8);
	memset(f + n, 0xee, 16);
	rx(f, n + 16);
	REQUIRE(ntxq == 1);
	CHECK_EQ(rte_pktmbuf_data_len(txq[0]), n);
	CHECK(ip4_cksum_ok(tx_data(0) + 14));
	CHECK_EQ(tx_data(0)[14 + 28], 0);
	tx_clear();

	/* Bad ICMP checksum, unhandled type. */
	l4len = icmp_echo4(l4, data, sizeof(data));
	n = ipv4(f, peer_ip, our_ip, 1, l4, l4len, 0);
	f[n - 1] ^= 1;
	rx(f, n);
	CHECK_EQ(drops(TERN_NET_DROP_ICMP_BAD_CKSUM), 1);
	l4[0] = 13; /* timestamp */
	l4[2] = l4[3] = 0;
	put16(l4 + 2, (uint16_t)~fold(sum16(0, l4, 8)));
	n = ipv4(f, peer_ip, our_ip, 1, l4, 8, 0);
	rx(f, n);
	CHECK_EQ(drops(TERN_NET_DROP_ICMP_UNHANDLED), 1);
	CHECK_EQ(ntxq, 0);
}

static void
test_ipv4_malformed(void)
{
	uint8_t f[256], l4[64], data[8] = {1, 2, 3};
	size_t n, l4len = icmp_echo4(l4, data, sizeof(data));

	n = ipv4(f, peer_ip, our_ip, 1, l4, l4len, 0);
	f[14 + 10] ^= 0x10;
	rx(f, n);
	CHECK_EQ(drops(TERN_NET_DROP_IPV4_BAD_CKSUM), 1);
	/* The NIC said good: the (wrong) checksum is not looked at. */
	rx_flags(f, n, RTE_MBUF_F_RX_IP_CKSUM_GOOD);
	CHECK_EQ(ntxq, 1);
	tx_clear();
	/* The NIC said bad: dropped even though it is right. */
	n = ipv4(f, peer_ip, our_ip, 1, l4, l4len, 0);
	rx_flags(f, n, RTE_MBUF_F_RX_IP_CKSUM_BAD);
	CHECK_EQ(drops(TERN_NET_DROP_IPV4_BAD_CKSUM), 2);

	n = ipv4(f, peer_ip, our_ip, 1, l4, l4len, 0);
	f[14] = 0x55;
	rx(f, n);
	CHECK_EQ(drops(TERN_NET_DROP_IPV4_BAD_VERSION), 1);
	n = ipv4(f, peer_ip, our_ip, 1, l4, l4len, 0);
	f[14] = 0x44;
	rx(f, n);
	CHECK_EQ(drops(TERN_NET_DROP_IPV4_BAD_HLEN), 1);
	n = ipv4(f, peer_ip, our_ip, 1, l4, l4len, 0);
	put16(f + 16, 19); /* total length below the header */
	rx(f, n);
	CHECK_EQ(drops(TERN_NET_DROP_IPV4_BAD_HLEN), 2);
	n = ipv4(f, peer_ip, our_ip, 1, l4, l4len, 0);
	put16(f + 16, (uint16_t)(n - 14 + 1));
	rx(f, n);
	CHECK_EQ(drops(TERN_NET_DROP_IPV4_BAD_LEN), 1);

	/* Fragments: MF, then a non-zero offset (checksums fixed up). */
	n = ipv4(f, peer_ip, our_ip, 1, l4, l4len, 0);
	put16(f + 20, 0x2000);
	put16(f + 24, 0);
	put16(f + 24, (uint16_t)~fold(sum16(0, f + 14, 20)));
	rx(f, n);
	put16(f + 20, 0x0001);
	put16(f + 24, 0);
	put16(f + 24, (uint16_t)~fold(sum16(0, f + 14, 20)));
	rx(f, n);
	CHECK_EQ(drops(TERN_NET_DROP_IPV4_FRAGMENT), 2);
	/* DF alone is fine. */
	put16(f + 20, 0x4000);
	put16(f + 24, 0);
	put16(f + 24, (uint16_t)~fold(sum16(0, f + 14, 20)));
	rx(f, n);
	CHECK_EQ(ntxq, 1);
	tx_clear();

	n = ipv4(f, peer_ip, other_ip, 1, l4, l4len, 0);
	rx(f, n);
	CHECK_EQ(drops(TERN_NET_DROP_IPV4_NOT_FOR_US), 1);
	n = ipv4(f, (const uint8_t[]){224, 0, 0, 1}, our_ip, 1, l4, l4len, 0);
	rx(f, n);
	n = ipv4(f, (const uint8_t[]){255, 255, 255, 255}, our_ip, 1, l4, l4len, 0);
	rx(f, n);
	CHECK_EQ(drops(TERN_NET_DROP_IPV4_BAD_SRC), 2);
	n = ipv4(f, peer_ip, our_ip, 6, l4, l4len, 0); /* TCP */
	rx(f, n);
	CHECK_EQ(drops(TERN_NET_DROP_L4_UNKNOWN), 1);

	/* Ethernet level. */
	n = ipv4(f, peer_ip, our_ip, 1, l4, l4len, 0);
	f[0] = 0x04;
	rx(f, n);
	CHECK_EQ(drops(TERN_NET_DROP_ETH_NOT_FOR_US), 1);
	n = ipv4(f, peer_ip, our_ip, 1, l4, l4len, 0);
	put16(f + 12, 0x8100); /* VLAN */
	rx(f, n);
	put16(f + 12, 0x88cc); /* LLDP */
	rx(f, n);
	CHECK_EQ(drops(TERN_NET_DROP_ETH_UNKNOWN_TYPE), 2);
	CHECK_EQ(ntxq, 0);

	/* Multi-segment mbufs are dropped, not parsed. */
	{
		struct rte_mbuf *a, *b;

		n = ipv4(f, peer_ip, our_ip, 1, l4, l4len, 0);
		a = mk(f, 20);
		b = mk(f + 20, n - 20);
		REQUIRE(rte_pktmbuf_chain(a, b) == 0);
		tern_net_rx_burst(net, &a, 1, now);
		CHECK_EQ(drops(TERN_NET_DROP_MULTI_SEG), 1);
		CHECK_EQ(ntxq, 0);
	}
}

static void
test_udp4(void)
{
	uint8_t f[2048], u[1600], payload[1200];
	size_t n, ul, i;
	const uint8_t *r;
	struct rte_mbuf *burst[3];

	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i ^ 0x5a);
	ul = udp_seg(u, peer_ip, our_ip, 4, 40000, 7777, payload, sizeof(payload));
	n = ipv4(f, peer_ip, our_ip, 17, u, ul, 0);
	rx(f, n);
	CHECK_EQ(handler_calls, 1);
	CHECK_EQ(last_n, 1);
	CHECK_EQ(last_meta[0].src.family, TERN_NET_AF_INET);
	CHECK_MEM(&last_meta[0].src.v4, peer_ip, 4);
	CHECK_MEM(&last_meta[0].dst.v4, our_ip, 4);
	CHECK_EQ(last_meta[0].src.port, 40000);
	CHECK_EQ(last_meta[0].dst.port, 7777);
	CHECK_EQ(last_meta[0].payload_off, 42);
	CHECK_EQ(last_meta[0].payload_len, sizeof(payload));
	/* The echo went out through the neighbour cache (peer learned by ARP). */
	REQUIRE(ntxq == 1);
	r = tx_data(0);
	CHECK_EQ(rte_pktmbuf_data_len(txq[0]), n);
	CHECK_MEM(r, peer_mac, 6);
	CHECK_MEM(r + 6, our_mac, 6);
	CHECK(ip4_cksum_ok(r + 14));
	CHECK_MEM(r + 26, our_ip, 4);
	CHECK_MEM(r + 30, peer_ip, 4);
	CHECK_EQ(r[34] << 8 | r[35], 7777);
	CHECK_EQ(r[36] << 8 | r[37], 40000);
	CHECK(l4_cksum_ok(our_ip, peer_ip, 4, 17, r + 34, ul));
	CHECK_MEM(r + 42, payload, sizeof(payload));
	CHECK_EQ(txq[0]->ol_flags, 0);
	tx_clear();
	check_truncations("udp4", f, n);

	/* Zero checksum over IPv4 means none (RFC 768). */
	put16(f + 40, 0);
	rx(f, n);
	CHECK_EQ(handler_calls, 2);
	CHECK_EQ(ntxq, 1);
	tx_clear();
	/* Bad checksum; the NIC's verdict wins either way. */
	n = ipv4(f, peer_ip, our_ip, 17, u, ul, 0);
	f[n - 1] ^= 0xff;
	rx(f, n);
	CHECK_EQ(drops(TERN_NET_DROP_UDP_BAD_CKSUM), 1);
	rx_flags(f, n, RTE_MBUF_F_RX_L4_CKSUM_GOOD);
	CHECK_EQ(handler_calls, 3);
	tx_clear();
	n = ipv4(f, peer_ip, our_ip, 17, u, ul, 0);
	rx_flags(f, n, RTE_MBUF_F_RX_L4_CKSUM_BAD);
	CHECK_EQ(drops(TERN_NET_DROP_UDP_BAD_CKSUM), 2);
	/* UDP length disagrees with IP. */
	n = ipv4(f, peer_ip, our_ip, 17, u, ul, 0);
	put16(f + 38, (uint16_t)(ul - 1));
	rx(f, n);
	CHECK_EQ(drops(TERN_NET_DROP_UDP_BAD_LEN), 1);
	/* No handler. */
	ul = udp_seg(u, peer_ip, our_ip, 4, 40000, 9999, payload, 10);
	n = ipv4(f, peer_ip, our_ip, 17, u, ul, 0);
	rx(f, n);
	CHECK_EQ(drops(TERN_NET_DROP_UDP_NO_HANDLER), 1);
	CHECK_EQ(handler_calls, 3);
	CHECK_EQ(ntxq, 0);

	/* A burst: two datagrams for 7777 reach the handler in one call. */
	ul = udp_seg(u, peer_ip, our_ip, 4, 1, 7777, payload, 5);
	n = ipv4(f, peer_ip, our_ip, 17, u, ul, 0);
	burst[0] = mk(f, n);
	burst[2] = mk(f, n);
	ul = udp_seg(u, peer_ip, our_ip, 4, 2, 9999, payload, 5);
	n = ipv4(f, peer_ip, our_ip, 17, u, ul, 0);
	burst[1] = mk(f, n);
	tern_net_rx_burst(net, burst, 3, now);
	CHECK_EQ(handler_calls, 4);
	CHECK_EQ(last_n, 2);
	CHECK_EQ(ntxq, 2);
	tx_clear();
}

static void
test_ipv6(void)
{
	uint8_t f[2048], c[1600], payload[300];
	size_t n, cl, i;
	const uint8_t *r;
	struct tern_net_addr a = {.family = TERN_NET_AF_INET6};
	struct rte_ether_addr mac;

	/* NS for our address, to its solicited-node group, with SLLAO. */
	cl = ndp(c, 135, 0, our_ip6, 1, peer_mac);
	icmp6_fix(c, cl, peer_ip6, snm_ours);
	n = ipv6(f, (const uint8_t[]){0x33, 0x33, 0xff, 0, 0, 1}, peer_ip6, snm_ours, 58, 255, c,
		 cl);
	rx(f, n);
	REQUIRE(ntxq == 1);
	r = tx_data(0);
	CHECK_EQ(rte_pktmbuf_data_len(txq[0]), 86);
	CHECK_MEM(r, peer_mac, 6);
	CHECK_EQ(r[14 + 7], 255);
	CHECK_MEM(r + 22, our_ip6, 16);
	CHECK_MEM(r + 38, peer_ip6, 16);
	CHECK_EQ(r[54], 136);
	CHECK_EQ(r[58], 0x60); /* S and O */
	CHECK_MEM(r + 62, our_ip6, 16);
	CHECK_EQ(r[78], 2);
	CHECK_EQ(r[79], 1);
	CHECK_MEM(r + 80, our_mac, 6);
	CHECK(l4_cksum_ok(our_ip6, peer_ip6, 16, 58, r + 54, 32));
	tx_clear();
	memcpy(a.v6, peer_ip6, 16);
	CHECK_EQ(tern_net_neigh_lookup(net, &a, &mac), 1);
	CHECK_MEM(mac.addr_bytes, peer_mac, 6);
	check_truncations("ns", f, n);

	/* DAD probe: from ::, no SLLAO; answered to all-nodes with S clear. */
	cl = ndp(c, 135, 0, our_ip6, 0, NULL);
	icmp6_fix(c, cl, (const uint8_t[16]){0}, snm_ours);
	n = ipv6(f, (const uint8_t[]){0x33, 0x33, 0xff, 0, 0, 1}, (const uint8_t[16]){0}, snm_ours,
		 58, 255, c, cl);
	rx(f, n);
	REQUIRE(ntxq == 1);
	CHECK_MEM(tx_data(0), ((const uint8_t[]){0x33, 0x33, 0, 0, 0, 1}), 6);
	CHECK_EQ(tx_data(0)[38], 0xff);
	CHECK_EQ(tx_data(0)[58], 0x20); /* O only */
	tx_clear();

	/* RFC 4861 7.1.1 violations. */
	cl = ndp(c, 135, 0, our_ip6, 1, peer_mac);
	icmp6_fix(c, cl, peer_ip6, snm_ours);
	n = ipv6(f, our_mac, peer_ip6, snm_ours, 58, 64, c, cl); /* hop limit */
	rx(f, n);
	cl = ndp(c, 135, 0, our_ip6, 1, peer_mac);
	c[25] = 0; /* option length 0 */
	icmp6_fix(c, cl, peer_ip6, snm_ours);
	n = ipv6(f, our_mac, peer_ip6, snm_ours, 58, 255, c, cl);
	rx(f, n);
	cl = ndp(c, 135, 0, our_ip6, 1, peer_mac); /* :: source with SLLAO */
	icmp6_fix(c, cl, (const uint8_t[16]){0}, snm_ours);
	n = ipv6(f, our_mac, (const uint8_t[16]){0}, snm_ours, 58, 255, c, cl);
	rx(f, n);
	cl = ndp(c, 135, 0, snm_ours, 1, peer_mac); /* multicast target */
	icmp6_fix(c, cl, peer_ip6, snm_ours);
	n = ipv6(f, our_mac, peer_ip6, snm_ours, 58, 255, c, cl);
	rx(f, n);
	cl = ndp(c, 135, 0, our_ip6, 1, peer_mac);
	c[1] = 1; /* code */
	icmp6_fix(c, cl, peer_ip6, snm_ours);
	n = ipv6(f, our_mac, peer_ip6, snm_ours, 58, 255, c, cl);
	rx(f, n);
	CHECK_EQ(drops(TERN_NET_DROP_NDP_INVALID), 5);
	cl = ndp(c, 135, 0, other_ip6, 1, peer_mac);
	icmp6_fix(c, cl, peer_ip6, our_ip6);
	n = ipv6(f, our_mac, peer_ip6, our_ip6, 58, 255, c, cl);
	rx(f, n);
	CHECK_EQ(drops(TERN_NET_DROP_NDP_NOT_FOR_US), 1);
	cl = ndp(c, 135, 0, our_ip6, 1, peer_mac);
	icmp6_fix(c, cl, peer_ip6, snm_ours);
	c[cl - 1] ^= 1;
	n = ipv6(f, our_mac, peer_ip6, snm_ours, 58, 255, c, cl);
	rx(f, n);
	CHECK_EQ(drops(TERN_NET_DROP_ICMP_BAD_CKSUM), 1);
	CHECK_EQ(ntxq, 0);

	/* ICMPv6 echo. */
	c[0] = 128;
	c[1] = 0;
	put16(c + 4, 1);
	put16(c + 6, 2);
	for (i = 0; i < 56; i++)
		c[8 + i] = (uint8_t)i;
	icmp6_fix(c, 64, peer_ip6, our_ip6);
	n = ipv6(f, our_mac, peer_ip6, our_ip6, 58, 64, c, 64);
	rx(f, n);
	REQUIRE(ntxq == 1);
	r = tx_data(0);
	CHECK_MEM(r + 22, our_ip6, 16);
	CHECK_MEM(r + 38, peer_ip6, 16);
	CHECK_EQ(r[54], 129);
	CHECK_MEM(r + 58, c + 4, 60);
	CHECK(l4_cksum_ok(our_ip6, peer_ip6, 16, 58, r + 54, 64));
	tx_clear();
	check_truncations("echo6", f, n);

	/* UDP over IPv6, echoed through the neighbour cache. */
	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(255 - i);
	cl = udp_seg(c, peer_ip6, our_ip6, 16, 5555, 7777, payload, sizeof(payload));
	n = ipv6(f, our_mac, peer_ip6, our_ip6, 17, 64, c, cl);
	rx(f, n);
	CHECK_EQ(last_meta[0].src.family, TERN_NET_AF_INET6);
	CHECK_MEM(last_meta[0].src.v6, peer_ip6, 16);
	CHECK_EQ(last_meta[0].payload_off, 62);
	REQUIRE(ntxq == 1);
	r = tx_data(0);
	CHECK_MEM(r, peer_mac, 6);
	CHECK_MEM(r + 22, our_ip6, 16);
	CHECK_MEM(r + 38, peer_ip6, 16);
	CHECK(l4_cksum_ok(our_ip6, peer_ip6, 16, 17, r + 54, cl));
	CHECK_MEM(r + 62, payload, sizeof(payload));
	tx_clear();
	check_truncations("udp6", f, n);
	/* Zero UDP checksum is invalid over IPv6 (RFC 8200 8.1). */
	put16(f + 60, 0);
	rx(f, n);
	CHECK_EQ(drops(TERN_NET_DROP_UDP_BAD_CKSUM), 1);

	/* Extension header, wrong version, multicast source, not ours. */
	n = ipv6(f, our_mac, peer_ip6, our_ip6, 0, 64, c, cl);
	rx(f, n);
	CHECK_EQ(drops(TERN_NET_DROP_IPV6_EXT_HDR), 1);
	n = ipv6(f, our_mac, peer_ip6, our_ip6, 17, 64, c, cl);
	f[14] = 0x40;
	rx(f, n);
	CHECK_EQ(drops(TERN_NET_DROP_IPV6_BAD_VERSION), 1);
	n = ipv6(f, our_mac, snm_ours, our_ip6, 17, 64, c, cl);
	rx(f, n);
	CHECK_EQ(drops(TERN_NET_DROP_IPV6_BAD_SRC), 1);
	n = ipv6(f, our_mac, peer_ip6, other_ip6, 17, 64, c, cl);
	rx(f, n);
	CHECK_EQ(drops(TERN_NET_DROP_IPV6_NOT_FOR_US), 1);
	CHECK_EQ(ntxq, 0);
}

static void
test_resolution(void)
{
	static const uint8_t mac9[6] = {0x02, 0, 0, 0, 0, 9};
	static const uint8_t zero[6];
	struct tern_net_addr dst = {.family = TERN_NET_AF_INET, .port = 53};
	uint8_t f[256], c[64];
	size_t n, cl;
	unsigned i;
	struct rte_mbuf *m;

	/* Unknown neighbour: an ARP request goes out, the packets wait. */
	memcpy(&dst.v4, other_ip, 4);
	for (i = 0; i < TERN_NET_NEIGH_QLEN + 1; i++) {
		m = mk((const uint8_t *)"hello", 5);
		CHECK_EQ(tern_net_udp_send(net, m, &dst, 1234),
			 i < TERN_NET_NEIGH_QLEN ? 0 : -TERN_ENOBUFS);
	}
	tern_net_tx_flush(net);
	CHECK_EQ(drops(TERN_NET_DROP_NEIGH_QUEUE_FULL), 1);
	REQUIRE(ntxq == 1);
	CHECK_MEM(tx_data(0), bcast, 6);
	CHECK_EQ(tx_data(0)[21], 1);
	CHECK_MEM(tx_data(0) + 38, other_ip, 4);
	tx_clear();
	/* The reply releases them with the learned MAC. */
	n = arp(f, our_mac, 2, mac9, other_ip, our_mac, our_ip);
	rx(f, n);
	REQUIRE(ntxq == TERN_NET_NEIGH_QLEN);
	for (i = 0; i < ntxq; i++) {
		CHECK_MEM(tx_data(i), mac9, 6);
		CHECK_EQ(rte_pktmbuf_data_len(txq[i]), 42 + 5);
		CHECK(ip4_cksum_ok(tx_data(i) + 14));
		CHECK(l4_cksum_ok(our_ip, other_ip, 4, 17, tx_data(i) + 34, 13));
		CHECK_MEM(tx_data(i) + 42, "hello", 5);
	}
	tx_clear();

	/* Unanswered: retried on poll, then given up and counted. */
	{
		const uint8_t lost[4] = {198, 18, 0, 77};
		uint64_t hz = rte_get_tsc_hz();

		memcpy(&dst.v4, lost, 4);
		CHECK_EQ(tern_net_udp_send(net, mk((const uint8_t *)"x", 1), &dst, 1), 0);
		tern_net_tx_flush(net);
		CHECK_EQ(ntxq, 1);
		for (i = 0; i < 4; i++) {
			unsigned k;

			now += hz + hz / 10;
			for (k = 0; k < 64; k++) /* a full table scan */
				tern_net_poll(net, now);
		}
		CHECK_EQ(ntxq, 3); /* neigh_max_requests = 3 */
		CHECK_EQ(drops(TERN_NET_DROP_NEIGH_UNRESOLVED), 1);
		tx_clear();
	}

	/* Off-link without a gateway; unknown family. */
	{
		const uint8_t far[4] = {198, 19, 0, 1};

		memcpy(&dst.v4, far, 4);
		CHECK_EQ(tern_net_udp_send(net, mk((const uint8_t *)"x", 1), &dst, 1),
			 -TERN_EINVAL);
		dst.family = 5;
		CHECK_EQ(tern_net_udp_send(net, mk((const uint8_t *)"x", 1), &dst, 1),
			 -TERN_EINVAL);
		CHECK_EQ(drops(TERN_NET_DROP_NO_ROUTE), 2);
	}
	/* No headroom. */
	{
		m = rte_pktmbuf_alloc(pool);
		REQUIRE(m != NULL);
		rte_pktmbuf_prepend(m, rte_pktmbuf_headroom(m));
		dst.family = TERN_NET_AF_INET;
		memcpy(&dst.v4, peer_ip, 4);
		CHECK_EQ(tern_net_udp_send(net, m, &dst, 1), -TERN_ENOBUFS);
		CHECK_EQ(drops(TERN_NET_DROP_NO_HEADROOM), 1);
	}

	/* IPv6: NS to the solicited-node group, NA releases the packet. */
	{
		struct tern_net_addr d6 = {.family = TERN_NET_AF_INET6, .port = 9};
		const uint8_t snm9[16] = {0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 9};

		memcpy(d6.v6, other_ip6, 16);
		CHECK_EQ(tern_net_udp_send(net, mk((const uint8_t *)"six", 3), &d6, 7), 0);
		tern_net_tx_flush(net);
		REQUIRE(ntxq == 1);
		CHECK_MEM(tx_data(0), ((const uint8_t[]){0x33, 0x33, 0xff, 0, 0, 9}), 6);
		CHECK_MEM(tx_data(0) + 38, snm9, 16);
		CHECK_EQ(tx_data(0)[54], 135);
		CHECK_MEM(tx_data(0) + 62, other_ip6, 16);
		CHECK(l4_cksum_ok(our_ip6, snm9, 16, 58, tx_data(0) + 54, 32));
		tx_clear();
		cl = ndp(c, 136, 0x60000000u, other_ip6, 2, mac9);
		icmp6_fix(c, cl, other_ip6, our_ip6);
		n = ipv6(f, our_mac, other_ip6, our_ip6, 58, 255, c, cl);
		rx(f, n);
		REQUIRE(ntxq == 1);
		CHECK_MEM(tx_data(0), mac9, 6);
		CHECK(l4_cksum_ok(our_ip6, other_ip6, 16, 17, tx_data(0) + 54, 11));
		tx_clear();
	}
	(void)zero;
}

static void
test_bursts_and_stale(void)
{
	static const uint8_t newmac[6] = {0x02, 0, 0, 0, 0, 0x22};
	uint8_t f[256], u[64];
	struct rte_mbuf *burst[40];
	struct tern_net_addr dst = {.family = TERN_NET_AF_INET, .port = 4};
	struct rte_ether_addr mac;
	size_t n, ul;
	unsigned i, calls = handler_calls;

	/* More than TERN_NET_BURST at once: handled in chunks, all answered. */
	ul = udp_seg(u, peer_ip, our_ip, 4, 1000, 7777, (const uint8_t *)"burst", 5);
	n = ipv4(f, peer_ip, our_ip, 17, u, ul, 0);
	for (i = 0; i < RTE_DIM(burst); i++)
		burst[i] = mk(f, n);
	tern_net_rx_burst(net, burst, RTE_DIM(burst), now);
	CHECK_EQ(handler_calls, calls + 2);
	CHECK_EQ(last_n, RTE_DIM(burst) - TERN_NET_BURST);
	CHECK_EQ(ntxq, RTE_DIM(burst));
	tx_clear();

	/* A TX queue that takes only 3: the rest is freed and counted. */
	tx_accept = 3;
	for (i = 0; i < 10; i++)
		burst[i] = mk(f, n);
	tern_net_rx_burst(net, burst, 10, now);
	tx_accept = UINT16_MAX;
	CHECK_EQ(ntxq, 3);
	CHECK_EQ(drops(TERN_NET_DROP_TX_FULL), 7);
	tx_clear();

	/*
	 * Past the reachable time the old MAC is still used while a new ARP
	 * request goes out (RFC 4861's STALE, applied to ARP too); the answer
	 * moves the entry to the new MAC.
	 */
	now += rte_get_tsc_hz() * 31;
	tern_net_poll(net, now); /* sends use the time of the last rx/poll */
	CHECK_EQ(ntxq, 0);
	memcpy(&dst.v4, peer_ip, 4);
	CHECK_EQ(tern_net_udp_send(net, mk((const uint8_t *)"s", 1), &dst, 5), 0);
	tern_net_tx_flush(net);
	REQUIRE(ntxq == 2);
	CHECK_EQ(tx_data(0)[12] << 8 | tx_data(0)[13], 0x0806); /* the request first */
	CHECK_MEM(tx_data(0) + 38, peer_ip, 4);
	CHECK_MEM(tx_data(1), peer_mac, 6);
	tx_clear();
	n = arp(f, our_mac, 2, newmac, peer_ip, our_mac, our_ip);
	rx(f, n);
	CHECK_EQ(tern_net_neigh_lookup(net, &dst, &mac), 1);
	CHECK_MEM(mac.addr_bytes, newmac, 6);
	CHECK_EQ(tern_net_udp_send(net, mk((const uint8_t *)"s", 1), &dst, 5), 0);
	tern_net_tx_flush(net);
	REQUIRE(ntxq == 1);
	CHECK_MEM(tx_data(0), newmac, 6);
	tx_clear();
}

static void
test_offload(void)
{
	struct tern_net_conf conf;
	struct tern_net *off;
	struct tern_net_addr dst = {.family = TERN_NET_AF_INET, .port = 53};
	struct rte_mbuf *m;
	const uint8_t *r;
	uint8_t f[128];
	size_t n;

	memset(&conf, 0, sizeof(conf));
	memcpy(conf.mac.addr_bytes, our_mac, 6);
	memcpy(&conf.ipv4_addr, our_ip, 4);
	conf.ipv4_prefix_len = 24;
	conf.pool = pool;
	conf.socket_id = SOCKET_ID_ANY;
	conf.tx = capture_tx;
	conf.tx_offloads = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	off = tern_net_create(&conf);
	REQUIRE(off != NULL);
	/* Learn the peer from its ARP request. */
	n = arp(f, bcast, 1, peer_mac, peer_ip, (const uint8_t[6]){0}, our_ip);
	m = mk(f, n);
	tern_net_rx_burst(off, &m, 1, now);
	tx_clear();
	memcpy(&dst.v4, peer_ip, 4);
	CHECK_EQ(tern_net_udp_send(off, mk((const uint8_t *)"abc", 3), &dst, 99), 0);
	tern_net_tx_flush(off);
	REQUIRE(ntxq == 1);
	r = tx_data(0);
	CHECK_EQ(txq[0]->ol_flags &
			 (RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_UDP_CKSUM),
		 RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_UDP_CKSUM);
	CHECK_EQ(txq[0]->l2_len, 14);
	CHECK_EQ(txq[0]->l3_len, 20);
	CHECK_EQ(r[24] | r[25], 0); /* IP checksum left to the NIC */
	/* UDP checksum field holds the pseudo-header sum, uncomplemented. */
	{
		uint32_t s = sum16(sum16(0, our_ip, 4), peer_ip, 4) + 17 + 11;

		CHECK_EQ(r[40] << 8 | r[41], fold(s));
	}
	tx_clear();
	/* IPv6 off in this instance. */
	{
		uint8_t c[8] = {0};

		n = ipv6(f, our_mac, peer_ip6, our_ip6, 17, 64, c, 8);
		m = mk(f, n);
		tern_net_rx_burst(off, &m, 1, now);
		CHECK_EQ(ntxq, 0);
	}
	tern_net_free(off);
}

static void
test_api(void)
{
	struct tern_net_conf conf;
	unsigned i;

	CHECK(strcmp(tern_net_drop_name(TERN_NET_DROP_IPV4_BAD_CKSUM), "ipv4_bad_cksum") == 0);
	CHECK(strcmp(tern_net_drop_name(TERN_NET_DROP_COUNT), "unknown") == 0);
	CHECK(strcmp(tern_net_proto_name(TERN_NET_PROTO_UDP), "udp") == 0);
	for (i = 0; i < TERN_NET_DROP_COUNT; i++)
		CHECK(strcmp(tern_net_drop_name(i), "unknown") != 0);
	for (i = 0; i < TERN_NET_PROTO_COUNT; i++)
		CHECK(strcmp(tern_net_proto_name(i), "unknown") != 0);
	CHECK_EQ(tern_net_udp_register(net, 0, handler, NULL), -TERN_EINVAL);
	for (i = 1; i < TERN_NET_UDP_MAX_HANDLERS; i++)
		CHECK_EQ(tern_net_udp_register(net, (uint16_t)(10000 + i), handler, NULL), 0);
	CHECK_EQ(tern_net_udp_register(net, 20000, handler, NULL), -TERN_ENOBUFS);
	for (i = 1; i < TERN_NET_UDP_MAX_HANDLERS; i++)
		CHECK_EQ(tern_net_udp_unregister(net, (uint16_t)(10000 + i)), 0);
	CHECK_EQ(tern_net_udp_unregister(net, 20000), -TERN_EINVAL);
	memset(&conf, 0, sizeof(conf));
	CHECK(tern_net_create(&conf) == NULL); /* no pool, zero MAC */
	conf.pool = pool;
	conf.mac.addr_bytes[5] = 1;
	conf.neigh_entries = 100; /* not a power of two */
	CHECK(tern_net_create(&conf) == NULL);
}

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal[] = {argv[0],	      "--no-huge", "-m", "256",		  "--no-pci",
		       "--no-shconf", "-l",	   "0",	 "--log-level=6", prefix};
	struct tern_net_conf conf;
	unsigned avail;

	(void)argc;
	snprintf(prefix, sizeof(prefix), "--file-prefix=test_net_rx_%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(eal), eal) < 0)
		return tern_test_skip(NAME, "rte_eal_init failed (no DPDK environment)");
	pool = rte_pktmbuf_pool_create("test_net", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	REQUIRE(pool != NULL);
	avail = rte_mempool_avail_count(pool);

	memset(&conf, 0, sizeof(conf));
	memcpy(conf.mac.addr_bytes, our_mac, 6);
	memcpy(&conf.ipv4_addr, our_ip, 4);
	conf.ipv4_prefix_len = 24;
	conf.ipv6_enable = true;
	memcpy(conf.ipv6_addr, our_ip6, 16);
	conf.ipv6_prefix_len = 64;
	conf.pool = pool;
	conf.socket_id = SOCKET_ID_ANY;
	conf.neigh_entries = 64;
	conf.tx = capture_tx;
	net = tern_net_create(&conf);
	REQUIRE(net != NULL);
	REQUIRE(tern_net_udp_register(net, 7777, handler, &handler_calls) == 0);

	/* Each test counts drops from zero. */
	test_arp();
	tern_net_stats_reset(net);
	test_icmp4();
	tern_net_stats_reset(net);
	test_ipv4_malformed();
	tern_net_stats_reset(net);
	test_udp4();
	tern_net_stats_reset(net);
	test_ipv6();
	tern_net_stats_reset(net);
	test_resolution();
	tern_net_stats_reset(net);
	test_bursts_and_stale();
	test_offload();
	test_api();

	tx_clear();
	tern_net_free(net);
	/* Every mbuf came back: nothing leaked or freed twice. */
	CHECK_EQ(rte_mempool_avail_count(pool), avail);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return tern_test_done(NAME);
}
