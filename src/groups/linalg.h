/*
 * linalg.h: small dense numerics shared by the sklearn-pipeline, clustering and
 * dimensionality-reduction families (SPEC.md §6.9–6.11).
 *
 * A la_matrix holds the numeric input columns of one feature, column-major, with NaN for
 * a missing value (null or NaN in the input: pandas semantics). Everything here is plain
 * sequential arithmetic in a fixed order, so results do not depend on the run or on the
 * number of threads.
 */
#ifndef MLODA_GROUPS_LINALG_H
#define MLODA_GROUPS_LINALG_H

#include "mloda/mloda.h"

typedef struct la_matrix {
    int64_t n; /* rows */
    int64_t p; /* columns */
    double *x; /* owned; x[j * n + r] is row r of column j; NaN = missing */
    const mloda_calc *calc; /* borrowed: the step it was gathered for (cancellation and
                               batch timeout checks of long kernels); may be NULL */
} la_matrix;

/** true when the type can be read as numbers (int64, float64, bool). */
bool mloda_la_type_is_numeric(mloda_type t);

/** At bind: every input must be numeric, else MLODA_ERR_TYPE "feature 'F': input 'x' is
 *  utf8; <what> needs numbers (int64, float64, bool)". */
mloda_status mloda_la_bind_numeric_inputs(mloda_bind *ctx, const char *what, mloda_error *err);

/**
 * Copies every column of every input of feature i of the step (all F~k columns of a
 * multi-column input) into *out as doubles, nulls and NaN as NaN.
 * Errors: MLODA_ERR_TYPE naming the feature for a non-numeric column; MLODA_ERR_COMPUTE
 * naming the feature, the input and the row for an infinite value (sklearn refuses them:
 * "Input X contains infinity"; a finite input always standardises to finite values, see
 * mloda_la_impute_standardise); MLODA_ERR_NOMEM.
 */
mloda_status mloda_la_gather(const mloda_calc *calc, int64_t i, la_matrix *out, mloda_error *err);
/** mloda_la_gather of the first n_inputs inputs only (LDA's class column comes last). */
mloda_status mloda_la_gather_inputs(const mloda_calc *calc, int64_t i, int64_t n_inputs,
                                    la_matrix *out, mloda_error *err);
void mloda_la_matrix_reset(la_matrix *m);

/** Mean and population variance (ddof 0, two-pass) of the non-NaN values of x[0..n);
 *  *count = how many there were (mean and var are NaN when none). */
void mloda_la_moments(const double *x, int64_t n, int64_t *count, double *mean, double *var);

/**
 * The divisor StandardScaler uses for a column: sqrt(var), or 1 for a constant column
 * (sklearn's test: var <= n*eps*var + (n*mean*eps)^2, so rounding noise counts as 0).
 */
double mloda_la_scale_of(double mean, double var, int64_t n);

/**
 * In place, per column: NaN -> the column mean, then (x - mean) / scale with the
 * population std of the imputed column (mloda_la_scale_of). A column with no values at all
 * becomes all zeros (it carries no information). This is mloda's preprocessing for
 * clustering and dimensionality reduction: fillna(mean), then StandardScaler. Columns whose
 * values are huge or tiny (|x| beyond 2^400 or below 2^-400) are first scaled by an exact
 * power of two, so nothing overflows: the results are finite, |z| <= sqrt(n), and every
 * squared distance between rows is below 4 n p.
 */
void mloda_la_impute_standardise(la_matrix *m);

/**
 * One-sided Jacobi (Hestenes) rotations in place: plane rotations of pairs of the p
 * columns of x (column-major, n values each) until every pair is orthogonal to machine
 * precision, at most max_sweeps sweeps over all pairs. v (p columns of n_v values, or
 * NULL) gets the same rotations: starting from the identity it becomes V, with
 * x_before * V = x_after. sv[k] is the norm of column k afterwards (its singular value).
 * Shared by PCA (mloda_la_svd_jacobi) and least squares (groups/ols).
 */
void mloda_la_jacobi(double *x, int64_t n, int64_t p, double *v, int64_t n_v, int max_sweeps,
                     double *sv);

/**
 * One-sided Jacobi (Hestenes) SVD of m in place: plane rotations of column pairs until
 * every pair is orthogonal to machine precision. Afterwards column k of m is u_k * s_k of
 * the thin SVD of the original m (for a centred m: the principal-component scores),
 * sv[k] = s_k = its norm, and order[0..p) lists the columns by decreasing s (ties keep
 * index order). Accurate for small singular values too (no m^T m is formed).
 */
void mloda_la_svd_jacobi(la_matrix *m, double *sv, int64_t *order);

/**
 * Eigen-decomposition of the symmetric n x n matrix a (column-major; both triangles set)
 * by Householder tridiagonalisation and the implicit QL algorithm (EISPACK tred2/tql2):
 * afterwards w[0..n) holds the eigenvalues in increasing order and column k of a the unit
 * eigenvector of w[k]. work: n doubles. O(n^3) time (about 6 n^3 flops), no allocation.
 * calc (may be NULL) is checked between Householder steps and between eigenvalues: returns
 * MLODA_ERR_CANCELLED (a is then meaningless) when the run was cancelled or timed out.
 */
mloda_status mloda_la_sym_eigen(double *a, int64_t n, double *w, double *work,
                                const mloda_calc *calc, mloda_error *err);

/** Squared Euclidean distance between row r of m and row s of m (over all p columns). */
double mloda_la_row_dist2(const la_matrix *m, int64_t r, int64_t s);

#endif /* MLODA_GROUPS_LINALG_H */
