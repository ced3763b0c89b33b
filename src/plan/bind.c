/*
 * bind.c: prepare-time typing of one feature. The group sees its inputs' declared types
 * and declares its own output; data-source groups bind a source column instead.
 */
#include "plan/bind.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/util.h"

static mloda_status misuse(mloda_bind *ctx, const char *subject, mloda_error *err,
                           const char *fmt, ...) MLODA_PRINTF(4, 5);

/* Records a misuse of the bind API (first one wins; see bind.h) and reports it in err. */
static mloda_status misuse(mloda_bind *ctx, const char *subject, mloda_error *err,
                           const char *fmt, ...)
{
    char msg[MLODA_ERROR_MESSAGE_MAX + 1]; /* longer than the message: error.c truncates */
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    (void)mloda_error_set(&ctx->misuse, MLODA_ERR_PLUGIN, subject, "%s", msg);
    return mloda_error_set(err, MLODA_ERR_PLUGIN, subject, "%s", msg);
}

static const plan_node *input_node(const mloda_bind *ctx, int64_t j)
{
    const plan_node *n = &ctx->plan->nodes[ctx->node];
    if (j < 0 || j >= n->n_inputs)
        return NULL;
    return &ctx->plan->nodes[n->inputs[j]];
}

/* The type input j is offered as when it is null-typed; NULL for a typed input. */
static const plan_adopt *offered(const mloda_bind *ctx, int64_t j)
{
    return ctx->adopt != NULL && ctx->adopt[j].type != MLODA_TYPE_INVALID ? &ctx->adopt[j]
                                                                           : NULL;
}

int64_t mloda_bind_limit(const mloda_bind *ctx, mloda_limit limit)
{
    if (ctx == NULL || (int)limit < 0 || (int)limit >= MLODA_N_LIMITS)
        return -1;
    return ctx->plan->limits[limit];
}

const mloda_feature *mloda_bind_feature(const mloda_bind *ctx)
{
    return ctx == NULL ? NULL : &ctx->plan->nodes[ctx->node].feature;
}

int64_t mloda_bind_n_inputs(const mloda_bind *ctx)
{
    return ctx == NULL ? 0 : ctx->plan->nodes[ctx->node].n_inputs;
}

const char *mloda_bind_input_name(const mloda_bind *ctx, int64_t j)
{
    const plan_node *in = ctx == NULL ? NULL : input_node(ctx, j);
    return in == NULL ? NULL : in->feature.name;
}

mloda_type mloda_bind_input_type(const mloda_bind *ctx, int64_t j)
{
    const plan_node *in = ctx == NULL ? NULL : input_node(ctx, j);
    if (in == NULL)
        return MLODA_TYPE_INVALID;
    return offered(ctx, j) != NULL ? offered(ctx, j)->type : in->out_type;
}

int32_t mloda_bind_input_list_size(const mloda_bind *ctx, int64_t j)
{
    const plan_node *in = ctx == NULL ? NULL : input_node(ctx, j);
    if (in == NULL)
        return 0;
    return offered(ctx, j) != NULL ? offered(ctx, j)->list_size : in->out_list_size;
}

mloda_time_unit mloda_bind_input_time_unit(const mloda_bind *ctx, int64_t j)
{
    const plan_node *in = ctx == NULL ? NULL : input_node(ctx, j);
    if (in == NULL)
        return MLODA_TIME_SECOND;
    return offered(ctx, j) != NULL ? offered(ctx, j)->unit : in->out_unit;
}

bool mloda_bind_input_is_multi(const mloda_bind *ctx, int64_t j)
{
    const plan_node *in = ctx == NULL ? NULL : input_node(ctx, j);
    return in != NULL && in->out_multi;
}

/* Declares the node's output; the null type only for a data source's column (allow_null). */
static mloda_status declare(mloda_bind *ctx, mloda_type type, int32_t list_size,
                            mloda_time_unit unit, bool multi, bool allow_null, mloda_error *err)
{
    if (ctx == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL, "NULL bind context");
    plan_node *n = &ctx->plan->nodes[ctx->node];
    const char *group = ctx->plan->groups[n->group].name;
    if (type < MLODA_TYPE_INT64 || (type > MLODA_TYPE_FLOAT64_LIST && !allow_null) ||
        type > MLODA_TYPE_NULL || (type == MLODA_TYPE_FLOAT64_LIST && list_size < 1))
        return misuse(ctx, n->feature.name, err,
                      "feature group '%s' declared output type %d (list size %d) for feature "
                      "'%s', which is not a column type",
                      group, (int)type, (int)list_size, n->feature.name);
    if (n->typed)
        return misuse(ctx, n->feature.name, err,
                      "feature group '%s' declared the output of feature '%s' twice", group,
                      n->feature.name);
    n->out_type = type;
    n->out_list_size = type == MLODA_TYPE_FLOAT64_LIST ? list_size : 0;
    n->out_unit = type == MLODA_TYPE_TIMESTAMP ? unit : MLODA_TIME_SECOND;
    n->out_multi = multi;
    n->out_n_declared = -1;
    n->typed = true;
    return MLODA_OK;
}

mloda_status mloda_bind_output(mloda_bind *ctx, mloda_type type, int32_t list_size,
                               mloda_time_unit unit, mloda_error *err)
{
    mloda_error_enter(err);
    return declare(ctx, type, list_size, unit, false, false, err);
}

mloda_status mloda_bind_output_multi(mloda_bind *ctx, mloda_type type, int32_t list_size,
                                     mloda_time_unit unit, mloda_error *err)
{
    mloda_error_enter(err);
    return declare(ctx, type, list_size, unit, true, false, err);
}

mloda_status mloda_bind_output_columns(mloda_bind *ctx, mloda_type type, int32_t list_size,
                                       mloda_time_unit unit, int64_t n_columns,
                                       const char *const *suffixes, mloda_error *err)
{
    mloda_error_enter(err);
    if (ctx == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL, "NULL bind context");
    plan_node *n = &ctx->plan->nodes[ctx->node];
    const char *group = ctx->plan->groups[n->group].name;
    if (n_columns < 1 || suffixes == NULL)
        return misuse(ctx, n->feature.name, err,
                      "feature group '%s' declared %lld columns for feature '%s'; at least "
                      "one is needed",
                      group, (long long)n_columns, n->feature.name);
    for (int64_t k = 0; k < n_columns; k++) {
        if (suffixes[k] == NULL)
            return misuse(ctx, n->feature.name, err,
                          "feature group '%s' declared a NULL suffix for column %lld of "
                          "feature '%s'",
                          group, (long long)k, n->feature.name);
        for (int64_t q = 0; q < k; q++) {
            if (strcmp(suffixes[q], suffixes[k]) == 0)
                return misuse(ctx, n->feature.name, err,
                              "feature group '%s' declared column ~%s of feature '%s' twice",
                              group, suffixes[k], n->feature.name);
        }
    }
    MLODA_TRY(declare(ctx, type, list_size, unit, true, false, err));
    n->out_suffixes = mloda_calloc((size_t)n_columns, sizeof *n->out_suffixes);
    if (n->out_suffixes == NULL)
        return MLODA_NOMEM(err, "column suffixes");
    n->out_n_declared = 0;
    for (int64_t k = 0; k < n_columns; k++) {
        n->out_suffixes[k] = mloda_strdup(suffixes[k]);
        if (n->out_suffixes[k] == NULL)
            return MLODA_NOMEM(err, "column suffixes");
        n->out_n_declared++;
    }
    return MLODA_OK;
}

int64_t mloda_bind_input_n_columns(const mloda_bind *ctx, int64_t j)
{
    const plan_node *in = ctx == NULL ? NULL : input_node(ctx, j);
    if (in == NULL)
        return -1;
    return !in->out_multi ? 1 : in->out_n_declared;
}

const char *mloda_bind_input_suffix(const mloda_bind *ctx, int64_t j, int64_t k)
{
    const plan_node *in = ctx == NULL ? NULL : input_node(ctx, j);
    if (in == NULL)
        return NULL;
    if (!in->out_multi)
        return k == 0 ? "" : NULL;
    return k >= 0 && k < in->out_n_declared ? in->out_suffixes[k] : NULL;
}

mloda_status mloda_bind_use_source(mloda_bind *ctx, int64_t source_index, const char *column,
                                   mloda_error *err)
{
    mloda_error_enter(err);
    if (ctx == NULL || column == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL, "NULL bind context or column");
    mloda_plan *p = ctx->plan;
    plan_node *n = &p->nodes[ctx->node];
    if (source_index < 0 || source_index >= p->n_sources)
        return mloda_error_set(err, MLODA_ERR_PLUGIN, n->feature.name,
                               "feature '%s': data source %lld does not exist", n->feature.name,
                               (long long)source_index);
    const mloda_table *schema = p->sources[source_index].schema;
    int64_t c = mloda_table_column_index(schema, column);
    if (c < 0)
        return mloda_error_set(err, MLODA_ERR_SCHEMA, n->feature.name,
                               "table '%s' has no column '%s'", p->sources[source_index].name,
                               column);
    const mloda_column *col = mloda_table_column(schema, c);
    MLODA_TRY(declare(ctx, mloda_column_type(col), mloda_column_list_size(col),
                      mloda_column_time_unit(col), false, true, err));
    n->source_column = mloda_strdup(column);
    if (n->source_column == NULL)
        return MLODA_NOMEM(err, "a column name");
    n->source = source_index;
    return MLODA_OK;
}

mloda_status mloda_bind_rows_change(mloda_bind *ctx, mloda_error *err)
{
    mloda_error_enter(err);
    if (ctx == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL, "NULL bind context");
    ctx->plan->nodes[ctx->node].rows_change = true;
    return MLODA_OK;
}

mloda_status mloda_bind_set_state(mloda_bind *ctx, void *state, void (*free_fn)(void *state),
                                  mloda_error *err)
{
    mloda_error_enter(err);
    if (ctx == NULL) {
        if (free_fn != NULL)
            free_fn(state);
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL, "NULL bind context");
    }
    plan_node *n = &ctx->plan->nodes[ctx->node];
    if (n->state_free != NULL)
        n->state_free(n->state);
    n->state = state;
    n->state_free = free_fn;
    return MLODA_OK;
}

/* One bind of node with null-typed inputs offered as `adopt` (NULL: none). */
static mloda_status bind_once(mloda_plan *plan, int64_t node, const plan_adopt *adopt,
                              mloda_error *err)
{
    plan_node *n = &plan->nodes[node];
    const mloda_feature_group *g = &plan->groups[n->group];
    mloda_bind ctx = {plan, node, adopt, MLODA_ERROR_INIT};
    if (g->bind != NULL) {
        mloda_error cb = MLODA_ERROR_INIT; /* the callback's own, so it can be inspected */
        mloda_status st = g->bind(g->user_data, &ctx, &cb);
        if (ctx.misuse.code != MLODA_OK)
            return mloda_error_pass(err, &ctx.misuse);
        if (st != MLODA_OK) {
            (void)mloda_plugin_failure(&cb, st, "bind", g->name, n->feature.name);
            return mloda_error_pass(err, &cb);
        }
    } else if (n->n_inputs > 0) {
        const plan_node *in = &plan->nodes[n->inputs[0]];
        const plan_adopt *a = adopt != NULL && adopt[0].type != MLODA_TYPE_INVALID ? &adopt[0]
                                                                                   : NULL;
        MLODA_TRY(declare(&ctx, a != NULL ? a->type : in->out_type,
                          a != NULL ? a->list_size : in->out_list_size,
                          a != NULL ? a->unit : in->out_unit, in->out_multi, false, err));
    }
    /* a root (no inputs) reads a data source or makes rows of its own (a data creator) */
    if (n->n_inputs == 0 && n->source == MLODA_NO_INDEX && !n->rows_change)
        return mloda_error_set(err, MLODA_ERR_PLUGIN, n->feature.name,
                               "feature group '%s' listed no inputs for feature '%s' and bound "
                               "no data source (mloda_bind_use_source) nor rows of its own "
                               "(mloda_bind_rows_change): it has no rows to compute on",
                               g->name, n->feature.name);
    if (!n->typed)
        return mloda_error_set(err, MLODA_ERR_PLUGIN, n->feature.name,
                               "feature group '%s' declared no output for feature '%s' (bind "
                               "must call mloda_bind_output, _output_multi or _use_source)",
                               g->name, n->feature.name);
    return MLODA_OK;
}

/* Forgets what a failed bind left on the node: its declared output and its state. */
static void unbind(plan_node *n)
{
    if (n->state_free != NULL)
        n->state_free(n->state);
    n->state = NULL;
    n->state_free = NULL;
    n->typed = false;
    n->out_type = MLODA_TYPE_INVALID;
    n->out_list_size = 0;
    n->out_unit = MLODA_TIME_SECOND;
    n->out_multi = false;
    n->rows_change = false;
}

static const mloda_type CANDIDATES[] = {MLODA_TYPE_FLOAT64,   MLODA_TYPE_UTF8,
                                        MLODA_TYPE_FLOAT64_LIST, MLODA_TYPE_TIMESTAMP,
                                        MLODA_TYPE_INT64,     MLODA_TYPE_BOOL};
enum { N_CANDIDATES = (int)(sizeof CANDIDATES / sizeof CANDIDATES[0]) };

/* Input offered as type t (INVALID: the input's own type). */
static plan_adopt offer(mloda_type t, int32_t list_size, mloda_time_unit unit)
{
    return (plan_adopt){t, t == MLODA_TYPE_FLOAT64_LIST ? list_size : 0,
                        t == MLODA_TYPE_TIMESTAMP ? unit : MLODA_TIME_SECOND, MLODA_NO_INDEX};
}

/* One trial bind; a type refusal is kept in *first (the first one) and returned; any other
 * failure is passed to err. */
static mloda_status try_bind(mloda_plan *plan, int64_t node, const plan_adopt *adopt,
                             mloda_error *first, mloda_error *err)
{
    unbind(&plan->nodes[node]);
    mloda_error e = MLODA_ERROR_INIT;
    mloda_status st = bind_once(plan, node, adopt, &e);
    if (st == MLODA_ERR_TYPE && first->code == MLODA_OK)
        *first = e;
    else if (st != MLODA_OK && st != MLODA_ERR_TYPE)
        (void)mloda_error_pass(err, &e);
    return st;
}

mloda_status mloda_bind_node(mloda_plan *plan, int64_t node, mloda_error *err)
{
    plan_node *n = &plan->nodes[node];
    int64_t first_null = MLODA_NO_INDEX, n_null = 0;
    int32_t list_size = 2;                 /* a geo point, unless another input says more */
    mloda_time_unit unit = MLODA_TIME_MICRO; /* as the request reader's timestamps */
    for (int64_t j = n->n_inputs - 1; j >= 0; j--) {
        const plan_node *in = &plan->nodes[n->inputs[j]];
        if (in->out_type == MLODA_TYPE_NULL) {
            first_null = j;
            n_null++;
        } else if (in->out_type == MLODA_TYPE_FLOAT64_LIST) {
            list_size = in->out_list_size;
        } else if (in->out_type == MLODA_TYPE_TIMESTAMP) {
            unit = in->out_unit;
        }
    }
    if (first_null == MLODA_NO_INDEX)
        return bind_once(plan, node, NULL, err);
    plan_adopt *adopt = mloda_calloc((size_t)n->n_inputs, sizeof *adopt);
    if (adopt == NULL)
        return MLODA_NOMEM(err, "input types");
    mloda_error first = MLODA_ERROR_INIT;
    /* every null-typed input as one candidate type, in the order of CANDIDATES; then (with
     * several such inputs) from each of those starts, one input changed to another candidate
     * (a time window over a value and a reference time that both have no type: float64 and
     * timestamp) */
    for (int phase = 0; phase < (n_null > 1 ? 2 : 1); phase++) {
        for (int base = 0; base < N_CANDIDATES; base++) {
            for (int64_t j = phase == 0 ? -1 : 0; j < (phase == 0 ? 0 : n->n_inputs); j++) {
                if (j >= 0 && plan->nodes[n->inputs[j]].out_type != MLODA_TYPE_NULL)
                    continue;
                for (int c = 0; c < N_CANDIDATES; c++) {
                    if ((j < 0) != (c == base))
                        continue; /* phase 0: c is the base; phase 1: c differs from it */
                    for (int64_t i = 0; i < n->n_inputs; i++)
                        adopt[i] = offer(plan->nodes[n->inputs[i]].out_type == MLODA_TYPE_NULL
                                             ? CANDIDATES[i == j ? c : base]
                                             : MLODA_TYPE_INVALID,
                                         list_size, unit);
                    mloda_status st = try_bind(plan, node, adopt, &first, err);
                    if (st == MLODA_OK) {
                        n->adopt = adopt;
                        return MLODA_OK;
                    }
                    if (st != MLODA_ERR_TYPE) { /* not a type refusal: the search ends */
                        mloda_free(adopt);
                        return st;
                    }
                }
            }
        }
    }
    mloda_free(adopt);
    unbind(n);
    const plan_node *in = &plan->nodes[n->inputs[first_null]];
    return mloda_error_set(err, MLODA_ERR_TYPE, n->feature.name,
                           "feature '%s': column '%s' has no type (no rows, or only nulls) and "
                           "feature group '%s' takes it as none of float64, utf8, "
                           "float64_list, timestamp, int64, bool (as float64: %s)",
                           n->feature.name, in->feature.name, plan->groups[n->group].name,
                           first.message);
}

static bool same_adopt(const plan_adopt *a, const plan_adopt *b)
{
    return a->type == b->type && a->list_size == b->list_size && a->unit == b->unit;
}

void mloda_bind_settle_nulls(mloda_plan *p)
{
    for (int64_t s = 0; s < p->n_nodes; s++) {
        plan_node *src = &p->nodes[s];
        if (src->out_type != MLODA_TYPE_NULL)
            continue;
        const plan_adopt *t = NULL;
        bool agree = true;
        for (int64_t i = 0; i < p->n_nodes && agree; i++) {
            const plan_node *n = &p->nodes[i];
            for (int64_t j = 0; j < n->n_inputs && agree; j++) {
                if (n->inputs[j] != s || n->adopt == NULL)
                    continue;
                agree = t == NULL || same_adopt(t, &n->adopt[j]);
                t = t == NULL ? &n->adopt[j] : t;
            }
        }
        if (t == NULL || !agree)
            continue;
        src->out_type = t->type;
        src->out_list_size = t->list_size;
        src->out_unit = t->unit;
        for (int64_t i = 0; i < p->n_nodes; i++) {
            plan_node *n = &p->nodes[i];
            for (int64_t j = 0; j < n->n_inputs; j++) {
                if (n->inputs[j] == s && n->adopt != NULL)
                    n->adopt[j].type = MLODA_TYPE_INVALID; /* the column comes as T */
            }
        }
    }
    for (int64_t i = 0; i < p->n_nodes; i++) {
        plan_node *n = &p->nodes[i];
        bool any = false;
        for (int64_t j = 0; n->adopt != NULL && j < n->n_inputs; j++) {
            if (n->adopt[j].type != MLODA_TYPE_INVALID) {
                n->adopt[j].slot = p->n_adopts++;
                any = true;
            }
        }
        if (!any) {
            mloda_free(n->adopt);
            n->adopt = NULL;
        }
    }
}
