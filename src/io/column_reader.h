/*
 * column_reader.h: builds one typed column from a stream of JSON values.
 *
 * Two modes. With a wanted type (from the request's schema or the prepared session),
 * values go straight into a builder of that type: integers widen into float64, strings
 * parse into timestamps, all-null columns take the wanted type, anything else is an error
 * naming table, column and row. Without one the type is inferred: integers -> int64, any
 * float -> float64 (earlier integers widened), true/false -> bool, strings -> utf8 or, when
 * every string is an ISO 8601 date-time, timestamp (microseconds), lists of n numbers ->
 * fixed-size list of n float64; nulls anywhere; only nulls (or no rows) -> the null type
 * (MLODA_TYPE_NULL). A wanted type of MLODA_TYPE_NULL means "infer" too.
 * Internal to src/io.
 */
#ifndef MLODA_IO_COLUMN_READER_H
#define MLODA_IO_COLUMN_READER_H

#include "io/io.h"
#include "io/json_events.h"

typedef struct io_column_reader {
    const char *table;       /* borrowed, for messages */
    const char *column;      /* borrowed, for messages */
    io_coltype want;         /* type INVALID: infer */
    const char *want_origin; /* "the prepared request", for messages */
    bool hide_values;        /* messages never quote a value (data read from a source) */
    mloda_type kind;         /* type being built; INVALID while only nulls were seen */
    int32_t list_size;       /* FLOAT64_LIST rows */
    mloda_column_builder *b; /* owned; NULL while kind is INVALID */
    mloda_column_builder *ts; /* owned: inferred utf8 column read as timestamps too */
    bool ts_failed;          /* a string was not a date-time: the column stays utf8 */
    /* inference: a string shaped like a date-time that is not a valid one, in a column
     * whose other strings are date-times, is an error naming its row, not a silent utf8
     * column (README, "Request") */
    int64_t ts_ok;           /* strings read as date-times */
    bool ts_plain;           /* a string not shaped like a date-time: the column is text */
    int64_t ts_bad_row;      /* first row with a bad date-time; -1: none */
    char ts_bad_text[48];    /* its excerpt, for the message */
    size_t ts_bad_len;
    int64_t n_rows;
    int64_t n_nulls;
    bool in_list;
    double *list_vals; /* owned: the list being read */
    int32_t list_len;
    int32_t list_cap;
} io_column_reader;

/** want may be NULL (infer). table, column and origin are borrowed until finish/reset. */
void mloda_io_colreader_init(io_column_reader *r, const char *table, const char *column,
                       const io_coltype *want, const char *want_origin);
mloda_status mloda_io_colreader_null(io_column_reader *r, mloda_error *err);
mloda_status mloda_io_colreader_bool(io_column_reader *r, bool v, mloda_error *err);
/** A JSON number as written ("12", "-1.5e3"); known: its value when the JSON reader has
 *  read it already (io_json_event.number), NULL to read text. */
mloda_status mloda_io_colreader_number(io_column_reader *r, const char *text, size_t len,
                                       const io_number *known, mloda_error *err);
/** Numbers of a column typed float64 (finite) or int64, converted already: appended in one
 *  step. */
mloda_status mloda_io_colreader_float64_run(io_column_reader *r, const double *values,
                                            size_t n, mloda_error *err);
mloda_status mloda_io_colreader_int64_run(io_column_reader *r, const int64_t *values, size_t n,
                                          mloda_error *err);
mloda_status mloda_io_colreader_string(io_column_reader *r, const char *text, size_t len,
                                 mloda_error *err);
/** A row that is a list: begin, numbers, end. */
mloda_status mloda_io_colreader_list_begin(io_column_reader *r, mloda_error *err);
mloda_status mloda_io_colreader_list_number(io_column_reader *r, const char *text, size_t len,
                                            const io_number *known, mloda_error *err);
mloda_status mloda_io_colreader_list_end(io_column_reader *r, mloda_error *err);
/** Numbers that come typed (SQLite): the same rules as mloda_io_colreader_number. */
mloda_status mloda_io_colreader_int64(io_column_reader *r, int64_t v, mloda_error *err);
mloda_status mloda_io_colreader_float64(io_column_reader *r, double v, mloda_error *err);
/**
 * A value given as text (a CSV field, a SQLite TEXT value), read as the wanted type: numbers
 * ("NaN", "nan", "NA" and "null" are nulls in numeric columns), true/false/1/0 for bool,
 * ISO 8601 for timestamps, "[a, b]" for lists, the text itself for utf8. Without a wanted
 * type the text is a string.
 */
mloda_status mloda_io_colreader_text(io_column_reader *r, const char *text, size_t len,
                               mloda_error *err);
/**
 * Type inference for columns that arrive as text (CSV): feed a sample of values, then ask
 * for the type. Rules: only integers -> int64; numbers with at least one float -> float64;
 * only true/false (any case) -> bool; only ISO 8601 date-times -> timestamp; anything else
 * -> utf8. Empty values are nulls and NaN/NA/null/none count as nulls next to numbers;
 * only nulls -> float64 (a sample says too little for the null type: later rows may hold
 * numbers). mloda_io_colreader_text then reads every
 * value the sample allowed as that type. Zero-initialise before the first value.
 */
typedef struct io_text_infer {
    unsigned kinds; /* bit set of the kinds of value seen */
} io_text_infer;

void mloda_io_text_infer_add(io_text_infer *t, const char *text, size_t len);
/** A value that only a utf8 column holds (a quoted empty CSV field). */
void mloda_io_text_infer_add_string(io_text_infer *t);
io_coltype mloda_io_text_infer_type(const io_text_infer *t);

/** A text value that is not UTF-8 (its first bad byte at offset bad): MLODA_ERR_PARSE
 *  naming table, column and row. */
mloda_status mloda_io_colreader_bad_text(io_column_reader *r, size_t bad, mloda_error *err);
/** A value the reader cannot take (what = "an object", "null inside a list", ...). */
mloda_status mloda_io_colreader_reject(io_column_reader *r, const char *what, mloda_error *err);
/** Rows read so far. */
int64_t mloda_io_colreader_rows(const io_column_reader *r);
/** The finished column (new reference) or NULL on failure. Resets the reader. */
mloda_status mloda_io_colreader_finish(io_column_reader *r, mloda_column **out, mloda_error *err);
void mloda_io_colreader_reset(io_column_reader *r);

/** Reads a JSON number as written (yajl has checked its syntax). Returns false when the
 *  value is a float beyond double's range (it would be +-inf) or, with nomem set, when
 *  memory ran out. */
bool mloda_io_number_parse(const char *text, size_t len, io_number *out);

#endif /* MLODA_IO_COLUMN_READER_H */
