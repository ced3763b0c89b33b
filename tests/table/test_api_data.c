/* test_api_data.c: named input tables: add, look-up, duplicates, add_columns with errors
 * prefixed by the table name. */
#include <stdint.h>
#include <string.h>

#include "mloda/table.h"
#include "test.h"
#include "util/alloc.h"

static mloda_column *int_col(int64_t n)
{
    static const int64_t v[4] = {10, 20, 30, 40};
    mloda_error err = MLODA_ERROR_INIT;
    mloda_column *c = NULL;
    CHECK_OK(mloda_column_from_int64(n, v, NULL, &c, &err), err);
    return c;
}

static void test_add_and_find(void)
{
    mloda_api_data *a = mloda_api_data_new();
    CHECK(a != NULL);
    mloda_column *c = int_col(3);
    const char *names[] = {"value"};
    const mloda_column *cols[] = {c};
    mloda_error err = MLODA_ERROR_INIT;
    mloda_table *t = NULL;
    CHECK_OK(mloda_table_new(3, 1, names, cols, &t, &err), err);
    static const char *const tables[] = {"SensorData", "Orders", "Customers", "Items", "More"};
    for (int i = 0; i < 5; i++) /* past the first growth */
        CHECK_OK(mloda_api_data_add(a, tables[i], t, &err), err);
    mloda_table_release(t); /* api_data keeps its own reference */
    CHECK_EQ_INT(mloda_api_data_n_tables(a), 5);
    for (int i = 0; i < 5; i++) {
        TEST_CASE("%s", tables[i]);
        CHECK_EQ_INT(mloda_api_data_table_index(a, tables[i]), i);
        CHECK_STR(mloda_api_data_table_name(a, i), tables[i]);
        CHECK(mloda_api_data_table(a, i) == t);
    }
    CHECK_EQ_INT(mloda_api_data_table_index(a, "Nope"), -1);
    CHECK(mloda_api_data_table(a, 5) == NULL);
    CHECK(mloda_api_data_table_name(a, -1) == NULL);
    CHECK_EQ_INT(mloda_column_int64(mloda_table_column(mloda_api_data_table(a, 0), 0))[2], 30);

    /* duplicate table name */
    mloda_error_reset(&err);
    CHECK(mloda_api_data_add(a, "Orders", mloda_api_data_table(a, 0), &err) ==
          MLODA_ERR_DUPLICATE);
    CHECK_STR(err.subject, "Orders");
    CHECK_CONTAINS(err.message, "'Orders'");
    mloda_error_reset(&err);
    CHECK(mloda_api_data_add_columns(a, "Orders", 1, names, cols, &err) == MLODA_ERR_DUPLICATE);
    CHECK_EQ_INT(mloda_api_data_n_tables(a), 5);

    /* bad arguments */
    static const struct {
        const char *name;
        bool with_table;
    } bad[] = {{NULL, true}, {"", true}, {"X", false}};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        TEST_CASE("bad %zu", k);
        mloda_error_reset(&err);
        CHECK(mloda_api_data_add(a, bad[k].name, bad[k].with_table ? mloda_api_data_table(a, 0)
                                                                   : NULL,
                                 &err) == MLODA_ERR_INVALID_ARG);
    }
    mloda_column_release(c);
    mloda_api_data_free(a);
    mloda_api_data_free(NULL);
}

static void test_add_columns(void)
{
    mloda_column *c2 = int_col(2), *c3 = int_col(3);
    static const struct {
        const char *label;
        const char *names[2];
        const char *msg;
        int n;
        int lens[2];
        mloda_status st;
    } cases[] = {
        {"ok", {"price", "units"}, "", 2, {3, 3}, MLODA_OK},
        {"ragged", {"price", "units"},
         "table 'T': column 'units' has 2 rows but column 'price' has 3", 2, {3, 2},
         MLODA_ERR_SCHEMA},
        {"duplicate column", {"price", "price"}, "table 'T': column name 'price' appears twice",
         2, {3, 3}, MLODA_ERR_DUPLICATE},
        {"no columns", {NULL, NULL}, "", 0, {0, 0}, MLODA_OK},
        {"NULL name", {NULL, NULL}, "table 'T': ", 1, {3, 0}, MLODA_ERR_INVALID_ARG},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s", cases[k].label);
        mloda_api_data *a = mloda_api_data_new();
        const mloda_column *cols[2];
        for (int i = 0; i < 2; i++)
            cols[i] = cases[k].lens[i] == 2 ? c2 : c3;
        mloda_error err = MLODA_ERROR_INIT;
        mloda_status st =
            mloda_api_data_add_columns(a, "T", cases[k].n, cases[k].names, cols, &err);
        CHECK_EQ_INT(st, cases[k].st);
        CHECK_CONTAINS(err.message, cases[k].msg);
        if (st == MLODA_OK) {
            const mloda_table *t = mloda_api_data_table(a, 0);
            CHECK_EQ_INT(mloda_table_n_rows(t), cases[k].n > 0 ? 3 : 0);
            CHECK_EQ_INT(mloda_table_n_columns(t), cases[k].n);
        } else {
            CHECK_STR(err.subject, "T");
            CHECK_EQ_INT(mloda_api_data_n_tables(a), 0);
        }
        mloda_api_data_free(a);
    }
    mloda_column_release(c2);
    mloda_column_release(c3);
}

static void test_oom(void)
{
    mloda_column *c = int_col(2);
    const char *names[] = {"v"};
    const mloda_column *cols[] = {c};
    for (long n = 0;; n++) {
        mloda_test_fail_alloc_at(n);
        mloda_error err = MLODA_ERROR_INIT;
        mloda_api_data *a = mloda_api_data_new();
        mloda_status st = a == NULL ? MLODA_ERR_NOMEM : MLODA_OK;
        if (st == MLODA_OK)
            st = mloda_api_data_add_columns(a, "T", 1, names, cols, &err);
        bool injected = mloda_test_alloc_failed();
        mloda_test_fail_alloc_at(-1);
        TEST_CASE("fail at %ld", n);
        CHECK(st == MLODA_OK || st == MLODA_ERR_NOMEM);
        if (st == MLODA_OK)
            CHECK_EQ_INT(mloda_api_data_n_tables(a), 1);
        mloda_api_data_free(a);
        if (!injected)
            break;
    }
    mloda_column_release(c);
}

/*
 * From 16 tables on, names are found through an index (issue 16: a batch of 10^5 tables took
 * minutes to build, each add comparing every name). Every table of 3000 is found, a name
 * never added is not, a duplicate is refused at any position; allocation failures while the
 * index is built or grown leave api_data consistent (the tables added are found, a failed
 * add adds nothing), through every index size.
 */
static void test_many_tables(void)
{
    enum { N = 3000 };
    mloda_column *c = int_col(1);
    mloda_table *t = NULL;
    const char *names[] = {"v"};
    const mloda_column *cols[] = {c};
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_table_new(1, 1, names, cols, &t, &err), err);
    mloda_api_data *a = mloda_api_data_new();
    char name[32];
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "table_%d", i);
        CHECK_OK(mloda_api_data_add(a, name, t, &err), err);
        if (i % 7 == 3) { /* a duplicate of an earlier one */
            snprintf(name, sizeof name, "table_%d", i / 2);
            CHECK_EQ_INT(mloda_api_data_add(a, name, t, &err), MLODA_ERR_DUPLICATE);
        }
    }
    CHECK_EQ_INT(mloda_api_data_n_tables(a), N);
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "table_%d", i);
        CHECK_EQ_INT(mloda_api_data_table_index(a, name), i);
    }
    CHECK_EQ_INT(mloda_api_data_table_index(a, "table_3000"), -1);
    CHECK_EQ_INT(mloda_api_data_table_index(a, "table_"), -1);
    mloda_api_data_free(a);

    /* a failing allocation at every point of 40 adds (the index is built at 16, grows at
     * 32): afterwards exactly the tables whose add succeeded are found */
    for (long n = 0;; n++) {
        a = mloda_api_data_new();
        bool added[40] = {false}, injected = false;
        for (int i = 0; i < 40; i++) {
            snprintf(name, sizeof name, "t%d", i);
            mloda_test_fail_alloc_at(n);
            added[i] = mloda_api_data_add(a, name, t, NULL) == MLODA_OK;
            injected |= mloda_test_alloc_failed();
            mloda_test_fail_alloc_at(-1);
        }
        TEST_CASE("fail at %ld", n);
        for (int i = 0; i < 40; i++) {
            snprintf(name, sizeof name, "t%d", i);
            int64_t at = mloda_api_data_table_index(a, name);
            CHECK(added[i] ? at >= 0 && strcmp(mloda_api_data_table_name(a, at), name) == 0
                           : at == -1);
        }
        mloda_api_data_free(a);
        if (!injected)
            break;
    }
    mloda_table_release(t);
    mloda_column_release(c);
}

int main(void)
{
    RUN(test_add_and_find);
    RUN(test_many_tables);
    RUN(test_add_columns);
    RUN(test_oom);
    return TEST_SUMMARY();
}
