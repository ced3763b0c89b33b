/*
 * calc.c: what a group's calculate callback sees: the step's features, their bound
 * input columns (by precomputed node index, no name look-ups) and output slots.
 * Outputs are checked against the types declared at bind and the step's row count.
 */
#include "run/calc.h"

#include <string.h>

#include "util/util.h"

static const plan_node *feature_node(const mloda_calc *c, int64_t i)
{
    const plan_step *s = &c->run->plan->steps[c->step];
    if (i < 0 || i >= s->n_features)
        return NULL;
    return &c->run->plan->nodes[s->features[i]];
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
    const plan_node *n = c == NULL ? NULL : feature_node(c, i);
    return n == NULL ? NULL : &n->feature;
}

const void *mloda_calc_state(const mloda_calc *c, int64_t i)
{
    const plan_node *n = c == NULL ? NULL : feature_node(c, i);
    return n == NULL ? NULL : n->state;
}

mloda_type mloda_calc_output_type(const mloda_calc *c, int64_t i)
{
    const plan_node *n = c == NULL ? NULL : feature_node(c, i);
    return n == NULL ? MLODA_TYPE_INVALID : n->out_type;
}

int64_t mloda_calc_n_inputs(const mloda_calc *c, int64_t i)
{
    const plan_node *n = c == NULL ? NULL : feature_node(c, i);
    return n == NULL ? 0 : n->n_inputs;
}

static const node_out *input_out(const mloda_calc *c, int64_t i, int64_t j,
                                 const plan_node **out_node)
{
    const plan_node *n = c == NULL ? NULL : feature_node(c, i);
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
    const node_out *o = input_out(c, i, j, &in);
    if (o == NULL)
        return 0;
    return in->out_multi ? o->n : 1;
}

const mloda_column *mloda_calc_input(const mloda_calc *c, int64_t i, int64_t j, int64_t k)
{
    const plan_node *in = NULL;
    const node_out *o = input_out(c, i, j, &in);
    if (o == NULL)
        return NULL;
    if (!in->out_multi)
        return k == 0 ? o->col : NULL;
    return (k < 0 || k >= o->n) ? NULL : o->cols[k];
}

const char *mloda_calc_input_suffix(const mloda_calc *c, int64_t i, int64_t j, int64_t k)
{
    const plan_node *in = NULL;
    const node_out *o = input_out(c, i, j, &in);
    if (o == NULL)
        return NULL;
    if (!in->out_multi)
        return k == 0 ? "" : NULL;
    return (k < 0 || k >= o->n) ? NULL : o->suffixes[k];
}

const mloda_column *mloda_calc_source_column(const mloda_calc *c, int64_t i)
{
    const plan_node *n = c == NULL ? NULL : feature_node(c, i);
    if (n == NULL || n->source_slot == MLODA_NO_INDEX)
        return NULL;
    return c->run->src_cols[n->source_slot];
}

static mloda_status check_output(const mloda_calc *c, const plan_node *n, const mloda_column *col,
                                 mloda_error *err)
{
    if (col == NULL)
        return mloda_error_set(err, MLODA_ERR_PLUGIN, n->feature.name,
                               "feature '%s': output column is NULL", n->feature.name);
    if (mloda_column_type(col) != n->out_type)
        return mloda_error_set(err, MLODA_ERR_PLUGIN, n->feature.name,
                               "feature '%s': output is %s but %s was declared", n->feature.name,
                               mloda_type_name(mloda_column_type(col)),
                               mloda_type_name(n->out_type));
    if (!n->rows_change && mloda_column_n_rows(col) != c->n_rows)
        return mloda_error_set(err, MLODA_ERR_PLUGIN, n->feature.name,
                               "feature '%s': output has %lld rows, the step has %lld",
                               n->feature.name, (long long)mloda_column_n_rows(col),
                               (long long)c->n_rows);
    return MLODA_OK;
}

mloda_status mloda_calc_set_output(mloda_calc *c, int64_t i, mloda_column *col, mloda_error *err)
{
    mloda_error_enter(err);
    const plan_node *n = c == NULL ? NULL : feature_node(c, i);
    mloda_status st = MLODA_OK;
    if (n == NULL)
        st = mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL, "no feature %lld in this step",
                             (long long)i);
    else if (n->out_multi)
        st = mloda_error_set(err, MLODA_ERR_PLUGIN, n->feature.name,
                             "feature '%s' declared several columns; use mloda_calc_add_output",
                             n->feature.name);
    if (st == MLODA_OK)
        st = check_output(c, n, col, err);
    node_out *o = st == MLODA_OK ? &c->run->outs[c->run->plan->steps[c->step].features[i]] : NULL;
    if (o != NULL && o->col != NULL)
        st = mloda_error_set(err, MLODA_ERR_PLUGIN, n->feature.name,
                             "feature '%s': output set twice", n->feature.name);
    if (st != MLODA_OK) {
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
    const plan_node *n = c == NULL ? NULL : feature_node(c, i);
    mloda_status st = MLODA_OK;
    if (n == NULL)
        st = mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL, "no feature %lld in this step",
                             (long long)i);
    else if (!n->out_multi)
        st = mloda_error_set(err, MLODA_ERR_PLUGIN, n->feature.name,
                             "feature '%s' declared one column; use mloda_calc_set_output",
                             n->feature.name);
    if (st == MLODA_OK)
        st = check_output(c, n, col, err);
    if (st == MLODA_OK)
        st = push_multi(&c->run->outs[c->run->plan->steps[c->step].features[i]],
                        suffix == NULL ? "" : suffix, col, err);
    if (st != MLODA_OK)
        mloda_column_release(col);
    return st;
}

bool mloda_calc_is_cancelled(const mloda_calc *c)
{
    return c != NULL && atomic_load_explicit(&c->run->cancel, memory_order_relaxed);
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
