/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: one Ethernet frame into dataplane/net's rx path
 * (tern_net_rx_burst), with a UDP echo handler registered so replies go
 * through the output path and the neighbour cache too.
 *
 * Needs DPDK: EAL is initialised once on the first input with
 * --no-huge -m 256 --no-pci --no-shconf (no devices; TX is captured).
 *
 * Build with meson (clang, -Dfuzz=true) by adding 'fuzz_net_rx' to the
 * target list in tests/fuzz/meson.build with `dependencies: tern_dpdk_dep`
 * (only if dpdk_dep.found()). Standalone, from the repository root:
 *   clang -g -O1 -std=c11 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE
 *     -Iinclude -I. $(pkg-config --cflags libdpdk) tests/fuzz/fuzz_net_rx.c
 *     dataplane/net/[a-z]*.c crypto-accel/error.c $(pkg-config --libs libdpdk)
 *     -o fuzz_net_rx
 *   ./fuzz_net_rx -max_len=1600 [corpus_dir]
 * Without libFuzzer, link tests/fuzz/replay_main.c instead of -fsanitize=fuzzer.
 *
 * Input layout:
 *   byte 0   bits 0-1: RX IP checksum flag (none / good / bad / none)
 *            bits 2-3: RX L4 checksum flag (same)
 *            bits 4-6: template: 0 = the rest is the whole frame; otherwise
 *            the rest follows headers this target writes, with lengths and
 *            checksums fixed up so that fuzzed bytes reach the deeper
 *            parsers: 1 ARP body, 2 IPv4 + UDP to the echo port, 3 IPv4 +
 *            ICMP, 4 IPv6 + UDP to the echo port, 5 IPv6 + ICMPv6 (incl. NDP,
 *            hop limit 255), 6 IPv4 header bytes, 7 IPv6 header bytes.
 * Checks beyond "no crash, no out-of-bounds access": every frame the stack
 * emits is single-segment, at least an Ethernet header long, from our MAC;
 * and no mbuf is lost (pool count is back after the stack is freed at exit
 * of each 4096-input epoch).
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "tern/net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ECHO_PORT 7777
#define EPOCH	  4096

static const uint8_t our_mac[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t peer_mac[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t our_ip[4] = {198, 18, 0, 1};
static const uint8_t peer_ip[4] = {198, 18, 0, 2};
static const uint8_t our_ip6[16] = {0xfd, 0x98, 0, 0x18, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t peer_ip6[16] = {0xfd, 0x98, 0, 0x18, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

static struct rte_mempool *pool;
static struct tern_net *net;
static unsigned inputs;
static unsigned pool_full;

static uint16_t
capture_tx(void *opaque, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t i;

	(void)opaque;
	for (i = 0; i < n; i++) {
		const struct rte_mbuf *m = pkts[i];

		if (m->nb_segs != 1 || rte_pktmbuf_data_len(m) < 14 ||
		    memcmp(rte_pktmbuf_mtod(m, const uint8_t *) + 6, our_mac, 6) != 0)
			abort();
	}
	/* Take all but the last sometimes, to exercise the tx_full path. */
	if (n > 1 && (inputs & 7) == 0)
		n--;
	rte_pktmbuf_free_bulk(pkts, n);
	return n;
}

static void
echo(struct tern_net *n, struct rte_mbuf **pkts, const struct tern_net_udp_meta *meta, uint16_t cnt,
     void *opaque)
{
	uint16_t i;

	(void)opaque;
	for (i = 0; i < cnt; i++) {
		if ((uint32_t)meta[i].payload_off + meta[i].payload_len >
		    rte_pktmbuf_data_len(pkts[i]))
			abort();
		tern_net_udp_reply(n, pkts[i], &meta[i]);
	}
}

static void
setup(void)
{
	static char prefix[64];
	char *eal[] = {"fuzz_net_rx", "--no-huge", "-m", "256",		  "--no-pci",
		       "--no-shconf", "-l",	   "0",	 "--log-level=1", prefix};

	snprintf(prefix, sizeof(prefix), "--file-prefix=fuzz_net_rx_%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])), eal) < 0) {
		fprintf(stderr, "fuzz_net_rx: rte_eal_init failed\n");
		abort();
	}
	pool = rte_pktmbuf_pool_create("fuzz_net", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	if (pool == NULL)
		abort();
	pool_full = rte_mempool_avail_count(pool);
}

static void
stack_new(void)
{
	struct tern_net_conf conf;

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
	if (net == NULL || tern_net_udp_register(net, ECHO_PORT, echo, NULL) != 0)
		abort();
}

static uint32_t
sum16(uint32_t s, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		s += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	return s;
}

static uint16_t
cksum(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Build the frame for the input into f (capacity cap); returns its length. */
static size_t
build(uint8_t *f, size_t cap, uint8_t tmpl, const uint8_t *in, size_t len)
{
	size_t h, l4;

	if (tmpl == 0) {
		memcpy(f, in, len < cap ? len : cap);
		return len < cap ? len : cap;
	}
	memcpy(f, our_mac, 6);
	memcpy(f + 6, peer_mac, 6);
	h = 14;
	if (len > cap - 64)
		len = cap - 64;
	switch (tmpl) {
	case 1:
		put16(f + 12, 0x0806);
		memcpy(f + h, in, len);
		return h + len;
	case 6:
		put16(f + 12, 0x0800);
		memcpy(f + h, in, len);
		return h + len;
	case 7:
		put16(f + 12, 0x86dd);
		memcpy(f + h, in, len);
		return h + len;
	case 2:
	case 3:
		put16(f + 12, 0x0800);
		memset(f + h, 0, 20);
		f[h] = 0x45;
		put16(f + h + 2, (uint16_t)(20 + len));
		f[h + 8] = 64;
		f[h + 9] = tmpl == 2 ? 17 : 1;
		memcpy(f + h + 12, peer_ip, 4);
		memcpy(f + h + 16, our_ip, 4);
		put16(f + h + 10, cksum(sum16(0, f + h, 20)));
		l4 = h + 20;
		memcpy(f + l4, in, len);
		if (tmpl == 2 && len >= 8) {
			put16(f + l4 + 2, ECHO_PORT);
			put16(f + l4 + 4, (uint16_t)len);
			put16(f + l4 + 6, 0);
			put16(f + l4 + 6, cksum(sum16(sum16(sum16(0, peer_ip, 4), our_ip, 4) + 17 +
							      (uint32_t)len,
						      f + l4, len)));
		} else if (tmpl == 3 && len >= 4) {
			put16(f + l4 + 2, 0);
			put16(f + l4 + 2, cksum(sum16(0, f + l4, len)));
		}
		return l4 + len;
	default: /* 4, 5 */
		put16(f + 12, 0x86dd);
		memset(f + h, 0, 40);
		f[h] = 0x60;
		put16(f + h + 4, (uint16_t)len);
		f[h + 6] = tmpl == 4 ? 17 : 58;
		f[h + 7] = 255;
		memcpy(f + h + 8, peer_ip6, 16);
		memcpy(f + h + 24, our_ip6, 16);
		l4 = h + 40;
		memcpy(f + l4, in, len);
		if (tmpl == 4 && len >= 8) {
			put16(f + l4 + 2, ECHO_PORT);
			put16(f + l4 + 4, (uint16_t)len);
		}
		if ((tmpl == 4 && len >= 8) || (tmpl == 5 && len >= 4)) {
			size_t c = tmpl == 4 ? 6 : 2;

			put16(f + l4 + c, 0);
			put16(f + l4 + c,
			      cksum(sum16(sum16(sum16(0, peer_ip6, 16), our_ip6, 16) +
						  (tmpl == 4 ? 17u : 58u) + (uint32_t)len,
					  f + l4, len)));
		}
		return l4 + len;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t ipf[4] = {0, RTE_MBUF_F_RX_IP_CKSUM_GOOD, RTE_MBUF_F_RX_IP_CKSUM_BAD,
					0};
	static const uint64_t l4f[4] = {0, RTE_MBUF_F_RX_L4_CKSUM_GOOD, RTE_MBUF_F_RX_L4_CKSUM_BAD,
					0};
	static uint64_t now = 1;
	struct rte_mbuf *m;
	size_t cap, len;

	if (pool == NULL)
		setup();
	if (net == NULL)
		stack_new();
	if (size < 1)
		return 0;
	m = rte_pktmbuf_alloc(pool);
	if (m == NULL)
		abort(); /* only a leak can empty the pool */
	cap = rte_pktmbuf_tailroom(m);
	len = build(rte_pktmbuf_mtod(m, uint8_t *), cap, (data[0] >> 4) & 7, data + 1, size - 1);
	rte_pktmbuf_append(m, (uint16_t)len);
	m->ol_flags = ipf[data[0] & 3] | l4f[(data[0] >> 2) & 3];
	now += 1000003;
	tern_net_rx_burst(net, &m, 1, now);
	tern_net_poll(net, now);

	if (++inputs % EPOCH == 0) {
		tern_net_free(net);
		net = NULL;
		if (rte_mempool_avail_count(pool) != pool_full) {
			fprintf(stderr, "fuzz_net_rx: %u mbufs lost\n",
				pool_full - rte_mempool_avail_count(pool));
			abort();
		}
	}
	return 0;
}
