/*
 * cmd_run.c: `mloda run --request REQ.json [--format F] [settings]`: plans the request
 * and computes it once on the request's own api_data; result tables in plan order.
 */
#include "cli/cli.h"

static int write_results(const mloda_results *res, io_format format)
{
    cli_output out;
    cli_output_init(&out, format, stdout);
    bool ok = true;
    for (int64_t i = 0; ok && i < mloda_results_n_tables(res); i++)
        ok = cli_output_table(&out, mloda_results_table(res, i), -1);
    ok = cli_output_end(&out) && ok;
    return ok ? CLI_EXIT_OK : CLI_EXIT_IO;
}

int cli_cmd_run(int argc, char **argv)
{
    const char *request = NULL, *format_text = NULL;
    cli_settings_text st_text = {0};
    const cli_arg args[] = {
        {"--request", "FILE", &request, NULL},
        {"--format", "FORMAT", &format_text, NULL},
        CLI_SETTINGS_ARGS(&st_text),
    };
    const int rc = cli_parse_args("run", argc, argv, args, sizeof args / sizeof args[0]);
    if (rc != CLI_EXIT_OK)
        return rc < 0 ? CLI_EXIT_OK : rc;
    if (request == NULL)
        return cli_usage_error("run", "--request FILE is required");
    io_format format = IO_FORMAT_NDJSON;
    cli_settings settings;
    if (!cli_pick_format("run", format_text, true, &format) ||
        !cli_parse_settings("run", &st_text, &settings))
        return CLI_EXIT_USAGE;

    cli_session cs;
    int code = cli_session_open(&cs, request, &settings);
    if (code != CLI_EXIT_OK)
        return code;
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    const mloda_status st = mloda_session_run(cs.session, cs.req.api_data, &res, &err);
    if (st == MLODA_OK) {
        code = write_results(res, format);
    } else {
        cli_report(NULL, &err);
        code = cli_exit_code(st, CLI_EXIT_BATCH);
    }
    mloda_results_free(res);
    cli_session_close(&cs);
    return code;
}
