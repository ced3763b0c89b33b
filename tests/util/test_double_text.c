/*
 * test_double_text.c: util/double_text.c against Python's repr (values worked out with
 * CPython, table below) and against glibc's printf/strtod (double_ref.h) on edge cases
 * and a random sample. The sample is 300,000 values here (MLODA_DOUBLE_SAMPLE=N for more);
 * bench/bench_numbers.c runs 10^7 in a release build.
 */
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "test.h"
#include "util/double_ref.h"
#include "util/double_text.h"

/* repr() in CPython 3.11 */
static void test_python_repr(void)
{
    static const struct {
        double v;
        const char *text;
    } cases[] = {
        {100.0, "100.0"},
        {0.1, "0.1"},
        {0.30000000000000004, "0.30000000000000004"},
        {1e21, "1e+21"},
        {1.5e-7, "1.5e-07"},
        {-2.5, "-2.5"},
        {0.0, "0.0"},
        {-0.0, "-0.0"},
        {1e16, "1e+16"},
        {9999999999999998.0, "9999999999999998.0"},
        {123456789012345.0, "123456789012345.0"},
        {1234567890123456.0, "1234567890123456.0"},
        {12345678901234567.0, "1.2345678901234568e+16"},
        {0.0001, "0.0001"},
        {0.00001, "1e-05"},
        {0.000123456, "0.000123456"},
        {NAN, "null"},
        {INFINITY, "null"},
        {-INFINITY, "null"},
        {2.3333333333333335, "2.3333333333333335"},
        {5e-324, "5e-324"},
        {2.2250738585072014e-308, "2.2250738585072014e-308"},
        {2.225073858507201e-308, "2.225073858507201e-308"},
        {1.7976931348623157e308, "1.7976931348623157e+308"},
        {9007199254740993.0, "9007199254740992.0"},
        {1e22, "1e+22"},
        {1e23, "1e+23"},
        {5e-5, "5e-05"},
        {123.456, "123.456"},
        {1.0 / 3.0, "0.3333333333333333"},
        {2.0 / 3.0, "0.6666666666666666"},
        {134.364244, "134.364244"},
        {-1e100, "-1e+100"},
        {1.2e-100, "1.2e-100"},
        {4.35e-5, "4.35e-05"},
        {299792458.0, "299792458.0"},
        {0.5, "0.5"},
        {1.0, "1.0"},
        {-1.0, "-1.0"},
        {8.41e21, "8.41e+21"},
        {9.007199254740992e15, "9007199254740992.0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%a", cases[i].v);
        char out[MLODA_DOUBLE_TEXT_MAX];
        const size_t n = mloda_double_text(cases[i].v, out);
        CHECK_STR(out, cases[i].text);
        CHECK_EQ_INT(n, strlen(cases[i].text));
    }
}

/* Every power of two and ten, both neighbours of each, the subnormal range's ends. */
static void test_edges_against_printf(void)
{
    int lopsided = 0, checked = 0;
    const char *why = NULL;
    for (int e = -1074; e <= 1023; e++) {
        const double p = ldexp(1.0, e);
        const double around[3] = {nextafter(p, 0), p, nextafter(p, INFINITY)};
        for (int k = 0; k < 3; k++, checked++)
            if ((why = double_ref_check(around[k], &lopsided)) != NULL)
                CHECK_MSG(why == NULL, "%s", why);
    }
    for (int e = -323; e <= 308; e++) {
        char text[16];
        (void)snprintf(text, sizeof text, "1e%d", e);
        const double p = strtod(text, NULL);
        const double around[3] = {nextafter(p, 0), p, nextafter(p, INFINITY)};
        for (int k = 0; k < 3; k++, checked++)
            if ((why = double_ref_check(around[k], &lopsided)) != NULL)
                CHECK_MSG(why == NULL, "%s", why);
    }
    const double extremes[] = {DBL_MIN, nextafter(DBL_MIN, 0), DBL_MAX, DBL_TRUE_MIN,
                               2 * DBL_TRUE_MIN, 3 * DBL_TRUE_MIN, 0x1.fffffffffffffp-1022};
    for (size_t i = 0; i < sizeof extremes / sizeof extremes[0]; i++, checked++) {
        if ((why = double_ref_check(extremes[i], &lopsided)) != NULL)
            CHECK_MSG(why == NULL, "%s", why);
        if ((why = double_ref_check(-extremes[i], &lopsided)) != NULL)
            CHECK_MSG(why == NULL, "%s", why);
    }
    printf("     %d edge values, %d shorter than printf's rounding where the interval is "
           "lopsided\n", checked, lopsided);
}

static long sample_size(void)
{
    const char *env = getenv("MLODA_DOUBLE_SAMPLE");
    const long n = env != NULL ? atol(env) : 0;
    return n > 0 ? n : 300000;
}

static void test_random_against_printf(void)
{
    uint64_t seed = 0x9E3779B97F4A7C15ULL;
    const long n = sample_size();
    int lopsided = 0, failures = 0;
    for (long i = 0; i < n && failures < 20; i++) {
        const double v = ref_sample(&seed, (uint64_t)i);
        const char *why = double_ref_check(v, &lopsided);
        if (why != NULL) {
            failures++;
            CHECK_MSG(why == NULL, "%s", why);
        }
    }
    printf("     %ld random values, %d lopsided\n", n, lopsided);
}

/* Values read from text with a few decimals take a shortcut when printed (up to 6
 * decimals below 10^9): 0 to 9 decimals, magnitudes 10^-9 to 10^16, both signs, the
 * borders of the shortcut (10^9, 10^-6, 15 and 16 significant digits), against printf. */
static void test_few_decimals_against_printf(void)
{
    uint64_t seed = 0x2545F4914F6CDD1DULL;
    int lopsided = 0, failures = 0;
    long checked = 0;
    static const double pow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
                                   1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16};
    for (long i = 0; i < sample_size() && failures < 20; i++) {
        const uint64_t r = ref_rand(&seed);
        const int decimals = (int)(r % 10), digits = 1 + (int)((r >> 8) % 16);
        const double m = (double)((r >> 16) % (uint64_t)pow10[digits]);
        double v = m / pow10[decimals]; /* the double nearest m * 10^-decimals */
        v = (r >> 63) ? -v : v;
        const char *why = double_ref_check(v, &lopsided);
        checked++;
        if (why != NULL) {
            failures++;
            CHECK_MSG(why == NULL, "%s", why);
        }
    }
    const double borders[] = {999999999.999999, 1e9, 1e9 - 1e-6, 123456789.123456,
                              0.000001, 0.0000015, 0.000001234567, 1e-7, 0.1, 0.3,
                              0.30000000000000004, 999999999.9999995, 100000000.5,
                              4503599627.370496, 0.0001, 0.00009, 1.0, 5.0, 123.0};
    for (size_t i = 0; i < sizeof borders / sizeof borders[0]; i++, checked++) {
        const char *why = double_ref_check(borders[i], &lopsided);
        CHECK_MSG(why == NULL, "%s", why);
        why = double_ref_check(-borders[i], &lopsided);
        CHECK_MSG(why == NULL, "%s", why);
    }
    printf("     %ld few-decimal values, %d lopsided\n", checked, lopsided);
}

static void test_parse_cases(void)
{
    static const char *const texts[] = {
        "0", "-0", "0.0", "1", "-1", "1.5", "123.456", "134.364244", "0.1", "0.30000000000000004",
        "1e308", "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308",
        "2e308", "1e-324", "2.4703282292062327e-324", "2.4703282292062328e-324", "5e-324",
        "4.9406564584124654e-324", "2.2250738585072011e-308", "2.2250738585072012e-308",
        "2.2250738585072014e-308", "9007199254740993", "9007199254740995", "9007199254740993.0",
        "90071992547409930e-1", "1e23", "8.41e21", "1e-400", "1e400", "0e999999", "1E5", "1e+5",
        "123456789012345678901234567890", "0.000000000000000000000000000000001",
        "1.00000000000000011102230246251565404236316680908203125",
        "1.00000000000000011102230246251565404236316680908203124",
        "1.00000000000000011102230246251565404236316680908203126",
        "7.2057594037927933e16", "3.0540412e5", "-123e-20", "18446744073709551615",
        "18446744073709551616", "9999999999999999999", "0.000001", "4.35e-05", "+2.5",
        "1.", ".5", "00012", "1e0000000000000000000000000001",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        TEST_CASE("%s", texts[i]);
        const char *why = double_ref_parse_check(texts[i]);
        CHECK_MSG(why == NULL, "%s", why);
    }
    static const char *const bad[] = {"", "-", "+", "e5", "1e", "1e+", "1.2.3", "1x", "--1",
                                      "0x10", "nan", "inf", " 1", "1 ", ".", "-.e1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        TEST_CASE("bad %s", bad[i]);
        double d = 42;
        CHECK(mloda_double_parse(bad[i], strlen(bad[i]), &d) == MLODA_DOUBLE_PARSE_SYNTAX);
        CHECK(d == 42);
    }
    /* no NUL needed: the length bounds the text */
    double d = 0;
    CHECK(mloda_double_parse("12.5e1xyz", 6, &d) == MLODA_DOUBLE_PARSE_OK && d == 125.0);
}

static void test_parse_random_against_strtod(void)
{
    uint64_t seed = 0xD1B54A32D192ED03ULL;
    const long n = sample_size();
    int failures = 0;
    char text[64];
    for (long i = 0; i < n && failures < 20; i++) {
        ref_parse_sample(&seed, (uint64_t)i, text, sizeof text);
        const char *why = double_ref_parse_check(text);
        if (why != NULL) {
            failures++;
            CHECK_MSG(why == NULL, "%s", why);
        }
    }
    /* every power of ten the parser's table covers and beyond, with 1 to 19 digits */
    for (int e = -360; e <= 330 && failures < 20; e++) {
        for (int nd = 1; nd <= 19; nd += 6) {
            (void)snprintf(text, sizeof text, "%.*se%d", nd, "9999999999999999999", e);
            const char *why = double_ref_parse_check(text);
            if (why != NULL) {
                failures++;
                CHECK_MSG(why == NULL, "%s", why);
            }
        }
    }
}

/* Text -> double -> text -> double is the identity on the sample. */
static void test_round_trip(void)
{
    uint64_t seed = 42;
    int failures = 0;
    for (long i = 0; i < 100000 && failures < 10; i++) {
        const double v = ref_sample(&seed, (uint64_t)i);
        if (!isfinite(v))
            continue;
        char out[MLODA_DOUBLE_TEXT_MAX];
        const size_t n = mloda_double_text(v, out);
        double back = 0;
        const bool ok = mloda_double_parse(out, n, &back) == MLODA_DOUBLE_PARSE_OK &&
                        memcmp(&back, &v, sizeof v) == 0;
        if (!ok)
            failures++;
        CHECK_MSG(ok, "%a -> %s -> %a", v, out, back);
    }
}

int main(void)
{
    RUN(test_python_repr);
    RUN(test_edges_against_printf);
    RUN(test_random_against_printf);
    RUN(test_few_decimals_against_printf);
    RUN(test_parse_cases);
    RUN(test_parse_random_against_strtod);
    RUN(test_round_trip);
    return TEST_SUMMARY();
}
