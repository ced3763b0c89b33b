/*
 * batch.c: validates a micro-batch against the prepared schema and binds its columns
 * (SPEC.md §5.4, §10.20). Every problem (missing table, missing column, changed type) is
 * collected into one message. Extra tables and columns are ignored. The column lookup
 * tries the prepared position first, so a batch laid out like the example costs one
 * string comparison per column.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "run/run.h"
#include "table/table_layer.h"
#include "util/util.h"

typedef struct problems {
    char text[MLODA_ERROR_MESSAGE_MAX];
    int n;
    bool missing;       /* any missing table/column: MLODA_ERR_SCHEMA, else _TYPE */
    char subject[MLODA_ERROR_SUBJECT_MAX];
} problems;

static void problem(problems *p, bool missing, const char *subject, const char *fmt, ...)
    MLODA_PRINTF(4, 5);
static void problem(problems *p, bool missing, const char *subject, const char *fmt, ...)
{
    size_t len = strlen(p->text);
    if (p->n == 0)
        (void)snprintf(p->subject, sizeof p->subject, "%s", subject);
    if (len + 3 < sizeof p->text) {
        if (p->n > 0) {
            memcpy(p->text + len, "; ", 3);
            len += 2;
        }
        va_list ap;
        va_start(ap, fmt);
        (void)vsnprintf(p->text + len, sizeof p->text - len, fmt, ap);
        va_end(ap);
    }
    p->missing = p->missing || missing;
    p->n++;
}

static const mloda_column *find_column(const mloda_table *t, const char *name, int64_t hint)
{
    const char *at_hint = mloda_table_column_name(t, hint);
    if (at_hint != NULL && strcmp(at_hint, name) == 0)
        return mloda_table_column(t, hint);
    int64_t c = mloda_table_column_index(t, name);
    return c < 0 ? NULL : mloda_table_column(t, c);
}

/* A new reference to the column of bind b in table t: the batch's own, or the synthesised
 * row-id column. NULL when absent; *failed set when synthesis failed. */
static mloda_column *bind_column(const mloda_plan *plan, const plan_bind *b, const mloda_table *t,
                                 mloda_status *failed, mloda_error *err)
{
    const mloda_column *col = find_column(t, b->column, b->col_index);
    if (col != NULL)
        return mloda_column_retain(col);
    if (!plan->sources[b->source].has_row_id || strcmp(b->column, plan->row_id_column) != 0)
        return NULL;
    mloda_column *ids = NULL;
    *failed = mloda_column_new_row_ids(mloda_table_n_rows(t), &ids, err);
    return ids;
}

/* int64 values as float64 (NaN-free: nulls keep their validity). */
static mloda_status widen_to_f64(const mloda_column *col, mloda_column **out, mloda_error *err)
{
    const int64_t n = mloda_column_n_rows(col);
    const int64_t *iv = mloda_column_int64(col);
    mloda_column_builder *b = NULL;
    void *vals = NULL;
    MLODA_TRY(mloda_column_builder_new(MLODA_TYPE_FLOAT64, 0, MLODA_TIME_SECOND, &b, err));
    mloda_status st = mloda_column_builder_resize(b, n, &vals, err);
    uint8_t *bits = NULL;
    if (st == MLODA_OK && mloda_column_validity(col) != NULL)
        st = mloda_column_builder_validity(b, &bits, err);
    if (st != MLODA_OK) {
        mloda_column_builder_free(b);
        return st;
    }
    double *d = vals;
    for (int64_t i = 0; i < n; i++)
        d[i] = (double)iv[i];
    if (bits != NULL)
        memcpy(bits, mloda_column_validity(col), (size_t)mloda_bitmap_n_bytes(n));
    return mloda_column_builder_finish(b, out, err);
}

/*
 * Checks the batch's column of bind b against the prepared type; *col may be replaced by a
 * converted column (reference moved). The rules (README, "Columns with no type"):
 *   - the prepared type: as it is;
 *   - a null-typed column (no values): all-null column of the prepared type;
 *   - a column prepared null-typed (its readers took it as different types): any column
 *     whose rows are all null (or none), as null-typed;
 *   - a column prepared without a type that its readers all took as float64: int64 values
 *     are widened (as the request reader widens integers in a float column).
 * Anything else is a problem naming table, column and both types. *failed: out of memory.
 */
static void check_type(problems *p, const plan_source *src, const plan_bind *b,
                       mloda_column **col, mloda_status *failed, mloda_error *err)
{
    const char *name = b->column;
    const mloda_column *c = *col;
    mloda_type got = mloda_column_type(c);
    const int64_t n = mloda_column_n_rows(c);
    mloda_column *conv = NULL;
    if (got != b->type && (got == MLODA_TYPE_NULL ||
                           (b->type == MLODA_TYPE_NULL && mloda_column_n_nulls(c) == n))) {
        /* a link's list column binds with list size 0 ("any"): its nulls take size 1 */
        const int32_t ls = b->type == MLODA_TYPE_FLOAT64_LIST && b->list_size < 1 ? 1
                                                                                 : b->list_size;
        *failed = mloda_column_new_nulls(b->type, ls, b->unit, n, &conv, err);
    } else if (got != b->type && b->from_null && got == MLODA_TYPE_INT64 &&
               b->type == MLODA_TYPE_FLOAT64) {
        *failed = widen_to_f64(c, &conv, err);
    } else if (got != b->type && b->type == MLODA_TYPE_NULL) {
        problem(p, false, name,
                "table '%s' column '%s' is %s but had no type when the session was prepared "
                "(no rows, or only nulls) and the features reading it take it as different "
                "types, so it must come empty or all null (state its type when preparing, "
                "e.g. in the request's \"schema\")",
                src->name, name, mloda_type_name(got));
        return;
    } else if (got != b->type) {
        problem(p, false, name,
                "table '%s' column '%s' is %s but was %s when the session was prepared%s",
                src->name, name, mloda_type_name(got), mloda_type_name(b->type),
                b->from_null ? " (it had no type then: its features took it as that)" : "");
        return;
    } else if (got == MLODA_TYPE_FLOAT64_LIST && b->list_size > 0 &&
               mloda_column_list_size(c) != b->list_size) {
        problem(p, false, name, "table '%s' column '%s' holds lists of %d values but %d when prepared",
                src->name, name, (int)mloda_column_list_size(c), (int)b->list_size);
        return;
    } else if (got == MLODA_TYPE_TIMESTAMP && mloda_column_time_unit(c) != b->unit) {
        problem(p, false, name,
                "table '%s' column '%s' has another timestamp unit than when prepared", src->name,
                name);
        return;
    }
    if (conv != NULL) {
        mloda_column_release(*col);
        *col = conv;
    }
}

/* The batch's table for source s: the batch's own, or the prepared example when the
 * caller passed no batch (mloda reruns on the prepare-time data). */
static const mloda_table *batch_table(const mloda_plan *plan, const mloda_api_data *batch,
                                      int64_t s)
{
    if (plan->sources[s].is_provider)
        return plan->sources[s].data; /* read once at prepare */
    if (batch == NULL)
        return plan->sources[s].schema;
    int64_t i = mloda_api_data_table_index(batch, plan->sources[s].name);
    return i < 0 ? NULL : mloda_api_data_table(batch, i);
}

mloda_status mloda_run_bind_batch(run_ctx *run, const mloda_api_data *batch, mloda_error *err)
{
    const mloda_plan *plan = run->plan;
    problems p;
    memset(&p, 0, sizeof p);
    for (int64_t s = 0; s < plan->n_sources; s++) {
        const plan_source *src = &plan->sources[s];
        if (src->n_columns_used == 0 && src->filter_step == MLODA_NO_INDEX &&
            src->n_link_cols == 0)
            continue;
        run->batch_tables[s] = batch_table(plan, batch, s);
        if (run->batch_tables[s] == NULL)
            problem(&p, true, src->name, "api_data has no table '%s'", src->name);
        else
            run->domain_rows[s] = mloda_table_n_rows(run->batch_tables[s]);
    }
    mloda_status failed = MLODA_OK;
    for (int64_t k = 0; k < plan->n_binds && failed == MLODA_OK; k++) {
        const plan_bind *b = &plan->binds[k];
        const plan_source *src = &plan->sources[b->source];
        const mloda_table *t = run->batch_tables[b->source];
        if (t == NULL)
            continue; /* reported above */
        mloda_column *col = bind_column(plan, b, t, &failed, err);
        if (col == NULL) {
            if (failed == MLODA_OK)
                problem(&p, true, b->column, "table '%s' has no column '%s'%s", src->name,
                        b->column, b->role);
            continue;
        }
        check_type(&p, src, b, &col, &failed, err);
        run->bound[k] = col;
    }
    if (failed != MLODA_OK)
        return failed;
    if (p.n == 0)
        return MLODA_OK;
    return mloda_error_set(err, p.missing ? MLODA_ERR_SCHEMA : MLODA_ERR_TYPE, p.subject,
                           "batch does not fit the prepared schema: %s", p.text);
}
