/*
 * csv_source.c: batches of --batch-rows rows from a CSV file with a header line, filling
 * one api_data table (--table, or the request's only table). Columns are typed by the
 * prepared schema of that table; header columns the schema does not know are skipped.
 *
 * A bad row (bad quote, wrong field count, a value that does not fit its column) fails
 * the batch it belongs to: the rest of that batch's rows are still consumed, so the next
 * batch starts where it would have, and no good batch before or after is lost.
 */
#include "io/source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "io/csv_reader.h"
#include "util/util.h"

typedef struct csv_source {
    io_source base;
    int fd;
    char *name;  /* owned */
    char *table; /* owned */
    const io_schema *schema;
    int64_t batch_rows;
    io_csv_reader rd;
    int64_t n_header;     /* fields per record */
    int64_t *slot;        /* owned: header field -> column slot, or -1 */
    const char **columns; /* borrowed from schema: slot -> column name */
    io_coltype *types;    /* owned: slot -> type */
    int64_t n_slots;
    io_column_reader *readers; /* owned: one per slot, for the batch being read */
    int64_t n_batches;
    bool header_read;
} csv_source;

/* The header names the columns; each known to the schema gets a slot. */
static mloda_status read_header(csv_source *s, mloda_error *err)
{
    bool got = false;
    MLODA_TRY(io_csv_reader_next(&s->rd, &got, err));
    s->header_read = true;
    if (!got)
        return MLODA_OK;
    s->n_header = s->rd.n_fields;
    s->slot = mloda_malloc((size_t)s->n_header * sizeof *s->slot);
    s->columns = mloda_calloc((size_t)s->n_header, sizeof *s->columns);
    s->types = mloda_calloc((size_t)s->n_header, sizeof *s->types);
    s->readers = mloda_calloc((size_t)s->n_header, sizeof *s->readers);
    if (s->slot == NULL || s->columns == NULL || s->types == NULL || s->readers == NULL)
        return MLODA_NOMEM(err, "CSV columns");
    for (int64_t i = 0; i < s->n_header; i++) {
        size_t len = 0;
        const char *field = io_csv_field(&s->rd, i, &len);
        s->slot[i] = -1;
        for (int64_t k = 0; k < io_schema_n_columns(s->schema, s->table); k++) {
            io_coltype type;
            const char *col = io_schema_column(s->schema, s->table, k, &type);
            if (strlen(col) == len && memcmp(col, field, len) == 0) {
                s->columns[s->n_slots] = col;
                s->types[s->n_slots] = type;
                s->slot[i] = s->n_slots++;
                break;
            }
        }
    }
    return MLODA_OK;
}

static void reset_readers(csv_source *s)
{
    for (int64_t k = 0; k < s->n_slots; k++)
        io_colreader_reset(&s->readers[k]);
}

/* One data record into the column readers. */
static mloda_status take_record(csv_source *s, mloda_error *err)
{
    if (s->rd.n_fields != s->n_header)
        return mloda_error_set(err, MLODA_ERR_SCHEMA, s->name,
                               "%s: line %lld: %lld fields, but the header has %lld", s->name,
                               (long long)s->rd.record_line, (long long)s->rd.n_fields,
                               (long long)s->n_header);
    for (int64_t i = 0; i < s->n_header; i++) {
        if (s->slot[i] < 0)
            continue;
        io_column_reader *r = &s->readers[s->slot[i]];
        size_t len = 0;
        const char *text = io_csv_field(&s->rd, i, &len);
        const bool empty_string = len == 0 && s->rd.quoted[i] && r->want.type == MLODA_TYPE_UTF8;
        mloda_status st = (len == 0 && !empty_string) ? io_colreader_null(r, err)
                                                      : io_colreader_text(r, text, len, err);
        if (st != MLODA_OK) {
            char where[300];
            (void)snprintf(where, sizeof where, "%s: line %lld: ", s->name,
                           (long long)s->rd.record_line);
            io_error_prefix(err, where);
            return st;
        }
    }
    return MLODA_OK;
}

static bool is_blank_record(const io_csv_reader *rd)
{
    return rd->n_fields == 1 && rd->ends[0] == 0 && !rd->quoted[0];
}

static mloda_status build_batch(csv_source *s, mloda_api_data **out, mloda_error *err)
{
    mloda_column **cols = mloda_calloc((size_t)(s->n_slots > 0 ? s->n_slots : 1), sizeof *cols);
    if (cols == NULL)
        return MLODA_NOMEM(err, "CSV columns");
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

static mloda_status csv_next(io_source *base, mloda_api_data **out, io_batch_info *info,
                             mloda_error *err)
{
    csv_source *s = (csv_source *)base;
    *out = NULL;
    if (!s->header_read)
        MLODA_TRY(read_header(s, err));
    if (s->n_header == 0)
        return MLODA_OK;
    for (int64_t k = 0; k < s->n_slots; k++)
        io_colreader_init(&s->readers[k], s->table, s->columns[k], &s->types[k],
                          "the prepared request");
    mloda_error row_err = MLODA_ERROR_INIT;
    int64_t rows = 0;
    while (rows < s->batch_rows) {
        bool got = false;
        const mloda_status st = io_csv_reader_next(&s->rd, &got, &row_err);
        if (st == MLODA_ERR_IO || st == MLODA_ERR_NOMEM) {
            reset_readers(s);
            *err = row_err;
            return st;
        }
        if (st == MLODA_OK && !got)
            break;
        if (st == MLODA_OK && is_blank_record(&s->rd))
            continue;
        if (rows == 0) {
            info->index = s->n_batches++;
            info->line = s->rd.record_line;
            io_info_set_file(info, s->name);
        }
        rows++;
        if (st == MLODA_OK && row_err.code == MLODA_OK)
            (void)take_record(s, &row_err);
    }
    if (rows == 0 || row_err.code != MLODA_OK) {
        reset_readers(s);
        if (row_err.code != MLODA_OK && err != NULL && err->code == MLODA_OK)
            *err = row_err;
        return row_err.code;
    }
    return build_batch(s, out, err);
}

static void csv_free(io_source *base)
{
    csv_source *s = (csv_source *)base;
    if (s->readers != NULL)
        reset_readers(s);
    io_csv_reader_reset(&s->rd);
    if (s->fd >= 0)
        (void)close(s->fd);
    mloda_free(s->slot);
    mloda_free(s->columns);
    mloda_free(s->types);
    mloda_free(s->readers);
    mloda_free(s->name);
    mloda_free(s->table);
    mloda_free(s);
}

/* --table, or the request's only table. */
mloda_status io_pick_table(const io_schema *schema, const char *wanted, const char *what,
                           char **out, mloda_error *err)
{
    const char *table = wanted;
    if (table == NULL && io_schema_n_tables(schema) == 1)
        table = io_schema_table(schema, 0);
    if (table == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, what,
                               "--table NAME is needed to say which api_data table the rows of "
                               "%s fill (the request has %lld tables)",
                               what, (long long)io_schema_n_tables(schema));
    if (io_schema_n_columns(schema, table) == 0)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, table,
                               "table '%s' is not in the request's api_data or schema, so its "
                               "column types are unknown",
                               table);
    *out = mloda_strdup(table);
    return *out != NULL ? MLODA_OK : MLODA_NOMEM(err, "a table name");
}

mloda_status io_csv_source_open(const char *path, const io_schema *schema,
                                const io_source_options *opts, io_source **out,
                                mloda_error *err)
{
    *out = NULL;
    csv_source *s = mloda_calloc(1, sizeof *s);
    if (s == NULL)
        return MLODA_NOMEM(err, "a batch source");
    s->base.next = csv_next;
    s->base.free = csv_free;
    s->schema = schema;
    s->batch_rows = opts->batch_rows > 0 ? opts->batch_rows : 1000;
    s->fd = open(path, O_RDONLY | O_CLOEXEC);
    s->name = mloda_strdup(path);
    mloda_status st = MLODA_OK;
    if (s->fd < 0) {
        char why[128];
        st = mloda_error_set(err, MLODA_ERR_IO, path, "cannot open batches %s: %s", path,
                             io_errno_text(errno, why, sizeof why));
    } else if (s->name == NULL) {
        st = MLODA_NOMEM(err, "a file name");
    }
    if (st == MLODA_OK)
        st = io_pick_table(schema, opts->table, path, &s->table, err);
    if (st == MLODA_OK)
        st = io_csv_reader_init(&s->rd, s->fd, s->name, err);
    if (st != MLODA_OK) {
        csv_free(&s->base);
        return st;
    }
    *out = &s->base;
    return MLODA_OK;
}
