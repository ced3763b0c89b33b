/*
 * test_redis_produce.c: what `mloda produce` adds to a real redis-server from NDJSON text
 * with the edges of real files: a byte-order mark, CRLF line ends, blanks and tabs around a
 * line, blank lines, a last line without a newline, a line over the line cap, lines that
 * are no JSON object, more lines than one pipelined round (64), and MAXLEN trimming. Each
 * case checks the counts, the refusal messages and the entries' text as Redis holds it.
 */
/* the harness serves the worker tests too; this one starts only the server */
#pragma GCC diagnostic ignored "-Wunused-function"
#include "redis_harness.h"

#include "io/io.h"
#include "test.h"

static rh_server g_srv;

typedef struct notes {
    char text[2048];
    int n;
} notes;

static void note(void *ctx, const char *message)
{
    notes *w = ctx;
    const size_t len = strlen(w->text);
    (void)snprintf(w->text + len, sizeof w->text - len, "%s|", message);
    w->n++;
}

/* The batch field of every entry of key, joined by '|'. */
static void entries(redisContext *c, const char *key, char *out, size_t cap)
{
    out[0] = '\0';
    redisReply *r = redisCommand(c, "XRANGE %s - +", key);
    for (size_t i = 0; r != NULL && r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
        const redisReply *fields = r->element[i]->element[1];
        const size_t len = strlen(out);
        (void)snprintf(out + len, cap - len, "%s|", fields->element[1]->str);
    }
    if (r != NULL)
        freeReplyObject(r);
}

static mloda_status produce_text(const char *text, const io_redis_produce_options *o,
                                 int64_t *added, int64_t *refused, mloda_error *err)
{
    static const char *dir;
    if (dir == NULL && (dir = rh_tmpdir("redis_produce")) == NULL)
        return MLODA_ERR_IO;
    char path[PATH_MAX], url[160];
    rh_path(path, dir, "in.ndjson");
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return MLODA_ERR_IO;
    (void)fputs(text, f);
    (void)fclose(f);
    rh_url(url, sizeof url, &g_srv, "p");
    const int fd = open(path, O_RDONLY);
    const mloda_status st = mloda_io_redis_produce(fd, "in.ndjson", url, o, added, refused, err);
    close(fd);
    return st;
}

static void test_file_edges(void)
{
    redisContext *c = rh_connect(&g_srv);
    CHECK(c != NULL);
    if (c == NULL)
        return;
    static const struct {
        const char *label, *text;
        int64_t max_line;
        int64_t added, refused;
        const char *stored, *note;
    } cases[] = {
        {"BOM, CRLF, blanks around, blank lines, no last newline",
         "\xEF\xBB\xBF{\"T\": {\"v\": [1]}}\r\n \t{\"T\": {\"v\": [2]}}\t \r\n\n   \r\n{\"T\": {}}", 0,
         3, 0, "{\"T\": {\"v\": [1]}}|{\"T\": {\"v\": [2]}}|{\"T\": {}}|", ""},
        {"lines that are no JSON object", "[1, 2]\n{\"T\": 1}\nnot json\n{\"a\": 1} {\"b\": 2}\n", 0,
         1, 3, "{\"T\": 1}|", "in.ndjson: line 1"},
        {"a line over the cap, the rest go on",
         "{\"T\": {\"v\": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]}}\n{\"T\": {\"v\": [1]}}\n",
         32, 1, 1, "{\"T\": {\"v\": [1]}}|", "line 1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s", cases[i].label);
        freeReplyObject(redisCommand(c, "DEL p"));
        notes w = {"", 0};
        io_redis_produce_options o;
        memset(&o, 0, sizeof o);
        o.max_line_bytes = cases[i].max_line;
        o.warn = note;
        o.warn_ctx = &w;
        int64_t added = -1, refused = -1;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(produce_text(cases[i].text, &o, &added, &refused, &err), err);
        CHECK_EQ_INT(added, cases[i].added);
        CHECK_EQ_INT(refused, cases[i].refused);
        CHECK_EQ_INT(w.n, cases[i].refused);
        CHECK_CONTAINS(w.text, cases[i].note);
        char got[4096];
        entries(c, "p", got, sizeof got);
        CHECK_STR(got, cases[i].stored);
    }
    redisFree(c);
}

/* 150 lines: three pipelined rounds; then MAXLEN trims old entries (approximately, as
 * Redis's "~" does: never below the limit, never all 150 left). */
static void test_many_lines_and_maxlen(void)
{
    redisContext *c = rh_connect(&g_srv);
    CHECK(c != NULL);
    if (c == NULL)
        return;
    char *text = malloc(150 * 32);
    size_t len = 0;
    for (int i = 0; i < 150; i++)
        len += (size_t)snprintf(text + len, 32, "{\"T\": {\"v\": [%d]}}\n", i);
    for (int trim = 0; trim < 2; trim++) {
        TEST_CASE("maxlen %d", trim ? 10 : 0);
        freeReplyObject(redisCommand(c, "DEL p"));
        io_redis_produce_options o;
        memset(&o, 0, sizeof o);
        o.maxlen = trim ? 10 : 0;
        int64_t added = -1, refused = -1;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(produce_text(text, &o, &added, &refused, &err), err);
        CHECK_EQ_INT(added, 150);
        CHECK_EQ_INT(refused, 0);
        redisReply *r = redisCommand(c, "XLEN p");
        const long long n = r != NULL ? r->integer : -1;
        if (r != NULL)
            freeReplyObject(r);
        if (trim)
            CHECK_MSG(n >= 10 && n < 150, "%lld entries", n);
        else
            CHECK_EQ_INT(n, 150);
        r = redisCommand(c, "XREVRANGE p + - COUNT 1"); /* the newest is kept */
        CHECK(r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 1);
        if (r != NULL && r->elements == 1)
            CHECK_STR(r->element[0]->element[1]->element[1]->str, "{\"T\": {\"v\": [149]}}");
        if (r != NULL)
            freeReplyObject(r);
    }
    free(text);
    redisFree(c);
}

int main(void)
{
    rh_init();
    const char *dir = rh_tmpdir("redis_produce_srv");
    if (dir == NULL)
        return 1;
    (void)snprintf(g_srv.dir, sizeof g_srv.dir, "%s", dir);
    if (!rh_server_start(&g_srv)) {
        fprintf(stderr, "redis-server did not start\n");
        return 1;
    }
    RUN(test_file_edges);
    RUN(test_many_lines_and_maxlen);
    rh_server_stop(&g_srv, SIGTERM);
    return TEST_SUMMARY();
}
