/*
 * ols.h: ordinary least squares as scikit-learn's LinearRegression solves it (SPEC.md
 * §6.14): the minimum-norm solution of min ||X c - y|| over already centred X and y,
 * singular values at or below max(m, p) * eps * s_max counted as zero. Rows are fed in
 * blocks (Householder QR of [X | y], a few rows at a time), so the design matrix never
 * has to be held whole; the p x p triangle is then solved through a one-sided Jacobi SVD,
 * which keeps exactly collinear columns (a lag and a day counter that grow together)
 * from blowing up the coefficients.
 *
 * Lifecycle: mloda_ols_new, mloda_ols_add_rows (any number of times), mloda_ols_solve, mloda_ols_free.
 * Plain sequential arithmetic in a fixed order: the same rows give the same bits.
 */
#ifndef MLODA_GROUPS_OLS_H
#define MLODA_GROUPS_OLS_H

#include "mloda/mloda.h"

typedef struct ols_acc ols_acc;

/** New accumulator for p >= 1 regressors. Errors: MLODA_ERR_NOMEM. */
mloda_status mloda_ols_new(int64_t p, ols_acc **out, mloda_error *err);
void mloda_ols_free(ols_acc *a);

/** Adds b rows: x is row-major (b x p), y has b targets. Both should be centred. */
void mloda_ols_add_rows(ols_acc *a, const double *x, const double *y, int64_t b);

/**
 * The minimum-norm coefficients (p values) of the rows added so far, and the numerical
 * rank (how many singular values were kept). Zero rows give all-zero coefficients.
 * Errors: MLODA_ERR_NOMEM.
 */
mloda_status mloda_ols_solve(ols_acc *a, double *coef, int64_t *rank, mloda_error *err);

#endif /* MLODA_GROUPS_OLS_H */
