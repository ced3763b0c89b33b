/*
 * test_explain_nomem.c: mloda_session_plan under allocation failure at every point where
 * its text grows (STYLE.md §10). The plan text grows only when it crosses its buffer's
 * capacity, so the same plan is explained with table names of every length from 1 to 300
 * bytes, which moves the growth point across every piece of the text; each failure must
 * be MLODA_ERR_NOMEM with no text, and without one the text names the table.
 */
#include <stdio.h>
#include <string.h>

#include "io/io.h"
#include "test.h"
#include "util/alloc.h"

static void test_plan_text_every_growth_point(void)
{
    for (int len = 1; len <= 300; len++) {
        char table[301];
        memset(table, 'T', (size_t)len);
        table[len] = '\0';
        char text[2048];
        (void)snprintf(text, sizeof text,
                       "{\"features\": [\"v\", \"v__sum_aggr\", \"s__label_encoded\","
                       " {\"name\": \"m\", \"options\": {\"group\": {\"aggregation_type\": \"max\"},"
                       " \"context\": {\"in_features\": \"v\"}}}, \"a&c__manhattan_distance\"],"
                       " \"api_data\": {\"%s\": {\"v\": [1, 2], \"s\": [\"x\", \"y\"], \"k\": [1, 2],"
                       " \"a\": [[0, 0], [1, 1]]}, \"C\": {\"k2\": [1, 2], \"c\": [[2, 2], [3, 3]]}},"
                       " \"filters\": [{\"column\": \"v\", \"type\": \"min\", \"params\": {\"value\": 0}}],"
                       " \"links\": [{\"type\": \"left\", \"left\": {\"table\": \"%s\", \"on\": \"k\"},"
                       " \"right\": {\"table\": \"C\", \"on\": \"k2\"}}]}",
                       table, table);
        io_request r;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(mloda_io_request_parse(text, strlen(text), "req", &r, &err), err);
        mloda_registry *reg = mloda_registry_default();
        mloda_session *s = NULL;
        CHECK_OK(mloda_prepare(reg, r.request, r.api_data, &s, &err), err);
        for (int f = 0; s != NULL && f < 2; f++) {
            for (long n = 0;; n++) {
                char *plan = NULL;
                mloda_error_reset(&err);
                mloda_test_fail_alloc_at(n);
                const mloda_status st =
                    mloda_session_plan(s, f == 0 ? MLODA_PLAN_TEXT : MLODA_PLAN_JSON, &plan, &err);
                const bool injected = mloda_test_alloc_failed();
                mloda_test_fail_alloc_at(-1);
                TEST_CASE("table name of %d bytes, format %d, allocation %ld", len, f, n);
                if (injected) {
                    CHECK_EQ_INT(st, MLODA_ERR_NOMEM);
                    CHECK(plan == NULL);
                } else {
                    CHECK_OK(st, err);
                    CHECK(plan != NULL && strstr(plan, table) != NULL);
                }
                mloda_string_free(plan);
                if (!injected)
                    break;
            }
        }
        mloda_session_free(s);
        mloda_registry_free(reg);
        mloda_io_request_reset(&r);
    }
}

int main(void)
{
    RUN(test_plan_text_every_growth_point);
    return TEST_SUMMARY();
}
