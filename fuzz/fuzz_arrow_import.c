/*
 * fuzz_arrow_import.c: crafted Arrow C Data Interface structs. The bytes choose a format,
 * length, offset, null count, buffer count and the buffer contents (utf8 offsets
 * included); buffers are always large enough for what the struct claims, as the spec
 * requires of producers, so every failure to validate shows up as a sanitizer report.
 * Import must accept or refuse with a status, call the producer's release exactly once,
 * and a successful import must round-trip through export.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mloda/mloda.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct reader {
    const uint8_t *p;
    size_t n;
} reader;

static uint64_t take(reader *r, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes && r->n > 0; i++, r->p++, r->n--)
        v |= (uint64_t)r->p[0] << (8 * i);
    return v;
}

typedef struct producer {
    void *buffers[3];
    const void *ptrs[3];
    struct ArrowArray child;
    struct ArrowArray *children[1];
    int *released;
} producer;

static void release_child(struct ArrowArray *a)
{
    a->release = NULL;
}

static void release_array(struct ArrowArray *a)
{
    producer *p = a->private_data;
    for (int i = 0; i < 3; i++)
        free(p->buffers[i]);
    if (p->child.release != NULL)
        p->child.release(&p->child);
    (*p->released)++;
    free(p);
    a->release = NULL;
}

static void *filled_buffer(reader *r, size_t bytes)
{
    uint8_t *b = calloc(1, bytes + 64);
    for (size_t i = 0; b != NULL && i < bytes && r->n > 0; i++)
        b[i] = (uint8_t)take(r, 1);
    return b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const formats[] = {"l", "g", "b", "u", "tsu:", "tss:UTC", "+w:2", "i",
                                          "f", "+s", "z", "", "+w:0", "tsx:"};
    reader r = {data, size};
    const char *fmt = formats[take(&r, 1) % (sizeof formats / sizeof formats[0])];
    int64_t length = (int64_t)(take(&r, 1) % 40);
    int64_t offset = (int64_t)(take(&r, 1) % 20);
    int64_t null_count = (int64_t)take(&r, 1) % 5 - 1;
    int64_t n_buffers = (int64_t)(take(&r, 1) % 4);
    int64_t rows = length + offset;
    int released = 0;
    producer *p = calloc(1, sizeof *p);
    if (p == NULL)
        return 0;
    p->released = &released;
    /* every buffer is big enough for 8 bytes per row (+1 for offsets) */
    for (int i = 0; i < 3; i++) {
        p->buffers[i] = filled_buffer(&r, (size_t)(rows + 1) * 8);
        p->ptrs[i] = (take(&r, 1) % 7 == 0) ? NULL : p->buffers[i];
    }
    struct ArrowSchema child_schema = {"g", "x", NULL, 2, 0, NULL, NULL, NULL, NULL};
    struct ArrowSchema *schema_children[1] = {&child_schema};
    struct ArrowSchema schema = {fmt, "col", NULL, 2, 0, NULL, NULL, NULL, NULL};
    struct ArrowArray arr = {length, null_count, offset, n_buffers, 0, p->ptrs, NULL, NULL,
                             release_array, p};
    if (fmt[0] == '+') { /* one child: a float64 array (fixed-size list or struct field) */
        int64_t child_len = (int64_t)(take(&r, 1) % 100);
        p->child = (struct ArrowArray){child_len, 0, 0, 2, 0, p->ptrs, NULL, NULL,
                                       release_child, NULL};
        if (rows * 2 + 8 < child_len)
            child_len = rows * 2 + 8; /* keep the claim within the buffer */
        p->child.length = child_len;
        p->children[0] = &p->child;
        arr.n_children = 1;
        arr.children = p->children;
        schema.n_children = 1;
        schema.children = schema_children;
    }
    mloda_column *col = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    mloda_status st;
    if (strcmp(fmt, "+s") == 0) {
        mloda_table *t = NULL;
        st = mloda_table_import(&arr, &schema, &t, &err);
        mloda_table_release(t);
    } else {
        st = mloda_column_import(&arr, &schema, &col, &err);
    }
    if (st == MLODA_OK && col != NULL) {
        struct ArrowArray out;
        struct ArrowSchema out_schema;
        if (mloda_column_export(col, "x", &out, &out_schema, &err) == MLODA_OK) {
            out.release(&out);
            out_schema.release(&out_schema);
        }
    }
    mloda_column_release(col);
    if (arr.release != NULL) /* import must take ownership, also on failure */
        abort();
    if (released != 1)
        abort();
    return 0;
}
