/*
 * planner.c: request -> plan (DESIGN.md §1, SPEC.md §2 and §4).
 *
 * 1. resolve: every requested name, then recursively every input, is matched against
 *    every registered group; exactly one must match. Nodes are memoised by (name, all
 *    options), so a shared intermediate is computed once. A node met again while its own
 *    inputs are being resolved is a cycle. Nodes are appended to `order` after their
 *    inputs: a topological order with inputs first.
 * 2. bind: each node is typed after its inputs (bind.c).
 * 3. steps: walking `order`, a node joins the step keyed by (group, group options, row
 *    domain, parent steps); steps are created in walking order, so every step's parents
 *    have smaller indices (plan order is topological).
 * 4. results: steps holding requested features, their columns in request order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plan/bind.h"
#include "plan/filter.h"
#include "plan/link.h"
#include "plan/plan.h"
#include "plan/resolve_error.h"
#include "table/table_layer.h"
#include "util/util.h"

typedef struct planner {
    mloda_plan *plan;
    const mloda_request *request;
    mloda_strmap memo;              /* node key -> node index */
    int64_t *order;                 /* owned: nodes, inputs first */
    int64_t n_order;
    int64_t *stack;                 /* owned: nodes being resolved (for cycle messages) */
    int64_t depth;
    int64_t nodes_cap;
    bool *resolving;                /* owned, per node */
} planner;

enum { MAX_DEPTH = 256 };

/* ---------------------------------------------------------------- sources */

/* Source i: a table of the api_data example, or (after those) a provider's schema. */
static mloda_status add_one_source(planner *pl, const char *name, mloda_table *schema,
                                   const mloda_source_provider *provider, mloda_error *err)
{
    mloda_plan *p = pl->plan;
    for (int64_t k = 0; k < p->n_sources; k++) {
        if (strcmp(p->sources[k].name, name) == 0) {
            mloda_table_release(schema);
            return mloda_error_set(err, MLODA_ERR_DUPLICATE, name,
                                   "two data sources are named '%s'", name);
        }
    }
    plan_source *s = &p->sources[p->n_sources];
    s->schema = schema;
    s->filter_step = MLODA_NO_INDEX;
    s->provider = provider;
    p->n_sources++;
    s->name = mloda_strdup(name);
    if (s->name == NULL)
        return MLODA_NOMEM(err, "a table name");
    pl->plan->source_names[p->n_sources - 1] = s->name;
    pl->plan->source_schemas[p->n_sources - 1] = s->schema;
    return MLODA_OK;
}

static mloda_status add_sources(planner *pl, const mloda_api_data *example, mloda_error *err)
{
    mloda_plan *p = pl->plan;
    const mloda_request *req = pl->request;
    int64_t n_api = example == NULL ? 0 : mloda_api_data_n_tables(example);
    int64_t n = n_api + req->n_sources;
    if (n == 0)
        return MLODA_OK;
    p->sources = mloda_calloc((size_t)n, sizeof *p->sources);
    pl->plan->source_names = mloda_calloc((size_t)n, sizeof *pl->plan->source_names);
    pl->plan->source_schemas = mloda_calloc((size_t)n, sizeof *pl->plan->source_schemas);
    if (p->sources == NULL || pl->plan->source_names == NULL || pl->plan->source_schemas == NULL)
        return MLODA_NOMEM(err, "the data sources");
    pl->plan->source_set.names = pl->plan->source_names;
    pl->plan->source_set.schemas = pl->plan->source_schemas;
    for (int64_t i = 0; i < n_api; i++) {
        MLODA_TRY(add_one_source(pl, mloda_api_data_table_name(example, i),
                                 mloda_table_retain(mloda_api_data_table(example, i)), NULL, err));
        pl->plan->source_set.n = p->n_sources;
    }
    for (int64_t i = 0; i < req->n_sources; i++) {
        const mloda_source_provider *prov = &req->sources[i];
        mloda_table *schema = NULL;
        mloda_status st = prov->schema(prov->user_data, &schema, err);
        if (st == MLODA_OK && schema == NULL)
            st = mloda_error_set(err, MLODA_ERR_PLUGIN, prov->name,
                                 "data source '%s' gave no schema", prov->name);
        if (st != MLODA_OK) {
            if (err != NULL && err->subject[0] == '\0')
                (void)snprintf(err->subject, sizeof err->subject, "%s", prov->name);
            return st;
        }
        MLODA_TRY(add_one_source(pl, prov->name, schema, prov, err));
        pl->plan->source_set.n = p->n_sources;
    }
    return MLODA_OK;
}

/* The columns of source s that the plan reads (features, filters, links), deduplicated. */
static mloda_status needed_columns(const mloda_plan *p, int64_t s, const char ***out, int64_t *n,
                                   mloda_error *err)
{
    int64_t cap = p->n_source_slots + p->n_filters + p->n_link_cols + 1;
    const char **names = mloda_calloc((size_t)cap, sizeof *names);
    if (names == NULL)
        return MLODA_NOMEM(err, "a column list");
    *n = 0;
    for (int64_t k = 0; k < cap - 1; k++) {
        const char *c = NULL;
        if (k < p->n_source_slots) {
            const plan_node *node = &p->nodes[p->source_slot_nodes[k]];
            c = node->source == s ? node->source_column : NULL;
        } else if (k < p->n_source_slots + p->n_filters) {
            const plan_filter *f = &p->filters[k - p->n_source_slots];
            c = f->source == s ? f->column : NULL;
        } else {
            const plan_link_col *lc = &p->link_cols[k - p->n_source_slots - p->n_filters];
            c = lc->source == s ? lc->column : NULL;
        }
        if (c == NULL || (p->row_id_column != NULL && strcmp(c, p->row_id_column) == 0))
            continue;
        bool seen = false;
        for (int64_t j = 0; j < *n && !seen; j++)
            seen = strcmp(names[j], c) == 0;
        if (!seen)
            names[(*n)++] = c;
    }
    *out = names;
    return MLODA_OK;
}

/* Reads what the plan needs of every provider's source, once, into its data table. */
static mloda_status read_provider_sources(mloda_plan *p, mloda_error *err)
{
    for (int64_t s = 0; s < p->n_sources; s++) {
        const mloda_source_provider *prov = p->sources[s].provider;
        if (prov == NULL)
            continue;
        const char **names = NULL;
        int64_t n = 0;
        MLODA_TRY(needed_columns(p, s, &names, &n, err));
        mloda_table *data = NULL;
        mloda_status st = n == 0 ? MLODA_OK : prov->read(prov->user_data, n, names, &data, err);
        if (st == MLODA_OK && n > 0 && data == NULL)
            st = mloda_error_set(err, MLODA_ERR_PLUGIN, prov->name,
                                 "data source '%s' returned no table", prov->name);
        for (int64_t k = 0; st == MLODA_OK && k < n; k++) {
            int64_t c = mloda_table_column_index(data, names[k]);
            int64_t sc = mloda_table_column_index(p->sources[s].schema, names[k]);
            if (c < 0 || mloda_column_type(mloda_table_column(data, c)) !=
                             mloda_column_type(mloda_table_column(p->sources[s].schema, sc)))
                st = mloda_error_set(err, MLODA_ERR_PLUGIN, names[k],
                                     "data source '%s' did not return column '%s' with its "
                                     "schema's type",
                                     prov->name, names[k]);
        }
        mloda_free((void *)names);
        if (st != MLODA_OK) {
            mloda_table_release(data);
            if (err != NULL && err->subject[0] == '\0')
                (void)snprintf(err->subject, sizeof err->subject, "%s", prov->name);
            return st;
        }
        p->sources[s].data = data;
    }
    return MLODA_OK;
}

/* old's columns plus the row-id column `rid` (ids of old's rows). */
static mloda_status schema_with_row_id(const mloda_table *old, const char *rid, mloda_table **out,
                                       mloda_error *err)
{
    int64_t n = mloda_table_n_columns(old);
    const char **names = mloda_calloc((size_t)n + 1, sizeof *names);
    const mloda_column **cols = mloda_calloc((size_t)n + 1, sizeof *cols);
    mloda_column *ids = NULL;
    mloda_status st = (names == NULL || cols == NULL) ? MLODA_NOMEM(err, "a schema") : MLODA_OK;
    if (st == MLODA_OK)
        st = mloda_column_new_row_ids(mloda_table_n_rows(old), &ids, err);
    if (st == MLODA_OK) {
        for (int64_t c = 0; c < n; c++) {
            names[c] = mloda_table_column_name(old, c);
            cols[c] = mloda_table_column(old, c);
        }
        names[n] = rid;
        cols[n] = ids;
        st = mloda_table_new(mloda_table_n_rows(old), n + 1, names, cols, out, err);
    }
    mloda_column_release(ids);
    mloda_free((void *)names);
    mloda_free((void *)cols);
    return st;
}

/* The request's row-id column becomes a column of every filtered table's schema, so that
 * the api-data group resolves it like any column; runs synthesise its values. */
static mloda_status add_row_id_columns(planner *pl, mloda_error *err)
{
    mloda_plan *p = pl->plan;
    const char *rid = pl->request->row_id_column;
    if (rid == NULL)
        return MLODA_OK;
    p->row_id_column = mloda_strdup(rid);
    if (p->row_id_column == NULL)
        return MLODA_NOMEM(err, "a column name");
    for (int64_t f = 0; f < p->n_filters; f++) {
        int64_t si = p->filters[f].source;
        plan_source *src = &p->sources[si];
        if (src->has_row_id)
            continue;
        if (mloda_table_column_index(src->schema, rid) >= 0)
            return mloda_error_set(err, MLODA_ERR_DUPLICATE, rid,
                                   "row-id column '%s' already exists in table '%s'", rid,
                                   src->name);
        mloda_table *t = NULL;
        MLODA_TRY(schema_with_row_id(src->schema, rid, &t, err));
        mloda_table_release(src->schema);
        src->schema = t;
        pl->plan->source_schemas[si] = t;
        src->has_row_id = true;
    }
    return MLODA_OK;
}

/* ---------------------------------------------------------------- nodes */

static mloda_status node_key(const char *name, const mloda_options *opts, mloda_buf *key,
                             mloda_error *err)
{
    MLODA_TRY(mloda_buf_puts(key, name, err));
    MLODA_TRY(mloda_buf_putc(key, '\x1f', err));
    return mloda_options_canonical_buf(opts, -1, key, err);
}

static mloda_status new_node(planner *pl, const char *name, const mloda_options *opts,
                             int64_t *out, mloda_error *err)
{
    mloda_plan *p = pl->plan;
    if (p->n_nodes == pl->nodes_cap) {
        int64_t cap = pl->nodes_cap == 0 ? 16 : pl->nodes_cap * 2;
        plan_node *nodes = mloda_realloc(p->nodes, (size_t)cap * sizeof *nodes);
        if (nodes == NULL)
            return MLODA_NOMEM(err, "plan nodes");
        p->nodes = nodes;
        bool *res = mloda_realloc(pl->resolving, (size_t)cap * sizeof *res);
        if (res == NULL)
            return MLODA_NOMEM(err, "plan nodes");
        pl->resolving = res;
        int64_t *order = mloda_realloc(pl->order, (size_t)cap * sizeof *order);
        if (order == NULL)
            return MLODA_NOMEM(err, "plan nodes");
        pl->order = order;
        pl->nodes_cap = cap;
    }
    int64_t idx = p->n_nodes++;
    plan_node *n = &p->nodes[idx];
    memset(n, 0, sizeof *n);
    n->group = n->source = n->domain = n->step = n->source_slot = MLODA_NO_INDEX;
    n->request_pos = MLODA_NO_INDEX;
    pl->resolving[idx] = true;
    *out = idx;
    return mloda_feature_init(&n->feature, name, opts, &pl->plan->source_set, err);
}

/* Frees a value a group's match attached but the feature does not keep. */
static void drop_parsed(const mloda_feature_group *grp, void *parsed)
{
    if (parsed != NULL && grp->parsed_free != NULL)
        grp->parsed_free(grp->user_data, parsed);
}

/* Asks every group; exactly one must match. The matching group's parsed value stays with
 * the node's feature. */
static mloda_status match_group(planner *pl, int64_t node, mloda_error *err)
{
    mloda_feature *f = &pl->plan->nodes[node].feature;
    int64_t found[2] = {MLODA_NO_INDEX, MLODA_NO_INDEX};
    int64_t n_found = 0;
    resolve_reasons reasons;
    mloda_resolve_reasons_init(&reasons);
    const mloda_plan *p = pl->plan;
    for (int64_t g = 0; g < p->n_groups; g++) {
        const mloda_feature_group *grp = &p->groups[g];
        bool m = false;
        void *parsed = NULL;
        mloda_error why = MLODA_ERROR_INIT;
        mloda_status st = grp->match(grp->user_data, f, &m, &parsed, &why);
        if (st == MLODA_OK && m && n_found == 0)
            mloda_feature_attach_parsed(f, parsed, grp->parsed_free, grp->user_data);
        else
            drop_parsed(grp, parsed);
        if (st != MLODA_OK) {
            (void)mloda_plugin_failure(&why, st, "match", grp->name, f->name);
            return mloda_error_pass(err, &why);
        }
        if (m) {
            if (n_found < 2)
                found[n_found] = g;
            n_found++;
        } else if (why.code != MLODA_OK) {
            mloda_resolve_reasons_add(&reasons, grp->name, why.message);
        }
    }
    if (n_found == 1) {
        pl->plan->nodes[node].group = found[0];
        return MLODA_OK;
    }
    mloda_feature_attach_parsed(f, NULL, NULL, NULL); /* none or several groups matched */
    if (n_found > 1)
        return mloda_resolve_error_ambiguous(pl->plan, node, found, n_found, pl->stack, pl->depth, err);
    return mloda_resolve_error_none(pl->plan, node, &reasons, pl->stack, pl->depth, err);
}

static mloda_status resolve(planner *pl, const char *name, const mloda_options *opts,
                            int64_t *out, mloda_error *err);

/* An input named like a requested option-configured feature is that feature: define a
 * feature once in the request (`{"name": "clean", "options": {...}}`) and chain on it
 * (`clean__count_aggr`). Inputs with options of their own keep them. */
static const mloda_options *input_options(const planner *pl, const mloda_input_spec *in)
{
    if (in->options != NULL)
        return in->options;
    const mloda_request *req = pl->request;
    for (int64_t i = 0; i < req->n; i++) {
        if (req->items[i].options != NULL && strcmp(req->items[i].name, in->name) == 0)
            return req->items[i].options;
    }
    return NULL;
}

static mloda_status resolve_inputs(planner *pl, int64_t node, mloda_error *err)
{
    const mloda_feature_group *g = &pl->plan->groups[pl->plan->nodes[node].group];
    const char *fname = pl->plan->nodes[node].feature.name; /* before nodes may move */
    mloda_inputs in = {0};
    mloda_error cb = MLODA_ERROR_INIT; /* the callback's own, so it can be inspected */
    mloda_status st = g->inputs(g->user_data, &pl->plan->nodes[node].feature, &in, &cb);
    if (in.has_empty_name) { /* even when the callback ignored the error it was given */
        mloda_error_reset(&cb);
        st = mloda_error_set(&cb, MLODA_ERR_PLUGIN, fname,
                             "feature group '%s' listed an input with an empty name for "
                             "feature '%s'",
                             g->name, fname);
    } else if (st != MLODA_OK) {
        st = mloda_plugin_failure(&cb, st, "inputs", g->name, fname);
    }
    if (st != MLODA_OK)
        (void)mloda_error_pass(err, &cb);
    if (st == MLODA_OK && in.n > 0) {
        pl->plan->nodes[node].inputs = mloda_calloc((size_t)in.n, sizeof(int64_t));
        if (pl->plan->nodes[node].inputs == NULL)
            st = MLODA_NOMEM(err, "input lists");
    }
    for (int64_t j = 0; st == MLODA_OK && j < in.n; j++) {
        int64_t child = MLODA_NO_INDEX;
        st = resolve(pl, in.items[j].name, input_options(pl, &in.items[j]), &child, err);
        if (st == MLODA_OK) {
            plan_node *n = &pl->plan->nodes[node]; /* nodes may have moved */
            n->inputs[n->n_inputs++] = child;
        }
    }
    mloda_inputs_reset(&in);
    return st;
}

/* Records that input j of node is gathered from `side` of link l to the joined rows. */
static mloda_status add_gather(mloda_plan *p, int64_t node, int64_t j, int64_t l, int side,
                               mloda_error *err)
{
    plan_node *n = &p->nodes[node];
    if (n->input_gather == NULL) {
        n->input_gather = mloda_malloc((size_t)n->n_inputs * sizeof *n->input_gather);
        if (n->input_gather == NULL)
            return MLODA_NOMEM(err, "join inputs");
        for (int64_t k = 0; k < n->n_inputs; k++)
            n->input_gather[k] = MLODA_NO_INDEX;
    }
    if (p->n_gathers == p->gathers_cap) {
        int64_t cap = p->gathers_cap == 0 ? 8 : p->gathers_cap * 2;
        plan_gather *g = mloda_realloc(p->gathers, (size_t)cap * sizeof *g);
        if (g == NULL)
            return MLODA_NOMEM(err, "join inputs");
        p->gathers = g;
        p->gathers_cap = cap;
    }
    p->gathers[p->n_gathers] = (plan_gather){l, side, n->inputs[j]};
    n->input_gather[j] = p->n_gathers++;
    return MLODA_OK;
}

static mloda_status domain_error(const mloda_plan *p, const plan_node *n, int64_t a, int64_t b,
                                 mloda_error *err)
{
    const plan_node *x = NULL, *y = NULL;
    for (int64_t j = 0; j < n->n_inputs; j++) {
        const plan_node *in = &p->nodes[n->inputs[j]];
        if (in->domain == a && x == NULL)
            x = in;
        if (in->domain == b && y == NULL)
            y = in;
    }
    return mloda_error_set(err, MLODA_ERR_SCHEMA, n->feature.name,
                           "feature '%s' combines '%s' from table '%s' with '%s' from table "
                           "'%s'; rows of different tables need a link between them",
                           n->feature.name, x->feature.name, mloda_plan_domain_name(p, a),
                           y->feature.name, mloda_plan_domain_name(p, b));
}

/* A node's rows come from its data source, or else from its inputs: one table, or two
 * tables joined by a link (then inputs from either table are gathered to the joined
 * rows, and inputs already on the joined rows are used as they are). */
static mloda_status assign_input_domain(planner *pl, int64_t node, mloda_error *err);

/* A row-changing feature gets rows of its own: a new domain, merged with the other
 * row-changing features of its step when steps are built. */
static mloda_status assign_domain(planner *pl, int64_t node, mloda_error *err)
{
    MLODA_TRY(assign_input_domain(pl, node, err));
    plan_node *n = &pl->plan->nodes[node];
    if (n->rows_change) {
        n->in_domain = n->domain;
        n->domain = pl->plan->n_domains++;
    }
    return MLODA_OK;
}

static mloda_status assign_input_domain(planner *pl, int64_t node, mloda_error *err)
{
    mloda_plan *p = pl->plan;
    plan_node *n = &p->nodes[node];
    if (n->source != MLODA_NO_INDEX) {
        n->domain = n->source;
        return MLODA_OK;
    }
    int64_t a = MLODA_NO_INDEX, b = MLODA_NO_INDEX;
    for (int64_t j = 0; j < n->n_inputs; j++) {
        int64_t d = p->nodes[n->inputs[j]].domain;
        if (d == MLODA_NO_INDEX || d == a || d == b)
            continue;
        if (a == MLODA_NO_INDEX) {
            a = d;
        } else if (b == MLODA_NO_INDEX) {
            b = d;
        } else {
            return domain_error(p, n, a, d, err);
        }
    }
    n->domain = a;
    if (b == MLODA_NO_INDEX)
        return MLODA_OK;
    /* two domains: tables A and B of a link, or one of them and the link's joined rows */
    int64_t l = MLODA_NO_INDEX;
    bool la = mloda_plan_is_link_domain(p, a), lb = mloda_plan_is_link_domain(p, b);
    if (la || lb) {
        int64_t j_dom = la ? a : b, other = la ? b : a;
        l = j_dom - p->n_sources;
        if (other >= p->n_sources || (p->links[l].left != other && p->links[l].right != other))
            l = MLODA_NO_INDEX;
    } else if (a < p->n_sources && b < p->n_sources) {
        l = mloda_link_between(p, a, b);
    }
    if (l == MLODA_NO_INDEX)
        return domain_error(p, n, a, b, err);
    n->domain = p->n_sources + l;
    for (int64_t j = 0; j < n->n_inputs; j++) {
        int64_t d = p->nodes[n->inputs[j]].domain;
        if (d == p->links[l].left || d == p->links[l].right)
            MLODA_TRY(add_gather(p, node, j, l, d == p->links[l].left ? 0 : 1, err));
        n = &p->nodes[node];
    }
    return MLODA_OK;
}

static mloda_status resolve(planner *pl, const char *name, const mloda_options *opts,
                            int64_t *out, mloda_error *err)
{
    mloda_status st = mloda_name_check(name, err);
    if (st != MLODA_OK)
        return st;
    mloda_buf key = {0};
    MLODA_TRY_GOTO(st, node_key(name, opts, &key, err), done);
    int64_t idx = MLODA_NO_INDEX;
    if (mloda_strmap_get(&pl->memo, key.data, &idx)) {
        if (pl->resolving[idx])
            st = mloda_resolve_error_cycle(pl->plan, idx, pl->stack, pl->depth, err);
        *out = idx;
        goto done;
    }
    if (pl->depth >= MAX_DEPTH) {
        st = mloda_error_set(err, MLODA_ERR_CYCLE, name,
                             "feature '%s' is nested more than %d levels deep", name, MAX_DEPTH);
        goto done;
    }
    MLODA_TRY_GOTO(st, new_node(pl, name, opts, &idx, err), done);
    MLODA_TRY_GOTO(st, mloda_strmap_put(&pl->memo, key.data, idx, err), done);
    pl->stack[pl->depth++] = idx;
    st = match_group(pl, idx, err);
    if (st == MLODA_OK)
        st = resolve_inputs(pl, idx, err);
    if (st == MLODA_OK)
        st = mloda_bind_node(pl->plan, idx, err);
    if (st == MLODA_OK)
        st = assign_domain(pl, idx, err);
    pl->depth--;
    if (st != MLODA_OK)
        goto done;
    pl->resolving[idx] = false;
    pl->order[pl->n_order++] = idx;
    *out = idx;
done:
    mloda_buf_reset(&key);
    return st;
}

/* ---------------------------------------------------------------- request checks */

static mloda_status check_request(const mloda_request *req, mloda_error *err)
{
    if (req->n == 0)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, "features",
                               "the request names no features");
    for (int64_t i = 0; i < req->n; i++) {
        MLODA_TRY(mloda_name_check(req->items[i].name, err));
        for (int64_t j = 0; j < i; j++) {
            if (strcmp(req->items[i].name, req->items[j].name) == 0)
                return mloda_error_set(err, MLODA_ERR_DUPLICATE, req->items[i].name,
                                       "feature '%s' is requested twice (positions %lld and "
                                       "%lld); each output name must be unique",
                                       req->items[i].name, (long long)j, (long long)i);
        }
    }
    return MLODA_OK;
}

/* ---------------------------------------------------------------- steps */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static mloda_status push_i64(int64_t **arr, int64_t *n, int64_t v, mloda_error *err)
{
    /* capacity doubles at powers of two */
    if ((*n & (*n - 1)) == 0) {
        size_t cap = *n == 0 ? 1 : (size_t)*n * 2;
        int64_t *a = mloda_realloc(*arr, cap * sizeof *a);
        if (a == NULL)
            return MLODA_NOMEM(err, "plan steps");
        *arr = a;
    }
    (*arr)[(*n)++] = v;
    return MLODA_OK;
}

/* Sorted distinct parent steps of node (into a caller buffer of n_inputs slots). */
static int64_t node_parents(const mloda_plan *p, const plan_node *n, int64_t *buf)
{
    int64_t k = 0;
    for (int64_t j = 0; j < n->n_inputs; j++)
        buf[k++] = p->nodes[n->inputs[j]].step;
    if (n->source != MLODA_NO_INDEX && p->sources[n->source].filter_step != MLODA_NO_INDEX)
        buf[k++] = p->sources[n->source].filter_step;
    int64_t d = n->rows_change ? n->in_domain : n->domain;
    if (mloda_plan_is_link_domain(p, d))
        buf[k++] = p->links[d - p->n_sources].step;
    qsort(buf, (size_t)k, sizeof *buf, cmp_i64);
    int64_t u = 0;
    for (int64_t i = 0; i < k; i++) {
        if (u == 0 || buf[u - 1] != buf[i])
            buf[u++] = buf[i];
    }
    return u;
}

static mloda_status step_key(const mloda_plan *p, const plan_node *n, const int64_t *parents,
                             int64_t n_parents, mloda_buf *key, mloda_error *err)
{
    MLODA_TRY(mloda_buf_printf(key, err, "%lld|%lld%s|", (long long)n->group,
                               (long long)(n->rows_change ? n->in_domain : n->domain),
                               n->rows_change ? "+rows" : ""));
    for (int64_t i = 0; i < n_parents; i++)
        MLODA_TRY(mloda_buf_printf(key, err, "%lld,", (long long)parents[i]));
    MLODA_TRY(mloda_buf_putc(key, '|', err));
    (void)p;
    return mloda_options_canonical_buf(n->feature.options, MLODA_GROUP, key, err);
}

static mloda_status new_step(mloda_plan *p, const plan_node *n, const int64_t *parents,
                             int64_t n_parents, int64_t *out, mloda_error *err)
{
    if ((p->n_steps & (p->n_steps - 1)) == 0) {
        size_t cap = p->n_steps == 0 ? 1 : (size_t)p->n_steps * 2;
        plan_step *s = mloda_realloc(p->steps, cap * sizeof *s);
        if (s == NULL)
            return MLODA_NOMEM(err, "plan steps");
        p->steps = s;
    }
    int64_t idx = p->n_steps++;
    plan_step *s = &p->steps[idx];
    memset(s, 0, sizeof *s);
    s->kind = MLODA_STEP_COMPUTE;
    s->group = n->group;
    s->domain = n->rows_change ? n->in_domain : n->domain;
    s->out_domain = n->rows_change ? n->domain : MLODA_NO_INDEX;
    s->result = MLODA_NO_INDEX;
    mloda_buf gk = {0};
    mloda_status st = mloda_options_canonical_buf(n->feature.options, MLODA_GROUP, &gk, err);
    s->group_key = mloda_buf_take(&gk);
    if (st == MLODA_OK && s->group_key == NULL)
        st = MLODA_NOMEM(err, "plan steps");
    for (int64_t i = 0; st == MLODA_OK && i < n_parents; i++) {
        st = push_i64(&s->parents, &s->n_parents, parents[i], err);
        if (st == MLODA_OK) {
            plan_step *par = &p->steps[parents[i]];
            st = push_i64(&par->children, &par->n_children, idx, err);
        }
    }
    *out = idx;
    return st;
}

/* A step that belongs to no feature group: FILTER (the surviving rows of one table, before
 * anything reads it) or JOIN (the row pairs of a link). */
static mloda_status new_engine_step(mloda_plan *p, mloda_step_kind kind, int64_t domain,
                                    int64_t *out, mloda_error *err)
{
    if ((p->n_steps & (p->n_steps - 1)) == 0) {
        size_t cap = p->n_steps == 0 ? 1 : (size_t)p->n_steps * 2;
        plan_step *s = mloda_realloc(p->steps, cap * sizeof *s);
        if (s == NULL)
            return MLODA_NOMEM(err, "plan steps");
        p->steps = s;
    }
    int64_t idx = p->n_steps++;
    plan_step *s = &p->steps[idx];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->group = MLODA_NO_INDEX;
    s->domain = domain;
    s->out_domain = MLODA_NO_INDEX;
    s->result = MLODA_NO_INDEX;
    s->group_key = mloda_strdup("{}");
    *out = idx;
    return s->group_key == NULL ? MLODA_NOMEM(err, "plan steps") : MLODA_OK;
}

/* The JOIN step of link l, after the filter steps of its two tables. */
static mloda_status new_join_step(mloda_plan *p, int64_t l, mloda_error *err)
{
    plan_link *k = &p->links[l];
    int64_t idx = MLODA_NO_INDEX;
    MLODA_TRY(new_engine_step(p, MLODA_STEP_JOIN, p->n_sources + l, &idx, err));
    k->step = idx;
    const int64_t sides[2] = {k->left, k->right};
    for (int i = 0; i < 2; i++) {
        int64_t f = p->sources[sides[i]].filter_step;
        if (f == MLODA_NO_INDEX)
            continue;
        MLODA_TRY(push_i64(&p->steps[idx].parents, &p->steps[idx].n_parents, f, err));
        MLODA_TRY(push_i64(&p->steps[f].children, &p->steps[f].n_children, idx, err));
    }
    return MLODA_OK;
}

static mloda_status build_steps(planner *pl, mloda_error *err)
{
    mloda_plan *p = pl->plan;
    mloda_strmap keys = {0};
    mloda_buf key = {0};
    int64_t *parents = NULL;
    mloda_status st = MLODA_OK;
    for (int64_t f = 0; st == MLODA_OK && f < p->n_filters; f++) {
        plan_source *src = &p->sources[p->filters[f].source];
        if (src->filter_step == MLODA_NO_INDEX)
            st = new_engine_step(p, MLODA_STEP_FILTER, p->filters[f].source, &src->filter_step,
                                 err);
    }
    int64_t *alias = mloda_malloc((size_t)(p->n_domains > 0 ? p->n_domains : 1) * sizeof *alias);
    if (alias == NULL)
        st = MLODA_NOMEM(err, "plan steps");
    for (int64_t d = 0; alias != NULL && d < p->n_domains; d++)
        alias[d] = d;
    for (int64_t k = 0; st == MLODA_OK && k < pl->n_order; k++) {
        plan_node *n = &p->nodes[pl->order[k]];
        if (n->domain != MLODA_NO_INDEX)
            n->domain = alias[n->domain];
        if (n->rows_change && n->in_domain != MLODA_NO_INDEX)
            n->in_domain = alias[n->in_domain];
        mloda_free(parents);
        parents = mloda_malloc((size_t)(n->n_inputs + 2) * sizeof *parents);
        if (parents == NULL) {
            st = MLODA_NOMEM(err, "plan steps");
            break;
        }
        int64_t in_dom = n->rows_change ? n->in_domain : n->domain;
        if (mloda_plan_is_link_domain(p, in_dom) &&
            p->links[in_dom - p->n_sources].step == MLODA_NO_INDEX)
            MLODA_TRY_GOTO(st, new_join_step(p, in_dom - p->n_sources, err), done);
        int64_t np = node_parents(p, n, parents);
        key.len = 0;
        MLODA_TRY_GOTO(st, step_key(p, n, parents, np, &key, err), done);
        int64_t s = MLODA_NO_INDEX;
        if (!mloda_strmap_get(&keys, key.data, &s)) {
            MLODA_TRY_GOTO(st, new_step(p, n, parents, np, &s, err), done);
            MLODA_TRY_GOTO(st, mloda_strmap_put(&keys, key.data, s, err), done);
        }
        if (n->rows_change) { /* one row domain per step: the first feature's */
            alias[n->domain] = p->steps[s].out_domain;
            n->domain = p->steps[s].out_domain;
        }
        n->step = s;
        n->slot = p->steps[s].n_features;
        MLODA_TRY_GOTO(st, push_i64(&p->steps[s].features, &p->steps[s].n_features,
                                    pl->order[k], err),
                       done);
    }
done:
    mloda_free(alias);
    mloda_free(parents);
    mloda_buf_reset(&key);
    mloda_strmap_reset(&keys);
    return st;
}

/* ---------------------------------------------------------------- results */

static mloda_status build_results(mloda_plan *p, mloda_error *err)
{
    int64_t n_res = 0;
    for (int64_t s = 0; s < p->n_steps; s++) {
        for (int64_t k = 0; k < p->steps[s].n_features; k++) {
            if (p->nodes[p->steps[s].features[k]].request_pos != MLODA_NO_INDEX) {
                p->steps[s].result = n_res++;
                break;
            }
        }
    }
    p->results = mloda_calloc((size_t)(n_res == 0 ? 1 : n_res), sizeof *p->results);
    if (p->results == NULL)
        return MLODA_NOMEM(err, "result tables");
    for (int64_t s = 0; s < p->n_steps; s++) {
        const plan_step *st = &p->steps[s];
        if (st->result == MLODA_NO_INDEX)
            continue;
        plan_result *r = &p->results[p->n_results++];
        r->step = s;
        r->nodes = mloda_calloc((size_t)st->n_features, sizeof *r->nodes);
        if (r->nodes == NULL)
            return MLODA_NOMEM(err, "result tables");
        for (int64_t k = 0; k < st->n_features; k++) {
            if (p->nodes[st->features[k]].request_pos != MLODA_NO_INDEX)
                r->nodes[r->n_columns++] = st->features[k];
        }
        /* request order (insertion sort: a step holds few features) */
        for (int64_t i = 1; i < r->n_columns; i++) {
            int64_t v = r->nodes[i], j = i;
            while (j > 0 && p->nodes[r->nodes[j - 1]].request_pos > p->nodes[v].request_pos) {
                r->nodes[j] = r->nodes[j - 1];
                j--;
            }
            r->nodes[j] = v;
        }
    }
    return MLODA_OK;
}

static mloda_status build_source_slots(mloda_plan *p, mloda_error *err)
{
    for (int64_t i = 0; i < p->n_nodes; i++) {
        if (p->nodes[i].source != MLODA_NO_INDEX)
            p->n_source_slots++;
    }
    p->source_slot_nodes = mloda_calloc((size_t)(p->n_source_slots + 1), sizeof(int64_t));
    if (p->source_slot_nodes == NULL)
        return MLODA_NOMEM(err, "source bindings");
    int64_t k = 0;
    for (int64_t i = 0; i < p->n_nodes; i++) {
        if (p->nodes[i].source != MLODA_NO_INDEX) {
            p->nodes[i].source_slot = k;
            p->source_slot_nodes[k++] = i;
            p->sources[p->nodes[i].source].n_columns_used++;
        }
    }
    return MLODA_OK;
}

/* ---------------------------------------------------------------- entry */

static void planner_reset(planner *pl)
{
    mloda_strmap_reset(&pl->memo);
    mloda_free(pl->order);
    mloda_free(pl->stack);
    mloda_free(pl->resolving);
}

static mloda_status plan_requested(planner *pl, mloda_error *err)
{
    const mloda_request *req = pl->request;
    for (int64_t i = 0; i < req->n; i++) {
        int64_t node = MLODA_NO_INDEX;
        MLODA_TRY(resolve(pl, req->items[i].name, req->items[i].options, &node, err));
        plan_node *n = &pl->plan->nodes[node];
        if (n->request_pos == MLODA_NO_INDEX)
            n->request_pos = i;
    }
    return MLODA_OK;
}

mloda_status mloda_plan_build(const mloda_registry *registry, const mloda_request *request,
                              const mloda_api_data *example, mloda_plan **out, mloda_error *err)
{
    if (out != NULL)
        *out = NULL;
    if (registry == NULL || request == NULL || out == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL,
                               "registry, request and output must not be NULL");
    MLODA_TRY(check_request(request, err));
    planner pl;
    memset(&pl, 0, sizeof pl);
    pl.request = request;
    pl.plan = mloda_calloc(1, sizeof *pl.plan);
    pl.stack = mloda_calloc(MAX_DEPTH + 1, sizeof *pl.stack);
    if (pl.plan == NULL || pl.stack == NULL) {
        mloda_free(pl.plan);
        mloda_free(pl.stack);
        return MLODA_NOMEM(err, "a plan");
    }
    mloda_plan *p = pl.plan;
    p->registry = mloda_registry_retain_internal(registry);
    /* the plan's own copy of the group structs: adding groups to the registry later (which
     * may move its array) cannot disturb running sessions */
    p->groups = mloda_calloc((size_t)(registry->n > 0 ? registry->n : 1), sizeof *p->groups);
    if (p->groups == NULL) {
        mloda_free(pl.stack);
        mloda_plan_free(p);
        return MLODA_NOMEM(err, "a plan");
    }
    for (int64_t g = 0; g < registry->n; g++)
        p->groups[g] = registry->entries[g].group;
    p->n_groups = registry->n;
    p->threads = request->threads;
    p->ordering = request->ordering;
    p->on_error = request->on_error;
    p->inline_rows = request->inline_rows;
    mloda_status st = MLODA_OK;
    MLODA_TRY_GOTO(st, add_sources(&pl, example, err), fail);
    MLODA_TRY_GOTO(st, mloda_filter_compile_all(p, request, err), fail);
    MLODA_TRY_GOTO(st, add_row_id_columns(&pl, err), fail);
    MLODA_TRY_GOTO(st, mloda_link_compile_all(p, request, err), fail);
    MLODA_TRY_GOTO(st, plan_requested(&pl, err), fail);
    MLODA_TRY_GOTO(st, build_steps(&pl, err), fail);
    MLODA_TRY_GOTO(st, build_results(p, err), fail);
    MLODA_TRY_GOTO(st, build_source_slots(p, err), fail);
    MLODA_TRY_GOTO(st, read_provider_sources(p, err), fail);
    planner_reset(&pl);
    *out = p;
    return MLODA_OK;
fail:
    planner_reset(&pl);
    mloda_plan_free(p);
    return st;
}

void mloda_plan_free(mloda_plan *p)
{
    if (p == NULL)
        return;
    for (int64_t i = 0; i < p->n_nodes; i++) {
        plan_node *n = &p->nodes[i];
        if (n->state_free != NULL)
            n->state_free(n->state);
        mloda_feature_reset(&n->feature);
        mloda_free(n->inputs);
        mloda_free(n->input_gather);
        mloda_free(n->source_column);
    }
    mloda_free(p->nodes);
    for (int64_t s = 0; s < p->n_steps; s++) {
        mloda_free(p->steps[s].group_key);
        mloda_free(p->steps[s].features);
        mloda_free(p->steps[s].parents);
        mloda_free(p->steps[s].children);
    }
    mloda_free(p->steps);
    for (int64_t r = 0; r < p->n_results; r++)
        mloda_free(p->results[r].nodes);
    mloda_free(p->results);
    for (int64_t i = 0; i < p->n_sources; i++) {
        mloda_free(p->sources[i].name);
        mloda_table_release(p->sources[i].schema);
        mloda_table_release(p->sources[i].data);
    }
    mloda_free(p->sources);
    mloda_free(p->source_slot_nodes);
    mloda_free((void *)p->source_names);
    mloda_free((void *)p->source_schemas);
    mloda_free(p->groups);
    mloda_filter_free_all(p);
    mloda_link_free_all(p);
    mloda_free(p->row_id_column);
    mloda_registry_release_internal(p->registry);
    mloda_free(p);
}

const mloda_feature_group *mloda_plan_step_group(const mloda_plan *plan, int64_t s)
{
    int64_t g = plan->steps[s].group;
    return g == MLODA_NO_INDEX ? NULL : &plan->groups[g];
}

bool mloda_plan_is_link_domain(const mloda_plan *plan, int64_t d)
{
    return d >= plan->n_sources && d < plan->n_sources + plan->n_links;
}

const char *mloda_plan_domain_name(const mloda_plan *plan, int64_t domain)
{
    if (domain == MLODA_NO_INDEX)
        return "";
    if (domain < plan->n_sources)
        return plan->sources[domain].name;
    if (mloda_plan_is_link_domain(plan, domain))
        return plan->links[domain - plan->n_sources].domain_name;
    return "(own rows)";
}

const char *mloda_plan_step_name(const mloda_plan *plan, int64_t s)
{
    const mloda_feature_group *g = mloda_plan_step_group(plan, s);
    return g != NULL ? g->name : plan->steps[s].kind == MLODA_STEP_FILTER ? "GlobalFilter" : "Join";
}
