/*
 * mloda/base.h: export macro, status codes and the error object.
 *
 * Lifecycle: an mloda_error is a plain caller-owned struct. Initialise it with
 * MLODA_ERROR_INIT (or mloda_error_reset) and pass it to any fallible call.
 *
 * Every public function that takes an mloda_error overwrites it: it starts by clearing a
 * used error, so after each call err->code equals the status the call returned (MLODA_OK
 * after a success) and one error object can serve a whole loop of calls, as SQLite's and
 * nanoarrow's error objects do. The one exception is mloda_error_set / _set_at, which
 * write only while err->code is MLODA_OK ("first error wins"): inside a call chain, and
 * inside plugin callbacks, the innermost, most specific message survives the unwinding.
 * Reporting never allocates (fixed buffers), even for out-of-memory.
 */
#ifndef MLODA_BASE_H
#define MLODA_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define MLODA_API __declspec(dllexport)
#elif defined(__GNUC__)
#define MLODA_API __attribute__((visibility("default")))
#else
#define MLODA_API
#endif

#if defined(__GNUC__)
#define MLODA_PRINTF(fmt_idx, first) __attribute__((format(printf, fmt_idx, first)))
#else
#define MLODA_PRINTF(fmt_idx, first)
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define MLODA_VERSION_MAJOR 1
#define MLODA_VERSION_MINOR 0
#define MLODA_VERSION_PATCH 0
#define MLODA_VERSION_STRING "1.0.0"

/* Status codes. Append-only once released; the numbers are part of the ABI.
 * X(name, number, short description) */
#define MLODA_STATUS_LIST(X)                                                        \
    X(MLODA_OK, 0, "ok")                                                            \
    X(MLODA_ERR_INVALID_ARG, 1, "invalid argument")                                 \
    X(MLODA_ERR_NOMEM, 2, "out of memory")                                          \
    X(MLODA_ERR_PARSE, 3, "malformed input")                                        \
    X(MLODA_ERR_RESOLVE, 4, "no feature group matches")                             \
    X(MLODA_ERR_AMBIGUOUS, 5, "several feature groups match")                       \
    X(MLODA_ERR_CYCLE, 6, "dependency cycle")                                       \
    X(MLODA_ERR_OPTION, 7, "invalid option")                                        \
    X(MLODA_ERR_DUPLICATE, 8, "duplicate name")                                     \
    X(MLODA_ERR_SCHEMA, 9, "data does not fit the schema")                          \
    X(MLODA_ERR_TYPE, 10, "wrong type")                                             \
    X(MLODA_ERR_COMPUTE, 11, "calculation failed")                                  \
    X(MLODA_ERR_PLUGIN, 12, "feature group plugin error")                           \
    X(MLODA_ERR_CANCELLED, 13, "cancelled")                                         \
    X(MLODA_ERR_IO, 14, "input/output error")                                       \
    X(MLODA_ERR_RANGE, 15, "value out of range")                                    \
    X(MLODA_ERR_INTERNAL, 16, "internal error")

typedef enum mloda_status {
#define MLODA_STATUS_ENUM_(name, num, desc) name = num,
    MLODA_STATUS_LIST(MLODA_STATUS_ENUM_)
#undef MLODA_STATUS_ENUM_
} mloda_status;

/** Name of a status code ("MLODA_ERR_TYPE"); "MLODA_UNKNOWN" for other values.
 *  Thread safety: thread-safe (returns a static string). */
MLODA_API const char *mloda_status_name(mloda_status status);

/** Short description of a status code ("wrong type"); "unknown status" for other values.
 *  Thread-safe. */
MLODA_API const char *mloda_status_description(mloda_status status);

/** true for the status codes this library defines (MLODA_STATUS_LIST). Thread-safe. */
MLODA_API bool mloda_status_is_known(mloda_status status);

#define MLODA_ERROR_SUBJECT_MAX 128
#define MLODA_ERROR_MESSAGE_MAX 512

/** What went wrong and where. The only public struct besides the Arrow structs and the
 *  plugin struct. */
typedef struct mloda_error {
    mloda_status code;                       /* MLODA_OK until something fails */
    int64_t position;                        /* row, line or byte offset; -1 if none */
    char subject[MLODA_ERROR_SUBJECT_MAX];   /* feature, column, file or option concerned */
    char message[MLODA_ERROR_MESSAGE_MAX];   /* one sentence, no newline */
} mloda_error;

#define MLODA_ERROR_INIT {MLODA_OK, -1, "", ""}

/** Sets *err to the "no error" state (as MLODA_ERROR_INIT). err may be NULL. */
MLODA_API void mloda_error_reset(mloda_error *err);

/**
 * Records an error unless one is already recorded (first error wins; see above).
 *
 * err      may be NULL (then only the code is returned).
 * code     the status to record; MLODA_OK records nothing.
 * subject  feature, column, file or option concerned; may be NULL. Truncated to fit.
 * fmt      printf-style message; truncated to fit; newlines and other control characters
 *          are replaced by spaces. NULL records the code's description.
 * Returns code, so call sites can write `return mloda_error_set(err, ...)`.
 * Thread safety: one thread per err.
 */
MLODA_API mloda_status mloda_error_set(mloda_error *err, mloda_status code, const char *subject,
                                       const char *fmt, ...) MLODA_PRINTF(4, 5);

/** Like mloda_error_set, and also records a position (row, line or byte offset). */
MLODA_API mloda_status mloda_error_set_at(mloda_error *err, mloda_status code, const char *subject,
                                          int64_t position, const char *fmt, ...)
    MLODA_PRINTF(5, 6);

/** Library version string ("1.0.0"). Thread-safe. */
MLODA_API const char *mloda_version(void);

#ifdef __cplusplus
}
#endif

#endif /* MLODA_BASE_H */
