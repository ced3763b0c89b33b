/*
 * test_null_column.c: columns whose every row is null (mloda_column_new_nulls) of every
 * type, the null type itself (MLODA_TYPE_NULL: Arrow's "n", no buffers), its accessors,
 * take, builders that refuse it, Arrow export and import (0 or 1 buffers, bad shapes), and
 * allocation failures.
 */
#include "support.h"
#include "util/alloc.h"

static void noop_schema_release(struct ArrowSchema *s)
{
    s->release = NULL;
}

static void noop_array_release(struct ArrowArray *a)
{
    a->release = NULL;
}

/* Every type, 0 and 70 rows (past a bitmap byte): all null, the right type and shape. */
static void test_new_nulls(void)
{
    static const mloda_type types[] = {MLODA_TYPE_INT64,     MLODA_TYPE_FLOAT64,
                                       MLODA_TYPE_BOOL,      MLODA_TYPE_UTF8,
                                       MLODA_TYPE_TIMESTAMP, MLODA_TYPE_FLOAT64_LIST,
                                       MLODA_TYPE_NULL};
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        for (int64_t n = 0; n <= 70; n += 70) {
            TEST_CASE("%s, %lld rows", mloda_type_name(types[t]), (long long)n);
            mloda_column *c = NULL;
            mloda_error err = MLODA_ERROR_INIT;
            CHECK_OK(mloda_column_new_nulls(types[t], 3, MLODA_TIME_NANO, n, &c, &err), err);
            CHECK_EQ_INT(mloda_column_type(c), types[t]);
            CHECK_EQ_INT(mloda_column_n_rows(c), n);
            CHECK_EQ_INT(mloda_column_n_nulls(c), n);
            CHECK((mloda_column_validity(c) == NULL) == (n == 0));
            for (int64_t i = 0; i < n; i++)
                CHECK(!mloda_column_is_valid(c, i));
            CHECK_EQ_INT(mloda_column_list_size(c), types[t] == MLODA_TYPE_FLOAT64_LIST ? 3 : 0);
            CHECK_EQ_INT(mloda_column_time_unit(c),
                         types[t] == MLODA_TYPE_TIMESTAMP ? MLODA_TIME_NANO : MLODA_TIME_SECOND);
            if (types[t] == MLODA_TYPE_NULL) { /* no values of any kind */
                CHECK(mloda_column_float64(c) == NULL);
                CHECK(mloda_column_int64(c) == NULL);
                CHECK(mloda_column_bool_bits(c) == NULL);
                CHECK(mloda_column_utf8_offsets(c) == NULL);
                CHECK(mloda_column_utf8_at(c, 0, NULL) == NULL);
            }
            mloda_column_release(c);
        }
    }
    CHECK_STR(mloda_type_name(MLODA_TYPE_NULL), "null");
}

static void test_bad_args(void)
{
    mloda_column *c = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_EQ_INT(mloda_column_new_nulls(MLODA_TYPE_NULL, 0, MLODA_TIME_SECOND, -1, &c, &err),
                 MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_column_new_nulls(MLODA_TYPE_NULL, 0, MLODA_TIME_SECOND, 1, NULL, &err),
                 MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_column_new_nulls(MLODA_TYPE_FLOAT64_LIST, 0, MLODA_TIME_SECOND, 1, &c,
                                        &err),
                 MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_column_new_nulls((mloda_type)42, 0, MLODA_TIME_SECOND, 1, &c, &err),
                 MLODA_ERR_INVALID_ARG);
    CHECK(c == NULL);
    mloda_column_builder *b = NULL;
    CHECK_EQ_INT(mloda_column_builder_new(MLODA_TYPE_NULL, 0, MLODA_TIME_SECOND, &b, &err),
                 MLODA_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "mloda_column_new_nulls");
    CHECK(b == NULL);
}

/* take of a null-typed column: null-typed, every index gives a null. */
static void test_take(void)
{
    mloda_column *c = NULL, *out = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_column_new_nulls(MLODA_TYPE_NULL, 0, MLODA_TIME_SECOND, 3, &c, &err), err);
    const int64_t idx[] = {2, -1, 0, 1, 1};
    CHECK_OK(mloda_column_take(c, 5, idx, &out, &err), err);
    CHECK_EQ_INT(mloda_column_type(out), MLODA_TYPE_NULL);
    CHECK_EQ_INT(mloda_column_n_rows(out), 5);
    CHECK_EQ_INT(mloda_column_n_nulls(out), 5);
    const int64_t bad[] = {3};
    mloda_column *none = NULL;
    CHECK_EQ_INT(mloda_column_take(c, 1, bad, &none, &err), MLODA_ERR_RANGE);
    mloda_column_release(out);
    mloda_column_release(c);
}

/* Export as "n" with no buffers; import of "n" with 0 or 1 buffers, sliced; bad shapes. */
static void test_arrow(void)
{
    mloda_column *c = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_column_new_nulls(MLODA_TYPE_NULL, 0, MLODA_TIME_SECOND, 9, &c, &err), err);
    struct ArrowArray a;
    struct ArrowSchema s;
    CHECK_OK(mloda_column_export(c, "gap", &a, &s, &err), err);
    CHECK_STR(s.format, "n");
    CHECK_STR(s.name, "gap");
    CHECK_EQ_INT(a.n_buffers, 0);
    CHECK_EQ_INT(a.length, 9);
    CHECK_EQ_INT(a.null_count, 9);
    CHECK_EQ_INT(a.n_children, 0);
    mloda_column *back = NULL;
    CHECK_OK(mloda_column_import(&a, &s, &back, &err), err); /* round trip */
    CHECK_EQ_INT(mloda_column_type(back), MLODA_TYPE_NULL);
    CHECK_EQ_INT(mloda_column_n_nulls(back), 9);
    s.release(&s);
    mloda_column_release(back);
    mloda_column_release(c);

    static const struct {
        const char *label;
        int64_t n_buffers, length, offset;
        mloda_status st;
    } cases[] = {
        {"no buffers", 0, 4, 0, MLODA_OK},
        {"one (validity) buffer", 1, 4, 0, MLODA_OK},
        {"sliced", 0, 4, 3, MLODA_OK},
        {"two buffers", 2, 4, 0, MLODA_ERR_PARSE},
        {"negative length", 0, -1, 0, MLODA_ERR_PARSE},
    };
    const void *bufs[2] = {NULL, NULL};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s", cases[k].label);
        struct ArrowSchema sch = {.format = "n", .name = "x", .release = noop_schema_release};
        struct ArrowArray arr = {.length = cases[k].length, .null_count = -1,
                                 .offset = cases[k].offset, .n_buffers = cases[k].n_buffers,
                                 .buffers = bufs, .release = noop_array_release};
        mloda_column *got = NULL;
        mloda_status st = mloda_column_import(&arr, &sch, &got, &err);
        CHECK_EQ_INT(st, cases[k].st);
        CHECK(arr.release == NULL); /* ownership taken either way */
        if (st == MLODA_OK) {
            CHECK_EQ_INT(mloda_column_type(got), MLODA_TYPE_NULL);
            CHECK_EQ_INT(mloda_column_n_rows(got), cases[k].length);
            CHECK_EQ_INT(mloda_column_n_nulls(got), cases[k].length);
        }
        mloda_column_release(got);
    }
}

/* A table with a null-typed column exports and imports as a struct with an "n" child. */
static void test_table_round_trip(void)
{
    mloda_column *cols[2] = {NULL, NULL};
    mloda_error err = MLODA_ERROR_INIT;
    const double v[] = {1, 2};
    cols[0] = col_f64(v, 2);
    CHECK_OK(mloda_column_new_nulls(MLODA_TYPE_NULL, 0, MLODA_TIME_SECOND, 2, &cols[1], &err),
             err);
    const char *names[] = {"v", "gap"};
    mloda_table *t = NULL, *back = NULL;
    CHECK_OK(mloda_table_new(2, 2, names, (const mloda_column *const *)cols, &t, &err), err);
    struct ArrowArray a;
    struct ArrowSchema s;
    CHECK_OK(mloda_table_export(t, &a, &s, &err), err);
    CHECK_STR(s.children[1]->format, "n");
    CHECK_OK(mloda_table_import(&a, &s, &back, &err), err);
    CHECK_EQ_INT(mloda_column_type(mloda_table_column(back, 1)), MLODA_TYPE_NULL);
    CHECK_EQ_INT(mloda_column_n_nulls(mloda_table_column(back, 1)), 2);
    CHECK_CLOSE(num_at(mloda_table_column(back, 0), 1), 2.0);
    s.release(&s);
    mloda_table_release(back);
    mloda_table_release(t);
    mloda_column_release(cols[0]);
    mloda_column_release(cols[1]);
}

static void test_oom(void)
{
    for (int t = 0; t < 2; t++) {
        const mloda_type type = t == 0 ? MLODA_TYPE_NULL : MLODA_TYPE_UTF8;
        for (long n = 0;; n++) {
            TEST_CASE("%s, allocation %ld", mloda_type_name(type), n);
            mloda_test_fail_alloc_at(n);
            mloda_column *c = NULL;
            mloda_error err = MLODA_ERROR_INIT;
            mloda_status st = mloda_column_new_nulls(type, 0, MLODA_TIME_SECOND, 100, &c, &err);
            bool injected = mloda_test_alloc_failed();
            mloda_test_fail_alloc_at(-1);
            CHECK(st == MLODA_OK || (st == MLODA_ERR_NOMEM && c == NULL));
            if (st == MLODA_OK)
                CHECK_EQ_INT(mloda_column_n_nulls(c), 100);
            mloda_column_release(c);
            if (!injected)
                break;
        }
    }
}

int main(void)
{
    RUN(test_new_nulls);
    RUN(test_bad_args);
    RUN(test_take);
    RUN(test_arrow);
    RUN(test_table_round_trip);
    RUN(test_oom);
    return TEST_SUMMARY();
}
