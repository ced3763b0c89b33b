/*
 * pygroup.c: feature groups written in Python, registered through the C plugin interface
 * (plugin.h) next to the built-ins.
 *
 * Each callback takes the GIL (PyGILState_Ensure): match, inputs and bind run during
 * prepare on the thread that called it (which released the GIL around mloda_prepare);
 * calculate runs on the calling thread for small batches and on a pool worker for large
 * ones. The Python side (mloda_c/_bridge.py) implements mloda's FeatureGroup contract; this
 * file only moves names, options, columns and errors across.
 *
 * Per-prepare settings (type hints learned from earlier runs, the data access collection,
 * the default compute framework) come through a thread-local context object set by
 * _core.prepare for the duration of the call: nothing per-prepare is stored in the group,
 * so two sessions may prepare with the same group at once.
 *
 * Output types must be declared at prepare (bind). The Python layer declares what it can
 * know (a hint, the feature's data_type, return_data_type_rule, else input 0's type); when
 * calculate returns another type that is not a plain widening, the error carries a
 * _TypeRetry exception and the Python layer re-plans with the type it saw.
 */
#include "core.h"

#include <stdlib.h>
#include <string.h>

static _Thread_local PyObject *tls_ctx; /* borrowed from the prepare call's arguments */

PyObject *mc_prepare_ctx_get(void)
{
    return tls_ctx != NULL ? tls_ctx : Py_None;
}

void mc_prepare_ctx_set(PyObject *ctx)
{
    tls_ctx = ctx;
}

typedef struct pygroup {
    PyObject *cls; /* owned */
} pygroup;

/* Per-feature state from bind: read-only afterwards. */
typedef struct pg_state {
    PyObject *state;       /* owned: the Python state object (feature, frame kind, ...) */
    PyObject *input_names; /* owned tuple of str */
    mc_target target;
    bool multi;
    bool rows_change;
} pg_state;

static mloda_status not_alive(mloda_error *err, const char *subject)
{
    return mloda_error_set(err, MLODA_ERR_PLUGIN, subject,
                           "the Python interpreter is shutting down");
}

static PyObject *feature_options(const mloda_feature *f)
{
    return mc_options_to_py(mloda_feature_options(f));
}

/* ---------------------------------------------------------------- match */

static mloda_status pg_match(void *ud, const mloda_feature *f, bool *out_match,
                             void **out_parsed, mloda_error *why)
{
    (void)out_parsed;
    pygroup *g = ud;
    *out_match = false;
    const char *name = mloda_feature_name(f);
    if (!mc_py_alive())
        return not_alive(why, name);
    PyGILState_STATE gil = PyGILState_Ensure();
    mloda_status st = MLODA_OK;
    PyObject *opts = feature_options(f);
    PyObject *r = opts == NULL ? NULL
                               : mc_call_hook(MC_HOOK_GROUP_MATCH,
                                              Py_BuildValue("(OsOOO)", g->cls, name,
                                                            PyTuple_GET_ITEM(opts, 0),
                                                            PyTuple_GET_ITEM(opts, 1),
                                                            mc_prepare_ctx_get()));
    if (r == NULL) {
        st = mc_stash_error(why, MLODA_ERR_PLUGIN, name, "match_feature_group_criteria");
    } else {
        int t = PyObject_IsTrue(r);
        if (t < 0)
            st = mc_stash_error(why, MLODA_ERR_PLUGIN, name, "match_feature_group_criteria");
        *out_match = t == 1;
    }
    Py_XDECREF(r);
    Py_XDECREF(opts);
    PyGILState_Release(gil);
    return st;
}

/* ---------------------------------------------------------------- inputs */

static mloda_status pg_inputs(void *ud, const mloda_feature *f, mloda_inputs *in,
                              mloda_error *err)
{
    pygroup *g = ud;
    const char *name = mloda_feature_name(f);
    if (!mc_py_alive())
        return not_alive(err, name);
    PyGILState_STATE gil = PyGILState_Ensure();
    mloda_status st = MLODA_OK;
    PyObject *opts = feature_options(f);
    PyObject *r = opts == NULL ? NULL
                               : mc_call_hook(MC_HOOK_GROUP_INPUTS,
                                              Py_BuildValue("(OsOOO)", g->cls, name,
                                                            PyTuple_GET_ITEM(opts, 0),
                                                            PyTuple_GET_ITEM(opts, 1),
                                                            mc_prepare_ctx_get()));
    PyObject *fast = r != NULL ? PySequence_Fast(r, "input features") : NULL;
    if (fast == NULL)
        st = mc_stash_error(err, MLODA_ERR_PLUGIN, name, "input_features");
    for (Py_ssize_t i = 0; st == MLODA_OK && i < PySequence_Fast_GET_SIZE(fast); i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(fast, i);
        const char *iname = NULL;
        PyObject *group = NULL, *context = NULL;
        mloda_options *o = NULL;
        if (!PyArg_ParseTuple(item, "sOO", &iname, &group, &context) ||
            mc_options_from_py(group, context, &o) < 0) {
            st = mc_stash_error(err, MLODA_ERR_PLUGIN, name, "input_features");
            break;
        }
        st = mloda_inputs_add(in, iname, o, err);
        mloda_options_free(o);
    }
    Py_XDECREF(fast);
    Py_XDECREF(r);
    Py_XDECREF(opts);
    PyGILState_Release(gil);
    return st;
}

/* ---------------------------------------------------------------- bind */

static void state_free(void *p)
{
    pg_state *s = p;
    if (s == NULL)
        return;
    if (mc_py_alive()) {
        PyGILState_STATE gil = PyGILState_Ensure();
        Py_XDECREF(s->state);
        Py_XDECREF(s->input_names);
        PyGILState_Release(gil);
    }
    free(s);
    mc_live_add(MC_LIVE_STATES, -1);
}

static int parse_type(const char *name, mloda_type *out)
{
    static const struct {
        const char *name;
        mloda_type type;
    } types[] = {{"int64", MLODA_TYPE_INT64}, {"float64", MLODA_TYPE_FLOAT64},
                 {"bool", MLODA_TYPE_BOOL},   {"utf8", MLODA_TYPE_UTF8},
                 {"timestamp", MLODA_TYPE_TIMESTAMP}, {"float64_list", MLODA_TYPE_FLOAT64_LIST}};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(name, types[i].name) == 0) {
            *out = types[i].type;
            return 0;
        }
    PyErr_Format(PyExc_ValueError, "unknown column type '%s'", name);
    return -1;
}

static int parse_unit(const char *name, mloda_time_unit *out)
{
    static const char *units[] = {"s", "ms", "us", "ns"};
    for (int i = 0; i < 4; i++)
        if (strcmp(name, units[i]) == 0) {
            *out = (mloda_time_unit)i;
            return 0;
        }
    PyErr_Format(PyExc_ValueError, "unknown time unit '%s'", name);
    return -1;
}

static const char *unit_text(mloda_time_unit u)
{
    static const char *units[] = {"s", "ms", "us", "ns"};
    return units[u];
}

static mloda_status pg_bind(void *ud, mloda_bind *ctx, mloda_error *err)
{
    pygroup *g = ud;
    const mloda_feature *f = mloda_bind_feature(ctx);
    const char *name = mloda_feature_name(f);
    if (!mc_py_alive())
        return not_alive(err, name);
    PyGILState_STATE gil = PyGILState_Ensure();
    mloda_status st = MLODA_OK;
    int64_t n = mloda_bind_n_inputs(ctx);
    PyObject *inputs = PyTuple_New((Py_ssize_t)n);
    PyObject *names = PyTuple_New((Py_ssize_t)n);
    for (int64_t j = 0; inputs != NULL && names != NULL && j < n; j++) {
        PyObject *info = Py_BuildValue(
            "(ssisO)", mloda_bind_input_name(ctx, j), mloda_type_name(mloda_bind_input_type(ctx, j)),
            (int)mloda_bind_input_list_size(ctx, j), unit_text(mloda_bind_input_time_unit(ctx, j)),
            mloda_bind_input_is_multi(ctx, j) ? Py_True : Py_False);
        PyObject *iname = PyUnicode_FromString(mloda_bind_input_name(ctx, j));
        if (info == NULL || iname == NULL) {
            Py_XDECREF(info);
            Py_XDECREF(iname);
            Py_CLEAR(inputs);
            break;
        }
        PyTuple_SET_ITEM(inputs, (Py_ssize_t)j, info);
        PyTuple_SET_ITEM(names, (Py_ssize_t)j, iname);
    }
    PyObject *opts = inputs != NULL && names != NULL ? feature_options(f) : NULL;
    PyObject *r = opts == NULL ? NULL
                               : mc_call_hook(MC_HOOK_GROUP_BIND,
                                              Py_BuildValue("(OsOOOO)", g->cls, name,
                                                            PyTuple_GET_ITEM(opts, 0),
                                                            PyTuple_GET_ITEM(opts, 1), inputs,
                                                            mc_prepare_ctx_get()));
    PyObject *state = NULL;
    const char *type_name = NULL, *unit_name = NULL;
    int list_size = 0, multi = 0, rows_change = 0;
    pg_state *s = NULL;
    if (r == NULL || !PyArg_ParseTuple(r, "Osisp|p", &state, &type_name, &list_size, &unit_name,
                                       &multi, &rows_change)) {
        st = mc_stash_error(err, MLODA_ERR_PLUGIN, name, "feature group setup (bind)");
        goto done;
    }
    s = calloc(1, sizeof *s);
    if (s == NULL) {
        st = mloda_error_set(err, MLODA_ERR_NOMEM, name, "out of memory");
        goto done;
    }
    mc_live_add(MC_LIVE_STATES, 1);
    Py_INCREF(state);
    s->state = state;
    s->input_names = names;
    names = NULL;
    s->multi = multi != 0;
    s->rows_change = rows_change != 0 || n == 0;
    s->target.list_size = list_size;
    if (parse_type(type_name, &s->target.type) < 0 || parse_unit(unit_name, &s->target.unit) < 0) {
        state_free(s);
        st = mc_stash_error(err, MLODA_ERR_PLUGIN, name, "feature group setup (bind)");
        goto done;
    }
    st = s->multi ? mloda_bind_output_multi(ctx, s->target.type, list_size, s->target.unit, err)
                  : mloda_bind_output(ctx, s->target.type, list_size, s->target.unit, err);
    if (st == MLODA_OK && s->rows_change)
        st = mloda_bind_rows_change(ctx, err);
    if (st == MLODA_OK)
        st = mloda_bind_set_state(ctx, s, state_free, err); /* frees s on failure */
    else
        state_free(s);
done:
    Py_XDECREF(r);
    Py_XDECREF(opts);
    Py_XDECREF(inputs);
    Py_XDECREF(names);
    PyGILState_Release(gil);
    return st;
}

/* ---------------------------------------------------------------- calculate */

/* The step's input columns as one table (names unique; F~k for multi-column inputs). */
static int input_table(mloda_calc *calc, PyObject **out)
{
    *out = NULL;
    int64_t cap = 8, m = 0;
    const char **names = malloc((size_t)cap * sizeof *names);
    const mloda_column **cols = malloc((size_t)cap * sizeof *cols);
    PyObject *owned = PyList_New(0); /* keeps composed names alive */
    int64_t rows = mloda_calc_n_rows(calc);
    int rc = names != NULL && cols != NULL && owned != NULL ? 0 : -1;
    if (rc < 0)
        PyErr_NoMemory();
    for (int64_t i = 0; rc == 0 && i < mloda_calc_n_features(calc); i++) {
        const pg_state *s = mloda_calc_state(calc, i);
        for (int64_t j = 0; rc == 0 && j < mloda_calc_n_inputs(calc, i); j++) {
            PyObject *base = PyTuple_GET_ITEM(s->input_names, (Py_ssize_t)j);
            for (int64_t k = 0; rc == 0 && k < mloda_calc_input_n_columns(calc, i, j); k++) {
                const char *suffix = mloda_calc_input_suffix(calc, i, j, k);
                PyObject *full = suffix[0] != '\0' ? PyUnicode_FromFormat("%U~%s", base, suffix)
                                                   : (Py_INCREF(base), base);
                if (full == NULL || PyList_Append(owned, full) < 0) {
                    Py_XDECREF(full);
                    rc = -1;
                    break;
                }
                Py_DECREF(full);
                const char *fname = PyUnicode_AsUTF8(full);
                bool seen = false;
                for (int64_t q = 0; q < m && !seen; q++)
                    seen = strcmp(names[q], fname) == 0;
                if (seen)
                    continue;
                if (m == cap) {
                    cap *= 2;
                    const char **n2 = realloc(names, (size_t)cap * sizeof *names);
                    if (n2 != NULL)
                        names = n2;
                    const mloda_column **c2 = realloc(cols, (size_t)cap * sizeof *cols);
                    if (c2 != NULL)
                        cols = c2;
                    if (n2 == NULL || c2 == NULL) {
                        PyErr_NoMemory();
                        rc = -1;
                        break;
                    }
                }
                names[m] = fname;
                cols[m++] = mloda_calc_input(calc, i, j, k);
            }
        }
    }
    if (rc == 0 && m > 0) {
        mloda_error err = MLODA_ERROR_INIT;
        mloda_table *t = NULL;
        if (mloda_table_new(rows, m, names, cols, &t, &err) != MLODA_OK) {
            (void)mc_raise(&err);
            rc = -1;
        } else {
            *out = mc_table_wrap(t);
            rc = *out != NULL ? 0 : -1;
        }
    } else if (rc == 0) {
        Py_INCREF(Py_None);
        *out = Py_None;
    }
    free(names);
    free(cols);
    Py_XDECREF(owned);
    return rc;
}

/* Converts one returned column of feature i; 0 done, -1 Python error, 1 type retry. */
static int output_column(const pg_state *s, const char *label, PyObject *value, int64_t rows,
                         mloda_column **out)
{
    *out = NULL;
    char where[300];
    (void)snprintf(where, sizeof where, "result column '%s'", label);
    mloda_column *raw = NULL;
    if (mc_column_from_py(value, where, &raw) < 0)
        return -1;
    if (!s->rows_change && mloda_column_n_rows(raw) != rows) {
        PyErr_Format(PyExc_ValueError,
                     "calculate_feature returned %lld rows for '%s', expected %lld (one per "
                     "input row)",
                     (long long)mloda_column_n_rows(raw), label, (long long)rows);
        mloda_column_release(raw);
        return -1;
    }
    mloda_error cerr = MLODA_ERROR_INIT;
    int rc = mc_column_coerce(raw, &s->target, out, &cerr);
    if (rc < 0) {
        mloda_column_release(raw);
        PyErr_Format(PyExc_MemoryError, "%s: %s", label, cerr.message);
        return -1;
    }
    if (*out == NULL) {
        PyObject *exc = mc_call_hook(
            MC_HOOK_TYPE_RETRY,
            Py_BuildValue("(OssisO)", s->state, label, mloda_type_name(mloda_column_type(raw)),
                          (int)mloda_column_list_size(raw),
                          unit_text(mloda_column_time_unit(raw)), s->multi ? Py_True : Py_False));
        mloda_column_release(raw);
        if (exc != NULL) {
            PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
            Py_DECREF(exc);
        }
        return 1;
    }
    mloda_column_release(raw);
    return 0;
}

static mloda_status pg_calculate(void *ud, mloda_calc *calc, mloda_error *err)
{
    pygroup *g = ud;
    int64_t nf = mloda_calc_n_features(calc);
    const char *first = nf > 0 ? mloda_feature_name(mloda_calc_feature(calc, 0)) : "";
    if (!mc_py_alive())
        return not_alive(err, first);
    PyGILState_STATE gil = PyGILState_Ensure();
    mloda_status st = MLODA_OK;
    int64_t rows = mloda_calc_n_rows(calc);
    PyObject *states = PyList_New((Py_ssize_t)nf);
    for (int64_t i = 0; states != NULL && i < nf; i++) {
        const pg_state *s = mloda_calc_state(calc, i);
        Py_INCREF(s->state);
        PyList_SET_ITEM(states, (Py_ssize_t)i, s->state);
    }
    PyObject *table = NULL;
    PyObject *r = NULL;
    if (states != NULL && input_table(calc, &table) == 0)
        r = mc_call_hook(MC_HOOK_GROUP_CALC,
                         Py_BuildValue("(OOOL)", g->cls, states, table, (long long)rows));
    PyObject *fast = r != NULL ? PySequence_Fast(r, "calculate result") : NULL;
    if (fast != NULL && PySequence_Fast_GET_SIZE(fast) != nf) {
        PyErr_SetString(PyExc_RuntimeError, "mloda_c: calculate hook returned a wrong count");
        Py_CLEAR(fast);
    }
    if (fast == NULL)
        st = mc_stash_error(err, MLODA_ERR_COMPUTE, first, "calculate_feature");
    for (int64_t i = 0; st == MLODA_OK && i < nf; i++) {
        const pg_state *s = mloda_calc_state(calc, i);
        const char *fname = mloda_feature_name(mloda_calc_feature(calc, i));
        PyObject *value = PySequence_Fast_GET_ITEM(fast, (Py_ssize_t)i);
        if (!s->multi) {
            mloda_column *col = NULL;
            int rc = output_column(s, fname, value, rows, &col);
            if (rc != 0)
                st = mc_stash_error(err, rc == 1 ? MLODA_ERR_TYPE : MLODA_ERR_COMPUTE, fname,
                                    "calculate_feature");
            else
                st = mloda_calc_set_output(calc, i, col, err);
            continue;
        }
        PyObject *pairs = PySequence_Fast(value, "multi-column result");
        if (pairs == NULL) {
            st = mc_stash_error(err, MLODA_ERR_COMPUTE, fname, "calculate_feature");
            break;
        }
        for (Py_ssize_t k = 0; st == MLODA_OK && k < PySequence_Fast_GET_SIZE(pairs); k++) {
            const char *suffix = NULL;
            PyObject *v = NULL;
            if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(pairs, k), "sO", &suffix, &v)) {
                st = mc_stash_error(err, MLODA_ERR_COMPUTE, fname, "calculate_feature");
                break;
            }
            char label[300];
            (void)snprintf(label, sizeof label, suffix[0] ? "%s~%s" : "%s%s", fname, suffix);
            mloda_column *col = NULL;
            int rc = output_column(s, label, v, rows, &col);
            if (rc != 0)
                st = mc_stash_error(err, rc == 1 ? MLODA_ERR_TYPE : MLODA_ERR_COMPUTE, fname,
                                    "calculate_feature");
            else
                st = mloda_calc_add_output(calc, i, suffix, col, err);
        }
        Py_DECREF(pairs);
    }
    Py_XDECREF(fast);
    Py_XDECREF(r);
    Py_XDECREF(table);
    Py_XDECREF(states);
    PyGILState_Release(gil);
    return st;
}

/* ---------------------------------------------------------------- registration */

static void pg_free(void *ud)
{
    pygroup *g = ud;
    if (g == NULL)
        return;
    if (mc_py_alive()) {
        PyGILState_STATE gil = PyGILState_Ensure();
        Py_XDECREF(g->cls);
        PyGILState_Release(gil);
    }
    free(g);
}

int mc_pygroup_register(mloda_registry *reg, PyObject *cls, const char *name,
                        const char *description)
{
    pygroup *g = calloc(1, sizeof *g);
    if (g == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    Py_INCREF(cls);
    g->cls = cls;
    mloda_feature_group fg = {
        .struct_size = sizeof(mloda_feature_group),
        .abi_version = MLODA_FEATURE_GROUP_ABI,
        .name = name,
        .description = description,
        .version = "python",
        .match = pg_match,
        .inputs = pg_inputs,
        .bind = pg_bind,
        .calculate = pg_calculate,
        .user_data = g,
        .user_data_free = pg_free,
    };
    mloda_error err = MLODA_ERROR_INIT;
    if (mloda_registry_add(reg, &fg, &err) != MLODA_OK) {
        Py_DECREF(cls); /* after a failed add the user_data is still ours */
        free(g);
        (void)mc_raise(&err);
        return -1;
    }
    return 0;
}
