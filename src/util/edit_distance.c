/* edit_distance.c: Levenshtein distance (see edit_distance.h). */
#include "util/edit_distance.h"

#include <string.h>

size_t mloda_edit_distance(const char *a, const char *b, size_t cap)
{
    const size_t la = strlen(a), lb = strlen(b);
    if (la >= MLODA_EDIT_DISTANCE_MAX_LEN || lb >= MLODA_EDIT_DISTANCE_MAX_LEN)
        return cap;
    const size_t diff = la > lb ? la - lb : lb - la;
    if (diff >= cap)
        return cap;
    /* one row of the table: row[j] is the distance of a[0..i) and b[0..j); diag keeps the
     * row above's value at j - 1 */
    size_t row[MLODA_EDIT_DISTANCE_MAX_LEN + 1];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            const size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb] < cap ? row[lb] : cap;
}
