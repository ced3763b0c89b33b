/*
 * test_io_providers.c: the built-in data sources of include/mloda/io.h (CSV, NDJSON,
 * SQLite): schemas inferred or declared, only requested columns read, nulls, stated types,
 * default names, use through a request, and the error for every kind of bad file.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mloda/io.h"
#include "test.h"
#include "util/alloc.h"

static char dir[64];

static const char *path_of(const char *name)
{
    static char buf[4][256];
    static int k;
    k = (k + 1) % 4;
    (void)snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static const char *write_file(const char *name, const char *text)
{
    const char *p = path_of(name);
    FILE *f = fopen(p, "wb");
    if (f != NULL) {
        (void)fputs(text, f);
        (void)fclose(f);
    }
    return p;
}

static void sql_exec(const char *db, const char *sql)
{
    sqlite3 *h = NULL;
    CHECK(sqlite3_open(path_of(db), &h) == SQLITE_OK);
    char *msg = NULL;
    const int rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
    CHECK_MSG(rc == SQLITE_OK, "%s", msg != NULL ? msg : "?");
    sqlite3_free(msg);
    sqlite3_close(h);
}

/* The provider's schema as "name:type,..." (list sizes as type[n]). */
static void schema_text(const mloda_source_provider *p, char *buf, size_t cap,
                        mloda_status *st, mloda_error *err)
{
    mloda_table *t = NULL;
    buf[0] = '\0';
    *st = p->schema(p->user_data, &t, err);
    for (int64_t i = 0; t != NULL && i < mloda_table_n_columns(t); i++) {
        const mloda_column *c = mloda_table_column(t, i);
        size_t len = strlen(buf);
        (void)snprintf(buf + len, cap - len, "%s%s:%s", i > 0 ? "," : "",
                       mloda_table_column_name(t, i), mloda_type_name(mloda_column_type(c)));
        len = strlen(buf);
        if (mloda_column_type(c) == MLODA_TYPE_FLOAT64_LIST)
            (void)snprintf(buf + len, cap - len, "[%d]", (int)mloda_column_list_size(c));
    }
    mloda_table_release(t);
}

/* Row r of a column as text ("null" for nulls). */
static void cell(const mloda_column *c, int64_t r, char *buf, size_t cap)
{
    if (!mloda_column_is_valid(c, r)) {
        (void)snprintf(buf, cap, "null");
        return;
    }
    switch (mloda_column_type(c)) {
    case MLODA_TYPE_INT64:
    case MLODA_TYPE_TIMESTAMP:
        (void)snprintf(buf, cap, "%lld", (long long)mloda_column_int64(c)[r]);
        break;
    case MLODA_TYPE_FLOAT64:
        (void)snprintf(buf, cap, "%g", mloda_column_float64(c)[r]);
        break;
    case MLODA_TYPE_BOOL:
        (void)snprintf(buf, cap, "%s", mloda_column_bool_at(c, r) ? "true" : "false");
        break;
    case MLODA_TYPE_UTF8: {
        int64_t len = 0;
        const char *s = mloda_column_utf8_at(c, r, &len);
        (void)snprintf(buf, cap, "'%.*s'", (int)len, s);
        break;
    }
    case MLODA_TYPE_FLOAT64_LIST:
        (void)snprintf(buf, cap, "[%g %g]", mloda_column_float64(c)[2 * r],
                       mloda_column_float64(c)[2 * r + 1]);
        break;
    default:
        (void)snprintf(buf, cap, "?");
    }
}

/* read(columns) as "col=v|v|v;col=..." */
static void read_text(const mloda_source_provider *p, int64_t n, const char *const *cols,
                      char *buf, size_t cap, mloda_status *st, mloda_error *err)
{
    mloda_table *t = NULL;
    buf[0] = '\0';
    *st = p->read(p->user_data, n, cols, &t, err);
    for (int64_t i = 0; t != NULL && i < mloda_table_n_columns(t); i++) {
        const mloda_column *c = mloda_table_column(t, i);
        size_t len = strlen(buf);
        (void)snprintf(buf + len, cap - len, "%s%s=", i > 0 ? ";" : "",
                       mloda_table_column_name(t, i));
        for (int64_t r = 0; r < mloda_column_n_rows(c); r++) {
            char v[64];
            cell(c, r, v, sizeof v);
            len = strlen(buf);
            (void)snprintf(buf + len, cap - len, "%s%s", r > 0 ? "|" : "", v);
        }
    }
    mloda_table_release(t);
}

enum { CSV, NDJSON, SQLITE };

typedef struct src_case {
    const char *label;
    int kind;
    const char *file;    /* file name (CSV, NDJSON) or database (SQLite) */
    const char *content; /* file text, or SQL that creates the database */
    const char *table;   /* SQLite table */
    int64_t infer_rows;
    const char *stated;  /* "column" stated as float64, or NULL */
    const char *schema;  /* expected schema, or NULL when schema() fails */
    const char *read[3]; /* columns to read */
    const char *rows;    /* expected read text, or NULL when read() fails */
    mloda_status code;   /* the failure's status */
    const char *msg[3];  /* the failure's message parts */
} src_case;

static const src_case cases[] = {
    /* ---- CSV */
    {"csv typed columns and nulls", CSV, "people.csv",
     "id,name,score,ok,at,empty\n1,ann,1.5,true,2024-01-01T00:00:00,\n2,,NA,FALSE,,\n"
     "3,\"c,d\",2,true,2024-01-02 10:00:00,\n",
     NULL, 0, NULL,
     "id:int64,name:utf8,score:float64,ok:bool,at:timestamp,empty:float64",
     {"score", "name", "ok"},
     "score=1.5|null|2;name='ann'|null|'c,d';ok=true|false|true", MLODA_OK, {NULL}},
    {"csv quoted empty string, BOM, CRLF", CSV, "bom.csv",
     "\xEF\xBB\xBFk,s\r\n1,\"\"\r\n2,x\r\n", NULL, 0, NULL, "k:int64,s:utf8", {"s", "k"},
     "s=''|'x';k=1|2", MLODA_OK, {NULL}},
    {"csv only a header", CSV, "header_only.csv", "a,b\n", NULL, 0, NULL, "a:float64,b:float64",
     {"b"}, "b=", MLODA_OK, {NULL}},
    {"csv stated type", CSV, "stated.csv", "v\n1\n2\n", NULL, 0, "v", "v:float64", {"v"},
     "v=1|2", MLODA_OK, {NULL}},
    {"csv a float after the sample", CSV, "late_float.csv", "v,w\n1,a\n2,b\n2.5,c\n", NULL, 2,
     NULL, "v:int64,w:utf8", {"v", "w"}, NULL, MLODA_ERR_TYPE,
     {"late_float.csv: line 4", "column 'v'", "found a float;"}},
    {"csv stated type for a missing column", CSV, "stated_missing.csv", "v\n1\n", NULL, 0, "x",
     NULL, {NULL}, NULL, MLODA_ERR_SCHEMA, {"stated for column 'x'", "stated_missing.csv"}},
    {"csv empty file", CSV, "empty.csv", "", NULL, 0, NULL, NULL, {NULL}, NULL, MLODA_ERR_PARSE,
     {"empty.csv: bad header", "empty"}},
    {"csv repeated column", CSV, "dup.csv", "a,b,a\n1,2,3\n", NULL, 0, NULL, NULL, {NULL}, NULL,
     MLODA_ERR_PARSE, {"dup.csv: bad header", "'a' appears twice"}},
    {"csv unnamed column", CSV, "unnamed.csv", "a,,c\n1,2,3\n", NULL, 0, NULL, NULL, {NULL},
     NULL, MLODA_ERR_PARSE, {"column 2 has no name"}},
    {"csv bad quote", CSV, "quote.csv", "a,b\n1,2\n3,x\"y\n", NULL, 0, NULL, NULL, {NULL}, NULL,
     MLODA_ERR_PARSE, {"quote.csv: line 3, field 2", "quote"}},
    {"csv wrong field count", CSV, "ragged.csv", "a,b\n1,2\n3\n", NULL, 0, NULL, NULL, {NULL},
     NULL, MLODA_ERR_SCHEMA, {"ragged.csv: line 3: 1 fields, but the header has 2"}},
    {"csv missing file", CSV, "nothing_here.csv", NULL, NULL, 0, NULL, NULL, {NULL}, NULL,
     MLODA_ERR_IO, {"cannot open CSV data source", "nothing_here.csv"}},
    /* ---- NDJSON */
    {"ndjson rows", NDJSON, "events.ndjson",
     "{\"id\": 1, \"v\": 2.5, \"tag\": \"a\", \"p\": [1, 2], \"at\": \"2024-01-01T00:00:00\"}\n"
     "\n"
     "{\"id\": 2, \"tag\": null, \"p\": null, \"ok\": true}\n"
     "{\"v\": 3, \"id\": 3, \"p\": [3, 4.5], \"at\": \"2024-01-02T00:00:00\", \"ok\": false}\n",
     NULL, 0, NULL, "id:int64,v:float64,tag:utf8,p:float64_list[2],at:timestamp,ok:bool",
     {"p", "v", "ok"}, "p=[1 2]|null|[3 4.5];v=2.5|null|3;ok=null|true|false", MLODA_OK,
     {NULL}},
    {"ndjson late key stated", NDJSON, "late.ndjson", "{\"a\": 1}\n{\"a\": 2, \"late\": 7}\n",
     NULL, 1, "late", "a:int64,late:float64", {"late"}, "late=null|7", MLODA_OK, {NULL}},
    {"ndjson late key ignored", NDJSON, "late2.ndjson", "{\"a\": 1}\n{\"a\": 2, \"late\": 7}\n",
     NULL, 1, NULL, "a:int64", {"a"}, "a=1|2", MLODA_OK, {NULL}},
    {"ndjson empty file", NDJSON, "empty.ndjson", "\n\n", NULL, 0, NULL, "", {NULL}, "",
     MLODA_OK, {NULL}},
    {"ndjson two objects on a line", NDJSON, "two.ndjson", "{\"a\": 1} {\"a\": 2}\n", NULL, 0,
     NULL, NULL, {NULL}, NULL, MLODA_ERR_PARSE, {"two.ndjson: line 1", "same line"}},
    {"ndjson array line", NDJSON, "array.ndjson", "{\"a\": 1}\n[1, 2]\n", NULL, 0, NULL, NULL,
     {NULL}, NULL, MLODA_ERR_PARSE, {"array.ndjson: line 2", "one JSON object", "an array"}},
    {"ndjson repeated key", NDJSON, "rep.ndjson", "{\"a\": 1, \"a\": 2}\n", NULL, 0, NULL, NULL,
     {NULL}, NULL, MLODA_ERR_PARSE, {"key 'a' appears twice"}},
    {"ndjson objects and nested lists are left out", NDJSON, "obj.ndjson",
     "{\"a\": 1, \"n\": 1, \"l\": [1, 2]}\n{\"a\": {\"b\": [1]}, \"n\": 2, \"l\": [[1], 2]}\n"
     "{\"a\": 3, \"n\": 3, \"l\": [3, {\"x\": 1}]}\n",
     NULL, 0, NULL, "n:int64", {"n"}, "n=1|2|3", MLODA_OK, {NULL}},
    {"ndjson object value in a stated column", NDJSON, "obj2.ndjson",
     "{\"a\": 1}\n{\"a\": {\"b\": 1}}\n", NULL, 0, "a", NULL, {NULL}, NULL, MLODA_ERR_TYPE,
     {"obj2.ndjson: line 2", "column 'a'", "an object"}},
    {"ndjson malformed", NDJSON, "bad.ndjson", "{\"a\": 1}\n{\"a\": }\n", NULL, 0, NULL, NULL,
     {NULL}, NULL, MLODA_ERR_PARSE, {"bad.ndjson: line 2"}},
    {"ndjson truncated", NDJSON, "trunc.ndjson", "{\"a\": 1}\n{\"a\": 2", NULL, 0, NULL, NULL,
     {NULL}, NULL, MLODA_ERR_PARSE, {"trunc.ndjson", "end of input"}},
    {"ndjson a string after the sample", NDJSON, "late_str.ndjson",
     "{\"v\": 1}\n{\"v\": 2}\n{\"v\": \"x\"}\n", NULL, 2, NULL, "v:int64", {"v"}, NULL,
     MLODA_ERR_TYPE, {"late_str.ndjson: line 3", "column 'v', row 2", "found a string of 1 byte"}},
    {"ndjson missing file", NDJSON, "nothing.ndjson", NULL, NULL, 0, NULL, NULL, {NULL}, NULL,
     MLODA_ERR_IO, {"cannot open NDJSON data source", "nothing.ndjson"}},
    /* ---- SQLite */
    {"sqlite declared types", SQLITE, "shop.db",
     "create table customers(id integer primary key, name varchar(20), credit real, "
     "vip boolean, since datetime, photo blob, misc, amount decimal(10,2));"
     "insert into customers values (1, 'ann', 10.5, 1, '2024-01-01T00:00:00', x'00', 3, 2),"
     "(2, null, null, 0, null, null, 4, null), (3, 'cy', 30, null, '2024-02-01', null, 5, 1.5);",
     "customers", 0, NULL,
     "id:int64,name:utf8,credit:float64,vip:bool,since:timestamp,misc:int64,amount:float64",
     {"credit", "name", "vip"}, "credit=10.5|null|30;name='ann'|null|'cy';vip=true|false|null",
     MLODA_OK, {NULL}},
    {"sqlite quoted names", SQLITE, "odd.db",
     "create table \"my \"\"odd\"\" table\"(\"we\"\"ird col\" integer, \"select\" text);"
     "insert into \"my \"\"odd\"\" table\" values (7, 'x');",
     "my \"odd\" table", 0, NULL, "we\"ird col:int64,select:utf8", {"select", "we\"ird col"},
     "select='x';we\"ird col=7", MLODA_OK, {NULL}},
    {"sqlite untyped column of mixed values", SQLITE, "mixed.db",
     "create table t(a, b); insert into t values (1, 1), ('x', 2.5), (null, null);", "t", 0,
     NULL, "a:utf8,b:float64", {"a", "b"}, "a='1'|'x'|null;b=1|2.5|null", MLODA_OK, {NULL}},
    {"sqlite stated type", SQLITE, "stated.db",
     "create table t(n integer); insert into t values (1), (2);", "t", 0, "n", "n:float64",
     {"n"}, "n=1|2", MLODA_OK, {NULL}},
    {"sqlite missing table", SQLITE, "shop2.db", "create table customers(id integer);",
     "customer", 0, NULL, NULL, {NULL}, NULL, MLODA_ERR_SCHEMA,
     {"shop2.db has no table 'customer'", "did you mean 'customers'"}},
    {"sqlite value of the wrong type", SQLITE, "wrong.db",
     "create table t(n integer); insert into t values (1), ('abc');", "t", 0, NULL, "n:int64",
     {"n"}, NULL, MLODA_ERR_TYPE, {"wrong.db: result row 2", "column 'n'", "found a string of 3 bytes"}},
    {"sqlite missing database", SQLITE, "no_such.db", NULL, "t", 0, NULL, NULL, {NULL}, NULL,
     MLODA_ERR_IO, {"cannot open SQLite database", "no_such.db"}},
    {"sqlite not a database", SQLITE, "text.db", NULL, "t", 0, NULL, NULL, {NULL}, NULL,
     MLODA_ERR_IO, {"text.db", "not a database"}},
};

static void make_source(const src_case *c, mloda_source_provider *p, mloda_error *err,
                        mloda_status *st)
{
    const mloda_source_column_type stated = {c->stated, MLODA_TYPE_FLOAT64, 0};
    const mloda_source_options o = {.struct_size = sizeof o,
                                    .abi_version = MLODA_SOURCE_OPTIONS_ABI,
                                    .types = c->stated != NULL ? &stated : NULL,
                                    .n_types = c->stated != NULL ? 1 : 0,
                                    .infer_rows = c->infer_rows,
                                    .busy_timeout_ms = -1};
    if (c->kind == SQLITE) {
        if (c->content != NULL)
            sql_exec(c->file, c->content);
        else if (strcmp(c->file, "text.db") == 0)
            (void)write_file(c->file, "this is not a database, just text\n");
        *st = mloda_source_init_sqlite(path_of(c->file), c->table, NULL, &o, p, err);
        return;
    }
    if (c->content != NULL)
        (void)write_file(c->file, c->content);
    *st = c->kind == CSV ? mloda_source_init_csv(path_of(c->file), NULL, &o, p, err)
                         : mloda_source_init_ndjson(path_of(c->file), NULL, &o, p, err);
}

static void check_failure(const src_case *c, mloda_status st, const mloda_error *err)
{
    CHECK_MSG(st == c->code, "%s (%s)", mloda_status_name(st), err->message);
    CHECK_EQ_INT(err->code, c->code);
    for (int i = 0; i < 3 && c->msg[i] != NULL; i++)
        CHECK_CONTAINS(err->message, c->msg[i]);
}

static void test_sources(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const src_case *c = &cases[i];
        TEST_CASE("%s", c->label);
        mloda_source_provider p;
        mloda_error err = MLODA_ERROR_INIT;
        mloda_status st = MLODA_OK;
        make_source(c, &p, &err, &st);
        CHECK_OK(st, err);
        char text[1024];
        schema_text(&p, text, sizeof text, &st, &err);
        if (c->schema == NULL) {
            check_failure(c, st, &err);
            mloda_source_reset(&p);
            continue;
        }
        CHECK_OK(st, err);
        CHECK_STR(text, c->schema);
        int64_t n = 0;
        while (n < 3 && c->read[n] != NULL)
            n++;
        read_text(&p, n, c->read, text, sizeof text, &st, &err);
        if (c->rows == NULL)
            check_failure(c, st, &err);
        else
            CHECK_OK(st, err);
        if (c->rows != NULL)
            CHECK_STR(text, c->rows);
        mloda_source_reset(&p);
    }
}

/* Names: the file stem by default, the SQLite table's name, or the one given. */
static void test_names_and_arguments(void)
{
    static const struct {
        int kind;
        const char *path, *table, *name, *want;
    } cases_[] = {
        {CSV, "data/customers.csv", NULL, NULL, "customers"},
        {CSV, "archive.tar.csv", NULL, NULL, "archive.tar"},
        {NDJSON, "/x/events.jsonl", NULL, NULL, "events"},
        {NDJSON, "noext", NULL, "Events", "Events"},
        {SQLITE, "db.sqlite", "orders", NULL, "orders"},
        {SQLITE, "db.sqlite", "orders", "Orders", "Orders"},
    };
    for (size_t i = 0; i < sizeof cases_ / sizeof cases_[0]; i++) {
        TEST_CASE("%s", cases_[i].path);
        mloda_source_provider p;
        mloda_error err = MLODA_ERROR_INIT;
        mloda_status st = cases_[i].kind == CSV
                              ? mloda_source_init_csv(cases_[i].path, cases_[i].name, NULL, &p, &err)
                          : cases_[i].kind == NDJSON
                              ? mloda_source_init_ndjson(cases_[i].path, cases_[i].name, NULL, &p, &err)
                              : mloda_source_init_sqlite(cases_[i].path, cases_[i].table,
                                                    cases_[i].name, NULL, &p, &err);
        CHECK_OK(st, err);
        CHECK_STR(p.name, cases_[i].want);
        CHECK(p.struct_size == sizeof p && p.abi_version == MLODA_SOURCE_PROVIDER_ABI);
        mloda_source_reset(&p);
        CHECK(p.user_data == NULL);
    }
    mloda_source_provider p;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_EQ_INT(mloda_source_init_csv(NULL, NULL, NULL, &p, &err), MLODA_ERR_INVALID_ARG);
    mloda_error_reset(&err);
    CHECK_EQ_INT(mloda_source_init_csv("a.csv", "", NULL, &p, &err), MLODA_ERR_INVALID_ARG);
    mloda_error_reset(&err);
    CHECK_EQ_INT(mloda_source_init_sqlite("a.db", NULL, NULL, NULL, &p, &err), MLODA_ERR_INVALID_ARG);
    mloda_error_reset(&err);
    CHECK_EQ_INT(mloda_source_init_csv("data/", NULL, NULL, &p, &err), MLODA_ERR_INVALID_ARG);
    const mloda_source_column_type bad = {"v", MLODA_TYPE_FLOAT64_LIST, 0};
    const mloda_source_options o = {.struct_size = sizeof o, .abi_version = MLODA_SOURCE_OPTIONS_ABI,
                                    .types = &bad, .n_types = 1};
    mloda_error_reset(&err);
    CHECK_EQ_INT(mloda_source_init_ndjson("a.ndjson", NULL, &o, &p, &err), MLODA_ERR_INVALID_ARG);
    CHECK(p.user_data == NULL);
    mloda_source_reset(NULL);
}

/* A locked database: a writer holds an exclusive lock and the reader does not wait. */
static void test_locked_database(void)
{
    sql_exec("locked.db", "create table t(v integer); insert into t values (1);");
    sqlite3 *writer = NULL;
    CHECK(sqlite3_open(path_of("locked.db"), &writer) == SQLITE_OK);
    CHECK(sqlite3_exec(writer, "begin exclusive; insert into t values (2);", NULL, NULL, NULL) ==
          SQLITE_OK);
    const mloda_source_options o = {.struct_size = sizeof o, .abi_version = MLODA_SOURCE_OPTIONS_ABI,
                                    .busy_timeout_ms = -1};
    mloda_source_provider p;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_source_init_sqlite(path_of("locked.db"), "t", NULL, &o, &p, &err), err);
    mloda_table *t = NULL;
    CHECK_EQ_INT(p.schema(p.user_data, &t, &err), MLODA_ERR_IO);
    CHECK_CONTAINS(err.message, "locked.db");
    CHECK_CONTAINS(err.message, "locked");
    CHECK(t == NULL);
    sqlite3_exec(writer, "rollback", NULL, NULL, NULL);
    sqlite3_close(writer);
    mloda_error_reset(&err);
    CHECK_OK(p.schema(p.user_data, &t, &err), err);
    mloda_table_release(t);
    mloda_source_reset(&p);
}

/* Through a request: a plain name resolves to the source, the source joins api_data. */
static void test_in_a_request(void)
{
    write_file("cust.csv", "id,credit\n1,10\n2,20\n3,30.5\n");
    mloda_registry *reg = mloda_registry_default();
    mloda_request *req = mloda_request_new();
    mloda_error err = MLODA_ERROR_INIT;
    mloda_source_provider p;
    CHECK_OK(mloda_source_init_csv(path_of("cust.csv"), NULL, NULL, &p, &err), err);
    CHECK_OK(mloda_request_add_source(req, &p, &err), err);
    CHECK_OK(mloda_request_add(req, "credit__sum_aggr", NULL, &err), err);
    mloda_results *res = NULL;
    CHECK_OK(mloda_run_all(reg, req, NULL, &res, &err), err);
    const mloda_table *t = res != NULL ? mloda_results_table(res, 0) : NULL;
    CHECK(t != NULL && mloda_table_n_rows(t) == 3);
    if (t != NULL)
        CHECK_CLOSE(mloda_column_float64(mloda_table_column(t, 0))[0], 60.5);
    mloda_results_free(res);
    /* a duplicate name: the caller still owns the second provider */
    mloda_source_provider again;
    CHECK_OK(mloda_source_init_ndjson(path_of("cust.ndjson"), NULL, NULL, &again, &err), err);
    CHECK_EQ_INT(mloda_request_add_source(req, &again, &err), MLODA_ERR_DUPLICATE);
    mloda_source_reset(&again);
    mloda_request_free(req);
    mloda_registry_free(reg);
}

/* Allocation failure at every point of building, typing and reading each kind of source:
 * each surfaces as MLODA_ERR_NOMEM, leaks nothing (ASan) and leaves no half-built table. */
static void test_allocation_failures(void)
{
    write_file("oom.csv", "id,name,score,at\n1,a,1.5,2024-01-01T00:00:00\n2,,NA,\n3,\"c\",2,\n");
    write_file("oom.ndjson", "{\"id\": 1, \"p\": [1, 2], \"s\": \"x\"}\n{\"id\": 2, \"o\": {}}\n");
    sql_exec("oom.db", "create table t(id integer, s text, x);"
                       "insert into t values (1, 'a', 2.5);");
    static const char *const cols[] = {"id", "s"};
    for (int kind = CSV; kind <= SQLITE; kind++) {
        long n = 0;
        for (;; n++) {
            mloda_test_fail_alloc_at(n);
            mloda_source_provider p;
            mloda_error err = MLODA_ERROR_INIT;
            mloda_table *schema = NULL, *data = NULL;
            mloda_status st;
            if (kind == CSV)
                st = mloda_source_init_csv(path_of("oom.csv"), NULL, NULL, &p, &err);
            else if (kind == NDJSON)
                st = mloda_source_init_ndjson(path_of("oom.ndjson"), NULL, NULL, &p, &err);
            else
                st = mloda_source_init_sqlite(path_of("oom.db"), "t", NULL, NULL, &p, &err);
            if (st == MLODA_OK)
                st = p.schema(p.user_data, &schema, &err);
            if (st == MLODA_OK)
                st = p.read(p.user_data, 1, kind == CSV ? &cols[0] : &cols[kind == NDJSON ? 0 : 1],
                            &data, &err);
            const bool injected = mloda_test_alloc_failed();
            mloda_test_fail_alloc_at(-1);
            TEST_CASE("kind %d, allocation %ld: %.200s", kind, n, err.message);
            if (st != MLODA_OK) {
                CHECK_EQ_INT(st, MLODA_ERR_NOMEM);
                CHECK(data == NULL);
            } else {
                CHECK(data != NULL && mloda_table_n_rows(data) == (kind == CSV    ? 3
                                                                   : kind == NDJSON ? 2
                                                                                    : 1));
            }
            mloda_table_release(schema);
            mloda_table_release(data);
            mloda_source_reset(&p);
            if (!injected)
                break;
        }
        CHECK(n > 10);
    }
}

int main(void)
{
    (void)snprintf(dir, sizeof dir, "/tmp/mloda_providers_XXXXXX");
    if (mkdtemp(dir) == NULL)
        return 1;
    RUN(test_sources);
    RUN(test_names_and_arguments);
    RUN(test_locked_database);
    RUN(test_in_a_request);
    RUN(test_allocation_failures);
    char cmd[128];
    (void)snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        return 1;
    return TEST_SUMMARY();
}
