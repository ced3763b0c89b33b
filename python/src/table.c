/*
 * table.c: result tables (_core.Table, subclassed by mloda_c.MlodaTable) and the buffer
 * objects (_core.ColumnBuffer) through which numpy sees a column's memory without a copy.
 *
 * A Table holds one reference to an immutable engine table. It exports itself through the
 * Arrow PyCapsule interface (__arrow_c_array__ as a struct array, __arrow_c_stream__ as a
 * one-batch stream, zero-copy: the export holds a reference), gives each fixed-width
 * column's values as a ColumnBuffer (PEP 3118; numpy.asarray on it shares the memory and
 * keeps the column alive), and builds Python lists in C for to_pydict.
 */
#include "core.h"

#include <datetime.h>
#include <math.h>
#include <string.h>

/* ---------------------------------------------------------------- ColumnBuffer */

typedef struct {
    PyObject_HEAD
    mloda_column *col; /* owned reference */
    const void *buf;
    Py_ssize_t shape[2];
    Py_ssize_t strides[2];
    int ndim;
    char format[2];
} column_buffer;

static void cb_dealloc(PyObject *self)
{
    column_buffer *b = (column_buffer *)self;
    mloda_column_release(b->col);
    Py_TYPE(self)->tp_free(self);
}

static int cb_getbuffer(PyObject *self, Py_buffer *view, int flags)
{
    column_buffer *b = (column_buffer *)self;
    if ((flags & PyBUF_WRITABLE) == PyBUF_WRITABLE) {
        PyErr_SetString(PyExc_BufferError, "result columns are read-only (immutable)");
        view->obj = NULL;
        return -1;
    }
    view->buf = (void *)(uintptr_t)b->buf; /* read-only: the flag above refuses writers */
    view->obj = self;
    Py_INCREF(self);
    view->itemsize = 8;
    view->len = b->shape[0] * (b->ndim == 2 ? b->shape[1] : 1) * 8;
    view->readonly = 1;
    view->ndim = b->ndim;
    view->format = (flags & PyBUF_FORMAT) ? b->format : NULL;
    view->shape = (flags & PyBUF_ND) ? b->shape : NULL;
    view->strides = (flags & PyBUF_STRIDES) == PyBUF_STRIDES ? b->strides : NULL;
    view->suboffsets = NULL;
    view->internal = NULL;
    return 0;
}

static PyBufferProcs cb_as_buffer = {cb_getbuffer, NULL};

PyTypeObject mc_ColumnBuffer_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "mloda_c._core.ColumnBuffer",
    .tp_basicsize = sizeof(column_buffer),
    .tp_dealloc = cb_dealloc,
    .tp_as_buffer = &cb_as_buffer,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Read-only view of a result column's values (buffer protocol; zero-copy).",
};

static PyObject *column_buffer_new(const mloda_column *col)
{
    mloda_type t = mloda_column_type(col);
    const void *buf = NULL;
    const char *fmt = "d";
    if (t == MLODA_TYPE_INT64 || t == MLODA_TYPE_TIMESTAMP) {
        buf = mloda_column_int64(col);
        fmt = sizeof(long) == 8 ? "l" : "q"; /* numpy reads "l" as int64 ("q": longlong) */
    } else if (t == MLODA_TYPE_FLOAT64 || t == MLODA_TYPE_FLOAT64_LIST) {
        buf = mloda_column_float64(col);
    } else {
        Py_RETURN_NONE;
    }
    column_buffer *b = PyObject_New(column_buffer, &mc_ColumnBuffer_Type);
    if (b == NULL)
        return NULL;
    b->col = mloda_column_retain(col);
    b->buf = buf;
    b->format[0] = fmt[0];
    b->format[1] = '\0';
    b->shape[0] = (Py_ssize_t)mloda_column_n_rows(col);
    b->strides[1] = 8;
    if (t == MLODA_TYPE_FLOAT64_LIST) {
        b->ndim = 2;
        b->shape[1] = mloda_column_list_size(col);
        b->strides[0] = 8 * b->shape[1];
    } else {
        b->ndim = 1;
        b->shape[1] = 1;
        b->strides[0] = 8;
    }
    return (PyObject *)b;
}

const mloda_column *mc_column_buffer_of(PyObject *obj, int64_t *n_rows)
{
    if (!PyObject_TypeCheck(obj, &mc_ColumnBuffer_Type))
        return NULL;
    column_buffer *b = (column_buffer *)obj;
    *n_rows = mloda_column_n_rows(b->col);
    return b->col;
}

/* ---------------------------------------------------------------- Table */

typedef struct {
    PyObject_HEAD
    mloda_table *t; /* owned reference */
} table_obj;

PyObject *mc_table_wrap(mloda_table *t)
{
    PyTypeObject *type = mc_table_type != NULL ? mc_table_type : &mc_TableBase_Type;
    table_obj *o = (table_obj *)type->tp_alloc(type, 0);
    if (o == NULL) {
        mloda_table_release(t);
        return NULL;
    }
    o->t = t;
    mc_live_add(MC_LIVE_TABLES, 1);
    return (PyObject *)o;
}

const mloda_table *mc_table_of(PyObject *obj)
{
    return PyObject_TypeCheck(obj, &mc_TableBase_Type) ? ((table_obj *)obj)->t : NULL;
}

static void table_dealloc(PyObject *self)
{
    table_obj *o = (table_obj *)self;
    if (o->t != NULL) {
        mloda_table_release(o->t); /* may release lent buffers: they take the GIL we hold */
        mc_live_add(MC_LIVE_TABLES, -1);
    }
    Py_TYPE(self)->tp_free(self);
}

static const mloda_column *column_arg(table_obj *o, PyObject *arg, int64_t *index)
{
    Py_ssize_t i = PyLong_AsSsize_t(arg);
    if (i == -1 && PyErr_Occurred())
        return NULL;
    const mloda_column *c = mloda_table_column(o->t, (int64_t)i);
    if (c == NULL)
        PyErr_Format(PyExc_IndexError, "column index %zd out of range", i);
    *index = (int64_t)i;
    return c;
}

static const char *unit_name(mloda_time_unit u)
{
    static const char *names[] = {"s", "ms", "us", "ns"};
    return names[u];
}

/* (name, type, list_size, unit, n_nulls) */
static PyObject *t_col_info(PyObject *self, PyObject *arg)
{
    table_obj *o = (table_obj *)self;
    int64_t i = 0;
    const mloda_column *c = column_arg(o, arg, &i);
    if (c == NULL)
        return NULL;
    return Py_BuildValue("(ssisL)", mloda_table_column_name(o->t, i),
                         mloda_type_name(mloda_column_type(c)), (int)mloda_column_list_size(c),
                         unit_name(mloda_column_time_unit(c)), (long long)mloda_column_n_nulls(c));
}

static PyObject *t_values(PyObject *self, PyObject *arg)
{
    int64_t i = 0;
    const mloda_column *c = column_arg((table_obj *)self, arg, &i);
    return c == NULL ? NULL : column_buffer_new(c);
}

/* bytes of one byte per row: 1 = valid; None without nulls */
static PyObject *t_valid(PyObject *self, PyObject *arg)
{
    int64_t i = 0;
    const mloda_column *c = column_arg((table_obj *)self, arg, &i);
    if (c == NULL)
        return NULL;
    if (mloda_column_n_nulls(c) == 0)
        Py_RETURN_NONE;
    int64_t n = mloda_column_n_rows(c);
    PyObject *b = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)n);
    if (b == NULL)
        return NULL;
    char *p = PyBytes_AS_STRING(b);
    const uint8_t *bits = mloda_column_validity(c);
    for (int64_t r = 0; r < n; r++)
        p[r] = (char)mloda_bitmap_get(bits, r);
    return b;
}

/* bytes of one byte per row for a bool column: its values (0 for null) */
static PyObject *t_bools(PyObject *self, PyObject *arg)
{
    int64_t i = 0;
    const mloda_column *c = column_arg((table_obj *)self, arg, &i);
    if (c == NULL)
        return NULL;
    if (mloda_column_type(c) != MLODA_TYPE_BOOL) {
        PyErr_SetString(PyExc_TypeError, "not a bool column");
        return NULL;
    }
    int64_t n = mloda_column_n_rows(c);
    PyObject *b = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)n);
    if (b == NULL)
        return NULL;
    char *p = PyBytes_AS_STRING(b);
    const uint8_t *bits = mloda_column_bool_bits(c);
    for (int64_t r = 0; r < n; r++)
        p[r] = (char)mloda_bitmap_get(bits, r);
    return b;
}

/* civil date of a day count since 1970-01-01 (Howard Hinnant's algorithm) */
static void civil(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yy + (*m <= 2));
}

static PyObject *timestamp_object(int64_t v, mloda_time_unit unit)
{
    static const int64_t per_second[] = {1, 1000, 1000000, 1000000000};
    int64_t ps = per_second[unit];
    int64_t secs = v / ps, frac = v % ps;
    if (frac < 0) {
        frac += ps;
        secs -= 1;
    }
    int64_t us = unit == MLODA_TIME_NANO ? frac / 1000 : frac * (1000000 / ps);
    int64_t days = secs / 86400, sod = secs % 86400;
    if (sod < 0) {
        sod += 86400;
        days -= 1;
    }
    int y, m, d;
    civil(days, &y, &m, &d);
    if (y < 1 || y > 9999) {
        PyErr_Format(PyExc_OverflowError, "timestamp %lld is outside the years 1..9999",
                     (long long)v);
        return NULL;
    }
    return PyDateTime_FromDateAndTime(y, m, d, (int)(sod / 3600), (int)(sod / 60 % 60),
                                      (int)(sod % 60), (int)us);
}

static PyObject *column_list(const mloda_column *c)
{
    if (PyDateTimeAPI == NULL) {
        PyDateTime_IMPORT;
        if (PyDateTimeAPI == NULL)
            return NULL;
    }
    int64_t n = mloda_column_n_rows(c);
    PyObject *l = PyList_New((Py_ssize_t)n);
    if (l == NULL)
        return NULL;
    mloda_type t = mloda_column_type(c);
    const int64_t *iv = mloda_column_int64(c);
    const double *dv = mloda_column_float64(c);
    int32_t ls = mloda_column_list_size(c);
    bool nulls = mloda_column_n_nulls(c) > 0;
    for (int64_t r = 0; r < n; r++) {
        PyObject *v = NULL;
        if (nulls && !mloda_column_is_valid(c, r)) {
            v = Py_None;
            Py_INCREF(v);
        } else
            switch (t) {
            case MLODA_TYPE_INT64:
                v = PyLong_FromLongLong(iv[r]);
                break;
            case MLODA_TYPE_FLOAT64:
                v = PyFloat_FromDouble(dv[r]);
                break;
            case MLODA_TYPE_BOOL:
                v = PyBool_FromLong(mloda_column_bool_at(c, r));
                break;
            case MLODA_TYPE_UTF8: {
                int64_t len = 0;
                const char *s = mloda_column_utf8_at(c, r, &len);
                v = PyUnicode_DecodeUTF8(s, (Py_ssize_t)len, "replace");
                break;
            }
            case MLODA_TYPE_TIMESTAMP:
                v = timestamp_object(iv[r], mloda_column_time_unit(c));
                break;
            case MLODA_TYPE_FLOAT64_LIST:
                v = PyList_New(ls);
                for (int32_t k = 0; v != NULL && k < ls; k++) {
                    PyObject *x = PyFloat_FromDouble(dv[r * ls + k]);
                    if (x == NULL) {
                        Py_CLEAR(v);
                        break;
                    }
                    PyList_SET_ITEM(v, k, x);
                }
                break;
            default:
                v = Py_None;
                Py_INCREF(v);
                break;
            }
        if (v == NULL) {
            Py_DECREF(l);
            return NULL;
        }
        PyList_SET_ITEM(l, (Py_ssize_t)r, v);
    }
    return l;
}

static PyObject *t_pylist(PyObject *self, PyObject *arg)
{
    int64_t i = 0;
    const mloda_column *c = column_arg((table_obj *)self, arg, &i);
    return c == NULL ? NULL : column_list(c);
}

static PyObject *t_to_pydict(PyObject *self, PyObject *unused)
{
    (void)unused;
    table_obj *o = (table_obj *)self;
    PyObject *d = PyDict_New();
    for (int64_t i = 0; d != NULL && i < mloda_table_n_columns(o->t); i++) {
        PyObject *l = column_list(mloda_table_column(o->t, i));
        if (l == NULL || PyDict_SetItemString(d, mloda_table_column_name(o->t, i), l) < 0)
            Py_CLEAR(d);
        Py_XDECREF(l);
    }
    return d;
}

/* ---------------------------------------------------------------- Arrow export */

static void schema_capsule_free(PyObject *cap)
{
    struct ArrowSchema *s = PyCapsule_GetPointer(cap, "arrow_schema");
    if (s != NULL) {
        if (s->release != NULL)
            s->release(s);
        PyMem_RawFree(s);
        mc_live_add(MC_LIVE_EXPORTS, -1);
    }
}

static void array_capsule_free(PyObject *cap)
{
    struct ArrowArray *a = PyCapsule_GetPointer(cap, "arrow_array");
    if (a != NULL) {
        if (a->release != NULL)
            a->release(a);
        PyMem_RawFree(a);
        mc_live_add(MC_LIVE_EXPORTS, -1);
    }
}

static void stream_capsule_free(PyObject *cap)
{
    struct ArrowArrayStream *s = PyCapsule_GetPointer(cap, "arrow_array_stream");
    if (s != NULL) {
        if (s->release != NULL)
            s->release(s);
        PyMem_RawFree(s);
        mc_live_add(MC_LIVE_EXPORTS, -1);
    }
}

static PyObject *capsule(void *p, const char *name, PyCapsule_Destructor d)
{
    PyObject *c = PyCapsule_New(p, name, d);
    if (c != NULL)
        mc_live_add(MC_LIVE_EXPORTS, 1);
    return c;
}

static PyObject *t_arrow_c_array(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *names[] = {"requested_schema", NULL};
    PyObject *requested = Py_None; /* the spec lets a producer ignore it */
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|O", names, &requested))
        return NULL;
    table_obj *o = (table_obj *)self;
    struct ArrowSchema *s = PyMem_RawCalloc(1, sizeof *s);
    struct ArrowArray *a = PyMem_RawCalloc(1, sizeof *a);
    mloda_error err = MLODA_ERROR_INIT;
    if (s == NULL || a == NULL) {
        PyMem_RawFree(s);
        PyMem_RawFree(a);
        return PyErr_NoMemory();
    }
    if (mloda_table_export(o->t, a, s, &err) != MLODA_OK) {
        PyMem_RawFree(s);
        PyMem_RawFree(a);
        return mc_raise(&err);
    }
    PyObject *cs = capsule(s, "arrow_schema", schema_capsule_free);
    if (cs == NULL) {
        s->release(s);
        a->release(a);
        PyMem_RawFree(s);
        PyMem_RawFree(a);
        return NULL;
    }
    PyObject *ca = capsule(a, "arrow_array", array_capsule_free);
    if (ca == NULL) {
        a->release(a);
        PyMem_RawFree(a);
        Py_DECREF(cs);
        return NULL;
    }
    return Py_BuildValue("(NN)", cs, ca);
}

static PyObject *t_arrow_c_schema(PyObject *self, PyObject *unused)
{
    (void)unused;
    PyObject *empty = PyTuple_New(0);
    if (empty == NULL)
        return NULL;
    PyObject *pair = t_arrow_c_array(self, empty, NULL);
    Py_DECREF(empty);
    if (pair == NULL)
        return NULL;
    PyObject *cs = PyTuple_GET_ITEM(pair, 0);
    Py_INCREF(cs);
    Py_DECREF(pair);
    return cs;
}

static PyObject *t_arrow_c_stream(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *names[] = {"requested_schema", NULL};
    PyObject *requested = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|O", names, &requested))
        return NULL;
    table_obj *o = (table_obj *)self;
    struct ArrowArrayStream *s = PyMem_RawCalloc(1, sizeof *s);
    if (s == NULL)
        return PyErr_NoMemory();
    mloda_error err = MLODA_ERROR_INIT;
    const mloda_table *one = o->t;
    if (mloda_table_export_stream(1, &one, s, &err) != MLODA_OK) {
        PyMem_RawFree(s);
        return mc_raise(&err);
    }
    PyObject *c = capsule(s, "arrow_array_stream", stream_capsule_free);
    if (c == NULL) {
        s->release(s);
        PyMem_RawFree(s);
    }
    return c;
}

/* ---------------------------------------------------------------- getters */

static PyObject *t_group(PyObject *self, void *closure)
{
    (void)closure;
    return PyUnicode_FromString(mloda_table_group_name(((table_obj *)self)->t));
}

static PyObject *t_column_names(PyObject *self, void *closure)
{
    (void)closure;
    table_obj *o = (table_obj *)self;
    int64_t n = mloda_table_n_columns(o->t);
    PyObject *l = PyList_New((Py_ssize_t)n);
    for (int64_t i = 0; l != NULL && i < n; i++) {
        PyObject *s = PyUnicode_FromString(mloda_table_column_name(o->t, i));
        if (s == NULL) {
            Py_CLEAR(l);
            break;
        }
        PyList_SET_ITEM(l, (Py_ssize_t)i, s);
    }
    return l;
}

static PyObject *t_num_rows(PyObject *self, void *closure)
{
    (void)closure;
    return PyLong_FromLongLong(mloda_table_n_rows(((table_obj *)self)->t));
}

static PyObject *t_num_columns(PyObject *self, void *closure)
{
    (void)closure;
    return PyLong_FromLongLong(mloda_table_n_columns(((table_obj *)self)->t));
}

static PyObject *t_column_index(PyObject *self, PyObject *name)
{
    const char *s = PyUnicode_AsUTF8(name);
    if (s == NULL)
        return NULL;
    return PyLong_FromLongLong(mloda_table_column_index(((table_obj *)self)->t, s));
}

static Py_ssize_t t_len(PyObject *self)
{
    return (Py_ssize_t)mloda_table_n_rows(((table_obj *)self)->t);
}

static PyMethodDef t_methods[] = {
    {"_col_info", t_col_info, METH_O, "(name, type, list_size, unit, n_nulls) of column i"},
    {"_values", t_values, METH_O, "ColumnBuffer of column i's values (None for bool/utf8)"},
    {"_valid", t_valid, METH_O, "bytes, 1 per valid row of column i; None without nulls"},
    {"_bools", t_bools, METH_O, "bytes of 0/1 values of bool column i"},
    {"_pylist", t_pylist, METH_O, "column i as a list of Python values (None for nulls)"},
    {"_column_index", t_column_index, METH_O, "index of a column name, or -1"},
    {"to_pydict", t_to_pydict, METH_NOARGS, "{column: list of Python values}"},
    {"__arrow_c_array__", (PyCFunction)(void (*)(void))t_arrow_c_array,
     METH_VARARGS | METH_KEYWORDS, "Arrow PyCapsule interface: (schema, struct array)."},
    {"__arrow_c_stream__", (PyCFunction)(void (*)(void))t_arrow_c_stream,
     METH_VARARGS | METH_KEYWORDS, "Arrow PyCapsule interface: a stream of one batch."},
    {"__arrow_c_schema__", t_arrow_c_schema, METH_NOARGS, "Arrow PyCapsule interface: schema."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef t_getset[] = {
    {"group", t_group, NULL, "name of the feature group that computed the table", NULL},
    {"column_names", t_column_names, NULL, "column names in order", NULL},
    {"num_rows", t_num_rows, NULL, "row count", NULL},
    {"num_columns", t_num_columns, NULL, "column count", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PySequenceMethods t_as_sequence = {.sq_length = t_len};

PyTypeObject mc_TableBase_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "mloda_c._core.Table",
    .tp_basicsize = sizeof(table_obj),
    .tp_dealloc = table_dealloc,
    .tp_as_sequence = &t_as_sequence,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "An immutable result table of the engine (see mloda_c.MlodaTable).",
    .tp_methods = t_methods,
    .tp_getset = t_getset,
};
