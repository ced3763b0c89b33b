/*
 * agg_kernels.c: single-pass column statistics (see agg_kernels.h).
 *
 * The float kernels keep nulls out of the inner loop's branches: every slot is read, and
 * a per-row 0/1 "ok" (valid bit and not NaN) selects the value or the identity, so the
 * loops vectorise. Four independent accumulators per quantity give the compiler lanes
 * without -ffast-math; the result does not depend on thread count or timing.
 */
#include "groups/agg_kernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/bytes.h"

/* ---------------------------------------------------------------- float64 */

static void f64_pass1(const double *restrict x, const uint8_t *restrict valid, int64_t n,
                      agg_stats *s)
{
    double sum[4] = {0, 0, 0, 0};
    double mn[4] = {INFINITY, INFINITY, INFINITY, INFINITY};
    double mx[4] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
    int64_t cnt[4] = {0, 0, 0, 0};
    int64_t i = 0;
    if (valid == NULL) {
        for (; i + 4 <= n; i += 4) {
            for (int k = 0; k < 4; k++) {
                double v = x[i + k];
                bool ok = v == v;
                sum[k] += ok ? v : 0.0;
                cnt[k] += ok;
                mn[k] = v < mn[k] ? v : mn[k]; /* NaN compares false: skipped */
                mx[k] = v > mx[k] ? v : mx[k];
            }
        }
    }
    for (; i < n; i++) {
        double v = x[i];
        bool ok = (valid == NULL || mloda_bitmap_get(valid, i)) && v == v;
        sum[0] += ok ? v : 0.0;
        cnt[0] += ok;
        mn[0] = (ok && v < mn[0]) ? v : mn[0];
        mx[0] = (ok && v > mx[0]) ? v : mx[0];
    }
    s->sum = (sum[0] + sum[1]) + (sum[2] + sum[3]);
    s->count = cnt[0] + cnt[1] + cnt[2] + cnt[3];
    s->min = fmin(fmin(mn[0], mn[1]), fmin(mn[2], mn[3]));
    s->max = fmax(fmax(mx[0], mx[1]), fmax(mx[2], mx[3]));
}

static double f64_m2(const double *restrict x, const uint8_t *restrict valid, int64_t n,
                     double mean)
{
    double acc[4] = {0, 0, 0, 0};
    int64_t i = 0;
    if (valid == NULL) {
        for (; i + 4 <= n; i += 4) {
            for (int k = 0; k < 4; k++) {
                double d = x[i + k] - mean;
                acc[k] += (x[i + k] == x[i + k]) ? d * d : 0.0;
            }
        }
    }
    for (; i < n; i++) {
        double d = x[i] - mean;
        bool ok = (valid == NULL || mloda_bitmap_get(valid, i)) && x[i] == x[i];
        acc[0] += ok ? d * d : 0.0;
    }
    return (acc[0] + acc[1]) + (acc[2] + acc[3]);
}

/* The sum of the values scaled by 2^shift (the slow path of a sum that overflowed). */
static double f64_scaled_sum(const double *restrict x, const uint8_t *restrict valid, int64_t n,
                             int shift)
{
    double acc = 0.0;
    for (int64_t i = 0; i < n; i++) {
        bool ok = (valid == NULL || mloda_bitmap_get(valid, i)) && x[i] == x[i];
        acc += ok ? ldexp(x[i], shift) : 0.0;
    }
    return acc;
}

/* Sum of squared deviations of the values scaled by 2^shift from mean (already scaled). */
static double f64_scaled_m2(const double *restrict x, const uint8_t *restrict valid, int64_t n,
                            double mean, int shift)
{
    double acc = 0.0;
    for (int64_t i = 0; i < n; i++) {
        bool ok = (valid == NULL || mloda_bitmap_get(valid, i)) && x[i] == x[i];
        double d = ldexp(x[i], shift) - mean;
        acc += ok ? d * d : 0.0;
    }
    return acc;
}

/* ---------------------------------------------------------------- int64 / timestamp */

static void i64_pass1(const int64_t *restrict x, const uint8_t *restrict valid, int64_t n,
                      agg_stats *s)
{
    int64_t isum = 0, mn = INT64_MAX, mx = INT64_MIN, cnt = 0;
    bool overflow = false;
    double dsum = 0.0;
    for (int64_t i = 0; i < n; i++) {
        if (valid != NULL && !mloda_bitmap_get(valid, i))
            continue;
        int64_t v = x[i];
        overflow |= __builtin_add_overflow(isum, v, &isum);
        dsum += (double)v;
        mn = v < mn ? v : mn;
        mx = v > mx ? v : mx;
        cnt++;
    }
    s->isum = isum;
    s->isum_overflow = overflow;
    s->sum = dsum;
    s->imin = mn;
    s->imax = mx;
    s->count = cnt;
}

static double i64_m2(const int64_t *restrict x, const uint8_t *restrict valid, int64_t n,
                     double mean)
{
    double acc = 0.0;
    for (int64_t i = 0; i < n; i++) {
        if (valid != NULL && !mloda_bitmap_get(valid, i))
            continue;
        double d = (double)x[i] - mean;
        acc += d * d;
    }
    return acc;
}

/* ---------------------------------------------------------------- bool */

static void bool_pass1(const uint8_t *restrict bits, const uint8_t *restrict valid, int64_t n,
                       agg_stats *s)
{
    int64_t cnt = 0, ones = 0;
    for (int64_t i = 0; i < n; i++) {
        if (valid != NULL && !mloda_bitmap_get(valid, i))
            continue;
        cnt++;
        ones += mloda_bitmap_get(bits, i);
    }
    s->count = cnt;
    s->isum = ones;
    s->sum = (double)ones;
    s->imin = (cnt > 0 && ones == cnt) ? 1 : 0;
    s->imax = ones > 0 ? 1 : 0;
}

static double bool_m2(const uint8_t *bits, const uint8_t *valid, int64_t n, double mean)
{
    double acc = 0.0;
    for (int64_t i = 0; i < n; i++) {
        if (valid != NULL && !mloda_bitmap_get(valid, i))
            continue;
        double d = (mloda_bitmap_get(bits, i) ? 1.0 : 0.0) - mean;
        acc += d * d;
    }
    return acc;
}

/* ---------------------------------------------------------------- utf8 */

static int cmp_utf8(const mloda_column *col, int64_t a, int64_t b)
{
    int64_t la = 0, lb = 0;
    const char *sa = mloda_column_utf8_at(col, a, &la);
    const char *sb = mloda_column_utf8_at(col, b, &lb);
    return mloda_bytes_cmp(sa, la, sb, lb);
}

static void utf8_pass1(const mloda_column *col, agg_stats *s)
{
    int64_t n = mloda_column_n_rows(col);
    s->min_row = s->max_row = -1;
    for (int64_t i = 0; i < n; i++) {
        if (!mloda_column_is_valid(col, i))
            continue;
        s->count++;
        if (s->min_row < 0 || cmp_utf8(col, i, s->min_row) < 0)
            s->min_row = i;
        if (s->max_row < 0 || cmp_utf8(col, i, s->max_row) > 0)
            s->max_row = i;
    }
}

/* ---------------------------------------------------------------- median */

static void swap_d(double *a, double *b)
{
    double t = *a;
    *a = *b;
    *b = t;
}

double mloda_agg_select_kth(double *v, int64_t n, int64_t k)
{
    int64_t lo = 0, hi = n - 1;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        /* median of three as pivot */
        if (v[mid] < v[lo])
            swap_d(&v[mid], &v[lo]);
        if (v[hi] < v[lo])
            swap_d(&v[hi], &v[lo]);
        if (v[hi] < v[mid])
            swap_d(&v[hi], &v[mid]);
        double pivot = v[mid];
        int64_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                swap_d(&v[i], &v[j]);
                i++;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return v[k];
    }
    return v[k];
}

int mloda_agg_shift_for(double max_abs)
{
    if (!(max_abs > 0.0) || isinf(max_abs) || (max_abs >= 0x1p-400 && max_abs <= 0x1p400))
        return 0;
    int e = 0;
    (void)frexp(max_abs, &e);
    return -e;
}

void mloda_agg_moments_of(double *v, int64_t k, bool need_var, double *sum, double *mean,
                          double *var, double *std, bool *overflow)
{
    double big = 0.0;
    for (int64_t j = 0; j < k; j++)
        big = fabs(v[j]) > big ? fabs(v[j]) : big;
    int shift = mloda_agg_shift_for(big);
    for (int64_t j = 0; shift != 0 && j < k; j++)
        v[j] = ldexp(v[j], shift);
    double s = 0.0;
    for (int64_t j = 0; j < k; j++)
        s += v[j];
    double m = k > 0 ? s / (double)k : NAN, m2 = 0.0;
    for (int64_t j = 0; need_var && j < k; j++)
        m2 += (v[j] - m) * (v[j] - m);
    *sum = ldexp(s, -shift);
    *mean = ldexp(m, -shift);
    *var = k >= 2 ? ldexp(m2 / (double)(k - 1), -2 * shift) : NAN;
    *std = k >= 2 ? ldexp(sqrt(m2 / (double)(k - 1)), -shift) : NAN;
    *overflow = isfinite(big) && (isinf(*sum) || (need_var && isinf(*var)));
}

double mloda_agg_median_of(double *v, int64_t n)
{
    if (n == 0)
        return NAN;
    int64_t k = n / 2;
    double hi = mloda_agg_select_kth(v, n, k);
    if (n % 2 == 1)
        return hi;
    double lo = v[0];
    for (int64_t i = 1; i < k; i++)
        lo = v[i] > lo ? v[i] : lo;
    double mid = (lo + hi) / 2.0; /* numpy's mean of the two middle values */
    return isfinite(mid) ? mid : lo / 2.0 + hi / 2.0;
}

/* Copies the column's non-null, non-NaN values as doubles into a fresh scratch array. */
static mloda_status gather_values(const mloda_column *col, int64_t count, double **out,
                                  mloda_error *err)
{
    *out = mloda_malloc((size_t)(count > 0 ? count : 1) * sizeof(double));
    if (*out == NULL)
        return mloda_error_set(err, MLODA_ERR_NOMEM, NULL, "out of memory for a median");
    double *v = *out;
    int64_t n = mloda_column_n_rows(col), k = 0;
    const uint8_t *valid = mloda_column_validity(col);
    const double *f = mloda_column_float64(col);
    const int64_t *x = mloda_column_int64(col);
    const uint8_t *b = mloda_column_bool_bits(col);
    for (int64_t i = 0; i < n && k < count; i++) {
        if (valid != NULL && !mloda_bitmap_get(valid, i))
            continue;
        double d = f != NULL   ? f[i]
                   : x != NULL ? (double)x[i]
                               : (mloda_bitmap_get(b, i) ? 1.0 : 0.0);
        if (d == d)
            v[k++] = d;
    }
    return MLODA_OK;
}

/* ---------------------------------------------------------------- entry */

mloda_status mloda_agg_stats_compute(const mloda_column *col, unsigned need, agg_stats *s,
                               mloda_error *err)
{
    memset(s, 0, sizeof *s);
    s->median = NAN;
    int64_t n = mloda_column_n_rows(col);
    const uint8_t *valid = mloda_column_validity(col);
    mloda_type t = mloda_column_type(col);
    switch (t) {
    case MLODA_TYPE_FLOAT64:
        f64_pass1(mloda_column_float64(col), valid, n, s);
        break;
    case MLODA_TYPE_INT64:
    case MLODA_TYPE_TIMESTAMP:
        i64_pass1(mloda_column_int64(col), valid, n, s);
        break;
    case MLODA_TYPE_BOOL:
        bool_pass1(mloda_column_bool_bits(col), valid, n, s);
        break;
    case MLODA_TYPE_UTF8:
        utf8_pass1(col, s);
        return MLODA_OK;
    default:
        return mloda_error_set(err, MLODA_ERR_TYPE, NULL, "cannot aggregate a %s column",
                               mloda_type_name(t));
    }
    /* Huge float64 values: sum and deviations scaled by 2^shift (exact), so nothing
     * overflows before the result; the fast pass above stands whenever shift is 0. */
    int shift = 0;
    bool finite_in = false;
    double sum = s->sum;
    if (t == MLODA_TYPE_FLOAT64 && s->count > 0) {
        double big = fmax(fabs(s->min), fabs(s->max));
        finite_in = isfinite(big);
        shift = mloda_agg_shift_for(big);
        if (shift != 0) {
            sum = f64_scaled_sum(mloda_column_float64(col), valid, n, shift);
            s->sum = ldexp(sum, -shift);
        }
        s->sum_overflow = finite_in && isinf(s->sum);
    }
    double mean = s->count > 0 ? sum / (double)s->count : NAN; /* scaled by 2^shift */
    s->mean = shift != 0 ? ldexp(mean, -shift) : mean;
    s->var = s->std = NAN;
    if ((need & AGG_NEED_M2) && s->count >= 2) {
        const double *f = mloda_column_float64(col);
        s->m2 = t == MLODA_TYPE_FLOAT64
                    ? (shift != 0 ? f64_scaled_m2(f, valid, n, mean, shift)
                                  : f64_m2(f, valid, n, mean))
                : t == MLODA_TYPE_BOOL ? bool_m2(mloda_column_bool_bits(col), valid, n, mean)
                                       : i64_m2(mloda_column_int64(col), valid, n, mean);
        double q = s->m2 / (double)(s->count - 1);
        s->var = shift != 0 ? ldexp(q, -2 * shift) : q;
        s->std = shift != 0 ? ldexp(sqrt(q), -shift) : sqrt(q);
        s->var_overflow = finite_in && isinf(s->var);
        s->m2 = shift != 0 ? ldexp(s->m2, -2 * shift) : s->m2;
    }
    if ((need & AGG_NEED_MEDIAN) && s->count > 0) {
        double *scratch = NULL;
        mloda_status st = gather_values(col, s->count, &scratch, err);
        if (st != MLODA_OK)
            return st;
        s->median = mloda_agg_median_of(scratch, s->count);
        mloda_free(scratch);
    }
    return MLODA_OK;
}
