/*
 * handlers.c: the endpoints that compute: POST /v1/run/NAME (one answer, or each table as
 * its group completes: NDJSON or server-sent events), POST /v1/feed/NAME (computes and
 * publishes to the feed) and GET /v1/feed/NAME (a subscription).
 *
 * Every computing request first takes a compute slot (mloda_serve_admit: a bounded queue,
 * 503 when full), then parses its body with the command's batch reader (typed by the
 * prepared request's schema; errors name line and column) and runs the prepared session.
 * A streamed answer keeps its slot until its last table is handed to the connection.
 */
#include "serve/serve_internal.h"

#include <stdio.h>
#include <string.h>

enum { BLOCK = 64 * 1024, KEEPALIVE_MS = 15000 };

static void release_cb(void *cls)
{
    mloda_serve_call_release(cls);
}

static void leave_slot(serve_call *call)
{
    if (call->holds_slot) {
        call->holds_slot = false;
        mloda_serve_leave(call->srv);
    }
}

static enum MHD_Result busy(serve_call *call, struct MHD_Connection *c)
{
    return mloda_serve_fail(call, c, 503, MLODA_ERR_CANCELLED, NULL,
                            "the server is busy (%lld requests computing, %lld waiting); try "
                            "again",
                            (long long)call->srv->n_slots, (long long)call->srv->opts.queue);
}

static mloda_status parse_batch(serve_call *call, mloda_api_data **out, mloda_error *err)
{
    *out = NULL;
    if (call->body.len == 0)
        return mloda_error_set(err, MLODA_ERR_PARSE, NULL,
                               "the body is empty: send one api_data object ({\"Table\": "
                               "{\"column\": [values...]}}) or one Arrow IPC stream");
    const io_schema *schema = call->entry->req.schema;
    if (call->body_arrow) { /* one record batch of an Arrow IPC stream */
        if (call->arrow_table[0] == '\0' && mloda_io_schema_n_tables(schema) != 1)
            return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL,
                                   "an Arrow IPC body fills one api_data table: name it with "
                                   "?table=NAME (the request has %lld tables)",
                                   (long long)mloda_io_schema_n_tables(schema));
        MLODA_TRY(mloda_io_arrow_parse_api_data(
            call->body.data, call->body.len, schema,
            call->arrow_table[0] != '\0' ? call->arrow_table : NULL, "body", out, err));
    } else {
        MLODA_TRY(mloda_io_api_data_parse(call->body.data, call->body.len, schema, "body", 1, 0,
                                          out, err));
    }
    int64_t rows = 0;
    for (int64_t i = 0; i < mloda_api_data_n_tables(*out); i++)
        rows += mloda_table_n_rows(mloda_api_data_table(*out, i));
    call->rows = rows;
    return MLODA_OK;
}

/* Appends a result table as one JSON object, with "elapsed_ms" when elapsed_ns >= 0. */
static mloda_status put_table(mloda_buf *b, const mloda_table *t, int64_t batch,
                              int64_t elapsed_ns, mloda_error *err)
{
    const size_t start = b->len;
    MLODA_TRY(mloda_io_write_json_table(b, t, batch, false, err));
    if (elapsed_ns < 0)
        return MLODA_OK;
    if (b->len == start || b->data[b->len - 1] != '}')
        return mloda_error_set(err, MLODA_ERR_INTERNAL, NULL, "unexpected table text");
    b->len--; /* reopen the object */
    return mloda_buf_printf(b, err, ", \"elapsed_ms\": %.3f}", (double)elapsed_ns / 1e6);
}

/* ---------------------------------------------------------------- POST /v1/run/NAME */

/* Formats the stream's next piece into call->out. */
static void run_next_piece(serve_call *call)
{
    mloda_buf *b = &call->out;
    mloda_error werr = MLODA_ERROR_INIT;
    mloda_error err = MLODA_ERROR_INIT;
    const bool sse = call->accept == SERVE_ACCEPT_SSE;
    mloda_table *t = NULL;
    const mloda_status st = mloda_stream_next(call->stream, &t, &err);
    mloda_status wst = MLODA_OK;
    if (st != MLODA_OK) { /* a calculation failed: the answer ends with its record */
        call->code = err.code;
        call->stream_done = true;
        wst = mloda_buf_puts(b, sse ? "event: failed\ndata: " : "", &werr);
        if (wst == MLODA_OK)
            wst = mloda_io_write_json_error(b, -1, &err, &werr);
        if (wst == MLODA_OK)
            wst = mloda_buf_puts(b, sse ? "\n\n" : "\n", &werr);
    } else if (t == NULL) {
        call->stream_done = true;
    } else {
        call->n_tables++;
        wst = mloda_buf_puts(b, sse ? "event: table\ndata: " : "", &werr);
        if (wst == MLODA_OK)
            wst = put_table(b, t, -1, -1, &werr);
        if (wst == MLODA_OK)
            wst = mloda_buf_puts(b, sse ? "\n\n" : "\n", &werr);
        mloda_table_release(t);
    }
    if (call->stream_done && sse && wst == MLODA_OK)
        wst = mloda_buf_printf(b, &werr, "event: end\ndata: {\"tables\": %lld}\n\n",
                               (long long)call->n_tables);
    if (wst != MLODA_OK) { /* out of memory writing: end the answer here */
        call->code = wst;
        call->stream_done = true;
    }
    if (call->stream_done)
        leave_slot(call);
}

static ssize_t run_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    serve_call *call = cls;
    while (call->out_off >= call->out.len) {
        if (call->stream_done)
            return call->code == MLODA_ERR_NOMEM ? MHD_CONTENT_READER_END_WITH_ERROR
                                                 : MHD_CONTENT_READER_END_OF_STREAM;
        call->out.len = 0;
        call->out_off = 0;
        run_next_piece(call);
    }
    size_t n = call->out.len - call->out_off;
    if (n > max)
        n = max;
    memcpy(buf, call->out.data + call->out_off, n);
    call->out_off += n;
    call->bytes_out += (int64_t)n;
    return (ssize_t)n;
}

static enum MHD_Result run_streamed(serve_call *call, struct MHD_Connection *c,
                                    const mloda_api_data *api)
{
    mloda_error err = MLODA_ERROR_INIT;
    if (mloda_session_stream_run(call->entry->session, api, &call->stream, &err) != MLODA_OK) {
        leave_slot(call);
        return mloda_serve_respond_error(call, c, mloda_serve_status_for(err.code), &err);
    }
    struct MHD_Response *r =
        mloda_serve_mhd.create_response_from_callback(MHD_SIZE_UNKNOWN, BLOCK, run_reader, call, release_cb);
    if (r == NULL)
        return MHD_NO; /* call_release frees the stream and the slot */
    atomic_fetch_add(&call->refs, 1); /* the response's reference */
    (void)mloda_serve_mhd.add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                                  call->accept == SERVE_ACCEPT_SSE ? "text/event-stream"
                                                                   : "application/x-ndjson");
    (void)mloda_serve_mhd.add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    (void)mloda_serve_mhd.add_response_header(r, "X-Content-Type-Options", "nosniff");
    if (atomic_load(&call->srv->closing))
        (void)mloda_serve_mhd.add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    call->status = 200;
    call->answered = true;
    const enum MHD_Result ok = mloda_serve_mhd.queue_response(c, 200, r);
    mloda_serve_mhd.destroy_response(r);
    return ok;
}

/* {"tables": [one object per table]} */
static mloda_status write_json_tables(mloda_buf *b, const mloda_results *res, mloda_error *err)
{
    MLODA_TRY(mloda_buf_puts(b, "{\"tables\": [", err));
    for (int64_t i = 0; i < mloda_results_n_tables(res); i++) {
        if (i > 0)
            MLODA_TRY(mloda_buf_puts(b, ", ", err));
        MLODA_TRY(put_table(b, mloda_results_table(res, i), -1, -1, err));
    }
    return mloda_buf_puts(b, "]}\n", err);
}

/* One Arrow IPC stream per table, one after another (as `mloda run --format arrow`). */
static mloda_status write_arrow_tables(mloda_buf *b, const mloda_results *res, mloda_error *err)
{
    for (int64_t i = 0; i < mloda_results_n_tables(res); i++)
        MLODA_TRY(mloda_io_write_arrow_table(b, mloda_results_table(res, i), -1, err));
    return MLODA_OK;
}

enum MHD_Result mloda_serve_handle_run(serve_call *call, struct MHD_Connection *c)
{
    if (!mloda_serve_admit(call->srv))
        return busy(call, c);
    call->holds_slot = true;
    mloda_api_data *api = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    if (parse_batch(call, &api, &err) != MLODA_OK) {
        leave_slot(call);
        return mloda_serve_respond_error(call, c, mloda_serve_status_for(err.code), &err);
    }
    if (call->accept == SERVE_ACCEPT_NDJSON || call->accept == SERVE_ACCEPT_SSE) {
        const enum MHD_Result r = run_streamed(call, c, api);
        mloda_api_data_free(api); /* the stream holds the columns it needs */
        return r;
    }
    mloda_results *res = NULL;
    mloda_status st = mloda_session_run(call->entry->session, api, &res, &err);
    mloda_api_data_free(api);
    leave_slot(call);
    if (st != MLODA_OK)
        return mloda_serve_respond_error(call, c, mloda_serve_status_for(err.code), &err);
    mloda_buf b = {0};
    const int64_t n = mloda_results_n_tables(res);
    const bool arrow = call->accept == SERVE_ACCEPT_ARROW;
    st = arrow ? write_arrow_tables(&b, res, &err) : write_json_tables(&b, res, &err);
    mloda_results_free(res);
    if (st != MLODA_OK) {
        mloda_buf_reset(&b);
        return mloda_serve_respond_error(call, c, mloda_serve_status_for(st), &err);
    }
    call->n_tables = n;
    const size_t len = b.len;
    return mloda_serve_respond(call, c, 200,
                               arrow ? "application/vnd.apache.arrow.stream" : "application/json",
                               mloda_buf_take(&b), len);
}

/* ---------------------------------------------------------------- POST /v1/feed/NAME */

static int64_t publish_error(serve_feed *f, int64_t batch, const mloda_error *e)
{
    mloda_buf b = {0};
    mloda_error werr = MLODA_ERROR_INIT;
    int64_t seq = -1;
    if (mloda_buf_puts(&b, "event: failed\ndata: ", &werr) == MLODA_OK &&
        mloda_io_write_json_error(&b, batch, e, &werr) == MLODA_OK &&
        mloda_buf_puts(&b, "\n\n", &werr) == MLODA_OK)
        seq = mloda_serve_feed_publish(f, b.data, b.len);
    mloda_buf_reset(&b);
    return seq;
}

/* Computes the batch and publishes each table as it completes. */
static mloda_status feed_compute(serve_call *call, const mloda_api_data *api, int64_t *first_seq,
                                 mloda_error *err)
{
    serve_feed *f = &call->entry->feed;
    const int64_t t0 = mloda_serve_now_ns();
    mloda_stream *stream = NULL;
    MLODA_TRY(mloda_session_stream_run(call->entry->session, api, &stream, err));
    mloda_buf b = {0};
    mloda_status st = MLODA_OK;
    for (;;) {
        mloda_table *t = NULL;
        st = mloda_stream_next(stream, &t, err);
        if (st != MLODA_OK || t == NULL)
            break;
        b.len = 0;
        st = mloda_buf_puts(&b, "event: table\ndata: ", err);
        if (st == MLODA_OK)
            st = put_table(&b, t, call->batch, mloda_serve_now_ns() - t0, err);
        if (st == MLODA_OK)
            st = mloda_buf_puts(&b, "\n\n", err);
        mloda_table_release(t);
        if (st != MLODA_OK)
            break;
        const int64_t seq = mloda_serve_feed_publish(f, b.data, b.len);
        if (seq < 0) {
            st = mloda_error_set(err, MLODA_ERR_NOMEM, NULL, "out of memory");
            break;
        }
        if (*first_seq < 0)
            *first_seq = seq;
        call->n_tables++;
    }
    mloda_stream_free(stream);
    mloda_buf_reset(&b);
    return st;
}

enum MHD_Result mloda_serve_handle_feed_post(serve_call *call, struct MHD_Connection *c)
{
    serve_feed *f = &call->entry->feed;
    call->batch = atomic_fetch_add(&f->next_batch, 1);
    if (!mloda_serve_admit(call->srv))
        return busy(call, c);
    call->holds_slot = true;
    const int64_t t0 = mloda_serve_now_ns();
    mloda_api_data *api = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    int64_t first_seq = -1;
    mloda_status st = parse_batch(call, &api, &err);
    if (st == MLODA_OK)
        st = feed_compute(call, api, &first_seq, &err);
    mloda_api_data_free(api);
    leave_slot(call);
    if (st != MLODA_OK) {
        const int64_t seq = publish_error(f, call->batch, &err);
        mloda_serve_feed_batch_done(f, first_seq >= 0 ? first_seq : seq);
        return mloda_serve_respond_error(call, c, mloda_serve_status_for(err.code), &err);
    }
    const double ms = (double)(mloda_serve_now_ns() - t0) / 1e6;
    char text[256];
    int n = snprintf(text, sizeof text,
                     "event: batch\ndata: {\"batch\": %lld, \"tables\": %lld, \"rows\": %lld, "
                     "\"elapsed_ms\": %.3f}\n\n",
                     (long long)call->batch, (long long)call->n_tables, (long long)call->rows, ms);
    const int64_t seq = mloda_serve_feed_publish(f, text, (size_t)n);
    mloda_serve_feed_batch_done(f, first_seq >= 0 ? first_seq : seq);
    n = snprintf(text, sizeof text,
                 "{\"batch\": %lld, \"tables\": %lld, \"rows\": %lld, \"elapsed_ms\": %.3f, "
                 "\"subscribers\": %lld}\n",
                 (long long)call->batch, (long long)call->n_tables, (long long)call->rows, ms,
                 (long long)atomic_load(&f->n_subscribers));
    char *body = mloda_strdup(text);
    if (body == NULL)
        return MHD_NO;
    return mloda_serve_respond(call, c, 200, "application/json", body, (size_t)n);
}

/* ---------------------------------------------------------------- GET /v1/feed/NAME */

/* Copies what is pending (generated text first, then the current event) into buf. */
static size_t sse_copy(serve_call *call, char *buf, size_t max)
{
    size_t done = 0;
    if (call->out_off < call->out.len) {
        size_t n = call->out.len - call->out_off;
        n = n > max ? max : n;
        memcpy(buf, call->out.data + call->out_off, n);
        call->out_off += n;
        done += n;
    }
    if (call->out_off >= call->out.len && call->cur != NULL && done < max) {
        size_t n = call->cur->len - call->cur_off;
        n = n > max - done ? max - done : n;
        memcpy(buf + done, call->cur->text + call->cur_off, n);
        call->cur_off += n;
        done += n;
        if (call->cur_off >= call->cur->len) {
            mloda_serve_event_release(call->cur);
            call->cur = NULL;
            call->cur_off = 0;
        }
    }
    return done;
}

static ssize_t sse_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    serve_call *call = cls;
    mloda_error werr = MLODA_ERROR_INIT;
    for (;;) {
        const size_t n = sse_copy(call, buf, max);
        if (n > 0) {
            call->bytes_out += (int64_t)n;
            return (ssize_t)n;
        }
        call->out.len = 0;
        call->out_off = 0;
        if (!call->hello_sent) { /* flushes the headers: the browser's onopen fires */
            call->hello_sent = true;
            if (mloda_buf_printf(&call->out, &werr, ": mloda feed %s\nretry: 2000\n\n",
                                 call->entry->name) != MLODA_OK)
                return MHD_CONTENT_READER_END_WITH_ERROR;
            continue;
        }
        bool closed = false;
        int64_t missed = 0;
        call->cur = mloda_serve_feed_next(&call->entry->feed, &call->cursor, KEEPALIVE_MS,
                                          &closed, &missed);
        mloda_status st = MLODA_OK;
        if (missed > 0)
            st = mloda_buf_printf(&call->out, &werr, "event: lag\ndata: {\"missed\": %lld}\n\n",
                                  (long long)missed);
        else if (call->cur == NULL && closed)
            return MHD_CONTENT_READER_END_OF_STREAM;
        else if (call->cur == NULL) /* nothing for a while: a comment keeps proxies open and
                                       finds clients that left */
            st = mloda_buf_puts(&call->out, ": keep-alive\n\n", &werr);
        if (st != MLODA_OK)
            return MHD_CONTENT_READER_END_WITH_ERROR;
    }
}

enum MHD_Result mloda_serve_handle_feed_get(serve_call *call, struct MHD_Connection *c)
{
    if (call->conn != NULL && !mloda_serve_conn_enter(call->conn, SERVE_CONN_STREAM, 0))
        return MHD_NO;
    /* a subscription is quiet between batches: no idle timeout for it (keep-alive comments
     * every 15 s find clients that left) */
    (void)mloda_serve_mhd.set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, 0u);
    call->cursor = mloda_serve_feed_subscribe(&call->entry->feed);
    call->subscribed = true;
    struct MHD_Response *r =
        mloda_serve_mhd.create_response_from_callback(MHD_SIZE_UNKNOWN, BLOCK, sse_reader, call, release_cb);
    if (r == NULL)
        return MHD_NO;
    atomic_fetch_add(&call->refs, 1);
    (void)mloda_serve_mhd.add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
    (void)mloda_serve_mhd.add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    (void)mloda_serve_mhd.add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    (void)mloda_serve_mhd.add_response_header(r, "X-Content-Type-Options", "nosniff");
    call->status = 200;
    call->answered = true;
    const enum MHD_Result ok = mloda_serve_mhd.queue_response(c, 200, r);
    mloda_serve_mhd.destroy_response(r);
    return ok;
}
