/*
 * sql_reader.c: SQLite query rows -> typed columns (see sql_reader.h).
 *
 * Invariants: slot[i] is -1 or < n_slots for every result column i; readers hold rows
 * only while `reading`.
 */
#include "io/sql_reader.h"

#include <stdio.h>
#include <string.h>

#include "io/json_events.h"
#include "util/util.h"

mloda_status mloda_io_sql_open(io_sql_reader *r, const char *path, int busy_ms, const char *table,
                         const char *origin, mloda_error *err)
{
    memset(r, 0, sizeof *r);
    r->table = table;
    r->origin = origin;
    r->name = mloda_strdup(path);
    if (r->name == NULL)
        return MLODA_NOMEM(err, "a path");
    if (sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        return mloda_error_set(err, MLODA_ERR_IO, path, "cannot open SQLite database %s: %s",
                               path, r->db != NULL ? sqlite3_errmsg(r->db) : "out of memory");
    if (busy_ms > 0)
        (void)sqlite3_busy_timeout(r->db, busy_ms);
    return MLODA_OK;
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
    if (sqlite3_prepare_v2(r->db, sql, -1, &r->stmt, NULL) == SQLITE_OK)
        return MLODA_OK;
    if (mloda_io_sql_is_locked(r))
        return mloda_error_set(err, MLODA_ERR_IO, r->name,
                               "%s: the database is locked by another connection (%s)", r->name,
                               sqlite3_errmsg(r->db));
    return mloda_error_set(err, MLODA_ERR_IO, r->name, "%s: the query cannot run: %s (query: %s)",
                           r->name, sqlite3_errmsg(r->db), sql);
}

static void reset_readers(io_sql_reader *r)
{
    if (r->readers != NULL)
        for (int64_t k = 0; k < r->n_slots; k++)
            mloda_io_colreader_reset(&r->readers[k]);
    r->reading = false;
}

static void drop_selection(io_sql_reader *r)
{
    reset_readers(r);
    mloda_free(r->slot);
    mloda_free((void *)r->columns);
    mloda_free(r->types);
    mloda_free(r->readers);
    r->slot = NULL;
    r->columns = NULL;
    r->types = NULL;
    r->readers = NULL;
    r->n_slots = 0;
}

void mloda_io_sql_reset(io_sql_reader *r)
{
    drop_selection(r);
    (void)sqlite3_finalize(r->stmt);
    (void)sqlite3_close(r->db);
    mloda_free(r->name);
    memset(r, 0, sizeof *r);
}

mloda_status mloda_io_sql_select(io_sql_reader *r, int64_t n, const char *const *names,
                           const io_coltype *types, bool require, mloda_error *err)
{
    drop_selection(r);
    r->n_result = sqlite3_column_count(r->stmt);
    const size_t nr = (size_t)(r->n_result > 0 ? r->n_result : 1);
    const size_t nn = (size_t)(n > 0 ? n : 1);
    r->slot = mloda_malloc(nr * sizeof *r->slot);
    r->columns = mloda_calloc(nn, sizeof *r->columns);
    r->types = mloda_calloc(nn, sizeof *r->types);
    r->readers = mloda_calloc(nn, sizeof *r->readers);
    if (r->slot == NULL || r->columns == NULL || r->types == NULL || r->readers == NULL)
        return MLODA_NOMEM(err, "SQL columns"); /* freed by _reset */
    mloda_strmap index = {0}; /* result column name -> position (the first wins) */
    mloda_status st = MLODA_OK;
    for (int i = 0; st == MLODA_OK && i < r->n_result; i++) {
        const char *name = sqlite3_column_name(r->stmt, i);
        int64_t first = 0;
        r->slot[i] = -1;
        if (name == NULL)
            st = MLODA_NOMEM(err, "a column name");
        else if (!mloda_strmap_get(&index, name, &first))
            st = mloda_strmap_put(&index, name, i, err);
    }
    for (int64_t k = 0; st == MLODA_OK && k < n; k++) {
        int64_t at = -1;
        if (mloda_strmap_get(&index, names[k], &at) && r->slot[at] < 0) {
            r->slot[at] = r->n_slots;
            r->columns[r->n_slots] = names[k];
            r->types[r->n_slots] = types[k];
            r->n_slots++;
        } else if (require) {
            st = mloda_error_set(err, MLODA_ERR_SCHEMA, names[k],
                                 "%s: the query returns no column '%s'", r->name, names[k]);
        }
    }
    mloda_strmap_reset(&index);
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
        return mloda_io_colreader_text(c, text != NULL ? (const char *)text : "", (size_t)len, err);
    }
    default:
        return mloda_io_colreader_reject(c, "a BLOB", err);
    }
}

static mloda_status take_row(io_sql_reader *r, mloda_error *err)
{
    for (int i = 0; i < r->n_result; i++) {
        if (r->slot[i] < 0)
            continue;
        const mloda_status st = take_value(r, i, &r->readers[r->slot[i]], err);
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

static void start_readers(io_sql_reader *r)
{
    if (r->reading)
        return;
    for (int64_t k = 0; k < r->n_slots; k++)
        mloda_io_colreader_init(&r->readers[k], r->table, r->columns[k], &r->types[k], r->origin);
    r->reading = true;
}

mloda_status mloda_io_sql_read(io_sql_reader *r, int64_t max_rows, bool drain, int64_t *out_rows,
                         int64_t *out_first_row, mloda_error *err)
{
    *out_rows = 0;
    *out_first_row = 0;
    if (r->done)
        return MLODA_OK;
    start_readers(r);
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
            reset_readers(r);
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
    if (row_err.code != MLODA_OK) {
        reset_readers(r);
        if (err != NULL && err->code == MLODA_OK)
            *err = row_err;
        return row_err.code;
    }
    return MLODA_OK;
}

mloda_status mloda_io_sql_finish(io_sql_reader *r, mloda_column **out, mloda_error *err)
{
    mloda_status st = MLODA_OK;
    for (int64_t k = 0; k < r->n_slots; k++)
        out[k] = NULL;
    start_readers(r); /* nothing read: empty columns of the wanted types */
    for (int64_t k = 0; k < r->n_slots && st == MLODA_OK; k++)
        st = mloda_io_colreader_finish(&r->readers[k], &out[k], err);
    reset_readers(r);
    if (st != MLODA_OK)
        for (int64_t k = 0; k < r->n_slots; k++) {
            mloda_column_release(out[k]);
            out[k] = NULL;
        }
    return st;
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
