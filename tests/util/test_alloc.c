/* test_alloc.c: checked array allocation (mloda_malloc_n) and the cache of large freed
 * blocks behind mloda_malloc / mloda_aligned_alloc / mloda_free (util/block_cache.h). */
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "test.h"
#include "util/alloc.h"
#include "util/block_cache.h"

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

static size_t cached_blocks(void)
{
    size_t n = 0, bytes = 0;
    mloda_block_cache_stats(&n, &bytes);
    return n;
}

static size_t cached_bytes(void)
{
    size_t n = 0, bytes = 0;
    mloda_block_cache_stats(&n, &bytes);
    return bytes;
}

enum { MB = 1 << 20 };

/* A large block freed comes back for the next request of about its size, 64-byte aligned
 * and writable; a much smaller request does not take it; small blocks are never kept. */
static void test_block_reuse(void)
{
    mloda_block_cache_drain();
    unsigned char *a = mloda_aligned_alloc(8 * MB);
    CHECK(a != NULL && ((uintptr_t)a & 63) == 0);
    memset(a, 1, 8 * MB);
    mloda_free(a);
    CHECK_EQ_INT((long long)cached_blocks(), 1);
    CHECK((long long)cached_bytes() >= 8 * MB);
    unsigned char *b = mloda_malloc(8 * MB - 100); /* within a quarter: the same block */
    CHECK(b == a);
    CHECK_EQ_INT((long long)cached_blocks(), 0);
    memset(b, 2, 8 * MB - 100);
    mloda_free(b);
    unsigned char *c = mloda_malloc(2 * MB); /* a quarter of it: a block of its own */
    CHECK(c != NULL && c != a && ((uintptr_t)c & 63) == 0);
    CHECK_EQ_INT((long long)cached_blocks(), 1);
    memset(c, 3, 2 * MB);
    mloda_free(c);
    CHECK_EQ_INT((long long)cached_blocks(), 2);
    void *small = mloda_malloc(1000);
    mloda_free(small);
    CHECK_EQ_INT((long long)cached_blocks(), 2);
    /* an injected failure is still a failure when a cached block would fit */
    mloda_test_fail_alloc_at(0);
    CHECK(mloda_malloc(2 * MB) == NULL && mloda_test_alloc_failed());
    mloda_test_fail_alloc_at(-1);
    mloda_block_cache_drain();
    CHECK_EQ_INT((long long)cached_blocks(), 0);
    CHECK_EQ_INT((long long)cached_bytes(), 0);
}

/* The cache holds at most MLODA_BLOCK_CACHE_BLOCKS blocks and MLODA_BLOCK_CACHE_BYTES
 * bytes, the oldest leaving first, and nothing above MLODA_BLOCK_CACHE_MAX. */
static void test_block_cache_bounds(void)
{
    mloda_block_cache_drain();
    enum { N = MLODA_BLOCK_CACHE_BLOCKS + 8 };
    void *p[N];
    for (int i = 0; i < N; i++)
        p[i] = mloda_malloc((size_t)(1 + i % 2) * MB);
    for (int i = 0; i < N; i++)
        mloda_free(p[i]);
    CHECK_EQ_INT((long long)cached_blocks(), MLODA_BLOCK_CACHE_BLOCKS);
    /* the newest stayed: a block for 2 MiB is one of the last ones freed */
    void *again = mloda_malloc(2 * MB);
    bool newest = false;
    for (int i = N - MLODA_BLOCK_CACHE_BLOCKS; i < N; i++)
        newest |= again == p[i];
    CHECK(newest);
    mloda_free(again);
    mloda_block_cache_drain();
    enum { BIG = 7 };
    size_t big = MLODA_BLOCK_CACHE_BYTES / (BIG - 1) - 4 * MB; /* BIG of them do not fit */
    void *q[BIG];
    for (int i = 0; i < BIG; i++)
        q[i] = mloda_malloc(big);
    for (int i = 0; i < BIG; i++) {
        CHECK(q[i] != NULL);
        mloda_free(q[i]);
        CHECK(cached_bytes() <= MLODA_BLOCK_CACHE_BYTES);
    }
    CHECK(cached_bytes() > MLODA_BLOCK_CACHE_BYTES / 2 && cached_blocks() < BIG);
    void *huge = mloda_malloc(MLODA_BLOCK_CACHE_MAX + MB);
    size_t before = cached_blocks();
    mloda_free(huge);
    CHECK_EQ_INT((long long)cached_blocks(), (long long)before);
    mloda_block_cache_drain();
}

/* Blocks unused for the idle limit are freed at the next large allocation or free. */
static void test_block_cache_idle(void)
{
    mloda_block_cache_drain();
    mloda_block_cache_test_set_idle_ms(300);
    void *old = mloda_malloc(2 * MB);
    mloda_free(old);
    CHECK_EQ_INT((long long)cached_blocks(), 1);
    const struct timespec pause = {0, 600 * 1000 * 1000};
    nanosleep(&pause, NULL);
    void *recent = mloda_malloc(4 * MB); /* no fit: the idle block is freed meanwhile */
    CHECK_EQ_INT((long long)cached_blocks(), 0);
    mloda_free(recent);
    CHECK_EQ_INT((long long)cached_blocks(), 1);
    void *again = mloda_malloc(4 * MB); /* fresh enough: reused */
    CHECK(again == recent);
    mloda_free(again);
    mloda_block_cache_test_set_idle_ms(-1);
    mloda_block_cache_drain();
}

/* Large blocks come in size classes, so that the buffers of one run stand in for each
 * other in the next: a block made for 8,000,000 bytes serves 7,274,304 and back. */
static void test_block_classes(void)
{
    static const struct {
        size_t size, size_class;
    } cases[] = {
        {1 << 20, 1 << 20},
        {(1 << 20) + 1, (1 << 20) + (256 << 10)},
        {3 * MB + 1, 3 * MB + (256 << 10)},
        {4 * MB, 4 * MB},
        {4 * MB + 1, 6 * MB},
        {7274304, 8 * MB},
        {8000000, 8 * MB},
        {8 * MB, 8 * MB},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%zu bytes", cases[i].size);
        CHECK_EQ_INT((long long)mloda_block_cache_class(cases[i].size),
                     (long long)cases[i].size_class);
    }
    mloda_block_cache_drain();
    void *a = mloda_malloc(8000000);
    mloda_free(a);
    void *b = mloda_aligned_alloc(7274304);
    CHECK(b == a);
    memset(b, 7, 7274304);
    mloda_free(b);
    void *c = mloda_malloc(8 * MB); /* the whole class was allocated: it fits too */
    CHECK(c == a);
    memset(c, 8, 8 * MB);
    mloda_free(c);
    mloda_block_cache_drain();
}

static void *churn(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg;
    for (int i = 0; i < 300; i++) {
        seed = seed * 1103515245u + 12345u;
        size_t size = MB + (seed >> 8) % (3 * MB);
        unsigned char *p = mloda_malloc(size);
        if (p == NULL)
            return "allocation failed";
        p[0] = p[size - 1] = (unsigned char)i;
        mloda_free(p);
    }
    return NULL;
}

/* Threads allocating and freeing large blocks at once (ThreadSanitizer in CI). */
static void test_block_cache_threads(void)
{
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, churn, (void *)(uintptr_t)(i + 1));
    for (int i = 0; i < 4; i++) {
        void *r = NULL;
        pthread_join(t[i], &r);
        CHECK(r == NULL);
    }
    CHECK(cached_blocks() <= MLODA_BLOCK_CACHE_BLOCKS);
    mloda_block_cache_drain();
}

int main(void)
{
    RUN(test_malloc_n);
    RUN(test_block_reuse);
    RUN(test_block_cache_bounds);
    RUN(test_block_cache_threads);
    RUN(test_block_cache_idle);
    RUN(test_block_classes);
    return TEST_SUMMARY();
}
