/* bind.h: the prepare-time typing context handed to a group's bind callback. */
#ifndef MLODA_PLAN_BIND_H
#define MLODA_PLAN_BIND_H

#include "plan/plan.h"

struct mloda_bind {
    mloda_plan *plan;     /* borrowed: the plan being built */
    int64_t node;         /* the node being typed */
    mloda_error misuse;   /* the first misuse of the bind API by the group (an output
                             declared twice or of no column type): bind fails with it even
                             when the callback ignores the status it was given */
};

/** Runs the group's bind callback (or the default typing) for node, and checks that the
 *  node ends up with a declared output and with rows to compute on (inputs or a source). */
mloda_status mloda_bind_node(mloda_plan *plan, int64_t node, mloda_error *err);

#endif /* MLODA_PLAN_BIND_H */
