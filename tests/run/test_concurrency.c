/*
 * test_concurrency.c: one immutable session shared by 16 threads, each running its own
 * batches with session_run and stream_run and checking its own values (SPEC.md §5.5).
 * Run under ThreadSanitizer in CI.
 */
#include <pthread.h>

#include "support.h"

enum { THREADS = 16, ROUNDS = 40 };

static mloda_session *session;

typedef struct worker {
    int id;
    int failures;
} worker;

static int check_results(const mloda_results *res, double n, double base)
{
    int bad = 0;
    /* values are base, base+1, ..., base+n-1 */
    double sum = n * base + n * (n - 1) / 2;
    bad += !test_close_(num_at(result_column(res, "v__sum_aggr"), 0), sum);
    bad += !test_close_(num_at(result_column(res, "v__max_aggr"), 0), base + n - 1);
    bad += !test_close_(num_at(result_column(res, "v__mean_aggr"), 0), sum / n);
    bad += !test_close_(num_at(result_column(res, "v"), 0), base);
    return bad;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    for (int r = 0; r < ROUNDS; r++) {
        int64_t n = 1 + (w->id * 7 + r * 13) % 50;
        if (r % 10 == 9)
            n = 20000 + w->id; /* large enough to use the pool */
        double base = w->id * 1000.0 + r;
        double *v = malloc((size_t)n * sizeof *v);
        for (int64_t i = 0; i < n; i++)
            v[i] = base + (double)i;
        mloda_api_data *api = api_one_f64("T", "v", v, n);
        free(v);
        mloda_error err = MLODA_ERROR_INIT;
        if (r % 2 == 0) {
            mloda_results *res = NULL;
            if (mloda_session_run(session, api, &res, &err) != MLODA_OK)
                w->failures++;
            else
                w->failures += check_results(res, (double)n, base);
            mloda_results_free(res);
        } else {
            mloda_stream *st = NULL;
            int tables = 0;
            if (mloda_session_stream_run(session, api, &st, &err) != MLODA_OK)
                w->failures++;
            for (mloda_table *t = NULL; st != NULL; mloda_table_release(t)) {
                if (mloda_stream_next(st, &t, &err) != MLODA_OK) {
                    w->failures++;
                    break;
                }
                if (t == NULL)
                    break;
                tables++;
                if (mloda_table_n_rows(t) != n)
                    w->failures++;
            }
            w->failures += tables != 2;
            mloda_stream_free(st);
        }
        mloda_api_data_free(api);
    }
    return NULL;
}

static void test_sixteen_threads_one_session(void)
{
    mloda_registry *reg = mloda_registry_default();
    const double ex[] = {0};
    mloda_api_data *example = api_one_f64("T", "v", ex, 1);
    const char *feats[] = {"v", "v__sum_aggr", "v__max_aggr", "v__mean_aggr"};
    mloda_request *req = request_of(feats, 4);
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_request_set_threads(req, 4, &err), err);
    CHECK_OK(mloda_prepare(reg, req, example, &session, &err), err);
    mloda_registry_free(reg); /* the session keeps what it needs */
    pthread_t th[THREADS];
    worker ws[THREADS];
    for (int i = 0; i < THREADS; i++) {
        ws[i] = (worker){i, 0};
        CHECK(pthread_create(&th[i], NULL, worker_main, &ws[i]) == 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        CHECK_MSG(ws[i].failures == 0, "thread %d: %d failures", i, ws[i].failures);
    }
    mloda_session_free(session);
    mloda_request_free(req);
    mloda_api_data_free(example);
}

int main(void)
{
    RUN(test_sixteen_threads_one_session);
    return TEST_SUMMARY();
}
