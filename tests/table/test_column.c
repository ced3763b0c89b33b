/* test_column.c: mloda_column_from_* for every type, accessors, nulls, empty columns,
 * bool bit packing, utf8 edge cases, reference counting. */
#include <stdint.h>
#include <string.h>

#include "mloda/table.h"
#include "table/table_layer.h"
#include "test.h"
#include "util/alloc.h"

static void test_type_names(void)
{
    static const struct {
        mloda_type type;
        const char *name;
    } cases[] = {
        {MLODA_TYPE_INT64, "int64"},     {MLODA_TYPE_FLOAT64, "float64"},
        {MLODA_TYPE_BOOL, "bool"},       {MLODA_TYPE_UTF8, "utf8"},
        {MLODA_TYPE_TIMESTAMP, "timestamp"}, {MLODA_TYPE_FLOAT64_LIST, "float64_list"},
        {MLODA_TYPE_INVALID, "invalid"}, {(mloda_type)99, "invalid"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("type %d", (int)cases[i].type);
        CHECK_STR(mloda_type_name(cases[i].type), cases[i].name);
    }
}

/* Common checks of length, nulls and validity against a valid-byte array. */
static void check_validity(const mloda_column *c, const uint8_t *valid, int64_t n)
{
    int64_t nulls = 0;
    for (int64_t i = 0; i < n; i++)
        nulls += valid != NULL && valid[i] == 0;
    CHECK_EQ_INT(mloda_column_n_rows(c), n);
    CHECK_EQ_INT(mloda_column_n_nulls(c), nulls);
    CHECK((mloda_column_validity(c) == NULL) == (nulls == 0));
    for (int64_t i = 0; i < n; i++)
        CHECK(mloda_column_is_valid(c, i) == (valid == NULL || valid[i] != 0));
    CHECK(!mloda_column_is_valid(c, -1));
    CHECK(!mloda_column_is_valid(c, n));
    if (mloda_column_validity(c) != NULL)
        CHECK((uintptr_t)mloda_column_validity(c) % 64 == 0);
}

static void test_int64(void)
{
    static const int64_t v[] = {1, -2, INT64_MAX, INT64_MIN, 0, 42, 7, 8, 9};
    static const uint8_t some_null[] = {1, 0, 1, 1, 0, 1, 1, 1, 0};
    static const uint8_t none_null[] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    static const uint8_t all_null[] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
    static const struct {
        const char *label;
        int64_t n;
        const uint8_t *valid;
    } cases[] = {
        {"all valid, NULL valid", 9, NULL}, {"some null", 9, some_null},
        {"valid bytes all 1", 9, none_null}, {"all null", 9, all_null},
        {"empty", 0, NULL},                 {"one row", 1, NULL},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s", cases[k].label);
        mloda_error err = MLODA_ERROR_INIT;
        mloda_column *c = NULL;
        mloda_status st = mloda_column_from_int64(cases[k].n, v, cases[k].valid, &c, &err);
        CHECK_OK(st, err);
        if (c == NULL)
            continue;
        CHECK(mloda_column_type(c) == MLODA_TYPE_INT64);
        check_validity(c, cases[k].valid, cases[k].n);
        const int64_t *got = mloda_column_int64(c);
        CHECK(got != NULL);
        CHECK((uintptr_t)got % 64 == 0);
        for (int64_t i = 0; i < cases[k].n; i++)
            if (cases[k].valid == NULL || cases[k].valid[i])
                CHECK_EQ_INT(got[i], v[i]);
        CHECK(mloda_column_float64(c) == NULL);
        CHECK(mloda_column_bool_bits(c) == NULL);
        CHECK(mloda_column_utf8_offsets(c) == NULL);
        CHECK(mloda_column_utf8_data(c) == NULL);
        CHECK_EQ_INT(mloda_column_list_size(c), 0);
        CHECK(mloda_column_time_unit(c) == MLODA_TIME_SECOND);
        mloda_column_release(c);
    }
}

static void test_float64(void)
{
    const double v[] = {1.5, -0.0, 1e300, NAN, 3.25};
    static const uint8_t valid[] = {1, 1, 0, 1, 1};
    mloda_error err = MLODA_ERROR_INIT;
    mloda_column *c = NULL;
    CHECK_OK(mloda_column_from_float64(5, v, valid, &c, &err), err);
    CHECK(mloda_column_type(c) == MLODA_TYPE_FLOAT64);
    check_validity(c, valid, 5);
    const double *got = mloda_column_float64(c);
    CHECK_CLOSE(got[0], 1.5);
    CHECK_CLOSE(got[1], -0.0);
    CHECK(isnan(got[3])); /* NaN is a value, not a null */
    CHECK_CLOSE(got[4], 3.25);
    CHECK(mloda_column_int64(c) == NULL);
    mloda_column_release(c);
}

static void test_timestamp(void)
{
    static const int64_t v[] = {0, 1700000000000, -5};
    static const mloda_time_unit units[] = {MLODA_TIME_SECOND, MLODA_TIME_MILLI,
                                            MLODA_TIME_MICRO, MLODA_TIME_NANO};
    for (size_t k = 0; k < 4; k++) {
        TEST_CASE("unit %d", (int)units[k]);
        mloda_error err = MLODA_ERROR_INIT;
        mloda_column *c = NULL;
        CHECK_OK(mloda_column_from_timestamp(units[k], 3, v, NULL, &c, &err), err);
        CHECK(mloda_column_type(c) == MLODA_TYPE_TIMESTAMP);
        CHECK(mloda_column_time_unit(c) == units[k]);
        CHECK_EQ_INT(mloda_column_int64(c)[1], 1700000000000);
        CHECK_EQ_INT(mloda_column_int64(c)[2], -5);
        mloda_column_release(c);
    }
    mloda_error err = MLODA_ERROR_INIT;
    mloda_column *c = NULL;
    CHECK(mloda_column_from_timestamp((mloda_time_unit)7, 3, v, NULL, &c, &err) ==
          MLODA_ERR_INVALID_ARG);
    CHECK(c == NULL);
}

static void test_float64_list(void)
{
    static const double v[] = {1, 2, 3, 4, 5, 6};
    static const uint8_t valid[] = {1, 0, 1};
    mloda_error err = MLODA_ERROR_INIT;
    mloda_column *c = NULL;
    CHECK_OK(mloda_column_from_float64_list(2, 3, v, valid, &c, &err), err);
    CHECK(mloda_column_type(c) == MLODA_TYPE_FLOAT64_LIST);
    CHECK_EQ_INT(mloda_column_list_size(c), 2);
    check_validity(c, valid, 3);
    const double *got = mloda_column_float64(c);
    CHECK_CLOSE(got[0], 1);
    CHECK_CLOSE(got[5], 6);
    mloda_column_release(c);

    mloda_error e2 = MLODA_ERROR_INIT;
    CHECK(mloda_column_from_float64_list(0, 3, v, NULL, &c, &e2) == MLODA_ERR_INVALID_ARG);
    CHECK(c == NULL);
}

static void test_bool_packing(void)
{
    /* 19 rows cross two byte boundaries; pattern has both values in each byte */
    bool v[19];
    uint8_t valid[19];
    for (int i = 0; i < 19; i++) {
        v[i] = (i % 3 == 0) || i == 8 || i == 15;
        valid[i] = (uint8_t)(i != 7 && i != 16);
    }
    static const int64_t lengths[] = {0, 1, 7, 8, 9, 16, 17, 19};
    for (size_t k = 0; k < sizeof lengths / sizeof lengths[0]; k++) {
        const int64_t n = lengths[k];
        TEST_CASE("n=%lld", (long long)n);
        mloda_error err = MLODA_ERROR_INIT;
        mloda_column *c = NULL;
        CHECK_OK(mloda_column_from_bool(n, v, valid, &c, &err), err);
        check_validity(c, valid, n);
        const uint8_t *bits = mloda_column_bool_bits(c);
        CHECK(bits != NULL);
        for (int64_t i = 0; i < n; i++) {
            CHECK(((bits[i / 8] >> (i % 8)) & 1) == (v[i] ? 1 : 0)); /* LSB first */
            CHECK(mloda_column_bool_at(c, i) == (v[i] && valid[i]));
        }
        if (n % 8 != 0) /* unused bits of the last byte are zero */
            CHECK((bits[n / 8] >> (n % 8)) == 0);
        CHECK(!mloda_column_bool_at(c, n));
        mloda_column_release(c);
    }
    /* explicit byte values: rows 0 and 9 true over 10 rows */
    bool w[10] = {true, false, false, false, false, false, false, false, false, true};
    mloda_error err = MLODA_ERROR_INIT;
    mloda_column *c = NULL;
    CHECK_OK(mloda_column_from_bool(10, w, NULL, &c, &err), err);
    CHECK_EQ_INT(mloda_column_bool_bits(c)[0], 0x01);
    CHECK_EQ_INT(mloda_column_bool_bits(c)[1], 0x02);
    mloda_column_release(c);
}

static void test_utf8(void)
{
    static const char *const strings[] = {"", "hello", NULL, "gr\303\274\303\237e",
                                          "\xe6\x97\xa5\xe6\x9c\xac", "", NULL, "x"};
    const int64_t n = 8;
    mloda_error err = MLODA_ERROR_INIT;
    mloda_column *c = NULL;
    CHECK_OK(mloda_column_from_utf8(n, strings, &c, &err), err);
    CHECK(mloda_column_type(c) == MLODA_TYPE_UTF8);
    CHECK_EQ_INT(mloda_column_n_nulls(c), 2);
    const int32_t *off = mloda_column_utf8_offsets(c);
    CHECK(off != NULL && mloda_column_utf8_data(c) != NULL);
    CHECK_EQ_INT(off[0], 0);
    for (int64_t i = 0; i < n; i++) {
        TEST_CASE("row %lld", (long long)i);
        int64_t len = -1;
        const char *s = mloda_column_utf8_at(c, i, &len);
        if (strings[i] == NULL) {
            CHECK(s == NULL);
            CHECK(!mloda_column_is_valid(c, i));
            CHECK_EQ_INT(off[i + 1], off[i]); /* a null takes no bytes */
        } else {
            CHECK(s != NULL);
            CHECK_EQ_INT(len, (int64_t)strlen(strings[i]));
            CHECK(s != NULL && memcmp(s, strings[i], (size_t)len) == 0);
        }
    }
    TEST_CASE("totals");
    CHECK_EQ_INT(off[n], 5 + 7 + 6 + 1);
    CHECK(mloda_column_utf8_at(c, n, NULL) == NULL);
    CHECK(mloda_column_utf8_at(c, -1, NULL) == NULL);
    CHECK(mloda_column_int64(c) == NULL);
    mloda_column_release(c);

    /* empty utf8 column still has offsets [0] and data */
    CHECK_OK(mloda_column_from_utf8(0, NULL, &c, &err), err);
    CHECK_EQ_INT(mloda_column_n_rows(c), 0);
    CHECK(mloda_column_utf8_offsets(c) != NULL);
    CHECK_EQ_INT(mloda_column_utf8_offsets(c)[0], 0);
    CHECK(mloda_column_utf8_data(c) != NULL);
    mloda_column_release(c);
}

static void test_empty_every_type(void)
{
    static const mloda_type types[] = {MLODA_TYPE_INT64, MLODA_TYPE_FLOAT64, MLODA_TYPE_BOOL,
                                       MLODA_TYPE_UTF8, MLODA_TYPE_TIMESTAMP,
                                       MLODA_TYPE_FLOAT64_LIST};
    for (size_t k = 0; k < sizeof types / sizeof types[0]; k++) {
        TEST_CASE("%s", mloda_type_name(types[k]));
        mloda_error err = MLODA_ERROR_INIT;
        mloda_column_builder *b = NULL;
        mloda_column *c = NULL;
        CHECK_OK(mloda_column_builder_new(types[k], 3, MLODA_TIME_MILLI, &b, &err), err);
        CHECK_OK(mloda_column_builder_finish(b, &c, &err), err);
        CHECK_EQ_INT(mloda_column_n_rows(c), 0);
        CHECK_EQ_INT(mloda_column_n_nulls(c), 0);
        CHECK(mloda_column_validity(c) == NULL);
        CHECK(mloda_column_type(c) == types[k]);
        mloda_column_release(c);
    }
}

static void test_bad_args(void)
{
    static const int64_t v[] = {1};
    mloda_error err = MLODA_ERROR_INIT;
    mloda_column *c = (mloda_column *)1;
    CHECK(mloda_column_from_int64(-1, v, NULL, &c, &err) == MLODA_ERR_INVALID_ARG);
    CHECK(c == NULL);
    mloda_error_reset(&err);
    CHECK(mloda_column_from_int64(3, NULL, NULL, &c, &err) == MLODA_ERR_INVALID_ARG);
    CHECK(mloda_column_from_int64(1, v, NULL, NULL, NULL) == MLODA_ERR_INVALID_ARG);
    /* huge n: an error, never a short buffer */
    mloda_error_reset(&err);
    CHECK(mloda_column_from_float64_list(4, INT64_MAX / 2, (const double *)v, NULL, &c, &err) ==
          MLODA_ERR_RANGE);
    CHECK(c == NULL);
    /* NULL columns read as empty */
    CHECK(mloda_column_type(NULL) == MLODA_TYPE_INVALID);
    CHECK_EQ_INT(mloda_column_n_rows(NULL), 0);
    CHECK(!mloda_column_is_valid(NULL, 0));
    CHECK(mloda_column_retain(NULL) == NULL);
    mloda_column_release(NULL);
}

static void test_refcount(void)
{
    static const int64_t v[] = {5, 6};
    mloda_error err = MLODA_ERROR_INIT;
    mloda_column *c = NULL;
    CHECK_OK(mloda_column_from_int64(2, v, NULL, &c, &err), err);
    CHECK(mloda_column_retain(c) == c);
    mloda_column_release(c);
    CHECK_EQ_INT(mloda_column_int64(c)[1], 6); /* still alive: one reference left */
    mloda_column_release(c);
}

static void test_oom(void)
{
    static const char *const strings[] = {"a", NULL, "ccc"};
    for (long n = 0;; n++) {
        mloda_test_fail_alloc_at(n);
        mloda_error err = MLODA_ERROR_INIT;
        mloda_column *c = NULL;
        mloda_status st = mloda_column_from_utf8(3, strings, &c, &err);
        bool injected = mloda_test_alloc_failed();
        mloda_test_fail_alloc_at(-1);
        TEST_CASE("fail at %ld", n);
        CHECK(st == MLODA_OK || (st == MLODA_ERR_NOMEM && err.code == st && c == NULL));
        mloda_column_release(c);
        if (!injected)
            break;
    }
}

int main(void)
{
    RUN(test_type_names);
    RUN(test_int64);
    RUN(test_float64);
    RUN(test_timestamp);
    RUN(test_float64_list);
    RUN(test_bool_packing);
    RUN(test_utf8);
    RUN(test_empty_every_type);
    RUN(test_bad_args);
    RUN(test_refcount);
    RUN(test_oom);
    return TEST_SUMMARY();
}
