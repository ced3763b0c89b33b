/*
 * calc.c: what a group's calculate callback sees: the step's features, their bound
 * input columns (by precomputed node index, no name look-ups) and output slots.
 * Outputs are checked against the types declared at bind and the step's row count.
 * Every misuse (a feature index out of range, a bad output) is also recorded in the
 * calc's misuse slot, so the step fails with it even if calculate ignores the status.
 */
#include "run/calc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/util.h"

static mloda_status misuse(const mloda_calc *c, const char *subject, mloda_error *err,
                           const char *fmt, ...) MLODA_PRINTF(4, 5);

/* Records a misuse of the calc API (first one wins) and reports it in err (may be NULL). */
static mloda_status misuse(const mloda_calc *c, const char *subject, mloda_error *err,
                           const char *fmt, ...)
{
    char msg[MLODA_ERROR_MESSAGE_MAX + 1]; /* longer than the message: error.c truncates */
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mloda_calc_misuse *m = c->misuse;
    if (m != NULL && !atomic_exchange_explicit(&m->taken, true, memory_order_acq_rel))
        (void)mloda_error_set(&m->err, MLODA_ERR_PLUGIN, subject, "%s", msg);
    return mloda_error_set(err, MLODA_ERR_PLUGIN, subject, "%s", msg);
}

/* Feature i of the step; NULL (and a recorded misuse, reported in err) when i is out of
 * range. fn names the API function the plugin called. */
static const plan_node *feature_node(const mloda_calc *c, int64_t i, const char *fn,
                                     mloda_error *err)
{
    const plan_step *s = &c->run->plan->steps[c->step];
    if (i >= 0 && i < s->n_features)
        return &c->run->plan->nodes[s->features[i]];
    const char *first = s->n_features > 0 ? c->run->plan->nodes[s->features[0]].feature.name : "";
    (void)misuse(c, first, err,
                 "%s: feature index %lld is out of range; the step has %lld feature(s) "
                 "(the first is '%s')",
                 fn, (long long)i, (long long)s->n_features, first);
    return NULL;
}

int64_t mloda_calc_n_features(const mloda_calc *c)
{
    return c == NULL ? 0 : c->run->plan->steps[c->step].n_features;
}

int64_t mloda_calc_n_rows(const mloda_calc *c)
{
    return c == NULL ? 0 : c->n_rows;
}

const mloda_feature *mloda_calc_feature(const mloda_calc *c, int64_t i)
{
    const plan_node *n = c == NULL ? NULL : feature_node(c, i, "mloda_calc_feature", NULL);
    return n == NULL ? NULL : &n->feature;
}

const void *mloda_calc_state(const mloda_calc *c, int64_t i)
{
    const plan_node *n = c == NULL ? NULL : feature_node(c, i, "mloda_calc_state", NULL);
    return n == NULL ? NULL : n->state;
}

mloda_type mloda_calc_output_type(const mloda_calc *c, int64_t i)
{
    const plan_node *n = c == NULL ? NULL : feature_node(c, i, "mloda_calc_output_type", NULL);
    return n == NULL ? MLODA_TYPE_INVALID : n->out_type;
}

int64_t mloda_calc_n_inputs(const mloda_calc *c, int64_t i)
{
    const plan_node *n = c == NULL ? NULL : feature_node(c, i, "mloda_calc_n_inputs", NULL);
    return n == NULL ? 0 : n->n_inputs;
}

static const node_out *input_out(const mloda_calc *c, int64_t i, int64_t j, const char *fn,
                                 const plan_node **out_node)
{
    const plan_node *n = c == NULL ? NULL : feature_node(c, i, fn, NULL);
    if (n == NULL || j < 0 || j >= n->n_inputs)
        return NULL;
    *out_node = &c->run->plan->nodes[n->inputs[j]];
    if (n->input_gather != NULL && n->input_gather[j] != MLODA_NO_INDEX)
        return &c->run->gathered[n->input_gather[j]];
    return &c->run->outs[n->inputs[j]];
}

int64_t mloda_calc_input_n_columns(const mloda_calc *c, int64_t i, int64_t j)
{
    const plan_node *in = NULL;
    const node_out *o = input_out(c, i, j, "mloda_calc_input_n_columns", &in);
    if (o == NULL)
        return 0;
    return in->out_multi ? o->n : 1;
}

const mloda_column *mloda_calc_input(const mloda_calc *c, int64_t i, int64_t j, int64_t k)
{
    const plan_node *in = NULL;
    const node_out *o = input_out(c, i, j, "mloda_calc_input", &in);
    if (o == NULL)
        return NULL;
    const plan_node *n = &c->run->plan->nodes[c->run->plan->steps[c->step].features[i]];
    if (n->adopt != NULL && n->adopt[j].type != MLODA_TYPE_INVALID) /* a null-typed input */
        return k == 0 ? c->run->adopted[n->adopt[j].slot] : NULL;
    if (!in->out_multi)
        return k == 0 ? o->col : NULL;
    return (k < 0 || k >= o->n) ? NULL : o->cols[k];
}

mloda_status mloda_calc_adopt_inputs(run_ctx *run, int64_t s, mloda_error *err)
{
    const plan_step *st = &run->plan->steps[s];
    for (int64_t k = 0; k < st->n_features; k++) {
        const plan_node *n = &run->plan->nodes[st->features[k]];
        for (int64_t j = 0; n->adopt != NULL && j < n->n_inputs; j++) {
            const plan_adopt *a = &n->adopt[j];
            if (a->type == MLODA_TYPE_INVALID)
                continue;
            const node_out *o = n->input_gather != NULL && n->input_gather[j] != MLODA_NO_INDEX
                                    ? &run->gathered[n->input_gather[j]]
                                    : &run->outs[n->inputs[j]];
            mloda_column_release(run->adopted[a->slot]); /* a run computes a step once */
            run->adopted[a->slot] = NULL;
            if (mloda_column_type(o->col) == a->type) {
                run->adopted[a->slot] = mloda_column_retain(o->col);
                continue;
            }
            MLODA_TRY(mloda_column_new_nulls(a->type, a->list_size, a->unit,
                                             mloda_column_n_rows(o->col),
                                             &run->adopted[a->slot], err));
        }
    }
    return MLODA_OK;
}

const char *mloda_calc_input_name(const mloda_calc *c, int64_t i, int64_t j)
{
    const plan_node *in = NULL;
    return input_out(c, i, j, "mloda_calc_input_name", &in) == NULL ? NULL : in->feature.name;
}

const char *mloda_calc_input_suffix(const mloda_calc *c, int64_t i, int64_t j, int64_t k)
{
    const plan_node *in = NULL;
    const node_out *o = input_out(c, i, j, "mloda_calc_input_suffix", &in);
    if (o == NULL)
        return NULL;
    if (!in->out_multi)
        return k == 0 ? "" : NULL;
    return (k < 0 || k >= o->n) ? NULL : o->suffixes[k];
}

const mloda_column *mloda_calc_source_column(const mloda_calc *c, int64_t i)
{
    const plan_node *n = c == NULL ? NULL : feature_node(c, i, "mloda_calc_source_column", NULL);
    if (n == NULL || n->source_slot == MLODA_NO_INDEX)
        return NULL;
    return c->run->src_cols[n->source_slot];
}

static mloda_status check_output(const mloda_calc *c, const plan_node *n, const mloda_column *col,
                                 const char *fn, mloda_error *err)
{
    const char *f = n->feature.name;
    if (col == NULL)
        return misuse(c, f, err, "%s: the output column of feature '%s' is NULL", fn, f);
    if (mloda_column_type(col) != n->out_type)
        return misuse(c, f, err, "%s: the output of feature '%s' is %s but %s was declared", fn,
                      f, mloda_type_name(mloda_column_type(col)), mloda_type_name(n->out_type));
    if (!n->rows_change && mloda_column_n_rows(col) != c->n_rows)
        return misuse(c, f, err, "%s: the output of feature '%s' has %lld rows, the step has %lld",
                      fn, f, (long long)mloda_column_n_rows(col), (long long)c->n_rows);
    return MLODA_OK;
}

/* What set_output and add_output check first: the feature exists, declared the form of
 * output the call gives (one column or several), and col fits its declaration. Returns the
 * feature's output slot, or NULL with the error recorded. */
static node_out *output_slot(mloda_calc *c, int64_t i, bool multi, const mloda_column *col,
                             const char *fn, mloda_status *st, mloda_error *err)
{
    const plan_node *n = NULL;
    *st = MLODA_OK;
    if (c == NULL)
        *st = mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL, "%s: NULL calc", fn);
    else if ((n = feature_node(c, i, fn, err)) == NULL)
        *st = MLODA_ERR_PLUGIN;
    else if (n->out_multi != multi)
        *st = misuse(c, n->feature.name, err,
                     multi ? "%s: feature '%s' declared one column; use mloda_calc_set_output"
                           : "%s: feature '%s' declared several columns; use "
                             "mloda_calc_add_output",
                     fn, n->feature.name);
    if (*st == MLODA_OK)
        *st = check_output(c, n, col, fn, err);
    if (*st != MLODA_OK)
        return NULL;
    node_out *o = &c->run->outs[c->run->plan->steps[c->step].features[i]];
    if (!multi && o->col != NULL) {
        *st = misuse(c, n->feature.name, err, "%s: the output of feature '%s' was set twice", fn,
                     n->feature.name);
        return NULL;
    }
    return o;
}

mloda_status mloda_calc_set_output(mloda_calc *c, int64_t i, mloda_column *col, mloda_error *err)
{
    mloda_error_enter(err);
    mloda_status st = MLODA_OK;
    node_out *o = output_slot(c, i, false, col, "mloda_calc_set_output", &st, err);
    if (o == NULL) {
        mloda_column_release(col);
        return st;
    }
    o->col = col;
    return MLODA_OK;
}

static mloda_status push_multi(node_out *o, const char *suffix, mloda_column *col,
                               mloda_error *err)
{
    if (o->n == o->cap) {
        int64_t cap = o->cap == 0 ? 4 : o->cap * 2;
        mloda_column **cols = mloda_realloc(o->cols, (size_t)cap * sizeof *cols);
        if (cols == NULL)
            return MLODA_NOMEM(err, "output columns");
        o->cols = cols;
        char **sfx = mloda_realloc(o->suffixes, (size_t)cap * sizeof *sfx);
        if (sfx == NULL)
            return MLODA_NOMEM(err, "output columns");
        o->suffixes = sfx;
        o->cap = cap;
    }
    char *s = mloda_strdup(suffix);
    if (s == NULL)
        return MLODA_NOMEM(err, "an output column name");
    o->cols[o->n] = col;
    o->suffixes[o->n] = s;
    o->n++;
    return MLODA_OK;
}

mloda_status mloda_calc_add_output(mloda_calc *c, int64_t i, const char *suffix,
                                   mloda_column *col, mloda_error *err)
{
    mloda_error_enter(err);
    mloda_status st = MLODA_OK;
    node_out *o = output_slot(c, i, true, col, "mloda_calc_add_output", &st, err);
    if (o != NULL)
        st = push_multi(o, suffix == NULL ? "" : suffix, col, err);
    if (st != MLODA_OK)
        mloda_column_release(col);
    return st;
}

bool mloda_calc_is_cancelled(const mloda_calc *c)
{
    return c != NULL && mloda_run_should_stop(c->run);
}

int64_t mloda_calc_limit(const mloda_calc *c, mloda_limit limit)
{
    if (c == NULL || (int)limit < 0 || (int)limit >= MLODA_N_LIMITS)
        return -1;
    return c->run->plan->limits[limit];
}

void mloda_node_out_reset(node_out *o)
{
    mloda_column_release(o->col);
    for (int64_t k = 0; k < o->n; k++) {
        mloda_column_release(o->cols[k]);
        mloda_free(o->suffixes[k]);
    }
    mloda_free(o->cols);
    mloda_free(o->suffixes);
    memset(o, 0, sizeof *o);
}
