/*
 * arrow_export.c: zero-copy export of columns and tables through the Arrow C Data
 * Interface.
 *
 * Every exported ArrowArray owns one private block: a column reference (so the buffers
 * outlive the table or column the caller exported), its buffer pointer array, and room for
 * its children (child pointer array and child structs). Every exported ArrowSchema owns a
 * block with its format, name and children. Children are separately releasable, so a
 * consumer may move them out; a parent's release skips children already released and
 * releases the rest before itself. null_count is always filled; columns have offset 0.
 */
#include "table/arrow_internal.h"

#include <stdio.h>
#include <string.h>

#include "table/column_internal.h"
#include "util/util.h"

/* ---------------------------------------------------------------- arrays */

typedef struct array_private {
    mloda_column *column; /* one reference, or NULL for a struct array */
    const void *buffers[3];
    /* followed by: struct ArrowArray *child_ptrs[n]; struct ArrowArray children[n] */
} array_private;

static void array_release(struct ArrowArray *array)
{
    array_private *p = array->private_data;
    for (int64_t i = 0; i < array->n_children; i++) {
        struct ArrowArray *child = array->children[i];
        if (child->release != NULL)
            child->release(child);
    }
    mloda_column_release(p->column);
    mloda_free(p);
    array->release = NULL;
}

/* Fills *out as a released-safe array with n_children zeroed (released) children and its
 * own private block holding `column` (a new reference, may be NULL). */
static mloda_status array_start(struct ArrowArray *out, const mloda_column *column,
                                int64_t n_children, mloda_error *err)
{
    memset(out, 0, sizeof *out);
    size_t kids = 0, total = 0;
    if (!mloda_elems_bytes(n_children, sizeof(struct ArrowArray *) + sizeof(struct ArrowArray),
                           &kids) ||
        !mloda_add_size(sizeof(array_private), kids, &total))
        return mloda_error_set(err, MLODA_ERR_RANGE, NULL, "too many columns to export");
    array_private *p = mloda_calloc(1, total);
    if (p == NULL)
        return MLODA_NOMEM(err, "an Arrow array");
    struct ArrowArray **ptrs = (struct ArrowArray **)(void *)(p + 1);
    struct ArrowArray *children = (struct ArrowArray *)(void *)(ptrs + n_children);
    for (int64_t i = 0; i < n_children; i++)
        ptrs[i] = &children[i]; /* calloc: each child reads as released */
    p->column = mloda_column_retain(column);
    out->n_children = n_children;
    out->buffers = p->buffers;
    out->children = n_children > 0 ? ptrs : NULL;
    out->release = array_release;
    out->private_data = p;
    return MLODA_OK;
}

static mloda_status export_column_array(const mloda_column *col, struct ArrowArray *out,
                                        mloda_error *err)
{
    const bool is_list = col->type == MLODA_TYPE_FLOAT64_LIST;
    MLODA_TRY(array_start(out, col, is_list ? 1 : 0, err));
    array_private *p = out->private_data;
    out->length = col->length;
    out->null_count = col->null_count;
    p->buffers[0] = col->validity;
    if (is_list) {
        out->n_buffers = 1;
        struct ArrowArray *child = out->children[0];
        mloda_status st = array_start(child, col, 0, err);
        if (st != MLODA_OK) {
            out->release(out);
            return st;
        }
        /* length * list_size was checked when the column was built */
        child->length = col->length * col->list_size;
        child->n_buffers = 2;
        ((array_private *)child->private_data)->buffers[1] = col->values;
    } else if (col->type == MLODA_TYPE_NULL) {
        out->n_buffers = 0; /* Arrow's null layout has no buffers */
    } else {
        out->n_buffers = col->type == MLODA_TYPE_UTF8 ? 3 : 2;
        p->buffers[1] = col->values;
        p->buffers[2] = col->data;
    }
    return MLODA_OK;
}

mloda_status mloda_arrow_export_table_array(const mloda_table *t, struct ArrowArray *out,
                                            mloda_error *err)
{
    const int64_t n = mloda_table_n_columns(t);
    MLODA_TRY(array_start(out, NULL, n, err));
    out->length = mloda_table_n_rows(t);
    out->n_buffers = 1; /* the struct's validity: NULL, rows are never null */
    for (int64_t i = 0; i < n; i++) {
        mloda_status st = export_column_array(mloda_table_column(t, i), out->children[i], err);
        if (st != MLODA_OK) {
            out->release(out);
            return st;
        }
    }
    return MLODA_OK;
}

/* ---------------------------------------------------------------- schemas */

typedef struct schema_private {
    char format[32]; /* "+w:2147483647" is the longest */
    /* followed by: struct ArrowSchema *child_ptrs[n]; struct ArrowSchema children[n];
     * then the name bytes */
} schema_private;

static void schema_release(struct ArrowSchema *schema)
{
    for (int64_t i = 0; i < schema->n_children; i++) {
        struct ArrowSchema *child = schema->children[i];
        if (child->release != NULL)
            child->release(child);
    }
    mloda_free(schema->private_data);
    schema->release = NULL;
}

static mloda_status schema_start(struct ArrowSchema *out, const char *format, const char *name,
                                 int64_t flags, int64_t n_children, mloda_error *err)
{
    memset(out, 0, sizeof *out);
    if (name == NULL)
        name = "";
    const size_t name_bytes = strlen(name) + 1;
    size_t kids = 0, total = 0;
    if (!mloda_elems_bytes(n_children,
                           sizeof(struct ArrowSchema *) + sizeof(struct ArrowSchema), &kids) ||
        !mloda_add_size(sizeof(schema_private), kids, &total) ||
        !mloda_add_size(total, name_bytes, &total))
        return mloda_error_set(err, MLODA_ERR_RANGE, NULL, "too many columns to export");
    schema_private *p = mloda_calloc(1, total);
    if (p == NULL)
        return MLODA_NOMEM(err, "an Arrow schema");
    struct ArrowSchema **ptrs = (struct ArrowSchema **)(void *)(p + 1);
    struct ArrowSchema *children = (struct ArrowSchema *)(void *)(ptrs + n_children);
    char *name_copy = (char *)(children + n_children);
    for (int64_t i = 0; i < n_children; i++)
        ptrs[i] = &children[i]; /* calloc: each child reads as released */
    (void)snprintf(p->format, sizeof p->format, "%s", format);
    memcpy(name_copy, name, name_bytes);
    out->format = p->format;
    out->name = name_copy;
    out->flags = flags;
    out->n_children = n_children;
    out->children = n_children > 0 ? ptrs : NULL;
    out->release = schema_release;
    out->private_data = p;
    return MLODA_OK;
}

static const char *column_format(const mloda_column *col, char *buf, size_t cap)
{
    switch (col->type) {
    case MLODA_TYPE_INT64:
        return "l";
    case MLODA_TYPE_FLOAT64:
        return "g";
    case MLODA_TYPE_BOOL:
        return "b";
    case MLODA_TYPE_UTF8:
        return "u";
    case MLODA_TYPE_TIMESTAMP: {
        static const char *const units[] = {"tss:", "tsm:", "tsu:", "tsn:"};
        return units[col->unit];
    }
    case MLODA_TYPE_FLOAT64_LIST:
        (void)snprintf(buf, cap, "+w:%d", (int)col->list_size);
        return buf;
    case MLODA_TYPE_NULL:
        return "n";
    case MLODA_TYPE_INVALID:
        break;
    }
    return NULL;
}

static mloda_status export_column_schema(const mloda_column *col, const char *name,
                                         struct ArrowSchema *out, mloda_error *err)
{
    char buf[32];
    const char *format = column_format(col, buf, sizeof buf);
    if (format == NULL)
        return mloda_error_set(err, MLODA_ERR_TYPE, name, "column '%s' has no valid type",
                               name == NULL ? "" : name);
    const bool is_list = col->type == MLODA_TYPE_FLOAT64_LIST;
    MLODA_TRY(schema_start(out, format, name, ARROW_FLAG_NULLABLE, is_list ? 1 : 0, err));
    if (is_list) {
        mloda_status st =
            schema_start(out->children[0], "g", "item", ARROW_FLAG_NULLABLE, 0, err);
        if (st != MLODA_OK) {
            out->release(out);
            return st;
        }
    }
    return MLODA_OK;
}

mloda_status mloda_arrow_export_table_schema(const mloda_table *t, struct ArrowSchema *out,
                                             mloda_error *err)
{
    const int64_t n = mloda_table_n_columns(t);
    MLODA_TRY(schema_start(out, "+s", "", 0, n, err));
    for (int64_t i = 0; i < n; i++) {
        mloda_status st = export_column_schema(mloda_table_column(t, i),
                                               mloda_table_column_name(t, i),
                                               out->children[i], err);
        if (st != MLODA_OK) {
            out->release(out);
            return st;
        }
    }
    return MLODA_OK;
}

/* ---------------------------------------------------------------- public */

static void mark_released(struct ArrowArray *array, struct ArrowSchema *schema)
{
    if (array != NULL)
        memset(array, 0, sizeof *array);
    if (schema != NULL)
        memset(schema, 0, sizeof *schema);
}

mloda_status mloda_column_export(const mloda_column *col, const char *name,
                                 struct ArrowArray *out_array, struct ArrowSchema *out_schema,
                                 mloda_error *err)
{
    mloda_error_enter(err);
    mark_released(out_array, out_schema);
    if (col == NULL || out_array == NULL || out_schema == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, name,
                               "column export needs a column and both output structs");
    MLODA_TRY(export_column_schema(col, name, out_schema, err));
    mloda_status st = export_column_array(col, out_array, err);
    if (st != MLODA_OK)
        out_schema->release(out_schema);
    return st;
}

mloda_status mloda_table_export(const mloda_table *t, struct ArrowArray *out_array,
                                struct ArrowSchema *out_schema, mloda_error *err)
{
    mloda_error_enter(err);
    mark_released(out_array, out_schema);
    if (t == NULL || out_array == NULL || out_schema == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL,
                               "table export needs a table and both output structs");
    MLODA_TRY(mloda_arrow_export_table_schema(t, out_schema, err));
    mloda_status st = mloda_arrow_export_table_array(t, out_array, err);
    if (st != MLODA_OK)
        out_schema->release(out_schema);
    return st;
}
