/*
 * test_stream.c: streams with failing and slow steps (SPEC.md §5.3, §9.5, §10.9), in
 * sequential and pool modes: results before a failure stay valid, next reports the
 * failure naming the feature, then the stream ends (STOP) or goes on with independent
 * results (CONTINUE); an early free cancels and waits; the session stays usable.
 */
#include "support.h"
#include "user_groups.h"

static mloda_registry *reg;

static mloda_request *failing_request(bool pool, mloda_on_error mode)
{
    /* steps: input {v}; checked(v) fails; aggregation independent of it */
    const char *feats[] = {"v", "v__checked", "v__sum_aggr"};
    mloda_request *req = request_of(feats, 3);
    (void)mloda_request_set_on_error(req, mode, NULL);
    if (pool) {
        (void)mloda_request_set_inline_rows(req, 0, NULL);
        (void)mloda_request_set_threads(req, 2, NULL);
    } else {
        (void)mloda_request_set_threads(req, 1, NULL);
    }
    return req;
}

static void test_stop_mode(void)
{
    const double bad[] = {1, -2, 3}, good[] = {1, 2, 3};
    for (int pool = 0; pool < 2; pool++) {
        TEST_CASE("pool %d", pool);
        mloda_request *req = failing_request(pool, MLODA_ON_ERROR_STOP);
        mloda_api_data *api_bad = api_one_f64("T", "v", bad, 3);
        mloda_api_data *api_good = api_one_f64("T", "v", good, 3);
        mloda_session *s = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(mloda_prepare(reg, req, api_good, &s, &err), err);
        mloda_stream *st = NULL;
        CHECK_OK(mloda_session_stream_run(s, api_bad, &st, &err), err);
        mloda_table *first = NULL;
        int n_tables = 0, n_errors = 0;
        for (int k = 0; k < 6; k++) {
            mloda_table *t = NULL;
            mloda_error e = MLODA_ERROR_INIT;
            mloda_status rc = mloda_stream_next(st, &t, &e);
            if (rc != MLODA_OK) {
                n_errors++;
                CHECK_EQ_INT(rc, MLODA_ERR_COMPUTE);
                CHECK_STR(e.subject, "v__checked");
                CHECK_CONTAINS(e.message, "negative value -2 at row 1");
                CHECK_CONTAINS(e.message, "CheckedCopy");
                CHECK_EQ_INT(e.position, 1);
                continue;
            }
            if (t == NULL)
                break;
            if (first == NULL)
                first = t;
            else
                mloda_table_release(t);
            n_tables++;
        }
        CHECK_EQ_INT(n_errors, 1);
        if (!pool) /* sequential: exactly mloda's timing, {v} then the error then the end */
            CHECK_EQ_INT(n_tables, 1);
        mloda_stream_free(st);
        /* already yielded results stay valid after the stream is gone */
        CHECK(first != NULL && num_at(mloda_table_column(first, 0), 1) == -2.0);
        mloda_table_release(first);
        /* run reports the same error; the session is usable for the next batch */
        mloda_results *res = NULL;
        mloda_error_reset(&err);
        CHECK_EQ_INT(mloda_session_run(s, api_bad, &res, &err), MLODA_ERR_COMPUTE);
        CHECK(res == NULL);
        mloda_error_reset(&err);
        CHECK_OK(mloda_session_run(s, api_good, &res, &err), err);
        CHECK_CLOSE(num_at(result_column(res, "v__sum_aggr"), 0), 6.0);
        mloda_results_free(res);
        mloda_session_free(s);
        mloda_api_data_free(api_bad);
        mloda_api_data_free(api_good);
        mloda_request_free(req);
    }
}

static void test_continue_mode(void)
{
    const double bad[] = {1, -2, 3};
    for (int pool = 0; pool < 2; pool++) {
        TEST_CASE("pool %d", pool);
        mloda_request *req = failing_request(pool, MLODA_ON_ERROR_CONTINUE);
        mloda_api_data *api = api_one_f64("T", "v", bad, 3);
        mloda_stream *st = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(mloda_stream_all(reg, req, api, &st, &err), err);
        int n_tables = 0, n_errors = 0;
        bool got_sum = false;
        for (int k = 0; k < 8; k++) {
            mloda_table *t = NULL;
            mloda_error e = MLODA_ERROR_INIT;
            if (mloda_stream_next(st, &t, &e) != MLODA_OK) {
                n_errors++;
                continue;
            }
            if (t == NULL)
                break;
            n_tables++;
            if (mloda_table_column_index(t, "v__sum_aggr") >= 0)
                got_sum = num_at(mloda_table_column(t, 0), 0) == 2.0;
            mloda_table_release(t);
        }
        CHECK_EQ_INT(n_errors, 1);
        CHECK_EQ_INT(n_tables, 2);
        CHECK(got_sum); /* mloda loses this independent result; we keep it */
        mloda_stream_free(st);
        mloda_api_data_free(api);
        mloda_request_free(req);
    }
}

/* Freeing a stream early cancels steps not started and waits for running ones. */
static void test_early_free(void)
{
    mloda_registry *r = mloda_registry_default();
    mloda_feature_group slow = ug_slow_group(200);
    CHECK_OK(mloda_registry_add(r, &slow, NULL), (mloda_error)MLODA_ERROR_INIT);
    const double v[] = {1, 2, 3};
    mloda_api_data *api = api_one_f64("T", "v", v, 3);
    const char *feats[] = {"v__slow", "v__slow__slow", "v__slow__slow__slow"};
    for (int pool = 0; pool < 2; pool++) {
        TEST_CASE("pool %d", pool);
        mloda_request *req = request_of(feats, 3);
        if (pool)
            (void)mloda_request_set_inline_rows(req, 0, NULL);
        mloda_stream *st = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        CHECK_OK(mloda_stream_all(r, req, api, &st, &err), err);
        mloda_stream_free(st); /* must return after at most the running step, not all 3 */
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        CHECK_MSG(secs < 5.0, "early free took %.2f s", secs);
        mloda_request_free(req);
    }
    mloda_api_data_free(api);
    mloda_registry_free(r);
}

int main(void)
{
    reg = mloda_registry_default();
    (void)mloda_registry_add(reg, &ug_checked, NULL);
    RUN(test_stop_mode);
    RUN(test_continue_mode);
    RUN(test_early_free);
    mloda_registry_free(reg);
    return TEST_SUMMARY();
}
