/*
 * name.c: feature-name chain grammar (see name.h). Pure functions over borrowed strings;
 * nothing here allocates.
 */
#include "feature/name.h"

#include <string.h>

bool mloda_name_split(const char *name, size_t *out_source_len, const char **out_suffix)
{
    size_t len = strlen(name);
    if (len < 2)
        return false;
    for (size_t i = len - 1; i > 0; i--) {
        if (name[i] == '_' && name[i - 1] == '_') {
            *out_source_len = i - 1;
            *out_suffix = name + i + 1;
            return true;
        }
    }
    return false;
}

mloda_status mloda_name_check(const char *name, mloda_error *err)
{
    if (name == NULL || name[0] == '\0')
        return mloda_error_set(err, MLODA_ERR_PARSE, "", "feature name is empty");
    /* Walk the chain from the outside in: each level's suffix must be non-empty and the
     * remaining source non-empty. */
    size_t len = strlen(name);
    for (;;) {
        size_t i = len;
        bool found = false;
        while (i >= 2) {
            if (name[i - 1] == '_' && name[i - 2] == '_') {
                found = true;
                break;
            }
            i--;
        }
        if (!found)
            return MLODA_OK;
        /* "__" occupies [i-2, i); suffix is [i, len), source is [0, i-2) */
        if (i == len)
            return mloda_error_set_at(err, MLODA_ERR_PARSE, name, (int64_t)i,
                                      "feature name '%s' ends with '__' (empty operation "
                                      "after byte %zu)",
                                      name, i - 2);
        if (i - 2 == 0)
            return mloda_error_set_at(err, MLODA_ERR_PARSE, name, 0,
                                      "feature name '%s' starts with '__' (no source feature "
                                      "before the operation)",
                                      name);
        len = i - 2;
    }
}

size_t mloda_name_count_parts(const char *source, size_t len)
{
    size_t n = 1;
    for (size_t i = 0; i < len; i++)
        n += (source[i] == '&' || source[i] == ',');
    return n;
}

bool mloda_name_part(const char *source, size_t len, size_t k, const char **out_start,
                     size_t *out_len)
{
    size_t start = 0, part = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || source[i] == '&' || source[i] == ',') {
            if (part == k) {
                *out_start = source + start;
                *out_len = i - start;
                return true;
            }
            part++;
            start = i + 1;
        }
    }
    return false;
}
