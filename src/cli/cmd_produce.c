/*
 * cmd_produce.c: `mloda produce --to redis://HOST:PORT/STREAM [--maxlen N] FILE|-`: pushes
 * NDJSON micro-batches into a Redis stream, one entry {batch: LINE} per non-blank line, for
 * `mloda stream --batches redis://...` workers (tests, demos, users' own pipelines). The work
 * is mloda_io_redis_produce (src/io/redis_produce.c); this file reads the command line.
 *
 * A line that is not one JSON object is refused with a warning naming its line (the rest go
 * on; exit 1). A signal stops reading; what was read is still sent (exit 128 + signal).
 */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static void print_warning(void *ctx, const char *message)
{
    (void)ctx;
    cli_eprintf("mloda: warning: %s\n", message);
}

static bool takes_value(const char *arg)
{
    return strcmp(arg, "--to") == 0 || strcmp(arg, "--maxlen") == 0 ||
           strcmp(arg, "--max-line-bytes") == 0;
}

/* Moves the one positional argument (FILE or -) out of argv into *input; the options stay
 * in *out_argv (argv[0] first). Returns CLI_EXIT_OK or a usage error (printed). */
static int split_args(int argc, char **argv, char **out_argv, int *out_argc, const char **input)
{
    int n = 0;
    out_argv[n++] = argv[0];
    *input = NULL;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "-") == 0 || arg[0] != '-') {
            if (*input != NULL)
                return cli_usage_error("produce", "one input (FILE or -), not '%s' and '%s'",
                                       *input, arg);
            *input = arg;
            continue;
        }
        out_argv[n++] = argv[i];
        if (takes_value(arg) && i + 1 < argc)
            out_argv[n++] = argv[++i];
    }
    *out_argc = n;
    return CLI_EXIT_OK;
}

int cli_cmd_produce(int argc, char **argv)
{
    const char *to = NULL, *maxlen_text = NULL, *max_line = NULL, *input = NULL;
    const cli_arg args[] = {
        {"--to", "URL", &to, NULL},
        {"--maxlen", "N", &maxlen_text, NULL},
        {"--max-line-bytes", "N", &max_line, NULL},
    };
    char **rest = mloda_malloc_n(argc > 0 ? argc : 1, sizeof *rest);
    if (rest == NULL) {
        cli_eprintf("mloda: out of memory\n");
        return CLI_EXIT_INTERNAL;
    }
    int n_rest = 0;
    int code = split_args(argc, argv, rest, &n_rest, &input);
    if (code == CLI_EXIT_OK)
        code = cli_parse_args("produce", n_rest, rest, args, sizeof args / sizeof args[0]);
    mloda_free(rest);
    if (code != CLI_EXIT_OK)
        return code < 0 ? CLI_EXIT_OK : code;
    if (to == NULL)
        return cli_usage_error("produce", "--to redis://HOST:PORT/STREAM is required");
    if (input == NULL)
        return cli_usage_error("produce", "the input is required: an NDJSON FILE, or - (stdin)");
    io_redis_produce_options o;
    memset(&o, 0, sizeof o);
    long long maxlen = 0;
    if (maxlen_text != NULL &&
        !cli_parse_int("produce", "--maxlen", maxlen_text, 1, 1000000000000LL, &maxlen))
        return CLI_EXIT_USAGE;
    if (max_line != NULL && !cli_parse_bytes("produce", "--max-line-bytes", max_line,
                                             &o.max_line_bytes))
        return CLI_EXIT_USAGE;
    o.maxlen = maxlen;
    o.warn = print_warning;
    o.stop = cli_stop_requested;
    const bool from_stdin = strcmp(input, "-") == 0;
    const int fd = from_stdin ? STDIN_FILENO : open(input, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        char why[128];
        cli_eprintf("mloda: cannot open %s: %s\n", input,
                    mloda_io_errno_text(errno, why, sizeof why));
        return CLI_EXIT_IO;
    }
    (void)signal(SIGPIPE, SIG_IGN); /* a closed connection is an error to report */
    cli_signals_install();
    int64_t added = 0, refused = 0;
    mloda_error err = MLODA_ERROR_INIT;
    const mloda_status st = mloda_io_redis_produce(fd, from_stdin ? "stdin" : input, to, &o,
                                                   &added, &refused, &err);
    if (!from_stdin)
        (void)close(fd);
    if (st != MLODA_OK && st != MLODA_ERR_CANCELLED) {
        cli_report(NULL, &err);
        if (added > 0)
            cli_eprintf("mloda: %lld %s added before that\n", (long long)added,
                        added == 1 ? "entry was" : "entries were");
        return cli_exit_code(st, st == MLODA_ERR_INVALID_ARG ? CLI_EXIT_USAGE : CLI_EXIT_IO);
    }
    cli_eprintf("mloda: produce: %lld %s added", (long long)added, added == 1 ? "entry" : "entries");
    if (refused > 0)
        cli_eprintf(", %lld %s refused", (long long)refused, refused == 1 ? "line" : "lines");
    cli_eprintf("\n");
    if (st == MLODA_ERR_CANCELLED)
        return cli_signal_exit_code();
    return refused > 0 ? CLI_EXIT_BATCH : CLI_EXIT_OK;
}
