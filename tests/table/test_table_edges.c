/*
 * test_table_edges.c: the data layer's public calls at their edges (include/mloda/table.h):
 * NULL objects, indices out of range and getters of the wrong type give the documented
 * "nothing" (0, NULL, -1, false) instead of a crash; builders refuse appends of the wrong
 * type and bad arguments with MLODA_ERR_TYPE / MLODA_ERR_INVALID_ARG; api_data refuses
 * unnamed and repeated tables. Values are those of the header documentation.
 */
#include <math.h>
#include <string.h>

#include "support.h"

static void test_column_getters(void)
{
    mloda_error err = MLODA_ERROR_INIT;
    const double fv[] = {1.5, 2.5};
    const uint8_t valid[] = {1, 0};
    mloda_column *f = NULL, *s = NULL, *b = NULL, *ts = NULL, *l = NULL;
    CHECK_OK(mloda_column_from_float64(2, fv, valid, &f, &err), err);
    const char *strs[] = {"x", NULL};
    CHECK_OK(mloda_column_from_utf8(2, strs, &s, &err), err);
    const bool bv[] = {true, true};
    CHECK_OK(mloda_column_from_bool(2, bv, valid, &b, &err), err);
    const int64_t tv[] = {1, 2};
    CHECK_OK(mloda_column_from_timestamp(MLODA_TIME_MILLI, 2, tv, NULL, &ts, &err), err);
    const double lv[] = {1, 2, 3, 4};
    CHECK_OK(mloda_column_from_float64_list(2, 2, lv, NULL, &l, &err), err);

    /* NULL columns */
    CHECK_EQ_INT(mloda_column_type(NULL), MLODA_TYPE_INVALID);
    CHECK_EQ_INT(mloda_column_n_rows(NULL), 0);
    CHECK_EQ_INT(mloda_column_n_nulls(NULL), 0);
    CHECK_EQ_INT(mloda_column_list_size(NULL), 0);
    CHECK_EQ_INT(mloda_column_time_unit(NULL), MLODA_TIME_SECOND);
    CHECK(!mloda_column_is_valid(NULL, 0));
    CHECK(mloda_column_validity(NULL) == NULL);
    CHECK(mloda_column_int64(NULL) == NULL && mloda_column_float64(NULL) == NULL);
    CHECK(mloda_column_bool_bits(NULL) == NULL && !mloda_column_bool_at(NULL, 0));
    CHECK(mloda_column_utf8_offsets(NULL) == NULL && mloda_column_utf8_data(NULL) == NULL);
    int64_t len = 7;
    CHECK(mloda_column_utf8_at(NULL, 0, &len) == NULL && len == 0);
    CHECK(mloda_column_retain(NULL) == NULL);
    mloda_column_release(NULL);

    /* getters of another type */
    CHECK(mloda_column_int64(f) == NULL && mloda_column_int64(ts) != NULL);
    CHECK(mloda_column_float64(s) == NULL && mloda_column_float64(l) != NULL);
    CHECK(mloda_column_bool_bits(f) == NULL && !mloda_column_bool_at(f, 0));
    CHECK(mloda_column_utf8_offsets(f) == NULL && mloda_column_utf8_data(f) == NULL);
    CHECK(mloda_column_utf8_at(f, 0, NULL) == NULL);
    CHECK_EQ_INT(mloda_column_list_size(f), 0);
    CHECK_EQ_INT(mloda_column_list_size(l), 2);
    CHECK_EQ_INT(mloda_column_time_unit(f), MLODA_TIME_SECOND);
    CHECK_EQ_INT(mloda_column_time_unit(ts), MLODA_TIME_MILLI);

    /* rows out of range and nulls */
    CHECK(!mloda_column_is_valid(f, -1) && !mloda_column_is_valid(f, 2));
    CHECK(mloda_column_is_valid(f, 0) && !mloda_column_is_valid(f, 1));
    CHECK(mloda_column_bool_at(b, 0) && !mloda_column_bool_at(b, 1)); /* null reads false */
    CHECK(mloda_column_utf8_at(s, 1, &len) == NULL && len == 0);
    const char *x = mloda_column_utf8_at(s, 0, NULL);
    CHECK(x != NULL && x[0] == 'x');
    CHECK(mloda_column_validity(ts) == NULL); /* no nulls: no bitmap */
    CHECK_EQ_INT(mloda_column_n_nulls(f), 1);

    mloda_column_release(f);
    mloda_column_release(s);
    mloda_column_release(b);
    mloda_column_release(ts);
    mloda_column_release(l);
}

static void test_table_getters(void)
{
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_EQ_INT(mloda_table_n_rows(NULL), 0);
    CHECK_EQ_INT(mloda_table_n_columns(NULL), 0);
    CHECK(mloda_table_column_name(NULL, 0) == NULL && mloda_table_column(NULL, 0) == NULL);
    CHECK_EQ_INT(mloda_table_column_index(NULL, "a"), -1);
    CHECK_STR(mloda_table_group_name(NULL), "");
    CHECK(mloda_table_retain(NULL) == NULL);
    mloda_table_release(NULL);
    const double v[] = {1, 2};
    mloda_column *c = NULL;
    CHECK_OK(mloda_column_from_float64(2, v, NULL, &c, &err), err);
    const char *names[] = {"a"};
    mloda_table *t = NULL;
    CHECK_OK(mloda_table_new(2, 1, names, (const mloda_column *const *)&c, &t, &err), err);
    CHECK(mloda_table_column_name(t, -1) == NULL && mloda_table_column_name(t, 1) == NULL);
    CHECK(mloda_table_column(t, -1) == NULL && mloda_table_column(t, 1) == NULL);
    CHECK_EQ_INT(mloda_table_column_index(t, NULL), -1);
    CHECK_EQ_INT(mloda_table_column_index(t, "b"), -1);
    CHECK_EQ_INT(mloda_table_column_index(t, "a"), 0);
    /* bad arguments to table_new */
    mloda_table *bad = NULL;
    CHECK_EQ_INT(mloda_table_new(-1, 0, NULL, NULL, &bad, &err), MLODA_ERR_INVALID_ARG);
    CHECK(bad == NULL);
    CHECK_EQ_INT(mloda_table_new(2, 1, NULL, (const mloda_column *const *)&c, &bad, &err),
                 MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_table_new(2, 1, names, NULL, &bad, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_table_new(2, -1, names, NULL, &bad, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_table_new(3, 1, names, (const mloda_column *const *)&c, &bad, &err),
                 MLODA_ERR_SCHEMA);
    const char *empty[] = {""};
    CHECK_EQ_INT(mloda_table_new(2, 1, empty, (const mloda_column *const *)&c, &bad, &err),
                 MLODA_ERR_INVALID_ARG);
    const mloda_column *two[] = {c, c};
    const char *same[] = {"a", "a"};
    CHECK_EQ_INT(mloda_table_new(2, 2, same, two, &bad, &err), MLODA_ERR_DUPLICATE);
    CHECK(bad == NULL);
    mloda_table *empty_table = NULL;
    CHECK_OK(mloda_table_new(5, 0, NULL, NULL, &empty_table, &err), err);
    CHECK_EQ_INT(mloda_table_n_rows(empty_table), 5);
    mloda_table_release(empty_table);

    /* api_data */
    CHECK_EQ_INT(mloda_api_data_n_tables(NULL), 0);
    CHECK(mloda_api_data_table_name(NULL, 0) == NULL && mloda_api_data_table(NULL, 0) == NULL);
    CHECK_EQ_INT(mloda_api_data_table_index(NULL, "T"), -1);
    mloda_api_data_free(NULL);
    mloda_api_data *a = mloda_api_data_new();
    CHECK_EQ_INT(mloda_api_data_add(NULL, "T", t, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_api_data_add(a, "", t, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_api_data_add(a, NULL, t, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_api_data_add(a, "T", NULL, &err), MLODA_ERR_INVALID_ARG);
    CHECK_OK(mloda_api_data_add(a, "T", t, &err), err);
    CHECK_EQ_INT(mloda_api_data_add(a, "T", t, &err), MLODA_ERR_DUPLICATE);
    CHECK_EQ_INT(mloda_api_data_add_columns(a, "T", 1, names, (const mloda_column *const *)&c, &err),
                 MLODA_ERR_DUPLICATE);
    CHECK_EQ_INT(mloda_api_data_add_columns(NULL, "U", 0, NULL, NULL, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_api_data_add_columns(a, "", 0, NULL, NULL, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_api_data_add_columns(a, "U", 2, same, two, &err), MLODA_ERR_DUPLICATE);
    CHECK_CONTAINS(err.message, "table 'U'");
    CHECK_OK(mloda_api_data_add_columns(a, "E", 0, NULL, NULL, &err), err); /* no columns */
    for (int k = 0; k < 20; k++) { /* grows past its first capacity */
        char name[16];
        (void)snprintf(name, sizeof name, "G%d", k);
        CHECK_OK(mloda_api_data_add(a, name, t, &err), err);
    }
    CHECK_EQ_INT(mloda_api_data_n_tables(a), 22);
    CHECK(mloda_api_data_table_name(a, -1) == NULL && mloda_api_data_table_name(a, 22) == NULL);
    CHECK(mloda_api_data_table(a, 22) == NULL);
    CHECK_STR(mloda_api_data_table_name(a, 21), "G19");
    CHECK_EQ_INT(mloda_api_data_table_index(a, NULL), -1);
    mloda_api_data_free(a);
    mloda_table_release(t);
    mloda_column_release(c);
}

static void test_builder_edges(void)
{
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_EQ_INT(mloda_column_builder_n_rows(NULL), 0);
    mloda_column_builder_free(NULL);
    CHECK_EQ_INT(mloda_column_builder_reserve(NULL, 1, 0, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_column_builder_append_null(NULL, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_column_builder_append_int64(NULL, 1, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_column_builder_append_float64(NULL, 1, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_column_builder_append_bool(NULL, true, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_column_builder_append_utf8(NULL, "a", 1, &err), MLODA_ERR_INVALID_ARG);
    const double pair[] = {1, 2};
    CHECK_EQ_INT(mloda_column_builder_append_list(NULL, pair, &err), MLODA_ERR_INVALID_ARG);
    void *vals = NULL;
    uint8_t *bits = NULL;
    CHECK_EQ_INT(mloda_column_builder_resize(NULL, 1, &vals, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_column_builder_validity(NULL, &bits, &err), MLODA_ERR_INVALID_ARG);
    mloda_column *out = NULL;
    CHECK_EQ_INT(mloda_column_builder_finish(NULL, &out, &err), MLODA_ERR_INVALID_ARG);
    CHECK(out == NULL);

    /* each append refuses the other types */
    static const mloda_type types[] = {MLODA_TYPE_INT64, MLODA_TYPE_FLOAT64, MLODA_TYPE_BOOL,
                                       MLODA_TYPE_UTF8, MLODA_TYPE_TIMESTAMP,
                                       MLODA_TYPE_FLOAT64_LIST};
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        TEST_CASE("builder of type %d", types[t]);
        mloda_column_builder *b = NULL;
        CHECK_OK(mloda_column_builder_new(types[t], 2, MLODA_TIME_NANO, &b, &err), err);
        const mloda_type ty = types[t];
        const bool is_int = ty == MLODA_TYPE_INT64 || ty == MLODA_TYPE_TIMESTAMP;
        CHECK((mloda_column_builder_append_int64(b, 1, &err) == MLODA_OK) == is_int);
        CHECK((mloda_column_builder_append_float64(b, 1, &err) == MLODA_OK) == (ty == MLODA_TYPE_FLOAT64));
        CHECK((mloda_column_builder_append_bool(b, true, &err) == MLODA_OK) == (ty == MLODA_TYPE_BOOL));
        CHECK((mloda_column_builder_append_utf8(b, "ab", 2, &err) == MLODA_OK) == (ty == MLODA_TYPE_UTF8));
        CHECK((mloda_column_builder_append_list(b, pair, &err) == MLODA_OK) ==
              (ty == MLODA_TYPE_FLOAT64_LIST));
        if (ty == MLODA_TYPE_FLOAT64_LIST) {
            CHECK_EQ_INT(mloda_column_builder_append_list(b, NULL, &err), MLODA_ERR_INVALID_ARG);
        }
        if (ty == MLODA_TYPE_FLOAT64) {
            CHECK_EQ_INT(mloda_column_builder_append_int64(b, 1, &err), MLODA_ERR_TYPE);
            CHECK_CONTAINS(err.message, "cannot append int64 to a float64 column builder");
        }
        CHECK_OK(mloda_column_builder_append_null(b, &err), err);
        CHECK_EQ_INT(mloda_column_builder_reserve(b, -1, 0, &err), MLODA_ERR_INVALID_ARG);
        CHECK_EQ_INT(mloda_column_builder_reserve(b, 0, -1, &err), MLODA_ERR_INVALID_ARG);
        CHECK_OK(mloda_column_builder_reserve(b, 10, 100, &err), err);
        CHECK_EQ_INT(mloda_column_builder_resize(b, 3, NULL, &err), MLODA_ERR_INVALID_ARG);
        CHECK_EQ_INT(mloda_column_builder_validity(b, NULL, &err), MLODA_ERR_INVALID_ARG);
        CHECK_OK(mloda_column_builder_finish(b, &out, &err), err);
        CHECK_EQ_INT(mloda_column_n_rows(out), 2);
        CHECK_EQ_INT(mloda_column_n_nulls(out), 1);
        mloda_column_release(out);
    }
    /* finish without out: refused, and the builder is consumed all the same */
    mloda_column_builder *gone = NULL;
    CHECK_OK(mloda_column_builder_new(MLODA_TYPE_INT64, 0, MLODA_TIME_SECOND, &gone, &err), err);
    CHECK_EQ_INT(mloda_column_builder_finish(gone, NULL, &err), MLODA_ERR_INVALID_ARG);
    /* bad types for a new builder */
    mloda_column_builder *b = NULL;
    CHECK_EQ_INT(mloda_column_builder_new(MLODA_TYPE_INVALID, 0, MLODA_TIME_SECOND, &b, &err),
                 MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_column_builder_new(MLODA_TYPE_FLOAT64_LIST, 0, MLODA_TIME_SECOND, &b, &err),
                 MLODA_ERR_INVALID_ARG);
    CHECK(b == NULL);
}

static void test_column_from_edges(void)
{
    mloda_error err = MLODA_ERROR_INIT;
    mloda_column *c = NULL;
    CHECK_EQ_INT(mloda_column_from_int64(-1, NULL, NULL, &c, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_column_from_float64(2, NULL, NULL, &c, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_column_from_bool(2, NULL, NULL, &c, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_column_from_utf8(2, NULL, &c, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_column_from_float64(1, (const double[]){1}, NULL, NULL, &err),
                 MLODA_ERR_INVALID_ARG);
    CHECK(c == NULL);
    /* zero rows need no arrays */
    CHECK_OK(mloda_column_from_bool(0, NULL, NULL, &c, &err), err);
    CHECK_EQ_INT(mloda_column_n_rows(c), 0);
    mloda_column_release(c);
    CHECK_OK(mloda_column_from_utf8(0, NULL, &c, &err), err);
    mloda_column_release(c);
    const bool bv[] = {true, false, true};
    const uint8_t valid[] = {0, 1, 1};
    CHECK_OK(mloda_column_from_bool(3, bv, valid, &c, &err), err);
    CHECK(!mloda_column_bool_at(c, 0) && !mloda_column_bool_at(c, 1) && mloda_column_bool_at(c, 2));
    mloda_column_release(c);
    /* take: bad indices and arguments */
    const double v[] = {1, 2, 3};
    mloda_column *f = NULL, *t = NULL;
    CHECK_OK(mloda_column_from_float64(3, v, NULL, &f, &err), err);
    const int64_t bad_idx[] = {0, 3};
    CHECK_EQ_INT(mloda_column_take(f, 2, bad_idx, &t, &err), MLODA_ERR_RANGE);
    CHECK_EQ_INT(err.position, 1);
    const int64_t neg[] = {-2};
    CHECK_EQ_INT(mloda_column_take(f, 1, neg, &t, &err), MLODA_ERR_RANGE);
    CHECK_EQ_INT(mloda_column_take(NULL, 1, neg, &t, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_column_take(f, -1, NULL, &t, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_column_take(f, 2, NULL, &t, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_column_take(f, 1, neg, NULL, &err), MLODA_ERR_INVALID_ARG);
    CHECK(t == NULL);
    const int64_t idx[] = {2, -1, 0};
    CHECK_OK(mloda_column_take(f, 3, idx, &t, &err), err);
    CHECK(mloda_column_float64(t)[0] == 3 && !mloda_column_is_valid(t, 1) &&
          mloda_column_float64(t)[2] == 1);
    mloda_column_release(t);
    CHECK_OK(mloda_column_take(f, 0, NULL, &t, &err), err);
    CHECK_EQ_INT(mloda_column_n_rows(t), 0);
    mloda_column_release(t);
    /* take of every other type, with a null made by -1 */
    const char *strs[] = {"a", "bb", NULL};
    mloda_column *s = NULL, *b = NULL, *l = NULL, *ts = NULL;
    CHECK_OK(mloda_column_from_utf8(3, strs, &s, &err), err);
    CHECK_OK(mloda_column_from_bool(3, bv, NULL, &b, &err), err);
    const double lv[] = {1, 2, 3, 4, 5, 6};
    CHECK_OK(mloda_column_from_float64_list(2, 3, lv, NULL, &l, &err), err);
    const int64_t tv[] = {5, 6, 7};
    CHECK_OK(mloda_column_from_timestamp(MLODA_TIME_SECOND, 3, tv, NULL, &ts, &err), err);
    mloda_column *cols[] = {s, b, l, ts};
    for (int k = 0; k < 4; k++) {
        TEST_CASE("take of type %d", mloda_column_type(cols[k]));
        CHECK_OK(mloda_column_take(cols[k], 3, idx, &t, &err), err);
        CHECK_EQ_INT(mloda_column_n_rows(t), 3);
        CHECK(!mloda_column_is_valid(t, 1));
        CHECK_EQ_INT(mloda_column_type(t), mloda_column_type(cols[k]));
        mloda_column_release(t);
    }
    int64_t len = 0;
    CHECK_OK(mloda_column_take(s, 3, idx, &t, &err), err);
    CHECK(mloda_column_utf8_at(t, 0, &len) == NULL); /* row 2 of s is null */
    const char *a = mloda_column_utf8_at(t, 2, &len);
    CHECK(a != NULL && len == 1 && a[0] == 'a');
    mloda_column_release(t);
    for (int k = 0; k < 4; k++)
        mloda_column_release(cols[k]);
    mloda_column_release(f);
}

int main(void)
{
    RUN(test_column_getters);
    RUN(test_table_getters);
    RUN(test_builder_edges);
    RUN(test_column_from_edges);
    return TEST_SUMMARY();
}
