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
#include "groups/groups.h"
#include "groups/linalg.h"
#include "util/util.h"

typedef enum dr_algo { D_PCA, D_TSNE, D_ICA, D_LDA, D_ISOMAP, D_COUNT } dr_algo;

static const char *const ALGOS[D_COUNT] = {"pca", "tsne", "ica", "lda", "isomap"};

#define OPT_ALGO "algorithm"
#define OPT_DIM "dimension"
#define OPT_SOLVER "pca_svd_solver"
#define DIM_MAX 100000

typedef struct dr_state {
    int64_t d;
} dr_state;

static int find_algo(const char *token, size_t len)
{
    for (int a = 0; a < D_COUNT; a++) {
        if (strlen(ALGOS[a]) == len && strncmp(ALGOS[a], token, len) == 0)
            return a;
    }
    return -1;
}

/* Positive decimal without sign; -1 otherwise. */
static int64_t parse_dim(const char *s, size_t len)
{
    if (len == 0)
        return -1;
    int64_t d = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        d = d * 10 + (s[i] - '0');
        if (d > DIM_MAX)
            return -1;
    }
    return d > 0 ? d : -1;
}

/* Splits "{algo}_{d}d": true when the suffix has that shape (digits, then 'd'). */
static bool split_suffix(const char *suffix, size_t *algo_len, const char **dim, size_t *dim_len)
{
    size_t len = strlen(suffix);
    if (len < 4 || suffix[len - 1] != 'd')
        return false;
    size_t i = len - 1;
    while (i > 0 && suffix[i - 1] >= '0' && suffix[i - 1] <= '9')
        i--;
    if (i == len - 1 || i < 2 || suffix[i - 1] != '_')
        return false;
    for (size_t k = 0; k + 1 < i; k++) {
        char c = suffix[k];
        bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_';
        if (!word)
            return false;
    }
    *algo_len = i - 1;
    *dim = suffix + i;
    *dim_len = len - 1 - i;
    return true;
}

static mloda_status check_algo(const char *name, int a, const char *token, mloda_error *why)
{
    if (a < 0)
        return mloda_error_set(why, MLODA_ERR_RESOLVE, name,
                               "unknown dimensionality reduction '%s'; allowed: pca", token);
    if (a != D_PCA)
        return mloda_error_set(why, MLODA_ERR_RESOLVE, name,
                               "dimensionality reduction '%s' is not implemented in mloda-c; "
                               "available: pca",
                               ALGOS[a]);
    return MLODA_OK;
}

/* The dimension option: an int or a digit string; -2 absent, -1 bad. */
static int64_t option_dim(const mloda_options *o, char *text, size_t cap)
{
    int64_t iv = 0;
    const char *sv = NULL;
    text[0] = '\0';
    if (!mloda_options_has(o, OPT_DIM))
        return -2;
    if (mloda_options_get_int(o, OPT_DIM, &iv)) {
        (void)snprintf(text, cap, "%lld", (long long)iv);
        return iv > 0 && iv <= DIM_MAX ? iv : -1;
    }
    if (mloda_options_get_string(o, OPT_DIM, &sv)) {
        (void)snprintf(text, cap, "%s", sv);
        return parse_dim(sv, strlen(sv));
    }
    (void)snprintf(text, cap, "(not a number)");
    return -1;
}

static mloda_status parse_dr(const mloda_feature *f, dr_state *out, bool *recognised,
                             mloda_error *why, bool *hard)
{
    const char *name = mloda_feature_name(f);
    const mloda_options *o = mloda_feature_options(f);
    const char *suffix = mloda_feature_chain_suffix(f);
    const char *opt_algo = NULL;
    char dtext[32];
    size_t alen = 0, dlen = 0;
    const char *dim = NULL;
    *recognised = false;
    *hard = false;
    bool named = suffix != NULL && split_suffix(suffix, &alen, &dim, &dlen);
    if (mloda_options_has(o, OPT_ALGO) && !mloda_options_get_string(o, OPT_ALGO, &opt_algo))
        return mloda_error_set(why, MLODA_ERR_OPTION, name,
                               "option %s must be a string (pca)", OPT_ALGO);
    int64_t opt_d = option_dim(o, dtext, sizeof dtext);
    if (!named && opt_algo == NULL)
        return MLODA_OK;
    int a;
    int64_t d;
    if (named) {
        char token[64];
        (void)snprintf(token, sizeof token, "%.*s", (int)(alen < 60 ? alen : 60), suffix);
        a = find_algo(suffix, alen);
        MLODA_TRY(check_algo(name, a, token, why));
        d = parse_dim(dim, dlen);
        if (d < 0)
            return mloda_error_set(why, MLODA_ERR_RESOLVE, name,
                                   "dimension '%.*s' must be a positive integer",
                                   (int)(dlen < 40 ? dlen : 40), dim);
        if ((opt_algo != NULL && strcmp(opt_algo, ALGOS[a]) != 0) || (opt_d != -2 && opt_d != d)) {
            *hard = true;
            return mloda_error_set(why, MLODA_ERR_OPTION, name,
                                   "feature '%s' names %s to %lld dimensions but the options say "
                                   "%s=%s, %s=%s; give one",
                                   name, ALGOS[a], (long long)d, OPT_ALGO,
                                   opt_algo != NULL ? opt_algo : "(unset)", OPT_DIM,
                                   opt_d != -2 ? dtext : "(unset)");
        }
    } else {
        a = find_algo(opt_algo, strlen(opt_algo));
        if (a < 0)
            return mloda_error_set(why, MLODA_ERR_OPTION, name,
                                   "option %s is '%s'; allowed: pca", OPT_ALGO, opt_algo);
        MLODA_TRY(check_algo(name, a, opt_algo, why));
        if (opt_d == -2)
            return mloda_error_set(why, MLODA_ERR_OPTION, name,
                                   "%s is set but no %s", OPT_ALGO, OPT_DIM);
        if (opt_d < 0)
            return mloda_error_set(why, MLODA_ERR_OPTION, name,
                                   "option %s is '%s'; it must be a positive integer", OPT_DIM,
                                   dtext);
        d = opt_d;
        if (!mloda_options_has(o, "in_features"))
            return mloda_error_set(why, MLODA_ERR_OPTION, name,
                                   "%s is set but no in_features", OPT_ALGO);
    }
    if (mloda_options_has(o, OPT_SOLVER)) {
        const char *sv = NULL;
        if (!mloda_options_get_string(o, OPT_SOLVER, &sv) ||
            (strcmp(sv, "auto") != 0 && strcmp(sv, "full") != 0 && strcmp(sv, "arpack") != 0 &&
             strcmp(sv, "randomized") != 0))
            return mloda_error_set(why, MLODA_ERR_OPTION, name,
                                   "option %s is '%s'; allowed: auto, full, arpack, randomized",
                                   OPT_SOLVER, sv != NULL ? sv : "(not a string)");
    }
    out->d = d;
    *recognised = true;
    return MLODA_OK;
}

static mloda_status dr_match(void *ud, const mloda_feature *f, bool *out_match, void **out_parsed,
                             mloda_error *why)
{
    (void)out_parsed;
    (void)ud;
    dr_state s;
    bool recognised = false, hard = false;
    mloda_status st = parse_dr(f, &s, &recognised, why, &hard);
    *out_match = recognised && st == MLODA_OK;
    return hard ? st : MLODA_OK;
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
    dr_state parsed;
    bool recognised = false, hard = false;
    MLODA_TRY(parse_dr(f, &parsed, &recognised, err, &hard));
    int64_t cols = 0;
    bool known = true;
    MLODA_TRY(mloda_la_bind_numeric_inputs(ctx, "pca", err));
    for (int64_t j = 0; j < mloda_bind_n_inputs(ctx); j++) {
        known = known && !mloda_bind_input_is_multi(ctx, j);
        cols++;
    }
    /* mloda: "Target dimension must be less than the number of source features" */
    if (known && parsed.d >= cols)
        return mloda_error_set(err, MLODA_ERR_OPTION, name,
                               "feature '%s': the target dimension (%lld) must be less than the "
                               "number of input columns (%lld)",
                               name, (long long)parsed.d, (long long)cols);
    MLODA_TRY(mloda_bind_output_multi(ctx, MLODA_TYPE_FLOAT64, 0, MLODA_TIME_SECOND, err));
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
};
