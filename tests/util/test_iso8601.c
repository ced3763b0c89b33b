/*
 * test_iso8601.c: every way an ISO 8601 text can be malformed is refused
 * (src/util/iso8601.c), and the formatter writes fractions trimmed and cut to the buffer.
 * Expected microsecond values are worked out by hand from the Unix epoch.
 */
#include <string.h>

#include "test.h"
#include "util/iso8601.h"

static void test_parse_edges(void)
{
    static const struct {
        const char *text;
        bool ok;
        int64_t micros;
    } cases[] = {
        {"1970-01-01", true, 0},
        {"1970-01-01T00:00", true, 0},
        {"1970-01-01 00:01", true, 60000000},
        {"1970-01-01T00:00:01,5", true, 1500000}, /* a comma before the fraction */
        {"1970-01-01T00:00:00.000001", true, 1},
        {"1970-01-01T00:00:00.123456789", true, 123456},
        {"1970-01-01T00:00:00.1234567890", false, 0}, /* ten fraction digits */
        {"1970-01-01T00:00:00.", false, 0},
        {"1970-01-01T01:00:00+01", false, 0},         /* the minutes of the zone */
        {"1970-01-01T01:00:00+0100", true, 0},
        {"1970-01-01T01:00:00+01:00", true, 0},
        {"1969-12-31T23:00:00-01:00", true, 0},
        {"1970-01-01T00:00:00+24:00", false, 0},
        {"1970-01-01T00:00:00+01:60", false, 0},
        {"1970-01-01T00:00:00+1:00", false, 0},
        {"1970-01-01T00:00:00X", false, 0},
        {"1970-01-01T00:00:00Zjunk", false, 0},
        {"1970-01-01T00", false, 0},
        {"1970-01-01T0:00", false, 0},
        {"1970-01-01T00-00", false, 0},
        {"1970-01-01T00:0", false, 0},
        {"1970-01-01T24:00", false, 0},
        {"1970-01-01T23:60", false, 0},
        {"1970-01-01T23:59:60", false, 0},
        {"1970-01-01T23:59:5", false, 0},
        {"1970-01-01T23:59:", false, 0},
        {"1970-1-01", false, 0},
        {"1970-01-1", false, 0},
        {"1970/01/01", false, 0},
        {"197a-01-01", false, 0},
        {"1970-00-01", false, 0},
        {"1970-01-00", false, 0},
        {"1970-01-32", false, 0},
        {"1900-02-29", false, 0}, /* not a leap year */
        {"2000-02-29", true, 951782400000000},
        {"1970-01-01x", false, 0},
        {"", false, 0},
        {"1970", false, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s", cases[i].text);
        int64_t v = -7;
        CHECK(mloda_iso8601_parse(cases[i].text, strlen(cases[i].text), &v) == cases[i].ok);
        if (cases[i].ok)
            CHECK_EQ_INT(v, cases[i].micros);
    }
    int64_t v = 0;
    CHECK(!mloda_iso8601_parse(NULL, 0, &v));
}

static void test_format_edges(void)
{
    char buf[40];
    CHECK_EQ_INT(mloda_iso8601_format(0, buf, sizeof buf), 19);
    CHECK_STR(buf, "1970-01-01T00:00:00");
    mloda_iso8601_format(1500000, buf, sizeof buf);
    CHECK_STR(buf, "1970-01-01T00:00:01.5");
    mloda_iso8601_format(-1, buf, sizeof buf);
    CHECK_STR(buf, "1969-12-31T23:59:59.999999");
    mloda_iso8601_format(951782400000010, buf, sizeof buf);
    CHECK_STR(buf, "2000-02-29T00:00:00.00001");
    /* a buffer too small for the fraction keeps the seconds */
    char small[22];
    CHECK_EQ_INT(mloda_iso8601_format(1500000, small, sizeof small), 19);
    CHECK_STR(small, "1970-01-01T00:00:01");
    char tiny[8];
    CHECK_EQ_INT(mloda_iso8601_format(0, tiny, sizeof tiny), 7);
    CHECK_STR(tiny, "1970-01");
}

int main(void)
{
    RUN(test_parse_edges);
    RUN(test_format_edges);
    return TEST_SUMMARY();
}
