/* test_util.c: text buffers (JSON strings, Python-style doubles), ISO 8601, name maps. */
#include <math.h>

#include "test.h"
#include "util/iso8601.h"
#include "util/util.h"

static void test_doubles(void)
{
    static const struct {
        double v;
        const char *text;
    } cases[] = {
        {100.0, "100.0"}, {0.1, "0.1"},         {1e21, "1e+21"},      {1.5e-7, "1.5e-07"},
        {-2.5, "-2.5"},   {0.0, "0.0"},         {1e16, "1e+16"},      {123456789012345.0, "123456789012345.0"},
        {NAN, "null"},    {INFINITY, "null"},   {2.3333333333333335, "2.3333333333333335"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%.17g", cases[i].v);
        mloda_buf b = {0};
        CHECK(mloda_buf_double(&b, cases[i].v, NULL) == MLODA_OK);
        CHECK_STR(b.data, cases[i].text);
        mloda_buf_reset(&b);
    }
}

static void test_json_string(void)
{
    mloda_buf b = {0};
    CHECK(mloda_buf_json_string(&b, "a\"b\\c\n\x01", 7, NULL) == MLODA_OK);
    CHECK_STR(b.data, "\"a\\\"b\\\\c\\n\\u0001\"");
    mloda_buf_reset(&b);
}

static void test_iso8601(void)
{
    static const struct {
        const char *text;
        bool ok;
        int64_t us;
    } cases[] = {
        {"1970-01-01T00:00:00", true, 0},
        {"2023-03-01T06:00:00", true, 1677650400000000},
        {"2023-03-01 06:00:00.5", true, 1677650400500000},
        {"2023-03-01T07:00:00+01:00", true, 1677650400000000},
        {"2023-03-01T06:00:00Z", true, 1677650400000000},
        {"2024-02-29", true, 1709164800000000},
        {"2023-02-29", false, 0},
        {"2023-13-01", false, 0},
        {"2023-03-01T25:00", false, 0},
        {"yesterday", false, 0},
        {"2023-03-01T06:00:00 trailing", false, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s", cases[i].text);
        int64_t us = -1;
        bool ok = mloda_iso8601_parse(cases[i].text, strlen(cases[i].text), &us);
        CHECK(ok == cases[i].ok);
        if (ok)
            CHECK_EQ_INT(us, cases[i].us);
    }
    char buf[40];
    mloda_iso8601_format(1677650400500000, buf, sizeof buf);
    CHECK_STR(buf, "2023-03-01T06:00:00.5");
    mloda_iso8601_format(-1, buf, sizeof buf);
    CHECK_STR(buf, "1969-12-31T23:59:59.999999");
}

static void test_strmap(void)
{
    mloda_strmap m = {0};
    char key[16];
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        CHECK(mloda_strmap_put(&m, key, i, NULL) == MLODA_OK);
    }
    int64_t v = -1;
    CHECK(mloda_strmap_get(&m, "k777", &v) && v == 777);
    CHECK(!mloda_strmap_get(&m, "k1000", &v));
    CHECK(mloda_strmap_put(&m, "k5", 50, NULL) == MLODA_OK);
    CHECK(mloda_strmap_get(&m, "k5", &v) && v == 50);
    mloda_strmap_reset(&m);
}

int main(void)
{
    RUN(test_doubles);
    RUN(test_json_string);
    RUN(test_iso8601);
    RUN(test_strmap);
    return TEST_SUMMARY();
}
