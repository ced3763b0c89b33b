/*
 * sql_reader.c: SQLite query rows -> typed columns (see sql_reader.h).
 *
 * Invariants: the slots' source columns are the result columns of the statement.
 */
#include "io/sql_reader.h"

#include <stdio.h>
#include <string.h>

#include "io/json_events.h"
#include "util/utf8.h"
#include "util/util.h"

/* Opens `file` (named `path` in messages). */
static mloda_status open_db(io_sql_reader *r, const char *path, const char *file, int flags,
                            int busy_ms, const char *table, const char *origin,
                            mloda_error *err)
{
    r->table = table;
    r->origin = origin;
    r->name = mloda_strdup(path);
    if (r->name == NULL)
        return MLODA_NOMEM(err, "a path");
    if (sqlite3_open_v2(file, &r->db, SQLITE_OPEN_READONLY | flags, NULL) != SQLITE_OK)
        return mloda_error_set(err, MLODA_ERR_IO, path, "cannot open SQLite database %s: %s",
                               path, r->db != NULL ? sqlite3_errmsg(r->db) : "out of memory");
    if (busy_ms > 0)
        (void)sqlite3_busy_timeout(r->db, busy_ms);
    return MLODA_OK;
}

mloda_status mloda_io_sql_open(io_sql_reader *r, const char *path, int busy_ms, const char *table,
                         const char *origin, mloda_error *err)
{
    memset(r, 0, sizeof *r);
    return open_db(r, path, path, 0, busy_ms, table, origin, err);
}

mloda_status mloda_io_sql_open_data(io_sql_reader *r, const char *data_root, const char *path,
                                    int busy_ms, const char *table, const char *origin,
                                    mloda_error *err)
{
    memset(r, 0, sizeof *r);
    r->slots.hide_values = true;
    char *file = NULL;
    MLODA_TRY(mloda_io_data_path(data_root, path, "SQLite database", false, &file, err));
    const mloda_status st =
        open_db(r, path, file, SQLITE_OPEN_NOFOLLOW, busy_ms, table, origin, err);
    mloda_free(file);
    return st;
}

bool mloda_io_sql_is_locked(const io_sql_reader *r)
{
    const int code = r->db != NULL ? sqlite3_errcode(r->db) & 0xff : SQLITE_OK;
    return code == SQLITE_BUSY || code == SQLITE_LOCKED;
}

mloda_status mloda_io_sql_prepare(io_sql_reader *r, const char *sql, mloda_error *err)
{
    (void)sqlite3_finalize(r->stmt);
    r->stmt = NULL;
    r->n_rows = 0;
    r->done = false;
    const char *tail = NULL;
    if (sqlite3_prepare_v2(r->db, sql, -1, &r->stmt, &tail) == SQLITE_OK) {
        /* a second statement would be ignored: say so instead (spaces, comments and ';'
         * prepare to no statement) */
        sqlite3_stmt *next = NULL;
        const int rc = tail != NULL && *tail != '\0'
                           ? sqlite3_prepare_v2(r->db, tail, -1, &next, NULL)
                           : SQLITE_OK;
        (void)sqlite3_finalize(next);
        if (next == NULL && rc == SQLITE_OK && r->stmt != NULL)
            return MLODA_OK;
        const bool empty = r->stmt == NULL;
        (void)sqlite3_finalize(r->stmt);
        r->stmt = NULL;
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, r->name,
                               "%s: the query must be one SQL statement; %s (query: %s)",
                               r->name, empty ? "it has none" : "found more after the first",
                               sql);
    }
    if (mloda_io_sql_is_locked(r))
        return mloda_error_set(err, MLODA_ERR_IO, r->name,
                               "%s: the database is locked by another connection (%s)", r->name,
                               sqlite3_errmsg(r->db));
    return mloda_error_set(err, MLODA_ERR_IO, r->name, "%s: the query cannot run: %s (query: %s)",
                           r->name, sqlite3_errmsg(r->db), sql);
}

void mloda_io_sql_reset(io_sql_reader *r)
{
    mloda_io_slots_reset(&r->slots);
    (void)sqlite3_finalize(r->stmt);
    (void)sqlite3_close(r->db);
    mloda_free(r->name);
    memset(r, 0, sizeof *r);
}

mloda_status mloda_io_sql_select(io_sql_reader *r, int64_t n, const char *const *names,
                           const io_coltype *types, bool require, mloda_error *err)
{
    mloda_io_slots_reset(&r->slots);
    r->n_result = sqlite3_column_count(r->stmt);
    const char **result = mloda_calloc((size_t)(r->n_result > 0 ? r->n_result : 1),
                                       sizeof *result);
    if (result == NULL)
        return MLODA_NOMEM(err, "SQL columns");
    mloda_status st = MLODA_OK;
    for (int i = 0; st == MLODA_OK && i < r->n_result; i++)
        if ((result[i] = sqlite3_column_name(r->stmt, i)) == NULL)
            st = MLODA_NOMEM(err, "a column name");
    int64_t missing = -1;
    if (st == MLODA_OK)
        st = mloda_io_slots_select(&r->slots, r->n_result, result, n, names, types,
                                   "SQL columns", &missing, err);
    mloda_free((void *)result);
    if (st == MLODA_OK && require && missing >= 0)
        st = mloda_error_set(err, MLODA_ERR_SCHEMA, names[missing],
                             "%s: the query returns no column '%s'", r->name, names[missing]);
    return st;
}

static mloda_status take_value(io_sql_reader *r, int i, io_column_reader *c, mloda_error *err)
{
    int kind = sqlite3_column_type(r->stmt, i);
    if (c->want.type == MLODA_TYPE_UTF8 && (kind == SQLITE_INTEGER || kind == SQLITE_FLOAT))
        kind = SQLITE_TEXT; /* a number stored in a text column reads as SQLite prints it */
    switch (kind) {
    case SQLITE_NULL:
        return mloda_io_colreader_null(c, err);
    case SQLITE_INTEGER:
        if (c->want.type == MLODA_TYPE_BOOL)
            return mloda_io_colreader_bool(c, sqlite3_column_int64(r->stmt, i) != 0, err);
        return mloda_io_colreader_int64(c, sqlite3_column_int64(r->stmt, i), err);
    case SQLITE_FLOAT:
        return mloda_io_colreader_float64(c, sqlite3_column_double(r->stmt, i), err);
    case SQLITE_TEXT: {
        const unsigned char *text = sqlite3_column_text(r->stmt, i);
        const int len = sqlite3_column_bytes(r->stmt, i);
        if (text == NULL && sqlite3_errcode(r->db) == SQLITE_NOMEM)
            return MLODA_NOMEM(err, "a SQLite value");
        const char *t = text != NULL ? (const char *)text : "";
        const size_t bad = mloda_utf8_valid_prefix(t, (size_t)len); /* SQLite never checks */
        if (bad < (size_t)len)
            return mloda_io_colreader_bad_text(c, bad, err);
        return mloda_io_colreader_text(c, t, (size_t)len, err);
    }
    default:
        return mloda_io_colreader_reject(c, "a BLOB", err);
    }
}

static mloda_status take_row(io_sql_reader *r, mloda_error *err)
{
    for (int i = 0; i < r->n_result; i++) {
        if (r->slots.slot[i] < 0)
            continue;
        const mloda_status st = take_value(r, i, &r->slots.readers[r->slots.slot[i]], err);
        if (st != MLODA_OK) {
            char where[300];
            (void)snprintf(where, sizeof where, "%s: result row %lld: ", r->name,
                           (long long)r->n_rows);
            mloda_io_error_prefix(err, where);
            return st;
        }
    }
    return MLODA_OK;
}

mloda_status mloda_io_sql_read(io_sql_reader *r, int64_t max_rows, bool drain, int64_t *out_rows,
                         int64_t *out_first_row, mloda_error *err)
{
    *out_rows = 0;
    *out_first_row = 0;
    if (r->done)
        return MLODA_OK;
    mloda_io_slots_start(&r->slots, r->table, r->origin);
    mloda_error row_err = MLODA_ERROR_INIT;
    int64_t rows = 0;
    while (rows < max_rows) {
        const int rc = sqlite3_step(r->stmt);
        if (rc == SQLITE_DONE) {
            r->done = true;
            break;
        }
        if (rc != SQLITE_ROW) {
            r->done = true;
            mloda_io_slots_stop(&r->slots);
            *out_rows = rows;
            return mloda_error_set(err, MLODA_ERR_IO, r->name,
                                   "%s: the query failed at row %lld: %s", r->name,
                                   (long long)r->n_rows, sqlite3_errmsg(r->db));
        }
        if (rows == 0)
            *out_first_row = r->n_rows + 1;
        r->n_rows++;
        rows++;
        if (row_err.code == MLODA_OK)
            (void)take_row(r, &row_err);
        if (row_err.code != MLODA_OK && !drain)
            break;
    }
    *out_rows = rows;
    return mloda_io_slots_end_read(&r->slots, &row_err, err);
}

mloda_status mloda_io_sql_finish(io_sql_reader *r, mloda_column **out, mloda_error *err)
{
    return mloda_io_slots_finish(&r->slots, r->table, r->origin, out, err);
}

mloda_status mloda_io_sql_quote(mloda_buf *b, const char *name, mloda_error *err)
{
    MLODA_TRY(mloda_buf_putc(b, '"', err));
    for (const char *p = name; *p != '\0'; p++) {
        if (*p == '"')
            MLODA_TRY(mloda_buf_putc(b, '"', err));
        MLODA_TRY(mloda_buf_putc(b, *p, err));
    }
    return mloda_buf_putc(b, '"', err);
}
