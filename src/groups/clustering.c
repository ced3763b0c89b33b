/*
 * clustering.c: `{a&b}__cluster_{algorithm}_{k}` and its option form (algorithm, k_value,
 * output_probabilities, in_features), SPEC.md §6.10 and §10.15.
 *
 * Preprocessing as mloda: each input column's missing values become its mean, then every
 * column is standardised (population std; a constant column becomes 0). Every row gets a
 * label. The suffix is parsed at the LAST "__" like every family, so chained sources work
 * (mloda parses at the first, SPEC.md §10.15).
 *
 * Algorithms (all deterministic; labels are numbered by first appearance in row order, so
 * the first row is in cluster 0; sklearn's numbering is arbitrary):
 *   kmeans         k-means++ seeding (greedy, 2 + ln k candidates, as sklearn) from a
 *                  splitmix64 generator seeded with 42, 10 seedings, Lloyd iterations until
 *                  no label changes or the centres move less than sklearn's tol (1e-4 of the
 *                  mean variance; at most 300), the lowest inertia wins. A cluster that
 *                  empties takes the point farthest from its centre. Label parity with
 *                  sklearn's RNG is not a goal; partitions of well-separated data agree.
 *   hierarchical,  Ward linkage (nearest-neighbour chain on centroids, merges sorted by
 *   agglomerative  height, first n-k applied), as scipy/sklearn compute it.
 *   dbscan         eps = 1/k (auto: 0.5), min_samples 5 (the point itself included),
 *                  distance <= eps; noise is -1. Clusters grow in sklearn's order.
 *   spectral       sklearn's SpectralClustering(k, assign_labels="discretize",
 *                  random_state=42): RBF affinity (gamma 1), the normalised Laplacian's k
 *                  smallest eigenvectors (dense tred2/tql2), discretize from the row that
 *                  numpy's RandomState(42) draws after ARPACK's start vector (ml_cluster.c).
 *   affinity       sklearn's AffinityPropagation(damping, random_state=42) with mloda's
 *                  damping 0.5 + 0.3 / k in [0.5, 0.99] (auto: 0.5): preference = median
 *                  similarity, the same tie-breaking noise (RandomState(42)), at most 200
 *                  iterations, 15 to converge; the number of clusters is its own (-1 for every
 *                  row when no exemplar emerges, as sklearn).
 * k = auto: k in 2..min(10, n-1) with the highest silhouette score (the smallest such k
 * on ties; 2 when the range is empty), as mloda. A fixed k larger than the row count is
 * an error (sklearn's too).
 *
 * Output: int64 labels in F. With output_probabilities=true, F plus F~0..F~(c-1):
 * kmeans and Ward give softmax(-distance to each centroid), dbscan a 0/1 membership with
 * max(clusters, 1) columns. Because one feature's columns share one declared type, the
 * labels are then float64 (whole numbers).
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "groups/colops.h"
#include "groups/family.h"
#include "groups/groups.h"
#include "groups/linalg.h"
#include "groups/ml.h"
#include "util/util.h"

typedef enum algo {
    A_KMEANS,
    A_HIERARCHICAL,
    A_AGGLOMERATIVE,
    A_DBSCAN,
    A_SPECTRAL,
    A_AFFINITY,
    A_COUNT
} algo;

static const char *const ALGOS[A_COUNT] = {"kmeans", "hierarchical", "agglomerative",
                                           "dbscan", "spectral",     "affinity"};

#define SEED 42u
#define K_MAX 1000000

/* Parameters in this order: index into mloda_family_values. */
enum { P_ALGO, P_K, P_PROBS, P_COUNT };

static const mloda_family_param CLU_PARAMS[P_COUNT] = {
    {.option = "algorithm", .what = "clustering algorithm", .kind = MLODA_FAMILY_TOKEN,
     .shared = true,
     .tokens = ALGOS, .n_tokens = A_COUNT, .n_usable = A_COUNT,
     .allowed = "kmeans, hierarchical, agglomerative, dbscan, spectral, affinity"},
    {.option = "k_value", .what = "k", .kind = MLODA_FAMILY_COUNT, .max = K_MAX,
     .allow_auto = true},
    {.option = "output_probabilities", .what = "output probabilities",
     .kind = MLODA_FAMILY_FLAG},
};
static const mloda_family_spec CLU = {.pattern = "cluster_{algorithm}_{k_value}",
                                      .example = "x&y__cluster_kmeans_3",
                                      .n_params = P_COUNT,
                                      .params = CLU_PARAMS,
                                      .inputs_hint = ""};

typedef struct clu_state {
    algo algo;
    int64_t k; /* 0 = auto */
    bool probs;
} clu_state;

static mloda_status clu_match(void *ud, const mloda_feature *f, bool *out_match,
                              void **out_parsed, mloda_error *why)
{
    (void)ud;
    return mloda_family_match(&CLU, f, out_match, out_parsed, why);
}

static mloda_status clu_inputs(void *ud, const mloda_feature *f, mloda_inputs *in,
                               mloda_error *err)
{
    (void)ud;
    return mloda_inputs_add_chain(in, f, 1, -1, err);
}

static mloda_status clu_bind(void *ud, mloda_bind *ctx, mloda_error *err)
{
    (void)ud;
    const mloda_feature *f = mloda_bind_feature(ctx);
    const mloda_family_values *v = mloda_family_of(f);
    clu_state parsed = {(algo)v->num[P_ALGO], v->num[P_K], v->num[P_PROBS] != 0};
    MLODA_TRY(mloda_la_bind_numeric_inputs(ctx, "clustering", err));
    enum { MAX_NAMED = 64 };
    char names[MAX_NAMED + 1][24];
    const char *suffixes[MAX_NAMED + 1];
    /* a fixed k (not dbscan's or affinity propagation's, whose clusters show at run time):
     * F and F~0..F~(k-1) */
    if (parsed.probs && parsed.k > 0 && parsed.k <= MAX_NAMED && parsed.algo != A_DBSCAN &&
        parsed.algo != A_AFFINITY) {
        suffixes[0] = "";
        for (int64_t q = 0; q < parsed.k; q++) {
            (void)snprintf(names[q], sizeof names[q], "%lld", (long long)q);
            suffixes[q + 1] = names[q];
        }
        MLODA_TRY(mloda_bind_output_columns(ctx, MLODA_TYPE_FLOAT64, 0, MLODA_TIME_SECOND,
                                            parsed.k + 1, suffixes, err));
    } else if (parsed.probs)
        MLODA_TRY(mloda_bind_output_multi(ctx, MLODA_TYPE_FLOAT64, 0, MLODA_TIME_SECOND, err));
    else
        MLODA_TRY(mloda_bind_output(ctx, MLODA_TYPE_INT64, 0, MLODA_TIME_SECOND, err));
    clu_state *s = mloda_malloc(sizeof *s);
    if (s == NULL)
        return MLODA_NOMEM(err, "clustering state");
    *s = parsed;
    return mloda_bind_set_state(ctx, s, mloda_free, err);
}

/* ---------------------------------------------------------------- helpers */

/* splitmix64: a small, well-mixed generator; the seed makes every run identical. */
static uint64_t rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double rng_uniform(uint64_t *state)
{
    return (double)(rng_next(state) >> 11) * (1.0 / 9007199254740992.0);
}

/* Squared distance between row r of m and a centre (p values). */
static double dist2_center(const la_matrix *m, int64_t r, const double *c)
{
    double d = 0.0;
    for (int64_t j = 0; j < m->p; j++) {
        double t = m->x[j * m->n + r] - c[j];
        d += t * t;
    }
    return d;
}

/* Renumbers labels by first appearance in row order (noise -1 stays); returns the number
 * of clusters. map has room for max_label + 1 entries. */
static int64_t canonical(int64_t *labels, int64_t n, int64_t *map, int64_t n_map)
{
    for (int64_t c = 0; c < n_map; c++)
        map[c] = -1;
    int64_t next = 0;
    for (int64_t r = 0; r < n; r++) {
        int64_t l = labels[r];
        if (l < 0)
            continue;
        if (map[l] < 0)
            map[l] = next++;
        labels[r] = map[l];
    }
    return next;
}

/* Cluster centroids (c x p) of labelled rows (noise skipped). */
static void centroids(const la_matrix *m, const int64_t *labels, int64_t c, double *cent,
                      int64_t *count)
{
    for (int64_t q = 0; q < c * m->p; q++)
        cent[q] = 0.0;
    for (int64_t q = 0; q < c; q++)
        count[q] = 0;
    for (int64_t r = 0; r < m->n; r++) {
        int64_t l = labels[r];
        if (l < 0)
            continue;
        count[l]++;
        for (int64_t j = 0; j < m->p; j++)
            cent[l * m->p + j] += m->x[j * m->n + r];
    }
    for (int64_t q = 0; q < c; q++) {
        for (int64_t j = 0; j < m->p; j++)
            cent[q * m->p + j] /= count[q] > 0 ? (double)count[q] : 1.0;
    }
}

/* ---------------------------------------------------------------- k-means */

typedef struct km_work {
    double *centers;  /* k x p */
    double *old;      /* k x p: the centres before an update */
    double *closest;  /* n: squared distance to the nearest chosen centre */
    double *cum;      /* n: running sums of closest */
    int64_t *labels;  /* n */
    int64_t *counts;  /* k */
    bool stop;        /* the run was cancelled or timed out: leave the loops */
} km_work;

/* sklearn's greedy k-means++: each new centre is the best of 2 + ln k candidates drawn in
 * proportion to the squared distance to the nearest centre so far. */
static void kmeans_pp(const la_matrix *m, int64_t k, uint64_t *rng, km_work *w)
{
    int64_t n = m->n, p = m->p;
    int64_t trials = 2 + (int64_t)log((double)k);
    int64_t first = (int64_t)(rng_uniform(rng) * (double)n);
    first = first < n ? first : n - 1;
    for (int64_t j = 0; j < p; j++)
        w->centers[j] = m->x[j * n + first];
    double pot = 0.0;
    for (int64_t r = 0; r < n; r++) {
        w->closest[r] = dist2_center(m, r, w->centers);
        pot += w->closest[r];
    }
    for (int64_t c = 1; c < k && !w->stop; c++) {
        w->stop = mloda_calc_is_cancelled(m->calc);
        double run = 0.0;
        for (int64_t r = 0; r < n; r++) {
            run += w->closest[r];
            w->cum[r] = run;
        }
        int64_t best = 0;
        double best_pot = INFINITY;
        for (int64_t t = 0; t < trials; t++) {
            double target = rng_uniform(rng) * pot;
            /* first r with cum[r] >= target (numpy searchsorted, side left) */
            int64_t lo = 0, hi = n - 1;
            while (lo < hi) {
                int64_t mid = lo + (hi - lo) / 2;
                if (w->cum[mid] >= target)
                    hi = mid;
                else
                    lo = mid + 1;
            }
            double cand_pot = 0.0;
            for (int64_t r = 0; r < n; r++) {
                double d = mloda_la_row_dist2(m, r, lo);
                cand_pot += d < w->closest[r] ? d : w->closest[r];
            }
            /* the first candidate is taken even when every potential is inf or NaN, so
             * best is always a row */
            if (t == 0 || cand_pot < best_pot) {
                best_pot = cand_pot;
                best = lo;
            }
        }
        for (int64_t j = 0; j < p; j++)
            w->centers[c * p + j] = m->x[j * n + best];
        pot = 0.0;
        for (int64_t r = 0; r < n; r++) {
            double d = mloda_la_row_dist2(m, r, best);
            w->closest[r] = d < w->closest[r] ? d : w->closest[r];
            pot += w->closest[r];
        }
    }
}

/* Assigns every row to its nearest centre (ties: the lower centre); returns the inertia
 * and whether any label changed. */
static double assign(const la_matrix *m, int64_t k, km_work *w, bool *changed)
{
    double inertia = 0.0;
    *changed = false;
    for (int64_t r = 0; r < m->n; r++) {
        int64_t best = 0;
        double bd = INFINITY;
        for (int64_t c = 0; c < k; c++) {
            double d = dist2_center(m, r, w->centers + c * m->p);
            if (d < bd) {
                bd = d;
                best = c;
            }
        }
        *changed |= w->labels[r] != best;
        w->labels[r] = best;
        w->closest[r] = bd;
        inertia += bd;
    }
    return inertia;
}

/*
 * Lloyd iterations from the seeded centres, as sklearn's: stop when no label changes, or
 * when the centres move less than tol (1e-4 times the mean column variance, which is 1
 * after standardising) in total squared distance, then assign once more so the labels
 * belong to the final centres. At most 300 iterations. Returns the inertia.
 */
static double lloyd(const la_matrix *m, int64_t k, km_work *w)
{
    const double tol = 1e-4;
    int64_t n = m->n, p = m->p;
    for (int64_t r = 0; r < n; r++)
        w->labels[r] = -1;
    bool changed = false;
    double inertia = assign(m, k, w, &changed);
    for (int it = 0; it < 300 && changed && !w->stop; it++) {
        w->stop = mloda_calc_is_cancelled(m->calc);
        memcpy(w->old, w->centers, (size_t)(k * p) * sizeof *w->old);
        centroids(m, w->labels, k, w->centers, w->counts);
        /* an empty cluster takes the point farthest from its own centre */
        for (int64_t c = 0; c < k; c++) {
            if (w->counts[c] > 0)
                continue;
            int64_t far = 0;
            for (int64_t r = 1; r < n; r++)
                far = w->closest[r] > w->closest[far] ? r : far;
            for (int64_t j = 0; j < p; j++)
                w->centers[c * p + j] = m->x[j * n + far];
            w->closest[far] = 0.0;
        }
        double shift = 0.0;
        for (int64_t q = 0; q < k * p; q++)
            shift += (w->centers[q] - w->old[q]) * (w->centers[q] - w->old[q]);
        inertia = assign(m, k, w, &changed);
        if (shift <= tol)
            break;
    }
    return inertia;
}

static mloda_status kmeans(const la_matrix *m, int64_t k, int64_t *labels, mloda_error *err)
{
    int64_t n = m->n;
    km_work w = {0};
    w.centers = mloda_malloc_n(k * m->p, sizeof *w.centers);
    w.old = mloda_malloc_n(k * m->p, sizeof *w.old);
    w.closest = mloda_malloc_n(n, sizeof *w.closest);
    w.cum = mloda_malloc_n(n, sizeof *w.cum);
    w.labels = mloda_malloc_n(n, sizeof *w.labels);
    w.counts = mloda_malloc_n(k, sizeof *w.counts);
    mloda_status st = MLODA_OK;
    if (w.centers == NULL || w.old == NULL || w.closest == NULL || w.cum == NULL ||
        w.labels == NULL || w.counts == NULL) {
        st = MLODA_NOMEM(err, "k-means work space");
    } else {
        uint64_t rng = SEED;
        double best = INFINITY;
        for (int init = 0; init < 10 && !w.stop; init++) {
            kmeans_pp(m, k, &rng, &w);
            double inertia = lloyd(m, k, &w);
            if (init == 0 || inertia < best) { /* a NaN inertia still leaves labels */
                best = inertia;
                memcpy(labels, w.labels, (size_t)n * sizeof *labels);
            }
        }
        if (w.stop)
            st = mloda_calc_check_stop(m->calc, err);
    }
    mloda_free(w.centers);
    mloda_free(w.old);
    mloda_free(w.closest);
    mloda_free(w.cum);
    mloda_free(w.labels);
    mloda_free(w.counts);
    return st;
}

/* ---------------------------------------------------------------- Ward */

typedef struct merge {
    int64_t a, b; /* cluster slots (a keeps the merged cluster) */
    double h;     /* Ward increase of the within-cluster sum of squares */
    int64_t seq;
} merge;

/* By height, NaN last (a consistent order even then: qsort needs one), then by sequence. */
static int cmp_merge(const void *x, const void *y)
{
    const merge *a = x, *b = y;
    bool na = isnan(a->h), nb = isnan(b->h);
    if (na != nb)
        return na ? 1 : -1;
    if (!na && a->h != b->h)
        return a->h < b->h ? -1 : 1;
    return (a->seq > b->seq) - (a->seq < b->seq);
}

static int64_t uf_find(int64_t *parent, int64_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

static double ward_dist(const double *cent, const int64_t *size, int64_t p, int64_t a,
                        int64_t b)
{
    double d = 0.0;
    for (int64_t j = 0; j < p; j++) {
        double t = cent[a * p + j] - cent[b * p + j];
        d += t * t;
    }
    return (double)size[a] * (double)size[b] / (double)(size[a] + size[b]) * d;
}

/*
 * Ward linkage by the nearest-neighbour chain (Ward is reducible, so the chain finds the
 * same merges as the greedy algorithm), merges sorted by height into merges[0..n-1).
 * Slots: a merge keeps the merged cluster in the lower slot a.
 */
static mloda_status ward_tree(const la_matrix *m, merge *merges, mloda_error *err)
{
    int64_t n = m->n, p = m->p;
    double *cent = mloda_malloc_n(n * p, sizeof *cent);
    int64_t *size = mloda_malloc_n(n, sizeof *size), *chain = mloda_malloc_n(n, sizeof *chain);
    bool *active = mloda_malloc_n(n, sizeof *active);
    mloda_status st = MLODA_OK;
    if (cent == NULL || size == NULL || chain == NULL || active == NULL) {
        st = MLODA_NOMEM(err, "Ward linkage work space");
        goto done;
    }
    for (int64_t r = 0; r < n; r++) {
        for (int64_t j = 0; j < p; j++)
            cent[r * p + j] = m->x[j * n + r];
        size[r] = 1;
        active[r] = true;
    }
    int64_t n_merges = 0, len = 0, steps = 0;
    while (n_merges < n - 1) {
        if (++steps % 64 == 0 && (st = mloda_calc_check_stop(m->calc, err)) != MLODA_OK)
            goto done; /* each step scans n slots: O(n^2) in all */
        if (len == 0) {
            int64_t first = 0;
            while (!active[first])
                first++;
            chain[len++] = first;
        }
        int64_t top = chain[len - 1], prev = len > 1 ? chain[len - 2] : -1;
        /* nearest active cluster; on a tie prefer the previous chain element, then the
         * lowest slot, so the chain cannot cycle */
        int64_t best = prev;
        double bd = prev >= 0 ? ward_dist(cent, size, p, top, prev) : INFINITY;
        for (int64_t c = 0; c < n; c++) {
            if (!active[c] || c == top || c == prev)
                continue;
            double d = ward_dist(cent, size, p, top, c);
            if (d < bd) {
                bd = d;
                best = c;
            }
        }
        if (best < 0) {
            /* a chain of one whose distances are all inf or NaN: no nearest neighbour was
             * found; take the first other active cluster so the chain stays on clusters */
            for (best = 0; best < n && (!active[best] || best == top); best++)
                ;
            bd = ward_dist(cent, size, p, top, best);
        }
        if (best != prev) {
            chain[len++] = best;
            continue;
        }
        /* top and prev are reciprocal nearest neighbours: merge into the lower slot */
        len -= 2;
        int64_t a = top < prev ? top : prev, b = top < prev ? prev : top;
        for (int64_t j = 0; j < p; j++)
            cent[a * p + j] = ((double)size[a] * cent[a * p + j] +
                               (double)size[b] * cent[b * p + j]) /
                              (double)(size[a] + size[b]);
        size[a] += size[b];
        active[b] = false;
        merges[n_merges] = (merge){a, b, bd, n_merges};
        n_merges++;
    }
    /* by height; equal heights keep the order found (a merge follows those it uses) */
    qsort(merges, (size_t)n_merges, sizeof *merges, cmp_merge);
done:
    mloda_free(cent);
    mloda_free(size);
    mloda_free(chain);
    mloda_free(active);
    return st;
}

/* k clusters from the tree: the first n - k merges applied (how sklearn cuts scipy's
 * tree); labels are slot ids (parent: n scratch entries). */
static void ward_cut(const merge *merges, int64_t n, int64_t k, int64_t *parent, int64_t *labels)
{
    for (int64_t r = 0; r < n; r++)
        parent[r] = r;
    for (int64_t q = 0; q < n - k; q++) {
        int64_t ra = uf_find(parent, merges[q].a), rb = uf_find(parent, merges[q].b);
        if (ra != rb)
            parent[rb] = ra;
    }
    for (int64_t r = 0; r < n; r++)
        labels[r] = uf_find(parent, r);
}

/* ---------------------------------------------------------------- DBSCAN */

/*
 * Neighbours within eps through a grid: each point's cell is floor(x / eps) in the first
 * d = min(p, 3) columns, and the points sorted by cell. Two points within eps (over all p
 * columns) are within eps in those d columns too, so they lie in the same or adjacent
 * cells: a query scans the 3^d cells around a point and keeps those within eps by the exact
 * test the brute force used (sqrt(dist2) <= eps), so the neighbour sets, and the labels,
 * are the same. O(n log n) for the sort plus, per query, the points of 3^d cells: near
 * O(n) for spread data, O(n^2) when every point is a neighbour of every other.
 */
enum { GRID_DIMS = 3 };

typedef struct grid {
    int64_t d;      /* dimensions of the cells */
    int64_t *cell;  /* [n * d] cell of each point */
    int64_t *order; /* [n] points sorted by cell */
} grid;

static int cmp_cells(const int64_t *a, const int64_t *b, int64_t d)
{
    for (int64_t j = 0; j < d; j++) {
        if (a[j] != b[j])
            return a[j] < b[j] ? -1 : 1;
    }
    return 0;
}

/* Heap sort of order[] by cell (no recursion, no allocation; ties in any order: queries
 * read whole cells). */
static void sift(grid *g, int64_t *o, int64_t root, int64_t len)
{
    for (;;) {
        int64_t c = 2 * root + 1;
        if (c >= len)
            return;
        if (c + 1 < len && cmp_cells(g->cell + o[c] * g->d, g->cell + o[c + 1] * g->d, g->d) < 0)
            c++;
        if (cmp_cells(g->cell + o[root] * g->d, g->cell + o[c] * g->d, g->d) >= 0)
            return;
        int64_t t = o[root];
        o[root] = o[c];
        o[c] = t;
        root = c;
    }
}

static mloda_status grid_build(const la_matrix *m, double eps, grid *g, mloda_error *err)
{
    int64_t n = m->n;
    g->d = m->p < GRID_DIMS ? m->p : GRID_DIMS;
    g->cell = mloda_malloc_n(n * (g->d > 0 ? g->d : 1), sizeof *g->cell);
    g->order = mloda_malloc_n(n, sizeof *g->order);
    if (g->cell == NULL || g->order == NULL)
        return MLODA_NOMEM(err, "DBSCAN grid");
    for (int64_t r = 0; r < n; r++) {
        g->order[r] = r;
        /* standardised values are finite and at most sqrt(n): the cells fit */
        for (int64_t j = 0; j < g->d; j++)
            g->cell[r * g->d + j] = (int64_t)floor(m->x[j * n + r] / eps);
    }
    for (int64_t r = n / 2 - 1; r >= 0; r--)
        sift(g, g->order, r, n);
    for (int64_t end = n - 1; end > 0; end--) {
        int64_t t = g->order[0];
        g->order[0] = g->order[end];
        g->order[end] = t;
        sift(g, g->order, 0, end);
    }
    return MLODA_OK;
}

static void grid_reset(grid *g)
{
    mloda_free(g->cell);
    mloda_free(g->order);
}

/* First position in order[] whose cell is >= key (upper: > key). */
static int64_t grid_bound(const grid *g, int64_t n, const int64_t *key, bool upper)
{
    int64_t lo = 0, hi = n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        int c = cmp_cells(g->cell + g->order[mid] * g->d, key, g->d);
        if (c < 0 || (upper && c == 0))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Calls visit(ctx, s) for every point s within eps of point r (r itself included). */
typedef void (*grid_visit)(void *ctx, int64_t s);

static void grid_neighbours(const la_matrix *m, const grid *g, double eps, int64_t r,
                            grid_visit visit, void *ctx)
{
    int64_t n = m->n, key[GRID_DIMS] = {0}, n_offsets = 1;
    for (int64_t j = 0; j < g->d; j++)
        n_offsets *= 3;
    for (int64_t o = 0; o < n_offsets; o++) {
        int64_t code = o;
        for (int64_t j = 0; j < g->d; j++, code /= 3)
            key[j] = g->cell[r * g->d + j] + code % 3 - 1;
        int64_t a = grid_bound(g, n, key, false), b = grid_bound(g, n, key, true);
        for (int64_t q = a; q < b; q++) {
            int64_t s = g->order[q];
            if (sqrt(mloda_la_row_dist2(m, r, s)) <= eps)
                visit(ctx, s);
        }
    }
}

typedef struct db_work {
    int64_t count;    /* neighbours counted */
    int64_t *labels;
    bool *queued;
    int64_t *stack;
    int64_t len;
} db_work;

static void count_one(void *ctx, int64_t s)
{
    (void)s;
    ((db_work *)ctx)->count++;
}

static void push_unlabelled(void *ctx, int64_t v)
{
    db_work *w = ctx;
    if (w->labels[v] == -1 && !w->queued[v]) {
        w->queued[v] = true;
        w->stack[w->len++] = v;
    }
}

static mloda_status dbscan(const la_matrix *m, double eps, int64_t *labels, mloda_error *err)
{
    enum { MIN_SAMPLES = 5 };
    int64_t n = m->n;
    bool *core = mloda_malloc_n(n, sizeof *core);
    int64_t *stack = mloda_malloc_n(n * 1 + 1, sizeof *stack);
    bool *queued = mloda_calloc((size_t)(n > 0 ? n : 1), sizeof *queued);
    grid g = {0};
    mloda_status st = core == NULL || stack == NULL || queued == NULL
                          ? MLODA_NOMEM(err, "DBSCAN work space")
                          : grid_build(m, eps, &g, err);
    db_work w = {0, labels, queued, stack, 0};
    for (int64_t r = 0; st == MLODA_OK && r < n; r++) {
        if (r % 256 == 0)
            st = mloda_calc_check_stop(m->calc, err);
        w.count = 0;
        grid_neighbours(m, &g, eps, r, count_one, &w);
        core[r] = w.count >= MIN_SAMPLES;
        labels[r] = -1;
    }
    /* sklearn's dbscan_inner; a point is pushed at most once (queued) so the stack fits.
     * Every point pushed is labelled before its cluster ends, so queued needs no reset. */
    int64_t label = 0;
    for (int64_t i0 = 0; st == MLODA_OK && i0 < n; i0++) {
        if (labels[i0] != -1 || !core[i0])
            continue;
        int64_t i = i0, done = 0;
        w.len = 0;
        for (;;) {
            if (labels[i] == -1) {
                labels[i] = label;
                if (core[i])
                    grid_neighbours(m, &g, eps, i, push_unlabelled, &w);
            }
            if (++done % 256 == 0 && (st = mloda_calc_check_stop(m->calc, err)) != MLODA_OK)
                break;
            if (w.len == 0)
                break;
            i = stack[--w.len];
        }
        label++;
    }
    grid_reset(&g);
    mloda_free(core);
    mloda_free(stack);
    mloda_free(queued);
    return st;
}

/* ---------------------------------------------------------------- silhouette, auto k */

/*
 * sklearn's silhouette_score (Euclidean) of n_lab labelings at once (labels[t * n + r],
 * canonical, c[t] clusters): the mean over rows of (b - a) / max(a, b), 0 for a row alone
 * in its cluster. One pass over the row pairs computes each distance once for all.
 */
static mloda_status silhouettes(const la_matrix *m, const int64_t *labels, const int64_t *c,
                                int64_t n_lab, double *out, mloda_error *err)
{
    int64_t n = m->n, width = 0;
    for (int64_t t = 0; t < n_lab; t++)
        width += c[t];
    double *sum = mloda_malloc_n(width, sizeof *sum);
    int64_t *cnt = mloda_malloc_n(width, sizeof *cnt), *base = mloda_malloc_n(n_lab, sizeof *base);
    if (sum == NULL || cnt == NULL || base == NULL) {
        mloda_free(sum);
        mloda_free(cnt);
        mloda_free(base);
        return MLODA_NOMEM(err, "silhouette work space");
    }
    for (int64_t t = 0, at = 0; t < n_lab; at += c[t], t++) {
        base[t] = at;
        out[t] = 0.0;
    }
    for (int64_t q = 0; q < width; q++)
        cnt[q] = 0;
    for (int64_t t = 0; t < n_lab; t++) {
        for (int64_t r = 0; r < n; r++)
            cnt[base[t] + labels[t * n + r]]++;
    }
    mloda_status rc = MLODA_OK;
    for (int64_t r = 0; r < n; r++) {
        if (r % 16 == 0 && (rc = mloda_calc_check_stop(m->calc, err)) != MLODA_OK)
            break; /* a row is n distances: O(n^2) in all */
        for (int64_t q = 0; q < width; q++)
            sum[q] = 0.0;
        for (int64_t s2 = 0; s2 < n; s2++) {
            double d = sqrt(mloda_la_row_dist2(m, r, s2));
            for (int64_t t = 0; t < n_lab; t++)
                sum[base[t] + labels[t * n + s2]] += d;
        }
        for (int64_t t = 0; t < n_lab; t++) {
            const double *st = sum + base[t];
            const int64_t *ct = cnt + base[t];
            int64_t own = labels[t * n + r];
            if (ct[own] <= 1)
                continue;
            double a = st[own] / (double)(ct[own] - 1), b = INFINITY;
            for (int64_t q = 0; q < c[t]; q++) {
                if (q != own && ct[q] > 0) {
                    double mean = st[q] / (double)ct[q];
                    b = mean < b ? mean : b;
                }
            }
            double den = a > b ? a : b;
            out[t] += den > 0.0 ? (b - a) / den : 0.0;
        }
    }
    for (int64_t t = 0; t < n_lab; t++)
        out[t] /= (double)n;
    mloda_free(sum);
    mloda_free(cnt);
    mloda_free(base);
    return rc;
}

/*
 * k = auto (mloda's search): the k in 2..min(10, n-1) whose labels have the highest
 * silhouette (the smallest k on ties); labelings with one cluster or one row per cluster
 * are skipped; 2 when nothing qualifies. Ward builds its tree once and cuts it per k.
 */
static mloda_status auto_k(const la_matrix *m, algo a, const mloda_spectral *spec,
                           int64_t *out_k, mloda_error *err)
{
    int64_t n = m->n, hi = n - 1 < 10 ? n - 1 : 10;
    *out_k = 2;
    if (hi < 2)
        return MLODA_OK;
    int64_t n_lab = hi - 1;
    int64_t *labels = mloda_malloc_n(n_lab * n, sizeof *labels);
    int64_t *c = mloda_malloc_n(n_lab, sizeof *c);
    int64_t *map = mloda_malloc_n(n, sizeof *map), *ks = mloda_malloc_n(n_lab, sizeof *ks);
    double *score = mloda_malloc_n(n_lab, sizeof *score);
    bool ward = a == A_HIERARCHICAL || a == A_AGGLOMERATIVE;
    merge *merges = !ward ? NULL : mloda_malloc_n(n, sizeof *merges);
    mloda_status st = MLODA_OK;
    if (labels == NULL || c == NULL || map == NULL || ks == NULL || score == NULL ||
        (ward && merges == NULL)) {
        st = MLODA_NOMEM(err, "the search for k");
        goto done;
    }
    if (ward)
        MLODA_TRY_GOTO(st, ward_tree(m, merges, err), done);
    int64_t kept = 0;
    for (int64_t k = 2; k <= hi; k++) {
        int64_t *lab = labels + kept * n;
        if (a == A_KMEANS)
            MLODA_TRY_GOTO(st, kmeans(m, k, lab, err), done);
        else if (a == A_SPECTRAL) /* the eigenvectors once, a discretisation per k */
            MLODA_TRY_GOTO(st, mloda_ml_spectral_labels(spec, k, m->calc, lab, err), done);
        else
            ward_cut(merges, n, k, map, lab);
        int64_t u = canonical(lab, n, map, n);
        if (u <= 1 || u >= n)
            continue;
        c[kept] = u;
        ks[kept++] = k;
    }
    MLODA_TRY_GOTO(st, silhouettes(m, labels, c, kept, score, err), done);
    double best = -1.0;
    for (int64_t t = 0; t < kept; t++) {
        if (score[t] > best) {
            best = score[t];
            *out_k = ks[t];
        }
    }
done:
    mloda_free(labels);
    mloda_free(c);
    mloda_free(map);
    mloda_free(ks);
    mloda_free(score);
    mloda_free(merges);
    return st;
}

static mloda_status labels_for_k(const la_matrix *m, algo a, const mloda_spectral *spec,
                                 int64_t k, int64_t *labels, mloda_error *err)
{
    if (a == A_KMEANS)
        return kmeans(m, k, labels, err);
    if (a == A_SPECTRAL)
        return mloda_ml_spectral_labels(spec, k, m->calc, labels, err);
    merge *merges = mloda_malloc_n(m->n, sizeof *merges);
    int64_t *parent = mloda_malloc_n(m->n, sizeof *parent);
    mloda_status st = merges == NULL || parent == NULL ? MLODA_NOMEM(err, "Ward linkage")
                                                       : ward_tree(m, merges, err);
    if (st == MLODA_OK)
        ward_cut(merges, m->n, k, parent, labels);
    mloda_free(merges);
    mloda_free(parent);
    return st;
}

/* ---------------------------------------------------------------- calculate */

static mloda_status emit(mloda_calc *calc, int64_t i, const clu_state *s, const la_matrix *m,
                         const int64_t *labels, int64_t c, mloda_error *err)
{
    int64_t n = m->n;
    mloda_column *col = NULL;
    if (!s->probs) {
        MLODA_TRY(mloda_column_from_int64(n, labels, NULL, &col, err));
        return mloda_calc_set_output(calc, i, col, err);
    }
    bool member = s->algo == A_DBSCAN || s->algo == A_AFFINITY;
    int64_t width = member ? (c > 1 ? c : 1) : c, cells = 0;
    /* before allocating: k = n clusters would be n columns of n rows */
    if (__builtin_mul_overflow(width + 1, n, &cells))
        cells = INT64_MAX;
    MLODA_TRY(mloda_calc_check_limit(calc, i, MLODA_LIMIT_OUTPUT_CELLS, cells, err));
    double *buf = mloda_malloc_n(n, sizeof *buf);
    double *cent = mloda_malloc_n(width * m->p, sizeof *cent);
    int64_t *count = mloda_malloc_n(width, sizeof *count);
    double *dist = mloda_malloc_n(n * width, sizeof *dist);
    mloda_status st = MLODA_OK;
    if (buf == NULL || cent == NULL || count == NULL || dist == NULL) {
        st = MLODA_NOMEM(err, "cluster probabilities");
        goto done;
    }
    for (int64_t r = 0; r < n; r++)
        buf[r] = (double)labels[r];
    MLODA_TRY_GOTO(st, mloda_column_from_float64(n, buf, NULL, &col, err), done);
    MLODA_TRY_GOTO(st, mloda_calc_add_output(calc, i, NULL, col, err), done);
    if (member) {
        /* 0/1 membership; affinity propagation without exemplars labels every row -1,
         * which mloda's probabilities[i, -1] = 1 puts in the last column */
        for (int64_t r = 0; r < n; r++) {
            for (int64_t q = 0; q < width; q++)
                dist[r * width + q] =
                    labels[r] == q || (s->algo == A_AFFINITY && labels[r] < 0 && q == width - 1)
                        ? 1.0
                        : 0.0;
        }
    } else {
        /* softmax of minus the Euclidean distance to each centroid, as mloda */
        centroids(m, labels, c, cent, count);
        for (int64_t r = 0; r < n; r++) {
            double *row = dist + r * width, top = -INFINITY, tot = 0.0;
            for (int64_t q = 0; q < width; q++) {
                row[q] = -sqrt(dist2_center(m, r, cent + q * m->p));
                top = row[q] > top ? row[q] : top;
            }
            for (int64_t q = 0; q < width; q++) {
                row[q] = exp(row[q] - top);
                tot += row[q];
            }
            for (int64_t q = 0; q < width; q++)
                row[q] /= tot;
        }
    }
    for (int64_t q = 0; q < width; q++) {
        for (int64_t r = 0; r < n; r++)
            buf[r] = dist[r * width + q];
        char suffix[24];
        (void)snprintf(suffix, sizeof suffix, "%lld", (long long)q);
        col = NULL;
        MLODA_TRY_GOTO(st, mloda_column_from_float64(n, buf, NULL, &col, err), done);
        MLODA_TRY_GOTO(st, mloda_calc_add_output(calc, i, suffix, col, err), done);
    }
done:
    mloda_free(buf);
    mloda_free(cent);
    mloda_free(count);
    mloda_free(dist);
    return st;
}

static mloda_status run_feature(mloda_calc *calc, int64_t i, mloda_error *err)
{
    const clu_state *s = mloda_calc_state(calc, i);
    const char *name = mloda_feature_name(mloda_calc_feature(calc, i));
    la_matrix m;
    MLODA_TRY(mloda_la_gather(calc, i, &m, err));
    mloda_la_impute_standardise(&m);
    int64_t n = m.n, k = s->k;
    int64_t *labels = mloda_malloc_n(n, sizeof *labels);
    int64_t *map = mloda_malloc_n(n + 1, sizeof *map);
    mloda_status st = MLODA_OK;
    int64_t c = 0;
    mloda_spectral spec = {0};
    if (labels == NULL || map == NULL) {
        st = MLODA_NOMEM(err, "cluster labels");
        goto done;
    }
    if (s->algo == A_AFFINITY) {
        /* mloda: k only sets the damping, 0.5 + 0.3 / k in [0.5, 0.99]; auto: 0.5 */
        double damping = k == 0 ? 0.5 : fmin(0.99, fmax(0.5, 0.5 + 0.3 * (1.0 / (double)k)));
        st = mloda_ml_affinity(&m, name, damping, labels, err);
        c = st == MLODA_OK ? canonical(labels, n, map, n + 1) : 0;
        if (st == MLODA_OK)
            st = emit(calc, i, s, &m, labels, c, err);
        goto done;
    }
    if (s->algo == A_DBSCAN) {
        st = dbscan(&m, k == 0 ? 0.5 : 1.0 / (double)k, labels, err);
        c = st == MLODA_OK ? canonical(labels, n, map, n + 1) : 0;
        if (st == MLODA_OK)
            st = emit(calc, i, s, &m, labels, c, err);
        goto done;
    }
    if (s->algo == A_SPECTRAL && n > 0 && (k == 0 || k <= n))
        MLODA_TRY_GOTO(st, mloda_ml_spectral_fit(&m, name, &spec, err), done);
    if (k == 0)
        MLODA_TRY_GOTO(st, auto_k(&m, s->algo, &spec, &k, err), done);
    if (n > 0 && k > n) {
        st = mloda_error_set(err, MLODA_ERR_COMPUTE, name,
                             "feature '%s': %lld clusters need at least %lld rows; the batch "
                             "has %lld",
                             name, (long long)k, (long long)k, (long long)n);
        goto done;
    }
    if (n > 0)
        st = labels_for_k(&m, s->algo, &spec, k, labels, err);
    if (st == MLODA_OK) {
        (void)canonical(labels, n, map, n + 1);
        st = emit(calc, i, s, &m, labels, k, err);
    }
done:
    mloda_ml_spectral_reset(&spec);
    mloda_free(labels);
    mloda_free(map);
    mloda_la_matrix_reset(&m);
    return st;
}

static mloda_status clu_calculate(void *ud, mloda_calc *calc, mloda_error *err)
{
    (void)ud;
    return mloda_each_feature(calc, run_feature, err);
}

const mloda_feature_group mloda_group_clustering = {
    .struct_size = sizeof(mloda_feature_group),
    .abi_version = MLODA_FEATURE_GROUP_ABI,
    .name = "ClusteringFeatureGroup",
    .description =
        "Cluster label per row over the standardised inputs (missing values -> column mean). "
        "kmeans: k-means++ from a fixed seed (splitmix64, 42), 10 seedings, Lloyd; Ward "
        "agglomerative (hierarchical = agglomerative); dbscan: eps 1/k (auto 0.5), min_samples "
        "5, noise -1; k=auto picks 2..10 by silhouette. Labels are numbered by first "
        "appearance in row order, so they can differ from sklearn's arbitrary numbering (and "
        "k-means partitions can differ where sklearn's RNG finds another local optimum). "
        "spectral: sklearn's SpectralClustering(assign_labels=discretize, random_state=42) "
        "(RBF affinity gamma 1); affinity: AffinityPropagation(random_state=42), damping "
        "0.5 + 0.3/k clamped to [0.5, 0.99] (auto 0.5), its own number of clusters. Both draw "
        "numpy RandomState(42)'s numbers where sklearn does, so their partitions equal "
        "sklearn's up to the numbering (tested on random data). output_probabilities adds "
        "F~0..F~(k-1) (affinity: 0/1 membership of its clusters) "
        "and then stores the labels as float64. Cost (n rows, p inputs): kmeans O(n k p) per "
        "Lloyd iteration (10 seedings, at most 300 iterations); Ward O(n^2 p) time, O(n p) "
        "memory; spectral O(n^2 p) for the affinity and O(n^3) for its dense eigen-"
        "decomposition, n^2 memory (k=auto decomposes once); affinity O(n^2) per iteration "
        "(at most 200), 4 n^2 memory; both refuse batches needing over 4 GiB; k=auto adds a "
        "silhouette pass over every pair of rows, O(n^2 p); dbscan "
        "finds neighbours through a grid of eps-sized cells, near O(n log n) on spread "
        "data, O(n^2) when most rows are each other's neighbours. O(n^2) means minutes for "
        "10^5 rows: long runs stop at the batch timeout (--batch-timeout).",
    .version = "1",
    .patterns = "{in}__cluster_{algorithm}_{k}\n{in1}&{in2}__cluster_{algorithm}_{k}",
    .options_doc = "algorithm: kmeans|hierarchical|agglomerative|dbscan|spectral|affinity\n"
                   "k_value: a positive integer or auto\n"
                   "output_probabilities: true|false (default false)\n"
                   "in_features: the input feature(s) (option form)",
    .example = "x&y__cluster_kmeans_3",
    .match = clu_match,
    .inputs = clu_inputs,
    .bind = clu_bind,
    .calculate = clu_calculate,
    .parsed_free = mloda_family_parsed_free,
};
