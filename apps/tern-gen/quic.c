/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tern-gen --quic: N QUIC 1-RTT client connections keyed by the lab keying
 * (include/tern/lab_keys.h: BENCHMARK ONLY, every key follows from a shared
 * seed and the connection ID). Requests are short-header packets carrying a
 * DATAGRAM frame (RFC 9221) with the generator payload, protected in bursts;
 * replies are unprotected in bursts and must authenticate and echo the
 * payload exactly. Key updates (RFC 9001 6) are initiated at a configured
 * rate, one connection at a time, and only once the previous update of that
 * connection was confirmed by a reply in the new phase (RFC 9001 6.1).
 *
 * Deriving the generation after next happens on the generator lcore at each
 * flip (a few HMACs and one allocation per key update, never per packet).
 */
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include <tern/error.h>

#include "gen.h"

#define GEN_HDRS_LEN (14 + 20 + 8)

static void
make_cid(uint32_t flow, uint8_t cid[GEN_CID_LEN])
{
	cid[0] = 't';
	cid[1] = 'g';
	cid[2] = 0;
	cid[3] = 0;
	uint32_t be = rte_cpu_to_be_32(flow);
	memcpy(&cid[4], &be, 4);
}

/* The flow a CID names, or UINT32_MAX if it is not one of ours. */
static uint32_t
cid_flow(const uint8_t *cid)
{
	uint32_t be;

	if (cid[0] != 't' || cid[1] != 'g' || cid[2] != 0 || cid[3] != 0)
		return UINT32_MAX;
	memcpy(&be, &cid[4], 4);
	return rte_be_to_cpu_32(be);
}

static inline struct gen_qflow *
qflow_of(struct gen_lcore *lc, uint32_t flow)
{
	if (flow >= gen_conf.flows || flow < lc->first_flow ||
	    (flow - lc->first_flow) % lc->stride != 0)
		return NULL;
	return &lc->qflows[(flow - lc->first_flow) / lc->stride];
}

static void
qflow_free(struct gen_qflow *q)
{
	tern_quic_keys_free(q->tx_cur);
	tern_quic_keys_free(q->tx_next);
	tern_quic_keys_free(q->rx_prev);
	tern_quic_keys_free(q->rx_cur);
	tern_quic_keys_free(q->rx_next);
	memset(q, 0, sizeof(*q));
}

int
gen_quic_setup(struct gen_lcore *lc)
{
	int rc = tern_crypto_ctx_create(TERN_CRYPTO_BACKEND_AUTO, &lc->ctx);
	if (rc != 0) {
		GEN_LOG(ERR, "crypto context: %s\n", tern_strerror(rc));
		return rc;
	}
	lc->nb_qflows = lc->first_flow < gen_conf.flows
				? (gen_conf.flows - lc->first_flow + lc->stride - 1) / lc->stride
				: 0;
	lc->qflows = calloc(lc->nb_qflows ? lc->nb_qflows : 1, sizeof(*lc->qflows));
	if (lc->qflows == NULL)
		return -TERN_ENOMEM;
	for (uint32_t i = 0; i < lc->nb_qflows; i++) {
		struct gen_qflow *q = &lc->qflows[i];
		uint8_t cid[GEN_CID_LEN];

		make_cid(lc->first_flow + i * lc->stride, cid);
		rc = tern_lab_keys_create(lc->ctx, TERN_QUIC_V1, gen_conf.cipher_suite,
					  gen_conf.seed, cid, sizeof(cid), false, &q->rx_cur,
					  &q->tx_cur);
		if (rc == 0)
			rc = tern_quic_keys_next(lc->ctx, q->rx_cur, &q->rx_next);
		if (rc == 0)
			rc = tern_quic_keys_next(lc->ctx, q->tx_cur, &q->tx_next);
		if (rc != 0) {
			GEN_LOG(ERR, "lab keys for flow %u: %s\n", lc->first_flow + i * lc->stride,
				tern_strerror(rc));
			return rc;
		}
		q->rx_largest_pn = -1;
	}
	GEN_LOG(INFO, "lcore %u: %u QUIC connections keyed (%s)\n", lc->lcore_id, lc->nb_qflows,
		tern_crypto_ctx_describe(lc->ctx));
	return 0;
}

void
gen_quic_free(struct gen_lcore *lc)
{
	if (lc->qflows != NULL)
		for (uint32_t i = 0; i < lc->nb_qflows; i++)
			qflow_free(&lc->qflows[i]);
	free(lc->qflows);
	lc->qflows = NULL;
	tern_crypto_ctx_free(lc->ctx);
	lc->ctx = NULL;
}

uint16_t
gen_quic_build(struct gen_lcore *lc, uint16_t n, uint64_t now)
{
	struct tern_quic_tx_pkt tx[APP_BURST_MAX];
	struct rte_mbuf **m = lc->pend;
	const size_t plain_len = gen_conf.size - GEN_QUIC_HDR_LEN - TERN_AEAD_TAG_LEN;

	if (lc->nb_qflows == 0)
		return 0;
	if (rte_pktmbuf_alloc_bulk(lc->pool, m, n) != 0) {
		APP_STAT_ADD(lc->st.no_mbuf, n);
		return 0;
	}
	for (uint16_t i = 0; i < n; i++) {
		uint32_t flow = lc->next_flow;
		struct gen_qflow *q = qflow_of(lc, flow);
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(
			m[i], (uint16_t)(GEN_HDRS_LEN + gen_conf.size));
		uint8_t *pkt = p + GEN_HDRS_LEN;
		uint8_t *plain = pkt + GEN_QUIC_HDR_LEN;

		lc->next_flow += lc->stride;
		if (lc->next_flow >= gen_conf.flows)
			lc->next_flow = lc->first_flow;
		gen_write_l2l3(lc, p, flow, (uint16_t)gen_conf.size);

		/* RFC 9000 17.3.1: fixed bit, key phase, 4-byte packet number. */
		pkt[0] = (uint8_t)(0x40 | (tern_quic_keys_phase(q->tx_cur) << 2) | 0x03);
		make_cid(flow, &pkt[1]);
		uint32_t pn_be = rte_cpu_to_be_32((uint32_t)q->tx_pn);
		memcpy(&pkt[1 + GEN_CID_LEN], &pn_be, 4);

		struct gen_payload_hdr h = {
			.magic = GEN_MAGIC, .flow = flow, .seq = lc->seq, .tsc = now};
		plain[0] = GEN_QUIC_FRAME_DATAGRAM;
		memcpy(&plain[1], &h, sizeof(h));
		for (size_t k = 1 + sizeof(h); k < plain_len; k++)
			plain[k] = gen_fill_byte(lc->seq, k);
		lc->seq++;

		tx[i] = (struct tern_quic_tx_pkt){
			.keys = q->tx_cur,
			.hdr = pkt,
			.payload = plain,
			.buf = pkt,
			.pn = q->tx_pn,
			.hdr_len = GEN_QUIC_HDR_LEN,
			.payload_len = plain_len,
			.cap = gen_conf.size,
		};
		q->tx_pn++;
	}
	uint16_t ok = tern_quic_protect_burst(lc->ctx, tx, n);
	if (gen_conf.tamper_every != 0) {
		/* Flip one ciphertext bit: tern must drop the packet as an
		 * authentication failure (RFC 9001 5.3), never echo it. */
		for (uint16_t i = 0; i < n; i++) {
			if (tx[i].status != 0 || ++lc->tamper_count < gen_conf.tamper_every)
				continue;
			lc->tamper_count = 0;
			tx[i].buf[GEN_QUIC_HDR_LEN + 1 + (lc->seq % 16)] ^= 0x01;
			APP_STAT_ADD(lc->st.tampered, 1);
		}
	}
	if (ok == n)
		return n;
	/* Should not happen (sizes are checked at start-up): keep the good ones. */
	uint16_t kept = 0;
	for (uint16_t i = 0; i < n; i++) {
		if (tx[i].status == 0)
			m[kept++] = m[i];
		else {
			rte_pktmbuf_free(m[i]);
			APP_STAT_ADD(lc->st.bad_replies, 1);
		}
	}
	return kept;
}

/* RFC 9001 6.2: a reply in the new phase authenticated: the server
 * followed; the old receive keys stay one more generation for late packets. */
static void
rx_switch(struct gen_lcore *lc, struct gen_qflow *q, uint64_t now)
{
	struct tern_quic_keys *after = NULL;

	if (tern_quic_keys_next(lc->ctx, q->rx_next, &after) != 0)
		return; /* keep the current view; the next reply retries */
	tern_quic_keys_free(q->rx_prev);
	q->rx_prev = q->rx_cur;
	q->rx_cur = q->rx_next;
	q->rx_next = after;
	q->rx_gen++;
	/* RFC 9001 6.5: the peer may still hold the old keys for ~3 PTO and
	 * could not tell our next phase from its previous one meanwhile. */
	q->ku_ok_tsc = now + lc->ku_gap_cycles;
	APP_STAT_ADD(lc->st.peer_key_phase, 1);
}

void
gen_quic_rx(struct gen_lcore *lc, struct rte_mbuf **pkts, uint16_t n, uint64_t now)
{
	struct tern_quic_rx_pkt rx[APP_BURST_MAX];
	struct gen_qflow *qf[APP_BURST_MAX];
	uint32_t flows[APP_BURST_MAX];
	const size_t plain_len = gen_conf.size - GEN_QUIC_HDR_LEN - TERN_AEAD_TAG_LEN;
	uint16_t nb = 0;

	for (uint16_t i = 0; i < n; i++) {
		size_t len;
		uint8_t *pkt = (uint8_t *)(uintptr_t)gen_udp_payload(pkts[i], &len);

		/* Short header with the fixed bit (RFC 9000 17.3.1), our CID. */
		if (pkt == NULL || len < GEN_QUIC_HDR_LEN + 1 + TERN_AEAD_TAG_LEN ||
		    (pkt[0] & 0xc0) != 0x40) {
			APP_STAT_ADD(lc->st.not_ours, 1);
			continue;
		}
		uint32_t flow = cid_flow(&pkt[1]);
		struct gen_qflow *q = flow == UINT32_MAX ? NULL : qflow_of(lc, flow);
		if (q == NULL) {
			APP_STAT_ADD(lc->st.not_ours, 1);
			continue;
		}
		qf[nb] = q;
		flows[nb] = flow;
		rx[nb] = (struct tern_quic_rx_pkt){
			.keys = q->rx_cur,
			/* After our flip the server may answer in the next phase;
			 * otherwise the other phase can only be a late old packet. */
			.alt_keys = q->tx_gen > q->rx_gen ? q->rx_next : q->rx_prev,
			.pkt = pkt,
			.pkt_len = len,
			.pn_offset = 1 + GEN_CID_LEN,
			.largest_pn = q->rx_largest_pn,
		};
		nb++;
	}
	if (nb == 0)
		return;
	(void)tern_quic_unprotect_burst(lc->ctx, rx, nb);
	for (uint16_t i = 0; i < nb; i++) {
		struct gen_qflow *q = qf[i];
		struct gen_payload_hdr h;

		if (rx[i].status != 0) {
			APP_STAT_ADD(lc->st.auth_failures, 1);
			continue;
		}
		if (rx[i].key_phase != (q->rx_gen & 1) && q->tx_gen > q->rx_gen)
			rx_switch(lc, q, now);
		if ((int64_t)rx[i].pn > q->rx_largest_pn)
			q->rx_largest_pn = (int64_t)rx[i].pn;

		const uint8_t *pl = rx[i].payload;
		bool ok = rx[i].payload_len == plain_len && pl[0] == GEN_QUIC_FRAME_DATAGRAM;
		if (ok) {
			memcpy(&h, &pl[1], sizeof(h));
			ok = h.magic == GEN_MAGIC && h.flow == flows[i] && h.tsc <= now;
		}
		for (size_t k = 1 + sizeof(h); ok && k < plain_len; k++)
			ok = pl[k] == gen_fill_byte(h.seq, k);
		if (!ok) {
			APP_STAT_ADD(lc->st.bad_replies, 1);
			continue;
		}
		app_hist_record(&lc->hist, now - h.tsc);
		APP_STAT_ADD(lc->st.replies, 1);
	}
}

void
gen_quic_key_updates(struct gen_lcore *lc, uint64_t now)
{
	double t = (double)now;

	if (t < lc->next_ku || lc->nb_qflows == 0)
		return;
	if (t - lc->next_ku > 100 * lc->ku_interval)
		lc->next_ku = t; /* after a stall, do not flip a backlog at once */
	lc->next_ku += lc->ku_interval;
	/* Next connection whose previous update is confirmed (RFC 9001 6.1). */
	for (unsigned tries = 0; tries < 16; tries++) {
		struct gen_qflow *q = &lc->qflows[lc->next_ku_flow];
		if (++lc->next_ku_flow >= lc->nb_qflows)
			lc->next_ku_flow = 0;
		if (q->tx_gen != q->rx_gen || q->tx_next == NULL || now < q->ku_ok_tsc)
			continue;
		struct tern_quic_keys *after = NULL;
		if (tern_quic_keys_next(lc->ctx, q->tx_next, &after) != 0)
			return;
		tern_quic_keys_free(q->tx_cur);
		q->tx_cur = q->tx_next;
		q->tx_next = after;
		q->tx_gen++;
		APP_STAT_ADD(lc->st.key_updates, 1);
		return;
	}
}
