/*
 * alloc.h: the one place every allocation goes through.
 *
 * Counting: every successful allocation bumps a process-wide atomic counter, read by the
 * benchmarks ("allocations per run"). Injection: tests can make the n-th allocation from
 * now fail (mloda_test_fail_alloc_at), to prove every failure path returns
 * MLODA_ERR_NOMEM cleanly. These two atomics are the only mutable globals here (STYLE.md
 * §7); the other is the cache of large freed blocks (util/block_cache.h): blocks of 1 MiB
 * and more come from it when one fits and go back to it when freed, so mloda_free must
 * only be given what these functions returned (as before).
 */
#ifndef MLODA_UTIL_ALLOC_H
#define MLODA_UTIL_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *mloda_malloc(size_t size);
void *mloda_calloc(size_t n, size_t size);
void *mloda_realloc(void *p, size_t size);
/** 64-byte aligned block (Arrow's recommended alignment); free with mloda_free. */
void *mloda_aligned_alloc(size_t size);
void mloda_free(void *p);
/** Copy of a NUL-terminated string (NULL on failure or NULL input). */
char *mloda_strdup(const char *s);
/** Copy of len bytes plus a NUL. */
char *mloda_strndup(const char *s, size_t len);

/** An array of n elements of elem bytes each (room for one when n is 0, so that the result
 *  is a valid pointer); NULL when n < 0, when the size overflows or memory runs out. Free
 *  with mloda_free. */
void *mloda_malloc_n(int64_t n, size_t elem);

/** a * b into *out; false on overflow. */
bool mloda_mul_size(size_t a, size_t b, size_t *out);
/** a + b into *out; false on overflow. */
bool mloda_add_size(size_t a, size_t b, size_t *out);
/** Rounds up to a multiple of 64; false on overflow. */
bool mloda_pad64(size_t n, size_t *out);

/** Successful allocations since the process started (relaxed; for benchmarks). */
uint64_t mloda_alloc_count(void);
/** Test hook: the n-th allocation from now (0 = the next one) fails; n < 0 disables. */
void mloda_test_fail_alloc_at(long n);
/** Test hook: true when an injected failure happened since the last fail_alloc_at. */
bool mloda_test_alloc_failed(void);

#endif /* MLODA_UTIL_ALLOC_H */
