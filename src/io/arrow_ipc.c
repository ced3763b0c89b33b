/*
 * arrow_ipc.c: Arrow IPC streams out and in (see arrow_ipc.h), written against the Arrow
 * columnar format specification: Message.fbs / Schema.fbs laid out as flatbuffers by hand.
 *
 * Flatbuffers, as far as used here: a buffer starts with a uint32 offset to the root table;
 * a table starts with an int32 soffset (table position minus its vtable's position); a
 * vtable is uint16 [vtable bytes, table bytes, one field offset per field id (0: absent)];
 * references (uint32) point forward from where they are stored to strings (uint32 length,
 * bytes, NUL), vectors (uint32 count, elements) and tables; a union is a ubyte type field
 * followed by a reference field. The writer lays objects out front to back (vtable just
 * before its table, children after their parent, references patched once placed). The
 * reader trusts nothing: every position it follows is checked against the buffer first
 * (fb_* helpers below), counts against what is left, and the body's buffers against the
 * body and against what each column needs.
 *
 * Encapsulation: 0xFFFFFFFF, int32 metadata length (padded so that the body starts at a
 * multiple of 8), the Message flatbuffer, the body (buffers each padded to 8 bytes). The
 * pre-0.15 form without 0xFFFFFFFF is read too. 0xFFFFFFFF 0x00000000 ends a stream.
 */
#include "io/arrow_ipc.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "io/source.h"
#include "util/double_text.h"
#include "util/utf8.h"
#include "util/util.h"

/* Message.fbs / Schema.fbs constants */
enum {
    MSG_SCHEMA = 1,
    MSG_DICTIONARY = 2,
    MSG_RECORD_BATCH = 3,
    METADATA_V4 = 3,
    METADATA_V5 = 4,
    T_NULL = 1,
    T_INT = 2,
    T_FLOAT = 3,
    T_UTF8 = 5,
    T_BOOL = 6,
    T_TIMESTAMP = 10,
    T_FIXED_SIZE_LIST = 16,
    T_LARGE_UTF8 = 20,
    PRECISION_SINGLE = 1,
    PRECISION_DOUBLE = 2,
};

static const char *const TYPE_NAMES[] = {
    "NONE",   "Null",  "Int",       "FloatingPoint", "Binary",          "Utf8",
    "Bool",   "Decimal", "Date",    "Time",          "Timestamp",       "Interval",
    "List",   "Struct", "Union",    "FixedSizeBinary", "FixedSizeList", "Map",
    "Duration", "LargeBinary", "LargeUtf8", "LargeList", "RunEndEncoded", "BinaryView",
    "Utf8View", "ListView", "LargeListView"};

static const char *arrow_type_name(int t)
{
    return t >= 0 && t < (int)(sizeof TYPE_NAMES / sizeof TYPE_NAMES[0]) ? TYPE_NAMES[t]
                                                                          : "unknown";
}

/* ================================================================ writing */

typedef struct fb_writer {
    mloda_buf b;
    mloda_status st;
    mloda_error *err;
} fb_writer;

static void fb_put(fb_writer *w, const void *p, size_t n)
{
    if (w->st == MLODA_OK)
        w->st = mloda_buf_append(&w->b, p, n, w->err);
}

/* Pads with zeros until (length + plus) is a multiple of align. */
static void fb_pad_to(fb_writer *w, size_t align, size_t plus)
{
    static const char zeros[8] = {0};
    const size_t r = (w->b.len + plus) % align; /* align: 2, 4 or 8 */
    if (r != 0)
        fb_put(w, zeros, align - r);
}

static void fb_u32_at(fb_writer *w, size_t at, uint32_t v)
{
    if (w->st == MLODA_OK)
        memcpy(w->b.data + at, &v, 4);
}

/* Points the reference stored at `at` to the object at `target` (> at). */
static void fb_link(fb_writer *w, size_t at, size_t target)
{
    fb_u32_at(w, at, (uint32_t)(target - at));
}

typedef struct fb_field {
    uint8_t size;   /* 0: absent; 1, 2, 4 or 8 */
    bool is_ref;    /* a reference (size 4) to patch with fb_link */
    uint64_t value; /* little-endian scalar */
    size_t at;      /* out: where the field was placed */
} fb_field;

/* A table with fields f[0..n) (index = field id): vtable, then the table at a position
 * that keeps 8-byte fields aligned, fields largest first. Returns the table's position. */
static size_t fb_table(fb_writer *w, fb_field *f, int n)
{
    uint16_t vt[2 + 16] = {0};
    uint16_t off = 4;
    for (int size = 8; size >= 1; size /= 2)
        for (int i = 0; i < n; i++)
            if (f[i].size == size) {
                vt[2 + i] = off;
                off = (uint16_t)(off + size);
            }
    vt[0] = (uint16_t)(4 + 2 * n);
    vt[1] = off;
    fb_pad_to(w, 2, 0);
    const size_t vt_at = w->b.len;
    fb_put(w, vt, vt[0]);
    fb_pad_to(w, 8, 4); /* the table's first field (after its soffset) 8-byte aligned */
    const size_t t_at = w->b.len;
    const int32_t soff = (int32_t)(t_at - vt_at);
    fb_put(w, &soff, 4);
    for (int size = 8; size >= 1; size /= 2)
        for (int i = 0; i < n; i++)
            if (f[i].size == size) {
                f[i].at = w->b.len;
                fb_put(w, &f[i].value, (size_t)size); /* little-endian host */
            }
    fb_pad_to(w, 4, 0);
    return t_at;
}

static size_t fb_string(fb_writer *w, const char *s)
{
    fb_pad_to(w, 4, 0);
    const size_t at = w->b.len;
    const uint32_t n = (uint32_t)strlen(s);
    fb_put(w, &n, 4);
    fb_put(w, s, n);
    fb_put(w, "", 1);
    return at;
}

/* A vector of n elements of `size` bytes aligned to `align`, left zero; returns the
 * vector's position (its count). The elements start 4 bytes after it. */
static size_t fb_vector(fb_writer *w, uint32_t n, size_t size, size_t align)
{
    fb_pad_to(w, align, 4);
    const size_t at = w->b.len;
    fb_put(w, &n, 4);
    if (w->st == MLODA_OK && n > 0) {
        w->st = mloda_buf_reserve(&w->b, (size_t)n * size, w->err);
        if (w->st == MLODA_OK) {
            memset(w->b.data + w->b.len, 0, (size_t)n * size);
            w->b.len += (size_t)n * size;
            w->b.data[w->b.len] = '\0';
        }
    }
    return at;
}

/* One Arrow field of a column: name, nullable, the type union, children (always present:
 * some readers refuse a missing vector). Returns the Field table's position. */
static size_t put_field(fb_writer *w, const char *name, const mloda_column *col,
                        bool list_child);

static size_t put_type(fb_writer *w, const mloda_column *col, bool list_child, uint8_t *type)
{
    fb_field f[2] = {{0}};
    if (list_child) {
        *type = T_FLOAT;
        f[0] = (fb_field){2, false, PRECISION_DOUBLE, 0};
        return fb_table(w, f, 1);
    }
    switch (mloda_column_type(col)) {
    case MLODA_TYPE_INT64:
        *type = T_INT;
        f[0] = (fb_field){4, false, 64, 0};
        f[1] = (fb_field){1, false, 1, 0};
        return fb_table(w, f, 2);
    case MLODA_TYPE_FLOAT64:
        *type = T_FLOAT;
        f[0] = (fb_field){2, false, PRECISION_DOUBLE, 0};
        return fb_table(w, f, 1);
    case MLODA_TYPE_BOOL:
        *type = T_BOOL;
        return fb_table(w, f, 0);
    case MLODA_TYPE_UTF8:
        *type = T_UTF8;
        return fb_table(w, f, 0);
    case MLODA_TYPE_TIMESTAMP:
        *type = T_TIMESTAMP;
        f[0] = (fb_field){2, false, (uint64_t)mloda_column_time_unit(col), 0};
        return fb_table(w, f, 1);
    case MLODA_TYPE_FLOAT64_LIST:
        *type = T_FIXED_SIZE_LIST;
        f[0] = (fb_field){4, false, (uint32_t)mloda_column_list_size(col), 0};
        return fb_table(w, f, 1);
    default:
        *type = T_NULL;
        return fb_table(w, f, 0);
    }
}

static size_t put_field(fb_writer *w, const char *name, const mloda_column *col,
                        bool list_child)
{
    fb_field f[6] = {{0}};
    f[0] = (fb_field){4, true, 0, 0};             /* name */
    f[1] = (fb_field){1, false, 1, 0};            /* nullable */
    f[2] = (fb_field){1, false, 0, 0};            /* type_type, set below */
    f[3] = (fb_field){4, true, 0, 0};             /* type */
    f[5] = (fb_field){4, true, 0, 0};             /* children */
    const bool is_list = !list_child && mloda_column_type(col) == MLODA_TYPE_FLOAT64_LIST;
    /* the type tag must be known before the table is written: work it out first */
    uint8_t tag = T_NULL;
    if (list_child)
        tag = T_FLOAT;
    else
        switch (mloda_column_type(col)) {
        case MLODA_TYPE_INT64: tag = T_INT; break;
        case MLODA_TYPE_FLOAT64: tag = T_FLOAT; break;
        case MLODA_TYPE_BOOL: tag = T_BOOL; break;
        case MLODA_TYPE_UTF8: tag = T_UTF8; break;
        case MLODA_TYPE_TIMESTAMP: tag = T_TIMESTAMP; break;
        case MLODA_TYPE_FLOAT64_LIST: tag = T_FIXED_SIZE_LIST; break;
        default: tag = T_NULL; break;
        }
    f[2].value = tag;
    const size_t t = fb_table(w, f, 6);
    fb_link(w, f[0].at, fb_string(w, name));
    uint8_t same_tag = 0;
    fb_link(w, f[3].at, put_type(w, col, list_child, &same_tag));
    const size_t children = fb_vector(w, is_list ? 1 : 0, 4, 4);
    fb_link(w, f[5].at, children);
    if (is_list)
        fb_link(w, children + 4, put_field(w, "item", col, true));
    return t;
}

/* The Message table with its header's tag; returns the position of the header reference
 * to link. The buffer starts with the root reference. */
static size_t put_message(fb_writer *w, uint8_t header_type, int64_t body_len)
{
    const uint32_t root = 0;
    fb_put(w, &root, 4);
    fb_field f[4] = {{0}};
    f[0] = (fb_field){2, false, METADATA_V5, 0};
    f[1] = (fb_field){1, false, header_type, 0};
    f[2] = (fb_field){4, true, 0, 0};
    f[3] = (fb_field){8, false, (uint64_t)body_len, 0};
    const size_t t = fb_table(w, f, 4);
    fb_link(w, 0, t);
    return f[2].at;
}

static void put_schema(fb_writer *w, const mloda_table *t, int64_t batch)
{
    const size_t header = put_message(w, MSG_SCHEMA, 0);
    fb_field f[3] = {{0}};
    f[1] = (fb_field){4, true, 0, 0}; /* fields */
    f[2] = (fb_field){4, true, 0, 0}; /* custom_metadata */
    fb_link(w, header, fb_table(w, f, 3));
    const int64_t n = mloda_table_n_columns(t);
    const size_t fields = fb_vector(w, (uint32_t)n, 4, 4);
    fb_link(w, f[1].at, fields);
    const int n_meta = batch >= 0 ? 2 : 1;
    const size_t meta = fb_vector(w, (uint32_t)n_meta, 4, 4);
    fb_link(w, f[2].at, meta);
    for (int64_t k = 0; k < n; k++)
        fb_link(w, fields + 4 + 4 * (size_t)k,
                put_field(w, mloda_table_column_name(t, k), mloda_table_column(t, k), false));
    char num[24];
    const char *keys[2] = {"mloda.group", "mloda.batch"};
    const char *vals[2] = {mloda_table_group_name(t), num};
    *mloda_int64_write(batch, num) = '\0';
    for (int m = 0; m < n_meta; m++) {
        fb_field kv[2] = {{4, true, 0, 0}, {4, true, 0, 0}};
        fb_link(w, meta + 4 + 4 * (size_t)m, fb_table(w, kv, 2));
        fb_link(w, kv[0].at, fb_string(w, keys[m]));
        fb_link(w, kv[1].at, fb_string(w, vals[m] != NULL ? vals[m] : ""));
    }
}

/* The body's buffers of one table, in the order the spec lays them out. */
typedef struct body_buf {
    const void *data; /* NULL: an absent buffer (length 0) */
    size_t len;
} body_buf;

typedef struct body_plan {
    body_buf *bufs;
    int64_t n_bufs, cap_bufs;
    int64_t (*nodes)[2];
    int64_t n_nodes, cap_nodes;
} body_plan;

static mloda_status plan_grow(void **p, int64_t *cap, int64_t need, size_t size,
                              mloda_error *err)
{
    if (need <= *cap)
        return MLODA_OK;
    int64_t c = *cap > 0 ? *cap * 2 : 16;
    while (c < need)
        c *= 2;
    void *q = mloda_realloc(*p, (size_t)c * size);
    if (q == NULL)
        return MLODA_NOMEM(err, "an Arrow record batch");
    *p = q;
    *cap = c;
    return MLODA_OK;
}

static mloda_status plan_buf(body_plan *pl, const void *data, size_t len, mloda_error *err)
{
    MLODA_TRY(plan_grow((void **)&pl->bufs, &pl->cap_bufs, pl->n_bufs + 1, sizeof *pl->bufs,
                        err));
    pl->bufs[pl->n_bufs++] = (body_buf){len > 0 ? data : NULL, data != NULL ? len : 0};
    return MLODA_OK;
}

static mloda_status plan_node(body_plan *pl, int64_t length, int64_t nulls, mloda_error *err)
{
    MLODA_TRY(plan_grow((void **)&pl->nodes, &pl->cap_nodes, pl->n_nodes + 1,
                        sizeof *pl->nodes, err));
    pl->nodes[pl->n_nodes][0] = length;
    pl->nodes[pl->n_nodes][1] = nulls;
    pl->n_nodes++;
    return MLODA_OK;
}

static mloda_status plan_column(body_plan *pl, const mloda_column *col, mloda_error *err)
{
    const int64_t n = mloda_column_n_rows(col), nulls = mloda_column_n_nulls(col);
    const mloda_type type = mloda_column_type(col);
    MLODA_TRY(plan_node(pl, n, nulls, err));
    if (type == MLODA_TYPE_NULL)
        return MLODA_OK; /* the Null layout has no buffers */
    const uint8_t *valid = mloda_column_validity(col);
    MLODA_TRY(plan_buf(pl, valid, valid != NULL ? (size_t)mloda_bitmap_n_bytes(n) : 0, err));
    switch (type) {
    case MLODA_TYPE_INT64:
    case MLODA_TYPE_TIMESTAMP:
        return plan_buf(pl, mloda_column_int64(col), (size_t)n * 8, err);
    case MLODA_TYPE_FLOAT64:
        return plan_buf(pl, mloda_column_float64(col), (size_t)n * 8, err);
    case MLODA_TYPE_BOOL:
        return plan_buf(pl, mloda_column_bool_bits(col), (size_t)mloda_bitmap_n_bytes(n), err);
    case MLODA_TYPE_UTF8: {
        const int32_t *offsets = mloda_column_utf8_offsets(col);
        MLODA_TRY(plan_buf(pl, offsets, (size_t)(n + 1) * 4, err));
        return plan_buf(pl, mloda_column_utf8_data(col), (size_t)offsets[n], err);
    }
    case MLODA_TYPE_FLOAT64_LIST: {
        const int64_t m = n * mloda_column_list_size(col);
        MLODA_TRY(plan_node(pl, m, 0, err));
        MLODA_TRY(plan_buf(pl, NULL, 0, err));
        return plan_buf(pl, mloda_column_float64(col), (size_t)m * 8, err);
    }
    default:
        return mloda_error_set(err, MLODA_ERR_TYPE, NULL, "a column of an unknown type");
    }
}

static size_t pad8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

/* Appends an encapsulated message: marker, length, flatbuffer padded to 8. */
static mloda_status put_encapsulated(mloda_buf *out, const fb_writer *w, mloda_error *err)
{
    const size_t meta = pad8(w->b.len);
    if (meta > INT32_MAX)
        return mloda_error_set(err, MLODA_ERR_RANGE, NULL, "Arrow metadata over 2 GiB");
    const uint32_t head[2] = {0xFFFFFFFFu, (uint32_t)meta};
    MLODA_TRY(mloda_buf_append(out, (const char *)head, 8, err));
    MLODA_TRY(mloda_buf_append(out, w->b.data, w->b.len, err));
    static const char zeros[8] = {0};
    return mloda_buf_append(out, zeros, meta - w->b.len, err);
}

/* Appends the Schema message and the RecordBatch message's metadata of t; pl gets the body's
 * buffers and *body their padded size. */
static mloda_status put_messages(mloda_buf *out, const mloda_table *t, int64_t batch,
                                 body_plan *pl, size_t *body, mloda_error *err)
{
    fb_writer w = {{0}, MLODA_OK, err};
    put_schema(&w, t, batch);
    mloda_status st = w.st;
    if (st == MLODA_OK)
        st = put_encapsulated(out, &w, err);
    const int64_t n_cols = mloda_table_n_columns(t);
    for (int64_t k = 0; st == MLODA_OK && k < n_cols; k++)
        st = plan_column(pl, mloda_table_column(t, k), err);
    *body = 0;
    for (int64_t i = 0; st == MLODA_OK && i < pl->n_bufs; i++)
        *body += pad8(pl->bufs[i].len);
    if (st == MLODA_OK) { /* the RecordBatch message */
        w.b.len = 0;
        const size_t header = put_message(&w, MSG_RECORD_BATCH, (int64_t)*body);
        fb_field f[3] = {{8, false, (uint64_t)mloda_table_n_rows(t), 0},
                         {4, true, 0, 0},
                         {4, true, 0, 0}};
        fb_link(&w, header, fb_table(&w, f, 3));
        const size_t nodes = fb_vector(&w, (uint32_t)pl->n_nodes, 16, 8);
        fb_link(&w, f[1].at, nodes);
        const size_t bufs = fb_vector(&w, (uint32_t)pl->n_bufs, 16, 8);
        fb_link(&w, f[2].at, bufs);
        if (w.st == MLODA_OK) {
            if (pl->n_nodes > 0) /* a table without columns has none */
                memcpy(w.b.data + nodes + 4, pl->nodes, (size_t)pl->n_nodes * 16);
            int64_t pos = 0;
            for (int64_t i = 0; i < pl->n_bufs; i++) {
                const int64_t spec[2] = {pos, (int64_t)pl->bufs[i].len};
                memcpy(w.b.data + bufs + 4 + 16 * (size_t)i, spec, 16);
                pos += (int64_t)pad8(pl->bufs[i].len);
            }
        }
        st = w.st;
    }
    if (st == MLODA_OK)
        st = put_encapsulated(out, &w, err);
    mloda_buf_reset(&w.b);
    return st;
}

static const char zero_pad[8];
static const uint32_t end_of_stream[2] = {0xFFFFFFFFu, 0};

/* Drops what a failed table put into out, and the plan. */
static mloda_status table_done(mloda_buf *out, size_t start, body_plan *pl, mloda_status st)
{
    if (st != MLODA_OK) { /* nothing of a failed table */
        out->len = start;
        if (out->data != NULL)
            out->data[start] = '\0';
    }
    mloda_free(pl->bufs);
    mloda_free(pl->nodes);
    return st;
}

mloda_status mloda_io_write_arrow_table(mloda_buf *out, const mloda_table *t, int64_t batch,
                                        mloda_error *err)
{
    body_plan pl = {0};
    const size_t start = out->len;
    size_t body = 0;
    mloda_status st = put_messages(out, t, batch, &pl, &body, err);
    if (st == MLODA_OK)
        st = mloda_buf_reserve(out, body + 8, err);
    if (st == MLODA_OK) { /* the body, then the end-of-stream marker */
        char *p = out->data + out->len;
        for (int64_t i = 0; i < pl.n_bufs; i++) {
            const size_t len = pl.bufs[i].len, padded = pad8(len);
            if (len > 0)
                memcpy(p, pl.bufs[i].data, len);
            memcpy(p + len, zero_pad, padded - len);
            p += padded;
        }
        memcpy(p, end_of_stream, 8);
        out->len += body + 8;
        out->data[out->len] = '\0';
    }
    return table_done(out, start, &pl, st);
}

static mloda_status put_piece(io_pieces *p, const void *data, size_t len, mloda_error *err)
{
    if (len == 0)
        return MLODA_OK;
    MLODA_TRY(plan_grow((void **)&p->v, &p->cap, p->n + 1, sizeof *p->v, err));
    p->v[p->n++] = (struct iovec){(void *)(uintptr_t)data, len};
    return MLODA_OK;
}

mloda_status mloda_io_write_arrow_table_pieces(mloda_buf *out, const mloda_table *t,
                                               int64_t batch, io_pieces *pieces,
                                               mloda_error *err)
{
    body_plan pl = {0};
    const size_t start = out->len;
    const int64_t first_piece = pieces->n;
    size_t body = 0;
    mloda_status st = put_messages(out, t, batch, &pl, &body, err);
    for (int64_t i = 0; st == MLODA_OK && i < pl.n_bufs; i++) {
        const size_t len = pl.bufs[i].len;
        st = put_piece(pieces, pl.bufs[i].data, len, err);
        if (st == MLODA_OK)
            st = put_piece(pieces, zero_pad, pad8(len) - len, err);
    }
    if (st == MLODA_OK)
        st = put_piece(pieces, end_of_stream, sizeof end_of_stream, err);
    if (st != MLODA_OK)
        pieces->n = first_piece;
    return table_done(out, start, &pl, st);
}

void mloda_io_pieces_reset(io_pieces *p)
{
    mloda_free(p->v);
    memset(p, 0, sizeof *p);
}

/* ================================================================ reading */

/* A flatbuffer under inspection: positions are offsets into p[0..n). */
typedef struct fb_reader {
    const uint8_t *p;
    size_t n;
} fb_reader;

static uint32_t rd_u32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static int64_t rd_i64(const uint8_t *p)
{
    int64_t v;
    memcpy(&v, p, 8);
    return v;
}

static uint16_t rd_u16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

/* A checked table: its position and its vtable's. */
typedef struct fb_table_ref {
    size_t at, vt;
    uint16_t vt_len, t_len;
} fb_table_ref;

static bool fb_table_at(const fb_reader *r, size_t at, fb_table_ref *out)
{
    if (at > r->n || r->n - at < 4)
        return false;
    int32_t soff;
    memcpy(&soff, r->p + at, 4);
    const int64_t vt = (int64_t)at - (int64_t)soff;
    if (vt < 0 || (uint64_t)vt > r->n || r->n - (size_t)vt < 4)
        return false;
    const uint16_t vt_len = rd_u16(r->p + vt), t_len = rd_u16(r->p + vt + 2);
    if (vt_len < 4 || (vt_len & 1) != 0 || (size_t)vt + vt_len > r->n || t_len < 4 ||
        at + t_len > r->n)
        return false;
    *out = (fb_table_ref){at, (size_t)vt, vt_len, t_len};
    return true;
}

/* Position of field `id` of size `size`, or 0 when absent; false when it does not fit. */
static bool fb_field_at(const fb_table_ref *t, const fb_reader *r, int id, size_t size,
                        size_t *out)
{
    *out = 0;
    const size_t slot = 4 + 2 * (size_t)id;
    if (slot + 2 > t->vt_len)
        return true;
    const uint16_t off = rd_u16(r->p + t->vt + slot);
    if (off == 0)
        return true;
    if ((size_t)off + size > t->t_len)
        return false;
    *out = t->at + off;
    return true;
}

/* Scalar field with a default. */
static bool fb_scalar(const fb_table_ref *t, const fb_reader *r, int id, size_t size,
                      int64_t def, int64_t *out)
{
    size_t at;
    if (!fb_field_at(t, r, id, size, &at))
        return false;
    if (at == 0) {
        *out = def;
        return true;
    }
    switch (size) {
    case 1:
        *out = (int8_t)r->p[at];
        break;
    case 2: {
        int16_t v;
        memcpy(&v, r->p + at, 2);
        *out = v;
        break;
    }
    case 4: {
        int32_t v;
        memcpy(&v, r->p + at, 4);
        *out = v;
        break;
    }
    default:
        *out = rd_i64(r->p + at);
    }
    return true;
}

/* Follows the reference field `id`: *out the target's position (0 when absent). */
static bool fb_ref(const fb_table_ref *t, const fb_reader *r, int id, size_t *out)
{
    size_t at;
    *out = 0;
    if (!fb_field_at(t, r, id, 4, &at))
        return false;
    if (at == 0)
        return true;
    const uint64_t target = (uint64_t)at + rd_u32(r->p + at);
    if (target >= r->n)
        return false;
    *out = (size_t)target;
    return true;
}

/* A vector at `at` of elements of `size` bytes: *count and the first element's position. */
static bool fb_vector_at(const fb_reader *r, size_t at, size_t size, uint32_t *count,
                         size_t *first)
{
    if (at > r->n || r->n - at < 4)
        return false;
    const uint32_t c = rd_u32(r->p + at);
    if ((uint64_t)c * size > r->n - at - 4)
        return false;
    *count = c;
    *first = at + 4;
    return true;
}

/* Element i of a vector of references: the referenced position. */
static bool fb_vector_ref(const fb_reader *r, size_t first, uint32_t i, size_t *out)
{
    const size_t at = first + 4 * (size_t)i;
    const uint64_t target = (uint64_t)at + rd_u32(r->p + at);
    if (target >= r->n)
        return false;
    *out = (size_t)target;
    return true;
}

static bool fb_string_at(const fb_reader *r, size_t at, const char **s, uint32_t *len)
{
    size_t first;
    if (!fb_vector_at(r, at, 1, len, &first))
        return false;
    *s = (const char *)r->p + first;
    return true;
}

/* What one column of the stream's schema is. */
typedef struct arrow_field {
    char *name;       /* owned */
    int arrow_type;   /* T_* */
    mloda_type type;  /* what it becomes */
    int bit_width;    /* Int: 8..64; FloatingPoint: 32 or 64 */
    bool is_signed;
    mloda_time_unit unit;
    int32_t list_size;
} arrow_field;

struct io_arrow_reader {
    io_read_fn read;
    void *ctx;
    char source[256];
    int64_t max_message;
    int64_t offset;     /* bytes consumed */
    int64_t n_messages; /* messages read */
    arrow_field *fields;
    int64_t n_fields;
    bool have_schema;
    bool done;          /* the end, or an error */
    uint8_t *meta;      /* owned scratch: the current message's flatbuffer */
    size_t meta_cap;
    uint8_t *body;      /* owned scratch: its body */
    size_t body_cap;
};

static void free_fields(io_arrow_reader *r)
{
    for (int64_t i = 0; i < r->n_fields; i++)
        mloda_free(r->fields[i].name);
    mloda_free(r->fields);
    r->fields = NULL;
    r->n_fields = 0;
    r->have_schema = false;
}

mloda_status mloda_io_arrow_reader_new(io_read_fn read, void *ctx, const char *source,
                                       int64_t max_message_bytes, io_arrow_reader **out,
                                       mloda_error *err)
{
    *out = NULL;
    io_arrow_reader *r = mloda_calloc(1, sizeof *r);
    if (r == NULL)
        return MLODA_NOMEM(err, "an Arrow reader");
    r->read = read;
    r->ctx = ctx;
    (void)snprintf(r->source, sizeof r->source, "%s", source != NULL ? source : "input");
    r->max_message = mloda_io_cap(max_message_bytes, MLODA_IO_DEFAULT_MAX_LINE_BYTES);
    *out = r;
    return MLODA_OK;
}

void mloda_io_arrow_reader_free(io_arrow_reader *r)
{
    if (r == NULL)
        return;
    free_fields(r);
    mloda_free(r->meta);
    mloda_free(r->body);
    mloda_free(r);
}

int64_t mloda_io_arrow_reader_offset(const io_arrow_reader *r)
{
    return r->offset;
}

/* An error about the current message. */
static mloda_status bad(io_arrow_reader *r, mloda_status code, mloda_error *err,
                        const char *subject, const char *fmt, ...) MLODA_PRINTF(5, 6);

static mloda_status bad(io_arrow_reader *r, mloda_status code, mloda_error *err,
                        const char *subject, const char *fmt, ...)
{
    char why[400];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    r->done = true;
    return mloda_error_set_at(err, code, subject, r->offset,
                              "%s: Arrow IPC message %lld (byte %lld): %s", r->source,
                              (long long)r->n_messages + 1, (long long)r->offset, why);
}

/* Reads exactly n bytes; *eof when the input ended before the first byte (only allowed
 * when at_boundary). */
static mloda_status read_exact(io_arrow_reader *r, void *buf, size_t n, bool at_boundary,
                               bool *eof, mloda_error *err)
{
    size_t got = 0;
    if (eof != NULL)
        *eof = false;
    MLODA_TRY(r->read(r->ctx, buf, n, &got, err));
    if (got == n)
        return MLODA_OK;
    if (got == 0 && at_boundary && eof != NULL) {
        *eof = true;
        return MLODA_OK;
    }
    return bad(r, MLODA_ERR_PARSE, err, NULL,
               "the input ends inside a message (%zu of %zu bytes; truncated?)", got, n);
}

static mloda_status scratch(uint8_t **p, size_t *cap, size_t need, mloda_error *err)
{
    if (need <= *cap)
        return MLODA_OK;
    size_t c = *cap > 0 ? *cap : 4096;
    while (c < need)
        c = c > SIZE_MAX / 2 ? need : c * 2;
    uint8_t *q = mloda_realloc(*p, c);
    if (q == NULL)
        return MLODA_NOMEM(err, "an Arrow message");
    *p = q;
    *cap = c;
    return MLODA_OK;
}

/* ---------------------------------------------------------------- schema */

static mloda_status field_error(io_arrow_reader *r, mloda_error *err, const char *name,
                                const char *what)
{
    return bad(r, MLODA_ERR_PARSE, err, name, "field '%s': %s", name, what);
}

/* The type of field table `ft` into *f (its name already set). */
static mloda_status read_field_type(io_arrow_reader *r, const fb_reader *fb,
                                    const fb_table_ref *ft, arrow_field *f, mloda_error *err)
{
    int64_t tag = 0;
    size_t type_at = 0, dict_at = 0, children_at = 0;
    if (!fb_scalar(ft, fb, 2, 1, 0, &tag) || !fb_ref(ft, fb, 3, &type_at) ||
        !fb_ref(ft, fb, 4, &dict_at) || !fb_ref(ft, fb, 5, &children_at))
        return field_error(r, err, f->name, "a malformed Field table");
    tag &= 0xFF;
    f->arrow_type = (int)tag;
    if (dict_at != 0)
        return bad(r, MLODA_ERR_TYPE, err, f->name,
                   "column '%s' is dictionary-encoded; dictionaries are not supported "
                   "(decode it before sending)", f->name);
    fb_table_ref tt;
    if (tag != T_NULL && tag != T_UTF8 && tag != T_BOOL && tag != T_LARGE_UTF8 &&
        (type_at == 0 || !fb_table_at(fb, type_at, &tt)))
        return field_error(r, err, f->name, "its type table is missing or malformed");
    int64_t a = 0, b = 0;
    switch (tag) {
    case T_NULL:
        f->type = MLODA_TYPE_NULL;
        break;
    case T_INT:
        if (!fb_scalar(&tt, fb, 0, 4, 0, &a) || !fb_scalar(&tt, fb, 1, 1, 0, &b))
            return field_error(r, err, f->name, "a malformed Int type");
        f->bit_width = (int)a;
        f->is_signed = b != 0;
        if ((a != 8 && a != 16 && a != 32 && a != 64) || (a == 64 && !f->is_signed))
            return bad(r, MLODA_ERR_TYPE, err, f->name,
                       "column '%s' is Int(%lld, %s); supported: signed 8 to 64 bits, "
                       "unsigned 8 to 32 bits (read as int64)",
                       f->name, (long long)a, f->is_signed ? "signed" : "unsigned");
        f->type = MLODA_TYPE_INT64;
        break;
    case T_FLOAT:
        if (!fb_scalar(&tt, fb, 0, 2, 0, &a))
            return field_error(r, err, f->name, "a malformed FloatingPoint type");
        if (a != PRECISION_DOUBLE && a != PRECISION_SINGLE)
            return bad(r, MLODA_ERR_TYPE, err, f->name,
                       "column '%s' is a half-precision float; supported: single and double",
                       f->name);
        f->bit_width = a == PRECISION_DOUBLE ? 64 : 32;
        f->type = MLODA_TYPE_FLOAT64;
        break;
    case T_BOOL:
        f->type = MLODA_TYPE_BOOL;
        break;
    case T_UTF8:
    case T_LARGE_UTF8:
        f->type = MLODA_TYPE_UTF8;
        break;
    case T_TIMESTAMP:
        if (!fb_scalar(&tt, fb, 0, 2, 0, &a) || a < 0 || a > 3)
            return field_error(r, err, f->name, "a malformed Timestamp type (unit)");
        f->unit = (mloda_time_unit)a; /* TimeUnit and mloda_time_unit agree: s, ms, us, ns */
        f->type = MLODA_TYPE_TIMESTAMP;
        break;
    case T_FIXED_SIZE_LIST: {
        if (!fb_scalar(&tt, fb, 0, 4, 0, &a) || a <= 0 || a > (1 << 24))
            return field_error(r, err, f->name, "a FixedSizeList size out of range");
        uint32_t n_children = 0;
        size_t first = 0, child_at = 0, child_type_at = 0;
        int64_t child_tag = 0, child_prec = 0;
        fb_table_ref ct, ctt;
        if (children_at == 0 || !fb_vector_at(fb, children_at, 4, &n_children, &first) ||
            n_children != 1 || !fb_vector_ref(fb, first, 0, &child_at) ||
            !fb_table_at(fb, child_at, &ct) || !fb_scalar(&ct, fb, 2, 1, 0, &child_tag) ||
            !fb_ref(&ct, fb, 3, &child_type_at))
            return field_error(r, err, f->name, "a FixedSizeList without its one child");
        if ((child_tag & 0xFF) != T_FLOAT || child_type_at == 0 ||
            !fb_table_at(fb, child_type_at, &ctt) ||
            !fb_scalar(&ctt, fb, 0, 2, 0, &child_prec) || child_prec != PRECISION_DOUBLE)
            return bad(r, MLODA_ERR_TYPE, err, f->name,
                       "column '%s' is a FixedSizeList of %s; supported: of double floats",
                       f->name, arrow_type_name((int)(child_tag & 0xFF)));
        f->list_size = (int32_t)a;
        f->type = MLODA_TYPE_FLOAT64_LIST;
        break;
    }
    default:
        return bad(r, MLODA_ERR_TYPE, err, f->name,
                   "column '%s' has the Arrow type %s; supported: Null, Int, FloatingPoint, "
                   "Bool, Utf8, LargeUtf8, Timestamp, FixedSizeList of double",
                   f->name, arrow_type_name((int)tag));
    }
    return MLODA_OK;
}

static mloda_status read_schema(io_arrow_reader *r, const fb_reader *fb, size_t schema_at,
                                mloda_error *err)
{
    free_fields(r);
    fb_table_ref st;
    size_t fields_at = 0, first = 0;
    uint32_t n = 0;
    int64_t endianness = 0;
    if (!fb_table_at(fb, schema_at, &st) || !fb_scalar(&st, fb, 0, 2, 0, &endianness) ||
        !fb_ref(&st, fb, 1, &fields_at) ||
        (fields_at != 0 && !fb_vector_at(fb, fields_at, 4, &n, &first)))
        return bad(r, MLODA_ERR_PARSE, err, NULL, "a malformed Schema table");
    if (endianness != 0)
        return bad(r, MLODA_ERR_PARSE, err, NULL,
                   "the stream is big-endian; only little-endian streams are read");
    r->fields = mloda_calloc(n > 0 ? n : 1, sizeof *r->fields);
    if (r->fields == NULL)
        return MLODA_NOMEM(err, "an Arrow schema");
    for (uint32_t i = 0; i < n; i++) {
        arrow_field *f = &r->fields[i];
        r->n_fields = i + 1;
        size_t field_at = 0, name_at = 0;
        fb_table_ref ft;
        const char *name = NULL;
        uint32_t name_len = 0;
        if (!fb_vector_ref(fb, first, i, &field_at) || !fb_table_at(fb, field_at, &ft) ||
            !fb_ref(&ft, fb, 0, &name_at) ||
            (name_at != 0 && !fb_string_at(fb, name_at, &name, &name_len)))
            return bad(r, MLODA_ERR_PARSE, err, NULL, "field %u: a malformed Field table", i);
        if (name == NULL || name_len == 0)
            return bad(r, MLODA_ERR_SCHEMA, err, NULL,
                       "field %u has no name; every column needs one", i);
        if (!mloda_utf8_is_valid(name, name_len) || memchr(name, '\0', name_len) != NULL)
            return bad(r, MLODA_ERR_PARSE, err, NULL, "field %u: its name is not UTF-8 text",
                       i);
        f->name = mloda_malloc((size_t)name_len + 1);
        if (f->name == NULL)
            return MLODA_NOMEM(err, "an Arrow schema");
        memcpy(f->name, name, name_len);
        f->name[name_len] = '\0';
        MLODA_TRY(read_field_type(r, fb, &ft, f, err));
    }
    r->have_schema = true;
    return MLODA_OK;
}

/* ---------------------------------------------------------------- record batches */

typedef struct batch_view {
    const uint8_t *body;
    int64_t body_len;
    const uint8_t *nodes; /* n_nodes FieldNode structs: {length, null_count} */
    uint32_t n_nodes, next_node;
    const uint8_t *bufs;  /* n_bufs Buffer structs: {offset, length} */
    uint32_t n_bufs, next_buf;
} batch_view;

/* The next field node. */
static mloda_status take_node(io_arrow_reader *r, batch_view *v, const arrow_field *f,
                              int64_t *length, int64_t *nulls, mloda_error *err)
{
    if (v->next_node >= v->n_nodes)
        return bad(r, MLODA_ERR_PARSE, err, f->name,
                   "the record batch has %u field nodes, fewer than its schema needs",
                   v->n_nodes);
    const uint8_t *p = v->nodes + 16 * (size_t)v->next_node++;
    *length = rd_i64(p);
    *nulls = rd_i64(p + 8);
    if (*length < 0 || *nulls < 0 || *nulls > *length)
        return bad(r, MLODA_ERR_PARSE, err, f->name,
                   "column '%s': a field node of length %lld with %lld nulls", f->name,
                   (long long)*length, (long long)*nulls);
    return MLODA_OK;
}

/* The next buffer: its bytes within the body, *len of them (need: the bytes the column
 * needs; a shorter buffer is an error, except an absent validity buffer, given as NULL). */
static mloda_status take_buf(io_arrow_reader *r, batch_view *v, const arrow_field *f,
                             const char *what, uint64_t need, bool may_be_absent,
                             const uint8_t **out, mloda_error *err)
{
    *out = NULL;
    if (v->next_buf >= v->n_bufs)
        return bad(r, MLODA_ERR_PARSE, err, f->name,
                   "the record batch has %u buffers, fewer than its schema needs", v->n_bufs);
    const uint8_t *p = v->bufs + 16 * (size_t)v->next_buf++;
    const int64_t off = rd_i64(p), len = rd_i64(p + 8);
    if (off < 0 || len < 0 || off > v->body_len || len > v->body_len - off)
        return bad(r, MLODA_ERR_PARSE, err, f->name,
                   "column '%s': the %s buffer (offset %lld, %lld bytes) lies outside the "
                   "body of %lld bytes",
                   f->name, what, (long long)off, (long long)len, (long long)v->body_len);
    if (len == 0 && may_be_absent)
        return MLODA_OK;
    if ((uint64_t)len < need)
        return bad(r, MLODA_ERR_PARSE, err, f->name,
                   "column '%s': the %s buffer has %lld bytes, %llu needed", f->name, what,
                   (long long)len, (unsigned long long)need);
    *out = v->body + off;
    return MLODA_OK;
}

/* Copies a validity bitmap into the builder (when the column has nulls). */
static mloda_status copy_validity(mloda_column_builder *b, const uint8_t *valid, int64_t n,
                                  int64_t nulls, mloda_error *err)
{
    if (valid == NULL || nulls == 0 || n == 0)
        return MLODA_OK;
    uint8_t *bits = NULL;
    MLODA_TRY(mloda_column_builder_validity(b, &bits, err));
    memcpy(bits, valid, (size_t)mloda_bitmap_n_bytes(n));
    return MLODA_OK;
}

static int64_t int_at(const uint8_t *p, int64_t i, int width, bool is_signed)
{
    switch (width) {
    case 8:
        return is_signed ? (int64_t)(int8_t)p[i] : (int64_t)p[i];
    case 16: {
        uint16_t u;
        memcpy(&u, p + 2 * i, 2);
        return is_signed ? (int64_t)(int16_t)u : (int64_t)u;
    }
    case 32: {
        uint32_t u;
        memcpy(&u, p + 4 * i, 4);
        return is_signed ? (int64_t)(int32_t)u : (int64_t)u;
    }
    default:
        return rd_i64(p + 8 * i);
    }
}

static mloda_status read_column(io_arrow_reader *r, batch_view *v, const arrow_field *f,
                                int64_t rows, mloda_column **out, mloda_error *err)
{
    int64_t n = 0, nulls = 0;
    MLODA_TRY(take_node(r, v, f, &n, &nulls, err));
    if (n != rows)
        return bad(r, MLODA_ERR_PARSE, err, f->name,
                   "column '%s' has %lld rows in a record batch of %lld", f->name,
                   (long long)n, (long long)rows);
    if (f->type == MLODA_TYPE_NULL)
        return mloda_column_new_nulls(MLODA_TYPE_NULL, 0, MLODA_TIME_SECOND, n, out, err);
    const uint64_t bitmap_bytes = (uint64_t)mloda_bitmap_n_bytes(n);
    const uint8_t *valid = NULL, *values = NULL;
    MLODA_TRY(take_buf(r, v, f, "validity", nulls > 0 ? bitmap_bytes : 0, true, &valid, err));
    if (valid == NULL && nulls > 0)
        return bad(r, MLODA_ERR_PARSE, err, f->name,
                   "column '%s' has %lld nulls but no validity buffer", f->name,
                   (long long)nulls);
    mloda_column_builder *b = NULL;
    MLODA_TRY(mloda_column_builder_new(f->type, f->list_size, f->unit, &b, err));
    mloda_status st = MLODA_OK;
    void *dst = NULL;
    switch (f->arrow_type) {
    case T_INT:
    case T_TIMESTAMP: {
        const int width = f->arrow_type == T_TIMESTAMP ? 64 : f->bit_width;
        st = take_buf(r, v, f, "values", (uint64_t)n * (uint64_t)(width / 8), false, &values,
                      err);
        if (st == MLODA_OK)
            st = mloda_column_builder_resize_uninit(b, n, &dst, err);
        if (st == MLODA_OK && width == 64)
            memcpy(dst, values, (size_t)n * 8);
        else if (st == MLODA_OK)
            for (int64_t i = 0; i < n; i++)
                ((int64_t *)dst)[i] = int_at(values, i, width, f->is_signed);
        break;
    }
    case T_FLOAT:
        st = take_buf(r, v, f, "values", (uint64_t)n * (uint64_t)(f->bit_width / 8), false,
                      &values, err);
        if (st == MLODA_OK)
            st = mloda_column_builder_resize_uninit(b, n, &dst, err);
        if (st == MLODA_OK && f->bit_width == 64) {
            memcpy(dst, values, (size_t)n * 8);
        } else if (st == MLODA_OK) {
            for (int64_t i = 0; i < n; i++) {
                float x;
                memcpy(&x, values + 4 * i, 4);
                ((double *)dst)[i] = x;
            }
        }
        break;
    case T_BOOL:
        st = take_buf(r, v, f, "values", bitmap_bytes, false, &values, err);
        if (st == MLODA_OK)
            st = mloda_column_builder_resize_uninit(b, n, &dst, err);
        if (st == MLODA_OK)
            memcpy(dst, values, (size_t)bitmap_bytes);
        break;
    case T_UTF8:
    case T_LARGE_UTF8: {
        const bool large = f->arrow_type == T_LARGE_UTF8;
        const uint64_t width = large ? 8 : 4;
        const uint8_t *data = NULL;
        st = take_buf(r, v, f, "offsets", ((uint64_t)n + 1) * width, false, &values, err);
        int64_t first = 0, last = 0;
        if (st == MLODA_OK) {
            first = large ? rd_i64(values) : (int32_t)rd_u32(values);
            last = large ? rd_i64(values + 8 * n) : (int32_t)rd_u32(values + 4 * n);
            if (first < 0 || last < first)
                st = bad(r, MLODA_ERR_PARSE, err, f->name,
                         "column '%s': string offsets run from %lld to %lld", f->name,
                         (long long)first, (long long)last);
        }
        if (st == MLODA_OK)
            st = take_buf(r, v, f, "data", (uint64_t)last, last == 0, &data, err);
        if (st == MLODA_OK)
            st = mloda_column_builder_reserve(b, n, last - first, err);
        int64_t prev = first;
        for (int64_t i = 0; st == MLODA_OK && i < n; i++) {
            const int64_t next = large ? rd_i64(values + 8 * (i + 1))
                                       : (int32_t)rd_u32(values + 4 * (i + 1));
            if (next < prev || next > last) {
                st = bad(r, MLODA_ERR_PARSE, err, f->name,
                         "column '%s', row %lld: string offsets go from %lld to %lld",
                         f->name, (long long)i, (long long)prev, (long long)next);
                break;
            }
            /* an absent data buffer (every string empty) reads as empty text */
            const char *s = data != NULL ? (const char *)data + prev : "";
            const size_t len = (size_t)(next - prev);
            if (valid != NULL && !mloda_bitmap_get(valid, i)) {
                st = mloda_column_builder_append_null(b, err);
            } else if (!mloda_utf8_is_valid(s, len)) {
                st = bad(r, MLODA_ERR_PARSE, err, f->name,
                         "column '%s', row %lld: the string is not valid UTF-8", f->name,
                         (long long)i);
            } else {
                st = mloda_column_builder_append_utf8(b, s, (int64_t)len, err);
            }
            prev = next;
        }
        valid = NULL; /* nulls are appended as such */
        break;
    }
    case T_FIXED_SIZE_LIST: {
        int64_t cn = 0, cnulls = 0;
        const arrow_field child = {f->name, T_FLOAT, MLODA_TYPE_FLOAT64, 64, true,
                                   MLODA_TIME_SECOND, 0};
        const uint64_t m = (uint64_t)n * (uint64_t)f->list_size; /* m * 8 < 2^60: n <= 2^32 */
        const uint8_t *cvalid = NULL;
        st = take_node(r, v, &child, &cn, &cnulls, err);
        if (st == MLODA_OK && (uint64_t)cn != m)
            st = bad(r, MLODA_ERR_PARSE, err, f->name,
                     "column '%s': %lld list values for %lld rows of %d", f->name,
                     (long long)cn, (long long)n, (int)f->list_size);
        if (st == MLODA_OK)
            st = take_buf(r, v, &child, "list validity",
                          cnulls > 0 ? (uint64_t)mloda_bitmap_n_bytes(cn) : 0, true, &cvalid,
                          err);
        if (st == MLODA_OK)
            st = take_buf(r, v, &child, "list values", m * 8, false, &values, err);
        if (st == MLODA_OK)
            st = mloda_column_builder_resize_uninit(b, n, &dst, err);
        if (st == MLODA_OK) {
            memcpy(dst, values, (size_t)m * 8);
            if (cvalid != NULL && cnulls > 0) /* a null inside a list reads as NaN */
                for (uint64_t i = 0; i < m; i++)
                    if (!mloda_bitmap_get(cvalid, (int64_t)i))
                        ((double *)dst)[i] = NAN;
        }
        break;
    }
    default:
        st = bad(r, MLODA_ERR_TYPE, err, f->name, "column '%s': unsupported type", f->name);
    }
    if (st == MLODA_OK)
        st = copy_validity(b, valid, n, nulls, err);
    if (st != MLODA_OK) {
        mloda_column_builder_free(b);
        return st;
    }
    return mloda_column_builder_finish(b, out, err);
}

static mloda_status read_batch(io_arrow_reader *r, const fb_reader *fb, size_t rb_at,
                               const uint8_t *body, int64_t body_len, mloda_table **out,
                               mloda_error *err)
{
    if (!r->have_schema)
        return bad(r, MLODA_ERR_PARSE, err, NULL,
                   "a record batch before any schema message");
    fb_table_ref rb;
    int64_t rows = 0;
    size_t nodes_at = 0, bufs_at = 0, comp_at = 0;
    batch_view v = {body, body_len, NULL, 0, 0, NULL, 0, 0};
    size_t first = 0;
    if (!fb_table_at(fb, rb_at, &rb) || !fb_scalar(&rb, fb, 0, 8, 0, &rows) ||
        !fb_ref(&rb, fb, 1, &nodes_at) || !fb_ref(&rb, fb, 2, &bufs_at) ||
        !fb_ref(&rb, fb, 3, &comp_at))
        return bad(r, MLODA_ERR_PARSE, err, NULL, "a malformed RecordBatch table");
    if (comp_at != 0)
        return bad(r, MLODA_ERR_PARSE, err, NULL,
                   "the record batch is compressed; compression is not supported");
    /* at most one row per byte of the message cap (NDJSON's cap allows fewer: "null, " is
     * 6 bytes), so that a record batch of Null columns cannot ask for more rows than a
     * message may hold; nor more than 2^32 (the sizes below stay far from overflowing) */
    if (rows < 0 || rows > r->max_message || rows > ((int64_t)1 << 32))
        return bad(r, MLODA_ERR_PARSE, err, NULL,
                   "a record batch of %lld rows (at most one per byte of the message cap, "
                   "--max-line-bytes)",
                   (long long)rows);
    if (nodes_at != 0) {
        if (!fb_vector_at(fb, nodes_at, 16, &v.n_nodes, &first))
            return bad(r, MLODA_ERR_PARSE, err, NULL, "a malformed field node vector");
        v.nodes = fb->p + first;
    }
    if (bufs_at != 0) {
        if (!fb_vector_at(fb, bufs_at, 16, &v.n_bufs, &first))
            return bad(r, MLODA_ERR_PARSE, err, NULL, "a malformed buffer vector");
        v.bufs = fb->p + first;
    }
    const int64_t n = r->n_fields;
    mloda_column **cols = mloda_calloc((size_t)(n > 0 ? n : 1), sizeof *cols);
    const char **names = mloda_calloc((size_t)(n > 0 ? n : 1), sizeof *names);
    mloda_status st = cols == NULL || names == NULL ? MLODA_NOMEM(err, "a record batch")
                                                    : MLODA_OK;
    for (int64_t k = 0; st == MLODA_OK && k < n; k++) {
        names[k] = r->fields[k].name;
        st = read_column(r, &v, &r->fields[k], rows, &cols[k], err);
    }
    if (st == MLODA_OK && (v.next_node != v.n_nodes || v.next_buf != v.n_bufs))
        st = bad(r, MLODA_ERR_PARSE, err, NULL,
                 "the record batch has %u field nodes and %u buffers; its schema takes %u "
                 "and %u",
                 v.n_nodes, v.n_bufs, v.next_node, v.next_buf);
    if (st == MLODA_OK) {
        mloda_error why = MLODA_ERROR_INIT;
        st = mloda_table_new(rows, n, names, (const mloda_column *const *)cols, out, &why);
        if (st == MLODA_ERR_NOMEM)
            st = MLODA_NOMEM(err, "a record batch");
        else if (st != MLODA_OK) /* duplicate names: the schema itself is unusable */
            st = bad(r, st, err, why.subject[0] != '\0' ? why.subject : NULL, "%s",
                     why.message);
    }
    for (int64_t k = 0; cols != NULL && k < n; k++)
        mloda_column_release(cols[k]);
    mloda_free(cols);
    mloda_free(names);
    return st;
}

/* ---------------------------------------------------------------- messages */

mloda_status mloda_io_arrow_reader_next(io_arrow_reader *r, mloda_table **out,
                                        mloda_error *err)
{
    *out = NULL;
    while (!r->done) {
        uint8_t head[8];
        bool eof = false;
        MLODA_TRY(read_exact(r, head, 4, true, &eof, err));
        if (eof) {
            r->done = true;
            break;
        }
        uint32_t len = rd_u32(head);
        int64_t prefix = 4;
        if (len == 0xFFFFFFFFu) { /* the continuation marker; the length follows */
            MLODA_TRY(read_exact(r, head + 4, 4, false, NULL, err));
            len = rd_u32(head + 4);
            prefix = 8;
        }
        if (len == 0) { /* end of a stream: another may follow */
            r->offset += prefix;
            r->n_messages++;
            free_fields(r);
            continue;
        }
        if (prefix == 4 && memcmp(head, "ARRO", 4) == 0)
            return bad(r, MLODA_ERR_PARSE, err, NULL,
                       "this is the Arrow IPC file format (magic ARROW1); the stream format "
                       "is read (.arrows: write it with a stream writer)");
        if (prefix == 4 && ((int32_t)len < 0 || (int64_t)len > r->max_message))
            return bad(r, MLODA_ERR_PARSE, err, NULL,
                       "not an Arrow IPC stream: a message starts with the continuation "
                       "marker FF FF FF FF, found %02X %02X %02X %02X",
                       head[0], head[1], head[2], head[3]);
        if ((int32_t)len < 0 || (int64_t)len > r->max_message)
            return bad(r, MLODA_ERR_PARSE, err, NULL,
                       "a metadata length of %lld bytes (at most %lld: --max-line-bytes)",
                       (long long)(int32_t)len, (long long)r->max_message);
        MLODA_TRY(scratch(&r->meta, &r->meta_cap, len, err));
        MLODA_TRY(read_exact(r, r->meta, len, false, NULL, err));
        const fb_reader fb = {r->meta, len};
        fb_table_ref msg;
        int64_t version = 0, header_type = 0, body_len = 0;
        size_t header_at = 0;
        if (len < 4 || !fb_table_at(&fb, rd_u32(r->meta), &msg) ||
            !fb_scalar(&msg, &fb, 0, 2, 0, &version) ||
            !fb_scalar(&msg, &fb, 1, 1, 0, &header_type) ||
            !fb_ref(&msg, &fb, 2, &header_at) || !fb_scalar(&msg, &fb, 3, 8, 0, &body_len))
            return bad(r, MLODA_ERR_PARSE, err, NULL,
                       "the metadata is not a Message flatbuffer");
        header_type &= 0xFF;
        if (version < METADATA_V4)
            return bad(r, MLODA_ERR_PARSE, err, NULL,
                       "metadata version %lld; version 4 (Arrow 0.8) or later is needed",
                       (long long)version + 1);
        if (body_len < 0 || body_len > r->max_message - (int64_t)len)
            return bad(r, MLODA_ERR_PARSE, err, NULL,
                       "a body of %lld bytes (the message may have at most %lld: "
                       "--max-line-bytes)",
                       (long long)body_len, (long long)r->max_message);
        MLODA_TRY(scratch(&r->body, &r->body_cap, (size_t)body_len + 8, err));
        MLODA_TRY(read_exact(r, r->body, (size_t)body_len, false, NULL, err));
        mloda_status st = MLODA_OK;
        if (header_at == 0 && header_type != 0)
            st = bad(r, MLODA_ERR_PARSE, err, NULL, "a message without its header");
        else if (header_type == MSG_SCHEMA)
            st = read_schema(r, &fb, header_at, err);
        else if (header_type == MSG_RECORD_BATCH)
            st = read_batch(r, &fb, header_at, r->body, body_len, out, err);
        else if (header_type == MSG_DICTIONARY)
            st = bad(r, MLODA_ERR_TYPE, err, NULL,
                     "a dictionary batch; dictionaries are not supported (decode dictionary "
                     "columns before sending)");
        else
            st = bad(r, MLODA_ERR_PARSE, err, NULL,
                     "a message of type %lld; streams hold Schema and RecordBatch messages",
                     (long long)header_type);
        r->offset += prefix + (int64_t)len + body_len;
        r->n_messages++;
        if (st != MLODA_OK) {
            r->done = true;
            return st;
        }
        if (*out != NULL)
            return MLODA_OK;
    }
    return MLODA_OK;
}

/* ---------------------------------------------------------------- micro-batches */

static const char *coltype_text(const io_coltype *t, char *buf, size_t cap)
{
    mloda_io_coltype_name(t, buf, cap);
    return buf;
}

/* Column col as the type `want` (see mloda_io_arrow_api_data). */
static mloda_status conform(const mloda_column *col, const char *table, const char *name,
                            const io_coltype *want, mloda_column **out, mloda_error *err)
{
    const mloda_type have = mloda_column_type(col);
    const int64_t n = mloda_column_n_rows(col);
    *out = NULL;
    if (want->type == MLODA_TYPE_INVALID || want->type == MLODA_TYPE_NULL || have == want->type) {
        if (have == MLODA_TYPE_TIMESTAMP && want->type == MLODA_TYPE_TIMESTAMP &&
            mloda_column_time_unit(col) != want->unit)
            goto convert;
        if (have == MLODA_TYPE_FLOAT64_LIST && want->type == MLODA_TYPE_FLOAT64_LIST &&
            want->list_size > 0 && mloda_column_list_size(col) != want->list_size)
            goto refuse;
        *out = mloda_column_retain(col);
        return MLODA_OK;
    }
    if (have == MLODA_TYPE_NULL)
        return mloda_column_new_nulls(
            want->type,
            want->type == MLODA_TYPE_FLOAT64_LIST ? (want->list_size > 0 ? want->list_size : 1)
                                                  : 0,
            want->unit, n, out, err);
convert:
    if ((have == MLODA_TYPE_INT64 && want->type == MLODA_TYPE_FLOAT64) ||
        (have == MLODA_TYPE_TIMESTAMP && want->type == MLODA_TYPE_TIMESTAMP &&
         mloda_column_time_unit(col) < want->unit)) {
        mloda_column_builder *b = NULL;
        void *dst = NULL;
        MLODA_TRY(mloda_column_builder_new(want->type, 0, want->unit, &b, err));
        mloda_status st = mloda_column_builder_resize_uninit(b, n, &dst, err);
        const int64_t *src = mloda_column_int64(col);
        int64_t factor = 1;
        for (int u = (int)mloda_column_time_unit(col); u < (int)want->unit; u++)
            factor *= 1000;
        for (int64_t i = 0; st == MLODA_OK && i < n; i++) {
            if (want->type == MLODA_TYPE_FLOAT64) {
                ((double *)dst)[i] = (double)src[i];
                continue;
            }
            const bool is_valid = mloda_column_is_valid(col, i);
            if (is_valid && (src[i] > INT64_MAX / factor || src[i] < INT64_MIN / factor)) {
                st = mloda_error_set(err, MLODA_ERR_RANGE, name,
                                     "table '%s', column '%s', row %lld: the timestamp does "
                                     "not fit in the column's finer unit",
                                     table, name, (long long)i);
                break;
            }
            ((int64_t *)dst)[i] = is_valid ? src[i] * factor : 0;
        }
        const uint8_t *valid = mloda_column_validity(col);
        uint8_t *bits = NULL;
        if (st == MLODA_OK && valid != NULL &&
            (st = mloda_column_builder_validity(b, &bits, err)) == MLODA_OK)
            memcpy(bits, valid, (size_t)mloda_bitmap_n_bytes(n));
        if (st != MLODA_OK) {
            mloda_column_builder_free(b);
            return st;
        }
        return mloda_column_builder_finish(b, out, err);
    }
refuse: {
    char have_text[48], want_text[48];
    const io_coltype h = {have, mloda_column_list_size(col), mloda_column_time_unit(col)};
    return mloda_error_set(err, MLODA_ERR_TYPE, name,
                           "table '%s', column '%s' is %s in the Arrow batch but %s in the "
                           "prepared request",
                           table, name, coltype_text(&h, have_text, sizeof have_text),
                           coltype_text(want, want_text, sizeof want_text));
}
}

mloda_status mloda_io_arrow_api_data(const mloda_table *batch, const io_schema *schema,
                                     const char *table, mloda_api_data **out,
                                     mloda_error *err)
{
    *out = NULL;
    const int64_t n = mloda_table_n_columns(batch);
    mloda_column **cols = mloda_calloc((size_t)(n > 0 ? n : 1), sizeof *cols);
    const char **names = mloda_calloc((size_t)(n > 0 ? n : 1), sizeof *names);
    mloda_status st = cols == NULL || names == NULL ? MLODA_NOMEM(err, "a batch") : MLODA_OK;
    for (int64_t k = 0; st == MLODA_OK && k < n; k++) {
        names[k] = mloda_table_column_name(batch, k);
        io_coltype want = {MLODA_TYPE_INVALID, 0, MLODA_TIME_SECOND};
        if (schema != NULL)
            (void)mloda_io_schema_get(schema, table, names[k], &want);
        st = conform(mloda_table_column(batch, k), table, names[k], &want, &cols[k], err);
    }
    if (st == MLODA_OK && (*out = mloda_api_data_new()) == NULL)
        st = MLODA_NOMEM(err, "api_data");
    if (st == MLODA_OK)
        st = mloda_api_data_add_columns(*out, table, n, names,
                                        (const mloda_column *const *)cols, err);
    for (int64_t k = 0; cols != NULL && k < n; k++)
        mloda_column_release(cols[k]);
    mloda_free(cols);
    mloda_free(names);
    if (st != MLODA_OK) {
        mloda_api_data_free(*out);
        *out = NULL;
    }
    return st;
}

/* A byte source over memory. */
typedef struct mem_cursor {
    const char *data;
    size_t len, at;
} mem_cursor;

static mloda_status mem_read(void *ctx, void *buf, size_t want, size_t *got, mloda_error *err)
{
    (void)err;
    mem_cursor *c = ctx;
    const size_t n = want < c->len - c->at ? want : c->len - c->at;
    memcpy(buf, c->data + c->at, n);
    c->at += n;
    *got = n;
    return MLODA_OK;
}

mloda_status mloda_io_arrow_parse_api_data(const char *data, size_t len, const io_schema *schema,
                                           const char *table, const char *source,
                                           mloda_api_data **out, mloda_error *err)
{
    *out = NULL;
    mem_cursor cur = {data, len, 0};
    io_arrow_reader *r = NULL;
    MLODA_TRY(mloda_io_arrow_reader_new(mem_read, &cur, source, (int64_t)len + 1, &r, err));
    mloda_table *batch = NULL, *extra = NULL;
    mloda_status st = mloda_io_arrow_reader_next(r, &batch, err);
    if (st == MLODA_OK && batch != NULL)
        st = mloda_io_arrow_reader_next(r, &extra, err);
    if (st == MLODA_OK && extra != NULL)
        st = mloda_error_set(err, MLODA_ERR_PARSE, NULL,
                             "%s: the Arrow stream holds more than one record batch; send one "
                             "micro-batch per request",
                             source);
    if (st == MLODA_OK && batch == NULL && !r->have_schema && r->n_messages == 0)
        st = mloda_error_set(err, MLODA_ERR_PARSE, NULL,
                             "%s: the body holds no Arrow IPC stream (no schema message)",
                             source);
    if (st == MLODA_OK && batch == NULL) { /* a schema alone: zero rows */
        const int64_t n = r->n_fields;
        mloda_column **cols = mloda_calloc((size_t)(n > 0 ? n : 1), sizeof *cols);
        const char **names = mloda_calloc((size_t)(n > 0 ? n : 1), sizeof *names);
        st = cols == NULL || names == NULL ? MLODA_NOMEM(err, "a batch") : MLODA_OK;
        for (int64_t k = 0; st == MLODA_OK && k < n; k++) {
            const arrow_field *f = &r->fields[k];
            names[k] = f->name;
            st = mloda_column_new_nulls(f->type, f->list_size, f->unit, 0, &cols[k], err);
        }
        if (st == MLODA_OK)
            st = mloda_table_new(0, n, names, (const mloda_column *const *)cols, &batch, err);
        for (int64_t k = 0; cols != NULL && k < n; k++)
            mloda_column_release(cols[k]);
        mloda_free(cols);
        mloda_free(names);
    }
    char *picked = NULL; /* the table named, known to the schema; none: its only one */
    if (st == MLODA_OK && (table == NULL || schema != NULL))
        st = mloda_io_pick_table(schema, table, source, &picked, err);
    if (st == MLODA_OK)
        st = mloda_io_arrow_api_data(batch, schema, picked != NULL ? picked : table, out, err);
    mloda_free(picked);
    mloda_table_release(batch);
    mloda_table_release(extra);
    mloda_io_arrow_reader_free(r);
    return st;
}
