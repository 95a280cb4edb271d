/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Packet number encoding length and decoding (RFC 9000 17.1, A.2, A.3).
 */

#include <tern/quic_packet.h>

int
tern_quic_pn_len(uint64_t pn, int64_t largest_acked)
{
	uint64_t unacked;

	if (pn > TERN_QUIC_PN_MAX)
		return -TERN_ERANGE;
	if (largest_acked < 0) {
		unacked = pn + 1;
	} else {
		if ((uint64_t)largest_acked >= pn)
			return -TERN_ERANGE;
		unacked = pn - (uint64_t)largest_acked;
	}
	/*
	 * RFC 9000 17.1: the encoding must cover MORE than twice the
	 * unacknowledged range, i.e. 2 * unacked < 2^bits. (The A.2
	 * pseudocode would allow unacked == 2^(bits-1); the text wins.)
	 */
	if (unacked < (1ULL << 7))
		return 1;
	if (unacked < (1ULL << 15))
		return 2;
	if (unacked < (1ULL << 23))
		return 3;
	return 4;
}

uint64_t
tern_quic_pn_decode(int64_t largest_pn, uint64_t truncated_pn, size_t pn_len)
{
	uint64_t expected, win, hwin, mask, cand;

	if (pn_len < 1)
		pn_len = 1;
	if (pn_len > 4)
		pn_len = 4;
	if (largest_pn < -1)
		largest_pn = -1;
	if (largest_pn > (int64_t)TERN_QUIC_PN_MAX)
		largest_pn = (int64_t)TERN_QUIC_PN_MAX;
	expected = (uint64_t)(largest_pn + 1);
	win = 1ULL << (8 * pn_len);
	hwin = win / 2;
	mask = win - 1;
	cand = (expected & ~mask) | (truncated_pn & mask);
	/* A.3 with the subtraction moved to the other side: no underflow. */
	if (cand + hwin <= expected && cand < (1ULL << 62) - win)
		return cand + win;
	if (cand > expected + hwin && cand >= win)
		return cand - win;
	return cand;
}
