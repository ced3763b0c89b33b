/*
 * bench_join.c: links and filters (issue: links, filters, sources).
 *   - inner and left join of 1,000,000 x 100,000 rows on an int64 key, computing one
 *     feature from both sides (left value times right attribute), through a prepared
 *     session; baseline: SQLite in memory doing the same join (index on the key),
 *     reading every result row, measured in the same run;
 *   - a range filter on 1,000,000 rows passing the surviving rows of one column through;
 *     baseline: a hand-written single pass copying the rows in range (the memory floor).
 * Medians of repeated runs. Prints RESULT lines for bench/run.
 *   bench_join [--quick] [--no-sqlite]   (--no-sqlite: mloda-c's joins only, for profiling)
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "mloda/mloda.h"

enum { LEFT = 1000000, RIGHT = 100000 };

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void result_line(const char *name, double value, const char *unit, const char *baseline,
                        double base)
{
    printf("RESULT\t%s\t%.6g\t%s\t%s\t%.6g\n", name, value, unit, baseline, base);
}

static void die(const char *what, const char *msg)
{
    fprintf(stderr, "%s: %s\n", what, msg);
    exit(1);
}

/* `a&b__times`: a * b row by row (a simple group). */
static mloda_status times(void *ud, int64_t n, int64_t n_in, const mloda_column *const *in,
                          int64_t n_cap, const char *const *cap, const mloda_options *opts,
                          mloda_column **out, mloda_error *err)
{
    (void)ud;
    (void)n_in;
    (void)cap;
    (void)n_cap;
    (void)opts;
    mloda_column_builder *b = NULL;
    void *vals = NULL;
    mloda_status st = mloda_column_builder_new(MLODA_TYPE_FLOAT64, 0, MLODA_TIME_SECOND, &b, err);
    if (st == MLODA_OK)
        st = mloda_column_builder_resize_uninit(b, n, &vals, err);
    if (st != MLODA_OK) {
        mloda_column_builder_free(b);
        return st;
    }
    const double *x = mloda_column_float64(in[0]), *y = mloda_column_float64(in[1]);
    double *o = vals;
    for (int64_t i = 0; i < n; i++)
        o[i] = x[i] * y[i];
    /* null where either side is null (a left join's unmatched rows) */
    bool nulls = mloda_column_n_nulls(in[0]) > 0 || mloda_column_n_nulls(in[1]) > 0;
    if (nulls) {
        uint8_t *bits = NULL;
        st = mloda_column_builder_validity(b, &bits, err);
        for (int64_t i = 0; st == MLODA_OK && i < n; i++) {
            if (!mloda_column_is_valid(in[0], i) || !mloda_column_is_valid(in[1], i))
                bits[i >> 3] = (uint8_t)(bits[i >> 3] & ~(1u << (i & 7)));
        }
    }
    if (st != MLODA_OK) {
        mloda_column_builder_free(b);
        return st;
    }
    return mloda_column_builder_finish(b, out, err);
}

typedef struct data {
    int64_t *lk, *rk;
    double *lv, *ra;
} data;

static data make_data(void)
{
    data d = {malloc(LEFT * sizeof(int64_t)), malloc(RIGHT * sizeof(int64_t)),
              malloc(LEFT * sizeof(double)), malloc(RIGHT * sizeof(double))};
    unsigned s = 12345;
    for (int64_t i = 0; i < LEFT; i++) {
        s = s * 1103515245u + 12345u;
        d.lk[i] = (int64_t)((s >> 4) % (RIGHT + RIGHT / 10)); /* ~9% have no match */
        d.lv[i] = (double)(i % 1000) * 0.5;
    }
    for (int64_t i = 0; i < RIGHT; i++) {
        d.rk[i] = (i * 7919) % RIGHT; /* a permutation of 0..RIGHT-1 */
        d.ra[i] = 1.0 + (double)(i % 10);
    }
    return d;
}

static mloda_api_data *make_api(const data *d)
{
    mloda_error err = MLODA_ERROR_INIT;
    mloda_api_data *api = mloda_api_data_new();
    mloda_column *c[4] = {NULL, NULL, NULL, NULL};
    const char *ln[] = {"k", "v"}, *rn[] = {"id", "a"};
    if (mloda_column_from_int64(LEFT, d->lk, NULL, &c[0], &err) != MLODA_OK ||
        mloda_column_from_float64(LEFT, d->lv, NULL, &c[1], &err) != MLODA_OK ||
        mloda_column_from_int64(RIGHT, d->rk, NULL, &c[2], &err) != MLODA_OK ||
        mloda_column_from_float64(RIGHT, d->ra, NULL, &c[3], &err) != MLODA_OK ||
        mloda_api_data_add_columns(api, "L", 2, ln, (const mloda_column *const *)c, &err) != MLODA_OK ||
        mloda_api_data_add_columns(api, "R", 2, rn, (const mloda_column *const *)(c + 2), &err) !=
            MLODA_OK)
        die("api data", err.message);
    for (int i = 0; i < 4; i++)
        mloda_column_release(c[i]);
    return api;
}

static double mloda_join_ms(mloda_registry *reg, mloda_api_data *api, const char *type, int reps,
                            int64_t *rows)
{
    const char *feat = "v&a__times", *lon = "k", *ron = "id";
    mloda_error err = MLODA_ERROR_INIT;
    mloda_request *req = mloda_request_new();
    (void)mloda_request_add(req, feat, NULL, &err);
    if (mloda_request_add_link(req, type, "L", "R", 1, &lon, &ron, NULL, &err) != MLODA_OK)
        die("link", err.message);
    mloda_session *s = NULL;
    if (mloda_prepare(reg, req, api, &s, &err) != MLODA_OK)
        die("prepare", err.message);
    double *t = malloc((size_t)reps * sizeof *t);
    for (int r = 0; r < reps; r++) {
        mloda_results *res = NULL;
        double t0 = now_ms();
        if (mloda_session_run(s, api, &res, &err) != MLODA_OK)
            die("run", err.message);
        t[r] = now_ms() - t0;
        *rows = mloda_table_n_rows(mloda_results_table(res, 0));
        mloda_results_free(res);
    }
    double m = bench_median(t, reps);
    free(t);
    mloda_session_free(s);
    mloda_request_free(req);
    return m;
}

static void sqlite_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        die(sql, msg);
}

static sqlite3 *sqlite_load(const data *d)
{
    sqlite3 *db = NULL;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK)
        die("sqlite", "open");
    sqlite_exec(db, "CREATE TABLE l(k INTEGER, v REAL); CREATE TABLE r(id INTEGER, a REAL);");
    sqlite_exec(db, "BEGIN");
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(db, "INSERT INTO l VALUES(?, ?)", -1, &st, NULL);
    for (int64_t i = 0; i < LEFT; i++) {
        sqlite3_bind_int64(st, 1, d->lk[i]);
        sqlite3_bind_double(st, 2, d->lv[i]);
        sqlite3_step(st);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    sqlite3_prepare_v2(db, "INSERT INTO r VALUES(?, ?)", -1, &st, NULL);
    for (int64_t i = 0; i < RIGHT; i++) {
        sqlite3_bind_int64(st, 1, d->rk[i]);
        sqlite3_bind_double(st, 2, d->ra[i]);
        sqlite3_step(st);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    sqlite_exec(db, "COMMIT; CREATE INDEX r_id ON r(id);");
    return db;
}

static double sqlite_join_ms(sqlite3 *db, const char *sql, int reps, int64_t *rows)
{
    double *t = malloc((size_t)reps * sizeof *t);
    volatile double sink = 0;
    for (int r = 0; r < reps; r++) {
        sqlite3_stmt *st = NULL;
        double t0 = now_ms();
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
            die("sqlite", sqlite3_errmsg(db));
        int64_t n = 0;
        while (sqlite3_step(st) == SQLITE_ROW) {
            sink += sqlite3_column_double(st, 0);
            n++;
        }
        sqlite3_finalize(st);
        t[r] = now_ms() - t0;
        *rows = n;
    }
    (void)sink;
    double m = bench_median(t, reps);
    free(t);
    return m;
}

static void bench_filter(mloda_registry *reg, const data *d, int reps)
{
    mloda_error err = MLODA_ERROR_INIT;
    mloda_api_data *api = make_api(d);
    mloda_request *req = mloda_request_new();
    (void)mloda_request_add(req, "v", NULL, &err);
    mloda_options *o = mloda_options_new();
    (void)mloda_options_set_float(o, MLODA_CONTEXT, "min", 100.0, &err);
    (void)mloda_options_set_float(o, MLODA_CONTEXT, "max", 300.0, &err);
    (void)mloda_options_set_bool(o, MLODA_CONTEXT, "max_exclusive", true, &err);
    if (mloda_request_add_filter(req, "range", "v", o, &err) != MLODA_OK)
        die("filter", err.message);
    mloda_session *s = NULL;
    if (mloda_prepare(reg, req, api, &s, &err) != MLODA_OK)
        die("prepare", err.message);
    double *t = malloc((size_t)reps * sizeof *t), *f = malloc((size_t)reps * sizeof *f);
    int64_t kept = 0;
    for (int r = 0; r < reps; r++) {
        mloda_results *res = NULL;
        double t0 = now_ms();
        if (mloda_session_run(s, api, &res, &err) != MLODA_OK)
            die("run", err.message);
        t[r] = now_ms() - t0;
        kept = mloda_table_n_rows(mloda_results_table(res, 0));
        mloda_results_free(res);
        t0 = now_ms();
        double *out = malloc(LEFT * sizeof *out);
        int64_t k = 0;
        for (int64_t i = 0; i < LEFT; i++) {
            double v = d->lv[i];
            out[k] = v;
            k += v >= 100.0 && v < 300.0;
        }
        f[r] = now_ms() - t0;
        if (k != kept)
            die("filter", "row counts differ");
        free(out);
    }
    double tm = bench_median(t, reps), fm = bench_median(f, reps);
    printf("range filter on %d rows (%lld kept): %.2f ms; single-pass floor %.2f ms (%.2fx)\n",
           LEFT, (long long)kept, tm, fm, tm / fm);
    result_line("links: range filter, 1M rows", tm, "ms", "hand-written single pass", fm);
    free(t);
    free(f);
    mloda_options_free(o);
    mloda_session_free(s);
    mloda_request_free(req);
    mloda_api_data_free(api);
}

int main(int argc, char **argv)
{
    bool quick = false, with_sqlite = true;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            quick = true;
        else if (strcmp(argv[i], "--no-sqlite") == 0)
            with_sqlite = false;
        else
            die(argv[i], "unknown option (--quick, --no-sqlite)");
    }
    int reps = quick ? 3 : 7;
    mloda_registry *reg = mloda_registry_default();
    mloda_simple_group g = {sizeof g, MLODA_SIMPLE_GROUP_ABI, "Times", "a * b", "times",
                            2, 2, MLODA_TYPE_FLOAT64, times, NULL, NULL};
    mloda_error err = MLODA_ERROR_INIT;
    if (mloda_registry_add_simple(reg, &g, &err) != MLODA_OK)
        die("group", err.message);
    data d = make_data();
    mloda_api_data *api = make_api(&d);
    sqlite3 *db = with_sqlite ? sqlite_load(&d) : NULL;
    static const struct {
        const char *type, *sql;
    } joins[] = {
        {"inner", "SELECT l.v * r.a FROM l JOIN r ON l.k = r.id"},
        {"left", "SELECT l.v * r.a FROM l LEFT JOIN r ON l.k = r.id"},
    };
    for (int j = 0; j < 2; j++) {
        int64_t rows = 0, srows = 0;
        double m = mloda_join_ms(reg, api, joins[j].type, reps, &rows);
        if (!with_sqlite) {
            printf("%s join %d x %d: mloda-c %.1f ms (%lld rows)\n", joins[j].type, LEFT, RIGHT,
                   m, (long long)rows);
            continue;
        }
        double q = sqlite_join_ms(db, joins[j].sql, quick ? 1 : 3, &srows);
        printf("%s join %d x %d: mloda-c %.1f ms (%lld rows), SQLite %.1f ms (%lld rows): %.1fx "
               "faster\n",
               joins[j].type, LEFT, RIGHT, m, (long long)rows, q, (long long)srows, q / m);
        if (rows != srows)
            die("join", "row counts differ from SQLite");
        char name[64];
        snprintf(name, sizeof name, "links: %s join 1M x 100k", joins[j].type);
        result_line(name, m, "ms", "SQLite in memory, indexed key", q);
    }
    bench_filter(reg, &d, reps);
    if (db != NULL)
        sqlite3_close(db);
    mloda_api_data_free(api);
    mloda_registry_free(reg);
    free(d.lk);
    free(d.rk);
    free(d.lv);
    free(d.ra);
    return 0;
}
