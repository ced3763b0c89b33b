/*
 * test_link.c: links between api_data tables (SPEC.md §7.1–7.2): every join type with
 * mloda's observed rows, multi-column keys, null keys, empty sides, asof in every
 * direction with tolerance, chains after a join, filters before a join, explain, and the
 * prepare-time errors.
 */
#include "support.h"

/* `a&b__concat`: "a_b" per row, "nan" for a null side, like pandas string concatenation
 * of the observed test (aval_cval). A user-defined group. */
static mloda_status cc_match(void *ud, const mloda_feature *f, bool *out, void **parsed,
                          mloda_error *why)
{
    (void)parsed;
    (void)ud;
    (void)why;
    const char *s = mloda_feature_chain_suffix(f);
    *out = s != NULL && strcmp(s, "concat") == 0;
    return MLODA_OK;
}

static mloda_status cc_inputs(void *ud, const mloda_feature *f, mloda_inputs *in, mloda_error *err)
{
    (void)ud;
    return mloda_inputs_add_chain(in, f, 2, 2, err);
}

static mloda_status cc_bind(void *ud, mloda_bind *ctx, mloda_error *err)
{
    (void)ud;
    return mloda_bind_output(ctx, MLODA_TYPE_UTF8, 0, MLODA_TIME_SECOND, err);
}

static void text_of(const mloda_column *c, int64_t r, char *buf, size_t cap)
{
    int64_t len = 0;
    const char *s = mloda_column_utf8_at(c, r, &len);
    if (s == NULL && mloda_column_type(c) != MLODA_TYPE_UTF8 && mloda_column_is_valid(c, r))
        snprintf(buf, cap, "%g", num_at(c, r));
    else if (s == NULL)
        snprintf(buf, cap, "nan");
    else
        snprintf(buf, cap, "%.*s", (int)len, s);
}

static mloda_status cc_calc(void *ud, mloda_calc *calc, mloda_error *err)
{
    (void)ud;
    for (int64_t i = 0; i < mloda_calc_n_features(calc); i++) {
        mloda_column_builder *b = NULL;
        mloda_status bst = mloda_column_builder_new(MLODA_TYPE_UTF8, 0, MLODA_TIME_SECOND, &b, err);
        if (bst != MLODA_OK)
            return bst;
        for (int64_t r = 0; r < mloda_calc_n_rows(calc); r++) {
            char x[64], y[64], both[130];
            text_of(mloda_calc_input(calc, i, 0, 0), r, x, sizeof x);
            text_of(mloda_calc_input(calc, i, 1, 0), r, y, sizeof y);
            snprintf(both, sizeof both, "%s_%s", x, y);
            (void)mloda_column_builder_append_utf8(b, both, (int64_t)strlen(both), err);
        }
        mloda_column *col = NULL;
        mloda_status st = mloda_column_builder_finish(b, &col, err);
        if (st == MLODA_OK)
            st = mloda_calc_set_output(calc, i, col, err);
        if (st != MLODA_OK)
            return st;
    }
    return MLODA_OK;
}

static const mloda_feature_group concat_group = {
    .struct_size = sizeof(mloda_feature_group),
    .abi_version = MLODA_FEATURE_GROUP_ABI,
    .name = "Concat",
    .match = cc_match,
    .inputs = cc_inputs,
    .bind = cc_bind,
    .calculate = cc_calc,
};

static mloda_registry *reg;

/* SPEC §7.2: left keys [1,2,4,3] values w,x,z,y; right keys [1,2,3,3] values a,b,c,c2. */
static mloda_api_data *observed_tables(void)
{
    mloda_api_data *api = mloda_api_data_new();
    const int64_t aid[] = {1, 2, 4, 3}, cid[] = {1, 2, 3, 3};
    const char *aval[] = {"w", "x", "z", "y"}, *cval[] = {"a", "b", "c", "c2"};
    const char *ln[] = {"aid", "aval"}, *rn[] = {"cid", "cval"};
    mloda_column *lc[] = {col_i64(aid, NULL, 4), col_str(aval, 4)};
    mloda_column *rc[] = {col_i64(cid, NULL, 4), col_str(cval, 4)};
    api_add(api, "A", 2, ln, lc);
    api_add(api, "C", 2, rn, rc);
    return api;
}

/* Runs aval&cval__concat with one link and compares the rows with want (NULL-ended). */
static void check_rows(mloda_api_data *api, const char *type, const char *const *want)
{
    const char *feat = "aval&cval__concat", *lon = "aid", *ron = "cid";
    mloda_request *req = request_of(&feat, 1);
    mloda_error err = MLODA_ERROR_INIT;
    bool keyed = strcmp(type, "append") != 0;
    CHECK_OK(mloda_request_add_link(req, type, "A", "C", keyed ? 1 : 0, &lon, &ron, NULL, &err),
             err);
    mloda_results *res = NULL;
    CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
    const mloda_column *c = result_column(res, feat);
    int64_t n = 0;
    while (want[n] != NULL)
        n++;
    CHECK(c != NULL && mloda_column_n_rows(c) == n);
    for (int64_t r = 0; c != NULL && r < n && r < mloda_column_n_rows(c); r++) {
        char got[130];
        text_of(c, r, got, sizeof got);
        CHECK_STR(got, want[r]);
    }
    mloda_results_free(res);
    mloda_request_free(req);
}

static void test_observed_join_types(void)
{
    mloda_api_data *api = observed_tables();
    static const struct {
        const char *type;
        const char *rows[10];
    } cases[] = {
        {"inner", {"w_a", "x_b", "y_c", "y_c2", NULL}},
        {"left", {"w_a", "x_b", "z_nan", "y_c", "y_c2", NULL}},
        {"right", {"w_a", "x_b", "y_c", "y_c2", NULL}},
        {"outer", {"w_a", "x_b", "z_nan", "y_c", "y_c2", NULL}},
        {"append", {"w_nan", "x_nan", "z_nan", "y_nan", "nan_a", "nan_b", "nan_c", "nan_c2", NULL}},
        {"union", {"w_nan", "x_nan", "z_nan", "y_nan", "nan_a", "nan_b", "nan_c", "nan_c2", NULL}},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s", cases[k].type);
        check_rows(api, cases[k].type, cases[k].rows);
    }
    mloda_api_data_free(api);
}

/* right order follows the right rows; outer appends unmatched right rows; a bigger left
 * side builds the hash on the right and vice versa (both give the same rows). */
static void test_orders_and_sides(void)
{
    mloda_api_data *api = mloda_api_data_new();
    const int64_t aid[] = {3, 9}, cid[] = {1, 3, 5, 3};
    const char *aval[] = {"p", "q"}, *cval[] = {"a", "b", "c", "d"};
    const char *ln[] = {"aid", "aval"}, *rn[] = {"cid", "cval"};
    mloda_column *lc[] = {col_i64(aid, NULL, 2), col_str(aval, 2)};
    mloda_column *rc[] = {col_i64(cid, NULL, 4), col_str(cval, 4)};
    api_add(api, "A", 2, ln, lc);
    api_add(api, "C", 2, rn, rc);
    const char *inner[] = {"p_b", "p_d", NULL};
    const char *left[] = {"p_b", "p_d", "q_nan", NULL};
    const char *right[] = {"nan_a", "p_b", "nan_c", "p_d", NULL};
    const char *outer[] = {"p_b", "p_d", "q_nan", "nan_a", "nan_c", NULL};
    check_rows(api, "inner", inner);
    check_rows(api, "left", left);
    check_rows(api, "right", right);
    check_rows(api, "outer", outer);
    mloda_api_data_free(api);
}

/* Issue 15's settled rule: inner and left joins keep the left row order even when
 * duplicate keys interleave (pandas' documented order; pandas 1.5 groups the rows by key:
 * p_b p_c r_b r_c q_a s_a). Each left row expands to its matches in right order, whichever
 * side the hash is built on. */
static void test_interleaved_duplicate_keys(void)
{
    static const struct {
        const char *label;
        int64_t n_left, n_right;
        int64_t aid[5], cid[5];
        const char *inner[8], *left[9];
    } cases[] = {
        {"left bigger", 4, 3, {1, 2, 1, 2}, {2, 1, 1},
         {"p_b", "p_c", "q_a", "r_b", "r_c", "s_a", NULL},
         {"p_b", "p_c", "q_a", "r_b", "r_c", "s_a", NULL}},
        {"right bigger", 3, 5, {1, 2, 1}, {2, 1, 1, 2, 9},
         {"p_b", "p_c", "q_a", "q_d", "r_b", "r_c", NULL},
         {"p_b", "p_c", "q_a", "q_d", "r_b", "r_c", NULL}},
        {"unmatched rows between", 5, 2, {3, 1, 4, 1, 3}, {3, 1},
         {"p_a", "q_b", "s_b", "t_a", NULL},
         {"p_a", "q_b", "r_nan", "s_b", "t_a", NULL}},
    };
    const char *aval[] = {"p", "q", "r", "s", "t"}, *cval[] = {"a", "b", "c", "d", "e"};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s", cases[k].label);
        mloda_api_data *api = mloda_api_data_new();
        const char *ln[] = {"aid", "aval"}, *rn[] = {"cid", "cval"};
        mloda_column *lc[] = {col_i64(cases[k].aid, NULL, cases[k].n_left),
                              col_str(aval, cases[k].n_left)};
        mloda_column *rc[] = {col_i64(cases[k].cid, NULL, cases[k].n_right),
                              col_str(cval, cases[k].n_right)};
        api_add(api, "A", 2, ln, lc);
        api_add(api, "C", 2, rn, rc);
        check_rows(api, "inner", cases[k].inner);
        check_rows(api, "left", cases[k].left);
        mloda_api_data_free(api);
    }
}

/* Multi-column keys, null keys never match, an empty side. */
static void test_multi_key_nulls_empty(void)
{
    mloda_api_data *api = mloda_api_data_new();
    const int64_t k1[] = {1, 1, 2, 0}, j1[] = {1, 2, 1, 0};
    const uint8_t k1v[] = {1, 1, 1, 0}, j1v[] = {1, 1, 1, 0};
    const char *k2[] = {"x", "y", "x", "x"}, *j2[] = {"y", "x", "x", "x"};
    const char *aval[] = {"p", "q", "r", "s"}, *cval[] = {"a", "b", "c", "d"};
    const char *ln[] = {"k1", "k2", "aval"}, *rn[] = {"j1", "j2", "cval"};
    mloda_column *lc[] = {col_i64(k1, k1v, 4), col_str(k2, 4), col_str(aval, 4)};
    mloda_column *rc[] = {col_i64(j1, j1v, 4), col_str(j2, 4), col_str(cval, 4)};
    api_add(api, "A", 3, ln, lc);
    api_add(api, "C", 3, rn, rc);
    const char *feat = "aval&cval__concat";
    const char *lon[] = {"k1", "k2"}, *ron[] = {"j1", "j2"};
    mloda_request *req = request_of(&feat, 1);
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_request_add_link(req, "left", "A", "C", 2, lon, ron, NULL, &err), err);
    mloda_results *res = NULL;
    CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
    /* (1,x)->c, (1,y)->a, (2,x)->b, a null key matches nothing */
    const char *want[] = {"p_c", "q_a", "r_b", "s_nan"};
    const mloda_column *c = result_column(res, feat);
    CHECK(c != NULL && mloda_column_n_rows(c) == 4);
    char got[130];
    for (int r = 0; c != NULL && r < 4; r++) {
        text_of(c, r, got, sizeof got);
        TEST_CASE("row %d", r);
        CHECK_STR(got, want[r]);
    }
    mloda_results_free(res);
    /* an empty right side: inner gives zero rows, left keeps every left row */
    mloda_api_data *api2 = mloda_api_data_new();
    const char *ln2[] = {"k1", "k2", "aval"}, *rn2[] = {"j1", "j2", "cval"};
    mloda_column *lc2[] = {col_i64(k1, k1v, 4), col_str(k2, 4), col_str(aval, 4)};
    mloda_column *rc2[] = {col_i64(NULL, NULL, 0), col_str(NULL, 0), col_str(NULL, 0)};
    api_add(api2, "A", 3, ln2, lc2);
    api_add(api2, "C", 3, rn2, rc2);
    CHECK_OK(mloda_run_all(reg, req, api2, &res, &err), err);
    CHECK_EQ_INT(mloda_column_n_rows(result_column(res, feat)), 4);
    mloda_results_free(res);
    mloda_request_free(req);
    mloda_api_data_free(api2);
    mloda_api_data_free(api);
}

/* asof: pandas merge_asof semantics. */
static void test_asof(void)
{
    mloda_api_data *api = mloda_api_data_new();
    const int64_t lt[] = {1, 5, 10, 20}, rt[] = {2, 5, 9, 15};
    const char *lk[] = {"x", "x", "x", "y"}, *rk[] = {"x", "x", "x", "y"};
    const char *aval[] = {"p", "q", "r", "s"}, *cval[] = {"a", "b", "c", "d"};
    const char *ln[] = {"t", "g", "aval"}, *rn[] = {"u", "h", "cval"};
    mloda_column *lc[] = {col_i64(lt, NULL, 4), col_str(lk, 4), col_str(aval, 4)};
    mloda_column *rc[] = {col_i64(rt, NULL, 4), col_str(rk, 4), col_str(cval, 4)};
    api_add(api, "A", 3, ln, lc);
    api_add(api, "C", 3, rn, rc);
    static const struct {
        const char *dir;
        bool exact;
        double tol; /* < 0: none */
        const char *rows[4];
    } cases[] = {
        {"backward", true, -1, {"p_nan", "q_b", "r_c", "s_d"}},
        {"backward", false, -1, {"p_nan", "q_a", "r_c", "s_d"}},
        {"forward", true, -1, {"p_a", "q_b", "r_nan", "s_nan"}},
        {"nearest", true, -1, {"p_a", "q_b", "r_c", "s_d"}},
        {"backward", true, 2, {"p_nan", "q_b", "r_c", "s_nan"}},
    };
    const char *feat = "aval&cval__concat", *lon = "g", *ron = "h";
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s exact=%d tol=%g", cases[k].dir, cases[k].exact, cases[k].tol);
        mloda_options *o = mloda_options_new();
        (void)mloda_options_set_string(o, MLODA_CONTEXT, "left_time_column", "t", NULL);
        (void)mloda_options_set_string(o, MLODA_CONTEXT, "right_time_column", "u", NULL);
        (void)mloda_options_set_string(o, MLODA_CONTEXT, "direction", cases[k].dir, NULL);
        (void)mloda_options_set_bool(o, MLODA_CONTEXT, "allow_exact_matches", cases[k].exact,
                                     NULL);
        if (cases[k].tol >= 0)
            (void)mloda_options_set_float(o, MLODA_CONTEXT, "tolerance", cases[k].tol, NULL);
        mloda_request *req = request_of(&feat, 1);
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(mloda_request_add_link(req, "asof", "A", "C", 1, &lon, &ron, o, &err), err);
        mloda_results *res = NULL;
        CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
        const mloda_column *c = result_column(res, feat);
        for (int r = 0; c != NULL && r < 4; r++) {
            char got[130];
            text_of(c, r, got, sizeof got);
            CHECK_STR(got, cases[k].rows[r]);
        }
        mloda_results_free(res);
        mloda_request_free(req);
        mloda_options_free(o);
    }
    mloda_api_data_free(api);
}

/* A chain after a join, a filter before it, plain columns of each table, explain, pool. */
static void test_chain_filter_explain(void)
{
    mloda_api_data *api = observed_tables();
    const char *feats[] = {"aval&cval__concat__count_aggr", "aval", "cval"};
    mloda_request *req = request_of(feats, 3);
    mloda_error err = MLODA_ERROR_INIT;
    const char *lon = "aid", *ron = "cid";
    CHECK_OK(mloda_request_add_link(req, "inner", "A", "C", 1, &lon, &ron, NULL, &err), err);
    mloda_options *o = mloda_options_new();
    (void)mloda_options_set_string(o, MLODA_CONTEXT, "value", "c2", NULL);
    CHECK_OK(mloda_request_add_filter(req, "equal", "cval", o, &err), err);
    CHECK_OK(mloda_request_set_inline_rows(req, 0, &err), err);
    mloda_session *s = NULL;
    CHECK_OK(mloda_prepare(reg, req, api, &s, &err), err);
    mloda_results *res = NULL;
    CHECK_OK(mloda_session_run(s, api, &res, &err), err);
    CHECK_EQ_INT(mloda_results_n_tables(res), 3);
    CHECK_CLOSE(num_at(result_column(res, "aval&cval__concat__count_aggr"), 0), 1.0);
    CHECK_EQ_INT(mloda_column_n_rows(result_column(res, "aval")), 4);
    CHECK_EQ_INT(mloda_column_n_rows(result_column(res, "cval")), 1);
    mloda_results_free(res);
    char *text = NULL;
    CHECK_OK(mloda_session_plan(s, MLODA_PLAN_TEXT, &text, &err), err);
    CHECK_CONTAINS(text, "join Join [table A x C]");
    CHECK_CONTAINS(text, "link inner A on (aid) with C on (cid)");
    mloda_string_free(text);
    mloda_session_free(s);
    mloda_options_free(o);
    mloda_request_free(req);
    mloda_api_data_free(api);
}

/* union drops rows equal in every column of their table (pandas' drop_duplicates): booleans,
 * NaN equal to NaN, null equal to null, lists element by element, a null list; the first
 * of equal rows stays. */
static void test_union_duplicate_rows(void)
{
    enum { N = 14 };
    const int64_t aid[N] = {1, 1, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 5};
    const char *aval[N] = {"a", "a", "b", "b", "c", "c", "c", "d", "d", "d", "e", "e", "e", "e"};
    const bool b[N] = {1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    const double f[N] = {1, 1, 1, 1, NAN, NAN, 2, 1, 1, 1, 1, 1, 1, 1};
    const int64_t i[N] = {1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1};
    const uint8_t i_valid[N] = {1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1};
    double p[2 * N];
    uint8_t p_valid[N];
    for (int r = 0; r < N; r++) {
        p[2 * r] = 1;
        p[2 * r + 1] = r == 10 || r == 11 ? 3 : 2;
        p_valid[r] = r != 12 && r != 13;
    }
    mloda_error err = MLODA_ERROR_INIT;
    mloda_column *bc = NULL, *pc = NULL;
    CHECK_OK(mloda_column_from_bool(N, b, NULL, &bc, &err), err);
    CHECK_OK(mloda_column_from_float64_list(2, N, p, p_valid, &pc, &err), err);
    const char *ln[] = {"aid", "aval", "b", "f", "i", "p"};
    mloda_column *lc[] = {col_i64(aid, NULL, N), col_str(aval, N), bc, col_f64(f, N),
                          col_i64(i, i_valid, N), pc};
    const int64_t cid[] = {7, 7};
    const char *cval[] = {"x", "x"}, *rn[] = {"cid", "cval"};
    mloda_column *rc[] = {col_i64(cid, NULL, 2), col_str(cval, 2)};
    mloda_api_data *api = mloda_api_data_new();
    api_add(api, "A", 6, ln, lc);
    api_add(api, "C", 2, rn, rc);
    const char *want[] = {"a_nan", "b_nan", "b_nan", "c_nan", "c_nan", "d_nan", "d_nan",
                          "e_nan", "e_nan", "nan_x", NULL};
    check_rows(api, "union", want);
    mloda_api_data_free(api);
}

static void test_link_errors(void)
{
    mloda_api_data *api = observed_tables();
    const char *feat = "aval&cval__concat";
    static const struct {
        const char *type, *left, *right, *lon, *ron;
        mloda_status st;
        const char *msg;
    } cases[] = {
        {"sideways", "A", "C", "aid", "cid", MLODA_ERR_OPTION, "'sideways'"},
        {"inner", "A", "Nope", "aid", "cid", MLODA_ERR_SCHEMA, "'Nope'"},
        {"inner", "A", "C", "aid", "nope", MLODA_ERR_SCHEMA, "'nope'"},
        {"inner", "A", "C", "aval", "cid", MLODA_ERR_TYPE, "utf8"},
        {"inner", "A", "A", "aid", "aid", MLODA_ERR_OPTION, "itself"},
        {"asof", "A", "C", "aid", "cid", MLODA_ERR_OPTION, "left_time_column"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s %s %s", cases[k].type, cases[k].left, cases[k].right);
        mloda_request *req = request_of(&feat, 1);
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(mloda_request_add_link(req, cases[k].type, cases[k].left, cases[k].right, 1,
                                        &cases[k].lon, &cases[k].ron, NULL, &err),
                 err);
        mloda_session *s = NULL;
        CHECK_EQ_INT(mloda_prepare(reg, req, api, &s, &err), cases[k].st);
        CHECK_CONTAINS(err.message, cases[k].msg);
        mloda_request_free(req);
    }
    /* no link: combining two tables is an error naming both */
    mloda_request *req = request_of(&feat, 1);
    mloda_error err = MLODA_ERROR_INIT;
    mloda_session *s = NULL;
    CHECK_EQ_INT(mloda_prepare(reg, req, api, &s, &err), MLODA_ERR_SCHEMA);
    CHECK_CONTAINS(err.message, "'A'");
    CHECK_CONTAINS(err.message, "'C'");
    mloda_request_free(req);
    mloda_api_data_free(api);
}

/* Every allocation of a join failing in turn (hash table, chain tails at the first
 * duplicate key, matches, pairs, gathers) gives MLODA_ERR_NOMEM and no leak, for each kind
 * of join, with duplicate and with unique keys on the build side (the smaller table). */
static void test_join_allocation_failures(void)
{
    static const int64_t aid[] = {3, 9, 1, 3, 7}, dup_cid[] = {1, 3, 3}, uniq_cid[] = {1, 3, 5};
    static const double lrow[] = {0, 1, 2, 3, 4}, rrow[] = {0, 1, 2};
    static const char *const types[] = {"inner", "left", "right", "outer"};
    const char *feat = "lrow&rrow__pair", *lon = "k", *ron = "j";
    const char *ln[] = {"k", "lrow"}, *rn[] = {"j", "rrow"};
    for (int u = 0; u < 2; u++) {
        mloda_api_data *api = mloda_api_data_new();
        mloda_column *lc[] = {col_i64(aid, NULL, 5), col_f64(lrow, 5)};
        mloda_column *rc[] = {col_i64(u ? uniq_cid : dup_cid, NULL, 3), col_f64(rrow, 3)};
        api_add(api, "A", 2, ln, lc);
        api_add(api, "C", 2, rn, rc);
        for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
            TEST_CASE("%s join, %s keys", types[t], u ? "unique" : "duplicate");
            mloda_request *req = request_of(&feat, 1);
            mloda_error err = MLODA_ERROR_INIT;
            CHECK_OK(mloda_request_add_link(req, types[t], "A", "C", 1, &lon, &ron, NULL, &err),
                     err);
            CHECK(walk_run_all_allocations(reg, req, api) > 0);
            mloda_request_free(req);
        }
        mloda_api_data_free(api);
    }
}

/* ---------------------------------------------------------------- large joins */

/* `a&b__pair`: (a + 1) * 2^20 + (b + 1) per row, a null side counting as -1: which left
 * and right row each joined row came from (row numbers below 2^20 - 1). */
static mloda_status pair_compute(void *ud, int64_t n, int64_t n_in,
                                 const mloda_column *const *in, int64_t n_cap,
                                 const char *const *cap, const mloda_options *opts,
                                 mloda_column **out, mloda_error *err)
{
    (void)ud, (void)n_in, (void)n_cap, (void)cap, (void)opts;
    double *v = malloc((size_t)(n > 0 ? n : 1) * sizeof *v);
    for (int64_t r = 0; r < n; r++) {
        double a = mloda_column_is_valid(in[0], r) ? mloda_column_float64(in[0])[r] : -1;
        double b = mloda_column_is_valid(in[1], r) ? mloda_column_float64(in[1])[r] : -1;
        v[r] = (a + 1) * 1048576.0 + (b + 1);
    }
    mloda_status st = mloda_column_from_float64(n, v, NULL, out, err);
    free(v);
    return st;
}

typedef struct join_sides {
    int64_t n[2];
    int64_t *key[2];    /* [n] key values in 0..n_keys-1 */
    uint8_t *valid[2];  /* [n] 0: the key is null */
    int64_t n_keys;
} join_sides;

/* The reference: joined (left row, right row) pairs of `type` in mloda's order, by
 * nested loops over the key values. Returns the number of pairs written to out. */
static int64_t reference_join(const join_sides *js, const char *type, int64_t *out_l,
                              int64_t *out_r)
{
    int64_t n = 0;
    bool right = strcmp(type, "right") == 0;
    int64_t by = right ? 1 : 0, other = 1 - by;
    /* rows of the other side per key, in row order */
    int64_t *start = calloc((size_t)js->n_keys + 1, sizeof *start);
    int64_t *rows = malloc((size_t)js->n[other] * sizeof *rows);
    for (int64_t r = 0; r < js->n[other]; r++)
        if (js->valid[other][r])
            start[js->key[other][r] + 1]++;
    for (int64_t k = 0; k < js->n_keys; k++)
        start[k + 1] += start[k];
    int64_t *fill = calloc((size_t)js->n_keys, sizeof *fill);
    for (int64_t r = 0; r < js->n[other]; r++)
        if (js->valid[other][r]) {
            int64_t k = js->key[other][r];
            rows[start[k] + fill[k]++] = r;
        }
    bool keep = strcmp(type, "inner") != 0;
    bool *matched = calloc((size_t)js->n[other] + 1, sizeof *matched);
    for (int64_t r = 0; r < js->n[by]; r++) {
        int64_t k = js->key[by][r], lo = 0, hi = 0;
        if (js->valid[by][r]) {
            lo = start[k];
            hi = start[k + 1];
        }
        if (lo == hi && keep) {
            out_l[n] = right ? -1 : r;
            out_r[n++] = right ? r : -1;
        }
        for (int64_t i = lo; i < hi; i++) {
            out_l[n] = right ? rows[i] : r;
            out_r[n++] = right ? r : rows[i];
            matched[rows[i]] = true;
        }
    }
    if (strcmp(type, "outer") == 0) {
        for (int64_t r = 0; r < js->n[1]; r++) {
            if (!matched[r]) {
                out_l[n] = -1;
                out_r[n++] = r;
            }
        }
    }
    free(start);
    free(rows);
    free(fill);
    free(matched);
    return n;
}

static void make_side(join_sides *js, int side, int64_t n, int64_t n_keys, uint64_t seed,
                      bool unique)
{
    js->n[side] = n;
    js->key[side] = malloc((size_t)n * sizeof(int64_t));
    js->valid[side] = malloc((size_t)n);
    for (int64_t r = 0; r < n; r++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        /* unique: a permutation of 0..n-1 (n_keys >= n); else random keys */
        js->key[side][r] = unique ? (r * 7919) % n : (int64_t)((seed >> 33) % (uint64_t)n_keys);
        js->valid[side][r] = (uint8_t)((seed >> 20) % 53 != 0); /* about 2% null keys */
        if (!js->valid[side][r])
            js->key[side][r] = 0;
    }
}

static void free_sides(join_sides *js)
{
    for (int side = 0; side < 2; side++) {
        free(js->key[side]);
        free(js->valid[side]);
    }
}

/* Checks one join of the sides through the engine against the reference. */
static void check_large_join(const join_sides *js, const char *type, bool float_keys,
                             int64_t threads)
{
    mloda_api_data *api = mloda_api_data_new();
    const char *names[2][2] = {{"k", "lrow"}, {"j", "rrow"}};
    for (int side = 0; side < 2; side++) {
        int64_t n = js->n[side];
        double *row = malloc((size_t)n * sizeof *row), *fk = malloc((size_t)n * sizeof *fk);
        for (int64_t r = 0; r < n; r++) {
            row[r] = (double)r;
            fk[r] = js->valid[side][r] ? (double)js->key[side][r] * 0.5 : 0.0;
        }
        mloda_column *cols[2] = {float_keys ? col_f64_valid(fk, js->valid[side], n)
                                            : col_i64(js->key[side], js->valid[side], n),
                                 col_f64(row, n)};
        api_add(api, side == 0 ? "A" : "C", 2, names[side], cols);
        free(row);
        free(fk);
    }
    const char *feat = "lrow&rrow__pair", *lon = "k", *ron = "j";
    mloda_request *req = request_of(&feat, 1);
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_request_add_link(req, type, "A", "C", 1, &lon, &ron, NULL, &err), err);
    CHECK_OK(mloda_request_set_threads(req, threads, &err), err);
    int64_t cap = js->n[0] * 4 + js->n[1] * 4;
    int64_t *wl = malloc((size_t)cap * sizeof *wl), *wr = malloc((size_t)cap * sizeof *wr);
    int64_t want = reference_join(js, type, wl, wr);
    mloda_results *res = NULL;
    CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
    const mloda_column *c = res == NULL ? NULL : result_column(res, feat);
    CHECK(c != NULL);
    if (c != NULL) {
        CHECK_EQ_INT(mloda_column_n_rows(c), want);
        int64_t bad = 0, first_bad = -1;
        for (int64_t r = 0; r < want && r < mloda_column_n_rows(c); r++) {
            double expect = (double)(wl[r] + 1) * 1048576.0 + (double)(wr[r] + 1);
            if (mloda_column_float64(c)[r] != expect && bad++ == 0)
                first_bad = r;
        }
        CHECK_MSG(bad == 0, "%lld rows differ from the reference, the first at row %lld",
                  (long long)bad, (long long)first_bad);
    }
    mloda_results_free(res);
    free(wl);
    free(wr);
    mloda_request_free(req);
    mloda_api_data_free(api);
}

/* Joins large enough to be probed in parts over the pool, every kind, on both table
 * orders (the hash is built on the smaller side), with unique and duplicate build keys,
 * int64 and float64 keys, in parallel and on one thread: the same rows as the reference. */
static void test_large_joins_match_reference(void)
{
    static const struct {
        const char *label;
        int64_t n_left, n_right, n_keys;
        bool unique_right, unique_left;
    } shapes[] = {
        {"unique right keys, left bigger", 300000, 40000, 40000, true, false},
        {"duplicate right keys, left bigger", 300000, 40000, 25000, false, false},
        {"unique left keys, right bigger", 40000, 300000, 40000, false, true},
    };
    static const char *const types[] = {"inner", "left", "right", "outer"};
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        join_sides js = {.n_keys = shapes[k].n_keys};
        make_side(&js, 0, shapes[k].n_left, shapes[k].n_keys, 11 + k, shapes[k].unique_left);
        make_side(&js, 1, shapes[k].n_right, shapes[k].n_keys, 977 + k, shapes[k].unique_right);
        for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
            for (int variant = 0; variant < 3; variant++) {
                bool float_keys = variant == 2;
                int64_t threads = variant == 1 ? 1 : 0;
                TEST_CASE("%s, %s join, %s keys, %s", shapes[k].label, types[t],
                          float_keys ? "float64" : "int64", threads == 1 ? "one thread" : "pool");
                check_large_join(&js, types[t], float_keys, threads);
            }
        }
        free_sides(&js);
    }
}

int main(void)
{
    reg = mloda_registry_default();
    (void)mloda_registry_add(reg, &concat_group, NULL);
    mloda_simple_group pair = {sizeof pair, MLODA_SIMPLE_GROUP_ABI, "Pair", "row pairs", "pair",
                               2, 2, MLODA_TYPE_FLOAT64, pair_compute, NULL, NULL};
    (void)mloda_registry_add_simple(reg, &pair, NULL);
    RUN(test_observed_join_types);
    RUN(test_union_duplicate_rows);
    RUN(test_orders_and_sides);
    RUN(test_interleaved_duplicate_keys);
    RUN(test_multi_key_nulls_empty);
    RUN(test_asof);
    RUN(test_chain_filter_explain);
    RUN(test_link_errors);
    RUN(test_large_joins_match_reference);
    RUN(test_join_allocation_failures);
    mloda_registry_free(reg);
    return TEST_SUMMARY();
}
