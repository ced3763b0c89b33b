/*
 * sql_reader.h: rows of a SQLite query read as typed columns, the one piece behind both
 * SQLite readers of the formats layer: the `--batches DB --sql` source (rows in batches,
 * typed by the prepared request) and the SQLite data-source provider (mloda_source_init_sqlite:
 * the requested columns of a table in one read).
 *
 * Values go through the column reader's rules: INTEGER widens into float64 and is 0/1 for
 * bool, REAL, TEXT read as the column's type (ISO 8601 for timestamps), NULL is null, a
 * BLOB is an error naming the column. Use: _open, _prepare, _select, then _read / _finish
 * as often as needed; _reset at the end. Internal to src/io.
 */
#ifndef MLODA_IO_SQL_READER_H
#define MLODA_IO_SQL_READER_H

#include <sqlite3.h>

#include "io/column_slots.h"

typedef struct io_sql_reader {
    sqlite3 *db;               /* owned */
    sqlite3_stmt *stmt;        /* owned */
    char *name;                /* owned: the database path, for messages */
    const char *table;         /* borrowed: table name for messages */
    const char *origin;        /* borrowed: where the wanted types come from */
    int n_result;              /* result columns */
    io_column_slots slots;     /* the wanted columns; source columns: the result columns */
    int64_t n_rows;            /* rows stepped so far */
    bool done;                 /* the query has no more rows */
} io_sql_reader;

/**
 * Opens the database read-only (a missing file is an error, never created). busy_ms: how
 * long a statement waits for a writer's lock (<= 0: not at all). table and origin are
 * borrowed for messages. Errors: MLODA_ERR_IO naming the file, MLODA_ERR_NOMEM.
 */
mloda_status mloda_io_sql_open(io_sql_reader *r, const char *path, int busy_ms, const char *table,
                         const char *origin, mloda_error *err);
/**
 * As _open for a data source that a request names: the file must be a regular file (and
 * lie inside data_root when it is not NULL, see mloda_io_open_data_file); it is opened
 * with SQLITE_OPEN_NOFOLLOW, and messages never quote its values.
 */
mloda_status mloda_io_sql_open_data(io_sql_reader *r, const char *data_root, const char *path,
                                    int busy_ms, const char *table, const char *origin,
                                    mloda_error *err);
/** Prepares sql (replacing an earlier statement); it must be one statement (text after it
 *  other than spaces, comments and ';' is refused). Errors: MLODA_ERR_IO "PATH: the query
 *  cannot run: MESSAGE (query: SQL)", or "PATH is locked ..." when a writer holds it;
 *  MLODA_ERR_INVALID_ARG for a second statement. */
mloda_status mloda_io_sql_prepare(io_sql_reader *r, const char *sql, mloda_error *err);
/** True when the last failure was SQLITE_BUSY / SQLITE_LOCKED. */
bool mloda_io_sql_is_locked(const io_sql_reader *r);
/**
 * Matches result columns to the n wanted names (borrowed until _reset) and their types.
 * Slots follow the order of names; with require a name the query does not return is
 * MLODA_ERR_SCHEMA, otherwise it is left out. Result columns nobody wants are skipped.
 */
mloda_status mloda_io_sql_select(io_sql_reader *r, int64_t n, const char *const *names,
                           const io_coltype *types, bool require, mloda_error *err);
/**
 * Steps up to max_rows rows into the readers; *out_rows rows taken (0 at the end),
 * *out_first_row the 1-based number of the first. A value that does not fit fails the read
 * ("PATH: result row N: table 'T', column 'c', row r: ..."); with drain the rest of the
 * max_rows rows are stepped over first. A failing step ends the query: MLODA_ERR_IO.
 * After a failure the readers are empty.
 */
mloda_status mloda_io_sql_read(io_sql_reader *r, int64_t max_rows, bool drain, int64_t *out_rows,
                         int64_t *out_first_row, mloda_error *err);
/** The rows read so far, one column per slot (new references), readers emptied. */
mloda_status mloda_io_sql_finish(io_sql_reader *r, mloda_column **out, mloda_error *err);
void mloda_io_sql_reset(io_sql_reader *r);

/** Appends name as a SQL identifier: in double quotes, inner quotes doubled. */
mloda_status mloda_io_sql_quote(mloda_buf *b, const char *name, mloda_error *err);

#endif /* MLODA_IO_SQL_READER_H */
