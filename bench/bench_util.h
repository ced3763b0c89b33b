/*
 * bench_util.h: what every benchmark program shares: the median of repeated timings.
 */
#ifndef MLODA_BENCH_UTIL_H
#define MLODA_BENCH_UTIL_H

#include <stdlib.h>

/* qsort order of doubles (no NaN among timings). */
static inline int bench_cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of v[0..n) (n > 0; v is sorted in place): the middle value, or the mean of the
 * two middle ones. */
static inline double bench_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, bench_cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#endif /* MLODA_BENCH_UTIL_H */
