/*
 * cli.h: the parts of the `mloda` command shared by its subcommands: exit codes, argument
 * parsing, error reporting, result output and session setup. Internal to src/cli.
 */
#ifndef MLODA_CLI_CLI_H
#define MLODA_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>

#include "io/io.h"
#include "mloda/mloda.h"
#include "util/util.h"

/* Exit codes (documented in README.md, "The mloda command"). */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_BATCH = 1,   /* a calculation or a batch failed */
    CLI_EXIT_USAGE = 2,   /* bad command line */
    CLI_EXIT_REQUEST = 3, /* the request is malformed or cannot be planned */
    CLI_EXIT_IO = 4,      /* a file cannot be read or the output cannot be written */
    CLI_EXIT_INTERNAL = 5 /* out of memory or an internal error */
};

/* ---------------------------------------------------------------- subcommands */

int cli_cmd_run(int argc, char **argv);
int cli_cmd_stream(int argc, char **argv);
int cli_cmd_explain(int argc, char **argv);
int cli_cmd_groups(int argc, char **argv);
int cli_cmd_serve(int argc, char **argv);
int cli_cmd_produce(int argc, char **argv);

/** Help text of a command ("run", ...) or of the program (NULL). */
void cli_print_help(FILE *fp, const char *cmd);

/* ---------------------------------------------------------------- arguments */

typedef struct cli_arg {
    const char *name;    /* "--request" */
    const char *metavar; /* "FILE"; NULL for a flag */
    const char **value;  /* where a value goes */
    bool *flag;          /* where a flag goes */
} cli_arg;

/** Parses argv[1..argc) ("--name value", "--name=value", flags). "--help"/"-h" print the
 *  command's help and return -1 (exit 0). Errors print to stderr and return
 *  CLI_EXIT_USAGE; success returns CLI_EXIT_OK. */
int cli_parse_args(const char *cmd, int argc, char **argv, const cli_arg *args, size_t n);
/** An integer option in [min, max]; prints the problem and returns false otherwise. */
bool cli_parse_int(const char *cmd, const char *opt, const char *text, long long min,
                   long long max, long long *out);
bool cli_parse_seconds(const char *cmd, const char *opt, const char *text, double *out);
/** A size in bytes: a whole number >= 1 with an optional K, M or G (powers of 1024), or
 *  "none" (no cap: -1). Prints the problem and returns false otherwise. */
bool cli_parse_bytes(const char *cmd, const char *opt, const char *text, int64_t *out);

/* ---------------------------------------------------------------- input options */

/** The options of run, stream and explain that say what input may be read (README,
 *  "Limits and safety"): the data root and the caps. Values are borrowed from argv. */
typedef struct cli_input {
    const char *data_root, *max_request, *max_line, *max_field, *max_header;
} cli_input;

#define CLI_INPUT_ARGS(in)                                             {"--data-root", "DIR", &(in)->data_root, NULL},                    {"--max-request-bytes", "N", &(in)->max_request, NULL},            {"--max-line-bytes", "N", &(in)->max_line, NULL},                  {"--max-field-bytes", "N", &(in)->max_field, NULL},                {"--max-header-bytes", "N", &(in)->max_header, NULL}

/** Checks the values (the data root must be a directory) into *out. Prints a usage error
 *  and returns false on a bad one. */
bool cli_input_options(const char *cmd, const cli_input *in, io_request_options *out);
/** Prints "mloda CMD: <message>\n(see mloda CMD --help)" and returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) MLODA_PRINTF(2, 3);

/* ---------------------------------------------------------------- signals */

/** Handlers for SIGINT, SIGTERM, SIGHUP (signals.c): the first sets a flag, the second ends
 *  the process at once. Call when results are about to be written. */
void cli_signals_install(void);
/** The signal caught so far, 0 for none. */
int cli_signal_caught(void);
/** For io_source_options.stop: a signal was caught. */
bool cli_stop_requested(void *ctx);
/** 128 + the signal caught (130 SIGINT, 143 SIGTERM, 129 SIGHUP); CLI_EXIT_OK for none. */
int cli_signal_exit_code(void);
/** Writes all of data to fd, resuming after EINTR and short writes; false on an error
 *  (errno set). */
bool cli_write_all(int fd, const char *data, size_t len);
/** The same for the n pieces of iov (which it advances as they are written). */
bool cli_writev_all(int fd, struct iovec *iov, int64_t n);

/* ---------------------------------------------------------------- errors */

/** printf to stderr, with control characters and bytes that are not UTF-8 escaped
 *  (mloda_text_visible) but for a final line end; flushes. Lines up to 2 KiB. */
void cli_eprintf(const char *fmt, ...) MLODA_PRINTF(1, 2);
/** Prints "mloda: [prefix: ]message" on stderr (adding the subject when the message does
 *  not name it). */
void cli_report(const char *prefix, const mloda_error *e);
/** Exit code for a failed status in a phase: MLODA_ERR_IO -> CLI_EXIT_IO, NOMEM/INTERNAL
 *  -> CLI_EXIT_INTERNAL, anything else -> fallback. */
int cli_exit_code(mloda_status st, int fallback);

/* ---------------------------------------------------------------- output */

/* The writer thread of an output (output.c). */
typedef struct cli_output_item {
    mloda_table *table; /* owned reference; NULL for an error record */
    int64_t batch;
    mloda_error error;
} cli_output_item;

enum { CLI_OUTPUT_QUEUE = 8 };

typedef struct cli_output_thread {
    pthread_t id;
    pthread_mutex_t mu;
    pthread_cond_t cv;                        /* item queued, place freed, idle, closing */
    cli_output_item items[CLI_OUTPUT_QUEUE];  /* guarded by mu: a ring */
    int head, count;                          /* guarded by mu */
    bool busy;                                /* guarded by mu: an item is being written */
    bool closing;                             /* guarded by mu: no more items will come */
    bool failed;                              /* guarded by mu: a copy of the output's */
} cli_output_thread;

typedef struct cli_output {
    io_format format;
    FILE *fp;        /* borrowed (stdout) */
    mloda_buf buf;   /* owned scratch text */
    io_pieces pieces; /* a large Arrow table's body, written in place after buf */
    int64_t n_items; /* objects written (json array separators, csv/table spacing) */
    bool failed;     /* a write failed: stop (written by the writer thread when there is one) */
    int fail_code;   /* then: CLI_EXIT_IO (cannot write) or CLI_EXIT_INTERNAL (no memory) */
    bool threaded;   /* the writer thread runs */
    cli_output_thread thread;
} cli_output;

/** The format named by text, or the default (table on a terminal, else ndjson) when
 *  text is NULL. Returns false after printing a usage error. */
bool cli_pick_format(const char *cmd, const char *text, io_format *out);
void cli_output_init(cli_output *o, io_format format, FILE *fp);
/** Moves the formatting and writing to a thread of its own (for `stream`: the next batch
 *  is parsed and computed while the last one's text is written). Items keep their order;
 *  text goes out as soon as no further item is waiting (and at least every MiB), so a
 *  consumer sees each result without delay. Signals stay with the calling thread. When the
 *  thread cannot be started, writing stays inline. */
void cli_output_start_thread(cli_output *o);
/** Waits until the writer thread has written everything handed over (before a message on
 *  stderr, so that it follows the results before it). Nothing to do without a thread. */
void cli_output_sync(cli_output *o);
/** Whether a write has failed (safe to ask while the writer thread runs). */
bool cli_output_has_failed(cli_output *o);
/** Writes one result table (batch < 0 for `run`) and flushes (with a writer thread: hands
 *  it over, waiting while 8 items wait already). Returns false when the output cannot be
 *  written (message printed). */
bool cli_output_table(cli_output *o, const mloda_table *t, int64_t batch);
/** Writes a failed batch's record ({"batch": i, "error": {...}}) and flushes. */
bool cli_output_error(cli_output *o, int64_t batch, const mloda_error *e);
/** Closes the output (the json array's bracket; waits for the writer thread to write
 *  everything handed over) and frees the scratch text. */
bool cli_output_end(cli_output *o);
/** The exit code for a failed output: CLI_EXIT_IO, or CLI_EXIT_INTERNAL when memory ran
 *  out formatting it. */
int cli_output_exit_code(const cli_output *o);

/* ---------------------------------------------------------------- session */

/* Engine settings from the command line of run and stream: --threads, --batch-timeout and
 * the limits (--max-output-cells, --max-categories, --max-horizon). */
typedef struct cli_settings_text {
    const char *threads, *batch_timeout, *max_output_cells, *max_categories, *max_horizon;
} cli_settings_text;

typedef struct cli_settings {
    int64_t threads;          /* < 0: the default */
    int64_t batch_timeout_ms; /* 0: none */
    int64_t limits[3];        /* by mloda_limit; 0: the default */
} cli_settings;

/* The cli_arg entries of the settings, their values going to *(t). */
#define CLI_SETTINGS_ARGS(t)                                              \
    {"--threads", "N", &(t)->threads, NULL},                              \
        {"--batch-timeout", "SECONDS", &(t)->batch_timeout, NULL},        \
        {"--max-output-cells", "N", &(t)->max_output_cells, NULL},        \
        {"--max-categories", "N", &(t)->max_categories, NULL},            \
        {"--max-horizon", "N", &(t)->max_horizon, NULL}

/** The settings named by t (NULL entries: defaults); false after printing a usage error. */
bool cli_parse_settings(const char *cmd, const cli_settings_text *t, cli_settings *out);

typedef struct cli_session {
    io_request req;         /* owned */
    mloda_registry *reg;    /* owned */
    mloda_session *session; /* owned */
} cli_session;

/** Reads the request (as opts says: data root, caps; NULL: defaults), applies the settings
 *  (NULL: defaults; threads > 1: a pool of that many workers) and prepares it.
 *  On failure prints the error and returns the exit code (cs is left empty). */
int cli_session_open(cli_session *cs, const char *request_path, const io_request_options *opts,
                     const cli_settings *settings);
void cli_session_close(cli_session *cs);

#endif /* MLODA_CLI_CLI_H */
