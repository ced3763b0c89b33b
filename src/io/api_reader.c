/*
 * api_reader.c: the state machine from JSON events to api_data (see api_reader.h).
 *
 * One table is open at a time: its finished columns wait in names/cols until the table's
 * closing brace, where lengths are checked and the table is added. The column being read
 * lives in an io_column_reader. Names must be non-empty, NUL-free and unique.
 */
#include "io/api_reader.h"

#include <stdio.h>
#include <string.h>

#include "util/util.h"

const char *mloda_io_json_kind_text(io_json_kind kind)
{
    switch (kind) {
    case IO_JSON_NULL:
        return "null";
    case IO_JSON_BOOL:
        return "true/false";
    case IO_JSON_NUMBER:
        return "a number";
    case IO_JSON_STRING:
        return "a string";
    case IO_JSON_MAP_START:
        return "an object";
    case IO_JSON_KEY:
        return "a key";
    case IO_JSON_MAP_END:
        return "the end of an object";
    case IO_JSON_ARRAY_START:
        return "an array";
    case IO_JSON_ARRAY_END:
        return "the end of an array";
    }
    return "a value";
}

void mloda_io_api_reader_init(io_api_reader *r, const io_schema *schema, const char *origin,
                        const char *what)
{
    memset(r, 0, sizeof *r);
    r->schema = schema;
    r->origin = origin;
    r->what = what != NULL ? what : "api_data";
}

static void drop_columns(io_api_reader *r)
{
    for (int64_t i = 0; i < r->n_cols; i++) {
        mloda_free(r->names[i]);
        mloda_column_release(r->cols[i]);
    }
    r->n_cols = 0;
    mloda_strmap_reset(&r->seen);
}

void mloda_io_api_reader_reset(io_api_reader *r)
{
    drop_columns(r);
    mloda_free(r->names);
    mloda_free(r->cols);
    mloda_free(r->table);
    mloda_free(r->column);
    mloda_io_colreader_reset(&r->col);
    mloda_strmap_reset(&r->tables);
    mloda_api_data_free(r->out);
    memset(r, 0, sizeof *r);
}

bool mloda_io_api_reader_done(const io_api_reader *r)
{
    return r->state == IO_API_DONE;
}

mloda_api_data *mloda_io_api_reader_take(io_api_reader *r)
{
    if (r->state != IO_API_DONE)
        return NULL;
    mloda_api_data *a = r->out;
    r->out = NULL;
    return a;
}

/* A copy of a key as a C string; names must be usable as C strings. */
static mloda_status name_copy(const io_json_event *ev, const char *kind, const char *table,
                              char **out, mloda_error *err)
{
    if (ev->len == 0 || memchr(ev->text, '\0', ev->len) != NULL) {
        if (table != NULL)
            return mloda_error_set(err, MLODA_ERR_PARSE, table,
                                   "table '%s': a %s name must be non-empty text without "
                                   "NUL characters",
                                   table, kind);
        return mloda_error_set(err, MLODA_ERR_PARSE, NULL,
                               "a %s name must be non-empty text without NUL characters", kind);
    }
    *out = mloda_strndup(ev->text, ev->len);
    return *out != NULL ? MLODA_OK : MLODA_NOMEM(err, "a name");
}

static mloda_status begin_table(io_api_reader *r, const io_json_event *ev, mloda_error *err)
{
    mloda_free(r->table);
    r->table = NULL;
    MLODA_TRY(name_copy(ev, "table", NULL, &r->table, err));
    int64_t at = 0;
    if (mloda_strmap_get(&r->tables, r->table, &at))
        return mloda_error_set(err, MLODA_ERR_DUPLICATE, r->table,
                               "table '%s' appears twice in %s", r->table, r->what);
    MLODA_TRY(mloda_strmap_put(&r->tables, r->table, 1, err));
    r->state = IO_API_TABLE;
    return MLODA_OK;
}

static mloda_status begin_column(io_api_reader *r, const io_json_event *ev, mloda_error *err)
{
    mloda_free(r->column);
    r->column = NULL;
    MLODA_TRY(name_copy(ev, "column", r->table, &r->column, err));
    int64_t at = 0;
    if (mloda_strmap_get(&r->seen, r->column, &at))
        return mloda_error_set(err, MLODA_ERR_DUPLICATE, r->column,
                               "table '%s': column '%s' appears twice", r->table, r->column);
    MLODA_TRY(mloda_strmap_put(&r->seen, r->column, r->n_cols, err));
    r->state = IO_API_COLUMN;
    return MLODA_OK;
}

/* io_json_runs: numbers of a float64 or an int64 column. */
static mloda_status take_floats(void *self, const double *values, size_t n, mloda_error *err)
{
    io_api_reader *r = self;
    return mloda_io_colreader_float64_run(&r->col, values, n, err);
}

static mloda_status take_ints(void *self, const int64_t *values, size_t n, mloda_error *err)
{
    io_api_reader *r = self;
    return mloda_io_colreader_int64_run(&r->col, values, n, err);
}

static mloda_status open_column(io_api_reader *r, const io_json_event *ev, mloda_error *err)
{
    if (ev->kind != IO_JSON_ARRAY_START)
        return mloda_error_set(err, MLODA_ERR_PARSE, r->column,
                               "table '%s', column '%s': expected an array of values, found %s",
                               r->table, r->column, mloda_io_json_kind_text(ev->kind));
    io_coltype want;
    const bool known = mloda_io_schema_get(r->schema, r->table, r->column, &want);
    mloda_io_colreader_init(&r->col, r->table, r->column, known ? &want : NULL, r->origin);
    if (known && (want.type == MLODA_TYPE_FLOAT64 || want.type == MLODA_TYPE_INT64)) {
        const io_json_runs runs = {want.type == MLODA_TYPE_FLOAT64 ? take_floats : NULL,
                                   want.type == MLODA_TYPE_INT64 ? take_ints : NULL, r};
        mloda_io_json_parser_take_runs(ev->parser, &runs);
    }
    r->state = IO_API_VALUES;
    return MLODA_OK;
}

static mloda_status push_column(io_api_reader *r, mloda_error *err)
{
    if (r->n_cols == r->cap_cols) {
        const int64_t cap = r->cap_cols == 0 ? 8 : r->cap_cols * 2;
        char **names = mloda_realloc(r->names, (size_t)cap * sizeof *names);
        if (names == NULL)
            return MLODA_NOMEM(err, "a column list");
        r->names = names;
        mloda_column **cols = mloda_realloc(r->cols, (size_t)cap * sizeof *cols);
        if (cols == NULL)
            return MLODA_NOMEM(err, "a column list");
        r->cols = cols;
        r->cap_cols = cap;
    }
    mloda_column *c = NULL;
    MLODA_TRY(mloda_io_colreader_finish(&r->col, &c, err));
    r->names[r->n_cols] = r->column;
    r->cols[r->n_cols] = c;
    r->column = NULL;
    r->n_cols++;
    r->state = IO_API_COLUMNS;
    return MLODA_OK;
}

/* All columns of a table have one length, else an error naming both columns. */
static mloda_status check_lengths(const io_api_reader *r, mloda_error *err)
{
    for (int64_t i = 1; i < r->n_cols; i++) {
        const int64_t a = mloda_column_n_rows(r->cols[0]), b = mloda_column_n_rows(r->cols[i]);
        if (a != b)
            return mloda_error_set(err, MLODA_ERR_SCHEMA, r->table,
                                   "table '%s': columns have different lengths: '%s' has %lld "
                                   "rows but '%s' has %lld",
                                   r->table, r->names[0], (long long)a, r->names[i],
                                   (long long)b);
    }
    return MLODA_OK;
}

static mloda_status end_table(io_api_reader *r, mloda_error *err)
{
    MLODA_TRY(check_lengths(r, err));
    MLODA_TRY(mloda_api_data_add_columns(r->out, r->table, r->n_cols,
                                         (const char *const *)r->names,
                                         (const mloda_column *const *)r->cols, err));
    drop_columns(r);
    r->state = IO_API_TABLES;
    return MLODA_OK;
}

static mloda_status on_value(io_api_reader *r, const io_json_event *ev, mloda_error *err)
{
    switch (ev->kind) {
    case IO_JSON_NULL:
        return mloda_io_colreader_null(&r->col, err);
    case IO_JSON_BOOL:
        return mloda_io_colreader_bool(&r->col, ev->boolean, err);
    case IO_JSON_NUMBER:
        return mloda_io_colreader_number(&r->col, ev->text, ev->len, ev->number, err);
    case IO_JSON_STRING:
        return mloda_io_colreader_string(&r->col, ev->text, ev->len, err);
    case IO_JSON_ARRAY_START:
        r->state = IO_API_LIST;
        return mloda_io_colreader_list_begin(&r->col, err);
    case IO_JSON_ARRAY_END:
        return push_column(r, err);
    case IO_JSON_MAP_START:
    case IO_JSON_KEY:
    case IO_JSON_MAP_END:
        break;
    }
    return mloda_io_colreader_reject(&r->col, "an object", err);
}

static mloda_status on_list_item(io_api_reader *r, const io_json_event *ev, mloda_error *err)
{
    switch (ev->kind) {
    case IO_JSON_NUMBER:
        return mloda_io_colreader_list_number(&r->col, ev->text, ev->len, ev->number, err);
    case IO_JSON_ARRAY_END:
        r->state = IO_API_VALUES;
        return mloda_io_colreader_list_end(&r->col, err);
    case IO_JSON_NULL:
        return mloda_io_colreader_reject(&r->col, "null inside a list", err);
    case IO_JSON_ARRAY_START:
        return mloda_io_colreader_reject(&r->col, "a list inside a list", err);
    default:
        break;
    }
    char what[64];
    (void)snprintf(what, sizeof what, "%s inside a list", mloda_io_json_kind_text(ev->kind));
    return mloda_io_colreader_reject(&r->col, what, err);
}

static mloda_status expect_object(const io_api_reader *r, const io_json_event *ev,
                                  mloda_error *err)
{
    if (r->state == IO_API_ROOT)
        return mloda_error_set(err, MLODA_ERR_PARSE, NULL,
                               "%s must be a JSON object of tables ({\"Table\": {\"column\": "
                               "[values...]}}), found %s",
                               r->what, mloda_io_json_kind_text(ev->kind));
    return mloda_error_set(err, MLODA_ERR_PARSE, r->table,
                           "table '%s' must be an object of columns ({\"column\": "
                           "[values...]}), found %s",
                           r->table, mloda_io_json_kind_text(ev->kind));
}

mloda_status mloda_io_api_reader_event(void *self, const io_json_event *ev, mloda_error *err)
{
    io_api_reader *r = self;
    switch (r->state) {
    case IO_API_ROOT:
        if (ev->kind != IO_JSON_MAP_START)
            return expect_object(r, ev, err);
        r->out = mloda_api_data_new();
        if (r->out == NULL)
            return MLODA_NOMEM(err, "api_data");
        r->state = IO_API_TABLES;
        return MLODA_OK;
    case IO_API_TABLES:
        if (ev->kind == IO_JSON_MAP_END) {
            r->state = IO_API_DONE;
            return MLODA_OK;
        }
        return begin_table(r, ev, err);
    case IO_API_TABLE:
        if (ev->kind != IO_JSON_MAP_START)
            return expect_object(r, ev, err);
        r->state = IO_API_COLUMNS;
        return MLODA_OK;
    case IO_API_COLUMNS:
        if (ev->kind == IO_JSON_MAP_END)
            return end_table(r, err);
        return begin_column(r, ev, err);
    case IO_API_COLUMN:
        return open_column(r, ev, err);
    case IO_API_VALUES:
        return on_value(r, ev, err);
    case IO_API_LIST:
        return on_list_item(r, ev, err);
    case IO_API_DONE:
        break;
    }
    return mloda_error_set(err, MLODA_ERR_PARSE, NULL, "unexpected %s after the end of %s",
                           mloda_io_json_kind_text(ev->kind), r->what);
}
