/*
 * test_simple_group_edges.c: user families from a pattern (mloda_registry_add_simple) at
 * their edges: definitions that are refused, optional capture groups that did not take
 * part (NULL captures), several inputs, an output type taken from the input, compute
 * functions that fail or hand back nothing, multi-column inputs, and allocation failure.
 */
#include "support.h"
#include "util/alloc.h"

/* Echoes input 0; records the captures it saw ("(unset)" for NULL). */
static char seen_caps[4][16];
static int64_t seen_n_caps, seen_n_in;

static mloda_status echo(void *ud, int64_t n, int64_t n_in, const mloda_column *const *in,
                         int64_t n_cap, const char *const *cap, const mloda_options *opts,
                         mloda_column **out, mloda_error *err)
{
    (void)ud;
    (void)n;
    (void)opts;
    (void)err;
    seen_n_in = n_in;
    seen_n_caps = n_cap;
    for (int64_t i = 0; i < n_cap && i < 4; i++)
        (void)snprintf(seen_caps[i], sizeof seen_caps[i], "%s", cap[i] != NULL ? cap[i] : "(unset)");
    *out = mloda_column_retain(in[0]);
    return MLODA_OK;
}

static mloda_status fails(void *ud, int64_t n, int64_t n_in, const mloda_column *const *in,
                          int64_t n_cap, const char *const *cap, const mloda_options *opts,
                          mloda_column **out, mloda_error *err)
{
    (void)ud, (void)n, (void)n_in, (void)in, (void)n_cap, (void)cap, (void)opts, (void)out;
    return mloda_error_set(err, MLODA_ERR_COMPUTE, NULL, "cannot compute this");
}

static mloda_status no_output(void *ud, int64_t n, int64_t n_in, const mloda_column *const *in,
                              int64_t n_cap, const char *const *cap, const mloda_options *opts,
                              mloda_column **out, mloda_error *err)
{
    (void)ud, (void)n, (void)n_in, (void)in, (void)n_cap, (void)cap, (void)opts, (void)err;
    *out = NULL;
    return MLODA_OK;
}

static void test_refused_definitions(void)
{
    mloda_registry *reg = mloda_registry_new();
    mloda_error err = MLODA_ERROR_INIT;
    const mloda_simple_group ok = {sizeof ok, MLODA_SIMPLE_GROUP_ABI, "Echo", NULL, "echo",
                                   1, 1, MLODA_TYPE_INVALID, echo, NULL, NULL};
    mloda_simple_group g = ok;
    g.name = NULL;
    CHECK_EQ_INT(mloda_registry_add_simple(reg, &g, &err), MLODA_ERR_PLUGIN);
    g = ok;
    g.name = "";
    CHECK_EQ_INT(mloda_registry_add_simple(reg, &g, &err), MLODA_ERR_PLUGIN);
    g = ok;
    g.suffix_pattern = NULL;
    CHECK_EQ_INT(mloda_registry_add_simple(reg, &g, &err), MLODA_ERR_PLUGIN);
    g = ok;
    g.compute = NULL;
    CHECK_EQ_INT(mloda_registry_add_simple(reg, &g, &err), MLODA_ERR_PLUGIN);
    g = ok;
    g.min_inputs = -1;
    CHECK_EQ_INT(mloda_registry_add_simple(reg, &g, &err), MLODA_ERR_PLUGIN);
    g = ok;
    g.abi_version = 99;
    CHECK(mloda_registry_add_simple(reg, &g, &err) != MLODA_OK);
    CHECK_EQ_INT(mloda_registry_add_simple(reg, NULL, &err), MLODA_ERR_INVALID_ARG);
    CHECK_OK(mloda_registry_add_simple(reg, &ok, &err), err); /* no description: fine */
    mloda_registry_free(reg);
}

static mloda_api_data *xy(void)
{
    const double x[] = {1, 2, 3}, y[] = {4, 5, 6};
    mloda_api_data *api = mloda_api_data_new();
    const char *names[] = {"x", "y"};
    mloda_column *cols[] = {col_f64(x, 3), col_f64(y, 3)};
    api_add(api, "T", 2, names, cols);
    return api;
}

static mloda_status run_on(mloda_registry *reg, const mloda_api_data *api,
                           const mloda_request *req, mloda_results **res, mloda_error *err)
{
    return mloda_run_all(reg, req, api, res, err);
}

static mloda_status run_one(mloda_registry *reg, const char *feature, mloda_results **res,
                            mloda_error *err)
{
    mloda_api_data *api = xy();
    mloda_request *req = request_of(&feature, 1);
    const mloda_status st = run_on(reg, api, req, res, err);
    mloda_request_free(req);
    mloda_api_data_free(api);
    return st;
}

static void test_captures_and_inputs(void)
{
    mloda_registry *reg = mloda_registry_default();
    mloda_error err = MLODA_ERROR_INIT;
    const mloda_simple_group g = {sizeof g, MLODA_SIMPLE_GROUP_ABI, "Echo", "echoes input 0",
                                  "echo(_a)?(_b)?", 1, 3, MLODA_TYPE_INVALID, echo, NULL, NULL};
    CHECK_OK(mloda_registry_add_simple(reg, &g, &err), err);
    mloda_results *res = NULL;
    CHECK_OK(run_one(reg, "x&y__echo_b", &res, &err), err);
    CHECK_EQ_INT(seen_n_in, 2);
    CHECK_EQ_INT(seen_n_caps, 2);
    CHECK_STR(seen_caps[0], "(unset)"); /* (_a)? did not take part */
    CHECK_STR(seen_caps[1], "_b");
    CHECK_CLOSE(num_at(result_column(res, "x&y__echo_b"), 2), 3.0); /* input 0's type and values */
    mloda_results_free(res);
    /* too many inputs for the definition */
    CHECK_EQ_INT(run_one(reg, "x&y&x&y__echo", &res, &err), MLODA_ERR_OPTION);
    CHECK_CONTAINS(err.message, "allows at most 3");
    /* a multi-column input is refused: select one column with ~k */
    mloda_error_reset(&err);
    const char *feature = "s__onehot_encoded__echo";
    const char *strs[] = {"a", "b"};
    mloda_api_data *api = mloda_api_data_new();
    const char *names[] = {"s"};
    mloda_column *cols[] = {col_str(strs, 2)};
    api_add(api, "T", 1, names, cols);
    mloda_request *req = request_of(&feature, 1);
    CHECK_EQ_INT(mloda_run_all(reg, req, api, &res, &err), MLODA_ERR_TYPE);
    CHECK_CONTAINS(err.message, "has several columns");
    mloda_request_free(req);
    mloda_api_data_free(api);
    mloda_registry_free(reg);
}

static void test_compute_misbehaves(void)
{
    mloda_registry *reg = mloda_registry_default();
    mloda_error err = MLODA_ERROR_INIT;
    const mloda_simple_group bad = {sizeof bad, MLODA_SIMPLE_GROUP_ABI, "Fails", "", "fails", 1,
                                    1, MLODA_TYPE_FLOAT64, fails, NULL, NULL};
    const mloda_simple_group none = {sizeof none, MLODA_SIMPLE_GROUP_ABI, "None", "", "nothing",
                                     1, 1, MLODA_TYPE_FLOAT64, no_output, NULL, NULL};
    CHECK_OK(mloda_registry_add_simple(reg, &bad, &err), err);
    CHECK_OK(mloda_registry_add_simple(reg, &none, &err), err);
    mloda_results *res = NULL;
    CHECK_EQ_INT(run_one(reg, "x__fails", &res, &err), MLODA_ERR_COMPUTE);
    CHECK_CONTAINS(err.message, "cannot compute this");
    CHECK(res == NULL);
    mloda_error_reset(&err);
    CHECK_EQ_INT(run_one(reg, "x__nothing", &res, &err), MLODA_ERR_PLUGIN);
    CHECK(res == NULL);
    mloda_registry_free(reg);
}

static void test_nomem(void)
{
    mloda_api_data *api = xy();
    const char *feature = "x__echo_y";
    mloda_request *req = request_of(&feature, 1);
    for (long n = 0;; n++) {
        mloda_test_fail_alloc_at(n);
        mloda_registry *reg = mloda_registry_default();
        mloda_error err = MLODA_ERROR_INIT;
        mloda_status st = reg != NULL ? MLODA_OK : MLODA_ERR_NOMEM;
        const mloda_simple_group g = {sizeof g, MLODA_SIMPLE_GROUP_ABI, "Echo", "d",
                                      "echo_(x)?(y)", 1, 2, MLODA_TYPE_INVALID, echo, NULL, NULL};
        if (st == MLODA_OK)
            st = mloda_registry_add_simple(reg, &g, &err);
        mloda_results *res = NULL;
        if (st == MLODA_OK)
            st = run_on(reg, api, req, &res, &err);
        const bool injected = mloda_test_alloc_failed();
        mloda_test_fail_alloc_at(-1);
        TEST_CASE("allocation %ld", n);
        mloda_results_free(res);
        mloda_registry_free(reg);
        if (!injected) {
            CHECK_OK(st, err);
            break;
        }
        CHECK_EQ_INT(st, MLODA_ERR_NOMEM);
    }
    mloda_request_free(req);
    mloda_api_data_free(api);
}

int main(void)
{
    RUN(test_refused_definitions);
    RUN(test_captures_and_inputs);
    RUN(test_compute_misbehaves);
    RUN(test_nomem);
    return TEST_SUMMARY();
}
