/*
 * feature.c: a feature as plugins see it at prepare time, and the input collector.
 * A feature is filled once and then only read, so its accessors are thread-safe.
 */
#include "feature/feature.h"

#include <string.h>

#include "util/util.h"

mloda_status mloda_feature_init(mloda_feature *f, const char *name, const mloda_options *opts,
                                const mloda_source_set *sources, mloda_error *err)
{
    f->sources = sources;
    f->name = mloda_strdup(name);
    if (f->name == NULL)
        return MLODA_NOMEM(err, "a feature name");
    MLODA_TRY(mloda_options_copy(opts, &f->options, err));
    size_t src_len = 0;
    const char *suffix = NULL;
    if (mloda_name_split(f->name, &src_len, &suffix)) {
        f->chain_source = mloda_strndup(f->name, src_len);
        if (f->chain_source == NULL)
            return MLODA_NOMEM(err, "a feature name");
        f->chain_suffix = suffix;
    }
    return MLODA_OK;
}

void mloda_feature_attach_parsed(mloda_feature *f, void *parsed,
                                 void (*parsed_free)(void *user_data, void *parsed),
                                 void *user_data)
{
    if (f->parsed != NULL && f->parsed_free != NULL)
        f->parsed_free(f->parsed_user_data, f->parsed);
    f->parsed = parsed;
    f->parsed_free = parsed_free;
    f->parsed_user_data = user_data;
}

void mloda_feature_reset(mloda_feature *f)
{
    mloda_feature_attach_parsed(f, NULL, NULL, NULL);
    mloda_free(f->name);
    mloda_options_free(f->options);
    mloda_free(f->chain_source);
    memset(f, 0, sizeof *f);
}

const void *mloda_feature_parsed(const mloda_feature *f)
{
    return f == NULL ? NULL : f->parsed;
}

const char *mloda_feature_name(const mloda_feature *f)
{
    return f == NULL ? NULL : f->name;
}

const mloda_options *mloda_feature_options(const mloda_feature *f)
{
    return f == NULL ? NULL : f->options;
}

const char *mloda_feature_chain_source(const mloda_feature *f)
{
    return f == NULL ? NULL : f->chain_source;
}

const char *mloda_feature_chain_suffix(const mloda_feature *f)
{
    return f == NULL ? NULL : f->chain_suffix;
}

bool mloda_feature_suffix_token(const mloda_feature *f, const char *ending, char *buf, size_t cap)
{
    if (f == NULL || f->chain_suffix == NULL || ending == NULL || buf == NULL)
        return false;
    size_t ls = strlen(f->chain_suffix), le = strlen(ending);
    if (ls <= le || strcmp(f->chain_suffix + ls - le, ending) != 0)
        return false;
    size_t lt = ls - le;
    if (lt + 1 > cap)
        return false;
    memcpy(buf, f->chain_suffix, lt);
    buf[lt] = '\0';
    return true;
}

int64_t mloda_feature_n_data_sources(const mloda_feature *f)
{
    return (f == NULL || f->sources == NULL) ? 0 : f->sources->n;
}

const char *mloda_feature_data_source_name(const mloda_feature *f, int64_t i)
{
    if (i < 0 || i >= mloda_feature_n_data_sources(f))
        return NULL;
    return f->sources->names[i];
}

int64_t mloda_feature_data_source_find(const mloda_feature *f, const char *column,
                                       int64_t *out_other)
{
    int64_t first = -1, other = -1;
    if (out_other != NULL)
        *out_other = -1;
    if (column == NULL || mloda_feature_n_data_sources(f) == 0)
        return -1;
    const mloda_source_set *set = f->sources;
    if (set->first != NULL) { /* the planner's index */
        (void)mloda_strmap_get(set->first, column, &first);
        if (set->second != NULL)
            (void)mloda_strmap_get(set->second, column, &other);
    } else {
        for (int64_t i = 0; i < set->n && other < 0; i++) {
            if (mloda_table_column_index(set->schemas[i], column) < 0)
                continue;
            if (first < 0)
                first = i;
            else
                other = i;
        }
    }
    if (out_other != NULL)
        *out_other = other;
    return first;
}

const mloda_table *mloda_feature_data_source(const mloda_feature *f, int64_t i)
{
    if (i < 0 || i >= mloda_feature_n_data_sources(f))
        return NULL;
    return f->sources->schemas[i];
}

/* ---------------------------------------------------------------- inputs */

static mloda_status inputs_push(mloda_inputs *in, const char *name, size_t len,
                                const mloda_options *opts, mloda_error *err)
{
    if (in->n == in->cap) {
        int64_t cap = in->cap == 0 ? 4 : in->cap * 2;
        mloda_input_spec *items = mloda_realloc(in->items, (size_t)cap * sizeof *items);
        if (items == NULL)
            return MLODA_NOMEM(err, "input features");
        in->items = items;
        in->cap = cap;
    }
    mloda_input_spec *s = &in->items[in->n];
    memset(s, 0, sizeof *s);
    s->name = mloda_strndup(name, len);
    if (s->name == NULL)
        return MLODA_NOMEM(err, "an input feature name");
    if (opts != NULL && mloda_options_n_keys(opts) > 0) {
        mloda_status st = mloda_options_copy(opts, &s->options, err);
        if (st != MLODA_OK) {
            mloda_free(s->name);
            return st;
        }
    }
    in->n++;
    return MLODA_OK;
}

mloda_status mloda_inputs_add(mloda_inputs *in, const char *name, const mloda_options *opts,
                              mloda_error *err)
{
    mloda_error_enter(err);
    if (in == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL, "NULL inputs");
    if (name == NULL || name[0] == '\0') {
        in->has_empty_name = true;
        return mloda_error_set(err, MLODA_ERR_PLUGIN, NULL, "input feature name is empty");
    }
    return inputs_push(in, name, strlen(name), opts, err);
}

static mloda_status check_count(const mloda_feature *f, int64_t n, int64_t min_inputs,
                                int64_t max_inputs, mloda_error *err)
{
    if (max_inputs >= 0 && n > max_inputs)
        return mloda_error_set(err, MLODA_ERR_OPTION, f->name,
                               "feature '%s' allows at most %lld in_feature(s), but found %lld",
                               f->name, (long long)max_inputs, (long long)n);
    if (n < min_inputs)
        return mloda_error_set(err, MLODA_ERR_OPTION, f->name,
                               "feature '%s' needs at least %lld in_feature(s), but found %lld",
                               f->name, (long long)min_inputs, (long long)n);
    return MLODA_OK;
}

/* in_features given as an option: a string or a list of strings. */
static mloda_status add_option_inputs(mloda_inputs *in, const mloda_feature *f,
                                      int64_t min_inputs, int64_t max_inputs, mloda_error *err)
{
    const char *one = NULL;
    if (mloda_options_get_string(f->options, "in_features", &one)) {
        if (one[0] == '\0')
            return mloda_error_set(err, MLODA_ERR_OPTION, f->name,
                                   "feature '%s': in_features is empty", f->name);
        MLODA_TRY(check_count(f, 1, min_inputs, max_inputs, err));
        return mloda_inputs_add(in, one, NULL, err);
    }
    int64_t n = mloda_options_list_n_items(f->options, "in_features");
    if (mloda_options_kind(f->options, "in_features") != MLODA_VALUE_LIST)
        return mloda_error_set(err, MLODA_ERR_OPTION, f->name,
                               "feature '%s' names no input: give 'in_features' (a name or a "
                               "list of names) or use the form <input>__<operation>",
                               f->name);
    MLODA_TRY(check_count(f, n, min_inputs, max_inputs, err));
    for (int64_t i = 0; i < n; i++) {
        const char *s = NULL;
        if (!mloda_options_list_get_string(f->options, "in_features", i, &s) || s[0] == '\0')
            return mloda_error_set(err, MLODA_ERR_OPTION, f->name,
                                   "feature '%s': in_features item %lld is not a feature name",
                                   f->name, (long long)i);
        MLODA_TRY(mloda_inputs_add(in, s, NULL, err));
    }
    return MLODA_OK;
}

mloda_status mloda_inputs_add_chain(mloda_inputs *in, const mloda_feature *f, int64_t min_inputs,
                                    int64_t max_inputs, mloda_error *err)
{
    mloda_error_enter(err);
    if (in == NULL || f == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL, "NULL inputs or feature");
    /* The option form wins: an option-configured feature may have any name, "__" included. */
    if (f->chain_source == NULL || mloda_options_has(f->options, "in_features"))
        return add_option_inputs(in, f, min_inputs, max_inputs, err);
    size_t len = strlen(f->chain_source);
    /* a one-input family takes the whole source, '&' included: in
     * "a&b__concat__sum_aggr" the '&' belongs to the inner feature (SPEC §1.3 splits only
     * for multi-input families) */
    if (max_inputs == 1 && min_inputs <= 1)
        return inputs_push(in, f->chain_source, len, NULL, err);
    size_t n = mloda_name_count_parts(f->chain_source, len);
    MLODA_TRY(check_count(f, (int64_t)n, min_inputs, max_inputs, err));
    for (size_t k = 0; k < n; k++) {
        const char *start = NULL;
        size_t plen = 0;
        (void)mloda_name_part(f->chain_source, len, k, &start, &plen);
        if (plen == 0)
            return mloda_error_set(err, MLODA_ERR_PARSE, f->name,
                                   "feature '%s' has an empty input name in '%s'", f->name,
                                   f->chain_source);
        MLODA_TRY(inputs_push(in, start, plen, NULL, err));
    }
    return MLODA_OK;
}

void mloda_inputs_reset(mloda_inputs *in)
{
    for (int64_t i = 0; i < in->n; i++) {
        mloda_free(in->items[i].name);
        mloda_options_free(in->items[i].options);
    }
    mloda_free(in->items);
    memset(in, 0, sizeof *in);
}
