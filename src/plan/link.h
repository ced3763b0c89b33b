/*
 * link.h: links (joins) between api_data tables, compiled at prepare (SPEC.md §7.1–7.2).
 * A link's key columns (and asof time columns) are read straight from the two tables;
 * the JOIN step turns them into row-index pairs, and features whose inputs come from both
 * tables are computed on those joined rows (their inputs gathered through the pairs).
 */
#ifndef MLODA_PLAN_LINK_H
#define MLODA_PLAN_LINK_H

#include "plan/plan.h"


/** Compiles the request's links into plan->links and plan->link_cols. */
mloda_status mloda_link_compile_all(mloda_plan *plan, const mloda_request *req, mloda_error *err);
void mloda_link_free_all(mloda_plan *plan);

/** The link joining domains a and b (in either order), or MLODA_NO_INDEX. */
int64_t mloda_link_between(const mloda_plan *plan, int64_t a, int64_t b);

#endif /* MLODA_PLAN_LINK_H */
