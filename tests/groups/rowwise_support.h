/*
 * rowwise_support.h: helpers for the tests of the row-wise families (imputation, scaling,
 * encoding): running named or option-configured features and comparing whole result
 * columns against expected values (a validity mask marks expected nulls in float64 arrays,
 * NULL in string arrays).
 */
#ifndef MLODA_TEST_ROWWISE_SUPPORT_H
#define MLODA_TEST_ROWWISE_SUPPORT_H

#include <stdarg.h>

#include "support.h"
#include "util/alloc.h"

/* Options from string pairs: opts_str("imputation_method", "mean", "in_features", "x", NULL).
 * in_features and group_by_features given as "a,b" become lists. */
static inline mloda_options *opts_str(const char *key, ...)
{
    mloda_options *o = mloda_options_new();
    va_list ap;
    va_start(ap, key);
    for (const char *k = key; k != NULL; k = va_arg(ap, const char *)) {
        const char *v = va_arg(ap, const char *);
        bool list = strcmp(k, "group_by_features") == 0 ||
                    (strcmp(k, "in_features") == 0 && strchr(v, ',') != NULL);
        if (list) {
            (void)mloda_options_set_list(o, MLODA_CONTEXT, k, NULL);
            char buf[256];
            snprintf(buf, sizeof buf, "%s", v);
            for (char *save = NULL, *p = strtok_r(buf, ",", &save); p != NULL;
                 p = strtok_r(NULL, ",", &save))
                (void)mloda_options_list_append_string(o, k, p, NULL);
        } else {
            (void)mloda_options_set_string(o, MLODA_CONTEXT, k, v, NULL);
        }
    }
    va_end(ap);
    return o;
}

/* Runs names[0..n) (opts[i] may be NULL; opts may be NULL) over api. Frees nothing of the
 * caller's. *res is NULL on failure. */
static inline mloda_status run_named(const mloda_registry *reg, const mloda_api_data *api,
                                     const char *const *names, mloda_options *const *opts,
                                     int64_t n, mloda_results **res, mloda_error *err)
{
    mloda_request *req = mloda_request_new();
    for (int64_t i = 0; i < n; i++)
        (void)mloda_request_add(req, names[i], opts != NULL ? opts[i] : NULL, NULL);
    *res = NULL;
    mloda_status st = mloda_run_all(reg, req, api, res, err);
    mloda_request_free(req);
    return st;
}

/* Expects column `name` to hold want[0..n): null where valid[i] == 0, want[i] elsewhere
 * (valid NULL: no nulls expected). */
static inline void check_f64_col_valid(const mloda_results *res, const char *name,
                                       const double *want, const uint8_t *valid, int64_t n)
{
    const mloda_column *c = result_column(res, name);
    CHECK_MSG(c != NULL, "no column %s", name);
    if (c == NULL)
        return;
    CHECK_MSG(mloda_column_n_rows(c) == n, "%s: %lld rows, want %lld", name,
              (long long)mloda_column_n_rows(c), (long long)n);
    for (int64_t i = 0; i < n && i < mloda_column_n_rows(c); i++) {
        if (valid != NULL && !valid[i]) {
            CHECK_MSG(!mloda_column_is_valid(c, i), "%s[%lld] should be null, is %.17g", name,
                      (long long)i, num_at(c, i));
        } else {
            CHECK_MSG(!is_null_slot(want[i]), "%s: want[%lld] is NULL_SLOT but its mask says "
                      "valid", name, (long long)i);
            CHECK_MSG(mloda_column_is_valid(c, i) && test_close_(num_at(c, i), want[i]),
                      "%s[%lld] = %.17g (valid %d), want %.17g", name, (long long)i,
                      num_at(c, i), (int)mloda_column_is_valid(c, i), want[i]);
        }
    }
}

/* Expects column `name` to hold want[0..n), no nulls (NaN never expected). */
static inline void check_f64_col(const mloda_results *res, const char *name, const double *want,
                                 int64_t n)
{
    check_f64_col_valid(res, name, want, NULL, n);
}

static inline void check_str_col(const mloda_results *res, const char *name,
                                 const char *const *want, int64_t n)
{
    const mloda_column *c = result_column(res, name);
    CHECK_MSG(c != NULL, "no column %s", name);
    if (c == NULL)
        return;
    CHECK_EQ_INT(mloda_column_type(c), MLODA_TYPE_UTF8);
    CHECK_EQ_INT(mloda_column_n_rows(c), n);
    for (int64_t i = 0; i < n && i < mloda_column_n_rows(c); i++) {
        int64_t len = 0;
        const char *s = mloda_column_utf8_at(c, i, &len);
        if (want[i] == NULL)
            CHECK_MSG(s == NULL, "%s[%lld] should be null", name, (long long)i);
        else
            CHECK_MSG(s != NULL && (size_t)len == strlen(want[i]) &&
                          memcmp(s, want[i], (size_t)len) == 0,
                      "%s[%lld] = '%.*s', want '%s'", name, (long long)i, (int)len,
                      s ? s : "(null)", want[i]);
    }
}

static inline mloda_type col_type(const mloda_results *res, const char *name)
{
    const mloda_column *c = result_column(res, name);
    return c == NULL ? MLODA_TYPE_INVALID : mloda_column_type(c);
}

/* Expects the request to fail with code `st`, its message containing every non-NULL word
 * of words[] and (when subject != NULL) that subject. */
static inline void check_fails(const mloda_registry *reg, const mloda_api_data *api,
                               const char *name, mloda_options *opts, mloda_status st,
                               const char *subject, const char *w1, const char *w2)
{
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    mloda_status got = run_named(reg, api, &name, &opts, 1, &res, &err);
    CHECK_MSG(got == st, "%s: status %s (%s), want %s", name, mloda_status_name(got),
              err.message, mloda_status_name(st));
    CHECK(res == NULL);
    if (subject != NULL)
        CHECK_STR(err.subject, subject);
    if (w1 != NULL)
        CHECK_CONTAINS(err.message, w1);
    if (w2 != NULL)
        CHECK_CONTAINS(err.message, w2);
    mloda_results_free(res);
}

/* Fails allocation n = 0, 1, 2, ... of planning and computing the request until a run
 * passes the last one: every failure must surface as MLODA_ERR_NOMEM (leaks: ASan). */
static inline void oom_walk(const mloda_registry *reg, const mloda_api_data *api,
                            const char *const *names, mloda_options *const *opts, int64_t n)
{
    mloda_request *req = mloda_request_new();
    for (int64_t i = 0; i < n; i++)
        (void)mloda_request_add(req, names[i], opts != NULL ? opts[i] : NULL, NULL);
    long k = 0;
    for (;; k++) {
        mloda_results *res = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        mloda_test_fail_alloc_at(k);
        mloda_status st = mloda_run_all(reg, req, api, &res, &err);
        bool injected = mloda_test_alloc_failed();
        mloda_test_fail_alloc_at(-1);
        if (st != MLODA_OK)
            CHECK_MSG(st == MLODA_ERR_NOMEM && err.code == st,
                      "allocation %ld: %s (%s)", k, mloda_status_name(st), err.message);
        mloda_results_free(res);
        if (!injected)
            break;
    }
    CHECK(k > 10);
    mloda_request_free(req);
}

#endif /* MLODA_TEST_ROWWISE_SUPPORT_H */
