/* alloc.c: counted allocation with failure injection for tests (see alloc.h). */
#define _DEFAULT_SOURCE 1 /* madvise flags (MADV_HUGEPAGE) are Linux extensions */
#include "util/alloc.h"

#include <malloc.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "util/block_cache.h"

enum { HUGE_PAGE = 2u << 20, HUGE_THRESHOLD = 4u << 20 };

static atomic_uint_fast64_t n_allocs;
static atomic_long fail_countdown = -1; /* -1: injection off */
static atomic_bool fail_happened;

static bool should_fail(void)
{
    long cur = atomic_load_explicit(&fail_countdown, memory_order_relaxed);
    while (cur >= 0) {
        if (atomic_compare_exchange_weak_explicit(&fail_countdown, &cur, cur - 1,
                                                  memory_order_relaxed, memory_order_relaxed)) {
            if (cur == 0) {
                atomic_store_explicit(&fail_happened, true, memory_order_relaxed);
                return true;
            }
            return false;
        }
    }
    return false;
}

static void *counted(void *p)
{
    if (p != NULL)
        atomic_fetch_add_explicit(&n_allocs, 1, memory_order_relaxed);
    return p;
}

/* A fresh block of size bytes, 64-byte aligned. Large ones get 2 MiB alignment and
 * transparent huge pages where the kernel offers them on request: a 1M-row column then
 * costs 4 page faults instead of 2000. */
static void *fresh_aligned(size_t size)
{
    void *p = NULL;
    bool huge = size >= HUGE_THRESHOLD;
    if (posix_memalign(&p, huge ? (size_t)HUGE_PAGE : 64, size) != 0)
        return NULL;
#ifdef MADV_HUGEPAGE
    if (huge)
        (void)madvise(p, size & ~((size_t)HUGE_PAGE - 1), MADV_HUGEPAGE); /* advice only */
#endif
    return p;
}

/* A block of at least size bytes (>= MLODA_BLOCK_CACHE_MIN), 64-byte aligned: a cached
 * one when one fits, else a fresh one of the request's whole size class (after giving the
 * cache back when memory is short). */
static void *large_block(size_t size)
{
    void *p = mloda_block_cache_take(size);
    const size_t whole_class = mloda_block_cache_class(size);
    if (p == NULL && (p = fresh_aligned(whole_class)) == NULL) {
        mloda_block_cache_drain();
        p = fresh_aligned(whole_class);
    }
    return p;
}

void *mloda_malloc(size_t size)
{
    if (should_fail())
        return NULL;
    if (size >= MLODA_BLOCK_CACHE_MIN)
        return counted(large_block(size));
    return counted(malloc(size == 0 ? 1 : size));
}

void *mloda_calloc(size_t n, size_t size)
{
    if (should_fail())
        return NULL;
    if (n == 0 || size == 0)
        n = size = 1;
    return counted(calloc(n, size));
}

void *mloda_realloc(void *p, size_t size)
{
    if (should_fail())
        return NULL;
    return counted(realloc(p, size == 0 ? 1 : size));
}

void *mloda_aligned_alloc(size_t size)
{
    if (should_fail())
        return NULL;
    size_t padded = 0;
    if (!mloda_pad64(size == 0 ? 1 : size, &padded))
        return NULL;
    return counted(padded >= MLODA_BLOCK_CACHE_MIN ? large_block(padded) : fresh_aligned(padded));
}

void mloda_free(void *p)
{
    if (p == NULL)
        return;
    size_t usable = malloc_usable_size(p);
    if (usable >= MLODA_BLOCK_CACHE_MIN && mloda_block_cache_put(p, usable))
        return;
    free(p);
}

char *mloda_strndup(const char *s, size_t len)
{
    if (s == NULL)
        return NULL;
    char *d = mloda_malloc(len + 1);
    if (d == NULL)
        return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *mloda_strdup(const char *s)
{
    return s == NULL ? NULL : mloda_strndup(s, strlen(s));
}

bool mloda_mul_size(size_t a, size_t b, size_t *out)
{
    if (b != 0 && a > SIZE_MAX / b)
        return false;
    *out = a * b;
    return true;
}

void *mloda_malloc_n(int64_t n, size_t elem)
{
    size_t bytes = 0;
    if (n < 0 || !mloda_mul_size((size_t)(n > 0 ? n : 1), elem, &bytes))
        return NULL;
    return mloda_malloc(bytes);
}

bool mloda_add_size(size_t a, size_t b, size_t *out)
{
    if (a > SIZE_MAX - b)
        return false;
    *out = a + b;
    return true;
}

bool mloda_pad64(size_t n, size_t *out)
{
    if (n > SIZE_MAX - 63)
        return false;
    *out = (n + 63) & ~(size_t)63;
    return true;
}

uint64_t mloda_alloc_count(void)
{
    return (uint64_t)atomic_load_explicit(&n_allocs, memory_order_relaxed);
}

void mloda_test_fail_alloc_at(long n)
{
    atomic_store_explicit(&fail_happened, false, memory_order_relaxed);
    atomic_store_explicit(&fail_countdown, n < 0 ? -1 : n, memory_order_relaxed);
}

bool mloda_test_alloc_failed(void)
{
    return atomic_load_explicit(&fail_happened, memory_order_relaxed);
}
