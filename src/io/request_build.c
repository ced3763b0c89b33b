/*
 * request_build.c: the request's "features", "column_ordering" and "schema" trees ->
 * mloda_request settings and io_schema entries. Every complaint names the JSON position,
 * the feature or key concerned and what would have been valid.
 */
#include "io/request_build.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/util.h"

mloda_status mloda_io_jt_error(const char *source, const io_jt *node, mloda_status code,
                         const char *subject, mloda_error *err, const char *fmt, ...)
{
    char msg[MLODA_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return mloda_error_set(err, code, subject, "%s: line %lld, column %lld: %s", source,
                           (long long)node->line, (long long)node->column, msg);
}

static const char *const feature_keys[] = {"name", "options"};

static mloda_status check_feature_keys(const char *source, const io_jt *obj, int64_t index,
                                       mloda_error *err)
{
    for (int64_t i = 0; i < obj->n; i++) {
        const char *key = obj->items[i]->key;
        if (strcmp(key, "name") == 0 || strcmp(key, "options") == 0)
            continue;
        const char *near = mloda_io_closest(key, feature_keys, 2);
        return mloda_io_jt_error(source, obj->items[i], MLODA_ERR_PARSE, key, err,
                           "feature %lld: unknown key '%s'%s%s%s; a feature object has "
                           "\"name\" and \"options\"",
                           (long long)index, key, near ? " (did you mean '" : "",
                           near ? near : "", near ? "'?)" : "");
    }
    return MLODA_OK;
}

static mloda_status add_feature_object(const char *source, const io_jt *obj, int64_t index,
                                       mloda_request *req, mloda_error *err)
{
    MLODA_TRY(check_feature_keys(source, obj, index, err));
    const io_jt *name = mloda_io_jt_get(obj, "name");
    if (name == NULL || name->kind != IO_JT_STRING || name->len == 0 ||
        strlen(name->text) != name->len)
        return mloda_io_jt_error(source, name != NULL ? name : obj, MLODA_ERR_PARSE, NULL, err,
                           "feature %lld: \"name\" must be a non-empty string%s",
                           (long long)index, name == NULL ? " (it is missing)" : "");
    const io_jt *opts_tree = mloda_io_jt_get(obj, "options");
    mloda_options *opts = NULL;
    if (opts_tree != NULL)
        MLODA_TRY(mloda_io_build_options(source, name->text, opts_tree, &opts, err));
    const mloda_status st = mloda_request_add(req, name->text, opts, err);
    mloda_options_free(opts);
    return st;
}

mloda_status mloda_io_build_features(const char *source, const io_jt *features, mloda_request *req,
                               mloda_error *err)
{
    if (features->kind != IO_JT_ARRAY)
        return mloda_io_jt_error(source, features, MLODA_ERR_PARSE, "features", err,
                           "\"features\" must be an array of feature names or {\"name\": ..., "
                           "\"options\": {...}} objects, found %s",
                           mloda_io_jt_kind_text(features->kind));
    if (features->n == 0)
        return mloda_io_jt_error(source, features, MLODA_ERR_PARSE, "features", err,
                           "\"features\" is empty: request at least one feature");
    for (int64_t i = 0; i < features->n; i++) {
        const io_jt *f = features->items[i];
        if (f->kind == IO_JT_STRING && f->len > 0 && strlen(f->text) == f->len)
            MLODA_TRY(mloda_request_add(req, f->text, NULL, err));
        else if (f->kind == IO_JT_OBJECT)
            MLODA_TRY(add_feature_object(source, f, i, req, err));
        else
            return mloda_io_jt_error(source, f, MLODA_ERR_PARSE, NULL, err,
                               "feature %lld: expected a non-empty feature name or a "
                               "{\"name\": ..., \"options\": {...}} object, found %s",
                               (long long)i,
                               f->kind == IO_JT_STRING ? "an empty or NUL-containing string"
                                                       : mloda_io_jt_kind_text(f->kind));
    }
    return MLODA_OK;
}

mloda_status mloda_io_build_ordering(const char *source, const io_jt *ordering, mloda_request *req,
                               mloda_error *err)
{
    if (ordering->kind == IO_JT_STRING && strcmp(ordering->text, "request_order") == 0)
        return mloda_request_set_column_ordering(req, MLODA_ORDER_REQUEST, err);
    if (ordering->kind == IO_JT_STRING && strcmp(ordering->text, "alphabetical") == 0)
        return mloda_request_set_column_ordering(req, MLODA_ORDER_ALPHABETICAL, err);
    return mloda_io_jt_error(source, ordering, MLODA_ERR_PARSE, "column_ordering", err,
                       "\"column_ordering\" must be \"request_order\" or \"alphabetical\", "
                       "found %s%s%s%s",
                       mloda_io_jt_kind_text(ordering->kind),
                       ordering->kind == IO_JT_STRING ? " \"" : "",
                       ordering->kind == IO_JT_STRING ? ordering->text : "",
                       ordering->kind == IO_JT_STRING ? "\"" : "");
}

static mloda_status schema_table(const char *source, const io_jt *table, io_schema *schema,
                                 mloda_error *err)
{
    if (table->kind != IO_JT_OBJECT)
        return mloda_io_jt_error(source, table, MLODA_ERR_PARSE, table->key, err,
                           "schema of table '%s' must be an object {\"column\": \"type\"}, "
                           "found %s",
                           table->key, mloda_io_jt_kind_text(table->kind));
    for (int64_t i = 0; i < table->n; i++) {
        const io_jt *col = table->items[i];
        io_coltype type;
        if (col->kind != IO_JT_STRING || !mloda_io_coltype_parse(col->text, &type))
            return mloda_io_jt_error(source, col, MLODA_ERR_PARSE, col->key, err,
                               "schema of table '%s', column '%s': expected a type name "
                               "(int64, float64, bool, utf8, timestamp, float64_list, "
                               "float64_list[N]), found %s%s%s%s",
                               table->key, col->key, mloda_io_jt_kind_text(col->kind),
                               col->kind == IO_JT_STRING ? " \"" : "",
                               col->kind == IO_JT_STRING ? col->text : "",
                               col->kind == IO_JT_STRING ? "\"" : "");
        MLODA_TRY(mloda_io_schema_set(schema, table->key, col->key, &type, err));
    }
    return MLODA_OK;
}

mloda_status mloda_io_build_schema(const char *source, const io_jt *tree, io_schema *schema,
                             mloda_error *err)
{
    if (tree->kind != IO_JT_OBJECT)
        return mloda_io_jt_error(source, tree, MLODA_ERR_PARSE, "schema", err,
                           "\"schema\" must be an object {\"Table\": {\"column\": \"type\"}}, "
                           "found %s",
                           mloda_io_jt_kind_text(tree->kind));
    for (int64_t i = 0; i < tree->n; i++)
        MLODA_TRY(schema_table(source, tree->items[i], schema, err));
    return MLODA_OK;
}
