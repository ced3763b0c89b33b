/*
 * test_table_edges2.c: bitmaps with absent operands and at lengths across word
 * boundaries, and the Arrow exports' refusals (NULL arguments, a stream of tables whose
 * schemas differ, a stream's errors reported through get_last_error).
 */
#include <string.h>

#include "support.h"

/* the bits of byte j that hold rows of an n-bit bitmap (the tail is cleared) */
static int mask_of(int64_t j, int64_t n)
{
    return j == mloda_bitmap_n_bytes(n) - 1 && n % 8 != 0 ? (1 << (n % 8)) - 1 : 0xFF;
}

static void test_bitmap_and(void)
{
    /* a NULL operand means "all valid" (mloda_bitmap_and's contract) */
    uint8_t a[17], b[17], dst[17];
    for (int i = 0; i < 17; i++) {
        a[i] = (uint8_t)(0xF0 | i);
        b[i] = (uint8_t)(0x3C ^ i);
    }
    const int64_t lens[] = {0, 1, 7, 8, 9, 63, 64, 65, 130, 136};
    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        const int64_t n = lens[k], nb = mloda_bitmap_n_bytes(n);
        TEST_CASE("%lld bits", (long long)n);
        memset(dst, 0xAA, sizeof dst);
        mloda_bitmap_and(dst, a, b, n);
        for (int64_t j = 0; j < nb; j++)
            CHECK_EQ_INT(dst[j], (a[j] & b[j]) & mask_of(j, n));
        if (nb < 17)
            CHECK_EQ_INT(dst[nb], 0xAA); /* nothing past the bitmap is written */
        mloda_bitmap_and(dst, NULL, b, n);
        for (int64_t j = 0; j < nb; j++)
            CHECK_EQ_INT(dst[j], (b[j]) & mask_of(j, n));
        mloda_bitmap_and(dst, a, NULL, n);
        for (int64_t j = 0; j < nb; j++)
            CHECK_EQ_INT(dst[j], (a[j]) & mask_of(j, n));
        mloda_bitmap_and(dst, NULL, NULL, n);
        for (int64_t j = 0; j < nb; j++)
            CHECK_EQ_INT(dst[j], (0xFF) & mask_of(j, n));
        memcpy(dst, a, sizeof dst);
        mloda_bitmap_and(dst, dst, NULL, n); /* in place */
        for (int64_t j = 0; j < nb; j++)
            CHECK_EQ_INT(dst[j], (a[j]) & mask_of(j, n));
    }
    mloda_bitmap_and(dst, a, b, -5); /* nothing to do */
}

static mloda_table *one_column_table(const char *name, mloda_column *c)
{
    mloda_table *t = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    const char *names[] = {name};
    CHECK_OK(mloda_table_new(mloda_column_n_rows(c), 1, names, (const mloda_column *const *)&c,
                             &t, &err),
             err);
    mloda_column_release(c);
    return t;
}

static void test_export_refusals(void)
{
    mloda_error err = MLODA_ERROR_INIT;
    struct ArrowArray arr;
    struct ArrowSchema sch;
    CHECK_EQ_INT(mloda_column_export(NULL, "c", &arr, &sch, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_table_export(NULL, &arr, &sch, &err), MLODA_ERR_INVALID_ARG);
    const double v[] = {1, 2};
    mloda_column *c = col_f64(v, 2);
    CHECK_EQ_INT(mloda_column_export(c, "c", NULL, &sch, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_column_export(c, "c", &arr, NULL, &err), MLODA_ERR_INVALID_ARG);
    mloda_table *t = one_column_table("c", c);
    CHECK_EQ_INT(mloda_table_export(t, NULL, &sch, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_table_export(t, &arr, NULL, &err), MLODA_ERR_INVALID_ARG);

    /* streams */
    struct ArrowArrayStream s;
    const mloda_table *none[] = {NULL};
    CHECK_EQ_INT(mloda_table_export_stream(1, NULL, &s, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_table_export_stream(0, (const mloda_table *const *)&t, &s, &err),
                 MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_table_export_stream(1, none, &s, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_table_export_stream(1, (const mloda_table *const *)&t, NULL, &err),
                 MLODA_ERR_INVALID_ARG);
    /* schemas that differ: a type, a time unit, a list size, a name, a column count */
    const int64_t iv[] = {1, 2};
    mloda_column *ints = NULL, *ms = NULL, *us = NULL, *l2 = NULL, *l3 = NULL;
    CHECK_OK(mloda_column_from_int64(2, iv, NULL, &ints, &err), err);
    CHECK_OK(mloda_column_from_timestamp(MLODA_TIME_MILLI, 2, iv, NULL, &ms, &err), err);
    CHECK_OK(mloda_column_from_timestamp(MLODA_TIME_MICRO, 2, iv, NULL, &us, &err), err);
    const double lv[] = {1, 2, 3, 4, 5, 6};
    CHECK_OK(mloda_column_from_float64_list(2, 2, lv, NULL, &l2, &err), err);
    CHECK_OK(mloda_column_from_float64_list(3, 2, lv, NULL, &l3, &err), err);
    mloda_table *ti = one_column_table("c", ints), *tms = one_column_table("c", ms),
                *tus = one_column_table("c", us), *tl2 = one_column_table("c", l2),
                *tl3 = one_column_table("c", l3), *other = one_column_table("d", col_f64(v, 2));
    mloda_table *empty = NULL;
    CHECK_OK(mloda_table_new(2, 0, NULL, NULL, &empty, &err), err);
    const struct {
        const mloda_table *a, *b;
        const char *words;
    } pairs[] = {
        {t, ti, "column 'c' is int64"},
        {tms, tus, "column 'c' is timestamp"},
        {tl2, tl3, "list size 3"},
        {t, other, "column 0 of table 1 is 'd' but in table 0 it is 'c'"},
        {t, empty, "table 1"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        TEST_CASE("pair %zu", i);
        const mloda_table *two[] = {pairs[i].a, pairs[i].b};
        mloda_error_reset(&err);
        CHECK_EQ_INT(mloda_table_export_stream(2, two, &s, &err), MLODA_ERR_SCHEMA);
        CHECK_CONTAINS(err.message, pairs[i].words);
        CHECK(s.release == NULL);
    }
    /* a good stream: schema, arrays, the end, no error text */
    const mloda_table *same[] = {t, t};
    CHECK_OK(mloda_table_export_stream(2, same, &s, &err), err);
    CHECK(s.get_last_error(&s) == NULL);
    CHECK_EQ_INT(s.get_schema(&s, &sch), 0);
    sch.release(&sch);
    for (int k = 0; k < 3; k++) {
        CHECK_EQ_INT(s.get_next(&s, &arr), 0);
        CHECK((arr.release != NULL) == (k < 2));
        if (arr.release != NULL)
            arr.release(&arr);
    }
    s.release(&s);
    mloda_table_release(t);
    mloda_table_release(ti);
    mloda_table_release(tms);
    mloda_table_release(tus);
    mloda_table_release(tl2);
    mloda_table_release(tl3);
    mloda_table_release(other);
    mloda_table_release(empty);
}

int main(void)
{
    RUN(test_bitmap_and);
    RUN(test_export_refusals);
    return TEST_SUMMARY();
}
