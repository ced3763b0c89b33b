/* block_cache.c: large freed blocks kept for reuse (see block_cache.h). */
#include "util/block_cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

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
    size_t size_class; /* the class it serves: its usable size rounded down to a class */
    uint64_t age;   /* put order: the smallest is the oldest */
    int64_t put_ns; /* CLOCK_MONOTONIC time it was put */
} cached_block;

static atomic_llong idle_limit_ns = (long long)MLODA_BLOCK_CACHE_IDLE_MS * 1000000;

static int64_t now_ns(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

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

/* Moves the blocks unused for longer than the idle limit into out (caller holds the
 * mutex and frees them after unlocking); returns how many. */
static size_t remove_idle(int64_t now, cached_block *out)
{
    const int64_t limit = (int64_t)atomic_load_explicit(&idle_limit_ns, memory_order_relaxed);
    size_t n = 0;
    for (size_t i = 0; i < cache.n;) {
        if (now - cache.blocks[i].put_ns > limit)
            out[n++] = remove_at(i);
        else
            i++;
    }
    return n;
}

static void free_blocks(cached_block *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        UNPOISON(b[i].p, b[i].usable);
        free(b[i].p);
    }
}

/* Class steps: 2 MiB (a huge page) from 4 MiB on, 256 KiB below. A block's usable size
 * exceeds the class it was made for by less than a step (the alignment slack of
 * posix_memalign), so rounding it down gives that class back. */
static size_t class_step(size_t size)
{
    return size >= ((size_t)4 << 20) ? (size_t)2 << 20 : (size_t)256 << 10;
}

size_t mloda_block_cache_class(size_t size)
{
    const size_t step = class_step(size);
    return size > SIZE_MAX - step ? size : (size + step - 1) / step * step;
}

static size_t class_of_usable(size_t usable)
{
    const size_t step = class_step(usable);
    return usable / step * step;
}

void *mloda_block_cache_take(size_t size)
{
    cached_block idle[MLODA_BLOCK_CACHE_BLOCKS];
    const int64_t now = now_ns();
    pthread_mutex_lock(&cache.mu);
    const size_t n_idle = remove_idle(now, idle);
    /* the smallest class that serves the request's class, at most a quarter bigger */
    const size_t want = mloda_block_cache_class(size);
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < cache.n; i++) {
        const size_t c = cache.blocks[i].size_class;
        if (c >= want && c - want <= want / 4 &&
            (best == SIZE_MAX || c < cache.blocks[best].size_class))
            best = i;
    }
    void *p = NULL;
    if (best != SIZE_MAX) {
        cached_block b = remove_at(best);
        UNPOISON(b.p, b.usable);
        p = b.p;
    }
    pthread_mutex_unlock(&cache.mu);
    free_blocks(idle, n_idle);
    return p;
}

bool mloda_block_cache_put(void *p, size_t usable)
{
    if (p == NULL || usable < MLODA_BLOCK_CACHE_MIN || usable > MLODA_BLOCK_CACHE_MAX ||
        ((uintptr_t)p & 63) != 0)
        return false;
    cached_block evicted[MLODA_BLOCK_CACHE_BLOCKS];
    const int64_t now = now_ns();
    pthread_mutex_lock(&cache.mu);
    size_t n_evicted = remove_idle(now, evicted);
    while (cache.n > 0 &&
           (cache.n == MLODA_BLOCK_CACHE_BLOCKS || cache.bytes + usable > MLODA_BLOCK_CACHE_BYTES)) {
        size_t oldest = 0;
        for (size_t i = 1; i < cache.n; i++)
            if (cache.blocks[i].age < cache.blocks[oldest].age)
                oldest = i;
        evicted[n_evicted++] = remove_at(oldest);
    }
    POISON(p, usable);
    cache.blocks[cache.n++] = (cached_block){p, usable, class_of_usable(usable), cache.next_age++,
                                             now};
    cache.bytes += usable;
    pthread_mutex_unlock(&cache.mu);
    free_blocks(evicted, n_evicted);
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
    free_blocks(all, n);
}

void mloda_block_cache_test_set_idle_ms(int64_t ms)
{
    const long long limit_ms = ms < 0 ? MLODA_BLOCK_CACHE_IDLE_MS : (long long)ms;
    atomic_store_explicit(&idle_limit_ns, limit_ms * 1000000, memory_order_relaxed);
}

void mloda_block_cache_stats(size_t *blocks, size_t *bytes)
{
    pthread_mutex_lock(&cache.mu);
    *blocks = cache.n;
    *bytes = cache.bytes;
    pthread_mutex_unlock(&cache.mu);
}
