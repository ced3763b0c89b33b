/*
 * link.h: links (joins) between api_data tables, compiled at prepare (SPEC.md §7.1–7.2).
 * A link's key columns (and asof time columns) are read straight from the two tables;
 * the JOIN step turns them into row-index pairs, and features whose inputs come from both
 * tables are computed on those joined rows (their inputs gathered through the pairs).
 */
#ifndef MLODA_PLAN_LINK_H
#define MLODA_PLAN_LINK_H

#include "plan/plan.h"

typedef enum link_kind {
    LINK_INNER,
    LINK_LEFT,
    LINK_RIGHT,
    LINK_OUTER,
    LINK_APPEND,
    LINK_UNION,
    LINK_ASOF,
} link_kind;

typedef enum asof_direction {
    ASOF_BACKWARD,
    ASOF_FORWARD,
    ASOF_NEAREST,
} asof_direction;

typedef struct plan_link {
    link_kind kind;
    char *description;     /* owned: for explain */
    char *domain_name;     /* owned: "Orders x Customers" */
    int64_t left, right;   /* data sources */
    int64_t n_keys;
    int64_t first_col;     /* keys k: link_cols[first_col + 2k] (left), + 2k + 1 (right);
                              asof times follow the keys, left then right */
    int64_t first_row_col; /* union: every column of the left table, then of the right */
    int64_t n_row_cols[2]; /* union: column counts of the left and right tables */
    asof_direction direction;
    bool allow_exact;
    bool has_tolerance;
    double tolerance;      /* in the time column's unit */
    int64_t step;          /* JOIN step, or MLODA_NO_INDEX until a feature needs it */
} plan_link;

/** Compiles the request's links into plan->links and plan->link_cols. */
mloda_status mloda_link_compile_all(mloda_plan *plan, const mloda_request *req, mloda_error *err);
void mloda_link_free_all(mloda_plan *plan);

/** The link joining domains a and b (in either order), or MLODA_NO_INDEX. */
int64_t mloda_link_between(const mloda_plan *plan, int64_t a, int64_t b);

#endif /* MLODA_PLAN_LINK_H */
