/*
 * test_api_args.c: every public call of mloda.h and plugin.h given NULL objects, bad
 * enums, negative counts or out-of-range indices: MLODA_ERR_INVALID_ARG (with err set)
 * for fallible calls, the documented "nothing" (0, NULL, false, -1) for getters, never a
 * crash. base.h's rule that each call overwrites err is checked on the way.
 */
#include <string.h>

#include "support.h"

static void test_request_args(void)
{
    mloda_error err = MLODA_ERROR_INIT;
    const char *k[] = {"k"};
    const char *empty[] = {""};
    CHECK_EQ_INT(mloda_request_add(NULL, "v", NULL, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(err.code, MLODA_ERR_INVALID_ARG);
    mloda_request *req = mloda_request_new();
    CHECK_EQ_INT(mloda_request_add(req, NULL, NULL, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_request_add(req, "", NULL, &err), MLODA_ERR_INVALID_ARG);
    CHECK_OK(mloda_request_add(req, "v", NULL, &err), err);
    CHECK_EQ_INT(err.code, MLODA_OK); /* overwritten by the successful call */
    CHECK_EQ_INT(mloda_request_n_features(NULL), 0);
    CHECK_EQ_INT(mloda_request_n_features(req), 1);
    CHECK_EQ_INT(mloda_request_set_threads(NULL, 1, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_request_set_threads(req, -1, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_request_set_threads(req, 1 << 20, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_request_set_column_ordering(NULL, MLODA_ORDER_REQUEST, &err),
                 MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_request_set_column_ordering(req, (mloda_column_ordering)7, &err),
                 MLODA_ERR_INVALID_ARG);
    CHECK_OK(mloda_request_set_column_ordering(req, MLODA_ORDER_ALPHABETICAL, &err), err);
    CHECK_EQ_INT(mloda_request_set_on_error(NULL, MLODA_ON_ERROR_STOP, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_request_set_on_error(req, (mloda_on_error)5, &err), MLODA_ERR_INVALID_ARG);
    CHECK_OK(mloda_request_set_on_error(req, MLODA_ON_ERROR_CONTINUE, &err), err);
    CHECK_EQ_INT(mloda_request_set_inline_rows(NULL, 1, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_request_set_inline_rows(req, -1, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_request_set_pool(NULL, NULL, &err), MLODA_ERR_INVALID_ARG);
    /* filters */
    CHECK_EQ_INT(mloda_request_add_filter(NULL, "min", "v", NULL, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_request_add_filter(req, NULL, "v", NULL, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_request_add_filter(req, "", "v", NULL, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_request_add_filter(req, "min", NULL, NULL, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_request_add_filter(req, "min", "", NULL, &err), MLODA_ERR_INVALID_ARG);
    /* row id */
    CHECK_EQ_INT(mloda_request_set_row_id_column(NULL, "r", &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_request_set_row_id_column(req, NULL, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_request_set_row_id_column(req, "", &err), MLODA_ERR_INVALID_ARG);
    /* links */
    CHECK_EQ_INT(mloda_request_add_link(NULL, "left", "A", "B", 1, k, k, NULL, &err),
                 MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_request_add_link(req, NULL, "A", "B", 1, k, k, NULL, &err),
                 MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_request_add_link(req, "left", NULL, "B", 1, k, k, NULL, &err),
                 MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_request_add_link(req, "left", "A", NULL, 1, k, k, NULL, &err),
                 MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_request_add_link(req, "left", "A", "B", -1, k, k, NULL, &err),
                 MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_request_add_link(req, "left", "A", "B", 1, NULL, k, NULL, &err),
                 MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_request_add_link(req, "left", "A", "B", 1, k, NULL, NULL, &err),
                 MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_request_add_link(req, "left", "A", "B", 1, empty, k, NULL, &err),
                 MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_request_add_link(req, "left", "A", "B", 1, k, empty, NULL, &err),
                 MLODA_ERR_INVALID_ARG);
    const char *nul[] = {NULL};
    CHECK_EQ_INT(mloda_request_add_link(req, "left", "A", "B", 1, nul, k, NULL, &err),
                 MLODA_ERR_INVALID_ARG);
    for (int i = 0; i < 5; i++) /* the link list grows */
        CHECK_OK(mloda_request_add_link(req, "inner", "A", "B", 1, k, k, NULL, &err), err);
    /* sources */
    CHECK_EQ_INT(mloda_request_add_source(NULL, NULL, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_request_add_source(req, NULL, &err), MLODA_ERR_INVALID_ARG);
    mloda_source_provider p;
    memset(&p, 0, sizeof p);
    p.struct_size = sizeof p;
    p.abi_version = MLODA_SOURCE_PROVIDER_ABI;
    CHECK_EQ_INT(mloda_request_add_source(req, &p, &err), MLODA_ERR_PLUGIN); /* no name */
    p.name = "S";
    CHECK_EQ_INT(mloda_request_add_source(req, &p, &err), MLODA_ERR_PLUGIN); /* no callbacks */
    mloda_request_free(req);
    mloda_request_free(NULL);
}

static void test_registry_and_session_args(void)
{
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_EQ_INT(mloda_registry_n_groups(NULL), 0);
    CHECK(mloda_registry_group(NULL, 0) == NULL);
    mloda_registry *reg = mloda_registry_new();
    CHECK(mloda_registry_group(reg, 0) == NULL && mloda_registry_group(reg, -1) == NULL);
    CHECK_EQ_INT(mloda_registry_add(NULL, NULL, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_registry_add(reg, NULL, &err), MLODA_ERR_INVALID_ARG);
    mloda_feature_group g;
    memset(&g, 0, sizeof g);
    g.struct_size = sizeof g;
    g.abi_version = MLODA_FEATURE_GROUP_ABI;
    CHECK_EQ_INT(mloda_registry_add(reg, &g, &err), MLODA_ERR_PLUGIN); /* no name */
    CHECK_CONTAINS(err.message, "name");
    g.name = "G";
    CHECK_EQ_INT(mloda_registry_add(reg, &g, &err), MLODA_ERR_PLUGIN); /* no callbacks */
    CHECK_EQ_INT(mloda_registry_add_simple(NULL, NULL, &err), MLODA_ERR_INVALID_ARG);
    mloda_registry_free(reg);
    mloda_registry_free(NULL);

    mloda_session *s = NULL;
    mloda_results *res = NULL;
    mloda_stream *stream = NULL;
    CHECK_EQ_INT(mloda_prepare(NULL, NULL, NULL, &s, &err), MLODA_ERR_INVALID_ARG);
    CHECK(s == NULL);
    CHECK_EQ_INT(mloda_run_all(NULL, NULL, NULL, &res, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_stream_all(NULL, NULL, NULL, &stream, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_session_run(NULL, NULL, &res, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_session_stream_run(NULL, NULL, &stream, &err), MLODA_ERR_INVALID_ARG);
    mloda_table *t = NULL;
    CHECK_EQ_INT(mloda_stream_next(NULL, &t, &err), MLODA_ERR_INVALID_ARG);
    char *text = NULL;
    CHECK_EQ_INT(mloda_session_plan(NULL, MLODA_PLAN_TEXT, &text, &err), MLODA_ERR_INVALID_ARG);
    CHECK(text == NULL);
    CHECK_EQ_INT(mloda_session_n_steps(NULL), 0);
    CHECK_EQ_INT(mloda_session_n_results(NULL), 0);
    CHECK(mloda_session_step_group_name(NULL, 0) == NULL);
    CHECK_EQ_INT(mloda_session_step_n_features(NULL, 0), 0);
    CHECK(mloda_session_step_feature(NULL, 0, 0) == NULL);
    CHECK(!mloda_session_step_is_requested(NULL, 0, 0));
    CHECK_EQ_INT(mloda_results_n_tables(NULL), 0);
    CHECK(mloda_results_table(NULL, 0) == NULL);
    mloda_results_free(NULL);
    mloda_stream_free(NULL);
    mloda_session_free(NULL);
    mloda_pool *pool = NULL;
    CHECK_EQ_INT(mloda_pool_new(-1, &pool, &err), MLODA_ERR_INVALID_ARG);
    CHECK(pool == NULL);
    CHECK_EQ_INT(mloda_pool_n_threads(NULL), 0);
    mloda_pool_free(NULL);

    /* a prepared session: its step getters out of range */
    reg = mloda_registry_default();
    const double v[] = {1, 2};
    mloda_api_data *api = api_one_f64("T", "v", v, 2);
    const char *feats[] = {"v", "v__sum_aggr"};
    mloda_request *req = request_of(feats, 2);
    CHECK_OK(mloda_prepare(reg, req, api, &s, &err), err);
    const int64_t n = mloda_session_n_steps(s);
    CHECK(n >= 2);
    CHECK(mloda_session_step_group_name(s, n) == NULL && mloda_session_step_group_name(s, -1) == NULL);
    CHECK_EQ_INT(mloda_session_step_n_features(s, n), 0);
    CHECK(mloda_session_step_feature(s, 0, 99) == NULL && mloda_session_step_feature(s, n, 0) == NULL);
    CHECK(!mloda_session_step_is_requested(s, 0, 99));
    CHECK_EQ_INT(mloda_session_plan(s, (mloda_plan_format)9, &text, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_session_plan(s, MLODA_PLAN_TEXT, NULL, &err), MLODA_ERR_INVALID_ARG);
    CHECK(mloda_session_step_feature(s, 0, -1) == NULL);
    CHECK(!mloda_session_step_is_requested(s, 0, -1) && !mloda_session_step_is_requested(s, n, 0));
    CHECK_EQ_INT(mloda_session_step_kind(s, n), MLODA_STEP_COMPUTE);
    CHECK_EQ_INT(mloda_session_run(s, api, NULL, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_session_stream_run(s, api, NULL, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_run_all(reg, req, api, NULL, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_stream_all(reg, req, api, NULL, &err), MLODA_ERR_INVALID_ARG);
    CHECK_OK(mloda_session_stream_run(s, api, &stream, &err), err);
    CHECK_EQ_INT(mloda_stream_next(stream, NULL, &err), MLODA_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "must not be NULL");
    mloda_stream_free(stream);
    /* the input type a session reads: every argument checked, the column found or named */
    mloda_type type = MLODA_TYPE_INVALID;
    int32_t list_size = -1;
    mloda_time_unit unit = MLODA_TIME_NANO;
    CHECK_EQ_INT(mloda_session_input_type(NULL, "T", "v", &type, NULL, NULL, &err),
                 MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_session_input_type(s, NULL, "v", &type, NULL, NULL, &err),
                 MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_session_input_type(s, "T", NULL, &type, NULL, NULL, &err),
                 MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_session_input_type(s, "T", "v", NULL, NULL, NULL, &err),
                 MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_session_input_type(s, "T", "w", &type, NULL, NULL, &err), MLODA_ERR_SCHEMA);
    CHECK_CONTAINS(err.message, "reads no column 'w' of table 'T'");
    CHECK_EQ_INT(mloda_session_input_type(s, "U", "v", &type, NULL, NULL, &err), MLODA_ERR_SCHEMA);
    CHECK_OK(mloda_session_input_type(s, "T", "v", &type, NULL, NULL, &err), err);
    CHECK_EQ_INT(type, MLODA_TYPE_FLOAT64);
    CHECK_OK(mloda_session_input_type(s, "T", "v", &type, &list_size, &unit, &err), err);
    CHECK_EQ_INT(list_size, 0);
    CHECK_EQ_INT(unit, MLODA_TIME_SECOND);
    CHECK_OK(mloda_session_run(s, api, &res, &err), err);
    CHECK(mloda_results_table(res, -1) == NULL && mloda_results_table(res, 99) == NULL);
    mloda_results_free(res);
    mloda_session_free(s);
    mloda_request_free(req);
    mloda_api_data_free(api);
    mloda_registry_free(reg);
}

static void test_bind_and_calc_args(void)
{
    mloda_error err = MLODA_ERROR_INIT;
    CHECK(mloda_bind_feature(NULL) == NULL);
    CHECK_EQ_INT(mloda_bind_n_inputs(NULL), 0);
    CHECK(mloda_bind_input_name(NULL, 0) == NULL);
    CHECK_EQ_INT(mloda_bind_input_type(NULL, 0), MLODA_TYPE_INVALID);
    CHECK_EQ_INT(mloda_bind_input_list_size(NULL, 0), 0);
    CHECK_EQ_INT(mloda_bind_input_time_unit(NULL, 0), MLODA_TIME_SECOND);
    CHECK(!mloda_bind_input_is_multi(NULL, 0));
    CHECK_EQ_INT(mloda_bind_output(NULL, MLODA_TYPE_FLOAT64, 0, MLODA_TIME_SECOND, &err),
                 MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_bind_output_multi(NULL, MLODA_TYPE_FLOAT64, 0, MLODA_TIME_SECOND, &err),
                 MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_bind_use_source(NULL, 0, "c", &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_bind_rows_change(NULL, &err), MLODA_ERR_INVALID_ARG);
    int state = 0;
    CHECK_EQ_INT(mloda_bind_set_state(NULL, &state, NULL, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_calc_n_features(NULL), 0);
    CHECK_EQ_INT(mloda_calc_n_rows(NULL), 0);
    CHECK(mloda_calc_feature(NULL, 0) == NULL && mloda_calc_state(NULL, 0) == NULL);
    CHECK_EQ_INT(mloda_calc_output_type(NULL, 0), MLODA_TYPE_INVALID);
    CHECK_EQ_INT(mloda_calc_n_inputs(NULL, 0), 0);
    CHECK_EQ_INT(mloda_calc_input_n_columns(NULL, 0, 0), 0);
    CHECK(mloda_calc_input(NULL, 0, 0, 0) == NULL && mloda_calc_source_column(NULL, 0) == NULL);
    CHECK(!mloda_calc_is_cancelled(NULL));
    CHECK_EQ_INT(mloda_calc_set_output(NULL, 0, NULL, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_calc_add_output(NULL, 0, "x", NULL, &err), MLODA_ERR_INVALID_ARG);
}

int main(void)
{
    RUN(test_request_args);
    RUN(test_registry_and_session_args);
    RUN(test_bind_and_calc_args);
    return TEST_SUMMARY();
}
