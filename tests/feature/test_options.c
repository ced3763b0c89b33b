/* test_options.c: feature options (mloda/options.h and feature/options_internal.h). */
#include "feature/options_internal.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "test.h"
#include "util/alloc.h"

/* ------------------------------------------------------------------ op scripts */

/* Options are built from scripts of operations, so tables can describe them. */
typedef enum op_code {
    OP_END,
    OP_NULL,
    OP_BOOL,
    OP_INT,
    OP_FLOAT,
    OP_STRING,
    OP_LIST,
    OP_STRLIST,
    OP_ADD_STRING,
    OP_ADD_INT,
    OP_ADD_FLOAT,
    OP_ADD_BOOL,
    OP_REMOVE,
} op_code;

typedef struct op {
    op_code code;
    mloda_option_bucket bucket;
    const char *key;
    const char *s;
    int64_t i; /* int value, bool value, or string-list length */
    double f;
    const char *const *strs;
} op;

#define CTX MLODA_CONTEXT
#define GRP MLODA_GROUP
#define S_NULL(b, k) {.code = OP_NULL, .bucket = (b), .key = (k)}
#define S_BOOL(b, k, v) {.code = OP_BOOL, .bucket = (b), .key = (k), .i = (v)}
#define S_INT(b, k, v) {.code = OP_INT, .bucket = (b), .key = (k), .i = (v)}
#define S_FLOAT(b, k, v) {.code = OP_FLOAT, .bucket = (b), .key = (k), .f = (v)}
#define S_STR(b, k, v) {.code = OP_STRING, .bucket = (b), .key = (k), .s = (v)}
#define S_LIST(b, k) {.code = OP_LIST, .bucket = (b), .key = (k)}
#define S_STRLIST(b, k, arr) \
    {.code = OP_STRLIST, .bucket = (b), .key = (k), .strs = (arr), .i = sizeof(arr) / sizeof *(arr)}
#define A_STR(k, v) {.code = OP_ADD_STRING, .key = (k), .s = (v)}
#define A_INT(k, v) {.code = OP_ADD_INT, .key = (k), .i = (v)}
#define A_FLOAT(k, v) {.code = OP_ADD_FLOAT, .key = (k), .f = (v)}
#define A_BOOL(k, v) {.code = OP_ADD_BOOL, .key = (k), .i = (v)}
#define REMOVE(k) {.code = OP_REMOVE, .key = (k)}
#define END {.code = OP_END}

static mloda_status apply_op(mloda_options *o, const op *p, mloda_error *err)
{
    switch (p->code) {
    case OP_END:
        break;
    case OP_NULL:
        return mloda_options_set_null(o, p->bucket, p->key, err);
    case OP_BOOL:
        return mloda_options_set_bool(o, p->bucket, p->key, p->i != 0, err);
    case OP_INT:
        return mloda_options_set_int(o, p->bucket, p->key, p->i, err);
    case OP_FLOAT:
        return mloda_options_set_float(o, p->bucket, p->key, p->f, err);
    case OP_STRING:
        return mloda_options_set_string(o, p->bucket, p->key, p->s, err);
    case OP_LIST:
        return mloda_options_set_list(o, p->bucket, p->key, err);
    case OP_STRLIST:
        return mloda_options_set_string_list(o, p->bucket, p->key, p->i, p->strs, err);
    case OP_ADD_STRING:
        return mloda_options_list_append_string(o, p->key, p->s, err);
    case OP_ADD_INT:
        return mloda_options_list_append_int(o, p->key, p->i, err);
    case OP_ADD_FLOAT:
        return mloda_options_list_append_float(o, p->key, p->f, err);
    case OP_ADD_BOOL:
        return mloda_options_list_append_bool(o, p->key, p->i != 0, err);
    case OP_REMOVE:
        (void)mloda_options_remove(o, p->key);
        break;
    }
    return MLODA_OK;
}

/* Applies up to limit ops (limit < 0: all); *done counts the ones that succeeded. */
static mloda_status apply_ops(mloda_options *o, const op *ops, int64_t limit, int64_t *done,
                              mloda_error *err)
{
    *done = 0;
    for (int64_t k = 0; (limit < 0 || k < limit) && ops[k].code != OP_END; k++) {
        mloda_status st = apply_op(o, &ops[k], err);
        if (st != MLODA_OK)
            return st;
        *done = k + 1;
    }
    return MLODA_OK;
}

/* New options built from ops (all must succeed). */
static mloda_options *build(const op *ops, int64_t limit)
{
    mloda_options *o = mloda_options_new();
    mloda_error err = MLODA_ERROR_INIT;
    int64_t done = 0;
    CHECK(o != NULL);
    mloda_status st = apply_ops(o, ops, limit, &done, &err);
    CHECK_OK(st, err);
    return o;
}

/* Canonical text of bucket (-1: all) in a static buffer, "<error>" on failure. */
static const char *canon(const mloda_options *o, int bucket)
{
    static char text[4096];
    mloda_buf b = {0};
    mloda_error err = MLODA_ERROR_INIT;
    if (mloda_options_canonical_buf(o, bucket, &b, &err) != MLODA_OK || b.len >= sizeof text) {
        mloda_buf_reset(&b);
        return "<error>";
    }
    memcpy(text, b.data, b.len + 1);
    mloda_buf_reset(&b);
    return text;
}

/* Same keys in the same order and buckets, and the same values. */
static bool same_options(const mloda_options *a, const mloda_options *b)
{
    if (mloda_options_n_keys(a) != mloda_options_n_keys(b))
        return false;
    for (int64_t i = 0; i < mloda_options_n_keys(a); i++) {
        const char *ka = mloda_options_key(a, i), *kb = mloda_options_key(b, i);
        if (strcmp(ka, kb) != 0 || mloda_options_bucket(a, ka) != mloda_options_bucket(b, kb))
            return false;
    }
    mloda_buf ta = {0}, tb = {0};
    bool same = mloda_options_canonical_buf(a, -1, &ta, NULL) == MLODA_OK &&
                mloda_options_canonical_buf(b, -1, &tb, NULL) == MLODA_OK &&
                strcmp(ta.data, tb.data) == 0;
    mloda_buf_reset(&ta);
    mloda_buf_reset(&tb);
    return same;
}

/* ------------------------------------------------------------------ set / get */

static void test_set_get_every_kind(void)
{
    static const struct {
        op set;
        mloda_value_kind kind;
    } cases[] = {
        {S_NULL(CTX, "n"), MLODA_VALUE_NULL},
        {S_BOOL(CTX, "t", 1), MLODA_VALUE_BOOL},
        {S_BOOL(GRP, "f", 0), MLODA_VALUE_BOOL},
        {S_INT(CTX, "i", -42), MLODA_VALUE_INT},
        {S_INT(GRP, "big", INT64_MAX), MLODA_VALUE_INT},
        {S_FLOAT(CTX, "x", 2.5), MLODA_VALUE_FLOAT},
        {S_FLOAT(CTX, "tiny", 5e-324), MLODA_VALUE_FLOAT},
        {S_STR(GRP, "s", "sum"), MLODA_VALUE_STRING},
        {S_STR(CTX, "empty", ""), MLODA_VALUE_STRING},
        {S_LIST(CTX, "l"), MLODA_VALUE_LIST},
    };
    mloda_options *o = mloda_options_new();
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        const op *p = &cases[c].set;
        TEST_CASE("key %s", p->key);
        mloda_error err = MLODA_ERROR_INIT;
        mloda_status st = apply_op(o, p, &err);
        CHECK_OK(st, err);
        CHECK_EQ_INT(mloda_options_n_keys(o), (int64_t)c + 1);
        CHECK_STR(mloda_options_key(o, (int64_t)c), p->key);
        CHECK(mloda_options_has(o, p->key));
        CHECK_EQ_INT(mloda_options_kind(o, p->key), cases[c].kind);
        CHECK_EQ_INT(mloda_options_bucket(o, p->key), p->bucket);

        bool b = false;
        int64_t i = 0;
        double f = 0;
        const char *s = NULL;
        bool is_bool = cases[c].kind == MLODA_VALUE_BOOL;
        bool is_int = cases[c].kind == MLODA_VALUE_INT;
        bool is_float = cases[c].kind == MLODA_VALUE_FLOAT;
        bool is_string = cases[c].kind == MLODA_VALUE_STRING;
        CHECK(mloda_options_get_bool(o, p->key, &b) == is_bool);
        CHECK(mloda_options_get_int(o, p->key, &i) == is_int);
        CHECK(mloda_options_get_float(o, p->key, &f) == (is_int || is_float));
        CHECK(mloda_options_get_string(o, p->key, &s) == is_string);
        CHECK_EQ_INT(mloda_options_list_n_items(o, p->key),
                     0);
        if (is_bool)
            CHECK(b == (p->i != 0));
        if (is_int)
            CHECK_EQ_INT(i, p->i);
        if (is_float)
            CHECK(f == p->f);
        if (is_string)
            CHECK_STR(s, p->s);
    }
    TEST_CASE("absent key");
    bool b = true;
    CHECK_EQ_INT(mloda_options_kind(o, "nope"), MLODA_VALUE_NONE);
    CHECK(!mloda_options_has(o, "nope"));
    CHECK(!mloda_options_get_bool(o, "nope", &b) && b); /* *out untouched */
    CHECK(mloda_options_key(o, -1) == NULL);
    CHECK(mloda_options_key(o, mloda_options_n_keys(o)) == NULL);
    mloda_options_free(o);
}

static void test_getters_leave_out_untouched(void)
{
    static const op ops[] = {S_STR(CTX, "s", "x"), S_INT(CTX, "i", 1), END};
    mloda_options *o = build(ops, -1);
    int64_t i = 77;
    double f = 1.5;
    bool b = true;
    const char *s = "keep";
    CHECK(!mloda_options_get_int(o, "s", &i) && i == 77);
    CHECK(!mloda_options_get_float(o, "s", &f) && f == 1.5);
    CHECK(!mloda_options_get_bool(o, "i", &b) && b);
    CHECK(!mloda_options_get_string(o, "i", &s) && strcmp(s, "keep") == 0);
    CHECK(mloda_options_get_string(o, "s", NULL)); /* NULL out: a kind test */
    mloda_options_free(o);
}

static void test_replace_keeps_order(void)
{
    static const char *const pq[] = {"p", "q"};
    static const struct {
        const char *name;
        op ops[8];
        const char *order[4];
        const char *key;
        mloda_value_kind kind;
        mloda_option_bucket bucket;
    } cases[] = {
        {"int by string, new bucket",
         {S_INT(CTX, "a", 1), S_INT(CTX, "b", 2), S_INT(CTX, "c", 3), S_STR(GRP, "b", "two"),
          END},
         {"a", "b", "c", NULL},
         "b",
         MLODA_VALUE_STRING,
         GRP},
        {"list by null",
         {S_LIST(GRP, "l"), A_INT("l", 1), S_BOOL(CTX, "z", 1), S_NULL(CTX, "l"), END},
         {"l", "z", NULL, NULL},
         "l",
         MLODA_VALUE_NULL,
         CTX},
        {"string by list of strings",
         {S_STR(CTX, "in", "x"), S_FLOAT(CTX, "w", 1), S_STRLIST(CTX, "in", pq),
          END},
         {"in", "w", NULL, NULL},
         "in",
         MLODA_VALUE_LIST,
         CTX},
        {"removed then set again goes last",
         {S_INT(CTX, "a", 1), S_INT(CTX, "b", 2), REMOVE("a"), S_INT(CTX, "a", 3), END},
         {"b", "a", NULL, NULL},
         "a",
         MLODA_VALUE_INT,
         CTX},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        TEST_CASE("%s", cases[c].name);
        mloda_options *o = build(cases[c].ops, -1);
        int64_t n = 0;
        while (n < 4 && cases[c].order[n] != NULL)
            n++;
        CHECK_EQ_INT(mloda_options_n_keys(o), n);
        for (int64_t i = 0; i < n; i++)
            CHECK_STR(mloda_options_key(o, i), cases[c].order[i]);
        CHECK_EQ_INT(mloda_options_kind(o, cases[c].key), cases[c].kind);
        CHECK_EQ_INT(mloda_options_bucket(o, cases[c].key), cases[c].bucket);
        mloda_options_free(o);
    }
}

static void test_buckets(void)
{
    static const op ops[] = {S_STR(GRP, "g", "x"), S_INT(CTX, "c", 1), S_INT(GRP, "moved", 1),
                             S_INT(CTX, "moved", 2), END};
    mloda_options *o = build(ops, -1);
    CHECK_EQ_INT(mloda_options_bucket(o, "g"), MLODA_GROUP);
    CHECK_EQ_INT(mloda_options_bucket(o, "c"), MLODA_CONTEXT);
    CHECK_EQ_INT(mloda_options_bucket(o, "moved"), MLODA_CONTEXT);
    CHECK_EQ_INT(mloda_options_bucket(o, "absent"), MLODA_CONTEXT);
    CHECK_STR(canon(o, MLODA_GROUP), "{\"g\":\"x\"}");
    CHECK_STR(canon(o, MLODA_CONTEXT), "{\"c\":1,\"moved\":2}");
    CHECK_STR(canon(o, -1), "{\"c:c\":1,\"c:moved\":2,\"g:g\":\"x\"}");
    mloda_options_free(o);
}

static void test_get_float_from_int(void)
{
    static const struct {
        int64_t in;
        double want;
    } cases[] = {
        {0, 0.0}, {7, 7.0}, {-3, -3.0}, {INT64_MAX, 9223372036854775807.0},
        {INT64_MIN, -9223372036854775808.0},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        TEST_CASE("%lld", (long long)cases[c].in);
        mloda_options *o = mloda_options_new();
        mloda_error err = MLODA_ERROR_INIT;
        mloda_status st = mloda_options_set_int(o, CTX, "k", cases[c].in, &err);
        CHECK_OK(st, err);
        st = mloda_options_set_list(o, CTX, "l", &err);
        CHECK_OK(st, err);
        st = mloda_options_list_append_int(o, "l", cases[c].in, &err);
        CHECK_OK(st, err);
        double f = -1;
        CHECK(mloda_options_get_float(o, "k", &f) && f == cases[c].want);
        f = -1;
        CHECK(mloda_options_list_get_float(o, "l", 0, &f) && f == cases[c].want);
        int64_t i = 0;
        CHECK(mloda_options_get_int(o, "k", &i) && i == cases[c].in);
        mloda_options_free(o);
    }
    TEST_CASE("float is not an int");
    mloda_options *o = mloda_options_new();
    CHECK(mloda_options_set_float(o, CTX, "f", 3.0, NULL) == MLODA_OK);
    int64_t i = 5;
    CHECK(!mloda_options_get_int(o, "f", &i) && i == 5);
    mloda_options_free(o);
}

/* ------------------------------------------------------------------ lists */

static void test_string_list(void)
{
    static const char *const names[] = {"value", "", "caf\xc3\xa9"};
    static const struct {
        int64_t n;
    } cases[] = {{0}, {1}, {3}};
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        TEST_CASE("n=%lld", (long long)cases[c].n);
        mloda_options *o = mloda_options_new();
        mloda_error err = MLODA_ERROR_INIT;
        mloda_status st =
            mloda_options_set_string_list(o, GRP, "in_features", cases[c].n, names, &err);
        CHECK_OK(st, err);
        CHECK_EQ_INT(mloda_options_kind(o, "in_features"), MLODA_VALUE_LIST);
        CHECK_EQ_INT(mloda_options_bucket(o, "in_features"), MLODA_GROUP);
        CHECK_EQ_INT(mloda_options_list_n_items(o, "in_features"), cases[c].n);
        for (int64_t i = 0; i < cases[c].n; i++) {
            const char *s = NULL;
            CHECK_EQ_INT(mloda_options_list_kind(o, "in_features", i), MLODA_VALUE_STRING);
            CHECK(mloda_options_list_get_string(o, "in_features", i, &s));
            CHECK(s != NULL && s != names[i] && strcmp(s, names[i]) == 0); /* copied */
        }
        const char *s = NULL;
        CHECK(!mloda_options_list_get_string(o, "in_features", cases[c].n, &s) && s == NULL);
        CHECK(!mloda_options_list_get_string(o, "in_features", -1, &s) && s == NULL);
        CHECK_EQ_INT(mloda_options_list_kind(o, "in_features", cases[c].n), MLODA_VALUE_NONE);
        /* a string list accepts further appends */
        st = mloda_options_list_append_string(o, "in_features", "more", &err);
        CHECK_OK(st, err);
        CHECK_EQ_INT(mloda_options_list_n_items(o, "in_features"), cases[c].n + 1);
        CHECK(mloda_options_list_get_string(o, "in_features", cases[c].n, &s) &&
              strcmp(s, "more") == 0);
        mloda_options_free(o);
    }
}

static void test_mixed_list(void)
{
    static const op ops[] = {S_LIST(CTX, "m"), A_INT("m", -5),    A_FLOAT("m", 0.25),
                             A_BOOL("m", 1),   A_STR("m", "txt"), A_INT("m", 9),
                             A_FLOAT("m", -1e10), A_BOOL("m", 0), END};
    static const struct {
        mloda_value_kind kind;
        int64_t i;
        double f;
        const char *s;
    } want[] = {
        {MLODA_VALUE_INT, -5, -5.0, NULL},   {MLODA_VALUE_FLOAT, 0, 0.25, NULL},
        {MLODA_VALUE_BOOL, 1, 0, NULL},      {MLODA_VALUE_STRING, 0, 0, "txt"},
        {MLODA_VALUE_INT, 9, 9.0, NULL},     {MLODA_VALUE_FLOAT, 0, -1e10, NULL},
        {MLODA_VALUE_BOOL, 0, 0, NULL},
    };
    mloda_options *o = build(ops, -1);
    CHECK_EQ_INT(mloda_options_list_n_items(o, "m"), (int64_t)(sizeof want / sizeof *want));
    for (int64_t k = 0; k < (int64_t)(sizeof want / sizeof *want); k++) {
        TEST_CASE("item %lld", (long long)k);
        mloda_value_kind kind = want[k].kind;
        int64_t i = 0;
        double f = 0;
        bool b = false;
        const char *s = NULL;
        CHECK_EQ_INT(mloda_options_list_kind(o, "m", k), kind);
        CHECK(mloda_options_list_get_int(o, "m", k, &i) == (kind == MLODA_VALUE_INT));
        CHECK(mloda_options_list_get_float(o, "m", k, &f) ==
              (kind == MLODA_VALUE_INT || kind == MLODA_VALUE_FLOAT));
        CHECK(mloda_options_list_get_bool(o, "m", k, &b) == (kind == MLODA_VALUE_BOOL));
        CHECK(mloda_options_list_get_string(o, "m", k, &s) == (kind == MLODA_VALUE_STRING));
        if (kind == MLODA_VALUE_INT)
            CHECK_EQ_INT(i, want[k].i);
        if (kind == MLODA_VALUE_INT || kind == MLODA_VALUE_FLOAT)
            CHECK(f == want[k].f);
        if (kind == MLODA_VALUE_BOOL)
            CHECK(b == (want[k].i != 0));
        if (kind == MLODA_VALUE_STRING)
            CHECK_STR(s, want[k].s);
    }
    TEST_CASE("list getters on a non-list");
    mloda_options_set_int(o, CTX, "n", 1, NULL);
    int64_t i = 3;
    CHECK(!mloda_options_list_get_int(o, "n", 0, &i) && i == 3);
    CHECK_EQ_INT(mloda_options_list_kind(o, "n", 0), MLODA_VALUE_NONE);
    CHECK_EQ_INT(mloda_options_list_n_items(o, "absent"), 0);
    CHECK_EQ_INT(mloda_options_list_n_items(o, "n"), 0);
    mloda_options_free(o);
}

/* ------------------------------------------------------------------ copy, remove, merge */

static void test_copy_independence(void)
{
    static const char *const feats[] = {"a", "b"};
    static const op base[] = {S_STR(CTX, "agg", "sum"), S_STRLIST(GRP, "in", feats),
                              S_FLOAT(CTX, "w", 0.5), S_LIST(CTX, "m"), A_INT("m", 1), END};
    static const struct {
        const char *name;
        op mutate;
    } cases[] = {
        {"replace string", S_STR(CTX, "agg", "max")},
        {"append to list", A_STR("in", "c")},
        {"replace list by int", S_INT(CTX, "in", 3)},
        {"move bucket", S_FLOAT(GRP, "w", 0.5)},
        {"add key", S_NULL(CTX, "new")},
        {"remove key", REMOVE("agg")},
        {"append to mixed", A_BOOL("m", 1)},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        TEST_CASE("%s", cases[c].name);
        mloda_options *orig = build(base, -1);
        mloda_options *twin = build(base, -1);
        mloda_options *copy = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        mloda_status st = mloda_options_copy(orig, &copy, &err);
        CHECK_OK(st, err);
        CHECK(copy != NULL && copy != orig && same_options(copy, orig));
        st = apply_op(copy, &cases[c].mutate, &err);
        CHECK_OK(st, err);
        CHECK(!same_options(copy, orig));
        CHECK(same_options(orig, twin));
        const char *s = NULL;
        CHECK(mloda_options_get_string(orig, "agg", &s) && strcmp(s, "sum") == 0);
        mloda_options_free(copy);
        /* the original survives the copy's death */
        CHECK(mloda_options_list_get_string(orig, "in", 1, &s) && strcmp(s, "b") == 0);
        mloda_options_free(orig);
        mloda_options_free(twin);
    }
    TEST_CASE("copy of NULL");
    mloda_options *copy = NULL;
    CHECK(mloda_options_copy(NULL, &copy, NULL) == MLODA_OK);
    CHECK(copy != NULL && mloda_options_n_keys(copy) == 0);
    mloda_options_free(copy);
    CHECK(mloda_options_copy(NULL, NULL, NULL) == MLODA_ERR_INVALID_ARG);
}

static void test_remove(void)
{
    static const op base[] = {S_INT(CTX, "a", 1), S_LIST(GRP, "b"), A_STR("b", "x"),
                              S_STR(CTX, "c", "y"), END};
    static const struct {
        const char *key;
        bool present;
        const char *order[3];
    } cases[] = {
        {"a", true, {"b", "c", NULL}},
        {"b", true, {"a", "c", NULL}},
        {"c", true, {"a", "b", NULL}},
        {"zzz", false, {"a", "b", "c"}},
        {"", false, {"a", "b", "c"}},
        {NULL, false, {"a", "b", "c"}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        TEST_CASE("remove %s", cases[c].key ? cases[c].key : "(NULL)");
        mloda_options *o = build(base, -1);
        CHECK(mloda_options_remove(o, cases[c].key) == cases[c].present);
        int64_t n = cases[c].present ? 2 : 3;
        CHECK_EQ_INT(mloda_options_n_keys(o), n);
        for (int64_t i = 0; i < n; i++)
            CHECK_STR(mloda_options_key(o, i), cases[c].order[i]);
        if (cases[c].key != NULL)
            CHECK(!mloda_options_remove(o, cases[c].key)); /* gone now */
        mloda_options_free(o);
    }
    CHECK(!mloda_options_remove(NULL, "a"));
}

static void test_merge(void)
{
    static const char *const pq[] = {"p", "q"};
    static const op dst_ops[] = {S_INT(CTX, "a", 1), S_STR(GRP, "b", "x"), S_LIST(CTX, "c"),
                                 A_FLOAT("c", 1.5), END};
    static const op src_ops[] = {S_FLOAT(CTX, "b", 2.5), S_STRLIST(GRP, "d", pq),
                                 S_NULL(CTX, "a"), END};
    mloda_options *dst = build(dst_ops, -1);
    mloda_options *src = build(src_ops, -1);
    mloda_error err = MLODA_ERROR_INIT;
    mloda_status st = mloda_options_merge(dst, src, &err);
    CHECK_OK(st, err);
    CHECK_EQ_INT(mloda_options_n_keys(dst), 4);
    static const char *const order[] = {"a", "b", "c", "d"};
    for (int64_t i = 0; i < 4; i++)
        CHECK_STR(mloda_options_key(dst, i), order[i]);
    CHECK_STR(canon(dst, -1), "{\"c:a\":null,\"c:b\":2.5,\"c:c\":[1.5],\"g:d\":[\"p\",\"q\"]}");
    mloda_options_free(src); /* dst holds its own copies */
    const char *s = NULL;
    CHECK(mloda_options_list_get_string(dst, "d", 1, &s) && strcmp(s, "q") == 0);

    mloda_options *before = NULL;
    CHECK(mloda_options_copy(dst, &before, NULL) == MLODA_OK);
    CHECK(mloda_options_merge(dst, NULL, &err) == MLODA_OK);
    CHECK(mloda_options_merge(dst, dst, &err) == MLODA_OK);
    CHECK(same_options(dst, before));
    mloda_error err2 = MLODA_ERROR_INIT;
    CHECK(mloda_options_merge(NULL, dst, &err2) == MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(err2.code, MLODA_ERR_INVALID_ARG);
    mloda_options_free(before);
    mloda_options_free(dst);
}

/* ------------------------------------------------------------------ canonical text */

static void test_canonical_cases(void)
{
    static const char *const ab[] = {"a", "b\"c"};
    static const struct {
        const char *name;
        op ops[10];
        int bucket;
        const char *want;
    } cases[] = {
        {"empty", {END}, CTX, "{}"},
        {"empty, group", {END}, GRP, "{}"},
        {"empty, all", {END}, -1, "{}"},
        {"bucket with no keys", {S_INT(CTX, "a", 1), S_STR(CTX, "b", "x"), END}, GRP, "{}"},
        {"sorted keys",
         {S_INT(CTX, "b", 2), S_STR(CTX, "a", "x"), S_FLOAT(CTX, "c", 0.1), S_BOOL(CTX, "B", 1),
          S_NULL(CTX, "ab"), END},
         CTX,
         "{\"B\":true,\"a\":\"x\",\"ab\":null,\"b\":2,\"c\":0.1}"},
        {"bytewise key order (UTF-8 after ASCII)",
         {S_INT(CTX, "\xc3\xa9", 1), S_INT(CTX, "z", 2), S_INT(CTX, "Z", 3), S_INT(CTX, "_", 4),
          S_INT(CTX, "0", 5), END},
         CTX,
         "{\"0\":5,\"Z\":3,\"_\":4,\"z\":2,\"\xc3\xa9\":1}"},
        {"escaping",
         {S_STR(CTX, "q", "say \"hi\"\nbye\\\t\x01\r/"), S_STR(CTX, "k\"ey", "v"),
          S_STR(CTX, "u", "caf\xc3\xa9 \xe2\x82\xac"), END},
         CTX,
         "{\"k\\\"ey\":\"v\",\"q\":\"say \\\"hi\\\"\\nbye\\\\\\t\\u0001\\r/\","
         "\"u\":\"caf\xc3\xa9 \xe2\x82\xac\"}"},
        {"floats",
         {S_FLOAT(CTX, "a", 0.1), S_FLOAT(CTX, "b", 1e300), S_FLOAT(CTX, "c", -0.0),
          S_FLOAT(CTX, "d", 3.0), S_FLOAT(CTX, "e", 1.0 / 3.0), S_FLOAT(CTX, "f", 1.5e-7),
          S_FLOAT(CTX, "g", -2.5), S_FLOAT(CTX, "h", 1e21), END},
         CTX,
         "{\"a\":0.1,\"b\":1e+300,\"c\":-0.0,\"d\":3.0,\"e\":0.3333333333333333,"
         "\"f\":1.5e-07,\"g\":-2.5,\"h\":1e+21}"},
        {"non-finite floats are null",
         {S_FLOAT(CTX, "nan", NAN), S_FLOAT(CTX, "inf", INFINITY), END},
         CTX,
         "{\"inf\":null,\"nan\":null}"},
        {"ints",
         {S_INT(CTX, "a", -9223372036854775807LL), S_INT(CTX, "b", INT64_MIN), S_INT(CTX, "c", 0),
          S_INT(CTX, "d", INT64_MAX), END},
         CTX,
         "{\"a\":-9223372036854775807,\"b\":-9223372036854775808,\"c\":0,"
         "\"d\":9223372036854775807}"},
        {"int and float differ", {S_INT(CTX, "i", 3), S_FLOAT(CTX, "f", 3), END}, CTX,
         "{\"f\":3.0,\"i\":3}"},
        {"lists",
         {S_STRLIST(CTX, "l", ab), S_LIST(CTX, "e"), S_LIST(CTX, "m"), A_INT("m", 1),
          A_FLOAT("m", 2.5), A_BOOL("m", 0), A_STR("m", "x\n"), A_FLOAT("m", 2.0), END},
         CTX,
         "{\"e\":[],\"l\":[\"a\",\"b\\\"c\"],\"m\":[1,2.5,false,\"x\\n\",2.0]}"},
        {"group bucket only",
         {S_INT(GRP, "g1", 1), S_INT(CTX, "c1", 2), S_STR(GRP, "g0", "s"), END},
         GRP,
         "{\"g0\":\"s\",\"g1\":1}"},
        {"context bucket only",
         {S_INT(GRP, "g1", 1), S_INT(CTX, "c1", 2), S_STR(GRP, "g0", "s"), END},
         CTX,
         "{\"c1\":2}"},
        {"all buckets prefixed, context first",
         {S_INT(GRP, "a", 1), S_INT(CTX, "z", 2), S_STR(GRP, "b\"", "s"), END},
         -1,
         "{\"c:z\":2,\"g:a\":1,\"g:b\\\"\":\"s\"}"},
        {"replaced and removed",
         {S_INT(CTX, "a", 1), S_STR(GRP, "a", "two"), S_INT(CTX, "b", 1), REMOVE("b"), END},
         -1,
         "{\"g:a\":\"two\"}"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        TEST_CASE("%s", cases[c].name);
        mloda_options *o = build(cases[c].ops, -1);
        CHECK_STR(canon(o, cases[c].bucket), cases[c].want);
        if (cases[c].bucket >= 0) {
            char *text = NULL;
            mloda_error err = MLODA_ERROR_INIT;
            CHECK_OK(mloda_options_canonical(o, (mloda_option_bucket)cases[c].bucket, &text,
                                             &err),
                     err);
            CHECK_STR(text != NULL ? text : "(null)", cases[c].want);
            mloda_string_free(text);
        }
        mloda_options_free(o);
    }
}

static void test_canonical_order_independent(void)
{
    static const char *const f1[] = {"x", "y"};
    static const op one[] = {S_STR(GRP, "agg", "sum"), S_STRLIST(CTX, "in", f1),
                             S_FLOAT(CTX, "w", 0.1), S_INT(GRP, "n", 3), END};
    static const struct {
        const char *name;
        op ops[8];
        bool equal;
    } cases[] = {
        {"reversed",
         {S_INT(GRP, "n", 3), S_FLOAT(CTX, "w", 0.1), S_STRLIST(CTX, "in", f1),
          S_STR(GRP, "agg", "sum"), END},
         true},
        {"via replacements and appends",
         {S_INT(GRP, "n", 0), S_LIST(CTX, "in"), A_STR("in", "x"), A_STR("in", "y"),
          S_STR(GRP, "agg", "mean"), S_FLOAT(CTX, "w", 0.1), S_STR(GRP, "agg", "sum"),
          S_INT(GRP, "n", 3)},
         true},
        {"different bucket", {S_STR(CTX, "agg", "sum"), S_STRLIST(CTX, "in", f1),
                              S_FLOAT(CTX, "w", 0.1), S_INT(GRP, "n", 3), END},
         false},
        {"list order matters",
         {S_STR(GRP, "agg", "sum"), S_LIST(CTX, "in"), A_STR("in", "y"), A_STR("in", "x"),
          S_FLOAT(CTX, "w", 0.1), S_INT(GRP, "n", 3), END},
         false},
        {"float vs int", {S_STR(GRP, "agg", "sum"), S_STRLIST(CTX, "in", f1),
                          S_FLOAT(CTX, "w", 0.1), S_FLOAT(GRP, "n", 3), END},
         false},
    };
    mloda_options *a = build(one, -1);
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        TEST_CASE("%s", cases[c].name);
        /* ops[7] may be the last op with no END: build at most 8 */
        mloda_options *b = build(cases[c].ops, 8);
        char ta[256], tb[256];
        bool same = true;
        for (int bucket = -1; bucket <= 1; bucket++) {
            strcpy(ta, canon(a, bucket));
            strcpy(tb, canon(b, bucket));
            same = same && strcmp(ta, tb) == 0;
        }
        CHECK(same == cases[c].equal);
        mloda_options_free(b);
    }
    mloda_options_free(a);
}

/* The public canonical text: a new string, or a status naming the bad argument. */
static void test_canonical_public(void)
{
    static const op ops[] = {S_STR(CTX, "key", "value"), S_INT(CTX, "n", 12), END};
    mloda_options *o = build(ops, -1);
    mloda_error err = MLODA_ERROR_INIT;
    char *text = NULL;
    CHECK_OK(mloda_options_canonical(o, CTX, &text, &err), err);
    CHECK_STR(text, "{\"key\":\"value\",\"n\":12}");
    mloda_string_free(text);
    TEST_CASE("empty group bucket");
    CHECK_OK(mloda_options_canonical(o, GRP, &text, &err), err);
    CHECK_STR(text, "{}");
    mloda_string_free(text);
    TEST_CASE("unknown bucket");
    text = (char *)"untouched";
    CHECK_EQ_INT(mloda_options_canonical(o, (mloda_option_bucket)7, &text, &err),
                 MLODA_ERR_INVALID_ARG);
    CHECK(text == NULL && err.code == MLODA_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "bucket 7");
    TEST_CASE("no output");
    CHECK_EQ_INT(mloda_options_canonical(o, CTX, NULL, &err), MLODA_ERR_INVALID_ARG);
    mloda_options_free(o);
}

static void test_canonical_buf_appends(void)
{
    static const op ops[] = {S_INT(CTX, "a", 1), END};
    mloda_options *o = build(ops, -1);
    mloda_buf b = {0};
    mloda_error err = MLODA_ERROR_INIT;
    CHECK(mloda_buf_puts(&b, "prefix ", &err) == MLODA_OK);
    mloda_status st = mloda_options_canonical_buf(o, CTX, &b, &err);
    CHECK_OK(st, err);
    CHECK_STR(b.data, "prefix {\"a\":1}");
    st = mloda_options_canonical_buf(o, 2, &b, &err);
    CHECK(st == MLODA_ERR_INVALID_ARG && err.code == MLODA_ERR_INVALID_ARG);
    CHECK_STR(b.data, "prefix {\"a\":1}");
    mloda_error_reset(&err);
    CHECK(mloda_options_canonical_buf(o, CTX, NULL, &err) == MLODA_ERR_INVALID_ARG);
    mloda_buf_reset(&b);
    mloda_options_free(o);
}

/* ------------------------------------------------------------------ NULL and bad input */

static void test_null_options_reading(void)
{
    const mloda_options *o = NULL;
    bool b = true;
    int64_t i = 4;
    double f = 2;
    const char *s = "keep";
    CHECK_EQ_INT(mloda_options_n_keys(o), 0);
    CHECK(mloda_options_key(o, 0) == NULL);
    CHECK_EQ_INT(mloda_options_bucket(o, "k"), MLODA_CONTEXT);
    CHECK(!mloda_options_has(o, "k"));
    CHECK_EQ_INT(mloda_options_kind(o, "k"), MLODA_VALUE_NONE);
    CHECK(!mloda_options_get_bool(o, "k", &b) && b);
    CHECK(!mloda_options_get_int(o, "k", &i) && i == 4);
    CHECK(!mloda_options_get_float(o, "k", &f) && f == 2);
    CHECK(!mloda_options_get_string(o, "k", &s) && strcmp(s, "keep") == 0);
    CHECK_EQ_INT(mloda_options_list_n_items(o, "k"), 0);
    CHECK_EQ_INT(mloda_options_list_kind(o, "k", 0), MLODA_VALUE_NONE);
    CHECK(!mloda_options_list_get_string(o, "k", 0, &s));
    CHECK(!mloda_options_list_get_int(o, "k", 0, &i));
    CHECK(!mloda_options_list_get_float(o, "k", 0, &f));
    CHECK(!mloda_options_list_get_bool(o, "k", 0, &b));
    CHECK_STR(canon(o, CTX), "{}");
    CHECK_STR(canon(o, -1), "{}");
    char *text = NULL;
    CHECK_EQ_INT(mloda_options_canonical(o, GRP, &text, NULL), MLODA_OK);
    CHECK_STR(text, "{}");
    mloda_string_free(text);
    mloda_options_free(NULL);
    /* a NULL key reads as absent */
    mloda_options *real = mloda_options_new();
    CHECK(!mloda_options_has(real, NULL));
    CHECK_EQ_INT(mloda_options_kind(real, NULL), MLODA_VALUE_NONE);
    mloda_options_free(real);
}

static void test_bad_arguments(void)
{
    static const char *const two[] = {"a", NULL};
    static const struct {
        const char *name;
        bool null_options;
        op op;
        mloda_status st;
        const char *subject;
    } cases[] = {
        {"NULL key, int", false, S_INT(CTX, NULL, 1), MLODA_ERR_INVALID_ARG, ""},
        {"empty key, int", false, S_INT(CTX, "", 1), MLODA_ERR_INVALID_ARG, ""},
        {"NULL key, null", false, S_NULL(GRP, NULL), MLODA_ERR_INVALID_ARG, ""},
        {"empty key, bool", false, S_BOOL(CTX, "", 1), MLODA_ERR_INVALID_ARG, ""},
        {"empty key, float", false, S_FLOAT(CTX, "", 1), MLODA_ERR_INVALID_ARG, ""},
        {"empty key, string", false, S_STR(CTX, "", "v"), MLODA_ERR_INVALID_ARG, ""},
        {"NULL key, list", false, S_LIST(CTX, NULL), MLODA_ERR_INVALID_ARG, ""},
        {"empty key, string list", false, S_STRLIST(CTX, "", two), MLODA_ERR_INVALID_ARG, ""},
        {"NULL key, append", false, A_INT(NULL, 1), MLODA_ERR_INVALID_ARG, ""},
        {"empty key, append string", false, A_STR("", "v"), MLODA_ERR_INVALID_ARG, ""},
        {"NULL string value", false, S_STR(CTX, "k", NULL), MLODA_ERR_INVALID_ARG, "k"},
        {"NULL item in string list", false, S_STRLIST(CTX, "k", two), MLODA_ERR_INVALID_ARG,
         "k"},
        {"negative list length", false,
         {.code = OP_STRLIST, .bucket = CTX, .key = "k", .i = -1, .strs = two},
         MLODA_ERR_INVALID_ARG, "k"},
        {"unknown bucket", false, S_INT((mloda_option_bucket)7, "k", 1), MLODA_ERR_INVALID_ARG,
         "k"},
        {"NULL options, set", true, S_INT(CTX, "k", 1), MLODA_ERR_INVALID_ARG, "k"},
        {"NULL options, append", true, A_INT("k", 1), MLODA_ERR_INVALID_ARG, "k"},
        {"append to an int", false, A_INT("num", 1), MLODA_ERR_TYPE, "num"},
        {"append string to a string", false, A_STR("str", "x"), MLODA_ERR_TYPE, "str"},
        {"append float to absent key", false, A_FLOAT("absent", 1), MLODA_ERR_TYPE, "absent"},
        {"append bool to a null", false, A_BOOL("nul", 1), MLODA_ERR_TYPE, "nul"},
        {"append NULL string", false, A_STR("lst", NULL), MLODA_ERR_INVALID_ARG, "lst"},
    };
    static const op base[] = {S_INT(CTX, "num", 1), S_STR(CTX, "str", "s"), S_NULL(GRP, "nul"),
                              S_LIST(CTX, "lst"), A_INT("lst", 1), END};
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        TEST_CASE("%s", cases[c].name);
        mloda_options *o = build(base, -1);
        mloda_options *before = build(base, -1);
        mloda_error err = MLODA_ERROR_INIT;
        mloda_status st = apply_op(cases[c].null_options ? NULL : o, &cases[c].op, &err);
        CHECK_EQ_INT(st, cases[c].st);
        CHECK_EQ_INT(err.code, cases[c].st);
        CHECK_STR(err.subject, cases[c].subject);
        CHECK(err.message[0] != '\0');
        if (cases[c].op.key != NULL && cases[c].op.key[0] != '\0')
            CHECK_CONTAINS(err.message, cases[c].op.key);
        CHECK(same_options(o, before)); /* unchanged */
        /* err may be NULL */
        CHECK_EQ_INT(apply_op(cases[c].null_options ? NULL : o, &cases[c].op, NULL),
                     cases[c].st);
        mloda_options_free(o);
        mloda_options_free(before);
    }
}

/* ------------------------------------------------------------------ allocation failures */

static const char *const walk_strs[] = {"value", "other", "third"};
static const op walk_ops[] = {
    S_STR(CTX, "aggregation_type", "sum"),
    S_STRLIST(GRP, "in_features", walk_strs),
    S_INT(GRP, "window", 3),
    S_LIST(CTX, "mixed"),
    A_STR("mixed", "x"),
    A_INT("mixed", 4),
    A_FLOAT("mixed", 0.5),
    A_BOOL("mixed", 1),
    A_STR("mixed", "y"), /* grows the list past its first capacity */
    A_STR("in_features", "fourth"),
    A_STR("in_features", "fifth"),
    S_FLOAT(CTX, "alpha", 0.1),
    S_BOOL(GRP, "flag", 0),
    S_NULL(CTX, "nothing"),
    S_STR(GRP, "aggregation_type", "mean"), /* replace */
    REMOVE("window"),
    S_STR(CTX, "k6", "six"),
    S_STR(CTX, "k7", "seven"), /* grows the entries past their first capacity */
    S_STRLIST(CTX, "mixed", walk_strs), /* replace a list */
    END,
};

static void test_alloc_failure_build_and_copy(void)
{
    mloda_options *want = build(walk_ops, -1);
    bool finished = false;
    long n = 0;
    for (; n < 100000 && !finished; n++) {
        TEST_CASE("fail allocation %ld", n);
        mloda_error err = MLODA_ERROR_INIT;
        mloda_options *copy = NULL;
        int64_t done = 0;
        mloda_status st = MLODA_ERR_NOMEM;
        mloda_test_fail_alloc_at(n);
        mloda_options *o = mloda_options_new();
        if (o != NULL)
            st = apply_ops(o, walk_ops, -1, &done, &err);
        bool build_ok = st == MLODA_OK;
        if (build_ok)
            st = mloda_options_copy(o, &copy, &err);
        bool injected = mloda_test_alloc_failed();
        mloda_test_fail_alloc_at(-1);
        if (!injected) {
            finished = true;
            CHECK_OK(st, err);
            CHECK(same_options(o, want) && same_options(copy, want));
        } else if (o != NULL) {
            CHECK_EQ_INT(st, MLODA_ERR_NOMEM);
            CHECK_EQ_INT(err.code, MLODA_ERR_NOMEM);
            CHECK(copy == NULL);
            /* a failed setter leaves the object as the earlier ops made it */
            mloda_options *ref = build(walk_ops, done);
            CHECK(same_options(o, ref));
            mloda_options_free(ref);
        }
        mloda_options_free(copy);
        mloda_options_free(o);
    }
    mloda_test_fail_alloc_at(-1);
    CHECK(finished);
    CHECK(n > 20); /* the walk did visit many allocations */
    mloda_options_free(want);
}

static void test_alloc_failure_merge_and_canonical(void)
{
    static const char *const pq[] = {"p", "q"};
    static const op dst_ops[] = {S_INT(CTX, "a", 1), S_STR(GRP, "b", "x"), S_LIST(CTX, "c"),
                                 A_FLOAT("c", 1.5), END};
    static const op src_ops[] = {S_FLOAT(CTX, "b", 2.5), S_STRLIST(GRP, "d", pq),
                                 S_NULL(CTX, "a"), S_STR(GRP, "e", "long string value"), END};
    static const char want_all[] =
        "{\"c:a\":null,\"c:b\":2.5,\"c:c\":[1.5],\"g:d\":[\"p\",\"q\"],"
        "\"g:e\":\"long string value\"}";
    static const char want_group[] = "{\"d\":[\"p\",\"q\"],\"e\":\"long string value\"}";
    mloda_options *src = build(src_ops, -1);
    bool finished = false;
    for (long n = 0; n < 100000 && !finished; n++) {
        TEST_CASE("fail allocation %ld", n);
        mloda_options *dst = build(dst_ops, -1);
        mloda_options *before = build(dst_ops, -1);
        mloda_error err = MLODA_ERROR_INIT;
        mloda_buf text = {0};
        char *group = NULL;
        mloda_test_fail_alloc_at(n);
        mloda_status merged = mloda_options_merge(dst, src, &err);
        mloda_status st = merged;
        if (st == MLODA_OK)
            st = mloda_options_canonical_buf(dst, -1, &text, &err);
        mloda_error gerr = MLODA_ERROR_INIT;
        mloda_status gst = st == MLODA_OK ? mloda_options_canonical(dst, GRP, &group, &gerr)
                                          : MLODA_OK;
        bool injected = mloda_test_alloc_failed();
        mloda_test_fail_alloc_at(-1);
        if (!injected) {
            finished = true;
            CHECK_OK(st, err);
            CHECK_STR(text.data, want_all);
            CHECK_OK(gst, gerr);
            CHECK_STR(group != NULL ? group : "(null)", want_group);
        } else if (st != MLODA_OK) {
            CHECK_EQ_INT(st, MLODA_ERR_NOMEM);
            CHECK_EQ_INT(err.code, MLODA_ERR_NOMEM);
            CHECK(text.len == 0);
            if (merged != MLODA_OK)
                CHECK(same_options(dst, before));
        } else {
            /* the public canonical met the failure */
            CHECK_EQ_INT(gst, MLODA_ERR_NOMEM);
            CHECK_EQ_INT(gerr.code, MLODA_ERR_NOMEM);
            CHECK(group == NULL);
        }
        mloda_string_free(group);
        mloda_buf_reset(&text);
        mloda_options_free(dst);
        mloda_options_free(before);
    }
    mloda_test_fail_alloc_at(-1);
    CHECK(finished);
    mloda_options_free(src);
}

int main(void)
{
    RUN(test_set_get_every_kind);
    RUN(test_getters_leave_out_untouched);
    RUN(test_replace_keeps_order);
    RUN(test_buckets);
    RUN(test_get_float_from_int);
    RUN(test_string_list);
    RUN(test_mixed_list);
    RUN(test_copy_independence);
    RUN(test_remove);
    RUN(test_merge);
    RUN(test_canonical_cases);
    RUN(test_canonical_order_independent);
    RUN(test_canonical_public);
    RUN(test_canonical_buf_appends);
    RUN(test_null_options_reading);
    RUN(test_bad_arguments);
    RUN(test_alloc_failure_build_and_copy);
    RUN(test_alloc_failure_merge_and_canonical);
    return TEST_SUMMARY();
}
