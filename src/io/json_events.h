/*
 * json_events.h: a streaming JSON parser (yajl underneath) that turns text into events
 * for a handler and knows where it is: line, column and byte offset for every message.
 * Text may be fed in any number of chunks (a 100 MB line never needs to be in memory at
 * once). Internal to src/io.
 */
#ifndef MLODA_IO_JSON_EVENTS_H
#define MLODA_IO_JSON_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mloda/base.h"
#include "util/utf8.h"

typedef enum io_json_kind {
    IO_JSON_NULL,
    IO_JSON_BOOL,
    IO_JSON_NUMBER, /* text holds the number as written */
    IO_JSON_STRING, /* text holds the decoded UTF-8 bytes (validated) */
    IO_JSON_MAP_START,
    IO_JSON_KEY, /* text holds the decoded key */
    IO_JSON_MAP_END,
    IO_JSON_ARRAY_START,
    IO_JSON_ARRAY_END,
} io_json_kind;

typedef struct io_json_parser io_json_parser;

/** A JSON number read both ways. */
typedef struct io_number {
    bool is_int;       /* written without '.', 'e' or 'E' */
    bool int_overflow; /* is_int, but beyond int64: only d is set */
    int64_t i;         /* is_int and !int_overflow */
    double d;          /* always (may be +-inf for a huge float: see mloda_io_number_parse) */
    bool nomem;        /* a very long number could not be copied for strtod */
} io_number;

typedef struct io_json_event {
    io_json_kind kind;
    const char *text; /* NUMBER, STRING, KEY: not NUL-terminated, valid for the call */
    size_t len;
    bool boolean;           /* BOOL */
    io_json_parser *parser; /* for mloda_io_json_parser_where */
    const io_number *number; /* NUMBER: its value when the reader has read it already (NULL:
                                read text with mloda_io_number_parse) */
} io_json_event;

/** Returns MLODA_OK to go on; any other status stops the parse (err filled, without a
 *  position: the parser prefixes "source: line L, column C (byte B): "). */
typedef mloda_status (*io_json_handler)(void *self, const io_json_event *ev, mloda_error *err);

/** Numbers in runs (the fast reader's array path). A handler that takes the numbers of an
 *  array alike (a column typed float64 or int64) offers runs with
 *  mloda_io_json_parser_take_runs while handling the array's IO_JSON_ARRAY_START; until the
 *  array's end the fast reader may then pass numbers it converted itself in runs, in order,
 *  with nothing else in between, instead of one NUMBER event each: to a float run every
 *  such number as a double, to an int run those written as integers (is_int, no overflow).
 *  Other numbers, and all of yajl's, still come as events. A failed run stops the parse like
 *  a failed event. */
typedef struct io_json_runs {
    mloda_status (*floats)(void *self, const double *values, size_t n, mloda_error *err);
    mloda_status (*ints)(void *self, const int64_t *values, size_t n, mloda_error *err);
    void *self;
} io_json_runs;

/* The fast reader (json_fast.c) of a document's common subset: structure, strings without
 * escapes, numbers and literals that end inside the chunk. Text outside that subset, or a
 * token cut by the chunk's end, hands the document over to yajl (after a muted prefix that
 * puts yajl in the same state), which reads the rest and reports every syntax error. */
enum { IO_JSON_FAST_DEPTH = 32 };

typedef struct io_json_fast {
    bool off;       /* yajl reads (handed over, or mloda_io_json_parser_yajl_only) */
    bool many;      /* top-level values one after another */
    uint8_t state;  /* what may come next (json_fast.c) */
    int depth;      /* containers open */
    char stack[IO_JSON_FAST_DEPTH]; /* '{' or '[' of each */
    size_t at;      /* chunk offset just after the token being reported */
} io_json_fast;

struct io_json_parser {
    void *yajl; /* owned yajl_handle */
    io_json_fast fast;
    bool muted;       /* events of the hand-over prefix are not passed on */
    io_json_runs runs; /* numbers of the array at depth run_depth in runs; both NULL: none */
    int run_depth;
    size_t yajl_from; /* chunk offset where yajl's current text starts */
    io_json_handler handler;
    void *self;
    mloda_error *err;        /* borrowed during a feed */
    mloda_status failed;     /* first handler failure */
    const char *source;      /* borrowed name for messages */
    const char *chunk;       /* the chunk being fed (borrowed during a feed) */
    size_t scanned;          /* bytes of chunk already counted for lines */
    int64_t chunk_byte;      /* absolute offset of chunk[0] */
    int64_t line;            /* line of chunk[scanned] */
    int64_t line_start_byte; /* absolute offset of that line's first byte */
    /* the text check (README, "Text"): raw bytes are strict UTF-8, and \u escapes of
     * surrogates come in high-low pairs; state carried across chunks */
    mloda_utf8_state utf8;   /* the character being read */
    uint8_t esc;             /* 0: plain; 1: after a backslash; 2..5: \u hex digit k-2 */
    uint32_t hex;            /* the \u value read so far */
    uint32_t high;           /* a high surrogate waiting for its low half; 0: none */
    int64_t char_at;         /* absolute offset of the escape or character being read */
    int64_t high_at;         /* absolute offset of the high surrogate's escape */
};

/** Prepares a parser; positions start at first_line / first_byte. */
mloda_status mloda_io_json_parser_init(io_json_parser *p, io_json_handler handler, void *self,
                                 const char *source, int64_t first_line, int64_t first_byte,
                                 mloda_error *err);
/** Accepts any number of top-level values one after the other (NDJSON rows read by one
 *  parser); call right after _init. */
void mloda_io_json_parser_allow_many(io_json_parser *p);
/** From a handler, at an array's IO_JSON_ARRAY_START: the array's numbers may come in runs
 *  (io_json_runs: floats or ints set, not both); the offer ends with the array. */
void mloda_io_json_parser_take_runs(io_json_parser *p, const io_json_runs *runs);
/** Reads everything with yajl, without the fast reader (the reference it is tested
 *  against); call right after _init. */
void mloda_io_json_parser_yajl_only(io_json_parser *p);
/** Parses the next chunk of the document. Besides JSON syntax it checks the text: bytes
 *  that are not strict UTF-8 (overlong forms, surrogates, beyond U+10FFFF, stray bytes) and
 *  \u escapes of unpaired surrogates ("\ud800", "\udc00") are MLODA_ERR_PARSE errors with
 *  line, column and byte, never replaced. */
mloda_status mloda_io_json_parser_feed(io_json_parser *p, const char *data, size_t len,
                                 mloda_error *err);
/** Counts n bytes of the input as read without parsing them (a byte-order mark at the
 *  start of a line: positions after it stay right). */
void mloda_io_json_parser_skip(io_json_parser *p, size_t n);
/** true when data[0..len) starts with the UTF-8 byte-order mark EF BB BF. */
bool mloda_io_has_bom(const char *data, size_t len);
/** Ends the document (a truncated one is an error). */
mloda_status mloda_io_json_parser_finish(io_json_parser *p, mloda_error *err);
void mloda_io_json_parser_reset(io_json_parser *p);
/** Where the parser is now (just after the current token): 1-based line and column, and
 *  the absolute byte offset. Call from a handler or after a failure. */
void mloda_io_json_parser_where(io_json_parser *p, int64_t *line, int64_t *column, int64_t *byte);

/* ---- between json_events.c and json_fast.c */

/** Passes an event to the handler (not while muted); 0 when the handler failed (p->failed). */
int mloda_io_json_emit(io_json_parser *p, io_json_kind kind, const char *text, size_t len,
                       bool b, const io_number *number);
/** Passes a run of numbers (double or int64_t, as p->runs takes them) on; 0 when it failed
 *  (p->failed). */
int mloda_io_json_emit_run(io_json_parser *p, const void *values, size_t n);

typedef enum io_json_fast_result {
    IO_JSON_FAST_ALL,    /* the whole text was read */
    IO_JSON_FAST_HAND,   /* yajl must read from *stop on */
    IO_JSON_FAST_FAILED, /* the handler failed (p->failed) */
} io_json_fast_result;

/** Reads data[0..len) with the fast reader while p->fast.off is false. */
io_json_fast_result mloda_io_json_fast_read(io_json_parser *p, const char *data, size_t len,
                                            size_t *stop);
/** Whether the fast reader has read a whole top-level value and nothing else is open. */
bool mloda_io_json_fast_complete(const io_json_fast *f);
/** Writes the text that puts a fresh yajl parser into the fast reader's state (at most
 *  IO_JSON_FAST_PREFIX bytes) and returns its length. */
enum { IO_JSON_FAST_PREFIX = 4 * IO_JSON_FAST_DEPTH + 8 };
size_t mloda_io_json_fast_prefix(const io_json_fast *f, char *out);

/** Prefixes err->message with text (truncating); a no-op without an error. */
void mloda_io_error_prefix(mloda_error *err, const char *text);

#endif /* MLODA_IO_JSON_EVENTS_H */
