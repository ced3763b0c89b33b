/*
 * sqlite_source.c: batches of --batch-rows rows of a SQLite query (--sql) filling one
 * api_data table (--table, or the request's only table). The database is opened
 * read-only; result columns are matched to the prepared columns by name and typed by
 * them (INTEGER widens into float64, TEXT is read as the column's type, e.g. ISO 8601
 * for timestamps); result columns the schema does not know are skipped.
 *
 * A value that does not fit fails its batch (the rest of the batch's rows are still
 * stepped over); a query that cannot be prepared fails at open; an error while stepping
 * ends the source with that error.
 */
#include "io/source.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "util/util.h"

typedef struct sqlite_source {
    io_source base;
    sqlite3 *db;         /* owned */
    sqlite3_stmt *stmt;  /* owned */
    char *name;          /* owned: database path */
    char *table;         /* owned */
    int64_t batch_rows;
    int n_result;        /* result columns */
    int64_t *slot;       /* owned: result column -> slot or -1 */
    const char **columns; /* borrowed from the schema: slot -> name */
    io_coltype *types;   /* owned */
    int64_t n_slots;
    io_column_reader *readers; /* owned */
    int64_t n_batches;
    int64_t n_rows;      /* rows stepped so far */
    bool done;
} sqlite_source;

static mloda_status map_columns(sqlite_source *s, const io_schema *schema, mloda_error *err)
{
    s->n_result = sqlite3_column_count(s->stmt);
    const size_t n = (size_t)(s->n_result > 0 ? s->n_result : 1);
    s->slot = mloda_malloc(n * sizeof *s->slot);
    s->columns = mloda_calloc(n, sizeof *s->columns);
    s->types = mloda_calloc(n, sizeof *s->types);
    s->readers = mloda_calloc(n, sizeof *s->readers);
    if (s->slot == NULL || s->columns == NULL || s->types == NULL || s->readers == NULL)
        return MLODA_NOMEM(err, "SQL columns");
    for (int i = 0; i < s->n_result; i++) {
        const char *name = sqlite3_column_name(s->stmt, i);
        s->slot[i] = -1;
        for (int64_t k = 0; name != NULL && k < io_schema_n_columns(schema, s->table); k++) {
            io_coltype type;
            const char *col = io_schema_column(schema, s->table, k, &type);
            if (strcmp(col, name) == 0) {
                s->columns[s->n_slots] = col;
                s->types[s->n_slots] = type;
                s->slot[i] = s->n_slots++;
                break;
            }
        }
    }
    return MLODA_OK;
}

static void reset_readers(sqlite_source *s)
{
    for (int64_t k = 0; k < s->n_slots; k++)
        io_colreader_reset(&s->readers[k]);
}

static mloda_status take_value(sqlite_source *s, int i, io_column_reader *r, mloda_error *err)
{
    switch (sqlite3_column_type(s->stmt, i)) {
    case SQLITE_NULL:
        return io_colreader_null(r, err);
    case SQLITE_INTEGER:
        if (r->want.type == MLODA_TYPE_BOOL)
            return io_colreader_bool(r, sqlite3_column_int64(s->stmt, i) != 0, err);
        return io_colreader_int64(r, sqlite3_column_int64(s->stmt, i), err);
    case SQLITE_FLOAT:
        return io_colreader_float64(r, sqlite3_column_double(s->stmt, i), err);
    case SQLITE_TEXT: {
        const unsigned char *text = sqlite3_column_text(s->stmt, i);
        const int len = sqlite3_column_bytes(s->stmt, i);
        return io_colreader_text(r, text != NULL ? (const char *)text : "", (size_t)len, err);
    }
    default:
        return io_colreader_reject(r, "a BLOB", err);
    }
}

static mloda_status take_row(sqlite_source *s, mloda_error *err)
{
    for (int i = 0; i < s->n_result; i++) {
        if (s->slot[i] < 0)
            continue;
        const mloda_status st = take_value(s, i, &s->readers[s->slot[i]], err);
        if (st != MLODA_OK) {
            char where[300];
            (void)snprintf(where, sizeof where, "%s: result row %lld: ", s->name,
                           (long long)s->n_rows);
            io_error_prefix(err, where);
            return st;
        }
    }
    return MLODA_OK;
}

static mloda_status build_batch(sqlite_source *s, mloda_api_data **out, mloda_error *err)
{
    mloda_column **cols = mloda_calloc((size_t)(s->n_slots > 0 ? s->n_slots : 1), sizeof *cols);
    if (cols == NULL)
        return MLODA_NOMEM(err, "SQL columns");
    mloda_status st = MLODA_OK;
    for (int64_t k = 0; k < s->n_slots && st == MLODA_OK; k++)
        st = io_colreader_finish(&s->readers[k], &cols[k], err);
    *out = st == MLODA_OK ? mloda_api_data_new() : NULL;
    if (st == MLODA_OK && *out == NULL)
        st = MLODA_NOMEM(err, "api_data");
    if (st == MLODA_OK)
        st = mloda_api_data_add_columns(*out, s->table, s->n_slots, s->columns,
                                        (const mloda_column *const *)cols, err);
    for (int64_t k = 0; k < s->n_slots; k++)
        mloda_column_release(cols[k]);
    mloda_free(cols);
    reset_readers(s);
    if (st != MLODA_OK) {
        mloda_api_data_free(*out);
        *out = NULL;
    }
    return st;
}

static mloda_status sqlite_next(io_source *base, mloda_api_data **out, io_batch_info *info,
                                mloda_error *err)
{
    sqlite_source *s = (sqlite_source *)base;
    *out = NULL;
    if (s->done)
        return MLODA_OK;
    for (int64_t k = 0; k < s->n_slots; k++)
        io_colreader_init(&s->readers[k], s->table, s->columns[k], &s->types[k],
                          "the prepared request");
    mloda_error row_err = MLODA_ERROR_INIT;
    int64_t rows = 0;
    while (rows < s->batch_rows) {
        const int rc = sqlite3_step(s->stmt);
        if (rc == SQLITE_DONE) {
            s->done = true;
            break;
        }
        if (rc != SQLITE_ROW) {
            s->done = true;
            reset_readers(s);
            return mloda_error_set(err, MLODA_ERR_IO, s->name, "%s: the query failed at row %lld: %s",
                                   s->name, (long long)s->n_rows, sqlite3_errmsg(s->db));
        }
        if (rows == 0) {
            info->index = s->n_batches++;
            info->line = s->n_rows + 1;
            io_info_set_file(info, s->name);
        }
        s->n_rows++;
        rows++;
        if (row_err.code == MLODA_OK)
            (void)take_row(s, &row_err);
    }
    if (rows == 0 || row_err.code != MLODA_OK) {
        reset_readers(s);
        if (row_err.code != MLODA_OK && err != NULL && err->code == MLODA_OK)
            *err = row_err;
        return row_err.code;
    }
    return build_batch(s, out, err);
}

static void sqlite_free(io_source *base)
{
    sqlite_source *s = (sqlite_source *)base;
    if (s->readers != NULL)
        reset_readers(s);
    sqlite3_finalize(s->stmt);
    sqlite3_close(s->db);
    mloda_free(s->slot);
    mloda_free(s->columns);
    mloda_free(s->types);
    mloda_free(s->readers);
    mloda_free(s->name);
    mloda_free(s->table);
    mloda_free(s);
}

static mloda_status open_query(sqlite_source *s, const char *path, const char *sql,
                               mloda_error *err)
{
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        return mloda_error_set(err, MLODA_ERR_IO, path, "cannot open SQLite database %s: %s",
                               path, s->db != NULL ? sqlite3_errmsg(s->db) : "out of memory");
    const char *tail = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &s->stmt, &tail) != SQLITE_OK)
        return mloda_error_set(err, MLODA_ERR_IO, path, "%s: the query cannot run: %s (query: %s)",
                               path, sqlite3_errmsg(s->db), sql);
    if (s->stmt == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, path, "--sql holds no statement");
    if (sqlite3_stmt_readonly(s->stmt) == 0)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, path,
                               "--sql must be a query that only reads (a SELECT)");
    return MLODA_OK;
}

mloda_status io_sqlite_source_open(const char *path, const io_schema *schema,
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
    s->name = mloda_strdup(path);
    mloda_status st = s->name != NULL ? MLODA_OK : MLODA_NOMEM(err, "a path");
    if (st == MLODA_OK)
        st = io_pick_table(schema, opts->table, path, &s->table, err);
    if (st == MLODA_OK)
        st = open_query(s, path, opts->sql, err);
    if (st == MLODA_OK)
        st = map_columns(s, schema, err);
    if (st != MLODA_OK) {
        sqlite_free(&s->base);
        return st;
    }
    *out = &s->base;
    return MLODA_OK;
}
