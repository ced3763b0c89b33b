/*
 * builder.c: the single-owner column builder and its finish step.
 *
 * Invariants while building:
 *   - values holds cap rows (for UTF8: cap + 1 int32 offsets, zeroed, offsets[0] == 0); bit-packed
 *     buffers (bool values, validity) are zero past what has been written, other values
 *     are unspecified there (zeroing them would write every output buffer twice);
 *     validity, once created, holds cap bits;
 *   - every row below length has its value and (when validity exists) its bit written;
 *   - UTF8 data never exceeds INT32_MAX bytes, because offsets are int32.
 * Buffers are 64-byte aligned and padded (mloda_column_buffer_new); growth doubles, so
 * appends are amortised O(1). Finish hands the buffers to the column without copying.
 */
#include "table/column_internal.h"

#include <string.h>

#include "table/bitmap.h"
#include "util/util.h"

struct mloda_column_builder {
    mloda_type type;
    mloda_time_unit unit;
    int32_t list_size;
    int64_t length;
    int64_t cap;        /* rows the values (and validity) buffers hold */
    uint8_t *values;    /* owned; NULL until the first growth */
    uint8_t *validity;  /* owned; NULL until a null row or mloda_column_builder_validity */
    char *data;         /* owned; UTF8 bytes */
    int64_t data_len;   /* bytes used in data */
    int64_t data_cap;   /* bytes data holds */
};

enum { MIN_ROWS = 16, MIN_DATA_BYTES = 64 };

static bool is_valid_type(mloda_type type)
{
    return type >= MLODA_TYPE_INT64 && type <= MLODA_TYPE_FLOAT64_LIST;
}

/* Bytes of the values buffer for `rows` rows; false on overflow. */
static bool values_bytes(const mloda_column_builder *b, int64_t rows, size_t *out)
{
    switch (b->type) {
    case MLODA_TYPE_INT64:
    case MLODA_TYPE_TIMESTAMP:
        return mloda_elems_bytes(rows, sizeof(int64_t), out);
    case MLODA_TYPE_FLOAT64:
        return mloda_elems_bytes(rows, sizeof(double), out);
    case MLODA_TYPE_FLOAT64_LIST: {
        int64_t n_values = 0;
        return mloda_mul_i64(rows, b->list_size, &n_values) &&
               mloda_elems_bytes(n_values, sizeof(double), out);
    }
    case MLODA_TYPE_BOOL:
        return mloda_i64_to_size(mloda_bitmap_n_bytes(rows), out);
    case MLODA_TYPE_UTF8: {
        int64_t n_offsets = 0;
        return mloda_add_i64(rows, 1, &n_offsets) &&
               mloda_elems_bytes(n_offsets, sizeof(int32_t), out);
    }
    case MLODA_TYPE_NULL: /* not built by builders: mloda_column_new_nulls */
    case MLODA_TYPE_INVALID:
        break;
    }
    return false;
}

/* Bytes of one fixed-width row (not BOOL, not UTF8). */
static size_t row_bytes(const mloda_column_builder *b)
{
    if (b->type == MLODA_TYPE_FLOAT64_LIST)
        return (size_t)b->list_size * sizeof(double); /* list_size >= 1, checked at _new */
    return sizeof(int64_t);                          /* int64, timestamp and double */
}

static mloda_status size_error(mloda_error *err, const mloda_column_builder *b, int64_t rows)
{
    return mloda_error_set(err, MLODA_ERR_RANGE, NULL,
                           "a %s column of %lld rows does not fit in memory",
                           mloda_type_name(b->type), (long long)rows);
}

/* Moves `old` (old_bytes used) into a new buffer of new_bytes, zeroing the rest when
 * `zero`; NULL on failure (old is then left alone). */
static void *regrow(void *old, size_t old_bytes, size_t new_bytes, bool zero)
{
    size_t padded = 0;
    if (!mloda_pad64(new_bytes == 0 ? 1 : new_bytes, &padded))
        return NULL;
    uint8_t *p = mloda_aligned_alloc(padded);
    if (p == NULL)
        return NULL;
    if (old == NULL)
        old_bytes = 0;
    if (old_bytes > 0)
        memcpy(p, old, old_bytes);
    if (zero)
        memset(p + old_bytes, 0, padded - old_bytes); /* old_bytes <= new_bytes <= padded */
    return p;
}

/* Makes the buffers hold at least `rows` rows; allocates them on first use. */
static mloda_status grow(mloda_column_builder *b, int64_t rows, mloda_error *err)
{
    if (b->values != NULL && rows <= b->cap)
        return MLODA_OK;
    int64_t cap = b->cap <= INT64_MAX / 2 ? b->cap * 2 : rows;
    if (cap < rows)
        cap = rows;
    if (cap < MIN_ROWS)
        cap = MIN_ROWS;
    size_t new_bytes = 0, old_bytes = 0;
    if (!values_bytes(b, cap, &new_bytes)) {
        cap = rows; /* doubling overflowed; try the exact size */
        if (!values_bytes(b, cap, &new_bytes))
            return size_error(err, b, rows);
    }
    if (b->values != NULL && !values_bytes(b, b->cap, &old_bytes))
        return size_error(err, b, b->cap); /* cannot happen: the old size was checked */
    /* bit-packed bools need zero tails; utf8 offsets need offsets[0] == 0 */
    uint8_t *values = regrow(b->values, old_bytes, new_bytes,
                             b->type == MLODA_TYPE_BOOL || b->type == MLODA_TYPE_UTF8);
    if (values == NULL)
        return MLODA_NOMEM(err, "column values");
    if (b->validity != NULL) {
        size_t bits_bytes = 0, old_bits = 0;
        if (!mloda_i64_to_size(mloda_bitmap_n_bytes(cap), &bits_bytes) ||
            !mloda_i64_to_size(mloda_bitmap_n_bytes(b->cap), &old_bits)) {
            mloda_free(values);
            return size_error(err, b, cap);
        }
        uint8_t *validity = regrow(b->validity, old_bits, bits_bytes, true);
        if (validity == NULL) {
            mloda_free(values);
            return MLODA_NOMEM(err, "column validity");
        }
        mloda_free(b->validity);
        b->validity = validity;
    }
    mloda_free(b->values);
    b->values = values;
    b->cap = cap;
    return MLODA_OK;
}

/* Makes the UTF8 data buffer hold at least `bytes` bytes (<= INT32_MAX). */
static mloda_status grow_data(mloda_column_builder *b, int64_t bytes, mloda_error *err)
{
    if (bytes > INT32_MAX)
        return mloda_error_set(err, MLODA_ERR_RANGE, NULL,
                               "utf8 column data of %lld bytes exceeds %d bytes (int32 offsets)",
                               (long long)bytes, INT32_MAX);
    if (b->data != NULL && bytes <= b->data_cap)
        return MLODA_OK;
    int64_t cap = b->data_cap * 2; /* data_cap <= INT32_MAX, so no overflow */
    if (cap < bytes)
        cap = bytes;
    if (cap < MIN_DATA_BYTES)
        cap = MIN_DATA_BYTES;
    /* bytes and data_len are in [0, INT32_MAX]; cap at most 2 * INT32_MAX fits size_t */
    char *data = regrow(b->data, (size_t)b->data_len, (size_t)cap, false);
    if (data == NULL)
        return MLODA_NOMEM(err, "utf8 column data");
    mloda_free(b->data);
    b->data = data;
    b->data_cap = cap;
    return MLODA_OK;
}

/* Creates the validity bitmap (rows below length valid) unless it exists. */
static mloda_status ensure_validity(mloda_column_builder *b, mloda_error *err)
{
    if (b->validity != NULL)
        return MLODA_OK;
    size_t bytes = 0;
    if (!mloda_i64_to_size(mloda_bitmap_n_bytes(b->cap), &bytes))
        return size_error(err, b, b->cap);
    b->validity = mloda_column_buffer_new(bytes);
    if (b->validity == NULL)
        return MLODA_NOMEM(err, "column validity");
    mloda_bitmap_set_range(b->validity, 0, b->length, true);
    return MLODA_OK;
}

mloda_status mloda_column_builder_new(mloda_type type, int32_t list_size, mloda_time_unit unit,
                                      mloda_column_builder **out, mloda_error *err)
{
    mloda_error_enter(err);
    if (out == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL, "out is NULL");
    *out = NULL;
    if (type == MLODA_TYPE_NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL,
                               "null columns have no builder: use mloda_column_new_nulls");
    if (!is_valid_type(type))
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL, "unknown column type %d",
                               (int)type);
    if (type == MLODA_TYPE_FLOAT64_LIST && list_size < 1)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL,
                               "float64_list needs list_size >= 1, got %d", (int)list_size);
    if (type == MLODA_TYPE_TIMESTAMP && (unit < MLODA_TIME_SECOND || unit > MLODA_TIME_NANO))
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL, "unknown time unit %d",
                               (int)unit);
    mloda_column_builder *b = mloda_calloc(1, sizeof *b);
    if (b == NULL)
        return MLODA_NOMEM(err, "a column builder");
    b->type = type;
    b->list_size = type == MLODA_TYPE_FLOAT64_LIST ? list_size : 0;
    b->unit = type == MLODA_TYPE_TIMESTAMP ? unit : MLODA_TIME_SECOND;
    *out = b;
    return MLODA_OK;
}

void mloda_column_builder_free(mloda_column_builder *b)
{
    if (b == NULL)
        return;
    mloda_free(b->values);
    mloda_free(b->validity);
    mloda_free(b->data);
    mloda_free(b);
}

int64_t mloda_column_builder_n_rows(const mloda_column_builder *b)
{
    return b == NULL ? 0 : b->length;
}

mloda_status mloda_column_builder_reserve(mloda_column_builder *b, int64_t additional,
                                          int64_t additional_bytes, mloda_error *err)
{
    mloda_error_enter(err);
    if (b == NULL || additional < 0 || additional_bytes < 0)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL,
                               "reserve needs a builder and non-negative counts");
    int64_t rows = 0;
    if (!mloda_add_i64(b->length, additional, &rows))
        return size_error(err, b, INT64_MAX);
    MLODA_TRY(grow(b, rows, err));
    if (b->type == MLODA_TYPE_UTF8) {
        int64_t bytes = 0;
        if (!mloda_add_i64(b->data_len, additional_bytes, &bytes))
            bytes = INT64_MAX; /* grow_data reports it as too large */
        MLODA_TRY(grow_data(b, bytes, err));
    }
    return MLODA_OK;
}

/* Checks the builder's type for an append of `what` and makes room for one more row. */
static mloda_status begin_append(mloda_column_builder *b, bool type_ok, const char *what,
                                 const char *expected, mloda_error *err)
{
    if (b == NULL) { /* the constant, so that analyzers see b is used only when set */
        (void)mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL, "builder is NULL");
        return MLODA_ERR_INVALID_ARG;
    }
    if (!type_ok)
        return mloda_error_set(err, MLODA_ERR_TYPE, NULL,
                               "cannot append %s to a %s column builder: expected a %s builder",
                               what, mloda_type_name(b->type), expected);
    if (b->length == INT64_MAX)
        return size_error(err, b, INT64_MAX);
    return grow(b, b->length + 1, err);
}

/* Marks the row being appended valid and counts it. */
static void end_append(mloda_column_builder *b)
{
    if (b->validity != NULL)
        mloda_bitmap_set(b->validity, b->length, true);
    b->length++;
}

mloda_status mloda_column_builder_append_null(mloda_column_builder *b, mloda_error *err)
{
    mloda_error_enter(err);
    MLODA_TRY(begin_append(b, b == NULL || is_valid_type(b->type), "null", "typed", err));
    MLODA_TRY(ensure_validity(b, err));
    if (b->type == MLODA_TYPE_UTF8) {
        int32_t *offsets = (int32_t *)(void *)b->values; /* aligned buffer of int32 */
        offsets[b->length + 1] = offsets[b->length];
    } else if (b->type == MLODA_TYPE_BOOL) {
        mloda_bitmap_set(b->values, b->length, false);
    } else {
        const size_t width = row_bytes(b);
        memset(b->values + (size_t)b->length * width, 0, width); /* within cap, checked */
    }
    mloda_bitmap_set(b->validity, b->length, false);
    b->length++;
    return MLODA_OK;
}

mloda_status mloda_column_builder_append_int64(mloda_column_builder *b, int64_t v,
                                               mloda_error *err)
{
    mloda_error_enter(err);
    bool ok = b != NULL && (b->type == MLODA_TYPE_INT64 || b->type == MLODA_TYPE_TIMESTAMP);
    MLODA_TRY(begin_append(b, ok, "int64", "int64 or timestamp", err));
    ((int64_t *)(void *)b->values)[b->length] = v; /* aligned buffer of int64 */
    end_append(b);
    return MLODA_OK;
}

mloda_status mloda_column_builder_append_float64(mloda_column_builder *b, double v,
                                                 mloda_error *err)
{
    mloda_error_enter(err);
    bool ok = b != NULL && b->type == MLODA_TYPE_FLOAT64;
    MLODA_TRY(begin_append(b, ok, "float64", "float64", err));
    ((double *)(void *)b->values)[b->length] = v; /* aligned buffer of double */
    end_append(b);
    return MLODA_OK;
}

mloda_status mloda_column_builder_append_bool(mloda_column_builder *b, bool v, mloda_error *err)
{
    mloda_error_enter(err);
    bool ok = b != NULL && b->type == MLODA_TYPE_BOOL;
    MLODA_TRY(begin_append(b, ok, "bool", "bool", err));
    mloda_bitmap_set(b->values, b->length, v);
    end_append(b);
    return MLODA_OK;
}

mloda_status mloda_column_builder_append_utf8(mloda_column_builder *b, const char *bytes,
                                              int64_t len, mloda_error *err)
{
    mloda_error_enter(err);
    bool ok = b != NULL && b->type == MLODA_TYPE_UTF8;
    if (len < 0 || (bytes == NULL && len > 0))
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL,
                               "append_utf8 needs bytes and a length >= 0");
    MLODA_TRY(begin_append(b, ok, "utf8", "utf8", err));
    int64_t total = INT64_MAX;
    (void)mloda_add_i64(b->data_len, len, &total); /* on overflow total stays too large */
    MLODA_TRY(grow_data(b, total, err));
    if (len > 0)
        memcpy(b->data + b->data_len, bytes, (size_t)len); /* 0 < len <= INT32_MAX */
    b->data_len = total;
    int32_t *offsets = (int32_t *)(void *)b->values; /* aligned buffer of int32 */
    offsets[b->length + 1] = (int32_t)total;          /* total <= INT32_MAX (grow_data) */
    end_append(b);
    return MLODA_OK;
}

mloda_status mloda_column_builder_append_list(mloda_column_builder *b, const double *values,
                                              mloda_error *err)
{
    mloda_error_enter(err);
    bool ok = b != NULL && b->type == MLODA_TYPE_FLOAT64_LIST;
    if (values == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL, "append_list: values is NULL");
    MLODA_TRY(begin_append(b, ok, "float64_list", "float64_list", err));
    const size_t width = row_bytes(b);
    memcpy(b->values + (size_t)b->length * width, values, width); /* within cap, checked */
    end_append(b);
    return MLODA_OK;
}

static mloda_status resize(mloda_column_builder *b, int64_t n, bool zero, void **out_values,
                           mloda_error *err)
{
    if (out_values != NULL)
        *out_values = NULL;
    if (b == NULL || out_values == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL,
                               "resize needs a builder and out_values");
    if (b->type == MLODA_TYPE_UTF8)
        return mloda_error_set(err, MLODA_ERR_TYPE, NULL,
                               "resize works on fixed-width builders, not utf8");
    if (n < b->length)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL,
                               "resize to %lld rows would drop rows (builder has %lld)",
                               (long long)n, (long long)b->length);
    MLODA_TRY(grow(b, n, err));
    /* new rows are zero (unless the caller asked not to) and valid */
    if (b->type == MLODA_TYPE_BOOL) {
        mloda_bitmap_set_range(b->values, b->length, n - b->length, false);
    } else if (zero) {
        const size_t width = row_bytes(b);
        /* rows below cap were checked by grow, so these products fit */
        memset(b->values + (size_t)b->length * width, 0, (size_t)(n - b->length) * width);
    }
    if (b->validity != NULL)
        mloda_bitmap_set_range(b->validity, b->length, n - b->length, true);
    b->length = n;
    *out_values = b->values;
    return MLODA_OK;
}

mloda_status mloda_column_builder_resize(mloda_column_builder *b, int64_t n, void **out_values,
                                         mloda_error *err)
{
    mloda_error_enter(err);
    return resize(b, n, true, out_values, err);
}

mloda_status mloda_column_builder_resize_uninit(mloda_column_builder *b, int64_t n,
                                                void **out_values, mloda_error *err)
{
    mloda_error_enter(err);
    return resize(b, n, false, out_values, err);
}

mloda_status mloda_column_builder_validity(mloda_column_builder *b, uint8_t **out_bits,
                                           mloda_error *err)
{
    mloda_error_enter(err);
    if (out_bits != NULL)
        *out_bits = NULL;
    if (b == NULL || out_bits == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL,
                               "validity needs a builder and out_bits");
    MLODA_TRY(grow(b, b->length, err));
    MLODA_TRY(ensure_validity(b, err));
    *out_bits = b->validity;
    return MLODA_OK;
}

/* Moves the builder's buffers into a new column; the builder keeps what was not moved. */
static mloda_status build_column(mloda_column_builder *b, mloda_column **out, mloda_error *err)
{
    MLODA_TRY(grow(b, b->length, err)); /* an empty builder still gets its buffers */
    if (b->type == MLODA_TYPE_UTF8)
        MLODA_TRY(grow_data(b, b->data_len, err));
    mloda_column *c = mloda_column_alloc();
    if (c == NULL)
        return MLODA_NOMEM(err, "a column");
    c->type = b->type;
    c->unit = b->unit;
    c->list_size = b->list_size;
    c->length = b->length;
    if (b->validity != NULL) {
        c->null_count = b->length - mloda_bitmap_n_set(b->validity, 0, b->length);
        if (c->null_count > 0) {
            mloda_bitmap_clear_tail(b->validity, b->length);
            c->validity = b->validity;
            c->owned[1] = b->validity;
        } else {
            mloda_free(b->validity); /* all valid: no bitmap (column invariant) */
        }
        b->validity = NULL;
    }
    if (b->type == MLODA_TYPE_BOOL)
        mloda_bitmap_clear_tail(b->values, b->length);
    c->values = b->values;
    c->owned[0] = b->values;
    b->values = NULL;
    c->data = b->data;
    c->owned[2] = b->data;
    b->data = NULL;
    *out = c;
    return MLODA_OK;
}

mloda_status mloda_column_builder_finish(mloda_column_builder *b, mloda_column **out,
                                         mloda_error *err)
{
    mloda_error_enter(err);
    if (out != NULL)
        *out = NULL;
    if (b == NULL || out == NULL) {
        mloda_column_builder_free(b);
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL, "finish needs a builder and out");
    }
    mloda_status st = build_column(b, out, err);
    mloda_column_builder_free(b);
    return st;
}
