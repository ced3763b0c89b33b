/*
 * row_groups.c: grouping rows by hashing their key values (see row_groups.h).
 *
 * One pass per key column hashes every row into h[]; one pass over the rows inserts them
 * into an open-addressing table (linear probing, at most half full) whose slots hold the
 * group's hash and number. The table grows with the number of groups, not of rows, so
 * for the usual few-thousand categories it stays in cache. A probe compares hashes first
 * and key values only when they agree, against the group's first row, reading the key
 * columns through prepared descriptors (no per-row calls).
 */
#include "groups/row_groups.h"

#include <string.h>

#include "util/bytes.h"
#include "util/sort.h"
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

bool mloda_row_is_missing(const mloda_column *col, int64_t r)
{
    if (!mloda_column_is_valid(col, r))
        return true;
    const double *f = mloda_column_type(col) == MLODA_TYPE_FLOAT64 ? mloda_column_float64(col)
                                                                   : NULL;
    return f != NULL && f[r] != f[r];
}

int mloda_row_value_cmp(const mloda_column *col, int64_t a, int64_t b)
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
        return mloda_bytes_cmp(sa, la, sb, lb); /* byte order = code point order */
    }
    default:
        return 0;
    }
}

/* A key column prepared for row comparisons. */
typedef struct key_col {
    mloda_type type;
    const uint8_t *valid; /* NULL: no nulls */
    const int64_t *i64;
    const double *f64;
    const uint8_t *bits;
    const int32_t *off;
    const char *data;
} key_col;

static void key_col_init(key_col *k, const mloda_column *c)
{
    k->type = mloda_column_type(c);
    k->valid = mloda_column_validity(c);
    k->i64 = mloda_column_int64(c);
    k->f64 = mloda_column_float64(c);
    k->bits = mloda_column_bool_bits(c);
    k->off = mloda_column_utf8_offsets(c);
    k->data = mloda_column_utf8_data(c);
}

static inline bool key_missing(const key_col *k, int64_t r)
{
    if (k->valid != NULL && !mloda_bitmap_get(k->valid, r))
        return true;
    return k->type == MLODA_TYPE_FLOAT64 && k->f64[r] != k->f64[r];
}

static inline bool key_equal(const key_col *k, int64_t a, int64_t b)
{
    bool ma = key_missing(k, a), mb = key_missing(k, b);
    if (ma || mb)
        return ma && mb;
    switch (k->type) {
    case MLODA_TYPE_FLOAT64:
        return k->f64[a] == k->f64[b]; /* -0.0 == 0.0 */
    case MLODA_TYPE_BOOL:
        return mloda_bitmap_get(k->bits, a) == mloda_bitmap_get(k->bits, b);
    case MLODA_TYPE_UTF8: {
        int32_t la = k->off[a + 1] - k->off[a], lb = k->off[b + 1] - k->off[b];
        return la == lb && (la == 0 || memcmp(k->data + k->off[a], k->data + k->off[b],
                                              (size_t)la) == 0);
    }
    default:
        return k->i64[a] == k->i64[b];
    }
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
            bool miss = valid != NULL && !mloda_bitmap_get(valid, r);
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
            bool miss = (valid != NULL && !mloda_bitmap_get(valid, r)) || v != v;
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
            bool miss = valid != NULL && !mloda_bitmap_get(valid, r);
            h[r] = mix64(h[r] + (miss ? MISSING_HASH : mloda_bitmap_get(b, r) ? 0xB5u : 0x3Au));
            if (skip != NULL)
                skip[r] |= miss;
        }
        return MLODA_OK;
    }
    case MLODA_TYPE_UTF8: {
        const int32_t *off = mloda_column_utf8_offsets(col);
        const char *data = mloda_column_utf8_data(col);
        for (int64_t r = 0; r < n; r++) {
            bool miss = valid != NULL && !mloda_bitmap_get(valid, r);
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

void mloda_row_groups_reset(row_groups *g)
{
    mloda_free(g->id);
    mloda_free(g->first);
    mloda_free(g->size);
    memset(g, 0, sizeof *g);
}

typedef struct slot {
    uint64_t hash;
    int64_t group; /* -1: empty */
} slot;

/* A table of `cap` empty slots. */
static slot *slots_new(int64_t cap)
{
    slot *t = mloda_malloc_n(cap, sizeof *t);
    for (int64_t i = 0; t != NULL && i < cap; i++)
        t[i].group = -1;
    return t;
}

/* Doubles the table, reinserting every group by its stored hash. */
static mloda_status slots_grow(slot **t, int64_t *cap, mloda_error *err)
{
    int64_t ncap = *cap * 2;
    slot *nt = slots_new(ncap);
    if (nt == NULL)
        return MLODA_NOMEM(err, "a grouping table");
    uint64_t mask = (uint64_t)ncap - 1;
    for (int64_t i = 0; i < *cap; i++) {
        if ((*t)[i].group < 0)
            continue;
        uint64_t pos = (*t)[i].hash & mask;
        while (nt[pos].group >= 0)
            pos = (pos + 1) & mask;
        nt[pos] = (*t)[i];
    }
    mloda_free(*t);
    *t = nt;
    *cap = ncap;
    return MLODA_OK;
}

mloda_status mloda_row_groups_build(const mloda_column *const *keys, int64_t n_keys, int64_t n_rows,
                              bool skip_missing, row_groups *out, mloda_error *err)
{
    memset(out, 0, sizeof *out);
    if (n_rows < 0 || n_rows > (INT64_MAX >> 4))
        return mloda_error_set(err, MLODA_ERR_RANGE, NULL, "%lld rows cannot be grouped",
                               (long long)n_rows);
    out->n_rows = n_rows;
    out->id = mloda_malloc_n(n_rows, sizeof(int64_t));
    out->first = mloda_malloc_n(n_rows, sizeof(int64_t));
    out->size = mloda_malloc_n(n_rows, sizeof(int64_t));
    uint64_t *h = mloda_calloc((size_t)(n_rows > 0 ? n_rows : 1), sizeof *h);
    uint8_t *skip = skip_missing ? mloda_calloc((size_t)(n_rows > 0 ? n_rows : 1), 1) : NULL;
    key_col kc_local[4];
    key_col *kc = n_keys <= 4 ? kc_local : mloda_malloc_n(n_keys, sizeof *kc);
    int64_t cap = 64;
    slot *table = slots_new(cap);
    mloda_status st = MLODA_OK;
    if (out->id == NULL || out->first == NULL || out->size == NULL || h == NULL ||
        table == NULL || kc == NULL || (skip_missing && skip == NULL))
        st = MLODA_NOMEM(err, "a grouping table");
    for (int64_t k = 0; st == MLODA_OK && k < n_keys; k++) {
        st = hash_column(keys[k], n_rows, h, skip, err);
        key_col_init(&kc[k], keys[k]);
    }
    for (int64_t r = 0; st == MLODA_OK && r < n_rows; r++) {
        if (skip != NULL && skip[r]) {
            out->id[r] = -1;
            continue;
        }
        uint64_t mask = (uint64_t)cap - 1, hr = h[r];
        uint64_t pos = hr & mask;
        for (;;) {
            slot *sl = &table[pos];
            if (sl->group < 0) { /* a new group */
                int64_t g = out->n_groups++;
                sl->group = g;
                sl->hash = hr;
                out->first[g] = r;
                out->size[g] = 1;
                out->id[r] = g;
                if (2 * out->n_groups > cap)
                    st = slots_grow(&table, &cap, err);
                break;
            }
            if (sl->hash == hr) {
                int64_t g = sl->group, f = out->first[g];
                bool same = true;
                for (int64_t k = 0; same && k < n_keys; k++)
                    same = key_equal(&kc[k], r, f);
                if (same) {
                    out->size[g]++;
                    out->id[r] = g;
                    break;
                }
            }
            pos = (pos + 1) & mask;
        }
    }
    mloda_free(h);
    mloda_free(skip);
    mloda_free(table);
    if (kc != kc_local)
        mloda_free(kc);
    if (st != MLODA_OK)
        mloda_row_groups_reset(out);
    return st;
}

static inline bool value_less(const mloda_column *col, int64_t a, int64_t b)
{
    return mloda_row_value_cmp(col, a, b) < 0;
}

/* a comparison goes through the column's type and costs more than moving a row: short
 * insertion runs (8: as fast as plain merging for utf8, faster for numbers) */
MLODA_STABLE_SORT_DEFINE_RUN(sort_rows, int64_t, const mloda_column *, value_less, 8)

mloda_status mloda_rows_sort_by_value(const mloda_column *col, int64_t *rows, int64_t n,
                                      mloda_error *err)
{
    if (n < 2)
        return MLODA_OK;
    int64_t *tmp = mloda_malloc_n(n, sizeof *tmp);
    if (tmp == NULL)
        return MLODA_NOMEM(err, "sorting categories");
    sort_rows(rows, tmp, n, col);
    mloda_free(tmp);
    return MLODA_OK;
}
