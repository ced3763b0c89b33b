/*
 * fuzz_io_request.c: arbitrary bytes as a request file: the JSON event parser, the
 * request state machine, column inference, schema pass and option building must never
 * crash or leak, and must either give a complete request or an error with a message.
 */
#include <stdint.h>
#include <stdlib.h>

#include "io/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    io_request r;
    mloda_error err = MLODA_ERROR_INIT;
    const mloda_status st = mloda_io_request_parse((const char *)data, size, "fuzz", &r, &err);
    if (st == MLODA_OK && (r.request == NULL || r.api_data == NULL || r.schema == NULL))
        abort();
    if (st != MLODA_OK && (err.message[0] == '\0' || r.request != NULL))
        abort();
    mloda_io_request_reset(&r);
    return 0;
}
