/*
 * colops.h: small column operations shared by the families: reading a numeric column as
 * doubles with NaN for missing values, float64 outputs whose NaN results become nulls,
 * and the calculate loop of families whose features are computed one by one. (Gathering
 * rows: mloda_column_take.)
 */
#ifndef MLODA_GROUPS_COLOPS_H
#define MLODA_GROUPS_COLOPS_H

#include "mloda/mloda.h"

/** true when col has a null, or a NaN in a FLOAT64 column (pandas: missing). */
bool mloda_column_has_missing(const mloda_column *col);

/**
 * The values of an INT64, FLOAT64 or BOOL column as doubles, NaN for missing rows.
 * *values is the column's own buffer when it is a FLOAT64 column without nulls (then
 * *owned is NULL); otherwise a new array in *owned (free with mloda_free) that *values
 * points to. Errors: MLODA_ERR_TYPE for other types, MLODA_ERR_NOMEM.
 */
mloda_status mloda_column_as_f64(const mloda_column *col, const double **values, double **owned,
                           mloda_error *err);

/** New FLOAT64 builder of n rows; *values is its writable buffer (unspecified contents). */
mloda_status mloda_f64_out_start(int64_t n, mloda_column_builder **b, double **values,
                           mloda_error *err);
/** Finishes b (consumed) whose buffer is values[0..n): NaN rows become nulls. */
mloda_status mloda_f64_out_finish(mloda_column_builder *b, const double *values, int64_t n,
                            mloda_column **out, mloda_error *err);

/**
 * Checks `value` (what feature i of calc is about to produce: one-hot categories, output
 * cells) against the run's limit (mloda_calc_limit): MLODA_ERR_RANGE naming the feature,
 * both numbers and how to raise the limit when it is exceeded. Call before allocating.
 */
mloda_status mloda_calc_check_limit(const mloda_calc *calc, int64_t i, mloda_limit limit,
                                    int64_t value, mloda_error *err);

/**
 * MLODA_ERR_CANCELLED when the run was cancelled or ran past its batch timeout (the engine
 * then names the feature and the timeout), else MLODA_OK. Long kernels call it every few
 * thousand operations (it reads a flag and, with a timeout, the monotonic clock).
 * calc may be NULL (never stops).
 */
mloda_status mloda_calc_check_stop(const mloda_calc *calc, mloda_error *err);

/** A family's work on feature i of calc: computes it and sets its output. */
typedef mloda_status (*mloda_feature_work)(mloda_calc *calc, int64_t i, mloda_error *err);

/** The calculate callback's body for features computed one by one: work on each feature
 *  of calc in order. The first failure stops; an error without a subject then names its
 *  feature (mloda_error_default_subject). */
mloda_status mloda_each_feature(mloda_calc *calc, mloda_feature_work work, mloda_error *err);

#endif /* MLODA_GROUPS_COLOPS_H */
