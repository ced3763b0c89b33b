/*
 * fuzz_numeric_extremes.c: feature requests over columns of extreme numbers through every
 * built-in family (issue 16: k-means and Ward indexed with -1 on values whose squares
 * overflow, the kind of crash this target finds). The input bytes choose the row count,
 * up to three features (and whether x is int64), and per row a value for each column from
 * a palette of extremes: +-1e308, +-DBL_MAX, +-inf, NaN, subnormals, DBL_MIN, int64
 * min/max, 2^53 + 1, nulls, small numbers; timestamps with extreme steps and nulls; short
 * texts and graph endpoints. Every run must end in results whose tables have their
 * declared rows, or an error with a code and a message: never a crash, hang or leak.
 *
 * Input layout (missing bytes read as 0):
 *   byte 0        rows = byte % 17
 *   byte 1        bit 0: x is int64 (else float64); bit 1: reference_time unsorted
 *   bytes 2..4    features: index into FEATURES (mod its length); 0xff = none
 *   then per row  x, y, w palette indices, time step, text/endpoint choice (5 bytes)
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mloda/mloda.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ROWS 16

/* One name per family (and a few chains): every built-in feature group is reached. */
static const char *const FEATURES[] = {
    "x",
    "x__sum_aggr",
    "x__mean_aggr",
    "x__std_aggr",
    "x__var_aggr",
    "x__median_aggr",
    "x__min_aggr",
    "x__count_aggr",
    "x__mean_imputed",
    "x__median_imputed",
    "x__mode_imputed",
    "x__ffill_imputed",
    "x__bfill_imputed",
    "x__sum_2_day_window",
    "x__mean_1_day_window",
    "x__std_3_day_window",
    "x__var_2_day_window",
    "x__median_2_day_window",
    "x__max_1_week_window",
    "x__first_2_hour_window",
    "x__standard_scaled",
    "x__minmax_scaled",
    "x__robust_scaled",
    "x__normalizer_scaled",
    "x__onehot_encoded",
    "x__label_encoded",
    "x__ordinal_encoded",
    "s__onehot_encoded~1",
    "s__cleaned_text",
    "p&q__haversine_distance",
    "p&q__euclidean_distance",
    "p&q__manhattan_distance",
    "source__degree_centrality",
    "source__betweenness_centrality",
    "source__closeness_centrality",
    "source__eigenvector_centrality",
    "source__pagerank_centrality",
    "x,y__sklearn_pipeline_scaling",
    "x,y__sklearn_pipeline_preprocessing",
    "x__sklearn_pipeline_imputation",
    "x__cluster_kmeans_2",
    "x&y__cluster_kmeans_3",
    "x&y__cluster_kmeans_auto",
    "x__cluster_agglomerative_2",
    "x&y__cluster_hierarchical_auto",
    "x&y__cluster_dbscan_2",
    "x&y__cluster_dbscan_auto",
    "x,y,w__pca_2d",
    "x,y__pca_1d~dim1",
    "x__linear_forecast_2day",
    "x__mean_imputed__sum_aggr",
    "x__onehot_encoded__sum_aggr",
    "x&y__cluster_kmeans_2__mean_aggr",
    "x,y__sklearn_pipeline_scaling__std_aggr",
};
#define N_FEATURES ((int)(sizeof FEATURES / sizeof FEATURES[0]))

/* Float palette; index 15 is a null. */
static double f_value(uint8_t b, bool *null)
{
    static const double P[] = {0.0,     1.0,      -1.0,    1e300,   -1e300,  1e308, -1e308,
                               DBL_MAX, -DBL_MAX, INFINITY, -INFINITY, NAN,  5e-324, -5e-324,
                               DBL_MIN, 0.0,      2.5,     1e154,   -1e160,  -0.0,
                               9007199254740993.0, 3.0,   7.0};
    const size_t n = sizeof P / sizeof P[0];
    *null = b % n == 15;
    return b < 2 * n ? P[b % n] : (double)(b % 8);
}

static int64_t i_value(uint8_t b, bool *null)
{
    static const int64_t P[] = {0, 1, -1, INT64_MAX, INT64_MIN, 0, 9007199254740993, 42, 7};
    const size_t n = sizeof P / sizeof P[0];
    *null = b % n == 5;
    return b < 2 * n ? P[b % n] : (int64_t)(b % 5);
}

/* Steps between consecutive timestamps (microseconds); index 0 is a null time. */
static int64_t t_step(uint8_t b, bool *null)
{
    static const int64_t P[] = {0, 0, 3600000000, 86400000000, 604800000000, -86400000000,
                                INT64_MAX / 4, INT64_MIN / 4, 1};
    const size_t n = sizeof P / sizeof P[0];
    *null = b % n == 0 && b >= n; /* the first row never gets a null this way */
    return P[b % n];
}

static uint8_t at(const uint8_t *data, size_t size, size_t i)
{
    return i < size ? data[i] : 0;
}

static mloda_api_data *make_data(const uint8_t *data, size_t size, int64_t n, bool x_int,
                                 bool unsorted)
{
    double x[MAX_ROWS + 1], y[MAX_ROWS + 1], w[MAX_ROWS + 1], pts[2 * MAX_ROWS + 2],
        qts[2 * MAX_ROWS + 2];
    int64_t xi[MAX_ROWS + 1], t[MAX_ROWS + 1];
    uint8_t xv[MAX_ROWS + 1], yv[MAX_ROWS + 1], wv[MAX_ROWS + 1], tv[MAX_ROWS + 1],
        pv[MAX_ROWS + 1];
    const char *s[MAX_ROWS + 1], *src[MAX_ROWS + 1], *dst[MAX_ROWS + 1];
    static const char *const TEXT[] = {"a", "b", "Héllo, World!", "", NULL, "c d", "a"};
    static const char *const NODE[] = {"n1", "n2", "n3", "n4", NULL};
    int64_t now = 1704067200000000; /* 2024-01-01 */
    for (int64_t r = 0; r < n; r++) {
        size_t o = 5 + (size_t)r * 5;
        bool null = false;
        x[r] = f_value(at(data, size, o), &null);
        xv[r] = !null;
        xi[r] = i_value(at(data, size, o), &null);
        if (x_int)
            xv[r] = !null;
        y[r] = f_value(at(data, size, o + 1), &null);
        yv[r] = !null;
        w[r] = f_value(at(data, size, o + 2), &null);
        wv[r] = !null;
        int64_t step = t_step(at(data, size, o + 3), &null);
        if (!unsorted && step < 0)
            step = -step;
        if (__builtin_add_overflow(now, step, &now))
            now = step < 0 ? INT64_MIN : INT64_MAX;
        t[r] = now;
        tv[r] = !null;
        uint8_t c = at(data, size, o + 4);
        s[r] = TEXT[c % 7];
        src[r] = NODE[c % 5];
        dst[r] = NODE[(c / 5) % 5];
        pts[2 * r] = x[r];
        pts[2 * r + 1] = y[r];
        qts[2 * r] = w[r];
        qts[2 * r + 1] = (double)(c % 90);
        pv[r] = xv[r] && yv[r];
    }
    const char *names[] = {"x", "y", "w", "reference_time", "s", "p", "q", "source", "target"};
    mloda_column *cols[9] = {NULL};
    if (x_int)
        (void)mloda_column_from_int64(n, xi, xv, &cols[0], NULL);
    else
        (void)mloda_column_from_float64(n, x, xv, &cols[0], NULL);
    (void)mloda_column_from_float64(n, y, yv, &cols[1], NULL);
    (void)mloda_column_from_float64(n, w, wv, &cols[2], NULL);
    (void)mloda_column_from_timestamp(MLODA_TIME_MICRO, n, t, tv, &cols[3], NULL);
    (void)mloda_column_from_utf8(n, s, &cols[4], NULL);
    (void)mloda_column_from_float64_list(2, n, pts, pv, &cols[5], NULL);
    (void)mloda_column_from_float64_list(2, n, qts, NULL, &cols[6], NULL);
    (void)mloda_column_from_utf8(n, src, &cols[7], NULL);
    (void)mloda_column_from_utf8(n, dst, &cols[8], NULL);
    mloda_api_data *api = mloda_api_data_new();
    bool ok = api != NULL;
    for (int k = 0; k < 9; k++)
        ok = ok && cols[k] != NULL;
    if (ok)
        ok = mloda_api_data_add_columns(api, "T", 9, names, (const mloda_column *const *)cols,
                                        NULL) == MLODA_OK;
    for (int k = 0; k < 9; k++)
        mloda_column_release(cols[k]);
    if (!ok) {
        mloda_api_data_free(api);
        return NULL;
    }
    return api;
}

/* The options a name needs to resolve (text cleaning's operations). */
static mloda_options *options_for(const char *feature)
{
    if (strstr(feature, "cleaned_text") == NULL)
        return NULL;
    mloda_options *o = mloda_options_new();
    (void)mloda_options_set_list(o, MLODA_CONTEXT, "cleaning_operations", NULL);
    (void)mloda_options_list_append_string(o, "cleaning_operations", "normalize", NULL);
    (void)mloda_options_list_append_string(o, "cleaning_operations", "remove_punctuation", NULL);
    return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    const int64_t n = at(data, size, 0) % (MAX_ROWS + 1);
    const uint8_t flags = at(data, size, 1);
    mloda_api_data *api = make_data(data, size, n, flags & 1u, flags & 2u);
    mloda_registry *reg = mloda_registry_default();
    mloda_request *req = mloda_request_new();
    if (api == NULL || reg == NULL || req == NULL)
        abort();
    for (size_t k = 2; k < 5; k++) {
        uint8_t b = at(data, size, k);
        if (b == 0xff || (k > 2 && b == 0))
            continue;
        const char *f = FEATURES[b % N_FEATURES];
        mloda_options *o = options_for(f);
        (void)mloda_request_add(req, f, o, NULL);
        mloda_options_free(o);
    }
    (void)mloda_request_set_threads(req, 1, NULL);
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    mloda_status st = mloda_run_all(reg, req, api, &res, &err);
    if (st != MLODA_OK) {
        /* every failure says what went wrong (a duplicate feature picked twice is one) */
        if (err.code != st || err.message[0] == '\0' || res != NULL)
            abort();
    } else {
        for (int64_t t = 0; t < mloda_results_n_tables(res); t++) {
            const mloda_table *tab = mloda_results_table(res, t);
            for (int64_t c = 0; c < mloda_table_n_columns(tab); c++) {
                if (mloda_column_n_rows(mloda_table_column(tab, c)) != mloda_table_n_rows(tab))
                    abort();
            }
        }
    }
    mloda_results_free(res);
    mloda_request_free(req);
    mloda_registry_free(reg);
    mloda_api_data_free(api);
    return 0;
}
