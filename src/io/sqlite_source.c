/*
 * sqlite_source.c: batches of --batch-rows rows of a SQLite query (--sql) filling one
 * api_data table (--table, or the request's only table). The database is opened
 * read-only; result columns are matched to the prepared columns by name and typed by
 * them (INTEGER widens into float64, TEXT is read as the column's type, e.g. ISO 8601
 * for timestamps); result columns the schema does not know are skipped. The reading
 * itself is io_sql_reader's (shared with the SQLite data-source provider).
 *
 * A value that does not fit fails its batch (the rest of the batch's rows are still
 * stepped over); a query that cannot be prepared fails at open; an error while stepping
 * ends the source with that error.
 */
#include "io/source.h"

#include <string.h>

#include "io/sql_reader.h"
#include "util/util.h"

enum { BUSY_TIMEOUT_MS = 1000 };

typedef struct sqlite_source {
    io_source base;
    io_sql_reader sql;
    char *table; /* owned */
    int64_t batch_rows;
    const char **names; /* borrowed from the schema: the table's columns */
    io_coltype *types;  /* owned */
    int64_t n_batches;
} sqlite_source;

static mloda_status sqlite_next(io_source *base, mloda_api_data **out, io_batch_info *info,
                                mloda_error *err)
{
    sqlite_source *s = (sqlite_source *)base;
    *out = NULL;
    int64_t rows = 0, first_row = 0;
    const mloda_status st = mloda_io_sql_read(&s->sql, s->batch_rows, true, &rows, &first_row, err);
    if (rows > 0) {
        info->index = s->n_batches++;
        info->line = first_row;
        mloda_io_info_set_file(info, s->sql.name);
    }
    if (st != MLODA_OK || rows == 0)
        return st;
    return mloda_io_slots_batch(&s->sql.slots, s->sql.table, s->sql.origin, "SQL columns", out,
                                err);
}

static void sqlite_free(io_source *base)
{
    sqlite_source *s = (sqlite_source *)base;
    mloda_io_sql_reset(&s->sql);
    mloda_free((void *)s->names);
    mloda_free(s->types);
    mloda_free(s->table);
    mloda_free(s);
}

static mloda_status open_query(sqlite_source *s, const char *path, const char *sql,
                               const io_schema *schema, mloda_error *err)
{
    MLODA_TRY(mloda_io_sql_open(&s->sql, path, BUSY_TIMEOUT_MS, s->table, "the prepared request",
                          err));
    MLODA_TRY(mloda_io_sql_prepare(&s->sql, sql, err)); /* one statement, not empty */
    if (sqlite3_stmt_readonly(s->sql.stmt) == 0)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, path,
                               "--sql must be a query that only reads (a SELECT)");
    int64_t n = 0;
    MLODA_TRY(mloda_io_schema_columns(schema, s->table, &s->names, &s->types, &n, "SQL columns",
                                      err));
    return mloda_io_sql_select(&s->sql, n, s->names, s->types, false, err);
}

mloda_status mloda_io_sqlite_source_open(const char *path, const io_schema *schema,
                                   const io_source_options *opts, io_source **out,
                                   mloda_error *err)
{
    *out = NULL;
    sqlite_source *s = mloda_calloc(1, sizeof *s);
    if (s == NULL)
        return MLODA_NOMEM(err, "a batch source");
    s->base.next = sqlite_next;
    s->base.free = sqlite_free;
    s->batch_rows = opts->batch_rows > 0 ? opts->batch_rows : 1000;
    mloda_status st = mloda_io_pick_table(schema, opts->table, path, &s->table, err);
    if (st == MLODA_OK)
        st = open_query(s, path, opts->sql, schema, err);
    if (st != MLODA_OK) {
        sqlite_free(&s->base);
        return st;
    }
    *out = &s->base;
    return MLODA_OK;
}
