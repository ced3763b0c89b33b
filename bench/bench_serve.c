/*
 * bench_serve.c: `mloda serve` under load (issue 14's benchmark). The real executable
 * (build-release/mloda, or $MLODA_BIN) serves four aggregations of one float64 column
 * (v__sum_aggr, v__mean_aggr, v__max_aggr, v__std_aggr: bench_core's request) on a free
 * loopback port; wrk (Debian's) posts batches of 1 and 100 rows to POST /v1/run/NAME over
 * 1, 16 and 64 keep-alive connections. Figures, each the median of 3 runs of 2 s:
 *   requests/s, p50 and p99 latency (wrk --latency)
 * against two baselines measured in the same run:
 *   the same server's empty handler (POST /v1/noop: reads the same body, takes and gives
 *   back a compute slot, answers {}), same connections, same body: what HTTP costs here;
 *   the engine's own per-batch time: mloda_session_run on the parsed batch, in-process
 *   (median of 20,000 runs).
 * The machine has 2 cores shared by the server and wrk (and whatever else runs).
 * Usage: bench_serve [--quick]   (--quick: 1 run of 1 s each)
 */
#include <errno.h>
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

static const char REQUEST[] =
    "{\"features\": [\"v__sum_aggr\", \"v__mean_aggr\", \"v__max_aggr\", \"v__std_aggr\"],\n"
    " \"api_data\": {\"T\": {\"v\": [1.5, 2.25]}}}\n";

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void result(const char *name, double value, const char *unit, const char *baseline,
                   double base_value)
{
    printf("RESULT\t%s\t%.6g\t%s\t%s\t%.6g\n", name, value, unit, baseline, base_value);
    fflush(stdout);
}

static char *batch_text(int rows)
{
    char *s = malloc((size_t)rows * 24 + 64);
    size_t len = (size_t)sprintf(s, "{\"T\": {\"v\": [");
    for (int i = 0; i < rows; i++)
        len += (size_t)sprintf(s + len, "%s%.2f", i ? ", " : "", 10.0 + (i % 17) * 0.25);
    (void)sprintf(s + len, "]}}");
    return s;
}

/* The engine alone: mloda_session_run on the parsed batch, median per run in us. */
static double engine_us(const char *body, int runs)
{
    mloda_error err = MLODA_ERROR_INIT;
    io_request req;
    mloda_registry *reg = mloda_registry_default();
    mloda_session *session = NULL;
    mloda_api_data *api = NULL;
    double med = -1;
    if (mloda_io_request_parse(REQUEST, strlen(REQUEST), "bench", &req, &err) != MLODA_OK)
        return -1;
    if (mloda_prepare(reg, req.request, req.api_data, &session, &err) == MLODA_OK &&
        mloda_io_api_data_parse(body, strlen(body), req.schema, "body", 1, 0, &api, &err) ==
            MLODA_OK) {
        double *t = malloc((size_t)runs * sizeof *t);
        for (int i = 0; i < runs; i++) {
            const double t0 = now_us();
            mloda_results *res = NULL;
            (void)mloda_session_run(session, api, &res, &err);
            mloda_results_free(res);
            t[i] = now_us() - t0;
        }
        med = bench_median(t, runs);
        free(t);
    }
    mloda_api_data_free(api);
    mloda_session_free(session);
    mloda_registry_free(reg);
    mloda_io_request_reset(&req);
    return med;
}

typedef struct wrk_figures {
    double rps, p50_us, p99_us;
} wrk_figures;

static double to_us(double v, const char *unit)
{
    if (strncmp(unit, "us", 2) == 0)
        return v;
    if (strncmp(unit, "ms", 2) == 0)
        return v * 1e3;
    if (unit[0] == 's')
        return v * 1e6;
    return v;
}

/* Runs wrk once; false when it could not run. */
static bool run_wrk(const char *url, const char *script, int conns, int seconds, wrk_figures *out)
{
    char cmd[1024];
    (void)snprintf(cmd, sizeof cmd, "wrk -t%d -c%d -d%ds --latency -s '%s' '%s' 2>&1",
                   conns < 2 ? 1 : 2, conns, seconds, script, url);
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return false;
    char line[512];
    memset(out, 0, sizeof *out);
    int found = 0;
    while (fgets(line, sizeof line, p) != NULL) {
        double v = 0;
        char unit[16] = "";
        if (sscanf(line, " 50%% %lf%15s", &v, unit) == 2) {
            out->p50_us = to_us(v, unit);
            found++;
        } else if (sscanf(line, " 99%% %lf%15s", &v, unit) == 2) {
            out->p99_us = to_us(v, unit);
            found++;
        } else if (sscanf(line, "Requests/sec: %lf", &v) == 1) {
            out->rps = v;
            found++;
        } else if (strstr(line, "Non-2xx") != NULL || strstr(line, "Socket errors") != NULL) {
            fprintf(stderr, "wrk: %s", line);
        }
    }
    return pclose(p) == 0 && found == 3;
}

static bool median_wrk(const char *url, const char *script, int conns, int seconds, int reps,
                       wrk_figures *out)
{
    double rps[5], p50[5], p99[5];
    for (int r = 0; r < reps; r++) {
        wrk_figures f;
        if (!run_wrk(url, script, conns, seconds, &f))
            return false;
        rps[r] = f.rps;
        p50[r] = f.p50_us;
        p99[r] = f.p99_us;
    }
    out->rps = bench_median(rps, reps);
    out->p50_us = bench_median(p50, reps);
    out->p99_us = bench_median(p99, reps);
    return true;
}

static bool write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    if (fp == NULL)
        return false;
    const bool ok = fputs(text, fp) >= 0;
    return fclose(fp) == 0 && ok;
}

/* A wrk script posting body (JSON) to the URL. */
static bool write_script(const char *path, const char *body)
{
    size_t cap = strlen(body) * 2 + 256;
    char *s = malloc(cap);
    size_t n = (size_t)snprintf(s, cap, "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = "
                                        "\"application/json\"\nwrk.body = [[");
    n += (size_t)snprintf(s + n, cap - n, "%s]]\n", body);
    const bool ok = write_file(path, s);
    free(s);
    return ok;
}

int main(int argc, char **argv)
{
    const bool quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    const int seconds = quick ? 1 : 2, reps = quick ? 1 : 3;
    if (system("command -v wrk >/dev/null 2>&1") != 0) {
        fprintf(stderr, "bench_serve: wrk is not installed (scripts/deps.sh installs it)\n");
        return 1;
    }
    char exe[4096];
    const char *bin = getenv("MLODA_BIN");
    if (bin == NULL) {
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 16);
        exe[n > 0 ? n : 0] = '\0';
        char *slash = strrchr(exe, '/'); /* BUILD/bench/bench_serve -> BUILD/mloda */
        if (slash != NULL)
            *slash = '\0';
        slash = strrchr(exe, '/');
        if (slash != NULL)
            strcpy(slash, "/mloda");
        bin = exe;
    }
    char dir[] = "/tmp/mloda_bench_serve.XXXXXX";
    if (mkdtemp(dir) == NULL)
        return 1;
    char req_path[256], log_path[256], spec[300];
    (void)snprintf(req_path, sizeof req_path, "%s/req.json", dir);
    (void)snprintf(log_path, sizeof log_path, "%s/server.log", dir);
    (void)snprintf(spec, sizeof spec, "b=%s", req_path);
    write_file(req_path, REQUEST);

    const pid_t pid = fork();
    if (pid == 0) {
        FILE *log = freopen(log_path, "w", stderr);
        (void)log;
        execl(bin, bin, "serve", "--request", spec, "--listen", "127.0.0.1:0", "--quiet",
              (char *)NULL);
        _exit(127);
    }
    int port = 0;
    for (int i = 0; i < 600 && port == 0; i++) {
        FILE *fp = fopen(log_path, "r");
        char line[512];
        while (fp != NULL && fgets(line, sizeof line, fp) != NULL) {
            const char *at = strstr(line, "listening on http://127.0.0.1:");
            if (at != NULL)
                port = atoi(at + strlen("listening on http://127.0.0.1:"));
        }
        if (fp != NULL)
            fclose(fp);
        if (port == 0)
            nanosleep(&(struct timespec){0, 50000000}, NULL);
    }
    if (port == 0) {
        fprintf(stderr, "bench_serve: the server did not start (%s)\n", bin);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return 1;
    }
    static const int rows[2] = {1, 100};
    static const int conns[3] = {1, 16, 64};
    int status = 0;
    fprintf(stderr, "%-6s %-5s %12s %12s %10s %10s %10s %10s %10s\n", "rows", "conns", "run req/s",
            "noop req/s", "run p50", "noop p50", "run p99", "noop p99", "engine");
    for (int r = 0; r < 2 && status == 0; r++) {
        char *body = batch_text(rows[r]);
        const double engine = engine_us(body, 20000);
        char run_script[300], noop_script[300], run_url[128], noop_url[128];
        (void)snprintf(run_script, sizeof run_script, "%s/run_%d.lua", dir, rows[r]);
        (void)snprintf(noop_script, sizeof noop_script, "%s/noop_%d.lua", dir, rows[r]);
        write_script(run_script, body);
        write_script(noop_script, body);
        (void)snprintf(run_url, sizeof run_url, "http://127.0.0.1:%d/v1/run/b", port);
        (void)snprintf(noop_url, sizeof noop_url, "http://127.0.0.1:%d/v1/noop", port);
        for (int c = 0; c < 3; c++) {
            wrk_figures run, noop;
            if (!median_wrk(run_url, run_script, conns[c], seconds, reps, &run) ||
                !median_wrk(noop_url, noop_script, conns[c], seconds, reps, &noop)) {
                fprintf(stderr, "bench_serve: wrk failed\n");
                status = 1;
                break;
            }
            fprintf(stderr, "%-6d %-5d %12.0f %12.0f %8.0fus %8.0fus %8.0fus %8.0fus %8.2fus\n",
                    rows[r], conns[c], run.rps, noop.rps, run.p50_us, noop.p50_us, run.p99_us,
                    noop.p99_us, engine);
            char name[96];
            (void)snprintf(name, sizeof name, "serve_run_%drow_c%d_req_per_s", rows[r], conns[c]);
            result(name, run.rps, "req/s", "empty handler (POST /v1/noop), same server", noop.rps);
            (void)snprintf(name, sizeof name, "serve_run_%drow_c%d_p50", rows[r], conns[c]);
            result(name, run.p50_us, "us", "empty handler p50", noop.p50_us);
            (void)snprintf(name, sizeof name, "serve_run_%drow_c%d_p99", rows[r], conns[c]);
            result(name, run.p99_us, "us", "empty handler p99", noop.p99_us);
            if (conns[c] == 1) {
                (void)snprintf(name, sizeof name, "serve_run_%drow_c1_p50_vs_engine", rows[r]);
                result(name, run.p50_us, "us", "engine per batch (session_run, in-process)",
                       engine);
            }
        }
        free(body);
    }
    kill(pid, SIGTERM);
    int wst = 0;
    waitpid(pid, &wst, 0);
    if (!WIFEXITED(wst) || WEXITSTATUS(wst) != 0) {
        fprintf(stderr, "bench_serve: the server did not stop cleanly\n");
        status = 1;
    }
    char cmd[300];
    (void)snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    (void)!system(cmd);
    return status;
}
