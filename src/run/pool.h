/*
 * pool.h: a fixed-size pthread pool with an intrusive task queue.
 *
 * Tasks are caller-owned records (embedded in a run's state), so submitting never
 * allocates and cannot fail mid-run. Workers pop tasks FIFO and call task->fn(task).
 * mloda_pool_free waits for queued tasks to be run, then joins the workers.
 * Thread safety: submit is thread-safe (also from inside a task).
 */
#ifndef MLODA_RUN_POOL_H
#define MLODA_RUN_POOL_H

#include "mloda/base.h"

typedef struct mloda_task {
    struct mloda_task *next;            /* guarded by the pool mutex while queued */
    void (*fn)(struct mloda_task *task);
} mloda_task;

typedef struct mloda_pool mloda_pool;

mloda_status mloda_pool_new(int n_threads, mloda_pool **out, mloda_error *err);
void mloda_pool_submit(mloda_pool *pool, mloda_task *task);
int mloda_pool_threads(const mloda_pool *pool);
void mloda_pool_free(mloda_pool *pool);

#endif /* MLODA_RUN_POOL_H */
