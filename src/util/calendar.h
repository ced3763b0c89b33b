/*
 * calendar.h: proleptic Gregorian calendar arithmetic on day counts since 1970-01-01
 * (Howard Hinnant's days <-> civil date algorithms, on 400-year eras of 146097 days whose
 * periodicity keeps the arithmetic exact for any day count that fits). The one home of
 * this arithmetic: ISO 8601 text (util/iso8601), timestamp text (io) and the calendar
 * features of forecasting use it. Pure functions, locale-independent, reentrant.
 */
#ifndef MLODA_UTIL_CALENDAR_H
#define MLODA_UTIL_CALENDAR_H

#include <stdbool.h>
#include <stdint.h>

#include "mloda/table.h"

/** a / b rounded towards minus infinity (Python's //); b != 0. Inline: per-row paths
 *  (timestamp -> day) call it. */
static inline int64_t mloda_floor_div(int64_t a, int64_t b)
{
    const int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/** Days since 1970-01-01 of year y, month m (1..12), day d (1..31). */
int64_t mloda_days_from_civil(int64_t y, int64_t m, int64_t d);

/** The civil date of a day count since 1970-01-01: *y, *m (1..12), *d (1..31). */
void mloda_civil_from_days(int64_t days, int64_t *y, int64_t *m, int64_t *d);

/** Day of the week, Monday 0 .. Sunday 6 (pandas' dayofweek). */
int64_t mloda_weekday(int64_t days);

/** ISO 8601 week number (1..53): the week of the Thursday of the Monday-based week. */
int64_t mloda_iso_week(int64_t days);

/** true for a leap year of the proleptic Gregorian calendar. */
bool mloda_is_leap_year(int64_t y);

/** Days in month m (1..12) of year y; 0 when m is out of range. */
int64_t mloda_days_in_month(int64_t y, int64_t m);

/** Ticks of a timestamp column per second: 1, 1000, 10^6 or 10^9. */
int64_t mloda_ticks_per_second(mloda_time_unit unit);
/** Fraction digits of one tick: 0, 3, 6 or 9. */
int mloda_tick_digits(mloda_time_unit unit);

#endif /* MLODA_UTIL_CALENDAR_H */
