/*
 * table.c: immutable, reference-counted tables of named columns.
 *
 * A table is one allocation: the struct, then the column pointer array, the name pointer
 * array and the name bytes (group name first). Each column pointer holds one reference.
 * Every column has n_rows rows; names are non-empty and unique.
 */
#include "table/table_layer.h"

#include <stdatomic.h>
#include <string.h>

#include "table/column_internal.h"
#include "util/util.h"

struct mloda_table {
    atomic_long refs;
    int64_t n_rows;
    int64_t n_columns;
    const char *group;       /* points into this block */
    mloda_column **columns;  /* points into this block; each holds one reference */
    const char **names;      /* points into this block */
    int64_t *index;          /* owned, wide tables only (NULL otherwise): open addressing
                                over index_cap slots of column + 1 (0 = empty), so that
                                mloda_table_column_index is near O(1) for 10^5 columns */
    size_t index_cap;        /* a power of two, at least twice n_columns */
};

/* Above this many columns the duplicate check hashes instead of comparing all pairs, and
 * the table keeps a name index. */
enum { PAIRWISE_MAX = 64 };

static uint64_t name_hash(const char *name)
{
    return mloda_hash_bytes(name, strlen(name));
}

/* The slot of name in the index: its column's slot, or the empty slot where it would go. */
static size_t index_slot(const mloda_table *t, const char *name, uint64_t h)
{
    size_t mask = t->index_cap - 1, at = (size_t)h & mask;
    while (t->index[at] != 0 && strcmp(t->names[t->index[at] - 1], name) != 0)
        at = (at + 1) & mask;
    return at;
}

/* Builds the name index of a wide table (names already checked unique). */
static mloda_status build_index(mloda_table *t, mloda_error *err)
{
    size_t cap = 16;
    while (cap < 2 * (size_t)t->n_columns)
        cap *= 2;
    t->index = mloda_calloc(cap, sizeof *t->index);
    if (t->index == NULL)
        return MLODA_NOMEM(err, "a column index");
    t->index_cap = cap;
    for (int64_t i = 0; i < t->n_columns; i++)
        t->index[index_slot(t, t->names[i], name_hash(t->names[i]))] = i + 1;
    return MLODA_OK;
}

static mloda_status check_names_small(int64_t n, const char *const *names, mloda_error *err)
{
    for (int64_t i = 1; i < n; i++)
        for (int64_t j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0)
                return mloda_error_set(err, MLODA_ERR_DUPLICATE, names[i],
                                       "column name '%s' appears twice (columns %lld and %lld)",
                                       names[i], (long long)j, (long long)i);
    return MLODA_OK;
}

static mloda_status check_names_hashed(int64_t n, const char *const *names, mloda_error *err)
{
    mloda_strmap seen = {0};
    mloda_status st = MLODA_OK;
    for (int64_t i = 0; i < n && st == MLODA_OK; i++) {
        int64_t j = -1;
        if (mloda_strmap_get(&seen, names[i], &j))
            st = mloda_error_set(err, MLODA_ERR_DUPLICATE, names[i],
                                 "column name '%s' appears twice (columns %lld and %lld)",
                                 names[i], (long long)j, (long long)i);
        else
            st = mloda_strmap_put(&seen, names[i], i, err);
    }
    mloda_strmap_reset(&seen);
    return st;
}

/* Arguments, lengths and names; fills *text_bytes with the bytes the names need. */
static mloda_status validate(int64_t n_rows, int64_t n_columns, const char *const *names,
                             const mloda_column *const *columns, size_t *text_bytes,
                             mloda_error *err)
{
    if (n_rows < 0 || n_columns < 0 || (n_columns > 0 && (names == NULL || columns == NULL)))
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL,
                               "table needs n_rows >= 0, n_columns >= 0, names and columns");
    for (int64_t i = 0; i < n_columns; i++) {
        if (names[i] == NULL || names[i][0] == '\0')
            return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL,
                                   "column %lld has no name", (long long)i);
        if (columns[i] == NULL)
            return mloda_error_set(err, MLODA_ERR_INVALID_ARG, names[i], "column '%s' is NULL",
                                   names[i]);
        const int64_t len = mloda_column_n_rows(columns[i]);
        if (len != mloda_column_n_rows(columns[0]))
            return mloda_error_set(err, MLODA_ERR_SCHEMA, names[i],
                                   "column '%s' has %lld rows but column '%s' has %lld",
                                   names[i], (long long)len, names[0],
                                   (long long)mloda_column_n_rows(columns[0]));
        if (!mloda_add_size(*text_bytes, strlen(names[i]) + 1, text_bytes))
            return mloda_error_set(err, MLODA_ERR_RANGE, NULL, "column names too long");
    }
    if (n_columns > 0 && mloda_column_n_rows(columns[0]) != n_rows)
        return mloda_error_set(err, MLODA_ERR_SCHEMA, names[0],
                               "table has %lld rows but column '%s' has %lld",
                               (long long)n_rows, names[0],
                               (long long)mloda_column_n_rows(columns[0]));
    return n_columns <= PAIRWISE_MAX ? check_names_small(n_columns, names, err)
                                     : check_names_hashed(n_columns, names, err);
}

static char *copy_text(char *dst, const char *s)
{
    const size_t len = strlen(s) + 1;
    memcpy(dst, s, len);
    return dst + len;
}

mloda_status mloda_table_new_grouped(const char *group, int64_t n_rows, int64_t n_columns,
                                     const char *const *names,
                                     const mloda_column *const *columns, mloda_table **out,
                                     mloda_error *err)
{
    if (out == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL, "out is NULL");
    *out = NULL;
    if (group == NULL)
        group = "";
    size_t text = strlen(group) + 1, ptrs = 0, total = 0;
    MLODA_TRY(validate(n_rows, n_columns, names, columns, &text, err));
    if (!mloda_elems_bytes(n_columns, 2 * sizeof(void *), &ptrs) ||
        !mloda_add_size(sizeof(mloda_table), ptrs, &total) ||
        !mloda_add_size(total, text, &total))
        return mloda_error_set(err, MLODA_ERR_RANGE, NULL, "table of %lld columns too large",
                               (long long)n_columns);
    mloda_table *t = mloda_malloc(total);
    if (t == NULL)
        return MLODA_NOMEM(err, "a table");
    atomic_init(&t->refs, 1);
    t->n_rows = n_rows;
    t->n_columns = n_columns;
    /* struct size is a multiple of its pointer alignment, so the arrays are aligned */
    t->columns = (mloda_column **)(void *)(t + 1);
    t->names = (const char **)(void *)(t->columns + n_columns);
    char *p = (char *)(t->names + n_columns);
    t->group = p;
    p = copy_text(p, group);
    t->index = NULL;
    t->index_cap = 0;
    for (int64_t i = 0; i < n_columns; i++) {
        t->columns[i] = mloda_column_retain(columns[i]);
        t->names[i] = p;
        p = copy_text(p, names[i]);
    }
    if (n_columns > PAIRWISE_MAX) {
        mloda_status st = build_index(t, err);
        if (st != MLODA_OK) {
            mloda_table_release(t);
            return st;
        }
    }
    *out = t;
    return MLODA_OK;
}

mloda_status mloda_table_new(int64_t n_rows, int64_t n_columns, const char *const *names,
                             const mloda_column *const *columns, mloda_table **out,
                             mloda_error *err)
{
    mloda_error_enter(err);
    return mloda_table_new_grouped("", n_rows, n_columns, names, columns, out, err);
}

int64_t mloda_table_n_rows(const mloda_table *t)
{
    return t == NULL ? 0 : t->n_rows;
}

int64_t mloda_table_n_columns(const mloda_table *t)
{
    return t == NULL ? 0 : t->n_columns;
}

const char *mloda_table_column_name(const mloda_table *t, int64_t i)
{
    return t == NULL || i < 0 || i >= t->n_columns ? NULL : t->names[i];
}

const mloda_column *mloda_table_column(const mloda_table *t, int64_t i)
{
    return t == NULL || i < 0 || i >= t->n_columns ? NULL : t->columns[i];
}

int64_t mloda_table_column_index(const mloda_table *t, const char *name)
{
    if (t == NULL || name == NULL)
        return -1;
    if (t->index != NULL)
        return t->index[index_slot(t, name, name_hash(name))] - 1;
    for (int64_t i = 0; i < t->n_columns; i++)
        if (strcmp(t->names[i], name) == 0)
            return i;
    return -1;
}

const char *mloda_table_group_name(const mloda_table *t)
{
    return t == NULL ? "" : t->group;
}

mloda_table *mloda_table_retain(const mloda_table *t)
{
    /* the count is the one mutable field of an immutable table, and it is atomic */
    mloda_table *m = (mloda_table *)t;
    if (m != NULL)
        atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed);
    return m;
}

void mloda_table_release(mloda_table *m)
{
    if (m == NULL)
        return;
    /* acq_rel: the last owner must see all writes made before the others let go */
    if (atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (int64_t i = 0; i < m->n_columns; i++)
        mloda_column_release(m->columns[i]);
    mloda_free(m->index);
    mloda_free(m);
}
