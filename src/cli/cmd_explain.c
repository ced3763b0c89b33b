/*
 * cmd_explain.c: `mloda explain --request REQ.json [--format text|json]`: the plan of the
 * request (steps, feature groups, features, parents, data sources) without running it.
 */
#include "cli/cli.h"

#include <string.h>

int cli_cmd_explain(int argc, char **argv)
{
    const char *request = NULL, *format_text = NULL;
    const cli_arg args[] = {
        {"--request", "FILE", &request, NULL},
        {"--format", "text|json", &format_text, NULL},
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

    cli_session cs;
    code = cli_session_open(&cs, request, NULL);
    if (code != CLI_EXIT_OK)
        return code;
    char *text = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    const mloda_status st = mloda_session_plan(cs.session, format, &text, &err);
    if (st == MLODA_OK) {
        const size_t len = strlen(text);
        const bool newline = len == 0 || text[len - 1] != '\n';
        if (fputs(text, stdout) == EOF || (newline && fputc('\n', stdout) == EOF) ||
            fflush(stdout) != 0) {
            (void)fprintf(stderr, "mloda: cannot write the output\n");
            code = CLI_EXIT_IO;
        }
    } else {
        cli_report(NULL, &err);
        code = cli_exit_code(st, CLI_EXIT_REQUEST);
    }
    mloda_string_free(text);
    cli_session_close(&cs);
    return code;
}
