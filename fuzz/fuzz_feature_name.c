/*
 * fuzz_feature_name.c: arbitrary bytes as a request of feature names (split at newlines)
 * planned against a small api_data: the name grammar, resolver, error rendering and plan
 * must never crash, leak or accept a malformed name.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "feature/name.h"
#include "mloda/mloda.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mloda_api_data *sample(void)
{
    const double v[] = {1.5, -2, 4};
    const char *s[] = {"a", "b", NULL};
    mloda_column *cols[2] = {NULL, NULL};
    const char *names[] = {"value", "name"};
    (void)mloda_column_from_float64(3, v, NULL, &cols[0], NULL);
    (void)mloda_column_from_utf8(3, s, &cols[1], NULL);
    mloda_api_data *api = mloda_api_data_new();
    (void)mloda_api_data_add_columns(api, "T", 2, names, (const mloda_column *const *)cols, NULL);
    mloda_column_release(cols[0]);
    mloda_column_release(cols[1]);
    return api;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    mloda_registry *reg = mloda_registry_default();
    mloda_request *req = mloda_request_new();
    mloda_api_data *api = sample();
    for (char *line = text, *nl; line != NULL; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        if (nl != NULL)
            *nl = '\0';
        mloda_error err = MLODA_ERROR_INIT;
        (void)mloda_name_check(line, &err);
        if (line[0] != '\0')
            (void)mloda_request_add(req, line, NULL, NULL);
    }
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    if (mloda_run_all(reg, req, api, &res, &err) != MLODA_OK &&
        (err.code == MLODA_OK || err.message[0] == '\0'))
        abort(); /* every failure must say what went wrong */
    mloda_results_free(res);
    mloda_api_data_free(api);
    mloda_request_free(req);
    mloda_registry_free(reg);
    free(text);
    return 0;
}
