/*
 * convert.c: Python values into engine columns, tables, api_data and options.
 *
 * Zero-copy rule: a contiguous numpy (or any buffer-protocol) array of float64 or int64
 * (or timestamps viewed as int64) is lent to the engine through the Arrow C Data Interface:
 * the column points into the array's memory and the Arrow release callback gives the
 * Py_buffer back, under the GIL, whichever thread drops the last reference. Everything
 * else is converted into new columns (narrower ints and floats widened, bools, strings,
 * Python lists, object arrays, strided arrays).
 *
 * Lists and object arrays are typed as api_data JSON is (README "Request"): ints -> int64
 * (kept int64 with nulls: SPEC.md §10.18), any float -> float64, bools, str -> utf8,
 * datetime/date -> timestamp[us] (aware ones converted to UTC), sequences of n numbers ->
 * fixed-size lists of n float64 (geo points); None, pandas' NA/NaT, and a float NaN among
 * non-float values are nulls; a column of only nulls, or no rows, is float64.
 */
#include "core.h"

#include <datetime.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int datetime_ready(void)
{
    if (PyDateTimeAPI == NULL)
        PyDateTime_IMPORT;
    return PyDateTimeAPI != NULL ? 0 : -1;
}

static int raise_engine(const mloda_error *err)
{
    (void)mc_raise(err);
    return -1;
}

/* ---------------------------------------------------------------- borrowed buffers */

/* Private data of an Arrow array that lends a Python buffer to the engine. */
typedef struct lent {
    Py_buffer view;        /* the lent memory; released under the GIL */
    PyObject *keep;        /* another object to keep alive (may be NULL) */
    uint8_t *validity;     /* owned bitmap, or NULL */
    const void *buffers[2];
    struct ArrowArray child; /* fixed-size lists: the float64 child */
    struct ArrowArray *children[1];
    const void *child_buffers[2];
} lent;

static void lent_child_release(struct ArrowArray *a)
{
    a->release = NULL; /* owned by the parent's holder */
}

static void lent_release(struct ArrowArray *a)
{
    lent *h = a->private_data;
    if (h != NULL) {
        if (h->child.release != NULL)
            h->child.release(&h->child);
        if (mc_py_alive()) {
            PyGILState_STATE g = PyGILState_Ensure();
            PyObject *t, *v, *tb;
            PyErr_Fetch(&t, &v, &tb); /* may run while an error is being raised */
            PyBuffer_Release(&h->view);
            Py_XDECREF(h->keep);
            PyErr_Restore(t, v, tb);
            PyGILState_Release(g);
        }
        free(h->validity);
        free(h);
        mc_live_add(MC_LIVE_BORROWED, -1);
    }
    a->release = NULL;
}

/* Bitmap from a byte mask (1 = null when nulls_are_set, else 1 = valid); NULL when every
 * row is valid (*n_nulls 0). -1 when out of memory. */
static int bitmap_from_mask(const uint8_t *mask, Py_ssize_t stride, int64_t n,
                            bool nulls_are_set, uint8_t **out, int64_t *n_nulls)
{
    *out = NULL;
    *n_nulls = 0;
    int64_t nulls = 0;
    for (int64_t i = 0; i < n; i++)
        nulls += (mask[i * stride] != 0) == nulls_are_set;
    if (nulls == 0)
        return 0;
    uint8_t *bits = calloc((size_t)(n / 8 + 1), 1);
    if (bits == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (int64_t i = 0; i < n; i++)
        if ((mask[i * stride] != 0) != nulls_are_set)
            mloda_bitmap_set(bits, i, true);
    *out = bits;
    *n_nulls = nulls;
    return 0;
}

/*
 * Lends view (taken over, also on failure) as an Arrow array of `format` to the engine.
 * list_size > 0 makes a fixed-size list of that many float64 per row.
 */
static int lend(Py_buffer *view, PyObject *keep, const char *format, int32_t list_size,
                int64_t n_rows, uint8_t *validity, int64_t n_nulls, const char *where,
                mloda_column **out)
{
    lent *h = calloc(1, sizeof *h);
    if (h == NULL) {
        PyBuffer_Release(view);
        free(validity);
        PyErr_NoMemory();
        return -1;
    }
    mc_live_add(MC_LIVE_BORROWED, 1);
    h->view = *view;
    Py_XINCREF(keep);
    h->keep = keep;
    h->validity = validity;
    h->buffers[0] = validity;
    struct ArrowArray arr = {0};
    struct ArrowSchema schema = {0};
    struct ArrowSchema child_schema = {0};
    struct ArrowSchema *schema_children[1] = {&child_schema};
    char list_format[32];
    arr.length = n_rows;
    arr.null_count = n_nulls;
    arr.n_buffers = 2;
    arr.buffers = h->buffers;
    arr.release = lent_release;
    arr.private_data = h;
    schema.name = where;
    schema.flags = ARROW_FLAG_NULLABLE;
    if (list_size > 0) {
        h->child_buffers[1] = view->buf;
        h->child.length = n_rows * list_size;
        h->child.n_buffers = 2;
        h->child.buffers = h->child_buffers;
        h->child.release = lent_child_release;
        h->children[0] = &h->child;
        arr.n_buffers = 1;
        arr.n_children = 1;
        arr.children = h->children;
        (void)snprintf(list_format, sizeof list_format, "+w:%d", (int)list_size);
        schema.format = list_format;
        schema.n_children = 1;
        schema.children = schema_children;
        child_schema.format = "g";
        child_schema.name = "item";
    } else {
        h->buffers[1] = view->buf;
        schema.format = format;
    }
    mloda_error err = MLODA_ERROR_INIT;
    /* import takes the array (releasing it on failure) and only reads the schema */
    if (mloda_column_import(&arr, &schema, out, &err) != MLODA_OK)
        return raise_engine(&err);
    return 0;
}

/* ---------------------------------------------------------------- element access */

typedef struct seq {
    PyObject *list;       /* list or tuple, or NULL */
    const char *buf;      /* object-array buffer, or NULL */
    Py_ssize_t stride;
    int64_t n;
} seq;

static inline PyObject *seq_item(const seq *s, int64_t i)
{
    if (s->list != NULL)
        return PyList_Check(s->list) ? PyList_GET_ITEM(s->list, i) : PyTuple_GET_ITEM(s->list, i);
    PyObject *o = *(PyObject *const *)(const void *)(s->buf + i * s->stride);
    return o != NULL ? o : Py_None;
}

typedef enum kind {
    K_NULL = 0, /* nothing seen but nulls */
    K_BOOL,
    K_INT,
    K_FLOAT,
    K_STR,
    K_TS,
    K_LIST,
    K_BAD,
} kind;

static const char *kind_name(kind k)
{
    static const char *names[] = {"null", "bool", "int", "float", "str",
                                  "datetime", "list of numbers", "?"};
    return names[k];
}

static bool is_type_named(PyObject *o, const char *name)
{
    const char *tn = Py_TYPE(o)->tp_name;
    const char *dot = strrchr(tn, '.');
    return strcmp(dot != NULL ? dot + 1 : tn, name) == 0;
}

/* pandas' NA and NaT, and None */
static bool is_null_object(PyObject *o)
{
    return o == Py_None || is_type_named(o, "NAType") || is_type_named(o, "NaTType");
}

static bool is_numpy_bool(PyObject *o)
{
    return is_type_named(o, "bool_") || is_type_named(o, "bool");
}

/* A list, tuple or 1-D numpy array of numbers (a geo point): its length, or -1. */
static Py_ssize_t point_len(PyObject *o)
{
    if (PyList_Check(o) || PyTuple_Check(o))
        return PySequence_Fast_GET_SIZE(o);
    if (is_type_named(o, "ndarray") && PySequence_Check(o)) {
        Py_ssize_t n = PySequence_Size(o);
        if (n < 0)
            PyErr_Clear(); /* a 0-d array: not a point */
        return n;
    }
    return -1;
}

/* Kind of one element; floats report NaN through *is_nan. */
static kind classify(PyObject *o, bool *is_nan, Py_ssize_t *list_len)
{
    *is_nan = false;
    if (is_null_object(o))
        return K_NULL;
    if (PyBool_Check(o) || is_numpy_bool(o))
        return K_BOOL;
    if (PyLong_Check(o))
        return K_INT;
    if (PyFloat_Check(o)) {
        *is_nan = isnan(PyFloat_AS_DOUBLE(o));
        return K_FLOAT;
    }
    if (PyUnicode_Check(o))
        return K_STR;
    if (PyDateTime_Check(o) || PyDate_Check(o))
        return K_TS;
    Py_ssize_t len = point_len(o);
    if (len >= 0) {
        *list_len = len;
        return K_LIST;
    }
    if (PyIndex_Check(o))
        return K_INT; /* numpy integer scalars */
    if (Py_TYPE(o)->tp_as_number != NULL && Py_TYPE(o)->tp_as_number->nb_float != NULL &&
        !PyComplex_Check(o)) {
        double d = PyFloat_AsDouble(o);
        if (d == -1.0 && PyErr_Occurred()) {
            PyErr_Clear();
            return K_BAD;
        }
        *is_nan = isnan(d);
        return K_FLOAT; /* numpy float32 etc. */
    }
    return K_BAD;
}

static int type_error_at(const char *where, int64_t row, const char *fmt, PyObject *o)
{
    PyErr_Format(PyExc_TypeError, "%s: row %lld: %s (got %.80s)", where, (long long)row, fmt,
                 Py_TYPE(o)->tp_name);
    return -1;
}

/* Epoch microseconds of a datetime or date (aware datetimes converted to UTC). */
static int datetime_micros(PyObject *o, int64_t *out)
{
    int y = PyDateTime_GET_YEAR(o), m = PyDateTime_GET_MONTH(o), d = PyDateTime_GET_DAY(o);
    /* days from civil (Howard Hinnant's algorithm) */
    int yy = m <= 2 ? y - 1 : y;
    int era = (yy >= 0 ? yy : yy - 399) / 400;
    int yoe = yy - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = (int64_t)era * 146097 + doe - 719468;
    int64_t us = days * 86400000000LL;
    if (PyDateTime_Check(o)) {
        us += (int64_t)PyDateTime_DATE_GET_HOUR(o) * 3600000000LL +
              (int64_t)PyDateTime_DATE_GET_MINUTE(o) * 60000000LL +
              (int64_t)PyDateTime_DATE_GET_SECOND(o) * 1000000LL +
              PyDateTime_DATE_GET_MICROSECOND(o);
        PyObject *off = PyObject_CallMethod(o, "utcoffset", NULL);
        if (off == NULL)
            return -1;
        if (off != Py_None && PyDelta_Check(off))
            us -= (int64_t)PyDateTime_DELTA_GET_DAYS(off) * 86400000000LL +
                  (int64_t)PyDateTime_DELTA_GET_SECONDS(off) * 1000000LL +
                  PyDateTime_DELTA_GET_MICROSECONDS(off);
        Py_DECREF(off);
    }
    *out = us;
    return 0;
}

/* ---------------------------------------------------------------- inference */

static int build_strings(const seq *s, const char *where, mloda_column **out)
{
    mloda_error err = MLODA_ERROR_INIT;
    mloda_column_builder *b = NULL;
    if (mloda_column_builder_new(MLODA_TYPE_UTF8, 0, MLODA_TIME_MICRO, &b, &err) != MLODA_OK ||
        mloda_column_builder_reserve(b, s->n, 0, &err) != MLODA_OK) {
        mloda_column_builder_free(b);
        return raise_engine(&err);
    }
    for (int64_t i = 0; i < s->n; i++) {
        PyObject *o = seq_item(s, i);
        mloda_status st;
        if (PyUnicode_Check(o)) {
            Py_ssize_t len = 0;
            const char *u = PyUnicode_AsUTF8AndSize(o, &len);
            if (u == NULL) {
                mloda_column_builder_free(b);
                PyErr_Format(PyExc_ValueError, "%s: row %lld is not valid text (%S)", where,
                             (long long)i, o);
                return -1;
            }
            st = mloda_column_builder_append_utf8(b, u, (int64_t)len, &err);
        } else {
            st = mloda_column_builder_append_null(b, &err); /* nulls, NaN (checked) */
        }
        if (st != MLODA_OK) {
            mloda_column_builder_free(b);
            return raise_engine(&err);
        }
    }
    if (mloda_column_builder_finish(b, out, &err) != MLODA_OK)
        return raise_engine(&err);
    return 0;
}

static int infer_sequence(const seq *s, const char *where, mloda_column **out)
{
    kind k = K_NULL;
    Py_ssize_t list_size = -1;
    bool int_overflow = false;
    int64_t first_row[K_BAD + 1];
    for (int i = 0; i <= K_BAD; i++)
        first_row[i] = -1;
    for (int64_t i = 0; i < s->n; i++) {
        PyObject *o = seq_item(s, i);
        bool nan = false;
        Py_ssize_t len = -1;
        kind e = classify(o, &nan, &len);
        if (e == K_BAD)
            return type_error_at(where, i,
                                 "values must be numbers, bools, str, datetimes, lists of "
                                 "numbers or None",
                                 o);
        if (e == K_NULL || (e == K_FLOAT && nan && k != K_INT && k != K_FLOAT && k != K_NULL))
            continue;
        if (e == K_LIST) {
            if (list_size >= 0 && len != list_size) {
                PyErr_Format(PyExc_ValueError,
                             "%s: row %lld holds %zd values, row %lld holds %zd: lists in a "
                             "column must have one size",
                             where, (long long)i, len, (long long)first_row[K_LIST], list_size);
                return -1;
            }
            if (len == 0) {
                PyErr_Format(PyExc_ValueError, "%s: row %lld is an empty list", where,
                             (long long)i);
                return -1;
            }
            list_size = len;
        }
        if (e == K_INT && !int_overflow) {
            int overflow = 0;
            PyObject *idx = PyLong_Check(o) ? (Py_INCREF(o), o) : PyNumber_Index(o);
            if (idx == NULL)
                return -1;
            (void)PyLong_AsLongLongAndOverflow(idx, &overflow);
            Py_DECREF(idx);
            int_overflow = overflow != 0;
        }
        if (first_row[e] < 0)
            first_row[e] = i;
        if (k == K_NULL || k == e) {
            k = e;
            continue;
        }
        if ((k == K_INT && e == K_FLOAT) || (k == K_FLOAT && e == K_INT)) {
            k = K_FLOAT;
            continue;
        }
        if (e == K_FLOAT && nan)
            continue; /* NaN among str/bool/...: pandas' missing value */
        PyErr_Format(PyExc_TypeError,
                     "%s: mixes %s (row %lld) and %s (row %lld); a column holds one type",
                     where, kind_name(k), (long long)first_row[k], kind_name(e), (long long)i);
        return -1;
    }
    if (k == K_INT && int_overflow)
        k = K_FLOAT; /* integers beyond int64: float64, as api_data JSON */
    if (k == K_STR)
        return build_strings(s, where, out);

    int64_t n = s->n;
    size_t width = k == K_LIST ? (size_t)list_size * sizeof(double)
                   : k == K_BOOL ? sizeof(bool)
                                 : sizeof(int64_t);
    void *vals = malloc(n > 0 ? (size_t)n * width : 1);
    uint8_t *valid = malloc(n > 0 ? (size_t)n : 1);
    if (vals == NULL || valid == NULL) {
        free(vals);
        free(valid);
        PyErr_NoMemory();
        return -1;
    }
    bool any_null = false;
    int rc = 0;
    for (int64_t i = 0; i < n && rc == 0; i++) {
        PyObject *o = seq_item(s, i);
        bool nan = false;
        Py_ssize_t len = -1;
        kind e = classify(o, &nan, &len);
        bool present = e != K_NULL && !(e == K_FLOAT && nan && k != K_FLOAT);
        valid[i] = present;
        any_null |= !present;
        if (!present) {
            memset((char *)vals + (size_t)i * width, 0, width);
            continue;
        }
        switch (k) {
        case K_BOOL:
            ((bool *)vals)[i] = PyObject_IsTrue(o) == 1;
            break;
        case K_INT: {
            PyObject *idx = PyLong_Check(o) ? (Py_INCREF(o), o) : PyNumber_Index(o);
            long long v = idx != NULL ? PyLong_AsLongLong(idx) : -1;
            Py_XDECREF(idx);
            if (v == -1 && PyErr_Occurred())
                rc = -1;
            ((int64_t *)vals)[i] = v;
            break;
        }
        case K_FLOAT:
        case K_NULL: {
            double d = PyFloat_AsDouble(o);
            if (d == -1.0 && PyErr_Occurred())
                rc = -1;
            ((double *)vals)[i] = d;
            break;
        }
        case K_TS: {
            int64_t us = 0;
            rc = datetime_micros(o, &us);
            ((int64_t *)vals)[i] = us;
            break;
        }
        case K_LIST: {
            PyObject *fast = PySequence_Fast(o, "point");
            double *row = (double *)vals + (size_t)i * (size_t)list_size;
            for (Py_ssize_t j = 0; fast != NULL && j < list_size; j++) {
                PyObject *x = PySequence_Fast_GET_ITEM(fast, j);
                row[j] = (x == Py_None) ? NAN : PyFloat_AsDouble(x);
                if (row[j] == -1.0 && PyErr_Occurred()) {
                    PyErr_Clear();
                    PyErr_Format(PyExc_TypeError, "%s: row %lld item %zd is not a number",
                                 where, (long long)i, j);
                    rc = -1;
                    break;
                }
            }
            Py_XDECREF(fast);
            if (fast == NULL)
                rc = -1;
            break;
        }
        default:
            break;
        }
    }
    mloda_error err = MLODA_ERROR_INIT;
    mloda_status st = MLODA_OK;
    const uint8_t *vp = any_null ? valid : NULL;
    if (rc == 0) {
        switch (k) {
        case K_BOOL:
            st = mloda_column_from_bool(n, vals, vp, out, &err);
            break;
        case K_INT:
            st = mloda_column_from_int64(n, vals, vp, out, &err);
            break;
        case K_TS:
            st = mloda_column_from_timestamp(MLODA_TIME_MICRO, n, vals, vp, out, &err);
            break;
        case K_LIST:
            st = mloda_column_from_float64_list((int32_t)list_size, n, vals, vp, out, &err);
            break;
        default: /* float, and all-null columns (float64, as pandas) */
            st = mloda_column_from_float64(n, vals, vp, out, &err);
            break;
        }
    }
    free(vals);
    free(valid);
    if (rc != 0)
        return -1;
    if (st != MLODA_OK)
        return raise_engine(&err);
    return 0;
}

/* ---------------------------------------------------------------- buffers */

typedef enum num { N_NONE, N_F64, N_I64, N_U64, N_SIGNED, N_UNSIGNED, N_F32, N_BOOL, N_OBJ } num;

static num buffer_kind(const Py_buffer *v)
{
    const char *f = v->format != NULL ? v->format : "B";
    if (*f == '@' || *f == '=' || *f == '<')
        f++;
    else if (*f == '>' || *f == '!')
        return N_NONE; /* big-endian: the Python layer converts it */
    if (f[0] == '\0' || f[1] != '\0')
        return N_NONE;
    switch (f[0]) {
    case 'd':
        return v->itemsize == 8 ? N_F64 : N_NONE;
    case 'f':
        return v->itemsize == 4 ? N_F32 : N_NONE;
    case 'q':
    case 'l':
    case 'i':
    case 'h':
    case 'b':
        return v->itemsize == 8 ? N_I64 : N_SIGNED;
    case 'Q':
    case 'L':
    case 'I':
    case 'H':
    case 'B':
        return v->itemsize == 8 ? N_U64 : N_UNSIGNED;
    case '?':
        return v->itemsize == 1 ? N_BOOL : N_NONE;
    case 'O':
        return N_OBJ;
    default:
        return N_NONE;
    }
}

static int64_t load_int(const char *p, Py_ssize_t size, bool is_signed)
{
    switch (size) {
    case 1:
        return is_signed ? (int64_t) * (const int8_t *)p : (int64_t) * (const uint8_t *)p;
    case 2: {
        int16_t s;
        uint16_t u;
        memcpy(&s, p, 2);
        memcpy(&u, p, 2);
        return is_signed ? (int64_t)s : (int64_t)u;
    }
    case 4: {
        int32_t s;
        uint32_t u;
        memcpy(&s, p, 4);
        memcpy(&u, p, 4);
        return is_signed ? (int64_t)s : (int64_t)u;
    }
    default: {
        int64_t s;
        memcpy(&s, p, 8);
        return s;
    }
    }
}

/* Copies a strided or narrower numeric buffer into a new column. */
static int copy_numeric(const Py_buffer *v, num k, int64_t n, const uint8_t *valid,
                        const char *where, mloda_column **out)
{
    const char *base = v->buf;
    Py_ssize_t stride = v->strides != NULL ? v->strides[0] : v->itemsize;
    bool as_float = k == N_F64 || k == N_F32;
    void *vals = malloc(n > 0 ? (size_t)n * 8 : 1);
    if (vals == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (int64_t i = 0; i < n; i++) {
        const char *p = base + i * stride;
        if (k == N_F64) {
            memcpy((double *)vals + i, p, 8);
        } else if (k == N_F32) {
            float f;
            memcpy(&f, p, 4);
            ((double *)vals)[i] = f;
        } else if (k == N_BOOL) {
            ((bool *)vals)[i] = *p != 0;
        } else if (k == N_U64) {
            uint64_t u;
            memcpy(&u, p, 8);
            if (u > (uint64_t)INT64_MAX) {
                free(vals);
                PyErr_Format(PyExc_OverflowError,
                             "%s: row %lld holds %llu, beyond int64", where, (long long)i,
                             (unsigned long long)u);
                return -1;
            }
            ((int64_t *)vals)[i] = (int64_t)u;
        } else {
            ((int64_t *)vals)[i] = load_int(p, v->itemsize, k == N_SIGNED || k == N_I64);
        }
    }
    mloda_error err = MLODA_ERROR_INIT;
    mloda_status st = k == N_BOOL ? mloda_column_from_bool(n, vals, valid, out, &err)
                      : as_float  ? mloda_column_from_float64(n, vals, valid, out, &err)
                                  : mloda_column_from_int64(n, vals, valid, out, &err);
    free(vals);
    return st == MLODA_OK ? 0 : raise_engine(&err);
}

/* Row-contiguous float64 matrix (n x k) or anything else numeric in 2-D: lists of k. */
static int from_matrix(Py_buffer *v, num k, const char *where, mloda_column **out)
{
    int64_t n = v->shape[0];
    Py_ssize_t cols = v->shape[1];
    if (cols <= 0 || cols > INT32_MAX) {
        PyBuffer_Release(v);
        PyErr_Format(PyExc_ValueError, "%s: a 2-D array needs 1 or more columns", where);
        return -1;
    }
    if (k == N_F64 && v->strides[1] == 8 && (v->strides[0] == 8 * cols || n <= 1))
        return lend(v, NULL, NULL, (int32_t)cols, n, NULL, 0, where, out);
    if (k == N_OBJ || k == N_NONE) {
        PyBuffer_Release(v);
        PyErr_Format(PyExc_TypeError, "%s: a 2-D array must hold numbers", where);
        return -1;
    }
    double *vals = malloc(n > 0 ? (size_t)n * (size_t)cols * sizeof(double) : 1);
    if (vals == NULL) {
        PyBuffer_Release(v);
        PyErr_NoMemory();
        return -1;
    }
    for (int64_t i = 0; i < n; i++)
        for (Py_ssize_t j = 0; j < cols; j++) {
            const char *p = (const char *)v->buf + i * v->strides[0] + j * v->strides[1];
            if (k == N_F64)
                memcpy(&vals[i * cols + j], p, 8);
            else if (k == N_F32) {
                float f;
                memcpy(&f, p, 4);
                vals[i * cols + j] = f;
            } else
                vals[i * cols + j] = (double)load_int(p, v->itemsize, k != N_UNSIGNED && k != N_U64);
        }
    PyBuffer_Release(v);
    mloda_error err = MLODA_ERROR_INIT;
    mloda_status st = mloda_column_from_float64_list((int32_t)cols, n, vals, NULL, out, &err);
    free(vals);
    return st == MLODA_OK ? 0 : raise_engine(&err);
}

/*
 * A buffer-protocol object. Returns 1 when converted, 0 when its format needs the Python
 * layer (big-endian, float16, fixed-width strings, datetime64: no exception set), -1 on
 * error. valid_mask: optional byte mask (1 = valid) of n rows, e.g. pandas' nullable ints.
 */
static int from_buffer(PyObject *obj, const uint8_t *valid, Py_ssize_t valid_stride,
                       const char *timestamp_unit, const char *where, mloda_column **out)
{
    Py_buffer v;
    if (PyObject_GetBuffer(obj, &v, PyBUF_RECORDS_RO) < 0) {
        PyErr_Clear();
        return 0;
    }
    num k = buffer_kind(&v);
    if (k == N_NONE) {
        PyBuffer_Release(&v);
        return 0;
    }
    if (v.ndim == 2)
        return from_matrix(&v, k, where, out) < 0 ? -1 : 1;
    if (v.ndim != 1) {
        PyBuffer_Release(&v);
        PyErr_Format(PyExc_TypeError, "%s: expected a 1-D array, got %d dimensions", where,
                     v.ndim);
        return -1;
    }
    int64_t n = v.shape[0];
    if (k == N_OBJ) {
        seq s = {NULL, v.buf, v.strides[0], n};
        int rc = infer_sequence(&s, where, out);
        PyBuffer_Release(&v);
        return rc < 0 ? -1 : 1;
    }
    bool contiguous = v.strides[0] == v.itemsize || n <= 1;
    uint8_t *bits = NULL;
    int64_t n_nulls = 0;
    if (valid != NULL && bitmap_from_mask(valid, valid_stride, n, false, &bits, &n_nulls) < 0) {
        PyBuffer_Release(&v);
        return -1;
    }
    if (timestamp_unit != NULL && k == N_I64 && contiguous) {
        /* NaT (INT64_MIN) is null */
        const int64_t *x = v.buf;
        int64_t nat = 0;
        for (int64_t i = 0; i < n; i++)
            nat += x[i] == INT64_MIN;
        if (nat > 0) {
            if (bits == NULL) {
                bits = malloc((size_t)(n / 8 + 1));
                if (bits == NULL) {
                    PyBuffer_Release(&v);
                    PyErr_NoMemory();
                    return -1;
                }
                memset(bits, 0xff, (size_t)(n / 8 + 1));
            }
            n_nulls = 0;
            for (int64_t i = 0; i < n; i++) {
                if (x[i] == INT64_MIN)
                    mloda_bitmap_set(bits, i, false);
                n_nulls += !mloda_bitmap_get(bits, i);
            }
        }
        char fmt[8];
        (void)snprintf(fmt, sizeof fmt, "ts%c:", timestamp_unit[0]);
        return lend(&v, NULL, fmt, 0, n, bits, n_nulls, where, out) < 0 ? -1 : 1;
    }
    if (timestamp_unit != NULL) {
        free(bits);
        PyBuffer_Release(&v);
        PyErr_Format(PyExc_TypeError, "%s: timestamps must come as contiguous int64", where);
        return -1;
    }
    if ((k == N_F64 || k == N_I64) && contiguous)
        return lend(&v, NULL, k == N_F64 ? "g" : "l", 0, n, bits, n_nulls, where, out) < 0 ? -1
                                                                                          : 1;
    /* a copy: keep a byte mask for the builders */
    uint8_t *vm = NULL;
    if (bits != NULL) {
        vm = malloc((size_t)n);
        if (vm == NULL) {
            free(bits);
            PyBuffer_Release(&v);
            PyErr_NoMemory();
            return -1;
        }
        for (int64_t i = 0; i < n; i++)
            vm[i] = mloda_bitmap_get(bits, i);
    }
    free(bits);
    int rc = copy_numeric(&v, k, n, vm, where, out);
    free(vm);
    PyBuffer_Release(&v);
    return rc < 0 ? -1 : 1;
}

/* A tagged tuple from the Python layer:
 *   ("masked", values, valid)           values any numeric/bool array, valid bool array
 *   ("timestamp", int64 array, unit, valid_or_None)   unit one of "s", "ms", "us", "ns" */
static int from_tagged(PyObject *t, const char *where, mloda_column **out)
{
    const char *tag = PyUnicode_AsUTF8(PyTuple_GET_ITEM(t, 0));
    if (tag == NULL)
        return -1;
    PyObject *values = PyTuple_GET_ITEM(t, 1);
    PyObject *valid = NULL;
    const char *unit = NULL;
    if (strcmp(tag, "masked") == 0 && PyTuple_GET_SIZE(t) == 3) {
        valid = PyTuple_GET_ITEM(t, 2);
    } else if (strcmp(tag, "timestamp") == 0 && PyTuple_GET_SIZE(t) == 4) {
        const char *u = PyUnicode_AsUTF8(PyTuple_GET_ITEM(t, 2));
        if (u == NULL)
            return -1;
        unit = strcmp(u, "s") == 0 ? "s" : strcmp(u, "ms") == 0 ? "m"
                                       : strcmp(u, "us") == 0   ? "u"
                                       : strcmp(u, "ns") == 0   ? "n"
                                                                : NULL;
        if (unit == NULL) {
            PyErr_Format(PyExc_ValueError, "%s: time unit '%s' is not s, ms, us or ns", where, u);
            return -1;
        }
        valid = PyTuple_GET_ITEM(t, 3);
    } else {
        PyErr_Format(PyExc_TypeError, "%s: unknown column form '%s'", where, tag);
        return -1;
    }
    Py_buffer mv = {0};
    const uint8_t *mask = NULL;
    Py_ssize_t mstride = 1;
    if (valid != Py_None) {
        if (PyObject_GetBuffer(valid, &mv, PyBUF_RECORDS_RO) < 0)
            return -1;
        if (mv.ndim != 1 || mv.itemsize != 1) {
            PyBuffer_Release(&mv);
            PyErr_Format(PyExc_TypeError, "%s: the validity mask must be a 1-D bool array", where);
            return -1;
        }
        mask = mv.buf;
        mstride = mv.strides[0];
    }
    Py_buffer vv;
    int rc = -1;
    if (PyObject_GetBuffer(values, &vv, PyBUF_RECORDS_RO) == 0) {
        if (mask != NULL && (vv.ndim != 1 || vv.shape[0] != mv.shape[0]))
            PyErr_Format(PyExc_ValueError, "%s: values and validity mask differ in length", where);
        else
            rc = 0;
        PyBuffer_Release(&vv);
    }
    if (rc == 0) {
        rc = from_buffer(values, mask, mstride, unit, where, out);
        if (rc == 0) {
            PyErr_Format(PyExc_TypeError, "%s: unsupported array format", where);
            rc = -1;
        }
    }
    if (mask != NULL)
        PyBuffer_Release(&mv);
    return rc < 0 ? -1 : 0;
}

/* 1 converted, 0 not a form handled here (no exception), -1 error. Tagged tuples only
 * from the Python layer (tagged_ok). */
static int column_direct(PyObject *obj, const char *where, bool tagged_ok, mloda_column **out)
{
    if (PyTuple_Check(obj) && tagged_ok && PyTuple_GET_SIZE(obj) >= 3 &&
        PyUnicode_Check(PyTuple_GET_ITEM(obj, 0)))
        return from_tagged(obj, where, out) < 0 ? -1 : 1;
    if (PyList_Check(obj) || PyTuple_Check(obj)) {
        seq s = {obj, NULL, 0, PySequence_Fast_GET_SIZE(obj)};
        return infer_sequence(&s, where, out) < 0 ? -1 : 1;
    }
    if (PyUnicode_Check(obj) || PyBytes_Check(obj) || PyLong_Check(obj) || PyFloat_Check(obj) ||
        PyBool_Check(obj) || obj == Py_None || PyDict_Check(obj)) {
        PyErr_Format(PyExc_TypeError,
                     "%s: expected a list, numpy array, pandas Series or Arrow array of "
                     "values, got a single %.80s",
                     where, Py_TYPE(obj)->tp_name);
        return -1;
    }
    /* numpy's masked arrays export their data without the mask: the Python layer reads them */
    if (PyObject_CheckBuffer(obj) && !is_type_named(obj, "MaskedArray")) {
        int rc = from_buffer(obj, NULL, 1, NULL, where, out);
        if (rc != 0)
            return rc;
    }
    return mc_arrow_column_from_py(obj, where, out);
}

int mc_column_from_py(PyObject *obj, const char *where, mloda_column **out)
{
    *out = NULL;
    if (datetime_ready() < 0)
        return -1;
    int rc = column_direct(obj, where, false, out);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    /* pandas objects, datetime64 and other dtypes: normalized by the Python layer */
    PyObject *norm = mc_call_hook(MC_HOOK_CONVERT_COLUMN, Py_BuildValue("(Os)", obj, where));
    if (norm == NULL)
        return -1;
    rc = norm == obj ? 0 : column_direct(norm, where, true, out);
    Py_DECREF(norm);
    if (rc == 0)
        PyErr_Format(PyExc_TypeError,
                     "%s: cannot use a %.80s as a column (expected a list, numpy array, pandas "
                     "Series or Arrow array of numbers, bools, str, datetimes or lists of "
                     "numbers)",
                     where, Py_TYPE(obj)->tp_name);
    return rc > 0 ? 0 : -1;
}

/* ---------------------------------------------------------------- tables and api_data */

static int table_from_dict(PyObject *dict, const char *tname, mloda_table **out)
{
    Py_ssize_t n = PyDict_Size(dict);
    const char **names = calloc((size_t)n + 1, sizeof *names);
    mloda_column **cols = calloc((size_t)n + 1, sizeof *cols);
    int rc = 0;
    if (names == NULL || cols == NULL) {
        PyErr_NoMemory();
        rc = -1;
    }
    Py_ssize_t pos = 0, i = 0;
    PyObject *key, *value;
    while (rc == 0 && PyDict_Next(dict, &pos, &key, &value)) {
        if (!PyUnicode_Check(key)) {
            PyErr_Format(PyExc_TypeError,
                         "api_data['%s']: column names must be str, got %.80s", tname,
                         Py_TYPE(key)->tp_name);
            rc = -1;
            break;
        }
        names[i] = PyUnicode_AsUTF8(key);
        if (names[i] == NULL) {
            rc = -1;
            break;
        }
        char where[300];
        (void)snprintf(where, sizeof where, "api_data['%s']['%s']", tname, names[i]);
        if (mc_column_from_py(value, where, &cols[i]) < 0) {
            rc = -1;
            break;
        }
        i++;
    }
    for (Py_ssize_t j = 1; rc == 0 && j < i; j++) {
        if (mloda_column_n_rows(cols[j]) != mloda_column_n_rows(cols[0])) {
            PyErr_Format(PyExc_ValueError,
                         "api_data['%s']: columns have different lengths: '%s' has %lld rows "
                         "but '%s' has %lld (all columns of a table must have the same length)",
                         tname, names[0], (long long)mloda_column_n_rows(cols[0]), names[j],
                         (long long)mloda_column_n_rows(cols[j]));
            rc = -1;
        }
    }
    if (rc == 0) {
        mloda_error err = MLODA_ERROR_INIT;
        int64_t rows = i > 0 ? mloda_column_n_rows(cols[0]) : 0;
        if (mloda_table_new(rows, i, names, (const mloda_column *const *)cols, out, &err) !=
            MLODA_OK) {
            if (err.code == MLODA_ERR_SCHEMA || err.code == MLODA_ERR_DUPLICATE)
                PyErr_Format(PyExc_ValueError, "api_data['%s']: %s", tname, err.message);
            else
                (void)mc_raise(&err);
            rc = -1;
        }
    }
    for (Py_ssize_t j = 0; cols != NULL && j < n; j++)
        mloda_column_release(cols[j]);
    free(cols);
    free(names);
    return rc;
}

/*
 * Gives the columns of *t the types the session was prepared with where that is a
 * widening (int64 -> float64), a change of time unit, or an all-null or empty column (as
 * `mloda stream` does with its batches). tschema: {column: (type, list_size, unit)}.
 * Other differences are left for the engine to report.
 */
static int coerce_table(mloda_table **t, PyObject *tschema)
{
    int64_t n = mloda_table_n_columns(*t);
    mloda_column **cols = NULL;
    const char **names = NULL;
    int rc = 0;
    for (int64_t i = 0; rc == 0 && i < n; i++) {
        const mloda_column *c = mloda_table_column(*t, i);
        PyObject *spec = PyDict_GetItemString(tschema, mloda_table_column_name(*t, i));
        int type = 0, ls = 0, unit = 0;
        if (spec == NULL || !PyArg_ParseTuple(spec, "iii", &type, &ls, &unit)) {
            PyErr_Clear();
            continue;
        }
        if (type == (int)mloda_column_type(c) &&
            (type != MLODA_TYPE_TIMESTAMP || unit == (int)mloda_column_time_unit(c)) &&
            (type != MLODA_TYPE_FLOAT64_LIST || ls == mloda_column_list_size(c)))
            continue;
        mc_target target = {(mloda_type)type, ls, (mloda_time_unit)unit};
        mloda_column *converted = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        if (mc_column_coerce(c, &target, &converted, &err) < 0) {
            (void)mc_raise(&err);
            rc = -1;
            break;
        }
        if (converted == NULL)
            continue;
        if (cols == NULL) {
            cols = calloc((size_t)n, sizeof *cols);
            names = calloc((size_t)n, sizeof *names);
            if (cols == NULL || names == NULL) {
                mloda_column_release(converted);
                PyErr_NoMemory();
                rc = -1;
                break;
            }
            for (int64_t k = 0; k < n; k++) {
                cols[k] = mloda_column_retain(mloda_table_column(*t, k));
                names[k] = mloda_table_column_name(*t, k);
            }
        }
        mloda_column_release(cols[i]);
        cols[i] = converted;
    }
    if (rc == 0 && cols != NULL) {
        mloda_table *t2 = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        if (mloda_table_new(mloda_table_n_rows(*t), n, names, (const mloda_column *const *)cols,
                            &t2, &err) != MLODA_OK) {
            (void)mc_raise(&err);
            rc = -1;
        } else {
            mloda_table_release(*t);
            *t = t2;
        }
    }
    for (int64_t k = 0; cols != NULL && k < n; k++)
        mloda_column_release(cols[k]);
    free(cols);
    free(names);
    return rc;
}

/* One table value (dict of columns, DataFrame, Arrow table) into *out. */
static int table_value(PyObject *obj, const char *tname, PyObject *tschema, mloda_table **out)
{
    *out = NULL;
    int rc;
    if (PyDict_Check(obj)) {
        rc = table_from_dict(obj, tname, out);
    } else {
        char where[300];
        (void)snprintf(where, sizeof where, "api_data['%s']", tname);
        /* pandas' own Arrow export needs pyarrow: DataFrames go through the Python layer */
        PyObject *mod = PyObject_GetAttrString((PyObject *)Py_TYPE(obj), "__module__");
        const char *m = mod != NULL && PyUnicode_Check(mod) ? PyUnicode_AsUTF8(mod) : NULL;
        bool is_pandas = m != NULL && strncmp(m, "pandas", 6) == 0;
        Py_XDECREF(mod);
        PyErr_Clear();
        rc = is_pandas ? 0 : mc_arrow_table_from_py(obj, where, out);
        if (rc == 0) {
            PyObject *d = mc_call_hook(MC_HOOK_CONVERT_TABLE, Py_BuildValue("(Os)", obj, where));
            if (d == NULL)
                return -1;
            if (!PyDict_Check(d)) {
                Py_DECREF(d);
                PyErr_Format(PyExc_TypeError,
                             "%s: expected a dict of columns, a pandas DataFrame or an Arrow "
                             "table, got %.80s",
                             where, Py_TYPE(obj)->tp_name);
                return -1;
            }
            rc = table_from_dict(d, tname, out);
            Py_DECREF(d);
        } else {
            rc = rc < 0 ? -1 : 0;
        }
    }
    if (rc == 0 && tschema != NULL && PyDict_Check(tschema) && coerce_table(out, tschema) < 0)
        rc = -1;
    if (rc < 0) {
        mloda_table_release(*out);
        *out = NULL;
    }
    return rc;
}

int mc_table_from_py(PyObject *obj, const char *where, mloda_table **out)
{
    return table_value(obj, where, NULL, out);
}

int mc_api_data_from_py(PyObject *dict, PyObject *schema, mloda_api_data **out)
{
    *out = NULL;
    if (!PyDict_Check(dict)) {
        PyErr_Format(PyExc_TypeError,
                     "api_data must be a dict {table name: {column: values}}, got %.80s",
                     Py_TYPE(dict)->tp_name);
        return -1;
    }
    mloda_api_data *a = mloda_api_data_new();
    if (a == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t pos = 0;
    PyObject *key, *value;
    while (PyDict_Next(dict, &pos, &key, &value)) {
        if (!PyUnicode_Check(key)) {
            PyErr_Format(PyExc_TypeError, "api_data: table names must be str, got %.80s",
                         Py_TYPE(key)->tp_name);
            mloda_api_data_free(a);
            return -1;
        }
        const char *tname = PyUnicode_AsUTF8(key);
        PyObject *tschema = schema != NULL ? PyDict_GetItem(schema, key) : NULL;
        mloda_table *t = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        if (tname == NULL || table_value(value, tname, tschema, &t) < 0) {
            mloda_api_data_free(a);
            return -1;
        }
        mloda_status st = mloda_api_data_add(a, tname, t, &err);
        mloda_table_release(t);
        if (st != MLODA_OK) {
            mloda_api_data_free(a);
            return raise_engine(&err);
        }
    }
    *out = a;
    return 0;
}

PyObject *mc_api_data_schema(const mloda_api_data *a)
{
    PyObject *schema = PyDict_New();
    for (int64_t i = 0; schema != NULL && a != NULL && i < mloda_api_data_n_tables(a); i++) {
        const mloda_table *t = mloda_api_data_table(a, i);
        PyObject *cols = PyDict_New();
        for (int64_t k = 0; cols != NULL && k < mloda_table_n_columns(t); k++) {
            const mloda_column *c = mloda_table_column(t, k);
            PyObject *spec = Py_BuildValue("(iii)", (int)mloda_column_type(c),
                                           (int)mloda_column_list_size(c),
                                           (int)mloda_column_time_unit(c));
            if (spec == NULL || PyDict_SetItemString(cols, mloda_table_column_name(t, k), spec) < 0)
                Py_CLEAR(cols);
            Py_XDECREF(spec);
        }
        if (cols == NULL || PyDict_SetItemString(schema, mloda_api_data_table_name(a, i), cols) < 0)
            Py_CLEAR(schema);
        Py_XDECREF(cols);
    }
    return schema;
}

/* ---------------------------------------------------------------- options */

static int option_value(mloda_options *o, mloda_option_bucket b, const char *key, PyObject *v,
                        mloda_error *err)
{
    mloda_status st = MLODA_OK;
    if (v == Py_None)
        st = mloda_options_set_null(o, b, key, err);
    else if (PyBool_Check(v))
        st = mloda_options_set_bool(o, b, key, v == Py_True, err);
    else if (PyLong_Check(v)) {
        long long x = PyLong_AsLongLong(v);
        if (x == -1 && PyErr_Occurred())
            return -1;
        st = mloda_options_set_int(o, b, key, x, err);
    } else if (PyFloat_Check(v))
        st = mloda_options_set_float(o, b, key, PyFloat_AS_DOUBLE(v), err);
    else if (PyUnicode_Check(v)) {
        const char *s = PyUnicode_AsUTF8(v);
        if (s == NULL)
            return -1;
        st = mloda_options_set_string(o, b, key, s, err);
    } else if (PyList_Check(v) || PyTuple_Check(v)) {
        st = mloda_options_set_list(o, b, key, err);
        for (Py_ssize_t i = 0; st == MLODA_OK && i < PySequence_Fast_GET_SIZE(v); i++) {
            PyObject *x = PySequence_Fast_GET_ITEM(v, i);
            if (PyBool_Check(x))
                st = mloda_options_list_append_bool(o, key, x == Py_True, err);
            else if (PyLong_Check(x)) {
                long long y = PyLong_AsLongLong(x);
                if (y == -1 && PyErr_Occurred())
                    return -1;
                st = mloda_options_list_append_int(o, key, y, err);
            } else if (PyFloat_Check(x))
                st = mloda_options_list_append_float(o, key, PyFloat_AS_DOUBLE(x), err);
            else if (PyUnicode_Check(x)) {
                const char *s = PyUnicode_AsUTF8(x);
                if (s == NULL)
                    return -1;
                st = mloda_options_list_append_string(o, key, s, err);
            } else {
                PyErr_Format(PyExc_TypeError,
                             "option '%s': list items must be str, int, float or bool, got "
                             "%.80s",
                             key, Py_TYPE(x)->tp_name);
                return -1;
            }
        }
    } else {
        PyErr_Format(PyExc_TypeError,
                     "option '%s': values must be None, bool, int, float, str or a list of "
                     "those, got %.80s",
                     key, Py_TYPE(v)->tp_name);
        return -1;
    }
    return st == MLODA_OK ? 0 : raise_engine(err);
}

static int options_bucket(mloda_options *o, mloda_option_bucket b, PyObject *dict)
{
    if (dict == NULL || dict == Py_None)
        return 0;
    if (!PyDict_Check(dict)) {
        PyErr_Format(PyExc_TypeError, "options must be a dict, got %.80s",
                     Py_TYPE(dict)->tp_name);
        return -1;
    }
    Py_ssize_t pos = 0;
    PyObject *k, *v;
    mloda_error err = MLODA_ERROR_INIT;
    while (PyDict_Next(dict, &pos, &k, &v)) {
        const char *key = PyUnicode_Check(k) ? PyUnicode_AsUTF8(k) : NULL;
        if (key == NULL) {
            if (!PyErr_Occurred())
                PyErr_Format(PyExc_TypeError, "option keys must be str, got %.80s",
                             Py_TYPE(k)->tp_name);
            return -1;
        }
        if (option_value(o, b, key, v, &err) < 0)
            return -1;
    }
    return 0;
}

int mc_options_from_py(PyObject *group, PyObject *context, mloda_options **out)
{
    *out = NULL;
    bool empty = (group == NULL || group == Py_None || (PyDict_Check(group) && PyDict_Size(group) == 0)) &&
                 (context == NULL || context == Py_None ||
                  (PyDict_Check(context) && PyDict_Size(context) == 0));
    if (empty)
        return 0;
    mloda_options *o = mloda_options_new();
    if (o == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    if (options_bucket(o, MLODA_CONTEXT, context) < 0 || options_bucket(o, MLODA_GROUP, group) < 0) {
        mloda_options_free(o);
        return -1;
    }
    *out = o;
    return 0;
}

static PyObject *option_scalar(const mloda_options *o, const char *key, int64_t i, bool in_list)
{
    mloda_value_kind k = in_list ? mloda_options_list_kind(o, key, i) : mloda_options_kind(o, key);
    bool b;
    int64_t n;
    double d;
    const char *s;
    switch (k) {
    case MLODA_VALUE_BOOL:
        (void)(in_list ? mloda_options_list_get_bool(o, key, i, &b) : mloda_options_get_bool(o, key, &b));
        return PyBool_FromLong(b);
    case MLODA_VALUE_INT:
        (void)(in_list ? mloda_options_list_get_int(o, key, i, &n) : mloda_options_get_int(o, key, &n));
        return PyLong_FromLongLong(n);
    case MLODA_VALUE_FLOAT:
        (void)(in_list ? mloda_options_list_get_float(o, key, i, &d)
                       : mloda_options_get_float(o, key, &d));
        return PyFloat_FromDouble(d);
    case MLODA_VALUE_STRING:
        (void)(in_list ? mloda_options_list_get_string(o, key, i, &s)
                       : mloda_options_get_string(o, key, &s));
        return PyUnicode_FromString(s);
    default:
        Py_RETURN_NONE;
    }
}

PyObject *mc_options_to_py(const mloda_options *o)
{
    PyObject *group = PyDict_New(), *context = PyDict_New();
    if (group == NULL || context == NULL)
        goto fail;
    for (int64_t i = 0; i < mloda_options_n_keys(o); i++) {
        const char *key = mloda_options_key(o, i);
        PyObject *v;
        if (mloda_options_kind(o, key) == MLODA_VALUE_LIST) {
            int64_t n = mloda_options_list_n_items(o, key);
            v = PyList_New((Py_ssize_t)n);
            for (int64_t j = 0; v != NULL && j < n; j++) {
                PyObject *x = option_scalar(o, key, j, true);
                if (x == NULL) {
                    Py_CLEAR(v);
                    break;
                }
                PyList_SET_ITEM(v, (Py_ssize_t)j, x);
            }
        } else {
            v = option_scalar(o, key, 0, false);
        }
        if (v == NULL)
            goto fail;
        PyObject *d = mloda_options_bucket(o, key) == MLODA_GROUP ? group : context;
        int rc = PyDict_SetItemString(d, key, v);
        Py_DECREF(v);
        if (rc < 0)
            goto fail;
    }
    return Py_BuildValue("(NN)", group, context);
fail:
    Py_XDECREF(group);
    Py_XDECREF(context);
    return NULL;
}

/* ---------------------------------------------------------------- coercion */

int mc_column_coerce(const mloda_column *col, const mc_target *t, mloda_column **out,
                     mloda_error *err)
{
    *out = NULL;
    mloda_type have = mloda_column_type(col);
    int64_t n = mloda_column_n_rows(col);
    if (t->type == MLODA_TYPE_INVALID ||
        (have == t->type &&
         (have != MLODA_TYPE_TIMESTAMP || mloda_column_time_unit(col) == t->unit) &&
         (have != MLODA_TYPE_FLOAT64_LIST || mloda_column_list_size(col) == t->list_size))) {
        *out = mloda_column_retain(col);
        return 0;
    }
    if (n == 0 || mloda_column_n_nulls(col) == n) /* empty or all-null: any type will do */
        return mc_null_column(t, n, out, err) == MLODA_OK ? 0 : -1;
    if (t->type == MLODA_TYPE_FLOAT64 && (have == MLODA_TYPE_INT64 || have == MLODA_TYPE_BOOL)) {
        double *v = malloc(n > 0 ? (size_t)n * sizeof *v : 1);
        uint8_t *valid = malloc(n > 0 ? (size_t)n : 1);
        if (v == NULL || valid == NULL) {
            free(v);
            free(valid);
            (void)mloda_error_set(err, MLODA_ERR_NOMEM, NULL, "out of memory");
            return -1;
        }
        const int64_t *x = mloda_column_int64(col);
        for (int64_t i = 0; i < n; i++) {
            v[i] = have == MLODA_TYPE_INT64 ? (double)x[i] : (double)mloda_column_bool_at(col, i);
            valid[i] = mloda_column_is_valid(col, i);
        }
        mloda_status st = mloda_column_from_float64(n, v, mloda_column_n_nulls(col) > 0 ? valid : NULL,
                                                    out, err);
        free(v);
        free(valid);
        return st == MLODA_OK ? 0 : -1;
    }
    if (t->type == MLODA_TYPE_TIMESTAMP && have == MLODA_TYPE_TIMESTAMP) {
        static const int64_t per_second[] = {1, 1000, 1000000, 1000000000};
        int64_t from = per_second[mloda_column_time_unit(col)], to = per_second[t->unit];
        const int64_t *x = mloda_column_int64(col);
        int64_t *v = malloc(n > 0 ? (size_t)n * sizeof *v : 1);
        uint8_t *valid = malloc(n > 0 ? (size_t)n : 1);
        if (v == NULL || valid == NULL) {
            free(v);
            free(valid);
            (void)mloda_error_set(err, MLODA_ERR_NOMEM, NULL, "out of memory");
            return -1;
        }
        for (int64_t i = 0; i < n; i++) {
            v[i] = to >= from ? x[i] * (to / from) : x[i] / (from / to);
            valid[i] = mloda_column_is_valid(col, i);
        }
        mloda_status st = mloda_column_from_timestamp(t->unit, n, v,
                                                      mloda_column_n_nulls(col) > 0 ? valid : NULL,
                                                      out, err);
        free(v);
        free(valid);
        return st == MLODA_OK ? 0 : -1;
    }
    return 0; /* no conversion: *out stays NULL */
}
