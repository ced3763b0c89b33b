/*
 * sort.h: the one stable sort of the library. Insertion sort of runs of
 * MLODA_SORT_RUN elements, then bottom-up merges back and forth between the array and a
 * scratch array of the same size; every pass reads and writes memory in order. Stable:
 * equal elements keep their order, so sorting (key, row) pairs by key orders them by
 * (key, row) as a comparison of both would. O(n log n) comparisons, no allocation.
 *
 * MLODA_STABLE_SORT_DEFINE(name, T, C, LESS) defines
 *
 *     static void name(T *p, T *tmp, int64_t n, C ctx)
 *
 * which sorts p[0..n) by LESS(ctx, x, y), true when the value x goes strictly before the
 * value y (a strict weak order); tmp has room for n elements. A module instantiates it for
 * its own element type so that the comparison is inlined in the loops (a comparator
 * behind a pointer, as qsort's, costs a call per comparison). The typed sorts below are
 * instances shared by several modules.
 *
 * MLODA_STABLE_SORT_DEFINE_RUN(name, T, C, LESS, RUN) also sets the insertion-run length:
 * a costly comparison wants shorter runs (insertion compares more often than merging);
 * RUN 1 is a plain bottom-up merge sort.
 */
#ifndef MLODA_UTIL_SORT_H
#define MLODA_UTIL_SORT_H

#include <stdint.h>
#include <string.h>

/* Runs sorted by insertion before merging: long enough to skip the shortest merge passes,
 * short enough that insertion's quadratic cost stays small. */
#define MLODA_SORT_RUN 32

#define MLODA_STABLE_SORT_DEFINE(name, T, C, LESS) \
    MLODA_STABLE_SORT_DEFINE_RUN(name, T, C, LESS, MLODA_SORT_RUN)

#define MLODA_STABLE_SORT_DEFINE_RUN(name, T, C, LESS, RUN)                                 \
    static void name(T *restrict p, T *restrict tmp, int64_t n, C ctx)                      \
    {                                                                                       \
        for (int64_t lo = 0; lo < n; lo += (RUN)) {                                         \
            const int64_t hi = lo + (RUN) < n ? lo + (RUN) : n;                             \
            for (int64_t i = lo + 1; i < hi; i++) {                                         \
                const T x = p[i];                                                           \
                int64_t j = i;                                                              \
                for (; j > lo && LESS(ctx, x, p[j - 1]); j--)                               \
                    p[j] = p[j - 1];                                                        \
                p[j] = x;                                                                   \
            }                                                                               \
        }                                                                                   \
        T *a = p, *b = tmp;                                                                 \
        for (int64_t w = (RUN); w < n; w *= 2) {                                            \
            for (int64_t lo = 0; lo < n; lo += 2 * w) {                                     \
                const int64_t mid = lo + w < n ? lo + w : n;                                \
                const int64_t hi = lo + 2 * w < n ? lo + 2 * w : n;                         \
                int64_t i = lo, j = mid, o = lo;                                            \
                while (i < mid && j < hi) /* the right one only when strictly before */     \
                    b[o++] = LESS(ctx, a[j], a[i]) ? a[j++] : a[i++];                       \
                while (i < mid)                                                             \
                    b[o++] = a[i++];                                                        \
                while (j < hi)                                                              \
                    b[o++] = a[j++];                                                        \
            }                                                                               \
            T *t = a;                                                                       \
            a = b;                                                                          \
            b = t;                                                                          \
        }                                                                                   \
        if (a != p)                                                                         \
            memcpy(p, a, (size_t)n * sizeof *p);                                            \
    }

/** A row and its sort key. */
typedef struct mloda_i64_pair {
    int64_t key, row;
} mloda_i64_pair;

typedef struct mloda_f64_pair {
    double key; /* not NaN */
    int64_t row;
} mloda_f64_pair;

/** Sorts p[0..n) stably by key (rows of equal keys stay in order); tmp has n slots. */
void mloda_sort_i64_pairs(mloda_i64_pair *p, mloda_i64_pair *tmp, int64_t n);
/** Sorts p[0..n) stably by key (no NaN keys; -0.0 and 0.0 are equal); tmp has n slots. */
void mloda_sort_f64_pairs(mloda_f64_pair *p, mloda_f64_pair *tmp, int64_t n);

#endif /* MLODA_UTIL_SORT_H */
