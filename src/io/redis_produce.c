/*
 * redis_produce.c: `mloda produce`: NDJSON lines into a Redis stream, one entry {batch: LINE}
 * per non-blank line, with XADD commands pipelined (up to WINDOW unanswered), so that pushing
 * a file costs about one round trip per WINDOW lines.
 *
 * Each line is checked to be one JSON object (syntax and strict UTF-8, as the workers read
 * it) before it is sent: a line that is not is refused with a warning naming its line, and
 * the rest go on. A line is held whole (it is one entry), up to max_line_bytes.
 * No retry after a lost connection: the message says how many lines were added, so that a
 * rerun can start after them without doubling any.
 */
#include "io/redis.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "io/json_events.h"

enum { WINDOW = 256, READ_CHUNK = 65536 };

typedef struct producer {
    io_redis_conn conn;
    const io_redis_produce_options *opts; /* may be NULL */
    const char *name;
    const char *key;
    char maxlen[24];
    mloda_buf out;      /* formatted commands not yet sent */
    int64_t unanswered; /* commands sent whose replies are not read */
    int64_t added, refused;
} producer;

typedef struct line_check {
    bool seen;
} line_check;

static mloda_status check_event(void *self, const io_json_event *ev, mloda_error *err)
{
    line_check *c = self;
    if (c->seen)
        return MLODA_OK;
    c->seen = true;
    if (ev->kind != IO_JSON_MAP_START)
        return mloda_error_set(err, MLODA_ERR_PARSE, NULL,
                               "a batch must be one JSON object ({\"Table\": {\"column\": "
                               "[values]}})");
    return MLODA_OK;
}

/* line is one JSON object; else the error says where it is not. */
static mloda_status check_line(const producer *p, const char *line, size_t len, int64_t line_no,
                               int64_t byte, mloda_error *err)
{
    io_json_parser parser;
    line_check c = {false};
    MLODA_TRY(mloda_io_json_parser_init(&parser, check_event, &c, p->name, line_no, byte, err));
    parser.line_start_byte = byte;
    mloda_status st = mloda_io_json_parser_feed(&parser, line, len, err);
    if (st == MLODA_OK)
        st = mloda_io_json_parser_finish(&parser, err);
    mloda_io_json_parser_reset(&parser);
    return st;
}

/* Reads the replies of the commands sent. */
static mloda_status drain(producer *p, int64_t keep, mloda_error *err)
{
    while (p->unanswered > keep) {
        redisReply *r = NULL;
        MLODA_TRY(mloda_io_redis_read(&p->conn, 0, &r, err));
        p->unanswered--;
        mloda_status st = MLODA_OK;
        if (r->type == REDIS_REPLY_STRING)
            p->added++;
        else
            st = mloda_io_redis_reply_error(&p->conn, r, "adding an entry", err);
        freeReplyObject(r);
        MLODA_TRY(st);
    }
    return MLODA_OK;
}

static mloda_status flush_out(producer *p, int64_t n_cmds, mloda_error *err)
{
    if (p->out.len == 0)
        return MLODA_OK;
    MLODA_TRY(mloda_io_redis_send(&p->conn, p->out.data, p->out.len, err));
    p->out.len = 0;
    p->unanswered += n_cmds;
    return MLODA_OK;
}

static void refuse(producer *p, const mloda_error *why)
{
    p->refused++;
    if (p->opts != NULL && p->opts->warn != NULL) {
        char text[700];
        (void)snprintf(text, sizeof text, "%s (line not added)", why->message);
        p->opts->warn(p->opts->warn_ctx, text);
    }
}

mloda_status mloda_io_redis_produce(int fd, const char *name, const char *url,
                                    const io_redis_produce_options *opts, int64_t *out_added,
                                    int64_t *out_refused, mloda_error *err)
{
    *out_added = *out_refused = 0;
    io_redis_url u;
    MLODA_TRY(mloda_io_redis_url_parse(url, "--to", &u, err));
    producer p;
    memset(&p, 0, sizeof p);
    p.opts = opts;
    p.name = name;
    p.key = u.key;
    mloda_io_redis_conn_init(&p.conn, &u);
    const int64_t max_line =
        mloda_io_cap(opts != NULL ? opts->max_line_bytes : 0, MLODA_IO_DEFAULT_MAX_LINE_BYTES);
    const int64_t maxlen = opts != NULL ? opts->maxlen : 0;
    (void)snprintf(p.maxlen, sizeof p.maxlen, "%lld", (long long)maxlen);
    mloda_buf line = {0};
    char *chunk = NULL;
    char type[32] = "";
    mloda_status st = mloda_io_redis_connect(&p.conn, err);
    if (st == MLODA_OK)
        st = mloda_io_redis_key_type(&p.conn, u.key, type, sizeof type, err);
    if (st == MLODA_OK && strcmp(type, "none") != 0 && strcmp(type, "stream") != 0)
        st = mloda_error_set(err, MLODA_ERR_IO, u.key, "%s: the key '%s' holds a %s, not a stream",
                             p.conn.where, u.key, type);
    if (st == MLODA_OK && (chunk = mloda_malloc(READ_CHUNK)) == NULL)
        st = MLODA_NOMEM(err, "mloda produce");
    int64_t line_no = 1, byte = 0, line_byte = 0, queued = 0;
    bool too_long = false, eof = false;
    while (st == MLODA_OK && !eof) {
        const ssize_t got = read(fd, chunk, READ_CHUNK);
        if (got < 0 && errno == EINTR) {
            if (opts != NULL && opts->stop != NULL && opts->stop(opts->stop_ctx))
                st = mloda_error_set(err, MLODA_ERR_CANCELLED, name, "reading %s was interrupted",
                                     name);
            continue;
        }
        if (got < 0) {
            char why[128];
            st = mloda_error_set(err, MLODA_ERR_IO, name, "cannot read %s: %s", name,
                                 mloda_io_errno_text(errno, why, sizeof why));
            break;
        }
        eof = got == 0;
        size_t pos = 0;
        if (byte == 0 && mloda_io_has_bom(chunk, (size_t)got)) {
            pos = 3;
            line_byte = 3;
        }
        while (st == MLODA_OK && (pos < (size_t)got || (eof && (line.len > 0 || too_long)))) {
            const char *nl = pos < (size_t)got ? memchr(chunk + pos, '\n', (size_t)got - pos) : NULL;
            const size_t end = nl != NULL ? (size_t)(nl - chunk) : (size_t)got;
            if (!too_long && (int64_t)(line.len + (end - pos)) > max_line) {
                too_long = true;
                line.len = 0;
            }
            if (!too_long)
                st = mloda_buf_append(&line, chunk + pos, end - pos, err);
            pos = end;
            if (nl == NULL && !eof)
                break; /* the line goes on in the next chunk */
            if (nl != NULL)
                pos++;
            /* a whole line: [line_byte, ...) */
            size_t a = 0, b = line.len;
            while (a < b && (line.data[a] == ' ' || line.data[a] == '\t' || line.data[a] == '\r'))
                a++;
            while (b > a && (line.data[b - 1] == ' ' || line.data[b - 1] == '\t' ||
                             line.data[b - 1] == '\r'))
                b--;
            mloda_error why = MLODA_ERROR_INIT;
            if (too_long) {
                (void)mloda_error_set(&why, MLODA_ERR_PARSE, name,
                                      "%s: line %lld: longer than %lld bytes (the limit "
                                      "max_line_bytes; --max-line-bytes)",
                                      name, (long long)line_no, (long long)max_line);
                refuse(&p, &why);
            } else if (st == MLODA_OK && a < b) {
                if (check_line(&p, line.data + a, b - a, line_no, line_byte + (int64_t)a, &why) !=
                    MLODA_OK) {
                    if (why.code == MLODA_ERR_NOMEM)
                        st = mloda_error_pass(err, &why);
                    else
                        refuse(&p, &why);
                } else {
                    const char *argv[] = {"XADD", u.key, "MAXLEN", "~", p.maxlen, "*", "batch",
                                          line.data + a};
                    const char *plain[] = {"XADD", u.key, "*", "batch", line.data + a};
                    size_t lens[8];
                    const char *const *args = maxlen > 0 ? argv : plain;
                    const int argc = maxlen > 0 ? 8 : 5;
                    for (int i = 0; i < argc - 1; i++)
                        lens[i] = strlen(args[i]);
                    lens[argc - 1] = b - a;
                    st = mloda_io_redis_format(&p.out, argc, args, lens, err);
                    queued++;
                    if (st == MLODA_OK && (queued >= 64 || p.out.len > (1u << 20))) {
                        st = flush_out(&p, queued, err);
                        queued = 0;
                        if (st == MLODA_OK)
                            st = drain(&p, WINDOW, err);
                    }
                }
            }
            line.len = 0;
            too_long = false;
            line_byte = byte + (int64_t)pos;
            line_no++;
        }
        byte += got;
    }
    if (st == MLODA_OK || st == MLODA_ERR_CANCELLED) { /* what was read goes out */
        mloda_error e2 = MLODA_ERROR_INIT;
        mloda_status fst = flush_out(&p, queued, &e2);
        if (fst == MLODA_OK)
            fst = drain(&p, 0, &e2);
        if (fst != MLODA_OK)
            st = mloda_error_pass(err, &e2);
    }
    *out_added = p.added;
    *out_refused = p.refused;
    mloda_buf_reset(&line);
    mloda_buf_reset(&p.out);
    mloda_free(chunk);
    mloda_io_redis_disconnect(&p.conn);
    return st;
}
