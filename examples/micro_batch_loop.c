/*
 * micro_batch_loop.c: pattern 1, plan once and run every micro-batch.
 *
 *   prepare(request, example batch) -> session
 *   for each batch: session_run(batch) -> all result tables, in plan order
 *
 * Planning (name resolution, validation) happens once; each run only binds the batch's
 * columns and computes. A bad batch is reported and the loop goes on.
 */
#include <stdio.h>

#include "example_util.h"

int main(void)
{
    mloda_error err = MLODA_ERROR_INIT;
    mloda_registry *reg = mloda_registry_default();
    mloda_request *req = sensor_request(&err);
    mloda_api_data *example = sensor_batch(0, 1);
    mloda_session *session = NULL;
    if (reg == NULL || req == NULL || example == NULL ||
        mloda_prepare(reg, req, example, &session, &err) != MLODA_OK) {
        fprintf(stderr, "prepare failed: %s (%s)\n", err.message, err.subject);
        return 1;
    }
    for (int k = 1; k <= 3; k++) {
        mloda_api_data *batch = sensor_batch(k, 2 + k);
        mloda_results *res = NULL;
        mloda_error_reset(&err);
        if (mloda_session_run(session, batch, &res, &err) == MLODA_OK) {
            for (int64_t t = 0; t < mloda_results_n_tables(res); t++) {
                char label[32];
                snprintf(label, sizeof label, "batch %d ", k);
                print_table(label, mloda_results_table(res, t));
            }
        } else {
            printf("batch %d failed: %s\n", k, err.message);
        }
        mloda_results_free(res);
        mloda_api_data_free(batch);
    }
    /* a batch without the prepared column: a clear error, and the session stays usable */
    mloda_api_data *bad = mloda_api_data_new();
    mloda_results *res = NULL;
    mloda_error_reset(&err);
    if (mloda_session_run(session, bad, &res, &err) != MLODA_OK)
        printf("bad batch: %s\n", err.message);
    mloda_api_data_free(bad);
    mloda_session_free(session);
    mloda_api_data_free(example);
    mloda_request_free(req);
    mloda_registry_free(reg);
    return 0;
}
