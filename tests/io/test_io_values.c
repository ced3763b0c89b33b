/*
 * test_io_values.c: one value at a time through the column reader, as the text and typed
 * sources hand them over (src/io/text_value.c, number.c, column_reader.c): CSV text into
 * each wanted type, SQLite's typed numbers, the CSV type inference, and JSON numbers of
 * every shape. Values are checked, and every refusal names what was wrong.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/column_reader.h"
#include "test.h"

/* Reads `texts` (NULL: a null) as CSV text into a column of type `want`. */
static mloda_status read_texts(mloda_type want, int32_t list_size, const char *const *texts,
                               size_t n, mloda_column **out, mloda_error *err)
{
    const io_coltype t = {want, list_size, MLODA_TIME_MICRO};
    io_column_reader r;
    mloda_io_colreader_init(&r, "T", "c", want == MLODA_TYPE_INVALID ? NULL : &t, NULL);
    mloda_status st = MLODA_OK;
    for (size_t i = 0; i < n && st == MLODA_OK; i++)
        st = texts[i] == NULL ? mloda_io_colreader_null(&r, err)
                              : mloda_io_colreader_text(&r, texts[i], strlen(texts[i]), err);
    *out = NULL;
    if (st == MLODA_OK)
        return mloda_io_colreader_finish(&r, out, err);
    mloda_io_colreader_reset(&r);
    return st;
}

static void test_text_numbers(void)
{
    static const struct {
        const char *text;
        bool ok;
        double value; /* NAN: null */
    } cases[] = {
        {"1", true, 1},        {"-17", true, -17},      {"2.5", true, 2.5},
        {"-0.25e2", true, -25}, {"1E+3", true, 1000},     {"6.02e-3", true, 0.00602},
        {"NaN", true, NAN},    {"na", true, NAN},       {"NULL", true, NAN},
        {"None", true, NAN},   {"01", false, 0},        {"+1", false, 0},
        {"1.", false, 0},      {".5", false, 0},        {"1e", false, 0},
        {"1e+", false, 0},     {"-", false, 0},         {"1,5", false, 0},
        {"abc", false, 0},     {"1e999", false, 0},     {"1.5x", false, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s", cases[i].text);
        const char *texts[] = {cases[i].text};
        mloda_column *c = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        const mloda_status st = read_texts(MLODA_TYPE_FLOAT64, 0, texts, 1, &c, &err);
        CHECK((st == MLODA_OK) == cases[i].ok);
        if (st == MLODA_OK && isnan(cases[i].value))
            CHECK(!mloda_column_is_valid(c, 0));
        else if (st == MLODA_OK)
            CHECK_CLOSE(mloda_column_float64(c)[0], cases[i].value);
        else
            CHECK_CONTAINS(err.message, "table 'T', column 'c', row 0");
        mloda_column_release(c);
    }
    /* int64 columns: whole numbers only, and in range */
    const char *big[] = {"9223372036854775807", "-9223372036854775808"};
    mloda_column *c = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(read_texts(MLODA_TYPE_INT64, 0, big, 2, &c, &err), err);
    CHECK(c != NULL && mloda_column_int64(c)[0] == INT64_MAX && mloda_column_int64(c)[1] == INT64_MIN);
    mloda_column_release(c);
    const char *over[] = {"9223372036854775808"};
    CHECK_EQ_INT(read_texts(MLODA_TYPE_INT64, 0, over, 1, &c, &err), MLODA_ERR_RANGE);
    CHECK_CONTAINS(err.message, "does not fit in the int64 column");
    mloda_error_reset(&err);
    const char *frac[] = {"1.5"};
    CHECK_EQ_INT(read_texts(MLODA_TYPE_INT64, 0, frac, 1, &c, &err), MLODA_ERR_TYPE);
    CHECK_CONTAINS(err.message, "expected int64");
}

static void test_text_bools_lists_timestamps(void)
{
    static const struct {
        mloda_type type;
        int32_t list;
        const char *text;
        bool ok;
    } cases[] = {
        {MLODA_TYPE_BOOL, 0, "TRUE", true},     {MLODA_TYPE_BOOL, 0, "False", true},
        {MLODA_TYPE_BOOL, 0, "1", true},        {MLODA_TYPE_BOOL, 0, "0", true},
        {MLODA_TYPE_BOOL, 0, "yes", false},     {MLODA_TYPE_BOOL, 0, "2", false},
        {MLODA_TYPE_FLOAT64_LIST, 2, "[1, 2]", true},
        {MLODA_TYPE_FLOAT64_LIST, 2, "  [ 1.5 ,-2 ]  ", true},
        {MLODA_TYPE_FLOAT64_LIST, 2, "3,4", true},
        {MLODA_TYPE_FLOAT64_LIST, 2, "[1, x]", false},
        {MLODA_TYPE_FLOAT64_LIST, 2, "[1]", false},
        {MLODA_TYPE_FLOAT64_LIST, 2, "[]", false},
        {MLODA_TYPE_FLOAT64_LIST, 2, "[1, 1e999]", false},
        {MLODA_TYPE_TIMESTAMP, 0, "2024-01-01", true}, /* a declared timestamp takes dates */
        {MLODA_TYPE_TIMESTAMP, 0, "2024-01-01 10:00:00+02:00", true},
        {MLODA_TYPE_TIMESTAMP, 0, "yesterday", false},
        {MLODA_TYPE_UTF8, 0, "anything, \"quoted\"", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s as %d", cases[i].text, cases[i].type);
        const char *texts[] = {cases[i].text, NULL};
        mloda_column *c = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        const mloda_status st = read_texts(cases[i].type, cases[i].list, texts, 2, &c, &err);
        CHECK_MSG((st == MLODA_OK) == cases[i].ok, "%s", err.message);
        if (st == MLODA_OK) {
            CHECK_EQ_INT(mloda_column_n_rows(c), 2);
            CHECK(!mloda_column_is_valid(c, 1));
        } else {
            CHECK_CONTAINS(err.message, "column 'c', row 0");
        }
        mloda_column_release(c);
    }
    /* values */
    const char *lists[] = {" [ 1.5 ,-2 ] ", "3,4"};
    mloda_column *c = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(read_texts(MLODA_TYPE_FLOAT64_LIST, 2, lists, 2, &c, &err), err);
    const double *v = mloda_column_float64(c);
    CHECK(v[0] == 1.5 && v[1] == -2 && v[2] == 3 && v[3] == 4);
    mloda_column_release(c);
    const char *bools[] = {"TRUE", "0", "false", "1"};
    CHECK_OK(read_texts(MLODA_TYPE_BOOL, 0, bools, 4, &c, &err), err);
    CHECK(mloda_column_bool_at(c, 0) && !mloda_column_bool_at(c, 1) && !mloda_column_bool_at(c, 2) &&
          mloda_column_bool_at(c, 3));
    mloda_column_release(c);
}

/* SQLite's typed numbers: the same rules as JSON numbers. */
static void test_typed_numbers(void)
{
    const io_coltype f64 = {MLODA_TYPE_FLOAT64, 0, MLODA_TIME_MICRO};
    io_column_reader r;
    mloda_io_colreader_init(&r, "T", "c", &f64, "the declared types");
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_io_colreader_int64(&r, INT64_MIN, &err), err);
    CHECK_OK(mloda_io_colreader_float64(&r, 3.0, &err), err);      /* whole: "3.0" */
    CHECK_OK(mloda_io_colreader_float64(&r, 1e300, &err), err);    /* "1e+300" */
    CHECK_OK(mloda_io_colreader_float64(&r, NAN, &err), err);      /* a null */
    CHECK_OK(mloda_io_colreader_float64(&r, -0.125, &err), err);
    CHECK_EQ_INT(mloda_io_colreader_float64(&r, INFINITY, &err), MLODA_ERR_RANGE);
    CHECK_CONTAINS(err.message, "out of range for float64");
    mloda_column *c = NULL;
    mloda_error_reset(&err);
    CHECK_OK(mloda_io_colreader_finish(&r, &c, &err), err);
    const double *v = mloda_column_float64(c);
    CHECK(v[0] == (double)INT64_MIN && v[1] == 3.0 && v[2] == 1e300 && v[4] == -0.125);
    CHECK(!mloda_column_is_valid(c, 3));
    mloda_column_release(c);
    /* an int64 column refuses a float, with the hint */
    const io_coltype i64 = {MLODA_TYPE_INT64, 0, MLODA_TIME_MICRO};
    mloda_io_colreader_init(&r, "T", "c", &i64, "the declared types");
    CHECK_EQ_INT(mloda_io_colreader_float64(&r, 2.5, &err), MLODA_ERR_TYPE);
    CHECK_CONTAINS(err.message, "found the float 2.5; to read floats, declare the column float64");
    mloda_io_colreader_reset(&r);
    /* a bool column: numbers are not bools here (SQLite's 0/1 are handled by the reader) */
    const io_coltype b = {MLODA_TYPE_BOOL, 0, MLODA_TIME_MICRO};
    mloda_io_colreader_init(&r, "T", "c", &b, "the declared types");
    mloda_error_reset(&err);
    CHECK_EQ_INT(mloda_io_colreader_int64(&r, 1, &err), MLODA_ERR_TYPE);
    mloda_io_colreader_reset(&r);
    /* a list column refuses a list inside a list and a value outside */
    const io_coltype l = {MLODA_TYPE_FLOAT64_LIST, 2, MLODA_TIME_MICRO};
    mloda_io_colreader_init(&r, "T", "c", &l, "the declared types");
    mloda_error_reset(&err);
    CHECK_OK(mloda_io_colreader_list_begin(&r, &err), err);
    CHECK_EQ_INT(mloda_io_colreader_list_begin(&r, &err), MLODA_ERR_TYPE);
    CHECK_CONTAINS(err.message, "a list inside a list");
    mloda_io_colreader_reset(&r);
    const io_coltype s = {MLODA_TYPE_UTF8, 0, MLODA_TIME_MICRO};
    mloda_io_colreader_init(&r, "T", "c", &s, NULL);
    mloda_error_reset(&err);
    CHECK_EQ_INT(mloda_io_colreader_list_begin(&r, &err), MLODA_ERR_TYPE);
    CHECK_CONTAINS(err.message, "expected utf8 (as in the schema), found a list");
    mloda_io_colreader_reset(&r);
}

/* CSV type inference over a sample (io_text_infer). */
static void test_text_inference(void)
{
    static const struct {
        const char *values[5];
        bool quoted_empty;
        mloda_type type;
    } cases[] = {
        {{"1", "2", "-3"}, false, MLODA_TYPE_INT64},
        {{"1", "2.5", "NaN"}, false, MLODA_TYPE_FLOAT64},
        {{"9223372036854775808", "1"}, false, MLODA_TYPE_FLOAT64}, /* beyond int64 */
        {{"1", "NA", ""}, false, MLODA_TYPE_INT64},
        {{"TRUE", "false", ""}, false, MLODA_TYPE_BOOL},
        {{"true", "1"}, false, MLODA_TYPE_UTF8},
        {{"2024-01-01T00:00:00", "2024-01-02 10:00"}, false, MLODA_TYPE_TIMESTAMP},
        {{"2024-01-01T00:00:00", "x"}, false, MLODA_TYPE_UTF8},
        {{"1e999", "1"}, false, MLODA_TYPE_UTF8}, /* beyond float64: kept as text */
        {{"NaN", "null"}, false, MLODA_TYPE_FLOAT64},
        {{"", ""}, false, MLODA_TYPE_FLOAT64},
        {{"1"}, true, MLODA_TYPE_UTF8}, /* a quoted empty field is a string */
        {{"2024-01-01", "2024-01-02"}, false, MLODA_TYPE_UTF8},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("case %zu", i);
        io_text_infer t = {0};
        for (int k = 0; k < 5 && cases[i].values[k] != NULL; k++)
            mloda_io_text_infer_add(&t, cases[i].values[k], strlen(cases[i].values[k]));
        if (cases[i].quoted_empty)
            mloda_io_text_infer_add_string(&t);
        CHECK_EQ_INT(mloda_io_text_infer_type(&t).type, cases[i].type);
    }
}

/* JSON numbers of every shape, both ways (io_number). */
static void test_json_numbers(void)
{
    static const struct {
        const char *text;
        bool ok, is_int, overflow;
        double d;
    } cases[] = {
        {"0", true, true, false, 0},
        {"-0", true, true, false, 0},
        {"123456789012345678", true, true, false, 123456789012345678.0},
        {"-9223372036854775808", true, true, false, -9223372036854775808.0},
        {"9223372036854775808", true, true, true, 9223372036854775808.0},
        {"-9223372036854775809", true, true, true, -9223372036854775809.0},
        {"1.5", true, false, false, 1.5},
        {"-1.25e-3", true, false, false, -0.00125},
        {"1E22", true, false, false, 1e22},
        {"1e23", true, false, false, 1e23},           /* beyond the fast path */
        {"1e-23", true, false, false, 1e-23},
        {"1234567890123456.5", true, false, false, 1234567890123456.5}, /* 17 digits */
        {"0.000000000000000000001", true, false, false, 1e-21},
        {"1e+400", false, false, false, 0},
        {"1e-400", true, false, false, 0},
        {"2e308", false, false, false, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s", cases[i].text);
        io_number num;
        const bool ok = mloda_io_number_parse(cases[i].text, strlen(cases[i].text), &num);
        CHECK(ok == cases[i].ok);
        CHECK(!num.nomem);
        if (!ok)
            continue;
        CHECK(num.is_int == cases[i].is_int);
        CHECK(num.int_overflow == cases[i].overflow);
        CHECK(num.d == cases[i].d);
    }
    /* a very long number goes through strtod on a heap copy */
    char longnum[400];
    memset(longnum, '1', sizeof longnum - 3);
    memcpy(longnum + sizeof longnum - 3, ".5", 3);
    io_number num;
    CHECK(!mloda_io_number_parse(longnum, strlen(longnum), &num)); /* 1.1e396: beyond float64 */
    CHECK(!num.nomem);
    memcpy(longnum + 5, ".5", 3);
    CHECK(mloda_io_number_parse(longnum, strlen(longnum), &num) && num.d == 11111.5);
}

int main(void)
{
    RUN(test_text_numbers);
    RUN(test_text_bools_lists_timestamps);
    RUN(test_typed_numbers);
    RUN(test_text_inference);
    RUN(test_json_numbers);
    return TEST_SUMMARY();
}
