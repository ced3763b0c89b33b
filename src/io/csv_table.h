/*
 * csv_table.h: a CSV file with a header line read as typed columns, the one piece behind
 * both CSV readers of the formats layer: the `--batches FILE.csv` source (rows in batches,
 * typed by the prepared request) and the CSV data-source provider (mloda_source_init_csv: types
 * inferred from the first rows, all rows of the requested columns in one table).
 *
 * Use: _open, _header, then either _infer (types of every header column from a sample) or
 * _select (the wanted columns and their types) followed by _read / _finish as often as
 * needed; _reset at the end. Internal to src/io.
 */
#ifndef MLODA_IO_CSV_TABLE_H
#define MLODA_IO_CSV_TABLE_H

#include "io/column_slots.h"
#include "io/csv_reader.h"

typedef struct io_csv_table {
    int fd;                    /* owned, -1 when closed */
    char *name;                /* owned: the path, for messages */
    const char *table;         /* borrowed: table name for messages */
    const char *origin;        /* borrowed: where the wanted types come from, for messages */
    io_csv_reader rd;
    bool header_read;
    int64_t n_header;          /* fields per record; 0: the file is empty */
    char **header;             /* owned: header names (NUL-terminated copies) */
    io_column_slots slots;     /* the wanted columns; source columns: the header fields */
    int64_t max_field_bytes;   /* caps (INT64_MAX: none) */
    int64_t max_header_bytes;
} io_csv_table;

/** Opens path. what names the file's role in the "cannot open" message ("batches", "CSV
 *  data source"). table and origin are borrowed for messages (origin: "the prepared
 *  request"). Errors: MLODA_ERR_IO, MLODA_ERR_NOMEM. t is reset-able after any failure. */
mloda_status mloda_io_csv_table_open(io_csv_table *t, const char *path, const char *what,
                               const char *table, const char *origin, mloda_error *err);
/** As _open for a file already open (fd, owned by t from now on, also after a failure);
 *  path names it in messages. */
mloda_status mloda_io_csv_table_open_fd(io_csv_table *t, int fd, const char *path,
                                        const char *table, const char *origin,
                                        mloda_error *err);
/** The caps (io_limits: max_header_bytes, max_field_bytes; 0 default, < 0 none); data
 *  rows are also held to the header's number of fields. Call before _header. */
void mloda_io_csv_table_limits(io_csv_table *t, const io_limits *limits);
/**
 * Reads the header line (once; a UTF-8 byte-order mark is dropped). An empty or repeated
 * column name is an MLODA_ERR_PARSE naming file and column. need_header: an empty file
 * is one too; otherwise an empty file has no columns (and no rows).
 * Errors: MLODA_ERR_PARSE (bad quote, invalid UTF-8, longer than max_header_bytes),
 * MLODA_ERR_IO, MLODA_ERR_NOMEM.
 */
mloda_status mloda_io_csv_table_header(io_csv_table *t, bool need_header, mloda_error *err);
/**
 * Infers the type of every header column from the next max_rows data rows (< 0: all rows;
 * see io_text_infer). out has n_header entries. Errors: as _read, for those rows.
 */
mloda_status mloda_io_csv_table_infer(io_csv_table *t, int64_t max_rows, io_coltype *out,
                                mloda_error *err);
/**
 * Chooses the columns to read: n names (borrowed until _reset) with their types. Slots
 * follow the order of names; with require, a name the header lacks is an MLODA_ERR_SCHEMA
 * naming file and column, otherwise it is left out (slots then count only those present).
 */
mloda_status mloda_io_csv_table_select(io_csv_table *t, int64_t n, const char *const *names,
                                 const io_coltype *types, bool require, mloda_error *err);
/**
 * Reads up to max_rows non-blank data rows into the readers. *out_rows is the number of
 * rows taken (0 at the end of the file), *out_first_line the line of the first one.
 * A bad row (bad quote, wrong field count, a value that does not fit) fails the read with
 * its message (file, line, and for values table, column and row); with drain the rows up
 * to max_rows are still consumed first, so the next read starts where it would have.
 * MLODA_ERR_IO and MLODA_ERR_NOMEM end the read at once. After a failure the readers are
 * empty.
 */
mloda_status mloda_io_csv_table_read(io_csv_table *t, int64_t max_rows, bool drain, int64_t *out_rows,
                               int64_t *out_first_line, mloda_error *err);
/** The rows read so far as one column per slot (new references into out[0..n_slots)),
 *  and empties the readers. On failure every out[k] is NULL. */
mloda_status mloda_io_csv_table_finish(io_csv_table *t, mloda_column **out, mloda_error *err);
void mloda_io_csv_table_reset(io_csv_table *t);

#endif /* MLODA_IO_CSV_TABLE_H */
