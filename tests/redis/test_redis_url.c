/*
 * test_redis_url.c: redis:// URLs (src/io/redis_conn.c) and the protocol text of commands,
 * table-driven; no server needed (test_redis_workers.c runs one).
 */
#include <math.h>
#include <string.h>

#include "io/redis.h"
#include "test.h"

static void test_url_parse(void)
{
    static const struct {
        const char *text;
        mloda_status st;
        const char *host, *user, *password, *key;
        int port;
        const char *message; /* a part of the error message */
    } cases[] = {
        {"redis://127.0.0.1:6380/in", MLODA_OK, "127.0.0.1", "", "", "in", 6380, NULL},
        {"redis://localhost/in", MLODA_OK, "localhost", "", "", "in", 6379, NULL},
        {"REDIS://h/a/b", MLODA_OK, "h", "", "", "a/b", 6379, NULL},
        {"redis://:pw@h:1/s", MLODA_OK, "h", "", "pw", "s", 1, NULL},
        {"redis://alice:p%40ss@h:65535/s", MLODA_OK, "h", "alice", "p@ss", "s", 65535, NULL},
        {"redis://a:b@c@h/s", MLODA_OK, "h", "a", "b@c", "s", 6379, NULL},
        {"redis://[::1]:7000/s%20t", MLODA_OK, "::1", "", "", "s t", 7000, NULL},
        {"redis://[::1]/s", MLODA_OK, "::1", "", "", "s", 6379, NULL},
        {"http://h/s", MLODA_ERR_INVALID_ARG, NULL, NULL, NULL, NULL, 0, "not a redis:// URL"},
        {"redis://h", MLODA_ERR_INVALID_ARG, NULL, NULL, NULL, NULL, 0, "no stream named"},
        {"redis://h/", MLODA_ERR_INVALID_ARG, NULL, NULL, NULL, NULL, 0, "no stream named"},
        {"redis:///s", MLODA_ERR_INVALID_ARG, NULL, NULL, NULL, NULL, 0, "no host"},
        {"redis://h:0/s", MLODA_ERR_INVALID_ARG, NULL, NULL, NULL, NULL, 0, "from 1 to 65535"},
        {"redis://h:65536/s", MLODA_ERR_INVALID_ARG, NULL, NULL, NULL, NULL, 0, "from 1 to 65535"},
        {"redis://h:12x/s", MLODA_ERR_INVALID_ARG, NULL, NULL, NULL, NULL, 0, "from 1 to 65535"},
        {"redis://h:99999999999999999999/s", MLODA_ERR_INVALID_ARG, NULL, NULL, NULL, NULL, 0,
         "from 1 to 65535"},
        {"redis://h:/s", MLODA_ERR_INVALID_ARG, NULL, NULL, NULL, NULL, 0, "the port is empty"},
        {"redis://pw@h/s", MLODA_ERR_INVALID_ARG, NULL, NULL, NULL, NULL, 0, "USER:PASSWORD"},
        {"redis://u:@h/s", MLODA_ERR_INVALID_ARG, NULL, NULL, NULL, NULL, 0, "password is empty"},
        {"redis://[::1/s", MLODA_ERR_INVALID_ARG, NULL, NULL, NULL, NULL, 0, "closing ']'"},
        {"redis://[::1]x/s", MLODA_ERR_INVALID_ARG, NULL, NULL, NULL, NULL, 0, "after the IPv6"},
        {"redis://h/s%0a", MLODA_ERR_INVALID_ARG, NULL, NULL, NULL, NULL, 0, "badly escaped"},
        {"redis://h/s%4", MLODA_ERR_INVALID_ARG, NULL, NULL, NULL, NULL, 0, "badly escaped"},
        {"redis://:%zz@h/s", MLODA_ERR_INVALID_ARG, NULL, NULL, NULL, NULL, 0, "badly escaped"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s", cases[i].text);
        io_redis_url u;
        mloda_error err = MLODA_ERROR_INIT;
        const mloda_status st = mloda_io_redis_url_parse(cases[i].text, "--batches", &u, &err);
        CHECK_EQ_INT(st, cases[i].st);
        if (st != MLODA_OK) {
            CHECK_CONTAINS(err.message, cases[i].message);
            CHECK_CONTAINS(err.message, "--batches");
            CHECK_STR(err.subject, "--batches");
            continue;
        }
        CHECK_STR(u.host, cases[i].host);
        CHECK_STR(u.user, cases[i].user);
        CHECK_STR(u.password, cases[i].password);
        CHECK_STR(u.key, cases[i].key);
        CHECK_EQ_INT(u.port, cases[i].port);
    }
}

/* A message about a URL with a password never shows the password. */
static void test_url_message_hides_password(void)
{
    io_redis_url u;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK(mloda_io_redis_url_parse("redis://bob:t0psecret@h:0/s", "--to", &u, &err) != MLODA_OK);
    CHECK(strstr(err.message, "t0psecret") == NULL);
    CHECK_CONTAINS(err.message, "redis://...@h:0/s");
    io_redis_conn c;
    CHECK(mloda_io_redis_url_parse("redis://bob:t0psecret@[::1]:7/s", "--to", &u, &err) == MLODA_OK);
    mloda_io_redis_conn_init(&c, &u);
    CHECK_STR(c.where, "redis://[::1]:7");
}

static void test_is_redis_url(void)
{
    CHECK(mloda_io_is_redis_url("redis://x/y"));
    CHECK(mloda_io_is_redis_url("Redis://x/y"));
    CHECK(!mloda_io_is_redis_url("redis:/x/y"));
    CHECK(!mloda_io_is_redis_url("batches.ndjson"));
    CHECK(!mloda_io_is_redis_url(NULL));
}

static void test_format(void)
{
    static const struct {
        int argc;
        const char *argv[4];
        const char *want;
    } cases[] = {
        {1, {"PING"}, "*1\r\n$4\r\nPING\r\n"},
        {3, {"XADD", "s", ""}, "*3\r\n$4\r\nXADD\r\n$1\r\ns\r\n$0\r\n\r\n"},
        {2, {"SET", "a\r\nb"}, "*2\r\n$3\r\nSET\r\n$4\r\na\r\nb\r\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("format %zu", i);
        mloda_buf b = {0};
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(mloda_io_redis_format(&b, cases[i].argc, cases[i].argv, NULL, &err), err);
        CHECK(b.len == strlen(cases[i].want) && memcmp(b.data, cases[i].want, b.len) == 0);
        mloda_buf_reset(&b);
    }
    /* explicit lengths: binary values with NUL bytes pass whole */
    const char *argv[] = {"X", "a\0b"};
    const size_t lens[] = {1, 3};
    mloda_buf b = {0};
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_io_redis_format(&b, 2, argv, lens, &err), err);
    CHECK(b.len == 20 && memcmp(b.data, "*2\r\n$1\r\nX\r\n$3\r\na\0b\r\n", 20) == 0);
    mloda_buf_reset(&b);
}

static void test_format_nomem(void)
{
    const char *argv[] = {"XADD", "stream", "*", "batch", "{\"T\": {\"v\": [1, 2, 3]}}"};
    for (long n = 0;; n++) {
        mloda_test_fail_alloc_at(n);
        mloda_buf b = {0};
        mloda_error err = MLODA_ERROR_INIT;
        const mloda_status st = mloda_io_redis_format(&b, 5, argv, NULL, &err);
        const bool injected = mloda_test_alloc_failed();
        mloda_test_fail_alloc_at(-1);
        mloda_buf_reset(&b);
        if (!injected) {
            CHECK_OK(st, err);
            break;
        }
        CHECK(st == MLODA_ERR_NOMEM && err.code == st);
    }
}

/* Without a server: a refused connection is a clear error, and nothing is left open. */
static void test_connect_refused(void)
{
    io_redis_url u;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK(mloda_io_redis_url_parse("redis://127.0.0.1:1/s", "--batches", &u, &err) == MLODA_OK);
    io_redis_conn c;
    mloda_io_redis_conn_init(&c, &u);
    CHECK(mloda_io_redis_connect(&c, &err) == MLODA_ERR_IO);
    CHECK_CONTAINS(err.message, "cannot connect to redis://127.0.0.1:1: ");
    CHECK(c.ctx == NULL);
    redisReply *r = NULL;
    mloda_error e2 = MLODA_ERROR_INIT;
    CHECK(mloda_io_redis_read(&c, 0, &r, &e2) == MLODA_ERR_IO && r == NULL);
    CHECK_CONTAINS(e2.message, "not connected");
    mloda_io_redis_disconnect(&c);
}

/* The source's options, checked before anything connects: each bad one named. */
static void test_source_options(void)
{
    static const struct {
        const char *label, *group, *consumer, *from, *dead;
        int64_t in_flight, deliveries;
        double claim_after, claim_interval;
        mloda_status st;
        const char *message;
    } cases[] = {
        {"no group", NULL, "c", NULL, NULL, 1, 1, 1, 1, MLODA_ERR_INVALID_ARG, "needs a consumer group"},
        {"empty group", "", "c", NULL, NULL, 1, 1, 1, 1, MLODA_ERR_INVALID_ARG, "needs a consumer group"},
        {"no consumer", "g", NULL, NULL, NULL, 1, 1, 1, 1, MLODA_ERR_INVALID_ARG, "needs a consumer name"},
        {"empty consumer", "g", "", NULL, NULL, 1, 1, 1, 1, MLODA_ERR_INVALID_ARG, "needs a consumer name"},
        {"from 1", "g", "c", "1", NULL, 1, 1, 1, 1, MLODA_ERR_INVALID_ARG, "not '1'"},
        {"in flight 0", "g", "c", "$", NULL, 0, 1, 1, 1, MLODA_ERR_INVALID_ARG, "at least 1"},
        {"deliveries 0", "g", "c", "0", NULL, 1, 0, 1, 1, MLODA_ERR_INVALID_ARG, "at least 1"},
        {"claim after 0", "g", "c", NULL, NULL, 1, 1, 0, 1, MLODA_ERR_INVALID_ARG, "more than 0"},
        {"claim interval NaN", "g", "c", NULL, NULL, 1, 1, 1, NAN, MLODA_ERR_INVALID_ARG, "more than 0"},
        {"dead letters on another server", "g", "c", NULL, "redis://127.0.0.2:1/d", 1, 1, 1, 1,
         MLODA_ERR_INVALID_ARG, "--dead-letter must name a stream on the input's server"},
        {"dead letters into the input", "g", "c", NULL, "redis://127.0.0.1:1/s", 1, 1, 1, 1,
         MLODA_ERR_INVALID_ARG, "--dead-letter must name another stream than --batches"},
        {"bad dead-letter URL", "g", "c", NULL, "redis://127.0.0.1:0/d", 1, 1, 1, 1,
         MLODA_ERR_INVALID_ARG, "port"},
        {"fine, but nothing listens", "g", "c", NULL, NULL, 1, 1, 1, 1, MLODA_ERR_IO,
         "cannot connect to redis://127.0.0.1:1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s", cases[i].label);
        io_redis_options ro;
        memset(&ro, 0, sizeof ro);
        ro.group = cases[i].group;
        ro.consumer = cases[i].consumer;
        ro.from = cases[i].from;
        ro.dead_letter = cases[i].dead;
        ro.max_in_flight = cases[i].in_flight;
        ro.max_deliveries = cases[i].deliveries;
        ro.claim_after = cases[i].claim_after;
        ro.claim_interval = cases[i].claim_interval;
        io_source *src = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_EQ_INT(mloda_io_redis_source_open("redis://127.0.0.1:1/s", NULL, NULL, &ro, &src,
                                                &err),
                     cases[i].st);
        CHECK_CONTAINS(err.message, cases[i].message);
        CHECK(src == NULL);
    }
    io_source *src = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_EQ_INT(mloda_io_redis_source_open("redis://127.0.0.1:1/s", NULL, NULL, NULL, &src, &err),
                 MLODA_ERR_INVALID_ARG);
}

int main(void)
{
    RUN(test_url_parse);
    RUN(test_url_message_hides_password);
    RUN(test_is_redis_url);
    RUN(test_format);
    RUN(test_format_nomem);
    RUN(test_connect_refused);
    RUN(test_source_options);
    return TEST_SUMMARY();
}
