/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tern as a host on its wire: with --ip / --ip6 every worker lcore runs one
 * dataplane/net stack per port (ARP, NDP, ICMP and ICMPv6 echo), so kernel
 * peers can resolve and ping the engine. Forwarding modes hand it the frames
 * they do not process themselves (quic-echo: everything that is not a QUIC
 * short-header datagram). Each stack belongs to its lcore and transmits on
 * that lcore's TX queue of the port, as the forwarding modes do.
 */

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "tern.h"

#ifdef TERN_HAVE_NET

static struct {
	bool enabled;
	rte_be32_t ip4, gw4;
	uint8_t len4;
	bool ip6_on;
	uint8_t ip6[16], len6;
} host;

/* "A.B.C.D/N" or "X:Y::Z/N" into addr (network order) and prefix length. */
static int
parse_prefix(const char *s, int af, void *addr, uint8_t *len)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned long n;
	unsigned long max = af == AF_INET ? 32 : 128;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash == NULL)
		return -1;
	*slash = '\0';
	n = strtoul(slash + 1, &end, 10);
	if (*end != '\0' || slash[1] == '\0' || n == 0 || n > max)
		return -1;
	if (inet_pton(af, buf, addr) != 1)
		return -1;
	*len = (uint8_t)n;
	return 0;
}

int
tern_host_parse_ip(const char *arg)
{
	if (parse_prefix(arg, AF_INET, &host.ip4, &host.len4) != 0)
		return -1;
	host.enabled = true;
	return 0;
}

int
tern_host_parse_ip6(const char *arg)
{
	if (parse_prefix(arg, AF_INET6, host.ip6, &host.len6) != 0)
		return -1;
	host.ip6_on = true;
	host.enabled = true;
	return 0;
}

int
tern_host_parse_gateway(const char *arg)
{
	return inet_pton(AF_INET, arg, &host.gw4) == 1 ? 0 : -1;
}

bool
tern_host_enabled(void)
{
	return host.enabled;
}

int
tern_host_create(struct rte_mempool *pool)
{
	if (!host.enabled)
		return 0;
	for (unsigned i = 0; i < tern_app.nb_lcores; i++) {
		struct tern_lcore *lc = &tern_app.lcores[i];
		uint16_t port;

		RTE_ETH_FOREACH_DEV (port) {
			struct tern_net_conf c;

			memset(&c, 0, sizeof(c));
			c.port_id = port;
			c.tx_queue = (uint16_t)lc->idx;
			c.socket_id = (int)rte_lcore_to_socket_id(lc->lcore_id);
			c.pool = pool;
			if (rte_eth_macaddr_get(port, &c.mac) != 0)
				return -1;
			c.ipv4_addr = host.ip4;
			c.ipv4_prefix_len = host.len4;
			c.ipv4_gateway = host.gw4;
			c.ipv6_enable = host.ip6_on;
			memcpy(c.ipv6_addr, host.ip6, 16);
			c.ipv6_prefix_len = host.len6;
			c.tx_offloads = tern_net_port_tx_offloads(port);
			lc->net[port] = tern_net_create(&c);
			if (lc->net[port] == NULL) {
				TERN_LOG(ERR, "lcore %u port %u: host stack: %s\n", lc->lcore_id,
					 port, rte_strerror(rte_errno));
				return -1;
			}
		}
	}
	return 0;
}

void
tern_host_free(void)
{
	for (unsigned i = 0; i < tern_app.nb_lcores; i++)
		for (unsigned p = 0; p < RTE_MAX_ETHPORTS; p++) {
			tern_net_free(tern_app.lcores[i].net[p]);
			tern_app.lcores[i].net[p] = NULL;
		}
}

void
tern_host_poll(struct tern_lcore *lc)
{
	uint64_t now = rte_rdtsc();

	/* Neighbour timers are in milliseconds: a few polls per ms are plenty. */
	if (now < lc->net_next_poll)
		return;
	lc->net_next_poll = now + tern_app.tsc_hz / 4096;
	for (uint16_t i = 0; i < lc->nb_streams; i++)
		if (lc->net[lc->streams[i].rx_port] != NULL)
			tern_net_poll(lc->net[lc->streams[i].rx_port], now);
}

void
tern_host_sum(struct tern_net_stats *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned i = 0; i < tern_app.nb_lcores; i++)
		for (unsigned p = 0; p < RTE_MAX_ETHPORTS; p++) {
			struct tern_net_stats s;

			if (tern_app.lcores[i].net[p] == NULL)
				continue;
			tern_net_stats_get(tern_app.lcores[i].net[p], &s);
			for (unsigned k = 0; k < TERN_NET_PROTO_COUNT; k++) {
				sum->rx_pkts[k] += s.rx_pkts[k];
				sum->rx_bytes[k] += s.rx_bytes[k];
				sum->tx_pkts[k] += s.tx_pkts[k];
				sum->tx_bytes[k] += s.tx_bytes[k];
			}
			for (unsigned k = 0; k < TERN_NET_DROP_COUNT; k++)
				sum->drops[k] += s.drops[k];
		}
}

void
tern_host_print(FILE *f)
{
	struct tern_net_stats s;

	if (!host.enabled)
		return;
	tern_host_sum(&s);
	fprintf(f, "host stack (ARP/NDP/ICMP):");
	for (unsigned k = 0; k < TERN_NET_PROTO_COUNT; k++)
		if (s.rx_pkts[k] != 0 || s.tx_pkts[k] != 0)
			fprintf(f, " %s rx=%" PRIu64 " tx=%" PRIu64, tern_net_proto_name(k),
				s.rx_pkts[k], s.tx_pkts[k]);
	fprintf(f, "\n");
}

void
tern_host_json(struct app_json *j)
{
	struct tern_net_stats s;

	if (!host.enabled)
		return;
	tern_host_sum(&s);
	app_json_obj_open(j, "host");
	for (unsigned k = 0; k < TERN_NET_PROTO_COUNT; k++) {
		char key[48];

		snprintf(key, sizeof(key), "rx_%s", tern_net_proto_name(k));
		app_json_u64(j, key, s.rx_pkts[k]);
		snprintf(key, sizeof(key), "tx_%s", tern_net_proto_name(k));
		app_json_u64(j, key, s.tx_pkts[k]);
	}
	app_json_obj_open(j, "drops");
	for (unsigned k = 0; k < TERN_NET_DROP_COUNT; k++)
		if (s.drops[k] != 0)
			app_json_u64(j, tern_net_drop_name(k), s.drops[k]);
	app_json_obj_close(j);
	app_json_obj_close(j);
}

#endif /* TERN_HAVE_NET */
