/*
 * family.h: how the built-in families read a feature's name and options, once, at match.
 *
 * A family is described by data: the chain suffix pattern of its name form, with its
 * parameters in braces named by their option keys ("cluster_{algorithm}_{k_value}"), and
 * the parameters themselves (a token from a list, a positive count, a flag, a column
 * name). The same parameters may instead all be given as options with `in_features`
 * (mloda's option form). One reader serves every family and applies mloda's rules the
 * same way for all (SPEC.md §1.6, §10.4):
 *   - the name form wins when the suffix reads as the pattern; an option that disagrees
 *     with the name is a hard error (mloda lets the name win silently);
 *   - the option form needs every pattern parameter's option and in_features; a name with
 *     a column selector (`F~k`) is left to the column selection;
 *   - a name that looks like the family's but is malformed, an unknown or refused token,
 *     a bad count or an option of the wrong type is a near miss: the resolver shows it
 *     when no group matches;
 *   - the option form is a near miss of a family only when its main choice (the first
 *     token parameter: aggregation_type, window_function, ...) is set, or at least half of
 *     its pattern's options are; a shared key ("algorithm") holding another family's value
 *     counts only with half the other options set. Otherwise options another family shares
 *     (time_unit, algorithm) would make every such family blame them (issue 16);
 *   - option-only parameters (flags, columns, settings) take their defaults when absent;
 *     a null option value counts as absent (mloda treats None so).
 * What it reads is attached to the feature (mloda_feature_parsed), so inputs, bind and
 * calculate never parse the name again.
 */
#ifndef MLODA_GROUPS_FAMILY_H
#define MLODA_GROUPS_FAMILY_H

#include "mloda/mloda.h"

typedef enum mloda_family_kind {
    MLODA_FAMILY_TOKEN,  /* one of a list of names; value: its index */
    MLODA_FAMILY_COUNT,  /* a positive integer (an int option or a string of digits); value:
                            the integer, 0 for "auto" where allowed */
    MLODA_FAMILY_FLAG,   /* option only: true or false; value: 0 or 1 */
    MLODA_FAMILY_COLUMN, /* option only: a non-empty column name; text: the name */
} mloda_family_kind;

typedef struct mloda_family_param {
    const char *option;        /* option key; also its name in the pattern */
    const char *what;          /* its name in messages, e.g. "aggregation type" */
    mloda_family_kind kind;
    const char *const *tokens; /* TOKEN: the names; [0, n_usable) work, [n_usable, n_tokens)
                                  are known to mloda but refused here */
    int n_tokens, n_usable;
    const char *allowed;       /* TOKEN: the usable names as one list, for messages */
    const char *refused_why;   /* TOKEN: why refused names are refused (NULL: "not
                                  implemented in mloda-c") */
    int64_t max;               /* COUNT: the largest value (0: INT64_MAX) */
    bool allow_auto;           /* COUNT: "auto" reads as 0 */
    int64_t dflt;              /* option-only TOKEN / FLAG: value when absent */
    const char *dflt_text;     /* COLUMN: name when absent (NULL: none) */
    bool shared;               /* TOKEN: other families use this option key too ("algorithm"):
                                  a value none of this family's tokens means the feature is
                                  another family's, not a near miss of this one */
} mloda_family_param;

#define MLODA_FAMILY_MAX_PARAMS 10

typedef struct mloda_family_values {
    int64_t num[MLODA_FAMILY_MAX_PARAMS];      /* TOKEN index, COUNT value, FLAG 0/1 */
    const char *text[MLODA_FAMILY_MAX_PARAMS]; /* COLUMN: borrowed from the feature's options
                                                  or dflt_text (lives as long as the plan) */
    bool from_name;                            /* the name form (else the option form) */
} mloda_family_values;

typedef struct mloda_family_spec {
    const char *pattern;        /* the chain suffix with {option} parameters */
    const char *example;        /* a full feature name of this form, for messages */
    int n_params;
    const mloda_family_param *params; /* those in the pattern, then option-only ones */
    const char *inputs_hint;    /* after "no in_features", e.g. " (the node column)"; or "" */
    /** Optional family-specific check of a feature that reads as this family (a near miss
     *  when it fails: set why and return it). */
    mloda_status (*check)(const mloda_feature *f, const mloda_family_values *v,
                          mloda_error *why);
} mloda_family_spec;

/**
 * Reads feature f as a member of the family. *found true and *out filled: it is one.
 * *found false: not one, with `why` set for a near miss. A non-OK return is a hard error
 * (a name and an option that disagree), which ends planning.
 */
mloda_status mloda_family_read(const mloda_family_spec *spec, const mloda_feature *f,
                               mloda_family_values *out, bool *found, mloda_error *why);

/** The match callback of a family group: mloda_family_read, attaching a copy of the values
 *  as the feature's parsed value (free it with mloda_family_parsed_free). */
mloda_status mloda_family_match(const mloda_family_spec *spec, const mloda_feature *f,
                                bool *out_match, void **out_parsed, mloda_error *why);
/** parsed_free of a family group. */
void mloda_family_parsed_free(void *user_data, void *parsed);
/** The values match attached to f (never NULL for a feature the family matched). */
const mloda_family_values *mloda_family_of(const mloda_feature *f);

#endif /* MLODA_GROUPS_FAMILY_H */
