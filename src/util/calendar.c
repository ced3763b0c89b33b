/* calendar.c: proleptic Gregorian calendar arithmetic (see calendar.h). Pure functions. */
#include "util/calendar.h"

int64_t mloda_days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    const int64_t era = mloda_floor_div(y, 400);
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void mloda_civil_from_days(int64_t days, int64_t *y, int64_t *m, int64_t *d)
{
    const int64_t z = days + 719468;
    const int64_t era = mloda_floor_div(z, 146097);
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

int64_t mloda_weekday(int64_t days)
{
    /* 1970-01-01 was a Thursday (3) */
    return days + 3 - mloda_floor_div(days + 3, 7) * 7;
}

int64_t mloda_iso_week(int64_t days)
{
    const int64_t thu = days - mloda_weekday(days) + 3;
    int64_t y = 0, m = 0, d = 0;
    mloda_civil_from_days(thu, &y, &m, &d);
    return (thu - mloda_days_from_civil(y, 1, 1)) / 7 + 1;
}

bool mloda_is_leap_year(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int64_t mloda_days_in_month(int64_t y, int64_t m)
{
    static const int8_t mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12)
        return 0;
    return mdays[m - 1] + (m == 2 && mloda_is_leap_year(y));
}

int64_t mloda_ticks_per_second(mloda_time_unit unit)
{
    switch (unit) {
    case MLODA_TIME_MILLI:
        return 1000;
    case MLODA_TIME_MICRO:
        return 1000000;
    case MLODA_TIME_NANO:
        return 1000000000;
    case MLODA_TIME_SECOND:
    default:
        return 1;
    }
}

int mloda_tick_digits(mloda_time_unit unit)
{
    switch (unit) {
    case MLODA_TIME_MILLI:
        return 3;
    case MLODA_TIME_MICRO:
        return 6;
    case MLODA_TIME_NANO:
        return 9;
    case MLODA_TIME_SECOND:
    default:
        return 0;
    }
}
