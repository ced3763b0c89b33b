/* test_builder.c: column builders: appends of every type, type errors, growth, resize and
 * validity fast paths, finish (null counting, consuming on failure), size limits, OOM. */
#include <stdint.h>
#include <string.h>

#include "mloda/table.h"
#include "test.h"
#include "util/alloc.h"

static mloda_column_builder *new_builder(mloda_type type, int32_t list_size)
{
    mloda_error err = MLODA_ERROR_INIT;
    mloda_column_builder *b = NULL;
    CHECK_OK(mloda_column_builder_new(type, list_size, MLODA_TIME_MICRO, &b, &err), err);
    return b;
}

static mloda_column *finish(mloda_column_builder *b)
{
    mloda_error err = MLODA_ERROR_INIT;
    mloda_column *c = NULL;
    CHECK_OK(mloda_column_builder_finish(b, &c, &err), err);
    return c;
}

static void test_new_errors(void)
{
    static const struct {
        mloda_type type;
        int32_t list_size;
        mloda_time_unit unit;
        mloda_status st;
    } cases[] = {
        {MLODA_TYPE_INT64, 0, MLODA_TIME_SECOND, MLODA_OK},
        {MLODA_TYPE_FLOAT64_LIST, 1, MLODA_TIME_SECOND, MLODA_OK},
        {MLODA_TYPE_FLOAT64_LIST, 0, MLODA_TIME_SECOND, MLODA_ERR_INVALID_ARG},
        {MLODA_TYPE_FLOAT64_LIST, -3, MLODA_TIME_SECOND, MLODA_ERR_INVALID_ARG},
        {MLODA_TYPE_INVALID, 0, MLODA_TIME_SECOND, MLODA_ERR_INVALID_ARG},
        {(mloda_type)42, 0, MLODA_TIME_SECOND, MLODA_ERR_INVALID_ARG},
        {MLODA_TYPE_TIMESTAMP, 0, (mloda_time_unit)9, MLODA_ERR_INVALID_ARG},
        {MLODA_TYPE_INT64, 0, (mloda_time_unit)9, MLODA_OK}, /* unit ignored */
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("case %zu", k);
        mloda_error err = MLODA_ERROR_INIT;
        mloda_column_builder *b = NULL;
        mloda_status st =
            mloda_column_builder_new(cases[k].type, cases[k].list_size, cases[k].unit, &b, &err);
        CHECK_EQ_INT(st, cases[k].st);
        CHECK((b != NULL) == (st == MLODA_OK));
        mloda_column_builder_free(b);
    }
    CHECK(mloda_column_builder_new(MLODA_TYPE_INT64, 0, MLODA_TIME_SECOND, NULL, NULL) ==
          MLODA_ERR_INVALID_ARG);
    mloda_column_builder_free(NULL);
}

static void test_append_every_type(void)
{
    mloda_error err = MLODA_ERROR_INIT;
    /* 1000 rows force several growths; every 7th row is null */
    const int64_t n = 1000;
    mloda_column_builder *bi = new_builder(MLODA_TYPE_INT64, 0);
    mloda_column_builder *bt = new_builder(MLODA_TYPE_TIMESTAMP, 0);
    mloda_column_builder *bf = new_builder(MLODA_TYPE_FLOAT64, 0);
    mloda_column_builder *bb = new_builder(MLODA_TYPE_BOOL, 0);
    mloda_column_builder *bs = new_builder(MLODA_TYPE_UTF8, 0);
    mloda_column_builder *bl = new_builder(MLODA_TYPE_FLOAT64_LIST, 3);
    for (int64_t i = 0; i < n; i++) {
        if (i % 7 == 3) {
            mloda_column_builder *all[] = {bi, bt, bf, bb, bs, bl};
            for (int k = 0; k < 6; k++)
                CHECK_OK(mloda_column_builder_append_null(all[k], &err), err);
            continue;
        }
        char text[32];
        int len = snprintf(text, sizeof text, "row %lld", (long long)i);
        const double triple[3] = {(double)i, (double)i + 0.5, -(double)i};
        CHECK_OK(mloda_column_builder_append_int64(bi, i * 3, &err), err);
        CHECK_OK(mloda_column_builder_append_int64(bt, i * 1000, &err), err);
        CHECK_OK(mloda_column_builder_append_float64(bf, (double)i / 4, &err), err);
        CHECK_OK(mloda_column_builder_append_bool(bb, i % 2 == 0, &err), err);
        CHECK_OK(mloda_column_builder_append_utf8(bs, text, len, &err), err);
        CHECK_OK(mloda_column_builder_append_list(bl, triple, &err), err);
    }
    CHECK_EQ_INT(mloda_column_builder_n_rows(bi), n);
    CHECK_EQ_INT(mloda_column_builder_n_rows(bs), n);
    mloda_column *ci = finish(bi), *ct = finish(bt), *cf = finish(bf), *cb = finish(bb),
                 *cs = finish(bs), *cl = finish(bl);
    const int64_t nulls = (n + 3) / 7; /* i % 7 == 3 for i < 1000 */
    mloda_column *cols[] = {ci, ct, cf, cb, cs, cl};
    for (int k = 0; k < 6; k++) {
        TEST_CASE("column %d", k);
        CHECK_EQ_INT(mloda_column_n_rows(cols[k]), n);
        CHECK_EQ_INT(mloda_column_n_nulls(cols[k]), nulls);
    }
    CHECK(mloda_column_time_unit(ct) == MLODA_TIME_MICRO);
    CHECK_EQ_INT(mloda_column_list_size(cl), 3);
    for (int64_t i = 0; i < n; i++) {
        TEST_CASE("row %lld", (long long)i);
        const bool valid = i % 7 != 3;
        CHECK(mloda_column_is_valid(cs, i) == valid);
        if (!valid) {
            CHECK_EQ_INT(mloda_column_int64(ci)[i], 0); /* null slots hold zero */
            continue;
        }
        char text[32];
        int len = snprintf(text, sizeof text, "row %lld", (long long)i);
        int64_t got_len = 0;
        const char *s = mloda_column_utf8_at(cs, i, &got_len);
        CHECK_EQ_INT(mloda_column_int64(ci)[i], i * 3);
        CHECK_EQ_INT(mloda_column_int64(ct)[i], i * 1000);
        CHECK_CLOSE(mloda_column_float64(cf)[i], (double)i / 4);
        CHECK(mloda_column_bool_at(cb, i) == (i % 2 == 0));
        CHECK(got_len == len && s != NULL && memcmp(s, text, (size_t)len) == 0);
        CHECK_CLOSE(mloda_column_float64(cl)[i * 3 + 1], (double)i + 0.5);
        CHECK_CLOSE(mloda_column_float64(cl)[i * 3 + 2], -(double)i);
    }
    for (int k = 0; k < 6; k++)
        mloda_column_release(cols[k]);
}

static void test_type_mismatch(void)
{
    static const double triple[3] = {1, 2, 3};
    static const struct {
        mloda_type type;
        const char *append; /* which append to call */
        const char *expected, *actual;
    } cases[] = {
        {MLODA_TYPE_INT64, "float64", "float64", "int64"},
        {MLODA_TYPE_FLOAT64, "int64", "int64", "float64"},
        {MLODA_TYPE_BOOL, "utf8", "utf8", "bool"},
        {MLODA_TYPE_UTF8, "bool", "bool", "utf8"},
        {MLODA_TYPE_FLOAT64, "list", "float64_list", "float64"},
        {MLODA_TYPE_FLOAT64_LIST, "float64", "float64", "float64_list"},
        {MLODA_TYPE_TIMESTAMP, "float64", "float64", "timestamp"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s builder, append %s", mloda_type_name(cases[k].type), cases[k].append);
        mloda_column_builder *b = new_builder(cases[k].type, 3);
        mloda_error err = MLODA_ERROR_INIT;
        mloda_status st = MLODA_OK;
        if (strcmp(cases[k].append, "float64") == 0)
            st = mloda_column_builder_append_float64(b, 1.0, &err);
        else if (strcmp(cases[k].append, "int64") == 0)
            st = mloda_column_builder_append_int64(b, 1, &err);
        else if (strcmp(cases[k].append, "utf8") == 0)
            st = mloda_column_builder_append_utf8(b, "x", 1, &err);
        else if (strcmp(cases[k].append, "bool") == 0)
            st = mloda_column_builder_append_bool(b, true, &err);
        else
            st = mloda_column_builder_append_list(b, triple, &err);
        CHECK_EQ_INT(st, MLODA_ERR_TYPE);
        CHECK_EQ_INT(err.code, MLODA_ERR_TYPE);
        CHECK_CONTAINS(err.message, cases[k].expected);
        CHECK_CONTAINS(err.message, cases[k].actual);
        CHECK_EQ_INT(mloda_column_builder_n_rows(b), 0); /* nothing appended */
        mloda_column_builder_free(b);
    }
}

static void test_resize(void)
{
    mloda_error err = MLODA_ERROR_INIT;
    /* int64: append two, resize to 100, new rows zero and valid */
    mloda_column_builder *b = new_builder(MLODA_TYPE_INT64, 0);
    CHECK_OK(mloda_column_builder_append_int64(b, 7, &err), err);
    CHECK_OK(mloda_column_builder_append_null(b, &err), err);
    void *vals = NULL;
    CHECK_OK(mloda_column_builder_resize(b, 100, &vals, &err), err);
    int64_t *v = vals;
    CHECK_EQ_INT(v[0], 7);
    for (int i = 2; i < 100; i++)
        CHECK_EQ_INT(v[i], 0);
    v[99] = 99;
    CHECK(mloda_column_builder_resize(b, 50, &vals, &err) == MLODA_ERR_INVALID_ARG);
    CHECK(vals == NULL);
    mloda_column *c = finish(b);
    CHECK_EQ_INT(mloda_column_n_rows(c), 100);
    CHECK_EQ_INT(mloda_column_n_nulls(c), 1);
    CHECK(!mloda_column_is_valid(c, 1));
    CHECK(mloda_column_is_valid(c, 50));
    CHECK_EQ_INT(mloda_column_int64(c)[99], 99);
    mloda_column_release(c);

    /* bool: bit-packed buffer, new rows false */
    b = new_builder(MLODA_TYPE_BOOL, 0);
    CHECK_OK(mloda_column_builder_append_bool(b, true, &err), err);
    CHECK_OK(mloda_column_builder_resize(b, 20, &vals, &err), err);
    uint8_t *bits = vals;
    bits[1] |= 0x04; /* row 10 */
    c = finish(b);
    CHECK(mloda_column_bool_at(c, 0));
    CHECK(!mloda_column_bool_at(c, 1));
    CHECK(mloda_column_bool_at(c, 10));
    CHECK_EQ_INT(mloda_column_n_nulls(c), 0);
    mloda_column_release(c);

    /* list: n * list_size doubles */
    b = new_builder(MLODA_TYPE_FLOAT64_LIST, 2);
    CHECK_OK(mloda_column_builder_resize(b, 3, &vals, &err), err);
    double *d = vals;
    for (int i = 0; i < 6; i++)
        d[i] = i;
    c = finish(b);
    CHECK_CLOSE(mloda_column_float64(c)[5], 5);
    mloda_column_release(c);

    /* utf8 has no fixed width */
    b = new_builder(MLODA_TYPE_UTF8, 0);
    CHECK(mloda_column_builder_resize(b, 3, &vals, &err) == MLODA_ERR_TYPE);
    mloda_column_builder_free(b);

    /* resize to 0 on an empty builder gives a buffer */
    mloda_error_reset(&err);
    b = new_builder(MLODA_TYPE_FLOAT64, 0);
    CHECK_OK(mloda_column_builder_resize(b, 0, &vals, &err), err);
    CHECK(vals != NULL);
    mloda_column_builder_free(b);

    /* overflowing sizes */
    b = new_builder(MLODA_TYPE_FLOAT64_LIST, 1000);
    CHECK(mloda_column_builder_resize(b, INT64_MAX / 8, &vals, &err) == MLODA_ERR_RANGE);
    mloda_column_builder_free(b);
}

static void test_validity_fast_path(void)
{
    mloda_error err = MLODA_ERROR_INIT;
    mloda_column_builder *b = new_builder(MLODA_TYPE_FLOAT64, 0);
    void *vals = NULL;
    CHECK_OK(mloda_column_builder_resize(b, 20, &vals, &err), err);
    uint8_t *bits = NULL;
    CHECK_OK(mloda_column_builder_validity(b, &bits, &err), err);
    for (int i = 0; i < 20; i++) /* created all valid */
        CHECK((bits[i / 8] >> (i % 8)) & 1);
    bits[0] &= (uint8_t)~0x01; /* row 0 null */
    bits[2] &= (uint8_t)~0x08; /* row 19 null */
    CHECK_OK(mloda_column_builder_append_float64(b, 2.5, &err), err); /* row 20 valid */
    CHECK_OK(mloda_column_builder_resize(b, 30, &vals, &err), err);   /* 21..29 valid */
    mloda_column *c = finish(b);
    CHECK_EQ_INT(mloda_column_n_nulls(c), 2);
    CHECK(!mloda_column_is_valid(c, 0));
    CHECK(!mloda_column_is_valid(c, 19));
    CHECK(mloda_column_is_valid(c, 20));
    CHECK(mloda_column_is_valid(c, 29));
    CHECK_CLOSE(mloda_column_float64(c)[20], 2.5);
    mloda_column_release(c);

    /* a validity bitmap left all valid is dropped by finish */
    b = new_builder(MLODA_TYPE_INT64, 0);
    CHECK_OK(mloda_column_builder_append_int64(b, 1, &err), err);
    CHECK_OK(mloda_column_builder_validity(b, &bits, &err), err);
    c = finish(b);
    CHECK_EQ_INT(mloda_column_n_nulls(c), 0);
    CHECK(mloda_column_validity(c) == NULL);
    mloda_column_release(c);

    /* validity on an empty builder, then appends */
    b = new_builder(MLODA_TYPE_UTF8, 0);
    CHECK_OK(mloda_column_builder_validity(b, &bits, &err), err);
    CHECK_OK(mloda_column_builder_append_utf8(b, "ab", 2, &err), err);
    CHECK_OK(mloda_column_builder_append_null(b, &err), err);
    c = finish(b);
    CHECK_EQ_INT(mloda_column_n_nulls(c), 1);
    CHECK(mloda_column_is_valid(c, 0));
    mloda_column_release(c);
}

static void test_reserve_and_utf8_limits(void)
{
    mloda_error err = MLODA_ERROR_INIT;
    mloda_column_builder *b = new_builder(MLODA_TYPE_UTF8, 0);
    CHECK_OK(mloda_column_builder_reserve(b, 10, 100, &err), err);
    CHECK(mloda_column_builder_reserve(b, -1, 0, &err) == MLODA_ERR_INVALID_ARG);
    mloda_error_reset(&err);
    CHECK(mloda_column_builder_reserve(b, 0, (int64_t)INT32_MAX + 1, &err) == MLODA_ERR_RANGE);
    mloda_error_reset(&err);
    CHECK(mloda_column_builder_reserve(b, 0, INT64_MAX, &err) == MLODA_ERR_RANGE);
    mloda_error_reset(&err);
    CHECK(mloda_column_builder_append_utf8(b, "x", (int64_t)INT32_MAX + 1, &err) ==
          MLODA_ERR_RANGE);
    CHECK_CONTAINS(err.message, "int32");
    mloda_error_reset(&err);
    CHECK(mloda_column_builder_append_utf8(b, NULL, 3, &err) == MLODA_ERR_INVALID_ARG);
    mloda_error_reset(&err);
    CHECK(mloda_column_builder_append_utf8(b, "x", -1, &err) == MLODA_ERR_INVALID_ARG);
    mloda_error_reset(&err);
    CHECK_OK(mloda_column_builder_append_utf8(b, NULL, 0, &err), err); /* empty string */
    CHECK_EQ_INT(mloda_column_builder_n_rows(b), 1);
    mloda_column *c = finish(b);
    int64_t len = -1;
    CHECK(mloda_column_utf8_at(c, 0, &len) != NULL);
    CHECK_EQ_INT(len, 0);
    mloda_column_release(c);

    b = new_builder(MLODA_TYPE_INT64, 0);
    CHECK(mloda_column_builder_reserve(b, INT64_MAX, 0, &err) == MLODA_ERR_RANGE);
    mloda_column_builder_free(b);
}

static void test_finish_consumes(void)
{
    mloda_error err = MLODA_ERROR_INIT;
    mloda_column_builder *b = new_builder(MLODA_TYPE_INT64, 0);
    CHECK_OK(mloda_column_builder_append_int64(b, 1, &err), err);
    /* out NULL: an error, and the builder is gone all the same (LSan checks) */
    CHECK(mloda_column_builder_finish(b, NULL, &err) == MLODA_ERR_INVALID_ARG);
    mloda_column *c = (mloda_column *)1;
    CHECK(mloda_column_builder_finish(NULL, &c, NULL) == MLODA_ERR_INVALID_ARG);
    CHECK(c == NULL);

    /* an injected failure in finish still consumes the builder */
    for (long n = 0;; n++) {
        b = new_builder(MLODA_TYPE_BOOL, 0);
        CHECK_OK(mloda_column_builder_append_bool(b, true, &err), err);
        CHECK_OK(mloda_column_builder_append_null(b, &err), err);
        mloda_test_fail_alloc_at(n);
        mloda_error e2 = MLODA_ERROR_INIT;
        c = NULL;
        mloda_status st = mloda_column_builder_finish(b, &c, &e2);
        bool injected = mloda_test_alloc_failed();
        mloda_test_fail_alloc_at(-1);
        TEST_CASE("fail at %ld", n);
        CHECK(st == MLODA_OK || (st == MLODA_ERR_NOMEM && c == NULL));
        mloda_column_release(c);
        if (!injected)
            break;
    }
}

static void test_oom_appends(void)
{
    for (long n = 0;; n++) {
        mloda_test_fail_alloc_at(n);
        mloda_error err = MLODA_ERROR_INIT;
        mloda_column_builder *b = NULL;
        mloda_column *c = NULL;
        mloda_status st = mloda_column_builder_new(MLODA_TYPE_UTF8, 0, MLODA_TIME_SECOND, &b, &err);
        for (int i = 0; i < 40 && st == MLODA_OK; i++)
            st = i % 5 == 0 ? mloda_column_builder_append_null(b, &err)
                            : mloda_column_builder_append_utf8(b, "abcdefgh", 8, &err);
        if (st == MLODA_OK)
            st = mloda_column_builder_finish(b, &c, &err);
        else
            mloda_column_builder_free(b);
        bool injected = mloda_test_alloc_failed();
        mloda_test_fail_alloc_at(-1);
        TEST_CASE("fail at %ld", n);
        CHECK(st == MLODA_OK || (st == MLODA_ERR_NOMEM && err.code == st));
        if (st == MLODA_OK)
            CHECK_EQ_INT(mloda_column_n_nulls(c), 8);
        mloda_column_release(c);
        if (!injected)
            break;
    }
}

int main(void)
{
    RUN(test_new_errors);
    RUN(test_append_every_type);
    RUN(test_type_mismatch);
    RUN(test_resize);
    RUN(test_validity_fast_path);
    RUN(test_reserve_and_utf8_limits);
    RUN(test_finish_consumes);
    RUN(test_oom_appends);
    return TEST_SUMMARY();
}
