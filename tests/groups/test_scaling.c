/*
 * test_scaling.c: the scaling family against SPEC.md §6.4's worked example and the values
 * mloda computed (conformance cases 024, 034, 035, 046, 049, 051, 054), plus null in /
 * null out, NaN, all-null, one row, zero rows, constant columns, negative, tiny and large
 * values, int and bool inputs, quantile interpolation, string form = option form, errors.
 */
#include <float.h>

#include "rowwise_support.h"
#include "scaling_cases.h"

static mloda_registry *reg;

/* Runs the four scalers over column x and checks them against want[scaler][row]. */
/* Every scaler over x (x_valid: its validity mask, NULL = all valid) against want[k] (nulls
 * where want_valid[i] == 0, the same rows for every scaler; NULL = none). */
static void check_scalers(const char *label, const double *x, const uint8_t *x_valid, int64_t n,
                          const double want[4][10], const uint8_t *want_valid)
{
    static const char *const kinds[] = {"standard", "minmax", "robust", "normalizer"};
    mloda_api_data *api = api_one_f64_valid("T", "x", x, x_valid, n);
    for (int k = 0; k < 4; k++) {
        TEST_CASE("%s: %s", label, kinds[k]);
        char name[64];
        snprintf(name, sizeof name, "x__%s_scaled", kinds[k]);
        const char *np = name;
        mloda_results *res = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(run_named(reg, api, &np, NULL, 1, &res, &err), err);
        check_f64_col_valid(res, name, want[k], want_valid, n);
        CHECK_EQ_INT(col_type(res, name), MLODA_TYPE_FLOAT64);
        mloda_results_free(res);
    }
    mloda_api_data_free(api);
}

/* SPEC §6.4 worked example w=[1,2,3,10] and ints [1,2,3]. */
static void test_spec_worked_example(void)
{
    const double w[] = {1, 2, 3, 10};
    const double want[4][10] = {
        {-0.848528137423857, -0.565685424949238, -0.282842712474619, 1.697056274847714},
        {0, 0.1111111111111111, 0.2222222222222222, 1},
        {-0.5, -0.16666666666666666, 0.16666666666666666, 2.5},
        {1, 1, 1, 1},
    };
    check_scalers("w", w, NULL, 4, want, NULL);

    const int64_t iv[] = {1, 2, 3};
    const char *cn[] = {"i"};
    mloda_column *cols[] = {col_i64(iv, NULL, 3)};
    mloda_api_data *api = mloda_api_data_new();
    api_add(api, "T", 1, cn, cols);
    const char *name = "i__standard_scaled";
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    TEST_CASE("ints");
    CHECK_OK(run_named(reg, api, &name, NULL, 1, &res, &err), err);
    const double wi[] = {-1.224744871391589, 0, 1.224744871391589};
    check_f64_col(res, name, wi, 3);
    mloda_results_free(res);
    mloda_api_data_free(api);
}

/* Conformance 034: four scalers with negatives. */
static void test_case034(void)
{
    const double w[] = {-12.0, 3.5, 0.0, 7.25, 40.0, -1.5};
    const double want[4][10] = {
        {-1.1221333744905966, -0.16690771016450523, -0.38260382791555814, 0.06419527314019434,
         2.0824946606679036, -0.47504502123743797},
        {0.0, 0.29807692307692313, 0.23076923076923078, 0.3701923076923077, 1.0,
         0.20192307692307693},
        {-1.8487394957983194, 0.23529411764705882, -0.23529411764705882, 0.7394957983193278,
         5.142857142857143, -0.4369747899159664},
        {-1.0, 1.0, 0.0, 1.0, 1.0, -1.0},
    };
    check_scalers("034", w, NULL, 6, want, NULL);
}

/* Conformance 035: int column and a constant column (zero spread counts as 1). */
static void test_case035(void)
{
    const int64_t ca[] = {2, 9, 4, 4, 11};
    const double flat[] = {2.5, 2.5, 2.5, 2.5, 2.5};
    const char *cn[] = {"count_a", "flat"};
    mloda_column *cols[] = {col_i64(ca, NULL, 5), col_f64(flat, 5)};
    mloda_api_data *api = mloda_api_data_new();
    api_add(api, "T", 2, cn, cols);
    const char *names[] = {"count_a__standard_scaled", "count_a__robust_scaled",
                           "flat__standard_scaled", "flat__minmax_scaled", "flat__robust_scaled",
                           "flat__normalizer_scaled"};
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(run_named(reg, api, names, NULL, 6, &res, &err), err);
    const double robust[] = {-0.4, 1.0, 0.0, 0.0, 1.4};
    const double standard[] = {-1.174440439029407, 0.8808303292720553, -0.5872202195147035,
                               -0.5872202195147035, 1.4680505487867588};
    const double zero[] = {0, 0, 0, 0, 0};
    const double one[] = {1, 1, 1, 1, 1};
    check_f64_col(res, names[0], standard, 5);
    check_f64_col(res, names[1], robust, 5);
    check_f64_col(res, names[2], zero, 5);
    check_f64_col(res, names[3], zero, 5);
    check_f64_col(res, names[4], zero, 5);
    check_f64_col(res, names[5], one, 5);
    mloda_results_free(res);
    mloda_api_data_free(api);
}

/* Conformance 024 (chains into aggregation), 046 (string = option form), 049 (minmax). */
static void test_cases024_046_049(void)
{
    const double load[] = {3.0, 7.0, 1.0, 12.0, 5.0};
    mloda_api_data *api = api_one_f64("T", "load", load, 5);
    const char *n24[] = {"load__robust_scaled__max_aggr", "load__standard_scaled__std_aggr"};
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    TEST_CASE("024");
    CHECK_OK(run_named(reg, api, n24, NULL, 2, &res, &err), err);
    const double mx[] = {1.75, 1.75, 1.75, 1.75, 1.75};
    const double sd[] = {1.118033988749895, 1.118033988749895, 1.118033988749895,
                         1.118033988749895, 1.118033988749895};
    check_f64_col(res, n24[0], mx, 5);
    check_f64_col(res, n24[1], sd, 5);
    mloda_results_free(res);
    mloda_api_data_free(api);

    const double dose[] = {0.5, 1.5, 4.0, 2.0};
    const double weight[] = {10.0, 30.0, 20.0, 15.0};
    const char *cn[] = {"dose", "weight"};
    mloda_column *cols[] = {col_f64(dose, 4), col_f64(weight, 4)};
    api = mloda_api_data_new();
    api_add(api, "T", 2, cn, cols);
    const char *names[] = {"dose__robust_scaled", "dose_rb", "weight__minmax_scaled"};
    mloda_options *o[] = {NULL, opts_str("scaler_type", "robust", "in_features", "dose", NULL),
                          NULL};
    TEST_CASE("046, 049");
    CHECK_OK(run_named(reg, api, names, o, 3, &res, &err), err);
    const double rb[] = {-1.0, -0.2, 1.8, 0.2};
    const double mm[] = {0.0, 1.0, 0.5, 0.25};
    check_f64_col(res, names[0], rb, 4);
    check_f64_col(res, names[1], rb, 4);
    check_f64_col(res, names[2], mm, 4);
    mloda_results_free(res);
    mloda_options_free(o[1]);
    mloda_api_data_free(api);
}

/* Conformance 051 (700 rows, robust) and 054 (a session refitting each batch). */
static void test_cases051_054(void)
{
    mloda_api_data *api = api_one_f64("T", "weight", c051_weight, C051_WEIGHT_N);
    const char *name = "weight__robust_scaled";
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    TEST_CASE("051");
    CHECK_OK(run_named(reg, api, &name, NULL, 1, &res, &err), err);
    check_f64_col(res, name, c051_robust, C051_ROBUST_N);
    mloda_results_free(res);
    mloda_api_data_free(api);

    const double example[] = {1.0, 2.0};
    api = api_one_f64("T", "weight", example, 2);
    const char *f[] = {"weight__standard_scaled"};
    mloda_request *req = request_of(f, 1);
    mloda_session *s = NULL;
    CHECK_OK(mloda_prepare(reg, req, api, &s, &err), err);
    mloda_api_data_free(api);
    static const struct {
        double in[5], want[5];
        int64_t n;
    } batches[] = {
        {{4.0, 8.0, 6.0}, {-1.224744871391589, 1.224744871391589, 0.0}, 3},
        {{100.0, -100.0}, {1.0, -1.0}, 2},
        {{0.0, 1.0, 2.0, 3.0, 4.0},
         {-1.414213562373095, -0.7071067811865475, 0.0, 0.7071067811865475, 1.414213562373095},
         5},
    };
    for (int b = 0; s != NULL && b < 3; b++) {
        TEST_CASE("054 batch %d", b);
        api = api_one_f64("T", "weight", batches[b].in, batches[b].n);
        CHECK_OK(mloda_session_run(s, api, &res, &err), err);
        check_f64_col(res, f[0], batches[b].want, batches[b].n);
        mloda_results_free(res);
        mloda_api_data_free(api);
    }
    mloda_session_free(s);
    mloda_request_free(req);
}

/* Null in, null out (SPEC §10.10); NaN is missing; all-null; one row; quantiles. */
static void test_nulls_and_edges(void)
{
    {
        const double x[] = {1, NULL_SLOT, 3};
        const uint8_t valid[] = {1, 0, 1};
        const double want[4][10] = {{-1, NULL_SLOT, 1}, {0, NULL_SLOT, 1}, {-1, NULL_SLOT, 1},
                                    {1, NULL_SLOT, 1}};
        check_scalers("null in the middle", x, valid, 3, want, valid);
    }
    {
        const double x[] = {NAN, 2, 4};
        const double want[4][10] = {{NULL_SLOT, -1, 1}, {NULL_SLOT, 0, 1}, {NULL_SLOT, -1, 1},
                                    {NULL_SLOT, 1, 1}};
        const uint8_t want_valid[] = {0, 1, 1};
        check_scalers("NaN is missing", x, NULL, 3, want, want_valid);
    }
    {
        const double x[] = {NULL_SLOT, NULL_SLOT};
        const uint8_t valid[] = {0, 0};
        const double want[4][10] = {{NULL_SLOT, NULL_SLOT}, {NULL_SLOT, NULL_SLOT},
                                    {NULL_SLOT, NULL_SLOT}, {NULL_SLOT, NULL_SLOT}};
        check_scalers("all null", x, valid, 2, want, valid);
    }
    {
        const double x[] = {-5};
        const double want[4][10] = {{0}, {0}, {0}, {-1}};
        check_scalers("one row", x, NULL, 1, want, NULL);
    }
    {
        /* n=10: Q1 at position 2.25 -> 3.25, Q3 at 6.75 -> 7.75, median 5.5, IQR 4.5 */
        const double x[] = {7, 1, 10, 4, 3, 9, 2, 6, 8, 5};
        const double want[4][10] = {
            {0.52223296786709339, -1.5666989036012806, 1.5666989036012806, -0.52223296786709339,
             -0.87038827977848898, 1.2185435916898846, -1.2185435916898846, 0.17407765595569785,
             0.87038827977848898, -0.17407765595569785},
            {6.0 / 9, 0, 1, 3.0 / 9, 2.0 / 9, 8.0 / 9, 1.0 / 9, 5.0 / 9, 7.0 / 9, 4.0 / 9},
            {1.5 / 4.5, -1, 1, -1.5 / 4.5, -2.5 / 4.5, 3.5 / 4.5, -3.5 / 4.5, 0.5 / 4.5,
             2.5 / 4.5, -0.5 / 4.5},
            {1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
        };
        check_scalers("quantile interpolation", x, NULL, 10, want, NULL);
    }
    {
        /* normalizer: sign; a norm below 10 eps divides by 1 (sklearn); huge values do
         * not overflow */
        const double x[] = {-3, 0, 2, 1e-20, 1e200, -1e300};
        mloda_api_data *api = api_one_f64("T", "x", x, 6);
        const char *name = "x__normalizer_scaled";
        mloda_results *res = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        TEST_CASE("normalizer signs");
        CHECK_OK(run_named(reg, api, &name, NULL, 1, &res, &err), err);
        const double want[] = {-1, 0, 1, 1e-20, 1, -1};
        check_f64_col(res, name, want, 6);
        mloda_results_free(res);
        mloda_api_data_free(api);
    }
    {
        const double x[] = {1e150, -1e150, 0};
        const double want[4][10] = {{1.224744871391589, -1.224744871391589, 0},
                                    {1, 0, 0.5},
                                    {1, -1, 0},
                                    {1, -1, 0}};
        check_scalers("large magnitudes", x, NULL, 3, want, NULL);
    }
    {
        /* issue 16: sums and squares of these overflowed (nulls came out); the results
         * are those of [1, -1, 0] and [2, 1, 0] */
        const double x[] = {1e300, -1e300, 0};
        const double want[4][10] = {{1.224744871391589, -1.224744871391589, 0},
                                    {1, 0, 0.5},
                                    {1, -1, 0},
                                    {1, -1, 0}};
        check_scalers("huge magnitudes", x, NULL, 3, want, NULL);
        const double y[] = {DBL_MAX, DBL_MAX / 2, 0};
        const double want_y[4][10] = {{1.224744871391589, 0, -1.224744871391589},
                                      {1, 0.5, 0},
                                      {1, 0, -1},
                                      {1, 1, 0}};
        check_scalers("DBL_MAX", y, NULL, 3, want_y, NULL);
        /* with a null: the values come as a copy, scaled in place */
        const double z[] = {1e300, NULL_SLOT, -1e300, 0};
        const uint8_t z_valid[] = {1, 0, 1, 1};
        const double want_z[4][10] = {{1.224744871391589, NULL_SLOT, -1.224744871391589, 0},
                                      {1, NULL_SLOT, 0, 0.5},
                                      {1, NULL_SLOT, -1, 0},
                                      {1, NULL_SLOT, -1, 0}};
        check_scalers("huge magnitudes and a null", z, z_valid, 4, want_z, z_valid);
    }

    /* zero rows */
    mloda_api_data *api = api_one_f64("T", "x", NULL, 0);
    const char *names[] = {"x__standard_scaled", "x__minmax_scaled", "x__robust_scaled",
                           "x__normalizer_scaled"};
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    TEST_CASE("zero rows");
    CHECK_OK(run_named(reg, api, names, NULL, 4, &res, &err), err);
    for (int k = 0; k < 4; k++)
        CHECK_EQ_INT(mloda_column_n_rows(result_column(res, names[k])), 0);
    mloda_results_free(res);
    mloda_api_data_free(api);
}

/* int64 with nulls and bool inputs. */
static void test_int_and_bool(void)
{
    const int64_t iv[] = {10, 0, 20, 40};
    const uint8_t valid[] = {1, 0, 1, 1};
    const bool bv[] = {true, false, true, true};
    const char *cn[] = {"i", "b"};
    mloda_column *cols[2] = {col_i64(iv, valid, 4), NULL};
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_column_from_bool(4, bv, NULL, &cols[1], &err), err);
    mloda_api_data *api = mloda_api_data_new();
    api_add(api, "T", 2, cn, cols);
    const char *names[] = {"i__minmax_scaled", "i__robust_scaled", "b__minmax_scaled",
                           "b__standard_scaled"};
    mloda_results *res = NULL;
    CHECK_OK(run_named(reg, api, names, NULL, 4, &res, &err), err);
    const double mm[] = {0, NULL_SLOT, 1.0 / 3, 1};
    /* present values 10, 20, 40: median 20, Q1 15, Q3 30 */
    const double rb[] = {-10.0 / 15, NULL_SLOT, 0, 20.0 / 15};
    const double bmm[] = {1, 0, 1, 1};
    const double bsd[] = {0.57735026918962584, -1.7320508075688772, 0.57735026918962584,
                          0.57735026918962584};
    check_f64_col_valid(res, names[0], mm, valid, 4); /* null where i is */
    check_f64_col_valid(res, names[1], rb, valid, 4);
    check_f64_col(res, names[2], bmm, 4);
    check_f64_col(res, names[3], bsd, 4);
    mloda_results_free(res);
    mloda_api_data_free(api);
}

/* The option form gives the string form's values for every scaler. */
static void test_option_form_equals_string_form(void)
{
    const double x[] = {4, NULL_SLOT, -2.5, 8, 1e3, 0};
    const uint8_t x_valid[] = {1, 0, 1, 1, 1, 1};
    mloda_api_data *api = api_one_f64_valid("T", "x", x, x_valid, 6);
    static const char *const kinds[] = {"standard", "minmax", "robust", "normalizer"};
    for (int k = 0; k < 4; k++) {
        TEST_CASE("%s", kinds[k]);
        char sname[64];
        snprintf(sname, sizeof sname, "x__%s_scaled", kinds[k]);
        const char *names[] = {sname, "via_options"};
        mloda_options *o[2] = {NULL, opts_str("scaler_type", kinds[k], "in_features", "x", NULL)};
        mloda_results *res = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(run_named(reg, api, names, o, 2, &res, &err), err);
        const mloda_column *a = result_column(res, sname), *b = result_column(res, "via_options");
        CHECK(a != NULL && b != NULL);
        for (int64_t i = 0; a != NULL && b != NULL && i < 6; i++) {
            CHECK_EQ_INT(mloda_column_is_valid(a, i), mloda_column_is_valid(b, i));
            CHECK_CLOSE(num_at(a, i), num_at(b, i));
        }
        mloda_results_free(res);
        mloda_options_free(o[1]);
    }
    mloda_api_data_free(api);
}

/* Errors: unknown scaler (name and option, conformance 061), name/option conflict, text
 * and timestamp inputs. */
static void test_errors(void)
{
    const double v[] = {1, 2};
    const char *s[] = {"a", "b"};
    const int64_t ts[] = {1, 2};
    const char *cn[] = {"weight", "s", "t"};
    mloda_column *cols[3] = {col_f64(v, 2), col_str(s, 2), NULL};
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_column_from_timestamp(MLODA_TIME_SECOND, 2, ts, NULL, &cols[2], &err), err);
    mloda_api_data *api = mloda_api_data_new();
    api_add(api, "T", 3, cn, cols);

    TEST_CASE("unknown scaler token");
    check_fails(reg, api, "weight__zscore_scaled", NULL, MLODA_ERR_RESOLVE, NULL, "'zscore'",
                "allowed: standard, minmax, robust, normalizer");
    TEST_CASE("061 bad scaler option");
    mloda_options *o = opts_str("scaler_type", "zscore", "in_features", "weight", NULL);
    check_fails(reg, api, "weight_z", o, MLODA_ERR_RESOLVE, NULL, "weight_z", "zscore");
    mloda_options_free(o);
    TEST_CASE("name and option disagree");
    o = opts_str("scaler_type", "minmax", NULL);
    check_fails(reg, api, "weight__robust_scaled", o, MLODA_ERR_OPTION, "weight__robust_scaled",
                "'robust'", "'minmax'");
    mloda_options_free(o);
    TEST_CASE("text input");
    check_fails(reg, api, "s__standard_scaled", NULL, MLODA_ERR_TYPE, "s__standard_scaled",
                "utf8 column 's'", "standard");
    TEST_CASE("timestamp input");
    check_fails(reg, api, "t__minmax_scaled", NULL, MLODA_ERR_TYPE, "t__minmax_scaled",
                "timestamp column 't'", NULL);
    mloda_api_data_free(api);
}

static void test_oom(void)
{
    const double x[] = {4, NULL_SLOT, -2.5, 8, 1e3, 0, 7, 7};
    const uint8_t x_valid[] = {1, 0, 1, 1, 1, 1, 1, 1};
    mloda_api_data *api = api_one_f64_valid("T", "x", x, x_valid, 8);
    const char *names[] = {"x__standard_scaled", "x__minmax_scaled", "x__robust_scaled",
                           "x__normalizer_scaled", "x__robust_scaled__max_aggr"};
    oom_walk(reg, api, names, NULL, 5);
    mloda_api_data_free(api);
}

int main(void)
{
    reg = mloda_registry_default();
    RUN(test_spec_worked_example);
    RUN(test_case034);
    RUN(test_case035);
    RUN(test_cases024_046_049);
    RUN(test_cases051_054);
    RUN(test_nulls_and_edges);
    RUN(test_int_and_bool);
    RUN(test_option_form_equals_string_form);
    RUN(test_errors);
    RUN(test_oom);
    mloda_registry_free(reg);
    return TEST_SUMMARY();
}
