/*
 * fuzz_io_csv.c: arbitrary bytes as a CSV file (header + rows) read in batches of 3 rows
 * and typed by a fixed schema of every column type: quoting, line ends, field counts and
 * text-to-value conversion must never crash or leak, and a bad batch must not end the
 * source.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "io/io.h"
#include "io/source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static io_schema *fixed_schema(void)
{
    static const char *const cols[][2] = {{"i", "int64"}, {"f", "float64"},    {"b", "bool"},
                                          {"s", "utf8"},  {"t", "timestamp"}, {"p", "float64_list[2]"}};
    io_schema *s = mloda_io_schema_new();
    for (size_t k = 0; s != NULL && k < sizeof cols / sizeof cols[0]; k++) {
        io_coltype type;
        if (mloda_io_coltype_parse(cols[k][1], &type))
            (void)mloda_io_schema_set(s, "T", cols[k][0], &type, NULL);
    }
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/mloda_fuzz_csv_XXXXXX";
    const int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    const bool written = write(fd, data, size) == (ssize_t)size;
    close(fd);
    io_schema *schema = fixed_schema();
    const io_source_options opts = {.table = "T", .batch_rows = 3};
    io_source *src = NULL;
    if (written && schema != NULL && mloda_io_csv_source_open(path, schema, &opts, &src, NULL) == MLODA_OK) {
        for (int n = 0; n < 100000; n++) {
            mloda_api_data *api = NULL;
            io_batch_info info;
            mloda_error err = MLODA_ERROR_INIT;
            const mloda_status st = mloda_io_source_next(src, &api, &info, &err);
            if (st == MLODA_OK && api == NULL)
                break;
            if (st != MLODA_OK && (api != NULL || err.message[0] == '\0'))
                abort();
            mloda_api_data_free(api);
            if (st == MLODA_ERR_IO || st == MLODA_ERR_NOMEM)
                break;
        }
        mloda_io_source_free(src);
    }
    mloda_io_schema_free(schema);
    unlink(path);
    return 0;
}
