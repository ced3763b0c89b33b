/*
 * double_text.h: doubles as text and back, without printf or strtod in the common path.
 *
 * mloda_double_text lays a double out like Python's repr / json.dumps: the shortest
 * decimal that reads back as the same double (the closest one when several are as short),
 * fixed notation with a decimal for decimal exponents -4..15 ("100.0", "0.001"),
 * scientific otherwise ("1e+21", "5e-324"); "null" for NaN and infinities.
 * mloda_double_parse reads decimal text into the correctly rounded double (as strtod in
 * round-to-nearest-even). Both are locale-independent and thread-safe.
 */
#ifndef MLODA_UTIL_DOUBLE_TEXT_H
#define MLODA_UTIL_DOUBLE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MLODA_DOUBLE_TEXT_MAX 32
#define MLODA_DOUBLE_WRITE_ROOM 48

/** Writes v into out (MLODA_DOUBLE_TEXT_MAX bytes, NUL-terminated); returns the length
 *  (at most 24). */
size_t mloda_double_text(double v, char *out);

/** Writes v's text (at most 24 bytes, no NUL) at out and returns its end; out must have
 *  MLODA_DOUBLE_WRITE_ROOM bytes of room: bytes past the end may be overwritten. For
 *  writers that reserve room once and write straight into their buffer. */
char *mloda_double_write(double v, char *out);

#define MLODA_INT64_WRITE_ROOM 24

/** Writes v in decimal (at most 20 bytes, no NUL) at out, which has MLODA_INT64_WRITE_ROOM
 *  bytes of room; returns the end. */
char *mloda_int64_write(int64_t v, char *out);

typedef enum mloda_double_parse_result {
    MLODA_DOUBLE_PARSE_OK = 0,
    MLODA_DOUBLE_PARSE_SYNTAX, /* not [+-]digits[.digits][(e|E)[+-]digits]; ".5" and "5."
                                  pass (JSON's stricter rules are its parser's job) */
    MLODA_DOUBLE_PARSE_NOMEM,  /* a mantissa of 20+ significant digits could not be copied */
} mloda_double_parse_result;

/** 10^0 .. 10^22: the powers of ten a double holds exactly. */
extern const double mloda_pow10_exact[23];

/** w * 10^exponent exactly rounded when both are small enough for one IEEE multiplication
 *  or division (w <= 2^53, |exponent| <= 22: Clinger's fast path); false otherwise. Inline:
 *  the JSON reader calls it for every number. */
static inline bool mloda_double_from_decimal(uint64_t w, int64_t exponent, double *out)
{
    if (w > (1ULL << 53) || exponent < -22 || exponent > 22)
        return false;
    const double d = (double)w; /* exact */
    *out = exponent < 0 ? d / mloda_pow10_exact[-exponent] : d * mloda_pow10_exact[exponent];
    return true;
}

/** Parses all of text[0..len) (no NUL needed) into *out: correctly rounded, huge values
 *  give +-infinity and tiny ones +-0 (as strtod). *out is untouched on failure. */
mloda_double_parse_result mloda_double_parse(const char *text, size_t len, double *out);

#endif /* MLODA_UTIL_DOUBLE_TEXT_H */
