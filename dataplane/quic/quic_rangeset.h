/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_DATAPLANE_QUIC_RANGESET_H
#define TERN_DATAPLANE_QUIC_RANGESET_H

/**
 * @file
 * A sorted set of disjoint, non-adjacent half-open ranges [start, end) of
 * uint64 offsets, with a fixed maximum number of ranges. Used for received
 * stream data (reassembly), acknowledged stream data and lost stream data.
 *
 * The array is allocated on the first insert and grows by doubling up to the
 * maximum given at init, so an idle set costs no heap memory and a hostile
 * peer cannot make one grow without bound (RFC 9000 21.8). Lookups are
 * binary searches; inserts and removals move at most the ranges above the
 * insertion point.
 *
 * Not thread-safe: one owner (the connection's core).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** One range [start, end); start < end. */
struct tern_quic_range {
	uint64_t start;
	uint64_t end;
};

/** The set. Treat fields as read-only outside quic_rangeset.c. */
struct tern_quic_rangeset {
	struct tern_quic_range *r; /**< n ranges in ascending order */
	uint32_t n;		   /**< ranges in use */
	uint32_t cap;		   /**< ranges allocated */
	uint32_t max;		   /**< most ranges the set may ever hold */
};

/** Initialise an empty set that may hold up to max_ranges (>= 1) ranges. No allocation. */
void tern_quic_rangeset_init(struct tern_quic_rangeset *rs, uint32_t max_ranges);

/** Free the array; the set is empty (and reusable) afterwards. */
void tern_quic_rangeset_free(struct tern_quic_rangeset *rs);

/** Remove every range (keeps the allocation). */
void tern_quic_rangeset_clear(struct tern_quic_rangeset *rs);

/** Number of ranges. */
static inline uint32_t
tern_quic_rangeset_count(const struct tern_quic_rangeset *rs)
{
	return rs->n;
}

/** True if the set holds no range. */
static inline bool
tern_quic_rangeset_empty(const struct tern_quic_rangeset *rs)
{
	return rs->n == 0;
}

/** Range i (0 = lowest); i must be < count. */
static inline struct tern_quic_range
tern_quic_rangeset_at(const struct tern_quic_rangeset *rs, uint32_t i)
{
	return rs->r[i];
}

/**
 * Add [start, end), merging with overlapping and adjacent ranges.
 *
 * @return
 *   0 (also for an empty range), -TERN_ELIMIT if the set would need more
 *   than max ranges, -TERN_ENOMEM if growing failed. On failure the set is
 *   unchanged.
 */
int tern_quic_rangeset_insert(struct tern_quic_rangeset *rs, uint64_t start, uint64_t end);

/**
 * Add [start, end) and never fail: when the set is full (or cannot grow), the
 * new range is joined with its nearest neighbour, so the set then covers a
 * superset of what was inserted. For sets where over-covering is safe (e.g.
 * "lost, retransmit these bytes": sending a byte twice is harmless).
 */
void tern_quic_rangeset_insert_coalesce(struct tern_quic_rangeset *rs, uint64_t start,
					uint64_t end);

/**
 * Remove [start, end) from the set (splitting a range if needed).
 *
 * @return 0, or -TERN_ELIMIT / -TERN_ENOMEM when a split needs a range the
 *   set cannot hold (set unchanged).
 */
int tern_quic_rangeset_remove(struct tern_quic_rangeset *rs, uint64_t start, uint64_t end);

/** Remove everything below off (never fails). */
void tern_quic_rangeset_remove_below(struct tern_quic_rangeset *rs, uint64_t off);

/** True if every offset of [start, end) is in the set (true for an empty range). */
bool tern_quic_rangeset_contains(const struct tern_quic_rangeset *rs, uint64_t start, uint64_t end);

/**
 * End of the contiguous run that starts at off: if off is in a range, that
 * range's end; otherwise off itself (the first gap at or after off is at the
 * returned offset).
 */
uint64_t tern_quic_rangeset_run_end(const struct tern_quic_rangeset *rs, uint64_t off);

/** Index of the first range whose end is above off (count if none): where a scan for off starts. */
uint32_t tern_quic_rangeset_find(const struct tern_quic_rangeset *rs, uint64_t off);

/** Lowest offset in the set; the set must not be empty. */
static inline uint64_t
tern_quic_rangeset_min(const struct tern_quic_rangeset *rs)
{
	return rs->r[0].start;
}

/** One past the highest offset in the set; 0 when empty. */
static inline uint64_t
tern_quic_rangeset_max(const struct tern_quic_rangeset *rs)
{
	return rs->n != 0 ? rs->r[rs->n - 1].end : 0;
}

#ifdef __cplusplus
}
#endif

#endif /* TERN_DATAPLANE_QUIC_RANGESET_H */
