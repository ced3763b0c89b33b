/*
 * test_engine.c: the public API end to end: run_all, stream_all, prepare/run/stream_run,
 * result grouping (SPEC.md §4), batch rules (§5.4), test vectors of SPEC.md §9.
 */
#include "support.h"

static mloda_registry *reg;

/* SPEC §9.1: run_all(['value','value__mean_aggr']) on [1,2,4] -> two tables. */
static void test_vector_value_and_mean(void)
{
    const double v[] = {1.0, 2.0, 4.0};
    mloda_api_data *api = api_one_f64("S", "value", v, 3);
    const char *feats[] = {"value", "value__mean_aggr"};
    mloda_request *req = request_of(feats, 2);
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    mloda_status st = mloda_run_all(reg, req, api, &res, &err);
    CHECK_OK(st, err);
    CHECK_EQ_INT(mloda_results_n_tables(res), 2);
    const mloda_table *t0 = mloda_results_table(res, 0), *t1 = mloda_results_table(res, 1);
    CHECK_EQ_INT(mloda_table_n_columns(t0), 1);
    CHECK_STR(mloda_table_column_name(t0, 0), "value");
    CHECK_STR(mloda_table_group_name(t0), "ApiInputDataFeature");
    CHECK_STR(mloda_table_column_name(t1, 0), "value__mean_aggr");
    CHECK_STR(mloda_table_group_name(t1), "AggregatedFeatureGroup");
    const mloda_column *mean = mloda_table_column(t1, 0);
    CHECK_EQ_INT(mloda_column_n_rows(mean), 3);
    for (int i = 0; i < 3; i++)
        CHECK_CLOSE(num_at(mean, i), 2.3333333333333335);
    /* a pass-through column is the batch's column itself, not a copy */
    const mloda_table *in = mloda_api_data_table(api, 0);
    CHECK(mloda_table_column(t0, 0) == mloda_table_column(in, 0));
    mloda_results_free(res);
    mloda_request_free(req);
    mloda_api_data_free(api);
}

/* SPEC §9.2: sum of ints is int64. */
static void test_vector_int_sum(void)
{
    const int64_t v[] = {1, 2};
    mloda_api_data *api = mloda_api_data_new();
    const char *names[] = {"value"};
    mloda_column *cols[] = {col_i64(v, NULL, 2)};
    api_add(api, "S", 1, names, cols);
    const char *feats[] = {"value__sum_aggr"};
    mloda_request *req = request_of(feats, 1);
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
    const mloda_column *c = result_column(res, "value__sum_aggr");
    CHECK(c != NULL && mloda_column_type(c) == MLODA_TYPE_INT64);
    CHECK(c != NULL && mloda_column_int64(c)[0] == 3 && mloda_column_int64(c)[1] == 3);
    mloda_results_free(res);
    mloda_request_free(req);
    mloda_api_data_free(api);
}

/* SPEC §4: features of one group with equal group options share a table; inputs first;
 * intermediates not returned; columns in request order. */
static void test_result_grouping(void)
{
    mloda_api_data *api = mloda_api_data_new();
    const double v[] = {1, 2, 3}, w[] = {5, 7, 6};
    const char *names[] = {"v", "w"};
    mloda_column *cols[] = {col_f64(v, 3), col_f64(w, 3)};
    api_add(api, "T", 2, names, cols);
    const char *feats[] = {"w__max_aggr", "v", "v__mean_aggr", "w", "v__sum_aggr"};
    mloda_request *req = request_of(feats, 5);
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
    CHECK_EQ_INT(mloda_results_n_tables(res), 2);
    const mloda_table *t0 = mloda_results_table(res, 0), *t1 = mloda_results_table(res, 1);
    CHECK_EQ_INT(mloda_table_n_columns(t0), 2);
    CHECK_STR(mloda_table_column_name(t0, 0), "v");
    CHECK_STR(mloda_table_column_name(t0, 1), "w");
    CHECK_EQ_INT(mloda_table_n_columns(t1), 3);
    CHECK_STR(mloda_table_column_name(t1, 0), "w__max_aggr");
    CHECK_STR(mloda_table_column_name(t1, 1), "v__mean_aggr");
    CHECK_STR(mloda_table_column_name(t1, 2), "v__sum_aggr");
    CHECK_CLOSE(num_at(result_column(res, "w__max_aggr"), 2), 7.0);
    CHECK_CLOSE(num_at(result_column(res, "v__sum_aggr"), 0), 6.0);
    mloda_results_free(res);
    /* an intermediate that is not requested is not returned */
    const char *feats2[] = {"w__max_aggr"};
    mloda_request *req2 = request_of(feats2, 1);
    CHECK_OK(mloda_run_all(reg, req2, api, &res, &err), err);
    CHECK_EQ_INT(mloda_results_n_tables(res), 1);
    mloda_results_free(res);
    /* alphabetical ordering */
    CHECK_OK(mloda_request_set_column_ordering(req, MLODA_ORDER_ALPHABETICAL, &err), err);
    CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
    t1 = mloda_results_table(res, 1);
    CHECK_STR(mloda_table_column_name(t1, 0), "v__mean_aggr");
    CHECK_STR(mloda_table_column_name(t1, 2), "w__max_aggr");
    mloda_results_free(res);
    mloda_request_free(req2);
    mloda_request_free(req);
    mloda_api_data_free(api);
}

/* Chains: aggregation of an aggregation is a separate step (SPEC §1.2, case 025). */
static void test_chain_of_aggregations(void)
{
    const double v[] = {1, 2, 4};
    mloda_api_data *api = api_one_f64("T", "value", v, 3);
    const char *feats[] = {"value__sum_aggr__max_aggr", "value__mean_aggr"};
    mloda_request *req = request_of(feats, 2);
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
    CHECK_EQ_INT(mloda_results_n_tables(res), 2);
    CHECK_CLOSE(num_at(result_column(res, "value__sum_aggr__max_aggr"), 1), 7.0);
    /* three underscores: source "v_" (SPEC §1.2) */
    const char *feats2[] = {"value___sum_aggr"};
    mloda_request *req2 = request_of(feats2, 1);
    mloda_results_free(res);
    res = NULL;
    mloda_error_reset(&err);
    CHECK(mloda_run_all(reg, req2, api, &res, &err) == MLODA_ERR_RESOLVE);
    CHECK_CONTAINS(err.message, "value_");
    mloda_request_free(req2);
    mloda_request_free(req);
    mloda_api_data_free(api);
}

/* Option form == string form; group options split tables, context options do not. */
static void test_option_buckets(void)
{
    const double v[] = {1, 2, 4};
    mloda_api_data *api = api_one_f64("T", "value", v, 3);
    mloda_error err = MLODA_ERROR_INIT;
    for (int bucket = 0; bucket < 2; bucket++) {
        TEST_CASE("bucket %d", bucket);
        mloda_options *o = mloda_options_new();
        mloda_option_bucket b = bucket ? MLODA_GROUP : MLODA_CONTEXT;
        CHECK_OK(mloda_options_set_string(o, b, "aggregation_type", "max", &err), err);
        CHECK_OK(mloda_options_set_string(o, b, "in_features", "value", &err), err);
        mloda_request *req = mloda_request_new();
        CHECK_OK(mloda_request_add(req, "my_g", o, &err), err);
        CHECK_OK(mloda_request_add(req, "value__sum_aggr", NULL, &err), err);
        mloda_results *res = NULL;
        CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
        CHECK_EQ_INT(mloda_results_n_tables(res), bucket ? 2 : 1);
        CHECK_CLOSE(num_at(result_column(res, "my_g"), 0), 4.0);
        CHECK_CLOSE(num_at(result_column(res, "value__sum_aggr"), 2), 7.0);
        mloda_results_free(res);
        mloda_request_free(req);
        mloda_options_free(o);
    }
    mloda_api_data_free(api);
}

/* An option-configured feature defined once in the request can be chained on by name. */
static void test_chain_on_defined_feature(void)
{
    const double v[] = {1, 2, 4};
    mloda_api_data *api = api_one_f64("T", "value", v, 3);
    mloda_options *o = mloda_options_new();
    (void)mloda_options_set_string(o, MLODA_CONTEXT, "aggregation_type", "max", NULL);
    (void)mloda_options_set_string(o, MLODA_CONTEXT, "in_features", "value", NULL);
    mloda_request *req = mloda_request_new();
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_request_add(req, "peak", o, &err), err);
    CHECK_OK(mloda_request_add(req, "peak__sum_aggr", NULL, &err), err);
    mloda_results *res = NULL;
    CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
    CHECK_CLOSE(num_at(result_column(res, "peak"), 0), 4.0);
    CHECK_CLOSE(num_at(result_column(res, "peak__sum_aggr"), 0), 12.0);
    mloda_results_free(res);
    mloda_request_free(req);
    mloda_options_free(o);
    mloda_api_data_free(api);
}

/* SPEC §9.4: a prepared session reruns on batches of any row count, including zero. */
static void test_session_batches(void)
{
    const double ex[] = {9.0};
    mloda_api_data *example = api_one_f64("S", "v", ex, 1);
    const char *feats[] = {"v", "v__sum_aggr", "v__std_aggr"};
    mloda_request *req = request_of(feats, 3);
    mloda_session *s = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_prepare(reg, req, example, &s, &err), err);
    mloda_request_free(req);
    mloda_api_data_free(example);
    const int64_t sizes[] = {5, 0, 3, 1, 7};
    for (int k = 0; k < N_OF(sizes); k++) {
        int64_t n = sizes[k];
        TEST_CASE("batch of %lld rows", (long long)n);
        double *v = malloc((size_t)(n + 1) * sizeof *v);
        for (int64_t i = 0; i < n; i++)
            v[i] = 1.0;
        mloda_api_data *batch = api_one_f64("S", "v", v, n);
        free(v);
        mloda_results *res = NULL;
        CHECK_OK(mloda_session_run(s, batch, &res, &err), err);
        mloda_api_data_free(batch); /* results must not borrow from the batch */
        const mloda_column *sum = result_column(res, "v__sum_aggr");
        CHECK(sum != NULL && mloda_column_n_rows(sum) == n);
        for (int64_t i = 0; i < n; i++)
            CHECK_CLOSE(num_at(sum, i), (double)n);
        const mloda_column *sd = result_column(res, "v__std_aggr");
        if (n >= 2)
            CHECK_CLOSE(num_at(sd, 0), 0.0);
        else if (n == 1)
            CHECK(!mloda_column_is_valid(sd, 0));
        mloda_results_free(res);
    }
    mloda_session_free(s);
}

/* §5.4 / §10.20: missing table, missing column and type change are clear errors; extra
 * columns are ignored; the session stays usable afterwards. */
static void test_batch_validation(void)
{
    const double ex[] = {1.0, 2.0};
    mloda_api_data *example = api_one_f64("S", "v", ex, 2);
    const char *feats[] = {"v__mean_aggr"};
    mloda_request *req = request_of(feats, 1);
    mloda_session *s = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_prepare(reg, req, example, &s, &err), err);
    mloda_results *res = NULL;

    mloda_api_data *wrong_table = api_one_f64("Other", "v", ex, 2);
    CHECK(mloda_session_run(s, wrong_table, &res, &err) == MLODA_ERR_SCHEMA);
    CHECK_CONTAINS(err.message, "'S'");
    CHECK(res == NULL);

    mloda_error_reset(&err);
    mloda_api_data *wrong_col = api_one_f64("S", "w", ex, 2);
    CHECK(mloda_session_run(s, wrong_col, &res, &err) == MLODA_ERR_SCHEMA);
    CHECK_CONTAINS(err.message, "'v'");
    CHECK_CONTAINS(err.message, "table 'S'");

    mloda_error_reset(&err);
    const int64_t iv[] = {1, 2};
    mloda_api_data *wrong_type = mloda_api_data_new();
    const char *nm[] = {"v"};
    mloda_column *c[] = {col_i64(iv, NULL, 2)};
    api_add(wrong_type, "S", 1, nm, c);
    CHECK(mloda_session_run(s, wrong_type, &res, &err) == MLODA_ERR_TYPE);
    CHECK_CONTAINS(err.message, "int64");
    CHECK_CONTAINS(err.message, "float64");

    /* extra columns and tables are ignored; the session still works */
    mloda_error_reset(&err);
    mloda_api_data *extra = mloda_api_data_new();
    const double a[] = {3, 5}, b[] = {0, 0};
    const char *nm2[] = {"x", "v"};
    mloda_column *c2[] = {col_f64(b, 2), col_f64(a, 2)};
    api_add(extra, "S", 2, nm2, c2);
    const char *nm3[] = {"z"};
    mloda_column *c3[] = {col_f64(b, 2)};
    api_add(extra, "Z", 1, nm3, c3);
    CHECK_OK(mloda_session_run(s, extra, &res, &err), err);
    CHECK_CLOSE(num_at(result_column(res, "v__mean_aggr"), 0), 4.0);
    mloda_results_free(res);

    mloda_api_data_free(wrong_table);
    mloda_api_data_free(wrong_col);
    mloda_api_data_free(wrong_type);
    mloda_api_data_free(extra);
    mloda_api_data_free(example);
    mloda_request_free(req);
    mloda_session_free(s);
}

/* Every problem of a batch in one message, in bind order: a list of another size, a
 * timestamp of another unit, a missing column, a wrong type; and many problems still make
 * a message that ends within the limit. */
static void test_batch_problems_together(void)
{
    mloda_error err = MLODA_ERROR_INIT;
    const double pts[] = {1, 2, 3, 4, 5, 6};
    const int64_t ts[] = {1, 2};
    const double v[] = {1, 2};
    mloda_column *p2 = NULL, *p3 = NULL, *t_sec = NULL, *t_ms = NULL;
    CHECK_OK(mloda_column_from_float64_list(2, 2, pts, NULL, &p2, &err), err);
    CHECK_OK(mloda_column_from_float64_list(3, 2, pts, NULL, &p3, &err), err);
    CHECK_OK(mloda_column_from_timestamp(MLODA_TIME_SECOND, 2, ts, NULL, &t_sec, &err), err);
    CHECK_OK(mloda_column_from_timestamp(MLODA_TIME_MILLI, 2, ts, NULL, &t_ms, &err), err);
    const char *names[] = {"p", "t", "v", "w"};
    mloda_api_data *example = mloda_api_data_new();
    mloda_column *ec[] = {p2, t_sec, col_f64(v, 2), col_f64(v, 2)};
    api_add(example, "S", 4, names, ec);
    const char *feats[] = {"p", "t", "v", "w"};
    mloda_request *req = request_of(feats, 4);
    mloda_session *s = NULL;
    CHECK_OK(mloda_prepare(reg, req, example, &s, &err), err);
    const int64_t iv[] = {1, 2};
    mloda_api_data *bad = mloda_api_data_new();
    const char *bad_names[] = {"p", "t", "w"};
    mloda_column *bc[] = {p3, t_ms, col_i64(iv, NULL, 2)};
    api_add(bad, "S", 3, bad_names, bc);
    mloda_results *res = NULL;
    CHECK_EQ_INT(mloda_session_run(s, bad, &res, &err), MLODA_ERR_SCHEMA); /* one is missing */
    CHECK_CONTAINS(err.message, "table 'S' column 'p' holds lists of 3 values but 2 when prepared; ");
    CHECK_CONTAINS(err.message, "table 'S' column 't' has another timestamp unit than when prepared");
    CHECK_CONTAINS(err.message, "'v'");
    CHECK_CONTAINS(err.message, "table 'S' column 'w' is int64 but was float64");
    CHECK(res == NULL);
    mloda_api_data_free(bad);
    mloda_session_free(s);
    mloda_request_free(req);
    mloda_api_data_free(example);

    /* 40 columns, each of the wrong type: the message stops whole within its limit */
    enum { WIDE = 40 };
    char wide_names[WIDE][16];
    const char *wn[WIDE];
    mloda_column *wc[WIDE], *wbad[WIDE];
    for (int k = 0; k < WIDE; k++) {
        (void)snprintf(wide_names[k], sizeof wide_names[k], "column_%02d", k);
        wn[k] = wide_names[k];
        wc[k] = col_f64(v, 2);
        wbad[k] = col_i64(iv, NULL, 2);
    }
    example = mloda_api_data_new();
    api_add(example, "S", WIDE, wn, wc);
    req = request_of(wn, WIDE);
    CHECK_OK(mloda_prepare(reg, req, example, &s, &err), err);
    bad = mloda_api_data_new();
    api_add(bad, "S", WIDE, wn, wbad);
    CHECK_EQ_INT(mloda_session_run(s, bad, &res, &err), MLODA_ERR_TYPE);
    CHECK_CONTAINS(err.message, "table 'S' column 'column_00' is int64 but was float64");
    CHECK(strlen(err.message) < MLODA_ERROR_MESSAGE_MAX);
    CHECK(strstr(err.message, "column_39") == NULL);
    mloda_api_data_free(bad);
    mloda_session_free(s);
    mloda_request_free(req);
    mloda_api_data_free(example);
}

/* Two api tables: features of each are loaded from their own table (§10.1); one column
 * in two tables is ambiguous (§10.2); combining rows of two tables needs a link. */
static void test_two_tables(void)
{
    mloda_api_data *api = mloda_api_data_new();
    const double a[] = {1, 2, 3}, b[] = {10, 20, 30, 40, 50};
    const char *na[] = {"a"}, *nb[] = {"b"};
    mloda_column *ca[] = {col_f64(a, 3)}, *cb[] = {col_f64(b, 5)};
    api_add(api, "A", 1, na, ca);
    api_add(api, "B", 1, nb, cb);
    const char *feats[] = {"a", "b", "a__sum_aggr", "b__sum_aggr"};
    mloda_request *req = request_of(feats, 4);
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
    CHECK_EQ_INT(mloda_results_n_tables(res), 4);
    CHECK_EQ_INT(mloda_column_n_rows(result_column(res, "b__sum_aggr")), 5);
    CHECK_CLOSE(num_at(result_column(res, "b__sum_aggr"), 4), 150.0);
    CHECK_CLOSE(num_at(result_column(res, "a__sum_aggr"), 0), 6.0);
    mloda_results_free(res);
    mloda_request_free(req);

    const char *nb2[] = {"a"};
    mloda_column *cb2[] = {col_f64(b, 5)};
    api_add(api, "C", 1, nb2, cb2);
    const char *feats2[] = {"a"};
    req = request_of(feats2, 1);
    CHECK(mloda_run_all(reg, req, api, &res, &err) == MLODA_ERR_AMBIGUOUS);
    CHECK_CONTAINS(err.message, "'A'");
    CHECK_CONTAINS(err.message, "'C'");
    mloda_request_free(req);
    mloda_api_data_free(api);
}

/* stream_all yields the same tables as run_all, in completion order (sequential mode:
 * plan order), and an unresolvable request fails at the call. */
static void test_stream_equals_run(void)
{
    const double v[] = {3, 1, 2, 5};
    mloda_api_data *api = api_one_f64("T", "v", v, 4);
    const char *feats[] = {"v", "v__sum_aggr", "v__sum_aggr__max_aggr", "v__median_aggr"};
    for (int pool = 0; pool < 2; pool++) {
        TEST_CASE("pool %d", pool);
        mloda_request *req = request_of(feats, 4);
        mloda_error err = MLODA_ERROR_INIT;
        if (pool) {
            CHECK_OK(mloda_request_set_inline_rows(req, 0, &err), err);
            CHECK_OK(mloda_request_set_threads(req, 3, &err), err);
        }
        mloda_results *res = NULL;
        CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
        mloda_stream *st = NULL;
        CHECK_OK(mloda_stream_all(reg, req, api, &st, &err), err);
        int64_t n = 0;
        bool seen[8] = {false};
        for (;;) {
            mloda_table *t = NULL;
            CHECK_OK(mloda_stream_next(st, &t, &err), err);
            if (t == NULL)
                break;
            n++;
            /* find the run table with the same first column and compare contents */
            for (int64_t r = 0; r < mloda_results_n_tables(res); r++) {
                const mloda_table *rt = mloda_results_table(res, r);
                if (strcmp(mloda_table_column_name(rt, 0), mloda_table_column_name(t, 0)) != 0)
                    continue;
                seen[r] = true;
                CHECK_EQ_INT(mloda_table_n_columns(rt), mloda_table_n_columns(t));
                for (int64_t c = 0; c < mloda_table_n_columns(t); c++)
                    for (int64_t i = 0; i < mloda_table_n_rows(t); i++)
                        CHECK_CLOSE(num_at(mloda_table_column(t, c), i),
                                    num_at(mloda_table_column(rt, c), i));
            }
            mloda_table_release(t);
        }
        CHECK_EQ_INT(n, mloda_results_n_tables(res));
        for (int64_t r = 0; r < mloda_results_n_tables(res); r++)
            CHECK(seen[r]);
        mloda_stream_free(st);
        mloda_results_free(res);
        mloda_request_free(req);
    }
    /* eager planning: the error comes from stream_all itself */
    const char *bad[] = {"nope__sum_aggr"};
    mloda_request *req = request_of(bad, 1);
    mloda_stream *st = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK(mloda_stream_all(reg, req, api, &st, &err) == MLODA_ERR_RESOLVE);
    CHECK(st == NULL);
    CHECK_CONTAINS(err.message, "nope");
    CHECK_CONTAINS(err.message, "nope__sum_aggr");
    mloda_request_free(req);
    mloda_api_data_free(api);
}

/* Results outlive the session and the stream. */
static void test_results_outlive_session(void)
{
    const double v[] = {1, 2};
    mloda_api_data *api = api_one_f64("T", "v", v, 2);
    const char *feats[] = {"v__sum_aggr"};
    mloda_request *req = request_of(feats, 1);
    mloda_session *s = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_prepare(reg, req, api, &s, &err), err);
    mloda_stream *st = NULL;
    CHECK_OK(mloda_session_stream_run(s, api, &st, &err), err);
    mloda_session_free(s);
    mloda_api_data_free(api);
    mloda_request_free(req);
    mloda_table *t = NULL;
    CHECK_OK(mloda_stream_next(st, &t, &err), err);
    mloda_stream_free(st);
    CHECK(t != NULL);
    CHECK_CLOSE(num_at(mloda_table_column(t, 0), 1), 3.0);
    mloda_table_release(t);
}

static void test_plan_inspection(void)
{
    const double v[] = {1, 2};
    mloda_api_data *api = api_one_f64("T", "v", v, 2);
    const char *feats[] = {"v__sum_aggr__max_aggr", "v"};
    mloda_request *req = request_of(feats, 2);
    mloda_session *s = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_prepare(reg, req, api, &s, &err), err);
    CHECK_EQ_INT(mloda_session_n_steps(s), 3);
    CHECK_EQ_INT(mloda_session_n_results(s), 2);
    CHECK_STR(mloda_session_step_group_name(s, 0), "ApiInputDataFeature");
    CHECK_STR(mloda_session_step_feature(s, 1, 0), "v__sum_aggr");
    CHECK(!mloda_session_step_is_requested(s, 1, 0));
    CHECK(mloda_session_step_is_requested(s, 2, 0));
    char *text = NULL;
    CHECK_OK(mloda_session_plan(s, MLODA_PLAN_TEXT, &text, &err), err);
    CHECK_CONTAINS(text, "step 2: compute AggregatedFeatureGroup");
    CHECK_CONTAINS(text, "dependency v__sum_aggr");
    mloda_string_free(text);
    CHECK_OK(mloda_session_plan(s, MLODA_PLAN_JSON, &text, &err), err);
    CHECK_CONTAINS(text, "\"requested\":[\"v__sum_aggr__max_aggr\"]");
    CHECK_CONTAINS(text, "\"after\":[1]");
    mloda_string_free(text);
    mloda_session_free(s);
    mloda_request_free(req);
    mloda_api_data_free(api);
}

/* A plugin may read the data sources of its features at run time, and a registry may
 * grow while sessions prepared from it run (their plan keeps its own copy of the groups). */
static int64_t seen_sources = -1;
static mloda_status ds_match(void *ud, const mloda_feature *f, bool *out, void **parsed,
                          mloda_error *why)
{
    (void)parsed;
    (void)ud;
    (void)why;
    const char *sfx = mloda_feature_chain_suffix(f);
    *out = sfx != NULL && strcmp(sfx, "sources") == 0;
    return MLODA_OK;
}
static mloda_status ds_inputs(void *ud, const mloda_feature *f, mloda_inputs *in, mloda_error *err)
{
    (void)ud;
    return mloda_inputs_add_chain(in, f, 1, 1, err);
}
static mloda_status ds_calc(void *ud, mloda_calc *calc, mloda_error *err)
{
    (void)ud;
    seen_sources = mloda_feature_n_data_sources(mloda_calc_feature(calc, 0));
    const char *name = mloda_feature_data_source_name(mloda_calc_feature(calc, 0), 0);
    if (name == NULL || strcmp(name, "T") != 0)
        seen_sources = -2;
    return mloda_calc_set_output(calc, 0, mloda_column_retain(mloda_calc_input(calc, 0, 0, 0)),
                                 err);
}

static void test_run_time_sources_and_growing_registry(void)
{
    mloda_registry *r = mloda_registry_default();
    mloda_feature_group g = {.struct_size = sizeof g, .abi_version = MLODA_FEATURE_GROUP_ABI,
                             .name = "Sources", .match = ds_match, .inputs = ds_inputs,
                             .calculate = ds_calc};
    (void)mloda_registry_add(r, &g, NULL);
    const double v[] = {1, 2};
    mloda_api_data *api = api_one_f64("T", "v", v, 2);
    const char *feats[] = {"v__sources", "v__sum_aggr"};
    mloda_request *req = request_of(feats, 2);
    mloda_session *s = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_prepare(r, req, api, &s, &err), err);
    for (int k = 0; k < 100; k++) { /* moves the registry's array */
        char name[32];
        snprintf(name, sizeof name, "Extra%d", k);
        g.name = name;
        CHECK_OK(mloda_registry_add(r, &g, &err), err);
    }
    mloda_results *res = NULL;
    CHECK_OK(mloda_session_run(s, api, &res, &err), err);
    CHECK_EQ_INT(seen_sources, 1);
    CHECK_CLOSE(num_at(result_column(res, "v__sum_aggr"), 0), 3.0);
    mloda_results_free(res);
    mloda_session_free(s);
    mloda_request_free(req);
    mloda_api_data_free(api);
    mloda_registry_free(r);
}

int main(void)
{
    reg = mloda_registry_default();
    RUN(test_vector_value_and_mean);
    RUN(test_vector_int_sum);
    RUN(test_result_grouping);
    RUN(test_chain_of_aggregations);
    RUN(test_option_buckets);
    RUN(test_chain_on_defined_feature);
    RUN(test_session_batches);
    RUN(test_batch_validation);
    RUN(test_batch_problems_together);
    RUN(test_two_tables);
    RUN(test_stream_equals_run);
    RUN(test_results_outlive_session);
    RUN(test_plan_inspection);
    RUN(test_run_time_sources_and_growing_registry);
    mloda_registry_free(reg);
    return TEST_SUMMARY();
}
