/*
 * pool.c: the shared thread pool (see pool.h).
 *
 * One mutex guards the ring of jobs with work, every job's queue and counters, and the
 * worker bookkeeping; idle workers sleep on one condition variable (no polling). The ring
 * is exact: a job is in it exactly when it has a ready task and room under its cap, so a
 * job that is idle is unknown to the pool and its owner may free it.
 *
 * Workers start on the first submit. The last reference joins them. It is never dropped
 * on one of the pool's own workers: a worker only runs tasks of runs whose sessions hold
 * a reference to the pool.
 */
#include "run/pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "plan/plan.h"
#include "util/util.h"

struct mloda_pool {
    atomic_long refs;
    int64_t n_threads;          /* workers to start */
    pthread_mutex_t mu;
    pthread_cond_t cv;          /* workers wait here for a job in the ring */
    mloda_pool_job *ring;       /* guarded by mu: first job of the ring, or NULL */
    bool started;               /* guarded by mu: workers were started (or tried) */
    bool shutdown;              /* guarded by mu */
    pthread_t *threads;         /* owned [n_threads]; the first n_started are valid */
    int64_t n_started;
};

/* ---------------------------------------------------------------- the ring */

static bool eligible(const mloda_pool_job *job)
{
    return job->head != NULL && (job->max_active <= 0 || job->active < job->max_active);
}

static void ring_append(mloda_pool *p, mloda_pool_job *job)
{
    if (p->ring == NULL) {
        job->prev = job->next = job;
        p->ring = job;
    } else {
        mloda_pool_job *last = p->ring->prev;
        job->prev = last;
        job->next = p->ring;
        last->next = job;
        p->ring->prev = job;
    }
    job->in_ring = true;
}

static void ring_remove(mloda_pool *p, mloda_pool_job *job)
{
    if (job->next == job) {
        p->ring = NULL;
    } else {
        job->prev->next = job->next;
        job->next->prev = job->prev;
        if (p->ring == job)
            p->ring = job->next;
    }
    job->prev = job->next = NULL;
    job->in_ring = false;
}

/* Puts the job where its state says: in the ring (at the back) when eligible. */
static void ring_settle(mloda_pool *p, mloda_pool_job *job)
{
    if (job->in_ring)
        ring_remove(p, job);
    if (eligible(job)) {
        ring_append(p, job);
        pthread_cond_signal(&p->cv);
    }
}

/* Takes the job's first ready task and counts it as running; the job moves to the back
 * of the ring (round robin) or leaves it. Caller holds p->mu and checked eligible(job). */
static mloda_task *take_task(mloda_pool *p, mloda_pool_job *job)
{
    mloda_task *t = job->head;
    job->head = t->next;
    if (job->head == NULL)
        job->tail = NULL;
    t->next = NULL;
    job->active++;
    ring_settle(p, job);
    return t;
}

/* ---------------------------------------------------------------- workers */

static void pool_destroy(mloda_pool *p)
{
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    mloda_free(p->threads);
    mloda_free(p);
}

static void *worker_main(void *arg)
{
    mloda_pool *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->ring == NULL && !p->shutdown)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->ring == NULL)
            break; /* shut down and nothing left */
        mloda_task *t = take_task(p, p->ring);
        pthread_mutex_unlock(&p->mu);
        t->fn(t); /* calls mloda_pool_task_done; t and its job may be gone after */
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Starts the workers on first use; caller holds p->mu. Threads that cannot start are
 * left out: the threads waiting for jobs run them (pool.h). */
static void start_workers(mloda_pool *p)
{
    p->started = true;
    for (int64_t i = 0; i < p->n_threads; i++) {
        if (pthread_create(&p->threads[i], NULL, worker_main, p) != 0)
            break;
        p->n_started++;
    }
}

/* ---------------------------------------------------------------- jobs */

void mloda_pool_submit(mloda_pool *p, mloda_pool_job *job, mloda_task *task)
{
    task->next = NULL;
    pthread_mutex_lock(&p->mu);
    if (!p->started)
        start_workers(p);
    if (job->tail != NULL)
        job->tail->next = task;
    else
        job->head = task;
    job->tail = task;
    if (!job->in_ring && eligible(job)) {
        ring_append(p, job);
        pthread_cond_signal(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
}

bool mloda_pool_run_one(mloda_pool *p, mloda_pool_job *job)
{
    pthread_mutex_lock(&p->mu);
    mloda_task *t = eligible(job) ? take_task(p, job) : NULL;
    pthread_mutex_unlock(&p->mu);
    if (t == NULL)
        return false;
    t->fn(t);
    return true;
}

void mloda_pool_task_done(mloda_pool *p, mloda_pool_job *job)
{
    pthread_mutex_lock(&p->mu);
    job->active--;
    if (!job->in_ring && eligible(job)) {
        ring_append(p, job);
        pthread_cond_signal(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
}

/* ---------------------------------------------------------------- parallel for */

typedef struct parallel_for parallel_for;

typedef struct part_task {
    mloda_task base; /* first: the pool hands back &base */
    parallel_for *pf;
    int64_t part;
} part_task;

struct parallel_for {
    mloda_pool *pool;
    mloda_pool_job job;
    void (*fn)(void *ctx, int64_t part);
    void *ctx;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int64_t left; /* guarded by mu: parts not finished */
    part_task tasks[MLODA_POOL_MAX_PARTS];
};

static void run_part(mloda_task *task)
{
    part_task *t = (part_task *)(void *)task;
    parallel_for *pf = t->pf;
    pf->fn(pf->ctx, t->part);
    mloda_pool_task_done(pf->pool, &pf->job);
    pthread_mutex_lock(&pf->mu);
    if (--pf->left == 0)
        pthread_cond_signal(&pf->cv);
    pthread_mutex_unlock(&pf->mu);
}

void mloda_pool_parallel_for(mloda_pool *pool, int64_t n_parts, void (*fn)(void *ctx, int64_t part),
                             void *ctx)
{
    if (n_parts > MLODA_POOL_MAX_PARTS)
        n_parts = MLODA_POOL_MAX_PARTS;
    parallel_for pf;
    if (n_parts <= 1 || pool == NULL || pthread_mutex_init(&pf.mu, NULL) != 0) {
        for (int64_t i = 0; i < n_parts; i++)
            fn(ctx, i);
        return;
    }
    if (pthread_cond_init(&pf.cv, NULL) != 0) {
        pthread_mutex_destroy(&pf.mu);
        for (int64_t i = 0; i < n_parts; i++)
            fn(ctx, i);
        return;
    }
    pf.pool = pool;
    memset(&pf.job, 0, sizeof pf.job);
    pf.fn = fn;
    pf.ctx = ctx;
    pf.left = n_parts;
    /* the calling thread takes part 0 at once; the others go to the pool, and whatever no
     * worker has started when part 0 is done, the calling thread runs too */
    for (int64_t i = 1; i < n_parts; i++) {
        pf.tasks[i] = (part_task){.base.fn = run_part, .pf = &pf, .part = i};
        mloda_pool_submit(pool, &pf.job, &pf.tasks[i].base);
    }
    fn(ctx, 0);
    pthread_mutex_lock(&pf.mu);
    pf.left--;
    pthread_mutex_unlock(&pf.mu);
    while (mloda_pool_run_one(pool, &pf.job))
        ;
    pthread_mutex_lock(&pf.mu);
    while (pf.left > 0)
        pthread_cond_wait(&pf.cv, &pf.mu);
    pthread_mutex_unlock(&pf.mu);
    pthread_cond_destroy(&pf.cv);
    pthread_mutex_destroy(&pf.mu);
}

int64_t mloda_pool_parts(const mloda_pool *pool, int64_t max_threads, int64_t n, int64_t grain)
{
    int64_t width = pool == NULL || pool->n_threads < 1 ? 1 : pool->n_threads;
    if (max_threads > 0 && max_threads < width)
        width = max_threads;
    int64_t parts = grain > 0 ? n / grain : 1;
    if (parts > width)
        parts = width;
    if (parts > MLODA_POOL_MAX_PARTS)
        parts = MLODA_POOL_MAX_PARTS;
    return parts < 1 ? 1 : parts;
}

/* ---------------------------------------------------------------- lifecycle */

static int64_t cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > MLODA_MAX_THREADS ? MLODA_MAX_THREADS : (int64_t)n;
}

static mloda_status pool_create(int64_t n_threads, mloda_pool **out, mloda_error *err)
{
    mloda_pool *p = mloda_calloc(1, sizeof *p);
    if (p == NULL)
        return MLODA_NOMEM(err, "a thread pool");
    p->threads = mloda_calloc((size_t)n_threads, sizeof *p->threads);
    if (p->threads == NULL) {
        mloda_free(p);
        return MLODA_NOMEM(err, "a thread pool");
    }
    if (pthread_mutex_init(&p->mu, NULL) != 0) {
        mloda_free(p->threads);
        mloda_free(p);
        return mloda_error_set(err, MLODA_ERR_INTERNAL, NULL, "cannot create a mutex");
    }
    if (pthread_cond_init(&p->cv, NULL) != 0) {
        pthread_mutex_destroy(&p->mu);
        mloda_free(p->threads);
        mloda_free(p);
        return mloda_error_set(err, MLODA_ERR_INTERNAL, NULL, "cannot create a condition");
    }
    atomic_init(&p->refs, 1);
    p->n_threads = n_threads;
    *out = p;
    return MLODA_OK;
}

mloda_status mloda_pool_new(int64_t n_threads, mloda_pool **out, mloda_error *err)
{
    mloda_error_enter(err);
    if (out == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, "out", "out must not be NULL");
    *out = NULL;
    if (n_threads < 0 || n_threads > MLODA_MAX_THREADS)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, "threads",
                               "a pool has 1 to %d threads (0 = one per core), not %lld",
                               MLODA_MAX_THREADS, (long long)n_threads);
    return pool_create(n_threads == 0 ? cores() : n_threads, out, err);
}

/* The process-wide pool: made once, never freed (its idle workers end with the process).
 * Without memory for it, a static pool without workers serves: jobs then run on the
 * threads that wait for them. */
static mloda_pool *default_pool;
static mloda_pool fallback_pool = {.mu = PTHREAD_MUTEX_INITIALIZER,
                                   .cv = PTHREAD_COND_INITIALIZER,
                                   .started = true};
static pthread_once_t default_once = PTHREAD_ONCE_INIT;

static void make_default(void)
{
    atomic_init(&fallback_pool.refs, 1);
    if (pool_create(cores(), &default_pool, NULL) != MLODA_OK)
        default_pool = &fallback_pool;
}

mloda_pool *mloda_pool_default(void)
{
    (void)pthread_once(&default_once, make_default);
    return default_pool;
}

mloda_pool *mloda_pool_retain(mloda_pool *p)
{
    if (p != NULL)
        atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
    return p;
}

void mloda_pool_release(mloda_pool *p)
{
    if (p == NULL || atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) != 1)
        return;
    pthread_mutex_lock(&p->mu);
    p->shutdown = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (int64_t i = 0; i < p->n_started; i++)
        pthread_join(p->threads[i], NULL);
    pool_destroy(p);
}

void mloda_pool_free(mloda_pool *p)
{
    mloda_pool_release(p);
}

int64_t mloda_pool_n_threads(const mloda_pool *p)
{
    return p == NULL ? 0 : p->n_threads;
}
