/* test_take.c: mloda_column_take (gather) for every type, with nulls and -1 indices. */
#include "support.h"

static void test_take_types(void)
{
    const int64_t idx[] = {2, -1, 0, 2};
    mloda_error err = MLODA_ERROR_INIT;
    /* float64 with a null source row */
    const double f[] = {1.5, NULL_SLOT, 3.5};
    const uint8_t f_valid[] = {1, 0, 1};
    mloda_column *cf = col_f64_valid(f, f_valid, 3), *out = NULL;
    CHECK_OK(mloda_column_take(cf, 4, idx, &out, &err), err);
    CHECK_EQ_INT(mloda_column_n_rows(out), 4);
    CHECK_CLOSE(num_at(out, 0), 3.5);
    CHECK(!mloda_column_is_valid(out, 1));
    CHECK_CLOSE(num_at(out, 2), 1.5);
    CHECK_EQ_INT(mloda_column_n_nulls(out), 1);
    mloda_column_release(out);
    /* utf8 */
    const char *s[] = {"a", NULL, "ccc"};
    mloda_column *cs = col_str(s, 3);
    CHECK_OK(mloda_column_take(cs, 4, idx, &out, &err), err);
    int64_t len = 0;
    const char *v = mloda_column_utf8_at(out, 3, &len);
    CHECK(v != NULL && len == 3 && memcmp(v, "ccc", 3) == 0);
    CHECK(mloda_column_utf8_at(out, 1, &len) == NULL);
    mloda_column_release(out);
    /* bool across a byte boundary */
    bool b[10] = {true, false, true, false, false, false, false, false, false, true};
    mloda_column *cb = NULL;
    CHECK_OK(mloda_column_from_bool(10, b, NULL, &cb, &err), err);
    const int64_t bidx[] = {9, 1, 0, -1};
    CHECK_OK(mloda_column_take(cb, 4, bidx, &out, &err), err);
    CHECK(mloda_column_bool_at(out, 0) && !mloda_column_bool_at(out, 1) &&
          mloda_column_bool_at(out, 2) && !mloda_column_is_valid(out, 3));
    mloda_column_release(out);
    /* fixed-size list */
    const double pts[] = {0, 1, 2, 3, 4, 5};
    mloda_column *cl = NULL;
    CHECK_OK(mloda_column_from_float64_list(2, 3, pts, NULL, &cl, &err), err);
    const int64_t lidx[] = {2, 0};
    CHECK_OK(mloda_column_take(cl, 2, lidx, &out, &err), err);
    CHECK(mloda_column_float64(out)[0] == 4 && mloda_column_float64(out)[1] == 5 &&
          mloda_column_float64(out)[2] == 0);
    CHECK_EQ_INT(mloda_column_list_size(out), 2);
    mloda_column_release(out);
    /* empty take; bad index */
    CHECK_OK(mloda_column_take(cf, 0, NULL, &out, &err), err);
    CHECK_EQ_INT(mloda_column_n_rows(out), 0);
    mloda_column_release(out);
    const int64_t bad[] = {0, 3};
    CHECK_EQ_INT(mloda_column_take(cf, 2, bad, &out, &err), MLODA_ERR_RANGE);
    CHECK_EQ_INT(err.position, 1);
    CHECK(out == NULL);
    mloda_column_release(cf);
    mloda_column_release(cs);
    mloda_column_release(cb);
    mloda_column_release(cl);
}

int main(void)
{
    RUN(test_take_types);
    return TEST_SUMMARY();
}
