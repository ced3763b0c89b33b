/* fill.c: constant output columns (see fill.h). Built on the public builder API. */
#include "groups/fill.h"

#include <string.h>

static mloda_status finish_fixed(mloda_column_builder *b, int64_t n, bool is_null,
                                 mloda_column **out, mloda_error *err)
{
    if (is_null && n > 0) {
        uint8_t *bits = NULL;
        mloda_status st = mloda_column_builder_validity(b, &bits, err);
        if (st != MLODA_OK) {
            mloda_column_builder_free(b);
            return st;
        }
        memset(bits, 0, (size_t)mloda_bitmap_n_bytes(n));
    }
    return mloda_column_builder_finish(b, out, err);
}

static mloda_status start(mloda_type type, mloda_time_unit unit, int64_t n,
                          mloda_column_builder **b, void **values, mloda_error *err)
{
    mloda_status st = mloda_column_builder_new(type, 0, unit, b, err);
    if (st != MLODA_OK)
        return st;
    st = mloda_column_builder_resize_uninit(*b, n, values, err);
    if (st != MLODA_OK) {
        mloda_column_builder_free(*b);
        *b = NULL;
    }
    return st;
}

mloda_status mloda_fill_float64(int64_t n, double v, bool is_null, mloda_column **out, mloda_error *err)
{
    mloda_column_builder *b = NULL;
    void *values = NULL;
    mloda_status st = start(MLODA_TYPE_FLOAT64, MLODA_TIME_SECOND, n, &b, &values, err);
    if (st != MLODA_OK)
        return st;
    double *restrict x = values;
    for (int64_t i = 0; i < n; i++)
        x[i] = v;
    return finish_fixed(b, n, is_null, out, err);
}

mloda_status mloda_fill_int64(mloda_type type, mloda_time_unit unit, int64_t n, int64_t v, bool is_null,
                        mloda_column **out, mloda_error *err)
{
    mloda_column_builder *b = NULL;
    void *values = NULL;
    mloda_status st = start(type, unit, n, &b, &values, err);
    if (st != MLODA_OK)
        return st;
    int64_t *restrict x = values;
    for (int64_t i = 0; i < n; i++)
        x[i] = v;
    return finish_fixed(b, n, is_null, out, err);
}

mloda_status mloda_fill_bool(int64_t n, bool v, bool is_null, mloda_column **out, mloda_error *err)
{
    mloda_column_builder *b = NULL;
    void *values = NULL;
    mloda_status st = start(MLODA_TYPE_BOOL, MLODA_TIME_SECOND, n, &b, &values, err);
    if (st != MLODA_OK)
        return st;
    if (v)
        memset(values, 0xff, (size_t)mloda_bitmap_n_bytes(n));
    return finish_fixed(b, n, is_null, out, err);
}

mloda_status mloda_fill_utf8(int64_t n, const char *s, int64_t len, bool is_null, mloda_column **out,
                       mloda_error *err)
{
    mloda_column_builder *b = NULL;
    mloda_status st = mloda_column_builder_new(MLODA_TYPE_UTF8, 0, MLODA_TIME_SECOND, &b, err);
    if (st != MLODA_OK)
        return st;
    int64_t bytes = 0;
    if (!is_null && len > 0 && n > INT32_MAX / len)
        st = mloda_error_set(err, MLODA_ERR_RANGE, NULL,
                             "%lld copies of a %lld-byte string exceed a column's 2 GiB",
                             (long long)n, (long long)len);
    else
        bytes = is_null ? 0 : n * len;
    if (st == MLODA_OK)
        st = mloda_column_builder_reserve(b, n, bytes, err);
    for (int64_t i = 0; st == MLODA_OK && i < n; i++)
        st = is_null ? mloda_column_builder_append_null(b, err)
                     : mloda_column_builder_append_utf8(b, s, len, err);
    if (st != MLODA_OK) {
        mloda_column_builder_free(b);
        return st;
    }
    return mloda_column_builder_finish(b, out, err);
}
