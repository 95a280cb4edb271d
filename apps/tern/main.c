/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tern: the testpmd-style engine. EAL arguments select ports (--vdev, PCI)
 * and lcores; every worker lcore gets one RX/TX queue pair on every port and
 * runs the selected forwarding engine on them. With only the main lcore in
 * the lcore list, the main lcore runs the worker loop itself and does the
 * housekeeping (stats, prompt, duration) between bursts.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_pause.h>

#include "tern.h"

RTE_LOG_REGISTER_DEFAULT(tern_logtype_app, INFO);

struct tern_app tern_app;

const char *const tern_drop_names[TERN_DROP_COUNT] = {
	[TERN_DROP_TX_FULL] = "tx_full",   [TERN_DROP_MALFORMED] = "malformed",
	[TERN_DROP_NOT_QUIC] = "not_quic", [TERN_DROP_NO_KEY] = "no_key",
	[TERN_DROP_AUTH] = "auth",	   [TERN_DROP_NO_MBUF] = "no_mbuf",
};

static struct {
	double duration;
	double stats_period;
	const char *stats_json;
	const char *mode;
	const char *topology;
	unsigned nb_mbufs;
	unsigned mbuf_cache;
	uint16_t nb_rxd;
	uint16_t nb_txd;
	uint16_t burst;
	bool no_interactive;
	bool no_autostart;
} opt = {
	.mode = "io",
	.topology = NULL,
	.mbuf_cache = 256,
	.nb_rxd = 1024,
	.nb_txd = 1024,
	.burst = APP_BURST_DEFAULT,
};

/* Set by the main lcore, read by workers at every loop turn. */
static volatile bool fwd_on_flag;
static volatile bool quit_flag;

static void
usage(const char *prog)
{
	printf("Usage: %s [EAL args] -- [options]\n"
	       "  --mode NAME          forwarding mode (default io); modes:\n",
	       prog);
	for (unsigned i = 0; tern_fwd_engines[i] != NULL; i++)
		printf("                         %-10s %s\n", tern_fwd_engines[i]->name,
		       tern_fwd_engines[i]->help);
	printf("  --duration S         stop after S seconds (default: until SIGINT/SIGTERM or "
	       "quit)\n"
	       "  --stats-period S     print a one-line summary every S seconds\n"
	       "  --stats-json FILE    write statistics as JSON at exit\n"
	       "  --burst N            packets per RX burst (1..%u, default %u)\n"
	       "  --rxd N / --txd N    descriptors per RX / TX queue (default 1024)\n"
	       "  --nb-mbufs N         mbuf pool size (default: computed from ports, queues, "
	       "rings)\n"
	       "  --mbuf-cache N       per-lcore mempool cache (default 256)\n"
	       "  --port-topology T    paired (0<->1, 2<->3, default with an even port count) or\n"
	       "                       loop (each port answers out of itself)\n"
	       "  --no-interactive     no prompt even when stdin is a terminal\n"
	       "  --no-autostart       with the prompt: wait for 'start'\n"
	       "  --ip A.B.C.D/N       the engine's IPv4 address: answer ARP and ping on every\n"
	       "                       port (quic-echo hands it what is not QUIC)\n"
	       "  --ip6 ADDR/N         the same for IPv6 (NDP, ping -6; link-local always)\n"
	       "  --gateway A.B.C.D    IPv4 next hop for off-link destinations\n"
	       "quic-echo (BENCHMARK: lab keys from a shared seed, no handshake, no secrecy):\n"
	       "  --quic-conns N       connections to install (1..1000000, default 10000)\n"
	       "  --suite S            aes128 (default) or aes256\n"
	       "  --seed HEX           32-byte lab seed, 64 hex digits (default: tern's lab seed)\n"
	       "  --key-retire-ms N    keep previous receive keys N ms after an update\n"
	       "                       (RFC 9001 6.5: about 3 PTO; default 100)\n",
	       APP_BURST_MAX, APP_BURST_DEFAULT);
}

static int
parse_double(const char *s, double *v)
{
	char *end;
	errno = 0;
	*v = strtod(s, &end);
	return (errno != 0 || *end != '\0' || *v < 0) ? -1 : 0;
}

static int
parse_uint(const char *s, unsigned long max, unsigned long *v)
{
	char *end;
	errno = 0;
	*v = strtoul(s, &end, 0);
	return (errno != 0 || *end != '\0' || *s == '\0' || *v > max) ? -1 : 0;
}

static int
parse_args(int argc, char **argv)
{
	enum {
		O_MODE = 256,
		O_DURATION,
		O_PERIOD,
		O_JSON,
		O_BURST,
		O_RXD,
		O_TXD,
		O_MBUFS,
		O_CACHE,
		O_TOPO,
		O_NOINT,
		O_NOAUTO,
		O_QCONNS,
		O_SUITE,
		O_SEED,
		O_RETIRE,
		O_IP,
		O_IP6,
		O_GW,
		O_HELP
	};
	static const struct option lopts[] = {
		{"mode", required_argument, NULL, O_MODE},
		{"duration", required_argument, NULL, O_DURATION},
		{"stats-period", required_argument, NULL, O_PERIOD},
		{"stats-json", required_argument, NULL, O_JSON},
		{"burst", required_argument, NULL, O_BURST},
		{"rxd", required_argument, NULL, O_RXD},
		{"txd", required_argument, NULL, O_TXD},
		{"nb-mbufs", required_argument, NULL, O_MBUFS},
		{"mbuf-cache", required_argument, NULL, O_CACHE},
		{"port-topology", required_argument, NULL, O_TOPO},
		{"no-interactive", no_argument, NULL, O_NOINT},
		{"no-autostart", no_argument, NULL, O_NOAUTO},
		{"quic-conns", required_argument, NULL, O_QCONNS},
		{"suite", required_argument, NULL, O_SUITE},
		{"seed", required_argument, NULL, O_SEED},
		{"key-retire-ms", required_argument, NULL, O_RETIRE},
		{"ip", required_argument, NULL, O_IP},
		{"ip6", required_argument, NULL, O_IP6},
		{"gateway", required_argument, NULL, O_GW},
		{"help", no_argument, NULL, O_HELP},
		{NULL, 0, NULL, 0},
	};
	unsigned long u;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case O_MODE:
			opt.mode = optarg;
			break;
		case O_DURATION:
			if (parse_double(optarg, &opt.duration) != 0)
				goto bad;
			break;
		case O_PERIOD:
			if (parse_double(optarg, &opt.stats_period) != 0)
				goto bad;
			break;
		case O_JSON:
			opt.stats_json = optarg;
			break;
		case O_BURST:
			if (parse_uint(optarg, APP_BURST_MAX, &u) != 0 || u == 0)
				goto bad;
			opt.burst = (uint16_t)u;
			break;
		case O_RXD:
		case O_TXD:
			if (parse_uint(optarg, 32768, &u) != 0 || u == 0)
				goto bad;
			if (c == O_RXD)
				opt.nb_rxd = (uint16_t)u;
			else
				opt.nb_txd = (uint16_t)u;
			break;
		case O_MBUFS:
			if (parse_uint(optarg, 1u << 24, &u) != 0 || u < 512)
				goto bad;
			opt.nb_mbufs = (unsigned)u;
			break;
		case O_CACHE:
			if (parse_uint(optarg, RTE_MEMPOOL_CACHE_MAX_SIZE, &u) != 0)
				goto bad;
			opt.mbuf_cache = (unsigned)u;
			break;
		case O_TOPO:
			if (strcmp(optarg, "paired") != 0 && strcmp(optarg, "loop") != 0)
				goto bad;
			opt.topology = optarg;
			break;
		case O_NOINT:
			opt.no_interactive = true;
			break;
		case O_NOAUTO:
			opt.no_autostart = true;
			break;
		case O_QCONNS:
			if (parse_uint(optarg, 1000000, &u) != 0 || u == 0)
				goto bad;
			tern_app.quic.conns = (uint32_t)u;
			break;
		case O_SUITE:
			if (app_parse_suite(optarg, &tern_app.quic.suite) != 0)
				goto bad;
			break;
		case O_SEED:
			if (app_parse_seed(optarg, tern_app.quic.seed) != 0)
				goto bad;
			break;
		case O_RETIRE:
			if (parse_uint(optarg, 600000, &u) != 0 || u == 0)
				goto bad;
			tern_app.quic.key_retire_ms = (uint32_t)u;
			break;
#ifdef TERN_HAVE_NET
		case O_IP:
			if (tern_host_parse_ip(optarg) != 0)
				goto bad;
			break;
		case O_IP6:
			if (tern_host_parse_ip6(optarg) != 0)
				goto bad;
			break;
		case O_GW:
			if (tern_host_parse_gateway(optarg) != 0)
				goto bad;
			break;
#else
		case O_IP:
		case O_IP6:
		case O_GW:
			fprintf(stderr, "tern: --ip/--ip6/--gateway need libtern-dpdk\n");
			return -1;
#endif
		case 'h':
		case O_HELP:
			usage(argv[0]);
			exit(0);
		default:
			usage(argv[0]);
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "tern: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	return 0;
bad:
	fprintf(stderr, "tern: bad value '%s' for --%s\n", optarg, lopts[c - O_MODE].name);
	return -1;
}

const struct tern_fwd_engine *const tern_fwd_engines[] = {
	&tern_fwd_io,
	&tern_fwd_macswap,
#ifdef TERN_HAVE_QUIC_ECHO
	&tern_fwd_quic_echo,
#endif
	NULL,
};

const struct tern_fwd_engine *
tern_fwd_engine_find(const char *name)
{
	for (unsigned i = 0; tern_fwd_engines[i] != NULL; i++)
		if (strcmp(tern_fwd_engines[i]->name, name) == 0)
			return tern_fwd_engines[i];
	return NULL;
}

/*
 * One turn of the worker loop. Engine set-up and tear-down happen on the
 * worker itself because engines keep per-thread state (crypto contexts).
 */
static void
worker_turn(struct tern_lcore *lc)
{
	if (!fwd_on_flag) {
		lc->engine_failed = false;
		if (lc->engine_active) {
			if (lc->engine->lcore_fini != NULL)
				lc->engine->lcore_fini(lc);
			__atomic_store_n(&lc->engine_active, false, __ATOMIC_RELEASE);
		}
		return;
	}
	if (!lc->engine_active) {
		lc->engine = tern_app.engine;
		if (lc->engine_failed)
			return;
		if (lc->engine->lcore_init != NULL && lc->engine->lcore_init(lc) != 0) {
			/* Once per start: the lcore idles until the next start. */
			TERN_LOG(ERR, "lcore %u: mode %s failed to start\n", lc->lcore_id,
				 lc->engine->name);
			lc->engine_failed = true;
			return;
		}
		__atomic_store_n(&lc->engine_active, true, __ATOMIC_RELEASE);
	}
	uint16_t (*burst)(struct tern_lcore *, const struct tern_stream *) = lc->engine->burst;
	for (uint16_t i = 0; i < lc->nb_streams; i++) {
		uint64_t t0 = rte_rdtsc();
		uint16_t n = burst(lc, &lc->streams[i]);
		if (n != 0) {
			APP_STAT_ADD(lc->st.busy_cycles, rte_rdtsc() - t0);
			APP_STAT_ADD(lc->st.busy_pkts, n);
			APP_STAT_ADD(lc->st.busy_bursts, 1);
		}
	}
#ifdef TERN_HAVE_NET
	if (tern_host_enabled())
		tern_host_poll(lc);
#endif
}

static int
worker_main(void *arg)
{
	struct tern_lcore *lc = arg;

	TERN_LOG(INFO, "worker lcore %u: %u streams\n", lc->lcore_id, lc->nb_streams);
	while (!quit_flag) {
		worker_turn(lc);
		if (!lc->engine_active)
			rte_pause();
	}
	fwd_on_flag = false;
	worker_turn(lc);
	return 0;
}

static bool
all_workers_idle(void)
{
	for (unsigned i = 0; i < tern_app.nb_lcores; i++)
		if (__atomic_load_n(&tern_app.lcores[i].engine_active, __ATOMIC_ACQUIRE))
			return false;
	return true;
}

static bool main_is_worker;

int
tern_fwd_start(void)
{
	if (tern_app.fwd_on)
		return 0;
	if (tern_app.engine->init != NULL) {
		int rc = tern_app.engine->init();
		if (rc != 0) {
			TERN_LOG(ERR, "mode %s: init failed (%d)\n", tern_app.engine->name, rc);
			return rc;
		}
	}
	__atomic_store_n(&tern_app.fwd_on, true, __ATOMIC_RELAXED);
	tern_app.fwd_start_tsc = rte_rdtsc();
	fwd_on_flag = true;
	TERN_LOG(INFO, "forwarding started in %s mode on %u lcore(s)\n", tern_app.engine->name,
		 tern_app.nb_lcores);
	return 0;
}

void
tern_fwd_stop(void)
{
	if (!tern_app.fwd_on)
		return;
	fwd_on_flag = false;
	if (main_is_worker)
		worker_turn(&tern_app.lcores[0]);
	while (!all_workers_idle())
		rte_delay_us_sleep(1000);
	__atomic_store_n(&tern_app.fwd_on, false, __ATOMIC_RELAXED);
	if (tern_app.engine->fini != NULL)
		tern_app.engine->fini();
	TERN_LOG(INFO, "forwarding stopped\n");
}

int
tern_fwd_set_mode(const char *name)
{
	const struct tern_fwd_engine *e = tern_fwd_engine_find(name);

	if (e == NULL)
		return -ENOENT;
	if (tern_app.fwd_on)
		return -EBUSY;
	/* The telemetry thread reads it. */
	__atomic_store_n(&tern_app.engine, e, __ATOMIC_RELEASE);
	return 0;
}

void
tern_request_quit(void)
{
	tern_app.quit = true;
}

/* Assign every worker one queue pair on every port. */
static void
setup_streams(bool paired)
{
	for (unsigned w = 0; w < tern_app.nb_lcores; w++) {
		struct tern_lcore *lc = &tern_app.lcores[w];
		uint16_t port, n = 0;

		RTE_ETH_FOREACH_DEV (port) {
			struct tern_stream *s = &lc->streams[n++];
			s->rx_port = port;
			s->rx_queue = (uint16_t)w;
			s->tx_port = paired ? (uint16_t)(port ^ 1) : port;
			s->tx_queue = (uint16_t)w;
		}
		lc->nb_streams = n;
	}
}

/* Housekeeping on the main lcore: signals, duration, periodic stats, prompt. */
struct housekeeping {
	struct cmdline *cl;
	uint64_t end_tsc;
	uint64_t period_tsc;
	uint64_t next_stats_tsc;
};

static void
housekeeping(struct housekeeping *hk)
{
	uint64_t now = rte_rdtsc();

	if (app_signal_quit) {
		TERN_LOG(NOTICE, "signal received, shutting down\n");
		tern_app.quit = true;
	}
	if (hk->end_tsc != 0 && now >= hk->end_tsc)
		tern_app.quit = true;
	if (hk->period_tsc != 0 && now >= hk->next_stats_tsc) {
		tern_stats_print_line(stdout);
		hk->next_stats_tsc += hk->period_tsc;
		if (hk->next_stats_tsc < now)
			hk->next_stats_tsc = now + hk->period_tsc;
	}
	if (hk->cl != NULL && !tern_prompt_poll(hk->cl))
		tern_app.quit = true;
}

int
main(int argc, char **argv)
{
	int ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "tern: EAL initialisation failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= ret;
	argv += ret;
	argv[0] = (char *)"tern";
	tern_app.quic.conns = 10000;
	tern_app.quic.key_retire_ms = 100;
	tern_app.quic.suite = 0x1301; /* TLS_AES_128_GCM_SHA256 */
	app_lab_seed_default(tern_app.quic.seed);
	if (parse_args(argc, argv) != 0) {
		rte_eal_cleanup();
		return 2;
	}
	tern_app.engine = tern_fwd_engine_find(opt.mode);
	if (tern_app.engine == NULL) {
		fprintf(stderr, "tern: unknown mode '%s'\n", opt.mode);
		rte_eal_cleanup();
		return 2;
	}
	tern_app.burst = opt.burst;
	tern_app.tsc_hz = rte_get_tsc_hz();
	tern_app.start_tsc = rte_rdtsc();
	app_signals_install();

	tern_app.nb_ports = rte_eth_dev_count_avail();
	if (tern_app.nb_ports == 0) {
		TERN_LOG(ERR,
			 "no ethdev ports: add one with --vdev (e.g. net_null0, net_memif0)\n");
		rte_eal_cleanup();
		return 1;
	}
	bool paired = opt.topology != NULL ? strcmp(opt.topology, "paired") == 0
					   : tern_app.nb_ports % 2 == 0;
	if (paired && tern_app.nb_ports % 2 != 0) {
		TERN_LOG(ERR, "--port-topology paired needs an even number of ports\n");
		rte_eal_cleanup();
		return 2;
	}

	unsigned nb_workers = rte_lcore_count() - 1;
	main_is_worker = nb_workers == 0;
	if (main_is_worker)
		nb_workers = 1;
	tern_app.nb_lcores = nb_workers;
	tern_app.lcores = rte_zmalloc("tern_lcores", sizeof(struct tern_lcore) * nb_workers,
				      RTE_CACHE_LINE_SIZE);
	if (tern_app.lcores == NULL) {
		TERN_LOG(ERR, "out of memory for lcore state\n");
		rte_eal_cleanup();
		return 1;
	}
	if (main_is_worker) {
		tern_app.lcores[0].lcore_id = rte_get_main_lcore();
	} else {
		unsigned w = 0, id;
		RTE_LCORE_FOREACH_WORKER (id) {
			tern_app.lcores[w].lcore_id = id;
			tern_app.lcores[w].idx = w;
			w++;
		}
	}
	for (unsigned w = 0; w < nb_workers; w++)
		tern_app.lcores[w].burst = opt.burst;

	unsigned nb_mbufs = opt.nb_mbufs != 0 ? opt.nb_mbufs
					      : app_pool_size(tern_app.nb_ports, nb_workers,
							      opt.nb_rxd, opt.nb_txd, opt.burst,
							      rte_lcore_count(), opt.mbuf_cache);
	struct rte_mempool *pool = app_pool_create("tern_mbufs", nb_mbufs, opt.mbuf_cache,
						   RTE_MBUF_DEFAULT_BUF_SIZE, tern_logtype_app);
	if (pool == NULL) {
		rte_eal_cleanup();
		return 1;
	}
	printf("tern: mbuf pool: %u mbufs\n", nb_mbufs);

	uint16_t port;
	struct app_port_conf pc = {
		.nb_queues = (uint16_t)nb_workers,
		.nb_rxd = opt.nb_rxd,
		.nb_txd = opt.nb_txd,
		.pool = pool,
		.promisc = true,
	};
	RTE_ETH_FOREACH_DEV (port) {
		if (app_port_setup(port, &pc, tern_logtype_app) != 0) {
			app_ports_close();
			rte_eal_cleanup();
			return 1;
		}
	}
	setup_streams(paired);
#ifdef TERN_HAVE_NET
	if (tern_host_create(pool) != 0) {
		tern_host_free();
		app_ports_close();
		rte_eal_cleanup();
		return 1;
	}
#endif
	tern_telemetry_register();

	struct housekeeping hk = {0};
	bool interactive = !opt.no_interactive && isatty(STDIN_FILENO);
	if (opt.stats_period > 0) {
		hk.period_tsc = (uint64_t)(opt.stats_period * (double)tern_app.tsc_hz);
		hk.next_stats_tsc = tern_app.start_tsc + hk.period_tsc;
	}
	if (!interactive || !opt.no_autostart) {
		if (tern_fwd_start() != 0) {
			app_ports_close();
			rte_eal_cleanup();
			return 1;
		}
	}
	/* --duration counts from here: key installation is not part of it. */
	if (opt.duration > 0)
		hk.end_tsc = rte_rdtsc() + (uint64_t)(opt.duration * (double)tern_app.tsc_hz);
	if (interactive)
		hk.cl = tern_prompt_start();

	if (!main_is_worker) {
		for (unsigned w = 0; w < nb_workers; w++)
			rte_eal_remote_launch(worker_main, &tern_app.lcores[w],
					      tern_app.lcores[w].lcore_id);
		while (!tern_app.quit) {
			housekeeping(&hk);
			rte_delay_us_sleep(hk.cl != NULL ? 5000 : 20000);
		}
	} else {
		/* Housekeeping every ~2 ms of TSC so it stays off the per-packet cost. */
		uint64_t hk_every = tern_app.tsc_hz / 500, next = rte_rdtsc() + hk_every;
		struct tern_lcore *lc = &tern_app.lcores[0];
		while (!tern_app.quit) {
			worker_turn(lc);
			if (!lc->engine_active)
				rte_pause();
			if (rte_rdtsc() >= next) {
				housekeeping(&hk);
				next = rte_rdtsc() + hk_every;
			}
		}
	}

	if (hk.cl != NULL)
		tern_prompt_stop(hk.cl);
	tern_fwd_stop();
	quit_flag = true;
	rte_eal_mp_wait_lcore();

	printf("\n==== tern: final statistics (%s mode, %.1f s) ====\n", tern_app.engine->name,
	       (double)(rte_rdtsc() - tern_app.start_tsc) / (double)tern_app.tsc_hz);
	tern_stats_print_ports(stdout);
	tern_stats_print_cores(stdout);
#ifdef TERN_HAVE_NET
	tern_host_print(stdout);
#endif
	int rc = 0;
	if (opt.stats_json != NULL && tern_stats_write_json(opt.stats_json) != 0)
		rc = 1;
	fflush(stdout);
#ifdef TERN_HAVE_NET
	tern_host_free();
#endif
	app_ports_close();
	rte_free(tern_app.lcores);
	rte_eal_cleanup();
	return rc;
}
