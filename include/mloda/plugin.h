/*
 * mloda/plugin.h: the feature-group plugin interface (DESIGN.md §4, STYLE.md §6).
 *
 * A feature group is a versioned struct of callbacks. Built-in groups use exactly this
 * interface; so do user groups and, later, groups written in Python.
 *
 * Lifecycle of one feature through a group:
 *   prepare time (mloda_prepare, mloda_run_all, mloda_stream_all):
 *     match(feature)      does this group compute the feature?  (every group is asked)
 *                         It may parse the name once and attach what it parsed.
 *     inputs(feature)     which features does it need?           (the matching group)
 *     bind(ctx)           check input types, declare the output, build per-feature state
 *   run time (every batch):
 *     calculate(calc)     compute all features of one feature set (step) at once
 *   inputs, bind and calculate read the parsed value with mloda_feature_parsed(); the
 *   engine frees it with parsed_free when the plan goes (or at once, for a group whose
 *   match said no or when planning fails).
 *
 * Versioning (the same rule for every versioned struct: mloda_feature_group,
 * mloda_simple_group, mloda_source_provider, mloda_source_options). Each struct starts with
 * struct_size and abi_version, and has its own ABI constant. The library reads those two
 * first and nothing else until it knows the version: an unknown abi_version is refused
 * (MLODA_ERR_PLUGIN, or MLODA_ERR_INVALID_ARG for options); a struct_size that does not
 * reach the required fields is refused; a smaller struct_size from a caller built against
 * an older header leaves the missing trailing (optional) fields absent (NULL / 0); a
 * larger one from a newer header is read up to this library's size. Fields are only ever
 * appended; abi_version changes only when compatibility breaks.
 *
 * Registration: mloda_registry_add copies the struct (as above) and its strings, so the
 * caller's struct and strings may go away after the call. Sessions keep a copy of the
 * groups they use, so adding groups later does not disturb them. After a successful add
 * the registry owns user_data (user_data_free is called once when the registry goes
 * away); after a failed add the caller still owns it.
 *
 * Plugins must be well-behaved, and the engine checks what it can: a calculate that
 * returns OK without setting an output, sets one twice, or sets a column of the wrong type
 * or length, a feature index out of range in any mloda_calc_* call, a bind that declares
 * no output or declares it twice, an inputs that adds an input with an empty name or
 * leaves a feature with neither inputs nor a data source, and a callback returning a
 * status that is not an MLODA_* code, become MLODA_ERR_PLUGIN errors naming the feature
 * and the group. Misuse of the mloda_calc_* / mloda_bind_* / mloda_inputs_* calls fails
 * the step or the planning even when the callback ignores the status those calls
 * returned. A callback that fails without a message gets one naming the callback, group
 * and feature, with the status it returned.
 *
 * Thread safety: callbacks may run on several threads at once (different steps, runs
 * and sessions). user_data and per-feature state are read-only after prepare.
 * All pointers handed to callbacks are borrowed for the duration of the call.
 */
#ifndef MLODA_PLUGIN_H
#define MLODA_PLUGIN_H

#include "mloda/base.h"
#include "mloda/options.h"
#include "mloda/table.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MLODA_FEATURE_GROUP_ABI 1u

/**
 * Limits on what one run may produce, set per request with mloda_request_set_limit
 * (mloda.h) and read by feature groups with mloda_bind_limit / mloda_calc_limit before they
 * allocate. A limit that would be exceeded is an MLODA_ERR_RANGE error naming the feature,
 * the limit and how to raise it. Defaults protect a server from a small request asking for
 * gigabytes.
 */
typedef enum mloda_limit {
    MLODA_LIMIT_OUTPUT_CELLS = 0, /* rows x columns one run may compute, over every feature's
                                     output (intermediate ones too) and every joined row;
                                     default 100000000 (1e8: 800 MB of float64) */
    MLODA_LIMIT_CATEGORIES = 1,   /* distinct values a one-hot encoding may turn into
                                     columns; default 10000 */
    MLODA_LIMIT_HORIZON = 2,      /* rows a forecast may append; default 10000000 (1e7) */
} mloda_limit;

typedef struct mloda_feature mloda_feature; /* a feature being planned */
typedef struct mloda_inputs mloda_inputs;   /* collects a feature's input features */
typedef struct mloda_bind mloda_bind;       /* prepare-time typing of one feature */
typedef struct mloda_calc mloda_calc;       /* run-time calculation of one feature set */

typedef struct mloda_feature_group {
    size_t struct_size;   /* sizeof(mloda_feature_group) as the plugin was built */
    uint32_t abi_version; /* MLODA_FEATURE_GROUP_ABI */

    const char *name;        /* unique in a registry, e.g. "AggregatedFeatureGroup" */
    const char *description; /* one paragraph for `mloda groups` */
    const char *version;     /* plugin version, free form; may be NULL */
    const char *patterns;    /* name patterns, one per line: "{in}__{op}_aggr" */
    const char *options_doc; /* option keys, one per line: "aggregation_type: sum|min|..." */
    const char *example;     /* an example feature name or request; may be NULL */

    /**
     * Decides whether this group computes feature f. Sets *out_match.
     * out_parsed (*out_parsed is NULL on entry): the group may store what it parsed of the
     * name and options (an op, a window size) here; inputs, bind and calculate get it back
     * from mloda_feature_parsed(f), so the name is parsed once. The engine frees it with
     * parsed_free, also when *out_match is false or the call fails.
     * When the group recognises the name's form but rejects it (a bad op token, a bad
     * option value), it leaves *out_match false and explains why in `why`
     * (mloda_error_set with MLODA_ERR_RESOLVE or MLODA_ERR_OPTION); the resolver shows
     * these reasons when no group matches. A non-OK return aborts planning.
     */
    mloda_status (*match)(void *user_data, const mloda_feature *f, bool *out_match,
                          void **out_parsed, mloda_error *why);

    /** Lists the input features of f with mloda_inputs_add. A feature without inputs is a
     *  root: its bind reads a data source (mloda_bind_use_source) or makes rows of its own
     *  (mloda_bind_rows_change, a data creator); otherwise planning fails. */
    mloda_status (*inputs)(void *user_data, const mloda_feature *f, mloda_inputs *out,
                           mloda_error *err);

    /**
     * Optional. Called once per feature at prepare, after its inputs are typed: checks
     * input types (MLODA_ERR_TYPE naming the feature), declares the output with
     * mloda_bind_output*, and may attach per-feature state. When NULL the output is one
     * column of input 0's type.
     * Inputs with no type evidence (MLODA_TYPE_NULL: empty or all-null columns) are never
     * shown as such: bind is called again with them offered as float64, utf8,
     * float64_list, timestamp, int64 and bool in turn until it accepts one (a failure with
     * MLODA_ERR_TYPE means "not this type"; any other failure ends the search); what the
     * failed calls declared and attached is discarded. calculate then gets all-null
     * columns of the type accepted.
     */
    mloda_status (*bind)(void *user_data, mloda_bind *ctx, mloda_error *err);

    /**
     * Computes every feature of one feature set (the features of this group with equal
     * group options and the same parent steps) for one batch, writing each output with
     * mloda_calc_set_output / mloda_calc_add_output. Failures return a status with err
     * naming the feature; the engine adds the step and group.
     */
    mloda_status (*calculate)(void *user_data, mloda_calc *calc, mloda_error *err);

    /** Optional: frees a value match stored in *out_parsed (NULL: nothing to free). */
    void (*parsed_free)(void *user_data, void *parsed);

    void *user_data;                          /* first argument of every callback */
    void (*user_data_free)(void *user_data);  /* called once when the registry is freed */
} mloda_feature_group;

/* ---------------------------------------------------------------- mloda_feature */

/** What the matching group's match stored in *out_parsed for f; NULL if nothing (and
 *  while match runs). Borrowed: valid while the plan lives. */
MLODA_API const void *mloda_feature_parsed(const mloda_feature *f);
/** Full feature name as requested ("value__sum_aggr", or "my_sum" for option-configured). */
MLODA_API const char *mloda_feature_name(const mloda_feature *f);
/** All options of the feature (both buckets); never NULL. */
MLODA_API const mloda_options *mloda_feature_options(const mloda_feature *f);
/** Part before the last "__" ("a&b" for "a&b__euclidean_distance"); NULL for a plain name. */
MLODA_API const char *mloda_feature_chain_source(const mloda_feature *f);
/** Part after the last "__" ("euclidean_distance"); NULL for a plain name. */
MLODA_API const char *mloda_feature_chain_suffix(const mloda_feature *f);
/**
 * Matches the chain suffix against "<token><ending>" (ending such as "_aggr") and copies
 * the token ("sum" for "value__sum_aggr") NUL-terminated into buf (cap bytes).
 * Returns false when the name is plain, the suffix does not end with `ending`, the token
 * is empty, or it does not fit in buf. Thread-safe.
 */
MLODA_API bool mloda_feature_suffix_token(const mloda_feature *f, const char *ending, char *buf,
                                          size_t cap);
/** Number of named data sources (api_data tables, later files and databases). */
MLODA_API int64_t mloda_feature_n_data_sources(const mloda_feature *f);
MLODA_API const char *mloda_feature_data_source_name(const mloda_feature *f, int64_t i);
/** Schema (and, at prepare, the example rows) of data source i. Borrowed. */
MLODA_API const mloda_table *mloda_feature_data_source(const mloda_feature *f, int64_t i);
/**
 * The data source whose schema has column `column`: its index, or -1 when none has it.
 * When another one has it too, *out_other (may be NULL) is set to that one's index (else
 * -1). Near O(1) (an index built once per planning), where asking every source is O(n).
 */
MLODA_API int64_t mloda_feature_data_source_find(const mloda_feature *f, const char *column,
                                                 int64_t *out_other);

/* ---------------------------------------------------------------- mloda_inputs */

/** Adds an input feature (name copied, options copied; opts may be NULL).
 *  Errors: MLODA_ERR_PLUGIN for a NULL or empty name (planning then fails with an error
 *  naming the feature and the group, even if the callback goes on). */
MLODA_API mloda_status mloda_inputs_add(mloda_inputs *in, const char *name,
                                        const mloda_options *opts, mloda_error *err);
/**
 * The common case: inputs are the '&'- or ','-separated names before the last "__" of
 * the feature name, or else the `in_features` option (a string or a list of strings).
 * Their count must lie in [min_inputs, max_inputs] (max_inputs < 0: no limit).
 * Errors: MLODA_ERR_OPTION naming the feature when in_features is missing or malformed,
 * or the count is out of range ("allows at most 2 in_feature(s), but found 3").
 */
MLODA_API mloda_status mloda_inputs_add_chain(mloda_inputs *in, const mloda_feature *f,
                                              int64_t min_inputs, int64_t max_inputs,
                                              mloda_error *err);

/* ---------------------------------------------------------------- mloda_bind */

MLODA_API const mloda_feature *mloda_bind_feature(const mloda_bind *ctx);
MLODA_API int64_t mloda_bind_n_inputs(const mloda_bind *ctx);
MLODA_API const char *mloda_bind_input_name(const mloda_bind *ctx, int64_t j);
MLODA_API mloda_type mloda_bind_input_type(const mloda_bind *ctx, int64_t j);
MLODA_API int32_t mloda_bind_input_list_size(const mloda_bind *ctx, int64_t j);
MLODA_API mloda_time_unit mloda_bind_input_time_unit(const mloda_bind *ctx, int64_t j);
/** true when input j has several columns (F~0, F~1, ...), e.g. a one-hot encoding. */
MLODA_API bool mloda_bind_input_is_multi(const mloda_bind *ctx, int64_t j);

/** Declares the feature's single output column (any type but MLODA_TYPE_NULL). */
MLODA_API mloda_status mloda_bind_output(mloda_bind *ctx, mloda_type type, int32_t list_size,
                                         mloda_time_unit unit, mloda_error *err);
/** Declares a multi-column output (F~suffix columns, count known only at run time), all of
 *  one type. */
MLODA_API mloda_status mloda_bind_output_multi(mloda_bind *ctx, mloda_type type,
                                               int32_t list_size, mloda_time_unit unit,
                                               mloda_error *err);
/**
 * Declares a multi-column output whose columns are known at prepare: n_columns columns, all
 * of one type, with these suffixes in this order (F~dim1, F~dim2; "" names F itself). A
 * selection F~k of another suffix is then refused when the request is planned, and the
 * calculation must add exactly these columns (MLODA_ERR_PLUGIN otherwise).
 * suffixes are copied. Errors: MLODA_ERR_PLUGIN (n_columns < 1, a NULL or repeated
 * suffix, an output declared twice), MLODA_ERR_NOMEM.
 */
MLODA_API mloda_status mloda_bind_output_columns(mloda_bind *ctx, mloda_type type,
                                                 int32_t list_size, mloda_time_unit unit,
                                                 int64_t n_columns, const char *const *suffixes,
                                                 mloda_error *err);
/** The number of columns input j declared with mloda_bind_output_columns (1 for a
 *  single-column input); -1 when they are known only at run time (mloda_bind_output_multi). */
MLODA_API int64_t mloda_bind_input_n_columns(const mloda_bind *ctx, int64_t j);
/** Suffix of declared column k of input j ("" for a single-column input's column 0); NULL
 *  when out of range or not declared. Borrowed while the plan is built. */
MLODA_API const char *mloda_bind_input_suffix(const mloda_bind *ctx, int64_t j, int64_t k);
/**
 * Declares that the feature is column `column` of data source `source_index`
 * (see mloda_feature_n_data_sources); its output type is that column's type. Used by
 * data-source groups; at run time mloda_calc_source_column gives the batch's column.
 */
MLODA_API mloda_status mloda_bind_use_source(mloda_bind *ctx, int64_t source_index,
                                             const char *column, mloda_error *err);
/**
 * Declares that the feature's output has a row count of its own, known at run time (a
 * forecast appending horizon rows, SPEC.md §6.14): its step's result table has that many
 * rows, and features computed from it work on them. All such features of one step must
 * output the same number of rows (MLODA_ERR_PLUGIN otherwise). Combining them with
 * columns of the input's rows is an error at prepare.
 */
MLODA_API mloda_status mloda_bind_rows_change(mloda_bind *ctx, mloda_error *err);
/** The value of a limit for the request being planned (mloda_limit); groups whose output
 *  size is known at prepare (a forecast's horizon) check it here. -1 for an unknown limit. */
MLODA_API int64_t mloda_bind_limit(const mloda_bind *ctx, mloda_limit limit);
/** Attaches per-feature state, read-only after prepare; free_fn (may be NULL) runs when
 *  the plan is freed, also if prepare fails later. */
MLODA_API mloda_status mloda_bind_set_state(mloda_bind *ctx, void *state,
                                            void (*free_fn)(void *state), mloda_error *err);

/* ---------------------------------------------------------------- mloda_calc */

MLODA_API int64_t mloda_calc_n_features(const mloda_calc *c);
/** Row count of the step's input rows (the batch table's rows for data-source steps). */
MLODA_API int64_t mloda_calc_n_rows(const mloda_calc *c);
MLODA_API const mloda_feature *mloda_calc_feature(const mloda_calc *c, int64_t i);
/** State attached to feature i at bind; NULL if none. */
MLODA_API const void *mloda_calc_state(const mloda_calc *c, int64_t i);
/** Declared output type of feature i. */
MLODA_API mloda_type mloda_calc_output_type(const mloda_calc *c, int64_t i);
MLODA_API int64_t mloda_calc_n_inputs(const mloda_calc *c, int64_t i);
/** Number of columns of input j of feature i (1 unless the input is multi-column). */
MLODA_API int64_t mloda_calc_input_n_columns(const mloda_calc *c, int64_t i, int64_t j);
/** Column k of input j of feature i (borrowed for the call). */
MLODA_API const mloda_column *mloda_calc_input(const mloda_calc *c, int64_t i, int64_t j,
                                               int64_t k);
/** Name of input feature j of feature i ("x" for x__sum_aggr), as mloda_bind_input_name;
 *  NULL when i or j is out of range. Borrowed: valid while the session lives. */
MLODA_API const char *mloda_calc_input_name(const mloda_calc *c, int64_t i, int64_t j);
/** Suffix of column k of input j of feature i ("2" for F~2); "" for a single-column input
 *  or the base column of a multi-column one. Borrowed for the call. */
MLODA_API const char *mloda_calc_input_suffix(const mloda_calc *c, int64_t i, int64_t j,
                                              int64_t k);
/** For features bound with mloda_bind_use_source: the batch's column (borrowed). */
MLODA_API const mloda_column *mloda_calc_source_column(const mloda_calc *c, int64_t i);
/**
 * Sets the single output column of feature i. Takes over the caller's reference to col
 * (also on failure). Errors: MLODA_ERR_PLUGIN when i is out of range, the type or length
 * differs from the declaration, or the output was already set.
 */
MLODA_API mloda_status mloda_calc_set_output(mloda_calc *c, int64_t i, mloda_column *col,
                                             mloda_error *err);
/** Appends column F~suffix to the multi-column output of feature i (reference taken);
 *  a NULL or empty suffix names the column F itself (e.g. cluster labels next to F~0..). */
MLODA_API mloda_status mloda_calc_add_output(mloda_calc *c, int64_t i, const char *suffix,
                                             mloda_column *col, mloda_error *err);
/** true once the run was cancelled (stream freed early) or has run past its batch timeout
 *  (mloda_request_set_batch_timeout); long kernels should check it now and then (a few
 *  times per millisecond is cheap: a flag and, with a timeout, the monotonic clock) and
 *  return MLODA_ERR_CANCELLED. The engine then reports the timeout, naming the feature. */
MLODA_API bool mloda_calc_is_cancelled(const mloda_calc *c);
/** The value of a limit for this run (mloda_limit): kernels whose output size shows only
 *  at run time (one-hot columns, cluster probabilities) compare it before allocating.
 *  -1 for an unknown limit or a NULL calc. */
MLODA_API int64_t mloda_calc_limit(const mloda_calc *c, mloda_limit limit);

/* ---------------------------------------------------------------- simple groups */

/**
 * A feature group from a name pattern and one compute function (SPEC.md §6.13, mloda's
 * dynamic feature-group factory): the easy way to add a family, from C or a binding.
 * A feature matches when its chain suffix (after the last "__") matches suffix_pattern as a
 * whole (PCRE2 syntax); the pattern's capture groups are handed to compute. Inputs are the
 * names before "__" ('&' or ',' separated when max_inputs > 1), or the `in_features` option.
 */
#define MLODA_SIMPLE_GROUP_ABI 1u

typedef struct mloda_simple_group {
    size_t struct_size;    /* sizeof(mloda_simple_group) as the caller was built */
    uint32_t abi_version;  /* MLODA_SIMPLE_GROUP_ABI */
    const char *name;
    const char *description;
    const char *suffix_pattern; /* e.g. "clip_(-?[0-9]+)_(-?[0-9]+)" */
    int64_t min_inputs, max_inputs;
    mloda_type output_type;     /* MLODA_TYPE_INVALID: the type of input 0 */
    /**
     * Computes one feature over whole columns: inputs[0..n_inputs) have n_rows rows; write
     * a new column of n_rows rows of output_type into *out (ownership moves to the engine).
     * captures[0..n_captures) are the pattern's groups (NUL-terminated; NULL if unset).
     * May run on several threads at once.
     */
    mloda_status (*compute)(void *user_data, int64_t n_rows, int64_t n_inputs,
                            const mloda_column *const *inputs, int64_t n_captures,
                            const char *const *captures, const mloda_options *options,
                            mloda_column **out, mloda_error *err);
    void *user_data;
    void (*user_data_free)(void *user_data);
} mloda_simple_group;

#ifdef __cplusplus
}
#endif

#endif /* MLODA_PLUGIN_H */
