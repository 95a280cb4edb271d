/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tern-gen: a DPDK traffic generator for tern. Sends Ethernet/IPv4/UDP
 * datagrams of N flows (addresses in 198.18.0.0/15, RFC 2544 benchmarking
 * space) whose payload carries a sequence number and a TSC timestamp,
 * receives the replies, checks them and measures the round-trip latency.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include <rte_udp.h>

#include "dataplane/cursor.h"
#include "gen.h"

RTE_LOG_REGISTER_DEFAULT(gen_logtype, INFO);

/* 198.19.0.1, 198.18.0.0: RTE_IPV4() shifts a signed int (UB for 198). */
#define GEN_DST_IP   0xc6130001u
#define GEN_DST_PORT 4433
#define GEN_SRC_NET  0xc6120000u
#define GEN_HDRS_LEN                                                                               \
	(sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_udp_hdr))

static struct gen_lcore *lcores;
static unsigned nb_lcores;
static volatile bool tx_on = true;
static volatile bool quit_flag;
static uint64_t tsc_hz;

struct gen_conf gen_conf = {
	.flows = 1,
	.size = 64,
	.duration = 10,
	.stats_period = 1,
	.drain = 0.5,
	.burst = APP_BURST_DEFAULT,
	.nb_rxd = 1024,
	.nb_txd = 1024,
	.link_wait_ms = 10000,
	.dst_mac = {{0x02, 0, 0, 0, 0, 0x01}},
	.cipher_suite = TERN_TLS13_AES_128_GCM_SHA256,
	.ku_gap_ms = 300,
};

static void
usage(void)
{
	printf("Usage: tern-gen [EAL args] -- [options]\n"
	       "  --flows N          flows (1..100000, default 1): source 198.18.x.y:port\n"
	       "  --size N           UDP payload bytes (%u..%u, default 64)\n"
	       "  --rate PPS         packets per second in total (default 0: as fast as possible)\n"
	       "  --duration S       sending time (default 10)\n"
	       "  --drain S          wait for replies after sending stops (default 0.5)\n"
	       "  --stats-period S   live progress line every S seconds (default 1, 0: off)\n"
	       "  --json FILE        write the final summary as JSON\n"
	       "  --burst N          packets per burst (default 32)\n"
	       "  --dst-mac MAC      destination MAC (default 02:00:00:00:00:01)\n"
	       "  --nb-mbufs N       mbuf pool size (default: computed)\n"
	       "  --link-wait-ms N   wait for the link to come up (default 10000)\n"
	       "QUIC mode (lab keying: BENCHMARK ONLY, keys derived from a shared seed):\n"
	       "  --quic             N QUIC 1-RTT clients: short-header packets, 8-byte CIDs,\n"
	       "                     a DATAGRAM frame echoed by tern's quic-echo mode; every\n"
	       "                     reply is unprotected and verified\n"
	       "  --key-update-rate R  key-phase flips per second over all connections (default "
	       "0)\n"
	       "  --suite S          aes128 (TLS_AES_128_GCM_SHA256, default) or aes256\n"
	       "  --seed HEX         32-byte lab seed (64 hex digits; default: tern's lab seed)\n"
	       "  --tamper-every N   corrupt every Nth request after protection (tern must drop\n"
	       "                     it as an authentication failure; no reply is expected)\n",
	       GEN_PAYLOAD_MIN, GEN_PAYLOAD_MAX);
}

static int
num_arg(const char *s, double min, double max, double *v)
{
	char *end;
	errno = 0;
	*v = strtod(s, &end);
	return (errno != 0 || *end != '\0' || *s == '\0' || *v < min || *v > max) ? -1 : 0;
}

static int
parse_args(int argc, char **argv)
{
	enum {
		O_FLOWS = 256,
		O_SIZE,
		O_RATE,
		O_DURATION,
		O_DRAIN,
		O_PERIOD,
		O_JSON,
		O_BURST,
		O_DMAC,
		O_MBUFS,
		O_LINK,
		O_QUIC,
		O_KU,
		O_SUITE,
		O_SEED,
		O_TAMPER,
		O_KUGAP,
		O_HELP
	};
	static const struct option lopts[] = {
		{"flows", required_argument, NULL, O_FLOWS},
		{"size", required_argument, NULL, O_SIZE},
		{"rate", required_argument, NULL, O_RATE},
		{"duration", required_argument, NULL, O_DURATION},
		{"drain", required_argument, NULL, O_DRAIN},
		{"stats-period", required_argument, NULL, O_PERIOD},
		{"json", required_argument, NULL, O_JSON},
		{"burst", required_argument, NULL, O_BURST},
		{"dst-mac", required_argument, NULL, O_DMAC},
		{"nb-mbufs", required_argument, NULL, O_MBUFS},
		{"link-wait-ms", required_argument, NULL, O_LINK},
		{"quic", no_argument, NULL, O_QUIC},
		{"key-update-rate", required_argument, NULL, O_KU},
		{"suite", required_argument, NULL, O_SUITE},
		{"seed", required_argument, NULL, O_SEED},
		{"tamper-every", required_argument, NULL, O_TAMPER},
		{"key-update-gap-ms", required_argument, NULL, O_KUGAP},
		{"help", no_argument, NULL, O_HELP},
		{NULL, 0, NULL, 0},
	};
	double v;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case O_FLOWS:
			if (num_arg(optarg, 1, 100000, &v) != 0)
				goto bad;
			gen_conf.flows = (uint32_t)v;
			break;
		case O_SIZE:
			if (num_arg(optarg, GEN_PAYLOAD_MIN, GEN_PAYLOAD_MAX, &v) != 0)
				goto bad;
			gen_conf.size = (uint32_t)v;
			break;
		case O_RATE:
			if (num_arg(optarg, 0, 1e9, &gen_conf.rate) != 0)
				goto bad;
			break;
		case O_DURATION:
			if (num_arg(optarg, 0, 1e7, &gen_conf.duration) != 0)
				goto bad;
			break;
		case O_DRAIN:
			if (num_arg(optarg, 0, 60, &gen_conf.drain) != 0)
				goto bad;
			break;
		case O_PERIOD:
			if (num_arg(optarg, 0, 3600, &gen_conf.stats_period) != 0)
				goto bad;
			break;
		case O_JSON:
			gen_conf.json = optarg;
			break;
		case O_BURST:
			if (num_arg(optarg, 1, APP_BURST_MAX, &v) != 0)
				goto bad;
			gen_conf.burst = (uint16_t)v;
			break;
		case O_DMAC:
			if (rte_ether_unformat_addr(optarg, &gen_conf.dst_mac) != 0)
				goto bad;
			break;
		case O_MBUFS:
			if (num_arg(optarg, 512, 1 << 24, &v) != 0)
				goto bad;
			gen_conf.nb_mbufs = (unsigned)v;
			break;
		case O_LINK:
			if (num_arg(optarg, 0, 600000, &v) != 0)
				goto bad;
			gen_conf.link_wait_ms = (unsigned)v;
			break;
		case O_QUIC:
			gen_conf.quic = true;
			break;
		case O_KU:
			if (num_arg(optarg, 0, 1e7, &gen_conf.key_update_rate) != 0)
				goto bad;
			break;
		case O_SUITE:
			if (app_parse_suite(optarg, &gen_conf.cipher_suite) != 0)
				goto bad;
			break;
		case O_SEED:
			if (app_parse_seed(optarg, gen_conf.seed) != 0)
				goto bad;
			break;
		case O_TAMPER:
			if (num_arg(optarg, 0, 1e9, &v) != 0)
				goto bad;
			gen_conf.tamper_every = (uint32_t)v;
			break;
		case O_KUGAP:
			if (num_arg(optarg, 0, 3600000, &v) != 0)
				goto bad;
			gen_conf.ku_gap_ms = (uint32_t)v;
			break;
		case 'h':
		case O_HELP:
			usage();
			exit(0);
		default:
			usage();
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "tern-gen: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (gen_conf.quic && gen_conf.size < GEN_QUIC_OVERHEAD + GEN_PAYLOAD_MIN) {
		fprintf(stderr, "tern-gen: --quic needs --size >= %u\n",
			GEN_QUIC_OVERHEAD + GEN_PAYLOAD_MIN);
		return -1;
	}
	if ((gen_conf.key_update_rate > 0 || gen_conf.tamper_every != 0) && !gen_conf.quic) {
		fprintf(stderr, "tern-gen: --key-update-rate and --tamper-every need --quic\n");
		return -1;
	}
	return 0;
bad:
	fprintf(stderr, "tern-gen: bad value '%s' for --%s\n", optarg, lopts[c - O_FLOWS].name);
	return -1;
}

/* Flow i: source 198.18.0.0 + 1 + (i % 65534), port 1024 + i / 65534. */
static inline uint32_t
flow_src_ip(uint32_t flow)
{
	return GEN_SRC_NET + 1 + flow % 65534;
}

static inline uint16_t
flow_src_port(uint32_t flow)
{
	return (uint16_t)(1024 + flow / 65534);
}

uint8_t
gen_fill_byte(uint64_t seq, size_t k)
{
	return (uint8_t)(seq * 7 + k);
}

void
gen_write_l2l3(struct gen_lcore *lc, uint8_t *frame, uint32_t flow, uint16_t udp_payload_len)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)frame;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

	eth->dst_addr = gen_conf.dst_mac;
	eth->src_addr = lc->src_mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0;
	ip->total_length =
		rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + sizeof(*udp) + udp_payload_len));
	ip->packet_id = 0;
	ip->fragment_offset = 0;
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(flow_src_ip(flow));
	ip->dst_addr = rte_cpu_to_be_32(GEN_DST_IP);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(flow_src_port(flow));
	udp->dst_port = rte_cpu_to_be_16(GEN_DST_PORT);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*udp) + udp_payload_len));
	udp->dgram_cksum = 0; /* optional for IPv4 (RFC 768) */
}

static void
build_udp(struct gen_lcore *lc, struct rte_mbuf *m, uint32_t flow, uint64_t now)
{
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(GEN_HDRS_LEN + gen_conf.size));
	uint8_t *pl = p + GEN_HDRS_LEN;

	gen_write_l2l3(lc, p, flow, (uint16_t)gen_conf.size);
	struct gen_payload_hdr h = {.magic = GEN_MAGIC, .flow = flow, .seq = lc->seq, .tsc = now};
	memcpy(pl, &h, sizeof(h));
	for (size_t k = sizeof(h); k < gen_conf.size; k++)
		pl[k] = gen_fill_byte(lc->seq, k);
	lc->seq++;
}

/* How many packets the pacing allows now (burst-capped). */
static inline uint16_t
tx_allowance(struct gen_lcore *lc, uint64_t now)
{
	if (lc->tx_interval == 0)
		return gen_conf.burst;
	double t = (double)now;
	if (t < lc->next_tx)
		return 0;
	/* Never try to catch up more than a burst: a stall is not made up for. */
	if (t - lc->next_tx > lc->tx_interval * gen_conf.burst)
		lc->next_tx = t - lc->tx_interval * gen_conf.burst;
	uint16_t n = (uint16_t)((t - lc->next_tx) / lc->tx_interval) + 1;
	if (n > gen_conf.burst)
		n = gen_conf.burst;
	lc->next_tx += n * lc->tx_interval;
	return n;
}

static void
gen_tx_pending(struct gen_lcore *lc)
{
	uint16_t sent = rte_eth_tx_burst(lc->port, lc->queue, lc->pend, lc->nb_pend);

	if (sent < lc->nb_pend) {
		APP_STAT_ADD(lc->st.tx_full, 1);
		memmove(lc->pend, &lc->pend[sent], (lc->nb_pend - sent) * sizeof(lc->pend[0]));
	}
	lc->nb_pend = (uint16_t)(lc->nb_pend - sent);
	APP_STAT_ADD(lc->st.tx_pkts, sent);
	/* Every frame, plain or QUIC, is GEN_HDRS_LEN + size bytes. */
	APP_STAT_ADD(lc->st.tx_bytes, (uint64_t)sent * (GEN_HDRS_LEN + gen_conf.size));
}

static void
gen_tx(struct gen_lcore *lc, uint64_t now)
{
	if (lc->nb_pend != 0) {
		gen_tx_pending(lc);
		if (lc->nb_pend != 0)
			return;
	}
	uint16_t n = tx_allowance(lc, now);
	if (n == 0)
		return;
	if (gen_conf.quic) {
		lc->nb_pend = gen_quic_build(lc, n, now);
	} else {
		if (rte_pktmbuf_alloc_bulk(lc->pool, lc->pend, n) != 0) {
			APP_STAT_ADD(lc->st.no_mbuf, n);
			return;
		}
		for (uint16_t i = 0; i < n; i++) {
			build_udp(lc, lc->pend[i], lc->next_flow, now);
			lc->next_flow += lc->stride;
			if (lc->next_flow >= gen_conf.flows)
				lc->next_flow = lc->first_flow;
		}
		lc->nb_pend = n;
	}
	if (lc->nb_pend != 0)
		gen_tx_pending(lc);
}

const uint8_t *
gen_udp_payload(const struct rte_mbuf *m, size_t *plen)
{
	struct tern_rcursor c;
	uint16_t ethertype, udp_len;
	uint8_t vhl, proto;

	if (!rte_pktmbuf_is_contiguous(m))
		return NULL;
	/* Ethernet II, IPv4 without options, UDP (the frames we send). */
	tern_rcursor_init(&c, rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m));
	if (!tern_rcursor_skip(&c, 12) || !tern_rcursor_u16(&c, &ethertype) ||
	    ethertype != RTE_ETHER_TYPE_IPV4)
		return NULL;
	if (!tern_rcursor_u8(&c, &vhl) || !tern_rcursor_skip(&c, 8) ||
	    !tern_rcursor_u8(&c, &proto) || !tern_rcursor_skip(&c, 10) || vhl != RTE_IPV4_VHL_DEF ||
	    proto != IPPROTO_UDP)
		return NULL;
	if (!tern_rcursor_skip(&c, 4) || !tern_rcursor_u16(&c, &udp_len) ||
	    !tern_rcursor_skip(&c, 2) || udp_len < sizeof(struct rte_udp_hdr) ||
	    udp_len - sizeof(struct rte_udp_hdr) > tern_rcursor_left(&c))
		return NULL;
	*plen = udp_len - sizeof(struct rte_udp_hdr);
	return tern_rcursor_ptr(&c);
}

/* Check one plain UDP reply: a byte-exact echo of what we sent. */
static void
check_udp_reply(struct gen_lcore *lc, struct rte_mbuf *m, uint64_t now)
{
	size_t plen;
	const uint8_t *pl = gen_udp_payload(m, &plen);
	struct gen_payload_hdr h;

	if (pl == NULL || plen < sizeof(h)) {
		APP_STAT_ADD(lc->st.not_ours, 1);
		return;
	}
	memcpy(&h, pl, sizeof(h));
	if (h.magic != GEN_MAGIC) {
		APP_STAT_ADD(lc->st.not_ours, 1);
		return;
	}
	bool ok = plen == gen_conf.size && h.flow < gen_conf.flows && h.tsc <= now;
	for (size_t k = sizeof(h); ok && k < plen; k++)
		ok = pl[k] == gen_fill_byte(h.seq, k);
	if (!ok) {
		APP_STAT_ADD(lc->st.bad_replies, 1);
		return;
	}
	app_hist_record(&lc->hist, now - h.tsc);
	APP_STAT_ADD(lc->st.replies, 1);
}

static void
gen_rx(struct gen_lcore *lc)
{
	struct rte_mbuf *pkts[APP_BURST_MAX];

	/* Replies get priority over new requests: drain up to 4 full bursts. */
	for (unsigned b = 0; b < 4; b++) {
		uint16_t n = rte_eth_rx_burst(lc->port, lc->queue, pkts, gen_conf.burst);
		if (n == 0)
			return;
		uint64_t now = rte_rdtsc();
		APP_STAT_ADD(lc->st.rx_pkts, n);
		if (gen_conf.quic)
			gen_quic_rx(lc, pkts, n, now);
		else
			for (uint16_t i = 0; i < n; i++)
				check_udp_reply(lc, pkts[i], now);
		rte_pktmbuf_free_bulk(pkts, n);
		if (n < gen_conf.burst)
			return;
	}
}

static inline void
gen_turn(struct gen_lcore *lc)
{
	if (tx_on) {
		uint64_t now = rte_rdtsc();
		if (lc->ku_interval != 0)
			gen_quic_key_updates(lc, now);
		gen_tx(lc, now);
	}
	gen_rx(lc);
}

static int
gen_worker(void *arg)
{
	struct gen_lcore *lc = arg;

	lc->next_tx = (double)rte_rdtsc();
	while (!quit_flag)
		gen_turn(lc);
	return 0;
}

/* --- Reporting (main lcore) -------------------------------------------- */

struct gen_totals {
	struct gen_stats st;
	struct app_hist hist;
};

static void
totals(struct gen_totals *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned i = 0; i < nb_lcores; i++) {
		const struct gen_stats *s = &lcores[i].st;
		t->st.tx_pkts += APP_STAT_GET(s->tx_pkts);
		t->st.tx_bytes += APP_STAT_GET(s->tx_bytes);
		t->st.tx_full += APP_STAT_GET(s->tx_full);
		t->st.no_mbuf += APP_STAT_GET(s->no_mbuf);
		t->st.rx_pkts += APP_STAT_GET(s->rx_pkts);
		t->st.replies += APP_STAT_GET(s->replies);
		t->st.bad_replies += APP_STAT_GET(s->bad_replies);
		t->st.not_ours += APP_STAT_GET(s->not_ours);
		t->st.auth_failures += APP_STAT_GET(s->auth_failures);
		t->st.key_updates += APP_STAT_GET(s->key_updates);
		t->st.peer_key_phase += APP_STAT_GET(s->peer_key_phase);
		t->st.tampered += APP_STAT_GET(s->tampered);
		app_hist_merge(&t->hist, &lcores[i].hist);
	}
}

static double
cyc_to_us(uint64_t c)
{
	return (double)c * 1e6 / (double)tsc_hz;
}

static void
progress(uint64_t start)
{
	static uint64_t last_tsc, last_tx, last_rx;
	struct gen_totals t;
	uint64_t now = rte_rdtsc();

	totals(&t);
	if (last_tsc == 0)
		last_tsc = start;
	double dt = (double)(now - last_tsc) / (double)tsc_hz;
	if (dt <= 0)
		dt = 1e-9;
	uint64_t lost = t.st.tx_pkts > t.st.replies ? t.st.tx_pkts - t.st.replies : 0;
	printf("tern-gen: t=%.0fs tx %.3f Mpps rx %.3f Mpps | sent %" PRIu64 " replies %" PRIu64
	       " outstanding %" PRIu64 " bad %" PRIu64 " auth-fail %" PRIu64 " kupd %" PRIu64
	       " | lat us p50 %.1f p99 %.1f max %.1f\n",
	       (double)(now - start) / (double)tsc_hz, (double)(t.st.tx_pkts - last_tx) / dt / 1e6,
	       (double)(t.st.replies - last_rx) / dt / 1e6, t.st.tx_pkts, t.st.replies, lost,
	       t.st.bad_replies, t.st.auth_failures, t.st.key_updates,
	       cyc_to_us(app_hist_quantile(&t.hist, 0.5)),
	       cyc_to_us(app_hist_quantile(&t.hist, 0.99)), cyc_to_us(t.hist.max));
	fflush(stdout);
	last_tsc = now;
	last_tx = t.st.tx_pkts;
	last_rx = t.st.replies;
}

static int
summary(double send_s)
{
	struct gen_totals t;
	totals(&t);
	/* Tampered requests must not be answered: they are not lost. */
	uint64_t due = t.st.tx_pkts - t.st.tampered;
	uint64_t lost = due > t.st.replies ? due - t.st.replies : 0;
	double loss_pct = t.st.tx_pkts ? 100.0 * (double)lost / (double)t.st.tx_pkts : 0;
	static const double qs[] = {0.5, 0.9, 0.99, 0.999};
	static const char *const qn[] = {"p50", "p90", "p99", "p99.9"};

	printf("\n==== tern-gen: summary ====\n");
	const char *mode = gen_conf.quic ? "quic" : "udp";
	printf("mode            %s\n", mode);
	printf("flows           %u\n", gen_conf.flows);
	printf("payload bytes   %u\n", gen_conf.size);
	printf("send time s     %.2f\n", send_s);
	printf("sent            %" PRIu64 " (%.3f Mpps)\n", t.st.tx_pkts,
	       send_s > 0 ? (double)t.st.tx_pkts / send_s / 1e6 : 0.0);
	printf("replies         %" PRIu64 "\n", t.st.replies);
	printf("lost            %" PRIu64 " (%.4f%%)\n", lost, loss_pct);
	printf("bad replies     %" PRIu64 "\n", t.st.bad_replies);
	printf("auth failures   %" PRIu64 "\n", t.st.auth_failures);
	if (gen_conf.tamper_every != 0)
		printf("tampered        %" PRIu64 " (no reply due)\n", t.st.tampered);
	if (gen_conf.quic)
		printf("key updates     %" PRIu64 " initiated, %" PRIu64 " followed by tern\n",
		       t.st.key_updates, t.st.peer_key_phase);
	printf("not ours        %" PRIu64 "\n", t.st.not_ours);
	printf("tx queue full   %" PRIu64 " times (packets retried)\n", t.st.tx_full);
	printf("no mbuf         %" PRIu64 "\n", t.st.no_mbuf);
	printf("latency us     ");
	for (unsigned i = 0; i < RTE_DIM(qs); i++)
		printf(" %s %.1f", qn[i], cyc_to_us(app_hist_quantile(&t.hist, qs[i])));
	printf(" max %.1f\n", cyc_to_us(t.hist.max));

	if (gen_conf.json == NULL)
		return 0;
	FILE *f = fopen(gen_conf.json, "w");
	if (f == NULL) {
		GEN_LOG(ERR, "cannot write %s: %s\n", gen_conf.json, strerror(errno));
		return -1;
	}
	struct app_json j;
	app_json_begin(&j, f);
	app_json_str(&j, "mode", mode);
	app_json_dbl(&j, "key_update_rate_requested", gen_conf.key_update_rate);
	app_json_u64(&j, "flows", gen_conf.flows);
	app_json_u64(&j, "payload_bytes", gen_conf.size);
	app_json_dbl(&j, "rate_pps_requested", gen_conf.rate);
	app_json_dbl(&j, "send_time_s", send_s);
	app_json_u64(&j, "sent", t.st.tx_pkts);
	app_json_u64(&j, "sent_bytes", t.st.tx_bytes);
	app_json_u64(&j, "replies", t.st.replies);
	app_json_u64(&j, "lost", lost);
	app_json_dbl(&j, "loss_pct", loss_pct);
	app_json_u64(&j, "bad_replies", t.st.bad_replies);
	app_json_u64(&j, "auth_failures", t.st.auth_failures);
	app_json_u64(&j, "tampered", t.st.tampered);
	app_json_u64(&j, "key_updates", t.st.key_updates);
	app_json_u64(&j, "key_updates_followed", t.st.peer_key_phase);
	app_json_u64(&j, "not_ours", t.st.not_ours);
	app_json_u64(&j, "rx_packets", t.st.rx_pkts);
	app_json_u64(&j, "tx_full_events", t.st.tx_full);
	app_json_u64(&j, "no_mbuf", t.st.no_mbuf);
	app_json_dbl(&j, "tx_mpps", send_s > 0 ? (double)t.st.tx_pkts / send_s / 1e6 : 0.0);
	app_json_obj_open(&j, "latency_us");
	for (unsigned i = 0; i < RTE_DIM(qs); i++)
		app_json_dbl(&j, qn[i], cyc_to_us(app_hist_quantile(&t.hist, qs[i])));
	app_json_dbl(&j, "max", cyc_to_us(t.hist.max));
	app_json_obj_close(&j);
	app_json_end(&j);
	if (fclose(f) != 0)
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	int ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "tern-gen: EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	argc -= ret;
	argv += ret;
	argv[0] = (char *)"tern-gen";
	app_lab_seed_default(gen_conf.seed);
	if (parse_args(argc, argv) != 0) {
		rte_eal_cleanup();
		return 2;
	}
	tsc_hz = rte_get_tsc_hz();
	app_signals_install();

	if (rte_eth_dev_count_avail() == 0) {
		GEN_LOG(ERR, "no ethdev port: add one with --vdev\n");
		rte_eal_cleanup();
		return 1;
	}
	uint16_t port = 0;
	RTE_ETH_FOREACH_DEV (port)
		break;

	unsigned nb_workers = rte_lcore_count() - 1;
	bool main_is_worker = nb_workers == 0;
	if (main_is_worker)
		nb_workers = 1;
	nb_lcores = nb_workers;
	lcores = rte_zmalloc("gen_lcores", sizeof(*lcores) * nb_workers, RTE_CACHE_LINE_SIZE);
	if (lcores == NULL) {
		rte_eal_cleanup();
		return 1;
	}
	unsigned nb_mbufs = gen_conf.nb_mbufs != 0
				    ? gen_conf.nb_mbufs
				    : app_pool_size(1, nb_workers, gen_conf.nb_rxd, gen_conf.nb_txd,
						    gen_conf.burst, rte_lcore_count(), 256);
	struct rte_mempool *pool =
		app_pool_create("gen_mbufs", nb_mbufs, 256, RTE_MBUF_DEFAULT_BUF_SIZE, gen_logtype);
	if (pool == NULL) {
		rte_eal_cleanup();
		return 1;
	}
	printf("tern-gen: mbuf pool: %u mbufs\n", nb_mbufs);
	struct app_port_conf pc = {.nb_queues = (uint16_t)nb_workers,
				   .nb_rxd = gen_conf.nb_rxd,
				   .nb_txd = gen_conf.nb_txd,
				   .pool = pool,
				   .promisc = true};
	if (app_port_setup(port, &pc, gen_logtype) != 0) {
		app_ports_close();
		rte_eal_cleanup();
		return 1;
	}
	if (!app_port_wait_link(port, gen_conf.link_wait_ms)) {
		GEN_LOG(ERR, "port %u: link down after %u ms\n", port, gen_conf.link_wait_ms);
		app_ports_close();
		rte_eal_cleanup();
		return 1;
	}

	struct rte_ether_addr mac;
	if (rte_eth_macaddr_get(port, &mac) != 0)
		memset(&mac, 0, sizeof(mac));
	unsigned w = 0, id;
	RTE_LCORE_FOREACH_WORKER (id) {
		lcores[w++].lcore_id = id;
	}
	if (main_is_worker)
		lcores[0].lcore_id = rte_get_main_lcore();
	for (w = 0; w < nb_workers; w++) {
		struct gen_lcore *lc = &lcores[w];
		lc->port = port;
		lc->queue = (uint16_t)w;
		lc->first_flow = w;
		lc->next_flow = w;
		lc->stride = nb_workers;
		lc->pool = pool;
		lc->src_mac = mac;
		lc->seq = (uint64_t)w << 48;
		if (gen_conf.rate > 0)
			lc->tx_interval = (double)tsc_hz * nb_workers / gen_conf.rate;
		if (lc->first_flow >= gen_conf.flows)
			lc->tx_interval = 1e30; /* more workers than flows: this one idles */
		if (gen_conf.quic) {
			if (gen_quic_setup(lc) != 0) {
				for (unsigned k = 0; k <= w; k++)
					gen_quic_free(&lcores[k]);
				app_ports_close();
				rte_eal_cleanup();
				return 1;
			}
			lc->ku_gap_cycles = (uint64_t)gen_conf.ku_gap_ms * tsc_hz / 1000;
			if (gen_conf.key_update_rate > 0)
				lc->ku_interval =
					(double)tsc_hz * nb_workers / gen_conf.key_update_rate;
		}
	}
	if (gen_conf.rate > 0)
		printf("tern-gen: %u flows, %u-byte payload, %.0f pps, %.1f s on %u lcore(s)\n",
		       gen_conf.flows, gen_conf.size, gen_conf.rate, gen_conf.duration, nb_workers);
	else
		printf("tern-gen: %u flows, %u-byte payload, as fast as possible, %.1f s on %u "
		       "lcore(s)\n",
		       gen_conf.flows, gen_conf.size, gen_conf.duration, nb_workers);
	fflush(stdout);

	uint64_t start = rte_rdtsc();
	uint64_t send_end = start + (uint64_t)(gen_conf.duration * (double)tsc_hz);
	uint64_t period = (uint64_t)(gen_conf.stats_period * (double)tsc_hz);
	uint64_t next_stats = start + period;
	uint64_t stop_at = 0, tx_stopped_at = 0;
	uint64_t hk_every = tsc_hz / 500, next_hk = start;

	if (!main_is_worker)
		for (w = 0; w < nb_workers; w++)
			rte_eal_remote_launch(gen_worker, &lcores[w], lcores[w].lcore_id);
	else
		lcores[0].next_tx = (double)start;

	for (;;) {
		uint64_t now;
		if (main_is_worker) {
			gen_turn(&lcores[0]);
			now = rte_rdtsc();
			if (now < next_hk)
				continue;
			next_hk = now + hk_every;
		} else {
			rte_delay_us_sleep(2000);
			now = rte_rdtsc();
		}
		if (tx_on && (now >= send_end || app_signal_quit)) {
			tx_on = false;
			tx_stopped_at = now;
			stop_at = now + (uint64_t)(gen_conf.drain * (double)tsc_hz);
		}
		if (!tx_on && now >= stop_at)
			break;
		if (period != 0 && now >= next_stats) {
			progress(start);
			next_stats += period;
		}
	}
	quit_flag = true;
	rte_eal_mp_wait_lcore();
	for (w = 0; w < nb_workers; w++)
		if (lcores[w].nb_pend != 0)
			rte_pktmbuf_free_bulk(lcores[w].pend, lcores[w].nb_pend);

	int rc = summary((double)(tx_stopped_at - start) / (double)tsc_hz) == 0 ? 0 : 1;
	for (w = 0; w < nb_workers; w++)
		gen_quic_free(&lcores[w]);
	app_ports_close();
	rte_free(lcores);
	rte_eal_cleanup();
	return rc;
}
