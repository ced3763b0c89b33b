/*
 * feature.h: the feature layer offered to the plan layer: a feature (name + options +
 * parsed chain), the data sources visible while planning, and the input collector that
 * plugins fill. Implements the mloda_feature_* and mloda_inputs_* functions of plugin.h.
 */
#ifndef MLODA_FEATURE_FEATURE_H
#define MLODA_FEATURE_FEATURE_H

#include "feature/name.h"
#include "feature/options_internal.h"
#include "mloda/plugin.h"
#include "util/strmap.h"

/** The data sources a plan can read (api_data tables; later files and databases).
 *  Borrowed by every feature of one planning pass. */
typedef struct mloda_source_set {
    int64_t n;
    const char *const *names;          /* borrowed */
    const mloda_table *const *schemas; /* borrowed */
    const mloda_strmap *first;         /* borrowed, may be NULL: column name -> the first
                                          source with it */
    const mloda_strmap *second;        /* borrowed, may be NULL: column -> the second */
} mloda_source_set;

struct mloda_feature {
    char *name;                      /* owned */
    mloda_options *options;          /* owned, never NULL after init */
    char *chain_source;              /* owned; NULL for a plain name */
    const char *chain_suffix;        /* points into name; NULL for a plain name */
    const mloda_source_set *sources; /* borrowed; may be NULL */
    void *parsed;                    /* owned through parsed_free: what the matching
                                        group's match attached (mloda_feature_parsed) */
    void (*parsed_free)(void *user_data, void *parsed);
    void *parsed_user_data;          /* borrowed: first argument of parsed_free */
};

/** Fills a zeroed feature: copies name and options (opts may be NULL). Does not validate
 *  the grammar (see mloda_name_check). On failure the feature can still be reset. */
mloda_status mloda_feature_init(mloda_feature *f, const char *name, const mloda_options *opts,
                                const mloda_source_set *sources, mloda_error *err);
void mloda_feature_reset(mloda_feature *f);
/** Attaches the value a group's match parsed, freeing the one attached before. */
void mloda_feature_attach_parsed(mloda_feature *f, void *parsed,
                                 void (*parsed_free)(void *user_data, void *parsed),
                                 void *user_data);

typedef struct mloda_input_spec {
    char *name;             /* owned */
    mloda_options *options; /* owned; may be NULL */
} mloda_input_spec;

struct mloda_inputs {
    mloda_input_spec *items; /* owned */
    int64_t n, cap;
    bool has_empty_name;     /* the group added a NULL or empty name: the planner fails the
                                feature even if the group ignored the error it got */
};

void mloda_inputs_reset(mloda_inputs *in);

#endif /* MLODA_FEATURE_FEATURE_H */
