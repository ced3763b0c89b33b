/*
 * fuzz_arrow_ipc.c: arbitrary bytes as Arrow IPC streams (untrusted input of
 * `mloda stream --batches-format arrow` and of Arrow request bodies), read by the IPC
 * reader of src/io/arrow_ipc.c. Every record batch it accepts is turned into a micro-batch
 * against a fixed prepared schema (every column type) and written back as an Arrow stream,
 * which the reader must read again to the same shape. The whole input is also parsed as
 * one request body. Nothing may crash, hang or leak; every refusal carries a message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct cursor {
    const uint8_t *p;
    size_t n, at;
} cursor;

static mloda_status cursor_read(void *ctx, void *buf, size_t want, size_t *got,
                                mloda_error *err)
{
    (void)err;
    cursor *c = ctx;
    const size_t k = want < c->n - c->at ? want : c->n - c->at;
    if (k > 0)
        memcpy(buf, c->p + c->at, k);
    c->at += k;
    *got = k;
    return MLODA_OK;
}

static io_schema *fixed_schema(void)
{
    static const struct {
        const char *column, *type;
    } cols[] = {{"i", "int64"},     {"f", "float64"},   {"b", "bool"},
                {"s", "utf8"},      {"t", "timestamp"}, {"p", "float64_list[2]"}};
    io_schema *s = mloda_io_schema_new();
    for (size_t k = 0; s != NULL && k < sizeof cols / sizeof cols[0]; k++) {
        io_coltype type;
        if (mloda_io_coltype_parse(cols[k].type, &type))
            (void)mloda_io_schema_set(s, "T", cols[k].column, &type, NULL);
    }
    return s;
}

/* A table the reader produced, written and read back: same rows, columns and types. */
static void round_trip(const mloda_table *t)
{
    mloda_buf b = {0};
    mloda_error err = MLODA_ERROR_INIT;
    if (mloda_io_write_arrow_table(&b, t, 3, &err) != MLODA_OK) {
        if (err.code != MLODA_ERR_NOMEM && err.code != MLODA_ERR_RANGE)
            abort();
        mloda_buf_reset(&b);
        return;
    }
    cursor c = {(const uint8_t *)b.data, b.len, 0};
    io_arrow_reader *r = NULL;
    mloda_table *back = NULL;
    /* the cap: the bytes, and a row per byte for a table of Null columns (no body) */
    const int64_t cap = (int64_t)b.len + mloda_table_n_rows(t) + 1;
    if (mloda_io_arrow_reader_new(cursor_read, &c, "round trip", cap, &r, &err) == MLODA_OK) {
        if (mloda_io_arrow_reader_next(r, &back, &err) != MLODA_OK || back == NULL)
            abort(); /* what we write, we read */
        if (mloda_table_n_rows(back) != mloda_table_n_rows(t) ||
            mloda_table_n_columns(back) != mloda_table_n_columns(t))
            abort();
        for (int64_t k = 0; k < mloda_table_n_columns(t); k++) {
            const mloda_column *x = mloda_table_column(t, k), *y = mloda_table_column(back, k);
            if (mloda_column_type(x) != mloda_column_type(y) ||
                mloda_column_n_nulls(x) != mloda_column_n_nulls(y) ||
                strcmp(mloda_table_column_name(t, k), mloda_table_column_name(back, k)) != 0)
                abort();
        }
        mloda_table_release(back);
    }
    mloda_io_arrow_reader_free(r);
    mloda_buf_reset(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 100000)
        return 0;
    io_schema *schema = fixed_schema();
    cursor c = {data, size, 0};
    io_arrow_reader *r = NULL;
    if (mloda_io_arrow_reader_new(cursor_read, &c, "fuzz", 1 << 20, &r, NULL) == MLODA_OK) {
        for (int n = 0; n < 10000; n++) {
            mloda_table *t = NULL;
            mloda_error err = MLODA_ERROR_INIT;
            const mloda_status st = mloda_io_arrow_reader_next(r, &t, &err);
            if (st != MLODA_OK && (t != NULL || err.message[0] == '\0'))
                abort();
            if (t == NULL)
                break;
            round_trip(t);
            mloda_api_data *api = NULL;
            if (mloda_io_arrow_api_data(t, schema, "T", &api, &err) != MLODA_OK &&
                (api != NULL || err.message[0] == '\0'))
                abort();
            mloda_api_data_free(api);
            mloda_table_release(t);
        }
        mloda_io_arrow_reader_free(r);
    }
    mloda_api_data *api = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    if (mloda_io_arrow_parse_api_data((const char *)data, size, schema, "T", "body", &api,
                                      &err) != MLODA_OK &&
        (api != NULL || err.message[0] == '\0'))
        abort();
    mloda_api_data_free(api);
    mloda_io_schema_free(schema);
    return 0;
}
