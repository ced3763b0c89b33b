/*
 * steps.c: nodes -> steps. Walking the nodes in topological order, a node joins the step
 * keyed by (group, group options, row domain, parent steps); steps are created in walking
 * order, so every step's parents have smaller indices (plan order is topological). FILTER
 * and JOIN steps come before the steps that read their rows. Result tables are the steps
 * holding requested features (or the multi-column features of requested selections F~k),
 * their columns in request order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/planner.h"

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static mloda_status push_i64(int64_t **arr, int64_t *n, int64_t v, mloda_error *err)
{
    /* capacity doubles at powers of two */
    if ((*n & (*n - 1)) == 0) {
        size_t cap = *n == 0 ? 1 : (size_t)*n * 2;
        int64_t *a = mloda_realloc(*arr, cap * sizeof *a);
        if (a == NULL)
            return MLODA_NOMEM(err, "plan steps");
        *arr = a;
    }
    (*arr)[(*n)++] = v;
    return MLODA_OK;
}

/* Sorted distinct parent steps of node (into a caller buffer of n_inputs slots). */
static int64_t node_parents(const mloda_plan *p, const plan_node *n, int64_t *buf)
{
    int64_t k = 0;
    for (int64_t j = 0; j < n->n_inputs; j++)
        buf[k++] = p->nodes[n->inputs[j]].step;
    if (n->source != MLODA_NO_INDEX && p->sources[n->source].filter_step != MLODA_NO_INDEX)
        buf[k++] = p->sources[n->source].filter_step;
    int64_t d = n->rows_change ? n->in_domain : n->domain;
    if (mloda_plan_is_link_domain(p, d))
        buf[k++] = p->links[d - p->n_sources].step;
    qsort(buf, (size_t)k, sizeof *buf, cmp_i64);
    int64_t u = 0;
    for (int64_t i = 0; i < k; i++) {
        if (u == 0 || buf[u - 1] != buf[i])
            buf[u++] = buf[i];
    }
    return u;
}

static mloda_status step_key(const mloda_plan *p, const plan_node *n, const int64_t *parents,
                             int64_t n_parents, mloda_buf *key, mloda_error *err)
{
    MLODA_TRY(mloda_buf_printf(key, err, "%lld|%lld%s|", (long long)n->group,
                               (long long)(n->rows_change ? n->in_domain : n->domain),
                               n->rows_change ? "+rows" : ""));
    for (int64_t i = 0; i < n_parents; i++)
        MLODA_TRY(mloda_buf_printf(key, err, "%lld,", (long long)parents[i]));
    MLODA_TRY(mloda_buf_putc(key, '|', err));
    (void)p;
    return mloda_options_canonical_buf(n->feature.options, MLODA_GROUP, key, err);
}

/* Appends an empty step of `kind` whose inputs have rows `domain`; *out is its index. */
static mloda_status append_step(mloda_plan *p, mloda_step_kind kind, int64_t group,
                                int64_t domain, int64_t *out, mloda_error *err)
{
    if ((p->n_steps & (p->n_steps - 1)) == 0) { /* capacity doubles at powers of two */
        size_t cap = p->n_steps == 0 ? 1 : (size_t)p->n_steps * 2;
        plan_step *s = mloda_realloc(p->steps, cap * sizeof *s);
        if (s == NULL)
            return MLODA_NOMEM(err, "plan steps");
        p->steps = s;
    }
    int64_t idx = p->n_steps++;
    plan_step *s = &p->steps[idx];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->group = group;
    s->domain = domain;
    s->out_domain = MLODA_NO_INDEX;
    s->result = MLODA_NO_INDEX;
    *out = idx;
    return MLODA_OK;
}

/* Makes step `child` a child of step `parent`. */
static mloda_status link_steps(mloda_plan *p, int64_t parent, int64_t child, mloda_error *err)
{
    MLODA_TRY(push_i64(&p->steps[child].parents, &p->steps[child].n_parents, parent, err));
    return push_i64(&p->steps[parent].children, &p->steps[parent].n_children, child, err);
}

/* The step of node n's feature set, after the given parent steps. */
static mloda_status new_step(mloda_plan *p, const plan_node *n, const int64_t *parents,
                             int64_t n_parents, int64_t *out, mloda_error *err)
{
    MLODA_TRY(append_step(p, MLODA_STEP_COMPUTE, n->group, n->rows_change ? n->in_domain : n->domain,
                          out, err));
    plan_step *s = &p->steps[*out];
    s->out_domain = n->rows_change ? n->domain : MLODA_NO_INDEX;
    mloda_buf gk = {0};
    mloda_status st = mloda_options_canonical_buf(n->feature.options, MLODA_GROUP, &gk, err);
    s->group_key = mloda_buf_take(&gk); /* the plan frees it, also after a failure */
    if (st != MLODA_OK)
        return st;
    if (s->group_key == NULL)
        return MLODA_NOMEM(err, "plan steps");
    for (int64_t i = 0; i < n_parents; i++)
        MLODA_TRY(link_steps(p, parents[i], *out, err));
    return MLODA_OK;
}

/* A step that belongs to no feature group: FILTER (the surviving rows of one table, before
 * anything reads it) or JOIN (the row pairs of a link). */
static mloda_status new_engine_step(mloda_plan *p, mloda_step_kind kind, int64_t domain,
                                    int64_t *out, mloda_error *err)
{
    MLODA_TRY(append_step(p, kind, MLODA_NO_INDEX, domain, out, err));
    p->steps[*out].group_key = mloda_strdup("{}");
    return p->steps[*out].group_key == NULL ? MLODA_NOMEM(err, "plan steps") : MLODA_OK;
}

/* The JOIN step of link l, after the filter steps of its two tables. */
static mloda_status new_join_step(mloda_plan *p, int64_t l, mloda_error *err)
{
    plan_link *k = &p->links[l];
    int64_t idx = MLODA_NO_INDEX;
    MLODA_TRY(new_engine_step(p, MLODA_STEP_JOIN, p->n_sources + l, &idx, err));
    k->step = idx;
    const int64_t sides[2] = {k->left, k->right};
    for (int i = 0; i < 2; i++) {
        int64_t f = p->sources[sides[i]].filter_step;
        if (f != MLODA_NO_INDEX)
            MLODA_TRY(link_steps(p, f, idx, err));
    }
    return MLODA_OK;
}

mloda_status mloda_planner_build_steps(planner *pl, mloda_error *err)
{
    mloda_plan *p = pl->plan;
    mloda_strmap keys = {0};
    mloda_buf key = {0};
    int64_t *parents = NULL;
    mloda_status st = MLODA_OK;
    for (int64_t f = 0; st == MLODA_OK && f < p->n_filters; f++) {
        plan_source *src = &p->sources[p->filters[f].source];
        if (src->filter_step == MLODA_NO_INDEX)
            st = new_engine_step(p, MLODA_STEP_FILTER, p->filters[f].source, &src->filter_step,
                                 err);
    }
    int64_t *alias = mloda_malloc((size_t)(p->n_domains > 0 ? p->n_domains : 1) * sizeof *alias);
    if (alias == NULL)
        st = MLODA_NOMEM(err, "plan steps");
    for (int64_t d = 0; alias != NULL && d < p->n_domains; d++)
        alias[d] = d;
    for (int64_t k = 0; st == MLODA_OK && k < pl->n_order; k++) {
        plan_node *n = &p->nodes[pl->order[k]];
        if (n->domain != MLODA_NO_INDEX)
            n->domain = alias[n->domain];
        if (n->rows_change && n->in_domain != MLODA_NO_INDEX)
            n->in_domain = alias[n->in_domain];
        mloda_free(parents);
        parents = mloda_malloc((size_t)(n->n_inputs + 2) * sizeof *parents);
        if (parents == NULL) {
            st = MLODA_NOMEM(err, "plan steps");
            break;
        }
        int64_t in_dom = n->rows_change ? n->in_domain : n->domain;
        if (mloda_plan_is_link_domain(p, in_dom) &&
            p->links[in_dom - p->n_sources].step == MLODA_NO_INDEX)
            MLODA_TRY_GOTO(st, new_join_step(p, in_dom - p->n_sources, err), done);
        int64_t np = node_parents(p, n, parents);
        key.len = 0;
        MLODA_TRY_GOTO(st, step_key(p, n, parents, np, &key, err), done);
        int64_t s = MLODA_NO_INDEX;
        if (!mloda_strmap_get(&keys, key.data, &s)) {
            MLODA_TRY_GOTO(st, new_step(p, n, parents, np, &s, err), done);
            MLODA_TRY_GOTO(st, mloda_strmap_put(&keys, key.data, s, err), done);
        }
        if (n->rows_change) { /* one row domain per step: the first feature's */
            alias[n->domain] = p->steps[s].out_domain;
            n->domain = p->steps[s].out_domain;
        }
        n->step = s;
        n->slot = p->steps[s].n_features;
        MLODA_TRY_GOTO(st, push_i64(&p->steps[s].features, &p->steps[s].n_features,
                                    pl->order[k], err),
                       done);
    }
done:
    mloda_free(alias);
    mloda_free(parents);
    mloda_buf_reset(&key);
    mloda_strmap_reset(&keys);
    return st;
}

/* Sorts nodes[0..n) by their position in the request (positions are distinct, so order
 * among equals does not arise): in place, a shell sort with Ciura's gaps, no memory needed;
 * usually the nodes are in order already. */
static void sort_by_request_pos(const mloda_plan *p, int64_t *nodes, int64_t n)
{
    static const int64_t gaps[] = {701, 301, 132, 57, 23, 10, 4, 1};
    for (size_t g = 0; g < sizeof gaps / sizeof gaps[0]; g++) {
        const int64_t gap = gaps[g];
        for (int64_t i = gap; i < n; i++) {
            const int64_t v = nodes[i], pos = p->nodes[v].request_pos;
            int64_t j = i;
            for (; j >= gap && p->nodes[nodes[j - gap]].request_pos > pos; j -= gap)
                nodes[j] = nodes[j - gap];
            nodes[j] = v;
        }
    }
}

/*
 * A requested feature F~k whose only input is the multi-column feature F (named F, same
 * rows) is column k of F: it is returned in the result table of F's step (mloda puts the
 * `~k` columns in the encoding group's table), taken from F's output when that table is
 * assembled, and only once when F itself is requested too (F's columns include it). Its
 * own selection step still computes it for the features that read it.
 */
static void mark_selection(mloda_plan *p, plan_node *n)
{
    if (n->request_pos == MLODA_NO_INDEX || n->n_inputs != 1 || n->out_multi || n->rows_change)
        return;
    const plan_node *in = &p->nodes[n->inputs[0]];
    size_t len = strlen(in->feature.name);
    if (!in->out_multi || in->domain != n->domain ||
        strncmp(n->feature.name, in->feature.name, len) != 0 || n->feature.name[len] != '~' ||
        n->feature.name[len + 1] == '\0')
        return;
    n->select_of = n->inputs[0];
    n->select_suffix = n->feature.name + len + 1;
}

/* The step whose result table returns requested node n. */
static int64_t result_step(const mloda_plan *p, const plan_node *n)
{
    return n->select_of != MLODA_NO_INDEX ? p->nodes[n->select_of].step : n->step;
}

/* true when requested node n is part of step s's result table: its own feature, or a
 * selection whose multi-column feature is there and not requested itself. */
static bool in_result(const mloda_plan *p, const plan_node *n, int64_t s)
{
    if (n->request_pos == MLODA_NO_INDEX || result_step(p, n) != s)
        return false;
    return n->select_of == MLODA_NO_INDEX ||
           p->nodes[n->select_of].request_pos == MLODA_NO_INDEX;
}

mloda_status mloda_planner_build_results(mloda_plan *p, mloda_error *err)
{
    for (int64_t i = 0; i < p->n_nodes; i++)
        mark_selection(p, &p->nodes[i]);
    int64_t n_res = 0;
    for (int64_t i = 0; i < p->n_nodes; i++) { /* mark the steps that return something */
        const plan_node *n = &p->nodes[i];
        if (n->request_pos != MLODA_NO_INDEX)
            p->steps[result_step(p, n)].result = 0;
    }
    for (int64_t s = 0; s < p->n_steps; s++) {
        if (p->steps[s].result != MLODA_NO_INDEX)
            p->steps[s].result = n_res++;
    }
    p->results = mloda_calloc((size_t)(n_res == 0 ? 1 : n_res), sizeof *p->results);
    if (p->results == NULL)
        return MLODA_NOMEM(err, "result tables");
    p->n_results = n_res;
    for (int64_t s = 0; s < p->n_steps; s++) {
        if (p->steps[s].result != MLODA_NO_INDEX)
            p->results[p->steps[s].result].step = s;
    }
    /* columns: count per table, then fill, one pass over the nodes each */
    for (int64_t i = 0; i < p->n_nodes; i++) {
        const plan_node *n = &p->nodes[i];
        if (n->request_pos != MLODA_NO_INDEX && in_result(p, n, result_step(p, n)))
            p->results[p->steps[result_step(p, n)].result].n_columns++;
    }
    for (int64_t r = 0; r < n_res; r++) {
        plan_result *res = &p->results[r];
        res->nodes = mloda_calloc((size_t)(res->n_columns > 0 ? res->n_columns : 1),
                                  sizeof *res->nodes);
        if (res->nodes == NULL)
            return MLODA_NOMEM(err, "result tables");
        res->n_columns = 0;
    }
    for (int64_t i = 0; i < p->n_nodes; i++) {
        const plan_node *n = &p->nodes[i];
        if (n->request_pos == MLODA_NO_INDEX || !in_result(p, n, result_step(p, n)))
            continue;
        plan_result *res = &p->results[p->steps[result_step(p, n)].result];
        res->nodes[res->n_columns++] = i;
    }
    for (int64_t r = 0; r < n_res; r++) /* request order */
        sort_by_request_pos(p, p->results[r].nodes, p->results[r].n_columns);
    return MLODA_OK;
}
