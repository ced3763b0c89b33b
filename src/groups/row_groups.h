/*
 * row_groups.h: dense ids for rows by the values of one or more key columns, found by
 * hashing (the column is never sorted; only distinct values are, when a family needs
 * them in order). Shared by imputation (group_by_features, the mode) and encoding
 * (categories).
 *
 * Key equality follows pandas: int64 and timestamp by value, float64 by value with
 * -0.0 == 0.0, bool, utf8 bytewise. A missing value (null, or NaN in a float64 column,
 * which pandas treats as missing) equals only another missing value, so missing keys form
 * a group of their own, unless skip_missing asks to leave such rows out (id -1).
 * FLOAT64_LIST keys are not supported (MLODA_ERR_TYPE).
 */
#ifndef MLODA_GROUPS_ROW_GROUPS_H
#define MLODA_GROUPS_ROW_GROUPS_H

#include "mloda/mloda.h"

typedef struct row_groups {
    int64_t n_rows;
    int64_t n_groups;
    int64_t *id;    /* owned, n_rows: group of each row, 0.. in order of first appearance;
                       -1 for a row left out (skip_missing) */
    int64_t *first; /* owned, n_groups: first row of each group (its representative) */
    int64_t *size;  /* owned, n_groups: rows in each group */
} row_groups;

/**
 * Groups the n_rows rows of keys[0..n_keys) (all of that length) by equal key values.
 * skip_missing: rows with a missing value in any key get id -1 and no group.
 * n_keys == 0 puts every row into one group (none when n_rows == 0).
 * Errors: MLODA_ERR_TYPE for a FLOAT64_LIST key, MLODA_ERR_RANGE for an absurd row count,
 * MLODA_ERR_NOMEM. out is reset on failure.
 */
mloda_status mloda_row_groups_build(const mloda_column *const *keys, int64_t n_keys, int64_t n_rows,
                              bool skip_missing, row_groups *out, mloda_error *err);
/** Frees the arrays; the struct can be built again. */
void mloda_row_groups_reset(row_groups *g);

/** true when row r of col is null, or NaN in a FLOAT64 column. */
bool mloda_row_is_missing(const mloda_column *col, int64_t r);

/**
 * Order of two non-missing rows of one column: numbers numerically, false < true, utf8
 * bytewise (which is code point order, Python's str order). <0, 0, >0.
 */
int mloda_row_value_cmp(const mloda_column *col, int64_t a, int64_t b);

/** Sorts rows[0..n) ascending by their values in col (rows must not be missing); stable. */
mloda_status mloda_rows_sort_by_value(const mloda_column *col, int64_t *rows, int64_t n,
                                mloda_error *err);

#endif /* MLODA_GROUPS_ROW_GROUPS_H */
