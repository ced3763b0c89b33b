/*
 * mloda_family_match.h: the match rule shared by the single-token families
 * (`{in}__{token}{ending}` or an option naming the token plus in_features), e.g.
 * imputation (`_imputed`, imputation_method), scaling (`_scaled`, scaler_type) and
 * encoding (`_encoded`, encoder_type). SPEC.md §1.6, §10.4, §10.6.
 */
#ifndef MLODA_GROUPS_FAMILY_MATCH_H
#define MLODA_GROUPS_FAMILY_MATCH_H

#include "mloda/mloda.h"

typedef struct family_spec {
    const char *ending;          /* name suffix after the token, e.g. "_imputed" */
    const char *option;          /* option key naming the token, e.g. "imputation_method" */
    const char *what;            /* for messages, e.g. "imputation method" */
    const char *const *tokens;   /* allowed tokens */
    int n_tokens;
    const char *allowed;         /* tokens as one comma-separated list, for messages */
} family_spec;

/**
 * The token index feature f asks for: the token of its `__{token}{ending}` suffix, or else
 * the string option spec->option (which then needs in_features). *out_index is -1 when f
 * is not of this family or the request is a near miss (bad token, bad option value, no
 * in_features): `why` then says so, naming the feature, the value and the allowed ones.
 * A name and an option that disagree set *hard and return MLODA_ERR_OPTION (mloda lets
 * the name win silently, SPEC.md §10.4). Option-form names with a `~` selector after the
 * last "__" are left to the F~k column selection.
 */
mloda_status mloda_family_parse(const family_spec *spec, const mloda_feature *f, int *out_index,
                          bool *hard, mloda_error *why);

/** The match callback body: mloda_family_parse, keeping only hard errors as failures. */
mloda_status mloda_family_match(const family_spec *spec, const mloda_feature *f, bool *out_match,
                          mloda_error *why);

/** Sets err's subject to name when the error has no subject yet (calculate failures). */
void mloda_family_name_error(mloda_error *err, const char *name);

#endif /* MLODA_GROUPS_FAMILY_MATCH_H */
