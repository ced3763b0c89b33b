/*
 * cmd_stream.c: `mloda stream --request REQ.json --batches SOURCE ...`: prepares once
 * (the request's api_data is the schema example), then computes every micro-batch with
 * mloda_session_stream_run and writes each result table as soon as it completes, with
 * "batch": i.
 *
 * A failed batch (malformed, wrong types, a calculation error) prints its message on
 * stderr. With --on-error stop (default) the command ends there with exit code 1 and
 * nothing of the failing batch after the error; with skip it writes
 * {"batch": i, "error": {...}} in the batch's place on stdout and goes on.
 *
 * SIGINT, SIGTERM, SIGHUP (signals.c): the batch being computed is finished and written,
 * the source records what is done, and the command exits with 128 + the signal number.
 *
 * A redis:// source makes the command a worker of a consumer group (README, "Scale-out with
 * Redis Streams"; the source, sink and scripts are in src/io/redis_*.c): results go to stdout
 * or, with --output redis://..., to a stream with each input entry's acknowledgement; a
 * failed batch goes to the dead-letter stream and the worker goes on; a signal lets it
 * finish and settle the entries in hand, then it exits 0.
 */
#include "cli/cli.h"

#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct stream_cmd {
    cli_session cs;
    io_source *src;
    io_sink *sink; /* NULL: results to stdout (out) */
    cli_output out;
    bool skip;
    int64_t n_batches;
    int64_t n_failed;
    mloda_status stop_status; /* why a failed batch stopped the stream */
} stream_cmd;

/* The options of a Redis source (text as given). */
typedef struct redis_args {
    const char *group, *consumer, *from, *output, *dead_letter, *claim_after, *claim_interval;
    const char *max_deliveries, *max_in_flight, *stats;
} redis_args;

typedef struct stream_args {
    const char *request, *batches, *format, *on_error, *watch_timeout, *record;
    const char *table, *batch_rows, *sql, *batches_format;
    cli_settings_text settings; /* --threads, --batch-timeout, --max-... */
    bool watch;
    cli_input in;
    redis_args redis;
} stream_args;

static void print_warning(void *ctx, const char *message)
{
    if (ctx != NULL) /* after the results before it */
        cli_output_sync(ctx);
    cli_eprintf("mloda: warning: %s\n", message);
}

/* Reports a failed batch; returns false when the stream must stop. */
static bool batch_failed(stream_cmd *c, const io_batch_info *info, const mloda_error *err)
{
    char where[400];
    if (info->index < 0) /* before any batch (a bad CSV header): the message says where */
        where[0] = '\0';
    else if (strstr(err->message, info->file) != NULL) /* a parse error already says where */
        (void)snprintf(where, sizeof where, "batch %lld", (long long)info->index);
    else
        (void)snprintf(where, sizeof where, "batch %lld (%s, line %lld)",
                       (long long)info->index, info->file, (long long)info->line);
    cli_output_sync(&c->out); /* the message follows the results before it */
    cli_report(where, err);
    c->n_failed++;
    c->stop_status = err->code;
    if (!c->skip)
        return false;
    return cli_output_error(&c->out, info->index, err);
}

/* Computes one batch and writes its tables to the output as they complete; false when the
 * output failed. *st is the run's status (err says why when it is not MLODA_OK). */
static bool stream_to_output(stream_cmd *c, const mloda_api_data *api, const io_batch_info *info,
                             mloda_status *st, mloda_error *err)
{
    mloda_stream *stream = NULL;
    *st = mloda_session_stream_run(c->cs.session, api, &stream, err);
    bool go_on = true;
    while (*st == MLODA_OK && go_on) {
        mloda_table *t = NULL;
        *st = mloda_stream_next(stream, &t, err);
        if (*st != MLODA_OK || t == NULL)
            break;
        go_on = cli_output_table(&c->out, t, info->index);
        mloda_table_release(t);
    }
    mloda_stream_free(stream);
    return go_on;
}

/* Computes one batch and writes its tables as they complete. Returns false to stop. */
static bool run_batch(stream_cmd *c, const mloda_api_data *api, const io_batch_info *info)
{
    mloda_error err = MLODA_ERROR_INIT;
    mloda_status st = MLODA_OK;
    if (!stream_to_output(c, api, info, &st, &err))
        return false;
    return st == MLODA_OK || batch_failed(c, info, &err);
}

/* A signal ends the stream between batches: what is done is recorded. */
static int stop_on_signal(stream_cmd *c)
{
    mloda_error err = MLODA_ERROR_INIT;
    if (mloda_io_source_commit(c->src, &err) != MLODA_OK)
        cli_report(NULL, &err);
    return cli_signal_exit_code();
}

/* Reads and computes batches until the source ends or something stops the stream. */
static int stream_loop(stream_cmd *c)
{
    for (;;) {
        if (cli_signal_caught() != 0)
            return stop_on_signal(c);
        mloda_api_data *api = NULL;
        io_batch_info info;
        mloda_error err = MLODA_ERROR_INIT;
        const mloda_status st = mloda_io_source_next(c->src, &api, &info, &err);
        if (st == MLODA_ERR_CANCELLED && cli_signal_caught() != 0)
            return stop_on_signal(c); /* a wait for input was interrupted */
        if (st == MLODA_ERR_IO || st == MLODA_ERR_NOMEM || (st == MLODA_OK && api == NULL)) {
            if (st != MLODA_OK) {
                cli_output_sync(&c->out);
                cli_report(NULL, &err);
            }
            return cli_exit_code(st, CLI_EXIT_OK);
        }
        c->n_batches++;
        const bool go_on = st == MLODA_OK ? run_batch(c, api, &info)
                                          : batch_failed(c, &info, &err);
        mloda_api_data_free(api);
        if (!go_on) /* out of memory is exit 5 (README), even in the middle of a batch */
            return cli_output_has_failed(&c->out) ? CLI_EXIT_OK /* cli_output_end says */
                                 : cli_exit_code(c->stop_status, CLI_EXIT_BATCH);
    }
}

/* ---------------------------------------------------------------- Redis workers */

static void print_stats(void *ctx, const char *line)
{
    (void)ctx;
    cli_eprintf("mloda: stats: %s\n", line);
}

/* A failed batch of a Redis source: stderr, then the dead-letter stream. False when the
 * worker must stop (out of memory). */
static bool redis_failed(stream_cmd *c, const io_batch_info *info, const mloda_error *why)
{
    char where[400];
    if (strstr(why->message, info->entry) != NULL) /* a parse error already says where */
        where[0] = '\0';
    else
        (void)snprintf(where, sizeof where, "entry %s of %s", info->entry, info->file);
    cli_report(where, why);
    c->n_failed++;
    mloda_error err = MLODA_ERROR_INIT;
    if (mloda_io_source_reject(c->src, info, why, &err) != MLODA_OK) {
        cli_report(NULL, &err);
        c->stop_status = err.code;
        return false;
    }
    return true;
}

/* Computes one batch of a Redis source; its results go to the sink (all tables in plan
 * order, written with the entry's acknowledgement) or to stdout as they complete. Returns
 * false when the worker must stop (stop_status, or the output failed). */
static bool redis_batch(stream_cmd *c, const mloda_api_data *api, const io_batch_info *info)
{
    mloda_error err = MLODA_ERROR_INIT;
    if (c->sink == NULL) {
        mloda_status st = MLODA_OK;
        if (!stream_to_output(c, api, info, &st, &err))
            return false;
        if (st == MLODA_ERR_NOMEM)
            c->stop_status = st;
        return st == MLODA_OK || (st != MLODA_ERR_NOMEM && redis_failed(c, info, &err));
    }
    mloda_results *res = NULL;
    mloda_status st = mloda_session_run(c->cs.session, api, &res, &err);
    if (st == MLODA_OK)
        st = mloda_io_sink_write(c->sink, info, res, &err);
    mloda_results_free(res);
    if (st == MLODA_ERR_NOMEM || st == MLODA_ERR_INVALID_ARG) {
        cli_report(NULL, &err);
        c->stop_status = st;
        return false;
    }
    return st == MLODA_OK || redis_failed(c, info, &err);
}

/* Takes entries until the source ends (a signal: the entries in hand are settled first; or
 * --watch-timeout) or something fatal happens (exit code). */
static int redis_loop(stream_cmd *c)
{
    for (;;) {
        mloda_api_data *api = NULL;
        io_batch_info info;
        mloda_error err = MLODA_ERROR_INIT;
        const mloda_status st = mloda_io_source_next(c->src, &api, &info, &err);
        if (st == MLODA_OK && api == NULL)
            return CLI_EXIT_OK;
        if (st == MLODA_ERR_IO || st == MLODA_ERR_NOMEM || st == MLODA_ERR_INVALID_ARG ||
            st == MLODA_ERR_CANCELLED || st == MLODA_ERR_INTERNAL) {
            cli_report(NULL, &err);
            return cli_exit_code(st, CLI_EXIT_IO);
        }
        c->n_batches++;
        const bool go_on = st == MLODA_OK ? redis_batch(c, api, &info)
                                          : redis_failed(c, &info, &err);
        mloda_api_data_free(api);
        if (!go_on)
            return c->out.failed ? cli_output_exit_code(&c->out)
                                 : cli_exit_code(c->stop_status, CLI_EXIT_IO);
    }
}

static bool redis_seconds(const char *opt, const char *text, double def, double *out)
{
    *out = def;
    if (text == NULL)
        return true;
    if (!cli_parse_seconds("stream", opt, text, out))
        return false;
    if (!(*out > 0)) {
        cli_usage_error("stream", "%s must be more than 0 seconds", opt);
        return false;
    }
    return true;
}

/* The Redis options into *ro; a usage error (printed) returns false. */
static bool check_redis_args(const stream_args *a, io_redis_options *ro, char *consumer,
                             size_t cap)
{
    const redis_args *r = &a->redis;
    memset(ro, 0, sizeof *ro);
    if (r->group == NULL || r->group[0] == '\0') {
        cli_usage_error("stream", "a redis:// source needs --group NAME (the consumer group)");
        return false;
    }
    if (r->from != NULL && strcmp(r->from, "0") != 0 && strcmp(r->from, "$") != 0) {
        cli_usage_error("stream", "--from must be 0 (every entry) or $ (new entries only), not "
                                  "'%s'", r->from);
        return false;
    }
    if (a->on_error != NULL || a->watch || a->record != NULL || a->sql != NULL ||
        a->table != NULL || a->batch_rows != NULL) {
        cli_usage_error("stream", "%s does not apply to a redis:// source (a failed batch goes "
                                  "to the dead-letter stream)",
                        a->on_error != NULL ? "--on-error" : a->watch ? "--watch"
                        : a->record != NULL ? "--record" : a->sql != NULL ? "--sql"
                        : a->table != NULL ? "--table" : "--batch-rows");
        return false;
    }
    if (r->output != NULL && strcmp(r->output, "-") != 0 && !mloda_io_is_redis_url(r->output)) {
        cli_usage_error("stream", "--output must be - (stdout) or a redis:// URL, not '%s'",
                        r->output);
        return false;
    }
    if (r->output != NULL && mloda_io_is_redis_url(r->output) && a->format != NULL) {
        cli_usage_error("stream", "--format applies to stdout; --output %s gets JSON tables",
                        "redis://...");
        return false;
    }
    if (r->consumer != NULL) {
        (void)snprintf(consumer, cap, "%s", r->consumer);
    } else { /* HOST-PID: a restart under another name leaves its entries to the claims */
        char host[128] = "worker";
        if (gethostname(host, sizeof host) != 0)
            (void)snprintf(host, sizeof host, "worker");
        host[sizeof host - 1] = '\0';
        (void)snprintf(consumer, cap, "%s-%ld", host, (long)getpid());
    }
    long long in_flight = 16, deliveries = 5;
    if ((r->max_in_flight != NULL &&
         !cli_parse_int("stream", "--max-in-flight", r->max_in_flight, 1, 100000, &in_flight)) ||
        (r->max_deliveries != NULL &&
         !cli_parse_int("stream", "--max-deliveries", r->max_deliveries, 1, 1000000, &deliveries)))
        return false;
    double stats = 0, idle = 0;
    if (!redis_seconds("--claim-after", r->claim_after, 10.0, &ro->claim_after) ||
        !redis_seconds("--claim-interval", r->claim_interval, 5.0, &ro->claim_interval) ||
        !redis_seconds("--stats", r->stats, 0, &stats) ||
        !redis_seconds("--watch-timeout", a->watch_timeout, 0, &idle))
        return false;
    ro->group = r->group;
    ro->consumer = consumer;
    ro->from = r->from;
    ro->dead_letter = r->dead_letter;
    ro->max_in_flight = in_flight;
    ro->max_deliveries = deliveries;
    ro->idle_timeout = idle;
    ro->stats_interval = stats;
    ro->stats = print_stats;
    return true;
}

/* The options only a Redis source takes, when the source is something else. */
static const char *misplaced_redis_option(const redis_args *r)
{
    return r->group != NULL ? "--group" : r->consumer != NULL ? "--consumer"
           : r->from != NULL ? "--from" : r->output != NULL ? "--output"
           : r->dead_letter != NULL ? "--dead-letter" : r->claim_after != NULL ? "--claim-after"
           : r->claim_interval != NULL ? "--claim-interval"
           : r->max_deliveries != NULL ? "--max-deliveries"
           : r->max_in_flight != NULL ? "--max-in-flight" : r->stats != NULL ? "--stats" : NULL;
}

static int check_args(const stream_args *a, io_format *format, cli_settings *settings,
                      io_request_options *ropts, io_source_options *opts, bool *skip)
{
    if (a->request == NULL)
        return cli_usage_error("stream", "--request FILE is required");
    if (a->batches == NULL)
        return cli_usage_error("stream", "--batches FILE|-|DIR is required");
    if (!cli_pick_format("stream", a->format, format))
        return CLI_EXIT_USAGE;
    if (!cli_parse_settings("stream", &a->settings, settings))
        return CLI_EXIT_USAGE;
    const char *misplaced = misplaced_redis_option(&a->redis);
    if (misplaced != NULL && !mloda_io_is_redis_url(a->batches))
        return cli_usage_error("stream", "%s needs a redis:// source for --batches", misplaced);
    *skip = false;
    if (a->on_error != NULL && strcmp(a->on_error, "skip") == 0)
        *skip = true;
    else if (a->on_error != NULL && strcmp(a->on_error, "stop") != 0)
        return cli_usage_error("stream", "--on-error must be stop or skip, not '%s'",
                               a->on_error);
    memset(opts, 0, sizeof *opts);
    opts->watch = a->watch;
    opts->record = a->record;
    opts->table = a->table;
    opts->sql = a->sql;
    if (a->batches_format != NULL && strcmp(a->batches_format, "arrow") == 0)
        opts->arrow = true;
    else if (a->batches_format != NULL && strcmp(a->batches_format, "ndjson") != 0)
        return cli_usage_error("stream", "--batches-format must be ndjson or arrow, not '%s'",
                               a->batches_format);
    if (opts->arrow && a->sql != NULL)
        return cli_usage_error("stream", "--batches-format arrow and --sql do not go together");
    opts->warn = print_warning;
    opts->stop = cli_stop_requested;
    if (a->watch_timeout != NULL && !mloda_io_is_redis_url(a->batches) &&
        !cli_parse_seconds("stream", "--watch-timeout", a->watch_timeout, &opts->watch_timeout))
        return CLI_EXIT_USAGE;
    long long rows = 1000;
    if (a->batch_rows != NULL &&
        !cli_parse_int("stream", "--batch-rows", a->batch_rows, 1, 100000000, &rows))
        return CLI_EXIT_USAGE;
    opts->batch_rows = rows;
    if (strcmp(a->batches, "-") == 0 && strcmp(a->request, "-") == 0)
        return cli_usage_error("stream", "--request and --batches cannot both read stdin");
    if (a->watch && (strcmp(a->batches, "-") == 0 || a->sql != NULL))
        return cli_usage_error("stream", "--watch needs a directory for --batches, not %s",
                               a->sql != NULL ? "a SQLite query" : "stdin");
    if (!cli_input_options("stream", &a->in, ropts))
        return CLI_EXIT_USAGE;
    opts->limits = ropts->limits; /* batches: the same line, field and header caps */
    return CLI_EXIT_OK;
}

static int parse_stream_args(int argc, char **argv, stream_args *a)
{
    memset(a, 0, sizeof *a);
    const cli_arg args[] = {
        {"--request", "FILE", &a->request, NULL},
        {"--batches", "SOURCE", &a->batches, NULL},
        {"--format", "FORMAT", &a->format, NULL},
        CLI_SETTINGS_ARGS(&a->settings),
        {"--on-error", "stop|skip", &a->on_error, NULL},
        {"--watch", NULL, NULL, &a->watch},
        {"--watch-timeout", "SECONDS", &a->watch_timeout, NULL},
        {"--record", "FILE", &a->record, NULL},
        {"--table", "NAME", &a->table, NULL},
        {"--batch-rows", "N", &a->batch_rows, NULL},
        {"--sql", "QUERY", &a->sql, NULL},
        {"--batches-format", "ndjson|arrow", &a->batches_format, NULL},
        {"--group", "NAME", &a->redis.group, NULL},
        {"--consumer", "NAME", &a->redis.consumer, NULL},
        {"--from", "0|$", &a->redis.from, NULL},
        {"--output", "TARGET", &a->redis.output, NULL},
        {"--dead-letter", "URL", &a->redis.dead_letter, NULL},
        {"--claim-after", "SECONDS", &a->redis.claim_after, NULL},
        {"--claim-interval", "SECONDS", &a->redis.claim_interval, NULL},
        {"--max-deliveries", "N", &a->redis.max_deliveries, NULL},
        {"--max-in-flight", "N", &a->redis.max_in_flight, NULL},
        {"--stats", "SECONDS", &a->redis.stats, NULL},
        CLI_INPUT_ARGS(&a->in),
    };
    return cli_parse_args("stream", argc, argv, args, sizeof args / sizeof args[0]);
}

/* `mloda stream --batches redis://...`: a worker of a consumer group. */
static int stream_redis(const stream_args *a, io_format format, const cli_settings *settings,
                        const io_request_options *ropts, io_source_options *opts)
{
    io_redis_options ro;
    char consumer[256];
    if (!check_redis_args(a, &ro, consumer, sizeof consumer))
        return CLI_EXIT_USAGE;
    stream_cmd c;
    memset(&c, 0, sizeof c);
    int code = cli_session_open(&c.cs, a->request, ropts, settings);
    if (code != CLI_EXIT_OK)
        return code;
    (void)signal(SIGPIPE, SIG_IGN); /* a closed connection is an error to handle, not death */
    cli_signals_install(); /* before connecting: a signal from now on settles what is taken */
    mloda_error err = MLODA_ERROR_INIT;
    mloda_status st =
        mloda_io_redis_source_open(a->batches, c.cs.req.schema, opts, &ro, &c.src, &err);
    if (st == MLODA_OK && a->redis.output != NULL && mloda_io_is_redis_url(a->redis.output))
        st = mloda_io_redis_sink_open(a->redis.output, c.src, &c.sink, &err);
    if (st != MLODA_OK) {
        cli_report(NULL, &err);
        mloda_io_source_free(c.src);
        cli_session_close(&c.cs);
        return cli_exit_code(st, st == MLODA_ERR_INVALID_ARG ? CLI_EXIT_USAGE : CLI_EXIT_IO);
    }
    cli_output_init(&c.out, format, stdout);
    code = redis_loop(&c);
    if (!cli_output_end(&c.out) && code == CLI_EXIT_OK)
        code = cli_output_exit_code(&c.out);
    if (ro.stats_interval > 0) {
        char line[400];
        mloda_io_redis_source_stats(c.src, line, sizeof line);
        print_stats(NULL, line);
    }
    mloda_io_sink_free(c.sink);
    mloda_io_source_free(c.src);
    cli_session_close(&c.cs);
    return code;
}

int cli_cmd_stream(int argc, char **argv)
{
    stream_args a;
    int code = parse_stream_args(argc, argv, &a);
    if (code != CLI_EXIT_OK)
        return code < 0 ? CLI_EXIT_OK : code;
    io_format format = IO_FORMAT_NDJSON;
    cli_settings settings;
    io_source_options opts;
    io_request_options ropts;
    stream_cmd c;
    memset(&c, 0, sizeof c);
    code = check_args(&a, &format, &settings, &ropts, &opts, &c.skip);
    if (code != CLI_EXIT_OK)
        return code;
    if (mloda_io_is_redis_url(a.batches))
        return stream_redis(&a, format, &settings, &ropts, &opts);
    code = cli_session_open(&c.cs, a.request, &ropts, &settings);
    if (code != CLI_EXIT_OK)
        return code;
    mloda_error err = MLODA_ERROR_INIT;
    const mloda_status st = mloda_io_source_open(a.batches, c.cs.req.schema, &opts, &c.src, &err);
    if (st != MLODA_OK) {
        cli_report(NULL, &err);
        cli_session_close(&c.cs);
        return cli_exit_code(st, st == MLODA_ERR_INVALID_ARG ? CLI_EXIT_USAGE : CLI_EXIT_IO);
    }
    cli_output_init(&c.out, format, stdout);
    /* Text is formatted and written on a thread of its own while the next batch is read and
     * computed; not for a directory, whose record says a file is done only once its
     * results are written (at the next file's first read). */
    struct stat sb;
    if (stat(a.batches, &sb) != 0 || !S_ISDIR(sb.st_mode))
        cli_output_start_thread(&c.out);
    opts.warn_ctx = &c.out;
    cli_signals_install();
    code = stream_loop(&c);
    if (!cli_output_end(&c.out) && code == CLI_EXIT_OK)
        code = cli_output_exit_code(&c.out);
    if (code == CLI_EXIT_OK && cli_signal_caught() != 0) /* while the last text was written */
        code = cli_signal_exit_code();
    if (code == CLI_EXIT_OK && c.n_batches == 0 && !a.watch)
        cli_eprintf("mloda: note: %s holds no batches\n",
                    strcmp(a.batches, "-") == 0 ? "stdin" : a.batches);
    mloda_io_source_free(c.src);
    cli_session_close(&c.cs);
    return code;
}
