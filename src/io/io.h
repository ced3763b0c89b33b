/*
 * io.h: what the formats layer offers the command line (DESIGN.md §2, src/io/).
 *
 *   request JSON  -> io_request (mloda_request + example api_data + column types)
 *   batch sources -> one mloda_api_data per micro-batch, typed like the prepared request
 *                    (NDJSON file or stdin, directory of .json/.ndjson files, CSV, SQLite)
 *   result tables -> JSON object lines, CSV blocks or aligned text
 *
 * Everything here is built on the public API (include/mloda/) and src/util only.
 * Readers never crash on bad input: every failure returns a status with an mloda_error
 * whose message names the file, line, column/byte offset, table and column concerned.
 * Thread safety: one thread per object.
 */
#ifndef MLODA_IO_IO_H
#define MLODA_IO_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "mloda/mloda.h"
#include "util/buf.h"

/** strerror_r into buf (thread-safe); returns buf. */
const char *mloda_io_errno_text(int errnum, char *buf, size_t cap);

/* ---------------------------------------------------------------- limits */

/** Caps on what one piece of input may hold, so that no input grows memory without bound
 *  (README, "Limits and safety"). Each field: 0 = the default below, < 0 = no cap. */
typedef struct io_limits {
    int64_t max_request_bytes; /* a request text (--max-request-bytes) */
    int64_t max_line_bytes;    /* an NDJSON line: a batch line, a data-source row, or a whole
                                  .json batch file (--max-line-bytes) */
    int64_t max_field_bytes;   /* a CSV field (--max-field-bytes) */
    int64_t max_header_bytes;  /* a CSV header line (--max-header-bytes) */
} io_limits;

#define MLODA_IO_DEFAULT_MAX_REQUEST_BYTES (256LL << 20)
#define MLODA_IO_DEFAULT_MAX_LINE_BYTES (256LL << 20)
#define MLODA_IO_DEFAULT_MAX_FIELD_BYTES (16LL << 20)
#define MLODA_IO_DEFAULT_MAX_HEADER_BYTES (16LL << 20)

/** A cap as used: `value` when > 0, `def` when 0, INT64_MAX (none) when < 0. */
int64_t mloda_io_cap(int64_t value, int64_t def);

/* ---------------------------------------------------------------- files a request names */

/**
 * The data-root rule for files that a request names (data_access), so that a request can
 * read only what the operator allows (README, "Limits and safety"; `mloda serve` applies
 * it by default):
 *   root NULL: any path, as given.
 *   root set:  a relative path starts at root; the path, resolved with realpath (every
 *              symbolic link and ".." followed), must lie inside root; else
 *              MLODA_ERR_IO "... is outside the data root" (the root itself is not named).
 * Either way only a regular file is read (fstat), opened with O_NONBLOCK so that a FIFO or
 * a device cannot block the open, and (under a root) with O_NOFOLLOW, so that a link put in
 * place after the check is refused too.
 * what names the file's role in messages ("CSV data source"). *out_fd is the open file,
 * -1 on failure. Errors: MLODA_ERR_IO naming the path as given.
 */
mloda_status mloda_io_open_data_file(const char *root, const char *path, const char *what,
                                     int *out_fd, mloda_error *err);
/**
 * The same check for a file opened by name elsewhere (SQLite) or a folder to list
 * (is_dir): *out_path is a new string (mloda_free) to open, the real path under a root or
 * the path as given without one; the file must be a regular file (a directory for is_dir).
 */
mloda_status mloda_io_data_path(const char *root, const char *path, const char *what,
                                bool is_dir, char **out_path, mloda_error *err);

/* ---------------------------------------------------------------- timestamps */

/** Parses an ISO 8601 date-time into microseconds since the epoch (UTC when an offset is
 *  given). A bare date is accepted only when allow_date_only. False when s is not one. */
bool mloda_io_iso_parse(const char *s, size_t len, bool allow_date_only, int64_t *out_micros);
/** Writes value (a count of unit) as "YYYY-MM-DDTHH:MM:SS[.fff...]" into buf (NUL-terminated,
 *  truncated to cap); returns the length written. A fraction appears only when non-zero. */
size_t mloda_io_iso_format(char *buf, size_t cap, int64_t value, mloda_time_unit unit);

/* ---------------------------------------------------------------- column types */

/** The type of one input column: what a batch column must be (or is widened to). */
typedef struct io_coltype {
    mloda_type type;    /* MLODA_TYPE_INVALID: unknown, infer from the values */
    int32_t list_size;  /* FLOAT64_LIST: values per row; 0 = take it from the data */
    mloda_time_unit unit;
} io_coltype;

/** Parses a type name of the request's "schema": int64, float64, bool, utf8 (or string),
 *  timestamp, float64_list or float64_list[N]. False when unknown. */
bool mloda_io_coltype_parse(const char *name, io_coltype *out);
/** "int64", "float64_list[2]", ... into buf. */
void mloda_io_coltype_name(const io_coltype *t, char *buf, size_t cap);

/** Column types by table and column name. Zeroed memory is not valid: use _new. */
typedef struct io_schema io_schema;

io_schema *mloda_io_schema_new(void);
void mloda_io_schema_free(io_schema *s);
/** Records (or replaces) the type of table.column. */
mloda_status mloda_io_schema_set(io_schema *s, const char *table, const char *column,
                           const io_coltype *type, mloda_error *err);
/** The type of table.column; false when the schema does not know it. */
bool mloda_io_schema_get(const io_schema *s, const char *table, const char *column, io_coltype *out);
/** Records the type of every column of every table of api_data. */
mloda_status mloda_io_schema_add_api_data(io_schema *s, const mloda_api_data *api, mloda_error *err);
/** Columns known for a table, in the order they were first recorded. */
int64_t mloda_io_schema_n_columns(const io_schema *s, const char *table);
/** Column k of table (borrowed) and its type; NULL when out of range. */
const char *mloda_io_schema_column(const io_schema *s, const char *table, int64_t k,
                             io_coltype *out_type);
int64_t mloda_io_schema_n_tables(const io_schema *s);
/** Every (table, column) recorded, in the order recorded: entry i's column (borrowed, NULL
 *  when out of range), its table (borrowed) and type. */
int64_t mloda_io_schema_n_entries(const io_schema *s);
const char *mloda_io_schema_entry(const io_schema *s, int64_t i, const char **out_table,
                                  io_coltype *out_type);
const char *mloda_io_schema_table(const io_schema *s, int64_t i);

/* ---------------------------------------------------------------- the request */

/** How a request is read. Zeroed memory (or NULL) is the default. */
typedef struct io_request_options {
    const char *data_root; /* see mloda_io_open_data_file; NULL: none */
    io_limits limits;      /* max_request_bytes for the text; the rest for its data sources */
} io_request_options;

/** A parsed request file. */
typedef struct io_request {
    mloda_request *request;   /* owned: features, options, settings, links, filters, sources */
    mloda_api_data *api_data; /* owned: the request's "api_data" (empty when absent) */
    io_schema *schema;        /* owned: every api_data column's type plus "schema" entries */
    char **notes;             /* owned: one-line notes for the user (skipped files) */
    int64_t n_notes;
} io_request;

/**
 * Parses a request text: {"features": [...], "api_data": {...}, "column_ordering": ...,
 * "schema": {...}, "links": [...], "filters": [...], "row_id_column": ...,
 * "data_access": {...}}. source names the text in messages ("req.json").
 * On failure *out is left empty (all NULL).
 * Errors: MLODA_ERR_PARSE (malformed JSON, unknown or misplaced key, wrong value type:
 * message with line, column and byte), MLODA_ERR_SCHEMA (ragged or duplicate columns),
 * MLODA_ERR_TYPE (a column mixing value kinds), MLODA_ERR_RANGE (a number out of range),
 * MLODA_ERR_OPTION, MLODA_ERR_NOMEM.
 */
mloda_status mloda_io_request_parse(const char *text, size_t len, const char *source, io_request *out,
                              mloda_error *err);
/**
 * As mloda_io_request_parse, also with "links", "filters", "row_id_column" and "data_access"
 * (see README, "The mloda command"). Relative data_access paths start at the data root
 * when opts names one, else at base_dir (NULL: the working directory); folders are listed
 * here, files are opened when the request is planned (opts: may be NULL). Errors: as mloda_io_request_parse, plus MLODA_ERR_IO (a folder cannot be listed),
 * MLODA_ERR_DUPLICATE (two sources with one table name).
 */
mloda_status mloda_io_request_parse_in(const char *text, size_t len, const char *source,
                                 const char *base_dir, const io_request_options *opts,
                                 io_request *out, mloda_error *err);
/** Reads and parses a request file ("-" reads stdin) with mloda_io_request_parse_in, relative
 *  paths starting at the file's directory (at the data root when opts names one).
 *  Errors: as mloda_io_request_parse_in, plus MLODA_ERR_IO when the file cannot be read or
 *  holds more than max_request_bytes. */
mloda_status mloda_io_request_read_file(const char *path, const io_request_options *opts,
                                        io_request *out, mloda_error *err);
void mloda_io_request_reset(io_request *r);

/* ---------------------------------------------------------------- batches */

/**
 * Parses one api_data object ({"Table": {"col": [values...]}}) from text, typing known
 * columns by schema (may be NULL: infer every column). source, first_line and first_byte
 * place the text in its file for messages.
 */
mloda_status mloda_io_api_data_parse(const char *text, size_t len, const io_schema *schema,
                               const char *source, int64_t first_line, int64_t first_byte,
                               mloda_api_data **out, mloda_error *err);

/** Where a batch came from. */
typedef struct io_batch_info {
    int64_t index;    /* 0-based batch number over the whole source */
    char file[256];   /* file the batch was read from ("-" for stdin; the stream's URL) */
    int64_t line;     /* 1-based line of the batch in that file (first line for CSV/SQL rows;
                         0 for a Redis entry) */
    char entry[48];   /* a Redis source: the entry's id ("1700000000000-0"); else empty */
} io_batch_info;

typedef struct io_source io_source;

/** Options of the CSV and SQLite sources. */
typedef struct io_source_options {
    const char *table;   /* api_data table the rows belong to (CSV, SQL) */
    int64_t batch_rows;  /* rows per batch (CSV, SQL); > 0 */
    const char *sql;     /* SELECT for a SQLite database */
    bool watch;          /* directory: wait for new files (inotify) */
    double watch_timeout; /* directory with watch: end after this many seconds without a new
                             file; <= 0 waits forever */
    const char *record;  /* directory: processed-files record; NULL = DIR/.mloda-processed
                            (used with watch, or when set) */
    bool arrow;          /* batches are Arrow IPC streams (a file, stdin, or a directory of
                            .arrows / .arrow files): one record batch per micro-batch, filling
                            `table` (default: the schema's only table) */
    io_limits limits;    /* max_line_bytes (NDJSON, .json), max_field_bytes and
                            max_header_bytes (CSV) */
    /* Called with a one-line note the caller may show (a skipped file); may be NULL. */
    void (*warn)(void *ctx, const char *message);
    void *warn_ctx;
    /* Asked when a wait for input is interrupted by a signal (stdin, a pipe, a watched
     * directory): true ends the source's next() with MLODA_ERR_CANCELLED. May be NULL
     * (such a wait just goes on). */
    bool (*stop)(void *ctx);
    void *stop_ctx;
} io_source_options;

/**
 * Opens a batch source. path "-" is stdin (NDJSON); a directory reads its *.json / *.ndjson
 * files in name order (a .json file is one batch, an .ndjson file one batch per non-blank
 * line); a file ending in .csv is CSV; opts->sql set means path is a SQLite database;
 * anything else is an NDJSON file. schema (borrowed, must outlive the source) types every
 * column it knows. opts (may be NULL) is borrowed too and must outlive the source.
 * Errors: MLODA_ERR_IO (cannot open), MLODA_ERR_INVALID_ARG (missing options), NOMEM.
 */
mloda_status mloda_io_source_open(const char *path, const io_schema *schema,
                            const io_source_options *opts, io_source **out, mloda_error *err);
/**
 * Reads the next batch into *out (owned by the caller), or *out = NULL at the end.
 * info is filled for every batch, good or bad. A malformed batch returns its error
 * (MLODA_ERR_PARSE, _TYPE, _SCHEMA, _RANGE) and the source stays usable: the next call
 * reads the next batch. MLODA_ERR_IO ends the source.
 * Calling next says that every batch returned before is fully processed: a directory
 * source then appends the files it finished to its processed-files record.
 */
mloda_status mloda_io_source_next(io_source *src, mloda_api_data **out, io_batch_info *info,
                            mloda_error *err);
/**
 * Says, without asking for another batch, that every batch returned so far is fully
 * processed: a directory source appends to its record the files all of whose batches were
 * returned (the file being read too, when only blanks are left in it). For a command that
 * ends early (a signal), so that a restart neither loses nor repeats a file.
 * Other sources: nothing to do. Errors: MLODA_ERR_IO (the record cannot be written).
 */
mloda_status mloda_io_source_commit(io_source *src, mloda_error *err);
/**
 * Says that the batch last returned by next (info) failed with `why` (a malformed batch, or
 * its calculation): a Redis source writes the entry to its dead-letter stream with the
 * error and acknowledges it, in one script (README, "Scale-out with Redis Streams"); other
 * sources have nothing to do. A lost connection is not an error here: the entry then stays
 * pending and is read again (next reconnects). Errors: MLODA_ERR_NOMEM,
 * MLODA_ERR_INVALID_ARG (info is not the batch last returned).
 */
mloda_status mloda_io_source_reject(io_source *src, const io_batch_info *info,
                                    const mloda_error *why, mloda_error *err);
void mloda_io_source_free(io_source *src);

/* ---------------------------------------------------------------- sinks */

/** Where a source's results go when not to stdout (the command writes stdout itself). */
typedef struct io_sink io_sink;

/**
 * Hands over the results (in plan order) of the batch last returned by the sink's source
 * (info); the sink owns writing them and settling the batch: the Redis sink writes every
 * table to its stream together with the input entry's acknowledgement, in one script.
 * Errors: MLODA_ERR_NOMEM, MLODA_ERR_INVALID_ARG (info is not the batch last returned),
 * the writers' errors for a table that cannot be written as JSON.
 */
mloda_status mloda_io_sink_write(io_sink *sink, const io_batch_info *info,
                                 const mloda_results *res, mloda_error *err);
void mloda_io_sink_free(io_sink *sink);

/* ---------------------------------------------------------------- Redis Streams */

/*
 * Workers over a Redis Streams consumer group (README, "Scale-out with Redis Streams").
 * The functions below live in src/io/redis_*.c, built into libmloda_redis (which links
 * hiredis) for the command; libmloda itself does not depend on hiredis.
 *
 * An entry carries one micro-batch: its field "batch" holds one api_data object (one
 * NDJSON line, as `mloda produce` writes it); other fields are ignored.
 */

/** redis://[[USER]:PASSWORD@]HOST[:PORT]/STREAM, parsed (%XX escapes decoded). */
typedef struct io_redis_url {
    char host[256];     /* a name, an IPv4 address or an IPv6 one (written in [ ]) */
    int port;           /* 6379 when not given */
    char user[128];     /* empty: the default user */
    char password[256]; /* empty: no AUTH */
    char key[512];      /* the stream */
} io_redis_url;

/** text starts with "redis://" (any case). */
bool mloda_io_is_redis_url(const char *text);
/** Parses a redis:// URL; `what` names it in messages ("--batches").
 *  Errors: MLODA_ERR_INVALID_ARG saying what is wrong and what the form is. */
mloda_status mloda_io_redis_url_parse(const char *text, const char *what, io_redis_url *out,
                                      mloda_error *err);

/** How a worker takes part in its consumer group. */
typedef struct io_redis_options {
    const char *group;       /* the consumer group (required) */
    const char *consumer;    /* this worker's name in the group (required) */
    const char *from;        /* NULL: the group must exist; "0" (every entry) or "$" (new
                                entries only): where it starts when it has to be created,
                                with the stream if that is missing too */
    const char *dead_letter; /* redis:// URL of the dead-letter stream, on the same server;
                                NULL: STREAM:dead */
    int64_t max_in_flight;   /* entries taken and not yet settled, at most; >= 1 */
    double claim_after;      /* seconds: entries of any consumer idle this long are claimed */
    double claim_interval;   /* seconds between claim passes (one at start) */
    int64_t max_deliveries;  /* an entry handed out more often than this is dead-lettered */
    double idle_timeout;     /* > 0: the source ends after this many seconds without an
                                entry, once nothing is pending in the group */
    double stats_interval;   /* > 0: a stats line every so many seconds, to stats() */
    void (*stats)(void *ctx, const char *line);
    void *stats_ctx;
} io_redis_options;

/**
 * Opens a batch source on a Redis stream read through a consumer group (XREADGROUP):
 * connects (AUTH when the URL has a password), checks the group (creates it with the
 * stream when ropts->from says where), loads the scripts. opts: the limits (max_line_bytes
 * caps an entry's batch), warn (lost connections, deleted entries) and stop (a stop request:
 * the entries in hand are still returned, then the source ends); borrowed, like schema and
 * ropts, for the source's life.
 * mloda_io_source_next then returns the worker's own pending entries first (a restart under
 * the same name), entries of stopped workers idle longer than claim_after (XAUTOCLAIM, at
 * start and every claim_interval), then new ones; info->entry is the entry's id. Calling
 * next acknowledges the batch returned before unless a sink or a reject settled it. A lost
 * connection is retried with backoff (a warning says so) and the worker's pending entries
 * are read again: results are written once per entry whatever is delivered twice.
 * Errors: MLODA_ERR_INVALID_ARG (bad URL or options, no such group without `from`, a key of
 * another type), MLODA_ERR_IO (cannot connect, authentication refused, server errors),
 * MLODA_ERR_NOMEM.
 */
mloda_status mloda_io_redis_source_open(const char *url, const io_schema *schema,
                                        const io_source_options *opts,
                                        const io_redis_options *ropts, io_source **out,
                                        mloda_error *err);
/** A stats line ("batches 10, rows 40, failures 0, claims 0, dead letters 0, in flight 2,
 *  pending 3, lag 0") into buf: the source's counters, and the group's pending count and
 *  lag asked from the server (XINFO GROUPS; "?" when it cannot be asked). */
void mloda_io_redis_source_stats(io_source *src, char *buf, size_t cap);

/**
 * A sink writing each batch's result tables to a stream on src's server (src: from
 * mloda_io_redis_source_open, which must outlive the sink): one entry per table with the
 * fields input (the input entry's id), group (the consumer group), table (its position in
 * the batch's results, from 0), tables (how many) and result (the table as JSON:
 * {"group": ..., "columns": {...}}), all written with the input entry's XACK in one
 * script, and only while the entry is still pending: so each input entry's results appear
 * exactly once, even when it was delivered twice.
 * Errors: MLODA_ERR_INVALID_ARG (bad URL, another server, the input stream itself).
 */
mloda_status mloda_io_redis_sink_open(const char *url, io_source *src, io_sink **out,
                                      mloda_error *err);

/** How `mloda produce` writes. */
typedef struct io_redis_produce_options {
    int64_t maxlen;         /* > 0: XADD MAXLEN ~ maxlen (trims old entries); 0: no trim */
    int64_t max_line_bytes; /* as io_limits (0: the default) */
    void (*warn)(void *ctx, const char *message); /* a refused line; may be NULL */
    void *warn_ctx;
    bool (*stop)(void *ctx); /* asked when reading is interrupted by a signal; may be NULL */
    void *stop_ctx;
} io_redis_produce_options;

/**
 * Reads NDJSON from fd (name in messages) and adds every non-blank line that is one JSON
 * object to the stream of url as an entry {batch: LINE} (XADD, pipelined). A line that is
 * not one JSON object is refused with a warning naming its line and what is wrong; the
 * rest go on. *out_added and *out_refused count lines (also after a failure).
 * Errors: MLODA_ERR_INVALID_ARG (bad URL), MLODA_ERR_IO (connection, authentication,
 * reading fd, a server error such as a key of another type), MLODA_ERR_CANCELLED (stop).
 */
mloda_status mloda_io_redis_produce(int fd, const char *name, const char *url,
                                    const io_redis_produce_options *opts, int64_t *out_added,
                                    int64_t *out_refused, mloda_error *err);

/* ---------------------------------------------------------------- writers */

/** Output layout of result tables. */
typedef enum io_format {
    IO_FORMAT_NDJSON = 0, /* one JSON object per table per line */
    IO_FORMAT_JSON = 1,   /* one indented JSON array of table objects */
    IO_FORMAT_CSV = 2,    /* a header + rows block per table, blocks separated by a blank line */
    IO_FORMAT_TABLE = 3,  /* aligned text for people */
    IO_FORMAT_ARROW = 4,  /* one Arrow IPC stream per table, streams one after another */
} io_format;

/** Parses "ndjson", "json", "csv", "table" or "arrow". */
bool mloda_io_format_parse(const char *name, io_format *out);

/**
 * Appends a result table as a JSON object: {"batch": b, "group": g, "columns": {name:
 * [values]}} ("batch" only when batch >= 0). pretty puts each column on its own line,
 * indented for the "json" format. Values: integers, shortest round-trip floats, null for
 * nulls and NaN/inf, true/false, ISO 8601 strings for timestamps, arrays for lists.
 */
mloda_status mloda_io_write_json_table(mloda_buf *out, const mloda_table *t, int64_t batch,
                                 bool pretty, mloda_error *err);
/** Appends {"batch": b, "error": {"code": "MLODA_ERR_...", "message": m, "feature": s}}
 *  (feature null when the error names nothing). */
mloda_status mloda_io_write_json_error(mloda_buf *out, int64_t batch, const mloda_error *e,
                                 mloda_error *err);
/** Appends a CSV block (header line, one line per row; RFC 4180 quoting; null is an empty
 *  field). batch >= 0 adds a leading "batch" column. */
mloda_status mloda_io_write_csv_table(mloda_buf *out, const mloda_table *t, int64_t batch,
                                mloda_error *err);
/** Appends an aligned text table headed by its group (and batch when >= 0). */
mloda_status mloda_io_write_text_table(mloda_buf *out, const mloda_table *t, int64_t batch,
                                 mloda_error *err);

/* ---------------------------------------------------------------- Arrow IPC */

/* The Arrow IPC stream format (src/io/arrow_ipc.c; types as in arrow_ipc.h). */

/** Appends a result table as one whole Arrow IPC stream: a Schema message (custom metadata
 *  "mloda.group" and, when batch >= 0, "mloda.batch"), one RecordBatch message and the
 *  end-of-stream marker. Streams written one after another form a valid concatenation. */
mloda_status mloda_io_write_arrow_table(mloda_buf *out, const mloda_table *t, int64_t batch,
                                        mloda_error *err);

/** Pieces of output for writev(2). */
typedef struct io_pieces {
    struct iovec *v; /* owned */
    int64_t n, cap;
} io_pieces;

/** mloda_io_write_arrow_table in two parts, so that the column buffers are written where
 *  they are instead of copied: the messages' metadata is appended to *out and the body (the
 *  column buffers, borrowed from t: valid while t lives; their padding; the end-of-stream
 *  marker) to *pieces. out's bytes followed by the pieces are the same stream. */
mloda_status mloda_io_write_arrow_table_pieces(mloda_buf *out, const mloda_table *t,
                                               int64_t batch, io_pieces *pieces,
                                               mloda_error *err);
void mloda_io_pieces_reset(io_pieces *p);

/** Reads up to `want` bytes into buf: *got < want only at the end of the input. Errors
 *  (MLODA_ERR_IO, MLODA_ERR_CANCELLED) end the reader. */
typedef mloda_status (*io_read_fn)(void *ctx, void *buf, size_t want, size_t *got,
                                   mloda_error *err);

/** Record batches of Arrow IPC streams (one after another) from a byte source. One thread
 *  per object. */
typedef struct io_arrow_reader io_arrow_reader;

/** source names the input in messages; max_message_bytes caps one message (metadata plus
 *  body; <= 0: MLODA_IO_DEFAULT_MAX_LINE_BYTES). Errors: MLODA_ERR_NOMEM. */
mloda_status mloda_io_arrow_reader_new(io_read_fn read, void *ctx, const char *source,
                                       int64_t max_message_bytes, io_arrow_reader **out,
                                       mloda_error *err);
/** The next record batch as a table (columns named as in the schema before it), or *out =
 *  NULL at the end of the input (at a message boundary). Every offset, length and count of
 *  the input is checked before use; a bad message is MLODA_ERR_PARSE naming the source,
 *  the message number and its byte offset, an unsupported type MLODA_ERR_TYPE naming the
 *  column. After an error the reader is done (the stream cannot be resynchronised). */
mloda_status mloda_io_arrow_reader_next(io_arrow_reader *r, mloda_table **out,
                                        mloda_error *err);
/** Byte offset of the next message in the input. */
int64_t mloda_io_arrow_reader_offset(const io_arrow_reader *r);
void mloda_io_arrow_reader_free(io_arrow_reader *r);

/** Turns a record batch into the api_data of a micro-batch: table `table`, its columns
 *  typed by schema (may be NULL) where it knows them: Int values widen to a float64 column,
 *  a timestamp to a finer unit, a null-typed column becomes nulls of the wanted type.
 *  Errors: MLODA_ERR_TYPE naming the column and both types, MLODA_ERR_RANGE, _NOMEM. */
mloda_status mloda_io_arrow_api_data(const mloda_table *batch, const io_schema *schema,
                                     const char *table, mloda_api_data **out,
                                     mloda_error *err);
/** An Arrow IPC stream held in memory (an HTTP body) as one micro-batch: its single record
 *  batch (no record batch: zero rows of the schema's columns) through
 *  mloda_io_arrow_api_data, into `table` (NULL: the schema's only table). Errors: as
 *  mloda_io_arrow_reader_next; MLODA_ERR_PARSE when it holds more than one record batch or
 *  no schema; MLODA_ERR_INVALID_ARG when table is NULL and the schema has not one table. */
mloda_status mloda_io_arrow_parse_api_data(const char *data, size_t len, const io_schema *schema,
                                           const char *table, const char *source,
                                           mloda_api_data **out, mloda_error *err);

#endif /* MLODA_IO_IO_H */
