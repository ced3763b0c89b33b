/*
 * bench_cli.c: the `mloda stream` command on 1,000,000 rows in NDJSON batches of 1,000
 * (four aggregations of one float64 column: sum, mean, max, std), issue 4's benchmark.
 *
 * The real executable runs as a child process fed through a pipe, its results read back
 * through another, as a program driving it would. Figures (each the median of 3 runs) with
 * baselines measured in the same run:
 *   cli_stream_rows_per_s    all batches written as fast as the command takes them, until
 *                            its last result line     vs  `cat` through the same pipes
 *   cli_stream_input_MB_per_s  the same run as MB/s of batch NDJSON  vs  parse-only: the
 *                            command's own batch parser in-process (mloda_io_api_data_parse)
 *   ndjson_parse_MB_per_s    parse-only                                vs  `cat` (MB/s)
 *   cli_batch_latency_p50/p99  one batch written, its result line read back, 1,000 times
 *                            (request-response)       vs  the engine alone on the same,
 *                            already parsed batch (mloda_session_stream_run until its last
 *                            table) and vs the same round trip through `cat`
 * The command is found next to the bench directory (build-release/mloda) or in $MLODA_BIN.
 * Usage: bench_cli [--quick]   (--quick: 100,000 rows)
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "io/io.h"
#include "mloda/mloda.h"

enum { BATCH_ROWS = 1000, RUNS = 3 };

static const char REQUEST[] =
    "{\"features\": [\"v__sum_aggr\", \"v__mean_aggr\", \"v__max_aggr\", \"v__std_aggr\"],\n"
    " \"api_data\": {\"T\": {\"v\": [1.5, 2.25]}}}\n";

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* The q-quantile (0..1) of v[0..n) (sorts v). */
static double quantile(double *v, int n, double q)
{
    qsort(v, (size_t)n, sizeof *v, bench_cmp_double);
    int k = (int)(q * (n - 1) + 0.5);
    return v[k < 0 ? 0 : k >= n ? n - 1 : k];
}

static double median3(double a, double b, double c)
{
    double v[3] = {a, b, c};
    return quantile(v, 3, 0.5);
}

static void die(const char *what)
{
    fprintf(stderr, "bench_cli: %s: %s\n", what, errno != 0 ? strerror(errno) : "failed");
    exit(1);
}

/* RESULT<TAB>name<TAB>value<TAB>unit<TAB>baseline<TAB>baseline value (bench_core's format) */
static void result_line(const char *name, double value, const char *unit, const char *baseline,
                        double base_value)
{
    printf("RESULT\t%s\t%.6g\t%s\t%s\t%.6g\n", name, value, unit, baseline, base_value);
}

/* ---------------------------------------------------------------- input */

typedef struct batches {
    char *text;    /* all lines, back to back */
    size_t len;
    size_t *start; /* line i is text[start[i] .. start[i + 1]) including its '\n' */
    int n;
} batches;

static batches make_batches(int n)
{
    batches b = {NULL, 0, calloc((size_t)n + 1, sizeof(size_t)), n};
    size_t cap = (size_t)n * BATCH_ROWS * 12 + 64;
    b.text = malloc(cap);
    if (b.text == NULL || b.start == NULL)
        die("allocating the batches");
    unsigned x = 12345;
    for (int i = 0; i < n; i++) {
        b.start[i] = b.len;
        b.len += (size_t)sprintf(b.text + b.len, "{\"T\": {\"v\": [");
        for (int r = 0; r < BATCH_ROWS; r++) {
            x = x * 1103515245u + 12345u;
            b.len += (size_t)sprintf(b.text + b.len, "%s%u.%02u", r > 0 ? ", " : "",
                                     (x >> 16) % 1000u, (x >> 8) % 100u);
        }
        b.len += (size_t)sprintf(b.text + b.len, "]}}\n");
    }
    b.start[n] = b.len;
    return b;
}

/* ---------------------------------------------------------------- child process */

typedef struct child {
    pid_t pid;
    int in;  /* we write its stdin */
    int out; /* we read its stdout */
} child;

static child spawn(char *const argv[])
{
    int to[2], from[2];
    if (pipe(to) != 0 || pipe(from) != 0)
        die("pipe");
    child c = {fork(), to[1], from[0]};
    if (c.pid < 0)
        die("fork");
    if (c.pid == 0) {
        dup2(to[0], STDIN_FILENO);
        dup2(from[1], STDOUT_FILENO);
        close(to[0]);
        close(to[1]);
        close(from[0]);
        close(from[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(to[0]);
    close(from[1]);
    return c;
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        const ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            die("writing to the child");
        p += w;
        n -= (size_t)w;
    }
}

static void finish(child *c)
{
    if (c->in >= 0)
        close(c->in);
    char buf[65536];
    while (read(c->out, buf, sizeof buf) > 0) {
    }
    close(c->out);
    int status = 0;
    waitpid(c->pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        errno = 0;
        die("the child process did not succeed");
    }
}

typedef struct feeder {
    int fd;
    const batches *b;
} feeder;

static void *feed(void *arg)
{
    feeder *f = arg;
    write_all(f->fd, f->b->text, f->b->len);
    close(f->fd);
    return NULL;
}

/* Streams every batch through the child; returns seconds until its output ends and sets
 * *lines to the number of output lines. */
static double throughput(char *const argv[], const batches *b, long *lines)
{
    child c = spawn(argv);
    feeder f = {c.in, b};
    pthread_t t;
    const double t0 = now_us();
    if (pthread_create(&t, NULL, feed, &f) != 0)
        die("thread");
    c.in = -1;
    char buf[1 << 16];
    long nl = 0;
    for (;;) {
        const ssize_t got = read(c.out, buf, sizeof buf);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        for (ssize_t i = 0; i < got; i++)
            nl += buf[i] == '\n';
    }
    const double secs = (now_us() - t0) / 1e6;
    pthread_join(t, NULL);
    finish(&c);
    *lines = nl;
    return secs;
}

/* One batch at a time: write it, read until its `per_batch` result lines are back.
 * Fills lat[0..b->n) in microseconds. */
static void round_trips(char *const argv[], const batches *b, long per_batch, double *lat)
{
    child c = spawn(argv);
    char buf[1 << 16];
    for (int i = 0; i < b->n; i++) {
        const double t0 = now_us();
        write_all(c.in, b->text + b->start[i], b->start[i + 1] - b->start[i]);
        long seen = 0;
        while (seen < per_batch) {
            const ssize_t got = read(c.out, buf, sizeof buf);
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0)
                die("reading a result");
            for (ssize_t k = 0; k < got; k++)
                seen += buf[k] == '\n';
        }
        lat[i] = now_us() - t0;
    }
    finish(&c);
}

/* ---------------------------------------------------------------- in-process baselines */

/* Seconds to parse every batch with the command's batch parser (typed by the request). */
static double parse_only(const io_request *req, const batches *b)
{
    const double t0 = now_us();
    for (int i = 0; i < b->n; i++) {
        mloda_api_data *api = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        if (mloda_io_api_data_parse(b->text + b->start[i], b->start[i + 1] - b->start[i],
                              req->schema, "bench", i + 1, 0, &api, &err) != MLODA_OK) {
            fprintf(stderr, "bench_cli: parse: %s\n", err.message);
            exit(1);
        }
        mloda_api_data_free(api);
    }
    return (now_us() - t0) / 1e6;
}

/* The engine alone: each parsed batch through mloda_session_stream_run until its last
 * table (what the command does per batch, minus reading and writing). *format_us gets the
 * median time to write a batch's result tables as NDJSON text (in memory), for the
 * breakdown. */
static void engine_latency(const io_request *req, const batches *b, double *lat,
                           double *format_us)
{
    double *fmt = calloc((size_t)b->n, sizeof *fmt);
    mloda_buf text = {0};
    mloda_registry *reg = mloda_registry_default();
    mloda_session *s = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    if (mloda_prepare(reg, req->request, req->api_data, &s, &err) != MLODA_OK) {
        fprintf(stderr, "bench_cli: prepare: %s\n", err.message);
        exit(1);
    }
    for (int i = 0; i < b->n; i++) {
        mloda_api_data *api = NULL;
        (void)mloda_io_api_data_parse(b->text + b->start[i], b->start[i + 1] - b->start[i],
                                req->schema, "bench", i + 1, 0, &api, &err);
        const double t0 = now_us();
        mloda_table *tables[16];
        int n_tables = 0;
        mloda_stream *st = NULL;
        if (mloda_session_stream_run(s, api, &st, &err) != MLODA_OK)
            die("stream_run");
        for (;;) {
            mloda_table *t = NULL;
            if (mloda_stream_next(st, &t, &err) != MLODA_OK || n_tables == 16)
                die("stream_next");
            if (t == NULL)
                break;
            tables[n_tables++] = t;
        }
        mloda_stream_free(st);
        lat[i] = now_us() - t0;
        const double f0 = now_us();
        text.len = 0;
        for (int k = 0; k < n_tables; k++) {
            (void)mloda_io_write_json_table(&text, tables[k], i, false, &err);
            (void)mloda_buf_putc(&text, '\n', &err);
            mloda_table_release(tables[k]);
        }
        fmt[i] = now_us() - f0;
        mloda_api_data_free(api);
    }
    *format_us = quantile(fmt, b->n, 0.5);
    free(fmt);
    mloda_buf_reset(&text);
    mloda_session_free(s);
    mloda_registry_free(reg);
}

/* ---------------------------------------------------------------- main */

static void mloda_path(const char *argv0, char *out, size_t cap)
{
    const char *env = getenv("MLODA_BIN");
    if (env != NULL) {
        snprintf(out, cap, "%s", env);
        return;
    }
    const char *slash = strrchr(argv0, '/');
    const int dir = slash != NULL ? (int)(slash - argv0) : 1;
    snprintf(out, cap, "%.*s/../mloda", dir, slash != NULL ? argv0 : ".");
}

int main(int argc, char **argv)
{
    const bool quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    const int n = quick ? 100 : 1000; /* batches of BATCH_ROWS rows */
    signal(SIGPIPE, SIG_IGN);
    char mloda[4096], req_path[] = "/tmp/mloda_bench_cli_XXXXXX";
    mloda_path(argv[0], mloda, sizeof mloda);
    if (access(mloda, X_OK) != 0) {
        fprintf(stderr, "bench_cli: no mloda executable at %s (set MLODA_BIN)\n", mloda);
        return 1;
    }
    const int fd = mkstemp(req_path);
    if (fd < 0)
        die("mkstemp");
    write_all(fd, REQUEST, strlen(REQUEST));
    close(fd);
    io_request req;
    mloda_error err = MLODA_ERROR_INIT;
    if (mloda_io_request_parse(REQUEST, strlen(REQUEST), "bench", &req, &err) != MLODA_OK) {
        fprintf(stderr, "bench_cli: request: %s\n", err.message);
        return 1;
    }
    const batches b = make_batches(n);
    char *stream_argv[] = {mloda,  "stream", "--request", req_path, "--batches",
                           "-",    "--format", "ndjson",  NULL};
    char cat_path[] = "/bin/cat";
    char *cat_argv[] = {cat_path, NULL};
    const double rows = (double)n * BATCH_ROWS, mb = (double)b.len / 1e6;

    double t_cli[RUNS], t_cat[RUNS], t_parse[RUNS];
    double p50[RUNS], p99[RUNS], e50[RUNS], e99[RUNS], c50[RUNS], f50[RUNS];
    double *lat = calloc((size_t)n, sizeof *lat);
    long lines = 0, cat_lines = 0;
    for (int r = 0; r < RUNS; r++) {
        t_cli[r] = throughput(stream_argv, &b, &lines);
        t_cat[r] = throughput(cat_argv, &b, &cat_lines);
        t_parse[r] = parse_only(&req, &b);
        const long per_batch = lines / n;
        round_trips(stream_argv, &b, per_batch, lat);
        p50[r] = quantile(lat, n, 0.50);
        p99[r] = quantile(lat, n, 0.99);
        engine_latency(&req, &b, lat, &f50[r]);
        e50[r] = quantile(lat, n, 0.50);
        e99[r] = quantile(lat, n, 0.99);
        round_trips(cat_argv, &b, 1, lat);
        c50[r] = quantile(lat, n, 0.50);
    }
    if (lines != n || cat_lines != n)
        fprintf(stderr, "bench_cli: note: %ld result lines for %d batches\n", lines, n);
    const double cli_s = median3(t_cli[0], t_cli[1], t_cli[2]);
    const double cat_s = median3(t_cat[0], t_cat[1], t_cat[2]);
    const double parse_s = median3(t_parse[0], t_parse[1], t_parse[2]);
    printf("# mloda stream: %d batches of %d rows (%.1f MB of NDJSON), four aggregations; "
           "medians of %d runs\n",
           n, BATCH_ROWS, mb, RUNS);
    printf("#   stream  %.3f s  (%.0f rows/s, %.1f MB/s)   cat %.4f s   parse-only %.3f s\n",
           cli_s, rows / cli_s, mb / cli_s, cat_s, parse_s);
    printf("#   latency per batch: p50 %.1f us, p99 %.1f us; engine alone p50 %.1f us, p99 %.1f "
           "us; cat round trip p50 %.1f us\n",
           median3(p50[0], p50[1], p50[2]), median3(p99[0], p99[1], p99[2]),
           median3(e50[0], e50[1], e50[2]), median3(e99[0], e99[1], e99[2]),
           median3(c50[0], c50[1], c50[2]));
    printf("#   in-process parts of a batch: parse %.1f us, engine %.1f us, NDJSON output of "
           "the four broadcast columns (%d values) %.1f us\n",
           parse_s * 1e6 / n, median3(e50[0], e50[1], e50[2]), 4 * BATCH_ROWS,
           median3(f50[0], f50[1], f50[2]));
    result_line("cli_stream_rows_per_s", rows / cli_s, "rows/s", "cat_pipe_rows_per_s",
                rows / cat_s);
    result_line("cli_stream_input_MB_per_s", mb / cli_s, "MB/s", "parse_only_MB_per_s",
                mb / parse_s);
    result_line("ndjson_parse_MB_per_s", mb / parse_s, "MB/s", "cat_pipe_MB_per_s", mb / cat_s);
    result_line("cli_batch_latency_p50", median3(p50[0], p50[1], p50[2]), "us",
                "engine_batch_p50", median3(e50[0], e50[1], e50[2]));
    result_line("cli_batch_latency_p99", median3(p99[0], p99[1], p99[2]), "us",
                "engine_batch_p99", median3(e99[0], e99[1], e99[2]));
    result_line("cli_batch_latency_p50_vs_pipe", median3(p50[0], p50[1], p50[2]), "us",
                "cat_roundtrip_p50", median3(c50[0], c50[1], c50[2]));
    free(lat);
    free(b.text);
    free(b.start);
    mloda_io_request_reset(&req);
    unlink(req_path);
    return 0;
}
