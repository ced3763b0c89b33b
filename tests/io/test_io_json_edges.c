/*
 * test_io_json_edges.c: the JSON readers at their edges (src/io/json_events.c,
 * api_reader.c, json_rows.c): escapes written in either case, misplaced values in an
 * api_data object, NDJSON rows of every odd shape, error texts cut to fit, and a parser
 * used after its reset.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/json_rows.h"
#include "io/source.h"
#include "test.h"

static void test_escapes_either_case(void)
{
    const char *text = "{\"T\": {\"s\": [\"\\u00E9\\u00e9\", \"\\uD83D\\uDE00\", \"\\uFFFF\"]}}";
    mloda_api_data *a = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_io_api_data_parse(text, strlen(text), NULL, "t", 1, 0, &a, &err), err);
    const mloda_column *c = mloda_table_column(mloda_api_data_table(a, 0), 0);
    int64_t n = 0;
    const char *v = mloda_column_utf8_at(c, 0, &n);
    CHECK(n == 4 && memcmp(v, "\xC3\xA9\xC3\xA9", 4) == 0);
    v = mloda_column_utf8_at(c, 1, &n);
    CHECK(n == 4 && memcmp(v, "\xF0\x9F\x98\x80", 4) == 0);
    mloda_api_data_free(a);
    /* a \u escape that is not four hex digits: yajl's error, with a position */
    const char *bad = "{\"T\": {\"s\": [\"\\u12G4\"]}}";
    CHECK_EQ_INT(mloda_io_api_data_parse(bad, strlen(bad), NULL, "t", 1, 0, &a, &err), MLODA_ERR_PARSE);
    CHECK_CONTAINS(err.message, "t: line 1, column");
}

static void test_api_data_shapes(void)
{
    static const struct {
        const char *text, *words;
    } cases[] = {
        {"[1]", "a batch must be a JSON object of tables"},
        {"\"T\"", "found a string"},
        {"{\"T\": \"x\"}", "table 'T' must be an object of columns"},
        {"{\"T\": {\"c\": {\"x\": 1}}}", "expected an array of values, found an object"},
        {"{\"T\": {\"c\": true}}", "expected an array of values, found true/false"},
        {"{\"T\": {\"c\": null}}", "expected an array of values, found null"},
        {"{\"T\": {\"c\": [1]}} 5", "after the end"},
        {"{\"T\": {\"c\": [1]}", "unexpected end of input"},
        {"{\"T\": {\"c\": [1, NaN]}}", "NaN and Infinity are not JSON"},
        {"{\"T\": {\"c\": [Infinity]}}", "NaN and Infinity are not JSON"},
        {"{\"T\": {\"c\": [1,]}}", "malformed JSON"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s", cases[i].text);
        mloda_api_data *a = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK(mloda_io_api_data_parse(cases[i].text, strlen(cases[i].text), NULL, "b.json", 3, 100,
                                      &a, &err) != MLODA_OK);
        CHECK(a == NULL);
        CHECK_CONTAINS(err.message, cases[i].words);
        CHECK_CONTAINS(err.message, "b.json: line 3");
    }
}

static void test_parser_after_reset(void)
{
    io_json_parser p;
    mloda_error err = MLODA_ERROR_INIT;
    memset(&p, 0, sizeof p);
    CHECK_EQ_INT(mloda_io_json_parser_feed(&p, "1", 1, &err), MLODA_ERR_INVALID_ARG);
    mloda_error_reset(&err);
    CHECK_EQ_INT(mloda_io_json_parser_finish(&p, &err), MLODA_ERR_INVALID_ARG);
    mloda_io_json_parser_reset(&p); /* fine on a parser that holds nothing */
    mloda_io_json_parser_allow_many(&p);
    int64_t line = 0, col = 0, byte = 0;
    mloda_io_json_parser_where(&p, &line, &col, &byte);
    CHECK_EQ_INT(byte, 0);
}

static void test_error_prefix(void)
{
    mloda_io_error_prefix(NULL, "x: "); /* nothing to prefix */
    mloda_error ok = MLODA_ERROR_INIT;
    mloda_io_error_prefix(&ok, "x: ");
    CHECK_STR(ok.message, "");
    mloda_error e = MLODA_ERROR_INIT;
    mloda_error_set(&e, MLODA_ERR_PARSE, NULL, "the reason");
    char longp[700];
    memset(longp, 'p', sizeof longp - 1);
    longp[sizeof longp - 1] = '\0';
    mloda_io_error_prefix(&e, longp); /* the prefix alone fills the message */
    CHECK_EQ_INT(strlen(e.message), MLODA_ERROR_MESSAGE_MAX - 1);
    mloda_error f = MLODA_ERROR_INIT;
    char longm[600];
    memset(longm, 'm', sizeof longm - 1);
    longm[sizeof longm - 1] = '\0';
    mloda_error_set(&f, MLODA_ERR_PARSE, NULL, "%s", longm);
    mloda_io_error_prefix(&f, "file: ");
    CHECK(strncmp(f.message, "file: mmm", 9) == 0);
    CHECK_EQ_INT(strlen(f.message), MLODA_ERROR_MESSAGE_MAX - 1);
}

/* NDJSON rows of odd shapes, read by the data source's reader. */
static mloda_status read_rows(const char *text, bool infer, io_json_rows *r, mloda_error *err)
{
    char path[] = "/tmp/mloda_rows_XXXXXX";
    const int fd = mkstemp(path);
    if (fd < 0)
        return MLODA_ERR_IO;
    CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    (void)lseek(fd, 0, SEEK_SET);
    mloda_io_json_rows_init(r, "rows.ndjson", "R", "the sample", infer);
    const mloda_status st = mloda_io_json_rows_read_fd(r, fd, -1, err);
    (void)close(fd);
    (void)unlink(path);
    return st;
}

static void test_ndjson_rows(void)
{
    static const struct {
        const char *text;
        mloda_status st;
        const char *words;
        int64_t rows, readable; /* readable columns after inference */
    } cases[] = {
        {"{\"a\": 1, \"o\": {\"x\": 1}}\n{\"a\": 2, \"o\": {\"y\": [1]}}\n", MLODA_OK, NULL, 2, 1},
        {"{\"a\": 1, \"l\": [[1]]}\n{\"a\": 2}\n", MLODA_OK, NULL, 2, 1},
        {"{\"a\": 1, \"l\": [{\"x\": 1}]}\n", MLODA_OK, NULL, 1, 1},
        {"{\"a\": 1}\n{\"b\": \"x\"}\n\n", MLODA_OK, NULL, 2, 2},
        {"{\"a\": 1}{\"a\": 2}\n", MLODA_ERR_PARSE, "a second JSON object on the same line", 0, 0},
        {"{\"a\": 1, \"a\": 2}\n", MLODA_ERR_PARSE, "key 'a' appears twice in one row", 0, 0},
        {"{\"a\\u0000b\": 1}\n", MLODA_ERR_PARSE, "a key holds a NUL character", 0, 0},
        {"[1]\n", MLODA_ERR_PARSE, "each line of an NDJSON source is one JSON object", 0, 0},
        {"{\"a\": [1, null]}\n", MLODA_ERR_TYPE, "null inside a list", 0, 0},
        {"{\"a\": [1, true]}\n", MLODA_ERR_TYPE, "inside a list", 0, 0},
        {"   \n\n", MLODA_OK, NULL, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s", cases[i].text);
        io_json_rows r;
        mloda_error err = MLODA_ERROR_INIT;
        const mloda_status st = read_rows(cases[i].text, true, &r, &err);
        CHECK_MSG(st == cases[i].st, "%s: %s", mloda_status_name(st), err.message);
        if (cases[i].words != NULL)
            CHECK_CONTAINS(err.message, cases[i].words);
        if (st == MLODA_OK) {
            CHECK_EQ_INT(r.n_rows, cases[i].rows);
            mloda_column *cols[8] = {NULL};
            CHECK_OK(mloda_io_json_rows_finish(&r, cols, &err), err);
            int64_t readable = 0;
            for (int64_t k = 0; k < r.n_slots; k++) {
                readable += cols[k] != NULL;
                mloda_column_release(cols[k]);
            }
            CHECK_EQ_INT(readable, cases[i].readable);
        }
        mloda_io_json_rows_reset(&r);
    }
    /* a fixed column list: other keys skipped whatever their shape, a repeated column refused */
    io_json_rows r;
    mloda_io_json_rows_init(&r, "rows.ndjson", "R", "the sample", false);
    mloda_error err = MLODA_ERROR_INIT;
    const io_coltype f64 = {MLODA_TYPE_FLOAT64, 0, MLODA_TIME_MICRO};
    CHECK_OK(mloda_io_json_rows_add_column(&r, "a", &f64, &err), err);
    CHECK_EQ_INT(mloda_io_json_rows_add_column(&r, "a", &f64, &err), MLODA_ERR_DUPLICATE);
    mloda_io_json_rows_reset(&r);
    mloda_error_reset(&err);
    CHECK_EQ_INT(read_rows("{\"a\": {\"x\": 1}}\n", false, &r, &err), MLODA_OK); /* no columns */
    mloda_io_json_rows_reset(&r);
}

int main(void)
{
    RUN(test_escapes_either_case);
    RUN(test_api_data_shapes);
    RUN(test_parser_after_reset);
    RUN(test_error_prefix);
    RUN(test_ndjson_rows);
    return TEST_SUMMARY();
}
