/* test_table.c: tables of named columns: construction, validation messages, look-ups,
 * the feature-group name, reference counting, and allocation failures. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mloda/table.h"
#include "table/table_layer.h"
#include "test.h"
#include "util/alloc.h"

static mloda_column *int_col(int64_t n)
{
    int64_t v[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    mloda_error err = MLODA_ERROR_INIT;
    mloda_column *c = NULL;
    CHECK_OK(mloda_column_from_int64(n, v, NULL, &c, &err), err);
    return c;
}

static void test_new_and_read(void)
{
    mloda_column *a = int_col(3), *b = int_col(3);
    const char *names[] = {"price", "units"};
    const mloda_column *cols[] = {a, b};
    mloda_error err = MLODA_ERROR_INIT;
    mloda_table *t = NULL;
    CHECK_OK(mloda_table_new(3, 2, names, cols, &t, &err), err);
    mloda_column_release(a); /* the table holds its own references */
    mloda_column_release(b);
    CHECK_EQ_INT(mloda_table_n_rows(t), 3);
    CHECK_EQ_INT(mloda_table_n_columns(t), 2);
    CHECK_STR(mloda_table_column_name(t, 0), "price");
    CHECK_STR(mloda_table_column_name(t, 1), "units");
    CHECK(mloda_table_column_name(t, 2) == NULL);
    CHECK(mloda_table_column_name(t, -1) == NULL);
    CHECK(mloda_table_column(t, 1) == b);
    CHECK(mloda_table_column(t, 2) == NULL);
    CHECK_EQ_INT(mloda_column_int64(mloda_table_column(t, 1))[2], 2);
    CHECK_EQ_INT(mloda_table_column_index(t, "units"), 1);
    CHECK_EQ_INT(mloda_table_column_index(t, "price"), 0);
    CHECK_EQ_INT(mloda_table_column_index(t, "nope"), -1);
    CHECK_EQ_INT(mloda_table_column_index(t, NULL), -1);
    CHECK_STR(mloda_table_group_name(t), "");
    CHECK(mloda_table_column_name(t, 0) != names[0]); /* names are copied */
    CHECK(mloda_table_retain(t) == t);
    mloda_table_release(t);
    CHECK_EQ_INT(mloda_table_n_rows(t), 3);
    mloda_table_release(t);
    mloda_table_release(NULL);
    CHECK(mloda_table_retain(NULL) == NULL);
}

static void test_no_columns(void)
{
    mloda_error err = MLODA_ERROR_INIT;
    mloda_table *t = NULL;
    CHECK_OK(mloda_table_new(5, 0, NULL, NULL, &t, &err), err);
    CHECK_EQ_INT(mloda_table_n_rows(t), 5);
    CHECK_EQ_INT(mloda_table_n_columns(t), 0);
    CHECK_EQ_INT(mloda_table_column_index(t, "a"), -1);
    mloda_table_release(t);
}

static void test_grouped(void)
{
    mloda_column *a = int_col(2);
    const char *names[] = {"value__sum_aggr"};
    const mloda_column *cols[] = {a};
    mloda_error err = MLODA_ERROR_INIT;
    mloda_table *t = NULL;
    CHECK_OK(mloda_table_new_grouped("AggregationGroup", 2, 1, names, cols, &t, &err), err);
    CHECK_STR(mloda_table_group_name(t), "AggregationGroup");
    CHECK_STR(mloda_table_column_name(t, 0), "value__sum_aggr");
    mloda_table_release(t);
    CHECK_OK(mloda_table_new_grouped(NULL, 2, 1, names, cols, &t, &err), err);
    CHECK_STR(mloda_table_group_name(t), "");
    mloda_table_release(t);
    mloda_column_release(a);
}

static void test_validation(void)
{
    mloda_column *c2 = int_col(2), *c3 = int_col(3);
    static const struct {
        const char *label;
        int64_t n_rows;
        int n;
        const char *names[3];
        int lens[3]; /* 2 or 3 picks the column; 0 = NULL column */
        mloda_status st;
        const char *subject;
        const char *msg;
    } cases[] = {
        {"ok", 3, 2, {"price", "units"}, {3, 3}, MLODA_OK, "", ""},
        {"ragged", 3, 2, {"price", "units"}, {3, 2}, MLODA_ERR_SCHEMA, "units",
         "column 'units' has 2 rows but column 'price' has 3"},
        {"ragged third", 2, 3, {"a", "b", "c"}, {2, 2, 3}, MLODA_ERR_SCHEMA, "c",
         "column 'c' has 3 rows but column 'a' has 2"},
        {"n_rows differs", 5, 1, {"a"}, {3}, MLODA_ERR_SCHEMA, "a",
         "table has 5 rows but column 'a' has 3"},
        {"duplicate", 3, 3, {"a", "b", "a"}, {3, 3, 3}, MLODA_ERR_DUPLICATE, "a", "'a'"},
        {"empty name", 3, 2, {"a", ""}, {3, 3}, MLODA_ERR_INVALID_ARG, "", "no name"},
        {"NULL name", 3, 2, {"a", NULL}, {3, 3}, MLODA_ERR_INVALID_ARG, "", "no name"},
        {"NULL column", 3, 2, {"a", "b"}, {3, 0}, MLODA_ERR_INVALID_ARG, "b", "NULL"},
        {"negative rows", -1, 0, {NULL}, {0}, MLODA_ERR_INVALID_ARG, "", ""},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s", cases[k].label);
        const mloda_column *cols[3] = {NULL, NULL, NULL};
        for (int i = 0; i < cases[k].n; i++)
            cols[i] = cases[k].lens[i] == 2 ? c2 : cases[k].lens[i] == 3 ? c3 : NULL;
        mloda_error err = MLODA_ERROR_INIT;
        mloda_table *t = (mloda_table *)1;
        mloda_status st =
            mloda_table_new(cases[k].n_rows, cases[k].n, cases[k].names, cols, &t, &err);
        CHECK_EQ_INT(st, cases[k].st);
        CHECK((t != NULL) == (st == MLODA_OK));
        CHECK_EQ_INT(err.code, st);
        CHECK_STR(err.subject, cases[k].subject);
        CHECK_CONTAINS(err.message, cases[k].msg);
        mloda_table_release(t);
    }
    CHECK(mloda_table_new(0, 0, NULL, NULL, NULL, NULL) == MLODA_ERR_INVALID_ARG);
    mloda_column_release(c2);
    mloda_column_release(c3);
}

static void test_many_columns(void)
{
    /* more columns than the pairwise duplicate check handles: the hashed path */
    enum { N = 300 };
    static char name_buf[N][16];
    const char *names[N];
    const mloda_column *cols[N];
    mloda_column *c = int_col(4);
    for (int i = 0; i < N; i++) {
        (void)snprintf(name_buf[i], sizeof name_buf[i], "col%d", i);
        names[i] = name_buf[i];
        cols[i] = c;
    }
    mloda_error err = MLODA_ERROR_INIT;
    mloda_table *t = NULL;
    CHECK_OK(mloda_table_new(4, N, names, cols, &t, &err), err);
    CHECK_EQ_INT(mloda_table_column_index(t, "col299"), 299);
    CHECK_STR(mloda_table_column_name(t, 150), "col150");
    /* wide tables find names through an index (issue 16): every one, and no other */
    for (int i = 0; i < N; i++)
        CHECK_EQ_INT(mloda_table_column_index(t, names[i]), i);
    CHECK_EQ_INT(mloda_table_column_index(t, "col300"), -1);
    CHECK_EQ_INT(mloda_table_column_index(t, "col"), -1);
    CHECK_EQ_INT(mloda_table_column_index(t, ""), -1);
    mloda_table_release(t);
    t = NULL;
    for (long n = 0;; n++) { /* the index's allocation failing: a clean NOMEM */
        mloda_test_fail_alloc_at(n);
        mloda_status st = mloda_table_new(4, N, names, cols, &t, &err);
        bool injected = mloda_test_alloc_failed();
        mloda_test_fail_alloc_at(-1);
        TEST_CASE("wide table, fail at %ld", n);
        CHECK(st == MLODA_OK || (st == MLODA_ERR_NOMEM && t == NULL));
        if (st == MLODA_OK)
            CHECK_EQ_INT(mloda_table_column_index(t, "col123"), 123);
        mloda_table_release(t);
        t = NULL;
        if (!injected)
            break;
    }
    CHECK_OK(mloda_table_new(4, N, names, cols, &t, &err), err);
    mloda_table_release(t);
    names[N - 1] = "col7";
    CHECK(mloda_table_new(4, N, names, cols, &t, &err) == MLODA_ERR_DUPLICATE);
    CHECK_STR(err.subject, "col7");
    CHECK(t == NULL);
    mloda_column_release(c);
}

static void test_one_allocation(void)
{
    mloda_column *a = int_col(3);
    const char *names[] = {"a", "b", "c"};
    const mloda_column *cols[] = {a, a, a};
    mloda_error err = MLODA_ERROR_INIT;
    mloda_table *t = NULL;
    const uint64_t before = mloda_alloc_count();
    CHECK_OK(mloda_table_new_grouped("G", 3, 3, names, cols, &t, &err), err);
    CHECK_EQ_INT(mloda_alloc_count() - before, 1);
    mloda_table_release(t);
    mloda_column_release(a);
}

static void test_oom(void)
{
    mloda_column *a = int_col(3);
    const char *names[] = {"a"};
    const mloda_column *cols[] = {a};
    for (long n = 0;; n++) {
        mloda_test_fail_alloc_at(n);
        mloda_error err = MLODA_ERROR_INIT;
        mloda_table *t = NULL;
        mloda_status st = mloda_table_new(3, 1, names, cols, &t, &err);
        bool injected = mloda_test_alloc_failed();
        mloda_test_fail_alloc_at(-1);
        TEST_CASE("fail at %ld", n);
        CHECK(st == MLODA_OK || (st == MLODA_ERR_NOMEM && t == NULL));
        mloda_table_release(t);
        if (!injected)
            break;
    }
    mloda_column_release(a);
}

int main(void)
{
    RUN(test_new_and_read);
    RUN(test_no_columns);
    RUN(test_grouped);
    RUN(test_validation);
    RUN(test_many_columns);
    RUN(test_one_allocation);
    RUN(test_oom);
    return TEST_SUMMARY();
}
