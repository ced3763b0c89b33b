/*
 * test_mv_matrix.c: missing-value imputation (SPEC.md §6.2) on every column type with
 * each method, grouped by one, two and seventeen keys of several types (a null key is a
 * group of its own; a group of only nulls falls back to the whole column), and the
 * refusals named in the plan. Expected values worked out by hand from the table below
 * (mode ties take the smallest value; bfill leaves trailing nulls).
 */
#include <stdio.h>
#include <string.h>

#include "io/io.h"
#include "test.h"

static const char DATA[] =
    "{\"T\": {\"v\": [1.5, null, 3.0, null], \"i\": [1, null, 3, null],"
    " \"s\": [\"a\", null, \"b\", null], \"b\": [true, null, false, null],"
    " \"t\": [\"2024-01-01T00:00:00\", null, \"2024-01-03T00:00:00\", null],"
    " \"g\": [\"x\", \"x\", \"y\", \"y\"], \"h\": [1, 1, 2, 2], \"p\": [[1, 2], null, [3, 4], null]}}";

static const struct {
    const char *options, *want, *msg;
} cases[] = {
    {"{\"imputation_method\": \"constant\", \"constant_value\": 0, \"in_features\": \"v\"}", "[1.5, 0.0, 3.0, 0.0]", NULL},
    {"{\"imputation_method\": \"constant\", \"constant_value\": 7, \"in_features\": \"i\"}", "[1, 7, 3, 7]", NULL},
    {"{\"imputation_method\": \"constant\", \"constant_value\": \"z\", \"in_features\": \"s\"}", "[\"a\", \"z\", \"b\", \"z\"]", NULL},
    {"{\"imputation_method\": \"constant\", \"constant_value\": true, \"in_features\": \"b\"}", "[true, true, false, true]", NULL},
    {"{\"imputation_method\": \"constant\", \"constant_value\": 2.5, \"in_features\": \"i\"}", "[1.0, 2.5, 3.0, 2.5]", NULL},
    {"{\"imputation_method\": \"constant\", \"constant_value\": \"z\", \"in_features\": \"v\"}", NULL, "constant_value is a string, which does not fit float64 column 'v'"},
    {"{\"imputation_method\": \"constant\", \"in_features\": \"v\"}", NULL, "imputation method 'constant' needs option constant_value (the value to"},
    {"{\"imputation_method\": \"constant\", \"constant_value\": 1, \"in_features\": \"s\"}", NULL, "constant_value is an integer, which does not fit utf8 column 's'"},
    {"{\"imputation_method\": \"mode\", \"in_features\": \"s\"}", "[\"a\", \"a\", \"b\", \"a\"]", NULL},
    {"{\"imputation_method\": \"mode\", \"in_features\": \"b\"}", "[true, false, false, false]", NULL},
    {"{\"imputation_method\": \"mean\", \"in_features\": \"s\"}", NULL, "cannot impute the mean of utf8 column 's' (mode, ffill, bfill and cons"},
    {"{\"imputation_method\": \"ffill\", \"in_features\": \"t\"}", "[\"2024-01-01T00:00:00\", \"2024-01-01T00:00:00\", \"2024-01-03T00:00:00\", \"2024-01-03T00:00:00\"]", NULL},
    {"{\"imputation_method\": \"bfill\", \"in_features\": \"s\"}", "[\"a\", \"b\", \"b\", null]", NULL},
    {"{\"imputation_method\": \"mean\", \"in_features\": \"p\"}", NULL, "cannot impute the mean of float64_list column 'p' (ffill and bfill wor"},
    {"{\"imputation_method\": \"mean\", \"in_features\": \"v\", \"group_by_features\": [\"g\"]}", "[1.5, 1.5, 3.0, 3.0]", NULL},
    {"{\"imputation_method\": \"mean\", \"in_features\": \"v\", \"group_by_features\": \"h\"}", "[1.5, 1.5, 3.0, 3.0]", NULL},
    {"{\"imputation_method\": \"mode\", \"in_features\": \"s\", \"group_by_features\": [\"g\", \"h\"]}", "[\"a\", \"a\", \"b\", \"b\"]", NULL},
    {"{\"imputation_method\": \"mean\", \"in_features\": \"v\", \"group_by_features\": [\"\"]}", NULL, "group_by_features item 0 is not a column name"},
    {"{\"imputation_method\": \"mean\", \"in_features\": \"v\", \"group_by_features\": 3}", NULL, "option group_by_features must be a column name or a list of names"},
    {"{\"imputation_method\": \"mean\", \"in_features\": \"v\", \"group_by_features\": [\"p\"]}", NULL, "cannot group by float64_list column 'p'"},
    {"{\"imputation_method\": \"ffill\", \"in_features\": \"i\", \"group_by_features\": [\"g\"]}", "[1, 1, 3, 3]", NULL},
    {"{\"imputation_method\": \"median\", \"in_features\": \"i\", \"group_by_features\": [\"b\"]}", "[1.0, 2.0, 3.0, 2.0]", NULL},
    {"{\"imputation_method\": \"mean\", \"in_features\": \"v\", \"group_by_features\": [\"g\", \"h\", \"g\", \"h\", \"g\", \"h\", \"g\", \"h\", \"g\", \"h\", \"g\", \"h\", \"g\", \"h\", \"g\", \"h\", \"g\"]}", "[1.5, 1.5, 3.0, 3.0]", NULL},
    {"{\"imputation_method\": \"mean\", \"in_features\": \"v\", \"group_by_features\": \"\"}", NULL, "option group_by_features is an empty name"},
    {"{\"imputation_method\": \"constant\", \"constant_value\": 0, \"in_features\": \"v\", \"group_by_features\": [\"t\"]}", "[1.5, 0.0, 3.0, 0.0]", NULL},
    {"{\"imputation_method\": \"bfill\", \"in_features\": \"b\", \"group_by_features\": [\"t\"]}", "[true, null, false, null]", NULL},
};

static void test_imputation(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s", cases[i].options);
        char text[2048];
        (void)snprintf(text, sizeof text,
                       "{\"features\": [{\"name\": \"f\", \"options\": %s}], \"api_data\": %s}",
                       cases[i].options, DATA);
        io_request r;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(mloda_io_request_parse(text, strlen(text), "req", &r, &err), err);
        mloda_registry *reg = mloda_registry_default();
        mloda_results *res = NULL;
        const mloda_status st = mloda_run_all(reg, r.request, r.api_data, &res, &err);
        if (cases[i].want == NULL) {
            CHECK(st != MLODA_OK);
            CHECK_CONTAINS(err.message, cases[i].msg);
        } else {
            CHECK_OK(st, err);
            mloda_buf b = {0};
            if (res != NULL)
                CHECK_OK(mloda_io_write_json_table(&b, mloda_results_table(res, 0), -1, false, &err),
                         err);
            char want[300];
            (void)snprintf(want, sizeof want, "\"f\": %s}}", cases[i].want);
            CHECK(b.data != NULL && strstr(b.data, want) != NULL);
            mloda_buf_reset(&b);
        }
        mloda_results_free(res);
        mloda_registry_free(reg);
        mloda_io_request_reset(&r);
    }
}

int main(void)
{
    RUN(test_imputation);
    return TEST_SUMMARY();
}
