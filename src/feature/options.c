/*
 * options.c: feature options (mloda/options.h, SPEC.md §1.5): an insertion-ordered array
 * of entries {key, bucket, value}, where a value is a tagged union of null, bool, int64,
 * double, string or a list of those scalars.
 *
 * Invariants:
 * - entries[0, len) are live; keys are unique, non-empty and owned; cap >= len.
 * - A value owns its string or its list items; a zeroed value (kind NONE) owns nothing,
 *   so partly built values and staging arrays can always be cleared.
 * - Every writer builds what it needs first and commits last, so a failure (NOMEM, bad
 *   argument) leaves the object's visible content unchanged; at most an array has grown.
 * - Canonical text sorts keys bytewise (strcmp compares as unsigned char), so equal
 *   options give equal text whatever the insertion order.
 */
#include "feature/options_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

typedef struct opt_value opt_value;

typedef struct opt_list {
    opt_value *items; /* owned; [0, len) live */
    int64_t len;
    int64_t cap;
} opt_list;

struct opt_value {
    mloda_value_kind kind;
    union {
        bool b;
        int64_t i;
        double f;
        char *s; /* owned */
        opt_list list;
    } u;
};

typedef struct opt_entry {
    char *key; /* owned */
    mloda_option_bucket bucket;
    opt_value value; /* owned */
} opt_entry;

struct mloda_options {
    opt_entry *entries; /* owned; [0, len) live */
    int64_t len;
    int64_t cap;
};

/* ------------------------------------------------------------------ values */

static const char *kind_name(mloda_value_kind kind)
{
    switch (kind) {
    case MLODA_VALUE_NONE:
        return "no value";
    case MLODA_VALUE_NULL:
        return "null";
    case MLODA_VALUE_BOOL:
        return "a bool";
    case MLODA_VALUE_INT:
        return "an int";
    case MLODA_VALUE_FLOAT:
        return "a float";
    case MLODA_VALUE_STRING:
        return "a string";
    case MLODA_VALUE_LIST:
        return "a list";
    }
    return "an unknown kind";
}

/* Frees what v owns and leaves it zeroed (kind NONE). */
static void value_clear(opt_value *v)
{
    if (v->kind == MLODA_VALUE_STRING) {
        mloda_free(v->u.s);
    } else if (v->kind == MLODA_VALUE_LIST) {
        for (int64_t i = 0; i < v->u.list.len; i++)
            value_clear(&v->u.list.items[i]);
        mloda_free(v->u.list.items);
    }
    memset(v, 0, sizeof *v);
}

static mloda_status nomem(mloda_error *err, const char *key)
{
    return mloda_error_set(err, MLODA_ERR_NOMEM, key, "out of memory storing option '%s'",
                           key != NULL ? key : "");
}

/* Grows an array of elem-byte items to hold at least need of them. On success *out is
 * the (possibly moved) array and *cap the new capacity; on failure nothing changes. */
static mloda_status grow_array(void *items, int64_t *cap, int64_t need, size_t elem,
                               void **out, mloda_error *err)
{
    *out = items;
    if (need <= *cap)
        return MLODA_OK;
    int64_t new_cap = *cap < 4 ? 4 : *cap;
    while (new_cap < need)
        new_cap = new_cap > INT64_MAX / 2 ? need : new_cap * 2;
    size_t bytes = 0;
    /* new_cap is positive, and SIZE_MAX >= INT64_MAX on every supported target */
    if (!mloda_mul_size((size_t)new_cap, elem, &bytes))
        return mloda_error_set(err, MLODA_ERR_RANGE, NULL, "too many options");
    void *p = mloda_realloc(items, bytes);
    if (p == NULL)
        return mloda_error_set(err, MLODA_ERR_NOMEM, NULL, "out of memory growing options");
    *out = p;
    *cap = new_cap;
    return MLODA_OK;
}

static mloda_status list_reserve(opt_list *list, int64_t need, mloda_error *err)
{
    void *p = NULL;
    MLODA_TRY(grow_array(list->items, &list->cap, need, sizeof *list->items, &p, err));
    list->items = p;
    return MLODA_OK;
}

/* Deep copy of src into a zeroed dst; on failure dst is left zeroed. */
static mloda_status value_copy(opt_value *dst, const opt_value *src, mloda_error *err)
{
    *dst = *src;
    if (src->kind == MLODA_VALUE_STRING) {
        dst->u.s = mloda_strdup(src->u.s);
        if (dst->u.s == NULL) {
            memset(dst, 0, sizeof *dst);
            return mloda_error_set(err, MLODA_ERR_NOMEM, NULL, "out of memory copying a string");
        }
    } else if (src->kind == MLODA_VALUE_LIST) {
        dst->u.list = (opt_list){NULL, 0, 0};
        mloda_status st = list_reserve(&dst->u.list, src->u.list.len, err);
        for (int64_t i = 0; st == MLODA_OK && i < src->u.list.len; i++) {
            st = value_copy(&dst->u.list.items[i], &src->u.list.items[i], err);
            if (st == MLODA_OK)
                dst->u.list.len = i + 1;
        }
        if (st != MLODA_OK) {
            value_clear(dst);
            return st;
        }
    }
    return MLODA_OK;
}

/* Makes a string value owning a copy of s. */
static mloda_status string_value(const char *s, const char *key, opt_value *out,
                                 mloda_error *err)
{
    memset(out, 0, sizeof *out);
    char *copy = mloda_strdup(s);
    if (copy == NULL)
        return nomem(err, key);
    out->kind = MLODA_VALUE_STRING;
    out->u.s = copy;
    return MLODA_OK;
}

/* ------------------------------------------------------------------ lookup */

static int64_t find(const mloda_options *o, const char *key)
{
    if (o == NULL || key == NULL)
        return -1;
    for (int64_t i = 0; i < o->len; i++)
        if (strcmp(o->entries[i].key, key) == 0)
            return i;
    return -1;
}

static const opt_value *lookup(const mloda_options *o, const char *key)
{
    int64_t i = find(o, key);
    return i < 0 ? NULL : &o->entries[i].value;
}

static const opt_value *list_item(const mloda_options *o, const char *key, int64_t i)
{
    const opt_value *v = lookup(o, key);
    if (v == NULL || v->kind != MLODA_VALUE_LIST || i < 0 || i >= v->u.list.len)
        return NULL;
    return &v->u.list.items[i];
}

/* ------------------------------------------------------------------ lifecycle */

mloda_options *mloda_options_new(void)
{
    return mloda_calloc(1, sizeof(mloda_options));
}

void mloda_options_free(mloda_options *o)
{
    if (o == NULL)
        return;
    for (int64_t i = 0; i < o->len; i++) {
        mloda_free(o->entries[i].key);
        value_clear(&o->entries[i].value);
    }
    mloda_free(o->entries);
    mloda_free(o);
}

static mloda_status reserve_entries(mloda_options *o, int64_t need, mloda_error *err)
{
    void *p = NULL;
    MLODA_TRY(grow_array(o->entries, &o->cap, need, sizeof *o->entries, &p, err));
    o->entries = p;
    return MLODA_OK;
}

/* Appends a deep copy of e; on failure o is unchanged. */
static mloda_status append_copy(mloda_options *o, const opt_entry *e, mloda_error *err)
{
    MLODA_TRY(reserve_entries(o, o->len + 1, err));
    opt_entry copy = {mloda_strdup(e->key), e->bucket, {MLODA_VALUE_NONE, {false}}};
    if (copy.key == NULL)
        return nomem(err, e->key);
    mloda_status st = value_copy(&copy.value, &e->value, err);
    if (st != MLODA_OK) {
        mloda_free(copy.key);
        return st;
    }
    o->entries[o->len++] = copy;
    return MLODA_OK;
}

mloda_status mloda_options_copy(const mloda_options *src, mloda_options **out, mloda_error *err)
{
    mloda_error_enter(err);
    if (out == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL, "options copy: out is NULL");
    *out = NULL;
    mloda_options *o = mloda_options_new();
    if (o == NULL)
        return mloda_error_set(err, MLODA_ERR_NOMEM, NULL, "out of memory copying options");
    mloda_status st = src == NULL ? MLODA_OK : reserve_entries(o, src->len, err);
    for (int64_t i = 0; st == MLODA_OK && src != NULL && i < src->len; i++)
        st = append_copy(o, &src->entries[i], err);
    if (st != MLODA_OK) {
        mloda_options_free(o);
        return st;
    }
    *out = o;
    return MLODA_OK;
}

/* ------------------------------------------------------------------ setters */

static mloda_status check_key(const char *key, mloda_error *err)
{
    if (key == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL, "option key is NULL");
    if (key[0] == '\0')
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, key, "option key '' is empty");
    return MLODA_OK;
}

static mloda_status check_target(const mloda_options *o, mloda_option_bucket bucket,
                                 const char *key, mloda_error *err)
{
    MLODA_TRY(check_key(key, err));
    if (o == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, key,
                               "cannot set option '%s' on NULL options", key);
    if (bucket != MLODA_CONTEXT && bucket != MLODA_GROUP)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, key,
                               "option '%s': bucket %d is neither MLODA_CONTEXT nor MLODA_GROUP",
                               key, (int)bucket);
    return MLODA_OK;
}

/* Stores *v under key (already checked), taking ownership of what v owns whether or not
 * it succeeds. An existing key keeps its position; on failure o is unchanged. */
static mloda_status put_value(mloda_options *o, mloda_option_bucket bucket, const char *key,
                              opt_value *v, mloda_error *err)
{
    int64_t i = find(o, key);
    if (i >= 0) {
        value_clear(&o->entries[i].value);
        o->entries[i].value = *v;
        o->entries[i].bucket = bucket;
        return MLODA_OK;
    }
    mloda_status st = reserve_entries(o, o->len + 1, err);
    char *copy = st == MLODA_OK ? mloda_strdup(key) : NULL;
    if (st == MLODA_OK && copy == NULL)
        st = nomem(err, key);
    if (st != MLODA_OK) {
        value_clear(v);
        return st;
    }
    o->entries[o->len++] = (opt_entry){copy, bucket, *v};
    return MLODA_OK;
}

static mloda_status set_scalar(mloda_options *o, mloda_option_bucket bucket, const char *key,
                               opt_value v, mloda_error *err)
{
    MLODA_TRY(check_target(o, bucket, key, err));
    return put_value(o, bucket, key, &v, err);
}

mloda_status mloda_options_set_null(mloda_options *o, mloda_option_bucket bucket,
                                    const char *key, mloda_error *err)
{
    mloda_error_enter(err);
    opt_value v = {MLODA_VALUE_NULL, {false}};
    return set_scalar(o, bucket, key, v, err);
}

mloda_status mloda_options_set_bool(mloda_options *o, mloda_option_bucket bucket,
                                    const char *key, bool value, mloda_error *err)
{
    mloda_error_enter(err);
    opt_value v = {MLODA_VALUE_BOOL, {.b = value}};
    return set_scalar(o, bucket, key, v, err);
}

mloda_status mloda_options_set_int(mloda_options *o, mloda_option_bucket bucket,
                                   const char *key, int64_t value, mloda_error *err)
{
    mloda_error_enter(err);
    opt_value v = {MLODA_VALUE_INT, {.i = value}};
    return set_scalar(o, bucket, key, v, err);
}

mloda_status mloda_options_set_float(mloda_options *o, mloda_option_bucket bucket,
                                     const char *key, double value, mloda_error *err)
{
    mloda_error_enter(err);
    opt_value v = {MLODA_VALUE_FLOAT, {.f = value}};
    return set_scalar(o, bucket, key, v, err);
}

mloda_status mloda_options_set_string(mloda_options *o, mloda_option_bucket bucket,
                                      const char *key, const char *value, mloda_error *err)
{
    mloda_error_enter(err);
    MLODA_TRY(check_target(o, bucket, key, err));
    if (value == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, key,
                               "string value of option '%s' is NULL", key);
    opt_value v;
    MLODA_TRY(string_value(value, key, &v, err));
    return put_value(o, bucket, key, &v, err);
}

mloda_status mloda_options_set_list(mloda_options *o, mloda_option_bucket bucket,
                                    const char *key, mloda_error *err)
{
    mloda_error_enter(err);
    opt_value v = {MLODA_VALUE_LIST, {.list = {NULL, 0, 0}}};
    return set_scalar(o, bucket, key, v, err);
}

static mloda_status check_strings(const char *key, int64_t n, const char *const *values,
                                  mloda_error *err)
{
    if (n < 0)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, key,
                               "option '%s': negative list length %" PRId64, key, n);
    if (n > 0 && values == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, key,
                               "option '%s': list values are NULL", key);
    for (int64_t i = 0; i < n; i++)
        if (values[i] == NULL)
            return mloda_error_set_at(err, MLODA_ERR_INVALID_ARG, key, i,
                                      "option '%s': list item %" PRId64 " is NULL", key, i);
    return MLODA_OK;
}

mloda_status mloda_options_set_string_list(mloda_options *o, mloda_option_bucket bucket,
                                           const char *key, int64_t n,
                                           const char *const *values, mloda_error *err)
{
    mloda_error_enter(err);
    MLODA_TRY(check_target(o, bucket, key, err));
    MLODA_TRY(check_strings(key, n, values, err));
    opt_value v = {MLODA_VALUE_LIST, {.list = {NULL, 0, 0}}};
    mloda_status st = list_reserve(&v.u.list, n, err);
    for (int64_t i = 0; st == MLODA_OK && i < n; i++) {
        st = string_value(values[i], key, &v.u.list.items[i], err);
        if (st == MLODA_OK)
            v.u.list.len = i + 1;
    }
    if (st != MLODA_OK) {
        value_clear(&v);
        return st;
    }
    return put_value(o, bucket, key, &v, err);
}

/* Appends *item to the list under key, taking ownership of what item owns whether or not
 * it succeeds; on failure o is unchanged. */
static mloda_status append_item(mloda_options *o, const char *key, opt_value *item,
                                mloda_error *err)
{
    mloda_status st = check_key(key, err);
    if (st == MLODA_OK && o == NULL)
        st = mloda_error_set(err, MLODA_ERR_INVALID_ARG, key,
                             "cannot append to option '%s' of NULL options", key);
    const opt_value *found = st == MLODA_OK ? lookup(o, key) : NULL;
    if (st == MLODA_OK && (found == NULL || found->kind != MLODA_VALUE_LIST))
        st = mloda_error_set(err, MLODA_ERR_TYPE, key, "option '%s' holds %s, not a list", key,
                             kind_name(found == NULL ? MLODA_VALUE_NONE : found->kind));
    if (st == MLODA_OK) {
        opt_list *list = &o->entries[find(o, key)].value.u.list;
        st = list_reserve(list, list->len + 1, err);
        if (st == MLODA_OK) {
            list->items[list->len++] = *item;
            return MLODA_OK;
        }
    }
    value_clear(item);
    return st;
}

mloda_status mloda_options_list_append_string(mloda_options *o, const char *key,
                                              const char *value, mloda_error *err)
{
    mloda_error_enter(err);
    MLODA_TRY(check_key(key, err));
    if (value == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, key,
                               "string appended to option '%s' is NULL", key);
    opt_value v;
    MLODA_TRY(string_value(value, key, &v, err));
    return append_item(o, key, &v, err);
}

mloda_status mloda_options_list_append_int(mloda_options *o, const char *key, int64_t value,
                                           mloda_error *err)
{
    mloda_error_enter(err);
    opt_value v = {MLODA_VALUE_INT, {.i = value}};
    return append_item(o, key, &v, err);
}

mloda_status mloda_options_list_append_float(mloda_options *o, const char *key, double value,
                                             mloda_error *err)
{
    mloda_error_enter(err);
    opt_value v = {MLODA_VALUE_FLOAT, {.f = value}};
    return append_item(o, key, &v, err);
}

mloda_status mloda_options_list_append_bool(mloda_options *o, const char *key, bool value,
                                            mloda_error *err)
{
    mloda_error_enter(err);
    opt_value v = {MLODA_VALUE_BOOL, {.b = value}};
    return append_item(o, key, &v, err);
}

bool mloda_options_remove(mloda_options *o, const char *key)
{
    int64_t i = find(o, key);
    if (i < 0)
        return false;
    mloda_free(o->entries[i].key);
    value_clear(&o->entries[i].value);
    /* i < len, so the tail count is non-negative */
    memmove(&o->entries[i], &o->entries[i + 1],
            (size_t)(o->len - i - 1) * sizeof *o->entries);
    o->len--;
    return true;
}

/* ------------------------------------------------------------------ merge */

/* Builds copies of every entry of src into the zeroed staged[0, src->len); the key is
 * copied only when dst lacks it (the existing one is kept). */
static mloda_status stage_entries(const mloda_options *dst, const mloda_options *src,
                                  opt_entry *staged, mloda_error *err)
{
    for (int64_t i = 0; i < src->len; i++) {
        const opt_entry *e = &src->entries[i];
        staged[i].bucket = e->bucket;
        if (find(dst, e->key) < 0) {
            staged[i].key = mloda_strdup(e->key);
            if (staged[i].key == NULL)
                return nomem(err, e->key);
        }
        MLODA_TRY(value_copy(&staged[i].value, &e->value, err));
    }
    return MLODA_OK;
}

/* Moves staged entries into dst; cannot fail (capacity was reserved). */
static void commit_entries(mloda_options *dst, const mloda_options *src, opt_entry *staged)
{
    for (int64_t i = 0; i < src->len; i++) {
        int64_t at = find(dst, src->entries[i].key);
        if (at < 0) {
            dst->entries[dst->len++] = staged[i];
        } else {
            value_clear(&dst->entries[at].value);
            dst->entries[at].value = staged[i].value;
            dst->entries[at].bucket = staged[i].bucket;
        }
    }
}

mloda_status mloda_options_merge(mloda_options *dst, const mloda_options *src, mloda_error *err)
{
    if (dst == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL, "merge into NULL options");
    if (src == NULL || src == dst || src->len == 0)
        return MLODA_OK;
    /* src->len is positive and bounded by an existing array, so it fits size_t */
    opt_entry *staged = mloda_calloc((size_t)src->len, sizeof *staged);
    if (staged == NULL)
        return mloda_error_set(err, MLODA_ERR_NOMEM, NULL, "out of memory merging options");
    mloda_status st = reserve_entries(dst, dst->len + src->len, err);
    if (st == MLODA_OK)
        st = stage_entries(dst, src, staged, err);
    if (st == MLODA_OK) {
        commit_entries(dst, src, staged);
    } else {
        for (int64_t i = 0; i < src->len; i++) {
            mloda_free(staged[i].key);
            value_clear(&staged[i].value);
        }
    }
    mloda_free(staged);
    return st;
}

/* ------------------------------------------------------------------ reading */

int64_t mloda_options_n_keys(const mloda_options *o)
{
    return o == NULL ? 0 : o->len;
}

const char *mloda_options_key(const mloda_options *o, int64_t i)
{
    if (o == NULL || i < 0 || i >= o->len)
        return NULL;
    return o->entries[i].key;
}

mloda_option_bucket mloda_options_bucket(const mloda_options *o, const char *key)
{
    int64_t i = find(o, key);
    return i < 0 ? MLODA_CONTEXT : o->entries[i].bucket;
}

bool mloda_options_has(const mloda_options *o, const char *key)
{
    return find(o, key) >= 0;
}

mloda_value_kind mloda_options_kind(const mloda_options *o, const char *key)
{
    const opt_value *v = lookup(o, key);
    return v == NULL ? MLODA_VALUE_NONE : v->kind;
}

/* Value readers shared by the key and list-item getters; out may be NULL (kind test). */
static bool read_bool(const opt_value *v, bool *out)
{
    if (v == NULL || v->kind != MLODA_VALUE_BOOL)
        return false;
    if (out != NULL)
        *out = v->u.b;
    return true;
}

static bool read_int(const opt_value *v, int64_t *out)
{
    if (v == NULL || v->kind != MLODA_VALUE_INT)
        return false;
    if (out != NULL)
        *out = v->u.i;
    return true;
}

static bool read_float(const opt_value *v, double *out)
{
    if (v == NULL || (v->kind != MLODA_VALUE_FLOAT && v->kind != MLODA_VALUE_INT))
        return false;
    if (out != NULL)
        /* an int option read as float: rounding beyond 2^53 is the documented conversion */
        *out = v->kind == MLODA_VALUE_FLOAT ? v->u.f : (double)v->u.i;
    return true;
}

static bool read_string(const opt_value *v, const char **out)
{
    if (v == NULL || v->kind != MLODA_VALUE_STRING)
        return false;
    if (out != NULL)
        *out = v->u.s;
    return true;
}

bool mloda_options_get_bool(const mloda_options *o, const char *key, bool *out)
{
    return read_bool(lookup(o, key), out);
}

bool mloda_options_get_int(const mloda_options *o, const char *key, int64_t *out)
{
    return read_int(lookup(o, key), out);
}

bool mloda_options_get_float(const mloda_options *o, const char *key, double *out)
{
    return read_float(lookup(o, key), out);
}

bool mloda_options_get_string(const mloda_options *o, const char *key, const char **out)
{
    return read_string(lookup(o, key), out);
}

int64_t mloda_options_list_n_items(const mloda_options *o, const char *key)
{
    const opt_value *v = lookup(o, key);
    return v == NULL || v->kind != MLODA_VALUE_LIST ? 0 : v->u.list.len;
}

mloda_value_kind mloda_options_list_kind(const mloda_options *o, const char *key, int64_t i)
{
    const opt_value *v = list_item(o, key, i);
    return v == NULL ? MLODA_VALUE_NONE : v->kind;
}

bool mloda_options_list_get_string(const mloda_options *o, const char *key, int64_t i,
                                   const char **out)
{
    return read_string(list_item(o, key, i), out);
}

bool mloda_options_list_get_int(const mloda_options *o, const char *key, int64_t i,
                                int64_t *out)
{
    return read_int(list_item(o, key, i), out);
}

bool mloda_options_list_get_float(const mloda_options *o, const char *key, int64_t i,
                                  double *out)
{
    return read_float(list_item(o, key, i), out);
}

bool mloda_options_list_get_bool(const mloda_options *o, const char *key, int64_t i, bool *out)
{
    return read_bool(list_item(o, key, i), out);
}

/* ------------------------------------------------------------------ canonical text */

/* Order of the emitted keys: context before group (the "c:" and "g:" prefixes of the
 * all-buckets text sort that way), then key bytes. */
static int entry_order(const void *a, const void *b)
{
    const opt_entry *x = *(const opt_entry *const *)a;
    const opt_entry *y = *(const opt_entry *const *)b;
    if (x->bucket != y->bucket)
        return x->bucket == MLODA_CONTEXT ? -1 : 1;
    return strcmp(x->key, y->key);
}

/* The entries of one bucket (or all, bucket -1) in canonical order; *out is NULL when
 * there are none. */
static mloda_status sorted_entries(const mloda_options *o, int bucket, const opt_entry ***out,
                                   int64_t *n_out, mloda_error *err)
{
    *out = NULL;
    *n_out = 0;
    int64_t n = 0;
    for (int64_t i = 0; o != NULL && i < o->len; i++)
        n += bucket < 0 || (int)o->entries[i].bucket == bucket;
    if (n == 0)
        return MLODA_OK;
    /* n <= o->len, the length of an existing array, so it fits size_t */
    const opt_entry **sorted = mloda_malloc((size_t)n * sizeof *sorted);
    if (sorted == NULL)
        return mloda_error_set(err, MLODA_ERR_NOMEM, NULL,
                               "out of memory writing canonical options");
    int64_t k = 0;
    for (int64_t i = 0; i < o->len; i++)
        if (bucket < 0 || (int)o->entries[i].bucket == bucket)
            sorted[k++] = &o->entries[i];
    qsort(sorted, (size_t)n, sizeof *sorted, entry_order);
    *out = sorted;
    *n_out = n;
    return MLODA_OK;
}

/* Appends key as a JSON string with prefix (plain ASCII, needing no escape; may be NULL)
 * inserted after the opening quote. */
static mloda_status put_key(mloda_buf *out, const char *prefix, const char *key,
                            mloda_error *err)
{
    size_t start = out->len;
    MLODA_TRY(mloda_buf_json_string(out, key, strlen(key), err));
    if (prefix == NULL)
        return MLODA_OK;
    size_t plen = strlen(prefix);
    MLODA_TRY(mloda_buf_reserve(out, plen, err));
    char *after_quote = out->data + start + 1;
    /* shift the escaped key, its closing quote and the NUL right by plen */
    memmove(after_quote + plen, after_quote, out->len - start);
    memcpy(after_quote, prefix, plen);
    out->len += plen;
    return MLODA_OK;
}

static mloda_status put_value_json(mloda_buf *out, const opt_value *v, mloda_error *err)
{
    switch (v->kind) {
    case MLODA_VALUE_NONE:
    case MLODA_VALUE_NULL:
        return mloda_buf_puts(out, "null", err);
    case MLODA_VALUE_BOOL:
        return mloda_buf_puts(out, v->u.b ? "true" : "false", err);
    case MLODA_VALUE_INT:
        return mloda_buf_printf(out, err, "%" PRId64, v->u.i);
    case MLODA_VALUE_FLOAT:
        return mloda_buf_double(out, v->u.f, err);
    case MLODA_VALUE_STRING:
        return mloda_buf_json_string(out, v->u.s, strlen(v->u.s), err);
    case MLODA_VALUE_LIST:
        break;
    }
    MLODA_TRY(mloda_buf_putc(out, '[', err));
    for (int64_t i = 0; i < v->u.list.len; i++) {
        if (i > 0)
            MLODA_TRY(mloda_buf_putc(out, ',', err));
        MLODA_TRY(put_value_json(out, &v->u.list.items[i], err));
    }
    return mloda_buf_putc(out, ']', err);
}

static mloda_status put_object(mloda_buf *out, const opt_entry *const *sorted, int64_t n,
                               bool prefixed, mloda_error *err)
{
    MLODA_TRY(mloda_buf_putc(out, '{', err));
    for (int64_t i = 0; i < n; i++) {
        const char *prefix = NULL;
        if (prefixed)
            prefix = sorted[i]->bucket == MLODA_GROUP ? "g:" : "c:";
        if (i > 0)
            MLODA_TRY(mloda_buf_putc(out, ',', err));
        MLODA_TRY(put_key(out, prefix, sorted[i]->key, err));
        MLODA_TRY(mloda_buf_putc(out, ':', err));
        MLODA_TRY(put_value_json(out, &sorted[i]->value, err));
    }
    return mloda_buf_putc(out, '}', err);
}

mloda_status mloda_options_canonical_buf(const mloda_options *o, int bucket, mloda_buf *out,
                                         mloda_error *err)
{
    if (out == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL,
                               "canonical options: output buffer is NULL");
    if (bucket != MLODA_OPTIONS_ALL_BUCKETS && bucket != MLODA_CONTEXT && bucket != MLODA_GROUP)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL,
                               "canonical options: unknown bucket %d", bucket);
    const opt_entry **sorted = NULL;
    int64_t n = 0;
    MLODA_TRY(sorted_entries(o, bucket, &sorted, &n, err));
    size_t start = out->len;
    mloda_status st = put_object(out, sorted, n, bucket == MLODA_OPTIONS_ALL_BUCKETS, err);
    mloda_free(sorted);
    if (st != MLODA_OK && out->data != NULL) {
        out->len = start; /* leave the buffer as it was */
        out->data[start] = '\0';
    }
    return st;
}

mloda_status mloda_options_canonical(const mloda_options *o, mloda_option_bucket bucket,
                                     char **out_text, mloda_error *err)
{
    mloda_error_enter(err);
    if (out_text == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL,
                               "canonical options: out_text is NULL");
    *out_text = NULL;
    if (bucket != MLODA_CONTEXT && bucket != MLODA_GROUP)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL,
                               "canonical options: unknown bucket %d", (int)bucket);
    mloda_buf text = {0};
    mloda_status st = mloda_options_canonical_buf(o, (int)bucket, &text, err);
    if (st != MLODA_OK) {
        mloda_buf_reset(&text);
        return st;
    }
    *out_text = mloda_buf_take(&text); /* never NULL: the text is at least "{}" */
    return MLODA_OK;
}
