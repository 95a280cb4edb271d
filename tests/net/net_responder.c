/* SPDX-License-Identifier: Apache-2.0 */
/*
 * net_responder: dataplane/net on one port, on the main lcore. Answers ARP,
 * NDP, ICMP/ICMPv6 echo, and echoes UDP datagrams sent to one port; runs for
 * a bounded time and prints the stack's counters. Used by test_netns.sh.
 *
 *   net_responder [EAL args] -- [--duration SEC] [--udp-port N]
 *                 [--ipv4 ADDR/LEN] [--ipv6 ADDR/LEN]
 * e.g. --vdev net_af_packet0,iface=veth0 --no-huge -m 256 --no-pci --in-memory -l 0
 */

#include <arpa/inet.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "tern/net.h"

#define NB_MBUF 2047
#define NB_DESC 256

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
udp_echo(struct tern_net *net, struct rte_mbuf **pkts, const struct tern_net_udp_meta *meta,
	 uint16_t n, void *opaque)
{
	uint64_t *echoed = opaque;
	uint16_t i;

	for (i = 0; i < n; i++)
		if (tern_net_udp_reply(net, pkts[i], &meta[i]) == 0)
			(*echoed)++;
}

static int
parse_prefix(const char *s, int af, void *addr, uint8_t *len)
{
	char buf[64];
	char *slash;
	unsigned long l;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash == NULL)
		return -1;
	*slash = '\0';
	l = strtoul(slash + 1, NULL, 10);
	if (l > (af == AF_INET ? 32u : 128u) || inet_pton(af, buf, addr) != 1)
		return -1;
	*len = (uint8_t)l;
	return 0;
}

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [EAL args] -- [--duration SEC] [--udp-port N] [--ipv4 A/LEN] "
		"[--ipv6 A/LEN]\n",
		prog);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"duration", required_argument, NULL, 'd'},
		{"udp-port", required_argument, NULL, 'u'},
		{"ipv4", required_argument, NULL, '4'},
		{"ipv6", required_argument, NULL, '6'},
		{NULL, 0, NULL, 0},
	};
	struct tern_net_conf conf;
	struct rte_eth_conf port_conf;
	struct rte_mempool *pool;
	struct tern_net *net;
	struct tern_net_stats st;
	unsigned duration = 10, i;
	uint16_t port_id, udp_port = 7777;
	uint64_t echoed = 0, end, next_poll = 0;
	int ret, opt;
	char mac[RTE_ETHER_ADDR_FMT_SIZE];

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "net_responder: rte_eal_init failed\n");
		return 1;
	}
	argc -= ret;
	argv += ret;

	memset(&conf, 0, sizeof(conf));
	parse_prefix("198.18.0.1/24", AF_INET, &conf.ipv4_addr, &conf.ipv4_prefix_len);
	conf.ipv6_enable = true;
	parse_prefix("fd98:18::1/64", AF_INET6, conf.ipv6_addr, &conf.ipv6_prefix_len);
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			duration = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'u':
			udp_port = (uint16_t)strtoul(optarg, NULL, 10);
			break;
		case '4':
			if (parse_prefix(optarg, AF_INET, &conf.ipv4_addr, &conf.ipv4_prefix_len)) {
				usage(argv[0]);
				return 2;
			}
			break;
		case '6':
			if (parse_prefix(optarg, AF_INET6, conf.ipv6_addr, &conf.ipv6_prefix_len)) {
				usage(argv[0]);
				return 2;
			}
			break;
		default:
			usage(argv[0]);
			return 2;
		}
	}
	if (duration == 0 || duration > 3600 || udp_port == 0) {
		usage(argv[0]);
		return 2;
	}
	if (rte_eth_dev_count_avail() == 0) {
		fprintf(stderr, "net_responder: no ethdev (give one with --vdev)\n");
		return 1;
	}
	port_id = 0;
	while (!rte_eth_dev_is_valid_port(port_id))
		port_id++;

	pool = rte_pktmbuf_pool_create("net_resp_pool", NB_MBUF, 64, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       (int)rte_socket_id());
	if (pool == NULL) {
		fprintf(stderr, "net_responder: mbuf pool: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	memset(&port_conf, 0, sizeof(port_conf));
	conf.tx_offloads = tern_net_port_tx_offloads(port_id);
	port_conf.txmode.offloads = conf.tx_offloads;
	if (rte_eth_dev_configure(port_id, 1, 1, &port_conf) != 0 ||
	    rte_eth_rx_queue_setup(port_id, 0, NB_DESC, rte_eth_dev_socket_id(port_id), NULL,
				   pool) != 0 ||
	    rte_eth_tx_queue_setup(port_id, 0, NB_DESC, rte_eth_dev_socket_id(port_id), NULL) !=
		    0 ||
	    rte_eth_dev_start(port_id) != 0) {
		fprintf(stderr, "net_responder: port %u setup failed\n", port_id);
		return 1;
	}
	rte_eth_promiscuous_enable(port_id);
	rte_eth_macaddr_get(port_id, &conf.mac);
	conf.port_id = port_id;
	conf.tx_queue = 0;
	conf.socket_id = (int)rte_socket_id();
	conf.pool = pool;
	net = tern_net_create(&conf);
	if (net == NULL || tern_net_udp_register(net, udp_port, udp_echo, &echoed) != 0) {
		fprintf(stderr, "net_responder: tern_net_create failed\n");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	rte_ether_format_addr(mac, sizeof(mac), &conf.mac);
	printf("net_responder: ready port %u mac %s udp %u tx_offloads 0x%" PRIx64 "\n", port_id,
	       mac, udp_port, conf.tx_offloads);
	fflush(stdout);

	end = rte_get_tsc_cycles() + (uint64_t)duration * rte_get_tsc_hz();
	while (!stop) {
		struct rte_mbuf *pkts[TERN_NET_BURST];
		uint64_t now = rte_get_tsc_cycles();
		uint16_t n;

		if (now >= end)
			break;
		n = rte_eth_rx_burst(port_id, 0, pkts, TERN_NET_BURST);
		if (n > 0)
			tern_net_rx_burst(net, pkts, n, now);
		if (now >= next_poll) {
			tern_net_poll(net, now);
			next_poll = now + rte_get_tsc_hz() / 100;
		}
	}

	tern_net_stats_get(net, &st);
	printf("net_responder: udp echoed %" PRIu64 "\n", echoed);
	for (i = 0; i < TERN_NET_PROTO_COUNT; i++)
		printf("net_responder: %-8s rx %" PRIu64 " pkts %" PRIu64 " bytes, tx %" PRIu64
		       " pkts %" PRIu64 " bytes\n",
		       tern_net_proto_name(i), st.rx_pkts[i], st.rx_bytes[i], st.tx_pkts[i],
		       st.tx_bytes[i]);
	for (i = 0; i < TERN_NET_DROP_COUNT; i++)
		if (st.drops[i] != 0)
			printf("net_responder: drop %-18s %" PRIu64 "\n", tern_net_drop_name(i),
			       st.drops[i]);
	fflush(stdout);
	tern_net_free(net);
	rte_eth_dev_stop(port_id);
	rte_eth_dev_close(port_id);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return 0;
}
