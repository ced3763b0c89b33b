/*
 * dim_reduction.c: `{a,b,c}__{algorithm}_{d}d` (',' or '&' between inputs) and its option
 * form (algorithm, dimension, in_features), SPEC.md §6.11 and §10.16.
 *
 * pca as mloda computes it: each input column's missing values become its mean, every
 * column is standardised (population std; a constant column becomes 0), and the outputs
 * F~dim1..F~dimd are the first d principal-component scores (U * S of the SVD of the
 * standardised matrix). The SVD is a one-sided Jacobi SVD (deterministic, accurate).
 * Signs follow sklearn's svd_flip as used by PCA in the version SPEC observed (before 1.5):
 * in each component the score with the largest magnitude (the first, on ties) is positive.
 * Components beyond the data's rank (singular value <= max * max(n, p) * eps, numpy's rank
 * tolerance) are exact zeros where sklearn returns rounding noise. Like mloda, d must be
 * smaller than the number of input columns; unlike sklearn, fewer rows than d is not an
 * error (the missing components are zero), so small batches still run.
 * tsne, ica, lda, isomap: not implemented (resolution error). pca_svd_solver is accepted
 * (auto|full|arpack|randomized) and has no effect: the SVD is exact.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "groups/colops.h"
#include "groups/family.h"
#include "groups/groups.h"
#include "groups/linalg.h"
#include "util/util.h"

typedef enum dr_algo { D_PCA, D_TSNE, D_ICA, D_LDA, D_ISOMAP, D_COUNT } dr_algo;

static const char *const ALGOS[D_COUNT] = {"pca", "tsne", "ica", "lda", "isomap"};

#define DIM_MAX 100000

static const char *const SOLVERS[] = {"auto", "full", "arpack", "randomized"};

/* Parameters in this order: index into mloda_family_values. */
enum { P_ALGO, P_DIM, P_SOLVER, P_COUNT };

static const mloda_family_param DR_PARAMS[P_COUNT] = {
    {.option = "algorithm", .what = "dimensionality reduction", .kind = MLODA_FAMILY_TOKEN,
     .shared = true,
     .tokens = ALGOS, .n_tokens = D_COUNT, .n_usable = D_TSNE, .allowed = "pca"},
    {.option = "dimension", .what = "dimension", .kind = MLODA_FAMILY_COUNT, .max = DIM_MAX},
    {.option = "pca_svd_solver", .what = "PCA SVD solver", .kind = MLODA_FAMILY_TOKEN,
     .tokens = SOLVERS, .n_tokens = 4, .n_usable = 4,
     .allowed = "auto, full, arpack, randomized"},
};
static const mloda_family_spec DR = {.pattern = "{algorithm}_{dimension}d",
                                     .example = "a,b,c__pca_2d",
                                     .n_params = P_COUNT,
                                     .params = DR_PARAMS,
                                     .inputs_hint = ""};

typedef struct dr_state {
    int64_t d;
} dr_state;

static mloda_status dr_match(void *ud, const mloda_feature *f, bool *out_match,
                             void **out_parsed, mloda_error *why)
{
    (void)ud;
    return mloda_family_match(&DR, f, out_match, out_parsed, why);
}

static mloda_status dr_inputs(void *ud, const mloda_feature *f, mloda_inputs *in,
                              mloda_error *err)
{
    (void)ud;
    return mloda_inputs_add_chain(in, f, 1, -1, err);
}

static mloda_status dr_bind(void *ud, mloda_bind *ctx, mloda_error *err)
{
    (void)ud;
    const mloda_feature *f = mloda_bind_feature(ctx);
    const char *name = mloda_feature_name(f);
    dr_state parsed = {mloda_family_of(f)->num[P_DIM]};
    int64_t cols = 0;
    bool known = true;
    MLODA_TRY(mloda_la_bind_numeric_inputs(ctx, "pca", err));
    for (int64_t j = 0; j < mloda_bind_n_inputs(ctx); j++) {
        int64_t w = mloda_bind_input_n_columns(ctx, j); /* -1: known at run time */
        known = known && w >= 0;
        cols += w;
    }
    /* mloda: "Target dimension must be less than the number of source features" */
    if (known && parsed.d >= cols)
        return mloda_error_set(err, MLODA_ERR_OPTION, name,
                               "feature '%s': the target dimension (%lld) must be less than the "
                               "number of input columns (%lld)",
                               name, (long long)parsed.d, (long long)cols);
    /* the columns are known now: F~dim1..F~dimd (so F~dim9 of a 2-d projection is refused
     * when the request is planned) */
    enum { MAX_NAMED = 64 };
    char names[MAX_NAMED][24];
    const char *suffixes[MAX_NAMED];
    if (parsed.d <= MAX_NAMED) {
        for (int64_t k = 0; k < parsed.d; k++) {
            (void)snprintf(names[k], sizeof names[k], "dim%lld", (long long)(k + 1));
            suffixes[k] = names[k];
        }
        MLODA_TRY(mloda_bind_output_columns(ctx, MLODA_TYPE_FLOAT64, 0, MLODA_TIME_SECOND,
                                            parsed.d, suffixes, err));
    } else {
        MLODA_TRY(mloda_bind_output_multi(ctx, MLODA_TYPE_FLOAT64, 0, MLODA_TIME_SECOND, err));
    }
    dr_state *s = mloda_malloc(sizeof *s);
    if (s == NULL)
        return MLODA_NOMEM(err, "dimensionality reduction state");
    *s = parsed;
    return mloda_bind_set_state(ctx, s, mloda_free, err);
}

/* ---------------------------------------------------------------- calculate */

static mloda_status run_feature(mloda_calc *calc, int64_t i, mloda_error *err)
{
    const dr_state *s = mloda_calc_state(calc, i);
    const char *name = mloda_feature_name(mloda_calc_feature(calc, i));
    la_matrix m;
    MLODA_TRY(mloda_la_gather(calc, i, &m, err));
    mloda_status st = MLODA_OK;
    double *sv = NULL;
    int64_t *order = NULL;
    if (s->d >= m.p) {
        st = mloda_error_set(err, MLODA_ERR_COMPUTE, name,
                             "feature '%s': the target dimension (%lld) must be less than the "
                             "number of input columns (%lld)",
                             name, (long long)s->d, (long long)m.p);
        goto done;
    }
    sv = mloda_malloc((size_t)m.p * sizeof *sv);
    order = mloda_malloc((size_t)m.p * sizeof *order);
    if (sv == NULL || order == NULL) {
        st = MLODA_NOMEM(err, "an SVD");
        goto done;
    }
    mloda_la_impute_standardise(&m);
    mloda_la_svd_jacobi(&m, sv, order);
    double tol = (m.p > 0 ? sv[order[0]] : 0.0) * (double)(m.n > m.p ? m.n : m.p) * DBL_EPSILON;
    for (int64_t k = 0; st == MLODA_OK && k < s->d; k++) {
        double *t = m.x + order[k] * m.n;
        bool zero = sv[order[k]] <= tol;
        int64_t big = 0;
        for (int64_t r = 1; r < m.n; r++)
            big = fabs(t[r]) > fabs(t[big]) ? r : big;
        double sign = m.n > 0 && t[big] < 0.0 ? -1.0 : 1.0;
        for (int64_t r = 0; r < m.n; r++)
            t[r] = zero ? 0.0 : sign * t[r] + 0.0; /* + 0.0: no negative zeros */
        mloda_column *col = NULL;
        char suffix[32];
        (void)snprintf(suffix, sizeof suffix, "dim%lld", (long long)(k + 1));
        st = mloda_column_from_float64(m.n, t, NULL, &col, err);
        if (st == MLODA_OK)
            st = mloda_calc_add_output(calc, i, suffix, col, err);
    }
done:
    mloda_free(sv);
    mloda_free(order);
    mloda_la_matrix_reset(&m);
    return st;
}

static mloda_status dr_calculate(void *ud, mloda_calc *calc, mloda_error *err)
{
    (void)ud;
    return mloda_each_feature(calc, run_feature, err);
}

const mloda_feature_group mloda_group_dim_reduction = {
    .struct_size = sizeof(mloda_feature_group),
    .abi_version = MLODA_FEATURE_GROUP_ABI,
    .name = "DimensionalityReductionFeatureGroup",
    .description =
        "PCA scores F~dim1..F~dimd of the standardised inputs (missing -> column mean), by an "
        "exact one-sided Jacobi SVD; signs as sklearn's svd_flip before 1.5 (largest score "
        "of each component positive), which is what SPEC observed. Components beyond the "
        "data's rank are exact zeros (sklearn: rounding noise); fewer rows than d is allowed. "
        "d must be below the number of input columns, as mloda. Inputs may be separated by "
        "',' or '&'; any F~dimk can be requested alone. tsne, ica, lda, isomap are not "
        "implemented.",
    .version = "1",
    .patterns = "{in1},{in2},{in3}__pca_{d}d\n{in1}&{in2}&{in3}__pca_{d}d",
    .options_doc = "algorithm: pca (tsne, ica, lda, isomap: not implemented)\n"
                   "dimension: a positive integer below the number of input columns\n"
                   "pca_svd_solver: auto|full|arpack|randomized (accepted, no effect)\n"
                   "in_features: the input features (option form)",
    .example = "x,y,z__pca_2d",
    .match = dr_match,
    .inputs = dr_inputs,
    .bind = dr_bind,
    .calculate = dr_calculate,
    .parsed_free = mloda_family_parsed_free,
};
