/*
 * test_resolve.c: registry and resolver errors (SPEC.md §2, §10.4–10.6): NULL arguments,
 * empty request, duplicate names, malformed names, no match (with suggestions and the
 * chain path), ambiguity, cycles, plugin ABI checks, user_data ownership.
 */
#include "support.h"
#include "user_groups.h"

static mloda_api_data *sample_api(void)
{
    const double v[] = {1, 2, 3};
    return api_one_f64("T", "value", v, 3);
}

static mloda_status prepare_one(const mloda_registry *reg, const char *feature,
                                mloda_api_data *api, mloda_error *err)
{
    mloda_request *req = request_of(&feature, 1);
    mloda_session *s = NULL;
    mloda_status st = mloda_prepare(reg, req, api, &s, err);
    CHECK((st == MLODA_OK) == (s != NULL));
    mloda_session_free(s);
    mloda_request_free(req);
    return st;
}

static void test_bad_names(void)
{
    mloda_registry *reg = mloda_registry_default();
    mloda_api_data *api = sample_api();
    static const struct {
        const char *name;
        mloda_status st;
        const char *msg;
    } cases[] = {
        {"x__", MLODA_ERR_PARSE, "ends with '__'"},
        {"__x", MLODA_ERR_PARSE, "starts with '__'"},
        {"value____mean_aggr", MLODA_ERR_PARSE, "ends with '__'"},
        {"valeu", MLODA_ERR_RESOLVE, "did you mean 'value'"},
        {"nope__sum_aggr", MLODA_ERR_RESOLVE, "needed by 'nope__sum_aggr'"},
        {"value__foo_aggr", MLODA_ERR_RESOLVE, "unknown aggregation type 'foo'"},
        {"value__frobnicated__max_aggr", MLODA_ERR_RESOLVE, "value__frobnicated"},
        {"a&b__sum_aggr", MLODA_ERR_RESOLVE, "no feature group matches feature 'a&b'"},
        {"value__mean_agr", MLODA_ERR_RESOLVE, "closest: value__mean_aggr"},
        {"value__median_impute", MLODA_ERR_RESOLVE, "closest: value__median_imputed"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s", cases[k].name);
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_EQ_INT(prepare_one(reg, cases[k].name, api, &err), cases[k].st);
        CHECK_CONTAINS(err.message, cases[k].msg);
        CHECK(err.subject[0] != '\0');
    }
    mloda_api_data_free(api);
    mloda_registry_free(reg);
}

static void test_bad_requests(void)
{
    mloda_registry *reg = mloda_registry_default();
    mloda_api_data *api = sample_api();
    mloda_error err = MLODA_ERROR_INIT;
    mloda_session *s = NULL;
    mloda_request *empty = mloda_request_new();
    CHECK_EQ_INT(mloda_prepare(reg, empty, api, &s, &err), MLODA_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "no features");
    mloda_error_reset(&err);
    CHECK_EQ_INT(mloda_prepare(NULL, empty, api, &s, &err), MLODA_ERR_INVALID_ARG);
    mloda_error_reset(&err);
    CHECK_EQ_INT(mloda_prepare(reg, NULL, api, &s, &err), MLODA_ERR_INVALID_ARG);
    mloda_error_reset(&err);
    CHECK_EQ_INT(mloda_prepare(reg, empty, api, NULL, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_request_add(empty, NULL, NULL, NULL), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_request_add(empty, "", NULL, NULL), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_request_set_threads(empty, -1, NULL), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_session_run(NULL, api, NULL, NULL), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_stream_next(NULL, NULL, NULL), MLODA_ERR_INVALID_ARG);
    mloda_stream_free(NULL);
    mloda_session_free(NULL);
    mloda_results_free(NULL);
    mloda_request_free(empty);

    const char *dup[] = {"value", "value__sum_aggr", "value"};
    mloda_request *req = request_of(dup, 3);
    mloda_error_reset(&err);
    CHECK_EQ_INT(mloda_prepare(reg, req, api, &s, &err), MLODA_ERR_DUPLICATE);
    CHECK_STR(err.subject, "value");
    mloda_request_free(req);

    /* no api data at all: every name fails, naming the problem */
    mloda_error_reset(&err);
    const char *one[] = {"value"};
    req = request_of(one, 1);
    CHECK_EQ_INT(mloda_prepare(reg, req, NULL, &s, &err), MLODA_ERR_RESOLVE);
    CHECK_CONTAINS(err.message, "no tables");
    mloda_request_free(req);
    mloda_api_data_free(api);
    mloda_registry_free(reg);
}

static void test_ambiguity_and_cycle(void)
{
    mloda_registry *reg = mloda_registry_default();
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_registry_add(reg, &ug_rival, &err), err);
    CHECK_OK(mloda_registry_add(reg, &ug_loop, &err), err);
    mloda_api_data *api = sample_api();
    CHECK_EQ_INT(prepare_one(reg, "value__sum_aggr", api, &err), MLODA_ERR_AMBIGUOUS);
    CHECK_CONTAINS(err.message, "AggregatedFeatureGroup");
    CHECK_CONTAINS(err.message, "RivalSum");
    mloda_error_reset(&err);
    CHECK_EQ_INT(prepare_one(reg, "loop_a", api, &err), MLODA_ERR_CYCLE);
    CHECK_CONTAINS(err.message, "loop_a -> loop_b -> loop_c -> loop_a");
    mloda_api_data_free(api);
    mloda_registry_free(reg);
}

/* A literal api column named like a chained feature matches both groups (SPEC §2.2). */
static void test_literal_column_ambiguity(void)
{
    mloda_registry *reg = mloda_registry_default();
    const double v[] = {1, 2};
    mloda_api_data *api = mloda_api_data_new();
    const char *names[] = {"x", "x__sum_aggr"};
    mloda_column *cols[] = {col_f64(v, 2), col_f64(v, 2)};
    api_add(api, "T", 2, names, cols);
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_EQ_INT(prepare_one(reg, "x__sum_aggr", api, &err), MLODA_ERR_AMBIGUOUS);
    CHECK_CONTAINS(err.message, "ApiInputDataFeature");
    mloda_api_data_free(api);
    mloda_registry_free(reg);
}

static int freed_count;
static void count_free(void *p)
{
    (void)p;
    freed_count++;
}

static void test_plugin_abi(void)
{
    mloda_registry *reg = mloda_registry_new();
    mloda_error err = MLODA_ERROR_INIT;
    mloda_feature_group g = ug_checked;
    g.abi_version = 99;
    CHECK_EQ_INT(mloda_registry_add(reg, &g, &err), MLODA_ERR_PLUGIN);
    CHECK_CONTAINS(err.message, "abi_version 99");
    g = ug_checked;
    g.struct_size = 8;
    mloda_error_reset(&err);
    CHECK_EQ_INT(mloda_registry_add(reg, &g, &err), MLODA_ERR_PLUGIN);
    g = ug_checked;
    g.calculate = NULL;
    mloda_error_reset(&err);
    CHECK_EQ_INT(mloda_registry_add(reg, &g, &err), MLODA_ERR_PLUGIN);
    /* a plugin built against an older, shorter struct: missing fields read as NULL */
    g = ug_checked;
    g.struct_size = offsetof(mloda_feature_group, user_data_free);
    g.user_data_free = count_free; /* beyond struct_size: must be ignored */
    mloda_error_reset(&err);
    CHECK_OK(mloda_registry_add(reg, &g, &err), err);
    CHECK(mloda_registry_group(reg, 0)->user_data_free == NULL);
    g = ug_slow_group(0);
    g.user_data_free = count_free;
    CHECK_OK(mloda_registry_add(reg, &g, &err), err);
    mloda_error_reset(&err);
    CHECK_EQ_INT(mloda_registry_add(reg, &g, &err), MLODA_ERR_DUPLICATE);
    CHECK_EQ_INT(mloda_registry_n_groups(reg), 2);
    freed_count = 0;
    mloda_registry_free(reg);
    CHECK_EQ_INT(freed_count, 1);
}

/* Issue 16, finding 9: an unknown feature with a long name still says why and what
 * there is (the hint came after the name and was cut off at 512 bytes). */
static void test_long_name_keeps_reason(void)
{
    char name[3000];
    memset(name, 'q', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    char chained[3100];
    snprintf(chained, sizeof chained, "v__%s_aggr", name);
    const double v[2] = {1, 2};
    mloda_api_data *api = api_one_f64("T", "v", v, 2);
    mloda_registry *reg = mloda_registry_default();
    static const struct {
        int which;
        const char *hint;
    } cases[] = {{0, "; columns of table 'T': v"},
                 {1, "; allowed: sum, min, max, avg, mean, count, std, var, median"}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s", cases[k].hint);
        const char *f = cases[k].which == 0 ? name : chained;
        mloda_request *req = request_of(&f, 1);
        mloda_results *res = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_EQ_INT(mloda_run_all(reg, req, api, &res, &err), MLODA_ERR_RESOLVE);
        CHECK_CONTAINS(err.message, "no feature group matches feature '");
        CHECK_CONTAINS(err.message, cases[k].hint);
        CHECK_CONTAINS(err.message, "...");
        mloda_request_free(req);
    }
    mloda_registry_free(reg);
    mloda_api_data_free(api);
}

/* Issue 16, finding 9: option mistakes name the key that is wrong. A misspelt key is
 * named with the closest real one; options one family shares with others (time_unit,
 * algorithm) no longer make those other families blame them. */
static void test_option_mistakes(void)
{
    const double v[2] = {1, 2};
    const int64_t t[2] = {1704067200000000, 1704153600000000};
    mloda_api_data *api = mloda_api_data_new();
    const char *names[2] = {"v", "reference_time"};
    mloda_column *cols[2] = {col_f64(v, 2), NULL};
    (void)mloda_column_from_timestamp(MLODA_TIME_MICRO, 2, t, NULL, &cols[1], NULL);
    api_add(api, "T", 2, names, cols);
    mloda_registry *reg = mloda_registry_default();
    static const struct {
        const char *keys[4], *values[4]; /* NULL key ends; value "#n" is the integer n */
        const char *want, *not_want;
    } cases[] = {
        {{"aggregation_typ", "in_features"}, {"sum", "v"},
         "option 'aggregation_typ' is unknown to every feature group (closest: "
         "aggregation_type)", NULL},
        {{"aggregation_type", "in_feature"}, {"sum", "v"},
         "option 'in_feature' is unknown to every feature group (closest: in_features)", NULL},
        {{"window_function", "window_size", "time_unit", "in_features"}, {"sum", "abc", "day", "v"},
         "TimeWindowFeatureGroup: option window_size of 'my' is 'abc'", "Forecasting"},
        {{"algorithm", "k_value", "in_features"}, {"kmeans", "x", "v"},
         "ClusteringFeatureGroup: option k_value of 'my' is 'x'", "DimensionalityReduction"},
        {{"algorithm", "k_value", "in_features"}, {"kmeans", "x", "v"},
         "ClusteringFeatureGroup", "Forecasting"},
        {{"horizon", "time_unit", "in_features"}, {"#3", "day", "v"},
         "ForecastingFeatureGroup: feature 'my' sets horizon but lacks option(s) algorithm",
         "TimeWindow"},
        {{"algorithm", "horizon", "time_unit", "in_features"}, {"arima", "#3", "day", "v"},
         "option algorithm of 'my' is 'arima'; allowed: linear", "Clustering"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("case %zu: %s", k, cases[k].want);
        mloda_options *o = mloda_options_new();
        for (int i = 0; i < 4 && cases[k].keys[i] != NULL; i++) {
            if (cases[k].values[i][0] == '#')
                (void)mloda_options_set_int(o, MLODA_CONTEXT, cases[k].keys[i],
                                            atoll(cases[k].values[i] + 1), NULL);
            else
                (void)mloda_options_set_string(o, MLODA_CONTEXT, cases[k].keys[i],
                                               cases[k].values[i], NULL);
        }
        mloda_request *req = mloda_request_new();
        (void)mloda_request_add(req, "my", o, NULL);
        mloda_results *res = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_EQ_INT(mloda_run_all(reg, req, api, &res, &err), MLODA_ERR_RESOLVE);
        CHECK_CONTAINS(err.message, cases[k].want);
        if (cases[k].not_want != NULL)
            CHECK_MSG(strstr(err.message, cases[k].not_want) == NULL, "\"%s\" names %s",
                      err.message, cases[k].not_want);
        mloda_request_free(req);
        mloda_options_free(o);
    }
    mloda_registry_free(reg);
    mloda_api_data_free(api);
}

int main(void)
{
    RUN(test_bad_names);
    RUN(test_bad_requests);
    RUN(test_ambiguity_and_cycle);
    RUN(test_literal_column_ambiguity);
    RUN(test_plugin_abi);
    RUN(test_long_name_keeps_reason);
    RUN(test_option_mistakes);
    return TEST_SUMMARY();
}
