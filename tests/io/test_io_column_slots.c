/*
 * test_io_column_slots.c: the wanted columns of a tabular source (src/io/column_slots.c):
 * which source column fills which slot, missing and repeated names, empty and read
 * columns from finish, and the api_data batch built from them (source.c).
 */
#include "io/column_slots.h"
#include "io/source.h"
#include "test.h"

static void test_select(void)
{
    static const char *const source[] = {"a", "b", "a", "c"}; /* "a" twice: the first counts */
    static const struct {
        int64_t n;
        const char *names[4];
        int64_t n_slots, missing;
        int64_t slot[4]; /* slot of each source column */
    } cases[] = {
        {3, {"c", "a", "b"}, 3, -1, {1, 2, -1, 0}},
        {2, {"b", "x"}, 1, 1, {-1, 0, -1, -1}},
        {3, {"a", "a", "zz"}, 1, 1, {0, -1, -1, -1}}, /* a repeated name gets no slot */
        {0, {NULL}, 0, -1, {-1, -1, -1, -1}},
    };
    io_coltype types[4];
    for (int k = 0; k < 4; k++)
        types[k] = (io_coltype){MLODA_TYPE_INT64, 0, MLODA_TIME_SECOND};
    io_column_slots s = {0};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("case %zu", i);
        mloda_error err = MLODA_ERROR_INIT;
        int64_t missing = 7;
        mloda_status st = mloda_io_slots_select(&s, 4, source, cases[i].n, cases[i].names, types,
                                                "columns", &missing, &err);
        CHECK_OK(st, err);
        CHECK_EQ_INT(s.n_slots, cases[i].n_slots);
        CHECK_EQ_INT(missing, cases[i].missing);
        for (int k = 0; k < 4; k++)
            CHECK_EQ_INT(s.slot[k], cases[i].slot[k]);
    }
    mloda_io_slots_reset(&s);
    CHECK(s.slot == NULL && s.n_slots == 0);
}

static void test_finish_and_batch(void)
{
    static const char *const source[] = {"x", "t"};
    static const char *const names[] = {"t", "x"};
    const io_coltype types[] = {{MLODA_TYPE_UTF8, 0, MLODA_TIME_SECOND},
                                {MLODA_TYPE_FLOAT64, 0, MLODA_TIME_SECOND}};
    io_column_slots s = {0};
    mloda_error err = MLODA_ERROR_INIT;
    int64_t missing = 0;
    CHECK_OK(mloda_io_slots_select(&s, 2, source, 2, names, types, "columns", &missing, &err),
             err);

    /* nothing read: empty columns of the wanted types */
    mloda_column *cols[2] = {NULL, NULL};
    CHECK_OK(mloda_io_slots_finish(&s, "T", "the test", cols, &err), err);
    CHECK(cols[0] != NULL && mloda_column_type(cols[0]) == MLODA_TYPE_UTF8);
    CHECK(cols[1] != NULL && mloda_column_type(cols[1]) == MLODA_TYPE_FLOAT64);
    CHECK(cols[1] != NULL && mloda_column_n_rows(cols[1]) == 0);
    mloda_column_release(cols[0]);
    mloda_column_release(cols[1]);
    CHECK(!s.reading);

    /* two rows, then a batch of one api_data table */
    mloda_io_slots_start(&s, "T", "the test");
    CHECK(s.reading);
    CHECK_OK(mloda_io_colreader_text(&s.readers[s.slot[1]], "hi", 2, &err), err);
    CHECK_OK(mloda_io_colreader_text(&s.readers[s.slot[0]], "1.5", 3, &err), err);
    CHECK_OK(mloda_io_colreader_null(&s.readers[s.slot[1]], &err), err);
    CHECK_OK(mloda_io_colreader_text(&s.readers[s.slot[0]], "2", 1, &err), err);
    mloda_api_data *batch = NULL;
    CHECK_OK(mloda_io_slots_batch(&s, "T", "the test", "columns", &batch, &err), err);
    const int64_t t = batch != NULL ? mloda_api_data_table_index(batch, "T") : -1;
    CHECK(t >= 0);
    if (t >= 0) {
        const mloda_table *tab = mloda_api_data_table(batch, t);
        CHECK_EQ_INT(mloda_table_n_rows(tab), 2);
        const mloda_column *x = mloda_table_column(tab, mloda_table_column_index(tab, "x"));
        const mloda_column *tc = mloda_table_column(tab, mloda_table_column_index(tab, "t"));
        CHECK_CLOSE(mloda_column_float64(x)[1], 2.0);
        CHECK_EQ_INT(mloda_column_n_nulls(tc), 1);
    }
    mloda_api_data_free(batch);
    CHECK(!s.reading);
    mloda_io_slots_reset(&s);
}

static void test_end_read(void)
{
    static const char *const source[] = {"x"};
    const io_coltype types[] = {{MLODA_TYPE_INT64, 0, MLODA_TIME_SECOND}};
    static const struct {
        mloda_status row, before; /* row_err's code; err's code before the call */
        mloda_status ret, after;
        bool reading;
    } cases[] = {
        {MLODA_OK, MLODA_OK, MLODA_OK, MLODA_OK, true},
        {MLODA_ERR_PARSE, MLODA_OK, MLODA_ERR_PARSE, MLODA_ERR_PARSE, false},
        {MLODA_ERR_PARSE, MLODA_ERR_IO, MLODA_ERR_PARSE, MLODA_ERR_IO, false}, /* first wins */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("case %zu", i);
        io_column_slots s = {0};
        mloda_error err = MLODA_ERROR_INIT, row_err = MLODA_ERROR_INIT;
        int64_t missing = 0;
        CHECK_OK(mloda_io_slots_select(&s, 1, source, 1, source, types, "columns", &missing,
                                       &err),
                 err);
        mloda_io_slots_start(&s, "T", "the test");
        CHECK_OK(mloda_io_colreader_text(&s.readers[0], "7", 1, &err), err);
        if (cases[i].row != MLODA_OK)
            (void)mloda_error_set(&row_err, cases[i].row, "x", "bad row");
        if (cases[i].before != MLODA_OK)
            (void)mloda_error_set(&err, cases[i].before, NULL, "earlier");
        CHECK_EQ_INT(mloda_io_slots_end_read(&s, &row_err, &err), cases[i].ret);
        CHECK_EQ_INT(err.code, cases[i].after);
        CHECK(s.reading == cases[i].reading);
        mloda_io_slots_reset(&s);
    }
}

int main(void)
{
    RUN(test_select);
    RUN(test_finish_and_batch);
    RUN(test_end_read);
    return TEST_SUMMARY();
}
