/*
 * api_data.c: the api-data feature group (SPEC.md §3). Every column of every api_data
 * table is a plain feature. A column name found in two tables is an ambiguity error
 * naming both (mloda silently takes the first, §10.2). Outputs share the batch's column
 * by reference: a pass-through costs no copy.
 */
#include <string.h>

#include "groups/groups.h"

/* Index of the data source holding column `name`, -1 if none; ambiguity is an error. */
static mloda_status find_source(const mloda_feature *f, int64_t *out, mloda_error *err)
{
    const char *name = mloda_feature_name(f);
    int64_t other = -1;
    *out = mloda_feature_data_source_find(f, name, &other);
    if (other >= 0)
        return mloda_error_set(err, MLODA_ERR_AMBIGUOUS, name,
                               "column '%s' is in tables '%s' and '%s'; rename one "
                               "or request it through a link",
                               name, mloda_feature_data_source_name(f, *out),
                               mloda_feature_data_source_name(f, other));
    return MLODA_OK;
}

/* The parsed value is the source's index + 1, held in the pointer itself (nothing to
 * free). */
static mloda_status api_match(void *ud, const mloda_feature *f, bool *out_match,
                              void **out_parsed, mloda_error *why)
{
    (void)ud;
    int64_t src = -1;
    *out_match = false;
    if (mloda_options_has(mloda_feature_options(f), "in_features"))
        return MLODA_OK; /* option-configured features are computed, not read */
    mloda_status st = find_source(f, &src, why);
    *out_match = st == MLODA_OK && src >= 0;
    if (*out_match)
        *out_parsed = (void *)(uintptr_t)(src + 1);
    return st;
}

static mloda_status api_inputs(void *ud, const mloda_feature *f, mloda_inputs *out,
                               mloda_error *err)
{
    (void)ud;
    (void)f;
    (void)out;
    (void)err;
    return MLODA_OK;
}

static mloda_status api_bind(void *ud, mloda_bind *ctx, mloda_error *err)
{
    (void)ud;
    const mloda_feature *f = mloda_bind_feature(ctx);
    int64_t src = (int64_t)(uintptr_t)mloda_feature_parsed(f) - 1;
    return mloda_bind_use_source(ctx, src, mloda_feature_name(f), err);
}

static mloda_status api_calculate(void *ud, mloda_calc *calc, mloda_error *err)
{
    (void)ud;
    for (int64_t i = 0; i < mloda_calc_n_features(calc); i++) {
        mloda_column *col = mloda_column_retain(mloda_calc_source_column(calc, i));
        mloda_status st = mloda_calc_set_output(calc, i, col, err);
        if (st != MLODA_OK)
            return st;
    }
    return MLODA_OK;
}

const mloda_feature_group mloda_group_api_data = {
    .struct_size = sizeof(mloda_feature_group),
    .abi_version = MLODA_FEATURE_GROUP_ABI,
    .name = "ApiInputDataFeature",
    .description = "Columns of the api_data tables given with the request or batch; each "
                   "column is a feature of the same name, passed through without a copy.",
    .version = "1",
    .patterns = "{column}",
    .options_doc = "",
    .example = "value",
    .match = api_match,
    .inputs = api_inputs,
    .bind = api_bind,
    .calculate = api_calculate,
};
