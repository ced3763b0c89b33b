/*
 * csv_reader.c: byte stream -> CSV records (see csv_reader.h). A small state machine over
 * a read buffer; the current record's fields are copied into one growable buffer with
 * their end offsets, so a field may cross read-buffer boundaries.
 */
#include "io/csv_reader.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "io/io.h"
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

static mloda_status end_field(io_csv_reader *r, bool quoted, mloda_error *err)
{
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
        if (c == '\n') {
            r->line++;
            return MLODA_OK;
        }
    }
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
        if (c == ',' || c == '\n') {
            MLODA_TRY(end_field(r, false, err));
            *st = CSV_FIELD_START;
            *done = c == '\n';
            r->line += *done;
            return MLODA_OK;
        }
        if (c == '"')
            return bad_quote(r, "a quote inside an unquoted field (quote the whole field and "
                                "double the quote: \"a\"\"b\")", err);
        if (c == '\r')
            return MLODA_OK; /* CRLF: the LF ends the record */
        return mloda_buf_putc(&r->fields, c, err);
    case CSV_QUOTED:
        if (c == '"') {
            *st = CSV_QUOTE_IN_QUOTED;
            return MLODA_OK;
        }
        if (c == '\n')
            r->line++;
        return mloda_buf_putc(&r->fields, c, err);
    case CSV_QUOTE_IN_QUOTED:
        if (c == '"') {
            *st = CSV_QUOTED;
            return mloda_buf_putc(&r->fields, '"', err);
        }
        if (c == ',' || c == '\n') {
            MLODA_TRY(end_field(r, true, err));
            *st = CSV_FIELD_START;
            *done = c == '\n';
            r->line += *done;
            return MLODA_OK;
        }
        if (c == '\r')
            return MLODA_OK;
        return bad_quote(r, "text after the closing quote of a field", err);
    }
    return MLODA_OK;
}

mloda_status mloda_io_csv_reader_next(io_csv_reader *r, bool *got, mloda_error *err)
{
    *got = false;
    r->fields.len = 0;
    r->n_fields = 0;
    r->record_line = r->line;
    csv_state st = CSV_FIELD_START;
    bool any = false, done = false;
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
        any = true;
        const mloda_status s = step(r, &st, c, &done, err);
        if (s != MLODA_OK) {
            if (c != '\n')
                (void)skip_line(r, NULL);
            return s;
        }
    }
    *got = true;
    return MLODA_OK;
}
