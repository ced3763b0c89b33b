/*
 * bench_stream_io.c: `mloda stream` end to end in its two batch formats (issue 13): the
 * five features of the issue (value and its mean, sum, max and std aggregates) on batches
 * of random 6-decimal floats, 1,000 batches x 1,000 rows and 100 x 10,000 rows,
 *   NDJSON in, NDJSON out      (--format ndjson)
 *   Arrow IPC in, Arrow IPC out (--batches-format arrow --format arrow; the input: one
 *                               stream per batch, written by src/io's Arrow writer)
 * The real executable runs as a child process fed through a pipe by a thread, its output
 * read and dropped through another pipe, as a program driving it would. Each figure is the
 * median of RUNS runs, with `cat` through the same pipes on the same bytes as the baseline
 * measured in the same run, and `cat` moving as many bytes as the command writes (what the
 * pipes alone cost for the output: the command's output is 4-7 times its input), and
 * `cat FILE` of a file holding the output's bytes into one pipe (the floor: delivering the
 * output once, with no input and no work). With MLODA_BEFORE_BIN=PATH (a build of an
 * earlier commit, e.g. main before issue 13) the NDJSON figures are also measured for that
 * executable ("before"; it has no Arrow format).
 * The command is found next to the bench directory (build-release/mloda) or in $MLODA_BIN.
 * Usage: bench_stream_io [--quick]   (--quick: a tenth of the batches)
 */
#include <errno.h>
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

enum { RUNS = 5 };

static const char REQUEST[] =
    "{\"features\": [\"value\", \"value__mean_aggr\", \"value__sum_aggr\", \"value__max_aggr\","
    " \"value__std_aggr\"],\n"
    " \"api_data\": {\"T\": {\"value\": [1.5, 2.25]}}}\n";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_stream_io: %s: %s\n", what, errno != 0 ? strerror(errno) : "failed");
    exit(1);
}

static void result_line(const char *name, double value, const char *unit, const char *baseline,
                        double base_value)
{
    printf("RESULT\t%s\t%.6g\t%s\t%s\t%.6g\n", name, value, unit, baseline, base_value);
}

/* ---------------------------------------------------------------- input */

typedef struct input {
    char *data;
    size_t len;
} input;

/* The same random 6-decimal values in [-1000, 1000) for both formats. */
static double value_at(unsigned long long *x)
{
    *x = *x * 6364136223846793005ull + 1442695040888963407ull;
    const long long micro = (long long)((*x >> 20) % 2000000000ull) - 1000000000ll;
    return (double)micro / 1e6;
}

static input make_ndjson(int batches, int rows)
{
    mloda_buf b = {0};
    mloda_error err = MLODA_ERROR_INIT;
    unsigned long long x = 13;
    char num[64];
    for (int i = 0; i < batches; i++) {
        if (mloda_buf_append(&b, "{\"T\": {\"value\": [", 17, &err) != MLODA_OK)
            die("buffer");
        for (int r = 0; r < rows; r++) {
            const int n = snprintf(num, sizeof num, "%s%.6f", r > 0 ? ", " : "", value_at(&x));
            if (mloda_buf_append(&b, num, (size_t)n, &err) != MLODA_OK)
                die("buffer");
        }
        if (mloda_buf_append(&b, "]}}\n", 4, &err) != MLODA_OK)
            die("buffer");
    }
    return (input){b.data, b.len};
}

static input make_arrow(int batches, int rows)
{
    mloda_buf b = {0};
    mloda_error err = MLODA_ERROR_INIT;
    unsigned long long x = 13;
    double *v = malloc((size_t)rows * sizeof *v);
    if (v == NULL)
        die("malloc");
    for (int i = 0; i < batches; i++) {
        for (int r = 0; r < rows; r++) {
            char num[64];
            snprintf(num, sizeof num, "%.6f", value_at(&x));
            v[r] = strtod(num, NULL); /* the value the NDJSON text holds */
        }
        mloda_column *col = NULL;
        mloda_table *t = NULL;
        const char *name = "value";
        if (mloda_column_from_float64(rows, v, NULL, &col, &err) != MLODA_OK ||
            mloda_table_new(rows, 1, &name, (const mloda_column *const *)&col, &t, &err) !=
                MLODA_OK ||
            mloda_io_write_arrow_table(&b, t, -1, &err) != MLODA_OK)
            die(err.message);
        mloda_column_release(col);
        mloda_table_release(t);
    }
    free(v);
    return (input){b.data, b.len};
}

/* A temporary file holding in's bytes (its path in path[64]), for `cat FILE` to write into
 * one pipe: the output's bytes delivered once, read from the page cache. */
static void file_of(const input *in, char *path)
{
    snprintf(path, 64, "/tmp/mloda_bench_stream_io_out_XXXXXX");
    const int fd = mkstemp(path);
    if (fd < 0 || write(fd, in->data, in->len) != (ssize_t)in->len)
        die("writing a temporary file");
    close(fd);
}

/* bytes bytes of filler, for `cat` to move as much as the command writes. */
static input sized_input(double bytes)
{
    const size_t len = (size_t)bytes;
    char *data = malloc(len > 0 ? len : 1);
    if (data == NULL)
        die("malloc");
    memset(data, 'x', len);
    return (input){data, len};
}

/* ---------------------------------------------------------------- child process */

typedef struct feeder {
    int fd;
    const input *in;
} feeder;

static void *feed(void *arg)
{
    feeder *f = arg;
    const char *p = f->in->data;
    size_t n = f->in->len;
    while (n > 0) {
        const ssize_t w = write(f->fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            die("writing to the child");
        p += w;
        n -= (size_t)w;
    }
    close(f->fd);
    return NULL;
}

/* Reads fd to its end; the bytes read. */
static double drain(int fd)
{
    static char buf[1 << 20];
    double total = 0;
    for (;;) {
        const ssize_t got = read(fd, buf, sizeof buf);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return total;
        total += (double)got;
    }
}

/* Seconds from the first byte written until the child's output ends; *out_bytes: how much
 * it wrote. */
static double run_once(char *const argv[], const input *in, double *out_bytes)
{
    int to[2], from[2];
    if (pipe(to) != 0 || pipe(from) != 0)
        die("pipe");
    const pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
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
    feeder f = {to[1], in};
    pthread_t t;
    const double t0 = now_s();
    if (pthread_create(&t, NULL, feed, &f) != 0)
        die("thread");
    const double total = drain(from[0]);
    const double secs = now_s() - t0;
    pthread_join(t, NULL);
    close(from[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        errno = 0;
        die(argv[0]);
    }
    *out_bytes = total;
    return secs;
}

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

/* One shape: medians over RUNS of the command (and the before build), `cat` interleaved. */
static void shape(const char *mloda, const char *before, const char *req, int batches, int rows)
{
    const input nd = make_ndjson(batches, rows), ar = make_arrow(batches, rows);
    char *nd_argv[] = {(char *)mloda, "stream", "--request", (char *)req, "--batches", "-",
                       "--format", "ndjson", NULL};
    char *ar_argv[] = {(char *)mloda, "stream", "--request", (char *)req, "--batches", "-",
                       "--batches-format", "arrow", "--format", "arrow", NULL};
    char *bf_argv[] = {(char *)before, "stream", "--request", (char *)req, "--batches", "-",
                       "--format", "ndjson", NULL};
    char *cat_argv[] = {"/bin/cat", NULL};
    double t_nd[RUNS], t_ar[RUNS], t_bf[RUNS], t_cnd[RUNS], t_car[RUNS], t_cndo[RUNS],
        t_caro[RUNS], t_wnd[RUNS], t_war[RUNS];
    double nd_out = 0, ar_out = 0, bf_out = 0, cat_out = 0;
    /* a first run of each sizes the output: `cat` also moves that many bytes through the
     * same pipes (the pipes' cost for the output alone, a floor) */
    (void)run_once(nd_argv, &nd, &nd_out);
    (void)run_once(ar_argv, &ar, &ar_out);
    const input nd_sized = sized_input(nd_out), ar_sized = sized_input(ar_out), none = {NULL, 0};
    char nd_file[64], ar_file[64];
    file_of(&nd_sized, nd_file);
    file_of(&ar_sized, ar_file);
    char *cat_nd_file[] = {"/bin/cat", nd_file, NULL}, *cat_ar_file[] = {"/bin/cat", ar_file, NULL};
    for (int r = 0; r < RUNS; r++) {
        t_nd[r] = run_once(nd_argv, &nd, &nd_out);
        t_cnd[r] = run_once(cat_argv, &nd, &cat_out);
        t_cndo[r] = run_once(cat_argv, &nd_sized, &cat_out);
        t_ar[r] = run_once(ar_argv, &ar, &ar_out);
        t_car[r] = run_once(cat_argv, &ar, &cat_out);
        t_caro[r] = run_once(cat_argv, &ar_sized, &cat_out);
        t_wnd[r] = run_once(cat_nd_file, &none, &cat_out);
        t_war[r] = run_once(cat_ar_file, &none, &cat_out);
        t_bf[r] = before != NULL ? run_once(bf_argv, &nd, &bf_out) : 0;
    }
    const double n = (double)batches * rows;
    const double nd_s = bench_median(t_nd, RUNS), ar_s = bench_median(t_ar, RUNS);
    const double cnd_s = bench_median(t_cnd, RUNS), car_s = bench_median(t_car, RUNS);
    const double cndo_s = bench_median(t_cndo, RUNS), caro_s = bench_median(t_caro, RUNS);
    const double wnd_s = bench_median(t_wnd, RUNS), war_s = bench_median(t_war, RUNS);
    printf("# %d batches x %d rows, 5 features; medians of %d runs\n", batches, rows, RUNS);
    printf("#   NDJSON: in %.1f MB, out %.1f MB, %.3f s (%.3g rows/s); cat %.4f s, "
           "cat of the output's bytes %.4f s, cat FILE of the output's bytes (one pipe) %.4f s\n",
           (double)nd.len / 1e6, nd_out / 1e6, nd_s, n / nd_s, cnd_s, cndo_s, wnd_s);
    printf("#   Arrow:  in %.1f MB, out %.1f MB, %.3f s (%.3g rows/s); cat %.4f s, "
           "cat of the output's bytes %.4f s, cat FILE of the output's bytes (one pipe) %.4f s\n",
           (double)ar.len / 1e6, ar_out / 1e6, ar_s, n / ar_s, car_s, caro_s, war_s);
    char name[128], base[128];
    snprintf(name, sizeof name, "stream %dx%d NDJSON in/out", batches, rows);
    result_line(name, n / nd_s, "rows/s", "cat, same pipes and bytes", n / cnd_s);
    result_line(name, n / nd_s, "rows/s", "cat of the output's bytes, same pipes", n / cndo_s);
    result_line(name, n / nd_s, "rows/s", "cat FILE of the output's bytes, one pipe", n / wnd_s);
    snprintf(name, sizeof name, "stream %dx%d Arrow in/out", batches, rows);
    result_line(name, n / ar_s, "rows/s", "cat, same pipes and bytes", n / car_s);
    result_line(name, n / ar_s, "rows/s", "cat of the output's bytes, same pipes", n / caro_s);
    result_line(name, n / ar_s, "rows/s", "cat FILE of the output's bytes, one pipe", n / war_s);
    snprintf(name, sizeof name, "stream %dx%d Arrow in/out", batches, rows);
    snprintf(base, sizeof base, "stream %dx%d NDJSON in/out", batches, rows);
    result_line(name, n / ar_s, "rows/s", base, n / nd_s);
    if (before != NULL) {
        const double bf_s = bench_median(t_bf, RUNS);
        printf("#   before (%s): NDJSON out %.1f MB, %.3f s (%.3g rows/s)\n", before,
               bf_out / 1e6, bf_s, n / bf_s);
        snprintf(name, sizeof name, "stream %dx%d NDJSON in/out", batches, rows);
        result_line(name, n / nd_s, "rows/s", "before (MLODA_BEFORE_BIN)", n / bf_s);
    }
    free(nd.data);
    free(ar.data);
    free(nd_sized.data);
    free(ar_sized.data);
    unlink(nd_file);
    unlink(ar_file);
}

int main(int argc, char **argv)
{
    const bool quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    signal(SIGPIPE, SIG_IGN);
    char mloda[4096], req_path[] = "/tmp/mloda_bench_stream_io_XXXXXX";
    mloda_path(argv[0], mloda, sizeof mloda);
    if (access(mloda, X_OK) != 0) {
        fprintf(stderr, "bench_stream_io: no mloda executable at %s (set MLODA_BIN)\n", mloda);
        return 1;
    }
    const char *before = getenv("MLODA_BEFORE_BIN");
    if (before != NULL && access(before, X_OK) != 0)
        before = NULL;
    const int fd = mkstemp(req_path);
    if (fd < 0)
        die("mkstemp");
    if (write(fd, REQUEST, strlen(REQUEST)) != (ssize_t)strlen(REQUEST))
        die("writing the request");
    close(fd);
    shape(mloda, before, req_path, quick ? 100 : 1000, 1000);
    shape(mloda, before, req_path, quick ? 10 : 100, 10000);
    unlink(req_path);
    return 0;
}
