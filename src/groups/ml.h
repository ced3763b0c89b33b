/*
 * ml.h: the scikit-learn algorithms behind the clustering and dimensionality-reduction
 * families that need more than k-means, Ward, DBSCAN and PCA (SPEC.md §6.10, §6.11):
 * spectral clustering and affinity propagation (ml_cluster.c), LDA, Isomap, FastICA and
 * t-SNE (ml_reduce.c). Each works on an already standardised la_matrix (column-major) and
 * follows scikit-learn 1.2's definitions with mloda's parameters; where sklearn draws from
 * numpy's RandomState(42), these draw the same numbers (np_random.h).
 *
 * Every function checks m->calc for cancellation and the batch timeout in its long loops
 * (MLODA_ERR_CANCELLED), allocates through mloda_malloc (MLODA_ERR_NOMEM) and refuses
 * batches whose n x n work matrices would pass MLODA_ML_QUAD_BYTES (MLODA_ERR_RANGE naming
 * the feature), before allocating them.
 */
#ifndef MLODA_GROUPS_ML_H
#define MLODA_GROUPS_ML_H

#include "groups/linalg.h"

/** The largest n x n work space (bytes) one of these algorithms may allocate: 4 GiB. */
#define MLODA_ML_QUAD_BYTES ((int64_t)4 << 30)

/** MLODA_ERR_RANGE naming `feature` when n_matrices n x n double matrices would pass
 *  MLODA_ML_QUAD_BYTES ("spectral clustering keeps 1 n x n matrix: ..."). */
mloda_status mloda_ml_check_quadratic(const char *feature, const char *what, int64_t n,
                                      int64_t n_matrices, mloda_error *err);

/* ---------------------------------------------------------------- spectral clustering */

/** The spectral embedding's eigenvectors, computed once for every k (auto k tries several). */
typedef struct mloda_spectral {
    int64_t n;
    double *vec; /* owned: n x n, column n-1-t is the eigenvector of the t-th largest
                    eigenvalue of D^-1/2 A D^-1/2 (A: the RBF affinity without its diagonal) */
    double *dd;  /* owned: n, sqrt of each row's degree (1 for an isolated row) */
} mloda_spectral;

/** Affinity exp(-|x_i - x_j|^2) (gamma 1), its normalised Laplacian and the full eigen-
 *  decomposition. O(n^2 p) + O(n^3) time, n^2 doubles. */
mloda_status mloda_ml_spectral_fit(const la_matrix *m, const char *feature, mloda_spectral *out,
                                   mloda_error *err);
/** sklearn's SpectralClustering(n_clusters=k, assign_labels="discretize", random_state=42)
 *  labels (unnumbered: 0..k-1 as discretize leaves them) from the fit. k <= n. */
mloda_status mloda_ml_spectral_labels(const mloda_spectral *s, int64_t k,
                                      const mloda_calc *calc, int64_t *labels, mloda_error *err);
void mloda_ml_spectral_reset(mloda_spectral *s);

/* ---------------------------------------------------------------- affinity propagation */

/** sklearn's AffinityPropagation(damping, random_state=42) on negative squared Euclidean
 *  similarities, preference = their median; labels sorted by exemplar row (-1 everywhere
 *  when no exemplar emerged). O(n^2) per iteration, at most 200; 4 n x n matrices. */
mloda_status mloda_ml_affinity(const la_matrix *m, const char *feature, double damping,
                               int64_t *labels, mloda_error *err);

/* ---------------------------------------------------------------- dimensionality reduction */

/** LinearDiscriminantAnalysis(solver="svd", n_components=d).fit_transform(X, y): cls[r] is
 *  the class index of row r (0..n_cls-1; -1: no class, the row is transformed but not
 *  fitted). out: n x d column-major. Errors (MLODA_ERR_COMPUTE naming feature): fewer than
 *  2 classes, d > min(n_cls - 1, p). O(n p^2). */
mloda_status mloda_ml_lda(const la_matrix *m, const char *feature, const int64_t *cls,
                          int64_t n_cls, int64_t d, double *out, mloda_error *err);

/** Isomap(n_neighbors=k, n_components=d).fit_transform: k-nearest-neighbour graph (ties by
 *  row order), components joined by their closest pair as sklearn does, Dijkstra from every
 *  row, kernel PCA of -0.5 * geodesic^2. Signs as KernelPCA (largest |value| positive).
 *  out: n x d column-major. O(n^2 (p + log n)) + O(n^3); 2 n x n matrices. */
mloda_status mloda_ml_isomap(const la_matrix *m, const char *feature, int64_t k, int64_t d,
                             double *out, mloda_error *err);

/** FastICA(n_components=d, whiten="unit-variance", fun="logcosh", algorithm="parallel",
 *  max_iter, tol, random_state=42).fit_transform. out: n x d column-major. O(n p d) per
 *  iteration. */
mloda_status mloda_ml_fastica(const la_matrix *m, const char *feature, int64_t d, int max_iter,
                              double tol, double *out, mloda_error *err);

typedef struct mloda_tsne_opts {
    int64_t d;                       /* output dimensions */
    int max_iter;                    /* mloda: 250 */
    int n_iter_without_progress;     /* mloda: 50 */
    bool exact;                      /* exact P (all pairs) vs sklearn's 3*perplexity+1 nearest */
} mloda_tsne_opts;

/** TSNE(n_components=d, perplexity=min(30, n // 3), init="pca", learning_rate="auto",
 *  early_exaggeration 12, random_state=42) as mloda calls it: joint probabilities P, PCA
 *  start scaled to std 1e-4, 250 exaggerated iterations (momentum 0.5), then the rest up
 *  to max_iter (momentum 0.8), gains and the gradient as sklearn. The gradient is exact
 *  (O(n^2 d) per iteration); P is sparse for the Barnes-Hut method. out: n x d. */
mloda_status mloda_ml_tsne(const la_matrix *m, const char *feature, const mloda_tsne_opts *o,
                           double *out, mloda_error *err);

/** KL(P || Q) of an embedding y (n x d column-major) for standardised data m, with the P
 *  mloda_ml_tsne uses (exact or nearest-neighbour): the objective t-SNE minimises, for
 *  tests that compare embeddings. NaN on allocation failure. */
double mloda_ml_tsne_kl(const la_matrix *m, bool exact, const double *y, int64_t d);

#endif /* MLODA_GROUPS_ML_H */
