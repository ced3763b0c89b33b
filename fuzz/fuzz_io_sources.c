/*
 * fuzz_io_sources.c: arbitrary bytes as the file of a CSV and of an NDJSON data source
 * (mloda/io.h), with type inference over the first 3 rows: schema() and read() of every
 * column must never crash or leak; they give a table with the schema's names and types or
 * an error with a message.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mloda/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const mloda_source_provider *p)
{
    mloda_table *schema = NULL, *rows = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    mloda_status st = p->schema(p->user_data, &schema, &err);
    if (st != MLODA_OK) {
        if (schema != NULL || err.message[0] == '\0')
            abort();
        return;
    }
    const int64_t n = mloda_table_n_columns(schema);
    const char **names = calloc((size_t)n + 1, sizeof *names);
    for (int64_t i = 0; names != NULL && i < n; i++)
        names[i] = mloda_table_column_name(schema, i);
    st = names != NULL ? p->read(p->user_data, n, names, &rows, &err) : MLODA_ERR_NOMEM;
    if (st == MLODA_OK) {
        if (rows == NULL || mloda_table_n_columns(rows) != n)
            abort();
        for (int64_t i = 0; i < n; i++)
            if (mloda_column_type(mloda_table_column(rows, i)) !=
                mloda_column_type(mloda_table_column(schema, i)))
                abort();
    } else if (rows != NULL || err.message[0] == '\0') {
        abort();
    }
    free(names);
    mloda_table_release(rows);
    mloda_table_release(schema);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/mloda_fuzz_src_XXXXXX";
    const int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    const bool written = write(fd, data, size) == (ssize_t)size;
    close(fd);
    const mloda_source_options opts = {.struct_size = sizeof opts,
                                       .abi_version = MLODA_SOURCE_OPTIONS_ABI,
                                       .infer_rows = 3};
    for (int kind = 0; written && kind < 2; kind++) {
        mloda_source_provider p;
        const mloda_status st = kind == 0 ? mloda_source_init_csv(path, "T", &opts, &p, NULL)
                                          : mloda_source_init_ndjson(path, "T", &opts, &p, NULL);
        if (st == MLODA_OK)
            check(&p);
        mloda_source_reset(&p);
    }
    unlink(path);
    return 0;
}
