/*
 * session.c: registries, requests, sessions and streams as Python objects.
 *
 * Every engine call that may wait or call back into Python from a pool thread runs with
 * the GIL released: mloda_prepare (Python groups' match/inputs/bind take it back),
 * mloda_session_run, mloda_session_stream_run, mloda_stream_next and mloda_stream_free
 * (which waits for running steps, and a running Python step needs the GIL). A session is
 * immutable, so any number of Python threads may run batches on one session at once.
 */
#include "core.h"

#include <string.h>
#include <time.h>

static int raise_engine(const mloda_error *err)
{
    (void)mc_raise(err);
    return -1;
}

/* The built-in groups, registered once per process (read-only afterwards). */
static mloda_registry *builtins;

static mloda_registry *builtin_registry(void)
{
    if (builtins == NULL)
        builtins = mloda_registry_default();
    if (builtins == NULL)
        PyErr_NoMemory();
    return builtins;
}

/* ---------------------------------------------------------------- Registry */

typedef struct {
    PyObject_HEAD
    mloda_registry *reg; /* owned */
} registry_obj;

static void registry_dealloc(PyObject *self)
{
    registry_obj *r = (registry_obj *)self;
    mloda_registry_free(r->reg); /* sessions keep their own reference */
    Py_TYPE(self)->tp_free(self);
}

static bool name_in(PyObject *seq, const char *name)
{
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq); i++) {
        const char *s = PyUnicode_AsUTF8(PySequence_Fast_GET_ITEM(seq, i));
        if (s != NULL && strcmp(s, name) == 0)
            return true;
        PyErr_Clear();
    }
    return false;
}

/*
 * Registry(enabled, disabled, groups): the built-in groups (all when enabled is None, else
 * only those named; minus those named in disabled), then the Python groups, a list of
 * (class, name, description).
 */
static PyObject *registry_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    static char *names[] = {"enabled", "disabled", "groups", NULL};
    PyObject *enabled = Py_None, *disabled = Py_None, *groups = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|OOO", names, &enabled, &disabled, &groups))
        return NULL;
    mloda_registry *base = builtin_registry();
    if (base == NULL)
        return NULL;
    PyObject *en = enabled != Py_None ? PySequence_Fast(enabled, "enabled") : NULL;
    PyObject *dis = disabled != Py_None ? PySequence_Fast(disabled, "disabled") : NULL;
    PyObject *gs = groups != Py_None ? PySequence_Fast(groups, "groups") : NULL;
    registry_obj *self = NULL;
    if ((enabled != Py_None && en == NULL) || (disabled != Py_None && dis == NULL) ||
        (groups != Py_None && gs == NULL))
        goto done;
    self = (registry_obj *)type->tp_alloc(type, 0);
    if (self == NULL)
        goto done;
    self->reg = mloda_registry_new();
    if (self->reg == NULL) {
        PyErr_NoMemory();
        Py_CLEAR(self);
        goto done;
    }
    mloda_error err = MLODA_ERROR_INIT;
    for (int64_t i = 0; i < mloda_registry_n_groups(base); i++) {
        mloda_feature_group g = *mloda_registry_group(base, i);
        if ((en != NULL && !name_in(en, g.name)) || (dis != NULL && name_in(dis, g.name)))
            continue;
        /* built-ins keep no user_data; the process-wide registry lives on regardless */
        g.user_data_free = NULL;
        if (mloda_registry_add(self->reg, &g, &err) != MLODA_OK) {
            (void)raise_engine(&err);
            Py_CLEAR(self);
            goto done;
        }
    }
    for (Py_ssize_t i = 0; gs != NULL && i < PySequence_Fast_GET_SIZE(gs); i++) {
        PyObject *cls = NULL;
        const char *gname = NULL, *desc = NULL;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(gs, i), "Ozz", &cls, &gname, &desc) ||
            mc_pygroup_register(self->reg, cls, gname, desc) < 0) {
            Py_CLEAR(self);
            goto done;
        }
    }
done:
    Py_XDECREF(en);
    Py_XDECREF(dis);
    Py_XDECREF(gs);
    return (PyObject *)self;
}

static PyObject *registry_group_names(PyObject *self, PyObject *unused)
{
    (void)unused;
    registry_obj *r = (registry_obj *)self;
    PyObject *l = PyList_New(0);
    for (int64_t i = 0; l != NULL && i < mloda_registry_n_groups(r->reg); i++) {
        PyObject *s = PyUnicode_FromString(mloda_registry_group(r->reg, i)->name);
        if (s == NULL || PyList_Append(l, s) < 0)
            Py_CLEAR(l);
        Py_XDECREF(s);
    }
    return l;
}

static PyMethodDef registry_methods[] = {
    {"group_names", registry_group_names, METH_NOARGS, "names of the registered groups"},
    {NULL, NULL, 0, NULL},
};

PyTypeObject mc_Registry_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "mloda_c._core.Registry",
    .tp_basicsize = sizeof(registry_obj),
    .tp_dealloc = registry_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Registry(enabled=None, disabled=None, groups=None): built-in and Python groups.",
    .tp_methods = registry_methods,
    .tp_new = registry_new,
};

/* ---------------------------------------------------------------- Request */

typedef struct {
    PyObject_HEAD
    mloda_request *req; /* owned */
} request_obj;

static void request_dealloc(PyObject *self)
{
    mloda_request_free(((request_obj *)self)->req);
    Py_TYPE(self)->tp_free(self);
}

static int add_features(mloda_request *req, PyObject *features)
{
    PyObject *fast = PySequence_Fast(features, "features must be a list");
    if (fast == NULL)
        return -1;
    int rc = 0;
    mloda_error err = MLODA_ERROR_INIT;
    for (Py_ssize_t i = 0; rc == 0 && i < PySequence_Fast_GET_SIZE(fast); i++) {
        const char *name = NULL;
        PyObject *group = NULL, *context = NULL;
        mloda_options *o = NULL;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(fast, i), "sOO", &name, &group, &context) ||
            mc_options_from_py(group, context, &o) < 0) {
            rc = -1;
            break;
        }
        if (mloda_request_add(req, name, o, &err) != MLODA_OK)
            rc = raise_engine(&err);
        mloda_options_free(o);
    }
    Py_DECREF(fast);
    return rc;
}

static int add_filters(mloda_request *req, PyObject *filters)
{
    PyObject *fast = PySequence_Fast(filters, "filters must be a list");
    if (fast == NULL)
        return -1;
    int rc = 0;
    mloda_error err = MLODA_ERROR_INIT;
    for (Py_ssize_t i = 0; rc == 0 && i < PySequence_Fast_GET_SIZE(fast); i++) {
        const char *type = NULL, *column = NULL;
        PyObject *params = NULL;
        mloda_options *o = NULL;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(fast, i), "ssO", &type, &column, &params) ||
            mc_options_from_py(NULL, params, &o) < 0) {
            rc = -1;
            break;
        }
        if (mloda_request_add_filter(req, type, column, o, &err) != MLODA_OK)
            rc = raise_engine(&err);
        mloda_options_free(o);
    }
    Py_DECREF(fast);
    return rc;
}

static int str_array(PyObject *seq, const char ***out, Py_ssize_t *n)
{
    PyObject *fast = PySequence_Fast(seq, "link keys must be a sequence of str");
    if (fast == NULL)
        return -1;
    *n = PySequence_Fast_GET_SIZE(fast);
    *out = calloc((size_t)*n + 1, sizeof **out);
    int rc = *out != NULL ? 0 : -1;
    for (Py_ssize_t i = 0; rc == 0 && i < *n; i++) {
        (*out)[i] = PyUnicode_AsUTF8(PySequence_Fast_GET_ITEM(fast, i));
        if ((*out)[i] == NULL)
            rc = -1;
    }
    Py_DECREF(fast); /* the strings live in the caller's tuple */
    return rc;
}

static int add_links(mloda_request *req, PyObject *links)
{
    PyObject *fast = PySequence_Fast(links, "links must be a list");
    if (fast == NULL)
        return -1;
    int rc = 0;
    mloda_error err = MLODA_ERROR_INIT;
    for (Py_ssize_t i = 0; rc == 0 && i < PySequence_Fast_GET_SIZE(fast); i++) {
        const char *type = NULL, *left = NULL, *right = NULL;
        PyObject *lon = NULL, *ron = NULL, *params = NULL;
        const char **l = NULL, **r = NULL;
        Py_ssize_t nl = 0, nr = 0;
        mloda_options *o = NULL;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(fast, i), "sssOOO", &type, &left, &right,
                              &lon, &ron, &params) ||
            str_array(lon, &l, &nl) < 0 || str_array(ron, &r, &nr) < 0 ||
            mc_options_from_py(NULL, params, &o) < 0) {
            rc = -1;
        } else if (nl != nr) {
            PyErr_Format(PyExc_ValueError, "link %s-%s: %zd left keys but %zd right keys", left,
                         right, nl, nr);
            rc = -1;
        } else if (mloda_request_add_link(req, type, left, right, nl, l, r, o, &err) != MLODA_OK) {
            rc = raise_engine(&err);
        }
        free(l);
        free(r);
        mloda_options_free(o);
    }
    Py_DECREF(fast);
    return rc;
}

static int add_sources(mloda_request *req, PyObject *sources)
{
    PyObject *fast = PySequence_Fast(sources, "sources must be a list");
    if (fast == NULL)
        return -1;
    int rc = 0;
    mloda_error err = MLODA_ERROR_INIT;
    for (Py_ssize_t i = 0; rc == 0 && i < PySequence_Fast_GET_SIZE(fast); i++) {
        const char *kind = NULL, *path = NULL, *name = NULL, *table = NULL;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(fast, i), "sszz", &kind, &path, &name,
                              &table)) {
            rc = -1;
            break;
        }
        mloda_source_provider src;
        mloda_status st;
        if (strcmp(kind, "csv") == 0)
            st = mloda_source_init_csv(path, name, NULL, &src, &err);
        else if (strcmp(kind, "ndjson") == 0)
            st = mloda_source_init_ndjson(path, name, NULL, &src, &err);
        else if (strcmp(kind, "sqlite") == 0)
            st = mloda_source_init_sqlite(path, table != NULL ? table : "", name, NULL, &src, &err);
        else {
            PyErr_Format(PyExc_ValueError, "unknown data source kind '%s'", kind);
            rc = -1;
            break;
        }
        if (st == MLODA_OK && mloda_request_add_source(req, &src, &err) != MLODA_OK) {
            mloda_source_reset(&src); /* the request owns it only after a successful add */
            st = err.code;
        }
        if (st != MLODA_OK)
            rc = raise_engine(&err);
    }
    Py_DECREF(fast);
    return rc;
}

/* Request(features, column_ordering=0, filters=(), links=(), sources=(), row_id_column=None,
 *         threads=0, inline_rows=-1, on_error=0) */
static PyObject *request_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    static char *names[] = {"features", "column_ordering", "filters",     "links",    "sources",
                            "row_id_column", "threads",    "inline_rows", "on_error", NULL};
    PyObject *features = NULL, *filters = Py_None, *links = Py_None, *sources = Py_None;
    int ordering = 0, on_error = 0;
    const char *row_id = NULL;
    long long threads = 0, inline_rows = -1;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|iOOOzLLi", names, &features, &ordering,
                                     &filters, &links, &sources, &row_id, &threads, &inline_rows,
                                     &on_error))
        return NULL;
    request_obj *self = (request_obj *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    self->req = mloda_request_new();
    if (self->req == NULL) {
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    mloda_error err = MLODA_ERROR_INIT;
    int rc = add_features(self->req, features);
    if (rc == 0 && mloda_request_set_column_ordering(self->req, (mloda_column_ordering)ordering,
                                                     &err) != MLODA_OK)
        rc = raise_engine(&err);
    if (rc == 0 && filters != Py_None)
        rc = add_filters(self->req, filters);
    if (rc == 0 && links != Py_None)
        rc = add_links(self->req, links);
    if (rc == 0 && sources != Py_None)
        rc = add_sources(self->req, sources);
    if (rc == 0 && row_id != NULL &&
        mloda_request_set_row_id_column(self->req, row_id, &err) != MLODA_OK)
        rc = raise_engine(&err);
    if (rc == 0 && threads != 0 &&
        mloda_request_set_threads(self->req, (int64_t)threads, &err) != MLODA_OK)
        rc = raise_engine(&err);
    if (rc == 0 && inline_rows >= 0 &&
        mloda_request_set_inline_rows(self->req, (int64_t)inline_rows, &err) != MLODA_OK)
        rc = raise_engine(&err);
    if (rc == 0 && on_error != 0 &&
        mloda_request_set_on_error(self->req, (mloda_on_error)on_error, &err) != MLODA_OK)
        rc = raise_engine(&err);
    if (rc < 0) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

PyTypeObject mc_Request_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "mloda_c._core.Request",
    .tp_basicsize = sizeof(request_obj),
    .tp_dealloc = request_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Request(features, column_ordering, filters, links, sources, row_id_column, "
              "threads, inline_rows, on_error): an engine request (see mloda.h).",
    .tp_new = request_new,
};

/* ---------------------------------------------------------------- Stream */

typedef struct {
    PyObject_HEAD
    mloda_stream *s; /* owned; NULL once ended or closed */
    int busy;        /* a thread is inside next (guarded by the GIL) */
} stream_obj;

static void stream_close_now(stream_obj *o)
{
    mloda_stream *s = o->s;
    o->s = NULL;
    if (s == NULL)
        return;
    if (!mc_py_alive()) {
        /* interpreter exit: a running Python step can no longer take the GIL, so waiting for
         * it could hang; the process is ending, leave the stream to it */
        mc_live_add(MC_LIVE_STREAMS, -1);
        return;
    }
    /* waits for running steps, and a running Python step needs the GIL */
    Py_BEGIN_ALLOW_THREADS
    mloda_stream_free(s);
    Py_END_ALLOW_THREADS
    mc_live_add(MC_LIVE_STREAMS, -1);
}

static void stream_dealloc(PyObject *self)
{
    stream_close_now((stream_obj *)self);
    Py_TYPE(self)->tp_free(self);
}

static PyObject *stream_iter(PyObject *self)
{
    Py_INCREF(self);
    return self;
}

static PyObject *stream_next(PyObject *self)
{
    stream_obj *o = (stream_obj *)self;
    if (o->s == NULL)
        return NULL; /* StopIteration */
    if (o->busy) {
        PyErr_SetString(PyExc_RuntimeError,
                        "this stream is being read by another thread (one reader per stream)");
        return NULL;
    }
    o->busy = 1;
    mloda_table *t = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    mloda_status st;
    mloda_stream *s = o->s;
    Py_BEGIN_ALLOW_THREADS
    st = mloda_stream_next(s, &t, &err);
    Py_END_ALLOW_THREADS
    o->busy = 0;
    if (st != MLODA_OK) {
        (void)mc_raise(&err);
        return NULL; /* the stream goes on (or ends) as mloda_stream_next says */
    }
    if (t == NULL) {
        stream_close_now(o);
        return NULL;
    }
    return mc_table_wrap(t);
}

static PyObject *stream_close(PyObject *self, PyObject *unused)
{
    (void)unused;
    stream_obj *o = (stream_obj *)self;
    if (o->busy) {
        PyErr_SetString(PyExc_RuntimeError, "cannot close a stream another thread is reading");
        return NULL;
    }
    stream_close_now(o);
    Py_RETURN_NONE;
}

static PyMethodDef stream_methods[] = {
    {"close", stream_close, METH_NOARGS,
     "Ends the stream: cancels steps not started, waits for running ones, frees it."},
    {NULL, NULL, 0, NULL},
};

PyTypeObject mc_Stream_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "mloda_c._core.Stream",
    .tp_basicsize = sizeof(stream_obj),
    .tp_dealloc = stream_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Result tables of one batch in completion order (one reader at a time).",
    .tp_iter = stream_iter,
    .tp_iternext = stream_next,
    .tp_methods = stream_methods,
};

/* ---------------------------------------------------------------- Session */

typedef struct {
    PyObject_HEAD
    mloda_session *s;  /* owned */
    PyObject *schema;  /* owned: types of the prepared example, for batch widening */
} session_obj;

static void session_dealloc(PyObject *self)
{
    session_obj *o = (session_obj *)self;
    if (o->s != NULL) {
        mloda_session_free(o->s); /* does not wait; may release Python states (GIL held) */
        mc_live_add(MC_LIVE_SESSIONS, -1);
    }
    Py_XDECREF(o->schema);
    Py_TYPE(self)->tp_free(self);
}

static int batch_arg(PyObject *api_data, PyObject *schema, mloda_api_data **out)
{
    *out = NULL;
    if (api_data == Py_None)
        return 0;
    return mc_api_data_from_py(api_data, schema, out);
}

static PyObject *results_list(mloda_results *res)
{
    int64_t n = mloda_results_n_tables(res);
    PyObject *l = PyList_New((Py_ssize_t)n);
    for (int64_t i = 0; l != NULL && i < n; i++) {
        PyObject *t = mc_table_wrap(mloda_table_retain(mloda_results_table(res, i)));
        if (t == NULL) {
            Py_CLEAR(l);
            break;
        }
        PyList_SET_ITEM(l, (Py_ssize_t)i, t);
    }
    mloda_results_free(res);
    return l;
}

static PyObject *session_run(PyObject *self, PyObject *api_data)
{
    session_obj *o = (session_obj *)self;
    mloda_api_data *a = NULL;
    if (batch_arg(api_data, o->schema, &a) < 0)
        return NULL;
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    mloda_status st;
    Py_BEGIN_ALLOW_THREADS
    st = mloda_session_run(o->s, a, &res, &err);
    Py_END_ALLOW_THREADS
    mloda_api_data_free(a); /* results keep what they share with the batch */
    if (st != MLODA_OK)
        return mc_raise(&err);
    return results_list(res);
}

static PyObject *session_stream_run(PyObject *self, PyObject *api_data)
{
    session_obj *o = (session_obj *)self;
    mloda_api_data *a = NULL;
    if (batch_arg(api_data, o->schema, &a) < 0)
        return NULL;
    mloda_stream *s = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    mloda_status st;
    Py_BEGIN_ALLOW_THREADS
    st = mloda_session_stream_run(o->s, a, &s, &err);
    Py_END_ALLOW_THREADS
    mloda_api_data_free(a); /* the stream retains the batch's columns */
    if (st != MLODA_OK)
        return mc_raise(&err);
    stream_obj *so = PyObject_New(stream_obj, &mc_Stream_Type);
    if (so == NULL) {
        Py_BEGIN_ALLOW_THREADS
        mloda_stream_free(s);
        Py_END_ALLOW_THREADS
        return NULL;
    }
    so->s = s;
    so->busy = 0;
    mc_live_add(MC_LIVE_STREAMS, 1);
    return (PyObject *)so;
}

/* [(kind, group, [(feature, requested)])] in plan order */
static PyObject *session_steps(PyObject *self, PyObject *unused)
{
    (void)unused;
    session_obj *o = (session_obj *)self;
    static const char *kinds[] = {"compute", "join", "filter"};
    int64_t n = mloda_session_n_steps(o->s);
    PyObject *l = PyList_New((Py_ssize_t)n);
    for (int64_t i = 0; l != NULL && i < n; i++) {
        int64_t nf = mloda_session_step_n_features(o->s, i);
        PyObject *fs = PyList_New((Py_ssize_t)nf);
        for (int64_t k = 0; fs != NULL && k < nf; k++) {
            PyObject *p = Py_BuildValue("(sO)", mloda_session_step_feature(o->s, i, k),
                                        mloda_session_step_is_requested(o->s, i, k) ? Py_True
                                                                                     : Py_False);
            if (p == NULL) {
                Py_CLEAR(fs);
                break;
            }
            PyList_SET_ITEM(fs, (Py_ssize_t)k, p);
        }
        mloda_step_kind kind = mloda_session_step_kind(o->s, i);
        PyObject *step = fs == NULL ? NULL
                                    : Py_BuildValue("(ssN)", kinds[kind],
                                                    mloda_session_step_group_name(o->s, i), fs);
        if (step == NULL) {
            Py_CLEAR(l);
            break;
        }
        PyList_SET_ITEM(l, (Py_ssize_t)i, step);
    }
    return l;
}

static PyObject *session_plan(PyObject *self, PyObject *args)
{
    int json = 0;
    if (!PyArg_ParseTuple(args, "|p", &json))
        return NULL;
    char *text = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    if (mloda_session_plan(((session_obj *)self)->s, json ? MLODA_PLAN_JSON : MLODA_PLAN_TEXT,
                           &text, &err) != MLODA_OK)
        return mc_raise(&err);
    PyObject *s = PyUnicode_FromString(text);
    mloda_string_free(text);
    return s;
}

static PyObject *session_n_results(PyObject *self, PyObject *unused)
{
    (void)unused;
    return PyLong_FromLongLong(mloda_session_n_results(((session_obj *)self)->s));
}

static int64_t now_ns(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* _bench_c(api_data, n_runs) -> [ns per run]: the same runs through the C API alone
 * (api_data converted once, GIL released for the whole loop), the baseline of the
 * Python benchmark. */
static PyObject *session_bench_c(PyObject *self, PyObject *args)
{
    PyObject *api_data = NULL;
    Py_ssize_t n = 0;
    if (!PyArg_ParseTuple(args, "On", &api_data, &n))
        return NULL;
    session_obj *o = (session_obj *)self;
    mloda_api_data *a = NULL;
    if (batch_arg(api_data, o->schema, &a) < 0)
        return NULL;
    int64_t *ns = calloc((size_t)(n > 0 ? n : 1), sizeof *ns);
    if (ns == NULL) {
        mloda_api_data_free(a);
        return PyErr_NoMemory();
    }
    mloda_error err = MLODA_ERROR_INIT;
    mloda_status st = MLODA_OK;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n && st == MLODA_OK; i++) {
        mloda_results *res = NULL;
        int64_t t0 = now_ns();
        st = mloda_session_run(o->s, a, &res, &err);
        mloda_results_free(res);
        ns[i] = now_ns() - t0;
    }
    Py_END_ALLOW_THREADS
    mloda_api_data_free(a);
    PyObject *l = st == MLODA_OK ? PyList_New(n) : mc_raise(&err);
    for (Py_ssize_t i = 0; l != NULL && i < n; i++) {
        PyObject *v = PyLong_FromLongLong(ns[i]);
        if (v == NULL) {
            Py_CLEAR(l);
            break;
        }
        PyList_SET_ITEM(l, i, v);
    }
    free(ns);
    return l;
}

/* _bench_c_stream_first(api_data, n_runs) -> [ns to the first table] through the C API */
static PyObject *session_bench_c_first(PyObject *self, PyObject *args)
{
    PyObject *api_data = NULL;
    Py_ssize_t n = 0;
    if (!PyArg_ParseTuple(args, "On", &api_data, &n))
        return NULL;
    session_obj *o = (session_obj *)self;
    mloda_api_data *a = NULL;
    if (batch_arg(api_data, o->schema, &a) < 0)
        return NULL;
    int64_t *ns = calloc((size_t)(n > 0 ? n : 1), sizeof *ns);
    if (ns == NULL) {
        mloda_api_data_free(a);
        return PyErr_NoMemory();
    }
    mloda_error err = MLODA_ERROR_INIT;
    mloda_status st = MLODA_OK;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n && st == MLODA_OK; i++) {
        mloda_stream *s = NULL;
        mloda_table *t = NULL;
        int64_t t0 = now_ns();
        st = mloda_session_stream_run(o->s, a, &s, &err);
        if (st == MLODA_OK)
            st = mloda_stream_next(s, &t, &err);
        ns[i] = now_ns() - t0;
        mloda_table_release(t);
        mloda_stream_free(s);
    }
    Py_END_ALLOW_THREADS
    mloda_api_data_free(a);
    PyObject *l = st == MLODA_OK ? PyList_New(n) : mc_raise(&err);
    for (Py_ssize_t i = 0; l != NULL && i < n; i++) {
        PyObject *v = PyLong_FromLongLong(ns[i]);
        if (v == NULL) {
            Py_CLEAR(l);
            break;
        }
        PyList_SET_ITEM(l, i, v);
    }
    free(ns);
    return l;
}

static PyMethodDef session_methods[] = {
    {"run", session_run, METH_O, "run(api_data_or_None) -> [Table] in plan order"},
    {"stream_run", session_stream_run, METH_O,
     "stream_run(api_data_or_None) -> Stream of Tables in completion order"},
    {"steps", session_steps, METH_NOARGS, "[(kind, group, [(feature, requested)])]"},
    {"plan", session_plan, METH_VARARGS, "plan(json=False) -> text"},
    {"n_results", session_n_results, METH_NOARGS, "number of result tables per run"},
    {"_bench_c", session_bench_c, METH_VARARGS, "ns per mloda_session_run, C loop"},
    {"_bench_c_first", session_bench_c_first, METH_VARARGS,
     "ns to the first stream table, C loop"},
    {NULL, NULL, 0, NULL},
};

PyTypeObject mc_Session_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "mloda_c._core.Session",
    .tp_basicsize = sizeof(session_obj),
    .tp_dealloc = session_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A prepared plan (immutable; runs may overlap on any number of threads).",
    .tp_methods = session_methods,
};

/* prepare(registry, request, api_data_or_None, ctx) -> Session */
PyObject *mc_fn_prepare(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *reg = NULL, *req = NULL, *api_data = NULL, *ctx = NULL;
    if (!PyArg_ParseTuple(args, "O!O!OO", &mc_Registry_Type, &reg, &mc_Request_Type, &req,
                          &api_data, &ctx))
        return NULL;
    mloda_api_data *a = NULL;
    if (batch_arg(api_data, NULL, &a) < 0)
        return NULL;
    PyObject *schema = mc_api_data_schema(a);
    if (schema == NULL) {
        mloda_api_data_free(a);
        return NULL;
    }
    mloda_session *s = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    mloda_status st;
    const mloda_registry *r = ((registry_obj *)reg)->reg;
    const mloda_request *q = ((request_obj *)req)->req;
    PyObject *saved = mc_prepare_ctx_get() == Py_None ? NULL : mc_prepare_ctx_get();
    mc_prepare_ctx_set(ctx);
    Py_BEGIN_ALLOW_THREADS
    st = mloda_prepare(r, q, a, &s, &err);
    Py_END_ALLOW_THREADS
    mc_prepare_ctx_set(saved); /* a Python group may prepare a session inside its match */
    mloda_api_data_free(a);
    if (st != MLODA_OK) {
        Py_DECREF(schema);
        return mc_raise(&err);
    }
    session_obj *o = PyObject_New(session_obj, &mc_Session_Type);
    if (o == NULL) {
        Py_DECREF(schema);
        mloda_session_free(s);
        return NULL;
    }
    o->s = s;
    o->schema = schema;
    mc_live_add(MC_LIVE_SESSIONS, 1);
    return (PyObject *)o;
}

PyObject *mc_fn_builtin_groups(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    mloda_registry *base = builtin_registry();
    if (base == NULL)
        return NULL;
    PyObject *l = PyList_New(0);
    for (int64_t i = 0; l != NULL && i < mloda_registry_n_groups(base); i++) {
        const mloda_feature_group *g = mloda_registry_group(base, i);
        PyObject *t = Py_BuildValue("(sssss)", g->name, g->description ? g->description : "",
                                    g->patterns ? g->patterns : "",
                                    g->options_doc ? g->options_doc : "",
                                    g->example ? g->example : "");
        if (t == NULL || PyList_Append(l, t) < 0)
            Py_CLEAR(l);
        Py_XDECREF(t);
    }
    return l;
}

/* column(values) -> one-column Table named "value": converts as api_data does */
PyObject *mc_fn_column_roundtrip(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *values = NULL;
    if (!PyArg_ParseTuple(args, "O", &values))
        return NULL;
    mloda_column *c = NULL;
    if (mc_column_from_py(values, "column", &c) < 0)
        return NULL;
    const char *name = "value";
    const mloda_column *cols[1] = {c};
    mloda_table *t = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    mloda_status st = mloda_table_new(mloda_column_n_rows(c), 1, &name, cols, &t, &err);
    mloda_column_release(c);
    if (st != MLODA_OK)
        return mc_raise(&err);
    return mc_table_wrap(t);
}

/* table_from(obj) -> Table: a dict of columns, DataFrame or Arrow table, converted as an
 * api_data table is */
PyObject *mc_fn_table_from(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *obj = NULL;
    if (!PyArg_ParseTuple(args, "O", &obj))
        return NULL;
    mloda_table *t = NULL;
    if (mc_table_from_py(obj, "table", &t) < 0)
        return NULL;
    return mc_table_wrap(t);
}
