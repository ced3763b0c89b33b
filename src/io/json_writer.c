/*
 * json_writer.c: result tables and batch errors as JSON objects (the ndjson/json output
 * contract in io.h). Keys and separators follow Python's json.dumps (": " and ", "), so
 * lines look the same as the reference implementation's.
 */
#include "io/cell.h"

#include <string.h>

#include "util/util.h"

static bool bit_set(const uint8_t *bits, int64_t i)
{
    return bits == NULL || mloda_bitmap_get(bits, i);
}

/* float64 values, the hot path of aggregation results: room for the longest text of
 * every row is reserved once and the loop writes straight into the buffer; a value
 * repeated on every row (a broadcast aggregate) is formatted once. */
static mloda_status put_float_values(mloda_buf *out, const mloda_column *col, mloda_error *err)
{
    const double *v = mloda_column_float64(col);
    const uint8_t *valid = mloda_column_validity(col);
    const int64_t n = mloda_column_n_rows(col);
    size_t room = 0;
    if (!mloda_mul_size((size_t)n, IO_DOUBLE_TEXT_MAX + 2, &room))
        return mloda_error_set(err, MLODA_ERR_RANGE, NULL, "output text size overflows");
    MLODA_TRY(mloda_buf_reserve(out, room, err));
    char *p = out->data + out->len;
    char text[IO_DOUBLE_TEXT_MAX];
    size_t len = 0;
    uint64_t last_bits = 0;
    bool have_last = false;
    for (int64_t i = 0; i < n; i++) {
        if (i > 0) {
            memcpy(p, ", ", 2);
            p += 2;
        }
        if (!bit_set(valid, i)) {
            memcpy(p, "null", 4);
            p += 4;
            continue;
        }
        uint64_t bits = 0;
        memcpy(&bits, &v[i], sizeof bits);
        if (!have_last || bits != last_bits) {
            len = io_double_text(v[i], text);
            last_bits = bits;
            have_last = true;
        }
        memcpy(p, text, len);
        p += len;
    }
    out->len = (size_t)(p - out->data);
    out->data[out->len] = '\0';
    return MLODA_OK;
}

static mloda_status put_column(mloda_buf *out, const mloda_table *t, int64_t k,
                               mloda_error *err)
{
    const char *name = mloda_table_column_name(t, k);
    const mloda_column *col = mloda_table_column(t, k);
    const int64_t n = mloda_column_n_rows(col);
    MLODA_TRY(mloda_buf_json_string(out, name, strlen(name), err));
    MLODA_TRY(mloda_buf_append(out, ": [", 3, err));
    if (mloda_column_type(col) == MLODA_TYPE_FLOAT64) {
        MLODA_TRY(put_float_values(out, col, err));
    } else {
        for (int64_t i = 0; i < n; i++) {
            if (i > 0)
                MLODA_TRY(mloda_buf_append(out, ", ", 2, err));
            MLODA_TRY(mloda_io_cell_json(out, col, i, err));
        }
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
