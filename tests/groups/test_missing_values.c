/*
 * test_missing_values.c: the imputation family against SPEC.md §6.2's worked example and
 * the values mloda computed (conformance cases 013–023, 046, 049, 051, 052), plus nulls
 * and NaN, all-null, one row, zero rows, ties, negative and large values, int/bool/text/
 * timestamp columns, grouping with several keys of mixed types and null keys, chains,
 * string form = option form, and errors.
 */
#include <float.h>

#include "rowwise_support.h"
#include "missing_values_cases.h"

static mloda_registry *reg;

static mloda_api_data *api_f64(const char *col, const double *v, int64_t n)
{
    return api_one_f64("T", col, v, n);
}

static mloda_api_data *api_f64_valid(const char *col, const double *v, const uint8_t *valid,
                                     int64_t n)
{
    return api_one_f64_valid("T", col, v, valid, n);
}

/* SPEC §6.2 worked example, v=[null,1,null,3,3,null,1,null], and the small examples. */
static void test_spec_worked_example(void)
{
    const double v[] = {NULL_SLOT, 1, NULL_SLOT, 3, 3, NULL_SLOT, 1, NULL_SLOT};
    const uint8_t v_valid[] = {0, 1, 0, 1, 1, 0, 1, 0};
    mloda_api_data *api = api_f64_valid("v", v, v_valid, 8);
    static const struct {
        const char *name;
        double want[8];
        uint8_t valid[8];
    } cases[] = {
        {"v__mean_imputed", {2, 1, 2, 3, 3, 2, 1, 2}, {1, 1, 1, 1, 1, 1, 1, 1}},
        {"v__median_imputed", {2, 1, 2, 3, 3, 2, 1, 2}, {1, 1, 1, 1, 1, 1, 1, 1}},
        {"v__mode_imputed", {1, 1, 1, 3, 3, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 1, 1}},
        {"v__ffill_imputed", {NULL_SLOT, 1, 1, 3, 3, 3, 1, 1}, {0, 1, 1, 1, 1, 1, 1, 1}},
        {"v__bfill_imputed", {1, 1, 3, 3, 3, 1, 1, NULL_SLOT}, {1, 1, 1, 1, 1, 1, 1, 0}},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s", cases[k].name);
        mloda_results *res = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(run_named(reg, api, &cases[k].name, NULL, 1, &res, &err), err);
        check_f64_col_valid(res, cases[k].name, cases[k].want, cases[k].valid, 8);
        CHECK_EQ_INT(col_type(res, cases[k].name), MLODA_TYPE_FLOAT64);
        mloda_results_free(res);
    }
    mloda_api_data_free(api);

    /* mode ties go to the smallest value: [2,1,null] -> 1 */
    const double t[] = {2, 1, NULL_SLOT};
    const uint8_t t_valid[] = {1, 1, 0};
    api = api_f64_valid("t", t, t_valid, 3);
    const char *name = "t__mode_imputed";
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    TEST_CASE("mode tie");
    CHECK_OK(run_named(reg, api, &name, NULL, 1, &res, &err), err);
    const double want_t[] = {2, 1, 1};
    check_f64_col(res, name, want_t, 3);
    mloda_results_free(res);
    mloda_api_data_free(api);

    /* strings: ['b','a',null,'b'] -> 'b' */
    const char *s[] = {"b", "a", NULL, "b"};
    const char *names[] = {"s"};
    mloda_column *cols[] = {col_str(s, 4)};
    api = mloda_api_data_new();
    api_add(api, "T", 1, names, cols);
    name = "s__mode_imputed";
    TEST_CASE("string mode");
    CHECK_OK(run_named(reg, api, &name, NULL, 1, &res, &err), err);
    const char *want_s[] = {"b", "a", "b", "b"};
    check_str_col(res, name, want_s, 4);
    mloda_results_free(res);
    mloda_api_data_free(api);
}

/* Conformance 013: each method with leading and trailing nulls. */
static void test_case013(void)
{
    const double v[] = {NULL_SLOT, NULL_SLOT, 12.0, 15.5, NULL_SLOT, 9.0, 9.0, NULL_SLOT};
    const uint8_t v_valid[] = {0, 0, 1, 1, 0, 1, 1, 0};
    mloda_api_data *api = api_f64_valid("temp", v, v_valid, 8);
    const char *names[] = {"temp",
                           "temp__mean_imputed",
                           "temp__median_imputed",
                           "temp__mode_imputed",
                           "temp__ffill_imputed",
                           "temp__bfill_imputed"};
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(run_named(reg, api, names, NULL, 6, &res, &err), err);
    const double bfill[] = {12.0, 12.0, 12.0, 15.5, 9.0, 9.0, 9.0, NULL_SLOT};
    const uint8_t bfill_valid[] = {1, 1, 1, 1, 1, 1, 1, 0};
    const double ffill[] = {NULL_SLOT, NULL_SLOT, 12.0, 15.5, 15.5, 9.0, 9.0, 9.0};
    const uint8_t ffill_valid[] = {0, 0, 1, 1, 1, 1, 1, 1};
    const double mean[] = {11.375, 11.375, 12.0, 15.5, 11.375, 9.0, 9.0, 11.375};
    const double median[] = {10.5, 10.5, 12.0, 15.5, 10.5, 9.0, 9.0, 10.5};
    const double mode[] = {9.0, 9.0, 12.0, 15.5, 9.0, 9.0, 9.0, 9.0};
    check_f64_col_valid(res, "temp", v, v_valid, 8);
    check_f64_col_valid(res, "temp__bfill_imputed", bfill, bfill_valid, 8);
    check_f64_col_valid(res, "temp__ffill_imputed", ffill, ffill_valid, 8);
    check_f64_col(res, "temp__mean_imputed", mean, 8);
    check_f64_col(res, "temp__median_imputed", median, 8);
    check_f64_col(res, "temp__mode_imputed", mode, 8);
    mloda_results_free(res);
    mloda_api_data_free(api);
}

/* Conformance 014: constant, negative number and text (option form). */
static void test_case014(void)
{
    const double p[] = {1013.2, NULL_SLOT, NULL_SLOT, 998.7};
    const uint8_t p_valid[] = {1, 0, 0, 1};
    const char *r[] = {NULL, "north", "south", NULL};
    const char *cn[] = {"pressure", "region"};
    mloda_column *cols[] = {col_f64_valid(p, p_valid, 4), col_str(r, 4)};
    mloda_api_data *api = mloda_api_data_new();
    api_add(api, "T", 2, cn, cols);
    mloda_options *o[2] = {opts_str("imputation_method", "constant", "in_features", "pressure",
                                    NULL),
                           opts_str("imputation_method", "constant", "in_features", "region",
                                    NULL)};
    (void)mloda_options_set_float(o[0], MLODA_CONTEXT, "constant_value", -999.0, NULL);
    (void)mloda_options_set_string(o[1], MLODA_CONTEXT, "constant_value", "n/a", NULL);
    const char *names[] = {"pressure_filled", "region_filled"};
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(run_named(reg, api, names, o, 2, &res, &err), err);
    const double want_p[] = {1013.2, -999.0, -999.0, 998.7};
    const char *want_r[] = {"n/a", "north", "south", "n/a"};
    check_f64_col(res, "pressure_filled", want_p, 4);
    check_str_col(res, "region_filled", want_r, 4);
    mloda_results_free(res);
    mloda_options_free(o[0]);
    mloda_options_free(o[1]);
    mloda_api_data_free(api);
}

/* Conformance 015: text mode with a tie, ffill, bfill. */
static void test_case015(void)
{
    const char *l[] = {"y", NULL, "x", "y", "x", NULL};
    const char *cn[] = {"label"};
    mloda_column *cols[] = {col_str(l, 6)};
    mloda_api_data *api = mloda_api_data_new();
    api_add(api, "T", 1, cn, cols);
    const char *names[] = {"label__mode_imputed", "label__ffill_imputed", "label__bfill_imputed"};
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(run_named(reg, api, names, NULL, 3, &res, &err), err);
    const char *bfill[] = {"y", "x", "x", "y", "x", NULL};
    const char *ffill[] = {"y", "y", "x", "y", "x", "x"};
    const char *mode[] = {"y", "x", "x", "y", "x", "x"};
    check_str_col(res, "label__bfill_imputed", bfill, 6);
    check_str_col(res, "label__ffill_imputed", ffill, 6);
    check_str_col(res, "label__mode_imputed", mode, 6);
    mloda_results_free(res);
    mloda_api_data_free(api);
}

/* Conformance 016: int column with nulls; all-null column. mode keeps int64 (nullable int
 * instead of mloda's float64, SPEC §10.18); mean/median are float64. */
static void test_case016(void)
{
    const int64_t rooms[] = {2, 0, 3, 3, 0, 6};
    const uint8_t rv[] = {1, 0, 1, 1, 0, 1};
    const double blank[] = {NULL_SLOT, NULL_SLOT, NULL_SLOT, NULL_SLOT, NULL_SLOT, NULL_SLOT};
    const uint8_t blank_valid[] = {0, 0, 0, 0, 0, 0};
    const char *cn[] = {"rooms", "blank"};
    mloda_column *cols[] = {col_i64(rooms, rv, 6), col_f64_valid(blank, blank_valid, 6)};
    mloda_api_data *api = mloda_api_data_new();
    api_add(api, "T", 2, cn, cols);
    const char *names[] = {"rooms__mean_imputed", "rooms__median_imputed", "rooms__mode_imputed",
                           "blank__mean_imputed", "blank__median_imputed", "blank__mode_imputed",
                           "blank__ffill_imputed"};
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(run_named(reg, api, names, NULL, 7, &res, &err), err);
    const double mean[] = {2.0, 3.5, 3.0, 3.0, 3.5, 6.0};
    const double median[] = {2.0, 3.0, 3.0, 3.0, 3.0, 6.0};
    const double mode[] = {2.0, 3.0, 3.0, 3.0, 3.0, 6.0};
    check_f64_col(res, "rooms__mean_imputed", mean, 6);
    check_f64_col(res, "rooms__median_imputed", median, 6);
    check_f64_col(res, "rooms__mode_imputed", mode, 6);
    CHECK_EQ_INT(col_type(res, "rooms__mean_imputed"), MLODA_TYPE_FLOAT64);
    CHECK_EQ_INT(col_type(res, "rooms__median_imputed"), MLODA_TYPE_FLOAT64);
    CHECK_EQ_INT(col_type(res, "rooms__mode_imputed"), MLODA_TYPE_INT64);
    for (int k = 3; k < 7; k++) {
        TEST_CASE("%s", names[k]);
        check_f64_col_valid(res, names[k], blank, blank_valid, 6);
    }
    mloda_results_free(res);
    mloda_api_data_free(api);
}

/* Conformance 017: 900 rows, mean/median/bfill/mode. */
static void test_case017(void)
{
    mloda_api_data *api = api_f64_valid("reading", c017_reading, c017_reading_valid,
                                        C017_READING_N);
    const char *names[] = {"reading__mean_imputed", "reading__median_imputed",
                           "reading__bfill_imputed", "reading__mode_imputed"};
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(run_named(reg, api, names, NULL, 4, &res, &err), err);
    check_f64_col(res, names[0], c017_mean, C017_MEAN_N);
    check_f64_col(res, names[1], c017_median, C017_MEDIAN_N);
    check_f64_col(res, names[2], c017_bfill, C017_BFILL_N);
    check_f64_col(res, names[3], c017_mode, C017_MODE_N);
    mloda_results_free(res);
    mloda_api_data_free(api);
}

/* Grouped request helper: runs option-form features on in_features `col` grouped by `by`. */
static mloda_results *run_grouped(mloda_api_data *api, const char *const *names,
                                  const char *const *methods, int n, const char *col,
                                  const char *by)
{
    mloda_options *o[8];
    for (int i = 0; i < n; i++)
        o[i] = opts_str("imputation_method", methods[i], "in_features", col, "group_by_features",
                        by, NULL);
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(run_named(reg, api, names, o, n, &res, &err), err);
    for (int i = 0; i < n; i++)
        mloda_options_free(o[i]);
    return res;
}

/* Conformance 018–021: grouped imputation. */
static void test_grouped_cases(void)
{
    {
        TEST_CASE("018 mean and median by store");
        const double sales[] = {10.0, NULL_SLOT, NULL_SLOT, 4.0, 6.0,
                                NULL_SLOT, 8.0, NULL_SLOT, 2.0};
        const uint8_t sales_valid[] = {1, 0, 0, 1, 1, 0, 1, 0, 1};
        const char *store[] = {"s2", "s1", "s2", "s1", "s3", "s3", "s2", "s1", "s3"};
        const char *cn[] = {"sales", "store"};
        mloda_column *cols[] = {col_f64_valid(sales, sales_valid, 9), col_str(store, 9)};
        mloda_api_data *api = mloda_api_data_new();
        api_add(api, "T", 2, cn, cols);
        const char *names[] = {"sales_g_mean", "sales_g_median"};
        const char *methods[] = {"mean", "median"};
        mloda_results *res = run_grouped(api, names, methods, 2, "sales", "store");
        const double want[] = {10.0, 4.0, 9.0, 4.0, 6.0, 4.0, 8.0, 4.0, 2.0};
        check_f64_col(res, "sales_g_mean", want, 9);
        check_f64_col(res, "sales_g_median", want, 9);
        mloda_results_free(res);
        mloda_api_data_free(api);
    }
    {
        TEST_CASE("019 mode, ffill, bfill by store");
        const double sales[] = {10.0, NULL_SLOT, NULL_SLOT, 4.0, 6.0,
                                NULL_SLOT, 8.0, NULL_SLOT, 2.0, 4.0};
        const uint8_t sales_valid[] = {1, 0, 0, 1, 1, 0, 1, 0, 1, 1};
        const char *store[] = {"s2", "s1", "s2", "s1", "s3", "s3", "s2", "s1", "s3", "s1"};
        const char *cn[] = {"sales", "store"};
        mloda_column *cols[] = {col_f64_valid(sales, sales_valid, 10), col_str(store, 10)};
        mloda_api_data *api = mloda_api_data_new();
        api_add(api, "T", 2, cn, cols);
        const char *names[] = {"sales_g_mode", "sales_g_ffill", "sales_g_bfill"};
        const char *methods[] = {"mode", "ffill", "bfill"};
        mloda_results *res = run_grouped(api, names, methods, 3, "sales", "store");
        const double bfill[] = {10.0, 4.0, 8.0, 4.0, 6.0, 2.0, 8.0, 4.0, 2.0, 4.0};
        const double ffill[] = {10.0, NULL_SLOT, 10.0, 4.0, 6.0, 6.0, 8.0, 4.0, 2.0, 4.0};
        const uint8_t ffill_valid[] = {1, 0, 1, 1, 1, 1, 1, 1, 1, 1};
        const double mode[] = {10.0, 4.0, 8.0, 4.0, 6.0, 2.0, 8.0, 4.0, 2.0, 4.0};
        check_f64_col(res, "sales_g_bfill", bfill, 10);
        check_f64_col_valid(res, "sales_g_ffill", ffill, ffill_valid, 10);
        check_f64_col(res, "sales_g_mode", mode, 10);
        mloda_results_free(res);
        mloda_api_data_free(api);
    }
    {
        TEST_CASE("020 constant ignores groups");
        const double sales[] = {NULL_SLOT, 3.0, NULL_SLOT, 5.0};
        const uint8_t sales_valid[] = {0, 1, 0, 1};
        const char *store[] = {"a1", "a1", "b2", "b2"};
        const char *cn[] = {"sales", "store"};
        mloda_column *cols[] = {col_f64_valid(sales, sales_valid, 4), col_str(store, 4)};
        mloda_api_data *api = mloda_api_data_new();
        api_add(api, "T", 2, cn, cols);
        mloda_options *o = opts_str("imputation_method", "constant", "in_features", "sales",
                                    "group_by_features", "store", NULL);
        (void)mloda_options_set_float(o, MLODA_CONTEXT, "constant_value", -1.0, NULL);
        const char *name = "sales_g_const";
        mloda_results *res = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(run_named(reg, api, &name, &o, 1, &res, &err), err);
        const double want[] = {-1.0, 3.0, -1.0, 5.0};
        check_f64_col(res, name, want, 4);
        mloda_results_free(res);
        mloda_options_free(o);
        mloda_api_data_free(api);
    }
    {
        TEST_CASE("021 two keys, all-null group falls back to the overall median");
        const double level[] = {3.0, NULL_SLOT, 9.0, NULL_SLOT, NULL_SLOT, 1.0, 5.0, NULL_SLOT};
        const uint8_t level_valid[] = {1, 0, 1, 0, 0, 1, 1, 0};
        const char *site[] = {"k", "k", "k", "k", "m", "m", "m", "m"};
        const char *shift[] = {"day", "day", "night", "night", "day", "night", "night", "day"};
        const char *cn[] = {"level", "site", "shift"};
        mloda_column *cols[] = {col_f64_valid(level, level_valid, 8), col_str(site, 8),
                                col_str(shift, 8)};
        mloda_api_data *api = mloda_api_data_new();
        api_add(api, "T", 3, cn, cols);
        const char *names[] = {"lvl_g2"};
        const char *methods[] = {"median"};
        mloda_results *res = run_grouped(api, names, methods, 1, "level", "site,shift");
        const double want[] = {3.0, 3.0, 9.0, 9.0, 4.0, 1.0, 5.0, 4.0};
        check_f64_col(res, "lvl_g2", want, 8);
        mloda_results_free(res);
        mloda_api_data_free(api);
    }
}

/* Grouping decisions: a missing key is a group of its own; keys of several types; mode
 * falls back to the overall mode for an all-missing group; one group per row. */
static void test_group_keys(void)
{
    /* v=[1,null,5,null,7,null], g=[a,null,null,b,a,a] */
    const double v[] = {1, NULL_SLOT, 5, NULL_SLOT, 7, NULL_SLOT};
    const uint8_t v_valid[] = {1, 0, 1, 0, 1, 0};
    const char *g[] = {"a", NULL, NULL, "b", "a", "a"};
    const int64_t k2[] = {1, 1, 1, 1, 2, 1};
    const char *cn[] = {"v", "g", "k2"};
    mloda_column *cols[] = {col_f64_valid(v, v_valid, 6), col_str(g, 6), col_i64(k2, NULL, 6)};
    mloda_api_data *api = mloda_api_data_new();
    api_add(api, "T", 3, cn, cols);
    const char *names[] = {"m", "md", "mo", "ff", "bf"};
    const char *methods[] = {"mean", "median", "mode", "ffill", "bfill"};
    TEST_CASE("null key group");
    mloda_results *res = run_grouped(api, names, methods, 5, "v", "g");
    /* groups: a={0,4,5} values 1,7 -> mean 4, median 4, mode 1; null={1,2} value 5;
     * b={3} no value -> overall (1+5+7)/3, median 5, mode 1 */
    const double mean[] = {1, 5, 5, 13.0 / 3.0, 7, 4};
    const double median[] = {1, 5, 5, 5, 7, 4};
    const double mode[] = {1, 5, 5, 1, 7, 1};
    const double ff[] = {1, NULL_SLOT, 5, NULL_SLOT, 7, 7};
    const uint8_t ff_valid[] = {1, 0, 1, 0, 1, 1};
    const double bf[] = {1, 5, 5, NULL_SLOT, 7, NULL_SLOT};
    const uint8_t bf_valid[] = {1, 1, 1, 0, 1, 0};
    check_f64_col(res, "m", mean, 6);
    check_f64_col(res, "md", median, 6);
    check_f64_col(res, "mo", mode, 6);
    check_f64_col_valid(res, "ff", ff, ff_valid, 6);
    check_f64_col_valid(res, "bf", bf, bf_valid, 6);
    mloda_results_free(res);

    TEST_CASE("utf8 + int64 keys");
    res = run_grouped(api, names, methods, 5, "v", "g,k2");
    /* groups: (a,1)={0,5} value 1; (null,1)={1,2} value 5; (b,1)={3}; (a,2)={4} value 7 */
    const double mean2[] = {1, 5, 5, 13.0 / 3.0, 7, 1};
    const double median2[] = {1, 5, 5, 5, 7, 1};
    const double mode2[] = {1, 5, 5, 1, 7, 1};
    const double ff2[] = {1, NULL_SLOT, 5, NULL_SLOT, 7, 1};
    const uint8_t ff2_valid[] = {1, 0, 1, 0, 1, 1};
    const double bf2[] = {1, 5, 5, NULL_SLOT, 7, NULL_SLOT};
    const uint8_t bf2_valid[] = {1, 1, 1, 0, 1, 0};
    check_f64_col(res, "m", mean2, 6);
    check_f64_col(res, "md", median2, 6);
    check_f64_col(res, "mo", mode2, 6);
    check_f64_col_valid(res, "ff", ff2, ff2_valid, 6);
    check_f64_col_valid(res, "bf", bf2, bf2_valid, 6);
    mloda_results_free(res);

    TEST_CASE("group by the imputed column itself");
    res = run_grouped(api, names, methods, 1, "v", "v");
    /* every present value is its own group; the null group falls back to the overall */
    const double mean3[] = {1, 13.0 / 3.0, 5, 13.0 / 3.0, 7, 13.0 / 3.0};
    check_f64_col(res, "m", mean3, 6);
    mloda_results_free(res);
    mloda_api_data_free(api);

    /* int64 key only, text values */
    const char *t[] = {"x", NULL, "y", "y", NULL, "z"};
    const int64_t k[] = {7, 7, 8, 8, 8, 9};
    const char *cn2[] = {"t", "k"};
    mloda_column *cols2[] = {col_str(t, 6), col_i64(k, NULL, 6)};
    api = mloda_api_data_new();
    api_add(api, "T", 2, cn2, cols2);
    const char *n2[] = {"tm"};
    const char *m2[] = {"mode"};
    TEST_CASE("text mode by int key");
    res = run_grouped(api, n2, m2, 1, "t", "k");
    const char *want[] = {"x", "x", "y", "y", "y", "z"};
    check_str_col(res, "tm", want, 6);
    mloda_results_free(res);
    mloda_api_data_free(api);
}

/* Conformance 022, 023 and other chains across families. */
static void test_chains(void)
{
    const double u[] = {4.0, NULL_SLOT, 1.0, NULL_SLOT, 9.0, 2.0};
    const uint8_t u_valid[] = {1, 0, 1, 0, 1, 1};
    mloda_api_data *api = api_f64_valid("units", u, u_valid, 6);
    const char *names[] = {"units__median_imputed__sum_aggr", "units__median_imputed__var_aggr",
                           "units", "units__bfill_imputed", "units__bfill_imputed__min_aggr",
                           "units__ffill_imputed__mean_imputed", "units__mean_imputed__max_aggr"};
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(run_named(reg, api, names, NULL, 7, &res, &err), err);
    const double sum[] = {22, 22, 22, 22, 22, 22};
    const double var[] = {7.866666666666667, 7.866666666666667, 7.866666666666667,
                          7.866666666666667, 7.866666666666667, 7.866666666666667};
    const double bfill[] = {4.0, 1.0, 1.0, 9.0, 9.0, 2.0};
    const double mn[] = {1, 1, 1, 1, 1, 1};
    const double ffm[] = {4.0, 4.0, 1.0, 1.0, 9.0, 2.0};
    const double mx[] = {9, 9, 9, 9, 9, 9};
    check_f64_col(res, names[0], sum, 6);
    check_f64_col(res, names[1], var, 6);
    check_f64_col_valid(res, names[2], u, u_valid, 6);
    check_f64_col(res, names[3], bfill, 6);
    check_f64_col(res, names[4], mn, 6);
    check_f64_col(res, names[5], ffm, 6);
    check_f64_col(res, names[6], mx, 6);
    mloda_results_free(res);
    mloda_api_data_free(api);

    /* SPEC §1.2: value__mean_imputed__sum_aggr on [1, null, 4] = 7.5 */
    const double w[] = {1, NULL_SLOT, 4};
    const uint8_t w_valid[] = {1, 0, 1};
    api = api_f64_valid("value", w, w_valid, 3);
    const char *n1 = "value__mean_imputed__sum_aggr";
    CHECK_OK(run_named(reg, api, &n1, NULL, 1, &res, &err), err);
    const double s75[] = {7.5, 7.5, 7.5};
    check_f64_col(res, n1, s75, 3);
    mloda_results_free(res);
    mloda_api_data_free(api);
}

/* Conformance 046 (string form = option form) and 049 (price mean). */
static void test_case046_049(void)
{
    const double level[] = {7.0, NULL_SLOT, 1.0, 2.0};
    const double price[] = {9.5, NULL_SLOT, 3.0, 4.5};
    const uint8_t valid[] = {1, 0, 1, 1};
    const char *cn[] = {"level", "price"};
    mloda_column *cols[] = {col_f64_valid(level, valid, 4), col_f64_valid(price, valid, 4)};
    mloda_api_data *api = mloda_api_data_new();
    api_add(api, "T", 2, cn, cols);
    const char *names[] = {"level__median_imputed", "lvl_med", "price__mean_imputed"};
    mloda_options *o[] = {NULL, opts_str("imputation_method", "median", "in_features", "level",
                                         NULL),
                          NULL};
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(run_named(reg, api, names, o, 3, &res, &err), err);
    const double want[] = {7.0, 2.0, 1.0, 2.0};
    const double pw[] = {9.5, 5.666666666666667, 3.0, 4.5};
    check_f64_col(res, "level__median_imputed", want, 4);
    check_f64_col(res, "lvl_med", want, 4);
    check_f64_col(res, "price__mean_imputed", pw, 4);
    mloda_results_free(res);
    mloda_options_free(o[1]);
    mloda_api_data_free(api);
}

/* Every method: the option form gives the string form's values. */
static void test_option_form_equals_string_form(void)
{
    const double v[] = {NULL_SLOT, -2.5, 1e300, NULL_SLOT, -1e300, 3, 3, NULL_SLOT, 0.25};
    const uint8_t v_valid[] = {0, 1, 1, 0, 1, 1, 1, 0, 1};
    mloda_api_data *api = api_f64_valid("x", v, v_valid, 9);
    static const char *const methods[] = {"mean", "median", "mode", "ffill", "bfill", "constant"};
    for (int m = 0; m < 6; m++) {
        TEST_CASE("%s", methods[m]);
        char sname[64];
        snprintf(sname, sizeof sname, "x__%s_imputed", methods[m]);
        const char *names[] = {sname, "via_options"};
        mloda_options *o[2] = {mloda_options_new(),
                               opts_str("imputation_method", methods[m], "in_features", "x",
                                        NULL)};
        (void)mloda_options_set_int(o[0], MLODA_CONTEXT, "constant_value", 42, NULL);
        (void)mloda_options_set_int(o[1], MLODA_CONTEXT, "constant_value", 42, NULL);
        mloda_results *res = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(run_named(reg, api, names, o, 2, &res, &err), err);
        const mloda_column *a = result_column(res, sname), *b = result_column(res, "via_options");
        CHECK(a != NULL && b != NULL);
        for (int64_t i = 0; a != NULL && b != NULL && i < 9; i++) {
            CHECK_EQ_INT(mloda_column_is_valid(a, i), mloda_column_is_valid(b, i));
            CHECK_CLOSE(num_at(a, i), num_at(b, i));
        }
        mloda_results_free(res);
        mloda_options_free(o[0]);
        mloda_options_free(o[1]);
    }
    mloda_api_data_free(api);
}

/* Conformance 051 (700 rows, ffill and sum) and 052 (a session over four batches). */
static void test_case051_052(void)
{
    mloda_api_data *api = api_f64_valid("amount", c051_amount, c051_amount_valid, C051_AMOUNT_N);
    const char *names[] = {"amount", "amount__sum_aggr", "amount__ffill_imputed"};
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(run_named(reg, api, names, NULL, 3, &res, &err), err);
    check_f64_col_valid(res, "amount", c051_amount, c051_amount_valid, C051_AMOUNT_N);
    check_f64_col(res, "amount__sum_aggr", c051_sum, C051_SUM_N);
    check_f64_col_valid(res, "amount__ffill_imputed", c051_ffill, c051_ffill_valid,
                        C051_FFILL_N);
    mloda_results_free(res);
    mloda_api_data_free(api);

    const double example[] = {2.0};
    api = api_f64("amount", example, 1);
    const char *f052[] = {"amount", "amount__sum_aggr", "amount__std_aggr",
                          "amount__median_imputed"};
    mloda_request *req = request_of(f052, 4);
    mloda_session *s = NULL;
    CHECK_OK(mloda_prepare(reg, req, api, &s, &err), err);
    mloda_api_data_free(api);
    static const struct {
        double in[6];
        uint8_t in_valid[6];
        double med[6];
        int64_t n;
    } batches[] = {
        {{3.0, NULL_SLOT, 9.0}, {1, 0, 1}, {3.0, 6.0, 9.0}, 3},
        {{NULL_SLOT, 4.0}, {0, 1}, {4.0, 4.0}, 2},
        {{1.0, 1.0, NULL_SLOT, 7.0, 2.0, NULL_SLOT}, {1, 1, 0, 1, 1, 0},
         {1.0, 1.0, 1.5, 7.0, 2.0, 1.5}, 6},
        {{6.5}, {1}, {6.5}, 1},
    };
    for (int b = 0; s != NULL && b < 4; b++) {
        TEST_CASE("052 batch %d", b);
        api = api_f64_valid("amount", batches[b].in, batches[b].in_valid, batches[b].n);
        CHECK_OK(mloda_session_run(s, api, &res, &err), err);
        check_f64_col(res, "amount__median_imputed", batches[b].med, batches[b].n);
        mloda_results_free(res);
        mloda_api_data_free(api);
    }
    mloda_session_free(s);
    mloda_request_free(req);
}

/* One row, zero rows, NaN as missing, no missing values (shared, unchanged), large and
 * negative values, even-count median. */
static void test_edges(void)
{
    /* v_valid / want_valid: 1 = valid, 0 = null, for the first n rows */
    static const struct {
        const char *label, *method;
        double v[6];
        uint8_t v_valid[6];
        int64_t n;
        double want[6];
        uint8_t want_valid[6];
    } cases[] = {
        {"one null row mean", "mean", {NULL_SLOT}, {0}, 1, {NULL_SLOT}, {0}},
        {"one null row ffill", "ffill", {NULL_SLOT}, {0}, 1, {NULL_SLOT}, {0}},
        {"one row", "median", {4}, {1}, 1, {4}, {1}},
        {"NaN is missing (mean)", "mean", {1, NAN, 3}, {1, 1, 1}, 3, {1, 2, 3}, {1, 1, 1}},
        {"NaN is missing (ffill)", "ffill", {1, NAN, 3}, {1, 1, 1}, 3, {1, 1, 3}, {1, 1, 1}},
        {"NaN is missing (mode)", "mode", {NAN, 5, NAN, 5, 2}, {1, 1, 1, 1, 1}, 5,
         {5, 5, 5, 5, 2}, {1, 1, 1, 1, 1}},
        {"negatives median even", "median", {-4, NULL_SLOT, -1, -2, -10}, {1, 0, 1, 1, 1}, 5,
         {-4, -3, -1, -2, -10}, {1, 1, 1, 1, 1}},
        {"large magnitudes", "mean", {1e300, NULL_SLOT, -1e300, 3}, {1, 0, 1, 1}, 4,
         {1e300, 1, -1e300, 3}, {1, 1, 1, 1}},
        {"mode all distinct -> smallest", "mode", {9, -3, NULL_SLOT, 4}, {1, 1, 0, 1}, 4,
         {9, -3, -3, 4}, {1, 1, 1, 1}},
        {"mode -0.0 equals 0.0", "mode", {0.0, -0.0, NULL_SLOT, 7}, {1, 1, 0, 1}, 4,
         {0, 0, 0, 7}, {1, 1, 1, 1}},
        {"bfill trailing", "bfill", {NULL_SLOT, 2, NULL_SLOT, NULL_SLOT}, {0, 1, 0, 0}, 4,
         {2, 2, NULL_SLOT, NULL_SLOT}, {1, 1, 0, 0}},
        {"all NaN median", "median", {NAN, NAN}, {1, 1}, 2, {NULL_SLOT, NULL_SLOT}, {0, 0}},
        /* issue 16: the mean of [1e308, 1e308] overflowed and left the null unfilled;
         * the exact means are 1e308, DBL_MAX and 1e308 / 3 (pandas: inf) */
        {"huge mean", "mean", {1e308, 1e308, NULL_SLOT}, {1, 1, 0}, 3, {1e308, 1e308, 1e308},
         {1, 1, 1}},
        {"DBL_MAX mean", "mean", {DBL_MAX, NULL_SLOT, DBL_MAX}, {1, 0, 1}, 3,
         {DBL_MAX, DBL_MAX, DBL_MAX}, {1, 1, 1}},
        {"huge mean back in range", "mean", {1e308, 1e308, NULL_SLOT, -1e308}, {1, 1, 0, 1}, 4,
         {1e308, 1e308, 1e308 / 3.0, -1e308}, {1, 1, 1, 1}},
        {"huge median", "median", {DBL_MAX, DBL_MAX, NULL_SLOT}, {1, 1, 0}, 3,
         {DBL_MAX, DBL_MAX, DBL_MAX}, {1, 1, 1}},
        {"inf mean is inf (IEEE)", "mean", {INFINITY, 1, NULL_SLOT}, {1, 1, 0}, 3,
         {INFINITY, 1, INFINITY}, {1, 1, 1}},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s", cases[k].label);
        mloda_api_data *api = api_f64_valid("x", cases[k].v, cases[k].v_valid, cases[k].n);
        char name[64];
        snprintf(name, sizeof name, "x__%s_imputed", cases[k].method);
        const char *np = name;
        mloda_results *res = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(run_named(reg, api, &np, NULL, 1, &res, &err), err);
        check_f64_col_valid(res, name, cases[k].want, cases[k].want_valid, cases[k].n);
        mloda_results_free(res);
        mloda_api_data_free(api);
    }

    /* zero rows: every method gives a zero-row column */
    mloda_api_data *api = api_f64("x", NULL, 0);
    const char *names[] = {"x__mean_imputed", "x__median_imputed", "x__mode_imputed",
                           "x__ffill_imputed", "x__bfill_imputed"};
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    TEST_CASE("zero rows");
    CHECK_OK(run_named(reg, api, names, NULL, 5, &res, &err), err);
    for (int k = 0; k < 5; k++)
        CHECK_EQ_INT(mloda_column_n_rows(result_column(res, names[k])), 0);
    mloda_results_free(res);
    mloda_api_data_free(api);

    /* no missing values: the input column itself is returned (no copy), int stays int64 */
    const int64_t iv[] = {5, 1, 5, 2};
    const double fv[] = {0.5, 1.5, 2.5, 3.5};
    const char *cn[] = {"i", "f"};
    mloda_column *cols[] = {col_i64(iv, NULL, 4), col_f64(fv, 4)};
    api = mloda_api_data_new();
    api_add(api, "T", 2, cn, cols);
    const char *nn[] = {"i", "f", "i__mode_imputed", "i__ffill_imputed", "f__mean_imputed",
                        "i__mean_imputed"};
    TEST_CASE("no missing values");
    CHECK_OK(run_named(reg, api, nn, NULL, 6, &res, &err), err);
    CHECK_EQ_INT(col_type(res, "i__mode_imputed"), MLODA_TYPE_INT64);
    CHECK(mloda_column_int64(result_column(res, "i__mode_imputed")) ==
          mloda_column_int64(result_column(res, "i")));
    CHECK(mloda_column_int64(result_column(res, "i__ffill_imputed")) ==
          mloda_column_int64(result_column(res, "i")));
    CHECK(mloda_column_float64(result_column(res, "f__mean_imputed")) ==
          mloda_column_float64(result_column(res, "f")));
    /* mean over int64 is declared float64: same values (mloda keeps int64 here) */
    CHECK_EQ_INT(col_type(res, "i__mean_imputed"), MLODA_TYPE_FLOAT64);
    const double iw[] = {5, 1, 5, 2};
    check_f64_col(res, "i__mean_imputed", iw, 4);
    mloda_results_free(res);
    mloda_api_data_free(api);
}

/* int64, bool, text and timestamp columns; constant_value of several kinds. */
static void test_types(void)
{
    const int64_t iv[] = {4, 0, 9, 0, 4};
    const uint8_t valid[] = {1, 0, 1, 0, 1};
    const bool bv[] = {true, false, false, true, false};
    const int64_t ts[] = {1000, 0, 3000, 0, 1000};
    const char *sv[] = {"é", NULL, "e", NULL, "z"};
    const char *cn[] = {"i", "b", "t", "s"};
    mloda_column *cols[4] = {col_i64(iv, valid, 5), NULL, NULL, col_str(sv, 5)};
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_column_from_bool(5, bv, valid, &cols[1], &err), err);
    CHECK_OK(mloda_column_from_timestamp(MLODA_TIME_MICRO, 5, ts, valid, &cols[2], &err), err);
    mloda_api_data *api = mloda_api_data_new();
    api_add(api, "T", 4, cn, cols);

    static const struct {
        const char *name, *in, *method;
        mloda_value_kind kind;
        const char *cv;
        mloda_type type;
        double want[5];
    } cases[] = {
        {"i_mode", "i", "mode", MLODA_VALUE_NONE, NULL, MLODA_TYPE_INT64, {4, 4, 9, 4, 4}},
        {"i_ffill", "i", "ffill", MLODA_VALUE_NONE, NULL, MLODA_TYPE_INT64, {4, 4, 9, 9, 4}},
        {"i_const", "i", "constant", MLODA_VALUE_INT, "-7", MLODA_TYPE_INT64, {4, -7, 9, -7, 4}},
        {"i_constf", "i", "constant", MLODA_VALUE_FLOAT, "0.5", MLODA_TYPE_FLOAT64,
         {4, 0.5, 9, 0.5, 4}},
        {"i_median", "i", "median", MLODA_VALUE_NONE, NULL, MLODA_TYPE_FLOAT64,
         {4, 4, 9, 4, 4}},
        {"i_mean", "i", "mean", MLODA_VALUE_NONE, NULL, MLODA_TYPE_FLOAT64,
         {4, 17.0 / 3, 9, 17.0 / 3, 4}},
        {"b_mode", "b", "mode", MLODA_VALUE_NONE, NULL, MLODA_TYPE_BOOL, {1, 0, 0, 0, 0}},
        {"b_bfill", "b", "bfill", MLODA_VALUE_NONE, NULL, MLODA_TYPE_BOOL, {1, 0, 0, 0, 0}},
        {"b_const", "b", "constant", MLODA_VALUE_BOOL, "true", MLODA_TYPE_BOOL, {1, 1, 0, 1, 0}},
        {"t_mode", "t", "mode", MLODA_VALUE_NONE, NULL, MLODA_TYPE_TIMESTAMP,
         {1000, 1000, 3000, 1000, 1000}},
        {"t_bfill", "t", "bfill", MLODA_VALUE_NONE, NULL, MLODA_TYPE_TIMESTAMP,
         {1000, 3000, 3000, 1000, 1000}},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s", cases[k].name);
        mloda_options *o = opts_str("imputation_method", cases[k].method, "in_features",
                                    cases[k].in, NULL);
        if (cases[k].kind == MLODA_VALUE_INT)
            (void)mloda_options_set_int(o, MLODA_CONTEXT, "constant_value", atoll(cases[k].cv),
                                        NULL);
        else if (cases[k].kind == MLODA_VALUE_FLOAT)
            (void)mloda_options_set_float(o, MLODA_CONTEXT, "constant_value", atof(cases[k].cv),
                                          NULL);
        else if (cases[k].kind == MLODA_VALUE_BOOL)
            (void)mloda_options_set_bool(o, MLODA_CONTEXT, "constant_value", true, NULL);
        mloda_results *res = NULL;
        mloda_error e = MLODA_ERROR_INIT;
        CHECK_OK(run_named(reg, api, &cases[k].name, &o, 1, &res, &e), e);
        CHECK_EQ_INT(col_type(res, cases[k].name), cases[k].type);
        check_f64_col(res, cases[k].name, cases[k].want, 5);
        if (cases[k].type == MLODA_TYPE_TIMESTAMP)
            CHECK_EQ_INT(mloda_column_time_unit(result_column(res, cases[k].name)),
                         MLODA_TIME_MICRO);
        mloda_results_free(res);
        mloda_options_free(o);
    }
    /* text: mode tie between "é", "e", "z" -> "e" (code point order); ffill; constant */
    const char *names[] = {"s__mode_imputed", "s__ffill_imputed", "s__bfill_imputed"};
    mloda_results *res = NULL;
    TEST_CASE("text");
    CHECK_OK(run_named(reg, api, names, NULL, 3, &res, &err), err);
    const char *mode[] = {"é", "e", "e", "e", "z"};
    const char *ffill[] = {"é", "é", "e", "e", "z"};
    const char *bfill[] = {"é", "e", "e", "z", "z"};
    check_str_col(res, names[0], mode, 5);
    check_str_col(res, names[1], ffill, 5);
    check_str_col(res, names[2], bfill, 5);
    mloda_results_free(res);
    mloda_api_data_free(api);
}

/* Errors at prepare: bad method token, bad option value, name/option conflict, constant
 * without or with an unfitting constant_value, wrong input type, bad group_by_features. */
static void test_errors(void)
{
    const double v[] = {1, NULL_SLOT};
    const uint8_t v_valid[] = {1, 0};
    const char *s[] = {"a", NULL};
    const char *cn[] = {"x", "s"};
    mloda_column *cols[] = {col_f64_valid(v, v_valid, 2), col_str(s, 2)};
    mloda_api_data *api = mloda_api_data_new();
    api_add(api, "T", 2, cn, cols);

    TEST_CASE("unknown method token");
    check_fails(reg, api, "x__avg_imputed", NULL, MLODA_ERR_RESOLVE, NULL, "'avg'",
                "allowed: mean, median, mode, constant, ffill, bfill");
    TEST_CASE("token is case-sensitive");
    check_fails(reg, api, "x__MEAN_imputed", NULL, MLODA_ERR_RESOLVE, NULL, "x__MEAN_imputed",
                "'MEAN'");

    TEST_CASE("bad option value");
    mloda_options *o = opts_str("imputation_method", "interpolate", "in_features", "x", NULL);
    check_fails(reg, api, "x_fixed", o, MLODA_ERR_RESOLVE, NULL, "interpolate", "x_fixed");
    mloda_options_free(o);

    TEST_CASE("name and option disagree");
    o = opts_str("imputation_method", "median", NULL);
    check_fails(reg, api, "x__mean_imputed", o, MLODA_ERR_OPTION, "x__mean_imputed", "'mean'",
                "'median'");
    mloda_options_free(o);

    TEST_CASE("constant without constant_value");
    check_fails(reg, api, "x__constant_imputed", NULL, MLODA_ERR_OPTION, "x__constant_imputed",
                "constant_value", "x__constant_imputed");

    TEST_CASE("constant_value of the wrong type");
    o = opts_str("constant_value", "n/a", NULL);
    check_fails(reg, api, "x__constant_imputed", o, MLODA_ERR_TYPE, "x__constant_imputed",
                "a string", "float64 column 'x'");
    mloda_options_free(o);
    o = mloda_options_new();
    (void)mloda_options_set_int(o, MLODA_CONTEXT, "constant_value", 3, NULL);
    check_fails(reg, api, "s__constant_imputed", o, MLODA_ERR_TYPE, "s__constant_imputed",
                "an integer", "utf8 column 's'");
    mloda_options_free(o);

    TEST_CASE("mean of text");
    check_fails(reg, api, "s__mean_imputed", NULL, MLODA_ERR_TYPE, "s__mean_imputed", "mean",
                "utf8 column 's'");
    TEST_CASE("median of text");
    check_fails(reg, api, "s__median_imputed", NULL, MLODA_ERR_TYPE, "s__median_imputed",
                "median", "mode, ffill, bfill");

    TEST_CASE("group_by_features not names");
    o = mloda_options_new();
    (void)mloda_options_set_list(o, MLODA_CONTEXT, "group_by_features", NULL);
    (void)mloda_options_list_append_int(o, "group_by_features", 3, NULL);
    check_fails(reg, api, "x__mean_imputed", o, MLODA_ERR_OPTION, "x__mean_imputed",
                "group_by_features", "not a column name");
    mloda_options_free(o);

    TEST_CASE("group_by_features names a missing column");
    o = opts_str("group_by_features", "nope", NULL);
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    const char *name = "x__mean_imputed";
    CHECK(run_named(reg, api, &name, &o, 1, &res, &err) != MLODA_OK);
    CHECK_CONTAINS(err.message, "nope");
    mloda_options_free(o);

    TEST_CASE("group by a multi-column feature");
    o = opts_str("group_by_features", "s__onehot_encoded", NULL);
    check_fails(reg, api, "x__mean_imputed", o, MLODA_ERR_TYPE, "x__mean_imputed",
                "multi-column feature 's__onehot_encoded'", NULL);
    mloda_options_free(o);

    TEST_CASE("option form without in_features");
    o = opts_str("imputation_method", "mean", NULL);
    check_fails(reg, api, "lonely", o, MLODA_ERR_RESOLVE, NULL, "in_features", NULL);
    mloda_options_free(o);
    mloda_api_data_free(api);
}

/* Allocation failures anywhere in planning and computing surface as MLODA_ERR_NOMEM. */
static void test_oom(void)
{
    const double v[] = {NULL_SLOT, 1, NULL_SLOT, 3, 3, NULL_SLOT, 1, 8};
    const uint8_t v_valid[] = {0, 1, 0, 1, 1, 0, 1, 1};
    const char *g[] = {"a", "b", NULL, "a", "b", "b", "a", NULL};
    const char *cn[] = {"v", "g"};
    mloda_column *cols[] = {col_f64_valid(v, v_valid, 8), col_str(g, 8)};
    mloda_api_data *api = mloda_api_data_new();
    api_add(api, "T", 2, cn, cols);
    static const char *const methods[] = {"mean", "median", "mode", "ffill", "bfill", "constant"};
    const char *names[12];
    mloda_options *o[12];
    char buf[12][32];
    for (int m = 0; m < 6; m++) {
        for (int grouped = 0; grouped < 2; grouped++) {
            int i = 2 * m + grouped;
            snprintf(buf[i], sizeof buf[i], "%s_%d", methods[m], grouped);
            names[i] = buf[i];
            o[i] = grouped ? opts_str("imputation_method", methods[m], "in_features", "v",
                                      "group_by_features", "g", NULL)
                           : opts_str("imputation_method", methods[m], "in_features", "v", NULL);
            (void)mloda_options_set_float(o[i], MLODA_CONTEXT, "constant_value", 0.5, NULL);
        }
    }
    oom_walk(reg, api, names, o, 12);
    for (int i = 0; i < 12; i++)
        mloda_options_free(o[i]);
    mloda_api_data_free(api);
}

int main(void)
{
    reg = mloda_registry_default();
    RUN(test_spec_worked_example);
    RUN(test_case013);
    RUN(test_case014);
    RUN(test_case015);
    RUN(test_case016);
    RUN(test_case017);
    RUN(test_grouped_cases);
    RUN(test_group_keys);
    RUN(test_chains);
    RUN(test_case046_049);
    RUN(test_option_form_equals_string_form);
    RUN(test_case051_052);
    RUN(test_edges);
    RUN(test_types);
    RUN(test_errors);
    RUN(test_oom);
    mloda_registry_free(reg);
    return TEST_SUMMARY();
}
