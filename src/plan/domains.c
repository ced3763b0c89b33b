/*
 * domains.c: the rows each node has (its row domain): a data source's table, the joined
 * rows of a link between two tables (inputs from either table are gathered to them), or,
 * for a feature that changes the row count, rows of its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/link.h"
#include "plan/planner.h"

/* Records that input j of node is gathered from `side` of link l to the joined rows. */
static mloda_status add_gather(mloda_plan *p, int64_t node, int64_t j, int64_t l, int side,
                               mloda_error *err)
{
    plan_node *n = &p->nodes[node];
    if (n->input_gather == NULL) {
        n->input_gather = mloda_malloc((size_t)n->n_inputs * sizeof *n->input_gather);
        if (n->input_gather == NULL)
            return MLODA_NOMEM(err, "join inputs");
        for (int64_t k = 0; k < n->n_inputs; k++)
            n->input_gather[k] = MLODA_NO_INDEX;
    }
    if (p->n_gathers == p->gathers_cap) {
        int64_t cap = p->gathers_cap == 0 ? 8 : p->gathers_cap * 2;
        plan_gather *g = mloda_realloc(p->gathers, (size_t)cap * sizeof *g);
        if (g == NULL)
            return MLODA_NOMEM(err, "join inputs");
        p->gathers = g;
        p->gathers_cap = cap;
    }
    p->gathers[p->n_gathers] = (plan_gather){l, side, n->inputs[j]};
    n->input_gather[j] = p->n_gathers++;
    return MLODA_OK;
}

static mloda_status domain_error(const mloda_plan *p, const plan_node *n, int64_t a, int64_t b,
                                 mloda_error *err)
{
    const plan_node *x = NULL, *y = NULL;
    for (int64_t j = 0; j < n->n_inputs; j++) {
        const plan_node *in = &p->nodes[n->inputs[j]];
        if (in->domain == a && x == NULL)
            x = in;
        if (in->domain == b && y == NULL)
            y = in;
    }
    return mloda_error_set(err, MLODA_ERR_SCHEMA, n->feature.name,
                           "feature '%s' combines '%s' from table '%s' with '%s' from table "
                           "'%s'; rows of different tables need a link between them",
                           n->feature.name, x->feature.name, mloda_plan_domain_name(p, a),
                           y->feature.name, mloda_plan_domain_name(p, b));
}

static mloda_status assign_input_domain(planner *pl, int64_t node, mloda_error *err);

/* A row-changing feature gets rows of its own: a new domain, merged with the other
 * row-changing features of its step when steps are built. */
mloda_status mloda_planner_assign_domain(planner *pl, int64_t node, mloda_error *err)
{
    MLODA_TRY(assign_input_domain(pl, node, err));
    plan_node *n = &pl->plan->nodes[node];
    if (n->rows_change) {
        n->in_domain = n->domain;
        n->domain = pl->plan->n_domains++;
    }
    return MLODA_OK;
}

static mloda_status assign_input_domain(planner *pl, int64_t node, mloda_error *err)
{
    mloda_plan *p = pl->plan;
    plan_node *n = &p->nodes[node];
    if (n->source != MLODA_NO_INDEX) {
        n->domain = n->source;
        return MLODA_OK;
    }
    int64_t a = MLODA_NO_INDEX, b = MLODA_NO_INDEX;
    for (int64_t j = 0; j < n->n_inputs; j++) {
        int64_t d = p->nodes[n->inputs[j]].domain;
        if (d == MLODA_NO_INDEX || d == a || d == b)
            continue;
        if (a == MLODA_NO_INDEX) {
            a = d;
        } else if (b == MLODA_NO_INDEX) {
            b = d;
        } else {
            return domain_error(p, n, a, d, err);
        }
    }
    n->domain = a;
    if (b == MLODA_NO_INDEX)
        return MLODA_OK;
    /* two domains: tables A and B of a link, or one of them and the link's joined rows */
    int64_t l = MLODA_NO_INDEX;
    bool la = mloda_plan_is_link_domain(p, a), lb = mloda_plan_is_link_domain(p, b);
    if (la || lb) {
        int64_t j_dom = la ? a : b, other = la ? b : a;
        l = j_dom - p->n_sources;
        if (other >= p->n_sources || (p->links[l].left != other && p->links[l].right != other))
            l = MLODA_NO_INDEX;
    } else if (a < p->n_sources && b < p->n_sources) {
        l = mloda_link_between(p, a, b);
    }
    if (l == MLODA_NO_INDEX)
        return domain_error(p, n, a, b, err);
    n->domain = p->n_sources + l;
    for (int64_t j = 0; j < n->n_inputs; j++) {
        int64_t d = p->nodes[n->inputs[j]].domain;
        if (d == p->links[l].left || d == p->links[l].right)
            MLODA_TRY(add_gather(p, node, j, l, d == p->links[l].left ? 0 : 1, err));
        n = &p->nodes[node];
    }
    return MLODA_OK;
}
