/*
 * util.h: what the util layer offers the layers above (DESIGN.md §2): allocation,
 * error helpers, text buffers, string maps.
 */
#ifndef MLODA_UTIL_UTIL_H
#define MLODA_UTIL_UTIL_H

#include "mloda/base.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/strmap.h"

#define MLODA_TRY(expr)                          \
    do {                                         \
        const mloda_status try_st_ = (expr);     \
        if (try_st_ != MLODA_OK)                 \
            return try_st_;                      \
    } while (0)

#define MLODA_TRY_GOTO(st, expr, label) \
    do {                                \
        (st) = (expr);                  \
        if ((st) != MLODA_OK)           \
            goto label;                 \
    } while (0)

/* Public entry points overwrite the caller's error (mloda/base.h): each one that takes an
 * mloda_error starts with this, clearing what an earlier call left. Library code keeps
 * the first-wins rule of mloda_error_set inside a call. */
static inline void mloda_error_enter(mloda_error *err)
{
    if (err != NULL && err->code != MLODA_OK)
        mloda_error_reset(err);
}

/* Hands an error recorded in a local object (one a callback was given, so that the engine
 * can inspect it even when the caller passed no err) on to err, first error winning.
 * Returns from->code. */
static inline mloda_status mloda_error_pass(mloda_error *err, const mloda_error *from)
{
    if (err != NULL && err->code == MLODA_OK)
        *err = *from;
    return from->code;
}

/* Names `subject` (a feature, column or source) as the error's subject when the failure
 * left it empty: the innermost message wins, and the caller that knows what the failing
 * work was about fills in the subject on the way out. err may be NULL. */
void mloda_error_default_subject(mloda_error *err, const char *subject);

/* Exact order of an int64 and a double (no trip through a rounded conversion):
 * -1, 0, 1 as a <, ==, > b; b must not be NaN. (double)a can round (2^53 + 1 becomes
 * 2^53), so comparing through it would call unequal numbers equal. */
static inline int mloda_cmp_i64_f64(int64_t a, double b)
{
    if (b >= 9223372036854775808.0) /* 2^63: above every int64 */
        return -1;
    if (b < -9223372036854775808.0)
        return 1;
    int64_t t = (int64_t)b; /* exact: |b| < 2^63 and truncation drops only the fraction */
    if (a != t)
        return a < t ? -1 : 1;
    double frac = b - (double)t; /* exact */
    return (frac < 0.0) - (frac > 0.0);
}

/* The value of hexadecimal digit c (either case), or -1. */
static inline int mloda_hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Long names in messages (issue 16: a message cut at 512 bytes lost its reason after a long
 * feature name). */
enum { MLODA_ELIDE_KEEP = 24 }; /* bytes kept at each end of an elided name */

/** name copied into buf (cap bytes) whole when it fits, else as its head, "...", and its
 *  tail (cut at UTF-8 character boundaries). Returns buf. */
const char *mloda_elide_name(const char *name, char *buf, size_t cap);
/** Shortens text[0..len) in place to at most max bytes, if it can, by eliding the middle of
 *  its longest single-quoted spans (the names a message quotes), keeping
 *  MLODA_ELIDE_KEEP bytes at each end of a span. NUL-terminates; returns the new length
 *  (more than max when no quoted span was long enough). */
size_t mloda_elide_quoted(char *text, size_t len, size_t max);

#define MLODA_NOMEM(err, what) \
    mloda_error_set((err), MLODA_ERR_NOMEM, NULL, "out of memory allocating %s", (what))

#endif /* MLODA_UTIL_UTIL_H */
