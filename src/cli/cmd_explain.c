/*
 * cmd_explain.c: `mloda explain --request REQ.json [--format text|json]`: the plan of the
 * request (steps, feature groups, features, parents, data sources) without running it.
 */
#include "cli/cli.h"

#include <string.h>

#include "util/utf8.h"

/* text with control characters escaped line by line (the line ends stay). */
static mloda_status visible_lines(const char *text, mloda_buf *out, mloda_error *err)
{
    MLODA_TRY(mloda_buf_reserve(out, strlen(text) + 1, err));
    for (const char *p = text; *p != '\0';) {
        const char *nl = strchr(p, '\n');
        const size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);
        MLODA_TRY(mloda_buf_put_visible(out, p, n, err));
        if (nl == NULL)
            break;
        MLODA_TRY(mloda_buf_putc(out, '\n', err));
        p = nl + 1;
    }
    return MLODA_OK;
}

int cli_cmd_explain(int argc, char **argv)
{
    const char *request = NULL, *format_text = NULL;
    cli_input in = {0};
    const cli_arg args[] = {
        {"--request", "FILE", &request, NULL},
        {"--format", "text|json", &format_text, NULL},
        CLI_INPUT_ARGS(&in),
    };
    int code = cli_parse_args("explain", argc, argv, args, sizeof args / sizeof args[0]);
    if (code != CLI_EXIT_OK)
        return code < 0 ? CLI_EXIT_OK : code;
    if (request == NULL)
        return cli_usage_error("explain", "--request FILE is required");
    mloda_plan_format format = MLODA_PLAN_TEXT;
    if (format_text != NULL && strcmp(format_text, "json") == 0)
        format = MLODA_PLAN_JSON;
    else if (format_text != NULL && strcmp(format_text, "text") != 0)
        return cli_usage_error("explain", "--format must be text or json, not '%s'",
                               format_text);

    io_request_options opts;
    if (!cli_input_options("explain", &in, &opts))
        return CLI_EXIT_USAGE;
    cli_session cs;
    code = cli_session_open(&cs, request, &opts, NULL);
    if (code != CLI_EXIT_OK)
        return code;
    char *text = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    mloda_status st = mloda_session_plan(cs.session, format, &text, &err);
    mloda_buf shown = {0};
    if (st == MLODA_OK && format == MLODA_PLAN_TEXT) /* for a terminal: names escaped */
        st = visible_lines(text, &shown, &err);
    if (st == MLODA_OK) {
        const char *out = format == MLODA_PLAN_TEXT ? shown.data : text;
        const size_t len = strlen(out);
        const bool newline = len == 0 || out[len - 1] != '\n';
        if (fputs(out, stdout) == EOF || (newline && fputc('\n', stdout) == EOF) ||
            fflush(stdout) != 0) {
            (void)fprintf(stderr, "mloda: cannot write the output\n");
            code = CLI_EXIT_IO;
        }
    } else {
        cli_report(NULL, &err);
        code = cli_exit_code(st, CLI_EXIT_REQUEST);
    }
    mloda_buf_reset(&shown);
    mloda_string_free(text);
    cli_session_close(&cs);
    return code;
}
