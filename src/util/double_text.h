/*
 * double_text.h: doubles as text laid out like Python's repr / json.dumps: the shortest
 * decimal that reads back as the same double, fixed notation with a decimal for decimal
 * exponents -4..15 ("100.0", "0.001"), scientific otherwise ("1e+21"); "null" for NaN
 * and infinities.
 */
#ifndef MLODA_UTIL_DOUBLE_TEXT_H
#define MLODA_UTIL_DOUBLE_TEXT_H

#include <stddef.h>

#define MLODA_DOUBLE_TEXT_MAX 32

/** Writes v into out (MLODA_DOUBLE_TEXT_MAX bytes, NUL-terminated); returns the length. */
size_t mloda_double_text(double v, char *out);

#endif /* MLODA_UTIL_DOUBLE_TEXT_H */
