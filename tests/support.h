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
#include "util/alloc.h"

#define N_OF(a) ((int64_t)(sizeof(a) / sizeof((a)[0])))

/*
 * Nulls in the float64 test arrays are given by a validity mask beside the values (one
 * uint8_t per row, 0 = null, as mloda_column_from_float64 takes it), never by a special
 * value. The values array holds NULL_SLOT in a null row: filler that means nothing by
 * itself, a NaN (a null slot may hold NaN, STYLE.md §13, so a kernel that reads one shows)
 * with a payload of its own, so that the helpers can refuse it in a row the mask calls
 * valid: a forgotten or mistyped mask fails loudly instead of passing NaN as data.
 */
#define NULL_SLOT __builtin_nan("0x6d6c6f6461")

static inline bool is_null_slot(double x)
{
    const double filler = NULL_SLOT;
    uint64_t a, b;
    memcpy(&a, &x, sizeof a);
    memcpy(&b, &filler, sizeof b);
    return a == b;
}

/* A float64 column; row i is null where valid[i] == 0 (valid NULL: every row valid). */
static inline mloda_column *col_f64_valid(const double *v, const uint8_t *valid, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        CHECK_MSG(!is_null_slot(v[i]) || (valid != NULL && !valid[i]),
                  "col_f64: row %lld holds NULL_SLOT but its mask says valid", (long long)i);
    mloda_column *c = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    if (mloda_column_from_float64(n, v, valid, &c, &err) != MLODA_OK)
        fprintf(stderr, "col_f64: %s\n", err.message);
    return c;
}

/* A float64 column, every row valid. */
static inline mloda_column *col_f64(const double *v, int64_t n)
{
    return col_f64_valid(v, NULL, n);
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

/* One-table, one-column api_data; row i is null where valid[i] == 0 (NULL: all valid). */
static inline mloda_api_data *api_one_f64_valid(const char *table, const char *col,
                                                const double *v, const uint8_t *valid,
                                                int64_t n)
{
    mloda_api_data *api = mloda_api_data_new();
    mloda_column *c = col_f64_valid(v, valid, n);
    api_add(api, table, 1, &col, &c);
    return api;
}

/* One-table, one-column api_data, every row valid. */
static inline mloda_api_data *api_one_f64(const char *table, const char *col, const double *v,
                                          int64_t n)
{
    return api_one_f64_valid(table, col, v, NULL, n);
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

/* mloda_run_all of req on api with its n-th allocation failing, for n = 0, 1, ... until a
 * run makes no more: each failing run must give MLODA_ERR_NOMEM and no results (ASan
 * checks nothing leaks), the last one must succeed. Returns how many allocations were
 * walked (-1: the walk did not finish). Set the request to one thread first, so that the
 * n-th allocation is the same one on every run. */
static inline long walk_run_all_allocations(const mloda_registry *reg, const mloda_request *req,
                                            const mloda_api_data *api)
{
    for (long n = 0; n < 100000; n++) {
        TEST_CASE("fail allocation %ld", n);
        mloda_results *res = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        mloda_test_fail_alloc_at(n);
        const mloda_status st = mloda_run_all(reg, req, api, &res, &err);
        const bool injected = mloda_test_alloc_failed();
        mloda_test_fail_alloc_at(-1);
        mloda_results_free(res);
        if (!injected) {
            CHECK_OK(st, err);
            return n;
        }
        CHECK_EQ_INT(st, MLODA_ERR_NOMEM);
        CHECK(res == NULL);
    }
    return -1;
}

#endif /* MLODA_TEST_SUPPORT_H */
