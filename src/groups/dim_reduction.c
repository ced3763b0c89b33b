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
 * pca_svd_solver is accepted (auto|full|arpack|randomized) and has no effect: the SVD is
 * exact. The other algorithms (ml_reduce.c) take mloda's options and defaults:
 *   lda     LinearDiscriminantAnalysis(n_components=d) with the class column named by
 *           lda_target (mloda takes the first text column of its data frame; a C step sees
 *           only its inputs), fitted on the rows with a class; d <= classes - 1.
 *   isomap  Isomap(n_neighbors=isomap_n_neighbors (5), n_components=d).
 *   ica     FastICA(n_components=d, whiten="unit-variance", random_state=42), ica_max_iter
 *           (200) and tol 1e-4; mloda uses max(ica_max_iter, 1000) and tol 0.01 below 50 rows.
 *   tsne    TSNE(n_components=d, perplexity=min(30, n // 3), random_state=42, init "pca"),
 *           tsne_max_iter (250), tsne_n_iter_without_progress (50), tsne_method (barnes_hut;
 *           below 20 rows exact with at most 250 iterations, as mloda).
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
#include "groups/ml.h"
#include "util/util.h"

typedef enum dr_algo { D_PCA, D_TSNE, D_ICA, D_LDA, D_ISOMAP, D_COUNT } dr_algo;

static const char *const ALGOS[D_COUNT] = {"pca", "tsne", "ica", "lda", "isomap"};

#define DIM_MAX 100000
#define ITER_MAX 1000000

static const char *const SOLVERS[] = {"auto", "full", "arpack", "randomized"};
static const char *const TSNE_METHODS[] = {"barnes_hut", "exact"};

/* Parameters in this order: index into mloda_family_values. */
enum {
    P_ALGO,
    P_DIM,
    P_SOLVER,
    P_TSNE_ITER,
    P_TSNE_PATIENCE,
    P_TSNE_METHOD,
    P_ICA_ITER,
    P_ISO_NB,
    P_LDA_TARGET,
    P_COUNT
};

static const mloda_family_param DR_PARAMS[P_COUNT] = {
    {.option = "algorithm", .what = "dimensionality reduction", .kind = MLODA_FAMILY_TOKEN,
     .shared = true,
     .tokens = ALGOS, .n_tokens = D_COUNT, .n_usable = D_COUNT,
     .allowed = "pca, tsne, ica, lda, isomap"},
    {.option = "dimension", .what = "dimension", .kind = MLODA_FAMILY_COUNT, .max = DIM_MAX},
    {.option = "pca_svd_solver", .what = "PCA SVD solver", .kind = MLODA_FAMILY_TOKEN,
     .tokens = SOLVERS, .n_tokens = 4, .n_usable = 4,
     .allowed = "auto, full, arpack, randomized"},
    /* mloda's defaults (SPEC.md §6.11) */
    {.option = "tsne_max_iter", .what = "t-SNE iterations", .kind = MLODA_FAMILY_COUNT,
     .max = ITER_MAX, .dflt = 250},
    {.option = "tsne_n_iter_without_progress", .what = "t-SNE iterations without progress",
     .kind = MLODA_FAMILY_COUNT, .max = ITER_MAX, .dflt = 50},
    {.option = "tsne_method", .what = "t-SNE method", .kind = MLODA_FAMILY_TOKEN,
     .tokens = TSNE_METHODS, .n_tokens = 2, .n_usable = 2, .allowed = "barnes_hut, exact"},
    {.option = "ica_max_iter", .what = "ICA iterations", .kind = MLODA_FAMILY_COUNT,
     .max = ITER_MAX, .dflt = 200},
    {.option = "isomap_n_neighbors", .what = "Isomap neighbours", .kind = MLODA_FAMILY_COUNT,
     .max = 1000000, .dflt = 5},
    {.option = "lda_target", .what = "LDA class column", .kind = MLODA_FAMILY_COLUMN},
};

/* lda_target names the class column LDA needs (mloda takes the first text column of the
 * data it is given, which a C step does not see); it means nothing to the others. */
static mloda_status check_target(const mloda_feature *f, const mloda_family_values *v,
                                 mloda_error *why)
{
    const char *name = mloda_feature_name(f);
    if (v->num[P_ALGO] == D_LDA && v->text[P_LDA_TARGET] == NULL)
        return mloda_error_set(why, MLODA_ERR_OPTION, name,
                               "feature '%s': lda needs the option lda_target naming the class "
                               "column (text, integers or booleans)",
                               name);
    if (v->num[P_ALGO] != D_LDA && v->text[P_LDA_TARGET] != NULL)
        return mloda_error_set(why, MLODA_ERR_OPTION, name,
                               "feature '%s': option lda_target applies to algorithm lda only",
                               name);
    return MLODA_OK;
}

static const mloda_family_spec DR = {.pattern = "{algorithm}_{dimension}d",
                                     .example = "a,b,c__pca_2d",
                                     .n_params = P_COUNT,
                                     .params = DR_PARAMS,
                                     .inputs_hint = "",
                                     .check = check_target};

typedef struct dr_state {
    dr_algo algo;
    int64_t d;
    mloda_tsne_opts tsne;
    int64_t ica_max_iter, iso_nb;
    bool target; /* lda: the last input is the class column */
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
    const mloda_family_values *v = mloda_family_of(f);
    MLODA_TRY(mloda_inputs_add_chain(in, f, 1, -1, err));
    if (v->num[P_ALGO] == D_LDA)
        MLODA_TRY(mloda_inputs_add(in, v->text[P_LDA_TARGET], NULL, err));
    return MLODA_OK;
}

static mloda_status dr_bind(void *ud, mloda_bind *ctx, mloda_error *err)
{
    (void)ud;
    const mloda_feature *f = mloda_bind_feature(ctx);
    const char *name = mloda_feature_name(f);
    const mloda_family_values *v = mloda_family_of(f);
    dr_state parsed = {(dr_algo)v->num[P_ALGO],
                       v->num[P_DIM],
                       {v->num[P_DIM], (int)v->num[P_TSNE_ITER], (int)v->num[P_TSNE_PATIENCE],
                        v->num[P_TSNE_METHOD] == 1},
                       v->num[P_ICA_ITER],
                       v->num[P_ISO_NB],
                       v->num[P_ALGO] == D_LDA};
    int64_t cols = 0, n_x = mloda_bind_n_inputs(ctx) - (parsed.target ? 1 : 0);
    bool known = true;
    for (int64_t j = 0; j < n_x; j++) {
        mloda_type t = mloda_bind_input_type(ctx, j);
        if (!mloda_la_type_is_numeric(t))
            return mloda_error_set(err, MLODA_ERR_TYPE, name,
                                   "feature '%s': input '%s' is %s; %s needs numbers (int64, "
                                   "float64, bool)",
                                   name, mloda_bind_input_name(ctx, j), mloda_type_name(t),
                                   ALGOS[parsed.algo]);
        int64_t w = mloda_bind_input_n_columns(ctx, j); /* -1: known at run time */
        known = known && w >= 0;
        cols += w;
    }
    if (parsed.target) {
        mloda_type t = mloda_bind_input_type(ctx, n_x);
        if (t != MLODA_TYPE_UTF8 && t != MLODA_TYPE_INT64 && t != MLODA_TYPE_BOOL)
            return mloda_error_set(err, MLODA_ERR_TYPE, name,
                                   "feature '%s': lda_target '%s' is %s; LDA needs class labels "
                                   "(text, integers or booleans)",
                                   name, mloda_bind_input_name(ctx, n_x), mloda_type_name(t));
        if (mloda_bind_input_is_multi(ctx, n_x))
            return mloda_error_set(err, MLODA_ERR_TYPE, name,
                                   "feature '%s': lda_target '%s' has several columns; LDA "
                                   "needs one class column",
                                   name, mloda_bind_input_name(ctx, n_x));
    }
    if (parsed.algo == D_TSNE && !parsed.tsne.exact && parsed.d > 3)
        return mloda_error_set(err, MLODA_ERR_OPTION, name,
                               "feature '%s': t-SNE's barnes_hut method gives at most 3 "
                               "dimensions (as sklearn); use tsne_method exact for %lld",
                               name, (long long)parsed.d);
    if (parsed.algo == D_TSNE && parsed.tsne.max_iter < 250)
        return mloda_error_set(err, MLODA_ERR_OPTION, name,
                               "feature '%s': tsne_max_iter must be at least 250 (sklearn's "
                               "early exaggeration alone takes 250)",
                               name);
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

/* PCA scores of the standardised m (SPEC.md §6.11) into out (n x d column-major). */
static void pca_scores(la_matrix *m, int64_t d, double *sv, int64_t *order, double *out)
{
    mloda_la_svd_jacobi(m, sv, order);
    double tol = (m->p > 0 ? sv[order[0]] : 0.0) * (double)(m->n > m->p ? m->n : m->p) *
                 DBL_EPSILON;
    for (int64_t k = 0; k < d; k++) {
        double *t = m->x + order[k] * m->n;
        bool zero = sv[order[k]] <= tol;
        int64_t big = 0;
        for (int64_t r = 1; r < m->n; r++)
            big = fabs(t[r]) > fabs(t[big]) ? r : big;
        double sign = m->n > 0 && t[big] < 0.0 ? -1.0 : 1.0;
        for (int64_t r = 0; r < m->n; r++)
            out[k * m->n + r] = zero ? 0.0 : sign * t[r] + 0.0; /* + 0.0: no negative zeros */
    }
}

/* A byte string of a text class column, for sorting classes. */
typedef struct text_key {
    const char *s;
    int64_t len, row;
} text_key;

static int cmp_text_key(const void *x, const void *y)
{
    const text_key *a = x, *b = y;
    int64_t len = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->s, b->s, (size_t)len);
    if (c != 0)
        return c;
    return (a->len > b->len) - (a->len < b->len);
}

typedef struct num_key {
    int64_t v, row;
} num_key;

static int cmp_num_key(const void *x, const void *y)
{
    const num_key *a = x, *b = y;
    return (a->v > b->v) - (a->v < b->v);
}

/* Class index of every row of the class column (sorted values, as sklearn's classes_; a
 * null class is -1), and the number of classes. */
static mloda_status read_classes(const mloda_column *c, int64_t n, int64_t *cls, int64_t *n_cls,
                                 mloda_error *err)
{
    *n_cls = 0;
    bool text = mloda_column_type(c) == MLODA_TYPE_UTF8;
    text_key *tk = text ? mloda_malloc_n(n > 0 ? n : 1, sizeof *tk) : NULL;
    num_key *nk = text ? NULL : mloda_malloc_n(n > 0 ? n : 1, sizeof *nk);
    if (tk == NULL && nk == NULL)
        return MLODA_NOMEM(err, "LDA classes");
    const int64_t *iv = mloda_column_int64(c);
    int64_t len = 0;
    for (int64_t r = 0; r < n; r++) {
        cls[r] = -1;
        if (!mloda_column_is_valid(c, r))
            continue;
        if (text) {
            int64_t l = 0;
            const char *sv = mloda_column_utf8_at(c, r, &l);
            tk[len++] = (text_key){sv, l, r};
        } else {
            nk[len++] = (num_key){iv != NULL ? iv[r] : (int64_t)mloda_column_bool_at(c, r), r};
        }
    }
    if (text)
        qsort(tk, (size_t)len, sizeof *tk, cmp_text_key);
    else
        qsort(nk, (size_t)len, sizeof *nk, cmp_num_key);
    int64_t k = -1;
    for (int64_t q = 0; q < len; q++) {
        bool next = q == 0 || (text ? cmp_text_key(&tk[q - 1], &tk[q]) != 0
                                    : nk[q - 1].v != nk[q].v);
        k += next;
        cls[text ? tk[q].row : nk[q].row] = k;
    }
    *n_cls = k + 1;
    mloda_free(tk);
    mloda_free(nk);
    return MLODA_OK;
}

static mloda_status run_feature(mloda_calc *calc, int64_t i, mloda_error *err)
{
    const dr_state *s = mloda_calc_state(calc, i);
    const char *name = mloda_feature_name(mloda_calc_feature(calc, i));
    int64_t n_x = mloda_calc_n_inputs(calc, i) - (s->target ? 1 : 0);
    la_matrix m;
    MLODA_TRY(mloda_la_gather_inputs(calc, i, n_x, &m, err));
    mloda_status st = MLODA_OK;
    double *sv = NULL, *out = NULL;
    int64_t *order = NULL, *cls = NULL;
    if (s->d >= m.p) {
        st = mloda_error_set(err, MLODA_ERR_COMPUTE, name,
                             "feature '%s': the target dimension (%lld) must be less than the "
                             "number of input columns (%lld)",
                             name, (long long)s->d, (long long)m.p);
        goto done;
    }
    sv = mloda_malloc((size_t)m.p * sizeof *sv);
    order = mloda_malloc((size_t)m.p * sizeof *order);
    out = mloda_malloc_n(m.n * s->d > 0 ? m.n * s->d : 1, sizeof *out);
    if (sv == NULL || order == NULL || out == NULL) {
        st = MLODA_NOMEM(err, "dimensionality reduction");
        goto done;
    }
    mloda_la_impute_standardise(&m);
    switch (s->algo) {
    case D_PCA:
        pca_scores(&m, s->d, sv, order, out);
        break;
    case D_TSNE: {
        /* mloda: fewer than 20 rows use the exact method and at most 250 iterations */
        mloda_tsne_opts o = s->tsne;
        if (m.n < 20) {
            o.exact = true;
            o.max_iter = o.max_iter < 250 ? o.max_iter : 250;
        }
        st = mloda_ml_tsne(&m, name, &o, out, err);
        break;
    }
    case D_ICA: {
        /* mloda: fewer than 50 rows get at least 1000 iterations and tolerance 0.01 */
        int64_t it = m.n < 50 ? (s->ica_max_iter > 1000 ? s->ica_max_iter : 1000)
                              : s->ica_max_iter;
        st = mloda_ml_fastica(&m, name, s->d, (int)it, m.n < 50 ? 0.01 : 1e-4, out, err);
        break;
    }
    case D_LDA: {
        int64_t n_cls = 0;
        cls = mloda_malloc_n(m.n > 0 ? m.n : 1, sizeof *cls);
        if (cls == NULL) {
            st = MLODA_NOMEM(err, "LDA classes");
            break;
        }
        st = read_classes(mloda_calc_input(calc, i, n_x, 0), m.n, cls, &n_cls, err);
        if (st == MLODA_OK && m.n > 0)
            st = mloda_ml_lda(&m, name, cls, n_cls, s->d, out, err);
        break;
    }
    case D_ISOMAP:
        st = mloda_ml_isomap(&m, name, s->iso_nb, s->d, out, err);
        break;
    case D_COUNT:
        break;
    }
    for (int64_t k = 0; st == MLODA_OK && k < s->d; k++) {
        mloda_column *col = NULL;
        char suffix[32];
        (void)snprintf(suffix, sizeof suffix, "dim%lld", (long long)(k + 1));
        st = mloda_column_from_float64(m.n, out + k * m.n, NULL, &col, err);
        if (st == MLODA_OK)
            st = mloda_calc_add_output(calc, i, suffix, col, err);
    }
done:
    mloda_free(sv);
    mloda_free(order);
    mloda_free(out);
    mloda_free(cls);
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
        "',' or '&'; any F~dimk can be requested alone. "
        "lda: LinearDiscriminantAnalysis (svd solver) with the class column named by option "
        "lda_target (text, int or bool), equal to sklearn's up to each component's sign. "
        "isomap: Isomap(n_neighbors=isomap_n_neighbors, default 5), sklearn's values (signs as "
        "its KernelPCA; k-nearest-neighbour ties broken by row order). ica: FastICA(whiten="
        "unit-variance, logcosh, parallel, random_state=42; ica_max_iter 200, tol 1e-4; below "
        "50 rows max(iter, 1000) and tol 0.01 as mloda), the same start matrix as sklearn "
        "(numpy RandomState(42)), so sources equal sklearn's up to sign and order. tsne: "
        "mloda's TSNE (perplexity min(30, n//3), init pca, learning rate auto, exaggeration 12 "
        "for 250 iterations, tsne_max_iter 250 so mloda stops there, "
        "tsne_n_iter_without_progress 50, tsne_method barnes_hut, exact below 20 rows); the "
        "gradient is exact (sklearn approximates it with Barnes-Hut at angle 0.5), the start is "
        "the exact PCA (sklearn: randomized), so the layout follows another trajectory than "
        "sklearn's: it is tested by its KL divergence against sklearn's on the same data, not "
        "by values. Cost (n rows, p inputs): lda O(n p^2); ica O(n p d) per iteration; isomap "
        "O(n^2 (p + log n)) for neighbours and geodesics plus O(n^3) for the eigen-"
        "decomposition, n^2 memory; tsne O(n^2 d) per iteration (exact P: n^2 memory); batches "
        "needing more than 4 GiB of n x n matrices are refused; long runs stop at the batch "
        "timeout.",
    .version = "1",
    .patterns = "{in1},{in2},{in3}__{algorithm}_{d}d\n{in1}&{in2}&{in3}__{algorithm}_{d}d",
    .options_doc = "algorithm: pca|tsne|ica|lda|isomap\n"
                   "dimension: a positive integer below the number of input columns\n"
                   "pca_svd_solver: auto|full|arpack|randomized (accepted, no effect)\n"
                   "tsne_max_iter (250), tsne_n_iter_without_progress (50), tsne_method "
                   "(barnes_hut|exact): t-SNE settings\n"
                   "ica_max_iter (200), isomap_n_neighbors (5)\n"
                   "lda_target: the class column (required for lda)\n"
                   "in_features: the input features (option form)",
    .example = "x,y,z__pca_2d",
    .match = dr_match,
    .inputs = dr_inputs,
    .bind = dr_bind,
    .calculate = dr_calculate,
    .parsed_free = mloda_family_parsed_free,
};
