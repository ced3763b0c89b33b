/*
 * suggest.c: "did you mean" for misspelt keys and names: the choice with the smallest
 * edit distance, when that distance is small next to the word's length; and the check of
 * an object's keys against the allowed ones that uses it.
 */
#include "io/request_build.h"

#include <stdio.h>
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

mloda_status mloda_io_jt_check_keys(const char *source, const io_jt *obj, const char *what,
                                    const char *const *allowed, size_t n, mloda_error *err)
{
    for (int64_t i = 0; i < obj->n; i++) {
        const char *key = obj->items[i]->key;
        size_t k = 0;
        while (k < n && strcmp(key, allowed[k]) != 0)
            k++;
        if (k < n)
            continue;
        char list[200] = "";
        for (size_t j = 0; j < n; j++) {
            const size_t len = strlen(list);
            (void)snprintf(list + len, sizeof list - len, "%s\"%s\"",
                           j == 0 ? "" : j + 1 == n ? " and " : ", ", allowed[j]);
        }
        const char *near = mloda_io_closest(key, allowed, n);
        return mloda_io_jt_error(source, obj->items[i], MLODA_ERR_PARSE, key, err,
                           "%s: unknown key '%s'%s%s%s; the keys are %s", what, key,
                           near ? " (did you mean '" : "", near ? near : "",
                           near ? "'?)" : "", list);
    }
    return MLODA_OK;
}
