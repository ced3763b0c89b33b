/* request.c: the list of requested features with their options, and run settings. */
#include <string.h>

#include "plan/plan.h"
#include "util/abi.h"
#include "util/util.h"

#define DEFAULT_INLINE_ROWS 16384
/* The end of the last required field of a source provider: read. */
#define SOURCE_REQUIRED_SIZE \
    (offsetof(mloda_source_provider, read) + sizeof(((mloda_source_provider *)0)->read))

mloda_request *mloda_request_new(void)
{
    mloda_request *r = mloda_calloc(1, sizeof *r);
    if (r != NULL)
        r->inline_rows = DEFAULT_INLINE_ROWS;
    return r;
}

static void link_reset(mloda_request_link *l)
{
    for (int64_t k = 0; k < l->n_keys; k++) {
        mloda_free(l->left_on != NULL ? l->left_on[k] : NULL);
        mloda_free(l->right_on != NULL ? l->right_on[k] : NULL);
    }
    mloda_free(l->left_on);
    mloda_free(l->right_on);
    mloda_free(l->type);
    mloda_free(l->left);
    mloda_free(l->right);
    mloda_options_free(l->params);
}

void mloda_request_free(mloda_request *req)
{
    if (req == NULL)
        return;
    for (int64_t i = 0; i < req->n; i++) {
        mloda_free(req->items[i].name);
        mloda_options_free(req->items[i].options);
    }
    mloda_free(req->items);
    for (int64_t i = 0; i < req->n_filters; i++) {
        mloda_free(req->filters[i].column);
        mloda_free(req->filters[i].type);
        mloda_options_free(req->filters[i].params);
    }
    mloda_free(req->filters);
    mloda_free(req->row_id_column);
    for (int64_t i = 0; i < req->n_links; i++)
        link_reset(&req->links[i]);
    mloda_free(req->links);
    for (int64_t i = 0; i < req->n_sources; i++) {
        if (req->sources[i].user_data_free != NULL)
            req->sources[i].user_data_free(req->sources[i].user_data);
        mloda_free((void *)(uintptr_t)req->sources[i].name);
    }
    mloda_free(req->sources);
    mloda_free(req);
}

mloda_status mloda_request_add(mloda_request *req, const char *feature, const mloda_options *opts,
                               mloda_error *err)
{
    mloda_error_enter(err);
    if (req == NULL || feature == NULL || feature[0] == '\0')
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, feature,
                               "feature name is NULL or empty");
    if (req->n == req->cap) {
        int64_t cap = req->cap == 0 ? 8 : req->cap * 2;
        mloda_request_item *items = mloda_realloc(req->items, (size_t)cap * sizeof *items);
        if (items == NULL)
            return MLODA_NOMEM(err, "the request");
        req->items = items;
        req->cap = cap;
    }
    mloda_request_item item = {mloda_strdup(feature), NULL};
    if (item.name == NULL)
        return MLODA_NOMEM(err, "a feature name");
    if (opts != NULL) {
        mloda_status st = mloda_options_copy(opts, &item.options, err);
        if (st != MLODA_OK) {
            mloda_free(item.name);
            return st;
        }
    }
    req->items[req->n++] = item;
    return MLODA_OK;
}

int64_t mloda_request_n_features(const mloda_request *req)
{
    return req == NULL ? 0 : req->n;
}

mloda_status mloda_request_set_threads(mloda_request *req, int64_t n, mloda_error *err)
{
    mloda_error_enter(err);
    if (req == NULL || n < 0 || n > MLODA_MAX_THREADS)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, "threads",
                               "thread count %lld is outside 0..%d (0 = as many as the pool "
                               "has)",
                               (long long)n, MLODA_MAX_THREADS);
    req->threads = n;
    return MLODA_OK;
}

mloda_status mloda_request_set_pool(mloda_request *req, mloda_pool *pool, mloda_error *err)
{
    mloda_error_enter(err);
    if (req == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, "pool", "NULL request");
    req->pool = pool; /* borrowed: sessions take their own reference at prepare */
    return MLODA_OK;
}

mloda_status mloda_request_set_column_ordering(mloda_request *req, mloda_column_ordering ordering,
                                               mloda_error *err)
{
    mloda_error_enter(err);
    if (req == NULL || (ordering != MLODA_ORDER_REQUEST && ordering != MLODA_ORDER_ALPHABETICAL))
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, "column_ordering",
                               "unknown column ordering %d", (int)ordering);
    req->ordering = ordering;
    return MLODA_OK;
}

mloda_status mloda_request_set_on_error(mloda_request *req, mloda_on_error mode, mloda_error *err)
{
    mloda_error_enter(err);
    if (req == NULL || (mode != MLODA_ON_ERROR_STOP && mode != MLODA_ON_ERROR_CONTINUE))
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, "on_error", "unknown on_error mode %d",
                               (int)mode);
    req->on_error = mode;
    return MLODA_OK;
}

mloda_status mloda_request_set_inline_rows(mloda_request *req, int64_t rows, mloda_error *err)
{
    mloda_error_enter(err);
    if (req == NULL || rows < 0)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, "inline_rows",
                               "inline row threshold %lld is negative", (long long)rows);
    req->inline_rows = rows;
    return MLODA_OK;
}

/* ---------------------------------------------------------------- limits */

static const struct {
    int64_t def;
    const char *name, *flag, *enum_name;
} LIMITS[MLODA_N_LIMITS] = {
    [MLODA_LIMIT_OUTPUT_CELLS] = {100000000, "output cells", "--max-output-cells",
                                  "MLODA_LIMIT_OUTPUT_CELLS"},
    [MLODA_LIMIT_CATEGORIES] = {10000, "one-hot categories", "--max-categories",
                                "MLODA_LIMIT_CATEGORIES"},
    [MLODA_LIMIT_HORIZON] = {10000000, "horizon rows", "--max-horizon",
                             "MLODA_LIMIT_HORIZON"},
};

static bool limit_known(mloda_limit l)
{
    return (int)l >= 0 && (int)l < MLODA_N_LIMITS;
}

int64_t mloda_limit_default(mloda_limit l)
{
    return limit_known(l) ? LIMITS[l].def : -1;
}

const char *mloda_limit_name(mloda_limit l)
{
    return limit_known(l) ? LIMITS[l].name : "unknown limit";
}

const char *mloda_limit_flag(mloda_limit l)
{
    return limit_known(l) ? LIMITS[l].flag : "";
}

const char *mloda_limit_enum_name(mloda_limit l)
{
    return limit_known(l) ? LIMITS[l].enum_name : "";
}

mloda_status mloda_limit_exceeded(mloda_limit l, int64_t limit_value, int64_t value,
                                  const char *subject, const char *what, mloda_error *err)
{
    return mloda_error_set(err, MLODA_ERR_RANGE, subject,
                           "%s: %lld %s exceed the limit of %lld (raise it with "
                           "mloda_request_set_limit(%s) or %s)",
                           what, (long long)value, mloda_limit_name(l), (long long)limit_value,
                           mloda_limit_enum_name(l), mloda_limit_flag(l));
}

mloda_status mloda_request_set_limit(mloda_request *req, mloda_limit limit, int64_t value,
                                     mloda_error *err)
{
    mloda_error_enter(err);
    if (req == NULL || !limit_known(limit))
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, "limit",
                               "unknown limit %d (MLODA_LIMIT_OUTPUT_CELLS, "
                               "MLODA_LIMIT_CATEGORIES or MLODA_LIMIT_HORIZON)",
                               (int)limit);
    if (value < 0)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, LIMITS[limit].enum_name,
                               "limit on %s is %lld; it must be positive (0 = the default, "
                               "%lld)",
                               LIMITS[limit].name, (long long)value,
                               (long long)LIMITS[limit].def);
    req->limits[limit] = value;
    return MLODA_OK;
}

mloda_status mloda_request_set_batch_timeout(mloda_request *req, int64_t milliseconds,
                                             mloda_error *err)
{
    mloda_error_enter(err);
    if (req == NULL || milliseconds < 0)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, "batch_timeout",
                               "batch timeout %lld ms is negative (0 = none)",
                               (long long)milliseconds);
    req->batch_timeout_ms = milliseconds;
    return MLODA_OK;
}

mloda_status mloda_request_add_filter(mloda_request *req, const char *type, const char *column,
                                      const mloda_options *params, mloda_error *err)
{
    mloda_error_enter(err);
    if (req == NULL || column == NULL || column[0] == '\0' || type == NULL || type[0] == '\0')
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, column,
                               "a filter needs a column name and a type");
    if (req->n_filters == req->filters_cap) {
        int64_t cap = req->filters_cap == 0 ? 4 : req->filters_cap * 2;
        mloda_request_filter *f = mloda_realloc(req->filters, (size_t)cap * sizeof *f);
        if (f == NULL)
            return MLODA_NOMEM(err, "filters");
        req->filters = f;
        req->filters_cap = cap;
    }
    mloda_request_filter f = {mloda_strdup(column), mloda_strdup(type), NULL};
    mloda_status st = (f.column == NULL || f.type == NULL) ? MLODA_NOMEM(err, "a filter")
                                                           : mloda_options_copy(params, &f.params, err);
    if (st != MLODA_OK) {
        mloda_free(f.column);
        mloda_free(f.type);
        return st;
    }
    req->filters[req->n_filters++] = f;
    return MLODA_OK;
}

mloda_status mloda_request_set_row_id_column(mloda_request *req, const char *name,
                                             mloda_error *err)
{
    mloda_error_enter(err);
    if (req == NULL || name == NULL || name[0] == '\0')
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, name, "row-id column name is empty");
    char *copy = mloda_strdup(name);
    if (copy == NULL)
        return MLODA_NOMEM(err, "a column name");
    mloda_free(req->row_id_column);
    req->row_id_column = copy;
    return MLODA_OK;
}

static mloda_status copy_link(mloda_request_link *l, const char *type, const char *left,
                              const char *right, int64_t n_keys, const char *const *left_on,
                              const char *const *right_on, const mloda_options *params,
                              mloda_error *err)
{
    l->type = mloda_strdup(type);
    l->left = mloda_strdup(left);
    l->right = mloda_strdup(right);
    l->left_on = mloda_calloc((size_t)(n_keys > 0 ? n_keys : 1), sizeof(char *));
    l->right_on = mloda_calloc((size_t)(n_keys > 0 ? n_keys : 1), sizeof(char *));
    if (l->type == NULL || l->left == NULL || l->right == NULL || l->left_on == NULL ||
        l->right_on == NULL)
        return MLODA_NOMEM(err, "a link");
    l->n_keys = n_keys;
    for (int64_t k = 0; k < n_keys; k++) {
        if (left_on[k] == NULL || right_on[k] == NULL || !left_on[k][0] || !right_on[k][0])
            return mloda_error_set(err, MLODA_ERR_INVALID_ARG, type,
                                   "link key %lld is empty", (long long)k);
        l->left_on[k] = mloda_strdup(left_on[k]);
        l->right_on[k] = mloda_strdup(right_on[k]);
        if (l->left_on[k] == NULL || l->right_on[k] == NULL)
            return MLODA_NOMEM(err, "a link");
    }
    return mloda_options_copy(params, &l->params, err);
}

mloda_status mloda_request_add_link(mloda_request *req, const char *type, const char *left_table,
                                    const char *right_table, int64_t n_keys,
                                    const char *const *left_on, const char *const *right_on,
                                    const mloda_options *params, mloda_error *err)
{
    mloda_error_enter(err);
    if (req == NULL || type == NULL || left_table == NULL || right_table == NULL ||
        n_keys < 0 || (n_keys > 0 && (left_on == NULL || right_on == NULL)))
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, type,
                               "a link needs a type, two tables and matching key lists");
    if (req->n_links == req->links_cap) {
        int64_t cap = req->links_cap == 0 ? 2 : req->links_cap * 2;
        mloda_request_link *l = mloda_realloc(req->links, (size_t)cap * sizeof *l);
        if (l == NULL)
            return MLODA_NOMEM(err, "links");
        req->links = l;
        req->links_cap = cap;
    }
    mloda_request_link *l = &req->links[req->n_links];
    memset(l, 0, sizeof *l);
    mloda_status st = copy_link(l, type, left_table, right_table, n_keys, left_on, right_on,
                                params, err);
    if (st != MLODA_OK) {
        link_reset(l);
        return st;
    }
    req->n_links++;
    return MLODA_OK;
}

mloda_status mloda_request_add_source(mloda_request *req, const mloda_source_provider *source,
                                      mloda_error *err)
{
    mloda_error_enter(err);
    if (req == NULL || source == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL, "NULL request or source");
    mloda_source_provider p;
    MLODA_TRY(mloda_abi_copy(&p, sizeof p, source, MLODA_SOURCE_PROVIDER_ABI,
                             SOURCE_REQUIRED_SIZE, MLODA_ERR_PLUGIN, "data source", err));
    if (p.name == NULL || p.name[0] == '\0' || p.schema == NULL || p.read == NULL)
        return mloda_error_set(err, MLODA_ERR_PLUGIN, p.name,
                               "data source needs a name, schema and read");
    for (int64_t i = 0; i < req->n_sources; i++) {
        if (strcmp(req->sources[i].name, p.name) == 0)
            return mloda_error_set(err, MLODA_ERR_DUPLICATE, p.name,
                                   "a data source named '%s' was already added", p.name);
    }
    if (req->n_sources == req->sources_cap) {
        int64_t cap = req->sources_cap == 0 ? 2 : req->sources_cap * 2;
        mloda_source_provider *s = mloda_realloc(req->sources, (size_t)cap * sizeof *s);
        if (s == NULL)
            return MLODA_NOMEM(err, "data sources");
        req->sources = s;
        req->sources_cap = cap;
    }
    p.name = mloda_strdup(p.name);
    if (p.name == NULL)
        return MLODA_NOMEM(err, "a source name");
    req->sources[req->n_sources++] = p;
    return MLODA_OK;
}
