/*
 * request_build.h: the request's metadata trees (features, options, schema, settings) ->
 * mloda_request, mloda_options and io_schema, with messages that point at the JSON.
 * Internal to src/io.
 */
#ifndef MLODA_IO_REQUEST_BUILD_H
#define MLODA_IO_REQUEST_BUILD_H

#include "io/io.h"
#include "io/json_tree.h"

/** The closest of choices to word (small edit distance), or NULL. */
const char *mloda_io_closest(const char *word, const char *const *choices, size_t n);
/** Every key of the object obj is one of allowed[0..n), else MLODA_ERR_PARSE at that key:
 *  "<what>: unknown key 'k' (did you mean 'K'?); the keys are \"a\", \"b\" and \"c\"". */
mloda_status mloda_io_jt_check_keys(const char *source, const io_jt *obj, const char *what,
                                    const char *const *allowed, size_t n, mloda_error *err);

/** Sets err to "source: line L, column C: <message>" for node (subject may be NULL). */
mloda_status mloda_io_jt_error(const char *source, const io_jt *node, mloda_status code,
                         const char *subject, mloda_error *err, const char *fmt, ...)
    MLODA_PRINTF(6, 7);

/** The "features" array into req (strings or {"name": N, "options": {...}}). */
mloda_status mloda_io_build_features(const char *source, const io_jt *features, mloda_request *req,
                               mloda_error *err);
/** "column_ordering": "request_order" | "alphabetical". */
mloda_status mloda_io_build_ordering(const char *source, const io_jt *ordering, mloda_request *req,
                               mloda_error *err);
/** "schema": {"Table": {"column": "type name"}} into schema. */
mloda_status mloda_io_build_schema(const char *source, const io_jt *tree, io_schema *schema,
                             mloda_error *err);
/** A feature's "options" object into a new mloda_options (*out NULL on failure). Plain
 *  {"key": value} puts every key in the context bucket; {"group": {...}, "context": {...}}
 *  chooses buckets explicitly. */
mloda_status mloda_io_build_options(const char *source, const char *feature, const io_jt *tree,
                              mloda_options **out, mloda_error *err);

/** A "params" object (links, filters) into a new mloda_options, every key in the context
 *  bucket. owner names the holder in messages ("link 0", "filter 1 on 'v'"); subject is
 *  the error's subject. */
mloda_status mloda_io_build_params(const char *source, const char *owner, const char *subject,
                             const io_jt *tree, mloda_options **out, mloda_error *err);

/** "links": [{"type", "left": {"table", "on"}, "right": {...}, "params"}] into req. */
mloda_status mloda_io_build_links(const char *source, const io_jt *links, mloda_request *req,
                            mloda_error *err);
/** "filters": [{"column", "type", "params"}] into req. */
mloda_status mloda_io_build_filters(const char *source, const io_jt *filters, mloda_request *req,
                              mloda_error *err);
/** "row_id_column": "name". */
mloda_status mloda_io_build_row_id(const char *source, const io_jt *node, mloda_request *req,
                             mloda_error *err);

/** Where the request's relative paths start and where notes go. */
typedef struct io_access_ctx {
    const char *source;      /* the request's name, for messages */
    const char *base_dir;    /* directory of the request file; NULL: the working directory */
    const io_schema *schema; /* stated column types by table name */
    io_request *out;         /* gets the notes */
    const char *data_root;   /* NULL: none; else relative paths start here, and nothing
                                outside it is read (mloda_io_open_data_file) */
    const io_limits *limits; /* passed on to every source */
} io_access_ctx;

/** "data_access": {"files": [...], "folders": [...], "sqlite": [...], "infer_rows": N}:
 *  a data-source provider per file or table, added to req. */
mloda_status mloda_io_build_data_access(const io_access_ctx *ctx, const io_jt *tree,
                                  mloda_request *req, mloda_error *err);
/** Appends a note for the command to show (a skipped file). */
mloda_status mloda_io_request_note(io_request *r, const char *text, mloda_error *err);

#endif /* MLODA_IO_REQUEST_BUILD_H */
