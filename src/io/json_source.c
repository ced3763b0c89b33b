/*
 * json_source.c: batches from JSON text on a file descriptor: NDJSON (one api_data object
 * per non-blank line) or a whole .json document.
 *
 * Bytes are read with read(2) as they arrive (a pipe delivers a line as soon as it is
 * written). A line of up to READ_CHUNK bytes is fed to the batch parser in one piece once
 * its end has arrived (so that the JSON reader's fast path reads it whole); a longer one is
 * fed segment by segment, so it is never held whole in memory. A malformed line fails
 * alone: its error is kept while the rest of the line is skipped, then returned; the next
 * call starts on the next line.
 */
#include "io/source.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/util.h"

#define READ_CHUNK (1024 * 1024) /* a batch line that fits is parsed in one piece */

typedef struct json_source {
    io_source base;
    int fd;
    bool own_fd;
    bool whole_document;
    char *name; /* owned */
    const io_schema *schema;
    char *buf; /* owned, READ_CHUNK bytes */
    size_t pos;
    size_t end;
    int64_t buf_byte;   /* absolute offset of buf[0] */
    int64_t line;       /* 1-based line of buf[pos] */
    int64_t line_start; /* absolute offset where that line starts */
    bool eof;
    bool io_failed;
    bool bom_checked; /* a byte-order mark at the start of the input is skipped */
    int64_t n_batches;
    /* the document being read */
    io_batch_parser bp;
    bool failed;          /* the current document has an error: skip to its end */
    mloda_error doc_err;  /* that error */
    int64_t doc_line;     /* line where the document starts */
    int64_t doc_bytes;    /* bytes of it fed so far */
    int64_t max_bytes;    /* cap on one document (a line, or a whole .json file) */
    const io_source_options *opts; /* borrowed: the stop callback; may be NULL */
} json_source;

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Reads more input. The bytes from buf[keep] on stay (keep == end: none), moved to the
 * front when the buffer has no room after them. */
static mloda_status fill(json_source *s, size_t keep, mloda_error *err)
{
    if (keep == s->end || s->end == READ_CHUNK) {
        const size_t n = s->end - keep;
        memmove(s->buf, s->buf + keep, n);
        s->buf_byte += (int64_t)keep;
        s->pos -= keep;
        s->end = n;
    }
    for (;;) {
        const ssize_t got = read(s->fd, s->buf + s->end, READ_CHUNK - s->end);
        if (got < 0 && errno == EINTR) {
            if (s->opts != NULL && s->opts->stop != NULL && s->opts->stop(s->opts->stop_ctx))
                return mloda_error_set(err, MLODA_ERR_CANCELLED, s->name,
                                       "reading %s was interrupted", s->name);
            continue;
        }
        if (got < 0) {
            char why[128];
            s->io_failed = true;
            s->eof = true;
            return mloda_error_set(err, MLODA_ERR_IO, s->name, "cannot read %s: %s", s->name,
                                   mloda_io_errno_text(errno, why, sizeof why));
        }
        s->end += (size_t)got;
        s->eof = got == 0;
        return MLODA_OK;
    }
}

/* Starts a document at buf[pos] (its first non-blank byte). */
static mloda_status begin_document(json_source *s, io_batch_info *info, mloda_error *err)
{
    s->failed = false;
    mloda_error_reset(&s->doc_err);
    s->doc_line = s->line;
    s->doc_bytes = 0;
    info->index = s->n_batches++;
    info->line = s->line;
    mloda_io_info_set_file(info, s->name);
    const mloda_status st = mloda_io_batch_parser_begin(&s->bp, s->schema, s->name, s->line,
                                                  s->buf_byte + (int64_t)s->pos, s->line_start,
                                                  &s->doc_err);
    s->failed = st != MLODA_OK;
    return st == MLODA_ERR_NOMEM ? mloda_error_set(err, st, NULL, "%s", s->doc_err.message)
                                 : MLODA_OK;
}

static void feed(json_source *s, size_t seg_end)
{
    if (s->failed || seg_end <= s->pos)
        return;
    const int64_t n = (int64_t)(seg_end - s->pos);
    if (n > s->max_bytes - s->doc_bytes) { /* the rest of it is skipped unread */
        s->failed = true;
        (void)mloda_error_set(&s->doc_err, MLODA_ERR_PARSE, s->name,
                              "%s: line %lld: %s longer than %lld bytes (the limit "
                              "max_line_bytes; mloda --max-line-bytes)",
                              s->name, (long long)s->doc_line,
                              s->whole_document ? "a batch file" : "a batch line",
                              (long long)s->max_bytes);
        return;
    }
    s->doc_bytes += n;
    s->failed = mloda_io_batch_parser_feed(&s->bp, s->buf + s->pos, seg_end - s->pos,
                                         &s->doc_err) != MLODA_OK;
}

static mloda_status end_document(json_source *s, mloda_api_data **out, mloda_error *err)
{
    if (!s->failed)
        (void)mloda_io_batch_parser_end(&s->bp, out, &s->doc_err);
    mloda_io_batch_parser_reset(&s->bp);
    s->failed = false;
    if (s->doc_err.code != MLODA_OK) {
        if (err != NULL && err->code == MLODA_OK)
            *err = s->doc_err;
        return s->doc_err.code;
    }
    return MLODA_OK;
}

/* Advances pos to seg_end, counting the lines of a whole document as it goes. */
static void advance(json_source *s, size_t seg_end)
{
    if (s->whole_document) {
        for (size_t i = s->pos; i < seg_end; i++) {
            if (s->buf[i] == '\n') {
                s->line++;
                s->line_start = s->buf_byte + (int64_t)i + 1;
            }
        }
    }
    s->pos = seg_end;
}

static mloda_status json_next(io_source *base, mloda_api_data **out, io_batch_info *info,
                              mloda_error *err)
{
    json_source *s = (json_source *)base;
    *out = NULL;
    for (;;) {
        if (s->pos == s->end) {
            if (s->eof)
                return s->bp.active || s->failed ? end_document(s, out, err) : MLODA_OK;
            MLODA_TRY(fill(s, s->end, err));
            if (!s->bom_checked && s->buf_byte == 0 && mloda_io_has_bom(s->buf, s->end)) {
                s->pos = 3;
                s->line_start = 3;
            }
            s->bom_checked = true;
            continue;
        }
        const char *nl =
            s->whole_document ? NULL : memchr(s->buf + s->pos, '\n', s->end - s->pos);
        if (nl == NULL && !s->whole_document && !s->eof && !s->bp.active && !s->failed &&
            s->end - s->pos < READ_CHUNK) { /* a line that fits is read whole */
            MLODA_TRY(fill(s, s->pos, err));
            continue;
        }
        const size_t seg_end = nl != NULL ? (size_t)(nl - s->buf) : s->end;
        if (!s->bp.active && !s->failed) {
            while (s->pos < seg_end && is_space(s->buf[s->pos]))
                advance(s, s->pos + 1);
            if (s->pos < seg_end)
                MLODA_TRY(begin_document(s, info, err));
        }
        feed(s, seg_end);
        advance(s, seg_end);
        if (nl == NULL)
            continue;
        s->pos++; /* the newline */
        s->line++;
        s->line_start = s->buf_byte + (int64_t)s->pos;
        if (s->bp.active || s->failed)
            return end_document(s, out, err);
    }
}

mloda_status mloda_io_json_source_at_end(io_source *base, bool *out, mloda_error *err)
{
    json_source *s = (json_source *)base;
    *out = false;
    if (s->bp.active || s->failed)
        return MLODA_OK;
    for (;;) {
        while (s->pos < s->end && is_space(s->buf[s->pos]))
            s->pos++; /* blanks only: no document starts, lines need no count */
        if (s->pos < s->end)
            return MLODA_OK;
        if (s->eof) {
            *out = true;
            return MLODA_OK;
        }
        MLODA_TRY(fill(s, s->end, err));
    }
}

static void json_free(io_source *base)
{
    json_source *s = (json_source *)base;
    mloda_io_batch_parser_reset(&s->bp);
    if (s->own_fd && s->fd >= 0)
        (void)close(s->fd);
    mloda_free(s->buf);
    mloda_free(s->name);
    mloda_free(s);
}

mloda_status mloda_io_json_source_open(int fd, bool own_fd, const char *name, bool whole_document,
                                 const io_schema *schema, const io_source_options *opts,
                                 io_source **out, mloda_error *err)
{
    *out = NULL;
    json_source *s = mloda_calloc(1, sizeof *s);
    if (s == NULL)
        return MLODA_NOMEM(err, "a batch source");
    s->base.next = json_next;
    s->base.free = json_free;
    s->fd = fd;
    s->own_fd = own_fd;
    s->whole_document = whole_document;
    s->schema = schema;
    s->opts = opts;
    s->max_bytes = mloda_io_cap(opts != NULL ? opts->limits.max_line_bytes : 0,
                                MLODA_IO_DEFAULT_MAX_LINE_BYTES);
    s->line = 1;
    s->name = mloda_strdup(name);
    s->buf = mloda_malloc(READ_CHUNK);
    if (s->name == NULL || s->buf == NULL) {
        s->own_fd = false; /* the caller still owns fd after a failed open */
        json_free(&s->base);
        return MLODA_NOMEM(err, "a batch source");
    }
    *out = &s->base;
    return MLODA_OK;
}
