/* test_simple_group.c: user-defined families from a suffix pattern and a compute function
 * (SPEC.md §6.13): captures reach compute, chains work, errors are clear. */
#include "support.h"

static int frees;

static mloda_status clip(void *ud, int64_t n, int64_t n_in, const mloda_column *const *in,
                         int64_t n_cap, const char *const *cap, const mloda_options *opts,
                         mloda_column **out, mloda_error *err)
{
    (void)ud;
    (void)opts;
    if (n_in != 1 || n_cap != 2)
        return mloda_error_set(err, MLODA_ERR_PLUGIN, NULL, "bad call");
    double lo = atof(cap[0]), hi = atof(cap[1]);
    double *v = malloc((size_t)(n + 1) * sizeof *v);
    for (int64_t i = 0; i < n; i++) {
        double x = num_at(in[0], i);
        v[i] = x < lo ? lo : x > hi ? hi : x;
    }
    mloda_status st = mloda_column_from_float64(n, v, NULL, out, err);
    free(v);
    return st;
}

static void count_free(void *p)
{
    (void)p;
    frees++;
}

static void test_clip_group(void)
{
    mloda_registry *reg = mloda_registry_default();
    mloda_simple_group g = {sizeof g, MLODA_SIMPLE_GROUP_ABI, "Clip", "clamp into [lo, hi]",
                            "clip_(-?[0-9]+)_(-?[0-9]+)", 1, 1, MLODA_TYPE_FLOAT64, clip,
                            NULL, count_free};
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_registry_add_simple(reg, &g, &err), err);
    const double v[] = {-5, 0, 5, 10};
    mloda_api_data *api = api_one_f64("T", "x", v, 4);
    const char *feats[] = {"x__clip_-1_6", "x__clip_0_3__sum_aggr"};
    mloda_request *req = request_of(feats, 2);
    mloda_results *res = NULL;
    CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
    const mloda_column *c = result_column(res, "x__clip_-1_6");
    CHECK_CLOSE(num_at(c, 0), -1.0);
    CHECK_CLOSE(num_at(c, 3), 6.0);
    CHECK_CLOSE(num_at(result_column(res, "x__clip_0_3__sum_aggr"), 0), 6.0);
    mloda_results_free(res);
    mloda_request_free(req);
    /* a suffix that does not match the whole pattern resolves to nothing */
    const char *bad = "x__clip_a_b";
    req = request_of(&bad, 1);
    CHECK_EQ_INT(mloda_run_all(reg, req, api, &res, &err), MLODA_ERR_RESOLVE);
    mloda_request_free(req);
    /* an invalid pattern is refused, and the caller keeps its user_data */
    mloda_simple_group broken = g;
    broken.name = "Broken";
    broken.suffix_pattern = "clip_([0-9]";
    mloda_error_reset(&err);
    CHECK_EQ_INT(mloda_registry_add_simple(reg, &broken, &err), MLODA_ERR_OPTION);
    CHECK_CONTAINS(err.message, "invalid");
    CHECK_EQ_INT(frees, 0);
    mloda_registry_free(reg);
    CHECK_EQ_INT(frees, 1);
    mloda_api_data_free(api);
}

int main(void)
{
    RUN(test_clip_group);
    return TEST_SUMMARY();
}
