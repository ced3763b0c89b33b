/*
 * test_io_request.c: request JSON -> io_request (src/io/request_reader.c,
 * request_build.c, options_build.c): features and options, settings, the schema pass, and
 * a clear error for every malformed request.
 */
#include <string.h>

#include "io/io.h"
#include "test.h"

static void test_good_request(void)
{
    const char *text =
        "{\"api_data\": {\"T\": {\"v\": [1, 2], \"at\": [\"2024-01-01\", null]}},\n"
        " \"features\": [\"v\", {\"name\": \"m\", \"options\": {\"aggregation_type\": \"max\","
        " \"in_features\": [\"v\"]}},\n"
        "   {\"name\": \"g\", \"options\": {\"group\": {\"aggregation_type\": \"sum\"},"
        " \"context\": {\"in_features\": \"v\", \"n\": 2, \"x\": 0.5, \"b\": true, \"z\": null}}}],\n"
        " \"column_ordering\": \"alphabetical\",\n"
        " \"schema\": {\"T\": {\"v\": \"float64\", \"at\": \"timestamp\", \"later\": \"float64_list[2]\"}}}";
    io_request r;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_io_request_parse(text, strlen(text), "req.json", &r, &err), err);
    CHECK_EQ_INT(mloda_request_n_features(r.request), 3);
    const mloda_table *t = mloda_api_data_table(r.api_data, 0);
    CHECK_EQ_INT(mloda_column_type(mloda_table_column(t, 0)), MLODA_TYPE_FLOAT64);
    CHECK_EQ_INT(mloda_column_type(mloda_table_column(t, 1)), MLODA_TYPE_TIMESTAMP);
    io_coltype type;
    CHECK(mloda_io_schema_get(r.schema, "T", "later", &type));
    CHECK_EQ_INT(type.type, MLODA_TYPE_FLOAT64_LIST);
    CHECK_EQ_INT(type.list_size, 2);
    CHECK(mloda_io_schema_get(r.schema, "T", "v", &type) && type.type == MLODA_TYPE_FLOAT64);
    CHECK(!mloda_io_schema_get(r.schema, "T", "nope", &type));
    CHECK_EQ_INT(mloda_io_schema_n_tables(r.schema), 1);
    CHECK_EQ_INT(mloda_io_schema_n_columns(r.schema, "T"), 3);
    CHECK_STR(mloda_io_schema_column(r.schema, "T", 2, NULL), "later");

    /* the request plans and computes */
    mloda_registry *reg = mloda_registry_default();
    mloda_results *res = NULL;
    CHECK_OK(mloda_run_all(reg, r.request, r.api_data, &res, &err), err);
    CHECK_EQ_INT(mloda_results_n_tables(res), 3); /* inputs, m, g (group options split) */
    mloda_results_free(res);
    mloda_registry_free(reg);
    mloda_io_request_reset(&r);
    CHECK(r.request == NULL && r.api_data == NULL && r.schema == NULL);
}

static void test_minimal_request(void)
{
    const char *text = "{\"features\": [\"x\"]}";
    io_request r;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_io_request_parse(text, strlen(text), NULL, &r, &err), err);
    CHECK_EQ_INT(mloda_api_data_n_tables(r.api_data), 0);
    mloda_io_request_reset(&r);
}

static void test_bad_requests(void)
{
    static const struct {
        const char *text;
        mloda_status st;
        const char *words;
    } cases[] = {
        {"", MLODA_ERR_PARSE, "is empty"},
        {"  \n ", MLODA_ERR_PARSE, "is empty"},
        {"{\"features\": [\"v\"]", MLODA_ERR_PARSE, "unexpected end of input"},
        {"{\"features\": [\"v\"]} 1", MLODA_ERR_PARSE, "after the end"},
        {"3", MLODA_ERR_PARSE, "a request is a JSON object"},
        {"{}", MLODA_ERR_PARSE, "no \"features\""},
        {"{\"features\": []}", MLODA_ERR_PARSE, "is empty: request at least one"},
        {"{\"features\": {}}", MLODA_ERR_PARSE, "must be an array"},
        {"{\"features\": [1]}", MLODA_ERR_PARSE, "feature 0: expected a non-empty feature name"},
        {"{\"features\": [\"\"]}", MLODA_ERR_PARSE, "feature 0"},
        {"{\"features\": [\"a\\u0000b\"]}", MLODA_ERR_PARSE, "NUL"},
        {"{\"features\": [{\"options\": {}}]}", MLODA_ERR_PARSE, "\"name\" must be a non-empty string"},
        {"{\"features\": [{\"name\": 1}]}", MLODA_ERR_PARSE, "\"name\" must be a non-empty string"},
        {"{\"features\": [{\"name\": \"a\", \"nam\": 1}]}", MLODA_ERR_PARSE, "unknown key 'nam'"},
        {"{\"features\": [{\"name\": \"a\", \"options\": 1}]}", MLODA_ERR_OPTION, "must be an object"},
        {"{\"features\": [{\"name\": \"a\", \"options\": {\"k\": {\"x\": 1}}}]}", MLODA_ERR_OPTION, "option 'k'"},
        {"{\"features\": [{\"name\": \"a\", \"options\": {\"k\": [[1]]}}]}", MLODA_ERR_OPTION, "list items"},
        {"{\"features\": [{\"name\": \"a\", \"options\": {\"k\": 1e999}}]}", MLODA_ERR_RANGE, "out of range"},
        {"{\"features\": [{\"name\": \"a\", \"options\": {\"group\": {\"k\": 1}, \"context\": {\"k\": 2}}}]}", MLODA_ERR_OPTION, "given twice"},
        {"{\"features\": [\"v\"], \"feature\": 1}", MLODA_ERR_PARSE, "unknown key 'feature' in the request (did you mean 'features'?)"},
        {"{\"features\": [\"v\"], \"features\": [\"w\"]}", MLODA_ERR_PARSE, "appears twice"},
        {"{\"features\": [\"v\"], \"column_ordering\": 1}", MLODA_ERR_PARSE, "column_ordering"},
        {"{\"features\": [\"v\"], \"schema\": []}", MLODA_ERR_PARSE, "\"schema\" must be an object"},
        {"{\"features\": [\"v\"], \"schema\": {\"T\": 1}}", MLODA_ERR_PARSE, "schema of table 'T'"},
        {"{\"features\": [\"v\"], \"schema\": {\"T\": {\"c\": \"int\"}}}", MLODA_ERR_PARSE, "expected a type name"},
        {"{\"features\": [\"v\"], \"schema\": {\"T\": {\"c\": \"int64\"}}, \"api_data\": {\"T\": {\"c\": [1.5]}}}", MLODA_ERR_TYPE, "expected int64 (as in the request's \"schema\")"},
        {"{\"features\": [\"v\"], \"api_data\": {\"T\": {\"a\": [1], \"b\": []}}}", MLODA_ERR_SCHEMA, "different lengths"},
        {"{\"features\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}", MLODA_ERR_PARSE, "nest deeper"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s", cases[i].text);
        io_request r;
        mloda_error err = MLODA_ERROR_INIT;
        const mloda_status st = mloda_io_request_parse(cases[i].text, strlen(cases[i].text), "req.json",
                                                 &r, &err);
        CHECK_MSG(st == cases[i].st, "status %s: %s", mloda_status_name(st), err.message);
        CHECK_CONTAINS(err.message, cases[i].words);
        CHECK_CONTAINS(err.message, "req.json");
        CHECK(r.request == NULL && r.api_data == NULL && r.schema == NULL);
    }
}

static void test_read_file_errors(void)
{
    io_request r;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK(mloda_io_request_read_file("/nonexistent/req.json", NULL, &r, &err) == MLODA_ERR_IO);
    CHECK_CONTAINS(err.message, "/nonexistent/req.json");
    mloda_error_reset(&err);
    CHECK(mloda_io_request_read_file("/", NULL, &r, &err) == MLODA_ERR_IO);
}

int main(void)
{
    RUN(test_good_request);
    RUN(test_minimal_request);
    RUN(test_bad_requests);
    RUN(test_read_file_errors);
    return TEST_SUMMARY();
}
