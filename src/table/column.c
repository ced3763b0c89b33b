/*
 * column.c: the immutable column object: reading accessors, reference counting and
 * destruction (see column_internal.h for the invariants). Accessors accept NULL and wrong
 * types and answer with NULL / 0 / false rather than crashing.
 */
#include "table/column_internal.h"

#include <string.h>

#include "table/bitmap.h"

const char *mloda_type_name(mloda_type type)
{
    switch (type) {
    case MLODA_TYPE_INT64:
        return "int64";
    case MLODA_TYPE_FLOAT64:
        return "float64";
    case MLODA_TYPE_BOOL:
        return "bool";
    case MLODA_TYPE_UTF8:
        return "utf8";
    case MLODA_TYPE_TIMESTAMP:
        return "timestamp";
    case MLODA_TYPE_FLOAT64_LIST:
        return "float64_list";
    case MLODA_TYPE_NULL:
        return "null";
    case MLODA_TYPE_INVALID:
        break;
    }
    return "invalid";
}

void *mloda_column_buffer_new(size_t bytes)
{
    size_t padded = 0;
    if (!mloda_pad64(bytes == 0 ? 1 : bytes, &padded))
        return NULL;
    void *p = mloda_aligned_alloc(padded);
    if (p != NULL)
        memset(p, 0, padded);
    return p;
}

mloda_column *mloda_column_alloc(void)
{
    mloda_column *c = mloda_calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    atomic_init(&c->refs, 1);
    c->unit = MLODA_TIME_SECOND;
    return c;
}

void mloda_column_destroy(mloda_column *c)
{
    if (c == NULL)
        return;
    for (int i = 0; i < MLODA_COLUMN_MAX_OWNED; i++)
        mloda_free(c->owned[i]);
    mloda_column_owner_release(c->owner);
    mloda_free(c);
}

void mloda_column_owner_retain(mloda_column_owner *o)
{
    if (o != NULL)
        atomic_fetch_add_explicit(&o->refs, 1, memory_order_relaxed);
}

void mloda_column_owner_release(mloda_column_owner *o)
{
    /* acq_rel: the last owner must see all writes made before the others let go */
    if (o != NULL && atomic_fetch_sub_explicit(&o->refs, 1, memory_order_acq_rel) == 1)
        o->destroy(o);
}

mloda_column *mloda_column_retain(const mloda_column *col)
{
    /* the count is the one mutable field of an immutable column, and it is atomic */
    mloda_column *c = (mloda_column *)col;
    if (c != NULL)
        atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
    return c;
}

void mloda_column_release(mloda_column *c)
{
    if (c == NULL)
        return;
    /* acq_rel: the last owner must see all writes made before the others let go */
    if (atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) == 1)
        mloda_column_destroy(c);
}

mloda_type mloda_column_type(const mloda_column *col)
{
    return col == NULL ? MLODA_TYPE_INVALID : col->type;
}

int64_t mloda_column_n_rows(const mloda_column *col)
{
    return col == NULL ? 0 : col->length;
}

int64_t mloda_column_n_nulls(const mloda_column *col)
{
    return col == NULL ? 0 : col->null_count;
}

int32_t mloda_column_list_size(const mloda_column *col)
{
    return col != NULL && col->type == MLODA_TYPE_FLOAT64_LIST ? col->list_size : 0;
}

mloda_time_unit mloda_column_time_unit(const mloda_column *col)
{
    return col != NULL && col->type == MLODA_TYPE_TIMESTAMP ? col->unit : MLODA_TIME_SECOND;
}

bool mloda_column_is_valid(const mloda_column *col, int64_t i)
{
    if (col == NULL || i < 0 || i >= col->length)
        return false;
    return col->validity == NULL || mloda_bitmap_get(col->validity, i);
}

const uint8_t *mloda_column_validity(const mloda_column *col)
{
    return col == NULL ? NULL : col->validity;
}

const int64_t *mloda_column_int64(const mloda_column *col)
{
    if (col == NULL || (col->type != MLODA_TYPE_INT64 && col->type != MLODA_TYPE_TIMESTAMP))
        return NULL;
    return col->values;
}

const double *mloda_column_float64(const mloda_column *col)
{
    if (col == NULL ||
        (col->type != MLODA_TYPE_FLOAT64 && col->type != MLODA_TYPE_FLOAT64_LIST))
        return NULL;
    return col->values;
}

const uint8_t *mloda_column_bool_bits(const mloda_column *col)
{
    return col != NULL && col->type == MLODA_TYPE_BOOL ? col->values : NULL;
}

bool mloda_column_bool_at(const mloda_column *col, int64_t i)
{
    if (col == NULL || col->type != MLODA_TYPE_BOOL || !mloda_column_is_valid(col, i))
        return false;
    return mloda_bitmap_get(col->values, i);
}

const int32_t *mloda_column_utf8_offsets(const mloda_column *col)
{
    return col != NULL && col->type == MLODA_TYPE_UTF8 ? col->values : NULL;
}

const char *mloda_column_utf8_data(const mloda_column *col)
{
    return col != NULL && col->type == MLODA_TYPE_UTF8 ? col->data : NULL;
}

const char *mloda_column_utf8_at(const mloda_column *col, int64_t i, int64_t *out_len)
{
    if (out_len != NULL)
        *out_len = 0;
    if (col == NULL || col->type != MLODA_TYPE_UTF8 || !mloda_column_is_valid(col, i))
        return NULL;
    const int32_t *offsets = col->values;
    if (out_len != NULL)
        *out_len = (int64_t)offsets[i + 1] - offsets[i];
    return col->data + offsets[i];
}
