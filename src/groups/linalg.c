/*
 * linalg.c: numeric input matrices, standardisation and a symmetric eigensolver (see
 * linalg.h). Sequential loops in a fixed order: deterministic for any thread count.
 */
#include "groups/linalg.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "groups/agg_kernels.h"
#include "groups/colops.h"
#include "util/util.h"

mloda_status mloda_la_bind_numeric_inputs(mloda_bind *ctx, const char *what, mloda_error *err)
{
    const char *name = mloda_feature_name(mloda_bind_feature(ctx));
    for (int64_t j = 0; j < mloda_bind_n_inputs(ctx); j++) {
        mloda_type t = mloda_bind_input_type(ctx, j);
        if (!mloda_la_type_is_numeric(t))
            return mloda_error_set(err, MLODA_ERR_TYPE, name,
                                   "feature '%s': input '%s' is %s; %s needs numbers (int64, "
                                   "float64, bool)",
                                   name, mloda_bind_input_name(ctx, j), mloda_type_name(t), what);
    }
    return MLODA_OK;
}

bool mloda_la_type_is_numeric(mloda_type t)
{
    return t == MLODA_TYPE_INT64 || t == MLODA_TYPE_FLOAT64 || t == MLODA_TYPE_BOOL;
}

void mloda_la_matrix_reset(la_matrix *m)
{
    mloda_free(m->x);
    memset(m, 0, sizeof *m);
}

/* Copies the column as doubles (NaN for nulls); returns whether any value is infinite. */
static bool copy_column(const mloda_column *c, int64_t n, double *out)
{
    const double *f = mloda_column_float64(c);
    const int64_t *iv = mloda_column_int64(c);
    bool inf = false;
    for (int64_t r = 0; r < n; r++) {
        if (!mloda_column_is_valid(c, r))
            out[r] = NAN;
        else if (f != NULL)
            out[r] = f[r];
        else if (iv != NULL)
            out[r] = (double)iv[r];
        else
            out[r] = mloda_column_bool_at(c, r) ? 1.0 : 0.0;
        inf |= isinf(out[r]);
    }
    return inf;
}

mloda_status mloda_la_gather(const mloda_calc *calc, int64_t i, la_matrix *out, mloda_error *err)
{
    return mloda_la_gather_inputs(calc, i, mloda_calc_n_inputs(calc, i), out, err);
}

mloda_status mloda_la_gather_inputs(const mloda_calc *calc, int64_t i, int64_t n_inputs,
                                    la_matrix *out, mloda_error *err)
{
    const char *name = mloda_feature_name(mloda_calc_feature(calc, i));
    int64_t n = mloda_calc_n_rows(calc), p = 0;
    memset(out, 0, sizeof *out);
    for (int64_t j = 0; j < n_inputs; j++)
        p += mloda_calc_input_n_columns(calc, i, j);
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
    out->calc = calc;
    int64_t col = 0;
    for (int64_t j = 0; j < n_inputs; j++) {
        for (int64_t k = 0; k < mloda_calc_input_n_columns(calc, i, j); k++, col++) {
            const mloda_column *c = mloda_calc_input(calc, i, j, k);
            if (!mloda_la_type_is_numeric(mloda_column_type(c))) {
                mloda_la_matrix_reset(out);
                return mloda_error_set(err, MLODA_ERR_TYPE, name,
                                       "feature '%s': input column %lld is %s, not numeric",
                                       name, (long long)col, mloda_type_name(mloda_column_type(c)));
            }
            bool inf = copy_column(c, n, out->x + col * n);
            for (int64_t r = 0; inf && r < n; r++) {
                double v = out->x[col * n + r];
                if (isinf(v)) {
                    const char *in = mloda_calc_input_name(calc, i, j);
                    const char *sfx = mloda_calc_input_suffix(calc, i, j, k);
                    mloda_la_matrix_reset(out);
                    return mloda_error_set_at(err, MLODA_ERR_COMPUTE, name, r,
                                              "feature '%s': input '%s%s%s' is %s in row %lld; "
                                              "it needs finite numbers (nulls are imputed)",
                                              name, in != NULL ? in : "?",
                                              sfx != NULL && sfx[0] ? "~" : "",
                                              sfx != NULL ? sfx : "", v > 0 ? "inf" : "-inf",
                                              (long long)r);
                }
            }
        }
    }
    return MLODA_OK;
}

void mloda_la_moments(const double *x, int64_t n, int64_t *count, double *mean, double *var)
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

double mloda_la_scale_of(double mean, double var, int64_t n)
{
    const double eps = DBL_EPSILON;
    double dn = (double)n;
    double bound = dn * eps * var + (dn * mean * eps) * (dn * mean * eps);
    if (!(var > bound))
        return 1.0;
    return sqrt(var);
}

void mloda_la_impute_standardise(la_matrix *m)
{
    for (int64_t j = 0; j < m->p; j++) {
        double *x = m->x + j * m->n;
        int64_t k = 0;
        double mean = 0.0, var = 0.0;
        mloda_la_moments(x, m->n, &k, &mean, &var);
        /* moments that overflowed, or squares that underflowed: huge or tiny values,
         * scaled by a power of two (exact; standardising is scale-invariant) so that no
         * square or sum overflows or underflows, and measured again */
        if (k > 0 && (!isfinite(mean) || !isfinite(var) || var < 0x1p-800)) {
            double big = 0.0;
            for (int64_t r = 0; r < m->n; r++)
                big = fabs(x[r]) > big ? fabs(x[r]) : big; /* NaN skipped */
            int shift = mloda_agg_shift_for(big);
            for (int64_t r = 0; shift != 0 && r < m->n; r++)
                x[r] = ldexp(x[r], shift); /* one step: 2^shift itself may not be a double */
            if (shift != 0)
                mloda_la_moments(x, m->n, &k, &mean, &var);
        }
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
        mloda_la_moments(x, m->n, &k, &mean, &var);
        double scale = mloda_la_scale_of(mean, var, k);
        for (int64_t r = 0; r < m->n; r++)
            x[r] = (x[r] - mean) / scale;
    }
}

double mloda_la_row_dist2(const la_matrix *m, int64_t r, int64_t s)
{
    double d = 0.0;
    for (int64_t j = 0; j < m->p; j++) {
        double t = m->x[j * m->n + r] - m->x[j * m->n + s];
        d += t * t;
    }
    return d;
}

/* Rotates columns a and b (n values each) so that they become orthogonal, and the columns
 * va and vb (n_v values each) by the same rotation. Returns false when a and b already are
 * orthogonal, to machine precision. */
static bool rotate_pair(double *restrict a, double *restrict b, int64_t n, double *restrict va,
                        double *restrict vb, int64_t n_v)
{
    double alpha = 0.0, beta = 0.0, gamma = 0.0;
    for (int64_t r = 0; r < n; r++) {
        alpha += a[r] * a[r];
        beta += b[r] * b[r];
        gamma += a[r] * b[r];
    }
    if (gamma == 0.0 || fabs(gamma) <= DBL_EPSILON * sqrt(alpha) * sqrt(beta))
        return false;
    double zeta = (beta - alpha) / (2.0 * gamma);
    double t = (zeta >= 0.0 ? 1.0 : -1.0) / (fabs(zeta) + sqrt(1.0 + zeta * zeta));
    double c = 1.0 / sqrt(1.0 + t * t), s = c * t;
    for (int64_t r = 0; r < n; r++) {
        double x = a[r], y = b[r];
        a[r] = c * x - s * y;
        b[r] = s * x + c * y;
    }
    for (int64_t r = 0; r < n_v; r++) {
        double x = va[r], y = vb[r];
        va[r] = c * x - s * y;
        vb[r] = s * x + c * y;
    }
    return true;
}

void mloda_la_jacobi(double *x, int64_t n, int64_t p, double *v, int64_t n_v, int max_sweeps,
                     double *sv)
{
    for (int sweep = 0; sweep < max_sweeps; sweep++) {
        bool rotated = false;
        for (int64_t i = 0; i < p; i++) {
            for (int64_t j = i + 1; j < p; j++)
                rotated |= rotate_pair(x + i * n, x + j * n, n, v != NULL ? v + i * n_v : NULL,
                                       v != NULL ? v + j * n_v : NULL, v != NULL ? n_v : 0);
        }
        if (!rotated)
            break;
    }
    for (int64_t k = 0; k < p; k++) {
        double s = 0.0;
        for (int64_t r = 0; r < n; r++)
            s += x[k * n + r] * x[k * n + r];
        sv[k] = sqrt(s);
    }
}

void mloda_la_svd_jacobi(la_matrix *m, double *sv, int64_t *order)
{
    const int64_t p = m->p;
    mloda_la_jacobi(m->x, m->n, p, NULL, 0, 60, sv);
    /* stable insertion sort, decreasing singular value */
    for (int64_t k = 0; k < p; k++) {
        int64_t j = k;
        while (j > 0 && sv[order[j - 1]] < sv[k]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = k;
    }
}

/* ---------------------------------------------------------------- symmetric eigen */

/*
 * tred2 and tql2 of EISPACK as the public-domain JAMA library writes them, with V(i, j) =
 * a[j * n + i] (column-major, so the inner loops over rows run through memory).
 */
#define V(i, j) a[(size_t)(j) * (size_t)n + (size_t)(i)]

static bool tred2(double *a, int64_t n, double *d, double *e, const mloda_calc *calc)
{
    for (int64_t j = 0; j < n; j++)
        d[j] = V(n - 1, j);
    for (int64_t i = n - 1; i > 0; i--) {
        if ((i & 15) == 0 && mloda_calc_is_cancelled(calc))
            return false;
        double scale = 0.0, h = 0.0;
        for (int64_t k = 0; k < i; k++)
            scale += fabs(d[k]);
        if (scale == 0.0) {
            e[i] = d[i - 1];
            for (int64_t j = 0; j < i; j++) {
                d[j] = V(i - 1, j);
                V(i, j) = 0.0;
                V(j, i) = 0.0;
            }
        } else {
            for (int64_t k = 0; k < i; k++) {
                d[k] /= scale;
                h += d[k] * d[k];
            }
            double f = d[i - 1], g = sqrt(h);
            if (f > 0)
                g = -g;
            e[i] = scale * g;
            h -= f * g;
            d[i - 1] = f - g;
            for (int64_t j = 0; j < i; j++)
                e[j] = 0.0;
            for (int64_t j = 0; j < i; j++) {
                f = d[j];
                V(j, i) = f;
                g = e[j] + V(j, j) * f;
                for (int64_t k = j + 1; k <= i - 1; k++) {
                    g += V(k, j) * d[k];
                    e[k] += V(k, j) * f;
                }
                e[j] = g;
            }
            f = 0.0;
            for (int64_t j = 0; j < i; j++) {
                e[j] /= h;
                f += e[j] * d[j];
            }
            double hh = f / (h + h);
            for (int64_t j = 0; j < i; j++)
                e[j] -= hh * d[j];
            for (int64_t j = 0; j < i; j++) {
                f = d[j];
                g = e[j];
                for (int64_t k = j; k <= i - 1; k++)
                    V(k, j) -= (f * e[k] + g * d[k]);
                d[j] = V(i - 1, j);
                V(i, j) = 0.0;
            }
        }
        d[i] = h;
    }
    for (int64_t i = 0; i < n - 1; i++) {
        if ((i & 15) == 0 && mloda_calc_is_cancelled(calc))
            return false;
        V(n - 1, i) = V(i, i);
        V(i, i) = 1.0;
        double h = d[i + 1];
        if (h != 0.0) {
            for (int64_t k = 0; k <= i; k++)
                d[k] = V(k, i + 1) / h;
            for (int64_t j = 0; j <= i; j++) {
                double g = 0.0;
                for (int64_t k = 0; k <= i; k++)
                    g += V(k, i + 1) * V(k, j);
                for (int64_t k = 0; k <= i; k++)
                    V(k, j) -= g * d[k];
            }
        }
        for (int64_t k = 0; k <= i; k++)
            V(k, i + 1) = 0.0;
    }
    for (int64_t j = 0; j < n; j++) {
        d[j] = V(n - 1, j);
        V(n - 1, j) = 0.0;
    }
    V(n - 1, n - 1) = 1.0;
    e[0] = 0.0;
    return true;
}

static bool tql2(double *a, int64_t n, double *d, double *e, const mloda_calc *calc)
{
    for (int64_t i = 1; i < n; i++)
        e[i - 1] = e[i];
    e[n - 1] = 0.0;
    double f = 0.0, tst1 = 0.0;
    const double eps = DBL_EPSILON;
    for (int64_t l = 0; l < n; l++) {
        if (mloda_calc_is_cancelled(calc))
            return false;
        tst1 = fmax(tst1, fabs(d[l]) + fabs(e[l]));
        int64_t m = l;
        while (m < n - 1 && !(fabs(e[m]) <= eps * tst1))
            m++;
        if (m > l) {
            int iter = 0;
            do {
                if (++iter > 60) /* never seen: tql2 converges in a few steps */
                    break;
                double g = d[l], p = (d[l + 1] - g) / (2.0 * e[l]);
                double r = hypot(p, 1.0);
                if (p < 0)
                    r = -r;
                d[l] = e[l] / (p + r);
                d[l + 1] = e[l] * (p + r);
                double dl1 = d[l + 1], h = g - d[l];
                for (int64_t i = l + 2; i < n; i++)
                    d[i] -= h;
                f += h;
                p = d[m];
                double c = 1.0, c2 = c, c3 = c, el1 = e[l + 1], s = 0.0, s2 = 0.0;
                for (int64_t i = m - 1; i >= l; i--) {
                    c3 = c2;
                    c2 = c;
                    s2 = s;
                    g = c * e[i];
                    h = c * p;
                    r = hypot(p, e[i]);
                    e[i + 1] = s * r;
                    s = e[i] / r;
                    c = p / r;
                    p = c * d[i] - s * g;
                    d[i + 1] = h + s * (c * g + s * d[i]);
                    double *restrict vi = &V(0, i), *restrict vi1 = &V(0, i + 1);
                    for (int64_t k = 0; k < n; k++) {
                        h = vi1[k];
                        vi1[k] = s * vi[k] + c * h;
                        vi[k] = c * vi[k] - s * h;
                    }
                }
                p = -s * s2 * c3 * el1 * e[l] / dl1;
                e[l] = s * p;
                d[l] = c * p;
            } while (fabs(e[l]) > eps * tst1);
        }
        d[l] += f;
        e[l] = 0.0;
    }
    /* selection sort, increasing (stable for equal values: the first stays first) */
    for (int64_t i = 0; i < n - 1; i++) {
        int64_t k = i;
        double p = d[i];
        for (int64_t j = i + 1; j < n; j++) {
            if (d[j] < p) {
                k = j;
                p = d[j];
            }
        }
        if (k != i) {
            d[k] = d[i];
            d[i] = p;
            for (int64_t j = 0; j < n; j++) {
                double t = V(j, i);
                V(j, i) = V(j, k);
                V(j, k) = t;
            }
        }
    }
    return true;
}

#undef V

mloda_status mloda_la_sym_eigen(double *a, int64_t n, double *w, double *work,
                                const mloda_calc *calc, mloda_error *err)
{
    if (n <= 0)
        return MLODA_OK;
    if (!tred2(a, n, w, work, calc) || !tql2(a, n, w, work, calc))
        return mloda_calc_check_stop(calc, err);
    return MLODA_OK;
}
