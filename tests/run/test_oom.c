/*
 * test_oom.c: allocation failure at every point of prepare, run and stream_run of a
 * multi-group request (STYLE.md §10): each injected failure must surface as
 * MLODA_ERR_NOMEM (or be absorbed), leak nothing (ASan checks), and leave the session
 * usable for the next batch.
 */
#include "support.h"
#include "util/alloc.h"

static const char *const FEATS[] = {"v", "w", "v__sum_aggr", "v__median_aggr",
                                    "v__sum_aggr__max_aggr", "w__count_aggr"};

static mloda_api_data *sample(void)
{
    mloda_api_data *api = mloda_api_data_new();
    const double v[] = {1, 2, 3, 4}, w[] = {4, 3, NULL_SLOT, 1};
    const uint8_t w_valid[] = {1, 1, 0, 1};
    const char *names[] = {"v", "w"};
    mloda_column *cols[] = {col_f64(v, 4), col_f64_valid(w, w_valid, 4)};
    api_add(api, "T", 2, names, cols);
    return api;
}

static bool results_ok(const mloda_results *res)
{
    return res != NULL && mloda_results_n_tables(res) == 3 &&
           num_at(result_column(res, "v__sum_aggr__max_aggr"), 0) == 10.0 &&
           num_at(result_column(res, "v__median_aggr"), 3) == 2.5 &&
           num_at(result_column(res, "w__count_aggr"), 0) == 3.0;
}

static void test_prepare_walk(void)
{
    mloda_registry *reg = mloda_registry_default();
    mloda_api_data *api = sample();
    mloda_request *req = request_of(FEATS, N_OF(FEATS));
    long n = 0;
    for (;; n++) {
        mloda_test_fail_alloc_at(n);
        mloda_session *s = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        mloda_status st = mloda_prepare(reg, req, api, &s, &err);
        bool injected = mloda_test_alloc_failed();
        mloda_test_fail_alloc_at(-1);
        TEST_CASE("allocation %ld", n);
        if (st != MLODA_OK) {
            CHECK_EQ_INT(st, MLODA_ERR_NOMEM);
            CHECK_EQ_INT(err.code, MLODA_ERR_NOMEM);
            CHECK(s == NULL);
        } else {
            mloda_results *res = NULL;
            CHECK_OK(mloda_session_run(s, api, &res, &err), err);
            CHECK(results_ok(res));
            mloda_results_free(res);
        }
        mloda_session_free(s);
        if (!injected)
            break;
    }
    CHECK(n > 20);
    mloda_request_free(req);
    mloda_api_data_free(api);
    mloda_registry_free(reg);
}

static void test_run_walk(void)
{
    mloda_registry *reg = mloda_registry_default();
    mloda_api_data *api = sample();
    mloda_request *req = request_of(FEATS, N_OF(FEATS));
    mloda_session *s = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_prepare(reg, req, api, &s, &err), err);
    for (int stream = 0; stream < 2; stream++) {
        long n = 0;
        for (;; n++) {
            TEST_CASE("stream %d allocation %ld", stream, n);
            mloda_error e = MLODA_ERROR_INIT;
            mloda_results *res = NULL;
            mloda_status st = MLODA_OK;
            mloda_test_fail_alloc_at(n);
            if (!stream) {
                st = mloda_session_run(s, api, &res, &e);
            } else {
                mloda_stream *strm = NULL;
                st = mloda_session_stream_run(s, api, &strm, &e);
                for (mloda_table *t = NULL; st == MLODA_OK; mloda_table_release(t)) {
                    st = mloda_stream_next(strm, &t, &e);
                    if (t == NULL)
                        break;
                }
                mloda_stream_free(strm);
            }
            bool injected = mloda_test_alloc_failed();
            mloda_test_fail_alloc_at(-1);
            if (st != MLODA_OK)
                CHECK_EQ_INT(st, MLODA_ERR_NOMEM);
            mloda_results_free(res);
            /* the session still works */
            mloda_error_reset(&e);
            res = NULL;
            CHECK_OK(mloda_session_run(s, api, &res, &e), e);
            CHECK(results_ok(res));
            mloda_results_free(res);
            if (!injected)
                break;
        }
        CHECK(n > 10);
    }
    mloda_session_free(s);
    mloda_request_free(req);
    mloda_api_data_free(api);
    mloda_registry_free(reg);
}

int main(void)
{
    RUN(test_prepare_walk);
    RUN(test_run_walk);
    return TEST_SUMMARY();
}
