/*
 * test_sklearn_pipeline.c: `{in}__sklearn_pipeline_{name}` (SPEC.md §6.9): SPEC's observed
 * scaling values, its preprocessing example with the C fix ([1,null,3] -> [-1,0,1]),
 * fitting on complete rows across several inputs (hand-computed), F~k outputs, option
 * form, nulls, constants, one and zero rows, chains and errors. No conformance case covers
 * this family.
 */
#include <float.h>

#include "support.h"

static mloda_registry *reg;

/* Runs feature on api; copies column `col` (default: feature) into out (NaN = null). */
static mloda_status run_col(mloda_api_data *api, const char *feature, const mloda_options *o,
                            const char *col, double *out, int64_t n, mloda_error *err)
{
    mloda_request *req = mloda_request_new();
    (void)mloda_request_add(req, feature, o, NULL);
    mloda_results *res = NULL;
    mloda_status st = mloda_run_all(reg, req, api, &res, err);
    if (st == MLODA_OK) {
        const mloda_column *c = result_column(res, col != NULL ? col : feature);
        CHECK_MSG(c != NULL, "no column %s", col != NULL ? col : feature);
        CHECK(c == NULL || mloda_column_n_rows(c) == n);
        CHECK(c == NULL || mloda_column_type(c) == MLODA_TYPE_FLOAT64);
        for (int64_t r = 0; c != NULL && r < n; r++)
            out[r] = num_at(c, r);
    }
    mloda_results_free(res);
    mloda_request_free(req);
    return st;
}

static void check_vals(const double *got, const double *want, int64_t n)
{
    for (int64_t r = 0; r < n; r++) {
        if (isnan(want[r]))
            CHECK_MSG(isnan(got[r]), "row %lld: %.17g, want null", (long long)r, got[r]);
        else
            CHECK_CLOSE(got[r], want[r]);
    }
}

/* One input column: SPEC's observed values plus hand-checked edge cases. */
static void test_single_column(void)
{
    static const struct {
        const char *label, *pipe;
        double x[6];
        uint8_t x_valid[6]; /* 0 = null */
        int64_t n;
        double want[6];
    } cases[] = {
        /* SPEC §6.9, observed in mloda */
        {"spec scaling", "scaling", {1, 1.1, 0.9, 5, 5.2, 4.9}, {1, 1, 1, 1, 1, 1}, 6,
         {-0.9986367657761315, -0.9491175873078935, -1.0481559442443695, 0.9821303729533851,
          1.0811687298898611, 0.9326111944851474}},
        /* SPEC §6.9: mloda gives [-1,-1,1]; C imputes the mean before scaling */
        {"spec preprocessing", "preprocessing", {1, NULL_SLOT, 3}, {1, 0, 1}, 3, {-1, 0, 1}},
        {"scaling null stays null", "scaling", {1, NULL_SLOT, 3}, {1, 0, 1}, 3, {-1, NAN, 1}},
        {"imputation", "imputation", {1, NULL_SLOT, 3}, {1, 0, 1}, 3, {1, 2, 3}},
        {"NaN is missing", "imputation", {NAN, 4, 8}, {1, 1, 1}, 3, {6, 4, 8}},
        {"constant: scale 1", "scaling", {5, 5, 5}, {1, 1, 1}, 3, {0, 0, 0}},
        {"constant 0.1: rounding is no variance", "scaling", {0.1, 0.1, 0.1}, {1, 1, 1}, 3,
         {0, 0, 0}},
        {"negatives", "scaling", {-3, -1}, {1, 1}, 2, {-1, 1}},
        {"large magnitudes", "preprocessing", {1e150, NULL_SLOT, 3e150}, {1, 0, 1}, 3, {-1, 0, 1}},
        {"one row", "scaling", {42}, {1}, 1, {0}},
        {"all null scaling", "scaling", {NULL_SLOT, NULL_SLOT}, {0, 0}, 2, {NAN, NAN}},
        {"all null imputation", "imputation", {NULL_SLOT, NULL_SLOT}, {0, 0}, 2, {NAN, NAN}},
        {"all null preprocessing", "preprocessing", {NULL_SLOT, NULL_SLOT}, {0, 0}, 2, {NAN, NAN}},
        /* feature_engineering: mloda's _create_default_pipeline_config has no branch for it
         * and falls back to StandardScaler (source-read), so SPEC's scaling values */
        {"feature_engineering is scaling", "feature_engineering", {1, 1.1, 0.9, 5, 5.2, 4.9},
         {1, 1, 1, 1, 1, 1}, 6,
         {-0.9986367657761315, -0.9491175873078935, -1.0481559442443695, 0.9821303729533851,
          1.0811687298898611, 0.9326111944851474}},
        {"feature_engineering null stays null", "feature_engineering", {1, NULL_SLOT, 3},
         {1, 0, 1}, 3, {-1, NAN, 1}},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s", cases[k].label);
        mloda_api_data *api =
            api_one_f64_valid("T", "x", cases[k].x, cases[k].x_valid, cases[k].n);
        char name[64];
        snprintf(name, sizeof name, "x__sklearn_pipeline_%s", cases[k].pipe);
        double got[6];
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(run_col(api, name, NULL, NULL, got, cases[k].n, &err), err);
        check_vals(got, cases[k].want, cases[k].n);
        mloda_api_data_free(api);
    }
    /* zero rows */
    mloda_api_data *api = api_one_f64("T", "x", NULL, 0);
    double got[1];
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(run_col(api, "x__sklearn_pipeline_scaling", NULL, NULL, got, 0, &err), err);
    mloda_api_data_free(api);
    /* ints and bools are numbers: SPEC §6.4's int example */
    const int64_t iv[3] = {1, 2, 3};
    api = mloda_api_data_new();
    const char *names[1] = {"i"};
    mloda_column *cols[1] = {col_i64(iv, NULL, 3)};
    api_add(api, "T", 1, names, cols);
    double g3[3];
    const double want[3] = {-1.224744871391589, 0, 1.224744871391589};
    CHECK_OK(run_col(api, "i__sklearn_pipeline_preprocessing", NULL, NULL, g3, 3, &err), err);
    check_vals(g3, want, 3);
    mloda_api_data_free(api);
}

/* Several inputs: fitted on the rows complete in every input (mloda's dropna), one output
 * column per input, F~0.. in input order. a=[1,null,3,5], b=[null,2,4,6]: complete rows
 * 2 and 3, so a: mean 4, std 1; b: mean 5, std 1. */
static void test_several_inputs(void)
{
    mloda_api_data *api = mloda_api_data_new();
    const double a[4] = {1, NULL_SLOT, 3, 5}, b[4] = {NULL_SLOT, 2, 4, 6};
    const uint8_t a_valid[4] = {1, 0, 1, 1}, b_valid[4] = {0, 1, 1, 1};
    const char *names[2] = {"a", "b"};
    mloda_column *cols[2] = {col_f64_valid(a, a_valid, 4), col_f64_valid(b, b_valid, 4)};
    api_add(api, "T", 2, names, cols);
    static const struct {
        const char *pipe;
        double a[4], b[4];
    } cases[] = {
        {"scaling", {-3, NAN, -1, 1}, {NAN, -3, -1, 1}},
        {"imputation", {1, 4, 3, 5}, {5, 2, 4, 6}},
        {"preprocessing", {-3, 0, -1, 1}, {0, -3, -1, 1}},
    };
    static const char *const seps[2] = {",", "&"};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        for (int s = 0; s < 2; s++) {
            TEST_CASE("%s sep %s", cases[k].pipe, seps[s]);
            char name[64], c0[80], c1[80];
            snprintf(name, sizeof name, "a%sb__sklearn_pipeline_%s", seps[s], cases[k].pipe);
            snprintf(c0, sizeof c0, "%s~0", name);
            snprintf(c1, sizeof c1, "%s~1", name);
            double got[4];
            mloda_error err = MLODA_ERROR_INIT;
            CHECK_OK(run_col(api, name, NULL, c0, got, 4, &err), err);
            check_vals(got, cases[k].a, 4);
            CHECK_OK(run_col(api, name, NULL, c1, got, 4, &err), err);
            check_vals(got, cases[k].b, 4);
            /* one column selected on its own (F~k, SPEC §10.16) */
            CHECK_OK(run_col(api, c1, NULL, NULL, got, 4, &err), err);
            check_vals(got, cases[k].b, 4);
        }
    }
    /* option form, in_features as a list, equals the string form */
    mloda_options *o = mloda_options_new();
    const char *in[2] = {"a", "b"};
    (void)mloda_options_set_string(o, MLODA_CONTEXT, "pipeline_name", "preprocessing", NULL);
    (void)mloda_options_set_string_list(o, MLODA_CONTEXT, "in_features", 2, in, NULL);
    double got[4];
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(run_col(api, "prep", o, "prep~1", got, 4, &err), err);
    check_vals(got, cases[2].b, 4);
    mloda_options_free(o);
    /* a chain consumes both columns row-wise: per-row sum of the two scaled columns. The
     * string form "a,b__sklearn_pipeline_preprocessing__sum_aggr" cannot be used: the
     * engine splits the whole chain source "a,b__..." at ',' into two inputs. */
    const double sums[4] = {-3, -3, -2, 2};
    o = mloda_options_new();
    (void)mloda_options_set_string(o, MLODA_CONTEXT, "aggregation_type", "sum", NULL);
    (void)mloda_options_set_string(o, MLODA_CONTEXT, "in_features",
                                   "a,b__sklearn_pipeline_preprocessing", NULL);
    CHECK_OK(run_col(api, "row_sum", o, NULL, got, 4, &err), err);
    check_vals(got, sums, 4);
    mloda_options_free(o);
    /* a single-column chain: the broadcast max of the scaled column */
    CHECK_OK(run_col(api, "a__sklearn_pipeline_preprocessing__max_aggr", NULL, NULL, got, 4, &err),
             err);
    for (int r = 0; r < 4; r++)
        CHECK_CLOSE(got[r], 1.224744871391589);
    mloda_api_data_free(api);
}

static void test_errors(void)
{
    mloda_api_data *api = mloda_api_data_new();
    const double x[2] = {1, 2};
    const char *s[2] = {"u", "v"};
    const char *names[2] = {"x", "s"};
    mloda_column *cols[2] = {col_f64(x, 2), col_str(s, 2)};
    api_add(api, "T", 2, names, cols);
    static const struct {
        const char *name, *key, *value;
        mloda_status st;
        const char *msg;
    } cases[] = {
        {"x__sklearn_pipeline_feature_engineerin", NULL, NULL, MLODA_ERR_RESOLVE,
         "unknown sklearn pipeline 'feature_engineerin'"},
        {"x__sklearn_pipeline_foo", NULL, NULL, MLODA_ERR_RESOLVE,
         "unknown sklearn pipeline 'foo'"},
        {"x__sklearn_pipeline_Scaling", NULL, NULL, MLODA_ERR_RESOLVE,
         "allowed: preprocessing, scaling, imputation"},
        {"x__sklearn_pipeline_scaling", "pipeline_name", "imputation", MLODA_ERR_OPTION,
         "names sklearn pipeline 'scaling' but option 'pipeline_name' says 'imputation'"},
        {"x__sklearn_pipeline_scaling", "pipeline_steps", "StandardScaler", MLODA_ERR_RESOLVE,
         "pipeline_steps"},
        {"x__sklearn_pipeline_scaling", "pipeline_params", "with_mean", MLODA_ERR_RESOLVE,
         "pipeline_params"},
        {"my_p", "pipeline_name", "scaling", MLODA_ERR_RESOLVE, "in_features"},
        {"my_p", "pipeline_name", "warp", MLODA_ERR_RESOLVE, "'warp'"},
        {"s__sklearn_pipeline_scaling", NULL, NULL, MLODA_ERR_TYPE, "input 's' is utf8"},
        {"x,s__sklearn_pipeline_imputation", NULL, NULL, MLODA_ERR_TYPE, "input 's' is utf8"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s %s", cases[k].name, cases[k].key ? cases[k].key : "");
        mloda_options *o = mloda_options_new();
        if (cases[k].key != NULL)
            (void)mloda_options_set_string(o, MLODA_CONTEXT, cases[k].key, cases[k].value, NULL);
        double got[2];
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_EQ_INT(run_col(api, cases[k].name, o, NULL, got, 2, &err), cases[k].st);
        CHECK_CONTAINS(err.message, cases[k].msg);
        CHECK_CONTAINS(err.message, cases[k].name);
        mloda_options_free(o);
    }
    mloda_api_data_free(api);
}

/* Issue 16: huge values overflowed the fit (sums, squares) and came out as nulls; the
 * results are those of the same numbers at an ordinary scale ([1, -1, 0] standardises to
 * +-sqrt(3/2), 0; the imputed mean of [1e308, 1e308, null] is 1e308). */
static void test_huge_values(void)
{
    static const struct {
        const char *feature;
        double x[3];
        uint8_t valid[3];
        double want[3];
    } cases[] = {
        {"x__sklearn_pipeline_scaling", {1e300, -1e300, 0}, {1, 1, 1},
         {1.224744871391589, -1.224744871391589, 0}},
        {"x__sklearn_pipeline_preprocessing", {1e300, -1e300, NULL_SLOT}, {1, 1, 0},
         {1, -1, 0}},
        {"x__sklearn_pipeline_imputation", {1e308, 1e308, NULL_SLOT}, {1, 1, 0},
         {1e308, 1e308, 1e308}},
        {"x__sklearn_pipeline_scaling", {DBL_MAX, DBL_MAX / 2, 0}, {1, 1, 1},
         {1.224744871391589, 0, -1.224744871391589}},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s on %g", cases[k].feature, cases[k].x[0]);
        mloda_api_data *api = api_one_f64_valid("T", "x", cases[k].x, cases[k].valid, 3);
        double got[3];
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(run_col(api, cases[k].feature, NULL, NULL, got, 3, &err), err);
        check_vals(got, cases[k].want, 3);
        mloda_api_data_free(api);
    }
}

static void test_alloc_failures(void)
{
    mloda_api_data *api = mloda_api_data_new();
    const double a[4] = {1, NULL_SLOT, 3, 5}, b[4] = {NULL_SLOT, 2, 4, 6};
    const uint8_t a_valid[4] = {1, 0, 1, 1}, b_valid[4] = {0, 1, 1, 1};
    const char *names[2] = {"a", "b"};
    mloda_column *cols[2] = {col_f64_valid(a, a_valid, 4), col_f64_valid(b, b_valid, 4)};
    api_add(api, "T", 2, names, cols);
    const char *feats[2] = {"a,b__sklearn_pipeline_preprocessing", "a__sklearn_pipeline_scaling"};
    mloda_request *req = request_of(feats, 2);
    (void)mloda_request_set_threads(req, 1, NULL);
    const long n = walk_run_all_allocations(reg, req, api);
    CHECK_MSG(n >= 20, "%ld allocations walked", n);
    mloda_request_free(req);
    mloda_api_data_free(api);
}

int main(void)
{
    reg = mloda_registry_default();
    RUN(test_single_column);
    RUN(test_several_inputs);
    RUN(test_errors);
    RUN(test_huge_values);
    RUN(test_alloc_failures);
    mloda_registry_free(reg);
    return TEST_SUMMARY();
}
