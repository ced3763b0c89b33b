/*
 * fuzz_io_batches.c: arbitrary bytes as NDJSON batches read through a pipe by the JSON
 * batch source, typed by a fixed prepared schema (every column type); each good batch is
 * also written in the three text formats. Nothing may crash or leak, and a bad line must
 * not stop the lines after it from being read.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/io.h"
#include "io/source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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

static void write_tables(const mloda_api_data *api)
{
    mloda_buf b = {0};
    for (int64_t i = 0; i < mloda_api_data_n_tables(api); i++) {
        const mloda_table *t = mloda_api_data_table(api, i);
        (void)mloda_io_write_json_table(&b, t, i, false, NULL);
        (void)mloda_io_write_json_table(&b, t, -1, true, NULL);
        (void)mloda_io_write_csv_table(&b, t, i, NULL);
        (void)mloda_io_write_text_table(&b, t, i, NULL);
        b.len = 0;
    }
    mloda_buf_reset(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fds[2];
    if (size > 60000 || pipe(fds) != 0)
        return 0;
    if (write(fds[1], data, size) != (ssize_t)size) {
        close(fds[0]);
        close(fds[1]);
        return 0;
    }
    close(fds[1]);
    io_schema *schema = fixed_schema();
    io_source *src = NULL;
    if (schema != NULL && mloda_io_json_source_open(fds[0], true, "fuzz", false, schema, NULL, &src, NULL) ==
                              MLODA_OK) {
        for (int n = 0; n < 100000; n++) {
            mloda_api_data *api = NULL;
            io_batch_info info;
            mloda_error err = MLODA_ERROR_INIT;
            const mloda_status st = mloda_io_source_next(src, &api, &info, &err);
            if (st == MLODA_OK && api == NULL)
                break;
            if (st != MLODA_OK && (api != NULL || err.message[0] == '\0'))
                abort();
            if (api != NULL)
                write_tables(api);
            mloda_api_data_free(api);
            if (st == MLODA_ERR_IO || st == MLODA_ERR_NOMEM)
                break;
        }
        mloda_io_source_free(src);
    } else {
        close(fds[0]);
    }
    mloda_io_schema_free(schema);
    return 0;
}
