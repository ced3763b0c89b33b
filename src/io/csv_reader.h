/*
 * csv_reader.h: CSV records (RFC 4180) from a file descriptor, one at a time: fields
 * separated by commas, optionally quoted with "" for a quote inside, records ending in LF,
 * CRLF or a lone CR as Python's csv module reads them (a quoted field may span lines and
 * keeps its line ends). A bad quote, text that is not UTF-8, or a record beyond the caps
 * is an error naming line and field. Internal to src/io.
 */
#ifndef MLODA_IO_CSV_READER_H
#define MLODA_IO_CSV_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mloda/base.h"
#include "util/buf.h"

typedef struct io_csv_reader {
    int fd;          /* borrowed */
    const char *name; /* borrowed, for messages */
    char *buf;       /* owned read buffer */
    size_t pos, end;
    bool eof;
    int64_t line;     /* line of buf[pos] (1-based) */
    mloda_buf fields; /* the current record's field bytes, back to back */
    size_t *ends;     /* owned: end offset of each field in fields */
    bool *quoted;     /* owned: the field was quoted */
    int64_t n_fields;
    int64_t cap_fields;
    int64_t record_line; /* line where the current record starts */
    bool after_cr;       /* the last record ended with a CR: an LF right after belongs to it */
    size_t field_start;  /* offset in fields where the field being read starts */
    /* caps (0: none), checked as bytes arrive so that memory stays bounded */
    int64_t max_field_bytes;  /* one field */
    int64_t max_record_bytes; /* one record (the header) */
    int64_t max_fields;       /* fields per record */
    const char *record_what;  /* what the record is, for the record cap's message */
    const char *record_limit; /* the cap's name there */
} io_csv_reader;

mloda_status mloda_io_csv_reader_init(io_csv_reader *r, int fd, const char *name, mloda_error *err);
void mloda_io_csv_reader_reset(io_csv_reader *r);
/**
 * Reads the next record; *got is false at the end of the input. After a bad quote (or a
 * cap) the rest of that line is skipped, so the next call reads the following line.
 * Errors: MLODA_ERR_PARSE (bad quote, invalid UTF-8, a field or record beyond its cap, with
 * line and field), MLODA_ERR_SCHEMA (more than max_fields fields), MLODA_ERR_IO.
 */
mloda_status mloda_io_csv_reader_next(io_csv_reader *r, bool *got, mloda_error *err);
/** Field i of the current record (not NUL-terminated) and its length. */
const char *mloda_io_csv_field(const io_csv_reader *r, int64_t i, size_t *len);

#endif /* MLODA_IO_CSV_READER_H */
