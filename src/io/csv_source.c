/*
 * csv_source.c: batches of --batch-rows rows from a CSV file with a header line, filling
 * one api_data table (--table, or the request's only table). Columns are typed by the
 * prepared schema of that table; header columns the schema does not know are skipped.
 * The reading itself is io_csv_table's (shared with the CSV data-source provider).
 *
 * A bad row (bad quote, wrong field count, a value that does not fit its column) fails
 * the batch it belongs to: the rest of that batch's rows are still consumed, so the next
 * batch starts where it would have, and no good batch before or after is lost. A bad
 * header (a repeated or empty name) is reported once and ends the source.
 */
#include "io/source.h"

#include <string.h>

#include "io/csv_table.h"
#include "util/util.h"

typedef struct csv_source {
    io_source base;
    char *table; /* owned */
    const io_schema *schema;
    int64_t batch_rows;
    io_csv_table csv;
    const char **names; /* borrowed from the schema: the table's columns */
    io_coltype *types;  /* owned */
    bool selected;
    bool bad_header; /* the header failed: no row can be read, the source has ended */
    int64_t n_batches;
} csv_source;

/* The header, then the schema's columns of the table that it has. */
static mloda_status select_columns(csv_source *s, mloda_error *err)
{
    int64_t n = 0;
    MLODA_TRY(mloda_io_csv_table_header(&s->csv, false, err));
    MLODA_TRY(mloda_io_schema_columns(s->schema, s->table, &s->names, &s->types, &n,
                                      "CSV columns", err));
    MLODA_TRY(mloda_io_csv_table_select(&s->csv, n, s->names, s->types, false, err));
    s->selected = true;
    return MLODA_OK;
}

static mloda_status csv_next(io_source *base, mloda_api_data **out, io_batch_info *info,
                             mloda_error *err)
{
    csv_source *s = (csv_source *)base;
    *out = NULL;
    if (s->bad_header)
        return MLODA_OK;
    if (!s->selected) {
        const mloda_status st = select_columns(s, err);
        s->bad_header = st != MLODA_OK;
        if (st != MLODA_OK) {
            mloda_io_info_set_file(info, s->csv.name);
            info->line = 1;
            return st;
        }
    }
    int64_t rows = 0, first_line = 0;
    const mloda_status st =
        mloda_io_csv_table_read(&s->csv, s->batch_rows, true, &rows, &first_line, err);
    if (rows > 0) {
        info->index = s->n_batches++;
        info->line = first_line;
        mloda_io_info_set_file(info, s->csv.name);
    }
    if (st != MLODA_OK || rows == 0)
        return st;
    return mloda_io_slots_batch(&s->csv.slots, s->csv.table, s->csv.origin, "CSV columns", out,
                                err);
}

static void csv_free(io_source *base)
{
    csv_source *s = (csv_source *)base;
    mloda_io_csv_table_reset(&s->csv);
    mloda_free((void *)s->names);
    mloda_free(s->types);
    mloda_free(s->table);
    mloda_free(s);
}

/* --table, or the request's only table. */
mloda_status mloda_io_pick_table(const io_schema *schema, const char *wanted, const char *what,
                           char **out, mloda_error *err)
{
    const char *table = wanted;
    if (table == NULL && mloda_io_schema_n_tables(schema) == 1)
        table = mloda_io_schema_table(schema, 0);
    if (table == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, what,
                               "--table NAME is needed to say which api_data table the rows of "
                               "%s fill (the request has %lld tables)",
                               what, (long long)mloda_io_schema_n_tables(schema));
    if (mloda_io_schema_n_columns(schema, table) == 0)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, table,
                               "table '%s' is not in the request's api_data or schema, so its "
                               "column types are unknown",
                               table);
    *out = mloda_strdup(table);
    return *out != NULL ? MLODA_OK : MLODA_NOMEM(err, "a table name");
}

mloda_status mloda_io_csv_source_open(const char *path, const io_schema *schema,
                                const io_source_options *opts, io_source **out,
                                mloda_error *err)
{
    *out = NULL;
    csv_source *s = mloda_calloc(1, sizeof *s);
    if (s == NULL)
        return MLODA_NOMEM(err, "a batch source");
    s->base.next = csv_next;
    s->base.free = csv_free;
    s->schema = schema;
    s->batch_rows = opts->batch_rows > 0 ? opts->batch_rows : 1000;
    s->csv.fd = -1;
    mloda_status st = mloda_io_csv_table_open(&s->csv, path, "batches", NULL, "the prepared request",
                                        err);
    mloda_io_csv_table_limits(&s->csv, &opts->limits);
    if (st == MLODA_OK)
        st = mloda_io_pick_table(schema, opts->table, path, &s->table, err);
    s->csv.table = s->table;
    if (st != MLODA_OK) {
        csv_free(&s->base);
        return st;
    }
    *out = &s->base;
    return MLODA_OK;
}
