/*
 * csv_reader.c: byte stream -> CSV records (see csv_reader.h). A small state machine over
 * a read buffer; the current record's fields are copied into one growable buffer with
 * their end offsets, so a field may cross read-buffer boundaries. The caps are checked as
 * each byte or field is added, so a file without a line end cannot grow the buffer past
 * them; a finished record is checked for UTF-8 in one pass.
 */
#include "io/csv_reader.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "io/io.h"
#include "util/utf8.h"
#include "util/util.h"

#define CSV_CHUNK 65536

typedef enum csv_state {
    CSV_FIELD_START,
    CSV_UNQUOTED,
    CSV_QUOTED,
    CSV_QUOTE_IN_QUOTED, /* a quote inside a quoted field: doubled, or the closing one */
} csv_state;

mloda_status mloda_io_csv_reader_init(io_csv_reader *r, int fd, const char *name, mloda_error *err)
{
    memset(r, 0, sizeof *r);
    r->fd = fd;
    r->name = name;
    r->line = 1;
    r->buf = mloda_malloc(CSV_CHUNK);
    return r->buf != NULL ? MLODA_OK : MLODA_NOMEM(err, "a CSV buffer");
}

void mloda_io_csv_reader_reset(io_csv_reader *r)
{
    mloda_free(r->buf);
    mloda_free(r->ends);
    mloda_free(r->quoted);
    mloda_buf_reset(&r->fields);
    memset(r, 0, sizeof *r);
}

const char *mloda_io_csv_field(const io_csv_reader *r, int64_t i, size_t *len)
{
    const size_t start = i > 0 ? r->ends[i - 1] : 0;
    *len = r->ends[i] - start;
    return r->fields.data != NULL ? r->fields.data + start : "";
}

static mloda_status fill(io_csv_reader *r, mloda_error *err)
{
    r->pos = r->end = 0;
    for (;;) {
        const ssize_t got = read(r->fd, r->buf, CSV_CHUNK);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            char why[128];
            r->eof = true;
            return mloda_error_set(err, MLODA_ERR_IO, r->name, "cannot read %s: %s", r->name,
                                   mloda_io_errno_text(errno, why, sizeof why));
        }
        r->end = (size_t)got;
        r->eof = got == 0;
        return MLODA_OK;
    }
}

/* The record's text so far (a separator counts as a byte) within max_record_bytes. */
static mloda_status check_record_size(const io_csv_reader *r, mloda_error *err)
{
    if (r->max_record_bytes > 0 && (int64_t)r->fields.len + r->n_fields >= r->max_record_bytes)
        return mloda_error_set(err, MLODA_ERR_PARSE, r->name,
                               "%s: line %lld: %s is longer than %lld bytes (the limit %s)",
                               r->name, (long long)r->record_line, r->record_what,
                               (long long)r->max_record_bytes, r->record_limit);
    return MLODA_OK;
}

static mloda_status end_field(io_csv_reader *r, bool quoted, mloda_error *err)
{
    MLODA_TRY(check_record_size(r, err));
    if (r->max_fields > 0 && r->n_fields >= r->max_fields)
        return mloda_error_set(err, MLODA_ERR_SCHEMA, r->name,
                               "%s: line %lld: more fields than the header's %lld",
                               r->name, (long long)r->record_line, (long long)r->max_fields);
    if (r->n_fields == r->cap_fields) {
        const int64_t cap = r->cap_fields == 0 ? 16 : r->cap_fields * 2;
        size_t *ends = mloda_realloc(r->ends, (size_t)cap * sizeof *ends);
        if (ends == NULL)
            return MLODA_NOMEM(err, "CSV fields");
        r->ends = ends;
        bool *q = mloda_realloc(r->quoted, (size_t)cap * sizeof *q);
        if (q == NULL)
            return MLODA_NOMEM(err, "CSV fields");
        r->quoted = q;
        r->cap_fields = cap;
    }
    r->ends[r->n_fields] = r->fields.len;
    r->quoted[r->n_fields] = quoted;
    r->n_fields++;
    r->field_start = r->fields.len;
    return MLODA_OK;
}

/* One byte of field text, within the caps. */
static mloda_status put_byte(io_csv_reader *r, char c, mloda_error *err)
{
    if (r->max_field_bytes > 0 && (int64_t)(r->fields.len - r->field_start) >= r->max_field_bytes)
        return mloda_error_set(err, MLODA_ERR_PARSE, r->name,
                               "%s: line %lld, field %lld: a field longer than %lld bytes (the "
                               "limit max_field_bytes; mloda --max-field-bytes)",
                               r->name, (long long)r->line, (long long)r->n_fields + 1,
                               (long long)r->max_field_bytes);
    MLODA_TRY(check_record_size(r, err));
    return mloda_buf_putc(&r->fields, c, err);
}

/* The end of a record: its line end is c (LF or CR). */
static mloda_status end_record(io_csv_reader *r, bool quoted, char c, bool *done,
                               mloda_error *err)
{
    r->after_cr = c == '\r'; /* the line end is taken even when the field fails */
    r->line++;
    MLODA_TRY(end_field(r, quoted, err));
    *done = true;
    return MLODA_OK;
}

static mloda_status bad_quote(io_csv_reader *r, const char *what, mloda_error *err)
{
    return mloda_error_set(err, MLODA_ERR_PARSE, NULL, "%s: line %lld, field %lld: %s",
                           r->name, (long long)r->line, (long long)r->n_fields + 1, what);
}

/* Skips to the end of the current line after an error. */
static mloda_status skip_line(io_csv_reader *r, mloda_error *err)
{
    for (;;) {
        if (r->pos == r->end) {
            if (r->eof)
                return MLODA_OK;
            MLODA_TRY(fill(r, err));
            continue;
        }
        const char c = r->buf[r->pos++];
        if (c == '\n' || c == '\r') {
            r->line++;
            r->after_cr = c == '\r';
            return MLODA_OK;
        }
    }
}

/* Invalid UTF-8 in the record just read: an error naming its line and field. */
static mloda_status check_utf8(io_csv_reader *r, mloda_error *err)
{
    const size_t bad = mloda_utf8_valid_prefix(r->fields.data != NULL ? r->fields.data : "",
                                               r->fields.len);
    if (bad == r->fields.len)
        return MLODA_OK;
    int64_t field = 0, line = r->record_line;
    while (field < r->n_fields && r->ends[field] <= bad)
        field++;
    for (size_t i = 0; i < bad; i++) /* line ends inside quoted fields */
        line += r->fields.data[i] == '\n';
    const size_t start = field > 0 ? r->ends[field - 1] : 0;
    return mloda_error_set(err, MLODA_ERR_PARSE, r->name,
                           "%s: line %lld, field %lld: invalid UTF-8 at byte %zu of the field "
                           "(an overlong form, a surrogate, a code point above U+10FFFF or a "
                           "stray byte); text must be UTF-8",
                           r->name, (long long)line, (long long)field + 1, bad - start + 1);
}

/* One byte of the record; *done when the record ended. */
static mloda_status step(io_csv_reader *r, csv_state *st, char c, bool *done, mloda_error *err)
{
    switch (*st) {
    case CSV_FIELD_START:
        if (c == '"') {
            *st = CSV_QUOTED;
            return MLODA_OK;
        }
        *st = CSV_UNQUOTED;
        return step(r, st, c, done, err);
    case CSV_UNQUOTED:
    case CSV_QUOTE_IN_QUOTED:
        if (*st == CSV_QUOTE_IN_QUOTED && c == '"') {
            *st = CSV_QUOTED;
            return put_byte(r, '"', err);
        }
        if (c == ',') {
            MLODA_TRY(end_field(r, *st == CSV_QUOTE_IN_QUOTED, err));
            *st = CSV_FIELD_START;
            return MLODA_OK;
        }
        if (c == '\n' || c == '\r') /* LF, CR, or the CR of CRLF */
            return end_record(r, *st == CSV_QUOTE_IN_QUOTED, c, done, err);
        if (*st == CSV_QUOTE_IN_QUOTED)
            return bad_quote(r, "text after the closing quote of a field", err);
        if (c == '"')
            return bad_quote(r, "a quote inside an unquoted field (quote the whole field and "
                                "double the quote: \"a\"\"b\")", err);
        return put_byte(r, c, err);
    case CSV_QUOTED:
        if (c == '"') {
            *st = CSV_QUOTE_IN_QUOTED;
            return MLODA_OK;
        }
        if (c == '\n')
            r->line++;
        return put_byte(r, c, err);
    }
    return MLODA_OK;
}

mloda_status mloda_io_csv_reader_next(io_csv_reader *r, bool *got, mloda_error *err)
{
    *got = false;
    r->fields.len = 0;
    r->field_start = 0;
    r->n_fields = 0;
    r->record_line = r->line;
    csv_state st = CSV_FIELD_START;
    bool any = false, done = false;
    bool skip_lf = r->after_cr; /* the LF of a CRLF whose CR ended the last record */
    r->after_cr = false;
    while (!done) {
        if (r->pos == r->end) {
            if (!r->eof)
                MLODA_TRY(fill(r, err));
            if (r->pos == r->end) { /* end of input */
                if (!any)
                    return MLODA_OK;
                if (st == CSV_QUOTED)
                    return mloda_error_set(err, MLODA_ERR_PARSE, NULL,
                                           "%s: line %lld, field %lld: a quoted field is not "
                                           "closed before the end of the file",
                                           r->name, (long long)r->record_line,
                                           (long long)r->n_fields + 1);
                MLODA_TRY(step(r, &st, '\n', &done, err));
                break;
            }
            continue;
        }
        const char c = r->buf[r->pos++];
        if (skip_lf) {
            skip_lf = false;
            if (c == '\n')
                continue;
        }
        any = true;
        const mloda_status s = step(r, &st, c, &done, err);
        if (s != MLODA_OK) {
            if (c != '\n' && c != '\r')
                (void)skip_line(r, NULL);
            return s;
        }
    }
    *got = true;
    return check_utf8(r, err);
}
