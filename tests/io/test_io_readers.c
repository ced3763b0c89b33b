/*
 * test_io_readers.c: api_data JSON -> typed columns (src/io/api_reader.c,
 * column_reader.c, json_events.c): type inference, conforming to a schema, chunked input,
 * and the error for every kind of bad input.
 */
#include <stdlib.h>
#include <string.h>

#include "io/column_reader.h"
#include "io/source.h"
#include "test.h"

static const mloda_column *column_of(const mloda_api_data *a, const char *table,
                                     const char *col)
{
    const int64_t t = mloda_api_data_table_index(a, table);
    if (t < 0)
        return NULL;
    const mloda_table *tab = mloda_api_data_table(a, t);
    const int64_t k = mloda_table_column_index(tab, col);
    return k < 0 ? NULL : mloda_table_column(tab, k);
}

/* Inference: one column per case, its type, length, null count and list size. */
static void test_inference(void)
{
    static const struct {
        const char *values;
        mloda_type type;
        int64_t len, nulls;
        int32_t list_size;
    } cases[] = {
        {"[1, 2, 3]", MLODA_TYPE_INT64, 3, 0, 0},
        {"[1, 2.5, null]", MLODA_TYPE_FLOAT64, 3, 1, 0},
        {"[null, 1, 2e3]", MLODA_TYPE_FLOAT64, 3, 1, 0},
        {"[null, null, 7]", MLODA_TYPE_INT64, 3, 2, 0},
        {"[true, null, false]", MLODA_TYPE_BOOL, 3, 1, 0},
        {"[\"a\", null, \"\"]", MLODA_TYPE_UTF8, 3, 1, 0},
        {"[\"2024-01-01T00:00:00\", null, \"2024-01-02 10:00:00Z\"]", MLODA_TYPE_TIMESTAMP, 3, 1,
         0},
        {"[\"2024-01-01T00:00:00\", \"x\"]", MLODA_TYPE_UTF8, 2, 0, 0},
        {"[\"2024-01-01\", \"2024-01-02\"]", MLODA_TYPE_UTF8, 2, 0, 0},
        {"[[1, 2], null, [3.5, 4]]", MLODA_TYPE_FLOAT64_LIST, 3, 1, 2},
        {"[[1, 2, 3]]", MLODA_TYPE_FLOAT64_LIST, 1, 0, 3},
        {"[null, null]", MLODA_TYPE_NULL, 2, 2, 0},
        {"[]", MLODA_TYPE_NULL, 0, 0, 0},
        {"[99999999999999999999]", MLODA_TYPE_FLOAT64, 1, 0, 0},
        {"[1, 99999999999999999999]", MLODA_TYPE_FLOAT64, 2, 0, 0},
        {"[-9223372036854775808, 9223372036854775807]", MLODA_TYPE_INT64, 2, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s", cases[i].values);
        char text[256];
        (void)snprintf(text, sizeof text, "{\"T\": {\"c\": %s}}", cases[i].values);
        mloda_api_data *a = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(mloda_io_api_data_parse(text, strlen(text), NULL, "t", 1, 0, &a, &err), err);
        const mloda_column *c = column_of(a, "T", "c");
        CHECK(c != NULL);
        if (c != NULL) {
            CHECK_EQ_INT(mloda_column_type(c), cases[i].type);
            CHECK_EQ_INT(mloda_column_n_rows(c), cases[i].len);
            CHECK_EQ_INT(mloda_column_n_nulls(c), cases[i].nulls);
            CHECK_EQ_INT(mloda_column_list_size(c), cases[i].list_size);
        }
        mloda_api_data_free(a);
    }
}

static void test_values(void)
{
    const char *text = "{\"T\": {\"i\": [1, null, -3], \"f\": [1, 0.5, null],"
                       " \"s\": [\"caf\\u00e9\", \"a\\\"b\", null], \"ts\": [\"2024-01-02T00:00:01.25+00:30\", null, null],"
                       " \"p\": [[1, -2.5], [0, 0], null]}, \"U\": {}}";
    mloda_api_data *a = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_io_api_data_parse(text, strlen(text), NULL, "t", 1, 0, &a, &err), err);
    CHECK_EQ_INT(mloda_api_data_n_tables(a), 2);
    const mloda_column *i = column_of(a, "T", "i"), *f = column_of(a, "T", "f");
    const mloda_column *s = column_of(a, "T", "s"), *ts = column_of(a, "T", "ts");
    const mloda_column *p = column_of(a, "T", "p");
    CHECK(i && f && s && ts && p);
    if (!(i && f && s && ts && p)) {
        mloda_api_data_free(a);
        return;
    }
    CHECK_EQ_INT(mloda_column_int64(i)[2], -3);
    CHECK(!mloda_column_is_valid(i, 1));
    CHECK_CLOSE(mloda_column_float64(f)[0], 1.0);
    CHECK_CLOSE(mloda_column_float64(f)[1], 0.5);
    CHECK(!mloda_column_is_valid(f, 2));
    int64_t len = 0;
    const char *v = mloda_column_utf8_at(s, 0, &len);
    CHECK(len == 5 && memcmp(v, "caf\xc3\xa9", 5) == 0);
    v = mloda_column_utf8_at(s, 1, &len);
    CHECK(len == 3 && memcmp(v, "a\"b", 3) == 0);
    CHECK_EQ_INT(mloda_column_int64(ts)[0], 1704153600000000 + 1250000 - 1800000000);
    CHECK_EQ_INT(mloda_column_time_unit(ts), MLODA_TIME_MICRO);
    CHECK_CLOSE(mloda_column_float64(p)[1], -2.5);
    CHECK_EQ_INT(mloda_table_n_columns(mloda_api_data_table(a, 1)), 0);
    mloda_api_data_free(a);
}

/* A schema decides types: widening, all-null columns, timestamps from dates. */
static void test_schema_conform(void)
{
    io_schema *schema = mloda_io_schema_new();
    mloda_error err = MLODA_ERROR_INIT;
    const io_coltype f64 = {MLODA_TYPE_FLOAT64, 0, MLODA_TIME_MICRO};
    const io_coltype str = {MLODA_TYPE_UTF8, 0, MLODA_TIME_MICRO};
    const io_coltype ts = {MLODA_TYPE_TIMESTAMP, 0, MLODA_TIME_MICRO};
    const io_coltype lst = {MLODA_TYPE_FLOAT64_LIST, 2, MLODA_TIME_MICRO};
    CHECK_OK(mloda_io_schema_set(schema, "T", "f", &f64, &err), err);
    CHECK_OK(mloda_io_schema_set(schema, "T", "s", &str, &err), err);
    CHECK_OK(mloda_io_schema_set(schema, "T", "t", &ts, &err), err);
    CHECK_OK(mloda_io_schema_set(schema, "T", "p", &lst, &err), err);
    const char *text = "{\"T\": {\"f\": [1, 2], \"s\": [\"2024-01-01T00:00:00\", null],"
                       " \"t\": [\"2024-01-01\", null], \"p\": [null, null], \"x\": [1, 2]}}";
    mloda_api_data *a = NULL;
    CHECK_OK(mloda_io_api_data_parse(text, strlen(text), schema, "t", 1, 0, &a, &err), err);
    CHECK_EQ_INT(mloda_column_type(column_of(a, "T", "f")), MLODA_TYPE_FLOAT64);
    CHECK_EQ_INT(mloda_column_type(column_of(a, "T", "s")), MLODA_TYPE_UTF8);
    CHECK_EQ_INT(mloda_column_type(column_of(a, "T", "t")), MLODA_TYPE_TIMESTAMP);
    CHECK_EQ_INT(mloda_column_type(column_of(a, "T", "p")), MLODA_TYPE_FLOAT64_LIST);
    CHECK_EQ_INT(mloda_column_list_size(column_of(a, "T", "p")), 2);
    CHECK_EQ_INT(mloda_column_type(column_of(a, "T", "x")), MLODA_TYPE_INT64);
    mloda_api_data_free(a);

    const io_coltype i64 = {MLODA_TYPE_INT64, 0, MLODA_TIME_MICRO};
    CHECK_OK(mloda_io_schema_set(schema, "T", "f", &i64, &err), err);
    const char *bad = "{\"T\": {\"f\": [1, 2.5]}}";
    CHECK(mloda_io_api_data_parse(bad, strlen(bad), schema, "b.ndjson", 4, 100, &a, &err) ==
          MLODA_ERR_TYPE);
    CHECK(a == NULL);
    CHECK_CONTAINS(err.message, "b.ndjson: line 4");
    CHECK_CONTAINS(err.message, "column 'f', row 1: expected int64");
    CHECK_STR(err.subject, "f");
    mloda_io_schema_free(schema);
}

/* Bad input: status and words of the message. */
static void test_errors(void)
{
    static const struct {
        const char *text;
        mloda_status st;
        const char *words;
    } cases[] = {
        {"", MLODA_ERR_PARSE, "unexpected end of input"},
        {"{\"T\": {\"c\": [1, 2", MLODA_ERR_PARSE, "unexpected end of input"},
        {"{\"T\": {\"c\": [1]}} {}", MLODA_ERR_PARSE, "after the end of the JSON value"},
        {"{\"T\": {\"c\": [1, x]}}", MLODA_ERR_PARSE, "malformed JSON"},
        {"[1]", MLODA_ERR_PARSE, "must be a JSON object of tables"},
        {"{\"T\": [1]}", MLODA_ERR_PARSE, "table 'T' must be an object"},
        {"{\"T\": {\"c\": 1}}", MLODA_ERR_PARSE, "expected an array of values, found a number"},
        {"{\"T\": {\"c\": [1, \"a\"]}}", MLODA_ERR_TYPE, "row 1: found the string \"a\""},
        {"{\"T\": {\"c\": [\"a\", 1]}}", MLODA_ERR_TYPE, "found the integer 1"},
        {"{\"T\": {\"c\": [true, 1.5]}}", MLODA_ERR_TYPE, "found the float 1.5"},
        {"{\"T\": {\"c\": [1, [1]]}}", MLODA_ERR_TYPE, "found a list"},
        {"{\"T\": {\"c\": [{}]}}", MLODA_ERR_TYPE, "an object is not a column value"},
        {"{\"T\": {\"c\": [[1, [2]]]}}", MLODA_ERR_TYPE, "a list inside a list"},
        {"{\"T\": {\"c\": [[1, null]]}}", MLODA_ERR_TYPE, "null inside a list"},
        {"{\"T\": {\"c\": [[\"a\"]]}}", MLODA_ERR_TYPE, "a string inside a list"},
        {"{\"T\": {\"c\": [[]]}}", MLODA_ERR_TYPE, "an empty list"},
        {"{\"T\": {\"c\": [[1], [1, 2]]}}", MLODA_ERR_TYPE, "a list of 2 values in a column of lists of 1"},
        {"{\"T\": {\"c\": [1e400]}}", MLODA_ERR_RANGE, "out of range"},
        {"{\"T\": {\"c\": [[1e400]]}}", MLODA_ERR_RANGE, "out of range"},
        {"{\"T\": {\"a\": [1, 2], \"b\": [1]}}", MLODA_ERR_SCHEMA, "different lengths: 'a' has 2 rows but 'b' has 1"},
        {"{\"T\": {\"a\": [1], \"a\": [2]}}", MLODA_ERR_DUPLICATE, "column 'a' appears twice"},
        {"{\"T\": {}, \"T\": {}}", MLODA_ERR_DUPLICATE, "table 'T' appears twice"},
        {"{\"\": {}}", MLODA_ERR_PARSE, "table name must be non-empty"},
        {"{\"T\": {\"\": [1]}}", MLODA_ERR_PARSE, "column name must be non-empty"},
        {"{\"T\": {\"a\\u0000b\": [1]}}", MLODA_ERR_PARSE, "without NUL"},
        {"{\"T\": {\"c\": [\"\xff\"]}}", MLODA_ERR_PARSE, "UTF-8"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s", cases[i].text);
        mloda_api_data *a = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        const mloda_status st =
            mloda_io_api_data_parse(cases[i].text, strlen(cases[i].text), NULL, "in", 1, 0, &a, &err);
        CHECK_MSG(st == cases[i].st, "status %s, message %s", mloda_status_name(st), err.message);
        CHECK(a == NULL);
        CHECK_CONTAINS(err.message, cases[i].words);
        CHECK_CONTAINS(err.message, "in: line 1, column ");
        CHECK(err.position >= 0);
    }
}

/* Issue 15's settled rule: a column mixing text and numbers is an error naming the table,
 * the column and the row, in the request, in a batch typed by a schema, after leading
 * nulls, and where the schema has no type for the column (the null type: infer). */
static void test_mixed_values(void)
{
    io_schema *schema = mloda_io_schema_new();
    mloda_error err = MLODA_ERROR_INIT;
    const io_coltype none = {MLODA_TYPE_NULL, 0, MLODA_TIME_MICRO};
    const io_coltype f64 = {MLODA_TYPE_FLOAT64, 0, MLODA_TIME_MICRO};
    CHECK_OK(mloda_io_schema_set(schema, "Sales", "untyped", &none, &err), err);
    CHECK_OK(mloda_io_schema_set(schema, "Sales", "amount", &f64, &err), err);
    static const struct {
        const char *text;
        bool with_schema;
        const char *column, *words;
    } cases[] = {
        {"{\"Sales\": {\"amount\": [1, \"two\"]}}", false, "amount",
         "table 'Sales', column 'amount', row 1: found the string \"two\" in a column whose "
         "earlier values are int64"},
        {"{\"Sales\": {\"note\": [\"a\", 2.5]}}", false, "note",
         "table 'Sales', column 'note', row 1: found the float 2.5 in a column whose earlier "
         "values are utf8"},
        {"{\"Sales\": {\"note\": [null, null, \"a\", 3]}}", false, "note",
         "table 'Sales', column 'note', row 3: found the integer 3"},
        {"{\"Sales\": {\"amount\": [1.5, \"x\"]}}", true, "amount",
         "table 'Sales', column 'amount', row 1: expected float64 (as in the prepared request), found "
         "the string \"x\""},
        {"{\"Sales\": {\"untyped\": [7, \"x\"]}}", true, "untyped",
         "table 'Sales', column 'untyped', row 1: found the string \"x\" in a column whose "
         "earlier values are int64"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s", cases[i].text);
        mloda_api_data *a = NULL;
        mloda_error_reset(&err);
        CHECK_EQ_INT(mloda_io_api_data_parse(cases[i].text, strlen(cases[i].text),
                                             cases[i].with_schema ? schema : NULL, "b", 1, 0,
                                             &a, &err),
                     MLODA_ERR_TYPE);
        CHECK(a == NULL);
        CHECK_CONTAINS(err.message, cases[i].words);
        CHECK_STR(err.subject, cases[i].column);
    }
    TEST_CASE("a schema entry of the null type: values are inferred");
    const char *ok = "{\"Sales\": {\"untyped\": [1, null, 2]}}";
    mloda_api_data *a = NULL;
    CHECK_OK(mloda_io_api_data_parse(ok, strlen(ok), schema, "b", 1, 0, &a, &err), err);
    CHECK_EQ_INT(mloda_column_type(column_of(a, "Sales", "untyped")), MLODA_TYPE_INT64);
    mloda_api_data_free(a);
    const char *empty = "{\"Sales\": {\"untyped\": [null], \"amount\": [null]}}";
    CHECK_OK(mloda_io_api_data_parse(empty, strlen(empty), schema, "b", 1, 0, &a, &err), err);
    CHECK_EQ_INT(mloda_column_type(column_of(a, "Sales", "untyped")), MLODA_TYPE_NULL);
    CHECK_EQ_INT(mloda_column_type(column_of(a, "Sales", "amount")), MLODA_TYPE_FLOAT64);
    mloda_api_data_free(a);
    mloda_io_schema_free(schema);
}

/* Feeding one byte at a time gives the same data and the same error positions. */
static void test_chunked(void)
{
    const char *texts[] = {
        "{\"T\": {\"a\": [1, 2.5, null], \"s\": [\"x\\u00e9y\", null, \"2024\"],\n \"p\": [[1,2],[3,4],[5,6]]}}",
        "{\"T\": {\"a\": [1, 2],\n  \"b\": [1, \"q\"]}}",
    };
    for (size_t t = 0; t < 2; t++) {
        TEST_CASE("text %zu", t);
        mloda_api_data *whole = NULL;
        mloda_error werr = MLODA_ERROR_INIT;
        const mloda_status wst =
            mloda_io_api_data_parse(texts[t], strlen(texts[t]), NULL, "in", 1, 0, &whole, &werr);
        io_batch_parser bp;
        mloda_error err = MLODA_ERROR_INIT;
        mloda_status st = mloda_io_batch_parser_begin(&bp, NULL, "in", 1, 0, 0, &err);
        for (size_t i = 0; st == MLODA_OK && texts[t][i] != '\0'; i++)
            st = mloda_io_batch_parser_feed(&bp, texts[t] + i, 1, &err);
        mloda_api_data *pieces = NULL;
        if (st == MLODA_OK)
            st = mloda_io_batch_parser_end(&bp, &pieces, &err);
        mloda_io_batch_parser_reset(&bp);
        CHECK_EQ_INT(st, wst);
        CHECK_STR(err.message, werr.message);
        if (whole != NULL && pieces != NULL) {
            const mloda_column *a = column_of(pieces, "T", "a");
            CHECK_EQ_INT(mloda_column_type(a), MLODA_TYPE_FLOAT64);
            CHECK_CLOSE(mloda_column_float64(a)[1], 2.5);
            int64_t len = 0;
            const char *s = mloda_column_utf8_at(column_of(pieces, "T", "s"), 0, &len);
            CHECK(len == 4 && memcmp(s, "x\xc3\xa9y", 4) == 0);
        }
        mloda_api_data_free(whole);
        mloda_api_data_free(pieces);
    }
}

/* Error positions: line and column of the offending token, across lines. */
static void test_positions(void)
{
    const char *text = "{\"T\": {\n  \"a\": [1,\n    \"two\"]}}";
    mloda_api_data *a = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK(mloda_io_api_data_parse(text, strlen(text), NULL, "f.json", 10, 1000, &a, &err) ==
          MLODA_ERR_TYPE);
    CHECK_CONTAINS(err.message, "f.json: line 12, column 10 (byte 1028)");
    CHECK_EQ_INT(err.position, 1028);
}

/* Numbers: integers exact, floats identical to strtod (the fast path must be exact). */
static void test_numbers(void)
{
    static const struct {
        const char *text;
        bool is_int, overflow, ok;
        int64_t i;
    } cases[] = {
        {"0", true, false, true, 0},
        {"-0", true, false, true, 0},
        {"9223372036854775807", true, false, true, INT64_MAX},
        {"-9223372036854775808", true, false, true, INT64_MIN},
        {"9223372036854775808", true, true, true, 0},
        {"1.5", false, false, true, 0},
        {"1e400", false, false, false, 0},
        {"-1e400", false, false, false, 0},
        {"1e-400", false, false, true, 0},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s", cases[k].text);
        io_number num;
        CHECK(mloda_io_number_parse(cases[k].text, strlen(cases[k].text), &num) == cases[k].ok);
        CHECK(num.is_int == cases[k].is_int);
        CHECK(num.int_overflow == cases[k].overflow);
        if (cases[k].is_int && !cases[k].overflow)
            CHECK_EQ_INT(num.i, cases[k].i);
    }
    uint64_t state = 0x9E3779B97F4A7C15ULL;
    for (int n = 0; n < 200000; n++) {
        char text[64];
        size_t len = 0;
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        uint64_t r = state;
        if (r & 1)
            text[len++] = '-';
        r >>= 1;
        const int int_digits = 1 + (int)(r % 17);
        r /= 17;
        for (int d = 0; d < int_digits; d++, r /= 10)
            text[len++] = (char)('0' + (d == 0 && int_digits > 1 ? 1 + r % 9 : r % 10));
        text[len++] = '.';
        const int frac_digits = 1 + (int)(state % 11);
        uint64_t f = state * 2654435761ULL;
        for (int d = 0; d < frac_digits; d++, f /= 10)
            text[len++] = (char)('0' + f % 10);
        if ((state >> 60) & 1)
            len += (size_t)snprintf(text + len, sizeof text - len, "e%d", (int)(state % 61) - 30);
        text[len] = '\0';
        TEST_CASE("%s", text);
        io_number num;
        CHECK(mloda_io_number_parse(text, len, &num));
        CHECK(num.d == strtod(text, NULL));
    }
}

int main(void)
{
    RUN(test_numbers);
    RUN(test_inference);
    RUN(test_values);
    RUN(test_schema_conform);
    RUN(test_errors);
    RUN(test_mixed_values);
    RUN(test_chunked);
    RUN(test_positions);
    return TEST_SUMMARY();
}
