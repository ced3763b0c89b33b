/*
 * json_reading_log.h: one reading of a JSON text by src/io/json_events.c, written down as
 * text: every event a handler sees (kind, text, boolean, line:column:byte), then the
 * final status and error message. The fast reader is right when its log equals the log
 * of yajl alone (mloda_io_json_parser_yajl_only) and every number it converted itself is
 * the one mloda_io_number_parse reads (counted in json_reading_result); likewise a batch
 * read by the batch parser, whose float64 columns take numbers in runs. Shared by
 * tests/io/test_io_json_fast.c and fuzz/fuzz_json_fast.c.
 */
#ifndef MLODA_TESTS_JSON_READING_LOG_H
#define MLODA_TESTS_JSON_READING_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "io/column_reader.h"
#include "io/json_events.h"
#include "io/source.h"
#include "util/buf.h"

typedef struct json_reading_result {
    bool fast_all;       /* the fast reader read everything */
    int64_t n_converted; /* numbers the fast reader converted itself */
    int64_t n_wrong;     /* of those, values other than mloda_io_number_parse's */
} json_reading_result;

typedef struct json_reading {
    mloda_buf log;
    int64_t fail_at; /* the handler fails at this event (counting from 0); -1: never */
    int64_t n_events;
    json_reading_result res;
} json_reading;

static bool json_reading_number_ok(const io_json_event *ev)
{
    io_number want;
    if (!mloda_io_number_parse(ev->text, ev->len, &want))
        return false;
    const io_number *got = ev->number;
    return got->is_int == want.is_int && !got->int_overflow && (!want.is_int || got->i == want.i) &&
           memcmp(&got->d, &want.d, sizeof want.d) == 0;
}

static mloda_status json_reading_event(void *self, const io_json_event *ev, mloda_error *err)
{
    json_reading *r = self;
    int64_t line = 0, column = 0, byte = 0;
    mloda_io_json_parser_where(ev->parser, &line, &column, &byte);
    mloda_error e = MLODA_ERROR_INIT;
    (void)mloda_buf_printf(&r->log, &e, "%d %d @%lld:%lld:%lld [", (int)ev->kind,
                           (int)ev->boolean, (long long)line, (long long)column,
                           (long long)byte);
    if (ev->text != NULL)
        (void)mloda_buf_append(&r->log, ev->text, ev->len, &e);
    (void)mloda_buf_puts(&r->log, "]\n", &e);
    if (ev->kind == IO_JSON_NUMBER && ev->number != NULL) {
        r->res.n_converted++;
        r->res.n_wrong += !json_reading_number_ok(ev);
    }
    if (r->n_events++ == r->fail_at)
        return mloda_error_set(err, MLODA_ERR_TYPE, NULL, "the handler stops here");
    return MLODA_OK;
}

/* Reads text in the chunks cut at cuts[0..n_cuts) (ascending). Returns the log (free it),
 * NULL when the parser cannot be made; *res (may be NULL) says what the fast reader did. */
static char *json_reading_log(const char *text, size_t len, const size_t *cuts, int n_cuts,
                              bool many, bool yajl_only, int64_t fail_at,
                              json_reading_result *res)
{
    json_reading r = {{0}, fail_at, 0, {false, 0, 0}};
    io_json_parser p;
    mloda_error err = MLODA_ERROR_INIT;
    if (mloda_io_json_parser_init(&p, json_reading_event, &r, "t.json", 2, 10, &err) != MLODA_OK)
        return NULL;
    if (many)
        mloda_io_json_parser_allow_many(&p);
    if (yajl_only)
        mloda_io_json_parser_yajl_only(&p);
    mloda_status st = MLODA_OK;
    size_t from = 0;
    for (int k = 0; k <= n_cuts && st == MLODA_OK; k++) {
        const size_t to = k < n_cuts ? cuts[k] : len;
        st = mloda_io_json_parser_feed(&p, text + from, to - from, &err);
        from = to;
    }
    if (st == MLODA_OK)
        st = mloda_io_json_parser_finish(&p, &err);
    r.res.fast_all = !p.fast.off;
    if (res != NULL)
        *res = r.res;
    mloda_io_json_parser_reset(&p);
    mloda_error e = MLODA_ERROR_INIT;
    (void)mloda_buf_printf(&r.log, &e, "status %d: %s\n", (int)st,
                           st == MLODA_OK ? "" : err.message);
    return r.log.data;
}

/* One batch through the batch parser (fed in two pieces cut at `cut`), written down: the
 * status and message, then each table as NDJSON after its column types. With a schema
 * typing a column float64, its numbers come in runs (mloda_io_json_parser_take_runs) unless
 * yajl_only. NULL when the parser cannot be made. */
static char *json_reading_batch(const char *text, size_t len, size_t cut,
                                const io_schema *schema, bool yajl_only)
{
    io_batch_parser bp;
    mloda_error err = MLODA_ERROR_INIT;
    mloda_api_data *api = NULL;
    mloda_buf log = {0};
    if (mloda_io_batch_parser_begin(&bp, schema, "b.ndjson", 4, 100, 90, &err) != MLODA_OK)
        return NULL;
    if (yajl_only)
        mloda_io_json_parser_yajl_only(&bp.parser);
    mloda_status st = mloda_io_batch_parser_feed(&bp, text, cut, &err);
    if (st == MLODA_OK)
        st = mloda_io_batch_parser_feed(&bp, text + cut, len - cut, &err);
    if (st == MLODA_OK)
        st = mloda_io_batch_parser_end(&bp, &api, &err);
    else
        mloda_io_batch_parser_reset(&bp);
    mloda_error e = MLODA_ERROR_INIT;
    (void)mloda_buf_printf(&log, &e, "status %d: %s\n", (int)st,
                           st == MLODA_OK ? "" : err.message);
    for (int64_t k = 0; api != NULL && k < mloda_api_data_n_tables(api); k++) {
        const mloda_table *t = mloda_api_data_table(api, k);
        for (int64_t c = 0; c < mloda_table_n_columns(t); c++)
            (void)mloda_buf_printf(&log, &e, "type %d ",
                                   (int)mloda_column_type(mloda_table_column(t, c)));
        if (mloda_io_write_json_table(&log, t, k, false, &e) != MLODA_OK)
            (void)mloda_buf_puts(&log, "(not written)", &e);
        (void)mloda_buf_putc(&log, '\n', &e);
    }
    mloda_api_data_free(api);
    return log.data;
}

#endif /* MLODA_TESTS_JSON_READING_LOG_H */
