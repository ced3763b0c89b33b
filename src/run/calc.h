/* calc.h: the run-time context of one step's calculation (mloda_calc of plugin.h). */
#ifndef MLODA_RUN_CALC_H
#define MLODA_RUN_CALC_H

#include "run/run.h"

/* The first misuse of the calc API by one calculate call: a feature index out of range, or
 * an output that is NULL, of the wrong type or length, set twice or through the wrong
 * function. The step fails with it even when calculate ignores the status it was given
 * (exec.c). `taken` makes the first writer win should a plugin call from several threads. */
typedef struct mloda_calc_misuse {
    atomic_bool taken;
    mloda_error err; /* written once, by the thread that took it */
} mloda_calc_misuse;

struct mloda_calc {
    run_ctx *run;
    int64_t step;
    int64_t n_rows;
    mloda_calc_misuse *misuse; /* borrowed; a pointer, so that getters of a const calc can
                                  record a bad index */
};

/** Makes the all-null columns that step s's features read for their null-typed inputs
 *  (run_ctx.adopted), before its calculate. Errors: MLODA_ERR_NOMEM. */
mloda_status mloda_calc_adopt_inputs(run_ctx *run, int64_t s, mloda_error *err);

/** Releases every output of node (used when its step fails, and at run end). */
void mloda_node_out_reset(node_out *o);

#endif /* MLODA_RUN_CALC_H */
