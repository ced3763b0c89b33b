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
 */
#include "cli/cli.h"

#include <string.h>
#include <sys/stat.h>

typedef struct stream_cmd {
    cli_session cs;
    io_source *src;
    cli_output out;
    bool skip;
    int64_t n_batches;
    int64_t n_failed;
    mloda_status stop_status; /* why a failed batch stopped the stream */
} stream_cmd;

typedef struct stream_args {
    const char *request, *batches, *format, *on_error, *watch_timeout, *record;
    const char *table, *batch_rows, *sql, *batches_format;
    cli_settings_text settings; /* --threads, --batch-timeout, --max-... */
    bool watch;
    cli_input in;
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

/* Computes one batch and writes its tables as they complete. Returns false to stop. */
static bool run_batch(stream_cmd *c, const mloda_api_data *api, const io_batch_info *info)
{
    mloda_stream *stream = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    mloda_status st = mloda_session_stream_run(c->cs.session, api, &stream, &err);
    bool go_on = true;
    while (st == MLODA_OK && go_on) {
        mloda_table *t = NULL;
        st = mloda_stream_next(stream, &t, &err);
        if (st != MLODA_OK || t == NULL)
            break;
        go_on = cli_output_table(&c->out, t, info->index);
        mloda_table_release(t);
    }
    mloda_stream_free(stream);
    if (!go_on)
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
    if (a->watch_timeout != NULL &&
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
        CLI_INPUT_ARGS(&a->in),
    };
    return cli_parse_args("stream", argc, argv, args, sizeof args / sizeof args[0]);
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
