/*
 * provider.h: what the built-in data-source providers (include/mloda/io.h) share: their
 * user_data (the copied constructor arguments), stated types, and building the tables
 * schema() and read() return. Internal to src/io.
 */
#ifndef MLODA_IO_PROVIDER_H
#define MLODA_IO_PROVIDER_H

#include "io/io.h"
#include "mloda/io.h"

typedef enum io_provider_kind {
    IO_PROVIDER_CSV,
    IO_PROVIDER_NDJSON,
    IO_PROVIDER_SQLITE
} io_provider_kind;

/** A provider's user_data: immutable after the constructor, so callbacks may overlap. */
typedef struct io_provider {
    io_provider_kind kind;
    char *path;        /* owned: file or database */
    char *name;        /* owned: the source's table name */
    char *db_table;    /* owned: SQLite table */
    char **type_names; /* owned: stated columns */
    io_coltype *types; /* owned: their types */
    int64_t n_types;
    int64_t infer_rows; /* < 0: every row */
    int busy_ms;
    char *data_root;    /* owned; NULL: none (mloda_io_open_data_file) */
    io_limits limits;   /* line, field and header caps (0: default, < 0: none) */
    char origin[160];   /* "the schema of source 'x' (...)": for value messages */
} io_provider;

/** "data/customers.csv" -> "customers": the file name without directory and last extension
 *  (a new string, NULL when out of memory). */
char *mloda_io_file_stem(const char *path);
/** The stated type of column, or NULL. */
const io_coltype *mloda_io_provider_stated(const io_provider *p, const char *column);

/** A table of zero rows with these columns and types (schema()). */
mloda_status mloda_io_empty_table(int64_t n, const char *const *names, const io_coltype *types,
                             mloda_table **out, mloda_error *err);
/** A table of n_rows rows from finished columns (references taken over, also on failure). */
mloda_status mloda_io_columns_table(int64_t n_rows, int64_t n, const char *const *names,
                              mloda_column **cols, mloda_table **out, mloda_error *err);

/* The callbacks of each kind (provider_csv.c, provider_ndjson.c, provider_sqlite.c). */
mloda_status mloda_io_csv_provider_schema(void *ud, mloda_table **out, mloda_error *err);
mloda_status mloda_io_csv_provider_read(void *ud, int64_t n, const char *const *columns,
                                  mloda_table **out, mloda_error *err);
mloda_status mloda_io_ndjson_provider_schema(void *ud, mloda_table **out, mloda_error *err);
mloda_status mloda_io_ndjson_provider_read(void *ud, int64_t n, const char *const *columns,
                                     mloda_table **out, mloda_error *err);
mloda_status mloda_io_sqlite_provider_schema(void *ud, mloda_table **out, mloda_error *err);
mloda_status mloda_io_sqlite_provider_read(void *ud, int64_t n, const char *const *columns,
                                     mloda_table **out, mloda_error *err);

#endif /* MLODA_IO_PROVIDER_H */
