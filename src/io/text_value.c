/*
 * text_value.c: column values that arrive as text or as typed numbers rather than as
 * JSON (CSV fields, SQLite values), fed to an io_column_reader so that every source
 * follows the same typing rules and error messages (see column_reader.h).
 */
#include "io/column_reader.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/util.h"

mloda_status mloda_io_colreader_int64(io_column_reader *r, int64_t v, mloda_error *err)
{
    char text[24];
    const int n = snprintf(text, sizeof text, "%lld", (long long)v);
    return mloda_io_colreader_number(r, text, (size_t)n, NULL, err);
}

mloda_status mloda_io_colreader_float64(io_column_reader *r, double v, mloda_error *err)
{
    if (isnan(v))
        return mloda_io_colreader_null(r, err);
    char text[40];
    const int n = snprintf(text, sizeof text, "%.17g", v);
    /* "%.17g" of a whole number has no '.', which would read as an integer */
    if (strpbrk(text, ".eEn") == NULL && n + 2 < (int)sizeof text) {
        memcpy(text + n, ".0", 3);
        return mloda_io_colreader_number(r, text, (size_t)n + 2, NULL, err);
    }
    return mloda_io_colreader_number(r, text, (size_t)n, NULL, err);
}

static bool is_missing_number(const char *text, size_t len)
{
    static const char *const words[] = {"nan", "na", "null", "none"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (len == strlen(words[i]) && strncasecmp(text, words[i], len) == 0)
            return true;
    return false;
}

/* JSON number syntax: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool is_number_text(const char *s, size_t len)
{
    size_t i = 0;
    if (i < len && s[i] == '-')
        i++;
    const size_t int_start = i;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++;
    if (i == int_start || (s[int_start] == '0' && i - int_start > 1))
        return false;
    if (i < len && s[i] == '.') {
        const size_t frac = ++i;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == frac)
            return false;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        const size_t exp = i;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == exp)
            return false;
    }
    return i == len;
}

static mloda_status text_number(io_column_reader *r, const char *text, size_t len,
                                mloda_error *err)
{
    if (is_missing_number(text, len))
        return mloda_io_colreader_null(r, err);
    if (is_number_text(text, len))
        return mloda_io_colreader_number(r, text, len, NULL, err);
    return mloda_io_colreader_string(r, text, len, err); /* reports "expected ..., found" */
}

static mloda_status text_bool(io_column_reader *r, const char *text, size_t len,
                              mloda_error *err)
{
    if ((len == 4 && strncasecmp(text, "true", 4) == 0) || (len == 1 && text[0] == '1'))
        return mloda_io_colreader_bool(r, true, err);
    if ((len == 5 && strncasecmp(text, "false", 5) == 0) || (len == 1 && text[0] == '0'))
        return mloda_io_colreader_bool(r, false, err);
    return mloda_io_colreader_string(r, text, len, err);
}

/* "[1.5, 2]" (brackets optional). */
static mloda_status text_list(io_column_reader *r, const char *text, size_t len,
                              mloda_error *err)
{
    size_t i = 0, end = len;
    while (i < end && text[i] == ' ')
        i++;
    while (end > i && text[end - 1] == ' ')
        end--;
    if (i < end && text[i] == '[' && text[end - 1] == ']') {
        i++;
        end--;
    }
    MLODA_TRY(mloda_io_colreader_list_begin(r, err));
    while (i < end) {
        size_t stop = i;
        while (stop < end && text[stop] != ',')
            stop++;
        size_t a = i, b = stop;
        while (a < b && text[a] == ' ')
            a++;
        while (b > a && text[b - 1] == ' ')
            b--;
        if (!is_number_text(text + a, b - a)) {
            r->in_list = false;
            return mloda_io_colreader_reject(r, "a list item that is not a number", err);
        }
        MLODA_TRY(mloda_io_colreader_list_number(r, text + a, b - a, NULL, err));
        i = stop + 1;
    }
    return mloda_io_colreader_list_end(r, err);
}

mloda_status mloda_io_colreader_text(io_column_reader *r, const char *text, size_t len,
                               mloda_error *err)
{
    switch (r->want.type) {
    case MLODA_TYPE_INT64:
    case MLODA_TYPE_FLOAT64:
        return text_number(r, text, len, err);
    case MLODA_TYPE_BOOL:
        return text_bool(r, text, len, err);
    case MLODA_TYPE_FLOAT64_LIST:
        return text_list(r, text, len, err);
    default:
        return mloda_io_colreader_string(r, text, len, err);
    }
}

/* ---------------------------------------------------------------- inferring from text */

enum {
    TK_INT = 1,
    TK_FLOAT = 2,
    TK_BOOL = 4,
    TK_TIMESTAMP = 8,
    TK_TEXT = 16,
    TK_MISSING = 32, /* NaN, NA, null, none: a null in a numeric column, text otherwise */
};

void mloda_io_text_infer_add(io_text_infer *t, const char *text, size_t len)
{
    if (len == 0)
        return; /* an empty field is null in every type */
    if (is_missing_number(text, len)) {
        t->kinds |= TK_MISSING;
    } else if (is_number_text(text, len)) {
        io_number num;
        if (!mloda_io_number_parse(text, len, &num))
            t->kinds |= TK_TEXT; /* beyond float64 (or no memory to tell): keep the text */
        else
            t->kinds |= num.is_int && !num.int_overflow ? TK_INT : TK_FLOAT;
    } else if ((len == 4 && strncasecmp(text, "true", 4) == 0) ||
               (len == 5 && strncasecmp(text, "false", 5) == 0)) {
        t->kinds |= TK_BOOL;
    } else {
        int64_t micros = 0;
        t->kinds |= mloda_io_iso_parse(text, len, false, &micros) ? TK_TIMESTAMP : TK_TEXT;
    }
}

void mloda_io_text_infer_add_string(io_text_infer *t)
{
    t->kinds |= TK_TEXT;
}

io_coltype mloda_io_text_infer_type(const io_text_infer *t)
{
    io_coltype c = {MLODA_TYPE_UTF8, 0, MLODA_TIME_MICRO};
    const unsigned k = t->kinds;
    if ((k & ~(unsigned)(TK_INT | TK_FLOAT | TK_MISSING)) == 0)
        c.type = (k & TK_INT) != 0 && (k & TK_FLOAT) == 0 ? MLODA_TYPE_INT64
                                                           : MLODA_TYPE_FLOAT64;
    else if (k == TK_BOOL)
        c.type = MLODA_TYPE_BOOL;
    else if (k == TK_TIMESTAMP)
        c.type = MLODA_TYPE_TIMESTAMP;
    return c;
}
