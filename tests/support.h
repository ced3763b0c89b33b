/*
 * support.h: helpers shared by the engine tests: building api_data from C arrays,
 * finding result columns by name, and reading values for assertions.
 */
#ifndef MLODA_TEST_SUPPORT_H
#define MLODA_TEST_SUPPORT_H

#include <stdlib.h>
#include <string.h>

#include "mloda/mloda.h"
#include "test.h"

#define NULLV (-1e308) /* marks a null in the f64 test arrays */
#define N_OF(a) ((int64_t)(sizeof(a) / sizeof((a)[0])))

/* A float64 column from values where NULLV marks a null. */
static inline mloda_column *col_f64(const double *v, int64_t n)
{
    uint8_t *valid = malloc((size_t)(n > 0 ? n : 1));
    for (int64_t i = 0; i < n; i++)
        valid[i] = v[i] != NULLV;
    mloda_column *c = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    if (mloda_column_from_float64(n, v, valid, &c, &err) != MLODA_OK)
        fprintf(stderr, "col_f64: %s\n", err.message);
    free(valid);
    return c;
}

static inline mloda_column *col_i64(const int64_t *v, const uint8_t *valid, int64_t n)
{
    mloda_column *c = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    if (mloda_column_from_int64(n, v, valid, &c, &err) != MLODA_OK)
        fprintf(stderr, "col_i64: %s\n", err.message);
    return c;
}

static inline mloda_column *col_str(const char *const *v, int64_t n)
{
    mloda_column *c = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    if (mloda_column_from_utf8(n, v, &c, &err) != MLODA_OK)
        fprintf(stderr, "col_str: %s\n", err.message);
    return c;
}

/* Adds table `table` with the given columns to api (consumes the column references). */
static inline void api_add(mloda_api_data *api, const char *table, int64_t n,
                           const char *const *names, mloda_column **cols)
{
    mloda_error err = MLODA_ERROR_INIT;
    if (mloda_api_data_add_columns(api, table, n, names, (const mloda_column *const *)cols,
                                   &err) != MLODA_OK)
        fprintf(stderr, "api_add: %s\n", err.message);
    for (int64_t i = 0; i < n; i++)
        mloda_column_release(cols[i]);
}

/* One-table, one-column api_data. */
static inline mloda_api_data *api_one_f64(const char *table, const char *col, const double *v,
                                          int64_t n)
{
    mloda_api_data *api = mloda_api_data_new();
    mloda_column *c = col_f64(v, n);
    api_add(api, table, 1, &col, &c);
    return api;
}

static inline mloda_request *request_of(const char *const *features, int64_t n)
{
    mloda_request *req = mloda_request_new();
    for (int64_t i = 0; i < n; i++)
        (void)mloda_request_add(req, features[i], NULL, NULL);
    return req;
}

/* The column called name in any result table (borrowed), or NULL. */
static inline const mloda_column *result_column(const mloda_results *res, const char *name)
{
    for (int64_t t = 0; t < mloda_results_n_tables(res); t++) {
        const mloda_table *tab = mloda_results_table(res, t);
        int64_t c = mloda_table_column_index(tab, name);
        if (c >= 0)
            return mloda_table_column(tab, c);
    }
    return NULL;
}

/* Row i of a numeric column as a double (NaN for null). */
static inline double num_at(const mloda_column *c, int64_t i)
{
    if (c == NULL || !mloda_column_is_valid(c, i))
        return NAN;
    if (mloda_column_float64(c) != NULL)
        return mloda_column_float64(c)[i];
    if (mloda_column_int64(c) != NULL)
        return (double)mloda_column_int64(c)[i];
    return mloda_column_bool_at(c, i) ? 1.0 : 0.0;
}

#endif /* MLODA_TEST_SUPPORT_H */
