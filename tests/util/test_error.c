/* test_error.c: internal error helpers (util.h): mloda_error_default_subject. */
#include "test.h"
#include "util/util.h"

static void test_default_subject(void)
{
    static const struct {
        const char *set_subject; /* NULL: no error recorded before */
        const char *fill, *want;
    } cases[] = {
        {"", "value__sum_aggr", "value__sum_aggr"},        /* failure without a subject */
        {"inner_column", "value__sum_aggr", "inner_column"}, /* the inner subject stays */
        {NULL, "value__sum_aggr", "value__sum_aggr"},      /* nothing recorded yet */
        {"", "", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%zu", i);
        mloda_error err = MLODA_ERROR_INIT;
        if (cases[i].set_subject != NULL)
            (void)mloda_error_set(&err, MLODA_ERR_COMPUTE, cases[i].set_subject, "boom");
        mloda_error_default_subject(&err, cases[i].fill);
        CHECK_STR(err.subject, cases[i].want);
        if (cases[i].set_subject != NULL) {
            CHECK(err.code == MLODA_ERR_COMPUTE);
            CHECK_STR(err.message, "boom");
        }
    }
    mloda_error_default_subject(NULL, "x"); /* NULL err: nothing happens */

    /* a subject longer than the buffer is cut, NUL-terminated */
    char longname[300];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    mloda_error err = MLODA_ERROR_INIT;
    (void)mloda_error_set(&err, MLODA_ERR_COMPUTE, NULL, "boom");
    mloda_error_default_subject(&err, longname);
    CHECK_EQ_INT(strlen(err.subject), sizeof err.subject - 1);
}

int main(void)
{
    RUN(test_default_subject);
    return TEST_SUMMARY();
}
