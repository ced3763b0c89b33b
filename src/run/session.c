/*
 * session.c: the public entry points of mloda.h: prepare, run, stream, the one-shot
 * calls, results and plan inspection. The session is reference counted: a stream holds a
 * reference, so freeing the session while a stream is open is safe.
 */
#include <string.h>

#include "run/run.h"
#include "util/util.h"

struct mloda_results {
    int64_t n;
    mloda_table **tables; /* points into this block; owned references */
};

struct mloda_stream {
    run_ctx *run; /* owned */
    bool ended;
};

/* ---------------------------------------------------------------- session */

mloda_session *mloda_session_retain(mloda_session *s)
{
    atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
    return s;
}

void mloda_session_release(mloda_session *s)
{
    if (s == NULL || atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1)
        return;
    mloda_pool_release(s->pool);
    mloda_plan_free(s->plan);
    mloda_free(s);
}

mloda_status mloda_prepare(const mloda_registry *registry, const mloda_request *request,
                           const mloda_api_data *api_data_example, mloda_session **out,
                           mloda_error *err)
{
    mloda_error_enter(err);
    if (out == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL, "out must not be NULL");
    *out = NULL;
    mloda_plan *plan = NULL;
    MLODA_TRY(mloda_plan_build(registry, request, api_data_example, &plan, err));
    mloda_session *s = mloda_calloc(1, sizeof *s);
    if (s == NULL) {
        mloda_plan_free(plan);
        return MLODA_NOMEM(err, "a session");
    }
    atomic_init(&s->refs, 1);
    s->plan = plan;
    s->pool = mloda_pool_retain(request->pool != NULL ? request->pool : mloda_pool_default());
    *out = s;
    return MLODA_OK;
}

void mloda_session_free(mloda_session *session)
{
    mloda_session_release(session);
}

/* ---------------------------------------------------------------- results */

static mloda_status results_collect(run_ctx *run, mloda_results **out, mloda_error *err)
{
    const mloda_plan *p = run->plan;
    size_t bytes = sizeof(mloda_results) + (size_t)p->n_results * sizeof(mloda_table *);
    mloda_results *res = mloda_malloc(bytes);
    if (res == NULL)
        return MLODA_NOMEM(err, "the results");
    res->n = p->n_results;
    res->tables = (mloda_table **)(void *)(res + 1);
    for (int64_t r = 0; r < p->n_results; r++) {
        res->tables[r] = run->tables[r]; /* move the reference */
        run->tables[r] = NULL;
    }
    *out = res;
    return MLODA_OK;
}

/* The first failure in plan order, so that a run's error does not depend on timing. */
static mloda_status first_failure(const run_ctx *run, mloda_error *err)
{
    for (int64_t s = 0; s < run->plan->n_steps; s++) {
        if (atomic_load_explicit(&run->state[s], memory_order_acquire) == STEP_FAILED) {
            const mloda_error *e = &run->errors[s];
            if (err != NULL && err->code == MLODA_OK)
                *err = *e;
            return e->code;
        }
    }
    return MLODA_OK;
}

int64_t mloda_results_n_tables(const mloda_results *res)
{
    return res == NULL ? 0 : res->n;
}

const mloda_table *mloda_results_table(const mloda_results *res, int64_t i)
{
    if (res == NULL || i < 0 || i >= res->n)
        return NULL;
    return res->tables[i];
}

void mloda_results_free(mloda_results *res)
{
    if (res == NULL)
        return;
    for (int64_t i = 0; i < res->n; i++)
        mloda_table_release(res->tables[i]);
    mloda_free(res);
}

/* ---------------------------------------------------------------- run */

static mloda_status check_session(const mloda_session *session, const void *out, mloda_error *err)
{
    if (session == NULL || out == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL,
                               "session and output must not be NULL");
    return MLODA_OK;
}

mloda_status mloda_session_run(const mloda_session *session, const mloda_api_data *api_data,
                               mloda_results **out, mloda_error *err)
{
    mloda_error_enter(err);
    MLODA_TRY(check_session(session, out, err));
    *out = NULL;
    run_ctx *run = NULL;
    /* the refcount is the session's one mutable field; the plan is never written */
    MLODA_TRY(mloda_run_new((mloda_session *)(uintptr_t)session, api_data, &run, err));
    if (run->use_pool) {
        mloda_run_start(run);
        mloda_run_wait_all(run);
    } else {
        for (int64_t s = 0; s < run->plan->n_steps; s++)
            mloda_run_exec_inline(run, s);
    }
    mloda_status st = first_failure(run, err);
    if (st == MLODA_OK)
        st = results_collect(run, out, err);
    mloda_run_free(run);
    return st;
}

mloda_status mloda_session_stream_run(const mloda_session *session,
                                      const mloda_api_data *api_data, mloda_stream **out,
                                      mloda_error *err)
{
    mloda_error_enter(err);
    MLODA_TRY(check_session(session, out, err));
    *out = NULL;
    mloda_stream *stream = mloda_calloc(1, sizeof *stream);
    if (stream == NULL)
        return MLODA_NOMEM(err, "a stream");
    mloda_status st = mloda_run_new((mloda_session *)(uintptr_t)session, api_data, &stream->run, err);
    if (st != MLODA_OK) {
        mloda_free(stream);
        return st;
    }
    stream->run->is_stream = true;
    mloda_run_start(stream->run);
    *out = stream;
    return MLODA_OK;
}

/* ---------------------------------------------------------------- stream */

/* What a finished step means for the consumer: a table, an error, or nothing. */
static mloda_status deliver(mloda_stream *stream, int64_t s, mloda_table **result,
                            mloda_error *err)
{
    run_ctx *run = stream->run;
    int state = atomic_load_explicit(&run->state[s], memory_order_acquire);
    if (state == STEP_FAILED) {
        if (run->plan->on_error == MLODA_ON_ERROR_STOP) {
            stream->ended = true;
            atomic_store_explicit(&run->cancel, true, memory_order_release);
        }
        if (err != NULL && err->code == MLODA_OK)
            *err = run->errors[s];
        return run->errors[s].code;
    }
    int64_t r = run->plan->steps[s].result;
    if (state == STEP_DONE && r != MLODA_NO_INDEX) {
        *result = run->tables[r]; /* move the reference to the caller */
        run->tables[r] = NULL;
    }
    return MLODA_OK;
}

mloda_status mloda_stream_next(mloda_stream *stream, mloda_table **result, mloda_error *err)
{
    mloda_error_enter(err);
    if (stream == NULL || result == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL,
                               "stream and result must not be NULL");
    *result = NULL;
    run_ctx *run = stream->run;
    while (!stream->ended) {
        int64_t s;
        if (run->use_pool) {
            s = mloda_run_take_finished(run);
        } else {
            s = run->next_inline < run->plan->n_steps ? run->next_inline++ : -1;
            if (s >= 0)
                mloda_run_exec_inline(run, s);
        }
        if (s < 0) {
            stream->ended = true;
            break;
        }
        mloda_status st = deliver(stream, s, result, err);
        if (st != MLODA_OK || *result != NULL)
            return st;
    }
    return MLODA_OK;
}

void mloda_stream_free(mloda_stream *stream)
{
    if (stream == NULL)
        return;
    mloda_run_cancel_and_wait(stream->run);
    mloda_run_free(stream->run);
    mloda_free(stream);
}

/* ---------------------------------------------------------------- one-shot calls */

mloda_status mloda_run_all(const mloda_registry *registry, const mloda_request *request,
                           const mloda_api_data *api_data, mloda_results **out, mloda_error *err)
{
    mloda_error_enter(err);
    if (out == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL, "out must not be NULL");
    *out = NULL;
    mloda_session *s = NULL;
    MLODA_TRY(mloda_prepare(registry, request, api_data, &s, err));
    mloda_status st = mloda_session_run(s, api_data, out, err);
    mloda_session_free(s);
    return st;
}

mloda_status mloda_stream_all(const mloda_registry *registry, const mloda_request *request,
                              const mloda_api_data *api_data, mloda_stream **out,
                              mloda_error *err)
{
    mloda_error_enter(err);
    if (out == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL, "out must not be NULL");
    *out = NULL;
    mloda_session *s = NULL;
    MLODA_TRY(mloda_prepare(registry, request, api_data, &s, err));
    mloda_status st = mloda_session_stream_run(s, api_data, out, err);
    mloda_session_free(s); /* the stream holds its own reference */
    return st;
}

/* ---------------------------------------------------------------- plan inspection */

mloda_status mloda_session_plan(const mloda_session *session, mloda_plan_format format,
                                char **out_text, mloda_error *err)
{
    mloda_error_enter(err);
    if (session == NULL || out_text == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL,
                               "session and output must not be NULL");
    if (format != MLODA_PLAN_TEXT && format != MLODA_PLAN_JSON)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, "format", "unknown plan format %d",
                               (int)format);
    return mloda_plan_render(session->plan, format, out_text, err);
}

void mloda_string_free(char *s)
{
    mloda_free(s);
}

static const plan_step *step_at(const mloda_session *session, int64_t step)
{
    if (session == NULL || step < 0 || step >= session->plan->n_steps)
        return NULL;
    return &session->plan->steps[step];
}

int64_t mloda_session_n_steps(const mloda_session *session)
{
    return session == NULL ? 0 : session->plan->n_steps;
}

mloda_step_kind mloda_session_step_kind(const mloda_session *session, int64_t step)
{
    const plan_step *s = step_at(session, step);
    return s == NULL ? MLODA_STEP_COMPUTE : s->kind;
}

const char *mloda_session_step_group_name(const mloda_session *session, int64_t step)
{
    return step_at(session, step) == NULL ? NULL
                                          : mloda_plan_step_name(session->plan, step);
}

int64_t mloda_session_step_n_features(const mloda_session *session, int64_t step)
{
    const plan_step *s = step_at(session, step);
    return s == NULL ? 0 : s->n_features;
}

const char *mloda_session_step_feature(const mloda_session *session, int64_t step, int64_t k)
{
    const plan_step *s = step_at(session, step);
    if (s == NULL || k < 0 || k >= s->n_features)
        return NULL;
    return session->plan->nodes[s->features[k]].feature.name;
}

bool mloda_session_step_is_requested(const mloda_session *session, int64_t step, int64_t k)
{
    const plan_step *s = step_at(session, step);
    if (s == NULL || k < 0 || k >= s->n_features)
        return false;
    return session->plan->nodes[s->features[k]].request_pos != MLODA_NO_INDEX;
}

int64_t mloda_session_n_results(const mloda_session *session)
{
    return session == NULL ? 0 : session->plan->n_results;
}

mloda_status mloda_session_input_type(const mloda_session *session, const char *table,
                                      const char *column, mloda_type *out_type,
                                      int32_t *out_list_size, mloda_time_unit *out_unit,
                                      mloda_error *err)
{
    mloda_error_enter(err);
    if (session == NULL || table == NULL || column == NULL || out_type == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL,
                               "mloda_session_input_type needs a session, a table, a column "
                               "and out_type");
    const mloda_plan *p = session->plan;
    const plan_bind *found = NULL;
    bool agree = true;
    for (int64_t k = 0; k < p->n_binds; k++) {
        const plan_bind *b = &p->binds[k];
        if (strcmp(p->sources[b->source].name, table) != 0 || strcmp(b->column, column) != 0)
            continue;
        if (found != NULL && (b->type != found->type || b->list_size != found->list_size ||
                              b->unit != found->unit))
            agree = false; /* readers that differ: only nulls fit them all */
        if (found == NULL)
            found = b;
    }
    if (found == NULL)
        return mloda_error_set(err, MLODA_ERR_SCHEMA, column,
                               "the session reads no column '%s' of table '%s'", column, table);
    *out_type = agree ? found->type : MLODA_TYPE_NULL;
    if (out_list_size != NULL)
        *out_list_size = agree ? found->list_size : 0;
    if (out_unit != NULL)
        *out_unit = agree ? found->unit : MLODA_TIME_SECOND;
    return MLODA_OK;
}
