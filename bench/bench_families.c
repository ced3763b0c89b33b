/*
 * bench_families.c: one representative feature per built-in family on 1,000,000 rows,
 * each through a prepared session (mloda_prepare once, mloda_session_run per run), against
 * a hand-written C loop over the same data producing the same output (the memory floor),
 * measured in the same run. Figures are medians of repeated runs; the first floor output
 * is compared with the engine's result, so a floor cannot cheat by computing less. Floor
 * outputs are allocated as the engine allocates column buffers (2 MiB aligned, huge pages
 * advised), so both pay the same page faults for fresh output memory.
 *
 * Families and what the floor does:
 *   aggregation      v__mean_aggr: one summing pass, then the broadcast column;
 *   imputation       vn__mean_imputed (10% nulls): mean of the valid values, then a
 *                    pass writing value-or-mean;
 *   time window      v__sum_7_day_window over one row per minute (sorted): a two-pointer
 *                    running sum (the engine replays pandas' Kahan add/remove);
 *   scaling          v__standard_scaled: mean and variance passes, then the output pass;
 *   encoding         cat__label_encoded, 8 distinct short strings: each row's string packed
 *                    into one word (length and up to 7 bytes) and found by a linear scan of
 *                    the distinct values seen, then ranks by sorted order;
 *   text cleaning    txt__cleaned_text [normalize] on short ASCII strings: ASCII
 *                    lowercase into a new utf8 column (all this data needs);
 *   geo distance     p1&p2__haversine_distance (points as 2-element lists);
 *   sklearn pipeline x__sklearn_pipeline_scaling: as standard scaling;
 *   dim. reduction   x,y,z__pca_2d: standardise, 3x3 covariance, its eigenvectors, the two
 *                    score columns with sklearn's sign rule;
 *   node centrality  source__degree_centrality over 1M edges among 1,000 integer nodes:
 *                    a dense adjacency bitmap (node values are known to be 0..999, an
 *                    optimistic floor: the engine hashes the values and sorts the edges);
 *   forecasting      v__linear_forecast_3second over one row per second (11.6 days): the
 *                    20 design columns in one pass into shifted sums and a Gram matrix,
 *                    scaled, solved by a 20 x 20 Jacobi eigen-decomposition with a rank cut
 *                    (fine for this data; it squares the condition number). The engine
 *                    generates the rows three times (statistics, the scaled columns' means
 *                    that LinearRegression centres on, then a Householder QR of the
 *                    non-constant columns), about 4x the floating-point work of a Gram.
 * Left out: clustering (k-means runs 10 seedings of Lloyd iterations, Ward and DBSCAN are
 * O(n^2): no single-pass floor exists).
 *
 * Prints a table and one machine-readable line per figure for bench/run:
 *   RESULT<TAB>name<TAB>value<TAB>unit<TAB>baseline<TAB>baseline value
 * Usage: bench_families [--quick] [--only NAME]
 */
#define _DEFAULT_SOURCE 1 /* madvise (MADV_HUGEPAGE) is a Linux extension */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "bench_util.h"
#include "mloda/mloda.h"

enum { N_ROWS = 1000000, N_CATS = 8, N_NODES = 1000 };

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void die(const char *what, const mloda_error *err)
{
    fprintf(stderr, "%s failed: %s (%s)\n", what, err->message, err->subject);
    exit(1);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n > 0 ? n : 1);
    if (p == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    return p;
}

/* Output buffers of the floors: allocated as the engine allocates column buffers (2 MiB
 * aligned, transparent huge pages advised), so both pay the same page faults for fresh
 * output memory and the comparison is about the computation. */
static void *out_alloc(size_t n)
{
    const size_t huge = (size_t)2 << 20;
    void *p = NULL;
    size_t padded = (n + 63) & ~(size_t)63;
    if (posix_memalign(&p, padded >= huge ? huge : 64, padded) != 0) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
#ifdef MADV_HUGEPAGE
    if (padded >= huge)
        (void)madvise(p, padded & ~(huge - 1), MADV_HUGEPAGE);
#endif
    return p;
}

/* One machine-readable line per figure, collected by bench/run into REPORT.md. */
static void result_line(const char *name, double value, const char *unit, const char *baseline,
                        double base_value)
{
    printf("RESULT\t%s\t%.6g\t%s\t%s\t%.6g\n", name, value, unit, baseline, base_value);
}

/* ---------------------------------------------------------------- data */

static const char *const CATS[N_CATS] = {"red",  "green", "blue",   "cyan",
                                         "gray", "black", "yellow", "white"};
static const char *const WORDS[8] = {"Hello", "World", "Data",  "Engine",
                                     "Fast",  "MLODA", "Rows",  "Text"};

/* Everything the families read, as plain arrays; columns are built from these. */
typedef struct bench_data {
    int64_t n;
    double *v, *vn, *x, *y, *z, *p1, *p2, *sec_v;
    uint8_t *vn_valid; /* one byte per row */
    int64_t *minutes, *seconds, *src, *dst;
    char **cat, **txt;
} bench_data;

static uint64_t rng_state = 42;
static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}
static double unif(void)
{
    return (double)(rnd() >> 11) * (1.0 / 9007199254740992.0);
}

static void data_init(bench_data *d, int64_t n)
{
    size_t z = (size_t)n;
    d->n = n;
    d->v = xmalloc(z * sizeof(double));
    d->vn = xmalloc(z * sizeof(double));
    d->vn_valid = xmalloc(z);
    d->x = xmalloc(z * sizeof(double));
    d->y = xmalloc(z * sizeof(double));
    d->z = xmalloc(z * sizeof(double));
    d->p1 = xmalloc(2 * z * sizeof(double));
    d->p2 = xmalloc(2 * z * sizeof(double));
    d->sec_v = xmalloc(z * sizeof(double));
    d->minutes = xmalloc(z * sizeof(int64_t));
    d->seconds = xmalloc(z * sizeof(int64_t));
    d->src = xmalloc(z * sizeof(int64_t));
    d->dst = xmalloc(z * sizeof(int64_t));
    d->cat = xmalloc(z * sizeof(char *));
    d->txt = xmalloc(z * sizeof(char *));
    const int64_t t0 = 1704067200; /* 2024-01-01T00:00:00 */
    for (int64_t i = 0; i < n; i++) {
        d->v[i] = (double)((i * 7919) % 1000) * 0.25 - 50.0;
        d->vn_valid[i] = rnd() % 10 != 0;
        d->vn[i] = d->vn_valid[i] ? d->v[i] : 0.0;
        double a = unif(), b = unif();
        d->x[i] = a * 10.0;
        d->y[i] = 2.0 * d->x[i] + b;
        d->z[i] = (double)(i % 2) + 0.1 * unif();
        d->p1[2 * i] = -80.0 + 160.0 * unif();
        d->p1[2 * i + 1] = -180.0 + 360.0 * unif();
        d->p2[2 * i] = -80.0 + 160.0 * unif();
        d->p2[2 * i + 1] = -180.0 + 360.0 * unif();
        d->minutes[i] = (t0 + 60 * i) * 1000000;
        d->seconds[i] = (t0 + i) * 1000000;
        d->sec_v[i] = 100.0 + 0.001 * (double)i + 5.0 * sin((double)i / 3600.0) + unif();
        d->src[i] = (int64_t)(rnd() % N_NODES);
        d->dst[i] = (int64_t)((d->src[i] + 1 + (int64_t)(rnd() % (N_NODES - 1))) % N_NODES);
        d->cat[i] = (char *)CATS[rnd() % N_CATS];
        char buf[64];
        int len = snprintf(buf, sizeof buf, "%s %s %d", WORDS[rnd() % 8], WORDS[rnd() % 8],
                           (int)(rnd() % 1000));
        d->txt[i] = xmalloc((size_t)len + 1);
        memcpy(d->txt[i], buf, (size_t)len + 1);
    }
}

static void data_free(bench_data *d)
{
    for (int64_t i = 0; i < d->n; i++)
        free(d->txt[i]);
    free(d->v);
    free(d->vn);
    free(d->vn_valid);
    free(d->x);
    free(d->y);
    free(d->z);
    free(d->p1);
    free(d->p2);
    free(d->sec_v);
    free(d->minutes);
    free(d->seconds);
    free(d->src);
    free(d->dst);
    free(d->cat);
    free(d->txt);
}

/* ---------------------------------------------------------------- columns and batches */

static mloda_column *f64_col(const double *v, const uint8_t *valid, int64_t n)
{
    mloda_column *c = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    if (mloda_column_from_float64(n, v, valid, &c, &err) != MLODA_OK)
        die("float64 column", &err);
    return c;
}

static mloda_column *ts_col(const int64_t *t, int64_t n)
{
    mloda_column *c = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    if (mloda_column_from_timestamp(MLODA_TIME_MICRO, n, t, NULL, &c, &err) != MLODA_OK)
        die("timestamp column", &err);
    return c;
}

static mloda_column *i64_col(const int64_t *v, int64_t n)
{
    mloda_column *c = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    if (mloda_column_from_int64(n, v, NULL, &c, &err) != MLODA_OK)
        die("int64 column", &err);
    return c;
}

static mloda_column *str_col(char *const *s, int64_t n)
{
    mloda_column *c = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    if (mloda_column_from_utf8(n, (const char *const *)s, &c, &err) != MLODA_OK)
        die("utf8 column", &err);
    return c;
}

static mloda_column *list_col(const double *v, int64_t n)
{
    mloda_column *c = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    if (mloda_column_from_float64_list(2, n, v, NULL, &c, &err) != MLODA_OK)
        die("list column", &err);
    return c;
}

/* api_data with one table T of the given columns (references consumed). */
static mloda_api_data *batch_of(int k, const char *const *names, mloda_column **cols)
{
    mloda_error err = MLODA_ERROR_INIT;
    mloda_api_data *api = mloda_api_data_new();
    if (mloda_api_data_add_columns(api, "T", k, names, (const mloda_column *const *)cols,
                                   &err) != MLODA_OK)
        die("api data", &err);
    for (int i = 0; i < k; i++)
        mloda_column_release(cols[i]);
    return api;
}

/* ---------------------------------------------------------------- floor outputs */

/* What a floor produced: up to two float64 columns, an int64 column, or a utf8 column. */
typedef struct outbuf {
    double *f64[2];
    int64_t *i64;
    int32_t *offs;
    char *bytes;
    int64_t n; /* rows */
} outbuf;

static void outbuf_free(outbuf *o)
{
    free(o->f64[0]);
    free(o->f64[1]);
    free(o->i64);
    free(o->offs);
    free(o->bytes);
    memset(o, 0, sizeof *o);
}

/* The largest relative difference between a float64 result column and a floor array. */
static double max_rel_diff(const mloda_column *c, const double *want, int64_t n)
{
    if (c == NULL || mloda_column_n_rows(c) != n)
        return INFINITY;
    const double *got = mloda_column_float64(c);
    double worst = 0.0;
    for (int64_t i = 0; i < n; i++) {
        double scale = fabs(want[i]) > 1.0 ? fabs(want[i]) : 1.0;
        double r = fabs(got[i] - want[i]) / scale;
        worst = r > worst || r != r ? r : worst;
    }
    return worst;
}

/* ---------------------------------------------------------------- the floors */

static void floor_mean_aggr(const bench_data *d, outbuf *o)
{
    const double *restrict x = d->v;
    double s = 0.0;
    for (int64_t i = 0; i < d->n; i++)
        s += x[i];
    double mean = s / (double)d->n;
    double *restrict out = o->f64[0] = out_alloc((size_t)d->n * sizeof(double));
    for (int64_t i = 0; i < d->n; i++)
        out[i] = mean;
}

/* The imputation floor reads the engine column's validity bitmap (the bits the engine
 * reads), 64 rows per word. */
static const mloda_column *g_vn_col;

static void floor_mean_imputed(const bench_data *d, outbuf *o)
{
    const double *restrict x = d->vn;
    const uint8_t *restrict bits = mloda_column_validity(g_vn_col);
    double s = 0.0;
    int64_t k = 0;
    for (int64_t i = 0; i < d->n; i++) {
        bool ok = (bits[i >> 3] >> (i & 7)) & 1;
        s += ok ? x[i] : 0.0;
        k += ok;
    }
    double mean = s / (double)k;
    double *restrict out = o->f64[0] = out_alloc((size_t)d->n * sizeof(double));
    for (int64_t i = 0; i < d->n; i++)
        out[i] = (bits[i >> 3] >> (i & 7)) & 1 ? x[i] : mean;
}

static void floor_window_sum(const bench_data *d, outbuf *o)
{
    const double *restrict x = d->v;
    const int64_t *restrict t = d->minutes;
    const int64_t span = 7LL * 86400 * 1000000;
    double *restrict out = o->f64[0] = out_alloc((size_t)d->n * sizeof(double));
    double s = 0.0;
    int64_t j = 0;
    for (int64_t i = 0; i < d->n; i++) {
        s += x[i];
        while (t[i] - t[j] >= span)
            s -= x[j++];
        out[i] = s;
    }
}

static void standard_scale(const double *restrict x, int64_t n, double *restrict out)
{
    double s = 0.0;
    for (int64_t i = 0; i < n; i++)
        s += x[i];
    double mean = s / (double)n, q = 0.0;
    for (int64_t i = 0; i < n; i++)
        q += (x[i] - mean) * (x[i] - mean);
    double sd = sqrt(q / (double)n);
    double inv = sd > 0 ? 1.0 / sd : 1.0;
    for (int64_t i = 0; i < n; i++)
        out[i] = (x[i] - mean) * inv;
}

static void floor_standard_scaled(const bench_data *d, outbuf *o)
{
    o->f64[0] = out_alloc((size_t)d->n * sizeof(double));
    standard_scale(d->v, d->n, o->f64[0]);
}

static void floor_pipeline_scaling(const bench_data *d, outbuf *o)
{
    o->f64[0] = out_alloc((size_t)d->n * sizeof(double));
    standard_scale(d->x, d->n, o->f64[0]);
}

/* Label codes read the engine's own utf8 buffers (the same bytes the engine reads). */
static const mloda_column *g_cat_col, *g_txt_col;

static void floor_label_encoded(const bench_data *d, outbuf *o)
{
    const int32_t *restrict off = mloda_column_utf8_offsets(g_cat_col);
    const char *restrict bytes = mloda_column_utf8_data(g_cat_col);
    const char *seen[64];
    int32_t seen_len[64];
    uint64_t seen_key[64];
    int n_seen = 0;
    int64_t *restrict out = o->i64 = out_alloc((size_t)d->n * sizeof(int64_t));
    for (int64_t i = 0; i < d->n; i++) {
        const char *s = bytes + off[i];
        int32_t len = off[i + 1] - off[i];
        /* short strings compare as one word: length and up to 7 bytes */
        uint64_t key = (uint64_t)len;
        for (int32_t b = 0; b < len && b < 7; b++)
            key |= (uint64_t)(unsigned char)s[b] << (8 * (b + 1));
        int k = 0;
        while (k < n_seen && (seen_key[k] != key ||
                              (len > 7 && memcmp(seen[k], s, (size_t)len) != 0)))
            k++;
        if (k == n_seen && n_seen < 64) {
            seen[n_seen] = s;
            seen_len[n_seen] = len;
            seen_key[n_seen++] = key;
        }
        out[i] = k;
    }
    /* rank of each first-seen category among the sorted categories */
    int64_t rank[64];
    for (int a = 0; a < n_seen; a++) {
        rank[a] = 0;
        for (int b = 0; b < n_seen; b++) {
            int32_t m = seen_len[a] < seen_len[b] ? seen_len[a] : seen_len[b];
            int c = memcmp(seen[b], seen[a], (size_t)m);
            rank[a] += c < 0 || (c == 0 && seen_len[b] < seen_len[a]);
        }
    }
    for (int64_t i = 0; i < d->n; i++)
        out[i] = rank[out[i]];
}

static void floor_normalize_text(const bench_data *d, outbuf *o)
{
    const int32_t *restrict off = mloda_column_utf8_offsets(g_txt_col);
    const char *restrict in = mloda_column_utf8_data(g_txt_col);
    int32_t total = off[d->n];
    int32_t *restrict offs = o->offs = out_alloc((size_t)(d->n + 1) * sizeof(int32_t));
    char *restrict out = o->bytes = out_alloc((size_t)total);
    memcpy(offs, off, (size_t)(d->n + 1) * sizeof(int32_t));
    for (int32_t k = 0; k < total; k++) {
        char c = in[k];
        out[k] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
}

static void floor_haversine(const bench_data *d, outbuf *o)
{
    const double *restrict a = d->p1, *restrict b = d->p2;
    const double rad = 3.141592653589793 / 180.0;
    double *restrict out = o->f64[0] = out_alloc((size_t)d->n * sizeof(double));
    for (int64_t i = 0; i < d->n; i++) {
        double lat1 = a[2 * i] * rad, lon1 = a[2 * i + 1] * rad;
        double lat2 = b[2 * i] * rad, lon2 = b[2 * i + 1] * rad;
        double sl = sin((lat2 - lat1) / 2.0), so = sin((lon2 - lon1) / 2.0);
        double h = sl * sl + cos(lat1) * cos(lat2) * so * so;
        out[i] = 2.0 * 6371.0 * asin(sqrt(h));
    }
}

/* Symmetric 3x3 (or p x p) eigen-decomposition by cyclic Jacobi rotations: a becomes
 * diagonal, v collects the eigenvectors (columns). Row-major. */
static void jacobi_eigen(double *a, double *v, int p)
{
    for (int i = 0; i < p; i++)
        for (int j = 0; j < p; j++)
            v[i * p + j] = i == j;
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0.0, diag = 0.0;
        for (int i = 0; i < p; i++) {
            diag += a[i * p + i] * a[i * p + i];
            for (int j = i + 1; j < p; j++)
                off += a[i * p + j] * a[i * p + j];
        }
        if (off <= 1e-32 * diag || off == 0.0)
            break;
        for (int i = 0; i < p; i++) {
            for (int j = i + 1; j < p; j++) {
                double aij = a[i * p + j];
                if (aij == 0.0)
                    continue;
                double theta = (a[j * p + j] - a[i * p + i]) / (2.0 * aij);
                double t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1));
                double c = 1.0 / sqrt(t * t + 1), s = t * c;
                for (int k = 0; k < p; k++) {
                    double akj = a[k * p + i], akk = a[k * p + j];
                    a[k * p + i] = c * akj - s * akk;
                    a[k * p + j] = s * akj + c * akk;
                }
                for (int k = 0; k < p; k++) {
                    double aik = a[i * p + k], ajk = a[j * p + k];
                    a[i * p + k] = c * aik - s * ajk;
                    a[j * p + k] = s * aik + c * ajk;
                }
                for (int k = 0; k < p; k++) {
                    double vki = v[k * p + i], vkj = v[k * p + j];
                    v[k * p + i] = c * vki - s * vkj;
                    v[k * p + j] = s * vki + c * vkj;
                }
            }
        }
    }
}

static void floor_pca(const bench_data *d, outbuf *o)
{
    const double *cols[3] = {d->x, d->y, d->z};
    double mean[3], inv[3], cov[9] = {0}, vec[9];
    int64_t n = d->n;
    for (int j = 0; j < 3; j++) {
        double s = 0.0, q = 0.0;
        for (int64_t i = 0; i < n; i++)
            s += cols[j][i];
        mean[j] = s / (double)n;
        for (int64_t i = 0; i < n; i++)
            q += (cols[j][i] - mean[j]) * (cols[j][i] - mean[j]);
        double sd = sqrt(q / (double)n);
        inv[j] = sd > 0 ? 1.0 / sd : 0.0;
    }
    const double *restrict x = d->x, *restrict y = d->y, *restrict z = d->z;
    double c00 = 0, c01 = 0, c02 = 0, c11 = 0, c12 = 0, c22 = 0;
    for (int64_t i = 0; i < n; i++) {
        double a = (x[i] - mean[0]) * inv[0], b = (y[i] - mean[1]) * inv[1],
               c = (z[i] - mean[2]) * inv[2];
        c00 += a * a;
        c01 += a * b;
        c02 += a * c;
        c11 += b * b;
        c12 += b * c;
        c22 += c * c;
    }
    cov[0] = c00, cov[1] = c01, cov[2] = c02, cov[3] = c01, cov[4] = c11, cov[5] = c12;
    cov[6] = c02, cov[7] = c12, cov[8] = c22;
    jacobi_eigen(cov, vec, 3);
    int order[3] = {0, 1, 2};
    for (int a = 0; a < 3; a++)
        for (int b = a + 1; b < 3; b++)
            if (cov[order[b] * 4] > cov[order[a] * 4]) {
                int t = order[a];
                order[a] = order[b];
                order[b] = t;
            }
    for (int k = 0; k < 2; k++) {
        int e = order[k];
        double w0 = vec[0 * 3 + e] * inv[0], w1 = vec[1 * 3 + e] * inv[1],
               w2 = vec[2 * 3 + e] * inv[2];
        double b0 = -(mean[0] * w0 + mean[1] * w1 + mean[2] * w2);
        double *restrict out = o->f64[k] = out_alloc((size_t)n * sizeof(double));
        double big = 0.0;
        int64_t at = 0;
        for (int64_t i = 0; i < n; i++) {
            out[i] = x[i] * w0 + y[i] * w1 + z[i] * w2 + b0;
            if (fabs(out[i]) > big) {
                big = fabs(out[i]);
                at = i;
            }
        }
        if (out[at] < 0) /* sklearn's svd_flip: the largest score is positive */
            for (int64_t i = 0; i < n; i++)
                out[i] = -out[i];
    }
}

static void floor_degree(const bench_data *d, outbuf *o)
{
    enum { W = N_NODES / 64 + 1 };
    uint64_t *adj = calloc((size_t)N_NODES * W, sizeof(uint64_t));
    double deg[N_NODES];
    int64_t n_nodes = 0;
    bool present[N_NODES] = {false};
    for (int64_t i = 0; i < d->n; i++) {
        int64_t s = d->src[i], t = d->dst[i];
        adj[s * W + t / 64] |= 1ull << (t % 64);
        adj[t * W + s / 64] |= 1ull << (s % 64);
        present[s] = present[t] = true;
    }
    for (int u = 0; u < N_NODES; u++)
        n_nodes += present[u];
    for (int u = 0; u < N_NODES; u++) {
        int c = 0;
        for (int w = 0; w < W; w++)
            c += __builtin_popcountll(adj[u * W + w]);
        deg[u] = (double)c / (double)(n_nodes - 1);
    }
    double *restrict out = o->f64[0] = out_alloc((size_t)d->n * sizeof(double));
    for (int64_t i = 0; i < d->n; i++)
        out[i] = deg[d->src[i]];
    free(adj);
}

/* ---- forecasting floor: one pass of design rows into shifted sums and a Gram matrix */

enum { FP = 20 }; /* 17 time features + lags 1, 2, 3 (seconds: no seasonal lag) */

static int64_t fdiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = fdiv(y, 400), yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int64_t *m, int64_t *d)
{
    z += 719468;
    int64_t era = fdiv(z, 146097), doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

/* the 17 time features of a microsecond timestamp (day part cached by the caller) */
static void fc_time(int64_t t, int64_t *day_cached, double *dayf, const double *hour_trig,
                    double *x)
{
    const double pi2 = 2.0 * 3.141592653589793;
    int64_t day = fdiv(t, 86400000000LL), hour = (t - day * 86400000000LL) / 3600000000LL;
    if (day != *day_cached) {
        int64_t y, m, dd, dow = day + 3 - fdiv(day + 3, 7) * 7, q;
        civil_from_days(day, &y, &m, &dd);
        q = (m - 1) / 3 + 1;
        int64_t thu = day - dow + 3, ty, tm, td;
        civil_from_days(thu, &ty, &tm, &td);
        dayf[1] = (double)dow, dayf[2] = (double)q, dayf[3] = (double)m, dayf[4] = (double)y;
        dayf[5] = (double)(day - days_from_civil(y, 1, 1) + 1), dayf[6] = (double)dd;
        dayf[7] = (double)((thu - days_from_civil(ty, 1, 1)) / 7 + 1);
        dayf[10] = sin(pi2 * (double)dow / 7.0), dayf[11] = cos(pi2 * (double)dow / 7.0);
        dayf[12] = sin(pi2 * (double)m / 12.0), dayf[13] = cos(pi2 * (double)m / 12.0);
        dayf[14] = sin(pi2 * (double)q / 4.0), dayf[15] = cos(pi2 * (double)q / 4.0);
        dayf[16] = dow >= 5;
        *day_cached = day;
    }
    memcpy(x, dayf, 17 * sizeof(double));
    x[0] = (double)hour;
    x[8] = hour_trig[hour];
    x[9] = hour_trig[24 + hour];
}

enum { FC_H = 3 };

static void floor_forecast(const bench_data *d, outbuf *o)
{
    const int64_t n = d->n, m = n - 3;
    const double *restrict v = d->sec_v;
    double x[FP + 1], x0[FP + 1], dayf[17] = {0}, s1[FP + 1] = {0}, g[(FP + 1) * (FP + 1)] = {0};
    int64_t dc = INT64_MIN;
    double hour_trig[48];
    for (int h = 0; h < 24; h++) {
        hour_trig[h] = sin(2.0 * 3.141592653589793 * (double)h / 24.0);
        hour_trig[24 + h] = cos(2.0 * 3.141592653589793 * (double)h / 24.0);
    }
    for (int64_t k = 3; k < n; k++) { /* shifted by the first row: constants stay exact */
        fc_time(d->seconds[k], &dc, dayf, hour_trig, x);
        x[17] = v[k - 1], x[18] = v[k - 2], x[19] = v[k - 3], x[FP] = v[k];
        if (k == 3)
            memcpy(x0, x, sizeof x);
        for (int j = 0; j <= FP; j++)
            x[j] -= x0[j];
        for (int j = 0; j <= FP; j++) {
            s1[j] += x[j];
            for (int l = 0; l <= j; l++)
                g[j * (FP + 1) + l] += x[j] * x[l];
        }
    }
    double mean[FP + 1], sd[FP + 1], a[FP * FP], vec[FP * FP], coef[FP] = {0};
    for (int j = 0; j <= FP; j++) {
        mean[j] = s1[j] / (double)m;
        double var = g[j * (FP + 1) + j] / (double)m - mean[j] * mean[j];
        double bound = (double)m * DBL_EPSILON * var +
                       ((double)m * (mean[j] + x0[j]) * DBL_EPSILON) *
                           ((double)m * (mean[j] + x0[j]) * DBL_EPSILON);
        sd[j] = var > bound && var > 0 ? sqrt(var) : 1.0;
    }
    for (int j = 0; j < FP; j++) /* covariance of the scaled columns, and with y */
        for (int l = 0; l < FP; l++) {
            int hi = j > l ? j : l, lo = j > l ? l : j;
            a[j * FP + l] = (g[hi * (FP + 1) + lo] / (double)m - mean[j] * mean[l]) /
                            (sd[j] * sd[l]);
        }
    double xy[FP];
    for (int j = 0; j < FP; j++)
        xy[j] = (g[FP * (FP + 1) + j] / (double)m - mean[j] * mean[FP]) / sd[j];
    jacobi_eigen(a, vec, FP);
    double lmax = 0.0;
    for (int k = 0; k < FP; k++)
        lmax = a[k * FP + k] > lmax ? a[k * FP + k] : lmax;
    for (int k = 0; k < FP; k++) {
        double lam = a[k * FP + k];
        if (lam <= lmax * 1e-10) /* eigenvalues are squared singular values */
            continue;
        double dot = 0.0;
        for (int j = 0; j < FP; j++)
            dot += vec[j * FP + k] * xy[j];
        for (int j = 0; j < FP; j++)
            coef[j] += vec[j * FP + k] * dot / lam;
    }
    double *restrict out = o->f64[0] = out_alloc((size_t)(n + FC_H) * sizeof(double));
    memcpy(out, v, (size_t)n * sizeof(double));
    for (int h = 1; h <= FC_H; h++) {
        fc_time(d->seconds[n - 1] + h * 1000000LL, &dc, dayf, hour_trig, x);
        x[17] = v[n - 1], x[18] = v[n - 2], x[19] = v[n - 3];
        double p = mean[FP] + x0[FP];
        for (int j = 0; j < FP; j++)
            p += (x[j] - x0[j] - mean[j]) / sd[j] * coef[j];
        out[n - 1 + h] = p;
    }
}

/* ---------------------------------------------------------------- families */

typedef struct family {
    const char *name;    /* figure name */
    const char *feature; /* requested feature */
    const char *check;   /* result column compared with the floor's first output */
    bool sorting;        /* sorts or hashes-and-sorts: the 4x target does not apply */
    void (*floor)(const bench_data *, outbuf *);
    int64_t out_rows;
} family;

static mloda_api_data *family_batch(const family *f, const bench_data *d,
                                    mloda_options **opts)
{
    int64_t n = d->n;
    *opts = NULL;
    if (strcmp(f->name, "imputation") == 0) {
        const char *names[] = {"vn"};
        mloda_column *cols[] = {f64_col(d->vn, d->vn_valid, n)};
        g_vn_col = cols[0];
        return batch_of(1, names, cols);
    }
    if (strcmp(f->name, "time window") == 0) {
        const char *names[] = {"v", "reference_time"};
        mloda_column *cols[] = {f64_col(d->v, NULL, n), ts_col(d->minutes, n)};
        return batch_of(2, names, cols);
    }
    if (strcmp(f->name, "encoding") == 0) {
        const char *names[] = {"cat"};
        mloda_column *cols[] = {str_col(d->cat, n)};
        g_cat_col = cols[0];
        return batch_of(1, names, cols);
    }
    if (strcmp(f->name, "text cleaning") == 0) {
        const char *names[] = {"txt"};
        mloda_column *cols[] = {str_col(d->txt, n)};
        g_txt_col = cols[0];
        *opts = mloda_options_new();
        const char *ops[] = {"normalize"};
        (void)mloda_options_set_string_list(*opts, MLODA_CONTEXT, "cleaning_operations", 1, ops,
                                            NULL);
        return batch_of(1, names, cols);
    }
    if (strcmp(f->name, "geo distance") == 0) {
        const char *names[] = {"p1", "p2"};
        mloda_column *cols[] = {list_col(d->p1, n), list_col(d->p2, n)};
        return batch_of(2, names, cols);
    }
    if (strcmp(f->name, "sklearn pipeline") == 0 || strcmp(f->name, "dim reduction") == 0) {
        const char *names[] = {"x", "y", "z"};
        mloda_column *cols[] = {f64_col(d->x, NULL, n), f64_col(d->y, NULL, n),
                                f64_col(d->z, NULL, n)};
        return batch_of(3, names, cols);
    }
    if (strcmp(f->name, "node centrality") == 0) {
        const char *names[] = {"source", "target"};
        mloda_column *cols[] = {i64_col(d->src, n), i64_col(d->dst, n)};
        return batch_of(2, names, cols);
    }
    if (strcmp(f->name, "forecasting") == 0) {
        const char *names[] = {"v", "reference_time"};
        mloda_column *cols[] = {f64_col(d->sec_v, NULL, n), ts_col(d->seconds, n)};
        return batch_of(2, names, cols);
    }
    const char *names[] = {"v"};
    mloda_column *cols[] = {f64_col(d->v, NULL, n)};
    return batch_of(1, names, cols);
}

/* Compares the engine's result with the floor's output; returns the worst difference. */
static double compare(const family *f, const mloda_results *res, const outbuf *o, int64_t n)
{
    const mloda_column *c = NULL;
    for (int64_t t = 0; t < mloda_results_n_tables(res) && c == NULL; t++) {
        int64_t k = mloda_table_column_index(mloda_results_table(res, t), f->check);
        if (k >= 0)
            c = mloda_table_column(mloda_results_table(res, t), k);
    }
    if (c == NULL)
        return INFINITY;
    if (o->i64 != NULL) {
        const int64_t *got = mloda_column_int64(c);
        for (int64_t i = 0; i < n; i++)
            if (got == NULL || got[i] != o->i64[i])
                return INFINITY;
        return 0.0;
    }
    if (o->bytes != NULL) {
        const int32_t *offs = mloda_column_utf8_offsets(c);
        if (offs == NULL || memcmp(offs, o->offs, (size_t)(n + 1) * sizeof *offs) != 0 ||
            memcmp(mloda_column_utf8_data(c), o->bytes, (size_t)o->offs[n]) != 0)
            return INFINITY;
        return 0.0;
    }
    return max_rel_diff(c, o->f64[0], n);
}

static const family FAMILIES[] = {
    {"aggregation", "v__mean_aggr", "v__mean_aggr", false, floor_mean_aggr, 0},
    {"imputation", "vn__mean_imputed", "vn__mean_imputed", false, floor_mean_imputed, 0},
    {"time window", "v__sum_7_day_window", "v__sum_7_day_window", false, floor_window_sum, 0},
    {"scaling", "v__standard_scaled", "v__standard_scaled", false, floor_standard_scaled, 0},
    {"encoding", "cat__label_encoded", "cat__label_encoded", false, floor_label_encoded, 0},
    {"text cleaning", "txt__cleaned_text", "txt__cleaned_text", false, floor_normalize_text, 0},
    {"geo distance", "p1&p2__haversine_distance", "p1&p2__haversine_distance", false,
     floor_haversine, 0},
    {"sklearn pipeline", "x__sklearn_pipeline_scaling", "x__sklearn_pipeline_scaling", false,
     floor_pipeline_scaling, 0},
    {"dim reduction", "x,y,z__pca_2d", "x,y,z__pca_2d~dim1", false, floor_pca, 0},
    {"node centrality", "source__degree_centrality", "source__degree_centrality", true,
     floor_degree, 0},
    {"forecasting", "v__linear_forecast_3second", "v__linear_forecast_3second", false,
     floor_forecast, FC_H},
};

int main(int argc, char **argv)
{
    bool quick = false;
    const char *only = NULL;
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--quick") == 0)
            quick = true;
        else if (strcmp(argv[a], "--only") == 0 && a + 1 < argc)
            only = argv[++a];
    }
    const int reps = quick ? 3 : 11;
    bench_data d;
    data_init(&d, N_ROWS);
    mloda_registry *reg = mloda_registry_default();
    printf("mloda-c family bench: one feature per family, %d rows, median of %d runs\n\n",
           N_ROWS, reps);
    printf("%-17s %-30s %10s %10s %7s %9s  %s\n", "family", "feature", "run_ms", "floor_ms",
           "ratio", "max_diff", "target (4x)");
    double *t_run = xmalloc((size_t)reps * sizeof(double));
    double *t_floor = xmalloc((size_t)reps * sizeof(double));
    for (size_t k = 0; k < sizeof FAMILIES / sizeof FAMILIES[0]; k++) {
        const family *f = &FAMILIES[k];
        if (only != NULL && strcmp(only, f->name) != 0)
            continue;
        mloda_options *opts = NULL;
        mloda_api_data *batch = family_batch(f, &d, &opts);
        mloda_request *req = mloda_request_new();
        (void)mloda_request_add(req, f->feature, opts, NULL);
        mloda_error err = MLODA_ERROR_INIT;
        mloda_session *s = NULL;
        if (mloda_prepare(reg, req, batch, &s, &err) != MLODA_OK)
            die(f->feature, &err);
        double diff = 0.0;
        for (int r = 0; r < reps; r++) {
            mloda_results *res = NULL;
            double t0 = now_us();
            if (mloda_session_run(s, batch, &res, &err) != MLODA_OK)
                die(f->feature, &err);
            t_run[r] = now_us() - t0;
            outbuf o = {0};
            t0 = now_us();
            f->floor(&d, &o);
            t_floor[r] = now_us() - t0;
            if (r == 0)
                diff = compare(f, res, &o, d.n + f->out_rows);
            outbuf_free(&o);
            mloda_results_free(res);
        }
        double run_ms = bench_median(t_run, reps) / 1e3, floor_ms = bench_median(t_floor, reps) / 1e3;
        double ratio = run_ms / floor_ms;
        printf("%-17s %-30s %10.2f %10.2f %6.2fx %9.2g  %s\n", f->name, f->feature, run_ms,
               floor_ms, ratio, diff,
               f->sorting ? "n/a (sorts)" : ratio <= 4.0 ? "met" : "MISSED");
        char name[128];
        (void)snprintf(name, sizeof name, "families: %s (%s), %d rows", f->name, f->feature,
                       N_ROWS);
        result_line(name, run_ms, "ms", "hand-written loop, same output", floor_ms);
        mloda_session_free(s);
        mloda_request_free(req);
        mloda_options_free(opts);
        mloda_api_data_free(batch);
    }
    printf("\nfloor: a hand-written C loop over the same arrays producing the same output "
           "(max_diff: largest relative difference from the engine's result; 0 for exact "
           "matches of int and text outputs).\n");
    free(t_run);
    free(t_floor);
    mloda_registry_free(reg);
    data_free(&d);
    return 0;
}
