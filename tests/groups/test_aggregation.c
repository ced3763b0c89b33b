/*
 * test_aggregation.c: every aggregation op against SPEC.md §6.1's worked example and the
 * values mloda computed (conformance cases 006–011), plus nulls, NaN, infinities, all-null,
 * one row, zero rows, large magnitudes, text and bools, multi-column row-wise reduction.
 */
#include <float.h>

#include "support.h"

static mloda_registry *reg;

/* Runs feature over table T and returns row 0 of the result (NaN when null). */
static double agg_value(mloda_api_data *api, const char *feature, mloda_type *out_type,
                        mloda_status *out_st)
{
    mloda_request *req = mloda_request_new();
    (void)mloda_request_add(req, feature, NULL, NULL);
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    *out_st = mloda_run_all(reg, req, api, &res, &err);
    double v = NAN;
    if (*out_st == MLODA_OK) {
        const mloda_column *c = result_column(res, feature);
        *out_type = mloda_column_type(c);
        v = num_at(c, 0);
        /* broadcast: every row holds the same value */
        for (int64_t i = 1; i < mloda_column_n_rows(c); i++)
            CHECK(test_close_(num_at(c, i), v));
    }
    mloda_results_free(res);
    mloda_request_free(req);
    return v;
}

static void test_spec_worked_example(void)
{
    /* v=[1.0, null, 4.0, 2.0], i=[1,2,3,4] (SPEC §6.1) */
    mloda_api_data *api = mloda_api_data_new();
    const double v[] = {1.0, NULL_SLOT, 4.0, 2.0};
    const uint8_t v_valid[] = {1, 0, 1, 1};
    const int64_t iv[] = {1, 2, 3, 4};
    const char *names[] = {"v", "i"};
    mloda_column *cols[] = {col_f64_valid(v, v_valid, 4), col_i64(iv, NULL, 4)};
    api_add(api, "T", 2, names, cols);
    static const struct {
        const char *op;
        double fv, iv;
        mloda_type ft, it;
    } cases[] = {
        {"sum", 7.0, 10, MLODA_TYPE_FLOAT64, MLODA_TYPE_INT64},
        {"min", 1.0, 1, MLODA_TYPE_FLOAT64, MLODA_TYPE_INT64},
        {"max", 4.0, 4, MLODA_TYPE_FLOAT64, MLODA_TYPE_INT64},
        {"mean", 2.3333333333333335, 2.5, MLODA_TYPE_FLOAT64, MLODA_TYPE_FLOAT64},
        {"avg", 2.3333333333333335, 2.5, MLODA_TYPE_FLOAT64, MLODA_TYPE_FLOAT64},
        {"count", 3, 4, MLODA_TYPE_INT64, MLODA_TYPE_INT64},
        {"std", 1.5275252316519468, 1.2909944487358056, MLODA_TYPE_FLOAT64, MLODA_TYPE_FLOAT64},
        {"var", 2.3333333333333335, 1.6666666666666667, MLODA_TYPE_FLOAT64, MLODA_TYPE_FLOAT64},
        {"median", 2.0, 2.5, MLODA_TYPE_FLOAT64, MLODA_TYPE_FLOAT64},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char name[64];
        mloda_type t = MLODA_TYPE_INVALID;
        mloda_status st;
        TEST_CASE("v__%s_aggr", cases[k].op);
        snprintf(name, sizeof name, "v__%s_aggr", cases[k].op);
        CHECK_CLOSE(agg_value(api, name, &t, &st), cases[k].fv);
        CHECK_EQ_INT(t, cases[k].ft);
        TEST_CASE("i__%s_aggr", cases[k].op);
        snprintf(name, sizeof name, "i__%s_aggr", cases[k].op);
        CHECK_CLOSE(agg_value(api, name, &t, &st), cases[k].iv);
        CHECK_EQ_INT(t, cases[k].it);
    }
    mloda_api_data_free(api);
}

/* Conformance 006: amount = [12.5, -3.0, 7.25, 7.25, 100.0, 0.5]. */
static void test_even_count_float(void)
{
    const double v[] = {12.5, -3.0, 7.25, 7.25, 100.0, 0.5};
    mloda_api_data *api = api_one_f64("T", "amount", v, 6);
    static const struct {
        const char *f;
        double want;
    } cases[] = {
        {"amount__sum_aggr", 124.5},       {"amount__median_aggr", 7.25},
        {"amount__std_aggr", 39.210330271498606}, {"amount__var_aggr", 1537.45},
        {"amount__mean_aggr", 20.75},      {"amount__min_aggr", -3.0},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s", cases[k].f);
        mloda_type t;
        mloda_status st;
        CHECK_CLOSE(agg_value(api, cases[k].f, &t, &st), cases[k].want);
    }
    mloda_api_data_free(api);
}

/* Edge cases: all-null, one row, zero rows, NaN (treated as missing), infinities. */
static void test_edges(void)
{
    static const struct {
        const char *label;
        double v[4];
        uint8_t valid[4]; /* 0 = null, for the first n rows */
        int64_t n;
        const char *op;
        double want; /* NaN = null */
    } cases[] = {
        {"all null sum", {NULL_SLOT, NULL_SLOT}, {0, 0}, 2, "sum", 0.0},
        {"all null count", {NULL_SLOT, NULL_SLOT}, {0, 0}, 2, "count", 0.0},
        {"all null mean", {NULL_SLOT, NULL_SLOT}, {0, 0}, 2, "mean", NAN},
        {"all null max", {NULL_SLOT, NULL_SLOT}, {0, 0}, 2, "max", NAN},
        {"all null median", {NULL_SLOT, NULL_SLOT}, {0, 0}, 2, "median", NAN},
        {"one row std", {42}, {1}, 1, "std", NAN},
        {"one row var", {42}, {1}, 1, "var", NAN},
        {"one row median", {42}, {1}, 1, "median", 42},
        {"NaN skipped sum", {1, NAN, 2}, {1, 1, 1}, 3, "sum", 3},
        {"NaN skipped count", {1, NAN, 2}, {1, 1, 1}, 3, "count", 2},
        {"NaN skipped min", {NAN, 5, 2}, {1, 1, 1}, 3, "min", 2},
        {"NaN skipped median", {NAN, 5, 2, 9}, {1, 1, 1, 1}, 4, "median", 5},
        {"inf max", {1, INFINITY, 2}, {1, 1, 1}, 3, "max", INFINITY},
        {"inf sum", {1, INFINITY, 2}, {1, 1, 1}, 3, "sum", INFINITY},
        {"-inf min", {1, -INFINITY, 2}, {1, 1, 1}, 3, "min", -INFINITY},
        {"inf - inf sum is NaN", {INFINITY, -INFINITY}, {1, 1}, 2, "sum", NAN},
        {"large magnitudes", {1e300, -1e300, 1}, {1, 1, 1}, 3, "mean", 1.0 / 3.0},
        {"negatives median", {-5, -1, -3}, {1, 1, 1}, 3, "median", -3},
        {"ties median", {2, 2, 2, 2}, {1, 1, 1, 1}, 4, "median", 2},
        {"huge values var", {1e150, -1e150}, {1, 1}, 2, "var", 2e300},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s", cases[k].label);
        mloda_api_data *api = api_one_f64_valid("T", "x", cases[k].v, cases[k].valid, cases[k].n);
        char name[64];
        snprintf(name, sizeof name, "x__%s_aggr", cases[k].op);
        mloda_type t;
        mloda_status st;
        double got = agg_value(api, name, &t, &st);
        CHECK_EQ_INT(st, MLODA_OK);
        if (isinf(cases[k].want))
            CHECK(got == cases[k].want || (isinf(got) && isinf(cases[k].want)));
        else
            CHECK_CLOSE(got, cases[k].want);
        mloda_api_data_free(api);
    }
    /* zero rows: zero-row outputs */
    mloda_api_data *api = api_one_f64("T", "x", NULL, 0);
    const char *feats[] = {"x", "x__sum_aggr", "x__median_aggr"};
    mloda_request *req = request_of(feats, 3);
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
    CHECK_EQ_INT(mloda_column_n_rows(result_column(res, "x__sum_aggr")), 0);
    CHECK_EQ_INT(mloda_column_n_rows(result_column(res, "x__median_aggr")), 0);
    mloda_results_free(res);
    mloda_request_free(req);
    mloda_api_data_free(api);
}

/*
 * Issue 16, finding 8: float64 sums, means and variances of huge values. The rule (README,
 * "Numbers at the edges"): nothing overflows on the way, so a result whose exact value is a
 * double comes out (pandas and numpy give inf for the mean of [1e308, 1e308]); one whose
 * exact value is beyond DBL_MAX is MLODA_ERR_RANGE naming the feature (it gave a null).
 * Expected values by hand: 1e308 + 1e308 - 1e308 = 1e308; the sample std of
 * [1, -1, 1] * 1e300 is sqrt(4/3) * 1e300.
 */
static void test_float_overflow(void)
{
    static const struct {
        const char *label;
        double v[4];
        uint8_t valid[4];
        int64_t n;
        const char *op;
        double want; /* when st is OK */
        mloda_status st;
    } cases[] = {
        {"sum overflows", {1e308, 1e308}, {1, 1}, 2, "sum", 0, MLODA_ERR_RANGE},
        {"sum -overflows", {-DBL_MAX, -1e300}, {1, 1}, 2, "sum", 0, MLODA_ERR_RANGE},
        {"sum back in range", {1e308, 1e308, NULL_SLOT, -1e308}, {1, 1, 0, 1}, 4, "sum", 1e308,
         MLODA_OK},
        {"mean of 1e308s", {1e308, 1e308}, {1, 1}, 2, "mean", 1e308, MLODA_OK},
        {"mean of DBL_MAXs", {DBL_MAX, DBL_MAX, DBL_MAX}, {1, 1, 1}, 3, "mean", DBL_MAX, MLODA_OK},
        {"mean back in range", {1e308, 1e308, NULL_SLOT, -1e308}, {1, 1, 0, 1}, 4, "avg",
         1e308 / 3.0, MLODA_OK},
        {"std of equal huge", {1e308, 1e308}, {1, 1}, 2, "std", 0.0, MLODA_OK},
        {"std of spread huge", {1e300, -1e300, 1e300}, {1, 1, 1}, 3, "std", 1.1547005383792515e300,
         MLODA_OK},
        {"var overflows", {1e300, -1e300, 1e300}, {1, 1, 1}, 3, "var", 0, MLODA_ERR_RANGE},
        {"var of equal huge", {DBL_MAX, DBL_MAX}, {1, 1}, 2, "var", 0.0, MLODA_OK},
        {"median of DBL_MAXs", {DBL_MAX, DBL_MAX}, {1, 1}, 2, "median", DBL_MAX, MLODA_OK},
        {"tiny std", {1e-300, 3e-300}, {1, 1}, 2, "std", 1.4142135623730951e-300, MLODA_OK},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s", cases[k].label);
        mloda_api_data *api = api_one_f64_valid("T", "x", cases[k].v, cases[k].valid, cases[k].n);
        char name[64];
        snprintf(name, sizeof name, "x__%s_aggr", cases[k].op);
        mloda_request *req = request_of((const char *const[]){name}, 1);
        mloda_results *res = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        mloda_status st = mloda_run_all(reg, req, api, &res, &err);
        CHECK_EQ_INT(st, cases[k].st);
        if (st == MLODA_OK) {
            CHECK_CLOSE(num_at(result_column(res, name), 0), cases[k].want);
        } else {
            CHECK_STR(err.subject, name);
            CHECK_CONTAINS(err.message, name);
            CHECK_CONTAINS(err.message, "overflows");
        }
        mloda_results_free(res);
        mloda_request_free(req);
        mloda_api_data_free(api);
    }

    /* row-wise over a two-column source: the same rule per row, the error names the row */
    const double x[2] = {1e308, 1.0}, y[2] = {1e308, 2.0};
    mloda_api_data *api = mloda_api_data_new();
    const char *names[2] = {"x", "y"};
    mloda_column *cols[2] = {col_f64(x, 2), col_f64(y, 2)};
    api_add(api, "T", 2, names, cols);
    const char *mean_f = "x,y__sklearn_pipeline_imputation__mean_aggr";
    const char *sum_f = "x,y__sklearn_pipeline_imputation__sum_aggr";
    mloda_request *req = request_of(&mean_f, 1);
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
    CHECK_CLOSE(num_at(result_column(res, mean_f), 0), 1e308);
    CHECK_CLOSE(num_at(result_column(res, mean_f), 1), 1.5);
    mloda_results_free(res);
    mloda_request_free(req);
    req = request_of(&sum_f, 1);
    res = NULL;
    CHECK_EQ_INT(mloda_run_all(reg, req, api, &res, &err), MLODA_ERR_RANGE);
    CHECK_CONTAINS(err.message, "sum of row 0 overflows");
    CHECK_CONTAINS(err.message, sum_f);
    CHECK_EQ_INT(err.position, 0);
    mloda_request_free(req);
    mloda_api_data_free(api);
}

/* Text: count, min, max lexicographic; numeric ops are type errors at prepare. Bools:
 * sum counts trues (SPEC §10.8). Integer overflow is a clear error. */
static void test_text_bool_overflow(void)
{
    mloda_api_data *api = mloda_api_data_new();
    const char *towns[] = {"Lima", "Bern", "Quito", "Accra", "Bern"};
    const bool open[] = {false, true, true, true, false};
    const int64_t big[] = {INT64_MAX, 1, 0, 0, 0};
    const char *names[] = {"town", "is_open", "big"};
    mloda_column *cols[3] = {col_str(towns, 5), NULL, col_i64(big, NULL, 5)};
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_column_from_bool(5, open, NULL, &cols[1], &err), err);
    api_add(api, "T", 3, names, cols);
    mloda_request *req = mloda_request_new();
    const char *feats[] = {"town__min_aggr", "town__max_aggr", "town__count_aggr",
                           "is_open__sum_aggr", "is_open__mean_aggr", "is_open__count_aggr"};
    for (int i = 0; i < 6; i++)
        (void)mloda_request_add(req, feats[i], NULL, NULL);
    mloda_results *res = NULL;
    CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
    int64_t len = 0;
    const char *s = mloda_column_utf8_at(result_column(res, "town__min_aggr"), 2, &len);
    CHECK(s != NULL && len == 5 && memcmp(s, "Accra", 5) == 0);
    s = mloda_column_utf8_at(result_column(res, "town__max_aggr"), 0, &len);
    CHECK(s != NULL && len == 5 && memcmp(s, "Quito", 5) == 0);
    CHECK_CLOSE(num_at(result_column(res, "town__count_aggr"), 0), 5);
    CHECK_EQ_INT(mloda_column_type(result_column(res, "is_open__sum_aggr")), MLODA_TYPE_INT64);
    CHECK_CLOSE(num_at(result_column(res, "is_open__sum_aggr"), 0), 3);
    CHECK_CLOSE(num_at(result_column(res, "is_open__mean_aggr"), 0), 0.6);
    mloda_results_free(res);
    mloda_request_free(req);

    static const char *const bad[] = {"town__std_aggr", "town__sum_aggr", "town__median_aggr"};
    for (int i = 0; i < 3; i++) {
        TEST_CASE("%s", bad[i]);
        mloda_error e = MLODA_ERROR_INIT;
        mloda_request *r = request_of(&bad[i], 1);
        CHECK(mloda_run_all(reg, r, api, &res, &e) == MLODA_ERR_TYPE);
        CHECK_STR(e.subject, bad[i]);
        CHECK_CONTAINS(e.message, "utf8");
        CHECK(res == NULL);
        mloda_request_free(r);
    }
    mloda_error e = MLODA_ERROR_INIT;
    const char *ovf[] = {"big__sum_aggr"};
    mloda_request *r = request_of(ovf, 1);
    CHECK(mloda_run_all(reg, r, api, &res, &e) == MLODA_ERR_RANGE);
    CHECK_STR(e.subject, "big__sum_aggr");
    CHECK_CONTAINS(e.message, "overflow");
    mloda_request_free(r);
    mloda_api_data_free(api);
}

/* Option form and its errors (SPEC §1.6, §10.4). */
static void test_option_form(void)
{
    const double v[] = {4.0, NULL_SLOT, 16.0, 10.0};
    const uint8_t v_valid[] = {1, 0, 1, 1};
    mloda_api_data *api = api_one_f64_valid("T", "amount", v, v_valid, 4);
    static const struct {
        const char *name, *type, *in;
        mloda_status st;
        double want;
        const char *msg;
    } cases[] = {
        {"biggest", "max", "amount", MLODA_OK, 16.0, NULL},
        {"spread", "std", "amount", MLODA_OK, 6.0, NULL},
        {"n_amount", "count", "amount", MLODA_OK, 3, NULL},
        {"bad", "foo", "amount", MLODA_ERR_RESOLVE, 0, "'foo'"},
        {"noinput", "sum", NULL, MLODA_ERR_RESOLVE, 0, "in_features"},
        {"amount__max_aggr", "sum", NULL, MLODA_ERR_OPTION, 0, "'max'"},
        {"amount__max_aggr", "max", NULL, MLODA_OK, 16.0, NULL},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s %s", cases[k].name, cases[k].type);
        mloda_options *o = mloda_options_new();
        (void)mloda_options_set_string(o, MLODA_CONTEXT, "aggregation_type", cases[k].type, NULL);
        if (cases[k].in != NULL)
            (void)mloda_options_set_string_list(o, MLODA_CONTEXT, "in_features", 1,
                                                &cases[k].in, NULL);
        mloda_request *req = mloda_request_new();
        (void)mloda_request_add(req, cases[k].name, o, NULL);
        mloda_results *res = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        mloda_status st = mloda_run_all(reg, req, api, &res, &err);
        CHECK_EQ_INT(st, cases[k].st);
        if (st == MLODA_OK)
            CHECK_CLOSE(num_at(result_column(res, cases[k].name), 0), cases[k].want);
        else
            CHECK_CONTAINS(err.message, cases[k].msg);
        mloda_results_free(res);
        mloda_request_free(req);
        mloda_options_free(o);
    }
    mloda_api_data_free(api);
}

/* Unknown ops name the token and the allowed values (SPEC §10.6). */
static void test_unknown_op(void)
{
    const double v[] = {1};
    mloda_api_data *api = api_one_f64("T", "x", v, 1);
    static const char *const names[] = {"x__foo_aggr", "x__SUM_aggr", "x__total_aggr"};
    for (int i = 0; i < 3; i++) {
        TEST_CASE("%s", names[i]);
        mloda_request *req = request_of(&names[i], 1);
        mloda_results *res = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_EQ_INT(mloda_run_all(reg, req, api, &res, &err), MLODA_ERR_RESOLVE);
        CHECK_CONTAINS(err.message, names[i]);
        CHECK_CONTAINS(err.message, "allowed: sum, min, max");
        mloda_request_free(req);
    }
    mloda_api_data_free(api);
}

/* A multi-column source stays row-wise even when a batch gives it a single column
 * (one category), and int64 sources reduce exactly (no trip through double). */
static mloda_status dup_match(void *ud, const mloda_feature *f, bool *out, void **parsed,
                          mloda_error *why)
{
    (void)parsed;
    (void)ud;
    (void)why;
    const char *sfx = mloda_feature_chain_suffix(f);
    *out = sfx != NULL && strcmp(sfx, "dup2") == 0;
    return MLODA_OK;
}

static mloda_status dup_inputs(void *ud, const mloda_feature *f, mloda_inputs *in,
                               mloda_error *err)
{
    (void)ud;
    return mloda_inputs_add_chain(in, f, 1, 1, err);
}

static mloda_status dup_bind(void *ud, mloda_bind *ctx, mloda_error *err)
{
    (void)ud;
    return mloda_bind_output_multi(ctx, MLODA_TYPE_INT64, 0, MLODA_TIME_SECOND, err);
}

static mloda_status dup_calc(void *ud, mloda_calc *calc, mloda_error *err)
{
    (void)ud;
    for (int k = 0; k < 2; k++) {
        mloda_column *c = mloda_column_retain(mloda_calc_input(calc, 0, 0, 0));
        mloda_status st = mloda_calc_add_output(calc, 0, k ? "1" : "0", c, err);
        if (st != MLODA_OK)
            return st;
    }
    return MLODA_OK;
}

static const mloda_feature_group dup_group = {
    .struct_size = sizeof(mloda_feature_group), .abi_version = MLODA_FEATURE_GROUP_ABI,
    .name = "Dup2", .match = dup_match, .inputs = dup_inputs, .bind = dup_bind,
    .calculate = dup_calc};

static void test_row_wise_sources(void)
{
    /* one-hot with a single category in the batch */
    const char *one[] = {"a", "a", "a"}, *feat[] = {"c__onehot_encoded__sum_aggr"};
    mloda_api_data *api = mloda_api_data_new();
    const char *nm[] = {"c"};
    mloda_column *cols[] = {col_str(one, 3)};
    api_add(api, "T", 1, nm, cols);
    mloda_request *req = request_of(feat, 1);
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
    CHECK_CLOSE(num_at(result_column(res, feat[0]), 0), 1.0); /* per row, not 3 */
    mloda_results_free(res);
    mloda_request_free(req);
    mloda_api_data_free(api);
    /* exact int64 row-wise sums and maxima, and overflow as an error */
    mloda_registry *r = mloda_registry_default();
    (void)mloda_registry_add(r, &dup_group, NULL);
    const int64_t big[] = {9007199254740993, 5};
    mloda_api_data *api2 = mloda_api_data_new();
    const char *nx[] = {"x"};
    mloda_column *cx[] = {col_i64(big, NULL, 2)};
    api_add(api2, "T", 1, nx, cx);
    const char *feats[] = {"x__dup2__sum_aggr", "x__dup2__max_aggr"};
    req = request_of(feats, 2);
    CHECK_OK(mloda_run_all(r, req, api2, &res, &err), err);
    const mloda_column *sum = result_column(res, "x__dup2__sum_aggr");
    const mloda_column *mx = result_column(res, "x__dup2__max_aggr");
    CHECK(sum != NULL && mloda_column_int64(sum)[0] == 18014398509481986);
    CHECK(mx != NULL && mloda_column_int64(mx)[0] == 9007199254740993);
    CHECK(sum != NULL && mloda_column_int64(sum)[1] == 10);
    mloda_results_free(res);
    mloda_request_free(req);
    const int64_t huge[] = {INT64_MAX};
    mloda_api_data *api3 = mloda_api_data_new();
    mloda_column *ch[] = {col_i64(huge, NULL, 1)};
    api_add(api3, "T", 1, nx, ch);
    req = request_of(feats, 1);
    mloda_error_reset(&err);
    CHECK_EQ_INT(mloda_run_all(r, req, api3, &res, &err), MLODA_ERR_RANGE);
    mloda_request_free(req);
    mloda_api_data_free(api2);
    mloda_api_data_free(api3);
    mloda_registry_free(r);
}

int main(void)
{
    reg = mloda_registry_default();
    RUN(test_spec_worked_example);
    RUN(test_even_count_float);
    RUN(test_edges);
    RUN(test_float_overflow);
    RUN(test_text_bool_overflow);
    RUN(test_option_form);
    RUN(test_unknown_op);
    RUN(test_row_wise_sources);
    mloda_registry_free(reg);
    return TEST_SUMMARY();
}
