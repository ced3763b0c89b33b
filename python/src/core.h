/*
 * core.h: what the files of the mloda_c._core extension share.
 *
 * The extension is a client of the public C API only (<mloda/mloda.h>, <mloda/io.h>);
 * it never includes the engine's internal headers. The thin Python layer (mloda_c, in Python)
 * hands it a few helper functions at import time (mc_hook); the extension does the
 * per-batch work: Python values to columns (numpy memory borrowed, not copied), runs with
 * the GIL released, result tables exported zero-copy, and the plugin callbacks of
 * feature groups written in Python.
 *
 * GIL rules:
 *   - every call into the engine that can wait (prepare, run, stream next/free) or that
 *     may call back into Python from another thread runs with the GIL released;
 *   - engine callbacks that touch Python (plugin callbacks, release callbacks of buffers
 *     borrowed from Python objects) take the GIL with PyGILState_Ensure: they may run on
 *     the calling thread or on a pool worker;
 *   - nothing touches Python once the interpreter is finalizing (mc_py_alive): a buffer
 *     released by a pool thread at exit is leaked rather than crashing the process.
 */
#ifndef MLODA_PY_CORE_H
#define MLODA_PY_CORE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <mloda/io.h>
#include <mloda/mloda.h>

/* Returns the status of expr when it is not MLODA_OK. */
#define MC_TRY(expr)                                \
    do {                                            \
        const mloda_status mc_try_st_ = (expr);     \
        if (mc_try_st_ != MLODA_OK)                 \
            return mc_try_st_;                      \
    } while (0)

/* ---------------------------------------------------------------- module state */

/* Helper functions of the Python layer (mloda_c/_bridge.py), set by _core._set_hooks. */
typedef enum mc_hook_id {
    MC_HOOK_MAKE_ERROR,      /* (code, subject, message, position) -> exception instance */
    MC_HOOK_REWRAP,          /* (exception, subject, message) -> exception to raise */
    MC_HOOK_CONVERT_COLUMN,  /* (obj) -> normalized column value (ndarray, list, tagged tuple) */
    MC_HOOK_CONVERT_TABLE,   /* (obj) -> dict of columns (DataFrame and other tables) */
    MC_HOOK_GROUP_MATCH,     /* (cls, name, group, context, ctx) -> bool */
    MC_HOOK_GROUP_INPUTS,    /* (cls, name, group, context, ctx) -> [(name, group, context)] */
    MC_HOOK_GROUP_BIND,      /* (cls, name, group, context, inputs, ctx) -> (state, type...) */
    MC_HOOK_GROUP_CALC,      /* (cls, states, table, n_rows) -> [column or [(suffix, column)]] */
    MC_HOOK_TYPE_RETRY,      /* (feature, type, list_size, unit, multi) -> exception */
    MC_HOOK_COUNT
} mc_hook_id;

extern PyObject *mc_hooks[MC_HOOK_COUNT];
extern PyTypeObject *mc_table_type; /* class of result tables (a Python subclass of Table) */
extern PyTypeObject mc_TableBase_Type;
extern PyTypeObject mc_ColumnBuffer_Type;
extern PyTypeObject mc_Registry_Type;
extern PyTypeObject mc_Request_Type;
extern PyTypeObject mc_Session_Type;
extern PyTypeObject mc_Stream_Type;

/* Live objects, for the leak tests (_core._live()). */
typedef enum mc_counter {
    MC_LIVE_TABLES,
    MC_LIVE_STREAMS,
    MC_LIVE_SESSIONS,
    MC_LIVE_BORROWED,  /* Python buffers lent to the engine (numpy arrays, ...) */
    MC_LIVE_EXPORTS,   /* Arrow structs handed to Python consumers, not yet released */
    MC_LIVE_STATES,    /* per-feature states of Python feature groups */
    MC_LIVE_COUNT
} mc_counter;
extern atomic_long mc_live[MC_LIVE_COUNT];

static inline void mc_live_add(mc_counter c, long d)
{
    atomic_fetch_add_explicit(&mc_live[c], d, memory_order_relaxed);
}

/* true while Python may be called (not during or after interpreter finalization) */
int mc_py_alive(void);

/* ---------------------------------------------------------------- errors */

/* Raises the Python exception for an engine error (the Python layer maps codes to mloda's
 * exception classes; a feature group's own exception is re-raised). Returns NULL. */
PyObject *mc_raise(const mloda_error *err);
/* Takes the pending Python exception into the stash and writes an engine error whose
 * message carries its token, so that mc_raise re-raises the very same exception on the
 * calling thread. Returns code. Needs the GIL. */
mloda_status mc_stash_error(mloda_error *err, mloda_status code, const char *subject,
                            const char *what);
/* Calls hook id with args (a new tuple, stolen). Returns a new reference or NULL. */
PyObject *mc_call_hook(mc_hook_id id, PyObject *args);

/* ---------------------------------------------------------------- conversion (convert.c) */

/* What a column must become (Python feature-group outputs); type INVALID = infer. */
typedef struct mc_target {
    mloda_type type;
    int32_t list_size;
    mloda_time_unit unit;
} mc_target;

/*
 * Converts a Python column value (numpy array, list, tuple, pandas Series, Arrow array,
 * result column) into a column. Fixed-width numeric numpy memory is borrowed, not copied.
 * where: "api_data['T']['c']"-style text for messages. Returns 0, or -1 with a Python
 * exception set. Needs the GIL.
 */
int mc_column_from_py(PyObject *obj, const char *where, mloda_column **out);
/* api_data from {table: {column: values} | DataFrame | Arrow table}. schema (may be NULL):
 * {table: {column: (type, list_size, unit)}} of the prepared session; columns are widened
 * to it where that loses nothing (see coerce_table). -1 on error. */
int mc_api_data_from_py(PyObject *dict, PyObject *schema, mloda_api_data **out);
/* The schema of api_data in the form mc_api_data_from_py takes. */
PyObject *mc_api_data_schema(const mloda_api_data *a);
/* One table-like value (dict of columns, DataFrame, Arrow table) into a table. */
int mc_table_from_py(PyObject *obj, const char *where, mloda_table **out);
/* Options from dicts (either may be None/NULL). -1 on error. */
int mc_options_from_py(PyObject *group, PyObject *context, mloda_options **out);
/* (group dict, context dict) of an options object. NULL on error. */
PyObject *mc_options_to_py(const mloda_options *o);
/* Converts col to the target type when that is a widening (int64 -> float64) or when
 * every row is null; *out gets a new reference or NULL when the types cannot agree. */
int mc_column_coerce(const mloda_column *col, const mc_target *t, mloda_column **out,
                     mloda_error *err);

/* ---------------------------------------------------------------- Arrow (arrow_in.c) */

/* obj exports __arrow_c_stream__ or __arrow_c_array__ as a table (struct array). Returns
 * 1 when converted, 0 when obj is not an Arrow table producer, -1 on error. */
int mc_arrow_table_from_py(PyObject *obj, const char *where, mloda_table **out);
/* obj exports __arrow_c_array__ (a column). 1 / 0 / -1 as above. */
int mc_arrow_column_from_py(PyObject *obj, const char *where, mloda_column **out);
/* A column of n_rows rows, all null, of the given type. */
mloda_status mc_null_column(const mc_target *t, int64_t n_rows, mloda_column **out,
                            mloda_error *err);

/* ---------------------------------------------------------------- tables (table.c) */

/* A new result-table object holding a reference to t (reference taken over). */
PyObject *mc_table_wrap(mloda_table *t);
/* The table of a table object (borrowed), or NULL when obj is not one. */
const mloda_table *mc_table_of(PyObject *obj);
const mloda_column *mc_column_buffer_of(PyObject *obj, int64_t *n_rows);

/* ---------------------------------------------------------------- module functions (session.c) */

PyObject *mc_fn_prepare(PyObject *self, PyObject *args);
PyObject *mc_fn_builtin_groups(PyObject *self, PyObject *unused);
PyObject *mc_fn_column_roundtrip(PyObject *self, PyObject *args);
PyObject *mc_fn_table_from(PyObject *self, PyObject *args);

/* ---------------------------------------------------------------- plugin (pygroup.c) */

/* Thread-local context object of the prepare running on this thread (borrowed). */
PyObject *mc_prepare_ctx_get(void);
void mc_prepare_ctx_set(PyObject *ctx);
/* Registers a Python class as a feature group. -1 on error. */
int mc_pygroup_register(mloda_registry *reg, PyObject *cls, const char *name,
                        const char *description);

#endif /* MLODA_PY_CORE_H */
