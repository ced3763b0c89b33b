/*
 * test_feature.c: the feature object plugins see (src/feature/feature.c, plugin.h): its
 * getters for plain and chained names and for NULL, suffix tokens, the data sources, and
 * the input collector for the chain form and the option form with every input count rule.
 */
#include <string.h>

#include "feature/feature.h"
#include "test.h"
#include "util/alloc.h"

static void test_getters(void)
{
    CHECK(mloda_feature_parsed(NULL) == NULL && mloda_feature_name(NULL) == NULL);
    CHECK(mloda_feature_options(NULL) == NULL && mloda_feature_chain_source(NULL) == NULL);
    CHECK(mloda_feature_chain_suffix(NULL) == NULL);
    CHECK_EQ_INT(mloda_feature_n_data_sources(NULL), 0);
    CHECK(mloda_feature_data_source_name(NULL, 0) == NULL);
    CHECK(mloda_feature_data_source(NULL, 0) == NULL);
    char buf[32];
    CHECK(!mloda_feature_suffix_token(NULL, "_aggr", buf, sizeof buf));

    mloda_error err = MLODA_ERROR_INIT;
    mloda_table *schema = NULL;
    CHECK_OK(mloda_table_new(0, 0, NULL, NULL, &schema, &err), err);
    const char *names[] = {"T"};
    const mloda_table *schemas[] = {schema};
    const mloda_source_set sources = {1, names, schemas, NULL, NULL};
    mloda_feature f;
    memset(&f, 0, sizeof f);
    CHECK_OK(mloda_feature_init(&f, "value__sum_aggr", NULL, &sources, &err), err);
    CHECK_STR(mloda_feature_name(&f), "value__sum_aggr");
    CHECK_STR(mloda_feature_chain_source(&f), "value");
    CHECK_STR(mloda_feature_chain_suffix(&f), "sum_aggr");
    CHECK(mloda_feature_options(&f) != NULL);
    CHECK_EQ_INT(mloda_feature_n_data_sources(&f), 1);
    CHECK_STR(mloda_feature_data_source_name(&f, 0), "T");
    CHECK(mloda_feature_data_source(&f, 0) == schema);
    CHECK(mloda_feature_data_source_name(&f, 1) == NULL && mloda_feature_data_source(&f, -1) == NULL);
    /* suffix tokens */
    CHECK(mloda_feature_suffix_token(&f, "_aggr", buf, sizeof buf));
    CHECK_STR(buf, "sum");
    CHECK(!mloda_feature_suffix_token(&f, "_window", buf, sizeof buf));  /* another ending */
    CHECK(!mloda_feature_suffix_token(&f, "sum_aggr", buf, sizeof buf)); /* nothing before it */
    CHECK(!mloda_feature_suffix_token(&f, "_aggr", buf, 3));             /* buffer too small */
    CHECK(!mloda_feature_suffix_token(&f, NULL, buf, sizeof buf));
    CHECK(!mloda_feature_suffix_token(&f, "_aggr", NULL, 0));
    mloda_feature_reset(&f);
    /* a plain name has no chain */
    memset(&f, 0, sizeof f);
    CHECK_OK(mloda_feature_init(&f, "value", NULL, NULL, &err), err);
    CHECK(mloda_feature_chain_source(&f) == NULL && mloda_feature_chain_suffix(&f) == NULL);
    CHECK(!mloda_feature_suffix_token(&f, "_aggr", buf, sizeof buf));
    CHECK_EQ_INT(mloda_feature_n_data_sources(&f), 0);
    mloda_feature_reset(&f);
    mloda_table_release(schema);
}

/* Inputs of a feature: its name and options, the group's min and max input counts. */
static void test_inputs(void)
{
    mloda_options *one = mloda_options_new(), *list = mloda_options_new(),
                  *bad_list = mloda_options_new(), *empty = mloda_options_new(),
                  *num = mloda_options_new();
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_options_set_string(one, MLODA_CONTEXT, "in_features", "x", &err), err);
    const char *xy[] = {"x", "y"};
    CHECK_OK(mloda_options_set_string_list(list, MLODA_CONTEXT, "in_features", 2, xy, &err),
             err);
    CHECK_OK(mloda_options_set_list(bad_list, MLODA_CONTEXT, "in_features", &err), err);
    CHECK_OK(mloda_options_list_append_int(bad_list, "in_features", 3, &err), err);
    CHECK_OK(mloda_options_set_string(empty, MLODA_CONTEXT, "in_features", "", &err), err);
    CHECK_OK(mloda_options_set_int(num, MLODA_CONTEXT, "in_features", 3, &err), err);
    static const struct {
        const char *name;
        int opts; /* 0 none, 1 one, 2 list, 3 bad list, 4 empty, 5 a number */
        int64_t min, max;
        mloda_status st;
        int64_t n;
        const char *first, *msg;
    } cases[] = {
        {"a__x", 0, 1, 1, MLODA_OK, 1, "a", NULL},
        {"a&b__x", 0, 1, 1, MLODA_OK, 1, "a&b", NULL}, /* one-input: the whole source */
        {"a&b&c__x", 0, 2, 3, MLODA_OK, 3, "a", NULL},
        {"a&b&c__x", 0, 1, 2, MLODA_ERR_OPTION, 0, NULL, "allows at most 2"},
        {"a&b__x", 0, 3, -1, MLODA_ERR_OPTION, 0, NULL, "needs at least 3"},
        {"a&&b__x", 0, 2, 3, MLODA_ERR_PARSE, 0, NULL, "empty input name"},
        {"m", 1, 1, 1, MLODA_OK, 1, "x", NULL},
        {"m", 1, 2, 2, MLODA_ERR_OPTION, 0, NULL, "needs at least 2"},
        {"m", 2, 1, 2, MLODA_OK, 2, "x", NULL},
        {"m", 2, 1, 1, MLODA_ERR_OPTION, 0, NULL, "allows at most 1"},
        {"m", 3, 1, 1, MLODA_ERR_OPTION, 0, NULL, "in_features item 0 is not a feature name"},
        {"m", 4, 1, 1, MLODA_ERR_OPTION, 0, NULL, "in_features is empty"},
        {"m", 5, 1, 1, MLODA_ERR_OPTION, 0, NULL, "names no input"},
        {"m", 0, 1, 1, MLODA_ERR_OPTION, 0, NULL, "names no input"},
        {"a__x", 1, 1, 1, MLODA_OK, 1, "x", NULL}, /* the option form wins */
    };
    const mloda_options *opts[] = {NULL, one, list, bad_list, empty, num};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s, options %d, %lld..%lld", cases[i].name, cases[i].opts,
                  (long long)cases[i].min, (long long)cases[i].max);
        mloda_feature f;
        memset(&f, 0, sizeof f);
        CHECK_OK(mloda_feature_init(&f, cases[i].name, opts[cases[i].opts], NULL, &err), err);
        mloda_inputs in = {0};
        const mloda_status st = mloda_inputs_add_chain(&in, &f, cases[i].min, cases[i].max, &err);
        CHECK_MSG(st == cases[i].st, "%s: %s", mloda_status_name(st), err.message);
        if (st == MLODA_OK) {
            CHECK_EQ_INT(in.n, cases[i].n);
            CHECK_STR(in.items[0].name, cases[i].first);
        } else {
            CHECK_CONTAINS(err.message, cases[i].msg);
        }
        mloda_inputs_reset(&in);
        mloda_feature_reset(&f);
    }
    /* argument checks */
    mloda_inputs in = {0};
    CHECK_EQ_INT(mloda_inputs_add_chain(NULL, NULL, 1, 1, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_inputs_add(NULL, "a", NULL, &err), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_inputs_add(&in, "", NULL, &err), MLODA_ERR_PLUGIN);
    CHECK(in.has_empty_name);
    /* inputs with options are copied; many inputs grow the list */
    for (int k = 0; k < 20; k++)
        CHECK_OK(mloda_inputs_add(&in, "z", k % 2 == 0 ? one : NULL, &err), err);
    CHECK_EQ_INT(in.n, 20);
    CHECK(in.items[0].options != NULL && in.items[1].options == NULL);
    mloda_inputs_reset(&in);
    /* out of memory while adding */
    for (long n = 0;; n++) {
        mloda_inputs m = {0};
        mloda_test_fail_alloc_at(n);
        mloda_status st = MLODA_OK;
        for (int k = 0; k < 6 && st == MLODA_OK; k++)
            st = mloda_inputs_add(&m, "name", one, &err);
        const bool injected = mloda_test_alloc_failed();
        mloda_test_fail_alloc_at(-1);
        mloda_inputs_reset(&m);
        if (!injected)
            break;
        CHECK_EQ_INT(st, MLODA_ERR_NOMEM);
    }
    mloda_options_free(one);
    mloda_options_free(list);
    mloda_options_free(bad_list);
    mloda_options_free(empty);
    mloda_options_free(num);
}

int main(void)
{
    RUN(test_getters);
    RUN(test_inputs);
    return TEST_SUMMARY();
}
