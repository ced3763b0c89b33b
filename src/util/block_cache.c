/* block_cache.c: large freed blocks kept for reuse (see block_cache.h). */
#include "util/block_cache.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#if defined(__SANITIZE_ADDRESS__)
#define MLODA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MLODA_ASAN 1
#endif
#endif
#ifdef MLODA_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

typedef struct cached_block {
    void *p;
    size_t usable;
    uint64_t age; /* put order: the smallest is the oldest */
} cached_block;

static struct {
    pthread_mutex_t mu;
    cached_block blocks[MLODA_BLOCK_CACHE_BLOCKS]; /* guarded by mu: [0, n) */
    size_t n, bytes;
    uint64_t next_age;
} cache = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* Removes entry i (caller holds the mutex); returns its block, still poisoned. */
static cached_block remove_at(size_t i)
{
    cached_block b = cache.blocks[i];
    cache.blocks[i] = cache.blocks[--cache.n];
    cache.bytes -= b.usable;
    return b;
}

void *mloda_block_cache_take(size_t size)
{
    pthread_mutex_lock(&cache.mu);
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < cache.n; i++) {
        size_t u = cache.blocks[i].usable;
        if (u >= size && u - size <= size / 4 && (best == SIZE_MAX || u < cache.blocks[best].usable))
            best = i;
    }
    void *p = NULL;
    if (best != SIZE_MAX) {
        cached_block b = remove_at(best);
        UNPOISON(b.p, b.usable);
        p = b.p;
    }
    pthread_mutex_unlock(&cache.mu);
    return p;
}

bool mloda_block_cache_put(void *p, size_t usable)
{
    if (p == NULL || usable < MLODA_BLOCK_CACHE_MIN || usable > MLODA_BLOCK_CACHE_MAX ||
        ((uintptr_t)p & 63) != 0)
        return false;
    cached_block evicted[MLODA_BLOCK_CACHE_BLOCKS];
    size_t n_evicted = 0;
    pthread_mutex_lock(&cache.mu);
    while (cache.n > 0 &&
           (cache.n == MLODA_BLOCK_CACHE_BLOCKS || cache.bytes + usable > MLODA_BLOCK_CACHE_BYTES)) {
        size_t oldest = 0;
        for (size_t i = 1; i < cache.n; i++)
            if (cache.blocks[i].age < cache.blocks[oldest].age)
                oldest = i;
        evicted[n_evicted++] = remove_at(oldest);
    }
    POISON(p, usable);
    cache.blocks[cache.n++] = (cached_block){p, usable, cache.next_age++};
    cache.bytes += usable;
    pthread_mutex_unlock(&cache.mu);
    for (size_t i = 0; i < n_evicted; i++) {
        UNPOISON(evicted[i].p, evicted[i].usable);
        free(evicted[i].p);
    }
    return true;
}

void mloda_block_cache_drain(void)
{
    cached_block all[MLODA_BLOCK_CACHE_BLOCKS];
    pthread_mutex_lock(&cache.mu);
    size_t n = cache.n;
    for (size_t i = 0; i < n; i++)
        all[i] = cache.blocks[i];
    cache.n = 0;
    cache.bytes = 0;
    pthread_mutex_unlock(&cache.mu);
    for (size_t i = 0; i < n; i++) {
        UNPOISON(all[i].p, all[i].usable);
        free(all[i].p);
    }
}

void mloda_block_cache_stats(size_t *blocks, size_t *bytes)
{
    pthread_mutex_lock(&cache.mu);
    *blocks = cache.n;
    *bytes = cache.bytes;
    pthread_mutex_unlock(&cache.mu);
}
