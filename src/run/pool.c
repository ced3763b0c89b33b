/*
 * pool.c: pthread pool (see pool.h). One mutex guards the queue and the shutdown flag;
 * idle workers sleep on a condition variable (no polling).
 */
#include "run/pool.h"

#include <pthread.h>
#include <string.h>

#include "util/util.h"

struct mloda_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    mloda_task *head; /* guarded by mu */
    mloda_task *tail; /* guarded by mu */
    bool shutdown;    /* guarded by mu */
    int n_threads;    /* threads started */
    pthread_t *threads; /* owned */
};

static void *worker_main(void *arg)
{
    mloda_pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (p->head == NULL && !p->shutdown)
            pthread_cond_wait(&p->cv, &p->mu);
        mloda_task *t = p->head;
        if (t == NULL) { /* shutdown with an empty queue */
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        p->head = t->next;
        if (p->head == NULL)
            p->tail = NULL;
        pthread_mutex_unlock(&p->mu);
        t->next = NULL;
        t->fn(t);
    }
}

mloda_status mloda_pool_new(int n_threads, mloda_pool **out, mloda_error *err)
{
    *out = NULL;
    if (n_threads < 1)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, "threads", "pool needs a thread");
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
    for (int i = 0; i < n_threads; i++) {
        if (pthread_create(&p->threads[i], NULL, worker_main, p) != 0) {
            mloda_pool_free(p);
            return mloda_error_set(err, MLODA_ERR_INTERNAL, "threads",
                                   "cannot start worker thread %d of %d", i + 1, n_threads);
        }
        p->n_threads = i + 1;
    }
    *out = p;
    return MLODA_OK;
}

void mloda_pool_submit(mloda_pool *p, mloda_task *task)
{
    task->next = NULL;
    pthread_mutex_lock(&p->mu);
    if (p->tail != NULL)
        p->tail->next = task;
    else
        p->head = task;
    p->tail = task;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

int mloda_pool_threads(const mloda_pool *p)
{
    return p->n_threads;
}

void mloda_pool_free(mloda_pool *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->mu);
    p->shutdown = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->n_threads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    mloda_free(p->threads);
    mloda_free(p);
}
