/*
 * provider_csv.c: the CSV data source (mloda_source_init_csv). schema() reads the header and
 * infers types from the first infer_rows rows (stated types win); read() infers the same
 * way, then reads every row of the requested columns only, through io_csv_table (the
 * reader of the `--batches FILE.csv` source too).
 */
#include "io/provider.h"

#include <string.h>

#include "io/csv_table.h"
#include "util/util.h"

/* Opens the file under the data-root rule (a regular file, inside the root when there is
 * one) with the provider's caps. */
static mloda_status open_table(const io_provider *p, io_csv_table *t, mloda_error *err)
{
    int fd = -1;
    MLODA_TRY(mloda_io_open_data_file(p->data_root, p->path, "CSV data source", &fd, err));
    MLODA_TRY(mloda_io_csv_table_open_fd(t, fd, p->path, p->name, p->origin, err));
    mloda_io_csv_table_limits(t, &p->limits);
    t->slots.hide_values = true; /* messages never quote a data source's values */
    return mloda_io_csv_table_header(t, true, err);
}

/* Opens the file and types every header column: inferred, then the stated types. */
static mloda_status header_types(const io_provider *p, io_csv_table *t, io_coltype **out,
                                 mloda_error *err)
{
    *out = NULL;
    MLODA_TRY(open_table(p, t, err));
    io_coltype *types = mloda_calloc((size_t)t->n_header, sizeof *types);
    if (types == NULL)
        return MLODA_NOMEM(err, "CSV columns");
    *out = types;
    MLODA_TRY(mloda_io_csv_table_infer(t, p->infer_rows, types, err));
    for (int64_t i = 0; i < p->n_types; i++) {
        int64_t at = 0;
        while (at < t->n_header && strcmp(t->header[at], p->type_names[i]) != 0)
            at++;
        if (at == t->n_header)
            return mloda_error_set(err, MLODA_ERR_SCHEMA, p->type_names[i],
                                   "%s: a type is stated for column '%s', but the header has "
                                   "no such column",
                                   p->path, p->type_names[i]);
        types[at] = p->types[i];
    }
    return MLODA_OK;
}

mloda_status mloda_io_csv_provider_schema(void *ud, mloda_table **out, mloda_error *err)
{
    const io_provider *p = ud;
    io_csv_table t = {.fd = -1};
    io_coltype *types = NULL;
    *out = NULL;
    mloda_status st = header_types(p, &t, &types, err);
    if (st == MLODA_OK)
        st = mloda_io_empty_table(t.n_header, (const char *const *)t.header, types, out, err);
    mloda_free(types);
    mloda_io_csv_table_reset(&t);
    return st;
}

/* The type of each requested column, by its place in the header. */
static mloda_status wanted_types(const io_csv_table *t, const io_coltype *types, int64_t n,
                                 const char *const *columns, io_coltype *out, mloda_error *err)
{
    mloda_strmap index = {0};
    mloda_status st = MLODA_OK;
    for (int64_t i = 0; i < t->n_header && st == MLODA_OK; i++)
        st = mloda_strmap_put(&index, t->header[i], i, err);
    for (int64_t k = 0; k < n && st == MLODA_OK; k++) {
        int64_t at = 0;
        if (mloda_strmap_get(&index, columns[k], &at))
            out[k] = types[at];
        else
            st = mloda_error_set(err, MLODA_ERR_SCHEMA, columns[k],
                                 "%s: the header has no column '%s'", t->name, columns[k]);
    }
    mloda_strmap_reset(&index);
    return st;
}

static mloda_status read_columns(const io_provider *p, int64_t n, const char *const *columns,
                                 const io_coltype *want, mloda_table **out, mloda_error *err)
{
    io_csv_table t = {.fd = -1};
    mloda_column **cols = mloda_calloc((size_t)(n > 0 ? n : 1), sizeof *cols);
    mloda_status st = cols != NULL ? MLODA_OK : MLODA_NOMEM(err, "CSV columns");
    int64_t rows = 0, first_line = 0;
    if (st == MLODA_OK)
        st = open_table(p, &t, err);
    if (st == MLODA_OK)
        st = mloda_io_csv_table_select(&t, n, columns, want, true, err);
    if (st == MLODA_OK)
        st = mloda_io_csv_table_read(&t, INT64_MAX, false, &rows, &first_line, err);
    if (st == MLODA_OK)
        st = mloda_io_csv_table_finish(&t, cols, err);
    if (st == MLODA_OK)
        st = mloda_io_columns_table(rows, n, columns, cols, out, err);
    mloda_io_csv_table_reset(&t);
    mloda_free(cols);
    return st;
}

mloda_status mloda_io_csv_provider_read(void *ud, int64_t n, const char *const *columns,
                                  mloda_table **out, mloda_error *err)
{
    const io_provider *p = ud;
    io_csv_table t = {.fd = -1};
    io_coltype *types = NULL;
    io_coltype *want = mloda_calloc((size_t)(n > 0 ? n : 1), sizeof *want);
    *out = NULL;
    mloda_status st = want != NULL ? header_types(p, &t, &types, err)
                                   : MLODA_NOMEM(err, "CSV columns");
    if (st == MLODA_OK)
        st = wanted_types(&t, types, n, columns, want, err);
    mloda_io_csv_table_reset(&t);
    mloda_free(types);
    if (st == MLODA_OK)
        st = read_columns(p, n, columns, want, out, err);
    mloda_free(want);
    return st;
}
