/* bind.h: the prepare-time typing context handed to a group's bind callback. */
#ifndef MLODA_PLAN_BIND_H
#define MLODA_PLAN_BIND_H

#include "plan/plan.h"

struct mloda_bind {
    mloda_plan *plan;     /* borrowed: the plan being built */
    int64_t node;         /* the node being typed */
    const plan_adopt *adopt; /* borrowed [n_inputs] or NULL: the types null-typed inputs are
                                offered as (type INVALID: the input's own type) */
    mloda_error misuse;   /* the first misuse of the bind API by the group (an output
                             declared twice or of no column type): bind fails with it even
                             when the callback ignores the status it was given */
};

/**
 * Runs the group's bind callback (or the default typing) for node, and checks that the
 * node ends up with a declared output and with rows to compute on (inputs or a source).
 * Inputs of the null type (no type evidence: an empty or all-null column) are offered to
 * the callback as float64, utf8, float64_list, timestamp, int64 and bool in turn, all
 * null-typed inputs at once; the first type the callback accepts (anything but an
 * MLODA_ERR_TYPE failure ends the search) is recorded in node.adopt. So every group sees
 * concrete types and needs no case for the null type.
 */
mloda_status mloda_bind_node(mloda_plan *plan, int64_t node, mloda_error *err);

/**
 * After every node is bound: a data-source column of the null type whose readers all took
 * it as one type T is prepared as T (batches may then bring T values, and all-null or empty
 * columns of any type become T); otherwise it stays null-typed and each reader gets
 * all-null columns of its own type at run time: those inputs get a slot of the run
 * (plan_adopt.slot, plan.n_adopts).
 */
void mloda_bind_settle_nulls(mloda_plan *plan);

#endif /* MLODA_PLAN_BIND_H */
