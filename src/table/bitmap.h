/*
 * bitmap.h: bit-packed bitmaps (Arrow validity and bool values): bit i of a bitmap is
 * bit (i % 8) of byte i / 8, least significant bit first.
 */
#ifndef MLODA_TABLE_BITMAP_H
#define MLODA_TABLE_BITMAP_H

#include <stdbool.h>
#include <stdint.h>

static inline bool mloda_bit_get(const uint8_t *bits, int64_t i)
{
    return (((unsigned)bits[i >> 3] >> (i & 7)) & 1u) != 0;
}

static inline void mloda_bit_set(uint8_t *bits, int64_t i, bool v)
{
    const unsigned mask = 1u << (i & 7);
    const unsigned byte = bits[i >> 3];
    /* the result fits a byte: only bits 0..7 are ever set */
    bits[i >> 3] = (uint8_t)(v ? (byte | mask) : (byte & ~mask));
}

/** Bytes that hold n bits (n >= 0): ceil(n / 8), without overflowing for huge n. */
static inline int64_t mloda_bitmap_bytes(int64_t n)
{
    return n / 8 + (n % 8 != 0);
}

/** Number of set bits among bits [offset, offset + n). */
int64_t mloda_bitmap_count_set(const uint8_t *bits, int64_t offset, int64_t n);
/** Sets bits [start, start + n) to v. */
void mloda_bitmap_set_range(uint8_t *bits, int64_t start, int64_t n, bool v);
/** Copies bits [src_offset, src_offset + n) of src to bits [0, n) of dst; the unused bits
 *  of dst's last byte become 0. dst holds mloda_bitmap_bytes(n) bytes. */
void mloda_bitmap_copy(uint8_t *dst, const uint8_t *src, int64_t src_offset, int64_t n);
/** Clears the bits past n in the last byte of a bitmap of n bits. */
void mloda_bitmap_clear_tail(uint8_t *bits, int64_t n);

#endif /* MLODA_TABLE_BITMAP_H */
