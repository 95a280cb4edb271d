/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Flow control: receive limit enforcement, half-window update rule, window
 * auto-tuning (doubling within 2 RTTs, capped), send credit and the
 * once-per-limit BLOCKED signal.
 */
#include <stdint.h>

#include <tern/error.h>

#include "dataplane/quic/quic_fc.h"
#include "tests/tern_test.h"

#define MS UINT64_C(1000000)

static void
test_rx(void)
{
	struct tern_quic_fc_rx fc;

	tern_quic_fc_rx_init(&fc, 1000, 8000);
	CHECK_EQ(fc.max, 1000);
	CHECK_EQ(tern_quic_fc_rx_on_data(&fc, 1000), 0);
	CHECK_EQ(tern_quic_fc_rx_on_data(&fc, 1001), -TERN_EPROTO);
	CHECK_EQ(fc.highest, 1000);
	CHECK_EQ(tern_quic_fc_rx_on_data(&fc, 10), 0); /* lower end: highest stays */
	CHECK_EQ(fc.highest, 1000);
	CHECK_EQ(tern_quic_fc_rx_avail(&fc), 0);

	tern_quic_fc_rx_consume(&fc, 500);
	CHECK(!tern_quic_fc_rx_should_update(&fc)); /* exactly half left */
	tern_quic_fc_rx_consume(&fc, 1);
	CHECK(tern_quic_fc_rx_should_update(&fc));
	/* first update: no previous one, so no auto-tuning */
	CHECK_EQ(tern_quic_fc_rx_next_max(&fc, 100 * MS, 10 * MS), 1501);
	CHECK_EQ(tern_quic_fc_rx_update(&fc, 100 * MS, 10 * MS), 1501);
	CHECK_EQ(fc.window, 1000);
	CHECK(!tern_quic_fc_rx_should_update(&fc));

	/* consumed again quickly (within 2 RTTs): window doubles */
	CHECK_EQ(tern_quic_fc_rx_on_data(&fc, 1501), 0);
	tern_quic_fc_rx_consume(&fc, 1000);
	CHECK_EQ(fc.consumed, 1501);
	CHECK(tern_quic_fc_rx_should_update(&fc));
	CHECK_EQ(tern_quic_fc_rx_update(&fc, 115 * MS, 10 * MS), 1501 + 2000);
	CHECK_EQ(fc.window, 2000);

	/* slowly (more than 2 RTTs later): window unchanged */
	CHECK_EQ(tern_quic_fc_rx_on_data(&fc, 3501), 0);
	tern_quic_fc_rx_consume(&fc, 2000);
	CHECK_EQ(tern_quic_fc_rx_update(&fc, 200 * MS, 10 * MS), 3501 + 2000);
	CHECK_EQ(fc.window, 2000);

	/* auto-tuning stops at max_window */
	{
		uint64_t now = 300 * MS;
		int i;

		for (i = 0; i < 10; i++) {
			tern_quic_fc_rx_on_data(&fc, fc.max);
			tern_quic_fc_rx_consume(&fc, fc.highest - fc.consumed);
			now += MS;
			tern_quic_fc_rx_update(&fc, now, 10 * MS);
		}
		CHECK_EQ(fc.window, 8000);
		CHECK_EQ(fc.max, fc.consumed + 8000);
	}

	/* consume never passes highest */
	tern_quic_fc_rx_consume(&fc, 1u << 30);
	CHECK_EQ(fc.consumed, fc.highest);

	/* ensure_window grows within the cap */
	tern_quic_fc_rx_init(&fc, 100, 1000);
	tern_quic_fc_rx_ensure_window(&fc, 500);
	CHECK_EQ(fc.window, 500);
	tern_quic_fc_rx_ensure_window(&fc, 5000);
	CHECK_EQ(fc.window, 1000);
	tern_quic_fc_rx_ensure_window(&fc, 10);
	CHECK_EQ(fc.window, 1000);

	/* max_window below window is raised to window: no growth, no shrink */
	tern_quic_fc_rx_init(&fc, 100, 0);
	CHECK_EQ(fc.max_window, 100);
	/* apply never lowers the limit */
	tern_quic_fc_rx_apply(&fc, 50, 1);
	CHECK_EQ(fc.max, 100);
}

static void
test_tx(void)
{
	struct tern_quic_fc_tx fc;

	tern_quic_fc_tx_init(&fc, 100);
	CHECK_EQ(tern_quic_fc_tx_avail(&fc), 100);
	tern_quic_fc_tx_consume(&fc, 100);
	CHECK_EQ(tern_quic_fc_tx_avail(&fc), 0);
	CHECK(tern_quic_fc_tx_blocked(&fc));
	CHECK(!tern_quic_fc_tx_blocked(&fc)); /* once per limit */
	CHECK(!tern_quic_fc_tx_update(&fc, 50));
	CHECK(!tern_quic_fc_tx_update(&fc, 100));
	CHECK_EQ(fc.max, 100);
	CHECK(tern_quic_fc_tx_update(&fc, 150));
	CHECK_EQ(tern_quic_fc_tx_avail(&fc), 50);
	tern_quic_fc_tx_consume(&fc, 50);
	CHECK(tern_quic_fc_tx_blocked(&fc)); /* new limit: blocked again */
	CHECK_EQ(fc.blocked_at, 150);
}

int
main(void)
{
	test_rx();
	test_tx();
	return tern_test_done("test_quic_fc");
}
