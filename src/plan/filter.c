/*
 * filter.c: compiles the request's global filters (see filter.h). mloda ignores a filter
 * on an unknown column and fails late on an unknown type; here both, and every bad
 * parameter, are prepare-time errors naming the column, type or parameter.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "plan/filter.h"

#include <math.h>
#include <pcre2.h>
#include <stdio.h>
#include <string.h>

#include "util/iso8601.h"
#include "util/util.h"

static const struct {
    const char *name;
    filter_kind kind;
    const char *keys; /* allowed parameter keys, space separated */
} KINDS[] = {
    {"min", FILTER_MIN, "value min"},
    {"max", FILTER_MAX, "value max max_exclusive"},
    {"range", FILTER_RANGE, "min max min_exclusive max_exclusive"},
    {"equal", FILTER_EQUAL, "value"},
    {"regex", FILTER_REGEX, "value"},
    {"categorical_inclusion", FILTER_IN, "values"},
    {"time_range", FILTER_TIME_RANGE, "from to max_exclusive"},
};
#define ALLOWED_TYPES "min, max, range, equal, regex, categorical_inclusion, time_range"

/* ---------------------------------------------------------------- comparisons */

/* Integer against float comparisons are exact (mloda_cmp_i64_f64); compiled filters hold
 * values of the column's own kind anyway (exact_bounds), these cover the rest. */
int mloda_filter_compare_f64(double x, const filter_value *v)
{
    if (v->is_int)
        return x != x ? 0 : -mloda_cmp_i64_f64(v->i, x);
    return (x > v->d) - (x < v->d);
}

int mloda_filter_compare_i64(int64_t x, const filter_value *v)
{
    if (v->is_int)
        return (x > v->i) - (x < v->i);
    return mloda_cmp_i64_f64(x, v->d);
}

int mloda_filter_compare_text(const char *x, int64_t len, const filter_value *v)
{
    int64_t m = len < v->s_len ? len : v->s_len;
    int c = m > 0 ? memcmp(x, v->s, (size_t)m) : 0;
    if (c != 0)
        return c < 0 ? -1 : 1;
    return (len > v->s_len) - (len < v->s_len);
}

uint64_t mloda_filter_hash_text(const char *x, int64_t len)
{
    return mloda_hash_bytes(x, (size_t)len);
}

uint64_t mloda_filter_hash_i64(int64_t x)
{
    return mloda_hash_bytes(&x, sizeof x);
}

uint64_t mloda_filter_hash_f64(double x)
{
    x = x == 0.0 ? 0.0 : x; /* -0.0 equals 0.0 */
    return mloda_hash_bytes(&x, sizeof x);
}

/* ---------------------------------------------------------------- parameter values */

static bool has_key(const char *keys, const char *key)
{
    size_t n = strlen(key);
    for (const char *p = keys; (p = strstr(p, key)) != NULL; p += n) {
        if ((p == keys || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return true;
    }
    return false;
}

/* floor(a / b) or ceil(a / b) for b > 0. */
static int64_t div_round(int64_t a, int64_t b, bool up)
{
    int64_t q = a / b, r = a % b;
    if (r != 0 && ((r > 0) == up))
        q += up ? 1 : -1;
    return q;
}

/* Converts micros since the epoch to the column's unit; a bound between two units rounds
 * up (`up`) or down so that comparing in the unit keeps exactly the rows the bound keeps
 * (up for x >= b and x < b, down for x <= b and x > b). */
static bool micros_to_unit(int64_t us, mloda_time_unit unit, bool up, int64_t *out)
{
    switch (unit) {
    case MLODA_TIME_SECOND:
        *out = div_round(us, 1000000, up);
        return true;
    case MLODA_TIME_MILLI:
        *out = div_round(us, 1000, up);
        return true;
    case MLODA_TIME_MICRO:
        *out = us;
        return true;
    case MLODA_TIME_NANO:
        return !__builtin_mul_overflow(us, 1000, out);
    }
    return false;
}

/* Reads item `idx` (-1: the scalar under key) of the params as a value of the column's
 * type. */
static mloda_status read_value(const plan_filter *f, const mloda_options *p, const char *key,
                               int64_t idx, bool round_up, filter_value *out, mloda_error *err)
{
    mloda_value_kind k = idx < 0 ? mloda_options_kind(p, key) : mloda_options_list_kind(p, key, idx);
    const char *s = NULL;
    int64_t i = 0;
    double d = 0;
    bool b = false;
    bool got_s = idx < 0 ? mloda_options_get_string(p, key, &s)
                         : mloda_options_list_get_string(p, key, idx, &s);
    memset(out, 0, sizeof *out);
    switch (f->col_type) {
    case MLODA_TYPE_FLOAT64:
    case MLODA_TYPE_INT64:
        if (k == MLODA_VALUE_INT) {
            out->is_int = idx < 0 ? mloda_options_get_int(p, key, &i)
                                  : mloda_options_list_get_int(p, key, idx, &i);
            out->i = i;
            out->d = (double)i;
            return MLODA_OK;
        }
        if (k == MLODA_VALUE_FLOAT) {
            (void)(idx < 0 ? mloda_options_get_float(p, key, &d)
                           : mloda_options_list_get_float(p, key, idx, &d));
            if (isnan(d))
                return mloda_error_set(err, MLODA_ERR_OPTION, f->column,
                                       "filter on '%s': parameter '%s' is NaN", f->column, key);
            out->d = d;
            return MLODA_OK;
        }
        break;
    case MLODA_TYPE_TIMESTAMP: {
        int64_t us = 0;
        if (k == MLODA_VALUE_INT) {
            (void)(idx < 0 ? mloda_options_get_int(p, key, &i)
                           : mloda_options_list_get_int(p, key, idx, &i));
            out->is_int = true;
            out->i = i;
            return MLODA_OK;
        }
        if (got_s && mloda_iso8601_parse(s, strlen(s), &us) &&
            micros_to_unit(us, f->unit, round_up, &i)) {
            out->is_int = true;
            out->i = i;
            return MLODA_OK;
        }
        if (got_s && mloda_iso8601_parse(s, strlen(s), &us))
            return mloda_error_set(err, MLODA_ERR_RANGE, f->column,
                                   "filter on '%s': parameter '%s' value '%s' is outside the "
                                   "range of the column's timestamp unit",
                                   f->column, key, s);
        if (got_s)
            return mloda_error_set(err, MLODA_ERR_OPTION, f->column,
                                   "filter on '%s': parameter '%s' value '%s' is not an ISO 8601 "
                                   "date-time",
                                   f->column, key, s);
        break;
    }
    case MLODA_TYPE_UTF8:
        if (got_s) {
            out->s = mloda_strdup(s);
            if (out->s == NULL)
                return MLODA_NOMEM(err, "a filter value");
            out->s_len = (int64_t)strlen(s);
            return MLODA_OK;
        }
        break;
    case MLODA_TYPE_BOOL:
        if (k == MLODA_VALUE_BOOL) {
            (void)(idx < 0 ? mloda_options_get_bool(p, key, &b)
                           : mloda_options_list_get_bool(p, key, idx, &b));
            out->b = b;
            return MLODA_OK;
        }
        break;
    default:
        break;
    }
    return mloda_error_set(err, MLODA_ERR_TYPE, f->column,
                           "filter on %s column '%s': parameter '%s' has a value of another type",
                           mloda_type_name(f->col_type), f->column, key);
}

static mloda_status read_bound(const plan_filter *f, const mloda_options *p, const char *key,
                               const char *excl_key, bool excl_default, bool required,
                               filter_bound *out, mloda_error *err)
{
    out->exclusive = excl_default;
    if (excl_key != NULL && mloda_options_has(p, excl_key) &&
        !mloda_options_get_bool(p, excl_key, &out->exclusive))
        return mloda_error_set(err, MLODA_ERR_OPTION, f->column,
                               "filter on '%s': parameter '%s' must be true or false", f->column,
                               excl_key);
    if (!mloda_options_has(p, key) || mloda_options_kind(p, key) == MLODA_VALUE_NULL) {
        if (required)
            return mloda_error_set(err, MLODA_ERR_OPTION, f->column,
                                   "filter on '%s' needs parameter '%s'", f->column, key);
        return MLODA_OK;
    }
    out->set = true;
    /* a lower bound kept inclusive, or an upper bound kept exclusive, rounds up */
    bool is_lower = out == &f->lo;
    bool up = is_lower ? !out->exclusive : out->exclusive;
    return read_value(f, p, key, -1, up, &out->v, err);
}

static mloda_status compile_regex(plan_filter *f, const mloda_options *p, mloda_error *err)
{
    const char *pattern = NULL;
    if (!mloda_options_get_string(p, "value", &pattern))
        return mloda_error_set(err, MLODA_ERR_OPTION, f->column,
                               "regex filter on '%s' needs a string parameter 'value'",
                               f->column);
    int code = 0;
    PCRE2_SIZE offset = 0;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                                   PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &offset, NULL);
    if (re == NULL) {
        PCRE2_UCHAR msg[160];
        (void)pcre2_get_error_message(code, msg, sizeof msg);
        return mloda_error_set_at(err, MLODA_ERR_OPTION, f->column, (int64_t)offset,
                                  "regex filter on '%s': pattern '%s' is invalid at offset %zu: %s",
                                  f->column, pattern, (size_t)offset, (const char *)msg);
    }
    f->regex = re;
    f->pattern = mloda_strdup(pattern);
    return f->pattern == NULL ? MLODA_NOMEM(err, "a regex filter") : MLODA_OK;
}

static mloda_status compile_values(plan_filter *f, const mloda_options *p, mloda_error *err)
{
    int64_t n = mloda_options_list_n_items(p, "values");
    if (mloda_options_kind(p, "values") != MLODA_VALUE_LIST)
        return mloda_error_set(err, MLODA_ERR_OPTION, f->column,
                               "categorical_inclusion filter on '%s' needs a list parameter "
                               "'values'",
                               f->column);
    f->values = mloda_calloc((size_t)(n > 0 ? n : 1), sizeof *f->values);
    if (f->values == NULL)
        return MLODA_NOMEM(err, "filter values");
    for (int64_t k = 0; k < n; k++) {
        MLODA_TRY(read_value(f, p, "values", k, false, &f->values[k], err));
        f->n_values++;
    }
    return MLODA_OK;
}

static mloda_status check_keys(const plan_filter *f, const char *type, const char *keys,
                               const mloda_options *p, mloda_error *err)
{
    for (int64_t k = 0; k < mloda_options_n_keys(p); k++) {
        const char *key = mloda_options_key(p, k);
        if (!has_key(keys, key))
            return mloda_error_set(err, MLODA_ERR_OPTION, f->column,
                                   "%s filter on '%s' has unknown parameter '%s' (allowed: %s)",
                                   type, f->column, key, keys);
    }
    return MLODA_OK;
}

/* A text column where a timestamp one is needed: its first value (example rows) that is
 * not an ISO 8601 date-time, which made it text (as groups/time_units.c does for features). */
static void text_time_hint(const mloda_table *t, const plan_filter *f, char *buf, size_t cap)
{
    const mloda_column *c = mloda_table_column(t, mloda_table_column_index(t, f->column));
    if (c == NULL || mloda_column_type(c) != MLODA_TYPE_UTF8)
        return;
    for (int64_t r = 0; r < mloda_column_n_rows(c); r++) {
        int64_t len = 0, us = 0;
        const char *v = mloda_column_utf8_at(c, r, &len);
        if (v == NULL || mloda_iso8601_parse(v, (size_t)len, &us))
            continue;
        (void)snprintf(buf, cap,
                       "; its row %lld ('%.*s') is not an ISO 8601 date-time, so the column "
                       "was read as text",
                       (long long)r, (int)(len < 40 ? len : 40), v);
        return;
    }
}

static mloda_status compile_params(const mloda_table *schema, plan_filter *f, const char *type,
                                   const mloda_options *p, mloda_error *err)
{
    bool is_bool = f->col_type == MLODA_TYPE_BOOL;
    if (f->col_type == MLODA_TYPE_FLOAT64_LIST)
        return mloda_error_set(err, MLODA_ERR_TYPE, f->column,
                               "cannot filter on list column '%s'", f->column);
    if (is_bool && f->kind != FILTER_EQUAL && f->kind != FILTER_IN && f->kind != FILTER_REGEX)
        return mloda_error_set(err, MLODA_ERR_TYPE, f->column,
                               "%s filter on bool column '%s': use equal or "
                               "categorical_inclusion",
                               type, f->column);
    if (f->kind == FILTER_TIME_RANGE && f->col_type != MLODA_TYPE_TIMESTAMP) {
        char hint[200] = "";
        text_time_hint(schema, f, hint, sizeof hint);
        return mloda_error_set(err, MLODA_ERR_TYPE, f->column,
                               "time_range filter on %s column '%s' (a timestamp column is "
                               "needed)%s",
                               mloda_type_name(f->col_type), f->column, hint);
    }
    switch (f->kind) {
    case FILTER_MIN:
        return read_bound(f, p, mloda_options_has(p, "min") ? "min" : "value", NULL, false, true,
                          &f->lo, err);
    case FILTER_MAX:
        return read_bound(f, p, mloda_options_has(p, "max") ? "max" : "value", "max_exclusive",
                          false, true, &f->hi, err);
    case FILTER_RANGE:
        MLODA_TRY(read_bound(f, p, "min", "min_exclusive", false, true, &f->lo, err));
        return read_bound(f, p, "max", "max_exclusive", false, true, &f->hi, err);
    case FILTER_TIME_RANGE:
        MLODA_TRY(read_bound(f, p, "from", NULL, false, false, &f->lo, err));
        return read_bound(f, p, "to", "max_exclusive", true, false, &f->hi, err);
    case FILTER_EQUAL:
        MLODA_TRY(read_bound(f, p, "value", NULL, false, true, &f->lo, err));
        return MLODA_OK;
    case FILTER_REGEX:
        return compile_regex(f, p, err);
    case FILTER_IN:
        return compile_values(f, p, err);
    }
    return MLODA_OK;
}

/* ---------------------------------------------------------------- exact bounds */

/*
 * Makes every bound and value of the filter the column's own kind, with exactly the rows
 * kept that exact comparison keeps: a float bound on an int64 column becomes the nearest
 * integer on its side (x >= 2.5 is x >= 3; x <= 9007199254740992.0 stays that integer);
 * an int bound on a float64 column that no double equals becomes the nearest double on
 * its side (x >= 2^53 + 1 is x >= 2^53 + 2). A bound beyond every value of the column is
 * dropped (it keeps every row) or makes the filter keep nothing (f->none); an equal or
 * categorical value that no value of the column can equal is dropped. The batch loops then
 * compare in the column's own type, which is exact.
 */
enum { KEEP_ALL = 0, KEEP_NONE = 1, KEEP_SOME = 2 };

/* A float bound on an int64 column: lower (x >= d, or x > d) or upper (x <= d, x < d). */
static int int_bound_of(double d, bool lower, bool exclusive, int64_t *out)
{
    if (d >= 9223372036854775808.0) /* above every int64 */
        return lower ? KEEP_NONE : KEEP_ALL;
    if (d < -9223372036854775808.0)
        return lower ? KEEP_ALL : KEEP_NONE;
    int64_t t = (int64_t)d;
    double frac = d - (double)t;
    if (lower) {
        /* smallest integer that passes; t + 1 fits: d < 2^63 is at most 2^63 - 1024 */
        *out = frac > 0.0 || (frac == 0.0 && exclusive) ? t + 1 : t;
        return KEEP_SOME;
    }
    if (frac == 0.0 && exclusive && t == INT64_MIN)
        return KEEP_NONE;
    *out = frac < 0.0 || (frac == 0.0 && exclusive) ? t - 1 : t;
    return KEEP_SOME;
}

/* An int bound on a float64 column (see above); returns the double bound, inclusive when
 * *exclusive was cleared. */
static double float_bound_of(int64_t i, bool lower, bool *exclusive)
{
    double d = (double)i;
    int c = mloda_cmp_i64_f64(i, d);
    if (c == 0)
        return d;
    *exclusive = false;
    if (lower) /* the smallest double above i */
        return c < 0 ? d : nextafter(d, INFINITY);
    return c > 0 ? d : nextafter(d, -INFINITY); /* the largest double below i */
}

static void exact_bound(plan_filter *f, filter_bound *b, bool lower)
{
    if (!b->set)
        return;
    bool is_int_col = f->col_type == MLODA_TYPE_INT64 || f->col_type == MLODA_TYPE_TIMESTAMP;
    if (is_int_col && !b->v.is_int) {
        int64_t i = 0;
        int keep = int_bound_of(b->v.d, lower, b->exclusive, &i);
        b->set = keep != KEEP_ALL;
        f->none |= keep == KEEP_NONE;
        b->exclusive = false;
        b->v.is_int = true;
        b->v.i = i;
        b->v.d = (double)i;
    } else if (f->col_type == MLODA_TYPE_FLOAT64 && b->v.is_int) {
        b->v.d = float_bound_of(b->v.i, lower, &b->exclusive);
        b->v.is_int = false;
    }
}

/* Equal and categorical values: converted to the column's kind, or false when no value of
 * the column can equal v. */
static bool exact_value(const plan_filter *f, filter_value *v)
{
    bool is_int_col = f->col_type == MLODA_TYPE_INT64 || f->col_type == MLODA_TYPE_TIMESTAMP;
    if (is_int_col && !v->is_int) {
        int64_t i = 0;
        if (int_bound_of(v->d, true, false, &i) != KEEP_SOME || mloda_cmp_i64_f64(i, v->d) != 0)
            return false;
        v->is_int = true;
        v->i = i;
    } else if (f->col_type == MLODA_TYPE_FLOAT64 && v->is_int) {
        double d = (double)v->i;
        if (mloda_cmp_i64_f64(v->i, d) != 0)
            return false;
        v->is_int = false;
        v->d = d;
    }
    return true;
}

/* categorical_inclusion with more than a few values: an index over them, so that a batch
 * costs rows + values, not rows x values (issue 16). Duplicates are left out. */
enum { IN_INDEX_MIN = 8 };

static uint64_t value_hash(const plan_filter *f, const filter_value *v)
{
    switch (f->col_type) {
    case MLODA_TYPE_UTF8:
        return mloda_filter_hash_text(v->s, v->s_len);
    case MLODA_TYPE_FLOAT64:
        return mloda_filter_hash_f64(v->d);
    default:
        return mloda_filter_hash_i64(v->i);
    }
}

static bool same_value(const plan_filter *f, const filter_value *a, const filter_value *b)
{
    switch (f->col_type) {
    case MLODA_TYPE_UTF8:
        return mloda_filter_compare_text(a->s, a->s_len, b) == 0;
    case MLODA_TYPE_FLOAT64:
        return a->d == b->d;
    default:
        return a->i == b->i;
    }
}

static mloda_status index_values(plan_filter *f, mloda_error *err)
{
    mloda_type t = f->col_type;
    if (f->kind != FILTER_IN || f->n_values < IN_INDEX_MIN ||
        (t != MLODA_TYPE_UTF8 && t != MLODA_TYPE_FLOAT64 && t != MLODA_TYPE_INT64 &&
         t != MLODA_TYPE_TIMESTAMP))
        return MLODA_OK;
    size_t cap = 16;
    while (cap < 2 * (size_t)f->n_values)
        cap *= 2;
    f->in_index = mloda_calloc(cap, sizeof *f->in_index);
    if (f->in_index == NULL)
        return MLODA_NOMEM(err, "a categorical_inclusion index");
    f->in_cap = cap;
    for (int64_t k = 0; k < f->n_values; k++) {
        size_t at = (size_t)value_hash(f, &f->values[k]) & (cap - 1);
        while (f->in_index[at] != 0 && !same_value(f, &f->values[f->in_index[at] - 1],
                                                   &f->values[k]))
            at = (at + 1) & (cap - 1);
        if (f->in_index[at] == 0)
            f->in_index[at] = k + 1;
    }
    return MLODA_OK;
}

static void exact_bounds(plan_filter *f)
{
    if (f->col_type != MLODA_TYPE_INT64 && f->col_type != MLODA_TYPE_TIMESTAMP &&
        f->col_type != MLODA_TYPE_FLOAT64)
        return;
    if (f->kind == FILTER_EQUAL) {
        f->none |= f->lo.set && !exact_value(f, &f->lo.v);
        return;
    }
    if (f->kind == FILTER_IN) {
        int64_t kept = 0;
        for (int64_t k = 0; k < f->n_values; k++) {
            if (exact_value(f, &f->values[k]))
                f->values[kept++] = f->values[k]; /* numbers: nothing owned to free */
        }
        f->n_values = kept;
        return;
    }
    exact_bound(f, &f->lo, true);
    exact_bound(f, &f->hi, false);
}

/* ---------------------------------------------------------------- columns */

static mloda_status locate_column(const mloda_plan *plan, plan_filter *f, mloda_error *err)
{
    f->source = MLODA_NO_INDEX;
    for (int64_t s = 0; s < plan->n_sources; s++) {
        int64_t c = mloda_table_column_index(plan->sources[s].schema, f->column);
        if (c < 0)
            continue;
        if (f->source != MLODA_NO_INDEX)
            return mloda_error_set(err, MLODA_ERR_AMBIGUOUS, f->column,
                                   "filter column '%s' is in tables '%s' and '%s'", f->column,
                                   plan->sources[f->source].name, plan->sources[s].name);
        const mloda_column *col = mloda_table_column(plan->sources[s].schema, c);
        f->source = s;
        f->col_type = mloda_column_type(col);
        f->unit = mloda_column_time_unit(col);
    }
    if (f->source == MLODA_NO_INDEX)
        return mloda_error_set(err, MLODA_ERR_SCHEMA, f->column,
                               "filter on unknown column '%s': no table (api_data or data "
                               "source) has it",
                               f->column);
    return MLODA_OK;
}

static mloda_status describe(plan_filter *f, const char *type, const mloda_options *p,
                             mloda_error *err)
{
    mloda_buf b = {0};
    mloda_status st = mloda_buf_printf(&b, err, "%s %s ", f->column, type);
    if (st == MLODA_OK)
        st = mloda_options_canonical_buf(p, -1, &b, err);
    f->description = mloda_buf_take(&b);
    mloda_buf_reset(&b);
    if (st == MLODA_OK && f->description == NULL)
        st = MLODA_NOMEM(err, "a filter description");
    return st;
}

static void value_reset(filter_value *v)
{
    mloda_free(v->s);
    v->s = NULL;
}

/* Frees what a failed compile_params left in f (values, regex) and clears them. */
static void params_reset(plan_filter *f)
{
    if (f->hi.v.s != f->lo.v.s)
        value_reset(&f->hi.v);
    value_reset(&f->lo.v);
    pcre2_code_free(f->regex);
    f->regex = NULL;
    for (int64_t k = 0; k < f->n_values; k++)
        value_reset(&f->values[k]);
    mloda_free(f->values);
    f->values = NULL;
    f->n_values = 0;
    memset(&f->lo, 0, sizeof f->lo);
    memset(&f->hi, 0, sizeof f->hi);
}

/* A filter on a column of the null type (no type evidence) takes the first of float64,
 * utf8, timestamp, int64 and bool that its parameters fit; nulls never pass, so it keeps no
 * row until batches bring values of that type. */
static mloda_status compile_untyped(const mloda_table *schema, plan_filter *f, const char *type,
                                    const mloda_options *p, mloda_error *err)
{
    static const mloda_type CANDIDATES[] = {MLODA_TYPE_FLOAT64, MLODA_TYPE_UTF8,
                                            MLODA_TYPE_TIMESTAMP, MLODA_TYPE_INT64,
                                            MLODA_TYPE_BOOL};
    mloda_error first = MLODA_ERROR_INIT;
    for (size_t c = 0; c < sizeof CANDIDATES / sizeof CANDIDATES[0]; c++) {
        f->col_type = CANDIDATES[c];
        f->unit = CANDIDATES[c] == MLODA_TYPE_TIMESTAMP ? MLODA_TIME_MICRO : MLODA_TIME_SECOND;
        mloda_error e = MLODA_ERROR_INIT;
        mloda_status st = compile_params(schema, f, type, p, &e);
        if (st == MLODA_OK)
            return MLODA_OK;
        params_reset(f);
        if (st != MLODA_ERR_TYPE)
            return mloda_error_pass(err, &e);
        if (first.code == MLODA_OK)
            first = e;
    }
    f->col_type = MLODA_TYPE_NULL;
    return mloda_error_set(err, MLODA_ERR_TYPE, f->column,
                           "%s filter on '%s': the column has no type (no rows, or only nulls) "
                           "and the parameters fit none (as float64: %s)",
                           type, f->column, first.message);
}

static mloda_status compile_one(mloda_plan *plan, const mloda_request_filter *rf, plan_filter *f,
                                mloda_error *err)
{
    f->column = mloda_strdup(rf->column);
    if (f->column == NULL)
        return MLODA_NOMEM(err, "a filter");
    size_t k = 0;
    while (k < sizeof KINDS / sizeof KINDS[0] && strcmp(KINDS[k].name, rf->type) != 0)
        k++;
    if (k == sizeof KINDS / sizeof KINDS[0])
        return mloda_error_set(err, MLODA_ERR_OPTION, rf->column,
                               "unknown filter type '%s' for column '%s'; allowed: " ALLOWED_TYPES,
                               rf->type, rf->column);
    f->kind = KINDS[k].kind;
    MLODA_TRY(locate_column(plan, f, err));
    MLODA_TRY(check_keys(f, rf->type, KINDS[k].keys, rf->params, err));
    const mloda_table *schema = plan->sources[f->source].schema;
    if (f->col_type == MLODA_TYPE_NULL)
        MLODA_TRY(compile_untyped(schema, f, rf->type, rf->params, err));
    else
        MLODA_TRY(compile_params(schema, f, rf->type, rf->params, err));
    exact_bounds(f);
    MLODA_TRY(index_values(f, err));
    if (f->kind == FILTER_EQUAL)
        f->hi = f->lo; /* shares the value: freed once, through lo */
    return describe(f, rf->type, rf->params, err);
}

mloda_status mloda_filter_compile_all(mloda_plan *plan, const mloda_request *req, mloda_error *err)
{
    if (req->n_filters == 0)
        return MLODA_OK;
    plan->filters = mloda_calloc((size_t)req->n_filters, sizeof *plan->filters);
    if (plan->filters == NULL)
        return MLODA_NOMEM(err, "filters");
    for (int64_t i = 0; i < req->n_filters; i++) {
        plan->n_filters++;
        MLODA_TRY(compile_one(plan, &req->filters[i], &plan->filters[i], err));
    }
    return MLODA_OK;
}

void mloda_filter_free_all(mloda_plan *plan)
{
    for (int64_t i = 0; i < plan->n_filters; i++) {
        plan_filter *f = &plan->filters[i];
        mloda_free(f->column);
        mloda_free(f->description);
        value_reset(&f->lo.v);
        if (f->kind != FILTER_EQUAL)
            value_reset(&f->hi.v);
        pcre2_code_free(f->regex);
        mloda_free(f->pattern);
        for (int64_t k = 0; k < f->n_values; k++)
            value_reset(&f->values[k]);
        mloda_free(f->values);
        mloda_free(f->in_index);
    }
    mloda_free(plan->filters);
    plan->filters = NULL;
    plan->n_filters = 0;
}
