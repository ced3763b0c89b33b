/*
 * resolve.c: names -> nodes. Every requested name, then recursively every input, is
 * matched against every registered group; exactly one must match (its parsed value stays
 * with the node). Nodes are memoised by (name, all options), so a shared intermediate is
 * computed once. A node met again while its own inputs are being resolved is a cycle.
 * Nodes are appended to `order` after their inputs: a topological order with inputs first.
 * Each node is typed after its inputs (bind.c) and gets its rows (domains.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/bind.h"
#include "plan/planner.h"
#include "plan/resolve_error.h"

static mloda_status node_key(const char *name, const mloda_options *opts, mloda_buf *key,
                             mloda_error *err)
{
    MLODA_TRY(mloda_buf_puts(key, name, err));
    MLODA_TRY(mloda_buf_putc(key, '\x1f', err));
    return mloda_options_canonical_buf(opts, -1, key, err);
}

static mloda_status new_node(planner *pl, const char *name, const mloda_options *opts,
                             int64_t *out, mloda_error *err)
{
    mloda_plan *p = pl->plan;
    if (p->n_nodes == pl->nodes_cap) {
        int64_t cap = pl->nodes_cap == 0 ? 16 : pl->nodes_cap * 2;
        plan_node *nodes = mloda_realloc(p->nodes, (size_t)cap * sizeof *nodes);
        if (nodes == NULL)
            return MLODA_NOMEM(err, "plan nodes");
        p->nodes = nodes;
        bool *res = mloda_realloc(pl->resolving, (size_t)cap * sizeof *res);
        if (res == NULL)
            return MLODA_NOMEM(err, "plan nodes");
        pl->resolving = res;
        int64_t *order = mloda_realloc(pl->order, (size_t)cap * sizeof *order);
        if (order == NULL)
            return MLODA_NOMEM(err, "plan nodes");
        pl->order = order;
        pl->nodes_cap = cap;
    }
    int64_t idx = p->n_nodes++;
    plan_node *n = &p->nodes[idx];
    memset(n, 0, sizeof *n);
    n->group = n->source = n->domain = n->step = n->source_slot = MLODA_NO_INDEX;
    n->request_pos = MLODA_NO_INDEX;
    n->select_of = MLODA_NO_INDEX;
    pl->resolving[idx] = true;
    *out = idx;
    return mloda_feature_init(&n->feature, name, opts, &pl->plan->source_set, err);
}

/* Frees a value a group's match attached but the feature does not keep. */
static void drop_parsed(const mloda_feature_group *grp, void *parsed)
{
    if (parsed != NULL && grp->parsed_free != NULL)
        grp->parsed_free(grp->user_data, parsed);
}

/* Asks every group; exactly one must match. The matching group's parsed value stays with
 * the node's feature. */
static mloda_status match_group(planner *pl, int64_t node, mloda_error *err)
{
    mloda_feature *f = &pl->plan->nodes[node].feature;
    int64_t found[2] = {MLODA_NO_INDEX, MLODA_NO_INDEX};
    int64_t n_found = 0;
    resolve_reasons reasons;
    mloda_resolve_reasons_init(&reasons);
    const mloda_plan *p = pl->plan;
    for (int64_t g = 0; g < p->n_groups; g++) {
        const mloda_feature_group *grp = &p->groups[g];
        bool m = false;
        void *parsed = NULL;
        mloda_error why = MLODA_ERROR_INIT;
        mloda_status st = grp->match(grp->user_data, f, &m, &parsed, &why);
        if (st == MLODA_OK && m && n_found == 0)
            mloda_feature_attach_parsed(f, parsed, grp->parsed_free, grp->user_data);
        else
            drop_parsed(grp, parsed);
        if (st != MLODA_OK) {
            (void)mloda_plugin_failure(&why, st, "match", grp->name, f->name);
            return mloda_error_pass(err, &why);
        }
        if (m) {
            if (n_found < 2)
                found[n_found] = g;
            n_found++;
        } else if (why.code != MLODA_OK) {
            mloda_resolve_reasons_add(&reasons, grp->name, why.message);
        }
    }
    if (n_found == 1) {
        pl->plan->nodes[node].group = found[0];
        return MLODA_OK;
    }
    mloda_feature_attach_parsed(f, NULL, NULL, NULL); /* none or several groups matched */
    if (n_found > 1)
        return mloda_resolve_error_ambiguous(pl->plan, node, found, n_found, pl->stack, pl->depth, err);
    return mloda_resolve_error_none(pl->plan, node, &reasons, pl->stack, pl->depth, err);
}

static mloda_status resolve(planner *pl, const char *name, const mloda_options *opts,
                            int64_t *out, mloda_error *err);

/* An input named like a requested option-configured feature is that feature: define a
 * feature once in the request (`{"name": "clean", "options": {...}}`) and chain on it
 * (`clean__count_aggr`). Inputs with options of their own keep them. */
static const mloda_options *input_options(const planner *pl, const mloda_input_spec *in)
{
    if (in->options != NULL)
        return in->options;
    int64_t i = 0; /* an index (resolve_all): inputs of 10^5 features, each a look-up */
    return mloda_strmap_get(&pl->optioned, in->name, &i) ? pl->request->items[i].options : NULL;
}

static mloda_status resolve_inputs(planner *pl, int64_t node, mloda_error *err)
{
    const mloda_feature_group *g = &pl->plan->groups[pl->plan->nodes[node].group];
    const char *fname = pl->plan->nodes[node].feature.name; /* before nodes may move */
    mloda_inputs in = {0};
    mloda_error cb = MLODA_ERROR_INIT; /* the callback's own, so it can be inspected */
    mloda_status st = g->inputs(g->user_data, &pl->plan->nodes[node].feature, &in, &cb);
    if (in.has_empty_name) { /* even when the callback ignored the error it was given */
        mloda_error_reset(&cb);
        st = mloda_error_set(&cb, MLODA_ERR_PLUGIN, fname,
                             "feature group '%s' listed an input with an empty name for "
                             "feature '%s'",
                             g->name, fname);
    } else if (st != MLODA_OK) {
        st = mloda_plugin_failure(&cb, st, "inputs", g->name, fname);
    }
    if (st != MLODA_OK)
        (void)mloda_error_pass(err, &cb);
    if (st == MLODA_OK && in.n > 0) {
        pl->plan->nodes[node].inputs = mloda_calloc((size_t)in.n, sizeof(int64_t));
        if (pl->plan->nodes[node].inputs == NULL)
            st = MLODA_NOMEM(err, "input lists");
    }
    for (int64_t j = 0; st == MLODA_OK && j < in.n; j++) {
        int64_t child = MLODA_NO_INDEX;
        st = resolve(pl, in.items[j].name, input_options(pl, &in.items[j]), &child, err);
        if (st == MLODA_OK) {
            plan_node *n = &pl->plan->nodes[node]; /* nodes may have moved */
            n->inputs[n->n_inputs++] = child;
        }
    }
    mloda_inputs_reset(&in);
    return st;
}

static mloda_status resolve(planner *pl, const char *name, const mloda_options *opts,
                            int64_t *out, mloda_error *err)
{
    mloda_status st = mloda_name_check(name, err);
    if (st != MLODA_OK)
        return st;
    mloda_buf key = {0};
    MLODA_TRY_GOTO(st, node_key(name, opts, &key, err), done);
    int64_t idx = MLODA_NO_INDEX;
    if (mloda_strmap_get(&pl->memo, key.data, &idx)) {
        if (pl->resolving[idx])
            st = mloda_resolve_error_cycle(pl->plan, idx, pl->stack, pl->depth, err);
        *out = idx;
        goto done;
    }
    if (pl->depth >= MLODA_PLANNER_MAX_DEPTH) {
        st = mloda_error_set(err, MLODA_ERR_CYCLE, name,
                             "feature '%s' is nested more than %d levels deep", name, MLODA_PLANNER_MAX_DEPTH);
        goto done;
    }
    MLODA_TRY_GOTO(st, new_node(pl, name, opts, &idx, err), done);
    MLODA_TRY_GOTO(st, mloda_strmap_put(&pl->memo, key.data, idx, err), done);
    pl->stack[pl->depth++] = idx;
    st = match_group(pl, idx, err);
    if (st == MLODA_OK)
        st = resolve_inputs(pl, idx, err);
    if (st == MLODA_OK)
        st = mloda_bind_node(pl->plan, idx, err);
    if (st == MLODA_OK)
        st = mloda_planner_assign_domain(pl, idx, err);
    pl->depth--;
    if (st != MLODA_OK)
        goto done;
    pl->resolving[idx] = false;
    pl->order[pl->n_order++] = idx;
    *out = idx;
done:
    mloda_buf_reset(&key);
    return st;
}

mloda_status mloda_planner_check_request(const mloda_request *req, mloda_error *err)
{
    if (req->n == 0)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, "features",
                               "the request names no features");
    mloda_strmap seen = {0}; /* name -> first position: near-linear for 10^5 names */
    mloda_status st = MLODA_OK;
    for (int64_t i = 0; i < req->n && st == MLODA_OK; i++) {
        int64_t j = 0;
        st = mloda_name_check(req->items[i].name, err);
        if (st == MLODA_OK && mloda_strmap_get(&seen, req->items[i].name, &j))
            st = mloda_error_set(err, MLODA_ERR_DUPLICATE, req->items[i].name,
                                 "feature '%s' is requested twice (positions %lld and "
                                 "%lld); each output name must be unique",
                                 req->items[i].name, (long long)j, (long long)i);
        if (st == MLODA_OK)
            st = mloda_strmap_put(&seen, req->items[i].name, i, err);
    }
    mloda_strmap_reset(&seen);
    return st;
}

mloda_status mloda_planner_resolve_all(planner *pl, mloda_error *err)
{
    const mloda_request *req = pl->request;
    for (int64_t i = 0; i < req->n; i++) {
        if (req->items[i].options != NULL)
            MLODA_TRY(mloda_strmap_put(&pl->optioned, req->items[i].name, i, err));
    }
    for (int64_t i = 0; i < req->n; i++) {
        int64_t node = MLODA_NO_INDEX;
        MLODA_TRY(resolve(pl, req->items[i].name, req->items[i].options, &node, err));
        plan_node *n = &pl->plan->nodes[node];
        if (n->request_pos == MLODA_NO_INDEX)
            n->request_pos = i;
    }
    return MLODA_OK;
}
