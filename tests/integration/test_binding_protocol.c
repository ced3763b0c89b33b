/*
 * test_binding_protocol.c: the Python package's concurrency protocol on the public API
 * alone, so that the plain, ASan and TSan builds all check the engine paths the extension
 * relies on (a Python process cannot load a TSan-instrumented module).
 *
 * A global lock stands in for the GIL, taken re-entrantly per thread as PyGILState_Ensure
 * does. "Python threads" hold it while they work and release it around every engine call
 * that can wait (prepare, run, stream next, stream free), as Py_BEGIN_ALLOW_THREADS does:
 *   - input columns are lent to the engine through mloda_column_import with a release
 *     callback that takes the lock before giving the buffer back (numpy arrays' memory);
 *   - a feature group's callbacks take the lock (Python feature groups), on the calling
 *     thread for small batches and on pool workers for large ones, and return lent columns;
 *   - streams are abandoned half-way.
 * Checked: values, and that every lent buffer is given back exactly once, under the lock.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "mloda/mloda.h"
#include "test.h"

/* ---------------------------------------------------------------- the "GIL" */

static pthread_mutex_t gil = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local int gil_depth;
static long given_back; /* guarded by gil */
static atomic_long lent_alive;

static void gil_ensure(void)
{
    if (gil_depth++ == 0)
        pthread_mutex_lock(&gil);
}

static void gil_release(void)
{
    if (--gil_depth == 0)
        pthread_mutex_unlock(&gil);
}

/* Py_BEGIN_ALLOW_THREADS ... Py_END_ALLOW_THREADS around an engine call */
#define ALLOW_THREADS(stmt)                  \
    do {                                     \
        int saved_depth_ = gil_depth;        \
        gil_depth = 0;                       \
        pthread_mutex_unlock(&gil);          \
        stmt;                                \
        pthread_mutex_lock(&gil);            \
        gil_depth = saved_depth_;            \
    } while (0)

/* ---------------------------------------------------------------- lent buffers */

typedef struct lent {
    double *values; /* "owned by Python": freed under the lock */
    const void *buffers[2];
} lent;

static void lent_release(struct ArrowArray *a)
{
    lent *h = a->private_data;
    gil_ensure();
    free(h->values);
    given_back++;
    gil_release();
    free(h);
    atomic_fetch_sub(&lent_alive, 1);
    a->release = NULL;
}

/* A float64 column borrowing values (taken over). */
static mloda_column *lend(double *values, int64_t n)
{
    lent *h = calloc(1, sizeof *h);
    h->values = values;
    h->buffers[1] = values;
    struct ArrowArray arr = {.length = n, .n_buffers = 2, .buffers = h->buffers,
                             .release = lent_release, .private_data = h};
    struct ArrowSchema schema = {.format = "g", .name = "x"};
    atomic_fetch_add(&lent_alive, 1);
    mloda_column *c = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    mloda_status st = mloda_column_import(&arr, &schema, &c, &err);
    CHECK_OK(st, err);
    CHECK(mloda_column_float64(c) == values); /* borrowed, not copied */
    return c;
}

static mloda_api_data *batch(int64_t n, double scale)
{
    double *v = malloc((size_t)n * sizeof *v), *w = malloc((size_t)n * sizeof *w);
    for (int64_t i = 0; i < n; i++) {
        v[i] = scale * (double)(i % 100);
        w[i] = (double)i;
    }
    mloda_column *cols[2] = {lend(v, n), lend(w, n)};
    const char *names[2] = {"v", "w"};
    mloda_api_data *a = mloda_api_data_new();
    mloda_error err = MLODA_ERROR_INIT;
    mloda_status st = mloda_api_data_add_columns(a, "T", 2, names,
                                                 (const mloda_column *const *)cols, &err);
    CHECK_OK(st, err);
    mloda_column_release(cols[0]);
    mloda_column_release(cols[1]);
    return a;
}

/* ---------------------------------------------------------------- a "Python" group */

static mloda_status dbl_match(void *ud, const mloda_feature *f, bool *out, void **parsed,
                              mloda_error *why)
{
    (void)ud;
    (void)parsed;
    (void)why;
    gil_ensure();
    const char *s = mloda_feature_chain_suffix(f);
    *out = s != NULL && strcmp(s, "doubled") == 0;
    gil_release();
    return MLODA_OK;
}

static mloda_status dbl_inputs(void *ud, const mloda_feature *f, mloda_inputs *in,
                               mloda_error *err)
{
    (void)ud;
    gil_ensure();
    mloda_status st = mloda_inputs_add_chain(in, f, 1, 1, err);
    gil_release();
    return st;
}

static mloda_status dbl_bind(void *ud, mloda_bind *ctx, mloda_error *err)
{
    (void)ud;
    gil_ensure();
    mloda_status st = mloda_bind_output(ctx, MLODA_TYPE_FLOAT64, 0, MLODA_TIME_MICRO, err);
    gil_release();
    return st;
}

static mloda_status dbl_calculate(void *ud, mloda_calc *calc, mloda_error *err)
{
    (void)ud;
    gil_ensure();
    mloda_status st = MLODA_OK;
    for (int64_t i = 0; st == MLODA_OK && i < mloda_calc_n_features(calc); i++) {
        const mloda_column *in = mloda_calc_input(calc, i, 0, 0);
        int64_t n = mloda_column_n_rows(in);
        const double *x = mloda_column_float64(in);
        double *y = malloc((size_t)(n > 0 ? n : 1) * sizeof *y);
        for (int64_t r = 0; r < n; r++)
            y[r] = 2 * x[r];
        st = mloda_calc_set_output(calc, i, lend(y, n), err); /* a returned numpy array */
    }
    gil_release();
    return st;
}

static const mloda_feature_group dbl_group = {
    .struct_size = sizeof(mloda_feature_group),
    .abi_version = MLODA_FEATURE_GROUP_ABI,
    .name = "PythonDoubled",
    .match = dbl_match,
    .inputs = dbl_inputs,
    .bind = dbl_bind,
    .calculate = dbl_calculate,
};

/* ---------------------------------------------------------------- threads */

static const char *features[] = {"v__sum_aggr", "v__doubled", "v__doubled__max_aggr",
                                 "w__mean_aggr", "v__standard_scaled", "v"};
enum { N_FEATURES = sizeof features / sizeof features[0] };

static mloda_session *session;

static double column_at(const mloda_table *t, const char *name, int64_t row)
{
    int64_t k = mloda_table_column_index(t, name);
    return k < 0 ? -1.0 : mloda_column_float64(mloda_table_column(t, k))[row];
}

static void check_table(const mloda_table *t, int64_t n, double scale)
{
    double max_v = scale * (double)(n < 100 ? n - 1 : 99);
    if (mloda_table_column_index(t, "v__doubled") >= 0)
        CHECK_CLOSE(column_at(t, "v__doubled", n - 1), 2 * scale * (double)((n - 1) % 100));
    if (mloda_table_column_index(t, "v__doubled__max_aggr") >= 0)
        CHECK_CLOSE(column_at(t, "v__doubled__max_aggr", 0), 2 * max_v);
    if (mloda_table_column_index(t, "w__mean_aggr") >= 0)
        CHECK_CLOSE(column_at(t, "w__mean_aggr", 0), (double)(n - 1) / 2);
}

static void *python_thread(void *arg)
{
    long k = (long)(intptr_t)arg;
    gil_ensure(); /* a Python thread runs holding the GIL */
    static const int64_t sizes[] = {7, 100, 40000};
    for (int round = 0; round < 6; round++) {
        int64_t n = sizes[(round + k) % 3];
        double scale = (double)(k + 1);
        mloda_api_data *a = batch(n, scale);
        mloda_results *res = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        mloda_status st;
        ALLOW_THREADS(st = mloda_session_run(session, a, &res, &err));
        CHECK_OK(st, err);
        for (int64_t i = 0; i < mloda_results_n_tables(res); i++)
            check_table(mloda_results_table(res, i), n, scale);
        mloda_results_free(res);
        mloda_stream *s = NULL;
        ALLOW_THREADS(st = mloda_session_stream_run(session, a, &s, &err));
        CHECK_OK(st, err);
        mloda_api_data_free(a); /* the stream keeps the batch's columns */
        mloda_table *t = NULL;
        ALLOW_THREADS(st = mloda_stream_next(s, &t, &err));
        CHECK_OK(st, err);
        if (t != NULL)
            check_table(t, n, scale);
        mloda_table_release(t);
        ALLOW_THREADS(mloda_stream_free(s)); /* abandoned half-way */
    }
    gil_release();
    return NULL;
}

static void test_binding_protocol(void)
{
    gil_ensure();
    mloda_error err = MLODA_ERROR_INIT;
    mloda_registry *reg = mloda_registry_default();
    mloda_status st = mloda_registry_add(reg, &dbl_group, &err);
    CHECK_OK(st, err);
    mloda_request *req = mloda_request_new();
    for (int i = 0; i < N_FEATURES; i++)
        CHECK_OK(mloda_request_add(req, features[i], NULL, &err), err);
    mloda_api_data *example = batch(3, 1.0);
    ALLOW_THREADS(st = mloda_prepare(reg, req, example, &session, &err));
    CHECK_OK(st, err);
    mloda_api_data_free(example);
    mloda_request_free(req);
    mloda_registry_free(reg);
    if (session != NULL) {
        pthread_t th[4];
        ALLOW_THREADS({
            for (long k = 0; k < 4; k++)
                pthread_create(&th[k], NULL, python_thread, (void *)(intptr_t)k);
            for (long k = 0; k < 4; k++)
                pthread_join(th[k], NULL);
        });
        mloda_session_free(session); /* its example columns go back now */
    }
    CHECK_EQ_INT(atomic_load(&lent_alive), 0);
    CHECK(given_back > 0);
    printf("# lent buffers given back under the lock: %ld\n", given_back);
    gil_release();
}

int main(void)
{
    RUN(test_binding_protocol);
    return TEST_SUMMARY();
}
