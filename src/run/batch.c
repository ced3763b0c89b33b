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

static const mloda_column *find_column(const mloda_table *t, const plan_node *n)
{
    int64_t c = n->source_col_index;
    const char *name = mloda_table_column_name(t, c);
    if (name != NULL && strcmp(name, n->source_column) == 0)
        return mloda_table_column(t, c);
    c = mloda_table_find(t, n->source_column);
    return c < 0 ? NULL : mloda_table_column(t, c);
}

static void check_type(problems *p, const plan_source *src, const plan_node *n,
                       const mloda_column *col)
{
    mloda_type got = mloda_column_type(col);
    if (got != n->out_type) {
        problem(p, false, n->source_column,
                "table '%s' column '%s' is %s but was %s when the session was prepared",
                src->name, n->source_column, mloda_type_name(got), mloda_type_name(n->out_type));
    } else if (got == MLODA_TYPE_FLOAT64_LIST && mloda_column_list_size(col) != n->out_list_size) {
        problem(p, false, n->source_column,
                "table '%s' column '%s' holds lists of %d values but %d when prepared",
                src->name, n->source_column, (int)mloda_column_list_size(col),
                (int)n->out_list_size);
    } else if (got == MLODA_TYPE_TIMESTAMP && mloda_column_time_unit(col) != n->out_unit) {
        problem(p, false, n->source_column,
                "table '%s' column '%s' has another timestamp unit than when prepared",
                src->name, n->source_column);
    }
}

/* The batch's table for source s: the batch's own, or the prepared example when the
 * caller passed no batch (mloda reruns on the prepare-time data). */
static const mloda_table *batch_table(const mloda_plan *plan, const mloda_api_data *batch,
                                      int64_t s)
{
    if (batch == NULL)
        return plan->sources[s].schema;
    int64_t i = mloda_api_data_find(batch, plan->sources[s].name);
    return i < 0 ? NULL : mloda_api_data_table(batch, i);
}

mloda_status run_bind_batch(run_ctx *run, const mloda_api_data *batch, mloda_error *err)
{
    const mloda_plan *plan = run->plan;
    problems p;
    memset(&p, 0, sizeof p);
    for (int64_t s = 0; s < plan->n_sources; s++) {
        if (plan->sources[s].n_columns_used == 0)
            continue;
        const mloda_table *t = batch_table(plan, batch, s);
        if (t == NULL)
            problem(&p, true, plan->sources[s].name, "api_data has no table '%s'",
                    plan->sources[s].name);
        else
            run->domain_rows[s] = mloda_table_n_rows(t);
    }
    for (int64_t k = 0; k < plan->n_source_slots; k++) {
        const plan_node *n = &plan->nodes[plan->source_slot_nodes[k]];
        const plan_source *src = &plan->sources[n->source];
        const mloda_table *t = batch_table(plan, batch, n->source);
        if (t == NULL)
            continue; /* reported above */
        const mloda_column *col = find_column(t, n);
        if (col == NULL) {
            problem(&p, true, n->source_column, "table '%s' has no column '%s'", src->name,
                    n->source_column);
            continue;
        }
        check_type(&p, src, n, col);
        run->src_cols[k] = mloda_column_retain(col);
    }
    if (p.n == 0)
        return MLODA_OK;
    return mloda_error_set(err, p.missing ? MLODA_ERR_SCHEMA : MLODA_ERR_TYPE, p.subject,
                           "batch does not fit the prepared schema: %s", p.text);
}
