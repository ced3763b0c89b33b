/*
 * provider_ndjson.c: the NDJSON data source (mloda_source_init_ndjson): one JSON object per line
 * is one row. schema() reads the first infer_rows rows and takes their keys as columns,
 * typed like api_data (stated types win, and stated columns are added even when the sample
 * lacks them); read() infers the same way, then reads every row, keeping only the
 * requested columns (io_json_rows).
 */
#include "io/provider.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "io/json_rows.h"
#include "util/util.h"

/* The file under the data-root rule: a regular file, inside the root when there is one. */
static mloda_status open_file(const io_provider *p, int *fd, mloda_error *err)
{
    return mloda_io_open_data_file(p->data_root, p->path, "NDJSON data source", fd, err);
}

/* The columns and their types: keys of the sample rows, then stated columns it lacks.
 * On success the sample reader r holds the names (r->columns) and *out_types is owned. */
static mloda_status infer(const io_provider *p, io_json_rows *r, io_coltype **out_types,
                          mloda_error *err)
{
    *out_types = NULL;
    mloda_io_json_rows_init(r, p->path, p->name, p->origin, true);
    r->max_line_bytes = p->limits.max_line_bytes;
    mloda_io_json_rows_stated(r, p->n_types, (const char *const *)p->type_names, p->types);
    int fd = -1;
    MLODA_TRY(open_file(p, &fd, err));
    mloda_status st = mloda_io_json_rows_read_fd(r, fd, p->infer_rows, err);
    (void)close(fd);
    for (int64_t i = 0; i < p->n_types && st == MLODA_OK; i++) {
        int64_t at = 0;
        if (!mloda_strmap_get(&r->index, p->type_names[i], &at))
            st = mloda_io_json_rows_add_column(r, p->type_names[i], &p->types[i], err);
    }
    if (st != MLODA_OK)
        return st;
    const int64_t n = r->n_slots;
    mloda_column **cols = mloda_calloc((size_t)(n > 0 ? n : 1), sizeof *cols);
    io_coltype *types = mloda_calloc((size_t)(n > 0 ? n : 1), sizeof *types);
    if (cols == NULL || types == NULL) {
        mloda_free(cols);
        mloda_free(types);
        return MLODA_NOMEM(err, "NDJSON columns");
    }
    st = mloda_io_json_rows_finish(r, cols, err);
    for (int64_t k = 0; k < n && st == MLODA_OK; k++) {
        /* INVALID: an unreadable column (objects), left out of the schema; only nulls in
         * the sample: float64, as for CSV (later rows may hold numbers) */
        types[k].type = cols[k] != NULL ? mloda_column_type(cols[k]) : MLODA_TYPE_INVALID;
        if (types[k].type == MLODA_TYPE_NULL)
            types[k].type = MLODA_TYPE_FLOAT64;
        types[k].list_size = cols[k] != NULL ? mloda_column_list_size(cols[k]) : 0;
        types[k].unit = MLODA_TIME_MICRO;
    }
    for (int64_t k = 0; k < n; k++)
        mloda_column_release(cols[k]);
    mloda_free(cols);
    if (st != MLODA_OK) {
        mloda_free(types);
        return st;
    }
    *out_types = types;
    return MLODA_OK;
}

mloda_status mloda_io_ndjson_provider_schema(void *ud, mloda_table **out, mloda_error *err)
{
    const io_provider *p = ud;
    io_json_rows r;
    io_coltype *types = NULL;
    *out = NULL;
    mloda_status st = infer(p, &r, &types, err);
    int64_t n = 0; /* readable columns, moved to the front */
    for (int64_t k = 0; st == MLODA_OK && k < r.n_slots; k++) {
        if (types[k].type == MLODA_TYPE_INVALID)
            continue;
        char *name = r.columns[n];
        r.columns[n] = r.columns[k];
        r.columns[k] = name;
        types[n++] = types[k];
    }
    if (st == MLODA_OK)
        st = mloda_io_empty_table(n, (const char *const *)r.columns, types, out, err);
    mloda_free(types);
    mloda_io_json_rows_reset(&r);
    return st;
}

static mloda_status read_rows(const io_provider *p, int64_t n, const char *const *columns,
                              const io_coltype *want, mloda_table **out, mloda_error *err)
{
    io_json_rows r;
    mloda_io_json_rows_init(&r, p->path, p->name, p->origin, false);
    r.max_line_bytes = p->limits.max_line_bytes;
    mloda_column **cols = mloda_calloc((size_t)(n > 0 ? n : 1), sizeof *cols);
    mloda_status st = cols != NULL ? MLODA_OK : MLODA_NOMEM(err, "NDJSON columns");
    for (int64_t k = 0; k < n && st == MLODA_OK; k++)
        st = mloda_io_json_rows_add_column(&r, columns[k], &want[k], err);
    int fd = -1;
    if (st == MLODA_OK)
        st = open_file(p, &fd, err);
    if (st == MLODA_OK) {
        st = mloda_io_json_rows_read_fd(&r, fd, -1, err);
        (void)close(fd);
    }
    if (st == MLODA_OK)
        st = mloda_io_json_rows_finish(&r, cols, err);
    if (st == MLODA_OK)
        st = mloda_io_columns_table(r.n_rows, n, columns, cols, out, err);
    mloda_free(cols);
    mloda_io_json_rows_reset(&r);
    return st;
}

mloda_status mloda_io_ndjson_provider_read(void *ud, int64_t n, const char *const *columns,
                                     mloda_table **out, mloda_error *err)
{
    const io_provider *p = ud;
    io_json_rows sample;
    io_coltype *types = NULL;
    io_coltype *want = mloda_calloc((size_t)(n > 0 ? n : 1), sizeof *want);
    *out = NULL;
    if (want == NULL)
        return MLODA_NOMEM(err, "NDJSON columns");
    mloda_status st = infer(p, &sample, &types, err);
    for (int64_t k = 0; k < n && st == MLODA_OK && types != NULL; k++) {
        int64_t at = 0;
        if (mloda_strmap_get(&sample.index, columns[k], &at) &&
            types[at].type != MLODA_TYPE_INVALID)
            want[k] = types[at];
        else
            st = mloda_error_set(err, MLODA_ERR_SCHEMA, columns[k],
                                 "%s: no row of the sample has a readable key '%s'", p->path,
                                 columns[k]);
    }
    mloda_io_json_rows_reset(&sample);
    mloda_free(types);
    if (st == MLODA_OK)
        st = read_rows(p, n, columns, want, out, err);
    mloda_free(want);
    return st;
}
