/*
 * cell.h: one value of a result column as text: JSON (for ndjson/json) or plain (for CSV
 * and aligned tables). Internal to src/io.
 */
#ifndef MLODA_IO_CELL_H
#define MLODA_IO_CELL_H

#include "io/io.h"

/** Appends row i of col as a JSON value (null for nulls and NaN/inf). */
mloda_status io_cell_json(mloda_buf *out, const mloda_column *col, int64_t i, mloda_error *err);
/** Appends row i of col as plain text: strings raw, null as null_text, NaN as "NaN",
 *  lists as "[a, b]". */
mloda_status io_cell_plain(mloda_buf *out, const mloda_column *col, int64_t i,
                           const char *null_text, mloda_error *err);
/** Writes v as the shortest text that reads back as v, Python-style ("100.0", "1e+21",
 *  "0.1"); "null" for NaN and inf. out needs IO_DOUBLE_TEXT_MAX bytes; returns the length. */
#define IO_DOUBLE_TEXT_MAX 32
size_t io_double_text(double v, char *out);
/** Appends io_double_text(v). */
mloda_status io_put_double(mloda_buf *out, double v, mloda_error *err);
/** Appends an int64 in decimal. */
mloda_status io_put_int64(mloda_buf *out, int64_t v, mloda_error *err);

#endif /* MLODA_IO_CELL_H */
