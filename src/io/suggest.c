/*
 * suggest.c: "did you mean" for misspelt keys and names: the choice with the smallest
 * edit distance, when that distance is small next to the word's length.
 */
#include "io/request_build.h"

#include <string.h>

/* Levenshtein distance of a and b, both at most 63 bytes (longer words are not
 * compared: nothing is suggested for them). */
static size_t edit_distance(const char *a, const char *b)
{
    const size_t la = strlen(a), lb = strlen(b);
    size_t row[64];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            const size_t up = row[j];
            const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = diag + cost;
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *mloda_io_closest(const char *word, const char *const *choices, size_t n)
{
    const char *best = NULL;
    size_t best_d = 0;
    if (strlen(word) >= 64)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (strlen(choices[i]) >= 64)
            continue;
        const size_t d = edit_distance(word, choices[i]);
        if (best == NULL || d < best_d) {
            best = choices[i];
            best_d = d;
        }
    }
    const size_t limit = strlen(word) / 3 + 1;
    return best != NULL && best_d <= limit ? best : NULL;
}
