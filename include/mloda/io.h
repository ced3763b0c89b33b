/*
 * mloda/io.h: built-in data sources for files and databases (SPEC.md §8): CSV files,
 * NDJSON files (one JSON object per line = one row) and SQLite tables, each as a
 * mloda_source_provider (see mloda.h) that a request reads like an api_data table.
 *
 * Lifecycle:
 *   mloda_source_init_csv / _ndjson / _sqlite   fill a caller-allocated mloda_source_provider
 *   mloda_request_add_source               the request takes over (frees it with itself)
 *   mloda_source_reset               only for a provider that was never added, or whose
 *                                    mloda_request_add_source failed
 *
 *   mloda_source_provider src;
 *   if (mloda_source_init_csv("customers.csv", NULL, NULL, &src, &err) != MLODA_OK ||
 *       mloda_request_add_source(req, &src, &err) != MLODA_OK)
 *       mloda_source_reset(&src);          // fine after either failure
 *
 * The constructors only copy their arguments: files are opened when the request is planned
 * (mloda_prepare, mloda_run_all, mloda_stream_all), which calls the provider's schema()
 * and then read() with just the columns the plan needs. So a missing file, a bad header or
 * a locked database is reported by the planning call, as MLODA_ERR_IO / _PARSE / _SCHEMA /
 * _TYPE with a message naming the file (and line, table, column where they apply).
 *
 * Types. schema() infers each column's type from the header and the first `infer_rows`
 * rows (CSV, NDJSON) or from the declared column types (SQLite); read() reads every row
 * with those types, so a later value that does not fit (a float in a column whose first
 * rows were integers) is an error naming file, line and column: state the type with
 * `types` to read such files. The rules follow api_data (README, "Request"):
 *   CSV text: integers -> int64; any float -> float64; true/false (any case) -> bool; ISO
 *     8601 date-times -> timestamp (microseconds); anything else -> utf8. An empty field
 *     is null ("" in quotes is an empty string in utf8 columns); NaN, NA, null and none
 *     are nulls in numeric columns. A column of only nulls is float64.
 *   NDJSON values: as api_data (numbers, strings, true/false, null, arrays of n numbers
 *     -> float64_list[n]); a key missing from a row is null in that row; a key whose
 *     sample values include an object or a list of lists is left out of the schema.
 *   SQLite declared types (affinity rules of sqlite.org/datatype3.html): ...BOOL... -> bool;
 *     ...INT... -> int64; ...CHAR/CLOB/TEXT... -> utf8; ...REAL/FLOA/DOUB... -> float64;
 *     ...DATE/TIME... -> timestamp (ISO 8601 text); other declared types (NUMERIC,
 *     DECIMAL) -> float64; no declared type -> from the stored values of the first
 *     `infer_rows` rows. BLOB columns are left out of the schema.
 *
 * Data root (mloda_source_options.data_root; the command's --data-root): for a service
 * that reads requests from others, which must not read /etc/shadow through data_access.
 * With a root, a relative path starts at the root, and the path resolved with realpath
 * (every symbolic link and ".." followed) must lie inside the root, else the planning call
 * fails with MLODA_ERR_IO "... is outside the data root" (the root is not named); the file
 * is opened with O_NOFOLLOW and checked again once open. With or without a root, only a
 * regular file is read: it is opened with O_NONBLOCK and checked with fstat, so a FIFO,
 * /dev/zero or a directory is an MLODA_ERR_IO naming what it is instead of a hang or an
 * endless read; SQLite databases are checked the same way and opened with
 * SQLITE_OPEN_NOFOLLOW.
 *
 * Limits: an NDJSON line longer than max_line_bytes, a CSV field longer than
 * max_field_bytes, a header longer than max_header_bytes, or a data row with more fields
 * than the header, is an MLODA_ERR_PARSE (MLODA_ERR_SCHEMA for the field count) naming the
 * file, the line and the limit, found before more than the limit is held in memory.
 *
 * Error messages quote column names, never values read from a source: a value that does
 * not fit its column is described by its kind and size ("a string of 12 bytes").
 *
 * Text must be UTF-8 (strict: no overlong forms, surrogates or code points above
 * U+10FFFF): CSV fields, NDJSON text and SQLite TEXT values that are not are an
 * MLODA_ERR_PARSE naming the file, line and field (or table, column and row); nothing is
 * replaced. A UTF-8 byte-order mark at the start of a file is skipped. CSV lines may end
 * in LF, CRLF or CR alone (as Python's csv module reads them).
 *
 * Linking: these functions are part of libmloda like the rest of the API (pkg-config
 * --libs mloda, or find_package(mloda) and the target mloda::mloda).
 *
 * Thread safety: the constructors touch only their arguments. A provider's callbacks
 * open their own file or connection per call and never modify the provider, so plans of
 * several requests may read one file at the same time.
 */
#ifndef MLODA_IO_H
#define MLODA_IO_H

#include "mloda/mloda.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A column type stated by the caller instead of inferred. */
typedef struct mloda_source_column_type {
    const char *column; /* column name as in the file or table */
    mloda_type type;    /* INT64, FLOAT64, BOOL, UTF8, TIMESTAMP (microseconds), FLOAT64_LIST */
    int32_t list_size;  /* FLOAT64_LIST: values per row (>= 1); ignored otherwise */
} mloda_source_column_type;

#define MLODA_SOURCE_OPTIONS_ABI 1u

/** Options of the built-in sources; NULL means all defaults. Zero fields are defaults.
 *  Versioned as plugin.h says: struct_size and abi_version first; fields beyond the
 *  caller's struct_size read as defaults. */
typedef struct mloda_source_options {
    size_t struct_size;                    /* sizeof(mloda_source_options) as the caller was
                                              built */
    uint32_t abi_version;                  /* MLODA_SOURCE_OPTIONS_ABI */
    const mloda_source_column_type *types; /* n_types stated types (borrowed for the call:
                                              the constructor copies them) */
    int64_t n_types;
    int64_t infer_rows;                    /* rows schema() reads to infer types (CSV,
                                              NDJSON, untyped SQLite columns): 0 = 1000,
                                              < 0 = every row */
    int32_t busy_timeout_ms;               /* SQLite: how long to wait for a lock held by a
                                              writer: 0 = 1000 ms, < 0 = do not wait */
    /* Appended later: a caller built with the smaller struct gets their defaults. */
    const char *data_root;                 /* NULL: read the path as given. Otherwise the
                                              source reads only a file inside this directory:
                                              see "Data root" above. Copied. */
    int64_t max_line_bytes;                /* NDJSON: longest line (one row): 0 = 256 MiB,
                                              < 0 = no cap */
    int64_t max_field_bytes;               /* CSV: longest field: 0 = 16 MiB, < 0 = no cap */
    int64_t max_header_bytes;              /* CSV: longest header line: 0 = 16 MiB, < 0 = no
                                              cap */
} mloda_source_options;

/**
 * A CSV file (RFC 4180: comma-separated, "" inside quotes, LF, CRLF or CR line ends, a header
 * line of unique non-empty column names, UTF-8 with an optional byte-order mark).
 *
 * path  the file; copied.
 * name  table name of the source (links, filters, errors); NULL: the file name without
 *       its directory and its last extension ("data/customers.csv" -> "customers"). Copied.
 * opts  may be NULL; its types are copied.
 * out   filled with a provider whose user_data the caller owns until
 *       mloda_request_add_source succeeds (see mloda_source_reset). On failure *out is
 *       zeroed.
 * Errors here: MLODA_ERR_INVALID_ARG (NULL or empty path, empty name, empty data_root, a
 * stated type that is not a column type, list_size < 1 for a list, options of an unknown
 * abi_version or a struct_size too small), MLODA_ERR_NOMEM.
 * Errors when planned: MLODA_ERR_IO (cannot open or read, not a regular file, outside the
 * data root: naming the file), MLODA_ERR_PARSE (bad header: empty file, empty or repeated
 * column name, longer than max_header_bytes; bad quote, invalid UTF-8, a field longer than
 * max_field_bytes: file, line, field), MLODA_ERR_SCHEMA (a row with another number of
 * fields than the header: file and line;
 * a stated type for a column the header lacks), MLODA_ERR_TYPE / MLODA_ERR_RANGE (a value
 * that does not fit its column: file, line, column, row).
 * Thread safety: thread-safe.
 */
MLODA_API mloda_status mloda_source_init_csv(const char *path, const char *name,
                                             const mloda_source_options *opts,
                                             mloda_source_provider *out, mloda_error *err);

/**
 * An NDJSON file: each non-blank line is one JSON object, one row: {"column": value, ...}.
 * Columns are the keys seen in the first infer_rows rows, in the order first seen, plus
 * the columns of stated types (which need not appear in the sample); other keys that
 * appear only later are ignored; a key missing from a row is null there.
 * Parameters, ownership and thread safety as mloda_source_init_csv (name NULL: the file
 * stem).
 * Errors when planned: MLODA_ERR_IO (as CSV); MLODA_ERR_PARSE (malformed JSON, invalid
 * UTF-8, a line that is not an object, two objects on one line, a key repeated within a
 * row, a line longer than max_line_bytes: file, line, column and byte); MLODA_ERR_TYPE / _RANGE (a value that does not fit its column, an object as a
 * value: file, line, column name and row).
 */
MLODA_API mloda_status mloda_source_init_ndjson(const char *path, const char *name,
                                                const mloda_source_options *opts,
                                                mloda_source_provider *out, mloda_error *err);

/**
 * A table (or view) of a SQLite database, opened read-only. schema() reads PRAGMA
 * table_info; read() runs SELECT "a", "b" FROM "table" with only the requested columns
 * (identifiers quoted, so any name works) and streams the rows into typed columns.
 *
 * db_path  the database file; copied. table: the table's name; copied. name: the source's
 * table name (NULL: the table's name); copied. opts: may be NULL (busy_timeout_ms applies).
 * Errors here: MLODA_ERR_INVALID_ARG (NULL or empty db_path or table, empty name, bad
 * stated type), MLODA_ERR_NOMEM.
 * Errors when planned: MLODA_ERR_IO (the database cannot be opened, is not a database or
 * not a regular file, lies outside the data root, is locked beyond the busy timeout, or a
 * query fails: naming the file and the SQLite message), MLODA_ERR_PARSE (a TEXT value that
 * is not UTF-8: file, table, column, row), MLODA_ERR_SCHEMA (no such table: naming it and the closest existing table),
 * MLODA_ERR_TYPE / _RANGE (a value that does not fit its column: file, table, column, row).
 */
MLODA_API mloda_status mloda_source_init_sqlite(const char *db_path, const char *table,
                                                const char *name,
                                                const mloda_source_options *opts,
                                                mloda_source_provider *out, mloda_error *err);

/**
 * Frees what a constructor allocated for a provider that no request owns (never added, or
 * mloda_request_add_source failed) and zeroes *p. Never call it after a successful add:
 * the request frees the provider. NULL or a zeroed provider is fine.
 */
MLODA_API void mloda_source_reset(mloda_source_provider *p);

#ifdef __cplusplus
}
#endif

#endif /* MLODA_IO_H */
