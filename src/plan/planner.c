/*
 * planner.c: request -> plan (DESIGN.md §1): the entry point, which runs the parts of the
 * planner in order (see planner.h), the plan's lifetime, and its accessors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/bind.h"
#include "plan/filter.h"
#include "plan/link.h"
#include "plan/planner.h"

static void planner_reset(planner *pl)
{
    mloda_strmap_reset(&pl->memo);
    mloda_strmap_reset(&pl->optioned);
    mloda_free(pl->order);
    mloda_free(pl->stack);
    mloda_free(pl->resolving);
    mloda_free((void *)pl->providers);
}

mloda_status mloda_plan_build(const mloda_registry *registry, const mloda_request *request,
                              const mloda_api_data *example, mloda_plan **out, mloda_error *err)
{
    if (out != NULL)
        *out = NULL;
    if (registry == NULL || request == NULL || out == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL,
                               "registry, request and output must not be NULL");
    MLODA_TRY(mloda_planner_check_request(request, err));
    planner pl;
    memset(&pl, 0, sizeof pl);
    pl.request = request;
    pl.plan = mloda_calloc(1, sizeof *pl.plan);
    pl.stack = mloda_calloc(MLODA_PLANNER_MAX_DEPTH + 1, sizeof *pl.stack);
    if (pl.plan == NULL || pl.stack == NULL) {
        mloda_free(pl.plan);
        mloda_free(pl.stack);
        return MLODA_NOMEM(err, "a plan");
    }
    mloda_plan *p = pl.plan;
    p->registry = mloda_registry_retain_internal(registry);
    /* the plan's own copy of the group structs: adding groups to the registry later (which
     * may move its array) cannot disturb running sessions */
    p->groups = mloda_calloc((size_t)(registry->n > 0 ? registry->n : 1), sizeof *p->groups);
    if (p->groups == NULL) {
        mloda_free(pl.stack);
        mloda_plan_free(p);
        return MLODA_NOMEM(err, "a plan");
    }
    for (int64_t g = 0; g < registry->n; g++)
        p->groups[g] = registry->entries[g].group;
    p->n_groups = registry->n;
    p->threads = request->threads;
    p->ordering = request->ordering;
    p->on_error = request->on_error;
    p->inline_rows = request->inline_rows;
    for (int l = 0; l < MLODA_N_LIMITS; l++)
        p->limits[l] = request->limits[l] > 0 ? request->limits[l]
                                              : mloda_limit_default((mloda_limit)l);
    p->batch_timeout_ms = request->batch_timeout_ms;
    mloda_status st = MLODA_OK;
    MLODA_TRY_GOTO(st, mloda_planner_add_sources(&pl, example, err), fail);
    MLODA_TRY_GOTO(st, mloda_filter_compile_all(p, request, err), fail);
    MLODA_TRY_GOTO(st, mloda_planner_add_row_ids(&pl, err), fail);
    MLODA_TRY_GOTO(st, mloda_planner_index_columns(&pl, err), fail);
    MLODA_TRY_GOTO(st, mloda_link_compile_all(p, request, err), fail);
    MLODA_TRY_GOTO(st, mloda_planner_resolve_all(&pl, err), fail);
    mloda_bind_settle_nulls(p);
    MLODA_TRY_GOTO(st, mloda_planner_build_steps(&pl, err), fail);
    MLODA_TRY_GOTO(st, mloda_planner_build_results(p, err), fail);
    MLODA_TRY_GOTO(st, mloda_planner_build_binds(p, err), fail);
    MLODA_TRY_GOTO(st, mloda_planner_read_sources(&pl, err), fail);
    planner_reset(&pl);
    *out = p;
    return MLODA_OK;
fail:
    planner_reset(&pl);
    mloda_plan_free(p);
    return st;
}

void mloda_plan_free(mloda_plan *p)
{
    if (p == NULL)
        return;
    for (int64_t i = 0; i < p->n_nodes; i++) {
        plan_node *n = &p->nodes[i];
        if (n->state_free != NULL)
            n->state_free(n->state);
        mloda_feature_reset(&n->feature);
        mloda_free(n->inputs);
        mloda_free(n->input_gather);
        mloda_free(n->adopt);
        mloda_free(n->source_column);
        for (int64_t k = 0; k < n->out_n_declared; k++)
            mloda_free(n->out_suffixes[k]);
        mloda_free(n->out_suffixes);
    }
    mloda_free(p->nodes);
    for (int64_t s = 0; s < p->n_steps; s++) {
        mloda_free(p->steps[s].group_key);
        mloda_free(p->steps[s].features);
        mloda_free(p->steps[s].parents);
        mloda_free(p->steps[s].children);
    }
    mloda_free(p->steps);
    for (int64_t r = 0; r < p->n_results; r++)
        mloda_free(p->results[r].nodes);
    mloda_free(p->results);
    for (int64_t i = 0; i < p->n_sources; i++) {
        mloda_free(p->sources[i].name);
        mloda_table_release(p->sources[i].schema);
        mloda_table_release(p->sources[i].data);
    }
    mloda_free(p->sources);
    mloda_strmap_reset(&p->source_index);
    mloda_strmap_reset(&p->column_first);
    mloda_strmap_reset(&p->column_second);
    mloda_free(p->binds);
    mloda_free((void *)p->source_names);
    mloda_free((void *)p->source_schemas);
    mloda_free(p->groups);
    mloda_filter_free_all(p);
    mloda_link_free_all(p);
    mloda_free(p->row_id_column);
    mloda_registry_release_internal(p->registry);
    mloda_free(p);
}

const mloda_feature_group *mloda_plan_step_group(const mloda_plan *plan, int64_t s)
{
    int64_t g = plan->steps[s].group;
    return g == MLODA_NO_INDEX ? NULL : &plan->groups[g];
}

bool mloda_plan_is_link_domain(const mloda_plan *plan, int64_t d)
{
    return d >= plan->n_sources && d < plan->n_sources + plan->n_links;
}

const char *mloda_plan_domain_name(const mloda_plan *plan, int64_t domain)
{
    if (domain == MLODA_NO_INDEX)
        return "";
    if (domain < plan->n_sources)
        return plan->sources[domain].name;
    if (mloda_plan_is_link_domain(plan, domain))
        return plan->links[domain - plan->n_sources].domain_name;
    return "(own rows)";
}

const char *mloda_plan_step_name(const mloda_plan *plan, int64_t s)
{
    const mloda_feature_group *g = mloda_plan_step_group(plan, s);
    return g != NULL ? g->name : plan->steps[s].kind == MLODA_STEP_FILTER ? "GlobalFilter" : "Join";
}
