/*
 * output.c: results to stdout in the chosen format, flushed after every table so that a
 * consumer downstream sees each result as soon as it is computed.
 *   ndjson: one object per line; json: one indented array; csv: blocks separated by a
 *   blank line; table: aligned blocks separated by a blank line.
 */
#include "cli/cli.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "util/utf8.h"

bool cli_pick_format(const char *cmd, const char *text, bool allow_table_csv, io_format *out)
{
    if (text == NULL) {
        *out = isatty(STDOUT_FILENO) ? IO_FORMAT_TABLE : IO_FORMAT_NDJSON;
        return true;
    }
    if (mloda_io_format_parse(text, out) &&
        (allow_table_csv || *out == IO_FORMAT_NDJSON || *out == IO_FORMAT_JSON))
        return true;
    cli_usage_error(cmd, "--format must be %s, not '%s'",
                    allow_table_csv ? "ndjson, json, csv or table" : "ndjson or json", text);
    return false;
}

void cli_output_init(cli_output *o, io_format format, FILE *fp)
{
    memset(o, 0, sizeof *o);
    o->format = format;
    o->fp = fp;
}

static bool flush_buf(cli_output *o)
{
    if (o->failed)
        return false;
    /* write(2) itself, so that a signal cannot cut a line (stdio gives up on EINTR) */
    const size_t len = o->buf.len;
    if (fflush(o->fp) != 0 || (len > 0 && !cli_write_all(fileno(o->fp), o->buf.data, len))) {
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
        break;
    }
    return MLODA_OK;
}

static bool finish_item(cli_output *o, mloda_status st, const mloda_error *err)
{
    if (st != MLODA_OK) {
        cli_report("writing the output", err);
        o->failed = true;
        o->fail_code = cli_exit_code(st, CLI_EXIT_IO);
        o->buf.len = 0; /* the item's text so far is dropped: no cut line */
        return false;
    }
    o->n_items++;
    return flush_buf(o);
}

bool cli_output_table(cli_output *o, const mloda_table *t, int64_t batch)
{
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
        }
    }
    return finish_item(o, st, &err);
}

bool cli_output_error(cli_output *o, int64_t batch, const mloda_error *e)
{
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
        case IO_FORMAT_CSV:
            return true; /* CSV has no place for it: stderr tells */
        case IO_FORMAT_TABLE:
            st = mloda_buf_printf(&o->buf, &err, "batch %lld: error: ", (long long)batch);
            if (st == MLODA_OK) /* text for a terminal: nothing raw */
                st = mloda_buf_put_visible(&o->buf, e->message, strlen(e->message), &err);
            if (st == MLODA_OK)
                st = mloda_buf_putc(&o->buf, '\n', &err);
            break;
        }
    }
    return finish_item(o, st, &err);
}

int cli_output_exit_code(const cli_output *o)
{
    return o->failed ? o->fail_code : CLI_EXIT_OK;
}

bool cli_output_end(cli_output *o)
{
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
    return ok;
}
