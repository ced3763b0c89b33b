/*
 * test_source.c: data sources beyond api_data (SPEC.md §8) through the provider
 * interface: a plain name resolves to the source holding the column, only the needed
 * columns are read, once, at prepare; a column in two sources is ambiguous; batches need
 * not carry the source; filters and links work on it; provider errors are reported.
 */
#include "support.h"

typedef struct mem_source {
    mloda_table *table; /* owned */
    int reads;
    int64_t last_n_columns;
    bool fail;
} mem_source;

static mloda_status mem_schema(void *ud, mloda_table **out, mloda_error *err)
{
    (void)err;
    *out = mloda_table_retain(((mem_source *)ud)->table);
    return MLODA_OK;
}

static mloda_status mem_read(void *ud, int64_t n, const char *const *columns, mloda_table **out,
                             mloda_error *err)
{
    mem_source *m = ud;
    m->reads++;
    m->last_n_columns = n;
    if (m->fail)
        return mloda_error_set(err, MLODA_ERR_IO, "customers.db", "database is locked");
    const mloda_column *cols[8];
    for (int64_t i = 0; i < n; i++)
        cols[i] = mloda_table_column(m->table, mloda_table_column_index(m->table, columns[i]));
    return mloda_table_new(mloda_table_n_rows(m->table), n, columns, cols, out, err);
}

static mem_source customers; /* its table is released at the end of main */

static mloda_source_provider customers_source(void)
{
    const int64_t id[] = {1, 2, 3};
    const char *region[] = {"north", "south", "north"};
    const double credit[] = {10, 20, 30};
    const char *names[] = {"id", "region", "credit"};
    mloda_column *cols[3] = {col_i64(id, NULL, 3), col_str(region, 3), col_f64(credit, 3)};
    mloda_table_release(customers.table);
    customers = (mem_source){NULL, 0, 0, false};
    (void)mloda_table_new(3, 3, names, (const mloda_column *const *)cols, &customers.table, NULL);
    for (int i = 0; i < 3; i++)
        mloda_column_release(cols[i]);
    mloda_source_provider p = {sizeof p, MLODA_SOURCE_PROVIDER_ABI, "Customers", mem_schema, mem_read,
                               &customers, NULL};
    return p;
}

static mloda_registry *reg;

static void test_resolve_and_read_once(void)
{
    mloda_source_provider p = customers_source();
    const char *feats[] = {"credit__sum_aggr", "region"};
    mloda_request *req = request_of(feats, 2);
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_request_add_source(req, &p, &err), err);
    const double v[] = {1, 2};
    mloda_api_data *example = api_one_f64("Orders", "amount", v, 2);
    mloda_session *s = NULL;
    CHECK_OK(mloda_prepare(reg, req, example, &s, &err), err);
    CHECK_EQ_INT(customers.reads, 1);
    CHECK_EQ_INT(customers.last_n_columns, 2); /* credit and region, not id */
    for (int b = 0; b < 3; b++) {              /* batches without the source */
        mloda_results *res = NULL;
        CHECK_OK(mloda_session_run(s, example, &res, &err), err);
        CHECK_CLOSE(num_at(result_column(res, "credit__sum_aggr"), 2), 60.0);
        mloda_results_free(res);
    }
    CHECK_EQ_INT(customers.reads, 1);
    mloda_session_free(s);
    /* ambiguity with an api_data column of the same name */
    mloda_api_data *clash = api_one_f64("Orders", "credit", v, 2);
    mloda_error_reset(&err);
    CHECK_EQ_INT(mloda_prepare(reg, req, clash, &s, &err), MLODA_ERR_AMBIGUOUS);
    CHECK_CONTAINS(err.message, "'Orders'");
    CHECK_CONTAINS(err.message, "'Customers'");
    mloda_api_data_free(clash);
    mloda_api_data_free(example);
    mloda_request_free(req);
}

/* Orders arrive in batches; customers come from the source; a left link joins them. */
static mloda_status sum_match(void *ud, const mloda_feature *f, bool *out, void **parsed,
                          mloda_error *why)
{
    (void)parsed;
    (void)ud;
    (void)why;
    const char *sfx = mloda_feature_chain_suffix(f);
    *out = sfx != NULL && strcmp(sfx, "times") == 0;
    return MLODA_OK;
}

static mloda_status sum_inputs(void *ud, const mloda_feature *f, mloda_inputs *in,
                               mloda_error *err)
{
    (void)ud;
    return mloda_inputs_add_chain(in, f, 2, 2, err);
}

static mloda_status sum_calc(void *ud, mloda_calc *calc, mloda_error *err)
{
    (void)ud;
    for (int64_t i = 0; i < mloda_calc_n_features(calc); i++) {
        int64_t n = mloda_calc_n_rows(calc);
        double *v = malloc((size_t)(n + 1) * sizeof *v);
        uint8_t *valid = malloc((size_t)(n + 1));
        for (int64_t r = 0; r < n; r++) {
            double a = num_at(mloda_calc_input(calc, i, 0, 0), r);
            double b = num_at(mloda_calc_input(calc, i, 1, 0), r);
            v[r] = a * b;
            valid[r] = (uint8_t)(isnan(v[r]) ? 0 : 1);
        }
        mloda_column *c = NULL;
        mloda_status st = mloda_column_from_float64(n, v, valid, &c, err);
        free(v);
        free(valid);
        if (st == MLODA_OK)
            st = mloda_calc_set_output(calc, i, c, err);
        if (st != MLODA_OK)
            return st;
    }
    return MLODA_OK;
}

static const mloda_feature_group times_group = {
    .struct_size = sizeof(mloda_feature_group),
    .abi_version = MLODA_FEATURE_GROUP_ABI,
    .name = "Times",
    .match = sum_match,
    .inputs = sum_inputs,
    .calculate = sum_calc,
};

static void test_link_batches_to_source(void)
{
    mloda_registry *r = mloda_registry_default();
    (void)mloda_registry_add(r, &times_group, NULL);
    mloda_source_provider p = customers_source();
    const char *feats[] = {"amount&credit__times"};
    mloda_request *req = request_of(feats, 1);
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_request_add_source(req, &p, &err), err);
    const char *lon = "customer_id", *ron = "id";
    CHECK_OK(mloda_request_add_link(req, "left", "Orders", "Customers", 1, &lon, &ron, NULL, &err),
             err);
    mloda_options *o = mloda_options_new();
    (void)mloda_options_set_string(o, MLODA_CONTEXT, "value", "north", NULL);
    CHECK_OK(mloda_request_add_filter(req, "equal", "region", o, &err), err);
    mloda_api_data *batch = mloda_api_data_new();
    const int64_t cid[] = {3, 2, 9, 1};
    const double amount[] = {1, 2, 3, 4};
    const char *names[] = {"customer_id", "amount"};
    mloda_column *cols[] = {col_i64(cid, NULL, 4), col_f64(amount, 4)};
    api_add(batch, "Orders", 2, names, cols);
    mloda_session *s = NULL;
    CHECK_OK(mloda_prepare(r, req, batch, &s, &err), err);
    mloda_results *res = NULL;
    CHECK_OK(mloda_session_run(s, batch, &res, &err), err);
    const mloda_column *c = result_column(res, "amount&credit__times");
    /* customer 3 (north, 30) -> 30; 2 is south (filtered) -> null; 9 unknown -> null;
     * 1 (north, 10) -> 40 */
    CHECK(c != NULL && mloda_column_n_rows(c) == 4);
    CHECK_CLOSE(num_at(c, 0), 30.0);
    CHECK(!mloda_column_is_valid(c, 1));
    CHECK(!mloda_column_is_valid(c, 2));
    CHECK_CLOSE(num_at(c, 3), 40.0);
    mloda_results_free(res);
    mloda_session_free(s);
    mloda_api_data_free(batch);
    mloda_options_free(o);
    mloda_request_free(req);
    mloda_registry_free(r);
}

static void test_provider_errors(void)
{
    mloda_source_provider p = customers_source();
    customers.fail = true;
    const char *feats[] = {"region"};
    mloda_request *req = request_of(feats, 1);
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_request_add_source(req, &p, &err), err);
    CHECK_EQ_INT(mloda_request_add_source(req, &p, &err), MLODA_ERR_DUPLICATE);
    mloda_session *s = NULL;
    mloda_error_reset(&err);
    CHECK_EQ_INT(mloda_prepare(reg, req, NULL, &s, &err), MLODA_ERR_IO);
    CHECK_CONTAINS(err.message, "locked");
    mloda_source_provider bad = p;
    bad.read = NULL;
    bad.name = "Other";
    mloda_error_reset(&err);
    CHECK_EQ_INT(mloda_request_add_source(req, &bad, &err), MLODA_ERR_PLUGIN);
    mloda_request_free(req);
}

int main(void)
{
    reg = mloda_registry_default();
    RUN(test_resolve_and_read_once);
    RUN(test_link_batches_to_source);
    RUN(test_provider_errors);
    mloda_table_release(customers.table);
    mloda_registry_free(reg);
    return TEST_SUMMARY();
}
