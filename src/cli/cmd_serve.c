/*
 * cmd_serve.c: `mloda serve --request NAME=FILE ... [--listen HOST:PORT] [--threads N]
 * [--queue N] [--max-body BYTES] [--max-connections N] [--timeout S] [--token-file F]
 * [--quiet]`: prepares every request once (a bad request stops the start with the usual
 * message and exit code), serves them over HTTP (src/serve) until SIGTERM or SIGINT, then
 * stops gracefully (in-flight requests finish) and exits 0. A second signal stops at once.
 */
#include "cli/cli.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "serve/serve.h"

enum { MAX_REQUESTS = 256 };

typedef struct serve_args {
    const char *requests[MAX_REQUESTS];
    int n_requests;
    const char *listen, *threads, *max_running, *queue, *max_body, *max_conn, *timeout, *token_file;
    bool quiet;
    cli_input in; /* --data-root and the request reader's caps */
} serve_args;

static void print_note(void *ctx, const char *message)
{
    (void)ctx;
    (void)fprintf(stderr, "mloda: note: %s\n", message);
}

/* --request may repeat, which cli_parse_args does not allow: it is taken out first. */
static int parse_serve_args(int argc, char **argv, serve_args *a)
{
    memset(a, 0, sizeof *a);
    char **rest = mloda_calloc((size_t)argc + 1, sizeof *rest);
    if (rest == NULL)
        return CLI_EXIT_INTERNAL;
    int n_rest = 0;
    rest[n_rest++] = argv[0];
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        if (strcmp(argv[i], "--request") == 0) {
            if (i + 1 >= argc) {
                mloda_free(rest);
                return cli_usage_error("serve", "--request needs a value (--request NAME=FILE)");
            }
            v = argv[++i];
        } else if (strncmp(argv[i], "--request=", 10) == 0) {
            v = argv[i] + 10;
        } else {
            rest[n_rest++] = argv[i];
            continue;
        }
        if (a->n_requests == MAX_REQUESTS) {
            mloda_free(rest);
            return cli_usage_error("serve", "at most %d --request options", MAX_REQUESTS);
        }
        a->requests[a->n_requests++] = v;
    }
    const cli_arg args[] = {
        {"--listen", "HOST:PORT", &a->listen, NULL},
        {"--threads", "N", &a->threads, NULL},
        {"--max-running", "N", &a->max_running, NULL},
        {"--queue", "N", &a->queue, NULL},
        {"--max-body", "BYTES", &a->max_body, NULL},
        {"--max-connections", "N", &a->max_conn, NULL},
        {"--timeout", "SECONDS", &a->timeout, NULL},
        {"--token-file", "FILE", &a->token_file, NULL},
        {"--quiet", NULL, NULL, &a->quiet},
        CLI_INPUT_ARGS(&a->in),
        {"--request", "NAME=FILE", NULL, NULL}, /* for "did you mean"; taken out above */
    };
    const int code = cli_parse_args("serve", n_rest, rest, args, sizeof args / sizeof args[0]);
    mloda_free(rest);
    return code;
}

/* NAME=FILE, or FILE (named after the file: "dir/sensors.json" -> "sensors"). */
static bool split_request(const char *spec, char *name, size_t cap, const char **file)
{
    const char *eq = strchr(spec, '=');
    if (eq != NULL && mloda_serve_name_valid(spec, (size_t)(eq - spec))) {
        if ((size_t)(eq - spec) >= cap || eq[1] == '\0')
            return false;
        memcpy(name, spec, (size_t)(eq - spec));
        name[eq - spec] = '\0';
        *file = eq + 1;
        return true;
    }
    const char *base = strrchr(spec, '/');
    base = base != NULL ? base + 1 : spec;
    const char *dot = strrchr(base, '.');
    const size_t len = dot != NULL && dot != base ? (size_t)(dot - base) : strlen(base);
    if (len >= cap || !mloda_serve_name_valid(base, len))
        return false;
    memcpy(name, base, len);
    name[len] = '\0';
    *file = spec;
    return true;
}

/* The token: the file's first line without surrounding white space. */
static int read_token(const char *path, char **out)
{
    *out = NULL;
    FILE *fp = fopen(path, "r");
    if (fp == NULL) {
        char text[128];
        (void)fprintf(stderr, "mloda: cannot open the token file %s: %s\n", path,
                      mloda_io_errno_text(errno, text, sizeof text));
        return CLI_EXIT_IO;
    }
    char line[4096];
    const bool got = fgets(line, sizeof line, fp) != NULL;
    (void)fclose(fp);
    char *s = line;
    if (got) {
        while (*s == ' ' || *s == '\t')
            s++;
        size_t n = strlen(s);
        while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' ||
                         s[n - 1] == '\t'))
            s[--n] = '\0';
    }
    if (!got || s[0] == '\0') {
        (void)fprintf(stderr, "mloda: the token file %s is empty\n", path);
        return CLI_EXIT_USAGE;
    }
    *out = mloda_strdup(s);
    memset(line, 0, sizeof line);
    return *out != NULL ? CLI_EXIT_OK : CLI_EXIT_INTERNAL;
}

static int check_args(const serve_args *a, mloda_serve_options *o)
{
    long long v = 0;
    if (a->n_requests == 0)
        return cli_usage_error("serve", "--request NAME=FILE is required (once per request)");
    if (a->threads != NULL) {
        if (!cli_parse_int("serve", "--threads", a->threads, 0, 1024, &v))
            return CLI_EXIT_USAGE;
        o->threads = v;
    }
    if (a->max_running != NULL) {
        if (!cli_parse_int("serve", "--max-running", a->max_running, 1, 100000, &v))
            return CLI_EXIT_USAGE;
        o->max_running = v;
    }
    if (a->queue != NULL) {
        if (!cli_parse_int("serve", "--queue", a->queue, 1, 1000000, &v))
            return CLI_EXIT_USAGE;
        o->queue = v;
    }
    if (a->max_body != NULL) {
        if (!cli_parse_int("serve", "--max-body", a->max_body, 1, (long long)1 << 40, &v))
            return CLI_EXIT_USAGE;
        o->max_body = v;
    }
    if (a->max_conn != NULL) {
        if (!cli_parse_int("serve", "--max-connections", a->max_conn, 1, 100000, &v))
            return CLI_EXIT_USAGE;
        o->max_connections = v;
    }
    if (a->timeout != NULL) {
        if (!cli_parse_int("serve", "--timeout", a->timeout, 1, 86400, &v))
            return CLI_EXIT_USAGE;
        o->timeout = v;
    }
    char host[256];
    int port = 0;
    if (a->listen != NULL && !mloda_serve_parse_listen(a->listen, host, sizeof host, &port))
        return cli_usage_error("serve", "--listen must be HOST:PORT, [IPv6]:PORT or PORT, not '%s'",
                               a->listen);
    io_request_options ro;
    if (!cli_input_options("serve", &a->in, &ro))
        return CLI_EXIT_USAGE;
    o->data_root = ro.data_root;
    o->limits = ro.limits;
    o->listen = a->listen;
    o->quiet = a->quiet;
    o->log_fd = STDERR_FILENO;
    o->note = print_note;
    return CLI_EXIT_OK;
}

/* Waits for SIGTERM or SIGINT (blocked in every thread, so only sigwait sees them). */
static void wait_for_signal(const sigset_t *set)
{
    int sig = 0;
    while (sigwait(set, &sig) != 0)
        ;
}

typedef struct stopper {
    mloda_server *srv;
    sigset_t set;
} stopper;

/* During the graceful stop a second signal cuts the wait short. */
static void *second_signal(void *arg)
{
    stopper *s = arg;
    wait_for_signal(&s->set);
    mloda_server_stop_now(s->srv);
    return NULL;
}

static int serve_until_signal(mloda_server *srv, const sigset_t *set)
{
    mloda_error err = MLODA_ERROR_INIT;
    const mloda_status st = mloda_server_start(srv, &err);
    if (st != MLODA_OK) {
        cli_report(NULL, &err);
        return cli_exit_code(st, CLI_EXIT_IO);
    }
    (void)fprintf(stderr, "mloda serve: listening on %s/ (dashboard), POST %s/v1/run/NAME\n",
                  mloda_server_url(srv), mloda_server_url(srv));
    if (!mloda_server_is_loopback(srv))
        (void)fprintf(stderr, "mloda serve: warning: %s is not a loopback address: anyone who "
                              "can reach it can call the server (see --token-file)\n",
                      mloda_server_url(srv));
    (void)fflush(stderr);
    wait_for_signal(set);
    (void)fprintf(stderr, "mloda serve: stopping (in-flight requests finish; a second signal "
                          "stops at once)\n");
    stopper s = {srv, *set};
    pthread_t t;
    const bool watcher = pthread_create(&t, NULL, second_signal, &s) == 0;
    mloda_server_stop(srv);
    if (watcher) { /* wake its sigwait with a signal of its set (not pthread_cancel, whose
                      unwinding the sanitizers do not follow) */
        (void)pthread_kill(t, SIGTERM);
        (void)pthread_join(t, NULL);
    }
    (void)fprintf(stderr, "mloda serve: stopped\n");
    return CLI_EXIT_OK;
}

int cli_cmd_serve(int argc, char **argv)
{
    serve_args a;
    int code = parse_serve_args(argc, argv, &a);
    if (code != CLI_EXIT_OK)
        return code < 0 ? CLI_EXIT_OK : code;
    mloda_serve_options o;
    memset(&o, 0, sizeof o);
    code = check_args(&a, &o);
    if (code != CLI_EXIT_OK)
        return code;
    char *token = NULL;
    if (a.token_file != NULL && (code = read_token(a.token_file, &token)) != CLI_EXIT_OK)
        return code;
    o.token = token;
    /* Signals are blocked before any thread starts, so every thread inherits the mask and
     * only sigwait receives them; a client that goes away must not kill the process. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    (void)pthread_sigmask(SIG_BLOCK, &set, NULL);
    (void)signal(SIGPIPE, SIG_IGN);

    mloda_server *srv = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    mloda_status st = mloda_server_new(&o, &srv, &err);
    if (token != NULL) {
        memset(token, 0, strlen(token));
        mloda_free(token);
    }
    if (st != MLODA_OK) {
        cli_report(NULL, &err);
        return cli_exit_code(st, CLI_EXIT_USAGE);
    }
    for (int i = 0; i < a.n_requests; i++) {
        char name[80];
        const char *file = NULL;
        if (!split_request(a.requests[i], name, sizeof name, &file)) {
            mloda_server_free(srv);
            return cli_usage_error("serve",
                                   "--request takes NAME=FILE (NAME: letters, digits, _ - .), "
                                   "not '%s'",
                                   a.requests[i]);
        }
        st = mloda_server_add(srv, name, file, &err);
        if (st != MLODA_OK) {
            cli_report(NULL, &err);
            mloda_server_free(srv);
            return cli_exit_code(st, st == MLODA_ERR_DUPLICATE || st == MLODA_ERR_INVALID_ARG
                                         ? CLI_EXIT_USAGE
                                         : CLI_EXIT_REQUEST);
        }
    }
    code = serve_until_signal(srv, &set);
    mloda_server_free(srv);
    return code;
}
