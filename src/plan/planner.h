/*
 * planner.h: one planning pass, shared by the parts of the planner (internal to the plan
 * layer; DESIGN.md §1, SPEC.md §2 and §4):
 *   sources.c   data sources: the api_data tables and the providers' schemas, row-id
 *               columns, the columns runs bind from each batch, and reading the providers'
 *               rows at prepare;
 *   resolve.c   names -> nodes: every requested name, then recursively every input, is
 *               matched against every group (exactly one must match); nodes are memoised by
 *               (name, all options); typing (bind.c); cycles;
 *   domains.c   the rows each node has: a table, a link's joined rows, or its own;
 *   steps.c     nodes -> steps (feature sets) in topological order, and the result tables;
 *   planner.c   the entry point, the plan's lifetime and its accessors.
 */
#ifndef MLODA_PLAN_PLANNER_H
#define MLODA_PLAN_PLANNER_H

#include "plan/plan.h"
#include "util/util.h"

typedef struct planner {
    mloda_plan *plan;
    const mloda_request *request;
    const mloda_source_provider **providers; /* owned array [n_sources] of borrowed
                                                providers (NULL for api_data tables): the
                                                plan itself keeps nothing of the request */
    mloda_strmap memo;              /* node key -> node index */
    mloda_strmap optioned;          /* requested name with options -> its request item */
    int64_t *order;                 /* owned: nodes, inputs first */
    int64_t n_order;
    int64_t *stack;                 /* owned: nodes being resolved (for cycle messages) */
    int64_t depth;
    int64_t nodes_cap;
    bool *resolving;                /* owned, per node */
} planner;

enum { MLODA_PLANNER_MAX_DEPTH = 256 };

/* sources.c */
mloda_status mloda_planner_add_sources(planner *pl, const mloda_api_data *example,
                                       mloda_error *err);
mloda_status mloda_planner_add_row_ids(planner *pl, mloda_error *err);
/** Indexes the sources' columns (column -> first and second source with it), after the
 *  row-id columns are added, so that resolving a plain name is near O(1). */
mloda_status mloda_planner_index_columns(planner *pl, mloda_error *err);
/** The columns runs bind (plan->binds) and the nodes' source slots. */
mloda_status mloda_planner_build_binds(mloda_plan *p, mloda_error *err);
/** Reads the rows of every provider's source that the plan needs, once. */
mloda_status mloda_planner_read_sources(planner *pl, mloda_error *err);

/* resolve.c */
mloda_status mloda_planner_check_request(const mloda_request *req, mloda_error *err);
/** Resolves every requested feature (and, recursively, its inputs). */
mloda_status mloda_planner_resolve_all(planner *pl, mloda_error *err);

/* domains.c */
/** The row domain of a node whose inputs have theirs. */
mloda_status mloda_planner_assign_domain(planner *pl, int64_t node, mloda_error *err);

/* steps.c */
mloda_status mloda_planner_build_steps(planner *pl, mloda_error *err);
mloda_status mloda_planner_build_results(mloda_plan *p, mloda_error *err);

#endif /* MLODA_PLAN_PLANNER_H */
