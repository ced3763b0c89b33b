/*
 * stream_all.c: pattern 3, one shot: plan and compute one data set, receiving each
 * result table as soon as it is done. An unresolvable feature fails at the call itself.
 */
#include <stdio.h>

#include "example_util.h"

int main(void)
{
    mloda_error err = MLODA_ERROR_INIT;
    mloda_registry *reg = mloda_registry_default();
    mloda_request *req = sensor_request(&err);
    mloda_api_data *data = sensor_batch(7, 5);
    mloda_stream *stream = NULL;
    if (reg == NULL || req == NULL || data == NULL ||
        mloda_stream_all(reg, req, data, &stream, &err) != MLODA_OK) {
        fprintf(stderr, "stream_all failed: %s\n", err.message);
        return 1;
    }
    int status = 0;
    for (;;) {
        mloda_table *t = NULL;
        if (mloda_stream_next(stream, &t, &err) != MLODA_OK) {
            fprintf(stderr, "%s\n", err.message);
            status = 1;
            break;
        }
        if (t == NULL)
            break;
        print_table("", t);
        mloda_table_release(t);
    }
    mloda_stream_free(stream);

    /* a typo: the error names the feature and suggests the column */
    mloda_request *typo = mloda_request_new();
    mloda_error_reset(&err);
    (void)mloda_request_add(typo, "valeu__sum_aggr", NULL, &err);
    if (mloda_stream_all(reg, typo, data, &stream, &err) != MLODA_OK)
        printf("typo: %s\n", err.message);
    mloda_request_free(typo);
    mloda_api_data_free(data);
    mloda_request_free(req);
    mloda_registry_free(reg);
    return status;
}
