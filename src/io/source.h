/*
 * source.h: the inside of batch sources (io_source in io.h): a small vtable that each
 * kind of source (NDJSON/JSON file, directory, CSV, SQLite) fills, and the batch parser
 * they share for JSON text. Internal to src/io.
 */
#ifndef MLODA_IO_SOURCE_H
#define MLODA_IO_SOURCE_H

#include "io/api_reader.h"
#include "io/column_slots.h"
#include "io/io.h"
#include "io/json_events.h"

struct io_source {
    mloda_status (*next)(io_source *src, mloda_api_data **out, io_batch_info *info,
                         mloda_error *err);
    void (*free)(io_source *src);
    /* optional (mloda_io_source_commit): record what the batches so far finished */
    mloda_status (*commit)(io_source *src, mloda_error *err);
    /* optional (mloda_io_source_reject): the batch last returned failed */
    mloda_status (*reject)(io_source *src, const io_batch_info *info, const mloda_error *why,
                           mloda_error *err);
};

/* A sink (io.h): where a source's results go. */
struct io_sink {
    mloda_status (*write)(io_sink *sink, const io_batch_info *info, const mloda_results *res,
                          mloda_error *err);
    void (*free)(io_sink *sink);
};

/** One api_data document fed in chunks (a line of NDJSON, a .json file). */
typedef struct io_batch_parser {
    io_json_parser parser;
    io_api_reader api;
    bool active;
} io_batch_parser;

/** Starts a document whose first byte is at (line, byte); line_start_byte is where that
 *  line begins (for column numbers). The parser must not move until _end/_reset. */
mloda_status mloda_io_batch_parser_begin(io_batch_parser *bp, const io_schema *schema,
                                   const char *source, int64_t line, int64_t byte,
                                   int64_t line_start_byte, mloda_error *err);
mloda_status mloda_io_batch_parser_feed(io_batch_parser *bp, const char *data, size_t len,
                                  mloda_error *err);
/** Ends the document: *out is its api_data (owned by the caller) or NULL on failure. */
mloda_status mloda_io_batch_parser_end(io_batch_parser *bp, mloda_api_data **out, mloda_error *err);
void mloda_io_batch_parser_reset(io_batch_parser *bp);

/** A source of JSON batches read from fd: one batch per non-blank line, or, when
 *  whole_document, the whole input as one batch. own_fd closes fd on free. name is
 *  copied. opts (may be NULL; borrowed, must outlive the source): max_line_bytes caps a
 *  line (a whole document), stop ends a read interrupted by a signal. */
mloda_status mloda_io_json_source_open(int fd, bool own_fd, const char *name, bool whole_document,
                                 const io_schema *schema, const io_source_options *opts,
                                 io_source **out, mloda_error *err);
/** A JSON source (from mloda_io_json_source_open) has no batch left: only blanks remain up
 *  to the end of its input (read on to tell, so only for files). Errors: MLODA_ERR_IO. */
mloda_status mloda_io_json_source_at_end(io_source *src, bool *out, mloda_error *err);
/** Arrow IPC streams read from fd (arrow_source.c); own_fd closes it on free. */
mloda_status mloda_io_arrow_source_open(int fd, bool own_fd, const char *name,
                                        const io_schema *schema, const io_source_options *opts,
                                        io_source **out, mloda_error *err);
mloda_status mloda_io_dir_source_open(const char *path, const io_schema *schema,
                                const io_source_options *opts, io_source **out,
                                mloda_error *err);
mloda_status mloda_io_csv_source_open(const char *path, const io_schema *schema,
                                const io_source_options *opts, io_source **out,
                                mloda_error *err);
mloda_status mloda_io_sqlite_source_open(const char *path, const io_schema *schema,
                                   const io_source_options *opts, io_source **out,
                                   mloda_error *err);

/** The api_data table that CSV or SQL rows fill: `wanted`, or the schema's only table.
 *  *out is a copy. Errors: MLODA_ERR_INVALID_ARG naming what is missing. */
mloda_status mloda_io_pick_table(const io_schema *schema, const char *wanted, const char *what,
                           char **out, mloda_error *err);
/** The columns of `table` as the schema states them: *out_names (borrowed from the schema)
 *  and *out_types, new arrays of *out_n entries (free both with mloda_free, also after a
 *  failure). Errors: MLODA_ERR_NOMEM naming `what`. */
mloda_status mloda_io_schema_columns(const io_schema *schema, const char *table,
                                     const char ***out_names, io_coltype **out_types,
                                     int64_t *out_n, const char *what, mloda_error *err);
/** One batch of CSV or SQL rows: the rows the readers of `slots` hold, finished (table and
 *  origin name them in messages), as a new api_data of one table `table`. *out is NULL on
 *  failure. Errors: those of mloda_io_slots_finish; MLODA_ERR_NOMEM naming `what`. */
mloda_status mloda_io_slots_batch(io_column_slots *slots, const char *table, const char *origin,
                                  const char *what, mloda_api_data **out, mloda_error *err);
/** Copies name into info->file (truncating). */
void mloda_io_info_set_file(io_batch_info *info, const char *name);

#endif /* MLODA_IO_SOURCE_H */
