/*
 * join_exec.c: the JOIN step of a link and the gathering of joined inputs (SPEC.md §7.2).
 *
 * Keyed joins hash the smaller table's keys (chains keep row order) and probe the other
 * table in row order, giving for every probe row its matches in build-row order. The
 * result is emitted in the row order mloda shows: inner/left follow the left rows, right
 * follows the right rows, outer is left's order then the unmatched right rows. Null (and
 * NaN) keys never match. asof follows pandas merge_asof: per `on` key, the right row whose
 * time is the nearest before (backward), after (forward) or either side (nearest, ties go
 * backward) of the left row's time, within the tolerance.
 *
 * The result of a JOIN step is two row-index arrays (left row, right row; -1 for none);
 * a joined feature's inputs are gathered through them just before its step computes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/run.h"
#include "table/table_layer.h"
#include "util/sort.h"
#include "util/util.h"

typedef struct key_view {
    const mloda_column *const *cols; /* n columns, one per key */
    int64_t n;
    bool whole_rows; /* union's duplicate test: nulls equal nulls, lists compared too */
    const int64_t *i64;   /* fast path: the one INT64/TIMESTAMP key column's values */
    const uint8_t *valid; /* its validity (NULL: no nulls) */
} key_view;

/* Sets the single-int64-key fast path when it applies. */
static void key_view_prepare(key_view *kv)
{
    kv->i64 = NULL;
    kv->valid = NULL;
    if (kv->n != 1 || kv->whole_rows)
        return;
    mloda_type t = mloda_column_type(kv->cols[0]);
    if (t == MLODA_TYPE_INT64 || t == MLODA_TYPE_TIMESTAMP) {
        kv->i64 = mloda_column_int64(kv->cols[0]);
        kv->valid = mloda_column_validity(kv->cols[0]);
    }
}

/* ---------------------------------------------------------------- hashing keys */

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h;
}

/* Hash of row r's key; false when a key value is null or NaN (no match possible). */
static bool key_hash(const key_view *kv, int64_t r, uint64_t *out)
{
    uint64_t h = 1469598103934665603ULL;
    if (kv->i64 != NULL) {
        if (kv->valid != NULL && !mloda_bitmap_get(kv->valid, r))
            return false;
        *out = mix(h, (uint64_t)kv->i64[r]);
        return true;
    }
    for (int64_t k = 0; k < kv->n; k++) {
        const mloda_column *c = kv->cols[k];
        if (!mloda_column_is_valid(c, r)) {
            if (!kv->whole_rows)
                return false;
            h = mix(h, 0x6e756c6cu); /* null */
            continue;
        }
        switch (mloda_column_type(c)) {
        case MLODA_TYPE_FLOAT64_LIST: {
            int32_t m = mloda_column_list_size(c);
            h = mix(h, mloda_hash_bytes(mloda_column_float64(c) + (int64_t)m * r,
                                        (size_t)m * sizeof(double)));
            break;
        }
        case MLODA_TYPE_FLOAT64: {
            double d = mloda_column_float64(c)[r];
            if (isnan(d) && !kv->whole_rows)
                return false;
            d = d == 0.0 ? 0.0 : d; /* -0.0 equals 0.0 */
            uint64_t bits = 0;
            memcpy(&bits, &d, sizeof bits);
            h = mix(h, bits);
            break;
        }
        case MLODA_TYPE_INT64:
        case MLODA_TYPE_TIMESTAMP:
            h = mix(h, (uint64_t)mloda_column_int64(c)[r]);
            break;
        case MLODA_TYPE_BOOL:
            h = mix(h, mloda_column_bool_at(c, r) ? 1u : 2u);
            break;
        case MLODA_TYPE_UTF8: {
            int64_t len = 0;
            const char *s = mloda_column_utf8_at(c, r, &len);
            h = mix(h, mloda_hash_bytes(s, (size_t)len));
            break;
        }
        default:
            return false;
        }
    }
    *out = h;
    return true;
}

static bool keys_equal(const key_view *a, int64_t ra, const key_view *b, int64_t rb)
{
    if (a->i64 != NULL && b->i64 != NULL)
        return a->i64[ra] == b->i64[rb];
    for (int64_t k = 0; k < a->n; k++) {
        const mloda_column *x = a->cols[k], *y = b->cols[k];
        bool vx = mloda_column_is_valid(x, ra), vy = mloda_column_is_valid(y, rb);
        if (!vx || !vy) { /* only whole-row comparisons see nulls */
            if (vx != vy)
                return false;
            continue;
        }
        switch (mloda_column_type(x)) {
        case MLODA_TYPE_FLOAT64_LIST: {
            int32_t m = mloda_column_list_size(x);
            if (memcmp(mloda_column_float64(x) + (int64_t)m * ra,
                       mloda_column_float64(y) + (int64_t)m * rb, (size_t)m * sizeof(double)) != 0)
                return false;
            break;
        }
        case MLODA_TYPE_FLOAT64: {
            double dx = mloda_column_float64(x)[ra], dy = mloda_column_float64(y)[rb];
            if (dx != dy && !(isnan(dx) && isnan(dy)))
                return false;
            break;
        }
        case MLODA_TYPE_INT64:
        case MLODA_TYPE_TIMESTAMP:
            if (mloda_column_int64(x)[ra] != mloda_column_int64(y)[rb])
                return false;
            break;
        case MLODA_TYPE_BOOL:
            if (mloda_column_bool_at(x, ra) != mloda_column_bool_at(y, rb))
                return false;
            break;
        default: {
            int64_t la = 0, lb = 0;
            const char *sa = mloda_column_utf8_at(x, ra, &la);
            const char *sb = mloda_column_utf8_at(y, rb, &lb);
            if (la != lb || (la > 0 && memcmp(sa, sb, (size_t)la) != 0))
                return false;
        }
        }
    }
    return true;
}

/* Rows of one table chained by key: a slot holds its key's first row, next[row] the
 * following ones, in row order. Open addressing with linear probing at most half full;
 * a slot's tag is the key itself for an int64 key (one comparison, no second lookup) or
 * its hash otherwise (equal tags are then confirmed by keys_equal). */
typedef struct key_slot {
    uint64_t tag;
    int64_t head; /* first row of the slot's key, -1 empty */
} key_slot;

typedef struct key_index {
    const key_view *kv;
    int64_t cap;     /* power of two */
    int shift;       /* 64 - log2(cap): a tag's home slot is (tag * golden) >> shift */
    key_slot *slots; /* [cap] */
    int64_t *next;   /* [n rows] next row with the same key, -1 at the end */
    bool unique;     /* no key has two rows: every chain is one row long */
} key_index;

static void key_index_free(key_index *ix)
{
    mloda_free(ix->slots);
    mloda_free(ix->next);
}

/* The tag of row r: the int64 key itself, or its hash; false for a null or NaN key. */
static inline bool key_tag(const key_view *kv, int64_t r, uint64_t *tag)
{
    if (kv->i64 != NULL) {
        if (kv->valid != NULL && !mloda_bitmap_get(kv->valid, r))
            return false;
        *tag = (uint64_t)kv->i64[r];
        return true;
    }
    return key_hash(kv, r, tag);
}

static inline int64_t home_slot(const key_index *ix, uint64_t tag)
{
    return (int64_t)((tag * 0x9e3779b97f4a7c15ULL) >> ix->shift);
}

/* Rows ahead whose home slot is prefetched while a row is looked up: a table of 100k keys
 * is larger than the core's caches, and its lookups are otherwise one miss each, in
 * series. */
enum { PREFETCH_AHEAD = 16 };

/* Starts loading the home slot of row r of an int64 key (nothing for other keys, whose
 * hash costs more than the miss). */
static inline void prefetch_slot(const key_index *ix, const key_view *kv, int64_t r)
{
    if (kv->i64 != NULL)
        __builtin_prefetch(&ix->slots[home_slot(ix, (uint64_t)kv->i64[r])]);
}

/* The slot of row r of view kv (with tag t) in ix: its key's slot, or an empty one. */
static inline int64_t find_slot(const key_index *ix, const key_view *kv, int64_t r, uint64_t t)
{
    int64_t i = home_slot(ix, t);
    if (ix->kv->i64 != NULL && kv->i64 != NULL) {
        while (ix->slots[i].head >= 0 && ix->slots[i].tag != t)
            i = (i + 1) & (ix->cap - 1);
        return i;
    }
    while (ix->slots[i].head >= 0 &&
           !(ix->slots[i].tag == t && keys_equal(ix->kv, ix->slots[i].head, kv, r)))
        i = (i + 1) & (ix->cap - 1);
    return i;
}

/* The last row of each slot's chain, made at the first duplicate key: until then every
 * slot's only row is its last (unique keys, the common case, never need it). */
static int64_t *slot_tails(const key_index *ix)
{
    int64_t *tail = mloda_malloc((size_t)ix->cap * sizeof *tail);
    for (int64_t i = 0; tail != NULL && i < ix->cap; i++)
        tail[i] = ix->slots[i].head;
    return tail;
}

static mloda_status key_index_build(key_index *ix, const key_view *kv, int64_t n,
                                    mloda_error *err)
{
    memset(ix, 0, sizeof *ix);
    ix->kv = kv;
    ix->cap = 16;
    ix->shift = 60;
    while (ix->cap < 2 * n) {
        ix->cap *= 2;
        ix->shift--;
    }
    ix->slots = mloda_malloc((size_t)ix->cap * sizeof *ix->slots);
    ix->next = mloda_malloc((size_t)(n > 0 ? n : 1) * sizeof *ix->next);
    if (ix->slots == NULL || ix->next == NULL) {
        key_index_free(ix);
        return MLODA_NOMEM(err, "a join hash table");
    }
    for (int64_t i = 0; i < ix->cap; i++)
        ix->slots[i].head = -1;
    ix->unique = true;
    int64_t *tail = NULL;
    for (int64_t r = 0; r < n; r++) {
        uint64_t t = 0;
        if (r + PREFETCH_AHEAD < n)
            prefetch_slot(ix, kv, r + PREFETCH_AHEAD);
        ix->next[r] = -1;
        if (!key_tag(kv, r, &t))
            continue;
        int64_t s = find_slot(ix, kv, r, t);
        if (ix->slots[s].head < 0) {
            ix->slots[s].head = r;
            ix->slots[s].tag = t;
        } else {
            if (tail == NULL && (tail = slot_tails(ix)) == NULL) {
                key_index_free(ix);
                return MLODA_NOMEM(err, "a join hash table");
            }
            ix->next[tail[s]] = r;
            ix->unique = false;
        }
        if (tail != NULL)
            tail[s] = r;
    }
    mloda_free(tail);
    return MLODA_OK;
}

/* First row of ix with the key of row r of kv, or -1. */
static inline int64_t key_index_first(const key_index *ix, const key_view *kv, int64_t r)
{
    uint64_t t = 0;
    if (!key_tag(kv, r, &t))
        return -1;
    return ix->slots[find_slot(ix, kv, r, t)].head;
}

/* ---------------------------------------------------------------- joined rows */

/* Probing splits the probe rows into parts over the pool once there are this many rows
 * per part. */
enum { PROBE_GRAIN = 1 << 16 };

typedef struct pairs {
    int64_t *left, *right; /* owned; NULL: the side's rows 0..n-1 in order (no copy made) */
    bool missing[2];       /* the left/right side has -1 rows */
    int64_t n;
    const mloda_plan *plan; /* for the limit on joined rows (MLODA_LIMIT_OUTPUT_CELLS) */
    const plan_link *link;
    mloda_pool *pool;       /* probes run their parts here, */
    int64_t max_threads;    /* at most this many at once (0: the pool's width) */
} pairs;

/* More joined rows than a run may produce cells is an error before anything that size is
 * allocated (10^4 rows with one key on each side would make 10^8 pairs). */
static mloda_status check_joined_rows(const pairs *p, int64_t n, mloda_error *err)
{
    if (n <= p->plan->limits[MLODA_LIMIT_OUTPUT_CELLS])
        return MLODA_OK;
    char what[MLODA_ERROR_SUBJECT_MAX + 32];
    (void)snprintf(what, sizeof what, "the %s join", p->link->domain_name);
    return mloda_run_limit_error(p->plan, MLODA_LIMIT_OUTPUT_CELLS, n, p->link->domain_name,
                                 what, err);
}

static int64_t *alloc_rows(int64_t n)
{
    return mloda_malloc((size_t)(n > 0 ? n : 1) * sizeof(int64_t));
}

/* ---------------------------------------------------------------- probing in parts */

typedef struct probe {
    const key_index *ix;
    const key_view *kv; /* the probe rows' keys */
    int64_t n, parts;
    int64_t total[MLODA_POOL_MAX_PARTS]; /* per part: rows written (unique) or matches (csr) */
    bool missed[MLODA_POOL_MAX_PARTS];   /* per part: some row had no match */
    /* unique build keys: */
    bool keep_unmatched;
    int64_t *by, *other; /* [n] probe rows (NULL when all are kept) and their matches */
    /* any build keys: */
    int64_t *first, *off, *to;
} probe;

static void part_rows(const probe *pr, int64_t part, int64_t *lo, int64_t *hi)
{
    *lo = pr->n / pr->parts * part + (part < pr->n % pr->parts ? part : pr->n % pr->parts);
    *hi = *lo + pr->n / pr->parts + (part < pr->n % pr->parts);
}

/* Unique build keys, one part: each probe row's match (or -1) at its own row when
 * unmatched rows stay, else the matched rows packed from the part's first row on. */
static void probe_unique_part(void *ctx, int64_t part)
{
    probe *pr = ctx;
    int64_t lo = 0, hi = 0, k = 0;
    part_rows(pr, part, &lo, &hi);
    bool missed = false;
    if (pr->keep_unmatched) {
        for (int64_t r = lo; r < hi; r++) {
            if (r + PREFETCH_AHEAD < hi)
                prefetch_slot(pr->ix, pr->kv, r + PREFETCH_AHEAD);
            int64_t m = key_index_first(pr->ix, pr->kv, r);
            pr->other[r] = m;
            missed |= m < 0;
        }
        k = hi - lo;
    } else {
        for (int64_t r = lo; r < hi; r++) {
            if (r + PREFETCH_AHEAD < hi)
                prefetch_slot(pr->ix, pr->kv, r + PREFETCH_AHEAD);
            int64_t m = key_index_first(pr->ix, pr->kv, r);
            pr->by[lo + k] = r;
            pr->other[lo + k] = m;
            k += m >= 0;
        }
        missed = k < hi - lo;
    }
    pr->total[part] = k;
    pr->missed[part] = missed;
}

/* Any build keys, first pass of one part: each row's first match, its number of matches
 * in off[r + 1], and the part's total. */
static void probe_count_part(void *ctx, int64_t part)
{
    probe *pr = ctx;
    int64_t lo = 0, hi = 0, total = 0;
    part_rows(pr, part, &lo, &hi);
    for (int64_t r = lo; r < hi; r++) {
        int64_t m = 0;
        if (r + PREFETCH_AHEAD < hi)
            prefetch_slot(pr->ix, pr->kv, r + PREFETCH_AHEAD);
        pr->first[r] = key_index_first(pr->ix, pr->kv, r);
        for (int64_t b = pr->first[r]; b >= 0; b = pr->ix->next[b])
            m++;
        pr->off[r + 1] = m;
        total += m;
    }
    pr->total[part] = total;
}

/* Second pass: counts become offsets (the part's own start in total[part]) and the
 * matches are written. */
static void probe_fill_part(void *ctx, int64_t part)
{
    probe *pr = ctx;
    int64_t lo = 0, hi = 0, k = pr->total[part];
    part_rows(pr, part, &lo, &hi);
    for (int64_t r = lo; r < hi; r++) {
        pr->off[r + 1] = k + pr->off[r + 1];
        for (int64_t b = pr->first[r]; b >= 0; b = pr->ix->next[b])
            pr->to[k++] = b;
    }
}

static void probe_init(probe *pr, const key_index *ix, const key_view *kv, int64_t n,
                       const pairs *p)
{
    memset(pr, 0, sizeof *pr);
    pr->ix = ix;
    pr->kv = kv;
    pr->n = n;
    pr->parts = mloda_pool_parts(p->pool, p->max_threads, n, PROBE_GRAIN);
}

/* ---------------------------------------------------------------- CSR of matches */

typedef struct csr {
    int64_t n;     /* rows */
    int64_t *off;  /* [n + 1] */
    int64_t *to;   /* [off[n]] matched rows of the other table, in its row order */
} csr;

static void csr_free(csr *c)
{
    mloda_free(c->off);
    mloda_free(c->to);
    memset(c, 0, sizeof *c);
}

/* Matches of every probe row in the build index, probe rows in order. Each probe row is
 * hashed once: the first pass keeps its first match. */
static mloda_status csr_probe(const key_index *ix, const key_view *kv, int64_t n,
                              const pairs *lim, csr *out, mloda_error *err)
{
    probe pr;
    probe_init(&pr, ix, kv, n, lim);
    memset(out, 0, sizeof *out);
    out->n = n;
    out->off = pr.off = alloc_rows(n + 1);
    pr.first = alloc_rows(n);
    mloda_status st = MLODA_OK;
    if (out->off == NULL || pr.first == NULL)
        st = MLODA_NOMEM(err, "join matches");
    if (st == MLODA_OK) {
        out->off[0] = 0;
        mloda_pool_parallel_for(lim->pool, pr.parts, probe_count_part, &pr);
        int64_t total = 0;
        for (int64_t p = 0; p < pr.parts; p++) { /* each part's count becomes its start */
            int64_t c = pr.total[p];
            pr.total[p] = total;
            total += c;
        }
        st = check_joined_rows(lim, total, err);
        if (st == MLODA_OK && (out->to = pr.to = alloc_rows(total)) == NULL)
            st = MLODA_NOMEM(err, "join matches");
    }
    if (st == MLODA_OK)
        mloda_pool_parallel_for(lim->pool, pr.parts, probe_fill_part, &pr);
    mloda_free(pr.first);
    if (st != MLODA_OK)
        csr_free(out);
    return st;
}

/* The same matches seen from the other table (m rows): stable, so each row's matches stay
 * in row order. */
static mloda_status csr_transpose(const csr *in, int64_t m, csr *out, mloda_error *err)
{
    memset(out, 0, sizeof *out);
    out->n = m;
    out->off = mloda_calloc((size_t)m + 1, sizeof *out->off);
    int64_t total = in->off[in->n];
    out->to = alloc_rows(total);
    int64_t *fill = mloda_calloc((size_t)m + 1, sizeof *fill);
    if (out->off == NULL || out->to == NULL || fill == NULL) {
        mloda_free(fill);
        csr_free(out);
        return MLODA_NOMEM(err, "join matches");
    }
    for (int64_t k = 0; k < total; k++)
        out->off[in->to[k] + 1]++;
    for (int64_t r = 0; r < m; r++)
        out->off[r + 1] += out->off[r];
    for (int64_t r = 0; r < in->n; r++) {
        for (int64_t k = in->off[r]; k < in->off[r + 1]; k++) {
            int64_t y = in->to[k];
            out->to[out->off[y] + fill[y]++] = r;
        }
    }
    mloda_free(fill);
    return MLODA_OK;
}

/* ---------------------------------------------------------------- emitting pairs */

static mloda_status pairs_reserve(pairs *p, int64_t n, mloda_error *err)
{
    MLODA_TRY(check_joined_rows(p, n, err));
    p->left = alloc_rows(n);
    p->right = alloc_rows(n);
    if (p->left == NULL || p->right == NULL)
        return MLODA_NOMEM(err, "joined rows");
    return MLODA_OK;
}

static void pairs_push(pairs *p, int64_t l, int64_t r)
{
    p->missing[0] |= l < 0;
    p->missing[1] |= r < 0;
    p->left[p->n] = l;
    p->right[p->n++] = r;
}

/* Rows of `by` in order, each expanded to its matches (or one unmatched row when keep). */
static int64_t count_expanded(const csr *by, bool keep_unmatched)
{
    int64_t n = 0;
    for (int64_t r = 0; r < by->n; r++) {
        int64_t m = by->off[r + 1] - by->off[r];
        n += (m == 0 && keep_unmatched) ? 1 : m;
    }
    return n;
}

static void emit_expanded(const csr *by, bool keep_unmatched, bool by_is_left, pairs *p)
{
    for (int64_t r = 0; r < by->n; r++) {
        if (by->off[r] == by->off[r + 1] && keep_unmatched)
            pairs_push(p, by_is_left ? r : -1, by_is_left ? -1 : r);
        for (int64_t k = by->off[r]; k < by->off[r + 1]; k++)
            pairs_push(p, by_is_left ? r : by->to[k], by_is_left ? by->to[k] : r);
    }
}

/* Unique build keys, the result in probe-row order (inner/left probing the left rows,
 * right probing the right rows): each probe row has at most one match, so the pairs come
 * straight out of one probe; kept unmatched rows leave the probe side in row order (no
 * copy). */
static mloda_status unique_join(const key_index *ix, const key_view *kv, int64_t n,
                                bool keep_unmatched, bool probe_is_left, pairs *out,
                                mloda_error *err)
{
    probe pr;
    probe_init(&pr, ix, kv, n, out);
    pr.keep_unmatched = keep_unmatched;
    if (keep_unmatched)
        MLODA_TRY(check_joined_rows(out, n, err));
    pr.other = alloc_rows(n);
    pr.by = keep_unmatched ? NULL : alloc_rows(n);
    if (pr.other == NULL || (!keep_unmatched && pr.by == NULL)) {
        mloda_free(pr.other);
        mloda_free(pr.by);
        return MLODA_NOMEM(err, "joined rows");
    }
    mloda_pool_parallel_for(out->pool, pr.parts, probe_unique_part, &pr);
    int64_t total = pr.total[0];
    bool missed = pr.missed[0];
    for (int64_t p = 1; p < pr.parts; p++) { /* packed parts move down behind each other */
        int64_t lo = 0, hi = 0;
        part_rows(&pr, p, &lo, &hi);
        if (pr.by != NULL) {
            memmove(pr.by + total, pr.by + lo, (size_t)pr.total[p] * sizeof *pr.by);
            memmove(pr.other + total, pr.other + lo, (size_t)pr.total[p] * sizeof *pr.other);
        }
        total += pr.total[p];
        missed |= pr.missed[p];
    }
    out->n = total;
    out->left = probe_is_left ? pr.by : pr.other;
    out->right = probe_is_left ? pr.other : pr.by;
    out->missing[probe_is_left ? 1 : 0] = keep_unmatched && missed;
    return check_joined_rows(out, total, err);
}

static mloda_status keyed_join(const plan_link *k, const key_view *lk, int64_t nl,
                               const key_view *rk, int64_t nr, pairs *out, mloda_error *err)
{
    /* build on the smaller table, probe the other in row order */
    bool build_right = nr <= nl;
    key_index ix;
    MLODA_TRY(key_index_build(&ix, build_right ? rk : lk, build_right ? nr : nl, err));
    /* the result follows the probe rows' order: one pass */
    bool in_probe_order = build_right ? (k->kind == LINK_INNER || k->kind == LINK_LEFT)
                                      : k->kind == LINK_RIGHT;
    if (ix.unique && in_probe_order) {
        mloda_status st = unique_join(&ix, build_right ? lk : rk, build_right ? nl : nr,
                                      k->kind != LINK_INNER, build_right, out, err);
        key_index_free(&ix);
        return st;
    }
    csr probed, other;
    memset(&other, 0, sizeof other);
    mloda_status st = csr_probe(&ix, build_right ? lk : rk, build_right ? nl : nr, out, &probed,
                                err);
    key_index_free(&ix);
    if (st != MLODA_OK)
        return st;
    st = csr_transpose(&probed, build_right ? nr : nl, &other, err);
    const csr *by_left = build_right ? &probed : &other, *by_right = build_right ? &other : &probed;
    if (st == MLODA_OK) {
        switch (k->kind) {
        case LINK_INNER:
            st = pairs_reserve(out, count_expanded(by_left, false), err);
            if (st == MLODA_OK)
                emit_expanded(by_left, false, true, out);
            break;
        case LINK_LEFT:
            st = pairs_reserve(out, count_expanded(by_left, true), err);
            if (st == MLODA_OK)
                emit_expanded(by_left, true, true, out);
            break;
        case LINK_RIGHT:
            st = pairs_reserve(out, count_expanded(by_right, true), err);
            if (st == MLODA_OK)
                emit_expanded(by_right, true, false, out);
            break;
        default: { /* outer: left's order, then the right rows nothing matched */
            int64_t unmatched = 0;
            for (int64_t r = 0; r < nr; r++)
                unmatched += by_right->off[r] == by_right->off[r + 1];
            st = pairs_reserve(out, count_expanded(by_left, true) + unmatched, err);
            if (st == MLODA_OK) {
                emit_expanded(by_left, true, true, out);
                for (int64_t r = 0; r < nr; r++) {
                    if (by_right->off[r] == by_right->off[r + 1])
                        pairs_push(out, -1, r);
                }
            }
        }
        }
    }
    csr_free(&probed);
    csr_free(&other);
    return st;
}

/* append: left rows then right rows; union: the same without fully duplicate rows
 * (every column of the row's table equal, nulls equal to nulls; the first one stays). */
static mloda_status stack_join(const plan_link *k, const key_view *rows_of[2], int64_t nl,
                               int64_t nr, pairs *out, mloda_error *err)
{
    MLODA_TRY(pairs_reserve(out, nl + nr, err));
    const int64_t counts[2] = {nl, nr};
    for (int side = 0; side < 2; side++) {
        key_index ix;
        bool dedupe = k->kind == LINK_UNION && rows_of[side]->n > 0;
        if (dedupe)
            MLODA_TRY(key_index_build(&ix, rows_of[side], counts[side], err));
        for (int64_t r = 0; r < counts[side]; r++) {
            if (dedupe && key_index_first(&ix, rows_of[side], r) != r)
                continue;
            pairs_push(out, side == 0 ? r : -1, side == 0 ? -1 : r);
        }
        if (dedupe)
            key_index_free(&ix);
    }
    return MLODA_OK;
}

/* ---------------------------------------------------------------- asof */

static long double time_at(const mloda_column *c, int64_t r, bool *ok)
{
    *ok = mloda_column_is_valid(c, r);
    if (mloda_column_type(c) == MLODA_TYPE_FLOAT64) {
        double d = mloda_column_float64(c)[r];
        *ok = *ok && !isnan(d);
        return (long double)d;
    }
    return (long double)mloda_column_int64(c)[r];
}

typedef struct timed_row {
    long double t;
    int64_t row;
} timed_row;

static inline bool earlier(const void *ctx, timed_row x, timed_row y)
{
    (void)ctx;
    return x.t < y.t;
}

MLODA_STABLE_SORT_DEFINE(sort_timed, timed_row, const void *, earlier)

/* Sorts rows[0..n) by (time, row): ties keep row order, so backward picks the last. */
static mloda_status sort_by_time(const mloda_column *rt, int64_t *rows, int64_t n,
                                 mloda_error *err)
{
    if (n < 2)
        return MLODA_OK;
    timed_row *tr = mloda_malloc(2 * (size_t)n * sizeof *tr); /* the rows, then scratch */
    if (tr == NULL)
        return MLODA_NOMEM(err, "an asof join");
    for (int64_t i = 0; i < n; i++) {
        bool ok = true;
        tr[i] = (timed_row){time_at(rt, rows[i], &ok), rows[i]};
    }
    sort_timed(tr, tr + n, n, NULL); /* stable; rows come in increasing order */
    for (int64_t i = 0; i < n; i++)
        rows[i] = tr[i].row;
    mloda_free(tr);
    return MLODA_OK;
}

static int64_t asof_pick(const plan_link *k, const mloda_column *rt, const int64_t *rows,
                         int64_t n, long double t)
{
    bool ok = true;
    /* first position whose time is >= t (or > t when exact matches are not allowed for
     * forward), found by binary search */
    int64_t lo = 0, hi = n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        long double tm = time_at(rt, rows[mid], &ok);
        if (tm < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    int64_t ge = lo; /* rows[ge..] have time >= t */
    int64_t gt = ge;
    while (gt < n && time_at(rt, rows[gt], &ok) == t)
        gt++;
    int64_t back = k->allow_exact ? gt - 1 : ge - 1; /* last row <= t (or < t) */
    int64_t fwd = k->allow_exact ? ge : gt;          /* first row >= t (or > t) */
    int64_t pick = -1;
    long double dist = 0;
    if (k->direction != ASOF_FORWARD && back >= 0) {
        pick = rows[back];
        dist = t - time_at(rt, pick, &ok);
    }
    if (k->direction != ASOF_BACKWARD && fwd < n) {
        long double d = time_at(rt, rows[fwd], &ok) - t;
        if (pick < 0 || d < dist) {
            pick = rows[fwd];
            dist = d;
        }
    }
    if (pick >= 0 && k->has_tolerance && dist > (long double)k->tolerance)
        pick = -1;
    return pick;
}

static mloda_status asof_join(const plan_link *k, const key_view *lk, int64_t nl,
                              const key_view *rk, int64_t nr, const mloda_column *lt,
                              const mloda_column *rt, pairs *out, mloda_error *err)
{
    key_index ix;
    MLODA_TRY(key_index_build(&ix, rk, nr, err));
    /* each key group's right rows, gathered into one array sorted by time per group */
    int64_t *rows = mloda_malloc((size_t)(nr > 0 ? nr : 1) * sizeof *rows);
    int64_t *group_start = mloda_malloc((size_t)ix.cap * sizeof *group_start);
    int64_t *group_len = mloda_calloc((size_t)ix.cap, sizeof *group_len);
    mloda_status st = (rows == NULL || group_start == NULL || group_len == NULL)
                          ? MLODA_NOMEM(err, "an asof join")
                          : pairs_reserve(out, nl, err);
    if (st == MLODA_OK) {
        int64_t n = 0;
        for (int64_t s = 0; s < ix.cap && st == MLODA_OK; s++) {
            group_start[s] = n;
            for (int64_t r = ix.slots[s].head; r >= 0; r = ix.next[r]) {
                bool ok = true;
                (void)time_at(rt, r, &ok);
                if (ok)
                    rows[n++] = r;
            }
            group_len[s] = n - group_start[s];
            st = sort_by_time(rt, rows + group_start[s], group_len[s], err);
        }
        for (int64_t l = 0; l < nl && st == MLODA_OK; l++) {
            bool ok = true;
            long double t = time_at(lt, l, &ok);
            uint64_t tag = 0;
            int64_t pick = -1;
            if (ok && key_tag(lk, l, &tag)) {
                int64_t s = find_slot(&ix, lk, l, tag);
                if (ix.slots[s].head >= 0)
                    pick = asof_pick(k, rt, rows + group_start[s], group_len[s], t);
            }
            pairs_push(out, l, pick);
        }
    }
    mloda_free(rows);
    mloda_free(group_start);
    mloda_free(group_len);
    key_index_free(&ix);
    return st;
}

/* ---------------------------------------------------------------- steps */

mloda_status mloda_run_join_step(run_ctx *run, int64_t s, mloda_error *err)
{
    const mloda_plan *plan = run->plan;
    int64_t l = plan->steps[s].domain - plan->n_sources;
    const plan_link *k = &plan->links[l];
    int64_t nl = run->domain_rows[k->left], nr = run->domain_rows[k->right];
    enum { MAX_KEYS = 32 };
    const mloda_column *lcols[MAX_KEYS], *rcols[MAX_KEYS];
    if (k->n_keys > MAX_KEYS)
        return mloda_error_set(err, MLODA_ERR_RANGE, k->description,
                               "a link may have at most %d key columns", MAX_KEYS);
    for (int64_t i = 0; i < k->n_keys; i++) {
        lcols[i] = run->link_cols[k->first_col + 2 * i];
        rcols[i] = run->link_cols[k->first_col + 2 * i + 1];
    }
    key_view lk = {lcols, k->n_keys, false, NULL, NULL}, rk = {rcols, k->n_keys, false, NULL, NULL};
    key_view_prepare(&lk);
    key_view_prepare(&rk);
    pairs out = {.plan = plan, .link = k, .pool = run->session->pool, .max_threads = plan->threads};
    mloda_status st;
    if (k->kind == LINK_APPEND || k->kind == LINK_UNION) {
        const mloda_column *const *row_cols = (const mloda_column *const *)run->link_cols;
        key_view lrows = {row_cols + k->first_row_col, k->n_row_cols[0], true, NULL, NULL};
        key_view rrows = {row_cols + k->first_row_col + k->n_row_cols[0], k->n_row_cols[1], true,
                          NULL, NULL};
        const key_view *rows_of[2] = {&lrows, &rrows};
        st = stack_join(k, rows_of, nl, nr, &out, err);
    } else if (k->kind == LINK_ASOF) {
        const mloda_column *lt = run->link_cols[k->first_col + 2 * k->n_keys];
        const mloda_column *rt = run->link_cols[k->first_col + 2 * k->n_keys + 1];
        st = asof_join(k, &lk, nl, &rk, nr, lt, rt, &out, err);
    } else {
        st = keyed_join(k, &lk, nl, &rk, nr, &out, err);
    }
    if (st != MLODA_OK) {
        mloda_free(out.left);
        mloda_free(out.right);
        return st;
    }
    run->link_rows[2 * l] = (link_side){out.left, out.missing[0]};
    run->link_rows[2 * l + 1] = (link_side){out.right, out.missing[1]};
    run->domain_rows[plan->n_sources + l] = out.n;
    return MLODA_OK;
}

/* One column at the joined rows of one side: the column itself when they are its rows in
 * order, else its rows taken (null for -1). */
static mloda_status gather_column(const mloda_column *col, const link_side *side, int64_t n,
                                  mloda_column **out, mloda_error *err)
{
    if (side->rows == NULL) {
        *out = mloda_column_retain(col);
        return MLODA_OK;
    }
    return mloda_column_take_trusted(col, side->rows, n, side->missing, out, err);
}

/* Gathers one input (all its columns) through the link's row indices. */
static mloda_status gather_one(run_ctx *run, int64_t g, mloda_error *err)
{
    const mloda_plan *plan = run->plan;
    const plan_gather *pg = &plan->gathers[g];
    const node_out *src = &run->outs[pg->node];
    node_out *dst = &run->gathered[g];
    const link_side *side = &run->link_rows[2 * pg->link + pg->side];
    int64_t n = run->domain_rows[plan->n_sources + pg->link];
    if (!plan->nodes[pg->node].out_multi)
        return gather_column(src->col, side, n, &dst->col, err);
    dst->cols = mloda_calloc((size_t)(src->n > 0 ? src->n : 1), sizeof *dst->cols);
    dst->suffixes = mloda_calloc((size_t)(src->n > 0 ? src->n : 1), sizeof *dst->suffixes);
    if (dst->cols == NULL || dst->suffixes == NULL)
        return MLODA_NOMEM(err, "joined inputs");
    dst->cap = src->n;
    for (int64_t c = 0; c < src->n; c++) {
        MLODA_TRY(gather_column(src->cols[c], side, n, &dst->cols[c], err));
        dst->n++; /* the column is owned now; reset frees it with its suffix */
        dst->suffixes[c] = mloda_strdup(src->suffixes[c]);
        if (dst->suffixes[c] == NULL)
            return MLODA_NOMEM(err, "joined inputs");
    }
    return MLODA_OK;
}

mloda_status mloda_run_gather_inputs(run_ctx *run, int64_t s, mloda_error *err)
{
    const mloda_plan *plan = run->plan;
    const plan_step *st = &plan->steps[s];
    for (int64_t i = 0; i < st->n_features; i++) {
        const plan_node *n = &plan->nodes[st->features[i]];
        for (int64_t j = 0; n->input_gather != NULL && j < n->n_inputs; j++) {
            if (n->input_gather[j] != MLODA_NO_INDEX)
                MLODA_TRY(gather_one(run, n->input_gather[j], err));
        }
    }
    return MLODA_OK;
}
