/*
 * result.c: assembles a step's result table from its requested features' outputs:
 * request order (a multi-column feature F contributes F~suffix columns in the order the
 * group produced them; a requested selection F~k of F is F's column k, at its own place
 * unless F is requested too), or alphabetical when the request says so (SPEC.md §4).
 * Columns are shared by reference, never copied.
 */
#include "run/result.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table/table_layer.h"
#include "util/util.h"

typedef struct named_col {
    const char *name;
    const mloda_column *col;
} named_col;

static int cmp_named(const void *a, const void *b)
{
    return strcmp(((const named_col *)a)->name, ((const named_col *)b)->name);
}

static int64_t count_columns(const run_ctx *run, const plan_result *r)
{
    int64_t n = 0;
    for (int64_t k = 0; k < r->n_columns; k++) {
        const plan_node *node = &run->plan->nodes[r->nodes[k]];
        n += node->out_multi && node->select_of == MLODA_NO_INDEX ? run->outs[r->nodes[k]].n : 1;
    }
    return n;
}

/* Fills cols (n entries); multi-column names are allocated into names_owned. */
static mloda_status collect(const run_ctx *run, const plan_result *r, named_col *cols,
                            char **names_owned, mloda_error *err)
{
    int64_t i = 0, m = 0;
    for (int64_t k = 0; k < r->n_columns; k++) {
        const plan_node *node = &run->plan->nodes[r->nodes[k]];
        const node_out *o = &run->outs[r->nodes[k]];
        if (node->select_of != MLODA_NO_INDEX) { /* column k of F's output */
            const node_out *of = &run->outs[node->select_of];
            int64_t j = 0;
            while (j < of->n && strcmp(of->suffixes[j], node->select_suffix) != 0)
                j++;
            if (j == of->n)
                return mloda_error_set(err, MLODA_ERR_COMPUTE, node->feature.name,
                                       "'%s' has no column ~%s in this batch (it has %lld "
                                       "columns)",
                                       node->feature.name, node->select_suffix,
                                       (long long)of->n);
            cols[i].name = node->feature.name;
            cols[i++].col = of->cols[j];
            continue;
        }
        if (!node->out_multi) {
            cols[i].name = node->feature.name;
            cols[i++].col = o->col;
            continue;
        }
        for (int64_t j = 0; j < o->n; j++) {
            size_t len = strlen(node->feature.name) + 1 + strlen(o->suffixes[j]) + 1;
            char *name = mloda_malloc(len);
            if (name == NULL)
                return MLODA_NOMEM(err, "a column name");
            (void)snprintf(name, len, o->suffixes[j][0] ? "%s~%s" : "%s%s", node->feature.name,
                           o->suffixes[j]);
            names_owned[m++] = name;
            cols[i].name = name;
            cols[i++].col = o->cols[j];
        }
    }
    return MLODA_OK;
}

mloda_status mloda_result_assemble(run_ctx *run, int64_t step, int64_t n_rows, mloda_error *err)
{
    const mloda_plan *plan = run->plan;
    const plan_result *r = &plan->results[plan->steps[step].result];
    int64_t n = count_columns(run, r);
    enum { SMALL = 16 };
    named_col small_cols[SMALL];
    const char *small_names[SMALL];
    const mloda_column *small_ptrs[SMALL];
    char *small_owned[SMALL];
    named_col *cols = small_cols;
    const char **names = small_names;
    const mloda_column **ptrs = small_ptrs;
    char **owned = small_owned;
    mloda_status st = MLODA_OK;
    if (n > SMALL) {
        cols = mloda_calloc((size_t)n, sizeof *cols);
        names = mloda_calloc((size_t)n, sizeof *names);
        ptrs = mloda_calloc((size_t)n, sizeof *ptrs);
        owned = mloda_calloc((size_t)n, sizeof *owned);
        if (cols == NULL || names == NULL || ptrs == NULL || owned == NULL) {
            st = MLODA_NOMEM(err, "a result table");
            goto done;
        }
    } else {
        memset(small_owned, 0, sizeof small_owned);
    }
    MLODA_TRY_GOTO(st, collect(run, r, cols, owned, err), done);
    if (plan->ordering == MLODA_ORDER_ALPHABETICAL)
        qsort(cols, (size_t)n, sizeof *cols, cmp_named);
    for (int64_t i = 0; i < n; i++) {
        names[i] = cols[i].name;
        ptrs[i] = cols[i].col;
    }
    st = mloda_table_new_grouped(mloda_plan_step_name(plan, step), n_rows, n, names, ptrs,
                                 &run->tables[plan->steps[step].result], err);
done:
    for (int64_t i = 0; owned != NULL && i < (n > SMALL ? n : SMALL); i++)
        mloda_free(owned[i]);
    if (n > SMALL) {
        mloda_free(cols);
        mloda_free((void *)names);
        mloda_free((void *)ptrs);
        mloda_free(owned);
    }
    return st;
}
