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

#define MLODA_NOMEM(err, what) \
    mloda_error_set((err), MLODA_ERR_NOMEM, NULL, "out of memory allocating %s", (what))

#endif /* MLODA_UTIL_UTIL_H */
