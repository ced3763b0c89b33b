/*
 * number.c: JSON number text -> int64 / double. Integers are read exactly (no detour
 * through double); floats go through strtod, which follows the C locale: the program
 * never calls setlocale, so '.' is always the decimal point.
 */
#include "io/column_reader.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

static bool looks_integer(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (text[i] == '.' || text[i] == 'e' || text[i] == 'E')
            return false;
    return len > 0;
}

/* Exact int64 of an optionally signed digit string; false on overflow. */
static bool parse_int64(const char *text, size_t len, int64_t *out)
{
    size_t i = 0;
    const bool neg = len > 0 && text[0] == '-';
    if (neg)
        i = 1;
    /* accumulate negatively: -9223372036854775808 has no positive counterpart */
    int64_t v = 0;
    for (; i < len; i++) {
        const int digit = text[i] - '0';
        if (digit < 0 || digit > 9)
            return false;
        if (v < (INT64_MIN + digit) / 10)
            return false;
        v = v * 10 - digit;
    }
    if (!neg) {
        if (v == INT64_MIN)
            return false;
        v = -v;
    }
    *out = v;
    return true;
}

static double parse_double(const char *text, size_t len)
{
    char small[64];
    char *buf = small;
    if (len >= sizeof small) {
        buf = mloda_malloc(len + 1);
        if (buf == NULL)
            return NAN;
    }
    memcpy(buf, text, len);
    buf[len] = '\0';
    const double d = strtod(buf, NULL);
    if (buf != small)
        mloda_free(buf);
    return d;
}

bool io_number_parse(const char *text, size_t len, io_number *out)
{
    memset(out, 0, sizeof *out);
    out->is_int = looks_integer(text, len);
    if (out->is_int && parse_int64(text, len, &out->i)) {
        out->d = (double)out->i;
        return true;
    }
    out->int_overflow = out->is_int;
    out->d = parse_double(text, len);
    return isfinite(out->d);
}
