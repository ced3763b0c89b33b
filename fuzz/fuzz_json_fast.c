/*
 * fuzz_json_fast.c: the fast JSON reader (src/io/json_fast.c) against yajl alone, on
 * arbitrary text. The first byte picks where the text is cut in two, the second whether
 * several top-level values are allowed and at which event the handler fails; the rest is
 * the text. Both readings must log the same events, positions, status and message, and
 * every number the fast reader converted must be the one mloda_io_number_parse reads
 * (tests/io/json_reading_log.h). The text is also read as a batch with a schema typing
 * columns "v" float64 (numbers in runs), "i" int64 and "s" utf8 of table "T": the same
 * tables or the same error both ways. A difference aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../tests/io/json_reading_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static io_schema *batch_schema(void)
{
    static const char *const cols[][2] = {{"v", "float64"}, {"i", "int64"}, {"s", "utf8"}};
    io_schema *s = mloda_io_schema_new();
    for (size_t k = 0; s != NULL && k < 3; k++) {
        io_coltype type;
        if (mloda_io_coltype_parse(cols[k][1], &type))
            (void)mloda_io_schema_set(s, "T", cols[k][0], &type, NULL);
    }
    return s;
}

/* The batch both ways; aborts when they differ. */
static void compare_batches(const char *text, size_t len, size_t cut)
{
    static io_schema *schema;
    if (schema == NULL)
        schema = batch_schema();
    char *fast = json_reading_batch(text, len, cut, schema, false);
    char *yajl = json_reading_batch(text, len, cut, schema, true);
    if (fast != NULL && yajl != NULL && strcmp(fast, yajl) != 0)
        abort();
    free(fast);
    free(yajl);
}

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
    compare_batches(text, len, cut);
    return 0;
}
