/*
 * feed.c: the live feed of one served request: POST /v1/feed/NAME publishes each result
 * table as a server-sent event, GET /v1/feed/NAME subscribers read them.
 *
 * Events are formatted once and shared (reference counted) by every subscriber. The feed
 * keeps the latest RING_CAP events (and at most RING_BYTES of text); a publisher never waits
 * for a subscriber: one that falls behind skips to the oldest event still held and is told
 * how many it missed. A new subscriber starts at the first event of the last finished
 * batch, so a dashboard opened between batches shows the latest values at once.
 */
#include "serve/serve_internal.h"

#include <errno.h>
#include <string.h>
#include <time.h>

enum { RING_CAP = 512 };
#define RING_BYTES ((size_t)64 * 1024 * 1024)

void mloda_serve_event_release(serve_event *ev)
{
    if (ev != NULL && atomic_fetch_sub_explicit(&ev->refs, 1, memory_order_acq_rel) == 1)
        mloda_free(ev);
}

mloda_status mloda_serve_feed_init(serve_feed *f, mloda_error *err)
{
    memset(f, 0, sizeof *f);
    f->ring = mloda_calloc(RING_CAP, sizeof *f->ring);
    if (f->ring == NULL)
        return mloda_error_set(err, MLODA_ERR_NOMEM, NULL, "out of memory");
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&f->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&f->mu, NULL);
    f->cap = RING_CAP;
    f->replay = -1;
    return MLODA_OK;
}

void mloda_serve_feed_destroy(serve_feed *f)
{
    if (f->ring == NULL) /* never initialised */
        return;
    for (int64_t s = f->oldest; s < f->head; s++)
        mloda_serve_event_release(f->ring[s % f->cap]);
    mloda_free(f->ring);
    f->ring = NULL;
    pthread_mutex_destroy(&f->mu);
    pthread_cond_destroy(&f->cv);
}

/* Drops the oldest event. Caller holds f->mu. */
static void drop_oldest(serve_feed *f)
{
    serve_event **slot = &f->ring[f->oldest % f->cap];
    f->bytes -= (*slot)->len;
    mloda_serve_event_release(*slot);
    *slot = NULL;
    f->oldest++;
}

int64_t mloda_serve_feed_publish(serve_feed *f, const char *text, size_t len)
{
    serve_event *ev = mloda_malloc(sizeof *ev + len + 1);
    if (ev == NULL)
        return -1;
    atomic_init(&ev->refs, 1);
    ev->len = len;
    memcpy(ev->text, text, len);
    ev->text[len] = '\0';
    pthread_mutex_lock(&f->mu);
    while (f->head - f->oldest >= f->cap || (f->head > f->oldest && f->bytes + len > RING_BYTES))
        drop_oldest(f);
    ev->seq = f->head;
    f->ring[f->head % f->cap] = ev;
    f->head++;
    f->bytes += len;
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->mu);
    return ev->seq;
}

void mloda_serve_feed_batch_done(serve_feed *f, int64_t first_seq)
{
    pthread_mutex_lock(&f->mu);
    if (first_seq > f->replay)
        f->replay = first_seq;
    pthread_mutex_unlock(&f->mu);
}

int64_t mloda_serve_feed_subscribe(serve_feed *f)
{
    pthread_mutex_lock(&f->mu);
    int64_t start = f->replay >= 0 ? f->replay : f->head;
    if (start < f->oldest)
        start = f->oldest;
    pthread_mutex_unlock(&f->mu);
    atomic_fetch_add(&f->n_subscribers, 1);
    return start;
}

void mloda_serve_feed_unsubscribe(serve_feed *f)
{
    atomic_fetch_sub(&f->n_subscribers, 1);
}

void mloda_serve_feed_close(serve_feed *f)
{
    pthread_mutex_lock(&f->mu);
    f->closed = true;
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->mu);
}

serve_event *mloda_serve_feed_next(serve_feed *f, int64_t *cursor, int wait_ms, bool *closed,
                                   int64_t *missed)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += wait_ms / 1000;
    until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    *closed = false;
    *missed = 0;
    serve_event *ev = NULL;
    pthread_mutex_lock(&f->mu);
    for (;;) {
        if (f->closed) {
            *closed = true;
            break;
        }
        if (*cursor < f->oldest) {
            *missed = f->oldest - *cursor;
            *cursor = f->oldest;
        }
        if (*cursor < f->head) {
            ev = f->ring[*cursor % f->cap];
            atomic_fetch_add_explicit(&ev->refs, 1, memory_order_relaxed);
            (*cursor)++;
            break;
        }
        if (*missed > 0)
            break; /* report the lag now */
        if (pthread_cond_timedwait(&f->cv, &f->mu, &until) == ETIMEDOUT)
            break;
    }
    pthread_mutex_unlock(&f->mu);
    return ev;
}
