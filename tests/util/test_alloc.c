/* test_alloc.c: checked array allocation (mloda_malloc_n). */
#include <stdint.h>

#include "test.h"
#include "util/alloc.h"

static void test_malloc_n(void)
{
    static const struct {
        int64_t n;
        size_t elem;
        bool ok;
    } cases[] = {
        {10, 8, true},
        {0, 8, true},           /* room for one: a valid pointer */
        {1, 1, true},
        {-1, 8, false},
        {INT64_MAX, 16, false}, /* the size overflows */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("n %lld, elem %zu", (long long)cases[i].n, cases[i].elem);
        unsigned char *p = mloda_malloc_n(cases[i].n, cases[i].elem);
        CHECK((p != NULL) == cases[i].ok);
        if (p != NULL) {
            int64_t bytes = (cases[i].n > 0 ? cases[i].n : 1) * (int64_t)cases[i].elem;
            for (int64_t b = 0; b < bytes; b++) /* writable (ASan checks the bounds) */
                p[b] = (unsigned char)b;
        }
        mloda_free(p);
    }
    /* an injected failure is reported as NULL */
    mloda_test_fail_alloc_at(0);
    void *p = mloda_malloc_n(4, 8);
    CHECK(p == NULL && mloda_test_alloc_failed());
    mloda_test_fail_alloc_at(-1);
    mloda_free(p);
}

int main(void)
{
    RUN(test_malloc_n);
    return TEST_SUMMARY();
}
