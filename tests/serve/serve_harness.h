/*
 * serve_harness.h: what the `mloda serve` tests share: start the real `mloda` executable
 * of this build as a child process on a free loopback port (stderr collected), stop it
 * (SIGTERM, then SIGKILL after a grace period; also at exit, so no test leaves a server
 * behind), a small HTTP/1.1 client on raw sockets (Content-Length, chunked, until-close
 * bodies), and a JSON reader (the io layer's tree) for answers.
 */
#ifndef MLODA_TEST_SERVE_HARNESS_H
#define MLODA_TEST_SERVE_HARNESS_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "io/json_events.h"
#include "io/json_tree.h"
#include "test.h"

static double h_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void h_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The build directory: this program is BUILD/tests/test_x. */
static const char *h_build_dir(void)
{
    static char dir[PATH_MAX];
    if (dir[0] != '\0')
        return dir;
    ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
    if (n <= 0)
        return ".";
    dir[n] = '\0';
    for (int k = 0; k < 2; k++) {
        char *slash = strrchr(dir, '/');
        if (slash != NULL)
            *slash = '\0';
    }
    return dir;
}

/* dst = a + b, cut to cap (snprintf would do, but GCC warns about the cut). */
static void h_join(char *dst, size_t cap, const char *a, const char *b)
{
    const size_t la = strlen(a), lb = strlen(b);
    const size_t na = la < cap - 1 ? la : cap - 1;
    const size_t nb = lb < cap - 1 - na ? lb : cap - 1 - na;
    memcpy(dst, a, na);
    memcpy(dst + na, b, nb);
    dst[na + nb] = '\0';
}

static char h_tmp[PATH_MAX];

/* A scratch directory for request and token files (removed at exit). */
static const char *h_tmpdir(void)
{
    if (h_tmp[0] == '\0') {
        (void)snprintf(h_tmp, sizeof h_tmp, "/tmp/mloda_serve_test.XXXXXX");
        if (mkdtemp(h_tmp) == NULL)
            h_tmp[0] = '\0';
    }
    return h_tmp;
}

static const char *h_write_file(const char *name, const char *text)
{
    static char paths[16][PATH_MAX];
    static int next;
    char *p = paths[next++ % 16];
    char dir[PATH_MAX];
    h_join(dir, sizeof dir, h_tmpdir(), "/");
    h_join(p, PATH_MAX, dir, name);
    FILE *fp = fopen(p, "w");
    if (fp != NULL) {
        (void)fputs(text, fp);
        (void)fclose(fp);
    }
    return p;
}

/* ---------------------------------------------------------------- the server process */

typedef struct h_server {
    pid_t pid;
    int port;
    int err_fd;              /* read end of the child's stderr */
    pthread_t reader;
    pthread_mutex_t mu;
    char *log;               /* guarded by mu: all stderr so far */
    size_t log_len, log_cap;
    bool reading;
} h_server;

static h_server *h_live[8]; /* killed at exit if a test did not stop them */

static void h_kill_live(void)
{
    for (int i = 0; i < 8; i++)
        if (h_live[i] != NULL && h_live[i]->pid > 0) {
            kill(h_live[i]->pid, SIGKILL);
            (void)waitpid(h_live[i]->pid, NULL, 0);
        }
    if (h_tmp[0] != '\0') {
        char cmd[PATH_MAX + 16];
        (void)snprintf(cmd, sizeof cmd, "rm -rf '%s'", h_tmp);
        (void)!system(cmd);
    }
}

static void *h_read_stderr(void *arg)
{
    h_server *s = arg;
    char buf[4096];
    for (;;) {
        const ssize_t n = read(s->err_fd, buf, sizeof buf);
        if (n <= 0)
            break;
        pthread_mutex_lock(&s->mu);
        if (s->log_len + (size_t)n + 1 > s->log_cap) {
            s->log_cap = (s->log_len + (size_t)n + 1) * 2;
            s->log = realloc(s->log, s->log_cap);
        }
        memcpy(s->log + s->log_len, buf, (size_t)n);
        s->log_len += (size_t)n;
        s->log[s->log_len] = '\0';
        pthread_mutex_unlock(&s->mu);
    }
    return NULL;
}

/* A copy of the server's stderr so far (free it). */
static char *h_log(h_server *s)
{
    pthread_mutex_lock(&s->mu);
    char *copy = strdup(s->log != NULL ? s->log : "");
    pthread_mutex_unlock(&s->mu);
    return copy;
}

/* Starts `mloda serve ARGS... --listen 127.0.0.1:0` and waits for its "listening" line.
 * args ends with NULL. Returns false (with the output printed) when it does not start. */
static bool h_start(h_server *s, const char *const *args)
{
    static bool registered;
    if (!registered) {
        atexit(h_kill_live);
        registered = true;
        signal(SIGPIPE, SIG_IGN);
    }
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    int fds[2];
    if (pipe(fds) != 0)
        return false;
    char exe[PATH_MAX];
    (void)snprintf(exe, sizeof exe, "%s/mloda", h_build_dir());
    const char *argv[64];
    int n = 0;
    argv[n++] = exe;
    argv[n++] = "serve";
    bool has_listen = false;
    for (int i = 0; args[i] != NULL && n < 60; i++) {
        argv[n++] = args[i];
        has_listen = has_listen || strcmp(args[i], "--listen") == 0;
    }
    if (!has_listen) {
        argv[n++] = "--listen";
        argv[n++] = "127.0.0.1:0";
    }
    argv[n] = NULL;
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 2);
        const int null_fd = open("/dev/null", O_RDWR);
        dup2(null_fd, 0);
        dup2(null_fd, 1);
        close(fds[0]);
        close(fds[1]);
        execv(exe, (char *const *)argv);
        _exit(127);
    }
    close(fds[1]);
    if (pid < 0) {
        close(fds[0]);
        return false;
    }
    s->pid = pid;
    s->err_fd = fds[0];
    for (int i = 0; i < 8; i++)
        if (h_live[i] == NULL) {
            h_live[i] = s;
            break;
        }
    s->reading = pthread_create(&s->reader, NULL, h_read_stderr, s) == 0;
    const double until = h_now() + 60; /* sanitizer builds start slowly on a busy machine */
    while (h_now() < until) {
        char *log = h_log(s);
        const char *at = strstr(log, "listening on http://127.0.0.1:");
        if (at != NULL)
            s->port = atoi(at + strlen("listening on http://127.0.0.1:"));
        free(log);
        if (s->port > 0)
            return true;
        int status = 0;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            s->pid = 0;
            break;
        }
        h_sleep_ms(20);
    }
    char *log = h_log(s);
    fprintf(stderr, "  the server did not start:\n%s\n", log);
    free(log);
    return false;
}

/* Sends SIGTERM (unless sig is 0: already sent) and waits up to grace seconds; then
 * SIGKILL. Returns the exit code, or -1 when it had to be killed or died by a signal. */
static int h_stop(h_server *s, int sig, double grace)
{
    int code = -1;
    if (s->pid > 0) {
        if (sig != 0)
            kill(s->pid, sig);
        const double until = h_now() + grace;
        int status = 0;
        pid_t r = 0;
        while ((r = waitpid(s->pid, &status, WNOHANG)) == 0 && h_now() < until)
            h_sleep_ms(10);
        if (r == s->pid) {
            code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        } else {
            kill(s->pid, SIGKILL);
            (void)waitpid(s->pid, NULL, 0);
        }
        s->pid = 0;
    }
    if (s->reading)
        pthread_join(s->reader, NULL);
    s->reading = false;
    if (s->err_fd > 0)
        close(s->err_fd);
    s->err_fd = 0;
    for (int i = 0; i < 8; i++)
        if (h_live[i] == s)
            h_live[i] = NULL;
    return code;
}

static void h_free(h_server *s)
{
    free(s->log);
    s->log = NULL;
    pthread_mutex_destroy(&s->mu);
}

/* The sanitizers report on stderr: a server's report is a failure of the test. */
static void h_check_clean_log(h_server *s)
{
    char *log = h_log(s);
    const bool clean = strstr(log, "Sanitizer") == NULL && strstr(log, "runtime error") == NULL;
    CHECK_MSG(clean, "the server's stderr has a sanitizer report:\n%s", log);
    free(log);
}

/* ---------------------------------------------------------------- HTTP client */

typedef struct h_resp {
    int status;              /* 0: no answer */
    char head[8192];         /* status line and headers */
    char *body;              /* malloc'd, NUL-terminated (may be empty) */
    size_t body_len;
    bool chunked;
    bool close;              /* the server said Connection: close */
    int error;               /* errno of a failed connect/send/recv, 0 */
    bool connect_failed;
} h_resp;

static void h_resp_free(h_resp *r)
{
    free(r->body);
    memset(r, 0, sizeof *r);
}

static int h_connect(int port)
{
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        const int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    const int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static bool h_send_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        const ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n <= 0)
            return false;
        data += n;
        len -= (size_t)n;
    }
    return true;
}

/* Reads one byte-buffered stream: a tiny buffered reader over a socket with a timeout. */
typedef struct h_reader {
    int fd;
    char buf[65536];
    size_t start, end;
    double deadline;
    int error;
} h_reader;

static bool h_fill(h_reader *r)
{
    if (r->start < r->end)
        return true;
    for (;;) {
        const double left = r->deadline - h_now();
        if (left <= 0) {
            r->error = ETIMEDOUT;
            return false;
        }
        struct pollfd p = {r->fd, POLLIN, 0};
        const int k = poll(&p, 1, (int)(left * 1000) + 1);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            r->error = ETIMEDOUT;
            return false;
        }
        const ssize_t n = recv(r->fd, r->buf, sizeof r->buf, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            r->error = n == 0 ? 0 : errno;
            return false;
        }
        r->start = 0;
        r->end = (size_t)n;
        return true;
    }
}

/* A line without its CRLF into out (cap bytes); false at EOF/timeout. */
static bool h_line(h_reader *r, char *out, size_t cap)
{
    size_t n = 0;
    for (;;) {
        if (!h_fill(r))
            return false;
        const char ch = r->buf[r->start++];
        if (ch == '\n') {
            if (n > 0 && out[n - 1] == '\r')
                n--;
            out[n] = '\0';
            return true;
        }
        if (n + 1 < cap)
            out[n++] = ch;
    }
}

static bool h_read_n(h_reader *r, char *out, size_t n)
{
    while (n > 0) {
        if (!h_fill(r))
            return false;
        size_t k = r->end - r->start;
        k = k > n ? n : k;
        memcpy(out, r->buf + r->start, k);
        r->start += k;
        out += k;
        n -= k;
    }
    return true;
}

static const char *h_header(const h_resp *r, const char *name)
{
    static _Thread_local char value[1024];
    const size_t len = strlen(name);
    for (const char *line = strchr(r->head, '\n'); line != NULL; line = strchr(line + 1, '\n')) {
        if (strncasecmp(line + 1, name, len) == 0 && line[1 + len] == ':') {
            const char *v = line + 2 + len;
            while (*v == ' ')
                v++;
            size_t n = strcspn(v, "\r\n");
            n = n >= sizeof value ? sizeof value - 1 : n;
            memcpy(value, v, n);
            value[n] = '\0';
            return value;
        }
    }
    return NULL;
}

/* Reads a response (head and body) from r. head_only for HEAD requests. */
static bool h_read_response(h_reader *r, h_resp *out, bool head_only)
{
    char line[8192];
    size_t used = 0;
    if (!h_line(r, line, sizeof line))
        return false;
    out->status = atoi(strchr(line, ' ') != NULL ? strchr(line, ' ') + 1 : "0");
    used += (size_t)snprintf(out->head, sizeof out->head, "%s\n", line);
    long long length = -1;
    for (;;) {
        if (!h_line(r, line, sizeof line))
            return false;
        if (line[0] == '\0')
            break;
        if (used < sizeof out->head)
            used += (size_t)snprintf(out->head + used, sizeof out->head - used, "%s\n", line);
        if (strncasecmp(line, "Content-Length:", 15) == 0)
            length = atoll(line + 15);
        if (strncasecmp(line, "Transfer-Encoding:", 18) == 0 && strstr(line, "chunked") != NULL)
            out->chunked = true;
        if (strncasecmp(line, "Connection:", 11) == 0 && strstr(line, "close") != NULL)
            out->close = true;
    }
    size_t cap = 1024, len = 0;
    char *body = malloc(cap);
    if (head_only || out->status == 204 || out->status == 304) {
        /* no body */
    } else if (out->chunked) {
        for (;;) {
            if (!h_line(r, line, sizeof line)) {
                free(body);
                return false;
            }
            const size_t n = (size_t)strtoul(line, NULL, 16);
            if (n == 0) {
                while (h_line(r, line, sizeof line) && line[0] != '\0')
                    ; /* trailers */
                break;
            }
            if (len + n + 1 > cap) {
                cap = (len + n + 1) * 2;
                body = realloc(body, cap);
            }
            if (!h_read_n(r, body + len, n) || !h_line(r, line, sizeof line)) {
                free(body);
                return false;
            }
            len += n;
        }
    } else if (length >= 0) {
        if ((size_t)length + 1 > cap) {
            cap = (size_t)length + 1;
            body = realloc(body, cap);
        }
        if (!h_read_n(r, body, (size_t)length)) {
            free(body);
            return false;
        }
        len = (size_t)length;
    } else { /* until the server closes */
        while (h_fill(r)) {
            const size_t k = r->end - r->start;
            if (len + k + 1 > cap) {
                cap = (len + k + 1) * 2;
                body = realloc(body, cap);
            }
            memcpy(body + len, r->buf + r->start, k);
            r->start = r->end;
            len += k;
        }
        out->close = true;
    }
    body[len] = '\0';
    out->body = body;
    out->body_len = len;
    return true;
}

/* Formats a request: method, path, extra header lines ("Name: v\r\n"...), body. */
static char *h_format(const char *method, const char *path, const char *headers,
                      const char *body, size_t body_len, size_t *out_len)
{
    const size_t cap = 512 + strlen(path) + (headers ? strlen(headers) : 0) + body_len;
    char *req = malloc(cap);
    int n = snprintf(req, cap, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s", method, path,
                     headers != NULL ? headers : "");
    if (body != NULL)
        n += snprintf(req + n, cap - (size_t)n, "Content-Length: %zu\r\n", body_len);
    n += snprintf(req + n, cap - (size_t)n, "\r\n");
    if (body != NULL) {
        memcpy(req + n, body, body_len);
        n += (int)body_len;
    }
    *out_len = (size_t)n;
    return req;
}

/* A keep-alive client connection (fd < 0: connect on first use). */
typedef struct h_conn {
    int port;
    int fd;
    h_reader *rd;
} h_conn;

static void h_conn_close(h_conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    free(c->rd);
    c->rd = NULL;
}

/* One request on the connection; the answer in out. False when there was no complete
 * answer (out->error, out->connect_failed say why). */
static bool h_conn_do(h_conn *c, const char *method, const char *path, const char *headers,
                      const char *body, size_t body_len, h_resp *out, double timeout_s)
{
    memset(out, 0, sizeof *out);
    if (c->fd < 0) {
        c->fd = h_connect(c->port);
        if (c->fd < 0) {
            out->connect_failed = true;
            out->error = errno;
            return false;
        }
        c->rd = calloc(1, sizeof *c->rd);
        c->rd->fd = c->fd;
    }
    size_t len = 0;
    char *req = h_format(method, path, headers, body, body_len, &len);
    const bool sent = h_send_all(c->fd, req, len);
    free(req);
    c->rd->deadline = h_now() + timeout_s;
    const bool ok = h_read_response(c->rd, out, strcmp(method, "HEAD") == 0);
    if (!ok) {
        out->error = c->rd->error != 0 ? c->rd->error : (sent ? ECONNRESET : EPIPE);
        h_conn_close(c);
        return false;
    }
    if (out->close)
        h_conn_close(c);
    return true;
}

/* One request on a fresh connection. */
static bool h_do(int port, const char *method, const char *path, const char *headers,
                 const char *body, h_resp *out)
{
    h_conn c = {port, -1, NULL};
    const bool ok = h_conn_do(&c, method, path, headers, body, body != NULL ? strlen(body) : 0,
                              out, 60);
    h_conn_close(&c);
    return ok;
}

/* ---------------------------------------------------------------- JSON */

static io_jt *h_json(const char *text, size_t len)
{
    io_jt_builder b;
    mloda_io_jt_builder_init(&b);
    io_json_parser p;
    mloda_error err = MLODA_ERROR_INIT;
    if (mloda_io_json_parser_init(&p, mloda_io_jt_builder_event, &b, "answer", 1, 0, &err) !=
        MLODA_OK)
        return NULL;
    mloda_status st = mloda_io_json_parser_feed(&p, text, len, &err);
    if (st == MLODA_OK)
        st = mloda_io_json_parser_finish(&p, &err);
    mloda_io_json_parser_reset(&p);
    io_jt *t = st == MLODA_OK ? mloda_io_jt_builder_take(&b) : NULL;
    mloda_io_jt_builder_reset(&b);
    if (t == NULL)
        fprintf(stderr, "  not JSON (%s): %.300s\n", err.message, text);
    return t;
}

/* obj["a"]["b"]... (NULL-terminated keys); NULL when missing. */
static const io_jt *h_get(const io_jt *node, ...)
{
    va_list ap;
    va_start(ap, node);
    const char *key;
    while (node != NULL && (key = va_arg(ap, const char *)) != NULL)
        node = node->kind == IO_JT_OBJECT ? mloda_io_jt_get(node, key) : NULL;
    va_end(ap);
    return node;
}

static const char *h_str(const io_jt *node)
{
    return node != NULL && node->kind == IO_JT_STRING ? node->text : "";
}

static double h_num(const io_jt *node)
{
    return node != NULL && node->kind == IO_JT_NUMBER ? strtod(node->text, NULL) : NAN;
}

#endif /* MLODA_TEST_SERVE_HARNESS_H */
