/*
 * csv_table.c: a CSV file with a header -> typed columns (see csv_table.h).
 *
 * Invariants: the slots' source columns are the header fields; their readers are started
 * (reading) between the first row of a _read and the next _finish or failure, and empty
 * otherwise.
 */
#include "io/csv_table.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "io/json_events.h"
#include "util/util.h"

mloda_status mloda_io_csv_table_open_fd(io_csv_table *t, int fd, const char *path,
                                        const char *table, const char *origin,
                                        mloda_error *err)
{
    memset(t, 0, sizeof *t);
    t->fd = fd;
    t->table = table;
    t->origin = origin;
    mloda_io_csv_table_limits(t, NULL);
    t->name = mloda_strdup(path);
    if (t->name == NULL)
        return MLODA_NOMEM(err, "a file name");
    return mloda_io_csv_reader_init(&t->rd, t->fd, t->name, err);
}

mloda_status mloda_io_csv_table_open(io_csv_table *t, const char *path, const char *what,
                               const char *table, const char *origin, mloda_error *err)
{
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        char why[128];
        memset(t, 0, sizeof *t);
        t->fd = -1;
        return mloda_error_set(err, MLODA_ERR_IO, path, "cannot open %s %s: %s", what, path,
                               mloda_io_errno_text(errno, why, sizeof why));
    }
    return mloda_io_csv_table_open_fd(t, fd, path, table, origin, err);
}

void mloda_io_csv_table_limits(io_csv_table *t, const io_limits *limits)
{
    t->max_field_bytes = mloda_io_cap(limits != NULL ? limits->max_field_bytes : 0,
                                      MLODA_IO_DEFAULT_MAX_FIELD_BYTES);
    t->max_header_bytes = mloda_io_cap(limits != NULL ? limits->max_header_bytes : 0,
                                       MLODA_IO_DEFAULT_MAX_HEADER_BYTES);
}

void mloda_io_csv_table_reset(io_csv_table *t)
{
    mloda_io_slots_reset(&t->slots);
    for (int64_t i = 0; t->header != NULL && i < t->n_header; i++)
        mloda_free(t->header[i]);
    mloda_free(t->header);
    mloda_io_csv_reader_reset(&t->rd);
    if (t->fd >= 0)
        (void)close(t->fd);
    mloda_free(t->name);
    memset(t, 0, sizeof *t);
    t->fd = -1;
}

static mloda_status header_error(const io_csv_table *t, const char *column, mloda_error *err,
                                 const char *what)
{
    return mloda_error_set(err, MLODA_ERR_PARSE, column != NULL ? column : t->name,
                           "%s: bad header (line %lld): %s", t->name,
                           (long long)t->rd.record_line, what);
}

static mloda_status check_header(const io_csv_table *t, mloda_error *err)
{
    char what[300];
    mloda_strmap seen = {0};
    mloda_status st = MLODA_OK;
    for (int64_t i = 0; st == MLODA_OK && i < t->n_header; i++) {
        const char *name = t->header[i];
        int64_t first = 0;
        if (name[0] == '\0') {
            (void)snprintf(what, sizeof what, "column %lld has no name", (long long)i + 1);
            st = header_error(t, NULL, err, what);
        } else if (mloda_strmap_get(&seen, name, &first)) {
            (void)snprintf(what, sizeof what, "column '%.200s' appears twice (columns %lld "
                                              "and %lld)",
                           name, (long long)first + 1, (long long)i + 1);
            st = header_error(t, name, err, what);
        } else {
            st = mloda_strmap_put(&seen, name, i, err);
        }
    }
    mloda_strmap_reset(&seen);
    return st;
}

mloda_status mloda_io_csv_table_header(io_csv_table *t, bool need_header, mloda_error *err)
{
    if (t->header_read)
        return MLODA_OK;
    bool got = false;
    t->rd.max_record_bytes = t->max_header_bytes == INT64_MAX ? 0 : t->max_header_bytes;
    t->rd.record_what = "the header line";
    t->rd.record_limit = "max_header_bytes; mloda --max-header-bytes";
    const mloda_status st = mloda_io_csv_reader_next(&t->rd, &got, err);
    t->rd.max_record_bytes = 0;
    t->header_read = true;
    MLODA_TRY(st);
    if (!got)
        return need_header ? header_error(t, NULL, err, "the file is empty (a CSV source needs "
                                                        "a header line naming its columns)")
                           : MLODA_OK;
    t->header = mloda_calloc((size_t)t->rd.n_fields, sizeof *t->header);
    if (t->header == NULL)
        return MLODA_NOMEM(err, "CSV columns");
    t->n_header = t->rd.n_fields;
    for (int64_t i = 0; i < t->n_header; i++) {
        size_t len = 0;
        const char *field = mloda_io_csv_field(&t->rd, i, &len);
        if (i == 0 && len >= 3 && memcmp(field, "\xEF\xBB\xBF", 3) == 0) { /* UTF-8 BOM */
            field += 3;
            len -= 3;
        }
        t->header[i] = mloda_malloc(len + 1);
        if (t->header[i] == NULL)
            return MLODA_NOMEM(err, "a column name");
        memcpy(t->header[i], field, len);
        t->header[i][len] = '\0';
    }
    /* data rows: no more fields than the header, each within its cap */
    t->rd.max_fields = t->n_header;
    t->rd.max_field_bytes = t->max_field_bytes == INT64_MAX ? 0 : t->max_field_bytes;
    return check_header(t, err);
}

static mloda_status field_count_error(const io_csv_table *t, mloda_error *err)
{
    return mloda_error_set(err, MLODA_ERR_SCHEMA, t->name,
                           "%s: line %lld: %lld fields, but the header has %lld", t->name,
                           (long long)t->rd.record_line, (long long)t->rd.n_fields,
                           (long long)t->n_header);
}

static bool is_blank_record(const io_csv_reader *rd)
{
    return rd->n_fields == 1 && rd->ends[0] == 0 && !rd->quoted[0];
}

mloda_status mloda_io_csv_table_infer(io_csv_table *t, int64_t max_rows, io_coltype *out,
                                mloda_error *err)
{
    io_text_infer *inf = mloda_calloc((size_t)(t->n_header > 0 ? t->n_header : 1), sizeof *inf);
    if (inf == NULL)
        return MLODA_NOMEM(err, "CSV columns");
    mloda_status st = MLODA_OK;
    for (int64_t rows = 0; st == MLODA_OK && (max_rows < 0 || rows < max_rows);) {
        bool got = false;
        st = mloda_io_csv_reader_next(&t->rd, &got, err);
        if (st != MLODA_OK || !got)
            break;
        if (is_blank_record(&t->rd))
            continue;
        if (t->rd.n_fields != t->n_header) {
            st = field_count_error(t, err);
            break;
        }
        for (int64_t i = 0; i < t->n_header; i++) {
            size_t len = 0;
            const char *text = mloda_io_csv_field(&t->rd, i, &len);
            if (len == 0 && t->rd.quoted[i])
                mloda_io_text_infer_add_string(&inf[i]); /* "" is an empty string */
            else
                mloda_io_text_infer_add(&inf[i], text, len);
        }
        rows++;
    }
    for (int64_t i = 0; st == MLODA_OK && i < t->n_header; i++)
        out[i] = mloda_io_text_infer_type(&inf[i]);
    mloda_free(inf);
    return st;
}

mloda_status mloda_io_csv_table_select(io_csv_table *t, int64_t n, const char *const *names,
                                 const io_coltype *types, bool require, mloda_error *err)
{
    int64_t missing = -1;
    MLODA_TRY(mloda_io_slots_select(&t->slots, t->n_header, (const char *const *)t->header, n,
                                    names, types, "CSV columns", &missing, err));
    if (require && missing >= 0)
        return mloda_error_set(err, MLODA_ERR_SCHEMA, names[missing],
                               "%s: the header has no column '%s'", t->name, names[missing]);
    return MLODA_OK;
}

/* One data record into the column readers. */
static mloda_status take_record(io_csv_table *t, mloda_error *err)
{
    if (t->rd.n_fields != t->n_header)
        return field_count_error(t, err);
    for (int64_t i = 0; i < t->n_header; i++) {
        if (t->slots.slot[i] < 0)
            continue;
        io_column_reader *r = &t->slots.readers[t->slots.slot[i]];
        size_t len = 0;
        const char *text = mloda_io_csv_field(&t->rd, i, &len);
        const bool empty_string = len == 0 && t->rd.quoted[i] && r->want.type == MLODA_TYPE_UTF8;
        const mloda_status st = (len == 0 && !empty_string) ? mloda_io_colreader_null(r, err)
                                                            : mloda_io_colreader_text(r, text, len, err);
        if (st != MLODA_OK) {
            char where[300];
            (void)snprintf(where, sizeof where, "%s: line %lld: ", t->name,
                           (long long)t->rd.record_line);
            mloda_io_error_prefix(err, where);
            return st;
        }
    }
    return MLODA_OK;
}

mloda_status mloda_io_csv_table_read(io_csv_table *t, int64_t max_rows, bool drain, int64_t *out_rows,
                               int64_t *out_first_line, mloda_error *err)
{
    *out_rows = 0;
    *out_first_line = 0;
    if (t->n_header == 0)
        return MLODA_OK;
    mloda_io_slots_start(&t->slots, t->table, t->origin);
    mloda_error row_err = MLODA_ERROR_INIT;
    int64_t rows = 0;
    while (rows < max_rows) {
        bool got = false;
        const mloda_status st = mloda_io_csv_reader_next(&t->rd, &got, &row_err);
        if (st == MLODA_ERR_IO || st == MLODA_ERR_NOMEM)
            break;
        if (st == MLODA_OK && !got)
            break;
        if (st == MLODA_OK && is_blank_record(&t->rd))
            continue;
        if (rows == 0)
            *out_first_line = t->rd.record_line;
        rows++;
        if (st == MLODA_OK && row_err.code == MLODA_OK)
            (void)take_record(t, &row_err);
        if (row_err.code != MLODA_OK && !drain)
            break;
    }
    *out_rows = rows;
    return mloda_io_slots_end_read(&t->slots, &row_err, err);
}

mloda_status mloda_io_csv_table_finish(io_csv_table *t, mloda_column **out, mloda_error *err)
{
    return mloda_io_slots_finish(&t->slots, t->table, t->origin, out, err);
}
