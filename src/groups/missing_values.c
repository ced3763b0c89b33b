/*
 * missing_values.c: the missing-value imputation family `{in}__{method}_imputed` and its
 * option form (imputation_method + in_features, constant_value, group_by_features),
 * SPEC.md §6.2.
 *
 * Invariants:
 * - A column without missing values (null, or NaN in float64: pandas treats NaN as
 *   missing) is returned as it is: the output shares the input column when the declared
 *   type is the input's type (mode, ffill, bfill, constant of the column's type).
 * - mean/median fill with the statistic of the non-missing values; mode with the most
 *   frequent value, ties to the smallest (pandas' Series.mode()[0]); ffill/bfill with the
 *   previous/next non-missing value; constant with constant_value.
 * - group_by_features: statistics per group of equal key values (found by hashing); a
 *   group with no value falls back to the whole column's statistic; ffill/bfill stay
 *   inside the group; constant ignores groups. Missing keys form a group of their own.
 * - A multi-column source (F~0..F~k) is imputed column by column into F'~0..F'~k.
 * Output types: mean/median float64; the others keep the column's type, except an int64
 *   column with a float constant_value, which becomes float64.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "groups/agg_kernels.h"
#include "groups/colops.h"
#include "groups/family.h"
#include "groups/groups.h"
#include "groups/row_groups.h"
#include "util/util.h"

typedef enum imp_method { M_MEAN, M_MEDIAN, M_MODE, M_CONSTANT, M_FFILL, M_BFILL } imp_method;

static const char *const METHODS[] = {"mean", "median", "mode", "constant", "ffill", "bfill"};

static const mloda_family_param IMP_PARAMS[] = {
    {.option = "imputation_method", .what = "imputation method", .kind = MLODA_FAMILY_TOKEN, .tokens = METHODS,
     .n_tokens = 6, .n_usable = 6, .allowed = "mean, median, mode, constant, ffill, bfill"},
};
static const mloda_family_spec IMP = {.pattern = "{imputation_method}_imputed",
                                      .example = "price__mean_imputed",
                                      .n_params = 1,
                                      .params = IMP_PARAMS,
                                      .inputs_hint = " to impute"};

#define OPT_CONST "constant_value"
#define OPT_GROUP "group_by_features"

/* Parsed at bind, read-only afterwards. */
typedef struct imp_state {
    imp_method method;
    int64_t n_keys;       /* group_by_features: inputs 1..n_keys (constant ignores them) */
    mloda_type out_type;  /* of every output column */
    bool multi;           /* the source has several columns: F~k outputs */
    int64_t cv_int;       /* constant_value, as the output type needs it */
    double cv_float;
    bool cv_bool;
    char *cv_str;         /* owned */
    int64_t cv_len;
} imp_state;

static void state_free(void *p)
{
    imp_state *s = p;
    if (s != NULL)
        mloda_free(s->cv_str);
    mloda_free(s);
}

static mloda_status imp_match(void *ud, const mloda_feature *f, bool *out_match, void **out_parsed, mloda_error *why)
{
    (void)ud;
    return mloda_family_match(&IMP, f, out_match, out_parsed, why);
}

/* Number of group_by_features (a name or a list of names; absent or empty: 0), checked. */
static mloda_status group_keys(const mloda_feature *f, int64_t *out_n, mloda_error *err)
{
    const mloda_options *o = mloda_feature_options(f);
    const char *name = mloda_feature_name(f), *s = NULL;
    *out_n = 0;
    mloda_value_kind kind = mloda_options_kind(o, OPT_GROUP);
    if (kind == MLODA_VALUE_NONE || kind == MLODA_VALUE_NULL)
        return MLODA_OK;
    if (kind == MLODA_VALUE_STRING) {
        (void)mloda_options_get_string(o, OPT_GROUP, &s);
        if (s[0] == '\0')
            return mloda_error_set(err, MLODA_ERR_OPTION, name,
                                   "feature '%s': option %s is an empty name", name, OPT_GROUP);
        *out_n = 1;
        return MLODA_OK;
    }
    int64_t n = mloda_options_list_n_items(o, OPT_GROUP);
    if (mloda_options_kind(o, OPT_GROUP) != MLODA_VALUE_LIST)
        return mloda_error_set(err, MLODA_ERR_OPTION, name,
                               "feature '%s': option %s must be a column name or a list of "
                               "names",
                               name, OPT_GROUP);
    for (int64_t i = 0; i < n; i++) {
        if (!mloda_options_list_get_string(o, OPT_GROUP, i, &s) || s[0] == '\0')
            return mloda_error_set(err, MLODA_ERR_OPTION, name,
                                   "feature '%s': %s item %lld is not a column name", name,
                                   OPT_GROUP, (long long)i);
    }
    *out_n = n;
    return MLODA_OK;
}

static mloda_status imp_inputs(void *ud, const mloda_feature *f, mloda_inputs *in,
                               mloda_error *err)
{
    (void)ud;
    int64_t n_keys = 0;
    MLODA_TRY(group_keys(f, &n_keys, err));
    MLODA_TRY(mloda_inputs_add_chain(in, f, 1, 1, err));
    const mloda_options *o = mloda_feature_options(f);
    const char *s = NULL;
    if (mloda_options_get_string(o, OPT_GROUP, &s))
        return mloda_inputs_add(in, s, NULL, err);
    for (int64_t i = 0; i < n_keys; i++) {
        (void)mloda_options_list_get_string(o, OPT_GROUP, i, &s);
        MLODA_TRY(mloda_inputs_add(in, s, NULL, err));
    }
    return MLODA_OK;
}

static const char *kind_name(mloda_value_kind k)
{
    switch (k) {
    case MLODA_VALUE_BOOL:
        return "a bool";
    case MLODA_VALUE_INT:
        return "an integer";
    case MLODA_VALUE_FLOAT:
        return "a float";
    case MLODA_VALUE_STRING:
        return "a string";
    case MLODA_VALUE_LIST:
        return "a list";
    default:
        return "null";
    }
}

/* constant_value checked against the column type t; fills s->cv_* and s->out_type. */
static mloda_status bind_constant(const mloda_bind *ctx, mloda_type t, imp_state *s,
                                  mloda_error *err)
{
    const mloda_feature *f = mloda_bind_feature(ctx);
    const mloda_options *o = mloda_feature_options(f);
    const char *name = mloda_feature_name(f), *col = mloda_bind_input_name(ctx, 0);
    mloda_value_kind k = mloda_options_kind(o, OPT_CONST);
    if (k == MLODA_VALUE_NONE || k == MLODA_VALUE_NULL)
        return mloda_error_set(err, MLODA_ERR_OPTION, name,
                               "feature '%s': imputation method 'constant' needs option %s "
                               "(the value to fill in)",
                               name, OPT_CONST);
    bool ok = false;
    s->out_type = t;
    switch (t) {
    case MLODA_TYPE_FLOAT64:
        ok = k == MLODA_VALUE_INT || k == MLODA_VALUE_FLOAT;
        (void)mloda_options_get_float(o, OPT_CONST, &s->cv_float);
        break;
    case MLODA_TYPE_INT64:
        ok = k == MLODA_VALUE_INT || k == MLODA_VALUE_FLOAT;
        (void)mloda_options_get_int(o, OPT_CONST, &s->cv_int);
        (void)mloda_options_get_float(o, OPT_CONST, &s->cv_float);
        if (k == MLODA_VALUE_FLOAT) /* pandas: an int column filled with a float is float */
            s->out_type = MLODA_TYPE_FLOAT64;
        break;
    case MLODA_TYPE_BOOL:
        ok = k == MLODA_VALUE_BOOL;
        (void)mloda_options_get_bool(o, OPT_CONST, &s->cv_bool);
        break;
    case MLODA_TYPE_UTF8: {
        const char *str = NULL;
        ok = mloda_options_get_string(o, OPT_CONST, &str);
        if (ok) {
            s->cv_len = (int64_t)strlen(str);
            s->cv_str = mloda_strdup(str);
            if (s->cv_str == NULL)
                return MLODA_NOMEM(err, "a constant_value");
        }
        break;
    }
    default:
        return mloda_error_set(err, MLODA_ERR_TYPE, name,
                               "feature '%s': constant imputation of %s column '%s' is not "
                               "supported (use ffill, bfill or mode)",
                               name, mloda_type_name(t), col);
    }
    if (!ok)
        return mloda_error_set(err, MLODA_ERR_TYPE, name,
                               "feature '%s': %s is %s, which does not fit %s column '%s'", name,
                               OPT_CONST, kind_name(k), mloda_type_name(t), col);
    return MLODA_OK;
}

static mloda_status imp_bind(void *ud, mloda_bind *ctx, mloda_error *err)
{
    (void)ud;
    const mloda_feature *f = mloda_bind_feature(ctx);
    const char *name = mloda_feature_name(f);
    int idx = (int)mloda_family_of(f)->num[0];
    imp_state tmp = {.method = (imp_method)idx,
                     .n_keys = mloda_bind_n_inputs(ctx) - 1,
                     .multi = mloda_bind_input_is_multi(ctx, 0)};
    for (int64_t j = 1; j <= tmp.n_keys; j++) {
        mloda_type kt = mloda_bind_input_type(ctx, j);
        if (kt == MLODA_TYPE_FLOAT64_LIST || mloda_bind_input_is_multi(ctx, j))
            return mloda_error_set(err, MLODA_ERR_TYPE, name,
                                   "feature '%s': cannot group by %s '%s'", name,
                                   mloda_bind_input_is_multi(ctx, j) ? "multi-column feature"
                                   : kt == MLODA_TYPE_FLOAT64_LIST   ? "float64_list column"
                                                                     : "column",
                                   mloda_bind_input_name(ctx, j));
    }
    mloda_type t = mloda_bind_input_type(ctx, 0);
    tmp.out_type = t;
    bool ok = true;
    switch (tmp.method) {
    case M_MEAN:
    case M_MEDIAN:
        ok = t == MLODA_TYPE_INT64 || t == MLODA_TYPE_FLOAT64;
        tmp.out_type = MLODA_TYPE_FLOAT64;
        break;
    case M_MODE:
        ok = t != MLODA_TYPE_FLOAT64_LIST;
        break;
    default: /* ffill, bfill: every type; constant: checked with its value below */
        break;
    }
    if (!ok)
        return mloda_error_set(err, MLODA_ERR_TYPE, name,
                               "feature '%s': cannot impute the %s of %s column '%s'%s", name,
                               METHODS[idx], mloda_type_name(t), mloda_bind_input_name(ctx, 0),
                               t == MLODA_TYPE_FLOAT64_LIST ? " (ffill and bfill work)"
                                                            : " (mode, ffill, bfill and "
                                                              "constant work)");
    imp_state *s = mloda_calloc(1, sizeof *s);
    if (s == NULL)
        return MLODA_NOMEM(err, "imputation state");
    *s = tmp;
    mloda_status st = tmp.method == M_CONSTANT ? bind_constant(ctx, t, s, err) : MLODA_OK;
    if (st == MLODA_OK)
        st = mloda_bind_set_state(ctx, s, state_free, err);
    else
        state_free(s);
    if (st != MLODA_OK)
        return st;
    int32_t ls = mloda_bind_input_list_size(ctx, 0);
    mloda_time_unit unit = mloda_bind_input_time_unit(ctx, 0);
    return tmp.multi ? mloda_bind_output_multi(ctx, s->out_type, ls, unit, err)
               : mloda_bind_output(ctx, s->out_type, ls, unit, err);
}

/* ---------------------------------------------------------------- kernels */

/* Group ids of the feature's rows by its keys (computed once per feature, on demand). */
typedef struct keys_ctx {
    const mloda_column *keys[16]; /* storage for up to 16 keys */
    const mloda_column **all;     /* the keys: `keys` or an allocated array */
    int64_t n_keys;
    bool built;
    row_groups g;
} keys_ctx;

static mloda_status key_groups(keys_ctx *k, int64_t n, const row_groups **out, mloda_error *err)
{
    if (!k->built) {
        MLODA_TRY(mloda_row_groups_build(k->all, k->n_keys, n, false, &k->g, err));
        k->built = true;
    }
    *out = &k->g;
    return MLODA_OK;
}

/* Neumaier-compensated sum per group, and counts, of the non-NaN values. */
static void group_sums(const double *v, const int64_t *gid, int64_t n, int64_t n_groups,
                       double *sum, double *comp, int64_t *cnt)
{
    memset(sum, 0, (size_t)n_groups * sizeof *sum);
    memset(comp, 0, (size_t)n_groups * sizeof *comp);
    memset(cnt, 0, (size_t)n_groups * sizeof *cnt);
    for (int64_t r = 0; r < n; r++) {
        double x = v[r];
        if (x != x)
            continue;
        int64_t g = gid != NULL ? gid[r] : 0;
        double t = sum[g] + x;
        if (isfinite(t)) /* an infinite sum stays what IEEE makes it (inf - inf: NaN) */
            comp[g] += fabs(sum[g]) >= fabs(x) ? (sum[g] - t) + x : (x - t) + sum[g];
        sum[g] = t;
        cnt[g]++;
    }
    for (int64_t g = 0; g < n_groups; g++)
        sum[g] += comp[g];
}

/*
 * Means per group (stat[g], NaN for a group without values) from group_sums' sums. A group
 * whose sum overflowed while its values are finite is summed again with its values scaled
 * by a power of two (mloda_agg_shift_for), so its mean is the exact one (pandas: inf; the
 * null would stay unfilled). Needs n_groups doubles of scratch in big.
 */
static void group_means(const double *v, const int64_t *gid, int64_t n, int64_t n_groups,
                        double *sum, double *comp, const int64_t *cnt, double *big, double *stat)
{
    bool rescue = false;
    for (int64_t g = 0; g < n_groups; g++) {
        stat[g] = cnt[g] > 0 ? sum[g] / (double)cnt[g] : NAN;
        rescue |= cnt[g] > 0 && !isfinite(stat[g]);
    }
    if (!rescue)
        return;
    memset(big, 0, (size_t)n_groups * sizeof *big);
    for (int64_t r = 0; r < n; r++) {
        int64_t g = gid != NULL ? gid[r] : 0;
        big[g] = fabs(v[r]) > big[g] ? fabs(v[r]) : big[g]; /* NaN skipped */
    }
    memset(sum, 0, (size_t)n_groups * sizeof *sum);
    memset(comp, 0, (size_t)n_groups * sizeof *comp);
    for (int64_t r = 0; r < n; r++) {
        int64_t g = gid != NULL ? gid[r] : 0;
        if (v[r] != v[r] || isfinite(stat[g]))
            continue;
        double x = ldexp(v[r], mloda_agg_shift_for(big[g]));
        double t = sum[g] + x;
        comp[g] += fabs(sum[g]) >= fabs(x) ? (sum[g] - t) + x : (x - t) + sum[g];
        sum[g] = t;
    }
    for (int64_t g = 0; g < n_groups; g++) {
        if (cnt[g] > 0 && !isfinite(stat[g]) && isfinite(big[g]))
            stat[g] = ldexp((sum[g] + comp[g]) / (double)cnt[g], -mloda_agg_shift_for(big[g]));
    }
}

/* Medians per group of the non-NaN values (NaN for a group without values); counts in cnt. */
static mloda_status group_medians(const double *v, const int64_t *gid, int64_t n,
                                  int64_t n_groups, const int64_t *cnt, double *med,
                                  mloda_error *err)
{
    int64_t total = 0;
    for (int64_t g = 0; g < n_groups; g++)
        total += cnt[g];
    double *buf = mloda_malloc((size_t)(total > 0 ? total : 1) * sizeof *buf);
    int64_t *pos = mloda_malloc((size_t)(n_groups > 0 ? n_groups : 1) * sizeof *pos);
    if (buf == NULL || pos == NULL) {
        mloda_free(buf);
        mloda_free(pos);
        return MLODA_NOMEM(err, "medians");
    }
    int64_t at = 0;
    for (int64_t g = 0; g < n_groups; g++) {
        pos[g] = at;
        at += cnt[g];
    }
    for (int64_t r = 0; r < n; r++) { /* counting sort of the values by group */
        if (v[r] == v[r])
            buf[pos[gid != NULL ? gid[r] : 0]++] = v[r];
    }
    for (int64_t g = 0; g < n_groups; g++)
        med[g] = mloda_agg_median_of(buf + pos[g] - cnt[g], cnt[g]);
    mloda_free(buf);
    mloda_free(pos);
    return MLODA_OK;
}

/* mean/median: float64 output, missing rows filled with their group's statistic, or the
 * column's when the group has none, or null when the column has none. */
static mloda_status impute_stat(const imp_state *s, const mloda_column *col, const row_groups *g,
                                int64_t n, mloda_column **out, mloda_error *err)
{
    const double *v = NULL;
    double *owned = NULL;
    MLODA_TRY(mloda_column_as_f64(col, &v, &owned, err));
    int64_t ng = g != NULL ? g->n_groups : 0;
    size_t slots = (size_t)ng + 1; /* group statistics, then the overall one at [ng] */
    double *sum = mloda_malloc(slots * sizeof *sum), *comp = mloda_malloc(slots * sizeof *comp);
    double *stat = mloda_malloc(slots * sizeof *stat), *big = mloda_malloc(slots * sizeof *big);
    int64_t *cnt = mloda_malloc(slots * sizeof *cnt);
    mloda_status st = MLODA_OK;
    if (sum == NULL || comp == NULL || stat == NULL || big == NULL || cnt == NULL)
        st = MLODA_NOMEM(err, "imputation statistics");
    if (st == MLODA_OK && ng > 0)
        group_sums(v, g->id, n, ng, sum, comp, cnt);
    if (st == MLODA_OK)
        group_sums(v, NULL, n, 1, sum + ng, comp + ng, cnt + ng);
    if (st == MLODA_OK && s->method == M_MEAN) {
        if (ng > 0)
            group_means(v, g->id, n, ng, sum, comp, cnt, big, stat);
        group_means(v, NULL, n, 1, sum + ng, comp + ng, cnt + ng, big + ng, stat + ng);
    } else if (st == MLODA_OK) {
        if (ng > 0)
            st = group_medians(v, g->id, n, ng, cnt, stat, err);
        if (st == MLODA_OK)
            st = group_medians(v, NULL, n, 1, cnt + ng, stat + ng, err);
    }
    for (int64_t k = 0; st == MLODA_OK && k < ng; k++) /* all-missing group: overall */
        stat[k] = cnt[k] > 0 ? stat[k] : stat[ng];
    mloda_column_builder *b = NULL;
    double *o = NULL;
    if (st == MLODA_OK)
        st = mloda_f64_out_start(n, &b, &o, err);
    if (st == MLODA_OK) {
        if (ng > 0) {
            const int64_t *restrict gid = g->id;
            for (int64_t r = 0; r < n; r++)
                o[r] = v[r] == v[r] ? v[r] : stat[gid[r]];
        } else {
            double fill = stat[0];
            for (int64_t r = 0; r < n; r++)
                o[r] = v[r] == v[r] ? v[r] : fill;
        }
        st = mloda_f64_out_finish(b, o, n, out, err); /* no statistic at all: stays null */
    }
    mloda_free(owned);
    mloda_free(sum);
    mloda_free(comp);
    mloda_free(stat);
    mloda_free(big);
    mloda_free(cnt);
    return st;
}

/* Is candidate row a a better mode than row b (more frequent, or as frequent and smaller)? */
static bool better_mode(const mloda_column *col, int64_t size_a, int64_t a, int64_t size_b,
                        int64_t b)
{
    if (b < 0 || size_a != size_b)
        return b < 0 || size_a > size_b;
    return mloda_row_value_cmp(col, a, b) < 0;
}

/* The row holding the column's mode (ties: smallest value), -1 when all are missing. */
static mloda_status mode_row(const mloda_column *col, int64_t n, int64_t *out, mloda_error *err)
{
    row_groups vg;
    MLODA_TRY(mloda_row_groups_build(&col, 1, n, true, &vg, err));
    int64_t best = -1, best_size = 0;
    for (int64_t c = 0; c < vg.n_groups; c++) {
        if (better_mode(col, vg.size[c], vg.first[c], best_size, best)) {
            best = vg.first[c];
            best_size = vg.size[c];
        }
    }
    mloda_row_groups_reset(&vg);
    *out = best;
    return MLODA_OK;
}

/* Source row of every output row for mode imputation (src[r] = r where present). */
static mloda_status mode_sources(const mloda_column *col, const keys_ctx *k, const row_groups *g,
                                 int64_t n, int64_t *src, mloda_error *err)
{
    int64_t overall = -1;
    MLODA_TRY(mode_row(col, n, &overall, err));
    if (g == NULL) {
        for (int64_t r = 0; r < n; r++)
            src[r] = mloda_row_is_missing(col, r) ? overall : r;
        return MLODA_OK;
    }
    /* combined groups over (keys..., value): per key group, the best non-missing value */
    const mloda_column **cols = mloda_malloc((size_t)(k->n_keys + 1) * sizeof *cols);
    int64_t *best = mloda_malloc((size_t)(g->n_groups > 0 ? g->n_groups : 1) * sizeof *best);
    int64_t *best_size = mloda_malloc((size_t)(g->n_groups > 0 ? g->n_groups : 1) * sizeof *best);
    row_groups cg = {0};
    mloda_status st = MLODA_OK;
    if (cols == NULL || best == NULL || best_size == NULL)
        st = MLODA_NOMEM(err, "grouped modes");
    if (st == MLODA_OK) {
        memcpy(cols, k->all, (size_t)k->n_keys * sizeof *cols);
        cols[k->n_keys] = col;
        st = mloda_row_groups_build(cols, k->n_keys + 1, n, false, &cg, err);
    }
    if (st == MLODA_OK) {
        for (int64_t q = 0; q < g->n_groups; q++) {
            best[q] = -1;
            best_size[q] = 0;
        }
        for (int64_t c = 0; c < cg.n_groups; c++) {
            int64_t f = cg.first[c];
            if (mloda_row_is_missing(col, f))
                continue;
            int64_t q = g->id[f];
            if (better_mode(col, cg.size[c], f, best_size[q], best[q])) {
                best[q] = f;
                best_size[q] = cg.size[c];
            }
        }
        for (int64_t r = 0; r < n; r++) {
            int64_t q = g->id[r];
            src[r] = !mloda_row_is_missing(col, r) ? r : best[q] >= 0 ? best[q] : overall;
        }
    }
    mloda_row_groups_reset(&cg);
    mloda_free(cols);
    mloda_free(best);
    mloda_free(best_size);
    return st;
}

/* ffill/bfill sources: the nearest earlier/later present row of the same group. */
static mloda_status fill_sources(const mloda_column *col, bool forward, const row_groups *g,
                                 int64_t n, int64_t *src, mloda_error *err)
{
    int64_t ng = g != NULL ? g->n_groups : 1;
    int64_t *last = mloda_malloc((size_t)(ng > 0 ? ng : 1) * sizeof *last);
    if (last == NULL)
        return MLODA_NOMEM(err, "fill state");
    for (int64_t q = 0; q < ng; q++)
        last[q] = -1;
    for (int64_t i = 0; i < n; i++) {
        int64_t r = forward ? i : n - 1 - i;
        int64_t q = g != NULL ? g->id[r] : 0;
        if (mloda_row_is_missing(col, r)) {
            src[r] = last[q];
        } else {
            src[r] = r;
            last[q] = r;
        }
    }
    mloda_free(last);
    return MLODA_OK;
}

/* constant: missing rows get s's constant_value; no nulls remain. */
static mloda_status impute_constant(const imp_state *s, const mloda_column *col, int64_t n,
                                    mloda_column **out, mloda_error *err)
{
    const uint8_t *valid = mloda_column_validity(col);
    mloda_column_builder *b = NULL;
    if (s->out_type == MLODA_TYPE_FLOAT64) {
        const double *v = NULL;
        double *owned = NULL, *o = NULL;
        MLODA_TRY(mloda_column_as_f64(col, &v, &owned, err));
        mloda_status st = mloda_f64_out_start(n, &b, &o, err);
        if (st == MLODA_OK) {
            double c = s->cv_float;
            for (int64_t r = 0; r < n; r++)
                o[r] = v[r] == v[r] ? v[r] : c;
            st = mloda_column_builder_finish(b, out, err);
        }
        mloda_free(owned);
        return st;
    }
    MLODA_TRY(mloda_column_builder_new(s->out_type, 0, MLODA_TIME_SECOND, &b, err));
    mloda_status st = MLODA_OK;
    if (s->out_type == MLODA_TYPE_UTF8) {
        const int32_t *off = mloda_column_utf8_offsets(col);
        const char *data = mloda_column_utf8_data(col);
        int64_t bytes = off[n] - off[0] + mloda_column_n_nulls(col) * s->cv_len;
        st = bytes > INT32_MAX ? mloda_error_set(err, MLODA_ERR_RANGE, NULL,
                                                 "the filled text column exceeds 2 GiB")
                               : mloda_column_builder_reserve(b, n, bytes, err);
        for (int64_t r = 0; st == MLODA_OK && r < n; r++) {
            if (valid != NULL && !mloda_bitmap_get(valid, r))
                st = mloda_column_builder_append_utf8(b, s->cv_str, s->cv_len, err);
            else
                st = mloda_column_builder_append_utf8(b, data + off[r],
                                                      (int64_t)off[r + 1] - off[r], err);
        }
    } else {
        void *buf = NULL;
        st = mloda_column_builder_resize_uninit(b, n, &buf, err);
        if (st == MLODA_OK && s->out_type == MLODA_TYPE_INT64) {
            const int64_t *restrict x = mloda_column_int64(col);
            int64_t *restrict o = buf, c = s->cv_int;
            for (int64_t r = 0; r < n; r++)
                o[r] = (valid == NULL || mloda_bitmap_get(valid, r)) ? x[r] : c;
        } else if (st == MLODA_OK) { /* bool, rows start zeroed */
            const uint8_t *x = mloda_column_bool_bits(col);
            uint8_t *o = buf;
            for (int64_t r = 0; r < n; r++) {
                bool v = (valid == NULL || mloda_bitmap_get(valid, r)) ? mloda_bitmap_get(x, r)
                                                                      : s->cv_bool;
                mloda_bitmap_set(o, r, v);
            }
        }
    }
    if (st != MLODA_OK) {
        mloda_column_builder_free(b);
        return st;
    }
    return mloda_column_builder_finish(b, out, err);
}

/* One imputed column of feature state s from col. */
static mloda_status impute_column(const imp_state *s, const mloda_column *col, keys_ctx *k,
                                  int64_t n, mloda_column **out, mloda_error *err)
{
    *out = NULL;
    if (!mloda_column_has_missing(col)) { /* returned unchanged (SPEC §6.2) */
        if (mloda_column_type(col) == s->out_type) {
            *out = mloda_column_retain(col);
            return MLODA_OK;
        }
        /* int64 column, float64 output (mean/median, float constant): same values */
        const double *v = NULL;
        double *owned = NULL, *o = NULL;
        mloda_column_builder *b = NULL;
        MLODA_TRY(mloda_column_as_f64(col, &v, &owned, err));
        mloda_status st = mloda_f64_out_start(n, &b, &o, err);
        if (st == MLODA_OK) {
            memcpy(o, v, (size_t)n * sizeof *o);
            st = mloda_column_builder_finish(b, out, err);
        }
        mloda_free(owned);
        return st;
    }
    if (s->method == M_CONSTANT)
        return impute_constant(s, col, n, out, err);
    const row_groups *g = NULL;
    if (k->n_keys > 0)
        MLODA_TRY(key_groups(k, n, &g, err));
    if (s->method == M_MEAN || s->method == M_MEDIAN)
        return impute_stat(s, col, g, n, out, err);
    int64_t *src = mloda_malloc((size_t)(n > 0 ? n : 1) * sizeof *src);
    if (src == NULL)
        return MLODA_NOMEM(err, "row sources");
    mloda_status st = s->method == M_MODE ? mode_sources(col, k, g, n, src, err)
                                          : fill_sources(col, s->method == M_FFILL, g, n, src,
                                                         err);
    if (st == MLODA_OK)
        st = mloda_column_take(col, n, src, out, err);
    mloda_free(src);
    return st;
}

static mloda_status impute_feature(mloda_calc *calc, int64_t i, mloda_error *err)
{
    const imp_state *s = mloda_calc_state(calc, i);
    int64_t n = mloda_calc_n_rows(calc);
    keys_ctx k = {.n_keys = s->method == M_CONSTANT ? 0 : s->n_keys};
    k.all = k.keys;
    mloda_status st = MLODA_OK;
    if (k.n_keys > 16) {
        k.all = mloda_malloc((size_t)k.n_keys * sizeof *k.all);
        if (k.all == NULL)
            return MLODA_NOMEM(err, "group keys");
    }
    for (int64_t j = 0; j < k.n_keys; j++) {
        k.all[j] = mloda_calc_input(calc, i, j + 1, 0);
        if (mloda_column_n_rows(k.all[j]) != n)
            st = mloda_error_set(err, MLODA_ERR_COMPUTE, NULL,
                                 "group_by column %lld has %lld rows, the step has %lld",
                                 (long long)j, (long long)mloda_column_n_rows(k.all[j]),
                                 (long long)n);
    }
    int64_t width = mloda_calc_input_n_columns(calc, i, 0);
    for (int64_t c = 0; st == MLODA_OK && c < width; c++) {
        mloda_column *col = NULL;
        st = impute_column(s, mloda_calc_input(calc, i, 0, c), &k, n, &col, err);
        if (st == MLODA_OK)
            st = s->multi ? mloda_calc_add_output(calc, i, mloda_calc_input_suffix(calc, i, 0, c),
                                                  col, err)
                          : mloda_calc_set_output(calc, i, col, err);
    }
    if (k.built)
        mloda_row_groups_reset(&k.g);
    if (k.all != k.keys)
        mloda_free(k.all);
    return st;
}

static mloda_status imp_calculate(void *ud, mloda_calc *calc, mloda_error *err)
{
    (void)ud;
    return mloda_each_feature(calc, impute_feature, err);
}

const mloda_feature_group mloda_group_missing_values = {
    .struct_size = sizeof(mloda_feature_group),
    .abi_version = MLODA_FEATURE_GROUP_ABI,
    .name = "MissingValueFeatureGroup",
    .description =
        "Fills missing values (null, and NaN in float columns) of a column. mean/median: "
        "the statistic of the present values, output float64 (also for an int64 column "
        "without nulls, which mloda keeps int64; values are equal). mode: most frequent "
        "value, ties to the smallest; ffill/bfill: previous/next present value (leading/"
        "trailing gaps stay null); constant: constant_value. mode, ffill, bfill and constant "
        "keep the column's type (int64 stays int64, as a nullable int64 where mloda gives "
        "float64; a float constant_value on an int64 column gives float64); text, bool and "
        "timestamps work with mode/ffill/bfill (text and bool also with constant). A column "
        "without missing values is returned unchanged; an all-null column stays null. "
        "group_by_features: statistics per group of equal keys (any types, several "
        "columns, found by hashing); a group without values falls back to the whole "
        "column's statistic (for mode too, where mloda leaves it null); ffill/bfill stay "
        "inside the group; constant ignores groups. A missing key value forms a group of its "
        "own (source-read, unverified: pandas' groupby drops such rows, so mloda fills them "
        "with the overall mean/median, leaves them unfilled for mode, and for ffill/bfill "
        "gets pandas' transform result for dropped rows). constant without constant_value, "
        "or with a value that does not fit "
        "the column, fails at prepare (mloda fails at compute time). A multi-column source "
        "is imputed column by column.",
    .version = "1",
    .patterns = "{in}__{method}_imputed",
    .options_doc = "imputation_method: mean|median|mode|constant|ffill|bfill\n"
                   "in_features: the column to impute (option form)\n"
                   "constant_value: the fill value for constant (number, string or bool "
                   "matching the column; required for constant)\n"
                   "group_by_features: a column name or a list of names (default: none)",
    .example = "temperature__mean_imputed",
    .match = imp_match,
    .inputs = imp_inputs,
    .bind = imp_bind,
    .calculate = imp_calculate,
    .parsed_free = mloda_family_parsed_free,
};
