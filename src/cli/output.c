/*
 * output.c: results to stdout in the chosen format, flushed after every table so that a
 * consumer downstream sees each result as soon as it is computed.
 *   ndjson: one object per line; json: one indented array; csv: blocks separated by a
 *   blank line; table: aligned blocks separated by a blank line.
 *
 * With a writer thread (cli_output_start_thread), the calling thread only hands tables
 * (a reference) and error records over through a small bounded queue; the thread formats
 * and writes them in order, batching the text of items that wait into one write.
 */
#include "cli/cli.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "util/utf8.h"

bool cli_pick_format(const char *cmd, const char *text, io_format *out)
{
    if (text == NULL) {
        *out = isatty(STDOUT_FILENO) ? IO_FORMAT_TABLE : IO_FORMAT_NDJSON;
        return true;
    }
    if (mloda_io_format_parse(text, out))
        return true;
    cli_usage_error(cmd, "--format must be ndjson, json, csv, table or arrow, not '%s'", text);
    return false;
}

void cli_output_init(cli_output *o, io_format format, FILE *fp)
{
    memset(o, 0, sizeof *o);
    o->format = format;
    o->fp = fp;
}

/* ---------------------------------------------------------------- writer thread */

enum { FLUSH_BYTES = 1 << 20 };

static bool put_table(cli_output *o, const mloda_table *t, int64_t batch, bool flush);
static bool put_error(cli_output *o, int64_t batch, const mloda_error *e, bool flush);
static bool flush_buf(cli_output *o);

static void *writer_main(void *arg)
{
    cli_output *o = arg;
    cli_output_thread *w = &o->thread;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (w->count == 0 && !w->closing)
            pthread_cond_wait(&w->cv, &w->mu);
        if (w->count == 0)
            break;
        cli_output_item item = w->items[w->head];
        w->head = (w->head + 1) % CLI_OUTPUT_QUEUE;
        w->count--;
        w->busy = true;
        const bool more = w->count > 0;
        pthread_cond_broadcast(&w->cv);
        pthread_mutex_unlock(&w->mu);
        if (!o->failed) { /* text of waiting items goes out together, up to a MiB */
            const bool flush = !more || o->buf.len >= FLUSH_BYTES;
            if (item.table != NULL)
                (void)put_table(o, item.table, item.batch, flush);
            else
                (void)put_error(o, item.batch, &item.error, flush);
        }
        mloda_table_release(item.table);
        pthread_mutex_lock(&w->mu);
        w->failed = o->failed;
        w->busy = false;
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    if (!o->failed && o->buf.len > 0)
        (void)flush_buf(o);
    return NULL;
}

void cli_output_start_thread(cli_output *o)
{
    cli_output_thread *w = &o->thread;
    if (pthread_mutex_init(&w->mu, NULL) != 0)
        return;
    if (pthread_cond_init(&w->cv, NULL) != 0) {
        pthread_mutex_destroy(&w->mu);
        return;
    }
    /* the thread starts with SIGINT, SIGTERM and SIGHUP blocked: they reach the command's
     * thread, whose reads they interrupt (signals.c) */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    const bool masked = pthread_sigmask(SIG_BLOCK, &block, &old) == 0;
    const int rc = pthread_create(&w->id, NULL, writer_main, o);
    if (masked)
        (void)pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        return;
    }
    o->threaded = true;
}

/* Hands an item to the writer thread; false when the output has failed. */
static bool enqueue(cli_output_thread *w, const cli_output_item *item)
{
    pthread_mutex_lock(&w->mu);
    while (w->count == CLI_OUTPUT_QUEUE && !w->failed)
        pthread_cond_wait(&w->cv, &w->mu);
    const bool ok = !w->failed;
    if (ok) {
        w->items[(w->head + w->count) % CLI_OUTPUT_QUEUE] = *item;
        w->count++;
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return ok;
}

void cli_output_sync(cli_output *o)
{
    if (!o->threaded)
        return;
    cli_output_thread *w = &o->thread;
    pthread_mutex_lock(&w->mu);
    while (w->count > 0 || w->busy)
        pthread_cond_wait(&w->cv, &w->mu);
    pthread_mutex_unlock(&w->mu);
}

static void stop_thread(cli_output *o)
{
    if (!o->threaded)
        return;
    cli_output_thread *w = &o->thread;
    pthread_mutex_lock(&w->mu);
    w->closing = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    (void)pthread_join(w->id, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    o->threaded = false;
}

bool cli_output_has_failed(cli_output *o)
{
    if (!o->threaded)
        return o->failed;
    cli_output_thread *w = &o->thread;
    pthread_mutex_lock(&w->mu);
    const bool failed = w->failed;
    pthread_mutex_unlock(&w->mu);
    return failed;
}

/* Writes the text in buf, then the pieces of o->pieces (none: o->pieces.n == 0). */
static bool flush_buf(cli_output *o)
{
    if (o->failed)
        return false;
    /* write(2) itself, so that a signal cannot cut a line (stdio gives up on EINTR) */
    const size_t len = o->buf.len;
    bool ok = fflush(o->fp) == 0;
    if (ok && o->pieces.n > 0) {
        o->pieces.v[0] = (struct iovec){o->buf.data, len}; /* put_arrow_in_place left room */
        ok = cli_writev_all(fileno(o->fp), o->pieces.v, o->pieces.n);
        o->pieces.n = 0;
    } else if (ok && len > 0) {
        ok = cli_write_all(fileno(o->fp), o->buf.data, len);
    }
    if (!ok) {
        o->failed = true;
        o->fail_code = CLI_EXIT_IO;
        char why[128];
        (void)fprintf(stderr, "mloda: cannot write the output: %s\n",
                      mloda_io_errno_text(errno, why, sizeof why));
        return false;
    }
    o->buf.len = 0;
    return true;
}

/* What goes before the next item: array separators and blank lines between blocks. */
static mloda_status put_separator(cli_output *o, mloda_error *err)
{
    switch (o->format) {
    case IO_FORMAT_JSON:
        return mloda_buf_puts(&o->buf, o->n_items == 0 ? "[\n" : ",\n", err);
    case IO_FORMAT_CSV:
    case IO_FORMAT_TABLE:
        return o->n_items == 0 ? MLODA_OK : mloda_buf_putc(&o->buf, '\n', err);
    case IO_FORMAT_NDJSON:
    case IO_FORMAT_ARROW: /* streams follow one another as they are */
        break;
    }
    return MLODA_OK;
}

/* After an item's text was put from offset start: flushes it when asked, or drops it
 * (no cut line) and fails the output when formatting failed; text of items before it
 * still goes out. */
static bool finish_item(cli_output *o, mloda_status st, const mloda_error *err, bool flush,
                        size_t start)
{
    if (st != MLODA_OK) {
        cli_report("writing the output", err);
        o->buf.len = start;
        if (o->buf.data != NULL)
            o->buf.data[start] = '\0';
        if (start > 0)
            (void)flush_buf(o);
        o->failed = true;
        o->fail_code = cli_exit_code(st, CLI_EXIT_IO);
        return false;
    }
    o->n_items++;
    return !flush || flush_buf(o);
}

/* A large Arrow table goes out at once with writev(2): the text before it and its
 * metadata from buf, then its column buffers where they are instead of a copy. */
static bool put_arrow_in_place(cli_output *o, const mloda_table *t, int64_t batch)
{
    const size_t start = o->buf.len;
    mloda_error err = MLODA_ERROR_INIT;
    o->pieces.n = 1; /* room for buf's text */
    const mloda_status st =
        mloda_io_write_arrow_table_pieces(&o->buf, t, batch, &o->pieces, &err);
    if (st != MLODA_OK)
        o->pieces.n = 0;
    return finish_item(o, st, &err, true, start);
}

/* Tables whose columns hold at least this many bytes are written in place. */
enum { IN_PLACE_BYTES = 16 * 1024 };

bool cli_output_table(cli_output *o, const mloda_table *t, int64_t batch)
{
    if (o->threaded) {
        cli_output_item item = {mloda_table_retain(t), batch, MLODA_ERROR_INIT};
        if (enqueue(&o->thread, &item))
            return true;
        mloda_table_release(item.table);
        return false;
    }
    return put_table(o, t, batch, true);
}

static bool put_table(cli_output *o, const mloda_table *t, int64_t batch, bool flush)
{
    if (o->format == IO_FORMAT_ARROW &&
        mloda_table_n_rows(t) * mloda_table_n_columns(t) * 8 >= IN_PLACE_BYTES)
        return put_arrow_in_place(o, t, batch);
    const size_t start = o->buf.len;
    mloda_error err = MLODA_ERROR_INIT;
    mloda_status st = put_separator(o, &err);
    if (st == MLODA_OK) {
        switch (o->format) {
        case IO_FORMAT_NDJSON:
            st = mloda_io_write_json_table(&o->buf, t, batch, false, &err);
            if (st == MLODA_OK)
                st = mloda_buf_putc(&o->buf, '\n', &err);
            break;
        case IO_FORMAT_JSON:
            st = mloda_io_write_json_table(&o->buf, t, batch, true, &err);
            break;
        case IO_FORMAT_CSV:
            st = mloda_io_write_csv_table(&o->buf, t, batch, &err);
            break;
        case IO_FORMAT_TABLE:
            st = mloda_io_write_text_table(&o->buf, t, batch, &err);
            break;
        case IO_FORMAT_ARROW:
            st = mloda_io_write_arrow_table(&o->buf, t, batch, &err);
            break;
        }
    }
    return finish_item(o, st, &err, flush, start);
}

bool cli_output_error(cli_output *o, int64_t batch, const mloda_error *e)
{
    if (o->threaded) {
        cli_output_item item = {NULL, batch, *e};
        return enqueue(&o->thread, &item);
    }
    return put_error(o, batch, e, true);
}

static bool put_error(cli_output *o, int64_t batch, const mloda_error *e, bool flush)
{
    const size_t start = o->buf.len;
    mloda_error err = MLODA_ERROR_INIT;
    mloda_status st = put_separator(o, &err);
    if (st == MLODA_OK) {
        switch (o->format) {
        case IO_FORMAT_NDJSON:
        case IO_FORMAT_JSON:
            if (o->format == IO_FORMAT_JSON)
                st = mloda_buf_puts(&o->buf, "  ", &err);
            if (st == MLODA_OK)
                st = mloda_io_write_json_error(&o->buf, batch, e, &err);
            if (st == MLODA_OK && o->format == IO_FORMAT_NDJSON)
                st = mloda_buf_putc(&o->buf, '\n', &err);
            break;
        case IO_FORMAT_CSV: /* CSV and Arrow have no place for it: stderr tells */
        case IO_FORMAT_ARROW:
            return !flush || o->buf.len == 0 || flush_buf(o);
        case IO_FORMAT_TABLE:
            st = mloda_buf_printf(&o->buf, &err, "batch %lld: error: ", (long long)batch);
            if (st == MLODA_OK) /* text for a terminal: nothing raw */
                st = mloda_buf_put_visible(&o->buf, e->message, strlen(e->message), &err);
            if (st == MLODA_OK)
                st = mloda_buf_putc(&o->buf, '\n', &err);
            break;
        }
    }
    return finish_item(o, st, &err, flush, start);
}

int cli_output_exit_code(const cli_output *o)
{
    return o->failed ? o->fail_code : CLI_EXIT_OK;
}

bool cli_output_end(cli_output *o)
{
    stop_thread(o);
    bool ok = !o->failed;
    if (ok && o->format == IO_FORMAT_JSON) {
        mloda_error err = MLODA_ERROR_INIT;
        const mloda_status st = mloda_buf_puts(&o->buf, o->n_items == 0 ? "[]\n" : "\n]\n", &err);
        if (st != MLODA_OK) {
            cli_report("writing the output", &err);
            o->failed = true;
            o->fail_code = cli_exit_code(st, CLI_EXIT_IO);
        }
        ok = st == MLODA_OK && flush_buf(o);
    }
    mloda_buf_reset(&o->buf);
    mloda_io_pieces_reset(&o->pieces);
    return ok;
}
