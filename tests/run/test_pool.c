/*
 * test_pool.c: the shared thread pool (mloda_pool): many sessions on one pool start no
 * threads of their own, runs of different sessions take turns, a run's thread cap holds,
 * a feature group that runs another session from inside its calculation does not
 * deadlock the pool, a pool freed by its creator lives on in its sessions, and the
 * parallel for that splits one step's rows over the pool runs every part once.
 * Run under ThreadSanitizer in CI.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "run/pool.h"
#include "support.h"

/* Threads of this process, from /proc (-1 when unreadable). */
static long process_threads(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    long n = -1;
    char line[256];
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        if (sscanf(line, "Threads: %ld", &n) == 1)
            break;
    }
    if (f != NULL)
        fclose(f);
    return n;
}

static void *noop_thread(void *arg)
{
    return arg;
}

/* A sanitizer runtime may start a helper thread of its own at the first pthread_create
 * (TSan's background thread): create and join one thread first, so that thread counts
 * taken afterwards differ only by the threads the library starts. */
static void settle_runtime_threads(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, noop_thread, NULL) == 0)
        (void)pthread_join(t, NULL);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

/* A batch of n rows 0, 1, ..., n-1 in table T, column v. */
static mloda_api_data *batch_of(int64_t n)
{
    double *v = malloc((size_t)(n > 0 ? n : 1) * sizeof *v);
    for (int64_t i = 0; i < n; i++)
        v[i] = (double)i;
    mloda_api_data *api = api_one_f64("T", "v", v, n);
    free(v);
    return api;
}

/* A request on T.v whose runs always use the pool (inline_rows 0). */
static mloda_request *pooled_request(mloda_pool *pool, const char *const *features, int n)
{
    mloda_request *req = mloda_request_new();
    mloda_error err = MLODA_ERROR_INIT;
    for (int i = 0; i < n; i++)
        CHECK_OK(mloda_request_add(req, features[i], NULL, &err), err);
    CHECK_OK(mloda_request_set_inline_rows(req, 0, &err), err);
    CHECK_OK(mloda_request_set_pool(req, pool, &err), err);
    return req;
}

static void test_pool_arguments(void)
{
    mloda_pool *p = (mloda_pool *)&p;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_EQ_INT(mloda_pool_new(-1, &p, &err), MLODA_ERR_INVALID_ARG);
    CHECK(p == NULL && err.code == MLODA_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "-1");
    CHECK_EQ_INT(mloda_pool_new(1025, &p, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_pool_new(2, NULL, &err), MLODA_ERR_INVALID_ARG);
    CHECK_OK(mloda_pool_new(3, &p, &err), err);
    CHECK_EQ_INT(err.code, MLODA_OK); /* overwritten by the successful call */
    CHECK_EQ_INT(mloda_pool_n_threads(p), 3);
    mloda_pool_free(p);
    CHECK_OK(mloda_pool_new(0, &p, &err), err);
    CHECK(mloda_pool_n_threads(p) >= 1); /* one per core */
    mloda_pool_free(p);
    mloda_pool_free(NULL);
    CHECK_EQ_INT(mloda_pool_n_threads(NULL), 0);
    mloda_request *req = mloda_request_new();
    CHECK_EQ_INT(mloda_request_set_threads(req, -1, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_request_set_threads(req, 1025, &err), MLODA_ERR_INVALID_ARG);
    CHECK_OK(mloda_request_set_threads(req, 1024, &err), err);
    CHECK_EQ_INT(mloda_request_set_pool(NULL, NULL, &err), MLODA_ERR_INVALID_ARG);
    mloda_request_free(req);
}

/* 200 sessions on a pool of 2 threads: the process gains 2 threads, not 400. The pool is
 * freed by its creator right after preparing; the sessions keep it alive. */
static void test_many_sessions_share_one_pool(void)
{
    enum { SESSIONS = 200, ROWS = 300 };
    settle_runtime_threads();
    long before = process_threads();
    mloda_pool *pool = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_pool_new(2, &pool, &err), err);
    mloda_registry *reg = mloda_registry_default();
    static const char *const features[] = {"v", "v__sum_aggr", "v__max_aggr"};
    mloda_request *req = pooled_request(pool, features, 3);
    mloda_api_data *batch = batch_of(ROWS);
    mloda_session *sessions[SESSIONS] = {0};
    for (int i = 0; i < SESSIONS; i++)
        CHECK_OK(mloda_prepare(reg, req, batch, &sessions[i], &err), err);
    mloda_request_free(req);
    mloda_pool_free(pool); /* the sessions hold it now */
    const double sum = ROWS * (ROWS - 1) / 2.0;
    for (int i = 0; i < SESSIONS; i++) {
        TEST_CASE("session %d", i);
        mloda_results *res = NULL;
        CHECK_OK(mloda_session_run(sessions[i], batch, &res, &err), err);
        CHECK_CLOSE(num_at(result_column(res, "v__sum_aggr"), 7), sum);
        CHECK_CLOSE(num_at(result_column(res, "v__max_aggr"), 0), ROWS - 1);
        mloda_results_free(res);
    }
    long during = process_threads();
    /* the pool's 2, and 1 of slack for a sanitizer runtime's own background thread */
    if (before > 0 && during > 0)
        CHECK_MSG(during - before <= 3, "%ld threads before, %ld with 200 sessions", before,
                  during);
    for (int i = 0; i < SESSIONS; i++)
        mloda_session_free(sessions[i]);
    long after = process_threads();
    if (during > 0 && after > 0)
        CHECK_MSG(after <= during - 2, "the pool's threads outlived it: %ld -> %ld", during,
                  after);
    mloda_api_data_free(batch);
    mloda_registry_free(reg);
}

/* ---------------------------------------------------------------- a logging sleepy group */

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static char run_log[256];   /* guarded by log_mu: the tag of each finished step, in order */
static int n_logged;        /* guarded by log_mu */
static atomic_int running;  /* steps computing now */
static atomic_int max_running;

/* x__nap_{tag}: sleeps 2 ms, logs its tag, outputs x. */
static mloda_status nap(void *ud, int64_t n_rows, int64_t n_inputs,
                        const mloda_column *const *inputs, int64_t n_captures,
                        const char *const *captures, const mloda_options *options,
                        mloda_column **out, mloda_error *err)
{
    (void)ud, (void)n_rows, (void)n_inputs, (void)n_captures, (void)options, (void)err;
    int now = atomic_fetch_add(&running, 1) + 1;
    for (int m = atomic_load(&max_running); now > m;)
        if (atomic_compare_exchange_weak(&max_running, &m, now))
            break;
    sleep_ms(2);
    atomic_fetch_sub(&running, 1);
    pthread_mutex_lock(&log_mu);
    if (n_logged < (int)sizeof run_log - 1)
        run_log[n_logged++] = captures[0][0];
    pthread_mutex_unlock(&log_mu);
    *out = mloda_column_retain(inputs[0]);
    return MLODA_OK;
}

static mloda_registry *nap_registry(void)
{
    mloda_registry *reg = mloda_registry_default();
    mloda_simple_group g = {sizeof g, MLODA_SIMPLE_GROUP_ABI, "Nap", "sleeps", "nap_([a-z])[0-9]*",
                            1, 1, MLODA_TYPE_INVALID, nap, NULL, NULL};
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_registry_add_simple(reg, &g, &err), err);
    return reg;
}

/* n independent steps of tag `tag` (v__nap_a0, v__nap_a1, ...): each feature has a group
 * option of its own, so each is a step of its own. */
static mloda_request *nap_request(mloda_pool *pool, char tag, int n, int64_t threads)
{
    mloda_request *req = mloda_request_new();
    mloda_error err = MLODA_ERROR_INIT;
    for (int i = 0; i < n; i++) {
        char name[32];
        (void)snprintf(name, sizeof name, "v__nap_%c%d", tag, i);
        mloda_options *step = mloda_options_new();
        CHECK_OK(mloda_options_set_int(step, MLODA_GROUP, "step", i, &err), err);
        CHECK_OK(mloda_request_add(req, name, step, &err), err);
        mloda_options_free(step);
    }
    CHECK_OK(mloda_request_set_inline_rows(req, 0, &err), err);
    CHECK_OK(mloda_request_set_pool(req, pool, &err), err);
    CHECK_OK(mloda_request_set_threads(req, threads, &err), err);
    return req;
}

static void reset_log(void)
{
    pthread_mutex_lock(&log_mu);
    n_logged = 0;
    memset(run_log, 0, sizeof run_log);
    pthread_mutex_unlock(&log_mu);
    atomic_store(&max_running, 0);
}

/* Drains a stream, counting its tables. */
static int drain(mloda_stream *st)
{
    int n = 0;
    mloda_error err = MLODA_ERROR_INIT;
    for (mloda_table *t = NULL; st != NULL; mloda_table_release(t)) {
        CHECK_OK(mloda_stream_next(st, &t, &err), err);
        if (t == NULL)
            break;
        n++;
    }
    return n;
}

/* One worker, a run of 30 ready steps, then a run of 3: the pool takes them in turns, so
 * the short run finishes long before the long one (a FIFO queue would finish it last).
 * Nobody consumes the streams meanwhile, so only the worker computes. */
static void test_runs_take_turns(void)
{
    mloda_pool *pool = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_pool_new(1, &pool, &err), err);
    mloda_registry *reg = nap_registry();
    mloda_request *long_req = nap_request(pool, 'a', 30, 0);
    mloda_request *short_req = nap_request(pool, 'b', 3, 0);
    mloda_api_data *batch = batch_of(10);
    mloda_session *ls = NULL, *ss = NULL;
    CHECK_OK(mloda_prepare(reg, long_req, batch, &ls, &err), err);
    CHECK_OK(mloda_prepare(reg, short_req, batch, &ss, &err), err);
    reset_log();
    mloda_stream *a = NULL, *b = NULL;
    CHECK_OK(mloda_session_stream_run(ls, batch, &a, &err), err);
    CHECK_OK(mloda_session_stream_run(ss, batch, &b, &err), err);
    for (int waited = 0; waited < 5000; waited += 10) { /* both finish within ~70 ms */
        pthread_mutex_lock(&log_mu);
        int n = n_logged;
        pthread_mutex_unlock(&log_mu);
        if (n >= 33)
            break;
        sleep_ms(10);
    }
    pthread_mutex_lock(&log_mu);
    const char *last_b = strrchr(run_log, 'b');
    int pos = last_b == NULL ? -1 : (int)(last_b - run_log);
    CHECK_EQ_INT(n_logged, 33);
    CHECK_MSG(pos >= 0 && pos < 12, "steps in order %s: the short run ended at %d", run_log,
              pos);
    pthread_mutex_unlock(&log_mu);
    CHECK_EQ_INT(drain(a), 30);
    CHECK_EQ_INT(drain(b), 3);
    mloda_stream_free(a);
    mloda_stream_free(b);
    mloda_session_free(ls);
    mloda_session_free(ss);
    mloda_request_free(long_req);
    mloda_request_free(short_req);
    mloda_api_data_free(batch);
    mloda_registry_free(reg);
    mloda_pool_free(pool);
}

/* set_threads(2) on a pool of 4: never more than two steps of the run at once, the
 * calling thread (which helps while it waits) included. */
static void test_run_thread_cap(void)
{
    mloda_pool *pool = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_pool_new(4, &pool, &err), err);
    mloda_registry *reg = nap_registry();
    mloda_request *req = nap_request(pool, 'c', 16, 2);
    mloda_api_data *batch = batch_of(10);
    mloda_session *s = NULL;
    CHECK_OK(mloda_prepare(reg, req, batch, &s, &err), err);
    reset_log();
    mloda_results *res = NULL;
    CHECK_OK(mloda_session_run(s, batch, &res, &err), err);
    CHECK_EQ_INT(mloda_results_n_tables(res), 16);
    CHECK_MSG(atomic_load(&max_running) <= 2 && atomic_load(&max_running) >= 1,
              "%d steps ran at once", atomic_load(&max_running));
    mloda_results_free(res);
    mloda_session_free(s);
    mloda_request_free(req);
    mloda_api_data_free(batch);
    mloda_registry_free(reg);
    mloda_pool_free(pool);
}

/* ---------------------------------------------------------------- a session inside a step */

typedef struct nest_ctx {
    mloda_session *inner; /* runs on the same pool */
} nest_ctx;

/* x__nest: runs the inner session on a batch of 50 rows and outputs its sum (1225) on
 * every row. Runs on a worker of the pool whose other worker(s) may be busy too. */
static mloda_status nest(void *ud, int64_t n_rows, int64_t n_inputs,
                         const mloda_column *const *inputs, int64_t n_captures,
                         const char *const *captures, const mloda_options *options,
                         mloda_column **out, mloda_error *err)
{
    (void)n_inputs, (void)inputs, (void)n_captures, (void)captures, (void)options;
    const nest_ctx *ctx = ud;
    mloda_api_data *batch = batch_of(50);
    mloda_results *res = NULL;
    mloda_status st = mloda_session_run(ctx->inner, batch, &res, err);
    mloda_api_data_free(batch);
    if (st != MLODA_OK)
        return st;
    double sum = num_at(result_column(res, "v__sum_aggr"), 0);
    mloda_results_free(res);
    double *v = malloc((size_t)(n_rows > 0 ? n_rows : 1) * sizeof *v);
    for (int64_t i = 0; i < n_rows; i++)
        v[i] = sum;
    st = mloda_column_from_float64(n_rows, v, NULL, out, err);
    free(v);
    return st;
}

typedef struct nest_worker {
    mloda_session *outer;
    int failures;
} nest_worker;

static void *nest_thread(void *arg)
{
    nest_worker *w = arg;
    for (int r = 0; r < 10; r++) {
        mloda_api_data *batch = batch_of(20);
        mloda_results *res = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        if (mloda_session_run(w->outer, batch, &res, &err) != MLODA_OK ||
            !test_close_(num_at(result_column(res, "v__nest"), 3), 1225.0) ||
            !test_close_(num_at(result_column(res, "v__max_aggr"), 0), 19.0))
            w->failures++;
        mloda_results_free(res);
        mloda_api_data_free(batch);
    }
    return NULL;
}

/* A pool of one worker; the outer run's steps and the inner runs they start all need it.
 * Four threads run the outer session at once. Without helping, the worker would wait for
 * an inner run queued behind it forever. */
static void test_session_inside_a_step(void)
{
    mloda_pool *pool = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_pool_new(1, &pool, &err), err);
    mloda_registry *inner_reg = mloda_registry_default();
    static const char *const inner_f[] = {"v__sum_aggr", "v__min_aggr", "v"};
    mloda_request *inner_req = pooled_request(pool, inner_f, 3);
    mloda_api_data *example = batch_of(5);
    nest_ctx ctx = {NULL};
    CHECK_OK(mloda_prepare(inner_reg, inner_req, example, &ctx.inner, &err), err);
    mloda_registry *reg = mloda_registry_default();
    mloda_simple_group g = {sizeof g, MLODA_SIMPLE_GROUP_ABI, "Nest", "runs a session", "nest",
                            1, 1, MLODA_TYPE_FLOAT64, nest, &ctx, NULL};
    CHECK_OK(mloda_registry_add_simple(reg, &g, &err), err);
    static const char *const outer_f[] = {"v__nest", "v__max_aggr"};
    mloda_request *outer_req = pooled_request(pool, outer_f, 2);
    nest_worker w[4] = {{NULL, 0}};
    CHECK_OK(mloda_prepare(reg, outer_req, example, &w[0].outer, &err), err);
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        w[i].outer = w[0].outer;
        pthread_create(&t[i], NULL, nest_thread, &w[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CHECK_EQ_INT(w[i].failures, 0);
    }
    mloda_session_free(w[0].outer);
    mloda_session_free(ctx.inner);
    mloda_request_free(outer_req);
    mloda_request_free(inner_req);
    mloda_api_data_free(example);
    mloda_registry_free(reg);
    mloda_registry_free(inner_reg);
    mloda_pool_free(pool);
}

/* Without a pool of their own, sessions share the process-wide one: threads do not grow
 * with the number of sessions either. */
static void test_default_pool_is_shared(void)
{
    mloda_registry *reg = mloda_registry_default();
    static const char *const features[] = {"v", "v__sum_aggr"};
    mloda_request *req = pooled_request(NULL, features, 2);
    mloda_api_data *batch = batch_of(100);
    mloda_error err = MLODA_ERROR_INIT;
    mloda_session *first = NULL;
    CHECK_OK(mloda_prepare(reg, req, batch, &first, &err), err);
    mloda_results *res = NULL;
    CHECK_OK(mloda_session_run(first, batch, &res, &err), err); /* starts the default pool */
    mloda_results_free(res);
    long before = process_threads();
    mloda_session *more[50] = {0};
    for (int i = 0; i < 50; i++) {
        CHECK_OK(mloda_prepare(reg, req, batch, &more[i], &err), err);
        CHECK_OK(mloda_session_run(more[i], batch, &res, &err), err);
        CHECK_CLOSE(num_at(result_column(res, "v__sum_aggr"), 0), 4950.0);
        mloda_results_free(res);
    }
    long after = process_threads();
    if (before > 0 && after > 0)
        CHECK_MSG(after <= before + 1, "threads %ld -> %ld", before, after); /* 1: as above */
    for (int i = 0; i < 50; i++)
        mloda_session_free(more[i]);
    mloda_session_free(first);
    mloda_request_free(req);
    mloda_api_data_free(batch);
    mloda_registry_free(reg);
}

/* ---------------------------------------------------------------- parallel for */

enum { PF_PARTS = 8 };

typedef struct pf_count {
    mloda_pool *pool;
    atomic_int runs[MLODA_POOL_MAX_PARTS + 8];
    atomic_int nested; /* parts of nested parallel fors that ran */
    bool nest;         /* each part runs a parallel for of its own on the same pool */
} pf_count;

static void count_nested(void *ctx, int64_t part)
{
    (void)part;
    atomic_fetch_add(&((pf_count *)ctx)->nested, 1);
}

static void count_part(void *ctx, int64_t part)
{
    pf_count *c = ctx;
    atomic_fetch_add(&c->runs[part], 1);
    if (c->nest)
        mloda_pool_parallel_for(c->pool, 3, count_nested, c);
}

static void *parallel_for_thread(void *arg)
{
    pf_count *c = arg;
    for (int i = 0; i < 50; i++)
        mloda_pool_parallel_for(c->pool, PF_PARTS, count_part, c);
    return NULL;
}

/* Every part runs exactly once, on any pool width (a pool that is all busy included: the
 * caller runs what no worker took), from many threads at once, and from inside a part
 * (a nested parallel for on the same pool cannot deadlock it); more parts than
 * MLODA_POOL_MAX_PARTS run as that many. */
static void test_parallel_for(void)
{
    mloda_error err = MLODA_ERROR_INIT;
    for (int64_t width = 1; width <= 3; width++) {
        TEST_CASE("pool of %lld", (long long)width);
        mloda_pool *pool = NULL;
        CHECK_OK(mloda_pool_new(width, &pool, &err), err);
        static pf_count c; /* large: not on the stack */
        for (int nest = 0; nest < 2; nest++) {
            memset(&c, 0, sizeof c);
            c.pool = pool;
            c.nest = nest == 1;
            pthread_t t[6];
            for (int i = 0; i < 6; i++)
                pthread_create(&t[i], NULL, parallel_for_thread, &c);
            for (int i = 0; i < 6; i++)
                pthread_join(t[i], NULL);
            for (int p = 0; p < PF_PARTS; p++)
                CHECK_EQ_INT(atomic_load(&c.runs[p]), 6 * 50);
            CHECK_EQ_INT(atomic_load(&c.runs[PF_PARTS]), 0);
            CHECK_EQ_INT(atomic_load(&c.nested), nest == 1 ? 6 * 50 * PF_PARTS * 3 : 0);
        }
        memset(&c, 0, sizeof c);
        c.pool = pool;
        mloda_pool_parallel_for(pool, MLODA_POOL_MAX_PARTS + 5, count_part, &c);
        for (int p = 0; p < MLODA_POOL_MAX_PARTS + 8; p++)
            CHECK_EQ_INT(atomic_load(&c.runs[p]), p < MLODA_POOL_MAX_PARTS ? 1 : 0);
        mloda_pool_parallel_for(pool, 0, count_part, &c); /* nothing to run */
        CHECK_EQ_INT(atomic_load(&c.runs[0]), 1);
        mloda_pool_free(pool);
    }
    /* without a pool, the parts run on the calling thread */
    static pf_count alone;
    mloda_pool_parallel_for(NULL, 4, count_part, &alone);
    for (int p = 0; p < 4; p++)
        CHECK_EQ_INT(atomic_load(&alone.runs[p]), 1);
}

/* Parts for n items: one per grain, at most the pool's width or the run's cap. */
static void test_parallel_parts(void)
{
    mloda_pool *pool = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_pool_new(4, &pool, &err), err);
    static const struct {
        int64_t max_threads, n, grain, want;
    } cases[] = {
        {0, 1000000, 65536, 4}, {0, 100000, 65536, 1}, {0, 200000, 65536, 3},
        {2, 1000000, 65536, 2}, {1, 1000000, 65536, 1}, {8, 1000000, 65536, 4},
        {0, 0, 65536, 1},       {0, 10, 0, 1},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("case %zu", k);
        CHECK_EQ_INT(mloda_pool_parts(pool, cases[k].max_threads, cases[k].n, cases[k].grain),
                     cases[k].want);
    }
    CHECK_EQ_INT(mloda_pool_parts(NULL, 0, 1000000, 1000), 1);
    mloda_pool_free(pool);
}

int main(void)
{
    alarm(240); /* a deadlock fails the test instead of hanging the suite */
    RUN(test_pool_arguments);
    RUN(test_many_sessions_share_one_pool);
    RUN(test_runs_take_turns);
    RUN(test_run_thread_cap);
    RUN(test_session_inside_a_step);
    RUN(test_default_pool_is_shared);
    RUN(test_parallel_for);
    RUN(test_parallel_parts);
    return TEST_SUMMARY();
}
