/*
 * json_rows.c: NDJSON rows -> typed columns (see json_rows.h).
 *
 * One yajl parser reads the whole file (multiple top-level values allowed); each
 * top-level value must be an object that starts on a later line than the previous one
 * ended. Invariants: every reader holds n_rows rows between rows; last_row[s] == n_rows
 * while row n_rows has set slot s.
 */
#include "io/json_rows.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "io/api_reader.h"
#include "util/util.h"

#define READ_CHUNK 65536

void mloda_io_json_rows_init(io_json_rows *r, const char *name, const char *table, const char *origin,
                       bool infer)
{
    memset(r, 0, sizeof *r);
    r->name = name;
    r->table = table;
    r->origin = origin;
    r->infer = infer;
    r->max_rows = -1;
}

void mloda_io_json_rows_reset(io_json_rows *r)
{
    for (int64_t k = 0; k < r->n_slots; k++) {
        mloda_io_colreader_reset(&r->readers[k]);
        mloda_free(r->columns[k]);
    }
    mloda_free(r->columns);
    mloda_free(r->types);
    mloda_free(r->readers);
    mloda_free(r->last_row);
    mloda_free(r->unreadable);
    mloda_strmap_reset(&r->index);
    mloda_buf_reset(&r->key);
    memset(r, 0, sizeof *r);
}

void mloda_io_json_rows_stated(io_json_rows *r, int64_t n, const char *const *names,
                         const io_coltype *types)
{
    r->n_stated = n;
    r->stated_names = names;
    r->stated_types = types;
}

static const io_coltype *stated(const io_json_rows *r, const char *key)
{
    for (int64_t i = 0; i < r->n_stated; i++)
        if (strcmp(r->stated_names[i], key) == 0)
            return &r->stated_types[i];
    return NULL;
}

static mloda_status grow(io_json_rows *r, mloda_error *err)
{
    if (r->n_slots < r->cap_slots)
        return MLODA_OK;
    const int64_t cap = r->cap_slots == 0 ? 8 : r->cap_slots * 2;
    char **columns = mloda_realloc(r->columns, (size_t)cap * sizeof *columns);
    if (columns == NULL)
        return MLODA_NOMEM(err, "a column list");
    r->columns = columns;
    io_coltype *types = mloda_realloc(r->types, (size_t)cap * sizeof *types);
    if (types == NULL)
        return MLODA_NOMEM(err, "a column list");
    r->types = types;
    io_column_reader *readers = mloda_realloc(r->readers, (size_t)cap * sizeof *readers);
    if (readers == NULL)
        return MLODA_NOMEM(err, "a column list");
    r->readers = readers;
    int64_t *last = mloda_realloc(r->last_row, (size_t)cap * sizeof *last);
    if (last == NULL)
        return MLODA_NOMEM(err, "a column list");
    r->last_row = last;
    bool *bad = mloda_realloc(r->unreadable, (size_t)cap * sizeof *bad);
    if (bad == NULL)
        return MLODA_NOMEM(err, "a column list");
    r->unreadable = bad;
    r->cap_slots = cap;
    return MLODA_OK;
}

mloda_status mloda_io_json_rows_add_column(io_json_rows *r, const char *column,
                                     const io_coltype *type, mloda_error *err)
{
    int64_t at = 0;
    if (mloda_strmap_get(&r->index, column, &at))
        return mloda_error_set(err, MLODA_ERR_DUPLICATE, column, "column '%s' is given twice",
                               column);
    MLODA_TRY(grow(r, err));
    char *copy = mloda_strdup(column);
    if (copy == NULL)
        return MLODA_NOMEM(err, "a column name");
    const int64_t k = r->n_slots;
    r->columns[k] = copy;
    r->types[k] = type != NULL ? *type : (io_coltype){MLODA_TYPE_INVALID, 0, MLODA_TIME_MICRO};
    r->last_row[k] = -1;
    r->unreadable[k] = false;
    mloda_io_colreader_init(&r->readers[k], r->table, copy, &r->types[k], r->origin);
    r->readers[k].hide_values = true; /* NDJSON rows are a data source's: never quoted */
    r->n_slots++;
    MLODA_TRY(mloda_strmap_put(&r->index, copy, k, err));
    for (int64_t i = 0; i < r->n_rows; i++) /* a key first seen in a later row */
        MLODA_TRY(mloda_io_colreader_null(&r->readers[k], err));
    return MLODA_OK;
}

static mloda_status row_start(io_json_rows *r, const io_json_event *ev, mloda_error *err)
{
    if (ev->kind != IO_JSON_MAP_START)
        return mloda_error_set(err, MLODA_ERR_PARSE, r->name,
                               "each line of an NDJSON source is one JSON object (a row "
                               "{\"column\": value, ...}), found %s",
                               mloda_io_json_kind_text(ev->kind));
    int64_t line = 0, column = 0, byte = 0;
    mloda_io_json_parser_where(ev->parser, &line, &column, &byte);
    if (r->n_rows > 0 && line <= r->last_line)
        return mloda_error_set(err, MLODA_ERR_PARSE, r->name,
                               "a second JSON object on the same line (one row per line)");
    r->state = IO_ROWS_KEYS;
    return MLODA_OK;
}

static mloda_status row_end(io_json_rows *r, const io_json_event *ev, mloda_error *err)
{
    for (int64_t k = 0; k < r->n_slots; k++)
        if (r->last_row[k] != r->n_rows && !r->unreadable[k])
            MLODA_TRY(mloda_io_colreader_null(&r->readers[k], err));
    r->n_rows++;
    int64_t column = 0, byte = 0;
    mloda_io_json_parser_where(ev->parser, &r->last_line, &column, &byte);
    r->state = IO_ROWS_TOP;
    if (r->max_rows >= 0 && r->n_rows >= r->max_rows) {
        r->state = IO_ROWS_STOP;
        return MLODA_ERR_CANCELLED; /* the caller's sample is complete: stop parsing */
    }
    return MLODA_OK;
}

static mloda_status on_key(io_json_rows *r, const io_json_event *ev, mloda_error *err)
{
    if (memchr(ev->text, '\0', ev->len) != NULL)
        return mloda_error_set(err, MLODA_ERR_PARSE, r->name,
                               "a key holds a NUL character, which no column name can");
    r->key.len = 0;
    MLODA_TRY(mloda_buf_append(&r->key, ev->text, ev->len, err));
    MLODA_TRY(mloda_buf_putc(&r->key, '\0', err));
    const char *key = r->key.data;
    int64_t k = 0;
    if (!mloda_strmap_get(&r->index, key, &k)) {
        if (!r->infer) {
            r->state = IO_ROWS_SKIP;
            r->skip_depth = 0;
            return MLODA_OK;
        }
        MLODA_TRY(mloda_io_json_rows_add_column(r, key, stated(r, key), err));
        k = r->n_slots - 1;
    }
    if (r->last_row[k] == r->n_rows)
        return mloda_error_set(err, MLODA_ERR_PARSE, key,
                               "key '%s' appears twice in one row", key);
    r->last_row[k] = r->n_rows;
    r->cur = k;
    r->state = IO_ROWS_VALUE;
    if (r->unreadable[k]) { /* skip its values from now on */
        r->state = IO_ROWS_SKIP;
        r->skip_depth = 0;
    }
    return MLODA_OK;
}

/* Infer mode met a value no column holds: the column is left out, the value skipped
 * (depth: containers of it already open). */
static mloda_status make_unreadable(io_json_rows *r, int64_t depth)
{
    mloda_io_colreader_reset(&r->readers[r->cur]);
    r->unreadable[r->cur] = true;
    r->state = IO_ROWS_SKIP;
    r->skip_depth = depth;
    return MLODA_OK;
}

static mloda_status on_value(io_json_rows *r, const io_json_event *ev, mloda_error *err)
{
    io_column_reader *c = &r->readers[r->cur];
    r->state = IO_ROWS_KEYS;
    switch (ev->kind) {
    case IO_JSON_NULL:
        return mloda_io_colreader_null(c, err);
    case IO_JSON_BOOL:
        return mloda_io_colreader_bool(c, ev->boolean, err);
    case IO_JSON_NUMBER:
        return mloda_io_colreader_number(c, ev->text, ev->len, ev->number, err);
    case IO_JSON_STRING:
        return mloda_io_colreader_string(c, ev->text, ev->len, err);
    case IO_JSON_ARRAY_START:
        r->state = IO_ROWS_LIST;
        return mloda_io_colreader_list_begin(c, err);
    default:
        break;
    }
    if (r->infer && r->types[r->cur].type == MLODA_TYPE_INVALID)
        return make_unreadable(r, 1);
    return mloda_io_colreader_reject(c, "an object", err);
}

static mloda_status on_list_item(io_json_rows *r, const io_json_event *ev, mloda_error *err)
{
    io_column_reader *c = &r->readers[r->cur];
    switch (ev->kind) {
    case IO_JSON_NUMBER:
        return mloda_io_colreader_list_number(c, ev->text, ev->len, ev->number, err);
    case IO_JSON_ARRAY_END:
        r->state = IO_ROWS_KEYS;
        return mloda_io_colreader_list_end(c, err);
    case IO_JSON_NULL:
        return mloda_io_colreader_reject(c, "null inside a list", err);
    case IO_JSON_ARRAY_START:
        if (r->infer && r->types[r->cur].type == MLODA_TYPE_INVALID)
            return make_unreadable(r, 2);
        return mloda_io_colreader_reject(c, "a list inside a list", err);
    case IO_JSON_MAP_START:
        if (r->infer && r->types[r->cur].type == MLODA_TYPE_INVALID)
            return make_unreadable(r, 2);
        break;
    default:
        break;
    }
    char what[64];
    (void)snprintf(what, sizeof what, "%s inside a list", mloda_io_json_kind_text(ev->kind));
    return mloda_io_colreader_reject(c, what, err);
}

static void on_skip(io_json_rows *r, const io_json_event *ev)
{
    switch (ev->kind) {
    case IO_JSON_MAP_START:
    case IO_JSON_ARRAY_START:
        r->skip_depth++;
        return;
    case IO_JSON_MAP_END:
    case IO_JSON_ARRAY_END:
        r->skip_depth--;
        break;
    case IO_JSON_KEY:
        return;
    default:
        break;
    }
    if (r->skip_depth == 0)
        r->state = IO_ROWS_KEYS;
}

static mloda_status rows_event(void *self, const io_json_event *ev, mloda_error *err)
{
    io_json_rows *r = self;
    switch (r->state) {
    case IO_ROWS_TOP:
        return row_start(r, ev, err);
    case IO_ROWS_KEYS:
        return ev->kind == IO_JSON_MAP_END ? row_end(r, ev, err) : on_key(r, ev, err);
    case IO_ROWS_VALUE:
        return on_value(r, ev, err);
    case IO_ROWS_LIST:
        return on_list_item(r, ev, err);
    case IO_ROWS_SKIP:
        on_skip(r, ev);
        return MLODA_OK;
    case IO_ROWS_STOP:
        break;
    }
    return MLODA_ERR_CANCELLED;
}

static bool all_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return false;
    return true;
}

/* Counts the bytes of the line being read over data[0..len); false when one passes cap
 * (*line is then the line). */
static bool lines_fit(int64_t *line_bytes, int64_t *line, const char *data, size_t len,
                      int64_t cap)
{
    size_t i = 0;
    while (i < len) {
        const char *nl = memchr(data + i, '\n', len - i);
        const size_t seg = nl != NULL ? (size_t)(nl - (data + i)) : len - i;
        if ((int64_t)seg > cap - *line_bytes)
            return false;
        if (nl == NULL) {
            *line_bytes += (int64_t)seg;
            break;
        }
        *line_bytes = 0;
        (*line)++;
        i += seg + 1;
    }
    return true;
}

mloda_status mloda_io_json_rows_read_fd(io_json_rows *r, int fd, int64_t max_rows, mloda_error *err)
{
    const int64_t cap = mloda_io_cap(r->max_line_bytes, MLODA_IO_DEFAULT_MAX_LINE_BYTES);
    int64_t line_bytes = 0, line = 1;
    r->max_rows = max_rows;
    if (max_rows == 0)
        return MLODA_OK;
    char *buf = mloda_malloc(READ_CHUNK);
    if (buf == NULL)
        return MLODA_NOMEM(err, "a read buffer");
    io_json_parser p;
    mloda_error perr = MLODA_ERROR_INIT; /* the parse's own: a stop is not an error */
    mloda_status st = mloda_io_json_parser_init(&p, rows_event, r, r->name, 1, 0, err);
    if (st == MLODA_OK)
        mloda_io_json_parser_allow_many(&p);
    bool any = false; /* a non-blank byte was fed: an empty file is zero rows */
    bool started = false;
    while (st == MLODA_OK) {
        const ssize_t got = read(fd, buf, READ_CHUNK);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            char why[128];
            st = mloda_error_set(err, MLODA_ERR_IO, r->name, "cannot read %s: %s", r->name,
                                 mloda_io_errno_text(errno, why, sizeof why));
            break;
        }
        if (got == 0) {
            if (any)
                st = mloda_io_json_parser_finish(&p, &perr);
            break;
        }
        size_t skip = 0; /* a byte-order mark at the start of the file */
        if (!started && mloda_io_has_bom(buf, (size_t)got)) {
            skip = 3;
            mloda_io_json_parser_skip(&p, skip);
        }
        started = true;
        if (!lines_fit(&line_bytes, &line, buf + skip, (size_t)got - skip, cap)) {
            st = mloda_error_set(err, MLODA_ERR_PARSE, r->name,
                                 "%s: line %lld: longer than %lld bytes (the limit "
                                 "max_line_bytes; mloda --max-line-bytes)",
                                 r->name, (long long)line, (long long)cap);
            break;
        }
        any = any || !all_blank(buf + skip, (size_t)got - skip);
        st = mloda_io_json_parser_feed(&p, buf + skip, (size_t)got - skip, &perr);
    }
    if (r->state == IO_ROWS_STOP) {
        st = MLODA_OK;
    } else if (st != MLODA_OK && perr.code != MLODA_OK) {
        if (err != NULL && err->code == MLODA_OK)
            *err = perr;
        st = perr.code;
    }
    mloda_io_json_parser_reset(&p);
    mloda_free(buf);
    return st;
}

mloda_status mloda_io_json_rows_finish(io_json_rows *r, mloda_column **out, mloda_error *err)
{
    mloda_status st = MLODA_OK;
    for (int64_t k = 0; k < r->n_slots; k++)
        out[k] = NULL;
    for (int64_t k = 0; k < r->n_slots && st == MLODA_OK; k++)
        if (!r->unreadable[k])
            st = mloda_io_colreader_finish(&r->readers[k], &out[k], err);
    if (st != MLODA_OK)
        for (int64_t k = 0; k < r->n_slots; k++) {
            mloda_column_release(out[k]);
            out[k] = NULL;
        }
    return st;
}
