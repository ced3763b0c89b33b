/*
 * serve.h: `mloda serve`, prepared requests served over HTTP (DESIGN.md §2, src/serve/).
 * What the server layer offers the command line; built on the public API (include/mloda/)
 * and the formats layer (src/io/) only.
 *
 * Lifecycle:
 *   mloda_server_new(options)          settings, the one engine thread pool
 *   mloda_server_add(name, file)       reads and prepares a request (once), per NAME
 *   mloda_server_start()               binds the listening socket, starts serving
 *   ... (the caller waits for SIGTERM / SIGINT)
 *   mloda_server_stop()                graceful: no new connections, in-flight requests
 *                                      finish, feed subscribers are told the stream ends
 *   mloda_server_free()
 *
 * Endpoints (README, "mloda serve"): GET / (dashboard), GET /healthz, GET /metrics,
 * GET /v1/requests, POST /v1/run/NAME, POST and GET /v1/feed/NAME, POST /v1/noop.
 * Thread safety: new, add, start, stop and free from one thread; the server's own threads
 * (one per connection, libmicrohttpd's) share the prepared sessions and one thread pool.
 */
#ifndef MLODA_SERVE_SERVE_H
#define MLODA_SERVE_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/io.h"
#include "mloda/mloda.h"
#include "util/buf.h"

/** Settings; zero fields mean the defaults given. */
typedef struct mloda_serve_options {
    const char *listen;      /* "HOST:PORT", "[V6]:PORT" or "PORT"; NULL: 127.0.0.1:8080.
                                Port 0 picks a free port (mloda_server_url tells which) */
    int64_t threads;         /* workers of the engine's thread pool; 0: one per core */
    int64_t max_running;     /* requests computing at once (each on its connection's thread;
                                large batches also on the pool); 0: 4 per pool thread, at
                                least 16 */
    int64_t queue;           /* requests that may wait for a compute slot; beyond: 503;
                                0: 64 */
    int64_t max_body;        /* request body limit in bytes (413 beyond); 0: 16 MiB */
    int64_t max_connections; /* open connections answered normally (beyond: 503 and close);
                                0: 256 */
    int64_t timeout;         /* seconds: idle connections close, a request must arrive whole
                                (else 408), a stalled reader is dropped; 0: 10 */
    const char *token;       /* bearer token required by every endpoint but / and /healthz;
                                NULL: none. Copied */
    const char *data_root;   /* files a served request may read (its data_access): only below
                                this directory; NULL: each request file's own directory */
    io_limits limits;        /* caps of the request reader (zero fields: its defaults) */
    bool quiet;              /* no per-request log lines */
    int log_fd;              /* where log lines go (stderr: 2) */
    /* One-line notes for the user (skipped data files of a request); may be NULL. */
    void (*note)(void *ctx, const char *message);
    void *note_ctx;
} mloda_serve_options;

typedef struct mloda_server mloda_server;

/** New server (not yet listening). Errors: MLODA_ERR_INVALID_ARG (a setting out of range,
 *  bad listen address), MLODA_ERR_NOMEM. */
mloda_status mloda_server_new(const mloda_serve_options *opts, mloda_server **out,
                              mloda_error *err);
/**
 * Reads the request file (its data files only below the data root: opts->data_root, or the
 * request file's own directory) and prepares it on the server's pool, served as NAME
 * (letters, digits, '_', '-', '.'; at most 64). Errors: those of mloda_io_request_read_file
 * and mloda_prepare (the request file's problem, as `mloda run` reports it),
 * MLODA_ERR_INVALID_ARG (bad name), MLODA_ERR_DUPLICATE (name served twice).
 */
mloda_status mloda_server_add(mloda_server *srv, const char *name, const char *request_path,
                              mloda_error *err);
/** Binds and starts serving. Errors: MLODA_ERR_IO (address in use, cannot bind: naming the
 *  address), MLODA_ERR_INVALID_ARG (no request added), MLODA_ERR_INTERNAL. */
mloda_status mloda_server_start(mloda_server *srv, mloda_error *err);
/** "http://HOST:PORT" of the listening socket (after start; borrowed). */
const char *mloda_server_url(const mloda_server *srv);
/** True when the listening address is a loopback address. */
bool mloda_server_is_loopback(const mloda_server *srv);
/**
 * Graceful stop: closes the listening socket, answers requests that arrive from now on
 * with 503 (Connection: close), ends every feed subscription, waits for in-flight
 * requests and open connections (at most timeout + 1 seconds, or until `now` is set by
 * mloda_server_stop_now from another thread), then stops. Safe to call twice.
 */
void mloda_server_stop(mloda_server *srv);
/** Makes a running mloda_server_stop stop waiting (a second signal). Async-safe enough
 *  for a signal-waiting thread: it only sets a flag. */
void mloda_server_stop_now(mloda_server *srv);
/** Stops (if needed) and frees everything. NULL is fine. */
void mloda_server_free(mloda_server *srv);

/* ---------------------------------------------------------------- pieces, for tests */

/** Parses a listen address into host (numeric or a name) and port 0..65535. */
bool mloda_serve_parse_listen(const char *text, char *host, size_t host_cap, int *port);
/** Compares a presented token with the configured one in time that depends only on the
 *  configured token's length (not on where they differ or on the presented length). */
bool mloda_serve_token_equal(const char *given, size_t given_len, const char *want,
                             size_t want_len);
/** A valid served-request name. */
bool mloda_serve_name_valid(const char *name, size_t len);
/** Appends text for a log field: printable ASCII but space, '"' and '\\' as is, the rest as
 *  \xHH, at most max_in input bytes (then "..."). */
mloda_status mloda_serve_log_field(mloda_buf *out, const char *text, size_t max_in,
                                   mloda_error *err);

#endif /* MLODA_SERVE_SERVE_H */
