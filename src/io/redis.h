/*
 * redis.h: the inside of the Redis Streams part of the io layer (src/io/redis_*.c, built
 * into libmloda_redis with hiredis): one connection with its own waits (poll, so that a
 * reply has a deadline and a signal is noticed), commands formatted into our own buffers
 * (mloda_buf: allocation failures are injected and reported like everywhere else), and the
 * pieces the source, the sink and the producer share. Internal to src/io.
 *
 * Thread safety: one thread per connection.
 */
#ifndef MLODA_IO_REDIS_H
#define MLODA_IO_REDIS_H

#include <hiredis/hiredis.h>

#include "io/io.h"
#include "util/util.h"

/** One connection to a Redis server. Zeroed memory is disconnected. */
typedef struct io_redis_conn {
    io_redis_url url;   /* where, with the credentials */
    char where[300];    /* "redis://HOST:PORT" for messages: never the password */
    redisContext *ctx;  /* owned; NULL while disconnected */
    double io_timeout;  /* seconds a reply may take (beyond a command's own BLOCK) */
    bool auth_refused;  /* the last connect failed on AUTH (retrying will not help) */
} io_redis_conn;

/** Seconds on a monotonic clock. */
double mloda_io_redis_now(void);
/** Sleeps s seconds (a signal cuts it short). */
void mloda_io_redis_sleep(double s);

/** Prepares c for url (copied); nothing is connected yet. */
void mloda_io_redis_conn_init(io_redis_conn *c, const io_redis_url *url);
/** Connects (TCP_NODELAY, send/receive timeouts) and authenticates when the URL has a
 *  password. Errors: MLODA_ERR_IO naming the server and the reason (refused, unknown host,
 *  authentication refused), MLODA_ERR_NOMEM. */
mloda_status mloda_io_redis_connect(io_redis_conn *c, mloda_error *err);
void mloda_io_redis_disconnect(io_redis_conn *c);

/** Appends one command in the protocol's format (RESP arrays of bulk strings) to out. */
mloda_status mloda_io_redis_format(mloda_buf *out, int argc, const char *const *argv,
                                   const size_t *lens, mloda_error *err);
/** Sends formatted commands (all of them, now). A failure disconnects.
 *  Errors: MLODA_ERR_IO (the connection is lost), MLODA_ERR_NOMEM. */
mloda_status mloda_io_redis_send(io_redis_conn *c, const char *cmd, size_t len, mloda_error *err);
/** The next reply (*out: free with freeReplyObject), waiting at most io_timeout + extra
 *  seconds. An error reply is a reply, not a failure. A failure disconnects.
 *  Errors: MLODA_ERR_IO (lost connection, no answer in time). */
mloda_status mloda_io_redis_read(io_redis_conn *c, double extra, redisReply **out,
                                 mloda_error *err);
/** Sends one command of NUL-terminated words (argv[argc]) and reads its reply. */
mloda_status mloda_io_redis_call(io_redis_conn *c, int argc, const char *const *argv,
                                 double extra, redisReply **out, mloda_error *err);
/** r is an error reply starting with prefix ("NOGROUP", "LOADING"). */
bool mloda_io_redis_is_error(const redisReply *r, const char *prefix);
/** An error reply, or a reply of another type than `type`, as MLODA_ERR_IO "<where>: <what>:
 *  <the server's message>"; the reply is not freed. */
mloda_status mloda_io_redis_reply_error(const io_redis_conn *c, const redisReply *r,
                                        const char *what, mloda_error *err);
/** SCRIPT LOAD body; sha gets the script's SHA1 (41 bytes). */
mloda_status mloda_io_redis_load_script(io_redis_conn *c, const char *body, char sha[41],
                                        mloda_error *err);
/** The type of key (TYPE): "none", "stream", "string", ... into buf. */
mloda_status mloda_io_redis_key_type(io_redis_conn *c, const char *key, char *buf, size_t cap,
                                     mloda_error *err);

/** url parsed into *out (what names it in messages), which must name c's server with the
 *  same credentials: the sinks write in one script with the input's acknowledgement.
 *  Errors: MLODA_ERR_INVALID_ARG. */
mloda_status mloda_io_redis_same_server(const io_redis_conn *c, const char *url, const char *what,
                                        io_redis_url *out, mloda_error *err);

/* ---------------------------------------------------------------- the source, for the sink */

typedef struct io_redis_source io_redis_source;

/** src as a Redis source; NULL when it is another kind. */
io_redis_source *mloda_io_redis_source_cast(io_source *src);
io_redis_conn *mloda_io_redis_source_conn(io_redis_source *s);
/** The input stream's key (borrowed). */
const char *mloda_io_redis_source_stream(const io_redis_source *s);
/** Settles the batch in hand (info) by writing texts[0..n_tables) as its results to
 *  out_stream with the entry's XACK, in one script (pipelined; see redis_source.c).
 *  Errors: MLODA_ERR_INVALID_ARG (info is not the batch in hand), MLODA_ERR_NOMEM. */
mloda_status mloda_io_redis_source_commit_results(io_redis_source *s, const io_batch_info *info,
                                                  const char *out_stream, int64_t n_tables,
                                                  const char *const *texts, const size_t *lens,
                                                  mloda_error *err);

#endif /* MLODA_IO_REDIS_H */
