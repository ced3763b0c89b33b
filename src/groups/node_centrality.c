/*
 * node_centrality.c: `{node}__{type}_centrality` and its option form (centrality_type +
 * in_features), SPEC.md §6.8 and §10.17.
 *
 * The step's table is an edge list: columns source_column / target_column (defaults
 * "source" / "target", the names mloda hard-codes) and optionally weight_column. Nodes
 * are the distinct non-null endpoint values, numbered by first appearance in all sources,
 * then all targets (pandas' concat(...).unique()). Each row gets the score of the value in
 * its node column (the feature's input); a null or unknown node value gives null.
 *
 * Adjacency as mloda builds it: A[s][t] = weight (1 without a weight column), undirected
 * graphs also set A[t][s]; a repeated edge overwrites the earlier weight (last row wins);
 * weight 0 means no edge. Weights are connection strengths: path lengths use 1/weight.
 * Rows with a null endpoint add no edge; a null, NaN, negative or infinite weight is an
 * error naming the row.
 *
 * Two modes. Default: the standard, networkx-normalised definitions (betweenness over
 * unordered pairs for undirected graphs, closeness with the Wasserman-Faust correction and
 * incoming distances for directed graphs, eigenvector centrality of the shifted matrix
 * A+I as networkx iterates it, PageRank with dangling mass spread uniformly), each iterated
 * to a tight tolerance, so values are the fixed points (networkx stops at tol 1e-6 and
 * differs in the 6th-7th digit). mloda_compat=true reproduces mloda's formulas exactly,
 * including its doubled undirected betweenness and its non-converging eigenvector iteration.
 *
 * Everything is sequential over node ids in first-appearance order: deterministic.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "groups/colops.h"
#include "groups/family.h"
#include "groups/groups.h"
#include "util/bytes.h"
#include "util/util.h"

typedef enum cent_type {
    C_DEGREE,
    C_BETWEENNESS,
    C_CLOSENESS,
    C_EIGENVECTOR,
    C_PAGERANK,
    C_COUNT
} cent_type;

static const char *const TYPE_NAMES[C_COUNT] = {"degree", "betweenness", "closeness",
                                                 "eigenvector", "pagerank"};

static const char *const GRAPH_NAMES[] = {"undirected", "directed"};

/* Parameters in this order: index into mloda_family_values. */
enum { P_TYPE, P_GRAPH, P_COMPAT, P_SOURCE, P_TARGET, P_WEIGHT, P_COUNT };

static const mloda_family_param CENT_PARAMS[P_COUNT] = {
    {.option = "centrality_type", .what = "centrality type", .kind = MLODA_FAMILY_TOKEN,
     .tokens = TYPE_NAMES, .n_tokens = C_COUNT, .n_usable = C_COUNT,
     .allowed = "degree, betweenness, closeness, eigenvector, pagerank"},
    {.option = "graph_type", .what = "graph type", .kind = MLODA_FAMILY_TOKEN,
     .tokens = GRAPH_NAMES, .n_tokens = 2, .n_usable = 2, .allowed = "undirected, directed"},
    {.option = "mloda_compat", .what = "mloda compatibility", .kind = MLODA_FAMILY_FLAG},
    {.option = "source_column", .what = "source column", .kind = MLODA_FAMILY_COLUMN,
     .dflt_text = "source"},
    {.option = "target_column", .what = "target column", .kind = MLODA_FAMILY_COLUMN,
     .dflt_text = "target"},
    {.option = "weight_column", .what = "weight column", .kind = MLODA_FAMILY_COLUMN},
};
static const mloda_family_spec CENT = {.pattern = "{centrality_type}_centrality",
                                       .example = "node__degree_centrality",
                                       .n_params = P_COUNT,
                                       .params = CENT_PARAMS,
                                       .inputs_hint = " (the node column)"};

/* Per-feature state attached at bind (inputs: 0 node, 1 source, 2 target, 3 weight). */
typedef struct cent_state {
    cent_type type;
    bool directed;
    bool compat;
    bool weighted;
} cent_state;

static mloda_status cent_match(void *ud, const mloda_feature *f, bool *out_match,
                               void **out_parsed, mloda_error *why)
{
    (void)ud;
    return mloda_family_match(&CENT, f, out_match, out_parsed, why);
}

static mloda_status cent_inputs(void *ud, const mloda_feature *f, mloda_inputs *in,
                                mloda_error *err)
{
    (void)ud;
    const mloda_family_values *v = mloda_family_of(f);
    MLODA_TRY(mloda_inputs_add_chain(in, f, 1, 1, err));
    MLODA_TRY(mloda_inputs_add(in, v->text[P_SOURCE], NULL, err));
    MLODA_TRY(mloda_inputs_add(in, v->text[P_TARGET], NULL, err));
    if (v->text[P_WEIGHT] != NULL)
        MLODA_TRY(mloda_inputs_add(in, v->text[P_WEIGHT], NULL, err));
    return MLODA_OK;
}

static mloda_status cent_bind(void *ud, mloda_bind *ctx, mloda_error *err)
{
    (void)ud;
    const mloda_feature *f = mloda_bind_feature(ctx);
    const char *name = mloda_feature_name(f);
    const mloda_family_values *v = mloda_family_of(f);
    static const char *const roles[] = {"node", "source", "target", "weight"};
    mloda_type node_t = mloda_bind_input_type(ctx, 0);
    for (int64_t j = 0; j < mloda_bind_n_inputs(ctx); j++) {
        mloda_type t = mloda_bind_input_type(ctx, j);
        const char *col = mloda_bind_input_name(ctx, j);
        if (mloda_bind_input_is_multi(ctx, j))
            return mloda_error_set(err, MLODA_ERR_TYPE, name,
                                   "feature '%s': %s column '%s' has several columns", name,
                                   roles[j], col);
        if (j == 3) {
            if (t != MLODA_TYPE_INT64 && t != MLODA_TYPE_FLOAT64)
                return mloda_error_set(err, MLODA_ERR_TYPE, name,
                                       "feature '%s': weight column '%s' is %s; it must be "
                                       "numeric",
                                       name, col, mloda_type_name(t));
        } else if (t != MLODA_TYPE_INT64 && t != MLODA_TYPE_UTF8) {
            return mloda_error_set(err, MLODA_ERR_TYPE, name,
                                   "feature '%s': %s column '%s' is %s; node ids must be int64 "
                                   "or utf8",
                                   name, roles[j], col, mloda_type_name(t));
        } else if (t != node_t) {
            return mloda_error_set(err, MLODA_ERR_TYPE, name,
                                   "feature '%s': %s column '%s' is %s but node column '%s' is "
                                   "%s; node ids must have one type",
                                   name, roles[j], col, mloda_type_name(t),
                                   mloda_bind_input_name(ctx, 0), mloda_type_name(node_t));
        }
    }
    MLODA_TRY(mloda_bind_output(ctx, MLODA_TYPE_FLOAT64, 0, MLODA_TIME_SECOND, err));
    cent_state *s = mloda_malloc(sizeof *s);
    if (s == NULL)
        return MLODA_NOMEM(err, "centrality state");
    s->type = (cent_type)v->num[P_TYPE];
    s->directed = v->num[P_GRAPH] == 1;
    s->compat = v->num[P_COMPAT] != 0;
    s->weighted = v->text[P_WEIGHT] != NULL;
    return mloda_bind_set_state(ctx, s, mloda_free, err);
}

/* ---------------------------------------------------------------- node ids */

typedef struct nkey {
    int64_t iv;    /* INT64 value */
    const char *s; /* UTF8 bytes (borrowed from the column) */
    int64_t len;
    int64_t pos;   /* endpoint position: row (sources) or n_rows + row (targets) */
} nkey;

static int cmp_value(const nkey *a, const nkey *b, bool text)
{
    if (!text)
        return (a->iv > b->iv) - (a->iv < b->iv);
    return mloda_bytes_cmp(a->s, a->len, b->s, b->len);
}

static int cmp_int_key(const void *x, const void *y)
{
    const nkey *a = x, *b = y;
    int c = cmp_value(a, b, false);
    return c != 0 ? c : (a->pos > b->pos) - (a->pos < b->pos);
}

static int cmp_text_key(const void *x, const void *y)
{
    const nkey *a = x, *b = y;
    int c = cmp_value(a, b, true);
    return c != 0 ? c : (a->pos > b->pos) - (a->pos < b->pos);
}

static bool key_of(const mloda_column *c, int64_t r, bool text, nkey *k)
{
    if (!mloda_column_is_valid(c, r))
        return false;
    if (text) {
        k->s = mloda_column_utf8_at(c, r, &k->len);
        k->iv = 0;
    } else {
        k->iv = mloda_column_int64(c)[r];
        k->s = NULL;
        k->len = 0;
    }
    return true;
}

/* ---------------------------------------------------------------- graph */

typedef struct graph {
    int64_t n;       /* nodes */
    bool text;       /* node ids are utf8 */
    nkey *distinct;  /* owned: one key per node, sorted by value; pos = node id */
    int64_t *ep;     /* owned: node id of each endpoint position (2 * rows), -1 if null */
    int64_t *off;    /* owned: CSR out-adjacency, n + 1 offsets */
    int64_t *adj;    /* owned: targets */
    double *w;       /* owned: weights (> 0) */
    int64_t *ioff;   /* owned: CSR in-adjacency (the transpose) */
    int64_t *iadj;
    double *iw;
    const mloda_column *cols[3]; /* borrowed: source, target, weight (cache key) */
    bool directed;
} graph;

static void graph_reset(graph *g)
{
    mloda_free(g->distinct);
    mloda_free(g->ep);
    mloda_free(g->off);
    mloda_free(g->adj);
    mloda_free(g->w);
    mloda_free(g->ioff);
    mloda_free(g->iadj);
    mloda_free(g->iw);
    memset(g, 0, sizeof *g);
}

/* n elements of size elem (at least one, so that 0 rows still allocate). */
static uint64_t key_hash(const nkey *k, bool text)
{
    uint64_t h = 0;
    if (!text) { /* a 64-bit finaliser (MurmurHash3's fmix64) */
        h = (uint64_t)k->iv;
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdu;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53u;
        return h ^ (h >> 33);
    }
    h = 14695981039346656037u; /* FNV-1a */
    for (int64_t i = 0; i < k->len; i++)
        h = (h ^ (unsigned char)k->s[i]) * 1099511628211u;
    return h ^ (h >> 29);
}

/* Distinct values by first appearance in an open-addressing hash table whose slots hold
 * node id + 1 (0: empty); nodes[id] is the node's key with pos = id. */
typedef struct node_table {
    int64_t *slot;
    int64_t mask; /* slots - 1, a power of two minus one */
    nkey *nodes;
    int64_t n, cap;
} node_table;

/* Doubles the slots (and rehashes) or the node array when they are full enough. */
static bool node_table_grow(node_table *t, bool text)
{
    if (t->n == t->cap) {
        int64_t cap = t->cap * 2;
        nkey *nodes = mloda_malloc_n(cap, sizeof *nodes);
        if (nodes == NULL)
            return false;
        memcpy(nodes, t->nodes, (size_t)t->n * sizeof *nodes);
        mloda_free(t->nodes);
        t->nodes = nodes;
        t->cap = cap;
    }
    if (2 * (t->n + 1) > t->mask + 1) { /* load at most one half */
        int64_t slots = 2 * (t->mask + 1);
        int64_t *slot = mloda_malloc_n(slots, sizeof *slot);
        if (slot == NULL)
            return false;
        memset(slot, 0, (size_t)slots * sizeof *slot);
        for (int64_t id = 0; id < t->n; id++) {
            int64_t h = (int64_t)(key_hash(&t->nodes[id], text) & (uint64_t)(slots - 1));
            while (slot[h] != 0)
                h = (h + 1) & (slots - 1);
            slot[h] = id + 1;
        }
        mloda_free(t->slot);
        t->slot = slot;
        t->mask = slots - 1;
    }
    return true;
}

/* The id of key k, added as a new node when unseen; -1 when out of memory. */
static int64_t node_id_of(node_table *t, const nkey *k, bool text)
{
    int64_t h = (int64_t)(key_hash(k, text) & (uint64_t)t->mask);
    for (; t->slot[h] != 0; h = (h + 1) & t->mask) {
        const nkey *o = &t->nodes[t->slot[h] - 1];
        if (text ? cmp_value(o, k, true) == 0 : o->iv == k->iv)
            return t->slot[h] - 1;
    }
    if (2 * (t->n + 1) > t->mask + 1 || t->n == t->cap) {
        if (!node_table_grow(t, text))
            return -1;
        h = (int64_t)(key_hash(k, text) & (uint64_t)t->mask);
        while (t->slot[h] != 0)
            h = (h + 1) & t->mask;
    }
    int64_t id = t->n++;
    t->nodes[id] = *k;
    t->nodes[id].pos = id;
    t->slot[h] = id + 1;
    return id;
}

/*
 * Node ids by first appearance over all sources, then all targets (one hash look-up per
 * endpoint, in position order), and the distinct values sorted by value for look-ups.
 */
static mloda_status assign_nodes(graph *g, const mloda_column *src, const mloda_column *dst,
                                 int64_t rows, mloda_error *err)
{
    enum { FIRST_SLOTS = 1024 };
    node_table t = {NULL, FIRST_SLOTS - 1, NULL, 0, FIRST_SLOTS / 2};
    t.slot = mloda_malloc_n(FIRST_SLOTS, sizeof *t.slot);
    t.nodes = mloda_malloc_n(t.cap, sizeof *t.nodes);
    g->ep = mloda_malloc_n(2 * rows, sizeof *g->ep);
    mloda_status st = MLODA_OK;
    if (t.slot == NULL || t.nodes == NULL || g->ep == NULL)
        st = MLODA_NOMEM(err, "graph nodes");
    else
        memset(t.slot, 0, FIRST_SLOTS * sizeof *t.slot);
    for (int64_t p = 0; st == MLODA_OK && p < 2 * rows; p++) {
        nkey k;
        g->ep[p] = -1;
        if (key_of(p < rows ? src : dst, p < rows ? p : p - rows, g->text, &k)) {
            g->ep[p] = node_id_of(&t, &k, g->text);
            if (g->ep[p] < 0)
                st = MLODA_NOMEM(err, "graph nodes");
        }
    }
    if (st == MLODA_OK) {
        g->distinct = t.nodes; /* sorted by value; pos keeps the id (values are distinct) */
        t.nodes = NULL;
        g->n = t.n;
        qsort(g->distinct, (size_t)g->n, sizeof *g->distinct,
              g->text ? cmp_text_key : cmp_int_key);
    }
    mloda_free(t.slot);
    mloda_free(t.nodes);
    return st;
}

typedef struct entry {
    int64_t u, v, seq;
    double w;
} entry;

/*
 * Stable counting sort of e[0..ne) by u (by_u) or v, node ids being 0..n-1, into out;
 * count has n + 1 slots. Entries are made in increasing seq, so sorting by v and then by
 * u orders them by (u, v, seq), as one comparison sort would, in two linear passes.
 */
static void counting_sort(const entry *restrict e, int64_t ne, int64_t n, bool by_u,
                          int64_t *restrict count, entry *restrict out)
{
    memset(count, 0, (size_t)(n + 1) * sizeof *count);
    for (int64_t k = 0; k < ne; k++)
        count[(by_u ? e[k].u : e[k].v) + 1]++;
    for (int64_t b = 0; b < n; b++)
        count[b + 1] += count[b];
    for (int64_t k = 0; k < ne; k++)
        out[count[by_u ? e[k].u : e[k].v]++] = e[k];
}

static mloda_status weight_at(const mloda_column *wc, int64_t r, const char *name, double *out,
                              mloda_error *err)
{
    double w = 1.0;
    if (wc != NULL) {
        const double *f = mloda_column_float64(wc);
        if (!mloda_column_is_valid(wc, r) || (f != NULL && isnan(f[r])))
            return mloda_error_set_at(err, MLODA_ERR_COMPUTE, name, r,
                                      "feature '%s': the edge weight in row %lld is null", name,
                                      (long long)r);
        w = f != NULL ? f[r] : (double)mloda_column_int64(wc)[r];
        if (w < 0.0 || isinf(w))
            return mloda_error_set_at(err, MLODA_ERR_COMPUTE, name, r,
                                      "feature '%s': the edge weight in row %lld is %g; weights "
                                      "must be finite and not negative",
                                      name, (long long)r, w);
    }
    *out = w;
    return MLODA_OK;
}

static mloda_status build_edges(graph *g, const mloda_column *wc, int64_t rows, const char *name,
                                mloda_error *err)
{
    entry *e = mloda_malloc_n(2 * rows, sizeof *e), *tmp = mloda_malloc_n(2 * rows, sizeof *tmp);
    int64_t *count = mloda_malloc_n(g->n + 1, sizeof *count);
    if (e == NULL || tmp == NULL || count == NULL) {
        mloda_free(e);
        mloda_free(tmp);
        mloda_free(count);
        return MLODA_NOMEM(err, "graph edges");
    }
    int64_t ne = 0;
    mloda_status st = MLODA_OK;
    for (int64_t r = 0; r < rows && st == MLODA_OK; r++) {
        int64_t s = g->ep[r], t = g->ep[rows + r];
        if (s < 0 || t < 0)
            continue;
        double w = 1.0;
        st = weight_at(wc, r, name, &w, err);
        e[ne++] = (entry){s, t, 2 * r, w};
        if (!g->directed && s != t)
            e[ne++] = (entry){t, s, 2 * r + 1, w};
    }
    if (st == MLODA_OK) {
        counting_sort(e, ne, g->n, false, count, tmp);
        counting_sort(tmp, ne, g->n, true, count, e);
    }
    mloda_free(tmp);
    mloda_free(count);
    if (st != MLODA_OK) {
        mloda_free(e);
        return st;
    }
    /* last write wins per (u, v); weight 0 means no edge */
    int64_t m = 0;
    for (int64_t k = 0; k < ne; k++) {
        bool last = k + 1 == ne || e[k + 1].u != e[k].u || e[k + 1].v != e[k].v;
        if (last && e[k].w != 0.0)
            e[m++] = e[k];
    }
    int64_t n = g->n;
    g->off = mloda_malloc_n(n + 1, sizeof *g->off);
    g->ioff = mloda_malloc_n(n + 1, sizeof *g->ioff);
    g->adj = mloda_malloc_n(m, sizeof *g->adj);
    g->iadj = mloda_malloc_n(m, sizeof *g->iadj);
    g->w = mloda_malloc_n(m, sizeof *g->w);
    g->iw = mloda_malloc_n(m, sizeof *g->iw);
    if (g->off == NULL || g->ioff == NULL || g->adj == NULL || g->iadj == NULL ||
        g->w == NULL || g->iw == NULL) {
        mloda_free(e);
        return MLODA_NOMEM(err, "graph edges");
    }
    memset(g->off, 0, (size_t)(n + 1) * sizeof *g->off);
    memset(g->ioff, 0, (size_t)(n + 1) * sizeof *g->ioff);
    for (int64_t k = 0; k < m; k++) {
        g->off[e[k].u + 1]++;
        g->ioff[e[k].v + 1]++;
        g->adj[k] = e[k].v;
        g->w[k] = e[k].w;
    }
    for (int64_t u = 0; u < n; u++) {
        g->off[u + 1] += g->off[u];
        g->ioff[u + 1] += g->ioff[u];
    }
    /* transpose by counting sort: stable, so in-lists are sorted by source */
    int64_t *fill = mloda_malloc_n(n, sizeof *fill);
    if (fill == NULL) {
        mloda_free(e);
        return MLODA_NOMEM(err, "graph edges");
    }
    memcpy(fill, g->ioff, (size_t)n * sizeof *fill);
    for (int64_t k = 0; k < m; k++) {
        int64_t at = fill[e[k].v]++;
        g->iadj[at] = e[k].u;
        g->iw[at] = e[k].w;
    }
    mloda_free(fill);
    mloda_free(e);
    return MLODA_OK;
}

static mloda_status graph_build(graph *g, const mloda_column *src, const mloda_column *dst,
                                const mloda_column *wc, bool directed, int64_t rows,
                                const char *name, mloda_error *err)
{
    graph_reset(g);
    g->text = mloda_column_type(src) == MLODA_TYPE_UTF8;
    g->directed = directed;
    mloda_status st = assign_nodes(g, src, dst, rows, err);
    if (st == MLODA_OK)
        st = build_edges(g, wc, rows, name, err);
    if (st != MLODA_OK) {
        graph_reset(g);
        return st;
    }
    g->cols[0] = src;
    g->cols[1] = dst;
    g->cols[2] = wc;
    return MLODA_OK;
}

/* ---------------------------------------------------------------- shortest paths */

typedef struct heap_item {
    double d;
    int64_t v;
} heap_item;

typedef struct sp_work {
    double *dist;      /* n */
    double *sigma;     /* n: number of shortest paths */
    double *delta;     /* n: Brandes dependency */
    int64_t *order;    /* n: nodes in the order they were settled */
    int64_t *pred_off; /* n + 1 */
    int64_t *preds;    /* m: predecessor lists (in-degree bounded) */
    int64_t *npred;    /* n */
    bool *done;        /* n */
    heap_item *heap;   /* m + 1 */
} sp_work;

static void sp_reset(sp_work *w)
{
    mloda_free(w->dist);
    mloda_free(w->sigma);
    mloda_free(w->delta);
    mloda_free(w->order);
    mloda_free(w->pred_off);
    mloda_free(w->preds);
    mloda_free(w->npred);
    mloda_free(w->done);
    mloda_free(w->heap);
    memset(w, 0, sizeof *w);
}

static mloda_status sp_init(sp_work *w, const graph *g, mloda_error *err)
{
    int64_t n = g->n, m = g->off[n];
    memset(w, 0, sizeof *w);
    w->dist = mloda_malloc_n(n, sizeof *w->dist);
    w->sigma = mloda_malloc_n(n, sizeof *w->sigma);
    w->delta = mloda_malloc_n(n, sizeof *w->delta);
    w->order = mloda_malloc_n(n, sizeof *w->order);
    w->pred_off = mloda_malloc_n(n + 1, sizeof *w->pred_off);
    w->preds = mloda_malloc_n(m, sizeof *w->preds);
    w->npred = mloda_malloc_n(n, sizeof *w->npred);
    w->done = mloda_malloc_n(n, sizeof *w->done);
    w->heap = mloda_malloc_n(m + 1, sizeof *w->heap);
    if (w->dist == NULL || w->sigma == NULL || w->delta == NULL || w->order == NULL ||
        w->pred_off == NULL || w->preds == NULL || w->npred == NULL || w->done == NULL ||
        w->heap == NULL) {
        sp_reset(w);
        return MLODA_NOMEM(err, "shortest-path work space");
    }
    /* predecessor slots: a node's predecessors are among its in-neighbours */
    memcpy(w->pred_off, g->ioff, (size_t)(n + 1) * sizeof *w->pred_off);
    return MLODA_OK;
}

static bool heap_less(const heap_item *a, const heap_item *b)
{
    return a->d < b->d || (a->d == b->d && a->v < b->v);
}

static void heap_push(heap_item *h, int64_t *len, heap_item it)
{
    int64_t i = (*len)++;
    while (i > 0) {
        int64_t parent = (i - 1) / 2;
        if (!heap_less(&it, &h[parent]))
            break;
        h[i] = h[parent];
        i = parent;
    }
    h[i] = it;
}

static heap_item heap_pop(heap_item *h, int64_t *len)
{
    heap_item top = h[0], last = h[--(*len)];
    int64_t i = 0;
    for (;;) {
        int64_t c = 2 * i + 1;
        if (c >= *len)
            break;
        if (c + 1 < *len && heap_less(&h[c + 1], &h[c]))
            c++;
        if (!heap_less(&h[c], &last))
            break;
        h[i] = h[c];
        i = c;
    }
    if (*len > 0)
        h[i] = last;
    return top;
}

/*
 * Dijkstra from s over out-edges (reverse: over in-edges) with lengths 1/weight; nodes
 * settle in (distance, id) order, as mloda's linear scan picks them. Fills dist (INFINITY
 * when unreachable), order (settled nodes, *n_settled of them) and, when paths is true,
 * sigma and predecessor lists (ties by exact equality, as mloda and networkx do).
 */
static void dijkstra(const graph *g, sp_work *w, int64_t s, bool reverse, bool paths,
                     int64_t *n_settled)
{
    const int64_t *off = reverse ? g->ioff : g->off, *adj = reverse ? g->iadj : g->adj;
    const double *wt = reverse ? g->iw : g->w;
    for (int64_t v = 0; v < g->n; v++) {
        w->dist[v] = INFINITY;
        w->done[v] = false;
        w->sigma[v] = 0.0;
        w->npred[v] = 0;
    }
    int64_t len = 0, k = 0;
    w->dist[s] = 0.0;
    w->sigma[s] = 1.0;
    heap_push(w->heap, &len, (heap_item){0.0, s});
    while (len > 0) {
        heap_item it = heap_pop(w->heap, &len);
        int64_t u = it.v;
        if (w->done[u] || it.d != w->dist[u])
            continue;
        w->done[u] = true;
        w->order[k++] = u;
        for (int64_t e = off[u]; e < off[u + 1]; e++) {
            int64_t v = adj[e];
            if (w->done[v] || v == u)
                continue;
            double d = w->dist[u] + 1.0 / wt[e];
            if (d < w->dist[v]) {
                w->dist[v] = d;
                heap_push(w->heap, &len, (heap_item){d, v});
                if (paths) {
                    w->sigma[v] = w->sigma[u];
                    w->preds[w->pred_off[v]] = u;
                    w->npred[v] = 1;
                }
            } else if (paths && d == w->dist[v]) {
                w->sigma[v] += w->sigma[u];
                w->preds[w->pred_off[v] + w->npred[v]++] = u;
            }
        }
    }
    *n_settled = k;
}

/* Brandes: sum over ordered pairs (s, t) of the share of s-t shortest paths through v.
 * One Dijkstra per node: O(n m log n); stops early when calc says so. */
static mloda_status betweenness(const mloda_calc *calc, const graph *g, sp_work *w, double *out,
                                mloda_error *err)
{
    for (int64_t v = 0; v < g->n; v++)
        out[v] = 0.0;
    for (int64_t s = 0; s < g->n; s++) {
        MLODA_TRY(mloda_calc_check_stop(calc, err));
        int64_t k = 0;
        dijkstra(g, w, s, false, true, &k);
        for (int64_t i = 0; i < k; i++)
            w->delta[w->order[i]] = 0.0;
        for (int64_t i = k - 1; i >= 0; i--) {
            int64_t x = w->order[i];
            for (int64_t j = 0; j < w->npred[x]; j++) {
                int64_t p = w->preds[w->pred_off[x] + j];
                w->delta[p] += w->sigma[p] / w->sigma[x] * (1.0 + w->delta[x]);
            }
            if (x != s)
                out[x] += w->delta[x];
        }
    }
    return MLODA_OK;
}

/* One Dijkstra per node: O(n m log n); stops early when calc says so. */
static mloda_status closeness(const mloda_calc *calc, const graph *g, sp_work *w, bool compat,
                              double *out, mloda_error *err)
{
    int64_t n = g->n;
    double best = 0.0;
    for (int64_t u = 0; u < n; u++) {
        MLODA_TRY(mloda_calc_check_stop(calc, err));
        int64_t k = 0;
        /* compat: mloda sums row u of the distance matrix (distances from u); networkx
         * uses distances to u, which differ only for directed graphs */
        dijkstra(g, w, u, !compat && g->directed, false, &k);
        double tot = 0.0;
        for (int64_t i = 0; i < k; i++)
            tot += w->dist[w->order[i]];
        if (compat) {
            out[u] = (k < n || tot == 0.0) ? 0.0 : (double)(n - 1) / tot;
            best = out[u] > best ? out[u] : best;
        } else {
            out[u] = (tot > 0.0 && n > 1)
                         ? (double)(k - 1) / tot * ((double)(k - 1) / (double)(n - 1))
                         : 0.0;
        }
    }
    if (compat && best > 0.0) {
        for (int64_t u = 0; u < n; u++)
            out[u] /= best;
    }
    return MLODA_OK;
}

/* ---------------------------------------------------------------- spectral */

static double l2_norm(const double *x, int64_t n)
{
    double s = 0.0;
    for (int64_t i = 0; i < n; i++)
        s += x[i] * x[i];
    return sqrt(s);
}

/* y = A x (row u: sum over out-edges of A[u][v] x[v]). */
static void mul_a(const graph *g, const double *x, double *y)
{
    for (int64_t u = 0; u < g->n; u++) {
        double s = 0.0;
        for (int64_t e = g->off[u]; e < g->off[u + 1]; e++)
            s += g->w[e] * x[g->adj[e]];
        y[u] = s;
    }
}

/* y = A^T x (row v: sum over in-edges of A[u][v] x[u]). */
static void mul_at(const graph *g, const double *x, double *y)
{
    for (int64_t v = 0; v < g->n; v++) {
        double s = 0.0;
        for (int64_t e = g->ioff[v]; e < g->ioff[v + 1]; e++)
            s += g->iw[e] * x[g->iadj[e]];
        y[v] = s;
    }
}

enum { EIG_MAX_ITER = 10000, PR_MAX_ITER = 1000 };
#define FIXED_POINT_TOL 1e-14 /* per node, on the L1 change (networkx's test, tighter) */

static mloda_status eigenvector(const graph *g, bool compat, double *out, double *tmp,
                                const char *name, mloda_error *err)
{
    int64_t n = g->n;
    for (int64_t v = 0; v < n; v++)
        out[v] = 1.0 / (double)n;
    if (compat) {
        /* mloda: x <- A x / |A x|, 100 iterations; on convergence it keeps the previous
         * iterate; a bipartite graph oscillates and ends on iterate 100 */
        for (int it = 0; it < 100; it++) {
            mul_a(g, out, tmp);
            double norm = l2_norm(tmp, n);
            if (norm > 0.0) {
                for (int64_t v = 0; v < n; v++)
                    tmp[v] /= norm;
            }
            double diff = 0.0;
            for (int64_t v = 0; v < n; v++)
                diff += (tmp[v] - out[v]) * (tmp[v] - out[v]);
            if (sqrt(diff) < 1e-6)
                break;
            memcpy(out, tmp, (size_t)n * sizeof *out);
        }
        return MLODA_OK;
    }
    /* networkx: x <- (A^T + I) x, L2-normalised, until the L1 change is below n * tol */
    for (int it = 0; it < EIG_MAX_ITER; it++) {
        mul_at(g, out, tmp);
        for (int64_t v = 0; v < n; v++)
            tmp[v] += out[v];
        double norm = l2_norm(tmp, n);
        if (norm == 0.0)
            norm = 1.0;
        double diff = 0.0;
        for (int64_t v = 0; v < n; v++) {
            tmp[v] /= norm;
            diff += fabs(tmp[v] - out[v]);
        }
        memcpy(out, tmp, (size_t)n * sizeof *out);
        if (diff < (double)n * FIXED_POINT_TOL)
            return MLODA_OK;
    }
    return mloda_error_set(err, MLODA_ERR_COMPUTE, name,
                           "feature '%s': eigenvector centrality did not converge in %d "
                           "iterations (the graph has no dominant eigenvector, e.g. a directed "
                           "acyclic graph)",
                           name, EIG_MAX_ITER);
}

static mloda_status pagerank(const graph *g, bool compat, double *out, double *tmp,
                             double *outw, const char *name, mloda_error *err)
{
    const double alpha = 0.85;
    int64_t n = g->n;
    for (int64_t u = 0; u < n; u++) {
        double s = 0.0;
        for (int64_t e = g->off[u]; e < g->off[u + 1]; e++)
            s += g->w[e];
        outw[u] = s;
        out[u] = 1.0 / (double)n;
    }
    for (int it = 0; it < (compat ? 100 : PR_MAX_ITER); it++) {
        double dangling = 0.0;
        for (int64_t u = 0; u < n; u++) {
            if (outw[u] == 0.0)
                dangling += out[u];
        }
        for (int64_t v = 0; v < n; v++) {
            double s = 0.0;
            for (int64_t e = g->ioff[v]; e < g->ioff[v + 1]; e++) {
                int64_t u = g->iadj[e];
                s += g->iw[e] / outw[u] * out[u];
            }
            tmp[v] = alpha * s + (1.0 - alpha) / (double)n;
            if (!compat) /* networkx spreads the dangling nodes' rank uniformly */
                tmp[v] += alpha * dangling / (double)n;
        }
        if (compat) {
            /* mloda: renormalise to sum 1; L2 test; keeps the previous iterate */
            double sum = 0.0, diff = 0.0;
            for (int64_t v = 0; v < n; v++)
                sum += tmp[v];
            for (int64_t v = 0; v < n; v++) {
                tmp[v] /= sum;
                diff += (tmp[v] - out[v]) * (tmp[v] - out[v]);
            }
            if (sqrt(diff) < 1e-6)
                return MLODA_OK;
            memcpy(out, tmp, (size_t)n * sizeof *out);
            continue;
        }
        double diff = 0.0;
        for (int64_t v = 0; v < n; v++)
            diff += fabs(tmp[v] - out[v]);
        memcpy(out, tmp, (size_t)n * sizeof *out);
        if (diff < (double)n * FIXED_POINT_TOL)
            return MLODA_OK;
    }
    if (compat)
        return MLODA_OK;
    return mloda_error_set(err, MLODA_ERR_COMPUTE, name,
                           "feature '%s': PageRank did not converge in %d iterations", name,
                           PR_MAX_ITER);
}

static void degree(const graph *g, bool compat, double *out)
{
    int64_t n = g->n;
    for (int64_t u = 0; u < n; u++) {
        double d = 0.0;
        for (int64_t e = g->off[u]; e < g->off[u + 1]; e++) {
            d += g->w[e];
            /* networkx counts an undirected self-loop twice; mloda's row sum once */
            if (!compat && !g->directed && g->adj[e] == u)
                d += g->w[e];
        }
        if (g->directed) {
            for (int64_t e = g->ioff[u]; e < g->ioff[u + 1]; e++)
                d += g->iw[e];
        }
        out[u] = d;
    }
    for (int64_t u = 0; u < n; u++) {
        if (n > 1)
            out[u] /= (double)(n - 1);
        else if (!compat)
            out[u] = 1.0; /* networkx: a single node has centrality 1 */
    }
}

static mloda_status scores(const mloda_calc *calc, const graph *g, const cent_state *s,
                           double *out, const char *name, mloda_error *err)
{
    int64_t n = g->n;
    mloda_status st = MLODA_OK;
    if (n == 0) /* no edges with both ends: every row's score is null */
        return MLODA_OK;
    switch (s->type) {
    case C_DEGREE:
        degree(g, s->compat, out);
        return MLODA_OK;
    case C_BETWEENNESS:
    case C_CLOSENESS: {
        sp_work w;
        MLODA_TRY(sp_init(&w, g, err));
        if (s->type == C_CLOSENESS) {
            st = closeness(calc, g, &w, s->compat, out, err);
        } else {
            st = betweenness(calc, g, &w, out, err);
            /* ordered pairs: networkx divides by (n-1)(n-2); mloda by half that */
            double norm = (double)(n - 1) * (double)(n - 2) / (s->compat ? 2.0 : 1.0);
            for (int64_t v = 0; n > 2 && v < n; v++)
                out[v] /= norm;
        }
        sp_reset(&w);
        return st;
    }
    case C_EIGENVECTOR:
    case C_PAGERANK: {
        double *tmp = mloda_malloc_n(n, sizeof *tmp), *outw = mloda_malloc_n(n, sizeof *outw);
        if (tmp == NULL || outw == NULL)
            st = MLODA_NOMEM(err, "centrality work space");
        else if (s->type == C_EIGENVECTOR)
            st = eigenvector(g, s->compat, out, tmp, name, err);
        else
            st = pagerank(g, s->compat, out, tmp, outw, name, err);
        mloda_free(tmp);
        mloda_free(outw);
        return st;
    }
    default:
        return mloda_error_set(err, MLODA_ERR_INTERNAL, name, "unknown centrality type");
    }
}

/* Node id of row r of the node column, or -1 (null or not an endpoint). */
static int64_t lookup(const graph *g, const mloda_column *c, int64_t r)
{
    nkey k;
    if (!key_of(c, r, g->text, &k))
        return -1;
    int64_t lo = 0, hi = g->n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        int cmp = cmp_value(&g->distinct[mid], &k, g->text);
        if (cmp == 0)
            return g->distinct[mid].pos;
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* Node id of row r of the node column: the endpoint's id when the node column is the
 * source or target column itself (no search), else by look-up. */
static int64_t row_node(const graph *g, const mloda_column *node, int64_t r, int64_t rows)
{
    if (node == g->cols[0])
        return g->ep[r];
    if (node == g->cols[1])
        return g->ep[rows + r];
    return lookup(g, node, r);
}

static mloda_status map_rows(const graph *g, const mloda_column *node, const double *sc,
                             int64_t rows, mloda_column **out, mloda_error *err)
{
    mloda_column_builder *b = NULL;
    void *vals = NULL;
    uint8_t *bits = NULL;
    MLODA_TRY(mloda_column_builder_new(MLODA_TYPE_FLOAT64, 0, MLODA_TIME_SECOND, &b, err));
    mloda_status st = mloda_column_builder_resize(b, rows, &vals, err);
    double *y = vals;
    bool any_null = false;
    for (int64_t r = 0; st == MLODA_OK && r < rows; r++) {
        int64_t id = row_node(g, node, r, rows);
        y[r] = id >= 0 ? sc[id] : 0.0;
        any_null |= id < 0;
    }
    if (st == MLODA_OK && any_null) {
        st = mloda_column_builder_validity(b, &bits, err);
        for (int64_t r = 0; st == MLODA_OK && r < rows; r++) {
            if (row_node(g, node, r, rows) < 0)
                mloda_bitmap_set(bits, r, false);
        }
    }
    if (st != MLODA_OK) {
        mloda_column_builder_free(b);
        return st;
    }
    return mloda_column_builder_finish(b, out, err);
}

static mloda_status cent_calculate(void *ud, mloda_calc *calc, mloda_error *err)
{
    (void)ud;
    graph g;
    memset(&g, 0, sizeof g);
    int64_t rows = mloda_calc_n_rows(calc);
    mloda_status st = MLODA_OK;
    for (int64_t i = 0; st == MLODA_OK && i < mloda_calc_n_features(calc); i++) {
        const cent_state *s = mloda_calc_state(calc, i);
        const char *name = mloda_feature_name(mloda_calc_feature(calc, i));
        const mloda_column *src = mloda_calc_input(calc, i, 1, 0);
        const mloda_column *dst = mloda_calc_input(calc, i, 2, 0);
        const mloda_column *wc = s->weighted ? mloda_calc_input(calc, i, 3, 0) : NULL;
        /* features over the same edge columns share one graph */
        if (g.off == NULL || g.cols[0] != src || g.cols[1] != dst || g.cols[2] != wc ||
            g.directed != s->directed)
            st = graph_build(&g, src, dst, wc, s->directed, rows, name, err);
        double *sc = st == MLODA_OK ? mloda_malloc_n(g.n, sizeof *sc) : NULL;
        if (st == MLODA_OK && sc == NULL)
            st = MLODA_NOMEM(err, "centrality scores");
        if (st == MLODA_OK)
            st = scores(calc, &g, s, sc, name, err);
        mloda_column *out = NULL;
        if (st == MLODA_OK)
            st = map_rows(&g, mloda_calc_input(calc, i, 0, 0), sc, rows, &out, err);
        mloda_free(sc);
        if (st == MLODA_OK)
            st = mloda_calc_set_output(calc, i, out, err);
        if (st != MLODA_OK)
            mloda_error_default_subject(err, name);
    }
    graph_reset(&g);
    return st;
}

const mloda_feature_group mloda_group_node_centrality = {
    .struct_size = sizeof(mloda_feature_group),
    .abi_version = MLODA_FEATURE_GROUP_ABI,
    .name = "NodeCentralityFeatureGroup",
    .description =
        "Centrality of each row's node in the graph whose edges are the rows of the table "
        "(source_column -> target_column, optional weight_column as connection strength; "
        "path lengths are 1/weight). Default: standard networkx-normalised definitions "
        "iterated to their fixed points (networkx stops at tol 1e-6, so it differs in the "
        "6th-7th digit). mloda_compat=true reproduces mloda: undirected betweenness doubled, "
        "closeness divided by its maximum, eigenvector iteration that does not converge on "
        "bipartite graphs, PageRank that drops dangling mass. mloda hard-codes the columns "
        "'source' and 'target'; here they are options with those defaults. Null endpoints "
        "add no edge; null or negative weights are errors. Cost (n nodes, m edges): degree "
        "O(m); eigenvector and pagerank O(m) per iteration (at most 100 in compat mode); "
        "betweenness and closeness run Dijkstra from every node, O(n m log n) time: about a "
        "minute for 10^5 nodes, so they stop at the batch timeout (--batch-timeout).",
    .version = "1",
    .patterns = "{node}__{type}_centrality",
    .options_doc = "centrality_type: degree|betweenness|closeness|eigenvector|pagerank\n"
                   "graph_type: undirected|directed (default undirected)\n"
                   "weight_column: column of edge weights (default none: every edge 1)\n"
                   "source_column: column of edge sources (default source)\n"
                   "target_column: column of edge targets (default target)\n"
                   "mloda_compat: true|false, reproduce mloda's formulas (default false)\n"
                   "in_features: the node column (option form)",
    .example = "source__pagerank_centrality",
    .match = cent_match,
    .inputs = cent_inputs,
    .bind = cent_bind,
    .calculate = cent_calculate,
    .parsed_free = mloda_family_parsed_free,
};
