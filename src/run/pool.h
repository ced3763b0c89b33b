/*
 * pool.h: the shared thread pool (mloda_pool in mloda.h) and its jobs.
 *
 * A job is one run's queue of ready tasks. Workers take tasks round-robin over the jobs
 * that have some, one task per turn, so a run with many ready steps cannot hold back the
 * others; a job may cap how many of its tasks run at once. Tasks are caller-owned records
 * (embedded in a run's state), so submitting never allocates and never fails: workers are
 * started lazily, and a pool whose threads could not start still makes progress because
 * the thread that waits for a job runs that job's ready tasks itself
 * (mloda_pool_run_one). The same rule keeps a task that waits for another job of the same
 * pool (a plugin running a session inside its calculation) from deadlocking it.
 *
 * Thread safety: every function is thread-safe; submit and run_one may be called from
 * inside a task.
 */
#ifndef MLODA_RUN_POOL_H
#define MLODA_RUN_POOL_H

#include "mloda/mloda.h"

typedef struct mloda_task {
    struct mloda_task *next;            /* guarded by the pool mutex while queued */
    void (*fn)(struct mloda_task *task);
} mloda_task;

/**
 * One run's tasks. Caller-owned: zero it, set max_active, and free it only when none of
 * its tasks is queued or running. A task's fn must call mloda_pool_task_done(pool, job)
 * exactly once, before it makes its completion visible to whoever frees the job: after
 * that call the pool no longer touches the job.
 */
typedef struct mloda_pool_job {
    int64_t max_active;                /* tasks of this job running at once; 0 = no cap */
    /* guarded by the pool mutex: */
    mloda_task *head, *tail;           /* ready tasks, FIFO */
    int64_t active;                    /* tasks running now */
    bool in_ring;                      /* in the pool's round-robin ring: exactly when it has
                                          a ready task and room under max_active */
    struct mloda_pool_job *prev, *next; /* ring links */
} mloda_pool_job;

/** The process-wide pool (one thread per core), created on first use; never NULL: when
 *  memory runs out it is a pool without workers, which still runs every job through the
 *  threads that wait for them. Borrowed; retain it to keep a reference. */
mloda_pool *mloda_pool_default(void);
mloda_pool *mloda_pool_retain(mloda_pool *pool);
void mloda_pool_release(mloda_pool *pool);

/** Queues a ready task of job (worker threads start on first use). */
void mloda_pool_submit(mloda_pool *pool, mloda_pool_job *job, mloda_task *task);
/** Runs one ready task of job on the calling thread, if there is one and the job's cap
 *  allows it; returns whether it ran one. */
bool mloda_pool_run_one(mloda_pool *pool, mloda_pool_job *job);
/** A task of job has finished its work (see mloda_pool_job). */
void mloda_pool_task_done(mloda_pool *pool, mloda_pool_job *job);

/** Most parts of one mloda_pool_parallel_for. */
#define MLODA_POOL_MAX_PARTS 64

/**
 * Calls fn(ctx, part) once for every part in [0, n_parts) (at most MLODA_POOL_MAX_PARTS)
 * on the pool's threads and the calling thread, and returns when all have returned. The
 * calling thread runs parts itself until none is left to start, so this never waits for a
 * busy pool and may be called from inside a task (a step splitting its rows). Parts must
 * not wait for each other. n_parts <= 1 runs on the calling thread without the pool.
 */
void mloda_pool_parallel_for(mloda_pool *pool, int64_t n_parts, void (*fn)(void *ctx, int64_t part),
                             void *ctx);
/** Parts worth splitting n items into for a run capped at max_threads (0: no cap) on
 *  pool: one per `grain` items, at most the pool's threads (or max_threads), at least 1. */
int64_t mloda_pool_parts(const mloda_pool *pool, int64_t max_threads, int64_t n, int64_t grain);

#endif /* MLODA_RUN_POOL_H */
