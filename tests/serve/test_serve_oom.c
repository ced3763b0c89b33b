/*
 * test_serve_oom.c: allocation failure at every point of what the server does (STYLE.md
 * §10), in process: setting up (new, add, start) and answering a round of requests over
 * real HTTP on a loopback port (every endpoint, every answer format, a feed publish, a
 * bad batch). The server runs one engine thread and the client sends one request at a
 * time, so the n-th allocation is nearly the same one on every round.
 *
 * Each injected failure must give one of: the same answer as without failures; a 503 (or,
 * for a batch's fault, 400) whose JSON error says MLODA_ERR_NOMEM; a streamed 200 whose
 * answer ends with a failed record saying so; or, when not even the error could be
 * written, a closed connection. Never a crash, a hang or a leak (ASan), and a round
 * without failures afterwards answers as before (the server stays usable).
 */
#include "serve/serve.h"
/* the harness serves the out-of-process tests too; this one uses its client part only */
#pragma GCC diagnostic ignored "-Wunused-function"
#include "serve_harness.h"
#include "util/alloc.h"

static const char REQUEST[] =
    "{\"features\": [\"v\", \"v__sum_aggr\", \"v__mean_aggr\", \"s__label_encoded\"],\n"
    " \"api_data\": {\"T\": {\"v\": [1.5, 2.25], \"s\": [\"a\", \"b\"]}}}\n";
static const char BATCH[] = "{\"T\": {\"v\": [1.5, null, 4], \"s\": [\"b\", \"a\", null]}}";
static const char BAD_BATCH[] = "{\"T\": {\"v\": [\"text\"], \"s\": [\"a\"]}}";

typedef struct exchange {
    const char *method, *path, *headers, *body;
    bool same_body; /* the clean answer is the same every round (metrics are not) */
} exchange;

static const exchange ROUND[] = {
    {"POST", "/v1/run/agg", NULL, BATCH, true},
    {"POST", "/v1/run/agg", "Accept: application/x-ndjson\r\n", BATCH, true},
    {"POST", "/v1/run/agg", "Accept: text/event-stream\r\n", BATCH, true},
    {"POST", "/v1/run/agg", NULL, BAD_BATCH, true},
    {"POST", "/v1/feed/agg", NULL, BATCH, false}, /* counts its batches */
    {"GET", "/v1/requests", NULL, NULL, true},
    {"GET", "/healthz", NULL, NULL, true},
    {"GET", "/metrics", NULL, NULL, false},
    {"GET", "/nowhere", NULL, NULL, true},
};
enum { N_ROUND = sizeof ROUND / sizeof ROUND[0] };

typedef struct answer {
    int status; /* 0: the connection closed without an answer */
    char *body;
} answer;

static int port_of(const mloda_server *srv)
{
    const char *url = mloda_server_url(srv);
    const char *colon = strrchr(url, ':');
    return colon != NULL ? atoi(colon + 1) : -1;
}

static void round_trip(int port, answer *out)
{
    for (int i = 0; i < N_ROUND; i++) {
        h_resp r;
        const exchange *x = &ROUND[i];
        h_conn c = {port, -1, NULL};
        const bool ok = h_conn_do(&c, x->method, x->path, x->headers, x->body,
                                  x->body != NULL ? strlen(x->body) : 0, &r, 30);
        h_conn_close(&c);
        out[i].status = ok ? r.status : 0;
        out[i].body = ok ? r.body : NULL;
        r.body = NULL;
        h_resp_free(&r);
    }
}

static void answers_free(answer *a)
{
    for (int i = 0; i < N_ROUND; i++)
        free(a[i].body);
}

/* an answer under an injected failure, against the clean one */
static void check_answer(const exchange *x, const answer *clean, const answer *got)
{
    if (got->status == 0)
        return; /* not even the error could be written: the connection was closed */
    if (got->status == clean->status && (!x->same_body || strcmp(got->body, clean->body) == 0))
        return;
    if (got->status == 200) { /* a streamed answer that failed on the way ends saying why */
        CHECK_CONTAINS(got->body, "MLODA_ERR_NOMEM");
        return;
    }
    CHECK_MSG(got->status == 503, "status %d (clean: %d)", got->status, clean->status);
    CHECK_CONTAINS(got->body, "MLODA_ERR_NOMEM");
}

static mloda_status open_server(const char *request_path, mloda_server **out, mloda_error *err)
{
    mloda_serve_options o = {0};
    o.listen = "127.0.0.1:0";
    o.threads = 1;
    o.quiet = true;
    o.log_fd = 2;
    mloda_status st = mloda_server_new(&o, out, err);
    if (st == MLODA_OK)
        st = mloda_server_add(*out, "agg", request_path, err);
    if (st == MLODA_OK)
        st = mloda_server_start(*out, err);
    return st;
}

/* new, add and start with the n-th allocation failing: NOMEM and nothing left behind */
static void test_setup_walk(void)
{
    const char *path = h_write_file("agg.json", REQUEST);
    long n = 0;
    for (;; n++) {
        mloda_server *srv = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        mloda_test_fail_alloc_at(n);
        const mloda_status st = open_server(path, &srv, &err);
        const bool injected = mloda_test_alloc_failed();
        mloda_test_fail_alloc_at(-1);
        TEST_CASE("setup, allocation %ld: %.200s", n, err.message);
        if (st != MLODA_OK)
            CHECK_EQ_INT(err.code, MLODA_ERR_NOMEM);
        mloda_server_stop(srv);
        mloda_server_free(srv);
        if (!injected)
            break;
    }
    CHECK_MSG(n > 20, "only %ld allocations", n);
}

/* a round of requests with the n-th allocation failing, for every n the round makes */
static void test_requests_walk(void)
{
    const char *path = h_write_file("agg.json", REQUEST);
    mloda_server *srv = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(open_server(path, &srv, &err), err);
    if (srv == NULL)
        return;
    const int port = port_of(srv);
    answer clean[N_ROUND];
    round_trip(port, clean);
    for (int i = 0; i < N_ROUND; i++) {
        TEST_CASE("clean %s %s", ROUND[i].method, ROUND[i].path);
        CHECK(clean[i].status != 0);
    }
    CHECK_EQ_INT(clean[0].status, 200);
    CHECK_CONTAINS(clean[0].body, "\"v__sum_aggr\": [5.5, 5.5, 5.5]");
    CHECK_EQ_INT(clean[3].status, 400);
    CHECK_EQ_INT(clean[8].status, 404);
    long n = 0;
    for (;; n++) {
        answer got[N_ROUND];
        mloda_test_fail_alloc_at(n);
        round_trip(port, got);
        const bool injected = mloda_test_alloc_failed();
        mloda_test_fail_alloc_at(-1);
        for (int i = 0; i < N_ROUND; i++) {
            TEST_CASE("allocation %ld, %s %s %s: %d %.200s", n, ROUND[i].method, ROUND[i].path,
                      ROUND[i].headers != NULL ? ROUND[i].headers : "", got[i].status,
                      got[i].body != NULL ? got[i].body : "");
            check_answer(&ROUND[i], &clean[i], &got[i]);
        }
        answers_free(got);
        if (!injected || n > 20000)
            break;
    }
    CHECK_MSG(n > 100, "only %ld allocations", n);
    answer after[N_ROUND]; /* still serving, and the same answers */
    round_trip(port, after);
    for (int i = 0; i < N_ROUND; i++) {
        TEST_CASE("after the walk: %s %s", ROUND[i].method, ROUND[i].path);
        CHECK_EQ_INT(after[i].status, clean[i].status);
        if (ROUND[i].same_body && after[i].body != NULL && clean[i].body != NULL)
            CHECK_STR(after[i].body, clean[i].body);
    }
    answers_free(after);
    answers_free(clean);
    mloda_server_stop(srv);
    mloda_server_free(srv);
}

int main(void)
{
    RUN(test_setup_walk);
    RUN(test_requests_walk);
    return TEST_SUMMARY();
}
