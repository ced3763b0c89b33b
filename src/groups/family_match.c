/* mloda_family_match.c: name/option matching of single-token families (see mloda_family_match.h). */
#include "groups/family_match.h"

#include <stdio.h>
#include <string.h>

static int find_token(const family_spec *spec, const char *token)
{
    for (int i = 0; i < spec->n_tokens; i++) {
        if (strcmp(spec->tokens[i], token) == 0)
            return i;
    }
    return -1;
}

/* true when the part after the last "__" contains '~' (a column selector, F~k). */
static bool has_selector(const char *name)
{
    const char *from = name;
    for (const char *p = name; p[0] != '\0' && p[1] != '\0'; p++) {
        if (p[0] == '_' && p[1] == '_')
            from = p + 2;
    }
    return strchr(from, '~') != NULL;
}

mloda_status mloda_family_parse(const family_spec *spec, const mloda_feature *f, int *out_index,
                          bool *hard, mloda_error *why)
{
    const char *name = mloda_feature_name(f);
    const mloda_options *o = mloda_feature_options(f);
    const char *opt = NULL;
    char token[64];
    *out_index = -1;
    *hard = false;
    if (mloda_options_has(o, spec->option) && !mloda_options_get_string(o, spec->option, &opt))
        return mloda_error_set(why, MLODA_ERR_OPTION, name,
                               "option '%s' of '%s' must be a string (one of %s)", spec->option,
                               name, spec->allowed);
    if (mloda_feature_suffix_token(f, spec->ending, token, sizeof token)) {
        int k = find_token(spec, token);
        if (k < 0)
            return mloda_error_set(why, MLODA_ERR_RESOLVE, name,
                                   "unknown %s '%s' in '%s'; allowed: %s", spec->what, token,
                                   name, spec->allowed);
        if (opt != NULL && strcmp(opt, token) != 0) {
            *hard = true;
            return mloda_error_set(why, MLODA_ERR_OPTION, name,
                                   "feature '%s' names %s '%s' but option '%s' says '%s'; "
                                   "give one",
                                   name, spec->what, token, spec->option, opt);
        }
        *out_index = k;
        return MLODA_OK;
    }
    if (opt == NULL || has_selector(name))
        return MLODA_OK;
    int k = find_token(spec, opt);
    if (k < 0)
        return mloda_error_set(why, MLODA_ERR_OPTION, name,
                               "option %s of '%s' is '%s'; allowed: %s", spec->option, name, opt,
                               spec->allowed);
    if (!mloda_options_has(o, "in_features"))
        return mloda_error_set(why, MLODA_ERR_OPTION, name,
                               "feature '%s' sets %s but no in_features", name, spec->option);
    *out_index = k;
    return MLODA_OK;
}

mloda_status mloda_family_match(const family_spec *spec, const mloda_feature *f, bool *out_match,
                          mloda_error *why)
{
    int k = -1;
    bool hard = false;
    mloda_status st = mloda_family_parse(spec, f, &k, &hard, why);
    *out_match = st == MLODA_OK && k >= 0;
    return hard ? st : MLODA_OK;
}

void mloda_family_name_error(mloda_error *err, const char *name)
{
    if (err != NULL && err->code != MLODA_OK && err->subject[0] == '\0')
        (void)snprintf(err->subject, sizeof err->subject, "%s", name);
}
