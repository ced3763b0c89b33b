/*
 * fill.h: constant ("broadcast") output columns, shared by every family that repeats one
 * value per row (aggregations, SPEC.md §4: "broadcast to every row"). is_null gives a
 * column whose rows are all null.
 */
#ifndef MLODA_GROUPS_FILL_H
#define MLODA_GROUPS_FILL_H

#include "mloda/mloda.h"

mloda_status mloda_fill_float64(int64_t n, double v, bool is_null, mloda_column **out, mloda_error *err);
/** INT64 or TIMESTAMP (unit used for TIMESTAMP only). */
mloda_status mloda_fill_int64(mloda_type type, mloda_time_unit unit, int64_t n, int64_t v, bool is_null,
                        mloda_column **out, mloda_error *err);
mloda_status mloda_fill_bool(int64_t n, bool v, bool is_null, mloda_column **out, mloda_error *err);
mloda_status mloda_fill_utf8(int64_t n, const char *s, int64_t len, bool is_null, mloda_column **out,
                       mloda_error *err);

#endif /* MLODA_GROUPS_FILL_H */
