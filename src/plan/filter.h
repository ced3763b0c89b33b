/*
 * filter.h: global filters compiled at prepare (SPEC.md §7.3, §10.14). A filter names a
 * column of one data source; every parameter is checked and converted to the column's
 * type here, so that evaluating a batch is only comparisons. The compiled filter is
 * immutable and shared by concurrent runs (a PCRE2 code object is thread-safe to match).
 */
#ifndef MLODA_PLAN_FILTER_H
#define MLODA_PLAN_FILTER_H

#include "plan/plan.h"


/** Compiles the request's filters into plan->filters (sources must be set up already). */
mloda_status mloda_filter_compile_all(mloda_plan *plan, const mloda_request *req, mloda_error *err);
void mloda_filter_free_all(mloda_plan *plan);

#endif /* MLODA_PLAN_FILTER_H */
