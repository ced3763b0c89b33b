/*
 * filter_exec.c: the FILTER step (SPEC.md §7.3). Evaluates every filter on one table into
 * a keep mask (AND), then gathers the table's bound columns to the surviving rows, so that
 * every feature computed from the table sees only those rows. When every row survives,
 * the columns are kept as they are (no copy). Null and NaN never pass a filter.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <math.h>
#include <pcre2.h>
#include <stdio.h>
#include <string.h>

#include "run/run.h"
#include "table/table_layer.h"
#include "util/iso8601.h"
#include "util/util.h"

/* -1, 0, 1: row i of col against v; *ok false when the row is null or NaN. */
static int compare_row(const mloda_column *col, int64_t i, const filter_value *v, bool *ok)
{
    *ok = mloda_column_is_valid(col, i);
    if (!*ok)
        return 0;
    switch (mloda_column_type(col)) {
    case MLODA_TYPE_FLOAT64: {
        double x = mloda_column_float64(col)[i];
        *ok = !isnan(x);
        return mloda_filter_compare_f64(x, v);
    }
    case MLODA_TYPE_INT64:
    case MLODA_TYPE_TIMESTAMP:
        return mloda_filter_compare_i64(mloda_column_int64(col)[i], v);
    case MLODA_TYPE_UTF8: {
        int64_t len = 0;
        const char *s = mloda_column_utf8_at(col, i, &len);
        return mloda_filter_compare_text(s, len, v);
    }
    case MLODA_TYPE_BOOL:
        return mloda_column_bool_at(col, i) == v->b ? 0 : 1;
    default:
        *ok = false;
        return 0;
    }
}

static bool within(const plan_filter *f, const mloda_column *col, int64_t i)
{
    bool ok = true;
    if (f->lo.set) {
        int c = compare_row(col, i, &f->lo.v, &ok);
        if (!ok || c < 0 || (c == 0 && f->lo.exclusive))
            return false;
    }
    if (f->hi.set) {
        int c = compare_row(col, i, &f->hi.v, &ok);
        if (!ok || c > 0 || (c == 0 && f->hi.exclusive))
            return false;
    }
    return mloda_column_is_valid(col, i) &&
           !(mloda_column_type(col) == MLODA_TYPE_FLOAT64 && isnan(mloda_column_float64(col)[i]));
}

/* Row i's value in the filter's value index (filter.c, index_values): one probe. */
static bool member_indexed(const plan_filter *f, const mloda_column *col, int64_t i)
{
    if (!mloda_column_is_valid(col, i))
        return false;
    uint64_t h = 0;
    int64_t len = 0;
    const char *s = NULL;
    switch (mloda_column_type(col)) {
    case MLODA_TYPE_UTF8:
        s = mloda_column_utf8_at(col, i, &len);
        h = mloda_filter_hash_text(s, len);
        break;
    case MLODA_TYPE_FLOAT64:
        if (isnan(mloda_column_float64(col)[i]))
            return false;
        h = mloda_filter_hash_f64(mloda_column_float64(col)[i]);
        break;
    default:
        h = mloda_filter_hash_i64(mloda_column_int64(col)[i]);
        break;
    }
    for (size_t at = (size_t)h & (f->in_cap - 1); f->in_index[at] != 0;
         at = (at + 1) & (f->in_cap - 1)) {
        bool ok = true;
        if (compare_row(col, i, &f->values[f->in_index[at] - 1], &ok) == 0 && ok)
            return true;
    }
    return false;
}

static bool member(const plan_filter *f, const mloda_column *col, int64_t i)
{
    if (f->in_index != NULL)
        return member_indexed(f, col, i);
    for (int64_t k = 0; k < f->n_values; k++) {
        bool ok = true;
        if (compare_row(col, i, &f->values[k], &ok) == 0 && ok)
            return true;
    }
    return false;
}

/* The text pandas' astype(str) gives a value, for regex filters on non-text columns. */
static mloda_status text_form(const mloda_column *col, int64_t i, mloda_buf *b, mloda_error *err)
{
    b->len = 0;
    switch (mloda_column_type(col)) {
    case MLODA_TYPE_INT64:
        return mloda_buf_printf(b, err, "%lld", (long long)mloda_column_int64(col)[i]);
    case MLODA_TYPE_FLOAT64: {
        double x = mloda_column_float64(col)[i];
        if (isinf(x))
            return mloda_buf_puts(b, x > 0 ? "inf" : "-inf", err);
        return mloda_buf_double(b, x, err);
    }
    case MLODA_TYPE_BOOL:
        return mloda_buf_puts(b, mloda_column_bool_at(col, i) ? "True" : "False", err);
    case MLODA_TYPE_TIMESTAMP: {
        int64_t v = mloda_column_int64(col)[i];
        mloda_time_unit u = mloda_column_time_unit(col);
        int64_t us = v;
        bool overflow = u == MLODA_TIME_SECOND  ? __builtin_mul_overflow(v, 1000000, &us)
                        : u == MLODA_TIME_MILLI ? __builtin_mul_overflow(v, 1000, &us)
                                                : false;
        if (u == MLODA_TIME_NANO)
            us = v / 1000;
        if (overflow) /* beyond what a date can show: the raw count */
            return mloda_buf_printf(b, err, "%lld", (long long)v);
        char tmp[40];
        size_t n = mloda_iso8601_format(us, tmp, sizeof tmp);
        if (n > 10)
            tmp[10] = ' '; /* pandas prints "2023-01-01 06:00:00" */
        return mloda_buf_append(b, tmp, n, err);
    }
    default:
        return MLODA_OK;
    }
}

/*
 * Regex filters on text a request brings: a pattern like (a+)+$ backtracks exponentially,
 * so matching is bounded (issue 16). Each row is first matched with a budget of PCRE2
 * steps that grows with its length (match limit REGEX_CHEAP + REGEX_PER_BYTE * bytes:
 * ordinary patterns need a few steps per byte); a row that needs more is matched again
 * with REGEX_ROW steps more, and those rows share REGEX_BUDGET steps per filter and batch
 * (REGEX_ROW charged each). So a filter costs at most about REGEX_CHEAP * rows +
 * REGEX_PER_BYTE * bytes + REGEX_BUDGET steps (about 20 ns each), linear in its input: a
 * row beyond its limit, or too many expensive rows, is an error naming the filter, the
 * pattern, the row and PCRE2's reason. PCRE2's heap limit (20 MB) bounds the memory of one
 * match. The batch timeout is checked every 64 rows.
 */
enum {
    REGEX_CHEAP = 10000,
    REGEX_PER_BYTE = 100,
    REGEX_ROW = 1000000,
    REGEX_BUDGET = 10000000,
};

/* PCRE2's match limit is a uint32_t: saturate. */
static uint32_t steps_for(int64_t len, int64_t extra)
{
    int64_t v = len > (INT64_C(1) << 40) ? INT64_MAX : REGEX_CHEAP + REGEX_PER_BYTE * len + extra;
    return v > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static mloda_status regex_error(const plan_filter *f, int64_t row, int rc, const char *why,
                                mloda_error *err)
{
    PCRE2_UCHAR msg[160];
    if (pcre2_get_error_message(rc, msg, sizeof msg) < 0)
        (void)snprintf((char *)msg, sizeof msg, "PCRE2 error %d", rc);
    return mloda_error_set_at(err, MLODA_ERR_COMPUTE, f->column, row,
                              "regex filter on '%s': pattern '%s' at row %lld: %s (%s)",
                              f->column, f->pattern, (long long)row, (const char *)msg, why);
}

static mloda_status eval_regex(const run_ctx *run, const plan_filter *f, const mloda_column *col,
                               uint8_t *keep, int64_t n, mloda_error *err)
{
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(f->regex, NULL);
    pcre2_match_context *mc = pcre2_match_context_create(NULL);
    if (md == NULL || mc == NULL) {
        pcre2_match_data_free(md);
        pcre2_match_context_free(mc);
        return MLODA_NOMEM(err, "regex match data");
    }
    mloda_buf text = {0};
    mloda_status st = MLODA_OK;
    bool is_text = mloda_column_type(col) == MLODA_TYPE_UTF8;
    int64_t budget = REGEX_BUDGET;
    for (int64_t i = 0; i < n && st == MLODA_OK; i++) {
        if (i % 64 == 0 && mloda_run_should_stop(run)) {
            char what[MLODA_ERROR_SUBJECT_MAX + 32];
            (void)snprintf(what, sizeof what, "regex filter on '%s'", f->column);
            st = mloda_run_timeout_error(run, f->column, what, err);
            break;
        }
        if (!keep[i] || !mloda_column_is_valid(col, i) ||
            (mloda_column_type(col) == MLODA_TYPE_FLOAT64 && isnan(mloda_column_float64(col)[i]))) {
            keep[i] = 0;
            continue;
        }
        const char *s = NULL;
        int64_t len = 0;
        if (is_text) {
            s = mloda_column_utf8_at(col, i, &len);
        } else {
            st = text_form(col, i, &text, err);
            s = text.data != NULL ? text.data : "";
            len = (int64_t)text.len;
        }
        (void)pcre2_set_match_limit(mc, steps_for(len, 0));
        int rc = pcre2_match(f->regex, (PCRE2_SPTR)s, (PCRE2_SIZE)len, 0, 0, md, mc);
        if (rc == PCRE2_ERROR_MATCHLIMIT) { /* an expensive row: from the shared budget */
            if (budget < REGEX_ROW) {
                st = mloda_error_set_at(
                    err, MLODA_ERR_COMPUTE, f->column, i,
                    "regex filter on '%s': pattern '%s' backtracks too much: at row %lld, "
                    "%d rows have needed more than %d + %d per byte matching steps each (at "
                    "most %d per batch may); simplify the pattern (nested repeats such as "
                    "(a+)+ are the usual cause)",
                    f->column, f->pattern, (long long)i, REGEX_BUDGET / REGEX_ROW, REGEX_CHEAP,
                    REGEX_PER_BYTE, REGEX_BUDGET / REGEX_ROW);
                break;
            }
            budget -= REGEX_ROW;
            (void)pcre2_set_match_limit(mc, steps_for(len, REGEX_ROW));
            rc = pcre2_match(f->regex, (PCRE2_SPTR)s, (PCRE2_SIZE)len, 0, 0, md, mc);
        }
        if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
            st = regex_error(f, i, rc,
                             rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
                                     rc == PCRE2_ERROR_HEAPLIMIT
                                 ? "the pattern backtracks too much on this text; simplify it "
                                   "(nested repeats such as (a+)+ are the usual cause)"
                                 : "matching failed",
                             err);
        keep[i] = rc >= 0;
    }
    mloda_buf_reset(&text);
    pcre2_match_data_free(md);
    pcre2_match_context_free(mc);
    return st;
}

/* Bounds of a numeric comparison filter as doubles: unset bounds are infinite. */
static double bound_d(const filter_bound *b, double none)
{
    return !b->set ? none : b->v.is_int ? (double)b->v.i : b->v.d;
}

/* keep[i] &= lo <(=) x[i] <(=) hi, one loop per bound kind so that each vectorises
 * (this file is built at -O3); NaN compares false and so never passes. */
#define RANGE_LOOP(x, lo, hi, lo_ex, hi_ex)                                   \
    do {                                                                      \
        if (!(lo_ex) && !(hi_ex))                                             \
            for (int64_t i = 0; i < n; i++)                                   \
                keep[i] &= (uint8_t)(((x)[i] >= (lo)) & ((x)[i] <= (hi)));    \
        else if (!(lo_ex))                                                    \
            for (int64_t i = 0; i < n; i++)                                   \
                keep[i] &= (uint8_t)(((x)[i] >= (lo)) & ((x)[i] < (hi)));     \
        else if (!(hi_ex))                                                    \
            for (int64_t i = 0; i < n; i++)                                   \
                keep[i] &= (uint8_t)(((x)[i] > (lo)) & ((x)[i] <= (hi)));     \
        else                                                                  \
            for (int64_t i = 0; i < n; i++)                                   \
                keep[i] &= (uint8_t)(((x)[i] > (lo)) & ((x)[i] < (hi)));      \
    } while (0)

/* Fast path: a min/max/range/equal/time_range filter on a FLOAT64 column, or on an INT64
 * or TIMESTAMP column with integer bounds: one branch-free pass (NaN compares false). */
static bool eval_numeric_range(const plan_filter *f, const mloda_column *col, uint8_t *keep,
                               int64_t n)
{
    if (f->kind == FILTER_IN || f->kind == FILTER_REGEX)
        return false;
    mloda_type t = mloda_column_type(col);
    bool lo_ex = f->lo.set && f->lo.exclusive, hi_ex = f->hi.set && f->hi.exclusive;
    if (t == MLODA_TYPE_FLOAT64) {
        const double *restrict x = mloda_column_float64(col);
        const double lo = bound_d(&f->lo, -INFINITY), hi = bound_d(&f->hi, INFINITY);
        RANGE_LOOP(x, lo, hi, lo_ex, hi_ex);
    } else if ((t == MLODA_TYPE_INT64 || t == MLODA_TYPE_TIMESTAMP) &&
               (!f->lo.set || f->lo.v.is_int) && (!f->hi.set || f->hi.v.is_int)) {
        const int64_t *restrict x = mloda_column_int64(col);
        const int64_t lo = f->lo.set ? f->lo.v.i : INT64_MIN, hi = f->hi.set ? f->hi.v.i : INT64_MAX;
        RANGE_LOOP(x, lo, hi, lo_ex, hi_ex);
    } else {
        return false;
    }
    const uint8_t *valid = mloda_column_validity(col);
    for (int64_t i = 0; valid != NULL && i < n; i++)
        keep[i] &= (uint8_t)mloda_bitmap_get(valid, i);
    return true;
}

static mloda_status eval_filter(const run_ctx *run, const plan_filter *f,
                                const mloda_column *col, uint8_t *keep, int64_t n,
                                mloda_error *err)
{
    if (f->none) {
        memset(keep, 0, (size_t)n);
        return MLODA_OK;
    }
    if (f->kind == FILTER_REGEX)
        return eval_regex(run, f, col, keep, n, err);
    if (eval_numeric_range(f, col, keep, n))
        return MLODA_OK;
    for (int64_t i = 0; i < n; i++) {
        if (keep[i])
            keep[i] = f->kind == FILTER_IN ? member(f, col, i) : within(f, col, i);
    }
    return MLODA_OK;
}

/* Replaces every bound column of the table (features' and links'; the filters' own are
 * done with) with its rows idx[0..kept). */
static mloda_status gather_table(run_ctx *run, int64_t src, const int64_t *idx, int64_t kept,
                                 mloda_error *err)
{
    const mloda_plan *plan = run->plan;
    const int64_t first_filter = plan->n_source_slots, end_filter = first_filter + plan->n_filters;
    for (int64_t k = 0; k < plan->n_binds; k++) {
        if ((k >= first_filter && k < end_filter) || plan->binds[k].source != src)
            continue;
        mloda_column *taken = NULL;
        MLODA_TRY(mloda_column_take_trusted(run->bound[k], idx, kept, false, &taken, err));
        mloda_column_release(run->bound[k]);
        run->bound[k] = taken;
    }
    return MLODA_OK;
}

/* idx[k] = i; k += lo <(=) x[i] <(=) hi: selection and compaction in one pass, with one
 * loop per bound kind (NaN compares false and never passes). */
#define SELECT_LOOP(x, lo, hi, lo_ex, hi_ex, idx, k)                                           \
    do {                                                                                   \
        if (!(lo_ex) && !(hi_ex))                                                          \
            for (int64_t i = 0; i < n; i++) {                                              \
                (idx)[k] = i;                                                              \
                k += ((x)[i] >= (lo)) & ((x)[i] <= (hi));                                  \
            }                                                                              \
        else if (!(lo_ex))                                                                 \
            for (int64_t i = 0; i < n; i++) {                                              \
                (idx)[k] = i;                                                              \
                k += ((x)[i] >= (lo)) & ((x)[i] < (hi));                                   \
            }                                                                              \
        else if (!(hi_ex))                                                                 \
            for (int64_t i = 0; i < n; i++) {                                              \
                (idx)[k] = i;                                                              \
                k += ((x)[i] > (lo)) & ((x)[i] <= (hi));                                   \
            }                                                                              \
        else                                                                               \
            for (int64_t i = 0; i < n; i++) {                                              \
                (idx)[k] = i;                                                              \
                k += ((x)[i] > (lo)) & ((x)[i] < (hi));                                    \
            }                                                                              \
    } while (0)

/* Fast path of the common case, one numeric range-like filter on a column without nulls:
 * the surviving row indices straight from the values (idx holds n + 1 slots). */
static bool select_single(const plan_filter *f, const mloda_column *col, int64_t n,
                          int64_t *restrict idx, int64_t *kept)
{
    if (f->kind == FILTER_IN || f->kind == FILTER_REGEX || f->none ||
        mloda_column_validity(col) != NULL)
        return false;
    bool lo_ex = f->lo.set && f->lo.exclusive, hi_ex = f->hi.set && f->hi.exclusive;
    int64_t k = 0;
    if (mloda_column_type(col) == MLODA_TYPE_FLOAT64) {
        const double *restrict x = mloda_column_float64(col);
        const double lo = bound_d(&f->lo, -INFINITY), hi = bound_d(&f->hi, INFINITY);
        SELECT_LOOP(x, lo, hi, lo_ex, hi_ex, idx, k);
    } else if ((mloda_column_type(col) == MLODA_TYPE_INT64 ||
                mloda_column_type(col) == MLODA_TYPE_TIMESTAMP) &&
               (!f->lo.set || f->lo.v.is_int) && (!f->hi.set || f->hi.v.is_int)) {
        const int64_t *restrict x = mloda_column_int64(col);
        const int64_t lo = f->lo.set ? f->lo.v.i : INT64_MIN, hi = f->hi.set ? f->hi.v.i : INT64_MAX;
        SELECT_LOOP(x, lo, hi, lo_ex, hi_ex, idx, k);
    } else {
        return false;
    }
    *kept = k;
    return true;
}

/* The index of the one filter on table src; -1 when it has none or several. */
static int64_t only_filter(const mloda_plan *plan, int64_t src)
{
    int64_t found = -1;
    for (int64_t f = 0; f < plan->n_filters; f++) {
        if (plan->filters[f].source != src)
            continue;
        if (found >= 0)
            return -1;
        found = f;
    }
    return found;
}

mloda_status mloda_run_filter_step(run_ctx *run, int64_t s, mloda_error *err)
{
    const mloda_plan *plan = run->plan;
    int64_t src = plan->steps[s].domain, n = run->domain_rows[src];
    int64_t one = only_filter(plan, src);
    if (one >= 0) {
        int64_t *idx = mloda_malloc((size_t)(n + 1) * sizeof *idx);
        if (idx == NULL)
            return MLODA_NOMEM(err, "filter row indices");
        int64_t kept = 0;
        if (select_single(&plan->filters[one], run->filter_cols[one], n, idx, &kept)) {
            mloda_status st = kept < n ? gather_table(run, src, idx, kept, err) : MLODA_OK;
            mloda_free(idx);
            if (st == MLODA_OK)
                run->domain_rows[src] = kept;
            return st;
        }
        mloda_free(idx);
    }
    uint8_t *keep = mloda_malloc((size_t)(n > 0 ? n : 1));
    if (keep == NULL)
        return MLODA_NOMEM(err, "a filter mask");
    memset(keep, 1, (size_t)n);
    mloda_status st = MLODA_OK;
    for (int64_t f = 0; f < plan->n_filters && st == MLODA_OK; f++) {
        if (plan->filters[f].source == src)
            st = eval_filter(run, &plan->filters[f], run->filter_cols[f], keep, n, err);
    }
    /* count, then a branch-free compaction into an index array of exactly that size */
    int64_t kept = 0;
    for (int64_t i = 0; i < n; i++)
        kept += keep[i];
    int64_t *idx = NULL;
    if (st == MLODA_OK && kept < n) {
        idx = mloda_malloc((size_t)(kept + 1) * sizeof *idx);
        if (idx == NULL)
            st = MLODA_NOMEM(err, "filter row indices");
        for (int64_t i = 0, k = 0; idx != NULL && k < kept; i++) {
            idx[k] = i;
            k += keep[i];
        }
    }
    if (st == MLODA_OK && kept < n)
        st = gather_table(run, src, idx, kept, err);
    mloda_free(idx);
    mloda_free(keep);
    if (st == MLODA_OK)
        run->domain_rows[src] = kept;
    return st;
}
