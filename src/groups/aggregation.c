/*
 * aggregation.c: the aggregation family `{in}__{op}_aggr` and its option form
 * (aggregation_type + in_features), SPEC.md §6.1.
 *
 * Whole-column aggregates are broadcast to every row. Nulls and NaN are skipped; sum of
 * nothing is 0, count of nothing 0, everything else of nothing is null; std/var are
 * sample statistics (ddof 1) and null below two values. A multi-column source (F~0..F~k)
 * is reduced across its columns row by row (SPEC.md §1.4).
 *
 * All features of one step over the same input column share one statistics pass.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "groups/agg_kernels.h"
#include "groups/family.h"
#include "groups/fill.h"
#include "groups/groups.h"
#include "util/util.h"

typedef enum agg_op {
    OP_SUM,
    OP_MIN,
    OP_MAX,
    OP_AVG,
    OP_MEAN,
    OP_COUNT,
    OP_STD,
    OP_VAR,
    OP_MEDIAN,
    OP_COUNT_ALL
} agg_op;

typedef struct op_info {
    agg_op op;
    const char *name;
    bool text_ok; /* defined on utf8 (lexicographic) */
} op_info;

/* In agg_op order, which is the order of the family's tokens (OP_NAMES). */
static const op_info OPS[OP_COUNT_ALL] = {
    {OP_SUM, "sum", false},   {OP_MIN, "min", true},   {OP_MAX, "max", true},
    {OP_AVG, "avg", false},   {OP_MEAN, "mean", false}, {OP_COUNT, "count", true},
    {OP_STD, "std", false},   {OP_VAR, "var", false},  {OP_MEDIAN, "median", false},
};

/* Per-feature state: the op, and whether the input is multi-column (then the op is
 * applied across its columns per row, whatever the column count of a batch). */
typedef struct agg_state {
    const op_info *op;
    bool row_wise;
} agg_state;

#define STATE_ROW(w)                                                                          \
    {{&OPS[0], w}, {&OPS[1], w}, {&OPS[2], w}, {&OPS[3], w}, {&OPS[4], w},                  \
     {&OPS[5], w}, {&OPS[6], w}, {&OPS[7], w}, {&OPS[8], w}}
static const agg_state STATES[2][OP_COUNT_ALL] = {STATE_ROW(false), STATE_ROW(true)};

static const char *const OP_NAMES[OP_COUNT_ALL] = {"sum", "min", "max",   "avg",   "mean",
                                                  "count", "std", "var", "median"};
static const mloda_family_param AGG_PARAMS[] = {
    {.option = "aggregation_type", .what = "aggregation type", .kind = MLODA_FAMILY_TOKEN,
     .tokens = OP_NAMES, .n_tokens = OP_COUNT_ALL, .n_usable = OP_COUNT_ALL,
     .allowed = "sum, min, max, avg, mean, count, std, var, median"},
};
static const mloda_family_spec AGG = {.pattern = "{aggregation_type}_aggr",
                                      .example = "value__mean_aggr",
                                      .n_params = 1,
                                      .params = AGG_PARAMS,
                                      .inputs_hint = " to aggregate"};

static mloda_status agg_match(void *ud, const mloda_feature *f, bool *out_match,
                              void **out_parsed, mloda_error *why)
{
    (void)ud;
    return mloda_family_match(&AGG, f, out_match, out_parsed, why);
}

static mloda_status agg_inputs(void *ud, const mloda_feature *f, mloda_inputs *out,
                               mloda_error *err)
{
    (void)ud;
    return mloda_inputs_add_chain(out, f, 1, 1, err);
}

/* Output type of op over an input of type t (SPEC.md §6.1's dtype column). */
static mloda_type output_type(agg_op op, mloda_type t)
{
    switch (op) {
    case OP_COUNT:
        return MLODA_TYPE_INT64;
    case OP_SUM:
        return t == MLODA_TYPE_FLOAT64 ? MLODA_TYPE_FLOAT64 : MLODA_TYPE_INT64;
    case OP_MIN:
    case OP_MAX:
        return t;
    default:
        return MLODA_TYPE_FLOAT64;
    }
}

static bool input_allowed(const op_info *op, mloda_type t)
{
    switch (t) {
    case MLODA_TYPE_INT64:
    case MLODA_TYPE_FLOAT64:
    case MLODA_TYPE_BOOL:
        return true;
    case MLODA_TYPE_UTF8:
        return op->text_ok;
    case MLODA_TYPE_TIMESTAMP:
        return op->op == OP_MIN || op->op == OP_MAX || op->op == OP_COUNT;
    default:
        return false;
    }
}

static mloda_status agg_bind(void *ud, mloda_bind *ctx, mloda_error *err)
{
    (void)ud;
    const mloda_feature *f = mloda_bind_feature(ctx);
    const op_info *op = &OPS[mloda_family_of(f)->num[0]];
    mloda_type t = mloda_bind_input_type(ctx, 0);
    bool multi = mloda_bind_input_is_multi(ctx, 0);
    if (!input_allowed(op, t) || (multi && t == MLODA_TYPE_UTF8))
        return mloda_error_set(err, MLODA_ERR_TYPE, mloda_feature_name(f),
                               "feature '%s': cannot compute %s of %s column '%s'%s",
                               mloda_feature_name(f), op->name, mloda_type_name(t),
                               mloda_bind_input_name(ctx, 0),
                               t == MLODA_TYPE_UTF8 ? " (text allows min, max and count)" : "");
    if (multi && t == MLODA_TYPE_TIMESTAMP && op->op != OP_COUNT)
        return mloda_error_set(err, MLODA_ERR_TYPE, mloda_feature_name(f),
                               "feature '%s': row-wise %s of timestamps is not defined",
                               mloda_feature_name(f), op->name);
    mloda_type out = output_type(op->op, t);
    if (multi && t == MLODA_TYPE_BOOL && (op->op == OP_MIN || op->op == OP_MAX))
        out = MLODA_TYPE_BOOL;
    MLODA_TRY(mloda_bind_output(ctx, out, 0, mloda_bind_input_time_unit(ctx, 0), err));
    /* state: a pointer into the static state table, nothing to free */
    const agg_state *state = &STATES[multi ? 1 : 0][op - OPS];
    return mloda_bind_set_state(ctx, (void *)(uintptr_t)state, NULL, err);
}

/* ---------------------------------------------------------------- column-wise */

static unsigned needs_of(agg_op op)
{
    if (op == OP_STD || op == OP_VAR)
        return AGG_NEED_M2;
    if (op == OP_MEDIAN)
        return AGG_NEED_MEDIAN;
    return 0;
}

/* README "Numbers at the edges": a float64 result whose exact value is beyond DBL_MAX
 * (finite inputs) is an error, not an inf that output formats would show as null. */
static mloda_status overflow_error(mloda_error *err, const char *name, const char *what)
{
    return mloda_error_set(err, MLODA_ERR_RANGE, name,
                           "feature '%s': the float64 %s overflows: its exact value is beyond "
                           "+-1.8e308",
                           name, what);
}

/* The broadcast output of one op from a column's statistics. */
static mloda_status emit_column_wise(const char *name, const op_info *op, const mloda_column *in,
                                     const agg_stats *s, mloda_type out_type, int64_t n,
                                     mloda_column **out, mloda_error *err)
{
    mloda_type t = mloda_column_type(in);
    bool none = s->count == 0;
    switch (op->op) {
    case OP_COUNT:
        return mloda_fill_int64(MLODA_TYPE_INT64, MLODA_TIME_SECOND, n, s->count, false, out, err);
    case OP_SUM:
        if (s->sum_overflow)
            return overflow_error(err, name, "sum");
        if (out_type == MLODA_TYPE_FLOAT64)
            return mloda_fill_float64(n, s->sum, false, out, err);
        if (s->isum_overflow)
            return mloda_error_set(err, MLODA_ERR_RANGE, NULL,
                                   "the int64 sum overflows (about %.17g)", s->sum);
        return mloda_fill_int64(MLODA_TYPE_INT64, MLODA_TIME_SECOND, n, s->isum, false, out, err);
    case OP_MIN:
    case OP_MAX: {
        bool is_min = op->op == OP_MIN;
        if (t == MLODA_TYPE_FLOAT64)
            return mloda_fill_float64(n, is_min ? s->min : s->max, none, out, err);
        if (t == MLODA_TYPE_BOOL)
            return mloda_fill_bool(n, (is_min ? s->imin : s->imax) != 0, none, out, err);
        if (t == MLODA_TYPE_UTF8) {
            int64_t len = 0;
            const char *str = none ? NULL
                                   : mloda_column_utf8_at(in, is_min ? s->min_row : s->max_row,
                                                          &len);
            return mloda_fill_utf8(n, str, len, none, out, err);
        }
        return mloda_fill_int64(t, mloda_column_time_unit(in), n, is_min ? s->imin : s->imax, none,
                          out, err);
    }
    case OP_AVG:
    case OP_MEAN:
        return mloda_fill_float64(n, none ? 0.0 : s->mean, none, out, err);
    case OP_VAR:
    case OP_STD: {
        bool few = s->count < 2;
        if (op->op == OP_VAR && s->var_overflow)
            return overflow_error(err, name, "variance");
        return mloda_fill_float64(n, few ? 0.0 : op->op == OP_STD ? s->std : s->var, few, out,
                                  err);
    }
    case OP_MEDIAN:
        return mloda_fill_float64(n, none ? 0.0 : s->median, none, out, err);
    default:
        return mloda_error_set(err, MLODA_ERR_INTERNAL, NULL, "unknown aggregation");
    }
}

/* ---------------------------------------------------------------- row-wise */

/* Value of row r of a numeric column as a double; false for null/NaN. */
static bool value_at(const mloda_column *c, int64_t r, double *out)
{
    if (!mloda_column_is_valid(c, r))
        return false;
    const double *f = mloda_column_float64(c);
    const int64_t *x = mloda_column_int64(c);
    *out = f != NULL ? f[r] : x != NULL ? (double)x[r] : (mloda_column_bool_at(c, r) ? 1.0 : 0.0);
    return *out == *out;
}

static double reduce_row(agg_op op, double *v, int64_t k, bool *is_null, bool *overflow)
{
    double mn = INFINITY, mx = -INFINITY;
    for (int64_t j = 0; j < k; j++) {
        mn = v[j] < mn ? v[j] : mn;
        mx = v[j] > mx ? v[j] : mx;
    }
    double sum = 0.0, mean = NAN, var = NAN, std = NAN;
    bool need_var = op == OP_VAR || op == OP_STD;
    *overflow = false;
    if (op != OP_MIN && op != OP_MAX && op != OP_MEDIAN && op != OP_COUNT)
        mloda_agg_moments_of(v, k, need_var, &sum, &mean, &var, &std, overflow);
    *overflow = *overflow && (op == OP_SUM || op == OP_VAR);
    *is_null = false;
    switch (op) {
    case OP_SUM:
        return sum;
    case OP_COUNT:
        return (double)k;
    case OP_MIN:
        *is_null = k == 0;
        return mn;
    case OP_MAX:
        *is_null = k == 0;
        return mx;
    case OP_MEDIAN:
        *is_null = k == 0;
        return k == 0 ? 0.0 : mloda_agg_median_of(v, k);
    case OP_VAR:
    case OP_STD:
        *is_null = k < 2;
        return k < 2 ? 0.0 : op == OP_STD ? std : var;
    default: /* avg, mean */
        *is_null = k == 0;
        return k == 0 ? 0.0 : mean;
    }
}

/* Integer sum/min/max across the columns of row r, exactly (no trip through double);
 * false on int64 overflow. *any: a value was present. */
static bool int_row(const mloda_calc *calc, int64_t i, int64_t width, int64_t r, agg_op op,
                    int64_t *out, bool *any)
{
    int64_t acc = op == OP_MIN ? INT64_MAX : op == OP_MAX ? INT64_MIN : 0;
    *any = false;
    for (int64_t c = 0; c < width; c++) {
        const mloda_column *col = mloda_calc_input(calc, i, 0, c);
        if (!mloda_column_is_valid(col, r))
            continue;
        const int64_t *x = mloda_column_int64(col);
        int64_t v = x != NULL ? x[r] : (mloda_column_bool_at(col, r) ? 1 : 0);
        *any = true;
        if (op == OP_SUM) {
            if (__builtin_add_overflow(acc, v, &acc))
                return false;
        } else if (op == OP_MIN) {
            acc = v < acc ? v : acc;
        } else {
            acc = v > acc ? v : acc;
        }
    }
    *out = acc;
    return true;
}

static mloda_status row_wise(const mloda_calc *calc, int64_t i, const op_info *op,
                             mloda_type out_type, mloda_column **out, mloda_error *err)
{
    int64_t n = mloda_calc_n_rows(calc), width = mloda_calc_input_n_columns(calc, i, 0);
    mloda_column_builder *b = NULL;
    mloda_status st = mloda_column_builder_new(out_type, 0, MLODA_TIME_SECOND, &b, err);
    if (st != MLODA_OK)
        return st;
    double *v = mloda_malloc((size_t)(width > 0 ? width : 1) * sizeof *v);
    st = v == NULL ? mloda_error_set(err, MLODA_ERR_NOMEM, NULL, "out of memory")
                   : mloda_column_builder_reserve(b, n, 0, err);
    bool exact_int = out_type == MLODA_TYPE_INT64 && op->op != OP_COUNT;
    for (int64_t r = 0; st == MLODA_OK && r < n; r++) {
        if (exact_int) {
            int64_t acc = 0;
            bool any = false;
            if (!int_row(calc, i, width, r, op->op, &acc, &any))
                st = mloda_error_set_at(err, MLODA_ERR_RANGE, NULL, r,
                                        "the int64 %s of row %lld overflows", op->name,
                                        (long long)r);
            else if (!any && op->op != OP_SUM)
                st = mloda_column_builder_append_null(b, err);
            else
                st = mloda_column_builder_append_int64(b, acc, err);
            continue;
        }
        int64_t k = 0;
        for (int64_t c = 0; c < width; c++)
            k += value_at(mloda_calc_input(calc, i, 0, c), r, &v[k]);
        bool is_null = false, overflow = false;
        double x = reduce_row(op->op, v, k, &is_null, &overflow);
        if (overflow)
            st = mloda_error_set_at(err, MLODA_ERR_RANGE, NULL, r,
                                    "feature '%s': the float64 %s of row %lld overflows: its "
                                    "exact value is beyond +-1.8e308",
                                    mloda_feature_name(mloda_calc_feature(calc, i)), op->name,
                                    (long long)r);
        else if (is_null)
            st = mloda_column_builder_append_null(b, err);
        else if (out_type == MLODA_TYPE_FLOAT64)
            st = mloda_column_builder_append_float64(b, x, err);
        else if (out_type == MLODA_TYPE_BOOL)
            st = mloda_column_builder_append_bool(b, x != 0.0, err);
        else
            st = mloda_column_builder_append_int64(b, (int64_t)x, err);
    }
    mloda_free(v);
    if (st != MLODA_OK) {
        mloda_column_builder_free(b);
        return st;
    }
    return mloda_column_builder_finish(b, out, err);
}

/* ---------------------------------------------------------------- calculate */

/* A column-wise feature and the column it aggregates: features are grouped by column so
 * that each column's statistics are computed once (the shared pass of DESIGN.md §7), in
 * O(n log n) for n features (a step may hold 10^5 of them). */
typedef struct feat_col {
    const mloda_column *col;
    int64_t i;
} feat_col;

static int cmp_feat_col(const void *a, const void *b)
{
    const feat_col *x = a, *y = b;
    uintptr_t p = (uintptr_t)x->col, q = (uintptr_t)y->col;
    if (p != q)
        return p < q ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

static mloda_status emit_one(mloda_calc *calc, int64_t i, const agg_stats *s, mloda_error *err)
{
    const agg_state *state = mloda_calc_state(calc, i);
    const char *name = mloda_feature_name(mloda_calc_feature(calc, i));
    mloda_column *out = NULL;
    mloda_status st = s == NULL ? row_wise(calc, i, state->op, mloda_calc_output_type(calc, i),
                                           &out, err)
                                : emit_column_wise(name, state->op, mloda_calc_input(calc, i, 0, 0),
                                                   s, mloda_calc_output_type(calc, i),
                                                   mloda_calc_n_rows(calc), &out, err);
    if (st == MLODA_OK)
        st = mloda_calc_set_output(calc, i, out, err);
    if (st != MLODA_OK)
        mloda_error_default_subject(err, name);
    return st;
}

static mloda_status agg_calculate(void *ud, mloda_calc *calc, mloda_error *err)
{
    (void)ud;
    enum { ON_STACK = 32 }; /* the usual step: no allocation beyond the outputs */
    feat_col small[ON_STACK];
    int64_t nf = mloda_calc_n_features(calc), n_cw = 0;
    feat_col *fc = nf <= ON_STACK ? small : mloda_malloc((size_t)nf * sizeof *fc);
    if (fc == NULL)
        return MLODA_NOMEM(err, "aggregation work space");
    mloda_status st = MLODA_OK;
    for (int64_t i = 0; i < nf && st == MLODA_OK; i++) {
        const agg_state *state = mloda_calc_state(calc, i);
        if (state->row_wise)
            st = emit_one(calc, i, NULL, err);
        else
            fc[n_cw++] = (feat_col){mloda_calc_input(calc, i, 0, 0), i};
    }
    if (n_cw <= ON_STACK) { /* insertion sort: no call for the usual handful */
        for (int64_t a = 1; a < n_cw; a++) {
            feat_col t = fc[a];
            int64_t b = a;
            for (; b > 0 && cmp_feat_col(&fc[b - 1], &t) > 0; b--)
                fc[b] = fc[b - 1];
            fc[b] = t;
        }
    } else {
        qsort(fc, (size_t)n_cw, sizeof *fc, cmp_feat_col);
    }
    for (int64_t a = 0, b = 0; a < n_cw && st == MLODA_OK; a = b) {
        unsigned need = 0;
        for (b = a; b < n_cw && fc[b].col == fc[a].col; b++)
            need |= needs_of(((const agg_state *)mloda_calc_state(calc, fc[b].i))->op->op);
        agg_stats stats;
        st = mloda_agg_stats_compute(fc[a].col, need, &stats, err);
        if (st != MLODA_OK)
            mloda_error_default_subject(err, mloda_feature_name(mloda_calc_feature(calc, fc[a].i)));
        for (int64_t k = a; k < b && st == MLODA_OK; k++)
            st = emit_one(calc, fc[k].i, &stats, err);
    }
    if (fc != small)
        mloda_free(fc);
    return st;
}

const mloda_feature_group mloda_group_aggregation = {
    .struct_size = sizeof(mloda_feature_group),
    .abi_version = MLODA_FEATURE_GROUP_ABI,
    .name = "AggregatedFeatureGroup",
    .description = "Whole-column aggregates broadcast to every row. Nulls and NaN are "
                   "skipped; std and var are sample statistics (ddof 1). Over a multi-column "
                   "source (F~0..F~k) the op is applied across the columns of each row.",
    .version = "1",
    .patterns = "{in}__{op}_aggr",
    .options_doc = "aggregation_type: sum|min|max|avg|mean|count|std|var|median\n"
                   "in_features: the feature to aggregate (option form)",
    .example = "value__mean_aggr",
    .match = agg_match,
    .inputs = agg_inputs,
    .bind = agg_bind,
    .calculate = agg_calculate,
    .parsed_free = mloda_family_parsed_free,
};
