/*
 * ml_cluster.c: spectral clustering and affinity propagation as scikit-learn 1.2 computes
 * them with mloda's parameters (see ml.h). Where sklearn draws random numbers from
 * RandomState(42) these draw the same ones, so labels agree with sklearn's up to the
 * numbering (and up to rounding where two choices are within a few ulps of each other).
 */
#include "groups/ml.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "groups/colops.h"
#include "groups/np_random.h"
#include "util/util.h"

#define SEED 42u

mloda_status mloda_ml_check_quadratic(const char *feature, const char *what, int64_t n,
                                      int64_t n_matrices, mloda_error *err)
{
    double bytes = (double)n * (double)n * 8.0 * (double)n_matrices;
    if (bytes <= (double)MLODA_ML_QUAD_BYTES)
        return MLODA_OK;
    int64_t most = (int64_t)sqrt((double)MLODA_ML_QUAD_BYTES / 8.0 / (double)n_matrices);
    return mloda_error_set(err, MLODA_ERR_RANGE, feature,
                           "feature '%s': %s keeps %lld n x n matrices; %lld rows would need "
                           "%.1f GiB (at most %lld rows, 4 GiB)",
                           feature, what, (long long)n_matrices, (long long)n,
                           bytes / 1073741824.0, (long long)most);
}

/* ---------------------------------------------------------------- spectral */

void mloda_ml_spectral_reset(mloda_spectral *s)
{
    mloda_free(s->vec);
    mloda_free(s->dd);
    memset(s, 0, sizeof *s);
}

mloda_status mloda_ml_spectral_fit(const la_matrix *m, const char *feature, mloda_spectral *out,
                                   mloda_error *err)
{
    int64_t n = m->n;
    memset(out, 0, sizeof *out);
    MLODA_TRY(mloda_ml_check_quadratic(feature, "spectral clustering", n, 1, err));
    out->n = n;
    out->vec = mloda_malloc_n(n * n > 0 ? n * n : 1, sizeof *out->vec);
    out->dd = mloda_malloc_n(n > 0 ? n : 1, sizeof *out->dd);
    double *w = mloda_malloc_n(n > 0 ? 2 * n : 1, sizeof *w);
    mloda_status st = MLODA_OK;
    if (out->vec == NULL || out->dd == NULL || w == NULL) {
        st = MLODA_NOMEM(err, "spectral clustering");
        goto done;
    }
    double *a = out->vec;
    /* RBF affinity (gamma 1.0), without the diagonal (scipy's laplacian ignores it) */
    for (int64_t j = 0; j < n; j++) {
        if ((j & 63) == 0 && (st = mloda_calc_check_stop(m->calc, err)) != MLODA_OK)
            goto done;
        a[j * n + j] = 0.0;
        for (int64_t i = j + 1; i < n; i++) {
            double v = exp(-mloda_la_row_dist2(m, i, j));
            a[j * n + i] = v;
            a[i * n + j] = v;
        }
    }
    for (int64_t i = 0; i < n; i++) {
        double deg = 0.0;
        for (int64_t j = 0; j < n; j++)
            deg += a[j * n + i];
        out->dd[i] = deg == 0.0 ? 1.0 : sqrt(deg);
    }
    /* D^-1/2 A D^-1/2: its largest eigenvalues are the normalised Laplacian's smallest */
    for (int64_t j = 0; j < n; j++) {
        for (int64_t i = 0; i < n; i++)
            a[j * n + i] /= out->dd[i] * out->dd[j];
    }
    st = mloda_la_sym_eigen(a, n, w, w + n, m->calc, err);
done:
    mloda_free(w);
    if (st != MLODA_OK)
        mloda_ml_spectral_reset(out);
    return st;
}

/* Column j of B V / s_j for the SVD B = U S V^T of a k x k matrix b (column-major), by
 * Jacobi rotations: u, v: k x k column-major; sv: k. Columns of u whose singular value is
 * zero are completed to an orthonormal basis. */
static void small_svd(const double *b, int64_t k, double *u, double *v, double *sv)
{
    memcpy(u, b, (size_t)(k * k) * sizeof *u);
    for (int64_t i = 0; i < k * k; i++)
        v[i] = 0.0;
    for (int64_t i = 0; i < k; i++)
        v[i * k + i] = 1.0;
    mloda_la_jacobi(u, k, k, v, k, 80, sv);
    double top = 0.0;
    for (int64_t j = 0; j < k; j++)
        top = sv[j] > top ? sv[j] : top;
    for (int64_t j = 0; j < k; j++) {
        double *c = u + j * k;
        if (sv[j] > top * (double)k * DBL_EPSILON && sv[j] > 0.0) {
            for (int64_t i = 0; i < k; i++)
                c[i] /= sv[j];
            continue;
        }
        /* a null direction: the first unit vector not yet spanned, made orthogonal */
        for (int64_t e = 0; e < k; e++) {
            for (int64_t i = 0; i < k; i++)
                c[i] = i == e ? 1.0 : 0.0;
            for (int64_t q = 0; q < k; q++) {
                if (q == j || !(sv[q] > top * (double)k * DBL_EPSILON) || q > j)
                    continue;
                double dot = 0.0;
                for (int64_t i = 0; i < k; i++)
                    dot += c[i] * u[q * k + i];
                for (int64_t i = 0; i < k; i++)
                    c[i] -= dot * u[q * k + i];
            }
            for (int64_t q = j + 1; q < k; q++) { /* later non-null columns too */
                if (!(sv[q] > top * (double)k * DBL_EPSILON))
                    continue;
                double nq = 0.0, dot = 0.0;
                for (int64_t i = 0; i < k; i++) {
                    nq += u[q * k + i] * u[q * k + i];
                    dot += c[i] * u[q * k + i];
                }
                for (int64_t i = 0; i < k; i++)
                    c[i] -= dot / nq * u[q * k + i];
            }
            double nrm = 0.0;
            for (int64_t i = 0; i < k; i++)
                nrm += c[i] * c[i];
            if (nrm > 1e-6) {
                for (int64_t i = 0; i < k; i++)
                    c[i] /= sqrt(nrm);
                break;
            }
        }
    }
}

/*
 * sklearn's discretize (Yu and Shi, "Multiclass spectral clustering"): vectors (n x k,
 * column-major, modified) are scaled to norm sqrt(n), oriented so that row 0 is negative,
 * rows normalised; a rotation starts from a random row (randint(n) of the given generator)
 * and rows as orthogonal as possible to it, then alternates labels = argmax(vectors R) and
 * R = V U^T from the SVD of (one-hot labels)^T vectors until the ncut value stops moving
 * (or 20 iterations).
 */
static mloda_status discretize(double *vec, int64_t n, int64_t k, mloda_np_random *rng,
                               const mloda_calc *calc, int64_t *labels, mloda_error *err)
{
    double *rot = mloda_malloc_n(k * k, sizeof *rot), *b = mloda_malloc_n(k * k, sizeof *b);
    double *u = mloda_malloc_n(k * k, sizeof *u), *v = mloda_malloc_n(k * k, sizeof *v);
    double *sv = mloda_malloc_n(k, sizeof *sv), *c = mloda_malloc_n(n, sizeof *c);
    mloda_status st = MLODA_OK;
    if (rot == NULL || b == NULL || u == NULL || v == NULL || sv == NULL || c == NULL) {
        st = MLODA_NOMEM(err, "spectral discretisation");
        goto done;
    }
    double norm_ones = sqrt((double)n);
    for (int64_t j = 0; j < k; j++) {
        double *x = vec + j * n, nrm = 0.0;
        for (int64_t r = 0; r < n; r++)
            nrm += x[r] * x[r];
        nrm = sqrt(nrm);
        for (int64_t r = 0; r < n; r++)
            x[r] = x[r] / nrm * norm_ones;
        if (x[0] != 0.0) {
            double sign = x[0] > 0.0 ? 1.0 : -1.0;
            for (int64_t r = 0; r < n; r++)
                x[r] = -1.0 * x[r] * sign;
        }
    }
    for (int64_t r = 0; r < n; r++) {
        double s = 0.0;
        for (int64_t j = 0; j < k; j++)
            s += vec[j * n + r] * vec[j * n + r];
        s = sqrt(s);
        for (int64_t j = 0; j < k; j++)
            vec[j * n + r] /= s;
    }
    int64_t first = mloda_np_random_below(rng, n);
    for (int64_t i = 0; i < k; i++)
        rot[i] = vec[i * n + first];
    for (int64_t r = 0; r < n; r++)
        c[r] = 0.0;
    for (int64_t j = 1; j < k; j++) {
        int64_t best = 0;
        for (int64_t r = 0; r < n; r++) {
            double dot = 0.0;
            for (int64_t i = 0; i < k; i++)
                dot += vec[i * n + r] * rot[(j - 1) * k + i];
            c[r] += fabs(dot);
            if (c[r] < c[best])
                best = r;
        }
        for (int64_t i = 0; i < k; i++)
            rot[j * k + i] = vec[i * n + best];
    }
    double last = 0.0;
    for (int64_t it = 1;; it++) {
        if ((st = mloda_calc_check_stop(calc, err)) != MLODA_OK)
            goto done;
        for (int64_t r = 0; r < n; r++) {
            int64_t arg = 0;
            double top = -INFINITY;
            for (int64_t j = 0; j < k; j++) {
                double t = 0.0;
                for (int64_t i = 0; i < k; i++)
                    t += vec[i * n + r] * rot[j * k + i];
                if (j == 0 || t > top) {
                    top = t;
                    arg = j;
                }
            }
            labels[r] = arg;
        }
        /* b = onehot^T vec: row l sums the rows labelled l (b is k x k column-major) */
        for (int64_t q = 0; q < k * k; q++)
            b[q] = 0.0;
        for (int64_t r = 0; r < n; r++) {
            for (int64_t i = 0; i < k; i++)
                b[i * k + labels[r]] += vec[i * n + r];
        }
        small_svd(b, k, u, v, sv);
        double ssum = 0.0;
        for (int64_t j = 0; j < k; j++)
            ssum += sv[j];
        double ncut = 2.0 * ((double)n - ssum);
        if (fabs(ncut - last) < DBL_EPSILON || it > 20)
            break;
        last = ncut;
        /* rotation = V U^T */
        for (int64_t i = 0; i < k; i++) {
            for (int64_t j = 0; j < k; j++) {
                double t = 0.0;
                for (int64_t q = 0; q < k; q++)
                    t += v[q * k + i] * u[q * k + j];
                rot[j * k + i] = t;
            }
        }
    }
done:
    mloda_free(rot);
    mloda_free(b);
    mloda_free(u);
    mloda_free(v);
    mloda_free(sv);
    mloda_free(c);
    return st;
}

mloda_status mloda_ml_spectral_labels(const mloda_spectral *s, int64_t k,
                                      const mloda_calc *calc, int64_t *labels, mloda_error *err)
{
    int64_t n = s->n;
    double *vec = mloda_malloc_n(n * k, sizeof *vec);
    if (vec == NULL)
        return MLODA_NOMEM(err, "spectral embedding");
    /* the k eigenvectors of the largest eigenvalues, largest first, divided by sqrt(degree),
     * each flipped so its largest |value| (the first such) is positive */
    for (int64_t t = 0; t < k; t++) {
        const double *e = s->vec + (n - 1 - t) * n;
        double *x = vec + t * n;
        int64_t big = 0;
        for (int64_t r = 0; r < n; r++) {
            x[r] = e[r] / s->dd[r];
            if (fabs(x[r]) > fabs(x[big]))
                big = r;
        }
        if (x[big] < 0.0) {
            for (int64_t r = 0; r < n; r++)
                x[r] = -x[r];
        }
    }
    /* SpectralClustering's RandomState(42): ARPACK's start vector takes n uniform draws
     * (two 32-bit words each) before discretize draws its first row */
    mloda_np_random rng;
    mloda_np_random_seed(&rng, SEED);
    for (int64_t r = 0; r < 2 * n; r++)
        (void)mloda_np_random_u32(&rng);
    mloda_status st = discretize(vec, n, k, &rng, calc, labels, err);
    mloda_free(vec);
    return st;
}

/* ---------------------------------------------------------------- affinity propagation */

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* np.median of v[0..len) (v is reordered). */
static double median_of(double *v, int64_t len)
{
    qsort(v, (size_t)len, sizeof *v, cmp_double);
    return len % 2 ? v[len / 2] : (v[len / 2 - 1] + v[len / 2]) / 2.0;
}

mloda_status mloda_ml_affinity(const la_matrix *m, const char *feature, double damping,
                               int64_t *labels, mloda_error *err)
{
    enum { MAX_ITER = 200, CONV_ITER = 15 };
    int64_t n = m->n;
    if (n == 0)
        return MLODA_OK;
    MLODA_TRY(mloda_ml_check_quadratic(feature, "affinity propagation", n, 4, err));
    size_t nn = (size_t)n * (size_t)n;
    double *s = mloda_malloc_n((int64_t)nn, sizeof *s), *a = mloda_calloc(nn, sizeof *a);
    double *r = mloda_calloc(nn, sizeof *r), *tmp = mloda_malloc_n((int64_t)nn, sizeof *tmp);
    double *col = mloda_malloc_n(n, sizeof *col);
    int64_t *ex = mloda_malloc_n(n, sizeof *ex), *c = mloda_malloc_n(n, sizeof *c);
    int64_t *order = mloda_malloc_n(n, sizeof *order), *start = mloda_malloc_n(n + 1, sizeof *start);
    uint8_t *e = mloda_calloc((size_t)n * CONV_ITER, 1);
    mloda_status st = MLODA_OK;
    if (s == NULL || a == NULL || r == NULL || tmp == NULL || col == NULL || ex == NULL ||
        c == NULL || e == NULL || order == NULL || start == NULL) {
        st = MLODA_NOMEM(err, "affinity propagation");
        goto done;
    }
#define S(i, j) s[(size_t)(i) * (size_t)n + (size_t)(j)]
#define A(i, j) a[(size_t)(i) * (size_t)n + (size_t)(j)]
#define R(i, j) r[(size_t)(i) * (size_t)n + (size_t)(j)]
#define T(i, j) tmp[(size_t)(i) * (size_t)n + (size_t)(j)]
    for (int64_t i = 0; i < n; i++) {
        if ((i & 63) == 0 && (st = mloda_calc_check_stop(m->calc, err)) != MLODA_OK)
            goto done;
        S(i, i) = 0.0;
        for (int64_t j = i + 1; j < n; j++)
            S(i, j) = S(j, i) = -mloda_la_row_dist2(m, i, j);
    }
    memcpy(tmp, s, nn * sizeof *tmp);
    double pref = median_of(tmp, (int64_t)nn);
    /* all similarities equal (and the preference is one number): sklearn returns every row
     * its own exemplar, or one cluster, without iterating */
    bool equal = n > 1;
    for (int64_t i = 0; i < n && equal; i++) {
        for (int64_t j = 0; j < n && equal; j++)
            equal = i == j || S(i, j) == S(0, 1);
    }
    if (n == 1 || equal) {
        bool own = n == 1 ? pref >= S(0, 0) : pref >= S(0, n - 1);
        for (int64_t i = 0; i < n; i++)
            labels[i] = own ? i : 0;
        goto done;
    }
    for (int64_t i = 0; i < n; i++)
        S(i, i) = pref;
    /* sklearn's tie-breaking noise, row by row from RandomState(42).standard_normal */
    mloda_np_random rng;
    mloda_np_random_seed(&rng, SEED);
    for (size_t q = 0; q < nn; q++)
        s[q] += (DBL_EPSILON * s[q] + DBL_MIN * 100.0) * mloda_np_random_gauss(&rng);
    bool converged = false;
    int64_t n_ex = 0;
    for (int it = 0; it < MAX_ITER; it++) {
        if ((st = mloda_calc_check_stop(m->calc, err)) != MLODA_OK)
            goto done;
        /* responsibilities */
        for (int64_t i = 0; i < n; i++) {
            int64_t best = 0;
            double y = -INFINITY, y2 = -INFINITY;
            for (int64_t j = 0; j < n; j++) {
                double t = A(i, j) + S(i, j);
                if (j == 0 || t > y) {
                    y = t;
                    best = j;
                }
            }
            for (int64_t j = 0; j < n; j++) {
                double t = A(i, j) + S(i, j);
                if (j != best && t > y2)
                    y2 = t;
            }
            for (int64_t j = 0; j < n; j++) {
                double t = j == best ? S(i, j) - y2 : S(i, j) - y;
                R(i, j) = R(i, j) * damping + t * (1.0 - damping);
            }
        }
        /* availabilities */
        for (int64_t j = 0; j < n; j++)
            col[j] = 0.0;
        for (int64_t i = 0; i < n; i++) {
            for (int64_t j = 0; j < n; j++) {
                double t = i == j ? R(i, j) : (R(i, j) > 0.0 ? R(i, j) : 0.0);
                T(i, j) = t;
                col[j] += t;
            }
        }
        for (int64_t i = 0; i < n; i++) {
            for (int64_t j = 0; j < n; j++) {
                double t = T(i, j) - col[j];
                if (i != j && t < 0.0)
                    t = 0.0;
                A(i, j) = A(i, j) * damping - t * (1.0 - damping);
            }
        }
        n_ex = 0;
        for (int64_t i = 0; i < n; i++) {
            uint8_t on = A(i, i) + R(i, i) > 0.0;
            e[i * CONV_ITER + it % CONV_ITER] = on;
            n_ex += on;
        }
        if (it >= CONV_ITER) {
            int64_t settled = 0;
            for (int64_t i = 0; i < n; i++) {
                int se = 0;
                for (int q = 0; q < CONV_ITER; q++)
                    se += e[i * CONV_ITER + q];
                settled += se == CONV_ITER || se == 0;
            }
            if (settled == n && n_ex > 0) {
                converged = true;
                break;
            }
        }
    }
    (void)converged; /* sklearn keeps the labels of an unconverged run (with a warning) */
    n_ex = 0;
    for (int64_t i = 0; i < n; i++) {
        if (A(i, i) + R(i, i) > 0.0)
            ex[n_ex++] = i;
    }
    if (n_ex == 0) {
        for (int64_t i = 0; i < n; i++)
            labels[i] = -1;
        goto done;
    }
    /* each row to its most similar exemplar; each cluster's exemplar re-chosen as the member
     * with the largest summed similarity to the members; rows assigned again */
    for (int pass = 0; pass < 2; pass++) {
        for (int64_t i = 0; i < n; i++) {
            int64_t best = 0;
            for (int64_t q = 1; q < n_ex; q++) {
                if (S(i, ex[q]) > S(i, ex[best]))
                    best = q;
            }
            c[i] = best;
        }
        for (int64_t q = 0; q < n_ex; q++)
            c[ex[q]] = q;
        if (pass == 1)
            break;
        /* members of each cluster in row order (counting sort into order[], starts in
         * start[0..n_ex]), so the sums cost the sum of squared cluster sizes */
        for (int64_t q = 0; q <= n_ex; q++)
            start[q] = 0;
        for (int64_t i = 0; i < n; i++)
            start[c[i] + 1]++;
        for (int64_t q = 0; q < n_ex; q++)
            start[q + 1] += start[q];
        for (int64_t i = 0; i < n; i++)
            order[start[c[i]]++] = i;
        for (int64_t q = n_ex; q > 0; q--)
            start[q] = start[q - 1];
        start[0] = 0;
        for (int64_t q = 0; q < n_ex; q++) {
            int64_t best = -1;
            double best_sum = -INFINITY;
            for (int64_t x = start[q]; x < start[q + 1]; x++) {
                double sum = 0.0;
                for (int64_t y = start[q]; y < start[q + 1]; y++)
                    sum += S(order[y], order[x]);
                if (best < 0 || sum > best_sum) {
                    best = order[x];
                    best_sum = sum;
                }
            }
            ex[q] = best;
        }
    }
    /* labels = rank of the exemplar row among the distinct exemplars */
    for (int64_t i = 0; i < n; i++)
        labels[i] = ex[c[i]];
    for (int64_t i = 0; i < n; i++)
        col[i] = 0.0;
    for (int64_t i = 0; i < n; i++)
        col[labels[i]] = 1.0;
    for (int64_t i = 0, rank = 0; i < n; i++) {
        ex[i] = rank; /* ex reused: rank of row i as an exemplar */
        rank += col[i] != 0.0;
    }
    for (int64_t i = 0; i < n; i++)
        labels[i] = ex[labels[i]];
#undef S
#undef A
#undef R
#undef T
done:
    mloda_free(s);
    mloda_free(a);
    mloda_free(r);
    mloda_free(tmp);
    mloda_free(col);
    mloda_free(ex);
    mloda_free(c);
    mloda_free(e);
    mloda_free(order);
    mloda_free(start);
    return st;
}
