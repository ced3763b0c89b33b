/*
 * test_encoding.c: the encoding family against SPEC.md §6.5's example and the values mloda
 * computed (conformance cases 025, 036, 037, 038, 048, 049, 051, 054), plus null in /
 * null out, all-null, one row, zero rows, text/int/float/bool/timestamp categories,
 * code-point order, F~k selection, multi-column sources flowing into aggregation,
 * imputation and scaling, string form = option form, and errors.
 */
#include "rowwise_support.h"
#include "encoding_cases.h"

static mloda_registry *reg;

static mloda_api_data *api_str(const char *col, const char *const *v, int64_t n)
{
    const char *names[] = {col};
    mloda_column *cols[] = {col_str(v, n)};
    mloda_api_data *api = mloda_api_data_new();
    api_add(api, "T", 1, names, cols);
    return api;
}

/* Checks F~0..F~(k-1) of a one-hot result against want[k][row] (0/1; null in every column
 * where valid[row] == 0, NULL: no nulls) and that F~k does not exist. */
static void check_onehot(const mloda_results *res, const char *f, int64_t k, int64_t n,
                         const double want[][8], const uint8_t *valid)
{
    char name[128];
    for (int64_t j = 0; j < k; j++) {
        snprintf(name, sizeof name, "%s~%lld", f, (long long)j);
        check_f64_col_valid(res, name, want[j], valid, n);
        CHECK_EQ_INT(col_type(res, name), MLODA_TYPE_FLOAT64);
    }
    snprintf(name, sizeof name, "%s~%lld", f, (long long)k);
    CHECK_MSG(result_column(res, name) == NULL, "unexpected column %s", name);
}

/* SPEC §6.5: ['red','blue','red','green']. */
static void test_spec_example(void)
{
    const char *c[] = {"red", "blue", "red", "green"};
    mloda_api_data *api = api_str("c", c, 4);
    const char *names[] = {"c__onehot_encoded", "c__label_encoded", "c__ordinal_encoded"};
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(run_named(reg, api, names, NULL, 3, &res, &err), err);
    const double oh[3][8] = {{0, 1, 0, 0}, {0, 0, 0, 1}, {1, 0, 1, 0}};
    const double codes[] = {2, 0, 2, 1};
    check_onehot(res, "c__onehot_encoded", 3, 4, oh, NULL);
    check_f64_col(res, "c__label_encoded", codes, 4);
    check_f64_col(res, "c__ordinal_encoded", codes, 4);
    CHECK_EQ_INT(col_type(res, "c__label_encoded"), MLODA_TYPE_INT64);
    CHECK_EQ_INT(col_type(res, "c__ordinal_encoded"), MLODA_TYPE_FLOAT64);
    mloda_results_free(res);
    mloda_api_data_free(api);
}

/* Conformance 036 (all three encoders) and 037 (selecting two one-hot columns). */
static void test_cases036_037(void)
{
    const char *fruit[] = {"plum", "apple", "kiwi", "plum", "date", "apple", "kiwi"};
    mloda_api_data *api = api_str("fruit", fruit, 7);
    const char *names[] = {"fruit__onehot_encoded", "fruit__label_encoded",
                           "fruit__ordinal_encoded"};
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    TEST_CASE("036");
    CHECK_OK(run_named(reg, api, names, NULL, 3, &res, &err), err);
    const double oh[4][8] = {{0, 1, 0, 0, 0, 1, 0},
                             {0, 0, 0, 0, 1, 0, 0},
                             {0, 0, 1, 0, 0, 0, 1},
                             {1, 0, 0, 1, 0, 0, 0}};
    const double codes[] = {3, 0, 2, 3, 1, 0, 2};
    check_onehot(res, "fruit__onehot_encoded", 4, 7, oh, NULL);
    check_f64_col(res, "fruit__label_encoded", codes, 7);
    check_f64_col(res, "fruit__ordinal_encoded", codes, 7);
    mloda_results_free(res);

    TEST_CASE("037");
    const char *sel[] = {"fruit__onehot_encoded~0", "fruit__onehot_encoded~3"};
    CHECK_OK(run_named(reg, api, sel, NULL, 2, &res, &err), err);
    check_f64_col(res, sel[0], oh[0], 7);
    check_f64_col(res, sel[1], oh[3], 7);
    CHECK(result_column(res, "fruit__onehot_encoded~1") == NULL);
    CHECK(result_column(res, "fruit__onehot_encoded~2") == NULL);
    mloda_results_free(res);
    mloda_api_data_free(api);
}

/* Conformance 038: integer categories sort numerically. */
static void test_case038(void)
{
    const int64_t zone[] = {300, 20, 1000, 20, 300};
    const char *cn[] = {"zone"};
    mloda_column *cols[] = {col_i64(zone, NULL, 5)};
    mloda_api_data *api = mloda_api_data_new();
    api_add(api, "T", 1, cn, cols);
    const char *names[] = {"zone__label_encoded", "zone__ordinal_encoded", "zone__onehot_encoded"};
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(run_named(reg, api, names, NULL, 3, &res, &err), err);
    const double codes[] = {1, 0, 2, 0, 1};
    const double oh[3][8] = {{0, 1, 0, 1, 0}, {1, 0, 0, 0, 1}, {0, 0, 1, 0, 0}};
    check_f64_col(res, names[0], codes, 5);
    check_f64_col(res, names[1], codes, 5);
    check_onehot(res, names[2], 3, 5, oh, NULL);
    mloda_results_free(res);
    mloda_api_data_free(api);
}

/* Conformance 048 (option form, multi-column output named NAME~k) and 049. */
static void test_cases048_049(void)
{
    const char *fruit[] = {"fig", "pear", "fig", "lime"};
    mloda_api_data *api = api_str("fruit", fruit, 4);
    const char *names[] = {"fruit_oh", "fruit_lbl"};
    mloda_options *o[] = {opts_str("encoder_type", "onehot", "in_features", "fruit", NULL),
                          opts_str("encoder_type", "label", "in_features", "fruit", NULL)};
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    TEST_CASE("048");
    CHECK_OK(run_named(reg, api, names, o, 2, &res, &err), err);
    const double oh[3][8] = {{1, 0, 1, 0}, {0, 0, 0, 1}, {0, 1, 0, 0}};
    const double lbl[] = {0, 2, 0, 1};
    check_onehot(res, "fruit_oh", 3, 4, oh, NULL);
    check_f64_col(res, "fruit_lbl", lbl, 4);
    mloda_results_free(res);

    TEST_CASE("option form with a column selector");
    const char *sel = "fruit_oh~1";
    CHECK_OK(run_named(reg, api, &sel, &o[0], 1, &res, &err), err);
    check_f64_col(res, sel, oh[1], 4);
    CHECK(result_column(res, "fruit_oh~0") == NULL);
    mloda_results_free(res);
    mloda_options_free(o[0]);
    mloda_options_free(o[1]);
    mloda_api_data_free(api);

    TEST_CASE("049");
    const char *tier[] = {"b", "a", "c", "a"};
    api = api_str("tier", tier, 4);
    const char *n49[] = {"tier__ordinal_encoded", "tier__onehot_encoded"};
    CHECK_OK(run_named(reg, api, n49, NULL, 2, &res, &err), err);
    const double ord[] = {1, 0, 2, 0};
    const double oh49[3][8] = {{0, 1, 0, 1}, {1, 0, 0, 0}, {0, 0, 1, 0}};
    check_f64_col(res, n49[0], ord, 4);
    check_onehot(res, n49[1], 3, 4, oh49, NULL);
    mloda_results_free(res);
    mloda_api_data_free(api);
}

/* Conformance 025: consumers of a one-hot source reduce across its columns per row. */
static void test_case025(void)
{
    const double units[] = {1.5, 2.5, 6.0, 0.0};
    const char *fruit[] = {"pear", "fig", "kiwi", "fig"};
    const char *cn[] = {"units", "fruit"};
    mloda_column *cols[] = {col_f64(units, 4), col_str(fruit, 4)};
    mloda_api_data *api = mloda_api_data_new();
    api_add(api, "T", 2, cn, cols);
    const char *names[] = {"units__sum_aggr__max_aggr", "fruit__onehot_encoded__max_aggr",
                           "fruit__onehot_encoded__count_aggr", "fruit__onehot_encoded__sum_aggr"};
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(run_named(reg, api, names, NULL, 4, &res, &err), err);
    const double ten[] = {10, 10, 10, 10}, one[] = {1, 1, 1, 1}, three[] = {3, 3, 3, 3};
    check_f64_col(res, names[0], ten, 4);
    check_f64_col(res, names[1], one, 4);
    check_f64_col(res, names[2], three, 4);
    check_f64_col(res, names[3], one, 4);
    mloda_results_free(res);
    mloda_api_data_free(api);
}

/* Conformance 051 (700 rows, label) and 054 (a session refitting the codes per batch). */
static void test_cases051_054(void)
{
    mloda_api_data *api = api_str("grade", c051_grade, C051_GRADE_N);
    const char *name = "grade__label_encoded";
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    TEST_CASE("051");
    CHECK_OK(run_named(reg, api, &name, NULL, 1, &res, &err), err);
    const mloda_column *c = result_column(res, name);
    CHECK_EQ_INT(mloda_column_n_rows(c), C051_LABEL_N);
    for (int64_t r = 0; c != NULL && r < C051_LABEL_N; r++)
        CHECK_EQ_INT(mloda_column_int64(c)[r], c051_label[r]);
    mloda_results_free(res);
    mloda_api_data_free(api);

    const char *example[] = {"a", "b"};
    api = api_str("fruit", example, 2);
    const char *f = "fruit__label_encoded";
    mloda_request *req = request_of(&f, 1);
    mloda_session *s = NULL;
    CHECK_OK(mloda_prepare(reg, req, api, &s, &err), err);
    mloda_api_data_free(api);
    static const struct {
        const char *in[5];
        double want[5];
        int64_t n;
    } batches[] = {
        {{"kiwi", "fig", "kiwi"}, {1, 0, 1}, 3},
        {{"yam", "bean"}, {1, 0}, 2},
        {{"c", "a", "b", "a", "c"}, {2, 0, 1, 0, 2}, 5},
    };
    for (int b = 0; s != NULL && b < 3; b++) {
        TEST_CASE("054 batch %d", b);
        api = api_str("fruit", batches[b].in, batches[b].n);
        CHECK_OK(mloda_session_run(s, api, &res, &err), err);
        check_f64_col(res, f, batches[b].want, batches[b].n);
        mloda_results_free(res);
        mloda_api_data_free(api);
    }
    mloda_session_free(s);
    mloda_request_free(req);
}

/* Null in, null out (SPEC §10.11); categories of every type; code-point order. */
static void test_nulls_and_types(void)
{
    const char *t[] = {"b", NULL, "a", "b"};
    const bool bv[] = {true, false, false, true};
    const uint8_t bvalid[] = {1, 1, 0, 1};
    const double fv[] = {2.5, -1, NAN, -0.0};
    const int64_t ts[] = {300, 100, 200, 100};
    const char *cn[] = {"t", "b", "f", "ts"};
    mloda_column *cols[4] = {col_str(t, 4), NULL, col_f64(fv, 4), NULL};
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_column_from_bool(4, bv, bvalid, &cols[1], &err), err);
    CHECK_OK(mloda_column_from_timestamp(MLODA_TIME_MICRO, 4, ts, NULL, &cols[3], &err), err);
    mloda_api_data *api = mloda_api_data_new();
    api_add(api, "T", 4, cn, cols);
    const char *names[] = {"t__label_encoded", "t__ordinal_encoded", "t__onehot_encoded",
                           "b__label_encoded", "f__label_encoded",   "ts__label_encoded",
                           "b__onehot_encoded"};
    mloda_results *res = NULL;
    CHECK_OK(run_named(reg, api, names, NULL, 7, &res, &err), err);
    const double tl[] = {1, NULL_SLOT, 0, 1};
    const uint8_t t_valid[] = {1, 0, 1, 1};
    const double toh[2][8] = {{0, NULL_SLOT, 1, 0}, {1, NULL_SLOT, 0, 1}};
    const double bl[] = {1, 0, NULL_SLOT, 1};
    const double fl[] = {2, 0, NULL_SLOT, 1}; /* NaN is missing: null out */
    const uint8_t row2_null[] = {1, 1, 0, 1};
    const double tsl[] = {2, 0, 1, 0};
    const double boh[2][8] = {{0, 1, NULL_SLOT, 0}, {1, 0, NULL_SLOT, 1}};
    check_f64_col_valid(res, names[0], tl, t_valid, 4);
    check_f64_col_valid(res, names[1], tl, t_valid, 4);
    check_onehot(res, names[2], 2, 4, toh, t_valid);
    check_f64_col_valid(res, names[3], bl, bvalid, 4);
    check_f64_col_valid(res, names[4], fl, row2_null, 4);
    check_f64_col(res, names[5], tsl, 4);
    check_onehot(res, names[6], 2, 4, boh, bvalid);
    mloda_results_free(res);
    mloda_api_data_free(api);

    /* code-point order: "Z" < "e" < "z" < "é"; -0.0 and 0.0 are one category */
    const char *u[] = {"é", "z", "e", "Z", "é"};
    api = api_str("u", u, 5);
    const char *un = "u__label_encoded";
    TEST_CASE("code point order");
    CHECK_OK(run_named(reg, api, &un, NULL, 1, &res, &err), err);
    const double ul[] = {3, 2, 1, 0, 3};
    check_f64_col(res, un, ul, 5);
    mloda_results_free(res);
    mloda_api_data_free(api);

    const double zeros[] = {0.0, -0.0, 1.0};
    api = api_one_f64("T", "z", zeros, 3);
    const char *zn = "z__onehot_encoded";
    TEST_CASE("signed zeros");
    CHECK_OK(run_named(reg, api, &zn, NULL, 1, &res, &err), err);
    const double zoh[2][8] = {{1, 1, 0}, {0, 0, 1}};
    check_onehot(res, zn, 2, 3, zoh, NULL);
    mloda_results_free(res);
    mloda_api_data_free(api);
}

/* All-null, one row, zero rows, many categories. */
static void test_edges(void)
{
    const char *nulls[] = {NULL, NULL, NULL};
    mloda_api_data *api = api_str("c", nulls, 3);
    const char *names[] = {"c__label_encoded", "c__ordinal_encoded", "c__onehot_encoded"};
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    TEST_CASE("all null");
    CHECK_OK(run_named(reg, api, names, NULL, 3, &res, &err), err);
    const double nn[] = {NULL_SLOT, NULL_SLOT, NULL_SLOT};
    const uint8_t nn_valid[] = {0, 0, 0};
    check_f64_col_valid(res, names[0], nn, nn_valid, 3);
    check_f64_col_valid(res, names[1], nn, nn_valid, 3);
    CHECK(result_column(res, "c__onehot_encoded~0") == NULL); /* no categories, no columns */
    mloda_results_free(res);
    mloda_api_data_free(api);

    const char *one[] = {"q"};
    api = api_str("c", one, 1);
    TEST_CASE("one row");
    CHECK_OK(run_named(reg, api, names, NULL, 3, &res, &err), err);
    const double zero[] = {0};
    const double oh[1][8] = {{1}};
    check_f64_col(res, names[0], zero, 1);
    check_f64_col(res, names[1], zero, 1);
    check_onehot(res, names[2], 1, 1, oh, NULL);
    mloda_results_free(res);
    mloda_api_data_free(api);

    api = api_str("c", NULL, 0);
    TEST_CASE("zero rows");
    CHECK_OK(run_named(reg, api, names, NULL, 3, &res, &err), err);
    CHECK_EQ_INT(mloda_column_n_rows(result_column(res, names[0])), 0);
    CHECK_EQ_INT(mloda_column_n_rows(result_column(res, names[1])), 0);
    CHECK(result_column(res, "c__onehot_encoded~0") == NULL);
    mloda_results_free(res);
    mloda_api_data_free(api);

    /* 3000 rows, 1000 categories in reverse order: code = 999 - (r % 1000) */
    int64_t n = 3000;
    int64_t *v = malloc((size_t)n * sizeof *v);
    for (int64_t r = 0; r < n; r++)
        v[r] = (999 - r % 1000) * 7 - 3000;
    const char *cn[] = {"k"};
    mloda_column *cols[] = {col_i64(v, NULL, n)};
    api = mloda_api_data_new();
    api_add(api, "T", 1, cn, cols);
    const char *kn = "k__label_encoded";
    TEST_CASE("many categories");
    CHECK_OK(run_named(reg, api, &kn, NULL, 1, &res, &err), err);
    const mloda_column *c = result_column(res, kn);
    for (int64_t r = 0; c != NULL && r < n; r++)
        CHECK_EQ_INT(mloda_column_int64(c)[r], 999 - r % 1000);
    mloda_results_free(res);
    mloda_api_data_free(api);
    free(v);
}

/* One-hot (multi-column) sources flow into imputation, scaling, aggregation and F~k. */
static void test_chains(void)
{
    const char *c[] = {"b", NULL, "a", "b"};
    mloda_api_data *api = api_str("c", c, 4);
    const char *names[] = {"c__onehot_encoded__mode_imputed",
                           "c__onehot_encoded__mode_imputed~1",
                           "c__onehot_encoded__minmax_scaled",
                           "c__onehot_encoded__normalizer_scaled",
                           "c__mode_imputed__onehot_encoded",
                           "c__label_encoded__standard_scaled",
                           "c__onehot_encoded__max_aggr"};
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(run_named(reg, api, names, NULL, 7, &res, &err), err);
    const double imputed[2][8] = {{0, 0, 1, 0}, {1, 1, 0, 1}};
    const double with_null[2][8] = {{0, NULL_SLOT, 1, 0}, {1, NULL_SLOT, 0, 1}};
    const uint8_t row1_null[] = {1, 0, 1, 1};
    check_onehot(res, names[0], 2, 4, imputed, NULL);
    check_f64_col(res, names[1], imputed[1], 4);
    check_onehot(res, names[2], 2, 4, with_null, row1_null);
    check_onehot(res, names[3], 2, 4, with_null, row1_null);
    check_onehot(res, names[4], 2, 4, imputed, NULL);
    /* labels [1, null, 0, 1]: mean 2/3, population std sqrt(2)/3 */
    const double z[] = {0.70710678118654746, NULL_SLOT, -1.4142135623730951,
                        0.70710678118654746};
    check_f64_col_valid(res, names[5], z, row1_null, 4);
    /* row-wise max over the one-hot columns; the null row has no values */
    const double mx[] = {1, NULL_SLOT, 1, 1};
    check_f64_col_valid(res, names[6], mx, row1_null, 4);
    mloda_results_free(res);
    mloda_api_data_free(api);
}

/* The option form gives the string form's values. */
static void test_option_form_equals_string_form(void)
{
    const char *c[] = {"x", "y", NULL, "x", "w"};
    mloda_api_data *api = api_str("c", c, 5);
    static const char *const kinds[] = {"label", "ordinal", "onehot"};
    for (int k = 0; k < 3; k++) {
        TEST_CASE("%s", kinds[k]);
        char sname[64];
        snprintf(sname, sizeof sname, "c__%s_encoded", kinds[k]);
        const char *names[] = {sname, "via_options"};
        mloda_options *o[2] = {NULL, opts_str("encoder_type", kinds[k], "in_features", "c", NULL)};
        mloda_results *res = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(run_named(reg, api, names, o, 2, &res, &err), err);
        for (int j = 0; j < (k == 2 ? 3 : 1); j++) {
            char an[80], bn[80];
            snprintf(an, sizeof an, k == 2 ? "%s~%d" : "%s", sname, j);
            snprintf(bn, sizeof bn, k == 2 ? "via_options~%d" : "via_options", j);
            const mloda_column *a = result_column(res, an), *b = result_column(res, bn);
            CHECK(a != NULL && b != NULL);
            for (int64_t i = 0; a != NULL && b != NULL && i < 5; i++) {
                CHECK_EQ_INT(mloda_column_is_valid(a, i), mloda_column_is_valid(b, i));
                CHECK_CLOSE(num_at(a, i), num_at(b, i));
            }
        }
        mloda_results_free(res);
        mloda_options_free(o[1]);
    }
    mloda_api_data_free(api);
}

static void test_errors(void)
{
    const char *c[] = {"a", "b"};
    const double pts[] = {0, 1, 2, 3};
    const char *cn[] = {"c", "p"};
    mloda_column *cols[2] = {col_str(c, 2), NULL};
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_column_from_float64_list(2, 2, pts, NULL, &cols[1], &err), err);
    mloda_api_data *api = mloda_api_data_new();
    api_add(api, "T", 2, cn, cols);

    TEST_CASE("unknown encoder token");
    check_fails(reg, api, "c__binary_encoded", NULL, MLODA_ERR_RESOLVE, NULL, "'binary'",
                "allowed: onehot, label, ordinal");
    TEST_CASE("bad encoder option");
    mloda_options *o = opts_str("encoder_type", "target", "in_features", "c", NULL);
    check_fails(reg, api, "c_enc", o, MLODA_ERR_RESOLVE, NULL, "c_enc", "'target'");
    mloda_options_free(o);
    TEST_CASE("name and option disagree");
    o = opts_str("encoder_type", "onehot", NULL);
    check_fails(reg, api, "c__label_encoded", o, MLODA_ERR_OPTION, "c__label_encoded",
                "'label'", "'onehot'");
    mloda_options_free(o);
    TEST_CASE("multi-column source");
    check_fails(reg, api, "c__onehot_encoded__label_encoded", NULL, MLODA_ERR_TYPE,
                "c__onehot_encoded__label_encoded", "multi-column", "c__onehot_encoded");
    TEST_CASE("list column");
    check_fails(reg, api, "p__label_encoded", NULL, MLODA_ERR_TYPE, "p__label_encoded",
                "float64_list column 'p'", NULL);
    TEST_CASE("selecting a column of a single-column encoding");
    mloda_results *res = NULL;
    const char *sel = "c__label_encoded~0";
    CHECK(run_named(reg, api, &sel, NULL, 1, &res, &err) != MLODA_OK);
    CHECK_CONTAINS(err.message, "only one column");
    mloda_api_data_free(api);
}

static void test_oom(void)
{
    const char *c[] = {"b", NULL, "a", "b", "c", "a"};
    mloda_api_data *api = api_str("c", c, 6);
    const char *names[] = {"c__onehot_encoded", "c__label_encoded", "c__ordinal_encoded",
                           "c__onehot_encoded__mode_imputed", "c__onehot_encoded~2"};
    oom_walk(reg, api, names, NULL, 5);
    mloda_api_data_free(api);
}

/* The tables of one run as "Group: col, col | Group: col" (request order of columns). */
static void tables_text(const mloda_results *res, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int64_t t = 0; t < mloda_results_n_tables(res); t++) {
        const mloda_table *tab = mloda_results_table(res, t);
        used += (size_t)snprintf(buf + used, cap - used, "%s%s:", t ? " | " : "",
                                 mloda_table_group_name(tab));
        for (int64_t c = 0; c < mloda_table_n_columns(tab) && used < cap; c++)
            used += (size_t)snprintf(buf + used, cap - used, "%s %s", c ? "," : "",
                                     mloda_table_column_name(tab, c));
        if (used >= cap)
            return;
    }
}

/* Issue 15: a selection F~k is a column of F's table (the encoding group's), once, in
 * request order; F requested too gives F's columns once. mloda: the ~k columns appear in
 * the encoding group's table. Values: categories [blue, green, red] of c (sorted). */
static void test_selection_tables(void)
{
    const char *c[] = {"red", "blue", "red", "green"};
    mloda_api_data *api = api_str("c", c, 4);
    static const struct {
        const char *label;
        const char *features[4];
        int64_t n;
        bool alphabetical;
        const char *want;
    } cases[] = {
        {"selection with another encoding",
         {"c__onehot_encoded~0", "c__ordinal_encoded"}, 2, false,
         "EncodingFeatureGroup: c__onehot_encoded~0, c__ordinal_encoded"},
        {"request order kept", {"c__ordinal_encoded", "c__onehot_encoded~2"}, 2, false,
         "EncodingFeatureGroup: c__ordinal_encoded, c__onehot_encoded~2"},
        {"feature and its selection: once", {"c__onehot_encoded", "c__onehot_encoded~1"}, 2,
         false, "EncodingFeatureGroup: c__onehot_encoded~0, c__onehot_encoded~1, c__onehot_encoded~2"},
        {"selection first, then the feature", {"c__onehot_encoded~1", "c__onehot_encoded"}, 2,
         false, "EncodingFeatureGroup: c__onehot_encoded~0, c__onehot_encoded~1, c__onehot_encoded~2"},
        {"two selections and a label", {"c__onehot_encoded~2", "c__label_encoded", "c__onehot_encoded~0"},
         3, false,
         "EncodingFeatureGroup: c__onehot_encoded~2, c__label_encoded, c__onehot_encoded~0"},
        {"alphabetical", {"c__onehot_encoded~2", "c__label_encoded", "c__onehot_encoded~0"}, 3, true,
         "EncodingFeatureGroup: c__label_encoded, c__onehot_encoded~0, c__onehot_encoded~2"},
        {"a selection read by an aggregation is not returned",
         {"c__onehot_encoded~2__sum_aggr", "c__label_encoded"}, 2, false,
         "EncodingFeatureGroup: c__label_encoded | AggregatedFeatureGroup: c__onehot_encoded~2__sum_aggr"},
        {"a requested selection read by an aggregation",
         {"c__onehot_encoded~2", "c__onehot_encoded~2__sum_aggr"}, 2, false,
         "EncodingFeatureGroup: c__onehot_encoded~2 | AggregatedFeatureGroup: c__onehot_encoded~2__sum_aggr"},
        {"with the input column", {"c", "c__onehot_encoded~1"}, 2, false,
         "ApiInputDataFeature: c | EncodingFeatureGroup: c__onehot_encoded~1"},
    };
    const double oh[3][4] = {{0, 1, 0, 0}, {0, 0, 0, 1}, {1, 0, 1, 0}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s", cases[k].label);
        mloda_request *req = request_of(cases[k].features, cases[k].n);
        if (cases[k].alphabetical)
            (void)mloda_request_set_column_ordering(req, MLODA_ORDER_ALPHABETICAL, NULL);
        mloda_results *res = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
        char got[512];
        tables_text(res, got, sizeof got);
        CHECK_MSG(strcmp(got, cases[k].want) == 0, "tables '%s', want '%s'", got, cases[k].want);
        for (int j = 0; j < 3; j++) {
            char name[40];
            (void)snprintf(name, sizeof name, "c__onehot_encoded~%d", j);
            const mloda_column *col = result_column(res, name);
            for (int64_t r = 0; col != NULL && r < 4; r++)
                CHECK_CLOSE(num_at(col, r), oh[j][r]);
        }
        mloda_results_free(res);
        mloda_request_free(req);
    }

    TEST_CASE("a batch without the selected column: an error naming the selection");
    const char *names[] = {"c__onehot_encoded~2", "c__ordinal_encoded"};
    mloda_request *req = request_of(names, 2);
    mloda_session *session = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_prepare(reg, req, api, &session, &err), err);
    const char *two[] = {"blue", "green"}; /* categories blue, green: no ~2 */
    mloda_api_data *batch = api_str("c", two, 2);
    mloda_results *res = NULL;
    CHECK(mloda_session_run(session, batch, &res, &err) == MLODA_ERR_COMPUTE);
    CHECK_CONTAINS(err.message, "has no column ~2");
    CHECK(strcmp(err.subject, "c__onehot_encoded~2") == 0);
    CHECK(res == NULL);
    mloda_results_free(res);
    CHECK_OK(mloda_session_run(session, api, &res, &err), err); /* the session goes on */
    mloda_results_free(res);
    mloda_api_data_free(batch);
    mloda_session_free(session);
    mloda_request_free(req);
    mloda_api_data_free(api);
}

int main(void)
{
    reg = mloda_registry_default();
    RUN(test_spec_example);
    RUN(test_cases036_037);
    RUN(test_case038);
    RUN(test_cases048_049);
    RUN(test_selection_tables);
    RUN(test_case025);
    RUN(test_cases051_054);
    RUN(test_nulls_and_types);
    RUN(test_edges);
    RUN(test_chains);
    RUN(test_option_form_equals_string_form);
    RUN(test_errors);
    RUN(test_oom);
    mloda_registry_free(reg);
    return TEST_SUMMARY();
}
