/*
 * test_cli.c: the `mloda` subcommands driven in-process, for what a golden case cannot
 * reach: an allocation failure at every point of a command (STYLE.md §10: each must end
 * with exit code 5 and whole output lines only, no leak), output that cannot be written,
 * and the signal flag. stdin, stdout and stderr are files during each call.
 */
#define _GNU_SOURCE /* memmem */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "test.h"
#include "util/alloc.h"

static char dir[256];

static void put_file(const char *name, const char *text)
{
    char path[512];
    (void)snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f != NULL) {
        (void)fputs(text, f);
        (void)fclose(f);
    }
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    (void)fseek(f, 0, SEEK_END);
    const long n = ftell(f);
    (void)fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s != NULL) {
        const size_t got = fread(s, 1, (size_t)n, f);
        s[got] = '\0';
    }
    (void)fclose(f);
    return s;
}

typedef struct run_result {
    int code;
    char *out; /* malloc'd */
    char *err;
} run_result;

static void result_free(run_result *r)
{
    free(r->out);
    free(r->err);
}

/* Runs cmd(argc, argv) with stdin from `in` (a path, or NULL: /dev/null) and stdout to
 * `out_path` (NULL: a scratch file that is read back). */
static run_result run_cmd(int (*cmd)(int, char **), const char *const *args, const char *in,
                          const char *out_path)
{
    char argv_buf[32][512];
    char *argv[32];
    int argc = 0;
    for (; args[argc] != NULL && argc < 31; argc++) {
        (void)snprintf(argv_buf[argc], sizeof argv_buf[argc], "%s", args[argc]);
        argv[argc] = argv_buf[argc];
    }
    argv[argc] = NULL;
    char out_file[512], err_file[512];
    (void)snprintf(out_file, sizeof out_file, "%s/.stdout", dir);
    (void)snprintf(err_file, sizeof err_file, "%s/.stderr", dir);
    (void)fflush(stdout);
    (void)fflush(stderr);
    const int saved[3] = {dup(0), dup(1), dup(2)};
    const int fin = open(in != NULL ? in : "/dev/null", O_RDONLY);
    const int fout = open(out_path != NULL ? out_path : out_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int ferr = open(err_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    (void)dup2(fin, 0);
    (void)dup2(fout, 1);
    (void)dup2(ferr, 2);
    clearerr(stdout);
    run_result r = {0, NULL, NULL};
    r.code = cmd(argc, argv);
    (void)fflush(stdout);
    (void)fflush(stderr);
    clearerr(stdout);
    for (int k = 0; k < 3; k++) {
        (void)dup2(saved[k], k);
        (void)close(saved[k]);
    }
    (void)close(fin);
    (void)close(fout);
    (void)close(ferr);
    clearerr(stdin);
    r.out = slurp(out_path != NULL ? "/dev/null" : out_file);
    r.err = slurp(err_file);
    return r;
}

/* Every line of `part` is a whole line of `whole` (so an interrupted output holds only
 * lines the clean run wrote, each complete), or, with skip, the record of a batch that
 * failed for want of memory. */
static bool whole_lines_of(const char *part, const char *whole, bool skip)
{
    const char *p = part;
    while (*p != '\0') {
        const char *nl = strchr(p, '\n');
        if (nl == NULL)
            return false; /* a cut line */
        const size_t n = (size_t)(nl - p + 1);
        bool found = false;
        for (const char *w = whole; !found && (w = strstr(w, "")) != NULL && *w != '\0';) {
            const char *wl = strchr(w, '\n');
            const size_t m = wl != NULL ? (size_t)(wl - w + 1) : strlen(w);
            found = m == n && memcmp(w, p, n) == 0;
            w += m;
        }
        if (!found && !(skip && (memmem(p, n, "MLODA_ERR_NOMEM", 15) != NULL ||
                                 memmem(p, n, "error: out of memory", 20) != NULL)))
            return false;
        p = nl + 1;
    }
    return true;
}

typedef struct cli_case {
    const char *name;
    int (*cmd)(int, char **);
    const char *args[24];
    const char *stdin_file; /* relative to dir, or NULL */
    bool lines;             /* stdout is line-oriented (ndjson, csv, text): check lines */
    bool skip;              /* --on-error skip: a batch may fail alone, exit 0 */
} cli_case;

static void walk_case(const cli_case *c)
{
    char in_path[512];
    if (c->stdin_file != NULL)
        (void)snprintf(in_path, sizeof in_path, "%s/%s", dir, c->stdin_file);
    const char *in = c->stdin_file != NULL ? in_path : NULL;
    run_result clean = run_cmd(c->cmd, c->args, in, NULL);
    TEST_CASE("%s without failures", c->name);
    CHECK_MSG(clean.code == CLI_EXIT_OK, "exit %d: %s", clean.code, clean.err);
    CHECK(clean.out != NULL && clean.out[0] != '\0');
    long n = 0;
    for (;; n++) {
        mloda_test_fail_alloc_at(n);
        run_result r = run_cmd(c->cmd, c->args, in, NULL);
        const bool injected = mloda_test_alloc_failed();
        mloda_test_fail_alloc_at(-1);
        TEST_CASE("%s, allocation %ld", c->name, n);
        if (!injected) {
            CHECK_EQ_INT(r.code, CLI_EXIT_OK);
            CHECK(r.out != NULL && clean.out != NULL && strcmp(r.out, clean.out) == 0);
            result_free(&r);
            break;
        }
        if (r.code != CLI_EXIT_OK || c->skip) {
            CHECK_MSG(r.code == (c->skip ? CLI_EXIT_OK : CLI_EXIT_INTERNAL) ||
                          r.code == CLI_EXIT_INTERNAL,
                      "exit %d: %s", r.code, r.err);
            CHECK(r.err != NULL && strstr(r.err, "out of memory") != NULL);
        }
        if (c->lines && r.out != NULL && clean.out != NULL)
            CHECK_MSG(whole_lines_of(r.out, clean.out, c->skip), "stdout: %.300s", r.out);
        result_free(&r);
    }
    CHECK(n > 10);
    result_free(&clean);
}

static void make_inputs(void)
{
    (void)snprintf(dir, sizeof dir, "/tmp/mloda_cli_XXXXXX");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        exit(1);
    }
    put_file("req.json", "{\"features\": [\"v\", \"v__sum_aggr\", \"s\", \"t\", \"s__label_encoded\"],"
                         " \"api_data\": {\"T\": {\"v\": [1.5, 2], \"s\": [\"a\", \"b\"],"
                         " \"t\": [\"2024-01-01T00:00:00\", null]}}}");
    put_file("batches.ndjson", "{\"T\": {\"v\": [1, 2.5], \"s\": [\"x\", null], \"t\": [null, null]}}\n"
                               "{\"T\": {\"v\": [\"bad\"], \"s\": [\"y\"], \"t\": [null]}}\n"
                               "{\"T\": {\"v\": [3], \"s\": [\"z\"], \"t\": [\"2024-01-02T00:00:00\"]}}\n");
    put_file("rows.csv", "v,s,t\n1,a,2024-01-01T00:00:00\n2,b,\n3,,2024-01-03T00:00:00\n");
    char path[512];
    (void)snprintf(path, sizeof path, "%s/w", dir);
    CHECK(mkdir(path, 0755) == 0);
    put_file("w/a.json", "{\"T\": {\"v\": [5], \"s\": [\"w\"], \"t\": [null]}}");
    put_file("w/b.ndjson", "{\"T\": {\"v\": [6], \"s\": [\"u\"], \"t\": [null]}}\n");
    put_file("w/notes.txt", "skipped");
    char cmd[800];
    (void)snprintf(cmd, sizeof cmd,
                   "sqlite3 '%s/db.sqlite' \"create table m(v real, s text, t text);"
                   " insert into m values (1, 'a', null), (2, 'b', '2024-01-01T00:00:00');"
                   " create table m2(price real, label text);"
                   " insert into m2 values (2.5, 'x'), (null, 'y');\"",
                   dir);
    CHECK(system(cmd) == 0);
    put_file("src.json", "{\"features\": [\"v__sum_aggr\", \"t\", \"price__max_aggr\", \"label\"],"
                         " \"data_access\": {\"files\": [\"rows.csv\"],"
                         " \"sqlite\": [{\"path\": \"db.sqlite\", \"table\": \"m2\", \"name\": \"M\"}]},"
                         " \"schema\": {\"M\": {\"label\": \"utf8\"}}}");
}

static void test_commands_under_allocation_failures(void)
{
    char req[512], batches[512], csv[512], w[512], db[512], src[512];
    (void)snprintf(req, sizeof req, "%s/req.json", dir);
    (void)snprintf(batches, sizeof batches, "%s/batches.ndjson", dir);
    (void)snprintf(csv, sizeof csv, "%s/rows.csv", dir);
    (void)snprintf(w, sizeof w, "%s/w", dir);
    (void)snprintf(db, sizeof db, "%s/db.sqlite", dir);
    (void)snprintf(src, sizeof src, "%s/src.json", dir);
    const cli_case cases[] = {
        {"groups text", cli_cmd_groups, {"groups", "--search", "aggr"}, NULL, true, false},
        {"groups json", cli_cmd_groups, {"groups", "--format", "json"}, NULL, true, false},
        /* other subsets move the points where the text grows */
        {"groups window", cli_cmd_groups, {"groups", "--search", "window"}, NULL, true, false},
        {"groups encod json", cli_cmd_groups, {"groups", "--search", "encod", "--format", "json"}, NULL, true, false},
        {"groups cluster", cli_cmd_groups, {"groups", "--search", "cluster"}, NULL, true, false},
        {"groups geo json", cli_cmd_groups, {"groups", "--search", "geo", "--format", "json"}, NULL, true, false},
        {"groups text", cli_cmd_groups, {"groups", "--search", "text"}, NULL, true, false},
        {"groups centrality json", cli_cmd_groups, {"groups", "--search", "centrality", "--format", "json"}, NULL, true, false},
        {"groups impute", cli_cmd_groups, {"groups", "--search", "imput"}, NULL, true, false},
        {"groups forecast json", cli_cmd_groups, {"groups", "--search", "forecast", "--format", "json"}, NULL, true, false},
        {"run ndjson", cli_cmd_run, {"run", "--request", req, "--format", "ndjson", "--threads", "1"}, NULL, true, false},
        {"run json", cli_cmd_run, {"run", "--request", req, "--format", "json", "--threads", "1"}, NULL, false, false},
        {"run csv", cli_cmd_run, {"run", "--request", req, "--format", "csv", "--threads", "1"}, NULL, true, false},
        {"run table", cli_cmd_run, {"run", "--request", req, "--format", "table", "--threads", "1"}, NULL, true, false},
        {"run from stdin", cli_cmd_run, {"run", "--request", "-", "--format", "ndjson", "--threads", "1"},
         "req.json", true, false},
        {"run data sources", cli_cmd_run, {"run", "--request", src, "--format", "ndjson", "--threads", "1",
         "--data-root", dir}, NULL, true, false},
        {"stream ndjson skip", cli_cmd_stream, {"stream", "--request", req, "--batches", batches,
         "--on-error", "skip", "--format", "ndjson", "--threads", "1"}, NULL, true, true},
        {"stream json skip", cli_cmd_stream, {"stream", "--request", req, "--batches", batches,
         "--on-error", "skip", "--format", "json", "--threads", "1"}, NULL, false, true},
        {"stream table skip", cli_cmd_stream, {"stream", "--request", req, "--batches", "-",
         "--on-error", "skip", "--format", "table", "--threads", "1"}, "batches.ndjson", true, true},
        {"stream csv source", cli_cmd_stream, {"stream", "--request", req, "--batches", csv,
         "--batch-rows", "2", "--format", "csv", "--threads", "1"}, NULL, true, false},
        {"stream directory", cli_cmd_stream, {"stream", "--request", req, "--batches", w,
         "--format", "ndjson", "--threads", "1"}, NULL, true, false},
        {"stream sqlite", cli_cmd_stream, {"stream", "--request", req, "--batches", db, "--sql",
         "select v, s, t from m", "--table", "T", "--format", "ndjson", "--threads", "1"}, NULL, true, false},
        {"explain text", cli_cmd_explain, {"explain", "--request", req}, NULL, true, false},
        {"explain json", cli_cmd_explain, {"explain", "--request", req, "--format", "json"}, NULL, false, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        walk_case(&cases[i]);
}

/* Every kind of command-line mistake: exit 2 and a message naming the option. */
static void test_usage(void)
{
    char req[512], file[512];
    (void)snprintf(req, sizeof req, "%s/req.json", dir);
    (void)snprintf(file, sizeof file, "%s/rows.csv", dir);
    const struct {
        int (*cmd)(int, char **);
        const char *args[12];
        int code;
        const char *words;
    } cases[] = {
        {cli_cmd_run, {"run", "--request"}, 2, "--request needs a value (--request FILE)"},
        {cli_cmd_run, {"run", "--request="}, 2, "--request needs a non-empty value"},
        {cli_cmd_run, {"run", "--request", req, "--request", req}, 2, "--request is given twice"},
        {cli_cmd_run, {"run", "req.json"}, 2, "unexpected argument 'req.json' (options start with --)"},
        {cli_cmd_run, {"run", "--reqest", req}, 2, "unknown option '--reqest' (did you mean --request?)"},
        {cli_cmd_run, {"run", "--zz"}, 2, "unknown option '--zz'"},
        {cli_cmd_run, {"run", "-x"}, 2, "unknown option '-x'"},
        {cli_cmd_run, {"run"}, 2, "--request FILE is required"},
        {cli_cmd_run, {"run", "--request=", req}, 2, "needs a non-empty value"},
        {cli_cmd_run, {"run", "--request", req, "--threads", "x"}, 2, "--threads must be a whole number from 0 to 1024, not 'x'"},
        {cli_cmd_run, {"run", "--request", req, "--threads", "2000"}, 2, "--threads must be"},
        {cli_cmd_run, {"run", "--request", req, "--threads", "-1"}, 2, "--threads must be"},
        {cli_cmd_run, {"run", "--request", req, "--threads", "99999999999999999999"}, 2, "--threads must be"},
        {cli_cmd_run, {"run", "--request", req, "--threads", "3x"}, 2, "--threads must be"},
        {cli_cmd_run, {"run", "--request", req, "--format", "xml"}, 2, "--format must be ndjson, json, csv, table or arrow, not 'xml'"},
        {cli_cmd_run, {"run", "--request", req, "--data-root", file}, 2, "--data-root must name a directory"},
        {cli_cmd_run, {"run", "--request", req, "--max-request-bytes", "12KB"}, 2, "--max-request-bytes must be a number of bytes"},
        {cli_cmd_run, {"run", "--request", req, "--max-line-bytes", "0"}, 2, "--max-line-bytes must be"},
        {cli_cmd_run, {"run", "--request", req, "--max-field-bytes", "99999999999G"}, 2, "--max-field-bytes must be"},
        {cli_cmd_run, {"run", "--request", req, "--max-header-bytes", "k"}, 2, "--max-header-bytes must be"},
        {cli_cmd_run, {"run", "--request", req, "--max-header-bytes", "-5"}, 2, "--max-header-bytes must be"},
        {cli_cmd_run, {"run", "--request", req, "--max-line-bytes=1k", "--max-field-bytes", "2m",
                       "--max-header-bytes", "1G", "--max-request-bytes", "none"}, 0, ""},
        {cli_cmd_run, {"run", "--request", req, "--max-line-bytes", "7", "--max-field-bytes", "3M",
                       "--max-header-bytes", "5g", "--max-request-bytes", "9K"}, 0, ""},
        {cli_cmd_run, {"run", "--help"}, 0, ""},
        {cli_cmd_stream, {"stream", "--request", req}, 2, "--batches FILE|-|DIR is required"},
        {cli_cmd_stream, {"stream", "--batches", "-"}, 2, "--request FILE is required"},
        {cli_cmd_stream, {"stream", "--request", req, "--batches", "-", "--watch=yes"}, 2, "--watch takes no value"},
        {cli_cmd_stream, {"stream", "--request", req, "--batches", "-", "--watch", "--watch"}, 2, "--watch is given twice"},
        {cli_cmd_stream, {"stream", "--request", req, "--batches", file, "--sql", "select 1", "--watch"}, 2, "--watch needs a directory for --batches, not a SQLite query"},
        {cli_cmd_stream, {"stream", "--request", req, "--batches", "-", "--watch-timeout", "0"}, 2, "--watch-timeout must be a number of seconds above 0, not '0'"},
        {cli_cmd_stream, {"stream", "--request", req, "--batches", "-", "--watch-timeout", "inf"}, 2, "--watch-timeout must be"},
        {cli_cmd_stream, {"stream", "--request", req, "--batches", "-", "--watch-timeout", "2e6"}, 2, "--watch-timeout must be"},
        {cli_cmd_stream, {"stream", "--request", req, "--batches", "-", "--watch-timeout", "1s"}, 2, "--watch-timeout must be"},
        {cli_cmd_stream, {"stream", "--request", req, "--batches", "-", "--watch-timeout", "1e999"}, 2, "--watch-timeout must be"},
        {cli_cmd_stream, {"stream", "--request", req, "--batches", "-", "--batch-rows", "0"}, 2, "--batch-rows must be a whole number from 1"},
        {cli_cmd_stream, {"stream", "--request", req, "--batches", "-", "--on-error", "retry"}, 2, "--on-error must be stop or skip, not 'retry'"},
        {cli_cmd_stream, {"stream", "--request", req, "--batches", "-", "--format", "yaml"}, 2, "--format must be"},
        {cli_cmd_stream, {"stream", "--request", req, "--batches", "-", "--threads", "z"}, 2, "--threads must be"},
        {cli_cmd_stream, {"stream", "--request", req, "--batches", "-", "--max-line-bytes", "z"}, 2, "--max-line-bytes must be"},
        {cli_cmd_stream, {"stream", "--request", "-", "--batches", "-"}, 2, "cannot both read stdin"},
        {cli_cmd_stream, {"stream", "--request", req, "--batches", "/nonexistent/x.ndjson"}, 4, "cannot open batches /nonexistent/x.ndjson"},
        {cli_cmd_stream, {"stream", "--request", req, "--batches", file, "--watch"}, 2, "--watch needs a directory"},
        {cli_cmd_stream, {"stream", "--request", req, "--batches", file, "--table", "Nope"}, 2, "table 'Nope' is not in the request's api_data"},
        {cli_cmd_explain, {"explain"}, 2, "--request FILE is required"},
        {cli_cmd_explain, {"explain", "--request", req, "--format", "dot"}, 2, "--format must be text or json, not 'dot'"},
        {cli_cmd_explain, {"explain", "--request", req, "--data-root", "/nonexistent"}, 2, "--data-root must name a directory"},
        {cli_cmd_explain, {"explain", "--bogus"}, 2, "unknown option '--bogus'"},
        {cli_cmd_explain, {"explain", "--request", req, "--format", "text"}, 0, ""},
        {cli_cmd_explain, {"explain", "--help"}, 0, ""},
        {cli_cmd_groups, {"groups", "--format", "csv"}, 2, "--format must be text or json, not 'csv'"},
        {cli_cmd_groups, {"groups", "--search", "no-such-word-anywhere"}, 0, "no feature group mentions 'no-such-word-anywhere'"},
        {cli_cmd_groups, {"groups", "--search", "no-such-word", "--format", "json"}, 0, "no feature group mentions"},
        {cli_cmd_groups, {"groups", "--format", "text", "--search", "MEAN"}, 0, ""},
        {cli_cmd_groups, {"groups", "--help"}, 0, ""},
        {cli_cmd_groups, {"groups", "--serch", "x"}, 2, "did you mean --search?"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s %s %s", cases[i].args[0], cases[i].args[1] != NULL ? cases[i].args[1] : "",
                  cases[i].args[2] != NULL ? cases[i].args[2] : "");
        run_result r = run_cmd(cases[i].cmd, cases[i].args, NULL, NULL);
        CHECK_MSG(r.code == cases[i].code, "exit %d: %s", r.code, r.err);
        CHECK_MSG(r.err != NULL && strstr(r.err, cases[i].words) != NULL, "stderr: %s", r.err);
        if (cases[i].code == CLI_EXIT_USAGE) /* every line says which program */
            CHECK(r.err != NULL && strncmp(r.err, "mloda", 5) == 0);
        result_free(&r);
    }
}

/* Output that cannot be written (/dev/full): exit 4 with a message, for every command. */
static void test_unwritable_output(void)
{
    char req[512], batches[512];
    (void)snprintf(req, sizeof req, "%s/req.json", dir);
    (void)snprintf(batches, sizeof batches, "%s/batches.ndjson", dir);
    const struct {
        const char *name;
        int (*cmd)(int, char **);
        const char *args[12];
    } cases[] = {
        {"groups", cli_cmd_groups, {"groups"}},
        {"run", cli_cmd_run, {"run", "--request", req, "--format", "ndjson"}},
        {"run json", cli_cmd_run, {"run", "--request", req, "--format", "json"}},
        {"stream", cli_cmd_stream, {"stream", "--request", req, "--batches", batches, "--format",
                                    "ndjson", "--on-error", "skip"}},
        {"explain", cli_cmd_explain, {"explain", "--request", req}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s", cases[i].name);
        run_result r = run_cmd(cases[i].cmd, cases[i].args, NULL, "/dev/full");
        CHECK_EQ_INT(r.code, CLI_EXIT_IO);
        CHECK(r.err != NULL && strstr(r.err, "cannot write the output") != NULL);
        result_free(&r);
    }
}

/* The first signal only sets the flag that the stream loop and the sources ask. */
static void test_signal_flag(void)
{
    CHECK_EQ_INT(cli_signal_caught(), 0);
    CHECK(!cli_stop_requested(NULL));
    CHECK_EQ_INT(cli_signal_exit_code(), CLI_EXIT_OK);
    struct sigaction old_hup;
    CHECK(sigaction(SIGHUP, NULL, &old_hup) == 0);
    signal(SIGINT, SIG_IGN); /* ignored at start: stays ignored */
    cli_signals_install();
    struct sigaction now;
    CHECK(sigaction(SIGINT, NULL, &now) == 0 && now.sa_handler == SIG_IGN);
    CHECK(raise(SIGHUP) == 0);
    CHECK_EQ_INT(cli_signal_caught(), SIGHUP);
    CHECK(cli_stop_requested(NULL));
    CHECK_EQ_INT(cli_signal_exit_code(), 129);
    /* a command that finds the flag set stops before its next batch and says so by code */
    char req[512], batches[512];
    (void)snprintf(req, sizeof req, "%s/req.json", dir);
    (void)snprintf(batches, sizeof batches, "%s/batches.ndjson", dir);
    const char *args[] = {"stream", "--request", req, "--batches", batches, "--format", "ndjson",
                          NULL};
    run_result r = run_cmd(cli_cmd_stream, args, NULL, NULL);
    CHECK_EQ_INT(r.code, 129);
    CHECK(r.out != NULL && r.out[0] == '\0'); /* no batch started */
    result_free(&r);
    const char *run_args[] = {"run", "--request", req, NULL};
    r = run_cmd(cli_cmd_run, run_args, NULL, NULL);
    CHECK_EQ_INT(r.code, 129); /* computed, but nothing written */
    CHECK(r.out != NULL && r.out[0] == '\0');
    result_free(&r);
    (void)sigaction(SIGHUP, &old_hup, NULL);
}

/* cli_write_all resumes after short writes and reports a failed one. */
static void test_write_all(void)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    CHECK(cli_write_all(fds[1], "abc\n", 4));
    char buf[8] = "";
    CHECK(read(fds[0], buf, sizeof buf) == 4);
    (void)close(fds[0]);
    signal(SIGPIPE, SIG_IGN);
    CHECK(!cli_write_all(fds[1], "x", 1)); /* EPIPE */
    (void)close(fds[1]);
    CHECK(!cli_write_all(-1, "x", 1));
    CHECK(cli_write_all(-1, "", 0)); /* nothing to write */
}

/* cli_writev_all: more pieces than one writev takes, empty ones, and a pipe that fills
 * (a reader drains it meanwhile): every byte in order. */
typedef struct drained {
    int fd;
    mloda_buf got;
} drained;

static void *drain_pipe(void *arg)
{
    drained *d = arg;
    char buf[4096];
    ssize_t n;
    mloda_error err = MLODA_ERROR_INIT;
    while ((n = read(d->fd, buf, sizeof buf)) > 0)
        (void)mloda_buf_append(&d->got, buf, (size_t)n, &err);
    return NULL;
}

static void test_writev_all(void)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    enum { PIECES = 3000 };
    static char data[PIECES][64];
    static struct iovec iov[PIECES];
    mloda_buf want = {0};
    mloda_error err = MLODA_ERROR_INIT;
    for (int i = 0; i < PIECES; i++) {
        const int n = i % 7 == 0 ? 0 : snprintf(data[i], sizeof data[i], "piece %d;", i);
        iov[i] = (struct iovec){data[i], (size_t)n};
        CHECK_OK(mloda_buf_append(&want, data[i], (size_t)n, &err), err);
    }
    drained d = {fds[0], {0}};
    pthread_t reader;
    CHECK(pthread_create(&reader, NULL, drain_pipe, &d) == 0);
    CHECK(cli_writev_all(fds[1], iov, PIECES));
    (void)close(fds[1]);
    pthread_join(reader, NULL);
    (void)close(fds[0]);
    CHECK(d.got.len == want.len && memcmp(d.got.data, want.data, want.len) == 0);
    CHECK(!cli_writev_all(-1, iov + 1, 1));
    CHECK(cli_writev_all(-1, iov, 1)); /* one empty piece: nothing to write */
    mloda_buf_reset(&want);
    mloda_buf_reset(&d.got);
}

int main(void)
{
    make_inputs();
    RUN(test_commands_under_allocation_failures);
    RUN(test_unwritable_output);
    RUN(test_usage);
    RUN(test_writev_all);
    RUN(test_write_all);
    RUN(test_signal_flag); /* last: it leaves the flag set */
    char cmd[400];
    (void)snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return TEST_SUMMARY();
}
