/*
 * test.h: a minimal test harness. Each test file defines test functions and a main that
 * calls RUN(fn) for each; a failed CHECK prints the file, line, expression and the
 * current case, and the test continues. main returns TEST_SUMMARY(), which prints
 * "<file>: N passed, N failed" and exits non-zero on any failure.
 * Table-driven tests set the case label with TEST_CASE("...%s", ...).
 */
#ifndef MLODA_TEST_H
#define MLODA_TEST_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int test_passed_;
static int test_failed_;
static int test_cur_failed_;
static char test_case_[256];

#define TEST_CASE(...) (void)snprintf(test_case_, sizeof test_case_, __VA_ARGS__)

#define CHECK(cond)                                                                     \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            test_cur_failed_++;                                                         \
            fprintf(stderr, "  %s:%d: CHECK(%s) failed%s%s\n", __FILE__, __LINE__, #cond, \
                    test_case_[0] ? " in case: " : "", test_case_);                     \
        }                                                                               \
    } while (0)

#define CHECK_MSG(cond, ...)                                                  \
    do {                                                                      \
        if (!(cond)) {                                                        \
            test_cur_failed_++;                                               \
            fprintf(stderr, "  %s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                     \
            fprintf(stderr, "%s%s\n", test_case_[0] ? " in case: " : "", test_case_); \
        }                                                                     \
    } while (0)

#define CHECK_EQ_INT(a, b) \
    CHECK_MSG((long long)(a) == (long long)(b), "%lld != %lld", (long long)(a), (long long)(b))
#define CHECK_STR(a, b) \
    CHECK_MSG(strcmp((a), (b)) == 0, "\"%s\" != \"%s\"", (a), (b))
#define CHECK_CONTAINS(hay, needle) \
    CHECK_MSG(strstr((hay), (needle)) != NULL, "\"%s\" lacks \"%s\"", (hay), (needle))
/* SPEC.md tolerance: |a-b| <= max(1e-12, 1e-9*max(|a|,|b|)). NaN equals NaN here. */
static inline int test_close_(double a, double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b);
    double m = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
    double tol = 1e-9 * m > 1e-12 ? 1e-9 * m : 1e-12;
    return a == b || fabs(a - b) <= tol;
}
#define CHECK_CLOSE(a, b) CHECK_MSG(test_close_((a), (b)), "%.17g != %.17g", (double)(a), (double)(b))
#define CHECK_OK(st, err)                                                                   \
    CHECK_MSG((st) == MLODA_OK, "status %s: %s (%s)", mloda_status_name(st), (err).message, \
              (err).subject)

#define RUN(fn)                                                                   \
    do {                                                                          \
        test_cur_failed_ = 0;                                                     \
        test_case_[0] = '\0';                                                     \
        fn();                                                                     \
        if (test_cur_failed_ == 0) {                                              \
            test_passed_++;                                                       \
            printf("ok   %s\n", #fn);                                             \
        } else {                                                                  \
            test_failed_++;                                                       \
            printf("FAIL %s (%d checks)\n", #fn, test_cur_failed_);               \
        }                                                                         \
        fflush(stdout);                                                           \
    } while (0)

#define TEST_SUMMARY()                                                            \
    (printf("# %s: %d passed, %d failed\n", __FILE__, test_passed_, test_failed_), \
     test_failed_ == 0 ? 0 : 1)

#endif /* MLODA_TEST_H */
