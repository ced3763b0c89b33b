/*
 * test_serve_units.c: the server's small pieces, called directly: listen addresses, the
 * constant-time token comparison, request names and log fields.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "serve/serve.h"
#include "test.h"

static void test_parse_listen(void)
{
    static const struct { const char *in; bool ok; const char *host; int port; } cases[] = {
        {"127.0.0.1:8080", true, "127.0.0.1", 8080},
        {"8080", true, "127.0.0.1", 8080}, /* a bare port: loopback */
        {"0", true, "127.0.0.1", 0},
        {"localhost:1", true, "localhost", 1},
        {"0.0.0.0:65535", true, "0.0.0.0", 65535},
        {"[::1]:9000", true, "::1", 9000},
        {"::1:9000", false, NULL, 0},      /* IPv6 needs brackets */
        {"[::1]9000", false, NULL, 0},
        {"127.0.0.1:65536", false, NULL, 0},
        {"127.0.0.1:", false, NULL, 0},
        {":8080", false, NULL, 0},
        {"127.0.0.1:80a", false, NULL, 0},
        {"127.0.0.1:-1", false, NULL, 0},
        {"", false, NULL, 0},
        {"nowhere", false, NULL, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("listen '%s'", cases[i].in);
        char host[64] = "";
        int port = -1;
        const bool ok = mloda_serve_parse_listen(cases[i].in, host, sizeof host, &port);
        CHECK_EQ_INT(ok, cases[i].ok);
        if (ok && cases[i].ok) {
            CHECK_STR(host, cases[i].host);
            CHECK_EQ_INT(port, cases[i].port);
        }
    }
}

static void test_token_equal(void)
{
    static const struct { const char *given, *want; bool eq; } cases[] = {
        {"abc", "abc", true},
        {"abd", "abc", false},
        {"ab", "abc", false},
        {"abcd", "abc", false},
        {"", "abc", false},
        {"xbc", "abc", false},
        {"ABC", "abc", false},
        {"a-long_Token.42", "a-long_Token.42", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("token '%s' vs '%s'", cases[i].given, cases[i].want);
        CHECK_EQ_INT(mloda_serve_token_equal(cases[i].given, strlen(cases[i].given), cases[i].want,
                                             strlen(cases[i].want)),
                     cases[i].eq);
    }
}

static void test_names_and_log_fields(void)
{
    static const struct { const char *name; bool ok; } names[] = {
        {"sensors", true}, {"a.b-c_D9", true}, {"", false}, {"a b", false}, {"a/b", false},
        {"x%20", false}, {"01234567890123456789012345678901234567890123456789012345678901234", false},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        TEST_CASE("name '%s'", names[i].name);
        CHECK_EQ_INT(mloda_serve_name_valid(names[i].name, strlen(names[i].name)), names[i].ok);
    }
    static const struct { const char *in; size_t max; const char *out; } fields[] = {
        {"/v1/run/agg", 100, "/v1/run/agg"},
        {"/a b", 100, "/a\\x20b"},
        {"q\"\\\n", 100, "q\\x22\\x5c\\x0a"},
        {"\xc3\xa9", 100, "\\xc3\\xa9"},
        {"abcdef", 3, "abc..."},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        TEST_CASE("log field %zu", i);
        mloda_buf b = {0};
        mloda_error err = MLODA_ERROR_INIT;
        CHECK(mloda_serve_log_field(&b, fields[i].in, fields[i].max, &err) == MLODA_OK);
        CHECK_STR(b.data != NULL ? b.data : "", fields[i].out);
        mloda_buf_reset(&b);
    }
}

/* settings out of range are errors naming the setting; the listen address is checked */
static void test_server_settings(void)
{
    static const struct {
        const char *what;
        int64_t threads, queue, max_body, max_running, max_connections, timeout;
        const char *listen, *message;
    } cases[] = {
        {"threads -1", -1, 0, 0, 0, 0, 0, NULL, "setting threads is -1; it must be 0 (the default) to 1024"},
        {"threads 1025", 1025, 0, 0, 0, 0, 0, NULL, "setting threads is 1025"},
        {"queue", 0, 1000001, 0, 0, 0, 0, NULL, "setting queue is 1000001"},
        {"max_body", 0, 0, -5, 0, 0, 0, NULL, "setting max_body is -5"},
        {"max_running", 0, 0, 0, 100001, 0, 0, NULL, "setting max_running is 100001"},
        {"max_connections", 0, 0, 0, 0, -1, 0, NULL, "setting max_connections is -1"},
        {"timeout", 0, 0, 0, 0, 0, 86401, NULL, "setting timeout is 86401; it must be 0 (the default) to 86400"},
        {"listen", 0, 0, 0, 0, 0, 0, "127.0.0.1:99999", "cannot read the listen address '127.0.0.1:99999'"},
        {"all at their limits", 1024, 1000000, 1, 100000, 100000, 86400, "[::1]:0", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s", cases[i].what);
        mloda_serve_options o = {0};
        o.threads = cases[i].threads;
        o.queue = cases[i].queue;
        o.max_body = cases[i].max_body;
        o.max_running = cases[i].max_running;
        o.max_connections = cases[i].max_connections;
        o.timeout = cases[i].timeout;
        o.listen = cases[i].listen;
        o.token = "secret";
        mloda_server *srv = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        const mloda_status st = mloda_server_new(&o, &srv, &err);
        if (cases[i].message == NULL) {
            CHECK_OK(st, err);
            CHECK(srv != NULL);
        } else {
            CHECK_EQ_INT(st, MLODA_ERR_INVALID_ARG);
            CHECK_CONTAINS(err.message, cases[i].message);
            CHECK(srv == NULL);
        }
        mloda_server_free(srv);
    }
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f != NULL) {
        (void)fputs(text, f);
        (void)fclose(f);
    }
}

static void collect_note(void *ctx, const char *message)
{
    char *notes = ctx;
    (void)snprintf(notes + strlen(notes), 512 - strlen(notes), "%s|", message);
}

/* "GET /healthz" over IPv6 loopback: the status line, or "" when nothing answered. */
static void get_healthz_v6(int port, char *status, size_t cap)
{
    status[0] = '\0';
    const int fd = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 a;
    memset(&a, 0, sizeof a);
    a.sin6_family = AF_INET6;
    a.sin6_port = htons((uint16_t)port);
    a.sin6_addr = in6addr_loopback;
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        if (fd >= 0)
            close(fd);
        return;
    }
    static const char req[] = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    if (write(fd, req, sizeof req - 1) == (ssize_t)(sizeof req - 1)) {
        const ssize_t n = read(fd, status, cap - 1);
        status[n > 0 ? n : 0] = '\0';
        char *eol = strchr(status, '\r');
        if (eol != NULL)
            *eol = '\0';
    }
    close(fd);
}

static bool ipv6_loopback_available(void)
{
    const int fd = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 a;
    memset(&a, 0, sizeof a);
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    const bool ok = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

/* A request whose folder holds a file that is not data: the note reaches the caller; the
 * server listens on IPv6 loopback and answers there. */
static void test_notes_and_ipv6(void)
{
    char dir[] = "/tmp/mloda_serve_units_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    (void)snprintf(path, sizeof path, "%s/folder", dir);
    CHECK(mkdir(path, 0755) == 0);
    (void)snprintf(path, sizeof path, "%s/folder/f.csv", dir);
    write_text(path, "fx\n1\n2\n");
    (void)snprintf(path, sizeof path, "%s/folder/readme.txt", dir);
    write_text(path, "not data");
    (void)snprintf(path, sizeof path, "%s/req.json", dir);
    write_text(path, "{\"features\": [\"fx__sum_aggr\"], \"data_access\": {\"folders\": [\"folder\"]}}");
    char notes[512] = "";
    mloda_serve_options o = {0};
    const bool v6 = ipv6_loopback_available();
    o.listen = v6 ? "[::1]:0" : "127.0.0.1:0";
    o.quiet = true;
    o.threads = 1;
    o.note = collect_note;
    o.note_ctx = notes;
    mloda_server *srv = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_server_new(&o, &srv, &err), err);
    CHECK_OK(mloda_server_add(srv, "f", path, &err), err);
    CHECK_CONTAINS(notes, "readme.txt");
    if (!v6) {
        fprintf(stderr, "  (no IPv6 loopback here: the IPv6 half is not run)\n");
    } else {
        CHECK_OK(mloda_server_start(srv, &err), err);
        const char *url = mloda_server_url(srv);
        CHECK(strncmp(url, "http://[::1]:", 13) == 0);
        CHECK(mloda_server_is_loopback(srv));
        char status[256];
        get_healthz_v6(atoi(url + 13), status, sizeof status);
        CHECK_STR(status, "HTTP/1.1 200 OK");
    }
    mloda_server_stop(srv);
    mloda_server_free(srv);
    char cmd[300];
    (void)snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

/* What add and start refuse: a bad name, a name twice, a directory that does not resolve,
 * a start without requests, adding after the start, starting twice; a request file named
 * without a directory is read from the working directory. */
static void test_lifecycle_errors(void)
{
    char dir[] = "/tmp/mloda_serve_life_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    (void)snprintf(path, sizeof path, "%s/r.json", dir);
    write_text(path, "{\"features\": [\"v\"], \"api_data\": {\"T\": {\"v\": [1.0]}}}");
    mloda_serve_options o = {0};
    o.listen = "127.0.0.1:0";
    o.quiet = true;
    o.threads = 1;
    mloda_server *srv = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_server_new(&o, &srv, &err), err);
    CHECK_EQ_INT(mloda_server_start(srv, &err), MLODA_ERR_INVALID_ARG); /* nothing to serve */
    CHECK_EQ_INT(mloda_server_add(srv, "bad name", path, &err), MLODA_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "the request name 'bad name' must be");
    CHECK_EQ_INT(mloda_server_add(srv, "gone", "/nonexistent_mloda_dir/r.json", &err),
                 MLODA_ERR_IO);
    CHECK_CONTAINS(err.message, "cannot resolve the directory of request file");
    char cwd[PATH_MAX];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    CHECK(chdir(dir) == 0);
    CHECK_OK(mloda_server_add(srv, "here", "r.json", &err), err); /* no directory part */
    CHECK(chdir(cwd) == 0);
    CHECK_EQ_INT(mloda_server_add(srv, "here", path, &err), MLODA_ERR_DUPLICATE);
    CHECK_CONTAINS(err.message, "the request name 'here' is given twice");
    CHECK_OK(mloda_server_start(srv, &err), err);
    CHECK_EQ_INT(mloda_server_start(srv, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_server_add(srv, "late", path, &err), MLODA_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "the server already runs");
    mloda_server_stop(srv);
    mloda_server_free(srv);
    char cmd[300];
    (void)snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

int main(void)
{
    RUN(test_server_settings);
    RUN(test_notes_and_ipv6);
    RUN(test_lifecycle_errors);
    RUN(test_parse_listen);
    RUN(test_token_equal);
    RUN(test_names_and_log_fields);
    return TEST_SUMMARY();
}
