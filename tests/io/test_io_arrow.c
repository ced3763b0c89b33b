/*
 * test_io_arrow.c: the Arrow IPC writer and reader (src/io/arrow_ipc.c) on their own: a
 * table of every column type written and read back value for value; and untrusted input:
 * every truncation of a two-stream concatenation, every byte of the metadata overwritten,
 * a buffer past the body, string offsets out of order or past the data, a wrong marker, an
 * Arrow file, a record batch before its schema, the message cap. Each refusal is checked
 * for its code and for naming the source, the message and the column where there is one.
 * (Interop with a third-party implementation: tests/arrow/test_arrow_interop.py.)
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/io.h"
#include "test.h"
#include "util/alloc.h"

typedef struct cursor {
    const char *p;
    size_t n, at;
} cursor;

static mloda_status cursor_read(void *ctx, void *buf, size_t want, size_t *got,
                                mloda_error *err)
{
    (void)err;
    cursor *c = ctx;
    const size_t k = want < c->n - c->at ? want : c->n - c->at;
    if (k > 0)
        memcpy(buf, c->p + c->at, k);
    c->at += k;
    *got = k;
    return MLODA_OK;
}

/* Row 1 null everywhere but in "f" (NaN); "p" a float64_list[2]. */
static mloda_table *sample_table(void)
{
    mloda_error err = MLODA_ERROR_INIT;
    const int64_t ints[] = {-9223372036854775807 - 1, 0, 42};
    const double floats[] = {0.1, NAN, 1e300};
    const bool bools[] = {true, false, false};
    const char *strs[] = {"a,\"b\"\n", NULL, ""};
    const int64_t stamps[] = {0, 0, 1500000};
    const double pts[] = {1.5, -2, 0, 0, 3, 4};
    const uint8_t valid[] = {1, 0, 1};
    mloda_column *cols[7] = {NULL};
    mloda_column_from_int64(3, ints, valid, &cols[0], &err);
    mloda_column_from_float64(3, floats, NULL, &cols[1], &err);
    mloda_column_from_bool(3, bools, valid, &cols[2], &err);
    mloda_column_from_utf8(3, strs, &cols[3], &err);
    mloda_column_from_timestamp(MLODA_TIME_MILLI, 3, stamps, valid, &cols[4], &err);
    mloda_column_from_float64_list(2, 3, pts, valid, &cols[5], &err);
    mloda_column_new_nulls(MLODA_TYPE_NULL, 0, MLODA_TIME_SECOND, 3, &cols[6], &err);
    const char *names[] = {"i", "f", "b", "s", "t", "p", "z"};
    mloda_table *t = NULL;
    mloda_table_new(3, 7, names, (const mloda_column *const *)cols, &t, &err);
    for (int k = 0; k < 7; k++)
        mloda_column_release(cols[k]);
    CHECK_OK(err.code, err);
    return t;
}

/* Reads every record batch of data[0..n): the status of the first failure (or MLODA_OK),
 * the number of batches before it, the error. */
static mloda_status read_all(const char *data, size_t n, int64_t cap, int *batches,
                             mloda_error *err)
{
    cursor c = {data, n, 0};
    io_arrow_reader *r = NULL;
    *batches = 0;
    mloda_status st = mloda_io_arrow_reader_new(cursor_read, &c, "in.arrows", cap, &r, err);
    while (st == MLODA_OK) {
        mloda_table *t = NULL;
        st = mloda_io_arrow_reader_next(r, &t, err);
        if (t == NULL)
            break;
        (*batches)++;
        mloda_table_release(t);
    }
    mloda_io_arrow_reader_free(r);
    return st;
}

static void test_round_trip(void)
{
    mloda_table *t = sample_table();
    mloda_buf b = {0};
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_io_write_arrow_table(&b, t, 5, &err), err);
    CHECK(b.len % 8 == 0);
    CHECK(memcmp(b.data, "\xff\xff\xff\xff", 4) == 0);
    CHECK(memcmp(b.data + b.len - 8, "\xff\xff\xff\xff\0\0\0\0", 8) == 0); /* end of stream */
    cursor c = {b.data, b.len, 0};
    io_arrow_reader *r = NULL;
    mloda_table *back = NULL, *none = NULL;
    CHECK_OK(mloda_io_arrow_reader_new(cursor_read, &c, "x", 0, &r, &err), err);
    CHECK_OK(mloda_io_arrow_reader_next(r, &back, &err), err);
    CHECK(back != NULL);
    CHECK_OK(mloda_io_arrow_reader_next(r, &none, &err), err);
    CHECK(none == NULL);
    CHECK_EQ_INT(mloda_io_arrow_reader_offset(r), (int64_t)b.len);
    mloda_io_arrow_reader_free(r);
    if (back == NULL) {
        mloda_buf_reset(&b);
        mloda_table_release(t);
        return;
    }
    CHECK_EQ_INT(mloda_table_n_rows(back), 3);
    CHECK_EQ_INT(mloda_table_n_columns(back), 7);
    const mloda_column *i = mloda_table_column(back, 0), *f = mloda_table_column(back, 1),
                       *bo = mloda_table_column(back, 2), *s = mloda_table_column(back, 3),
                       *ts = mloda_table_column(back, 4), *p = mloda_table_column(back, 5),
                       *z = mloda_table_column(back, 6);
    CHECK(mloda_column_type(i) == MLODA_TYPE_INT64);
    CHECK_EQ_INT(mloda_column_int64(i)[0], INT64_MIN);
    CHECK_EQ_INT(mloda_column_int64(i)[2], 42);
    CHECK(!mloda_column_is_valid(i, 1) && mloda_column_n_nulls(i) == 1);
    CHECK(mloda_column_float64(f)[0] == 0.1 && isnan(mloda_column_float64(f)[1]) &&
          mloda_column_float64(f)[2] == 1e300);
    CHECK(mloda_column_n_nulls(f) == 0);
    CHECK(mloda_column_type(bo) == MLODA_TYPE_BOOL && mloda_column_n_nulls(bo) == 1);
    CHECK(mloda_bitmap_get(mloda_column_bool_bits(bo), 0) &&
          !mloda_bitmap_get(mloda_column_bool_bits(bo), 2));
    CHECK(mloda_column_type(s) == MLODA_TYPE_UTF8 && mloda_column_n_nulls(s) == 1);
    const int32_t *off = mloda_column_utf8_offsets(s);
    CHECK(off[1] - off[0] == 6 && memcmp(mloda_column_utf8_data(s) + off[0], "a,\"b\"\n", 6) == 0);
    CHECK(off[3] == off[2]); /* "" */
    CHECK(mloda_column_type(ts) == MLODA_TYPE_TIMESTAMP &&
          mloda_column_time_unit(ts) == MLODA_TIME_MILLI && mloda_column_int64(ts)[2] == 1500000);
    CHECK(mloda_column_type(p) == MLODA_TYPE_FLOAT64_LIST && mloda_column_list_size(p) == 2);
    CHECK(mloda_column_float64(p)[4] == 3 && mloda_column_float64(p)[5] == 4 &&
          !mloda_column_is_valid(p, 1));
    CHECK(mloda_column_type(z) == MLODA_TYPE_NULL && mloda_column_n_rows(z) == 3);
    CHECK_STR(mloda_table_column_name(back, 3), "s");
    mloda_table_release(back);
    mloda_buf_reset(&b);
    mloda_table_release(t);
}

/* Two whole streams one after another. */
static void two_streams(mloda_buf *b)
{
    mloda_table *t = sample_table();
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_io_write_arrow_table(b, t, 0, &err), err);
    CHECK_OK(mloda_io_write_arrow_table(b, t, 1, &err), err);
    mloda_table_release(t);
}

/* Every prefix: a clean end only at a message boundary, else a parse error that says the
 * input ends inside a message and names the source; the batches before the cut are read. */
static void test_every_truncation(void)
{
    mloda_buf b = {0};
    two_streams(&b);
    const size_t half = b.len / 2, eos = 8; /* a batch is read before its stream's end */
    int clean = 0;
    for (size_t n = 0; n < b.len; n++) {
        mloda_error err = MLODA_ERROR_INIT;
        int batches = 0;
        const mloda_status st = read_all(b.data, n, 0, &batches, &err);
        if (st == MLODA_OK) {
            clean++;
        } else {
            CHECK_MSG(st == MLODA_ERR_PARSE, "prefix %zu: status %d", n, (int)st);
            CHECK_MSG(strstr(err.message, "in.arrows: Arrow IPC message") != NULL &&
                          strstr(err.message, "truncated") != NULL,
                      "prefix %zu: %s", n, err.message);
        }
        const int want = n >= b.len - eos ? 2 : n >= half - eos ? 1 : 0;
        CHECK_MSG(batches == want, "prefix %zu: %d batches", n, batches);
    }
    /* boundaries: 0, after the schema, the batch, the end marker; the second stream's
     * schema and batch (the whole input is not a prefix) */
    CHECK_EQ_INT(clean, 6);
    mloda_buf_reset(&b);
}

/* Every byte overwritten with 0x00, 0x7F, 0x80 and 0xFF in turn: read or refused with a
 * message, never a crash (the sanitizer builds check the memory). */
static void test_every_byte(void)
{
    mloda_buf b = {0};
    two_streams(&b);
    const size_t n = b.len / 2; /* the first stream: the second is the same bytes */
    char *copy = malloc(n);
    static const unsigned char with[] = {0x00, 0x7F, 0x80, 0xFF};
    int refused = 0;
    for (size_t at = 0; copy != NULL && at < n; at++)
        for (size_t k = 0; k < sizeof with; k++) {
            memcpy(copy, b.data, n);
            copy[at] = (char)with[k];
            mloda_error err = MLODA_ERROR_INIT;
            int batches = 0;
            const mloda_status st = read_all(copy, n, 1 << 20, &batches, &err);
            if (st != MLODA_OK) {
                refused++;
                CHECK_MSG(err.message[0] != '\0' && strstr(err.message, "in.arrows") != NULL,
                          "byte %zu = %#x: '%s'", at, with[k], err.message);
            }
        }
    CHECK(refused > 0);
    free(copy);
    mloda_buf_reset(&b);
}

/* Position of the 16-byte Buffer struct {offset, length} in a written stream. */
static char *find_buffer(mloda_buf *b, int64_t offset, int64_t length)
{
    const int64_t want[2] = {offset, length};
    for (size_t at = 0; at + 16 <= b->len; at += 8)
        if (memcmp(b->data + at, want, 16) == 0)
            return b->data + at;
    return NULL;
}

static mloda_table *one_column(const char *name, mloda_column *col)
{
    mloda_table *t = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_table_new(mloda_column_n_rows(col), 1, &name, (const mloda_column *const *)&col,
                             &t, &err),
             err);
    mloda_column_release(col);
    return t;
}

static void expect_refusal(const mloda_buf *b, mloda_status code, const char *a, const char *c)
{
    mloda_error err = MLODA_ERROR_INIT;
    int batches = 0;
    const mloda_status st = read_all(b->data, b->len, 0, &batches, &err);
    CHECK_MSG(st == code, "status %d, wanted %d: %s", (int)st, (int)code, err.message);
    CHECK_CONTAINS(err.message, a);
    CHECK_CONTAINS(err.message, c);
    CHECK_EQ_INT(batches, 0);
}

static void test_bad_buffers(void)
{
    mloda_error err = MLODA_ERROR_INIT;
    const int64_t v[] = {1, 2, 3};
    mloda_column *col = NULL;
    CHECK_OK(mloda_column_from_int64(3, v, NULL, &col, &err), err);
    mloda_table *t = one_column("amount", col);
    mloda_buf b = {0};
    CHECK_OK(mloda_io_write_arrow_table(&b, t, 0, &err), err);
    /* no validity buffer (offset 0, length 0), the values at 0, 24 bytes */
    char *spec = find_buffer(&b, 0, 24);
    CHECK(spec != NULL);
    if (spec != NULL) {
        const int64_t far = 4096;
        memcpy(spec, &far, 8);
        expect_refusal(&b, MLODA_ERR_PARSE, "column 'amount': the values buffer (offset 4096",
                       "lies outside the body of 24 bytes");
        const int64_t back[2] = {0, 16}; /* shorter than 3 values */
        memcpy(spec, back, 16);
        expect_refusal(&b, MLODA_ERR_PARSE, "the values buffer has 16 bytes, 24 needed",
                       "Arrow IPC message 2");
    }
    mloda_buf_reset(&b);
    mloda_table_release(t);

    const char *strs[] = {"ab", "c", "def"};
    CHECK_OK(mloda_column_from_utf8(3, strs, &col, &err), err);
    t = one_column("word", col);
    CHECK_OK(mloda_io_write_arrow_table(&b, t, 0, &err), err);
    /* the offsets [0, 2, 3, 6] in the body: out of order, then past the data */
    const int32_t offsets[4] = {0, 2, 3, 6};
    char *body = NULL;
    for (size_t at = 0; at + 16 <= b.len; at += 8)
        if (memcmp(b.data + at, offsets, 16) == 0)
            body = b.data + at;
    CHECK(body != NULL);
    if (body != NULL) {
        const int32_t backwards = 1;
        memcpy(body + 8, &backwards, 4);
        expect_refusal(&b, MLODA_ERR_PARSE, "column 'word', row 1",
                       "string offsets go from 2 to 1");
        memcpy(body + 8, &offsets[2], 4);
        const int32_t past = 4000;
        memcpy(body + 12, &past, 4);
        expect_refusal(&b, MLODA_ERR_PARSE, "column 'word': the data buffer",
                       "4000 needed");
    }
    mloda_buf_reset(&b);
    mloda_table_release(t);
}

/* A record batch of Null columns claiming more rows than a message may hold. */
static void test_too_many_rows(void)
{
    mloda_error err = MLODA_ERROR_INIT;
    mloda_column *col = NULL;
    CHECK_OK(mloda_column_new_nulls(MLODA_TYPE_NULL, 0, MLODA_TIME_SECOND, 3, &col, &err), err);
    mloda_table *t = one_column("nothing", col);
    mloda_buf b = {0};
    CHECK_OK(mloda_io_write_arrow_table(&b, t, 0, &err), err);
    uint32_t meta_len = 0;
    memcpy(&meta_len, b.data + 4, 4);
    const size_t batch_at = 8 + meta_len; /* the RecordBatch message */
    char *length = NULL; /* its table's int64 length comes before the node vector */
    const int64_t three = 3;
    for (size_t at = batch_at; length == NULL && at + 8 <= b.len; at += 8)
        if (memcmp(b.data + at, &three, 8) == 0)
            length = b.data + at;
    CHECK(length != NULL);
    if (length != NULL) {
        const int64_t huge = (int64_t)1 << 33;
        memcpy(length, &huge, 8);
        expect_refusal(&b, MLODA_ERR_PARSE, "a record batch of 8589934592 rows",
                       "message cap");
    }
    mloda_buf_reset(&b);
    mloda_table_release(t);
}

static void test_bad_framing(void)
{
    mloda_table *t = sample_table();
    mloda_buf b = {0};
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_io_write_arrow_table(&b, t, 0, &err), err);
    mloda_table_release(t);
    mloda_buf x = {0};
    /* no marker, a length beyond the cap */
    CHECK_OK(mloda_buf_append(&x, "PAR1\x15\0\0\0 not arrow", 19, &err), err);
    expect_refusal(&x, MLODA_ERR_PARSE, "in.arrows: Arrow IPC message 1 (byte 0)",
                   "found 50 41 52 31");
    /* the Arrow file format */
    x.len = 0;
    CHECK_OK(mloda_buf_append(&x, "ARROW1\0\0", 8, &err), err);
    CHECK_OK(mloda_buf_append(&x, b.data, b.len, &err), err);
    expect_refusal(&x, MLODA_ERR_PARSE, "Arrow IPC file format", "stream format");
    /* the record batch without its schema message */
    uint32_t meta_len = 0;
    memcpy(&meta_len, b.data + 4, 4);
    const size_t schema_len = 8 + meta_len;
    x.len = 0;
    CHECK_OK(mloda_buf_append(&x, b.data + schema_len, b.len - schema_len, &err), err);
    expect_refusal(&x, MLODA_ERR_PARSE, "Arrow IPC message 1", "before any schema");
    /* a metadata length over the cap */
    int batches = 0;
    CHECK(read_all(b.data, b.len, 64, &batches, &err) == MLODA_ERR_PARSE);
    CHECK_CONTAINS(err.message, "at most 64");
    /* garbage where the Message flatbuffer should be */
    x.len = 0;
    CHECK_OK(mloda_buf_append(&x, "\xff\xff\xff\xff\x08\0\0\0\xf0\xff\xff\x7f\0\0\0\0", 16, &err),
             err);
    expect_refusal(&x, MLODA_ERR_PARSE, "message 1", "not a Message flatbuffer");
    mloda_buf_reset(&x);
    mloda_buf_reset(&b);
}

/* A body of one stream as one micro-batch, and its refusals. */
static void test_parse_api_data(void)
{
    mloda_table *t = sample_table();
    mloda_buf b = {0};
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_io_write_arrow_table(&b, t, 0, &err), err);
    mloda_api_data *api = NULL;
    CHECK_OK(mloda_io_arrow_parse_api_data(b.data, b.len, NULL, "T", "body", &api, &err), err);
    CHECK(api != NULL && mloda_api_data_n_tables(api) == 1);
    mloda_api_data_free(api);
    CHECK_OK(mloda_io_write_arrow_table(&b, t, 1, &err), err);
    mloda_error e1 = MLODA_ERROR_INIT, e2 = MLODA_ERROR_INIT;
    CHECK(mloda_io_arrow_parse_api_data(b.data, b.len, NULL, "T", "body", &api, &e1) ==
          MLODA_ERR_PARSE);
    CHECK_CONTAINS(e1.message, "more than one record batch");
    CHECK(mloda_io_arrow_parse_api_data("", 0, NULL, "T", "body", &api, &e2) == MLODA_ERR_PARSE);
    CHECK_CONTAINS(e2.message, "no Arrow IPC stream");
    CHECK(api == NULL);
    mloda_buf_reset(&b);
    mloda_table_release(t);
}

/* Allocation failure at every point of writing a table of every type and of reading it
 * back (into api_data, as the command and the server do): MLODA_ERR_NOMEM, nothing written
 * of a failed table, no leak (ASan); without a failure the same bytes and values. */
/* out's bytes followed by the pieces, as one string. */
static void join_pieces(const mloda_buf *out, const io_pieces *p, mloda_buf *joined)
{
    mloda_error err = MLODA_ERROR_INIT;
    joined->len = 0;
    CHECK_OK(mloda_buf_append(joined, out->data != NULL ? out->data : "", out->len, &err), err);
    for (int64_t i = 0; i < p->n; i++)
        CHECK_OK(mloda_buf_append(joined, p->v[i].iov_base, p->v[i].iov_len, &err), err);
}

/* The in-place form (metadata in the buffer, column buffers referenced) is the same stream,
 * after text already in the buffer and for every table shape; an allocation failure leaves
 * buffer and pieces as they were. */
static void test_pieces_form(void)
{
    mloda_table *t = sample_table();
    mloda_error err = MLODA_ERROR_INIT;
    mloda_buf whole = {0}, meta = {0}, joined = {0};
    io_pieces pieces = {0};
    CHECK_OK(mloda_buf_puts(&whole, "before", &err), err);
    CHECK_OK(mloda_buf_puts(&meta, "before", &err), err);
    for (int64_t batch = -1; batch < 2; batch++) {
        CHECK_OK(mloda_io_write_arrow_table(&whole, t, batch, &err), err);
        CHECK_OK(mloda_io_write_arrow_table_pieces(&meta, t, batch, &pieces, &err), err);
    }
    join_pieces(&meta, &pieces, &joined);
    CHECK_EQ_INT(joined.len, whole.len); /* three streams: metadata of all, then bodies */
    /* one at a time they interleave as written: compare a single table */
    whole.len = meta.len = 0;
    pieces.n = 0;
    CHECK_OK(mloda_io_write_arrow_table(&whole, t, 7, &err), err);
    CHECK_OK(mloda_io_write_arrow_table_pieces(&meta, t, 7, &pieces, &err), err);
    join_pieces(&meta, &pieces, &joined);
    CHECK(joined.len == whole.len && memcmp(joined.data, whole.data, whole.len) == 0);
    long n = 0;
    for (bool injected = true; injected && n < 100000; n++) {
        meta.len = 0;
        pieces.n = 0;
        mloda_error e = MLODA_ERROR_INIT;
        mloda_test_fail_alloc_at(n);
        const mloda_status st = mloda_io_write_arrow_table_pieces(&meta, t, 7, &pieces, &e);
        injected = mloda_test_alloc_failed();
        mloda_test_fail_alloc_at(-1);
        TEST_CASE("pieces, allocation %ld", n);
        if (st != MLODA_OK) {
            CHECK_EQ_INT(st, MLODA_ERR_NOMEM);
            CHECK(meta.len == 0 && pieces.n == 0);
        } else {
            join_pieces(&meta, &pieces, &joined);
            CHECK(joined.len == whole.len && memcmp(joined.data, whole.data, whole.len) == 0);
        }
    }
    mloda_io_pieces_reset(&pieces);
    mloda_buf_reset(&whole);
    mloda_buf_reset(&meta);
    mloda_buf_reset(&joined);
    mloda_table_release(t);
}

static void test_alloc_failures(void)
{
    mloda_table *t = sample_table();
    mloda_buf clean = {0};
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_io_write_arrow_table(&clean, t, 3, &err), err);
    long n = 0;
    for (bool injected = true; injected && n < 100000; n++) {
        mloda_buf b = {0};
        mloda_error e = MLODA_ERROR_INIT;
        mloda_test_fail_alloc_at(n);
        const mloda_status st = mloda_io_write_arrow_table(&b, t, 3, &e);
        injected = mloda_test_alloc_failed();
        mloda_test_fail_alloc_at(-1);
        TEST_CASE("write, allocation %ld: %.200s", n, e.message);
        if (st != MLODA_OK) {
            CHECK_EQ_INT(st, MLODA_ERR_NOMEM);
            CHECK_EQ_INT(b.len, 0);
        } else {
            CHECK(b.len == clean.len && memcmp(b.data, clean.data, b.len) == 0);
        }
        mloda_buf_reset(&b);
    }
    CHECK_MSG(n > 5, "only %ld allocations", n);
    n = 0;
    for (bool injected = true; injected && n < 100000; n++) {
        mloda_api_data *api = NULL;
        mloda_error e = MLODA_ERROR_INIT;
        mloda_test_fail_alloc_at(n);
        const mloda_status st =
            mloda_io_arrow_parse_api_data(clean.data, clean.len, NULL, "T", "body", &api, &e);
        injected = mloda_test_alloc_failed();
        mloda_test_fail_alloc_at(-1);
        TEST_CASE("read, allocation %ld: %.200s", n, e.message);
        if (st != MLODA_OK) {
            CHECK_EQ_INT(st, MLODA_ERR_NOMEM);
            CHECK(api == NULL);
        } else {
            const mloda_table *back = mloda_api_data_table(api, 0);
            CHECK(back != NULL && mloda_table_n_rows(back) == 3 && mloda_table_n_columns(back) == 7);
        }
        mloda_api_data_free(api);
    }
    CHECK_MSG(n > 5, "only %ld allocations", n);
    mloda_buf_reset(&clean);
    mloda_table_release(t);
}

int main(void)
{
    RUN(test_round_trip);
    RUN(test_every_truncation);
    RUN(test_every_byte);
    RUN(test_bad_buffers);
    RUN(test_too_many_rows);
    RUN(test_bad_framing);
    RUN(test_parse_api_data);
    RUN(test_alloc_failures);
    RUN(test_pieces_form);
    return TEST_SUMMARY();
}
