/*
 * metrics.c: counters of every answered request (atomic, relaxed: each is a tally read
 * only by GET /metrics) and their Prometheus text (exposition format 0.0.4).
 *
 * Series: requests by endpoint, served request ("name"; "" for endpoints of no request and
 * for unknown names, so that a client cannot add series) and status; failed batches by
 * error code; batches, input rows and result tables; a latency histogram per endpoint and
 * name (from the request's headers to its answer's last byte); gauges of connections,
 * requests in flight, the compute slots and their queue, and feed subscribers.
 */
#include "serve/serve_internal.h"

#include <stdio.h>
#include <string.h>

const double mloda_serve_buckets[SERVE_N_BUCKETS] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                     0.005,  0.01,    0.025,  0.05,  0.1,
                                                     0.25,   0.5,     1.0,    2.5,   5.0};

#define SERVE_STATUS_VALUE_(s) s,
static const unsigned statuses[] = {SERVE_STATUS_LIST(SERVE_STATUS_VALUE_)};

int mloda_serve_status_index(unsigned status)
{
    for (int i = 0; i < (int)(sizeof statuses / sizeof statuses[0]); i++)
        if (statuses[i] == status)
            return i;
    return SERVE_N_STATUS - 1;
}

unsigned mloda_serve_status_of_index(int i)
{
    return i < (int)(sizeof statuses / sizeof statuses[0]) ? statuses[i] : 0;
}

const char *mloda_serve_ep_name(serve_ep ep)
{
    static const char *const names[SERVE_EP_COUNT] = {
        "dashboard", "healthz", "metrics", "requests", "run", "feed_post", "feed_get", "noop",
        "other"};
    return ep < SERVE_EP_COUNT ? names[ep] : "other";
}

void mloda_serve_count(mloda_server *srv, const serve_call *call, int64_t elapsed_ns)
{
    serve_counters *k = call->entry != NULL ? &call->entry->counters : &srv->global;
    const memory_order rx = memory_order_relaxed;
    atomic_fetch_add_explicit(&k->requests[call->ep][mloda_serve_status_index(call->status)], 1,
                              rx);
    if (call->ep != SERVE_EP_FEED_GET) { /* a subscription's length is no latency */
        const double s = (double)elapsed_ns / 1e9;
        int b = 0;
        while (b < SERVE_N_BUCKETS && s > mloda_serve_buckets[b])
            b++;
        serve_hist *h = &k->latency[call->ep];
        atomic_fetch_add_explicit(&h->bucket[b], 1, rx);
        atomic_fetch_add_explicit(&h->sum_ns, (uint_fast64_t)(elapsed_ns > 0 ? elapsed_ns : 0), rx);
    }
    const bool computes = call->ep == SERVE_EP_RUN || call->ep == SERVE_EP_FEED_POST;
    if (computes && call->code != MLODA_OK && (int)call->code > 0 && (int)call->code < SERVE_N_CODES)
        atomic_fetch_add_explicit(&k->errors[call->code], 1, rx);
    if (computes && call->status == 200 && call->code == MLODA_OK) {
        atomic_fetch_add_explicit(&k->batches, 1, rx);
        atomic_fetch_add_explicit(&k->rows, (uint_fast64_t)call->rows, rx);
        atomic_fetch_add_explicit(&k->tables, (uint_fast64_t)call->n_tables, rx);
    }
}

static uint64_t get(atomic_uint_fast64_t *a)
{
    return (uint64_t)atomic_load_explicit(a, memory_order_relaxed);
}

static mloda_status requests_series(serve_counters *k, const char *name, mloda_buf *b,
                                    mloda_error *err)
{
    for (int ep = 0; ep < SERVE_EP_COUNT; ep++)
        for (int s = 0; s < SERVE_N_STATUS; s++) {
            const uint64_t v = get(&k->requests[ep][s]);
            if (v == 0)
                continue;
            const unsigned status = mloda_serve_status_of_index(s);
            char st_text[16] = "other";
            if (status != 0)
                (void)snprintf(st_text, sizeof st_text, "%u", status);
            MLODA_TRY(mloda_buf_printf(b, err,
                                       "mloda_serve_requests_total{endpoint=\"%s\",name=\"%s\","
                                       "status=\"%s\"} %llu\n",
                                       mloda_serve_ep_name((serve_ep)ep), name, st_text,
                                       (unsigned long long)v));
        }
    return MLODA_OK;
}

static mloda_status histogram_series(serve_counters *k, const char *name, bool named,
                                     mloda_buf *b, mloda_error *err)
{
    for (int ep = 0; ep < SERVE_EP_COUNT; ep++) {
        serve_hist *h = &k->latency[ep];
        uint64_t count = 0;
        for (int i = 0; i <= SERVE_N_BUCKETS; i++)
            count += get(&h->bucket[i]);
        const bool always = named && (ep == SERVE_EP_RUN || ep == SERVE_EP_FEED_POST);
        if (count == 0 && !always)
            continue;
        const char *e = mloda_serve_ep_name((serve_ep)ep);
        uint64_t cum = 0;
        for (int i = 0; i < SERVE_N_BUCKETS; i++) {
            cum += get(&h->bucket[i]);
            MLODA_TRY(mloda_buf_printf(b, err,
                                       "mloda_serve_request_duration_seconds_bucket{endpoint="
                                       "\"%s\",name=\"%s\",le=\"%g\"} %llu\n",
                                       e, name, mloda_serve_buckets[i], (unsigned long long)cum));
        }
        MLODA_TRY(mloda_buf_printf(
            b, err,
            "mloda_serve_request_duration_seconds_bucket{endpoint=\"%s\",name=\"%s\",le=\"+Inf\"} "
            "%llu\nmloda_serve_request_duration_seconds_sum{endpoint=\"%s\",name=\"%s\"} %.9f\n"
            "mloda_serve_request_duration_seconds_count{endpoint=\"%s\",name=\"%s\"} %llu\n",
            e, name, (unsigned long long)count, e, name, (double)get(&h->sum_ns) / 1e9, e, name,
            (unsigned long long)count));
    }
    return MLODA_OK;
}

mloda_status mloda_serve_metrics_text(mloda_server *srv, mloda_buf *b, mloda_error *err)
{
    MLODA_TRY(mloda_buf_printf(b, err,
                               "# HELP mloda_serve_info The server's version.\n"
                               "# TYPE mloda_serve_info gauge\n"
                               "mloda_serve_info{version=\"%s\"} 1\n",
                               mloda_version()));
    MLODA_TRY(mloda_buf_puts(b, "# HELP mloda_serve_requests_total HTTP requests answered, by "
                                "endpoint, served request and status.\n"
                                "# TYPE mloda_serve_requests_total counter\n",
                             err));
    MLODA_TRY(requests_series(&srv->global, "", b, err));
    for (int64_t i = 0; i < srv->n_entries; i++)
        MLODA_TRY(requests_series(&srv->entries[i]->counters, srv->entries[i]->name, b, err));

    static const char *const counters[3][2] = {
        {"batches", "Batches computed without error."},
        {"rows", "Input rows of the batches computed."},
        {"tables", "Result tables sent."}};
    for (int m = 0; m < 3; m++) {
        MLODA_TRY(mloda_buf_printf(b, err,
                                   "# HELP mloda_serve_%s_total %s\n"
                                   "# TYPE mloda_serve_%s_total counter\n",
                                   counters[m][0], counters[m][1], counters[m][0]));
        for (int64_t i = 0; i < srv->n_entries; i++) {
            serve_counters *k = &srv->entries[i]->counters;
            const uint64_t v = get(m == 0 ? &k->batches : m == 1 ? &k->rows : &k->tables);
            MLODA_TRY(mloda_buf_printf(b, err, "mloda_serve_%s_total{name=\"%s\"} %llu\n",
                                       counters[m][0], srv->entries[i]->name,
                                       (unsigned long long)v));
        }
    }
    MLODA_TRY(mloda_buf_puts(b, "# HELP mloda_serve_errors_total Failed batches by error code.\n"
                                "# TYPE mloda_serve_errors_total counter\n",
                             err));
    for (int64_t i = 0; i < srv->n_entries; i++)
        for (int code = 1; code < SERVE_N_CODES; code++) {
            const uint64_t v = get(&srv->entries[i]->counters.errors[code]);
            if (v > 0)
                MLODA_TRY(mloda_buf_printf(b, err,
                                           "mloda_serve_errors_total{name=\"%s\",code=\"%s\"} "
                                           "%llu\n",
                                           srv->entries[i]->name,
                                           mloda_status_name((mloda_status)code),
                                           (unsigned long long)v));
        }
    MLODA_TRY(mloda_buf_puts(b, "# HELP mloda_serve_request_duration_seconds Time from a "
                                "request's headers to its answer's last byte.\n"
                                "# TYPE mloda_serve_request_duration_seconds histogram\n",
                             err));
    MLODA_TRY(histogram_series(&srv->global, "", false, b, err));
    for (int64_t i = 0; i < srv->n_entries; i++)
        MLODA_TRY(histogram_series(&srv->entries[i]->counters, srv->entries[i]->name, true, b,
                                   err));

    pthread_mutex_lock(&srv->adm_mu);
    const int64_t running = srv->running, waiting = srv->waiting;
    pthread_mutex_unlock(&srv->adm_mu);
    MLODA_TRY(mloda_buf_printf(
        b, err,
        "# HELP mloda_serve_connections Open connections.\n"
        "# TYPE mloda_serve_connections gauge\nmloda_serve_connections %lld\n"
        "# HELP mloda_serve_in_flight Requests received and not yet answered whole.\n"
        "# TYPE mloda_serve_in_flight gauge\nmloda_serve_in_flight %lld\n"
        "# HELP mloda_serve_compute_running Requests computing (at most "
        "mloda_serve_compute_slots).\n"
        "# TYPE mloda_serve_compute_running gauge\nmloda_serve_compute_running %lld\n"
        "# HELP mloda_serve_compute_slots Requests that may compute at once.\n"
        "# TYPE mloda_serve_compute_slots gauge\nmloda_serve_compute_slots %lld\n"
        "# HELP mloda_serve_queue_waiting Requests waiting for a compute slot.\n"
        "# TYPE mloda_serve_queue_waiting gauge\nmloda_serve_queue_waiting %lld\n"
        "# HELP mloda_serve_queue_capacity Requests that may wait (beyond: 503).\n"
        "# TYPE mloda_serve_queue_capacity gauge\nmloda_serve_queue_capacity %lld\n"
        "# HELP mloda_serve_feed_subscribers Open subscriptions of each feed.\n"
        "# TYPE mloda_serve_feed_subscribers gauge\n",
        (long long)atomic_load(&srv->n_conns), (long long)atomic_load(&srv->in_flight),
        (long long)running, (long long)srv->n_slots, (long long)waiting,
        (long long)srv->opts.queue));
    for (int64_t i = 0; i < srv->n_entries; i++)
        MLODA_TRY(mloda_buf_printf(b, err, "mloda_serve_feed_subscribers{name=\"%s\"} %lld\n",
                                   srv->entries[i]->name,
                                   (long long)atomic_load(&srv->entries[i]->feed.n_subscribers)));
    return MLODA_OK;
}
