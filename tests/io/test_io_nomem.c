/*
 * test_io_nomem.c: allocation failure everywhere in the writers and the batch sources
 * (STYLE.md §10). A writer appends to a growing buffer, so a failure can only come where
 * the buffer grows; the writers are run with the buffer already holding 0, 1, 2, ...
 * bytes, which moves the growth point across every append. Each failure must return
 * MLODA_ERR_NOMEM and leak nothing (ASan); without one the text is the same as always.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/io.h"
#include "test.h"
#include "util/alloc.h"
#include "util/util.h"

/* Every column type: nulls, NaN and infinities, text that CSV must quote and a terminal
 * must not see raw, timestamps of each unit, lists. */
static mloda_table *rich_table(void)
{
    mloda_error err = MLODA_ERROR_INIT;
    const int64_t ints[] = {-9223372036854775807 - 1, 0, 42, 7};
    const double floats[] = {0.1, NAN, INFINITY, -INFINITY};
    const double same[] = {2.5, 2.5, 2.5, 2.5};
    const bool bools[] = {true, false, false, true};
    const char *strs[] = {"a,\"b\"\n", NULL, " padded ", "esc\x1b[2J\xc2\x9b"};
    const int64_t secs[] = {0, -1, 253402300800, 86399};
    const int64_t millis[] = {1500, 0, -1, 999};
    const int64_t nanos[] = {1, 0, 1000000001, -1};
    const double pts[] = {1.5, -2, 0, 0, NAN, 4, 1e300, -0.0};
    const uint8_t valid[] = {1, 0, 1, 1};
    mloda_column *cols[10] = {NULL};
    mloda_column_from_int64(4, ints, valid, &cols[0], &err);
    mloda_column_from_float64(4, floats, NULL, &cols[1], &err);
    mloda_column_from_float64(4, same, valid, &cols[2], &err);
    mloda_column_from_bool(4, bools, valid, &cols[3], &err);
    mloda_column_from_utf8(4, strs, &cols[4], &err);
    mloda_column_from_timestamp(MLODA_TIME_SECOND, 4, secs, valid, &cols[5], &err);
    mloda_column_from_timestamp(MLODA_TIME_MILLI, 4, millis, NULL, &cols[6], &err);
    mloda_column_from_timestamp(MLODA_TIME_NANO, 4, nanos, valid, &cols[7], &err);
    mloda_column_from_timestamp(MLODA_TIME_MICRO, 4, ints, valid, &cols[8], &err);
    mloda_column_from_float64_list(2, 4, pts, valid, &cols[9], &err);
    const char *names[] = {"i", "f", "same", "b", "s \"q\"", "sec", "ms", "ns", "us", "p"};
    mloda_table *t = NULL;
    mloda_table_new(4, 10, names, (const mloda_column *const *)cols, &t, &err);
    for (int k = 0; k < 10; k++)
        mloda_column_release(cols[k]);
    CHECK_OK(err.code, err);
    return t;
}

typedef enum { W_JSON, W_JSON_PRETTY, W_CSV, W_CSV_BATCH, W_TEXT, W_TEXT_BATCH, W_ERROR,
               W_ERROR_NO_BATCH } writer;

static mloda_status write_one(writer w, mloda_buf *b, const mloda_table *t, mloda_error *err)
{
    mloda_error e = MLODA_ERROR_INIT;
    switch (w) {
    case W_JSON:
        return mloda_io_write_json_table(b, t, 3, false, err);
    case W_JSON_PRETTY:
        return mloda_io_write_json_table(b, t, -1, true, err);
    case W_CSV:
        return mloda_io_write_csv_table(b, t, -1, err);
    case W_CSV_BATCH:
        return mloda_io_write_csv_table(b, t, 12, err);
    case W_TEXT:
        return mloda_io_write_text_table(b, t, -1, err);
    case W_TEXT_BATCH:
        return mloda_io_write_text_table(b, t, 5, err);
    case W_ERROR:
        mloda_error_set(&e, MLODA_ERR_TYPE, "col\xff", "a message cut in a character \xe2\x82");
        return mloda_io_write_json_error(b, 9, &e, err);
    case W_ERROR_NO_BATCH:
        mloda_error_set(&e, MLODA_ERR_PARSE, NULL, "no subject");
        return mloda_io_write_json_error(b, -1, &e, err);
    }
    return MLODA_ERR_INTERNAL;
}

static void test_writers_every_growth_point(void)
{
    mloda_table *t = rich_table();
    mloda_table *empty = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_table_new(0, 0, NULL, NULL, &empty, &err), err);
    const mloda_table *tables[] = {t, empty};
    for (int ti = 0; ti < 2; ti++) {
        for (int w = W_JSON; w <= W_ERROR_NO_BATCH; w++) {
            mloda_buf clean = {0};
            mloda_error_reset(&err);
            TEST_CASE("table %d, writer %d", ti, w);
            CHECK_OK(write_one((writer)w, &clean, tables[ti], &err), err);
            for (size_t fill = 0; fill < clean.len + 130; fill++) {
                for (long n = 0;; n++) {
                    mloda_buf b = {0};
                    mloda_error e = MLODA_ERROR_INIT;
                    for (size_t k = 0; k < fill; k++)
                        (void)mloda_buf_putc(&b, 'x', &e);
                    mloda_test_fail_alloc_at(n);
                    const mloda_status st = write_one((writer)w, &b, tables[ti], &e);
                    const bool injected = mloda_test_alloc_failed();
                    mloda_test_fail_alloc_at(-1);
                    TEST_CASE("table %d, writer %d, fill %zu, allocation %ld", ti, w, fill, n);
                    if (injected) {
                        CHECK_EQ_INT(st, MLODA_ERR_NOMEM);
                    } else {
                        CHECK_OK(st, e);
                        CHECK(b.len == fill + clean.len &&
                              memcmp(b.data + fill, clean.data, clean.len) == 0);
                    }
                    mloda_buf_reset(&b);
                    if (!injected)
                        break;
                }
            }
            mloda_buf_reset(&clean);
        }
    }
    mloda_table_release(empty);
    mloda_table_release(t);
}

/* ---------------------------------------------------------------- sources */

static char dir[256];

static void put(const char *name, const char *text)
{
    char p[512];
    (void)snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    CHECK(f != NULL);
    if (f != NULL) {
        (void)fputs(text, f);
        (void)fclose(f);
    }
}

static io_schema *schema_of_request(void)
{
    const char *text = "{\"features\": [\"v\"], \"api_data\": {\"T\": {\"v\": [1.5], \"s\": [\"a\"],"
                       " \"t\": [\"2024-01-01T00:00:00\"], \"b\": [true], \"p\": [[1, 2]]}}}";
    io_request r;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_io_request_parse(text, strlen(text), "req", &r, &err), err);
    io_schema *s = r.schema;
    r.schema = NULL;
    mloda_io_request_reset(&r);
    return s;
}

/* Opens the source and reads every batch; the first failure's status, or OK. */
static mloda_status drain(const char *path, const io_schema *schema, const io_source_options *o,
                          int64_t *rows, mloda_error *err)
{
    io_source *src = NULL;
    *rows = 0;
    MLODA_TRY(mloda_io_source_open(path, schema, o, &src, err));
    mloda_status st = MLODA_OK;
    for (;;) {
        mloda_api_data *a = NULL;
        io_batch_info info;
        st = mloda_io_source_next(src, &a, &info, err);
        if (st != MLODA_OK || a == NULL)
            break;
        *rows += mloda_table_n_rows(mloda_api_data_table(a, 0));
        mloda_api_data_free(a);
    }
    if (st == MLODA_OK)
        st = mloda_io_source_commit(src, err);
    mloda_io_source_free(src);
    return st;
}

static void test_sources_walk(void)
{
    (void)snprintf(dir, sizeof dir, "/tmp/mloda_nomem_XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    char p[512];
    (void)snprintf(p, sizeof p, "%s/d", dir);
    CHECK(mkdir(p, 0755) == 0);
    const char *line1 = "{\"T\": {\"v\": [1, 2.5, null], \"s\": [\"x\", null, \"y\"], \"t\": [null, "
                        "\"2024-01-02T00:00:00\", null], \"b\": [false, null, true], \"p\": [[1, 2], "
                        "null, [3, 4]], \"extra\": [1, 2, 3]}, \"Other\": {\"z\": [1]}}\n";
    put("d/a.ndjson", line1);
    put("d/b.json", "{\"T\": {\"v\": [7], \"s\": [\"z\"], \"t\": [null], \"b\": [true], \"p\": [null]}}");
    put("d/c.txt", "skipped");
    put("b.ndjson", line1);
    put("rows.csv", "v,s,t,b,p,unused\n1,a,2024-01-01T00:00:00,true,\"[1, 2]\",x\n2.5,,,0,,y\n"
                    "NaN,\"\",2024-01-03 10:00,1,\"1,2\",z\n");
    char cmd[700];
    (void)snprintf(cmd, sizeof cmd,
                   "sqlite3 '%s/db.sqlite' \"create table m(v real, s text, t text, b int, p text);"
                   " insert into m values (1, 'a', '2024-01-01T00:00:00', 1, '[1, 2]'),"
                   " (null, null, null, 0, null), (3, 'c', null, null, '[3, 4]');\"",
                   dir);
    CHECK(system(cmd) == 0);
    io_schema *schema = schema_of_request();
    char rec[512];
    (void)snprintf(rec, sizeof rec, "%s/record", dir);
    const struct {
        const char *name, *file;
        io_source_options o;
        int64_t rows;
    } cases[] = {
        {"directory", "d", {.record = rec, .watch = false}, 4},
        {"ndjson file", "b.ndjson", {0}, 3},
        {"csv", "rows.csv", {.batch_rows = 2}, 3},
        {"sqlite", "db.sqlite", {.sql = "select v, s, t, b, p from m", .batch_rows = 2}, 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[512];
        (void)snprintf(path, sizeof path, "%s/%s", dir, cases[i].file);
        for (long n = 0;; n++) {
            (void)unlink(rec); /* every run starts without a record */
            int64_t rows = 0;
            mloda_error err = MLODA_ERROR_INIT;
            mloda_test_fail_alloc_at(n);
            const mloda_status st = drain(path, schema, &cases[i].o, &rows, &err);
            const bool injected = mloda_test_alloc_failed();
            mloda_test_fail_alloc_at(-1);
            TEST_CASE("%s, allocation %ld: %.200s", cases[i].name, n, err.message);
            if (injected) {
                CHECK_EQ_INT(st, MLODA_ERR_NOMEM);
            } else {
                CHECK_OK(st, err);
                CHECK_EQ_INT(rows, cases[i].rows);
                break;
            }
        }
    }
    mloda_io_schema_free(schema);
    (void)snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

int main(void)
{
    RUN(test_writers_every_growth_point);
    RUN(test_sources_walk);
    return TEST_SUMMARY();
}
