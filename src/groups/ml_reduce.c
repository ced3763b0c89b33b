/*
 * ml_reduce.c: LDA, Isomap, FastICA and t-SNE as scikit-learn 1.2 computes them with
 * mloda's parameters (see ml.h). LDA and Isomap are deterministic (equal to sklearn's up to
 * each component's sign, and for Isomap up to how k-nearest-neighbour ties are broken);
 * FastICA draws sklearn's initial matrix from RandomState(42); t-SNE starts from the exact
 * PCA where sklearn uses a randomized one, computes in double precision where sklearn uses
 * float32, and uses the exact gradient where sklearn's Barnes-Hut approximates it.
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

/* Columns of x (n rows, p columns, column-major) by Jacobi: x V = U S. v: p x p (identity
 * in, V out), sv: p, order: p (decreasing singular value, stable). */
static void svd_cols(double *x, int64_t n, int64_t p, double *v, double *sv, int64_t *order)
{
    for (int64_t i = 0; i < p * p; i++)
        v[i] = 0.0;
    for (int64_t i = 0; i < p; i++)
        v[i * p + i] = 1.0;
    mloda_la_jacobi(x, n, p, v, p, 80, sv);
    for (int64_t k = 0; k < p; k++) {
        int64_t j = k;
        while (j > 0 && sv[order[j - 1]] < sv[k]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = k;
    }
}

/* svd_flip on a column (u-based): the first largest |value| becomes positive. */
static void flip_largest_positive(double *x, int64_t n)
{
    int64_t big = 0;
    for (int64_t r = 1; r < n; r++)
        big = fabs(x[r]) > fabs(x[big]) ? r : big;
    if (n > 0 && x[big] < 0.0) {
        for (int64_t r = 0; r < n; r++)
            x[r] = -x[r];
    }
    for (int64_t r = 0; r < n; r++)
        x[r] += 0.0; /* no negative zeros */
}

/* ---------------------------------------------------------------- LDA */

mloda_status mloda_ml_lda(const la_matrix *m, const char *feature, const int64_t *cls,
                          int64_t n_cls, int64_t d, double *out, mloda_error *err)
{
    int64_t n = m->n, p = m->p;
    const double tol = 1e-4; /* LinearDiscriminantAnalysis(tol=1e-4) */
    int64_t *count = mloda_calloc((size_t)(n_cls > 0 ? n_cls : 1), sizeof *count);
    int64_t used = 0, present = 0;
    for (int64_t r = 0; count != NULL && r < n; r++) {
        if (cls[r] >= 0) {
            present += count[cls[r]] == 0;
            count[cls[r]]++;
            used++;
        }
    }
    if (count == NULL)
        return MLODA_NOMEM(err, "LDA");
    if (present < 2 || d > (present - 1 < p ? present - 1 : p) || used <= present) {
        mloda_free(count);
        if (present < 2)
            return mloda_error_set(err, MLODA_ERR_COMPUTE, feature,
                                   "feature '%s': LDA needs at least 2 classes in its target "
                                   "column; the batch has %lld",
                                   feature, (long long)present);
        if (used <= present)
            return mloda_error_set(err, MLODA_ERR_COMPUTE, feature,
                                   "feature '%s': LDA needs more rows (%lld) than classes "
                                   "(%lld)",
                                   feature, (long long)used, (long long)present);
        return mloda_error_set(err, MLODA_ERR_COMPUTE, feature,
                               "feature '%s': LDA gives at most min(classes - 1, inputs) = %lld "
                               "dimensions; %lld were asked for",
                               feature, (long long)(present - 1 < p ? present - 1 : p),
                               (long long)d);
    }
    /* classes that occur, in class order (sklearn's classes_ are the sorted labels seen) */
    int64_t g = present;
    int64_t *gi = mloda_malloc_n(n_cls, sizeof *gi);
    double *means = mloda_calloc((size_t)(g * p), sizeof *means), *xbar = mloda_calloc((size_t)p, sizeof *xbar);
    double *xc = mloda_malloc_n(used * p, sizeof *xc), *std = mloda_malloc_n(p, sizeof *std);
    double *v = mloda_malloc_n(p * p, sizeof *v), *sv = mloda_malloc_n(p, sizeof *sv);
    int64_t *order = mloda_malloc_n(p, sizeof *order), *ord2 = mloda_malloc_n(p, sizeof *ord2);
    double *scal = mloda_malloc_n(p * p, sizeof *scal), *x2 = mloda_malloc_n(g * p, sizeof *x2);
    double *v2 = mloda_malloc_n(p * p, sizeof *v2), *sv2 = mloda_malloc_n(p, sizeof *sv2);
    double *fin = mloda_malloc_n(p * p, sizeof *fin);
    mloda_status st = MLODA_OK;
    if (gi == NULL || means == NULL || xbar == NULL || xc == NULL || std == NULL || v == NULL ||
        sv == NULL || order == NULL || ord2 == NULL || scal == NULL || x2 == NULL ||
        v2 == NULL || sv2 == NULL || fin == NULL) {
        st = MLODA_NOMEM(err, "LDA");
        goto done;
    }
    for (int64_t c = 0, q = 0; c < n_cls; c++)
        gi[c] = count[c] > 0 ? q++ : -1;
    for (int64_t r = 0; r < n; r++) {
        if (cls[r] < 0)
            continue;
        for (int64_t j = 0; j < p; j++)
            means[gi[cls[r]] * p + j] += m->x[j * n + r];
    }
    for (int64_t c = 0; c < n_cls; c++) {
        if (gi[c] < 0)
            continue;
        for (int64_t j = 0; j < p; j++) {
            means[gi[c] * p + j] /= (double)count[c];
            xbar[j] += (double)count[c] / (double)used * means[gi[c] * p + j];
        }
    }
    /* within-class deviations, grouped by class as sklearn concatenates them */
    int64_t row = 0;
    for (int64_t c = 0; c < n_cls; c++) {
        for (int64_t r = 0; gi[c] >= 0 && r < n; r++) {
            if (cls[r] != c)
                continue;
            for (int64_t j = 0; j < p; j++)
                xc[j * used + row] = m->x[j * n + r] - means[gi[c] * p + j];
            row++;
        }
    }
    double fac = 1.0 / (double)(used - g);
    for (int64_t j = 0; j < p; j++) {
        double s = 0.0, mu = 0.0;
        for (int64_t r = 0; r < used; r++)
            mu += xc[j * used + r];
        mu /= (double)used;
        for (int64_t r = 0; r < used; r++)
            s += (xc[j * used + r] - mu) * (xc[j * used + r] - mu);
        std[j] = sqrt(s / (double)used);
        if (std[j] == 0.0)
            std[j] = 1.0;
        for (int64_t r = 0; r < used; r++)
            xc[j * used + r] = sqrt(fac) * (xc[j * used + r] / std[j]);
    }
    svd_cols(xc, used, p, v, sv, order);
    int64_t rank = 0;
    while (rank < p && sv[order[rank]] > tol)
        rank++;
    /* scalings (p x rank) = V[:, :rank] / std / S */
    for (int64_t q = 0; q < rank; q++) {
        for (int64_t j = 0; j < p; j++)
            scal[q * p + j] = v[order[q] * p + j] / std[j] / sv[order[q]];
    }
    /* between-class: rows sqrt(n prior fac2) (mean - xbar), times scalings (g x rank) */
    double fac2 = g == 1 ? 1.0 : 1.0 / (double)(g - 1);
    for (int64_t c = 0; c < n_cls; c++) {
        if (gi[c] < 0)
            continue;
        double w = sqrt((double)used * ((double)count[c] / (double)used) * fac2);
        for (int64_t q = 0; q < rank; q++) {
            double t = 0.0;
            for (int64_t j = 0; j < p; j++)
                t += w * (means[gi[c] * p + j] - xbar[j]) * scal[q * p + j];
            x2[q * g + gi[c]] = t;
        }
    }
    svd_cols(x2, g, rank, v2, sv2, ord2);
    int64_t rank2 = 0;
    while (rank2 < rank && sv2[ord2[rank2]] > tol * sv2[ord2[0]])
        rank2++;
    /* scalings_ = scalings V2[:, :rank2]; transform: (x - xbar) scalings_ */
    for (int64_t q = 0; q < rank2; q++) {
        for (int64_t j = 0; j < p; j++) {
            double t = 0.0;
            for (int64_t k = 0; k < rank; k++)
                t += scal[k * p + j] * v2[ord2[q] * rank + k];
            fin[q * p + j] = t;
        }
    }
    for (int64_t q = 0; q < d; q++) {
        double *o = out + q * n;
        for (int64_t r = 0; r < n; r++) {
            double t = 0.0;
            for (int64_t j = 0; q < rank2 && j < p; j++)
                t += (m->x[j * n + r] - xbar[j]) * fin[q * p + j];
            o[r] = t;
        }
        flip_largest_positive(o, n);
    }
done:
    mloda_free(count);
    mloda_free(gi);
    mloda_free(means);
    mloda_free(xbar);
    mloda_free(xc);
    mloda_free(std);
    mloda_free(v);
    mloda_free(sv);
    mloda_free(order);
    mloda_free(ord2);
    mloda_free(scal);
    mloda_free(x2);
    mloda_free(v2);
    mloda_free(sv2);
    mloda_free(fin);
    return st;
}

/* ---------------------------------------------------------------- Isomap */

/* An undirected weighted graph as adjacency lists (CSR built from an edge list). */
typedef struct edge {
    int64_t a, b;
    double w;
} edge;

/* Binary min-heap of (distance, node) for Dijkstra, with lazy deletion. */
typedef struct heap_item {
    double d;
    int64_t v;
} heap_item;

static void heap_push(heap_item *h, int64_t *len, double d, int64_t v)
{
    int64_t i = (*len)++;
    while (i > 0) {
        int64_t up = (i - 1) / 2;
        if (h[up].d <= d)
            break;
        h[i] = h[up];
        i = up;
    }
    h[i] = (heap_item){d, v};
}

static heap_item heap_pop(heap_item *h, int64_t *len)
{
    heap_item top = h[0], last = h[--(*len)];
    int64_t i = 0;
    for (;;) {
        int64_t c = 2 * i + 1;
        if (c >= *len)
            break;
        if (c + 1 < *len && h[c + 1].d < h[c].d)
            c++;
        if (h[c].d >= last.d)
            break;
        h[i] = h[c];
        i = c;
    }
    if (*len > 0)
        h[i] = last;
    return top;
}

static int64_t uf_root(int64_t *parent, int64_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

mloda_status mloda_ml_isomap(const la_matrix *m, const char *feature, int64_t k, int64_t d,
                             double *out, mloda_error *err)
{
    int64_t n = m->n;
    if (n == 0)
        return MLODA_OK;
    if (k >= n)
        return mloda_error_set(err, MLODA_ERR_COMPUTE, feature,
                               "feature '%s': Isomap with %lld neighbours needs more than %lld "
                               "rows; the batch has %lld (isomap_n_neighbors sets it)",
                               feature, (long long)k, (long long)k, (long long)n);
    MLODA_TRY(mloda_ml_check_quadratic(feature, "Isomap", n, 1, err));
    int64_t max_edges = 2 * n * k + 2 * n;
    edge *edges = mloda_malloc_n(max_edges, sizeof *edges);
    int64_t *nb = mloda_malloc_n(k + 1, sizeof *nb), *parent = mloda_malloc_n(n, sizeof *parent);
    double *nd = mloda_malloc_n(k + 1, sizeof *nd);
    double *g = mloda_malloc_n(n * n, sizeof *g), *w = mloda_malloc_n(2 * n, sizeof *w);
    int64_t *start = mloda_calloc((size_t)n + 1, sizeof *start), *comp = mloda_malloc_n(n, sizeof *comp);
    int64_t *adj = NULL;
    double *adj_w = NULL;
    heap_item *heap = NULL;
    bool *done_v = mloda_malloc_n(n, sizeof *done_v);
    mloda_status st = MLODA_OK;
    if (edges == NULL || nb == NULL || parent == NULL || nd == NULL || g == NULL || w == NULL ||
        start == NULL || comp == NULL || done_v == NULL) {
        st = MLODA_NOMEM(err, "Isomap");
        goto done;
    }
    /* k nearest neighbours of each row (not itself), ties by row order */
    int64_t n_edges = 0;
    for (int64_t i = 0; i < n; i++) {
        if ((i & 63) == 0 && (st = mloda_calc_check_stop(m->calc, err)) != MLODA_OK)
            goto done;
        int64_t len = 0;
        for (int64_t j = 0; j < n; j++) {
            if (j == i)
                continue;
            double dj = sqrt(mloda_la_row_dist2(m, i, j));
            if (len == k && !(dj < nd[len - 1]))
                continue;
            int64_t at = len < k ? len++ : k - 1;
            while (at > 0 && dj < nd[at - 1]) {
                nd[at] = nd[at - 1];
                nb[at] = nb[at - 1];
                at--;
            }
            nd[at] = dj;
            nb[at] = j;
        }
        for (int64_t t = 0; t < len; t++)
            edges[n_edges++] = (edge){i, nb[t], nd[t]};
    }
    /* components of the (undirected) graph; sklearn joins every pair of components by
     * their closest pair of rows (components numbered by their first row) */
    for (int64_t i = 0; i < n; i++)
        parent[i] = i;
    for (int64_t e = 0; e < n_edges; e++) {
        int64_t ra = uf_root(parent, edges[e].a), rb = uf_root(parent, edges[e].b);
        if (ra != rb)
            parent[ra > rb ? ra : rb] = ra < rb ? ra : rb;
    }
    int64_t n_comp = 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t r = uf_root(parent, i);
        comp[i] = r == i ? n_comp++ : comp[r];
    }
    if (n_comp > 1) {
        /* closest pair per pair of components: one pass over all row pairs (every row has
         * k >= 1 neighbours in its component, so n_comp <= n / 2) */
        edge *more = mloda_realloc(edges, (size_t)(n_edges + n_comp * (n_comp - 1) / 2) *
                                              sizeof *edges);
        if (more == NULL) {
            st = MLODA_NOMEM(err, "Isomap");
            goto done;
        }
        edges = more;
        size_t pairs = (size_t)(n_comp * n_comp);
        double *best = mloda_malloc(pairs * sizeof *best);
        int64_t *bi = mloda_malloc(pairs * sizeof *bi), *bj = mloda_malloc(pairs * sizeof *bj);
        if (best == NULL || bi == NULL || bj == NULL) {
            mloda_free(best);
            mloda_free(bi);
            mloda_free(bj);
            st = MLODA_NOMEM(err, "Isomap");
            goto done;
        }
        for (size_t q = 0; q < pairs; q++)
            best[q] = INFINITY;
        /* for components ci > cj: rows of ci in order (ii), rows of cj in order (jj), the
         * first minimum in that order, as argmin over D[ii, jj] */
        for (int64_t a = 0; a < n; a++) {
            for (int64_t b = 0; b < n; b++) {
                if (comp[a] <= comp[b])
                    continue;
                size_t q = (size_t)(comp[a] * n_comp + comp[b]);
                double dist = sqrt(mloda_la_row_dist2(m, a, b));
                if (dist < best[q]) {
                    best[q] = dist;
                    bi[q] = a;
                    bj[q] = b;
                }
            }
        }
        for (int64_t ci = 0; ci < n_comp; ci++) {
            for (int64_t cj = 0; cj < ci; cj++) {
                size_t q = (size_t)(ci * n_comp + cj);
                edges[n_edges++] = (edge){bi[q], bj[q], best[q]};
            }
        }
        mloda_free(best);
        mloda_free(bi);
        mloda_free(bj);
    }
    /* adjacency lists, both directions */
    adj = mloda_malloc_n(2 * n_edges + 1, sizeof *adj);
    adj_w = mloda_malloc_n(2 * n_edges + 1, sizeof *adj_w);
    heap = mloda_malloc_n(2 * n_edges + n + 1, sizeof *heap);
    if (adj == NULL || adj_w == NULL || heap == NULL) {
        st = MLODA_NOMEM(err, "Isomap");
        goto done;
    }
    for (int64_t e = 0; e < n_edges; e++) {
        start[edges[e].a + 1]++;
        start[edges[e].b + 1]++;
    }
    for (int64_t i = 0; i < n; i++)
        start[i + 1] += start[i];
    for (int64_t e = 0; e < n_edges; e++) {
        int64_t a = edges[e].a, b = edges[e].b;
        adj[start[a]] = b;
        adj_w[start[a]++] = edges[e].w;
        adj[start[b]] = a;
        adj_w[start[b]++] = edges[e].w;
    }
    for (int64_t i = n; i > 0; i--)
        start[i] = start[i - 1];
    start[0] = 0;
    /* geodesic distances by Dijkstra from every row; g = -0.5 * dist^2 */
    for (int64_t s = 0; s < n; s++) {
        if ((s & 15) == 0 && (st = mloda_calc_check_stop(m->calc, err)) != MLODA_OK)
            goto done;
        double *dist = g + s * n;
        for (int64_t i = 0; i < n; i++) {
            dist[i] = INFINITY;
            done_v[i] = false;
        }
        int64_t len = 0;
        dist[s] = 0.0;
        heap_push(heap, &len, 0.0, s);
        while (len > 0) {
            heap_item it = heap_pop(heap, &len);
            if (done_v[it.v])
                continue;
            done_v[it.v] = true;
            for (int64_t q = start[it.v]; q < start[it.v + 1]; q++) {
                double nd2 = it.d + adj_w[q];
                if (nd2 < dist[adj[q]]) {
                    dist[adj[q]] = nd2;
                    heap_push(heap, &len, nd2, adj[q]);
                }
            }
        }
    }
    /* symmetric (each path found from both ends; keep the smaller for exact symmetry) */
    for (int64_t j = 0; j < n; j++) {
        for (int64_t i = j + 1; i < n; i++) {
            double t = fmin(g[j * n + i], g[i * n + j]);
            t = -0.5 * t * t;
            g[j * n + i] = g[i * n + j] = t;
        }
        g[j * n + j] = 0.0;
    }
    /* KernelCenterer: K - column means - row means + grand mean (K is symmetric) */
    double all = 0.0;
    for (int64_t j = 0; j < n; j++) {
        double s = 0.0;
        for (int64_t i = 0; i < n; i++)
            s += g[j * n + i];
        w[j] = s / (double)n;
        all += s;
    }
    all /= (double)n * (double)n;
    for (int64_t j = 0; j < n; j++) {
        for (int64_t i = 0; i < n; i++)
            g[j * n + i] = g[j * n + i] - w[j] - w[i] + all;
    }
    MLODA_TRY_GOTO(st, mloda_la_sym_eigen(g, n, w, w + n, m->calc, err), done);
    /* the d largest eigenvalues, largest first; negative ones (not PSD rounding) and those
     * below 1e-12 of the largest count as 0 (sklearn's _check_psd_eigenvalues) */
    double top = w[n - 1];
    for (int64_t q = 0; q < d; q++) {
        double *o = out + q * n;
        if (q >= n) {
            for (int64_t r = 0; r < n; r++)
                o[r] = 0.0;
            continue;
        }
        double lam = w[n - 1 - q];
        if (lam < 0.0 || lam < 1e-12 * top)
            lam = 0.0;
        const double *vec = g + (n - 1 - q) * n;
        for (int64_t r = 0; r < n; r++)
            o[r] = vec[r];
        flip_largest_positive(o, n);
        for (int64_t r = 0; r < n; r++)
            o[r] = o[r] * sqrt(lam) + 0.0;
    }
done:
    mloda_free(edges);
    mloda_free(nb);
    mloda_free(parent);
    mloda_free(nd);
    mloda_free(g);
    mloda_free(w);
    mloda_free(start);
    mloda_free(comp);
    mloda_free(adj);
    mloda_free(adj_w);
    mloda_free(heap);
    mloda_free(done_v);
    return st;
}

/* ---------------------------------------------------------------- FastICA */

/* w (c x c, row-major) <- (w w^T)^(-1/2) w, through the eigen-decomposition of w w^T
 * (eigenvalues clipped at DBL_MIN as sklearn's _sym_decorrelation). scratch: 4 c^2 + 2 c. */
static mloda_status sym_decorrelation(double *w, int64_t c, double *scratch, mloda_error *err)
{
    double *a = scratch, *t = a + c * c, *res = t + c * c, *ev = res + c * c;
    for (int64_t i = 0; i < c; i++) {
        for (int64_t j = 0; j < c; j++) {
            double s = 0.0;
            for (int64_t q = 0; q < c; q++)
                s += w[i * c + q] * w[j * c + q];
            a[j * c + i] = s;
        }
    }
    MLODA_TRY(mloda_la_sym_eigen(a, c, ev, ev + c, NULL, err));
    /* t = U diag(1/sqrt(s)) U^T */
    for (int64_t i = 0; i < c; i++) {
        for (int64_t j = 0; j < c; j++) {
            double s = 0.0;
            for (int64_t q = 0; q < c; q++)
                s += a[q * c + i] * (1.0 / sqrt(fmax(ev[q], DBL_MIN))) * a[q * c + j];
            t[i * c + j] = s;
        }
    }
    for (int64_t i = 0; i < c; i++) {
        for (int64_t j = 0; j < c; j++) {
            double s = 0.0;
            for (int64_t q = 0; q < c; q++)
                s += t[i * c + q] * w[q * c + j];
            res[i * c + j] = s;
        }
    }
    memcpy(w, res, (size_t)(c * c) * sizeof *w);
    return MLODA_OK;
}

mloda_status mloda_ml_fastica(const la_matrix *m, const char *feature, int64_t d, int max_iter,
                              double tol, double *out, mloda_error *err)
{
    (void)feature;
    int64_t n = m->n, p = m->p;
    if (n == 0)
        return MLODA_OK;
    /* sklearn caps the components at min(n, p); the rest of the d columns stay zero */
    int64_t c = d < n ? d : n;
    c = c < p ? c : p;
    double *xc = mloda_malloc_n(n * p, sizeof *xc), *v = mloda_malloc_n(p * p, sizeof *v);
    double *sv = mloda_malloc_n(p, sizeof *sv), *kw = mloda_malloc_n(c * p, sizeof *kw);
    double *x1 = mloda_malloc_n(c * n, sizeof *x1), *w = mloda_malloc_n(c * c, sizeof *w);
    double *w1 = mloda_malloc_n(c * c, sizeof *w1), *gx = mloda_malloc_n(n, sizeof *gx);
    double *scratch = mloda_malloc_n(4 * c * c + 2 * c, sizeof *scratch);
    double *gdot = mloda_malloc_n(c, sizeof *gdot);
    int64_t *order = mloda_malloc_n(p, sizeof *order);
    mloda_status st = MLODA_OK;
    if (xc == NULL || v == NULL || sv == NULL || kw == NULL || x1 == NULL || w == NULL ||
        w1 == NULL || gx == NULL || scratch == NULL || gdot == NULL || order == NULL) {
        st = MLODA_NOMEM(err, "FastICA");
        goto done;
    }
    /* centre; whitening from the SVD of the centred data: u = right singular vectors of
     * X (p x p), d = singular values; u's columns signed so that u[0] > 0 */
    for (int64_t j = 0; j < p; j++) {
        double mu = 0.0;
        for (int64_t r = 0; r < n; r++)
            mu += m->x[j * n + r];
        mu /= (double)n;
        for (int64_t r = 0; r < n; r++)
            xc[j * n + r] = m->x[j * n + r] - mu;
    }
    {
        double *tmp = mloda_malloc_n(n * p, sizeof *tmp);
        if (tmp == NULL) {
            st = MLODA_NOMEM(err, "FastICA");
            goto done;
        }
        memcpy(tmp, xc, (size_t)(n * p) * sizeof *tmp);
        svd_cols(tmp, n, p, v, sv, order);
        mloda_free(tmp);
    }
    double top = p > 0 ? sv[order[0]] : 0.0;
    for (int64_t q = 0; q < c; q++) {
        const double *u = v + order[q] * p;
        double sign = u[0] < 0.0 ? -1.0 : 1.0, s = sv[order[q]];
        bool null = !(s > top * (double)(n > p ? n : p) * DBL_EPSILON);
        for (int64_t j = 0; j < p; j++)
            kw[q * p + j] = null ? 0.0 : sign * u[j] / s; /* K row q */
    }
    /* x1 = K X^T sqrt(n): c x n, row-major */
    for (int64_t q = 0; q < c; q++) {
        for (int64_t r = 0; r < n; r++) {
            double t = 0.0;
            for (int64_t j = 0; j < p; j++)
                t += kw[q * p + j] * xc[j * n + r];
            x1[q * n + r] = t * sqrt((double)n);
        }
    }
    mloda_np_random rng;
    mloda_np_random_seed(&rng, SEED);
    for (int64_t q = 0; q < c * c; q++)
        w[q] = mloda_np_random_gauss(&rng);
    MLODA_TRY_GOTO(st, sym_decorrelation(w, c, scratch, err), done);
    for (int it = 0; it < max_iter; it++) {
        if ((st = mloda_calc_check_stop(m->calc, err)) != MLODA_OK)
            goto done;
        /* logcosh: g = tanh(w x), g' mean = mean(1 - g^2) */
        for (int64_t i = 0; i < c; i++) {
            double gmean = 0.0;
            for (int64_t r = 0; r < n; r++) {
                double t = 0.0;
                for (int64_t q = 0; q < c; q++)
                    t += w[i * c + q] * x1[q * n + r];
                gx[r] = tanh(t);
                gmean += 1.0 - gx[r] * gx[r];
            }
            gdot[i] = gmean / (double)n;
            for (int64_t j = 0; j < c; j++) {
                double t = 0.0;
                for (int64_t r = 0; r < n; r++)
                    t += gx[r] * x1[j * n + r];
                w1[i * c + j] = t / (double)n - gdot[i] * w[i * c + j];
            }
        }
        MLODA_TRY_GOTO(st, sym_decorrelation(w1, c, scratch, err), done);
        double lim = 0.0;
        for (int64_t i = 0; i < c; i++) {
            double t = 0.0;
            for (int64_t j = 0; j < c; j++)
                t += w1[i * c + j] * w[i * c + j];
            lim = fmax(lim, fabs(fabs(t) - 1.0));
        }
        memcpy(w, w1, (size_t)(c * c) * sizeof *w);
        if (lim < tol)
            break;
    }
    /* sources S = W K X^T, each scaled to unit variance (whiten="unit-variance") */
    for (int64_t i = 0; i < d; i++) {
        double *o = out + i * n;
        for (int64_t r = 0; r < n; r++) {
            double t = 0.0;
            for (int64_t q = 0; i < c && q < c; q++)
                t += w[i * c + q] * x1[q * n + r];
            o[r] = t / sqrt((double)n);
        }
        double mu = 0.0, var = 0.0;
        for (int64_t r = 0; r < n; r++)
            mu += o[r];
        mu /= (double)n;
        for (int64_t r = 0; r < n; r++)
            var += (o[r] - mu) * (o[r] - mu);
        double sd = sqrt(var / (double)n);
        for (int64_t r = 0; r < n; r++)
            o[r] = sd > 0.0 ? o[r] / sd + 0.0 : 0.0;
    }
done:
    mloda_free(xc);
    mloda_free(v);
    mloda_free(sv);
    mloda_free(kw);
    mloda_free(x1);
    mloda_free(w);
    mloda_free(w1);
    mloda_free(gx);
    mloda_free(scratch);
    mloda_free(gdot);
    mloda_free(order);
    return st;
}

/* ---------------------------------------------------------------- t-SNE */

/* Joint probabilities as a symmetric sparse matrix: row i's entries are col[start[i] ..
 * start[i+1]) with values val[..]. */
typedef struct sparse_p {
    int64_t *start, *col;
    double *val;
    int64_t nnz;
} sparse_p;

static void sparse_p_reset(sparse_p *s)
{
    mloda_free(s->start);
    mloda_free(s->col);
    mloda_free(s->val);
    memset(s, 0, sizeof *s);
}

/* sklearn's _binary_search_perplexity for one row: sq[0..len) squared distances (rounded to
 * float32 as sklearn casts them), out: conditional probabilities. skip: index to leave out
 * (the row itself in the exact method; -1 with neighbours). */
static void row_perplexity(const double *sq, int64_t len, int64_t skip, double perplexity,
                           double *out)
{
    const double desired = log(perplexity);
    double beta = 1.0, beta_min = -INFINITY, beta_max = INFINITY;
    for (int step = 0; step < 100; step++) {
        double sum = 0.0;
        for (int64_t j = 0; j < len; j++) {
            out[j] = j == skip ? 0.0 : exp(-sq[j] * beta);
            sum += out[j];
        }
        if (sum == 0.0)
            sum = 1e-8;
        double sum_d = 0.0;
        for (int64_t j = 0; j < len; j++) {
            out[j] /= sum;
            sum_d += sq[j] * out[j];
        }
        double diff = log(sum) + beta * sum_d - desired;
        if (fabs(diff) <= 1e-5)
            break;
        if (diff > 0.0) {
            beta_min = beta;
            beta = beta_max == INFINITY ? beta * 2.0 : (beta + beta_max) / 2.0;
        } else {
            beta_max = beta;
            beta = beta_min == -INFINITY ? beta / 2.0 : (beta + beta_min) / 2.0;
        }
    }
}

typedef struct coo {
    int64_t i, j;
    double v;
} coo;

static int cmp_coo(const void *x, const void *y)
{
    const coo *a = x, *b = y;
    if (a->i != b->i)
        return a->i < b->i ? -1 : 1;
    return (a->j > b->j) - (a->j < b->j);
}

/* P for t-SNE: exact (every pair, from all distances) or from the n_nb nearest neighbours
 * (ties by row order), P = (C + C^T) / sum; exact entries are at least DBL_EPSILON. */
static mloda_status tsne_p(const la_matrix *m, bool exact, double perplexity, sparse_p *out,
                           mloda_error *err)
{
    int64_t n = m->n;
    int64_t n_nb = exact ? n : (int64_t)(3.0 * perplexity + 1.0);
    if (!exact && n_nb > n - 1)
        n_nb = n - 1;
    memset(out, 0, sizeof *out);
    double *sq = mloda_malloc_n(n, sizeof *sq), *cp = mloda_malloc_n(n, sizeof *cp);
    double *nd = mloda_malloc_n(n_nb + 1, sizeof *nd);
    int64_t *nb = mloda_malloc_n(n_nb + 1, sizeof *nb);
    coo *e = mloda_malloc_n(2 * n * n_nb + 1, sizeof *e);
    out->start = mloda_calloc((size_t)n + 1, sizeof *out->start);
    mloda_status st = MLODA_OK;
    if (sq == NULL || cp == NULL || nd == NULL || nb == NULL || e == NULL || out->start == NULL) {
        st = MLODA_NOMEM(err, "t-SNE probabilities");
        goto done;
    }
    int64_t ne = 0;
    for (int64_t i = 0; i < n; i++) {
        if ((i & 63) == 0 && (st = mloda_calc_check_stop(m->calc, err)) != MLODA_OK)
            goto done;
        if (exact) {
            for (int64_t j = 0; j < n; j++)
                sq[j] = (double)(float)mloda_la_row_dist2(m, i, j);
            row_perplexity(sq, n, i, perplexity, cp);
            for (int64_t j = 0; j < n; j++) {
                if (j == i)
                    continue;
                e[ne++] = (coo){i, j, cp[j]};
                e[ne++] = (coo){j, i, cp[j]};
            }
            continue;
        }
        int64_t len = 0;
        for (int64_t j = 0; j < n; j++) {
            if (j == i)
                continue;
            double dj = mloda_la_row_dist2(m, i, j);
            if (len == n_nb && !(dj < nd[len - 1]))
                continue;
            int64_t at = len < n_nb ? len++ : n_nb - 1;
            while (at > 0 && dj < nd[at - 1]) {
                nd[at] = nd[at - 1];
                nb[at] = nb[at - 1];
                at--;
            }
            nd[at] = dj;
            nb[at] = j;
        }
        for (int64_t t = 0; t < len; t++)
            sq[t] = (double)(float)nd[t];
        row_perplexity(sq, len, -1, perplexity, cp);
        for (int64_t t = 0; t < len; t++) {
            e[ne++] = (coo){i, nb[t], cp[t]};
            e[ne++] = (coo){nb[t], i, cp[t]};
        }
    }
    qsort(e, (size_t)ne, sizeof *e, cmp_coo);
    int64_t u = 0;
    double total = 0.0;
    for (int64_t q = 0; q < ne; q++) {
        if (u > 0 && e[u - 1].i == e[q].i && e[u - 1].j == e[q].j)
            e[u - 1].v += e[q].v;
        else
            e[u++] = e[q];
        total += e[q].v;
    }
    total = fmax(total, DBL_EPSILON);
    out->col = mloda_malloc_n(u + 1, sizeof *out->col);
    out->val = mloda_malloc_n(u + 1, sizeof *out->val);
    if (out->col == NULL || out->val == NULL) {
        st = MLODA_NOMEM(err, "t-SNE probabilities");
        goto done;
    }
    for (int64_t q = 0; q < u; q++) {
        out->col[q] = e[q].j;
        double v = e[q].v / total;
        out->val[q] = exact ? fmax(v, DBL_EPSILON) : v;
        out->start[e[q].i + 1]++;
    }
    for (int64_t i = 0; i < n; i++)
        out->start[i + 1] += out->start[i];
    out->nnz = u;
done:
    mloda_free(sq);
    mloda_free(cp);
    mloda_free(nd);
    mloda_free(nb);
    mloda_free(e);
    if (st != MLODA_OK)
        sparse_p_reset(out);
    return st;
}

/* Student-t kernel (1 + d2 / dof)^(-(dof + 1) / 2); dof 1 (two dimensions) without pow. */
static inline double student(double d2, double dof)
{
    return dof == 1.0 ? 1.0 / (1.0 + d2) : pow(1.0 + d2 / dof, (dof + 1.0) / -2.0);
}

static inline double row_d2(const double *y, int64_t i, int64_t j, int64_t d)
{
    double d2 = 0.0;
    for (int64_t a = 0; a < d; a++) {
        double t = y[i * d + a] - y[j * d + a];
        d2 += t * t;
    }
    return d2;
}

/* KL(P || Q) and (when grad != NULL) sklearn's gradient for embedding y (n x d, row-major),
 * P scaled by exag. dof: degrees of freedom. O(n^2 d): two passes over the pairs. */
static double tsne_objective(const sparse_p *P, double exag, const double *y, int64_t n,
                             int64_t d, double dof, double *grad)
{
    double z = 0.0;
    for (int64_t i = 0; i < n; i++) {
        for (int64_t j = i + 1; j < n; j++)
            z += 2.0 * student(row_d2(y, i, j, d), dof);
    }
    double kl = 0.0;
    for (int64_t i = 0; i < n; i++) {
        for (int64_t q = P->start[i]; q < P->start[i + 1]; q++) {
            double w = student(row_d2(y, i, P->col[q], d), dof);
            double qij = fmax(w / z, DBL_EPSILON), pij = P->val[q] * exag;
            kl += pij * log(fmax(pij, DBL_EPSILON) / qij);
            if (grad != NULL) {
                for (int64_t a = 0; a < d; a++)
                    grad[i * d + a] += pij * w * (y[i * d + a] - y[P->col[q] * d + a]);
            }
        }
    }
    if (grad == NULL)
        return kl;
    /* repulsion over all pairs, each pair once for both rows */
    for (int64_t i = 0; i < n; i++) {
        for (int64_t j = i + 1; j < n; j++) {
            double w = student(row_d2(y, i, j, d), dof);
            double f = fmax(w / z, DBL_EPSILON) * w;
            for (int64_t a = 0; a < d; a++) {
                double t = f * (y[i * d + a] - y[j * d + a]);
                grad[i * d + a] -= t;
                grad[j * d + a] += t;
            }
        }
    }
    return kl; /* the caller multiplies by 2 (dof + 1) / dof, after rounding as sklearn */
}

/* sklearn's _gradient_descent from iteration it to n_iter (exclusive) with gains; returns
 * the last iteration run (it - 1 when none), *err_out the last KL computed. */
static mloda_status descend(const sparse_p *P, double exag, double *y, int64_t n, int64_t d,
                            double dof, double *update, double *gains, double *grad, int it,
                            int n_iter, int patience, double momentum, double lr,
                            const mloda_calc *calc, int *last, mloda_error *err)
{
    double best_error = DBL_MAX;
    int best_iter = it, i = it;
    *last = it - 1;
    for (i = it; i < n_iter; i++) {
        MLODA_TRY(mloda_calc_check_stop(calc, err));
        bool check = (i + 1) % 50 == 0;
        const double c_grad = 2.0 * (dof + 1.0) / dof;
        for (int64_t q = 0; q < n * d; q++)
            grad[q] = 0.0;
        double error = tsne_objective(P, exag, y, n, d, dof, grad);
        /* sklearn keeps the embedding, its update, gains and gradient in float32 (the
         * PCA start is float32): the same roundings keep the trajectory close to sklearn's */
        for (int64_t q = 0; q < n * d; q++) {
            float g = (float)grad[q] * (float)c_grad, u = (float)update[q], gn = (float)gains[q];
            if (u * g < 0.0f)
                gn = gn + 0.2f;
            else
                gn = gn * 0.8f;
            gn = gn < 0.01f ? 0.01f : gn;
            g = g * gn;
            u = (float)momentum * u - (float)lr * g;
            gains[q] = gn;
            grad[q] = g;
            update[q] = u;
            y[q] = (double)((float)y[q] + u);
        }
        *last = i;
        if (check) {
            double norm = 0.0;
            for (int64_t q = 0; q < n * d; q++)
                norm += grad[q] * grad[q];
            if (error < best_error) {
                best_error = error;
                best_iter = i;
            } else if (i - best_iter > patience) {
                break;
            }
            if (sqrt(norm) <= 1e-7)
                break;
        }
    }
    return MLODA_OK;
}

static double tsne_perplexity(int64_t n)
{
    int64_t third = n / 3;
    return (double)(third < 30 ? third : 30);
}

mloda_status mloda_ml_tsne(const la_matrix *m, const char *feature, const mloda_tsne_opts *o,
                           double *out, mloda_error *err)
{
    int64_t n = m->n, d = o->d, p = m->p;
    if (n == 0)
        return MLODA_OK;
    if (n < 3)
        return mloda_error_set(err, MLODA_ERR_COMPUTE, feature,
                               "feature '%s': t-SNE needs at least 3 rows (mloda's perplexity "
                               "min(30, n // 3) must be positive); the batch has %lld",
                               feature, (long long)n);
    if (o->exact)
        MLODA_TRY(mloda_ml_check_quadratic(feature, "exact t-SNE", n, 2, err));
    sparse_p P = {0};
    double *y = mloda_malloc_n(n * d, sizeof *y), *upd = mloda_calloc((size_t)(n * d), sizeof *upd);
    double *gains = mloda_malloc_n(n * d, sizeof *gains), *grad = mloda_malloc_n(n * d, sizeof *grad);
    double *x = mloda_malloc_n(n * p, sizeof *x), *sv = mloda_malloc_n(p, sizeof *sv);
    int64_t *order = mloda_malloc_n(p, sizeof *order);
    mloda_status st = MLODA_OK;
    if (y == NULL || upd == NULL || gains == NULL || grad == NULL || x == NULL || sv == NULL ||
        order == NULL) {
        st = MLODA_NOMEM(err, "t-SNE");
        goto done;
    }
    MLODA_TRY_GOTO(st, tsne_p(m, o->exact, tsne_perplexity(n), &P, err), done);
    /* init="pca": the first d principal-component scores (centred data, svd_flip signs),
     * as float32, scaled so that the first has std 1e-4 */
    la_matrix c = {n, p, x, m->calc};
    for (int64_t j = 0; j < p; j++) {
        double mu = 0.0;
        for (int64_t r = 0; r < n; r++)
            mu += m->x[j * n + r];
        mu /= (double)n;
        for (int64_t r = 0; r < n; r++)
            x[j * n + r] = m->x[j * n + r] - mu;
    }
    mloda_la_svd_jacobi(&c, sv, order);
    double sd0 = 0.0;
    for (int64_t a = 0; a < d; a++) {
        double *t = a < p ? x + order[a] * n : NULL;
        if (t != NULL)
            flip_largest_positive(t, n);
        for (int64_t r = 0; r < n; r++)
            y[r * d + a] = t != NULL ? (double)(float)t[r] : 0.0;
    }
    {
        double mu = 0.0, var = 0.0;
        for (int64_t r = 0; r < n; r++)
            mu += y[r * d];
        mu /= (double)n;
        for (int64_t r = 0; r < n; r++)
            var += (y[r * d] - mu) * (y[r * d] - mu);
        sd0 = sqrt(var / (double)n);
    }
    for (int64_t q = 0; q < n * d; q++) {
        y[q] = sd0 > 0.0 ? (double)((float)y[q] / (float)sd0 * 1e-4f) : 0.0;
        gains[q] = 1.0;
    }
    double dof = d - 1 > 1 ? (double)(d - 1) : 1.0;
    double lr = fmax((double)n / 12.0 / 4.0, 50.0);
    int last = 0;
    /* 250 iterations with P exaggerated 12 times (momentum 0.5), then the rest */
    MLODA_TRY_GOTO(st, descend(&P, 12.0, y, n, d, dof, upd, gains, grad, 0, 250, 250, 0.5, lr,
                               m->calc, &last, err),
                   done);
    if (last < 250 || o->max_iter > 250)
        MLODA_TRY_GOTO(st, descend(&P, 1.0, y, n, d, dof, upd, gains, grad, last + 1,
                                   o->max_iter, o->n_iter_without_progress, 0.8, lr, m->calc,
                                   &last, err),
                       done);
    for (int64_t a = 0; a < d; a++) {
        for (int64_t r = 0; r < n; r++)
            out[a * n + r] = y[r * d + a] + 0.0;
    }
done:
    sparse_p_reset(&P);
    mloda_free(y);
    mloda_free(upd);
    mloda_free(gains);
    mloda_free(grad);
    mloda_free(x);
    mloda_free(sv);
    mloda_free(order);
    return st;
}

double mloda_ml_tsne_kl(const la_matrix *m, bool exact, const double *y, int64_t d)
{
    int64_t n = m->n;
    sparse_p P = {0};
    mloda_error err = MLODA_ERROR_INIT;
    double *yr = mloda_malloc_n(n * d, sizeof *yr);
    if (yr == NULL || n < 3 || tsne_p(m, exact, tsne_perplexity(n), &P, &err) != MLODA_OK) {
        mloda_free(yr);
        return NAN;
    }
    for (int64_t a = 0; a < d; a++) {
        for (int64_t r = 0; r < n; r++)
            yr[r * d + a] = y[a * n + r];
    }
    double dof = d - 1 > 1 ? (double)(d - 1) : 1.0;
    double kl = tsne_objective(&P, 1.0, yr, n, d, dof, NULL);
    sparse_p_reset(&P);
    mloda_free(yr);
    return kl;
}
