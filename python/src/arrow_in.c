/*
 * arrow_in.c: Arrow PyCapsule interface consumers (pyarrow, polars, DuckDB, nanoarrow and
 * our own result tables): __arrow_c_array__ (a column, or a table as a struct array) and
 * __arrow_c_stream__ (a table as a stream of struct arrays).
 *
 * Ownership follows the PyCapsule protocol: the ArrowArray / ArrowArrayStream is moved out
 * of its capsule (the capsule's copy is marked released), so the capsule's destructor does
 * nothing and the engine's import calls the producer's release exactly once. A struct
 * array's children are lent one by one through wrappers that share one reference-counted
 * holder of the parent, so each column keeps only the buffers it uses alive.
 *
 * Formats the engine imports itself (l g b u i f ts?: +w:N of g) stay zero-copy where the
 * engine allows; large strings (U), small and unsigned integers (c s C S I L) and dates
 * (tdD, tdm) are converted here into new columns. A stream of several batches is
 * concatenated (one copy): engine columns are contiguous.
 */
#include "core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int raise_engine(const mloda_error *err)
{
    (void)mc_raise(err);
    return -1;
}

/* Calls a producer's release callback. With the GIL held, a pending Python exception is
 * kept aside meanwhile: a producer written in Python (or calling into it) must not run
 * with an exception set. Without the GIL (a pool thread dropping the last column) the
 * producer takes the GIL itself if it needs it. */
static void release_array(struct ArrowArray *a)
{
    if (a->release == NULL)
        return;
    if (mc_py_alive() && PyGILState_Check()) {
        PyObject *t, *v, *tb;
        PyErr_Fetch(&t, &v, &tb);
        a->release(a);
        PyErr_Restore(t, v, tb);
    } else {
        a->release(a);
    }
}

static void release_schema(struct ArrowSchema *s)
{
    if (s->release == NULL)
        return;
    PyObject *t, *v, *tb;
    PyErr_Fetch(&t, &v, &tb); /* called with the GIL held only */
    s->release(s);
    PyErr_Restore(t, v, tb);
}

static void release_stream(struct ArrowArrayStream *s)
{
    if (s->release == NULL)
        return;
    PyObject *t, *v, *tb;
    PyErr_Fetch(&t, &v, &tb);
    s->release(s);
    PyErr_Restore(t, v, tb);
}

/* Drops a reference to the capsules: their destructors may run producer code, which must
 * not see the exception this call may be raising. */
static void decref_keep_error(PyObject *o)
{
    PyObject *t, *v, *tb;
    PyErr_Fetch(&t, &v, &tb);
    Py_XDECREF(o);
    PyErr_Restore(t, v, tb);
}

/* ---------------------------------------------------------------- shared parent */

typedef struct parent {
    atomic_long refs;
    struct ArrowArray arr; /* moved from the producer */
} parent;

static void parent_release(parent *p)
{
    if (atomic_fetch_sub(&p->refs, 1) != 1)
        return;
    release_array(&p->arr); /* the producer may need the GIL: it takes it itself */
    free(p);
}

static void child_release(struct ArrowArray *a)
{
    parent_release(a->private_data);
    a->release = NULL;
}

/* ---------------------------------------------------------------- one column */

static bool is_engine_format(const char *f)
{
    static const char *simple[] = {"l", "g", "b", "u", "i", "f"};
    for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++)
        if (strcmp(f, simple[i]) == 0)
            return true;
    if (f[0] == 't' && f[1] == 's' && f[2] != '\0' && f[3] == ':')
        return true;
    return strncmp(f, "+w:", 3) == 0;
}

static const uint8_t *buf_u8(const struct ArrowArray *a, int i)
{
    return a->n_buffers > i ? a->buffers[i] : NULL;
}

static bool valid_at(const struct ArrowArray *a, int64_t i)
{
    const uint8_t *v = a->null_count != 0 ? buf_u8(a, 0) : NULL;
    int64_t j = a->offset + i;
    return v == NULL || mloda_bitmap_get(v, j);
}

/* Converted copy of a column of a format the engine does not import. a is released. */
static int convert_other(struct ArrowArray *a, const char *format, const char *where,
                         mloda_column **out)
{
    mloda_error err = MLODA_ERROR_INIT;
    mloda_column_builder *b = NULL;
    int64_t n = a->length;
    mloda_status st = MLODA_OK;
    const char *f = format;
    bool is_large = strcmp(f, "U") == 0;
    bool is_int = strlen(f) == 1 && strchr("csCSIL", f[0]) != NULL;
    bool is_date = strcmp(f, "tdD") == 0 || strcmp(f, "tdm") == 0;
    if (!is_large && !is_int && !is_date) {
        release_array(a);
        PyErr_Format(PyExc_TypeError,
                     "%s: Arrow format '%s' is not supported (numbers, bools, strings, "
                     "timestamps, dates and fixed-size lists of float64 are)",
                     where, format);
        return -1;
    }
    if (a->n_buffers < (is_large ? 3 : 2)) {
        release_array(a);
        PyErr_Format(PyExc_ValueError, "%s: Arrow array of format '%s' lacks buffers", where,
                     format);
        return -1;
    }
    st = mloda_column_builder_new(is_large ? MLODA_TYPE_UTF8
                                  : is_date ? MLODA_TYPE_TIMESTAMP
                                            : MLODA_TYPE_INT64,
                                  0, f[2] == 'D' ? MLODA_TIME_SECOND : MLODA_TIME_MILLI, &b, &err);
    for (int64_t i = 0; st == MLODA_OK && i < n; i++) {
        int64_t j = a->offset + i;
        if (!valid_at(a, i)) {
            st = mloda_column_builder_append_null(b, &err);
            continue;
        }
        if (is_large) {
            const int64_t *off = a->buffers[1];
            const char *data = a->buffers[2];
            st = mloda_column_builder_append_utf8(b, data + off[j], off[j + 1] - off[j], &err);
            continue;
        }
        const void *p = a->buffers[1];
        int64_t v = 0;
        switch (f[0]) {
        case 'c':
            v = ((const int8_t *)p)[j];
            break;
        case 's':
            v = ((const int16_t *)p)[j];
            break;
        case 'C':
            v = ((const uint8_t *)p)[j];
            break;
        case 'S':
            v = ((const uint16_t *)p)[j];
            break;
        case 'I':
            v = ((const uint32_t *)p)[j];
            break;
        case 'L': {
            uint64_t u = ((const uint64_t *)p)[j];
            if (u > (uint64_t)INT64_MAX) {
                mloda_column_builder_free(b);
                release_array(a);
                PyErr_Format(PyExc_OverflowError, "%s: row %lld holds %llu, beyond int64", where,
                             (long long)i, (unsigned long long)u);
                return -1;
            }
            v = (int64_t)u;
            break;
        }
        default: /* dates */
            v = f[2] == 'D' ? (int64_t)((const int32_t *)p)[j] * 86400 : ((const int64_t *)p)[j];
            break;
        }
        st = mloda_column_builder_append_int64(b, v, &err);
    }
    release_array(a);
    if (st != MLODA_OK) {
        mloda_column_builder_free(b);
        return raise_engine(&err);
    }
    if (mloda_column_builder_finish(b, out, &err) != MLODA_OK)
        return raise_engine(&err);
    return 0;
}

/* Imports one (moved) array; takes it over in every case. */
static int import_one(struct ArrowArray *a, const struct ArrowSchema *schema, const char *where,
                      mloda_column **out)
{
    *out = NULL;
    const char *f = schema->format != NULL ? schema->format : "";
    if (!is_engine_format(f))
        return convert_other(a, f, where, out);
    struct ArrowSchema named = *schema; /* read-only copy naming the column for messages */
    named.name = where;
    named.release = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    if (mloda_column_import(a, &named, out, &err) != MLODA_OK)
        return raise_engine(&err);
    return 0;
}

/* Takes *a (a struct array) over; children lent through a shared parent. */
static int import_struct(struct ArrowArray *a, const struct ArrowSchema *schema,
                         const char *where, mloda_table **out)
{
    *out = NULL;
    if (schema->format == NULL || strcmp(schema->format, "+s") != 0) {
        release_array(a);
        PyErr_Format(PyExc_TypeError,
                     "%s: an Arrow table must be a struct array (format '+s'), got format '%s'",
                     where, schema->format != NULL ? schema->format : "");
        return -1;
    }
    if (a->n_children != schema->n_children) {
        release_array(a);
        PyErr_Format(PyExc_ValueError, "%s: Arrow array and schema differ in child count", where);
        return -1;
    }
    parent *p = malloc(sizeof *p);
    if (p == NULL) {
        release_array(a);
        PyErr_NoMemory();
        return -1;
    }
    atomic_init(&p->refs, 1);
    p->arr = *a;
    a->release = NULL;
    int64_t n = p->arr.n_children;
    mloda_column **cols = calloc((size_t)n + 1, sizeof *cols);
    const char **names = calloc((size_t)n + 1, sizeof *names);
    int rc = cols != NULL && names != NULL ? 0 : -1;
    if (rc < 0)
        PyErr_NoMemory();
    for (int64_t i = 0; rc == 0 && i < n; i++) {
        const struct ArrowSchema *cs = schema->children[i];
        names[i] = cs->name != NULL ? cs->name : "";
        char cwhere[300];
        (void)snprintf(cwhere, sizeof cwhere, "%s['%s']", where, names[i]);
        struct ArrowArray c = *p->arr.children[i];
        c.offset += p->arr.offset;
        c.length = p->arr.length;
        c.private_data = p;
        c.release = child_release;
        atomic_fetch_add(&p->refs, 1);
        rc = import_one(&c, cs, cwhere, &cols[i]);
    }
    if (rc == 0) {
        mloda_error err = MLODA_ERROR_INIT;
        if (mloda_table_new(p->arr.length, n, names, (const mloda_column *const *)cols, out,
                            &err) != MLODA_OK) {
            if (err.code == MLODA_ERR_DUPLICATE)
                PyErr_Format(PyExc_ValueError, "%s: %s", where, err.message);
            else
                (void)mc_raise(&err);
            rc = -1;
        }
    }
    for (int64_t i = 0; cols != NULL && i < n; i++)
        mloda_column_release(cols[i]);
    free(cols);
    free(names);
    parent_release(p);
    return rc;
}

/* ---------------------------------------------------------------- capsules */

/* obj.method() -> (schema capsule, array capsule), or NULL; *absent when obj lacks it. */
static PyObject *call_export(PyObject *obj, const char *method, bool *absent)
{
    *absent = false;
    PyObject *fn = PyObject_GetAttrString(obj, method);
    if (fn == NULL) {
        if (PyErr_ExceptionMatches(PyExc_AttributeError)) {
            PyErr_Clear();
            *absent = true;
        }
        return NULL;
    }
    PyObject *r = PyObject_CallNoArgs(fn);
    Py_DECREF(fn);
    return r;
}

/* Moves the array out of the capsule pair; *schema stays owned by its capsule. */
static int take_array(PyObject *pair, const char *where, struct ArrowSchema **schema,
                      struct ArrowArray *arr)
{
    if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
        PyErr_Format(PyExc_TypeError, "%s: __arrow_c_array__ must return (schema, array) capsules",
                     where);
        return -1;
    }
    *schema = PyCapsule_GetPointer(PyTuple_GET_ITEM(pair, 0), "arrow_schema");
    struct ArrowArray *a = PyCapsule_GetPointer(PyTuple_GET_ITEM(pair, 1), "arrow_array");
    if (*schema == NULL || a == NULL)
        return -1;
    if (a->release == NULL) {
        PyErr_Format(PyExc_ValueError, "%s: the Arrow array was already consumed", where);
        return -1;
    }
    *arr = *a;
    a->release = NULL; /* moved: the capsule's destructor now has nothing to release */
    return 0;
}

int mc_arrow_column_from_py(PyObject *obj, const char *where, mloda_column **out)
{
    *out = NULL;
    bool absent = false;
    PyObject *pair = call_export(obj, "__arrow_c_array__", &absent);
    if (pair == NULL)
        return absent ? 0 : -1;
    struct ArrowSchema *schema = NULL;
    struct ArrowArray arr;
    int rc = take_array(pair, where, &schema, &arr);
    if (rc == 0)
        rc = import_one(&arr, schema, where, out);
    decref_keep_error(pair); /* releases the schema */
    return rc < 0 ? -1 : 1;
}

static mloda_status type_of_format(const char *f, mc_target *t)
{
    t->list_size = 0;
    t->unit = MLODA_TIME_MICRO;
    if (strcmp(f, "l") == 0 || strcmp(f, "i") == 0 || (strlen(f) == 1 && strchr("csCSIL", f[0])))
        t->type = MLODA_TYPE_INT64;
    else if (strcmp(f, "g") == 0 || strcmp(f, "f") == 0)
        t->type = MLODA_TYPE_FLOAT64;
    else if (strcmp(f, "b") == 0)
        t->type = MLODA_TYPE_BOOL;
    else if (strcmp(f, "u") == 0 || strcmp(f, "U") == 0)
        t->type = MLODA_TYPE_UTF8;
    else if (f[0] == 't' && f[1] == 's' && f[2] != '\0' && f[3] == ':') {
        t->type = MLODA_TYPE_TIMESTAMP;
        t->unit = f[2] == 's' ? MLODA_TIME_SECOND : f[2] == 'm' ? MLODA_TIME_MILLI
                                                  : f[2] == 'u' ? MLODA_TIME_MICRO
                                                                : MLODA_TIME_NANO;
    } else if (strcmp(f, "tdD") == 0 || strcmp(f, "tdm") == 0) {
        t->type = MLODA_TYPE_TIMESTAMP;
        t->unit = f[2] == 'D' ? MLODA_TIME_SECOND : MLODA_TIME_MILLI;
    } else if (strncmp(f, "+w:", 3) == 0) {
        t->type = MLODA_TYPE_FLOAT64_LIST;
        t->list_size = (int32_t)atoi(f + 3);
    } else
        return MLODA_ERR_TYPE;
    return MLODA_OK;
}

/* A table of no rows with the schema's columns (a stream without batches). */
static int empty_table(const struct ArrowSchema *schema, const char *where, mloda_table **out)
{
    int64_t n = schema->n_children;
    mloda_column **cols = calloc((size_t)n + 1, sizeof *cols);
    const char **names = calloc((size_t)n + 1, sizeof *names);
    int rc = cols != NULL && names != NULL ? 0 : -1;
    if (rc < 0)
        PyErr_NoMemory();
    mloda_error err = MLODA_ERROR_INIT;
    for (int64_t i = 0; rc == 0 && i < n; i++) {
        mc_target t;
        names[i] = schema->children[i]->name;
        if (type_of_format(schema->children[i]->format, &t) != MLODA_OK) {
            PyErr_Format(PyExc_TypeError, "%s['%s']: Arrow format '%s' is not supported", where,
                         names[i], schema->children[i]->format);
            rc = -1;
        } else if (mc_null_column(&t, 0, &cols[i], &err) != MLODA_OK)
            rc = raise_engine(&err);
    }
    if (rc == 0 && mloda_table_new(0, n, names, (const mloda_column *const *)cols, out, &err) !=
                       MLODA_OK)
        rc = raise_engine(&err);
    for (int64_t i = 0; cols != NULL && i < n; i++)
        mloda_column_release(cols[i]);
    free(cols);
    free(names);
    return rc;
}

/* One column of several tables' column i, copied into one. */
static mloda_status concat_column(mloda_table **ts, int64_t n_ts, int64_t ci, int64_t total,
                                  mloda_column **out, mloda_error *err)
{
    const mloda_column *c0 = mloda_table_column(ts[0], ci);
    mloda_type type = mloda_column_type(c0);
    int32_t ls = mloda_column_list_size(c0);
    mloda_column_builder *b = NULL;
    MC_TRY(mloda_column_builder_new(type, ls, mloda_column_time_unit(c0), &b, err));
    mloda_status st = MLODA_OK;
    if (type == MLODA_TYPE_UTF8) {
        for (int64_t t = 0; st == MLODA_OK && t < n_ts; t++) {
            const mloda_column *c = mloda_table_column(ts[t], ci);
            for (int64_t r = 0; st == MLODA_OK && r < mloda_column_n_rows(c); r++) {
                int64_t len = 0;
                const char *s = mloda_column_utf8_at(c, r, &len);
                st = s != NULL ? mloda_column_builder_append_utf8(b, s, len, err)
                               : mloda_column_builder_append_null(b, err);
            }
        }
    } else {
        void *vals = NULL;
        st = mloda_column_builder_resize_uninit(b, total, &vals, err);
        int64_t at = 0;
        size_t width = type == MLODA_TYPE_FLOAT64_LIST ? (size_t)ls * 8 : 8;
        uint8_t *valid = NULL;
        for (int64_t t = 0; st == MLODA_OK && t < n_ts; t++) {
            const mloda_column *c = mloda_table_column(ts[t], ci);
            int64_t m = mloda_column_n_rows(c);
            if (type == MLODA_TYPE_BOOL) {
                for (int64_t r = 0; r < m; r++)
                    mloda_bitmap_set(vals, at + r, mloda_column_bool_at(c, r));
            } else if (m > 0) {
                const void *src = type == MLODA_TYPE_INT64 || type == MLODA_TYPE_TIMESTAMP
                                      ? (const void *)mloda_column_int64(c)
                                      : (const void *)mloda_column_float64(c);
                memcpy((char *)vals + (size_t)at * width, src, (size_t)m * width);
            }
            if (mloda_column_n_nulls(c) > 0 && valid == NULL)
                st = mloda_column_builder_validity(b, &valid, err);
            for (int64_t r = 0; st == MLODA_OK && valid != NULL && r < m; r++)
                mloda_bitmap_set(valid, at + r, mloda_column_is_valid(c, r));
            at += m;
        }
    }
    if (st != MLODA_OK) {
        mloda_column_builder_free(b);
        return st;
    }
    return mloda_column_builder_finish(b, out, err);
}

static int concat_tables(mloda_table **ts, int64_t n_ts, const char *where, mloda_table **out)
{
    int64_t n_cols = mloda_table_n_columns(ts[0]);
    int64_t total = 0;
    for (int64_t t = 0; t < n_ts; t++)
        total += mloda_table_n_rows(ts[t]);
    mloda_column **cols = calloc((size_t)n_cols + 1, sizeof *cols);
    const char **names = calloc((size_t)n_cols + 1, sizeof *names);
    mloda_error err = MLODA_ERROR_INIT;
    int rc = cols != NULL && names != NULL ? 0 : -1;
    if (rc < 0)
        PyErr_NoMemory();
    for (int64_t i = 0; rc == 0 && i < n_cols; i++) {
        names[i] = mloda_table_column_name(ts[0], i);
        for (int64_t t = 1; t < n_ts; t++) {
            const mloda_column *a = mloda_table_column(ts[0], i), *b = mloda_table_column(ts[t], i);
            if (mloda_table_n_columns(ts[t]) != n_cols || b == NULL ||
                mloda_column_type(a) != mloda_column_type(b) ||
                mloda_column_list_size(a) != mloda_column_list_size(b) ||
                mloda_column_time_unit(a) != mloda_column_time_unit(b)) {
                PyErr_Format(PyExc_ValueError, "%s: the batches of the Arrow stream differ in schema",
                             where);
                rc = -1;
                break;
            }
        }
        if (rc == 0 && concat_column(ts, n_ts, i, total, &cols[i], &err) != MLODA_OK)
            rc = raise_engine(&err);
    }
    if (rc == 0 && mloda_table_new(total, n_cols, names, (const mloda_column *const *)cols, out,
                                   &err) != MLODA_OK)
        rc = raise_engine(&err);
    for (int64_t i = 0; cols != NULL && i < n_cols; i++)
        mloda_column_release(cols[i]);
    free(cols);
    free(names);
    return rc;
}

static int table_from_stream(PyObject *capsule, const char *where, mloda_table **out)
{
    struct ArrowArrayStream *cs = PyCapsule_GetPointer(capsule, "arrow_array_stream");
    if (cs == NULL)
        return -1;
    if (cs->release == NULL) {
        PyErr_Format(PyExc_ValueError, "%s: the Arrow stream was already consumed", where);
        return -1;
    }
    struct ArrowArrayStream s = *cs;
    cs->release = NULL; /* moved */
    struct ArrowSchema schema = {0};
    int rc = 0;
    if (s.get_schema(&s, &schema) != 0) {
        const char *e = s.get_last_error(&s);
        PyErr_Format(PyExc_ValueError, "%s: Arrow stream schema: %s", where, e != NULL ? e : "failed");
        release_stream(&s);
        return -1;
    }
    mloda_table **ts = NULL;
    int64_t n = 0, cap = 0;
    for (;;) {
        struct ArrowArray a = {0};
        int e;
        Py_BEGIN_ALLOW_THREADS /* a producer may compute its batches (DuckDB) */
        e = s.get_next(&s, &a);
        Py_END_ALLOW_THREADS
        if (e != 0) {
            const char *m = s.get_last_error(&s);
            PyErr_Format(PyExc_ValueError, "%s: Arrow stream: %s", where, m != NULL ? m : "failed");
            rc = -1;
            break;
        }
        if (a.release == NULL)
            break;
        if (n == cap) {
            cap = cap == 0 ? 4 : cap * 2;
            mloda_table **g = realloc(ts, (size_t)cap * sizeof *g);
            if (g == NULL) {
                release_array(&a);
                PyErr_NoMemory();
                rc = -1;
                break;
            }
            ts = g;
        }
        if (import_struct(&a, &schema, where, &ts[n]) < 0) {
            rc = -1;
            break;
        }
        n++;
    }
    if (rc == 0) {
        if (n == 0)
            rc = empty_table(&schema, where, out);
        else if (n == 1) {
            *out = ts[0];
            ts[0] = NULL;
        } else
            rc = concat_tables(ts, n, where, out);
    }
    for (int64_t i = 0; i < n; i++)
        mloda_table_release(ts[i]);
    free(ts);
    release_schema(&schema);
    release_stream(&s);
    return rc;
}

int mc_arrow_table_from_py(PyObject *obj, const char *where, mloda_table **out)
{
    *out = NULL;
    bool absent = false;
    PyObject *cap = call_export(obj, "__arrow_c_stream__", &absent);
    if (cap != NULL) {
        int rc = table_from_stream(cap, where, out);
        decref_keep_error(cap);
        return rc < 0 ? -1 : 1;
    }
    if (!absent)
        return -1;
    PyObject *pair = call_export(obj, "__arrow_c_array__", &absent);
    if (pair == NULL)
        return absent ? 0 : -1;
    struct ArrowSchema *schema = NULL;
    struct ArrowArray arr;
    int rc = take_array(pair, where, &schema, &arr);
    if (rc == 0)
        rc = import_struct(&arr, schema, where, out);
    decref_keep_error(pair);
    return rc < 0 ? -1 : 1;
}

mloda_status mc_null_column(const mc_target *t, int64_t n_rows, mloda_column **out,
                            mloda_error *err)
{
    *out = NULL;
    mloda_column_builder *b = NULL;
    MC_TRY(mloda_column_builder_new(t->type, t->list_size > 0 ? t->list_size : 1, t->unit, &b,
                                       err));
    mloda_status st = MLODA_OK;
    for (int64_t i = 0; st == MLODA_OK && i < n_rows; i++)
        st = mloda_column_builder_append_null(b, err);
    if (st != MLODA_OK) {
        mloda_column_builder_free(b);
        return st;
    }
    return mloda_column_builder_finish(b, out, err);
}
