/*
 * module.c: the mloda_c._core module: hooks into the Python layer, the exception stash
 * that carries a feature group's exception from an engine thread to the caller, error
 * mapping, live-object counters and the module table.
 *
 * Exception stash: a Python feature group may fail on a pool worker. Its exception is
 * kept in the stash (under the GIL) and the engine error carries its token
 * ("[mloda_c#17] ..."); mc_raise on the calling thread takes it back and re-raises it
 * with its own type (a _TypeRetry this way tells the session to plan again). When two
 * groups of one run fail at once the engine reports only the first error; the other's
 * exception stays until it is MC_STASH_SECONDS old (see stash_trim).
 */
#include "core.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

PyObject *mc_hooks[MC_HOOK_COUNT];
PyTypeObject *mc_table_type;
atomic_long mc_live[MC_LIVE_COUNT];

int mc_py_alive(void)
{
#if PY_VERSION_HEX >= 0x030D0000
    return Py_IsInitialized() && !Py_IsFinalizing();
#else
    return Py_IsInitialized() && !_Py_IsFinalizing();
#endif
}

/* ---------------------------------------------------------------- stash */

/* token -> (exception, time stashed); guarded by the GIL. A reported exception is taken back
 * by its caller as soon as the run returns; entries nobody takes (a second failure in the
 * same run: the engine reports the first) go after MC_STASH_SECONDS, or the oldest first
 * beyond MC_STASH_MAX entries, so the stash stays small without losing an exception that a
 * caller is still about to take. */
enum { MC_STASH_MAX = 1024, MC_STASH_SECONDS = 300 };
static PyObject *stash;
static long long stash_next = 1;

static double now_seconds(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Drops entries older than MC_STASH_SECONDS, and the oldest beyond MC_STASH_MAX. */
static void stash_trim(void)
{
    double cutoff = now_seconds() - MC_STASH_SECONDS;
    Py_ssize_t excess = PyDict_Size(stash) - MC_STASH_MAX;
    PyObject *keys = PyDict_Keys(stash); /* in insertion order: oldest first */
    for (Py_ssize_t i = 0; keys != NULL && i < PyList_GET_SIZE(keys); i++) {
        PyObject *k = PyList_GET_ITEM(keys, i);
        PyObject *entry = PyDict_GetItem(stash, k);
        double t = entry != NULL ? PyFloat_AsDouble(PyTuple_GET_ITEM(entry, 1)) : 0.0;
        if (t >= cutoff && excess <= 0)
            break;
        if (PyDict_DelItem(stash, k) < 0)
            PyErr_Clear();
        excess--;
    }
    Py_XDECREF(keys);
}

/* Takes the reference to exc; returns the token, or 0 when it could not be kept. */
static long long stash_put(PyObject *exc)
{
    if (stash == NULL && (stash = PyDict_New()) == NULL) {
        Py_DECREF(exc);
        PyErr_Clear();
        return 0;
    }
    stash_trim();
    long long token = stash_next++;
    PyObject *key = PyLong_FromLongLong(token);
    PyObject *entry = Py_BuildValue("(Nd)", exc, now_seconds());
    int rc = key != NULL && entry != NULL ? PyDict_SetItem(stash, key, entry) : -1;
    Py_XDECREF(key);
    Py_XDECREF(entry);
    if (rc < 0) {
        PyErr_Clear();
        return 0;
    }
    return token;
}

static PyObject *stash_take(long long token)
{
    if (stash == NULL || token <= 0)
        return NULL;
    PyObject *key = PyLong_FromLongLong(token);
    PyObject *entry = key != NULL ? PyDict_GetItem(stash, key) : NULL; /* borrowed */
    PyObject *exc = NULL;
    if (entry != NULL) {
        exc = PyTuple_GET_ITEM(entry, 0);
        Py_INCREF(exc);
        if (PyDict_DelItem(stash, key) < 0)
            PyErr_Clear();
    }
    Py_XDECREF(key);
    return exc;
}

static int stash_count(void)
{
    return stash != NULL ? (int)PyDict_Size(stash) : 0;
}

mloda_status mc_stash_error(mloda_error *err, mloda_status code, const char *subject,
                            const char *what)
{
    PyObject *type = NULL, *value = NULL, *tb = NULL;
    PyErr_Fetch(&type, &value, &tb);
    if (type == NULL)
        return mloda_error_set(err, code, subject, "%s failed without a Python exception", what);
    PyErr_NormalizeException(&type, &value, &tb);
    if (tb != NULL && value != NULL)
        (void)PyException_SetTraceback(value, tb);
    char text[300] = "";
    PyObject *s = value != NULL ? PyObject_Str(value) : NULL;
    const char *u = s != NULL ? PyUnicode_AsUTF8(s) : NULL;
    if (u == NULL)
        PyErr_Clear();
    (void)snprintf(text, sizeof text, "%s", u != NULL ? u : "");
    Py_XDECREF(s);
    const char *tname = ((PyTypeObject *)type)->tp_name;
    Py_XDECREF(type);
    Py_XDECREF(tb);
    long long token = value != NULL ? stash_put(value) : 0; /* value's reference moves in */
    return mloda_error_set(err, code, subject, "[mloda_c#%lld] %s: %s: %s", token, what, tname,
                           text);
}

/* ---------------------------------------------------------------- hooks and errors */

PyObject *mc_call_hook(mc_hook_id id, PyObject *args)
{
    if (args == NULL)
        return NULL;
    PyObject *fn = mc_hooks[id];
    if (fn == NULL) {
        Py_DECREF(args);
        PyErr_SetString(PyExc_RuntimeError, "mloda_c._core: hooks not set (import mloda_c)");
        return NULL;
    }
    PyObject *r = PyObject_CallObject(fn, args);
    Py_DECREF(args);
    return r;
}

static long long find_token(const char *msg)
{
    const char *p = strstr(msg, "[mloda_c#");
    if (p == NULL)
        return 0;
    return strtoll(p + 9, NULL, 10);
}

PyObject *mc_raise(const mloda_error *err)
{
    long long token = find_token(err->message);
    PyObject *exc = token > 0 ? stash_take(token) : NULL;
    PyObject *r = NULL;
    if (exc != NULL) {
        r = mc_call_hook(MC_HOOK_REWRAP, Py_BuildValue("(Nss)", exc, err->subject, err->message));
    } else {
        r = mc_call_hook(MC_HOOK_MAKE_ERROR,
                         Py_BuildValue("(sssL)", mloda_status_name(err->code), err->subject,
                                       err->message, (long long)err->position));
    }
    if (r == NULL)
        return NULL; /* the hook's own error is the one to see */
    PyErr_SetObject((PyObject *)Py_TYPE(r), r);
    Py_DECREF(r);
    return NULL;
}

/* ---------------------------------------------------------------- module functions */

static PyObject *set_hooks(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static const char *names[MC_HOOK_COUNT + 2] = {
        "make_error", "rewrap", "convert_column", "convert_table", "group_match",
        "group_inputs", "group_bind", "group_calc", "type_retry", "table_type", NULL};
    PyObject *v[MC_HOOK_COUNT + 1] = {0};
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOOOOOOOOO", (char **)names, &v[0], &v[1],
                                     &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]))
        return NULL;
    PyObject *tt = v[MC_HOOK_COUNT];
    if (!PyType_Check(tt) || !PyType_IsSubtype((PyTypeObject *)tt, &mc_TableBase_Type)) {
        PyErr_SetString(PyExc_TypeError, "table_type must subclass _core.Table");
        return NULL;
    }
    for (int i = 0; i < MC_HOOK_COUNT; i++) {
        Py_INCREF(v[i]);
        Py_XSETREF(mc_hooks[i], v[i]);
    }
    Py_INCREF(tt);
    Py_XSETREF(mc_table_type, (PyTypeObject *)tt);
    Py_RETURN_NONE;
}

static PyObject *live(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    static const char *names[MC_LIVE_COUNT] = {"tables", "streams", "sessions",
                                               "borrowed", "exports", "states"};
    PyObject *d = PyDict_New();
    for (int i = 0; d != NULL && i < MC_LIVE_COUNT; i++) {
        PyObject *n = PyLong_FromLong(atomic_load(&mc_live[i]));
        if (n == NULL || PyDict_SetItemString(d, names[i], n) < 0) {
            Py_XDECREF(n);
            Py_CLEAR(d);
            break;
        }
        Py_DECREF(n);
    }
    if (d != NULL) {
        PyObject *n = PyLong_FromLong(stash_count());
        if (n == NULL || PyDict_SetItemString(d, "stash", n) < 0)
            Py_CLEAR(d);
        Py_XDECREF(n);
    }
    return d;
}

static PyObject *clear_stash(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    if (stash != NULL)
        PyDict_Clear(stash);
    Py_RETURN_NONE;
}

static PyObject *status_names(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    PyObject *l = PyList_New(0);
    for (int c = 0; l != NULL && c < 64; c++) {
        if (!mloda_status_is_known((mloda_status)c))
            continue;
        PyObject *s = PyUnicode_FromString(mloda_status_name((mloda_status)c));
        if (s == NULL || PyList_Append(l, s) < 0)
            Py_CLEAR(l);
        Py_XDECREF(s);
    }
    return l;
}

static PyMethodDef methods[] = {
    {"_set_hooks", (PyCFunction)(void (*)(void))set_hooks, METH_VARARGS | METH_KEYWORDS,
     "Connects the Python layer (mloda_c._bridge)."},
    {"_live", live, METH_NOARGS, "Counts of live extension objects (leak tests)."},
    {"_clear_stash", clear_stash, METH_NOARGS, "Drops stashed feature-group exceptions."},
    {"status_names", status_names, METH_NOARGS, "The engine's status code names."},
    {"prepare", mc_fn_prepare, METH_VARARGS,
     "prepare(registry, request, api_data_or_None, ctx) -> Session (GIL released)."},
    {"builtin_groups", mc_fn_builtin_groups, METH_NOARGS,
     "[(name, description, patterns, options_doc, example)] of the built-in groups."},
    {"column", mc_fn_column_roundtrip, METH_VARARGS,
     "column(values) -> one-column Table: converts values as api_data would."},
    {"table_from", mc_fn_table_from, METH_VARARGS,
     "table_from(obj) -> Table: a dict of columns, DataFrame or Arrow table."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "mloda_c._core",
    "CPython extension over the mloda-c public C API (see mloda_c for the user API).", -1,
    methods, NULL, NULL, NULL, NULL,
};

static int add_type(PyObject *m, PyTypeObject *t, const char *name)
{
    if (PyType_Ready(t) < 0)
        return -1;
    Py_INCREF(t);
    if (PyModule_AddObject(m, name, (PyObject *)t) < 0) {
        Py_DECREF(t);
        return -1;
    }
    return 0;
}

PyMODINIT_FUNC PyInit__core(void);
PyMODINIT_FUNC PyInit__core(void)
{
    PyObject *m = PyModule_Create(&module_def);
    if (m == NULL)
        return NULL;
    if (add_type(m, &mc_TableBase_Type, "Table") < 0 ||
        add_type(m, &mc_ColumnBuffer_Type, "ColumnBuffer") < 0 ||
        add_type(m, &mc_Registry_Type, "Registry") < 0 ||
        add_type(m, &mc_Request_Type, "Request") < 0 ||
        add_type(m, &mc_Session_Type, "Session") < 0 ||
        add_type(m, &mc_Stream_Type, "Stream") < 0 ||
        PyModule_AddStringConstant(m, "engine_version", mloda_version()) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
