/* SPDX-License-Identifier: Apache-2.0 */
/*
 * quic-echo mode: a BENCHMARK of the QUIC 1-RTT data path, not a QUIC
 * server. Connections are keyed by the lab keying (include/tern/lab_keys.h:
 * every key follows from a shared seed and the connection ID), installed in
 * the workers' key tables through the control thread exactly as handshakes
 * will install them later. Each worker unprotects a burst of short-header
 * packets (header protection + AEAD), and sends each payload back to its
 * sender protected with the server keys of the same connection.
 *
 * Wire conventions shared with tern-gen --quic: Ethernet/IPv4/UDP, 8-byte
 * connection IDs, the reply uses the request's CID as its DCID (lab
 * convention: one CID names the connection both ways) and a 4-byte packet
 * number. Frames go back through the same port with addresses and ports
 * swapped (a reflector; ARP/ICMP are the net stack's job, not this mode's).
 *
 * Key update (RFC 9001 6): the table state carries the next receive keys
 * before the peer needs them. A packet in the other phase is tried with the
 * previous keys while the control thread still keeps them (late packets,
 * RFC 9001 6.5), otherwise with the next keys; if those authenticate, the
 * worker switches (tern_keystate_view() local generation), answers with the
 * next send keys (RFC 9001 6.2) and reports the flip to the control thread,
 * which publishes the generation after and retires the old keys later.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_udp.h>

#include <openssl/crypto.h>

#include <tern/control.h>
#include <tern/crypto.h>
#include <tern/error.h>
#include <tern/keytable.h>
#include <tern/lab_keys.h>
#include <tern/quic_packet.h>

#include "dataplane/cursor.h"
#include "tern.h"

RTE_LOG_REGISTER_SUFFIX(tern_logtype_qe, quic_echo, INFO);
#define QE_LOG(level, ...)                                                                         \
	rte_log(RTE_LOG_##level, tern_logtype_qe, "tern: quic-echo: " __VA_ARGS__)

#define QE_CID_LEN 8
#define QE_PN_LEN  4
#define QE_HDR_LEN (1 + QE_CID_LEN + QE_PN_LEN)
#define QE_L2L4_LEN                                                                                \
	(sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_udp_hdr))
/* Phase reports that found the ring full, retried on the next bursts. */
#define QE_REPORT_RETRY_MAX 64

struct qe_lcore {
	struct tern_crypto_ctx *ctx;
	struct tern_keytable *table;
	unsigned reader_id;
	uint16_t nb_retry;
	struct {
		struct tern_keytable_cid cid;
		uint64_t generation;
	} retry[QE_REPORT_RETRY_MAX];
};

static struct {
	struct tern_keytable **tables;
	struct tern_ctrl *ctrl;
	unsigned nb_tables;
	uint64_t install_cycles;
} qe;

/* --- Set-up (main lcore) -------------------------------------------------- */

static void
lab_cid(uint32_t conn, struct tern_keytable_cid *k)
{
	uint8_t cid[QE_CID_LEN] = {'t', 'g', 0, 0};
	uint32_t be = rte_cpu_to_be_32(conn);

	memcpy(&cid[4], &be, sizeof(be));
	(void)tern_keytable_cid_set(k, cid, sizeof(cid));
}

static void
qe_fini(void)
{
	tern_ctrl_free(qe.ctrl);
	qe.ctrl = NULL;
	for (unsigned i = 0; i < qe.nb_tables && qe.tables != NULL; i++)
		tern_keytable_free(qe.tables[i]);
	free(qe.tables);
	qe.tables = NULL;
	qe.nb_tables = 0;
}

static int
install_all(void)
{
	const struct tern_quic_opts *o = &tern_app.quic;
	uint8_t cs[TERN_HASH_MAX_LEN], ss[TERN_HASH_MAX_LEN];
	size_t slen;
	int rc = 0;

	for (uint32_t conn = 0; conn < o->conns && rc == 0 && !app_signal_quit; conn++) {
		struct tern_keytable_cid cid;
		unsigned worker = conn % qe.nb_tables;

		lab_cid(conn, &cid);
		rc = tern_lab_secrets(o->seed, o->suite, cid.bytes, cid.len, cs, ss, &slen);
		if (rc != 0)
			break;
		/* The server receives with the client secret, sends with its own. */
		for (unsigned spins = 0;; spins++) {
			rc = tern_ctrl_install_secrets(qe.ctrl, worker, &cid, TERN_QUIC_V1,
						       o->suite, cs, ss, slen, conn);
			if (rc != -TERN_ENOBUFS || spins > 200000 || app_signal_quit)
				break;
			rte_delay_us_sleep(100); /* request ring full: let it drain */
		}
	}
	OPENSSL_cleanse(cs, sizeof(cs));
	OPENSSL_cleanse(ss, sizeof(ss));
	return rc;
}

static int
qe_init(void)
{
	const struct tern_quic_opts *o = &tern_app.quic;
	uint64_t t0 = rte_rdtsc();
	int rc;

	qe.nb_tables = tern_app.nb_lcores;
	qe.tables = calloc(qe.nb_tables, sizeof(*qe.tables));
	if (qe.tables == NULL)
		return -TERN_ENOMEM;
	for (unsigned i = 0; i < qe.nb_tables; i++) {
		char name[24];
		snprintf(name, sizeof(name), "tern_kt%u", i);
		struct tern_keytable_params kp = {
			.name = name,
			.capacity = o->conns / qe.nb_tables + TERN_KEYTABLE_CAPACITY_MIN,
			.socket_id = (int)rte_lcore_to_socket_id(tern_app.lcores[i].lcore_id),
			.max_readers = 1,
		};
		rc = tern_keytable_create(&kp, &qe.tables[i]);
		if (rc != 0) {
			QE_LOG(ERR, "key table %u: %s\n", i, tern_strerror(rc));
			qe_fini();
			return rc;
		}
	}
	struct tern_ctrl_params cp = {
		.name = "tern",
		.n_workers = qe.nb_tables,
		.tables = qe.tables,
		.ring_size = 4096,
		.key_retire_ns = (uint64_t)o->key_retire_ms * 1000000u,
		.backend = TERN_CRYPTO_BACKEND_AUTO,
		.socket_id = (int)rte_socket_id(),
	};
	rc = tern_ctrl_create(&cp, &qe.ctrl);
	if (rc == 0)
		rc = tern_ctrl_start(qe.ctrl);
	if (rc != 0) {
		QE_LOG(ERR, "control thread: %s\n", tern_strerror(rc));
		qe_fini();
		return rc;
	}
	QE_LOG(NOTICE,
	       "this is a BENCHMARK mode: %u connections keyed from the lab seed "
	       "(include/tern/lab_keys.h), no handshake\n",
	       o->conns);
	rc = install_all();
	if (rc != 0) {
		QE_LOG(ERR, "install: %s\n", tern_strerror(rc));
		qe_fini();
		return rc;
	}
	/* Wait (bounded) until the control thread has installed them all. */
	uint64_t deadline = rte_rdtsc() + 120 * tern_app.tsc_hz;
	for (;;) {
		uint64_t have = 0, errors = 0;
		for (unsigned i = 0; i < qe.nb_tables; i++) {
			struct tern_ctrl_worker_stats ws;
			if (tern_ctrl_worker_stats_get(qe.ctrl, i, &ws) == 0) {
				have += ws.conns;
				errors += ws.errors;
			}
		}
		if (have + errors >= o->conns) {
			if (errors != 0) {
				QE_LOG(ERR, "%" PRIu64 " installs failed\n", errors);
				qe_fini();
				return -TERN_EINTERNAL;
			}
			break;
		}
		if (rte_rdtsc() > deadline || app_signal_quit) {
			QE_LOG(ERR, "only %" PRIu64 " of %u connections installed\n", have,
			       o->conns);
			qe_fini();
			return -TERN_EAGAIN;
		}
		rte_delay_us_sleep(1000);
	}
	qe.install_cycles = rte_rdtsc() - t0;
	printf("tern: quic-echo: %u connections installed on %u worker(s) in %.2f s\n", o->conns,
	       qe.nb_tables, (double)qe.install_cycles / (double)tern_app.tsc_hz);
	fflush(stdout);
	return 0;
}

/* --- Worker ---------------------------------------------------------------- */

static int
qe_lcore_init(struct tern_lcore *lc)
{
	struct qe_lcore *q = rte_zmalloc_socket("qe_lcore", sizeof(*q), RTE_CACHE_LINE_SIZE,
						(int)rte_socket_id());
	if (q == NULL)
		return -TERN_ENOMEM;
	int rc = tern_crypto_ctx_create(TERN_CRYPTO_BACKEND_AUTO, &q->ctx);
	if (rc != 0) {
		rte_free(q);
		return rc;
	}
	q->table = qe.tables[lc->idx];
	q->reader_id = 0;
	rc = tern_keytable_reader_register(q->table, q->reader_id);
	if (rc != 0) {
		tern_crypto_ctx_free(q->ctx);
		rte_free(q);
		return rc;
	}
	lc->priv = q;
	return 0;
}

static void
qe_lcore_fini(struct tern_lcore *lc)
{
	struct qe_lcore *q = lc->priv;

	if (q == NULL)
		return;
	tern_keytable_reader_unregister(q->table, q->reader_id);
	tern_crypto_ctx_free(q->ctx);
	rte_free(q);
	lc->priv = NULL;
}

static void
report_phase(struct tern_lcore *lc, struct qe_lcore *q, const struct tern_keytable_cid *cid,
	     uint64_t generation)
{
	if (tern_ctrl_worker_report_phase(qe.ctrl, lc->idx, cid, generation) == 0)
		return;
	if (q->nb_retry < QE_REPORT_RETRY_MAX) {
		q->retry[q->nb_retry].cid = *cid;
		q->retry[q->nb_retry].generation = generation;
		q->nb_retry++;
	}
}

static void
retry_reports(struct tern_lcore *lc, struct qe_lcore *q)
{
	uint16_t kept = 0;

	for (uint16_t i = 0; i < q->nb_retry; i++)
		if (tern_ctrl_worker_report_phase(qe.ctrl, lc->idx, &q->retry[i].cid,
						  q->retry[i].generation) != 0)
			q->retry[kept++] = q->retry[i];
	q->nb_retry = kept;
}

/*
 * Find the QUIC packet in a frame: Ethernet II, IPv4 without options, UDP,
 * then a short header with the fixed bit (RFC 9000 17.3.1).
 * @return the drop reason, or TERN_DROP_COUNT if the frame is usable.
 */
static enum tern_drop
parse_frame(struct rte_mbuf *m, uint8_t **pkt, size_t *pkt_len)
{
	struct tern_rcursor c;
	uint16_t ethertype, udp_len;
	uint8_t vhl, proto, first;

	if (!rte_pktmbuf_is_contiguous(m))
		return TERN_DROP_MALFORMED;
	tern_rcursor_init(&c, rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m));
	if (!tern_rcursor_skip(&c, 12) || !tern_rcursor_u16(&c, &ethertype))
		return TERN_DROP_MALFORMED;
	if (ethertype != RTE_ETHER_TYPE_IPV4)
		return TERN_DROP_NOT_QUIC;
	if (!tern_rcursor_u8(&c, &vhl) || !tern_rcursor_skip(&c, 8) ||
	    !tern_rcursor_u8(&c, &proto) || !tern_rcursor_skip(&c, 10))
		return TERN_DROP_MALFORMED;
	if (vhl != RTE_IPV4_VHL_DEF || proto != IPPROTO_UDP)
		return TERN_DROP_NOT_QUIC;
	if (!tern_rcursor_skip(&c, 4) || !tern_rcursor_u16(&c, &udp_len) ||
	    !tern_rcursor_skip(&c, 2))
		return TERN_DROP_MALFORMED;
	if (udp_len < sizeof(struct rte_udp_hdr) ||
	    udp_len - sizeof(struct rte_udp_hdr) > tern_rcursor_left(&c))
		return TERN_DROP_MALFORMED;
	*pkt_len = udp_len - sizeof(struct rte_udp_hdr);
	if (*pkt_len < QE_HDR_LEN + TERN_AEAD_TAG_LEN)
		return TERN_DROP_NOT_QUIC;
	first = tern_rcursor_ptr(&c)[0];
	if ((first & 0xc0) != 0x40)
		return TERN_DROP_NOT_QUIC;
	*pkt = rte_pktmbuf_mtod_offset(m, uint8_t *, QE_L2L4_LEN);
	return TERN_DROP_COUNT;
}

/* Turn the request frame into the reply frame's L2-L4 headers, in place. */
static void
reflect_headers(struct rte_mbuf *m, size_t pkt_len)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	struct rte_ether_addr ea = eth->dst_addr;
	rte_be32_t a = ip->src_addr;
	rte_be16_t p = udp->src_port;

	eth->dst_addr = eth->src_addr;
	eth->src_addr = ea;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = a;
	udp->src_port = udp->dst_port;
	udp->dst_port = p;
	/* Lengths are unchanged (same-size reply), so is the IPv4 checksum
	 * (swapping addresses keeps the one's complement sum). The payload is
	 * new: UDP checksum 0, allowed over IPv4 (RFC 768). */
	udp->dgram_cksum = 0;
	/* The frame may have carried Ethernet padding: trim to the datagram. */
	uint32_t want = (uint32_t)(QE_L2L4_LEN + pkt_len);
	if (rte_pktmbuf_pkt_len(m) > want)
		(void)rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - want));
}

static uint16_t
qe_burst(struct tern_lcore *lc, const struct tern_stream *s)
{
	struct qe_lcore *q = lc->priv;
	struct rte_mbuf *pkts[APP_BURST_MAX];
	struct tern_keytable_cid cids[APP_BURST_MAX];
	struct tern_keytable_entry *ents[APP_BURST_MAX];
	struct tern_quic_rx_pkt rx[APP_BURST_MAX];
	struct tern_quic_tx_pkt tx[APP_BURST_MAX];
	struct rte_mbuf *ok_m[APP_BURST_MAX];
	struct tern_keytable_entry *ok_e[APP_BURST_MAX];
	const struct tern_quic_keys *used_alt[APP_BURST_MAX];
	const struct tern_keystate *states[APP_BURST_MAX];
	uint64_t drops[TERN_DROP_COUNT] = {0};
	struct rte_mbuf *host_m[APP_BURST_MAX];
	uint64_t bytes = 0;
	uint16_t n, nv = 0, nr = 0, nok = 0, nh = 0;

	n = rte_eth_rx_burst(s->rx_port, s->rx_queue, pkts, lc->burst);
	if (q->nb_retry != 0)
		retry_reports(lc, q);
	if (n == 0) {
		/* Idle: still let the control thread reclaim retired keys. */
		tern_keytable_quiescent(q->table, q->reader_id);
		return 0;
	}

	/* 1. Parse and classify. */
	for (uint16_t i = 0; i < n; i++) {
		uint8_t *pkt;
		size_t len;
		bytes += rte_pktmbuf_pkt_len(pkts[i]);
		enum tern_drop why = parse_frame(pkts[i], &pkt, &len);
		if (why == TERN_DROP_NOT_QUIC && lc->net[s->rx_port] != NULL) {
			host_m[nh++] = pkts[i]; /* ARP, ping, NDP: the host stack's */
			continue;
		}
		if (why != TERN_DROP_COUNT) {
			drops[why]++;
			rte_pktmbuf_free(pkts[i]);
			continue;
		}
		(void)tern_keytable_cid_set(&cids[nv], pkt + 1, QE_CID_LEN);
		rx[nv].pkt = pkt;
		rx[nv].pkt_len = len;
		pkts[nv++] = pkts[i];
	}
	APP_STAT_ADD(lc->st.rx_pkts, n);
	APP_STAT_ADD(lc->st.rx_bytes, bytes);
	(void)tern_host_rx(lc, s->rx_port, host_m, nh);

	/* 2. Look the connections up in one bulk call. */
	if (nv != 0)
		(void)tern_keytable_lookup_bulk(q->table, cids, nv, ents);
	/*
	 * With thousands of connections everything a packet needs is cold and
	 * reached through a chain of pointers (entry -> key state -> key
	 * objects -> key material). Each pass below prefetches the next link
	 * for the whole burst, so the misses of a burst overlap instead of
	 * stalling one by one.
	 */
	for (uint16_t i = 0; i < nv; i++)
		if (ents[i] != NULL) {
			rte_prefetch0(ents[i]);
			rte_prefetch0(tern_keytable_entry_conn(ents[i]));
		}
	for (uint16_t i = 0; i < nv; i++)
		if (ents[i] != NULL)
			rte_prefetch0(tern_keytable_entry_state(ents[i]));
	for (uint16_t i = 0; i < nv; i++) {
		struct tern_keyview v;
		if (ents[i] == NULL) {
			drops[TERN_DROP_NO_KEY]++;
			rte_pktmbuf_free(pkts[i]);
			continue;
		}
		const struct tern_keystate *st = tern_keytable_entry_state(ents[i]);
		struct tern_keytable_conn *conn = tern_keytable_entry_conn(ents[i]);
		if (tern_keystate_view(st, conn, &v) != 0) {
			drops[TERN_DROP_NO_KEY]++;
			rte_pktmbuf_free(pkts[i]);
			continue;
		}
		/* The key objects: read by the unprotect and protect bursts. */
		rte_prefetch0(v.rx_cur);
		rte_prefetch0(v.tx_cur);
		/* The other phase: by packet number, late packets of the previous
		 * generation while its keys are kept, else the peer's next update
		 * (RFC 9001 6.5). */
		/* Field by field: the inputs only (tern_quic_unprotect_burst()
		 * sets every output); a compound literal would zero the whole
		 * struct first (a rep stos per packet). */
		rx[nr].pkt = rx[i].pkt;
		rx[nr].pkt_len = rx[i].pkt_len;
		rx[nr].keys = v.rx_cur;
		rx[nr].alt_keys = v.rx_next;
		rx[nr].prev_keys = v.rx_prev;
		rx[nr].phase_start_pn = conn->phase_start_pn;
		rx[nr].pn_offset = 1 + QE_CID_LEN;
		rx[nr].largest_pn = conn->rx_largest_pn;
		used_alt[nr] = v.rx_next;
		states[nr] = st;
		ents[nr] = ents[i];
		pkts[nr++] = pkts[i];
	}

	/* 3. Unprotect the burst (header protection + AEAD). */
	if (nr != 0) {
		uint16_t good = tern_quic_unprotect_burst(q->ctx, rx, nr);
		APP_STAT_ADD(lc->st.crypto_ops, nr);
		APP_STAT_ADD(lc->st.crypto_fail, (uint64_t)(nr - good));
	}
	for (uint16_t i = 0; i < nr; i++) {
		struct tern_keytable_conn *conn = tern_keytable_entry_conn(ents[i]);
		if (rx[i].status != 0) {
			conn->rx_auth_fail++;
			drops[TERN_DROP_AUTH]++;
			rte_pktmbuf_free(pkts[i]);
			continue;
		}
		/* RFC 9001 6.2: the peer's new phase authenticated with the next
		 * keys: switch (once, also if the burst holds more of them). */
		uint64_t gen = conn->local_generation;
		bool late = rx[i].prev_keys != NULL && rx[i].pn < rx[i].phase_start_pn;
		if (used_alt[i] != NULL && !late && rx[i].key_phase != (gen & 1) &&
		    gen == states[i]->generation) {
			conn->local_generation = gen + 1;
			conn->phase_start_pn = rx[i].pn;
			conn->key_updates++;
			APP_STAT_ADD(lc->st.key_updates, 1);
			report_phase(lc, q, &states[i]->cid, gen + 1);
		}
		if (rx[i].key_phase == (conn->local_generation & 1) &&
		    rx[i].pn < conn->phase_start_pn)
			conn->phase_start_pn = rx[i].pn; /* reordered within the phase */
		if ((int64_t)rx[i].pn > conn->rx_largest_pn)
			conn->rx_largest_pn = (int64_t)rx[i].pn;
		conn->rx_pkts++;
		rx[nok] = rx[i];
		states[nok] = states[i];
		ok_e[nok] = ents[i];
		ok_m[nok++] = pkts[i];
	}

	/* 4. Echo: same payload, server keys of the connection's current view. */
	uint16_t np = 0;
	for (uint16_t i = 0; i < nok; i++) {
		struct tern_keytable_conn *conn = tern_keytable_entry_conn(ok_e[i]);
		struct tern_keyview v;
		uint8_t *pkt = rx[i].pkt;
		size_t plen = rx[i].payload_len;

		/* Replies always carry a 4-byte packet number; a request with a
		 * shorter one grows by the difference (RFC 9000 17.1). */
		if (rx[i].pn_len != QE_PN_LEN) {
			uint16_t grow = (uint16_t)(QE_PN_LEN - rx[i].pn_len);
			if (rte_pktmbuf_append(ok_m[i], grow) == NULL) {
				drops[TERN_DROP_NO_MBUF]++;
				rte_pktmbuf_free(ok_m[i]);
				continue;
			}
			memmove(pkt + QE_HDR_LEN, rx[i].payload, plen);
		}
		(void)tern_keystate_view(states[i], conn, &v);
		uint64_t pn = conn->tx_next_pn++;
		uint32_t pn_be = rte_cpu_to_be_32((uint32_t)pn);
		pkt[0] = (uint8_t)(0x40 | (v.key_phase << 2) | (QE_PN_LEN - 1));
		memcpy(pkt + 1 + QE_CID_LEN, &pn_be, QE_PN_LEN);
		conn->tx_pkts++;
		/* Inputs only (see the rx fill above). */
		tx[np].keys = v.tx_cur;
		tx[np].hdr = pkt;
		tx[np].payload = pkt + QE_HDR_LEN;
		tx[np].buf = pkt;
		tx[np].pn = pn;
		tx[np].hdr_len = QE_HDR_LEN;
		tx[np].payload_len = plen;
		tx[np].cap = QE_HDR_LEN + plen + TERN_AEAD_TAG_LEN;
		ok_m[np++] = ok_m[i];
	}
	uint16_t sealed = np != 0 ? tern_quic_protect_burst(q->ctx, tx, np) : 0;
	APP_STAT_ADD(lc->st.crypto_ops, np);
	APP_STAT_ADD(lc->st.crypto_fail, (uint64_t)(np - sealed));
	/* Every key pointer of this burst is dead from here on. */
	tern_keytable_quiescent(q->table, q->reader_id);

	uint16_t nt = 0;
	for (uint16_t i = 0; i < np; i++) {
		struct rte_mbuf *m = ok_m[i];
		if (tx[i].status != 0) {
			drops[TERN_DROP_NO_MBUF]++;
			rte_pktmbuf_free(m);
			continue;
		}
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
								  sizeof(struct rte_ether_hdr));
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
		uint16_t udp_len = (uint16_t)(sizeof(*udp) + tx[i].pkt_len);
		if (udp->dgram_len != rte_cpu_to_be_16(udp_len)) {
			ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + udp_len));
			ip->hdr_checksum = 0;
			ip->hdr_checksum = rte_ipv4_cksum(ip);
			udp->dgram_len = rte_cpu_to_be_16(udp_len);
		}
		reflect_headers(m, tx[i].pkt_len);
		pkts[nt++] = m;
	}
	for (unsigned d = 0; d < TERN_DROP_COUNT; d++)
		if (drops[d] != 0)
			APP_STAT_ADD(lc->st.drops[d], drops[d]);
	if (nt != 0)
		(void)tern_tx_burst(lc, s, pkts, nt);
	return n;
}

static void
qe_show_keys(FILE *f)
{
	if (qe.ctrl == NULL) {
		fprintf(f, "no key table (quic-echo is not running)\n");
		return;
	}
	fprintf(f, "%-7s %10s %10s %10s %10s %10s %12s %10s\n", "worker", "conns", "installs",
		"updates", "retires", "phase-ev", "prev-dropped", "pending");
	for (unsigned i = 0; i < qe.nb_tables; i++) {
		struct tern_ctrl_worker_stats ws;
		if (tern_ctrl_worker_stats_get(qe.ctrl, i, &ws) != 0)
			continue;
		fprintf(f,
			"%-7u %10u %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10" PRIu64
			" %12" PRIu64 " %10" PRIu64 "\n",
			i, ws.conns, ws.installs, ws.updates, ws.retires, ws.phase_events,
			ws.prev_dropped, ws.pending_reclaim);
	}
}

const struct tern_fwd_engine tern_fwd_quic_echo = {
	.name = "quic-echo",
	.help = "BENCHMARK: QUIC 1-RTT echo with lab keys (no handshake): unprotect, echo, "
		"protect; follows key updates",
	.init = qe_init,
	.lcore_init = qe_lcore_init,
	.lcore_fini = qe_lcore_fini,
	.fini = qe_fini,
	.show_keys = qe_show_keys,
	.burst = qe_burst,
};
