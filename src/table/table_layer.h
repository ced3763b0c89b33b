/*
 * table_layer.h: what the table layer offers the layers above (DESIGN.md §2): the public
 * column/table API plus internal helpers that are not part of the public ABI.
 */
#ifndef MLODA_TABLE_TABLE_LAYER_H
#define MLODA_TABLE_TABLE_LAYER_H

#include "mloda/table.h"
#include "table/bitmap.h"

/**
 * Like mloda_table_new, and records `group` (copied; NULL means "") as the name of the
 * feature group that computed the table, returned by mloda_table_group_name. The table is one
 * allocation (struct, column and name arrays, name bytes), so building result tables per
 * batch costs one malloc plus the column references.
 */
mloda_status mloda_table_new_grouped(const char *group, int64_t n_rows, int64_t n_columns,
                                     const char *const *names,
                                     const mloda_column *const *columns, mloda_table **out,
                                     mloda_error *err);

/** mloda_column_take for indices the caller produced and knows to be in range (-1 only
 *  when any_missing): skips the validation pass. */
mloda_status mloda_column_take_trusted(const mloda_column *col, const int64_t *indices, int64_t n,
                                       bool any_missing, mloda_column **out, mloda_error *err);

/** 0, 1, ..., n-1 as an int64 column (row ids). */
mloda_status mloda_column_new_row_ids(int64_t n, mloda_column **out, mloda_error *err);

#endif /* MLODA_TABLE_TABLE_LAYER_H */
