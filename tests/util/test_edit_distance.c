/* test_edit_distance.c: Levenshtein distance with a cap and a length limit. */
#include "test.h"
#include "util/edit_distance.h"

#define L63 "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk"
#define L64 L63 "l"

static void test_distance(void)
{
    static const struct {
        const char *a, *b;
        size_t cap, d;
    } cases[] = {
        {"", "", 10, 0},
        {"abc", "abc", 10, 0},
        {"", "abc", 10, 3},
        {"abc", "", 10, 3},
        {"kitten", "sitting", 10, 3},
        {"amount", "amuont", 10, 2},           /* a swap is two edits */
        {"value__mean_agr", "value__mean_aggr", 10, 1},
        {"flaw", "lawn", 10, 2},
        {"a", "abcdefgh", 3, 3},               /* length difference at the cap */
        {"kitten", "sitting", 3, 3},           /* distance at the cap */
        {"kitten", "sitting", 2, 2},           /* beyond the cap */
        {"abc", "abc", 0, 0},
        {L63, L63, 10, 0},                     /* 63 bytes: still compared */
        {L63, L63 "x", 10, 10},                /* 64 bytes: not compared */
        {L64, L64, 5, 5},
        {"x", L64, (size_t)-1, (size_t)-1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("'%.20s' vs '%.20s' cap %zu", cases[i].a, cases[i].b, cases[i].cap);
        CHECK_EQ_INT(mloda_edit_distance(cases[i].a, cases[i].b, cases[i].cap), cases[i].d);
        /* symmetric */
        CHECK_EQ_INT(mloda_edit_distance(cases[i].b, cases[i].a, cases[i].cap), cases[i].d);
    }
}

int main(void)
{
    RUN(test_distance);
    return TEST_SUMMARY();
}
