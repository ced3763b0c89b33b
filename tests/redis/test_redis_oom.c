/*
 * test_redis_oom.c: allocation failure at every point of what a worker and the producer do
 * with a real redis-server (STYLE.md §10), in process: opening the consumer-group source
 * (group created), the exactly-once sink, reading two entries, computing them and writing
 * their results; and `mloda produce` of an NDJSON file with a refused line. Each injected
 * failure must come back as MLODA_ERR_NOMEM from the call that met it and leak nothing
 * (ASan); whatever reached the output stream is never more than one result per table of
 * an input entry (the commit script's guarantee), and a run without failures delivers all.
 * (hiredis's own allocations are not injected.)
 */
/* the harness serves the worker tests too; this one starts only the server */
#pragma GCC diagnostic ignored "-Wunused-function"
#include "redis_harness.h"

#include "io/io.h"
#include "support.h"
#include "util/alloc.h"

static rh_server g_srv;

static long long xlen(redisContext *c, const char *key)
{
    redisReply *r = redisCommand(c, "XLEN %s", key);
    const long long n = r != NULL && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    if (r != NULL)
        freeReplyObject(r);
    return n;
}

static void reset_streams(redisContext *c)
{
    freeReplyObject(redisCommand(c, "DEL in out in:dead produced"));
    for (int i = 0; i < 2; i++)
        freeReplyObject(redisCommand(c, "XADD in * batch %s", i == 0 ? "{\"T\": {\"v\": [1.5, 2]}}"
                                                                    : "{\"T\": {\"v\": [4]}}"));
}

/* One worker's life: open, two batches computed and committed, close. */
static mloda_status worker(const mloda_session *s, const io_schema *schema, int *committed,
                           mloda_error *err)
{
    char in[128], out[128];
    rh_url(in, sizeof in, &g_srv, "in");
    rh_url(out, sizeof out, &g_srv, "out");
    io_source_options opts;
    memset(&opts, 0, sizeof opts);
    io_redis_options ro;
    memset(&ro, 0, sizeof ro);
    ro.group = "g";
    ro.consumer = "c1";
    ro.from = "0";
    ro.max_in_flight = 4;
    ro.claim_after = 10;
    ro.claim_interval = 5;
    ro.max_deliveries = 5;
    io_source *src = NULL;
    io_sink *sink = NULL;
    *committed = 0;
    mloda_status st = mloda_io_redis_source_open(in, schema, &opts, &ro, &src, err);
    if (st == MLODA_OK)
        st = mloda_io_redis_sink_open(out, src, &sink, err);
    while (st == MLODA_OK && *committed < 2) {
        mloda_api_data *api = NULL;
        io_batch_info info;
        st = mloda_io_source_next(src, &api, &info, err);
        if (st != MLODA_OK || api == NULL)
            break;
        mloda_results *res = NULL;
        st = mloda_session_run(s, api, &res, err);
        if (st == MLODA_OK)
            st = mloda_io_sink_write(sink, &info, res, err);
        if (st == MLODA_OK)
            (*committed)++;
        mloda_results_free(res);
        mloda_api_data_free(api);
    }
    mloda_io_sink_free(sink);
    mloda_io_source_free(src);
    return st;
}

static void test_worker_walk(void)
{
    redisContext *c = rh_connect(&g_srv);
    CHECK(c != NULL);
    if (c == NULL)
        return;
    mloda_error err = MLODA_ERROR_INIT;
    io_schema *schema = mloda_io_schema_new();
    io_coltype f64;
    CHECK(mloda_io_coltype_parse("float64", &f64));
    CHECK_OK(mloda_io_schema_set(schema, "T", "v", &f64, &err), err);
    const double ex[] = {1, 2};
    mloda_api_data *example = api_one_f64("T", "v", ex, 2);
    const char *feats[] = {"v", "v__sum_aggr"};
    mloda_request *req = request_of(feats, 2);
    (void)mloda_request_set_threads(req, 1, NULL);
    mloda_registry *reg = mloda_registry_default();
    mloda_session *s = NULL;
    CHECK_OK(mloda_prepare(reg, req, example, &s, &err), err);
    reset_streams(c);
    int committed = 0;
    CHECK_OK(worker(s, schema, &committed, &err), err);
    CHECK_EQ_INT(committed, 2);
    const long long clean_out = xlen(c, "out");
    CHECK_EQ_INT(clean_out, 4); /* two tables per batch */
    long n = 0;
    for (bool injected = true; injected && n < 20000; n++) {
        reset_streams(c);
        mloda_error e = MLODA_ERROR_INIT;
        mloda_test_fail_alloc_at(n);
        const mloda_status st = worker(s, schema, &committed, &e);
        injected = mloda_test_alloc_failed();
        mloda_test_fail_alloc_at(-1);
        TEST_CASE("worker, allocation %ld: %.200s", n, e.message);
        if (st != MLODA_OK) {
            CHECK_EQ_INT(st, MLODA_ERR_NOMEM);
            CHECK_EQ_INT(e.code, MLODA_ERR_NOMEM);
        } else {
            CHECK_EQ_INT(committed, 2);
        }
        CHECK(xlen(c, "out") <= clean_out);
    }
    CHECK_MSG(n > 50, "only %ld allocations", n);
    mloda_session_free(s);
    mloda_registry_free(reg);
    mloda_request_free(req);
    mloda_api_data_free(example);
    mloda_io_schema_free(schema);
    redisFree(c);
}

static void test_produce_walk(void)
{
    redisContext *c = rh_connect(&g_srv);
    CHECK(c != NULL);
    if (c == NULL)
        return;
    const char *dir = rh_tmpdir("redis_oom");
    char path[PATH_MAX], url[160];
    rh_path(path, dir, "batches.ndjson");
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f == NULL)
        return;
    (void)fputs("{\"T\": {\"v\": [1]}}\n\nnot json\n{\"T\": {\"v\": [2, 3]}}\n", f);
    (void)fclose(f);
    rh_url(url, sizeof url, &g_srv, "produced");
    long n = 0;
    for (bool injected = true; injected && n < 20000; n++) {
        freeReplyObject(redisCommand(c, "DEL produced"));
        const int fd = open(path, O_RDONLY);
        int64_t added = 0, refused = 0;
        mloda_error e = MLODA_ERROR_INIT;
        io_redis_produce_options o;
        memset(&o, 0, sizeof o);
        mloda_test_fail_alloc_at(n);
        const mloda_status st = mloda_io_redis_produce(fd, "batches.ndjson", url, &o, &added,
                                                       &refused, &e);
        injected = mloda_test_alloc_failed();
        mloda_test_fail_alloc_at(-1);
        close(fd);
        TEST_CASE("produce, allocation %ld: %.200s", n, e.message);
        if (st != MLODA_OK) {
            CHECK_EQ_INT(st, MLODA_ERR_NOMEM);
        } else {
            CHECK_EQ_INT(added, 2);
            CHECK_EQ_INT(refused, 1);
        }
        CHECK(xlen(c, "produced") <= 2);
    }
    CHECK_MSG(n > 5, "only %ld allocations", n);
    redisFree(c);
}

int main(void)
{
    rh_init();
    const char *dir = rh_tmpdir("redis_oom_srv");
    if (dir == NULL) {
        fprintf(stderr, "no temporary directory\n");
        return 1;
    }
    (void)snprintf(g_srv.dir, sizeof g_srv.dir, "%s", dir);
    if (!rh_server_start(&g_srv)) {
        fprintf(stderr, "redis-server did not start\n");
        return 1;
    }
    RUN(test_worker_walk);
    RUN(test_produce_walk);
    rh_server_stop(&g_srv, SIGTERM);
    return TEST_SUMMARY();
}
