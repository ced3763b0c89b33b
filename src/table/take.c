/*
 * take.c: mloda_column_take, the gather kernel behind filters and joins: row i of the
 * result is row indices[i] of the source, or null for -1. Fixed-width types gather into
 * an uninitialised buffer (every row is written); nulls come from the source's validity
 * and from -1 indices.
 */
#include <string.h>

#include "table/bitmap.h"
#include "table/column_internal.h"
#include "table/table_layer.h"
#include "util/util.h"

static mloda_status check_indices(const int64_t *idx, int64_t n, int64_t len, bool *any_missing,
                                  mloda_error *err)
{
    *any_missing = false;
    for (int64_t i = 0; i < n; i++) {
        if (idx[i] == -1) {
            *any_missing = true;
        } else if (idx[i] < 0 || idx[i] >= len) {
            return mloda_error_set_at(err, MLODA_ERR_RANGE, NULL, i,
                                      "take: index %lld at position %lld is outside 0..%lld",
                                      (long long)idx[i], (long long)i, (long long)len - 1);
        }
    }
    return MLODA_OK;
}

/* Width in bytes of one row of a fixed-width, byte-addressed type. */
static size_t fixed_width(const mloda_column *c)
{
    switch (c->type) {
    case MLODA_TYPE_INT64:
    case MLODA_TYPE_TIMESTAMP:
        return sizeof(int64_t);
    case MLODA_TYPE_FLOAT64:
        return sizeof(double);
    case MLODA_TYPE_FLOAT64_LIST:
        return sizeof(double) * (size_t)c->list_size;
    default:
        return 0;
    }
}

static void gather_fixed(const mloda_column *c, const int64_t *restrict idx, int64_t n,
                         bool any_missing, uint8_t *restrict out)
{
    const size_t w = fixed_width(c);
    const uint8_t *src = c->values;
    if (w == 8) {
        const uint64_t *restrict s8 = c->values;
        uint64_t *restrict o8 = (uint64_t *)(void *)out;
        if (!any_missing) {
            for (int64_t i = 0; i < n; i++)
                o8[i] = s8[idx[i]];
        } else {
            for (int64_t i = 0; i < n; i++)
                o8[i] = idx[i] < 0 ? 0 : s8[idx[i]];
        }
        return;
    }
    for (int64_t i = 0; i < n; i++) {
        if (idx[i] < 0)
            memset(out + (size_t)i * w, 0, w);
        else
            memcpy(out + (size_t)i * w, src + (size_t)idx[i] * w, w);
    }
}

static mloda_status take_utf8(const mloda_column *c, const int64_t *idx, int64_t n,
                              mloda_column_builder *b, mloda_error *err)
{
    int64_t bytes = 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t len = 0;
        if (idx[i] >= 0 && mloda_column_utf8_at(c, idx[i], &len) != NULL)
            bytes += len;
    }
    MLODA_TRY(mloda_column_builder_reserve(b, n, bytes, err));
    for (int64_t i = 0; i < n; i++) {
        int64_t len = 0;
        const char *s = idx[i] < 0 ? NULL : mloda_column_utf8_at(c, idx[i], &len);
        MLODA_TRY(s == NULL ? mloda_column_builder_append_null(b, err)
                            : mloda_column_builder_append_utf8(b, s, len, err));
    }
    return MLODA_OK;
}

static mloda_status take_bits_and_validity(const mloda_column *c, const int64_t *idx, int64_t n,
                                           bool any_missing, mloda_column_builder *b,
                                           mloda_error *err)
{
    if (c->type == MLODA_TYPE_BOOL) {
        void *vals = NULL;
        MLODA_TRY(mloda_column_builder_resize(b, n, &vals, err));
        for (int64_t i = 0; i < n; i++)
            mloda_bitmap_set(vals, i, idx[i] >= 0 && mloda_bitmap_get(c->values, idx[i]));
    }
    if (c->validity == NULL && !any_missing)
        return MLODA_OK;
    uint8_t *bits = NULL;
    MLODA_TRY(mloda_column_builder_validity(b, &bits, err));
    for (int64_t i = 0; i < n; i++)
        mloda_bitmap_set(bits, i,
                      idx[i] >= 0 && (c->validity == NULL || mloda_bitmap_get(c->validity, idx[i])));
    return MLODA_OK;
}

static mloda_status take(const mloda_column *col, const int64_t *indices, int64_t n,
                         bool any_missing, mloda_column **out, mloda_error *err)
{
    if (col->type == MLODA_TYPE_NULL) /* every row null, whatever the indices */
        return mloda_column_new_nulls(MLODA_TYPE_NULL, 0, MLODA_TIME_SECOND, n, out, err);
    mloda_column_builder *b = NULL;
    MLODA_TRY(mloda_column_builder_new(col->type, col->list_size, col->unit, &b, err));
    mloda_status st = MLODA_OK;
    if (col->type == MLODA_TYPE_UTF8) {
        st = take_utf8(col, indices, n, b, err);
    } else if (col->type != MLODA_TYPE_BOOL) {
        void *vals = NULL;
        st = mloda_column_builder_resize_uninit(b, n, &vals, err);
        if (st == MLODA_OK)
            gather_fixed(col, indices, n, any_missing, vals);
    }
    if (st == MLODA_OK && col->type != MLODA_TYPE_UTF8)
        st = take_bits_and_validity(col, indices, n, any_missing, b, err);
    if (st != MLODA_OK) {
        mloda_column_builder_free(b);
        return st;
    }
    return mloda_column_builder_finish(b, out, err);
}

mloda_status mloda_column_take(const mloda_column *col, int64_t n, const int64_t *indices,
                               mloda_column **out, mloda_error *err)
{
    mloda_error_enter(err);
    if (out != NULL)
        *out = NULL;
    if (col == NULL || out == NULL || n < 0 || (indices == NULL && n > 0))
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL, "take needs a column and indices");
    bool any_missing = false;
    MLODA_TRY(check_indices(indices, n, col->length, &any_missing, err));
    return take(col, indices, n, any_missing, out, err);
}

mloda_status mloda_column_take_trusted(const mloda_column *col, const int64_t *indices, int64_t n,
                                       bool any_missing, mloda_column **out, mloda_error *err)
{
    *out = NULL;
    return take(col, indices, n, any_missing, out, err);
}

/* 0, 1, ..., n-1 as an int64 column: row ids before filtering. */
mloda_status mloda_column_new_row_ids(int64_t n, mloda_column **out, mloda_error *err)
{
    mloda_column_builder *b = NULL;
    void *vals = NULL;
    MLODA_TRY(mloda_column_builder_new(MLODA_TYPE_INT64, 0, MLODA_TIME_SECOND, &b, err));
    mloda_status st = mloda_column_builder_resize_uninit(b, n, &vals, err);
    if (st != MLODA_OK) {
        mloda_column_builder_free(b);
        return st;
    }
    int64_t *v = vals;
    for (int64_t i = 0; i < n; i++)
        v[i] = i;
    return mloda_column_builder_finish(b, out, err);
}

