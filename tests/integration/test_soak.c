/*
 * test_soak.c: 10,000 micro-batches through one prepared session via stream_run on four
 * threads. One batch in ten is deliberately bad or extreme (missing column, wrong column
 * type, a NaN storm, zero rows); every good batch's results are checked exactly against a
 * reference computed here independently; bad batches must fail cleanly and leave the
 * session usable. Memory (RSS) at the end must stay within a small bound of the start
 * (checked when no sanitizer keeps freed memory in quarantine). A deadline turns a hang
 * into a failure.
 */
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include "support.h"

enum { THREADS = 4, BATCHES = 10000, PER_THREAD = BATCHES / THREADS, DEADLINE_S = 240 };

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static mloda_session *session;

static void on_deadline(int sig)
{
    (void)sig;
    static const char msg[] = "soak: deadline exceeded (hang?)\n";
    (void)!write(2, msg, sizeof msg - 1);
    _exit(2);
}

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;
    if (f == NULL)
        return 0;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
        resident = 0;
    fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

typedef struct reference {
    double sum, mean, max, std;
    int64_t count;
} reference;

/* The expected aggregates, computed independently of the engine. */
static reference reference_of(const double *v, int64_t n)
{
    reference r = {0, NAN, NAN, NAN, 0};
    double mx = -INFINITY;
    for (int64_t i = 0; i < n; i++) {
        if (isnan(v[i]))
            continue;
        r.sum += v[i];
        r.count++;
        mx = v[i] > mx ? v[i] : mx;
    }
    if (r.count > 0) {
        r.mean = r.sum / (double)r.count;
        r.max = mx;
    }
    if (r.count > 1) {
        double m2 = 0;
        for (int64_t i = 0; i < n; i++)
            m2 += isnan(v[i]) ? 0 : (v[i] - r.mean) * (v[i] - r.mean);
        r.std = sqrt(m2 / (double)(r.count - 1));
    }
    return r;
}

typedef struct worker {
    int id;
    int checked, bad_ok, failures;
} worker;

typedef enum kind { GOOD, MISSING_COLUMN, WRONG_TYPE, NAN_STORM, ZERO_ROWS } kind;

static kind kind_of(int b)
{
    if (b % 10 != 7)
        return GOOD;
    static const kind bad[] = {MISSING_COLUMN, WRONG_TYPE, NAN_STORM, ZERO_ROWS};
    return bad[(b / 10) % 4];
}

/* Checks one table of a good batch against the reference. */
static int check_table(const mloda_table *t, const reference *ref, int64_t n)
{
    int bad = mloda_table_n_rows(t) != n;
    for (int64_t c = 0; c < mloda_table_n_columns(t) && n > 0; c++) {
        const char *name = mloda_table_column_name(t, c);
        double got = num_at(mloda_table_column(t, c), n - 1);
        double want = strcmp(name, "v__sum_aggr") == 0    ? ref->sum
                      : strcmp(name, "v__mean_aggr") == 0 ? ref->mean
                      : strcmp(name, "v__max_aggr") == 0  ? ref->max
                      : strcmp(name, "v__std_aggr") == 0  ? ref->std
                      : strcmp(name, "v__count_aggr") == 0 ? (double)ref->count
                                                          : got;
        bad += !test_close_(got, want);
    }
    return bad;
}

static mloda_api_data *make_batch(kind k, int64_t n, double *v, unsigned *seed)
{
    for (int64_t i = 0; i < n; i++) {
        *seed = *seed * 1103515245u + 12345u;
        v[i] = k == NAN_STORM ? NAN : (double)(*seed >> 8 & 0xffff) / 64.0 - 500.0;
        if (k == GOOD && (*seed & 31) == 0)
            v[i] = NAN; /* scattered missing values */
    }
    if (k == WRONG_TYPE) {
        int64_t iv[64];
        for (int64_t i = 0; i < n; i++)
            iv[i] = (int64_t)v[i];
        mloda_api_data *api = mloda_api_data_new();
        const char *nm = "v";
        mloda_column *c = col_i64(iv, NULL, n);
        api_add(api, "T", 1, &nm, &c);
        return api;
    }
    return api_one_f64("T", k == MISSING_COLUMN ? "w" : "v", v, k == ZERO_ROWS ? 0 : n);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    unsigned seed = 17u + (unsigned)w->id;
    double v[64];
    for (int b = 0; b < PER_THREAD; b++) {
        kind k = kind_of(b);
        int64_t n = 1 + (int64_t)((seed >> 4) % 60);
        mloda_api_data *api = make_batch(k, n, v, &seed);
        int64_t rows = k == ZERO_ROWS ? 0 : n;
        reference ref = reference_of(v, rows);
        mloda_stream *st = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        mloda_status rc = mloda_session_stream_run(session, api, &st, &err);
        mloda_api_data_free(api);
        if (k == MISSING_COLUMN || k == WRONG_TYPE) {
            mloda_status want = k == MISSING_COLUMN ? MLODA_ERR_SCHEMA : MLODA_ERR_TYPE;
            if (rc == want && st == NULL && strstr(err.message, "'v'") != NULL)
                w->bad_ok++;
            else
                w->failures++;
            continue;
        }
        int tables = 0;
        for (mloda_table *t = NULL; rc == MLODA_OK; mloda_table_release(t)) {
            rc = mloda_stream_next(st, &t, &err);
            if (rc != MLODA_OK || t == NULL)
                break;
            tables++;
            w->failures += check_table(t, &ref, rows);
        }
        w->failures += rc != MLODA_OK || tables != 2;
        w->checked++;
        mloda_stream_free(st);
    }
    return NULL;
}

static void test_soak(void)
{
    signal(SIGALRM, on_deadline);
    alarm(DEADLINE_S);
    mloda_registry *reg = mloda_registry_default();
    const double ex[] = {1.0};
    mloda_api_data *example = api_one_f64("T", "v", ex, 1);
    const char *feats[] = {"v", "v__sum_aggr", "v__mean_aggr", "v__max_aggr", "v__std_aggr",
                           "v__count_aggr"};
    mloda_request *req = request_of(feats, N_OF(feats));
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_request_set_threads(req, 2, &err), err);
    /* batches above 30 rows go through the thread pool, smaller ones run inline */
    CHECK_OK(mloda_request_set_inline_rows(req, 30, &err), err);
    CHECK_OK(mloda_prepare(reg, req, example, &session, &err), err);
    long rss_start = rss_kib();
    pthread_t th[THREADS];
    worker ws[THREADS];
    for (int i = 0; i < THREADS; i++) {
        ws[i] = (worker){i, 0, 0, 0};
        CHECK(pthread_create(&th[i], NULL, worker_main, &ws[i]) == 0);
    }
    int checked = 0, bad_ok = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        CHECK_MSG(ws[i].failures == 0, "thread %d: %d failures", i, ws[i].failures);
        checked += ws[i].checked;
        bad_ok += ws[i].bad_ok;
    }
    long rss_end = rss_kib();
    printf("soak: %d batches checked, %d bad batches rejected cleanly, RSS %ld -> %ld KiB\n",
           checked, bad_ok, rss_start, rss_end);
    CHECK_EQ_INT(checked + bad_ok, BATCHES);
    if (!SANITIZED)
        CHECK_MSG(rss_end - rss_start < 32 * 1024, "RSS grew by %ld KiB", rss_end - rss_start);
    mloda_session_free(session);
    mloda_request_free(req);
    mloda_api_data_free(example);
    mloda_registry_free(reg);
    alarm(0);
}

int main(void)
{
    RUN(test_soak);
    return TEST_SUMMARY();
}
