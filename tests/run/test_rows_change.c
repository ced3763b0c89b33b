/*
 * test_rows_change.c: features whose output has a row count of its own (a forecast
 * appending horizon rows, SPEC.md §4 and §6.14): result tables take that count, features
 * computed from them see those rows, two such features of one step share one table, and
 * mixing them with the input's rows is an error at prepare.
 */
#include "support.h"

/* `{in}__plus{k}`: the input's values followed by k rows continuing the last value + 1. */
static mloda_status plus_match(void *ud, const mloda_feature *f, bool *out, void **parsed,
                          mloda_error *why)
{
    (void)parsed;
    (void)ud;
    (void)why;
    char tok[16];
    *out = mloda_feature_suffix_token(f, "_rows", tok, sizeof tok) && strncmp(tok, "plus", 4) == 0;
    return MLODA_OK;
}

static mloda_status plus_inputs(void *ud, const mloda_feature *f, mloda_inputs *in,
                                mloda_error *err)
{
    (void)ud;
    return mloda_inputs_add_chain(in, f, 1, 1, err);
}

static mloda_status plus_bind(void *ud, mloda_bind *ctx, mloda_error *err)
{
    (void)ud;
    mloda_status st = mloda_bind_output(ctx, MLODA_TYPE_FLOAT64, 0, MLODA_TIME_SECOND, err);
    return st != MLODA_OK ? st : mloda_bind_rows_change(ctx, err);
}

static mloda_status plus_calc(void *ud, mloda_calc *calc, mloda_error *err)
{
    (void)ud;
    for (int64_t i = 0; i < mloda_calc_n_features(calc); i++) {
        char tok[16];
        (void)mloda_feature_suffix_token(mloda_calc_feature(calc, i), "_rows", tok, sizeof tok);
        int64_t k = atoll(tok + 4), n = mloda_calc_n_rows(calc);
        const mloda_column *in = mloda_calc_input(calc, i, 0, 0);
        double *v = malloc((size_t)(n + k + 1) * sizeof *v);
        for (int64_t r = 0; r < n; r++)
            v[r] = num_at(in, r);
        for (int64_t r = n; r < n + k; r++)
            v[r] = (r > 0 ? v[r - 1] : 0) + 1;
        mloda_column *c = NULL;
        mloda_status st = mloda_column_from_float64(n + k, v, NULL, &c, err);
        free(v);
        if (st == MLODA_OK)
            st = mloda_calc_set_output(calc, i, c, err);
        if (st != MLODA_OK)
            return st;
    }
    return MLODA_OK;
}

static const mloda_feature_group plus_group = {
    .struct_size = sizeof(mloda_feature_group),
    .abi_version = MLODA_FEATURE_GROUP_ABI,
    .name = "PlusRows",
    .match = plus_match,
    .inputs = plus_inputs,
    .bind = plus_bind,
    .calculate = plus_calc,
};

static void test_appended_rows(void)
{
    mloda_registry *reg = mloda_registry_default();
    (void)mloda_registry_add(reg, &plus_group, NULL);
    const double v[] = {1, 2, 3};
    mloda_api_data *api = api_one_f64("T", "x", v, 3);
    const char *feats[] = {"x", "x__plus2_rows", "x__plus2_rows__sum_aggr", "x__sum_aggr"};
    for (int pool = 0; pool < 2; pool++) {
        TEST_CASE("pool %d", pool);
        mloda_request *req = request_of(feats, 4);
        if (pool)
            (void)mloda_request_set_inline_rows(req, 0, NULL);
        mloda_results *res = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
        CHECK_EQ_INT(mloda_results_n_tables(res), 4);
        const mloda_column *p = result_column(res, "x__plus2_rows");
        CHECK(p != NULL && mloda_column_n_rows(p) == 5);
        CHECK_CLOSE(num_at(p, 4), 5.0);
        const mloda_column *s = result_column(res, "x__plus2_rows__sum_aggr");
        CHECK(s != NULL && mloda_column_n_rows(s) == 5);
        CHECK_CLOSE(num_at(s, 0), 15.0);
        CHECK_EQ_INT(mloda_column_n_rows(result_column(res, "x__sum_aggr")), 3);
        mloda_results_free(res);
        mloda_request_free(req);
    }
    /* two row-changing features with different counts in one step: an error */
    const char *two[] = {"x__plus1_rows", "x__plus2_rows"};
    mloda_request *req = request_of(two, 2);
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_EQ_INT(mloda_run_all(reg, req, api, &res, &err), MLODA_ERR_PLUGIN);
    CHECK_CONTAINS(err.message, "rows");
    mloda_request_free(req);
    mloda_api_data_free(api);
    mloda_registry_free(reg);
}

int main(void)
{
    RUN(test_appended_rows);
    return TEST_SUMMARY();
}
