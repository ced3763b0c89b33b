/* iso8601.c: ISO 8601 parsing and formatting (see iso8601.h). Pure functions. */
#include "util/iso8601.h"

#include <stdio.h>

#include "util/calendar.h"

/* Reads exactly n digits at s[*i]; false if any is not a digit. */
static bool digits(const char *s, size_t len, size_t *i, int n, int64_t *out)
{
    int64_t v = 0;
    for (int k = 0; k < n; k++, (*i)++) {
        if (*i >= len || s[*i] < '0' || s[*i] > '9')
            return false;
        v = v * 10 + (s[*i] - '0');
    }
    *out = v;
    return true;
}

static bool expect(const char *s, size_t len, size_t *i, char c)
{
    if (*i >= len || s[*i] != c)
        return false;
    (*i)++;
    return true;
}

static bool valid_date(int64_t y, int64_t m, int64_t d)
{
    return d >= 1 && d <= mloda_days_in_month(y, m); /* 0 days for a month out of range */
}

/* Optional ".fff..." fraction in microseconds. */
static bool fraction(const char *s, size_t len, size_t *i, int64_t *us)
{
    *us = 0;
    if (*i >= len || (s[*i] != '.' && s[*i] != ','))
        return true;
    (*i)++;
    int n = 0;
    int64_t scale = 100000;
    while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
        if (n < 6) {
            *us += (s[*i] - '0') * scale;
            scale /= 10;
        }
        n++;
        (*i)++;
    }
    return n >= 1 && n <= 9;
}

/* Optional zone; *offset_us is what to subtract to get UTC. */
static bool zone(const char *s, size_t len, size_t *i, int64_t *offset_us)
{
    *offset_us = 0;
    if (*i == len)
        return true;
    if (s[*i] == 'Z') {
        (*i)++;
        return true;
    }
    if (s[*i] != '+' && s[*i] != '-')
        return false;
    int64_t sign = s[*i] == '-' ? -1 : 1, hh = 0, mm = 0;
    (*i)++;
    if (!digits(s, len, i, 2, &hh))
        return false;
    if (*i < len && s[*i] == ':')
        (*i)++;
    if (!digits(s, len, i, 2, &mm) || hh > 23 || mm > 59)
        return false;
    *offset_us = sign * (hh * 3600 + mm * 60) * 1000000;
    return true;
}

bool mloda_iso8601_parse(const char *s, size_t len, int64_t *out_micros)
{
    size_t i = 0;
    int64_t y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, us = 0, off = 0;
    if (s == NULL || !digits(s, len, &i, 4, &y) || !expect(s, len, &i, '-') ||
        !digits(s, len, &i, 2, &mo) || !expect(s, len, &i, '-') || !digits(s, len, &i, 2, &d) ||
        !valid_date(y, mo, d))
        return false;
    if (i < len && (s[i] == 'T' || s[i] == ' ')) {
        i++;
        if (!digits(s, len, &i, 2, &h) || !expect(s, len, &i, ':') ||
            !digits(s, len, &i, 2, &mi) || h > 23 || mi > 59)
            return false;
        if (i < len && s[i] == ':') {
            i++;
            if (!digits(s, len, &i, 2, &sec) || sec > 59 || !fraction(s, len, &i, &us))
                return false;
        }
        if (!zone(s, len, &i, &off))
            return false;
    }
    if (i != len)
        return false;
    int64_t days = mloda_days_from_civil(y, mo, d);
    *out_micros = ((days * 86400 + h * 3600 + mi * 60 + sec) * 1000000 + us) - off;
    return true;
}

size_t mloda_iso8601_format(int64_t micros, char *buf, size_t cap)
{
    int64_t days = micros / 86400000000LL, rem = micros % 86400000000LL;
    if (rem < 0) {
        rem += 86400000000LL;
        days--;
    }
    int64_t y = 0, m = 0, d = 0;
    mloda_civil_from_days(days, &y, &m, &d);
    int64_t secs = rem / 1000000, us = rem % 1000000;
    int n = snprintf(buf, cap, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld", (long long)y,
                     (long long)m, (long long)d, (long long)(secs / 3600),
                     (long long)(secs / 60 % 60), (long long)(secs % 60));
    if (n < 0)
        return 0;
    size_t len = (size_t)n < cap ? (size_t)n : cap - 1;
    if (us != 0 && len + 8 <= cap) {
        char frac[8];
        (void)snprintf(frac, sizeof frac, ".%06lld", (long long)us);
        size_t fl = 7;
        while (frac[fl - 1] == '0')
            fl--;
        for (size_t k = 0; k < fl; k++)
            buf[len++] = frac[k];
        buf[len] = '\0';
    }
    return len;
}
