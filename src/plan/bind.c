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
    return in == NULL ? MLODA_TYPE_INVALID : in->out_type;
}

int32_t mloda_bind_input_list_size(const mloda_bind *ctx, int64_t j)
{
    const plan_node *in = ctx == NULL ? NULL : input_node(ctx, j);
    return in == NULL ? 0 : in->out_list_size;
}

mloda_time_unit mloda_bind_input_time_unit(const mloda_bind *ctx, int64_t j)
{
    const plan_node *in = ctx == NULL ? NULL : input_node(ctx, j);
    return in == NULL ? MLODA_TIME_SECOND : in->out_unit;
}

bool mloda_bind_input_is_multi(const mloda_bind *ctx, int64_t j)
{
    const plan_node *in = ctx == NULL ? NULL : input_node(ctx, j);
    return in != NULL && in->out_multi;
}

static mloda_status declare(mloda_bind *ctx, mloda_type type, int32_t list_size,
                            mloda_time_unit unit, bool multi, mloda_error *err)
{
    if (ctx == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL, "NULL bind context");
    plan_node *n = &ctx->plan->nodes[ctx->node];
    const char *group = ctx->plan->groups[n->group].name;
    if (type < MLODA_TYPE_INT64 || type > MLODA_TYPE_FLOAT64_LIST ||
        (type == MLODA_TYPE_FLOAT64_LIST && list_size < 1))
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
    return declare(ctx, type, list_size, unit, false, err);
}

mloda_status mloda_bind_output_multi(mloda_bind *ctx, mloda_type type, int32_t list_size,
                                     mloda_time_unit unit, mloda_error *err)
{
    mloda_error_enter(err);
    return declare(ctx, type, list_size, unit, true, err);
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
    MLODA_TRY(declare(ctx, type, list_size, unit, true, err));
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
                      mloda_column_time_unit(col), false, err));
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

mloda_status mloda_bind_node(mloda_plan *plan, int64_t node, mloda_error *err)
{
    plan_node *n = &plan->nodes[node];
    const mloda_feature_group *g = &plan->groups[n->group];
    mloda_bind ctx = {plan, node, MLODA_ERROR_INIT};
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
        MLODA_TRY(declare(&ctx, in->out_type, in->out_list_size, in->out_unit, in->out_multi,
                          err));
    }
    if (n->n_inputs == 0 && n->source == MLODA_NO_INDEX)
        return mloda_error_set(err, MLODA_ERR_PLUGIN, n->feature.name,
                               "feature group '%s' listed no inputs for feature '%s' and bound "
                               "no data source (mloda_bind_use_source): it has no rows to "
                               "compute on",
                               g->name, n->feature.name);
    if (!n->typed)
        return mloda_error_set(err, MLODA_ERR_PLUGIN, n->feature.name,
                               "feature group '%s' declared no output for feature '%s' (bind "
                               "must call mloda_bind_output, _output_multi or _use_source)",
                               g->name, n->feature.name);
    return MLODA_OK;
}
