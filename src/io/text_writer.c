/*
 * text_writer.c: a result table as aligned text for people:
 *
 *   AggregatedFeatureGroup (3 rows)
 *   value__sum_aggr  value__mean_aggr
 *   ---------------  ----------------
 *               7.0  2.3333333333333335
 *
 * Numbers are right-aligned, everything else left-aligned; widths count UTF-8
 * characters, not bytes. Every cell is formatted once into a per-column buffer. Text is
 * for a terminal, so control characters in values and names are escaped (\n, \x1B, ...:
 * mloda_buf_put_visible): a value cannot move the cursor or recolour the screen.
 */
#include "io/cell.h"

#include <string.h>

#include "util/utf8.h"
#include "util/util.h"

typedef struct column_text {
    mloda_buf header; /* the column name, escaped */
    mloda_buf text;  /* all cells, back to back */
    size_t *ends;    /* owned: end offset of each cell */
    size_t width;    /* widest cell or header, in characters */
    bool right;      /* right-align */
} column_text;

static size_t display_width(const char *s, size_t len)
{
    size_t w = 0;
    for (size_t i = 0; i < len; i++)
        w += ((unsigned char)s[i] & 0xC0) != 0x80;
    return w;
}

static bool is_numeric(mloda_type t)
{
    return t == MLODA_TYPE_INT64 || t == MLODA_TYPE_FLOAT64;
}

static mloda_status format_column(const mloda_table *t, int64_t k, column_text *ct,
                                  mloda_buf *scratch, mloda_error *err)
{
    const mloda_column *col = mloda_table_column(t, k);
    const int64_t n = mloda_table_n_rows(t);
    const bool text = mloda_column_type(col) == MLODA_TYPE_UTF8;
    ct->right = is_numeric(mloda_column_type(col));
    ct->ends = mloda_malloc((size_t)(n > 0 ? n : 1) * sizeof *ct->ends);
    if (ct->ends == NULL)
        return MLODA_NOMEM(err, "a text table");
    /* room reserved up front: a column of empty strings still has a buffer, so its cells
     * are addressed from a real pointer */
    MLODA_TRY(mloda_buf_reserve(&ct->text, 1, err));
    const char *name = mloda_table_column_name(t, k);
    MLODA_TRY(mloda_buf_put_visible(&ct->header, name, strlen(name), err));
    ct->width = display_width(ct->header.data, ct->header.len);
    for (int64_t i = 0; i < n; i++) {
        const size_t start = ct->text.len;
        if (text) { /* only text can hold control characters */
            scratch->len = 0;
            MLODA_TRY(mloda_io_cell_plain(scratch, col, i, "null", err));
            MLODA_TRY(mloda_buf_put_visible(&ct->text, scratch->data, scratch->len, err));
        } else {
            MLODA_TRY(mloda_io_cell_plain(&ct->text, col, i, "null", err));
        }
        ct->ends[i] = ct->text.len;
        const size_t w = display_width(ct->text.data + start, ct->text.len - start);
        if (w > ct->width)
            ct->width = w;
    }
    return MLODA_OK;
}

static mloda_status pad(mloda_buf *out, size_t n, char c, mloda_error *err)
{
    for (size_t i = 0; i < n; i++)
        MLODA_TRY(mloda_buf_putc(out, c, err));
    return MLODA_OK;
}

static mloda_status put_aligned(mloda_buf *out, const char *s, size_t len, size_t width,
                                bool right, bool last, mloda_error *err)
{
    const size_t w = display_width(s, len);
    if (right)
        MLODA_TRY(pad(out, width - w, ' ', err));
    MLODA_TRY(mloda_buf_append(out, s, len, err));
    if (!right && !last)
        MLODA_TRY(pad(out, width - w, ' ', err));
    return last ? MLODA_OK : mloda_buf_append(out, "  ", 2, err);
}

static mloda_status put_rows(mloda_buf *out, const mloda_table *t, column_text *cts,
                             mloda_error *err)
{
    const int64_t n_cols = mloda_table_n_columns(t), n_rows = mloda_table_n_rows(t);
    for (int64_t k = 0; k < n_cols; k++)
        MLODA_TRY(put_aligned(out, cts[k].header.data, cts[k].header.len, cts[k].width,
                              cts[k].right, k == n_cols - 1, err));
    MLODA_TRY(mloda_buf_putc(out, '\n', err));
    for (int64_t k = 0; k < n_cols; k++) {
        MLODA_TRY(pad(out, cts[k].width, '-', err));
        if (k < n_cols - 1)
            MLODA_TRY(mloda_buf_append(out, "  ", 2, err));
    }
    MLODA_TRY(mloda_buf_putc(out, '\n', err));
    for (int64_t i = 0; i < n_rows; i++) {
        for (int64_t k = 0; k < n_cols; k++) {
            const size_t start = i > 0 ? cts[k].ends[i - 1] : 0;
            MLODA_TRY(put_aligned(out, cts[k].text.data + start, cts[k].ends[i] - start,
                                  cts[k].width, cts[k].right, k == n_cols - 1, err));
        }
        MLODA_TRY(mloda_buf_putc(out, '\n', err));
    }
    return MLODA_OK;
}

mloda_status mloda_io_write_text_table(mloda_buf *out, const mloda_table *t, int64_t batch,
                                 mloda_error *err)
{
    const int64_t n_cols = mloda_table_n_columns(t), n_rows = mloda_table_n_rows(t);
    const char *group = mloda_table_group_name(t);
    mloda_status st = MLODA_OK;
    if (batch >= 0)
        st = mloda_buf_printf(out, err, "batch %lld: ", (long long)batch);
    if (st == MLODA_OK)
        st = group[0] != '\0' ? mloda_buf_put_visible(out, group, strlen(group), err)
                               : mloda_buf_puts(out, "table", err);
    if (st == MLODA_OK)
        st = mloda_buf_printf(out, err, " (%lld row%s)\n", (long long)n_rows,
                              n_rows == 1 ? "" : "s");
    column_text *cts = mloda_calloc((size_t)(n_cols > 0 ? n_cols : 1), sizeof *cts);
    if (cts == NULL)
        return MLODA_NOMEM(err, "a text table");
    mloda_buf scratch = {0};
    for (int64_t k = 0; st == MLODA_OK && k < n_cols; k++)
        st = format_column(t, k, &cts[k], &scratch, err);
    if (st == MLODA_OK && n_cols > 0)
        st = put_rows(out, t, cts, err);
    for (int64_t k = 0; k < n_cols; k++) {
        mloda_buf_reset(&cts[k].header);
        mloda_buf_reset(&cts[k].text);
        mloda_free(cts[k].ends);
    }
    mloda_buf_reset(&scratch);
    mloda_free(cts);
    return st;
}
