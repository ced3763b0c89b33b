/*
 * arrow_source.c: micro-batches from Arrow IPC streams read from a file descriptor (a file
 * or stdin; a directory's files come through dir_source.c): each record batch is one batch
 * of the table opts->table names (default: the schema's only table), typed by the request
 * (mloda_io_arrow_api_data). Streams may follow one another, each with its own schema.
 *
 * Reads go through a 256 KiB buffer; a read interrupted by a signal ends the source with
 * MLODA_ERR_CANCELLED when opts->stop says so. A malformed message ends the source (an
 * Arrow stream cannot be resynchronised): its error is returned once, then the end. A
 * record batch that does not fit the request (a column's type) fails that batch only.
 */
#include "io/arrow_ipc.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "io/source.h"
#include "util/util.h"

enum { READ_CHUNK = 256 * 1024 };

typedef struct arrow_source {
    io_source base;
    int fd;
    bool own_fd;
    char *name;  /* owned */
    char *table; /* owned */
    const io_source_options *opts;
    const io_schema *schema;
    io_arrow_reader *reader; /* owned */
    char *buf;               /* owned read buffer */
    size_t pos, end;
    bool eof, failed;
    int64_t n_batches;
} arrow_source;

static mloda_status fd_read(void *ctx, void *dst, size_t want, size_t *got, mloda_error *err)
{
    arrow_source *s = ctx;
    size_t done = 0;
    while (done < want) {
        if (s->pos < s->end) {
            size_t n = s->end - s->pos;
            if (n > want - done)
                n = want - done;
            memcpy((char *)dst + done, s->buf + s->pos, n);
            s->pos += n;
            done += n;
            continue;
        }
        if (s->eof)
            break;
        if (want - done >= READ_CHUNK) { /* a large body: straight into place */
            const ssize_t r = read(s->fd, (char *)dst + done, want - done);
            if (r > 0) {
                done += (size_t)r;
                continue;
            }
            if (r == 0) {
                s->eof = true;
                break;
            }
        } else {
            const ssize_t r = read(s->fd, s->buf, READ_CHUNK);
            if (r > 0) {
                s->pos = 0;
                s->end = (size_t)r;
                continue;
            }
            if (r == 0) {
                s->eof = true;
                break;
            }
        }
        if (errno == EINTR) {
            if (s->opts != NULL && s->opts->stop != NULL && s->opts->stop(s->opts->stop_ctx))
                return mloda_error_set(err, MLODA_ERR_CANCELLED, s->name,
                                       "reading %s was interrupted", s->name);
            continue;
        }
        char why[128];
        return mloda_error_set(err, MLODA_ERR_IO, s->name, "cannot read %s: %s", s->name,
                               mloda_io_errno_text(errno, why, sizeof why));
    }
    *got = done;
    return MLODA_OK;
}

static mloda_status arrow_next(io_source *base, mloda_api_data **out, io_batch_info *info,
                               mloda_error *err)
{
    arrow_source *s = (arrow_source *)base;
    *out = NULL;
    mloda_io_info_set_file(info, s->name);
    if (s->failed)
        return MLODA_OK;
    info->index = s->n_batches;
    info->line = 0;
    mloda_table *batch = NULL;
    mloda_status st = mloda_io_arrow_reader_next(s->reader, &batch, err);
    if (st != MLODA_OK) { /* the message says where; the stream cannot go on after it */
        s->failed = true;
        info->index = -1;
        return st;
    }
    if (batch == NULL)
        return MLODA_OK;
    s->n_batches++;
    st = mloda_io_arrow_api_data(batch, s->schema, s->table, out, err);
    mloda_table_release(batch);
    return st;
}

static void arrow_free(io_source *base)
{
    arrow_source *s = (arrow_source *)base;
    if (s->own_fd && s->fd >= 0)
        (void)close(s->fd);
    mloda_io_arrow_reader_free(s->reader);
    mloda_free(s->buf);
    mloda_free(s->name);
    mloda_free(s->table);
    mloda_free(s);
}

mloda_status mloda_io_arrow_source_open(int fd, bool own_fd, const char *name,
                                        const io_schema *schema, const io_source_options *opts,
                                        io_source **out, mloda_error *err)
{
    *out = NULL;
    arrow_source *s = mloda_calloc(1, sizeof *s);
    if (s == NULL)
        return MLODA_NOMEM(err, "an Arrow source");
    s->base.next = arrow_next;
    s->base.free = arrow_free;
    s->fd = -1;
    s->schema = schema;
    s->opts = opts;
    mloda_status st = MLODA_OK;
    if ((s->name = mloda_strdup(name)) == NULL || (s->buf = mloda_malloc(READ_CHUNK)) == NULL)
        st = MLODA_NOMEM(err, "an Arrow source");
    if (st == MLODA_OK)
        st = mloda_io_pick_table(schema, opts != NULL ? opts->table : NULL, name, &s->table,
                                 err);
    if (st == MLODA_OK)
        st = mloda_io_arrow_reader_new(fd_read, s, name,
                                       opts != NULL ? opts->limits.max_line_bytes : 0,
                                       &s->reader, err);
    if (st != MLODA_OK) {
        arrow_free(&s->base);
        return st;
    }
    s->fd = fd; /* owned from here on */
    s->own_fd = own_fd;
    *out = &s->base;
    return MLODA_OK;
}
