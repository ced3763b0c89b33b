/*
 * test_clustering.c: `{a&b}__cluster_{algorithm}_{k}` (SPEC.md §6.10, §10.15).
 *
 * Ward: exact partitions of 25 points for k = 2..6 against a naive greedy Ward in Python
 * (centroid form, standardised inputs), k = auto against its silhouette scores, and a
 * hand-checked 1-D case. k-means: properties (well-separated blobs are separated, labels
 * canonical by first appearance, auto finds 3 blobs, probabilities are a softmax whose
 * argmax is the label). DBSCAN: SPEC's six spread points are all noise; two dense groups
 * and an outlier. Nulls, chains, option form, errors, determinism, allocation failures.
 * No conformance case covers this family.
 */
#include <float.h>

#include "groups/linalg.h"
#include "support.h"

static mloda_registry *reg;

/* 25 points (Python's LCG, 2 decimals). */
static const double WX[25] = {6.55, 3.05, 6.75, 1.07, 5.17, 4.9,  6.02, 3.7, 2.57,
                              3.74, 8.26, 1.73, 2.98, 6.44, 7.9,  9.88, 8.01, 4.64,
                              5.39, 6.25, 2.5,  7.04, 7.16, 9.8,  3.29};
static const double WY[25] = {4.45, 7.08, 7.4,  1.73, 0.16, 7.83, 0.41, 5.97, 2.46,
                              5.56, 5.15, 3.97, 1.83, 6.46, 7.17, 3.05, 9.71, 8.35,
                              3.9,  7.05, 1.26, 6.08, 5.49, 7.0,  9.04};
static const int64_t WARD[5][25] = {
    /* k = 2 */ {0, 0, 0, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0},
    /* k = 3 */ {0, 1, 0, 2, 2, 1, 2, 1, 2, 1, 0, 2, 2, 0, 0, 0, 0, 1, 0, 0, 2, 0, 0, 0, 1},
    /* k = 4 */ {0, 1, 0, 2, 3, 1, 3, 1, 2, 1, 0, 2, 2, 0, 0, 0, 0, 1, 0, 0, 2, 0, 0, 0, 1},
    /* k = 5 */ {0, 1, 0, 2, 3, 1, 3, 1, 2, 1, 0, 2, 2, 0, 0, 0, 4, 1, 0, 0, 2, 0, 0, 4, 1},
    /* k = 6 */ {0, 1, 0, 2, 3, 1, 3, 1, 2, 1, 0, 2, 2, 0, 0, 4, 5, 1, 0, 0, 2, 0, 0, 5, 1},
};

/* Columns x (null where x_valid[i] == 0; NULL: no nulls) and, unless NULL, y. */
static mloda_api_data *xy_api_valid(const double *x, const uint8_t *x_valid, const double *y,
                                    int64_t n)
{
    mloda_api_data *api = mloda_api_data_new();
    const char *names[2] = {"x", "y"};
    mloda_column *cols[2] = {col_f64_valid(x, x_valid, n), y != NULL ? col_f64(y, n) : NULL};
    api_add(api, "T", y != NULL ? 2 : 1, names, cols);
    return api;
}

static mloda_api_data *xy_api(const double *x, const double *y, int64_t n)
{
    return xy_api_valid(x, NULL, y, n);
}

/* Runs feature (options o, may be NULL); copies column col (default feature) as doubles. */
static mloda_status run_col(mloda_api_data *api, const char *feature, const mloda_options *o,
                            const char *col, double *out, int64_t n, mloda_type *type,
                            mloda_error *err)
{
    mloda_request *req = mloda_request_new();
    (void)mloda_request_add(req, feature, o, NULL);
    mloda_results *res = NULL;
    mloda_status st = mloda_run_all(reg, req, api, &res, err);
    if (st == MLODA_OK) {
        const mloda_column *c = result_column(res, col != NULL ? col : feature);
        CHECK_MSG(c != NULL, "no column %s", col != NULL ? col : feature);
        CHECK(c == NULL || mloda_column_n_rows(c) == n);
        if (type != NULL && c != NULL)
            *type = mloda_column_type(c);
        for (int64_t r = 0; c != NULL && r < n; r++)
            out[r] = num_at(c, r);
    }
    mloda_results_free(res);
    mloda_request_free(req);
    return st;
}

static void check_labels(const double *got, const int64_t *want, int64_t n)
{
    for (int64_t r = 0; r < n; r++)
        CHECK_MSG(got[r] == (double)want[r], "row %lld: %g, want %lld", (long long)r, got[r],
                  (long long)want[r]);
}

/* ---------------------------------------------------------------- Ward */

static void test_ward_exact(void)
{
    mloda_api_data *api = xy_api(WX, WY, 25);
    static const char *const algos[2] = {"hierarchical", "agglomerative"};
    static const char *const seps[2] = {"&", ","};
    for (int a = 0; a < 2; a++) {
        for (int k = 2; k <= 6; k++) {
            TEST_CASE("%s k=%d", algos[a], k);
            char name[64];
            snprintf(name, sizeof name, "x%sy__cluster_%s_%d", seps[a], algos[a], k);
            double got[25];
            mloda_type t = MLODA_TYPE_INVALID;
            mloda_error err = MLODA_ERROR_INIT;
            CHECK_OK(run_col(api, name, NULL, NULL, got, 25, &t, &err), err);
            CHECK_EQ_INT(t, MLODA_TYPE_INT64);
            check_labels(got, WARD[k - 2], 25);
        }
    }
    /* auto: silhouettes 0.458 (k=2), 0.425, 0.448, 0.422, 0.425, 0.411, 0.416, 0.409, 0.397 */
    TEST_CASE("hierarchical auto");
    double got[25];
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(run_col(api, "x&y__cluster_hierarchical_auto", NULL, NULL, got, 25, NULL, &err),
             err);
    check_labels(got, WARD[0], 25);
    mloda_api_data_free(api);

    /* hand-checked 1-D: {0,1} and {5,6} merge first, then both, 20 last */
    const double x[5] = {0, 1, 5, 6, 20};
    static const int64_t want[2][5] = {{0, 0, 0, 0, 1}, {0, 0, 1, 1, 2}};
    api = xy_api(x, NULL, 5);
    for (int k = 2; k <= 3; k++) {
        TEST_CASE("1-D k=%d", k);
        char name[64];
        snprintf(name, sizeof name, "x__cluster_hierarchical_%d", k);
        CHECK_OK(run_col(api, name, NULL, NULL, got, 5, NULL, &err), err);
        check_labels(got, want[k - 2], 5);
    }
    /* k = n: every row its own cluster; k = 1: one cluster */
    const int64_t each[5] = {0, 1, 2, 3, 4}, one[5] = {0, 0, 0, 0, 0};
    CHECK_OK(run_col(api, "x__cluster_hierarchical_5", NULL, NULL, got, 5, NULL, &err), err);
    check_labels(got, each, 5);
    CHECK_OK(run_col(api, "x__cluster_kmeans_1", NULL, NULL, got, 5, NULL, &err), err);
    check_labels(got, one, 5);
    mloda_api_data_free(api);
}

/* ---------------------------------------------------------------- k-means */

/* Three blobs around (0,0), (10,0), (5,9), rows interleaved: blob of row r is r % 3. */
static void blobs(double *x, double *y, int64_t n)
{
    static const double cx[3] = {0, 10, 5}, cy[3] = {0, 0, 9};
    for (int64_t r = 0; r < n; r++) {
        double jx = (double)((r * 37) % 11) / 10.0 - 0.5, jy = (double)((r * 53) % 7) / 6.0 - 0.5;
        x[r] = cx[r % 3] + jx;
        y[r] = cy[r % 3] + jy;
    }
}

static void test_kmeans_blobs(void)
{
    double x[30], y[30], got[30];
    blobs(x, y, 30);
    mloda_api_data *api = xy_api(x, y, 30);
    int64_t want[30];
    for (int r = 0; r < 30; r++)
        want[r] = r % 3; /* canonical: row 0 -> 0, row 1 -> 1, row 2 -> 2 */
    static const char *const names[] = {"x&y__cluster_kmeans_3", "x&y__cluster_kmeans_auto",
                                        "x&y__cluster_hierarchical_3", "x,y__cluster_kmeans_3"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        TEST_CASE("%s", names[k]);
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(run_col(api, names[k], NULL, NULL, got, 30, NULL, &err), err);
        check_labels(got, want, 30);
    }
    /* probabilities: labels as float64 in F, softmax(-distance) in F~0..F~2 */
    mloda_options *o = mloda_options_new();
    (void)mloda_options_set_bool(o, MLODA_CONTEXT, "output_probabilities", true, NULL);
    for (int a = 0; a < 2; a++) {
        const char *f = a == 0 ? "x&y__cluster_kmeans_3" : "x&y__cluster_hierarchical_3";
        TEST_CASE("%s probabilities", f);
        double p[3][30];
        mloda_type t = MLODA_TYPE_INVALID;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(run_col(api, f, o, NULL, got, 30, &t, &err), err);
        CHECK_EQ_INT(t, MLODA_TYPE_FLOAT64);
        check_labels(got, want, 30);
        for (int q = 0; q < 3; q++) {
            char col[64];
            snprintf(col, sizeof col, "%s~%d", f, q);
            CHECK_OK(run_col(api, f, o, col, p[q], 30, NULL, &err), err);
        }
        /* exact values: softmax(-distance) to the blob centroids (Python, standardised) */
        static const double exact[4][4] = {
            {0, 0.8483808804618618, 0.07720917775659246, 0.07440994178154567},
            {1, 0.07956476597458717, 0.8387810833334635, 0.08165415069194941},
            {2, 0.08368683937705222, 0.08994322023992965, 0.8263699403830181},
            {7, 0.08008316346173343, 0.8461792843215464, 0.07373755221672021},
        };
        for (int e = 0; e < 4; e++) {
            int r = (int)exact[e][0];
            for (int q = 0; q < 3; q++)
                CHECK_CLOSE(p[q][r], exact[e][q + 1]);
        }
        for (int r = 0; r < 30; r++) {
            CHECK_CLOSE(p[0][r] + p[1][r] + p[2][r], 1.0);
            /* the own cluster is the likeliest by far (blobs ~2.4 std apart: p > 0.75) */
            CHECK(p[r % 3][r] > 0.75);
            CHECK(p[r % 3][r] > 4.0 * p[(r + 1) % 3][r] && p[r % 3][r] > 4.0 * p[(r + 2) % 3][r]);
        }
    }
    mloda_options_free(o);
    mloda_api_data_free(api);
}

/* Labels are numbered by first appearance in row order, for any data. */
static void test_canonical_labels(void)
{
    mloda_api_data *api = xy_api(WX, WY, 25);
    static const char *const names[] = {"x&y__cluster_kmeans_4", "x&y__cluster_kmeans_7",
                                        "x&y__cluster_hierarchical_6", "x&y__cluster_dbscan_2"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        TEST_CASE("%s", names[k]);
        double got[25];
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(run_col(api, names[k], NULL, NULL, got, 25, NULL, &err), err);
        double next = 0.0;
        for (int r = 0; r < 25; r++) {
            CHECK(got[r] <= next);
            if (got[r] == next)
                next += 1.0;
        }
    }
    mloda_api_data_free(api);
}

/* ---------------------------------------------------------------- DBSCAN */

static void test_dbscan(void)
{
    double got[13];
    mloda_error err = MLODA_ERROR_INIT;
    /* SPEC §6.10: six spread points are all noise (observed in mloda) */
    const double six[6] = {1, 2, 3, 4, 5, 6};
    const int64_t noise[6] = {-1, -1, -1, -1, -1, -1};
    mloda_api_data *api = xy_api(six, NULL, 6);
    CHECK_OK(run_col(api, "x__cluster_dbscan_auto", NULL, NULL, got, 6, NULL, &err), err);
    check_labels(got, noise, 6);
    CHECK_OK(run_col(api, "x__cluster_dbscan_1", NULL, NULL, got, 6, NULL, &err), err);
    check_labels(got, noise, 6);
    mloda_api_data_free(api);
    /* two dense groups of six and an outlier between them (std ~4.6) */
    const double x[13] = {5, 0, 0.1, 10, 0.2, 0.3, 10.1, 10.2, 0.4, 10.3, 10.4, 0.5, 10.5};
    const int64_t want[13] = {-1, 0, 0, 1, 0, 0, 1, 1, 0, 1, 1, 0, 1};
    api = xy_api(x, NULL, 13);
    CHECK_OK(run_col(api, "x__cluster_dbscan_auto", NULL, NULL, got, 13, NULL, &err), err);
    check_labels(got, want, 13);
    /* probabilities: 0/1 membership, one column per cluster, noise all 0 */
    mloda_options *o = mloda_options_new();
    (void)mloda_options_set_bool(o, MLODA_CONTEXT, "output_probabilities", true, NULL);
    double p1[13];
    CHECK_OK(run_col(api, "x__cluster_dbscan_auto", o, "x__cluster_dbscan_auto~1", p1, 13, NULL,
                     &err),
             err);
    for (int r = 0; r < 13; r++)
        CHECK(p1[r] == (want[r] == 1 ? 1.0 : 0.0));
    mloda_options_free(o);
    mloda_api_data_free(api);
}

/*
 * DBSCAN finds neighbours through a grid since issue 16 (it compared every pair): the labels
 * must be those of the brute-force DBSCAN (sklearn's dbscan_inner over all pairs, what the
 * family computed before), here written out again over the same standardised matrix, on
 * clumpy data in 1, 2, 3 and 5 dimensions (5 > the grid's 3) for several eps.
 */
static void brute_dbscan(const la_matrix *m, double eps, int64_t *labels)
{
    int64_t n = m->n;
    bool *core = calloc((size_t)n + 1, sizeof *core), *queued = calloc((size_t)n + 1, 1);
    int64_t *stack = malloc(((size_t)n + 1) * sizeof *stack);
    for (int64_t r = 0; r < n; r++) {
        int64_t cnt = 0;
        for (int64_t q = 0; q < n; q++)
            cnt += sqrt(mloda_la_row_dist2(m, r, q)) <= eps;
        core[r] = cnt >= 5;
        labels[r] = -1;
    }
    int64_t label = 0;
    for (int64_t i0 = 0; i0 < n; i0++) {
        if (labels[i0] != -1 || !core[i0])
            continue;
        memset(queued, 0, (size_t)n);
        int64_t len = 0, i = i0;
        for (;;) {
            if (labels[i] == -1) {
                labels[i] = label;
                for (int64_t v = 0; core[i] && v < n; v++) {
                    if (labels[v] == -1 && !queued[v] && sqrt(mloda_la_row_dist2(m, i, v)) <= eps) {
                        queued[v] = true;
                        stack[len++] = v;
                    }
                }
            }
            if (len == 0)
                break;
            i = stack[--len];
        }
        label++;
    }
    /* numbered by first appearance, as the family does */
    int64_t *map = malloc(((size_t)label + 1) * sizeof *map), next = 0;
    for (int64_t c = 0; c < label; c++)
        map[c] = -1;
    for (int64_t r = 0; r < n; r++) {
        if (labels[r] >= 0) {
            if (map[labels[r]] < 0)
                map[labels[r]] = next++;
            labels[r] = map[labels[r]];
        }
    }
    free(map);
    free(core);
    free(queued);
    free(stack);
}

static void test_dbscan_grid(void)
{
    enum { N_ROWS = 400, P_MAX = 5 };
    static const char *const names[P_MAX] = {"a", "b", "c", "d", "e"};
    static const int dims[] = {1, 2, 3, 5};
    static const char *const ks[] = {"auto", "1", "2", "3", "5", "10"};
    uint64_t seed = 7;
    int with_noise = 0, with_clusters = 0; /* the data exercises both */
    for (size_t di = 0; di < sizeof dims / sizeof dims[0]; di++) {
        int p = dims[di];
        double cols[P_MAX][N_ROWS];
        for (int r = 0; r < N_ROWS; r++) {
            for (int j = 0; j < p; j++) { /* a few blobs, rounded to a coarse lattice */
                seed = seed * 6364136223846793005u + 1442695040888963407u;
                double u = (double)(seed >> 11) / 9007199254740992.0;
                cols[j][r] = (double)((r % 4) * 3 + (int)(u * 40) / 10);
            }
        }
        mloda_api_data *api = mloda_api_data_new();
        mloda_column *cs[P_MAX];
        for (int j = 0; j < p; j++)
            cs[j] = col_f64(cols[j], N_ROWS);
        api_add(api, "T", p, names, cs);
        /* the same standardised matrix the family clusters */
        double x[P_MAX * N_ROWS];
        for (int j = 0; j < p; j++)
            memcpy(x + j * N_ROWS, cols[j], sizeof cols[j]);
        la_matrix m = {N_ROWS, p, x, NULL};
        mloda_la_impute_standardise(&m);
        for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++) {
            char feature[64] = "";
            for (int j = 0; j < p; j++) {
                strcat(feature, names[j]);
                strcat(feature, j + 1 < p ? "&" : "");
            }
            strcat(feature, "__cluster_dbscan_");
            strcat(feature, ks[ki]);
            TEST_CASE("%s", feature);
            double eps = ki == 0 ? 0.5 : 1.0 / atof(ks[ki]);
            int64_t want[N_ROWS];
            brute_dbscan(&m, eps, want);
            int64_t top = -1;
            for (int r = 0; r < N_ROWS; r++) {
                with_noise += want[r] < 0;
                top = want[r] > top ? want[r] : top;
            }
            with_clusters += top >= 1;
            double got[N_ROWS];
            mloda_error err = MLODA_ERROR_INIT;
            CHECK_OK(run_col(api, feature, NULL, NULL, got, N_ROWS, NULL, &err), err);
            check_labels(got, want, N_ROWS);
        }
        mloda_api_data_free(api);
    }
    CHECK(with_noise > 0 && with_clusters > 0);
}

/* ---------------------------------------------------------------- preprocessing, forms */

/* Nulls become the column mean before scaling: same labels as the mean written in. */
static void test_nulls_chains_options(void)
{
    double x[30], y[30], filled[30], a[30], b[30];
    uint8_t x_valid[30];
    blobs(x, y, 30);
    memcpy(filled, x, sizeof x);
    memset(x_valid, 1, sizeof x_valid);
    x[4] = NULL_SLOT; /* row 4 is null */
    x_valid[4] = 0;
    x[9] = NAN;
    double mean = 0.0;
    for (int r = 0; r < 30; r++)
        mean += (r == 4 || r == 9) ? 0.0 : x[r];
    mean /= 28.0;
    filled[4] = filled[9] = mean;
    mloda_error err = MLODA_ERROR_INIT;
    mloda_api_data *api = xy_api_valid(x, x_valid, y, 30);
    mloda_api_data *api2 = xy_api(filled, y, 30);
    static const char *const names[] = {"x&y__cluster_kmeans_3", "x&y__cluster_hierarchical_4",
                                        "x&y__cluster_kmeans_auto"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        TEST_CASE("%s", names[k]);
        CHECK_OK(run_col(api, names[k], NULL, NULL, a, 30, NULL, &err), err);
        CHECK_OK(run_col(api2, names[k], NULL, NULL, b, 30, NULL, &err), err);
        CHECK(memcmp(a, b, sizeof a) == 0);
    }
    /* chains use the last "__" (SPEC §10.15: mloda fails on this name) */
    TEST_CASE("chain");
    CHECK_OK(run_col(api, "x__mean_imputed__cluster_kmeans_2", NULL, NULL, a, 30, NULL, &err),
             err);
    CHECK_OK(run_col(api2, "x__cluster_kmeans_2", NULL, NULL, b, 30, NULL, &err), err);
    CHECK(memcmp(a, b, sizeof a) == 0);
    /* option form: k_value as int and as "auto" */
    static const struct {
        const char *algo;
        int64_t k; /* 0: "auto" */
        const char *same_as;
    } forms[] = {
        {"kmeans", 3, "x&y__cluster_kmeans_3"},
        {"hierarchical", 0, "x&y__cluster_hierarchical_auto"},
        {"dbscan", 2, "x&y__cluster_dbscan_2"},
    };
    for (size_t k = 0; k < sizeof forms / sizeof forms[0]; k++) {
        TEST_CASE("option form %s", forms[k].same_as);
        mloda_options *o = mloda_options_new();
        const char *in[2] = {"x", "y"};
        (void)mloda_options_set_string(o, MLODA_CONTEXT, "algorithm", forms[k].algo, NULL);
        if (forms[k].k == 0)
            (void)mloda_options_set_string(o, MLODA_CONTEXT, "k_value", "auto", NULL);
        else
            (void)mloda_options_set_int(o, MLODA_CONTEXT, "k_value", forms[k].k, NULL);
        (void)mloda_options_set_string_list(o, MLODA_CONTEXT, "in_features", 2, in, NULL);
        CHECK_OK(run_col(api, "groups", o, NULL, a, 30, NULL, &err), err);
        CHECK_OK(run_col(api, forms[k].same_as, NULL, NULL, b, 30, NULL, &err), err);
        CHECK(memcmp(a, b, sizeof a) == 0);
        mloda_options_free(o);
    }
    mloda_api_data_free(api);
    mloda_api_data_free(api2);

    /* zero rows, one row; ints and bools are numbers */
    api = xy_api(x, y, 0);
    CHECK_OK(run_col(api, "x__cluster_kmeans_2", NULL, NULL, a, 0, NULL, &err), err);
    CHECK_OK(run_col(api, "x__cluster_dbscan_auto", NULL, NULL, a, 0, NULL, &err), err);
    mloda_api_data_free(api);
    const double one[1] = {7};
    api = xy_api(one, NULL, 1);
    CHECK_OK(run_col(api, "x__cluster_hierarchical_1", NULL, NULL, a, 1, NULL, &err), err);
    CHECK(a[0] == 0.0);
    CHECK_OK(run_col(api, "x__cluster_dbscan_auto", NULL, NULL, a, 1, NULL, &err), err);
    CHECK(a[0] == -1.0);
    /* auto with fewer than 3 rows falls back to k = 2 (mloda), too many for one row */
    CHECK_EQ_INT(run_col(api, "x__cluster_kmeans_auto", NULL, NULL, a, 1, NULL, &err),
                 MLODA_ERR_COMPUTE);
    CHECK_CONTAINS(err.message, "2 clusters need at least 2 rows");
    mloda_api_data_free(api);
    const double two[2] = {3, 9};
    const int64_t apart[2] = {0, 1};
    api = xy_api(two, NULL, 2);
    mloda_error_reset(&err);
    CHECK_OK(run_col(api, "x__cluster_kmeans_auto", NULL, NULL, a, 2, NULL, &err), err);
    check_labels(a, apart, 2);
    CHECK_OK(run_col(api, "x__cluster_hierarchical_auto", NULL, NULL, a, 2, NULL, &err), err);
    check_labels(a, apart, 2);
    mloda_api_data_free(api);
    const int64_t iv[6] = {1, 2, 100, 101, 1, 102};
    const int64_t want[6] = {0, 0, 1, 1, 0, 1};
    api = mloda_api_data_new();
    const char *nm[1] = {"i"};
    mloda_column *cols[1] = {col_i64(iv, NULL, 6)};
    api_add(api, "T", 1, nm, cols);
    CHECK_OK(run_col(api, "i__cluster_kmeans_2", NULL, NULL, a, 6, NULL, &err), err);
    check_labels(a, want, 6);
    mloda_api_data_free(api);
}

static void test_errors(void)
{
    double x[4] = {1, 2, 3, 4};
    const char *s[4] = {"a", "b", "c", "d"};
    mloda_api_data *api = mloda_api_data_new();
    const char *names[2] = {"x", "s"};
    mloda_column *cols[2] = {col_f64(x, 4), col_str(s, 4)};
    api_add(api, "T", 2, names, cols);
    static const struct {
        const char *name, *key, *value;
        mloda_status st;
        const char *msg;
    } cases[] = {
        {"x__cluster_spectral_5", NULL, NULL, MLODA_ERR_COMPUTE,
         "5 clusters need at least 5 rows; the batch has 4"},
        {"x__cluster_affinity_0", NULL, NULL, MLODA_ERR_RESOLVE,
         "k '0' in 'x__cluster_affinity_0'"},
        {"x__cluster_kmedoids_2", NULL, NULL, MLODA_ERR_RESOLVE,
         "unknown clustering algorithm 'kmedoids'"},
        {"x__cluster_kmeans_0", NULL, NULL, MLODA_ERR_RESOLVE, "k '0' in 'x__cluster_kmeans_0' must be an integer from 1 to 1000000 or auto"},
        {"x__cluster_kmeans_two", NULL, NULL, MLODA_ERR_RESOLVE, "k 'two'"},
        {"x__cluster_k_means_2", NULL, NULL, MLODA_ERR_RESOLVE,
         "unknown clustering algorithm 'k' in 'x__cluster_k_means_2'"},
        {"x__cluster_kmeans_2", "algorithm", "dbscan", MLODA_ERR_OPTION,
         "names clustering algorithm 'kmeans' but option 'algorithm' says 'dbscan'"},
        {"x__cluster_kmeans_2", "k_value", "3", MLODA_ERR_OPTION, "names k '2' but option 'k_value' says '3'"},
        {"x__cluster_kmeans_2", "output_probabilities", "yes", MLODA_ERR_RESOLVE,
         "output_probabilities"},
        {"c", "algorithm", "kmeans", MLODA_ERR_RESOLVE, "sets algorithm but lacks option(s) k_value"},
        {"x__cluster_kmeans_5", NULL, NULL, MLODA_ERR_COMPUTE,
         "5 clusters need at least 5 rows; the batch has 4"},
        {"s__cluster_kmeans_2", NULL, NULL, MLODA_ERR_TYPE, "input 's' is utf8"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s %s", cases[k].name, cases[k].key ? cases[k].key : "");
        mloda_options *o = mloda_options_new();
        if (cases[k].key != NULL)
            (void)mloda_options_set_string(o, MLODA_CONTEXT, cases[k].key, cases[k].value, NULL);
        double got[4];
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_EQ_INT(run_col(api, cases[k].name, o, NULL, got, 4, NULL, &err), cases[k].st);
        CHECK_CONTAINS(err.message, cases[k].msg);
        CHECK_CONTAINS(err.message, cases[k].name);
        mloda_options_free(o);
    }
    mloda_api_data_free(api);
}

/*
 * Issue 16, finding 1: values whose squares overflow (|x| >= ~1.3e154), or that are
 * subnormal, crashed k-means (an index of -1 from kmeans_pp) and corrupted the heap (Ward's
 * chain pushed -1). Standardising is scale-invariant, so the labels must be those of the
 * same numbers at an ordinary scale; the first cases are worked out by hand:
 *   [1,2,3,-1] k=2: SSE {-1}|{1,2,3} = 2 < {-1,1}|{2,3} = 2.5  -> [0,0,0,1]
 *   [1,-1,1,0] Ward: 1,1 merge (0), then -1,0 (1/2) before {1,1}+0 (2/3) -> [0,1,0,1]
 *   [1,-1,0,1] k=2: {-1,0}|{1,1} = 0.5 < {-1}|{0,1,1} = 2/3         -> [0,1,1,0]
 *   [0.01,0.1,-10,null->-3.3] (units of 1e159): {-10} alone           -> [0,0,1,0]
 */
static void test_extreme_values(void)
{
    static const struct {
        const char *feature;
        double x[4];
        uint8_t valid[4];
        int64_t want[4];
    } cases[] = {
        {"x__cluster_kmeans_2", {1e300, 2e300, 3e300, -1e300}, {1, 1, 1, 1}, {0, 0, 0, 1}},
        {"x__cluster_agglomerative_2", {1e300, -1e300, 1e300, 0.0}, {1, 1, 1, 1}, {0, 1, 0, 1}},
        {"x__cluster_hierarchical_2", {1e300, -1e300, 1e300, 0.0}, {1, 1, 1, 1}, {0, 1, 0, 1}},
        {"x__cluster_agglomerative_2", {DBL_MAX, -DBL_MAX, DBL_MAX, 0.0}, {1, 1, 1, 1},
         {0, 1, 0, 1}},
        {"x__cluster_kmeans_2", {5e-324, -5e-324, 0.0, 5e-324}, {1, 1, 1, 1}, {0, 1, 1, 0}},
        {"x__cluster_kmeans_2", {1e157, 1e158, -1e160, NULL_SLOT}, {1, 1, 1, 0}, {0, 0, 1, 0}},
        {"x__cluster_agglomerative_2", {1e157, 1e158, -1e160, NULL_SLOT}, {1, 1, 1, 0},
         {0, 0, 1, 0}},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s on %g %g %g %g", cases[k].feature, cases[k].x[0], cases[k].x[1],
                  cases[k].x[2], cases[k].x[3]);
        mloda_api_data *api = xy_api_valid(cases[k].x, cases[k].valid, NULL, 4);
        double got[4];
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(run_col(api, cases[k].feature, NULL, NULL, got, 4, NULL, &err), err);
        check_labels(got, cases[k].want, 4);
        mloda_api_data_free(api);
    }

    /* every algorithm, k fixed and auto: the labels of x * 2^1000 and x * 2^-1060 (and of x
     * with huge and null y) equal those of x */
    static const char *const feats[] = {
        "x&y__cluster_kmeans_3",        "x&y__cluster_kmeans_auto",
        "x&y__cluster_agglomerative_3", "x&y__cluster_hierarchical_auto",
        "x&y__cluster_dbscan_2",        "x&y__cluster_dbscan_auto",
    };
    double xs[25], ys[25], big_x[25], big_y[25], tiny_x[25], tiny_y[25];
    for (int r = 0; r < 25; r++) {
        xs[r] = WX[r];
        ys[r] = WY[r];
        big_x[r] = ldexp(WX[r], 1000);
        big_y[r] = ldexp(WY[r], 1000);
        tiny_x[r] = ldexp(WX[r], -1060);
        tiny_y[r] = ldexp(WY[r], -1060);
    }
    mloda_api_data *plain = xy_api(xs, ys, 25), *big = xy_api(big_x, big_y, 25),
                   *tiny = xy_api(tiny_x, tiny_y, 25);
    for (size_t f = 0; f < sizeof feats / sizeof feats[0]; f++) {
        TEST_CASE("%s scaled by 2^1000 and 2^-1060", feats[f]);
        double want[25], got_big[25], got_tiny[25];
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(run_col(plain, feats[f], NULL, NULL, want, 25, NULL, &err), err);
        CHECK_OK(run_col(big, feats[f], NULL, NULL, got_big, 25, NULL, &err), err);
        CHECK_OK(run_col(tiny, feats[f], NULL, NULL, got_tiny, 25, NULL, &err), err);
        for (int r = 0; r < 25; r++) {
            CHECK_MSG(got_big[r] == want[r], "row %d: %g, want %g", r, got_big[r], want[r]);
            /* 2^-1060 makes the values subnormal (about 17 significant bits), still enough
             * to keep WX's two decimals apart */
            CHECK_MSG(got_tiny[r] == want[r], "row %d: %g, want %g (tiny)", r, got_tiny[r],
                      want[r]);
        }
    }
    mloda_api_data_free(plain);
    mloda_api_data_free(big);
    mloda_api_data_free(tiny);

    /* an infinite input (C API, CSV "inf") is refused, naming feature, input and row */
    const double inf_x[4] = {1.0, 2.0, INFINITY, 4.0};
    mloda_api_data *api = xy_api(inf_x, NULL, 4);
    static const char *const inf_feats[] = {"x__cluster_kmeans_2", "x__cluster_hierarchical_2",
                                            "x__cluster_dbscan_auto", "x__cluster_kmeans_auto"};
    for (size_t f = 0; f < sizeof inf_feats / sizeof inf_feats[0]; f++) {
        TEST_CASE("%s on inf", inf_feats[f]);
        double got[4];
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_EQ_INT(run_col(api, inf_feats[f], NULL, NULL, got, 4, NULL, &err),
                     MLODA_ERR_COMPUTE);
        CHECK_STR(err.subject, inf_feats[f]);
        CHECK_CONTAINS(err.message, "input 'x' is inf in row 2");
        CHECK_EQ_INT(err.position, 2);
    }
    mloda_api_data_free(api);
}

/* Identical labels with 1 and 8 threads and across runs. */
static void test_deterministic(void)
{
    mloda_api_data *api = xy_api(WX, WY, 25);
    const char *feats[3] = {"x&y__cluster_kmeans_5", "x&y__cluster_kmeans_auto",
                            "x&y__cluster_hierarchical_auto"};
    double first[3][25];
    for (int threads = 1; threads <= 8; threads += 7) {
        for (int rep = 0; rep < 2; rep++) {
            mloda_request *req = request_of(feats, 3);
            (void)mloda_request_set_threads(req, threads, NULL);
            (void)mloda_request_set_inline_rows(req, 0, NULL);
            mloda_results *res = NULL;
            mloda_error err = MLODA_ERROR_INIT;
            CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
            for (int f = 0; res != NULL && f < 3; f++) {
                for (int r = 0; r < 25; r++) {
                    double v = num_at(result_column(res, feats[f]), r);
                    if (threads == 1 && rep == 0)
                        first[f][r] = v;
                    else
                        CHECK(v == first[f][r]);
                }
            }
            mloda_results_free(res);
            mloda_request_free(req);
        }
    }
    mloda_api_data_free(api);
}

static void test_alloc_failures(void)
{
    mloda_api_data *api = xy_api(WX, WY, 25);
    const char *feats[3] = {"x&y__cluster_kmeans_auto", "x&y__cluster_hierarchical_3",
                            "x&y__cluster_dbscan_auto"};
    mloda_request *req = request_of(feats, 3);
    mloda_options *o = mloda_options_new();
    (void)mloda_options_set_bool(o, MLODA_CONTEXT, "output_probabilities", true, NULL);
    (void)mloda_request_add(req, "x&y__cluster_kmeans_2", o, NULL);
    mloda_options_free(o);
    (void)mloda_request_set_threads(req, 1, NULL);
    const long n = walk_run_all_allocations(reg, req, api);
    CHECK_MSG(n >= 20, "%ld allocations walked", n);
    mloda_request_free(req);
    mloda_api_data_free(api);
}

int main(void)
{
    reg = mloda_registry_default();
    RUN(test_ward_exact);
    RUN(test_kmeans_blobs);
    RUN(test_canonical_labels);
    RUN(test_dbscan);
    RUN(test_dbscan_grid);
    RUN(test_nulls_chains_options);
    RUN(test_errors);
    RUN(test_extreme_values);
    RUN(test_deterministic);
    RUN(test_alloc_failures);
    mloda_registry_free(reg);
    return TEST_SUMMARY();
}
