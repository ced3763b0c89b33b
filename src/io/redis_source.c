/*
 * redis_source.c: micro-batches from a Redis stream, read through a consumer group, so that
 * any number of workers share one stream (README, "Scale-out with Redis Streams").
 *
 * Where entries come from, in this order at each fetch:
 *   1. this consumer's own pending entries (XREADGROUP ... 0): at start (a restart under the
 *      same name) and after every reconnect;
 *   2. entries of any consumer idle longer than claim_after (XAUTOCLAIM), at start and every
 *      claim_interval: the work of a worker that was killed;
 *   3. new entries (XREADGROUP ... BLOCK ... >), at most max_in_flight at a time.
 * Entries 1 and 2 come with their delivery counts (XPENDING); one handed out more than
 * max_deliveries times goes to the dead-letter stream instead of being computed again.
 *
 * How an entry is settled, each in one atomic step on the server, and only while the entry
 * is still pending in the group (so that whichever worker settles it first wins and a second
 * delivery writes nothing):
 *   results to a Redis sink: COMMIT_SCRIPT (the tables XADDed to the output stream + XACK);
 *   results to stdout:       XACK when the caller asks for the next batch (at-least-once);
 *   a failed batch:          DEAD_SCRIPT (XADD to the dead-letter stream + XACK).
 * These commands are pipelined: each is sent as soon as its batch is done, and their replies
 * are read before the next fetch (whose command follows them on the wire), so a batch costs
 * one round trip shared by up to max_in_flight batches, plus its settling command.
 *
 * A lost connection (the server restarted, a network failure, a reply overdue, a script
 * cache flushed) drops what is in hand and reconnects with backoff; the entries this worker
 * had taken stay in its pending list, so step 1 reads them again. Nothing is lost (the
 * pending list keeps them), nothing is doubled (the scripts check that the entry is still
 * pending before writing).
 *
 * Invariants: entries[] point into chunk (the fetch's reply), freed when the chunk is done
 * or dropped. `handed` is the entry last returned by next; it is settled at most once.
 */
#include "io/redis.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "io/source.h"

/* The output entries and the input's acknowledgement, atomically. KEYS: input stream,
 * output stream. ARGV: group, entry id, then one JSON text per result table. */
static const char COMMIT_SCRIPT[] =
    "local t = redis.call('TYPE', KEYS[2])['ok']\n"
    "if t ~= 'stream' and t ~= 'none' then\n"
    "  return redis.error_reply('WRONGTYPE the output key ' .. KEYS[2] .. ' holds a ' .. t"
    " .. ', not a stream')\n"
    "end\n"
    "if #redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1) == 0 then return 0 end\n"
    "local n = #ARGV - 2\n"
    "for k = 1, n do\n"
    "  redis.call('XADD', KEYS[2], '*', 'input', ARGV[2], 'group', ARGV[1], 'table',"
    " tostring(k - 1), 'tables', tostring(n), 'result', ARGV[k + 2])\n"
    "end\n"
    "redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])\n"
    "return 1\n";

/* A dead letter and the input's acknowledgement, atomically. KEYS: input stream,
 * dead-letter stream. ARGV: group, entry id, consumer, deliveries, code, message, batch. */
static const char DEAD_SCRIPT[] =
    "local t = redis.call('TYPE', KEYS[2])['ok']\n"
    "if t ~= 'stream' and t ~= 'none' then\n"
    "  return redis.error_reply('WRONGTYPE the dead-letter key ' .. KEYS[2] .. ' holds a ' .. t"
    " .. ', not a stream')\n"
    "end\n"
    "if #redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1) == 0 then return 0 end\n"
    "redis.call('XADD', KEYS[2], '*', 'input', ARGV[2], 'stream', KEYS[1], 'group', ARGV[1],"
    " 'consumer', ARGV[3], 'deliveries', ARGV[4], 'code', ARGV[5], 'error', ARGV[6],"
    " 'batch', ARGV[7])\n"
    "redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])\n"
    "return 1\n";

#define MAX_BLOCK 0.5 /* seconds one XREADGROUP may block: how soon a stop is noticed */
#define MAX_BACKOFF 2.0

typedef enum pend_kind { PEND_ACK, PEND_COMMIT, PEND_DEAD } pend_kind;

/* A settling command sent and not yet answered. */
typedef struct pend_cmd {
    pend_kind kind;
    int64_t rows; /* the batch's rows (ACK, COMMIT) */
} pend_cmd;

typedef struct redis_entry {
    const char *id;            /* borrowed from the chunk */
    const redisReply *fields;  /* [field, value, ...]; NULL: the entry was deleted */
    const char *batch;         /* the field "batch", NULL when absent */
    size_t batch_len;
    int64_t deliveries;        /* times handed out, this one included */
} redis_entry;

typedef enum fetch_kind { FETCH_HISTORY, FETCH_CLAIM, FETCH_NEW } fetch_kind;

struct io_redis_source {
    io_source base;
    io_redis_conn conn;
    const io_schema *schema;        /* borrowed */
    const io_source_options *opts;  /* borrowed; may be NULL */
    io_redis_options ro;            /* copy; its strings borrowed */
    char *stream;                   /* owned: the input stream's key */
    char *dead;                     /* owned: the dead-letter stream's key */
    char display[600];              /* redis://HOST:PORT/STREAM */
    char commit_sha[41], dead_sha[41];
    int64_t max_batch_bytes;
    /* the chunk in hand */
    redisReply *chunk;              /* owned */
    redis_entry *entries;           /* owned array, cap_entries long */
    int64_t n_entries, cap_entries, pos;
    int64_t handed;                 /* index of the entry last returned; -1: none */
    bool handed_settled;
    int64_t handed_rows;
    /* where to read next */
    bool history;
    char history_cursor[48];
    char claim_cursor[48];
    double next_claim, next_stats, last_entry_at;
    /* settling commands sent, replies not read yet (in order) */
    pend_cmd *pend;                 /* owned */
    int64_t n_pend, cap_pend;
    mloda_buf cmd;                  /* owned scratch: one formatted command */
    int64_t n_index;                /* batches returned */
    /* counters (stats) */
    int64_t n_batches, n_rows, n_failures, n_claims, n_dead, n_duplicates;
};
typedef io_redis_source redis_source;

static bool stop_requested(const redis_source *s)
{
    return s->opts != NULL && s->opts->stop != NULL && s->opts->stop(s->opts->stop_ctx);
}

static void warn(const redis_source *s, const char *fmt, ...) MLODA_PRINTF(2, 3);

static void warn(const redis_source *s, const char *fmt, ...)
{
    if (s->opts == NULL || s->opts->warn == NULL)
        return;
    char text[768];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    s->opts->warn(s->opts->warn_ctx, text);
}

/* Server replies that say "not now" rather than "never": the connection is dropped and the
 * work retried after a reconnect. */
static bool is_transient(const redisReply *r)
{
    static const char *const prefixes[] = {"NOSCRIPT", "LOADING", "BUSY", "READONLY",
                                           "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (mloda_io_redis_is_error(r, prefixes[i]))
            return true;
    return false;
}

/* Drops the connection after a transient reply, as a lost connection. */
static mloda_status drop_transient(redis_source *s, const redisReply *r, mloda_error *err)
{
    mloda_io_redis_disconnect(&s->conn);
    return mloda_error_set(err, MLODA_ERR_IO, s->conn.where, "%s: %.300s", s->conn.where,
                           r->str != NULL ? r->str : "error");
}

/* ---------------------------------------------------------------- setup */

/* Names of the stream's groups, for a message: "a, b" (or "none"). */
static void group_names(const redisReply *groups, char *buf, size_t cap)
{
    buf[0] = '\0';
    size_t used = 0;
    for (size_t i = 0; groups != NULL && i < groups->elements; i++) {
        const redisReply *g = groups->element[i];
        for (size_t k = 0; g->type == REDIS_REPLY_ARRAY && k + 1 < g->elements; k += 2)
            if (g->element[k]->type == REDIS_REPLY_STRING && strcmp(g->element[k]->str, "name") == 0 &&
                g->element[k + 1]->type == REDIS_REPLY_STRING && used + 4 < cap) {
                const int n = snprintf(buf + used, cap - used, "%s'%.60s'", used > 0 ? ", " : "",
                                       g->element[k + 1]->str);
                used = n > 0 && (size_t)n < cap - used ? used + (size_t)n : cap - 1;
            }
    }
    if (used == 0)
        (void)snprintf(buf, cap, "none");
}

/* A value of one group's XINFO GROUPS record ("pending", "lag"); NULL when absent. */
static const redisReply *group_field(const redisReply *g, const char *name)
{
    for (size_t k = 0; g->type == REDIS_REPLY_ARRAY && k + 1 < g->elements; k += 2)
        if (g->element[k]->type == REDIS_REPLY_STRING && strcmp(g->element[k]->str, name) == 0)
            return g->element[k + 1];
    return NULL;
}

/* The record of our group in an XINFO GROUPS reply; NULL when absent. */
static const redisReply *find_group(const redis_source *s, const redisReply *groups)
{
    for (size_t i = 0; groups->type == REDIS_REPLY_ARRAY && i < groups->elements; i++) {
        const redisReply *name = group_field(groups->element[i], "name");
        if (name != NULL && name->type == REDIS_REPLY_STRING && strcmp(name->str, s->ro.group) == 0)
            return groups->element[i];
    }
    return NULL;
}

static mloda_status create_group(redis_source *s, bool *transient, mloda_error *err)
{
    const char *argv[] = {"XGROUP", "CREATE", s->stream, s->ro.group, s->ro.from, "MKSTREAM"};
    redisReply *r = NULL;
    MLODA_TRY(mloda_io_redis_call(&s->conn, 6, argv, 0, &r, err));
    mloda_status st = MLODA_OK;
    if (r->type == REDIS_REPLY_ERROR && !mloda_io_redis_is_error(r, "BUSYGROUP")) {
        /* BUSYGROUP: another worker created it first, as wanted */
        *transient = is_transient(r);
        st = *transient ? drop_transient(s, r, err)
                        : mloda_io_redis_reply_error(&s->conn, r, "creating the consumer group", err);
    }
    freeReplyObject(r);
    return st;
}

/* The stream and its group exist (created when ro.from says where to start). */
static mloda_status ensure_group(redis_source *s, bool *transient, mloda_error *err)
{
    const char *argv[] = {"XINFO", "GROUPS", s->stream};
    redisReply *r = NULL;
    MLODA_TRY(mloda_io_redis_call(&s->conn, 3, argv, 0, &r, err));
    mloda_status st = MLODA_OK;
    if (is_transient(r)) {
        st = drop_transient(s, r, err);
    } else if (mloda_io_redis_is_error(r, "WRONGTYPE")) {
        *transient = false;
        char type[32] = "";
        freeReplyObject(r);
        (void)mloda_io_redis_key_type(&s->conn, s->stream, type, sizeof type, err);
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, s->stream,
                               "%s: the key '%s' holds a %s, not a stream", s->conn.where,
                               s->stream, type[0] != '\0' ? type : "value of another type");
    } else if (r->type == REDIS_REPLY_ERROR) { /* "ERR no such key" */
        *transient = false;
        if (s->ro.from != NULL)
            st = create_group(s, transient, err);
        else
            st = mloda_error_set(err, MLODA_ERR_INVALID_ARG, s->stream,
                                 "%s: there is no stream '%s' (so no consumer group '%s'); "
                                 "--from 0 or --from $ creates both",
                                 s->conn.where, s->stream, s->ro.group);
    } else if (r->type != REDIS_REPLY_ARRAY) {
        *transient = false;
        st = mloda_io_redis_reply_error(&s->conn, r, "reading the stream's groups", err);
    } else if (find_group(s, r) == NULL) {
        *transient = false;
        if (s->ro.from != NULL) {
            st = create_group(s, transient, err);
        } else {
            char names[300];
            group_names(r, names, sizeof names);
            st = mloda_error_set(err, MLODA_ERR_INVALID_ARG, s->ro.group,
                                 "%s: the stream '%s' has no consumer group '%s' (its groups: %s); "
                                 "--from 0 (every entry) or --from $ (new entries only) creates it",
                                 s->conn.where, s->stream, s->ro.group, names);
        }
    }
    freeReplyObject(r);
    return st;
}

/* Connects and makes everything ready: AUTH, the scripts, the group, the dead-letter key.
 * *transient says whether trying again later may help (a refused connection, a server still
 * loading its data) or not (a refused password, no such group). */
static mloda_status setup(redis_source *s, bool *transient, mloda_error *err)
{
    *transient = true;
    mloda_status st = mloda_io_redis_connect(&s->conn, err);
    if (st != MLODA_OK) {
        *transient = st == MLODA_ERR_IO && !s->conn.auth_refused;
        return st;
    }
    st = mloda_io_redis_load_script(&s->conn, COMMIT_SCRIPT, s->commit_sha, err);
    if (st == MLODA_OK)
        st = mloda_io_redis_load_script(&s->conn, DEAD_SCRIPT, s->dead_sha, err);
    if (st != MLODA_OK) { /* a server still loading its data refuses SCRIPT LOAD too */
        *transient = s->conn.ctx == NULL || strstr(err->message, "LOADING") != NULL;
        if (*transient)
            mloda_io_redis_disconnect(&s->conn);
        else if (strstr(err->message, "NOAUTH") != NULL)
            (void)snprintf(err->message, sizeof err->message,
                           "%s needs a password: give it in the URL "
                           "(redis://:PASSWORD@HOST:PORT/STREAM)", s->conn.where);
        return st;
    }
    st = ensure_group(s, transient, err);
    if (st != MLODA_OK)
        return st;
    char type[32];
    st = mloda_io_redis_key_type(&s->conn, s->dead, type, sizeof type, err);
    if (st == MLODA_OK && strcmp(type, "none") != 0 && strcmp(type, "stream") != 0) {
        *transient = false;
        st = mloda_error_set(err, MLODA_ERR_INVALID_ARG, s->dead,
                             "%s: the dead-letter key '%s' holds a %s, not a stream",
                             s->conn.where, s->dead, type);
    }
    return st;
}

/* ---------------------------------------------------------------- the chunk in hand */

static void drop_chunk(redis_source *s)
{
    if (s->chunk != NULL)
        freeReplyObject(s->chunk);
    s->chunk = NULL;
    s->n_entries = s->pos = 0;
    s->handed = -1;
}

/* Reads entries ([id, fields] pairs) of r into s->entries. */
static mloda_status take_entries(redis_source *s, const redisReply *list, mloda_error *err)
{
    if (list == NULL || list->type != REDIS_REPLY_ARRAY)
        return MLODA_OK;
    if ((int64_t)list->elements > s->cap_entries) {
        redis_entry *e = mloda_realloc(s->entries, list->elements * sizeof *e);
        if (e == NULL)
            return MLODA_NOMEM(err, "the entries in hand");
        s->entries = e;
        s->cap_entries = (int64_t)list->elements;
    }
    for (size_t i = 0; i < list->elements; i++) {
        const redisReply *item = list->element[i];
        if (item->type != REDIS_REPLY_ARRAY || item->elements < 2 ||
            item->element[0]->type != REDIS_REPLY_STRING)
            continue;
        redis_entry *e = &s->entries[s->n_entries++];
        memset(e, 0, sizeof *e);
        e->id = item->element[0]->str;
        e->deliveries = 1;
        const redisReply *f = item->element[1];
        if (f->type != REDIS_REPLY_ARRAY)
            continue; /* deleted since it was delivered: fields NULL */
        e->fields = f;
        for (size_t k = 0; k + 1 < f->elements; k += 2)
            if (f->element[k]->type == REDIS_REPLY_STRING && strcmp(f->element[k]->str, "batch") == 0 &&
                f->element[k + 1]->type == REDIS_REPLY_STRING) {
                e->batch = f->element[k + 1]->str;
                e->batch_len = f->element[k + 1]->len;
            }
    }
    return MLODA_OK;
}

/* Delivery counts of entries taken from a pending list (history, claims). */
static mloda_status read_deliveries(redis_source *s, mloda_error *err)
{
    if (s->n_entries == 0)
        return MLODA_OK;
    char count[24];
    (void)snprintf(count, sizeof count, "%lld", (long long)s->n_entries);
    const char *argv[] = {"XPENDING", s->stream, s->ro.group, s->entries[0].id,
                          s->entries[s->n_entries - 1].id, count, s->ro.consumer};
    redisReply *r = NULL;
    MLODA_TRY(mloda_io_redis_call(&s->conn, 7, argv, 0, &r, err));
    mloda_status st = MLODA_OK;
    if (is_transient(r))
        st = drop_transient(s, r, err);
    else if (r->type != REDIS_REPLY_ARRAY)
        st = mloda_io_redis_reply_error(&s->conn, r, "reading delivery counts", err);
    int64_t k = 0; /* both lists are in id order */
    for (size_t i = 0; st == MLODA_OK && i < r->elements; i++) {
        const redisReply *p = r->element[i];
        if (p->type != REDIS_REPLY_ARRAY || p->elements < 4)
            continue;
        while (k < s->n_entries && strcmp(s->entries[k].id, p->element[0]->str) != 0)
            k++;
        if (k < s->n_entries && p->element[3]->type == REDIS_REPLY_INTEGER)
            s->entries[k].deliveries = p->element[3]->integer;
    }
    freeReplyObject(r);
    return st;
}

/* ---------------------------------------------------------------- settling */

static mloda_status push_pend(redis_source *s, pend_kind kind, int64_t rows, mloda_error *err)
{
    if (s->n_pend == s->cap_pend) {
        const int64_t cap = s->cap_pend > 0 ? s->cap_pend * 2 : 16;
        pend_cmd *p = mloda_realloc(s->pend, (size_t)cap * sizeof *p);
        if (p == NULL)
            return MLODA_NOMEM(err, "the commands in flight");
        s->pend = p;
        s->cap_pend = cap;
    }
    s->pend[s->n_pend].kind = kind;
    s->pend[s->n_pend].rows = rows;
    s->n_pend++;
    return MLODA_OK;
}

/* Sends a settling command (pipelined: its reply is read by collect). Without a connection
 * nothing is sent: the entry stays pending and is read again after the reconnect. */
static mloda_status settle(redis_source *s, pend_kind kind, int64_t rows, int argc,
                           const char *const *argv, const size_t *lens, mloda_error *err)
{
    if (s->conn.ctx == NULL)
        return MLODA_OK;
    s->cmd.len = 0;
    MLODA_TRY(mloda_io_redis_format(&s->cmd, argc, argv, lens, err));
    MLODA_TRY(push_pend(s, kind, rows, err)); /* room first: a sent command is always counted */
    mloda_error lost = MLODA_ERROR_INIT;
    const mloda_status st = mloda_io_redis_send(&s->conn, s->cmd.data, s->cmd.len, &lost);
    if (st == MLODA_OK || s->conn.ctx == NULL) /* lost: handled at the next fetch */
        return MLODA_OK;
    s->n_pend--;
    return mloda_error_pass(err, &lost);
}

static mloda_status send_ack(redis_source *s, const char *id, int64_t rows, mloda_error *err)
{
    const char *argv[] = {"XACK", s->stream, s->ro.group, id};
    return settle(s, PEND_ACK, rows, 4, argv, NULL, err);
}

static mloda_status send_dead(redis_source *s, const redis_entry *e, const char *code,
                              const char *message, mloda_error *err)
{
    char deliveries[24];
    (void)snprintf(deliveries, sizeof deliveries, "%lld", (long long)e->deliveries);
    const char *argv[] = {"EVALSHA", s->dead_sha, "2", s->stream, s->dead, s->ro.group,
                          e->id, s->ro.consumer, deliveries, code, message,
                          e->batch != NULL ? e->batch : ""};
    size_t lens[12];
    for (int i = 0; i < 11; i++)
        lens[i] = strlen(argv[i]);
    lens[11] = e->batch != NULL ? e->batch_len : 0;
    return settle(s, PEND_DEAD, 0, 12, argv, lens, err);
}

/* Reads the replies of the settling commands sent so far. On a lost connection (or a
 * transient reply, which drops it) returns MLODA_ERR_IO with the connection closed; any
 * other error reply (a key of the wrong type) is an MLODA_ERR_IO with it open. */
static mloda_status collect(redis_source *s, mloda_error *err)
{
    mloda_status st = MLODA_OK;
    int64_t i = 0;
    for (; st == MLODA_OK && i < s->n_pend; i++) {
        redisReply *r = NULL;
        st = mloda_io_redis_read(&s->conn, 0, &r, err);
        if (st != MLODA_OK)
            break;
        const pend_cmd *p = &s->pend[i];
        if (r->type == REDIS_REPLY_INTEGER) {
            const bool done = r->integer > 0;
            if (p->kind == PEND_DEAD) {
                s->n_dead += done ? 1 : 0;
            } else if (done) {
                s->n_batches++;
                s->n_rows += p->rows;
            } else if (p->kind == PEND_COMMIT) {
                s->n_duplicates++; /* another worker settled it first: nothing written */
            }
        } else if (is_transient(r)) {
            st = drop_transient(s, r, err);
        } else {
            st = mloda_io_redis_reply_error(&s->conn, r,
                                            p->kind == PEND_COMMIT ? "writing results"
                                            : p->kind == PEND_DEAD ? "writing a dead letter"
                                                                   : "acknowledging an entry",
                                            err);
        }
        freeReplyObject(r);
    }
    s->n_pend = 0;
    return st;
}

/* The batch last returned, unless a sink or a reject settled it, is done: XACK. */
static mloda_status settle_handed(redis_source *s, mloda_error *err)
{
    if (s->handed < 0 || s->handed_settled)
        return MLODA_OK;
    s->handed_settled = true;
    return send_ack(s, s->entries[s->handed].id, s->handed_rows, err);
}

/* ---------------------------------------------------------------- fetching */

static fetch_kind pick_fetch(const redis_source *s, double now)
{
    if (s->history)
        return FETCH_HISTORY;
    if (now >= s->next_claim)
        return FETCH_CLAIM;
    return FETCH_NEW;
}

/* Reads the next chunk of entries (possibly none) after the replies of the settling
 * commands sent before. */
static mloda_status fetch(redis_source *s, fetch_kind kind, double block, mloda_error *err)
{
    char count[24], idle_ms[24], block_ms[24];
    (void)snprintf(count, sizeof count, "%lld", (long long)s->ro.max_in_flight);
    (void)snprintf(idle_ms, sizeof idle_ms, "%lld", (long long)(s->ro.claim_after * 1000.0));
    (void)snprintf(block_ms, sizeof block_ms, "%lld", (long long)(block * 1000.0) + 1);
    const char *hist[] = {"XREADGROUP", "GROUP", s->ro.group, s->ro.consumer, "COUNT", count,
                          "STREAMS", s->stream, s->history_cursor};
    const char *claim[] = {"XAUTOCLAIM", s->stream, s->ro.group, s->ro.consumer, idle_ms,
                           s->claim_cursor, "COUNT", count};
    const char *fresh[] = {"XREADGROUP", "GROUP", s->ro.group, s->ro.consumer, "COUNT", count,
                           "BLOCK", block_ms, "STREAMS", s->stream, ">"};
    s->cmd.len = 0;
    mloda_status st = kind == FETCH_HISTORY ? mloda_io_redis_format(&s->cmd, 9, hist, NULL, err)
                      : kind == FETCH_CLAIM ? mloda_io_redis_format(&s->cmd, 8, claim, NULL, err)
                                            : mloda_io_redis_format(&s->cmd, 11, fresh, NULL, err);
    if (st == MLODA_OK)
        st = mloda_io_redis_send(&s->conn, s->cmd.data, s->cmd.len, err);
    if (st == MLODA_OK || s->n_pend > 0) { /* the replies of what was sent before */
        const mloda_status cst = collect(s, err);
        st = st == MLODA_OK ? cst : st;
    }
    redisReply *r = NULL;
    if (st == MLODA_OK)
        st = mloda_io_redis_read(&s->conn, kind == FETCH_NEW ? block : 0, &r, err);
    if (st != MLODA_OK)
        return st;
    if (is_transient(r)) {
        st = drop_transient(s, r, err);
    } else if (mloda_io_redis_is_error(r, "NOGROUP")) {
        st = mloda_error_set(err, MLODA_ERR_INVALID_ARG, s->ro.group,
                             "%s: the consumer group '%s' of stream '%s' is gone (destroyed, or "
                             "the server restarted without persistence)",
                             s->conn.where, s->ro.group, s->stream);
    } else if (r->type == REDIS_REPLY_ERROR) {
        st = mloda_io_redis_reply_error(&s->conn, r, "reading entries", err);
    }
    if (st != MLODA_OK) {
        freeReplyObject(r);
        return st;
    }
    s->chunk = r;
    if (kind == FETCH_CLAIM) { /* [next cursor, entries, deleted ids] */
        const double now = mloda_io_redis_now();
        if (r->type == REDIS_REPLY_ARRAY && r->elements >= 2 &&
            r->element[0]->type == REDIS_REPLY_STRING) {
            (void)snprintf(s->claim_cursor, sizeof s->claim_cursor, "%s", r->element[0]->str);
            st = take_entries(s, r->element[1], err);
            if (r->elements >= 3 && r->element[2]->type == REDIS_REPLY_ARRAY &&
                r->element[2]->elements > 0)
                warn(s, "%zu entries of %s were deleted before they were processed (they were "
                        "pending: the producer's --maxlen is too small, or they were XDELed)",
                     r->element[2]->elements, s->display);
        }
        const bool more = strcmp(s->claim_cursor, "0-0") != 0;
        s->next_claim = more ? now : now + s->ro.claim_interval;
        if (!more)
            (void)snprintf(s->claim_cursor, sizeof s->claim_cursor, "0-0");
        s->n_claims += s->n_entries;
    } else if (r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
               r->element[0]->type == REDIS_REPLY_ARRAY && r->element[0]->elements >= 2) {
        st = take_entries(s, r->element[0]->element[1], err); /* [[stream, entries]] */
    }
    if (st == MLODA_OK && kind == FETCH_HISTORY) {
        if (s->n_entries == 0)
            s->history = false;
        else
            (void)snprintf(s->history_cursor, sizeof s->history_cursor, "%s",
                           s->entries[s->n_entries - 1].id);
    }
    if (st == MLODA_OK && kind != FETCH_NEW)
        st = read_deliveries(s, err);
    if (s->n_entries > 0)
        s->last_entry_at = mloda_io_redis_now();
    return st;
}

/* Connects again after a lost connection, waiting longer after each failure (up to 2 s).
 * What was in hand is dropped (it is still pending for this consumer: read again first). */
static mloda_status reconnect(redis_source *s, const mloda_error *why, mloda_error *err)
{
    drop_chunk(s);
    s->n_pend = 0;
    warn(s, "%s; reconnecting", why->message);
    const double t0 = mloda_io_redis_now();
    double delay = 0.05;
    for (int attempt = 1;; attempt++) {
        if (stop_requested(s))
            return mloda_error_set(err, MLODA_ERR_IO, s->display,
                                   "stopped while %s was unreachable: the entries this worker "
                                   "had taken stay pending (another worker claims them after "
                                   "--claim-after)", s->conn.where);
        mloda_error e = MLODA_ERROR_INIT;
        bool transient = true;
        if (setup(s, &transient, &e) == MLODA_OK) {
            warn(s, "reconnected to %s after %.1f s", s->conn.where, mloda_io_redis_now() - t0);
            s->history = true;
            (void)snprintf(s->history_cursor, sizeof s->history_cursor, "0");
            return MLODA_OK;
        }
        if (!transient)
            return mloda_error_pass(err, &e);
        if (attempt == 1 || attempt % 10 == 0)
            warn(s, "%s (attempt %d, retrying)", e.message, attempt);
        mloda_io_redis_sleep(delay);
        delay = delay * 2 < MAX_BACKOFF ? delay * 2 : MAX_BACKOFF;
    }
}

/* Nothing is pending anywhere in the group (for idle_timeout). */
static mloda_status group_idle(redis_source *s, bool *out, mloda_error *err)
{
    *out = false;
    const char *argv[] = {"XPENDING", s->stream, s->ro.group};
    redisReply *r = NULL;
    MLODA_TRY(mloda_io_redis_call(&s->conn, 3, argv, 0, &r, err));
    mloda_status st = MLODA_OK;
    if (is_transient(r))
        st = drop_transient(s, r, err);
    else if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
             r->element[0]->type != REDIS_REPLY_INTEGER)
        st = mloda_io_redis_reply_error(&s->conn, r, "reading the pending count", err);
    else
        *out = r->element[0]->integer == 0;
    freeReplyObject(r);
    return st;
}

/* ---------------------------------------------------------------- the source */

static int64_t api_rows(const mloda_api_data *api)
{
    int64_t rows = 0;
    for (int64_t t = 0; t < mloda_api_data_n_tables(api); t++)
        rows += mloda_table_n_rows(mloda_api_data_table(api, t));
    return rows;
}

/* The entry's batch as api_data; a malformed one is an error naming the entry. */
static mloda_status parse_entry(redis_source *s, const redis_entry *e, mloda_api_data **out,
                                mloda_error *err)
{
    char source[160];
    (void)snprintf(source, sizeof source, "entry %s of %.100s", e->id, s->stream);
    if (e->batch == NULL) {
        char fields[200] = "";
        size_t used = 0;
        for (size_t k = 0; k + 1 < e->fields->elements && used + 4 < sizeof fields; k += 2) {
            const int n = snprintf(fields + used, sizeof fields - used, "%s'%.40s'",
                                   used > 0 ? ", " : "", e->fields->element[k]->type == REDIS_REPLY_STRING
                                                             ? e->fields->element[k]->str : "?");
            used = n > 0 && (size_t)n < sizeof fields - used ? used + (size_t)n : sizeof fields - 1;
        }
        return mloda_error_set(err, MLODA_ERR_PARSE, source,
                               "%s has no field 'batch' (its fields: %s): an entry carries one "
                               "api_data object in its field 'batch', as mloda produce writes it",
                               source, used > 0 ? fields : "none");
    }
    if ((int64_t)e->batch_len > s->max_batch_bytes)
        return mloda_error_set(err, MLODA_ERR_PARSE, source,
                               "%s: its batch is longer than %lld bytes (the limit "
                               "max_line_bytes; mloda --max-line-bytes)",
                               source, (long long)s->max_batch_bytes);
    return mloda_io_api_data_parse(e->batch, e->batch_len, s->schema, source, 1, 0, out, err);
}

static mloda_status redis_next(io_source *base, mloda_api_data **out, io_batch_info *info,
                               mloda_error *err)
{
    redis_source *s = (redis_source *)base;
    *out = NULL;
    MLODA_TRY(settle_handed(s, err));
    s->handed = -1;
    for (;;) {
        if (s->pos < s->n_entries) {
            const int64_t k = s->pos++;
            redis_entry *e = &s->entries[k];
            if (e->fields == NULL) { /* deleted while pending: nothing to compute */
                warn(s, "entry %s of %s was deleted before it was processed", e->id, s->display);
                MLODA_TRY(send_ack(s, e->id, 0, err));
                continue;
            }
            if (e->deliveries > s->ro.max_deliveries) {
                char message[200];
                (void)snprintf(message, sizeof message,
                               "handed out %lld times (more than --max-deliveries %lld) without "
                               "being settled: the workers computing it stopped",
                               (long long)e->deliveries, (long long)s->ro.max_deliveries);
                warn(s, "entry %s of %s: %s; sent to %s", e->id, s->display, message, s->dead);
                MLODA_TRY(send_dead(s, e, "MAX_DELIVERIES", message, err));
                continue;
            }
            s->handed = k;
            s->handed_settled = false;
            s->handed_rows = 0;
            info->index = s->n_index++;
            mloda_io_info_set_file(info, s->display);
            info->line = 0;
            (void)snprintf(info->entry, sizeof info->entry, "%s", e->id);
            const mloda_status st = parse_entry(s, e, out, err);
            if (st == MLODA_OK)
                s->handed_rows = api_rows(*out);
            return st;
        }
        drop_chunk(s);
        const bool stopping = stop_requested(s);
        const double now = mloda_io_redis_now();
        const fetch_kind kind = stopping ? FETCH_HISTORY : pick_fetch(s, now);
        mloda_error e = MLODA_ERROR_INIT;
        mloda_status st = MLODA_OK;
        if (stopping && !s->history) { /* nothing more is taken: settle and end */
            if (s->n_pend > 0)
                st = collect(s, &e);
            if (st == MLODA_OK)
                return MLODA_OK;
        } else {
            double block = s->next_claim - now;
            if (s->ro.stats_interval > 0 && s->next_stats - now < block)
                block = s->next_stats - now;
            block = block > MAX_BLOCK ? MAX_BLOCK : block < 0.001 ? 0.001 : block;
            st = fetch(s, kind, block, &e);
        }
        if (st != MLODA_OK && s->conn.ctx == NULL && e.code == MLODA_ERR_IO) {
            MLODA_TRY(reconnect(s, &e, err));
            continue;
        }
        if (st != MLODA_OK)
            return mloda_error_pass(err, &e);
        const double after = mloda_io_redis_now();
        if (s->ro.stats_interval > 0 && after >= s->next_stats) {
            char line[400];
            mloda_io_redis_source_stats(base, line, sizeof line);
            if (s->ro.stats != NULL)
                s->ro.stats(s->ro.stats_ctx, line);
            s->next_stats = after + s->ro.stats_interval;
        }
        if (s->n_entries == 0 && kind == FETCH_NEW && s->ro.idle_timeout > 0 &&
            after - s->last_entry_at >= s->ro.idle_timeout) {
            bool idle = false;
            st = group_idle(s, &idle, &e);
            if (st != MLODA_OK && s->conn.ctx == NULL) {
                MLODA_TRY(reconnect(s, &e, err));
                continue;
            }
            if (st != MLODA_OK)
                return mloda_error_pass(err, &e);
            if (idle)
                return MLODA_OK;
        }
    }
}

/* The entry last returned, if info names it. */
static mloda_status handed_entry(redis_source *s, const io_batch_info *info, redis_entry **out,
                                 mloda_error *err)
{
    *out = NULL;
    if (s->handed < 0 || s->handed_settled || strcmp(info->entry, s->entries[s->handed].id) != 0)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, info->entry,
                               "entry %s is not the batch in hand (already settled, or never "
                               "returned)", info->entry);
    *out = &s->entries[s->handed];
    return MLODA_OK;
}

static mloda_status redis_reject(io_source *base, const io_batch_info *info,
                                 const mloda_error *why, mloda_error *err)
{
    redis_source *s = (redis_source *)base;
    redis_entry *e = NULL;
    MLODA_TRY(handed_entry(s, info, &e, err));
    s->handed_settled = true;
    s->n_failures++;
    return send_dead(s, e, mloda_status_name(why->code),
                     why->message[0] != '\0' ? why->message : mloda_status_description(why->code),
                     err);
}

static mloda_status redis_commit(io_source *base, mloda_error *err)
{
    redis_source *s = (redis_source *)base;
    MLODA_TRY(settle_handed(s, err));
    return s->n_pend > 0 ? collect(s, err) : MLODA_OK;
}

static void redis_free(io_source *base)
{
    redis_source *s = (redis_source *)base;
    drop_chunk(s);
    mloda_io_redis_disconnect(&s->conn);
    mloda_buf_reset(&s->cmd);
    mloda_free(s->entries);
    mloda_free(s->pend);
    mloda_free(s->stream);
    mloda_free(s->dead);
    mloda_free(s);
}

io_redis_source *mloda_io_redis_source_cast(io_source *src)
{
    return src != NULL && src->next == redis_next ? (io_redis_source *)src : NULL;
}

io_redis_conn *mloda_io_redis_source_conn(io_redis_source *s)
{
    return &s->conn;
}

const char *mloda_io_redis_source_stream(const io_redis_source *s)
{
    return s->stream;
}

mloda_status mloda_io_redis_source_commit_results(io_redis_source *s, const io_batch_info *info,
                                                  const char *out_stream, int64_t n_tables,
                                                  const char *const *texts, const size_t *lens,
                                                  mloda_error *err)
{
    redis_entry *e = NULL;
    MLODA_TRY(handed_entry(s, info, &e, err));
    const int64_t argc = 7 + n_tables;
    const char **argv = mloda_malloc_n(argc, sizeof *argv);
    size_t *alen = mloda_malloc_n(argc, sizeof *alen);
    mloda_status st = MLODA_OK;
    if (argv == NULL || alen == NULL) {
        st = MLODA_NOMEM(err, "the results of a batch");
    } else {
        const char *head[] = {"EVALSHA", s->commit_sha, "2", s->stream, out_stream, s->ro.group,
                              e->id};
        for (int i = 0; i < 7; i++) {
            argv[i] = head[i];
            alen[i] = strlen(head[i]);
        }
        for (int64_t t = 0; t < n_tables; t++) {
            argv[7 + t] = texts[t];
            alen[7 + t] = lens[t];
        }
        s->handed_settled = true;
        st = settle(s, PEND_COMMIT, s->handed_rows, (int)argc, argv, alen, err);
    }
    mloda_free(argv);
    mloda_free(alen);
    return st;
}

void mloda_io_redis_source_stats(io_source *base, char *buf, size_t cap)
{
    redis_source *s = (redis_source *)base;
    char pending[24] = "?", lag[24] = "?";
    if (s->conn.ctx != NULL && s->n_pend == 0) {
        const char *argv[] = {"XINFO", "GROUPS", s->stream};
        redisReply *r = NULL;
        mloda_error ignore = MLODA_ERROR_INIT;
        if (mloda_io_redis_call(&s->conn, 3, argv, 0, &r, &ignore) == MLODA_OK) {
            const redisReply *g = r->type == REDIS_REPLY_ARRAY ? find_group(s, r) : NULL;
            const redisReply *p = g != NULL ? group_field(g, "pending") : NULL;
            const redisReply *l = g != NULL ? group_field(g, "lag") : NULL;
            if (p != NULL && p->type == REDIS_REPLY_INTEGER)
                (void)snprintf(pending, sizeof pending, "%lld", p->integer);
            if (l != NULL && l->type == REDIS_REPLY_INTEGER)
                (void)snprintf(lag, sizeof lag, "%lld", l->integer);
            freeReplyObject(r);
        }
    }
    const int64_t in_flight =
        (s->n_entries - s->pos) + (s->handed >= 0 && !s->handed_settled ? 1 : 0) + s->n_pend;
    (void)snprintf(buf, cap,
                   "batches %lld, rows %lld, failures %lld, claims %lld, dead letters %lld, "
                   "duplicates skipped %lld, in flight %lld, pending %s, lag %s",
                   (long long)s->n_batches, (long long)s->n_rows, (long long)s->n_failures,
                   (long long)s->n_claims, (long long)s->n_dead, (long long)s->n_duplicates,
                   (long long)in_flight, pending, lag);
}

static mloda_status check_options(const io_redis_options *ro, mloda_error *err)
{
    if (ro == NULL || ro->group == NULL || ro->group[0] == '\0')
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, "--group",
                               "a Redis source needs a consumer group (--group NAME)");
    if (ro->consumer == NULL || ro->consumer[0] == '\0')
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, "--consumer",
                               "a Redis source needs a consumer name (--consumer NAME)");
    if (ro->from != NULL && strcmp(ro->from, "0") != 0 && strcmp(ro->from, "$") != 0)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, "--from",
                               "--from must be 0 (every entry) or $ (new entries only), not '%s'",
                               ro->from);
    if (ro->max_in_flight < 1 || ro->max_deliveries < 1 || !(ro->claim_after > 0) ||
        !(ro->claim_interval > 0))
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL,
                               "--max-in-flight and --max-deliveries must be at least 1, "
                               "--claim-after and --claim-interval more than 0");
    return MLODA_OK;
}

/* Another URL names the same server as c (and the same credentials). */
static bool same_server(const io_redis_url *a, const io_redis_url *b)
{
    return strcmp(a->host, b->host) == 0 && a->port == b->port && strcmp(a->user, b->user) == 0 &&
           strcmp(a->password, b->password) == 0;
}

mloda_status mloda_io_redis_same_server(const io_redis_conn *c, const char *url, const char *what,
                                        io_redis_url *out, mloda_error *err)
{
    MLODA_TRY(mloda_io_redis_url_parse(url, what, out, err));
    if (!same_server(&c->url, out))
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, what,
                               "%s must name a stream on the input's server (%s, with the same "
                               "credentials): it is written in one script with the input's "
                               "acknowledgement", what, c->where);
    return MLODA_OK;
}

mloda_status mloda_io_redis_source_open(const char *url, const io_schema *schema,
                                        const io_source_options *opts,
                                        const io_redis_options *ropts, io_source **out,
                                        mloda_error *err)
{
    *out = NULL;
    io_redis_url u;
    MLODA_TRY(check_options(ropts, err));
    MLODA_TRY(mloda_io_redis_url_parse(url, "--batches", &u, err));
    redis_source *s = mloda_calloc(1, sizeof *s);
    if (s == NULL)
        return MLODA_NOMEM(err, "a Redis source");
    s->base.next = redis_next;
    s->base.free = redis_free;
    s->base.commit = redis_commit;
    s->base.reject = redis_reject;
    s->schema = schema;
    s->opts = opts;
    s->ro = *ropts;
    s->handed = -1;
    s->max_batch_bytes = mloda_io_cap(opts != NULL ? opts->limits.max_line_bytes : 0,
                                      MLODA_IO_DEFAULT_MAX_LINE_BYTES);
    mloda_io_redis_conn_init(&s->conn, &u);
    (void)snprintf(s->display, sizeof s->display, "%s/%.280s", s->conn.where, u.key);
    (void)snprintf(s->history_cursor, sizeof s->history_cursor, "0");
    (void)snprintf(s->claim_cursor, sizeof s->claim_cursor, "0-0");
    s->history = true;
    s->stream = mloda_strdup(u.key);
    mloda_status st = s->stream == NULL ? MLODA_NOMEM(err, "a Redis source") : MLODA_OK;
    if (st == MLODA_OK && ropts->dead_letter != NULL) {
        io_redis_url d;
        st = mloda_io_redis_same_server(&s->conn, ropts->dead_letter, "--dead-letter", &d, err);
        if (st == MLODA_OK && strcmp(d.key, u.key) == 0)
            st = mloda_error_set(err, MLODA_ERR_INVALID_ARG, "--dead-letter",
                                 "--dead-letter must name another stream than --batches");
        if (st == MLODA_OK && (s->dead = mloda_strdup(d.key)) == NULL)
            st = MLODA_NOMEM(err, "a Redis source");
    } else if (st == MLODA_OK) {
        mloda_buf name = {0};
        st = mloda_buf_printf(&name, err, "%s:dead", u.key);
        s->dead = mloda_buf_take(&name);
        if (st == MLODA_OK && s->dead == NULL)
            st = MLODA_NOMEM(err, "a Redis source");
    }
    bool transient = false;
    if (st == MLODA_OK)
        st = setup(s, &transient, err);
    if (st != MLODA_OK) {
        redis_free(&s->base);
        return st;
    }
    const double now = mloda_io_redis_now();
    s->next_claim = now; /* a claim pass at start */
    s->next_stats = now + ropts->stats_interval;
    s->last_entry_at = now;
    *out = &s->base;
    return MLODA_OK;
}
