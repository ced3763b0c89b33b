/*
 * groups.h: the built-in feature groups. Each family is one file exposing a const
 * mloda_feature_group; builtins.c registers them all (mloda_registry_default). Built-ins
 * use only the public plugin interface, exactly like a user's group.
 */
#ifndef MLODA_GROUPS_GROUPS_H
#define MLODA_GROUPS_GROUPS_H

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

#endif /* MLODA_GROUPS_GROUPS_H */
