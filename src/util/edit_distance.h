/*
 * edit_distance.h: Levenshtein distance for "did you mean" suggestions (misspelt feature
 * names, request keys, table names). Pure function; no allocation (one stack row).
 */
#ifndef MLODA_UTIL_EDIT_DISTANCE_H
#define MLODA_UTIL_EDIT_DISTANCE_H

#include <stddef.h>

/** Words this long or longer are not compared (mloda_edit_distance returns cap). */
#define MLODA_EDIT_DISTANCE_MAX_LEN 64

/**
 * The Levenshtein distance (insertions, deletions, substitutions of single bytes) of the
 * NUL-terminated a and b, capped at cap: returns cap when the distance is cap or more,
 * and when either word has MLODA_EDIT_DISTANCE_MAX_LEN bytes or more. A length
 * difference of cap or more returns cap without comparing.
 */
size_t mloda_edit_distance(const char *a, const char *b, size_t cap);

#endif /* MLODA_UTIL_EDIT_DISTANCE_H */
