/* bind.h: the prepare-time typing context handed to a group's bind callback. */
#ifndef MLODA_PLAN_BIND_H
#define MLODA_PLAN_BIND_H

#include "plan/plan.h"

struct mloda_bind {
    mloda_plan *plan; /* borrowed: the plan being built */
    int64_t node;     /* the node being typed */
};

/** Runs the group's bind callback (or the default typing) for node. */
mloda_status mloda_bind_node(mloda_plan *plan, int64_t node, mloda_error *err);

#endif /* MLODA_PLAN_BIND_H */
