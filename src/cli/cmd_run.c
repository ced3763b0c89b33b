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
    return ok ? CLI_EXIT_OK : cli_output_exit_code(&out);
}

int cli_cmd_run(int argc, char **argv)
{
    const char *request = NULL, *format_text = NULL;
    cli_settings_text st_text = {0};
    cli_input in = {0};
    const cli_arg args[] = {
        {"--request", "FILE", &request, NULL},
        {"--format", "FORMAT", &format_text, NULL},
        CLI_SETTINGS_ARGS(&st_text),
        CLI_INPUT_ARGS(&in),
    };
    const int rc = cli_parse_args("run", argc, argv, args, sizeof args / sizeof args[0]);
    if (rc != CLI_EXIT_OK)
        return rc < 0 ? CLI_EXIT_OK : rc;
    if (request == NULL)
        return cli_usage_error("run", "--request FILE is required");
    io_format format = IO_FORMAT_NDJSON;
    cli_settings settings;
    io_request_options opts;
    if (!cli_pick_format("run", format_text, &format) ||
        !cli_parse_settings("run", &st_text, &settings) ||
        !cli_input_options("run", &in, &opts))
        return CLI_EXIT_USAGE;

    cli_session cs;
    int code = cli_session_open(&cs, request, &opts, &settings);
    if (code != CLI_EXIT_OK)
        return code;
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    cli_signals_install(); /* a signal now: the results are written whole, or not at all */
    const mloda_status st = mloda_session_run(cs.session, cs.req.api_data, &res, &err);
    if (st == MLODA_OK && cli_signal_caught() != 0) {
        code = cli_signal_exit_code(); /* caught while computing: nothing is written */
    } else if (st == MLODA_OK) {
        code = write_results(res, format);
        if (code == CLI_EXIT_OK)
            code = cli_signal_exit_code();
    } else {
        cli_report(NULL, &err);
        code = cli_exit_code(st, CLI_EXIT_BATCH);
    }
    mloda_results_free(res);
    cli_session_close(&cs);
    return code;
}
