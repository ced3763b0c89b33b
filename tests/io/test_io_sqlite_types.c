/*
 * test_io_sqlite_types.c: the SQLite data source's column types (SPEC.md §8, SQLite's
 * affinity rules of sqlite.org/datatype3.html): every declared type family, columns
 * without a declared type typed by their values (integers, reals, text, BLOBs, nulls),
 * stated types, and the message for a missing table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mloda/io.h"
#include "test.h"

static char db[256];

static void make_db(void)
{
    (void)snprintf(db, sizeof db, "/tmp/mloda_sqltypes_%d.db", (int)getpid());
    char cmd[2000];
    (void)snprintf(cmd, sizeof cmd,
                   "rm -f '%s'; sqlite3 '%s' \"create table t("
                   "b BOOLEAN, i INTEGER, bi BIGINT, v VARCHAR(10), c CLOB, tx TEXT, bl BLOB,"
                   " r REAL, f FLOAT, d DOUBLE PRECISION, dt DATE, ts DATETIME, n NUMERIC,"
                   " dec DECIMAL(10,2), u_int, u_mix, u_text, u_blob, u_null, u_late);"
                   " insert into t values (1, 2, 3, 'a', 'b', 'c', x'00', 1.5, 2.5, 3.5,"
                   " '2024-01-01', '2024-01-01T10:00:00', 7, 8.25, 1, 1, 'x', x'01', null, 1);"
                   " insert into t values (0, null, null, null, null, null, null, null, null,"
                   " null, null, null, null, null, 2, 2.5, 'y', x'02', null, 'late text');"
                   " create table other(a); create view tv as select 1 as a;\"",
                   db, db);
    CHECK(system(cmd) == 0);
}

static const struct {
    const char *column;
    mloda_type type; /* MLODA_TYPE_INVALID: left out of the schema */
} expected[] = {
    {"b", MLODA_TYPE_BOOL},         {"i", MLODA_TYPE_INT64},       {"bi", MLODA_TYPE_INT64},
    {"v", MLODA_TYPE_UTF8},         {"c", MLODA_TYPE_UTF8},        {"tx", MLODA_TYPE_UTF8},
    {"bl", MLODA_TYPE_INVALID},     {"r", MLODA_TYPE_FLOAT64},     {"f", MLODA_TYPE_FLOAT64},
    {"d", MLODA_TYPE_FLOAT64},      {"dt", MLODA_TYPE_TIMESTAMP},  {"ts", MLODA_TYPE_TIMESTAMP},
    {"n", MLODA_TYPE_FLOAT64},      {"dec", MLODA_TYPE_FLOAT64},   {"u_int", MLODA_TYPE_INT64},
    {"u_mix", MLODA_TYPE_INT64}, /* 2.5 is in row 2 */  {"u_text", MLODA_TYPE_UTF8},   {"u_blob", MLODA_TYPE_INVALID},
    {"u_null", MLODA_TYPE_FLOAT64}, {"u_late", MLODA_TYPE_INT64},
};

static void test_declared_and_sampled_types(void)
{
    /* infer_rows 1: u_late's text is in row 2, beyond the sample */
    const mloda_source_options o = {.struct_size = sizeof o, .abi_version = MLODA_SOURCE_OPTIONS_ABI,
                                    .infer_rows = 1};
    mloda_source_provider p;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_source_init_sqlite(db, "t", NULL, &o, &p, &err), err);
    mloda_table *schema = NULL;
    CHECK_OK(p.schema(p.user_data, &schema, &err), err);
    for (size_t i = 0; schema != NULL && i < sizeof expected / sizeof expected[0]; i++) {
        TEST_CASE("%s", expected[i].column);
        const int64_t k = mloda_table_column_index(schema, expected[i].column);
        if (expected[i].type == MLODA_TYPE_INVALID) {
            CHECK(k < 0);
            continue;
        }
        CHECK(k >= 0);
        if (k >= 0)
            CHECK_EQ_INT(mloda_column_type(mloda_table_column(schema, k)), expected[i].type);
    }
    mloda_table_release(schema);
    /* reading u_late as the sample typed it fails on row 2, naming it without the value */
    const char *late[] = {"u_late"};
    mloda_table *t = NULL;
    CHECK_EQ_INT(p.read(p.user_data, 1, late, &t, &err), MLODA_ERR_TYPE);
    CHECK_CONTAINS(err.message, "column 'u_late', row 1");
    CHECK(strstr(err.message, "late text") == NULL);
    /* a BLOB column cannot be requested */
    const char *blob[] = {"bl"};
    mloda_error_reset(&err);
    CHECK_EQ_INT(p.read(p.user_data, 1, blob, &t, &err), MLODA_ERR_SCHEMA);
    /* values of the declared types */
    const char *cols[] = {"b", "i", "v", "dt", "dec"};
    mloda_error_reset(&err);
    CHECK_OK(p.read(p.user_data, 5, cols, &t, &err), err);
    if (t != NULL) {
        CHECK_EQ_INT(mloda_table_n_rows(t), 2);
        CHECK(mloda_column_bool_at(mloda_table_column(t, 0), 0));
        CHECK_EQ_INT(mloda_column_int64(mloda_table_column(t, 1))[0], 2);
        CHECK(!mloda_column_is_valid(mloda_table_column(t, 1), 1));
        CHECK_EQ_INT(mloda_column_int64(mloda_table_column(t, 3))[0], 1704067200000000LL);
        CHECK(mloda_column_float64(mloda_table_column(t, 4))[0] == 8.25);
    }
    mloda_table_release(t);
    mloda_source_reset(&p);
    /* every row sampled: u_late is text */
    const mloda_source_options all = {.struct_size = sizeof all,
                                      .abi_version = MLODA_SOURCE_OPTIONS_ABI, .infer_rows = -1};
    CHECK_OK(mloda_source_init_sqlite(db, "t", "T2", &all, &p, &err), err);
    CHECK_OK(p.schema(p.user_data, &schema, &err), err);
    const int64_t k = schema != NULL ? mloda_table_column_index(schema, "u_late") : -1;
    CHECK(k >= 0 && mloda_column_type(mloda_table_column(schema, k)) == MLODA_TYPE_UTF8);
    const int64_t m = schema != NULL ? mloda_table_column_index(schema, "u_mix") : -1;
    CHECK(m >= 0 && mloda_column_type(mloda_table_column(schema, m)) == MLODA_TYPE_FLOAT64);
    mloda_table_release(schema);
    mloda_source_reset(&p);
}

static void test_stated_types(void)
{
    const mloda_source_column_type types[] = {{"u_mix", MLODA_TYPE_UTF8, 0},
                                              {"nope", MLODA_TYPE_INT64, 0}};
    const mloda_source_options o = {.struct_size = sizeof o, .abi_version = MLODA_SOURCE_OPTIONS_ABI,
                                    .types = types, .n_types = 1};
    mloda_source_provider p;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_source_init_sqlite(db, "t", NULL, &o, &p, &err), err);
    mloda_table *schema = NULL;
    CHECK_OK(p.schema(p.user_data, &schema, &err), err);
    const int64_t k = schema != NULL ? mloda_table_column_index(schema, "u_mix") : -1;
    CHECK(k >= 0 && mloda_column_type(mloda_table_column(schema, k)) == MLODA_TYPE_UTF8);
    mloda_table_release(schema);
    mloda_source_reset(&p);
    /* a stated type for a column the table lacks */
    const mloda_source_options bad = {.struct_size = sizeof bad,
                                      .abi_version = MLODA_SOURCE_OPTIONS_ABI, .types = types + 1,
                                      .n_types = 1};
    CHECK_OK(mloda_source_init_sqlite(db, "t", NULL, &bad, &p, &err), err);
    CHECK_EQ_INT(p.schema(p.user_data, &schema, &err), MLODA_ERR_SCHEMA);
    CHECK_CONTAINS(err.message, "nope");
    mloda_source_reset(&p);
}

static void test_missing_table(void)
{
    static const struct {
        const char *table, *words;
    } cases[] = {
        {"othr", "has no table 'othr'; did you mean 'other'? (tables: other, t, tv)"},
        {"zzzzzzzz", "has no table 'zzzzzzzz' (tables: other, t, tv)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s", cases[i].table);
        mloda_source_provider p;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(mloda_source_init_sqlite(db, cases[i].table, NULL, NULL, &p, &err), err);
        mloda_table *schema = NULL;
        CHECK_EQ_INT(p.schema(p.user_data, &schema, &err), MLODA_ERR_SCHEMA);
        CHECK_CONTAINS(err.message, cases[i].words);
        mloda_source_reset(&p);
    }
    /* a view reads like a table */
    mloda_source_provider p;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_source_init_sqlite(db, "tv", NULL, NULL, &p, &err), err);
    mloda_table *t = NULL;
    const char *a[] = {"a"};
    CHECK_OK(p.read(p.user_data, 1, a, &t, &err), err);
    CHECK(t != NULL && mloda_column_int64(mloda_table_column(t, 0))[0] == 1);
    mloda_table_release(t);
    mloda_source_reset(&p);
    /* a file that is not a database */
    char notdb[300];
    (void)snprintf(notdb, sizeof notdb, "%s.txt", db);
    FILE *f = fopen(notdb, "w");
    CHECK(f != NULL);
    if (f != NULL) {
        (void)fputs("this is not a database, it is text that is long enough to look like one\n", f);
        (void)fclose(f);
    }
    CHECK_OK(mloda_source_init_sqlite(notdb, "t", NULL, NULL, &p, &err), err);
    mloda_table *schema = NULL;
    CHECK_EQ_INT(p.schema(p.user_data, &schema, &err), MLODA_ERR_IO);
    mloda_source_reset(&p);
    (void)unlink(notdb);
}

int main(void)
{
    make_db();
    RUN(test_declared_and_sampled_types);
    RUN(test_stated_types);
    RUN(test_missing_table);
    (void)unlink(db);
    return TEST_SUMMARY();
}
