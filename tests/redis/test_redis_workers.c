/*
 * test_redis_workers.c: `mloda stream` workers over Redis Streams consumer groups, end to
 * end: a real redis-server on a free loopback port (tests/redis/redis_harness.h), batches
 * pushed with the real `mloda produce`, several real `mloda stream` worker processes, and
 * the output stream read back with hiredis.
 *
 * Every check of the output is "exactly once": each input entry's results are in the output
 * stream once (tables 0 and 1 of 2, each once), equal to what a single `mloda stream` run
 * over the same batches from a file prints, and their values are those worked out here
 * (batch i holds v = [i, i + 1, i / 2]: sum 2.5 i + 1, max i + 1).
 *
 * Cases: 2 and 4 workers; kill -9 of a worker twice at different points; a poison batch and
 * entries that are not NDJSON (dead-letter stream, the rest flows); the server killed and
 * restarted mid-run with persistence on; SIGTERM and SIGINT (exit 0, nothing pending for
 * that consumer); --stats (lag from XINFO GROUPS) and --max-in-flight; mloda produce
 * --maxlen; clear errors for bad URLs, unknown groups, passwords, keys of other types.
 * Sanitizer builds run the same cases on fewer batches.
 */
#include "redis_harness.h"
#include "test.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
enum { N_MAIN = 2000, N_SMALL = 600 };
#else
enum { N_MAIN = 10000, N_SMALL = 3000 };
#endif
/* CHECK_EQ_INT evaluates its arguments again to print them: run a call once */
#define CHECK_EQ_ONCE(expr, want)          \
    do {                                   \
        const long long once_ = (expr);    \
        CHECK_EQ_INT(once_, (want));       \
    } while (0)
#define WAIT_EXIT 180.0 /* seconds a worker may take (sanitizer builds on a busy machine) */

static const char REQUEST[] =
    "{\"features\": [\"v__sum_aggr\", \"v__max_aggr\", \"v__standard_scaled\"],\n"
    " \"api_data\": {\"T\": {\"v\": [1.5, 2.5]}}}\n";

static const char *g_dir;
static char g_req[PATH_MAX], g_batches[PATH_MAX];
static char *g_expected[N_MAIN][2]; /* the file run's tables of batch i, sorted */
static rh_server g_srv;

/* ---------------------------------------------------------------- data */

static void batch_line(char *buf, size_t cap, int i)
{
    (void)snprintf(buf, cap, "{\"T\": {\"v\": [%d, %d, %.1f]}}\n", i, i + 1, i * 0.5);
}

/* Lines [from, to) of the batches; line `poison` (if in range) has a string where a number
 * belongs. */
static void write_batches(const char *path, int from, int to, int poison)
{
    FILE *fp = fopen(path, "w");
    for (int i = from; fp != NULL && i < to; i++) {
        char line[128];
        if (i == poison)
            (void)snprintf(line, sizeof line, "{\"T\": {\"v\": [%d, \"oops\", 1.0]}}\n", i);
        else
            batch_line(line, sizeof line, i);
        fputs(line, fp);
    }
    if (fp != NULL)
        fclose(fp);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The single-file run: `mloda stream --batches FILE`, its lines per batch without "batch". */
static bool load_expected(void)
{
    char out[PATH_MAX];
    rh_path(out, g_dir, "file_run.ndjson");
    const char *argv[] = {rh_mloda(), "stream", "--request", g_req, "--batches", g_batches, NULL};
    const int code = rh_wait(rh_spawn(argv, out, NULL), WAIT_EXIT);
    CHECK_EQ_INT(code, 0);
    char *text = rh_read_file(out);
    int n = 0;
    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        int batch = -1, used = 0;
        if (sscanf(line, "{\"batch\": %d, %n", &batch, &used) != 1 || batch < 0 ||
            batch >= N_MAIN || used == 0)
            continue;
        char *rest = malloc(strlen(line) + 2);
        rest[0] = '{';
        strcpy(rest + 1, line + used);
        char **slot = g_expected[batch];
        if (slot[0] == NULL)
            slot[0] = rest;
        else if (slot[1] == NULL)
            slot[1] = rest;
        else
            free(rest);
        n++;
    }
    free(text);
    for (int i = 0; i < N_MAIN; i++)
        if (g_expected[i][0] != NULL && g_expected[i][1] != NULL)
            qsort(g_expected[i], 2, sizeof(char *), cmp_str);
    CHECK_EQ_INT(n, 2 * N_MAIN);
    return n == 2 * N_MAIN;
}

static void test_file_run(void)
{
    CHECK(load_expected());
}

/* ---------------------------------------------------------------- reading streams */

typedef struct entry {
    char *id;
    char *fields[16][2]; /* name, value */
    int n_fields;
} entry;

typedef struct entries {
    entry *v;
    int n, cap;
} entries;

static const char *field(const entry *e, const char *name)
{
    for (int i = 0; i < e->n_fields; i++)
        if (strcmp(e->fields[i][0], name) == 0)
            return e->fields[i][1];
    return NULL;
}

static void entries_free(entries *es)
{
    for (int i = 0; i < es->n; i++) {
        free(es->v[i].id);
        for (int k = 0; k < es->v[i].n_fields; k++) {
            free(es->v[i].fields[k][0]);
            free(es->v[i].fields[k][1]);
        }
    }
    free(es->v);
    memset(es, 0, sizeof *es);
}

/* Every entry of a stream, in order (XRANGE in pages). */
static entries read_stream(redisContext *c, const char *key)
{
    entries es = {NULL, 0, 0};
    char start[64] = "-";
    for (;;) {
        redisReply *r = redisCommand(c, "XRANGE %s %s + COUNT 5000", key, start);
        if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements == 0) {
            if (r != NULL)
                freeReplyObject(r);
            break;
        }
        for (size_t i = 0; i < r->elements; i++) {
            const redisReply *item = r->element[i];
            if (es.n == es.cap) {
                es.cap = es.cap > 0 ? es.cap * 2 : 1024;
                es.v = realloc(es.v, (size_t)es.cap * sizeof *es.v);
            }
            entry *e = &es.v[es.n++];
            memset(e, 0, sizeof *e);
            e->id = strdup(item->element[0]->str);
            const redisReply *f = item->element[1];
            for (size_t k = 0; f->type == REDIS_REPLY_ARRAY && k + 1 < f->elements && e->n_fields < 16;
                 k += 2) {
                e->fields[e->n_fields][0] = strdup(f->element[k]->str);
                e->fields[e->n_fields][1] = strdup(f->element[k + 1]->str);
                e->n_fields++;
            }
        }
        (void)snprintf(start, sizeof start, "(%s", r->element[r->elements - 1]->element[0]->str);
        freeReplyObject(r);
    }
    return es;
}

static int cmp_id(const char *a, const char *b)
{
    unsigned long long ams = 0, aseq = 0, bms = 0, bseq = 0;
    sscanf(a, "%llu-%llu", &ams, &aseq);
    sscanf(b, "%llu-%llu", &bms, &bseq);
    return ams != bms ? (ams < bms ? -1 : 1) : aseq != bseq ? (aseq < bseq ? -1 : 1) : 0;
}

/* Position of id in the input (ids in order), -1 when absent. */
static int find_input(const entries *in, const char *id)
{
    int lo = 0, hi = in->n - 1;
    while (lo <= hi) {
        const int mid = (lo + hi) / 2;
        const int c = cmp_id(in->v[mid].id, id);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

/* The first number of column `name` in a result text. */
static double first_value(const char *result, const char *name)
{
    char key[64];
    (void)snprintf(key, sizeof key, "\"%s\": [", name);
    const char *at = strstr(result, key);
    return at != NULL ? strtod(at + strlen(key), NULL) : NAN;
}

/* Checks the output stream against the input: position p of the input holds batch want[p]
 * (its results expected once) or -1 (no results: a dead letter). complete: every wanted
 * batch must be there; else (a stopped run) only: none twice, none wrong. Returns the number
 * of input entries with results. */
static int verify(redisContext *c, const char *in_key, const char *out_key, const int *want,
                  int n_want, bool complete)
{
    entries in = read_stream(c, in_key);
    entries out = read_stream(c, out_key);
    CHECK_EQ_INT(in.n, n_want);
    char *(*got)[2] = calloc((size_t)(in.n > 0 ? in.n : 1), sizeof *got);
    int(*count)[2] = calloc((size_t)(in.n > 0 ? in.n : 1), sizeof *count);
    int bad_fields = 0, unknown = 0, dups = 0, missing = 0, mismatched = 0, wrong_values = 0,
        unwanted = 0, with_results = 0;
    for (int i = 0; i < out.n; i++) {
        const entry *e = &out.v[i];
        const char *input = field(e, "input"), *group = field(e, "group");
        const char *table = field(e, "table"), *tables = field(e, "tables");
        const char *result = field(e, "result");
        if (input == NULL || group == NULL || table == NULL || tables == NULL || result == NULL ||
            strcmp(group, "g") != 0 || strcmp(tables, "2") != 0 ||
            (strcmp(table, "0") != 0 && strcmp(table, "1") != 0)) {
            bad_fields++;
            continue;
        }
        const int p = find_input(&in, input);
        if (p < 0) {
            unknown++;
            continue;
        }
        const int k = table[0] - '0';
        if (count[p][k]++ == 0)
            got[p][k] = strdup(result);
    }
    for (int p = 0; p < in.n && p < n_want; p++) {
        const int present = (count[p][0] > 0) + (count[p][1] > 0);
        dups += (count[p][0] > 1) + (count[p][1] > 1);
        if (want[p] < 0) {
            unwanted += present > 0;
            continue;
        }
        if (present == 0) {
            missing += complete;
            continue;
        }
        with_results++;
        if (present != 2) {
            missing++;
            continue;
        }
        char *pair[2] = {got[p][0], got[p][1]};
        qsort(pair, 2, sizeof(char *), cmp_str);
        const int i = want[p];
        if (g_expected[i][0] == NULL || strcmp(pair[0], g_expected[i][0]) != 0 ||
            strcmp(pair[1], g_expected[i][1]) != 0) {
            if (mismatched++ == 0)
                fprintf(stderr, "  batch %d: got\n    %s\n    %s\n  a file run gives\n    %s\n    %s\n",
                        i, pair[0], pair[1], g_expected[i][0] ? g_expected[i][0] : "(none)",
                        g_expected[i][1] ? g_expected[i][1] : "(none)");
        }
        const char *agg = strstr(pair[0], "v__sum_aggr") != NULL ? pair[0] : pair[1];
        if (!test_close_(first_value(agg, "v__sum_aggr"), 2.5 * i + 1) ||
            !test_close_(first_value(agg, "v__max_aggr"), (double)i + 1))
            wrong_values++;
    }
    CHECK_EQ_INT(bad_fields, 0);
    CHECK_EQ_INT(unknown, 0);
    CHECK_EQ_INT(dups, 0);
    CHECK_EQ_INT(missing, 0);
    CHECK_EQ_INT(mismatched, 0);
    CHECK_EQ_INT(wrong_values, 0);
    CHECK_EQ_INT(unwanted, 0);
    for (int p = 0; p < in.n; p++) {
        free(got[p][0]);
        free(got[p][1]);
    }
    free(got);
    free(count);
    entries_free(&in);
    entries_free(&out);
    return with_results;
}

/* ---------------------------------------------------------------- workers */

typedef struct worker {
    pid_t pid;
    char name[32];
    char err_path[PATH_MAX];
    char out_path[PATH_MAX]; /* its stdout */
} worker;

/* Starts `mloda stream` as consumer `name` of group g on in_key, results to out_key (NULL:
 * to stdout, --output -, kept in w->out_path). */
static void start_worker(worker *w, const rh_server *s, const char *name, const char *in_key,
                         const char *out_key, const char *const *extra)
{
    char in_url[256], out_url[256];
    rh_url(in_url, sizeof in_url, s, in_key);
    if (out_key != NULL)
        rh_url(out_url, sizeof out_url, s, out_key);
    else
        (void)snprintf(out_url, sizeof out_url, "-");
    (void)snprintf(w->name, sizeof w->name, "%s", name);
    char file[64];
    (void)snprintf(file, sizeof file, "%s.%s.err", in_key, name);
    rh_path(w->err_path, g_dir, file);
    (void)snprintf(file, sizeof file, "%s.%s.out", in_key, name);
    rh_path(w->out_path, g_dir, file);
    const char *argv[40] = {rh_mloda(), "stream", "--request", g_req, "--batches", in_url,
                            "--group", "g", "--consumer", name, "--from", "0",
                            "--output", out_url, "--watch-timeout", "1",
                            "--claim-interval", "0.3"};
    int n = 18;
    bool claim_after = false, stats = false;
    for (int i = 0; extra != NULL && extra[i] != NULL && n < 34; i++) {
        claim_after = claim_after || strcmp(extra[i], "--claim-after") == 0;
        stats = stats || strcmp(extra[i], "--stats") == 0;
        argv[n++] = extra[i];
    }
    if (!claim_after) {
        argv[n++] = "--claim-after";
        argv[n++] = "1";
    }
    if (!stats) {
        argv[n++] = "--stats";
        argv[n++] = "600";
    }
    argv[n] = NULL;
    w->pid = rh_spawn(argv, w->out_path, w->err_path);
}

/* Waits for a worker's exit; its stderr must hold no sanitizer report. Returns the code. */
static int finish_worker(worker *w)
{
    const int code = rh_wait(w->pid, WAIT_EXIT);
    char *log = rh_read_file(w->err_path);
    CHECK_MSG(strstr(log, "Sanitizer") == NULL && strstr(log, "runtime error") == NULL,
              "worker %s's stderr has a sanitizer report:\n%s", w->name, log);
    if (code != 0)
        fprintf(stderr, "  worker %s exited %d:\n%s\n", w->name, code, log);
    free(log);
    return code;
}

/* A number from the worker's last stats line ("claims 3" -> 3); -1 when absent. */
static long long stat_of(const worker *w, const char *name)
{
    char *log = rh_read_file(w->err_path);
    long long v = -1;
    char key[64];
    (void)snprintf(key, sizeof key, "%s ", name);
    for (const char *at = strstr(log, "stats: "); at != NULL; at = strstr(at + 1, "stats: ")) {
        const char *k = strstr(at, key);
        if (k != NULL)
            v = atoll(k + strlen(key));
    }
    free(log);
    return v;
}

static int produce(const rh_server *s, const char *key, const char *file)
{
    char url[256];
    rh_url(url, sizeof url, s, key);
    const char *argv[] = {rh_mloda(), "produce", "--to", url, file, NULL};
    return rh_wait(rh_spawn(argv, NULL, NULL), WAIT_EXIT);
}

static int *identity(int n)
{
    int *want = malloc((size_t)n * sizeof *want);
    for (int i = 0; i < n; i++)
        want[i] = i;
    return want;
}

static long long pending_of(redisContext *c, const char *key, const char *consumer)
{
    redisReply *r = redisCommand(c, "XPENDING %s g - + 100000 %s", key, consumer);
    const long long n = r != NULL && r->type == REDIS_REPLY_ARRAY ? (long long)r->elements : -1;
    if (r != NULL)
        freeReplyObject(r);
    return n;
}

/* Waits until key has at least n entries (or timeout seconds). */
static bool wait_len(redisContext *c, const char *key, long long n, double timeout)
{
    const double until = rh_now() + timeout;
    while (rh_now() < until) {
        if (rh_int_command(c, "XLEN %s", key) >= n)
            return true;
        rh_sleep(0.005);
    }
    return false;
}

/* The process is stopped (state T in /proc/PID/stat), or timeout seconds passed. */
static bool wait_stopped(pid_t pid, double timeout)
{
    char path[64];
    (void)snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    const double until = rh_now() + timeout;
    while (rh_now() < until) {
        char stat[512] = "";
        FILE *fp = fopen(path, "r"); /* its size reads as 0: not rh_read_file */
        if (fp != NULL) {
            if (fgets(stat, sizeof stat, fp) == NULL)
                stat[0] = '\0';
            fclose(fp);
        }
        const char *paren = strrchr(stat, ')');
        const bool stopped = paren != NULL && (paren[2] == 'T' || paren[2] == 't');
        if (stopped)
            return true;
        rh_sleep(0.001);
    }
    return false;
}

/* Stops worker w (SIGSTOP) at a moment it holds entries of key (taken, not settled): a
 * stop that lands between settling a chunk and taking the next is resumed and tried again.
 * Returns how many it holds (0: never caught holding any). */
static long long stop_holding(redisContext *c, const char *key, const worker *w)
{
    for (int attempt = 0; attempt < 200; attempt++) {
        kill(w->pid, SIGSTOP);
        if (!wait_stopped(w->pid, 10))
            break;
        const long long held = pending_of(c, key, w->name);
        if (held > 0)
            return held;
        kill(w->pid, SIGCONT);
        rh_sleep(0.002);
    }
    return 0;
}

/* ---------------------------------------------------------------- cases */

static void run_workers(int n_workers, const char *in_key, const char *out_key)
{
    TEST_CASE("%d workers, %d batches", n_workers, N_MAIN);
    CHECK_EQ_ONCE(produce(&g_srv, in_key, g_batches), 0);
    worker w[4];
    for (int k = 0; k < n_workers; k++) {
        char name[16];
        (void)snprintf(name, sizeof name, "w%d", k + 1);
        start_worker(&w[k], &g_srv, name, in_key, out_key, NULL);
    }
    long long total = 0;
    for (int k = 0; k < n_workers; k++) {
        CHECK_EQ_ONCE(finish_worker(&w[k]), 0);
        total += stat_of(&w[k], "batches");
    }
    redisContext *c = rh_connect(&g_srv);
    int *want = identity(N_MAIN);
    CHECK_EQ_ONCE(verify(c, in_key, out_key, want, N_MAIN, true), N_MAIN);
    /* nothing left pending; every batch counted once by the worker that settled it */
    redisReply *r = redisCommand(c, "XPENDING %s g", in_key);
    CHECK(r != NULL && r->type == REDIS_REPLY_ARRAY && r->element[0]->integer == 0);
    freeReplyObject(r);
    CHECK_EQ_INT(total, N_MAIN);
    CHECK_EQ_ONCE(rh_int_command(c, "XLEN %s:dead", in_key), 0);
    free(want);
    redisFree(c);
}

static void test_two_workers(void)
{
    run_workers(2, "two", "two_out");
}

static void test_four_workers(void)
{
    run_workers(4, "four", "four_out");
}

/* Two of three workers are killed with SIGKILL, at about 15% and 55% of the output; the
 * third claims what they held. */
static void test_kill9_twice(void)
{
    TEST_CASE("kill -9 twice, %d batches", N_MAIN);
    CHECK_EQ_ONCE(produce(&g_srv, "kill", g_batches), 0);
    redisContext *c = rh_connect(&g_srv);
    worker w[3];
    const char *slow[] = {"--max-in-flight", "32", NULL};
    start_worker(&w[0], &g_srv, "w1", "kill", "kill_out", slow);
    start_worker(&w[1], &g_srv, "w2", "kill", "kill_out", slow);
    start_worker(&w[2], &g_srv, "w3", "kill", "kill_out", slow);
    const double points[2] = {0.15, 0.55};
    for (int k = 0; k < 2; k++) {
        CHECK(wait_len(c, "kill_out", (long long)(2 * N_MAIN * points[k]), WAIT_EXIT));
        /* killed while it holds entries (taken, not settled): the others must claim them */
        CHECK_MSG(stop_holding(c, "kill", &w[k]) > 0, "%s was never caught holding entries",
                  w[k].name);
        kill(w[k].pid, SIGKILL);
        const int code = rh_wait(w[k].pid, 10);
        CHECK_EQ_INT(code, 128 + SIGKILL);
        CHECK_MSG(pending_of(c, "kill", w[k].name) > 0, "%s had nothing pending when killed",
                  w[k].name);
    }
    CHECK_EQ_ONCE(finish_worker(&w[2]), 0);
    CHECK_MSG(stat_of(&w[2], "claims") > 0, "the survivor claimed nothing");
    int *want = identity(N_MAIN);
    CHECK_EQ_ONCE(verify(c, "kill", "kill_out", want, N_MAIN, true), N_MAIN);
    CHECK_EQ_ONCE(pending_of(c, "kill", "w1"), 0);
    CHECK_EQ_ONCE(pending_of(c, "kill", "w2"), 0);
    free(want);
    redisFree(c);
}

/* A worker stalls (SIGSTOP: a long pause, a stuck network) holding entries; another claims
 * and settles them; the stalled one resumes and computes them again: its results must not
 * be written a second time (the commit script finds the entries settled). */
static void test_stalled_worker(void)
{
    TEST_CASE("stalled worker");
    char file[PATH_MAX];
    rh_path(file, g_dir, "stall.ndjson");
    write_batches(file, 0, N_SMALL, -1);
    CHECK_EQ_ONCE(produce(&g_srv, "stall", file), 0);
    redisContext *c = rh_connect(&g_srv);
    worker w[2];
    const char *extra[] = {"--max-in-flight", "64", NULL};
    start_worker(&w[0], &g_srv, "w1", "stall", "stall_out", extra);
    start_worker(&w[1], &g_srv, "w2", "stall", "stall_out", extra);
    CHECK(wait_len(c, "stall_out", N_SMALL / 5, WAIT_EXIT));
    const long long held = stop_holding(c, "stall", &w[0]);
    CHECK_MSG(held > 0, "w1 held nothing when stopped");
    CHECK_MSG(held <= 64, "w1 held %lld entries, more than --max-in-flight 64", held);
    CHECK_EQ_ONCE(finish_worker(&w[1]), 0); /* it claims w1's entries and does everything */
    CHECK_EQ_ONCE(pending_of(c, "stall", "w1"), 0);
    kill(w[0].pid, SIGCONT);
    CHECK_EQ_ONCE(finish_worker(&w[0]), 0);
    CHECK_MSG(stat_of(&w[0], "duplicates skipped") > 0,
              "w1 resumed with %lld entries in hand but skipped no duplicate", held);
    int *want = identity(N_SMALL);
    CHECK_EQ_ONCE(verify(c, "stall", "stall_out", want, N_SMALL, true), N_SMALL);
    free(want);
    redisFree(c);
}

/* A batch of the wrong type, one that is not JSON and an entry without a "batch" field go to
 * the dead-letter stream with their errors; the rest flows, exactly once. */
static void test_poison(void)
{
    TEST_CASE("poison batches");
    char a[PATH_MAX], b[PATH_MAX];
    rh_path(a, g_dir, "poison_a.ndjson");
    rh_path(b, g_dir, "poison_b.ndjson");
    write_batches(a, 0, 1000, 500);
    write_batches(b, 1000, 1200, -1);
    CHECK_EQ_ONCE(produce(&g_srv, "poison", a), 0);
    redisContext *c = rh_connect(&g_srv);
    redisReply *r1 = redisCommand(c, "XADD poison * batch %s", "{\"T\": {\"v\": [1, 2");
    redisReply *r2 = redisCommand(c, "XADD poison * value 1 note %s", "no batch here");
    CHECK(r1 != NULL && r1->type == REDIS_REPLY_STRING);
    CHECK(r2 != NULL && r2->type == REDIS_REPLY_STRING);
    char id_json[64] = "", id_field[64] = "";
    if (r1 != NULL && r1->type == REDIS_REPLY_STRING)
        (void)snprintf(id_json, sizeof id_json, "%s", r1->str);
    if (r2 != NULL && r2->type == REDIS_REPLY_STRING)
        (void)snprintf(id_field, sizeof id_field, "%s", r2->str);
    freeReplyObject(r1);
    freeReplyObject(r2);
    CHECK_EQ_ONCE(produce(&g_srv, "poison", b), 0);
    worker w[2];
    start_worker(&w[0], &g_srv, "w1", "poison", "poison_out", NULL);
    start_worker(&w[1], &g_srv, "w2", "poison", "poison_out", NULL);
    CHECK_EQ_ONCE(finish_worker(&w[0]), 0);
    CHECK_EQ_ONCE(finish_worker(&w[1]), 0);
    CHECK_EQ_ONCE(stat_of(&w[0], "failures") + stat_of(&w[1], "failures"), 3);
    int want[1202];
    for (int p = 0; p < 1202; p++)
        want[p] = p < 1000 ? p : p < 1002 ? -1 : p - 2;
    want[500] = -1;
    CHECK_EQ_ONCE(verify(c, "poison", "poison_out", want, 1202, true), 1199);
    entries in = read_stream(c, "poison");
    entries dead = read_stream(c, "poison:dead");
    CHECK_EQ_INT(dead.n, 3);
    int seen = 0;
    for (int i = 0; i < dead.n; i++) {
        const entry *e = &dead.v[i];
        const char *input = field(e, "input"), *code = field(e, "code"), *error = field(e, "error");
        CHECK(input != NULL && code != NULL && error != NULL);
        if (input == NULL || code == NULL || error == NULL)
            continue;
        CHECK_STR(field(e, "group"), "g");
        CHECK_STR(field(e, "stream"), "poison");
        CHECK_STR(field(e, "deliveries"), "1");
        TEST_CASE("dead letter %s: %s", code, error);
        CHECK_CONTAINS(error, input); /* the message names the entry */
        if (in.n > 500 && strcmp(input, in.v[500].id) == 0) {
            seen |= 1;
            CHECK_STR(code, "MLODA_ERR_TYPE");
            CHECK_CONTAINS(error, "column 'v'");
            CHECK_CONTAINS(error, "expected float64");
            CHECK_STR(field(e, "batch"), "{\"T\": {\"v\": [500, \"oops\", 1.0]}}");
        } else if (strcmp(input, id_json) == 0) {
            seen |= 2;
            CHECK_STR(code, "MLODA_ERR_PARSE");
            CHECK_CONTAINS(error, "line 1, column");
        } else if (strcmp(input, id_field) == 0) {
            seen |= 4;
            CHECK_STR(code, "MLODA_ERR_PARSE");
            CHECK_CONTAINS(error, "has no field 'batch' (its fields: 'value', 'note')");
        }
    }
    CHECK_EQ_INT(seen, 7);
    char *log0 = rh_read_file(w[0].err_path), *log1 = rh_read_file(w[1].err_path);
    CHECK_MSG(strstr(log0, "has no field 'batch'") != NULL || strstr(log1, "has no field 'batch'") != NULL,
              "no worker reported the entry without a batch:\n%s\n%s", log0, log1);
    free(log0);
    free(log1);
    entries_free(&in);
    entries_free(&dead);
    redisFree(c);
}

/* An entry handed out more than --max-deliveries times is not computed again. */
static void test_max_deliveries(void)
{
    TEST_CASE("max deliveries");
    redisContext *c = rh_connect(&g_srv);
    char line[128];
    batch_line(line, sizeof line, 7);
    line[strlen(line) - 1] = '\0';
    redisReply *r = redisCommand(c, "XADD redo * batch %s", line);
    char id[64] = "";
    if (r != NULL && r->type == REDIS_REPLY_STRING)
        (void)snprintf(id, sizeof id, "%s", r->str);
    freeReplyObject(r);
    freeReplyObject(redisCommand(c, "XGROUP CREATE redo g 0"));
    /* three deliveries that never settled: consumers that died while computing it */
    freeReplyObject(redisCommand(c, "XREADGROUP GROUP g gone0 STREAMS redo >"));
    for (int k = 1; k < 3; k++)
        freeReplyObject(redisCommand(c, "XCLAIM redo g gone%d 0 %s", k, id));
    worker w;
    const char *extra[] = {"--max-deliveries", "3", "--claim-after", "0.05", NULL};
    rh_sleep(0.1);
    start_worker(&w, &g_srv, "w1", "redo", "redo_out", extra);
    CHECK_EQ_ONCE(finish_worker(&w), 0);
    CHECK_EQ_ONCE(rh_int_command(c, "XLEN redo_out"), 0);
    entries dead = read_stream(c, "redo:dead");
    CHECK_EQ_INT(dead.n, 1);
    if (dead.n == 1) {
        CHECK_STR(field(&dead.v[0], "input"), id);
        CHECK_STR(field(&dead.v[0], "code"), "MAX_DELIVERIES");
        CHECK_STR(field(&dead.v[0], "deliveries"), "4");
        CHECK_CONTAINS(field(&dead.v[0], "error"), "more than --max-deliveries 3");
        CHECK_STR(field(&dead.v[0], "batch"), line);
    }
    CHECK_EQ_ONCE(rh_int_command(c, "XLEN redo"), 1);
    redisReply *p = redisCommand(c, "XPENDING redo g");
    CHECK(p != NULL && p->type == REDIS_REPLY_ARRAY && p->element[0]->integer == 0);
    freeReplyObject(p);
    entries_free(&dead);
    redisFree(c);
}

/* The server is killed (SIGKILL) mid-run and started again on its data (append-only file,
 * fsync always): the workers reconnect and finish; nothing lost, nothing doubled. */
static void test_server_restart(void)
{
    TEST_CASE("server restart, %d batches", N_MAIN);
    rh_server s;
    memset(&s, 0, sizeof s);
    rh_path(s.dir, g_dir, "persist");
    mkdir(s.dir, 0700);
    s.persist = true;
    if (!rh_server_start(&s)) {
        CHECK_MSG(false, "the persistent redis-server did not start");
        return;
    }
    CHECK_EQ_ONCE(produce(&s, "rs", g_batches), 0);
    worker w[2];
    start_worker(&w[0], &s, "w1", "rs", "rs_out", NULL);
    start_worker(&w[1], &s, "w2", "rs", "rs_out", NULL);
    redisContext *c = rh_connect(&s);
    CHECK(wait_len(c, "rs_out", (long long)(2 * N_MAIN * 0.3), WAIT_EXIT));
    redisFree(c);
    rh_server_stop(&s, SIGKILL);
    rh_sleep(0.5); /* the workers see the connection go and retry */
    CHECK(rh_server_start(&s));
    CHECK_EQ_ONCE(finish_worker(&w[0]), 0);
    CHECK_EQ_ONCE(finish_worker(&w[1]), 0);
    char *log0 = rh_read_file(w[0].err_path), *log1 = rh_read_file(w[1].err_path);
    CHECK_CONTAINS(log0, "reconnected");
    CHECK_CONTAINS(log1, "reconnected");
    free(log0);
    free(log1);
    c = rh_connect(&s);
    int *want = identity(N_MAIN);
    CHECK_EQ_ONCE(verify(c, "rs", "rs_out", want, N_MAIN, true), N_MAIN);
    free(want);
    redisFree(c);
    rh_server_stop(&s, SIGTERM);
}

/* SIGTERM or SIGINT, sent while the worker holds entries: it finishes and settles what it
 * holds and exits 0, leaving nothing pending under its name; a second worker then does the
 * rest, still exactly once. */
static void run_signal(int sig, const char *key)
{
    TEST_CASE("%s", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    char file[PATH_MAX], out[64];
    rh_path(file, g_dir, "term.ndjson");
    write_batches(file, 0, N_SMALL, -1);
    (void)snprintf(out, sizeof out, "%s_out", key);
    CHECK_EQ_ONCE(produce(&g_srv, key, file), 0);
    redisContext *c = rh_connect(&g_srv);
    worker w;
    const char *extra[] = {"--max-in-flight", "64", NULL};
    start_worker(&w, &g_srv, "w1", key, out, extra);
    CHECK(wait_len(c, out, N_SMALL / 5, WAIT_EXIT));
    /* the signal arrives while the worker holds entries (stopped with them, then resumed) */
    const long long held = stop_holding(c, key, &w);
    CHECK_MSG(held > 0, "w1 was never caught holding entries");
    kill(w.pid, sig);
    kill(w.pid, SIGCONT);
    const double t0 = rh_now();
    CHECK_EQ_ONCE(finish_worker(&w), 0);
    CHECK_MSG(rh_now() - t0 < 10, "the worker took %.1f s to stop", rh_now() - t0);
    CHECK_EQ_ONCE(pending_of(c, key, "w1"), 0);
    int *want = identity(N_SMALL);
    const int done = verify(c, key, out, want, N_SMALL, false);
    CHECK_MSG(done > 0 && done < N_SMALL, "%d of %d batches done at the signal", done, N_SMALL);
    CHECK_EQ_ONCE(stat_of(&w, "batches"), done);
    worker w2;
    start_worker(&w2, &g_srv, "w2", key, out, NULL);
    CHECK_EQ_ONCE(finish_worker(&w2), 0);
    CHECK_EQ_ONCE(verify(c, key, out, want, N_SMALL, true), N_SMALL);
    free(want);
    redisFree(c);
}

static void test_sigterm(void)
{
    run_signal(SIGTERM, "term");
}

static void test_sigint(void)
{
    run_signal(SIGINT, "int");
}

/* mloda produce --maxlen N trims the stream to about N entries (XADD MAXLEN ~: whole nodes
 * of 100 entries, so at least N and fewer than N + 100 more), keeping the newest; - reads
 * stdin. */
static void test_produce_maxlen(void)
{
    TEST_CASE("produce --maxlen");
    char file[PATH_MAX], url[256], script[PATH_MAX * 2 + 512];
    rh_path(file, g_dir, "maxlen.ndjson");
    write_batches(file, 0, 2000, -1);
    rh_url(url, sizeof url, &g_srv, "trimmed");
    (void)snprintf(script, sizeof script, "cat '%s' | '%s' produce --to '%s' --maxlen 150 -", file,
                   rh_mloda(), url);
    const char *argv[] = {"/bin/sh", "-c", script, NULL};
    CHECK_EQ_ONCE(rh_wait(rh_spawn(argv, NULL, NULL), WAIT_EXIT), 0);
    redisContext *c = rh_connect(&g_srv);
    const long long n = rh_int_command(c, "XLEN trimmed");
    CHECK_MSG(n >= 150 && n < 250, "XLEN %lld after 2000 entries with --maxlen 150", n);
    entries es = read_stream(c, "trimmed");
    char last[128], first[128];
    batch_line(last, sizeof last, 1999);
    last[strlen(last) - 1] = '\0';
    batch_line(first, sizeof first, (int)(2000 - n));
    first[strlen(first) - 1] = '\0';
    CHECK(es.n == n && es.n > 0);
    if (es.n > 0) {
        CHECK_STR(field(&es.v[es.n - 1], "batch"), last);
        CHECK_STR(field(&es.v[0], "batch"), first);
    }
    entries_free(&es);
    redisFree(c);
}

/* Results to stdout (no --output): one worker prints each batch's tables as a file run
 * does ("batch": i counts the entries it took, in stream order), and acknowledges them. */
static void test_stdout(void)
{
    TEST_CASE("results to stdout");
    enum { N = 300 };
    char file[PATH_MAX];
    rh_path(file, g_dir, "stdout.ndjson");
    write_batches(file, 0, N, -1);
    CHECK_EQ_ONCE(produce(&g_srv, "plain", file), 0);
    worker w;
    start_worker(&w, &g_srv, "w1", "plain", NULL, NULL);
    CHECK_EQ_ONCE(finish_worker(&w), 0);
    char *text = rh_read_file(w.out_path);
    static char *got[N][2];
    int lines = 0, bad = 0;
    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        int batch = -1, used = 0;
        lines++;
        if (sscanf(line, "{\"batch\": %d, %n", &batch, &used) != 1 || batch < 0 || batch >= N ||
            used == 0 || got[batch][1] != NULL) {
            bad++;
            continue;
        }
        char *rest = malloc(strlen(line) + 2);
        rest[0] = '{';
        strcpy(rest + 1, line + used);
        got[batch][got[batch][0] != NULL] = rest;
    }
    free(text);
    CHECK_EQ_INT(lines, 2 * N);
    CHECK_EQ_INT(bad, 0);
    int differ = 0;
    for (int i = 0; i < N; i++) {
        if (got[i][0] != NULL && got[i][1] != NULL)
            qsort(got[i], 2, sizeof(char *), cmp_str);
        if (got[i][0] == NULL || got[i][1] == NULL || strcmp(got[i][0], g_expected[i][0]) != 0 ||
            strcmp(got[i][1], g_expected[i][1]) != 0)
            differ++;
        free(got[i][0]);
        free(got[i][1]);
    }
    CHECK_EQ_INT(differ, 0);
    redisContext *c = rh_connect(&g_srv);
    redisReply *r = redisCommand(c, "XPENDING plain g");
    CHECK(r != NULL && r->type == REDIS_REPLY_ARRAY && r->element[0]->integer == 0);
    freeReplyObject(r);
    CHECK_EQ_ONCE(stat_of(&w, "batches"), N);
    redisFree(c);
}

/* The largest value of `name` over all of the worker's stats lines; -1 when absent. */
static long long max_stat_of(const worker *w, const char *name)
{
    char *log = rh_read_file(w->err_path);
    long long v = -1;
    char key[64];
    (void)snprintf(key, sizeof key, ", %s ", name);
    for (const char *at = strstr(log, "stats: "); at != NULL; at = strstr(at + 1, "stats: ")) {
        const char *end = strchr(at, '\n');
        const char *k = strstr(at, key);
        if (k != NULL && (end == NULL || k < end) && atoll(k + strlen(key)) > v)
            v = atoll(k + strlen(key));
    }
    free(log);
    return v;
}

/* --stats: a worker waits on an empty stream and is stopped (SIGSTOP) while 100 entries are
 * added; once resumed its first stats line shows them as lag (XINFO GROUPS: 100, less the
 * at most --max-in-flight 4 the server may have handed it already). It never holds more than 4
 * entries; its last line counts every batch and row (3 rows a batch), nothing pending. */
static void test_stats(void)
{
    TEST_CASE("stats and max in flight");
    char file[PATH_MAX];
    rh_path(file, g_dir, "stats.ndjson");
    write_batches(file, 0, 100, -1);
    redisContext *c = rh_connect(&g_srv);
    worker w;
    const char *extra[] = {"--max-in-flight", "4", "--stats", "0.05", NULL};
    start_worker(&w, &g_srv, "w1", "stats", "stats_out", extra);
    const double until = rh_now() + WAIT_EXIT; /* the worker made the group: it is waiting */
    while (rh_now() < until && rh_int_command(c, "EXISTS stats") != 1)
        rh_sleep(0.01);
    rh_sleep(0.2);
    kill(w.pid, SIGSTOP);
    CHECK_EQ_ONCE(produce(&g_srv, "stats", file), 0);
    rh_sleep(0.2); /* past its next stats time: the first thing it does is report */
    kill(w.pid, SIGCONT);
    long long most = 0;
    for (int k = 0; k < 100000 && rh_int_command(c, "XLEN stats_out") < 200; k++) {
        const long long held = pending_of(c, "stats", "w1");
        most = held > most ? held : most;
        rh_sleep(0.0005);
    }
    CHECK_MSG(most <= 4, "the worker held %lld entries, more than --max-in-flight 4", most);
    CHECK_EQ_ONCE(finish_worker(&w), 0);
    const long long lag = max_stat_of(&w, "lag");
    CHECK_MSG(lag >= 96 && lag <= 100, "the largest lag reported is %lld, not 96 to 100", lag);
    const long long in_flight = max_stat_of(&w, "in flight");
    CHECK_MSG(in_flight >= 0 && in_flight <= 4, "in flight %lld reported", in_flight);
    CHECK_EQ_ONCE(stat_of(&w, "batches"), 100);
    CHECK_EQ_ONCE(stat_of(&w, "rows"), 300);
    CHECK_EQ_ONCE(stat_of(&w, "failures"), 0);
    CHECK_EQ_ONCE(stat_of(&w, "dead letters"), 0);
    CHECK_EQ_ONCE(stat_of(&w, "in flight"), 0);
    CHECK_EQ_ONCE(stat_of(&w, "pending"), 0);
    CHECK_EQ_ONCE(stat_of(&w, "lag"), 0);
    int *want = identity(100);
    CHECK_EQ_ONCE(verify(c, "stats", "stats_out", want, 100, true), 100);
    free(want);
    redisFree(c);
}

/* Runs mloda with args; checks the exit code and that stderr holds `needle`. */
static void expect_failure(const char *const *args, int want_code, const char *needle)
{
    char err_path[PATH_MAX];
    rh_path(err_path, g_dir, "fail.err");
    const char *argv[40] = {rh_mloda()};
    int n = 1;
    for (int i = 0; args[i] != NULL && n < 39; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    const int code = rh_wait(rh_spawn(argv, NULL, err_path), 60);
    char *log = rh_read_file(err_path);
    CHECK_MSG(code == want_code, "exit %d, not %d; stderr:\n%s", code, want_code, log);
    CHECK_CONTAINS(log, needle);
    CHECK(strstr(log, "Sanitizer") == NULL);
    CHECK(strstr(log, "s3cret") == NULL); /* a password is never shown */
    free(log);
}

static void test_errors(void)
{
    redisContext *c = rh_connect(&g_srv);
    freeReplyObject(redisCommand(c, "XADD errs * batch %s", "{\"T\": {\"v\": [1]}}"));
    freeReplyObject(redisCommand(c, "XGROUP CREATE errs g 0"));
    freeReplyObject(redisCommand(c, "XGROUP CREATE errs other 0"));
    freeReplyObject(redisCommand(c, "SET astring x"));
    rh_server pw;
    memset(&pw, 0, sizeof pw);
    rh_path(pw.dir, g_dir, "pw");
    mkdir(pw.dir, 0700);
    (void)snprintf(pw.password, sizeof pw.password, "s3cret");
    CHECK(rh_server_start(&pw));
    char ok[128], nope[128], wrongpw[128], nopw[128], refused[128], other[128], same[128];
    char str_out[128], str_in[128];
    (void)snprintf(ok, sizeof ok, "redis://127.0.0.1:%d/errs", g_srv.port);
    (void)snprintf(nope, sizeof nope, "redis://127.0.0.1:%d/nosuchstream", g_srv.port);
    (void)snprintf(wrongpw, sizeof wrongpw, "redis://:wrong@127.0.0.1:%d/errs", pw.port);
    (void)snprintf(nopw, sizeof nopw, "redis://127.0.0.1:%d/errs", pw.port);
    (void)snprintf(refused, sizeof refused, "redis://127.0.0.1:%d/errs", rh_free_port());
    (void)snprintf(other, sizeof other, "redis://127.0.0.1:%d/out", pw.port);
    (void)snprintf(same, sizeof same, "redis://127.0.0.1:%d/errs", g_srv.port);
    (void)snprintf(str_out, sizeof str_out, "redis://127.0.0.1:%d/astring", g_srv.port);
    (void)snprintf(str_in, sizeof str_in, "redis://127.0.0.1:%d/astring", g_srv.port);
    static const struct {
        const char *batches, *extra1, *extra2;
        int code;
        const char *needle;
    } cases[] = {
        {"redis://127.0.0.1", NULL, NULL, 2, "no stream named after the server"},
        {"redis://127.0.0.1:0/s", NULL, NULL, 2, "the port must be a number from 1 to 65535"},
        {"redis://127.0.0.1:99999/s", NULL, NULL, 2, "the port must be a number"},
        {"redis://127.0.0.1:/s", NULL, NULL, 2, "the port is empty"},
        {"redis://:@127.0.0.1/s", NULL, NULL, 2, "the password is empty"},
        {"redis://[::1/s", NULL, NULL, 2, "closing ']'"},
        {"redis:///s", NULL, NULL, 2, "no host"},
        {"redis://x%zz/s", NULL, NULL, 2, "badly escaped"},
        {"@ok", "--from", "5", 2, "--from must be 0 (every entry) or $ (new entries only)"},
        {"@ok", "--on-error", "skip", 2, "--on-error does not apply to a redis:// source"},
        {"@ok", "--output", "file.txt", 2, "--output must be - (stdout) or a redis:// URL"},
        {"@nope", NULL, NULL, 2, "there is no stream 'nosuchstream' (so no consumer group 'g')"},
        {"@wrongpw", NULL, NULL, 4, "authentication refused: WRONGPASS"},
        {"@nopw", NULL, NULL, 4, "needs a password"},
        {"@refused", NULL, NULL, 4, "cannot connect to redis://127.0.0.1:"},
        {"@ok", "--output", "@other", 2, "--output must name a stream on the input's server"},
        {"@ok", "--output", "@same", 2, "--output must name another stream than --batches"},
        {"@ok", "--output", "@str_out", 2, "the output key 'astring' holds a string, not a stream"},
        {"@str_in", "--from", "0", 2, "the key 'astring' holds a string, not a stream"},
        {"@ok", "--dead-letter", "@other", 2, "--dead-letter must name a stream on the input's"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("--batches %s %s %s", cases[i].batches, cases[i].extra1 ? cases[i].extra1 : "",
                  cases[i].extra2 ? cases[i].extra2 : "");
        const char *resolve[][2] = {{"@ok", ok},         {"@nope", nope},     {"@wrongpw", wrongpw},
                                    {"@nopw", nopw},     {"@refused", refused}, {"@other", other},
                                    {"@same", same},     {"@str_out", str_out}, {"@str_in", str_in}};
        const char *batches = cases[i].batches, *extra2 = cases[i].extra2;
        for (size_t k = 0; k < sizeof resolve / sizeof resolve[0]; k++) {
            if (strcmp(batches, resolve[k][0]) == 0)
                batches = resolve[k][1];
            if (extra2 != NULL && strcmp(extra2, resolve[k][0]) == 0)
                extra2 = resolve[k][1];
        }
        const char *args[] = {"stream", "--request", g_req, "--batches", batches, "--group", "g",
                              cases[i].extra1, extra2, NULL};
        expect_failure(args, cases[i].code, cases[i].needle);
    }
    TEST_CASE("unknown group");
    const char *unknown[] = {"stream", "--request", g_req, "--batches", ok, "--group", "nope", NULL};
    expect_failure(unknown, 2, "has no consumer group 'nope' (its groups: 'g', 'other'); --from 0");
    TEST_CASE("no group");
    const char *nogroup[] = {"stream", "--request", g_req, "--batches", ok, NULL};
    expect_failure(nogroup, 2, "a redis:// source needs --group NAME");
    TEST_CASE("--group with a file");
    const char *filegroup[] = {"stream", "--request", g_req, "--batches", g_batches, "--group", "g",
                               NULL};
    expect_failure(filegroup, 2, "--group needs a redis:// source for --batches");
    TEST_CASE("produce: bad URL");
    const char *pbad[] = {"produce", "--to", "redis://127.0.0.1", g_batches, NULL};
    expect_failure(pbad, 2, "--to 'redis://127.0.0.1': no stream named after the server");
    TEST_CASE("produce: wrong password");
    const char *ppw[] = {"produce", "--to", wrongpw, g_batches, NULL};
    expect_failure(ppw, 4, "authentication refused");
    TEST_CASE("produce: a key of another type");
    const char *pstr[] = {"produce", "--to", str_in, g_batches, NULL};
    expect_failure(pstr, 4, "holds a string, not a stream");
    TEST_CASE("produce: lines that are not one JSON object");
    char mixed[PATH_MAX];
    rh_path(mixed, g_dir, "mixed.ndjson");
    FILE *fp = fopen(mixed, "w");
    fputs("{\"T\": {\"v\": [1]}}\n[1, 2]\n\n{\"T\": {\"v\": [2]}} x\n{\"T\": {\"v\": [3]}}\n", fp);
    fclose(fp);
    char murl[128];
    (void)snprintf(murl, sizeof murl, "redis://127.0.0.1:%d/mixed", g_srv.port);
    const char *pmixed[] = {"produce", "--to", murl, mixed, NULL};
    expect_failure(pmixed, 1, "mixed.ndjson: line 2, column");
    expect_failure(pmixed, 1, "a batch must be one JSON object");
    expect_failure(pmixed, 1, "line 4, column");
    expect_failure(pmixed, 1, "2 entries added, 2 lines refused");
    CHECK_EQ_ONCE(rh_int_command(c, "XLEN mixed"), 8); /* four runs of two good lines */
    rh_server_stop(&pw, SIGTERM);
    redisFree(c);
}

int main(void)
{
    rh_init();
    g_dir = rh_tmpdir("redis_test");
    if (g_dir == NULL) {
        printf("FAIL setup: no temporary directory\n");
        return TEST_SUMMARY() + 1;
    }
    rh_path(g_req, g_dir, "request.json");
    FILE *fp = fopen(g_req, "w");
    fputs(REQUEST, fp);
    fclose(fp);
    rh_path(g_batches, g_dir, "batches.ndjson");
    write_batches(g_batches, 0, N_MAIN, -1);
    rh_path(g_srv.dir, g_dir, "main");
    mkdir(g_srv.dir, 0700);
    if (!rh_server_start(&g_srv)) {
        printf("FAIL setup: redis-server did not start (is it installed? scripts/deps.sh "
               "installs it)\n");
        test_failed_++;
        return TEST_SUMMARY();
    }
    RUN(test_file_run);
    RUN(test_two_workers);
    RUN(test_four_workers);
    RUN(test_kill9_twice);
    RUN(test_stalled_worker);
    RUN(test_poison);
    RUN(test_max_deliveries);
    RUN(test_sigterm);
    RUN(test_sigint);
    RUN(test_produce_maxlen);
    RUN(test_stats);
    RUN(test_stdout);
    RUN(test_server_restart);
    RUN(test_errors);
    rh_server_stop(&g_srv, SIGTERM);
    for (int i = 0; i < N_MAIN; i++) {
        free(g_expected[i][0]);
        free(g_expected[i][1]);
    }
    return TEST_SUMMARY();
}
