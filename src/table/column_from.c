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
