/* calc.h: the run-time context of one step's calculation (mloda_calc of plugin.h). */
#ifndef MLODA_RUN_CALC_H
#define MLODA_RUN_CALC_H

#include "run/run.h"

struct mloda_calc {
    run_ctx *run;
    int64_t step;
    int64_t n_rows;
};

/** Releases every output of node (used when its step fails, and at run end). */
void mloda_node_out_reset(node_out *o);

#endif /* MLODA_RUN_CALC_H */
