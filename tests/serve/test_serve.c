/*
 * test_serve.c: `mloda serve` over real HTTP. Each test starts the `mloda` executable of
 * this build on a free loopback port (serve_harness.h), talks to it with a raw-socket
 * HTTP/1.1 client and stops it with SIGTERM (also when a check failed: the harness kills
 * what is left at exit).
 *
 * Values are checked against sums, means, maxima and minima the test works out itself
 * from the batches it sends. Covered: every endpoint and status (200, 400 with line and
 * column, 401, 404, 405, 406, 408, 413, 415, 431, 503), JSON / NDJSON / server-sent-event
 * answers, 64 concurrent clients, a feed with two subscribers, slow clients (slowloris
 * headers, a stalled body), a full queue, metrics, logs and SIGTERM under load.
 */
#include "serve_harness.h"
#include "io/io.h"
#include "mloda/mloda.h"

static const char AGG_REQUEST[] =
    "{\"features\": [\"v\", \"v__sum_aggr\", \"v__mean_aggr\", \"v__max_aggr\", \"v__min_aggr\"],\n"
    " \"api_data\": {\"T\": {\"v\": [1.5, 2.25]}}}\n";
static const char ENC_REQUEST[] =
    "{\"features\": [\"s\", \"s__label_encoded\"], \"api_data\": {\"U\": {\"s\": [\"a\", \"b\"]}}}\n";

static const char *agg_path(void)
{
    static const char *p;
    if (p == NULL)
        p = h_write_file("agg.json", AGG_REQUEST);
    return p;
}

static const char *req_arg(const char *name, const char *path)
{
    static char bufs[8][PATH_MAX + 80];
    static int next;
    char *b = bufs[next++ % 8];
    (void)snprintf(b, PATH_MAX + 80, "%s=%s", name, path);
    return b;
}

/* "{"T": {"v": [x0, x1, ...]}}" with nulls where isnan(x). */
static char *batch_text(const double *v, int n)
{
    size_t cap = 64 + (size_t)n * 32;
    char *s = malloc(cap);
    size_t len = (size_t)snprintf(s, cap, "{\"T\": {\"v\": [");
    for (int i = 0; i < n; i++)
        len += isnan(v[i]) ? (size_t)snprintf(s + len, cap - len, "%snull", i ? ", " : "")
                           : (size_t)snprintf(s + len, cap - len, "%s%.17g", i ? ", " : "", v[i]);
    (void)snprintf(s + len, cap - len, "]}}");
    return s;
}

typedef struct agg_want {
    double sum, mean, max, min;
    int n_valid;
} agg_want;

static agg_want agg_of(const double *v, int n)
{
    agg_want w = {0, NAN, -INFINITY, INFINITY, 0};
    for (int i = 0; i < n; i++) {
        if (isnan(v[i]))
            continue;
        w.sum += v[i];
        w.max = v[i] > w.max ? v[i] : w.max;
        w.min = v[i] < w.min ? v[i] : w.min;
        w.n_valid++;
    }
    if (w.n_valid > 0)
        w.mean = w.sum / w.n_valid;
    return w;
}

/* Checks one result table object against the batch v[0..n). Returns 1 for a checked table. */
static int check_table(const io_jt *t, const double *v, int n)
{
    const char *group = h_str(h_get(t, "group", NULL));
    const io_jt *cols = h_get(t, "columns", NULL);
    if (strcmp(group, "ApiInputDataFeature") == 0) {
        const io_jt *col = h_get(cols, "v", NULL);
        CHECK(col != NULL && col->kind == IO_JT_ARRAY && col->n == n);
        for (int i = 0; col != NULL && i < n && i < col->n; i++) {
            if (isnan(v[i]))
                CHECK(col->items[i]->kind == IO_JT_NULL);
            else
                CHECK_CLOSE(h_num(col->items[i]), v[i]);
        }
        return 1;
    }
    if (strcmp(group, "AggregatedFeatureGroup") == 0) {
        const agg_want w = agg_of(v, n);
        const struct { const char *name; double want; } want[] = {
            {"v__sum_aggr", w.sum}, {"v__mean_aggr", w.mean},
            {"v__max_aggr", w.n_valid ? w.max : NAN}, {"v__min_aggr", w.n_valid ? w.min : NAN}};
        for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
            const io_jt *col = h_get(cols, want[k].name, NULL);
            CHECK_MSG(col != NULL && col->kind == IO_JT_ARRAY && col->n == n, "column %s",
                      want[k].name);
            for (int i = 0; col != NULL && i < col->n; i++) { /* broadcast to every row */
                if (isnan(want[k].want))
                    CHECK(col->items[i]->kind == IO_JT_NULL);
                else
                    CHECK_CLOSE(h_num(col->items[i]), want[k].want);
            }
        }
        return 1;
    }
    CHECK_MSG(false, "unexpected group %s", group);
    return 0;
}

/* A {"tables": [...]} answer: both tables, in plan order. */
static void check_tables_answer(const h_resp *r, const double *v, int n)
{
    CHECK_EQ_INT(r->status, 200);
    io_jt *j = h_json(r->body, r->body_len);
    const io_jt *tables = h_get(j, "tables", NULL);
    CHECK(tables != NULL && tables->kind == IO_JT_ARRAY && tables->n == 2);
    int checked = 0;
    for (int64_t i = 0; tables != NULL && i < tables->n; i++)
        checked += check_table(tables->items[i], v, n);
    CHECK_EQ_INT(checked, 2);
    if (tables != NULL && tables->n == 2) /* run answers in plan order */
        CHECK_STR(h_str(h_get(tables->items[0], "group", NULL)), "ApiInputDataFeature");
    mloda_io_jt_free(j);
}

static const char *AUTH = "Authorization: Bearer s3cret-Token_42\r\n";
static pthread_mutex_t check_mu = PTHREAD_MUTEX_INITIALIZER; /* CHECK from client threads */

/* The main server of most tests: two requests, a token, a 1 s timeout, a 64 KiB body. */
static h_server main_srv;
static bool main_up;

static void start_main(void)
{
    const char *tok = h_write_file("token", "  s3cret-Token_42 \n");
    const char *enc = h_write_file("enc.json", ENC_REQUEST);
    const char *args[] = {"--request", req_arg("agg", agg_path()), "--request",
                          req_arg("enc", enc), "--token-file", tok, "--threads", "2",
                          "--timeout", "1", "--max-body", "65536", NULL};
    main_up = h_start(&main_srv, args);
}

/* ---------------------------------------------------------------- endpoints */

static void test_health_and_auth(void)
{
    CHECK(main_up);
    h_resp r;
    CHECK(h_do(main_srv.port, "GET", "/healthz", NULL, NULL, &r)); /* no token needed */
    CHECK_EQ_INT(r.status, 200);
    CHECK_CONTAINS(r.body, "\"status\": \"ok\"");
    CHECK_CONTAINS(r.body, "\"requests\": 2");
    h_resp_free(&r);

    static const struct { const char *headers, *path; int status; } cases[] = {
        {NULL, "/v1/requests", 401},
        {"Authorization: Bearer wrong\r\n", "/v1/requests", 401},
        {"Authorization: Bearer s3cret-Token_4\r\n", "/v1/requests", 401},  /* a prefix */
        {"Authorization: Bearer s3cret-Token_421\r\n", "/v1/requests", 401}, /* longer */
        {"Authorization: Basic czNjcmV0\r\n", "/v1/requests", 401},
        {NULL, "/metrics", 401},
        {NULL, "/v1/requests?access_token=s3cret-Token_42", 200},
        {"Authorization: Bearer s3cret-Token_42\r\n", "/v1/requests", 200},
        {"authorization: bearer s3cret-Token_42\r\n", "/metrics", 200},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("auth case %zu", i);
        CHECK(h_do(main_srv.port, "GET", cases[i].path, cases[i].headers, NULL, &r));
        CHECK_EQ_INT(r.status, cases[i].status);
        if (cases[i].status == 401) {
            CHECK(h_header(&r, "WWW-Authenticate") != NULL);
            CHECK_CONTAINS(r.body, "bearer token");
        }
        h_resp_free(&r);
    }
    TEST_CASE("%s", "");
    CHECK(h_do(main_srv.port, "POST", "/v1/run/agg", NULL, "{\"T\": {\"v\": [1]}}", &r));
    CHECK_EQ_INT(r.status, 401);
    h_resp_free(&r);
}

static void test_requests_list(void)
{
    h_resp r;
    CHECK(h_do(main_srv.port, "GET", "/v1/requests", AUTH, NULL, &r));
    CHECK_EQ_INT(r.status, 200);
    io_jt *j = h_json(r.body, r.body_len);
    const io_jt *list = h_get(j, "requests", NULL);
    CHECK(list != NULL && list->kind == IO_JT_ARRAY && list->n == 2);
    if (list != NULL && list->n == 2) {
        const io_jt *agg = list->items[0];
        CHECK_STR(h_str(h_get(agg, "name", NULL)), "agg");
        const io_jt *f = h_get(agg, "features", NULL);
        static const char *const want[] = {"v", "v__sum_aggr", "v__mean_aggr", "v__max_aggr",
                                           "v__min_aggr"};
        CHECK(f != NULL && f->n == 5);
        for (int64_t i = 0; f != NULL && i < f->n && i < 5; i++)
            CHECK_STR(h_str(f->items[i]), want[i]);
        CHECK_STR(h_str(h_get(agg, "inputs", "T", "v", NULL)), "float64");
        CHECK_EQ_INT((long long)h_num(h_get(agg, "results", NULL)), 2);
        const io_jt *steps = h_get(agg, "plan", "steps", NULL);
        CHECK(steps != NULL && steps->kind == IO_JT_ARRAY && steps->n == 2);
        CHECK_STR(h_str(h_get(list->items[1], "name", NULL)), "enc");
        CHECK_STR(h_str(h_get(list->items[1], "inputs", "U", "s", NULL)), "utf8");
    }
    mloda_io_jt_free(j);
    h_resp_free(&r);
}

static void test_dashboard_page(void)
{
    h_resp r;
    CHECK(h_do(main_srv.port, "GET", "/", NULL, NULL, &r)); /* the page needs no token */
    CHECK_EQ_INT(r.status, 200);
    CHECK_CONTAINS(h_header(&r, "Content-Type") ? h_header(&r, "Content-Type") : "", "text/html");
    const char *csp = h_header(&r, "Content-Security-Policy");
    CHECK(csp != NULL && strstr(csp, "default-src 'none'") != NULL);
    CHECK_CONTAINS(r.body, "<title>mloda serve</title>");
    CHECK_CONTAINS(r.body, "new EventSource(");
    /* offline: nothing loaded from elsewhere (the SVG namespace string is no fetch) */
    static const char *const external[] = {"src=\"http", "href=\"http", "@import", "url(",
                                           "//fonts.", "cdn"};
    for (size_t i = 0; i < sizeof external / sizeof external[0]; i++)
        CHECK_MSG(strstr(r.body, external[i]) == NULL, "the page has %s", external[i]);
    h_resp_free(&r);
    CHECK(h_do(main_srv.port, "HEAD", "/", NULL, NULL, &r));
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_INT(r.body_len, 0);
    h_resp_free(&r);
}

static const struct {
    double v[6];
    int n;
} run_cases[] = {
    {{1, 2, 3.5}, 3},
    {{-1.25, 1e6, 0.5, 7, -3e-3, 2}, 6},
    {{42}, 1},
    {{1, NAN, 3}, 3}, /* null skipped: sum 4, mean 2 */
    {{NAN, NAN}, 2},  /* all null: sum 0, the rest null (SPEC, aggregation) */
    {{0}, 0},         /* no rows */
};

static void test_run_json(void)
{
    for (size_t k = 0; k < sizeof run_cases / sizeof run_cases[0]; k++) {
        TEST_CASE("run case %zu", k);
        char *body = batch_text(run_cases[k].v, run_cases[k].n);
        h_resp r;
        CHECK(h_do(main_srv.port, "POST", "/v1/run/agg", AUTH, body, &r));
        CHECK_CONTAINS(h_header(&r, "Content-Type") ? h_header(&r, "Content-Type") : "",
                       "application/json");
        check_tables_answer(&r, run_cases[k].v, run_cases[k].n);
        h_resp_free(&r);
        free(body);
    }
    /* integers widen to the prepared float64 */
    const double v[] = {1, 2, 4};
    h_resp r;
    CHECK(h_do(main_srv.port, "POST", "/v1/run/agg", AUTH, "{\"T\": {\"v\": [1, 2, 4]}}", &r));
    check_tables_answer(&r, v, 3);
    h_resp_free(&r);
}

static void test_run_streamed(void)
{
    const double v[] = {3, 1, 4, 1, 5, 9, 2, 6};
    char *body = batch_text(v, 8);
    char headers[256];
    /* NDJSON: one line per table, chunked */
    (void)snprintf(headers, sizeof headers, "%sAccept: application/x-ndjson\r\n", AUTH);
    h_resp r;
    CHECK(h_do(main_srv.port, "POST", "/v1/run/agg", headers, body, &r));
    CHECK_EQ_INT(r.status, 200);
    CHECK(r.chunked);
    CHECK_CONTAINS(h_header(&r, "Content-Type") ? h_header(&r, "Content-Type") : "",
                   "application/x-ndjson");
    int lines = 0, checked = 0;
    for (char *line = strtok(r.body, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        io_jt *t = h_json(line, strlen(line));
        checked += check_table(t, v, 8);
        mloda_io_jt_free(t);
        lines++;
    }
    CHECK_EQ_INT(lines, 2);
    CHECK_EQ_INT(checked, 2);
    h_resp_free(&r);
    /* server-sent events: "table" per table, then "end" */
    (void)snprintf(headers, sizeof headers, "%sAccept: text/event-stream\r\n", AUTH);
    CHECK(h_do(main_srv.port, "POST", "/v1/run/agg", headers, body, &r));
    CHECK_EQ_INT(r.status, 200);
    CHECK_CONTAINS(h_header(&r, "Content-Type") ? h_header(&r, "Content-Type") : "",
                   "text/event-stream");
    int tables = 0, ends = 0;
    char *save = NULL;
    for (char *ev = strtok_r(r.body, "\n", &save); ev != NULL; ev = strtok_r(NULL, "\n", &save)) {
        if (strcmp(ev, "event: table") == 0)
            tables++;
        else if (strcmp(ev, "event: end") == 0)
            ends++;
        else if (strncmp(ev, "data: {\"group\"", 14) == 0) {
            io_jt *t = h_json(ev + 6, strlen(ev + 6));
            check_table(t, v, 8);
            mloda_io_jt_free(t);
        } else if (strncmp(ev, "data: {\"tables\"", 15) == 0)
            CHECK_STR(ev, "data: {\"tables\": 2}");
    }
    CHECK_EQ_INT(tables, 2);
    CHECK_EQ_INT(ends, 1);
    h_resp_free(&r);
    free(body);
}

/* ---------------------------------------------------------------- bad input */

/* An Arrow IPC stream of the batch (our writer; tests/arrow checks it against apache-arrow). */
static void arrow_batch(const double *v, int n, const char *column, mloda_buf *out)
{
    mloda_error err = MLODA_ERROR_INIT;
    uint8_t valid[16];
    for (int i = 0; i < n; i++)
        valid[i] = (uint8_t)(isnan(v[i]) ? 0 : 1);
    mloda_column *col = NULL;
    CHECK_OK(mloda_column_from_float64(n, v, valid, &col, &err), err);
    mloda_table *t = NULL;
    CHECK_OK(mloda_table_new(n, 1, &column, (const mloda_column *const *)&col, &t, &err), err);
    mloda_column_release(col);
    CHECK_OK(mloda_io_write_arrow_table(out, t, -1, &err), err);
    mloda_table_release(t);
}

typedef struct mem_in {
    const char *p;
    size_t n, at;
} mem_in;

static mloda_status mem_read(void *ctx, void *buf, size_t want, size_t *got, mloda_error *err)
{
    (void)err;
    mem_in *m = ctx;
    const size_t k = want < m->n - m->at ? want : m->n - m->at;
    memcpy(buf, m->p + m->at, k);
    m->at += k;
    *got = k;
    return MLODA_OK;
}

/* Arrow IPC bodies in, Arrow IPC answers out (one stream per result table), and an Arrow
 * body with a JSON answer; a table named by ?table= that the request lacks. */
static void test_run_arrow(void)
{
    const double v[] = {1.5, NAN, 2.25, 4};
    const agg_want w = agg_of(v, 4);
    mloda_buf body = {0};
    arrow_batch(v, 4, "v", &body);
    char headers[300];
    (void)snprintf(headers, sizeof headers,
                   "%sContent-Type: application/vnd.apache.arrow.stream\r\n"
                   "Accept: application/vnd.apache.arrow.stream\r\n",
                   AUTH);
    h_conn c = {main_srv.port, -1, NULL};
    h_resp r;
    CHECK(h_conn_do(&c, "POST", "/v1/run/agg", headers, body.data, body.len, &r, 30));
    CHECK_EQ_INT(r.status, 200);
    CHECK_CONTAINS(h_header(&r, "Content-Type") ? h_header(&r, "Content-Type") : "",
                   "application/vnd.apache.arrow.stream");
    mem_in m = {r.body, r.body_len, 0};
    io_arrow_reader *rd = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_io_arrow_reader_new(mem_read, &m, "answer", 0, &rd, &err), err);
    int tables = 0, aggregates = 0;
    for (mloda_table *t = NULL; rd != NULL && mloda_io_arrow_reader_next(rd, &t, &err) == MLODA_OK &&
                                t != NULL;
         t = NULL) {
        tables++;
        CHECK_EQ_INT(mloda_table_n_rows(t), 4);
        const struct { const char *name; double want; } want[] = {
            {"v__sum_aggr", w.sum}, {"v__mean_aggr", w.mean}, {"v__max_aggr", w.max},
            {"v__min_aggr", w.min}};
        for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
            const int64_t at = mloda_table_column_index(t, want[k].name);
            if (at < 0)
                continue;
            aggregates++;
            const double *got = mloda_column_float64(mloda_table_column(t, at));
            for (int i = 0; i < 4; i++)
                CHECK_CLOSE(got[i], want[k].want);
        }
        const int64_t vi = mloda_table_column_index(t, "v");
        if (vi >= 0) {
            const mloda_column *col = mloda_table_column(t, vi);
            CHECK(!mloda_column_is_valid(col, 1));
            CHECK_CLOSE(mloda_column_float64(col)[3], 4.0);
        }
        mloda_table_release(t);
    }
    CHECK_EQ_INT(tables, 2);
    CHECK_EQ_INT(aggregates, 4);
    mloda_io_arrow_reader_free(rd);
    h_resp_free(&r);
    /* the same body answered as JSON */
    (void)snprintf(headers, sizeof headers,
                   "%sContent-Type: application/vnd.apache.arrow.stream\r\n", AUTH);
    CHECK(h_conn_do(&c, "POST", "/v1/run/agg", headers, body.data, body.len, &r, 30));
    check_tables_answer(&r, v, 4);
    h_resp_free(&r);
    /* a table the request does not have */
    CHECK(h_conn_do(&c, "POST", "/v1/run/agg?table=Nope", headers, body.data, body.len, &r, 30));
    CHECK_EQ_INT(r.status, 400);
    CHECK_CONTAINS(r.body != NULL ? r.body : "", "table 'Nope' is not in the request's api_data");
    h_resp_free(&r);
    /* a column of another type than the request's: an error naming it, the session serves on */
    {
        mloda_buf text_body = {0};
        mloda_error e = MLODA_ERROR_INIT;
        const char *strs[] = {"a", "b"};
        mloda_column *col = NULL;
        CHECK_OK(mloda_column_from_utf8(2, strs, &col, &e), e);
        const char *vname = "v";
        mloda_table *t = NULL;
        CHECK_OK(mloda_table_new(2, 1, &vname, (const mloda_column *const *)&col, &t, &e), e);
        mloda_column_release(col);
        CHECK_OK(mloda_io_write_arrow_table(&text_body, t, -1, &e), e);
        mloda_table_release(t);
        CHECK(h_conn_do(&c, "POST", "/v1/run/agg", headers, text_body.data, text_body.len, &r, 30));
        CHECK_EQ_INT(r.status, 400);
        CHECK_CONTAINS(r.body != NULL ? r.body : "", "'v'");
        h_resp_free(&r);
        mloda_buf_reset(&text_body);
        CHECK(h_conn_do(&c, "POST", "/v1/run/agg", headers, body.data, body.len, &r, 30));
        check_tables_answer(&r, v, 4);
        h_resp_free(&r);
    }
    /* two record batches: one micro-batch per request */
    arrow_batch(v, 4, "v", &body);
    CHECK(h_conn_do(&c, "POST", "/v1/run/agg", headers, body.data, body.len, &r, 30));
    CHECK_EQ_INT(r.status, 400);
    h_resp_free(&r);
    h_conn_close(&c);
    mloda_buf_reset(&body);
}

static void test_bad_batches(void)
{
    static const struct {
        const char *body;
        int status;
        const char *code, *message, *feature;
    } cases[] = {
        {"{\"T\": {\"v\": [1, 2", 400, "MLODA_ERR_PARSE", "body: line 1, column 18 (byte 17)", NULL},
        {"{\"T\":\n {\"v\": [1,\n", 400, "MLODA_ERR_PARSE", "line 3, column 1", NULL},
        {"{\"T\": {\"v\": [\"x\"]}}", 400, "MLODA_ERR_TYPE", "expected float64", "v"},
        {"{\"T\": {\"v\": [true]}}", 400, "MLODA_ERR_TYPE", "column 'v'", "v"},
        {"{\"T\": {\"w\": [1]}}", 400, "MLODA_ERR_SCHEMA", "has no column 'v'", "v"},
        {"{\"X\": {\"v\": [1]}}", 400, "MLODA_ERR_SCHEMA", "'T'", NULL},
        {"[1, 2]", 400, "MLODA_ERR_PARSE", "must be a JSON object", NULL},
        {"", 400, "MLODA_ERR_PARSE", "the body is empty", NULL},
        {"{\"T\": {\"v\": [NaN]}}", 400, "MLODA_ERR_PARSE", "NaN and Infinity are not JSON", NULL},
        {"{\"T\": {\"v\": [1e999]}}", 400, "MLODA_ERR_RANGE", "out of range", "v"},
        {"{\"T\": {\"v\": [1]}} x", 400, "MLODA_ERR_PARSE", "after the end", NULL},
        {"{\"T\": {\"v\": 5}}", 400, "MLODA_ERR_PARSE", "line 1", NULL},
        {"\xff\xfe{}", 400, "MLODA_ERR_PARSE", "line 1", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("bad batch %zu: %s", i, cases[i].body);
        h_resp r;
        CHECK(h_do(main_srv.port, "POST", "/v1/run/agg", AUTH, cases[i].body, &r));
        CHECK_EQ_INT(r.status, cases[i].status);
        io_jt *j = h_json(r.body, r.body_len);
        CHECK_STR(h_str(h_get(j, "error", "code", NULL)), cases[i].code);
        CHECK_CONTAINS(h_str(h_get(j, "error", "message", NULL)), cases[i].message);
        const io_jt *feature = h_get(j, "error", "feature", NULL);
        CHECK(feature != NULL);
        if (cases[i].feature != NULL)
            CHECK_STR(h_str(feature), cases[i].feature);
        mloda_io_jt_free(j);
        h_resp_free(&r);
        /* the session keeps serving */
        const double v[] = {2, 8};
        CHECK(h_do(main_srv.port, "POST", "/v1/run/agg", AUTH, "{\"T\": {\"v\": [2, 8]}}", &r));
        check_tables_answer(&r, v, 2);
        h_resp_free(&r);
    }
}

static void test_http_errors(void)
{
    char big[70000];
    memset(big, ' ', sizeof big - 1);
    big[0] = '{';
    big[sizeof big - 2] = '}';
    big[sizeof big - 1] = '\0';
    static char huge_header[40100];
    memcpy(huge_header, "X-Big: ", 7);
    memset(huge_header + 7, 'a', 40000);
    memcpy(huge_header + 40007, "\r\n", 3);
    const struct {
        const char *method, *path, *headers, *body;
        int status;
        const char *in_body, *header, *header_value;
    } cases[] = {
        {"POST", "/v1/run/nope", AUTH, "{}", 404, "no served request is named 'nope' (served: agg, enc)",
         NULL, NULL},
        {"GET", "/v2/other", AUTH, NULL, 404, "no such path", NULL, NULL},
        {"GET", "/v1/run/agg", AUTH, NULL, 405, "GET is not allowed", "Allow", "POST"},
        {"DELETE", "/healthz", AUTH, NULL, 405, "not allowed", "Allow", "GET, HEAD"},
        {"PUT", "/v1/feed/agg", AUTH, "{}", 405, "not allowed", "Allow", "GET, HEAD, POST"},
        {"POST", "/v1/run/agg", AUTH, big, 413, "at most 65536", NULL, NULL},
        {"POST", "/v1/run/agg",
         "Authorization: Bearer s3cret-Token_42\r\nContent-Type: application/vnd.apache.arrow.stream\r\n",
         "x", 400, "body: Arrow IPC message 1 (byte 0)", NULL, NULL},
        {"POST", "/v1/feed/agg",
         "Authorization: Bearer s3cret-Token_42\r\nAccept: application/vnd.apache.arrow.stream\r\n",
         "{}", 406, "Arrow IPC answers are given by /v1/run/NAME", NULL, NULL},
        {"GET", "/healthz", huge_header, NULL, 431, NULL, NULL, NULL},
        {"POST", "/v1/noop",
         "Authorization: Bearer s3cret-Token_42\r\nAccept: application/vnd.apache.arrow.stream\r\n",
         "{}", 406, "Arrow IPC answers are given by /v1/run/NAME", NULL, NULL},
        {"POST", "/v1/run/agg?table=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
         AUTH, "{}", 400, "the table name of ?table= is longer than 127 bytes", NULL, NULL},
        {"OPTIONS", "/v1/run/agg", AUTH, NULL, 405, "not allowed", "Allow", "POST"},
        {"GET", "/index.html", NULL, NULL, 200, NULL, "Content-Type", "text/html"},
        {"POST", "/v1/run/agg",
         "Authorization: Bearer s3cret-Token_42\r\nAccept: application/jsonl\r\n",
         "{\"T\": {\"v\": [1]}}", 200, "\"v__sum_aggr\": [1.0]", "Content-Type",
         "application/x-ndjson"},
        {"POST", "/v1/run/agg",
         "Authorization: Bearer s3cret-Token_42\r\nAccept: application/vnd.apache.arrow.stream, application/json\r\n",
         "{\"T\": {\"v\": [1]}}", 200, "{\"tables\": [", "Content-Type", "application/json"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("http case %zu: %s %s", i, cases[i].method, cases[i].path);
        h_resp r;
        CHECK(h_do(main_srv.port, cases[i].method, cases[i].path, cases[i].headers,
                   cases[i].body, &r));
        CHECK_EQ_INT(r.status, cases[i].status);
        if (cases[i].in_body != NULL) {
            CHECK_CONTAINS(r.body != NULL ? r.body : "", cases[i].in_body);
            if (cases[i].status >= 400)
                CHECK_CONTAINS(r.body != NULL ? r.body : "", "\"error\": {\"code\": \"MLODA_ERR_");
        }
        if (cases[i].header != NULL) { /* the value, or its start ("text/html; ...") */
            const char *v = h_header(&r, cases[i].header);
            CHECK_MSG(v != NULL && strncmp(v, cases[i].header_value, strlen(cases[i].header_value)) == 0,
                      "%s: %s, want %s", cases[i].header, v != NULL ? v : "(none)",
                      cases[i].header_value);
        }
        h_resp_free(&r);
    }
    TEST_CASE("%s", "chunked body over the limit");
    /* a chunked body has no Content-Length: counted as it arrives */
    const int fd = h_connect(main_srv.port);
    CHECK(fd >= 0);
    if (fd >= 0) {
        char head[256];
        const int n = snprintf(head, sizeof head,
                               "POST /v1/run/agg HTTP/1.1\r\nHost: x\r\n%sTransfer-Encoding: "
                               "chunked\r\n\r\n",
                               AUTH);
        CHECK(h_send_all(fd, head, (size_t)n));
        char chunk[40000 + 16];
        const int hn = snprintf(chunk, sizeof chunk, "%x\r\n", 40000);
        memset(chunk + hn, ' ', 40000);
        memcpy(chunk + hn + 40000, "\r\n", 2);
        for (int k = 0; k < 3; k++)
            CHECK(h_send_all(fd, chunk, (size_t)hn + 40002));
        CHECK(h_send_all(fd, "0\r\n\r\n", 5));
        h_reader *rd = calloc(1, sizeof *rd);
        rd->fd = fd;
        rd->deadline = h_now() + 30;
        h_resp r;
        memset(&r, 0, sizeof r);
        CHECK(h_read_response(rd, &r, false));
        CHECK_EQ_INT(r.status, 413);
        h_resp_free(&r);
        free(rd);
        close(fd);
    }
    TEST_CASE("%s", "");
    h_resp r; /* still serving */
    const double v[] = {5};
    CHECK(h_do(main_srv.port, "POST", "/v1/run/agg", AUTH, "{\"T\": {\"v\": [5]}}", &r));
    check_tables_answer(&r, v, 1);
    h_resp_free(&r);
}

/* ---------------------------------------------------------------- slow clients */

typedef struct slow_client {
    int port;
    bool body_stall; /* headers whole, body stalls; else headers trickle (slowloris) */
    int status;
    double seconds;
    bool closed;
} slow_client;

static void *slow_main(void *arg)
{
    slow_client *s = arg;
    const int fd = h_connect(s->port);
    if (fd < 0)
        return NULL;
    const double t0 = h_now();
    if (s->body_stall) {
        char head[256];
        const int n = snprintf(head, sizeof head,
                               "POST /v1/run/agg HTTP/1.1\r\nHost: x\r\n%sContent-Length: "
                               "100\r\n\r\n{\"T\": ",
                               AUTH);
        (void)h_send_all(fd, head, (size_t)n);
    } else {
        (void)h_send_all(fd, "POST /v1/run/agg HTTP/1.1\r\nHost: x\r\n", 37);
    }
    char buf[4096];
    size_t got = 0;
    while (h_now() - t0 < 8) {
        if (!s->body_stall) /* one more header byte every 100 ms: never a whole request */
            (void)send(fd, "X", 1, MSG_NOSIGNAL);
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 100) > 0) {
            const ssize_t n = recv(fd, buf + got, sizeof buf - 1 - got, 0);
            if (n <= 0) {
                s->closed = true;
                break;
            }
            got += (size_t)n;
        }
    }
    buf[got] = '\0';
    s->seconds = h_now() - t0;
    if (strncmp(buf, "HTTP/1.1 ", 9) == 0)
        s->status = atoi(buf + 9);
    close(fd);
    return NULL;
}

static void test_slow_clients(void)
{
    slow_client s[2] = {{main_srv.port, false, 0, 0, false}, {main_srv.port, true, 0, 0, false}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, slow_main, &s[i]);
    /* meanwhile the server answers everyone else */
    int ok = 0;
    for (int i = 0; i < 20; i++) {
        h_resp r;
        const double v[] = {i, 1};
        char *body = batch_text(v, 2);
        if (h_do(main_srv.port, "POST", "/v1/run/agg", AUTH, body, &r) && r.status == 200) {
            check_tables_answer(&r, v, 2);
            ok++;
        }
        h_resp_free(&r);
        free(body);
        h_sleep_ms(20);
    }
    CHECK_EQ_INT(ok, 20);
    for (int i = 0; i < 2; i++) {
        pthread_join(t[i], NULL);
        TEST_CASE("slow client %d", i);
        CHECK_EQ_INT(s[i].status, 408); /* --timeout 1: answered after 1.5 s */
        CHECK(s[i].closed);
        CHECK_MSG(s[i].seconds >= 1.0 && s[i].seconds < 6.0, "after %.2f s", s[i].seconds);
    }
}

/* ---------------------------------------------------------------- 64 clients */

enum { N_CLIENTS = 64, PER_CLIENT = 12 };

typedef struct client_job {
    int port;
    int id;
    int ok;
    int bad;
} client_job;

static void *client_main(void *arg)
{
    client_job *j = arg;
    h_conn c = {j->port, -1, NULL};
    unsigned seed = 1234u + (unsigned)j->id;
    for (int k = 0; k < PER_CLIENT; k++) {
        const int n = 1 + (int)(rand_r(&seed) % 40);
        double v[40];
        for (int i = 0; i < n; i++)
            v[i] = (double)((int)(rand_r(&seed) % 20001) - 10000) / 64.0; /* exact in binary */
        char *body = batch_text(v, n);
        char headers[200];
        const bool ndjson = (j->id + k) % 4 == 0;
        (void)snprintf(headers, sizeof headers, "%s%s", AUTH,
                       ndjson ? "Accept: application/x-ndjson\r\n" : "");
        h_resp r;
        if (h_conn_do(&c, "POST", "/v1/run/agg", headers, body, strlen(body), &r, 120) &&
            r.status == 200) {
            pthread_mutex_lock(&check_mu); /* the checks' counters are the test's, unshared */
            const int failed_before = test_cur_failed_;
            if (ndjson) {
                int checked = 0;
                for (char *save = NULL, *line = strtok_r(r.body, "\n", &save); line != NULL;
                     line = strtok_r(NULL, "\n", &save)) {
                    io_jt *t = h_json(line, strlen(line));
                    checked += check_table(t, v, n);
                    mloda_io_jt_free(t);
                }
                CHECK_EQ_INT(checked, 2);
            } else {
                check_tables_answer(&r, v, n);
            }
            if (test_cur_failed_ == failed_before)
                j->ok++;
            else
                j->bad++;
            pthread_mutex_unlock(&check_mu);
        } else {
            fprintf(stderr, "  client %d request %d: status %d error %d\n", j->id, k, r.status,
                    r.error);
            j->bad++;
        }
        h_resp_free(&r);
        free(body);
    }
    h_conn_close(&c);
    return NULL;
}

static void test_concurrent_clients(void)
{
    client_job jobs[N_CLIENTS];
    pthread_t t[N_CLIENTS];
    for (int i = 0; i < N_CLIENTS; i++) {
        jobs[i] = (client_job){main_srv.port, i, 0, 0};
        pthread_create(&t[i], NULL, client_main, &jobs[i]);
    }
    int ok = 0, bad = 0;
    for (int i = 0; i < N_CLIENTS; i++) {
        pthread_join(t[i], NULL);
        ok += jobs[i].ok;
        bad += jobs[i].bad;
    }
    CHECK_EQ_INT(ok, N_CLIENTS * PER_CLIENT);
    CHECK_EQ_INT(bad, 0);
}

/* ---------------------------------------------------------------- the live feed */

enum { MAX_EVENTS = 64 };

typedef struct subscriber {
    int port;
    int want_batches;        /* stop after this many "batch" events */
    char *events[MAX_EVENTS]; /* "name\ndata" */
    int n_events;
    bool opened;
} subscriber;

static void *subscriber_main(void *arg)
{
    subscriber *s = arg;
    const int fd = h_connect(s->port);
    if (fd < 0)
        return NULL;
    char req[256];
    const int n = snprintf(req, sizeof req,
                           "GET /v1/feed/agg HTTP/1.1\r\nHost: x\r\n%sAccept: text/event-stream\r\n\r\n",
                           AUTH);
    (void)h_send_all(fd, req, (size_t)n);
    h_reader *rd = calloc(1, sizeof *rd);
    rd->fd = fd;
    rd->deadline = h_now() + 60;
    char line[65536];
    /* status line and headers */
    while (h_line(rd, line, sizeof line) && line[0] != '\0')
        if (strncmp(line, "HTTP/1.1 200", 12) == 0)
            s->opened = true;
    /* the body is chunked: a chunk-size line, then data; events end with a blank line */
    char name[64] = "", data[65536] = "";
    int batches = 0;
    size_t chunk_left = 0;
    char ev_line[65536];
    size_t ev_len = 0;
    while (batches < s->want_batches && s->n_events < MAX_EVENTS) {
        if (chunk_left == 0) {
            if (!h_line(rd, line, sizeof line))
                break;
            if (line[0] == '\0')
                continue;
            chunk_left = (size_t)strtoul(line, NULL, 16);
            if (chunk_left == 0)
                break;
            continue;
        }
        char ch;
        if (!h_read_n(rd, &ch, 1))
            break;
        if (--chunk_left == 0) { /* the chunk's CRLF follows */
            char crlf[2];
            (void)h_read_n(rd, crlf, 2);
        }
        if (ch != '\n') {
            if (ev_len + 1 < sizeof ev_line)
                ev_line[ev_len++] = ch;
            continue;
        }
        ev_line[ev_len] = '\0';
        ev_len = 0;
        if (strncmp(ev_line, "event: ", 7) == 0)
            h_join(name, sizeof name, ev_line + 7, "");
        else if (strncmp(ev_line, "data: ", 6) == 0)
            h_join(data, sizeof data, ev_line + 6, "");
        else if (ev_line[0] == '\0' && name[0] != '\0') {
            const size_t len = strlen(name) + strlen(data) + 2;
            s->events[s->n_events] = malloc(len);
            (void)snprintf(s->events[s->n_events], len, "%s\n%s", name, data);
            s->n_events++;
            if (strcmp(name, "batch") == 0)
                batches++;
            name[0] = data[0] = '\0';
        }
    }
    free(rd);
    close(fd);
    return NULL;
}

/* A metric's value from the /metrics text ("series" is the name with its labels). */
static double metric(int port, const char *headers, const char *series)
{
    h_resp r;
    double v = NAN;
    if (h_do(port, "GET", "/metrics", headers, NULL, &r) && r.status == 200) {
        const size_t len = strlen(series);
        for (char *line = r.body; line != NULL && *line != '\0';) {
            char *next = strchr(line, '\n');
            if (strncmp(line, series, len) == 0 && line[len] == ' ')
                v = strtod(line + len + 1, NULL);
            line = next != NULL ? next + 1 : NULL;
        }
    }
    h_resp_free(&r);
    return v;
}

static bool wait_metric(int port, const char *headers, const char *series, double want)
{
    const double until = h_now() + 30;
    while (h_now() < until) {
        if (metric(port, headers, series) == want)
            return true;
        h_sleep_ms(20);
    }
    return false;
}

static void test_feed_two_subscribers(void)
{
    subscriber subs[2];
    pthread_t t[2];
    for (int i = 0; i < 2; i++) {
        memset(&subs[i], 0, sizeof subs[i]);
        subs[i].port = main_srv.port;
        subs[i].want_batches = 3;
        pthread_create(&t[i], NULL, subscriber_main, &subs[i]);
    }
    CHECK(wait_metric(main_srv.port, AUTH, "mloda_serve_feed_subscribers{name=\"agg\"}", 2));
    static const double batches[3][4] = {{1, 2, 3, 4}, {10, 20, 0, 0}, {-5, 5, 2.5, 0}};
    static const int sizes[3] = {4, 2, 3};
    int64_t numbers[4];
    for (int b = 0, g = 0; b < 4; b++) {
        TEST_CASE("feed post %d", b);
        h_resp r;
        char *body = b == 1 ? strdup("{\"T\": {\"v\": [\"bad\"]}}") : batch_text(batches[g], sizes[g]);
        CHECK(h_do(main_srv.port, "POST", "/v1/feed/agg", AUTH, body, &r));
        io_jt *j = h_json(r.body, r.body_len);
        if (b == 1) { /* a failed batch: 400, and a "failed" event for the subscribers */
            CHECK_EQ_INT(r.status, 400);
            CHECK_STR(h_str(h_get(j, "error", "code", NULL)), "MLODA_ERR_TYPE");
            numbers[b] = (int64_t)h_num(h_get(j, "batch", NULL));
        } else {
            CHECK_EQ_INT(r.status, 200);
            numbers[b] = (int64_t)h_num(h_get(j, "batch", NULL));
            CHECK_EQ_INT((long long)h_num(h_get(j, "tables", NULL)), 2);
            CHECK_EQ_INT((long long)h_num(h_get(j, "rows", NULL)), sizes[g]);
            CHECK_EQ_INT((long long)h_num(h_get(j, "subscribers", NULL)), 2);
            g++;
        }
        mloda_io_jt_free(j);
        h_resp_free(&r);
        free(body);
    }
    TEST_CASE("%s", "feed events");
    for (int b = 1; b < 4; b++) /* batch numbers count up per feed */
        CHECK_EQ_INT(numbers[b], numbers[0] + b);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    CHECK(subs[0].opened && subs[1].opened);
    /* both saw the same events, in the same order */
    CHECK_EQ_INT(subs[0].n_events, subs[1].n_events);
    CHECK_EQ_INT(subs[0].n_events, 3 * 3 + 1); /* 2 tables + 1 batch per good batch, 1 failed */
    for (int e = 0; e < subs[0].n_events && e < subs[1].n_events; e++)
        CHECK_STR(subs[0].events[e], subs[1].events[e]);
    /* and the events carry the right batch numbers, values and timing */
    int g = 0, tables_seen = 0, failed_seen = 0;
    for (int e = 0; e < subs[0].n_events; e++) {
        char *ev = subs[0].events[e];
        char *data = strchr(ev, '\n') + 1;
        io_jt *j = h_json(data, strlen(data));
        const int64_t batch = (int64_t)h_num(h_get(j, "batch", NULL));
        if (strncmp(ev, "table\n", 6) == 0) {
            CHECK_EQ_INT(batch, numbers[g == 0 ? 0 : g + 1]);
            CHECK(h_num(h_get(j, "elapsed_ms", NULL)) >= 0);
            tables_seen += check_table(j, batches[g], sizes[g]);
        } else if (strncmp(ev, "batch\n", 6) == 0) {
            CHECK_EQ_INT(batch, numbers[g == 0 ? 0 : g + 1]);
            CHECK_EQ_INT((long long)h_num(h_get(j, "tables", NULL)), 2);
            CHECK_EQ_INT((long long)h_num(h_get(j, "rows", NULL)), sizes[g]);
            g++;
        } else if (strncmp(ev, "failed\n", 7) == 0) {
            CHECK_EQ_INT(batch, numbers[1]);
            CHECK_STR(h_str(h_get(j, "error", "code", NULL)), "MLODA_ERR_TYPE");
            failed_seen++;
        } else {
            CHECK_MSG(false, "unexpected event %s", ev);
        }
        mloda_io_jt_free(j);
    }
    CHECK_EQ_INT(tables_seen, 6);
    CHECK_EQ_INT(failed_seen, 1);
    for (int i = 0; i < 2; i++)
        for (int e = 0; e < subs[i].n_events; e++)
            free(subs[i].events[e]);
    /* a subscriber that comes later starts with the last finished batch */
    subscriber late;
    memset(&late, 0, sizeof late);
    late.port = main_srv.port;
    late.want_batches = 1;
    subscriber_main(&late);
    CHECK_EQ_INT(late.n_events, 3);
    if (late.n_events == 3)
        CHECK_CONTAINS(late.events[2], "\"batch\": 3");
    for (int e = 0; e < late.n_events; e++)
        free(late.events[e]);
}

/* ---------------------------------------------------------------- logs */

static void test_logs(void)
{
    char *log = h_log(&main_srv);
    /* "TIME CLIENT METHOD PATH STATUS BYTES MS CODE" */
    int found_ok = 0, found_bad = 0;
    for (char *line = strtok(log, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        char ts[64], client[64], method[16], path[256], code[64];
        int status = 0;
        long long bytes = 0;
        double ms = 0;
        if (sscanf(line, "%63s %63s %15s %255s %d %lld %lf %63s", ts, client, method, path,
                   &status, &bytes, &ms, code) != 8)
            continue;
        const bool ts_ok = strlen(ts) == 24 && ts[4] == '-' && ts[10] == 'T' && ts[23] == 'Z';
        if (ts_ok && strcmp(client, "127.0.0.1") == 0 && strcmp(method, "POST") == 0 &&
            strcmp(path, "/v1/run/agg") == 0 && status == 200 && strcmp(code, "-") == 0 &&
            bytes > 100 && ms >= 0)
            found_ok++;
        if (ts_ok && status == 400 && strcmp(code, "MLODA_ERR_PARSE") == 0)
            found_bad++;
    }
    CHECK(found_ok > 20);
    CHECK(found_bad > 3);
    free(log);
}

/* ---------------------------------------------------------------- metrics, quiet */

static void test_metrics_and_quiet(void)
{
    h_server m;
    const char *args[] = {"--request", req_arg("agg", agg_path()), "--quiet", NULL};
    CHECK(h_start(&m, args));
    h_resp r;
    const char *ok_bodies[] = {"{\"T\": {\"v\": [1, 2]}}", "{\"T\": {\"v\": [3]}}",
                               "{\"T\": {\"v\": [4, 5, 6, 7]}}"};
    for (int i = 0; i < 3; i++) {
        CHECK(h_do(m.port, "POST", "/v1/run/agg", NULL, ok_bodies[i], &r));
        CHECK_EQ_INT(r.status, 200);
        h_resp_free(&r);
    }
    for (int i = 0; i < 2; i++) {
        CHECK(h_do(m.port, "POST", "/v1/run/agg", NULL, "{\"T\": {\"v\": [\"x\"]}}", &r));
        CHECK_EQ_INT(r.status, 400);
        h_resp_free(&r);
    }
    CHECK(h_do(m.port, "POST", "/v1/run/zzz", NULL, "{}", &r));
    CHECK_EQ_INT(r.status, 404);
    h_resp_free(&r);
    CHECK(h_do(m.port, "POST", "/v1/noop", NULL, "{}", &r));
    CHECK_EQ_INT(r.status, 200);
    CHECK_STR(r.body, "{}\n");
    h_resp_free(&r);
    static const struct { const char *series; double want; } cases[] = {
        {"mloda_serve_requests_total{endpoint=\"run\",name=\"agg\",status=\"200\"}", 3},
        {"mloda_serve_requests_total{endpoint=\"run\",name=\"agg\",status=\"400\"}", 2},
        {"mloda_serve_requests_total{endpoint=\"run\",name=\"\",status=\"404\"}", 1},
        {"mloda_serve_requests_total{endpoint=\"noop\",name=\"\",status=\"200\"}", 1},
        {"mloda_serve_batches_total{name=\"agg\"}", 3},
        {"mloda_serve_rows_total{name=\"agg\"}", 7},
        {"mloda_serve_tables_total{name=\"agg\"}", 6},
        {"mloda_serve_errors_total{name=\"agg\",code=\"MLODA_ERR_TYPE\"}", 2},
        {"mloda_serve_request_duration_seconds_count{endpoint=\"run\",name=\"agg\"}", 5},
        {"mloda_serve_request_duration_seconds_bucket{endpoint=\"run\",name=\"agg\",le=\"+Inf\"}", 5},
        {"mloda_serve_request_duration_seconds_count{endpoint=\"feed_post\",name=\"agg\"}", 0},
        {"mloda_serve_feed_subscribers{name=\"agg\"}", 0},
        {"mloda_serve_compute_running", 0},
        {"mloda_serve_queue_waiting", 0},
        {"mloda_serve_queue_capacity", 64},
        {"mloda_serve_info{version=\"" MLODA_VERSION_STRING "\"}", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("metric %s", cases[i].series);
        /* a request is counted when it completes, just after the client has its answer */
        (void)wait_metric(m.port, NULL, cases[i].series, cases[i].want);
        const double got = metric(m.port, NULL, cases[i].series);
        CHECK_CLOSE(got, cases[i].want);
    }
    TEST_CASE("%s", "");
    /* the histogram's buckets never decrease */
    CHECK(h_do(m.port, "GET", "/metrics", NULL, NULL, &r));
    double last = -1;
    int buckets = 0;
    for (char *line = strtok(r.body, "\n"); line != NULL; line = strtok(NULL, "\n"))
        if (strstr(line, "_bucket{endpoint=\"run\",name=\"agg\"") != NULL) {
            const double v = strtod(strrchr(line, ' ') + 1, NULL);
            CHECK(v >= last);
            last = v;
            buckets++;
        }
    CHECK_EQ_INT(buckets, 16);
    h_resp_free(&r);
    CHECK_EQ_INT(h_stop(&m, SIGINT, 30), 0); /* SIGINT stops like SIGTERM */
    char *log = h_log(&m);
    CHECK(strstr(log, "listening on") != NULL);
    CHECK(strstr(log, "/v1/run/agg") == NULL); /* --quiet: no request lines */
    free(log);
    h_check_clean_log(&m);
    h_free(&m);
}

/* ---------------------------------------------------------------- a full queue */

static char *big_batch(int n)
{
    char *s = malloc((size_t)n * 8 + 64);
    size_t len = (size_t)sprintf(s, "{\"T\": {\"v\": [");
    for (int i = 0; i < n; i++)
        len += (size_t)sprintf(s + len, "%s%d.5", i ? "," : "", i % 1000);
    (void)sprintf(s + len, "]}}");
    return s;
}

typedef struct bg_post {
    int port;
    const char *body;
    h_resp r;
    bool ok;
} bg_post;

static void *bg_post_main(void *arg)
{
    bg_post *p = arg;
    p->ok = h_do(p->port, "POST", "/v1/run/agg", NULL, p->body, &p->r);
    return NULL;
}

static void test_queue_full(void)
{
    /* one compute slot, a queue of one: the third concurrent request gets 503 */
    h_server q;
    const char *args[] = {"--request", req_arg("agg", agg_path()), "--threads", "1", "--max-running", "1", "--queue", "1",
                          "--max-body", "64000000", "--timeout", "20", NULL};
    CHECK(h_start(&q, args));
    /* A streamed answer holds its slot until its last table is handed over: a client that
     * does not read a large answer keeps the slot busy. */
    const int rows = 400000;
    char *big = big_batch(rows);
    const int fd = h_connect(q.port);
    CHECK(fd >= 0);
    size_t len = 0;
    char *req = h_format("POST", "/v1/run/agg", "Accept: application/x-ndjson\r\n", big,
                         strlen(big), &len);
    CHECK(h_send_all(fd, req, len));
    free(req);
    CHECK(wait_metric(q.port, NULL, "mloda_serve_compute_running", 1));
    bg_post waiting = {q.port, "{\"T\": {\"v\": [2, 4]}}", {0}, false};
    pthread_t t;
    pthread_create(&t, NULL, bg_post_main, &waiting);
    CHECK(wait_metric(q.port, NULL, "mloda_serve_queue_waiting", 1));
    h_resp r;
    CHECK(h_do(q.port, "POST", "/v1/run/agg", NULL, "{\"T\": {\"v\": [1]}}", &r));
    CHECK_EQ_INT(r.status, 503);
    CHECK_CONTAINS(r.body, "MLODA_ERR_CANCELLED");
    CHECK(h_header(&r, "Retry-After") != NULL);
    h_resp_free(&r);
    /* now read the large answer whole: 2 lines, the second with the aggregates */
    h_reader *rd = calloc(1, sizeof *rd);
    rd->fd = fd;
    rd->deadline = h_now() + 60;
    h_resp big_r;
    memset(&big_r, 0, sizeof big_r);
    CHECK(h_read_response(rd, &big_r, false));
    CHECK_EQ_INT(big_r.status, 200);
    int lines = 0;
    for (size_t i = 0; i < big_r.body_len; i++)
        lines += big_r.body[i] == '\n';
    CHECK_EQ_INT(lines, 2);
    CHECK(big_r.body_len > (size_t)rows * 20);
    h_resp_free(&big_r);
    free(rd);
    close(fd);
    pthread_join(t, NULL);
    const double v[] = {2, 4};
    CHECK(waiting.ok);
    check_tables_answer(&waiting.r, v, 2); /* the queued request was answered */
    h_resp_free(&waiting.r);
    CHECK(h_do(q.port, "POST", "/v1/run/agg", NULL, "{\"T\": {\"v\": [2, 4]}}", &r));
    check_tables_answer(&r, v, 2);
    h_resp_free(&r);
    free(big);
    CHECK_EQ_INT(h_stop(&q, SIGTERM, 30), 0);
    h_check_clean_log(&q);
    h_free(&q);
}

/* ---------------------------------------------------------------- SIGTERM under load */

enum { N_LOADERS = 8 };

typedef struct loader {
    int port;
    int id;
    int ok, closing, refused, dropped, wrong;
    atomic_bool *stop;
} loader;

static void *loader_main(void *arg)
{
    loader *l = arg;
    h_conn c = {l->port, -1, NULL};
    const double until = h_now() + 30;
    for (int k = 0; !atomic_load(l->stop) && h_now() < until; k++) {
        const double v[] = {l->id, k, 0.5};
        char *body = batch_text(v, 3);
        h_resp r;
        const bool got = h_conn_do(&c, "POST", "/v1/run/agg", NULL, body, strlen(body), &r, 60);
        free(body);
        if (!got) {
            if (r.connect_failed)
                l->refused++;
            else
                l->dropped++; /* sent, and no whole answer: must never happen */
            h_resp_free(&r);
            break;
        }
        if (r.status == 200) {
            const bool right = strstr(r.body, "\"v__sum_aggr\": [") != NULL;
            char want[64];
            (void)snprintf(want, sizeof want, "\"v__max_aggr\": [%.1f", v[0] > v[1] ? v[0] : (v[1] > 0.5 ? v[1] : 0.5));
            if (right && strstr(r.body, want) != NULL)
                l->ok++;
            else
                l->wrong++;
        } else if (r.status == 503) {
            l->closing++;
        } else {
            l->wrong++;
        }
        const bool close_now = r.close;
        h_resp_free(&r);
        if (close_now) /* the server said it closes: stop here (a new connection is refused) */
            break;
    }
    h_conn_close(&c);
    return NULL;
}

static void test_sigterm_under_load(void)
{
    h_server s;
    const char *args[] = {"--request", req_arg("agg", agg_path()), "--quiet", "--timeout", "3",
                          NULL};
    CHECK(h_start(&s, args));
    atomic_bool stop = false;
    loader l[N_LOADERS];
    pthread_t t[N_LOADERS];
    for (int i = 0; i < N_LOADERS; i++) {
        l[i] = (loader){s.port, i, 0, 0, 0, 0, 0, &stop};
        pthread_create(&t[i], NULL, loader_main, &l[i]);
    }
    h_sleep_ms(500);
    const double t0 = h_now();
    kill(s.pid, SIGTERM);
    const int code = h_stop(&s, 0, 30);
    const double took = h_now() - t0;
    atomic_store(&stop, true);
    int ok = 0, closing = 0, refused = 0, dropped = 0, wrong = 0;
    for (int i = 0; i < N_LOADERS; i++) {
        pthread_join(t[i], NULL);
        ok += l[i].ok;
        closing += l[i].closing;
        refused += l[i].refused;
        dropped += l[i].dropped;
        wrong += l[i].wrong;
    }
    CHECK_EQ_INT(code, 0);
    CHECK_MSG(took < 10, "the stop took %.2f s", took);
    CHECK(ok > N_LOADERS);
    CHECK_EQ_INT(dropped, 0);
    CHECK_EQ_INT(wrong, 0);
    printf("# sigterm under load: %d answered, %d told 'shutting down', %d refused, stop in "
           "%.2f s\n",
           ok, closing, refused, took);
    h_check_clean_log(&s);
    h_free(&s);
}

/* ---------------------------------------------------------------- start-up */

static void test_startup(void)
{
    /* the address is taken: the usual I/O error and exit code 4 */
    char cmd[PATH_MAX * 3];
    char out[PATH_MAX];
    h_join(out, sizeof out, h_tmpdir(), "/busy.txt");
    (void)snprintf(cmd, sizeof cmd, "'%s/mloda' serve --request agg='%s' --listen 127.0.0.1:%d 2>'%s'",
                   h_build_dir(), agg_path(), main_srv.port, out);
    int status = system(cmd);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 4);
    FILE *fp = fopen(out, "r");
    char text[1024] = "";
    if (fp != NULL) {
        (void)!fread(text, 1, sizeof text - 1, fp);
        fclose(fp);
    }
    CHECK_CONTAINS(text, "cannot listen on 127.0.0.1:");
    /* a bare port listens on loopback */
    h_server b;
    const char *args[] = {"--request", agg_path(), "--listen", "0", "--quiet", NULL};
    CHECK(h_start(&b, args)); /* waits for "listening on http://127.0.0.1:" */
    h_resp r;
    CHECK(h_do(b.port, "GET", "/v1/requests", NULL, NULL, &r)); /* FILE alone: named "agg" */
    CHECK_CONTAINS(r.body != NULL ? r.body : "", "\"name\": \"agg\"");
    h_resp_free(&r);
    CHECK_EQ_INT(h_stop(&b, SIGTERM, 30), 0);
    h_free(&b);
}

/* A served request reads data files only below its own directory, or below --data-root
 * (paths are relative to the root): a request in reqs/ naming ../outside.csv does not start
 * by default; one naming outside.csv starts with the parent directory as the data root. */
static void test_data_root(void)
{
    char sub[PATH_MAX], req[PATH_MAX], out[PATH_MAX];
    h_join(sub, sizeof sub, h_tmpdir(), "/reqs");
    (void)mkdir(sub, 0700);
    (void)h_write_file("outside.csv", "w\n1\n2\n");
    h_join(req, sizeof req, sub, "/outside.json");
    FILE *fp = fopen(req, "w");
    if (fp != NULL) {
        (void)fputs("{\"features\": [\"w__sum_aggr\"], "
                    "\"data_access\": {\"files\": [\"../outside.csv\"]}}\n", fp);
        (void)fclose(fp);
    }
    h_join(out, sizeof out, h_tmpdir(), "/root.txt");
    char cmd[PATH_MAX * 3];
    (void)snprintf(cmd, sizeof cmd, "'%s/mloda' serve --request o='%s' --listen 127.0.0.1:0 2>'%s'",
                   h_build_dir(), req, out);
    int status = system(cmd);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 4);
    char text[1024] = "";
    fp = fopen(out, "r");
    if (fp != NULL) {
        (void)!fread(text, 1, sizeof text - 1, fp);
        fclose(fp);
    }
    CHECK_CONTAINS(text, "outside the data root");
    h_join(req, sizeof req, sub, "/outside.json");
    fp = fopen(req, "w");
    if (fp != NULL) {
        (void)fputs("{\"features\": [\"w__sum_aggr\"], "
                    "\"data_access\": {\"files\": [\"outside.csv\"]}}\n", fp);
        (void)fclose(fp);
    }
    h_server b;
    const char *args[] = {"--request", req, "--data-root", h_tmpdir(), "--quiet", NULL};
    CHECK(h_start(&b, args));
    h_resp r;
    CHECK(h_do(b.port, "POST", "/v1/run/outside", NULL, "{}", &r));
    CHECK_EQ_INT(r.status, 200);
    CHECK_CONTAINS(r.body != NULL ? r.body : "", "\"w__sum_aggr\": [3, 3]");
    h_resp_free(&r);
    CHECK_EQ_INT(h_stop(&b, SIGTERM, 30), 0);
    h_free(&b);
}

static void test_main_stops_cleanly(void)
{
    CHECK(main_up);
    CHECK_EQ_INT(h_stop(&main_srv, SIGTERM, 30), 0);
    h_check_clean_log(&main_srv);
}

int main(void)
{
    start_main();
    RUN(test_health_and_auth);
    RUN(test_requests_list);
    RUN(test_dashboard_page);
    RUN(test_run_json);
    RUN(test_run_streamed);
    RUN(test_run_arrow);
    RUN(test_bad_batches);
    RUN(test_http_errors);
    RUN(test_slow_clients);
    RUN(test_concurrent_clients);
    RUN(test_feed_two_subscribers);
    RUN(test_logs);
    RUN(test_startup);
    RUN(test_data_root);
    RUN(test_metrics_and_quiet);
    RUN(test_queue_full);
    RUN(test_sigterm_under_load);
    RUN(test_main_stops_cleanly);
    h_free(&main_srv);
    return TEST_SUMMARY();
}
