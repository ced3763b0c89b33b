/*
 * cell.h: one value of a result column as text: JSON (for ndjson/json) or plain (for CSV
 * and aligned tables). Internal to src/io.
 */
#ifndef MLODA_IO_CELL_H
#define MLODA_IO_CELL_H

#include "io/io.h"
#include "util/double_text.h"

/** Appends row i of col as a JSON value (null for nulls and NaN/inf). */
mloda_status mloda_io_cell_json(mloda_buf *out, const mloda_column *col, int64_t i, mloda_error *err);
/** Appends row i of col as plain text: strings raw, null as null_text, NaN as "NaN",
 *  lists as "[a, b]". */
mloda_status mloda_io_cell_plain(mloda_buf *out, const mloda_column *col, int64_t i,
                           const char *null_text, mloda_error *err);
/* Doubles are written with util's mloda_double_text (Python's repr layout). */
#define IO_DOUBLE_TEXT_MAX MLODA_DOUBLE_TEXT_MAX
#define io_double_text mloda_double_text
/** Appends mloda_double_text(v). */
mloda_status mloda_io_put_double(mloda_buf *out, double v, mloda_error *err);
/** Appends an int64 in decimal. */
mloda_status mloda_io_put_int64(mloda_buf *out, int64_t v, mloda_error *err);

#endif /* MLODA_IO_CELL_H */
