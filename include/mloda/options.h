/*
 * mloda/options.h: feature options (SPEC.md §1.5).
 *
 * Lifecycle: mloda_options_new -> mloda_options_set_* -> passed to mloda_request_add
 * (which copies it) -> mloda_options_free. Every key lives in exactly one bucket:
 * MLODA_CONTEXT (the default: validated, does not split result tables) or MLODA_GROUP
 * (part of the feature's identity: features differing in group options are computed in
 * different steps and returned in different tables). Setting a key again replaces its
 * value and bucket.
 *
 * Values are JSON-like: null, bool, int64, float64, string, or a list of those.
 * Thread safety: one thread per object for writing; reading a const options object
 * (as plugins do) is thread-safe.
 */
#ifndef MLODA_OPTIONS_H
#define MLODA_OPTIONS_H

#include "mloda/base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mloda_option_bucket {
    MLODA_CONTEXT = 0,
    MLODA_GROUP = 1,
} mloda_option_bucket;

typedef enum mloda_value_kind {
    MLODA_VALUE_NONE = 0, /* key absent */
    MLODA_VALUE_NULL = 1,
    MLODA_VALUE_BOOL = 2,
    MLODA_VALUE_INT = 3,
    MLODA_VALUE_FLOAT = 4,
    MLODA_VALUE_STRING = 5,
    MLODA_VALUE_LIST = 6,
} mloda_value_kind;

typedef struct mloda_options mloda_options;

/** New empty options; NULL when out of memory. */
MLODA_API mloda_options *mloda_options_new(void);
MLODA_API void mloda_options_free(mloda_options *o);
/** Deep copy; *out is NULL on failure. src NULL gives an empty copy. */
MLODA_API mloda_status mloda_options_copy(const mloda_options *src, mloda_options **out,
                                          mloda_error *err);

/* Setters: key and strings are copied. Errors: MLODA_ERR_INVALID_ARG (NULL/empty key),
 * MLODA_ERR_NOMEM. */
MLODA_API mloda_status mloda_options_set_null(mloda_options *o, mloda_option_bucket bucket,
                                              const char *key, mloda_error *err);
MLODA_API mloda_status mloda_options_set_bool(mloda_options *o, mloda_option_bucket bucket,
                                              const char *key, bool value, mloda_error *err);
MLODA_API mloda_status mloda_options_set_int(mloda_options *o, mloda_option_bucket bucket,
                                             const char *key, int64_t value, mloda_error *err);
MLODA_API mloda_status mloda_options_set_float(mloda_options *o, mloda_option_bucket bucket,
                                               const char *key, double value, mloda_error *err);
MLODA_API mloda_status mloda_options_set_string(mloda_options *o, mloda_option_bucket bucket,
                                                const char *key, const char *value,
                                                mloda_error *err);
/** Sets key to a list of strings (n may be 0). */
MLODA_API mloda_status mloda_options_set_string_list(mloda_options *o, mloda_option_bucket bucket,
                                                     const char *key, int64_t n,
                                                     const char *const *values, mloda_error *err);
/** Sets key to an empty list; fill it with mloda_options_list_append_*. */
MLODA_API mloda_status mloda_options_set_list(mloda_options *o, mloda_option_bucket bucket,
                                              const char *key, mloda_error *err);
/* Append to the list stored under key (MLODA_ERR_TYPE if the key holds no list). */
MLODA_API mloda_status mloda_options_list_append_string(mloda_options *o, const char *key,
                                                        const char *value, mloda_error *err);
MLODA_API mloda_status mloda_options_list_append_int(mloda_options *o, const char *key,
                                                     int64_t value, mloda_error *err);
MLODA_API mloda_status mloda_options_list_append_float(mloda_options *o, const char *key,
                                                       double value, mloda_error *err);
MLODA_API mloda_status mloda_options_list_append_bool(mloda_options *o, const char *key,
                                                      bool value, mloda_error *err);
/** Removes key; returns true when it was present. */
MLODA_API bool mloda_options_remove(mloda_options *o, const char *key);

/* Reading. o may be NULL (treated as empty). Keys are listed in insertion order. */
MLODA_API int64_t mloda_options_n_keys(const mloda_options *o);
MLODA_API const char *mloda_options_key(const mloda_options *o, int64_t i);
MLODA_API mloda_option_bucket mloda_options_bucket(const mloda_options *o, const char *key);
MLODA_API bool mloda_options_has(const mloda_options *o, const char *key);
/** Kind of the value under key; MLODA_VALUE_NONE when absent. */
MLODA_API mloda_value_kind mloda_options_kind(const mloda_options *o, const char *key);
/* Typed getters: return true and fill *out when the key holds that kind (get_float also
 * accepts an int value); false otherwise, leaving *out untouched. Strings are borrowed. */
MLODA_API bool mloda_options_get_bool(const mloda_options *o, const char *key, bool *out);
MLODA_API bool mloda_options_get_int(const mloda_options *o, const char *key, int64_t *out);
MLODA_API bool mloda_options_get_float(const mloda_options *o, const char *key, double *out);
MLODA_API bool mloda_options_get_string(const mloda_options *o, const char *key,
                                        const char **out);
/** Number of items of the list under key; 0 when the key holds no list (tell an empty list
 *  from none with mloda_options_kind). */
MLODA_API int64_t mloda_options_list_n_items(const mloda_options *o, const char *key);
MLODA_API mloda_value_kind mloda_options_list_kind(const mloda_options *o, const char *key,
                                                   int64_t i);
MLODA_API bool mloda_options_list_get_string(const mloda_options *o, const char *key, int64_t i,
                                             const char **out);
MLODA_API bool mloda_options_list_get_int(const mloda_options *o, const char *key, int64_t i,
                                          int64_t *out);
MLODA_API bool mloda_options_list_get_float(const mloda_options *o, const char *key, int64_t i,
                                            double *out);
MLODA_API bool mloda_options_list_get_bool(const mloda_options *o, const char *key, int64_t i,
                                           bool *out);

/**
 * A canonical JSON text of the options of one bucket (keys sorted, numbers in shortest
 * round-trip form): equal options give equal texts, so it serves as an identity key.
 * out_text: new NUL-terminated text (free with mloda_string_free), NULL on failure.
 * Errors: MLODA_ERR_INVALID_ARG (unknown bucket, out_text NULL), MLODA_ERR_NOMEM.
 */
MLODA_API mloda_status mloda_options_canonical(const mloda_options *o,
                                               mloda_option_bucket bucket, char **out_text,
                                               mloda_error *err);

/** Frees a string the library returned (mloda_options_canonical, mloda_session_plan).
 *  NULL is fine. */
MLODA_API void mloda_string_free(char *s);

#ifdef __cplusplus
}
#endif

#endif /* MLODA_OPTIONS_H */
