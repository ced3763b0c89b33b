/*
 * test_agg_matrix.c: every aggregation over every input type it takes (SPEC.md §6.1):
 * bool, int64, timestamp and utf8 columns with a null, and a multi-column source (a
 * one-hot encoding), where the operation runs across the columns of each row. Expected
 * values worked out by hand: s = [b, a, null, b] one-hot is ~0 (a) = [0, 1, null, 0] and
 * ~1 (b) = [1, 0, null, 1]; b = [true, false, null, true]; i = [3, -1, null, 7] (sample
 * variance of 3, -1, 7 is 16).
 */
#include <stdio.h>
#include <string.h>

#include "io/io.h"
#include "test.h"

static const char DATA[] =
    "{\"T\": {\"s\": [\"b\", \"a\", null, \"b\"], \"b\": [true, false, null, true],"
    " \"i\": [3, -1, null, 7], \"t\": [\"2024-01-02T00:00:00\", \"2024-01-01T00:00:00\", null,"
    " \"2024-01-03T00:00:00\"]}}";

static const struct {
    const char *feature, *want; /* want: the ndjson values of the result column */
} cases[] = {
    {"s__onehot_encoded__sum_aggr", "[1.0, 1.0, 0.0, 1.0]"},
    {"s__onehot_encoded__min_aggr", "[0.0, 0.0, null, 0.0]"},
    {"s__onehot_encoded__max_aggr", "[1.0, 1.0, null, 1.0]"},
    {"s__onehot_encoded__mean_aggr", "[0.5, 0.5, null, 0.5]"},
    {"s__onehot_encoded__avg_aggr", "[0.5, 0.5, null, 0.5]"},
    {"s__onehot_encoded__count_aggr", "[2, 2, 0, 2]"},
    {"s__onehot_encoded__std_aggr", "[0.7071067811865476, 0.7071067811865476, null, 0.7071067811865476]"},
    {"s__onehot_encoded__var_aggr", "[0.5, 0.5, null, 0.5]"},
    {"s__onehot_encoded__median_aggr", "[0.5, 0.5, null, 0.5]"},
    {"b__sum_aggr", "[2, 2, 2, 2]"},
    {"b__min_aggr", "[false, false, false, false]"},
    {"b__max_aggr", "[true, true, true, true]"},
    {"b__mean_aggr", "[0.6666666666666666, 0.6666666666666666, 0.6666666666666666, 0.6666666666666666]"},
    {"b__count_aggr", "[3, 3, 3, 3]"},
    {"b__std_aggr", "[0.5773502691896258, 0.5773502691896258, 0.5773502691896258, 0.5773502691896258]"},
    {"b__median_aggr", "[1.0, 1.0, 1.0, 1.0]"},
    {"i__sum_aggr", "[9, 9, 9, 9]"},
    {"i__min_aggr", "[-1, -1, -1, -1]"},
    {"i__max_aggr", "[7, 7, 7, 7]"},
    {"i__avg_aggr", "[3.0, 3.0, 3.0, 3.0]"},
    {"i__std_aggr", "[4.0, 4.0, 4.0, 4.0]"},
    {"i__var_aggr", "[16.0, 16.0, 16.0, 16.0]"},
    {"i__median_aggr", "[3.0, 3.0, 3.0, 3.0]"},
    {"t__min_aggr", "[\"2024-01-01T00:00:00\", \"2024-01-01T00:00:00\", \"2024-01-01T00:00:00\", \"2024-01-01T00:00:00\"]"},
    {"t__max_aggr", "[\"2024-01-03T00:00:00\", \"2024-01-03T00:00:00\", \"2024-01-03T00:00:00\", \"2024-01-03T00:00:00\"]"},
    {"t__count_aggr", "[3, 3, 3, 3]"},
    {"s__min_aggr", "[\"a\", \"a\", \"a\", \"a\"]"},
    {"s__max_aggr", "[\"b\", \"b\", \"b\", \"b\"]"},
    {"s__count_aggr", "[3, 3, 3, 3]"},
};

static void test_aggregations(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s", cases[i].feature);
        char text[1024];
        (void)snprintf(text, sizeof text, "{\"features\": [\"%s\"], \"api_data\": %s}",
                       cases[i].feature, DATA);
        io_request r;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(mloda_io_request_parse(text, strlen(text), "req", &r, &err), err);
        mloda_registry *reg = mloda_registry_default();
        mloda_results *res = NULL;
        CHECK_OK(mloda_run_all(reg, r.request, r.api_data, &res, &err), err);
        if (res != NULL) {
            mloda_buf b = {0};
            CHECK_OK(mloda_io_write_json_table(&b, mloda_results_table(res, 0), -1, false, &err), err);
            char want[600];
            (void)snprintf(want, sizeof want, "\"%s\": %s}}", cases[i].feature, cases[i].want);
            CHECK_CONTAINS(b.data, want);
            mloda_buf_reset(&b);
        }
        mloda_results_free(res);
        mloda_registry_free(reg);
        mloda_io_request_reset(&r);
    }
}

/* What an aggregation refuses, when the request is planned. */
static void test_refusals(void)
{
    static const struct {
        const char *feature, *words;
    } bad[] = {
        {"s__sum_aggr", "s__sum_aggr"},
        {"t__sum_aggr", "t__sum_aggr"},
        {"s__mean_aggr", "s__mean_aggr"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        TEST_CASE("%s", bad[i].feature);
        char text[1024];
        (void)snprintf(text, sizeof text, "{\"features\": [\"%s\"], \"api_data\": %s}",
                       bad[i].feature, DATA);
        io_request r;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(mloda_io_request_parse(text, strlen(text), "req", &r, &err), err);
        mloda_registry *reg = mloda_registry_default();
        mloda_results *res = NULL;
        CHECK(mloda_run_all(reg, r.request, r.api_data, &res, &err) != MLODA_OK);
        CHECK_CONTAINS(err.message, bad[i].words);
        mloda_registry_free(reg);
        mloda_io_request_reset(&r);
    }
}

int main(void)
{
    RUN(test_aggregations);
    RUN(test_refusals);
    return TEST_SUMMARY();
}
