/* SPDX-License-Identifier: Apache-2.0 */
/*
 * io and macswap modes: the no-crypto baselines. io moves bursts from the RX
 * queue to the paired TX queue untouched; macswap also swaps the Ethernet
 * addresses so a reflected frame is addressed back to its sender.
 */
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "tern.h"

static inline uint16_t
io_burst(struct tern_lcore *lc, const struct tern_stream *s, bool swap)
{
	struct rte_mbuf *pkts[APP_BURST_MAX];
	uint64_t bytes = 0;
	uint16_t n;

	n = rte_eth_rx_burst(s->rx_port, s->rx_queue, pkts, lc->burst);
	if (n == 0)
		return 0;
	for (uint16_t i = 0; i < n; i++) {
		bytes += rte_pktmbuf_pkt_len(pkts[i]);
		if (swap && rte_pktmbuf_data_len(pkts[i]) >= sizeof(struct rte_ether_hdr)) {
			struct rte_ether_hdr *eth =
				rte_pktmbuf_mtod(pkts[i], struct rte_ether_hdr *);
			struct rte_ether_addr tmp = eth->dst_addr;
			eth->dst_addr = eth->src_addr;
			eth->src_addr = tmp;
		}
	}
	APP_STAT_ADD(lc->st.rx_pkts, n);
	APP_STAT_ADD(lc->st.rx_bytes, bytes);
	(void)tern_tx_burst(lc, s, pkts, n);
	return n;
}

static uint16_t
io_fwd(struct tern_lcore *lc, const struct tern_stream *s)
{
	return io_burst(lc, s, false);
}

static uint16_t
macswap_fwd(struct tern_lcore *lc, const struct tern_stream *s)
{
	return io_burst(lc, s, true);
}

const struct tern_fwd_engine tern_fwd_io = {
	.name = "io",
	.help = "baseline: RX burst -> TX burst, packets untouched, no crypto",
	.burst = io_fwd,
};

const struct tern_fwd_engine tern_fwd_macswap = {
	.name = "macswap",
	.help = "io plus Ethernet source/destination swap (reflect to the sender)",
	.burst = macswap_fwd,
};
