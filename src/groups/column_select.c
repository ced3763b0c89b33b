/*
 * column_select.c: `F~k` selects one column of a multi-column feature F (a one-hot
 * encoding's F~2, a projection's F~dim1), SPEC.md §1.4 and §10.16. The selection shares
 * the column of F; F's own columns are not returned unless requested. A requested F~k is
 * returned in F's result table (the planner's rule, plan/steps.c), so this group's steps
 * serve the features that read F~k.
 */
#include <stdio.h>
#include <string.h>

#include "groups/groups.h"
#include "util/alloc.h"

/* The '~' that separates base and suffix: the last one after the last "__" (so that
 * "a~1__sum_aggr" is an aggregation, not a selection); NULL when there is none. */
static const char *selector_tilde(const char *name)
{
    const char *from = name;
    for (const char *p = name; p[0] != '\0' && p[1] != '\0'; p++) {
        if (p[0] == '_' && p[1] == '_')
            from = p + 2;
    }
    const char *t = strrchr(from, '~');
    if (t == NULL || t == name || t[1] == '\0')
        return NULL;
    return t;
}

/* The parsed value is the '~''s offset in the name + 1, held in the pointer itself. */
static mloda_status sel_match(void *ud, const mloda_feature *f, bool *out, void **out_parsed,
                              mloda_error *why)
{
    (void)ud;
    (void)why;
    const char *name = mloda_feature_name(f);
    const char *t = selector_tilde(name);
    *out = t != NULL;
    if (t != NULL)
        *out_parsed = (void *)(uintptr_t)(t - name + 1);
    return MLODA_OK;
}

/* The '~' of a matched feature's name. */
static const char *tilde_of(const mloda_feature *f)
{
    return mloda_feature_name(f) + ((uintptr_t)mloda_feature_parsed(f) - 1);
}

static mloda_status sel_inputs(void *ud, const mloda_feature *f, mloda_inputs *in,
                               mloda_error *err)
{
    (void)ud;
    const char *name = mloda_feature_name(f);
    const char *t = tilde_of(f);
    char *base = mloda_strndup(name, (size_t)(t - name));
    if (base == NULL)
        return mloda_error_set(err, MLODA_ERR_NOMEM, name, "out of memory");
    mloda_status st = mloda_inputs_add(in, base, mloda_feature_options(f), err);
    mloda_free(base);
    return st;
}

static mloda_status sel_bind(void *ud, mloda_bind *ctx, mloda_error *err)
{
    (void)ud;
    const char *name = mloda_feature_name(mloda_bind_feature(ctx));
    if (!mloda_bind_input_is_multi(ctx, 0))
        return mloda_error_set(err, MLODA_ERR_RESOLVE, name,
                               "'%s' selects a column of '%s', which has only one column", name,
                               mloda_bind_input_name(ctx, 0));
    /* columns known at prepare (a projection's ~dim1..~dimd): the suffix must be one */
    int64_t width = mloda_bind_input_n_columns(ctx, 0);
    const char *want = tilde_of(mloda_bind_feature(ctx)) + 1;
    bool found = width < 0;
    for (int64_t k = 0; k < width && !found; k++)
        found = strcmp(mloda_bind_input_suffix(ctx, 0, k), want) == 0;
    if (!found) {
        char have[160] = "";
        for (int64_t k = 0; k < width; k++) {
            size_t used = strlen(have);
            (void)snprintf(have + used, sizeof have - used, "%s~%s", k > 0 ? ", " : "",
                           mloda_bind_input_suffix(ctx, 0, k));
        }
        return mloda_error_set(err, MLODA_ERR_RESOLVE, name,
                               "'%s' selects column ~%s of '%s', which has %lld: %s", name, want,
                               mloda_bind_input_name(ctx, 0), (long long)width, have);
    }
    return mloda_bind_output(ctx, mloda_bind_input_type(ctx, 0), mloda_bind_input_list_size(ctx, 0),
                             mloda_bind_input_time_unit(ctx, 0), err);
}

static mloda_status sel_calculate(void *ud, mloda_calc *calc, mloda_error *err)
{
    (void)ud;
    for (int64_t i = 0; i < mloda_calc_n_features(calc); i++) {
        const mloda_feature *f = mloda_calc_feature(calc, i);
        const char *name = mloda_feature_name(f);
        const char *want = tilde_of(f) + 1;
        int64_t width = mloda_calc_input_n_columns(calc, i, 0), k = 0;
        while (k < width && strcmp(mloda_calc_input_suffix(calc, i, 0, k), want) != 0)
            k++;
        if (k == width)
            return mloda_error_set(err, MLODA_ERR_COMPUTE, name,
                                   "'%s' has no column ~%s in this batch (it has %lld columns)",
                                   name, want, (long long)width);
        mloda_column *col = mloda_column_retain(mloda_calc_input(calc, i, 0, k));
        mloda_status st = mloda_calc_set_output(calc, i, col, err);
        if (st != MLODA_OK)
            return st;
    }
    return MLODA_OK;
}

const mloda_feature_group mloda_group_column_select = {
    .struct_size = sizeof(mloda_feature_group),
    .abi_version = MLODA_FEATURE_GROUP_ABI,
    .name = "MultiColumnSelection",
    .description = "Selects one column F~k of a multi-column feature F (one-hot encodings, "
                   "projections, cluster probabilities); a requested F~k is returned in the "
                   "table of the group that computes F, once (also when F is requested).",
    .version = "1",
    .patterns = "{feature}~{column}",
    .options_doc = "",
    .example = "color__onehot_encoded~1",
    .match = sel_match,
    .inputs = sel_inputs,
    .bind = sel_bind,
    .calculate = sel_calculate,
};
