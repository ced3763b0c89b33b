/*
 * sklearn_pipeline.c: `{a,b}__sklearn_pipeline_{name}` and its option form
 * (pipeline_name + in_features), SPEC.md §6.9.
 *
 * The named pipelines are mloda's defaults, computed in closed form:
 *   scaling        StandardScaler: (x - mean) / std, population std, constant -> 1;
 *   imputation     SimpleImputer(mean): a missing value becomes its column's mean;
 *   preprocessing  mean imputation, then StandardScaler;
 *   feature_engineering  StandardScaler, as scaling: mloda's default pipeline configuration
 *                  has no entry of its own for it and falls back to "simple scaling"
 *                  (source-read; SPEC.md §6.9 guessed degree-2 polynomial + scaling, unverified).
 * Like mloda, the pipeline is fitted on the rows where every input has a value (pandas
 * dropna over the inputs) and then applied to every row. Unlike mloda, which forward-,
 * back- and zero-fills missing values before transforming (SPEC.md §10.10), a missing input
 * is missing when it reaches the pipeline: scaling gives null, imputation the fitted mean,
 * preprocessing 0 (the mean, scaled): [1, null, 3] -> [-1, 0, 1]. With no complete row at
 * all there is nothing to fit and every output is null.
 *
 * Output: one input column gives one float64 column F (as mloda); several input columns
 * (several inputs, or a multi-column input such as a one-hot encoding) give F~0..F~(p-1),
 * one per input column in input order (mloda's naming for a 2-D result). Which one is
 * decided at prepare: a single single-column input -> F, otherwise F~k.
 *
 * Not reproducible: pipeline_steps (arbitrary sklearn transformer objects) and
 * pipeline_params are rejected.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "groups/agg_kernels.h"
#include "groups/colops.h"
#include "groups/family.h"
#include "groups/groups.h"
#include "groups/linalg.h"
#include "util/util.h"

typedef enum pipe_kind {
    P_PREPROCESSING,
    P_SCALING,
    P_IMPUTATION,
    P_FEATURE_ENG,
    P_COUNT
} pipe_kind;

static const char *const PIPES[P_COUNT] = {"preprocessing", "scaling", "imputation",
                                           "feature_engineering"};

#define OPT_STEPS "pipeline_steps"
#define OPT_PARAMS "pipeline_params"

typedef struct pipe_state {
    pipe_kind kind;
    bool multi; /* output F~0..F~(p-1) rather than F */
} pipe_state;

/* A value that is present and not null (mloda treats a None option as absent). */
static bool has_value(const mloda_options *o, const char *key)
{
    mloda_value_kind k = mloda_options_kind(o, key);
    return k != MLODA_VALUE_NONE && k != MLODA_VALUE_NULL;
}

/* mloda's scikit-learn objects and set_params cannot cross into C. */
static mloda_status check_options(const mloda_feature *f, const mloda_family_values *v,
                                  mloda_error *why)
{
    (void)v;
    const mloda_options *o = mloda_feature_options(f);
    if (has_value(o, OPT_STEPS))
        return mloda_error_set(why, MLODA_ERR_OPTION, mloda_feature_name(f),
                               "option %s (scikit-learn objects) cannot run in mloda-c; use "
                               "pipeline_name: preprocessing, scaling, imputation, "
                               "feature_engineering",
                               OPT_STEPS);
    if (has_value(o, OPT_PARAMS))
        return mloda_error_set(why, MLODA_ERR_OPTION, mloda_feature_name(f),
                               "option %s (scikit-learn set_params) is not supported by "
                               "mloda-c",
                               OPT_PARAMS);
    return MLODA_OK;
}

static const mloda_family_param PIPE_PARAMS[] = {
    {.option = "pipeline_name", .what = "sklearn pipeline", .kind = MLODA_FAMILY_TOKEN,
     .tokens = PIPES, .n_tokens = P_COUNT, .n_usable = P_COUNT,
     .allowed = "preprocessing, scaling, imputation, feature_engineering"},
};
static const mloda_family_spec PIPE = {.pattern = "sklearn_pipeline_{pipeline_name}",
                                       .example = "a,b__sklearn_pipeline_scaling",
                                       .n_params = 1,
                                       .params = PIPE_PARAMS,
                                       .inputs_hint = "",
                                       .check = check_options};

static mloda_status pipe_match(void *ud, const mloda_feature *f, bool *out_match,
                               void **out_parsed, mloda_error *why)
{
    (void)ud;
    return mloda_family_match(&PIPE, f, out_match, out_parsed, why);
}

static mloda_status pipe_inputs(void *ud, const mloda_feature *f, mloda_inputs *in,
                                mloda_error *err)
{
    (void)ud;
    return mloda_inputs_add_chain(in, f, 1, -1, err);
}

static mloda_status pipe_bind(void *ud, mloda_bind *ctx, mloda_error *err)
{
    (void)ud;
    const mloda_feature *f = mloda_bind_feature(ctx);
    pipe_kind kind = (pipe_kind)mloda_family_of(f)->num[0];
    int64_t n_in = mloda_bind_n_inputs(ctx);
    bool multi = n_in != 1;
    char what[64];
    (void)snprintf(what, sizeof what, "sklearn pipeline '%s'", PIPES[kind]);
    MLODA_TRY(mloda_la_bind_numeric_inputs(ctx, what, err));
    for (int64_t j = 0; j < n_in; j++)
        multi = multi || mloda_bind_input_is_multi(ctx, j);
    if (multi)
        MLODA_TRY(mloda_bind_output_multi(ctx, MLODA_TYPE_FLOAT64, 0, MLODA_TIME_SECOND, err));
    else
        MLODA_TRY(mloda_bind_output(ctx, MLODA_TYPE_FLOAT64, 0, MLODA_TIME_SECOND, err));
    pipe_state *s = mloda_malloc(sizeof *s);
    if (s == NULL)
        return MLODA_NOMEM(err, "pipeline state");
    s->kind = kind;
    s->multi = multi;
    return mloda_bind_set_state(ctx, s, mloda_free, err);
}

/* ---------------------------------------------------------------- calculate */

/* Mean and population variance of x over the complete rows (k of them). */
static void moments(const double *x, const uint8_t *complete, int64_t n, int64_t *k, double *mean,
                    double *var)
{
    int64_t c = 0;
    double sum = 0.0;
    for (int64_t r = 0; r < n; r++) {
        if (complete[r]) {
            sum += x[r];
            c++;
        }
    }
    *k = c;
    if (c == 0)
        return;
    double m = sum / (double)c, m2 = 0.0;
    for (int64_t r = 0; r < n; r++) {
        if (complete[r])
            m2 += (x[r] - m) * (x[r] - m);
    }
    *mean = m;
    *var = m2 / (double)c;
}

/* Fitted mean and scale of column x over the complete rows; false when there are none.
 * When the fit overflows on values beyond 2^400 in magnitude, x is scaled in place by a
 * power of two (exact) and fitted again: standardising gives the same result, and the
 * caller transforms the scaled column; *shift says by how much (the imputed mean is
 * ldexp(mean, -shift)). */
static bool fit_column(double *x, const uint8_t *complete, int64_t n, double *mean,
                       double *scale, int *shift)
{
    int64_t k = 0;
    double var = 0.0;
    *shift = 0;
    moments(x, complete, n, &k, mean, &var);
    if (k == 0)
        return false;
    if (!isfinite(*mean) || !isfinite(var)) {
        double big = 0.0;
        for (int64_t r = 0; r < n; r++)
            big = fabs(x[r]) > big ? fabs(x[r]) : big; /* NaN skipped */
        *shift = big > 0x1p400 ? mloda_agg_shift_for(big) : 0;
        for (int64_t r = 0; *shift != 0 && r < n; r++)
            x[r] = ldexp(x[r], *shift);
        if (*shift != 0)
            moments(x, complete, n, &k, mean, &var);
    }
    *scale = mloda_la_scale_of(*mean, var, k);
    return true;
}

/* The pipeline's output for one input value; NaN = missing (null). */
static double pipe_value(pipe_kind kind, double x, bool fitted, double mean, double scale,
                         int shift)
{
    if (!fitted)
        return NAN;
    if (kind == P_FEATURE_ENG)
        kind = P_SCALING; /* mloda's fallback: StandardScaler alone */
    double v = x;
    if (isnan(v) && kind != P_SCALING)
        v = mean; /* mean imputation */
    if (kind != P_IMPUTATION)
        v = (v - mean) / scale;
    else
        v = ldexp(v, -shift); /* the values were scaled by 2^shift (fit_column) */
    return v;
}

/* Transforms column x (n rows) into a new float64 column. */
static mloda_status transform_column(pipe_kind kind, const double *x, int64_t n, bool fitted,
                                     double mean, double scale, int shift, mloda_column **out,
                                     mloda_error *err)
{
    mloda_column_builder *b = NULL;
    void *vals = NULL;
    uint8_t *bits = NULL;
    MLODA_TRY(mloda_column_builder_new(MLODA_TYPE_FLOAT64, 0, MLODA_TIME_SECOND, &b, err));
    mloda_status st = mloda_column_builder_resize(b, n, &vals, err);
    double *y = vals;
    bool any_null = false;
    for (int64_t r = 0; st == MLODA_OK && r < n; r++) {
        double v = pipe_value(kind, x[r], fitted, mean, scale, shift);
        y[r] = isnan(v) ? 0.0 : v;
        any_null |= isnan(v);
    }
    /* y is not touched after this call on the builder */
    if (st == MLODA_OK && any_null)
        st = mloda_column_builder_validity(b, &bits, err);
    for (int64_t r = 0; st == MLODA_OK && any_null && r < n; r++) {
        if (isnan(pipe_value(kind, x[r], fitted, mean, scale, shift)))
            mloda_bitmap_set(bits, r, false);
    }
    if (st != MLODA_OK) {
        mloda_column_builder_free(b);
        return st;
    }
    return mloda_column_builder_finish(b, out, err);
}

static mloda_status run_feature(mloda_calc *calc, int64_t i, mloda_error *err)
{
    const pipe_state *s = mloda_calc_state(calc, i);
    la_matrix m;
    MLODA_TRY(mloda_la_gather(calc, i, &m, err));
    uint8_t *complete = mloda_malloc((size_t)(m.n > 0 ? m.n : 1));
    if (complete == NULL) {
        mloda_la_matrix_reset(&m);
        return MLODA_NOMEM(err, "a row mask");
    }
    for (int64_t r = 0; r < m.n; r++) {
        complete[r] = 1;
        for (int64_t j = 0; j < m.p; j++)
            complete[r] = (uint8_t)(complete[r] & !isnan(m.x[j * m.n + r]));
    }
    mloda_status st = MLODA_OK;
    for (int64_t j = 0; st == MLODA_OK && j < m.p; j++) {
        double mean = NAN, scale = 1.0;
        int shift = 0;
        bool fitted = fit_column(m.x + j * m.n, complete, m.n, &mean, &scale, &shift);
        mloda_column *out = NULL;
        st = transform_column(s->kind, m.x + j * m.n, m.n, fitted, mean, scale, shift, &out,
                              err);
        if (st == MLODA_OK && s->multi) {
            char suffix[24];
            (void)snprintf(suffix, sizeof suffix, "%lld", (long long)j);
            st = mloda_calc_add_output(calc, i, suffix, out, err);
        } else if (st == MLODA_OK) {
            st = mloda_calc_set_output(calc, i, out, err);
        }
    }
    mloda_free(complete);
    mloda_la_matrix_reset(&m);
    return st;
}

static mloda_status pipe_calculate(void *ud, mloda_calc *calc, mloda_error *err)
{
    (void)ud;
    return mloda_each_feature(calc, run_feature, err);
}

const mloda_feature_group mloda_group_sklearn_pipeline = {
    .struct_size = sizeof(mloda_feature_group),
    .abi_version = MLODA_FEATURE_GROUP_ABI,
    .name = "SklearnPipelineFeatureGroup",
    .description =
        "mloda's named scikit-learn pipelines in closed form: scaling (StandardScaler, "
        "population std), imputation (mean), preprocessing (mean imputation then scaling), "
        "fitted on the rows where every input has a value. One input column gives F, several "
        "give F~0..F~(p-1). Differs from mloda: a missing input is not forward/back/zero-"
        "filled before the transform, so scaling gives null and preprocessing 0 for it "
        "([1,null,3] -> [-1,0,1]). pipeline_steps and pipeline_params (Python objects) are "
        "rejected. feature_engineering is StandardScaler too: mloda's default configuration "
        "falls back to scaling for it (source-read).",
    .version = "1",
    .patterns = "{in}__sklearn_pipeline_{name}\n{in1},{in2}__sklearn_pipeline_{name}",
    .options_doc = "pipeline_name: preprocessing|scaling|imputation|feature_engineering\n"
                   "in_features: the input feature(s) (option form)\n"
                   "pipeline_steps, pipeline_params: not supported (error)",
    .example = "income,age__sklearn_pipeline_scaling",
    .match = pipe_match,
    .inputs = pipe_inputs,
    .bind = pipe_bind,
    .calculate = pipe_calculate,
    .parsed_free = mloda_family_parsed_free,
};
