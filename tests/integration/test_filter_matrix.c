/*
 * test_filter_matrix.c: every filter type on every column type it takes (SPEC.md §7.3),
 * with inclusive and exclusive bounds, integer bounds on float columns and float bounds on
 * integer ones, text order, regexes on the text form of non-text columns, time ranges, and
 * the plan-time refusals. Each case is run three ways, which take the engine's three paths:
 * the table with nulls (a keep mask), the same rows without the null row (the selection
 * fast path), and with a second filter that keeps every row (the mask with several
 * filters). The expected rows were worked out by hand from the table below.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/io.h"
#include "test.h"

/* Row 2 is null in every column. */
static const char DATA[] =
    "{\"T\": {\"i\": [5, -3, null, 10, 0, 7], \"f\": [1.5, 3.0, null, -2.0, 10.0, 7.0],"
    " \"b\": [true, false, null, true, false, true],"
    " \"s\": [\"apple\", \"Banana\", null, \"cherry\", \"\", \"apple pie\"],"
    " \"t\": [\"2024-01-01T00:00:00\", \"2024-01-02T00:00:00\", null, \"2024-02-01T00:00:00\","
    " \"2023-12-31T23:59:59\", \"2024-01-01T12:00:00\"]}}";
static const char DATA_NO_NULLS[] =
    "{\"T\": {\"i\": [5, -3, 10, 0, 7], \"f\": [1.5, 3.0, -2.0, 10.0, 7.0],"
    " \"b\": [true, false, true, false, true],"
    " \"s\": [\"apple\", \"Banana\", \"cherry\", \"\", \"apple pie\"],"
    " \"t\": [\"2024-01-01T00:00:00\", \"2024-01-02T00:00:00\", \"2024-02-01T00:00:00\","
    " \"2023-12-31T23:59:59\", \"2024-01-01T12:00:00\"]}}";

static const struct {
    const char *column, *type, *params;
    bool ok;
    const char *rows; /* kept row ids of DATA, comma-separated */
    const char *msg;  /* ok == false: in the planning error */
} cases[] = {
        {"i", "min", "{\"value\": 0}", true, "0,3,4,5", NULL},
        {"i", "min", "{\"value\": 0.5}", true, "0,3,5", NULL},
        {"i", "max", "{\"value\": 5}", true, "0,1,4", NULL},
        {"i", "max", "{\"max\": 5, \"max_exclusive\": true}", true, "1,4", NULL},
        {"i", "range", "{\"min\": 0, \"max\": 7, \"min_exclusive\": true}", true, "0,5", NULL},
        {"i", "range", "{\"min\": 0, \"max\": 7, \"max_exclusive\": true}", true, "0,4", NULL},
        {"i", "equal", "{\"value\": 10}", true, "3", NULL},
        {"i", "equal", "{\"value\": 10.0}", true, "3", NULL},
        {"i", "equal", "{\"value\": 10.5}", true, "", NULL},
        {"i", "categorical_inclusion", "{\"values\": [5, 7, 99]}", true, "0,5", NULL},
        {"f", "min", "{\"value\": -2}", true, "0,1,3,4,5", NULL},
        {"f", "range", "{\"min\": 1.5, \"max\": 7, \"min_exclusive\": true, \"max_exclusive\": true}", true, "1", NULL},
        {"f", "max", "{\"value\": 2}", true, "0,3", NULL},
        {"f", "equal", "{\"value\": 7}", true, "5", NULL},
        {"f", "categorical_inclusion", "{\"values\": [1.5, 10]}", true, "0,4", NULL},
        {"b", "equal", "{\"value\": true}", true, "0,3,5", NULL},
        {"b", "equal", "{\"value\": false}", true, "1,4", NULL},
        {"b", "categorical_inclusion", "{\"values\": [false]}", true, "1,4", NULL},
        {"s", "equal", "{\"value\": \"apple\"}", true, "0", NULL},
        {"s", "categorical_inclusion", "{\"values\": [\"apple\", \"\", \"x\"]}", true, "0,4", NULL},
        {"s", "min", "{\"value\": \"b\"}", true, "3", NULL},
        {"s", "range", "{\"min\": \"a\", \"max\": \"apple pie\"}", true, "0,5", NULL},
        {"s", "regex", "{\"value\": \"^app\"}", true, "0,5", NULL},
        {"s", "regex", "{\"value\": \"an\"}", true, "1", NULL},
        {"s", "regex", "{\"value\": \"^$\"}", true, "4", NULL},
        {"i", "regex", "{\"value\": \"^1\"}", true, "3", NULL},
        {"f", "regex", "{\"value\": \"\\\\.5$\"}", true, "0", NULL},
        {"b", "regex", "{\"value\": \"^True$\"}", true, "0,3,5", NULL},
        {"t", "regex", "{\"value\": \"2024-01-01\"}", true, "0,5", NULL},
        {"t", "time_range", "{\"from\": \"2024-01-01T00:00:00\", \"to\": \"2024-01-02T00:00:00\"}", true, "0,5", NULL},
        {"t", "time_range", "{\"from\": \"2024-01-01\", \"to\": \"2024-01-02\", \"max_exclusive\": false}", true, "0,1,5", NULL},
        {"t", "time_range", "{\"to\": \"2024-01-01T00:00:00\"}", true, "4", NULL},
        {"t", "min", "{\"value\": \"2024-01-02T00:00:00\"}", true, "1,3", NULL},
        {"t", "equal", "{\"value\": \"2024-02-01T00:00:00\"}", true, "3", NULL},
        {"t", "categorical_inclusion", "{\"values\": [\"2024-01-02T00:00:00\"]}", true, "1", NULL},
        {"t", "max", "{\"value\": \"2024-01-01\"}", true, "0,4", NULL},
        {"i", "min", "{\"value\": \"x\"}", false, NULL, "filter on int64 column 'i': parameter 'value' has a value of another t"},
        {"b", "min", "{\"value\": 1}", false, NULL, "min filter on bool column 'b': use equal or categorical_inclusion"},
        {"i", "time_range", "{\"from\": \"2024-01-01\"}", false, NULL, "time_range filter on int64 column 'i' (a timestamp column is needed)"},
        {"s", "regex", "{\"value\": \"(\"}", false, NULL, "regex filter on 's': pattern '(' is invalid at offset 1: missing closi"},
        {"i", "categorical_inclusion", "{\"values\": []}", true, "", NULL},
        {"i", "range", "{\"min\": 7, \"max\": 0}", true, "", NULL},
        {"nope", "min", "{\"value\": 1}", false, NULL, "filter on unknown column 'nope': no table (api_data or data source) ha"},
        {"i", "min", "{}", false, NULL, "filter on 'i' needs parameter 'value'"},
        {"i", "equal", "{\"value\": null}", false, NULL, "filter on 'i' needs parameter 'value'"},
        {"s", "min", "{\"value\": 1}", false, NULL, "filter on utf8 column 's': parameter 'value' has a value of another ty"},
        {"t", "time_range", "{\"from\": 1704067200000000}", true, "0,1,3,5", NULL},
        {"f", "regex", "{\"value\": \"inf\"}", true, "", NULL},
        {"i", "min", "{\"value\": 1e+300}", true, "", NULL},
        {"i", "max", "{\"value\": -9223372036854775808}", true, "", NULL},
        {"s", "categorical_inclusion", "{\"values\": [1]}", false, NULL, "filter on utf8 column 's': parameter 'values' has a value of another t"},
        {"i", "range", "{\"min\": -3, \"max\": 10}", true, "0,1,3,4,5", NULL},
        {"i", "range", "{\"min\": -3, \"max\": 10, \"min_exclusive\": true, \"max_exclusive\": true}", true, "0,4,5", NULL},
        {"f", "range", "{\"min\": -2, \"max\": 10}", true, "0,1,3,4,5", NULL},
        {"f", "range", "{\"min\": 1.5, \"max\": 10, \"max_exclusive\": true}", true, "0,1,5", NULL},
        {"f", "range", "{\"min\": 1.5, \"max\": 10, \"min_exclusive\": true}", true, "1,4,5", NULL},
        {"f", "range", "{\"min\": -2.5, \"max\": 10.5, \"min_exclusive\": true, \"max_exclusive\": true}", true, "0,1,3,4,5", NULL},
        {"i", "range", "{\"min\": 0.5, \"max\": 7.5}", true, "0,5", NULL},
        {"f", "min", "{\"value\": 3}", true, "1,4,5", NULL},
        {"f", "max", "{\"max\": 3, \"max_exclusive\": true}", true, "0,3", NULL},
};

/* Runs the filter (and `extra`, a second filter or "") on data; the row ids kept. */
static mloda_status run_filter(const char *data, size_t i, const char *extra, char *rows,
                               size_t cap, mloda_error *err)
{
    char text[2048];
    (void)snprintf(text, sizeof text,
                   "{\"features\": [\"rid\"], \"api_data\": %s, \"row_id_column\": \"rid\","
                   " \"filters\": [{\"column\": \"%s\", \"type\": \"%s\", \"params\": %s}%s]}",
                   data, cases[i].column, cases[i].type, cases[i].params, extra);
    io_request r;
    mloda_status st = mloda_io_request_parse(text, strlen(text), "req", &r, err);
    if (st != MLODA_OK)
        return st;
    mloda_registry *reg = mloda_registry_default();
    mloda_results *res = NULL;
    st = mloda_run_all(reg, r.request, r.api_data, &res, err);
    rows[0] = '\0';
    if (st == MLODA_OK) {
        const mloda_column *c = mloda_table_column(mloda_results_table(res, 0), 0);
        size_t len = 0;
        for (int64_t k = 0; k < mloda_column_n_rows(c) && len + 24 < cap; k++)
            len += (size_t)snprintf(rows + len, cap - len, "%s%lld", k > 0 ? "," : "",
                                    (long long)mloda_column_int64(c)[k]);
    }
    mloda_results_free(res);
    mloda_registry_free(reg);
    mloda_io_request_reset(&r);
    return st;
}

/* The ids of DATA's rows as rows of DATA_NO_NULLS (row 2 removed). */
static void without_row_2(const char *rows, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (const char *p = rows; *p != '\0';) {
        char *end = NULL;
        const long v = strtol(p, &end, 10);
        len += (size_t)snprintf(out + len, cap - len, "%s%ld", len > 0 ? "," : "", v > 2 ? v - 1 : v);
        p = *end == ',' ? end + 1 : end;
    }
}

static void test_filters(void)
{
    static const char *const extra = ", {\"column\": \"f\", \"type\": \"min\", \"params\": {\"value\": -100}}";
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int way = 0; way < 3; way++) {
            TEST_CASE("%s %s %s, way %d", cases[i].column, cases[i].type, cases[i].params, way);
            char rows[256], want[256];
            mloda_error err = MLODA_ERROR_INIT;
            const mloda_status st = run_filter(way == 1 ? DATA_NO_NULLS : DATA, i,
                                               way == 2 ? extra : "", rows, sizeof rows, &err);
            if (!cases[i].ok) {
                CHECK(st != MLODA_OK);
                CHECK_CONTAINS(err.message, cases[i].msg);
                continue;
            }
            CHECK_OK(st, err);
            if (way == 1)
                without_row_2(cases[i].rows, want, sizeof want);
            else
                (void)snprintf(want, sizeof want, "%s", cases[i].rows);
            CHECK_STR(rows, want);
        }
    }
}

int main(void)
{
    RUN(test_filters);
    return TEST_SUMMARY();
}
