/*
 * test_io_oom.c: allocation failure at every point of reading a request and a batch
 * (STYLE.md §10): each injected failure must surface as MLODA_ERR_NOMEM, leave nothing
 * half-built and leak nothing (ASan checks). yajl's own allocations are not injected.
 */
#include <string.h>

#include "io/io.h"
#include "test.h"
#include "util/alloc.h"

static const char REQUEST[] =
    "{\"features\": [\"v\", \"v__sum_aggr\", {\"name\": \"m\", \"options\": {\"aggregation_type\": "
    "\"max\", \"in_features\": [\"v\"], \"k\": 1.5, \"n\": null}}],"
    " \"api_data\": {\"T\": {\"v\": [1, 2.5, null], \"s\": [\"a\", null, \"b\"],"
    " \"t\": [\"2024-01-01T00:00:00\", null, \"2024-01-02T00:00:00\"], \"b\": [true, false, null],"
    " \"p\": [[1, 2], null, [3, 4]], \"big\": [1.00000000000000000000000000000000000000000000000000"
    "00000000000000000000000000000000000000000000000000000000000000000000000000000000001, 2, 3]}},"
    " \"schema\": {\"T\": {\"extra\": \"float64\"}}, \"column_ordering\": \"alphabetical\"}";

static void test_request_walk(void)
{
    long n = 0;
    for (;; n++) {
        mloda_test_fail_alloc_at(n);
        io_request r;
        mloda_error err = MLODA_ERROR_INIT;
        const mloda_status st = mloda_io_request_parse(REQUEST, strlen(REQUEST), "req", &r, &err);
        const bool injected = mloda_test_alloc_failed();
        mloda_test_fail_alloc_at(-1);
        TEST_CASE("allocation %ld: %.200s", n, err.message);
        if (st != MLODA_OK) {
            CHECK_EQ_INT(st, MLODA_ERR_NOMEM);
            CHECK(r.request == NULL && r.api_data == NULL && r.schema == NULL);
        } else {
            CHECK_EQ_INT(mloda_request_n_features(r.request), 3);
            CHECK_EQ_INT(mloda_table_n_columns(mloda_api_data_table(r.api_data, 0)), 6);
        }
        mloda_io_request_reset(&r);
        if (!injected)
            break;
    }
    CHECK(n > 50);
}

/* links, filters, row ids and data sources: sources are only built, not opened, here */
static const char REQUEST_LINKS[] =
    "{\"features\": [\"a&c__euclidean_distance\"],"
    " \"api_data\": {\"A\": {\"k\": [1], \"a\": [[0, 0]]}, \"C\": {\"j\": [1], \"c\": [[1, 1]]}},"
    " \"links\": [{\"type\": \"asof\", \"left\": {\"table\": \"A\", \"on\": [\"k\"]},"
    " \"right\": {\"table\": \"C\", \"on\": \"j\"}, \"params\": {\"direction\": \"forward\","
    " \"tolerance\": 2.5}}],"
    " \"filters\": [{\"column\": \"k\", \"type\": \"categorical_inclusion\","
    " \"params\": {\"values\": [1, 2]}}], \"row_id_column\": \"rid\","
    " \"data_access\": {\"files\": [\"x/customers.csv\", {\"path\": \"e.log\", \"name\": \"E\","
    " \"format\": \"ndjson\"}], \"sqlite\": [{\"path\": \"db.sqlite\", \"table\": \"t\"}]},"
    " \"schema\": {\"customers\": {\"v\": \"float64\"}}}";

static void test_request_links_walk(void)
{
    long n = 0;
    for (;; n++) {
        mloda_test_fail_alloc_at(n);
        io_request r;
        mloda_error err = MLODA_ERROR_INIT;
        const mloda_status st =
            mloda_io_request_parse_in(REQUEST_LINKS, strlen(REQUEST_LINKS), "req", "base", NULL, &r, &err);
        const bool injected = mloda_test_alloc_failed();
        mloda_test_fail_alloc_at(-1);
        TEST_CASE("allocation %ld: %.200s", n, err.message);
        if (st != MLODA_OK) {
            CHECK_EQ_INT(st, MLODA_ERR_NOMEM);
            CHECK(r.request == NULL && r.api_data == NULL && r.schema == NULL);
        } else {
            CHECK_EQ_INT(mloda_request_n_features(r.request), 1);
        }
        mloda_io_request_reset(&r);
        if (!injected)
            break;
    }
    CHECK(n > 50);
}

static void test_batch_walk(void)
{
    io_schema *schema = mloda_io_schema_new();
    const io_coltype f64 = {MLODA_TYPE_FLOAT64, 0, MLODA_TIME_MICRO};
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_io_schema_set(schema, "T", "v", &f64, &err), err);
    const char *batch = "{\"T\": {\"v\": [1, 2, null, 4.5], \"s\": [\"x\", \"y\", null, \"z\"]},"
                        " \"U\": {\"a\": [1, 2]}}";
    long n = 0;
    for (;; n++) {
        mloda_test_fail_alloc_at(n);
        mloda_api_data *a = NULL;
        mloda_error e = MLODA_ERROR_INIT;
        const mloda_status st =
            mloda_io_api_data_parse(batch, strlen(batch), schema, "b", 1, 0, &a, &e);
        const bool injected = mloda_test_alloc_failed();
        mloda_test_fail_alloc_at(-1);
        TEST_CASE("allocation %ld: %.200s", n, e.message);
        if (st != MLODA_OK) {
            CHECK_EQ_INT(st, MLODA_ERR_NOMEM);
            CHECK(a == NULL);
        } else {
            CHECK_EQ_INT(mloda_api_data_n_tables(a), 2);
        }
        mloda_api_data_free(a);
        if (!injected)
            break;
    }
    CHECK(n > 20);
    mloda_io_schema_free(schema);
}

int main(void)
{
    RUN(test_request_walk);
    RUN(test_request_links_walk);
    RUN(test_batch_walk);
    return TEST_SUMMARY();
}
