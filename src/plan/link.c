/*
 * link.c: compiles links at prepare (see link.h). Tables are named directly (mloda needs
 * discriminators to tell two api_data tables apart, SPEC.md §7.1); every table, column,
 * type and parameter is checked here.
 */
#include "plan/link.h"

#include <string.h>

#include "util/util.h"

static const struct {
    const char *name;
    link_kind kind;
} KINDS[] = {
    {"inner", LINK_INNER}, {"left", LINK_LEFT},   {"right", LINK_RIGHT}, {"outer", LINK_OUTER},
    {"append", LINK_APPEND}, {"union", LINK_UNION}, {"asof", LINK_ASOF},
};

static int64_t find_source(const mloda_plan *plan, const char *name)
{
    return mloda_plan_find_source(plan, name);
}

int64_t mloda_link_between(const mloda_plan *plan, int64_t a, int64_t b)
{
    for (int64_t l = 0; l < plan->n_links; l++) {
        const plan_link *k = &plan->links[l];
        if ((k->left == a && k->right == b) || (k->left == b && k->right == a))
            return l;
    }
    return MLODA_NO_INDEX;
}

/* Appends a bound column of source s to plan->link_cols. */
static mloda_status add_col(mloda_plan *plan, int64_t s, const char *column, const char *type,
                            mloda_error *err)
{
    const mloda_table *t = plan->sources[s].schema;
    int64_t c = mloda_table_column_index(t, column);
    if (c < 0)
        return mloda_error_set(err, MLODA_ERR_SCHEMA, column,
                               "%s link: table '%s' has no column '%s'", type,
                               plan->sources[s].name, column);
    plan_link_col *lc = &plan->link_cols[plan->n_link_cols];
    memset(lc, 0, sizeof *lc);
    lc->column = mloda_strdup(column);
    if (lc->column == NULL)
        return MLODA_NOMEM(err, "a link");
    plan->n_link_cols++;
    const mloda_column *col = mloda_table_column(t, c);
    lc->source = s;
    plan->sources[s].n_link_cols++;
    lc->type = mloda_column_type(col);
    lc->unit = mloda_column_time_unit(col);
    if (lc->type == MLODA_TYPE_FLOAT64_LIST && strcmp(type, "union") != 0)
        return mloda_error_set(err, MLODA_ERR_TYPE, column,
                               "%s link: list column '%s' cannot be a key", type, column);
    return MLODA_OK;
}

/* union removes fully duplicate rows, so it reads every column of both tables */
static mloda_status add_row_cols(mloda_plan *plan, plan_link *k, mloda_error *err)
{
    k->first_row_col = plan->n_link_cols;
    const int64_t sides[2] = {k->left, k->right};
    for (int side = 0; side < 2; side++) {
        const plan_source *src = &plan->sources[sides[side]];
        for (int64_t c = 0; c < mloda_table_n_columns(src->schema); c++) {
            const char *name = mloda_table_column_name(src->schema, c);
            if (src->has_row_id && strcmp(name, plan->row_id_column) == 0)
                continue;
            MLODA_TRY(add_col(plan, sides[side], name, "union", err));
            k->n_row_cols[side]++;
        }
    }
    return MLODA_OK;
}

/* Two columns matched against each other. A column of the null type (no type evidence)
 * takes the other's type, float64 when both have none: null keys never match, so what
 * matters is that batches bringing values of that type fit. */
static mloda_status check_pair(const mloda_plan *plan, int64_t first, const char *type,
                               mloda_error *err)
{
    plan_link_col *a = &plan->link_cols[first], *b = &plan->link_cols[first + 1];
    if (a->type == MLODA_TYPE_NULL && b->type == MLODA_TYPE_NULL)
        a->type = b->type = MLODA_TYPE_FLOAT64;
    if (a->type == MLODA_TYPE_NULL) {
        a->type = b->type;
        a->unit = b->unit;
    } else if (b->type == MLODA_TYPE_NULL) {
        b->type = a->type;
        b->unit = a->unit;
    }
    if (a->type != b->type || (a->type == MLODA_TYPE_TIMESTAMP && a->unit != b->unit))
        return mloda_error_set(err, MLODA_ERR_TYPE, a->column,
                               "%s link: key '%s' of '%s' is %s but '%s' of '%s' is %s", type,
                               a->column, plan->sources[a->source].name, mloda_type_name(a->type),
                               b->column, plan->sources[b->source].name, mloda_type_name(b->type));
    return MLODA_OK;
}

static mloda_status asof_params(mloda_plan *plan, plan_link *k, const mloda_request_link *rl,
                                mloda_error *err)
{
    const mloda_options *p = rl->params;
    static const char *const keys[] = {"left_time_column", "right_time_column", "direction",
                                       "tolerance", "allow_exact_matches"};
    for (int64_t i = 0; i < mloda_options_n_keys(p); i++) {
        const char *key = mloda_options_key(p, i);
        size_t j = 0;
        while (j < 5 && strcmp(keys[j], key) != 0)
            j++;
        if (j == 5)
            return mloda_error_set(err, MLODA_ERR_OPTION, key,
                                   "asof link has unknown parameter '%s' (allowed: "
                                   "left_time_column, right_time_column, direction, tolerance, "
                                   "allow_exact_matches)",
                                   key);
    }
    const char *lt = NULL, *rt = NULL, *dir = "backward";
    if (!mloda_options_get_string(p, "left_time_column", &lt) ||
        !mloda_options_get_string(p, "right_time_column", &rt))
        return mloda_error_set(err, MLODA_ERR_OPTION, "asof",
                               "asof link needs parameters left_time_column and "
                               "right_time_column");
    if (mloda_options_has(p, "direction") && !mloda_options_get_string(p, "direction", &dir))
        return mloda_error_set(err, MLODA_ERR_OPTION, "direction",
                               "asof direction must be a string: backward, forward or nearest");
    k->direction = strcmp(dir, "backward") == 0  ? ASOF_BACKWARD
                   : strcmp(dir, "forward") == 0 ? ASOF_FORWARD
                   : strcmp(dir, "nearest") == 0 ? ASOF_NEAREST
                                                 : (asof_direction)-1;
    if ((int)k->direction < 0)
        return mloda_error_set(err, MLODA_ERR_OPTION, "direction",
                               "asof direction '%s' is not backward, forward or nearest", dir);
    k->allow_exact = true;
    if (mloda_options_has(p, "allow_exact_matches") &&
        !mloda_options_get_bool(p, "allow_exact_matches", &k->allow_exact))
        return mloda_error_set(err, MLODA_ERR_OPTION, "allow_exact_matches",
                               "asof allow_exact_matches must be true or false");
    if (mloda_options_has(p, "tolerance")) {
        k->has_tolerance = mloda_options_get_float(p, "tolerance", &k->tolerance);
        if (!k->has_tolerance || !(k->tolerance >= 0))
            return mloda_error_set(err, MLODA_ERR_OPTION, "tolerance",
                                   "asof tolerance must be a number >= 0");
    }
    int64_t first = plan->n_link_cols;
    MLODA_TRY(add_col(plan, k->left, lt, "asof", err));
    MLODA_TRY(add_col(plan, k->right, rt, "asof", err));
    MLODA_TRY(check_pair(plan, first, "asof", err));
    const plan_link_col *a = &plan->link_cols[first];
    if (a->type != MLODA_TYPE_INT64 && a->type != MLODA_TYPE_FLOAT64 &&
        a->type != MLODA_TYPE_TIMESTAMP)
        return mloda_error_set(err, MLODA_ERR_TYPE, lt,
                               "asof time column '%s' is %s (int64, float64 or timestamp needed)",
                               lt, mloda_type_name(a->type));
    if (a->type == MLODA_TYPE_TIMESTAMP && k->has_tolerance) {
        static const double per_second[] = {1.0, 1e3, 1e6, 1e9};
        k->tolerance *= per_second[a->unit];
    }
    return MLODA_OK;
}

static mloda_status describe(plan_link *k, const mloda_plan *plan, const mloda_request_link *rl,
                             mloda_error *err)
{
    mloda_buf b = {0};
    mloda_status st = mloda_buf_printf(&b, err, "%s %s", rl->type, rl->left);
    for (int64_t i = 0; st == MLODA_OK && i < rl->n_keys; i++)
        st = mloda_buf_printf(&b, err, "%s%s", i == 0 ? " on (" : ", ", rl->left_on[i]);
    if (st == MLODA_OK)
        st = mloda_buf_printf(&b, err, "%s with %s", rl->n_keys > 0 ? ")" : "", rl->right);
    for (int64_t i = 0; st == MLODA_OK && i < rl->n_keys; i++)
        st = mloda_buf_printf(&b, err, "%s%s", i == 0 ? " on (" : ", ", rl->right_on[i]);
    if (st == MLODA_OK && rl->n_keys > 0)
        st = mloda_buf_putc(&b, ')', err);
    (void)plan;
    k->description = mloda_buf_take(&b);
    if (st == MLODA_OK)
        st = mloda_buf_printf(&b, err, "%s x %s", rl->left, rl->right);
    k->domain_name = mloda_buf_take(&b);
    mloda_buf_reset(&b);
    return st == MLODA_OK && (k->description == NULL || k->domain_name == NULL)
               ? MLODA_NOMEM(err, "a link")
               : st;
}

static mloda_status compile_one(mloda_plan *plan, const mloda_request_link *rl, plan_link *k,
                                mloda_error *err)
{
    size_t i = 0;
    while (i < sizeof KINDS / sizeof KINDS[0] && strcmp(KINDS[i].name, rl->type) != 0)
        i++;
    if (i == sizeof KINDS / sizeof KINDS[0])
        return mloda_error_set(err, MLODA_ERR_OPTION, rl->type,
                               "unknown link type '%s'; allowed: inner, left, right, outer, "
                               "append, union, asof",
                               rl->type);
    k->kind = KINDS[i].kind;
    k->left = find_source(plan, rl->left);
    k->right = find_source(plan, rl->right);
    if (k->left == MLODA_NO_INDEX || k->right == MLODA_NO_INDEX)
        return mloda_error_set(err, MLODA_ERR_SCHEMA, k->left == MLODA_NO_INDEX ? rl->left : rl->right,
                               "%s link names table '%s', which neither api_data nor a data "
                               "source has",
                               rl->type,
                               k->left == MLODA_NO_INDEX ? rl->left : rl->right);
    if (k->left == k->right)
        return mloda_error_set(err, MLODA_ERR_OPTION, rl->left,
                               "%s link joins table '%s' with itself", rl->type, rl->left);
    bool keyed = k->kind != LINK_APPEND && k->kind != LINK_UNION && k->kind != LINK_ASOF;
    if (keyed && rl->n_keys == 0)
        return mloda_error_set(err, MLODA_ERR_OPTION, rl->type,
                               "%s link of '%s' and '%s' needs key columns", rl->type, rl->left,
                               rl->right);
    if (k->kind != LINK_ASOF && mloda_options_n_keys(rl->params) > 0)
        return mloda_error_set(err, MLODA_ERR_OPTION, rl->type,
                               "%s link takes no parameters (only asof does)", rl->type);
    k->n_keys = rl->n_keys;
    k->first_col = plan->n_link_cols;
    k->step = MLODA_NO_INDEX;
    for (int64_t key = 0; key < rl->n_keys; key++) {
        MLODA_TRY(add_col(plan, k->left, rl->left_on[key], rl->type, err));
        MLODA_TRY(add_col(plan, k->right, rl->right_on[key], rl->type, err));
        MLODA_TRY(check_pair(plan, plan->n_link_cols - 2, rl->type, err));
    }
    if (k->kind == LINK_ASOF)
        MLODA_TRY(asof_params(plan, k, rl, err));
    if (k->kind == LINK_UNION)
        MLODA_TRY(add_row_cols(plan, k, err));
    return describe(k, plan, rl, err);
}

mloda_status mloda_link_compile_all(mloda_plan *plan, const mloda_request *req, mloda_error *err)
{
    plan->n_domains = plan->n_sources + req->n_links;
    if (req->n_links == 0)
        return MLODA_OK;
    int64_t n_cols = 0;
    for (int64_t l = 0; l < req->n_links; l++) {
        n_cols += 2 * req->links[l].n_keys + 2;
        int64_t ls = find_source(plan, req->links[l].left);
        int64_t rs = find_source(plan, req->links[l].right);
        if (ls != MLODA_NO_INDEX)
            n_cols += mloda_table_n_columns(plan->sources[ls].schema);
        if (rs != MLODA_NO_INDEX && rs != ls)
            n_cols += mloda_table_n_columns(plan->sources[rs].schema);
    }
    plan->links = mloda_calloc((size_t)req->n_links, sizeof *plan->links);
    plan->link_cols = mloda_calloc((size_t)n_cols, sizeof *plan->link_cols);
    if (plan->links == NULL || plan->link_cols == NULL)
        return MLODA_NOMEM(err, "links");
    for (int64_t l = 0; l < req->n_links; l++) {
        plan->n_links++;
        MLODA_TRY(compile_one(plan, &req->links[l], &plan->links[l], err));
        if (mloda_link_between(plan, plan->links[l].left, plan->links[l].right) != l)
            return mloda_error_set(err, MLODA_ERR_DUPLICATE, req->links[l].left,
                                   "tables '%s' and '%s' are linked twice", req->links[l].left,
                                   req->links[l].right);
    }
    return MLODA_OK;
}

void mloda_link_free_all(mloda_plan *plan)
{
    for (int64_t l = 0; l < plan->n_links; l++) {
        mloda_free(plan->links[l].description);
        mloda_free(plan->links[l].domain_name);
    }
    for (int64_t c = 0; c < plan->n_link_cols; c++)
        mloda_free(plan->link_cols[c].column);
    mloda_free(plan->links);
    mloda_free(plan->link_cols);
    mloda_free(plan->gathers);
}
