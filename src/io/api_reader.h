/*
 * api_reader.h: JSON events of one api_data object ({"Table": {"col": [values...]}}) ->
 * mloda_api_data. Columns are typed by a schema where it knows them (batches conform to
 * the prepared request) and inferred otherwise. Ragged tables, duplicate names and values
 * that do not fit the column are errors naming table, column and row. Internal to src/io.
 */
#ifndef MLODA_IO_API_READER_H
#define MLODA_IO_API_READER_H

#include "io/column_reader.h"
#include "io/json_events.h"
#include "util/strmap.h"

typedef enum io_api_state {
    IO_API_ROOT,       /* expecting the api_data object */
    IO_API_TABLES,     /* expecting a table name or the end */
    IO_API_TABLE,      /* expecting a table's object */
    IO_API_COLUMNS,    /* expecting a column name or the table's end */
    IO_API_COLUMN,     /* expecting a column's array */
    IO_API_VALUES,     /* inside a column's array */
    IO_API_LIST,       /* inside a list value */
    IO_API_DONE,
} io_api_state;

typedef struct io_api_reader {
    const io_schema *schema; /* borrowed, may be NULL */
    const char *origin;      /* where schema types come from, for messages */
    const char *what;        /* "api_data", "a batch": for messages */
    io_api_state state;
    mloda_api_data *out; /* owned until taken */
    char *table;         /* owned: current table name */
    char *column;        /* owned: current column name */
    mloda_strmap tables; /* table names so far (duplicate check) */
    mloda_strmap seen;   /* names of the current table's columns (duplicate check) */
    char **names;        /* owned: finished columns of the current table */
    mloda_column **cols; /* owned references */
    int64_t n_cols;
    int64_t cap_cols;
    io_column_reader col;
} io_api_reader;

void mloda_io_api_reader_init(io_api_reader *r, const io_schema *schema, const char *origin,
                        const char *what);
/** io_json_handler for the events of one api_data value. */
mloda_status mloda_io_api_reader_event(void *self, const io_json_event *ev, mloda_error *err);
bool mloda_io_api_reader_done(const io_api_reader *r);
/** Moves the finished api_data out (NULL unless done). */
mloda_api_data *mloda_io_api_reader_take(io_api_reader *r);
void mloda_io_api_reader_reset(io_api_reader *r);

/** "an object", "a string", ... for messages. */
const char *mloda_io_json_kind_text(io_json_kind kind);

#endif /* MLODA_IO_API_READER_H */
