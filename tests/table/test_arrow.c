/* test_arrow.c: Arrow C Data Interface export and import: every type with nulls, empty
 * tables, sliced arrays (offsets that are and are not multiples of 8), the producer's
 * release running exactly once, malformed structs, and the table stream. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mloda/table.h"
#include "test.h"
#include "util/alloc.h"

enum { N = 21, N_COLS = 8 };

static const char *const col_names[N_COLS] = {"i", "f", "b", "s", "ts", "tn", "geo", "dense"};

/* Columns of every type over N rows; most have nulls. */
static void make_columns(mloda_column *cols[N_COLS])
{
    int64_t iv[N], tv[N];
    double fv[N], lv[2 * N];
    bool bv[N];
    uint8_t valid[N];
    const char *sv[N];
    static const char *const words[] = {"", "a", "gr\xc3\xbc\xc3\x9f", "\xe6\x97\xa5", "long text"};
    for (int i = 0; i < N; i++) {
        iv[i] = i * 11 - 50;
        tv[i] = 1700000000000 + i;
        fv[i] = i == 4 ? NAN : i * 0.25;
        lv[2 * (size_t)i] = i;
        lv[2 * (size_t)i + 1] = -i;
        bv[i] = i % 3 == 1;
        valid[i] = (uint8_t)(i % 5 != 2);
        sv[i] = i % 4 == 3 ? NULL : words[i % 5];
    }
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_column_from_int64(N, iv, valid, &cols[0], &err), err);
    CHECK_OK(mloda_column_from_float64(N, fv, valid, &cols[1], &err), err);
    CHECK_OK(mloda_column_from_bool(N, bv, valid, &cols[2], &err), err);
    CHECK_OK(mloda_column_from_utf8(N, sv, &cols[3], &err), err);
    CHECK_OK(mloda_column_from_timestamp(MLODA_TIME_MILLI, N, tv, valid, &cols[4], &err), err);
    CHECK_OK(mloda_column_from_timestamp(MLODA_TIME_NANO, N, tv, NULL, &cols[5], &err), err);
    CHECK_OK(mloda_column_from_float64_list(2, N, lv, valid, &cols[6], &err), err);
    CHECK_OK(mloda_column_from_int64(N, iv, NULL, &cols[7], &err), err);
}

static void release_columns(mloda_column *cols[N_COLS])
{
    for (int i = 0; i < N_COLS; i++)
        mloda_column_release(cols[i]);
}

static bool same_double(double a, double b)
{
    return (isnan(a) && isnan(b)) || a == b;
}

/* got's rows [0, n) equal want's rows [off, off + n), and got keeps the invariants. */
static void check_same_column(const mloda_column *got, const mloda_column *want, int64_t off,
                              int64_t n)
{
    CHECK(got != NULL);
    if (got == NULL)
        return;
    const mloda_type type = mloda_column_type(want);
    CHECK_EQ_INT(mloda_column_type(got), type);
    CHECK_EQ_INT(mloda_column_n_rows(got), n);
    CHECK_EQ_INT(mloda_column_time_unit(got), mloda_column_time_unit(want));
    CHECK_EQ_INT(mloda_column_list_size(got), mloda_column_list_size(want));
    int64_t nulls = 0;
    for (int64_t i = 0; i < n; i++) {
        const bool valid = mloda_column_is_valid(want, off + i);
        nulls += !valid;
        CHECK_MSG(mloda_column_is_valid(got, i) == valid, "validity of row %lld", (long long)i);
        if (!valid)
            continue;
        switch (type) {
        case MLODA_TYPE_INT64:
        case MLODA_TYPE_TIMESTAMP:
            CHECK_EQ_INT(mloda_column_int64(got)[i], mloda_column_int64(want)[off + i]);
            break;
        case MLODA_TYPE_FLOAT64:
            CHECK(same_double(mloda_column_float64(got)[i], mloda_column_float64(want)[off + i]));
            break;
        case MLODA_TYPE_FLOAT64_LIST: {
            const int64_t ls = mloda_column_list_size(want);
            for (int64_t j = 0; j < ls; j++)
                CHECK(same_double(mloda_column_float64(got)[i * ls + j],
                                  mloda_column_float64(want)[(off + i) * ls + j]));
            break;
        }
        case MLODA_TYPE_BOOL:
            CHECK(mloda_column_bool_at(got, i) == mloda_column_bool_at(want, off + i));
            break;
        case MLODA_TYPE_UTF8: {
            int64_t gl = -1, wl = -2;
            const char *g = mloda_column_utf8_at(got, i, &gl);
            const char *w = mloda_column_utf8_at(want, off + i, &wl);
            CHECK_EQ_INT(gl, wl);
            CHECK(g != NULL && w != NULL && gl == wl && memcmp(g, w, (size_t)gl) == 0);
            break;
        }
        case MLODA_TYPE_NULL: /* never valid */
        case MLODA_TYPE_INVALID:
            CHECK(false);
            break;
        }
    }
    CHECK_EQ_INT(mloda_column_n_nulls(got), nulls);
    CHECK((mloda_column_validity(got) == NULL) == (nulls == 0));
    /* bitmaps are always the column's own: 64-byte aligned, tail bits zero */
    const uint8_t *bitmaps[2] = {mloda_column_validity(got), mloda_column_bool_bits(got)};
    for (int b = 0; b < 2; b++) {
        if (bitmaps[b] == NULL)
            continue;
        CHECK((uintptr_t)bitmaps[b] % 64 == 0);
        if (n % 8 != 0)
            CHECK((bitmaps[b][n / 8] >> (n % 8)) == 0);
    }
    if (type == MLODA_TYPE_UTF8)
        CHECK_EQ_INT(mloda_column_utf8_offsets(got)[0], 0); /* rebased */
}

/* ---------------------------------------------------------------- counting release */

typedef struct counter {
    void (*release)(struct ArrowArray *);
    void *private_data;
    int *count;
} counter;

static void counting_release(struct ArrowArray *a)
{
    counter *c = a->private_data;
    (*c->count)++;
    a->private_data = c->private_data;
    a->release = c->release;
    free(c);
    a->release(a);
}

/* Wraps an exported array so that its release bumps *count. */
static void wrap_release(struct ArrowArray *a, int *count)
{
    counter *c = malloc(sizeof *c);
    if (c == NULL)
        abort(); /* test harness only */
    c->release = a->release;
    c->private_data = a->private_data;
    c->count = count;
    a->private_data = c;
    a->release = counting_release;
}

/* ---------------------------------------------------------------- export shape */

static void test_export_shape(void)
{
    mloda_column *cols[N_COLS];
    make_columns(cols);
    static const struct {
        const char *format;
        int64_t n_buffers, n_children;
    } want[N_COLS] = {{"l", 2, 0},    {"g", 2, 0},    {"b", 2, 0},    {"u", 3, 0},
                      {"tsm:", 2, 0}, {"tsn:", 2, 0}, {"+w:2", 1, 1}, {"l", 2, 0}};
    for (int k = 0; k < N_COLS; k++) {
        TEST_CASE("%s", col_names[k]);
        struct ArrowArray a;
        struct ArrowSchema s;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(mloda_column_export(cols[k], col_names[k], &a, &s, &err), err);
        CHECK_STR(s.format, want[k].format);
        CHECK_STR(s.name, col_names[k]);
        CHECK(s.flags & ARROW_FLAG_NULLABLE);
        CHECK_EQ_INT(s.n_children, want[k].n_children);
        CHECK_EQ_INT(a.n_buffers, want[k].n_buffers);
        CHECK_EQ_INT(a.n_children, want[k].n_children);
        CHECK_EQ_INT(a.length, N);
        CHECK_EQ_INT(a.offset, 0);
        CHECK_EQ_INT(a.null_count, mloda_column_n_nulls(cols[k]));
        CHECK(a.buffers[0] == mloda_column_validity(cols[k]));
        CHECK(a.dictionary == NULL && s.dictionary == NULL);
        if (k == 7)
            CHECK(a.buffers[0] == NULL); /* no nulls: no bitmap */
        if (k == 0)
            CHECK(a.buffers[1] == mloda_column_int64(cols[0])); /* zero-copy */
        if (k == 3) {
            CHECK(a.buffers[1] == mloda_column_utf8_offsets(cols[3]));
            CHECK(a.buffers[2] == mloda_column_utf8_data(cols[3]));
        }
        if (k == 6) {
            CHECK_STR(s.children[0]->format, "g");
            CHECK_EQ_INT(a.children[0]->length, 2 * N);
            CHECK_EQ_INT(a.children[0]->n_buffers, 2);
            CHECK_EQ_INT(a.children[0]->null_count, 0);
            CHECK(a.children[0]->buffers[0] == NULL);
            CHECK(a.children[0]->buffers[1] == mloda_column_float64(cols[6]));
        }
        s.release(&s);
        a.release(&a);
        CHECK(s.release == NULL && a.release == NULL);
    }
    /* timestamps of every unit */
    static const char *const ts_formats[] = {"tss:", "tsm:", "tsu:", "tsn:"};
    for (int u = 0; u < 4; u++) {
        TEST_CASE("%s", ts_formats[u]);
        const int64_t v[1] = {1};
        mloda_column *c = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(mloda_column_from_timestamp((mloda_time_unit)u, 1, v, NULL, &c, &err), err);
        struct ArrowArray a;
        struct ArrowSchema s;
        CHECK_OK(mloda_column_export(c, NULL, &a, &s, &err), err);
        CHECK_STR(s.format, ts_formats[u]);
        CHECK_STR(s.name, "");
        mloda_column_release(c); /* the export keeps the column alive */
        CHECK_EQ_INT(((const int64_t *)a.buffers[1])[0], 1);
        s.release(&s);
        a.release(&a);
    }
    /* bad arguments leave the structs released */
    struct ArrowArray a;
    struct ArrowSchema s;
    a.release = (void (*)(struct ArrowArray *))1;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK(mloda_column_export(NULL, "x", &a, &s, &err) == MLODA_ERR_INVALID_ARG);
    CHECK(a.release == NULL && s.release == NULL);
    CHECK(mloda_table_export(NULL, &a, &s, NULL) == MLODA_ERR_INVALID_ARG);
    release_columns(cols);
}

/* ---------------------------------------------------------------- round trips */

static void test_column_round_trip(void)
{
    mloda_column *cols[N_COLS];
    make_columns(cols);
    for (int k = 0; k < N_COLS; k++) {
        TEST_CASE("%s", col_names[k]);
        struct ArrowArray a;
        struct ArrowSchema s;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(mloda_column_export(cols[k], col_names[k], &a, &s, &err), err);
        int released = 0;
        wrap_release(&a, &released);
        mloda_column *got = NULL;
        CHECK_OK(mloda_column_import(&a, &s, &got, &err), err);
        CHECK(a.release == NULL); /* moved */
        s.release(&s);             /* the schema stays the caller's */
        check_same_column(got, cols[k], 0, N);
        if (k == 0) /* aligned, unsliced: borrowed, not copied */
            CHECK(mloda_column_int64(got) == mloda_column_int64(cols[0]));
        /* bitmaps are copied, so a bool column borrows nothing and frees the producer */
        const int early = mloda_column_type(cols[k]) == MLODA_TYPE_BOOL;
        CHECK_EQ_INT(released, early);
        /* re-export of an imported column works too */
        struct ArrowArray a2;
        struct ArrowSchema s2;
        CHECK_OK(mloda_column_export(got, col_names[k], &a2, &s2, &err), err);
        mloda_column_release(got);
        CHECK_EQ_INT(released, early); /* the re-export still holds the import */
        mloda_column *again = NULL;
        CHECK_OK(mloda_column_import(&a2, &s2, &again, &err), err);
        s2.release(&s2);
        check_same_column(again, cols[k], 0, N);
        mloda_column_release(again);
        CHECK_EQ_INT(released, 1); /* exactly once, after the last column */
    }
    release_columns(cols);
}

static mloda_table *make_table(mloda_column *cols[N_COLS])
{
    mloda_error err = MLODA_ERROR_INIT;
    mloda_table *t = NULL;
    CHECK_OK(mloda_table_new(N, N_COLS, col_names, (const mloda_column *const *)cols, &t, &err),
             err);
    return t;
}

static void check_same_table(const mloda_table *got, const mloda_table *want, int64_t off,
                             int64_t n)
{
    CHECK(got != NULL);
    CHECK_EQ_INT(mloda_table_n_rows(got), n);
    CHECK_EQ_INT(mloda_table_n_columns(got), mloda_table_n_columns(want));
    for (int64_t i = 0; got != NULL && i < mloda_table_n_columns(want); i++) {
        CHECK_STR(mloda_table_column_name(got, i), mloda_table_column_name(want, i));
        check_same_column(mloda_table_column(got, i), mloda_table_column(want, i), off, n);
    }
}

static void test_table_round_trip(void)
{
    mloda_column *cols[N_COLS];
    make_columns(cols);
    mloda_table *t = make_table(cols);
    struct ArrowArray a;
    struct ArrowSchema s;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_table_export(t, &a, &s, &err), err);
    CHECK_STR(s.format, "+s");
    CHECK_EQ_INT(s.n_children, N_COLS);
    CHECK_EQ_INT(a.n_children, N_COLS);
    CHECK_EQ_INT(a.n_buffers, 1);
    CHECK(a.buffers[0] == NULL);
    CHECK_EQ_INT(a.null_count, 0);
    CHECK_EQ_INT(a.length, N);
    for (int k = 0; k < N_COLS; k++)
        CHECK_STR(s.children[k]->name, col_names[k]);
    int released = 0;
    wrap_release(&a, &released);
    mloda_table *got = NULL;
    CHECK_OK(mloda_table_import(&a, &s, &got, &err), err);
    s.release(&s);
    check_same_table(got, t, 0, N);
    /* keep one column beyond the table: the producer must wait for it */
    mloda_column *keep = mloda_column_retain(mloda_table_column(got, 3));
    mloda_table_release(got);
    CHECK_EQ_INT(released, 0);
    check_same_column(keep, cols[3], 0, N);
    mloda_column_release(keep);
    CHECK_EQ_INT(released, 1);
    mloda_table_release(t);
    release_columns(cols);
}

static void test_empty_tables(void)
{
    mloda_column *cols[N_COLS];
    make_columns(cols);
    mloda_column *empty[N_COLS];
    mloda_error err = MLODA_ERROR_INIT;
    for (int k = 0; k < N_COLS; k++) { /* zero-row columns of every type */
        mloda_column_builder *b = NULL;
        CHECK_OK(mloda_column_builder_new(mloda_column_type(cols[k]),
                                          mloda_column_list_size(cols[k]),
                                          mloda_column_time_unit(cols[k]), &b, &err),
                 err);
        CHECK_OK(mloda_column_builder_finish(b, &empty[k], &err), err);
    }
    mloda_table *t = NULL;
    CHECK_OK(mloda_table_new(0, N_COLS, col_names, (const mloda_column *const *)empty, &t, &err),
             err);
    struct ArrowArray a;
    struct ArrowSchema s;
    CHECK_OK(mloda_table_export(t, &a, &s, &err), err);
    mloda_table *got = NULL;
    CHECK_OK(mloda_table_import(&a, &s, &got, &err), err);
    s.release(&s);
    check_same_table(got, t, 0, 0);
    mloda_table_release(got);
    mloda_table_release(t);

    /* no columns at all */
    CHECK_OK(mloda_table_new(4, 0, NULL, NULL, &t, &err), err);
    CHECK_OK(mloda_table_export(t, &a, &s, &err), err);
    CHECK_EQ_INT(a.n_children, 0);
    CHECK_OK(mloda_table_import(&a, &s, &got, &err), err);
    s.release(&s);
    CHECK_EQ_INT(mloda_table_n_rows(got), 4);
    CHECK_EQ_INT(mloda_table_n_columns(got), 0);
    mloda_table_release(got);
    mloda_table_release(t);
    for (int k = 0; k < N_COLS; k++)
        mloda_column_release(empty[k]);
    release_columns(cols);
}

/* ---------------------------------------------------------------- slices */

static const struct {
    int64_t offset, length;
} slices[] = {{0, N}, {1, 5}, {3, 12}, {8, 8}, {9, 12}, {16, 5}, {3, 0}, {20, 1}, {0, 0}};

static void test_sliced_columns(void)
{
    mloda_column *cols[N_COLS];
    make_columns(cols);
    for (size_t q = 0; q < sizeof slices / sizeof slices[0]; q++) {
        for (int k = 0; k < N_COLS; k++) {
            const int64_t off = slices[q].offset, len = slices[q].length;
            TEST_CASE("%s offset %lld length %lld", col_names[k], (long long)off, (long long)len);
            struct ArrowArray a;
            struct ArrowSchema s;
            mloda_error err = MLODA_ERROR_INIT;
            CHECK_OK(mloda_column_export(cols[k], col_names[k], &a, &s, &err), err);
            a.offset = off; /* a slicing producer: same buffers, moved window */
            a.length = len;
            if (a.null_count != 0)
                a.null_count = -1; /* unknown for the slice */
            int released = 0;
            wrap_release(&a, &released);
            mloda_column *got = NULL;
            CHECK_OK(mloda_column_import(&a, &s, &got, &err), err);
            s.release(&s);
            check_same_column(got, cols[k], off, len);
            mloda_column_release(got);
            CHECK_EQ_INT(released, 1);
        }
    }
    release_columns(cols);
}

static void test_sliced_tables(void)
{
    mloda_column *cols[N_COLS];
    make_columns(cols);
    mloda_table *t = make_table(cols);
    for (size_t q = 0; q < sizeof slices / sizeof slices[0]; q++) {
        for (int64_t child_off = 0; child_off <= 2; child_off += 2) {
            const int64_t off = slices[q].offset, len = slices[q].length;
            if (off + child_off + len > N)
                continue;
            TEST_CASE("struct offset %lld, child offset %lld, length %lld", (long long)off,
                      (long long)child_off, (long long)len);
            struct ArrowArray a;
            struct ArrowSchema s;
            mloda_error err = MLODA_ERROR_INIT;
            CHECK_OK(mloda_table_export(t, &a, &s, &err), err);
            a.offset = off;
            a.length = len;
            for (int k = 0; k < N_COLS; k++) { /* children sliced too: offsets add up */
                a.children[k]->offset = child_off;
                a.children[k]->length = N - child_off;
                if (a.children[k]->null_count != 0)
                    a.children[k]->null_count = -1;
            }
            int released = 0;
            wrap_release(&a, &released);
            mloda_table *got = NULL;
            CHECK_OK(mloda_table_import(&a, &s, &got, &err), err);
            s.release(&s);
            check_same_table(got, t, off + child_off, len);
            mloda_table_release(got);
            CHECK_EQ_INT(released, 1);
        }
    }
    mloda_table_release(t);
    release_columns(cols);
}

/* ---------------------------------------------------------------- hand-made arrays */

static int fake_releases;

static void fake_release(struct ArrowArray *a)
{
    fake_releases++;
    for (int64_t i = 0; i < a->n_children; i++)
        if (a->children[i]->release != NULL)
            a->children[i]->release(a->children[i]);
    a->release = NULL;
}

static const int64_t i64_vals[4] = {1, 2, 3, 4};
static const int32_t i32_vals[4] = {-7, 0, 7, INT32_MAX};
static const float f32_vals[4] = {0.5f, -1.5f, 2.0f, 1e10f};
static const int32_t good_offsets[5] = {0, 1, 1, 4, 6};
static const int32_t bad_desc[5] = {0, 3, 2, 4, 6};
static const int32_t bad_neg[5] = {-1, 1, 1, 4, 6};
static const int32_t shifted_offsets[5] = {2, 3, 3, 6, 8};
static const char text[] = "xyabcdefgh";
static const double dbl_vals[8] = {1, 2, 3, 4, 5, 6, 7, 8};

/* What a hand-made case needs beyond the format. */
typedef struct fake_spec {
    const char *label;
    const char *format; /* NULL: a NULL format */
    int64_t length, offset, null_count, n_buffers;
    const void *b0, *b1, *b2;
    const char *child_format; /* non-NULL: one child of 8 doubles with this format */
    int64_t child_length;
    bool dictionary;
    mloda_status st;
    const char *msg; /* expected in the error message */
} fake_spec;

static const uint8_t validity_1010[1] = {0x05}; /* rows 0 and 2 valid */

static const fake_spec fakes[] = {
    {"int64 ok", "l", 4, 0, 0, 2, NULL, i64_vals, NULL, NULL, 0, false, MLODA_OK, ""},
    {"unknown format", "z", 4, 0, 0, 2, NULL, i64_vals, NULL, NULL, 0, false, MLODA_ERR_TYPE,
     "'z'"},
    {"uint64", "L", 4, 0, 0, 2, NULL, i64_vals, NULL, NULL, 0, false, MLODA_ERR_TYPE, "'L'"},
    {"large utf8", "U", 4, 0, 0, 3, NULL, i64_vals, text, NULL, 0, false, MLODA_ERR_TYPE,
     "'U'"},
    {"empty format", "", 4, 0, 0, 2, NULL, i64_vals, NULL, NULL, 0, false, MLODA_ERR_TYPE, "''"},
    {"NULL format", NULL, 4, 0, 0, 2, NULL, i64_vals, NULL, NULL, 0, false, MLODA_ERR_PARSE,
     "format"},
    {"bad ts unit", "tsx:", 4, 0, 0, 2, NULL, i64_vals, NULL, NULL, 0, false, MLODA_ERR_TYPE,
     "tsx:"},
    {"struct as column", "+s", 4, 0, 0, 1, NULL, NULL, NULL, NULL, 0, false, MLODA_ERR_TYPE,
     "'+s'"},
    {"too few buffers", "l", 4, 0, 0, 1, NULL, i64_vals, NULL, NULL, 0, false, MLODA_ERR_PARSE,
     "buffers"},
    {"too many buffers", "l", 4, 0, 0, 3, NULL, i64_vals, NULL, NULL, 0, false,
     MLODA_ERR_PARSE, "buffers"},
    {"negative length", "l", -1, 0, 0, 2, NULL, i64_vals, NULL, NULL, 0, false,
     MLODA_ERR_PARSE, "negative length"},
    {"negative offset", "l", 4, -2, 0, 2, NULL, i64_vals, NULL, NULL, 0, false,
     MLODA_ERR_PARSE, "negative offset"},
    {"offset overflow", "l", 4, INT64_MAX - 1, 0, 2, NULL, i64_vals, NULL, NULL, 0, false,
     MLODA_ERR_PARSE, "overflow"},
    {"bytes overflow", "l", 4, INT64_MAX / 4, 0, 2, NULL, i64_vals, NULL, NULL, 0, false,
     MLODA_ERR_PARSE, "overflow"},
    {"huge offset with nulls", "l", 4, INT64_MAX / 4, -1, 2, validity_1010, i64_vals, NULL,
     NULL, 0, false, MLODA_ERR_PARSE, "overflow"},
    {"nulls but no bitmap", "l", 4, 0, 2, 2, NULL, i64_vals, NULL, NULL, 0, false,
     MLODA_ERR_PARSE, "validity"},
    {"null_count -5", "l", 4, 0, -5, 2, NULL, i64_vals, NULL, NULL, 0, false, MLODA_ERR_PARSE,
     "null_count"},
    {"NULL values", "l", 4, 0, 0, 2, NULL, NULL, NULL, NULL, 0, false, MLODA_ERR_PARSE,
     "NULL"},
    {"NULL values, empty", "g", 0, 0, 0, 2, NULL, NULL, NULL, NULL, 0, false, MLODA_OK, ""},
    {"unknown null count, no bitmap", "l", 4, 0, -1, 2, NULL, i64_vals, NULL, NULL, 0, false,
     MLODA_OK, ""},
    {"int64 with nulls", "l", 3, 0, 1, 2, validity_1010, i64_vals, NULL, NULL, 0, false,
     MLODA_OK, ""},
    {"dictionary", "l", 4, 0, 0, 2, NULL, i64_vals, NULL, NULL, 0, true, MLODA_ERR_TYPE,
     "dictionary"},
    {"utf8 ok", "u", 4, 0, 0, 3, NULL, good_offsets, text, NULL, 0, false, MLODA_OK, ""},
    {"utf8 sliced offsets", "u", 3, 1, 0, 3, NULL, shifted_offsets, text, NULL, 0, false,
     MLODA_OK, ""},
    {"utf8 decreasing", "u", 4, 0, 0, 3, NULL, bad_desc, text, NULL, 0, false, MLODA_ERR_PARSE,
     "decrease at row 1"},
    {"utf8 negative", "u", 4, 0, 0, 3, NULL, bad_neg, text, NULL, 0, false, MLODA_ERR_PARSE,
     "negative"},
    {"utf8 NULL offsets", "u", 4, 0, 0, 3, NULL, NULL, text, NULL, 0, false, MLODA_ERR_PARSE,
     "offsets"},
    {"utf8 NULL data", "u", 4, 0, 0, 3, NULL, good_offsets, NULL, NULL, 0, false,
     MLODA_ERR_PARSE, "data"},
    {"utf8 two buffers", "u", 4, 0, 0, 2, NULL, good_offsets, NULL, NULL, 0, false,
     MLODA_ERR_PARSE, "buffers"},
    {"int32 widened", "i", 3, 1, 0, 2, NULL, i32_vals, NULL, NULL, 0, false, MLODA_OK, ""},
    {"float32 widened", "f", 4, 0, 0, 2, NULL, f32_vals, NULL, NULL, 0, false, MLODA_OK, ""},
    {"timestamp with zone", "tsu:Europe/Berlin", 4, 0, 0, 2, NULL, i64_vals, NULL, NULL, 0,
     false, MLODA_OK, ""},
    {"timestamp UTC", "tsn:UTC", 4, 0, 0, 2, NULL, i64_vals, NULL, NULL, 0, false, MLODA_OK, ""},
    {"list ok", "+w:2", 4, 0, 0, 1, NULL, NULL, NULL, "g", 8, false, MLODA_OK, ""},
    {"list sliced", "+w:2", 2, 1, 0, 1, NULL, NULL, NULL, "g", 8, false, MLODA_OK, ""},
    {"list of int64", "+w:2", 4, 0, 0, 1, NULL, NULL, NULL, "l", 8, false, MLODA_ERR_TYPE,
     "'l'"},
    {"list size 0", "+w:0", 4, 0, 0, 1, NULL, NULL, NULL, "g", 8, false, MLODA_ERR_TYPE,
     "+w:0"},
    {"list size junk", "+w:2x", 4, 0, 0, 1, NULL, NULL, NULL, "g", 8, false, MLODA_ERR_TYPE,
     "+w:2x"},
    {"list without child", "+w:2", 4, 0, 0, 1, NULL, NULL, NULL, NULL, 0, false,
     MLODA_ERR_PARSE, "children"},
    {"list child too short", "+w:2", 4, 0, 0, 1, NULL, NULL, NULL, "g", 7, false,
     MLODA_ERR_PARSE, "shorter"},
    {"variable list", "+l", 4, 0, 0, 2, NULL, i64_vals, NULL, NULL, 0, false, MLODA_ERR_TYPE,
     "'+l'"},
    /* formats at the edge of the grammar (issue 16: coverage of every refusal) */
    {"ts without unit", "ts", 4, 0, 0, 2, NULL, i64_vals, NULL, NULL, 0, false, MLODA_ERR_TYPE,
     "'ts'"},
    {"ts without colon", "tsu", 4, 0, 0, 2, NULL, i64_vals, NULL, NULL, 0, false,
     MLODA_ERR_TYPE, "'tsu'"},
    {"ts seconds", "tss:", 4, 0, 0, 2, NULL, i64_vals, NULL, NULL, 0, false, MLODA_OK, ""},
    {"ts millis with nulls", "tsm:", 3, 0, 1, 2, validity_1010, i64_vals, NULL, NULL, 0, false,
     MLODA_OK, ""},
    {"list size empty", "+w:", 4, 0, 0, 1, NULL, NULL, NULL, "g", 8, false, MLODA_ERR_TYPE,
     "'+w:'"},
    {"list size beyond int32", "+w:99999999999", 4, 0, 0, 1, NULL, NULL, NULL, "g", 8, false,
     MLODA_ERR_TYPE, "+w:99999999999"},
    {"list with nulls", "+w:2", 3, 0, 1, 1, validity_1010, NULL, NULL, "g", 8, false, MLODA_OK,
     ""},
    {"int32 with nulls", "i", 3, 0, 1, 2, validity_1010, i32_vals, NULL, NULL, 0, false,
     MLODA_OK, ""},
    {"float32 with nulls, sliced", "f", 3, 1, 1, 2, validity_1010, f32_vals, NULL, NULL, 0,
     false, MLODA_OK, ""},
    {"int32 NULL values", "i", 3, 0, 0, 2, NULL, NULL, NULL, NULL, 0, false, MLODA_ERR_PARSE,
     "NULL"},
    {"utf8 with nulls", "u", 3, 0, 1, 3, validity_1010, good_offsets, text, NULL, 0, false,
     MLODA_OK, ""},
    {"utf8 empty without offsets", "u", 0, 0, 0, 3, NULL, NULL, NULL, NULL, 0, false, MLODA_OK,
     ""},
    {"bool ok", "b", 3, 0, 0, 2, NULL, validity_1010, NULL, NULL, 0, false, MLODA_OK, ""},
    {"bool sliced with nulls", "b", 2, 1, 1, 2, validity_1010, validity_1010, NULL, NULL, 0,
     false, MLODA_OK, ""},
    {"bool NULL values", "b", 3, 0, 0, 2, NULL, NULL, NULL, NULL, 0, false, MLODA_ERR_PARSE,
     "NULL"},
    {"bool empty", "b", 0, 0, 0, 2, NULL, NULL, NULL, NULL, 0, false, MLODA_OK, ""},
    /* lengths and offsets near INT64_MAX: every size computation refuses to overflow */
    {"utf8 offset overflow", "u", 4, INT64_MAX - 2, 0, 3, NULL, good_offsets, text, NULL, 0,
     false, MLODA_ERR_PARSE, "overflows"},
    {"utf8 length overflow", "u", INT64_MAX, 0, 0, 3, NULL, good_offsets, text, NULL, 0, false,
     MLODA_ERR_PARSE, "overflows"},
    {"utf8 offsets bytes overflow", "u", 4, INT64_MAX / 4, 0, 3, NULL, good_offsets, text,
     NULL, 0, false, MLODA_ERR_PARSE, "overflows"},
    {"list offset overflow", "+w:2", 4, INT64_MAX / 2, 0, 1, NULL, NULL, NULL, "g", 8, false,
     MLODA_ERR_PARSE, "overflows"},
    {"list length overflow", "+w:4", INT64_MAX / 3, 0, 0, 1, NULL, NULL, NULL, "g", 8, false,
     MLODA_ERR_PARSE, "overflows"},
    {"bool offset overflow", "b", 4, INT64_MAX - 1, 0, 2, NULL, validity_1010, NULL, NULL, 0,
     false, MLODA_ERR_PARSE, "overflows"},
    {"bool huge length", "b", INT64_MAX, 0, 0, 2, NULL, validity_1010, NULL, NULL, 0, false,
     MLODA_ERR_PARSE, "overflows"},
    {"float32 bytes overflow", "f", 4, INT64_MAX / 2, 0, 2, NULL, f32_vals, NULL, NULL, 0,
     false, MLODA_ERR_PARSE, "overflows"},
    {"int32 unknown null count, all valid", "i", 3, 0, -1, 2, validity_1010 + 0, i32_vals, NULL,
     NULL, 0, false, MLODA_OK, ""},
    {"list size negative", "+w:-2", 4, 0, 0, 1, NULL, NULL, NULL, "g", 8, false, MLODA_ERR_TYPE,
     "'+w:-2'"},
};

typedef struct fake {
    struct ArrowArray array, child;
    struct ArrowSchema schema, child_schema;
    const void *buffers[3], *child_buffers[2];
    struct ArrowArray *child_ptr;
    struct ArrowSchema *child_schema_ptr;
    struct ArrowArray dict;
} fake;

static void fake_build(fake *f, const fake_spec *c)
{
    memset(f, 0, sizeof *f);
    f->buffers[0] = c->b0;
    f->buffers[1] = c->b1;
    f->buffers[2] = c->b2;
    f->array.length = c->length;
    f->array.offset = c->offset;
    f->array.null_count = c->null_count;
    f->array.n_buffers = c->n_buffers;
    f->array.buffers = f->buffers;
    f->array.release = fake_release;
    f->schema.format = c->format;
    f->schema.name = "field";
    if (c->dictionary) {
        f->dict.release = fake_release;
        f->array.dictionary = &f->dict;
    }
    if (c->child_format != NULL) {
        f->child_buffers[1] = dbl_vals;
        f->child.length = c->child_length;
        f->child.n_buffers = 2;
        f->child.buffers = f->child_buffers;
        f->child.release = fake_release;
        f->child_ptr = &f->child;
        f->array.n_children = 1;
        f->array.children = &f->child_ptr;
        f->child_schema.format = c->child_format;
        f->child_schema.name = "item";
        f->child_schema_ptr = &f->child_schema;
        f->schema.n_children = 1;
        f->schema.children = &f->child_schema_ptr;
    }
}

static void test_hand_made(void)
{
    for (size_t k = 0; k < sizeof fakes / sizeof fakes[0]; k++) {
        const fake_spec *c = &fakes[k];
        TEST_CASE("%s", c->label);
        fake f;
        fake_build(&f, c);
        fake_releases = 0;
        mloda_error err = MLODA_ERROR_INIT;
        mloda_column *got = (mloda_column *)1;
        mloda_status st = mloda_column_import(&f.array, &f.schema, &got, &err);
        CHECK_EQ_INT(st, c->st);
        CHECK_EQ_INT(err.code, st);
        CHECK_CONTAINS(err.message, c->msg);
        CHECK(f.array.release == NULL); /* taken either way */
        if (st != MLODA_OK) {
            CHECK(got == NULL);
            CHECK_STR(err.subject, "field");
            CHECK(fake_releases >= 1); /* released on failure (children included) */
            continue;
        }
        CHECK_EQ_INT(mloda_column_n_rows(got), c->length);
        if (strcmp(c->label, "int32 widened") == 0) {
            CHECK(mloda_column_type(got) == MLODA_TYPE_INT64);
            CHECK_EQ_INT(mloda_column_int64(got)[0], 0);
            CHECK_EQ_INT(mloda_column_int64(got)[2], INT32_MAX);
            CHECK_EQ_INT(fake_releases, 1); /* nothing borrowed: released at once */
        } else if (strcmp(c->label, "float32 widened") == 0) {
            CHECK(mloda_column_type(got) == MLODA_TYPE_FLOAT64);
            CHECK_CLOSE(mloda_column_float64(got)[1], -1.5);
            CHECK_CLOSE(mloda_column_float64(got)[3], 1e10);
        } else if (strcmp(c->label, "timestamp with zone") == 0) {
            CHECK(mloda_column_type(got) == MLODA_TYPE_TIMESTAMP);
            CHECK(mloda_column_time_unit(got) == MLODA_TIME_MICRO);
        } else if (strcmp(c->label, "utf8 sliced offsets") == 0) {
            int64_t len = 0;
            const char *s = mloda_column_utf8_at(got, 2, &len); /* bytes 6..8 of text */
            CHECK(len == 2 && s != NULL && memcmp(s, "ef", 2) == 0);
            CHECK_EQ_INT(mloda_column_utf8_offsets(got)[0], 0);
            CHECK_EQ_INT(mloda_column_utf8_offsets(got)[3], 5);
        } else if (strcmp(c->label, "list sliced") == 0) {
            CHECK_CLOSE(mloda_column_float64(got)[0], 3);
            CHECK_CLOSE(mloda_column_float64(got)[3], 6);
        } else if (strcmp(c->label, "int64 with nulls") == 0) {
            CHECK_EQ_INT(mloda_column_n_nulls(got), 1);
            CHECK(!mloda_column_is_valid(got, 1));
        } else if (strcmp(c->label, "unknown null count, no bitmap") == 0) {
            CHECK_EQ_INT(mloda_column_n_nulls(got), 0);
        }
        mloda_column_release(got);
        CHECK_EQ_INT(fake_releases, c->child_format != NULL ? 2 : 1); /* parent (+ child) once */
    }
}

static void test_misaligned_and_child_nulls(void)
{
    /* int64 values one byte off alignment: copied, not read misaligned */
    _Alignas(8) uint8_t raw[4 * 8 + 8];
    memcpy(raw + 1, i64_vals, sizeof i64_vals);
    fake_spec spec = {"misaligned", "l", 4, 0, 0, 2, NULL, raw + 1, NULL, NULL, 0, false,
                      MLODA_OK, ""};
    fake f;
    fake_build(&f, &spec);
    mloda_error err = MLODA_ERROR_INIT;
    mloda_column *got = NULL;
    CHECK_OK(mloda_column_import(&f.array, &f.schema, &got, &err), err);
    CHECK(got != NULL && (uintptr_t)mloda_column_int64(got) % 8 == 0);
    CHECK_EQ_INT(mloda_column_int64(got)[3], 4);
    mloda_column_release(got);

    /* a null inside a fixed-size list reads as NaN */
    static const uint8_t child_valid[1] = {0xfb}; /* element 2 null */
    fake_spec lspec = {"list child null", "+w:2", 4, 0, 0, 1, NULL, NULL, NULL, "g", 8, false,
                       MLODA_OK, ""};
    fake_build(&f, &lspec);
    f.child_buffers[0] = child_valid;
    f.child.null_count = 1;
    fake_releases = 0;
    CHECK_OK(mloda_column_import(&f.array, &f.schema, &got, &err), err);
    CHECK(isnan(mloda_column_float64(got)[2]));
    CHECK_CLOSE(mloda_column_float64(got)[3], 4);
    CHECK_EQ_INT(mloda_column_n_nulls(got), 0);
    mloda_column_release(got);
    CHECK_EQ_INT(fake_releases, 2);

    /* bool values at bit offset 3 */
    static const uint8_t bits[2] = {0xa8, 0x01}; /* bits 3, 5, 7, 8 set */
    fake_spec bspec = {"bool offset 3", "b", 6, 3, 0, 2, NULL, bits, NULL, NULL, 0, false,
                       MLODA_OK, ""};
    fake_build(&f, &bspec);
    CHECK_OK(mloda_column_import(&f.array, &f.schema, &got, &err), err);
    static const bool want[6] = {true, false, true, false, true, true};
    for (int i = 0; i < 6; i++)
        CHECK(mloda_column_bool_at(got, i) == want[i]);
    CHECK_EQ_INT(mloda_column_bool_bits(got)[0], 0x35);
    mloda_column_release(got);
}

static void test_bad_import_args(void)
{
    mloda_error err = MLODA_ERROR_INIT;
    mloda_column *c = NULL;
    mloda_table *t = NULL;
    CHECK(mloda_column_import(NULL, NULL, &c, &err) == MLODA_ERR_INVALID_ARG);
    fake f;
    fake_build(&f, &fakes[0]);
    fake_releases = 0;
    CHECK(mloda_column_import(&f.array, NULL, &c, &err) == MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(fake_releases, 1); /* released even so */
    CHECK(f.array.release == NULL);
    CHECK(mloda_column_import(&f.array, &f.schema, &c, &err) == MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(fake_releases, 1); /* already released: not again */

    /* a table import needs a struct */
    fake_build(&f, &fakes[0]);
    mloda_error_reset(&err);
    CHECK(mloda_table_import(&f.array, &f.schema, &t, &err) == MLODA_ERR_TYPE);
    CHECK_CONTAINS(err.message, "'+s'");
    CHECK_EQ_INT(fake_releases, 2);
    CHECK(t == NULL);
}

static void test_bad_tables(void)
{
    mloda_column *cols[N_COLS];
    make_columns(cols);
    mloda_table *t = make_table(cols);
    static const struct {
        const char *label;
        mloda_status st;
        const char *msg;
    } cases[] = {
        {"unsupported child", MLODA_ERR_TYPE, "'z'"},
        {"child too short", MLODA_ERR_PARSE, "shorter"},
        {"struct wrong buffers", MLODA_ERR_PARSE, "buffers"},
        {"struct null rows", MLODA_ERR_TYPE, "null rows"},
        {"duplicate child names", MLODA_ERR_DUPLICATE, "'i'"},
        {"bad utf8 child", MLODA_ERR_PARSE, "offsets"},
        {"child count mismatch", MLODA_ERR_PARSE, "children"},
    };
    static const uint8_t struct_valid[4] = {0xff, 0xfe, 0xff, 0xff};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s", cases[k].label);
        struct ArrowArray a;
        struct ArrowSchema s;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(mloda_table_export(t, &a, &s, &err), err);
        const char *saved_format = s.children[5]->format;
        const char *saved_name = s.children[1]->name;
        const void *saved_offsets = a.children[3]->buffers[1];
        switch (k) {
        case 0:
            s.children[5]->format = "z";
            break;
        case 1:
            a.children[2]->length = N - 1;
            break;
        case 2:
            a.n_buffers = 2;
            break;
        case 3:
            a.buffers[0] = struct_valid;
            a.null_count = 1;
            break;
        case 4:
            s.children[1]->name = "i";
            break;
        case 5:
            a.children[3]->buffers[1] = bad_desc; /* only 5 offsets: slice to 4 rows */
            a.length = 4;
            break;
        case 6:
            s.n_children = N_COLS - 1;
            break;
        default:
            break;
        }
        int released = 0;
        wrap_release(&a, &released);
        mloda_table *got = (mloda_table *)1;
        CHECK_EQ_INT(mloda_table_import(&a, &s, &got, &err), cases[k].st);
        CHECK_CONTAINS(err.message, cases[k].msg);
        CHECK(got == NULL);
        CHECK_EQ_INT(released, 1);
        /* restore what we changed: the schema's release frees its own strings */
        s.children[5]->format = saved_format;
        s.children[1]->name = saved_name;
        s.n_children = N_COLS;
        (void)saved_offsets;
        s.release(&s);
    }
    mloda_table_release(t);
    release_columns(cols);
}

static void test_moved_child(void)
{
    /* a consumer may move a child out; the parent then skips it */
    mloda_column *cols[N_COLS];
    make_columns(cols);
    mloda_table *t = make_table(cols);
    struct ArrowArray a;
    struct ArrowSchema s;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_table_export(t, &a, &s, &err), err);
    mloda_table_release(t);
    struct ArrowArray moved = *a.children[6];
    a.children[6]->release = NULL;
    struct ArrowSchema moved_schema = *s.children[6];
    s.children[6]->release = NULL;
    a.release(&a);
    s.release(&s);
    mloda_column *got = NULL;
    CHECK_OK(mloda_column_import(&moved, &moved_schema, &got, &err), err);
    check_same_column(got, cols[6], 0, N);
    moved_schema.release(&moved_schema);
    mloda_column_release(got);
    release_columns(cols);
}

/* ---------------------------------------------------------------- stream */

static void test_stream(void)
{
    mloda_column *cols[N_COLS];
    make_columns(cols);
    mloda_table *tables[3];
    mloda_error err = MLODA_ERROR_INIT;
    for (int k = 0; k < 3; k++) { /* same schema, different row counts */
        const int64_t n = k == 1 ? 0 : N;
        mloda_column *use[N_COLS];
        for (int j = 0; j < N_COLS; j++) {
            if (n == N) {
                use[j] = mloda_column_retain(cols[j]);
                continue;
            }
            mloda_column_builder *b = NULL;
            CHECK_OK(mloda_column_builder_new(mloda_column_type(cols[j]),
                                              mloda_column_list_size(cols[j]),
                                              mloda_column_time_unit(cols[j]), &b, &err),
                     err);
            CHECK_OK(mloda_column_builder_finish(b, &use[j], &err), err);
        }
        CHECK_OK(mloda_table_new(n, N_COLS, col_names, (const mloda_column *const *)use,
                                 &tables[k], &err),
                 err);
        for (int j = 0; j < N_COLS; j++)
            mloda_column_release(use[j]);
    }
    struct ArrowArrayStream stream;
    CHECK_OK(mloda_table_export_stream(3, (const mloda_table *const *)tables, &stream, &err),
             err);
    struct ArrowSchema schema;
    CHECK_EQ_INT(stream.get_schema(&stream, &schema), 0);
    CHECK_STR(schema.format, "+s");
    CHECK_EQ_INT(schema.n_children, N_COLS);
    CHECK_STR(schema.children[6]->format, "+w:2");
    CHECK(stream.get_last_error(&stream) == NULL);
    struct ArrowArray arrays[3];
    for (int k = 0; k < 3; k++) {
        TEST_CASE("batch %d", k);
        CHECK_EQ_INT(stream.get_next(&stream, &arrays[k]), 0);
        CHECK(arrays[k].release != NULL);
        CHECK_EQ_INT(arrays[k].length, k == 1 ? 0 : N);
    }
    struct ArrowArray end;
    CHECK_EQ_INT(stream.get_next(&stream, &end), 0);
    CHECK(end.release == NULL);
    stream.release(&stream);
    CHECK(stream.release == NULL);
    for (int k = 0; k < 3; k++) { /* the arrays outlive the stream */
        TEST_CASE("import batch %d", k);
        mloda_table *got = NULL;
        CHECK_OK(mloda_table_import(&arrays[k], &schema, &got, &err), err);
        check_same_table(got, tables[k], 0, mloda_table_n_rows(tables[k]));
        mloda_table_release(got);
    }
    schema.release(&schema);
    for (int k = 0; k < 3; k++)
        mloda_table_release(tables[k]);
    release_columns(cols);
}

static void test_stream_mismatch(void)
{
    mloda_column *cols[N_COLS];
    make_columns(cols);
    mloda_error err = MLODA_ERROR_INIT;
    static const struct {
        const char *label;
        const char *names[2];
        int col[2]; /* index into cols */
        int n;
        const char *subject;
        const char *msg;
    } cases[] = {
        {"renamed", {"i", "g"}, {0, 1}, 2, "g", "'g'"},
        {"retyped", {"i", "f"}, {0, 7}, 2, "f", "int64"},
        {"unit", {"i", "f"}, {0, 4}, 2, "f", "timestamp"},
        {"fewer columns", {"i", NULL}, {0, 0}, 1, "", "1 columns but table 0 has 2"},
    };
    mloda_table *base = NULL;
    const char *base_names[2] = {"i", "f"};
    const mloda_column *base_cols[2] = {cols[0], cols[1]};
    CHECK_OK(mloda_table_new(N, 2, base_names, base_cols, &base, &err), err);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s", cases[k].label);
        const mloda_column *use[2] = {cols[cases[k].col[0]], cols[cases[k].col[1]]};
        mloda_table *other = NULL;
        mloda_error_reset(&err);
        CHECK_OK(mloda_table_new(N, cases[k].n, cases[k].names, use, &other, &err), err);
        const mloda_table *tables[3] = {base, base, other};
        struct ArrowArrayStream stream;
        stream.release = (void (*)(struct ArrowArrayStream *))1;
        CHECK_EQ_INT(mloda_table_export_stream(3, tables, &stream, &err), MLODA_ERR_SCHEMA);
        CHECK(stream.release == NULL);
        CHECK_STR(err.subject, cases[k].subject);
        CHECK_CONTAINS(err.message, cases[k].msg);
        CHECK_CONTAINS(err.message, "table 2");
        mloda_table_release(other);
    }
    struct ArrowArrayStream stream;
    mloda_error_reset(&err);
    CHECK(mloda_table_export_stream(0, NULL, &stream, &err) == MLODA_ERR_INVALID_ARG);
    const mloda_table *one[1] = {base};
    CHECK(mloda_table_export_stream(0, one, &stream, NULL) == MLODA_ERR_INVALID_ARG);
    mloda_table_release(base);
    release_columns(cols);
}

/* ---------------------------------------------------------------- threads */

typedef struct reader_arg {
    mloda_table *table; /* one reference, dropped by the thread */
    mloda_column *column; /* one reference, dropped by the thread */
    int64_t sum;
} reader_arg;

static void *reader(void *p)
{
    reader_arg *r = p;
    for (int k = 0; k < 1000; k++) { /* churn the counts while others do the same */
        mloda_column_release(mloda_column_retain(r->column));
        mloda_table_release(mloda_table_retain(r->table));
    }
    for (int64_t i = 0; i < mloda_column_n_rows(r->column); i++)
        r->sum += mloda_column_is_valid(r->column, i);
    mloda_column_release(r->column);
    mloda_table_release(r->table);
    return NULL;
}

static void test_threads_share_import(void)
{
    /* imported columns released on several threads: the producer's release runs once */
    mloda_column *cols[N_COLS];
    make_columns(cols);
    mloda_table *t = make_table(cols);
    struct ArrowArray a;
    struct ArrowSchema s;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_table_export(t, &a, &s, &err), err);
    int released = 0;
    wrap_release(&a, &released);
    mloda_table *got = NULL;
    CHECK_OK(mloda_table_import(&a, &s, &got, &err), err);
    s.release(&s);
    enum { THREADS = 4 };
    pthread_t th[THREADS];
    reader_arg args[THREADS];
    for (int k = 0; k < THREADS; k++) {
        args[k].table = mloda_table_retain(got);
        args[k].column = mloda_column_retain(mloda_table_column(got, k));
        args[k].sum = 0;
        CHECK(pthread_create(&th[k], NULL, reader, &args[k]) == 0);
    }
    mloda_table_release(got); /* the threads hold the last references */
    for (int k = 0; k < THREADS; k++) {
        CHECK(pthread_join(th[k], NULL) == 0);
        CHECK_EQ_INT(args[k].sum, N - mloda_column_n_nulls(cols[k]));
    }
    CHECK_EQ_INT(released, 1);
    mloda_table_release(t);
    release_columns(cols);
}

/* ---------------------------------------------------------------- allocation failures */

static void test_oom(void)
{
    mloda_column *cols[N_COLS];
    make_columns(cols);
    mloda_table *t = make_table(cols);
    for (long n = 0;; n++) {
        struct ArrowArray a;
        struct ArrowSchema s;
        mloda_table *got = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        mloda_test_fail_alloc_at(n);
        mloda_status st = mloda_table_export(t, &a, &s, &err);
        if (st == MLODA_OK) {
            st = mloda_table_import(&a, &s, &got, &err);
            s.release(&s);
            CHECK(a.release == NULL);
        } else {
            CHECK(a.release == NULL && s.release == NULL);
        }
        bool injected = mloda_test_alloc_failed();
        mloda_test_fail_alloc_at(-1);
        TEST_CASE("fail at %ld", n);
        CHECK(st == MLODA_OK || (st == MLODA_ERR_NOMEM && got == NULL));
        if (st == MLODA_OK)
            check_same_table(got, t, 0, N);
        mloda_table_release(got);
        if (!injected)
            break;
    }
    /* sliced import, which copies bitmaps and offsets */
    for (long n = 0;; n++) {
        struct ArrowArray a;
        struct ArrowSchema s;
        mloda_table *got = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(mloda_table_export(t, &a, &s, &err), err);
        a.offset = 3;
        a.length = 9;
        mloda_test_fail_alloc_at(n);
        mloda_status st = mloda_table_import(&a, &s, &got, &err);
        bool injected = mloda_test_alloc_failed();
        mloda_test_fail_alloc_at(-1);
        s.release(&s);
        TEST_CASE("sliced, fail at %ld", n);
        CHECK(st == MLODA_OK || (st == MLODA_ERR_NOMEM && got == NULL));
        if (st == MLODA_OK)
            check_same_table(got, t, 3, 9);
        mloda_table_release(got);
        if (!injected)
            break;
    }
    mloda_table_release(t);
    release_columns(cols);
}

int main(void)
{
    RUN(test_export_shape);
    RUN(test_column_round_trip);
    RUN(test_table_round_trip);
    RUN(test_empty_tables);
    RUN(test_sliced_columns);
    RUN(test_sliced_tables);
    RUN(test_hand_made);
    RUN(test_misaligned_and_child_nulls);
    RUN(test_bad_import_args);
    RUN(test_bad_tables);
    RUN(test_moved_child);
    RUN(test_stream);
    RUN(test_stream_mismatch);
    RUN(test_threads_share_import);
    RUN(test_oom);
    return TEST_SUMMARY();
}
