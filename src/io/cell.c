/*
 * cell.c: result values as text (see cell.h), plus the output format names.
 * Floats use io_double_text: the shortest text that reads back as the same double.
 * Timestamps are ISO 8601 without a zone, as the output contract says.
 */
#include "io/cell.h"

#include <math.h>
#include <string.h>

#include "util/util.h"

bool mloda_io_format_parse(const char *name, io_format *out)
{
    static const struct {
        const char *name;
        io_format format;
    } names[] = {{"ndjson", IO_FORMAT_NDJSON},
                 {"json", IO_FORMAT_JSON},
                 {"csv", IO_FORMAT_CSV},
                 {"table", IO_FORMAT_TABLE},
                 {"arrow", IO_FORMAT_ARROW}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(name, names[i].name) == 0) {
            *out = names[i].format;
            return true;
        }
    }
    return false;
}

mloda_status mloda_io_put_double(mloda_buf *out, double v, mloda_error *err)
{
    char text[IO_DOUBLE_TEXT_MAX];
    const size_t n = io_double_text(v, text);
    return mloda_buf_append(out, text, n, err);
}

mloda_status mloda_io_put_int64(mloda_buf *out, int64_t v, mloda_error *err)
{
    char tmp[24];
    size_t n = sizeof tmp;
    /* digits from the right; negative values accumulate negatively (INT64_MIN) */
    const bool neg = v < 0;
    do {
        const int64_t digit = v % 10;
        tmp[--n] = (char)('0' + (neg ? -digit : digit));
        v /= 10;
    } while (v != 0);
    if (neg)
        tmp[--n] = '-';
    return mloda_buf_append(out, tmp + n, sizeof tmp - n, err);
}

static mloda_status put_timestamp(mloda_buf *out, const mloda_column *col, int64_t i,
                                  bool quoted, mloda_error *err)
{
    char text[48];
    const size_t n = mloda_io_iso_format(text, sizeof text, mloda_column_int64(col)[i],
                                   mloda_column_time_unit(col));
    if (!quoted)
        return mloda_buf_append(out, text, n, err);
    MLODA_TRY(mloda_buf_putc(out, '"', err));
    MLODA_TRY(mloda_buf_append(out, text, n, err));
    return mloda_buf_putc(out, '"', err);
}

static mloda_status put_list(mloda_buf *out, const mloda_column *col, int64_t i, bool plain,
                             mloda_error *err)
{
    const int32_t size = mloda_column_list_size(col);
    const double *v = mloda_column_float64(col) + i * size;
    MLODA_TRY(mloda_buf_putc(out, '[', err));
    for (int32_t k = 0; k < size; k++) {
        if (k > 0)
            MLODA_TRY(mloda_buf_append(out, ", ", 2, err));
        if (plain && isnan(v[k]))
            MLODA_TRY(mloda_buf_puts(out, "NaN", err));
        else
            MLODA_TRY(mloda_io_put_double(out, v[k], err));
    }
    return mloda_buf_putc(out, ']', err);
}

mloda_status mloda_io_cell_json(mloda_buf *out, const mloda_column *col, int64_t i, mloda_error *err)
{
    if (!mloda_column_is_valid(col, i))
        return mloda_buf_append(out, "null", 4, err);
    switch (mloda_column_type(col)) {
    case MLODA_TYPE_INT64:
        return mloda_io_put_int64(out, mloda_column_int64(col)[i], err);
    case MLODA_TYPE_FLOAT64:
        return mloda_io_put_double(out, mloda_column_float64(col)[i], err);
    case MLODA_TYPE_BOOL:
        return mloda_column_bool_at(col, i) ? mloda_buf_append(out, "true", 4, err)
                                            : mloda_buf_append(out, "false", 5, err);
    case MLODA_TYPE_UTF8: { /* a valid row: the text is there (maybe empty) */
        int64_t len = 0;
        const char *s = mloda_column_utf8_at(col, i, &len);
        return mloda_buf_json_string(out, s, (size_t)len, err);
    }
    case MLODA_TYPE_TIMESTAMP:
        return put_timestamp(out, col, i, true, err);
    case MLODA_TYPE_FLOAT64_LIST:
        return put_list(out, col, i, false, err);
    case MLODA_TYPE_NULL: /* every row is null: answered above */
    case MLODA_TYPE_INVALID:
        break;
    }
    return mloda_buf_append(out, "null", 4, err);
}

mloda_status mloda_io_cell_plain(mloda_buf *out, const mloda_column *col, int64_t i,
                           const char *null_text, mloda_error *err)
{
    if (!mloda_column_is_valid(col, i))
        return mloda_buf_puts(out, null_text, err);
    switch (mloda_column_type(col)) {
    case MLODA_TYPE_FLOAT64: {
        const double v = mloda_column_float64(col)[i];
        if (isnan(v))
            return mloda_buf_puts(out, "NaN", err);
        if (isinf(v))
            return mloda_buf_puts(out, v > 0 ? "inf" : "-inf", err);
        return mloda_io_put_double(out, v, err);
    }
    case MLODA_TYPE_UTF8: { /* a valid row: the text is there (maybe empty) */
        int64_t len = 0;
        const char *s = mloda_column_utf8_at(col, i, &len);
        return mloda_buf_append(out, s, (size_t)len, err);
    }
    case MLODA_TYPE_TIMESTAMP:
        return put_timestamp(out, col, i, false, err);
    case MLODA_TYPE_FLOAT64_LIST:
        return put_list(out, col, i, true, err);
    default:
        return mloda_io_cell_json(out, col, i, err);
    }
}
