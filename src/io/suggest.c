/*
 * suggest.c: "did you mean" for misspelt keys and names: the choice with the smallest
 * edit distance, when that distance is small next to the word's length.
 */
#include "io/request_build.h"

#include <string.h>

#include "util/edit_distance.h"

const char *mloda_io_closest(const char *word, const char *const *choices, size_t n)
{
    /* the first choice at the smallest distance, if that is within the limit (words of
     * MLODA_EDIT_DISTANCE_MAX_LEN bytes or more come back at the cap: never suggested) */
    const size_t limit = strlen(word) / 3 + 1;
    const char *best = NULL;
    size_t best_d = limit + 1;
    for (size_t i = 0; i < n; i++) {
        const size_t d = mloda_edit_distance(word, choices[i], best_d);
        if (d < best_d) {
            best = choices[i];
            best_d = d;
        }
    }
    return best;
}
