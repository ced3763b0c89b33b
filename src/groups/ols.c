/*
 * ols.c: minimum-norm least squares (see ols.h).
 *
 * The accumulator keeps the augmented matrix [X | y] reduced to an upper triangle R of
 * q = p + 1 columns: new rows are stacked under R and a Householder QR folds them in, so
 * Q^T y rides along as R's last column. R's first p columns are then split by a one-sided
 * Jacobi SVD, A V = W with orthogonal columns w_k = u_k s_k, and the minimum-norm solution
 * is c = sum over kept k of v_k (w_k . z) / s_k^2, z being the top of Q^T y.
 */
#include "groups/ols.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "groups/linalg.h"
#include "util/util.h"

enum { BLOCK = 128 }; /* new rows folded in per QR pass */

struct ols_acc {
    int64_t p, q;     /* regressors; q = p + 1 columns with the target */
    int64_t r0;       /* rows of R held on top of w (<= q) */
    int64_t filled;   /* rows of w in use: r0 + rows waiting */
    int64_t n_rows;   /* rows added in all */
    double *w;        /* owned: (q + BLOCK) x q, row-major */
    double *s;        /* owned: q scratch values */
};

mloda_status mloda_ols_new(int64_t p, ols_acc **out, mloda_error *err)
{
    *out = NULL;
    if (p < 1 || p > 4096)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL, "ols: %lld regressors",
                               (long long)p);
    ols_acc *a = mloda_calloc(1, sizeof *a);
    if (a == NULL)
        return MLODA_NOMEM(err, "a least-squares accumulator");
    a->p = p;
    a->q = p + 1;
    a->w = mloda_calloc((size_t)((a->q + BLOCK) * a->q), sizeof *a->w);
    a->s = mloda_calloc((size_t)a->q, sizeof *a->s);
    if (a->w == NULL || a->s == NULL) {
        mloda_ols_free(a);
        return MLODA_NOMEM(err, "a least-squares accumulator");
    }
    *out = a;
    return MLODA_OK;
}

void mloda_ols_free(ols_acc *a)
{
    if (a == NULL)
        return;
    mloda_free(a->w);
    mloda_free(a->s);
    mloda_free(a);
}

/*
 * Householder QR of the filled rows of w. Rows 0..r0-1 are already upper triangular, so
 * the reflector of column k touches row k and the waiting rows only. Afterwards the top
 * min(filled, q) rows hold the new triangle and the rest is zero.
 */
static void fold(ols_acc *a)
{
    const int64_t q = a->q, rows = a->filled, r0 = a->r0;
    double *restrict w = a->w;
    double *restrict s = a->s;
    int64_t kmax = rows < q ? rows : q;
    for (int64_t k = 0; k < kmax; k++) {
        int64_t lo = k + 1 > r0 ? k + 1 : r0; /* first waiting row below row k */
        double big = fabs(w[k * q + k]);
        for (int64_t i = lo; i < rows; i++)
            big = fabs(w[i * q + k]) > big ? fabs(w[i * q + k]) : big;
        if (big == 0.0)
            continue;
        double n2 = (w[k * q + k] / big) * (w[k * q + k] / big);
        for (int64_t i = lo; i < rows; i++)
            n2 += (w[i * q + k] / big) * (w[i * q + k] / big);
        double norm = big * sqrt(n2);
        double alpha = w[k * q + k] > 0.0 ? -norm : norm;
        double vk = w[k * q + k] - alpha;
        double vtv = -2.0 * alpha * vk;
        if (!(vtv > 0.0))
            continue;
        for (int64_t j = k + 1; j < q; j++)
            s[j] = vk * w[k * q + j];
        for (int64_t i = lo; i < rows; i++) {
            const double vi = w[i * q + k];
            for (int64_t j = k + 1; j < q; j++)
                s[j] += vi * w[i * q + j];
        }
        for (int64_t j = k + 1; j < q; j++)
            s[j] *= 2.0 / vtv;
        for (int64_t j = k + 1; j < q; j++)
            w[k * q + j] -= s[j] * vk;
        for (int64_t i = lo; i < rows; i++) {
            const double vi = w[i * q + k];
            for (int64_t j = k + 1; j < q; j++)
                w[i * q + j] -= s[j] * vi;
            w[i * q + k] = 0.0;
        }
        w[k * q + k] = alpha;
    }
    a->r0 = rows < q ? rows : q;
    for (int64_t i = a->r0; i < rows; i++)
        memset(w + i * q, 0, (size_t)q * sizeof *w);
    a->filled = a->r0;
}

void mloda_ols_add_rows(ols_acc *a, const double *x, const double *y, int64_t b)
{
    const int64_t p = a->p, q = a->q;
    for (int64_t r = 0; r < b; r++) {
        double *row = a->w + a->filled * q;
        memcpy(row, x + r * p, (size_t)p * sizeof *row);
        row[p] = y[r];
        a->filled++;
        if (a->filled == q + BLOCK)
            fold(a);
    }
    a->n_rows += b;
}

mloda_status mloda_ols_solve(ols_acc *a, double *coef, int64_t *rank, mloda_error *err)
{
    const int64_t p = a->p, q = a->q;
    if (a->filled > a->r0 || a->r0 < q)
        fold(a);
    double *m = mloda_malloc((size_t)(2 * p * p + p) * sizeof *m);
    if (m == NULL)
        return MLODA_NOMEM(err, "a least-squares solve");
    double *v = m + p * p, *z = v + p * p;
    /* column-major copies: m = R[:, 0..p), z = R[:, p), v = identity */
    for (int64_t j = 0; j < p; j++) {
        for (int64_t i = 0; i < p; i++) {
            m[j * p + i] = i < a->r0 ? a->w[i * q + j] : 0.0;
            v[j * p + i] = i == j ? 1.0 : 0.0;
        }
        z[j] = j < a->r0 ? a->w[j * q + p] : 0.0;
    }
    mloda_la_jacobi(m, p, p, v, p, 80, a->s);
    double smax = 0.0;
    for (int64_t k = 0; k < p; k++)
        smax = a->s[k] > smax ? a->s[k] : smax;
    double dim = (double)(a->n_rows > p ? a->n_rows : p);
    double tol = smax * DBL_EPSILON * dim;
    memset(coef, 0, (size_t)p * sizeof *coef);
    int64_t kept = 0;
    for (int64_t k = 0; k < p; k++) {
        if (!(a->s[k] > tol))
            continue;
        kept++;
        double d = 0.0;
        for (int64_t r = 0; r < p; r++)
            d += m[k * p + r] * z[r];
        d /= a->s[k] * a->s[k];
        for (int64_t r = 0; r < p; r++)
            coef[r] += v[k * p + r] * d;
    }
    *rank = kept;
    mloda_free(m);
    return MLODA_OK;
}
