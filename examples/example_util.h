/*
 * example_util.h: small helpers the example programs share: printing a result table and
 * building a micro-batch of sensor readings. Only the public API is used.
 */
#ifndef MLODA_EXAMPLE_UTIL_H
#define MLODA_EXAMPLE_UTIL_H

#include <stdio.h>

#include "mloda/mloda.h"

/* Prints "group: col=[v, v, ...] col=[...]" for a result table. */
static void print_table(const char *label, const mloda_table *t)
{
    printf("%s%s:", label, mloda_table_group_name(t));
    for (int64_t c = 0; c < mloda_table_n_columns(t); c++) {
        const mloda_column *col = mloda_table_column(t, c);
        printf(" %s=[", mloda_table_column_name(t, c));
        for (int64_t i = 0; i < mloda_column_n_rows(col); i++) {
            if (i > 0)
                printf(", ");
            if (!mloda_column_is_valid(col, i))
                printf("null");
            else if (mloda_column_type(col) == MLODA_TYPE_FLOAT64)
                printf("%.6g", mloda_column_float64(col)[i]);
            else if (mloda_column_type(col) == MLODA_TYPE_INT64)
                printf("%lld", (long long)mloda_column_int64(col)[i]);
            else
                printf("?");
        }
        printf("]");
    }
    printf("\n");
}

/* A batch {"SensorData": {"sensor_id": [...], "value": [...]}} of n readings; batch k
 * gets distinct, deterministic values. Returns NULL after printing an error. */
static mloda_api_data *sensor_batch(int k, int64_t n)
{
    int64_t ids[16];
    double values[16];
    if (n > 16)
        n = 16;
    for (int64_t i = 0; i < n; i++) {
        ids[i] = i % 3;
        values[i] = 10.0 * (double)k + 0.5 * (double)i;
    }
    mloda_error err = MLODA_ERROR_INIT;
    mloda_column *cols[2] = {NULL, NULL};
    const char *names[2] = {"sensor_id", "value"};
    mloda_api_data *api = mloda_api_data_new();
    if (api == NULL || mloda_column_from_int64(n, ids, NULL, &cols[0], &err) != MLODA_OK ||
        mloda_column_from_float64(n, values, NULL, &cols[1], &err) != MLODA_OK ||
        mloda_api_data_add_columns(api, "SensorData", 2, names,
                                   (const mloda_column *const *)cols, &err) != MLODA_OK) {
        fprintf(stderr, "building a batch failed: %s\n", err.message);
        mloda_api_data_free(api);
        api = NULL;
    }
    mloda_column_release(cols[0]);
    mloda_column_release(cols[1]);
    return api;
}

/* The request every example uses: a pass-through and three aggregations. */
static mloda_request *sensor_request(mloda_error *err)
{
    static const char *const features[] = {"value", "value__mean_aggr", "value__max_aggr",
                                           "sensor_id__count_aggr"};
    mloda_request *req = mloda_request_new();
    for (size_t i = 0; req != NULL && i < sizeof features / sizeof features[0]; i++) {
        if (mloda_request_add(req, features[i], NULL, err) != MLODA_OK) {
            mloda_request_free(req);
            return NULL;
        }
    }
    return req;
}

#endif /* MLODA_EXAMPLE_UTIL_H */
