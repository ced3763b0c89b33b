/* colops.c: shared column operations (see colops.h), on the public builder API. */
#include "groups/colops.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plan/plan.h"
#include "util/util.h"

mloda_status mloda_calc_check_stop(const mloda_calc *calc, mloda_error *err)
{
    if (calc == NULL || !mloda_calc_is_cancelled(calc))
        return MLODA_OK;
    return mloda_error_set(err, MLODA_ERR_CANCELLED, NULL, "the run was cancelled");
}

mloda_status mloda_calc_check_limit(const mloda_calc *calc, int64_t i, mloda_limit limit,
                                    int64_t value, mloda_error *err)
{
    int64_t max = mloda_calc_limit(calc, limit);
    if (value <= max)
        return MLODA_OK;
    const char *name = mloda_feature_name(mloda_calc_feature(calc, i));
    char what[MLODA_ERROR_SUBJECT_MAX + 16];
    (void)snprintf(what, sizeof what, "feature '%s'", name);
    return mloda_limit_exceeded(limit, max, value, name, what, err);
}

bool mloda_column_has_missing(const mloda_column *col)
{
    if (mloda_column_n_nulls(col) > 0)
        return true;
    if (mloda_column_type(col) != MLODA_TYPE_FLOAT64)
        return false;
    const double *x = mloda_column_float64(col);
    int64_t n = mloda_column_n_rows(col);
    bool nan = false;
    for (int64_t i = 0; i < n; i++)
        nan |= x[i] != x[i];
    return nan;
}

mloda_status mloda_column_as_f64(const mloda_column *col, const double **values, double **owned,
                           mloda_error *err)
{
    *values = NULL;
    *owned = NULL;
    mloda_type t = mloda_column_type(col);
    int64_t n = mloda_column_n_rows(col);
    const uint8_t *valid = mloda_column_validity(col);
    if (t == MLODA_TYPE_FLOAT64 && valid == NULL) {
        *values = mloda_column_float64(col);
        return MLODA_OK;
    }
    if (t != MLODA_TYPE_FLOAT64 && t != MLODA_TYPE_INT64 && t != MLODA_TYPE_BOOL)
        return mloda_error_set(err, MLODA_ERR_TYPE, NULL, "a %s column is not numeric",
                               mloda_type_name(t));
    double *v = mloda_malloc((size_t)(n > 0 ? n : 1) * sizeof *v);
    if (v == NULL)
        return MLODA_NOMEM(err, "a numeric copy of a column");
    if (t == MLODA_TYPE_FLOAT64) {
        memcpy(v, mloda_column_float64(col), (size_t)n * sizeof *v);
    } else if (t == MLODA_TYPE_INT64) {
        const int64_t *restrict x = mloda_column_int64(col);
        for (int64_t i = 0; i < n; i++)
            v[i] = (double)x[i];
    } else {
        const uint8_t *b = mloda_column_bool_bits(col);
        for (int64_t i = 0; i < n; i++)
            v[i] = mloda_bitmap_get(b, i) ? 1.0 : 0.0;
    }
    if (valid != NULL) {
        for (int64_t i = 0; i < n; i++)
            v[i] = mloda_bitmap_get(valid, i) ? v[i] : NAN;
    }
    *values = v;
    *owned = v;
    return MLODA_OK;
}

mloda_status mloda_f64_out_start(int64_t n, mloda_column_builder **b, double **values,
                           mloda_error *err)
{
    *values = NULL;
    MLODA_TRY(mloda_column_builder_new(MLODA_TYPE_FLOAT64, 0, MLODA_TIME_SECOND, b, err));
    void *buf = NULL;
    mloda_status st = mloda_column_builder_resize_uninit(*b, n, &buf, err);
    if (st != MLODA_OK) {
        mloda_column_builder_free(*b);
        *b = NULL;
        return st;
    }
    *values = buf;
    return MLODA_OK;
}

mloda_status mloda_f64_out_finish(mloda_column_builder *b, const double *values, int64_t n,
                            mloda_column **out, mloda_error *err)
{
    bool nan = false;
    for (int64_t i = 0; i < n; i++)
        nan |= values[i] != values[i];
    if (nan) {
        uint8_t *bits = NULL;
        mloda_status st = mloda_column_builder_validity(b, &bits, err);
        if (st != MLODA_OK) {
            mloda_column_builder_free(b);
            return st;
        }
        for (int64_t i = 0; i < n; i++) {
            if (values[i] != values[i])
                mloda_bitmap_set(bits, i, false);
        }
    }
    return mloda_column_builder_finish(b, out, err);
}

mloda_status mloda_each_feature(mloda_calc *calc, mloda_feature_work work, mloda_error *err)
{
    for (int64_t i = 0; i < mloda_calc_n_features(calc); i++) {
        const mloda_status st = work(calc, i, err);
        if (st != MLODA_OK) {
            mloda_error_default_subject(err, mloda_feature_name(mloda_calc_feature(calc, i)));
            return st;
        }
    }
    return MLODA_OK;
}
