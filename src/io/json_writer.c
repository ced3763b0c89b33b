/*
 * json_writer.c: result tables and batch errors as JSON objects (the ndjson/json output
 * contract in io.h). Keys and separators follow Python's json.dumps (": " and ", "), so
 * lines look the same as the reference implementation's.
 *
 * Speed: a column is written in one pass into room reserved once (no per-value calls
 * that check capacity); a column whose rows all hold one value (a broadcast aggregate) is
 * formatted once and its text repeated by doubling copies; float64, int64 and timestamp
 * columns have writers of their own.
 */
#include "io/cell.h"

#include <stdint.h>
#include <string.h>

#include "util/util.h"

static bool bit_set(const uint8_t *bits, int64_t i)
{
    return bits == NULL || mloda_bitmap_get(bits, i);
}

/* Room for n values of at most `each` bytes plus their ", " separators, reserved once so
 * that the loops below write straight into the buffer. */
static mloda_status reserve_rows(mloda_buf *out, int64_t n, size_t each, mloda_error *err)
{
    size_t room = 0;
    if (!mloda_mul_size((size_t)n, each + 2, &room) || room > SIZE_MAX - 64)
        return mloda_error_set(err, MLODA_ERR_RANGE, NULL, "output text size overflows");
    return mloda_buf_reserve(out, room + 64, err);
}

/* The text of row 0 has just been written from offset start: repeats ", <text>" for rows
 * 1..n-1 with doubling copies (memory speed). A broadcast column is formatted once. */
static mloda_status repeat_first(mloda_buf *out, size_t start, int64_t n, mloda_error *err)
{
    if (n <= 1)
        return MLODA_OK;
    const size_t text_len = out->len - start;
    const size_t unit = text_len + 2;
    size_t total = 0;
    if (!mloda_mul_size((size_t)(n - 1), unit, &total))
        return mloda_error_set(err, MLODA_ERR_RANGE, NULL, "output text size overflows");
    MLODA_TRY(mloda_buf_reserve(out, total, err));
    char *first = out->data + out->len;
    memcpy(first, ", ", 2);
    memcpy(first + 2, out->data + start, text_len);
    size_t done = unit;
    while (done < total) {
        const size_t step = done < total - done ? done : total - done;
        memcpy(first + done, first, step);
        done += step;
    }
    out->len += total;
    out->data[out->len] = '\0';
    return MLODA_OK;
}

/* Whether every row holds the same value (or every row is null): a broadcast aggregate.
 * Stops at the first row that differs, so a varying column costs a comparison or two. */
static bool is_constant(const mloda_column *col)
{
    const int64_t n = mloda_column_n_rows(col);
    const int64_t nulls = mloda_column_n_nulls(col);
    if (n < 2 || nulls == n)
        return n >= 2;
    if (nulls != 0)
        return false;
    const mloda_type type = mloda_column_type(col);
    if (type != MLODA_TYPE_FLOAT64 && type != MLODA_TYPE_INT64 && type != MLODA_TYPE_TIMESTAMP)
        return false;
    /* float64 compares bits: 0.0 and -0.0 print differently, NaNs all print null */
    const uint64_t *v = type == MLODA_TYPE_FLOAT64 ? (const uint64_t *)(const void *)mloda_column_float64(col)
                                                   : (const uint64_t *)(const void *)mloda_column_int64(col);
    const uint64_t first = v[0];
    for (int64_t i = 1; i < n; i++)
        if (v[i] != first)
            return false;
    return true;
}

/*
 * Defines NAME(out, col, err): the rows of a column as JSON values, ", " between them and
 * null for a row that is not valid, each value written in place into room reserved once
 * (ROOM bytes at most per value). DECL declares what WRITE needs; WRITE writes row i at p
 * and moves p on. One definition per type keeps each loop free of type tests (the hot path).
 */
#define DEFINE_PUT_VALUES(NAME, ROOM, DECL, WRITE)                                         \
    static mloda_status NAME(mloda_buf *out, const mloda_column *col, mloda_error *err)   \
    {                                                                                      \
        const uint8_t *valid = mloda_column_validity(col);                                 \
        const int64_t n = mloda_column_n_rows(col);                                        \
        DECL;                                                                              \
        MLODA_TRY(reserve_rows(out, n, ROOM, err));                                        \
        char *p = out->data + out->len;                                                    \
        for (int64_t i = 0; i < n; i++) {                                                  \
            if (i > 0) {                                                                   \
                memcpy(p, ", ", 2);                                                        \
                p += 2;                                                                    \
            }                                                                              \
            if (valid != NULL && !bit_set(valid, i)) {                                     \
                memcpy(p, "null", 4);                                                      \
                p += 4;                                                                    \
                continue;                                                                  \
            }                                                                              \
            WRITE;                                                                         \
        }                                                                                  \
        out->len = (size_t)(p - out->data);                                                \
        out->data[out->len] = '\0';                                                        \
        return MLODA_OK;                                                                   \
    }

enum { ISO_ROOM = 48 }; /* an ISO 8601 timestamp, with its quotes */

DEFINE_PUT_VALUES(put_float_values, MLODA_DOUBLE_WRITE_ROOM,
                  const double *v = mloda_column_float64(col), p = mloda_double_write(v[i], p))
DEFINE_PUT_VALUES(put_int_values, MLODA_INT64_WRITE_ROOM,
                  const int64_t *v = mloda_column_int64(col), p = mloda_int64_write(v[i], p))
DEFINE_PUT_VALUES(put_timestamp_values, ISO_ROOM + 2,
                  const int64_t *v = mloda_column_int64(col);
                  const mloda_time_unit unit = mloda_column_time_unit(col),
                  *p++ = '"'; p += mloda_io_iso_format(p, ISO_ROOM, v[i], unit); *p++ = '"')

static mloda_status put_column(mloda_buf *out, const mloda_table *t, int64_t k,
                               mloda_error *err)
{
    const char *name = mloda_table_column_name(t, k);
    const mloda_column *col = mloda_table_column(t, k);
    const int64_t n = mloda_column_n_rows(col);
    MLODA_TRY(mloda_buf_json_string(out, name, strlen(name), err));
    MLODA_TRY(mloda_buf_append(out, ": [", 3, err));
    if (is_constant(col)) {
        const size_t start = out->len;
        MLODA_TRY(mloda_io_cell_json(out, col, 0, err));
        MLODA_TRY(repeat_first(out, start, n, err));
        return mloda_buf_putc(out, ']', err);
    }
    switch (mloda_column_type(col)) {
    case MLODA_TYPE_FLOAT64:
        MLODA_TRY(put_float_values(out, col, err));
        break;
    case MLODA_TYPE_INT64:
        MLODA_TRY(put_int_values(out, col, err));
        break;
    case MLODA_TYPE_TIMESTAMP:
        MLODA_TRY(put_timestamp_values(out, col, err));
        break;
    default:
        for (int64_t i = 0; i < n; i++) {
            if (i > 0)
                MLODA_TRY(mloda_buf_append(out, ", ", 2, err));
            MLODA_TRY(mloda_io_cell_json(out, col, i, err));
        }
        break;
    }
    return mloda_buf_putc(out, ']', err);
}

mloda_status mloda_io_write_json_table(mloda_buf *out, const mloda_table *t, int64_t batch,
                                 bool pretty, mloda_error *err)
{
    const char *nl = pretty ? "\n    " : "";
    const char *group = mloda_table_group_name(t);
    MLODA_TRY(mloda_buf_puts(out, pretty ? "  {\n    " : "{", err));
    if (batch >= 0) {
        MLODA_TRY(mloda_buf_puts(out, "\"batch\": ", err));
        MLODA_TRY(mloda_io_put_int64(out, batch, err));
        MLODA_TRY(mloda_buf_printf(out, err, ",%s", pretty ? nl : " "));
    }
    MLODA_TRY(mloda_buf_puts(out, "\"group\": ", err));
    MLODA_TRY(mloda_buf_json_string(out, group, strlen(group), err));
    MLODA_TRY(mloda_buf_printf(out, err, ",%s\"columns\": {", pretty ? nl : " "));
    const int64_t n_cols = mloda_table_n_columns(t);
    for (int64_t k = 0; k < n_cols; k++) {
        if (k > 0 && !pretty)
            MLODA_TRY(mloda_buf_append(out, ", ", 2, err));
        if (pretty)
            MLODA_TRY(mloda_buf_puts(out, k > 0 ? ",\n      " : "\n      ", err));
        MLODA_TRY(put_column(out, t, k, err));
    }
    if (pretty)
        return mloda_buf_puts(out, n_cols > 0 ? "\n    }\n  }" : "}\n  }", err);
    return mloda_buf_puts(out, "}}", err);
}

/* Error texts are cut at a fixed size and may end inside a UTF-8 character; JSON output
 * must stay valid, so bytes that do not form a character become '?'. */
static mloda_status put_clean_string(mloda_buf *out, const char *s, mloda_error *err)
{
    char clean[MLODA_ERROR_MESSAGE_MAX];
    size_t n = 0;
    for (size_t i = 0; s[i] != '\0' && n + 1 < sizeof clean;) {
        const unsigned char c = (unsigned char)s[i];
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        for (size_t k = 1; k < len; k++) {
            if (((unsigned char)s[i + k] & 0xC0) != 0x80) {
                len = 0; /* also stops at the terminating NUL */
                break;
            }
        }
        if (len == 0 || n + len >= sizeof clean) {
            clean[n++] = '?';
            i++;
            continue;
        }
        memcpy(clean + n, s + i, len);
        n += len;
        i += len;
    }
    return mloda_buf_json_string(out, clean, n, err);
}

mloda_status mloda_io_write_json_error(mloda_buf *out, int64_t batch, const mloda_error *e,
                                 mloda_error *err)
{
    MLODA_TRY(mloda_buf_puts(out, "{", err));
    if (batch >= 0) {
        MLODA_TRY(mloda_buf_puts(out, "\"batch\": ", err));
        MLODA_TRY(mloda_io_put_int64(out, batch, err));
        MLODA_TRY(mloda_buf_puts(out, ", ", err));
    }
    MLODA_TRY(mloda_buf_puts(out, "\"error\": {\"code\": ", err));
    const char *code = mloda_status_name(e->code);
    MLODA_TRY(mloda_buf_json_string(out, code, strlen(code), err));
    MLODA_TRY(mloda_buf_puts(out, ", \"message\": ", err));
    MLODA_TRY(put_clean_string(out, e->message, err));
    MLODA_TRY(mloda_buf_puts(out, ", \"feature\": ", err));
    if (e->subject[0] == '\0')
        MLODA_TRY(mloda_buf_puts(out, "null", err));
    else
        MLODA_TRY(put_clean_string(out, e->subject, err));
    return mloda_buf_puts(out, "}}", err);
}
