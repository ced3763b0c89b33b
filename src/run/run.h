/*
 * run.h: per-run state and the session (DESIGN.md §1, §7).
 *
 * A session is an immutable plan plus a reference to the thread pool it runs on (shared
 * with other sessions); it is reference counted so that open streams keep it alive. A run
 * is one batch through the plan: its state (bound batch columns, node outputs, step
 * states, result tables, completion queue, its job on the pool) lives in one block
 * allocated per run and freed with it. Steps either run inline on the caller's thread in
 * plan order, or on the pool as soon as their parents finish; a thread that waits for a
 * pool run computes that run's ready steps meanwhile.
 */
#ifndef MLODA_RUN_RUN_H
#define MLODA_RUN_RUN_H

#include <pthread.h>
#include <stdatomic.h>

#include "plan/plan.h"
#include "run/pool.h"

struct mloda_session {
    atomic_long refs;
    mloda_plan *plan;       /* owned, immutable */
    mloda_pool *pool;       /* owned reference: the request's pool or the process-wide one */
};

typedef enum step_state {
    STEP_PENDING = 0,
    STEP_DONE = 1,
    STEP_FAILED = 2,
    STEP_SKIPPED = 3,
} step_state;

typedef struct node_out {
    mloda_column *col;   /* single-column output (owned reference) */
    mloda_column **cols; /* multi-column output (owned references) */
    char **suffixes;     /* owned, one per cols entry */
    int64_t n, cap;
} node_out;

typedef struct run_ctx run_ctx;

/* One side of a link's joined rows. */
typedef struct link_side {
    int64_t *rows; /* owned: the side's row of each joined row, -1 for none; NULL: the
                      joined rows are the side's rows 0..n-1 in order */
    bool missing;  /* rows holds a -1 */
} link_side;

typedef struct step_task {
    mloda_task base; /* first: the pool hands back &base */
    run_ctx *run;
    int64_t step;
} step_task;

struct run_ctx {
    mloda_session *session;   /* owned reference */
    const mloda_plan *plan;
    mloda_column **bound;     /* [n_binds] owned references to the batch's columns that
                                 plan->binds names; a FILTER step replaces its table's with
                                 the surviving rows. Three views of it: */
    mloda_column **src_cols;  /* [n_source_slots] the columns features read */
    mloda_column **filter_cols; /* [n_filters] each filter's column */
    mloda_column **link_cols; /* [n_link_cols] link keys and times */
    const mloda_table **batch_tables; /* [n_sources] borrowed: each source's table in this
                                 batch (valid while binding), NULL when absent */
    link_side *link_rows;     /* [2 * n_links] left and right row of each joined row,
                                 written by the link's JOIN step */
    node_out *gathered;       /* [n_gathers] inputs gathered to joined rows */
    int64_t *domain_rows;     /* [n_domains]: tables, then links */
    node_out *outs;           /* [n_nodes] */
    mloda_column **adopted;   /* [n_adopts] owned: null-typed inputs as all-null columns of
                                 the type their feature took (plan_adopt), made by the step
                                 that reads them */
    atomic_int *pending;      /* [n_steps] parents not finished yet */
    atomic_int *state;        /* [n_steps] step_state */
    mloda_error *errors;      /* [n_steps] written by the step's runner */
    mloda_table **tables;     /* [n_results] owned references until handed out */
    step_task *tasks;         /* [n_steps] */
    atomic_bool cancel;
    int64_t deadline_ns;      /* CLOCK_MONOTONIC time the batch timeout ends; 0 = none */
    atomic_llong cells;       /* output cells computed so far (MLODA_LIMIT_OUTPUT_CELLS) */
    bool use_pool;
    bool is_stream;           /* a failure cancels the rest only for STOP-mode streams */
    mloda_pool_job job;       /* pool mode: this run's tasks on the session's pool */
    /* completion queue (pool mode) */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int64_t *done;            /* [n_steps] guarded by mu: finished steps in completion order */
    int64_t n_done;           /* guarded by mu */
    int64_t n_taken;          /* consumer side: entries of done already read */
    int64_t next_inline;      /* inline streams: next step to run */
    bool stopped;             /* stream ended after an error */
};

/** Allocates a run and binds the batch (validated against the plan's sources). */
mloda_status mloda_run_new(mloda_session *session, const mloda_api_data *batch, run_ctx **out,
                     mloda_error *err);
void mloda_run_free(run_ctx *run);
/** Starts the run (pool mode: submits the root steps; inline: nothing). */
void mloda_run_start(run_ctx *run);
/** Runs step s on the current thread (inline mode). */
void mloda_run_exec_inline(run_ctx *run, int64_t s);
/** Waits for every step (pool mode). */
void mloda_run_wait_all(run_ctx *run);
/** Pool mode: blocks until a step finishes; returns it, or -1 when all were taken. */
int64_t mloda_run_take_finished(run_ctx *run);
/** Cancels steps not started and waits for running ones. */
void mloda_run_cancel_and_wait(run_ctx *run);
/** true once the run's batch timeout has passed (never without one). */
bool mloda_run_past_deadline(const run_ctx *run);
/** true when work of the run should stop: cancelled, or past its deadline. */
bool mloda_run_should_stop(const run_ctx *run);
/** The run's timeout error for work on `what` (a feature, or "regex filter on 'c'"):
 *  MLODA_ERR_CANCELLED naming it and the timeout. */
mloda_status mloda_run_timeout_error(const run_ctx *run, const char *subject, const char *what,
                                     mloda_error *err);
/** Adds n_cells output cells to the run's count; MLODA_ERR_RANGE naming `subject` and the
 *  limit (MLODA_LIMIT_OUTPUT_CELLS) when the total goes beyond it. */
mloda_status mloda_run_add_cells(run_ctx *run, int64_t n_cells, const char *subject,
                                 const char *what, mloda_error *err);
/** The MLODA_ERR_RANGE error of a limit exceeded by `value` while computing `subject`
 *  (`what` says what was counted). */
mloda_status mloda_run_limit_error(const mloda_plan *plan, mloda_limit limit, int64_t value,
                                   const char *subject, const char *what, mloda_error *err);

mloda_session *mloda_session_retain(mloda_session *s);
void mloda_session_release(mloda_session *s);

/** Binds the batch's tables and columns into run (batch.c). */
mloda_status mloda_run_bind_batch(run_ctx *run, const mloda_api_data *batch, mloda_error *err);

/** Executes JOIN step s: the row pairs of its link (join_exec.c). */
mloda_status mloda_run_join_step(run_ctx *run, int64_t s, mloda_error *err);
/** Gathers the linked inputs of step s's features to the joined rows (join_exec.c). */
mloda_status mloda_run_gather_inputs(run_ctx *run, int64_t s, mloda_error *err);

/** Executes FILTER step s: keeps the rows of its table that pass every filter on it
 *  (filter_exec.c). */
mloda_status mloda_run_filter_step(run_ctx *run, int64_t s, mloda_error *err);

#endif /* MLODA_RUN_RUN_H */
