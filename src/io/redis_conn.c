/*
 * redis_conn.c: redis:// URLs and one connection to a Redis server (hiredis), with the
 * waits done here: a reply is awaited with poll(2) and a deadline, so that a server that
 * stops answering is noticed (the caller reconnects) and a signal interrupts nothing
 * (EINTR just polls again; the caller asks its stop flag between commands). Commands are
 * formatted into our own buffers and handed to hiredis whole.
 *
 * Messages name the server as redis://HOST:PORT, never with the password.
 */
#include "io/redis.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

#include "util/util.h"

#define DEFAULT_PORT 6379
#define DEFAULT_IO_TIMEOUT 10.0 /* seconds an ordinary reply may take */

double mloda_io_redis_now(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void mloda_io_redis_sleep(double s)
{
    if (s <= 0)
        return;
    struct timespec ts;
    ts.tv_sec = (time_t)s;
    ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
    (void)nanosleep(&ts, NULL);
}

/* ---------------------------------------------------------------- URLs */

bool mloda_io_is_redis_url(const char *text)
{
    return text != NULL && strncasecmp(text, "redis://", 8) == 0;
}

/* Copies s[0..len) into dst (cap bytes) decoding %XX; false when too long, a bad escape or a
 * NUL or control byte would result. */
static bool decode_part(const char *s, size_t len, char *dst, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            if (i + 2 >= len)
                return false;
            const int hi = mloda_hex_value(s[i + 1]);
            const int lo = mloda_hex_value(s[i + 2]);
            if (hi < 0 || lo < 0)
                return false;
            c = (unsigned char)(hi * 16 + lo);
            i += 2;
        }
        if (c < 0x20 || c == 0x7f || n + 1 >= cap)
            return false;
        dst[n++] = (char)c;
    }
    dst[n] = '\0';
    return true;
}

#define URL_FORM "redis://[[USER]:PASSWORD@]HOST[:PORT]/STREAM"

static mloda_status bad_url(const char *what, const char *text, const char *why,
                            mloda_error *err)
{
    char shown[160];
    /* the URL may hold a password: show only its scheme and host part */
    const char *at = strchr(text, '@');
    const char *host = at != NULL ? at + 1 : text + (mloda_io_is_redis_url(text) ? 8 : 0);
    (void)snprintf(shown, sizeof shown, "%s%s%.100s", mloda_io_is_redis_url(text) ? "redis://" : "",
                   at != NULL ? "...@" : "", host);
    return mloda_error_set(err, MLODA_ERR_INVALID_ARG, what, "%s '%s': %s (the form is %s)", what,
                           shown, why, URL_FORM);
}

mloda_status mloda_io_redis_url_parse(const char *text, const char *what, io_redis_url *out,
                                      mloda_error *err)
{
    memset(out, 0, sizeof *out);
    out->port = DEFAULT_PORT;
    if (!mloda_io_is_redis_url(text))
        return bad_url(what, text, "not a redis:// URL", err);
    const char *p = text + 8;
    const char *slash = strchr(p, '/');
    if (slash == NULL)
        return bad_url(what, text, "no stream named after the server", err);
    /* userinfo: everything before the last '@' of the authority */
    const char *at = NULL;
    for (const char *q = p; q < slash; q++)
        if (*q == '@')
            at = q;
    if (at != NULL) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        if (colon == NULL)
            return bad_url(what, text, "the part before '@' must be USER:PASSWORD or :PASSWORD",
                           err);
        if (!decode_part(p, (size_t)(colon - p), out->user, sizeof out->user) ||
            !decode_part(colon + 1, (size_t)(at - colon - 1), out->password,
                         sizeof out->password))
            return bad_url(what, text, "the user or password is too long or badly escaped", err);
        if (out->password[0] == '\0')
            return bad_url(what, text, "the password is empty", err);
        p = at + 1;
    }
    const char *host_end = slash;
    const char *port_at = NULL;
    if (*p == '[') { /* IPv6 literal */
        const char *close = memchr(p, ']', (size_t)(slash - p));
        if (close == NULL)
            return bad_url(what, text, "an IPv6 address needs its closing ']'", err);
        if (close + 1 < slash && close[1] != ':')
            return bad_url(what, text, "unexpected text after the IPv6 address", err);
        if (close + 1 < slash)
            port_at = close + 2;
        if (!decode_part(p + 1, (size_t)(close - p - 1), out->host, sizeof out->host))
            return bad_url(what, text, "the host is too long", err);
    } else {
        const char *colon = memchr(p, ':', (size_t)(slash - p));
        if (colon != NULL) {
            host_end = colon;
            port_at = colon + 1;
        }
        if (!decode_part(p, (size_t)(host_end - p), out->host, sizeof out->host))
            return bad_url(what, text, "the host is too long or badly escaped", err);
    }
    if (out->host[0] == '\0')
        return bad_url(what, text, "no host", err);
    if (port_at != NULL) {
        long port = 0;
        if (port_at == slash)
            return bad_url(what, text, "the port is empty", err);
        for (const char *q = port_at; q < slash; q++) {
            if (*q < '0' || *q > '9' || port > 65535)
                return bad_url(what, text, "the port must be a number from 1 to 65535", err);
            port = port * 10 + (*q - '0');
        }
        if (port < 1 || port > 65535)
            return bad_url(what, text, "the port must be a number from 1 to 65535", err);
        out->port = (int)port;
    }
    if (!decode_part(slash + 1, strlen(slash + 1), out->key, sizeof out->key))
        return bad_url(what, text, "the stream name is too long or badly escaped", err);
    if (out->key[0] == '\0')
        return bad_url(what, text, "no stream named after the server", err);
    return MLODA_OK;
}

/* ---------------------------------------------------------------- the connection */

void mloda_io_redis_conn_init(io_redis_conn *c, const io_redis_url *url)
{
    memset(c, 0, sizeof *c);
    c->url = *url;
    const bool v6 = strchr(url->host, ':') != NULL;
    (void)snprintf(c->where, sizeof c->where, "redis://%s%.256s%s:%d", v6 ? "[" : "", url->host,
                   v6 ? "]" : "", url->port);
    c->io_timeout = DEFAULT_IO_TIMEOUT;
}

void mloda_io_redis_disconnect(io_redis_conn *c)
{
    if (c->ctx != NULL)
        redisFree(c->ctx);
    c->ctx = NULL;
}

/* A failure of the connection itself: disconnects, so that the caller reconnects. */
static mloda_status lost(io_redis_conn *c, const char *why, mloda_error *err)
{
    char text[256]; /* why may be the context's errstr, freed by the disconnect */
    (void)snprintf(text, sizeof text, "%s", why);
    mloda_io_redis_disconnect(c);
    return mloda_error_set(err, MLODA_ERR_IO, c->where, "%s: %s", c->where, text);
}

mloda_status mloda_io_redis_format(mloda_buf *out, int argc, const char *const *argv,
                                   const size_t *lens, mloda_error *err)
{
    MLODA_TRY(mloda_buf_printf(out, err, "*%d\r\n", argc));
    for (int i = 0; i < argc; i++) {
        const size_t len = lens != NULL ? lens[i] : strlen(argv[i]);
        MLODA_TRY(mloda_buf_printf(out, err, "$%zu\r\n", len));
        MLODA_TRY(mloda_buf_append(out, argv[i], len, err));
        MLODA_TRY(mloda_buf_append(out, "\r\n", 2, err));
    }
    return MLODA_OK;
}

mloda_status mloda_io_redis_send(io_redis_conn *c, const char *cmd, size_t len, mloda_error *err)
{
    if (c->ctx == NULL)
        return mloda_error_set(err, MLODA_ERR_IO, c->where, "%s: not connected", c->where);
    if (redisAppendFormattedCommand(c->ctx, cmd, len) != REDIS_OK)
        return c->ctx->err == REDIS_ERR_OOM ? MLODA_NOMEM(err, "a Redis command")
                                            : lost(c, c->ctx->errstr, err);
    int done = 0;
    while (!done) /* a blocking socket with a send timeout: EINTR is retried by hiredis */
        if (redisBufferWrite(c->ctx, &done) != REDIS_OK)
            return lost(c, c->ctx->errstr, err);
    return MLODA_OK;
}

mloda_status mloda_io_redis_read(io_redis_conn *c, double extra, redisReply **out,
                                 mloda_error *err)
{
    *out = NULL;
    if (c->ctx == NULL)
        return mloda_error_set(err, MLODA_ERR_IO, c->where, "%s: not connected", c->where);
    const double deadline = mloda_io_redis_now() + c->io_timeout + (extra > 0 ? extra : 0);
    for (;;) {
        void *reply = NULL;
        if (redisGetReplyFromReader(c->ctx, &reply) != REDIS_OK)
            return c->ctx->err == REDIS_ERR_OOM ? MLODA_NOMEM(err, "a Redis reply")
                                                : lost(c, c->ctx->errstr, err);
        if (reply != NULL) {
            *out = reply;
            return MLODA_OK;
        }
        const double left = deadline - mloda_io_redis_now();
        if (left <= 0)
            return lost(c, "no answer in time", err);
        struct pollfd pfd = {c->ctx->fd, POLLIN, 0};
        const int n = poll(&pfd, 1, left > 0.2 ? 200 : (int)(left * 1000) + 1);
        if (n < 0 && errno != EINTR) {
            char why[128];
            return lost(c, mloda_io_errno_text(errno, why, sizeof why), err);
        }
        if (n > 0 && redisBufferRead(c->ctx) != REDIS_OK)
            return lost(c, c->ctx->errstr, err);
    }
}

mloda_status mloda_io_redis_call(io_redis_conn *c, int argc, const char *const *argv,
                                 double extra, redisReply **out, mloda_error *err)
{
    *out = NULL;
    mloda_buf cmd = {0};
    mloda_status st = mloda_io_redis_format(&cmd, argc, argv, NULL, err);
    if (st == MLODA_OK)
        st = mloda_io_redis_send(c, cmd.data, cmd.len, err);
    mloda_buf_reset(&cmd);
    return st == MLODA_OK ? mloda_io_redis_read(c, extra, out, err) : st;
}

bool mloda_io_redis_is_error(const redisReply *r, const char *prefix)
{
    return r != NULL && r->type == REDIS_REPLY_ERROR && r->str != NULL &&
           strncmp(r->str, prefix, strlen(prefix)) == 0;
}

/* A reply's kind in words, for messages. */
static const char *reply_kind(const redisReply *r)
{
    switch (r != NULL ? r->type : 0) {
    case REDIS_REPLY_STRING:
        return "a string";
    case REDIS_REPLY_ARRAY:
        return "an array of another shape";
    case REDIS_REPLY_INTEGER:
        return "an integer";
    case REDIS_REPLY_NIL:
        return "nil";
    case REDIS_REPLY_STATUS:
        return "a status";
    default:
        return "a reply of another kind";
    }
}

mloda_status mloda_io_redis_reply_error(const io_redis_conn *c, const redisReply *r,
                                        const char *what, mloda_error *err)
{
    if (r != NULL && r->type == REDIS_REPLY_ERROR)
        return mloda_error_set(err, MLODA_ERR_IO, c->where, "%s: %s: %.300s", c->where, what,
                               r->str != NULL ? r->str : "error");
    return mloda_error_set(err, MLODA_ERR_IO, c->where,
                           "%s: %s: unexpected reply (%s; is this a Redis 7 server?)", c->where,
                           what, reply_kind(r));
}

mloda_status mloda_io_redis_connect(io_redis_conn *c, mloda_error *err)
{
    mloda_io_redis_disconnect(c);
    c->auth_refused = false;
    const struct timeval tv = {(time_t)c->io_timeout, 0};
    c->ctx = redisConnectWithTimeout(c->url.host, c->url.port, tv);
    if (c->ctx == NULL)
        return MLODA_NOMEM(err, "a Redis connection");
    if (c->ctx->err != 0) {
        char why[160];
        (void)snprintf(why, sizeof why, "%s", c->ctx->errstr);
        mloda_io_redis_disconnect(c);
        return mloda_error_set(err, MLODA_ERR_IO, c->where, "cannot connect to %s: %s", c->where,
                               why);
    }
    if (redisSetTimeout(c->ctx, tv) != REDIS_OK) /* bounds a send to a server that hangs */
        return lost(c, c->ctx->errstr, err);
    if (c->url.password[0] == '\0')
        return MLODA_OK;
    const char *argv[3] = {"AUTH", c->url.user, c->url.password};
    const int argc = c->url.user[0] != '\0' ? 3 : 2;
    if (argc == 2)
        argv[1] = c->url.password;
    redisReply *r = NULL;
    MLODA_TRY(mloda_io_redis_call(c, argc, argv, 0, &r, err));
    mloda_status st = MLODA_OK;
    if (r->type == REDIS_REPLY_ERROR) {
        st = mloda_error_set(err, MLODA_ERR_IO, c->where, "%s: authentication refused: %.300s",
                             c->where, r->str != NULL ? r->str : "error");
        c->auth_refused = true;
        mloda_io_redis_disconnect(c);
    }
    freeReplyObject(r);
    return st;
}

mloda_status mloda_io_redis_load_script(io_redis_conn *c, const char *body, char sha[41],
                                        mloda_error *err)
{
    const char *argv[] = {"SCRIPT", "LOAD", body};
    redisReply *r = NULL;
    MLODA_TRY(mloda_io_redis_call(c, 3, argv, 0, &r, err));
    mloda_status st = MLODA_OK;
    if (r->type != REDIS_REPLY_STRING || r->len != 40)
        st = mloda_io_redis_reply_error(c, r, "loading a script", err);
    else
        memcpy(sha, r->str, 41);
    freeReplyObject(r);
    return st;
}

mloda_status mloda_io_redis_key_type(io_redis_conn *c, const char *key, char *buf, size_t cap,
                                     mloda_error *err)
{
    const char *argv[] = {"TYPE", key};
    redisReply *r = NULL;
    MLODA_TRY(mloda_io_redis_call(c, 2, argv, 0, &r, err));
    mloda_status st = MLODA_OK;
    if (r->type != REDIS_REPLY_STATUS)
        st = mloda_io_redis_reply_error(c, r, "asking a key's type", err);
    else
        (void)snprintf(buf, cap, "%s", r->str);
    freeReplyObject(r);
    return st;
}
