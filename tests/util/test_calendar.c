/* test_calendar.c: days <-> civil dates, weekday, ISO week, leap years, floor division. */
#include "test.h"
#include "util/calendar.h"

static void test_dates(void)
{
    /* expected values from Python's datetime.date (weekday(), isocalendar()[1]) */
    static const struct {
        int64_t y, m, d, days, weekday, iso_week;
    } cases[] = {
        {1970, 1, 1, 0, 3, 1},         {1969, 12, 31, -1, 2, 1},
        {2000, 2, 29, 11016, 1, 9},    {2000, 3, 1, 11017, 2, 9},
        {2024, 2, 29, 19782, 3, 9},    {1600, 1, 1, -135140, 5, 52},
        {1, 1, 1, -719162, 0, 1},      {9999, 12, 31, 2932896, 4, 52},
        {2021, 1, 3, 18630, 6, 53},    {2021, 1, 4, 18631, 0, 1},
        {2008, 12, 29, 14242, 0, 1},   {2020, 12, 31, 18627, 3, 53},
        {1900, 3, 1, -25508, 3, 9},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%04lld-%02lld-%02lld", (long long)cases[i].y, (long long)cases[i].m,
                  (long long)cases[i].d);
        CHECK_EQ_INT(mloda_days_from_civil(cases[i].y, cases[i].m, cases[i].d), cases[i].days);
        int64_t y = 0, m = 0, d = 0;
        mloda_civil_from_days(cases[i].days, &y, &m, &d);
        CHECK_EQ_INT(y, cases[i].y);
        CHECK_EQ_INT(m, cases[i].m);
        CHECK_EQ_INT(d, cases[i].d);
        CHECK_EQ_INT(mloda_weekday(cases[i].days), cases[i].weekday);
        CHECK_EQ_INT(mloda_iso_week(cases[i].days), cases[i].iso_week);
    }
}

static void test_round_trip(void)
{
    /* every day of 1599..2401 (leap centuries and plain ones) maps back to itself */
    int64_t first = mloda_days_from_civil(1599, 1, 1), last = mloda_days_from_civil(2401, 12, 31);
    int64_t prev_weekday = mloda_weekday(first - 1);
    for (int64_t day = first; day <= last; day++) {
        int64_t y = 0, m = 0, d = 0;
        mloda_civil_from_days(day, &y, &m, &d);
        TEST_CASE("day %lld", (long long)day);
        CHECK(m >= 1 && m <= 12 && d >= 1 && d <= mloda_days_in_month(y, m));
        CHECK_EQ_INT(mloda_days_from_civil(y, m, d), day);
        CHECK_EQ_INT(mloda_weekday(day), (prev_weekday + 1) % 7);
        prev_weekday = mloda_weekday(day);
        if (test_cur_failed_ > 0)
            break;
    }
}

static void test_months(void)
{
    static const struct {
        int64_t y, m, days;
        bool leap;
    } cases[] = {
        {2023, 2, 28, false}, {2024, 2, 29, true},  {1900, 2, 28, false}, {2000, 2, 29, true},
        {2023, 1, 31, false}, {2023, 4, 30, false}, {2023, 12, 31, false}, {2023, 0, 0, false},
        {2023, 13, 0, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%lld-%lld", (long long)cases[i].y, (long long)cases[i].m);
        CHECK_EQ_INT(mloda_days_in_month(cases[i].y, cases[i].m), cases[i].days);
        CHECK(mloda_is_leap_year(cases[i].y) == cases[i].leap);
    }
}

static void test_floor_div(void)
{
    static const struct {
        int64_t a, b, q;
    } cases[] = {
        {7, 2, 3}, {-7, 2, -4}, {7, -2, -4}, {-7, -2, 3}, {-6, 2, -3}, {0, 5, 0},
        {-1, 86400, -1}, {INT64_MIN, 1000, INT64_MIN / 1000 - 1}, {INT64_MAX, 7, INT64_MAX / 7},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%lld // %lld", (long long)cases[i].a, (long long)cases[i].b);
        CHECK_EQ_INT(mloda_floor_div(cases[i].a, cases[i].b), cases[i].q);
    }
}

int main(void)
{
    RUN(test_dates);
    RUN(test_round_trip);
    RUN(test_months);
    RUN(test_floor_div);
    return TEST_SUMMARY();
}
