/*
 * time_window.c: the time-window family `{in}__{fn}_{size}_{unit}_window` and its option
 * form (window_function, window_size, time_unit, in_features, reference_time), SPEC.md §6.3.
 *
 * Each row gets fn over the values whose reference time lies in (t - span, t], taken over
 * the rows stably sorted by time and ending at the row itself: a later row with the same
 * time is not in an earlier tied row's window. Results go back in the original row order.
 * Nulls and NaN are skipped, except that first/last take the window's first/last element,
 * nulls included. As in pandas, +-inf counts as missing for every function but count.
 * Every output is float64; a NaN result is written as null.
 *
 * Kernels (all over the time-sorted sequence, window [start[k], k]):
 *   sort       util's stable sort of (time, row) pairs; input already in time order (one
 *              checking pass) is used as it is: no permutation, no gather of the values
 *              (a float64 column without nulls is read directly), results written
 *              straight into the output column instead of scattered back;
 *   bounds     a two-pointer walk (start[] never decreases), fused into the sum, mean,
 *              var, std and count kernels; an array start[] for the others;
 *   sum, mean  pandas' own online Kahan add/remove (roll_sum / roll_mean of pandas 1.5),
 *   var, std   pandas' online Welford add/remove with Kahan compensation (roll_var),
 *              reproduced step by step, so values round as mloda's do, also where the
 *              online method loses digits (checked against an independent transcription
 *              of pandas' code in the tests);
 *   count      running count of non-null values (exact);
 *   min, max   monotonic deque (exact);
 *   median     order statistics in a Fenwick tree over value ranks: O(n log n) in all;
 *   first/last the window's first element / the row's own value.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "groups/agg_kernels.h"
#include "groups/colops.h"
#include "groups/family.h"
#include "groups/groups.h"
#include "groups/time_units.h"
#include "util/sort.h"
#include "util/util.h"

typedef enum tw_fn {
    FN_SUM,
    FN_MIN,
    FN_MAX,
    FN_AVG,
    FN_MEAN,
    FN_COUNT,
    FN_STD,
    FN_VAR,
    FN_MEDIAN,
    FN_FIRST,
    FN_LAST,
    FN_N
} tw_fn;

static const char *const FN_NAMES[FN_N] = {"sum",   "min", "max", "avg",    "mean", "count",
                                           "std",   "var", "median", "first", "last"};

enum { UNIT_N = SPAN_UNIT_N };
#define UNIT_NAMES mloda_span_unit_names
#define UNIT_SECONDS mloda_span_unit_seconds

/* Parameters in this order: index into mloda_family_values. */
enum { P_FN, P_SIZE, P_UNIT, P_REF, P_COUNT };

static const mloda_family_param TW_PARAMS[P_COUNT] = {
    {.option = "window_function", .what = "window function", .kind = MLODA_FAMILY_TOKEN,
     .tokens = FN_NAMES, .n_tokens = FN_N, .n_usable = FN_N,
     .allowed = "sum, min, max, avg, mean, count, std, var, median, first, last"},
    {.option = "window_size", .what = "window size", .kind = MLODA_FAMILY_COUNT},
    {.option = "time_unit", .what = "time unit", .kind = MLODA_FAMILY_TOKEN,
     .tokens = UNIT_NAMES, .n_tokens = UNIT_N, .n_usable = UNIT_N,
     .allowed = SPAN_UNITS_ALLOWED " (singular)"},
    {.option = "reference_time", .what = "reference time column", .kind = MLODA_FAMILY_COLUMN,
     .dflt_text = "reference_time"},
};
static const mloda_family_spec TW = {.pattern = "{window_function}_{window_size}_{time_unit}_window",
                                     .example = "value__sum_3_day_window",
                                     .n_params = P_COUNT,
                                     .params = TW_PARAMS,
                                     .inputs_hint = " to window"};

/* Per-feature state, built at bind (one allocation). */
typedef struct tw_state {
    tw_fn fn;
    int64_t span_seconds; /* size * unit; INT64_MAX when that overflows */
    char ref_name[];      /* the reference column, for messages */
} tw_state;

static mloda_status tw_match(void *ud, const mloda_feature *f, bool *out_match,
                             void **out_parsed, mloda_error *why)
{
    (void)ud;
    return mloda_family_match(&TW, f, out_match, out_parsed, why);
}

static mloda_status tw_inputs(void *ud, const mloda_feature *f, mloda_inputs *in,
                              mloda_error *err)
{
    (void)ud;
    MLODA_TRY(mloda_inputs_add_chain(in, f, 1, 1, err));
    return mloda_inputs_add(in, mloda_family_of(f)->text[P_REF], NULL, err);
}

static mloda_status tw_bind(void *ud, mloda_bind *ctx, mloda_error *err)
{
    (void)ud;
    const mloda_feature *f = mloda_bind_feature(ctx);
    const char *name = mloda_feature_name(f);
    const mloda_family_values *v = mloda_family_of(f);
    tw_fn fn = (tw_fn)v->num[P_FN];
    if (mloda_bind_n_inputs(ctx) != 2)
        return mloda_error_set(err, MLODA_ERR_INTERNAL, name, "time window needs 2 inputs");
    mloda_type vt = mloda_bind_input_type(ctx, 0), rt = mloda_bind_input_type(ctx, 1);
    if (mloda_bind_input_is_multi(ctx, 0) ||
        (vt != MLODA_TYPE_FLOAT64 && vt != MLODA_TYPE_INT64 && vt != MLODA_TYPE_BOOL))
        return mloda_error_set(err, MLODA_ERR_TYPE, name,
                               "feature '%s': cannot compute a %s window over %s%s column '%s' "
                               "(numeric columns only)",
                               name, FN_NAMES[fn],
                               mloda_bind_input_is_multi(ctx, 0) ? "multi-column " : "",
                               mloda_type_name(vt), mloda_bind_input_name(ctx, 0));
    if (rt != MLODA_TYPE_TIMESTAMP || mloda_bind_input_is_multi(ctx, 1)) {
        char hint[200] = "";
        mloda_text_time_hint(ctx, 1, hint, sizeof hint);
        return mloda_error_set(err, MLODA_ERR_TYPE, name,
                               "feature '%s': reference time column '%s' is %s, not a "
                               "timestamp column%s",
                               name, mloda_bind_input_name(ctx, 1), mloda_type_name(rt), hint);
    }
    MLODA_TRY(mloda_bind_output(ctx, MLODA_TYPE_FLOAT64, 0, MLODA_TIME_SECOND, err));
    const char *ref_name = mloda_bind_input_name(ctx, 1);
    size_t ref_len = strlen(ref_name);
    tw_state *s = mloda_malloc(sizeof *s + ref_len + 1);
    if (s == NULL)
        return MLODA_NOMEM(err, "time window state");
    memcpy(s->ref_name, ref_name, ref_len + 1);
    s->fn = fn;
    int64_t per = UNIT_SECONDS[v->num[P_UNIT]], size = v->num[P_SIZE];
    s->span_seconds = size > INT64_MAX / per ? INT64_MAX : size * per;
    return mloda_bind_set_state(ctx, s, mloda_free, err);
}

/* ---------------------------------------------------------------- kernels */

/*
 * The fused kernels (sum/mean, var/std, count) walk the window bounds themselves: t holds
 * the times in order, and row j is in row i's window when t_i - t_j < span (the
 * difference is non-negative and fits in uint64 across the whole int64 range). The start
 * only moves forward, so each row is added once and removed once. When the start passes
 * every earlier row the state is reset, as pandas does (`s >= end[i - 1]`).
 *
 * Their accumulators are local variables, not a struct behind a pointer, so that they stay
 * in registers: the compensated sum is one serial dependency chain per value and must not
 * also pay a store and a reload per step.
 */

/* pandas' rolling treats +-inf as missing for every function but count (see
 * gather_values); sum/mean/var/std test that here, so they may read a float64 column
 * directly, infinities included, with the values they would have had after the gather. */
static inline bool present(double x)
{
    return isfinite(x);
}

/*
 * pandas' Kahan-compensated running sum (roll_sum / roll_mean, pandas 1.5), reproduced
 * step for step: a separate compensation for adds and removes, a count of trailing equal
 * values (GH#42064: a window of one repeated value gives that value exactly), and the
 * sign clamps of the mean. `mean` is a constant at each call site (see win_sum_mean).
 */
static inline double sum_mean_kernel(const double *restrict v, const int64_t *restrict t,
                                     uint64_t span, int64_t n, bool mean, double *restrict out)
{
    int64_t nobs = 0, neg = 0, same = 0, j = 0;
    double sum = 0.0, comp_add = 0.0, comp_rem = 0.0, prev = n > 0 ? v[0] : 0.0, big = 0.0;
    for (int64_t i = 0; i < n; i++) {
        uint64_t ti = (uint64_t)t[i];
        if (ti - (uint64_t)t[j] >= span) {
            int64_t from = j;
            do
                j++;
            while (ti - (uint64_t)t[j] >= span);
            if (j >= i) { /* the window holds the row alone: start afresh */
                nobs = neg = same = 0;
                sum = comp_add = comp_rem = 0.0;
                prev = v[i];
            } else {
                for (int64_t k = from; k < j; k++) {
                    double x = v[k];
                    if (present(x)) {
                        nobs--;
                        double y = -x - comp_rem, s = sum + y;
                        comp_rem = s - sum - y;
                        sum = s;
                        neg -= signbit(x) ? 1 : 0;
                    }
                }
            }
        }
        double x = v[i];
        if (present(x)) {
            big = fabs(x) > big ? fabs(x) : big; /* off the serial chain: free */
            nobs++;
            double y = x - comp_add, s = sum + y;
            comp_add = s - sum - y;
            sum = s;
            neg += signbit(x) ? 1 : 0;
            same = x == prev ? same + 1 : 1;
            prev = x;
        }
        double r = NAN;
        if (nobs > 0 && !mean) {
            r = same >= nobs ? prev * (double)nobs : sum;
        } else if (nobs > 0) {
            r = sum / (double)nobs;
            if (same >= nobs)
                r = prev;
            else if (neg == 0 && r < 0)
                r = 0;
            else if (neg == nobs && r > 0)
                r = 0;
        }
        out[i] = r;
    }
    return big;
}

/* Returns the largest |value| summed (see one_feature: huge values are summed again,
 * scaled). */
static double win_sum_mean(const double *v, const int64_t *t, uint64_t span, int64_t n,
                           bool mean, double *out)
{
    if (mean)
        return sum_mean_kernel(v, t, span, n, true, out);
    return sum_mean_kernel(v, t, span, n, false, out);
}

/* pandas' online Welford variance with Kahan compensation (roll_var, pandas 1.5). */
static inline double var_kernel(const double *restrict v, const int64_t *restrict t,
                                uint64_t span, int64_t n, bool std, double *restrict out)
{
    double nobs = 0, mean = 0, ssq = 0, comp_add = 0, comp_rem = 0, prev = n > 0 ? v[0] : 0.0;
    double big = 0.0;
    int64_t same = 0, j = 0;
    for (int64_t i = 0; i < n; i++) {
        uint64_t ti = (uint64_t)t[i];
        if (ti - (uint64_t)t[j] >= span) {
            int64_t from = j;
            do
                j++;
            while (ti - (uint64_t)t[j] >= span);
            if (j >= i) {
                nobs = mean = ssq = comp_add = comp_rem = 0;
                same = 0;
                prev = v[i];
            } else {
                for (int64_t k = from; k < j; k++) {
                    double x = v[k];
                    if (!present(x))
                        continue;
                    nobs -= 1;
                    if (nobs != 0) {
                        double prev_mean = mean - comp_rem;
                        double y = x - comp_rem, d = y - mean;
                        comp_rem = d + mean - y;
                        mean = mean - d / nobs;
                        ssq = ssq - (x - prev_mean) * (x - mean);
                    } else {
                        mean = 0;
                        ssq = 0;
                    }
                }
            }
        }
        double x = v[i];
        if (present(x)) {
            big = fabs(x) > big ? fabs(x) : big;
            nobs += 1;
            same = x == prev ? same + 1 : 1;
            prev = x;
            double prev_mean = mean - comp_add;
            double y = x - comp_add, d = y - mean;
            comp_add = d + mean - y;
            mean = nobs != 0 ? mean + d / nobs : 0;
            ssq = ssq + (x - prev_mean) * (x - mean);
        }
        double r = NAN; /* sample variance: null below two values */
        if (nobs > 1)
            r = (double)same >= nobs ? 0.0 : ssq / (nobs - 1);
        if (std)
            r = r < 0 ? 0.0 : sqrt(r); /* pandas' zsqrt */
        out[i] = r;
    }
    return big;
}

static double win_var(const double *v, const int64_t *t, uint64_t span, int64_t n, bool std,
                      double *out)
{
    if (std)
        return var_kernel(v, t, span, n, true, out);
    return var_kernel(v, t, span, n, false, out);
}

/* Running count of the non-null values; v keeps infinities (they count). */
static void win_count(const double *restrict v, const int64_t *restrict t, uint64_t span,
                      int64_t n, double *restrict out)
{
    int64_t c = 0, j = 0;
    for (int64_t i = 0; i < n; i++) {
        uint64_t ti = (uint64_t)t[i];
        while (ti - (uint64_t)t[j] >= span) {
            c -= v[j] == v[j];
            j++;
        }
        c += v[i] == v[i];
        out[i] = (double)c;
    }
}

/* Monotonic deque of row positions (q has n slots; every position enters at most once).
 * Equal values replace older ones, as in pandas' roll_max/roll_min. */
static void win_min_max(const double *v, const int64_t *start, int64_t n, bool is_max,
                        int64_t *q, double *out)
{
    int64_t head = 0, tail = 0;
    for (int64_t i = 0; i < n; i++) {
        double x = v[i];
        if (x == x) {
            while (tail > head && (is_max ? x >= v[q[tail - 1]] : x <= v[q[tail - 1]]))
                tail--;
            q[tail++] = i;
        }
        while (head < tail && q[head] < start[i])
            head++;
        out[i] = head < tail ? v[q[head]] : NAN;
    }
}

/* Fenwick tree over value ranks 1..m: counts of the window's values of each rank. */
static void bit_add(int64_t *bit, int64_t m, int64_t pos, int64_t d)
{
    for (int64_t p = pos; p <= m; p += p & -p)
        bit[p] += d;
}

/* Rank (1..m) of the k-th smallest value in the tree (k 0-based); top is the largest
 * power of two <= m. */
static int64_t bit_kth(const int64_t *bit, int64_t m, int64_t k, int64_t top)
{
    int64_t pos = 0;
    for (int64_t step = top; step > 0; step >>= 1) {
        if (pos + step <= m && bit[pos + step] <= k) {
            pos += step;
            k -= bit[pos];
        }
    }
    return pos + 1;
}

/* Running median: rank the non-null values once (sort), then slide a Fenwick tree. */
static mloda_status win_median(const double *v, const int64_t *start, int64_t n, double *out,
                               mloda_error *err)
{
    size_t rows = (size_t)(n > 0 ? n : 1);
    mloda_f64_pair *pairs = mloda_malloc(rows * sizeof *pairs);
    mloda_f64_pair *tmp = mloda_malloc(rows * sizeof *tmp);
    int64_t *rank = mloda_malloc(rows * sizeof *rank);
    int64_t *bit = mloda_calloc(rows + 1, sizeof *bit);
    double *sorted = mloda_malloc(rows * sizeof *sorted);
    mloda_status st = MLODA_OK;
    if (pairs == NULL || tmp == NULL || rank == NULL || bit == NULL || sorted == NULL) {
        st = MLODA_NOMEM(err, "a running median");
        goto done;
    }
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++) {
        rank[i] = 0; /* 0: null */
        if (v[i] == v[i])
            pairs[m++] = (mloda_f64_pair){v[i], i};
    }
    mloda_sort_f64_pairs(pairs, tmp, m);
    for (int64_t r = 0; r < m; r++) {
        rank[pairs[r].row] = r + 1;
        sorted[r] = pairs[r].key;
    }
    int64_t top = 1;
    while (top * 2 <= m)
        top *= 2;
    int64_t nobs = 0;
    for (int64_t i = 0; i < n; i++) {
        if (i > 0) {
            for (int64_t j = start[i - 1]; j < start[i]; j++) {
                if (rank[j] > 0) {
                    bit_add(bit, m, rank[j], -1);
                    nobs--;
                }
            }
        }
        if (rank[i] > 0) {
            bit_add(bit, m, rank[i], 1);
            nobs++;
        }
        if (nobs == 0) {
            out[i] = NAN;
        } else {
            double hi = sorted[bit_kth(bit, m, nobs / 2, top) - 1];
            double lo = nobs % 2 == 1 ? hi : sorted[bit_kth(bit, m, nobs / 2 - 1, top) - 1];
            double mid = (hi + lo) / 2; /* as the aggregate median: no overflow on the way */
            out[i] = isfinite(mid) ? mid : lo / 2 + hi / 2;
        }
    }
done:
    mloda_free(pairs);
    mloda_free(tmp);
    mloda_free(rank);
    mloda_free(bit);
    mloda_free(sorted);
    return st;
}

/* ---------------------------------------------------------------- calculate */

/* The time order of one reference column, shared by the step's features on it. */
typedef struct tw_order {
    const mloda_column *ref;
    int64_t *perm;        /* owned: row of the k-th earliest time (stable); NULL when the
                             rows are already in time order (the identity) */
    const int64_t *times; /* times in that order: the column's own array when perm is NULL */
    int64_t *own_times;   /* owned: times, when sorted here */
} tw_order;

/* Window starts of one (order, span) pair, for the kernels that take start[]. */
typedef struct tw_bounds {
    const tw_order *order;
    uint64_t span;
    int64_t *start; /* owned */
} tw_bounds;

typedef struct tw_scratch {
    tw_order *orders;
    tw_bounds *bounds;
    int64_t n_orders, n_bounds;
    double *v, *r; /* values and results in time order, allocated on first use */
    int64_t *q;    /* deque, allocated on first use */
} tw_scratch;

/* Whether t[0..n) never decreases (one pass, no early exit so that it vectorises). */
static bool is_sorted_i64(const int64_t *restrict t, int64_t n)
{
    int64_t drops = 0;
    for (int64_t i = 1; i < n; i++)
        drops += t[i - 1] > t[i];
    return drops == 0;
}

static mloda_status order_for(tw_scratch *s, const mloda_column *ref, int64_t n,
                              const char *feature, const char *ref_name, const tw_order **out,
                              mloda_error *err)
{
    for (int64_t k = 0; k < s->n_orders; k++) {
        if (s->orders[k].ref == ref) {
            *out = &s->orders[k];
            return MLODA_OK;
        }
    }
    if (mloda_column_n_nulls(ref) > 0) {
        int64_t row = 0;
        while (row < n && mloda_column_is_valid(ref, row))
            row++;
        return mloda_error_set_at(err, MLODA_ERR_COMPUTE, feature, row,
                                  "feature '%s': reference time column '%s' is null at row %lld; "
                                  "every row needs a time",
                                  feature, ref_name, (long long)row);
    }
    const int64_t *t = mloda_column_int64(ref);
    tw_order *o = &s->orders[s->n_orders];
    memset(o, 0, sizeof *o);
    o->ref = ref;
    if (is_sorted_i64(t, n)) {
        o->times = t;
        s->n_orders++;
        *out = o;
        return MLODA_OK;
    }
    size_t rows = (size_t)(n > 0 ? n : 1);
    o->perm = mloda_malloc(rows * sizeof *o->perm);
    o->own_times = mloda_malloc(rows * sizeof *o->own_times);
    mloda_i64_pair *pairs = mloda_malloc(rows * sizeof *pairs);
    mloda_i64_pair *tmp = mloda_malloc(rows * sizeof *tmp);
    if (o->perm == NULL || o->own_times == NULL || pairs == NULL || tmp == NULL) {
        mloda_free(o->perm);
        mloda_free(o->own_times);
        mloda_free(pairs);
        mloda_free(tmp);
        return MLODA_NOMEM(err, "a time order");
    }
    s->n_orders++;
    for (int64_t i = 0; i < n; i++)
        pairs[i] = (mloda_i64_pair){t[i], i};
    mloda_sort_i64_pairs(pairs, tmp, n);
    for (int64_t i = 0; i < n; i++) {
        o->perm[i] = pairs[i].row;
        o->own_times[i] = pairs[i].key;
    }
    mloda_free(pairs);
    mloda_free(tmp);
    o->times = o->own_times;
    *out = o;
    return MLODA_OK;
}

static mloda_status bounds_for(tw_scratch *s, const tw_order *o, uint64_t span, int64_t n,
                               const int64_t **out, mloda_error *err)
{
    for (int64_t k = 0; k < s->n_bounds; k++) {
        if (s->bounds[k].order == o && s->bounds[k].span == span) {
            *out = s->bounds[k].start;
            return MLODA_OK;
        }
    }
    tw_bounds *b = &s->bounds[s->n_bounds];
    b->start = mloda_malloc((size_t)(n > 0 ? n : 1) * sizeof *b->start);
    if (b->start == NULL)
        return MLODA_NOMEM(err, "window bounds");
    b->order = o;
    b->span = span;
    s->n_bounds++;
    /* row j is in row i's window when t_i - t_j < span; times are sorted, so the
     * difference is non-negative and fits in uint64 even across the whole int64 range */
    const int64_t *t = o->times;
    int64_t j = 0;
    for (int64_t i = 0; i < n; i++) {
        while ((uint64_t)t[i] - (uint64_t)t[j] >= span)
            j++;
        b->start[i] = j;
    }
    *out = b->start;
    return MLODA_OK;
}

/*
 * The values in time order as doubles, NaN for null (perm NULL: the identity). pandas'
 * rolling turns +-inf into NaN before every window function except count, which counts
 * the non-null values of the original column, infinities included (pandas rolling.py,
 * _prep_values and GH 12541).
 */
static void gather_values(const mloda_column *c, const int64_t *perm, int64_t n, bool keep_inf,
                          double *v)
{
    const double *f = mloda_column_float64(c);
    const int64_t *x = mloda_column_int64(c);
    bool nulls = mloda_column_n_nulls(c) > 0;
    for (int64_t k = 0; k < n; k++) {
        int64_t r = perm != NULL ? perm[k] : k;
        double d = NAN;
        if (!nulls || mloda_column_is_valid(c, r))
            d = f != NULL ? f[r] : x != NULL ? (double)x[r] : mloda_column_bool_at(c, r);
        v[k] = isinf(d) && !keep_inf ? NAN : d;
    }
}

static bool fused(tw_fn fn)
{
    return fn == FN_SUM || fn == FN_AVG || fn == FN_MEAN || fn == FN_STD || fn == FN_VAR ||
           fn == FN_COUNT;
}

/* Runs fn over values v (time order) into out (time order); *big: the largest |value| the
 * moment kernels (sum, mean, var, std) saw, 0 for the others. */
static mloda_status run_kernel(tw_fn fn, tw_scratch *s, const tw_order *o, uint64_t span,
                               const double *v, int64_t n, double *out, double *big,
                               mloda_error *err)
{
    *big = 0.0;
    const int64_t *start = NULL;
    if (!fused(fn))
        MLODA_TRY(bounds_for(s, o, span, n, &start, err));
    switch (fn) {
    case FN_SUM:
    case FN_AVG:
    case FN_MEAN:
        *big = win_sum_mean(v, o->times, span, n, fn != FN_SUM, out);
        return MLODA_OK;
    case FN_STD:
    case FN_VAR:
        *big = win_var(v, o->times, span, n, fn == FN_STD, out);
        return MLODA_OK;
    case FN_COUNT:
        win_count(v, o->times, span, n, out);
        return MLODA_OK;
    case FN_MIN:
    case FN_MAX:
        if (s->q == NULL && (s->q = mloda_malloc((size_t)(n > 0 ? n : 1) * sizeof *s->q)) == NULL)
            return MLODA_NOMEM(err, "time window scratch");
        win_min_max(v, start, n, fn == FN_MAX, s->q, out);
        return MLODA_OK;
    case FN_MEDIAN:
        return win_median(v, start, n, out, err);
    case FN_FIRST:
        for (int64_t i = 0; i < n; i++)
            out[i] = v[start[i]];
        return MLODA_OK;
    case FN_LAST:
        memcpy(out, v, (size_t)n * sizeof *out);
        return MLODA_OK;
    default:
        return mloda_error_set(err, MLODA_ERR_INTERNAL, NULL, "unknown window function");
    }
}

static mloda_status one_feature(const mloda_calc *calc, int64_t i, tw_scratch *s,
                                mloda_column **out, mloda_error *err)
{
    const tw_state *state = mloda_calc_state(calc, i);
    const mloda_feature *f = mloda_calc_feature(calc, i);
    const char *name = mloda_feature_name(f);
    int64_t n = mloda_calc_n_rows(calc);
    size_t rows = (size_t)(n > 0 ? n : 1);
    const mloda_column *val = mloda_calc_input(calc, i, 0, 0);
    const mloda_column *ref = mloda_calc_input(calc, i, 1, 0);
    const tw_order *o = NULL;
    MLODA_TRY(order_for(s, ref, n, name, state->ref_name, &o, err));
    uint64_t per = (uint64_t)mloda_ticks_per_second(mloda_column_time_unit(ref));
    uint64_t secs = (uint64_t)state->span_seconds;
    uint64_t span = secs > UINT64_MAX / per ? UINT64_MAX : secs * per;

    /* values: a float64 column without nulls in time order is read as it is (the fused
     * kernels skip infinities themselves and count keeps them); otherwise gathered */
    const double *v = mloda_column_float64(val);
    if (o->perm != NULL || v == NULL || mloda_column_n_nulls(val) > 0 || !fused(state->fn)) {
        if (s->v == NULL && (s->v = mloda_malloc(rows * sizeof *s->v)) == NULL)
            return MLODA_NOMEM(err, "time window scratch");
        gather_values(val, o->perm, n, state->fn == FN_COUNT, s->v);
        v = s->v;
    }
    /* results: in time order straight into the column, or scattered back from s->r */
    if (o->perm != NULL && s->r == NULL && (s->r = mloda_malloc(rows * sizeof *s->r)) == NULL)
        return MLODA_NOMEM(err, "time window scratch");
    mloda_column_builder *b = NULL;
    double *x = NULL, big = 0.0;
    MLODA_TRY(mloda_f64_out_start(n, &b, &x, err));
    double *res = o->perm != NULL ? s->r : x;
    mloda_status st = run_kernel(state->fn, s, o, span, v, n, res, &big, err);
    /* huge values (sum, mean, var, std; the kernels report the largest): pandas' online
     * kernels run again on the values scaled by a power of two, which is exact and keeps
     * every running sum finite; the results are scaled back, and one whose exact value is
     * beyond DBL_MAX is an error */
    int shift = st == MLODA_OK && big > 0x1p400 ? mloda_agg_shift_for(big) : 0;
    if (shift != 0) {
        if (s->v == NULL && (s->v = mloda_malloc(rows * sizeof *s->v)) == NULL)
            st = MLODA_NOMEM(err, "time window scratch");
        for (int64_t k = 0; st == MLODA_OK && k < n; k++)
            s->v[k] = ldexp(v[k], shift); /* v may be s->v: in place is fine */
        if (st == MLODA_OK)
            st = run_kernel(state->fn, s, o, span, s->v, n, res, &big, err);
    }
    if (st != MLODA_OK) {
        mloda_column_builder_free(b);
        return st;
    }
    if (o->perm != NULL) {
        for (int64_t k = 0; k < n; k++)
            x[o->perm[k]] = s->r[k];
    }
    int back = state->fn == FN_VAR ? -2 * shift : -shift;
    for (int64_t r = 0; shift != 0 && r < n; r++) {
        x[r] = ldexp(x[r], back);
        if (isinf(x[r])) {
            mloda_column_builder_free(b);
            return mloda_error_set_at(err, MLODA_ERR_RANGE, name, r,
                                      "feature '%s': the float64 window %s of row %lld "
                                      "overflows: its exact value is beyond +-1.8e308",
                                      name, FN_NAMES[state->fn], (long long)r);
        }
    }
    return mloda_f64_out_finish(b, x, n, out, err); /* NaN results are null */
}

static mloda_status tw_calculate(void *ud, mloda_calc *calc, mloda_error *err)
{
    (void)ud;
    int64_t nf = mloda_calc_n_features(calc);
    tw_scratch s;
    memset(&s, 0, sizeof s);
    s.orders = mloda_calloc((size_t)nf, sizeof *s.orders);
    s.bounds = mloda_calloc((size_t)nf, sizeof *s.bounds);
    mloda_status st = MLODA_OK;
    if (s.orders == NULL || s.bounds == NULL)
        st = MLODA_NOMEM(err, "time window scratch");
    for (int64_t i = 0; st == MLODA_OK && i < nf; i++) {
        const char *name = mloda_feature_name(mloda_calc_feature(calc, i));
        mloda_column *out = NULL;
        if (mloda_calc_is_cancelled(calc))
            st = mloda_error_set(err, MLODA_ERR_CANCELLED, name, "cancelled");
        if (st == MLODA_OK)
            st = one_feature(calc, i, &s, &out, err);
        if (st == MLODA_OK)
            st = mloda_calc_set_output(calc, i, out, err);
        if (st != MLODA_OK)
            mloda_error_default_subject(err, name);
    }
    for (int64_t k = 0; k < s.n_orders; k++) {
        mloda_free(s.orders[k].perm);
        mloda_free(s.orders[k].own_times);
    }
    for (int64_t k = 0; k < s.n_bounds; k++)
        mloda_free(s.bounds[k].start);
    mloda_free(s.orders);
    mloda_free(s.bounds);
    mloda_free(s.v);
    mloda_free(s.r);
    mloda_free(s.q);
    return st;
}

const mloda_feature_group mloda_group_time_window = {
    .struct_size = sizeof(mloda_feature_group),
    .abi_version = MLODA_FEATURE_GROUP_ABI,
    .name = "TimeWindowFeatureGroup",
    .description =
        "Rolling time windows: each row gets the function over the values whose reference "
        "time lies in (t - size*unit, t], over the rows stably sorted by time and ending at "
        "the row itself (a later row with the same time is not in an earlier tied row's "
        "window); results keep the original row order. Nulls and NaN are skipped except by "
        "first/last, which return the window's first/last element, nulls included. std/var "
        "are sample statistics (ddof 1); every output is float64 and NaN results are null. "
        "As in pandas' rolling, +-inf values count as missing except for count. "
        "month = 30 days, year = 365 days. sum/mean/var/std replay pandas 1.5's online add/remove "
        "arithmetic, so they round as mloda's do. Differences from mloda: the "
        "reference column must be a timestamp column (checked at prepare); rows with equal "
        "times keep their input order (pandas' default sort is not stable, so mloda may "
        "order ties differently in long inputs); features of one step may use different "
        "options and reference columns (mloda requires equal options); a multi-column "
        "source is rejected; no partition_by.",
    .version = "1",
    .patterns = "{in}__{fn}_{size}_{unit}_window",
    .options_doc = "window_function: sum|min|max|avg|mean|count|std|var|median|first|last\n"
                   "window_size: positive integer\n"
                   "time_unit: second|minute|hour|day|week|month|year (month = 30 days, "
                   "year = 365 days)\n"
                   "in_features: the value column (option form)\n"
                   "reference_time: the timestamp column (default reference_time)",
    .example = "load__sum_2_day_window",
    .match = tw_match,
    .inputs = tw_inputs,
    .bind = tw_bind,
    .calculate = tw_calculate,
    .parsed_free = mloda_family_parsed_free,
};
