/*
 * routes.c: libmicrohttpd's request handler: routing (path and method), the bearer token,
 * body limits, the simple endpoints (dashboard, health, metrics, request list, noop), the
 * answers' common headers, error records, and the completion callback that logs one line
 * per request and counts it.
 *
 * A call begins with the request's headers (first handler call: route and check what
 * headers alone decide, answering at once when they settle it), collects the body (later
 * calls) and is answered when the body is complete (last call, upload size 0).
 */
#include "serve/serve_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------- calls */

static serve_call *call_new(mloda_server *srv, struct MHD_Connection *c, const char *url,
                            const char *method)
{
    serve_call *call = mloda_calloc(1, sizeof *call);
    if (call == NULL)
        return NULL;
    atomic_init(&call->refs, 1);
    call->srv = srv;
    call->t0_ns = mloda_serve_now_ns();
    call->batch = -1;
    call->status = 0;
    call->code = MLODA_OK;
    const union MHD_ConnectionInfo *info =
        mloda_serve_mhd.get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    call->conn = info != NULL ? info->socket_context : NULL;
    (void)snprintf(call->method, sizeof call->method, "%s", method);
    (void)snprintf(call->path, sizeof call->path, "%s", url);
    atomic_fetch_add(&srv->in_flight, 1);
    return call;
}

void mloda_serve_call_release(serve_call *call)
{
    if (call == NULL || atomic_fetch_sub_explicit(&call->refs, 1, memory_order_acq_rel) != 1)
        return;
    if (call->holds_slot)
        mloda_serve_leave(call->srv);
    if (call->subscribed)
        mloda_serve_feed_unsubscribe(&call->entry->feed);
    mloda_serve_event_release(call->cur);
    mloda_stream_free(call->stream);
    mloda_buf_reset(&call->out);
    mloda_buf_reset(&call->body);
    mloda_free(call);
}

/* The connection's deadline stops: the request is here (or answered early). False when the
 * watchdog was first (it answered 408): the connection must close. */
static bool conn_busy(serve_call *call)
{
    if (call->conn == NULL)
        return true;
    const int64_t w = atomic_load(&call->conn->word);
    if (mloda_serve_conn_state(w) != SERVE_CONN_WAITING) /* already busy or streaming */
        return mloda_serve_conn_state(w) != SERVE_CONN_KILLED;
    return mloda_serve_conn_enter(call->conn, SERVE_CONN_BUSY, mloda_serve_conn_since(w));
}

/* ---------------------------------------------------------------- answers */

unsigned mloda_serve_status_for(mloda_status code)
{
    switch (code) {
    case MLODA_OK:
        return 200;
    case MLODA_ERR_COMPUTE:
        return 422; /* a well-formed batch whose calculation failed */
    case MLODA_ERR_NOMEM:
    case MLODA_ERR_CANCELLED:
        return 503;
    case MLODA_ERR_PLUGIN:
    case MLODA_ERR_INTERNAL:
    case MLODA_ERR_IO:
        return 500;
    default:
        return 400; /* parse, type, schema, range, option, ...: the batch's fault */
    }
}

static void add_common_headers(serve_call *call, struct MHD_Response *r, const char *type)
{
    if (type != NULL)
        (void)mloda_serve_mhd.add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    (void)mloda_serve_mhd.add_response_header(r, "X-Content-Type-Options", "nosniff");
    (void)mloda_serve_mhd.add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (atomic_load(&call->srv->closing))
        (void)mloda_serve_mhd.add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
}

static enum MHD_Result queue(serve_call *call, struct MHD_Connection *c, unsigned status,
                             struct MHD_Response *r)
{
    call->status = status;
    call->answered = true;
    const enum MHD_Result ok = mloda_serve_mhd.queue_response(c, status, r);
    mloda_serve_mhd.destroy_response(r);
    return ok;
}

enum MHD_Result mloda_serve_respond(serve_call *call, struct MHD_Connection *c,
                                    unsigned status, const char *content_type, char *body,
                                    size_t len)
{
    struct MHD_Response *r =
        mloda_serve_mhd.create_response_from_buffer_with_free_callback(len, body, mloda_free);
    if (r == NULL) {
        mloda_free(body);
        return MHD_NO;
    }
    add_common_headers(call, r, content_type);
    call->bytes_out = (int64_t)len;
    if (status == 401)
        (void)mloda_serve_mhd.add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                      "Bearer realm=\"mloda serve\"");
    if (status == 405) {
        const char *allow = call->ep == SERVE_EP_FEED_POST || call->ep == SERVE_EP_FEED_GET
                                ? "GET, HEAD, POST"
                            : call->ep == SERVE_EP_RUN || call->ep == SERVE_EP_NOOP ? "POST"
                                                                                     : "GET, HEAD";
        (void)mloda_serve_mhd.add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
    }
    if (status == 503)
        (void)mloda_serve_mhd.add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "1");
    return queue(call, c, status, r);
}

/* A static text answered without copying. */
static enum MHD_Result respond_static(serve_call *call, struct MHD_Connection *c,
                                      unsigned status, const char *type, const void *data,
                                      size_t len)
{
    struct MHD_Response *r =
        mloda_serve_mhd.create_response_from_buffer(len, (void *)(uintptr_t)data, MHD_RESPMEM_PERSISTENT);
    if (r == NULL)
        return MHD_NO;
    add_common_headers(call, r, type);
    call->bytes_out = (int64_t)len;
    return queue(call, c, status, r);
}

enum MHD_Result mloda_serve_respond_error(serve_call *call, struct MHD_Connection *c,
                                          unsigned status, const mloda_error *e)
{
    mloda_buf b = {0};
    mloda_error werr = MLODA_ERROR_INIT;
    call->code = e->code;
    if (mloda_io_write_json_error(&b, call->batch, e, &werr) != MLODA_OK ||
        mloda_buf_putc(&b, '\n', &werr) != MLODA_OK) {
        mloda_buf_reset(&b);
        return MHD_NO;
    }
    const size_t len = b.len;
    return mloda_serve_respond(call, c, status, "application/json", mloda_buf_take(&b), len);
}

enum MHD_Result mloda_serve_fail(serve_call *call, struct MHD_Connection *c, unsigned status,
                                 mloda_status code, const char *subject, const char *fmt, ...)
{
    mloda_error e = MLODA_ERROR_INIT;
    e.code = code;
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(e.message, sizeof e.message, fmt, ap);
    va_end(ap);
    if (subject != NULL)
        (void)snprintf(e.subject, sizeof e.subject, "%s", subject);
    return mloda_serve_respond_error(call, c, status, &e);
}

/* ---------------------------------------------------------------- routing */

static bool is_get(const char *m)
{
    return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
}

/* Sets call->ep and call->entry from the path; returns the NAME part for named endpoints
 * (for the 404 message) or NULL. */
static const char *route(serve_call *call, const char *url)
{
    mloda_server *srv = call->srv;
    const char *name = NULL;
    if (strcmp(url, "/") == 0 || strcmp(url, "/index.html") == 0)
        call->ep = SERVE_EP_DASHBOARD;
    else if (strcmp(url, "/healthz") == 0)
        call->ep = SERVE_EP_HEALTHZ;
    else if (strcmp(url, "/metrics") == 0)
        call->ep = SERVE_EP_METRICS;
    else if (strcmp(url, "/v1/requests") == 0)
        call->ep = SERVE_EP_REQUESTS;
    else if (strcmp(url, "/v1/noop") == 0)
        call->ep = SERVE_EP_NOOP;
    else if (strncmp(url, "/v1/run/", 8) == 0) {
        call->ep = SERVE_EP_RUN;
        name = url + 8;
    } else if (strncmp(url, "/v1/feed/", 9) == 0) {
        call->ep = is_get(call->method) ? SERVE_EP_FEED_GET : SERVE_EP_FEED_POST;
        name = url + 9;
    } else {
        call->ep = SERVE_EP_OTHER;
    }
    for (int64_t i = 0; name != NULL && i < srv->n_entries; i++)
        if (strcmp(srv->entries[i]->name, name) == 0)
            call->entry = srv->entries[i];
    return name;
}

static bool method_ok(const serve_call *call)
{
    const char *m = call->method;
    switch (call->ep) {
    case SERVE_EP_RUN:
    case SERVE_EP_NOOP:
        return strcmp(m, "POST") == 0;
    case SERVE_EP_FEED_GET:
        return true;
    case SERVE_EP_FEED_POST:
        return strcmp(m, "POST") == 0;
    case SERVE_EP_OTHER:
        return true;
    default:
        return is_get(m);
    }
}

static bool authorized(serve_call *call, struct MHD_Connection *c)
{
    mloda_server *srv = call->srv;
    if (srv->token == NULL || call->ep == SERVE_EP_DASHBOARD || call->ep == SERVE_EP_HEALTHZ)
        return true;
    const char *given = NULL;
    const char *h = mloda_serve_mhd.lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (h != NULL && strncasecmp(h, "Bearer ", 7) == 0) {
        given = h + 7;
        while (*given == ' ')
            given++;
    } else {
        /* EventSource cannot set headers: the dashboard passes ?access_token= (RFC 6750 §2.3) */
        given = mloda_serve_mhd.lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "access_token");
    }
    if (given == NULL)
        return false;
    return mloda_serve_token_equal(given, strlen(given), srv->token, srv->token_len);
}

static int accept_kind(struct MHD_Connection *c)
{
    const char *a = mloda_serve_mhd.lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
    if (a == NULL)
        return SERVE_ACCEPT_JSON;
    if (strstr(a, "text/event-stream") != NULL)
        return SERVE_ACCEPT_SSE;
    if (strstr(a, "application/x-ndjson") != NULL || strstr(a, "application/jsonl") != NULL)
        return SERVE_ACCEPT_NDJSON;
    if (strstr(a, "json") == NULL && strstr(a, "*/*") == NULL &&
        strstr(a, "vnd.apache.arrow") != NULL)
        return SERVE_ACCEPT_ARROW;
    return SERVE_ACCEPT_JSON;
}

/* What the headers alone settle; MHD_YES with call->answered when they did. */
static enum MHD_Result begin(serve_call *call, struct MHD_Connection *c, const char *url)
{
    mloda_server *srv = call->srv;
    const char *name = route(call, url);
    if (!authorized(call, c))
        return mloda_serve_fail(call, c, 401, MLODA_ERR_INVALID_ARG, NULL,
                                "this server needs a bearer token (Authorization: Bearer TOKEN)");
    if (atomic_load(&srv->closing))
        return mloda_serve_fail(call, c, 503, MLODA_ERR_CANCELLED, NULL,
                                "the server is shutting down");
    if (atomic_load(&srv->n_conns) > srv->opts.max_connections)
        return mloda_serve_fail(call, c, 503, MLODA_ERR_CANCELLED, NULL,
                                "too many open connections (at most %lld)",
                                (long long)srv->opts.max_connections);
    if (call->ep == SERVE_EP_OTHER)
        return mloda_serve_fail(call, c, 404, MLODA_ERR_INVALID_ARG, NULL,
                                "no such path (endpoints: /, /healthz, /metrics, /v1/requests, "
                                "/v1/run/NAME, /v1/feed/NAME, /v1/noop)");
    if (!method_ok(call))
        return mloda_serve_fail(call, c, 405, MLODA_ERR_INVALID_ARG, NULL,
                                "%s is not allowed on %s", call->method, url);
    if (name != NULL && call->entry == NULL) {
        mloda_buf names = {0};
        mloda_error werr = MLODA_ERROR_INIT;
        for (int64_t i = 0; i < srv->n_entries; i++)
            (void)mloda_buf_printf(&names, &werr, "%s%s", i > 0 ? ", " : "",
                                   srv->entries[i]->name);
        char shown[80];
        (void)snprintf(shown, sizeof shown, "%s", name);
        const enum MHD_Result r =
            mloda_serve_fail(call, c, 404, MLODA_ERR_INVALID_ARG, shown,
                             "no served request is named '%s' (served: %s)", shown,
                             names.data != NULL ? names.data : "");
        mloda_buf_reset(&names);
        return r;
    }
    call->accept = accept_kind(c);
    const bool takes_body = call->ep == SERVE_EP_RUN || call->ep == SERVE_EP_FEED_POST ||
                            call->ep == SERVE_EP_NOOP;
    if (call->accept == SERVE_ACCEPT_ARROW && takes_body && call->ep != SERVE_EP_RUN)
        return mloda_serve_fail(call, c, 406, MLODA_ERR_INVALID_ARG, NULL,
                                "Arrow IPC answers are given by /v1/run/NAME; this endpoint "
                                "answers JSON (application/json)");
    if (!takes_body)
        return MHD_YES;
    /* While a body is on its way, libmicrohttpd's idle timeout would close a stalled upload
     * without an answer: it waits a little longer than the watchdog, which answers 408. */
    (void)mloda_serve_mhd.set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT,
                                    (unsigned)srv->opts.timeout + 2u);
    call->long_timeout = true;
    const char *type = mloda_serve_mhd.lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    call->body_arrow = type != NULL && strstr(type, "vnd.apache.arrow") != NULL;
    const char *table = mloda_serve_mhd.lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "table");
    if (table != NULL && strlen(table) >= sizeof call->arrow_table)
        return mloda_serve_fail(call, c, 400, MLODA_ERR_INVALID_ARG, NULL,
                                "the table name of ?table= is longer than %zu bytes",
                                sizeof call->arrow_table - 1);
    (void)snprintf(call->arrow_table, sizeof call->arrow_table, "%s", table != NULL ? table : "");
    const char *length = mloda_serve_mhd.lookup_connection_value(c, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (length != NULL) {
        char *end = NULL;
        const unsigned long long n = strtoull(length, &end, 10);
        if (end != length && (n > (unsigned long long)srv->opts.max_body))
            return mloda_serve_fail(call, c, 413, MLODA_ERR_RANGE, NULL,
                                    "the body has %llu bytes; this server takes at most %lld "
                                    "(--max-body)",
                                    n, (long long)srv->opts.max_body);
    }
    return MHD_YES;
}

/* ---------------------------------------------------------------- simple endpoints */

static enum MHD_Result handle_healthz(serve_call *call, struct MHD_Connection *c)
{
    mloda_server *srv = call->srv;
    char text[128];
    const bool closing = atomic_load(&srv->closing);
    const int n = snprintf(text, sizeof text, "{\"status\": \"%s\", \"requests\": %lld}\n",
                           closing ? "closing" : "ok", (long long)srv->n_entries);
    char *body = mloda_strdup(text);
    if (body == NULL || n < 0) {
        mloda_free(body);
        return MHD_NO;
    }
    return mloda_serve_respond(call, c, closing ? 503 : 200, "application/json", body,
                               (size_t)n);
}

static enum MHD_Result handle_metrics(serve_call *call, struct MHD_Connection *c)
{
    mloda_buf b = {0};
    mloda_error err = MLODA_ERROR_INIT;
    if (mloda_serve_metrics_text(call->srv, &b, &err) != MLODA_OK) {
        mloda_buf_reset(&b);
        return mloda_serve_respond_error(call, c, mloda_serve_status_for(err.code), &err);
    }
    const size_t len = b.len;
    return mloda_serve_respond(call, c, 200, "text/plain; version=0.0.4; charset=utf-8",
                               mloda_buf_take(&b), len);
}

static enum MHD_Result handle_noop(serve_call *call, struct MHD_Connection *c)
{
    if (!mloda_serve_admit(call->srv))
        return mloda_serve_fail(call, c, 503, MLODA_ERR_CANCELLED, NULL,
                                "the server is busy (queue full); try again");
    mloda_serve_leave(call->srv);
    return respond_static(call, c, 200, "application/json", "{}\n", 3);
}

static const char CSP[] =
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'";

static enum MHD_Result handle_dashboard(serve_call *call, struct MHD_Connection *c)
{
    struct MHD_Response *r = mloda_serve_mhd.create_response_from_buffer(
        mloda_serve_dashboard_html_len, (void *)(uintptr_t)mloda_serve_dashboard_html,
        MHD_RESPMEM_PERSISTENT);
    if (r == NULL)
        return MHD_NO;
    add_common_headers(call, r, "text/html; charset=utf-8");
    /* the page loads nothing from elsewhere; the browser enforces it */
    (void)mloda_serve_mhd.add_response_header(r, "Content-Security-Policy", CSP);
    call->bytes_out = (int64_t)mloda_serve_dashboard_html_len;
    return queue(call, c, 200, r);
}

static enum MHD_Result finish(serve_call *call, struct MHD_Connection *c)
{
    switch (call->ep) {
    case SERVE_EP_DASHBOARD:
        return handle_dashboard(call, c);
    case SERVE_EP_HEALTHZ:
        return handle_healthz(call, c);
    case SERVE_EP_METRICS:
        return handle_metrics(call, c);
    case SERVE_EP_REQUESTS:
        return respond_static(call, c, 200, "application/json", call->srv->requests_json,
                              strlen(call->srv->requests_json));
    case SERVE_EP_NOOP:
        return handle_noop(call, c);
    case SERVE_EP_RUN:
        return mloda_serve_handle_run(call, c);
    case SERVE_EP_FEED_POST:
        return mloda_serve_handle_feed_post(call, c);
    case SERVE_EP_FEED_GET:
        return mloda_serve_handle_feed_get(call, c);
    default:
        return mloda_serve_fail(call, c, 404, MLODA_ERR_INVALID_ARG, NULL, "no such path");
    }
}

enum MHD_Result mloda_serve_on_request(void *cls, struct MHD_Connection *c, const char *url,
                                       const char *method, const char *version,
                                       const char *upload, size_t *upload_size, void **con_cls)
{
    (void)version;
    mloda_server *srv = cls;
    serve_call *call = *con_cls;
    if (call == NULL) { /* the headers */
        call = call_new(srv, c, url, method);
        if (call == NULL)
            return MHD_NO;
        *con_cls = call;
        const enum MHD_Result r = begin(call, c, url);
        if (call->answered && !conn_busy(call))
            return MHD_NO;
        return r;
    }
    if (call->conn != NULL &&
        mloda_serve_conn_state(atomic_load(&call->conn->word)) == SERVE_CONN_KILLED)
        return MHD_NO;
    if (*upload_size > 0) { /* a piece of the body */
        const size_t n = *upload_size;
        *upload_size = 0;
        if (call->answered || call->body_too_large)
            return MHD_YES; /* answered early: the rest is read and dropped */
        if (call->body.len + n > (size_t)srv->opts.max_body) {
            call->body_too_large = true;
            mloda_buf_reset(&call->body);
            return MHD_YES;
        }
        mloda_error err = MLODA_ERROR_INIT;
        return mloda_buf_append(&call->body, upload, n, &err) == MLODA_OK ? MHD_YES : MHD_NO;
    }
    if (call->answered)
        return MHD_YES;
    if (!conn_busy(call))
        return MHD_NO;
    if (call->body_too_large)
        return mloda_serve_fail(call, c, 413, MLODA_ERR_RANGE, NULL,
                                "the body is larger than this server takes (%lld bytes, "
                                "--max-body)",
                                (long long)srv->opts.max_body);
    return finish(call, c);
}

/* ---------------------------------------------------------------- completion: log, count */

static void log_line(serve_call *call, int64_t elapsed_ns, enum MHD_RequestTerminationCode toe)
{
    mloda_server *srv = call->srv;
    if (srv->opts.quiet)
        return;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct tm tm;
    gmtime_r(&now.tv_sec, &tm);
    mloda_buf b = {0};
    mloda_error err = MLODA_ERROR_INIT;
    mloda_status st = mloda_buf_printf(&b, &err, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s ",
                                       tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                                       tm.tm_min, tm.tm_sec, now.tv_nsec / 1000000,
                                       call->conn != NULL ? call->conn->client : "-");
    if (st == MLODA_OK)
        st = mloda_serve_log_field(&b, call->method, 15, &err);
    if (st == MLODA_OK)
        st = mloda_buf_putc(&b, ' ', &err);
    if (st == MLODA_OK)
        st = mloda_serve_log_field(&b, call->path, 120, &err);
    const char *code = call->code != MLODA_OK ? mloda_status_name(call->code)
                       : toe != MHD_REQUEST_TERMINATED_COMPLETED_OK ? "aborted"
                                                                     : "-";
    if (st == MLODA_OK)
        st = mloda_buf_printf(&b, &err, " %u %lld %.3f %s\n", call->status,
                              (long long)call->bytes_out, (double)elapsed_ns / 1e6, code);
    if (st == MLODA_OK)
        (void)!write(srv->opts.log_fd, b.data, b.len);
    mloda_buf_reset(&b);
}

void mloda_serve_on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                              enum MHD_RequestTerminationCode toe)
{
    mloda_server *srv = cls;
    serve_call *call = *con_cls;
    if (call == NULL)
        return;
    *con_cls = NULL;
    const int64_t elapsed = mloda_serve_now_ns() - call->t0_ns;
    if (call->status == 0)
        call->status = 500; /* closed before any answer: counted as such */
    log_line(call, elapsed, toe);
    mloda_serve_count(srv, call, elapsed);
    if (call->long_timeout && call->ep != SERVE_EP_FEED_GET) /* idle again: the usual timeout */
        (void)mloda_serve_mhd.set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT,
                                        (unsigned)srv->opts.timeout);
    if (call->conn != NULL) /* the next request's deadline starts now */
        (void)mloda_serve_conn_enter(call->conn, SERVE_CONN_WAITING, mloda_serve_now_ns());
    atomic_fetch_sub(&srv->in_flight, 1);
    mloda_serve_call_release(call);
}
