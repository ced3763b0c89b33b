/*
 * test_oom_workflows.c: allocation failure at every point of what the command does with a
 * request (STYLE.md §10), for requests that reach every layer: data sources of each kind
 * (CSV, NDJSON, SQLite, a folder), every filter, links of every type, most feature
 * families, the plan in both formats and the output in every format. Each injected
 * failure must come back as MLODA_ERR_NOMEM from the step that met it, leave nothing
 * half-built and leak nothing (ASan checks), and a prepared session stays usable.
 * yajl's and SQLite's own allocations are not injected. Steps run on one thread so that
 * the n-th allocation is the same one on every run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/io.h"
#include "test.h"
#include "util/alloc.h"
#include "util/util.h"

static const char SOURCES[] =
    "{\"features\": [\"name\", \"credit__sum_aggr\", \"amount__mean_aggr\", \"price__max_aggr\", "
    "\"fx__sum_aggr\", \"label\", \"credit__mean_imputed\", \"since\"],"
    " \"data_access\": {\"files\": [\"customers.csv\", {\"path\": \"orders.ndjson\", "
    "\"name\": \"Orders\"}], \"folders\": [\"folder\"], \"sqlite\": [{\"path\": \"shop.db\", "
    "\"table\": \"items\"}], \"infer_rows\": 2},"
    " \"schema\": {\"customers\": {\"credit\": \"float64\"}}}";

static const char FILTERS[] =
    "{\"features\": [\"v\", \"rid\", \"v__sum_aggr\", \"s\", \"t\", \"b\", \"v__median_aggr\", "
    "\"w__count_aggr\", \"s__label_encoded\", \"v__standard_scaled\", "
    "{\"name\": \"v__max_3_day_window\", \"options\": {\"reference_time\": \"t\"}}],"
    " \"api_data\": {\"T\": {\"v\": [1.5, 2, 3, 4, null, 6], \"w\": [1, 2, 3, 4, 5, 6], "
    "\"s\": [\"a\", \"b\", \"a\", null, \"c\", \"b\"], \"t\": [\"2024-01-01T00:00:00\", "
    "\"2024-01-02T00:00:00\", \"2024-01-03T00:00:00\", \"2024-01-04T00:00:00\", "
    "\"2024-01-05T00:00:00\", \"2024-01-06T00:00:00\"], \"b\": [true, false, true, true, null, "
    "false]}},"
    " \"filters\": [{\"column\": \"v\", \"type\": \"range\", \"params\": {\"min\": 1, \"max\": 10, "
    "\"max_exclusive\": true}},"
    "             {\"column\": \"s\", \"type\": \"categorical_inclusion\", "
    "\"params\": {\"values\": [\"a\", \"b\", \"c\"]}},"
    "             {\"column\": \"t\", \"type\": \"time_range\", "
    "\"params\": {\"from\": \"2024-01-01T00:00:00\", \"to\": \"2024-02-01T00:00:00\"}},"
    "             {\"column\": \"w\", \"type\": \"min\", \"params\": {\"value\": 1}},"
    "             {\"column\": \"w\", \"type\": \"max\", \"params\": {\"value\": 100}},"
    "             {\"column\": \"s\", \"type\": \"regex\", \"params\": {\"value\": \"^[abc]\"}},"
    "             {\"column\": \"b\", \"type\": \"equal\", \"params\": {\"value\": true}}],"
    " \"row_id_column\": \"rid\", \"schema\": {\"T\": {\"t\": \"timestamp\"}}}";

static const char LINK[] =
    "{\"features\": [\"a&c__manhattan_distance\", \"a&c__euclidean_distance\", \"x__sum_aggr\", "
    "\"y__sum_aggr\"],"
    " \"api_data\": {\"A\": {\"aid\": [1, 2, 4, 3], \"x\": [1, 2, 3, 4], \"a\": [[10, 0], [20, 0], "
    "[40, 0], [30, 0]], \"k\": [\"p\", \"q\", \"p\", \"r\"]},"
    "              \"C\": {\"cid\": [1, 2, 3, 3], \"y\": [5, 6, 7, 8], \"c\": [[0, 1], [0, 2], "
    "[0, 3], [0, 4]], \"k2\": [\"p\", \"q\", \"r\", \"p\"]}},"
    " \"links\": [{\"type\": \"left\", \"left\": {\"table\": \"A\", \"on\": [\"aid\", \"k\"]}, "
    "\"right\": {\"table\": \"C\", \"on\": [\"cid\", \"k2\"]}}]}";

static const char FAMILIES[] =
    "{\"features\": [{\"name\": \"s__cleaned_text\", "
    "\"options\": {\"cleaning_operations\": [\"normalize\", \"remove_stopwords\", "
    "\"remove_punctuation\", \"remove_special_chars\", \"normalize_whitespace\", "
    "\"remove_urls\"]}}, \"source__degree_centrality\", \"source__pagerank_centrality\", "
    "\"source__betweenness_centrality\", \"source__closeness_centrality\", "
    "\"source__eigenvector_centrality\","
    "              \"x,y__sklearn_pipeline_scaling\", \"x&y__cluster_kmeans_2\", "
    "\"x&y__cluster_dbscan_auto\", \"x&y__cluster_agglomerative_2\","
    "              \"x,y,z__pca_2d\", \"x,y,z__pca_2d~dim1\", \"s__onehot_encoded\", "
    "\"s__onehot_encoded~1\", \"x__ffill_imputed\", \"y__median_imputed\","
    "              \"p&q__haversine_distance\", \"s__ordinal_encoded\", \"x__robust_scaled\", "
    "\"x__minmax_scaled\","
    "              {\"name\": \"m\", \"options\": {\"aggregation_type\": \"std\", "
    "\"in_features\": \"x\"}}],"
    " \"api_data\": {\"T\": {\"s\": [\"Hello World!\", \"  a-b \", null, \"Hello World!\", \"x\"],"
    "                    \"source\": [\"a\", \"b\", \"c\", \"a\", \"b\"], \"target\": [\"b\", \"c\", \"a\", "
    "\"c\", \"a\"],"
    "                    \"x\": [1.0, null, 3.0, 10.0, 11.0], \"y\": [2.0, 1.0, null, 9.0, "
    "12.0], \"z\": [0.5, 1.5, 2.0, 3.0, 1.0],"
    "                    \"p\": [[52.5, 13.4], [48.8, 2.3], [40.7, -74.0], null, [0, 0]], "
    "\"q\": [[48.8, 2.3], [52.5, 13.4], [51.5, -0.1], [0, 0], [0, 0]]}}}";

static const char ASOF_FORECAST[] =
    "{\"features\": [\"a&c__manhattan_distance\", \"a&c__manhattan_distance__sum_aggr\", "
    "\"v__linear_forecast_2day\"],"
    " \"api_data\": {\"A\": {\"k\": [1, 1, 2], \"t\": [1, 5, 10], \"a\": [[10, 0], [20, 0], [30, "
    "0]]},"
    "              \"C\": {\"k2\": [1, 1, 2], \"u\": [0, 4, 11], \"c\": [[0, 1], [0, 2], [0, "
    "3]]},"
    "              \"F\": {\"reference_time\": [\"2024-01-01T00:00:00\", "
    "\"2024-01-02T00:00:00\", \"2024-01-03T00:00:00\"], \"v\": [1.0, 2.5, 2.0]}},"
    " \"links\": [{\"type\": \"asof\", \"left\": {\"table\": \"A\", \"on\": \"k\"}, "
    "\"right\": {\"table\": \"C\", \"on\": \"k2\"},"
    "            \"params\": {\"left_time_column\": \"t\", \"right_time_column\": \"u\", "
    "\"direction\": \"nearest\", \"tolerance\": 3, \"allow_exact_matches\": false}}]}";

/* the families FAMILIES leaves out: grouped imputation of every method, time windows of
 * every function, aggregation of every kind and type, the scikit-learn algorithms, chains */
static const char FAMILIES2[] =
    "{\"features\": [\"x__sum_aggr\", \"x__min_aggr\", \"x__max_aggr\", \"x__avg_aggr\", "
    "\"x__count_aggr\", \"x__var_aggr\", \"x__median_aggr\", \"i__sum_aggr\", \"i__max_aggr\", "
    "\"b__sum_aggr\", \"b__count_aggr\", \"s__count_aggr\", \"s__min_aggr\", \"t__max_aggr\","
    "              {\"name\": \"x__mean_imputed\", \"options\": {\"group_by_features\": [\"g\"]}},"
    "              {\"name\": \"x__median_imputed\", \"options\": {\"group_by_features\": [\"g\"]}},"
    "              {\"name\": \"s__mode_imputed\", \"options\": {\"group_by_features\": [\"g\"]}},"
    "              {\"name\": \"x__ffill_imputed\", \"options\": {\"group_by_features\": [\"g\"]}},"
    "              {\"name\": \"x__bfill_imputed\", \"options\": {\"group_by_features\": [\"g\"]}},"
    "              {\"name\": \"i__constant_imputed\", \"options\": {\"constant_value\": 7}},"
    "              {\"name\": \"x__sum_2_day_window\", \"options\": {\"reference_time\": \"t\"}},"
    "              {\"name\": \"x__mean_2_day_window\", \"options\": {\"reference_time\": \"t\"}},"
    "              {\"name\": \"x__min_3_day_window\", \"options\": {\"reference_time\": \"t\"}},"
    "              {\"name\": \"x__std_2_day_window\", \"options\": {\"reference_time\": \"t\"}},"
    "              {\"name\": \"x__count_2_day_window\", \"options\": {\"reference_time\": \"t\"}},"
    "              {\"name\": \"x__median_2_day_window\", \"options\": {\"reference_time\": \"t\"}},"
    "              {\"name\": \"x__mean_imputed__max_2_day_window\", "
    "\"options\": {\"reference_time\": \"t\"}},"
    "              \"x&y__cluster_spectral_2\", \"x&y__cluster_affinity_auto\", "
    "\"x&y__cluster_hierarchical_2\", \"y,z,w__isomap_2d\", \"y,z,w__ica_2d\", \"y,z,w__tsne_2d\","
    "              {\"name\": \"y,z,w__lda_1d\", \"options\": {\"lda_target\": \"g\"}},"
    "              \"y,z__sklearn_pipeline_feature_engineering\", \"y,z__sklearn_pipeline_preprocessing\", "
    "\"y__normalizer_scaled\", \"i__label_encoded\"],"
    " \"api_data\": {\"T\": {\"g\": [\"a\", \"b\", \"a\", \"b\", \"a\", \"b\", \"a\", \"b\"],"
    "                    \"x\": [1.0, null, 3.0, 10.0, null, 11.0, 2.5, null],"
    "                    \"y\": [2.0, 1.0, 4.0, 9.0, 12.0, 3.0, 5.5, 7.0],"
    "                    \"z\": [0.5, 1.5, 2.0, 3.0, 1.0, 0.2, 2.2, 4.1],"
    "                    \"w\": [5.0, 4.0, 1.0, 2.0, 8.0, 7.5, 3.3, 0.1],"
    "                    \"i\": [1, 2, null, 4, 5, 6, 7, 8],"
    "                    \"b\": [true, false, null, true, true, false, true, false],"
    "                    \"s\": [\"p\", null, \"q\", \"p\", \"r\", null, \"q\", \"p\"],"
    "                    \"t\": [\"2024-01-01T00:00:00\", \"2024-01-02T00:00:00\", "
    "\"2024-01-02T12:00:00\", \"2024-01-04T00:00:00\", \"2024-01-05T00:00:00\", "
    "\"2024-01-05T06:00:00\", \"2024-01-07T00:00:00\", \"2024-01-08T00:00:00\"]}},"
    " \"schema\": {\"T\": {\"t\": \"timestamp\"}}}";

static char scratch[256];

static void write_text(const char *name, const char *text)
{
    char path[400];
    (void)snprintf(path, sizeof path, "%s/%s", scratch, name);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f != NULL) {
        (void)fputs(text, f);
        (void)fclose(f);
    }
}

/* The data the SOURCES request reads. */
static void make_files(void)
{
    (void)snprintf(scratch, sizeof scratch, "/tmp/mloda_oomwf_XXXXXX");
    if (mkdtemp(scratch) == NULL) {
        perror("mkdtemp");
        exit(1);
    }
    write_text("customers.csv", "id,credit,name,since\n1,10.5,ann,2024-01-01T00:00:00\n2,,bob,\n"
                                "3,7,\"c, d\",2024-02-01T10:00:00\n");
    write_text("orders.ndjson", "{\"oid\": 1, \"cust\": 1, \"amount\": 5.5, \"tag\": \"x\"}\n"
                                "{\"oid\": 2, \"cust\": 3, \"amount\": null, \"tag\": \"y\"}\n"
                                "{\"oid\": 3, \"cust\": 9, \"amount\": 2, \"tag\": null}\n");
    char path[400];
    (void)snprintf(path, sizeof path, "%s/folder", scratch);
    CHECK(mkdir(path, 0755) == 0);
    write_text("folder/f.csv", "fx,fy\n1,2\n3,4\n");
    write_text("folder/readme.txt", "not data");
    char cmd[800];
    (void)snprintf(cmd, sizeof cmd,
                   "sqlite3 '%s/shop.db' \"create table items(iid integer, price real, label "
                   "text, ok boolean, at date); insert into items values (1, 2.5, 'a', 1, "
                   "'2024-01-01'), (2, null, 'b', 0, null), (3, 4.0, null, 1, '2024-03-01');\"",
                   scratch);
    CHECK(system(cmd) == 0);
}

static void remove_files(void)
{
    char cmd[400];
    (void)snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", scratch);
}

/* What one run of the workflow produced, to compare with the run without failures. */
typedef struct outcome {
    mloda_status st;
    mloda_error err;
    bool session_reusable; /* a run after the failed one worked */
    size_t out_len;        /* bytes of output (every format, every table, both plans) */
    bool injected;         /* the failure was injected (read before the second run, which
                              turns injection off) */
} outcome;

static mloda_status write_tables(const mloda_results *res, mloda_buf *out, mloda_error *err)
{
    for (int64_t i = 0; i < mloda_results_n_tables(res); i++) {
        const mloda_table *t = mloda_results_table(res, i);
        MLODA_TRY(mloda_io_write_json_table(out, t, i, false, err));
        MLODA_TRY(mloda_io_write_json_table(out, t, -1, true, err));
        MLODA_TRY(mloda_io_write_csv_table(out, t, i, err));
        MLODA_TRY(mloda_io_write_text_table(out, t, i, err));
    }
    return MLODA_OK;
}

static mloda_status stream_all_tables(const mloda_session *s, const mloda_api_data *api,
                                      mloda_buf *out, mloda_error *err)
{
    mloda_stream *stream = NULL;
    MLODA_TRY(mloda_session_stream_run(s, api, &stream, err));
    mloda_status st = MLODA_OK;
    for (;;) {
        mloda_table *t = NULL;
        st = mloda_stream_next(stream, &t, err);
        if (st != MLODA_OK || t == NULL)
            break;
        st = mloda_io_write_json_table(out, t, 0, false, err);
        mloda_table_release(t);
        if (st != MLODA_OK)
            break;
    }
    mloda_stream_free(stream);
    return st;
}

static mloda_status plans(const mloda_session *s, mloda_buf *out, mloda_error *err)
{
    for (int f = 0; f < 2; f++) {
        char *text = NULL;
        MLODA_TRY(mloda_session_plan(s, f == 0 ? MLODA_PLAN_TEXT : MLODA_PLAN_JSON, &text, err));
        const mloda_status st = mloda_buf_puts(out, text, err);
        mloda_string_free(text);
        MLODA_TRY(st);
    }
    return MLODA_OK;
}

/* read the request (its sources relative to the scratch folder), plan, run, stream, write */
static outcome workflow(const char *text)
{
    outcome o = {MLODA_OK, MLODA_ERROR_INIT, true, 0, false};
    io_request r;
    mloda_registry *reg = NULL;
    mloda_session *session = NULL;
    mloda_results *res = NULL;
    mloda_buf out = {0};
    mloda_error *err = &o.err;
    mloda_status st = mloda_io_request_parse_in(text, strlen(text), "req.json", scratch, NULL, &r, err);
    if (st == MLODA_OK)
        st = mloda_request_set_threads(r.request, 1, err);
    if (st == MLODA_OK && (reg = mloda_registry_default()) == NULL)
        st = mloda_error_set(err, MLODA_ERR_NOMEM, NULL, "registry");
    if (st == MLODA_OK)
        st = mloda_prepare(reg, r.request, r.api_data, &session, err);
    if (st == MLODA_OK)
        st = mloda_session_run(session, r.api_data, &res, err);
    if (st == MLODA_OK)
        st = write_tables(res, &out, err);
    if (st == MLODA_OK)
        st = stream_all_tables(session, r.api_data, &out, err);
    if (st == MLODA_OK)
        st = plans(session, &out, err);
    o.st = st;
    o.out_len = out.len;
    o.injected = mloda_test_alloc_failed();
    if (st != MLODA_OK && session != NULL) { /* the failure left the session usable */
        mloda_test_fail_alloc_at(-1);
        mloda_results *again = NULL;
        mloda_error e2 = MLODA_ERROR_INIT;
        o.session_reusable = mloda_session_run(session, r.api_data, &again, &e2) == MLODA_OK;
        mloda_results_free(again);
    }
    mloda_buf_reset(&out);
    mloda_results_free(res);
    mloda_session_free(session);
    mloda_registry_free(reg);
    if (r.request != NULL || r.api_data != NULL || r.schema != NULL)
        mloda_io_request_reset(&r);
    return o;
}

static void walk(const char *name, const char *text)
{
    const outcome clean = workflow(text);
    TEST_CASE("%s without failures: %.200s", name, clean.err.message);
    CHECK_OK(clean.st, clean.err);
    CHECK(clean.out_len > 0);
    long n = 0;
    for (;; n++) {
        mloda_test_fail_alloc_at(n);
        const outcome o = workflow(text);
        const bool injected = o.injected;
        mloda_test_fail_alloc_at(-1);
        TEST_CASE("%s, allocation %ld: %.180s", name, n, o.err.message);
        if (o.st != MLODA_OK) {
            CHECK_EQ_INT(o.st, MLODA_ERR_NOMEM);
            CHECK_EQ_INT(o.err.code, MLODA_ERR_NOMEM);
            CHECK(o.session_reusable);
        } else {
            CHECK_EQ_INT(o.out_len, clean.out_len); /* an absorbed failure changes nothing */
        }
        if (!injected)
            break;
    }
    CHECK_MSG(n > 100, "only %ld allocations", n);
}

/* LINK with each join type in turn */
static void test_links_walk(void)
{
    static const char *const types[] = {"left", "inner", "right", "outer", "append", "union"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        char text[sizeof LINK + 16];
        const char *at = strstr(LINK, "\"type\": \"left\"");
        CHECK(at != NULL);
        if (at == NULL)
            return;
        const size_t head = (size_t)(at - LINK);
        (void)snprintf(text, sizeof text, "%.*s\"type\": \"%s\"%s", (int)head, LINK, types[i],
                       at + strlen("\"type\": \"left\""));
        walk(types[i], text);
    }
}

static void test_sources_walk(void)
{
    walk("sources", SOURCES);
}

static void test_filters_walk(void)
{
    walk("filters", FILTERS);
}

static void test_families_walk(void)
{
    walk("families", FAMILIES);
}

static void test_families2_walk(void)
{
    walk("families 2", FAMILIES2);
}

static void test_asof_forecast_walk(void)
{
    walk("asof and forecast", ASOF_FORECAST);
}

int main(void)
{
    make_files();
    RUN(test_sources_walk);
    RUN(test_filters_walk);
    RUN(test_links_walk);
    RUN(test_families_walk);
    RUN(test_families2_walk);
    RUN(test_asof_forecast_walk);
    remove_files();
    return TEST_SUMMARY();
}
