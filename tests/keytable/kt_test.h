/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_TESTS_KT_TEST_H
#define TERN_TESTS_KT_TEST_H

/* Shared helpers of the key-table tests: EAL start-up (SKIP if impossible),
 * deterministic CIDs, lab-keyed connections. */

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memory.h>

#include <tern/keytable.h>
#include <tern/lab_keys.h>

#include "tern_test.h"

static const uint8_t kt_seed[TERN_LAB_SEED_LEN] = {0x74, 0x65, 0x72, 0x6e, 0x20, 0x6c, 0x61, 0x62,
						   0x20, 0x74, 0x65, 0x73, 0x74, 0x20, 0x73, 0x65,
						   0x65, 0x64, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05,
						   0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d};

/*
 * 0 on success; otherwise the caller prints SKIP with *why.
 * DPDK 22.11 refuses --in-memory together with --no-huge (which implies
 * --legacy-mem), so parallel test processes are kept apart with --no-shconf
 * and a per-process --file-prefix instead.
 */
static inline int
kt_eal_init(const char *prog, const char **why)
{
	static char buf[160], prefix[64];
	char *argv[] = {(char *)prog,  "--no-huge",	"-m",	"256", "--no-pci",
			"--no-shconf", "--file-prefix", prefix, "-l",  "0-1",
			"--log-level", "lib.eal:error", NULL};
	int argc = (int)(sizeof(argv) / sizeof(argv[0])) - 1;

	snprintf(prefix, sizeof(prefix), "tern-kt-%ld", (long)getpid());
	if (rte_eal_init(argc, argv) < 0) {
		snprintf(buf, sizeof(buf), "rte_eal_init failed: %s", rte_strerror(rte_errno));
		*why = buf;
		return -1;
	}
	return 0;
}

/* CID i: len 1..20 (varies with i when vary_len), bytes from i. */
static inline void
kt_cid(struct tern_keytable_cid *k, uint32_t i, bool vary_len)
{
	uint8_t b[TERN_QUIC_MAX_CID_LEN];
	size_t len = vary_len ? 4 + i % 17 : 8, j;

	for (j = 0; j < sizeof(b); j++)
		b[j] = (uint8_t)((i >> (8 * (j % 4))) ^ (j * 0x3b));
	tern_keytable_cid_set(k, b, len);
}

/*
 * Server-side key set of a lab connection (generation 0 and 1 of both
 * directions), as the control thread would build it.
 */
static inline int
kt_server_keys(struct tern_crypto_ctx *ctx, const struct tern_keytable_cid *cid,
	       struct tern_keytable_keys *k)
{
	int rc;

	memset(k, 0, sizeof(*k));
	rc = tern_lab_keys_create(ctx, TERN_QUIC_V1, TERN_TLS13_AES_128_GCM_SHA256, kt_seed,
				  cid->bytes, cid->len, true, &k->rx_cur, &k->tx_cur);
	if (rc == 0)
		rc = tern_quic_keys_next(ctx, k->rx_cur, &k->rx_next);
	if (rc == 0)
		rc = tern_quic_keys_next(ctx, k->tx_cur, &k->tx_next);
	if (rc != 0) {
		tern_quic_keys_free(k->rx_cur);
		tern_quic_keys_free(k->tx_cur);
		tern_quic_keys_free(k->rx_next);
		memset(k, 0, sizeof(*k));
	}
	return rc;
}

/*
 * Protect a short-header packet with tx (as the peer would), then unprotect
 * it in place with rx/alt. Returns the unprotect status; *gen_seen gets the
 * generation of the keys that opened it via *which (0: rx, 1: alt).
 */
static inline int
kt_roundtrip(struct tern_crypto_ctx *ctx, const struct tern_quic_keys *tx,
	     const struct tern_quic_keys *rx, const struct tern_quic_keys *alt,
	     const struct tern_keytable_cid *cid, uint64_t pn, const uint8_t *msg, size_t msg_len)
{
	uint8_t hdr[1 + TERN_QUIC_MAX_CID_LEN + 4], pkt[256];
	struct tern_quic_tx_pkt tp;
	struct tern_quic_rx_pkt rp;
	size_t hl = 0;

	/* short header: 0b01 spin=0 reserved=00 key_phase pn_len=4 */
	hdr[hl++] = (uint8_t)(0x40 | (tern_quic_keys_phase(tx) << 2) | 0x03);
	memcpy(hdr + hl, cid->bytes, cid->len);
	hl += cid->len;
	hdr[hl++] = (uint8_t)(pn >> 24);
	hdr[hl++] = (uint8_t)(pn >> 16);
	hdr[hl++] = (uint8_t)(pn >> 8);
	hdr[hl++] = (uint8_t)pn;
	memset(&tp, 0, sizeof(tp));
	tp.keys = tx;
	tp.hdr = hdr;
	tp.hdr_len = hl;
	tp.payload = msg;
	tp.payload_len = msg_len;
	tp.buf = pkt;
	tp.cap = sizeof(pkt);
	tp.pn = pn;
	if (tern_quic_protect_burst(ctx, &tp, 1) != 1)
		return tp.status != 0 ? tp.status : -TERN_EINTERNAL;
	memset(&rp, 0, sizeof(rp));
	rp.keys = rx;
	rp.alt_keys = alt;
	rp.pkt = pkt;
	rp.pkt_len = tp.pkt_len;
	rp.pn_offset = 1 + cid->len;
	rp.largest_pn = pn > 0 ? (int64_t)pn - 1 : -1;
	tern_quic_unprotect_burst(ctx, &rp, 1);
	if (rp.status != 0)
		return rp.status;
	if (rp.pn != pn || rp.payload_len != msg_len || memcmp(rp.payload, msg, msg_len) != 0)
		return -TERN_EBADMSG;
	return 0;
}

#endif /* TERN_TESTS_KT_TEST_H */
