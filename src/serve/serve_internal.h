/*
 * serve_internal.h: what the files of src/serve share: the server, its served requests,
 * connections, calls (one per HTTP request), feeds and metrics. Internal to src/serve.
 *
 * Threads: libmicrohttpd runs one thread per connection (MHD_USE_THREAD_PER_CONNECTION):
 * the request handler, the response readers (streamed answers, feed subscriptions) and the
 * completion callback of one connection all run on that thread, so a call is touched by
 * one thread at a time. Shared state is the server's (atomics, or guarded by a mutex as
 * each field says); the prepared sessions are immutable and thread-safe.
 */
#ifndef MLODA_SERVE_SERVE_INTERNAL_H
#define MLODA_SERVE_SERVE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "io/io.h"
#include "mloda/mloda.h"
#include "serve/mhd.h"
#include "serve/serve.h"
#include "util/util.h"

/* ---------------------------------------------------------------- endpoints, statuses */

typedef enum serve_ep {
    SERVE_EP_DASHBOARD = 0, /* GET / */
    SERVE_EP_HEALTHZ,       /* GET /healthz */
    SERVE_EP_METRICS,       /* GET /metrics */
    SERVE_EP_REQUESTS,      /* GET /v1/requests */
    SERVE_EP_RUN,           /* POST /v1/run/NAME */
    SERVE_EP_FEED_POST,     /* POST /v1/feed/NAME */
    SERVE_EP_FEED_GET,      /* GET /v1/feed/NAME (server-sent events) */
    SERVE_EP_NOOP,          /* POST /v1/noop: reads the body, answers {} (the server's own
                               cost, for benchmarks) */
    SERVE_EP_OTHER,         /* anything else (404) */
    SERVE_EP_COUNT
} serve_ep;

/* The HTTP statuses the server answers with, for metrics by status. */
#define SERVE_STATUS_LIST(X) \
    X(200) X(400) X(401) X(404) X(405) X(406) X(408) X(413) X(415) X(422) X(500) X(503)
enum { SERVE_N_STATUS = 13 }; /* the list plus one "other" slot */

int mloda_serve_status_index(unsigned status);
unsigned mloda_serve_status_of_index(int i);
const char *mloda_serve_ep_name(serve_ep ep);

/* Latency histogram bucket bounds, seconds (Prometheus "le"). */
enum { SERVE_N_BUCKETS = 15 };
extern const double mloda_serve_buckets[SERVE_N_BUCKETS];

typedef struct serve_hist {
    atomic_uint_fast64_t bucket[SERVE_N_BUCKETS + 1]; /* last: +Inf */
    atomic_uint_fast64_t sum_ns;
} serve_hist;

enum { SERVE_N_CODES = 17 }; /* MLODA_OK .. MLODA_ERR_INTERNAL */

/* Counters of one served request (or, for name "", of everything not tied to one). */
typedef struct serve_counters {
    atomic_uint_fast64_t requests[SERVE_EP_COUNT][SERVE_N_STATUS];
    atomic_uint_fast64_t errors[SERVE_N_CODES]; /* failed batches by error code */
    atomic_uint_fast64_t batches;               /* batches computed */
    atomic_uint_fast64_t rows;                  /* input rows of those batches */
    atomic_uint_fast64_t tables;                /* result tables sent */
    serve_hist latency[SERVE_EP_COUNT];
} serve_counters;

/* ---------------------------------------------------------------- feeds */

/* One server-sent event, formatted once and shared by every subscriber. */
typedef struct serve_event {
    atomic_int refs;
    int64_t seq;
    size_t len;
    char text[]; /* "event: ...\ndata: ...\n\n" */
} serve_event;

void mloda_serve_event_release(serve_event *ev);

/* Fan-out of one served request's feed: a ring of the latest events. Publishers never wait
 * for subscribers; a subscriber that falls behind the ring skips ahead (told by a "lag"
 * event). A new subscriber starts with the last finished batch. */
typedef struct serve_feed {
    pthread_mutex_t mu;
    pthread_cond_t cv;     /* broadcast on publish and close */
    serve_event **ring;    /* owned, cap slots; guarded by mu */
    int64_t cap;
    int64_t head;          /* seq of the next event; guarded by mu */
    int64_t oldest;        /* seq of the oldest event still held; guarded by mu */
    size_t bytes;          /* text bytes held; guarded by mu */
    int64_t replay;        /* first seq of the last finished batch, -1: none; guarded */
    bool closed;           /* guarded by mu */
    atomic_int_fast64_t next_batch;
    atomic_int_fast64_t n_subscribers;
} serve_feed;

mloda_status mloda_serve_feed_init(serve_feed *f, mloda_error *err);
void mloda_serve_feed_destroy(serve_feed *f);
/** Appends an event (text copied); returns its seq, -1 when out of memory. */
int64_t mloda_serve_feed_publish(serve_feed *f, const char *text, size_t len);
/** Marks the batch whose first event was first_seq as the one new subscribers replay. */
void mloda_serve_feed_batch_done(serve_feed *f, int64_t first_seq);
/** Where a new subscriber starts (counts it). */
int64_t mloda_serve_feed_subscribe(serve_feed *f);
void mloda_serve_feed_unsubscribe(serve_feed *f);
/** Ends every subscription (they finish their current event first). */
void mloda_serve_feed_close(serve_feed *f);
/**
 * Next event for a subscriber at *cursor: waits up to wait_ms. Returns the event (a new
 * reference) and advances *cursor, or NULL: *closed set when the feed ended, else the
 * wait timed out. *missed counts events lost to lag.
 */
serve_event *mloda_serve_feed_next(serve_feed *f, int64_t *cursor, int wait_ms, bool *closed,
                                   int64_t *missed);

/* ---------------------------------------------------------------- served requests */

typedef struct serve_entry {
    char name[65];
    char *path;              /* owned: the request file */
    io_request req;          /* owned: request, example api_data, schema */
    mloda_registry *reg;     /* owned */
    mloda_session *session;  /* owned; immutable, shared by every connection */
    char *info_json;         /* owned: this request's object of GET /v1/requests */
    serve_feed feed;
    serve_counters counters;
} serve_entry;

/* ---------------------------------------------------------------- connections */

/* Connection states for the request-deadline watchdog. */
enum {
    SERVE_CONN_WAITING = 0, /* between requests or receiving one: the deadline runs */
    SERVE_CONN_BUSY = 1,    /* a request was received whole: answering it */
    SERVE_CONN_STREAM = 2,  /* a feed subscription: no deadline */
    SERVE_CONN_KILLED = 3   /* the watchdog answered 408 and shut the socket */
};

typedef struct serve_conn {
    struct serve_conn *prev, *next; /* guarded by the server's conn_mu */
    int fd;
    /* state (low 2 bits) and the start of the current wait in ns (the rest), in one word so
     * that the watchdog's compare-exchange cannot act on a wait that has since ended */
    atomic_int_fast64_t word;
    char client[64];                /* the peer's address, for logs */
} serve_conn;

static inline int64_t mloda_serve_conn_word(int state, int64_t since_ns)
{
    return (int64_t)((uint64_t)since_ns << 2) | state;
}
static inline int mloda_serve_conn_state(int64_t word)
{
    return (int)(word & 3);
}
static inline int64_t mloda_serve_conn_since(int64_t word)
{
    return (int64_t)((uint64_t)word >> 2);
}
/** Moves the connection from WAITING (or any state but KILLED) to `state`; false when the
 *  watchdog killed it first. */
static inline bool mloda_serve_conn_enter(serve_conn *sc, int state, int64_t since_ns)
{
    int_fast64_t w = atomic_load(&sc->word);
    for (;;) {
        if (mloda_serve_conn_state(w) == SERVE_CONN_KILLED)
            return false;
        if (atomic_compare_exchange_weak(&sc->word, &w, mloda_serve_conn_word(state, since_ns)))
            return true;
    }
}

/* ---------------------------------------------------------------- the server */

struct mloda_server {
    mloda_serve_options opts;  /* token and listen copied below */
    char *token;               /* owned; NULL: none */
    size_t token_len;
    char host[256];
    int port;
    char url[300];
    bool loopback;
    int listen_fd;             /* owned until libmicrohttpd takes it */
    mloda_pool *pool;          /* owned: the one engine pool of every session */
    int64_t n_slots;           /* requests computed at once */

    serve_entry **entries;     /* owned */
    int64_t n_entries;
    char *requests_json;       /* owned: GET /v1/requests */
    serve_counters global;     /* name "" */

    struct MHD_Daemon *daemon;
    atomic_bool closing;       /* stop began: new requests get 503 */
    atomic_bool stop_now;
    bool stopped;

    /* admission: n_slots requests compute at once, queue more wait, the rest get 503 */
    pthread_mutex_t adm_mu;
    pthread_cond_t adm_cv;
    int64_t running;           /* guarded by adm_mu */
    int64_t waiting;           /* guarded by adm_mu */

    /* connections, for the watchdog and the drain at stop */
    pthread_mutex_t conn_mu;
    pthread_cond_t conn_cv;    /* the watchdog's sleep; signalled at stop */
    serve_conn *conns;         /* guarded by conn_mu */
    atomic_int_fast64_t n_conns;
    atomic_int_fast64_t in_flight; /* calls begun and not completed */
    bool watchdog_on;          /* guarded by conn_mu */
    pthread_t watchdog;
    bool watchdog_started;
};

/* A call: one HTTP request from its headers to its completion (freed when both the
 * request and a streamed response let go: refs). */
typedef struct serve_call {
    atomic_int refs;
    mloda_server *srv;
    serve_conn *conn;          /* borrowed */
    serve_ep ep;
    serve_entry *entry;        /* borrowed; NULL: not tied to a served request */
    int accept;                /* SERVE_ACCEPT_* */
    bool answered;             /* a response was queued */
    bool holds_slot;
    bool body_too_large;
    bool long_timeout;         /* the connection's idle timeout is raised during the upload */
    mloda_buf body;            /* owned */
    bool body_arrow;           /* the body is an Arrow IPC stream (Content-Type) */
    char arrow_table[128];     /* the api_data table its record batch fills ("": the
                                  request's only table; ?table=NAME) */
    unsigned status;
    mloda_status code;         /* error code for logs and metrics; MLODA_OK */
    int64_t t0_ns;
    int64_t bytes_out;
    int64_t rows;              /* input rows of the batch */
    int64_t batch;             /* feed batch number, -1 */
    char method[16];
    char path[192];
    /* streamed answers: run with Accept ndjson / event-stream */
    mloda_stream *stream;      /* owned */
    mloda_buf out;             /* owned: formatted text not yet handed out */
    size_t out_off;
    bool stream_done;
    int64_t n_tables;
    /* feed subscriptions */
    int64_t cursor;
    serve_event *cur;          /* owned reference: the event being written */
    size_t cur_off;
    bool subscribed;
    bool hello_sent;
} serve_call;

enum { SERVE_ACCEPT_JSON = 0, SERVE_ACCEPT_NDJSON = 1, SERVE_ACCEPT_SSE = 2, SERVE_ACCEPT_ARROW = 3 };

int64_t mloda_serve_now_ns(void);
void mloda_serve_call_release(serve_call *call);

/* admission (server.c) */
bool mloda_serve_admit(mloda_server *srv);
void mloda_serve_leave(mloda_server *srv);

/* the request handler and its helpers (routes.c, handlers.c) */
enum MHD_Result mloda_serve_on_request(void *cls, struct MHD_Connection *c, const char *url,
                                       const char *method, const char *version,
                                       const char *upload, size_t *upload_size,
                                       void **con_cls);
void mloda_serve_on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                              enum MHD_RequestTerminationCode toe);
/** Queues a response with the server's common headers; takes body (mloda_free'd). */
enum MHD_Result mloda_serve_respond(serve_call *call, struct MHD_Connection *c,
                                    unsigned status, const char *content_type, char *body,
                                    size_t len);
/** Queues {"error": {"code", "message", "feature"}} (with "batch" when call->batch >= 0). */
enum MHD_Result mloda_serve_respond_error(serve_call *call, struct MHD_Connection *c,
                                          unsigned status, const mloda_error *e);
enum MHD_Result mloda_serve_fail(serve_call *call, struct MHD_Connection *c, unsigned status,
                                 mloda_status code, const char *subject, const char *fmt, ...)
    MLODA_PRINTF(6, 7);
/** The HTTP status for an engine error code. */
unsigned mloda_serve_status_for(mloda_status code);

enum MHD_Result mloda_serve_handle_run(serve_call *call, struct MHD_Connection *c);
enum MHD_Result mloda_serve_handle_feed_post(serve_call *call, struct MHD_Connection *c);
enum MHD_Result mloda_serve_handle_feed_get(serve_call *call, struct MHD_Connection *c);

/* metrics.c */
void mloda_serve_count(mloda_server *srv, const serve_call *call, int64_t elapsed_ns);
mloda_status mloda_serve_metrics_text(mloda_server *srv, mloda_buf *out, mloda_error *err);

/* the embedded page (generated from dashboard.html) */
extern const unsigned char mloda_serve_dashboard_html[];
extern const size_t mloda_serve_dashboard_html_len;

#endif /* MLODA_SERVE_SERVE_INTERNAL_H */
