/*
 * column_from.c: the mloda_column_from_* shortcuts, which copy caller arrays into a new
 * column through a builder (resize fast path for fixed widths). `valid` is one byte per
 * row, 0 meaning null; NULL means every row is valid.
 */
#include "table/column_internal.h"

#include <string.h>

#include "table/bitmap.h"
#include "util/util.h"

/* Clears the validity bit of each row whose valid byte is 0. */
static mloda_status apply_valid(mloda_column_builder *b, const uint8_t *valid, int64_t n,
                                mloda_error *err)
{
    if (valid == NULL)
        return MLODA_OK;
    int64_t i = 0;
    while (i < n && valid[i] != 0)
        i++;
    if (i == n)
        return MLODA_OK; /* all valid: no bitmap needed */
    uint8_t *bits = NULL;
    MLODA_TRY(mloda_column_builder_validity(b, &bits, err));
    for (; i < n; i++)
        if (valid[i] == 0)
            mloda_bitmap_set(bits, i, false);
    return MLODA_OK;
}

static mloda_status check_args(const void *values, int64_t n, mloda_column **out,
                               mloda_error *err)
{
    if (out != NULL)
        *out = NULL;
    if (out == NULL || n < 0 || (values == NULL && n > 0))
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL,
                               "column_from needs out, n >= 0 and values when n > 0");
    return MLODA_OK;
}

/* Fixed-width types whose rows are `row_bytes` contiguous bytes. */
static mloda_status from_fixed(mloda_type type, int32_t list_size, mloda_time_unit unit,
                               const void *values, const uint8_t *valid, int64_t n,
                               mloda_column **out, mloda_error *err)
{
    MLODA_TRY(check_args(values, n, out, err));
    mloda_column_builder *b = NULL;
    MLODA_TRY(mloda_column_builder_new(type, list_size, unit, &b, err));
    mloda_status st = MLODA_OK;
    void *dst = NULL;
    MLODA_TRY_GOTO(st, mloda_column_builder_resize(b, n, &dst, err), fail);
    size_t row = type == MLODA_TYPE_FLOAT64_LIST ? (size_t)list_size * sizeof(double)
                                                 : sizeof(int64_t); /* list_size >= 1 */
    if (n > 0)
        memcpy(dst, values, (size_t)n * row); /* resize checked n * row for overflow */
    MLODA_TRY_GOTO(st, apply_valid(b, valid, n, err), fail);
    return mloda_column_builder_finish(b, out, err);
fail:
    mloda_column_builder_free(b);
    return st;
}

mloda_status mloda_column_from_int64(int64_t n, const int64_t *values, const uint8_t *valid,
                                     mloda_column **out, mloda_error *err)
{
    mloda_error_enter(err);
    return from_fixed(MLODA_TYPE_INT64, 0, MLODA_TIME_SECOND, values, valid, n, out, err);
}

mloda_status mloda_column_from_float64(int64_t n, const double *values, const uint8_t *valid,
                                       mloda_column **out, mloda_error *err)
{
    mloda_error_enter(err);
    return from_fixed(MLODA_TYPE_FLOAT64, 0, MLODA_TIME_SECOND, values, valid, n, out, err);
}

mloda_status mloda_column_from_timestamp(mloda_time_unit unit, int64_t n,
                                         const int64_t *values, const uint8_t *valid,
                                         mloda_column **out, mloda_error *err)
{
    mloda_error_enter(err);
    return from_fixed(MLODA_TYPE_TIMESTAMP, 0, unit, values, valid, n, out, err);
}

mloda_status mloda_column_from_float64_list(int32_t list_size, int64_t n,
                                            const double *values, const uint8_t *valid,
                                            mloda_column **out, mloda_error *err)
{
    mloda_error_enter(err);
    return from_fixed(MLODA_TYPE_FLOAT64_LIST, list_size, MLODA_TIME_SECOND, values, valid, n,
                      out, err);
}

mloda_status mloda_column_from_bool(int64_t n, const bool *values, const uint8_t *valid,
                                    mloda_column **out, mloda_error *err)
{
    mloda_error_enter(err);
    MLODA_TRY(check_args(values, n, out, err));
    mloda_column_builder *b = NULL;
    MLODA_TRY(mloda_column_builder_new(MLODA_TYPE_BOOL, 0, MLODA_TIME_SECOND, &b, err));
    mloda_status st = MLODA_OK;
    void *dst = NULL;
    MLODA_TRY_GOTO(st, mloda_column_builder_resize(b, n, &dst, err), fail);
    for (int64_t i = 0; i < n; i++)
        if (values[i])
            mloda_bitmap_set(dst, i, true); /* resize zeroed the bits */
    MLODA_TRY_GOTO(st, apply_valid(b, valid, n, err), fail);
    return mloda_column_builder_finish(b, out, err);
fail:
    mloda_column_builder_free(b);
    return st;
}

mloda_status mloda_column_from_utf8(int64_t n, const char *const *strings, mloda_column **out,
                                    mloda_error *err)
{
    mloda_error_enter(err);
    MLODA_TRY(check_args(strings, n, out, err));
    int64_t total = 0;
    for (int64_t i = 0; i < n && total <= INT32_MAX; i++)
        if (strings[i] != NULL)
            total += (int64_t)strnlen(strings[i], (size_t)INT32_MAX + 1); /* <= 2^31 */
    mloda_column_builder *b = NULL;
    MLODA_TRY(mloda_column_builder_new(MLODA_TYPE_UTF8, 0, MLODA_TIME_SECOND, &b, err));
    mloda_status st = MLODA_OK;
    MLODA_TRY_GOTO(st, mloda_column_builder_reserve(b, n, total, err), fail);
    for (int64_t i = 0; i < n; i++) {
        if (strings[i] == NULL)
            MLODA_TRY_GOTO(st, mloda_column_builder_append_null(b, err), fail);
        else
            MLODA_TRY_GOTO(st,
                           mloda_column_builder_append_utf8(b, strings[i],
                                                            (int64_t)strlen(strings[i]), err),
                           fail);
    }
    return mloda_column_builder_finish(b, out, err);
fail:
    mloda_column_builder_free(b);
    return st;
}

mloda_status mloda_column_init_null(mloda_column *c, int64_t n_rows, mloda_error *err)
{
    size_t bytes = 0;
    if (!mloda_i64_to_size(mloda_bitmap_n_bytes(n_rows), &bytes))
        return mloda_error_set(err, MLODA_ERR_RANGE, NULL, "%lld rows are too many",
                               (long long)n_rows);
    c->type = MLODA_TYPE_NULL;
    c->length = n_rows;
    c->null_count = n_rows;
    void *values = mloda_column_buffer_new(0);
    void *bits = n_rows > 0 ? mloda_column_buffer_new(bytes) : NULL; /* zeroed: all null */
    c->owned[0] = values;
    c->owned[1] = bits;
    if (values == NULL || (n_rows > 0 && bits == NULL))
        return MLODA_NOMEM(err, "a null column");
    c->values = values;
    c->validity = bits;
    return MLODA_OK;
}

mloda_status mloda_column_new_nulls(mloda_type type, int32_t list_size, mloda_time_unit unit,
                                    int64_t n_rows, mloda_column **out, mloda_error *err)
{
    mloda_error_enter(err);
    if (out != NULL)
        *out = NULL;
    if (out == NULL || n_rows < 0)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL,
                               "mloda_column_new_nulls needs out and n_rows >= 0");
    if (type == MLODA_TYPE_NULL) {
        mloda_column *c = mloda_column_alloc();
        if (c == NULL)
            return MLODA_NOMEM(err, "a null column");
        mloda_status st = mloda_column_init_null(c, n_rows, err);
        if (st != MLODA_OK) {
            mloda_column_destroy(c);
            return st;
        }
        *out = c;
        return MLODA_OK;
    }
    mloda_column_builder *b = NULL;
    MLODA_TRY(mloda_column_builder_new(type, list_size, unit, &b, err));
    mloda_status st = MLODA_OK;
    if (type == MLODA_TYPE_UTF8) {
        MLODA_TRY_GOTO(st, mloda_column_builder_reserve(b, n_rows, 0, err), fail);
        for (int64_t i = 0; i < n_rows; i++)
            MLODA_TRY_GOTO(st, mloda_column_builder_append_null(b, err), fail);
    } else if (n_rows > 0) {
        void *values = NULL;
        uint8_t *bits = NULL;
        MLODA_TRY_GOTO(st, mloda_column_builder_resize(b, n_rows, &values, err), fail);
        MLODA_TRY_GOTO(st, mloda_column_builder_validity(b, &bits, err), fail);
        memset(bits, 0, (size_t)mloda_bitmap_n_bytes(n_rows)); /* fits: resize succeeded */
    }
    return mloda_column_builder_finish(b, out, err);
fail:
    mloda_column_builder_free(b);
    return st;
}
