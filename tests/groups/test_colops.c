/*
 * test_colops.c: shared family helpers (src/groups/colops.c): mloda_each_feature runs the
 * work of every feature in order and names the failing feature when its error has no
 * subject; float64 outputs turn NaN into nulls.
 */
#include "groups/colops.h"
#include "util/util.h"
#include "support.h"
#include "test.h"

static int64_t each_calls;

/* copies its float64 input; fails without a subject on a negative value */
static mloda_status each_work(mloda_calc *calc, int64_t i, mloda_error *err)
{
    each_calls++;
    const mloda_column *in = mloda_calc_input(calc, i, 0, 0);
    const double *x = mloda_column_float64(in);
    for (int64_t r = 0; r < mloda_column_n_rows(in); r++)
        if (x[r] < 0)
            return mloda_error_set(err, MLODA_ERR_COMPUTE, NULL, "negative value");
    mloda_column_builder *b = NULL;
    double *o = NULL;
    const int64_t n = mloda_column_n_rows(in);
    MLODA_TRY(mloda_f64_out_start(n, &b, &o, err));
    for (int64_t r = 0; r < n; r++)
        o[r] = x[r] == 0 ? NAN : x[r]; /* a zero becomes null */
    mloda_column *out = NULL;
    mloda_status st = mloda_f64_out_finish(b, o, n, &out, err);
    return st == MLODA_OK ? mloda_calc_set_output(calc, i, out, err) : st;
}

static mloda_status each_match(void *ud, const mloda_feature *f, bool *out, void **parsed,
                               mloda_error *why)
{
    (void)ud;
    (void)parsed;
    (void)why;
    const char *s = mloda_feature_chain_suffix(f);
    *out = s != NULL && strcmp(s, "each") == 0;
    return MLODA_OK;
}

static mloda_status each_inputs(void *ud, const mloda_feature *f, mloda_inputs *in,
                                mloda_error *err)
{
    (void)ud;
    return mloda_inputs_add_chain(in, f, 1, 1, err);
}

static mloda_status each_calculate(void *ud, mloda_calc *calc, mloda_error *err)
{
    (void)ud;
    return mloda_each_feature(calc, each_work, err);
}

static const mloda_feature_group each_group = {
    .struct_size = sizeof(mloda_feature_group),
    .abi_version = MLODA_FEATURE_GROUP_ABI,
    .name = "EachCopy",
    .description = "copy; zero -> null; fails on negative values",
    .match = each_match,
    .inputs = each_inputs,
    .calculate = each_calculate,
};

static void test_each_feature(void)
{
    static const struct {
        double b0;            /* first value of column b */
        mloda_status st;
        const char *subject;  /* of the error */
        int64_t b_nulls;
    } cases[] = {
        {2.0, MLODA_OK, "", 0},
        {0.0, MLODA_OK, "", 1},
        {-1.0, MLODA_ERR_COMPUTE, "b__each", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("b0 %g", cases[i].b0);
        mloda_registry *reg = mloda_registry_default();
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(mloda_registry_add(reg, &each_group, &err), err);
        const char *names[] = {"a", "b"};
        const double a[] = {1.0, 3.0}, b[] = {cases[i].b0, 4.0};
        mloda_column *cols[] = {col_f64(a, 2), col_f64(b, 2)};
        mloda_api_data *api = mloda_api_data_new();
        api_add(api, "T", 2, names, cols);
        const char *features[] = {"a__each", "b__each"};
        mloda_request *req = request_of(features, 2);
        mloda_results *res = NULL;
        each_calls = 0;
        mloda_status st = mloda_run_all(reg, req, api, &res, &err);
        CHECK_EQ_INT(st, cases[i].st);
        if (st == MLODA_OK) {
            CHECK_EQ_INT(each_calls, 2);
            const mloda_column *ob = result_column(res, "b__each");
            CHECK(ob != NULL && mloda_column_n_nulls(ob) == cases[i].b_nulls);
            CHECK_CLOSE(num_at(result_column(res, "a__each"), 1), 3.0);
        } else {
            CHECK_STR(err.subject, cases[i].subject);
            CHECK_CONTAINS(err.message, "negative value");
        }
        mloda_results_free(res);
        mloda_request_free(req);
        mloda_api_data_free(api);
        mloda_registry_free(reg);
    }
}

int main(void)
{
    RUN(test_each_feature);
    return TEST_SUMMARY();
}
