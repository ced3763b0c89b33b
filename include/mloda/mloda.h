/*
 * mloda/mloda.h: the mloda-c feature engine (DESIGN.md §5). Include this header only.
 *
 * Lifecycle:
 *   mloda_registry_default()            feature groups (built-ins), add your own
 *   mloda_request_new() + _add()        the features you want, with options and settings
 *   mloda_run_all / mloda_stream_all    plan + compute once
 *   mloda_prepare -> mloda_session      plan once, then per micro-batch:
 *       mloda_session_run               all result tables, plan order
 *       mloda_session_stream_run        result tables as they complete
 *   mloda_results_free / mloda_stream_free / mloda_session_free / mloda_request_free /
 *   mloda_registry_free
 *
 * Planning (prepare, run_all, stream_all) does all name matching and validation; a
 * request that cannot be resolved fails at that call. Running a prepared session binds the
 * batch's columns by precomputed positions and computes; a failed batch leaves the session
 * usable. Result tables are reference counted and never borrow from the batch the caller
 * passed or from the session: they stay valid after both are freed.
 *
 * Errors: every fallible call returns mloda_status and fills the optional mloda_error
 * (code, subject = the feature/column/table concerned, message), overwriting what an
 * earlier call left there (base.h). Nothing prints or exits.
 *
 * Naming and argument rules (every public header follows them):
 *   Names      mloda_<object>_<verb or property>: mloda_session_run, mloda_table_n_rows.
 *              Objects: registry, request, pool, session, results, stream, table, column,
 *              column_builder, api_data, options, feature, inputs, bind, calc, source,
 *              bitmap, error, status.
 *   Lifecycle  _new / _free: create / destroy an object with one owner (_free(NULL) is a
 *              no-op); _retain / _release: add / drop a reference to a shared immutable
 *              object; _init_<kind> / _reset: fill / empty a caller-allocated struct.
 *              An allocation-only constructor returns the object or NULL; every other
 *              constructor returns a status and sets *out (NULL after a failure).
 *   Constness  a `const T *` result is borrowed (valid while its owner lives, never
 *              freed by the caller); a `T *` result or out-parameter is the caller's
 *              reference. _retain takes a borrowed `const T *` and returns an owned
 *              `T *`; _release and _free take only owned `T *`.
 *   Counts     int64_t, named n_<things>: mloda_table_n_rows, mloda_results_n_tables,
 *              mloda_options_n_keys. Indices are int64_t from 0.
 *   Getters    a property is a noun (mloda_column_type); one that returns a name ends in
 *              _name (mloda_table_group_name), one that returns a struct does not; a
 *              bool getter reads is_/has_ (mloda_calc_is_cancelled). A lookup by name
 *              returns an index, -1 when there is none (mloda_table_column_index).
 *   Results    fallible functions return mloda_status, never a sentinel (-1, NULL) for
 *              an error; getters that cannot fail return the value.
 *   Arguments  in this order: the object acted on; what selects the behaviour (a kind,
 *              type, bucket or format, with its parameters such as a time unit); the
 *              names it concerns; data, each array preceded by its count; outputs
 *              (out, out_*); mloda_error *err last (NULL allowed).
 *   Settings   numbers in settings are int64_t; 0 means "the default".
 */
#ifndef MLODA_MLODA_H
#define MLODA_MLODA_H

#include "mloda/arrow_abi.h"
#include "mloda/base.h"
#include "mloda/options.h"
#include "mloda/plugin.h"
#include "mloda/table.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mloda_registry mloda_registry;
typedef struct mloda_request mloda_request;
typedef struct mloda_pool mloda_pool;
typedef struct mloda_session mloda_session;
typedef struct mloda_results mloda_results;
typedef struct mloda_stream mloda_stream;

/* ---------------------------------------------------------------- registry */

/** A new registry with every built-in feature group; NULL when out of memory.
 *  Each call builds a fresh registry (no globals). Free with mloda_registry_free. */
MLODA_API mloda_registry *mloda_registry_default(void);
/** A new empty registry; NULL when out of memory. */
MLODA_API mloda_registry *mloda_registry_new(void);
/** Drops the caller's reference. Sessions keep the registry alive while they need it, so
 *  freeing it before them is fine. NULL is fine. */
MLODA_API void mloda_registry_free(mloda_registry *r);
/**
 * Registers a feature group (see plugin.h for ownership of user_data).
 * Errors: MLODA_ERR_PLUGIN (unknown abi_version, struct_size too small, missing name, match,
 * inputs or calculate), MLODA_ERR_DUPLICATE (name taken), MLODA_ERR_NOMEM.
 * Thread safety: one thread per registry; do not add while sessions are being prepared.
 */
MLODA_API mloda_status mloda_registry_add(mloda_registry *r, const mloda_feature_group *group,
                                          mloda_error *err);
/**
 * Registers a simple group (see plugin.h): pattern compiled here (MLODA_ERR_OPTION naming
 * the pattern and offset when invalid). Ownership of user_data as mloda_registry_add.
 * Versioned as plugin.h says (MLODA_SIMPLE_GROUP_ABI); name, suffix_pattern and compute
 * are required, user_data and user_data_free optional.
 * Errors: MLODA_ERR_PLUGIN (unknown abi_version, struct_size too small for the required
 * fields, missing name, pattern or compute, min_inputs < 0), MLODA_ERR_OPTION, and those
 * of mloda_registry_add.
 */
MLODA_API mloda_status mloda_registry_add_simple(mloda_registry *r, const mloda_simple_group *group,
                                                 mloda_error *err);
MLODA_API int64_t mloda_registry_n_groups(const mloda_registry *r);
/** Group i as registered (borrowed, valid while the registry lives). */
MLODA_API const mloda_feature_group *mloda_registry_group(const mloda_registry *r, int64_t i);

/* ---------------------------------------------------------------- request */

typedef enum mloda_column_ordering {
    MLODA_ORDER_REQUEST = 0,      /* request order; F~k siblings sorted after F (default) */
    MLODA_ORDER_ALPHABETICAL = 1, /* columns of each table sorted by name */
} mloda_column_ordering;

typedef enum mloda_on_error {
    MLODA_ON_ERROR_STOP = 0,     /* mloda's behaviour: after a failed step the stream ends */
    MLODA_ON_ERROR_CONTINUE = 1, /* keep yielding results that do not depend on it */
} mloda_on_error;

/** New empty request; NULL when out of memory. One thread per request. */
MLODA_API mloda_request *mloda_request_new(void);
MLODA_API void mloda_request_free(mloda_request *req);
/**
 * Adds a requested feature. feature is copied; opts (may be NULL) is copied.
 * Errors: MLODA_ERR_INVALID_ARG (NULL or empty name), MLODA_ERR_NOMEM. Names are checked
 * when the request is planned (duplicates: MLODA_ERR_DUPLICATE; malformed: MLODA_ERR_PARSE).
 */
MLODA_API mloda_status mloda_request_add(mloda_request *req, const char *feature,
                                         const mloda_options *opts, mloda_error *err);
MLODA_API int64_t mloda_request_n_features(const mloda_request *req);
/** Most steps of one run computed at once: 0 (default) = as many as the pool has threads,
 *  1 = every step on the calling thread (no pool), n > 1 = at most n at a time on the
 *  pool (the calling thread helps). Errors: MLODA_ERR_INVALID_ARG for n < 0 or n > 1024. */
MLODA_API mloda_status mloda_request_set_threads(mloda_request *req, int64_t n,
                                                 mloda_error *err);
/**
 * The thread pool that sessions prepared from this request run their steps on (see
 * mloda_pool_new); NULL (the default) = the process-wide pool, created on first use with
 * one thread per core. The request borrows the pool (keep it until the request is freed
 * or prepared); every session prepared from the request keeps its own reference, so the
 * pool may be freed while those sessions live.
 */
MLODA_API mloda_status mloda_request_set_pool(mloda_request *req, mloda_pool *pool,
                                              mloda_error *err);
MLODA_API mloda_status mloda_request_set_column_ordering(mloda_request *req,
                                                         mloda_column_ordering ordering,
                                                         mloda_error *err);
MLODA_API mloda_status mloda_request_set_on_error(mloda_request *req, mloda_on_error mode,
                                                  mloda_error *err);
/** Batches with fewer rows than this run on the calling thread, where waking a worker costs
 *  more than the work (default 16384). 0 = always use the pool. */
MLODA_API mloda_status mloda_request_set_inline_rows(mloda_request *req, int64_t rows,
                                                     mloda_error *err);

/**
 * Sets a limit on what each run of the request may produce (mloda_limit in plugin.h:
 * output cells, one-hot categories, forecast horizon). value 0 = the default; any positive
 * value is the new limit (INT64_MAX: practically none). A run that would exceed it fails
 * with MLODA_ERR_RANGE naming the feature, the limit and this setting; a forecast's
 * horizon is checked when the request is planned.
 * Errors: MLODA_ERR_INVALID_ARG (NULL request, unknown limit, negative value).
 */
MLODA_API mloda_status mloda_request_set_limit(mloda_request *req, mloda_limit limit,
                                               int64_t value, mloda_error *err);
/**
 * A time limit for each run (batch) of the request, in milliseconds from its start
 * (mloda_session_run, mloda_session_stream_run, the run part of mloda_run_all and
 * mloda_stream_all; a stream's time includes its consumer's). 0 (the default) = none.
 * A run past its timeout stops: steps not started are skipped, long kernels (clustering,
 * centrality, regex filters, time windows, ...) stop at their next check, and the run
 * fails with MLODA_ERR_CANCELLED naming the feature (or filter) that was computing and the
 * timeout. The session stays usable.
 * Errors: MLODA_ERR_INVALID_ARG (NULL request, negative value).
 */
MLODA_API mloda_status mloda_request_set_batch_timeout(mloda_request *req, int64_t milliseconds,
                                                       mloda_error *err);

/**
 * Adds a global filter (SPEC.md §7.3): only rows where `column` passes reach any feature
 * computed from that column's table. The column need not be requested. Filters on one
 * table combine with AND; null and NaN values never pass.
 * type and params (a parameter object; see options.h; may be NULL for none):
 *   "min"     {value}                     x >= value
 *   "max"     {value} | {max, max_exclusive}   x <= value (x < max when exclusive)
 *   "range"   {min, max, min_exclusive?, max_exclusive?}
 *   "equal"   {value}                     x == value (numbers, text, bools, timestamps)
 *   "regex"   {value}                     the text form of x contains a match (PCRE2 syntax,
 *                                         search semantics like pandas str.contains)
 *   "categorical_inclusion" {values}      x is one of the listed values
 *   "time_range" {from?, to?, max_exclusive?=true}  timestamps: from <= x < to; bounds are
 *                                         ISO 8601 strings or integers in the column's unit
 * Bounds on timestamp columns accept ISO 8601 strings in every filter type.
 * Checked when the request is planned: an unknown column, an unknown type or a bad
 * parameter is an error naming it (MLODA_ERR_SCHEMA, MLODA_ERR_OPTION, MLODA_ERR_TYPE).
 */
MLODA_API mloda_status mloda_request_add_filter(mloda_request *req, const char *type,
                                                const char *column, const mloda_options *params,
                                                mloda_error *err);
/**
 * Links two api_data tables (SPEC.md §7.1–7.2): features whose inputs come from both
 * tables are computed on the joined rows. Tables are named directly.
 * type      "inner", "left", "right", "outer", "append", "union" or "asof".
 * left_on / right_on  n_keys key columns of each table, matched pairwise (same types);
 *           n_keys may be 0 for append and asof. Null keys never match (SQL semantics;
 *           pandas would match NaN with NaN).
 * params    asof only (NULL otherwise): left_time_column, right_time_column (required;
 *           int64, float64 or timestamp), direction ("backward" default, "forward",
 *           "nearest"), tolerance (number, in the time column's unit; for timestamps in
 *           seconds), allow_exact_matches (default true). `on` keys are matched exactly.
 * Row order (SPEC §7.2): inner and left follow the left rows, each expanded to its matches
 * in right order; right follows the right rows; outer is left's order then the unmatched
 * right rows; append is the left rows then the right rows (no keys needed); union is append
 * without rows that repeat another row of the same table in every column (no keys needed;
 * a union reads every column of both tables, so batches must carry them all); asof keeps
 * the left rows. Columns of the same name in both tables are not merged (pandas' concat
 * would align them).
 * Checked when the request is planned (unknown table or column, type mismatch, bad
 * parameter: an error naming it).
 */
MLODA_API mloda_status mloda_request_add_link(mloda_request *req, const char *type,
                                              const char *left_table, const char *right_table,
                                              int64_t n_keys, const char *const *left_on,
                                              const char *const *right_on,
                                              const mloda_options *params, mloda_error *err);
/**
 * A data source other than api_data: a file, a database table, any provider of columns
 * (SPEC.md §8). A plain feature name resolves to the source whose schema has that column;
 * the same column in two sources (api_data tables included) is an ambiguity error naming
 * both. The source is read once, when the request is planned, and only the columns the
 * plan needs are asked for; every run of a prepared session reads that snapshot (batches
 * need not carry it). Its name works like an api_data table name (links, filters, errors).
 */
typedef struct mloda_source_provider {
    size_t struct_size;   /* sizeof(mloda_source_provider) as the caller was built */
    uint32_t abi_version; /* MLODA_SOURCE_PROVIDER_ABI */
    const char *name;     /* table name of the source, unique among sources and api_data */
    /** Column names and types: a table (its rows are ignored). */
    mloda_status (*schema)(void *user_data, mloda_table **out, mloda_error *err);
    /** All rows of the listed columns (a subset of the schema), as a table whose columns
     *  have the schema's names and types. */
    mloda_status (*read)(void *user_data, int64_t n_columns, const char *const *columns,
                         mloda_table **out, mloda_error *err);
    void *user_data;                         /* first argument of the callbacks */
    void (*user_data_free)(void *user_data); /* called when the request is freed */
} mloda_source_provider;

#define MLODA_SOURCE_PROVIDER_ABI 1u

/**
 * Adds a data source to the request (the struct is copied; after success the request owns
 * user_data, after a failure the caller does). Versioning as plugin.h's feature groups:
 * struct_size and abi_version are read first; a smaller struct_size from an older caller
 * leaves the missing trailing fields absent, a larger one from a newer caller is read up
 * to this library's size.
 * Errors: MLODA_ERR_PLUGIN (unknown abi_version, struct_size too small for the required
 * fields, missing callbacks or name), MLODA_ERR_DUPLICATE (name).
 */
MLODA_API mloda_status mloda_request_add_source(mloda_request *req,
                                                const mloda_source_provider *source,
                                                mloda_error *err);

/**
 * Makes the original row number (0-based, before filtering) of each row of a filtered
 * table available as an int64 column `name` of that table (request it like any column).
 */
MLODA_API mloda_status mloda_request_set_row_id_column(mloda_request *req, const char *name,
                                                       mloda_error *err);

/* ---------------------------------------------------------------- thread pools */

/**
 * A pool of worker threads that sessions share (a server or a Python program holding many
 * sessions starts one pool instead of one per session). Runs of different sessions take
 * turns: each worker picks the next step round-robin over the runs waiting, so one large
 * batch cannot hold back the others. A thread that waits for a run (mloda_session_run,
 * mloda_stream_next) computes that run's ready steps itself meanwhile, so a feature group
 * that runs another session from inside its calculation cannot deadlock the pool.
 * Threads start on first use. Without a pool of their own, requests use the process-wide
 * pool (one thread per core, created on first use, ended at process exit).
 *
 * n_threads  1 to 1024; 0 = one per core.
 * out        new pool (mloda_pool_free), NULL on failure.
 * Errors: MLODA_ERR_INVALID_ARG (n_threads out of range, out NULL), MLODA_ERR_NOMEM.
 * Thread safety: a pool is thread-safe.
 */
MLODA_API mloda_status mloda_pool_new(int64_t n_threads, mloda_pool **out, mloda_error *err);
/** Drops the caller's reference; requests and sessions that use the pool keep it alive, and
 *  the last reference stops its threads after their current steps. NULL is fine. */
MLODA_API void mloda_pool_free(mloda_pool *pool);
/** Number of worker threads of the pool. */
MLODA_API int64_t mloda_pool_n_threads(const mloda_pool *pool);

/* ---------------------------------------------------------------- results */

/** Number of result tables. */
MLODA_API int64_t mloda_results_n_tables(const mloda_results *res);
/** Table i (borrowed while res lives; retain it to keep it longer); NULL when out of range. */
MLODA_API const mloda_table *mloda_results_table(const mloda_results *res, int64_t i);
/** Frees the list and its references. NULL is fine. */
MLODA_API void mloda_results_free(mloda_results *res);

/* ---------------------------------------------------------------- one-shot calls */

/**
 * Plans and computes the request on api_data; results in plan order.
 * registry, request, api_data: borrowed for the call.
 * out: new results (free with mloda_results_free), NULL on failure.
 * Errors: planning errors (MLODA_ERR_PARSE, _RESOLVE, _AMBIGUOUS, _CYCLE, _OPTION,
 * _DUPLICATE, _TYPE, _SCHEMA) and calculation errors (MLODA_ERR_COMPUTE or the group's
 * code, subject = the feature). Thread-safe for distinct outputs.
 */
MLODA_API mloda_status mloda_run_all(const mloda_registry *registry, const mloda_request *request,
                                     const mloda_api_data *api_data, mloda_results **out,
                                     mloda_error *err);
/**
 * Plans eagerly (an unresolvable request fails here) and starts computing; read the
 * results with mloda_stream_next in completion order. The stream keeps its own reference
 * to what it needs: request and api_data may be freed after the call.
 */
MLODA_API mloda_status mloda_stream_all(const mloda_registry *registry,
                                        const mloda_request *request,
                                        const mloda_api_data *api_data, mloda_stream **out,
                                        mloda_error *err);

/* ---------------------------------------------------------------- sessions */

/**
 * Plans the request once. api_data_example gives the input tables' names, columns and
 * types; the session keeps a reference to its tables (not a copy: columns are shared),
 * which mloda_session_run(session, NULL, ...) computes on again, as mloda's run() without
 * data does. The session keeps a reference to the registry.
 * A column of MLODA_TYPE_NULL (no type evidence: no rows or only nulls) takes the type each
 * feature reading it needs, as Arrow's null type would: the first of float64, utf8,
 * float64_list (of the size the feature's other list inputs have, else 2), timestamp
 * (microseconds, or the unit of its other timestamp inputs), int64 and bool that the
 * feature's group accepts at bind; filters take the first type their parameters fit, link
 * keys the other key's type (float64 when neither has one). The values stay null, so the
 * results are nulls or zero rows, as mloda gives. mloda_session_input_type tells what
 * batches may then bring.
 * out: new session (mloda_session_free), NULL on failure. Errors: as mloda_run_all's
 * planning errors.
 */
MLODA_API mloda_status mloda_prepare(const mloda_registry *registry, const mloda_request *request,
                                     const mloda_api_data *api_data_example,
                                     mloda_session **out, mloda_error *err);
/** Frees the session. Streams still open keep what they need alive. NULL is fine. */
MLODA_API void mloda_session_free(mloda_session *session);
/**
 * Runs the prepared plan on one micro-batch; results in plan order.
 * The batch is validated first: every table and column the plan reads must exist with the
 * prepared type (MLODA_ERR_SCHEMA / MLODA_ERR_TYPE naming table, column, expected and
 * actual type; a null-typed column fits any type, see mloda_session_input_type); extra
 * tables and columns are ignored; row counts may change per batch.
 * Thread safety: thread-safe; runs on one session may overlap. The session stays usable
 * after any error.
 */
MLODA_API mloda_status mloda_session_run(const mloda_session *session,
                                         const mloda_api_data *api_data, mloda_results **out,
                                         mloda_error *err);
/**
 * Validates the batch (errors as mloda_session_run, reported here) and starts computing it;
 * read results with mloda_stream_next. The stream retains the batch's columns, so the
 * caller may free api_data right after the call. Thread-safe.
 */
MLODA_API mloda_status mloda_session_stream_run(const mloda_session *session,
                                                const mloda_api_data *api_data,
                                                mloda_stream **out, mloda_error *err);

/* ---------------------------------------------------------------- streams */

/**
 * Next finished result table in completion order; *result is a new reference
 * (mloda_table_release), or NULL at the end (status MLODA_OK).
 * A failed calculation is returned once as an error naming the feature; then, in
 * MLODA_ON_ERROR_STOP mode, the stream ends; in MLODA_ON_ERROR_CONTINUE mode, the results
 * that do not depend on the failed step follow. Tables already returned stay valid.
 * Thread safety: one thread per stream.
 */
MLODA_API mloda_status mloda_stream_next(mloda_stream *stream, mloda_table **result,
                                         mloda_error *err);
/** Frees the stream; before its end this cancels steps not yet started and waits for the
 *  running ones. NULL is fine. */
MLODA_API void mloda_stream_free(mloda_stream *stream);

/* ---------------------------------------------------------------- plan inspection */

typedef enum mloda_plan_format {
    MLODA_PLAN_TEXT = 0,
    MLODA_PLAN_JSON = 1,
} mloda_plan_format;

typedef enum mloda_step_kind {
    MLODA_STEP_COMPUTE = 0,
    MLODA_STEP_JOIN = 1,
    MLODA_STEP_FILTER = 2,
} mloda_step_kind;

/**
 * The plan as text or JSON (like mloda's resolved plan): one entry per step with its kind,
 * feature group, features, requested and dependency-only features, parents and the data
 * source. *out_text is NUL-terminated; free it with mloda_string_free.
 */
MLODA_API mloda_status mloda_session_plan(const mloda_session *session, mloda_plan_format format,
                                          char **out_text, mloda_error *err);
/* Structured view of the same plan (all borrowed while the session lives). */
MLODA_API int64_t mloda_session_n_steps(const mloda_session *session);
MLODA_API mloda_step_kind mloda_session_step_kind(const mloda_session *session, int64_t step);
/** Name of the feature group of a step ("GlobalFilter" / "Join" for engine steps). */
MLODA_API const char *mloda_session_step_group_name(const mloda_session *session,
                                                    int64_t step);
MLODA_API int64_t mloda_session_step_n_features(const mloda_session *session, int64_t step);
MLODA_API const char *mloda_session_step_feature(const mloda_session *session, int64_t step,
                                                 int64_t k);
MLODA_API bool mloda_session_step_is_requested(const mloda_session *session, int64_t step,
                                               int64_t k);
/** Number of result tables a run of this session returns. */
MLODA_API int64_t mloda_session_n_results(const mloda_session *session);

/**
 * The type batches must give column `column` of table `table` (an api_data table or a data
 * source) for this session: its type in the example passed to mloda_prepare; for a column
 * of MLODA_TYPE_NULL there (no rows, or only nulls), the type its readers (features,
 * filters, link keys) all took it as, or MLODA_TYPE_NULL when they took different types
 * (then batches must bring it empty or all null). A column of the null type, or one whose
 * rows are all null, fits any prepared type; a column prepared without a type that its
 * readers took as float64 also accepts int64 values (widened).
 * out_list_size (FLOAT64_LIST) and out_unit (TIMESTAMP) may be NULL.
 * Errors: MLODA_ERR_SCHEMA when the session reads no such column, MLODA_ERR_INVALID_ARG.
 * Thread safety: thread-safe.
 */
MLODA_API mloda_status mloda_session_input_type(const mloda_session *session, const char *table,
                                                const char *column, mloda_type *out_type,
                                                int32_t *out_list_size,
                                                mloda_time_unit *out_unit, mloda_error *err);

#ifdef __cplusplus
}
#endif

#endif /* MLODA_MLODA_H */
