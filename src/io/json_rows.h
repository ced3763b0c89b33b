/*
 * json_rows.h: NDJSON rows (one JSON object per line, {"column": value}) -> typed columns,
 * for the NDJSON data-source provider (mloda_source_init_ndjson). Values follow the column
 * reader's rules (as api_data); a key missing from a row is null in that row.
 *
 * Two modes: with infer, every new key becomes a column whose type is inferred (schema
 * discovery over a sample); without, only the columns added beforehand are read, with
 * their types, and other keys are skipped. While inferring, a key whose value is an object
 * or a list of lists makes its column unreadable (left out, as SQLite leaves BLOBs) rather
 * than failing the sample. Use: _init, _add_column (stated or wanted
 * columns), _read_fd, _finish, _reset. Internal to src/io.
 */
#ifndef MLODA_IO_JSON_ROWS_H
#define MLODA_IO_JSON_ROWS_H

#include "io/column_reader.h"
#include "io/json_events.h"
#include "util/strmap.h"

typedef enum io_rows_state {
    IO_ROWS_TOP,   /* between rows */
    IO_ROWS_KEYS,  /* in a row: a key or its end */
    IO_ROWS_VALUE, /* a column's value */
    IO_ROWS_LIST,  /* inside a list value */
    IO_ROWS_SKIP,  /* skipping the value of a key nobody wants */
    IO_ROWS_STOP,  /* max_rows reached */
} io_rows_state;

typedef struct io_json_rows {
    const char *name;   /* borrowed: the file, for messages */
    const char *table;  /* borrowed: table name for messages */
    const char *origin; /* borrowed: where wanted types come from */
    bool infer;
    io_rows_state state;
    mloda_strmap index;        /* column name -> slot */
    char **columns;            /* owned: slot -> name */
    io_coltype *types;         /* owned: slot -> wanted type (INVALID: infer) */
    io_column_reader *readers; /* owned */
    int64_t *last_row;         /* owned: slot -> the row that last set it */
    bool *unreadable;          /* owned: slot -> infer mode met an object or a nested list */
    int64_t n_slots;
    int64_t cap_slots;
    int64_t n_rows;
    int64_t max_rows; /* < 0: all */
    int64_t cur;      /* slot of the value being read */
    int64_t skip_depth;
    int64_t last_line; /* line where the previous row ended */
    mloda_buf key;     /* scratch: the current key, NUL-terminated */
    int64_t max_line_bytes; /* cap on one line (one row); 0: the default */
    const char *const *stated_names; /* borrowed: types for keys found while inferring */
    const io_coltype *stated_types;
    int64_t n_stated;
} io_json_rows;

/** name, table and origin are borrowed until _reset. */
void mloda_io_json_rows_init(io_json_rows *r, const char *name, const char *table, const char *origin,
                       bool infer);
/** A column read with `type` (NULL or INVALID: inferred). Errors: MLODA_ERR_DUPLICATE,
 *  MLODA_ERR_NOMEM. */
mloda_status mloda_io_json_rows_add_column(io_json_rows *r, const char *column,
                                     const io_coltype *type, mloda_error *err);
/** Infer mode: a key first seen that is one of names gets its stated type instead of an
 *  inferred one. Arrays borrowed until _reset. */
void mloda_io_json_rows_stated(io_json_rows *r, int64_t n, const char *const *names,
                         const io_coltype *types);
/**
 * Reads rows from fd until its end, or until max_rows rows (< 0: no limit).
 * Errors: MLODA_ERR_IO (reading, naming the file); MLODA_ERR_PARSE (malformed JSON, a line
 * that is not an object, two objects on one line, a repeated key: file, line, column and
 * byte; a line longer than max_line_bytes: file and line); MLODA_ERR_TYPE / _RANGE (a value that does not fit: also table, column, row).
 */
mloda_status mloda_io_json_rows_read_fd(io_json_rows *r, int fd, int64_t max_rows, mloda_error *err);
/** One column per slot (new references in out[0..n_slots); NULL for an unreadable
 *  column); on failure all NULL. */
mloda_status mloda_io_json_rows_finish(io_json_rows *r, mloda_column **out, mloda_error *err);
void mloda_io_json_rows_reset(io_json_rows *r);

#endif /* MLODA_IO_JSON_ROWS_H */
