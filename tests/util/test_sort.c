/* test_sort.c: the stable sort (util/sort.h): typed pair sorts and a defined instance with
 * a context, at sizes around the insertion-run length and its multiples. */
#include <stdbool.h>
#include <stdlib.h>

#include "test.h"
#include "util/sort.h"

static const int64_t SIZES[] = {0, 1, 2, 3, 31, 32, 33, 63, 64, 65, 100, 1000, 4097};
#define N_SIZES (sizeof SIZES / sizeof SIZES[0])

static uint64_t rng_state = 12345;
static uint64_t rng(void)
{
    rng_state = rng_state * 6364136223846793005u + 1442695040888963407u;
    return rng_state >> 33;
}

static void test_i64_pairs(void)
{
    /* key ranges: many ties, few ties, already sorted, reversed */
    for (int kind = 0; kind < 4; kind++) {
        for (size_t s = 0; s < N_SIZES; s++) {
            const int64_t n = SIZES[s];
            TEST_CASE("kind %d, n %lld", kind, (long long)n);
            mloda_i64_pair *p = malloc((size_t)(n + 1) * sizeof *p);
            mloda_i64_pair *tmp = malloc((size_t)(n + 1) * sizeof *tmp);
            for (int64_t i = 0; i < n; i++) {
                int64_t key = kind == 0 ? (int64_t)(rng() % 7) - 3
                              : kind == 1 ? (int64_t)rng() - (1LL << 30)
                              : kind == 2 ? i / 3
                                          : n - i / 2;
                p[i] = (mloda_i64_pair){key, i};
            }
            mloda_sort_i64_pairs(p, tmp, n);
            /* stable sort by key == sort by (key, row), rows being 0..n-1 at the start */
            bool ok = true;
            int64_t row_sum = 0;
            for (int64_t i = 0; i < n; i++) {
                row_sum += p[i].row;
                if (i > 0)
                    ok = ok && (p[i - 1].key < p[i].key ||
                                (p[i - 1].key == p[i].key && p[i - 1].row < p[i].row));
            }
            CHECK(ok);
            CHECK_EQ_INT(row_sum, n * (n - 1) / 2); /* a permutation of the rows */
            free(p);
            free(tmp);
        }
    }
}

static void test_f64_pairs(void)
{
    for (size_t s = 0; s < N_SIZES; s++) {
        const int64_t n = SIZES[s];
        TEST_CASE("n %lld", (long long)n);
        mloda_f64_pair *p = malloc((size_t)(n + 1) * sizeof *p);
        mloda_f64_pair *tmp = malloc((size_t)(n + 1) * sizeof *tmp);
        for (int64_t i = 0; i < n; i++) {
            uint64_t r = rng() % 9;
            /* -0.0 and 0.0 are equal keys: they keep their row order */
            double key = r == 0 ? -0.0 : r == 1 ? 0.0 : r == 2 ? -INFINITY : (double)r / 4.0;
            p[i] = (mloda_f64_pair){key, i};
        }
        mloda_sort_f64_pairs(p, tmp, n);
        bool ok = true;
        for (int64_t i = 1; i < n; i++)
            ok = ok && (p[i - 1].key < p[i].key ||
                        (p[i - 1].key == p[i].key && p[i - 1].row < p[i].row));
        CHECK(ok);
        free(p);
        free(tmp);
    }
}

/* An instance with a context: row indices ordered by descending value of ctx[row]. */
static inline bool higher(const int *ctx, int64_t a, int64_t b)
{
    return ctx[a] > ctx[b];
}

MLODA_STABLE_SORT_DEFINE(sort_desc, int64_t, const int *, higher)
MLODA_STABLE_SORT_DEFINE_RUN(sort_desc_merge_only, int64_t, const int *, higher, 1)
MLODA_STABLE_SORT_DEFINE_RUN(sort_desc_run5, int64_t, const int *, higher, 5)

static void test_defined_with_context(void)
{
    for (size_t s = 0; s < 3 * N_SIZES; s++) {
        const int64_t n = SIZES[s % N_SIZES];
        const int variant = (int)(s / N_SIZES); /* run 32, 1, 5 */
        TEST_CASE("n %lld, variant %d", (long long)n, variant);
        int *vals = malloc((size_t)(n + 1) * sizeof *vals);
        int64_t *rows = malloc((size_t)(n + 1) * sizeof *rows);
        int64_t *tmp = malloc((size_t)(n + 1) * sizeof *tmp);
        for (int64_t i = 0; i < n; i++) {
            vals[i] = (int)(rng() % 5);
            rows[i] = i;
        }
        if (variant == 0)
            sort_desc(rows, tmp, n, vals);
        else if (variant == 1)
            sort_desc_merge_only(rows, tmp, n, vals);
        else
            sort_desc_run5(rows, tmp, n, vals);
        bool ok = true;
        for (int64_t i = 1; i < n; i++)
            ok = ok && (vals[rows[i - 1]] > vals[rows[i]] ||
                        (vals[rows[i - 1]] == vals[rows[i]] && rows[i - 1] < rows[i]));
        CHECK(ok);
        free(vals);
        free(rows);
        free(tmp);
    }
}

int main(void)
{
    RUN(test_i64_pairs);
    RUN(test_f64_pairs);
    RUN(test_defined_with_context);
    return TEST_SUMMARY();
}
