/*
 * test_io_writers.c: result tables as JSON objects, CSV blocks and aligned text
 * (src/io/json_writer.c, csv_writer.c, text_writer.c, cell.c): every column type, nulls,
 * NaN, quoting and escaping.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/cell.h"
#include "test.h"

/* A table with one column of every type; row 1 is null everywhere but in "f" (NaN). */
static mloda_table *sample_table(void)
{
    mloda_error err = MLODA_ERROR_INIT;
    const int64_t ints[] = {-9223372036854775807 - 1, 0, 42};
    const double floats[] = {0.1, NAN, 1e300};
    const bool bools[] = {true, false, false};
    const char *strs[] = {"a,\"b\"\n", NULL, ""};
    const int64_t stamps[] = {0, 0, 1500000};
    const double pts[] = {1.5, -2, 0, 0, 3, 4};
    const uint8_t valid[] = {1, 0, 1};
    mloda_column *cols[6] = {NULL};
    mloda_column_from_int64(3, ints, valid, &cols[0], &err);
    mloda_column_from_float64(3, floats, NULL, &cols[1], &err);
    mloda_column_from_bool(3, bools, valid, &cols[2], &err);
    mloda_column_from_utf8(3, strs, &cols[3], &err);
    mloda_column_from_timestamp(MLODA_TIME_MICRO, 3, stamps, valid, &cols[4], &err);
    mloda_column_from_float64_list(2, 3, pts, valid, &cols[5], &err);
    const char *names[] = {"i", "f", "b", "s", "t", "p"};
    mloda_table *t = NULL;
    mloda_table_new(3, 6, names, (const mloda_column *const *)cols, &t, &err);
    for (int k = 0; k < 6; k++)
        mloda_column_release(cols[k]);
    CHECK_OK(err.code, err);
    return t;
}

static void test_json(void)
{
    mloda_table *t = sample_table();
    mloda_buf b = {0};
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_io_write_json_table(&b, t, 7, false, &err), err);
    CHECK_STR(b.data, "{\"batch\": 7, \"group\": \"\", \"columns\": {"
                      "\"i\": [-9223372036854775808, null, 42], "
                      "\"f\": [0.1, null, 1e+300], "
                      "\"b\": [true, null, false], "
                      "\"s\": [\"a,\\\"b\\\"\\n\", null, \"\"], "
                      "\"t\": [\"1970-01-01T00:00:00\", null, \"1970-01-01T00:00:01.500000\"], "
                      "\"p\": [[1.5, -2.0], null, [3.0, 4.0]]}}");
    b.len = 0;
    CHECK_OK(mloda_io_write_json_table(&b, t, -1, true, &err), err);
    CHECK(strncmp(b.data, "  {\n    \"group\": \"\",\n    \"columns\": {\n      \"i\": [", 48) == 0);
    CHECK(strstr(b.data, "\"batch\"") == NULL);
    mloda_buf_reset(&b);
    mloda_table_release(t);
}

/* Issue 15's settled rule: an infinite result (a sum over an infinite input: sums of finite
 * values never overflow, issue 16) is null in JSON, which has no infinity, "inf" in CSV and text, and stays infinite in the
 * binary form (the Arrow export's float64 buffer). A null-typed column writes nulls. */
static void test_infinity_and_null_type(void)
{
    mloda_error err = MLODA_ERROR_INIT;
    const double v[] = {1e308, INFINITY, -1e308};
    mloda_column *cols[2] = {NULL, NULL};
    (void)mloda_column_from_float64(3, v, NULL, &cols[0], &err);
    (void)mloda_column_new_nulls(MLODA_TYPE_NULL, 0, MLODA_TIME_SECOND, 3, &cols[1], &err);
    mloda_api_data *api = mloda_api_data_new();
    const char *names[] = {"v", "gap"};
    CHECK_OK(mloda_api_data_add_columns(api, "T", 2, names, (const mloda_column *const *)cols,
                                        &err),
             err);
    mloda_registry *reg = mloda_registry_default();
    mloda_request *req = mloda_request_new();
    (void)mloda_request_add(req, "v__min_aggr", NULL, NULL);
    (void)mloda_request_add(req, "v__sum_aggr", NULL, NULL); /* inf + finite values: inf */
    (void)mloda_request_add(req, "gap", NULL, NULL);
    mloda_results *res = NULL;
    CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
    const mloda_table *agg = mloda_results_table(res, 1);
    const mloda_table *gap = mloda_results_table(res, 0);
    CHECK(agg != NULL && mloda_table_n_columns(agg) == 2);
    CHECK(gap != NULL && mloda_table_column_index(gap, "gap") == 0);
    mloda_buf b = {0};
    CHECK_OK(mloda_io_write_json_table(&b, agg, -1, false, &err), err);
    CHECK_STR(b.data, "{\"group\": \"AggregatedFeatureGroup\", \"columns\": {"
                      "\"v__min_aggr\": [-1e+308, -1e+308, -1e+308], "
                      "\"v__sum_aggr\": [null, null, null]}}");
    b.len = 0;
    CHECK_OK(mloda_io_write_csv_table(&b, agg, -1, &err), err);
    CHECK_CONTAINS(b.data, "-1e+308,inf\n");
    b.len = 0;
    CHECK_OK(mloda_io_write_text_table(&b, agg, -1, &err), err);
    CHECK_CONTAINS(b.data, "inf");
    b.len = 0;
    CHECK_OK(mloda_io_write_json_table(&b, gap, -1, false, &err), err);
    CHECK_STR(b.data, "{\"group\": \"ApiInputDataFeature\", \"columns\": {"
                      "\"gap\": [null, null, null]}}");
    b.len = 0;
    CHECK_OK(mloda_io_write_csv_table(&b, gap, -1, &err), err);
    CHECK_STR(b.data, "gap\n\n\n\n");
    mloda_buf_reset(&b);
    struct ArrowArray a;
    struct ArrowSchema s;
    CHECK_OK(mloda_table_export(agg, &a, &s, &err), err);
    const double *sums = a.children[1]->buffers[1];
    CHECK(isinf(sums[0]) && sums[0] > 0 && isinf(sums[2]));
    CHECK_EQ_INT(a.children[1]->null_count, 0);
    a.release(&a);
    s.release(&s);
    mloda_results_free(res);
    mloda_request_free(req);
    mloda_registry_free(reg);
    mloda_api_data_free(api);
    mloda_column_release(cols[0]);
    mloda_column_release(cols[1]);
}

static void test_json_error(void)
{
    mloda_buf b = {0};
    mloda_error err = MLODA_ERROR_INIT;
    mloda_error e = MLODA_ERROR_INIT;
    mloda_error_set(&e, MLODA_ERR_SCHEMA, "amount", "table 'T' has no column \"amount\" \xc3");
    CHECK_OK(mloda_io_write_json_error(&b, 2, &e, &err), err);
    CHECK_STR(b.data, "{\"batch\": 2, \"error\": {\"code\": \"MLODA_ERR_SCHEMA\", \"message\": "
                      "\"table 'T' has no column \\\"amount\\\" ?\", \"feature\": \"amount\"}}");
    b.len = 0;
    mloda_error none = MLODA_ERROR_INIT;
    mloda_error_set(&none, MLODA_ERR_PARSE, NULL, "bad");
    CHECK_OK(mloda_io_write_json_error(&b, 0, &none, &err), err);
    CHECK_CONTAINS(b.data, "\"feature\": null}}");
    mloda_buf_reset(&b);
}

static void test_csv(void)
{
    mloda_table *t = sample_table();
    mloda_buf b = {0};
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_io_write_csv_table(&b, t, -1, &err), err);
    CHECK_STR(b.data, "i,f,b,s,t,p\n"
                      "-9223372036854775808,0.1,true,\"a,\"\"b\"\"\n\",1970-01-01T00:00:00,\"[1.5, -2.0]\"\n"
                      ",NaN,,,,\n"
                      "42,1e+300,false,\"\",1970-01-01T00:00:01.500000,\"[3.0, 4.0]\"\n");
    b.len = 0;
    CHECK_OK(mloda_io_write_csv_table(&b, t, 3, &err), err);
    CHECK(strncmp(b.data, "batch,i,f", 9) == 0);
    CHECK_CONTAINS(b.data, "\n3,,NaN,,,,\n");
    mloda_buf_reset(&b);
    mloda_table_release(t);
}

static void test_text(void)
{
    mloda_table *t = sample_table();
    mloda_buf b = {0};
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_io_write_text_table(&b, t, 1, &err), err);
    CHECK(strncmp(b.data, "batch 1: table (3 rows)\n", 24) == 0);
    CHECK_CONTAINS(b.data, "                   i       f  b      s");
    CHECK_CONTAINS(b.data, "                null     NaN  null   null");
    mloda_buf_reset(&b);
    mloda_table_release(t);
}

/* A column of empty strings: nothing is ever appended to its text, and every writer
 * still lays it out (the fuzz_io_batches reproducer of 2026-12-05). */
static void test_empty_strings(void)
{
    mloda_error err = MLODA_ERROR_INIT;
    const char *strs[] = {"", ""};
    mloda_column *col = NULL;
    CHECK_OK(mloda_column_from_utf8(2, strs, &col, &err), err);
    const char *names[] = {"s"};
    mloda_table *t = NULL;
    CHECK_OK(mloda_table_new(2, 1, names, (const mloda_column *const *)&col, &t, &err), err);
    mloda_column_release(col);
    mloda_buf b = {0};
    CHECK_OK(mloda_io_write_text_table(&b, t, -1, &err), err);
    CHECK_STR(b.data, "table (2 rows)\ns\n-\n\n\n");
    b.len = 0;
    CHECK_OK(mloda_io_write_csv_table(&b, t, -1, &err), err);
    CHECK_STR(b.data, "s\n\"\"\n\"\"\n");
    b.len = 0;
    CHECK_OK(mloda_io_write_json_table(&b, t, -1, false, &err), err);
    CHECK_CONTAINS(b.data, "\"s\": [\"\", \"\"]");
    mloda_buf_reset(&b);
    mloda_table_release(t);
}

static void test_format_names(void)
{
    io_format f;
    CHECK(mloda_io_format_parse("ndjson", &f) && f == IO_FORMAT_NDJSON);
    CHECK(mloda_io_format_parse("json", &f) && f == IO_FORMAT_JSON);
    CHECK(mloda_io_format_parse("csv", &f) && f == IO_FORMAT_CSV);
    CHECK(mloda_io_format_parse("table", &f) && f == IO_FORMAT_TABLE);
    CHECK(!mloda_io_format_parse("xml", &f));
    io_coltype ty;
    char name[32];
    CHECK(mloda_io_coltype_parse("float64_list[3]", &ty) && ty.list_size == 3);
    mloda_io_coltype_name(&ty, name, sizeof name);
    CHECK_STR(name, "float64_list[3]");
    CHECK(mloda_io_coltype_parse("string", &ty) && ty.type == MLODA_TYPE_UTF8);
    CHECK(!mloda_io_coltype_parse("float64_list[0]", &ty));
    CHECK(!mloda_io_coltype_parse("float64_list[2", &ty));
}

/* Shortest round-trip text, laid out as Python's repr. */
static void test_double_text(void)
{
    static const struct {
        double v;
        const char *text;
    } cases[] = {
        {0.0, "0.0"},
        {-0.0, "-0.0"},
        {1.0, "1.0"},
        {100.0, "100.0"},
        {4500000.0, "4500000.0"},
        {0.1, "0.1"},
        {0.0001, "0.0001"},
        {1e-5, "1e-05"},
        {1.5e-7, "1.5e-07"},
        {2.3333333333333335, "2.3333333333333335"},
        {0.15000000000000002, "0.15000000000000002"},
        {1e15, "1000000000000000.0"},
        {1e16, "1e+16"},
        {1.2345678901234568e+20, "1.2345678901234568e+20"},
        {9007199254740992.0, "9007199254740992.0"},
        {-123456.75, "-123456.75"},
        {1.7976931348623157e308, "1.7976931348623157e+308"},
        {5e-324, "5e-324"},
        {2.2250738585072014e-308, "2.2250738585072014e-308"},
        {NAN, "null"},
        {INFINITY, "null"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s", cases[i].text);
        char buf[IO_DOUBLE_TEXT_MAX];
        const size_t n = io_double_text(cases[i].v, buf);
        CHECK_STR(buf, cases[i].text);
        CHECK_EQ_INT(n, strlen(cases[i].text));
    }
    /* every text reads back as the same double */
    uint64_t state = 88172645463325252ULL;
    for (int i = 0; i < 100000; i++) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        double v = 0;
        memcpy(&v, &state, sizeof v);
        if (!isfinite(v))
            continue;
        char buf[IO_DOUBLE_TEXT_MAX];
        io_double_text(v, buf);
        TEST_CASE("%s", buf);
        CHECK(strtod(buf, NULL) == v);
    }
}

int main(void)
{
    RUN(test_double_text);
    RUN(test_json);
    RUN(test_json_error);
    RUN(test_infinity_and_null_type);
    RUN(test_csv);
    RUN(test_text);
    RUN(test_empty_strings);
    RUN(test_format_names);
    return TEST_SUMMARY();
}
