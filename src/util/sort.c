/* sort.c: the stable sorts of (key, row) pairs (see sort.h), built at -O3 as kernels. */
#include "util/sort.h"

static inline int i64_key_less(const void *ctx, mloda_i64_pair x, mloda_i64_pair y)
{
    (void)ctx;
    return x.key < y.key;
}

static inline int f64_key_less(const void *ctx, mloda_f64_pair x, mloda_f64_pair y)
{
    (void)ctx;
    return x.key < y.key;
}

MLODA_STABLE_SORT_DEFINE(sort_i64, mloda_i64_pair, const void *, i64_key_less)
MLODA_STABLE_SORT_DEFINE(sort_f64, mloda_f64_pair, const void *, f64_key_less)

void mloda_sort_i64_pairs(mloda_i64_pair *p, mloda_i64_pair *tmp, int64_t n)
{
    sort_i64(p, tmp, n, NULL);
}

void mloda_sort_f64_pairs(mloda_f64_pair *p, mloda_f64_pair *tmp, int64_t n)
{
    sort_f64(p, tmp, n, NULL);
}
