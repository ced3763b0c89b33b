/*
 * number.c: JSON number text -> int64 / double. Integers are read exactly (no detour
 * through double). Floats take a fast path when exact: a decimal mantissa below 2^53 times
 * or divided by a power of ten up to 10^22 is one correctly rounded IEEE operation on two
 * exactly representable doubles, so the result equals strtod's (Clinger's fast path; x86-64
 * and aarch64 evaluate doubles in double precision). Everything else goes through strtod,
 * which follows the C locale: the program never calls setlocale, so '.' is the decimal
 * point.
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

/* strtod needs a NUL-terminated copy; false when a long one cannot be allocated. */
static bool parse_double(const char *text, size_t len, double *out)
{
    char small[128];
    char *buf = small;
    if (len >= sizeof small) {
        buf = mloda_malloc(len + 1);
        if (buf == NULL)
            return false;
    }
    memcpy(buf, text, len);
    buf[len] = '\0';
    *out = strtod(buf, NULL);
    if (buf != small)
        mloda_free(buf);
    return true;
}

/* The exact fast path; false when the text needs strtod. yajl has checked the syntax. */
static bool fast_double(const char *text, size_t len, double *out)
{
    static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    size_t i = 0;
    const bool neg = len > 0 && text[0] == '-';
    if (neg)
        i = 1;
    uint64_t mantissa = 0;
    int digits = 0, exponent = 0;
    for (; i < len && text[i] >= '0' && text[i] <= '9'; i++) {
        mantissa = mantissa * 10 + (uint64_t)(text[i] - '0');
        digits += mantissa != 0;
        if (digits > 15)
            return false;
    }
    if (i < len && text[i] == '.') {
        for (i++; i < len && text[i] >= '0' && text[i] <= '9'; i++) {
            mantissa = mantissa * 10 + (uint64_t)(text[i] - '0');
            digits += mantissa != 0;
            exponent--;
            if (digits > 15)
                return false;
        }
    }
    if (i < len && (text[i] == 'e' || text[i] == 'E')) {
        i++;
        const bool eneg = i < len && text[i] == '-';
        if (i < len && (text[i] == '-' || text[i] == '+'))
            i++;
        int e = 0;
        for (; i < len && text[i] >= '0' && text[i] <= '9'; i++) {
            e = e * 10 + (text[i] - '0');
            if (e > 400)
                return false;
        }
        exponent += eneg ? -e : e;
    }
    if (i != len || exponent < -22 || exponent > 22)
        return false;
    double d = (double)mantissa; /* at most 15 digits: exact */
    d = exponent < 0 ? d / pow10[-exponent] : d * pow10[exponent];
    *out = neg ? -d : d;
    return true;
}

bool mloda_io_number_parse(const char *text, size_t len, io_number *out)
{
    memset(out, 0, sizeof *out);
    out->is_int = looks_integer(text, len);
    if (out->is_int && parse_int64(text, len, &out->i)) {
        out->d = (double)out->i;
        return true;
    }
    out->int_overflow = out->is_int;
    if (!fast_double(text, len, &out->d) && !parse_double(text, len, &out->d)) {
        out->nomem = true;
        return false;
    }
    return isfinite(out->d);
}
