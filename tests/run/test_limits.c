/*
 * test_limits.c: what one run may produce and how long it may take (issue 16, findings 4
 * and 5): mloda_request_set_limit (output cells, one-hot categories, forecast horizon)
 * with its defaults and errors, checked at prepare (horizon), before a kernel allocates
 * (one-hot, cluster probabilities, forecasts, join rows) and over a whole run (every
 * step's cells); mloda_request_set_batch_timeout stopping each long kernel (Ward, k-means
 * with auto k, DBSCAN, betweenness, closeness, a regex filter) with an error naming the
 * feature, and the session staying usable. Reproducers: a one-hot of 2 x 10^4 categories
 * (5 GB before) and a 12-row forecast with horizon 10^8 (8.5 GB before).
 */
#include "support.h"

static mloda_registry *reg;

/* Runs feature(s) on api with the request's settings; returns the status. */
static mloda_status run_req(mloda_request *req, const mloda_api_data *api, mloda_results **res,
                            mloda_error *err)
{
    *res = NULL;
    return mloda_run_all(reg, req, api, res, err);
}

static void test_setters(void)
{
    mloda_request *req = mloda_request_new();
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_EQ_INT(mloda_request_set_limit(req, (mloda_limit)7, 5, &err), MLODA_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "unknown limit 7");
    CHECK_EQ_INT(mloda_request_set_limit(req, MLODA_LIMIT_CATEGORIES, -1, &err),
                 MLODA_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "one-hot categories is -1");
    CHECK_EQ_INT(mloda_request_set_limit(NULL, MLODA_LIMIT_CATEGORIES, 1, &err),
                 MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_request_set_batch_timeout(req, -5, &err), MLODA_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "-5 ms is negative");
    CHECK_EQ_INT(mloda_request_set_limit(req, MLODA_LIMIT_HORIZON, 0, &err), MLODA_OK);
    CHECK_EQ_INT(err.code, MLODA_OK);
    CHECK_EQ_INT(mloda_request_set_batch_timeout(req, 0, &err), MLODA_OK);
    mloda_request_free(req);
}

/* n distinct strings "c0".."c<n-1>" in column c of table T. */
static mloda_api_data *distinct_strings(int64_t n)
{
    char **s = calloc((size_t)n, sizeof *s);
    for (int64_t i = 0; i < n; i++) {
        s[i] = malloc(24);
        snprintf(s[i], 24, "c%lld", (long long)i);
    }
    mloda_api_data *api = mloda_api_data_new();
    const char *name = "c";
    mloda_column *col = col_str((const char *const *)s, n);
    api_add(api, "T", 1, &name, &col);
    for (int64_t i = 0; i < n; i++)
        free(s[i]);
    free(s);
    return api;
}

static void test_onehot(void)
{
    /* the reproducer: 2 x 10^4 categories (2 x 10^4 columns of 2 x 10^4 rows, 3.2 GB) */
    mloda_api_data *api = distinct_strings(20000);
    const char *f = "c__onehot_encoded";
    mloda_request *req = request_of(&f, 1);
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_EQ_INT(run_req(req, api, &res, &err), MLODA_ERR_RANGE);
    CHECK_STR(err.subject, f);
    CHECK_CONTAINS(err.message, "feature 'c__onehot_encoded': 20000 one-hot categories exceed "
                                "the limit of 10000");
    CHECK_CONTAINS(err.message, "mloda_request_set_limit(MLODA_LIMIT_CATEGORIES)");
    CHECK_CONTAINS(err.message, "--max-categories");
    /* more categories allowed: the cells (4 x 10^8) are refused next, still before
     * anything that size is allocated */
    CHECK_OK(mloda_request_set_limit(req, MLODA_LIMIT_CATEGORIES, 30000, &err), err);
    CHECK_EQ_INT(run_req(req, api, &res, &err), MLODA_ERR_RANGE);
    CHECK_CONTAINS(err.message, "400000000 output cells exceed the limit of 100000000");
    mloda_request_free(req);
    mloda_api_data_free(api);

    /* at the limit it works: 200 categories, limit 200 (and 100 refuses) */
    api = distinct_strings(200);
    req = request_of(&f, 1);
    CHECK_OK(mloda_request_set_limit(req, MLODA_LIMIT_CATEGORIES, 100, &err), err);
    CHECK_EQ_INT(run_req(req, api, &res, &err), MLODA_ERR_RANGE);
    CHECK_CONTAINS(err.message, "200 one-hot categories exceed the limit of 100");
    CHECK_OK(mloda_request_set_limit(req, MLODA_LIMIT_CATEGORIES, 200, &err), err);
    CHECK_OK(run_req(req, api, &res, &err), err);
    CHECK_EQ_INT(mloda_table_n_columns(mloda_results_table(res, 0)), 200);
    mloda_results_free(res);
    mloda_request_free(req);
    mloda_api_data_free(api);
}

static mloda_api_data *series(int64_t n)
{
    double *v = malloc((size_t)n * sizeof *v);
    int64_t *t = malloc((size_t)n * sizeof *t);
    for (int64_t i = 0; i < n; i++) {
        v[i] = (double)i;
        t[i] = (19723 + i) * 86400LL * 1000000; /* 2024-01-01 + i days, microseconds */
    }
    mloda_api_data *api = mloda_api_data_new();
    const char *names[2] = {"v", "reference_time"};
    mloda_column *cols[2] = {col_f64(v, n), NULL};
    (void)mloda_column_from_timestamp(MLODA_TIME_MICRO, n, t, NULL, &cols[1], NULL);
    api_add(api, "T", 2, names, cols);
    free(v);
    free(t);
    return api;
}

static void test_horizon(void)
{
    mloda_api_data *api = series(12);
    const char *f = "v__linear_forecast_100000000day";
    mloda_request *req = request_of(&f, 1);
    mloda_session *s = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    /* the reproducer: refused when planned */
    CHECK_EQ_INT(mloda_prepare(reg, req, api, &s, &err), MLODA_ERR_RANGE);
    CHECK(s == NULL);
    CHECK_STR(err.subject, f);
    CHECK_CONTAINS(err.message, "100000000 horizon rows exceed the limit of 10000000");
    CHECK_CONTAINS(err.message, "MLODA_LIMIT_HORIZON");
    /* a larger horizon allowed: the output cells (10^8 + 12) are refused at run time */
    CHECK_OK(mloda_request_set_limit(req, MLODA_LIMIT_HORIZON, 200000000, &err), err);
    CHECK_OK(mloda_prepare(reg, req, api, &s, &err), err);
    mloda_results *res = NULL;
    CHECK_EQ_INT(mloda_session_run(s, NULL, &res, &err), MLODA_ERR_RANGE);
    CHECK_CONTAINS(err.message, "100000012 output cells exceed the limit of 100000000");
    mloda_session_free(s);
    mloda_request_free(req);
    /* a small one is fine, and counts n + h cells */
    const char *g = "v__linear_forecast_3day";
    req = request_of(&g, 1);
    CHECK_OK(mloda_request_set_limit(req, MLODA_LIMIT_OUTPUT_CELLS, 15, &err), err);
    CHECK_OK(run_req(req, api, &res, &err), err);
    CHECK_EQ_INT(mloda_column_n_rows(result_column(res, g)), 15);
    mloda_results_free(res);
    CHECK_OK(mloda_request_set_limit(req, MLODA_LIMIT_OUTPUT_CELLS, 14, &err), err);
    CHECK_EQ_INT(run_req(req, api, &res, &err), MLODA_ERR_RANGE);
    mloda_request_free(req);
    mloda_api_data_free(api);
}

/* The cells of a whole run: every computed feature counts, pass-through columns do not. */
static void test_run_cells(void)
{
    const double x[4] = {1, 2, 3, 4};
    mloda_api_data *api = api_one_f64("T", "x", x, 4);
    const char *feats[4] = {"x", "x__sum_aggr", "x__mean_imputed", "x__standard_scaled"};
    static const struct {
        int64_t limit;
        mloda_status st;
    } cases[] = {{12, MLODA_OK}, {11, MLODA_ERR_RANGE}, {4, MLODA_ERR_RANGE}, {3, MLODA_ERR_RANGE}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("limit %lld", (long long)cases[k].limit);
        for (int threads = 1; threads <= 4; threads += 3) {
            mloda_request *req = request_of(feats, 4);
            mloda_error err = MLODA_ERROR_INIT;
            CHECK_OK(mloda_request_set_limit(req, MLODA_LIMIT_OUTPUT_CELLS, cases[k].limit, &err),
                     err);
            (void)mloda_request_set_threads(req, threads, NULL);
            (void)mloda_request_set_inline_rows(req, 0, NULL);
            mloda_results *res = NULL;
            CHECK_EQ_INT(run_req(req, api, &res, &err), cases[k].st);
            if (cases[k].st != MLODA_OK)
                CHECK_CONTAINS(err.message, "output cells exceed the limit of");
            mloda_results_free(res);
            mloda_request_free(req);
        }
    }
    mloda_api_data_free(api);
}

/* Joined rows count before the pairs are allocated: 300 x 300 rows of one key. */
static void test_join_rows(void)
{
    double a[300], c[300];
    int64_t ka[300], kc[300];
    for (int i = 0; i < 300; i++) {
        a[i] = i;
        c[i] = -i;
        ka[i] = kc[i] = 1;
    }
    mloda_api_data *api = mloda_api_data_new();
    const char *na[2] = {"ka", "a"}, *nc[2] = {"kc", "c"};
    mloda_column *ca[2] = {col_i64(ka, NULL, 300), col_f64(a, 300)};
    mloda_column *cc[2] = {col_i64(kc, NULL, 300), col_f64(c, 300)};
    api_add(api, "A", 2, na, ca);
    api_add(api, "C", 2, nc, cc);
    const char *f = "a,c__sklearn_pipeline_imputation";
    const char *lon = "ka", *ron = "kc";
    static const struct {
        int64_t limit;
        mloda_status st;
    } cases[] = {{89999, MLODA_ERR_RANGE}, {180000, MLODA_OK}, {90000, MLODA_ERR_RANGE}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("join rows, limit %lld", (long long)cases[k].limit);
        mloda_request *req = request_of(&f, 1);
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(mloda_request_add_link(req, "inner", "A", "C", 1, &lon, &ron, NULL, &err), err);
        CHECK_OK(mloda_request_set_limit(req, MLODA_LIMIT_OUTPUT_CELLS, cases[k].limit, &err),
                 err);
        mloda_results *res = NULL;
        CHECK_EQ_INT(run_req(req, api, &res, &err), cases[k].st);
        if (k == 0) { /* the join itself: 90000 rows */
            CHECK_CONTAINS(err.message, "the A x C join: 90000 output cells exceed the limit");
            CHECK_STR(err.subject, "A x C");
        } else if (cases[k].st != MLODA_OK) { /* the feature's 2 columns of 90000 rows */
            CHECK_CONTAINS(err.message, "feature 'a,c__sklearn_pipeline_imputation': 180000 "
                                        "output cells exceed the limit of 90000");
        } else {
            CHECK_EQ_INT(mloda_column_n_rows(result_column(res, "a,c__sklearn_pipeline_"
                                                                "imputation~0")),
                         90000);
        }
        mloda_results_free(res);
        mloda_request_free(req);
    }
    mloda_api_data_free(api);
}

/* k cluster probabilities: (k + 1) columns of n rows, checked before allocating. */
static void test_cluster_probabilities(void)
{
    double x[100];
    for (int i = 0; i < 100; i++)
        x[i] = (i * 37) % 100;
    mloda_api_data *api = api_one_f64("T", "x", x, 100);
    const char *f = "x__cluster_kmeans_50";
    mloda_options *o = mloda_options_new();
    (void)mloda_options_set_bool(o, MLODA_CONTEXT, "output_probabilities", true, NULL);
    mloda_request *req = mloda_request_new();
    (void)mloda_request_add(req, f, o, NULL);
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_request_set_limit(req, MLODA_LIMIT_OUTPUT_CELLS, 5099, &err), err);
    mloda_results *res = NULL;
    CHECK_EQ_INT(run_req(req, api, &res, &err), MLODA_ERR_RANGE);
    CHECK_CONTAINS(err.message, "feature 'x__cluster_kmeans_50': 5100 output cells exceed");
    CHECK_OK(mloda_request_set_limit(req, MLODA_LIMIT_OUTPUT_CELLS, 5100, &err), err);
    CHECK_OK(run_req(req, api, &res, &err), err);
    mloda_results_free(res);
    mloda_options_free(o);
    mloda_request_free(req);
    mloda_api_data_free(api);
}

/* ---------------------------------------------------------------- batch timeout */

/* n points of a deterministic spread in [0, 1)^2 (Weyl sequences), plus a long path graph
 * (source, target) for the centrality kernels and text for a regex filter. */
static mloda_api_data *heavy(int64_t n)
{
    double *x = malloc((size_t)n * sizeof *x), *y = malloc((size_t)n * sizeof *y);
    char **src = malloc((size_t)n * sizeof *src), **dst = malloc((size_t)n * sizeof *dst);
    for (int64_t i = 0; i < n; i++) {
        x[i] = fmod((double)i * 0.6180339887498949, 1.0);
        y[i] = fmod((double)i * 0.7548776662466927, 1.0);
        src[i] = malloc(24);
        dst[i] = malloc(24);
        snprintf(src[i], 24, "n%lld", (long long)(i % 3000));
        snprintf(dst[i], 24, "n%lld", (long long)((i * 7 + i / 3000 * 13 + 1) % 3000));
    }
    mloda_api_data *api = mloda_api_data_new();
    const char *names[5] = {"x", "y", "source", "target", "s"};
    mloda_column *cols[5] = {col_f64(x, n), col_f64(y, n), col_str((const char *const *)src, n),
                             col_str((const char *const *)dst, n),
                             col_str((const char *const *)src, n)};
    api_add(api, "T", 5, names, cols);
    for (int64_t i = 0; i < n; i++) {
        free(src[i]);
        free(dst[i]);
    }
    free(x);
    free(y);
    free(src);
    free(dst);
    return api;
}

static void test_batch_timeout(void)
{
    /* each of these takes seconds on 20000 rows; with a 100 ms timeout every one stops
     * (its kernel checks, or the step after the deadline fails) and names itself */
    static const struct {
        const char *feature, *filter_pattern, *subject;
    } cases[] = {
        {"x&y__cluster_agglomerative_3", NULL, "x&y__cluster_agglomerative_3"},
        {"x&y__cluster_kmeans_auto", NULL, "x&y__cluster_kmeans_auto"},
        {"x&y__cluster_hierarchical_auto", NULL, "x&y__cluster_hierarchical_auto"},
        {"x&y__cluster_dbscan_auto", NULL, "x&y__cluster_dbscan_auto"},
        {"source__betweenness_centrality", NULL, "source__betweenness_centrality"},
        {"source__closeness_centrality", NULL, "source__closeness_centrality"},
        {"x", "^([n0-9]|[0-9]+)*[^0-9n]$", "s"}, /* backtracks, within the row limits */
    };
    mloda_api_data *big = heavy(20000), *small = heavy(20);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s", cases[k].feature);
        mloda_request *req = request_of(&cases[k].feature, 1);
        mloda_error err = MLODA_ERROR_INIT;
        if (cases[k].filter_pattern != NULL) {
            mloda_options *o = mloda_options_new();
            (void)mloda_options_set_string(o, MLODA_CONTEXT, "value", cases[k].filter_pattern,
                                           NULL);
            CHECK_OK(mloda_request_add_filter(req, "regex", "s", o, &err), err);
            mloda_options_free(o);
        }
        CHECK_OK(mloda_request_set_batch_timeout(req, 100, &err), err);
        mloda_session *s = NULL;
        CHECK_OK(mloda_prepare(reg, req, small, &s, &err), err);
        mloda_results *res = NULL;
        mloda_api_data *batch = big;
        if (cases[k].filter_pattern != NULL)
            batch = heavy(300000); /* about 0.7 s of matching */
        CHECK_EQ_INT(mloda_session_run(s, batch, &res, &err), MLODA_ERR_CANCELLED);
        CHECK(res == NULL);
        CHECK_STR(err.subject, cases[k].subject);
        CHECK_CONTAINS(err.message, "ran past its timeout of 100 ms");
        CHECK_CONTAINS(err.message, "--batch-timeout");
        if (batch != big)
            mloda_api_data_free(batch);
        /* the session stays usable: a small batch finishes well within 100 ms */
        CHECK_OK(mloda_session_run(s, small, &res, &err), err);
        mloda_results_free(res);
        /* and a stream reports the same error from next */
        mloda_stream *st = NULL;
        if (cases[k].filter_pattern == NULL) {
            CHECK_OK(mloda_session_stream_run(s, big, &st, &err), err);
            mloda_table *t = NULL;
            mloda_status got = MLODA_OK;
            do {
                got = mloda_stream_next(st, &t, &err);
                mloda_table_release(t);
            } while (got == MLODA_OK && t != NULL);
            CHECK_EQ_INT(got, MLODA_ERR_CANCELLED);
            mloda_stream_free(st);
        }
        mloda_session_free(s);
        mloda_request_free(req);
    }
    mloda_api_data_free(big);
    mloda_api_data_free(small);
}

int main(void)
{
    reg = mloda_registry_default();
    RUN(test_setters);
    RUN(test_onehot);
    RUN(test_horizon);
    RUN(test_run_cells);
    RUN(test_join_rows);
    RUN(test_cluster_probabilities);
    RUN(test_batch_timeout);
    mloda_registry_free(reg);
    return TEST_SUMMARY();
}
