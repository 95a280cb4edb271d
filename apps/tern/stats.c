/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Statistics: per-port (rte_eth_stats) and per-lcore counters, shown on the
 * prompt, as a periodic line, as JSON at exit and through DPDK telemetry.
 * Readers here run on the main lcore or the telemetry thread and only load
 * the workers' counters (relaxed), never write them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_telemetry.h>

#include "tern.h"

static void
core_stats_load(const struct tern_core_stats *src, struct tern_core_stats *dst)
{
	dst->rx_pkts = APP_STAT_GET(src->rx_pkts);
	dst->rx_bytes = APP_STAT_GET(src->rx_bytes);
	dst->tx_pkts = APP_STAT_GET(src->tx_pkts);
	dst->tx_bytes = APP_STAT_GET(src->tx_bytes);
	for (unsigned d = 0; d < TERN_DROP_COUNT; d++)
		dst->drops[d] = APP_STAT_GET(src->drops[d]);
	dst->crypto_ops = APP_STAT_GET(src->crypto_ops);
	dst->crypto_fail = APP_STAT_GET(src->crypto_fail);
	dst->busy_cycles = APP_STAT_GET(src->busy_cycles);
	dst->busy_pkts = APP_STAT_GET(src->busy_pkts);
	dst->busy_bursts = APP_STAT_GET(src->busy_bursts);
	dst->key_updates = APP_STAT_GET(src->key_updates);
}

void
tern_stats_sum(struct tern_core_stats *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned i = 0; i < tern_app.nb_lcores; i++) {
		struct tern_core_stats s;
		core_stats_load(&tern_app.lcores[i].st, &s);
		sum->rx_pkts += s.rx_pkts;
		sum->rx_bytes += s.rx_bytes;
		sum->tx_pkts += s.tx_pkts;
		sum->tx_bytes += s.tx_bytes;
		for (unsigned d = 0; d < TERN_DROP_COUNT; d++)
			sum->drops[d] += s.drops[d];
		sum->crypto_ops += s.crypto_ops;
		sum->crypto_fail += s.crypto_fail;
		sum->busy_cycles += s.busy_cycles;
		sum->busy_pkts += s.busy_pkts;
		sum->busy_bursts += s.busy_bursts;
		sum->key_updates += s.key_updates;
	}
}

static double
cycles_per_pkt(const struct tern_core_stats *s)
{
	return s->busy_pkts != 0 ? (double)s->busy_cycles / (double)s->busy_pkts : 0.0;
}

static uint64_t
drops_total(const struct tern_core_stats *s)
{
	uint64_t t = 0;
	for (unsigned d = 0; d < TERN_DROP_COUNT; d++)
		t += s->drops[d];
	return t;
}

void
tern_stats_print_ports(FILE *f)
{
	uint16_t port;

	fprintf(f, "%-5s %14s %14s %16s %16s %10s %10s %10s %10s\n", "port", "rx-packets",
		"tx-packets", "rx-bytes", "tx-bytes", "rx-missed", "rx-errors", "tx-errors",
		"rx-nombuf");
	RTE_ETH_FOREACH_DEV (port) {
		struct rte_eth_stats st;
		if (rte_eth_stats_get(port, &st) != 0)
			continue;
		fprintf(f,
			"%-5u %14" PRIu64 " %14" PRIu64 " %16" PRIu64 " %16" PRIu64 " %10" PRIu64
			" %10" PRIu64 " %10" PRIu64 " %10" PRIu64 "\n",
			port, st.ipackets, st.opackets, st.ibytes, st.obytes, st.imissed,
			st.ierrors, st.oerrors, st.rx_nombuf);
	}
}

void
tern_stats_print_cores(FILE *f)
{
	fprintf(f, "%-6s %14s %14s %12s %12s %12s %10s %12s\n", "lcore", "rx-packets", "tx-packets",
		"drops", "crypto-ops", "crypto-fail", "key-upd", "cycles/pkt");
	for (unsigned i = 0; i < tern_app.nb_lcores; i++) {
		struct tern_core_stats s;
		core_stats_load(&tern_app.lcores[i].st, &s);
		fprintf(f,
			"%-6u %14" PRIu64 " %14" PRIu64 " %12" PRIu64 " %12" PRIu64 " %12" PRIu64
			" %10" PRIu64 " %12.1f\n",
			tern_app.lcores[i].lcore_id, s.rx_pkts, s.tx_pkts, drops_total(&s),
			s.crypto_ops, s.crypto_fail, s.key_updates, cycles_per_pkt(&s));
		if (drops_total(&s) != 0) {
			fprintf(f, "       drops:");
			for (unsigned d = 0; d < TERN_DROP_COUNT; d++)
				if (s.drops[d] != 0)
					fprintf(f, " %s=%" PRIu64, tern_drop_names[d], s.drops[d]);
			fprintf(f, "\n");
		}
	}
}

void
tern_stats_print_line(FILE *f)
{
	static uint64_t last_tsc, last_rx, last_tx;
	struct tern_core_stats s;
	uint64_t now = rte_rdtsc();

	tern_stats_sum(&s);
	if (last_tsc == 0)
		last_tsc = tern_app.start_tsc;
	double dt = (double)(now - last_tsc) / (double)tern_app.tsc_hz;
	if (dt <= 0)
		dt = 1e-9;
	fprintf(f,
		"tern: t=%.0fs %s rx %.3f Mpps tx %.3f Mpps | rx %" PRIu64 " tx %" PRIu64
		" drops %" PRIu64 " crypto %" PRIu64 " fail %" PRIu64 " kupd %" PRIu64
		" | %.1f cycles/pkt\n",
		(double)(now - tern_app.start_tsc) / (double)tern_app.tsc_hz, tern_app.engine->name,
		(double)(s.rx_pkts - last_rx) / dt / 1e6, (double)(s.tx_pkts - last_tx) / dt / 1e6,
		s.rx_pkts, s.tx_pkts, drops_total(&s), s.crypto_ops, s.crypto_fail, s.key_updates,
		cycles_per_pkt(&s));
	fflush(f);
	last_tsc = now;
	last_rx = s.rx_pkts;
	last_tx = s.tx_pkts;
}

static void
json_core(struct app_json *j, const struct tern_core_stats *s)
{
	app_json_u64(j, "rx_packets", s->rx_pkts);
	app_json_u64(j, "rx_bytes", s->rx_bytes);
	app_json_u64(j, "tx_packets", s->tx_pkts);
	app_json_u64(j, "tx_bytes", s->tx_bytes);
	app_json_obj_open(j, "drops");
	for (unsigned d = 0; d < TERN_DROP_COUNT; d++)
		app_json_u64(j, tern_drop_names[d], s->drops[d]);
	app_json_obj_close(j);
	app_json_u64(j, "crypto_ops", s->crypto_ops);
	app_json_u64(j, "crypto_failures", s->crypto_fail);
	app_json_u64(j, "key_updates", s->key_updates);
	app_json_u64(j, "busy_cycles", s->busy_cycles);
	app_json_u64(j, "busy_packets", s->busy_pkts);
	app_json_u64(j, "busy_bursts", s->busy_bursts);
	app_json_dbl(j, "cycles_per_packet", cycles_per_pkt(s));
}

int
tern_stats_write_json(const char *path)
{
	FILE *f = fopen(path, "w");
	struct app_json j;
	uint16_t port;

	if (f == NULL) {
		TERN_LOG(ERR, "cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	app_json_begin(&j, f);
	app_json_str(&j, "mode", tern_app.engine->name);
	app_json_dbl(&j, "elapsed_s",
		     (double)(rte_rdtsc() - tern_app.start_tsc) / (double)tern_app.tsc_hz);
	app_json_u64(&j, "tsc_hz", tern_app.tsc_hz);
	app_json_u64(&j, "burst", tern_app.burst);
	app_json_arr_open(&j, "ports");
	RTE_ETH_FOREACH_DEV (port) {
		struct rte_eth_stats st;
		if (rte_eth_stats_get(port, &st) != 0)
			continue;
		app_json_obj_open(&j, NULL);
		app_json_u64(&j, "port", port);
		app_json_u64(&j, "ipackets", st.ipackets);
		app_json_u64(&j, "opackets", st.opackets);
		app_json_u64(&j, "ibytes", st.ibytes);
		app_json_u64(&j, "obytes", st.obytes);
		app_json_u64(&j, "imissed", st.imissed);
		app_json_u64(&j, "ierrors", st.ierrors);
		app_json_u64(&j, "oerrors", st.oerrors);
		app_json_u64(&j, "rx_nombuf", st.rx_nombuf);
		app_json_obj_close(&j);
	}
	app_json_arr_close(&j);
	app_json_arr_open(&j, "cores");
	for (unsigned i = 0; i < tern_app.nb_lcores; i++) {
		struct tern_core_stats s;
		core_stats_load(&tern_app.lcores[i].st, &s);
		app_json_obj_open(&j, NULL);
		app_json_u64(&j, "lcore", tern_app.lcores[i].lcore_id);
		json_core(&j, &s);
		app_json_obj_close(&j);
	}
	app_json_arr_close(&j);
	struct tern_core_stats sum;
	tern_stats_sum(&sum);
	app_json_obj_open(&j, "total");
	json_core(&j, &sum);
	app_json_obj_close(&j);
#ifdef TERN_HAVE_NET
	tern_host_json(&j);
#endif
	app_json_end(&j);
	if (fclose(f) != 0) {
		TERN_LOG(ERR, "cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* --- Telemetry (runs on DPDK's telemetry thread) ------------------------ */

static void
tel_core(struct rte_tel_data *d, const struct tern_core_stats *s)
{
	rte_tel_data_add_dict_u64(d, "rx_packets", s->rx_pkts);
	rte_tel_data_add_dict_u64(d, "rx_bytes", s->rx_bytes);
	rte_tel_data_add_dict_u64(d, "tx_packets", s->tx_pkts);
	rte_tel_data_add_dict_u64(d, "tx_bytes", s->tx_bytes);
	for (unsigned k = 0; k < TERN_DROP_COUNT; k++) {
		char name[32];
		snprintf(name, sizeof(name), "drop_%s", tern_drop_names[k]);
		rte_tel_data_add_dict_u64(d, name, s->drops[k]);
	}
	rte_tel_data_add_dict_u64(d, "crypto_ops", s->crypto_ops);
	rte_tel_data_add_dict_u64(d, "crypto_failures", s->crypto_fail);
	rte_tel_data_add_dict_u64(d, "key_updates", s->key_updates);
	rte_tel_data_add_dict_u64(d, "busy_cycles", s->busy_cycles);
	rte_tel_data_add_dict_u64(d, "busy_packets", s->busy_pkts);
	rte_tel_data_add_dict_u64(d, "cycles_per_packet_x100",
				  s->busy_pkts != 0 ? s->busy_cycles * 100 / s->busy_pkts : 0);
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct tern_core_stats s;

	(void)cmd;
	(void)params;
	tern_stats_sum(&s);
	rte_tel_data_start_dict(d);
	const struct tern_fwd_engine *e = __atomic_load_n(&tern_app.engine, __ATOMIC_ACQUIRE);
	rte_tel_data_add_dict_string(d, "mode", e->name);
	rte_tel_data_add_dict_int(d, "forwarding",
				  __atomic_load_n(&tern_app.fwd_on, __ATOMIC_RELAXED) ? 1 : 0);
	rte_tel_data_add_dict_u64(d, "lcores", tern_app.nb_lcores);
	tel_core(d, &s);
	return 0;
}

static int
tel_cores(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	for (unsigned i = 0; i < tern_app.nb_lcores; i++) {
		struct rte_tel_data *c = rte_tel_data_alloc();
		struct tern_core_stats s;
		char name[24];
		if (c == NULL)
			return -ENOMEM;
		core_stats_load(&tern_app.lcores[i].st, &s);
		rte_tel_data_start_dict(c);
		tel_core(c, &s);
		snprintf(name, sizeof(name), "lcore%u", tern_app.lcores[i].lcore_id);
		rte_tel_data_add_dict_container(d, name, c, 0);
	}
	return 0;
}

static int
tel_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	uint16_t port;

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	RTE_ETH_FOREACH_DEV (port) {
		struct rte_eth_stats st;
		struct rte_tel_data *c;
		char name[24];
		if (rte_eth_stats_get(port, &st) != 0)
			continue;
		c = rte_tel_data_alloc();
		if (c == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_u64(c, "ipackets", st.ipackets);
		rte_tel_data_add_dict_u64(c, "opackets", st.opackets);
		rte_tel_data_add_dict_u64(c, "ibytes", st.ibytes);
		rte_tel_data_add_dict_u64(c, "obytes", st.obytes);
		rte_tel_data_add_dict_u64(c, "imissed", st.imissed);
		rte_tel_data_add_dict_u64(c, "ierrors", st.ierrors);
		rte_tel_data_add_dict_u64(c, "oerrors", st.oerrors);
		rte_tel_data_add_dict_u64(c, "rx_nombuf", st.rx_nombuf);
		snprintf(name, sizeof(name), "port%u", port);
		rte_tel_data_add_dict_container(d, name, c, 0);
	}
	return 0;
}

void
tern_telemetry_register(void)
{
	rte_telemetry_register_cmd("/tern/stats", tel_stats,
				   "tern totals: packets, bytes, drops, crypto, cycles/packet");
	rte_telemetry_register_cmd("/tern/cores", tel_cores, "tern per-lcore statistics");
	rte_telemetry_register_cmd("/tern/ports", tel_ports, "tern per-port ethdev statistics");
}
