/* result.h: building a step's result table (result.c). */
#ifndef MLODA_RUN_RESULT_H
#define MLODA_RUN_RESULT_H

#include "run/run.h"

/** Builds the result table of step (which must hold requested features) into run->tables. */
mloda_status mloda_result_assemble(run_ctx *run, int64_t step, int64_t n_rows, mloda_error *err);

#endif /* MLODA_RUN_RESULT_H */
