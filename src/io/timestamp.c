/*
 * timestamp.c: ISO 8601 text <-> timestamp values of any unit (no zone).
 *
 * Parsing is util's mloda_iso8601_parse ("YYYY-MM-DD[T| ]HH:MM[:SS[.f]][Z|+HH:MM]", offsets
 * converted to UTC), with one rule of the readers on top: a bare date counts only where
 * the caller allows it (a declared timestamp column), so that inference does not turn a
 * column of dates into timestamps. Formatting writes "YYYY-MM-DDTHH:MM:SS" plus a fraction
 * with as many digits as the unit has (6 for microseconds, like Python's isoformat) only
 * when the sub-second part is non-zero; it works in the column's own unit, so nanosecond
 * and second timestamps print exactly.
 *
 * Years 0000-9999 (README, "Text"): a text whose UTC value falls outside them (an offset
 * pushing 9999-12-31T23:30:00-01:00 into year 10000) is not read as a date-time. A value
 * outside them that a calculation made (or an Arrow producer sent) is written in the
 * expanded form of ISO 8601 that JavaScript's toISOString uses: a sign and six or more
 * year digits, +010000-01-01T00:30:00 and -000001-12-31T00:00:00, never "10000-" or
 * "-001-".
 */
#include "io/io.h"

#include <stdio.h>
#include <string.h>

#include "util/calendar.h"
#include "util/iso8601.h"

/* 0000-01-01T00:00:00 and 10000-01-01T00:00:00 in microseconds */
#define FIRST_MICROS (-62167219200LL * 1000000LL)
#define END_MICROS (253402300800LL * 1000000LL)

bool mloda_io_iso_parse(const char *s, size_t len, bool allow_date_only, int64_t *out_micros)
{
    /* a bare date is "YYYY-MM-DD": exactly 10 bytes */
    if (len <= 10 && !allow_date_only)
        return false;
    int64_t v = 0;
    if (!mloda_iso8601_parse(s, len, &v) || v < FIRST_MICROS || v >= END_MICROS)
        return false;
    *out_micros = v;
    return true;
}

static void put2(char *p, int v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
}

size_t mloda_io_iso_format(char *buf, size_t cap, int64_t value, mloda_time_unit unit)
{
    const int frac_digits = mloda_tick_digits(unit);
    const int64_t per_second = mloda_ticks_per_second(unit);
    /* remainders first: multiplying the quotient back could overflow near INT64_MIN */
    int64_t frac = value % per_second;
    if (frac < 0)
        frac += per_second;
    const int64_t secs = mloda_floor_div(value, per_second);
    int64_t in_day = secs % 86400;
    if (in_day < 0)
        in_day += 86400;
    const int64_t days = mloda_floor_div(secs, 86400);
    int64_t year = 0, month = 0, day = 0;
    mloda_civil_from_days(days, &year, &month, &day);
    const bool expanded = year < 0 || year > 9999;
    if (!expanded && cap >= 32) { /* the common case without printf */
        char *p = buf;
        const int64_t hms[3] = {in_day / 3600, in_day / 60 % 60, in_day % 60};
        put2(p, (int)(year / 100));
        put2(p + 2, (int)(year % 100));
        p[4] = '-';
        put2(p + 5, (int)month);
        p[7] = '-';
        put2(p + 8, (int)day);
        p[10] = 'T';
        for (int k = 0; k < 3; k++) {
            put2(p + 11 + 3 * k, (int)hms[k]);
            if (k < 2)
                p[13 + 3 * k] = ':';
        }
        p += 19;
        if (frac != 0) {
            *p++ = '.';
            for (int k = frac_digits - 1; k >= 0; k--) {
                p[k] = (char)('0' + frac % 10);
                frac /= 10;
            }
            p += frac_digits;
        }
        *p = '\0';
        return (size_t)(p - buf);
    }
    int n = snprintf(buf, cap, expanded ? "%+07lld-%02d-%02dT%02d:%02d:%02d"
                                        : "%04lld-%02d-%02dT%02d:%02d:%02d",
                     (long long)year, (int)month, (int)day, (int)(in_day / 3600),
                     (int)(in_day / 60 % 60), (int)(in_day % 60));
    if (n >= 0 && frac != 0 && (size_t)n < cap)
        n += snprintf(buf + n, cap - (size_t)n, ".%0*lld", frac_digits, (long long)frac);
    if (n < 0)
        return 0;
    return (size_t)n < cap ? (size_t)n : cap - 1;
}
