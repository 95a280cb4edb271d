/* SPDX-License-Identifier: Apache-2.0 */
#include "dataplane/quic/quic_rangeset.h"

#include <stdlib.h>
#include <string.h>

#include <tern/error.h>

#define RANGESET_FIRST_ALLOC 4

void
tern_quic_rangeset_init(struct tern_quic_rangeset *rs, uint32_t max_ranges)
{
	rs->r = NULL;
	rs->n = 0;
	rs->cap = 0;
	rs->max = max_ranges != 0 ? max_ranges : 1;
}

void
tern_quic_rangeset_free(struct tern_quic_rangeset *rs)
{
	free(rs->r);
	rs->r = NULL;
	rs->n = 0;
	rs->cap = 0;
}

void
tern_quic_rangeset_clear(struct tern_quic_rangeset *rs)
{
	rs->n = 0;
}

/* Index of the first range whose end >= off (ranges touching off included). */
static uint32_t
lower_bound_end(const struct tern_quic_rangeset *rs, uint64_t off)
{
	uint32_t lo = 0, hi = rs->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (rs->r[mid].end < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int
reserve(struct tern_quic_rangeset *rs, uint32_t need)
{
	struct tern_quic_range *nr;
	uint32_t cap;

	if (need <= rs->cap)
		return 0;
	if (need > rs->max)
		return -TERN_ELIMIT;
	cap = rs->cap != 0 ? rs->cap : RANGESET_FIRST_ALLOC;
	while (cap < need)
		cap = cap > UINT32_MAX / 2 ? UINT32_MAX : cap * 2;
	if (cap > rs->max)
		cap = rs->max;
	nr = realloc(rs->r, (size_t)cap * sizeof(*nr));
	if (nr == NULL)
		return -TERN_ENOMEM;
	rs->r = nr;
	rs->cap = cap;
	return 0;
}

int
tern_quic_rangeset_insert(struct tern_quic_rangeset *rs, uint64_t start, uint64_t end)
{
	uint32_t i, j;
	int rc;

	if (start >= end)
		return 0;
	i = lower_bound_end(rs, start);
	/* j: first range that starts after end (not even adjacent). */
	j = i;
	while (j < rs->n && rs->r[j].start <= end)
		j++;
	if (i == j) {
		rc = reserve(rs, rs->n + 1);
		if (rc != 0)
			return rc;
		memmove(&rs->r[i + 1], &rs->r[i], (size_t)(rs->n - i) * sizeof(rs->r[0]));
		rs->r[i].start = start;
		rs->r[i].end = end;
		rs->n++;
		return 0;
	}
	/* Ranges i..j-1 overlap or touch [start, end): fold them into r[i]. */
	if (rs->r[i].start < start)
		start = rs->r[i].start;
	if (rs->r[j - 1].end > end)
		end = rs->r[j - 1].end;
	rs->r[i].start = start;
	rs->r[i].end = end;
	if (j - i > 1) {
		memmove(&rs->r[i + 1], &rs->r[j], (size_t)(rs->n - j) * sizeof(rs->r[0]));
		rs->n -= j - i - 1;
	}
	return 0;
}

void
tern_quic_rangeset_insert_coalesce(struct tern_quic_rangeset *rs, uint64_t start, uint64_t end)
{
	uint32_t i;

	if (start >= end)
		return;
	if (tern_quic_rangeset_insert(rs, start, end) == 0)
		return;
	/* Full (n >= 1 here): widen the new range to reach its nearest
	 * neighbour, so the insert merges instead of adding a range. */
	i = lower_bound_end(rs, start);
	if (i == rs->n) {
		start = rs->r[rs->n - 1].end;
	} else if (i == 0) {
		end = rs->r[0].start;
	} else if (rs->r[i].start - end < start - rs->r[i - 1].end) {
		end = rs->r[i].start;
	} else {
		start = rs->r[i - 1].end;
	}
	(void)tern_quic_rangeset_insert(rs, start, end);
}

int
tern_quic_rangeset_remove(struct tern_quic_rangeset *rs, uint64_t start, uint64_t end)
{
	uint32_t i, j, k;
	int rc;

	if (start >= end)
		return 0;
	/* First range with end > start. */
	i = lower_bound_end(rs, start);
	if (i < rs->n && rs->r[i].end == start)
		i++;
	if (i == rs->n || rs->r[i].start >= end)
		return 0;
	if (rs->r[i].start < start && rs->r[i].end > end) {
		/* Strictly inside one range: split it. */
		rc = reserve(rs, rs->n + 1);
		if (rc != 0)
			return rc;
		memmove(&rs->r[i + 1], &rs->r[i], (size_t)(rs->n - i) * sizeof(rs->r[0]));
		rs->r[i].end = start;
		rs->r[i + 1].start = end;
		rs->n++;
		return 0;
	}
	if (rs->r[i].start < start) {
		rs->r[i].end = start;
		i++;
	}
	/* Ranges i..j-1 are fully covered; r[j] may start inside. */
	j = i;
	while (j < rs->n && rs->r[j].end <= end)
		j++;
	if (j < rs->n && rs->r[j].start < end)
		rs->r[j].start = end;
	k = j - i;
	if (k != 0) {
		memmove(&rs->r[i], &rs->r[j], (size_t)(rs->n - j) * sizeof(rs->r[0]));
		rs->n -= k;
	}
	return 0;
}

void
tern_quic_rangeset_remove_below(struct tern_quic_rangeset *rs, uint64_t off)
{
	uint32_t i = 0;

	while (i < rs->n && rs->r[i].end <= off)
		i++;
	if (i != 0) {
		memmove(&rs->r[0], &rs->r[i], (size_t)(rs->n - i) * sizeof(rs->r[0]));
		rs->n -= i;
	}
	if (rs->n != 0 && rs->r[0].start < off)
		rs->r[0].start = off;
}

bool
tern_quic_rangeset_contains(const struct tern_quic_rangeset *rs, uint64_t start, uint64_t end)
{
	uint32_t i;

	if (start >= end)
		return true;
	i = lower_bound_end(rs, start);
	if (i < rs->n && rs->r[i].end == start)
		i++;
	return i < rs->n && rs->r[i].start <= start && rs->r[i].end >= end;
}

uint64_t
tern_quic_rangeset_run_end(const struct tern_quic_rangeset *rs, uint64_t off)
{
	uint32_t i = lower_bound_end(rs, off);

	if (i < rs->n && rs->r[i].end == off)
		i++;
	if (i < rs->n && rs->r[i].start <= off)
		return rs->r[i].end;
	return off;
}

uint32_t
tern_quic_rangeset_find(const struct tern_quic_rangeset *rs, uint64_t off)
{
	uint32_t i = lower_bound_end(rs, off);

	if (i < rs->n && rs->r[i].end == off)
		i++;
	return i;
}
