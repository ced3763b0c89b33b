/*
 * bytes.h: ordering of byte strings. UTF-8 text compared byte by byte is in code point
 * order, which is Python's str order; utf8 columns sort, group and take min/max with it.
 */
#ifndef MLODA_UTIL_BYTES_H
#define MLODA_UTIL_BYTES_H

#include <stdint.h>
#include <string.h>

/** <0, 0, >0 as a[0..la) orders before, equal to, or after b[0..lb): bytewise, then a
 *  prefix first. Inline: comparison sorts call it per comparison. */
static inline int mloda_bytes_cmp(const char *a, int64_t la, const char *b, int64_t lb)
{
    const int64_t m = la < lb ? la : lb;
    const int c = m > 0 ? memcmp(a, b, (size_t)m) : 0;
    if (c != 0)
        return c;
    return (la > lb) - (la < lb);
}

#endif /* MLODA_UTIL_BYTES_H */
