/*
 * name.h: the chain grammar of feature names (SPEC.md §1.2–1.4).
 *
 * A name is split at its LAST "__" into source and suffix ("v___sum_aggr" -> "v_" +
 * "sum_aggr"); the source may itself be a chain. Neither part may be empty, at any level:
 * "x__", "__x" and "a____b" are malformed. '&' and ',' separate several inputs inside a
 * source part; "~" selects one column of a multi-column feature ("F~1").
 */
#ifndef MLODA_FEATURE_NAME_H
#define MLODA_FEATURE_NAME_H

#include <stdbool.h>
#include <stddef.h>

#include "mloda/base.h"
#include "util/edit_distance.h"

/** Checks the chain grammar of name at every level. Errors: MLODA_ERR_PARSE with subject =
 *  name, position = byte offset of the problem, and a message saying what is empty. */
mloda_status mloda_name_check(const char *name, mloda_error *err);

/** Splits at the last "__": true with *out_source_len and *out_suffix (pointing into
 *  name) for a chained name, false for a plain one. Does not validate. */
bool mloda_name_split(const char *name, size_t *out_source_len, const char **out_suffix);

/** Number of '&'/','-separated parts of source[0..len). */
size_t mloda_name_count_parts(const char *source, size_t len);

/** Part k of source[0..len): sets *out_start and *out_len; false when k is out of range. */
bool mloda_name_part(const char *source, size_t len, size_t k, const char **out_start,
                     size_t *out_len);

/** Levenshtein distance between a and b, capped at cap (returns cap when >= cap): util's
 *  mloda_edit_distance. Used for "did you mean" suggestions at prepare time. */
static inline size_t mloda_name_distance(const char *a, const char *b, size_t cap)
{
    return mloda_edit_distance(a, b, cap);
}

#endif /* MLODA_FEATURE_NAME_H */
