/*
 * bitmap.c: counting, filling and shifting bit-packed bitmaps (see bitmap.h). Whole
 * bytes are handled a word at a time; only the ragged ends go bit by bit.
 */
#include "table/bitmap.h"

#include <string.h>

static int popcount64(uint64_t w)
{
#if defined(__GNUC__)
    return __builtin_popcountll(w);
#else
    int n = 0;
    for (; w != 0; w &= w - 1)
        n++;
    return n;
#endif
}

static int popcount8(uint8_t b)
{
    return popcount64(b);
}

int64_t mloda_bitmap_n_set(const uint8_t *bits, int64_t offset, int64_t n)
{
    int64_t count = 0;
    int64_t i = offset;
    const int64_t end = offset + n;
    for (; i < end && (i & 7) != 0; i++)
        count += mloda_bitmap_get(bits, i);
    int64_t byte = i >> 3;
    const int64_t full_end = end >> 3; /* first byte not wholly inside the range */
    for (; byte + 8 <= full_end; byte += 8) {
        uint64_t w;
        memcpy(&w, bits + byte, sizeof w);
        count += popcount64(w);
    }
    for (; byte < full_end; byte++)
        count += popcount8(bits[byte]);
    for (i = full_end * 8 > i ? full_end * 8 : i; i < end; i++)
        count += mloda_bitmap_get(bits, i);
    return count;
}

void mloda_bitmap_set_range(uint8_t *bits, int64_t start, int64_t n, bool v)
{
    int64_t i = start;
    const int64_t end = start + n;
    for (; i < end && (i & 7) != 0; i++)
        mloda_bitmap_set(bits, i, v);
    const int64_t full_end = end >> 3;
    if ((i >> 3) < full_end) {
        memset(bits + (i >> 3), v ? 0xff : 0, (size_t)(full_end - (i >> 3))); /* > 0 here */
        i = full_end * 8;
    }
    for (; i < end; i++)
        mloda_bitmap_set(bits, i, v);
}

void mloda_bitmap_clear_tail(uint8_t *bits, int64_t n)
{
    if (n % 8 != 0)
        bits[n / 8] = (uint8_t)(bits[n / 8] & ((1u << (n % 8)) - 1u)); /* keeps bits 0..n%8-1 */
}

void mloda_bitmap_copy(uint8_t *dst, const uint8_t *src, int64_t src_offset, int64_t n)
{
    const int64_t n_bytes = mloda_bitmap_n_bytes(n);
    const uint8_t *base = src + src_offset / 8;
    const unsigned shift = (unsigned)(src_offset % 8); /* 0..7 */
    if (n_bytes == 0)
        return;
    if (shift == 0) {
        memcpy(dst, base, (size_t)n_bytes); /* n_bytes > 0 */
    } else {
        for (int64_t j = 0; j < n_bytes; j++) {
            unsigned v = (unsigned)base[j] >> shift;
            /* the high bits of output byte j come from the next source byte; read it only
             * when one of those bits lies inside the range */
            if (j * 8 + (int64_t)(8 - shift) < n)
                v |= (unsigned)base[j + 1] << (8 - shift);
            dst[j] = (uint8_t)(v & 0xffu);
        }
    }
    mloda_bitmap_clear_tail(dst, n);
}

void mloda_bitmap_and(uint8_t *dst, const uint8_t *a, const uint8_t *b, int64_t n_bits)
{
    if (n_bits <= 0) /* a negative count would make one byte and a negative shift */
        return;
    const int64_t n_bytes = mloda_bitmap_n_bytes(n_bits);
    if (a == NULL && b == NULL) {
        memset(dst, 0xff, (size_t)n_bytes);
    } else if (a == NULL || b == NULL) {
        const uint8_t *src = a != NULL ? a : b;
        if (dst != src)
            memmove(dst, src, (size_t)n_bytes);
    } else {
        int64_t j = 0;
        for (; j + 8 <= n_bytes; j += 8) { /* a word at a time */
            uint64_t x, y;
            memcpy(&x, a + j, sizeof x);
            memcpy(&y, b + j, sizeof y);
            x &= y;
            memcpy(dst + j, &x, sizeof x);
        }
        for (; j < n_bytes; j++)
            dst[j] = (uint8_t)(a[j] & b[j]);
    }
    mloda_bitmap_clear_tail(dst, n_bits);
}
