/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_DATAPLANE_CURSOR_H
#define TERN_DATAPLANE_CURSOR_H

/*
 * Bounded reader and writer over caller memory (in the spirit of s2n's
 * stuffer). Every parse of wire bytes in tern goes through these: each read
 * checks the remaining length first, so a malformed length field can never
 * take a parser past the end of what it was given. On failure the cursor is
 * left unchanged and the call returns false.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct tern_rcursor {
	const uint8_t *buf;
	size_t len; /* total bytes readable */
	size_t off; /* bytes consumed */
};

struct tern_wcursor {
	uint8_t *buf;
	size_t cap; /* total bytes writable */
	size_t off; /* bytes written */
};

/* Stands in for a NULL buffer so no NULL + 0 arithmetic ever happens. */
static const uint8_t tern_cursor_empty[1];

static inline void
tern_rcursor_init(struct tern_rcursor *c, const uint8_t *buf, size_t len)
{
	c->buf = buf != NULL ? buf : tern_cursor_empty;
	c->len = buf != NULL ? len : 0;
	c->off = 0;
}

static inline size_t
tern_rcursor_left(const struct tern_rcursor *c)
{
	return c->len - c->off;
}

static inline const uint8_t *
tern_rcursor_ptr(const struct tern_rcursor *c)
{
	return c->buf + c->off;
}

static inline bool
tern_rcursor_skip(struct tern_rcursor *c, size_t n)
{
	if (n > tern_rcursor_left(c))
		return false;
	c->off += n;
	return true;
}

/* Borrow n bytes in place (no copy). */
static inline bool
tern_rcursor_view(struct tern_rcursor *c, size_t n, const uint8_t **p)
{
	if (n > tern_rcursor_left(c))
		return false;
	*p = c->buf + c->off;
	c->off += n;
	return true;
}

static inline bool
tern_rcursor_copy(struct tern_rcursor *c, void *dst, size_t n)
{
	if (n > tern_rcursor_left(c))
		return false;
	if (n != 0)
		memcpy(dst, c->buf + c->off, n);
	c->off += n;
	return true;
}

/* Big-endian unsigned integer of 1..8 bytes. */
static inline bool
tern_rcursor_uint(struct tern_rcursor *c, size_t nbytes, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (nbytes == 0 || nbytes > 8 || nbytes > tern_rcursor_left(c))
		return false;
	for (i = 0; i < nbytes; i++)
		x = (x << 8) | c->buf[c->off + i];
	c->off += nbytes;
	*v = x;
	return true;
}

static inline bool
tern_rcursor_u8(struct tern_rcursor *c, uint8_t *v)
{
	if (tern_rcursor_left(c) < 1)
		return false;
	*v = c->buf[c->off++];
	return true;
}

static inline bool
tern_rcursor_u16(struct tern_rcursor *c, uint16_t *v)
{
	uint64_t x;

	if (!tern_rcursor_uint(c, 2, &x))
		return false;
	*v = (uint16_t)x;
	return true;
}

static inline bool
tern_rcursor_u24(struct tern_rcursor *c, uint32_t *v)
{
	uint64_t x;

	if (!tern_rcursor_uint(c, 3, &x))
		return false;
	*v = (uint32_t)x;
	return true;
}

static inline bool
tern_rcursor_u32(struct tern_rcursor *c, uint32_t *v)
{
	uint64_t x;

	if (!tern_rcursor_uint(c, 4, &x))
		return false;
	*v = (uint32_t)x;
	return true;
}

/* QUIC variable-length integer (RFC 9000 16). */
static inline bool
tern_rcursor_varint(struct tern_rcursor *c, uint64_t *v)
{
	size_t n;
	uint64_t x;

	if (tern_rcursor_left(c) < 1)
		return false;
	n = (size_t)1 << (c->buf[c->off] >> 6);
	if (!tern_rcursor_uint(c, n, &x))
		return false;
	*v = x & ((n == 8) ? 0x3fffffffffffffffULL : ((1ULL << (8 * n - 2)) - 1));
	return true;
}

/* A sub-cursor over the next n bytes, which are consumed from c. */
static inline bool
tern_rcursor_sub(struct tern_rcursor *c, size_t n, struct tern_rcursor *sub)
{
	const uint8_t *p;

	if (!tern_rcursor_view(c, n, &p))
		return false;
	tern_rcursor_init(sub, p, n);
	return true;
}

static inline void
tern_wcursor_init(struct tern_wcursor *w, uint8_t *buf, size_t cap)
{
	/* A NULL buffer has no room; the cast is safe as nothing is written. */
	w->buf = buf != NULL ? buf : (uint8_t *)(uintptr_t)tern_cursor_empty;
	w->cap = buf != NULL ? cap : 0;
	w->off = 0;
}

static inline size_t
tern_wcursor_left(const struct tern_wcursor *w)
{
	return w->cap - w->off;
}

static inline uint8_t *
tern_wcursor_ptr(const struct tern_wcursor *w)
{
	return w->buf + w->off;
}

static inline bool
tern_wcursor_bytes(struct tern_wcursor *w, const void *src, size_t n)
{
	if (n > tern_wcursor_left(w))
		return false;
	if (n != 0)
		memcpy(w->buf + w->off, src, n);
	w->off += n;
	return true;
}

/* Reserve n bytes to be filled later; *p points at them. */
static inline bool
tern_wcursor_reserve(struct tern_wcursor *w, size_t n, uint8_t **p)
{
	if (n > tern_wcursor_left(w))
		return false;
	*p = w->buf + w->off;
	w->off += n;
	return true;
}

static inline bool
tern_wcursor_uint(struct tern_wcursor *w, size_t nbytes, uint64_t v)
{
	size_t i;

	if (nbytes == 0 || nbytes > 8 || nbytes > tern_wcursor_left(w))
		return false;
	if (nbytes < 8 && (v >> (8 * nbytes)) != 0)
		return false;
	for (i = 0; i < nbytes; i++)
		w->buf[w->off + i] = (uint8_t)(v >> (8 * (nbytes - 1 - i)));
	w->off += nbytes;
	return true;
}

static inline bool
tern_wcursor_u8(struct tern_wcursor *w, uint8_t v)
{
	return tern_wcursor_uint(w, 1, v);
}

static inline bool
tern_wcursor_u16(struct tern_wcursor *w, uint16_t v)
{
	return tern_wcursor_uint(w, 2, v);
}

static inline bool
tern_wcursor_u24(struct tern_wcursor *w, uint32_t v)
{
	return tern_wcursor_uint(w, 3, v);
}

static inline bool
tern_wcursor_u32(struct tern_wcursor *w, uint32_t v)
{
	return tern_wcursor_uint(w, 4, v);
}

/* Length in bytes of the shortest QUIC varint encoding of v, 0 if too big. */
static inline size_t
tern_varint_len(uint64_t v)
{
	if (v < 64)
		return 1;
	if (v < 16384)
		return 2;
	if (v < 1073741824)
		return 4;
	if (v < 4611686018427387904ULL)
		return 8;
	return 0;
}

/* QUIC varint in exactly nbytes (1, 2, 4 or 8) bytes. */
static inline bool
tern_wcursor_varint_n(struct tern_wcursor *w, uint64_t v, size_t nbytes)
{
	static const uint8_t prefix[9] = {0, 0x00, 0x40, 0, 0x80, 0, 0, 0, 0xc0};

	if ((nbytes != 1 && nbytes != 2 && nbytes != 4 && nbytes != 8) || tern_varint_len(v) == 0 ||
	    tern_varint_len(v) > nbytes || nbytes > tern_wcursor_left(w))
		return false;
	tern_wcursor_uint(w, nbytes, v);
	w->buf[w->off - nbytes] |= prefix[nbytes];
	return true;
}

static inline bool
tern_wcursor_varint(struct tern_wcursor *w, uint64_t v)
{
	size_t n = tern_varint_len(v);

	return n != 0 && tern_wcursor_varint_n(w, v, n);
}

#endif /* TERN_DATAPLANE_CURSOR_H */
