/*
 * bench_core.c: the core engine's speed for four aggregations of one float64 column
 * (sum, mean, max, std), against a hand-written single-pass C loop over the same data
 * measured in the same run.
 *
 * Prints: prepare time; session_run time per batch at 1, 100, 10,000 and 1,000,000 rows;
 * stream_run time to the first and last result; heap allocations per run (the library's
 * own allocation counter); the floor loop's time and the ratio to it. Figures are medians
 * of repeated runs. Usage: bench_core [--quick]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "mloda/mloda.h"
#include "util/alloc.h"

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void die(const char *what, const mloda_error *err)
{
    fprintf(stderr, "%s failed: %s (%s)\n", what, err->message, err->subject);
    exit(1);
}

/* One machine-readable line per figure, collected by bench/run into REPORT.md:
 * RESULT<TAB>name<TAB>value<TAB>unit<TAB>baseline<TAB>baseline value */
static void result_line(const char *name, double value, const char *unit, const char *baseline,
                        double base_value)
{
    printf("RESULT\t%s\t%.6g\t%s\t%s\t%.6g\n", name, value, unit, baseline, base_value);
}

static mloda_api_data *make_batch(const double *v, int64_t n)
{
    mloda_error err = MLODA_ERROR_INIT;
    mloda_column *c = NULL;
    const char *name = "v";
    mloda_api_data *api = mloda_api_data_new();
    if (mloda_column_from_float64(n, v, NULL, &c, &err) != MLODA_OK ||
        mloda_api_data_add_columns(api, "T", 1, &name, (const mloda_column *const *)&c, &err) !=
            MLODA_OK)
        die("building the batch", &err);
    mloda_column_release(c);
    return api;
}

static mloda_request *make_request(void)
{
    static const char *const feats[] = {"v__sum_aggr", "v__mean_aggr", "v__max_aggr",
                                        "v__std_aggr"};
    mloda_request *req = mloda_request_new();
    for (int i = 0; i < 4; i++)
        (void)mloda_request_add(req, feats[i], NULL, NULL);
    return req;
}

/* The floor: one pass computing the four aggregates the way a hand-written loop would,
 * then the four broadcast output arrays (the same output the engine must produce). */
static volatile double sink;
static void floor_loop(const double *restrict x, int64_t n, bool write_outputs)
{
    double s = 0, mx = -INFINITY, sq = 0;
    for (int64_t i = 0; i < n; i++) {
        s += x[i];
        sq += x[i] * x[i];
        mx = x[i] > mx ? x[i] : mx;
    }
    double mean = s / (double)n;
    double sd = sqrt((sq - s * mean) / (double)(n - 1));
    if (!write_outputs) {
        sink = s + mx + sd;
        return;
    }
    double *out[4];
    double vals[4] = {s, mean, mx, sd};
    for (int k = 0; k < 4; k++) {
        out[k] = malloc((size_t)n * sizeof(double));
        for (int64_t i = 0; i < n; i++)
            out[k][i] = vals[k];
    }
    sink = out[0][n - 1] + out[3][0];
    for (int k = 0; k < 4; k++)
        free(out[k]);
}

typedef struct run_figures {
    double run_us, floor_us, floor_read_us, first_us, last_us;
    double allocs;
} run_figures;

static run_figures measure(const mloda_session *s, int64_t n, int reps)
{
    double *v = malloc((size_t)n * sizeof *v);
    for (int64_t i = 0; i < n; i++)
        v[i] = (double)((i * 7919) % 1000) * 0.25 - 50.0;
    mloda_api_data *batch = make_batch(v, n);
    double *t_run = malloc((size_t)reps * sizeof(double));
    double *t_floor = malloc((size_t)reps * sizeof(double));
    double *t_read = malloc((size_t)reps * sizeof(double));
    double *t_first = malloc((size_t)reps * sizeof(double));
    double *t_last = malloc((size_t)reps * sizeof(double));
    mloda_error err = MLODA_ERROR_INIT;
    uint64_t allocs = 0;
    for (int r = 0; r < reps; r++) {
        mloda_results *res = NULL;
        uint64_t a0 = mloda_alloc_count();
        double t0 = now_us();
        if (mloda_session_run(s, batch, &res, &err) != MLODA_OK)
            die("session_run", &err);
        double t1 = now_us();
        allocs += mloda_alloc_count() - a0;
        mloda_results_free(res);
        t_run[r] = t1 - t0;

        t0 = now_us();
        floor_loop(v, n, true);
        t_floor[r] = now_us() - t0;
        t0 = now_us();
        floor_loop(v, n, false);
        t_read[r] = now_us() - t0;

        mloda_stream *st = NULL;
        t0 = now_us();
        if (mloda_session_stream_run(s, batch, &st, &err) != MLODA_OK)
            die("stream_run", &err);
        mloda_table *t = NULL;
        int k = 0;
        while (mloda_stream_next(st, &t, &err) == MLODA_OK && t != NULL) {
            if (k++ == 0)
                t_first[r] = now_us() - t0;
            mloda_table_release(t);
        }
        t_last[r] = now_us() - t0;
        mloda_stream_free(st);
    }
    run_figures f = {bench_median(t_run, reps), bench_median(t_floor, reps), bench_median(t_read, reps),
                     bench_median(t_first, reps), bench_median(t_last, reps), (double)allocs / reps};
    free(t_run);
    free(t_floor);
    free(t_read);
    free(t_first);
    free(t_last);
    mloda_api_data_free(batch);
    free(v);
    return f;
}

int main(int argc, char **argv)
{
    bool quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    mloda_registry *reg = mloda_registry_default();
    mloda_request *req = make_request();
    const double ex[] = {1.0};
    mloda_api_data *example = make_batch(ex, 1);
    mloda_error err = MLODA_ERROR_INIT;

    int prep_reps = quick ? 50 : 500;
    double *t_prep = malloc((size_t)prep_reps * sizeof(double));
    for (int r = 0; r < prep_reps; r++) {
        mloda_session *s = NULL;
        double t0 = now_us();
        if (mloda_prepare(reg, req, example, &s, &err) != MLODA_OK)
            die("prepare", &err);
        t_prep[r] = now_us() - t0;
        mloda_session_free(s);
    }
    double prep_us = bench_median(t_prep, prep_reps);
    printf("mloda-c core bench: 4 aggregations (sum, mean, max, std) of one float64 column\n");
    printf("prepare: %.1f us (median of %d)\n\n", prep_us, prep_reps);
    result_line("core: prepare (4 aggregations)", prep_us, "us", "target", 50.0);
    free(t_prep);

    mloda_session *s = NULL;
    if (mloda_prepare(reg, req, example, &s, &err) != MLODA_OK)
        die("prepare", &err);
    const int64_t sizes[] = {1, 100, 10000, 1000000};
    const int reps_full[] = {20000, 20000, 2000, 30};
    const int reps_quick[] = {500, 500, 50, 5};
    run_figures rows_lines[4];
    printf("%10s %12s %12s %12s %9s %12s %12s %10s\n", "rows", "run_us", "floor_us",
           "read_only_us", "ratio", "stream_1st", "stream_last", "allocs/run");
    for (int k = 0; k < 4; k++) {
        run_figures f = measure(s, sizes[k], quick ? reps_quick[k] : reps_full[k]);
        printf("%10lld %12.2f %12.2f %12.2f %8.2fx %12.2f %12.2f %10.1f\n", (long long)sizes[k],
               f.run_us, f.floor_us, f.floor_read_us, f.run_us / f.floor_us, f.first_us,
               f.last_us, f.allocs);
        rows_lines[k] = f;
    }
    printf("\nfloor_us: one hand-written pass computing the 4 aggregates and filling the 4\n"
           "broadcast output arrays; read_only_us: the same pass without outputs.\n\n");
    for (int k = 0; k < 4; k++) {
        char name[96];
        const run_figures *f = &rows_lines[k];
        snprintf(name, sizeof name, "core: session_run, %lld rows", (long long)sizes[k]);
        result_line(name, f->run_us, "us", "hand-written loop with outputs", f->floor_us);
        snprintf(name, sizeof name, "core: session_run, %lld rows (vs read-only)",
                 (long long)sizes[k]);
        result_line(name, f->run_us, "us", "hand-written read-only loop", f->floor_read_us);
        snprintf(name, sizeof name, "core: stream_run first result, %lld rows", (long long)sizes[k]);
        result_line(name, f->first_us, "us", "stream_run last result", f->last_us);
        snprintf(name, sizeof name, "core: allocations per run, %lld rows", (long long)sizes[k]);
        result_line(name, f->allocs, "allocs", "output columns x3 + 3", 15.0);
    }
    mloda_session_free(s);
    mloda_api_data_free(example);
    mloda_request_free(req);
    mloda_registry_free(reg);
    return 0;
}
