/*
 * arrow_import.c: columns and tables from Arrow C Data Interface arrays.
 *
 * Ownership: the caller's ArrowArray is moved into a reference-counted holder (struct
 * copied, the source's release set to NULL). Every column that borrows a buffer retains
 * the holder, so the producer's release runs exactly once, after the last such column.
 * On failure the holder goes too, so the array is released all the same.
 *
 * Nothing is trusted before it is checked: format, buffer and child counts, length and
 * offset (with overflow-checked arithmetic), null counts, utf8 offsets (non-negative,
 * non-decreasing). Buffer sizes themselves cannot be checked: the interface does not carry
 * them.
 *
 * Columns keep the invariants of column_internal.h: no offset, so slices are resolved here.
 * Fixed-width values are borrowed at the sliced position when aligned for their type, else
 * copied; utf8 offsets are borrowed when they start at 0, else rebased into a fresh buffer
 * with the data pointer moved to the first string; utf8 bytes are always borrowed.
 * Bitmaps (validity, bool values) are always copied (shifted when the slice does not start
 * on a byte) into fresh 64-byte aligned, padded buffers with zeroed tail bits: they cost
 * one bit per row, and kernels may then combine them a word at a time even when the
 * producer did not pad its buffers. int32 ("i") and float32 ("f") are widened into new
 * int64 / float64 buffers.
 */
#include "mloda/table.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "table/bitmap.h"
#include "table/column_internal.h"
#include "util/util.h"

/* ---------------------------------------------------------------- holder */

typedef struct import_holder {
    mloda_column_owner base; /* first: the column's owner pointer is this struct */
    struct ArrowArray array; /* moved from the caller; released once, by destroy */
} import_holder;

static void holder_destroy(mloda_column_owner *o)
{
    import_holder *h = (import_holder *)(void *)o; /* base is the first member */
    if (h->array.release != NULL)
        h->array.release(&h->array);
    mloda_free(h);
}

/* Takes *array into a new holder (one reference). On failure releases *array itself. */
static mloda_status holder_take(struct ArrowArray *array, import_holder **out, mloda_error *err)
{
    *out = NULL;
    import_holder *h = mloda_malloc(sizeof *h);
    if (h == NULL) {
        array->release(array);
        (void)MLODA_NOMEM(err, "an Arrow import");
        return MLODA_ERR_NOMEM; /* the constant: analyzers then see *out is set on success */
    }
    atomic_init(&h->base.refs, 1);
    h->base.destroy = holder_destroy;
    h->array = *array;
    array->release = NULL; /* moved: the source now reads as released */
    *out = h;
    return MLODA_OK;
}

/* ---------------------------------------------------------------- formats */

typedef enum fmt_kind {
    FMT_UNSUPPORTED,
    FMT_INT64,
    FMT_FLOAT64,
    FMT_BOOL,
    FMT_UTF8,
    FMT_TIMESTAMP,
    FMT_LIST,
    FMT_INT32,
    FMT_FLOAT32,
    FMT_STRUCT,
    FMT_NULL,
} fmt_kind;

typedef struct fmt_info {
    fmt_kind kind;
    mloda_time_unit unit; /* FMT_TIMESTAMP */
    int32_t list_size;    /* FMT_LIST */
} fmt_info;

/* "+w:N" with N a decimal in [1, INT32_MAX]; 0 when malformed. */
static int32_t parse_list_size(const char *digits)
{
    int64_t v = 0;
    if (*digits == '\0')
        return 0;
    for (const char *c = digits; *c != '\0'; c++) {
        if (*c < '0' || *c > '9')
            return 0;
        v = v * 10 + (*c - '0');
        if (v > INT32_MAX)
            return 0;
    }
    return (int32_t)v; /* 0 <= v <= INT32_MAX, checked in the loop */
}

static fmt_info parse_format(const char *f)
{
    fmt_info info = {FMT_UNSUPPORTED, MLODA_TIME_SECOND, 0};
    static const struct {
        const char *format;
        fmt_kind kind;
    } simple[] = {
        {"l", FMT_INT64}, {"g", FMT_FLOAT64}, {"b", FMT_BOOL},  {"u", FMT_UTF8},
        {"i", FMT_INT32}, {"f", FMT_FLOAT32}, {"+s", FMT_STRUCT}, {"n", FMT_NULL},
    };
    for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++)
        if (strcmp(f, simple[i].format) == 0) {
            info.kind = simple[i].kind;
            return info;
        }
    /* "ts" unit ":" [timezone]; the zone is ignored (values are UTC instants) */
    if (f[0] == 't' && f[1] == 's' && f[2] != '\0' && f[3] == ':') {
        static const char units[] = "smun";
        const char *u = strchr(units, f[2]);
        if (u != NULL) {
            info.kind = FMT_TIMESTAMP;
            info.unit = (mloda_time_unit)(u - units); /* index 0..3 matches the enum */
        }
        return info;
    }
    if (strncmp(f, "+w:", 3) == 0) {
        info.list_size = parse_list_size(f + 3);
        if (info.list_size > 0)
            info.kind = FMT_LIST;
    }
    return info;
}

/* ---------------------------------------------------------------- validation */

/* One array to import: absolute offset of row 0 in its buffers and the row count, after
 * any parent slicing has been applied. */
typedef struct node {
    const struct ArrowArray *array;
    const struct ArrowSchema *schema;
    int64_t offset;
    int64_t length;
    const char *name; /* field name, for messages */
} node;

static mloda_status parse_error(mloda_error *err, const node *nd, const char *what)
{
    return mloda_error_set(err, MLODA_ERR_PARSE, nd->name, "Arrow array of column '%s': %s",
                           nd->name, what);
}

/* Checks raw length/offset of an array and that [offset, offset + length) fits int64. */
static mloda_status check_extent(const node *nd, mloda_error *err)
{
    const struct ArrowArray *a = nd->array;
    int64_t end = 0;
    if (a->length < 0)
        return parse_error(err, nd, "negative length");
    if (a->offset < 0)
        return parse_error(err, nd, "negative offset");
    if (nd->length < 0 || nd->offset < 0 || !mloda_add_i64(nd->offset, nd->length, &end))
        return parse_error(err, nd, "offset + length overflows");
    /* no buffer holds 2^60 slots; refusing them here means every byte offset of an element
     * of up to 8 bytes fits before any buffer (bitmaps included) is read */
    if (end > INT64_MAX / 8)
        return parse_error(err, nd, "offset + length overflows the address space");
    return MLODA_OK;
}

/* Buffer and child counts, dictionary, and the schema's agreement with the array. */
static mloda_status check_shape(const node *nd, int64_t n_buffers, int64_t n_children,
                                mloda_error *err)
{
    const struct ArrowArray *a = nd->array;
    const struct ArrowSchema *s = nd->schema;
    char msg[160];
    if (a->dictionary != NULL || s->dictionary != NULL)
        return mloda_error_set(err, MLODA_ERR_TYPE, nd->name,
                               "column '%s' is dictionary-encoded, which is not supported",
                               nd->name);
    if (a->n_buffers != n_buffers || (n_buffers > 0 && a->buffers == NULL)) {
        (void)snprintf(msg, sizeof msg, "format '%s' needs %lld buffers, got %lld", s->format,
                       (long long)n_buffers, (long long)a->n_buffers);
        return parse_error(err, nd, msg);
    }
    if (a->n_children != n_children || s->n_children != n_children ||
        (n_children > 0 && (a->children == NULL || s->children == NULL))) {
        (void)snprintf(msg, sizeof msg, "format '%s' needs %lld children, got %lld", s->format,
                       (long long)n_children, (long long)a->n_children);
        return parse_error(err, nd, msg);
    }
    for (int64_t i = 0; i < n_children; i++)
        if (a->children[i] == NULL || s->children[i] == NULL ||
            s->children[i]->format == NULL)
            return parse_error(err, nd, "a child array or schema is missing");
    return check_extent(nd, err);
}

/* ---------------------------------------------------------------- buffers */

/* Adds an owned buffer to the column's first free slot. Each format needs at most
 * MLODA_COLUMN_MAX_OWNED buffers at once (utf8: validity, offsets, empty data). */
static void own(mloda_column *c, void *buf)
{
    for (int i = 0; i < MLODA_COLUMN_MAX_OWNED; i++)
        if (c->owned[i] == NULL) {
            c->owned[i] = buf;
            return;
        }
    assert(false && "more owned buffers than MLODA_COLUMN_MAX_OWNED");
}

/* Frees an owned buffer before the column is done (a temporary copy). */
static void disown(mloda_column *c, const void *buf)
{
    for (int i = 0; i < MLODA_COLUMN_MAX_OWNED; i++)
        if (buf != NULL && c->owned[i] == buf) {
            mloda_free(c->owned[i]);
            c->owned[i] = NULL;
        }
}

/* Bits [offset, offset + n) of src copied into a fresh bitmap starting at bit 0. */
static mloda_status take_bitmap(mloda_column *c, const uint8_t *src, int64_t offset, int64_t n,
                                const uint8_t **out, mloda_error *err)
{
    size_t bytes = 0;
    if (!mloda_i64_to_size(mloda_bitmap_n_bytes(n), &bytes))
        return mloda_error_set(err, MLODA_ERR_RANGE, NULL, "bitmap too large");
    uint8_t *copy = mloda_column_buffer_new(bytes);
    if (copy == NULL)
        return MLODA_NOMEM(err, "an imported bitmap");
    own(c, copy);
    mloda_bitmap_copy(copy, src, offset, n);
    *out = copy;
    return MLODA_OK;
}

/* n elements of `width` bytes from slot `offset` of src: borrowed when aligned for the
 * type, else copied. An empty range needs no buffer (a NULL one is allowed). */
static mloda_status take_fixed(mloda_column *c, const node *nd, const void *src,
                               int64_t offset, int64_t n, size_t width, const void **out,
                               bool *borrowed, mloda_error *err)
{
    size_t start = 0, bytes = 0;
    int64_t end = 0;
    if (!mloda_add_i64(offset, n, &end) || !mloda_elems_bytes(end, width, &start) ||
        !mloda_elems_bytes(n, width, &bytes))
        return parse_error(err, nd, "offset + length overflows the address space");
    start -= bytes; /* = offset * width */
    if (src == NULL && n > 0)
        return parse_error(err, nd, "values buffer is NULL");
    if (src != NULL && n > 0 && ((uintptr_t)src + start) % width == 0) {
        *out = (const uint8_t *)src + start;
        *borrowed = true;
        return MLODA_OK;
    }
    void *copy = mloda_column_buffer_new(bytes);
    if (copy == NULL)
        return MLODA_NOMEM(err, "imported values");
    own(c, copy);
    if (n > 0)
        memcpy(copy, (const uint8_t *)src + start, bytes);
    *out = copy;
    return MLODA_OK;
}

/* Validity of the node's rows: null_count counted here, bitmap dropped when all valid. */
static mloda_status take_validity(mloda_column *c, const node *nd, mloda_error *err)
{
    const struct ArrowArray *a = nd->array;
    const uint8_t *bits = a->buffers[0];
    if (a->null_count < -1)
        return parse_error(err, nd, "null_count below -1");
    if (a->null_count == 0 || nd->length == 0)
        return MLODA_OK;
    if (bits == NULL) {
        if (a->null_count > 0)
            return parse_error(err, nd, "nulls counted but the validity buffer is NULL");
        return MLODA_OK; /* unknown count (-1) and no bitmap: all valid */
    }
    const int64_t nulls = nd->length - mloda_bitmap_n_set(bits, nd->offset, nd->length);
    if (nulls == 0)
        return MLODA_OK;
    c->null_count = nulls;
    return take_bitmap(c, bits, nd->offset, nd->length, &c->validity, err);
}

/* ---------------------------------------------------------------- per format */

static mloda_status import_fixed(mloda_column *c, const node *nd, bool *borrowed,
                                 mloda_error *err)
{
    MLODA_TRY(check_shape(nd, 2, 0, err));
    MLODA_TRY(take_validity(c, nd, err));
    return take_fixed(c, nd, nd->array->buffers[1], nd->offset, nd->length, sizeof(int64_t),
                      &c->values, borrowed, err);
}

static mloda_status import_bool(mloda_column *c, const node *nd, mloda_error *err)
{
    MLODA_TRY(check_shape(nd, 2, 0, err));
    MLODA_TRY(take_validity(c, nd, err));
    const uint8_t *bits = nd->array->buffers[1];
    if (nd->length == 0 || bits == NULL) {
        if (nd->length > 0)
            return parse_error(err, nd, "values buffer is NULL");
        void *empty = mloda_column_buffer_new(0);
        if (empty == NULL)
            return MLODA_NOMEM(err, "imported values");
        own(c, empty);
        c->values = empty;
        return MLODA_OK;
    }
    const uint8_t *out = NULL;
    MLODA_TRY(take_bitmap(c, bits, nd->offset, nd->length, &out, err));
    c->values = out;
    return MLODA_OK;
}

/* int32 -> int64 or float32 -> double, always into a new buffer. */
static mloda_status import_widened(mloda_column *c, const node *nd, bool is_float,
                                   mloda_error *err)
{
    MLODA_TRY(check_shape(nd, 2, 0, err));
    MLODA_TRY(take_validity(c, nd, err));
    const void *narrow = NULL;
    bool narrow_borrowed = false; /* read now, not kept: no reference needed */
    MLODA_TRY(take_fixed(c, nd, nd->array->buffers[1], nd->offset, nd->length, 4, &narrow,
                         &narrow_borrowed, err));
    size_t bytes = 0;
    if (!mloda_elems_bytes(nd->length, 8, &bytes))
        return parse_error(err, nd, "length overflows the address space");
    void *wide = mloda_column_buffer_new(bytes);
    if (wide == NULL)
        return MLODA_NOMEM(err, "widened values");
    own(c, wide);
    for (int64_t i = 0; i < nd->length; i++) {
        if (is_float)
            ((double *)wide)[i] = ((const float *)narrow)[i];
        else
            ((int64_t *)wide)[i] = ((const int32_t *)narrow)[i];
    }
    disown(c, narrow); /* a copy made for alignment is not needed any more */
    c->values = wide;
    return MLODA_OK;
}

/* Reads int32 number i of a buffer that may be misaligned. */
static int32_t load_i32(const void *buf, int64_t i)
{
    int32_t v;
    memcpy(&v, (const uint8_t *)buf + i * 4, sizeof v);
    return v;
}

static mloda_status import_utf8(mloda_column *c, const node *nd, bool *borrowed,
                                mloda_error *err)
{
    MLODA_TRY(check_shape(nd, 3, 0, err));
    MLODA_TRY(take_validity(c, nd, err));
    const void *offsets = nd->array->buffers[1];
    const char *data = nd->array->buffers[2];
    size_t bytes = 0;
    int64_t n_offsets = 0;
    int64_t end = 0;
    if (!mloda_add_i64(nd->length, 1, &n_offsets) ||
        !mloda_add_i64(nd->offset, n_offsets, &end) ||
        !mloda_elems_bytes(end, sizeof(int32_t), &bytes) ||
        !mloda_elems_bytes(n_offsets, sizeof(int32_t), &bytes))
        return parse_error(err, nd, "length overflows the address space");
    int32_t first = 0, last = 0;
    if (nd->length > 0) {
        if (offsets == NULL)
            return parse_error(err, nd, "utf8 offsets buffer is NULL");
        first = load_i32(offsets, nd->offset);
        if (first < 0)
            return parse_error(err, nd, "utf8 offsets are negative");
        last = first;
        for (int64_t i = 1; i <= nd->length; i++) {
            const int32_t next = load_i32(offsets, nd->offset + i);
            if (next < last)
                return mloda_error_set_at(err, MLODA_ERR_PARSE, nd->name, i - 1,
                                          "Arrow array of column '%s': utf8 offsets decrease "
                                          "at row %lld",
                                          nd->name, (long long)(i - 1));
            last = next;
        }
        if (last > first && data == NULL)
            return parse_error(err, nd, "utf8 data buffer is NULL");
    }
    const void *start = nd->length > 0 ? (const uint8_t *)offsets + nd->offset * 4 : NULL;
    if (start != NULL && first == 0 && (uintptr_t)start % sizeof(int32_t) == 0) {
        c->values = start;
        *borrowed = true;
    } else {
        /* rebase so that row 0 starts at byte 0 of the (moved) data pointer */
        int32_t *rebased = mloda_column_buffer_new(bytes);
        if (rebased == NULL)
            return MLODA_NOMEM(err, "utf8 offsets");
        own(c, rebased);
        for (int64_t i = 0; nd->length > 0 && i <= nd->length; i++)
            rebased[i] = load_i32(offsets, nd->offset + i) - first;
        c->values = rebased;
    }
    if (data != NULL) {
        c->data = data + first;
        *borrowed = true;
    } else {
        char *empty = mloda_column_buffer_new(0);
        if (empty == NULL)
            return MLODA_NOMEM(err, "utf8 data");
        own(c, empty);
        c->data = empty;
    }
    return MLODA_OK;
}

/* Replaces the doubles whose child validity bit is 0 by NaN (copying borrowed values):
 * a fixed-size list row is one value per slot, and NaN is float64's missing value. */
static mloda_status nan_child_nulls(mloda_column *c, const node *child, int64_t n,
                                    bool *borrowed, mloda_error *err)
{
    const struct ArrowArray *a = child->array;
    const uint8_t *bits = a->buffers[0];
    if (a->null_count == 0 || bits == NULL || n == 0 ||
        mloda_bitmap_n_set(bits, child->offset, n) == n)
        return MLODA_OK;
    size_t bytes = 0;
    (void)mloda_elems_bytes(n, sizeof(double), &bytes); /* checked by take_fixed */
    double *copy = mloda_column_buffer_new(bytes);
    if (copy == NULL)
        return MLODA_NOMEM(err, "list values");
    memcpy(copy, c->values, bytes);
    disown(c, c->values); /* replaces a copy take_fixed made, if any */
    own(c, copy);
    *borrowed = false; /* the values were the only buffer borrowed */
    for (int64_t i = 0; i < n; i++)
        if (!mloda_bitmap_get(bits, child->offset + i))
            copy[i] = (double)NAN;
    c->values = copy;
    return MLODA_OK;
}

static mloda_status import_list(mloda_column *c, const node *nd, int32_t list_size,
                                bool *borrowed, mloda_error *err)
{
    MLODA_TRY(check_shape(nd, 1, 1, err));
    const struct ArrowArray *ca = nd->array->children[0];
    const struct ArrowSchema *cs = nd->schema->children[0];
    if (strcmp(cs->format, "g") != 0)
        return mloda_error_set(err, MLODA_ERR_TYPE, nd->name,
                               "column '%s': fixed-size list of format '%s' is not supported "
                               "(only float64 'g')",
                               nd->name, cs->format);
    node child = {ca, cs, 0, 0, nd->name};
    int64_t skip = 0, end = 0;
    if (!mloda_mul_i64(nd->offset, list_size, &skip) ||
        !mloda_mul_i64(nd->length, list_size, &child.length) ||
        !mloda_add_i64(ca->offset, skip, &child.offset) ||
        !mloda_add_i64(skip, child.length, &end))
        return parse_error(err, nd, "list offset or length overflows");
    MLODA_TRY(check_shape(&child, 2, 0, err));
    if (ca->length < end)
        return parse_error(err, nd, "list child is shorter than length * list size");
    MLODA_TRY(take_validity(c, nd, err));
    c->list_size = list_size;
    MLODA_TRY(take_fixed(c, &child, ca->buffers[1], child.offset, child.length, sizeof(double),
                         &c->values, borrowed, err));
    return nan_child_nulls(c, &child, child.length, borrowed, err);
}

/* Arrow's null type: no buffers (some producers pass one, the unused validity slot) and
 * every row null. */
static mloda_status import_null(mloda_column *c, const node *nd, mloda_error *err)
{
    const int64_t n_buffers = nd->array->n_buffers == 1 ? 1 : 0;
    MLODA_TRY(check_shape(nd, n_buffers, 0, err));
    return mloda_column_init_null(c, nd->length, err);
}

/* ---------------------------------------------------------------- columns */

static mloda_status import_node(import_holder *h, const node *nd, mloda_column **out,
                                mloda_error *err)
{
    *out = NULL;
    if (nd->schema->format == NULL)
        return parse_error(err, nd, "schema format is NULL");
    const fmt_info f = parse_format(nd->schema->format);
    mloda_column *c = mloda_column_alloc();
    if (c == NULL)
        return MLODA_NOMEM(err, "an imported column");
    c->length = nd->length;
    bool borrowed = false;
    mloda_status st = MLODA_OK;
    switch (f.kind) {
    case FMT_INT64:
    case FMT_TIMESTAMP:
        c->type = f.kind == FMT_INT64 ? MLODA_TYPE_INT64 : MLODA_TYPE_TIMESTAMP;
        c->unit = f.unit;
        st = import_fixed(c, nd, &borrowed, err);
        break;
    case FMT_FLOAT64:
        c->type = MLODA_TYPE_FLOAT64;
        st = import_fixed(c, nd, &borrowed, err);
        break;
    case FMT_INT32:
    case FMT_FLOAT32:
        c->type = f.kind == FMT_INT32 ? MLODA_TYPE_INT64 : MLODA_TYPE_FLOAT64;
        st = import_widened(c, nd, f.kind == FMT_FLOAT32, err);
        break;
    case FMT_BOOL:
        c->type = MLODA_TYPE_BOOL;
        st = import_bool(c, nd, err);
        break;
    case FMT_UTF8:
        c->type = MLODA_TYPE_UTF8;
        st = import_utf8(c, nd, &borrowed, err);
        break;
    case FMT_LIST:
        c->type = MLODA_TYPE_FLOAT64_LIST;
        st = import_list(c, nd, f.list_size, &borrowed, err);
        break;
    case FMT_NULL:
        st = import_null(c, nd, err);
        break;
    case FMT_STRUCT:
    case FMT_UNSUPPORTED:
        st = mloda_error_set(err, MLODA_ERR_TYPE, nd->name,
                             "column '%s' has Arrow format '%s', which is not supported "
                             "(supported: l g b u i f tss: tsm: tsu: tsn: +w:N of g, n)",
                             nd->name, nd->schema->format);
        break;
    }
    if (st != MLODA_OK) {
        mloda_column_destroy(c);
        return st;
    }
    if (borrowed) {
        mloda_column_owner_retain(&h->base);
        c->owner = &h->base;
    }
    *out = c;
    return MLODA_OK;
}

static const char *field_name(const struct ArrowSchema *s)
{
    return s != NULL && s->name != NULL ? s->name : "";
}

/* Common start of both imports: arguments, then the move into a holder. */
static mloda_status begin_import(struct ArrowArray *array, const struct ArrowSchema *schema,
                                 const void *out, import_holder **h, mloda_error *err)
{
    *h = NULL;
    /* the constant (not mloda_error_set's result) is returned so that analyzers see *h
     * is only used after success */
    if (array == NULL || array->release == NULL) {
        (void)mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL,
                              "import needs an unreleased Arrow array");
        return MLODA_ERR_INVALID_ARG;
    }
    if (schema == NULL || out == NULL) {
        array->release(array); /* ownership is taken even when the call fails */
        (void)mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL,
                              "import needs a schema and an output pointer");
        return MLODA_ERR_INVALID_ARG;
    }
    return holder_take(array, h, err);
}

mloda_status mloda_column_import(struct ArrowArray *array, const struct ArrowSchema *schema,
                                 mloda_column **out, mloda_error *err)
{
    mloda_error_enter(err);
    if (out != NULL)
        *out = NULL;
    import_holder *h = NULL;
    MLODA_TRY(begin_import(array, schema, out, &h, err));
    const node nd = {&h->array, schema, h->array.offset, h->array.length, field_name(schema)};
    mloda_status st = import_node(h, &nd, out, err);
    mloda_column_owner_release(&h->base); /* the columns keep what they borrow */
    return st;
}

/* ---------------------------------------------------------------- tables */

/* Rows of a struct array may not be null: a table row always exists. */
static mloda_status check_struct_rows(const node *nd, mloda_error *err)
{
    const struct ArrowArray *a = nd->array;
    const uint8_t *bits = a->buffers[0];
    if (a->null_count == 0 || bits == NULL || nd->length == 0)
        return MLODA_OK;
    if (mloda_bitmap_n_set(bits, nd->offset, nd->length) != nd->length)
        return mloda_error_set(err, MLODA_ERR_TYPE, nd->name,
                               "struct array has null rows, which a table cannot hold");
    return MLODA_OK;
}

/* Imports the children of the struct node into columns[] and their names into names[]. */
static mloda_status import_children(import_holder *h, const node *top, mloda_column **columns,
                                    const char **names, mloda_error *err)
{
    for (int64_t i = 0; i < top->array->n_children; i++) {
        const struct ArrowArray *ca = top->array->children[i];
        const struct ArrowSchema *cs = top->schema->children[i];
        node child = {ca, cs, 0, top->length, field_name(cs)};
        int64_t end = 0;
        if (!mloda_add_i64(ca->offset, top->offset, &child.offset) ||
            !mloda_add_i64(top->offset, top->length, &end))
            return parse_error(err, &child, "negative or overflowing offset");
        if (ca->length < end)
            return parse_error(err, &child, "child array is shorter than the struct");
        names[i] = child.name;
        MLODA_TRY(import_node(h, &child, &columns[i], err));
    }
    return MLODA_OK;
}

static mloda_status import_table(import_holder *h, const node *top, mloda_table **out,
                                 mloda_error *err)
{
    if (top->schema->format == NULL || strcmp(top->schema->format, "+s") != 0)
        return mloda_error_set(err, MLODA_ERR_TYPE, top->name,
                               "a table needs a struct array ('+s'), got format '%s'",
                               top->schema->format == NULL ? "(null)" : top->schema->format);
    MLODA_TRY(check_shape(top, 1, top->array->n_children, err));
    MLODA_TRY(check_struct_rows(top, err));
    const int64_t n = top->array->n_children;
    size_t bytes = 0;
    if (!mloda_elems_bytes(n, sizeof(void *), &bytes))
        return parse_error(err, top, "too many children");
    mloda_column **columns = mloda_calloc(1, bytes);
    const char **names = mloda_calloc(1, bytes);
    mloda_status st = MLODA_OK;
    if (columns == NULL || names == NULL) {
        st = MLODA_NOMEM(err, "an imported table");
        goto done;
    }
    MLODA_TRY_GOTO(st, import_children(h, top, columns, names, err), done);
    st = mloda_table_new(top->length, n, names, (const mloda_column *const *)columns, out, err);
done:
    for (int64_t i = 0; columns != NULL && i < n; i++)
        mloda_column_release(columns[i]);
    mloda_free(columns);
    mloda_free(names);
    return st;
}

mloda_status mloda_table_import(struct ArrowArray *array, const struct ArrowSchema *schema,
                                mloda_table **out, mloda_error *err)
{
    mloda_error_enter(err);
    if (out != NULL)
        *out = NULL;
    import_holder *h = NULL;
    MLODA_TRY(begin_import(array, schema, out, &h, err));
    const node top = {&h->array, schema, h->array.offset, h->array.length, field_name(schema)};
    mloda_status st = import_table(h, &top, out, err);
    mloda_column_owner_release(&h->base); /* the columns keep what they borrow */
    return st;
}
