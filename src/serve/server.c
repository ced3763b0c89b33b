/*
 * server.c: the server's life: settings, the served requests (prepared once, on one
 * engine thread pool), the listening socket, libmicrohttpd's daemon (a thread per
 * connection), admission (a bounded queue in front of the compute slots), the connection
 * list with its request-deadline watchdog (slow clients get 408), and the graceful stop.
 *
 * Invariants: sessions and the request list are immutable once started; every counter
 * shared by connection threads is atomic or guarded by the mutex its field names.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "serve/serve_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { DEFAULT_PORT = 8080, DEFAULT_QUEUE = 64, DEFAULT_MAX_CONN = 256, DEFAULT_TIMEOUT = 10 };
#define DEFAULT_MAX_BODY ((int64_t)16 * 1024 * 1024)
/* libmicrohttpd's per-connection memory: the request line and headers must fit in about
 * half of it (431 beyond). */
#define CONN_MEMORY ((size_t)32 * 1024)

int64_t mloda_serve_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---------------------------------------------------------------- small pieces */

bool mloda_serve_name_valid(const char *name, size_t len)
{
    if (len == 0 || len > 64)
        return false;
    for (size_t i = 0; i < len; i++) {
        const char ch = name[i];
        const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                        (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.';
        if (!ok)
            return false;
    }
    return true;
}

bool mloda_serve_token_equal(const char *given, size_t given_len, const char *want,
                             size_t want_len)
{
    /* Every byte of the configured token is compared, whatever the presented one holds:
     * the time depends on want_len only. A shorter presented token reads as zeros past
     * its end (without reading past it) and the length difference is folded in. */
    volatile unsigned char diff = (unsigned char)(given_len != want_len);
    for (size_t i = 0; i < want_len; i++) {
        const size_t j = i < given_len ? i : 0;
        const unsigned char g = given_len > 0 ? (unsigned char)given[j] : 0;
        diff |= (unsigned char)(g ^ (unsigned char)want[i]);
    }
    return diff == 0;
}

bool mloda_serve_parse_listen(const char *text, char *host, size_t host_cap, int *port)
{
    const char *port_text = NULL;
    size_t host_len = 0;
    const char *host_start = text;
    if (text == NULL || text[0] == '\0')
        return false;
    if (text[0] == '[') { /* [v6]:port */
        const char *close = strchr(text, ']');
        if (close == NULL || close[1] != ':')
            return false;
        host_start = text + 1;
        host_len = (size_t)(close - host_start);
        port_text = close + 2;
    } else {
        const char *colon = strrchr(text, ':');
        if (colon == NULL) { /* a bare port: loopback */
            host_start = "127.0.0.1";
            host_len = strlen(host_start);
            port_text = text;
        } else {
            if (strchr(text, ':') != colon) /* v6 needs brackets */
                return false;
            host_len = (size_t)(colon - text);
            port_text = colon + 1;
        }
    }
    if (host_len == 0 || host_len + 1 > host_cap || port_text[0] == '\0' ||
        strlen(port_text) > 5)
        return false;
    long p = 0;
    for (const char *s = port_text; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return false;
        p = p * 10 + (*s - '0');
    }
    if (p > 65535)
        return false;
    memcpy(host, host_start, host_len);
    host[host_len] = '\0';
    *port = (int)p;
    return true;
}

mloda_status mloda_serve_log_field(mloda_buf *out, const char *text, size_t max_in,
                                   mloda_error *err)
{
    static const char hex[] = "0123456789abcdef";
    size_t i = 0;
    for (; text[i] != '\0' && i < max_in; i++) {
        const unsigned char ch = (unsigned char)text[i];
        if (ch > 0x20 && ch < 0x7f && ch != '"' && ch != '\\') {
            MLODA_TRY(mloda_buf_putc(out, (char)ch, err));
        } else {
            const char esc[4] = {'\\', 'x', hex[ch >> 4], hex[ch & 15]};
            MLODA_TRY(mloda_buf_append(out, esc, 4, err));
        }
    }
    if (text[i] != '\0')
        MLODA_TRY(mloda_buf_puts(out, "...", err));
    return MLODA_OK;
}

/* ---------------------------------------------------------------- admission */

bool mloda_serve_admit(mloda_server *srv)
{
    pthread_mutex_lock(&srv->adm_mu);
    if (srv->running < srv->n_slots && srv->waiting == 0) {
        srv->running++;
        pthread_mutex_unlock(&srv->adm_mu);
        return true;
    }
    if (srv->waiting >= srv->opts.queue) {
        pthread_mutex_unlock(&srv->adm_mu);
        return false;
    }
    srv->waiting++;
    while (srv->running >= srv->n_slots)
        pthread_cond_wait(&srv->adm_cv, &srv->adm_mu);
    srv->waiting--;
    srv->running++;
    pthread_mutex_unlock(&srv->adm_mu);
    return true;
}

void mloda_serve_leave(mloda_server *srv)
{
    pthread_mutex_lock(&srv->adm_mu);
    srv->running--;
    if (srv->waiting > 0)
        pthread_cond_signal(&srv->adm_cv);
    pthread_mutex_unlock(&srv->adm_mu);
}

/* ---------------------------------------------------------------- new, add */

/* Each numeric setting within its range, or an error naming it. */
static mloda_status check_ranges(const mloda_serve_options *o, mloda_error *err)
{
    const struct {
        const char *name;
        int64_t value, max;
    } settings[] = {
        {"threads", o->threads, 1024},
        {"queue", o->queue, 1000000},
        {"max_body", o->max_body, INT64_MAX},
        {"max_running", o->max_running, 100000},
        {"max_connections", o->max_connections, 100000},
        {"timeout", o->timeout, 86400},
    };
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++)
        if (settings[i].value < 0 || settings[i].value > settings[i].max)
            return mloda_error_set(err, MLODA_ERR_INVALID_ARG, settings[i].name,
                                   "the server setting %s is %lld; it must be 0 (the default) to "
                                   "%lld",
                                   settings[i].name, (long long)settings[i].value,
                                   (long long)settings[i].max);
    return MLODA_OK;
}

mloda_status mloda_server_new(const mloda_serve_options *opts, mloda_server **out,
                              mloda_error *err)
{
    *out = NULL;
    mloda_server *srv = mloda_calloc(1, sizeof *srv);
    if (srv == NULL)
        return mloda_error_set(err, MLODA_ERR_NOMEM, NULL, "out of memory");
    srv->opts = *opts;
    srv->listen_fd = -1;
    pthread_mutex_init(&srv->adm_mu, NULL);
    pthread_cond_init(&srv->adm_cv, NULL);
    pthread_mutex_init(&srv->conn_mu, NULL);
    pthread_cond_init(&srv->conn_cv, NULL);
    *out = srv; /* from here mloda_server_free cleans up */
    mloda_serve_options *o = &srv->opts;
    if (o->queue == 0)
        o->queue = DEFAULT_QUEUE;
    if (o->max_body == 0)
        o->max_body = DEFAULT_MAX_BODY;
    if (o->max_connections == 0)
        o->max_connections = DEFAULT_MAX_CONN;
    if (o->timeout == 0)
        o->timeout = DEFAULT_TIMEOUT;
    mloda_status st = check_ranges(o, err);
    const char *listen = o->listen != NULL ? o->listen : "127.0.0.1:8080";
    if (st == MLODA_OK && !mloda_serve_parse_listen(listen, srv->host, sizeof srv->host, &srv->port))
        st = mloda_error_set(err, MLODA_ERR_INVALID_ARG, listen,
                             "cannot read the listen address '%s' (HOST:PORT, [IPv6]:PORT or "
                             "PORT)",
                             listen);
    o->listen = NULL; /* the parsed host and port are what counts */
    if (st == MLODA_OK && o->token != NULL) {
        srv->token = mloda_strdup(o->token);
        srv->token_len = strlen(o->token);
        if (srv->token == NULL)
            st = mloda_error_set(err, MLODA_ERR_NOMEM, NULL, "out of memory");
    }
    o->token = NULL;
    if (st == MLODA_OK)
        st = mloda_pool_new(o->threads, &srv->pool, err);
    /* More slots than cores: a request holds its slot for a few microseconds, and a holder
     * that the scheduler preempts must not stall the others for a time slice. */
    if (st == MLODA_OK)
        srv->n_slots = o->max_running > 0 ? o->max_running
                                          : 4 * mloda_pool_n_threads(srv->pool) > 16
                                                ? 4 * mloda_pool_n_threads(srv->pool)
                                                : 16;
    if (st != MLODA_OK) {
        mloda_server_free(srv);
        *out = NULL;
    }
    return st;
}

/* The request's entry of GET /v1/requests: name, file, requested features, input columns
 * with their types, and the plan as `mloda explain --format json` prints it. */
static mloda_status entry_info(serve_entry *e, mloda_error *err)
{
    mloda_buf b = {0};
    char *plan = NULL;
    mloda_status st = mloda_session_plan(e->session, MLODA_PLAN_JSON, &plan, err);
    if (st == MLODA_OK)
        st = mloda_buf_puts(&b, "{\"name\": ", err);
    if (st == MLODA_OK)
        st = mloda_buf_json_string(&b, e->name, strlen(e->name), err);
    if (st == MLODA_OK)
        st = mloda_buf_puts(&b, ", \"file\": ", err);
    if (st == MLODA_OK)
        st = mloda_buf_json_string(&b, e->path, strlen(e->path), err);
    if (st == MLODA_OK)
        st = mloda_buf_puts(&b, ", \"features\": [", err);
    bool first = true;
    const int64_t n_steps = mloda_session_n_steps(e->session);
    for (int64_t s = 0; st == MLODA_OK && s < n_steps; s++) {
        const int64_t nf = mloda_session_step_n_features(e->session, s);
        for (int64_t k = 0; st == MLODA_OK && k < nf; k++) {
            if (!mloda_session_step_is_requested(e->session, s, k))
                continue;
            const char *f = mloda_session_step_feature(e->session, s, k);
            if (!first)
                st = mloda_buf_puts(&b, ", ", err);
            if (st == MLODA_OK)
                st = mloda_buf_json_string(&b, f, strlen(f), err);
            first = false;
        }
    }
    if (st == MLODA_OK)
        st = mloda_buf_puts(&b, "], \"inputs\": {", err);
    const int64_t n_tables = mloda_io_schema_n_tables(e->req.schema);
    for (int64_t t = 0; st == MLODA_OK && t < n_tables; t++) {
        const char *table = mloda_io_schema_table(e->req.schema, t);
        st = mloda_buf_puts(&b, t > 0 ? ", " : "", err);
        if (st == MLODA_OK)
            st = mloda_buf_json_string(&b, table, strlen(table), err);
        if (st == MLODA_OK)
            st = mloda_buf_puts(&b, ": {", err);
        const int64_t n_cols = mloda_io_schema_n_columns(e->req.schema, table);
        for (int64_t k = 0; st == MLODA_OK && k < n_cols; k++) {
            io_coltype type;
            const char *col = mloda_io_schema_column(e->req.schema, table, k, &type);
            char type_name[64];
            mloda_io_coltype_name(&type, type_name, sizeof type_name);
            st = mloda_buf_puts(&b, k > 0 ? ", " : "", err);
            if (st == MLODA_OK)
                st = mloda_buf_json_string(&b, col, strlen(col), err);
            if (st == MLODA_OK)
                st = mloda_buf_puts(&b, ": ", err);
            if (st == MLODA_OK)
                st = mloda_buf_json_string(&b, type_name, strlen(type_name), err);
        }
        if (st == MLODA_OK)
            st = mloda_buf_putc(&b, '}', err);
    }
    if (st == MLODA_OK)
        st = mloda_buf_printf(&b, err, "}, \"results\": %lld, \"plan\": %s}",
                              (long long)mloda_session_n_results(e->session), plan);
    mloda_string_free(plan);
    if (st == MLODA_OK)
        e->info_json = mloda_buf_take(&b);
    mloda_buf_reset(&b);
    return st;
}

static void entry_free(serve_entry *e)
{
    if (e == NULL)
        return;
    mloda_session_free(e->session);
    mloda_registry_free(e->reg);
    mloda_io_request_reset(&e->req);
    mloda_serve_feed_destroy(&e->feed);
    mloda_free(e->info_json);
    mloda_free(e->path);
    mloda_free(e);
}

/* The directory a request file names (its path up to the last '/', or "."), resolved into
 * *out (a new string). MLODA_ERR_IO when it does not resolve (the file itself is the
 * reader's to open and report), MLODA_ERR_NOMEM. */
static mloda_status request_dir(const char *request_path, char **out, mloda_error *err)
{
    *out = NULL;
    const char *slash = strrchr(request_path, '/');
    char *named = slash == NULL ? mloda_strdup(".")
                                : mloda_strndup(request_path, slash == request_path
                                                                  ? 1
                                                                  : (size_t)(slash - request_path));
    if (named == NULL)
        return mloda_error_set(err, MLODA_ERR_NOMEM, NULL, "out of memory");
    char *real = realpath(named, NULL); /* libc's malloc */
    const int e = errno;
    mloda_free(named);
    if (real == NULL)
        return mloda_error_set(err, e == ENOMEM ? MLODA_ERR_NOMEM : MLODA_ERR_IO, request_path,
                               "cannot resolve the directory of request file %s: %s",
                               request_path, strerror(e));
    *out = mloda_strdup(real);
    free(real);
    return *out != NULL ? MLODA_OK : mloda_error_set(err, MLODA_ERR_NOMEM, NULL, "out of memory");
}

mloda_status mloda_server_add(mloda_server *srv, const char *name, const char *request_path,
                              mloda_error *err)
{
    mloda_error_enter(err);
    if (!mloda_serve_name_valid(name, strlen(name)))
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, name,
                               "the request name '%s' must be 1 to 64 letters, digits, '_', "
                               "'-' or '.'",
                               name);
    for (int64_t i = 0; i < srv->n_entries; i++)
        if (strcmp(srv->entries[i]->name, name) == 0)
            return mloda_error_set(err, MLODA_ERR_DUPLICATE, name,
                                   "the request name '%s' is given twice", name);
    if (srv->daemon != NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, name, "the server already runs");
    serve_entry *e = mloda_calloc(1, sizeof *e);
    serve_entry **grown = e == NULL ? NULL
                                    : mloda_realloc(srv->entries, (size_t)(srv->n_entries + 1) *
                                                                      sizeof *srv->entries);
    if (grown == NULL) {
        mloda_free(e);
        return mloda_error_set(err, MLODA_ERR_NOMEM, NULL, "out of memory");
    }
    srv->entries = grown;
    (void)snprintf(e->name, sizeof e->name, "%s", name);
    e->path = mloda_strdup(request_path);
    mloda_status st = e->path != NULL ? MLODA_OK
                                      : mloda_error_set(err, MLODA_ERR_NOMEM, NULL, "out of memory");
    if (st == MLODA_OK)
        st = mloda_serve_feed_init(&e->feed, err);
    /* A served request reads data files only below the data root: the server's, or by
     * default its own file's directory (HTTP bodies are api_data only, never data_access). */
    char *own_dir = NULL;
    io_request_options ro = {srv->opts.data_root, srv->opts.limits};
    if (st == MLODA_OK && ro.data_root == NULL) {
        st = request_dir(request_path, &own_dir, err);
        ro.data_root = own_dir;
    }
    if (st == MLODA_OK)
        st = mloda_io_request_read_file(request_path, &ro, &e->req, err);
    mloda_free(own_dir);
    for (int64_t i = 0; st == MLODA_OK && i < e->req.n_notes; i++)
        if (srv->opts.note != NULL)
            srv->opts.note(srv->opts.note_ctx, e->req.notes[i]);
    /* One pool for every session: runs of all requests take turns on its workers. */
    if (st == MLODA_OK)
        st = mloda_request_set_pool(e->req.request, srv->pool, err);
    if (st == MLODA_OK) {
        e->reg = mloda_registry_default();
        if (e->reg == NULL)
            st = mloda_error_set(err, MLODA_ERR_NOMEM, NULL, "out of memory building the registry");
    }
    if (st == MLODA_OK)
        st = mloda_prepare(e->reg, e->req.request, e->req.api_data, &e->session, err);
    if (st == MLODA_OK)
        st = entry_info(e, err);
    if (st != MLODA_OK) {
        entry_free(e);
        return st;
    }
    srv->entries[srv->n_entries++] = e;
    return MLODA_OK;
}

/* ---------------------------------------------------------------- connections */

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    mloda_server *srv = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        serve_conn *sc = mloda_calloc(1, sizeof *sc);
        if (sc == NULL)
            return; /* no deadline for this one: it still gets answers */
        const union MHD_ConnectionInfo *fd = mloda_serve_mhd.get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        const union MHD_ConnectionInfo *addr =
            mloda_serve_mhd.get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        sc->fd = fd != NULL ? fd->connect_fd : -1;
        (void)snprintf(sc->client, sizeof sc->client, "-");
        if (addr != NULL && addr->client_addr != NULL) {
            const struct sockaddr *sa = addr->client_addr;
            if (sa->sa_family == AF_INET)
                (void)inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
                                sc->client, sizeof sc->client);
            else if (sa->sa_family == AF_INET6)
                (void)inet_ntop(AF_INET6,
                                &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
                                sc->client, sizeof sc->client);
        }
        atomic_init(&sc->word, mloda_serve_conn_word(SERVE_CONN_WAITING, mloda_serve_now_ns()));
        pthread_mutex_lock(&srv->conn_mu);
        sc->next = srv->conns;
        if (srv->conns != NULL)
            srv->conns->prev = sc;
        srv->conns = sc;
        pthread_mutex_unlock(&srv->conn_mu);
        atomic_fetch_add(&srv->n_conns, 1);
        *socket_context = sc;
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        serve_conn *sc = *socket_context;
        if (sc == NULL)
            return;
        /* libmicrohttpd closes the socket after this callback: removed from the list under
         * the lock, the watchdog can no longer touch the descriptor. */
        pthread_mutex_lock(&srv->conn_mu);
        if (sc->prev != NULL)
            sc->prev->next = sc->next;
        else
            srv->conns = sc->next;
        if (sc->next != NULL)
            sc->next->prev = sc->prev;
        pthread_cond_broadcast(&srv->conn_cv);
        pthread_mutex_unlock(&srv->conn_mu);
        atomic_fetch_sub(&srv->n_conns, 1);
        mloda_free(sc);
        *socket_context = NULL;
    }
}

static const char TIMEOUT_BODY[] =
    "{\"error\": {\"code\": \"MLODA_ERR_IO\", \"message\": \"the request did not arrive whole "
    "within the server's timeout\", \"feature\": null}}\n";

/* Slow clients: a connection whose request has not arrived whole within the timeout
 * (plus half a second, so that an idle keep-alive connection is normally closed quietly
 * by libmicrohttpd's own idle timeout first) is answered 408 and shut. The state change
 * WAITING -> KILLED is a compare-exchange against the handler's WAITING -> BUSY, so only
 * one of the two ever writes to the socket. */
static void *watchdog_main(void *arg)
{
    mloda_server *srv = arg;
    char head[256];
    const int n_head = snprintf(head, sizeof head,
                                "HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\n"
                                "Connection: close\r\nContent-Length: %zu\r\n\r\n",
                                sizeof TIMEOUT_BODY - 1);
    const int64_t limit_ns = srv->opts.timeout * 1000000000 + 500000000;
    pthread_mutex_lock(&srv->conn_mu);
    while (srv->watchdog_on) {
        const int64_t now = mloda_serve_now_ns();
        for (serve_conn *sc = srv->conns; sc != NULL; sc = sc->next) {
            int_fast64_t w = atomic_load(&sc->word);
            if (sc->fd < 0 || mloda_serve_conn_state(w) != SERVE_CONN_WAITING ||
                now - mloda_serve_conn_since(w) < limit_ns ||
                !atomic_compare_exchange_strong(&sc->word, &w,
                                                mloda_serve_conn_word(SERVE_CONN_KILLED, 0)))
                continue;
            (void)send(sc->fd, head, (size_t)n_head, MSG_NOSIGNAL | MSG_DONTWAIT);
            (void)send(sc->fd, TIMEOUT_BODY, sizeof TIMEOUT_BODY - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
            (void)shutdown(sc->fd, SHUT_RDWR);
            if (!srv->opts.quiet) {
                char line[200];
                const int n = snprintf(line, sizeof line,
                                       "mloda serve: %s: 408, no whole request within %llds\n",
                                       sc->client, (long long)srv->opts.timeout);
                if (n > 0)
                    (void)!write(srv->opts.log_fd, line, (size_t)n);
            }
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        (void)pthread_cond_timedwait(&srv->conn_cv, &srv->conn_mu, &ts);
    }
    pthread_mutex_unlock(&srv->conn_mu);
    return NULL;
}

/* ---------------------------------------------------------------- start */

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    mloda_server *srv = cls;
    if (srv->opts.quiet)
        return;
    char line[512];
    int n = snprintf(line, sizeof line, "mloda serve: libmicrohttpd: ");
    if (n < 0)
        return;
    const int m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    if (m < 0)
        return;
    size_t len = strlen(line);
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    if (len + 1 < sizeof line) {
        line[len++] = '\n';
        (void)!write(srv->opts.log_fd, line, len);
    }
}

static mloda_status open_listener(mloda_server *srv, mloda_error *err)
{
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    char port_text[16];
    (void)snprintf(port_text, sizeof port_text, "%d", srv->port);
    struct addrinfo *res = NULL;
    const int gai = getaddrinfo(srv->host, port_text, &hints, &res);
    if (gai != 0)
        return mloda_error_set(err, MLODA_ERR_IO, srv->host, "cannot resolve the listen host '%s': %s",
                               srv->host, gai_strerror(gai));
    int last_errno = 0;
    for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        const int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            last_errno = errno;
            continue;
        }
        const int one = 1;
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
            last_errno = errno;
            close(fd);
            continue;
        }
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        char num[INET6_ADDRSTRLEN] = "?";
        int port = srv->port;
        if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
            if (ss.ss_family == AF_INET) {
                const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)&ss;
                (void)inet_ntop(AF_INET, &in->sin_addr, num, sizeof num);
                port = ntohs(in->sin_port);
                srv->loopback = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
            } else if (ss.ss_family == AF_INET6) {
                const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)&ss;
                (void)inet_ntop(AF_INET6, &in6->sin6_addr, num, sizeof num);
                port = ntohs(in6->sin6_port);
                srv->loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
            }
        }
        srv->port = port;
        (void)snprintf(srv->url, sizeof srv->url, ss.ss_family == AF_INET6 ? "http://[%s]:%d"
                                                                           : "http://%s:%d",
                       num, port);
        srv->listen_fd = fd;
        freeaddrinfo(res);
        return MLODA_OK;
    }
    freeaddrinfo(res);
    char text[128];
    return mloda_error_set(err, MLODA_ERR_IO, srv->host, "cannot listen on %s:%d: %s", srv->host,
                           srv->port, mloda_io_errno_text(last_errno, text, sizeof text));
}

static mloda_status build_requests_json(mloda_server *srv, mloda_error *err)
{
    mloda_buf b = {0};
    mloda_status st = mloda_buf_puts(&b, "{\"requests\": [", err);
    for (int64_t i = 0; st == MLODA_OK && i < srv->n_entries; i++) {
        if (i > 0)
            st = mloda_buf_puts(&b, ", ", err);
        if (st == MLODA_OK)
            st = mloda_buf_puts(&b, srv->entries[i]->info_json, err);
    }
    if (st == MLODA_OK)
        st = mloda_buf_puts(&b, "]}\n", err);
    if (st == MLODA_OK)
        srv->requests_json = mloda_buf_take(&b);
    mloda_buf_reset(&b);
    return st;
}

mloda_status mloda_server_start(mloda_server *srv, mloda_error *err)
{
    mloda_error_enter(err);
    if (srv->n_entries == 0)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL, "no request to serve");
    if (srv->daemon != NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL, "the server already runs");
    MLODA_TRY(mloda_serve_mhd_load(err));
    MLODA_TRY(build_requests_json(srv, err));
    MLODA_TRY(open_listener(srv, err));
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (strchr(srv->url, '[') != NULL)
        flags |= MHD_USE_IPv6;
    /* libmicrohttpd's own limit closes connections beyond it at once; ours, lower, answers
     * them with 503 first. */
    const unsigned hard_limit = (unsigned)(srv->opts.max_connections * 2 + 16);
    srv->daemon = mloda_serve_mhd.start_daemon(
        flags, 0, NULL, NULL, mloda_serve_on_request, srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
        srv, MHD_OPTION_LISTEN_SOCKET,
        srv->listen_fd, MHD_OPTION_CONNECTION_LIMIT, hard_limit, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)srv->opts.timeout, MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONN_MEMORY,
        MHD_OPTION_NOTIFY_COMPLETED, mloda_serve_on_completed, srv,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv, MHD_OPTION_END);
    if (srv->daemon == NULL) {
        close(srv->listen_fd);
        srv->listen_fd = -1;
        return mloda_error_set(err, MLODA_ERR_INTERNAL, NULL, "libmicrohttpd did not start");
    }
    srv->listen_fd = -1; /* the daemon's now (given back by its quiesce) */
    srv->watchdog_on = true;
    if (pthread_create(&srv->watchdog, NULL, watchdog_main, srv) != 0) {
        srv->watchdog_on = false;
        mloda_server_stop(srv);
        return mloda_error_set(err, MLODA_ERR_INTERNAL, NULL, "cannot start a thread");
    }
    srv->watchdog_started = true;
    return MLODA_OK;
}

const char *mloda_server_url(const mloda_server *srv)
{
    return srv->url;
}

bool mloda_server_is_loopback(const mloda_server *srv)
{
    return srv->loopback;
}

/* ---------------------------------------------------------------- stop, free */

void mloda_server_stop_now(mloda_server *srv)
{
    atomic_store(&srv->stop_now, true);
}

static const char CLOSING_ANSWER[] =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
    "Connection: close\r\nRetry-After: 1\r\nContent-Length: 102\r\n\r\n"
    "{\"error\": {\"code\": \"MLODA_ERR_CANCELLED\", \"message\": \"the server is shutting "
    "down\", \"feature\": null}}\n";

/* Waits up to ms for fd to be readable and reads what is there; false at EOF or error. */
static bool read_some(int fd, int ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, ms) <= 0)
        return false;
    char junk[4096];
    return recv(fd, junk, sizeof junk, MSG_DONTWAIT) > 0;
}

/* Connections the kernel accepted before the listening socket closed but the daemon never
 * took would be reset by the close, unanswered: each gets a 503 instead. Its request is read
 * first (and after the answer, until the client closes), so that no unread data turns the
 * close into a reset that could destroy the answer. */
static void answer_backlog(int lfd)
{
    const int flags = fcntl(lfd, F_GETFL);
    if (flags < 0 || fcntl(lfd, F_SETFL, flags | O_NONBLOCK) != 0)
        return;
    for (int n = 0; n < 4096; n++) {
        const int fd = accept(lfd, NULL, NULL);
        if (fd < 0)
            break;
        (void)read_some(fd, 200);
        (void)send(fd, CLOSING_ANSWER, sizeof CLOSING_ANSWER - 1, MSG_NOSIGNAL);
        (void)shutdown(fd, SHUT_WR);
        for (int k = 0; k < 16 && read_some(fd, 100); k++)
            ;
        close(fd);
    }
}

void mloda_server_stop(mloda_server *srv)
{
    if (srv == NULL || srv->stopped || srv->daemon == NULL)
        return;
    srv->stopped = true;
    atomic_store(&srv->closing, true);
    /* No new connections: the listening socket is closed (new connects are refused). */
    const MHD_socket lfd = mloda_serve_mhd.quiesce_daemon(srv->daemon);
    if (lfd != MHD_INVALID_SOCKET) {
        answer_backlog(lfd);
        close(lfd);
    }
    for (int64_t i = 0; i < srv->n_entries; i++)
        mloda_serve_feed_close(&srv->entries[i]->feed);
    /* Drain: in-flight requests finish; every answer from now on says Connection: close, so
     * clients close; idle keep-alive connections end by the idle timeout. */
    const int64_t deadline = mloda_serve_now_ns() + (srv->opts.timeout + 1) * 1000000000;
    while (!atomic_load(&srv->stop_now) && mloda_serve_now_ns() < deadline &&
           (atomic_load(&srv->n_conns) > 0 || atomic_load(&srv->in_flight) > 0)) {
        const struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    mloda_serve_mhd.stop_daemon(srv->daemon);
    srv->daemon = NULL;
    pthread_mutex_lock(&srv->conn_mu);
    srv->watchdog_on = false;
    pthread_cond_broadcast(&srv->conn_cv);
    pthread_mutex_unlock(&srv->conn_mu);
    if (srv->watchdog_started)
        pthread_join(srv->watchdog, NULL);
    srv->watchdog_started = false;
}

void mloda_server_free(mloda_server *srv)
{
    if (srv == NULL)
        return;
    mloda_server_stop(srv);
    if (srv->listen_fd >= 0)
        close(srv->listen_fd);
    for (int64_t i = 0; i < srv->n_entries; i++)
        entry_free(srv->entries[i]);
    mloda_free(srv->entries);
    mloda_free(srv->requests_json);
    mloda_pool_free(srv->pool);
    if (srv->token != NULL)
        memset(srv->token, 0, srv->token_len);
    mloda_free(srv->token);
    pthread_mutex_destroy(&srv->adm_mu);
    pthread_cond_destroy(&srv->adm_cv);
    pthread_mutex_destroy(&srv->conn_mu);
    pthread_cond_destroy(&srv->conn_cv);
    mloda_free(srv);
}
