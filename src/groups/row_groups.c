/*
 * row_groups.c: grouping rows by hashing their key values (see row_groups.h).
 *
 * One pass per key column hashes every row into h[]; one pass over the rows inserts them
 * into an open-addressing table (linear probing, at most half full) whose slots hold
 * group numbers. A probe compares the stored hash first and the key values only when the
 * hashes agree, against the group's first row.
 */
#include "groups/row_groups.h"

#include <string.h>

#include "util/util.h"

#define MISSING_HASH 0x2545F4914F6CDD1Du

static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9u;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebu;
    x ^= x >> 31;
    return x;
}

static inline bool bit_at(const uint8_t *bits, int64_t i)
{
    return (bits[i >> 3] >> (i & 7)) & 1;
}

static uint64_t hash_bytes(const char *s, int64_t len)
{
    uint64_t h = 0x9E3779B97F4A7C15u ^ (uint64_t)len;
    int64_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = mix64(h ^ w);
    }
    uint64_t w = 0;
    if (len > i)
        memcpy(&w, s + i, (size_t)(len - i));
    return mix64(h ^ w ^ 0x51ED270B27C2D5A9u);
}

bool row_is_missing(const mloda_column *col, int64_t r)
{
    if (!mloda_column_is_valid(col, r))
        return true;
    const double *f = mloda_column_type(col) == MLODA_TYPE_FLOAT64 ? mloda_column_float64(col)
                                                                   : NULL;
    return f != NULL && f[r] != f[r];
}

int row_value_cmp(const mloda_column *col, int64_t a, int64_t b)
{
    switch (mloda_column_type(col)) {
    case MLODA_TYPE_INT64:
    case MLODA_TYPE_TIMESTAMP: {
        const int64_t *x = mloda_column_int64(col);
        return (x[a] > x[b]) - (x[a] < x[b]);
    }
    case MLODA_TYPE_FLOAT64: {
        const double *x = mloda_column_float64(col);
        return (x[a] > x[b]) - (x[a] < x[b]);
    }
    case MLODA_TYPE_BOOL: {
        int va = mloda_column_bool_at(col, a), vb = mloda_column_bool_at(col, b);
        return va - vb;
    }
    case MLODA_TYPE_UTF8: {
        int64_t la = 0, lb = 0;
        const char *sa = mloda_column_utf8_at(col, a, &la);
        const char *sb = mloda_column_utf8_at(col, b, &lb);
        int64_t m = la < lb ? la : lb;
        int c = m > 0 ? memcmp(sa, sb, (size_t)m) : 0; /* byte order = code point order */
        if (c != 0)
            return c;
        return (la > lb) - (la < lb);
    }
    default:
        return 0;
    }
}

static bool key_equal(const mloda_column *c, int64_t a, int64_t b)
{
    bool ma = row_is_missing(c, a), mb = row_is_missing(c, b);
    if (ma || mb)
        return ma && mb;
    if (mloda_column_type(c) == MLODA_TYPE_UTF8) {
        int64_t la = 0, lb = 0;
        const char *sa = mloda_column_utf8_at(c, a, &la);
        const char *sb = mloda_column_utf8_at(c, b, &lb);
        return la == lb && (la == 0 || memcmp(sa, sb, (size_t)la) == 0);
    }
    return row_value_cmp(c, a, b) == 0; /* -0.0 == 0.0 */
}

/* Mixes the hash of every row's value in col into h[]; marks missing rows in skip[]
 * (when skip is not NULL). */
static mloda_status hash_column(const mloda_column *col, int64_t n, uint64_t *restrict h,
                                uint8_t *restrict skip, mloda_error *err)
{
    const uint8_t *valid = mloda_column_validity(col);
    mloda_type t = mloda_column_type(col);
    switch (t) {
    case MLODA_TYPE_INT64:
    case MLODA_TYPE_TIMESTAMP: {
        const int64_t *x = mloda_column_int64(col);
        for (int64_t r = 0; r < n; r++) {
            bool miss = valid != NULL && !bit_at(valid, r);
            h[r] = mix64(h[r] + (miss ? MISSING_HASH : mix64((uint64_t)x[r])));
            if (skip != NULL)
                skip[r] |= miss;
        }
        return MLODA_OK;
    }
    case MLODA_TYPE_FLOAT64: {
        const double *x = mloda_column_float64(col);
        for (int64_t r = 0; r < n; r++) {
            double v = x[r] == 0.0 ? 0.0 : x[r]; /* -0.0 hashes as 0.0 */
            bool miss = (valid != NULL && !bit_at(valid, r)) || v != v;
            uint64_t bits;
            memcpy(&bits, &v, sizeof bits);
            h[r] = mix64(h[r] + (miss ? MISSING_HASH : mix64(bits)));
            if (skip != NULL)
                skip[r] |= miss;
        }
        return MLODA_OK;
    }
    case MLODA_TYPE_BOOL: {
        const uint8_t *b = mloda_column_bool_bits(col);
        for (int64_t r = 0; r < n; r++) {
            bool miss = valid != NULL && !bit_at(valid, r);
            h[r] = mix64(h[r] + (miss ? MISSING_HASH : bit_at(b, r) ? 0xB5u : 0x3Au));
            if (skip != NULL)
                skip[r] |= miss;
        }
        return MLODA_OK;
    }
    case MLODA_TYPE_UTF8: {
        const int32_t *off = mloda_column_utf8_offsets(col);
        const char *data = mloda_column_utf8_data(col);
        for (int64_t r = 0; r < n; r++) {
            bool miss = valid != NULL && !bit_at(valid, r);
            h[r] = mix64(h[r] + (miss ? MISSING_HASH
                                      : hash_bytes(data + off[r], (int64_t)off[r + 1] - off[r])));
            if (skip != NULL)
                skip[r] |= miss;
        }
        return MLODA_OK;
    }
    default:
        return mloda_error_set(err, MLODA_ERR_TYPE, NULL, "cannot group by a %s column",
                               mloda_type_name(t));
    }
}

void row_groups_reset(row_groups *g)
{
    mloda_free(g->id);
    mloda_free(g->first);
    mloda_free(g->size);
    memset(g, 0, sizeof *g);
}

static void *alloc_n(int64_t n, size_t elem)
{
    size_t bytes = 0;
    if (!mloda_mul_size((size_t)(n > 0 ? n : 1), elem, &bytes))
        return NULL;
    return mloda_malloc(bytes);
}

mloda_status row_groups_build(const mloda_column *const *keys, int64_t n_keys, int64_t n_rows,
                              bool skip_missing, row_groups *out, mloda_error *err)
{
    memset(out, 0, sizeof *out);
    if (n_rows < 0 || n_rows > (INT64_MAX >> 4))
        return mloda_error_set(err, MLODA_ERR_RANGE, NULL, "%lld rows cannot be grouped",
                               (long long)n_rows);
    out->n_rows = n_rows;
    out->id = alloc_n(n_rows, sizeof(int64_t));
    out->first = alloc_n(n_rows, sizeof(int64_t));
    out->size = alloc_n(n_rows, sizeof(int64_t));
    uint64_t *h = mloda_calloc((size_t)(n_rows > 0 ? n_rows : 1), sizeof *h);
    uint8_t *skip = skip_missing ? mloda_calloc((size_t)(n_rows > 0 ? n_rows : 1), 1) : NULL;
    int64_t cap = 16;
    while (cap < 2 * n_rows)
        cap *= 2;
    int64_t *slots = mloda_calloc((size_t)cap, sizeof *slots);
    mloda_status st = MLODA_OK;
    if (out->id == NULL || out->first == NULL || out->size == NULL || h == NULL || slots == NULL ||
        (skip_missing && skip == NULL))
        st = MLODA_NOMEM(err, "a grouping table");
    for (int64_t k = 0; st == MLODA_OK && k < n_keys; k++)
        st = hash_column(keys[k], n_rows, h, skip, err);
    uint64_t mask = (uint64_t)cap - 1;
    for (int64_t r = 0; st == MLODA_OK && r < n_rows; r++) {
        if (skip != NULL && skip[r]) {
            out->id[r] = -1;
            continue;
        }
        uint64_t pos = h[r] & mask;
        for (;;) {
            int64_t s = slots[pos];
            if (s == 0) { /* new group */
                int64_t g = out->n_groups++;
                slots[pos] = g + 1;
                out->first[g] = r;
                out->size[g] = 1;
                out->id[r] = g;
                break;
            }
            int64_t g = s - 1, f = out->first[g];
            bool same = h[f] == h[r];
            for (int64_t k = 0; same && k < n_keys; k++)
                same = key_equal(keys[k], r, f);
            if (same) {
                out->size[g]++;
                out->id[r] = g;
                break;
            }
            pos = (pos + 1) & mask;
        }
    }
    mloda_free(h);
    mloda_free(skip);
    mloda_free(slots);
    if (st != MLODA_OK)
        row_groups_reset(out);
    return st;
}

mloda_status rows_sort_by_value(const mloda_column *col, int64_t *rows, int64_t n,
                                mloda_error *err)
{
    if (n < 2)
        return MLODA_OK;
    int64_t *tmp = alloc_n(n, sizeof *tmp);
    if (tmp == NULL)
        return MLODA_NOMEM(err, "sorting categories");
    /* bottom-up merge sort: stable, O(n log n) comparisons, no comparator context needed */
    int64_t *src = rows, *dst = tmp;
    for (int64_t w = 1; w < n; w *= 2) {
        for (int64_t lo = 0; lo < n; lo += 2 * w) {
            int64_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            int64_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                dst[k++] = row_value_cmp(col, src[j], src[i]) < 0 ? src[j++] : src[i++];
            while (i < mid)
                dst[k++] = src[i++];
            while (j < hi)
                dst[k++] = src[j++];
        }
        int64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != rows)
        memcpy(rows, src, (size_t)n * sizeof *rows);
    mloda_free(tmp);
    return MLODA_OK;
}
