/*
 * test_io_timestamp.c: ISO 8601 parsing rules of the readers and formatting in every
 * time unit (src/io/timestamp.c).
 */
#include <string.h>

#include "io/io.h"
#include "test.h"

static void test_parse(void)
{
    static const struct {
        const char *text;
        bool date_only_ok;
        bool ok;
        int64_t micros;
    } cases[] = {
        {"1970-01-01T00:00:00", false, true, 0},
        {"2024-01-02T12:30:00", false, true, 1704198600000000},
        {"2024-01-02 12:30", false, true, 1704198600000000},
        {"2024-01-02T12:30:00.5", false, true, 1704198600500000},
        {"2024-01-02T12:30:00.123456789", false, true, 1704198600123456},
        {"2024-01-02T12:30:00Z", false, true, 1704198600000000},
        {"2024-01-02T13:30:00+01:00", false, true, 1704198600000000},
        {"2024-01-02T11:30:00-0100", false, true, 1704198600000000},
        {"1969-12-31T23:59:59", false, true, -1000000},
        {"2024-02-29T00:00:00", false, true, 1709164800000000},
        {"2023-02-29T00:00:00", false, false, 0},
        {"2024-13-01T00:00:00", false, false, 0},
        {"2024-01-02T24:00:00", false, false, 0},
        {"2024-01-02", false, false, 0},
        {"2024-01-02", true, true, 1704153600000000},
        {"2024-01-02T", false, false, 0},
        {"yesterday", true, false, 0},
        {"", true, false, 0},
        {"2024-01-02T12:30:00 ", false, false, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s (date only %d)", cases[i].text, cases[i].date_only_ok);
        int64_t us = -42;
        const bool ok = mloda_io_iso_parse(cases[i].text, strlen(cases[i].text), cases[i].date_only_ok,
                                     &us);
        CHECK(ok == cases[i].ok);
        if (ok && cases[i].ok)
            CHECK_EQ_INT(us, cases[i].micros);
    }
}

static void test_format(void)
{
    static const struct {
        int64_t value;
        mloda_time_unit unit;
        const char *text;
    } cases[] = {
        {0, MLODA_TIME_MICRO, "1970-01-01T00:00:00"},
        {1704198600500000, MLODA_TIME_MICRO, "2024-01-02T12:30:00.500000"},
        {-1, MLODA_TIME_MICRO, "1969-12-31T23:59:59.999999"},
        {1704198600, MLODA_TIME_SECOND, "2024-01-02T12:30:00"},
        {1704198600123, MLODA_TIME_MILLI, "2024-01-02T12:30:00.123"},
        {1704198600000000001, MLODA_TIME_NANO, "2024-01-02T12:30:00.000000001"},
        {253402300799000000, MLODA_TIME_MICRO, "9999-12-31T23:59:59"},
        {-62135596800000000, MLODA_TIME_MICRO, "0001-01-01T00:00:00"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s", cases[i].text);
        char buf[64];
        const size_t n = mloda_io_iso_format(buf, sizeof buf, cases[i].value, cases[i].unit);
        CHECK_STR(buf, cases[i].text);
        CHECK_EQ_INT(n, strlen(cases[i].text));
    }
    /* extremes: no overflow in the arithmetic (UBSan) or the buffer */
    char small[8];
    const size_t n = mloda_io_iso_format(small, sizeof small, INT64_MIN, MLODA_TIME_SECOND);
    CHECK(n < sizeof small && small[n] == '\0');
    for (int unit = MLODA_TIME_SECOND; unit <= MLODA_TIME_NANO; unit++) {
        TEST_CASE("unit %d", unit);
        char buf[64];
        CHECK(mloda_io_iso_format(buf, sizeof buf, INT64_MIN, (mloda_time_unit)unit) > 19);
        CHECK(mloda_io_iso_format(buf, sizeof buf, INT64_MAX, (mloda_time_unit)unit) > 19);
    }
}

static void test_round_trip(void)
{
    for (int64_t us = -100000000000000; us < 100000000000000; us += 7777777777777) {
        TEST_CASE("%lld", (long long)us);
        char buf[64];
        const size_t n = mloda_io_iso_format(buf, sizeof buf, us, MLODA_TIME_MICRO);
        int64_t back = 0;
        CHECK(mloda_io_iso_parse(buf, n, false, &back));
        CHECK_EQ_INT(back, us);
    }
}

int main(void)
{
    RUN(test_parse);
    RUN(test_format);
    RUN(test_round_trip);
    return TEST_SUMMARY();
}
