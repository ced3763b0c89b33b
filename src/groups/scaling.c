/*
 * scaling.c: the scaling family `{in}__{scaler}_scaled` and its option form (scaler_type +
 * in_features), SPEC.md §6.4, computed in closed form as scikit-learn does.
 *
 * Invariants:
 * - Fit on the present values only (null, and NaN in float64, are missing); a missing
 *   input gives a null output (SPEC.md §10.10: mloda fills nulls before transforming).
 * - standard: (x - mean) / std, population std (ddof 0), two-pass variance with
 *   sklearn's correction term; a constant column (sklearn's _is_constant_feature) divides
 *   by 1. minmax: x * s + (-min * s), s = 1 / (max - min), a range below 10 eps counts as
 *   1 (sklearn's _handle_zeros_in_scale). robust: (x - median) / (Q3 - Q1) with numpy's
 *   linear-interpolation quantiles, an IQR below 10 eps counts as 1. normalizer: x / |x|
 *   per row (a norm below 10 eps counts as 1, so 0 stays 0).
 * - A multi-column source (F~0..F~k) is a matrix, as sklearn sees it: standard, minmax and
 *   robust scale each column on its own; normalizer divides each row by its L2 norm over
 *   the row's present cells. Outputs are F'~k with the source's suffixes.
 * - Every batch is fitted on its own rows (no stored fit; SPEC's artifacts are not kept).
 * All outputs are float64.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "groups/agg_kernels.h"
#include "groups/colops.h"
#include "groups/family.h"
#include "groups/groups.h"
#include "util/util.h"

typedef enum scaler { S_STANDARD, S_MINMAX, S_ROBUST, S_NORMALIZER } scaler;

static const char *const SCALERS[] = {"standard", "minmax", "robust", "normalizer"};

static const mloda_family_param SCALE_PARAMS[] = {
    {.option = "scaler_type", .what = "scaler type", .kind = MLODA_FAMILY_TOKEN, .tokens = SCALERS,
     .n_tokens = 4, .n_usable = 4, .allowed = "standard, minmax, robust, normalizer"},
};
static const mloda_family_spec SCALE = {.pattern = "{scaler_type}_scaled",
                                      .example = "value__standard_scaled",
                                      .n_params = 1,
                                      .params = SCALE_PARAMS,
                                      .inputs_hint = " to scale"};

/* sklearn's _handle_zeros_in_scale: spreads below 10 machine epsilons count as 1 */
#define ZERO_SCALE (10.0 * DBL_EPSILON)

/* Per-feature state: which scaler and whether the source has several columns. */
typedef struct scale_state {
    scaler kind;
    bool multi;
} scale_state;

static mloda_status scale_match(void *ud, const mloda_feature *f, bool *out_match, void **out_parsed,
                                mloda_error *why)
{
    (void)ud;
    return mloda_family_match(&SCALE, f, out_match, out_parsed, why);
}

static mloda_status scale_inputs(void *ud, const mloda_feature *f, mloda_inputs *in,
                                 mloda_error *err)
{
    (void)ud;
    return mloda_inputs_add_chain(in, f, 1, 1, err);
}

static mloda_status scale_bind(void *ud, mloda_bind *ctx, mloda_error *err)
{
    (void)ud;
    const mloda_feature *f = mloda_bind_feature(ctx);
    const char *name = mloda_feature_name(f);
    int idx = (int)mloda_family_of(f)->num[0];
    mloda_type t = mloda_bind_input_type(ctx, 0);
    if (t != MLODA_TYPE_FLOAT64 && t != MLODA_TYPE_INT64 && t != MLODA_TYPE_BOOL)
        return mloda_error_set(err, MLODA_ERR_TYPE, name,
                               "feature '%s': cannot scale %s column '%s' (%s scaling needs "
                               "numbers: float64, int64 or bool)",
                               name, mloda_type_name(t), mloda_bind_input_name(ctx, 0),
                               SCALERS[idx]);
    scale_state *s = mloda_malloc(sizeof *s);
    if (s == NULL)
        return MLODA_NOMEM(err, "scaling state");
    s->kind = (scaler)idx;
    s->multi = mloda_bind_input_is_multi(ctx, 0);
    MLODA_TRY(mloda_bind_set_state(ctx, s, mloda_free, err));
    return s->multi ? mloda_bind_output_multi(ctx, MLODA_TYPE_FLOAT64, 0, MLODA_TIME_SECOND, err)
                    : mloda_bind_output(ctx, MLODA_TYPE_FLOAT64, 0, MLODA_TIME_SECOND, err);
}

/* ---------------------------------------------------------------- fit */

/* Mean and population variance of the non-NaN values (two passes, sklearn's correction
 * term); *count 0 when there are none. */
static void fit_standard(const double *restrict v, int64_t n, double *mean, double *var,
                         int64_t *count)
{
    double sum[4] = {0, 0, 0, 0};
    int64_t cnt[4] = {0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        for (int k = 0; k < 4; k++) {
            bool ok = v[i + k] == v[i + k];
            sum[k] += ok ? v[i + k] : 0.0;
            cnt[k] += ok;
        }
    }
    for (; i < n; i++) {
        bool ok = v[i] == v[i];
        sum[0] += ok ? v[i] : 0.0;
        cnt[0] += ok;
    }
    int64_t c = cnt[0] + cnt[1] + cnt[2] + cnt[3];
    *count = c;
    if (c == 0)
        return;
    double m = ((sum[0] + sum[1]) + (sum[2] + sum[3])) / (double)c;
    double sq[4] = {0, 0, 0, 0}, corr[4] = {0, 0, 0, 0};
    for (i = 0; i + 4 <= n; i += 4) {
        for (int k = 0; k < 4; k++) {
            double d = v[i + k] - m;
            bool ok = d == d;
            sq[k] += ok ? d * d : 0.0;
            corr[k] += ok ? d : 0.0;
        }
    }
    for (; i < n; i++) {
        double d = v[i] - m;
        bool ok = d == d;
        sq[0] += ok ? d * d : 0.0;
        corr[0] += ok ? d : 0.0;
    }
    double s2 = (sq[0] + sq[1]) + (sq[2] + sq[3]), cr = (corr[0] + corr[1]) + (corr[2] + corr[3]);
    *mean = m;
    *var = (s2 - cr * cr / (double)c) / (double)c;
}

/* The std to divide by: 1 for a constant column (sklearn's _is_constant_feature). */
static double standard_scale(double mean, double var, int64_t count)
{
    double nc = (double)count;
    double bound = nc * DBL_EPSILON * var + (nc * mean * DBL_EPSILON) * (nc * mean * DBL_EPSILON);
    if (var <= bound)
        return 1.0;
    double sd = sqrt(var);
    return sd < ZERO_SCALE ? 1.0 : sd;
}

static void fit_minmax(const double *restrict v, int64_t n, double *lo, double *hi)
{
    double mn[4] = {INFINITY, INFINITY, INFINITY, INFINITY};
    double mx[4] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        for (int k = 0; k < 4; k++) {
            double x = v[i + k];
            mn[k] = x < mn[k] ? x : mn[k]; /* NaN compares false: skipped */
            mx[k] = x > mx[k] ? x : mx[k];
        }
    }
    for (; i < n; i++) {
        mn[0] = v[i] < mn[0] ? v[i] : mn[0];
        mx[0] = v[i] > mx[0] ? v[i] : mx[0];
    }
    *lo = fmin(fmin(mn[0], mn[1]), fmin(mn[2], mn[3]));
    *hi = fmax(fmax(mx[0], mx[1]), fmax(mx[2], mx[3]));
}

/* numpy's _lerp: a + (b - a) t, computed from b's side when t >= 0.5 */
static double lerp(double a, double b, double t)
{
    double d = b - a;
    return t >= 0.5 ? b - d * (1.0 - t) : a + d * t;
}

/* Median, first and third quartile (numpy's linear method) of w[0..c), reordering w:
 * successive selections, each on the part above the previous rank. */
static void fit_robust(double *w, int64_t c, double *median, double *q1, double *q3)
{
    double pos1 = 0.25 * (double)(c - 1), pos3 = 0.75 * (double)(c - 1);
    int64_t k1 = (int64_t)pos1, k3 = (int64_t)pos3, hm = c / 2;
    int64_t ranks[6] = {k1, k1 + 1 < c ? k1 + 1 : c - 1, c % 2 ? hm : hm - 1, hm,
                        k3, k3 + 1 < c ? k3 + 1 : c - 1};
    double val[6];
    /* sort the six ranks (insertion sort), remembering where each one goes */
    int order[6] = {0, 1, 2, 3, 4, 5};
    for (int a = 1; a < 6; a++) {
        for (int b = a; b > 0 && ranks[order[b]] < ranks[order[b - 1]]; b--) {
            int t = order[b];
            order[b] = order[b - 1];
            order[b - 1] = t;
        }
    }
    int64_t lo = 0;
    for (int a = 0; a < 6; a++) {
        int64_t k = ranks[order[a]];
        val[order[a]] = mloda_agg_select_kth(w + lo, c - lo, k - lo);
        lo = k; /* w[lo..c) now holds the values ranked lo and above */
    }
    *q1 = lerp(val[0], val[1], pos1 - (double)k1);
    *median = (val[2] + val[3]) / 2.0; /* numpy: mean of the two middle values */
    *q3 = lerp(val[4], val[5], pos3 - (double)k3);
}

/* ---------------------------------------------------------------- transform */

/* Values beyond 2^400 in magnitude (*scaled set): *v becomes a copy scaled by a power of
 * two (exact; called when a fit overflowed), so that sums, squares and ranges do not
 * overflow; standard, minmax and robust scaling give
 * the same results for the scaled values. Smaller values are left alone (sklearn's
 * thresholds for a zero spread are absolute). */
static mloda_status huge_values_scaled(const double **v, double **owned, int64_t n,
                                       bool *scaled, mloda_error *err)
{
    *scaled = false;
    double big = 0.0;
    for (int64_t i = 0; i < n; i++)
        big = fabs((*v)[i]) > big ? fabs((*v)[i]) : big; /* NaN skipped */
    if (!(big > 0x1p400) || isinf(big))
        return MLODA_OK;
    int shift = mloda_agg_shift_for(big);
    if (*owned == NULL) {
        *owned = mloda_malloc((size_t)n * sizeof **owned);
        if (*owned == NULL)
            return MLODA_NOMEM(err, "scaled values");
    }
    for (int64_t i = 0; i < n; i++)
        (*owned)[i] = ldexp((*v)[i], shift);
    *v = *owned;
    *scaled = true;
    return MLODA_OK;
}

/* Scales one column (standard, minmax, robust) into a new float64 column. */
static mloda_status scale_column(scaler kind, const mloda_column *col, int64_t n,
                                 mloda_column **out, mloda_error *err)
{
    const double *v = NULL;
    double *owned = NULL, *o = NULL, *scratch = NULL;
    MLODA_TRY(mloda_column_as_f64(col, &v, &owned, err));
    mloda_column_builder *b = NULL;
    mloda_status st = mloda_f64_out_start(n, &b, &o, err);
    double shift = 0.0, div = 1.0; /* standard, robust: out = (x - shift) / div */
    double mul = 1.0, add = 0.0;    /* minmax: out = x * mul + add */
    bool none = false;
    /* the fit; when it overflowed on huge values, once more on them scaled (exact) */
    for (int attempt = 0; attempt < 2 && st == MLODA_OK; attempt++) {
        bool overflowed = false;
        if (kind == S_STANDARD) {
            double mean = 0.0, var = 0.0;
            int64_t count = 0;
            fit_standard(v, n, &mean, &var, &count);
            none = count == 0;
            overflowed = !isfinite(mean) || !isfinite(var);
            shift = mean;
            div = none ? 1.0 : standard_scale(mean, var, count);
        } else if (kind == S_MINMAX) {
            double lo = 0.0, hi = 0.0;
            fit_minmax(v, n, &lo, &hi);
            none = !(lo <= hi);
            double range = hi - lo;
            overflowed = !isfinite(range);
            mul = 1.0 / (range < ZERO_SCALE ? 1.0 : range);
            add = -lo * mul;
        } else { /* robust */
            mloda_free(scratch);
            scratch = mloda_malloc((size_t)(n > 0 ? n : 1) * sizeof *scratch);
            int64_t c = 0;
            if (scratch == NULL)
                st = MLODA_NOMEM(err, "quantiles");
            for (int64_t i = 0; st == MLODA_OK && i < n; i++) {
                if (v[i] == v[i])
                    scratch[c++] = v[i];
            }
            none = c == 0;
            if (st == MLODA_OK && !none) {
                double med = 0.0, q1 = 0.0, q3 = 0.0;
                fit_robust(scratch, c, &med, &q1, &q3);
                overflowed = !isfinite(med) || !isfinite(q3 - q1);
                shift = med;
                div = q3 - q1 < ZERO_SCALE ? 1.0 : q3 - q1;
            }
        }
        bool scaled = false;
        if (st == MLODA_OK && attempt == 0 && overflowed && !none)
            st = huge_values_scaled(&v, &owned, n, &scaled, err);
        if (!scaled)
            break; /* fitted without overflow, or nothing to scale (infinite inputs) */
    }
    if (st == MLODA_OK) {
        if (none) { /* nothing to fit on: every row is missing, so every output is null */
            for (int64_t i = 0; i < n; i++)
                o[i] = NAN;
        } else if (kind == S_MINMAX) {
            for (int64_t i = 0; i < n; i++)
                o[i] = v[i] * mul + add; /* sklearn: X *= scale_; X += min_ */
        } else {
            for (int64_t i = 0; i < n; i++)
                o[i] = (v[i] - shift) / div;
        }
        st = mloda_f64_out_finish(b, o, n, out, err); /* NaN (missing input) -> null */
    } else {
        mloda_column_builder_free(b);
    }
    mloda_free(scratch);
    mloda_free(owned);
    return st;
}

/* L2 row normaliser over `width` columns: out[k][r] = x[k][r] / ||row r||, where the norm
 * runs over the row's present cells and one below 10 eps counts as 1 (sklearn). The norm
 * is scaled by the row's largest magnitude, so huge values do not overflow. */
static mloda_status normalize_rows(const mloda_calc *calc, int64_t i, int64_t width, int64_t n,
                                   mloda_column **outs, mloda_error *err)
{
    size_t w = (size_t)(width > 0 ? width : 1);
    const double **v = mloda_calloc(w, sizeof *v);
    double **owned = mloda_calloc(w, sizeof *owned);
    double **o = mloda_calloc(w, sizeof *o);
    mloda_column_builder **b = mloda_calloc(w, sizeof *b);
    double *norm = mloda_malloc((size_t)(n > 0 ? n : 1) * sizeof *norm);
    double *big = mloda_malloc((size_t)(n > 0 ? n : 1) * sizeof *big);
    mloda_status st = MLODA_OK;
    if (v == NULL || owned == NULL || o == NULL || b == NULL || norm == NULL || big == NULL)
        st = MLODA_NOMEM(err, "a row normaliser");
    for (int64_t k = 0; st == MLODA_OK && k < width; k++)
        st = mloda_column_as_f64(mloda_calc_input(calc, i, 0, k), &v[k], &owned[k], err);
    for (int64_t k = 0; st == MLODA_OK && k < width; k++)
        st = mloda_f64_out_start(n, &b[k], &o[k], err);
    if (st == MLODA_OK) {
        for (int64_t r = 0; r < n; r++) {
            big[r] = 0.0;
            norm[r] = 0.0;
        }
        for (int64_t k = 0; k < width; k++) {
            for (int64_t r = 0; r < n; r++) {
                double a = fabs(v[k][r]);
                big[r] = a > big[r] ? a : big[r]; /* NaN skipped */
            }
        }
        for (int64_t k = 0; k < width; k++) {
            for (int64_t r = 0; r < n; r++) {
                double q = big[r] > 0.0 ? v[k][r] / big[r] : 0.0;
                norm[r] += q == q ? q * q : 0.0;
            }
        }
        for (int64_t r = 0; r < n; r++) {
            double nr = big[r] * sqrt(norm[r]);
            norm[r] = nr < ZERO_SCALE ? 1.0 : nr;
        }
        for (int64_t k = 0; k < width; k++) {
            for (int64_t r = 0; r < n; r++)
                o[k][r] = v[k][r] / norm[r];
        }
    }
    for (int64_t k = 0; k < width && b != NULL; k++) {
        if (st == MLODA_OK) {
            st = mloda_f64_out_finish(b[k], o[k], n, &outs[k], err);
            b[k] = NULL;
        }
        mloda_column_builder_free(b[k]);
        if (owned != NULL)
            mloda_free(owned[k]);
    }
    mloda_free(v);
    mloda_free(owned);
    mloda_free(o);
    mloda_free(b);
    mloda_free(norm);
    mloda_free(big);
    return st;
}

static mloda_status scale_feature(mloda_calc *calc, int64_t i, mloda_error *err)
{
    const scale_state *s = mloda_calc_state(calc, i);
    int64_t n = mloda_calc_n_rows(calc), width = mloda_calc_input_n_columns(calc, i, 0);
    mloda_column **outs = mloda_calloc((size_t)(width > 0 ? width : 1), sizeof *outs);
    if (outs == NULL)
        return MLODA_NOMEM(err, "scaled columns");
    mloda_status st = MLODA_OK;
    if (s->kind == S_NORMALIZER) {
        st = normalize_rows(calc, i, width, n, outs, err);
    } else {
        for (int64_t k = 0; st == MLODA_OK && k < width; k++)
            st = scale_column(s->kind, mloda_calc_input(calc, i, 0, k), n, &outs[k], err);
    }
    for (int64_t k = 0; k < width; k++) {
        if (st != MLODA_OK)
            mloda_column_release(outs[k]);
        else if (s->multi)
            st = mloda_calc_add_output(calc, i, mloda_calc_input_suffix(calc, i, 0, k), outs[k],
                                       err);
        else
            st = mloda_calc_set_output(calc, i, outs[k], err);
    }
    mloda_free(outs);
    return st;
}

static mloda_status scale_calculate(void *ud, mloda_calc *calc, mloda_error *err)
{
    (void)ud;
    return mloda_each_feature(calc, scale_feature, err);
}

const mloda_feature_group mloda_group_scaling = {
    .struct_size = sizeof(mloda_feature_group),
    .abi_version = MLODA_FEATURE_GROUP_ABI,
    .name = "ScalingFeatureGroup",
    .description =
        "Scales a numeric column (float64, int64 or bool) to float64, as scikit-learn's "
        "scalers do, fitted on the present values of each batch. standard: (x - mean) / std "
        "with the population std, a constant column divides by 1; minmax: (x - min) / (max - "
        "min), a zero range gives 0; robust: (x - median) / (Q3 - Q1) with numpy's linear "
        "quantiles, a zero IQR divides by 1; normalizer: x / |x| per row (sign(x); 0 stays 0). "
        "Differs from mloda: a null (or NaN) input gives a null output, where mloda fills it "
        "(ffill, bfill, then 0) before transforming; the normalizer's norm does not overflow "
        "for |x| above 1e154 (sklearn's gives 0 there); fitted parameters are not stored as "
        "artifacts for later runs. A multi-column source is scaled column by column "
        "(normalizer: by the L2 norm of each row across the columns).",
    .version = "1",
    .patterns = "{in}__{scaler}_scaled",
    .options_doc = "scaler_type: standard|minmax|robust|normalizer\n"
                   "in_features: the column to scale (option form)",
    .example = "weight__standard_scaled",
    .match = scale_match,
    .inputs = scale_inputs,
    .bind = scale_bind,
    .calculate = scale_calculate,
    .parsed_free = mloda_family_parsed_free,
};
