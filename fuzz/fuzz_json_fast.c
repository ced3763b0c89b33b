/*
 * fuzz_json_fast.c: the fast JSON reader (src/io/json_fast.c) against yajl alone, on
 * arbitrary text. The first byte picks where the text is cut in two, the second whether
 * several top-level values are allowed and at which event the handler fails; the rest is
 * the text. Both readings must log the same events, positions, status and message, and
 * every number the fast reader converted must be the one mloda_io_number_parse reads
 * (tests/io/json_reading_log.h); a difference aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../tests/io/json_reading_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > 8192)
        return 0;
    const char *text = (const char *)data + 2;
    const size_t len = size - 2;
    const size_t cut = (size_t)data[0] * (len + 1) / 256;
    const bool many = (data[1] & 1) != 0;
    const int64_t fail_at = (data[1] >> 1) == 0 ? -1 : (int64_t)(data[1] >> 1) - 1;
    json_reading_result res;
    char *fast = json_reading_log(text, len, &cut, 1, many, false, fail_at, &res);
    char *yajl = json_reading_log(text, len, &cut, 1, many, true, fail_at, NULL);
    if (fast != NULL && yajl != NULL && (strcmp(fast, yajl) != 0 || res.n_wrong != 0))
        abort();
    free(fast);
    free(yajl);
    return 0;
}
