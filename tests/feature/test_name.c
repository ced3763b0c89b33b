/* test_name.c: the chain grammar of feature names (SPEC.md §1.2–1.3). */
#include "feature/name.h"

#include <string.h>

#include "test.h"

static void test_check(void)
{
    static const struct {
        const char *name;
        mloda_status st;
    } cases[] = {
        {"value", MLODA_OK},
        {"value__mean_aggr", MLODA_OK},
        {"v___sum_aggr", MLODA_OK},
        {"value__sum_aggr__max_aggr", MLODA_OK},
        {"my value__sum_aggr", MLODA_OK},
        {"a&b__euclidean_distance", MLODA_OK},
        {"x__", MLODA_ERR_PARSE},
        {"__x", MLODA_ERR_PARSE},
        {"__sum_aggr", MLODA_ERR_PARSE},
        {"value____mean_aggr", MLODA_ERR_PARSE},
        {"a__b__", MLODA_ERR_PARSE},
        {"", MLODA_ERR_PARSE},
        {"_", MLODA_OK},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s", cases[i].name);
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_EQ_INT(mloda_name_check(cases[i].name, &err), cases[i].st);
        if (cases[i].st != MLODA_OK) {
            CHECK_STR(err.subject, cases[i].name);
            CHECK(err.message[0] != '\0');
        }
    }
}

static void test_split(void)
{
    static const struct {
        const char *name, *source, *suffix;
    } cases[] = {
        {"value__mean_aggr", "value", "mean_aggr"},
        {"v___sum_aggr", "v_", "sum_aggr"},
        {"value__sum_aggr__max_aggr", "value__sum_aggr", "max_aggr"},
        {"plain", NULL, NULL},
        {"a_b", NULL, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s", cases[i].name);
        size_t len = 0;
        const char *suffix = NULL;
        bool chained = mloda_name_split(cases[i].name, &len, &suffix);
        CHECK(chained == (cases[i].source != NULL));
        if (chained) {
            CHECK(strlen(cases[i].source) == len);
            CHECK(strncmp(cases[i].name, cases[i].source, len) == 0);
            CHECK_STR(suffix, cases[i].suffix);
        }
    }
}

static void test_parts(void)
{
    const char *src = "a&b,c";
    CHECK_EQ_INT(mloda_name_count_parts(src, strlen(src)), 3);
    const char *p = NULL;
    size_t len = 0;
    CHECK(mloda_name_part(src, strlen(src), 1, &p, &len) && len == 1 && p[0] == 'b');
    CHECK(mloda_name_part(src, strlen(src), 2, &p, &len) && len == 1 && p[0] == 'c');
    CHECK(!mloda_name_part(src, strlen(src), 3, &p, &len));
}

static void test_distance(void)
{
    CHECK_EQ_INT(mloda_name_distance("amount", "amuont", 5), 2);
    CHECK_EQ_INT(mloda_name_distance("value", "valeu", 5), 2);
    CHECK_EQ_INT(mloda_name_distance("abc", "abc", 5), 0);
    CHECK_EQ_INT(mloda_name_distance("a", "abcdefgh", 3), 3);
}

int main(void)
{
    RUN(test_check);
    RUN(test_split);
    RUN(test_parts);
    RUN(test_distance);
    return TEST_SUMMARY();
}
