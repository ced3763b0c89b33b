/* builtins.c: mloda_registry_default, the registry of every built-in feature group. */
#include "groups/groups.h"

static const mloda_feature_group *const BUILTINS[] = {
    &mloda_group_api_data,
    &mloda_group_aggregation,
    &mloda_group_column_select,
    &mloda_group_sklearn_pipeline,
    &mloda_group_clustering,
    &mloda_group_dim_reduction,
    &mloda_group_node_centrality,
    &mloda_group_time_window,
    &mloda_group_geo_distance,
    &mloda_group_text_cleaning,
    &mloda_group_missing_values,
    &mloda_group_scaling,
    &mloda_group_encoding,
    &mloda_group_forecasting,
};

mloda_registry *mloda_registry_default(void)
{
    mloda_registry *r = mloda_registry_new();
    if (r == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof BUILTINS / sizeof BUILTINS[0]; i++) {
        if (mloda_registry_add(r, BUILTINS[i], NULL) != MLODA_OK) {
            mloda_registry_free(r);
            return NULL;
        }
    }
    return r;
}
