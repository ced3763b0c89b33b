/*
 * test_io_misc.c: small pieces of the formats layer at their edges: column type names,
 * schema look-ups with long and unknown names, batch sources picked by an upper-case
 * extension, blank lines made of tabs and CRs, CSV quoting of every special character,
 * list text without brackets, and SQL identifiers with quotes in them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/column_reader.h"
#include "io/source.h"
#include "io/sql_reader.h"
#include "test.h"

static void test_coltype_names(void)
{
    static const struct {
        const char *name;
        bool ok;
        mloda_type type;
        int32_t list;
    } cases[] = {
        {"int64", true, MLODA_TYPE_INT64, 0},
        {"string", true, MLODA_TYPE_UTF8, 0},
        {"float64_list", true, MLODA_TYPE_FLOAT64_LIST, 0},
        {"float64_list[3]", true, MLODA_TYPE_FLOAT64_LIST, 3},
        {"float64_list[]", false, MLODA_TYPE_INVALID, 0},
        {"float64_list[0]", false, MLODA_TYPE_INVALID, 0},
        {"float64_list[99999999]", false, MLODA_TYPE_INVALID, 0},
        {"float64_list[2]x", false, MLODA_TYPE_INVALID, 0},
        {"float64_list[x]", false, MLODA_TYPE_INVALID, 0},
        {"int", false, MLODA_TYPE_INVALID, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s", cases[i].name);
        io_coltype t;
        memset(&t, 0, sizeof t);
        CHECK(mloda_io_coltype_parse(cases[i].name, &t) == cases[i].ok);
        if (!cases[i].ok)
            continue;
        CHECK_EQ_INT(t.type, cases[i].type);
        CHECK_EQ_INT(t.list_size, cases[i].list);
        char back[48];
        mloda_io_coltype_name(&t, back, sizeof back);
        CHECK_STR(back, cases[i].list > 0 ? cases[i].name
                        : cases[i].type == MLODA_TYPE_UTF8 ? "utf8" : cases[i].name);
    }
}

static void test_schema_lookups(void)
{
    CHECK_EQ_INT(mloda_io_schema_n_columns(NULL, "T"), 0);
    CHECK_EQ_INT(mloda_io_schema_n_tables(NULL), 0);
    CHECK(mloda_io_schema_table(NULL, 0) == NULL);
    CHECK(mloda_io_schema_column(NULL, "T", 0, NULL) == NULL);
    io_coltype t;
    CHECK(!mloda_io_schema_get(NULL, "T", "c", &t));
    io_schema *s = mloda_io_schema_new();
    mloda_error err = MLODA_ERROR_INIT;
    char table[300], column[300];
    memset(table, 'T', sizeof table - 1);
    table[sizeof table - 1] = '\0';
    memset(column, 'c', sizeof column - 1);
    column[sizeof column - 1] = '\0';
    const io_coltype f64 = {MLODA_TYPE_FLOAT64, 0, MLODA_TIME_MICRO};
    const io_coltype i64 = {MLODA_TYPE_INT64, 0, MLODA_TIME_MICRO};
    CHECK_OK(mloda_io_schema_set(s, table, column, &f64, &err), err);
    CHECK_OK(mloda_io_schema_set(s, "U", "a", &f64, &err), err);
    CHECK_OK(mloda_io_schema_set(s, table, "b", &f64, &err), err);
    CHECK_OK(mloda_io_schema_set(s, table, column, &i64, &err), err); /* replaces */
    CHECK(mloda_io_schema_get(s, table, column, &t) && t.type == MLODA_TYPE_INT64);
    CHECK(!mloda_io_schema_get(s, table, "zz", &t));
    CHECK_EQ_INT(mloda_io_schema_n_tables(s), 2);
    CHECK_STR(mloda_io_schema_table(s, 1), "U");
    CHECK(mloda_io_schema_table(s, 2) == NULL);
    CHECK_EQ_INT(mloda_io_schema_n_columns(s, table), 2);
    CHECK(mloda_io_schema_column(s, table, 2, &t) == NULL);
    CHECK_STR(mloda_io_schema_column(s, table, 1, &t), "b");
    mloda_io_schema_free(s);
    mloda_io_schema_free(NULL);
}

static void test_sources_by_extension(void)
{
    char dir[] = "/tmp/mloda_misc_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char p[300];
    /* a .JSON file is one document (any case), a file without extension is NDJSON, and
     * blank lines of tabs and CRs are no batches */
    (void)snprintf(p, sizeof p, "%s/B.JSON", dir);
    FILE *f = fopen(p, "w");
    CHECK(f != NULL);
    if (f != NULL) {
        (void)fputs("{\"T\":\n {\"a\": [1, 2]}}", f);
        (void)fclose(f);
    }
    io_source *src = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_io_source_open(p, NULL, NULL, &src, &err), err);
    mloda_api_data *a = NULL;
    io_batch_info info;
    CHECK_OK(mloda_io_source_next(src, &a, &info, &err), err);
    CHECK(a != NULL && mloda_table_n_rows(mloda_api_data_table(a, 0)) == 2);
    mloda_api_data_free(a);
    mloda_io_source_free(src);
    (void)snprintf(p, sizeof p, "%s/x", dir);
    f = fopen(p, "w");
    CHECK(f != NULL);
    if (f != NULL) {
        (void)fputs(" \t\r\n{\"T\": {\"a\": [1]}}\r\n\t\n{\"T\": {\"a\": [2]}}", f);
        (void)fclose(f);
    }
    CHECK_OK(mloda_io_source_open(p, NULL, NULL, &src, &err), err);
    int64_t n = 0;
    for (;;) {
        CHECK_OK(mloda_io_source_next(src, &a, &info, &err), err);
        if (a == NULL)
            break;
        n++;
        CHECK_EQ_INT(info.line, n == 1 ? 2 : 4);
        mloda_api_data_free(a);
    }
    CHECK_EQ_INT(n, 2);
    mloda_io_source_free(src);
    char cmd[400];
    (void)snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

static void test_csv_quoting(void)
{
    const char *strs[] = {"plain", " lead", "trail ", "a,b", "q\"q", "l\nf", "c\rr", "", NULL};
    mloda_column *c = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_column_from_utf8(9, strs, &c, &err), err);
    const char *names[] = {"s"};
    mloda_table *t = NULL;
    CHECK_OK(mloda_table_new(9, 1, names, (const mloda_column *const *)&c, &t, &err), err);
    mloda_column_release(c);
    mloda_buf b = {0};
    CHECK_OK(mloda_io_write_csv_table(&b, t, -1, &err), err);
    /* RFC 4180: separators, quotes and line ends quoted, quotes doubled; leading or trailing
     * spaces quoted too; the empty string is "" and null an empty field */
    CHECK_STR(b.data, "s\nplain\n\" lead\"\n\"trail \"\n\"a,b\"\n\"q\"\"q\"\n\"l\nf\"\n"
                      "\"c\rr\"\n\"\"\n\n");
    mloda_buf_reset(&b);
    mloda_table_release(t);
}

static void test_list_text(void)
{
    static const struct {
        const char *text;
        bool ok;
    } cases[] = {
        {"1, 2", true}, {" [1,2] ", true}, {"[1, 2", false}, {"1, 2]", false}, {"[ ]", false},
        {"[1,,2]", false}, {"", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s", cases[i].text);
        const io_coltype l = {MLODA_TYPE_FLOAT64_LIST, 2, MLODA_TIME_MICRO};
        io_column_reader r;
        mloda_io_colreader_init(&r, "T", "p", &l, NULL);
        mloda_error err = MLODA_ERROR_INIT;
        const mloda_status st = mloda_io_colreader_text(&r, cases[i].text, strlen(cases[i].text), &err);
        CHECK((st == MLODA_OK) == cases[i].ok);
        mloda_io_colreader_reset(&r);
    }
}

static void test_sql_quote(void)
{
    mloda_buf b = {0};
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_io_sql_quote(&b, "we\"ird \"\" name", &err), err);
    CHECK_STR(b.data, "\"we\"\"ird \"\"\"\" name\"");
    mloda_buf_reset(&b);
}

int main(void)
{
    RUN(test_coltype_names);
    RUN(test_schema_lookups);
    RUN(test_sources_by_extension);
    RUN(test_csv_quoting);
    RUN(test_list_text);
    RUN(test_sql_quote);
    return TEST_SUMMARY();
}
