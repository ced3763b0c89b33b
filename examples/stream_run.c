/*
 * stream_run.c: pattern 2, plan once and stream every micro-batch.
 *
 *   prepare(request, example batch) -> session
 *   for each batch: session_stream_run(batch) -> stream; stream_next until NULL
 *
 * Each result table is handed over as soon as its feature group finishes, while the
 * others may still be computing.
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
    int status = 0;
    for (int k = 1; k <= 2; k++) {
        mloda_api_data *batch = sensor_batch(k, 4);
        mloda_stream *stream = NULL;
        if (mloda_session_stream_run(session, batch, &stream, &err) != MLODA_OK) {
            fprintf(stderr, "batch %d: %s\n", k, err.message);
            status = 1;
        }
        mloda_api_data_free(batch); /* the stream keeps what it needs */
        for (mloda_table *t = NULL; stream != NULL; mloda_table_release(t)) {
            if (mloda_stream_next(stream, &t, &err) != MLODA_OK) {
                fprintf(stderr, "batch %d: %s\n", k, err.message);
                status = 1;
                break;
            }
            if (t == NULL)
                break;
            char label[32];
            snprintf(label, sizeof label, "batch %d ", k);
            print_table(label, t);
        }
        mloda_stream_free(stream);
    }
    mloda_session_free(session);
    mloda_api_data_free(example);
    mloda_request_free(req);
    mloda_registry_free(reg);
    return status;
}
