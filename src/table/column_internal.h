/*
 * column_internal.h: the column struct shared by the files of the table layer (builder,
 * Arrow import and export), and the size helpers they use.
 *
 * Invariants of a finished column:
 *   - row 0 is the first slot of every buffer (no offset);
 *   - validity == NULL exactly when null_count == 0;
 *   - values is never NULL (an empty column has a small empty buffer), nor is data for UTF8;
 *   - bitmaps (validity, bool values) are always the column's own: 64-byte aligned,
 *     padded, bits past length zero;
 *   - buffers the column allocated are 64-byte aligned and padded (owned[]); values,
 *     offsets and bytes borrowed from an Arrow producer are kept alive by `owner` and are
 *     aligned at least for their element type (imports copy them otherwise).
 * A finished column is immutable; only `refs` changes, atomically.
 */
#ifndef MLODA_TABLE_COLUMN_INTERNAL_H
#define MLODA_TABLE_COLUMN_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mloda/table.h"
#include "util/alloc.h"

/* Keeps borrowed buffers alive (an imported Arrow array); shared by the columns that point
 * into it and destroyed by the last release. */
typedef struct mloda_column_owner mloda_column_owner;
struct mloda_column_owner {
    atomic_long refs;
    void (*destroy)(mloda_column_owner *self); /* frees the owner and what it holds */
};

void mloda_column_owner_retain(mloda_column_owner *o);
void mloda_column_owner_release(mloda_column_owner *o);

enum { MLODA_COLUMN_MAX_OWNED = 3 };

struct mloda_column {
    atomic_long refs;
    mloda_type type;
    mloda_time_unit unit;        /* TIMESTAMP only; MLODA_TIME_SECOND otherwise */
    int32_t list_size;           /* FLOAT64_LIST only; 0 otherwise */
    int64_t length;
    int64_t null_count;
    const uint8_t *validity;     /* NULL when null_count == 0 */
    const void *values;          /* int64 / double / bool bits / int32 utf8 offsets */
    const char *data;            /* UTF8 bytes; NULL for other types */
    void *owned[MLODA_COLUMN_MAX_OWNED]; /* owned: buffers freed with the column */
    mloda_column_owner *owner;   /* one reference, or NULL */
};

/** A zeroed column with one reference; NULL when out of memory. */
mloda_column *mloda_column_alloc(void);
/** Frees a column regardless of its count: owned buffers, the owner reference, the struct.
 *  For the last release and for columns that failed half-way through being built. */
void mloda_column_destroy(mloda_column *c);

/** Turns zeroed column c (from mloda_column_alloc) into n_rows rows of the null type: an
 *  all-zero validity bitmap (none for 0 rows) and an empty values buffer, both owned. */
mloda_status mloda_column_init_null(mloda_column *c, int64_t n_rows, mloda_error *err);

/** A zero-filled, 64-byte aligned buffer of at least `bytes` bytes (padded to 64); NULL
 *  when out of memory. Free with mloda_free. */
void *mloda_column_buffer_new(size_t bytes);

/** n (>= 0) as a size_t; false when negative or too large for this platform. */
static inline bool mloda_i64_to_size(int64_t n, size_t *out)
{
    if (n < 0 || (uint64_t)n > SIZE_MAX)
        return false;
    *out = (size_t)n; /* 0 <= n <= SIZE_MAX, checked above */
    return true;
}

/** Bytes of n elements of `width` bytes; false for n < 0 or overflow. */
static inline bool mloda_elems_bytes(int64_t n, size_t width, size_t *out)
{
    size_t un = 0;
    return mloda_i64_to_size(n, &un) && mloda_mul_size(un, width, out);
}

/** a + b for a, b >= 0; false on overflow. */
static inline bool mloda_add_i64(int64_t a, int64_t b, int64_t *out)
{
    if (a < 0 || b < 0 || a > INT64_MAX - b)
        return false;
    *out = a + b;
    return true;
}

/** a * b for a, b >= 0; false on overflow. */
static inline bool mloda_mul_i64(int64_t a, int64_t b, int64_t *out)
{
    if (a < 0 || b < 0 || (b != 0 && a > INT64_MAX / b))
        return false;
    *out = a * b;
    return true;
}

#endif /* MLODA_TABLE_COLUMN_INTERNAL_H */
