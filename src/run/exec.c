/*
 * exec.c: executes the steps of one run.
 *
 * Every step finishes exactly once, as DONE, FAILED or SKIPPED (a parent did not finish
 * DONE, or the run was cancelled), so a run always reaches "all steps finished" and
 * cancellation never hangs. Pool mode: a finished step decrements its children's pending
 * counters (acq_rel, so a child sees its parents' outputs and states) and submits those
 * that reach zero, then appends itself to the completion queue. Inline mode: the caller
 * runs steps in plan order.
 *
 * Memory: the run's whole state is one zeroed block whose layout follows the plan's sizes.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "run/calc.h"
#include "run/result.h"
#include "run/run.h"
#include "util/util.h"

/* ---------------------------------------------------------------- allocation */

typedef struct layout {
    size_t bound, batch_tables, link_rows, gathered, domain_rows, outs, adopted, pending, state,
        errors, tables, tasks, done, total;
} layout;

static bool place(size_t *cursor, size_t count, size_t size, size_t *out)
{
    size_t bytes = 0, start = (*cursor + 63) & ~(size_t)63;
    if (!mloda_mul_size(count, size, &bytes) || !mloda_add_size(start, bytes, cursor))
        return false;
    *out = start;
    return true;
}

static bool compute_layout(const mloda_plan *p, layout *l)
{
    const struct {
        size_t count, size, *at;
    } parts[] = {
        {(size_t)p->n_binds, sizeof(mloda_column *), &l->bound},
        {(size_t)p->n_sources, sizeof(mloda_table *), &l->batch_tables},
        {(size_t)p->n_links * 2, sizeof(link_side), &l->link_rows},
        {(size_t)p->n_gathers, sizeof(node_out), &l->gathered},
        {(size_t)p->n_domains, sizeof(int64_t), &l->domain_rows},
        {(size_t)p->n_nodes, sizeof(node_out), &l->outs},
        {(size_t)p->n_adopts, sizeof(mloda_column *), &l->adopted},
        {(size_t)p->n_steps, sizeof(atomic_int), &l->pending},
        {(size_t)p->n_steps, sizeof(atomic_int), &l->state},
        {(size_t)p->n_steps, sizeof(mloda_error), &l->errors},
        {(size_t)p->n_results, sizeof(mloda_table *), &l->tables},
        {(size_t)p->n_steps, sizeof(step_task), &l->tasks},
        {(size_t)p->n_steps, sizeof(int64_t), &l->done},
    };
    size_t c = sizeof(run_ctx);
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        if (!place(&c, parts[i].count, parts[i].size, parts[i].at))
            return false;
    l->total = c;
    return true;
}

static void exec_task(mloda_task *task);

/* ---------------------------------------------------------------- deadline, limits */

static int64_t now_ns(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

bool mloda_run_past_deadline(const run_ctx *run)
{
    return run->deadline_ns != 0 && now_ns() >= run->deadline_ns;
}

bool mloda_run_should_stop(const run_ctx *run)
{
    return atomic_load_explicit(&run->cancel, memory_order_relaxed) ||
           mloda_run_past_deadline(run);
}

mloda_status mloda_run_timeout_error(const run_ctx *run, const char *subject, const char *what,
                                     mloda_error *err)
{
    return mloda_error_set(err, MLODA_ERR_CANCELLED, subject,
                           "%s: the batch ran past its timeout of %lld ms and was stopped "
                           "(raise it with mloda_request_set_batch_timeout or --batch-timeout)",
                           what, (long long)run->plan->batch_timeout_ms);
}

mloda_status mloda_run_limit_error(const mloda_plan *plan, mloda_limit limit, int64_t value,
                                   const char *subject, const char *what, mloda_error *err)
{
    return mloda_limit_exceeded(limit, plan->limits[limit], value, subject, what, err);
}

mloda_status mloda_run_add_cells(run_ctx *run, int64_t n_cells, const char *subject,
                                 const char *what, mloda_error *err)
{
    int64_t limit = run->plan->limits[MLODA_LIMIT_OUTPUT_CELLS];
    long long before = atomic_fetch_add_explicit(&run->cells, (long long)n_cells,
                                                 memory_order_relaxed);
    if (n_cells > limit || (int64_t)before > limit - n_cells)
        return mloda_run_limit_error(run->plan, MLODA_LIMIT_OUTPUT_CELLS,
                                     (int64_t)before + n_cells, subject, what, err);
    return MLODA_OK;
}

static bool needs_pool(const mloda_plan *p, const run_ctx *run)
{
    if (p->threads == 1 || p->n_steps <= 1)
        return false;
    for (int64_t s = 0; s < p->n_sources; s++) {
        if (run->domain_rows[s] >= p->inline_rows)
            return true;
    }
    return false;
}

mloda_status mloda_run_new(mloda_session *session, const mloda_api_data *batch, run_ctx **out,
                     mloda_error *err)
{
    *out = NULL;
    const mloda_plan *p = session->plan;
    layout l;
    if (!compute_layout(p, &l))
        return mloda_error_set(err, MLODA_ERR_RANGE, NULL, "plan too large");
    char *block = mloda_aligned_alloc(l.total);
    if (block == NULL)
        return MLODA_NOMEM(err, "run state");
    memset(block, 0, l.total);
    run_ctx *run = (run_ctx *)(void *)block;
    run->session = mloda_session_retain(session);
    run->plan = p;
    run->bound = (mloda_column **)(void *)(block + l.bound);
    run->src_cols = run->bound;
    run->filter_cols = run->bound + p->n_source_slots;
    run->link_cols = run->filter_cols + p->n_filters;
    run->batch_tables = (const mloda_table **)(void *)(block + l.batch_tables);
    run->link_rows = (link_side *)(void *)(block + l.link_rows);
    run->gathered = (node_out *)(void *)(block + l.gathered);
    run->domain_rows = (int64_t *)(void *)(block + l.domain_rows);
    run->outs = (node_out *)(void *)(block + l.outs);
    run->adopted = (mloda_column **)(void *)(block + l.adopted);
    run->pending = (atomic_int *)(void *)(block + l.pending);
    run->state = (atomic_int *)(void *)(block + l.state);
    run->errors = (mloda_error *)(void *)(block + l.errors);
    run->tables = (mloda_table **)(void *)(block + l.tables);
    run->tasks = (step_task *)(void *)(block + l.tasks);
    run->done = (int64_t *)(void *)(block + l.done);
    atomic_init(&run->cancel, false);
    atomic_init(&run->cells, 0);
    if (p->batch_timeout_ms > 0) {
        int64_t ms = p->batch_timeout_ms > INT64_MAX / 2000000 ? INT64_MAX / 2000000
                                                               : p->batch_timeout_ms;
        run->deadline_ns = now_ns() + ms * 1000000;
    }
    for (int64_t s = 0; s < p->n_steps; s++) {
        atomic_init(&run->pending[s], (int)p->steps[s].n_parents);
        atomic_init(&run->state[s], STEP_PENDING);
        mloda_error_reset(&run->errors[s]);
        run->tasks[s].base.fn = exec_task;
        run->tasks[s].run = run;
        run->tasks[s].step = s;
    }
    run->job.max_active = p->threads;
    mloda_status st = mloda_run_bind_batch(run, batch, err);
    if (st == MLODA_OK && needs_pool(p, run)) {
        if (pthread_mutex_init(&run->mu, NULL) != 0) {
            st = mloda_error_set(err, MLODA_ERR_INTERNAL, NULL, "cannot create a mutex");
        } else if (pthread_cond_init(&run->cv, NULL) != 0) {
            pthread_mutex_destroy(&run->mu);
            st = mloda_error_set(err, MLODA_ERR_INTERNAL, NULL, "cannot create a condition");
        } else {
            run->use_pool = true;
        }
    }
    if (st != MLODA_OK) {
        mloda_run_free(run);
        return st;
    }
    *out = run;
    return MLODA_OK;
}

void mloda_run_free(run_ctx *run)
{
    if (run == NULL)
        return;
    const mloda_plan *p = run->plan;
    for (int64_t k = 0; k < p->n_binds; k++)
        mloda_column_release(run->bound[k]);
    for (int64_t k = 0; k < 2 * p->n_links; k++)
        mloda_free(run->link_rows[k].rows);
    for (int64_t g = 0; g < p->n_gathers; g++)
        mloda_node_out_reset(&run->gathered[g]);
    for (int64_t n = 0; n < p->n_nodes; n++)
        mloda_node_out_reset(&run->outs[n]);
    for (int64_t a = 0; a < p->n_adopts; a++)
        mloda_column_release(run->adopted[a]);
    for (int64_t r = 0; r < p->n_results; r++)
        mloda_table_release(run->tables[r]);
    if (run->use_pool) {
        pthread_cond_destroy(&run->cv);
        pthread_mutex_destroy(&run->mu);
    }
    mloda_session_release(run->session);
    mloda_free(run);
}

/* ---------------------------------------------------------------- one step */

static bool parents_done(const run_ctx *run, const plan_step *st)
{
    for (int64_t k = 0; k < st->n_parents; k++) {
        if (atomic_load_explicit(&run->state[st->parents[k]], memory_order_acquire) != STEP_DONE)
            return false;
    }
    return true;
}

/* Every feature of the step must have its output after calculate returns OK. */
static mloda_status check_outputs(const run_ctx *run, const plan_step *st, mloda_error *err)
{
    for (int64_t k = 0; k < st->n_features; k++) {
        const plan_node *n = &run->plan->nodes[st->features[k]];
        if (!n->out_multi && run->outs[st->features[k]].col == NULL)
            return mloda_error_set(err, MLODA_ERR_PLUGIN, n->feature.name,
                                   "feature group '%s': calculate returned MLODA_OK without "
                                   "setting the output of feature '%s'",
                                   mloda_plan_step_name(run->plan, n->step),
                                   n->feature.name);
        /* columns declared at bind (mloda_bind_output_columns): exactly those */
        const node_out *o = &run->outs[st->features[k]];
        bool same = !n->out_multi || n->out_n_declared < 0 || o->n == n->out_n_declared;
        for (int64_t c = 0; same && n->out_multi && n->out_n_declared >= 0 && c < o->n; c++)
            same = strcmp(o->suffixes[c], n->out_suffixes[c]) == 0;
        if (!same)
            return mloda_error_set(err, MLODA_ERR_PLUGIN, n->feature.name,
                                   "feature group '%s': feature '%s' declared %lld columns at "
                                   "bind but calculate added %lld or others",
                                   mloda_plan_step_name(run->plan, n->step), n->feature.name,
                                   (long long)n->out_n_declared, (long long)o->n);
    }
    return MLODA_OK;
}

/* Calls the group's calculate for step s and applies plugin.h's rules to what it did: a
 * misuse of the calc API (calc.c) fails the step even when calculate ignored the status it
 * got; an unknown status or a failure without a message is reported as such
 * (mloda_plugin_failure); after a success, whatever the plugin left in e is dropped and
 * every single-column output must be set. */
static mloda_status run_calculate(run_ctx *run, int64_t s, int64_t n_rows, mloda_error *e)
{
    const plan_step *st = &run->plan->steps[s];
    const mloda_feature_group *g = mloda_plan_step_group(run->plan, s);
    mloda_calc_misuse misuse;
    atomic_init(&misuse.taken, false);
    mloda_error_reset(&misuse.err);
    mloda_calc calc = {run, s, n_rows, &misuse};
    mloda_status rc = g->calculate(g->user_data, &calc, e);
    if (misuse.err.code != MLODA_OK) {
        *e = misuse.err;
        return e->code;
    }
    if (rc != MLODA_OK)
        return mloda_plugin_failure(e, rc, "calculate", g->name,
                                    run->plan->nodes[st->features[0]].feature.name);
    mloda_error_reset(e);
    return check_outputs(run, st, e);
}

/* A step whose outputs change the row count: they must agree; their count becomes the row
 * count of the step's own domain, read by the steps after it. */
static mloda_status settle_out_rows(run_ctx *run, const plan_step *st, int64_t *out_rows,
                                    mloda_error *err)
{
    int64_t rows = -1;
    for (int64_t k = 0; k < st->n_features; k++) {
        const plan_node *n = &run->plan->nodes[st->features[k]];
        const node_out *o = &run->outs[st->features[k]];
        int64_t n_cols = n->out_multi ? o->n : 1;
        for (int64_t c = 0; c < n_cols; c++) { /* every column of every feature */
            int64_t m = mloda_column_n_rows(n->out_multi ? o->cols[c] : o->col);
            if (rows >= 0 && m != rows)
                return mloda_error_set(err, MLODA_ERR_PLUGIN, n->feature.name,
                                       "feature '%s' outputs a column of %lld rows where its "
                                       "step's other outputs have %lld",
                                       n->feature.name, (long long)m, (long long)rows);
            rows = m;
        }
    }
    *out_rows = rows < 0 ? 0 : rows;
    run->domain_rows[st->out_domain] = *out_rows;
    return MLODA_OK;
}

/* The step's new output cells (rows x columns of every feature's output; a data source's
 * columns are the batch's own, not new) against MLODA_LIMIT_OUTPUT_CELLS. */
static mloda_status count_cells(run_ctx *run, const plan_step *st, int64_t rows,
                                mloda_error *err)
{
    int64_t cols = 0;
    for (int64_t k = 0; k < st->n_features; k++) {
        const plan_node *n = &run->plan->nodes[st->features[k]];
        if (n->source == MLODA_NO_INDEX)
            cols += n->out_multi ? run->outs[st->features[k]].n : 1;
    }
    int64_t cells = 0;
    if (cols == 0)
        return MLODA_OK;
    if (__builtin_mul_overflow(rows, cols, &cells))
        cells = INT64_MAX;
    mloda_error mine = MLODA_ERROR_INIT;
    if (mloda_run_add_cells(run, cells, NULL, "", &mine) == MLODA_OK)
        return MLODA_OK;
    /* over the limit: the message names the step's first feature (formatted only now) */
    const char *f = run->plan->nodes[st->features[0]].feature.name;
    char what[MLODA_ERROR_SUBJECT_MAX + 16];
    (void)snprintf(what, sizeof what, "feature '%s'", f);
    return mloda_limit_exceeded(MLODA_LIMIT_OUTPUT_CELLS,
                                run->plan->limits[MLODA_LIMIT_OUTPUT_CELLS],
                                (int64_t)atomic_load_explicit(&run->cells, memory_order_relaxed),
                                f, what, err);
}

/* Adds the step and group to a plugin's error, and names the feature if it did not. */
static void wrap_error(const run_ctx *run, int64_t s, mloda_status st, mloda_error *e)
{
    const plan_step *step = &run->plan->steps[s];
    const char *group = mloda_plan_step_name(run->plan, s);
    const char *first = step->n_features > 0 ? run->plan->nodes[step->features[0]].feature.name
                                             : group;
    if (e->code == MLODA_OK)
        (void)mloda_error_set(e, st, first, "calculation failed without a message");
    mloda_error_default_subject(e, first);
    char msg[MLODA_ERROR_MESSAGE_MAX + 160]; /* room for the suffix */
    (void)snprintf(msg, sizeof msg, "%s (step %lld, feature group %s)", e->message,
                   (long long)s, group);
    /* recorded again, so that error.c truncates it (never inside a UTF-8 sequence) */
    const mloda_error was = *e;
    mloda_error_reset(e);
    (void)mloda_error_set_at(e, was.code, was.subject, was.position, "%s", msg);
}

static step_state compute_step(run_ctx *run, int64_t s)
{
    const plan_step *st = &run->plan->steps[s];
    if (st->kind != MLODA_STEP_COMPUTE) {
        mloda_status frc = st->kind == MLODA_STEP_FILTER ? mloda_run_filter_step(run, s, &run->errors[s])
                                                         : mloda_run_join_step(run, s, &run->errors[s]);
        if (frc == MLODA_OK)
            return STEP_DONE;
        wrap_error(run, s, frc, &run->errors[s]);
        return STEP_FAILED;
    }
    mloda_error *e = &run->errors[s];
    const int64_t n_rows = st->domain == MLODA_NO_INDEX ? 0 : run->domain_rows[st->domain];
    mloda_status rc = mloda_plan_is_link_domain(run->plan, st->domain) ? mloda_run_gather_inputs(run, s, e)
                                                                       : MLODA_OK;
    if (rc == MLODA_OK)
        rc = mloda_calc_adopt_inputs(run, s, e);
    if (rc == MLODA_OK)
        rc = run_calculate(run, s, n_rows, e);
    int64_t out_rows = n_rows;
    if (rc == MLODA_OK && st->out_domain != MLODA_NO_INDEX)
        rc = settle_out_rows(run, st, &out_rows, e);
    if (rc == MLODA_OK)
        rc = count_cells(run, st, out_rows, e);
    if (rc == MLODA_ERR_CANCELLED && mloda_run_past_deadline(run)) {
        /* a kernel stopped for the deadline: say so, naming the feature (the kernel may
         * have said only "cancelled") */
        const char *f = run->plan->nodes[st->features[0]].feature.name;
        char what[MLODA_ERROR_SUBJECT_MAX + 16];
        (void)snprintf(what, sizeof what, "feature '%s'", f);
        mloda_error_reset(e);
        (void)mloda_run_timeout_error(run, f, what, e);
    }
    if (rc == MLODA_OK && st->result != MLODA_NO_INDEX)
        rc = mloda_result_assemble(run, s, out_rows, e);
    if (rc == MLODA_OK)
        return STEP_DONE;
    wrap_error(run, s, rc, e);
    for (int64_t k = 0; k < st->n_features; k++)
        mloda_node_out_reset(&run->outs[st->features[k]]);
    return STEP_FAILED;
}

/* A step about to start after the batch timeout: it fails with the timeout error (the
 * first such step names the timeout; later ones are skipped, see exec_step). */
static step_state timed_out(run_ctx *run, int64_t s)
{
    const plan_step *st = &run->plan->steps[s];
    const char *f = st->n_features > 0 ? run->plan->nodes[st->features[0]].feature.name
                                       : mloda_plan_step_name(run->plan, s);
    char what[MLODA_ERROR_SUBJECT_MAX + 16];
    (void)snprintf(what, sizeof what, "feature '%s'", f);
    (void)mloda_run_timeout_error(run, f, what, &run->errors[s]);
    return STEP_FAILED;
}

static step_state exec_step(run_ctx *run, int64_t s)
{
    const plan_step *st = &run->plan->steps[s];
    step_state result = STEP_SKIPPED;
    if (!atomic_load_explicit(&run->cancel, memory_order_acquire) && parents_done(run, st))
        result = mloda_run_past_deadline(run) ? timed_out(run, s) : compute_step(run, s);
    /* past the timeout, the rest of the run is skipped: one error says why */
    if (result == STEP_FAILED && run->errors[s].code == MLODA_ERR_CANCELLED &&
        mloda_run_past_deadline(run))
        atomic_store_explicit(&run->cancel, true, memory_order_release);
    atomic_store_explicit(&run->state[s], (int)result, memory_order_release);
    return result;
}

void mloda_run_exec_inline(run_ctx *run, int64_t s)
{
    (void)exec_step(run, s);
}

/* ---------------------------------------------------------------- pool mode */

/* Records s as finished and releases its children, under the run's lock: a child can only
 * finish after its parent is in the completion queue (so a stream never reports a child's
 * failure before the parent's table), and the consumer cannot free the run until the lock
 * is released, by which time the pool has let go of the task (mloda_pool_task_done).
 * Lock order: run->mu, then the pool's mutex. */
static void finish_pool_step(run_ctx *run, int64_t s)
{
    const plan_step *st = &run->plan->steps[s];
    mloda_pool *pool = run->session->pool;
    pthread_mutex_lock(&run->mu);
    run->done[run->n_done++] = s;
    for (int64_t k = 0; k < st->n_children; k++) {
        int64_t c = st->children[k];
        if (atomic_fetch_sub_explicit(&run->pending[c], 1, memory_order_acq_rel) == 1)
            mloda_pool_submit(pool, &run->job, &run->tasks[c].base);
    }
    mloda_pool_task_done(pool, &run->job);
    pthread_cond_broadcast(&run->cv);
    pthread_mutex_unlock(&run->mu);
}

static void exec_task(mloda_task *task)
{
    step_task *t = (step_task *)(void *)task;
    run_ctx *run = t->run;
    int64_t s = t->step;
    step_state r = exec_step(run, s);
    if (r == STEP_FAILED && run->is_stream && run->plan->on_error == MLODA_ON_ERROR_STOP)
        atomic_store_explicit(&run->cancel, true, memory_order_release);
    finish_pool_step(run, s);
}

void mloda_run_start(run_ctx *run)
{
    if (!run->use_pool)
        return;
    const mloda_plan *p = run->plan;
    for (int64_t s = 0; s < p->n_steps; s++) {
        if (p->steps[s].n_parents == 0)
            mloda_pool_submit(run->session->pool, &run->job, &run->tasks[s].base);
    }
}

/* Waits under run->mu until more than `target` steps are done, computing this run's ready
 * steps on the calling thread meanwhile (so a run never waits on a pool whose workers are
 * all busy, or waiting themselves). A step's completion is the only event that makes a
 * task of this run ready or gives it room under its cap, and it bumps n_done under run->mu
 * and broadcasts: so when no task could be run and n_done is unchanged, waiting is safe. */
static void wait_done_beyond(run_ctx *run, int64_t target)
{
    while (run->n_done <= target) {
        int64_t seen = run->n_done;
        pthread_mutex_unlock(&run->mu);
        bool ran = mloda_pool_run_one(run->session->pool, &run->job);
        pthread_mutex_lock(&run->mu);
        if (!ran && run->n_done == seen)
            pthread_cond_wait(&run->cv, &run->mu);
    }
}

void mloda_run_wait_all(run_ctx *run)
{
    pthread_mutex_lock(&run->mu);
    wait_done_beyond(run, run->plan->n_steps - 1);
    pthread_mutex_unlock(&run->mu);
}

int64_t mloda_run_take_finished(run_ctx *run)
{
    if (run->n_taken >= run->plan->n_steps)
        return -1;
    pthread_mutex_lock(&run->mu);
    wait_done_beyond(run, run->n_taken);
    int64_t s = run->done[run->n_taken++];
    pthread_mutex_unlock(&run->mu);
    return s;
}

void mloda_run_cancel_and_wait(run_ctx *run)
{
    atomic_store_explicit(&run->cancel, true, memory_order_release);
    if (run->use_pool)
        mloda_run_wait_all(run);
}
