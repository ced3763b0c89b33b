/*
 * number.c: JSON number text -> int64 / double. Integers are read exactly (no detour
 * through double). Floats go through util's mloda_double_parse (Clinger's fast path, then
 * Eisel-Lemire; strtod only for mantissas of 20+ significant digits): correctly rounded,
 * locale-independent.
 */
#include "io/column_reader.h"

#include <math.h>
#include <string.h>

#include "util/double_text.h"
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

bool mloda_io_number_parse(const char *text, size_t len, io_number *out)
{
    memset(out, 0, sizeof *out);
    out->is_int = looks_integer(text, len);
    if (out->is_int && parse_int64(text, len, &out->i)) {
        out->d = (double)out->i;
        return true;
    }
    out->int_overflow = out->is_int;
    const mloda_double_parse_result r = mloda_double_parse(text, len, &out->d);
    if (r != MLODA_DOUBLE_PARSE_OK) {
        out->nomem = r == MLODA_DOUBLE_PARSE_NOMEM;
        return false;
    }
    return isfinite(out->d);
}
