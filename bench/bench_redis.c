/*
 * bench_redis.c: `mloda stream` workers over Redis Streams (issue 12's benchmark). Starts its
 * own redis-server (no persistence) on a free loopback port and runs the real executable
 * (BUILD/mloda, or $MLODA_BIN) with bench_core's request: four aggregations of one float64
 * column (one result table per batch). Batches of 1 and 1,000 rows.
 *
 * Figures (each the median of 3 runs; --quick: 1 run, fewer batches):
 *   - throughput, batches/s, of 1, 2 and 4 workers draining a stream that already holds the
 *     batches (from the first result entry to the last, by the output entries' server time),
 *     results to an output stream (the exactly-once Lua commit);
 *   - latency produce -> result in OUT, p50 and p99, of 1, 2 and 4 workers while a producer
 *     thread adds batches at a fixed rate (half of one worker's throughput) and this
 *     process reads OUT as entries arrive (XREAD BLOCK);
 * against baselines measured in the same run:
 *   - one `mloda stream` reading the same batches from a file, results to /dev/null
 *     (batches/s over (time of N batches - time of 1 batch): start-up excluded);
 *   - Redis's own round trip: a PING loop and an XADD loop (median of 20,000), the floor of
 *     any per-batch cost over Redis.
 * Where the time goes: CPU per batch of the workers (getrusage of the children) and of
 * redis-server (/proc/PID/stat) in each throughput run, against the file run's.
 * The machine has 2 cores shared by redis-server, the workers and this process.
 * Usage: bench_redis [--quick]
 */
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"

static const char REQUEST[] =
    "{\"features\": [\"v__sum_aggr\", \"v__mean_aggr\", \"v__max_aggr\", \"v__std_aggr\"],\n"
    " \"api_data\": {\"T\": {\"v\": [1.5, 2.25]}}}\n";

static const char *g_bin;
static char g_dir[64], g_req[128];
static int g_port;
static pid_t g_server;

/* CPU seconds (user + system) of the redis-server process so far. */
static double server_cpu_s(void)
{
    char path[64], line[1024];
    (void)snprintf(path, sizeof path, "/proc/%d/stat", (int)g_server);
    FILE *fp = fopen(path, "r");
    if (fp == NULL)
        return 0;
    const bool ok = fgets(line, sizeof line, fp) != NULL;
    fclose(fp);
    const char *p = ok ? strrchr(line, ')') : NULL;
    unsigned long long ut = 0, st = 0;
    if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
                            &st) != 2)
        return 0;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* CPU seconds of the children waited for so far (the workers, the file runs). */
static double children_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* CPU per batch of the last throughput run (us): the workers', redis-server's. */
static double g_worker_cpu_us, g_server_cpu_us;

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static double percentile(double *v, int n, double p)
{
    qsort(v, (size_t)n, sizeof *v, bench_cmp_double);
    int k = (int)(p * (n - 1) + 0.5);
    return v[k < 0 ? 0 : k >= n ? n - 1 : k];
}

static void result(const char *name, double value, const char *unit, const char *baseline,
                   double base_value)
{
    printf("RESULT\t%s\t%.6g\t%s\t%s\t%.6g\n", name, value, unit, baseline, base_value);
    fflush(stdout);
}

static char *batch_text(int rows, int seed)
{
    char *s = malloc((size_t)rows * 24 + 64);
    size_t len = (size_t)sprintf(s, "{\"T\": {\"v\": [");
    for (int i = 0; i < rows; i++)
        len += (size_t)sprintf(s + len, "%s%.2f", i ? ", " : "", 10.0 + ((i + seed) % 17) * 0.25);
    (void)sprintf(s + len, "]}}");
    return s;
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

/* fork + exec argv, stdout to out (NULL: /dev/null), stderr to /dev/null. */
static pid_t spawn(const char *const *argv, const char *out)
{
    const pid_t pid = fork();
    if (pid == 0) {
        FILE *o = freopen(out != NULL ? out : "/dev/null", "w", stdout);
        FILE *e = freopen("/dev/null", "w", stderr);
        (void)o;
        (void)e;
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

static int wait_pid(pid_t pid)
{
    int status = 0;
    if (waitpid(pid, &status, 0) < 0)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

static redisContext *connect_redis(void)
{
    redisContext *c = redisConnect("127.0.0.1", g_port);
    if (c != NULL && c->err) {
        redisFree(c);
        return NULL;
    }
    return c;
}

static void cmd(redisContext *c, const char *fmt, const char *arg)
{
    redisReply *r = redisCommand(c, fmt, arg);
    if (r != NULL)
        freeReplyObject(r);
}

/* ---------------------------------------------------------------- baselines */

/* Median round trip (us) of n commands. */
static double round_trip_us(redisContext *c, bool xadd, int n)
{
    double *t = malloc((size_t)n * sizeof *t);
    for (int i = 0; i < n; i++) {
        const double t0 = now_us();
        redisReply *r = xadd ? redisCommand(c, "XADD rtt MAXLEN ~ 1000 * f v") : redisCommand(c, "PING");
        t[i] = now_us() - t0;
        if (r != NULL)
            freeReplyObject(r);
    }
    const double m = bench_median(t, n);
    free(t);
    cmd(c, "DEL %s", "rtt");
    return m;
}

static void write_batches(const char *path, int n, int rows)
{
    FILE *fp = fopen(path, "w");
    for (int i = 0; i < n && fp != NULL; i++) {
        char *b = batch_text(rows, i);
        fprintf(fp, "%s\n", b);
        free(b);
    }
    if (fp != NULL)
        fclose(fp);
}

/* One `mloda stream` over a file of n batches: seconds. */
static double file_run_s(const char *path)
{
    const char *argv[] = {g_bin, "stream", "--request", g_req, "--batches", path, NULL};
    const double t0 = now_us();
    if (wait_pid(spawn(argv, NULL)) != 0)
        return -1;
    return (now_us() - t0) / 1e6;
}

/* ---------------------------------------------------------------- workers */

static void start_workers(pid_t *pids, int n, const char *in, const char *out, const char *idle)
{
    char in_url[128], out_url[128];
    (void)snprintf(in_url, sizeof in_url, "redis://127.0.0.1:%d/%s", g_port, in);
    (void)snprintf(out_url, sizeof out_url, "redis://127.0.0.1:%d/%s", g_port, out);
    for (int k = 0; k < n; k++) {
        char name[16];
        (void)snprintf(name, sizeof name, "w%d", k);
        const char *argv[] = {g_bin, "stream", "--request", g_req, "--batches", in_url,
                              "--group", "g", "--consumer", name, "--from", "0",
                              "--output", out_url, "--watch-timeout", idle, NULL};
        pids[k] = spawn(argv, NULL);
    }
}

static bool wait_workers(pid_t *pids, int n)
{
    bool ok = true;
    for (int k = 0; k < n; k++)
        ok = wait_pid(pids[k]) == 0 && ok;
    return ok;
}

/* The server time (ms) of an entry id "ms-seq". */
static double id_ms(const char *id)
{
    return strtod(id, NULL);
}

/* Adds n batches of `rows` rows to key, pipelined. */
static void produce(redisContext *c, const char *key, int n, int rows)
{
    char *b = batch_text(rows, 0);
    for (int i = 0; i < n; i++)
        redisAppendCommand(c, "XADD %s * batch %s", key, b);
    for (int i = 0; i < n; i++) {
        void *r = NULL;
        if (redisGetReply(c, &r) == REDIS_OK && r != NULL)
            freeReplyObject(r);
    }
    free(b);
}

/* n workers drain n_batches already in the stream: batches/s between the first and the last
 * output entry (server clock); -1 on failure. */
static double throughput(redisContext *c, int workers, int n_batches, int rows)
{
    cmd(c, "DEL %s", "tin");
    cmd(c, "DEL %s", "tout");
    produce(c, "tin", n_batches, rows);
    const double cpu0 = children_cpu_s(), srv0 = server_cpu_s();
    pid_t pids[4];
    start_workers(pids, workers, "tin", "tout", "0.3");
    const bool ok = wait_workers(pids, workers);
    g_worker_cpu_us = (children_cpu_s() - cpu0) / n_batches * 1e6;
    g_server_cpu_us = (server_cpu_s() - srv0) / n_batches * 1e6;
    redisReply *len = redisCommand(c, "XLEN tout");
    redisReply *first = redisCommand(c, "XRANGE tout - + COUNT 1");
    redisReply *last = redisCommand(c, "XREVRANGE tout + - COUNT 1");
    double rate = -1;
    if (ok && len != NULL && len->integer == n_batches && first != NULL && last != NULL &&
        first->elements == 1 && last->elements == 1) {
        const double span_ms = id_ms(last->element[0]->element[0]->str) -
                               id_ms(first->element[0]->element[0]->str);
        rate = span_ms > 0 ? (n_batches - 1) / (span_ms / 1e3) : -1;
    } else {
        fprintf(stderr, "bench_redis: throughput run failed (%d workers, %d rows: %lld of %d)\n",
                workers, rows, len != NULL ? len->integer : -1LL, n_batches);
    }
    freeReplyObject(len);
    freeReplyObject(first);
    freeReplyObject(last);
    cmd(c, "DEL %s", "tin");
    cmd(c, "DEL %s", "tout");
    return rate;
}

/* ---------------------------------------------------------------- latency */

typedef struct pacer {
    int n, rows;
    double rate; /* batches per second */
    _Atomic long long *sent_ns; /* by sequence number (the entry id's sequence part) */
} pacer;

static void *produce_paced(void *arg)
{
    pacer *p = arg;
    redisContext *c = connect_redis();
    if (c == NULL)
        return NULL;
    char *b = batch_text(p->rows, 0);
    const double t0 = now_us(), step = 1e6 / p->rate;
    for (int i = 0; i < p->n; i++) {
        const double due = t0 + i * step;
        double now = now_us();
        while (now < due) {
            if (due - now > 200) {
                struct timespec ts = {0, (long)((due - now - 100) * 1e3)};
                nanosleep(&ts, NULL);
            }
            now = now_us();
        }
        char id[32];
        (void)snprintf(id, sizeof id, "1-%d", i + 1);
        atomic_store(&p->sent_ns[i], (long long)(now_us() * 1e3));
        redisReply *r = redisCommand(c, "XADD lin %s batch %s", id, b);
        if (r != NULL)
            freeReplyObject(r);
    }
    free(b);
    redisFree(c);
    return NULL;
}

/* Latency produce -> result entry in OUT with n workers: p50 and p99 (us). */
static bool latency(redisContext *c, int workers, int n, int rows, double rate, double *p50,
                    double *p99)
{
    cmd(c, "DEL %s", "lin");
    cmd(c, "DEL %s", "lout");
    pid_t pids[4];
    start_workers(pids, workers, "lin", "lout", "1.5");
    sleep_s(0.3); /* the workers are ready */
    pacer p = {n, rows, rate, calloc((size_t)n, sizeof(_Atomic long long))};
    pthread_t th;
    pthread_create(&th, NULL, produce_paced, &p);
    double *lat = malloc((size_t)n * sizeof *lat);
    int got = 0;
    char cursor[64] = "0";
    const double give_up = now_us() + 60e6;
    while (got < n && now_us() < give_up) {
        redisReply *r = redisCommand(c, "XREAD COUNT 1000 BLOCK 1000 STREAMS lout %s", cursor);
        const double arrived_ns = now_us() * 1e3;
        if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements > 0) {
            const redisReply *entries = r->element[0]->element[1];
            for (size_t i = 0; i < entries->elements; i++) {
                const redisReply *e = entries->element[i];
                (void)snprintf(cursor, sizeof cursor, "%s", e->element[0]->str);
                const redisReply *f = e->element[1];
                for (size_t k = 0; k + 1 < f->elements; k += 2)
                    if (strcmp(f->element[k]->str, "input") == 0) {
                        const int seq = atoi(strchr(f->element[k + 1]->str, '-') + 1) - 1;
                        if (seq >= 0 && seq < n && got < n)
                            lat[got++] = (arrived_ns - (double)atomic_load(&p.sent_ns[seq])) / 1e3;
                    }
            }
        }
        if (r != NULL)
            freeReplyObject(r);
    }
    pthread_join(th, NULL);
    const bool ok = wait_workers(pids, workers) && got == n;
    if (ok) {
        *p50 = percentile(lat, n, 0.50);
        *p99 = percentile(lat, n, 0.99);
    } else {
        fprintf(stderr, "bench_redis: latency run failed (%d workers, %d rows: %d of %d)\n",
                workers, rows, got, n);
    }
    free(lat);
    free((void *)p.sent_ns);
    cmd(c, "DEL %s", "lin");
    cmd(c, "DEL %s", "lout");
    return ok;
}

/* ---------------------------------------------------------------- main */

int main(int argc, char **argv)
{
    const bool quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    const int reps = quick ? 1 : 3;
    char exe[4096];
    g_bin = getenv("MLODA_BIN");
    if (g_bin == NULL) {
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 16);
        exe[n > 0 ? n : 0] = '\0';
        char *slash = strrchr(exe, '/'); /* BUILD/bench/bench_redis -> BUILD/mloda */
        if (slash != NULL)
            *slash = '\0';
        slash = strrchr(exe, '/');
        if (slash != NULL)
            strcpy(slash, "/mloda");
        g_bin = exe;
    }
    if (system("command -v redis-server >/dev/null 2>&1") != 0) {
        fprintf(stderr, "bench_redis: redis-server is not installed (scripts/deps.sh installs it)\n");
        return 1;
    }
    (void)snprintf(g_dir, sizeof g_dir, "/tmp/mloda_bench_redis.XXXXXX");
    if (mkdtemp(g_dir) == NULL)
        return 1;
    (void)snprintf(g_req, sizeof g_req, "%s/req.json", g_dir);
    FILE *fp = fopen(g_req, "w");
    if (fp == NULL)
        return 1;
    fputs(REQUEST, fp);
    fclose(fp);
    g_port = free_port();
    char port[16];
    (void)snprintf(port, sizeof port, "%d", g_port);
    const char *server[] = {"redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "",
                            "--appendonly", "no", "--dir", g_dir, NULL};
    const pid_t srv = spawn(server, NULL);
    g_server = srv;
    redisContext *c = NULL;
    for (int i = 0; i < 200 && c == NULL; i++) {
        sleep_s(0.02);
        c = connect_redis();
    }
    if (c == NULL) {
        fprintf(stderr, "bench_redis: redis-server did not start\n");
        kill(srv, SIGTERM);
        return 1;
    }

    double ping[3], xadd[3];
    for (int r = 0; r < reps; r++) {
        ping[r] = round_trip_us(c, false, 20000);
        xadd[r] = round_trip_us(c, true, 20000);
    }
    const double rtt = bench_median(ping, reps), xadd_rtt = bench_median(xadd, reps);
    result("redis PING round trip", rtt, "us", "-", 0);
    result("redis XADD round trip", xadd_rtt, "us", "PING", rtt);

    static const int rows_of[2] = {1, 1000};
    for (int s = 0; s < 2; s++) {
        const int rows = rows_of[s];
        const int n = rows == 1 ? (quick ? 3000 : 20000) : (quick ? 300 : 1500);
        char path[160], one[160];
        (void)snprintf(path, sizeof path, "%s/b%d.ndjson", g_dir, rows);
        (void)snprintf(one, sizeof one, "%s/one%d.ndjson", g_dir, rows);
        write_batches(path, n, rows);
        write_batches(one, 1, rows);
        double f[3], fcpu[3];
        for (int r = 0; r < reps; r++) {
            const double t1 = file_run_s(one), cpu0 = children_cpu_s(), tn = file_run_s(path);
            fcpu[r] = (children_cpu_s() - cpu0) / n * 1e6;
            f[r] = tn > t1 ? (n - 1) / (tn - t1) : -1;
        }
        const double file_rate = bench_median(f, reps), file_cpu = bench_median(fcpu, reps);
        char name[160];
        (void)snprintf(name, sizeof name, "file: mloda stream, %d-row batches", rows);
        result(name, file_rate, "batches/s", "-", 0);
        double one_worker = 0;
        for (int workers = 1; workers <= 4; workers *= 2) {
            double t[3], wcpu[3], scpu[3];
            for (int r = 0; r < reps; r++) {
                t[r] = throughput(c, workers, n, rows);
                wcpu[r] = g_worker_cpu_us;
                scpu[r] = g_server_cpu_us;
            }
            const double rate = bench_median(t, reps);
            (void)snprintf(name, sizeof name, "redis: CPU per batch in the workers, %d worker%s, %d-row batches",
                           workers, workers > 1 ? "s" : "", rows);
            result(name, bench_median(wcpu, reps), "us", "file run's CPU per batch", file_cpu);
            (void)snprintf(name, sizeof name, "redis: CPU per batch in redis-server, %d worker%s, %d-row batches",
                           workers, workers > 1 ? "s" : "", rows);
            result(name, bench_median(scpu, reps), "us", "file run's CPU per batch", file_cpu);
            if (workers == 1)
                one_worker = rate;
            (void)snprintf(name, sizeof name, "redis: %d worker%s, %d-row batches", workers,
                           workers > 1 ? "s" : "", rows);
            result(name, rate, "batches/s", "file, one mloda stream", file_rate);
            if (workers == 1) {
                const double overhead_us = 1e6 / rate - 1e6 / file_rate;
                (void)snprintf(name, sizeof name,
                               "redis: per-batch overhead over the file path, %d-row batches", rows);
                result(name, overhead_us, "us", "PING round trip", rtt);
            } else {
                (void)snprintf(name, sizeof name, "redis: scaling %d workers / 1, %d-row batches",
                               workers, rows);
                result(name, rate / one_worker, "x", "ideal", workers);
            }
        }
        /* latency at half of one worker's throughput, for about 2 s (1 s quick) */
        const double pace = one_worker / 2;
        int n_lat = (int)(pace * (quick ? 1 : 2));
        n_lat = n_lat < 100 ? 100 : n_lat > 5000 ? 5000 : n_lat;
        for (int workers = 1; workers <= 4; workers *= 2) {
            double p50[3], p99[3];
            bool ok = true;
            for (int r = 0; r < reps && ok; r++)
                ok = latency(c, workers, n_lat, rows, pace, &p50[r], &p99[r]);
            if (!ok)
                continue;
            (void)snprintf(name, sizeof name, "redis: latency p50, %d worker%s, %d-row batches at %.0f/s",
                           workers, workers > 1 ? "s" : "", rows, pace);
            result(name, bench_median(p50, reps), "us", "PING round trip", rtt);
            (void)snprintf(name, sizeof name, "redis: latency p99, %d worker%s, %d-row batches at %.0f/s",
                           workers, workers > 1 ? "s" : "", rows, pace);
            result(name, bench_median(p99, reps), "us", "PING round trip", rtt);
        }
    }
    redisFree(c);
    kill(srv, SIGTERM);
    wait_pid(srv);
    char rm[128];
    (void)snprintf(rm, sizeof rm, "rm -rf '%s'", g_dir);
    return system(rm) == 0 ? 0 : 1;
}
