/*
 * block_cache.h: large freed blocks kept for the next allocation of about their size.
 *
 * A 1M-row run writes tens of MB into fresh buffers (output columns, join pairs, hash
 * tables); fresh memory costs a page fault and a kernel page clear per page, which took
 * more time than the computation itself. The same sizes come back batch after batch, so
 * alloc.c keeps blocks of at least MLODA_BLOCK_CACHE_MIN bytes when they are freed and
 * hands them out again (warm, already mapped). Large blocks are made in size classes, so
 * that the sizes of one run's buffers can stand in for each other from one run to the next
 * (without classes, the alignment slack of each block decided which requests it could
 * serve, and some runs missed the cache over and over).
 *
 * Bounded: at most MLODA_BLOCK_CACHE_BLOCKS blocks and MLODA_BLOCK_CACHE_BYTES bytes, no
 * block above MLODA_BLOCK_CACHE_MAX; the oldest go first, and blocks unused for
 * MLODA_BLOCK_CACHE_IDLE_MS are freed at the next large allocation or free (a process
 * that stops working on large batches gives the memory back). A block is reused only for
 * a request within a quarter of its size, so a small request never pins a big block. The
 * cache is process-wide (blocks are freed by whichever thread drops the last reference to
 * a column, long after the run and even the session that made it), one of the two
 * deliberate process-wide objects with the default pool, guarded by one mutex.
 *
 * Under AddressSanitizer a cached block is poisoned, so a use after free still reports.
 */
#ifndef MLODA_UTIL_BLOCK_CACHE_H
#define MLODA_UTIL_BLOCK_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    MLODA_BLOCK_CACHE_BLOCKS = 32,
    MLODA_BLOCK_CACHE_IDLE_MS = 10000, /* 10 s */
};
#define MLODA_BLOCK_CACHE_MIN ((size_t)1 << 20)   /* 1 MiB */
#define MLODA_BLOCK_CACHE_MAX ((size_t)64 << 20)  /* 64 MiB */
#define MLODA_BLOCK_CACHE_BYTES ((size_t)192 << 20) /* 192 MiB */

/** The size class of a request of size bytes (size rounded up to 256 KiB, or to 2 MiB from
 *  4 MiB on): large blocks are made that big, so that requests of one class can use each
 *  other's blocks (a 7.3 MB and an 8 MB request share the 8 MiB class). */
size_t mloda_block_cache_class(size_t size);
/** A cached block for a request of size bytes: of the request's class or at most a quarter
 *  bigger, or NULL. */
void *mloda_block_cache_take(size_t size);
/** Keeps block p (usable bytes, 64-byte aligned) for reuse; false when it is not kept and
 *  the caller frees it. May free older blocks to make room. */
bool mloda_block_cache_put(void *p, size_t usable);
/** Frees every cached block (on allocation failure, and for tests). */
void mloda_block_cache_drain(void);
/** What the cache holds now (for tests). */
void mloda_block_cache_stats(size_t *blocks, size_t *bytes);
/** Test hook: blocks unused for ms milliseconds are freed (ms < 0: the default). */
void mloda_block_cache_test_set_idle_ms(int64_t ms);

#endif /* MLODA_UTIL_BLOCK_CACHE_H */
