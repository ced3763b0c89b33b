/*
 * csv_writer.c: a result table as a CSV block (RFC 4180): a header line, then one line
 * per row. A field is quoted when it holds a comma, quote, CR/LF or edge spaces, and an
 * empty string is written "" so that it differs from a null (an empty field).
 */
#include "io/cell.h"

#include <string.h>

#include "util/util.h"

static bool needs_quotes(const char *s, size_t len)
{
    if (len == 0)
        return true;
    if (s[0] == ' ' || s[len - 1] == ' ')
        return true;
    for (size_t i = 0; i < len; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
            return true;
    return false;
}

static mloda_status put_field(mloda_buf *out, const char *s, size_t len, mloda_error *err)
{
    if (!needs_quotes(s, len))
        return mloda_buf_append(out, s, len, err);
    MLODA_TRY(mloda_buf_putc(out, '"', err));
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            MLODA_TRY(mloda_buf_putc(out, '"', err));
        MLODA_TRY(mloda_buf_putc(out, s[i], err));
    }
    return mloda_buf_putc(out, '"', err);
}

static mloda_status put_header(mloda_buf *out, const mloda_table *t, int64_t batch,
                               mloda_error *err)
{
    if (batch >= 0)
        MLODA_TRY(mloda_buf_puts(out, mloda_table_n_columns(t) > 0 ? "batch," : "batch", err));
    for (int64_t k = 0; k < mloda_table_n_columns(t); k++) {
        const char *name = mloda_table_column_name(t, k);
        if (k > 0)
            MLODA_TRY(mloda_buf_putc(out, ',', err));
        MLODA_TRY(put_field(out, name, strlen(name), err));
    }
    return mloda_buf_putc(out, '\n', err);
}

mloda_status mloda_io_write_csv_table(mloda_buf *out, const mloda_table *t, int64_t batch,
                                mloda_error *err)
{
    mloda_buf cell = {0};
    mloda_status st = put_header(out, t, batch, err);
    const int64_t n_rows = mloda_table_n_rows(t), n_cols = mloda_table_n_columns(t);
    for (int64_t i = 0; st == MLODA_OK && i < n_rows; i++) {
        if (batch >= 0) {
            st = mloda_io_put_int64(out, batch, err);
            if (st == MLODA_OK && n_cols > 0)
                st = mloda_buf_putc(out, ',', err);
        }
        for (int64_t k = 0; st == MLODA_OK && k < n_cols; k++) {
            const mloda_column *col = mloda_table_column(t, k);
            if (k > 0)
                st = mloda_buf_putc(out, ',', err);
            if (st != MLODA_OK || !mloda_column_is_valid(col, i))
                continue; /* null: empty field */
            cell.len = 0;
            st = mloda_io_cell_plain(&cell, col, i, "", err);
            if (st == MLODA_OK)
                st = put_field(out, cell.data, cell.len, err);
        }
        if (st == MLODA_OK)
            st = mloda_buf_putc(out, '\n', err);
    }
    mloda_buf_reset(&cell);
    return st;
}
