/* SPDX-License-Identifier: Apache-2.0 */
#include "dataplane/quic/quic_fc.h"

#include <tern/error.h>

void
tern_quic_fc_rx_init(struct tern_quic_fc_rx *fc, uint64_t window, uint64_t max_window)
{
	if (window > TERN_QUIC_MAX_VARINT)
		window = TERN_QUIC_MAX_VARINT;
	fc->max = window;
	fc->highest = 0;
	fc->consumed = 0;
	fc->window = window;
	fc->max_window = max_window > window ? max_window : window;
	if (fc->max_window > TERN_QUIC_MAX_VARINT)
		fc->max_window = TERN_QUIC_MAX_VARINT;
	fc->last_update = 0;
}

int
tern_quic_fc_rx_on_data(struct tern_quic_fc_rx *fc, uint64_t end)
{
	if (end > fc->max)
		return -TERN_EPROTO;
	if (end > fc->highest)
		fc->highest = end;
	return 0;
}

void
tern_quic_fc_rx_consume(struct tern_quic_fc_rx *fc, uint64_t n)
{
	fc->consumed += n;
	if (fc->consumed > fc->highest)
		fc->consumed = fc->highest;
}

bool
tern_quic_fc_rx_should_update(const struct tern_quic_fc_rx *fc)
{
	/* Half a window consumed since the last limit (quiche's rule); the
	 * limit never passes the varint range. */
	return fc->max < TERN_QUIC_MAX_VARINT && fc->max - fc->consumed < fc->window / 2;
}

/* The window an update at now would use (pure). */
static uint64_t
tuned_window(const struct tern_quic_fc_rx *fc, uint64_t now, uint64_t srtt)
{
	uint64_t w = fc->window;

	/* Updating again within 2 RTTs means the peer is limited by our
	 * window, not by its application: grow it. */
	if (fc->last_update != 0 && srtt != 0 && now - fc->last_update < 2 * srtt)
		w = w > fc->max_window / 2 ? fc->max_window : w * 2;
	return w;
}

uint64_t
tern_quic_fc_rx_next_max(const struct tern_quic_fc_rx *fc, uint64_t now, uint64_t srtt)
{
	uint64_t w = tuned_window(fc, now, srtt), m;

	m = fc->consumed + w;
	if (m > TERN_QUIC_MAX_VARINT || m < fc->consumed)
		m = TERN_QUIC_MAX_VARINT;
	return m > fc->max ? m : fc->max;
}

void
tern_quic_fc_rx_apply(struct tern_quic_fc_rx *fc, uint64_t max, uint64_t now)
{
	if (max > fc->max) {
		if (max - fc->consumed > fc->window)
			fc->window = max - fc->consumed;
		if (fc->window > fc->max_window)
			fc->window = fc->max_window;
		fc->max = max;
	}
	fc->last_update = now != 0 ? now : 1;
}

uint64_t
tern_quic_fc_rx_update(struct tern_quic_fc_rx *fc, uint64_t now, uint64_t srtt)
{
	uint64_t m = tern_quic_fc_rx_next_max(fc, now, srtt);

	tern_quic_fc_rx_apply(fc, m, now);
	return fc->max;
}

void
tern_quic_fc_rx_ensure_window(struct tern_quic_fc_rx *fc, uint64_t window)
{
	if (window > fc->max_window)
		window = fc->max_window;
	if (window > fc->window)
		fc->window = window;
}

void
tern_quic_fc_tx_init(struct tern_quic_fc_tx *fc, uint64_t max)
{
	fc->max = max;
	fc->used = 0;
	fc->blocked_at = UINT64_MAX;
}

bool
tern_quic_fc_tx_update(struct tern_quic_fc_tx *fc, uint64_t max)
{
	if (max <= fc->max)
		return false;
	fc->max = max;
	return true;
}

bool
tern_quic_fc_tx_blocked(struct tern_quic_fc_tx *fc)
{
	if (fc->blocked_at == fc->max)
		return false;
	fc->blocked_at = fc->max;
	return true;
}
