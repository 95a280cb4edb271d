/* SPDX-License-Identifier: Apache-2.0 */
#include "app_common.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>

volatile sig_atomic_t app_signal_quit;

static void
on_signal(int sig)
{
	(void)sig;
	app_signal_quit = 1;
}

void
app_signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

void
app_lab_seed_default(uint8_t seed[APP_LAB_SEED_LEN])
{
	for (unsigned i = 0; i < APP_LAB_SEED_LEN; i++)
		seed[i] = (uint8_t)i;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
app_parse_seed(const char *hex, uint8_t seed[APP_LAB_SEED_LEN])
{
	if (strlen(hex) != 2 * APP_LAB_SEED_LEN)
		return -1;
	for (unsigned i = 0; i < APP_LAB_SEED_LEN; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		seed[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int
app_parse_suite(const char *name, uint16_t *suite)
{
	/* TLS 1.3 cipher suite code points (RFC 8446 B.4). */
	if (strcmp(name, "aes128") == 0)
		*suite = 0x1301;
	else if (strcmp(name, "aes256") == 0)
		*suite = 0x1302;
	else
		return -1;
	return 0;
}

unsigned
app_pool_size(unsigned nb_ports, unsigned nb_queues, unsigned nb_rxd, unsigned nb_txd,
	      unsigned burst, unsigned nb_lcores, unsigned cache)
{
	unsigned n = nb_ports * nb_queues * (nb_rxd + nb_txd) + nb_lcores * (burst + cache) +
		     nb_ports * nb_queues * burst;

	/* Slack for PMD-internal buffers (memif keeps a ring of its own). */
	n += 1024;
	return n < 2048 ? 2048 : n;
}

struct rte_mempool *
app_pool_create(const char *name, unsigned nb_mbufs, unsigned cache, uint16_t data_room,
		int logtype)
{
	struct rte_mempool *mp;

	mp = rte_pktmbuf_pool_create(name, nb_mbufs, cache, 0, data_room, (int)rte_socket_id());
	if (mp == NULL) {
		rte_log(RTE_LOG_ERR, logtype,
			"cannot create mbuf pool of %u mbufs (%u bytes data room): %s\n", nb_mbufs,
			data_room, rte_strerror(rte_errno));
		return NULL;
	}
	rte_log(RTE_LOG_INFO, logtype,
		"mbuf pool %s: %u mbufs x %u bytes data room (cache %u per lcore), %.1f MB\n", name,
		nb_mbufs, data_room, cache,
		(double)nb_mbufs * (data_room + sizeof(struct rte_mbuf)) / (1024.0 * 1024.0));
	return mp;
}

int
app_port_setup(uint16_t port, const struct app_port_conf *conf, int logtype)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf pconf;
	uint16_t nb_rxd = conf->nb_rxd, nb_txd = conf->nb_txd;
	int rc;

	rc = rte_eth_dev_info_get(port, &info);
	if (rc != 0) {
		rte_log(RTE_LOG_ERR, logtype, "port %u: dev_info: %s\n", port, rte_strerror(-rc));
		return rc;
	}
	if (conf->nb_queues > info.max_rx_queues || conf->nb_queues > info.max_tx_queues) {
		rte_log(RTE_LOG_ERR, logtype,
			"port %u (%s): %u queue pairs requested, device has %u rx / %u tx\n", port,
			info.driver_name, conf->nb_queues, info.max_rx_queues, info.max_tx_queues);
		return -EINVAL;
	}
	memset(&pconf, 0, sizeof(pconf));
	if (conf->nb_queues > 1 && info.flow_type_rss_offloads != 0) {
		pconf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		pconf.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
	}
	rc = rte_eth_dev_configure(port, conf->nb_queues, conf->nb_queues, &pconf);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd);
	if (rc != 0) {
		rte_log(RTE_LOG_ERR, logtype, "port %u: configure: %s\n", port, rte_strerror(-rc));
		return rc;
	}
	int socket = rte_eth_dev_socket_id(port);
	if (socket < 0)
		socket = (int)rte_socket_id();
	for (uint16_t q = 0; q < conf->nb_queues; q++) {
		rc = rte_eth_rx_queue_setup(port, q, nb_rxd, (unsigned)socket, NULL, conf->pool);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(port, q, nb_txd, (unsigned)socket, NULL);
		if (rc != 0) {
			rte_log(RTE_LOG_ERR, logtype, "port %u queue %u: setup: %s\n", port, q,
				rte_strerror(-rc));
			return rc;
		}
	}
	rc = rte_eth_dev_start(port);
	if (rc != 0) {
		rte_log(RTE_LOG_ERR, logtype, "port %u: start: %s\n", port, rte_strerror(-rc));
		return rc;
	}
	if (conf->promisc)
		(void)rte_eth_promiscuous_enable(port);

	struct rte_ether_addr mac;
	char macs[RTE_ETHER_ADDR_FMT_SIZE] = "?";
	if (rte_eth_macaddr_get(port, &mac) == 0)
		rte_ether_format_addr(macs, sizeof(macs), &mac);
	rte_log(RTE_LOG_INFO, logtype, "port %u (%s) %s: %u queue pairs, %u rxd, %u txd\n", port,
		info.driver_name, macs, conf->nb_queues, nb_rxd, nb_txd);
	return 0;
}

bool
app_port_wait_link(uint16_t port, unsigned timeout_ms)
{
	struct rte_eth_link link;

	for (unsigned waited = 0;; waited += 10) {
		memset(&link, 0, sizeof(link));
		if (rte_eth_link_get_nowait(port, &link) == 0 && link.link_status)
			return true;
		if (waited >= timeout_ms || app_signal_quit)
			return false;
		rte_delay_us_sleep(10 * 1000);
	}
}

void
app_ports_close(void)
{
	uint16_t port;

	RTE_ETH_FOREACH_DEV (port) {
		(void)rte_eth_dev_stop(port);
		(void)rte_eth_dev_close(port);
	}
}

void
app_hist_merge(struct app_hist *dst, const struct app_hist *src)
{
	for (unsigned i = 0; i < APP_HIST_BUCKETS; i++)
		dst->count[i] += APP_STAT_GET(src->count[i]);
	dst->total += APP_STAT_GET(src->total);
	uint64_t m = APP_STAT_GET(src->max);
	if (m > dst->max)
		dst->max = m;
}

static uint64_t
bucket_upper(unsigned b)
{
	if (b < APP_HIST_SUB)
		return b;
	unsigned msb = b / APP_HIST_SUB - 1 + APP_HIST_SUB_BITS;
	uint64_t sub = b % APP_HIST_SUB;
	uint64_t lower = (APP_HIST_SUB + sub) << (msb - APP_HIST_SUB_BITS);
	return lower + (1ULL << (msb - APP_HIST_SUB_BITS)) - 1;
}

uint64_t
app_hist_quantile(const struct app_hist *h, double q)
{
	if (h->total == 0)
		return 0;
	uint64_t want = (uint64_t)(q * (double)h->total + 0.5);
	if (want == 0)
		want = 1;
	uint64_t seen = 0;
	for (unsigned b = 0; b < APP_HIST_BUCKETS; b++) {
		seen += h->count[b];
		if (seen >= want) {
			uint64_t up = bucket_upper(b);
			return up < h->max ? up : h->max;
		}
	}
	return h->max;
}

/* --- JSON --------------------------------------------------------------- */

static void
json_key(struct app_json *j, const char *key)
{
	if (j->need_comma[j->depth])
		fputc(',', j->f);
	j->need_comma[j->depth] = true;
	fputc('\n', j->f);
	for (unsigned i = 0; i < j->depth; i++)
		fputs("  ", j->f);
	if (key != NULL)
		fprintf(j->f, "\"%s\": ", key);
}

void
app_json_begin(struct app_json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	fputc('{', f);
	j->depth = 1;
}

static void
json_open(struct app_json *j, const char *key, char c)
{
	json_key(j, key);
	fputc(c, j->f);
	if (j->depth + 1 < RTE_DIM(j->need_comma))
		j->depth++;
	j->need_comma[j->depth] = false;
}

static void
json_close(struct app_json *j, char c)
{
	j->depth--;
	fputc('\n', j->f);
	for (unsigned i = 0; i < j->depth; i++)
		fputs("  ", j->f);
	fputc(c, j->f);
}

void
app_json_obj_open(struct app_json *j, const char *key)
{
	json_open(j, key, '{');
}

void
app_json_obj_close(struct app_json *j)
{
	json_close(j, '}');
}

void
app_json_arr_open(struct app_json *j, const char *key)
{
	json_open(j, key, '[');
}

void
app_json_arr_close(struct app_json *j)
{
	json_close(j, ']');
}

void
app_json_u64(struct app_json *j, const char *key, uint64_t v)
{
	json_key(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

void
app_json_dbl(struct app_json *j, const char *key, double v)
{
	json_key(j, key);
	fprintf(j->f, "%.3f", v);
}

void
app_json_str(struct app_json *j, const char *key, const char *v)
{
	json_key(j, key);
	fprintf(j->f, "\"%s\"", v);
}

void
app_json_end(struct app_json *j)
{
	fputs("\n}\n", j->f);
}
