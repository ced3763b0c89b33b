/*
 * linalg.c: numeric input matrices, standardisation and a symmetric eigensolver (see
 * linalg.h). Sequential loops in a fixed order: deterministic for any thread count.
 */
#include "groups/linalg.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/util.h"

bool la_type_is_numeric(mloda_type t)
{
    return t == MLODA_TYPE_INT64 || t == MLODA_TYPE_FLOAT64 || t == MLODA_TYPE_BOOL;
}

void la_matrix_reset(la_matrix *m)
{
    mloda_free(m->x);
    memset(m, 0, sizeof *m);
}

static void copy_column(const mloda_column *c, int64_t n, double *out)
{
    const double *f = mloda_column_float64(c);
    const int64_t *iv = mloda_column_int64(c);
    for (int64_t r = 0; r < n; r++) {
        if (!mloda_column_is_valid(c, r))
            out[r] = NAN;
        else if (f != NULL)
            out[r] = f[r];
        else if (iv != NULL)
            out[r] = (double)iv[r];
        else
            out[r] = mloda_column_bool_at(c, r) ? 1.0 : 0.0;
    }
}

mloda_status la_gather(const mloda_calc *calc, int64_t i, la_matrix *out, mloda_error *err)
{
    const char *name = mloda_feature_name(mloda_calc_feature(calc, i));
    int64_t n = mloda_calc_n_rows(calc), p = 0;
    memset(out, 0, sizeof *out);
    for (int64_t j = 0; j < mloda_calc_n_inputs(calc, i); j++)
        p += mloda_calc_input_width(calc, i, j);
    size_t cells = 0;
    if (!mloda_mul_size((size_t)n, (size_t)p, &cells) ||
        !mloda_mul_size(cells > 0 ? cells : 1, sizeof(double), &cells))
        return mloda_error_set(err, MLODA_ERR_RANGE, name, "feature '%s': %lld x %lld input "
                               "matrix is too large", name, (long long)n, (long long)p);
    out->x = mloda_malloc(cells);
    if (out->x == NULL)
        return MLODA_NOMEM(err, "an input matrix");
    out->n = n;
    out->p = p;
    int64_t col = 0;
    for (int64_t j = 0; j < mloda_calc_n_inputs(calc, i); j++) {
        for (int64_t k = 0; k < mloda_calc_input_width(calc, i, j); k++, col++) {
            const mloda_column *c = mloda_calc_input(calc, i, j, k);
            if (!la_type_is_numeric(mloda_column_type(c))) {
                la_matrix_reset(out);
                return mloda_error_set(err, MLODA_ERR_TYPE, name,
                                       "feature '%s': input column %lld is %s, not numeric",
                                       name, (long long)col, mloda_type_name(mloda_column_type(c)));
            }
            copy_column(c, n, out->x + col * n);
        }
    }
    return MLODA_OK;
}

void la_moments(const double *x, int64_t n, int64_t *count, double *mean, double *var)
{
    int64_t k = 0;
    double sum = 0.0;
    for (int64_t r = 0; r < n; r++) {
        if (!isnan(x[r])) {
            sum += x[r];
            k++;
        }
    }
    *count = k;
    if (k == 0) {
        *mean = *var = NAN;
        return;
    }
    double m = sum / (double)k, m2 = 0.0;
    for (int64_t r = 0; r < n; r++) {
        if (!isnan(x[r]))
            m2 += (x[r] - m) * (x[r] - m);
    }
    *mean = m;
    *var = m2 / (double)k;
}

double la_scale_of(double mean, double var, int64_t n)
{
    const double eps = DBL_EPSILON;
    double dn = (double)n;
    double bound = dn * eps * var + (dn * mean * eps) * (dn * mean * eps);
    if (!(var > bound))
        return 1.0;
    return sqrt(var);
}

void la_impute_standardise(la_matrix *m)
{
    for (int64_t j = 0; j < m->p; j++) {
        double *x = m->x + j * m->n;
        int64_t k = 0;
        double mean = 0.0, var = 0.0;
        la_moments(x, m->n, &k, &mean, &var);
        if (k == 0) {
            for (int64_t r = 0; r < m->n; r++)
                x[r] = 0.0;
            continue;
        }
        for (int64_t r = 0; r < m->n; r++) {
            if (isnan(x[r]))
                x[r] = mean;
        }
        /* the imputed column: same mean, and the std StandardScaler then sees */
        la_moments(x, m->n, &k, &mean, &var);
        double scale = la_scale_of(mean, var, k);
        for (int64_t r = 0; r < m->n; r++)
            x[r] = (x[r] - mean) / scale;
    }
}

double la_row_dist2(const la_matrix *m, int64_t r, int64_t s)
{
    double d = 0.0;
    for (int64_t j = 0; j < m->p; j++) {
        double t = m->x[j * m->n + r] - m->x[j * m->n + s];
        d += t * t;
    }
    return d;
}

/* One Jacobi rotation zeroing a[pp][q]; v accumulates the rotations (columns). */
static void rotate(int64_t p, double *a, double *v, int64_t pp, int64_t q)
{
    double apq = a[pp * p + q];
    double theta = (a[q * p + q] - a[pp * p + pp]) / (2.0 * apq);
    double t = (theta >= 0.0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1.0));
    if (isinf(theta))
        t = 0.0;
    double c = 1.0 / sqrt(t * t + 1.0), s = t * c;
    for (int64_t k = 0; k < p; k++) {
        double akp = a[k * p + pp], akq = a[k * p + q];
        a[k * p + pp] = c * akp - s * akq;
        a[k * p + q] = s * akp + c * akq;
    }
    for (int64_t k = 0; k < p; k++) {
        double apk = a[pp * p + k], aqk = a[q * p + k];
        a[pp * p + k] = c * apk - s * aqk;
        a[q * p + k] = s * apk + c * aqk;
    }
    for (int64_t k = 0; k < p; k++) {
        double vkp = v[k * p + pp], vkq = v[k * p + q];
        v[k * p + pp] = c * vkp - s * vkq;
        v[k * p + q] = s * vkp + c * vkq;
    }
}

mloda_status la_sym_eigen(int64_t p, double *a, double *evals, double *evecs, mloda_error *err)
{
    if (p <= 0)
        return MLODA_OK;
    size_t bytes = 0;
    if (!mloda_mul_size((size_t)p, (size_t)p, &bytes) || !mloda_mul_size(bytes, sizeof(double), &bytes))
        return mloda_error_set(err, MLODA_ERR_RANGE, NULL, "%lld x %lld matrix is too large",
                               (long long)p, (long long)p);
    double *v = mloda_calloc(bytes / sizeof(double), sizeof(double));
    int64_t *order = mloda_malloc((size_t)p * sizeof *order);
    if (v == NULL || order == NULL) {
        mloda_free(v);
        mloda_free(order);
        return MLODA_NOMEM(err, "an eigen-decomposition");
    }
    for (int64_t k = 0; k < p; k++)
        v[k * p + k] = 1.0;
    double fro = 0.0;
    for (int64_t k = 0; k < p * p; k++)
        fro += a[k] * a[k];
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0.0;
        for (int64_t i = 0; i < p; i++) {
            for (int64_t j = i + 1; j < p; j++)
                off += a[i * p + j] * a[i * p + j];
        }
        /* converged to machine precision (off-diagonal mass negligible against the whole) */
        if (off <= fro * DBL_EPSILON * DBL_EPSILON * 1e-4 || off == 0.0)
            break;
        for (int64_t i = 0; i < p; i++) {
            for (int64_t j = i + 1; j < p; j++) {
                if (a[i * p + j] != 0.0)
                    rotate(p, a, v, i, j);
            }
        }
    }
    /* stable insertion sort of the eigenvalues, descending */
    for (int64_t k = 0; k < p; k++) {
        int64_t j = k;
        while (j > 0 && a[order[j - 1] * p + order[j - 1]] < a[k * p + k]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = k;
    }
    for (int64_t k = 0; k < p; k++) {
        evals[k] = a[order[k] * p + order[k]];
        for (int64_t j = 0; j < p; j++)
            evecs[j * p + k] = v[j * p + order[k]];
    }
    mloda_free(v);
    mloda_free(order);
    return MLODA_OK;
}
