/*
 * mloda/table.h: typed columns, tables of named columns, and api_data.
 *
 * Lifecycle:
 *   mloda_column_builder_new -> append / fill -> mloda_column_builder_finish -> mloda_column
 *   (or one of the mloda_column_from_* shortcuts). A finished column is immutable and
 *   reference counted: mloda_column_retain adds a reference, mloda_column_release drops
 *   one; the last release frees it. Builders have one owner: _finish consumes the
 *   builder (also on failure), _free discards an unfinished one.
 *   mloda_table_new retains its columns; tables are immutable and reference counted too.
 *   mloda_api_data is a single-owner set of named tables (retained).
 *
 * Memory layout is Arrow's columnar layout: 64-byte aligned buffers, padded to 64 bytes,
 * validity bitmaps with bit i (least significant bit first) set when row i is valid,
 * bool values bit-packed the same way, utf8 as int32 offsets + bytes, fixed-size lists
 * of float64 as list_size consecutive doubles per row. Columns never carry an offset:
 * row 0 is the first slot of every buffer.
 *
 * Thread safety: finished columns and tables are immutable; reading them, retaining and
 * releasing them are thread-safe. Builders and api_data: one thread per object.
 */
#ifndef MLODA_TABLE_H
#define MLODA_TABLE_H

#include "mloda/arrow_abi.h"
#include "mloda/base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mloda_type {
    MLODA_TYPE_INVALID = 0,
    MLODA_TYPE_INT64 = 1,
    MLODA_TYPE_FLOAT64 = 2,
    MLODA_TYPE_BOOL = 3,
    MLODA_TYPE_UTF8 = 4,
    MLODA_TYPE_TIMESTAMP = 5,     /* int64 count of time_unit since the Unix epoch, no zone */
    MLODA_TYPE_FLOAT64_LIST = 6,  /* fixed-size list of float64 (geo points, vectors) */
    MLODA_TYPE_NULL = 7,          /* no type evidence: every row is null (Arrow's null type,
                                     format "n"); an input column of this type takes the type
                                     each feature that reads it needs (see mloda_prepare) */
} mloda_type;

typedef enum mloda_time_unit {
    MLODA_TIME_SECOND = 0,
    MLODA_TIME_MILLI = 1,
    MLODA_TIME_MICRO = 2,
    MLODA_TIME_NANO = 3,
} mloda_time_unit;

/** "int64", "float64", "bool", "utf8", "timestamp", "float64_list", "null", "invalid". */
MLODA_API const char *mloda_type_name(mloda_type type);

typedef struct mloda_column mloda_column;
typedef struct mloda_column_builder mloda_column_builder;
typedef struct mloda_table mloda_table;
typedef struct mloda_api_data mloda_api_data;

/* ---------------------------------------------------------------- bitmaps */

/* Validity bitmaps and bool values are bit-packed as Arrow's: bit i is bit (i % 8) of
 * byte i / 8, least significant bit first; a set validity bit means "not null". These
 * helpers serve plugins that read and write them (mloda_column_validity,
 * mloda_column_builder_validity); the word-wise ones handle any offset and length. */

/** Bytes that hold n_bits bits (n_bits >= 0). */
static inline int64_t mloda_bitmap_n_bytes(int64_t n_bits)
{
    return n_bits / 8 + (n_bits % 8 != 0);
}
/** Bit i. */
static inline bool mloda_bitmap_get(const uint8_t *bits, int64_t i)
{
    return (((unsigned)bits[i >> 3] >> (i & 7)) & 1u) != 0;
}
/** Sets bit i to v. */
static inline void mloda_bitmap_set(uint8_t *bits, int64_t i, bool v)
{
    const unsigned mask = 1u << (i & 7);
    const unsigned byte = bits[i >> 3];
    bits[i >> 3] = (uint8_t)(v ? (byte | mask) : (byte & ~mask)); /* bits 0..7 only */
}
/** Number of set bits among bits [offset, offset + n_bits). */
MLODA_API int64_t mloda_bitmap_n_set(const uint8_t *bits, int64_t offset, int64_t n_bits);
/** Sets bits [start, start + n_bits) to v. */
MLODA_API void mloda_bitmap_set_range(uint8_t *bits, int64_t start, int64_t n_bits, bool v);
/** dst = a AND b over n_bits bits (bits past n_bits in the last byte become 0); either
 *  input may be NULL for "all set". dst may be a or b. */
MLODA_API void mloda_bitmap_and(uint8_t *dst, const uint8_t *a, const uint8_t *b,
                                int64_t n_bits);

/* ---------------------------------------------------------------- columns: reading */

MLODA_API mloda_type mloda_column_type(const mloda_column *col);
MLODA_API int64_t mloda_column_n_rows(const mloda_column *col);
/** Number of null rows (rows whose validity bit is 0). NaN values are not counted. */
MLODA_API int64_t mloda_column_n_nulls(const mloda_column *col);
/** Values per row of a FLOAT64_LIST column; 0 for other types. */
MLODA_API int32_t mloda_column_list_size(const mloda_column *col);
/** Unit of a TIMESTAMP column; MLODA_TIME_SECOND for other types. */
MLODA_API mloda_time_unit mloda_column_time_unit(const mloda_column *col);
/** true when row i is not null; false for i out of range. */
MLODA_API bool mloda_column_is_valid(const mloda_column *col, int64_t i);
/** Validity bitmap (see mloda_bitmap_get), or NULL when the column has no nulls. Borrowed. */
MLODA_API const uint8_t *mloda_column_validity(const mloda_column *col);
/** Values of an INT64 or TIMESTAMP column (n_rows values); NULL for other types. Borrowed. */
MLODA_API const int64_t *mloda_column_int64(const mloda_column *col);
/** Values of a FLOAT64 column (n_rows values) or FLOAT64_LIST column (n_rows * list_size
 *  values, row-major); NULL for other types. Borrowed. */
MLODA_API const double *mloda_column_float64(const mloda_column *col);
/** Bit-packed values of a BOOL column; NULL for other types. Borrowed. */
MLODA_API const uint8_t *mloda_column_bool_bits(const mloda_column *col);
/** Value of row i of a BOOL column (false for null or out of range). */
MLODA_API bool mloda_column_bool_at(const mloda_column *col, int64_t i);
/** UTF8 offsets (n_rows + 1 int32) and bytes; NULL for other types. Borrowed. */
MLODA_API const int32_t *mloda_column_utf8_offsets(const mloda_column *col);
MLODA_API const char *mloda_column_utf8_data(const mloda_column *col);
/** Row i of a UTF8 column (not NUL-terminated) and its byte length; NULL for a null row,
 *  a non-UTF8 column or i out of range. Borrowed. */
MLODA_API const char *mloda_column_utf8_at(const mloda_column *col, int64_t i, int64_t *out_len);

/** A new reference to a borrowed column (the caller now owns one); returns col. NULL is
 *  fine. Thread-safe. */
MLODA_API mloda_column *mloda_column_retain(const mloda_column *col);
/** Drops an owned reference; the last one frees the column. NULL is fine. Thread-safe. */
MLODA_API void mloda_column_release(mloda_column *col);

/* ---------------------------------------------------------------- columns: building */

/**
 * New empty builder for a column of `type` (any type but MLODA_TYPE_NULL: see
 * mloda_column_new_nulls).
 * list_size  values per row for FLOAT64_LIST (>= 1); ignored otherwise.
 * unit       time unit for TIMESTAMP; ignored otherwise.
 * Errors: MLODA_ERR_INVALID_ARG (bad type or list_size, out NULL), MLODA_ERR_NOMEM.
 */
MLODA_API mloda_status mloda_column_builder_new(mloda_type type, int32_t list_size,
                                                mloda_time_unit unit,
                                                mloda_column_builder **out, mloda_error *err);
/** Discards an unfinished builder. NULL is fine. */
MLODA_API void mloda_column_builder_free(mloda_column_builder *b);
/** Number of rows appended so far. */
MLODA_API int64_t mloda_column_builder_n_rows(const mloda_column_builder *b);
/** Makes room for `additional` more rows (and, for UTF8, `additional_bytes` more bytes). */
MLODA_API mloda_status mloda_column_builder_reserve(mloda_column_builder *b, int64_t additional,
                                                    int64_t additional_bytes, mloda_error *err);

/* Appending one row. Each checks the builder's type (MLODA_ERR_TYPE on mismatch). */
MLODA_API mloda_status mloda_column_builder_append_null(mloda_column_builder *b, mloda_error *err);
/** INT64 and TIMESTAMP builders. */
MLODA_API mloda_status mloda_column_builder_append_int64(mloda_column_builder *b, int64_t v,
                                                         mloda_error *err);
MLODA_API mloda_status mloda_column_builder_append_float64(mloda_column_builder *b, double v,
                                                           mloda_error *err);
MLODA_API mloda_status mloda_column_builder_append_bool(mloda_column_builder *b, bool v,
                                                        mloda_error *err);
/** UTF8 builder; `bytes` need not be NUL-terminated. The bytes are not validated as UTF-8
 *  here; readers validate at the boundary where text enters. */
MLODA_API mloda_status mloda_column_builder_append_utf8(mloda_column_builder *b, const char *bytes,
                                                        int64_t len, mloda_error *err);
/** FLOAT64_LIST builder: appends one row of list_size values. */
MLODA_API mloda_status mloda_column_builder_append_list(mloda_column_builder *b,
                                                        const double *values, mloda_error *err);

/**
 * Fast path for fixed-width builders (all types but UTF8): sets the length to n rows
 * (n >= current length) and returns the writable value buffer, valid until the next call on
 * the builder. Rows added by this call are valid (not null) and their values are zero.
 * out_values points to int64_t (INT64, TIMESTAMP), double (FLOAT64, FLOAT64_LIST: n *
 * list_size values) or bit-packed bytes (BOOL).
 * Errors: MLODA_ERR_TYPE for UTF8, MLODA_ERR_RANGE for a size that overflows,
 * MLODA_ERR_NOMEM.
 */
MLODA_API mloda_status mloda_column_builder_resize(mloda_column_builder *b, int64_t n,
                                                   void **out_values, mloda_error *err);
/** Like mloda_column_builder_resize, but the values of the added rows are unspecified
 *  (bool rows are still zero): for kernels that write every row anyway, which saves a pass
 *  over the buffer. */
MLODA_API mloda_status mloda_column_builder_resize_uninit(mloda_column_builder *b, int64_t n,
                                                          void **out_values, mloda_error *err);
/** Writable validity bitmap covering the current length (all valid until changed), created
 *  on first use. Clear bit i to make row i null. Valid until the next call on the builder. */
MLODA_API mloda_status mloda_column_builder_validity(mloda_column_builder *b, uint8_t **out_bits,
                                                     mloda_error *err);
/**
 * Turns the builder into an immutable column (its null count computed). Consumes the builder
 * whether it succeeds or not. *out is NULL on failure.
 */
MLODA_API mloda_status mloda_column_builder_finish(mloda_column_builder *b, mloda_column **out,
                                                   mloda_error *err);

/* Shortcuts that copy caller arrays of n_rows rows into a new column. `valid` is one byte
 * per row (0 = null) or NULL for "all valid". */
MLODA_API mloda_status mloda_column_from_int64(int64_t n_rows, const int64_t *values,
                                               const uint8_t *valid, mloda_column **out,
                                               mloda_error *err);
MLODA_API mloda_status mloda_column_from_float64(int64_t n_rows, const double *values,
                                                 const uint8_t *valid, mloda_column **out,
                                                 mloda_error *err);
MLODA_API mloda_status mloda_column_from_bool(int64_t n_rows, const bool *values,
                                              const uint8_t *valid, mloda_column **out,
                                              mloda_error *err);
/** strings[i] == NULL makes row i null; strings are NUL-terminated. */
MLODA_API mloda_status mloda_column_from_utf8(int64_t n_rows, const char *const *strings,
                                              mloda_column **out, mloda_error *err);
MLODA_API mloda_status mloda_column_from_timestamp(mloda_time_unit unit, int64_t n_rows,
                                                   const int64_t *values, const uint8_t *valid,
                                                   mloda_column **out, mloda_error *err);
/** values holds n_rows * list_size doubles, row-major. */
MLODA_API mloda_status mloda_column_from_float64_list(int32_t list_size, int64_t n_rows,
                                                      const double *values,
                                                      const uint8_t *valid, mloda_column **out,
                                                      mloda_error *err);

/**
 * New column of n_rows rows, every one null, of any type: MLODA_TYPE_NULL (Arrow's null
 * type: no values at all) or a concrete type (list_size and unit as for
 * mloda_column_builder_new). Null-typed columns cannot be built with a builder.
 * Errors: MLODA_ERR_INVALID_ARG (bad type, list_size or unit, n_rows < 0, out NULL),
 * MLODA_ERR_RANGE, MLODA_ERR_NOMEM.
 */
MLODA_API mloda_status mloda_column_new_nulls(mloda_type type, int32_t list_size,
                                              mloda_time_unit unit, int64_t n_rows,
                                              mloda_column **out, mloda_error *err);

/**
 * New column holding rows indices[0..n_indices) of col, in that order (a gather); an index
 * of -1 gives a null row. Every index must be -1 or within [0, n_rows).
 * Errors: MLODA_ERR_RANGE naming the first bad index (position = its place), MLODA_ERR_NOMEM.
 */
MLODA_API mloda_status mloda_column_take(const mloda_column *col, int64_t n_indices,
                                         const int64_t *indices, mloda_column **out,
                                         mloda_error *err);

/* ---------------------------------------------------------------- tables */

/**
 * New table of n_columns named columns (each retained; names copied).
 * All columns must have the same length; names must be non-empty and unique.
 * n_rows is the row count; it must equal every column's length (it gives the row count
 * of a table with no columns).
 * Errors: MLODA_ERR_SCHEMA naming the columns and lengths when lengths differ,
 * MLODA_ERR_DUPLICATE for a repeated name, MLODA_ERR_INVALID_ARG, MLODA_ERR_NOMEM.
 */
MLODA_API mloda_status mloda_table_new(int64_t n_rows, int64_t n_columns,
                                       const char *const *names,
                                       const mloda_column *const *columns, mloda_table **out,
                                       mloda_error *err);
MLODA_API int64_t mloda_table_n_rows(const mloda_table *t);
MLODA_API int64_t mloda_table_n_columns(const mloda_table *t);
/** Name of column i (borrowed), NULL when out of range. */
MLODA_API const char *mloda_table_column_name(const mloda_table *t, int64_t i);
/** Column i (borrowed: retain it to keep it beyond the table), NULL when out of range. */
MLODA_API const mloda_column *mloda_table_column(const mloda_table *t, int64_t i);
/** Index of the column called name, or -1. */
MLODA_API int64_t mloda_table_column_index(const mloda_table *t, const char *name);
/** For result tables: the name of the feature group that computed the table; "" for
 *  tables the user built. Borrowed. */
MLODA_API const char *mloda_table_group_name(const mloda_table *t);
/** A new reference to a borrowed table; returns t. NULL is fine. Thread-safe. */
MLODA_API mloda_table *mloda_table_retain(const mloda_table *t);
/** Drops an owned reference; the last one frees the table. NULL is fine. Thread-safe. */
MLODA_API void mloda_table_release(mloda_table *t);

/* ---------------------------------------------------------------- Arrow C Data Interface */

/**
 * Exports a column as an Arrow array + schema (zero-copy; the export holds a reference).
 * name  field name written into the schema; may be NULL ("").
 * Both structs are filled on success and must be released by the consumer; on failure
 * they are left released (release == NULL).
 * Formats: int64 "l", float64 "g", bool "b", utf8 "u", timestamp "tss:"/"tsm:"/"tsu:"/"tsn:",
 * fixed-size list "+w:N" with one float64 child "g", null "n" (no buffers; null_count =
 * length).
 */
MLODA_API mloda_status mloda_column_export(const mloda_column *col, const char *name,
                                           struct ArrowArray *out_array,
                                           struct ArrowSchema *out_schema, mloda_error *err);
/**
 * Imports an Arrow array (the formats mloda_column_export writes, plus int32 "i" and
 * float32 "f", widened; null "n" becomes MLODA_TYPE_NULL). Takes ownership of *array (its release is set to NULL; the
 * producer's release runs once, after the last column using it is released). The schema
 * is only read (the caller still releases it). Sliced arrays (offset != 0) are supported.
 * On failure *array is released (ownership was taken all the same).
 * Errors: MLODA_ERR_TYPE for an unsupported format (naming it), MLODA_ERR_PARSE for
 * inconsistent structs (buffer count, negative length, bad utf8 offsets).
 */
MLODA_API mloda_status mloda_column_import(struct ArrowArray *array,
                                           const struct ArrowSchema *schema, mloda_column **out,
                                           mloda_error *err);
/** Exports a table as a struct array ("+s") whose children are its columns. */
MLODA_API mloda_status mloda_table_export(const mloda_table *t, struct ArrowArray *out_array,
                                          struct ArrowSchema *out_schema, mloda_error *err);
/** Imports a struct array ("+s") as a table; ownership of *array as mloda_column_import. */
MLODA_API mloda_status mloda_table_import(struct ArrowArray *array,
                                          const struct ArrowSchema *schema, mloda_table **out,
                                          mloda_error *err);

/**
 * Exports n_tables tables that share one schema (same column names and types, e.g. one result
 * table per micro-batch) as an Arrow C stream of struct arrays. Each table is retained
 * until the stream is released. n_tables >= 1 is required so that the
 * schema is known.
 * Errors: MLODA_ERR_SCHEMA when the tables' schemas differ (naming the first difference).
 */
MLODA_API mloda_status mloda_table_export_stream(int64_t n_tables,
                                                 const mloda_table *const *tables,
                                                 struct ArrowArrayStream *out,
                                                 mloda_error *err);

/* ---------------------------------------------------------------- api_data */

/** New empty api_data (named input tables). NULL when out of memory. */
MLODA_API mloda_api_data *mloda_api_data_new(void);
MLODA_API void mloda_api_data_free(mloda_api_data *a);
/**
 * Adds a table under a name (table retained, name copied).
 * Errors: MLODA_ERR_DUPLICATE when the name is taken, MLODA_ERR_INVALID_ARG, MLODA_ERR_NOMEM.
 */
MLODA_API mloda_status mloda_api_data_add(mloda_api_data *a, const char *table_name,
                                          const mloda_table *table, mloda_error *err);
/**
 * Builds a table from columns and adds it (see mloda_table_new; n_rows is taken from the
 * first column, 0 for none). Errors name table_name and the columns concerned, e.g.
 * "table 'T': column 'units' has 2 rows but column 'price' has 3".
 */
MLODA_API mloda_status mloda_api_data_add_columns(mloda_api_data *a, const char *table_name,
                                                  int64_t n_columns, const char *const *names,
                                                  const mloda_column *const *columns,
                                                  mloda_error *err);
MLODA_API int64_t mloda_api_data_n_tables(const mloda_api_data *a);
MLODA_API const char *mloda_api_data_table_name(const mloda_api_data *a, int64_t i);
MLODA_API const mloda_table *mloda_api_data_table(const mloda_api_data *a, int64_t i);
/** Index of the table called name, or -1. */
MLODA_API int64_t mloda_api_data_table_index(const mloda_api_data *a, const char *table_name);

#ifdef __cplusplus
}
#endif

#endif /* MLODA_TABLE_H */
