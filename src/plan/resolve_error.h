/*
 * resolve_error.h: the messages of failed resolution (SPEC.md §2.2, §10.6): no group
 * matches (with each near-miss group's reason, close names, and the chain path), several
 * groups match (naming them), and dependency cycles (naming the cycle).
 */
#ifndef MLODA_PLAN_RESOLVE_ERROR_H
#define MLODA_PLAN_RESOLVE_ERROR_H

#include "plan/plan.h"

enum { RESOLVE_MAX_REASONS = 6 };

typedef struct resolve_reasons {
    int64_t n;
    char text[RESOLVE_MAX_REASONS][256]; /* "GroupName: why" */
} resolve_reasons;

void mloda_resolve_reasons_init(resolve_reasons *r);
void mloda_resolve_reasons_add(resolve_reasons *r, const char *group, const char *why);

mloda_status mloda_resolve_error_none(const mloda_plan *plan, int64_t node, const resolve_reasons *r,
                                const int64_t *stack, int64_t depth, mloda_error *err);
mloda_status mloda_resolve_error_ambiguous(const mloda_plan *plan, int64_t node, const int64_t *groups,
                                     int64_t n_groups, const int64_t *stack, int64_t depth,
                                     mloda_error *err);
mloda_status mloda_resolve_error_cycle(const mloda_plan *plan, int64_t node, const int64_t *stack,
                                 int64_t depth, mloda_error *err);

#endif /* MLODA_PLAN_RESOLVE_ERROR_H */
