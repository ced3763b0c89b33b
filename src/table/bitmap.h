/*
 * bitmap.h: bit-packed bitmaps (Arrow validity and bool values): bit i of a bitmap is
 * bit (i % 8) of byte i / 8, least significant bit first. The public helpers
 * (mloda_bitmap_get / _set / _n_bytes / _n_set / _set_range / _and) are in mloda/table.h;
 * these serve the table layer and the layers above it.
 */
#ifndef MLODA_TABLE_BITMAP_H
#define MLODA_TABLE_BITMAP_H

#include "mloda/table.h"

/** Copies bits [src_offset, src_offset + n) of src to bits [0, n) of dst; the unused bits
 *  of dst's last byte become 0. dst holds mloda_bitmap_n_bytes(n) bytes. */
void mloda_bitmap_copy(uint8_t *dst, const uint8_t *src, int64_t src_offset, int64_t n);
/** Clears the bits past n in the last byte of a bitmap of n bits. */
void mloda_bitmap_clear_tail(uint8_t *bits, int64_t n);

#endif /* MLODA_TABLE_BITMAP_H */
