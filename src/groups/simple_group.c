/*
 * simple_group.c: mloda_registry_add_simple, a feature group built from a suffix pattern
 * and one compute function (SPEC.md §6.13). It is an ordinary plugin: its user_data holds
 * the caller's struct and the compiled pattern; each feature's captures are read once, by
 * match, and attached to the feature, so runs do no matching.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <string.h>

#include "groups/groups.h"
#include "util/abi.h"
#include "util/util.h"

typedef struct simple {
    mloda_simple_group def; /* the caller's struct (copied) */
    char *name, *description, *pattern; /* owned copies */
    pcre2_code *re;          /* owned */
} simple;

typedef struct captures {
    int64_t n;
    char **text; /* owned; NULL entries for unset groups */
} captures;

static void simple_free(void *ud)
{
    simple *s = ud;
    if (s->def.user_data_free != NULL)
        s->def.user_data_free(s->def.user_data);
    pcre2_code_free(s->re);
    mloda_free(s->name);
    mloda_free(s->description);
    mloda_free(s->pattern);
    mloda_free(s);
}

static void captures_free(void *p)
{
    captures *c = p;
    for (int64_t i = 0; c != NULL && i < c->n; i++)
        mloda_free(c->text[i]);
    if (c != NULL)
        mloda_free(c->text);
    mloda_free(c);
}

/* Whole-suffix match; on success *out (if not NULL) gets the capture groups. */
static mloda_status match_suffix(const simple *s, const char *suffix, bool *matched,
                                 captures **out, mloda_error *err)
{
    *matched = false;
    if (suffix == NULL)
        return MLODA_OK;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(s->re, NULL);
    if (md == NULL)
        return MLODA_NOMEM(err, "a pattern match");
    int rc = pcre2_match(s->re, (PCRE2_SPTR)suffix, strlen(suffix), 0, PCRE2_ANCHORED | PCRE2_ENDANCHORED,
                         md, NULL);
    mloda_status st = MLODA_OK;
    *matched = rc > 0;
    if (*matched && out != NULL) {
        captures *c = mloda_calloc(1, sizeof *c);
        int64_t n = rc - 1;
        if (c != NULL)
            c->text = mloda_calloc((size_t)(n > 0 ? n : 1), sizeof *c->text);
        if (c == NULL || c->text == NULL) {
            captures_free(c);
            st = MLODA_NOMEM(err, "pattern captures");
        } else {
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
            for (int64_t g = 1; g <= n && st == MLODA_OK; g++) {
                c->n = g;
                if (ov[2 * g] == PCRE2_UNSET)
                    continue;
                c->text[g - 1] = mloda_strndup(suffix + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
                if (c->text[g - 1] == NULL)
                    st = MLODA_NOMEM(err, "pattern captures");
            }
            if (st == MLODA_OK)
                *out = c;
            else
                captures_free(c);
        }
    }
    pcre2_match_data_free(md);
    return st;
}

/* The parsed value is the pattern's capture groups. */
static mloda_status simple_match(void *ud, const mloda_feature *f, bool *out, void **out_parsed,
                                 mloda_error *why)
{
    captures *c = NULL;
    MLODA_TRY(match_suffix(ud, mloda_feature_chain_suffix(f), out, &c, why));
    *out_parsed = c;
    return MLODA_OK;
}

static void simple_parsed_free(void *ud, void *parsed)
{
    (void)ud;
    captures_free(parsed);
}

static mloda_status simple_inputs(void *ud, const mloda_feature *f, mloda_inputs *in,
                                  mloda_error *err)
{
    const simple *s = ud;
    return mloda_inputs_add_chain(in, f, s->def.min_inputs, s->def.max_inputs, err);
}

static mloda_status simple_bind(void *ud, mloda_bind *ctx, mloda_error *err)
{
    const simple *s = ud;
    const mloda_feature *f = mloda_bind_feature(ctx);
    for (int64_t j = 0; j < mloda_bind_n_inputs(ctx); j++) {
        if (mloda_bind_input_is_multi(ctx, j))
            return mloda_error_set(err, MLODA_ERR_TYPE, mloda_feature_name(f),
                                   "feature '%s': input '%s' has several columns; simple group "
                                   "'%s' takes single columns (select one with ~k)",
                                   mloda_feature_name(f), mloda_bind_input_name(ctx, j), s->name);
    }
    mloda_type t = s->def.output_type != MLODA_TYPE_INVALID ? s->def.output_type
                                                             : mloda_bind_input_type(ctx, 0);
    int32_t ls = t == MLODA_TYPE_FLOAT64_LIST ? mloda_bind_input_list_size(ctx, 0) : 0;
    return mloda_bind_output(ctx, t, ls, mloda_bind_input_time_unit(ctx, 0), err);
}

static mloda_status simple_calculate(void *ud, mloda_calc *calc, mloda_error *err)
{
    const simple *s = ud;
    enum { MAX_IN = 64 };
    for (int64_t i = 0; i < mloda_calc_n_features(calc); i++) {
        const mloda_feature *f = mloda_calc_feature(calc, i);
        int64_t n_in = mloda_calc_n_inputs(calc, i);
        const mloda_column *in[MAX_IN];
        if (n_in > MAX_IN)
            return mloda_error_set(err, MLODA_ERR_RANGE, mloda_feature_name(f),
                                   "at most %d inputs", MAX_IN);
        for (int64_t j = 0; j < n_in; j++)
            in[j] = mloda_calc_input(calc, i, j, 0);
        const captures *c = mloda_feature_parsed(f);
        mloda_column *out = NULL;
        mloda_status st = s->def.compute(s->def.user_data, mloda_calc_n_rows(calc), n_in, in,
                                         c != NULL ? c->n : 0,
                                         c != NULL ? (const char *const *)c->text : NULL,
                                         mloda_feature_options(f), &out, err);
        if (st == MLODA_OK && out == NULL)
            st = mloda_error_set(err, MLODA_ERR_PLUGIN, mloda_feature_name(f),
                                 "feature group '%s' computed no column", s->name);
        if (st == MLODA_OK)
            st = mloda_calc_set_output(calc, i, out, err);
        else
            mloda_column_release(out);
        if (st != MLODA_OK) {
            mloda_error_default_subject(err, mloda_feature_name(f));
            return st;
        }
    }
    return MLODA_OK;
}

static mloda_status compile(simple *s, mloda_error *err)
{
    int code = 0;
    PCRE2_SIZE off = 0;
    s->re = pcre2_compile((PCRE2_SPTR)s->pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &code, &off,
                          NULL);
    if (s->re != NULL)
        return MLODA_OK;
    PCRE2_UCHAR msg[160];
    (void)pcre2_get_error_message(code, msg, sizeof msg);
    return mloda_error_set_at(err, MLODA_ERR_OPTION, s->pattern, (int64_t)off,
                              "suffix pattern '%s' of group '%s' is invalid at offset %zu: %s",
                              s->pattern, s->name, (size_t)off, (const char *)msg);
}

/* The end of the last required field of a simple group (name and suffix_pattern come
 * before it): compute. user_data and user_data_free are optional. */
#define SIMPLE_REQUIRED_SIZE \
    (offsetof(mloda_simple_group, compute) + sizeof(((mloda_simple_group *)0)->compute))

mloda_status mloda_registry_add_simple(mloda_registry *r, const mloda_simple_group *group,
                                       mloda_error *err)
{
    mloda_error_enter(err);
    if (r == NULL || group == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL, "NULL registry or group");
    mloda_simple_group def; /* plugin.h's versioning rule: fields beyond struct_size absent */
    MLODA_TRY(mloda_abi_copy(&def, sizeof def, group, MLODA_SIMPLE_GROUP_ABI,
                             SIMPLE_REQUIRED_SIZE, MLODA_ERR_PLUGIN, "simple group", err));
    if (def.name == NULL || def.name[0] == '\0' || def.suffix_pattern == NULL ||
        def.compute == NULL || def.min_inputs < 0)
        return mloda_error_set(err, MLODA_ERR_PLUGIN, def.name,
                               "a simple group needs a name, a suffix pattern, a compute "
                               "function and min_inputs >= 0");
    simple *s = mloda_calloc(1, sizeof *s);
    if (s == NULL)
        return MLODA_NOMEM(err, "a feature group");
    s->def = def;
    s->def.user_data_free = NULL; /* taken over only once registered */
    s->name = mloda_strdup(def.name);
    s->description = mloda_strdup(def.description != NULL ? def.description : "");
    s->pattern = mloda_strdup(def.suffix_pattern);
    mloda_status st = (s->name == NULL || s->description == NULL || s->pattern == NULL)
                          ? MLODA_NOMEM(err, "a feature group")
                          : compile(s, err);
    mloda_feature_group g = {
        .struct_size = sizeof(mloda_feature_group),
        .abi_version = MLODA_FEATURE_GROUP_ABI,
        .name = s->name,
        .description = s->description,
        .patterns = s->pattern,
        .match = simple_match,
        .inputs = simple_inputs,
        .bind = simple_bind,
        .calculate = simple_calculate,
        .parsed_free = simple_parsed_free,
        .user_data = s,
        .user_data_free = simple_free,
    };
    if (st == MLODA_OK)
        st = mloda_registry_add(r, &g, err);
    if (st != MLODA_OK) {
        simple_free(s); /* the caller keeps its user_data */
        return st;
    }
    s->def.user_data_free = def.user_data_free;
    return MLODA_OK;
}
