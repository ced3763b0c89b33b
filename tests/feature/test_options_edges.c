/*
 * test_options_edges.c: the options API's getters as kind tests (a NULL out), list
 * arguments that are refused, and the canonical text of every kind of value (the key that
 * decides which features share a result table), also under allocation failure at every
 * growth point of its text.
 */
#include <string.h>

#include "test.h"
#include "mloda/options.h"
#include "util/alloc.h"

static void test_kind_tests_and_refusals(void)
{
    mloda_options *o = mloda_options_new();
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_options_set_bool(o, MLODA_GROUP, "b", true, &err), err);
    CHECK_OK(mloda_options_set_int(o, MLODA_GROUP, "i", -3, &err), err);
    CHECK_OK(mloda_options_set_float(o, MLODA_CONTEXT, "f", 2.5, &err), err);
    CHECK_OK(mloda_options_set_null(o, MLODA_CONTEXT, "n", &err), err);
    /* getters with a NULL out are kind tests */
    CHECK(mloda_options_get_bool(o, "b", NULL) && !mloda_options_get_bool(o, "i", NULL));
    CHECK(mloda_options_get_int(o, "i", NULL) && !mloda_options_get_int(o, "f", NULL));
    CHECK(mloda_options_get_float(o, "f", NULL) && mloda_options_get_float(o, "i", NULL));
    CHECK(!mloda_options_get_float(o, "b", NULL));
    /* lists: refused arguments */
    const char *two[] = {"x", NULL};
    CHECK_EQ_INT(mloda_options_set_string_list(o, MLODA_GROUP, "l", -1, two, &err),
                 MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_options_set_string_list(o, MLODA_GROUP, "l", 1, NULL, &err),
                 MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_options_set_string_list(o, MLODA_GROUP, "l", 2, two, &err),
                 MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(err.position, 1);
    CHECK_OK(mloda_options_set_string_list(o, MLODA_GROUP, "l", 0, NULL, &err), err);
    CHECK_EQ_INT(mloda_options_list_n_items(o, "l"), 0);
    mloda_options_free(o);
}

static mloda_options *all_kinds(void)
{
    mloda_options *o = mloda_options_new();
    mloda_error err = MLODA_ERROR_INIT;
    (void)mloda_options_set_bool(o, MLODA_GROUP, "b", false, &err);
    (void)mloda_options_set_int(o, MLODA_GROUP, "i", 42, &err);
    (void)mloda_options_set_float(o, MLODA_GROUP, "f", 0.1, &err);
    (void)mloda_options_set_null(o, MLODA_GROUP, "n", &err);
    (void)mloda_options_set_string(o, MLODA_GROUP, "s", "a \"q\"", &err);
    (void)mloda_options_set_list(o, MLODA_GROUP, "l", &err);
    (void)mloda_options_list_append_int(o, "l", 1, &err);
    (void)mloda_options_list_append_string(o, "l", "two", &err);
    (void)mloda_options_list_append_float(o, "l", 3.5, &err);
    (void)mloda_options_list_append_bool(o, "l", true, &err);
    (void)mloda_options_set_string(o, MLODA_CONTEXT, "ctx", "not in the group key", &err);
    CHECK_OK(err.code, err);
    return o;
}

static void test_canonical_every_kind(void)
{
    mloda_options *o = all_kinds();
    char *text = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_options_canonical(o, MLODA_GROUP, &text, &err), err);
    /* keys sorted, every kind written as JSON */
    CHECK_STR(text, "{\"b\":false,\"f\":0.1,\"i\":42,\"l\":[1,\"two\",3.5,true],\"n\":null,"
                    "\"s\":\"a \\\"q\\\"\"}");
    mloda_string_free(text);
    mloda_options_free(o);
}

static void test_canonical_nomem(void)
{
    mloda_options *o = all_kinds();
    for (long n = 0;; n++) {
        char *text = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        mloda_test_fail_alloc_at(n);
        const mloda_status st = mloda_options_canonical(o, MLODA_GROUP, &text, &err);
        const bool injected = mloda_test_alloc_failed();
        mloda_test_fail_alloc_at(-1);
        TEST_CASE("allocation %ld", n);
        mloda_string_free(text);
        if (!injected) {
            CHECK_OK(st, err);
            break;
        }
        CHECK_EQ_INT(st, MLODA_ERR_NOMEM);
        CHECK(text == NULL);
    }
    mloda_options_free(o);
}

int main(void)
{
    RUN(test_kind_tests_and_refusals);
    RUN(test_canonical_every_kind);
    RUN(test_canonical_nomem);
    return TEST_SUMMARY();
}
