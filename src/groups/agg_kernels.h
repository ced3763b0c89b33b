/*
 * agg_kernels.h: whole-column statistics for the aggregation family (SPEC.md §6.1).
 *
 * One call computes every statistic that a set of aggregations over one column needs,
 * in one pass (count, sum, min, max), a second pass only for var/std (sum of squared
 * deviations from the mean: the two-pass method, stable and what pandas computes) and a
 * selection only for the median. Nulls and NaN are skipped (pandas treats NaN as missing).
 */
#ifndef MLODA_GROUPS_AGG_KERNELS_H
#define MLODA_GROUPS_AGG_KERNELS_H

#include "mloda/mloda.h"

enum {
    AGG_NEED_M2 = 1u,     /* var, std */
    AGG_NEED_MEDIAN = 2u, /* median */
};

typedef struct agg_stats {
    int64_t count;      /* non-null, non-NaN values */
    double sum;         /* as double (all numeric types) */
    int64_t isum;       /* exact, for INT64 and BOOL */
    bool isum_overflow; /* the exact int64 sum overflowed */
    double min, max;    /* FLOAT64 */
    int64_t imin, imax; /* INT64, TIMESTAMP, BOOL */
    int64_t min_row;    /* UTF8: row of the smallest / largest string */
    int64_t max_row;
    double m2;          /* sum of squared deviations from the mean (AGG_NEED_M2) */
    double median;      /* AGG_NEED_MEDIAN; NaN when count == 0 */
    /* Without overflow on the way (FLOAT64 values beyond 2^400 are summed scaled by a power
     * of two): the rounded exact results, or +-inf when the exact value is beyond DBL_MAX
     * (then the *_overflow flag is set: the inputs were finite). NaN when undefined. */
    double mean;        /* count >= 1 */
    double var, std;    /* sample (ddof 1), count >= 2, AGG_NEED_M2 */
    bool sum_overflow;  /* sum is +-inf from finite FLOAT64 values */
    bool var_overflow;  /* var is inf from finite values (std is still finite) */
} agg_stats;

/** Statistics of col. Errors: MLODA_ERR_NOMEM (median scratch), MLODA_ERR_TYPE for
 *  FLOAT64_LIST. */
mloda_status mloda_agg_stats_compute(const mloda_column *col, unsigned need, agg_stats *out,
                               mloda_error *err);

/** k-th smallest (0-based) of v[0..n), reordering v; for the even-count median the caller
 *  also takes the maximum of v[0..k) afterwards. */
double mloda_agg_select_kth(double *v, int64_t n, int64_t k);

/** Median of v[0..n) (reorders v); NaN when n == 0. */
double mloda_agg_median_of(double *v, int64_t n);

/**
 * The exponent e for ldexp(x, e) that brings max_abs (the largest |value| of a set of
 * finite numbers) into [0.5, 1) when it lies outside [2^-400, 2^400]; 0 inside that range,
 * for 0 and for inf/NaN. Scaling by a power of two is exact (bar values that become
 * subnormal, far below the largest), and keeps squares and sums of up to 2^200 terms of
 * the scaled values finite: the way every family computes sums, means and variances of
 * huge values without overflow on the way (README, "Numbers at the edges").
 */
int mloda_agg_shift_for(double max_abs);

/**
 * Sum, mean, sample variance and std of v[0..k) (no NaN; v may be reordered or scaled in
 * place) without overflow on the way, as agg_stats. *overflow is set when the sum (or, when
 * need_var, the variance) of the finite values is beyond DBL_MAX.
 */
void mloda_agg_moments_of(double *v, int64_t k, bool need_var, double *sum, double *mean,
                          double *var, double *std, bool *overflow);

#endif /* MLODA_GROUPS_AGG_KERNELS_H */
