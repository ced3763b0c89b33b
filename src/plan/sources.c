/*
 * sources.c: the data sources of a plan (SPEC.md §8): the api_data example's tables and
 * the request's providers (their schemas are asked once), the row-id column of filtered
 * tables, the columns runs bind from each batch, and the providers' rows, read once at
 * prepare with only the columns the plan needs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/planner.h"
#include "table/table_layer.h"

/* Source i: a table of the api_data example, or (after those) a provider's schema. */
static mloda_status add_one_source(planner *pl, const char *name, mloda_table *schema,
                                   const mloda_source_provider *provider, mloda_error *err)
{
    mloda_plan *p = pl->plan;
    mloda_status st = mloda_plan_find_source(p, name) != MLODA_NO_INDEX
                          ? mloda_error_set(err, MLODA_ERR_DUPLICATE, name,
                                            "two data sources are named '%s'", name)
                          : mloda_strmap_put(&p->source_index, name, p->n_sources, err);
    if (st != MLODA_OK) {
        mloda_table_release(schema);
        return st;
    }
    plan_source *s = &p->sources[p->n_sources];
    s->schema = schema;
    s->filter_step = MLODA_NO_INDEX;
    s->is_provider = provider != NULL;
    pl->providers[p->n_sources] = provider;
    p->n_sources++;
    s->name = mloda_strdup(name);
    if (s->name == NULL)
        return MLODA_NOMEM(err, "a table name");
    pl->plan->source_names[p->n_sources - 1] = s->name;
    pl->plan->source_schemas[p->n_sources - 1] = s->schema;
    return MLODA_OK;
}

mloda_status mloda_planner_add_sources(planner *pl, const mloda_api_data *example,
                                       mloda_error *err)
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
    pl->providers = mloda_calloc((size_t)n, sizeof *pl->providers);
    if (p->sources == NULL || pl->plan->source_names == NULL ||
        pl->plan->source_schemas == NULL || pl->providers == NULL)
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
            mloda_error_default_subject(err, prov->name);
            return st;
        }
        MLODA_TRY(add_one_source(pl, prov->name, schema, prov, err));
        pl->plan->source_set.n = p->n_sources;
    }
    return MLODA_OK;
}

/* The columns of source s that the plan reads (features, filters, links), deduplicated:
 * the binds of that source, but the synthesised row-id column. */
static mloda_status needed_columns(const mloda_plan *p, int64_t s, const char ***out, int64_t *n,
                                   mloda_error *err)
{
    const char **names = mloda_calloc((size_t)(p->n_binds + 1), sizeof *names);
    if (names == NULL)
        return MLODA_NOMEM(err, "a column list");
    *n = 0;
    mloda_strmap seen = {0}; /* hashed: a source may have 10^5 columns */
    mloda_status st = MLODA_OK;
    for (int64_t k = 0; k < p->n_binds && st == MLODA_OK; k++) {
        const char *c = p->binds[k].source == s ? p->binds[k].column : NULL;
        int64_t at = 0;
        if (c == NULL || (p->row_id_column != NULL && strcmp(c, p->row_id_column) == 0) ||
            mloda_strmap_get(&seen, c, &at))
            continue;
        st = mloda_strmap_put(&seen, c, *n, err);
        names[(*n)++] = c;
    }
    mloda_strmap_reset(&seen);
    if (st != MLODA_OK) {
        mloda_free((void *)names);
        return st;
    }
    *out = names;
    return MLODA_OK;
}

mloda_status mloda_planner_read_sources(planner *pl, mloda_error *err)
{
    mloda_plan *p = pl->plan;
    for (int64_t s = 0; s < p->n_sources; s++) {
        const mloda_source_provider *prov = pl->providers[s];
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
            mloda_error_default_subject(err, prov->name);
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

int64_t mloda_plan_find_source(const mloda_plan *plan, const char *name)
{
    int64_t s = MLODA_NO_INDEX;
    return mloda_strmap_get(&plan->source_index, name, &s) ? s : MLODA_NO_INDEX;
}

mloda_status mloda_planner_index_columns(planner *pl, mloda_error *err)
{
    mloda_plan *p = pl->plan;
    for (int64_t s = 0; s < p->n_sources; s++) {
        const mloda_table *t = p->sources[s].schema;
        for (int64_t c = 0; c < mloda_table_n_columns(t); c++) {
            const char *name = mloda_table_column_name(t, c);
            int64_t prev = -1;
            if (!mloda_strmap_get(&p->column_first, name, &prev))
                MLODA_TRY(mloda_strmap_put(&p->column_first, name, s, err));
            else if (!mloda_strmap_get(&p->column_second, name, &prev))
                MLODA_TRY(mloda_strmap_put(&p->column_second, name, s, err));
        }
    }
    p->source_set.first = &p->column_first;
    p->source_set.second = &p->column_second;
    return MLODA_OK;
}

/* The request's row-id column becomes a column of every filtered table's schema, so that
 * the api-data group resolves it like any column; runs synthesise its values. */
mloda_status mloda_planner_add_row_ids(planner *pl, mloda_error *err)
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

/* One bind: a column of source `source` that runs look up by name (hint: its position in
 * the prepared schema) and check against the prepared type. */
static plan_bind bind_of(const mloda_plan *p, int64_t source, const char *column, mloda_type type,
                         int32_t list_size, mloda_time_unit unit, const char *role)
{
    const mloda_table *schema = p->sources[source].schema;
    const int64_t c = mloda_table_column_index(schema, column);
    const bool from_null = mloda_column_type(mloda_table_column(schema, c)) == MLODA_TYPE_NULL;
    return (plan_bind){source, column, c, type, list_size, unit, from_null, role};
}

mloda_status mloda_planner_build_binds(mloda_plan *p, mloda_error *err)
{
    for (int64_t i = 0; i < p->n_nodes; i++) {
        if (p->nodes[i].source != MLODA_NO_INDEX)
            p->n_source_slots++;
    }
    p->n_binds = p->n_source_slots + p->n_filters + p->n_link_cols;
    p->binds = mloda_calloc((size_t)(p->n_binds + 1), sizeof *p->binds);
    if (p->binds == NULL)
        return MLODA_NOMEM(err, "source bindings");
    int64_t k = 0;
    for (int64_t i = 0; i < p->n_nodes; i++) {
        plan_node *n = &p->nodes[i];
        if (n->source == MLODA_NO_INDEX)
            continue;
        n->source_slot = k;
        p->binds[k++] = bind_of(p, n->source, n->source_column, n->out_type, n->out_list_size,
                                n->out_unit, "");
        p->sources[n->source].n_columns_used++;
    }
    for (int64_t f = 0; f < p->n_filters; f++) {
        const plan_filter *flt = &p->filters[f];
        p->binds[k++] = bind_of(p, flt->source, flt->column, flt->col_type, 0, flt->unit,
                                " (filtered on)");
    }
    for (int64_t c = 0; c < p->n_link_cols; c++) {
        const plan_link_col *lc = &p->link_cols[c];
        p->binds[k++] = bind_of(p, lc->source, lc->column, lc->type, 0, lc->unit,
                                " (a link key)");
    }
    return MLODA_OK;
}
