/*
 * column_slots.h: the wanted columns of a tabular source (CSV header fields, SQL result
 * columns) and the column readers of the rows being read. Source column i fills slot
 * slot[i] (-1: not wanted); slots follow the order in which the caller named the columns.
 * Shared by io_csv_table and io_sql_reader. Internal to src/io.
 *
 * Invariants: slot[i] is -1 or < n_slots for every source column i; readers hold rows
 * only while `reading`. Zero-initialise; _reset frees.
 */
#ifndef MLODA_IO_COLUMN_SLOTS_H
#define MLODA_IO_COLUMN_SLOTS_H

#include "io/column_reader.h"

typedef struct io_column_slots {
    int64_t *slot;             /* owned: source column -> slot, or -1 (not wanted) */
    int64_t n_slots;
    const char **columns;      /* borrowed from _select's caller: slot -> column name */
    io_coltype *types;         /* owned: slot -> wanted type */
    io_column_reader *readers; /* owned: slot -> reader of the rows being read */
    bool reading;              /* readers hold rows */
    bool hide_values;          /* the readers' messages never quote values (a data source) */
} io_column_slots;

/**
 * Chooses the wanted columns, replacing an earlier choice: names[0..n) (borrowed until
 * _reset) with their types, among the source columns source[0..n_source) (of a repeated
 * source name the first counts). A name that the source lacks, or that came before, gets
 * no slot; *out_missing is the index of the first such name, -1 when every name has one.
 * Errors: MLODA_ERR_NOMEM ("out of memory allocating <what>").
 */
mloda_status mloda_io_slots_select(io_column_slots *s, int64_t n_source,
                                   const char *const *source, int64_t n,
                                   const char *const *names, const io_coltype *types,
                                   const char *what, int64_t *out_missing, mloda_error *err);
/** Starts the readers unless they hold rows; table and origin are borrowed for their
 *  messages until the readers stop. */
void mloda_io_slots_start(io_column_slots *s, const char *table, const char *origin);
/** Drops the rows the readers hold. */
void mloda_io_slots_stop(io_column_slots *s);
/** Ends a read whose rows failed with row_err (first error of the read; MLODA_OK: none):
 *  on a failure the readers stop and row_err goes to err (first error wins). Returns
 *  row_err's code. */
mloda_status mloda_io_slots_end_read(io_column_slots *s, const mloda_error *row_err,
                                     mloda_error *err);
/** The rows read as one column per slot (new references into out[0..n_slots)), readers
 *  stopped; with nothing read, empty columns of the wanted types. On failure every out[k]
 *  is NULL. */
mloda_status mloda_io_slots_finish(io_column_slots *s, const char *table, const char *origin,
                                   mloda_column **out, mloda_error *err);
/** Frees the choice; s is zeroed but for hide_values. */
void mloda_io_slots_reset(io_column_slots *s);

#endif /* MLODA_IO_COLUMN_SLOTS_H */
