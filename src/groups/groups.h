/*
 * groups.h: the built-in feature groups. Each family is one file exposing a const
 * mloda_feature_group; builtins.c registers them all (mloda_registry_default). Built-ins
 * use only the public plugin interface, exactly like a user's group.
 */
#ifndef MLODA_GROUPS_GROUPS_H
#define MLODA_GROUPS_GROUPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mloda/mloda.h"

extern const mloda_feature_group mloda_group_api_data;
extern const mloda_feature_group mloda_group_aggregation;
extern const mloda_feature_group mloda_group_column_select;
extern const mloda_feature_group mloda_group_sklearn_pipeline;
extern const mloda_feature_group mloda_group_clustering;
extern const mloda_feature_group mloda_group_dim_reduction;
extern const mloda_feature_group mloda_group_node_centrality;
extern const mloda_feature_group mloda_group_time_window;
extern const mloda_feature_group mloda_group_geo_distance;
extern const mloda_feature_group mloda_group_text_cleaning;
extern const mloda_feature_group mloda_group_missing_values;
extern const mloda_feature_group mloda_group_scaling;
extern const mloda_feature_group mloda_group_encoding;
extern const mloda_feature_group mloda_group_forecasting;

/** Text cleaning's `normalize` of one non-ASCII code point cp (a Unicode scalar value):
 *  Python's str.lower() (the final-sigma form when final_sigma), NFKD, combining marks
 *  dropped, as UTF-8 into d, which has room for 11 bytes per byte of cp's UTF-8 (the
 *  largest growth of any code point). Returns the bytes written (0: cp folds to nothing). */
size_t mloda_text_fold_char(uint32_t cp, bool final_sigma_here, char *d);

#endif /* MLODA_GROUPS_GROUPS_H */
