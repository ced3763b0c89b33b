/*
 * session.c: what run, stream and explain share: read the request (with its links, filters
 * and data sources), show its notes (skipped files), build the registry, apply command-line
 * settings and prepare the plan (which reads the data sources). Failures print one message
 * and map to an exit code (I/O 4, anything about the request or its plan 3).
 */
#include "cli/cli.h"

#include <string.h>

/* Columns of the request's api_data without a type (no rows, or only nulls) take the type
 * the prepared session reads them as, so that batches are read as that type (numbers into
 * a float64 column, ...); a column its features take as different types stays untyped and
 * batches must bring it empty or all null. */
static mloda_status settle_untyped(cli_session *cs, mloda_error *err)
{
    io_schema *s = cs->req.schema;
    for (int64_t i = 0; i < mloda_io_schema_n_entries(s); i++) { /* one pass: wide tables */
        io_coltype t = {MLODA_TYPE_INVALID, 0, MLODA_TIME_MICRO};
        const char *table = NULL;
        const char *column = mloda_io_schema_entry(s, i, &table, &t);
        mloda_error ignore = MLODA_ERROR_INIT; /* a column the plan does not read */
        if (t.type != MLODA_TYPE_NULL ||
            mloda_session_input_type(cs->session, table, column, &t.type, &t.list_size,
                                     &t.unit, &ignore) != MLODA_OK ||
            t.type == MLODA_TYPE_NULL)
            continue;
        MLODA_TRY(mloda_io_schema_set(s, table, column, &t, err));
    }
    return MLODA_OK;
}

/* --batch-timeout and the limits onto the request. */
static mloda_status apply_settings(mloda_request *req, const cli_settings *s, mloda_error *err)
{
    mloda_status st = mloda_request_set_batch_timeout(req, s->batch_timeout_ms, err);
    for (int l = 0; st == MLODA_OK && l < 3; l++)
        st = mloda_request_set_limit(req, (mloda_limit)l, s->limits[l], err);
    return st;
}

int cli_session_open(cli_session *cs, const char *request_path, const io_request_options *opts,
                     const cli_settings *settings)
{
    memset(cs, 0, sizeof *cs);
    mloda_error err = MLODA_ERROR_INIT;
    mloda_pool *pool = NULL;
    const int64_t threads = settings != NULL ? settings->threads : -1;
    mloda_status st = mloda_io_request_read_file(request_path, opts, &cs->req, &err);
    for (int64_t i = 0; st == MLODA_OK && i < cs->req.n_notes; i++)
        cli_eprintf("mloda: note: %s\n", cs->req.notes[i]);
    if (st == MLODA_OK && settings != NULL)
        st = apply_settings(cs->req.request, settings, &err);
    if (st == MLODA_OK && threads >= 0)
        st = mloda_request_set_threads(cs->req.request, threads, &err);
    if (st == MLODA_OK && threads > 1) /* --threads N: a pool of N workers for this command */
        st = mloda_pool_new(threads, &pool, &err);
    if (st == MLODA_OK && pool != NULL)
        st = mloda_request_set_pool(cs->req.request, pool, &err);
    if (st == MLODA_OK) {
        cs->reg = mloda_registry_default();
        if (cs->reg == NULL)
            st = mloda_error_set(&err, MLODA_ERR_NOMEM, NULL, "out of memory building the registry");
    }
    if (st == MLODA_OK)
        st = mloda_prepare(cs->reg, cs->req.request, cs->req.api_data, &cs->session, &err);
    if (st == MLODA_OK)
        st = settle_untyped(cs, &err);
    mloda_pool_free(pool); /* the session keeps its own reference */
    if (st == MLODA_OK)
        return CLI_EXIT_OK;
    cli_report(NULL, &err);
    cli_session_close(cs);
    return cli_exit_code(st, CLI_EXIT_REQUEST);
}

void cli_session_close(cli_session *cs)
{
    mloda_session_free(cs->session);
    mloda_registry_free(cs->reg);
    mloda_io_request_reset(&cs->req);
    memset(cs, 0, sizeof *cs);
}
