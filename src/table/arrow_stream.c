/*
 * arrow_stream.c: an Arrow C stream over n tables of one schema (one struct array per
 * table, in order). The stream holds a reference to every table until it is released;
 * get_next hands out zero-copy exports, then a released array at the end.
 */
#include "table/arrow_internal.h"

#include <errno.h>
#include <string.h>

#include "table/column_internal.h"
#include "util/util.h"

typedef struct stream_private {
    mloda_table **tables; /* points into this block; one reference each */
    int64_t n;
    int64_t next;         /* index of the table get_next hands out next */
    char last_error[MLODA_ERROR_MESSAGE_MAX];
    /* followed by the table pointer array */
} stream_private;

/* Same column names and types as the first table; names the first difference. */
static mloda_status check_same_schema(const mloda_table *const *tables, int64_t n,
                                      mloda_error *err)
{
    const mloda_table *first = tables[0];
    const int64_t n_cols = mloda_table_n_columns(first);
    for (int64_t k = 1; k < n; k++) {
        const mloda_table *t = tables[k];
        if (t == NULL)
            return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL, "table %lld is NULL",
                                   (long long)k);
        if (mloda_table_n_columns(t) != n_cols)
            return mloda_error_set(err, MLODA_ERR_SCHEMA, NULL,
                                   "table %lld has %lld columns but table 0 has %lld",
                                   (long long)k, (long long)mloda_table_n_columns(t),
                                   (long long)n_cols);
        for (int64_t i = 0; i < n_cols; i++) {
            const char *want = mloda_table_column_name(first, i);
            const char *got = mloda_table_column_name(t, i);
            if (strcmp(want, got) != 0)
                return mloda_error_set(err, MLODA_ERR_SCHEMA, got,
                                       "column %lld of table %lld is '%s' but in table 0 it "
                                       "is '%s'",
                                       (long long)i, (long long)k, got, want);
            const mloda_column *a = mloda_table_column(first, i);
            const mloda_column *b = mloda_table_column(t, i);
            if (a->type != b->type || a->unit != b->unit || a->list_size != b->list_size)
                return mloda_error_set(err, MLODA_ERR_SCHEMA, got,
                                       "column '%s' is %s (unit %d, list size %d) in table %lld "
                                       "but %s (unit %d, list size %d) in table 0",
                                       got, mloda_type_name(b->type), (int)b->unit,
                                       (int)b->list_size, (long long)k,
                                       mloda_type_name(a->type), (int)a->unit,
                                       (int)a->list_size);
        }
    }
    return MLODA_OK;
}

static void record_error(stream_private *p, const mloda_error *e)
{
    memcpy(p->last_error, e->message, sizeof p->last_error); /* same size, NUL-terminated */
}

static int errno_of(mloda_status st)
{
    return st == MLODA_ERR_NOMEM ? ENOMEM : EINVAL;
}

static int stream_get_schema(struct ArrowArrayStream *stream, struct ArrowSchema *out)
{
    stream_private *p = stream->private_data;
    mloda_error e = MLODA_ERROR_INIT;
    mloda_status st = mloda_arrow_export_table_schema(p->tables[0], out, &e);
    if (st == MLODA_OK)
        return 0;
    record_error(p, &e);
    return errno_of(st);
}

static int stream_get_next(struct ArrowArrayStream *stream, struct ArrowArray *out)
{
    stream_private *p = stream->private_data;
    if (p->next >= p->n) {
        memset(out, 0, sizeof *out); /* end of stream: a released array */
        return 0;
    }
    mloda_error e = MLODA_ERROR_INIT;
    mloda_status st = mloda_arrow_export_table_array(p->tables[p->next], out, &e);
    if (st != MLODA_OK) {
        record_error(p, &e);
        return errno_of(st);
    }
    p->next++;
    return 0;
}

static const char *stream_get_last_error(struct ArrowArrayStream *stream)
{
    stream_private *p = stream->private_data;
    return p->last_error[0] != '\0' ? p->last_error : NULL;
}

static void stream_release(struct ArrowArrayStream *stream)
{
    stream_private *p = stream->private_data;
    for (int64_t i = 0; i < p->n; i++)
        mloda_table_release(p->tables[i]);
    mloda_free(p);
    stream->release = NULL;
}

mloda_status mloda_table_export_stream(int64_t n, const mloda_table *const *tables,
                                       struct ArrowArrayStream *out, mloda_error *err)
{
    mloda_error_enter(err);
    if (out != NULL)
        memset(out, 0, sizeof *out);
    if (tables == NULL || n < 1 || out == NULL || tables[0] == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL,
                               "stream export needs n >= 1 tables and an output stream");
    MLODA_TRY(check_same_schema(tables, n, err));
    size_t ptrs = 0, total = 0;
    if (!mloda_elems_bytes(n, sizeof(mloda_table *), &ptrs) ||
        !mloda_add_size(sizeof(stream_private), ptrs, &total))
        return mloda_error_set(err, MLODA_ERR_RANGE, NULL, "too many tables to stream");
    stream_private *p = mloda_calloc(1, total);
    if (p == NULL)
        return MLODA_NOMEM(err, "an Arrow stream");
    p->tables = (mloda_table **)(void *)(p + 1);
    p->n = n;
    for (int64_t i = 0; i < n; i++)
        p->tables[i] = mloda_table_retain(tables[i]);
    out->get_schema = stream_get_schema;
    out->get_next = stream_get_next;
    out->get_last_error = stream_get_last_error;
    out->release = stream_release;
    out->private_data = p;
    return MLODA_OK;
}
