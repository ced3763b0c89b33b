/*
 * test_text_normalize.c: the text cleaning's normalize step over the scripts it covers
 * (Latin-1, Latin Extended-A/-B/Additional, Greek, Cyrillic, combining sequences,
 * compatibility forms) against Python's unicodedata: lowercase, NFKD, combining marks
 * dropped (SPEC.md §6.6). The expected strings were computed with
 * ''.join(c for c in unicodedata.normalize('NFKD', s.lower()) if not unicodedata.combining(c)).
 */
#include <stdio.h>
#include <string.h>

#include "io/io.h"
#include "test.h"

static const struct {
    const char *in, *out;
} cases[] = {
    {"\xC3\x80\xC3\x89\xC3\x8E \xC3\x95\xC3\x9C", "aei ou"},          /* ÀÉÎ ÕÜ */
    {"\xC7\x84 \xC7\x85 \xC7\x86", "dz dz dz"},                        /* Ǆ ǅ ǆ */
    {"\xCE\x86 \xCE\x88 \xCE\x90", "\xCE\xB1 \xCE\xB5 \xCE\xB9"},      /* Ά Έ ΐ -> α ε ι */
    {"\xD0\x81 \xD1\x90 \xD2\x8A \xD3\x91",
     "\xD0\xB5 \xD0\xB5 \xD2\x8B \xD0\xB0"},                          /* Ё ѐ Ҋ ӑ -> е е ҋ а */
    {"\xE1\xB8\x80 \xE1\xBA\x9E \xE1\xBB\xB3", "a \xC3\x9F y"},        /* Ḁ ẞ ỳ -> a ß y */
    {"e\xCC\x81 a\xCC\x80\xCC\x81", "e a"},                           /* combining marks */
    {"\xEF\xAC\x81 \xE2\x91\xA0 \xEF\xBD\x98", "fi 1 x"},              /* ﬁ ① ｘ */
    {"Stra\xC3\x9F" "e", "stra\xC3\x9F" "e"},                          /* ß stays */
    {"\xC7\xB0", "j"},                                                 /* ǰ */
    {"\xF0\x9F\x98\x80 text", "\xF0\x9F\x98\x80 text"},                /* outside: as it is */
};

static void test_normalize(void)
{
    char values[2048] = "";
    size_t len = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mloda_buf b = {0};
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(mloda_buf_json_string(&b, cases[i].in, strlen(cases[i].in), &err), err);
        len += (size_t)snprintf(values + len, sizeof values - len, "%s%s", i > 0 ? ", " : "", b.data);
        mloda_buf_reset(&b);
    }
    char text[4096];
    (void)snprintf(text, sizeof text,
                   "{\"features\": [{\"name\": \"n\", \"options\": {\"in_features\": \"s\","
                   " \"cleaning_operations\": [\"normalize\"]}}], \"api_data\": {\"T\": {\"s\": [%s]}}}",
                   values);
    io_request r;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_io_request_parse(text, strlen(text), "req", &r, &err), err);
    mloda_registry *reg = mloda_registry_default();
    mloda_results *res = NULL;
    CHECK_OK(mloda_run_all(reg, r.request, r.api_data, &res, &err), err);
    const mloda_column *c = res != NULL ? mloda_table_column(mloda_results_table(res, 0), 0) : NULL;
    for (size_t i = 0; c != NULL && i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("case %zu", i);
        int64_t n = 0;
        const char *got = mloda_column_utf8_at(c, (int64_t)i, &n);
        CHECK(got != NULL && n == (int64_t)strlen(cases[i].out) && memcmp(got, cases[i].out, (size_t)n) == 0);
    }
    mloda_results_free(res);
    mloda_registry_free(reg);
    mloda_io_request_reset(&r);
}

int main(void)
{
    RUN(test_normalize);
    return TEST_SUMMARY();
}
