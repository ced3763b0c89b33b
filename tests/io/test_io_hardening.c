/*
 * test_io_hardening.c: the formats layer against hostile and extreme input (issue 16):
 * text that is not UTF-8, byte-order marks, oversized input, files a request must not
 * reach, CSV line ends and headers, SQL with several statements, watched directories.
 * Each test names the finding it guards and holds its reproducer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/io.h"
#include "io/source.h"
#include "mloda/io.h"
#include "test.h"
#include "util/utf8.h"

/* ---------------------------------------------------------------- helpers */

static char scratch_dir[256];

static void make_scratch(void)
{
    (void)snprintf(scratch_dir, sizeof scratch_dir, "/tmp/mloda_hard_XXXXXX");
    if (mkdtemp(scratch_dir) == NULL) {
        perror("mkdtemp");
        exit(1);
    }
}

static void remove_scratch(void)
{
    char cmd[400];
    (void)snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", scratch_dir);
}

/* scratch_dir/name (a static buffer per call site is enough for these tests) */
static const char *path_of(char *buf, size_t cap, const char *name)
{
    (void)snprintf(buf, cap, "%s/%s", scratch_dir, name);
    return buf;
}

static void write_file(const char *name, const char *data, size_t len)
{
    char p[512];
    FILE *f = fopen(path_of(p, sizeof p, name), "wb");
    CHECK(f != NULL);
    if (f != NULL) {
        CHECK(fwrite(data, 1, len, f) == len);
        (void)fclose(f);
    }
}

/* Every text the formats layer produces must be valid UTF-8. */
static void check_utf8_message(const mloda_error *err)
{
    CHECK(mloda_utf8_is_valid(err->message, strlen(err->message)));
}

/* ---------------------------------------------------------------- UTF-8 in JSON */

/* issue 16 #7: yajl turned "\ud800" into '?' and "\udc00" into invalid UTF-8; overlong
 * forms and encoded surrogates passed its check. Now each is an error with a position. */
static void test_json_text_must_be_utf8(void)
{
    static const struct {
        const char *name, *value, *where, *why;
    } cases[] = {
        {"lone low surrogate", "\"\\udc00\"", "line 1, column 15", "low surrogate"},
        {"lone high surrogate", "\"\\ud800\"", "line 1, column 15", "high surrogate"},
        {"high then text", "\"\\ud800x\"", "line 1, column 15", "high surrogate"},
        {"high then a non-surrogate escape", "\"\\ud800\\u0041\"", "line 1, column 21",
         "must be followed"},
        {"high then another high", "\"\\ud800\\ud800\"", "line 1, column 21",
         "must be followed"},
        {"high then other escape", "\"\\ud800\\n\"", "line 1, column 15", "high surrogate"},
        {"high then raw UTF-8", "\"\\ud800\xC3\xA9\"", "line 1, column 15", "high surrogate"},
        {"overlong slash", "\"\xC0\xAF\"", "line 1, column 15", "invalid UTF-8"},
        {"encoded surrogate", "\"\xED\xA0\x80\"", "line 1, column 15", "invalid UTF-8"},
        {"above U+10FFFF", "\"\xF4\x90\x80\x80\"", "line 1, column 15", "invalid UTF-8"},
        {"stray continuation", "\"a\x80\"", "line 1, column 16", "invalid UTF-8"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s", cases[i].name);
        char text[128];
        (void)snprintf(text, sizeof text, "{\"T\": {\"s\": [%s]}}", cases[i].value);
        mloda_api_data *a = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_EQ_INT(mloda_io_api_data_parse(text, strlen(text), NULL, "b.ndjson", 1, 0, &a, &err),
                     MLODA_ERR_PARSE);
        CHECK(a == NULL);
        CHECK_CONTAINS(err.message, "b.ndjson");
        CHECK_CONTAINS(err.message, cases[i].where);
        CHECK_CONTAINS(err.message, cases[i].why);
        check_utf8_message(&err);
    }
}

/* Valid text still reads, escapes decode, and a check split over chunks holds its state. */
static void test_json_text_valid_and_chunked(void)
{
    const char *text = "{\"T\": {\"s\": [\"\\ud83d\\ude00\", \"caf\xC3\xA9\", \"\\\\ud800\","
                       " \"\xF0\x9F\x98\x80\"]}}";
    const size_t len = strlen(text);
    for (size_t chunk = 1; chunk <= len; chunk++) {
        TEST_CASE("chunks of %zu", chunk);
        io_batch_parser bp;
        mloda_error err = MLODA_ERROR_INIT;
        memset(&bp, 0, sizeof bp);
        mloda_status st = mloda_io_batch_parser_begin(&bp, NULL, "t", 1, 0, 0, &err);
        for (size_t at = 0; st == MLODA_OK && at < len; at += chunk)
            st = mloda_io_batch_parser_feed(&bp, text + at, at + chunk <= len ? chunk : len - at,
                                            &err);
        mloda_api_data *a = NULL;
        if (st == MLODA_OK)
            st = mloda_io_batch_parser_end(&bp, &a, &err);
        mloda_io_batch_parser_reset(&bp);
        CHECK_OK(st, err);
        if (a == NULL)
            continue;
        const mloda_column *c = mloda_table_column(mloda_api_data_table(a, 0), 0);
        int64_t n = 0;
        const char *v = mloda_column_utf8_at(c, 0, &n);
        CHECK(n == 4 && memcmp(v, "\xF0\x9F\x98\x80", 4) == 0);
        v = mloda_column_utf8_at(c, 2, &n);
        CHECK(n == 6 && memcmp(v, "\\ud800", 6) == 0); /* an escaped backslash, not an escape */
        mloda_api_data_free(a);
    }
    /* an invalid byte in a later chunk: the position counts every chunk before it */
    const char *bad = "{\"T\": {\"s\": [\"abc\",\n \"d\xFF\"]}}";
    io_batch_parser bp;
    memset(&bp, 0, sizeof bp);
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_io_batch_parser_begin(&bp, NULL, "t", 1, 0, 0, &err), err);
    CHECK_OK(mloda_io_batch_parser_feed(&bp, bad, 10, &err), err);
    CHECK_EQ_INT(mloda_io_batch_parser_feed(&bp, bad + 10, strlen(bad) - 10, &err), MLODA_ERR_PARSE);
    CHECK_CONTAINS(err.message, "line 2, column 4 (byte 23)");
    mloda_io_batch_parser_reset(&bp);
}

/* A syntax error before an invalid byte is the one reported. */
static void test_json_syntax_error_first(void)
{
    const char *text = "{\"T\": {\"s\": [1,, \"\xFF\"]}}";
    mloda_api_data *a = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_EQ_INT(mloda_io_api_data_parse(text, strlen(text), NULL, "t", 1, 0, &a, &err),
                 MLODA_ERR_PARSE);
    CHECK_CONTAINS(err.message, "malformed JSON");
}

/* ---------------------------------------------------------------- byte-order marks */

/* issue 16 #9: a request file starting with a BOM failed with "invalid char". */
static void test_request_bom(void)
{
    const char *text = "\xEF\xBB\xBF{\"features\": [\"a\"], \"api_data\": {\"T\": {\"a\": [1]}}}";
    io_request r;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_io_request_parse(text, strlen(text), "req.json", &r, &err), err);
    CHECK_EQ_INT(mloda_request_n_features(r.request), 1);
    mloda_io_request_reset(&r);
    /* positions after the mark: the mark is not a column */
    const char *bad = "\xEF\xBB\xBF{\"features\": [\"a\"], \"nope\": 1}";
    CHECK_EQ_INT(mloda_io_request_parse(bad, strlen(bad), "req.json", &r, &err), MLODA_ERR_PARSE);
    CHECK_CONTAINS(err.message, "unknown key 'nope'");
    /* only a BOM is an empty request */
    mloda_error_reset(&err);
    CHECK_EQ_INT(mloda_io_request_parse("\xEF\xBB\xBF", 3, "req.json", &r, &err), MLODA_ERR_PARSE);
    CHECK_CONTAINS(err.message, "is empty");
}

static void test_batches_and_rows_bom(void)
{
    char p[512];
    const char *bom_batches = "\xEF\xBB\xBF{\"T\": {\"a\": [1]}}\n{\"T\": {\"a\": [2]}}\n";
    write_file("bom.ndjson", bom_batches, strlen(bom_batches));
    io_source *src = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_io_source_open(path_of(p, sizeof p, "bom.ndjson"), NULL, NULL, &src, &err), err);
    int64_t n = 0;
    for (;;) {
        mloda_api_data *a = NULL;
        io_batch_info info;
        mloda_error_reset(&err);
        const mloda_status st = mloda_io_source_next(src, &a, &info, &err);
        CHECK_OK(st, err);
        if (st != MLODA_OK || a == NULL)
            break;
        n++;
        mloda_api_data_free(a);
    }
    CHECK_EQ_INT(n, 2);
    mloda_io_source_free(src);

    /* an NDJSON data source whose first row starts with a BOM */
    const char *bom_rows = "\xEF\xBB\xBF{\"x\": 1}\n{\"x\": 2}\n";
    write_file("rows.ndjson", bom_rows, strlen(bom_rows));
    mloda_source_provider prov;
    CHECK_OK(mloda_source_init_ndjson(path_of(p, sizeof p, "rows.ndjson"), NULL, NULL, &prov, &err),
             err);
    mloda_table *t = NULL;
    const char *cols[] = {"x"};
    CHECK_OK(prov.read(prov.user_data, 1, cols, &t, &err), err);
    CHECK(t != NULL && mloda_table_n_rows(t) == 2);
    mloda_table_release(t);
    mloda_source_reset(&prov);
}

int main(void)
{
    make_scratch();
    RUN(test_json_text_must_be_utf8);
    RUN(test_json_text_valid_and_chunked);
    RUN(test_json_syntax_error_first);
    RUN(test_request_bom);
    RUN(test_batches_and_rows_bom);
    remove_scratch();
    return TEST_SUMMARY();
}
