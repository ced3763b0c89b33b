/*
 * request_links.c: the request's "links", "filters" and "row_id_column" -> the engine's
 * mloda_request_add_link / _add_filter / _set_row_id_column (SPEC.md §7). The JSON's shape
 * is checked here, with line and column; what the values mean (join and filter types,
 * tables, columns, parameters) is checked by the engine when the request is planned, so
 * the command and the C API give the same messages.
 */
#include "io/request_build.h"

#include <stdio.h>
#include <string.h>

#include "util/util.h"

static bool is_name(const io_jt *node)
{
    return node != NULL && node->kind == IO_JT_STRING && node->len > 0 &&
           strlen(node->text) == node->len;
}

/* A required non-empty string member. */
static mloda_status need_name(const char *source, const io_jt *obj, const char *key,
                              const char *what, const char **out, mloda_error *err)
{
    const io_jt *v = mloda_io_jt_get(obj, key);
    if (!is_name(v))
        return mloda_io_jt_error(source, v != NULL ? v : obj, MLODA_ERR_PARSE, key, err,
                           "%s: \"%s\" must be a non-empty string%s", what, key,
                           v == NULL ? " (it is missing)" : "");
    *out = v->text;
    return MLODA_OK;
}

/* "on": a column name or an array of them (borrowed from the tree into *out). */
static mloda_status key_columns(const char *source, const io_jt *on, const char *what,
                                const char ***out, int64_t *n, mloda_error *err)
{
    *out = NULL;
    *n = 0;
    if (on == NULL)
        return MLODA_OK;
    const int64_t count = on->kind == IO_JT_ARRAY ? on->n : 1;
    const char **names = mloda_calloc((size_t)(count > 0 ? count : 1), sizeof *names);
    if (names == NULL)
        return MLODA_NOMEM(err, "key columns");
    for (int64_t i = 0; i < count; i++) {
        const io_jt *item = on->kind == IO_JT_ARRAY ? on->items[i] : on;
        if (!is_name(item)) {
            mloda_free((void *)names);
            return mloda_io_jt_error(source, item, MLODA_ERR_PARSE, "on", err,
                               "%s: \"on\" must be a column name or an array of column names, "
                               "found %s",
                               what, mloda_io_jt_kind_text(item->kind));
        }
        names[i] = item->text;
    }
    *out = names;
    *n = count;
    return MLODA_OK;
}

static const char *const side_keys[] = {"table", "on"};

static mloda_status link_side(const char *source, const io_jt *link, const char *key,
                              const char *what, const char **table, const char ***on,
                              int64_t *n_on, mloda_error *err)
{
    char where[64];
    (void)snprintf(where, sizeof where, "%s, \"%s\"", what, key);
    const io_jt *side = mloda_io_jt_get(link, key);
    if (side == NULL || side->kind != IO_JT_OBJECT)
        return mloda_io_jt_error(source, side != NULL ? side : link, MLODA_ERR_PARSE, key, err,
                           "%s: \"%s\" must be an object {\"table\": \"Name\", \"on\": "
                           "[\"column\", ...]}%s",
                           what, key, side == NULL ? " (it is missing)" : "");
    MLODA_TRY(mloda_io_jt_check_keys(source, side, where, side_keys, 2, err));
    MLODA_TRY(need_name(source, side, "table", where, table, err));
    return key_columns(source, mloda_io_jt_get(side, "on"), where, on, n_on, err);
}

static const char *const link_keys[] = {"type", "left", "right", "params"};

static mloda_status add_link(const char *source, const io_jt *link, int64_t index,
                             mloda_request *req, mloda_error *err)
{
    char what[32];
    (void)snprintf(what, sizeof what, "link %lld", (long long)index);
    if (link->kind != IO_JT_OBJECT)
        return mloda_io_jt_error(source, link, MLODA_ERR_PARSE, "links", err,
                           "%s: a link is an object {\"type\": ..., \"left\": {...}, "
                           "\"right\": {...}}, found %s",
                           what, mloda_io_jt_kind_text(link->kind));
    MLODA_TRY(mloda_io_jt_check_keys(source, link, what, link_keys, 4, err));
    const char *type = NULL, *left = NULL, *right = NULL;
    const char **lon = NULL, **ron = NULL;
    int64_t n_left = 0, n_right = 0;
    mloda_options *params = NULL;
    mloda_status st = need_name(source, link, "type", what, &type, err);
    if (st == MLODA_OK)
        st = link_side(source, link, "left", what, &left, &lon, &n_left, err);
    if (st == MLODA_OK)
        st = link_side(source, link, "right", what, &right, &ron, &n_right, err);
    if (st == MLODA_OK && n_left != n_right)
        st = mloda_io_jt_error(source, link, MLODA_ERR_PARSE, "on", err,
                         "%s: \"left\" has %lld key columns and \"right\" %lld; keys are "
                         "matched in pairs",
                         what, (long long)n_left, (long long)n_right);
    const io_jt *ptree = mloda_io_jt_get(link, "params");
    if (st == MLODA_OK && ptree != NULL)
        st = mloda_io_build_params(source, what, "params", ptree, &params, err);
    if (st == MLODA_OK)
        st = mloda_request_add_link(req, type, left, right, n_left, lon, ron, params, err);
    mloda_options_free(params);
    mloda_free((void *)lon);
    mloda_free((void *)ron);
    return st;
}

mloda_status mloda_io_build_links(const char *source, const io_jt *links, mloda_request *req,
                            mloda_error *err)
{
    if (links->kind != IO_JT_ARRAY)
        return mloda_io_jt_error(source, links, MLODA_ERR_PARSE, "links", err,
                           "\"links\" must be an array of link objects, found %s",
                           mloda_io_jt_kind_text(links->kind));
    for (int64_t i = 0; i < links->n; i++)
        MLODA_TRY(add_link(source, links->items[i], i, req, err));
    return MLODA_OK;
}

static const char *const filter_keys[] = {"column", "type", "params"};

static mloda_status add_filter(const char *source, const io_jt *f, int64_t index,
                               mloda_request *req, mloda_error *err)
{
    char what[32];
    (void)snprintf(what, sizeof what, "filter %lld", (long long)index);
    if (f->kind != IO_JT_OBJECT)
        return mloda_io_jt_error(source, f, MLODA_ERR_PARSE, "filters", err,
                           "%s: a filter is an object {\"column\": ..., \"type\": ..., "
                           "\"params\": {...}}, found %s",
                           what, mloda_io_jt_kind_text(f->kind));
    MLODA_TRY(mloda_io_jt_check_keys(source, f, what, filter_keys, 3, err));
    const char *column = NULL, *type = NULL;
    MLODA_TRY(need_name(source, f, "column", what, &column, err));
    MLODA_TRY(need_name(source, f, "type", what, &type, err));
    mloda_options *params = NULL;
    const io_jt *ptree = mloda_io_jt_get(f, "params");
    char owner[200];
    (void)snprintf(owner, sizeof owner, "%s (%s on '%.100s')", what, type, column);
    if (ptree != NULL)
        MLODA_TRY(mloda_io_build_params(source, owner, column, ptree, &params, err));
    const mloda_status st = mloda_request_add_filter(req, type, column, params, err);
    mloda_options_free(params);
    return st;
}

mloda_status mloda_io_build_filters(const char *source, const io_jt *filters, mloda_request *req,
                              mloda_error *err)
{
    if (filters->kind != IO_JT_ARRAY)
        return mloda_io_jt_error(source, filters, MLODA_ERR_PARSE, "filters", err,
                           "\"filters\" must be an array of filter objects, found %s",
                           mloda_io_jt_kind_text(filters->kind));
    for (int64_t i = 0; i < filters->n; i++)
        MLODA_TRY(add_filter(source, filters->items[i], i, req, err));
    return MLODA_OK;
}

mloda_status mloda_io_build_row_id(const char *source, const io_jt *node, mloda_request *req,
                             mloda_error *err)
{
    if (!is_name(node))
        return mloda_io_jt_error(source, node, MLODA_ERR_PARSE, "row_id_column", err,
                           "\"row_id_column\" must be a non-empty column name, found %s",
                           mloda_io_jt_kind_text(node->kind));
    return mloda_request_set_row_id_column(req, node->text, err);
}
